//! Normalisation, evidence offsets and negation, through the public API: spans are UTF-16 code
//! units into the ORIGINAL field, quoted text is the customer's own words, and negated terms are
//! listed under `negated` (docs/pack-format.md "settings", docs/decision-format.md "Spans").

mod common;

use common::*;
use serde_json::{json, Value};
use wendu::{normalize_str, NormalizeOptions};

fn term_engine(terms: Value, extra: Value) -> wendu::Engine {
    engine(&cond_pack(json!({ "terms": terms }), extra))
}

/// The first evidence item of the first label of dimension `d`.
fn first_evidence(d: &wendu::Decision) -> Value {
    json_of(d)["labels"]["d"][0]["rules"][0]["evidence"][0].clone()
}

fn span_of(ev: &Value) -> [usize; 2] {
    [
        ev["span"][0].as_u64().unwrap() as usize,
        ev["span"][1].as_u64().unwrap() as usize,
    ]
}

// ---------------------------------------------------------------- normalisation

#[test]
fn normalize_str_chinese_defaults() {
    let o = NormalizeOptions::CHINESE;
    assert_eq!(normalize_str("ＡＢＣ１２３", &o), "abc123");
    assert_eq!(normalize_str("銀行卡被盜刷", &o), "银行卡被盗刷");
    assert_eq!(normalize_str("信 用\t卡", &o), "信用卡");
    assert_eq!(normalize_str("APP  Login 失败", &o), "app login失败");
    assert_eq!(normalize_str("我，没有！", &o), "我,没有!");
    // Punctuation is kept by default (it limits negation).
    assert_eq!(normalize_str("盗刷。了", &o), "盗刷。了");
}

#[test]
fn normalize_str_english_defaults() {
    let o = NormalizeOptions::ENGLISH;
    assert_eq!(
        normalize_str("  The  FEE\twas ＨＩＧＨ ", &o),
        "the fee was high"
    );
    assert_eq!(normalize_str("銀行", &o), "銀行");
}

#[test]
fn fullwidth_input_matches_ascii_terms_and_quotes_the_original() {
    let e = term_engine(json!(["atm"]), json!({}));
    let text = "ＡＴＭ机吞卡";
    let d = classify_text(&e, text);
    let ev = first_evidence(&d);
    assert_eq!(ev["term"], "atm");
    assert_eq!(ev["text"], "ＡＴＭ");
    assert_eq!(ev["span"], json!([0, 3]));
    assert_eq!(utf16_slice(text, span_of(&ev)), "ＡＴＭ");
}

#[test]
fn case_folding() {
    let e = term_engine(json!(["App"]), json!({}));
    let d = classify_text(&e, "登录APP失败");
    let ev = first_evidence(&d);
    assert_eq!(ev["term"], "app");
    assert_eq!(ev["text"], "APP");
    // Case folding off: only the exact case matches.
    let e = term_engine(
        json!(["APP"]),
        json!({"settings": {"normalize": {"case_fold": false}}}),
    );
    assert_eq!(codes(&classify_text(&e, "登录APP失败"), "d"), ["hit"]);
    assert_eq!(codes(&classify_text(&e, "登录app失败"), "d"), ["other"]);
}

#[test]
fn traditional_to_simplified_both_ways() {
    let e = term_engine(json!(["银行卡", "盜刷"]), json!({}));
    let d = classify_text(&e, "我的銀行卡被盗刷");
    let evs = json_of(&d)["labels"]["d"][0]["rules"][0]["evidence"].clone();
    assert_eq!(evs[0]["term"], "银行卡");
    assert_eq!(evs[0]["text"], "銀行卡");
    assert_eq!(evs[1]["term"], "盗刷");
    assert_eq!(evs[1]["text"], "盗刷");
    // Off: no conversion.
    let e = term_engine(
        json!(["银行卡"]),
        json!({"settings": {"normalize": {"traditional": false}}}),
    );
    assert_eq!(codes(&classify_text(&e, "銀行卡"), "d"), ["other"]);
}

#[test]
fn spaces_are_stripped_in_chinese_and_the_span_covers_them() {
    let e = term_engine(json!(["信用卡"]), json!({}));
    let text = "我的信 用  卡丢了";
    let ev = first_evidence(&classify_text(&e, text));
    assert_eq!(ev["text"], "信 用  卡");
    assert_eq!(ev["span"], json!([2, 8]));
    // Ideographic space too.
    let ev = first_evidence(&classify_text(&e, "信\u{3000}用卡"));
    assert_eq!(ev["text"], "信\u{3000}用卡");
}

