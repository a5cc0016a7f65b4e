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
    /// apart, never across the title/text separator: the windowed search below, or — when its
    /// windows hold too many hits (a pack's `within` may be 10,000 chars) — the same answer in
    /// one pass ([`Near::pair_linear`]).
    fn pair(&self, ctx: &Ctx) -> Option<(Hit, Hit)> {
        #[cfg(test)]
        if tests::FORCE_LINEAR.with(std::cell::Cell::get) {
            return self.pair_linear(ctx);
        }
        self.pair_windowed(ctx)
            .unwrap_or_else(|| self.pair_linear(ctx))
    }

    /// Is a hit one this condition counts (a negated one only with `"negation": false`)?
    fn counts(&self, h: &Hit) -> bool {
        !self.negation || h.negated_by.is_none()
    }

    /// The first pair in hit order, found with a pass over the hits and one over the text: no
    /// more work than the text and its hits, whatever `within` is. The windowed search took
    /// 1.7 s for 20,000 chars with `within` 10,000 (every `b` before every `a`, `ordered`).
    ///
    /// For a hit `ha` of `a`, the `b` hits that start before `ha` ends qualify exactly when they
    /// end at or after `t(ha)`, the earliest byte from which `ha` is at most `within` chars away
    /// in the same field (they overlap `ha`, or end close enough before it); the first of those
    /// in hit order is the answer if there is one. `t` only grows from one hit of `a` to the
    /// next, so a `b` hit that ends before it can be skipped for good (a "next alive" list with
    /// path halving). Otherwise the first `b` hit starting at or after `ha`'s end is the only one
    /// after it that can qualify (the gap only grows).
    fn pair_linear(&self, ctx: &Ctx) -> Option<(Hit, Hit)> {
        let hits = &ctx.scan.hits;
        let bytes = ctx.text.as_bytes();
        let b: Vec<&Hit> = hits
            .iter()
            .filter(|h| self.counts(h) && self.b.contains(h.term))
            .collect();
        if b.is_empty() {
            return None;
        }
        // Char index of every byte offset, and the byte offset of every char index.
        let mut char_at: Vec<u32> = Vec::with_capacity(bytes.len() + 1);
        let mut char_start: Vec<u32> = Vec::new();
        let mut n = 0u32;
        for (i, &x) in bytes.iter().enumerate() {
            if x & 0xC0 != 0x80 {
                char_start.push(i as u32);
                n += 1;
            }
            char_at.push(n - u32::from(x & 0xC0 != 0x80));
        }
        char_at.push(n);
        char_start.push(bytes.len() as u32);
        let sep = bytes.iter().position(|&x| x == b'\n');
        let chars = |i: u32| char_at.get(i as usize).copied().unwrap_or(n);
        let within = u32::try_from(self.within).unwrap_or(u32::MAX);
        // next[i]: the first live `b` index at or after i (b.len() when none).
        let mut next: Vec<u32> = (0..=b.len() as u32).collect();
        fn find(next: &mut [u32], mut i: u32) -> u32 {
            while let Some(&j) = next.get(i as usize) {
                if j == i {
                    break;
                }
                let jj = next.get(j as usize).copied().unwrap_or(j);
                if let Some(slot) = next.get_mut(i as usize) {
                    *slot = jj;
                }
                i = j;
            }
            i
        }
        for ha in hits
            .iter()
            .filter(|h| self.counts(h) && self.a.contains(h.term))
        {
            let after = b.partition_point(|h| h.start < ha.end);
            if !self.ordered {
                // t(ha): `within` chars before its start, but not before its field.
                let back = chars(ha.start).saturating_sub(within);
                let mut t = char_start.get(back as usize).copied().unwrap_or(0);
                if let Some(sep) = sep.map(|s| s as u32) {
                    if sep < ha.start {
                        t = t.max(sep + 1);
                    }
                }
                let mut i = find(&mut next, 0);
                while (i as usize) < after {
                    let Some(hb) = b.get(i as usize) else { break };
                    if hb.end < t {
                        if let Some(slot) = next.get_mut(i as usize) {
                            *slot = i + 1;
                        }
                        i = find(&mut next, i + 1);
                        continue;
                    }
                    if hb.start == ha.start && hb.end == ha.end {
                        i = find(&mut next, i + 1);
                        continue;
                    }
                    return Some((*ha, **hb));
                }
            }
            if let Some(hb) = b.get(after) {
                let crosses = sep.is_some_and(|s| (ha.end as usize) <= s && s < hb.start as usize);
                if !crosses && chars(hb.start) - chars(ha.end) <= within {
                    return Some((*ha, **hb));
                }
            }
        }
        None
    }

    /// The windowed search: for each hit of `a`, the hits whose start can be near it. Cheap
    /// when windows hold a few hits (every ordinary complaint); None — not "no pair" — once it
    /// has examined more candidates than a few per hit, for [`Near::pair_linear`] to answer.
    fn pair_windowed(&self, ctx: &Ctx) -> Option<Option<(Hit, Hit)>> {
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
        let mut budget = 64 + 8 * hits.len();
        for ha in ctx.term_hits(&self.a, self.negation) {
            let lo_start = (ha.start as usize).saturating_sub(back);
            let hi_start = (ha.end as usize).saturating_add(reach);
            let lo = hits.partition_point(|h| (h.start as usize) < lo_start);
            let window = hits
                .get(lo..)
                .unwrap_or_default()
                .iter()
                .take_while(|h| h.start as usize <= hi_start);
            for hb in window {
                // Every hit looked at counts against the budget, and every 16 gap bytes read.
                budget = budget.checked_sub(1)?;
                if !(self.counts(hb) && self.b.contains(hb.term)) {
                    continue;
                }
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
                budget = budget.checked_sub(len / 16)?;
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
                    return Some(Some((*ha, *hb)));
                }
            }
        }
        Some(None)
    }
}

