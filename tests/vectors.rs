//! Golden vectors, natively: every file under `tests/vectors/{classify,check,trigger}` is run
//! through the core and its output compared byte for byte with the file's `expected` strings —
//! the same files the Node, browser, bundler, wasmi and wasmtime runners check (format:
//! tests/vectors/README.md). Every vector runs twice: with its pack as given (the built-in default
//! pack loads compiled, a JSON pack is compiled from its JSON) and the other way round (the default
//! pack from its JSON; a JSON pack compiled to `.wdp` bytes and loaded back): both must give the
//! expected bytes. `WENDU_UPDATE_VECTORS=1 cargo test --test vectors` rewrites the expected
//! strings from the native output instead; review the diff before committing it.

use serde_json::Value;
use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use wendu::trigger::TriggerEngine;
use wendu::Engine;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors")
}

fn files(kind: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(root().join(kind))
        .unwrap_or_else(|e| panic!("tests/vectors/{kind}: {e}"))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    v.sort();
    v
}

/// The pack of a vector: `pack_text` (raw JSON text, possibly malformed), else `pack`:
/// `"default"` (None: the built-in pack), a path relative to tests/vectors, or an inline object.
fn pack_text(v: &Value) -> Option<String> {
    if let Some(t) = v["pack_text"].as_str() {
        return Some(t.to_string());
    }
    match &v["pack"] {
        Value::String(s) if s == "default" => None,
        Value::String(s) => Some(
            std::fs::read_to_string(root().join(s)).unwrap_or_else(|e| panic!("pack {s}: {e}")),
        ),
        other => Some(other.to_string()),
    }
}

/// An input: a string is raw JSON text (it may be malformed on purpose), anything else is
/// serialised.
fn input_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// How a vector's pack becomes an engine: as given, or the other way round (see the file's doc).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum Way {
    AsGiven,
    Swapped,
}

/// Engines by (pack, way): the error JSON when the pack does not load.
type Engines = HashMap<(Option<String>, Way), Result<Engine, String>>;

thread_local! {
    // Compiling a pack is the slow part in debug builds: once per distinct pack and way.
    static ENGINES: RefCell<Engines> = RefCell::default();
}

fn engine(pack: Option<&str>, way: Way) -> Result<Engine, String> {
    ENGINES.with(|cache| {
        cache
            .borrow_mut()
            .entry((pack.map(str::to_string), way))
            .or_insert_with(|| {
                match (pack, way) {
                    (None, Way::AsGiven) => Engine::default_pack(),
                    (None, Way::Swapped) => Engine::new(wendu::DEFAULT_PACK),
                    (Some(p), Way::AsGiven) => Engine::new(p),
                    // A pack that does not compile fails the same way both ways.
                    (Some(p), Way::Swapped) => {
                        Engine::new(p).and_then(|e| Engine::from_compiled(&e.to_compiled()))
                    }
                }
                .map_err(|e| e.to_json())
            })
            .clone()
    })
}

fn trigger(pack: Option<&str>, way: Way) -> Result<TriggerEngine, String> {
    TriggerEngine::new(engine(pack, way)?).map_err(|e| e.to_json())
}

