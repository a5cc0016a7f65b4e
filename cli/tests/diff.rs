//! `wendu diff` on a small fixture (tests/data/diff): old.json and new.json differ by two edits
//! (排队 added to the fee terms of C07; the regulator factor from 40 to 60 points), and the
//! expected counts below were worked out by hand from the corpus.

use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Output};

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/diff")
        .join(name)
}

fn wendu(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wendu"))
        .args(args)
        .output()
        .expect("run wendu")
}

fn diff(format: &str, old: &str, new: &str) -> Output {
    let (o, n, c) = (data(old), data(new), data("corpus.jsonl"));
    wendu(&[
        "diff",
        "--format",
        format,
        o.to_str().unwrap(),
        n.to_str().unwrap(),
        c.to_str().unwrap(),
    ])
}

#[test]
fn counts_per_dimension_label_and_level() {
    let out = diff("json", "old.json", "new.json");
    assert_eq!(out.status.code(), Some(1), "exit 1 when decisions change");
    let s: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(s["complaints"], 11, "12 lines, one unreadable");
    assert_eq!(s["unreadable_lines"], serde_json::json!([12]));
    assert_eq!(
        s["errors"], 1,
        "d11 (text is a number) is invalid under both packs"
    );
    assert_eq!(s["changed"], 4, "d02, d03, d05, d09");
    let dims = s["dimensions"].as_array().unwrap();
    assert_eq!(dims[0]["dimension"], "business");
    assert_eq!(dims[0]["changed"], 0);
    assert_eq!(dims[1]["dimension"], "reason");
    assert_eq!(
        dims[1]["changed"], 2,
        "d02 and d05 gain C07 (d04 had it, d06's 排队 is negated)"
    );
    assert_eq!(
        dims[1]["labels"],
        serde_json::json!([{"code": "C07", "name": "定价收费", "before": 4, "after": 6, "gained": 2, "lost": 0}])
    );
    let levels: Vec<(String, u64, u64)> = s["levels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["level"].as_str().unwrap().to_string(),
                l["before"].as_u64().unwrap(),
                l["after"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        levels,
        [
            ("normal".into(), 6, 6),
            ("complex".into(), 3, 0),
            ("major".into(), 1, 4)
        ]
    );
    assert_eq!(
        s["transitions"],
        serde_json::json!([{"from": "complex", "to": "major", "count": 3}])
    );
    assert_eq!(
        s["routes"]["changed"], 0,
        "C01 stays the top reason (ties go to pack order)"
    );
}

#[test]
fn changed_complaints_as_json_lines() {
    let out = diff("jsonl", "old.json", "new.json");
    assert_eq!(out.status.code(), Some(1));
    let lines: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let got: Vec<(u64, &str, Vec<&str>)> = lines
        .iter()
        .map(|l| {
            (
                l["line"].as_u64().unwrap(),
                l["id"].as_str().unwrap(),
                l["changed"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| c.as_str().unwrap())
                    .collect(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (2, "d02", vec!["reason"]),
            (3, "d03", vec!["severity"]),
            (5, "d05", vec!["reason", "severity"]),
            (9, "d09", vec!["severity"]),
        ]
    );
    let d05 = &lines[2];
    assert_eq!(d05["before"]["severity"]["level"], "complex");
    assert_eq!(d05["after"]["severity"]["level"], "major");
    assert_eq!(d05["after"]["labels"]["reason"][1]["code"], "C07");
    let summary = String::from_utf8(out.stderr).unwrap();
    assert!(
        summary.starts_with("4 of 11 complaints changed"),
        "{summary}"
    );
    // Deterministic: the same run writes the same bytes.
    assert_eq!(
        diff("jsonl", "old.json", "new.json").stdout,
        diff("jsonl", "old.json", "new.json").stdout
    );
}

#[test]
fn no_change_exits_zero() {
    let out = diff("jsonl", "old.json", "old.json");
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());
    let table = diff("table", "new.json", "new.json");
    assert_eq!(table.status.code(), Some(0));
    assert!(String::from_utf8(table.stdout)
        .unwrap()
        .starts_with("0 of 11 complaints changed"));
}

#[test]
fn a_broken_pack_is_trouble_with_its_pointer() {
    let dir = std::env::temp_dir().join(format!("wendu-diff-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let broken = dir.join("broken.json");
    let text = std::fs::read_to_string(data("new.json"))
        .unwrap()
        .replace("@regulator\"]", "@regulatr\"]");
    std::fs::write(&broken, text).unwrap();
    let (o, c) = (data("old.json"), data("corpus.jsonl"));
    let out = wendu(&[
        "diff",
        o.to_str().unwrap(),
        broken.to_str().unwrap(),
        c.to_str().unwrap(),
    ]);
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("/severity/factors/0/when/terms/0"), "{err}");
}
