//! Building the scan step's [`Scanner`]: every literal term and negation cue of the pack in ONE
//! overlapping Aho-Corasick automaton (`matcher`), and the regexes either one by one or in one
//! `RegexSet` prefilter.

use crate::condition::meta::{Regex, RegexSet, RegexSetBuilder};
use crate::condition::PackRegex;
use crate::error::Problem;
use crate::matcher::Matcher;
use crate::pack::Settings;
use crate::scan::{PatternInfo, Scanner, TermId};
use crate::text::normalize_str;
use std::collections::HashMap;

/// With fewer regexes than this, the scan runs each regex's own `is_match` instead of one
/// `RegexSet`. A set must search overlapping matches through the whole text with its lazy DFA:
/// ≈ 10.1k instructions per complaint for the default pack's 2 regexes (callgrind, 3,000 shared
/// complaints), while each single regex uses its literal prefilter (`95`, `岁`) and mostly skips
/// the text with memchr: ≈ 1.9k for both. Large regex-heavy packs keep the one-pass set.
pub(crate) const REGEX_SET_MIN: usize = 4;

/// The term automaton an engine was asked for. Kept so that existing callers and options
/// (`{"automaton": "dfa"}`) stay valid, but every choice now builds the same automaton
/// (`matcher`): it builds faster than the `aho-corasick` crate's NFA and scans faster than its
/// DFA, natively and in WebAssembly, and compiled packs store it. Decisions never depended on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Automaton {
    /// The default.
    #[default]
    Auto,
    /// Formerly the `aho-corasick` DFA; now the same as [`Automaton::Auto`].
    Dfa,
    /// Formerly the `aho-corasick` contiguous NFA; now the same as [`Automaton::Auto`].
    Nfa,
}

impl Automaton {
    /// Parse `"auto"`, `"dfa"` or `"nfa"`.
    pub fn parse(s: &str) -> Option<Automaton> {
        match s {
            "auto" => Some(Automaton::Auto),
            "dfa" => Some(Automaton::Dfa),
            "nfa" => Some(Automaton::Nfa),
            _ => None,
        }
    }
}

/// The terms' automaton patterns, the pack's cues and non-cues, and the regexes, as one
/// [`Scanner`]; problems (an automaton or regex set that cannot be built) into `problems`.
pub(super) fn build(
    terms: &[String],
    regex_src: &[String],
    regexes: Vec<Regex>,
    settings: &Settings,
    problems: &mut Vec<Problem>,
) -> Scanner {
    let opts = &settings.normalize;
    let mut pattern_text: Vec<String> = Vec::new();
    let mut patterns: Vec<PatternInfo> = Vec::new();
    let mut by_text: HashMap<String, usize> = HashMap::new();
    let mut slot = |text: &str| -> usize {
        if let Some(&i) = by_text.get(text) {
            return i;
        }
        let i = patterns.len();
        let first = text.chars().next().unwrap_or(' ');
        let last = text.chars().last().unwrap_or(' ');
        patterns.push(PatternInfo {
            word_start: first.is_ascii_alphanumeric(),
            word_end: last.is_ascii_alphanumeric(),
            ..PatternInfo::default()
        });
        pattern_text.push(text.to_string());
        by_text.insert(text.to_string(), i);
        i
    };
    let mut marks: Vec<(usize, Mark)> = Vec::new();
    for (id, t) in terms.iter().enumerate() {
        let (text, prefix) = match t.strip_suffix('*') {
            Some(stem) => (stem, true),
            None => (t.as_str(), false),
        };
        let i = slot(text);
        let id = id as TermId;
        marks.push((
            i,
            if prefix {
                Mark::Prefix(id)
            } else {
                Mark::Exact(id)
            },
        ));
    }
    // Cues join the same automaton.
    for (words, mark) in [
        (&settings.negation.cues, Mark::Cue),
        (&settings.negation.except, Mark::NotCue),
    ] {
        for word in words {
            let text = normalize_str(word, opts);
            if !text.is_empty() {
                marks.push((slot(&text), mark));
            }
        }
    }
    for (i, mark) in marks {
        if let Some(p) = patterns.get_mut(i) {
            match mark {
                Mark::Exact(id) => p.exact = Some(id),
                Mark::Prefix(id) => p.prefix = Some(id),
                Mark::Cue => p.cue = true,
                Mark::NotCue => p.not_cue = true,
            }
        }
    }
    Scanner {
        automaton: term_automaton(&pattern_text, problems),
        patterns,
        terms: terms.len(),
        word_boundary: settings.word_boundary,
        negation_window: settings.negation.window,
        max_pattern_bytes: pattern_text.iter().map(String::len).max().unwrap_or(0),
        regex_set: regex_set(regex_src, settings.limits.max_regex_bytes, problems),
        regexes: regexes.into_iter().map(PackRegex::Meta).collect(),
    }
}

/// What a pattern stands for.
#[derive(Clone, Copy)]
enum Mark {
    Exact(TermId),
    Prefix(TermId),
    Cue,
    NotCue,
}

fn term_automaton(pattern_text: &[String], problems: &mut Vec<Problem>) -> Option<Matcher> {
    if pattern_text.is_empty() {
        return None;
    }
    // wendu's own automaton, for JSON and compiled packs, natively and in WebAssembly. Measured
    // against the `aho-corasick` crate on the default pack over 3,000 shared complaints
    // (callgrind; BENCHMARKS.md, "Compiled packs"): it builds in ≈ 3M instructions where the
    // crate's DFA took ≈ 74M and its contiguous NFA ≈ 13M; it searches in ≈ 9.7k instructions
    // per complaint against ≈ 7.9k (DFA) and ≈ 17k (contiguous NFA), and in wall-clock time it
    // scans 5–10 % faster than the DFA natively (the DFA's 4 MB table misses the cache; the
    // double array is ≈ 0.2 MB). And it can be stored in a `.wdp`, which the crate's cannot.
    match Matcher::new(pattern_text) {
        Ok(m) => Some(m),
        Err(e) => {
            problems.push(Problem::error(
                "/",
                format!("cannot build the term automaton: {e}"),
            ));
            None
        }
    }
}

/// How the scan's regex set is built (from a JSON pack and from a compiled one alike).
pub(super) fn regex_set_builder<S: AsRef<str>>(
    regex_src: &[S],
    max_regex_bytes: usize,
) -> RegexSetBuilder {
    let mut b = RegexSetBuilder::new(regex_src.iter().map(AsRef::as_ref));
    // Never more than the pack's whole regex budget (`condition::REGEX_BUDGET`).
    b.size_limit(
        max_regex_bytes
            .saturating_mul(4)
            .min(crate::condition::REGEX_BUDGET),
    )
    // A larger lazy-DFA cache: with the default 2 MiB the default pack's set kept rebuilding
    // states (about 50 µs per complaint); with 16 MiB it settles near 4 µs.
    .dfa_size_limit(16 << 20);
    b
}

fn regex_set(
    regex_src: &[String],
    max_regex_bytes: usize,
    problems: &mut Vec<Problem>,
) -> Option<RegexSet> {
    if regex_src.len() < REGEX_SET_MIN {
        return None;
    }
    match regex_set_builder(regex_src, max_regex_bytes).build() {
        Ok(s) => Some(s),
        Err(e) => {
            problems.push(Problem::error(
                "/",
                format!("cannot build the regex set: {e}"),
            ));
            None
        }
    }
}
