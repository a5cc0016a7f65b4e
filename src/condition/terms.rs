//! The `terms` kind — `{"terms": ["手续费", "@fees"], "min": 2, "negation": false}`: any (or at
//! least `min` distinct) of the terms occurs, not negated unless `negation` is false. Also the
//! term lists every kind shares: `@lexicon` expansion when read, one [`TermSet`] when compiled.

use super::{item_path, At, Bounds, Build, Ctx, RawEvidence, Reader};
use crate::codec::{Reader as Bytes, Res, Writer};
use crate::error::{pointer, Problem};
use crate::scan::TermId;
use crate::text::normalize_str;
use serde_json::Value;

/// The longest term, negation cue or `except` word, in characters (a prefix term's `*` not
/// counted). Terms are words and phrases; a long one only made the pack slow to build (one
/// 8,000-character term took the automaton's DFA seconds) and widened every `near` search.
pub(crate) const MAX_TERM_CHARS: usize = 100;

/// The problem with a term (`what`: "term", "cue", "word") longer than [`MAX_TERM_CHARS`].
pub(crate) fn too_long(t: &str, what: &str) -> Option<String> {
    let n = t.trim_end_matches('*').chars().count();
    (n > MAX_TERM_CHARS).then(|| {
        format!("this {what} has {n} characters; the limit is {MAX_TERM_CHARS} (terms, cues and except words are words or phrases)")
    })
}

/// The most term references a pack's conditions may make once lexicons are expanded (each
/// `@name` copies its whole list into the condition; the default pack makes ≈ 3,600): a 220 KB
/// pack referencing a 20,000-term lexicon 2,000 times took 21 s to build.
pub(crate) const MAX_TERM_REFS: usize = 200_000;

/// `terms` as written.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TermsDef {
    /// The terms, lexicons expanded.
    pub terms: Vec<String>,
    /// Negated occurrences do not count (the default).
    pub negation: bool,
    /// How many distinct terms must occur (default 1).
    pub min: usize,
}

/// `terms` compiled.
#[derive(Debug, Clone)]
pub(crate) struct Terms {
    /// The terms.
    pub ids: TermSet,
    /// Negated occurrences do not count.
    pub negation: bool,
    /// How many distinct terms must occur.
    pub min: usize,
}

pub(super) fn read(
    r: &mut Reader,
    body: &Value,
    at: &At,
    negation: bool,
    min: usize,
) -> Option<TermsDef> {
    let terms = read_list(r, body, at.body)?;
    if min > terms.len() {
        r.c.error(
            &pointer(at.path, "min"),
            format!(
                "\"min\" is {min} but the list has only {} terms",
                terms.len()
            ),
        );
    }
    Some(TermsDef {
        terms,
        negation,
        min,
    })
}

/// Read a term list (one string or an array): `@name` pulls in a lexicon; unknown lexicons,
/// empty lists and terms that normalise to nothing are problems.
pub(super) fn read_list(r: &mut Reader, v: &Value, path: &str) -> Option<Vec<String>> {
    let raw = match v {
        Value::String(s) => vec![s.clone()],
        other => r.c.string_list(other, path)?,
    };
    if raw.is_empty() {
        r.c.error(path, "empty term list");
        return None;
    }
    let mut out = Vec::new();
    let mut ok = true;
    for (i, t) in raw.iter().enumerate() {
        let before = r.regexes.term_refs;
        let refs = if let Some(name) = t.strip_prefix('@') {
            r.lexicon.get(name).map_or(0, Vec::len)
        } else {
            1
        };
        r.regexes.term_refs = before.saturating_add(refs);
        if before <= MAX_TERM_REFS && r.regexes.term_refs > MAX_TERM_REFS {
            r.c.error(
                &item_path(v, path, i),
                format!("with this reference the conditions name more than {MAX_TERM_REFS} terms once lexicons are expanded (each reference to a lexicon copies its whole list): name a big lexicon in fewer conditions, e.g. one rule with \"any\""),
            );
        }
        if r.regexes.term_refs > MAX_TERM_REFS {
            ok = false;
            continue;
        }
        if let Some(name) = t.strip_prefix('@') {
            match r.lexicon.get(name) {
                Some(list) => out.extend(list.iter().cloned()),
                None => {
                    ok = false;
                    let known: Vec<String> = r.lexicon.keys().map(|k| format!("@{k}")).collect();
                    r.c.error(
                        &item_path(v, path, i),
                        format!("unknown lexicon \"{t}\"; defined: {}", known.join(", ")),
                    );
                }
            }
        } else if t.trim().is_empty() || t.trim() == "*" {
            ok = false;
            r.c.error(&item_path(v, path, i), "empty term");
        } else if let Some(m) = too_long(t, "term") {
            ok = false;
            r.c.error(&item_path(v, path, i), m);
        } else if normalize_str(t.trim_end_matches('*'), &r.normalize).is_empty() {
            ok = false;
            r.c.error(
                &item_path(v, path, i),
                format!("term \"{t}\" is empty after normalisation"),
            );
        } else {
            out.push(t.clone());
        }
    }
    ok.then_some(out)
}

