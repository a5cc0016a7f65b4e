//! Every condition kind, label selection (thresholds, confidence, fallback, ordering) and routing,
//! checked through the public API the way a pack author relies on them (docs/pack-format.md).

mod common;

use common::*;
use serde_json::{json, Value};

// ---------------------------------------------------------------- terms, lexicon, regex

#[test]
fn terms_list_and_single_string() {
    let when = json!({"terms": ["盗刷", "被盗"]});
    assert!(holds(when.clone(), json!("我的卡被盗了")));
    assert!(holds(when.clone(), json!("信用卡盗刷")));
    assert!(!holds(when, json!("信用卡年费")));
    // A term list may be a single string.
    assert!(holds(json!({"terms": "年费"}), json!("乱收年费")));
    assert!(!holds(json!({"terms": "年费"}), json!("乱收手续费")));
}

#[test]
fn lexicon_reference_with_and_without_at_in_the_key() {
    let extra = json!({"lexicon": {"@regulator": ["12378", "银保监"], "police": ["报警"]}});
    let when = json!({"terms": ["@regulator", "投诉"]});
    assert!(holds_with(
        when.clone(),
        extra.clone(),
        json!("我要打12378")
    ));
    assert!(holds_with(when.clone(), extra.clone(), json!("去银保监")));
    assert!(holds_with(when.clone(), extra.clone(), json!("我要投诉")));
    assert!(!holds_with(when, extra.clone(), json!("我要报警")));
    assert!(holds_with(
        json!({"terms": "@police"}),
        extra,
        json!("我要报警")
    ));
}

#[test]
fn regex_runs_on_the_normalised_text() {
    let when = json!({"regex": "逾期\\d+天"});
    assert!(holds(when.clone(), json!("已经逾期30天了")));
    // Full-width digits and spaces are normalised away before the regex runs.
    assert!(holds(when.clone(), json!("已经逾期 ３０ 天了")));
    assert!(!holds(when, json!("已经逾期了")));
    // Lower case: an upper-case input matches a lower-case regex.
    assert!(holds(json!({"regex": "^atm"}), json!("ＡＴＭ吞卡")));
    // Traditional characters are simplified first.
    assert!(holds(json!({"regex": "银行卡"}), json!("銀行卡")));
}

#[test]
fn regex_evidence_quotes_the_original_words() {
    let e = engine(&cond_pack(json!({"regex": "逾期\\d+天"}), json!({})));
    let text = "已经逾期 ３０ 天了";
    let d = classify_text(&e, text);
    let ev = &json_of(&d)["labels"]["d"][0]["rules"][0]["evidence"][0];
    assert_eq!(ev["kind"], "regex");
    assert_eq!(ev["field"], "text");
    assert_eq!(ev["text"], "逾期 ３０ 天");
    let span = [
        ev["span"][0].as_u64().unwrap() as usize,
        ev["span"][1].as_u64().unwrap() as usize,
    ];
    assert_eq!(utf16_slice(text, span), "逾期 ３０ 天");
}

// ---------------------------------------------------------------- near

#[test]
fn near_unordered_within_edge() {
    let near =
        |within: u64| json!({"near": {"a": ["催收"], "b": ["家人", "同事"], "within": within}});
    // 2 characters between 催收 and 家人.
    assert!(holds(near(2), json!("催收打给家人")));
    assert!(!holds(near(1), json!("催收打给家人")));
    // Unordered: b first is fine.
    assert!(holds(near(2), json!("家人接到催收")));
    assert!(!holds(near(1), json!("家人接到催收")));
    // Adjacent (0 between).
    assert!(holds(near(0), json!("同事催收")));
    // Only one side present.
    assert!(!holds(near(100), json!("催收电话")));
    // Spaces are stripped before distances are counted (Chinese normalisation).
    assert!(holds(near(2), json!("催收 打 给 家人")));
}

#[test]
fn near_ordered() {
    let w = json!({"near": {"a": ["催收"], "b": ["家人"], "within": 5, "ordered": true}});
    assert!(holds(w.clone(), json!("催收打给家人")));
    assert!(!holds(w.clone(), json!("家人接到催收")));
    // Any pair counts: a later 催收 … 家人 pair makes it hold.
    assert!(holds(w, json!("家人接到催收，又催收家人")));
}

#[test]
fn near_ignores_negated_terms_unless_negation_false() {
    let w = json!({"near": {"a": ["催收"], "b": ["家人"], "within": 5}});
    assert!(!holds(w, json!("没有催收家人")));
    let w = json!({"near": {"a": ["催收"], "b": ["家人"], "within": 5}, "negation": false});
    assert!(holds(w, json!("没有催收家人")));
}

