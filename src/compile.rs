//! Step two: pack → **compile** → text → scan → rules → decide. Turns a validated [`Pack`] into
//! matchers built once: every literal term and negation cue in ONE overlapping Aho-Corasick
//! automaton, every regex in one `RegexSet` prefilter, and conditions rewritten over term ids.

use crate::error::Problem;
use crate::pack::{Cond, FieldOp, Pack, Route};
use crate::text::{normalize_str, NormalizeOptions};
use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use regex::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};
use serde_json::Value;
use std::collections::HashMap;

/// Index of a distinct term (normalised text + whether it is a prefix term ending in `*`).
pub type TermId = u32;

/// What one automaton pattern stands for.
#[derive(Debug, Clone, Default)]
pub struct PatternInfo {
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

/// A set of terms, kept as sorted ids (for evidence), as a sparse bit mask over the words of
/// the scan's presence bitset (so that "does any occur" is a few ANDs, not a walk over a lexicon
/// of hundreds of terms) and as a dense bitset (membership of a hit in one load: evidence and
/// `near` test every hit of a complaint, and a binary search per hit cost ≈ 20 instructions).
#[derive(Debug, Clone, Default)]
pub struct TermSet {
    /// Sorted, distinct.
    pub ids: Vec<TermId>,
    /// (word index, bits) for every word holding at least one id, by word index.
    words: Vec<(u32, u64)>,
    /// Bit `w % 64` set for every word index `w` in `words`: compared with
    /// [`crate::scan::Scan::summary`] it rejects most sets in one AND (a complaint touches a few
    /// of the ≈ 24 words of the default pack's ≈ 1,500 terms).
    summary: u64,
    /// Bit `id` set for every member, up to the largest.
    dense: Vec<u64>,
}

impl TermSet {
    /// Build from ids (any order, duplicates allowed).
    pub fn new(mut ids: Vec<TermId>) -> Self {
        ids.sort_unstable();
        ids.dedup();
        let mut words: Vec<(u32, u64)> = Vec::new();
        let mut summary = 0u64;
        let mut dense = vec![0u64; ids.last().map_or(0, |&l| l as usize / 64 + 1)];
        for &id in &ids {
            let (w, bit) = (id / 64, 1u64 << (id % 64));
            summary |= 1u64 << (w % 64);
            if let Some(d) = dense.get_mut(w as usize) {
                *d |= bit;
            }
            match words.last_mut() {
                Some(last) if last.0 == w => last.1 |= bit,
                _ => words.push((w, bit)),
            }
        }
        TermSet {
            ids,
            words,
            summary,
            dense,
        }
    }
    /// May a member be set in a bitset whose summary (see [`summary_of`]) is `summary`?
    /// False means certainly not.
    #[inline]
    pub fn may_meet(&self, summary: u64) -> bool {
        self.summary & summary != 0
    }
    /// Any member set in `bits`?
    #[inline]
    pub fn any(&self, bits: &[u64]) -> bool {
        self.words
            .iter()
            .any(|&(w, m)| bits.get(w as usize).is_some_and(|b| b & m != 0))
    }
    /// How many members are set in `bits`.
    #[inline]
    pub fn count(&self, bits: &[u64]) -> usize {
        self.words
            .iter()
            .map(|&(w, m)| {
                bits.get(w as usize)
                    .map_or(0, |b| (b & m).count_ones() as usize)
            })
            .sum()
    }
    /// Is `id` a member?
    #[inline]
    pub fn contains(&self, id: TermId) -> bool {
        self.dense
            .get((id / 64) as usize)
            .is_some_and(|&m| m & (1u64 << (id % 64)) != 0)
    }
}

/// The summary of a presence bitset that [`TermSet::may_meet`] compares with: bit `w % 64` set
/// for every non-zero word `w`.
pub fn summary_of(bits: &[u64]) -> u64 {
    bits.iter()
        .enumerate()
        .filter(|(_, &b)| b != 0)
        .fold(0, |acc, (w, _)| acc | 1u64 << (w % 64))
}

/// With fewer regexes than this, the scan runs each regex's own `is_match` instead of one
/// `RegexSet`. A set must search overlapping matches through the whole text with its lazy DFA:
/// ≈ 10.1k instructions per complaint for the default pack's 2 regexes (callgrind, 3,000 shared
/// complaints), while each single regex uses its literal prefilter (`95`, `岁`) and mostly skips
/// the text with memchr: ≈ 1.9k for both. Large regex-heavy packs keep the one-pass set.
pub const REGEX_SET_MIN: usize = 4;

/// Which virtual amount field a path names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AmountField {
    /// Largest amount found in text or given in `amount`.
    Max,
    /// Sum of amounts found in text (or the given `amount` when none).
    Sum,
    /// How many amounts were found.
    Count,
}

