//! Every class of pack and complaint problem, each with its exact JSON pointer; all problems at
//! once; warnings that let a pack load; and a deterministic storm of mutated packs and complaints
//! that must never panic.

mod common;

use common::*;
use serde_json::{json, Value};
use wendu::{Engine, Error, Problem, ProblemKind as Severity};

/// Error problems only.
fn errors(pack: &Value) -> Vec<Problem> {
    match Engine::new(&pack.to_string()) {
        Ok(_) => panic!("pack accepted: {pack}"),
        Err(e) => {
            assert_eq!(e.code(), "invalid_pack");
            e.problems()
                .iter()
                .filter(|p| p.is_error())
                .cloned()
                .collect()
        }
    }
}

/// Assert the pack fails with a problem at `path` whose message contains `needle`.
#[track_caller]
fn assert_problem(pack: &Value, path: &str, needle: &str) {
    let ps = errors(pack);
    assert!(
        ps.iter()
            .any(|p| p.path == path && p.message.contains(needle)),
        "no problem at {path} containing {needle:?}; got {ps:#?}"
    );
}

/// A valid base pack: two dimensions, severity, lexicon.
fn base() -> Value {
    json!({
        "pack": {"id": "v", "version": "1"},
        "lexicon": {"@police": ["报警"]},
        "dimensions": [
            {"id": "business", "fallback": "B9", "labels": [
                {"code": "B1", "name": "卡", "rules": [{"when": {"terms": ["信用卡"]}}]},
                {"code": "B9", "name": "其他"}
            ]},
            {"id": "reason", "multi": true, "labels": [
                {"code": "R1", "name": "收费", "rules": [{"when": {"terms": ["年费"]}, "weight": 0.8}]},
                {"code": "R2", "name": "报警", "rules": [{"when": {"terms": ["@police"]}}]}
            ]}
        ],
        "severity": {
            "factors": [{"id": "police", "when": {"terms": ["@police"]}, "points": 50}],
            "levels": [
                {"id": "normal", "min_points": 0, "deadline_hours": 360},
                {"id": "major", "min_points": 50, "deadline_hours": 24}
            ]
        },
        "tests": [{"name": "t", "input": {"text": "年费"}, "expect": {"labels": {"reason": ["R1"]}}}]
    })
}

const R0: &str = "/dimensions/1/labels/0/rules/0/when";

fn set(mut v: Value, pointer: &str, x: Value) -> Value {
    *v.pointer_mut(pointer)
        .unwrap_or_else(|| panic!("no {pointer}")) = x;
    v
}

#[test]
fn the_base_pack_is_valid() {
    let e = engine(&base());
    assert!(e.warnings().is_empty());
    let r = e.run_tests();
    assert_eq!((r.passed, r.failed), (1, 0));
}

// ---------------------------------------------------------------- syntax and shape

#[test]
fn malformed_json_reports_line_and_column() {
    let text = "{\n  \"pack\": {\"id\": \"x\", \"version\": \"1\"},\n  \"dimensions\": [,]\n}";
    let ps = problems_str(text);
    assert_eq!(ps.len(), 1);
    assert_eq!(ps[0].path, "");
    assert!(ps[0].message.contains("line 3"), "{}", ps[0].message);
    assert!(ps[0].message.contains("column 18"), "{}", ps[0].message);
    let e = Engine::new("").unwrap_err();
    assert_eq!(e.code(), "invalid_pack");
    assert!(e.problems()[0].message.contains("line 1"));
}

#[test]
fn unknown_keys_are_errors_with_a_hint() {
    let mut p = base();
    let dims = p["dimensions"].take();
    p["dimensons"] = dims;
    assert_problem(&p, "/dimensons", "did you mean \"dimensions\"");
    let p = set(base(), R0, json!({"trems": ["年费"]}));
    assert_problem(&p, &format!("{R0}/trems"), "did you mean \"terms\"");
    let mut p = base();
    p["dimensions"][0]["labels"][0]["rulez"] = json!([]);
    assert_problem(&p, "/dimensions/0/labels/0/rulez", "did you mean \"rules\"");
    let mut p = base();
    p["settings"] = json!({"normalise": {}});
    assert_problem(&p, "/settings/normalise", "did you mean \"normalize\"");
    let mut p = base();
    p["pack"]["verison"] = json!("2");
    assert_problem(&p, "/pack/verison", "did you mean \"version\"");
    // Without a close key, no hint but still an error.
    let mut p = base();
    p["zzzzzzzz"] = json!(1);
    assert_problem(&p, "/zzzzzzzz", "unknown key");
}