#[test]
fn near_evidence_names_both_terms() {
    let e = engine(&cond_pack(
        json!({"near": {"a": ["催收"], "b": ["家人"], "within": 5}}),
        json!({}),
    ));
    let d = classify_text(&e, "催收打给家人");
    let ev = json_of(&d)["labels"]["d"][0]["rules"][0]["evidence"].clone();
    let terms: Vec<&str> = ev
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["term"].as_str().unwrap())
        .collect();
    assert_eq!(terms, ["催收", "家人"]);
    assert_eq!(ev[0]["span"], json!([0, 2]));
    assert_eq!(ev[1]["span"], json!([4, 6]));
}

// ---------------------------------------------------------------- field

fn with(fields: Value) -> Value {
    let mut v = fields;
    v["text"] = json!("一些文字");
    v
}

#[test]
fn field_eq_compares_normalised_strings_numbers_and_booleans() {
    let w = json!({"field": {"path": "channel", "eq": "APP"}});
    assert!(holds(w.clone(), with(json!({"channel": "app"}))));
    assert!(holds(w.clone(), with(json!({"channel": " ＡＰＰ "}))));
    assert!(!holds(w.clone(), with(json!({"channel": "web"}))));
    assert!(!holds(w, with(json!({}))));
    let w = json!({"field": {"path": "customer.age", "eq": 70}});
    assert!(holds(w.clone(), with(json!({"customer": {"age": 70}}))));
    assert!(holds(w.clone(), with(json!({"customer": {"age": 70.0}}))));
    assert!(!holds(w.clone(), with(json!({"customer": {"age": 71}}))));
    // A number does not equal its decimal string.
    assert!(!holds(w, with(json!({"extra": "70"}))));
    let w = json!({"field": {"path": "customer.vulnerable", "eq": true}});
    assert!(holds(
        w.clone(),
        with(json!({"customer": {"vulnerable": true}}))
    ));
    assert!(!holds(w, with(json!({"customer": {"vulnerable": false}}))));
}

#[test]
fn field_in() {
    let w = json!({"field": {"path": "channel", "in": ["app", "Web", 12378]}});
    assert!(holds(w.clone(), with(json!({"channel": "APP"}))));
    assert!(holds(w.clone(), with(json!({"channel": "web"}))));
    assert!(!holds(w.clone(), with(json!({"channel": "phone"}))));
    assert!(holds(w, with(json!({"hotline": 1, "channel": "app"}))));
    let w = json!({"field": {"path": "hotline", "in": [12378, 95599]}});
    assert!(holds(w.clone(), with(json!({"hotline": 95599}))));
    assert!(!holds(w, with(json!({"hotline": 95588}))));
}

#[test]
fn field_numeric_comparisons_at_their_edges() {
    let age = |n: f64| with(json!({"customer": {"age": n}}));
    let op = |k: &str, n: i64| json!({"field": {"path": "customer.age", k: n}});
    assert!(holds(op("gte", 65), age(65.0)));
    assert!(!holds(op("gte", 65), age(64.0)));
    assert!(!holds(op("gt", 65), age(65.0)));
    assert!(holds(op("gt", 65), age(65.5)));
    assert!(holds(op("lte", 18), age(18.0)));
    assert!(!holds(op("lte", 18), age(18.5)));
    assert!(holds(op("lt", 18), age(17.0)));
    assert!(!holds(op("lt", 18), age(18.0)));
    // Absent or non-numeric fields never compare true.
    assert!(!holds(op("gte", 0), with(json!({}))));
    assert!(!holds(
        op("lt", 1000),
        with(json!({"customer": {"segment": "x"}}))
    ));
    // Several operators in one condition must all hold.
    let range = json!({"field": {"path": "customer.age", "gte": 60, "lt": 70}});
    assert!(holds(range.clone(), age(65.0)));
    assert!(!holds(range.clone(), age(70.0)));
    assert!(!holds(range, age(59.0)));
}

#[test]
fn field_exists() {
    let yes = json!({"field": {"path": "customer.id", "exists": true}});
    let no = json!({"field": {"path": "customer.id", "exists": false}});
    assert!(holds(yes.clone(), with(json!({"customer": {"id": "u1"}}))));
    assert!(!holds(no.clone(), with(json!({"customer": {"id": "u1"}}))));
    assert!(!holds(yes.clone(), with(json!({"customer": {}}))));
    assert!(holds(no.clone(), with(json!({}))));
    // null counts as absent.
    assert!(!holds(yes, with(json!({"customer": {"id": null}}))));
    assert!(holds(no, with(json!({"customer": {"id": null}}))));
}

