//! `wendu explain` on the model vector pack (tests/vectors/packs/model.json): what a learned model
//! read is printed apart from the words of hand rules, weights are written like decisions write
//! them, and a decision a person should look at says so.

use std::path::PathBuf;
use std::process::Command;

fn explain(text: &str) -> String {
    let pack = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors/packs/model.json");
    let out = Command::new(env!("CARGO_BIN_EXE_wendu"))
        .args(["explain", "--pack", pack.to_str().unwrap(), text])
        .output()
        .expect("run wendu");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn model_evidence_is_shown_apart_from_rule_words() {
    let out = explain("年费乱收，一年收了两次");
    // C01 has a term rule and a model rule: the term is rule evidence, the n-gram is learned.
    assert!(
        out.contains("rule C01#fee (weight 0.6): \"年费\" at 0..2"),
        "{out}"
    );
    assert!(
        out.contains(
            "rule C01#learned (weight 0.8): learned: model reason n-gram \"年费\" at 0..2"
        ),
        "{out}"
    );
    assert!(!out.contains("needs review"), "{out}");
}

#[test]
fn a_probability_weight_is_rounded_like_the_decision() {
    let out = explain("催收电话说要收费，催收还骂人");
    assert!(
        out.contains("rule C02#model (weight 0.7198): learned:"),
        "{out}"
    );
}

#[test]
fn needs_review_is_printed() {
    let out = explain("我想问一下网点几点开门");
    assert!(
        out.contains("needs review (a person should look): reason"),
        "{out}"
    );
}