#[test]
fn wrong_types() {
    assert_problem(
        &set(base(), "/dimensions/1/multi", json!("yes")),
        "/dimensions/1/multi",
        "expected true or false",
    );
    assert_problem(
        &set(base(), "/pack/id", json!(7)),
        "/pack/id",
        "expected a string",
    );
    assert_problem(
        &set(base(), "/dimensions/1/labels/0/rules/0/weight", json!(1.5)),
        "/dimensions/1/labels/0/rules/0/weight",
        "(0, 1]",
    );
    assert_problem(
        &set(base(), "/dimensions/1/labels/0/rules/0/weight", json!(0)),
        "/dimensions/1/labels/0/rules/0/weight",
        "(0, 1]",
    );
    assert_problem(
        &set(base(), "/dimensions", json!({})),
        "/dimensions",
        "expected an array",
    );
    assert_problem(
        &set(base(), "/severity/factors/0/points", json!("many")),
        "/severity/factors/0/points",
        "whole number",
    );
    let mut p = base();
    p["settings"] = json!({"threshold": 2});
    assert_problem(&p, "/settings/threshold", "between 0 and 1");
    let mut p = base();
    p["settings"] = json!({"negation": {"window": -1}});
    assert_problem(&p, "/settings/negation/window", "whole number");
    assert_problem(
        &set(base(), &format!("{R0}/terms"), json!(["年费", 3])),
        &format!("{R0}/terms/1"),
        "expected a string",
    );
    assert_problem(
        &set(
            base(),
            R0,
            json!({"field": {"path": "customer.age", "gte": "65"}}),
        ),
        &format!("{R0}/field/gte"),
        "expected a number",
    );
    assert_problem(
        &set(base(), R0, json!({"field": {"path": "customer.age"}})),
        &format!("{R0}/field"),
        "needs an operator",
    );
    assert_problem(
        &set(base(), R0, json!({"near": {"a": ["x"], "b": ["y"]}})),
        &format!("{R0}/near"),
        "within",
    );
    assert_problem(
        &set(
            base(),
            R0,
            json!({"at_least": {"n": 3, "of": [{"terms": "x"}]}}),
        ),
        &format!("{R0}/at_least/n"),
        "between 1 and",
    );
    assert_problem(&set(base(), R0, json!({})), R0, "a condition needs one of");
    assert_problem(
        &set(base(), R0, json!({"terms": "x", "regex": "y"})),
        R0,
        "exactly one kind",
    );
    assert_problem(
        &set(base(), R0, json!({"regex": "x", "negation": false})),
        &format!("{R0}/negation"),
        "only to",
    );
    assert_problem(
        &set(base(), "/pack", json!({"id": "x"})),
        "/pack",
        "missing required key \"version\"",
    );
}

// ---------------------------------------------------------------- regexes

#[test]
fn bad_regex_carries_the_regex_engines_message() {
    let p = set(base(), R0, json!({"regex": "逾期(\\d+天"}));
    let ps = errors(&p);
    let r = ps
        .iter()
        .find(|p| p.path == format!("{R0}/regex"))
        .unwrap_or_else(|| panic!("{ps:#?}"));
    assert!(r.message.contains("unclosed group"), "{}", r.message);
    // Look-around is not supported by the linear-time engine.
    let p = set(base(), R0, json!({"regex": "(?=a)b"}));
    assert_problem(&p, &format!("{R0}/regex"), "look-around");
}

#[test]
fn regex_over_the_size_limit() {
    let mut p = set(base(), R0, json!({"regex": "[a-z]{200}"}));
    p["settings"] = json!({"limits": {"max_regex_bytes": 1000}});
    assert_problem(&p, &format!("{R0}/regex"), "size limit");
    // The same regex is fine under the default limit (1 MiB)…
    let p = set(base(), R0, json!({"regex": "[a-z]{200}"}));
    engine(&p);
    // …which a Unicode class repeated many times exceeds.
    let p = set(base(), R0, json!({"regex": "\\w{50}\\d{50}"}));
    assert_problem(&p, &format!("{R0}/regex"), "size limit");
}

#[test]
fn unicode_word_boundary_is_a_warning() {
    let p = set(base(), R0, json!({"regex": "\\bfee\\b"}));
    let e = engine(&p);
    let w = e.warnings();
    assert_eq!(w.len(), 1, "{w:#?}");
    assert_eq!(w[0].path, format!("{R0}/regex"));
    assert_eq!(w[0].severity, Severity::Warning);
    assert!(w[0].message.contains("(?-u:\\b)"), "{}", w[0].message);
    assert_eq!(Engine::check(&p.to_string()), w);
    // The ASCII boundary is fine, and so is an escaped backslash followed by b.
    for ok in ["(?-u:\\b)fee(?-u:\\b)", "a\\\\b", "(?-u)\\bfee"] {
        let p = set(base(), R0, json!({ "regex": ok }));
        assert!(engine(&p).warnings().is_empty(), "{ok}");
    }
}