#[test]
fn spaces_between_ascii_words_are_kept() {
    let e = term_engine(json!(["card fee"]), json!({}));
    assert_eq!(codes(&classify_text(&e, "the CARD   fee"), "d"), ["hit"]);
    assert_eq!(codes(&classify_text(&e, "the cardfee"), "d"), ["other"]);
    // strip_spaces off (kept but collapsed): Chinese split by a space no longer matches.
    let e = term_engine(
        json!(["信用卡"]),
        json!({"settings": {"normalize": {"strip_spaces": false}}}),
    );
    assert_eq!(codes(&classify_text(&e, "信 用卡"), "d"), ["other"]);
    assert_eq!(codes(&classify_text(&e, "信用卡"), "d"), ["hit"]);
}

#[test]
fn strip_punctuation_option() {
    let e = term_engine(
        json!(["盗刷"]),
        json!({"settings": {"normalize": {"strip_punctuation": true}}}),
    );
    let d = classify_text(&e, "被盗，刷了");
    assert_eq!(first_evidence(&d)["text"], "盗，刷");
    let e = term_engine(json!(["盗刷"]), json!({}));
    assert_eq!(codes(&classify_text(&e, "被盗，刷了"), "d"), ["other"]);
}

#[test]
fn english_locale_defaults() {
    let p = cond_pack(
        json!({"terms": ["late fee"]}),
        json!({"pack": {"id": "en", "version": "1", "locale": "en-US"}}),
    );
    let e = engine(&p);
    assert_eq!(
        codes(&classify_text(&e, "A LATE   FEE was charged"), "d"),
        ["hit"]
    );
    assert_eq!(codes(&classify_text(&e, "a latefee"), "d"), ["other"]);
}

// ---------------------------------------------------------------- spans

#[test]
fn spans_count_utf16_units_of_the_original() {
    let e = term_engine(json!(["盗刷"]), json!({}));
    // Two emoji (2 units each) and two full-width letters (1 unit each) before the match.
    let text = "😀😀ＡＢ盗刷";
    let ev = first_evidence(&classify_text(&e, text));
    assert_eq!(ev["span"], json!([6, 8]));
    assert_eq!(utf16_slice(text, span_of(&ev)), "盗刷");
    // Spaces, traditional characters and astral CJK before the match.
    let text = "𠮷 銀 行 🧧 ａｂｃ 盗刷";
    let ev = first_evidence(&classify_text(&e, text));
    assert_eq!(utf16_slice(text, span_of(&ev)), "盗刷");
    assert_eq!(ev["text"], "盗刷");
}

#[test]
fn spans_of_every_evidence_item_slice_back_to_its_text() {
    let p = one_dim(
        json!([
            {"code": "a", "rules": [{"when": {"terms": ["年费", "atm", "refund*"]}}]},
            {"code": "b", "rules": [{"when": {"regex": "逾期\\d+天"}}]}
        ]),
        json!({}),
    );
    let e = engine(&p);
    let text = "🎉Ａｔｍ 扣了年 费😀，還說 逾期 １２ 天，Refunds？";
    let d = classify_text(&e, text);
    let j = json_of(&d);
    let mut n = 0;
    for l in j["labels"]["d"].as_array().unwrap() {
        for r in l["rules"].as_array().unwrap() {
            for ev in r["evidence"].as_array().unwrap() {
                assert_eq!(utf16_slice(text, span_of(ev)), ev["text"].as_str().unwrap());
                n += 1;
            }
        }
    }
    assert_eq!(n, 4, "{j}");
}