#[test]
fn field_contains_on_strings_and_arrays() {
    let w = json!({"field": {"path": "product", "contains": "信用卡"}});
    assert!(holds(w.clone(), with(json!({"product": "白金信用卡"}))));
    // Normalised: full-width, upper-case and traditional input.
    let vip = json!({"field": {"path": "product", "contains": "vip銀行卡"}});
    assert!(holds(vip, with(json!({"product": "白金ＶＩＰ银行卡"}))));
    assert!(holds(w.clone(), with(json!({"product": "白金信 用 卡"}))));
    assert!(!holds(w, with(json!({"product": "借记卡"}))));
    let w = json!({"field": {"path": "tags", "contains": "VIP"}});
    assert!(holds(w.clone(), with(json!({"tags": ["new", "vip"]}))));
    // Element equality, not substring, on arrays.
    assert!(!holds(w, with(json!({"tags": ["vip2"]}))));
}

#[test]
fn field_dotted_paths_reach_extra_fields_and_array_items() {
    let w = json!({"field": {"path": "extra.vip_level", "gte": 3}});
    assert!(holds(w.clone(), with(json!({"extra": {"vip_level": 4}}))));
    assert!(!holds(w, with(json!({"extra": {"vip_level": 2}}))));
    let w = json!({"field": {"path": "a.b.c", "eq": "x"}});
    assert!(holds(w.clone(), with(json!({"a": {"b": {"c": "X"}}}))));
    assert!(!holds(w, with(json!({"a": {"b": "c"}}))));
    let w = json!({"field": {"path": "tags.0", "eq": "first"}});
    assert!(holds(w.clone(), with(json!({"tags": ["first", "second"]}))));
    assert!(!holds(w, with(json!({"tags": ["second", "first"]}))));
    let w = json!({"field": {"path": "customer.segment", "eq": "retail"}});
    assert!(holds(w, with(json!({"customer": {"segment": "Retail"}}))));
    let w = json!({"field": {"path": "customer.prior_complaints", "gte": 2}});
    assert!(holds(w, with(json!({"customer": {"prior_complaints": 3}}))));
}

#[test]
fn field_evidence_carries_path_and_value() {
    let e = engine(&cond_pack(
        json!({"field": {"path": "customer.age", "gte": 65}}),
        json!({}),
    ));
    let d = classify(&e, &json!({"text": "x", "customer": {"age": 70}}));
    let ev = &json_of(&d)["labels"]["d"][0]["rules"][0]["evidence"][0];
    assert_eq!(
        *ev,
        json!({"kind": "field", "path": "customer.age", "value": 70})
    );
}

#[test]
fn amount_virtual_fields() {
    let text = "借了5万，又被扣了3000元";
    let max = |op: &str, n: i64| json!({"field": {"path": "amount.max", op: n}});
    assert!(holds(max("eq", 50000), json!(text)));
    assert!(!holds(max("gt", 50000), json!(text)));
    let sum = json!({"field": {"path": "amount.sum", "eq": 53000}});
    assert!(holds(sum.clone(), json!(text)));
    let count = json!({"field": {"path": "amount.count", "eq": 2}});
    assert!(holds(count.clone(), json!(text)));
    assert!(!holds(count, json!("没有金额")));
    // No amount at all: amount.max does not exist.
    assert!(holds(
        json!({"field": {"path": "amount.max", "exists": false}}),
        json!("没有金额")
    ));
    // The complaint's own `amount` field: used for max when larger, and for sum when the text
    // has none.
    let input = json!({"text": "没有金额", "amount": 80000});
    assert!(holds(max("eq", 80000), input.clone()));
    assert!(holds(
        json!({"field": {"path": "amount.sum", "eq": 80000}}),
        input
    ));
    let input = json!({"text": text, "amount": 80000});
    assert!(holds(max("eq", 80000), input.clone()));
    assert!(holds(sum, input));
    let input = json!({"text": text, "amount": 10});
    assert!(holds(max("eq", 50000), input));
}

// ---------------------------------------------------------------- label conditions

fn two_dim_pack(label_code: &str) -> Value {
    pack(
        json!([
            {"id": "business", "fallback": "B99", "labels": [
                {"code": "B00", "name": "银行卡"},
                {"code": "B01", "name": "信用卡", "parent": "B00",
                 "rules": [{"when": {"terms": ["信用卡"]}}]},
                {"code": "B02", "name": "贷款", "rules": [{"when": {"terms": ["贷款"]}}]},
                {"code": "B99", "name": "其他"}
            ]},
            {"id": "reason", "multi": true, "labels": [
                {"code": "R1", "name": "x",
                 "rules": [{"when": {"label": {"dimension": "business", "code": label_code}}}]}
            ]}
        ]),
        json!({}),
    )
}

#[test]
fn label_condition_on_an_earlier_dimension() {
    let e = engine(&two_dim_pack("B02"));
    assert_eq!(codes(&classify_text(&e, "贷款利息"), "reason"), ["R1"]);
    assert!(codes(&classify_text(&e, "信用卡"), "reason").is_empty());
    let d = classify_text(&e, "贷款利息");
    let ev = &json_of(&d)["labels"]["reason"][0]["rules"][0]["evidence"][0];
    assert_eq!(
        *ev,
        json!({"kind": "label", "dimension": "business", "code": "B02"})
    );
}