#[test]
fn a_pack_that_decides_nothing_is_a_warning() {
    let e = engine(&json!({"pack": {"id": "x", "version": "1"}}));
    assert_eq!(e.warnings().len(), 1);
    assert_eq!(e.warnings()[0].path, "");
    assert!(e.warnings()[0].message.contains("decides nothing"));
}

// ---------------------------------------------------------------- terms and lexicons

#[test]
fn unknown_lexicon() {
    let p = set(base(), &format!("{R0}/terms"), json!(["年费", "@polise"]));
    assert_problem(&p, &format!("{R0}/terms/1"), "unknown lexicon \"@polise\"");
    assert_problem(&p, &format!("{R0}/terms/1"), "@police");
    let p = set(base(), &format!("{R0}/terms"), json!("@nothing"));
    assert_problem(&p, &format!("{R0}/terms"), "unknown lexicon");
    let p = set(
        base(),
        R0,
        json!({"near": {"a": ["@none"], "b": ["x"], "within": 3}}),
    );
    assert_problem(&p, &format!("{R0}/near/a/0"), "unknown lexicon");
}

#[test]
fn empty_term_lists_and_terms() {
    let p = set(base(), &format!("{R0}/terms"), json!([]));
    assert_problem(&p, &format!("{R0}/terms"), "empty term list");
    let p = set(base(), &format!("{R0}/terms"), json!(["年费", "  "]));
    assert_problem(&p, &format!("{R0}/terms/1"), "empty term");
    let p = set(base(), "/lexicon/@police", json!([]));
    assert_problem(&p, "/lexicon/@police", "empty term list");
    let p = set(
        base(),
        R0,
        json!({"near": {"a": [], "b": ["x"], "within": 3}}),
    );
    assert_problem(&p, &format!("{R0}/near/a"), "empty term list");
    let p = set(base(), "/lexicon/@police", json!(["@other"]));
    assert_problem(&p, "/lexicon/@police/0", "cannot reference another lexicon");
    // A term that normalises to nothing.
    let p = set(base(), &format!("{R0}/terms"), json!(["\u{3000}"]));
    assert!(!errors(&p).is_empty());
}

// ---------------------------------------------------------------- ids and references

#[test]
fn duplicate_ids() {
    let p = set(base(), "/dimensions/1/labels/1/code", json!("R1"));
    assert_problem(&p, "/dimensions/1/labels/1/code", "duplicate code \"R1\"");
    let p = set(base(), "/dimensions/1/id", json!("business"));
    assert_problem(&p, "/dimensions/1/id", "duplicate dimension id");
    let mut p = base();
    p["severity"]["factors"]
        .as_array_mut()
        .unwrap()
        .push(json!({"id": "police", "when": {"terms": "x"}, "points": 1}));
    assert_problem(&p, "/severity/factors/1/id", "duplicate factor id");
    let p = set(base(), "/severity/levels/1/id", json!("normal"));
    assert_problem(&p, "/severity/levels/1/id", "duplicate level id");
    let mut p = base();
    p["lexicon"]["police"] = json!(["公安"]);
    assert!(errors(&p)
        .iter()
        .any(|x| x.message.contains("defined twice")));
}

#[test]
fn unknown_parent_and_parent_cycles() {
    let mut p = base();
    p["dimensions"][1]["labels"][0]["parent"] = json!("R7");
    assert_problem(
        &p,
        "/dimensions/1/labels/0/parent",
        "unknown parent label \"R7\"",
    );
    let mut p = base();
    p["dimensions"][1]["labels"][0]["parent"] = json!("R2");
    p["dimensions"][1]["labels"][1]["parent"] = json!("R1");
    assert_problem(&p, "/dimensions/1/labels/0/parent", "cycle");
    assert_problem(&p, "/dimensions/1/labels/1/parent", "cycle");
    let mut p = base();
    p["dimensions"][1]["labels"][0]["parent"] = json!("R1");
    assert_problem(&p, "/dimensions/1/labels/0/parent", "cycle");
    // A parent in another dimension is unknown here.
    let mut p = base();
    p["dimensions"][1]["labels"][0]["parent"] = json!("B1");
    assert_problem(&p, "/dimensions/1/labels/0/parent", "unknown parent");
}

