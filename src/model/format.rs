//! Under `model`: a model's JSON form (one entry of a pack's `models` section), its validation
//! and its writing. Validation reports every problem with a JSON pointer, never panics, and
//! bounds every size before allocating, so a hostile pack costs at most the bounds below.
//!
//! ```json
//! {"id": "reason", "dimension": "reason",
//!  "features": {"kind": "chars", "min": 1, "max": 2},
//!  "labels": ["C12", "C04"], "rest": true,
//!  "vocabulary": "一\n一次\n…",           // n-grams, sorted by bytes, joined by "\n"
//!  "weights": "AQL/…",                     // base64 of int8, feature-major (features × labels)
//!  "idf": "EBIU…",                         // optional: base64 of one byte per feature (idf × 16)
//!  "scale_e6": [2718, 3141], "bias_e6": [-1200000, 350000],
//!  "platt_e6": [[1050000, -80000], [990000, 12000]],
//!  "training": {"rows": 4592, "seed": 0}}
//! ```

pub use super::base64::{base64_decode, base64_encode};
use super::features::{is_word_char, NgramKind, Ngrams, Vocabulary, MAX_ENTRY_BYTES, MAX_NGRAM};
use super::{Model, Rows};
use crate::error::{pointer, Problem};
use serde_json::{json, Map, Value};

/// Most labels a model may score.
pub const MAX_LABELS: usize = 256;
/// Most vocabulary entries.
pub const MAX_FEATURES: usize = 200_000;
/// Longest vocabulary string, in bytes: bounds the trie built from it (at most one node per
/// byte) to tens of megabytes for a hostile pack; real ones are 50–150 KB.
pub const MAX_VOCABULARY_BYTES: usize = 1_000_000;
/// Most weights (features × labels): 8 MB of int8.
pub const MAX_WEIGHTS: usize = 8_000_000;
/// Largest absolute value of a real parameter, in millionths (10^9 = 1000.0).
pub const MAX_PARAM_E6: i64 = 1_000_000_000;
/// Largest serialised `training` object, in bytes.
pub const MAX_TRAINING_BYTES: usize = 16_384;
/// Longest id or label code, in bytes.
const MAX_NAME_BYTES: usize = 128;

/// The keys of `features`.
const FEATURE_KEYS: &[&str] = &["kind", "min", "max"];

/// The keys of a model.
const KEYS: &[&str] = &[
    "id",
    "dimension",
    "features",
    "labels",
    "rest",
    "vocabulary",
    "weights",
    "idf",
    "scale_e6",
    "bias_e6",
    "platt_e6",
    "training",
];

