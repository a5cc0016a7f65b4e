//! The `near` kind — `{"near": {"a": ["银行"], "b": ["不处理"], "within": 6, "ordered": true}}`:
//! a term of `a` and a term of `b` at most `within` characters apart (a before b when `ordered`),
//! never across the title/text separator. Evidence is the first such pair.

use super::terms::{read_list, term_set};
use super::{At, Bounds, Build, Ctx, RawEvidence, Reader, TermSet};
use crate::codec::{Reader as Bytes, Res, Writer};
use crate::error::pointer;
use crate::scan::Hit;
use serde_json::Value;

/// `near` as written.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct NearDef {
    /// One side's terms.
    pub a: Vec<String>,
    /// The other side's terms.
    pub b: Vec<String>,
    /// Largest gap in characters.
    pub within: usize,
    /// `a` must come first.
    pub ordered: bool,
    /// Negated occurrences do not count.
    pub negation: bool,
}

/// `near` compiled.
#[derive(Debug, Clone)]
pub(crate) struct Near {
    /// One side's terms.
    pub a: TermSet,
    /// The other side's terms.
    pub b: TermSet,
    within: usize,
    ordered: bool,
    negation: bool,
}

pub(super) fn read(r: &mut Reader, body: &Value, at: &At, negation: bool) -> Option<NearDef> {
    let bp = at.body;
    let nm = r.c.object(body, bp, &["a", "b", "within", "ordered"])?;
    let a = match nm.get("a") {
        Some(x) => read_list(r, x, &pointer(bp, "a")),
        None => {
            r.c.error(bp, "missing required key \"a\"");
            None
        }
    };
    let b = match nm.get("b") {
        Some(x) => read_list(r, x, &pointer(bp, "b")),
        None => {
            r.c.error(bp, "missing required key \"b\"");
            None
        }
    };
    let within = r.c.count(nm, "within", bp, 10_000);
    if within.is_none() && !nm.contains_key("within") {
        r.c.error(bp, "missing required key \"within\"");
    }
    let ordered = r.c.boolean(nm, "ordered", bp).unwrap_or(false);
    Some(NearDef {
        a: a?,
        b: b?,
        within: within? as usize,
        ordered,
        negation,
    })
}

pub(super) fn compile(b: &mut Build, d: &NearDef, path: &str) -> Near {
    Near {
        a: term_set(b, &d.a, &format!("{path}/near/a")),
        b: term_set(b, &d.b, &format!("{path}/near/b")),
        within: d.within,
        ordered: d.ordered,
        negation: d.negation,
    }
}

impl Near {
    pub(super) fn write(&self, w: &mut Writer) {
        self.a.write(w);
        self.b.write(w);
        w.size(self.within);
        w.bool(self.ordered);
        w.bool(self.negation);
    }

    pub(super) fn load(r: &mut Bytes, b: &Bounds) -> Res<Near> {
        Ok(Near {
            a: TermSet::load(r, b)?,
            b: TermSet::load(r, b)?,
            within: r.size(10_000, "within")?,
            ordered: r.bool()?,
            negation: r.bool()?,
        })
    }

    pub(super) fn holds(&self, ctx: &Ctx) -> bool {
        if !self.a.may_meet(ctx.scan.summary) || !self.b.may_meet(ctx.scan.summary) {
            return false;
        }
        let bits = ctx.presence(self.negation);
        self.a.any(bits) && self.b.any(bits) && self.pair(ctx).is_some()
    }

    pub(super) fn evidence(&self, ctx: &Ctx, out: &mut Vec<RawEvidence>, max: usize) {
        let Some((ha, hb)) = self.pair(ctx) else {
            return;
        };
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

    /// The first pair (in hit order) of a hit of `a` and a hit of `b` at most `within` chars
    /// apart, never across the title/text separator.
    fn pair(&self, ctx: &Ctx) -> Option<(Hit, Hit)> {
        let hits = &ctx.scan.hits;
        let within = self.within;
        // A char is 1 to 4 bytes, so a gap of more than 4 × `within` bytes is too far, and one
        // of at most `within` bytes is near enough without counting chars. For a hit of `a`,
        // every hit of `b` that can qualify starts in [start − reach − longest pattern,
        // end + reach]: only that slice of the (start-sorted) hits is tried, in the same order
        // as a full walk, so the pair found is the same. (With all pairs tried, `near` cost
        // ≈ 4k instructions per call on the shared corpus.)
        let reach = within.saturating_mul(4);
        let back = reach.saturating_add(ctx.scanner.max_pattern_bytes);
        let bytes = ctx.text.as_bytes();
        for ha in ctx.term_hits(&self.a, self.negation) {
            let lo_start = (ha.start as usize).saturating_sub(back);
            let hi_start = (ha.end as usize).saturating_add(reach);
            let lo = hits.partition_point(|h| (h.start as usize) < lo_start);
            let window = hits
                .get(lo..)
                .unwrap_or_default()
                .iter()
                .take_while(|h| h.start as usize <= hi_start)
                .filter(|h| (!self.negation || h.negated_by.is_none()) && self.b.contains(h.term));
            for hb in window {
                // One occurrence cannot stand for both sides.
                if ha.start == hb.start && ha.end == hb.end {
                    continue;
                }
                let (gap_from, gap_to) = if hb.start >= ha.end {
                    (ha.end, hb.start)
                } else if self.ordered {
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
}
