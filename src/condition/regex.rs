//! The `regex` kind — `{"regex": "(?:逾期|延期)\\d+天"}`: the regex matches the normalised title or
//! text (never across the two; `^`/`$` anchor at a field's edges). Rust's `regex` crate: linear
//! time on any input. Evidence is every match, up to the pack's limit. A compiled pack may store
//! a regex as DFAs instead of its source ([`PackRegex`]): the same matches, without running the
//! regex compiler when the pack loads.

use super::meta::{Regex, RegexBuilder};
use super::{At, Build, Ctx, RawEvidence, Reader};
use crate::codec::{Reader as Bytes, Res, Writer};
use crate::error::Problem;
use crate::json::type_name;
use regex_automata::dfa::{dense, regex::Regex as DfaRegex, Automaton};
#[cfg(feature = "json-packs")]
use regex_automata::nfa::thompson;
use regex_automata::util::iter::Searcher;
use regex_automata::Input;
#[cfg(feature = "json-packs")]
use regex_syntax::hir::{Class, Hir, HirKind};
use serde_json::Value;
use std::collections::HashMap;

/// What all of a pack's regexes may compile to together, in bytes (by the estimate below). A
/// regex costs time to compile in proportion to its compiled size, even when it then fails its
/// size limit: 300 regexes of `\w{200}` took 2.7 s to be rejected, 30 with a 64 MiB limit 34 s,
/// from an 11 KB pack. With the budget, compiling a pack's regexes takes at most about what
/// 16 MiB takes (≈ 0.1–0.25 s natively; RELIABILITY.md).
pub(crate) const REGEX_BUDGET: usize = 16 << 20;

/// A regex whose estimate is this many times its size limit is refused without compiling it:
/// the estimate overshoots by at most about 3× where it was measured, and compiling a regex
/// only to see it fail costs as much as compiling one of the limit's size.
const SURELY_TOO_BIG: u64 = 16;

/// Bytes of compiled regex per estimated NFA state: the most measured at the size limit
/// (`(?i)k{n}` 39, `.{n}` 35, `\w{n}` 15 bytes per estimated state), with a margin, so that the
/// estimate bounds the compiled size from above.
const BYTES_PER_STATE: u64 = 48;

/// What reading a pack's conditions accumulates across them: the regexes compiled so far, by
/// source (so that their errors come with all the others; `compile` reuses them), the compile
/// budget they used, and how many terms the conditions name once lexicons are expanded.
#[derive(Debug, Clone, Default)]
pub(crate) struct Regexes {
    map: HashMap<String, Regex>,
    /// Estimated bytes compiled so far.
    spent: u64,
    /// Term references so far, each `@lexicon` counting its whole list (see
    /// `terms::MAX_TERM_REFS`).
    pub term_refs: usize,
}

impl Regexes {
    /// The compiled regex of a source read before.
    pub fn get(&self, src: &str) -> Option<&Regex> {
        self.map.get(src)
    }
}

/// An upper estimate of the compiled size of `src` in bytes (None when it does not parse: the
/// compile then fails at once with the parser's message). Counts the NFA states the regex crate
/// builds: a state per literal byte, per byte range of a class's UTF-8 sequences, per
/// repetition copy, per alternative.
#[cfg(feature = "json-packs")]
fn estimate(src: &str) -> Option<u64> {
    fn states(h: &Hir) -> u64 {
        match h.kind() {
            HirKind::Empty | HirKind::Look(_) => 1,
            HirKind::Literal(l) => l.0.len() as u64,
            HirKind::Class(Class::Unicode(c)) => c
                .ranges()
                .iter()
                .map(|r| {
                    regex_syntax::utf8::Utf8Sequences::new(r.start(), r.end())
                        .map(|s| s.len() as u64)
                        .sum::<u64>()
                })
                .fold(0, u64::saturating_add),
            HirKind::Class(Class::Bytes(c)) => c.ranges().len() as u64,
            HirKind::Repetition(r) => {
                let copies = u64::from(r.max.unwrap_or(r.min).max(r.min).max(1));
                states(&r.sub).saturating_add(1).saturating_mul(copies)
            }
            HirKind::Capture(c) => states(&c.sub).saturating_add(2),
            HirKind::Concat(v) => v.iter().map(states).fold(0, u64::saturating_add),
            HirKind::Alternation(v) => v
                .iter()
                .map(states)
                .fold(v.len() as u64, u64::saturating_add),
        }
    }
    let hir = regex_syntax::ParserBuilder::new().build().parse(src).ok()?;
    Some(states(&hir).saturating_mul(BYTES_PER_STATE))
}

