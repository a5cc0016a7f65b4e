//! Building a [`Matcher`] from patterns: a trie over character classes; its states placed in
//! the double array breadth-first (each state's children where every one of their slots is
//! free, the lowest such place); then failure links and output lists, breadth-first too.

use super::{Matcher, Slot, MAX_CHARS};
use std::collections::BTreeSet;

/// Slots in use, as a bitset, with the lowest free slot.
struct Used {
    bits: Vec<u64>,
    first_free: usize,
}

impl Used {
    fn get(&self, i: usize) -> bool {
        self.bits
            .get(i / 64)
            .is_some_and(|w| w >> (i % 64) & 1 == 1)
    }

    fn set(&mut self, i: usize) {
        if self.bits.len() <= i / 64 {
            self.bits.resize(i / 64 + 1, 0);
        }
        if let Some(w) = self.bits.get_mut(i / 64) {
            *w |= 1 << (i % 64);
        }
        if i == self.first_free {
            self.first_free = self.free_from(i + 1);
        }
    }

    /// The lowest free slot at or after `i`.
    fn free_from(&self, i: usize) -> usize {
        let mut w = i / 64;
        let mut word = self.bits.get(w).map_or(0, |x| x | ((1u64 << (i % 64)) - 1));
        while word == u64::MAX {
            w += 1;
            word = self.bits.get(w).copied().unwrap_or(0);
        }
        w * 64 + word.trailing_ones() as usize
    }

    /// The lowest base at which every class of `classes` (ascending, not empty, each ≥ 1)
    /// lands on a free slot.
    fn base_for(&self, classes: &[u32]) -> usize {
        let Some(&first) = classes.first() else {
            return 0;
        };
        let first = first as usize;
        let mut f = self.free_from(self.first_free.max(first));
        loop {
            let base = f - first;
            if classes
                .iter()
                .skip(1)
                .all(|&c| !self.get(base + c as usize))
            {
                return base;
            }
            f = self.free_from(f + 1);
        }
    }
}