#[test]
fn label_condition_on_a_parent_holds_for_its_children() {
    let e = engine(&two_dim_pack("B00"));
    let d = classify_text(&e, "信用卡被盗刷");
    assert_eq!(codes(&d, "business"), ["B01"]);
    assert_eq!(codes(&d, "reason"), ["R1"]);
    assert_eq!(json_of(&d)["labels"]["business"][0]["parent"], "B00");
    assert!(codes(&classify_text(&e, "贷款"), "reason").is_empty());
    // A condition on the child does not hold for the parent's siblings.
    let e = engine(&two_dim_pack("B01"));
    assert!(codes(&classify_text(&e, "贷款"), "reason").is_empty());
}

// ---------------------------------------------------------------- combinators

#[test]
fn all_any_not_at_least() {
    let a = json!({"terms": ["年费"]});
    let b = json!({"terms": ["信用卡"]});
    let c = json!({"terms": ["投诉"]});
    let all = json!({"all": [a, b]});
    assert!(holds(all.clone(), json!("信用卡年费")));
    assert!(!holds(all, json!("年费")));
    let any = json!({"any": [a, b]});
    assert!(holds(any.clone(), json!("年费")));
    assert!(holds(any.clone(), json!("信用卡")));
    assert!(!holds(any, json!("贷款")));
    let not = json!({"all": [a, {"not": b}]});
    assert!(holds(not.clone(), json!("年费")));
    assert!(!holds(not, json!("信用卡年费")));
    let at2 = json!({"at_least": {"n": 2, "of": [a, b, c]}});
    assert!(!holds(at2.clone(), json!("年费")));
    assert!(holds(at2.clone(), json!("年费投诉")));
    assert!(holds(at2.clone(), json!("信用卡年费投诉")));
    let at3 = json!({"at_least": {"n": 3, "of": [a, b, c]}});
    assert!(!holds(at3.clone(), json!("年费投诉")));
    assert!(holds(at3, json!("信用卡年费投诉")));
    // Nesting.
    let nested =
        json!({"any": [{"all": [a, {"not": {"any": [b, c]}}]}, {"at_least": {"n": 1, "of": [c]}}]});
    assert!(holds(nested.clone(), json!("年费")));
    assert!(!holds(nested.clone(), json!("信用卡年费")));
    assert!(holds(nested, json!("投诉")));
}

#[test]
fn a_not_condition_holds_on_a_negated_term() {
    // 报警 is negated, so "terms 报警" does not hold and its `not` does.
    assert!(holds(
        json!({"not": {"terms": ["报警"]}}),
        json!("我没有报警")
    ));
}

// ---------------------------------------------------------------- labels: confidence etc.

fn weighted_pack(multi: bool, threshold: Option<f64>) -> Value {
    let mut dim = json!({"id": "d", "multi": multi, "fallback": "other", "labels": [
        {"code": "A", "name": "a", "rules": [
            {"when": {"terms": ["甲"]}, "weight": 0.6},
            {"when": {"terms": ["乙"]}, "weight": 0.6},
            {"when": {"terms": ["丙"]}, "weight": 0.5}
        ]},
        {"code": "B", "name": "b", "rules": [{"when": {"terms": ["丁"]}, "weight": 0.9}]},
        {"code": "C", "name": "c", "rules": [{"when": {"terms": ["戊"]}, "weight": 0.6}]},
        {"code": "D", "name": "d", "rules": [{"when": {"terms": ["己"]}, "weight": 0.6}]},
        {"code": "E", "name": "e", "rules": [{"when": {"terms": ["庚"]}, "weight": 0.4}]},
        {"code": "other", "name": "其他"}
    ]});
    if let Some(t) = threshold {
        dim["threshold"] = json!(t);
    }
    pack(json!([dim]), json!({}))
}

fn confidences(d: &wendu::Decision) -> Vec<(String, Value)> {
    json_of(d)["labels"]["d"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["code"].as_str().unwrap().to_string(),
                l["confidence"].clone(),
            )
        })
        .collect()
}

#[test]
fn confidence_is_one_minus_product_of_misses() {
    let e = engine(&weighted_pack(true, None));
    assert_eq!(
        confidences(&classify_text(&e, "甲")),
        [("A".into(), json!(0.6))]
    );
    assert_eq!(
        confidences(&classify_text(&e, "甲乙")),
        [("A".into(), json!(0.84))]
    );
    // 1 − 0.4·0.4·0.5 = 0.92
    assert_eq!(
        confidences(&classify_text(&e, "甲乙丙")),
        [("A".into(), json!(0.92))]
    );
    // A rule counts once however often its term occurs.
    assert_eq!(
        confidences(&classify_text(&e, "甲甲甲")),
        [("A".into(), json!(0.6))]
    );
    let d = classify_text(&e, "甲乙");
    let j = json_of(&d);
    let rules: Vec<&str> = j["labels"]["d"][0]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["A#0", "A#1"]);
    assert_eq!(j["labels"]["d"][0]["rules"][0]["weight"], json!(0.6));
}