impl Model {
    /// Read and validate a model from its JSON form; `path` is the JSON pointer of the value
    /// (e.g. `/models/0`), used in every problem. Returns every problem found.
    pub fn from_value(v: &Value, path: &str) -> Result<Model, Vec<Problem>> {
        let mut problems = Vec::new();
        let Value::Object(m) = v else {
            return Err(vec![Problem::error(
                path,
                format!("a model is an object, found {}", kind(v)),
            )]);
        };
        for key in m.keys() {
            if !KEYS.contains(&key.as_str()) {
                problems.push(Problem::error(
                    pointer(path, key),
                    format!(
                        "unknown key \"{key}\" (expected one of {})",
                        KEYS.join(", ")
                    ),
                ));
            }
        }
        let id = name(m, "id", path, &mut problems);
        let dimension = name(m, "dimension", path, &mut problems);
        let ngrams = features(m, path, &mut problems);
        let labels = labels(m, path, &mut problems);
        let rest = match m.get("rest") {
            None => false,
            Some(Value::Bool(b)) => *b,
            Some(other) => {
                problems.push(Problem::error(
                    pointer(path, "rest"),
                    format!("expected true or false, found {}", kind(other)),
                ));
                false
            }
        };
        if let Some(l) = &labels {
            if l.len() == 1 && !rest {
                problems.push(Problem::error(
                    pointer(path, "labels"),
                    "a model needs two labels, or one with \"rest\": true",
                ));
            }
        }
        let vocabulary = ngrams.and_then(|g| vocabulary(m, &g, path, &mut problems));
        // The number of labels as written, even when a code is bad, so that the per-label arrays
        // are still checked (and their own problems reported).
        let nl = match m.get("labels") {
            Some(Value::Array(a)) if a.len() <= MAX_LABELS => Some(a.len()),
            _ => None,
        };
        let nf = vocabulary.as_ref().map_or(0, Vec::len);
        let weights = match (&labels, &vocabulary) {
            (Some(l), Some(_)) => weights(m, nf, l.len(), path, &mut problems),
            _ => None,
        };
        let idf = match (m.get("idf"), &vocabulary) {
            (None | Some(Value::Null), _) => Some(None),
            (Some(_), None) => None,
            (Some(_), Some(v)) => idf(m, v.len(), path, &mut problems).map(Some),
        };
        let scale_e6 = params(m, "scale_e6", nl, path, &mut problems, |x| {
            (0..=MAX_PARAM_E6).contains(&x)
        });
        let bias_e6 = params(m, "bias_e6", nl, path, &mut problems, |x| {
            x.abs() <= MAX_PARAM_E6
        });
        let platt_e6 = platt(m, nl, path, &mut problems);
        let training = match m.get("training") {
            None | Some(Value::Null) => None,
            Some(t @ Value::Object(_)) => {
                let size = serde_json::to_string(t).map_or(usize::MAX, |s| s.len());
                if size > MAX_TRAINING_BYTES {
                    problems.push(Problem::error(
                        pointer(path, "training"),
                        format!("training metadata is {size} bytes; at most {MAX_TRAINING_BYTES}"),
                    ));
                }
                Some(t.clone())
            }
            Some(other) => {
                problems.push(Problem::error(
                    pointer(path, "training"),
                    format!("expected an object, found {}", kind(other)),
                ));
                None
            }
        };
        match (
            id, dimension, ngrams, labels, vocabulary, weights, idf, scale_e6, bias_e6, platt_e6,
        ) {
            (
                Some(id),
                Some(dimension),
                Some(ngrams),
                Some(labels),
                Some(vocabulary),
                Some(weights),
                Some(idf),
                Some(scale_e6),
                Some(bias_e6),
                Some(platt_e6),
            ) if problems.is_empty() => Ok(Model {
                rows: Rows::new(&weights, idf.as_deref(), labels.len()),
                id,
                dimension,
                ngrams,
                labels,
                rest,
                vocabulary: Vocabulary::for_ngrams(vocabulary, ngrams.kind),
                weights,
                idf,
                scale_e6,
                bias_e6,
                platt_e6,
                training,
            }),
            _ => {
                if problems.is_empty() {
                    // Unreachable by construction (every None pushed a problem); kept so that
                    // a future field cannot fail silently.
                    problems.push(Problem::error(path, "invalid model"));
                }
                Err(problems)
            }
        }
    }

    /// The JSON form, which [`Model::from_value`] reads back to an equal model.
    pub fn to_value(&self) -> Value {
        let mut m = Map::new();
        m.insert("id".into(), json!(self.id));
        m.insert("dimension".into(), json!(self.dimension));
        m.insert(
            "features".into(),
            json!({"kind": self.ngrams.kind.name(), "min": self.ngrams.min, "max": self.ngrams.max}),
        );
        m.insert("labels".into(), json!(self.labels));
        m.insert("rest".into(), json!(self.rest));
        m.insert(
            "vocabulary".into(),
            json!(self.vocabulary.entries().collect::<Vec<_>>().join("\n")),
        );
        let bytes: Vec<u8> = self.weights.iter().map(|&w| w as u8).collect();
        m.insert("weights".into(), json!(base64_encode(&bytes)));
        if let Some(idf) = &self.idf {
            m.insert("idf".into(), json!(base64_encode(idf)));
        }
        m.insert("scale_e6".into(), json!(self.scale_e6));
        m.insert("bias_e6".into(), json!(self.bias_e6));
        m.insert("platt_e6".into(), json!(self.platt_e6));
        if let Some(t) = &self.training {
            m.insert("training".into(), t.clone());
        }
        Value::Object(m)
    }
}

fn kind(v: &Value) -> &'static str {
    crate::json::type_name(v)
}

