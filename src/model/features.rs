//! Under `model`: what a model reads in a text — the n-grams of its vocabulary, found in one pass
//! over the pack-normalised text through a trie. Character n-grams for Chinese (no word
//! segmentation needed), word n-grams for English. Time is linear in the text (each position
//! walks at most the depth of the trie) and memory is bounded by the vocabulary, whatever the
//! input.

/// Which n-grams a model reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ngrams {
    /// Characters or words.
    pub kind: NgramKind,
    /// Shortest n-gram, in units of `kind`.
    pub min: usize,
    /// Longest n-gram, in units of `kind`.
    pub max: usize,
}

/// The unit of an n-gram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NgramKind {
    /// Characters of the normalised text (punctuation included, line breaks — the separators of
    /// a complaint's parts — never inside one).
    Chars,
    /// Words: maximal runs of alphanumeric characters, joined by one space in the vocabulary
    /// whatever separated them in the text (spaces, punctuation), never across a line break.
    Words,
}

impl NgramKind {
    /// The name used in the pack.
    pub fn name(self) -> &'static str {
        match self {
            NgramKind::Chars => "chars",
            NgramKind::Words => "words",
        }
    }
}

/// The longest n-gram (in units) a model may declare: bounds the walk per position.
pub const MAX_NGRAM: usize = 8;
/// The longest vocabulary entry in bytes.
pub const MAX_ENTRY_BYTES: usize = 256;

/// Separates n-grams in a vocabulary string; no n-gram contains it.
pub const ENTRY_SEPARATOR: char = '\n';

/// Whether `c` belongs to a word (for [`NgramKind::Words`]).
pub fn is_word_char(c: char) -> bool {
    c.is_alphanumeric()
}

/// A fixed vocabulary of n-grams, as a trie whose edges are characters (for word n-grams, the
/// space between two words is an edge too). Every position of a text walks down from the root
/// as long as the trie has a path, so time is linear in the text whatever it holds.
///
/// Lookups dominate scoring, so the trie is laid out for them (BENCHMARKS.md): the root's
/// children sit in direct tables for ASCII and for the CJK block, every other edge in one
/// open-addressing table whose slot holds key, child and feature together (one cache line per
/// probe). This measured ≈ 1.8× faster than an Aho-Corasick automaton over the same n-grams
/// and ≈ 2× faster than binary search over sorted children.
#[derive(Debug, Clone)]
pub struct Vocabulary {
    /// The entries, concatenated in order (their index is the feature index): one allocation
    /// however many n-grams (loading 10,000 as strings of their own was a fifth of a compiled
    /// pack's load).
    text: String,
    /// Where each entry ends in `text`.
    ends: Vec<u32>,
    /// The root's children for chars below 0x80: (node, feature); empty when there is none.
    root_ascii: Vec<Slot>,
    /// The root's children for the CJK Unified Ideographs block; empty when there is none.
    root_cjk: Vec<Slot>,
    /// Every edge by (parent, char): linear probing, at most half full.
    slots: Vec<Slot>,
    /// For character n-grams: wendu's Aho-Corasick automaton over the entries (pattern i is
    /// feature i), which finds every occurrence in one step per char instead of a walk from
    /// every position (measured: BENCHMARKS.md, "Learned models"). None for word n-grams.
    automaton: Option<crate::matcher::Matcher>,
}

/// One edge: the key (`parent << 21 | char`), the child node and the feature the child
/// completes (`NONE` if none). An empty slot has key `EMPTY`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Slot {
    key: u64,
    node: u32,
    feature: u32,
}

const NONE: u32 = u32::MAX;
const ROOT: u32 = 0;
const EMPTY: u64 = u64::MAX;
const VACANT: Slot = Slot {
    key: EMPTY,
    node: NONE,
    feature: NONE,
};
/// The CJK Unified Ideographs block, where nearly all Chinese text lies.
const CJK_FIRST: u32 = 0x4E00;
const CJK_LAST: u32 = 0x9FFF;

fn edge_key(parent: u32, c: char) -> u64 {
    (u64::from(parent) << 21) | u64::from(c as u32)
}

/// Home slot of an edge key before masking: a multiplicative hash (no seed: lookups are exact
/// whatever the hash, so only speed depends on it).
fn slot_of(key: u64) -> usize {
    (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) as usize
}

