//! Explanations point into the caller's own text: the original title and text of a complaint as
//! [`Part`]s (UTF-16 offsets, personal data masked), and the mapping of raw evidence (byte ranges
//! in the normalised text, fields, labels) to [`Evidence`] — deduplicated, masked, in the
//! decision's number format.

use crate::compile::CompiledPack;
use crate::condition::RawEvidence;
use crate::extract::pii;
use crate::model::Analysis;
use crate::scan::TermId;
use crate::text::Normalized;
use serde::Serialize;
use serde_json::Value;

/// One piece of evidence: the words (or field, or label) that made a rule fire.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Evidence {
    /// `term`, `regex`, `field` or `label`.
    pub kind: &'static str,
    /// The pack term (normalised) that matched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub term: Option<std::sync::Arc<str>>,
    /// Which input field the span is in: `text` or `title`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<&'static str>,
    /// [start, end) in UTF-16 code units of the ORIGINAL field.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub span: Option<[usize; 2]>,
    /// The original words (personal data masked).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Dotted path of a field condition.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Value of that field.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
    /// Dimension of a label condition.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dimension: Option<String>,
    /// Label code of a label condition.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The learned model whose n-gram this is (`kind` `model`: the `term` is the n-gram).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
}

impl Evidence {
    /// Evidence of a kind with every other field empty.
    pub(crate) fn of_kind(kind: &'static str) -> Evidence {
        Evidence {
            kind,
            term: None,
            field: None,
            span: None,
            text: None,
            path: None,
            value: None,
            dimension: None,
            code: None,
            model: None,
        }
    }
}

/// One original field of a complaint (`title` or `text`), as explanations quote it.
pub(crate) struct Part<'a> {
    /// `title` or `text`.
    pub name: &'static str,
    /// The caller's words.
    pub original: &'a str,
    /// UTF-16 offset of every byte offset (see [`utf16_table`]).
    pub utf16: &'a [u32],
    /// (start, end, masked replacement) in original bytes, sorted.
    pub masks: Vec<(usize, usize, String)>,
}

impl Part<'_> {
    /// UTF-16 offset of a byte offset into the original (clamped).
    pub fn u16(&self, byte: usize) -> usize {
        self.utf16
            .get(byte)
            .or(self.utf16.last())
            .map_or(0, |&u| u as usize)
    }

    /// The original substring with personal data masked.
    pub fn masked_slice(&self, start: usize, end: usize) -> String {
        let slice = self.original.get(start..end).unwrap_or("");
        if !self.masks.iter().any(|(s, e, _)| *s < end && *e > start) {
            return slice.to_string();
        }
        let mut out = String::with_capacity(slice.len());
        for (off, ch) in slice.char_indices() {
            let b = start + off;
            match self.masks.iter().find(|(s, e, _)| b >= *s && b < *e) {
                Some((s, _, m)) => {
                    let k = crate::text::char_distance(self.original, *s, b);
                    out.push(m.chars().nth(k).unwrap_or('*'));
                }
                None => out.push(ch),
            }
        }
        out
    }

    /// The whole field with personal data masked.
    pub fn masked(&self) -> String {
        self.masked_slice(0, self.original.len())
    }
}

/// Fill `utf16` with the UTF-16 offset of every byte offset of `original` (a byte inside a char
/// maps to that char's start): one pass per complaint instead of one scan per evidence span.
pub(crate) fn utf16_table(original: &str, utf16: &mut Vec<u32>) {
    // One branch-light pass over the bytes: a byte that starts a char opens a new unit count
    // (2 units for 4-byte chars, which are surrogate pairs in UTF-16); a byte inside a char maps
    // to that char's start.
    utf16.clear();
    utf16.resize(original.len() + 1, 0);
    let (mut unit, mut cur) = (0u32, 0u32);
    // Writing into a sized slice instead of pushing drops a capacity check per byte.
    for (slot, &b) in utf16.iter_mut().zip(original.as_bytes()) {
        if b & 0xC0 != 0x80 {
            cur = unit;
            unit += 1 + u32::from(b >= 0xF0);
        }
        *slot = cur;
    }
    if let Some(last) = utf16.last_mut() {
        *last = unit;
    }
}

/// What makes two span evidences equal: kind (0 term, 1 regex, 2 model n-gram), term, part,
/// original range.
/// Equal keys give equal [`Evidence`] and different keys different ones (the UTF-16 table is
/// one-to-one on char boundaries), so duplicates are dropped before their text is copied.
pub(crate) type SpanKey = (u8, TermId, usize, usize, usize);

/// Maps raw evidence back to the original parts.
pub(crate) struct EvidenceMapper<'a> {
    /// Term texts and dimension ids.
    pub pack: &'a CompiledPack,
    /// The normalised text with its offset map.
    pub norm: &'a Normalized,
    /// The original fields, in the order of the normalised text.
    pub parts: &'a [Part<'a>],
    /// Per model of the pack, its pass over the text (for the n-grams that explain a label).
    pub analyses: &'a [Analysis<'a>],
    /// Most n-grams shown for one model condition.
    pub max: usize,
}

