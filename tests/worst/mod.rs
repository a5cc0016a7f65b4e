//! Generated worst cases for the time guarantee (RELIABILITY.md): texts built to make every step
//! of the flow do as much work per character as it can — one negation cue repeated, a cue inside
//! an `except` word repeated, personal data packed back to back, digit groups, numbers that read
//! on and on, every term of the pack glued together, expanding case folds — each cut to `n`
//! characters. Shared by `tests/worst_case.rs` (the native assertions) and
//! `examples/worst_case.rs` (the measurements, and the JSON Lines the Node and wasmtime runs read).
#![allow(dead_code)]

use serde_json::{json, Value};

/// Milliseconds this thread has spent on a CPU (`CLOCK_THREAD_CPUTIME_ID`; `None` off Unix).
#[cfg(unix)]
pub fn cpu_ms() -> Option<f64> {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `t` is a valid, writable timespec; the call only writes it.
    let ok = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) } == 0;
    ok.then(|| t.tv_sec as f64 * 1000.0 + t.tv_nsec as f64 / 1e6)
}

#[cfg(not(unix))]
pub fn cpu_ms() -> Option<f64> {
    None
}

/// Milliseconds per call of `f`, wall clock and CPU time (`None` without a CPU clock): the
/// least of `runs` batches, each repeating `f` for at least `batch_ms` of wall clock. CPU time
/// is what a machine shared with other work hardly changes; wall clock on such a machine grows
/// with the length of a run (a long run is preempted more often), which made comparisons of
/// short and long texts flaky.
pub fn per_call(runs: usize, batch_ms: f64, mut f: impl FnMut()) -> (f64, Option<f64>) {
    let s = std::time::Instant::now();
    f();
    let once = s.elapsed().as_secs_f64() * 1000.0;
    let n = ((batch_ms / once.max(1e-3)).ceil() as usize).clamp(1, 10_000);
    let (mut wall, mut cpu) = (f64::INFINITY, None::<f64>);
    for _ in 0..runs.max(1) {
        let (s, c) = (std::time::Instant::now(), cpu_ms());
        for _ in 0..n {
            f();
        }
        wall = wall.min(s.elapsed().as_secs_f64() * 1000.0 / n as f64);
        if let (Some(a), Some(b)) = (c, cpu_ms()) {
            let per = (b - a) / n as f64;
            cpu = Some(cpu.map_or(per, |c: f64| c.min(per)));
        }
    }
    (wall, cpu)
}

/// A deterministic generator (64-bit LCG), so every runtime measures the same texts.
pub struct Lcg(u64);

impl Lcg {
    pub fn new(seed: u64) -> Lcg {
        Lcg(seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407))
    }
    pub fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        if items.is_empty() {
            None
        } else {
            items.get(self.below(items.len()))
        }
    }
}

/// `unit` repeated and cut to exactly `n` chars (never in the middle of a char).
pub fn repeat_to(unit: &str, n: usize) -> String {
    let per = unit.chars().count().max(1);
    let s = unit.repeat(n / per + 1);
    s.chars().take(n).collect()
}

/// Pieces glued by `next` until `n` chars.
fn fill(n: usize, mut next: impl FnMut() -> String) -> String {
    let mut s = String::new();
    let mut chars = 0;
    while chars < n {
        let piece = next();
        if piece.is_empty() {
            break;
        }
        chars += piece.chars().count();
        s.push_str(&piece);
    }
    s.chars().take(n).collect()
}

/// The negation cues and `except` words of a pack (empty when it has none).
fn negation_words(pack: &Value) -> (Vec<String>, Vec<String>) {
    let list = |k: &str| -> Vec<String> {
        pack.pointer(&format!("/settings/negation/{k}"))
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    };
    let cues = list("cues");
    let cues = if cues.is_empty() && pack.pointer("/settings/negation/cues").is_none() {
        // The built-in Chinese cues (a pack that omits the key gets its locale's defaults).
        ["没有", "没", "未", "不", "无"].map(String::from).to_vec()
    } else {
        cues
    };
    (cues, list("except"))
}

/// Personal data of every kind the engine finds (checksums valid).
pub const PHONES: &[&str] = &[
    "13812345678",
    "15900001111",
    "+86 138 1234 5678",
    "0086-139-8765-4321",
];
pub const ID_CARDS: &[&str] = &["11010519491231002X", "440524188001010014"];
pub const CARDS: &[&str] = &[
    "6222021234567890128",
    "4111 1111 1111 1111",
    "6212261202011584349",
];
pub const EMAILS: &[&str] = &[
    "a@bank-customer-mail.com",
    "zhang.san@example.cn",
    "b@qq.com",
];

