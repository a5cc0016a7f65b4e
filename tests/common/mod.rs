//! Helpers shared by the `core_*` integration tests: build engines from `serde_json` values,
//! classify texts, and read decisions back as JSON so that assertions check what users see.
#![allow(dead_code)]

use serde_json::{json, Value};
use wendu::{Decision, Engine, Problem};

/// Build an engine, panicking with every problem when the pack is rejected.
pub fn engine(pack: &Value) -> Engine {
    match Engine::new(&pack.to_string()) {
        Ok(e) => e,
        Err(e) => panic!("pack rejected: {}\n{:#?}", e.message(), e.problems()),
    }
}

/// A pack with the given dimensions and extra top-level sections merged in.
pub fn pack(dimensions: Value, extra: Value) -> Value {
    let mut p = json!({"pack": {"id": "t", "version": "1"}, "dimensions": dimensions});
    if let (Some(m), Value::Object(x)) = (p.as_object_mut(), extra) {
        for (k, v) in x {
            m.insert(k, v);
        }
    }
    p
}

/// One multi-label dimension `d` (fallback `other`) holding `labels` plus the fallback label.
pub fn one_dim(labels: Value, extra: Value) -> Value {
    let mut ls = labels.as_array().cloned().unwrap_or_default();
    ls.push(json!({"code": "other", "name": "其他"}));
    pack(
        json!([{"id": "d", "multi": true, "fallback": "other", "labels": ls}]),
        extra,
    )
}

/// A pack with one label `hit` whose single rule is `when` (and the fallback `other`).
pub fn cond_pack(when: Value, extra: Value) -> Value {
    one_dim(
        json!([{"code": "hit", "name": "命中", "rules": [{"when": when}]}]),
        extra,
    )
}

/// Classify a complaint given as a JSON value.
pub fn classify(e: &Engine, input: &Value) -> Decision {
    match e.classify_json(&input.to_string()) {
        Ok(d) => d,
        Err(err) => panic!("classify failed: {}", err.to_json()),
    }
}

/// Classify a bare text.
pub fn classify_text(e: &Engine, text: &str) -> Decision {
    classify(e, &json!({ "text": text }))
}

/// Label codes of one dimension, in output order.
pub fn codes(d: &Decision, dim: &str) -> Vec<String> {
    d.labels
        .get(dim)
        .map(|ls| ls.iter().map(|l| l.code.clone()).collect())
        .unwrap_or_default()
}

/// Does `when` hold for this complaint? (`hit` is assigned rather than the fallback.)
pub fn holds(when: Value, input: Value) -> bool {
    holds_with(when, json!({}), input)
}

/// Like [`holds`], with extra pack sections (settings, lexicon…).
pub fn holds_with(when: Value, extra: Value, input: Value) -> bool {
    let e = engine(&cond_pack(when, extra));
    let input = match input {
        Value::String(s) => json!({ "text": s }),
        other => other,
    };
    codes(&classify(&e, &input), "d") == ["hit"]
}

/// The decision as a JSON value (what every binding serialises).
pub fn json_of(d: &Decision) -> Value {
    serde_json::from_str(&d.to_json()).expect("decision JSON parses")
}

/// Problems of a pack (errors and warnings), as `Engine::new` reports them.
pub fn problems(pack: &Value) -> Vec<Problem> {
    match Engine::new(&pack.to_string()) {
        Ok(e) => e.warnings().to_vec(),
        Err(e) => e.problems().to_vec(),
    }
}

/// Problems of raw pack text.
pub fn problems_str(pack: &str) -> Vec<Problem> {
    match Engine::new(pack) {
        Ok(e) => e.warnings().to_vec(),
        Err(e) => e.problems().to_vec(),
    }
}

/// UTF-16 slice of `s` (what JavaScript's `slice` returns), for checking spans.
pub fn utf16_slice(s: &str, span: [usize; 2]) -> String {
    let units: Vec<u16> = s.encode_utf16().collect();
    String::from_utf16(&units[span[0]..span[1]]).expect("span on surrogate boundaries")
}

/// UTF-16 length.
pub fn utf16_len(s: &str) -> usize {
    s.encode_utf16().count()
}
