//! Building the scan step's [`Scanner`]: every literal term and negation cue of the pack in ONE
//! overlapping Aho-Corasick automaton (the [`Automaton`] option picks its kind), and the regexes
//! either one by one or in one `RegexSet` prefilter.

use crate::error::Problem;
use crate::pack::Settings;
use crate::scan::{PatternInfo, Scanner, TermId};
use crate::text::normalize_str;
use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use regex::{Regex, RegexSet, RegexSetBuilder};
use std::collections::HashMap;

/// With fewer regexes than this, the scan runs each regex's own `is_match` instead of one
/// `RegexSet`. A set must search overlapping matches through the whole text with its lazy DFA:
/// ≈ 10.1k instructions per complaint for the default pack's 2 regexes (callgrind, 3,000 shared
/// complaints), while each single regex uses its literal prefilter (`95`, `岁`) and mostly skips
/// the text with memchr: ≈ 1.9k for both. Large regex-heavy packs keep the one-pass set.
pub(crate) const REGEX_SET_MIN: usize = 4;

/// Which Aho-Corasick automaton scans for the pack's terms. Matches — and so decisions — are
/// identical with either; they trade build time and memory against scan speed (measured on the
/// default pack: the DFA scans in ≈ 7.5k instructions per complaint against ≈ 17.3k, but takes
/// ≈ 10 ms and 4.2 MB to build natively against ≈ 1.5 ms and 0.2 MB, and far longer in
/// WebAssembly, where it dominates a cold start).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Automaton {
    /// The DFA natively for packs of up to 3,000 patterns whose DFA is cheap to build (about
    /// 60 ms at most: see RELIABILITY.md), else the contiguous NFA; always the contiguous NFA in
    /// WebAssembly, where pages and apps build an engine per load.
    #[default]
    Auto,
    /// The DFA on any target: for long-running services that classify many complaints per
    /// engine (it pays for its build after a few thousand complaints) — unless building it
    /// would take more than about a quarter of a second or 64 MB, when the contiguous NFA is
    /// built instead (same matches), so that no pack can stall `Engine::new`.
    Dfa,
    /// The contiguous NFA: fastest to build, smallest.
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
    automaton: Automaton,
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
        automaton: term_automaton(&pattern_text, automaton, problems),
        patterns,
        terms: terms.len(),
        word_boundary: settings.word_boundary,
        negation_window: settings.negation.window,
        max_pattern_bytes: pattern_text.iter().map(String::len).max().unwrap_or(0),
        regex_set: regex_set(regex_src, settings.limits.max_regex_bytes, problems),
        regexes,
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

fn term_automaton(
    pattern_text: &[String],
    automaton: Automaton,
    problems: &mut Vec<Problem>,
) -> Option<AhoCorasick> {
    if pattern_text.is_empty() {
        return None;
    }
    // DFA or contiguous NFA, measured on the default pack (1,531 patterns) over 3,000 shared
    // complaints with callgrind: the DFA scans in ≈ 7.5k instructions per complaint, the
    // contiguous NFA in ≈ 17.3k; building the DFA costs ≈ 71M instructions (≈ 10 ms here)
    // against ≈ 1.5 ms for the NFA (examples/acbench.rs: 2.7 vs 3.2–3.8 µs per text, 4.2 MB vs
    // 0.2 MB). Classification speed is the target and the compile still fits in 20 ms, so the
    // DFA it is; it pays for its build after ≈ 7,000 complaints. Above a few thousand patterns
    // the DFA's memory and build time grow too fast, so large packs fall back to the contiguous
    // NFA. In WebAssembly the DFA build was the bulk of a cold start (80–270 ms for the default
    // pack under Node, against a 50 ms target), and pages and apps build an engine per load:
    // there the contiguous NFA is used. Matches are identical either way (same patterns, same
    // overlapping semantics), so decisions stay byte-identical.
    //
    // Whatever was asked, the DFA is built only when its estimated cost is bounded (see
    // [`DfaCost`]): one 8,000-character term of one repeated char took the DFA 32 s to build,
    // 1,000 such 100-character terms 8 s and 150 MB; the contiguous NFA builds them in
    // milliseconds and matches the same.
    let cost = DfaCost::of(pattern_text);
    let kind = match automaton {
        Automaton::Dfa if cost.within(DfaCost::ASKED) => AhoCorasickKind::DFA,
        Automaton::Auto
            if pattern_text.len() <= 3000
                && !cfg!(target_arch = "wasm32")
                && cost.within(DfaCost::AUTO) =>
        {
            AhoCorasickKind::DFA
        }
        _ => AhoCorasickKind::ContiguousNFA,
    };
    match AhoCorasick::builder()
        .match_kind(MatchKind::Standard)
        .kind(Some(kind))
        .build(pattern_text)
    {
        Ok(a) => Some(a),
        Err(e) => {
            problems.push(Problem::error(
                "/",
                format!("cannot build the term automaton: {e}"),
            ));
            None
        }
    }
}

/// What building the term DFA would cost, estimated from the patterns alone: its table
/// (`bytes`: a state per pattern byte, times the byte classes, 4 bytes a transition) and its
/// construction (`work`: the byte classes times Σ length² — a missing transition follows failure
/// links, at most one per byte of depth, and a pattern that repeats itself makes those chains as
/// long as it is). Both bound the real cost from above; measured here, building takes about 1 ns
/// per unit of `work` (the default pack: 5 MB, 15M work, 10–30 ms).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DfaCost {
    /// Estimated table size in bytes.
    pub bytes: u64,
    /// Estimated construction work.
    pub work: u64,
}

impl DfaCost {
    /// What `Automaton::Auto` allows (the default pack is at a quarter of it).
    pub const AUTO: DfaCost = DfaCost {
        bytes: 16 << 20,
        work: 60_000_000,
    };
    /// What an explicit `Automaton::Dfa` allows: about a quarter of a second to build natively.
    pub const ASKED: DfaCost = DfaCost {
        bytes: 64 << 20,
        work: 250_000_000,
    };

    pub fn of(patterns: &[String]) -> DfaCost {
        let mut seen = [false; 256];
        let (mut total, mut squares) = (0u64, 0u64);
        for p in patterns {
            let n = p.len() as u64;
            total = total.saturating_add(n);
            squares = squares.saturating_add(n.saturating_mul(n));
            for &b in p.as_bytes() {
                if let Some(s) = seen.get_mut(usize::from(b)) {
                    *s = true;
                }
            }
        }
        let classes = seen.iter().filter(|&&x| x).count() as u64 + 1;
        DfaCost {
            bytes: total
                .saturating_add(1)
                .saturating_mul(classes)
                .saturating_mul(4),
            work: squares.saturating_mul(classes),
        }
    }

    fn within(self, limit: DfaCost) -> bool {
        self.bytes <= limit.bytes && self.work <= limit.work
    }
}

fn regex_set(
    regex_src: &[String],
    max_regex_bytes: usize,
    problems: &mut Vec<Problem>,
) -> Option<RegexSet> {
    if regex_src.len() < REGEX_SET_MIN {
        return None;
    }
    match RegexSetBuilder::new(regex_src)
        // Never more than the pack's whole regex budget (`condition::REGEX_BUDGET`).
        .size_limit(
            max_regex_bytes
                .saturating_mul(4)
                .min(crate::condition::REGEX_BUDGET),
        )
        // A larger lazy-DFA cache: with the default 2 MiB the default pack's set kept rebuilding
        // states (about 50 µs per complaint); with 16 MiB it settles near 4 µs.
        .dfa_size_limit(16 << 20)
        .build()
    {
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