fn name(
    m: &Map<String, Value>,
    key: &str,
    path: &str,
    problems: &mut Vec<Problem>,
) -> Option<String> {
    match m.get(key) {
        Some(Value::String(s)) if !s.trim().is_empty() && s.len() <= MAX_NAME_BYTES => {
            Some(s.clone())
        }
        Some(Value::String(_)) => {
            problems.push(Problem::error(
                pointer(path, key),
                format!("must be a non-empty string of at most {MAX_NAME_BYTES} bytes"),
            ));
            None
        }
        None => {
            problems.push(Problem::error(
                pointer(path, key),
                format!("missing required field \"{key}\""),
            ));
            None
        }
        Some(other) => {
            problems.push(Problem::error(
                pointer(path, key),
                format!("expected a string, found {}", kind(other)),
            ));
            None
        }
    }
}

fn features(m: &Map<String, Value>, path: &str, problems: &mut Vec<Problem>) -> Option<Ngrams> {
    let p = pointer(path, "features");
    let Some(v) = m.get("features") else {
        problems.push(Problem::error(p, "missing required field \"features\""));
        return None;
    };
    let Value::Object(f) = v else {
        problems.push(Problem::error(
            p,
            format!("expected an object, found {}", kind(v)),
        ));
        return None;
    };
    let before = problems.len();
    for key in f.keys() {
        if !FEATURE_KEYS.contains(&key.as_str()) {
            problems.push(Problem::error(
                pointer(&p, key),
                format!("unknown key \"{key}\" (expected kind, min, max)"),
            ));
        }
    }
    let kind_ = match f.get("kind").and_then(Value::as_str) {
        Some("chars") => Some(NgramKind::Chars),
        Some("words") => Some(NgramKind::Words),
        _ => {
            problems.push(Problem::error(
                pointer(&p, "kind"),
                "expected \"chars\" or \"words\"",
            ));
            None
        }
    };
    let mut size = |key: &str| match f.get(key).and_then(Value::as_u64) {
        Some(n) if (1..=MAX_NGRAM as u64).contains(&n) => Some(n as usize),
        _ => {
            problems.push(Problem::error(
                pointer(&p, key),
                format!("expected an integer from 1 to {MAX_NGRAM}"),
            ));
            None
        }
    };
    let (min, max) = (size("min"), size("max"));
    if let (Some(a), Some(b)) = (min, max) {
        if a > b {
            problems.push(Problem::error(
                pointer(&p, "min"),
                format!("min {a} is larger than max {b}"),
            ));
        }
    }
    if problems.len() > before {
        return None;
    }
    Some(Ngrams {
        kind: kind_?,
        min: min?,
        max: max?,
    })
}

fn labels(m: &Map<String, Value>, path: &str, problems: &mut Vec<Problem>) -> Option<Vec<String>> {
    let p = pointer(path, "labels");
    let items = match m.get("labels") {
        Some(Value::Array(a)) if !a.is_empty() && a.len() <= MAX_LABELS => a,
        Some(Value::Array(a)) => {
            problems.push(Problem::error(
                p,
                format!("expected 1 to {MAX_LABELS} label codes, found {}", a.len()),
            ));
            return None;
        }
        None => {
            problems.push(Problem::error(p, "missing required field \"labels\""));
            return None;
        }
        Some(other) => {
            problems.push(Problem::error(
                p,
                format!("expected an array of label codes, found {}", kind(other)),
            ));
            return None;
        }
    };
    let before = problems.len();
    let mut out: Vec<String> = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        match item {
            Value::String(s) if !s.is_empty() && s.len() <= MAX_NAME_BYTES => {
                if out.contains(s) {
                    problems.push(Problem::error(
                        pointer(&p, i),
                        format!("duplicate label \"{s}\""),
                    ));
                }
                out.push(s.clone());
            }
            other => problems.push(Problem::error(
                pointer(&p, i),
                format!(
                    "expected a non-empty label code of at most {MAX_NAME_BYTES} bytes, found {}",
                    kind(other)
                ),
            )),
        }
    }
    (problems.len() == before).then_some(out)
}

