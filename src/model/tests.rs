//! Tests of the model as a whole: format round trips, located validation problems, determinism,
//! explanations, and training on small fixtures written for these tests.

use super::train::{self, Config, Corpus, Example};
use super::*;
use serde_json::{json, Value};

/// Two classes with distinct vocabularies (fees vs collection), plus texts of neither.
const FEES: &[&str] = &[
    "年费太高了乱收费",
    "手续费不合理要求退费",
    "利息太高收费不透明",
    "乱收年费还有手续费",
    "服务费收费太高了",
    "收取高额手续费和利息",
    "违规收费要求退还年费",
    "利息和服务费太高",
];
const COLLECTION: &[&str] = &[
    "催收电话骚扰家人",
    "暴力催收威胁我",
    "催收打电话给我同事",
    "每天催收骚扰我的家人",
    "催收人员威胁恐吓",
    "爆通讯录催收骚扰",
    "催收短信威胁家人同事",
    "恶意催收一天打几十个电话",
];
const OTHER: &[&str] = &[
    "我想查询一下网点地址",
    "请问营业时间",
    "天气不错",
    "网点在哪里",
];

fn labels() -> Vec<String> {
    vec!["fee".to_string(), "collection".to_string()]
}

fn examples() -> Vec<Example<'static>> {
    let mut out = Vec::new();
    for (texts, label) in [(FEES, Some(0)), (COLLECTION, Some(1)), (OTHER, None)] {
        for t in texts {
            out.push(Example {
                text: t,
                label,
                key: train::row_key(t, 7),
            });
        }
    }
    out
}

fn config() -> Config {
    Config {
        features: 200,
        min_df: 1,
        l2: 1e-3,
        folds: 2,
        calibration_folds: 2,
        ..Config::chinese("reason", "reason")
    }
}

fn trained() -> Model {
    let ex = examples();
    let corpus = Corpus::new(&ex, config().ngrams);
    let rows: Vec<usize> = (0..ex.len()).collect();
    match train::fit(&corpus, &rows, &labels(), true, &config()) {
        Ok(m) => m,
        Err(e) => panic!("training failed: {e}"),
    }
}

fn probs(m: &Model, text: &str) -> Vec<f64> {
    let mut out = Vec::new();
    m.score(text, &mut out);
    out
}

#[test]
fn a_tiny_fixture_trains_a_model_that_separates_two_classes() {
    let m = trained();
    // Texts not in the training data, made of each class's words.
    let fee = probs(&m, "这个年费和手续费太高");
    let col = probs(&m, "催收天天骚扰威胁");
    assert!(fee[0] > 0.5 && fee[0] > fee[1], "fee text: {fee:?}");
    assert!(col[1] > 0.5 && col[1] > col[0], "collection text: {col:?}");
    // A text of neither class leans to neither.
    let none = probs(&m, "营业时间");
    assert!(none[0] < 0.5 && none[1] < 0.5, "other text: {none:?}");
}

#[test]
fn training_is_deterministic_to_the_byte() {
    let a = serde_json::to_string(&trained().to_value()).unwrap_or_default();
    let b = serde_json::to_string(&trained().to_value()).unwrap_or_default();
    assert!(!a.is_empty());
    assert_eq!(a, b);
    // And the cross-validation too.
    let ex = examples();
    let corpus = Corpus::new(&ex, config().ngrams);
    let x = train::learn(&corpus, &labels(), true, &config());
    let y = train::learn(&corpus, &labels(), true, &config());
    match (x, y) {
        (Ok(x), Ok(y)) => {
            assert_eq!(x.cv, y.cv);
            assert_eq!(x.model, y.model);
        }
        _ => panic!("learn failed"),
    }
}

#[test]
fn the_json_form_round_trips_and_scores_identically() {
    let m = trained();
    let v = m.to_value();
    let back = match Model::from_value(&v, "/models/0") {
        Ok(b) => b,
        Err(p) => panic!("{p:?}"),
    };
    assert_eq!(back, m);
    assert_eq!(back.to_value(), v);
    // Through text as well, as a pack file is.
    let text = serde_json::to_string(&v).unwrap_or_default();
    let parsed: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    let again = match Model::from_value(&parsed, "") {
        Ok(b) => b,
        Err(p) => panic!("{p:?}"),
    };
    for t in ["年费太高", "催收骚扰", "", "无关的话", "年费\n催收"] {
        let (a, b) = (probs(&m, t), probs(&again, t));
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&a), bits(&b), "{t}");
    }
}