#[test]
fn label_references() {
    let l = |dim: &str, code: &str| json!({"label": {"dimension": dim, "code": code}});
    // Earlier dimension: fine.
    engine(&set(base(), R0, l("business", "B1")));
    let p = set(base(), R0, l("nope", "B1"));
    assert_problem(
        &p,
        &format!("{R0}/label/dimension"),
        "unknown dimension \"nope\"",
    );
    let p = set(base(), R0, l("business", "B7"));
    assert_problem(&p, &format!("{R0}/label/code"), "has no label \"B7\"");
    // The same dimension and a later one are errors at the same pointer.
    let p = set(base(), R0, l("reason", "R2"));
    assert_problem(&p, &format!("{R0}/label/dimension"), "\"reason\"");
    let p = set(
        base(),
        "/dimensions/0/labels/0/rules/0/when",
        l("reason", "R1"),
    );
    assert_problem(
        &p,
        "/dimensions/0/labels/0/rules/0/when/label/dimension",
        "\"reason\"",
    );
    // Severity may name any dimension.
    engine(&set(base(), "/severity/factors/0/when", l("reason", "R1")));
    let p = set(base(), "/severity/factors/0/when", l("reason", "R9"));
    assert_problem(&p, "/severity/factors/0/when/label/code", "has no label");
    // Other references.
    let p = set(base(), "/dimensions/0/fallback", json!("B7"));
    assert_problem(&p, "/dimensions/0/fallback", "not a label");
    let mut p = base();
    p["settings"] = json!({"route": {"from": ["reason", "nope"]}});
    assert_problem(&p, "/settings/route/from/1", "unknown dimension");
}

#[test]
fn label_reference_to_a_later_dimension_says_it_is_later() {
    let l = json!({"label": {"dimension": "reason", "code": "R1"}});
    let p = set(base(), "/dimensions/0/labels/0/rules/0/when", l.clone());
    assert_problem(
        &p,
        "/dimensions/0/labels/0/rules/0/when/label/dimension",
        "earlier",
    );
    let p = set(base(), R0, l);
    assert_problem(&p, &format!("{R0}/label/dimension"), "earlier");
}

#[test]
fn severity_levels_and_min_level() {
    let p = set(base(), "/severity/levels/1/min_points", json!(0));
    assert_problem(&p, "/severity/levels/1/min_points", "increasing");
    let mut p = base();
    p["severity"]["levels"]
        .as_array_mut()
        .unwrap()
        .push(json!({"id": "mid", "min_points": 20}));
    assert_problem(&p, "/severity/levels/2/min_points", "increasing");
    let mut p = base();
    p["severity"]["factors"][0]["min_level"] = json!("critical");
    assert_problem(
        &p,
        "/severity/factors/0/min_level",
        "unknown level \"critical\"",
    );
    let p = set(base(), "/severity/levels", json!([]));
    assert_problem(&p, "/severity/levels", "at least one level");
}

#[test]
fn nesting_too_deep() {
    // 16 levels are fine (the rule's `when` is level 0)…
    let mut c = json!({"terms": "x"});
    for _ in 0..15 {
        c = json!({ "not": c });
    }
    engine(&set(base(), R0, c.clone()));
    // …17 are not, and the pointer names the condition that is too deep.
    let c = json!({ "not": c });
    let p = set(base(), R0, c);
    let deep = format!("{R0}{}", "/not".repeat(16));
    assert_problem(&p, &deep, "nested too deep");
    // The same through all/any.
    let mut c = json!({"terms": "x"});
    for _ in 0..20 {
        c = json!({ "all": [c] });
    }
    let p = set(base(), R0, c);
    assert_problem(
        &p,
        &format!("{R0}{}", "/all/0".repeat(16)),
        "nested too deep",
    );
}

#[test]
fn tests_naming_unknown_things() {
    let p = set(
        base(),
        "/tests/0/expect",
        json!({"labels": {"nope": ["R1"]}}),
    );
    assert_problem(&p, "/tests/0/expect/labels/nope", "unknown dimension");
    let p = set(
        base(),
        "/tests/0/expect",
        json!({"labels": {"reason": ["R1", "R7"]}}),
    );
    assert_problem(&p, "/tests/0/expect/labels/reason/1", "no label \"R7\"");
    let p = set(
        base(),
        "/tests/0/expect",
        json!({"not_labels": {"reason": "R7"}}),
    );
    assert_problem(&p, "/tests/0/expect/not_labels/reason/0", "no label");
    let p = set(base(), "/tests/0/expect", json!({"level": "huge"}));
    assert_problem(&p, "/tests/0/expect/level", "unknown level");
    let p = set(
        base(),
        "/tests/0/expect",
        json!({"factors": ["police", "fire"]}),
    );
    assert_problem(&p, "/tests/0/expect/factors/1", "unknown factor \"fire\"");
    let p = set(base(), "/tests/0/expect", json!({"not_factors": ["fire"]}));
    assert_problem(&p, "/tests/0/expect/not_factors/0", "unknown factor");
}

