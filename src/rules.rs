//! Step five: pack → compile → text → scan → **rules** → decide. Evaluates compiled conditions
//! over the hits of one scan and the complaint's fields — never by re-scanning the text — and, for
//! conditions that hold, collects the evidence that made them hold.

use crate::compile::{AmountField, CCond, CFieldOp, Compiled, TermId, TermSet};
use crate::scan::{Hit, Scan};
use crate::text::{normalize_cow, normalize_str};
use serde_json::Value;
use std::borrow::Cow;

/// Aggregates over the amounts of one complaint, reachable as `amount.max|sum|count`.
#[derive(Debug, Clone, Copy, Default)]
pub struct AmountAgg {
    /// Largest.
    pub max: Option<f64>,
    /// Sum.
    pub sum: Option<f64>,
    /// Count.
    pub count: usize,
}

/// A JSON number written the way decisions write numbers: whole values without a fraction.
fn number(f: f64) -> Option<Value> {
    if f.fract() == 0.0 && f.abs() < 9.0e15 {
        Some(Value::from(f as i64))
    } else {
        serde_json::Number::from_f64(f).map(Value::Number)
    }
}

/// Evidence before it is mapped back to the original text.
#[derive(Debug, Clone, PartialEq)]
pub enum RawEvidence {
    /// A term hit (byte range in the normalised text).
    Term { term: TermId, start: u32, end: u32 },
    /// A regex match (byte range in the normalised text).
    Regex { index: usize, start: u32, end: u32 },
    /// A field that satisfied a comparison.
    Field { path: String, value: Value },
    /// A label of another dimension.
    Label { dim: usize, code: String },
}

/// What conditions are evaluated against.
pub struct Ctx<'a> {
    /// Compiled pack.
    pub compiled: &'a Compiled,
    /// Scan of the normalised text.
    pub scan: &'a Scan,
    /// Normalised text.
    pub text: &'a str,
    /// The complaint as JSON (an object).
    pub input: &'a Value,
    /// Amount aggregates.
    pub amounts: AmountAgg,
    /// Label indices assigned so far, per dimension.
    pub assigned: &'a [Vec<usize>],
}