impl Matcher {
    /// The automaton for `patterns` (pattern `i` is reported as `i`). An empty pattern would
    /// match between every two characters; packs never have one, so it is refused.
    pub fn new<S: AsRef<str>>(patterns: &[S]) -> Result<Matcher, String> {
        let chars: Vec<char> = patterns
            .iter()
            .flat_map(|p| p.as_ref().chars())
            .collect::<BTreeSet<char>>()
            .into_iter()
            .collect();
        let class = |ch: char| chars.binary_search(&ch).map_or(0, |k| k as u32 + 1);
        if u32::try_from(patterns.len()).is_err() {
            return Err("too many patterns".into());
        }
        if chars.len() > MAX_CHARS {
            return Err(format!(
                "the terms have {} distinct characters, more than {MAX_CHARS}",
                chars.len()
            ));
        }
        // The trie: the root's children in a dense table (a Chinese pack's root has a child
        // for most of its ≈ 1,000 characters), every other node's in a short list.
        let mut root_kids = vec![0u32; chars.len() + 1];
        let mut kids: Vec<Vec<(u32, u32)>> = vec![Vec::new()];
        let mut ends: Vec<(u32, u32)> = Vec::with_capacity(patterns.len());
        for (pi, p) in patterns.iter().enumerate() {
            let p = p.as_ref();
            if p.is_empty() {
                return Err(format!("pattern {pi} is empty"));
            }
            let mut node = 0u32;
            for ch in p.chars() {
                let cls = class(ch);
                let existing = if node == 0 {
                    root_kids.get(cls as usize).copied().filter(|&n| n != 0)
                } else {
                    kids.get(node as usize)
                        .and_then(|k| k.iter().find(|e| e.0 == cls))
                        .map(|e| e.1)
                };
                node = match existing {
                    Some(n) => n,
                    None => {
                        let n = u32::try_from(kids.len()).map_err(|_| "too many states")?;
                        kids.push(Vec::new());
                        if node == 0 {
                            if let Some(slot) = root_kids.get_mut(cls as usize) {
                                *slot = n;
                            }
                        } else if let Some(k) = kids.get_mut(node as usize) {
                            k.push((cls, n));
                        }
                        n
                    }
                };
            }
            ends.push((node, pi as u32));
        }
        if let Some(r) = kids.first_mut() {
            *r = root_kids
                .iter()
                .enumerate()
                .filter(|(_, &n)| n != 0)
                .map(|(c, &n)| (c as u32, n))
                .collect();
        }
        // Breadth-first, children by class: each state is placed before its children, and a
        // failure link (to a shallower state) is known before it is needed.
        let n = kids.len();
        let mut order: Vec<u32> = Vec::with_capacity(n);
        order.push(0);
        let mut head = 0;
        while let Some(&node) = order.get(head) {
            head += 1;
            if let Some(k) = kids.get_mut(node as usize) {
                crate::sort::sort(k);
                order.extend(k.iter().map(|e| e.1));
            }
        }
        let mut slot_of = vec![0u32; n];
        let mut used = Used {
            bits: vec![1],
            first_free: 1,
        };
        let mut slots = vec![Slot::default()];
        for &node in &order {
            let s = slot_of.get(node as usize).copied().unwrap_or(0);
            let k = kids
                .get(node as usize)
                .map(Vec::as_slice)
                .unwrap_or_default();
            if k.is_empty() {
                continue;
            }
            let classes: Vec<u32> = k.iter().map(|e| e.0).collect();
            let base = used.base_for(&classes);
            let base32 = u32::try_from(base).map_err(|_| "too many states")?;
            if let Some(st) = slots.get_mut(s as usize) {
                st.base = base32;
            }
            for &(cls, child) in k {
                let t = base + cls as usize;
                if slots.len() <= t {
                    slots.resize(t + 1, Slot::default());
                }
                used.set(t);
                if let Some(x) = slots.get_mut(t) {
                    x.check = s + 1;
                }
                if let Some(c) = slot_of.get_mut(child as usize) {
                    *c = t as u32;
                }
            }
        }
        if u32::try_from(slots.len()).is_err() {
            return Err("too many states".into());
        }
        let mut m = Matcher {
            chars,
            classes: Vec::new(),
            slots,
            runs: vec![(0, 0)],
            outs: Vec::new(),
            pattern_len: patterns.iter().map(|p| p.as_ref().len() as u32).collect(),
        };
        m.index_chars();
        // Failure links: a child's link is where its parent's link goes on the same class
        // (following links until a state has that child, or the root).
        for &node in &order {
            let s = slot_of.get(node as usize).copied().unwrap_or(0);
            let parent_fail = m.slots.get(s as usize).map_or(0, |st| st.fail);
            for &(cls, child) in kids
                .get(node as usize)
                .map(Vec::as_slice)
                .unwrap_or_default()
            {
                let fail = if s == 0 { 0 } else { m.next(parent_fail, cls) };
                let t = slot_of.get(child as usize).copied().unwrap_or(0);
                if let Some(c) = m.slots.get_mut(t as usize) {
                    c.fail = fail;
                }
            }
        }
        // Outputs: a state's own patterns, then its failure link's (already complete: the link
        // is shallower, so earlier in breadth-first order).
        let mut own: Vec<(u32, u32)> = ends
            .iter()
            .map(|&(node, p)| (slot_of.get(node as usize).copied().unwrap_or(0), p))
            .collect();
        crate::sort::sort(&mut own);
        let mut outs: Vec<u32> = Vec::new();
        let mut runs: Vec<(u32, u32)> = vec![(0, 0)];
        for &node in &order {
            let s = slot_of.get(node as usize).copied().unwrap_or(0);
            let from = outs.len();
            let mine = own.partition_point(|o| o.0 < s);
            outs.extend(own.iter().skip(mine).take_while(|o| o.0 == s).map(|o| o.1));
            if s != 0 {
                let fail = m.slots.get(s as usize).map_or(0, |st| st.fail);
                let run = m.slots.get(fail as usize).map_or(0, |f| f.out);
                if let Some(&(a, b)) = runs.get(run as usize) {
                    let inherited: Vec<u32> = outs
                        .get(a as usize..b as usize)
                        .unwrap_or_default()
                        .to_vec();
                    outs.extend(inherited);
                }
            }
            if outs.len() > from {
                if let Some(st) = m.slots.get_mut(s as usize) {
                    st.out = runs.len() as u32;
                }
                runs.push((from as u32, outs.len() as u32));
            }
        }
        m.runs = runs;
        m.outs = outs;
        Ok(m)
    }
}