#[test]
fn all_problems_come_back_at_once() {
    let mut p = base();
    p["dimensons"] = json!([]); // 1 unknown key
    p["dimensions"][1]["labels"][1]["code"] = json!("R1"); // 2 duplicate code
    p["dimensions"][1]["labels"][0]["rules"][0]["when"] = json!({"terms": []}); // 3 empty terms
    p["severity"]["factors"][0]["when"] = json!({"terms": ["@nope"]}); // 4 unknown lexicon
    p["severity"]["levels"][1]["min_points"] = json!(0); // 5 levels not increasing
    p["dimensions"][0]["labels"][0]["parent"] = json!("X"); // 6 unknown parent
    p["tests"][0]["expect"]["level"] = json!("huge"); // 7 unknown level
    let ps = errors(&p);
    let paths: Vec<&str> = ps.iter().map(|p| p.path.as_str()).collect();
    for want in [
        "/dimensons",
        "/dimensions/1/labels/1/code",
        "/dimensions/1/labels/0/rules/0/when/terms",
        "/severity/factors/0/when/terms/0",
        "/severity/levels/1/min_points",
        "/dimensions/0/labels/0/parent",
        "/tests/0/expect/level",
    ] {
        assert!(paths.contains(&want), "{want} missing from {paths:#?}");
    }
    assert!(ps.len() >= 7);
}

#[test]
fn regex_problems_come_back_with_the_other_problems() {
    let mut p = base();
    p["dimensons"] = json!([]);
    p["dimensions"][1]["labels"][0]["rules"][0]["when"] = json!({"regex": "("});
    p["severity"]["factors"][0]["when"] = json!({"terms": ["\u{3000}"]});
    let ps = errors(&p);
    let paths: Vec<&str> = ps.iter().map(|p| p.path.as_str()).collect();
    for want in [
        "/dimensons",
        "/dimensions/1/labels/0/rules/0/when/regex",
        "/severity/factors/0/when/terms/0",
    ] {
        assert!(paths.contains(&want), "{want} missing from {paths:#?}");
    }
}

#[test]
fn error_json_shape() {
    let p = set(base(), "/dimensions/1/multi", json!("yes"));
    let err = Engine::new(&p.to_string()).unwrap_err();
    let j: Value = serde_json::from_str(&err.to_json()).unwrap();
    assert_eq!(j["code"], "invalid_pack");
    assert_eq!(
        j["problems"],
        json!([{"path": "/dimensions/1/multi", "message": "expected true or false, found string", "severity": "error"}])
    );
    assert!(j["message"]
        .as_str()
        .unwrap()
        .contains("/dimensions/1/multi"));
}

// ---------------------------------------------------------------- complaints

fn input_problems(e: &Engine, input: &str) -> Vec<Problem> {
    match e.classify_json(input) {
        Ok(d) => panic!("accepted {input}: {}", d.to_json()),
        Err(Error::InvalidInput(ps)) => ps,
        Err(other) => panic!("wrong error {other:?}"),
    }
}

#[track_caller]
fn assert_input_problem(e: &Engine, input: Value, path: &str) {
    let ps = input_problems(e, &input.to_string());
    assert!(
        ps.iter().any(|p| p.path == path && p.is_error()),
        "no problem at {path} for {input}: {ps:#?}"
    );
}

#[test]
fn complaint_problems_with_pointers() {
    let e = engine(&base());
    assert_input_problem(&e, json!({}), "/text");
    assert_input_problem(&e, json!({"text": null}), "/text");
    assert_input_problem(&e, json!({"text": 5}), "/text");
    assert_input_problem(&e, json!({"text": ["a"]}), "/text");
    assert_input_problem(&e, json!({"text": "x", "id": [1]}), "/id");
    assert_input_problem(&e, json!({"text": "x", "title": 1}), "/title");
    assert_input_problem(&e, json!({"text": "x", "channel": true}), "/channel");
    assert_input_problem(&e, json!({"text": "x", "product": {}}), "/product");
    assert_input_problem(&e, json!({"text": "x", "branch": 9}), "/branch");
    assert_input_problem(
        &e,
        json!({"text": "x", "received_at": "yesterday"}),
        "/received_at",
    );
    assert_input_problem(
        &e,
        json!({"text": "x", "received_at": "2026-03-01T09:30:00"}),
        "/received_at",
    );
    assert_input_problem(
        &e,
        json!({"text": "x", "received_at": "2026-02-30T09:30:00Z"}),
        "/received_at",
    );
    assert_input_problem(&e, json!({"text": "x", "amount": -1}), "/amount");
    assert_input_problem(&e, json!({"text": "x", "amount": "5万"}), "/amount");
    assert_input_problem(&e, json!({"text": "x", "customer": "vip"}), "/customer");
    assert_input_problem(
        &e,
        json!({"text": "x", "customer": {"age": 200}}),
        "/customer/age",
    );
    assert_input_problem(
        &e,
        json!({"text": "x", "customer": {"age": "70"}}),
        "/customer/age",
    );
    assert_input_problem(
        &e,
        json!({"text": "x", "customer": {"vulnerable": "yes"}}),
        "/customer/vulnerable",
    );
    assert_input_problem(
        &e,
        json!({"text": "x", "customer": {"prior_complaints": 1.5}}),
        "/customer/prior_complaints",
    );
    assert_input_problem(
        &e,
        json!({"text": "x", "customer": {"id": []}}),
        "/customer/id",
    );
    assert_input_problem(
        &e,
        json!({"text": "x", "customer": {"segment": 3}}),
        "/customer/segment",
    );
}