#[test]
fn whole_confidences_are_written_without_a_fraction() {
    let e = engine(&cond_pack(json!({"terms": ["甲"]}), json!({})));
    let d = classify_text(&e, "甲");
    assert!(d.to_json().contains("\"confidence\":1,"), "{}", d.to_json());
}

#[test]
fn threshold_global_and_per_dimension() {
    // Default threshold 0.5: E (0.4) is not output, so the fallback is given.
    let e = engine(&weighted_pack(true, None));
    assert_eq!(codes(&classify_text(&e, "庚"), "d"), ["other"]);
    // Exactly at the threshold is kept.
    let e = engine(&weighted_pack(true, Some(0.6)));
    assert_eq!(codes(&classify_text(&e, "戊"), "d"), ["C"]);
    let e = engine(&weighted_pack(true, Some(0.61)));
    assert_eq!(codes(&classify_text(&e, "戊"), "d"), ["other"]);
    assert_eq!(codes(&classify_text(&e, "甲乙"), "d"), ["A"]);
    // A dimension threshold overrides the pack threshold.
    let mut p = weighted_pack(true, Some(0.3));
    p["settings"] = json!({"threshold": 0.95});
    let e = engine(&p);
    assert_eq!(codes(&classify_text(&e, "庚"), "d"), ["E"]);
    // The pack threshold applies when the dimension has none.
    let mut p = weighted_pack(true, None);
    p["settings"] = json!({"threshold": 0.3});
    let e = engine(&p);
    assert_eq!(codes(&classify_text(&e, "庚"), "d"), ["E"]);
}

#[test]
fn multi_outputs_all_best_first_with_ties_in_pack_order() {
    let e = engine(&weighted_pack(true, None));
    // B 0.9, A 0.84, D 0.6 and C 0.6 (C first: pack order), E below threshold.
    let d = classify_text(&e, "己戊丁甲乙庚");
    assert_eq!(codes(&d, "d"), ["B", "A", "C", "D"]);
    // The same for any text order.
    let d2 = classify_text(&e, "庚乙甲丁戊己");
    assert_eq!(codes(&d2, "d"), ["B", "A", "C", "D"]);
}

#[test]
fn single_outputs_only_the_best() {
    let e = engine(&weighted_pack(false, None));
    assert_eq!(codes(&classify_text(&e, "己戊丁甲乙"), "d"), ["B"]);
    // Tie: the first in pack order.
    assert_eq!(codes(&classify_text(&e, "己戊"), "d"), ["C"]);
    assert_eq!(codes(&classify_text(&e, "甲乙丙丁"), "d"), ["A"]);
}

#[test]
fn fallback_label() {
    let e = engine(&weighted_pack(true, None));
    let d = classify_text(&e, "无关的话");
    let j = json_of(&d);
    assert_eq!(
        j["labels"]["d"],
        json!([{"code": "other", "name": "其他", "confidence": 0, "fallback": true, "rules": []}])
    );
    // No fallback flag on ordinary labels.
    let j = json_of(&classify_text(&e, "甲"));
    assert!(j["labels"]["d"][0].get("fallback").is_none());
    // Without a fallback the dimension is an empty list.
    let p = pack(
        json!([{"id": "d", "labels": [{"code": "A", "rules": [{"when": {"terms": "甲"}}]}]}]),
        json!({}),
    );
    let j = json_of(&classify_text(&engine(&p), "乙"));
    assert_eq!(j["labels"]["d"], json!([]));
}

#[test]
fn a_fallback_label_may_also_have_rules() {
    let p = pack(
        json!([{"id": "d", "fallback": "O", "labels": [
            {"code": "A", "rules": [{"when": {"terms": "甲"}}]},
            {"code": "O", "rules": [{"when": {"terms": "乙"}, "weight": 0.7}]}
        ]}]),
        json!({}),
    );
    let e = engine(&p);
    let j = json_of(&classify_text(&e, "乙"));
    assert_eq!(j["labels"]["d"][0]["code"], "O");
    assert_eq!(j["labels"]["d"][0]["confidence"], json!(0.7));
    assert!(j["labels"]["d"][0].get("fallback").is_none());
}

#[test]
fn dimensions_appear_in_pack_order() {
    let p = pack(
        json!([
            {"id": "zeta", "labels": [{"code": "Z", "rules": [{"when": {"terms": "甲"}}]}]},
            {"id": "alpha", "labels": [{"code": "A", "rules": [{"when": {"terms": "甲"}}]}]}
        ]),
        json!({}),
    );
    let out = classify_text(&engine(&p), "甲").to_json();
    let z = out.find("\"zeta\"").unwrap();
    let a = out.find("\"alpha\"").unwrap();
    assert!(z < a, "{out}");
}

