//! Property: nothing in a decision, a verdict or an alert repeats personal data, through any
//! field, in any form — over generated texts that mix amounts, mobile numbers, resident IDs,
//! bank cards and e-mails with the words and markers around them (`余额…元`, `¥…`, `…万`), in the
//! title and the text, in structured fields and group keys. What the engine finds as personal
//! data (the decision's `personal_data` spans) is the reference: its digits (or the e-mail's
//! local part) must appear nowhere in the output, and no amount may overlap it.

use proptest::prelude::*;
use serde_json::{json, Value};
use wendu::{Engine, TriggerEngine};

// Each item's digits differ from every other's: an item is used at most once per complaint, so
// the digits of what the engine found occur nowhere else in the input.
const PHONES: &[&str] = &[
    "13812345678",
    "15900001111",
    "18698765432",
    "+86 137 1234 5678",
    "0086-139-8765-4321",
    "１３６１２３４５６７８",
];
const IDS: &[&str] = &[
    "11010519491231002X",
    "440524188001010014",
    "320106 19850615 1231",
];
const CARDS: &[&str] = &[
    "6222021234567890128",
    "4111 1111 1111 1111",
    "6212261202011584349",
];
const EMAILS: &[&str] = &[
    "a@bank-customer-mail.com",
    "b@qq.com",
    "zhang.san@example.cn",
    "ab@163.com",
    "li_si+x@mail.qq.com",
];
const AMOUNTS: &[&str] = &[
    "500元",
    "¥1,234.56",
    "3.5万",
    "五万元",
    "借款2万",
    "$300",
    "1200块",
];
const GLUE: &[&str] = &[
    "",
    " ",
    "，",
    "账户余额",
    "元",
    "万",
    "¥",
    "$",
    "转账",
    "电话",
    "邮箱",
    "卡号",
    "身份证",
    "x",
    "-",
    ".",
    "：",
    "被盗刷了",
    "\n",
];

fn piece(kind: u8, pick: u8) -> &'static str {
    let lists: [&[&str]; 6] = [PHONES, IDS, CARDS, EMAILS, AMOUNTS, GLUE];
    let list = lists[usize::from(kind) % lists.len()];
    list[usize::from(pick) % list.len()]
}

/// The pieces glued, each piece of personal data at most once (over `used`, shared by the title
/// and the text).
fn text_of(pieces: &[(u8, u8)], used: &mut std::collections::HashSet<&'static str>) -> String {
    pieces
        .iter()
        .map(|&(k, p)| piece(k, p))
        .filter(|s| {
            !(PHONES.contains(s) || IDS.contains(s) || CARDS.contains(s) || EMAILS.contains(s))
                || used.insert(s)
        })
        .collect()
}

/// The substring of `s` between two UTF-16 offsets.
fn utf16_slice(s: &str, [a, b]: [u64; 2]) -> String {
    let units: Vec<u16> = s.encode_utf16().collect();
    String::from_utf16_lossy(units.get(a as usize..b as usize).unwrap_or_default())
}

/// What must never appear again of one piece of personal data: its digits (a number), or the
/// whole address of an e-mail (its masked form keeps the domain, by design, and hides the local
/// part — all of it when it is one or two characters).
fn secret(kind: &str, original: &str) -> Option<String> {
    if kind == "email" {
        return Some(original.to_string());
    }
    let digits: String = original
        .chars()
        .filter_map(|c| {
            c.to_digit(10)
                .or_else(|| (('０'..='９').contains(&c)).then(|| c as u32 - '０' as u32))
        })
        .map(|d| char::from_digit(d, 10).unwrap_or('0'))
        .collect();
    (digits.len() >= 11).then_some(digits)
}

/// Every secret of the personal data the decision found, with the field it is in.
fn secrets(decision: &Value, complaint: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for p in decision["personal_data"].as_array().into_iter().flatten() {
        let field = p["field"].as_str().unwrap_or("text");
        let original = complaint[field].as_str().unwrap_or("");
        let span = [
            p["span"][0].as_u64().unwrap_or(0),
            p["span"][1].as_u64().unwrap_or(0),
        ];
        if let Some(s) = secret(
            p["kind"].as_str().unwrap_or(""),
            &utf16_slice(original, span),
        ) {
            out.push(s);
        }
    }
    out
}