/// A compiled field comparison (string operands are normalised once here).
#[derive(Debug, Clone)]
pub enum CFieldOp {
    /// Equal.
    Eq(Value),
    /// Equal to one of.
    In(Vec<Value>),
    /// ≥.
    Gte(f64),
    /// ≤.
    Lte(f64),
    /// >.
    Gt(f64),
    /// <.
    Lt(f64),
    /// Presence.
    Exists(bool),
    /// Contains.
    Contains(String),
}

/// A compiled condition.
#[derive(Debug, Clone)]
pub enum CCond {
    /// Any of the term ids (sorted) occurs.
    Terms {
        ids: TermSet,
        negation: bool,
        min: usize,
    },
    /// Regex number `usize` of the set.
    Regex(usize),
    /// Two term sets near each other.
    Near {
        a: TermSet,
        b: TermSet,
        within: usize,
        ordered: bool,
        negation: bool,
    },
    /// Field comparison.
    Field {
        path: String,
        segments: Vec<String>,
        amount: Option<AmountField>,
        ops: Vec<CFieldOp>,
    },
    /// One of these label indices of dimension `dim` was assigned.
    Label {
        dim: usize,
        code: String,
        matching: Vec<usize>,
    },
    /// All.
    All(Vec<CCond>),
    /// Any.
    Any(Vec<CCond>),
    /// Not.
    Not(Box<CCond>),
    /// At least n of.
    AtLeast { n: usize, of: Vec<CCond> },
}

impl CCond {
    /// The terms of which at least one must occur (negated or not) for the condition to hold —
    /// the rule index lists the rule under each of them; None when it can hold without any
    /// term.
    pub fn need_terms(&self) -> Option<Vec<TermId>> {
        match self {
            CCond::Terms { ids, .. } => Some(ids.ids.clone()),
            CCond::Near { a, .. } => Some(a.ids.clone()),
            CCond::All(cs) => cs.iter().find_map(CCond::need_terms),
            CCond::Any(cs) | CCond::AtLeast { of: cs, .. } => {
                if matches!(self, CCond::AtLeast { n: 0, .. }) {
                    return None;
                }
                let mut all = Vec::new();
                for c in cs {
                    all.extend(c.need_terms()?);
                }
                all.sort_unstable();
                all.dedup();
                Some(all)
            }
            CCond::Regex(_) | CCond::Field { .. } | CCond::Label { .. } | CCond::Not(_) => None,
        }
    }
}

/// Which label rules can hold for a complaint, found from the terms it contains instead of by
/// walking every rule: a rule that needs a term ([`CCond::need_terms`]) is listed under each of
/// those terms, the others are always tried. With thousands of rules the walk dominated (each
/// rule's one-word summary test passes for most rules once a complaint touches many words);
/// with the index the cost follows the terms a complaint contains, not the size of the pack.
#[derive(Debug, Clone, Default)]
pub struct RuleIndex {
    /// Rules numbered in pack order: number → (dimension, label, rule).
    rules: Vec<(u32, u32, u32)>,
    /// Rules that need term `t`: `term_rules[term_start[t]..term_start[t + 1]]` (numbers).
    term_start: Vec<u32>,
    term_rules: Vec<u32>,
    /// Bitset of the rules that need no term.
    always: Vec<u64>,
}

