//! What the fuzz targets share: the project's packs, engines built once per process, the time
//! budget every target holds each input to (a slow input is a failure, not a pass), and the
//! invariants of a decision (RELIABILITY.md lists them).

use serde_json::Value;
use std::sync::OnceLock;
use std::time::Duration;
use wendu::{Automaton, Engine};

/// The packs of the repository: the built-in ones and the golden vectors' small ones.
pub const PACKS: &[(&str, &str)] = &[
    ("cn-banking", wendu::DEFAULT_PACK),
    ("cn-marketing-review", wendu::REVIEW_PACK),
    ("en-banking", include_str!("../../packs/en-banking.json")),
    ("conditions", include_str!("../../tests/vectors/packs/conditions.json")),
    ("en", include_str!("../../tests/vectors/packs/en.json")),
    ("limits", include_str!("../../tests/vectors/packs/limits.json")),
    ("raw-text", include_str!("../../tests/vectors/packs/raw-text.json")),
    ("strict", include_str!("../../tests/vectors/packs/strict.json")),
    ("triggers", include_str!("../../tests/vectors/packs/triggers.json")),
    ("model", include_str!("../../tests/vectors/packs/model.json")),
];

/// The engine of `PACKS[i % PACKS.len()]`, built once per process (the built-in pack takes
/// milliseconds to compile; the targets run it millions of times).
pub fn engine(i: usize) -> &'static Engine {
    static ENGINES: OnceLock<Vec<Engine>> = OnceLock::new();
    let all = ENGINES.get_or_init(|| {
        PACKS
            .iter()
            .map(|(name, json)| {
                Engine::with_automaton(json, Automaton::Auto)
                    .unwrap_or_else(|e| panic!("pack {name}: {e}"))
            })
            .collect()
    });
    &all[i % all.len()]
}

/// A point in this thread's CPU time (`CLOCK_THREAD_CPUTIME_ID`). Budgets are of CPU time,
/// which other work on a shared machine hardly changes: wall-clock budgets failed inputs that
/// were only unlucky (a 1 ms complaint timed at 20 ms three times running while a release build
/// shared the two cores). A slow input spends the CPU time wherever it runs.
#[derive(Clone, Copy, Debug)]
pub struct Cpu(Duration);

impl Cpu {
    pub fn now() -> Cpu {
        let mut t = libc::timespec { tv_sec: 0, tv_nsec: 0 };
        // SAFETY: `t` is a valid, writable timespec; the call only writes it.
        let ok = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) } == 0;
        assert!(ok, "no thread CPU clock");
        Cpu(Duration::new(t.tv_sec as u64, t.tv_nsec as u32))
    }

    pub fn elapsed(&self) -> Duration {
        Cpu::now().0.saturating_sub(self.0)
    }
}

/// Fails the input when `work` took longer than `allowed`: RELIABILITY.md's promises are time
/// bounds, so a slow input is a finding. The bounds are generous (a loaded machine, an
/// unoptimised sanitizer build) and proportional to the input where work is.
pub fn within(what: &str, started: Cpu, allowed: Duration) {
    let took = started.elapsed();
    assert!(
        took <= allowed,
        "slow input: {what} took {took:?}, the budget is {allowed:?}"
    );
}

/// The budget for classifying `chars` characters once: RELIABILITY.md promises 1 ms per 1,000
/// chars on the built-in packs; fuzz builds, other packs and a busy machine get 20 times that,
/// plus 100 ms.
pub fn text_budget(chars: usize) -> Duration {
    Duration::from_millis(100 + (chars as u64 * 20) / 1000)
}

/// Re-seal a changed compiled pack: the header's XXH64 (seed 0) of the body as it now is, so that
/// the change passes the checksum and reaches the section readers (docs/compiled-pack.md, the
/// header). Computed by the `twox-hash` crate, not wendu's own XXH64: a second implementation.
pub fn reseal(bytes: &mut [u8]) {
    use std::hash::Hasher;
    let mut h = twox_hash::XxHash64::with_seed(0);
    h.write(bytes.get(24..).unwrap_or_default());
    if let Some(sum) = bytes.get_mut(16..24) {
        sum.copy_from_slice(&h.finish().to_le_bytes());
    }
}

