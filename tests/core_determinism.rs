//! Same pack + same input → byte-identical decision JSON, whatever engine instance or thread
//! produced it; and the pack hash depends on content only (not formatting or key order).

mod common;

use common::*;
use serde_json::{json, Value};
use wendu::Engine;

fn rich_pack() -> Value {
    json!({
        "pack": {"id": "det", "version": "1.2.3"},
        "settings": {"route": {"from": ["reason", "business"], "default": {"department": "消保办"}}},
        "lexicon": {"@regulator": ["12378", "银保监"], "@police": ["报警", "公安"]},
        "dimensions": [
            {"id": "business", "fallback": "B9", "labels": [
                {"code": "B0", "name": "卡", "route": {"department": "银行卡部", "queue": "cards"}},
                {"code": "B1", "name": "信用卡", "parent": "B0", "rules": [{"when": {"terms": ["信用卡"]}}]},
                {"code": "B2", "name": "贷款", "rules": [{"when": {"terms": ["贷款", "借款"]}, "weight": 0.7}]},
                {"code": "B9", "name": "其他"}
            ]},
            {"id": "reason", "multi": true, "fallback": "R9", "labels": [
                {"code": "R1", "name": "收费", "rules": [
                    {"when": {"terms": ["年费", "手续费"]}, "weight": 0.6},
                    {"when": {"regex": "扣了?\\d+元"}, "weight": 0.6}
                ]},
                {"code": "R2", "name": "催收", "rules": [
                    {"when": {"near": {"a": ["催收"], "b": ["家人", "同事"], "within": 6}}, "weight": 0.6}
                ]},
                {"code": "R3", "name": "盗刷", "rules": [{"when": {"terms": "盗刷"}, "weight": 0.6}]},
                {"code": "R4", "name": "老人", "rules": [
                    {"when": {"all": [{"field": {"path": "customer.age", "gte": 65}}, {"label": {"dimension": "business", "code": "B0"}}]}, "weight": 0.6}
                ]},
                {"code": "R9", "name": "其他"}
            ]}
        ],
        "severity": {
            "factors": [
                {"id": "regulator", "when": {"terms": ["@regulator"]}, "points": 40},
                {"id": "police", "when": {"terms": ["@police"]}, "points": 30},
                {"id": "big", "when": {"field": {"path": "amount.max", "gte": 10000}}, "points": 20}
            ],
            "levels": [
                {"id": "normal", "min_points": 0, "deadline_hours": 360},
                {"id": "major", "min_points": 60, "deadline_hours": 24, "escalate_to": "消保办"}
            ]
        }
    })
}

fn inputs() -> Vec<Value> {
    vec![
        json!({"id": "c1", "title": "信用卡年费", "text": "😀信用卡被乱收年费５万元，我没有报警，打了12378，催收打给我家人，还扣了300元",
               "received_at": "2026-03-01T09:30:00+08:00", "customer": {"age": 70}, "amount": 50000}),
        json!({"id": 2, "text": "盗刷年费手续费，扣300元，银保监，公安，电话13812345678"}),
        json!({"text": "无关的话"}),
        json!({"text": "贷款借款催收同事家人", "customer": {"age": 30}}),
    ]
}

#[test]
fn repeated_runs_are_byte_identical() {
    let e = engine(&rich_pack());
    for input in inputs() {
        let s = input.to_string();
        let first = e.classify_json(&s).unwrap().to_json();
        for _ in 0..50 {
            assert_eq!(e.classify_json(&s).unwrap().to_json(), first);
        }
    }
}

#[test]
fn separately_built_engines_agree_byte_for_byte() {
    let text = rich_pack().to_string();
    let pretty = serde_json::to_string_pretty(&rich_pack()).unwrap();
    let a = Engine::new(&text).unwrap();
    let b = Engine::new(&pretty).unwrap();
    let c = a.clone();
    for input in inputs() {
        let s = input.to_string();
        let x = a.classify_json(&s).unwrap().to_json();
        assert_eq!(b.classify_json(&s).unwrap().to_json(), x);
        assert_eq!(c.classify_json(&s).unwrap().to_json(), x);
    }
}

#[test]
fn threads_agree() {
    let e = std::sync::Arc::new(engine(&rich_pack()));
    let expected: Vec<String> = inputs()
        .iter()
        .map(|i| e.classify_json(&i.to_string()).unwrap().to_json())
        .collect();
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let e = e.clone();
            std::thread::spawn(move || {
                inputs()
                    .iter()
                    .map(|i| e.classify_json(&i.to_string()).unwrap().to_json())
                    .collect::<Vec<String>>()
            })
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap(), expected);
    }
}

#[test]
fn the_decision_has_its_fixed_field_order() {
    let e = engine(&rich_pack());
    let out = e.classify_json(&inputs()[0].to_string()).unwrap().to_json();
    let keys = [
        "\"id\":",
        "\"pack\":",
        "\"labels\":",
        "\"route\":",
        "\"severity\":",
        "\"amounts\":",
        "\"personal_data\":",
        "\"masked_text\":",
        "\"masked_title\":",
        "\"negated\":",
        "\"warnings\":",
    ];
    let mut last = 0;
    for k in keys {
        let at = out[last..]
            .find(k)
            .unwrap_or_else(|| panic!("{k} missing or out of order in {out}"));
        last += at;
    }
    assert!(out.starts_with(
        "{\"id\":\"c1\",\"pack\":{\"id\":\"det\",\"version\":\"1.2.3\",\"hash\":\"sha256:"
    ));
    // Numbers: whole without a fraction, others at most 4 decimals.
    assert!(out.contains("\"confidence\":0.84"), "{out}");
    assert!(out.contains("\"value\":50000,"), "{out}");
}

