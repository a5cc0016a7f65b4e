//! Snapshots as untrusted input: real snapshots (from a stream through the vectors' trigger
//! pack), mutated — a value replaced, a list grown, bytes flipped — or any bytes. `restore`
//! never panics; on error the state is unchanged (the same snapshot as before); on success the
//! state round-trips (snapshot → restore → snapshot gives the same bytes) and the engine goes
//! on ingesting. Within the time budget.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};
use std::sync::OnceLock;
use std::time::Duration;
use wendu::{Engine, TriggerEngine};
use wendu_fuzz::{within, Cpu};

fn engine() -> &'static Engine {
    static E: OnceLock<Engine> = OnceLock::new();
    E.get_or_init(|| {
        let mut p: Value = serde_json::from_str(include_str!("../../tests/vectors/packs/triggers.json")).expect("pack");
        p["triggers"]["max_ahead"] = json!("3h");
        Engine::new(&p.to_string()).expect("pack")
    })
}

/// A real snapshot with groups, entries, ids, open alerts and a held event.
fn real() -> &'static Value {
    static S: OnceLock<Value> = OnceLock::new();
    S.get_or_init(|| {
        let mut t = TriggerEngine::new(engine().clone()).expect("triggers");
        for i in 0..40i64 {
            let at = wendu::Timestamp { millis: 1_777_593_600_000 + i * 7 * 60_000, offset_minutes: 480 }.format();
            let comment = ["fraud", "login otp", "", "fees"][(i % 4) as usize];
            let scale = if i % 4 == 0 { "nps" } else { "csat5" };
            t.ingest(json!({"id": format!("e{i}"), "score": 1 + i % 3, "scale": scale,
                            "at": at, "branch": format!("b{}", i % 3), "comment": comment}));
            if i % 9 == 0 {
                t.ingest(json!({"type": "complaint", "id": format!("c{i}"), "text": "fraud scam", "received_at": at}));
            }
        }
        t.ingest(json!({"id": "far", "score": 1, "scale": "csat5", "at": "2030-01-01T00:00:00Z"}));
        serde_json::from_str(&t.snapshot()).expect("snapshot JSON")
    })
}

#[derive(Arbitrary, Debug)]
enum Edit {
    Set(u32, i64),
    SetStr(u32, String),
    Null(u32),
    Dup(u32),
    Drop(u32),
}

fn nodes(v: &Value) -> u32 {
    1 + match v {
        Value::Array(a) => a.iter().map(nodes).sum(),
        Value::Object(m) => m.values().map(nodes).sum(),
        _ => 0,
    }
}

fn node(v: &mut Value, n: u32) -> Option<&mut Value> {
    fn walk<'a>(v: &'a mut Value, n: &mut u32) -> Option<&'a mut Value> {
        if *n == 0 {
            return Some(v);
        }
        *n -= 1;
        match v {
            Value::Array(a) => a.iter_mut().find_map(|x| walk(x, n)),
            Value::Object(m) => m.values_mut().find_map(|x| walk(x, n)),
            _ => None,
        }
    }
    let mut n = n;
    walk(v, &mut n)
}

fuzz_target!(|input: (bool, Vec<Edit>, Vec<u8>)| {
    let (raw, edits, bytes) = input;
    let text = if raw {
        String::from_utf8_lossy(&bytes).into_owned()
    } else {
        let mut s = real().clone();
        for e in edits.iter().take(6) {
            let n = nodes(&s).max(1);
            match e {
                Edit::Set(at, x) => {
                    if let Some(v) = node(&mut s, at % n) {
                        *v = json!(x);
                    }
                }
                Edit::SetStr(at, x) => {
                    if let Some(v) = node(&mut s, at % n) {
                        *v = json!(x);
                    }
                }
                Edit::Null(at) => {
                    if let Some(v) = node(&mut s, at % n) {
                        *v = Value::Null;
                    }
                }
                Edit::Dup(at) => {
                    if let Some(Value::Array(a)) = node(&mut s, at % n) {
                        if let Some(f) = a.first().cloned() {
                            a.push(f);
                        }
                    }
                }
                Edit::Drop(at) => {
                    if let Some(Value::Array(a)) = node(&mut s, at % n) {
                        a.pop();
                    }
                }
            }
        }
        let mut t = s.to_string();
        // A few bytes flipped, at places the input chooses.
        for (i, b) in bytes.iter().take(4).enumerate() {
            if t.is_empty() {
                break;
            }
            let at = (usize::from(*b) * 131 + i * 977) % t.len();
            if t.is_char_boundary(at) && t.is_char_boundary(at + 1) && t.as_bytes().get(at).is_some_and(u8::is_ascii) {
                t.replace_range(at..at + 1, &char::from(b'0' + b % 10).to_string());
            }
        }
        t
    };
    let started = Cpu::now();
    let mut t = TriggerEngine::new(engine().clone()).expect("triggers");
    let before = t.snapshot();
    match t.restore(&text) {
        Err(e) => {
            assert!(!e.problems().is_empty(), "an error without problems");
            assert_eq!(t.snapshot(), before, "a failed restore changed the state");
        }
        Ok(()) => {
            let snap = t.snapshot();
            let mut again = TriggerEngine::new(engine().clone()).expect("triggers");
            again.restore(&snap).expect("a snapshot of a restored state restores");
            assert_eq!(again.snapshot(), snap, "restore → snapshot is not a fixpoint");
            let o1 = t.ingest(json!({"id": "next", "score": 1, "scale": "csat5", "at": "2026-05-01T06:00:00Z", "comment": "fraud"}));
            let o2 = again.ingest(json!({"id": "next", "score": 1, "scale": "csat5", "at": "2026-05-01T06:00:00Z", "comment": "fraud"}));
            assert_eq!(o1.to_json(), o2.to_json());
        }
    }
    within("restore", started, Duration::from_millis(300 + text.len() as u64 / 100));
});
