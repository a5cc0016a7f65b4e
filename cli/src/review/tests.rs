//! Tests of `wendu review`'s parts: descriptions and places, the reviews of sample copy, the
//! JSON shape, inputs, the pack check and the evaluation.

use super::eval_set::read_eval;
use super::evaluate::evaluate;
use super::input::{is_jsonl, parse_input, Input};
use super::view::{check_pack, line_col, review, split_description, ProblemOut, Review};
use std::path::Path;
use wendu::{Complaint, Engine};
use wendu_cli::show::utf16_to_byte;

fn engine() -> Engine {
    Engine::new(wendu::REVIEW_PACK).expect("built-in review pack")
}

fn review_text(text: &str) -> Review {
    let e = engine();
    review(&e, &e.describe(), &Complaint::from_text(text)).expect("review")
}

fn problem<'a>(r: &'a Review, code: &str) -> &'a ProblemOut {
    r.problems
        .iter()
        .find(|p| p.code == code)
        .unwrap_or_else(|| panic!("{code} not found in {:?}", r.problems))
}

#[test]
fn description_splits_at_the_reference_marker() {
    assert_eq!(
        split_description(Some("查什么。依据：某办法。")),
        (Some("查什么。".into()), Some("某办法。".into()))
    );
    assert_eq!(
        split_description(Some("只有说明")),
        (Some("只有说明".into()), None)
    );
    assert_eq!(split_description(Some("  ")), (None, None));
    assert_eq!(split_description(None), (None, None));
}

#[test]
fn line_and_column_count_characters_per_line() {
    let t = "第一行\n第二行保本";
    let b = utf16_to_byte(t, 7); // 保 is the 8th UTF-16 unit (after 3 + \n + 3)
    assert_eq!(t.get(b..), Some("保本"));
    assert_eq!(line_col(t, b), (2, 4));
    // An emoji is two UTF-16 units but one column.
    let t = "😀保本";
    let b = utf16_to_byte(t, 2);
    assert_eq!(t.get(b..), Some("保本"));
    assert_eq!(line_col(t, b), (1, 2));
}

#[test]
fn a_promise_of_capital_is_rejected_with_its_words_and_place() {
    let r =
        review_text("稳健理财，保本保收益，年化收益率4.5%。\n理财非存款、产品有风险、投资须谨慎。");
    assert_eq!(r.result.level, "reject");
    assert_eq!(r.result.name, "不通过");
    // Most serious first.
    assert_eq!(
        r.problems.first().map(|p| p.code.as_str()),
        Some("R-GUARANTEE")
    );
    let g = problem(&r, "R-GUARANTEE");
    assert_eq!(g.level.as_deref(), Some("reject"));
    assert_eq!(
        g.spans.len(),
        1,
        "保本 inside 保本保收益 is merged: {:?}",
        g.spans
    );
    let s = &g.spans[0];
    assert_eq!(
        (s.field, s.line, s.col, s.text.as_str()),
        ("text", 1, 6, "保本保收益")
    );
    assert_eq!((s.start, s.end), (5, 10));
    assert!(g
        .reference
        .as_deref()
        .unwrap_or("")
        .contains("银发〔2018〕106号"));
    assert!(g.advice.as_deref().unwrap_or("").contains("删除"));
    // The risk statement is present on line 2, so no missing-risk problem.
    assert!(r.problems.iter().all(|p| p.code != "R-RISK-MISSING"));
    assert!(r.product.iter().any(|p| p.code == "invest"));
}

#[test]
fn a_missing_annualised_rate_is_revise_and_points_at_the_price() {
    let r = review_text("XX贷，日息低至0.02%，\n借1万每天只需2元！");
    assert_eq!(r.result.level, "revise");
    assert_eq!(r.result.name, "修改后通过");
    let p = problem(&r, "R-LOAN-APR");
    let at: Vec<(usize, usize, &str)> = p
        .spans
        .iter()
        .map(|s| (s.line, s.col, s.text.as_str()))
        .collect();
    assert!(at.contains(&(1, 5, "日息")), "{at:?}");
    assert!(
        at.iter().any(|&(l, _, t)| l == 2 && t.contains("每天只需")),
        "{at:?}"
    );
}

#[test]
fn clean_copy_and_near_misses_pass() {
    for text in [
        "个人消费贷款，年化利率（单利）3.6%起，具体以审批为准。",
        "本行存款受《存款保险条例》保护，三年期定期存款年利率2.35%。",
        "本产品不保本，业绩比较基准（年化）3%-3.5%。理财非存款、产品有风险、投资须谨慎。",
        "請認準本行唯一官方客服熱線９５５８８。",
    ] {
        let r = review_text(text);
        assert_eq!(r.result.level, "pass", "{text}: {:?}", r.problems);
        assert!(r.problems.is_empty());
    }
}

