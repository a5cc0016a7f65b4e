//! Tests of `wendu learn`'s parts: the simulation against today's engine on the pack it
//! writes, relearning, a new dimension, and the `--ngrams` option.

use super::args::parse_ngrams;
use super::pack::{ensure_dimension, insert_model, remove_model};
use super::search::LabelPlan;
use crate::combine::{self, Weight};
use crate::labelled::LabelMap;
use serde_json::{json, Value};
use wendu::model::train::{self, Config, Corpus, Example};
use wendu::model::{Model, NgramKind, Ngrams};

const PACK: &str = r#"{
      "pack": {"id": "t", "version": "1"},
      "dimensions": [{
        "id": "reason", "multi": true, "fallback": "other", "exclusive": [["collection", "fee"]],
        "labels": [
          {"code": "fee", "name": "收费", "rules": [{"when": {"terms": ["手续费", "年费"]}, "weight": 0.6}]},
          {"code": "collection", "name": "催收", "rules": [{"when": {"terms": ["催收"]}, "weight": 0.9}]},
          {"code": "other", "name": "其他"}
        ]
      }]
    }"#;

const TEXTS: &[(&str, Option<usize>)] = &[
    ("年费太高乱收费", Some(0)),
    ("手续费不合理", Some(0)),
    ("利息太高收费不透明", Some(0)),
    ("服务费收费太高", Some(0)),
    ("催收骚扰家人", Some(1)),
    ("暴力催收威胁", Some(1)),
    ("打电话骚扰我同事", Some(1)),
    ("威胁恐吓家人", Some(1)),
    ("网点在哪里", None),
    ("营业时间", None),
];

fn model() -> Model {
    let ex: Vec<Example> = TEXTS
        .iter()
        .map(|(t, l)| Example {
            text: t,
            label: *l,
            key: train::row_key(t, 0),
        })
        .collect();
    let cfg = Config {
        features: 100,
        min_df: 1,
        l2: 1e-3,
        ..Config::chinese("reason", "reason")
    };
    let corpus = Corpus::new(&ex, cfg.ngrams);
    let rows: Vec<usize> = (0..ex.len()).collect();
    match train::fit(
        &corpus,
        &rows,
        &["fee".to_string(), "collection".to_string()],
        true,
        &cfg,
    ) {
        Ok(m) => m,
        Err(e) => panic!("{e}"),
    }
}

fn pack_with(plan: &[LabelPlan]) -> Value {
    let mut pack: Value = serde_json::from_str(PACK).unwrap_or(Value::Null);
    let codes = ["fee".to_string(), "collection".to_string()];
    if let Err(e) = insert_model(&mut pack, &model(), plan, "reason", &codes, Some(0.7)) {
        panic!("{e}");
    }
    pack
}

#[test]
fn the_simulation_and_todays_engine_agree_on_the_shadow_pack() {
    let plan = [
        LabelPlan {
            veto: Some((0.2, -1.0)),
            alone: Some((0.6, Weight::Fixed(0.7))),
        },
        LabelPlan {
            veto: None,
            alone: Some((0.5, Weight::Fixed(0.8))),
        },
    ];
    let pack = pack_with(&plan);
    let prep = match combine::prepare(&pack, "reason") {
        Ok(p) => p,
        Err(e) => panic!("{e}"),
    };
    assert!(prep.shadow.is_some(), "{:?}", prep.no_shadow);
    let mut seen = std::collections::BTreeSet::new();
    for text in [
        "年费太高",
        "催收骚扰",
        "年费和催收",
        "手续费在网点",
        "营业时间在哪里",
        "威胁恐吓",
        "收费太高了",
    ] {
        let probs = prep.probabilities(text);
        let complaint = prep.complaint(text, &probs);
        let fired = match prep.raw_fired(&complaint) {
            Ok(f) => f,
            Err(e) => panic!("{e}"),
        };
        let sim = combine::simulate(&prep.dim, &fired, &probs);
        let sim_codes: Vec<String> = sim
            .labels
            .iter()
            .filter_map(|l| prep.dim.codes.get(l.0).cloned())
            .collect();
        let engine: Vec<String> = match prep.shadow_labels(&complaint) {
            Some(Ok(v)) => v.into_iter().map(|x| x.0).collect(),
            other => panic!("{other:?}"),
        };
        assert_eq!(sim_codes, engine, "{text}: probabilities {probs:?}");
        seen.insert(sim_codes.join(","));
    }
    // The cases are not all alike: the model, the rules and the fallback all decide somewhere.
    assert!(seen.len() >= 3, "{seen:?}");
}