/// The outputs of one vector, by key (`expected`, `expected_batch`, `expected_snapshot`).
fn run(kind: &str, v: &Value, way: Way) -> Vec<(&'static str, Value)> {
    let pack = pack_text(v);
    match kind {
        "classify" => {
            let (out, verdict) = match engine(pack.as_deref(), way) {
                Err(e) => (e.clone(), e),
                Ok(e) => {
                    let input = input_text(&v["input"]);
                    let d = e.classify_json(&input).map(|d| d.to_json());
                    let w = e.verdict_json(&input).map(|w| w.to_json());
                    (
                        d.unwrap_or_else(|err| err.to_json()),
                        w.unwrap_or_else(|err| err.to_json()),
                    )
                }
            };
            vec![
                ("expected", Value::String(out)),
                ("expected_verdict", Value::String(verdict)),
            ]
        }
        "check" => {
            let json = pack.as_deref().unwrap_or(wendu::DEFAULT_PACK);
            let mut problems = TriggerEngine::check(json);
            // Swapped: a pack that compiles is checked in its compiled form (its warnings).
            if way == Way::Swapped && !problems.iter().any(|p| p.is_error()) {
                let bytes = match &pack {
                    None => wendu::DEFAULT_PACK_COMPILED.to_vec(),
                    Some(p) => Engine::new(p).map(|e| e.to_compiled()).unwrap_or_default(),
                };
                problems = Engine::check_source(wendu::PackSource::Compiled(&bytes));
            }
            let out = serde_json::to_string(&problems).unwrap_or_default();
            vec![("expected", Value::String(out))]
        }
        "trigger" => {
            let events = v["events"].as_array().cloned().unwrap_or_default();
            let mut t =
                trigger(pack.as_deref(), way).unwrap_or_else(|e| panic!("trigger pack: {e}"));
            let outs: Vec<Value> = events
                .iter()
                .map(|e| Value::String(t.ingest_json(&input_text(e)).to_json()))
                .collect();
            let mut res = vec![
                ("expected", Value::Array(outs)),
                ("expected_snapshot", Value::String(t.snapshot())),
            ];
            // A batch holds only structured events (raw text may be malformed on purpose).
            if events.iter().all(|e| !e.is_string()) {
                let mut b = trigger(pack.as_deref(), way).unwrap_or_else(|e| panic!("{e}"));
                let batch = b.ingest_json(&Value::Array(events.clone()).to_string());
                res.push(("expected_batch", Value::String(batch.to_json())));
            }
            res
        }
        _ => unreachable!(),
    }
}

/// The trigger properties every runner checks beside the expected strings: a snapshot restored
/// into a fresh engine continues the stream exactly, and a snapshot round-trips unchanged.
fn trigger_resume(v: &Value, way: Way) -> Result<(), String> {
    let pack = pack_text(v);
    let events = v["events"].as_array().cloned().unwrap_or_default();
    let expected = v["expected"].as_array().cloned().unwrap_or_default();
    let half = events.len() / 2;
    let mut a = trigger(pack.as_deref(), way)?;
    for e in &events[..half] {
        a.ingest_json(&input_text(e));
    }
    let snap = a.snapshot();
    let mut b = trigger(pack.as_deref(), way)?;
    b.restore(&snap).map_err(|e| e.to_json())?;
    if b.snapshot() != snap {
        return Err("snapshot does not round-trip".into());
    }
    for (i, e) in events.iter().enumerate().skip(half) {
        let got = b.ingest_json(&input_text(e)).to_json();
        if Some(got.as_str()) != expected.get(i).and_then(Value::as_str) {
            return Err(format!("after restore, event {i} gives {got}"));
        }
    }
    Ok(())
}

/// Where two renderings first differ, with some context either side.
fn first_difference(want: &str, got: &str) -> String {
    let at = want
        .char_indices()
        .zip(got.chars())
        .find(|((_, a), b)| a != b)
        .map_or(want.len().min(got.len()), |((i, _), _)| i);
    let window = |s: &str| -> String {
        let mut from = at.saturating_sub(60).min(s.len());
        while !s.is_char_boundary(from) {
            from -= 1;
        }
        let mut to = (at + 60).min(s.len());
        while !s.is_char_boundary(to) {
            to += 1;
        }
        s[from..to].to_string()
    };
    format!(
        "at byte {at}:\n  expected …{}…\n  actual   …{}…",
        window(want),
        window(got)
    )
}