impl RuleIndex {
    fn new(dimensions: &[CDimension], n_terms: usize) -> RuleIndex {
        let mut rules = Vec::new();
        let mut pairs: Vec<(TermId, u32)> = Vec::new();
        let mut always_list = Vec::new();
        for (di, d) in dimensions.iter().enumerate() {
            for (li, l) in d.labels.iter().enumerate() {
                for (ri, r) in l.rules.iter().enumerate() {
                    let no = rules.len() as u32;
                    rules.push((di as u32, li as u32, ri as u32));
                    match r.when.need_terms() {
                        Some(terms) => pairs.extend(terms.into_iter().map(|t| (t, no))),
                        None => always_list.push(no),
                    }
                }
            }
        }
        pairs.sort_unstable();
        pairs.dedup();
        let mut term_start = vec![0u32; n_terms + 1];
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
        let mut always = vec![0u64; rules.len().div_ceil(64)];
        for no in always_list {
            if let Some(w) = always.get_mut(no as usize / 64) {
                *w |= 1 << (no % 64);
            }
        }
        RuleIndex {
            rules,
            term_start,
            term_rules: pairs.into_iter().map(|(_, no)| no).collect(),
            always,
        }
    }

    /// The (dimension, label, rule) candidates for a complaint whose present terms (any hit,
    /// negated or not) are the set bits of `present_any`, into `out`, in pack order and distinct
    /// (so each dimension's candidates are one run); `bits` is a scratch bitset.
    pub fn candidates(
        &self,
        present_any: &[u64],
        bits: &mut Vec<u64>,
        out: &mut Vec<(u32, u32, u32)>,
    ) {
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
                    .term_rules
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
                let no = w * 64 + rest.trailing_zeros() as usize;
                rest &= rest - 1;
                if let Some(&r) = self.rules.get(no) {
                    out.push(r);
                }
            }
        }
    }
}

/// A compiled rule.
#[derive(Debug, Clone)]
pub struct CRule {
    /// Rule id.
    pub id: String,
    /// Weight.
    pub weight: f64,
    /// Condition.
    pub when: CCond,
}

/// A compiled label.
#[derive(Debug, Clone)]
pub struct CLabel {
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Parent label index.
    pub parent: Option<usize>,
    /// Parent code (for output).
    pub parent_code: Option<String>,
    /// Route.
    pub route: Option<Route>,
    /// Advice shown with the label.
    pub advice: Option<String>,
    /// Rules.
    pub rules: Vec<CRule>,
}

/// A compiled dimension.
#[derive(Debug, Clone)]
pub struct CDimension {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Multi-label.
    pub multi: bool,
    /// Threshold.
    pub threshold: f64,
    /// Fallback label index.
    pub fallback: Option<usize>,
    /// Exclusive groups as label indices in priority order.
    pub exclusive: Vec<Vec<usize>>,
    /// Labels.
    pub labels: Vec<CLabel>,
}

/// A compiled severity factor.
#[derive(Debug, Clone)]
pub struct CFactor {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Points.
    pub points: i64,
    /// Index of the minimum level.
    pub min_level: Option<usize>,
    /// Condition.
    pub when: CCond,
}

