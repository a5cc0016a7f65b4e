//! Severity scoring as the decision reports it: factor points, levels by `min_points`, `min_level`
//! floors, deadlines (hours and the timestamp from `received_at` in its own offset) and escalation.

mod common;

use common::*;
use serde_json::{json, Value};

fn severity_pack() -> Value {
    pack(
        json!([{"id": "business", "labels": [
            {"code": "loan", "rules": [{"when": {"terms": "贷款"}}]}
        ]}]),
        json!({
            "lexicon": {"@regulator": ["12378", "银保监", "金融监管总局"]},
            "severity": {
                "factors": [
                    {"id": "regulator", "name": "监管投诉风险", "when": {"terms": ["@regulator"]}, "points": 40},
                    {"id": "elderly", "name": "老年客户", "when": {"field": {"path": "customer.age", "gte": 65}}, "points": 20},
                    {"id": "big", "name": "大额", "when": {"field": {"path": "amount.max", "gte": 50000}}, "points": 15},
                    {"id": "loan", "name": "贷款", "when": {"label": {"dimension": "business", "code": "loan"}}, "points": 5},
                    {"id": "self_harm", "name": "过激行为", "when": {"terms": ["跳楼", "自杀"]}, "points": 1, "min_level": "major"},
                    {"id": "apology", "name": "已道歉", "when": {"terms": ["已道歉"]}, "points": -10}
                ],
                "levels": [
                    {"id": "normal", "name": "普通", "min_points": 0, "deadline_hours": 360},
                    {"id": "complex", "name": "复杂", "min_points": 30, "deadline_hours": 720},
                    {"id": "major", "name": "重大", "min_points": 60, "deadline_hours": 24, "escalate_to": "消保办"}
                ]
            }
        }),
    )
}

fn sev(input: Value) -> Value {
    let e = engine(&severity_pack());
    let input = match input {
        Value::String(s) => json!({ "text": s }),
        other => other,
    };
    json_of(&classify(&e, &input))["severity"].clone()
}