/// Entries concatenated, and where each ends.
fn pack<S: AsRef<str>>(entries: &[S]) -> (String, Vec<u32>) {
    let mut text = String::with_capacity(entries.iter().map(|e| e.as_ref().len()).sum());
    let mut ends = Vec::with_capacity(entries.len());
    for e in entries {
        text.push_str(e.as_ref());
        ends.push(text.len() as u32);
    }
    (text, ends)
}

impl PartialEq for Vocabulary {
    /// Equal entries make equal vocabularies (the tables derive from them).
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text && self.ends == other.ends
    }
}

impl Eq for Vocabulary {}

impl Vocabulary {
    /// Build from entries (any order; for a duplicate, the last index is found). Entries must
    /// be non-empty.
    pub fn new(entries: Vec<String>) -> Vocabulary {
        // Nodes are numbered as they are created; an edge per (parent, char).
        let mut edges: std::collections::HashMap<u64, u32> = std::collections::HashMap::new();
        let mut feature: Vec<u32> = vec![NONE];
        for (i, e) in entries.iter().enumerate() {
            let mut node = ROOT;
            for c in e.chars() {
                let next = feature.len() as u32;
                let child = *edges.entry(edge_key(node, c)).or_insert(next);
                if child == next {
                    feature.push(NONE);
                }
                node = child;
            }
            if let Some(f) = feature.get_mut(node as usize) {
                *f = i as u32;
            }
        }
        // Insert in key order so that the table's layout never depends on the hash map's.
        let mut sorted: Vec<(u64, u32)> = edges.into_iter().collect();
        // The standard sort here: a vocabulary has tens of thousands of edges, and loading a model
        // is on the cold-start path (the shared merge sort of `crate::sort` took 2.8M
        // instructions for the default pack's model, the standard one about a quarter of that).
        sorted.sort_unstable();
        let size = (sorted.len() * 2).max(2).next_power_of_two();
        let mut slots = vec![VACANT; size];
        let mask = size - 1;
        let mut root_ascii = Vec::new();
        let mut root_cjk = Vec::new();
        for &(key, node) in &sorted {
            let slot = Slot {
                key,
                node,
                feature: feature.get(node as usize).copied().unwrap_or(NONE),
            };
            let mut i = slot_of(key) & mask;
            while slots.get(i).is_some_and(|s| s.key != EMPTY) {
                i = (i + 1) & mask;
            }
            if let Some(s) = slots.get_mut(i) {
                *s = slot;
            }
            if key >> 21 == u64::from(ROOT) {
                let c = (key & 0x1F_FFFF) as u32;
                let (table, len, at) = if c < 0x80 {
                    (&mut root_ascii, 0x80, c)
                } else if (CJK_FIRST..=CJK_LAST).contains(&c) {
                    (
                        &mut root_cjk,
                        (CJK_LAST - CJK_FIRST + 1) as usize,
                        c - CJK_FIRST,
                    )
                } else {
                    continue;
                };
                if table.is_empty() {
                    *table = vec![VACANT; len];
                }
                if let Some(s) = table.get_mut(at as usize) {
                    *s = slot;
                }
            }
        }
        let (text, ends) = pack(&entries);
        Vocabulary {
            text,
            ends,
            root_ascii,
            root_cjk,
            slots,
            automaton: None,
        }
    }

    /// The vocabulary of a model reading `kind` n-grams: for character n-grams (whose entries
    /// contain no line break, so no occurrence spans one — a char no entry holds sends the
    /// automaton back to its root) wendu's Aho-Corasick automaton, else the trie.
    pub fn for_ngrams(entries: Vec<String>, kind: NgramKind) -> Vocabulary {
        if kind == NgramKind::Chars && !entries.iter().any(|e| e.contains('\n')) {
            if let Ok(m) = crate::matcher::Matcher::new(&entries) {
                return Vocabulary::with_automaton(entries, m);
            }
        }
        Vocabulary::new(entries)
    }

    /// A character-n-gram vocabulary searched by `automaton` (pattern i is entry i).
    pub(crate) fn with_automaton(
        entries: Vec<String>,
        automaton: crate::matcher::Matcher,
    ) -> Vocabulary {
        let (text, ends) = pack(&entries);
        Vocabulary::packed_with_automaton(text, ends, automaton)
    }