impl Ctx<'_> {
    fn term_hits<'s>(
        &'s self,
        ids: &'s TermSet,
        negation: bool,
    ) -> impl Iterator<Item = &'s Hit> + 's {
        self.scan
            .hits
            .iter()
            .filter(move |h| (!negation || h.negated_by.is_none()) && ids.contains(h.term))
    }

    fn field(&self, segments: &[String], amount: Option<AmountField>) -> Option<Cow<'_, Value>> {
        if let Some(a) = amount {
            let v = match a {
                AmountField::Max => self.amounts.max.and_then(number),
                AmountField::Sum => self.amounts.sum.and_then(number),
                AmountField::Count => Some(Value::from(self.amounts.count as u64)),
            };
            return v.map(Cow::Owned);
        }
        let mut cur = self.input;
        for seg in segments {
            cur = match cur {
                Value::Object(m) => m.get(seg)?,
                Value::Array(a) => a.get(seg.parse::<usize>().ok()?)?,
                _ => return None,
            };
        }
        Some(Cow::Borrowed(cur))
    }

    /// The first pair (in hit order) of a hit of `a` and a hit of `b` at most `within` chars
    /// apart, never across the title/text separator.
    fn near_pair(
        &self,
        a: &TermSet,
        b: &TermSet,
        within: usize,
        ordered: bool,
        negation: bool,
    ) -> Option<(Hit, Hit)> {
        let hits = &self.scan.hits;
        // A char is 1 to 4 bytes, so a gap of more than 4 × `within` bytes is too far, and one
        // of at most `within` bytes is near enough without counting chars. For a hit of `a`,
        // every hit of `b` that can qualify starts in [start − reach − longest pattern,
        // end + reach]: only that slice of the (start-sorted) hits is tried, in the same order
        // as a full walk, so the pair found is the same. (With all pairs tried, `near` cost
        // ≈ 4k instructions per call on the shared corpus.)
        let reach = within.saturating_mul(4);
        let back = reach.saturating_add(self.compiled.max_pattern_bytes);
        let bytes = self.text.as_bytes();
        for ha in self.term_hits(a, negation) {
            let lo_start = (ha.start as usize).saturating_sub(back);
            let hi_start = (ha.end as usize).saturating_add(reach);
            let lo = hits.partition_point(|h| (h.start as usize) < lo_start);
            let window = hits
                .get(lo..)
                .unwrap_or_default()
                .iter()
                .take_while(|h| h.start as usize <= hi_start)
                .filter(|h| (!negation || h.negated_by.is_none()) && b.contains(h.term));
            for hb in window {
                // One occurrence cannot stand for both sides.
                if ha.start == hb.start && ha.end == hb.end {
                    continue;
                }
                let (gap_from, gap_to) = if hb.start >= ha.end {
                    (ha.end, hb.start)
                } else if ordered {
                    continue;
                } else if ha.start >= hb.end {
                    (hb.end, ha.start)
                } else {
                    (0, 0) // overlapping occurrences: distance 0
                };
                let (from, to) = (gap_from as usize, gap_to as usize);
                let len = to.saturating_sub(from);
                if len > reach {
                    continue;
                }
                let gap = bytes.get(from..to).unwrap_or_default();
                // Never across the title/text separator.
                if gap.contains(&b'\n') {
                    continue;
                }
                let dist = if len <= within {
                    len
                } else {
                    gap.iter().filter(|&&x| x & 0xC0 != 0x80).count()
                };
                if dist <= within {
                    return Some((*ha, *hb));
                }
            }
        }
        None
    }

    /// Does the condition hold?
    pub fn holds(&self, c: &CCond) -> bool {
        match c {
            CCond::Terms { ids, negation, min } => {
                if !ids.may_meet(self.scan.summary) {
                    return false;
                }
                let bits = if *negation {
                    &self.scan.present
                } else {
                    &self.scan.present_any
                };
                if *min <= 1 {
                    ids.any(bits)
                } else {
                    ids.count(bits) >= *min
                }
            }
            CCond::Regex(i) => self.scan.regex_matched.get(*i).copied().unwrap_or(false),
            CCond::Near {
                a,
                b,
                within,
                ordered,
                negation,
            } => {
                if !a.may_meet(self.scan.summary) || !b.may_meet(self.scan.summary) {
                    return false;
                }
                let bits = if *negation {
                    &self.scan.present
                } else {
                    &self.scan.present_any
                };
                a.any(bits)
                    && b.any(bits)
                    && self.near_pair(a, b, *within, *ordered, *negation).is_some()
            }
            CCond::Field {
                segments,
                amount,
                ops,
                ..
            } => {
                let v = self.field(segments, *amount);
                let v = v.as_deref().filter(|x| !x.is_null());
                // Normalise a string field once, not once per compared value.
                let norm = match v {
                    Some(Value::String(s)) => {
                        Some(normalize_cow(s.trim(), &self.compiled.normalize))
                    }
                    _ => None,
                };
                ops.iter()
                    .all(|op| field_op(op, v, norm.as_deref(), &self.compiled.normalize))
            }
            CCond::Label { dim, matching, .. } => self
                .assigned
                .get(*dim)
                .is_some_and(|a| a.iter().any(|l| matching.contains(l))),
            CCond::All(cs) => cs.iter().all(|c| self.holds(c)),
            CCond::Any(cs) => cs.iter().any(|c| self.holds(c)),
            CCond::Not(c) => !self.holds(c),
            CCond::AtLeast { n, of } => of.iter().filter(|c| self.holds(c)).take(*n).count() >= *n,
        }
    }

    /// Evidence for a condition that holds (at most `max` items appended).
    pub fn evidence(&self, c: &CCond, out: &mut Vec<RawEvidence>, max: usize) {
        if out.len() >= max {
            return;
        }
        match c {
            CCond::Terms { ids, negation, .. } => {
                for h in self.term_hits(ids, *negation) {
                    if out.len() >= max {
                        break;
                    }
                    out.push(RawEvidence::Term {
                        term: h.term,
                        start: h.start,
                        end: h.end,
                    });
                }
            }
            CCond::Regex(i) => {
                if let Some(re) = self.compiled.regexes.get(*i) {
                    for (offset, seg) in crate::scan::fields(self.text) {
                        for m in re.find_iter(seg) {
                            if out.len() >= max {
                                break;
                            }
                            if m.start() < m.end() {
                                out.push(RawEvidence::Regex {
                                    index: *i,
                                    start: (offset + m.start()) as u32,
                                    end: (offset + m.end()) as u32,
                                });
                            }
                        }
                    }
                }
            }
            CCond::Near {
                a,
                b,
                within,
                ordered,
                negation,
            } => {
                if let Some((ha, hb)) = self.near_pair(a, b, *within, *ordered, *negation) {
                    out.push(RawEvidence::Term {
                        term: ha.term,
                        start: ha.start,
                        end: ha.end,
                    });
                    if out.len() < max {
                        out.push(RawEvidence::Term {
                            term: hb.term,
                            start: hb.start,
                            end: hb.end,
                        });
                    }
                }
            }
            CCond::Field {
                path,
                segments,
                amount,
                ..
            } => {
                let value = self
                    .field(segments, *amount)
                    .map(|c| c.into_owned())
                    .unwrap_or(Value::Null);
                out.push(RawEvidence::Field {
                    path: path.clone(),
                    value,
                });
            }
            CCond::Label { dim, code, .. } => out.push(RawEvidence::Label {
                dim: *dim,
                code: code.clone(),
            }),
            CCond::All(cs) => cs.iter().for_each(|c| self.evidence(c, out, max)),
            CCond::Any(cs) | CCond::AtLeast { of: cs, .. } => {
                for c in cs {
                    if self.holds(c) {
                        self.evidence(c, out, max);
                    }
                }
            }
            CCond::Not(_) => {}
        }
    }
}

