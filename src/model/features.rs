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
/// space between two words is an edge too). Nodes' children are kept sorted in one array
/// (binary search), which is compact and needs no hashing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vocabulary {
    /// The entries, in order (their index is the feature index).
    entries: Vec<String>,
    /// Per node: the feature it completes, or `NONE`.
    feature: Vec<u32>,
    /// Per node: its children are `edges[first_child[n]..first_child[n + 1]]`.
    first_child: Vec<u32>,
    /// Edges sorted by (parent, char).
    edge_char: Vec<char>,
    /// Child node of each edge.
    edge_node: Vec<u32>,
}

const NONE: u32 = u32::MAX;
const ROOT: u32 = 0;

impl Vocabulary {
    /// Build from entries (any order; duplicates are the caller's mistake and only the last
    /// index is kept for a duplicate). Entries must be non-empty.
    pub fn new(entries: Vec<String>) -> Vocabulary {
        // A pointer trie first (children in sorted maps), flattened below breadth-first.
        let mut children: Vec<std::collections::BTreeMap<char, u32>> = vec![Default::default()];
        let mut feature = vec![NONE];
        for (i, e) in entries.iter().enumerate() {
            let mut node = 0usize;
            for c in e.chars() {
                let next = children.len() as u32;
                let child = match children.get_mut(node) {
                    Some(map) => *map.entry(c).or_insert(next),
                    None => break,
                };
                if child == next {
                    children.push(Default::default());
                    feature.push(NONE);
                }
                node = child as usize;
            }
            if let Some(f) = feature.get_mut(node) {
                *f = i as u32;
            }
        }
        // Renumber breadth-first so that each node's children are contiguous in the edge array.
        let mut order = vec![0u32];
        let mut new_id = vec![NONE; children.len()];
        new_id[0] = 0;
        let mut head = 0;
        while let Some(&old) = order.get(head) {
            head += 1;
            if let Some(map) = children.get(old as usize) {
                for &child in map.values() {
                    if let Some(slot) = new_id.get_mut(child as usize) {
                        *slot = order.len() as u32;
                    }
                    order.push(child);
                }
            }
        }
        let mut first_child = Vec::with_capacity(order.len() + 1);
        let mut edge_char = Vec::with_capacity(order.len().saturating_sub(1));
        let mut edge_node = Vec::with_capacity(order.len().saturating_sub(1));
        let mut new_feature = Vec::with_capacity(order.len());
        for &old in &order {
            first_child.push(edge_char.len() as u32);
            new_feature.push(feature.get(old as usize).copied().unwrap_or(NONE));
            if let Some(map) = children.get(old as usize) {
                for (&c, &child) in map {
                    edge_char.push(c);
                    edge_node.push(new_id.get(child as usize).copied().unwrap_or(NONE));
                }
            }
        }
        first_child.push(edge_char.len() as u32);
        Vocabulary {
            entries,
            feature: new_feature,
            first_child,
            edge_char,
            edge_node,
        }
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when there are no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entries in feature order.
    pub fn entries(&self) -> &[String] {
        &self.entries
    }

    /// Entry `i`.
    pub fn entry(&self, i: usize) -> Option<&str> {
        self.entries.get(i).map(String::as_str)
    }

    fn child(&self, node: u32, c: char) -> Option<u32> {
        let lo = *self.first_child.get(node as usize)? as usize;
        let hi = *self.first_child.get(node as usize + 1)? as usize;
        let chars = self.edge_char.get(lo..hi)?;
        let k = chars.binary_search(&c).ok()?;
        self.edge_node.get(lo + k).copied()
    }

    fn feature_of(&self, node: u32) -> Option<u32> {
        self.feature
            .get(node as usize)
            .copied()
            .filter(|&f| f != NONE)
    }

    /// Call `hit(feature, start, end)` for every occurrence of a vocabulary n-gram in `text`
    /// (byte offsets; overlapping occurrences included), in order of start, then length.
    pub fn for_each(&self, ngrams: &Ngrams, text: &str, mut hit: impl FnMut(u32, usize, usize)) {
        match ngrams.kind {
            NgramKind::Chars => self.chars(ngrams, text, &mut hit),
            NgramKind::Words => self.words(ngrams, text, &mut hit),
        }
    }

    fn chars(&self, ngrams: &Ngrams, text: &str, hit: &mut impl FnMut(u32, usize, usize)) {
        for (start, _) in text.char_indices() {
            let mut node = ROOT;
            let tail = text.get(start..).unwrap_or_default();
            for (n, (off, c)) in tail.char_indices().enumerate() {
                if c == '\n' || n >= ngrams.max {
                    break;
                }
                let Some(next) = self.child(node, c) else {
                    break;
                };
                node = next;
                if n + 1 >= ngrams.min {
                    if let Some(f) = self.feature_of(node) {
                        hit(f, start, start + off + c.len_utf8());
                    }
                }
            }
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
                        Some(next) => node = next,
                        None => break 'walk,
                    }
                    end = pos + off + c.len_utf8();
                }
                words += 1;
                if words >= ngrams.min {
                    if let Some(f) = self.feature_of(node) {
                        hit(f, start, end);
                    }
                }
                if words >= ngrams.max {
                    break;
                }
                let Some(space) = self.child(node, ' ') else {
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
        let v = Vocabulary::new(vec!["利息".into(), "高".into(), "利息高".into(), "x".into()]);
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
        assert_eq!(hits(&v, &g, "ab\nab"), vec![("ab".into(), 0, 2), ("ab".into(), 3, 5)]);
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
        assert_eq!(out, vec!["Late", "Late fee", "fee", "fee again", "again", "ok"]);
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
