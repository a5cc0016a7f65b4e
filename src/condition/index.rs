//! Which of many numbered conditions can hold for a text, found from the terms it contains instead
//! of by trying every one: a condition that needs a term ([`super::Condition::need_terms`]) is
//! listed under each of those terms, the others are always tried. With thousands of label rules
//! the walk dominated (each rule's one-word summary test passes for most rules once a complaint
//! touches many words); with the index the cost follows the terms a complaint contains, not the
//! size of the pack. `rules` uses it for label rules.

use super::Condition;
use crate::codec::{Reader, Res, Writer};
use crate::scan::TermId;

/// Conditions numbered 0.. by the terms they need.
#[derive(Debug, Clone, Default)]
pub(crate) struct ConditionIndex {
    /// Conditions that need term `t`: `by_term[term_start[t]..term_start[t + 1]]` (numbers).
    term_start: Vec<u32>,
    by_term: Vec<u32>,
    /// Bitset of the conditions that need no term.
    always: Vec<u64>,
}

impl ConditionIndex {
    /// Index `conditions` (numbered in iteration order) over a pack of `terms` distinct terms.
    pub fn new<'c>(conditions: impl Iterator<Item = &'c Condition>, terms: usize) -> Self {
        let mut pairs: Vec<(TermId, u32)> = Vec::new();
        let mut always_list = Vec::new();
        let mut count = 0u32;
        for (no, c) in conditions.enumerate() {
            let no = no as u32;
            count = no + 1;
            match c.need_terms() {
                Some(ts) => pairs.extend(ts.into_iter().map(|t| (t, no))),
                None => always_list.push(no),
            }
        }
        crate::sort::sort(&mut pairs);
        pairs.dedup();
        let mut term_start = vec![0u32; terms + 1];
        for &(t, _) in &pairs {
            if let Some(c) = term_start.get_mut(t as usize + 1) {
                *c += 1;
            }
        }
        for i in 1..term_start.len() {
            let prev = term_start.get(i - 1).copied().unwrap_or(0);
            if let Some(c) = term_start.get_mut(i) {
                *c += prev;
            }
        }
        let mut always = vec![0u64; (count as usize).div_ceil(64)];
        for no in always_list {
            if let Some(w) = always.get_mut(no as usize / 64) {
                *w |= 1 << (no % 64);
            }
        }
        ConditionIndex {
            term_start,
            by_term: pairs.into_iter().map(|(_, no)| no).collect(),
            always,
        }
    }

    /// Write the index: per term, how many conditions it lists and their numbers (ascending, as
    /// deltas), then the always-tried conditions.
    pub fn write(&self, w: &mut Writer) {
        w.size(self.term_start.len().saturating_sub(1));
        for pair in self.term_start.windows(2) {
            let (from, to) = (pair.first().copied(), pair.get(1).copied());
            let list = from
                .zip(to)
                .and_then(|(a, b)| self.by_term.get(a as usize..b as usize))
                .unwrap_or_default();
            w.size(list.len());
            let mut prev = 0;
            for (i, &no) in list.iter().enumerate() {
                w.uv(u64::from(if i == 0 { no } else { no - prev }));
                prev = no;
            }
        }
        w.list(&self.always, |w, &bits| w.uv(bits));
    }

    /// Read an index written by [`ConditionIndex::write`] over `terms` terms and `count`
    /// conditions: every number below `count`, each term's list ascending.
    pub fn load(r: &mut Reader, terms: usize, count: usize) -> Res<ConditionIndex> {
        let n = r.len(1)?;
        if n != terms {
            return Err(r.corrupt(format!("a rule index over {n} terms, the pack has {terms}")));
        }
        let mut term_start = Vec::with_capacity(n + 1);
        let mut by_term: Vec<u32> = Vec::new();
        term_start.push(0);
        for _ in 0..n {
            let k = r.len(1)?;
            let mut prev = 0usize;
            for i in 0..k {
                let d = r.index(count, "rule")?;
                let no = prev + d;
                if (i > 0 && d == 0) || no >= count {
                    return Err(r.corrupt(format!("rule numbers not ascending below {count}")));
                }
                by_term.push(no as u32);
                prev = no;
            }
            term_start.push(by_term.len() as u32);
        }
        let always = r.list(1, |r| r.uv())?;
        if always.len() != count.div_ceil(64) {
            return Err(r.corrupt(format!(
                "{} words of always-tried rules for {count} rules",
                always.len()
            )));
        }
        Ok(ConditionIndex {
            term_start,
            by_term,
            always,
        })
    }

    /// The numbers of the conditions that can hold for a text whose present terms (any hit,
    /// negated or not) are the set bits of `present_any`, into `out`, ascending and distinct;
    /// `bits` is a scratch bitset.
    pub fn candidates(&self, present_any: &[u64], bits: &mut Vec<u64>, out: &mut Vec<u32>) {
        bits.clear();
        bits.extend_from_slice(&self.always);
        for (w, &word) in present_any.iter().enumerate() {
            let mut rest = word;
            while rest != 0 {
                let t = w * 64 + rest.trailing_zeros() as usize;
                rest &= rest - 1;
                let (Some(&from), Some(&to)) = (self.term_start.get(t), self.term_start.get(t + 1))
                else {
                    continue;
                };
                for &no in self
                    .by_term
                    .get(from as usize..to as usize)
                    .unwrap_or_default()
                {
                    if let Some(b) = bits.get_mut(no as usize / 64) {
                        *b |= 1 << (no % 64);
                    }
                }
            }
        }
        out.clear();
        for (w, &word) in bits.iter().enumerate() {
            let mut rest = word;
            while rest != 0 {
                out.push((w * 64) as u32 + rest.trailing_zeros());
                rest &= rest - 1;
            }
        }
    }
}