/// UTF-16 length of a string.
pub fn utf16_len(s: &str) -> usize {
    s.encode_utf16().count()
}

/// `s[a..b]` in UTF-16 units (None when out of range).
pub fn utf16_slice(s: &str, a: usize, b: usize) -> Option<String> {
    let units: Vec<u16> = s.encode_utf16().collect();
    units.get(a..b).map(String::from_utf16_lossy)
}

/// The verdict a decision implies: the same id, labels (code, confidence, fallback), route,
/// severity (factor ids), warnings and needs_review — what docs/decision-format.md says a verdict is.
pub fn verdict_of(d: &Value) -> Value {
    let mut labels = serde_json::Map::new();
    if let Some(m) = d["labels"].as_object() {
        for (dim, list) in m {
            let items: Vec<Value> = list
                .as_array()
                .into_iter()
                .flatten()
                .map(|l| {
                    let mut o = serde_json::Map::new();
                    o.insert("code".into(), l["code"].clone());
                    o.insert("confidence".into(), l["confidence"].clone());
                    if l["fallback"] == Value::Bool(true) {
                        o.insert("fallback".into(), Value::Bool(true));
                    }
                    Value::Object(o)
                })
                .collect();
            labels.insert(dim.clone(), Value::Array(items));
        }
    }
    let severity = match &d["severity"] {
        Value::Object(s) => {
            let mut o = s.clone();
            let ids: Vec<Value> = s["factors"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|f| f["id"].clone())
                .collect();
            o.insert("factors".into(), Value::Array(ids));
            Value::Object(o)
        }
        other => other.clone(),
    };
    let mut v = serde_json::json!({
        "id": d["id"], "labels": labels, "route": d["route"], "severity": severity,
        "warnings": d["warnings"]
    });
    if let Some(review) = d.get("needs_review") {
        v["needs_review"] = review.clone();
    }
    v
}

/// Every invariant of one complaint (JSON text) classified by `e`: deterministic; the verdict
/// is the decision without its explanation; a batch of one gives the same; every span indexes
/// its field and quotes the masked field; the masked text has the field's length and masks every
/// piece of personal data found; no amount is personal data. Returns the decision JSON (or the
/// error JSON).
pub fn check_complaint(e: &Engine, input: &str) -> String {
    let d1 = e.classify_json(input).map(|d| d.to_json());
    let d2 = e.classify_json(input).map(|d| d.to_json());
    assert_eq!(d1, d2, "classify is not deterministic");
    let v = e.verdict_json(input).map(|v| v.to_json());
    let parsed: Option<Value> = serde_json::from_str(input).ok();
    match (&d1, &v) {
        (Err(a), Err(b)) => {
            assert_eq!(a, b, "verdict and classify fail differently");
            if parsed.is_some() {
                let batch = e
                    .classify_batch_json(&format!("[{input}]"))
                    .expect("a batch of one value is an array");
                assert_eq!(batch, format!("[{{\"error\":{}}}]", a.to_json()));
            }
            return a.to_json();
        }
        (Ok(d), Ok(v)) => {
            let dv: Value = serde_json::from_str(d).expect("decision JSON");
            let vv: Value = serde_json::from_str(v).expect("verdict JSON");
            assert_eq!(verdict_of(&dv), vv, "the verdict is not the decision without its explanation");
            if parsed.is_some() {
                let batch = e
                    .classify_batch_json(&format!("[{input}]"))
                    .expect("a batch of one value is an array");
                assert_eq!(batch, format!("[{d}]"), "batch of one differs from single");
                let vbatch = e
                    .verdict_batch_json(&format!("[{input}]"))
                    .expect("a batch of one value is an array");
                assert_eq!(vbatch, format!("[{v}]"), "verdict batch of one differs");
            }
            let c = parsed.unwrap_or(Value::Null);
            check_spans(&dv, &c);
            d.clone()
        }
        (a, b) => panic!("classify and verdict disagree on failing: {a:?} / {b:?}"),
    }
}