fn factor_ids(s: &Value) -> Vec<String> {
    s["factors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn no_factor_gives_the_lowest_level() {
    let s = sev(json!("一般咨询"));
    assert_eq!(
        s,
        json!({"level": "normal", "name": "普通", "points": 0, "deadline_hours": 360,
               "deadline": null, "escalate_to": null, "factors": []})
    );
}

#[test]
fn points_add_up_and_choose_the_level() {
    let s = sev(json!("我要打12378"));
    assert_eq!(
        (s["level"].clone(), s["points"].clone()),
        (json!("complex"), json!(40))
    );
    assert_eq!(s["deadline_hours"], 720);
    assert_eq!(factor_ids(&s), ["regulator"]);
    // 40 + 20 = 60: exactly the major threshold.
    let s = sev(json!({"text": "我要打12378", "customer": {"age": 70}}));
    assert_eq!(s["level"], "major");
    assert_eq!(s["points"], 60);
    assert_eq!(s["escalate_to"], "消保办");
    assert_eq!(s["deadline_hours"], 24);
    assert_eq!(factor_ids(&s), ["regulator", "elderly"]);
    // 20 + 15 − 10 + 5 = 30.
    let s = sev(json!({"text": "贷款被骗了5万元，对方已道歉", "customer": {"age": 65}}));
    assert_eq!(s["points"], 30);
    assert_eq!(s["level"], "complex");
    assert_eq!(factor_ids(&s), ["elderly", "big", "loan", "apology"]);
    // 25 points stay normal.
    let s = sev(json!({"text": "被骗了5万元，对方已道歉", "customer": {"age": 65}}));
    assert_eq!(s["points"], 25);
    assert_eq!(s["level"], "normal");
}

#[test]
fn a_factor_counts_once_however_often_it_matches() {
    let s = sev(json!("12378、银保监、金融监管总局都打了"));
    assert_eq!(s["points"], 40);
    assert_eq!(
        s["factors"][0]["evidence"].as_array().unwrap().len(),
        3,
        "{s}"
    );
}

#[test]
fn min_level_floors_the_level() {
    let s = sev(json!("想跳楼"));
    assert_eq!(s["points"], 1);
    assert_eq!(s["level"], "major");
    assert_eq!(s["escalate_to"], "消保办");
    // Negated: the factor does not count.
    let s = sev(json!("不会跳楼"));
    assert_eq!(s["level"], "normal");
    assert!(factor_ids(&s).is_empty());
}

#[test]
fn factor_output_shape_with_evidence() {
    let s = sev(json!({"text": "我要打12378", "customer": {"age": 70}}));
    assert_eq!(
        s["factors"],
        json!([
            {"id": "regulator", "name": "监管投诉风险", "points": 40, "evidence": [
                {"kind": "term", "term": "12378", "field": "text", "span": [3, 8], "text": "12378"}
            ]},
            {"id": "elderly", "name": "老年客户", "points": 20, "evidence": [
                {"kind": "field", "path": "customer.age", "value": 70}
            ]}
        ])
    );
}

#[test]
fn deadline_in_the_complaints_own_offset() {
    let at = |received: &str, text: &str| {
        sev(json!({"text": text, "received_at": received}))["deadline"].clone()
    };
    // normal: 360 hours = 15 days.
    assert_eq!(
        at("2026-03-01T09:30:00+08:00", "咨询"),
        json!("2026-03-16T09:30:00+08:00")
    );
    // major: 24 hours, across a month end in a leap year.
    assert_eq!(
        at("2024-02-28T20:15:00-05:00", "想跳楼"),
        json!("2024-02-29T20:15:00-05:00")
    );
    assert_eq!(
        at("2023-02-28T20:15:00-05:00", "想跳楼"),
        json!("2023-03-01T20:15:00-05:00")
    );
    // Z stays Z; year end.
    assert_eq!(
        at("2025-12-31T12:00:00Z", "想跳楼"),
        json!("2026-01-01T12:00:00Z")
    );
    // complex: 720 hours = 30 days.
    assert_eq!(
        at("2026-01-15T00:00:00+08:00", "12378"),
        json!("2026-02-14T00:00:00+08:00")
    );
    // A half-hour offset.
    assert_eq!(
        at("2026-03-01T23:00:00+05:30", "想跳楼"),
        json!("2026-03-02T23:00:00+05:30")
    );
}

#[test]
fn no_received_at_means_no_deadline_timestamp() {
    assert_eq!(sev(json!("想跳楼"))["deadline"], Value::Null);
}

#[test]
fn a_level_without_deadline_hours() {
    let p = cond_pack(
        json!({"terms": "x"}),
        json!({"severity": {"levels": [{"id": "only", "min_points": 0}]}}),
    );
    let d = classify(
        &engine(&p),
        &json!({"text": "x", "received_at": "2026-03-01T09:30:00+08:00"}),
    );
    let s = json_of(&d)["severity"].clone();
    assert_eq!(s["level"], "only");
    assert_eq!(s["name"], "only");
    assert_eq!(s["deadline_hours"], Value::Null);
    assert_eq!(s["deadline"], Value::Null);
}

#[test]
fn severity_is_null_without_a_severity_section() {
    let p = cond_pack(json!({"terms": "x"}), json!({}));
    let d = classify_text(&engine(&p), "x");
    assert!(d.severity.is_none());
    assert_eq!(json_of(&d)["severity"], Value::Null);
    assert!(d.to_json().contains("\"severity\":null"));
}

#[test]
fn levels_may_start_above_zero_points() {
    // Below every level's min_points: the first level.
    let p = cond_pack(
        json!({"terms": "x"}),
        json!({"severity": {
            "factors": [{"id": "neg", "when": {"terms": "道歉"}, "points": -5}],
            "levels": [{"id": "low", "min_points": 0}, {"id": "high", "min_points": 10}]
        }}),
    );
    let s = json_of(&classify_text(&engine(&p), "道歉"))["severity"].clone();
    assert_eq!(s["points"], -5);
    assert_eq!(s["level"], "low");
}