/// Everything the scanner and evaluator need, built once per pack.
#[derive(Debug, Clone)]
pub struct Compiled {
    /// Normalisation options.
    pub normalize: NormalizeOptions,
    /// The one automaton over all terms and cues (None when the pack has no terms).
    pub automaton: Option<AhoCorasick>,
    /// Per automaton pattern.
    pub patterns: Vec<PatternInfo>,
    /// Normalised text of each term (index = TermId).
    pub terms: Vec<std::sync::Arc<str>>,
    /// Word-boundary checks on.
    pub word_boundary: bool,
    /// Negation window in characters.
    pub negation_window: usize,
    /// Length in bytes of the longest automaton pattern: bounds how far before a hit another
    /// hit can start and still overlap or be near it.
    pub max_pattern_bytes: usize,
    /// Prefilter over all regexes, when the pack has at least [`REGEX_SET_MIN`] of them.
    pub regex_set: Option<RegexSet>,
    /// The same regexes, for spans.
    pub regexes: Vec<Regex>,
    /// Dimensions.
    pub dimensions: Vec<CDimension>,
    /// Severity factors.
    pub factors: Vec<CFactor>,
    /// Label rules by the terms they need.
    pub rule_index: RuleIndex,
}

/// Which Aho-Corasick automaton scans for the pack's terms. Matches — and so decisions — are
/// identical with either; they trade build time and memory against scan speed (measured on the
/// default pack: the DFA scans in ≈ 7.5k instructions per complaint against ≈ 17.3k, but takes
/// ≈ 10 ms and 4.2 MB to build natively against ≈ 1.5 ms and 0.2 MB, and far longer in
/// WebAssembly, where it dominates a cold start).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Automaton {
    /// The DFA natively for packs of up to 3,000 patterns, else the contiguous NFA; always
    /// the contiguous NFA in WebAssembly, where pages and apps build an engine per load.
    #[default]
    Auto,
    /// The DFA whatever the pack and target: for long-running services that classify many
    /// complaints per engine (it pays for its build after a few thousand complaints).
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

impl Compiled {
    /// Compile a validated pack with the [`Automaton::Auto`] choice. Regex errors (syntax, size
    /// limit) come back as problems.
    pub fn new(pack: &Pack) -> Result<Compiled, Vec<Problem>> {
        Compiled::with_automaton(pack, Automaton::Auto)
    }