/// Without the regex compiler nothing compiles, so there is nothing to estimate.
#[cfg(not(feature = "json-packs"))]
fn estimate(_: &str) -> Option<u64> {
    None
}

/// `regex` as written: its source.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RegexDef(pub String);

/// `regex` compiled: its index among the pack's distinct regexes.
#[derive(Debug, Clone)]
pub(crate) struct RegexCond(pub usize);

pub(super) fn read(r: &mut Reader, body: &Value, at: &At) -> Option<RegexDef> {
    let Value::String(s) = body else {
        r.c.error(
            at.body,
            format!("expected a string, found {}", type_name(body)),
        );
        return None;
    };
    if has_unicode_word_boundary(s) {
        r.c.warning(at.body, "Unicode \\b makes the regex engine fall back to a slow path on Chinese text (about 100x slower); use (?-u:\\b) or no boundary");
    }
    if !r.regexes.map.contains_key(s) {
        // The size limit of one regex, and the pack's budget for all of them: a regex the
        // budget cannot hold is refused before it is compiled.
        let limit = r.max_regex_bytes.min(REGEX_BUDGET);
        let estimated = estimate(s).unwrap_or(0);
        if estimated > (limit as u64).saturating_mul(SURELY_TOO_BIG) {
            r.c.error(
                at.body,
                format!(
                    "invalid regex: it would compile to about {} MiB, far over the size limit of {limit} bytes (settings.limits.max_regex_bytes)",
                    estimated >> 20
                ),
            );
            return None;
        }
        let cost = estimated.min(limit as u64);
        if r.regexes.spent.saturating_add(cost) > REGEX_BUDGET as u64 {
            r.c.error(
                at.body,
                format!(
                    "the pack's regexes together would compile to more than {} MiB (this one to about {} KiB, the ones before it to about {} MiB): simplify or merge them",
                    REGEX_BUDGET >> 20,
                    cost >> 10,
                    r.regexes.spent >> 20
                ),
            );
            return None;
        }
        r.regexes.spent += cost;
        match RegexBuilder::new(s).size_limit(limit).build() {
            Ok(re) => {
                if re.is_match("") {
                    r.c.warning(
                        at.body,
                        "this regex matches the empty string, so it holds for every text",
                    );
                }
                r.regexes.map.insert(s.clone(), re);
            }
            Err(e) => {
                r.c.error(at.body, format!("invalid regex: {e}"));
                return None;
            }
        }
    }
    Some(RegexDef(s.clone()))
}

pub(super) fn compile(b: &mut Build, d: &RegexDef, path: &str) -> RegexCond {
    let src = &d.0;
    // One entry per distinct source: packs repeat regexes across labels.
    if let Some(&i) = b.regex_ids.get(src) {
        return RegexCond(i);
    }
    let i = b.regex_src.len();
    let re = match b.read_regexes.get(src) {
        Some(re) => Ok(re.clone()),
        None => RegexBuilder::new(src)
            .size_limit(b.max_regex_bytes.min(REGEX_BUDGET))
            .build(),
    };
    match re {
        Ok(re) => {
            b.regexes.push(re);
            b.regex_src.push(src.clone());
            b.regex_ids.insert(src.clone(), i);
        }
        Err(e) => {
            b.problems.push(Problem::error(
                format!("{path}/regex"),
                format!("invalid regex: {e}"),
            ));
            // Keep indices aligned; the pack is rejected anyway.
            b.regex_src.push(String::from("$^"));
            if let Ok(re) = Regex::new("$^") {
                b.regexes.push(re);
            }
        }
    }
    RegexCond(i)
}