#[cfg(test)]
mod tests {
    thread_local! {
        /// Makes every `near` take the one-pass search, to compare it with the windowed one.
        pub static FORCE_LINEAR: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    }

    /// The one-pass search finds exactly the pair the windowed search finds: the same labels
    /// and the same evidence, over random texts of overlapping terms, cues, clause marks and
    /// title/text splits, for every combination of `within`, `ordered` and `negation`.
    // Its pack is JSON, which only the `json-packs` build reads.
    #[cfg(feature = "json-packs")]
    #[test]
    fn the_linear_search_finds_the_windowed_pair() {
        use crate::Engine;
        use serde_json::json;

        let mut rules = Vec::new();
        for within in [0, 1, 2, 5, 40] {
            for ordered in [false, true] {
                for negation in [false, true] {
                    rules.push(
                        json!({"id": format!("r{within}{ordered}{negation}"), "when": {
                        "near": {"a": ["甲乙", "乙", "ab"], "b": ["乙丙", "丙", "b", "甲乙"],
                                 "within": within, "ordered": ordered},
                        "negation": negation}}),
                    );
                }
            }
        }
        let pack = json!({
            "pack": {"id": "near", "version": "1"},
            "settings": {"negation": {"cues": ["没", "no"], "window": 2}, "limits": {"max_evidence": 50}},
            "dimensions": [{"id": "d", "multi": true, "threshold": 0.1, "labels":
                rules.iter().enumerate().map(|(i, r)| json!({"code": format!("l{i}"), "name": "n", "rules": [r]})).collect::<Vec<_>>()}]
        })
        .to_string();
        let engine = Engine::new(&pack).unwrap_or_else(|e| panic!("{e:?}"));
        let alphabet = [
            "甲", "乙", "丙", "甲乙", "乙丙", "没", "，", "的", "a", "b", "ab", " ", "no ",
        ];
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for _ in 0..3000 {
            let len = (next() % 40) as usize;
            let mut text = String::new();
            for _ in 0..len {
                text.push_str(alphabet[(next() % alphabet.len() as u64) as usize]);
            }
            let title: String = (0..(next() % 4))
                .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                .collect();
            let c = json!({"title": title, "text": text}).to_string();
            let windowed = engine.classify_json(&c).map(|d| d.to_json());
            FORCE_LINEAR.with(|f| f.set(true));
            let linear = engine.classify_json(&c).map(|d| d.to_json());
            FORCE_LINEAR.with(|f| f.set(false));
            assert_eq!(windowed, linear, "{c}");
        }
    }
}