#[test]
fn scoring_is_deterministic_and_bounded() {
    let m = trained();
    let a = probs(&m, "年费太高，催收还骚扰我");
    let b = probs(&m, "年费太高，催收还骚扰我");
    assert_eq!(a, b);
    assert!(a.iter().all(|p| (0.0..=1.0).contains(p)));
    assert_eq!(a.len(), 2);
    // No known n-gram at all: the biases alone decide, still valid probabilities.
    let e = probs(&m, "");
    assert!(e.iter().all(|p| (0.0..=1.0).contains(p)));
}

#[test]
fn a_huge_hostile_text_scores_fast() {
    let m = trained();
    let text = "催收年费".repeat(100_000);
    let start = std::time::Instant::now();
    let p = probs(&m, &text);
    assert!(p.iter().all(|x| x.is_finite()));
    // Generous bound for a loaded debug build; release takes a few milliseconds.
    assert!(start.elapsed().as_secs() < 5);
}

#[test]
fn explanations_point_at_the_ngrams_that_raised_the_label() {
    let m = trained();
    let text = "营业时间之后催收打电话骚扰";
    let c = m.explain(text, 1, 3);
    assert!(!c.is_empty());
    for x in &c {
        // The span is exactly the n-gram, in the normalised text.
        assert_eq!(text.get(x.start..x.end), Some(x.ngram.as_str()));
        assert!(x.weight > 0.0);
    }
    // Best first.
    assert!(c.windows(2).all(|w| w[0].weight >= w[1].weight));
    // Collection words explain collection; no n-gram of 营业时间 does.
    assert!(c
        .iter()
        .any(|x| x.ngram.contains('催') || x.ngram.contains('骚')));
    assert!(c.iter().all(|x| x.start >= "营业时间之后".len()));
    // Out-of-range label or top = 0: nothing.
    assert!(m.explain(text, 2, 3).is_empty());
    assert!(m.explain(text, 1, 0).is_empty());
    // One walk for probabilities and several explanations: the same as one at a time.
    let a = m.analyze("年费太高还催收骚扰");
    assert_eq!(
        a.probabilities(),
        probs(&m, "年费太高还催收骚扰").as_slice()
    );
    let both = [a.explain(1, 4), a.explain(0, 4), a.explain(9, 4)];
    assert_eq!(both[0], m.explain("年费太高还催收骚扰", 1, 4));
    assert_eq!(both[1], m.explain("年费太高还催收骚扰", 0, 4));
    assert!(both[2].is_empty());
    // The fee words explain the fee label, the collection words the collection label.
    assert!(
        both[1].iter().any(|x| x.ngram.contains('费')),
        "{:?}",
        both[1]
    );
    assert!(
        both[0].iter().all(|x| !x.ngram.contains('费')),
        "{:?}",
        both[0]
    );
}

fn problems_of(v: &Value) -> Vec<(String, String)> {
    match Model::from_value(v, "/models/3") {
        Ok(_) => Vec::new(),
        Err(ps) => ps.into_iter().map(|p| (p.path, p.message)).collect(),
    }
}

#[test]
fn validation_reports_every_problem_with_its_pointer() {
    let mut v = trained().to_value();
    v["features"] = json!({"kind": "bytes", "min": 0, "max": 3});
    v["labels"] = json!(["a", "a"]);
    v["bias_e6"] = json!([1, "x"]);
    v["platt_e6"] = json!([[1, 2], [3]]);
    v["extra"] = json!(1);
    let ps = problems_of(&v);
    let paths: Vec<&str> = ps.iter().map(|p| p.0.as_str()).collect();
    for want in [
        "/models/3/extra",
        "/models/3/features/kind",
        "/models/3/features/min",
        "/models/3/labels/1",
        "/models/3/bias_e6/1",
        "/models/3/platt_e6/1",
    ] {
        assert!(paths.contains(&want), "{want} not in {ps:?}");
    }
}