impl RegexCond {
    pub(super) fn holds(&self, ctx: &Ctx) -> bool {
        ctx.scan.regex_matched.get(self.0).copied().unwrap_or(false)
    }

    pub(super) fn evidence(&self, ctx: &Ctx, out: &mut Vec<RawEvidence>, max: usize) {
        let Some(re) = ctx.scanner.regexes.get(self.0) else {
            return;
        };
        for (offset, seg) in crate::scan::fields(ctx.text) {
            re.each_match(seg, |start, end| {
                if out.len() >= max {
                    return false;
                }
                if start < end {
                    out.push(RawEvidence::Regex {
                        start: (offset + start) as u32,
                        end: (offset + end) as u32,
                    });
                }
                true
            });
        }
    }
}

/// The largest forward plus reverse DFA a compiled pack stores for one regex. The default
/// pack's two regexes take ≈ 8 and ≈ 10 KB; bounded repetitions of a negated class
/// (`[^，。]{0,8}`) grow to hundreds of KB, and those keep their source.
const MAX_DFA_BYTES: usize = 32 << 10;

/// A pack's regex, ready to search: the `regex` crate's (compiled from the source: a JSON pack,
/// or a compiled pack that stores sources), or — loaded from a compiled pack — forward and
/// reverse DFAs that need no regex compiler, with the literals one of which every match
/// contains (a text without any is rejected before the DFA runs, as the `regex` crate's
/// prefilters do). Both give the same matches: the DFAs are built from the same syntax with
/// the same configuration (tests/compiled.rs and the golden vectors check them both ways).
#[derive(Debug, Clone)]
pub(crate) enum PackRegex {
    /// The `regex` crate.
    Meta(Regex),
    /// DFAs from a compiled pack.
    Dfa(Box<DfaForm>),
}

/// A regex as DFAs, with its source.
#[derive(Debug, Clone)]
pub(crate) struct DfaForm {
    src: String,
    /// Every match contains one of these (empty: no such literal was found).
    literals: Vec<String>,
    re: DfaRegex<dense::DFA<Vec<u32>>>,
}

impl PackRegex {
    /// The regex as written in the pack.
    pub fn as_str(&self) -> &str {
        match self {
            PackRegex::Meta(re) => re.as_str(),
            PackRegex::Dfa(d) => &d.src,
        }
    }

    /// Does it match somewhere in `hay`?
    pub fn is_match(&self, hay: &str) -> bool {
        match self {
            PackRegex::Meta(re) => re.is_match(hay),
            PackRegex::Dfa(d) => {
                if !d.literals.is_empty() && !d.literals.iter().any(|l| hay.contains(l.as_str())) {
                    return false;
                }
                // A DFA built here never quits (no Unicode word boundary, no quit bytes), so
                // the search cannot fail; should a damaged compiled pack make it fail, it
                // matches nothing.
                let input = Input::new(hay).earliest(true);
                matches!(d.re.forward().try_search_fwd(&input), Ok(Some(_)))
            }
        }
    }

    /// Every match in `hay` (leftmost-first, not overlapping) as a byte range, until `each`
    /// returns false.
    pub fn each_match(&self, hay: &str, mut each: impl FnMut(usize, usize) -> bool) {
        match self {
            PackRegex::Meta(re) => {
                for m in re.find_iter(hay) {
                    if !each(m.start(), m.end()) {
                        break;
                    }
                }
            }
            PackRegex::Dfa(d) => {
                let mut it = Searcher::new(Input::new(hay));
                while let Ok(Some(m)) = it.try_advance(|input| d.re.try_search(input)) {
                    if !each(m.start(), m.end()) {
                        break;
                    }
                }
            }
        }
    }