#[test]
fn title_and_text_are_separate_fields() {
    let e = term_engine(json!(["年费", "盗刷"]), json!({}));
    let d = classify(&e, &json!({"title": "😀年费问题", "text": "卡被盗刷"}));
    let evs = json_of(&d)["labels"]["d"][0]["rules"][0]["evidence"].clone();
    assert_eq!(evs[0]["field"], "title");
    assert_eq!(evs[0]["span"], json!([2, 4]));
    assert_eq!(evs[1]["field"], "text");
    assert_eq!(evs[1]["span"], json!([2, 4]));
    let j = json_of(&d);
    assert_eq!(j["masked_title"], "😀年费问题");
    // A term never spans the title/text boundary.
    let e = term_engine(json!(["问题卡"]), json!({}));
    let d = classify(&e, &json!({"title": "年费问题", "text": "卡被盗刷"}));
    assert_eq!(codes(&d, "d"), ["other"]);
    // masked_title is absent without a title.
    assert!(json_of(&classify_text(&e, "x"))
        .get("masked_title")
        .is_none());
}

// ---------------------------------------------------------------- negation

fn police() -> wendu::Engine {
    term_engine(json!(["报警"]), json!({}))
}

#[test]
fn a_negated_term_does_not_count_and_is_listed() {
    let e = police();
    let d = classify_text(&e, "我没有报警");
    assert_eq!(codes(&d, "d"), ["other"]);
    assert_eq!(
        json_of(&d)["negated"],
        json!([{"term": "报警", "cue": "没有", "field": "text", "span": [3, 5]}])
    );
    let d = classify_text(&e, "我已经报警");
    assert_eq!(codes(&d, "d"), ["hit"]);
    assert_eq!(json_of(&d)["negated"], json!([]));
}

#[test]
fn one_negated_and_one_plain_occurrence_still_counts() {
    let e = police();
    let d = classify_text(&e, "我没有报警，但是家人报警了");
    assert_eq!(codes(&d, "d"), ["hit"]);
    let j = json_of(&d);
    assert_eq!(j["negated"].as_array().unwrap().len(), 1);
    assert_eq!(
        j["labels"]["d"][0]["rules"][0]["evidence"],
        json!([{"kind": "term", "term": "报警", "field": "text", "span": [10, 12], "text": "报警"}])
    );
}

#[test]
fn negation_window_edges() {
    let e = police();
    // Default zh window 3: up to three characters between cue and term.
    assert_eq!(codes(&classify_text(&e, "没有去报警"), "d"), ["other"]);
    assert_eq!(codes(&classify_text(&e, "没有打算去报警"), "d"), ["other"]);
    assert_eq!(
        codes(&classify_text(&e, "没有真的打算去报警"), "d"),
        ["hit"]
    );
    // Spaces do not count (they are stripped first).
    assert_eq!(
        codes(&classify_text(&e, "没有 打 算 去 报警"), "d"),
        ["other"]
    );
    // A custom window.
    let e = term_engine(
        json!(["报警"]),
        json!({"settings": {"negation": {"cues": ["没有"], "window": 0}}}),
    );
    assert_eq!(codes(&classify_text(&e, "没有报警"), "d"), ["other"]);
    assert_eq!(codes(&classify_text(&e, "没有去报警"), "d"), ["hit"]);
}

#[test]
fn clause_punctuation_stops_negation() {
    let e = police();
    for text in [
        "没有，报警",
        "没有。报警",
        "没有！报警",
        "没有？报警",
        "没有；报警",
        "没有：报警",
        "没有,报警",
        "没有.报警",
        "没有!报警",
        "没有?报警",
        "没有;报警",
        "没有:报警",
    ] {
        assert_eq!(codes(&classify_text(&e, text), "d"), ["hit"], "{text}");
    }
    // Other punctuation (quotes, brackets) does not end the clause.
    assert_eq!(codes(&classify_text(&e, "没有“报警"), "d"), ["other"]);
}

#[test]
fn negation_does_not_cross_from_title_to_text() {
    let e = police();
    let d = classify(&e, &json!({"title": "我没有", "text": "报警"}));
    assert_eq!(codes(&d, "d"), ["hit"]);
    // But it works inside the title, and `negated` names the field.
    let d = classify(&e, &json!({"title": "没有报警", "text": "其他"}));
    assert_eq!(codes(&d, "d"), ["other"]);
    assert_eq!(json_of(&d)["negated"][0]["field"], "title");
}

#[test]
fn negation_false_counts_negated_occurrences() {
    let e = engine(&cond_pack(
        json!({"terms": ["报警"], "negation": false}),
        json!({}),
    ));
    assert_eq!(codes(&classify_text(&e, "我没有报警"), "d"), ["hit"]);
}

