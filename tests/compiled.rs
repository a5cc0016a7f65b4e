//! Compiled packs (`.wdp`, docs/compiled-pack.md) against the JSON they come from: the built-in
//! compiled packs are what their JSON compiles to today; compiling is deterministic and a loaded
//! pack compiles back to the same bytes; a compiled engine describes itself and decides exactly
//! as the JSON engine on real complaints; damaged files are refused with a message that says
//! what is wrong. (Every golden vector also runs both ways: tests/vectors.rs.)

use serde_json::Value;
use std::path::{Path, PathBuf};
use wendu::{Complaint, Engine, PackSource, TriggerEngine};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every pack of the repository that compiles: the shipped packs and the vectors' packs.
fn packs() -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    for dir in ["packs", "tests/vectors/packs"] {
        let mut files: Vec<PathBuf> = std::fs::read_dir(root().join(dir))
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .filter(|p| !p.ends_with("schema.json"))
            .collect();
        files.sort();
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            out.push((f, text));
        }
    }
    assert!(out.len() >= 8, "only {} packs", out.len());
    out
}

/// Complaints to decide: the project's examples, the shared corpora's first rows when present,
/// and every classify vector's input.
fn complaints() -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_to_string(root().join("examples/complaints.jsonl"))
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    for (file, n) in [
        ("../shared/data/cn-complaints/complaints.csv", 400),
        ("../shared/data/cfpb/narratives.csv", 150),
    ] {
        if let Ok(raw) = std::fs::read_to_string(root().join(file)) {
            out.extend(
                raw.lines()
                    .skip(1)
                    .filter(|l| l.len() > 20)
                    .take(n)
                    .map(|l| Complaint::from_text(l).fields.to_string()),
            );
        }
    }
    let mut vectors: Vec<PathBuf> = std::fs::read_dir(root().join("tests/vectors/classify"))
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    vectors.sort();
    for f in vectors {
        let v: Value = serde_json::from_str(&std::fs::read_to_string(f).unwrap()).unwrap();
        out.push(match &v["input"] {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        });
    }
    out
}

#[test]
fn builtin_compiled_packs_are_fresh() {
    for (json, compiled) in [
        (wendu::DEFAULT_PACK, wendu::DEFAULT_PACK_COMPILED),
        (wendu::REVIEW_PACK, wendu::REVIEW_PACK_COMPILED),
    ] {
        let bytes = Engine::new(json).unwrap().to_compiled();
        assert!(
            bytes == compiled,
            "a built-in compiled pack is stale ({} bytes compiled now, {} embedded): run \
             scripts/build-packs.sh and commit packs/*.wdp",
            bytes.len(),
            compiled.len()
        );
    }
}

#[test]
fn compiling_is_deterministic_and_round_trips() {
    for (path, text) in packs() {
        let Ok(engine) = Engine::new(&text) else {
            continue;
        };
        let bytes = engine.to_compiled();
        let again = Engine::new(&text).unwrap().to_compiled();
        assert!(
            bytes == again,
            "{}: two compilations differ",
            path.display()
        );
        let loaded = Engine::from_compiled(&bytes).unwrap();
        assert!(
            loaded.to_compiled() == bytes,
            "{}: a loaded pack compiles to other bytes",
            path.display()
        );
        // The header, then per section a tag, its length as a varint, its bytes.
        let sections = Engine::compiled_sections(&bytes).unwrap();
        let varint = |n: usize| (usize::BITS - n.leading_zeros()).max(1).div_ceil(7) as usize;
        let total: usize = sections.iter().map(|s| 1 + varint(s.1) + s.1).sum();
        assert_eq!(24 + total, bytes.len(), "{}: {sections:?}", path.display());
    }
}