    /// The DFA form (built from the source when it is not one already); None when DFAs cannot
    /// be had: too large, or using what DFAs lack (a Unicode word boundary).
    pub fn dfa_form(&self) -> Option<std::borrow::Cow<'_, DfaForm>> {
        match self {
            PackRegex::Dfa(d) => Some(std::borrow::Cow::Borrowed(d.as_ref())),
            PackRegex::Meta(re) => DfaForm::build(re.as_str()).map(std::borrow::Cow::Owned),
        }
    }

    /// Read a regex stored as its source (see [`DfaForm::write`] for the other form): compiled
    /// with the `regex` crate, under the pack's size limit.
    pub fn load_source(r: &mut Bytes, max_regex_bytes: usize) -> Res<PackRegex> {
        let src = r.str()?;
        compile_source(r, src, max_regex_bytes)
    }

    /// Read a regex stored by [`DfaForm::write`]. The DFAs are checked by `regex-automata`
    /// (which never panics on bad bytes) and used as they are — or, should this platform not
    /// take them (a big-endian one), the source is compiled.
    pub fn load_dfa(r: &mut Bytes, max_regex_bytes: usize) -> Res<PackRegex> {
        let src = r.str()?;
        let literals = r.list(1, |r| r.str())?;
        let fwd = r.blob()?;
        let rev = r.blob()?;
        match (dfa_from(fwd), dfa_from(rev)) {
            (Some(f), Some(b)) => Ok(PackRegex::Dfa(Box::new(DfaForm {
                src,
                literals,
                re: DfaRegex::builder().build_from_dfas(f, b),
            }))),
            _ => compile_source(r, src, max_regex_bytes),
        }
    }
}

fn compile_source(r: &Bytes, src: String, max_regex_bytes: usize) -> Res<PackRegex> {
    RegexBuilder::new(&src)
        .size_limit(max_regex_bytes)
        .build()
        .map(PackRegex::Meta)
        .map_err(|e| r.corrupt(format!("regex {src:?}: {e}")))
}

impl DfaForm {
    /// The DFAs of `src`, built with the syntax the `regex` crate uses by default (Unicode,
    /// UTF-8 matches only) — None when they would be larger than [`MAX_DFA_BYTES`] or cannot be
    /// built (always, in a build without the regex compiler).
    #[cfg(not(feature = "json-packs"))]
    fn build(_: &str) -> Option<DfaForm> {
        None
    }

    #[cfg(feature = "json-packs")]
    fn build(src: &str) -> Option<DfaForm> {
        let re = DfaRegex::builder()
            .thompson(thompson::Config::new().nfa_size_limit(Some(MAX_DFA_BYTES * 16)))
            .dense(
                dense::Config::new()
                    .dfa_size_limit(Some(MAX_DFA_BYTES * 4))
                    .determinize_size_limit(Some(MAX_DFA_BYTES * 16)),
            )
            .build(src)
            .ok()?;
        let hir = regex_syntax::Parser::new().parse(src).ok()?;
        let form = DfaForm {
            src: src.to_string(),
            literals: required_literals(&hir).unwrap_or_default(),
            re,
        };
        let size = dfa_bytes(form.re.forward())?.len() + dfa_bytes(form.re.reverse())?.len();
        (size <= MAX_DFA_BYTES).then_some(form)
    }

    /// Write the regex as its source, the literals and the two DFAs' bytes.
    pub fn write(&self, w: &mut Writer) {
        w.str(&self.src);
        w.list(&self.literals, |w, l| w.str(l));
        let (fwd, rev) = (
            dfa_bytes(self.re.forward()).unwrap_or_default(),
            dfa_bytes(self.re.reverse()).unwrap_or_default(),
        );
        w.blob(&fwd);
        w.blob(&rev);
    }
}