/// The generated worst cases for a pack (its JSON) whose distinct terms are `terms` (as
/// `Engine::terms` lists them, prefix terms ending in `*`), each a complaint of `n` chars (a title
/// and text of `n / 2` each for the title cases): (name, complaint).
pub fn cases(pack_json: &str, terms: &[&str], n: usize) -> Vec<(String, Value)> {
    let pack: Value = serde_json::from_str(pack_json).unwrap_or(Value::Null);
    let (cues, except) = negation_words(&pack);
    let terms: Vec<String> = terms
        .iter()
        .map(|t| t.trim_end_matches('*').to_string())
        .filter(|t| !t.is_empty())
        .collect();
    let mut out: Vec<(String, String)> = Vec::new();
    let mut add = |name: String, text: String| out.push((name, text));

    for c in &cues {
        add(format!("cue {c}"), repeat_to(c, n));
        // A cue before every term: each hit negated, each listed.
        for t in terms.iter().take(3) {
            add(
                format!("cue {c} + term {t}"),
                repeat_to(&format!("{c}{t}"), n),
            );
        }
    }
    for w in &except {
        add(format!("except {w}"), repeat_to(w, n));
        if let Some(c) = cues.first() {
            add(
                format!("except {w} + cue {c}"),
                repeat_to(&format!("{w}{c}"), n),
            );
        }
    }
    // Every term once, glued: the densest overlapping matches the pack can give.
    if !terms.is_empty() {
        let mut i = 0;
        add(
            "all terms glued".into(),
            fill(n, || {
                i += 1;
                terms
                    .get((i - 1) % terms.len())
                    .cloned()
                    .unwrap_or_default()
            }),
        );
        let mut r = Lcg::new(7);
        add(
            "terms and cues, random".into(),
            fill(n, || {
                let t = r.pick(&terms).cloned().unwrap_or_default();
                match r.below(4) {
                    0 => format!("{}{t}", r.pick(&cues).cloned().unwrap_or_default()),
                    1 => format!("{t}，"),
                    _ => t,
                }
            }),
        );
        // Terms far apart: `near` conditions find many candidates and few pairs.
        let mut j = 0;
        add(
            "terms with gaps".into(),
            fill(n, || {
                j += 1;
                let t = terms
                    .get((j * 7) % terms.len())
                    .cloned()
                    .unwrap_or_default();
                format!("{t}{}", "的".repeat(j % 23))
            }),
        );
        // Two terms, each filling half the text, in both orders: a `near` whose sides never
        // meet, however wide its window.
        if let (Some(x), Some(y)) = (terms.first(), terms.get(1)) {
            add(
                format!("{x} then {y}, halves"),
                format!("{}{}", repeat_to(x, n / 2), repeat_to(y, n - n / 2)),
            );
            add(
                format!("{y} then {x}, halves"),
                format!("{}{}", repeat_to(y, n / 2), repeat_to(x, n - n / 2)),
            );
        }
        // Every term, the first one repeated, the rest at the very end: evidence searches.
        let tail: String = terms.iter().take(200).cloned().collect();
        let head_len = n.saturating_sub(tail.chars().count());
        add(
            "one term, all the others at the end".into(),
            format!("{}{tail}", repeat_to(&terms[0], head_len))
                .chars()
                .take(n)
                .collect(),
        );
    }
    // Personal data back to back, and as lists.
    add("phones".into(), repeat_to(&format!("{}，", PHONES[0]), n));
    add("phones glued".into(), repeat_to(PHONES[0], n));
    add(
        "phones spaced".into(),
        repeat_to(&format!("{} ", PHONES[2]), n),
    );
    add(
        "phones as amounts".into(),
        repeat_to(&format!("余额{}元，", PHONES[0]), n),
    );
    add(
        "id cards".into(),
        repeat_to(&format!("{}；", ID_CARDS[0]), n),
    );
    add(
        "bank cards".into(),
        repeat_to(&format!("{}，", CARDS[0]), n),
    );
    add(
        "bank cards grouped".into(),
        repeat_to(&format!("{} / ", CARDS[1]), n),
    );
    add("emails".into(), repeat_to(&format!("{} ", EMAILS[0]), n));
    add("emails and digits".into(), repeat_to("b@qq.com 1 ", n));
    add("at signs".into(), repeat_to("@", n));
    add("local parts".into(), repeat_to("a.", n));
    add("domains".into(), repeat_to("@a.", n));
    let mut r = Lcg::new(11);
    add(
        "personal data and amounts, random".into(),
        fill(n, || {
            let pool: [&[&str]; 4] = [PHONES, ID_CARDS, CARDS, EMAILS];
            let kind = r.below(6);
            match kind {
                0..=3 => format!("{}，", r.pick(pool[kind]).copied().unwrap_or("")),
                4 => format!("借款{}万元，", 1 + r.below(99)),
                _ => format!(
                    "还款¥{},{:03}.{:02} ",
                    1 + r.below(999),
                    r.below(1000),
                    r.below(100)
                ),
            }
        }),
    );
    // Digits: groups, one long run, numbers that read on.
    add("digit groups".into(), repeat_to("1234 ", n));
    add("digit groups dashed".into(), repeat_to("1234-", n));
    add("one digit run".into(), repeat_to("1", n));
    add("digits and x".into(), repeat_to("12345678901234567x ", n));
    add("amounts".into(), repeat_to("借款5万元，", n));
    add("amount 1万 chain".into(), repeat_to("1万", n));
    add("amount 一万 chain".into(), repeat_to("一万", n));
    add(
        "amount long chain".into(),
        repeat_to("九千九百九十九万九千九百九十九亿", n),
    );
    add(
        "amount big parts".into(),
        repeat_to("18446744073709551615亿", n),
    );
    // A chain that overflows only at its end: it was read again from each of its numbers
    // (quadratic, found on the review pack's 100,000 chars; 12 s for 20,000 chars in Node).
    for (unit, tail) in [
        ("1亿", "99999999999999999999亿"),
        ("1万", "99999999999999999999万元"),
    ] {
        let head = n.saturating_sub(tail.chars().count());
        add(
            format!("amount chain overflowing at its end {unit}"),
            repeat_to(unit, head) + tail,
        );
    }
    add("amounts with commas".into(), repeat_to("¥1,234,567.89 ", n));
    add("chinese digits".into(), repeat_to("一二三四五六七八九", n));
    add("context words".into(), repeat_to("借款借款借款5千", n));
    // Normalisation: whitespace, case folds that expand, full width, astral chars, clauses.
    add("spaces".into(), repeat_to(" ", n));
    add("words and spaces".into(), repeat_to("a b ", n));
    add("expanding case fold".into(), repeat_to("İ", n));
    add("full width".into(), repeat_to("Ａ１　", n));
    add("emoji".into(), repeat_to("😀", n));
    add("clause breaks".into(), repeat_to("，", n));
    add("traditional".into(), repeat_to("銀行卡被盜刷", n));

    let mut complaints: Vec<(String, Value)> = out
        .into_iter()
        .map(|(name, text)| (name, json!({"text": text})))
        .collect();
    // Title and text both at the limit's halves.
    if let Some(c) = cues.first() {
        let half = n / 2;
        complaints.push((
            format!("title and text: cue {c}"),
            json!({"title": repeat_to(c, half), "text": repeat_to(c, n - half)}),
        ));
    }
    complaints.push((
        "title and text: phones".into(),
        json!({"title": repeat_to(&format!("{}，", PHONES[0]), n / 2),
               "text": repeat_to(&format!("{} ", EMAILS[0]), n - n / 2)}),
    ));
    complaints
}