#[test]
fn validation_checks_the_vocabulary_and_the_weights() {
    let good = trained().to_value();
    // Unsorted, duplicate and out-of-range entries.
    let mut v = good.clone();
    v["vocabulary"] = json!("b\na\na\nabcd\n");
    let ps = problems_of(&v);
    assert!(ps.iter().all(|p| p.0 == "/models/3/vocabulary"), "{ps:?}");
    let all = ps
        .iter()
        .map(|p| p.1.clone())
        .collect::<Vec<_>>()
        .join(" | ");
    assert!(
        all.contains("entry 1") && all.contains("entry 3") && all.contains("entry 4"),
        "{all}"
    );
    // Weights of the wrong length, and bad base64 of the right length.
    let mut v = good.clone();
    v["weights"] = json!("AAAA");
    assert_eq!(
        problems_of(&v).first().map(|p| p.0.as_str()),
        Some("/models/3/weights")
    );
    let mut v = good.clone();
    let len = v["weights"].as_str().map_or(0, str::len);
    v["weights"] = json!("!".repeat(len));
    let ps = problems_of(&v);
    assert!(
        ps.iter()
            .any(|p| p.0 == "/models/3/weights" && p.1.contains("invalid base64")),
        "{ps:?}"
    );
    // Word vocabularies must be words.
    let mut v = good;
    v["features"] = json!({"kind": "words", "min": 1, "max": 2});
    v["vocabulary"] = json!("a  b");
    assert!(problems_of(&v)
        .iter()
        .any(|p| p.1.contains("single spaces")));
}

#[test]
fn validation_never_panics_on_hostile_values() {
    let good = trained().to_value();
    let keys = [
        "id",
        "dimension",
        "features",
        "labels",
        "rest",
        "vocabulary",
        "weights",
        "scale_e6",
        "bias_e6",
        "platt_e6",
        "training",
    ];
    let hostile = [
        json!(null),
        json!(-1),
        json!(1e308),
        json!("x"),
        json!([]),
        json!({}),
        json!([[[]]]),
        json!(u64::MAX),
        json!("\n\n\n"),
        json!("===="),
    ];
    for key in keys {
        for h in &hostile {
            let mut v = good.clone();
            v[key] = h.clone();
            // Either valid or located problems; never a panic.
            if let Err(ps) = Model::from_value(&v, "") {
                assert!(!ps.is_empty());
            }
        }
    }
    assert!(Model::from_value(&json!([]), "/m").is_err());
    // A vocabulary too long is refused before it is split.
    let mut v = good;
    v["vocabulary"] = json!("a".repeat(format::MAX_VOCABULARY_BYTES + 1));
    assert!(problems_of(&v)
        .iter()
        .any(|p| p.0 == "/models/3/vocabulary"));
}

#[test]
fn base64_round_trips_and_rejects_garbage() {
    for n in 0..10 {
        let bytes: Vec<u8> = (0..n).map(|i| (i * 37 + 200) as u8).collect();
        let s = base64::base64_encode(&bytes);
        assert_eq!(base64::base64_decode(&s), Ok(bytes));
    }
    assert_eq!(base64::base64_encode(b"wendu"), "d2VuZHU=");
    assert!(base64::base64_decode("d2VuZHU").is_err());
    assert!(base64::base64_decode("d2=uZHU=").is_err());
    assert!(base64::base64_decode("d2VuZH==").is_ok());
    assert!(base64::base64_decode("d=VuZHU=").is_err());
}

#[test]
fn platt_scaling_recovers_a_known_calibration() {
    // Outcomes drawn deterministically with probability σ(2s − 1).
    let mut scores = Vec::new();
    let mut outcomes = Vec::new();
    let mut state = 12345u64;
    for i in 0..4000 {
        let s = (i % 200) as f64 / 40.0 - 2.5;
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let u = (state >> 11) as f64 / (1u64 << 53) as f64;
        scores.push(s);
        outcomes.push(u < math::sigmoid(2.0 * s - 1.0));
    }
    let (a, b) = train::fit_platt(&scores, &outcomes);
    assert!(
        (a - 2.0).abs() < 0.25 && (b + 1.0).abs() < 0.2,
        "a {a} b {b}"
    );
}