/// A DFA's bytes, little-endian, without the alignment padding that `to_bytes_*` adds (it
/// depends on where the buffer happens to lie: stored bytes must not).
fn dfa_bytes(dfa: &dense::DFA<Vec<u32>>) -> Option<Vec<u8>> {
    let mut out = vec![0u8; dfa.write_to_len()];
    let n = dfa.write_to_little_endian(&mut out).ok()?;
    out.truncate(n);
    Some(out)
}

/// A DFA from stored bytes. `from_bytes` checks them (and never panics); it also wants them on
/// a 4-byte boundary, which a fresh allocation gives (the allocators of every target align
/// blocks to at least 8); were it not so, the caller compiles the source instead.
fn dfa_from(bytes: &[u8]) -> Option<dense::DFA<Vec<u32>>> {
    let copy = bytes.to_vec();
    dense::DFA::from_bytes(&copy)
        .ok()
        .map(|(d, _)| d.to_owned())
}

/// Literals one of which every match of `hir` contains: the best set found (fewest, then
/// longest), or None. Used only to skip texts quickly; any such set keeps the matches exact.
#[cfg(feature = "json-packs")]
fn required_literals(hir: &Hir) -> Option<Vec<String>> {
    const MAX_SET: usize = 8;
    let key = |s: &Vec<String>| {
        let shortest = s.iter().map(String::len).min().unwrap_or(0);
        (s.len(), usize::MAX - shortest)
    };
    match hir.kind() {
        HirKind::Literal(lit) => std::str::from_utf8(&lit.0)
            .ok()
            .filter(|s| !s.is_empty())
            .map(|s| vec![s.to_string()]),
        HirKind::Class(Class::Unicode(c)) => {
            let chars: Vec<char> = c
                .iter()
                .flat_map(|r| r.start()..=r.end())
                .take(MAX_SET + 1)
                .collect();
            (!chars.is_empty() && chars.len() <= MAX_SET)
                .then(|| chars.iter().map(char::to_string).collect())
        }
        HirKind::Repetition(rep) if rep.min >= 1 => required_literals(&rep.sub),
        HirKind::Capture(cap) => required_literals(&cap.sub),
        HirKind::Concat(parts) => parts
            .iter()
            .filter_map(required_literals)
            .min_by_key(|s| key(s)),
        HirKind::Alternation(alts) => {
            let mut all: Vec<String> = Vec::new();
            for a in alts {
                all.extend(required_literals(a)?);
            }
            all.sort();
            all.dedup();
            (all.len() <= MAX_SET).then_some(all)
        }
        _ => None,
    }
}

/// True when a regex uses `\b` or `\B` outside a `(?-u:...)` group (heuristic, for a warning).
fn has_unicode_word_boundary(re: &str) -> bool {
    // Every boundary written as (?-u:\b) or (?-u:\B) is fine; so is a regex that turns Unicode off.
    let stripped = re.replace("(?-u:\\b)", "").replace("(?-u:\\B)", "");
    if stripped.contains("(?-u)") {
        return false;
    }
    let mut escaped = false;
    for c in stripped.chars() {
        if escaped {
            if c == 'b' || c == 'B' {
                return true;
            }
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        }
    }
    false
}

// Every test here compiles regexes from source, which only the `json-packs` build can.
#[cfg(all(test, feature = "json-packs"))]
mod dfa_tests {
    use super::*;

    #[test]
    fn required_literals_of_the_default_pack() {
        let lits = |s: &str| required_literals(&regex_syntax::Parser::new().parse(s).unwrap());
        assert_eq!(
            lits("(6[5-9]|[7-9][0-9]|1[0-9]{2})(周)?岁"),
            Some(vec!["岁".to_string()])
        );
        assert_eq!(
            lits("(?:^|[^0-9])95[0-9]{3}(?:[^0-9]|$)"),
            Some(vec!["95".to_string()])
        );
        assert_eq!(
            lits("基金|保险"),
            Some(vec!["保险".to_string(), "基金".to_string()])
        );
        assert_eq!(lits("a*"), None);
        assert_eq!(lits("^$"), None);
    }

