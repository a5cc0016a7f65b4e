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

    /// The original substring with personal data masked. One pass over the slice and the masks
    /// it meets (the masks are sorted and never overlap; each keeps its original's char count):
    /// looking the mask of every char up in every mask was quadratic, 1.3 ms per 1,000 chars
    /// for a text of phone numbers.
    /// Whether `start..end` touches personal data.
    pub fn touches_mask(&self, start: usize, end: usize) -> bool {
        let first = self.masks.partition_point(|(_, e, _)| *e <= start);
        self.masks.get(first).is_some_and(|(s, _, _)| *s < end)
    }

    pub fn masked_slice(&self, start: usize, end: usize) -> String {
        let original = self.original;
        let slice = original.get(start..end).unwrap_or("");
        let first = self.masks.partition_point(|(_, e, _)| *e <= start);
        if !self.masks.get(first).is_some_and(|(s, _, _)| *s < end) {
            return slice.to_string();
        }
        let mut out = String::with_capacity(slice.len());
        let mut pos = start;
        for (s, e, m) in self.masks.get(first..).unwrap_or_default() {
            if *s >= end {
                break;
            }
            if *s > pos {
                out.push_str(original.get(pos..*s).unwrap_or(""));
                pos = *s;
            }
            let upto = (*e).min(end);
            if upto <= pos {
                continue;
            }
            // The slice may begin inside this mask: skip the mask chars before it.
            let skip = crate::text::char_distance(original, *s, pos);
            let n = crate::text::char_distance(original, pos, upto);
            let mut rep = m.chars().skip(skip);
            out.extend((0..n).map(|_| rep.next().unwrap_or('*')));
            pos = upto;
        }
        out.push_str(original.get(pos..end).unwrap_or(""));
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

/// The span keys met while mapping one condition's evidence: a short list searched linearly (a
/// rule quotes `max_evidence` items, 8 by default), a hash set once it grows (a pack may allow
/// 1,000 per rule, where the list was quadratic).
#[derive(Default)]
pub(crate) struct SpanKeys {
    few: Vec<SpanKey>,
    many: std::collections::HashSet<SpanKey>,
}

impl SpanKeys {
    const FEW: usize = 16;

    fn clear(&mut self) {
        self.few.clear();
        self.many.clear();
    }

    /// Record `key`; false when it was there already.
    fn insert(&mut self, key: SpanKey) -> bool {
        if self.many.is_empty() {
            if self.few.contains(&key) {
                return false;
            }
            if self.few.len() < Self::FEW {
                self.few.push(key);
                return true;
            }
            self.many.extend(self.few.drain(..));
        }
        self.many.insert(key)
    }
}

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
    pub fn map(&self, raw: &mut Vec<RawEvidence>, keys: &mut SpanKeys) -> Vec<Evidence> {
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
    fn model(&self, model: usize, label: usize, keys: &mut SpanKeys, out: &mut Vec<Evidence>) {
        let (Some(a), Some(m)) = (self.analyses.get(model), self.pack.models.get(model)) else {
            return;
        };
        for c in a.explain(label, self.max) {
            let (Ok(start), Ok(end)) = (u32::try_from(c.start), u32::try_from(c.end)) else {
                continue;
            };
            // An n-gram inside personal data (digits of a phone number the vocabulary happens
            // to hold) is not quoted: a decision never repeats personal data, even in part.
            let touches = self
                .norm
                .original_range(c.start, c.end)
                .and_then(|(pi, os, oe)| Some(self.parts.get(pi)?.touches_mask(os, oe)));
            if touches != Some(false) {
                continue;
            }
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
        keys: &mut SpanKeys,
        (kind_id, term_id): (u8, TermId),
        start: u32,
        end: u32,
        kind: &'static str,
        term: Option<&std::sync::Arc<str>>,
    ) -> Option<Evidence> {
        let (pi, os, oe) = self.norm.original_range(start as usize, end as usize)?;
        let part = self.parts.get(pi)?;
        if !keys.insert((kind_id, term_id, pi, os, oe)) {
            return None;
        }
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
/// personal data are still masked, because a decision never repeats it — nor a number that is
/// personal data (`"customer": {"id": 13812345678}`), which is quoted as its masked digits, a
/// string — and numbers are written in the decision's fixed number format.
fn mask_value(v: Value) -> Value {
    match v {
        Value::String(s) => match pii::mask_all(&s) {
            Some(masked) => Value::String(masked),
            None => Value::String(s),
        },
        Value::Number(n) => {
            if n.is_u64() || n.is_i64() {
                if let Some(masked) = pii::mask_all(&n.to_string()) {
                    return Value::String(masked);
                }
            }
            match n.as_f64() {
                // Numbers as decisions write them (see `Num`): a JavaScript caller's 70.0 and a
                // Rust caller's 70 must give the same bytes.
                Some(f) if n.is_f64() => {
                    let x = (f * 10_000.0).round() / 10_000.0;
                    if x.fract() == 0.0 && x.abs() < 9.0e15 {
                        let whole = x as i64;
                        match pii::mask_all(&whole.to_string()) {
                            Some(masked) => Value::String(masked),
                            None => Value::from(whole),
                        }
                    } else {
                        serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number)
                    }
                }
                _ => Value::Number(n),
            }
        }
        Value::Array(items) => Value::Array(items.into_iter().map(mask_value).collect()),
        Value::Object(m) => Value::Object(m.into_iter().map(|(k, v)| (k, mask_value(v))).collect()),
        other => other,
    }
}