#[test]
fn compiled_engines_describe_and_decide_like_json_engines() {
    let inputs = complaints();
    let mut decided = 0;
    for (path, text) in packs() {
        let Ok(json) = Engine::new(&text) else {
            continue;
        };
        let compiled = Engine::from_compiled(&json.to_compiled()).unwrap();
        let name = path.display();
        assert_eq!(compiled.info(), json.info(), "{name}");
        assert_eq!(compiled.describe(), json.describe(), "{name}");
        assert_eq!(compiled.warnings(), json.warnings(), "{name}");
        assert!(compiled.terms().eq(json.terms()), "{name}");
        for input in &inputs {
            let a = json.classify_json(input).map(|d| d.to_json());
            let b = compiled.classify_json(input).map(|d| d.to_json());
            assert_eq!(a, b, "{name}: {input}");
            let a = json.verdict_json(input).map(|v| v.to_json());
            let b = compiled.verdict_json(input).map(|v| v.to_json());
            assert_eq!(a, b, "{name}: {input}");
            decided += 1;
        }
        let batch = format!("[{}]", inputs.join(","));
        assert_eq!(
            json.verdict_batch_json(&batch),
            compiled.verdict_batch_json(&batch),
            "{name}"
        );
        // Trigger engines over both agree on a stream with comments.
        let (mut tj, mut tc) = (
            TriggerEngine::new(json.clone()).unwrap(),
            TriggerEngine::new(compiled.clone()).unwrap(),
        );
        for (i, input) in inputs.iter().take(60).enumerate() {
            let comment = serde_json::from_str::<Value>(input)
                .ok()
                .and_then(|v| v["text"].as_str().map(str::to_string))
                .unwrap_or_default();
            let event = serde_json::json!({
                "id": format!("e{i}"), "score": 1 + i % 5, "scale": "csat5", "branch": "b1",
                "at": format!("2024-05-01T10:{:02}:00+08:00", i % 60), "comment": comment,
            });
            assert_eq!(
                tj.ingest(event.clone()).to_json(),
                tc.ingest(event).to_json(),
                "{name}: event {i}"
            );
        }
        assert_eq!(tj.snapshot(), tc.snapshot(), "{name}");
    }
    assert!(decided > 1000, "only {decided} decisions compared");
}

#[test]
fn pack_sources_tell_compiled_packs_from_json() {
    let bytes = wendu::DEFAULT_PACK_COMPILED;
    assert_eq!(
        PackSource::from_bytes(bytes).unwrap(),
        PackSource::Compiled(bytes)
    );
    let json = wendu::DEFAULT_PACK.as_bytes();
    assert_eq!(
        PackSource::from_bytes(json).unwrap(),
        PackSource::Json(wendu::DEFAULT_PACK)
    );
    let e = PackSource::from_bytes(&[0xFE, 0xFF, 0x00]).unwrap_err();
    assert_eq!(e.code(), "invalid_pack");
    assert_eq!(wendu::resolve_pack(""), PackSource::Compiled(bytes));
    assert_eq!(
        wendu::resolve_pack(" cn-marketing-review "),
        PackSource::Compiled(wendu::REVIEW_PACK_COMPILED)
    );
    assert_eq!(wendu::resolve_pack("{}"), PackSource::Json("{}"));
    assert!(Engine::check_source(PackSource::Compiled(bytes)).is_empty());
    let broken = Engine::check_source(PackSource::Compiled(&bytes[..100]));
    assert_eq!(broken.len(), 1);
    assert!(broken[0].is_error());
}

/// The one problem of a refused compiled pack.
fn refusal(bytes: &[u8]) -> String {
    let e = Engine::from_compiled(bytes).unwrap_err();
    assert_eq!(e.code(), "invalid_pack");
    assert_eq!(e.problems().len(), 1, "{e:?}");
    e.problems()[0].message.clone()
}

#[test]
fn damaged_compiled_packs_are_refused_with_the_reason() {
    let good = wendu::DEFAULT_PACK_COMPILED.to_vec();
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (Vec::new(), "not a compiled pack"),
        (
            wendu::DEFAULT_PACK.as_bytes().to_vec(),
            "not a compiled pack",
        ),
        (good[..10].to_vec(), "shorter than its 24-byte header"),
        (
            {
                let mut b = good.clone();
                b[4] = 1;
                b
            },
            "format version 1",
        ),
        (
            {
                let mut b = good.clone();
                b[6] = 1;
                b
            },
            "reserved header bytes",
        ),
        (good[..good.len() - 1].to_vec(), "truncated"),
        (
            {
                let mut b = good.clone();
                b.push(0);
                b
            },
            "truncated or padded",
        ),
        (
            {
                let mut b = good.clone();
                let last = b.len() - 1;
                b[last] ^= 0x40;
                b
            },
            "checksum mismatch",
        ),
    ];
    for (bytes, want) in cases {
        let got = refusal(&bytes);
        assert!(
            got.starts_with("invalid compiled pack: ") && got.contains(want),
            "{want:?} not in {got:?}"
        );
    }
    // Every truncation fails (and none panics).
    for n in (0..good.len()).step_by(97) {
        assert!(Engine::from_compiled(&good[..n]).is_err(), "{n}");
    }
}