impl EvidenceMapper<'_> {
    /// Map and deduplicate `raw` (emptied); `keys` is a scratch buffer. (Collecting into a
    /// scratch Vec and copying out at the exact size was measured: ≈ 2k instructions per
    /// complaint slower than allocating `raw.len()` at once.)
    pub fn map(&self, raw: &mut Vec<RawEvidence>, keys: &mut Vec<SpanKey>) -> Vec<Evidence> {
        let mut out: Vec<Evidence> = Vec::with_capacity(raw.len());
        keys.clear();
        for r in raw.drain(..) {
            let e = match r {
                RawEvidence::Model { model, label } => {
                    self.model(model, label, keys, &mut out);
                    None
                }
                RawEvidence::Regex { start, end } => {
                    self.span(keys, (1, 0), start, end, "regex", None)
                }
                RawEvidence::Term { term, start, end } => self.span(
                    keys,
                    (0, term),
                    start,
                    end,
                    "term",
                    self.pack.terms.get(term as usize),
                ),
                RawEvidence::Field { path, value } => Some(Evidence {
                    path: Some(path),
                    value: Some(mask_value(value)),
                    ..Evidence::of_kind("field")
                }),
                RawEvidence::Label { dim, code } => Some(Evidence {
                    dimension: self.pack.dimensions.get(dim).map(|d| d.id.clone()),
                    code: Some(code),
                    ..Evidence::of_kind("label")
                }),
            };
            if let Some(e) = e {
                // Span evidence is already unique (by key); only field and label evidence is
                // compared whole.
                if e.span.is_some() || !out.contains(&e) {
                    out.push(e);
                }
            }
        }
        out
    }

    /// The n-grams that most raised `label` in model `model`'s pass, each with its span.
    fn model(&self, model: usize, label: usize, keys: &mut Vec<SpanKey>, out: &mut Vec<Evidence>) {
        let (Some(a), Some(m)) = (self.analyses.get(model), self.pack.models.get(model)) else {
            return;
        };
        for c in a.explain(label, self.max) {
            let (Ok(start), Ok(end)) = (u32::try_from(c.start), u32::try_from(c.end)) else {
                continue;
            };
            let ngram = std::sync::Arc::from(c.ngram.as_str());
            if let Some(e) = self.span(keys, (2, 0), start, end, "model", Some(&ngram)) {
                out.push(Evidence {
                    model: Some(m.id().to_string()),
                    ..e
                });
            }
        }
    }

    /// Evidence for a normalised byte range, or None when it maps nowhere or is a duplicate.
    fn span(
        &self,
        keys: &mut Vec<SpanKey>,
        (kind_id, term_id): (u8, TermId),
        start: u32,
        end: u32,
        kind: &'static str,
        term: Option<&std::sync::Arc<str>>,
    ) -> Option<Evidence> {
        let (pi, os, oe) = self.norm.original_range(start as usize, end as usize)?;
        let key = (kind_id, term_id, pi, os, oe);
        if keys.contains(&key) {
            return None;
        }
        let part = self.parts.get(pi)?;
        keys.push(key);
        Some(Evidence {
            term: term.cloned(),
            field: Some(part.name),
            span: Some([part.u16(os), part.u16(oe)]),
            text: Some(part.masked_slice(os, oe)),
            ..Evidence::of_kind(kind)
        })
    }
}

/// Field values quoted as evidence are the caller's structured data; strings that look like
/// personal data are still masked, because a decision never repeats it, and numbers are written
/// in the decision's fixed number format.
fn mask_value(v: Value) -> Value {
    match v {
        Value::String(s) => {
            let found = pii::find_personal_data(&s);
            if found.is_empty() {
                return Value::String(s);
            }
            let mut out = String::with_capacity(s.len());
            let mut last = 0;
            for m in found {
                if m.start < last {
                    continue;
                }
                out.push_str(s.get(last..m.start).unwrap_or(""));
                out.push_str(&pii::mask(m.kind, s.get(m.start..m.end).unwrap_or("")));
                last = m.end;
            }
            out.push_str(s.get(last..).unwrap_or(""));
            Value::String(out)
        }
        // Numbers as decisions write them (see `Num`): a JavaScript caller's 70.0 and a Rust
        // caller's 70 must give the same bytes.
        Value::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() => {
                let x = (f * 10_000.0).round() / 10_000.0;
                if x.fract() == 0.0 && x.abs() < 9.0e15 {
                    Value::from(x as i64)
                } else {
                    serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number)
                }
            }
            _ => Value::Number(n),
        },
        Value::Array(items) => Value::Array(items.into_iter().map(mask_value).collect()),
        Value::Object(m) => Value::Object(m.into_iter().map(|(k, v)| (k, mask_value(v))).collect()),
        other => other,
    }
}