pub(super) fn compile(b: &mut Build, d: &TermsDef, path: &str) -> Terms {
    Terms {
        ids: term_set(b, &d.terms, &format!("{path}/terms")),
        negation: d.negation,
        min: d.min,
    }
}

/// Intern a list of terms: one id per distinct normalised term (prefix terms keep their `*`).
pub(super) fn term_set(b: &mut Build, terms: &[String], path: &str) -> TermSet {
    let mut ids = Vec::with_capacity(terms.len());
    for t in terms {
        let (stem, star) = match t.strip_suffix('*') {
            Some(s) => (s, "*"),
            None => (t.as_str(), ""),
        };
        let norm = normalize_str(stem, &b.opts);
        if norm.is_empty() {
            b.problems.push(Problem::error(
                path,
                format!("term \"{t}\" is empty after normalisation"),
            ));
            continue;
        }
        if norm.contains('\n') {
            b.problems.push(Problem::error(
                path,
                format!("term \"{t}\" contains a line break"),
            ));
            continue;
        }
        ids.push(b.intern(format!("{norm}{star}")));
    }
    TermSet::new(ids)
}

impl Terms {
    pub(super) fn write(&self, w: &mut Writer) {
        self.ids.write(w);
        w.bool(self.negation);
        w.size(self.min);
    }

    pub(super) fn load(r: &mut Bytes, b: &Bounds) -> Res<Terms> {
        Ok(Terms {
            ids: TermSet::load(r, b)?,
            negation: r.bool()?,
            min: r.size(1000, "min")?,
        })
    }

    pub(super) fn holds(&self, ctx: &Ctx) -> bool {
        if !self.ids.may_meet(ctx.scan.summary) {
            return false;
        }
        let bits = ctx.presence(self.negation);
        if self.min <= 1 {
            self.ids.any(bits)
        } else {
            self.ids.count(bits) >= self.min
        }
    }

    pub(super) fn evidence(&self, ctx: &Ctx, out: &mut Vec<RawEvidence>, max: usize) {
        for h in ctx.term_hits(&self.ids, self.negation) {
            if out.len() >= max {
                break;
            }
            out.push(RawEvidence::Term {
                term: h.term,
                start: h.start,
                end: h.end,
            });
        }
    }
}

/// A set of terms, kept as sorted ids (for evidence), as a sparse bit mask over the words of
/// the scan's presence bitset (so that "does any occur" is a few ANDs, not a walk over a lexicon
/// of hundreds of terms) and as a dense bitset (membership of a hit in one load: evidence and
/// `near` test every hit of a complaint, and a binary search per hit cost ≈ 20 instructions).
#[derive(Debug, Clone, Default)]
pub(crate) struct TermSet {
    /// Sorted, distinct.
    pub ids: Vec<TermId>,
    /// (word index, bits) for every word holding at least one id, by word index.
    words: Vec<(u32, u64)>,
    /// Bit `w % 64` set for every word index `w` in `words`: compared with the scan's summary
    /// it rejects most sets in one AND (a complaint touches a few of the ≈ 24 words of the
    /// default pack's ≈ 1,500 terms).
    summary: u64,
    /// Bit `id` set for every member, up to the largest.
    dense: Vec<u64>,
}

impl TermSet {
    /// Build from ids (any order, duplicates allowed).
    pub fn new(mut ids: Vec<TermId>) -> Self {
        // The standard sort: this is on the load path of every pack (12% of loading the
        // default pack's .wdp with `crate::sort`).
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

    /// Write the ids (ascending, as deltas); the masks are derived again when read.
    pub(super) fn write(&self, w: &mut Writer) {
        w.size(self.ids.len());
        let mut prev = 0;
        for (i, &id) in self.ids.iter().enumerate() {
            w.uv(u64::from(if i == 0 { id } else { id - prev }));
            prev = id;
        }
    }

    /// Read ids written by [`TermSet::write`]: ascending, distinct, each below `b.terms`.
    pub(super) fn load(r: &mut Bytes, b: &Bounds) -> Res<TermSet> {
        let n = r.len(1)?;
        let mut ids = Vec::with_capacity(n);
        let mut prev: TermId = 0;
        for i in 0..n {
            let d = r.u32()?;
            let id = prev
                .checked_add(d)
                .filter(|&id| (i == 0 || d > 0) && (id as usize) < b.terms);
            let Some(id) = id else {
                return Err(r.corrupt(format!("term ids not ascending below {}", b.terms)));
            };
            ids.push(id);
            prev = id;
        }
        Ok(TermSet::new(ids))
    }

    /// May a member be set in a bitset whose summary is `summary`? False means certainly not.
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