fn vocabulary(
    m: &Map<String, Value>,
    ngrams: &Ngrams,
    path: &str,
    problems: &mut Vec<Problem>,
) -> Option<Vec<String>> {
    let p = pointer(path, "vocabulary");
    let text = match m.get("vocabulary") {
        Some(Value::String(s)) => s,
        None => {
            problems.push(Problem::error(p, "missing required field \"vocabulary\""));
            return None;
        }
        Some(other) => {
            problems.push(Problem::error(
                p,
                format!(
                    "expected a string of n-grams joined by \"\\n\", found {}",
                    kind(other)
                ),
            ));
            return None;
        }
    };
    if text.len() > MAX_VOCABULARY_BYTES {
        problems.push(Problem::error(
            p,
            format!(
                "the vocabulary is {} bytes; at most {MAX_VOCABULARY_BYTES}",
                text.len()
            ),
        ));
        return None;
    }
    let before = problems.len();
    let mut out: Vec<String> = Vec::new();
    // Several bad entries are summarised after the first few, so that a broken vocabulary of
    // 100,000 entries does not produce 100,000 problems.
    let mut bad = 0usize;
    let mut report = |problems: &mut Vec<Problem>, i: usize, msg: String| {
        bad += 1;
        if bad <= 5 {
            problems.push(Problem::error(&p, format!("entry {i}: {msg}")));
        }
    };
    for (i, entry) in text.split('\n').enumerate() {
        if i >= MAX_FEATURES {
            problems.push(Problem::error(
                &p,
                format!("more than {MAX_FEATURES} entries"),
            ));
            return None;
        }
        if let Some(msg) = entry_problem(entry, ngrams) {
            report(problems, i, msg);
        } else if let Some(prev) = out.last() {
            if prev.as_bytes() >= entry.as_bytes() {
                report(
                    problems,
                    i,
                    format!("\"{entry}\" is not after \"{prev}\" (entries are sorted by bytes, without duplicates)"),
                );
            }
        }
        out.push(entry.to_string());
    }
    if bad > 5 {
        problems.push(Problem::error(&p, format!("{bad} bad entries in all")));
    }
    (problems.len() == before).then_some(out)
}

/// What is wrong with one vocabulary entry for these n-grams, if anything.
pub(crate) fn entry_problem(entry: &str, ngrams: &Ngrams) -> Option<String> {
    if entry.is_empty() {
        return Some("empty n-gram".into());
    }
    if entry.len() > MAX_ENTRY_BYTES {
        return Some(format!("longer than {MAX_ENTRY_BYTES} bytes"));
    }
    let units = match ngrams.kind {
        NgramKind::Chars => entry.chars().count(),
        NgramKind::Words => {
            let words: Vec<&str> = entry.split(' ').collect();
            if words
                .iter()
                .any(|w| w.is_empty() || !w.chars().all(is_word_char))
            {
                return Some(format!(
                    "\"{entry}\" is not words (alphanumeric runs) joined by single spaces"
                ));
            }
            words.len()
        }
    };
    if units < ngrams.min || units > ngrams.max {
        return Some(format!(
            "\"{entry}\" has {units} {}; the model reads {} to {}",
            ngrams.kind.name(),
            ngrams.min,
            ngrams.max
        ));
    }
    None
}

fn weights(
    m: &Map<String, Value>,
    features: usize,
    labels: usize,
    path: &str,
    problems: &mut Vec<Problem>,
) -> Option<Vec<i8>> {
    let p = pointer(path, "weights");
    let expected = features.saturating_mul(labels);
    if expected > MAX_WEIGHTS {
        problems.push(Problem::error(
            &p,
            format!("{features} features × {labels} labels is more than {MAX_WEIGHTS} weights"),
        ));
        return None;
    }
    let text = match m.get("weights") {
        Some(Value::String(s)) => s,
        None => {
            problems.push(Problem::error(p, "missing required field \"weights\""));
            return None;
        }
        Some(other) => {
            problems.push(Problem::error(
                p,
                format!("expected a base64 string, found {}", kind(other)),
            ));
            return None;
        }
    };
    if text.len() != expected.div_ceil(3) * 4 {
        problems.push(Problem::error(
            p,
            format!(
                "expected base64 of {expected} bytes ({features} features × {labels} labels: {} characters), found {} characters",
                expected.div_ceil(3) * 4,
                text.len()
            ),
        ));
        return None;
    }
    match base64_decode(text) {
        Ok(bytes) if bytes.len() == expected => Some(bytes.into_iter().map(|b| b as i8).collect()),
        Ok(bytes) => {
            problems.push(Problem::error(
                p,
                format!("decodes to {} bytes, expected {expected}", bytes.len()),
            ));
            None
        }
        Err(msg) => {
            problems.push(Problem::error(p, msg));
            None
        }
    }
}

