//! Step four: pack → compile → text → **scan** → rules → decide. One pass of the Aho-Corasick
//! automaton over the normalised text (overlapping matches, so 提前还款 also yields 还款), word-
//! boundary checks for ASCII terms, negation marking, and the regex prefilter.

use crate::compile::{Compiled, TermId};
use crate::text::char_distance;

/// One occurrence of a term in the normalised text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    /// Term.
    pub term: TermId,
    /// Byte offsets in the normalised text.
    pub start: u32,
    /// End (exclusive).
    pub end: u32,
    /// Index into [`Scan::cues`] of the cue negating it.
    pub negated_by: Option<u32>,
}

/// Everything one pass over a text found.
#[derive(Debug, Default)]
pub struct Scan {
    /// Term hits sorted by start, then end.
    pub hits: Vec<Hit>,
    /// Negation cues found: byte ranges in the normalised text.
    pub cues: Vec<(u32, u32)>,
    /// Bitset of terms with at least one non-negated hit.
    pub present: Vec<u64>,
    /// Bitset of terms with any hit.
    pub present_any: Vec<u64>,
    /// Summary of `present_any` (see [`crate::compile::summary_of`]): most conditions are
    /// rejected with one AND against it.
    pub summary: u64,
    /// Which regexes of the pack matched (empty when the pack has none).
    pub regex_matched: Vec<bool>,
    /// Scratch: words that contain a cue without negating (kept to reuse its buffer).
    not_cues: Vec<(u32, u32)>,
}

#[inline]
fn set_bit(bits: &mut [u64], i: TermId) {
    if let Some(w) = bits.get_mut((i / 64) as usize) {
        *w |= 1u64 << (i % 64);
    }
}

/// Test one bit.
#[inline]
pub fn has_bit(bits: &[u64], i: TermId) -> bool {
    bits.get((i / 64) as usize)
        .is_some_and(|w| w & (1u64 << (i % 64)) != 0)
}

/// Characters that end a clause: a negation does not reach across them.
fn breaks_clause(c: char) -> bool {
    matches!(
        c,
        ',' | '.'
            | '!'
            | '?'
            | ';'
            | ':'
            | '\n'
            | '，'
            | '。'
            | '！'
            | '？'
            | '；'
            | '：'
            | '、'
            | '…'
            | '~'
    )
}

/// Scan normalised text with the compiled pack.
pub fn scan(c: &Compiled, text: &str) -> Scan {
    let mut s = Scan::default();
    scan_into(c, text, &mut s);
    s
}

/// [`scan`] into an existing [`Scan`], reusing its buffers (the classifier keeps one per thread).
pub fn scan_into(c: &Compiled, text: &str, s: &mut Scan) {
    let words = c.terms.len().div_ceil(64);
    s.hits.clear();
    s.cues.clear();
    s.present.clear();
    s.present.resize(words, 0);
    s.present_any.clear();
    s.present_any.resize(words, 0);
    s.regex_matched.clear();
    let mut not_cues = std::mem::take(&mut s.not_cues);
    not_cues.clear();
    let bytes = text.as_bytes();
    if let Some(ac) = &c.automaton {
        for m in ac.find_overlapping_iter(text) {
            let Some(info) = c.patterns.get(m.pattern().as_usize()) else {
                continue;
            };
            let (start, end) = (m.start(), m.end());
            let left_ok = !c.word_boundary
                || !info.word_start
                || start == 0
                || !bytes
                    .get(start - 1)
                    .is_some_and(|b| b.is_ascii_alphanumeric());
            if !left_ok {
                continue;
            }
            let right_ok =
                !info.word_end || !bytes.get(end).is_some_and(|b| b.is_ascii_alphanumeric());
            if info.cue && (right_ok || !c.word_boundary) {
                s.cues.push((start as u32, end as u32));
            }
            if info.not_cue {
                not_cues.push((start as u32, end as u32));
            }
            if let Some(t) = info.exact {
                if right_ok || !c.word_boundary {
                    s.hits.push(Hit {
                        term: t,
                        start: start as u32,
                        end: end as u32,
                        negated_by: None,
                    });
                }
            }
            if let Some(t) = info.prefix {
                s.hits.push(Hit {
                    term: t,
                    start: start as u32,
                    end: end as u32,
                    negated_by: None,
                });
            }
        }
    }
    // A cue inside a word that negates nothing (没收, 未来) is no cue.
    if !not_cues.is_empty() {
        s.cues
            .retain(|&(cs, ce)| !not_cues.iter().any(|&(ns, ne)| ns <= cs && ce <= ne));
    }
    // Overlapping matches arrive by end position; evidence reads better by start.
    s.hits.sort_unstable_by_key(|h| (h.start, h.end, h.term));
    s.cues.sort_unstable();
    for h in s.hits.iter_mut() {
        // The nearest cue that ends at or before the hit starts, within the window, same clause.
        let idx = s.cues.partition_point(|&(_, ce)| ce <= h.start);
        for ci in (0..idx).rev() {
            let Some(&(cs, ce)) = s.cues.get(ci) else {
                break;
            };
            // A char is 1 to 4 bytes: a gap of more than 4 × window bytes is too far and one of
            // at most window bytes near enough without counting (counting every gap char from
            // an early cue to each later hit cost ≈ 5k instructions per complaint).
            let gap_bytes = (h.start as usize).saturating_sub(ce as usize);
            let window = c.negation_window;
            if gap_bytes > window.saturating_mul(4)
                || (gap_bytes > window
                    && char_distance(text, ce as usize, h.start as usize) > window)
            {
                break;
            }
            let gap = text.get(ce as usize..h.start as usize).unwrap_or("");
            // A cue that is part of a longer term hit covering this one is not a negation of it
            // (e.g. the term 不是本人 is not negated by its own 不是).
            if cs >= h.start {
                continue;
            }
            if gap.chars().any(breaks_clause) {
                break;
            }
            h.negated_by = Some(ci as u32);
            break;
        }
        set_bit(&mut s.present_any, h.term);
        if h.negated_by.is_none() {
            set_bit(&mut s.present, h.term);
        }
    }
    s.not_cues = not_cues;
    s.summary = crate::compile::summary_of(&s.present_any);
    // Each field (title, text) on its own: a regex never spans two fields, and ^/$ anchor
    // at the field's edges.
    if let Some(set) = &c.regex_set {
        s.regex_matched.resize(set.len(), false);
        for (_, seg) in fields(text) {
            for i in set.matches(seg).iter() {
                if let Some(m) = s.regex_matched.get_mut(i) {
                    *m = true;
                }
            }
        }
    } else {
        // Few regexes: each on its own (see `compile::REGEX_SET_MIN` for the measurements).
        s.regex_matched.extend(
            c.regexes
                .iter()
                .map(|re| fields(text).any(|(_, seg)| re.is_match(seg))),
        );
    }
}

/// The fields of a normalised text (split at the '\n' separators that join title and text),
/// each with its byte offset.
pub fn fields(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut offset = 0;
    text.split('\n').map(move |seg| {
        let start = offset;
        offset += seg.len() + 1;
        (start, seg)
    })
}