#[test]
fn json_has_a_fixed_shape() {
    let r = review_text("零风险理财，最后3天！");
    let v: serde_json::Value = serde_json::from_str(&r.to_json()).expect("json");
    let keys: Vec<&str> = v
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    // serde_json without preserve_order sorts keys: check the set, then the raw order.
    for k in ["id", "pack", "result", "product", "problems", "warnings"] {
        assert!(keys.contains(&k), "{keys:?}");
    }
    let raw = r.to_json();
    let pos = |k: &str| raw.find(&format!("\"{k}\":")).expect(k);
    assert!(
        pos("id") < pos("pack") && pos("pack") < pos("result") && pos("result") < pos("product")
    );
    assert!(pos("product") < pos("problems") && pos("problems") < pos("warnings"));
    assert_eq!(v["result"]["level"], "reject");
    let p0 = &v["problems"][0];
    for k in [
        "code",
        "name",
        "level",
        "points",
        "checks",
        "reference",
        "advice",
        "spans",
    ] {
        assert!(p0.get(k).is_some(), "problem lacks {k}: {p0}");
    }
    for k in ["field", "start", "end", "line", "col", "text"] {
        assert!(p0["spans"][0].get(k).is_some(), "span lacks {k}");
    }
    assert!(v.get("masked_text").is_none());
}

#[test]
fn inputs_are_told_apart_and_bad_ones_are_errors() {
    assert_eq!(parse_input(None), Ok(Input::Stdin));
    assert_eq!(parse_input(Some("-")), Ok(Input::Stdin));
    assert_eq!(
        parse_input(Some("保本理财")),
        Ok(Input::Literal("保本理财".into()))
    );
    assert_eq!(
        parse_input(Some("稳赚 100%兑付")),
        Ok(Input::Literal("稳赚 100%兑付".into()))
    );
    assert!(parse_input(Some("copy.txt"))
        .unwrap_err()
        .contains("no such file"));
    assert!(parse_input(Some("drafts/copy"))
        .unwrap_err()
        .contains("no such file"));
    assert!(parse_input(Some("  ")).is_err());
    assert!(parse_input(Some(".")).unwrap_err().contains("directory"));
    let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml");
    assert_eq!(
        parse_input(Some(manifest)),
        Ok(Input::File(manifest.into()))
    );
    assert!(is_jsonl(Some(Path::new("a.jsonl")), "保本"));
    assert!(is_jsonl(None, "  {\"text\": \"x\"}"));
    assert!(!is_jsonl(Some(Path::new("a.txt")), "保本"));
}

#[test]
fn a_pack_without_problems_is_refused() {
    let e = Engine::default_pack().expect("default pack");
    let err = check_pack(&e.describe()).unwrap_err();
    assert!(err.contains("no `problem` dimension"), "{err}");
}

#[test]
fn evaluation_counts_hits_misses_and_extras() {
    let e = engine();
    let desc = e.describe();
    let set = read_eval(
        concat!(
            r#"{"id": "a", "text": "保本理财", "problems": ["R-GUARANTEE"], "result": "reject"}"#,
            "\n\n",
            r#"{"id": "b", "text": "限时抢购理财", "problems": ["R-ABSOLUTE"], "result": "revise"}"#,
            "\n",
            r#"{"id": "c", "text": "手机银行新版上线", "problems": [], "result": "pass"}"#,
        ),
        &desc,
    )
    .expect("valid set");
    let r = evaluate(&e, &desc, &set).expect("evaluation");
    let score = |c: &str| r.rules.iter().find(|s| s.code == c).expect(c).clone();
    let g = score("R-GUARANTEE");
    assert_eq!((g.tp, g.fp, g.r#fn), (1, 0, 0));
    assert_eq!(g.precision, Some(1.0));
    let a = score("R-ABSOLUTE");
    assert_eq!(
        (a.tp, a.fp, a.r#fn, a.precision, a.recall),
        (0, 0, 1, None, Some(0.0))
    );
    let p = score("R-PRESSURE");
    assert_eq!((p.tp, p.fp, p.r#fn, p.recall), (0, 1, 0, None));
    assert_eq!((r.pieces, r.result_correct, r.exact), (3, 3, 2));
    assert_eq!(r.mismatches.len(), 1);
    assert_eq!(r.mismatches[0].missed, vec!["R-ABSOLUTE".to_string()]);
    assert_eq!(r.mismatches[0].extra, vec!["R-PRESSURE".to_string()]);
    let reject = r
        .levels
        .iter()
        .position(|l| l == "reject")
        .expect("reject level");
    assert_eq!(r.confusion[reject][reject], 1);
}

#[test]
fn evaluation_files_with_typos_are_errors() {
    let desc = engine().describe();
    let bad = [
        (
            r#"{"id": "x", "text": "t", "problems": ["R-GUARANTE"], "result": "reject"}"#,
            "unknown problem code R-GUARANTE",
        ),
        (
            r#"{"id": "x", "text": "t", "problems": [], "result": "ok"}"#,
            "unknown result ok",
        ),
        (
            r#"{"id": "x", "text": "t", "result": "pass"}"#,
            "`problems`",
        ),
        (r#"{"id": "x", "text": "t", "problems": []}"#, "`result`"),
        ("not json", "not JSON"),
        ("", "no labelled copy"),
    ];
    for (line, want) in bad {
        let err = read_eval(line, &desc).unwrap_err();
        assert!(err.contains(want), "{line}: {err}");
    }
}