#[test]
fn an_english_word_model_trains_scores_and_explains() {
    let texts: &[(&str, Option<usize>)] = &[
        ("the late fee on my credit card was charged twice", Some(0)),
        ("credit card interest rate raised without notice", Some(0)),
        ("annual fee on the card was not disclosed", Some(0)),
        ("my credit card statement shows a late fee", Some(0)),
        ("the mortgage servicer lost my escrow payment", Some(1)),
        ("mortgage modification denied by the servicer", Some(1)),
        ("escrow shortage on my mortgage after refinance", Some(1)),
        ("the servicer foreclosed on my mortgage", Some(1)),
    ];
    let ex: Vec<Example> = texts
        .iter()
        .map(|(t, l)| Example {
            text: t,
            label: *l,
            key: train::row_key(t, 1),
        })
        .collect();
    let cfg = Config {
        features: 100,
        min_df: 1,
        l2: 1e-3,
        idf: false,
        ..Config::english("product", "product")
    };
    let corpus = Corpus::new(&ex, cfg.ngrams);
    let rows: Vec<usize> = (0..ex.len()).collect();
    let m = match train::fit(
        &corpus,
        &rows,
        &["card".into(), "mortgage".into()],
        false,
        &cfg,
    ) {
        Ok(m) => m,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(m.ngrams().kind, NgramKind::Words);
    // Binary features (no idf) round-trip too.
    let v = m.to_value();
    assert!(v.get("idf").is_none());
    assert_eq!(Model::from_value(&v, ""), Ok(m.clone()));
    let text = "my mortgage servicer, again; and the escrow";
    let p = probs(&m, text);
    assert!(p[1] > p[0], "{p:?}");
    let c = m.explain(text, 1, 3);
    assert!(!c.is_empty());
    for x in &c {
        // Word n-grams: the span covers the words, whatever separated them in the text.
        let span = text.get(x.start..x.end).unwrap_or("");
        let words: Vec<&str> = span
            .split(|ch: char| !ch.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect();
        assert_eq!(words.join(" "), x.ngram, "{x:?}");
    }
}

#[test]
fn scoring_survives_odd_text() {
    let m = trained();
    for t in [
        "\n\n\n",
        "😀年费😀催收😀",
        "\u{0}\u{ffff}\u{10ffff}",
        "年\n费\n催\n收",
        &"费".repeat(10_000),
        &"\n".repeat(10_000),
    ] {
        let p = probs(&m, t);
        assert!(p.iter().all(|x| (0.0..=1.0).contains(x)), "{t:?}: {p:?}");
        let a = m.analyze(t);
        for l in 0..2 {
            for c in a.explain(l, 5) {
                assert_eq!(t.get(c.start..c.end), Some(c.ngram.as_str()));
            }
        }
    }
}

/// Scoring through the derived rows (weights × value in lanes) and label by label gives the same
/// bits — also for a model with more labels than a row holds, which always goes label by label —
/// and reusing the scratch from one text to the next changes nothing.
#[test]
fn rows_and_label_by_label_score_the_same_bits() {
    let m = trained();
    assert!(!m.rows.0.is_empty());
    let plain = Model {
        rows: Rows::default(),
        ..m.clone()
    };
    // Ten labels: the same features with the weights repeated and varied.
    let nl = 10;
    let weights: Vec<i8> = (0..m.features() * nl)
        .map(|i| m.weights[(i / nl) * 2 + i % 2].wrapping_add((i % 7) as i8 * 9))
        .collect();
    let wide = Model {
        labels: (0..nl).map(|l| format!("L{l}")).collect(),
        rows: Rows::new(&weights, m.idf.as_deref(), nl),
        weights,
        scale_e6: vec![m.scale_e6[0]; nl],
        bias_e6: vec![m.bias_e6[1]; nl],
        platt_e6: vec![m.platt_e6[0]; nl],
        ..m.clone()
    };
    assert!(wide.rows.0.is_empty());
    let mut seen = Seen::default();
    let mut wide_seen = Seen::default();
    let mut out = Vec::new();
    for text in FEES
        .iter()
        .chain(COLLECTION)
        .chain(OTHER)
        .chain(&["", "年费年费年费"])
    {
        let bits = |p: Vec<f64>| p.iter().map(|x| x.to_bits()).collect::<Vec<u64>>();
        let want = bits(probs(&plain, text));
        assert_eq!(bits(probs(&m, text)), want, "{text}");
        m.score_with(text, &mut seen, &mut out);
        assert_eq!(bits(out.clone()), want, "{text}, scratch reused");
        let wide_want = bits(probs(&wide, text));
        wide.score_with(text, &mut wide_seen, &mut out);
        assert_eq!(bits(out.clone()), wide_want, "{text}, ten labels");
    }
}