    /// Regexes of the packs whose DFAs fit, and some that stress anchors, empty matches,
    /// classes and alternations.
    const REGEXES: &[&str] = &[
        "(6[5-9]|[7-9][0-9]|1[0-9]{2})(周)?岁",
        "(?:^|[^0-9])95[0-9]{3}(?:[^0-9]|$)",
        "逾期[0-9]+天",
        "基金|保险",
        "\\$[0-9][0-9,]*",
        "did ?n[o']t (make|authori[sz]e)",
        "(最高可达|最高达|高达|最高)[0-9]+(\\.[0-9]+)?%",
        "^a|b$",
        "a*",
        "x?",
        "[^a-z]{2}",
        "(?i)Fee",
        "[0-9]{2}@",
    ];

    fn both(src: &str) -> (PackRegex, PackRegex) {
        let meta = PackRegex::Meta(Regex::new(src).unwrap());
        let form = meta.dfa_form().expect("DFAs").into_owned();
        (meta, PackRegex::Dfa(Box::new(form)))
    }

    fn matches(re: &PackRegex, hay: &str) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        re.each_match(hay, |s, e| {
            out.push((s, e));
            true
        });
        out
    }

    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn dfas_match_like_the_regex_crate(
            which in 0..REGEXES.len(),
            hay in prop::collection::vec(prop::sample::select(vec![
                '9', '5', '6', '7', '1', '0', '岁', '周', '逾', '期', '天', '基', '金', '保', '险',
                '$', ',', 'a', 'b', 'x', 'F', 'e', 'E', '@', '.', '%', '最', '高', '达', ' ', '，',
                '😀', 'é', '\'', 'd', 'i', 'n', 't', 'o',
            ]), 0..40).prop_map(|cs| cs.into_iter().collect::<String>()),
        ) {
            let src = REGEXES[which];
            let (meta, dfa) = both(src);
            prop_assert_eq!(meta.is_match(&hay), dfa.is_match(&hay), "{} on {:?}", src, hay);
            prop_assert_eq!(matches(&meta, &hay), matches(&dfa, &hay), "{} on {:?}", src, hay);
        }
    }

    #[test]
    fn regexes_too_large_for_dfas_keep_their_source() {
        // Unicode \\w and \\d are classes of thousands of characters: their DFAs would be far too
        // large; a Unicode word boundary is beyond what a DFA can do.
        for src in ["\\w+@\\w+", "逾期\\d+天", "\\bfee\\b"] {
            let meta = PackRegex::Meta(Regex::new(src).unwrap());
            assert!(meta.dfa_form().is_none(), "{src}");
        }
    }

    #[test]
    fn stored_dfas_load_back_and_damage_is_refused_or_harmless() {
        for src in REGEXES {
            let (meta, dfa) = both(src);
            let mut w = Writer::default();
            if let PackRegex::Dfa(f) = &dfa {
                f.write(&mut w);
            }
            let back = PackRegex::load_dfa(&mut Bytes::new(&w.buf, 0, "t"), 1 << 20).unwrap();
            assert!(matches!(back, PackRegex::Dfa(_)), "{src}");
            for hay in [
                "95588 我95岁了",
                "逾期30天",
                "$1,000 didn't make",
                "aab",
                "",
            ] {
                assert_eq!(matches(&back, hay), matches(&meta, hay), "{src} {hay}");
            }
            // Any single damaged byte: an error, a fallback to the source, or DFAs that search
            // without panicking.
            for i in (0..w.buf.len()).step_by(w.buf.len() / 150 + 1) {
                let mut bad = w.buf.clone();
                bad[i] ^= 0x55;
                if let Ok(re) = PackRegex::load_dfa(&mut Bytes::new(&bad, 0, "t"), 1 << 20) {
                    let _ = matches(&re, "95588 我95岁了 aab");
                    let _ = re.is_match("逾期30天");
                }
            }
        }
    }
}