#[test]
fn complaint_problems_all_at_once() {
    let e = engine(&base());
    let ps = input_problems(
        &e,
        &json!({"text": 1, "title": 2, "amount": -3, "customer": {"age": -1}}).to_string(),
    );
    let paths: Vec<&str> = ps.iter().map(|p| p.path.as_str()).collect();
    assert_eq!(paths.len(), 4, "{paths:?}");
    for want in ["/text", "/title", "/amount", "/customer/age"] {
        assert!(paths.contains(&want), "{want}: {paths:?}");
    }
}

#[test]
fn complaint_not_an_object_or_not_json() {
    let e = engine(&base());
    let ps = input_problems(&e, "[1,2]");
    assert_eq!(ps[0].path, "");
    let ps = input_problems(&e, "\"text\"");
    assert_eq!(ps[0].path, "");
    let ps = input_problems(&e, "{\"text\": \"x\",\n}");
    assert!(ps[0].message.contains("line 2"), "{}", ps[0].message);
    let err = e.classify_json("{").unwrap_err();
    assert_eq!(err.code(), "invalid_input");
}

#[test]
fn extra_fields_and_good_values_are_accepted() {
    let e = engine(&base());
    let d = e
        .classify_json(
            &json!({"id": 42, "text": "x", "title": "t", "channel": "app", "product": "p",
                    "branch": "b", "received_at": "2026-03-01T09:30:00.250+08:00", "amount": 0,
                    "customer": {"id": 7, "age": 0, "segment": "s", "vulnerable": false, "prior_complaints": 0},
                    "extra": {"anything": [1, {"x": null}]}, "tags": ["a"]})
            .to_string(),
        )
        .unwrap();
    assert_eq!(d.id.as_deref(), Some("42"));
}

fn limited(max: u64, truncate: bool) -> Engine {
    let mut p = base();
    p["settings"] = json!({"limits": {"max_text_chars": max, "truncate": truncate}});
    engine(&p)
}

#[test]
fn text_over_the_limit_is_an_error() {
    let e = limited(10, false);
    assert!(e
        .classify_json(&json!({"text": "一二三四五六七八九十"}).to_string())
        .is_ok());
    let ps = input_problems(&e, &json!({"text": "一二三四五六七八九十一"}).to_string());
    assert_eq!(ps[0].path, "/text");
    assert!(ps[0].message.contains("limit"), "{}", ps[0].message);
    // The title counts too.
    let ps = input_problems(
        &e,
        &json!({"title": "一二三", "text": "一二三四五六七八"}).to_string(),
    );
    assert_eq!(ps[0].path, "/text");
    // Emoji count as one character each.
    assert!(e
        .classify_json(&json!({"text": "😀".repeat(10)}).to_string())
        .is_ok());
}

#[test]
fn truncation_is_flagged_in_the_decision() {
    let e = limited(6, true);
    let d = classify_text(&e, "一二三四年费");
    assert!(d.warnings.is_empty());
    assert_eq!(codes(&d, "reason"), ["R1"]);
    // The term sits beyond the cut: not seen; the warning says so.
    let d = classify_text(&e, "一二三四五六年费");
    assert_eq!(d.warnings.len(), 1);
    assert!(d.warnings[0].contains("truncated"), "{:?}", d.warnings);
    assert!(codes(&d, "reason").is_empty());
    assert_eq!(d.masked_text, "一二三四五六");
    // With a title, the text keeps what the title leaves.
    let d = classify(&e, &json!({"title": "一二", "text": "三四五六年费"}));
    assert_eq!(d.masked_text, "三四五六");
    assert_eq!(d.warnings.len(), 1);
}