/// Spans, masking and amounts of a decision against its complaint object.
pub fn check_spans(d: &Value, c: &Value) {
    let field = |name: &str| -> String {
        if name == "title" {
            c["title"].as_str().unwrap_or("").to_string()
        } else {
            c["text"].as_str().unwrap_or("").to_string()
        }
    };
    let warned_cut = d["warnings"]
        .as_array()
        .is_some_and(|w| w.iter().any(|x| x.as_str().is_some_and(|s| s.contains("truncated"))));
    let masked = |name: &str| -> String {
        let key = if name == "title" { "masked_title" } else { "masked_text" };
        d[key].as_str().unwrap_or("").to_string()
    };
    // The masked fields keep the (possibly truncated) field's length.
    for (name, key) in [("text", "masked_text"), ("title", "masked_title")] {
        if let Some(m) = d[key].as_str() {
            let original = field(name);
            if !warned_cut {
                assert_eq!(utf16_len(m), utf16_len(&original), "{key} changed length");
            } else {
                assert!(utf16_len(m) <= utf16_len(&original));
            }
        }
    }
    let span_of = |x: &Value| -> Option<(String, usize, usize)> {
        let f = x["field"].as_str()?.to_string();
        let a = x["span"][0].as_u64()? as usize;
        let b = x["span"][1].as_u64()? as usize;
        Some((f, a, b))
    };
    let check = |x: &Value, quote: Option<&str>| {
        let Some((f, a, b)) = span_of(x) else {
            return;
        };
        let original = masked(&f);
        assert!(a <= b && b <= utf16_len(&original), "span {x} outside its field");
        if let Some(q) = quote {
            assert_eq!(
                Some(q.to_string()),
                utf16_slice(&original, a, b),
                "quoted words are not the masked field at the span: {x}"
            );
        }
    };
    let mut evidence: Vec<&Value> = Vec::new();
    if let Some(m) = d["labels"].as_object() {
        for list in m.values() {
            for l in list.as_array().into_iter().flatten() {
                for r in l["rules"].as_array().into_iter().flatten() {
                    evidence.extend(r["evidence"].as_array().into_iter().flatten());
                }
            }
        }
    }
    for f in d["severity"]["factors"].as_array().into_iter().flatten() {
        evidence.extend(f["evidence"].as_array().into_iter().flatten());
    }
    for e in evidence {
        check(e, e["text"].as_str());
    }
    for a in d["amounts"].as_array().into_iter().flatten() {
        check(a, a["text"].as_str());
    }
    for n in d["negated"].as_array().into_iter().flatten() {
        check(n, None);
    }
    let personal: Vec<&Value> = d["personal_data"].as_array().into_iter().flatten().collect();
    for p in &personal {
        check(p, None);
        let Some((f, a, b)) = span_of(p) else { continue };
        let original = utf16_slice(&field(&f), a, b).unwrap_or_default();
        let hidden = utf16_slice(&masked(&f), a, b).unwrap_or_default();
        assert_ne!(original, hidden, "personal data left unmasked: {p}");
        assert!(hidden.contains('*'), "personal data not masked: {p} {hidden}");
        // A number that is personal data is never an amount.
        for am in d["amounts"].as_array().into_iter().flatten() {
            if let Some((af, aa, ab)) = span_of(am) {
                assert!(af != f || ab <= a || b <= aa, "amount {am} overlaps {p}");
            }
        }
    }
}

/// Time one call (CPU time).
pub fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let s = Cpu::now();
    let out = f();
    (out, s.elapsed())
}

/// How long `f` takes, retried when it is over `budget`: the least of up to three runs. A
/// machine shared with other work makes single timings jump; a slow input is slow every time.
pub fn settled(budget: Duration, mut f: impl FnMut()) -> Duration {
    let mut best = timed(&mut f).1;
    for _ in 0..2 {
        if best <= budget {
            break;
        }
        best = best.min(timed(&mut f).1);
    }
    best
}

/// Fails the input when `first` (a timing of `f`) is over `budget` and so are two more runs:
/// a slow input is slow every time, a busy machine only now and then.
pub fn assert_fast(what: &str, first: Duration, budget: Duration, f: impl FnMut()) {
    if first <= budget {
        return;
    }
    let again = settled(budget, f).min(first);
    assert!(again <= budget, "slow input: {what} took {again:?}, the budget is {budget:?}");
}