    /// [`Vocabulary::with_automaton`] from the entries already concatenated (`ends`: where each
    /// ends in `text`, ascending, on character boundaries — the caller checked).
    pub(crate) fn packed_with_automaton(
        text: String,
        ends: Vec<u32>,
        automaton: crate::matcher::Matcher,
    ) -> Vocabulary {
        Vocabulary {
            text,
            ends,
            root_ascii: Vec::new(),
            root_cjk: Vec::new(),
            slots: Vec::new(),
            automaton: Some(automaton),
        }
    }

    /// The automaton, for a character-n-gram vocabulary.
    pub(crate) fn automaton(&self) -> Option<&crate::matcher::Matcher> {
        self.automaton.as_ref()
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// True when there are no entries.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The entries in feature order.
    pub fn entries(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        (0..self.len()).map(|i| self.entry(i).unwrap_or_default())
    }

    /// Entry `i`.
    pub fn entry(&self, i: usize) -> Option<&str> {
        let end = *self.ends.get(i)? as usize;
        let start = match i.checked_sub(1) {
            Some(p) => *self.ends.get(p)? as usize,
            None => 0,
        };
        self.text.get(start..end)
    }

    /// The edge from `node` by `c`: (child, feature or `NONE`).
    #[inline]
    fn child(&self, node: u32, c: char) -> Option<(u32, u32)> {
        if node == ROOT {
            let x = c as u32;
            let table = if x < 0x80 {
                Some((&self.root_ascii, x))
            } else if (CJK_FIRST..=CJK_LAST).contains(&x) {
                Some((&self.root_cjk, x - CJK_FIRST))
            } else {
                None
            };
            if let Some((t, i)) = table {
                // An empty table means the root has no child in that range.
                return t
                    .get(i as usize)
                    .filter(|s| s.key != EMPTY)
                    .map(|s| (s.node, s.feature));
            }
        }
        let mask = self.slots.len().checked_sub(1)?;
        let key = edge_key(node, c);
        let mut i = slot_of(key) & mask;
        // At most half full: an empty slot always ends the probe.
        for _ in 0..self.slots.len() {
            let s = self.slots.get(i)?;
            if s.key == key {
                return Some((s.node, s.feature));
            }
            if s.key == EMPTY {
                return None;
            }
            i = (i + 1) & mask;
        }
        None
    }

    /// Call `hit(feature, start, end)` for every occurrence of a vocabulary n-gram in `text`
    /// (byte offsets; overlapping occurrences included). Character n-grams come in order of
    /// end, longest first; word n-grams in order of start, then length. Either way the
    /// occurrences of one n-gram come in text order, so its first is its earliest.
    pub fn for_each(&self, ngrams: &Ngrams, text: &str, mut hit: impl FnMut(u32, usize, usize)) {
        match ngrams.kind {
            NgramKind::Chars => self.chars(ngrams, text, &mut hit),
            NgramKind::Words => self.words(ngrams, text, &mut hit),
        }
    }

    fn chars(&self, ngrams: &Ngrams, text: &str, hit: &mut impl FnMut(u32, usize, usize)) {
        // One pass, each char decoded once: the walks still open — the n-grams ending at the
        // previous char that the trie can extend, at most `max − 1` of them, oldest (longest)
        // first — each take the char, then a new walk starts at it. Same lookups as walking
        // from every position, without re-reading chars (measured: BENCHMARKS.md).
        if let Some(ac) = &self.automaton {
            // Entries are n-grams of `min..=max` chars (checked when read), so every match is.
            ac.find_overlapping(
                text,
                // Inlined, with the model's callback (`Model::pass`), into the walk.
                #[inline(always)]
                |start, end, p| hit(p as u32, start, end),
            );
            return;
        }
        let (min, max) = (ngrams.min, ngrams.max.clamp(1, MAX_NGRAM));
        // (node, start byte, length in chars)
        let mut open = [(ROOT, 0usize, 0usize); MAX_NGRAM];
        let mut n_open = 0usize;
        for (off, c) in text.char_indices() {
            if c == '\n' {
                // A part ends: no n-gram spans the line break.
                n_open = 0;
                continue;
            }
            let end = off + c.len_utf8();
            let mut kept = 0usize;
            for k in 0..n_open {
                let Some(&(node, start, len)) = open.get(k) else {
                    break;
                };
                let Some((next, f)) = self.child(node, c) else {
                    continue;
                };
                let len = len + 1;
                if len >= min && f != NONE {
                    hit(f, start, end);
                }
                if len < max {
                    if let Some(slot) = open.get_mut(kept) {
                        *slot = (next, start, len);
                    }
                    kept += 1;
                }
            }
            if let Some((next, f)) = self.child(ROOT, c) {
                if min <= 1 && f != NONE {
                    hit(f, off, end);
                }
                if max > 1 {
                    if let Some(slot) = open.get_mut(kept) {
                        *slot = (next, off, 1);
                    }
                    kept += 1;
                }
            }
            n_open = kept;
        }
    }

    fn words(&self, ngrams: &Ngrams, text: &str, hit: &mut impl FnMut(u32, usize, usize)) {
        let bytes = text.len();
        let mut at = 0;
        while at < bytes {
            let Some(start) = next_word(text, at) else {
                break;
            };
            // Walk from this word: its chars, then ' ' and the next word's chars, up to `max`
            // words, as long as the trie has a path.
            let mut node = ROOT;
            let mut feature = NONE;
            let mut words = 0;
            let mut pos = start;
            'walk: loop {
                let mut end = pos;
                let rest = text.get(pos..).unwrap_or_default();
                for (off, c) in rest.char_indices() {
                    if !is_word_char(c) {
                        break;
                    }
                    match self.child(node, c) {
                        Some((next, f)) => {
                            node = next;
                            feature = f;
                        }
                        None => break 'walk,
                    }
                    end = pos + off + c.len_utf8();
                }
                words += 1;
                if words >= ngrams.min && feature != NONE {
                    hit(feature, start, end);
                }
                if words >= ngrams.max {
                    break;
                }
                let Some((space, _)) = self.child(node, ' ') else {
                    break;
                };
                // The next word, unless a line break (a part separator) comes first.
                let Some(next) = next_word_same_part(text, end) else {
                    break;
                };
                node = space;
                pos = next;
            }
            // Continue after the whole first word (an n-gram never starts inside a word).
            at = word_end(text, start);
        }
    }
}