#[test]
fn truncation_keeps_title_plus_text_within_the_limit() {
    let e = limited(6, true);
    let d = classify(&e, &json!({"title": "一二三四五六七八", "text": "年费"}));
    let kept =
        d.masked_text.chars().count() + d.masked_title.as_deref().unwrap_or("").chars().count();
    assert!(
        kept <= 6,
        "kept {kept} characters: {:?} / {:?}",
        d.masked_title,
        d.masked_text
    );
}

// ---------------------------------------------------------------- never panic

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const NOISE: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    "\"",
    ",",
    ":",
    "0",
    "-1",
    "1e999",
    "null",
    "true",
    "\\",
    "\\u0000",
    "\\ud800",
    "@",
    "*",
    "(",
    "\\b",
    "盗刷",
    "😀",
    "ｘ",
    " ",
    "\n",
    "{\"not\":",
    "[[[[",
    "]]]]",
    "\"@police\"",
    "\"regex\":\"(\"",
    "1.5",
    "\"\"",
];

fn mutate_text(rng: &mut Rng, s: &str) -> String {
    let mut chars: Vec<char> = s.chars().collect();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(chars.len() + 1);
        match rng.below(4) {
            0 if !chars.is_empty() => {
                let end = (at + 1 + rng.below(8)).min(chars.len());
                chars.drain(at.min(end)..end);
            }
            1 => {
                let ins: Vec<char> = NOISE[rng.below(NOISE.len())].chars().collect();
                chars.splice(at..at, ins);
            }
            2 if !chars.is_empty() => {
                let a = rng.below(chars.len());
                let b = (a + rng.below(16)).min(chars.len());
                let piece: Vec<char> = chars[a..b].to_vec();
                chars.splice(at..at, piece);
            }
            _ => {
                if let Some(c) = chars.get_mut(at) {
                    *c = NOISE[rng.below(NOISE.len())].chars().next().unwrap_or('x');
                }
            }
        }
    }
    chars.into_iter().collect()
}

fn random_value(rng: &mut Rng, depth: usize) -> Value {
    match rng.below(if depth > 3 { 7 } else { 9 }) {
        0 => Value::Null,
        1 => json!(rng.below(3) == 0),
        2 => json!(rng.below(200) as i64 - 50),
        3 => json!(rng.below(1000) as f64 / 7.0),
        4 => json!(
            ["", "x", "@police", "@nope", "(", "\\bfee", "报警", "R1", "normal", "business"]
                [rng.below(10)]
        ),
        5 => json!(u64::MAX),
        6 => json!(-1e300),
        7 => Value::Array(
            (0..rng.below(4))
                .map(|_| random_value(rng, depth + 1))
                .collect(),
        ),
        _ => {
            let keys = [
                "terms", "regex", "not", "all", "id", "code", "when", "labels", "x",
            ];
            let mut m = serde_json::Map::new();
            for _ in 0..rng.below(4) {
                m.insert(
                    keys[rng.below(keys.len())].to_string(),
                    random_value(rng, depth + 1),
                );
            }
            Value::Object(m)
        }
    }
}

/// Replace one random node of `v` with a random value.
fn mutate_value(rng: &mut Rng, v: &mut Value) {
    let mut cur = v;
    loop {
        let stop = rng.below(4) == 0;
        let next_index = match cur {
            Value::Object(m) if !m.is_empty() && !stop => Some(rng.below(m.len())),
            Value::Array(a) if !a.is_empty() && !stop => Some(rng.below(a.len())),
            _ => None,
        };
        match next_index {
            None => {
                *cur = random_value(rng, 0);
                return;
            }
            Some(i) => {
                cur = match cur {
                    Value::Object(m) => m.values_mut().nth(i).unwrap(),
                    Value::Array(a) => &mut a[i],
                    _ => unreachable!(),
                };
            }
        }
    }
}

fn rich_pack() -> Value {
    let mut p = base();
    p["settings"] = json!({"limits": {"max_text_chars": 500, "truncate": true},
                           "route": {"from": ["reason"], "default": {"department": "x"}}});
    p["dimensions"][1]["labels"]
        .as_array_mut()
        .unwrap()
        .extend([
            json!({"code": "R3", "parent": "R1", "route": {"department": "d"}, "rules": [
                {"when": {"near": {"a": ["催收"], "b": ["家人"], "within": 4, "ordered": true}}},
                {"when": {"regex": "逾期\\d+天"}, "weight": 0.5},
                {"when": {"at_least": {"n": 1, "of": [
                    {"field": {"path": "amount.max", "gte": 1000}},
                    {"field": {"path": "customer.age", "gte": 65}},
                    {"field": {"path": "extra.tags", "contains": "vip"}},
                    {"label": {"dimension": "business", "code": "B1"}}
                ]}}, "weight": 0.3}
            ]}),
        ]);
    p
}