// ---------------------------------------------------------------- routing

fn route_pack(from: Value) -> Value {
    pack(
        json!([
            {"id": "business", "labels": [
                {"code": "B0", "name": "卡", "route": {"department": "银行卡部", "queue": "cards"}},
                {"code": "B1", "name": "信用卡", "parent": "B0", "rules": [{"when": {"terms": "信用卡"}}]},
                {"code": "B2", "name": "贷款", "route": {"department": "信贷部"}, "rules": [{"when": {"terms": "贷款"}}]},
                {"code": "B3", "name": "理财", "rules": [{"when": {"terms": "理财"}}]}
            ]},
            {"id": "reason", "multi": true, "labels": [
                {"code": "R1", "name": "收费", "route": {"department": "运营部", "queue": "fees"},
                 "rules": [{"when": {"terms": "年费"}}]},
                {"code": "R2", "name": "催收", "rules": [{"when": {"terms": "催收"}}]}
            ]}
        ]),
        json!({"settings": {"route": {"from": from, "default": {"department": "消保办", "queue": "general"}}}}),
    )
}

#[test]
fn route_from_a_label_and_from_its_ancestor() {
    let e = engine(&route_pack(json!(["business"])));
    let j = json_of(&classify_text(&e, "贷款"));
    assert_eq!(
        j["route"],
        json!({"department": "信贷部", "queue": null, "dimension": "business", "code": "B2"})
    );
    // B1 has no route: its parent B0's applies, and the route names the label that decided.
    let j = json_of(&classify_text(&e, "信用卡"));
    assert_eq!(
        j["route"],
        json!({"department": "银行卡部", "queue": "cards", "dimension": "business", "code": "B1"})
    );
}

#[test]
fn route_from_precedence_and_default() {
    let e = engine(&route_pack(json!(["reason", "business"])));
    // Both dimensions have a routed label: reason comes first.
    let j = json_of(&classify_text(&e, "贷款年费"));
    assert_eq!(j["route"]["department"], "运营部");
    assert_eq!(j["route"]["dimension"], "reason");
    // reason's label has no route: business decides.
    let j = json_of(&classify_text(&e, "贷款催收"));
    assert_eq!(j["route"]["department"], "信贷部");
    // The other order.
    let e2 = engine(&route_pack(json!(["business", "reason"])));
    let j = json_of(&classify_text(&e2, "贷款年费"));
    assert_eq!(j["route"]["department"], "信贷部");
    // No routed label at all: the default, with null dimension and code.
    let j = json_of(&classify_text(&e, "理财催收"));
    assert_eq!(
        j["route"],
        json!({"department": "消保办", "queue": "general", "dimension": null, "code": null})
    );
    let j = json_of(&classify_text(&e, "无关"));
    assert_eq!(j["route"]["department"], "消保办");
}

#[test]
fn only_the_top_label_of_a_dimension_decides_the_route() {
    let mut p = route_pack(json!(["reason", "business"]));
    // R2 (催收, no route) outranks R1 (年费, routed to 运营部).
    p["dimensions"][1]["labels"][0]["rules"][0]["weight"] = json!(0.6);
    let e = engine(&p);
    let d = classify_text(&e, "贷款年费催收");
    assert_eq!(codes(&d, "reason"), ["R2", "R1"]);
    // Top label R2 names no route: business (B2 → 信贷部) decides.
    let j = json_of(&d);
    assert_eq!(j["route"]["department"], "信贷部", "{}", j["route"]);
}

#[test]
fn dimensions_not_in_route_from_do_not_route() {
    let e = engine(&route_pack(json!(["business"])));
    let j = json_of(&classify_text(&e, "年费"));
    assert_eq!(j["route"]["department"], "消保办");
}

#[test]
fn route_is_null_without_a_default_or_routed_label() {
    let p = one_dim(
        json!([{"code": "A", "rules": [{"when": {"terms": "甲"}}]}]),
        json!({}),
    );
    let j = json_of(&classify_text(&engine(&p), "甲"));
    assert_eq!(j["route"], Value::Null);
}

// ---------------------------------------------------------------- word boundaries, overlaps

#[test]
fn ascii_terms_match_on_word_boundaries_only() {
    let fee = json!({"terms": ["fee"]});
    assert!(holds(fee.clone(), json!("the fee is high")));
    assert!(holds(fee.clone(), json!("年费fee收取")));
    assert!(holds(fee.clone(), json!("FEE!")));
    assert!(!holds(fee.clone(), json!("I feel bad")));
    assert!(!holds(fee.clone(), json!("coffee")));
    assert!(!holds(fee.clone(), json!("fee2")));
    let hot = json!({"terms": ["12378"]});
    assert!(holds(hot.clone(), json!("打12378投诉")));
    assert!(!holds(hot.clone(), json!("编号0123789")));
    assert!(!holds(hot, json!("123786")));
    // Off: substring matching.
    let off = json!({"settings": {"word_boundary": false}});
    assert!(holds_with(fee, off.clone(), json!("I feel bad")));
    assert!(holds_with(
        json!({"terms": ["12378"]}),
        off,
        json!("编号0123789")
    ));
}