fn idf(
    m: &Map<String, Value>,
    features: usize,
    path: &str,
    problems: &mut Vec<Problem>,
) -> Option<Vec<u8>> {
    let p = pointer(path, "idf");
    let Some(Value::String(text)) = m.get("idf") else {
        problems.push(Problem::error(
            p,
            "expected a base64 string (one byte per feature)",
        ));
        return None;
    };
    if text.len() != features.div_ceil(3) * 4 {
        problems.push(Problem::error(
            p,
            format!(
                "expected base64 of {features} bytes (one per feature: {} characters), found {} characters",
                features.div_ceil(3) * 4,
                text.len()
            ),
        ));
        return None;
    }
    match base64_decode(text) {
        Ok(bytes) if bytes.len() == features && bytes.iter().all(|&b| b > 0) => Some(bytes),
        Ok(_) => {
            problems.push(Problem::error(
                p,
                "every idf must be 1 to 255 (sixteenths), one per feature",
            ));
            None
        }
        Err(msg) => {
            problems.push(Problem::error(p, msg));
            None
        }
    }
}

fn params(
    m: &Map<String, Value>,
    key: &str,
    labels: Option<usize>,
    path: &str,
    problems: &mut Vec<Problem>,
    ok: impl Fn(i64) -> bool,
) -> Option<Vec<i64>> {
    let p = pointer(path, key);
    let items = match m.get(key) {
        Some(Value::Array(a)) => a,
        None => {
            problems.push(Problem::error(
                p,
                format!("missing required field \"{key}\""),
            ));
            return None;
        }
        Some(other) => {
            problems.push(Problem::error(
                p,
                format!(
                    "expected an array of integers (millionths), found {}",
                    kind(other)
                ),
            ));
            return None;
        }
    };
    let before = problems.len();
    if let Some(n) = labels.filter(|&n| n != items.len()) {
        problems.push(Problem::error(
            &p,
            format!("expected one value per label ({n}), found {}", items.len()),
        ));
    }
    let out: Vec<i64> = items
        .iter()
        .enumerate()
        .map(|(i, v)| match v.as_i64() {
            Some(x) if ok(x) => x,
            _ if problems.len() >= before + 5 => 0,
            _ => {
                problems.push(Problem::error(
                    pointer(&p, i),
                    format!(
                        "expected an integer (millionths) within ±{MAX_PARAM_E6}{}",
                        if key == "scale_e6" {
                            ", not negative"
                        } else {
                            ""
                        }
                    ),
                ));
                0
            }
        })
        .collect();
    (problems.len() == before).then_some(out)
}

fn platt(
    m: &Map<String, Value>,
    labels: Option<usize>,
    path: &str,
    problems: &mut Vec<Problem>,
) -> Option<Vec<[i64; 2]>> {
    let p = pointer(path, "platt_e6");
    let items = match m.get("platt_e6") {
        Some(Value::Array(a)) => a,
        None => {
            problems.push(Problem::error(p, "missing required field \"platt_e6\""));
            return None;
        }
        Some(other) => {
            problems.push(Problem::error(
                p,
                format!(
                    "expected an array of [a, b] pairs (millionths), found {}",
                    kind(other)
                ),
            ));
            return None;
        }
    };
    let before = problems.len();
    if let Some(n) = labels.filter(|&n| n != items.len()) {
        problems.push(Problem::error(
            &p,
            format!(
                "expected one [a, b] pair per label ({n}), found {}",
                items.len()
            ),
        ));
    }
    let mut out = Vec::with_capacity(items.len());
    for (i, v) in items.iter().enumerate() {
        let pair = v.as_array().and_then(|a| match a.as_slice() {
            [x, y] => Some([x.as_i64()?, y.as_i64()?]),
            _ => None,
        });
        match pair {
            Some([a, b]) if a.abs() <= MAX_PARAM_E6 && b.abs() <= MAX_PARAM_E6 => out.push([a, b]),
            _ if problems.len() >= before + 5 => {}
            _ => problems.push(Problem::error(
                pointer(&p, i),
                format!("expected [a, b], two integers (millionths) within ±{MAX_PARAM_E6}"),
            )),
        }
    }
    (problems.len() == before).then_some(out)
}