#[test]
fn a_partial_veto_or_a_probability_weight_is_simulated_but_has_no_shadow() {
    let plan = [
        LabelPlan {
            veto: Some((0.2, -0.5)),
            alone: None,
        },
        LabelPlan {
            veto: None,
            alone: Some((0.0, Weight::Probability)),
        },
    ];
    let prep = match combine::prepare(&pack_with(&plan), "reason") {
        Ok(p) => p,
        Err(e) => panic!("{e}"),
    };
    assert!(prep.shadow.is_none() && prep.no_shadow.is_some());
    // A probability weight: the label's confidence is the probability itself.
    let probs = prep.probabilities("暴力催收");
    let p = probs.first().and_then(|v| v.get(1)).copied().unwrap_or(0.0);
    let fired = vec![Vec::new(); 3];
    let out = combine::simulate(&prep.dim, &fired, &probs);
    let collection = out.labels.iter().find(|l| l.0 == 1).map(|l| l.1);
    assert_eq!(collection, (p >= 0.5).then_some(p));
}

#[test]
fn relearning_replaces_the_model_and_its_rules() {
    let plan = [LabelPlan {
        veto: Some((0.1, -1.0)),
        alone: Some((0.5, Weight::Fixed(0.7))),
    }; 2];
    let mut pack = pack_with(&plan);
    let rules = |p: &Value| {
        p.pointer("/dimensions/0/labels/0/rules")
            .and_then(Value::as_array)
            .map_or(0, Vec::len)
    };
    assert_eq!(rules(&pack), 3);
    assert_eq!(
        pack.pointer("/dimensions/0/review_below"),
        Some(&json!(0.7))
    );
    if let Err(e) = insert_model(
        &mut pack,
        &model(),
        &plan,
        "reason",
        &["fee".into(), "collection".into()],
        None,
    ) {
        panic!("{e}");
    }
    assert_eq!(rules(&pack), 3);
    assert_eq!(
        pack.get("models").and_then(Value::as_array).map(Vec::len),
        Some(1)
    );
    remove_model(&mut pack, "reason");
    assert_eq!(rules(&pack), 1);
    assert!(pack.get("models").is_none());
}

#[test]
fn a_missing_dimension_is_created_from_the_map() {
    let mut pack: Value = serde_json::from_str(PACK).unwrap_or(Value::Null);
    let map = LabelMap {
        entries: vec![
            ("Mortgage".into(), vec!["mortgage".into()]),
            ("Card".into(), vec!["card".into()]),
        ],
    };
    let codes = vec!["mortgage".to_string(), "card".to_string()];
    assert_eq!(
        ensure_dimension(&mut pack, "product", &map, &codes),
        Ok(true)
    );
    assert_eq!(
        ensure_dimension(&mut pack, "product", &map, &codes),
        Ok(false)
    );
    assert_eq!(
        pack.pointer("/dimensions/1/labels/1/name"),
        Some(&json!("Card"))
    );
    assert_eq!(pack.pointer("/dimensions/1/multi"), Some(&json!(false)));
}

#[test]
fn ngram_options_parse() {
    assert_eq!(
        parse_ngrams("chars:1-3"),
        Ok(Ngrams {
            kind: NgramKind::Chars,
            min: 1,
            max: 3
        })
    );
    assert_eq!(
        parse_ngrams("words:1-2").map(|g| g.kind),
        Ok(NgramKind::Words)
    );
    for bad in ["chars", "chars:0-2", "chars:3-1", "bytes:1-2", "words:1-9"] {
        assert!(parse_ngrams(bad).is_err(), "{bad}");
    }
}
