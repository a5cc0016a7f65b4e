//! Step four: pack → compile → text → **scan** → rules → decide. One pass of the Aho-Corasick
//! automaton (`matcher`) over the normalised text (overlapping matches, so 提前还款 also yields 还款), word-
//! boundary checks for ASCII terms, negation marking, and the regex prefilter. The [`Scanner`]
//! is what `compile` builds for this step; the [`Scan`] is what every later step reads.

use crate::condition::meta::RegexSet;
use crate::condition::PackRegex;
use crate::matcher::Matcher;
use crate::text::char_distance;

/// Index of a distinct term (normalised text + whether it is a prefix term ending in `*`).
pub(crate) type TermId = u32;

/// What one automaton pattern stands for.
#[derive(Debug, Clone, Default)]
pub(crate) struct PatternInfo {
    /// Term that must end on a word boundary, if any uses this text.
    pub exact: Option<TermId>,
    /// Prefix term (`refund*`), if any uses this text.
    pub prefix: Option<TermId>,
    /// True when the text is a negation cue.
    pub cue: bool,
    /// True when the text is a word that contains a cue without negating (没收).
    pub not_cue: bool,
    /// The pattern starts with an ASCII letter or digit (needs a boundary before it).
    pub word_start: bool,
    /// The pattern ends with an ASCII letter or digit (needs a boundary after it unless prefix).
    pub word_end: bool,
}

/// Everything one pass needs, built once per pack by `compile`.
#[derive(Debug, Clone)]
pub(crate) struct Scanner {
    /// The one automaton over all terms and cues (None when the pack has no terms).
    pub automaton: Option<Matcher>,
    /// Per automaton pattern.
    pub patterns: Vec<PatternInfo>,
    /// How many distinct terms there are (the width of the presence bitsets).
    pub terms: usize,
    /// Word-boundary checks on.
    pub word_boundary: bool,
    /// Negation window in characters.
    pub negation_window: usize,
    /// Length in bytes of the longest automaton pattern: bounds how far before a hit another
    /// hit can start and still overlap or be near it.
    pub max_pattern_bytes: usize,
    /// Prefilter over all regexes, when the pack has at least `compile::REGEX_SET_MIN` of them.
    pub regex_set: Option<RegexSet>,
    /// The same regexes, for spans.
    pub regexes: Vec<PackRegex>,
}

/// One occurrence of a term in the normalised text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Hit {
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
pub(crate) struct Scan {
    /// Term hits sorted by start, then end.
    pub hits: Vec<Hit>,
    /// Negation cues found: byte ranges in the normalised text.
    pub cues: Vec<(u32, u32)>,
    /// Bitset of terms with at least one non-negated hit.
    pub present: Vec<u64>,
    /// Bitset of terms with any hit.
    pub present_any: Vec<u64>,
    /// Summary of `present_any` (see [`summary_of`]): most conditions are rejected with one AND
    /// against it.
    pub summary: u64,
    /// Which regexes of the pack matched (empty when the pack has none).
    pub regex_matched: Vec<bool>,
    /// Words that contain a cue without negating (a cue inside one is no cue).
    not_cues: Vec<(u32, u32)>,
}

#[inline]
fn set_bit(bits: &mut [u64], i: TermId) {
    if let Some(w) = bits.get_mut((i / 64) as usize) {
        *w |= 1u64 << (i % 64);
    }
}