#[test]
fn a_term_with_a_cjk_edge_needs_no_boundary_on_that_side() {
    // 卡 at the end: "atm卡" inside "xatm卡" fails on the left (x is a letter), but
    // "atm卡1" is fine on the right.
    let w = json!({"terms": ["atm卡"]});
    assert!(holds(w.clone(), json!("atm卡1号")));
    assert!(!holds(w, json!("xatm卡")));
    assert!(holds(json!({"terms": ["信用卡"]}), json!("abc信用卡123")));
}

#[test]
fn prefix_terms() {
    let w = json!({"terms": ["refund*"]});
    assert!(holds(w.clone(), json!("please refund me")));
    assert!(holds(w.clone(), json!("no refunds")));
    assert!(holds(w.clone(), json!("it was Refunded")));
    // The start still needs a boundary.
    assert!(!holds(w.clone(), json!("prerefund")));
    assert!(!holds(w, json!("refun")));
    // The evidence names the term with its star and quotes the whole match.
    let e = engine(&cond_pack(json!({"terms": ["refund*"]}), json!({})));
    let d = classify_text(&e, "it was Refunded");
    let ev = &json_of(&d)["labels"]["d"][0]["rules"][0]["evidence"][0];
    assert_eq!(ev["term"], "refund*");
    assert_eq!(ev["text"], "Refund");
}

#[test]
fn overlapping_terms_all_count() {
    let p = one_dim(
        json!([
            {"code": "early", "rules": [{"when": {"terms": ["提前还款"]}}]},
            {"code": "repay", "rules": [{"when": {"terms": ["还款"]}}]},
            {"code": "early2", "rules": [{"when": {"terms": ["提前"]}}]}
        ]),
        json!({}),
    );
    let e = engine(&p);
    assert_eq!(
        codes(&classify_text(&e, "我要提前还款"), "d"),
        ["early", "repay", "early2"]
    );
    assert_eq!(codes(&classify_text(&e, "我要还款"), "d"), ["repay"]);
}

#[test]
fn terms_are_normalised_like_the_text() {
    // Terms written in full-width, upper case, traditional or with spaces still match.
    assert!(holds(json!({"terms": ["ＡＴＭ"]}), json!("atm吞卡")));
    assert!(holds(json!({"terms": ["銀行卡"]}), json!("银行卡")));
    assert!(holds(json!({"terms": ["信 用 卡"]}), json!("信用卡")));
    assert!(holds(
        json!({"terms": ["App Login"]}),
        json!("app   login失败")
    ));
    assert!(!holds(
        json!({"terms": ["App Login"]}),
        json!("applogin失败")
    ));
}

#[test]
fn label_output_shape() {
    let p = two_dim_pack("B00");
    let d = classify_text(&engine(&p), "信用卡");
    let j = json_of(&d);
    assert_eq!(
        j["labels"]["business"][0],
        json!({"code": "B01", "name": "信用卡", "confidence": 1, "parent": "B00", "rules": [
            {"id": "B01#0", "weight": 1, "evidence": [
                {"kind": "term", "term": "信用卡", "field": "text", "span": [0, 3], "text": "信用卡"}
            ]}
        ]})
    );
}

#[test]
fn rule_ids_given_in_the_pack_are_kept() {
    let p = one_dim(
        json!([{"code": "A", "rules": [{"id": "fee-rule", "when": {"terms": "年费"}}]}]),
        json!({}),
    );
    let j = json_of(&classify_text(&engine(&p), "年费"));
    assert_eq!(j["labels"]["d"][0]["rules"][0]["id"], "fee-rule");
}

