//! The built-in packs by id (`wendu::builtin`, `Engine::builtin`): both load without warnings,
//! pass the tests they carry (from their JSON: the compiled form `Engine::builtin` loads carries
//! none), and the review pack has what `wendu review` relies on.

use wendu::Engine;

#[test]
fn builtin_ids_resolve_and_unknown_ids_do_not() {
    assert_eq!(wendu::builtin("cn-banking"), Some(wendu::DEFAULT_PACK));
    assert_eq!(
        wendu::builtin("cn-marketing-review"),
        Some(wendu::REVIEW_PACK)
    );
    assert_eq!(wendu::builtin("en-banking"), None);
    assert_eq!(wendu::builtin(""), None);
    assert!(Engine::builtin("cn-marketing-reviews").is_none());
}

#[test]
fn builtin_packs_load_cleanly_and_pass_their_tests() {
    for id in ["cn-banking", "cn-marketing-review"] {
        let compiled = Engine::builtin(id).expect("known id").expect("valid pack");
        let e = Engine::new(wendu::builtin(id).expect("known id")).expect("valid pack");
        assert_eq!(e.info().id, id);
        assert_eq!(compiled.info(), e.info());
        assert_eq!(compiled.describe(), e.describe());
        assert!(e.warnings().is_empty(), "{id}: {:?}", e.warnings());
        assert!(compiled.run_tests().results.is_empty());
        let report = e.run_tests();
        let failed: Vec<_> = report.results.iter().filter(|r| !r.passed).collect();
        assert!(failed.is_empty(), "{id}: {failed:?}");
        assert!(report.passed > 150, "{id}: only {} tests", report.passed);
    }
}

#[test]
fn the_review_pack_decides_pass_revise_reject_with_advice() {
    let e = Engine::builtin("cn-marketing-review")
        .expect("id")
        .expect("pack");
    let d = e.describe();
    let levels: Vec<(&str, &str)> = d
        .levels
        .iter()
        .map(|l| (l.id.as_str(), l.name.as_str()))
        .collect();
    assert_eq!(
        levels,
        vec![
            ("pass", "通过"),
            ("revise", "修改后通过"),
            ("reject", "不通过")
        ]
    );
    let problems = d.dimension("problem").expect("problem dimension");
    assert!(problems.multi);
    for l in &problems.labels {
        assert!(
            l.advice.as_deref().is_some_and(|a| !a.is_empty()),
            "{} has no advice",
            l.code
        );
        assert!(
            l.description
                .as_deref()
                .is_some_and(|x| x.contains("依据：")),
            "{} has no regulation reference",
            l.code
        );
    }
    let dec = e
        .classify_json(r#"{"text": "稳赚不赔的理财"}"#)
        .expect("decision");
    let codes: Vec<&str> = dec
        .labels
        .get("problem")
        .unwrap_or(&[])
        .iter()
        .map(|l| l.code.as_str())
        .collect();
    assert!(codes.contains(&"R-GUARANTEE"), "{codes:?}");
    assert_eq!(
        dec.severity.as_ref().map(|s| s.level.as_str()),
        Some("reject")
    );
    let g = dec
        .labels
        .get("problem")
        .unwrap_or(&[])
        .iter()
        .find(|l| l.code == "R-GUARANTEE")
        .expect("label");
    assert!(g.advice.is_some());
}