/// The summary of a presence bitset that a term set's `may_meet` compares with: bit `w % 64` set
/// for every non-zero word `w`.
pub(crate) fn summary_of(bits: &[u64]) -> u64 {
    bits.iter()
        .enumerate()
        .filter(|(_, &b)| b != 0)
        .fold(0, |acc, (w, _)| acc | 1u64 << (w % 64))
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

/// Scan normalised text into `s`, reusing its buffers (the pipeline keeps one per thread): the
/// terms and cues the automaton finds, the negations among the hits, the regexes that match.
pub(crate) fn scan_into(c: &Scanner, text: &str, lines: &[u32], s: &mut Scan) {
    let words = c.terms.div_ceil(64);
    s.hits.clear();
    s.cues.clear();
    s.present.clear();
    s.present.resize(words, 0);
    s.present_any.clear();
    s.present_any.resize(words, 0);
    s.regex_matched.clear();
    s.not_cues.clear();
    find_terms(c, text, s);
    // Overlapping matches arrive by end position; evidence reads better by start.
    s.hits.sort_unstable_by_key(|h| (h.start, h.end, h.term));
    s.cues.sort_unstable();
    drop_cues_inside_words(s);
    mark_negations(c, text, lines, s);
    s.summary = summary_of(&s.present_any);
    match_regexes(c, text, s);
}

/// A cue inside a word that negates nothing (没收, 未来) is no cue. Both lists sorted by start, one
/// pass: a cue lies inside some such word exactly when the furthest end among the words starting
/// at or before it reaches its end. (Testing every cue against every word was quadratic: 没收 ×
/// 10,000 took 2.5 ms per 1,000 chars, verdicts included.)
fn drop_cues_inside_words(s: &mut Scan) {
    if s.not_cues.is_empty() || s.cues.is_empty() {
        return;
    }
    s.not_cues.sort_unstable();
    let not_cues = &s.not_cues;
    let mut next = 0;
    let mut reach = 0u32;
    s.cues.retain(|&(cs, ce)| {
        while let Some(&(ns, ne)) = not_cues.get(next) {
            if ns > cs {
                break;
            }
            reach = reach.max(ne);
            next += 1;
        }
        !(next > 0 && reach >= ce)
    });
}

/// One pass of the automaton: every term hit (ASCII edges on word boundaries), every cue and
/// every word that contains a cue without negating.
fn find_terms(c: &Scanner, text: &str, s: &mut Scan) {
    let Some(ac) = &c.automaton else {
        return;
    };
    let bytes = text.as_bytes();
    ac.find_overlapping(text, |start, end, pattern| {
        let Some(info) = c.patterns.get(pattern) else {
            return;
        };
        let left_ok = !c.word_boundary
            || !info.word_start
            || start == 0
            || !bytes
                .get(start - 1)
                .is_some_and(|b| b.is_ascii_alphanumeric());
        if !left_ok {
            return;
        }
        let right_ok = !info.word_end || !bytes.get(end).is_some_and(|b| b.is_ascii_alphanumeric());
        let whole = right_ok || !c.word_boundary;
        let span = (start as u32, end as u32);
        if info.cue && whole {
            s.cues.push(span);
        }
        if info.not_cue {
            s.not_cues.push(span);
        }
        let hit = |term| Hit {
            term,
            start: span.0,
            end: span.1,
            negated_by: None,
        };
        if let Some(t) = info.exact.filter(|_| whole) {
            s.hits.push(hit(t));
        }
        if let Some(t) = info.prefix {
            s.hits.push(hit(t));
        }
    });
}

/// For every hit (sorted by start), the nearest cue that ends at or before it, within the
/// negation window and the same clause (no clause mark between them, no line end of the
/// original at `lines`); and the presence bitsets.
fn mark_negations(c: &Scanner, text: &str, lines: &[u32], s: &mut Scan) {
    let window = c.negation_window;
    for h in s.hits.iter_mut() {
        let idx = s.cues.partition_point(|&(_, ce)| ce <= h.start);
        for ci in (0..idx).rev() {
            let Some(&(cs, ce)) = s.cues.get(ci) else {
                break;
            };
            // A char is 1 to 4 bytes: a gap of more than 4 × window bytes is too far and one of
            // at most window bytes near enough without counting (counting every gap char from
            // an early cue to each later hit cost ≈ 5k instructions per complaint).
            let gap_bytes = (h.start as usize).saturating_sub(ce as usize);
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
            if gap.chars().any(breaks_clause) || line_between(lines, ce, h.start) {
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
}

/// Is there a line end of the original (sorted offsets `lines`) in `[from, to]`?
fn line_between(lines: &[u32], from: u32, to: u32) -> bool {
    let i = lines.partition_point(|&l| l < from);
    lines.get(i).is_some_and(|&l| l <= to)
}

/// Which regexes match. Each field (title, text) on its own: a regex never spans two fields, and
/// ^/$ anchor at the field's edges.
fn match_regexes(c: &Scanner, text: &str, s: &mut Scan) {
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
pub(crate) fn fields(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut offset = 0;
    text.split('\n').map(move |seg| {
        let start = offset;
        offset += seg.len() + 1;
        (start, seg)
    })
}