#[test]
fn mutated_packs_never_panic() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let good = rich_pack();
    let good_text = serde_json::to_string_pretty(&good).unwrap();
    let (mut accepted, mut rejected) = (0, 0);
    for round in 0..3000 {
        let candidate = if round % 2 == 0 {
            mutate_text(&mut rng, &good_text)
        } else {
            let mut v = good.clone();
            for _ in 0..1 + rng.below(3) {
                mutate_value(&mut rng, &mut v);
            }
            v.to_string()
        };
        match Engine::new(&candidate) {
            Ok(e) => {
                accepted += 1;
                for text in ["我没有报警，年费1,200元", "催收打给家人，逾期30天", ""]
                {
                    let _ = e
                        .classify_json(&json!({"text": text, "customer": {"age": 70}}).to_string());
                }
            }
            Err(err) => {
                rejected += 1;
                assert!(!err.problems().is_empty(), "{candidate}");
                assert!(err.problems().iter().any(|p| p.is_error()));
                // Every pointer is a pointer.
                for p in err.problems() {
                    assert!(p.path.is_empty() || p.path.starts_with('/'), "{p:?}");
                }
                let _ = err.to_json();
            }
        }
    }
    assert!(accepted > 100 && rejected > 1000, "{accepted} / {rejected}");
}

#[test]
fn mutated_complaints_never_panic() {
    let e = engine(&rich_pack());
    let mut rng = Rng(0xD1B5_4A32_D192_ED03);
    let good = json!({"id": "c1", "title": "信用卡年费", "text": "😀我没有报警，被扣1,200元，电话13812345678，催收打给家人，逾期30天",
                      "channel": "app", "received_at": "2026-03-01T09:30:00+08:00", "amount": 50000,
                      "customer": {"id": "u9", "age": 70, "segment": "retail", "vulnerable": false, "prior_complaints": 2},
                      "extra": {"tags": ["vip"]}});
    let good_text = good.to_string();
    let mut ok = 0;
    for round in 0..4000 {
        let candidate = if round % 2 == 0 {
            mutate_text(&mut rng, &good_text)
        } else {
            let mut v = good.clone();
            for _ in 0..1 + rng.below(3) {
                mutate_value(&mut rng, &mut v);
            }
            v.to_string()
        };
        match e.classify_json(&candidate) {
            Ok(d) => {
                ok += 1;
                let out = d.to_json();
                assert!(serde_json::from_str::<Value>(&out).is_ok());
                assert!(!out.contains("NaN") && !out.contains("inf"), "{out}");
            }
            Err(err) => assert_eq!(err.code(), "invalid_input"),
        }
    }
    assert!(ok > 500, "{ok}");
}

#[test]
fn pathological_inputs_never_panic() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(Engine::new(&deep).is_err());
    let e = engine(&rich_pack());
    assert!(e.classify_json(&deep).is_err());
    let deep_obj = format!("{}1{}", "{\"a\":".repeat(50_000), "}".repeat(50_000));
    assert!(e.classify_json(&deep_obj).is_err());
    // Odd but valid texts.
    for text in [
        "\u{0}",
        "\u{FEFF}\u{200B}",
        "\u{10FFFF}\u{10FFFF}",
        "\n\n\n",
        "，，，。。。",
        "没有没有没有",
        &"1".repeat(499),
    ] {
        let d = classify_text(&e, text);
        assert_eq!(utf16_len(&d.masked_text), utf16_len(text));
    }
    // Far over the limit (500, truncating).
    let d = classify_text(&e, &"报警".repeat(5_000));
    assert_eq!(d.masked_text.chars().count(), 500);
    assert_eq!(d.warnings.len(), 1);
}

#[test]
fn integer_like_dimension_ids_are_rejected() {
    // JSON.parse puts integer-like keys first, which would break byte-identical decisions in JS.
    let p = one_dim(
        json!([{"code": "a", "rules": [{"when": {"terms": ["x"]}}]}]),
        json!({}),
    );
    let mut bad = p.clone();
    bad["dimensions"][0]["id"] = json!("2");
    assert!(problems(&bad)
        .iter()
        .any(|x| x.path == "/dimensions/0/id" && x.message.contains("array index")));
    let mut ok = p;
    ok["dimensions"][0]["id"] = json!("d2");
    assert!(problems(&ok).iter().all(|x| !x.is_error()));
}