/// The secrets that `output` repeats (a number multiplied by a unit still contains the digits:
/// 13812345678万 is written 138123456780000).
fn leaks(output: &str, secrets: &[String]) -> Vec<String> {
    secrets
        .iter()
        .filter(|s| output.contains(s.as_str()))
        .cloned()
        .collect()
}

fn engine() -> &'static Engine {
    static E: std::sync::OnceLock<Engine> = std::sync::OnceLock::new();
    E.get_or_init(|| Engine::default_pack().expect("default pack"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn decisions_and_verdicts_never_repeat_personal_data(
        text in prop::collection::vec((0u8..6, any::<u8>()), 1..24),
        title in prop::collection::vec((0u8..6, any::<u8>()), 0..6),
    ) {
        let mut used = std::collections::HashSet::new();
        let mut complaint = json!({"id": "p", "text": text_of(&text, &mut used), "received_at": "2026-05-01T00:00:00+08:00"});
        if !title.is_empty() {
            complaint["title"] = json!(text_of(&title, &mut used));
        }
        let e = engine();
        let d = e.classify_json(&complaint.to_string()).expect("valid complaint");
        let dj: Value = serde_json::from_str(&d.to_json()).expect("json");
        let found = secrets(&dj, &complaint);
        // The masked text, then everything else, must not repeat them.
        let out = d.to_json();
        prop_assert!(leaks(&out, &found).is_empty(), "{:?} in {out}", leaks(&out, &found));
        let v = e.verdict_json(&complaint.to_string()).expect("verdict").to_json();
        prop_assert!(leaks(&v, &found).is_empty(), "{v}");
        // A number that is personal data is never an amount.
        for a in dj["amounts"].as_array().into_iter().flatten() {
            for p in dj["personal_data"].as_array().into_iter().flatten() {
                let (a0, a1) = (a["span"][0].as_u64(), a["span"][1].as_u64());
                let (p0, p1) = (p["span"][0].as_u64(), p["span"][1].as_u64());
                prop_assert!(a["field"] != p["field"] || a1 <= p0 || p1 <= a0, "amount {a} overlaps {p}");
            }
        }
    }
}

/// The probe's finding: a balance that is a phone number is masked, and not an amount either.
#[test]
fn a_phone_number_is_not_an_amount() {
    let d = engine()
        .classify_json(r#"{"text": "我的账户余额13812345678元被冻结了"}"#)
        .expect("classify");
    let j = d.to_json();
    assert!(!j.contains("13812345678"), "{j}");
    assert!(d.amounts.is_empty(), "{:?}", d.amounts);
    assert!(j.contains("138****5678"), "{j}");
}

/// Field values quoted as evidence, and group values in alerts, are masked too — numbers
/// included.
#[test]
fn field_evidence_and_alert_groups_are_masked() {
    let pack = json!({
        "pack": {"id": "p", "version": "1"},
        "dimensions": [{"id": "d", "fallback": "o", "labels": [
            {"code": "a", "name": "a", "rules": [{"when": {"all": [
                {"field": {"path": "customer.id", "exists": true}},
                {"field": {"path": "contact", "exists": true}}]}}]},
            {"code": "o", "name": "o"}]}],
        "triggers": {"policies": [{"id": "low", "kind": "immediate", "scale": "csat5",
                                   "group_by": ["customer_id"]}]}
    })
    .to_string();
    let e = Engine::new(&pack).expect("pack");
    let d = e
        .classify_json(r#"{"text": "x", "customer": {"id": 13812345678}, "contact": "a@bank-customer-mail.com 15900001111"}"#)
        .expect("classify")
        .to_json();
    for secret in ["13812345678", "15900001111", "a@bank"] {
        assert!(!d.contains(secret), "{secret} in {d}");
    }
    assert!(d.contains("\"value\":\"138****5678\""), "{d}");
    let mut t = TriggerEngine::from_pack_json(&pack).expect("triggers");
    let o = t.ingest(
        json!({"id": "r1", "score": 1, "scale": "csat5", "at": "2026-05-01T00:00:00Z",
                            "customer_id": "13812345678", "comment": "call me on 15900001111"}),
    );
    assert_eq!(o.alerts.len(), 1);
    let a = o.alerts[0].to_json();
    assert!(
        !a.contains("13812345678") && !a.contains("15900001111"),
        "{a}"
    );
    assert!(a.contains("138****5678"), "{a}");
}
