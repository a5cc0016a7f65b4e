//! Complaints against the project's packs: raw JSON text, or complaints built from pieces — the
//! pack's own terms, negation cues and `except` words, personal data, amounts, punctuation —
//! repeated up to the pack's largest text. Every invariant of a decision holds (deterministic,
//! verdict = decision without its explanation, batch = single, spans index the text, masking
//! complete, no amount is personal data); each input is classified within the time budget, and
//! a text repeated k times (then its tail once) may not take more than about k/4-times-as-long
//! times 3 of the quarter-length text (work that grows faster than the text is a finding).
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Map, Value};
use std::time::Duration;
use wendu_fuzz::{assert_fast, check_complaint, engine, settled, text_budget, timed, PACKS};

const CUES: &[&str] = &["没有", "没", "未", "并未", "从未", "不会", "不", "没收", "未来", "没办法", "not", "never", "no", "don't", "without"];
const PII: &[&str] = &["13812345678", "+86 138 1234 5678", "11010519491231002X", "6222021234567890128", "4111 1111 1111 1111", "a@bank-customer-mail.com", "zhang.san@qq.com", "１３８１２３４５６７８"];
const AMOUNTS: &[&str] = &["500元", "¥1,234.56", "3.5万", "五万元", "借款2万", "$300", "一千二百块", "1万5", "3万多", "1亿", "99999999999999999999亿"];
const PUNCT: &[&str] = &["，", "。", "！", " ", "\n", "、", "…", "~", ",", ".", "?", "：", "\t", "　"];

#[derive(Arbitrary, Debug)]
enum Piece {
    Str(String),
    Term(u16),
    Cue(u8),
    Pii(u8),
    Amount(u8),
    Punct(u8),
}

#[derive(Arbitrary, Debug)]
struct Frag {
    pieces: Vec<Piece>,
    repeat: u16,
    /// Written once after the repetitions: a run that changes meaning at its end (a chain of
    /// amount units that overflows there) is what makes a scanner read the run again from each
    /// of its starts.
    tail: Vec<Piece>,
}

#[derive(Arbitrary, Debug)]
enum Field {
    Amount(f64),
    Age(u8),
    Channel(String),
    Vulnerable(bool),
    Prior(u16),
    Extra(String, String),
    Received(u16, u8, u8, i16),
}

#[derive(Arbitrary, Debug)]
enum Input {
    Raw { pack: u8, json: String },
    Built { pack: u8, id: Option<String>, title: Option<Frag>, text: Frag, fields: Vec<Field> },
}

/// The pieces, repeated `times` times but to at most `limit` chars, then the tail once.
fn render(f: &Frag, terms: &[&str], times: usize, limit: usize) -> String {
    let unit = pieces(&f.pieces, terms);
    let tail = pieces(&f.tail, terms);
    let per = unit.chars().count().max(1);
    let times = times.min(limit / per).max(1);
    unit.repeat(times) + &tail
}

fn pieces(list: &[Piece], terms: &[&str]) -> String {
    let mut unit = String::new();
    for p in list.iter().take(32) {
        match p {
            Piece::Str(s) => unit.push_str(s),
            Piece::Term(i) if !terms.is_empty() => {
                unit.push_str(terms[usize::from(*i) % terms.len()].trim_end_matches('*'))
            }
            Piece::Term(_) => {}
            Piece::Cue(i) => unit.push_str(CUES[usize::from(*i) % CUES.len()]),
            Piece::Pii(i) => unit.push_str(PII[usize::from(*i) % PII.len()]),
            Piece::Amount(i) => unit.push_str(AMOUNTS[usize::from(*i) % AMOUNTS.len()]),
            Piece::Punct(i) => unit.push_str(PUNCT[usize::from(*i) % PUNCT.len()]),
        }
    }
    unit
}

fn complaint(id: &Option<String>, title: Option<String>, text: String, fields: &[Field]) -> String {
    let mut m = Map::new();
    if let Some(id) = id {
        m.insert("id".into(), json!(id));
    }
    if let Some(t) = title {
        m.insert("title".into(), json!(t));
    }
    m.insert("text".into(), json!(text));
    for f in fields.iter().take(8) {
        match f {
            Field::Amount(a) => {
                m.insert("amount".into(), serde_json::Number::from_f64(*a).map_or(Value::Null, Value::Number));
            }
            Field::Age(a) => {
                m.insert("customer".into(), json!({"age": a}));
            }
            Field::Channel(c) => {
                m.insert("channel".into(), json!(c));
            }
            Field::Vulnerable(v) => {
                m.insert("customer".into(), json!({"vulnerable": v}));
            }
            Field::Prior(p) => {
                m.insert("customer".into(), json!({"prior_complaints": p}));
            }
            Field::Extra(k, v) => {
                m.insert(k.clone(), json!(v));
            }
            Field::Received(y, mo, d, off) => {
                let (h, mi) = ((off.unsigned_abs() / 60) % 24, off.unsigned_abs() % 60);
                let sign = if *off < 0 { '-' } else { '+' };
                m.insert(
                    "received_at".into(),
                    json!(format!("{:04}-{:02}-{:02}T12:00:00{sign}{h:02}:{mi:02}", y % 10_000, mo % 13, d % 32)),
                );
            }
        }
    }
    Value::Object(m).to_string()
}

fuzz_target!(|input: Input| {
    match input {
        Input::Raw { pack, json } => {
            let e = engine(usize::from(pack));
            let chars = json.chars().count();
            let (_, took) = timed(|| (e.classify_json(&json), e.verdict_json(&json)));
            assert_fast("classify and verdict", took, text_budget(chars) * 2, || {
                let _ = (e.classify_json(&json), e.verdict_json(&json));
            });
            check_complaint(e, &json);
        }
        Input::Built { pack, id, title, text, fields } => {
            let i = usize::from(pack) % PACKS.len();
            let e = engine(i);
            let terms: Vec<&str> = e.terms().collect();
            let times = usize::from(text.repeat % 2048).max(1);
            // Texts of up to 2,000 chars, one input in 16 up to 10,000 (slower: fewer of them).
            let limit = if text.repeat >= 0xF000 { 10_000 } else { 2_000 };
            let body = render(&text, &terms, times, limit);
            let head = title.as_ref().map(|t| render(t, &terms, usize::from(t.repeat % 64).max(1), 500));
            let c = complaint(&id, head.clone(), body.clone(), &fields);
            let chars = body.chars().count() + head.as_ref().map_or(0, |h| h.chars().count());
            let run = |json: &str, budget: Duration| {
                settled(budget, || {
                    let _ = e.classify_json(json);
                    let _ = e.verdict_json(json);
                })
            };
            let budget = text_budget(chars) * 2;
            let took = run(&c, budget);
            assert!(took <= budget, "slow input: {took:?} for {chars} chars");
            // Growth: the same pieces a quarter as many times.
            if times >= 16 && body.chars().count() >= 1_000 && took > Duration::from_millis(10) {
                let quarter = complaint(&id, head, render(&text, &terms, times / 4, limit / 4), &fields);
                let q = run(&quarter, Duration::ZERO).max(Duration::from_micros(200));
                let limit = q * 12 + Duration::from_millis(5);
                let again = run(&c, limit).min(took);
                assert!(
                    again <= limit,
                    "work grows faster than the text: {again:?} for {times} repeats, {q:?} for a quarter"
                );
            }
            check_complaint(e, &c);
        }
    }
});