    /// Compile a validated pack, choosing the term automaton.
    pub fn with_automaton(pack: &Pack, automaton: Automaton) -> Result<Compiled, Vec<Problem>> {
        let mut b = Builder {
            opts: pack.settings.normalize,
            term_ids: HashMap::new(),
            terms: Vec::new(),
            regex_src: Vec::new(),
            regex_ids: HashMap::new(),
            problems: Vec::new(),
            max_regex_bytes: pack.settings.limits.max_regex_bytes,
            regexes: Vec::new(),
        };
        let mut dimensions = Vec::with_capacity(pack.dimensions.len());
        for (di, d) in pack.dimensions.iter().enumerate() {
            let mut labels = Vec::with_capacity(d.labels.len());
            for (li, l) in d.labels.iter().enumerate() {
                let mut rules = Vec::with_capacity(l.rules.len());
                for (ri, r) in l.rules.iter().enumerate() {
                    let path = format!("/dimensions/{di}/labels/{li}/rules/{ri}/when");
                    let when = b.cond(&r.when, &path, pack);
                    rules.push(CRule {
                        id: r.id.clone(),
                        weight: r.weight,
                        when,
                    });
                }
                labels.push(CLabel {
                    code: l.code.clone(),
                    name: l.name.clone(),
                    parent: l
                        .parent
                        .as_ref()
                        .and_then(|p| d.labels.iter().position(|x| &x.code == p)),
                    parent_code: l.parent.clone(),
                    route: l.route.clone(),
                    advice: l.advice.clone(),
                    rules,
                });
            }
            dimensions.push(CDimension {
                id: d.id.clone(),
                name: d.name.clone(),
                multi: d.multi,
                threshold: if d.threshold.is_nan() {
                    pack.settings.threshold
                } else {
                    d.threshold
                },
                fallback: d
                    .fallback
                    .as_ref()
                    .and_then(|f| d.labels.iter().position(|x| &x.code == f)),
                exclusive: d
                    .exclusive
                    .iter()
                    .map(|g| {
                        g.iter()
                            .filter_map(|c| d.labels.iter().position(|x| &x.code == c))
                            .collect()
                    })
                    .collect(),
                labels,
            });
        }
        let mut factors = Vec::new();
        for (fi, f) in pack.severity.factors.iter().enumerate() {
            let path = format!("/severity/factors/{fi}/when");
            factors.push(CFactor {
                id: f.id.clone(),
                name: f.name.clone(),
                points: f.points,
                min_level: f
                    .min_level
                    .as_ref()
                    .and_then(|m| pack.severity.levels.iter().position(|l| &l.id == m)),
                when: b.cond(&f.when, &path, pack),
            });
        }
        // Cues join the same automaton.
        let mut pattern_text: Vec<String> = Vec::new();
        let mut patterns: Vec<PatternInfo> = Vec::new();
        let mut by_text: HashMap<String, usize> = HashMap::new();
        let mut slot = |text: &str,
                        pattern_text: &mut Vec<String>,
                        patterns: &mut Vec<PatternInfo>|
         -> usize {
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
        for (id, t) in b.terms.iter().enumerate() {
            let (text, prefix) = match t.strip_suffix('*') {
                Some(stem) => (stem, true),
                None => (t.as_str(), false),
            };
            let i = slot(text, &mut pattern_text, &mut patterns);
            if let Some(p) = patterns.get_mut(i) {
                if prefix {
                    p.prefix = Some(id as TermId);
                } else {
                    p.exact = Some(id as TermId);
                }
            }
        }
        for cue in &pack.settings.negation.cues {
            let text = normalize_str(cue, &b.opts);
            if text.is_empty() {
                continue;
            }
            let i = slot(&text, &mut pattern_text, &mut patterns);
            if let Some(p) = patterns.get_mut(i) {
                p.cue = true;
            }
        }
        for word in &pack.settings.negation.except {
            let text = normalize_str(word, &b.opts);
            if text.is_empty() {
                continue;
            }
            let i = slot(&text, &mut pattern_text, &mut patterns);
            if let Some(p) = patterns.get_mut(i) {
                p.not_cue = true;
            }
        }
        let automaton = if pattern_text.is_empty() {
            None
        } else {
            // DFA or contiguous NFA, measured on the default pack (1,531 patterns) over 3,000
            // shared complaints with callgrind: the DFA scans in ≈ 7.5k instructions per
            // complaint, the contiguous NFA in ≈ 17.3k; building the DFA costs ≈ 71M
            // instructions (≈ 10 ms here) against ≈ 1.5 ms for the NFA (examples/acbench.rs:
            // 2.7 vs 3.2–3.8 µs per text, 4.2 MB vs 0.2 MB). Classification speed is the target
            // and the compile still fits in 20 ms, so the DFA it is; it pays for its build after
            // ≈ 7,000 complaints. Above a few thousand patterns the DFA's memory and build time
            // grow too fast, so large packs fall back to the contiguous NFA.
            // In WebAssembly the DFA build was the bulk of a cold start (80–270 ms for the
            // default pack under Node, against a 50 ms target), and pages and apps build an
            // engine per load: there the contiguous NFA is used. Matches are identical either
            // way (same patterns, same overlapping semantics), so decisions stay byte-identical.
            let kind = match automaton {
                Automaton::Dfa => AhoCorasickKind::DFA,
                Automaton::Nfa => AhoCorasickKind::ContiguousNFA,
                Automaton::Auto if pattern_text.len() <= 3000 && !cfg!(target_arch = "wasm32") => {
                    AhoCorasickKind::DFA
                }
                Automaton::Auto => AhoCorasickKind::ContiguousNFA,
            };
            match AhoCorasick::builder()
                .match_kind(MatchKind::Standard)
                .kind(Some(kind))
                .build(&pattern_text)
            {
                Ok(a) => Some(a),
                Err(e) => {
                    b.problems.push(Problem::error(
                        "/",
                        format!("cannot build the term automaton: {e}"),
                    ));
                    None
                }
            }
        };
        let regex_set = if b.regex_src.len() < REGEX_SET_MIN {
            None
        } else {
            match RegexSetBuilder::new(&b.regex_src)
                .size_limit(b.max_regex_bytes.saturating_mul(4))
                // A larger lazy-DFA cache: with the default 2 MiB the default pack's set kept
                // rebuilding states (about 50 µs per complaint); with 16 MiB it settles near 4 µs.
                .dfa_size_limit(16 << 20)
                .build()
            {
                Ok(s) => Some(s),
                Err(e) => {
                    b.problems.push(Problem::error(
                        "/",
                        format!("cannot build the regex set: {e}"),
                    ));
                    None
                }
            }
        };
        if b.problems.iter().any(|p| p.is_error()) {
            return Err(b.problems);
        }
        Ok(Compiled {
            normalize: b.opts,
            automaton,
            patterns,
            terms: b
                .terms
                .iter()
                .map(|t| std::sync::Arc::from(t.as_str()))
                .collect(),
            max_pattern_bytes: pattern_text.iter().map(String::len).max().unwrap_or(0),
            word_boundary: pack.settings.word_boundary,
            negation_window: pack.settings.negation.window,
            regex_set,
            regexes: b.regexes,
            rule_index: RuleIndex::new(&dimensions, b.terms.len()),
            dimensions,
            factors,
        })
    }
}

struct Builder {
    opts: NormalizeOptions,
    term_ids: HashMap<String, TermId>,
    terms: Vec<String>,
    regex_src: Vec<String>,
    regex_ids: HashMap<String, usize>,
    regexes: Vec<Regex>,
    problems: Vec<Problem>,
    max_regex_bytes: usize,
}

impl Builder {
    fn term_list(&mut self, terms: &[String], path: &str) -> TermSet {
        let mut ids = Vec::with_capacity(terms.len());
        for t in terms {
            let (stem, star) = match t.strip_suffix('*') {
                Some(s) => (s, "*"),
                None => (t.as_str(), ""),
            };
            let norm = normalize_str(stem, &self.opts);
            if norm.is_empty() {
                self.problems.push(Problem::error(
                    path,
                    format!("term \"{t}\" is empty after normalisation"),
                ));
                continue;
            }
            if norm.contains('\n') {
                self.problems.push(Problem::error(
                    path,
                    format!("term \"{t}\" contains a line break"),
                ));
                continue;
            }
            let key = format!("{norm}{star}");
            let next = self.terms.len() as TermId;
            let id = *self.term_ids.entry(key.clone()).or_insert_with(|| {
                self.terms.push(key);
                next
            });
            ids.push(id);
        }
        TermSet::new(ids)
    }