fn hash(p: &str) -> String {
    Engine::new(p).unwrap().info().hash.clone()
}

#[test]
fn hash_ignores_formatting_and_key_order() {
    let compact = rich_pack().to_string();
    let pretty = serde_json::to_string_pretty(&rich_pack()).unwrap();
    let h = hash(&compact);
    assert!(h.starts_with("sha256:") && h.len() == 7 + 64, "{h}");
    assert_eq!(hash(&pretty), h);
    // Reverse key order at every level.
    fn reverse(v: &Value) -> String {
        match v {
            Value::Object(m) => {
                let items: Vec<String> = m
                    .iter()
                    .rev()
                    .map(|(k, x)| format!("{} : {}", Value::String(k.clone()), reverse(x)))
                    .collect();
                format!("{{\n  {}\n}}", items.join(",\n  "))
            }
            Value::Array(a) => format!(
                "[ {} ]",
                a.iter().map(reverse).collect::<Vec<_>>().join(" , ")
            ),
            other => other.to_string(),
        }
    }
    let reversed = reverse(&rich_pack());
    assert_ne!(reversed, compact);
    assert_eq!(hash(&reversed), h);
    // The decision carries it.
    let d = Engine::new(&reversed)
        .unwrap()
        .classify_json("{\"text\":\"x\"}")
        .unwrap();
    assert_eq!(d.pack.hash, h);
}

#[test]
fn hash_changes_with_any_rule_change() {
    let h = hash(&rich_pack().to_string());
    let mut seen = std::collections::HashSet::new();
    seen.insert(h.clone());
    let changes: Vec<(&str, Value)> = vec![
        ("/dimensions/1/labels/0/rules/0/weight", json!(0.7)),
        ("/dimensions/1/labels/0/rules/0/when/terms/0", json!("月费")),
        ("/dimensions/1/labels/1/rules/0/when/near/within", json!(7)),
        ("/severity/factors/0/points", json!(41)),
        ("/lexicon/@police/1", json!("警察")),
        ("/pack/version", json!("1.2.4")),
        ("/dimensions/0/labels/1/name", json!("信用卡业务")),
    ];
    for (ptr, v) in changes {
        let mut p = rich_pack();
        *p.pointer_mut(ptr).unwrap() = v;
        let h2 = hash(&p.to_string());
        assert!(seen.insert(h2), "{ptr} did not change the hash");
    }
    // Reordering labels (array order) is a change too: it decides ties.
    let mut p = rich_pack();
    p["dimensions"][1]["labels"]
        .as_array_mut()
        .unwrap()
        .swap(0, 1);
    assert_ne!(hash(&p.to_string()), h);
}

#[test]
fn numbers_written_equally_hash_equally() {
    // Whitespace around a number is formatting, not content.
    let a = rich_pack().to_string();
    let b = a.replace("\"points\":40", "\"points\":40 ");
    assert_eq!(hash(&a), hash(&b));
}

#[test]
fn batch_json_equals_one_by_one_and_keeps_bad_items_in_place() {
    let e = wendu::Engine::default_pack().unwrap();
    let a = r#"{"id":"a","text":"乱收年费，我要打12378"}"#;
    let b = r#"{"id":"b","text":"我没有报警"}"#;
    let batch = e
        .classify_batch_json(&format!("[{a},{{\"id\":\"bad\"}},{b}]"))
        .unwrap();
    let bad = e.classify_json(r#"{"id":"bad"}"#).unwrap_err().to_json();
    let want = format!(
        "[{},{{\"error\":{bad}}},{}]",
        e.classify_json(a).unwrap().to_json(),
        e.classify_json(b).unwrap().to_json()
    );
    assert_eq!(batch, want);
    let err = e.classify_batch_json(r#"{"text":"x"}"#).unwrap_err();
    assert_eq!(err.code(), "invalid_input");
}

/// The automaton is a speed/size trade-off only: DFA and NFA engines give byte-identical
/// decisions and verdicts on the project's sample complaints with the default pack.
#[test]
fn every_automaton_gives_the_same_decisions() {
    use wendu::{Automaton, Engine};
    let samples = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/complaints.jsonl"
    ))
    .expect("examples/complaints.jsonl");
    let auto = Engine::default_pack().expect("default pack");
    let others = [Automaton::Dfa, Automaton::Nfa]
        .map(|a| Engine::with_automaton(wendu::DEFAULT_PACK, a).expect("default pack"));
    let mut n = 0;
    for line in samples.lines().filter(|l| !l.trim().is_empty()) {
        let want = auto.classify_json(line).expect("sample").to_json();
        let want_verdict = auto.verdict_json(line).expect("sample").to_json();
        for e in &others {
            assert_eq!(e.classify_json(line).expect("sample").to_json(), want);
            assert_eq!(
                e.verdict_json(line).expect("sample").to_json(),
                want_verdict
            );
        }
        n += 1;
    }
    assert!(n >= 20, "only {n} samples");
}
