//! The `regex` kind — `{"regex": "(?:逾期|延期)\\d+天"}`: the regex matches the normalised title or
//! text (never across the two; `^`/`$` anchor at a field's edges). Rust's `regex` crate: linear
//! time on any input. Evidence is every match, up to the pack's limit.

use super::{At, Build, Ctx, RawEvidence, Reader};
use crate::error::Problem;
use crate::json::type_name;
use regex::{Regex, RegexBuilder};
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
            for m in re.find_iter(seg) {
                if out.len() >= max {
                    break;
                }
                if m.start() < m.end() {
                    out.push(RawEvidence::Regex {
                        start: (offset + m.start()) as u32,
                        end: (offset + m.end()) as u32,
                    });
                }
            }
        }
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
