//! The project's real packs, mutated structurally — a value replaced, a key removed, a list
//! grown or emptied, terms lengthened or repeated, a condition nested — then checked, built and
//! run on complaints made from the pack's own words: no panic, the pack-build bound, and every
//! invariant of the decisions.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};
use std::time::Duration;
use wendu::{Automaton, Engine};
use wendu_fuzz::{assert_fast, check_complaint, text_budget, timed, PACKS};

#[derive(Arbitrary, Debug)]
enum Edit {
    /// Replace the value at the node chosen by `at` with a small value.
    Set { at: u32, value: Small },
    /// Remove a key of the object chosen by `at`.
    Remove { at: u32 },
    /// Repeat the element chosen by `at` in its array `times` times.
    Repeat { at: u32, times: u8 },
    /// Append `text` to the string chosen by `at`, `times` times.
    Grow { at: u32, text: String, times: u8 },
    /// Wrap the node chosen by `at` as `{"all": [node]}` / `{"not": node}`.
    Nest { at: u32, not: bool },
    /// Empty the array or object chosen by `at`.
    Empty { at: u32 },
}

#[derive(Arbitrary, Debug)]
enum Small {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Terms(Vec<String>),
    Obj(String, String),
}

impl Small {
    fn value(&self) -> Value {
        match self {
            Small::Null => Value::Null,
            Small::Bool(b) => json!(b),
            Small::Int(i) => json!(i),
            Small::Float(f) => serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number),
            Small::Str(s) => json!(s),
            Small::Terms(t) => json!(t),
            Small::Obj(k, v) => json!({ k: v }),
        }
    }
}

#[derive(Arbitrary, Debug)]
struct Input {
    pack: u8,
    edits: Vec<Edit>,
    words: Vec<u16>,
}

/// The number of nodes of a JSON value (itself included).
fn count(v: &Value) -> u32 {
    1 + match v {
        Value::Array(a) => a.iter().map(count).sum(),
        Value::Object(m) => m.values().map(count).sum(),
        _ => 0,
    }
}

/// The node numbered `n` in a pre-order walk.
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

fn strings(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) if s.chars().count() <= 12 => out.push(s.clone()),
        Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
        Value::Object(m) => m.values().for_each(|x| strings(x, out)),
        _ => {}
    }
}

fuzz_target!(|input: Input| {
    // Mostly the small packs: the built-in ones take milliseconds to build (one input in 64).
    let small = [3usize, 4, 5, 6, 7, 8, 9];
    let i = if input.pack % 64 == 0 {
        usize::from(input.pack / 64) % 3
    } else {
        small[usize::from(input.pack) % small.len()]
    };
    let mut pack: Value = serde_json::from_str(PACKS[i].1).expect("a real pack");
    for edit in input.edits.iter().take(8) {
        let n = count(&pack).max(1);
        match edit {
            Edit::Set { at, value } => {
                if let Some(x) = node(&mut pack, at % n) {
                    *x = value.value();
                }
            }
            Edit::Remove { at } => {
                if let Some(Value::Object(m)) = node(&mut pack, at % n) {
                    if let Some(k) = m.keys().next().cloned() {
                        m.remove(&k);
                    }
                }
            }
            Edit::Repeat { at, times } => {
                if let Some(Value::Array(a)) = node(&mut pack, at % n) {
                    if let Some(first) = a.first().cloned() {
                        for _ in 0..*times {
                            a.push(first.clone());
                        }
                    }
                }
            }
            Edit::Grow { at, text, times } => {
                if let Some(Value::String(s)) = node(&mut pack, at % n) {
                    for _ in 0..*times {
                        s.push_str(text);
                    }
                }
            }
            Edit::Nest { at, not } => {
                if let Some(x) = node(&mut pack, at % n) {
                    let inner = x.take();
                    *x = if *not { json!({ "not": inner }) } else { json!({ "all": [inner] }) };
                }
            }
            Edit::Empty { at } => match node(&mut pack, at % n) {
                Some(Value::Array(a)) => a.clear(),
                Some(Value::Object(m)) => m.clear(),
                _ => {}
            },
        }
    }
    let text = pack.to_string();
    let budget = Duration::from_millis(500 + (text.len() as u64 * 5) / 1024);
    // The contiguous NFA: the DFA's build is pack_check's to fuzz, and it would take most of
    // the time here.
    let (built, took) = timed(|| Engine::with_automaton(&text, Automaton::Nfa));
    assert_fast("Engine::new", took, budget, || {
        let _ = Engine::with_automaton(&text, Automaton::Nfa);
    });
    let Ok(engine) = built else {
        return;
    };
    let mut words = Vec::new();
    strings(&pack, &mut words);
    if words.is_empty() {
        return;
    }
    let complaint: String = input
        .words
        .iter()
        .take(64)
        .map(|&w| words[usize::from(w) % words.len()].as_str())
        .collect();
    let c = json!({"id": "m", "text": complaint, "received_at": "2026-05-01T00:00:00+08:00"}).to_string();
    let (_, took) = timed(|| engine.classify_json(&c));
    assert_fast("classify", took, text_budget(complaint.chars().count()), || {
        let _ = engine.classify_json(&c);
    });
    check_complaint(&engine, &c);
});