/// An ordinary complaint of about `n` chars: a real-looking sentence repeated (the linear
/// baseline the worst cases are compared with).
pub fn ordinary(n: usize) -> Value {
    json!({"text": repeat_to("我的信用卡上个月被扣了300元年费，客服说是系统自动收取，我没有开通过这项服务，要求退还。", n)})
}

/// A pack with one multi-label dimension whose first label has `rules`, and `extra` top-level
/// sections.
fn pack_with(rules: Vec<Value>, extra: Value) -> Value {
    let mut p = json!({
        "pack": {"id": "hostile", "version": "1"},
        "dimensions": [{"id": "d", "multi": true, "fallback": "o", "labels": [
            {"code": "a", "name": "A", "rules": rules},
            {"code": "o", "name": "O"}]}]
    });
    if let (Some(m), Value::Object(x)) = (p.as_object_mut(), extra) {
        m.extend(x);
    }
    p
}

/// A random string of `n` CJK chars from the first `alphabet` ideographs.
fn cjk(r: &mut Lcg, n: usize, alphabet: u32) -> String {
    (0..n)
        .filter_map(|_| char::from_u32(0x4e00 + (r.next() as u32) % alphabet.max(1)))
        .collect()
}

/// Generated packs of about `bytes` bytes of JSON, each valid, built to make one part of
/// `Engine::new` do as much work as it can: (name, pack JSON). The pack-build bound of
/// RELIABILITY.md is measured and tested on them.
pub fn hostile_packs(bytes: usize) -> Vec<(String, String)> {
    let mut out: Vec<(String, Value)> = Vec::new();
    let mut r = Lcg::new(3);
    // Terms: random words, the densest trie of distinct CJK bytes.
    let mut terms = Vec::new();
    let mut size = 0;
    while size < bytes {
        let len = 2 + r.below(11);
        let t = cjk(&mut r, len, 20_000);
        size += t.len() + 3;
        terms.push(Value::String(t));
    }
    out.push((
        "random terms".into(),
        pack_with(vec![json!({"when": {"terms": terms}})], json!({})),
    ));
    // Terms at the length limit, each one char repeated: the DFA's worst case.
    let mut terms = Vec::new();
    let mut size = 0;
    let mut k = 0u32;
    while size < bytes {
        let c = char::from_u32(0x4e00 + k).unwrap_or('a');
        let t: String = c.to_string().repeat(100);
        size += t.len() + 3;
        terms.push(Value::String(t));
        k += 1;
    }
    out.push((
        "periodic terms at the length limit".into(),
        pack_with(vec![json!({"when": {"terms": terms}})], json!({})),
    ));
    // Prefix chains: a, aa, …, a×100 for many letters (many overlapping matches per position).
    let mut terms = Vec::new();
    let mut size = 0;
    'chains: for c in ('a'..='z')
        .chain('A'..='Z')
        .chain((0..20_000).filter_map(|i| char::from_u32(0x4e00 + i)))
    {
        for n in 1..=100 {
            let t: String = c.to_string().repeat(n);
            size += t.len() + 3;
            terms.push(Value::String(t));
            if size >= bytes {
                break 'chains;
            }
        }
    }
    out.push((
        "prefix chains".into(),
        pack_with(vec![json!({"when": {"terms": terms}})], json!({})),
    ));
    // Many rules of one term each (the rule index), with near and negation-free variants.
    let mut rules = Vec::new();
    let mut size = 0;
    while size < bytes {
        let a = cjk(&mut r, 3, 3000);
        let b = cjk(&mut r, 3, 3000);
        let rule = match r.below(3) {
            0 => json!({"when": {"terms": [a]}, "weight": 0.5}),
            1 => json!({"when": {"near": {"a": [a], "b": [b], "within": 10_000}}}),
            _ => {
                json!({"when": {"all": [{"terms": [a]}, {"not": {"terms": [b], "negation": false}}]}})
            }
        };
        size += rule.to_string().len();
        rules.push(rule);
    }
    out.push(("many rules".into(), pack_with(rules, json!({}))));
    // One lexicon named as often as the expansion limit allows.
    let lex: Vec<String> = (0..10_000).map(|_| cjk(&mut r, 4, 20_000)).collect();
    let refs = (200_000 / lex.len()).max(1);
    out.push((
        "a big lexicon named many times".into(),
        pack_with(
            (0..refs)
                .map(|_| json!({"when": {"terms": ["@big"]}}))
                .collect(),
            json!({"lexicon": {"@big": lex}}),
        ),
    ));
    // Regexes: as many costly ones as the budget allows, then more.
    let rules: Vec<Value> = (0..200)
        .map(|i| match i % 3 {
            0 => json!({"when": {"regex": format!("\\w{{{}}}x{i}", 2 + i % 7)}}),
            1 => json!({"when": {"regex": format!("[^，。]{{0,{}}}(收益|回报){i}", 20 + i % 30)}}),
            _ => json!({"when": {"regex": format!("(?i)(a|bc|def){{{}}}{i}", 10 + i % 50)}}),
        })
        .collect();
    out.push(("costly regexes".into(), pack_with(rules, json!({}))));
    // Labels: one deep parent chain, label conditions on its root from a later dimension.
    let n = bytes / 60;
    let labels: Vec<Value> = (0..n)
        .map(|i| {
            let mut l = json!({"code": format!("L{i}"), "name": "n"});
            if i > 0 {
                l["parent"] = json!(format!("L{}", i - 1));
            }
            if i + 1 == n {
                l["rules"] = json!([{"when": {"terms": ["x"]}}]);
            }
            l
        })
        .collect();
    let conds: Vec<Value> = (0..100)
        .map(|i| json!({"when": {"label": {"dimension": "deep", "code": format!("L{}", i * n / 100)}}}))
        .collect();
    out.push((
        "a deep label hierarchy".into(),
        json!({"pack": {"id": "hostile", "version": "1"},
               "settings": {"route": {"from": ["deep"], "default": {"department": "x"}}},
               "dimensions": [
                   {"id": "deep", "multi": true, "labels": labels},
                   {"id": "e", "labels": [{"code": "z", "name": "z", "rules": conds}]}]}),
    ));
    // Severity: many factors and levels, every factor raising the level.
    let m = (bytes / 200).max(2);
    let levels: Vec<Value> = (0..m)
        .map(|i| json!({"id": format!("v{i}"), "min_points": i, "deadline_hours": 1 + i}))
        .collect();
    let factors: Vec<Value> = (0..m)
        .map(|i| json!({"id": format!("f{i}"), "when": {"terms": [cjk(&mut r, 2, 3000)]}, "points": 1, "min_level": format!("v{}", m - 1 - i)}))
        .collect();
    out.push((
        "many severity factors and levels".into(),
        pack_with(
            vec![json!({"when": {"terms": ["x"]}})],
            json!({"severity": {"factors": factors, "levels": levels}}),
        ),
    ));
    // Conditions nested as deep as allowed, each level wide.
    fn nest(r: &mut Lcg, depth: usize) -> Value {
        if depth == 0 {
            return json!({"terms": [cjk(r, 2, 500)]});
        }
        let kind = ["all", "any"][depth % 2];
        json!({kind: [nest(r, depth - 1), nest(r, depth - 1)]})
    }
    let mut rules = Vec::new();
    let mut size = 0;
    while size < bytes {
        let rule = json!({"when": nest(&mut r, 10)});
        size += rule.to_string().len();
        rules.push(rule);
    }
    out.push(("nested conditions".into(), pack_with(rules, json!({}))));
    // Many dimensions, each labelled from the one before.
    let dims: Vec<Value> = (0..(bytes / 300).max(2))
        .map(|i| {
            let when = if i == 0 {
                json!({"terms": ["x"]})
            } else {
                json!({"label": {"dimension": format!("d{}", i - 1), "code": "a"}})
            };
            json!({"id": format!("d{i}"), "fallback": "o", "exclusive": [["a", "b"]], "labels": [
                {"code": "a", "name": "a", "rules": [{"when": when}]},
                {"code": "b", "name": "b", "rules": [{"when": {"terms": [format!("t{i}")]}}]},
                {"code": "o", "name": "o"}]})
        })
        .collect();
    out.push((
        "many dimensions".into(),
        json!({"pack": {"id": "hostile", "version": "1"}, "dimensions": dims}),
    ));
    // Trigger policies: many, each with a condition and a group.
    let policies: Vec<Value> = (0..(bytes / 250).max(1))
        .map(|i| json!({"id": format!("p{i}"), "kind": "low_count", "scale": "csat5", "window": "1h",
                        "at_least": 3, "group_by": ["branch", "agent"], "when": {"terms": [cjk(&mut r, 2, 3000)]}}))
        .collect();
    out.push((
        "many trigger policies".into(),
        pack_with(
            vec![json!({"when": {"terms": ["x"]}})],
            json!({"triggers": {"policies": policies}}),
        ),
    ));
    // `near` with the widest window, both orders, its two terms the pack's first.
    out.push((
        "a wide near".into(),
        pack_with(
            vec![
                json!({"when": {"near": {"a": ["甲"], "b": ["乙"], "within": 10_000, "ordered": true}}}),
                json!({"when": {"near": {"a": ["乙"], "b": ["丙"], "within": 10_000}}}),
            ],
            json!({}),
        ),
    ));
    // Field conditions with big `in` lists.
    let values: Vec<String> = (0..bytes / 12).map(|i| format!("v{i}")).collect();
    out.push((
        "a big field list".into(),
        pack_with(
            vec![json!({"when": {"field": {"path": "channel", "in": values}}})],
            json!({}),
        ),
    ));
    out.into_iter().map(|(n, p)| (n, p.to_string())).collect()
}