/// Byte range of the value of top-level key `key` in JSON `text`, if present.
fn value_span(text: &str, key: &str) -> Option<(usize, usize)> {
    let b = text.as_bytes();
    let (mut i, mut depth) = (0, 0);
    let mut key_at_depth1: Option<(usize, usize)> = None;
    let mut expect_key = false;
    while i < b.len() {
        match b[i] {
            b'"' => {
                let start = i;
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                if depth == 1 && expect_key {
                    key_at_depth1 = Some((start + 1, i));
                    expect_key = false;
                }
            }
            b'{' | b'[' => {
                depth += 1;
                expect_key = b[i] == b'{' && depth == 1;
            }
            b'}' | b']' => depth -= 1,
            b',' if depth == 1 => expect_key = true,
            b':' if depth == 1 => {
                if let Some((ks, ke)) = key_at_depth1.take() {
                    if &text[ks..ke] == key {
                        let start = i
                            + 1
                            + (b[i + 1..]
                                .iter()
                                .take_while(|c| c.is_ascii_whitespace())
                                .count());
                        let mut j = start;
                        let mut d = 0i32;
                        let mut in_str = false;
                        while j < b.len() {
                            let c = b[j];
                            if in_str {
                                if c == b'\\' {
                                    j += 1;
                                } else if c == b'"' {
                                    in_str = false;
                                    if d == 0 {
                                        return Some((start, j + 1));
                                    }
                                }
                            } else {
                                match c {
                                    b'"' => in_str = true,
                                    b'{' | b'[' => d += 1,
                                    b'}' | b']' if d == 0 => return Some((start, j)),
                                    b'}' | b']' => {
                                        d -= 1;
                                        if d == 0 {
                                            return Some((start, j + 1));
                                        }
                                    }
                                    b',' if d == 0 => return Some((start, j)),
                                    _ => {}
                                }
                            }
                            j += 1;
                        }
                        return None;
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// Write `value` as the top-level `key` of `text`, keeping the rest of the file as written.
fn set_key(text: &str, key: &str, value: &Value) -> String {
    let rendered = match value {
        Value::Array(items) => {
            let lines: Vec<String> = items.iter().map(|x| format!("    {x}")).collect();
            format!("[\n{}\n  ]", lines.join(",\n"))
        }
        other => other.to_string(),
    };
    match value_span(text, key) {
        Some((s, e)) => format!("{}{}{}", &text[..s], rendered, &text[e..]),
        None => {
            let end = text.rfind('}').unwrap_or(text.len());
            let body = text[..end].trim_end();
            format!("{body},\n  \"{key}\": {rendered}\n}}\n")
        }
    }
}

#[test]
fn golden_vectors() {
    let update = std::env::var("WENDU_UPDATE_VECTORS").is_ok_and(|v| v == "1");
    let mut failures = Vec::new();
    let (mut checked, mut rewritten) = (0, 0);
    for kind in ["classify", "check", "trigger"] {
        for path in files(kind) {
            let name = path
                .strip_prefix(root())
                .unwrap_or(&path)
                .display()
                .to_string();
            let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
            let v: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
            let outputs = run(kind, &v, Way::AsGiven);
            checked += 1;
            if update {
                let mut new = text.clone();
                for (key, value) in &outputs {
                    if v.get(*key) != Some(value) {
                        new = set_key(&new, key, value);
                    }
                }
                if new != text {
                    let again: Value = serde_json::from_str(&new)
                        .unwrap_or_else(|e| panic!("{name}: rewriting broke the file: {e}"));
                    assert_eq!(
                        again["input"], v["input"],
                        "{name}: rewrite changed the input"
                    );
                    std::fs::write(&path, new).unwrap_or_else(|e| panic!("{name}: {e}"));
                    rewritten += 1;
                }
                continue;
            }
            for way in [Way::AsGiven, Way::Swapped] {
                let outputs = match way {
                    Way::AsGiven => outputs.clone(),
                    Way::Swapped => run(kind, &v, way),
                };
                for (key, value) in &outputs {
                    match v.get(*key) {
                        Some(want) if want == value => {}
                        Some(want) => failures.push(format!(
                            "{name} `{key}` ({way:?}): {}",
                            first_difference(&want.to_string(), &value.to_string())
                        )),
                        None => failures.push(format!(
                            "{name}: no `{key}` (run WENDU_UPDATE_VECTORS=1 cargo test --test vectors)"
                        )),
                    }
                }
                if kind == "trigger" {
                    if let Err(e) = trigger_resume(&v, way) {
                        failures.push(format!("{name} ({way:?}): {e}"));
                    }
                }
            }
        }
    }
    if update {
        eprintln!("golden vectors: {checked} checked, {rewritten} rewritten");
        return;
    }
    assert!(checked >= 100, "only {checked} golden vectors");
    assert!(
        failures.is_empty(),
        "{} of {checked} golden vectors differ (if the change is intended: \
         WENDU_UPDATE_VECTORS=1 cargo test --test vectors, then review the diff):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn rewriting_keeps_the_rest_of_the_file() {
    let text = "{\n  \"pack\": \"default\",\n  \"input\": {\"text\": \"a, \\\"b\\\"\"},\n  \"expected\": \"old\"\n}\n";
    let out = set_key(text, "expected", &Value::String("new".into()));
    assert_eq!(out, text.replace("\"old\"", "\"new\""));
    let added = set_key(
        "{\"pack\": \"default\", \"input\": {}}",
        "expected",
        &Value::from("x"),
    );
    assert_eq!(
        added,
        "{\"pack\": \"default\", \"input\": {},\n  \"expected\": \"x\"\n}\n"
    );
    let nested = "{\"input\": {\"expected\": 1}, \"expected\": [\"a\", \"b\"]}";
    let out = set_key(nested, "expected", &serde_json::json!(["c"]));
    assert_eq!(
        out,
        "{\"input\": {\"expected\": 1}, \"expected\": [\n    \"c\"\n  ]}"
    );
}

/// A decision reduced to what a verdict keeps: labels as code, confidence (and `fallback`),
/// factor ids, no evidence, amounts, personal data, masked text or negations.
fn project(d: &Value) -> Value {
    let labels: serde_json::Map<String, Value> = d["labels"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(dim, ls)| {
                    let codes = ls
                        .as_array()
                        .map(|ls| {
                            ls.iter()
                                .map(|l| {
                                    let mut o = serde_json::json!({
                                        "code": l["code"], "confidence": l["confidence"]
                                    });
                                    if l["fallback"] == Value::Bool(true) {
                                        o["fallback"] = Value::Bool(true);
                                    }
                                    o
                                })
                                .collect()
                        })
                        .unwrap_or_default();
                    (dim.clone(), Value::Array(codes))
                })
                .collect()
        })
        .unwrap_or_default();
    let severity = match &d["severity"] {
        Value::Object(s) => {
            let mut s = s.clone();
            let ids = s["factors"]
                .as_array()
                .map(|f| f.iter().map(|f| f["id"].clone()).collect())
                .unwrap_or_default();
            s.insert("factors".into(), Value::Array(ids));
            Value::Object(s)
        }
        other => other.clone(),
    };
    let mut out = serde_json::json!({
        "id": d["id"], "labels": labels, "route": d["route"], "severity": severity,
        "warnings": d["warnings"]
    });
    if let Some(review) = d.get("needs_review") {
        out["needs_review"] = review.clone();
    }
    out
}

/// The verdict of every classify vector is its decision without the explanation: the same
/// labels, confidences, route and severity (errors are the same errors).
#[test]
fn verdicts_are_decisions_without_explanation() {
    let mut compared = 0;
    for path in files("classify") {
        let v: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let parse = |key: &str| -> Value {
            serde_json::from_str(v[key].as_str().unwrap_or("null")).unwrap_or(Value::Null)
        };
        let (decision, verdict) = (parse("expected"), parse("expected_verdict"));
        let want = if decision.get("labels").is_some() {
            compared += 1;
            project(&decision)
        } else {
            decision
        };
        assert_eq!(verdict, want, "{}", path.display());
    }
    assert!(compared > 100, "only {compared} decisions compared");
}
