//! Beside the flow, built by `compile`, run by `scan`, stored in compiled packs: the term
//! matcher — an Aho-Corasick automaton over characters, in a double array. Every occurrence of
//! every pattern is reported, overlapping ones included (提前还款 also yields 还款): exactly the
//! matches of the `aho-corasick` crate's standard overlapping search, which it replaced.
//!
//! Why characters, not bytes: a pack's Chinese patterns are 3 bytes per character, so stepping
//! per character takes a third of the steps, and a character that occurs in no pattern (most of
//! a complaint's punctuation and digits, and rarer words) sends the search straight back to the
//! root without walking failure links. Why a double array: each state's transition on a class
//! is one slot, `base + class`, owned by the state when that slot's `check` names it — one
//! load and one comparison whatever the number of children (a Chinese pack's states for one
//! character often have dozens). And it is flat, so a `.wdp` stores it as it is (see [`store`]):
//! a compiled pack is ready to scan once its bytes are checked, where the crate's automata
//! cannot be serialised. Each character maps to a class (its rank among the patterns' distinct
//! characters; 0 for every other character); a state is a slot with its `base`, its parent
//! (`check`), its failure link and its flattened output list (its own pattern and those of its
//! failure chain). Failure links always lead to a shallower state, so the walk along them ends,
//! whatever bytes a compiled pack held.

mod build;
pub(crate) mod store;

/// Entries of the first level of [`Matcher::classes`]: one per 256 code points.
const TOP: usize = (char::MAX as usize >> 8) + 1;

/// At most this many distinct characters in a matcher's patterns (classes are `u16`).
pub(crate) const MAX_CHARS: usize = u16::MAX as usize;

/// One slot of the double array. Slot 0 is the root; a slot whose `check` is 0 is free.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Slot {
    /// The state's child on class `c` is slot `base + c`, if that slot's `check` names it.
    base: u32,
    /// The parent state plus one (0: free, or the root).
    check: u32,
    /// Failure link.
    fail: u32,
    /// The state's output run: an index into [`Matcher::runs`], 0 when it reports nothing
    /// (the search tests only this; the run is read when there is one).
    out: u32,
}

/// The automaton.
#[derive(Debug, Clone)]
pub(crate) struct Matcher {
    /// The patterns' distinct characters, ascending: class `k` is `chars[k - 1]`.
    chars: Vec<char>,
    /// Classes by code point, in two levels in one table: the first [`TOP`] entries give, for
    /// each range of 256 code points, its block (`TOP + 256 × k`: block k), the blocks give the
    /// classes. Block 0 is all zeros and stands for every range without a pattern's character.
    /// Two loads per character and no hashing (a hash table cost a third of the search).
    classes: Vec<u16>,
    slots: Vec<Slot>,
    /// Output runs as ranges of [`Matcher::outs`]; run 0 is the empty one.
    runs: Vec<(u32, u32)>,
    /// Pattern numbers, each state's output run.
    outs: Vec<u32>,
    /// Per pattern, its length in bytes.
    pattern_len: Vec<u32>,
}

impl Matcher {
    /// How many patterns it was built from.
    pub fn patterns(&self) -> usize {
        self.pattern_len.len()
    }

    /// The class of the character with code point `cp` (0 when no pattern contains it).
    #[inline]
    fn class_of(&self, cp: u32) -> u32 {
        let block = self.classes.get((cp >> 8) as usize).copied().unwrap_or(0) as usize;
        let cls = self
            .classes
            .get(TOP + block * 256 + (cp & 0xFF) as usize)
            .copied()
            .unwrap_or(0);
        u32::from(cls)
    }

    /// Every occurrence of every pattern in `text`, overlapping ones included, as `(start, end,
    /// pattern)` with byte offsets, in order of their end (patterns ending at the same place:
    /// longest first).
    #[inline]
    pub fn find_overlapping(&self, text: &str, mut on: impl FnMut(usize, usize, usize)) {
        let mut s = 0u32;
        // The text is valid UTF-8: the standard decoder needs no bounds checks.
        for (at, ch) in text.char_indices() {
            let cls = self.class_of(ch as u32);
            if cls == 0 {
                s = 0;
                continue;
            }
            s = self.next(s, cls);
            let out = self.slots.get(s as usize).map_or(0, |x| x.out);
            if out == 0 {
                continue;
            }
            let i = at + ch.len_utf8();
            for &p in self.outputs(out) {
                let len = self.pattern_len.get(p as usize).copied().unwrap_or(0) as usize;
                on(i.saturating_sub(len), i, p as usize);
            }
        }
    }

    /// The state after `s` reads a character of class `cls` (not 0): its child on `cls`, else
    /// its failure link's, up to the root.
    #[inline]
    fn next(&self, mut s: u32, cls: u32) -> u32 {
        loop {
            let Some(st) = self.slots.get(s as usize) else {
                return 0;
            };
            let t = st.base.wrapping_add(cls);
            if self
                .slots
                .get(t as usize)
                .is_some_and(|x| x.check == s.wrapping_add(1))
            {
                return t;
            }
            if s == 0 {
                return 0;
            }
            // Failure links lead to shallower states (built and checked so): this ends.
            s = st.fail;
        }
    }

    /// The patterns of output run `run`.
    fn outputs(&self, run: u32) -> &[u32] {
        self.runs
            .get(run as usize)
            .and_then(|&(from, to)| self.outs.get(from as usize..to as usize))
            .unwrap_or_default()
    }

    /// How many occurrences [`Matcher::find_overlapping`] reports.
    pub fn count_overlapping(&self, text: &str) -> usize {
        let mut n = 0;
        self.find_overlapping(text, |_, _, _| n += 1);
        n
    }

    /// Fill the class table from `chars` (derived, so not stored).
    fn index_chars(&mut self) {
        self.classes = vec![0; TOP + 256];
        for (k, &ch) in self.chars.iter().enumerate() {
            let cp = ch as usize;
            let block = match self.classes.get(cp >> 8).copied() {
                Some(0) => {
                    let b = (self.classes.len() - TOP) / 256;
                    self.classes.resize(self.classes.len() + 256, 0);
                    if let Some(t) = self.classes.get_mut(cp >> 8) {
                        *t = b as u16;
                    }
                    b
                }
                Some(b) => b as usize,
                None => continue,
            };
            if let Some(slot) = self.classes.get_mut(TOP + block * 256 + (cp & 0xFF)) {
                *slot = k as u16 + 1;
            }
        }
    }

    /// The width in bytes of the character of class `cls` (0 for class 0 or out of range).
    fn width(&self, cls: u32) -> usize {
        (cls as usize)
            .checked_sub(1)
            .and_then(|k| self.chars.get(k))
            .map_or(0, |c| c.len_utf8())
    }
}

#[cfg(test)]
mod tests;