#[test]
fn max_evidence_limits_items_per_rule() {
    let p = cond_pack(
        json!({"terms": ["甲"]}),
        json!({"settings": {"limits": {"max_evidence": 2}}}),
    );
    let j = json_of(&classify_text(&engine(&p), "甲乙甲乙甲乙甲"));
    assert_eq!(
        j["labels"]["d"][0]["rules"][0]["evidence"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn pack_tests_run() {
    let mut p = two_dim_pack("B00");
    p["tests"] = json!([
        {"name": "ok", "input": {"text": "信用卡"}, "expect": {"labels": {"business": ["B01"], "reason": ["R1"]}}},
        {"name": "fails", "input": {"text": "贷款"}, "expect": {"labels": {"business": ["B01"]}}},
        {"name": "absent", "input": {"text": "贷款"}, "expect": {"not_labels": {"reason": ["R1"]}}}
    ]);
    let r = engine(&p).run_tests();
    assert_eq!((r.passed, r.failed), (2, 1));
    assert!(!r.results[1].passed);
}

// ---------------------------------------------------------------- min and exclusive

#[test]
fn terms_min_needs_that_many_distinct_terms() {
    let when = json!({"terms": ["合同", "条款", "格式"], "min": 2});
    assert!(
        !holds(when.clone(), json!({"text": "合同合同合同"})),
        "one term repeated is one term"
    );
    assert!(holds(when.clone(), json!({"text": "合同里的条款"})));
    assert!(
        !holds(when, json!({"text": "没有合同"})),
        "a negated term does not count"
    );
}

#[test]
fn terms_min_is_validated() {
    let p = cond_pack(json!({"terms": ["a", "b"], "min": 3}), json!({}));
    let ps = problems(&p);
    assert!(
        ps.iter()
            .any(|x| x.path == "/dimensions/0/labels/0/rules/0/when/min"),
        "{ps:#?}"
    );
    let p = cond_pack(json!({"regex": "a", "min": 2}), json!({}));
    assert!(problems(&p)
        .iter()
        .any(|x| x.message.contains("only to \"terms\"")));
}

#[test]
fn exclusive_groups_keep_the_first_code_in_group_order() {
    let p = pack(
        json!([{"id": "d", "multi": true, "fallback": "other", "exclusive": [["collect", "fee"]], "labels": [
            {"code": "fee", "rules": [{"when": {"terms": ["年费"]}, "weight": 1.0}]},
            {"code": "collect", "rules": [{"when": {"terms": ["催收"]}, "weight": 0.6}]},
            {"code": "app", "rules": [{"when": {"terms": ["闪退"]}}]},
            {"code": "other"}
        ]}]),
        json!({}),
    );
    let e = engine(&p);
    // Both qualify: collect wins by group order although fee has the higher confidence;
    // app is outside the group and stays.
    assert_eq!(
        codes(&classify_text(&e, "催收还收年费，APP闪退"), "d"),
        ["app", "collect"]
    );
    assert_eq!(codes(&classify_text(&e, "乱收年费"), "d"), ["fee"]);
    let mut bad = p.clone();
    bad["dimensions"][0]["exclusive"] = json!([["collect", "nope"]]);
    assert!(problems(&bad)
        .iter()
        .any(|x| x.path == "/dimensions/0/exclusive/0/1"));
}

// ---------------------------------------------------------------- learned models

/// A pack whose hand-written model holds a digit n-gram ("13") as well as a word (催收): both
/// push C02, and C02 is given on the model's probability alone.
fn digit_model_pack() -> wendu::Engine {
    let pack = json!({
        "pack": {"id": "model-pii", "version": "1"},
        "models": [{
            "id": "reason", "dimension": "reason",
            "features": {"kind": "chars", "min": 1, "max": 2},
            "labels": ["C01", "C02"], "rest": true,
            "vocabulary": "13\n催收",
            "weights": "AGQAZA==",
            "scale_e6": [30000, 30000], "bias_e6": [-1000000, -1000000],
            "platt_e6": [[1000000, 0], [1000000, 0]]
        }],
        "dimensions": [{"id": "reason", "labels": [
            {"code": "C01", "rules": [{"when": {"terms": ["年费"]}}]},
            {"code": "C02", "rules": [{"id": "C02#model",
                "when": {"model": {"id": "reason", "label": "C02"}}, "weight": "probability"}]}
        ]}]
    });
    wendu::Engine::new(&pack.to_string()).expect("pack builds")
}

#[test]
fn model_evidence_never_quotes_personal_data() {
    let engine = digit_model_pack();
    let d = engine
        .classify_json(r#"{"text": "催收打我电话13812345678"}"#)
        .unwrap();
    let json = serde_json::to_value(&d).unwrap();
    let c02 = &json["labels"]["reason"][0];
    assert_eq!(c02["code"], "C02", "{json}");
    let evidence: Vec<&Value> = c02["rules"][0]["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .collect();
    // 催收 is quoted; the 13 that begins the phone number is not (it is personal data).
    assert_eq!(evidence.len(), 1, "{evidence:?}");
    assert_eq!(evidence[0]["kind"], "model");
    assert_eq!(evidence[0]["text"], "催收");
    assert!(!json.to_string().contains("13812345678"));
    // Outside personal data the same n-gram is evidence like any other.
    let d = engine
        .classify_json(r#"{"text": "催收说13号再来"}"#)
        .unwrap();
    let json = serde_json::to_value(&d).unwrap();
    let texts: Vec<&str> = json["labels"]["reason"][0]["rules"][0]["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["text"].as_str().unwrap())
        .collect();
    assert!(
        texts.contains(&"13") && texts.contains(&"催收"),
        "{texts:?}"
    );
}