fn values_equal(a: &Value, norm: Option<&str>, b: &Value) -> bool {
    match (a, b) {
        (Value::String(_), Value::String(y)) => norm == Some(y.as_str()),
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Bool(x), Value::Bool(y)) => x == y,
        _ => false,
    }
}

/// `v` is the field (None when absent or null); `norm` its normalised text when it is a string.
fn field_op(
    op: &CFieldOp,
    v: Option<&Value>,
    norm: Option<&str>,
    opts: &crate::text::NormalizeOptions,
) -> bool {
    let present = v;
    match op {
        CFieldOp::Exists(want) => present.is_some() == *want,
        CFieldOp::Eq(want) => present.is_some_and(|x| values_equal(x, norm, want)),
        CFieldOp::In(wants) => {
            present.is_some_and(|x| wants.iter().any(|w| values_equal(x, norm, w)))
        }
        CFieldOp::Gte(n) => present.and_then(Value::as_f64).is_some_and(|x| x >= *n),
        CFieldOp::Lte(n) => present.and_then(Value::as_f64).is_some_and(|x| x <= *n),
        CFieldOp::Gt(n) => present.and_then(Value::as_f64).is_some_and(|x| x > *n),
        CFieldOp::Lt(n) => present.and_then(Value::as_f64).is_some_and(|x| x < *n),
        CFieldOp::Contains(needle) => match present {
            Some(Value::String(_)) => norm.is_some_and(|n| n.contains(needle.as_str())),
            Some(Value::Array(items)) => items
                .iter()
                .any(|x| matches!(x, Value::String(s) if normalize_str(s.trim(), opts) == *needle)),
            _ => false,
        },
    }
}