    fn cond(&mut self, c: &Cond, path: &str, pack: &Pack) -> CCond {
        match c {
            Cond::Terms {
                terms,
                negation,
                min,
            } => CCond::Terms {
                ids: self.term_list(terms, &format!("{path}/terms")),
                negation: *negation,
                min: *min,
            },
            Cond::Regex(src) => {
                // One set entry per distinct source: packs repeat regexes across labels.
                if let Some(&i) = self.regex_ids.get(src) {
                    return CCond::Regex(i);
                }
                let i = self.regex_src.len();
                let re = match pack.regexes.get(src) {
                    Some(re) => Ok(re.clone()),
                    None => RegexBuilder::new(src)
                        .size_limit(self.max_regex_bytes)
                        .build(),
                };
                match re {
                    Ok(r) => {
                        self.regexes.push(r);
                        self.regex_src.push(src.clone());
                        self.regex_ids.insert(src.clone(), i);
                    }
                    Err(e) => {
                        self.problems.push(Problem::error(
                            format!("{path}/regex"),
                            format!("invalid regex: {e}"),
                        ));
                        // Keep indices aligned; the pack is rejected anyway.
                        self.regex_src.push(String::from("$^"));
                        if let Ok(r) = Regex::new("$^") {
                            self.regexes.push(r);
                        }
                    }
                }
                CCond::Regex(i)
            }
            Cond::Near {
                a,
                b,
                within,
                ordered,
                negation,
            } => CCond::Near {
                a: self.term_list(a, &format!("{path}/near/a")),
                b: self.term_list(b, &format!("{path}/near/b")),
                within: *within,
                ordered: *ordered,
                negation: *negation,
            },
            Cond::Field { path: fpath, ops } => {
                let amount = match fpath.as_str() {
                    "amount.max" => Some(AmountField::Max),
                    "amount.sum" => Some(AmountField::Sum),
                    "amount.count" => Some(AmountField::Count),
                    _ => None,
                };
                let norm = |v: &Value| -> Value {
                    match v {
                        Value::String(s) => Value::String(normalize_str(s.trim(), &self.opts)),
                        other => other.clone(),
                    }
                };
                let ops = ops
                    .iter()
                    .map(|op| match op {
                        FieldOp::Eq(v) => CFieldOp::Eq(norm(v)),
                        FieldOp::In(vs) => CFieldOp::In(vs.iter().map(norm).collect()),
                        FieldOp::Gte(n) => CFieldOp::Gte(*n),
                        FieldOp::Lte(n) => CFieldOp::Lte(*n),
                        FieldOp::Gt(n) => CFieldOp::Gt(*n),
                        FieldOp::Lt(n) => CFieldOp::Lt(*n),
                        FieldOp::Exists(b) => CFieldOp::Exists(*b),
                        FieldOp::Contains(s) => CFieldOp::Contains(normalize_str(s, &self.opts)),
                    })
                    .collect();
                CCond::Field {
                    path: fpath.clone(),
                    segments: fpath.split('.').map(str::to_string).collect(),
                    amount,
                    ops,
                }
            }
            Cond::Label { dimension, code } => {
                let dim = pack
                    .dimensions
                    .iter()
                    .position(|d| &d.id == dimension)
                    .unwrap_or(usize::MAX);
                let mut matching = Vec::new();
                if let Some(d) = pack.dimensions.get(dim) {
                    // A label matches when it is the target or has it as an ancestor.
                    for (i, l) in d.labels.iter().enumerate() {
                        let mut cur = Some(l.code.as_str());
                        let mut steps = 0;
                        while let Some(c) = cur {
                            if c == code {
                                matching.push(i);
                                break;
                            }
                            steps += 1;
                            if steps > d.labels.len() {
                                break;
                            }
                            cur = d
                                .labels
                                .iter()
                                .find(|x| x.code == c)
                                .and_then(|x| x.parent.as_deref());
                        }
                    }
                }
                CCond::Label {
                    dim,
                    code: code.clone(),
                    matching,
                }
            }
            Cond::All(cs) => CCond::All(
                cs.iter()
                    .enumerate()
                    .map(|(i, c)| self.cond(c, &format!("{path}/all/{i}"), pack))
                    .collect(),
            ),
            Cond::Any(cs) => CCond::Any(
                cs.iter()
                    .enumerate()
                    .map(|(i, c)| self.cond(c, &format!("{path}/any/{i}"), pack))
                    .collect(),
            ),
            Cond::Not(c) => CCond::Not(Box::new(self.cond(c, &format!("{path}/not"), pack))),
            Cond::AtLeast { n, of } => CCond::AtLeast {
                n: *n,
                of: of
                    .iter()
                    .enumerate()
                    .map(|(i, c)| self.cond(c, &format!("{path}/at_least/of/{i}"), pack))
                    .collect(),
            },
        }
    }
}