#[test]
fn default_chinese_cues() {
    let e = police();
    for cue in [
        "没有",
        "没",
        "未",
        "并未",
        "从未",
        "从没",
        "并非",
        "不会",
        "不想",
        "不打算",
        "无需",
        "不用",
    ] {
        let text = format!("我{cue}报警");
        assert_eq!(codes(&classify_text(&e, &text), "d"), ["other"], "{text}");
    }
    // 不要 is no default cue: "不要再报警" style imperatives are complaints, not negations.
    assert_eq!(codes(&classify_text(&e, "我不要报警"), "d"), ["hit"]);
    // A cue inside a word that negates nothing (没收 "confiscate") is ignored.
    assert_eq!(codes(&classify_text(&e, "银行没收报警回执"), "d"), ["hit"]);
    // The cue is found after normalisation too (traditional 沒有).
    let d = classify_text(&e, "我沒有報警");
    assert_eq!(codes(&d, "d"), ["other"]);
    assert_eq!(json_of(&d)["negated"][0]["cue"], "沒有");
}

#[test]
fn custom_cues_replace_the_defaults() {
    let e = term_engine(
        json!(["报警"]),
        json!({"settings": {"negation": {"cues": ["拒绝"]}}}),
    );
    assert_eq!(codes(&classify_text(&e, "拒绝报警"), "d"), ["other"]);
    assert_eq!(codes(&classify_text(&e, "没有报警"), "d"), ["hit"]);
}

#[test]
fn a_cue_inside_a_term_does_not_negate_it() {
    let e = term_engine(
        json!(["不是本人", "没有收到"]),
        json!({"settings": {"negation": {"cues": ["不是", "没有"]}}}),
    );
    let d = classify_text(&e, "交易不是本人操作，钱没有收到");
    assert_eq!(codes(&d, "d"), ["hit"]);
    assert_eq!(json_of(&d)["negated"], json!([]));
}

#[test]
fn english_cues_and_window() {
    let p = |terms: Value| {
        cond_pack(
            json!({ "terms": terms }),
            json!({"pack": {"id": "en", "version": "1", "locale": "en"}}),
        )
    };
    let e = engine(&p(json!(["police"])));
    assert_eq!(
        codes(&classify_text(&e, "I did not call the police"), "d"),
        ["other"]
    );
    assert_eq!(
        codes(&classify_text(&e, "I never told the police"), "d"),
        ["other"]
    );
    assert_eq!(
        codes(&classify_text(&e, "I didn't call police"), "d"),
        ["other"]
    );
    assert_eq!(
        codes(&classify_text(&e, "I called the police"), "d"),
        ["hit"]
    );
    // Window 12: "not" + 13 characters before the term is too far.
    assert_eq!(
        codes(&classify_text(&e, "not abcdefghijkl police"), "d"),
        ["hit"]
    );
    assert_eq!(
        codes(&classify_text(&e, "not abcdefghij police"), "d"),
        ["other"]
    );
    // A cue is a word: "nothing" and "notice" contain no cue.
    assert_eq!(
        codes(&classify_text(&e, "nothing but police"), "d"),
        ["hit"]
    );
    // A comma ends the clause.
    assert_eq!(
        codes(&classify_text(&e, "not me, the police"), "d"),
        ["hit"]
    );
    let d = classify_text(&e, "I did NOT call the police");
    assert_eq!(
        json_of(&d)["negated"],
        json!([{"term": "police", "cue": "NOT", "field": "text", "span": [19, 25]}])
    );
}

#[test]
fn negated_lists_each_occurrence_with_its_span() {
    let e = police();
    let text = "😀没有报警，也未报警";
    let d = classify_text(&e, text);
    let neg = json_of(&d)["negated"].clone();
    assert_eq!(neg.as_array().unwrap().len(), 2, "{neg}");
    assert_eq!(neg[0]["cue"], "没有");
    assert_eq!(neg[1]["cue"], "未");
    for n in neg.as_array().unwrap() {
        assert_eq!(utf16_slice(text, span_of(n)), "报警");
    }
}

#[test]
fn a_regex_never_spans_title_and_text() {
    let e = engine(&cond_pack(json!({"regex": "问题\\s*卡"}), json!({})));
    let d = classify(&e, &json!({"title": "年费问题", "text": "卡被盗刷"}));
    assert_eq!(codes(&d, "d"), ["other"]);
}