/// Byte offset of the first word char at or after `at`.
fn next_word(text: &str, at: usize) -> Option<usize> {
    text.get(at..)?
        .char_indices()
        .find(|(_, c)| is_word_char(*c))
        .map(|(o, _)| at + o)
}

/// Like [`next_word`], but `None` if a line break comes first.
fn next_word_same_part(text: &str, at: usize) -> Option<usize> {
    for (o, c) in text.get(at..)?.char_indices() {
        if c == '\n' {
            return None;
        }
        if is_word_char(c) {
            return Some(at + o);
        }
    }
    None
}

/// Byte offset just after the word starting at `start`.
fn word_end(text: &str, start: usize) -> usize {
    let rest = text.get(start..).unwrap_or_default();
    rest.char_indices()
        .find(|(_, c)| !is_word_char(*c))
        .map_or(text.len(), |(o, _)| start + o)
}

/// Every n-gram of `text` with its byte range, for training (the vocabulary is not known yet).
/// Char n-grams never contain a line break; word n-grams are the words joined by one space.
pub fn all_ngrams(ngrams: &Ngrams, text: &str, mut each: impl FnMut(&str)) {
    match ngrams.kind {
        NgramKind::Chars => {
            let chars: Vec<(usize, char)> = text.char_indices().collect();
            for i in 0..chars.len() {
                let Some(&(start, _)) = chars.get(i) else {
                    continue;
                };
                for n in 1..=ngrams.max {
                    let Some(&(off, c)) = chars.get(i + n - 1) else {
                        break;
                    };
                    if c == '\n' {
                        break;
                    }
                    if n >= ngrams.min {
                        if let Some(s) = text.get(start..off + c.len_utf8()) {
                            each(s);
                        }
                    }
                }
            }
        }
        NgramKind::Words => {
            // Words of each part (line), then n-grams within a part.
            let mut buf = String::new();
            for line in text.split('\n') {
                let words: Vec<&str> = line
                    .split(|c: char| !is_word_char(c))
                    .filter(|w| !w.is_empty())
                    .collect();
                for i in 0..words.len() {
                    buf.clear();
                    for n in 1..=ngrams.max {
                        let Some(w) = words.get(i + n - 1) else {
                            break;
                        };
                        if n > 1 {
                            buf.push(' ');
                        }
                        buf.push_str(w);
                        if n >= ngrams.min && buf.len() <= MAX_ENTRY_BYTES {
                            each(&buf);
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hits(v: &Vocabulary, g: &Ngrams, text: &str) -> Vec<(String, usize, usize)> {
        let mut out = Vec::new();
        v.for_each(g, text, |f, s, e| {
            out.push((v.entry(f as usize).unwrap_or("").to_string(), s, e))
        });
        out
    }

    #[test]
    fn char_ngrams_are_found_with_byte_spans() {
        let g = Ngrams {
            kind: NgramKind::Chars,
            min: 1,
            max: 3,
        };
        let v = Vocabulary::new(vec![
            "利息".into(),
            "高".into(),
            "利息高".into(),
            "x".into(),
        ]);
        let h = hits(&v, &g, "利息高\n高x");
        assert_eq!(
            h,
            vec![
                ("利息".to_string(), 0, 6),
                ("利息高".to_string(), 0, 9),
                ("高".to_string(), 6, 9),
                ("高".to_string(), 10, 13),
                ("x".to_string(), 13, 14),
            ]
        );
    }

    #[test]
    fn char_ngrams_respect_min_and_never_cross_a_line_break() {
        let g = Ngrams {
            kind: NgramKind::Chars,
            min: 2,
            max: 2,
        };
        let v = Vocabulary::new(vec!["a".into(), "ab".into(), "b\nc".into()]);
        assert_eq!(
            hits(&v, &g, "ab\nab"),
            vec![("ab".into(), 0, 2), ("ab".into(), 3, 5)]
        );
    }

    #[test]
    fn word_ngrams_join_words_with_one_space() {
        let g = Ngrams {
            kind: NgramKind::Words,
            min: 1,
            max: 2,
        };
        let v = Vocabulary::new(vec![
            "credit".into(),
            "credit report".into(),
            "report".into(),
            "late fee".into(),
        ]);
        let h = hits(&v, &g, "my credit, report\nlate fee credit");
        assert_eq!(
            h,
            vec![
                ("credit".into(), 3, 9),
                ("credit report".into(), 3, 17),
                ("report".into(), 11, 17),
                ("late fee".into(), 18, 26),
                ("credit".into(), 27, 33),
            ]
        );
        // A word that only starts like a vocabulary word is not a hit.
        assert!(hits(&v, &g, "credits reporting").is_empty());
        // Not across a part separator.
        assert_eq!(hits(&v, &g, "late\nfee"), vec![]);
    }

    #[test]
    fn all_ngrams_enumerates_what_the_vocabulary_would_find() {
        let g = Ngrams {
            kind: NgramKind::Chars,
            min: 1,
            max: 2,
        };
        let mut out = Vec::new();
        all_ngrams(&g, "ab\nc", |s| out.push(s.to_string()));
        assert_eq!(out, vec!["a", "ab", "b", "c"]);
        let w = Ngrams {
            kind: NgramKind::Words,
            min: 1,
            max: 2,
        };
        out.clear();
        all_ngrams(&w, "Late fee, again\nok", |s| out.push(s.to_string()));
        assert_eq!(
            out,
            vec!["Late", "Late fee", "fee", "fee again", "again", "ok"]
        );
    }

    #[test]
    fn a_long_hostile_text_is_walked_in_linear_time() {
        let g = Ngrams {
            kind: NgramKind::Chars,
            min: 1,
            max: 4,
        };
        let v = Vocabulary::new(vec!["aaaa".into(), "a".into()]);
        let text = "a".repeat(400_000);
        let mut n = 0usize;
        v.for_each(&g, &text, |_, _, _| n += 1);
        assert_eq!(n, 400_000 + 399_997);
        let w = Ngrams {
            kind: NgramKind::Words,
            min: 1,
            max: 8,
        };
        let vw = Vocabulary::new(vec!["a a a a a a a a".into()]);
        let text = "a ".repeat(200_000);
        let mut n = 0usize;
        vw.for_each(&w, &text, |_, _, _| n += 1);
        assert_eq!(n, 200_000 - 7);
    }
}
