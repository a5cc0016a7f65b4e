//! Conditions, beside the flow and used by four of its steps: one module per kind, each reading
//! its kind from a pack (every problem with a JSON pointer), compiling it over term ids,
//! evaluating it over one scan, explaining it with evidence, and writing it to (and reading it
//! back from) a compiled pack. `pack` reads through [`read`], `compile` builds through [`Build`]
//! and stores through [`Condition::write`] / [`Condition::load`], and `rules`, `decide` and
//! `trigger` evaluate through [`Ctx`]. How to add a kind: docs/contributing.md.

mod field;
mod index;
mod label;
mod logic;
mod model;
mod near;
mod regex;
mod terms;

/// The regex compiler and its engine: the `regex` crate, or — in a build without the
/// `json-packs` feature — uninhabited stand-ins (`no_meta.rs`), so that no path to it remains.
#[cfg(feature = "json-packs")]
pub(crate) use ::regex as meta;
#[cfg(not(feature = "json-packs"))]
#[path = "no_meta.rs"]
pub(crate) mod meta;

pub(crate) use field::AmountAgg;
pub(crate) use index::ConditionIndex;
pub(crate) use label::Tour;
pub(crate) use regex::{PackRegex, Regexes, REGEX_BUDGET};
pub(crate) use terms::{too_long, TermSet};

use crate::codec::{Reader as Bytes, Res, Writer};
use crate::error::{pointer, Problem};
use crate::json::{type_name, Checker};
use crate::scan::{Hit, Scan, Scanner, TermId};
use crate::text::NormalizeOptions;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};

/// Conditions may nest at most this deep (a guard against stack exhaustion and unreadable packs).
pub(crate) const MAX_DEPTH: usize = 16;

/// Every key a condition object may have: the kinds, as packs name them (a condition has exactly
/// one), then the keys that modify a kind.
const KEYS: &[&str] = &[
    "terms", "regex", "near", "field", "label", "model", "all", "any", "not", "at_least",
    "negation", "min",
];

/// The keys of [`KEYS`] that modify a kind rather than name one.
const MODIFIERS: &[&str] = &["negation", "min"];

/// The kinds: every key of [`KEYS`] but the modifiers.
fn kinds() -> impl Iterator<Item = &'static str> {
    KEYS.iter().copied().filter(|k| !MODIFIERS.contains(k))
}

/// A condition as written in the pack (terms not yet compiled).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum CondDef {
    /// Any of the terms occurs ([`terms`]).
    Terms(terms::TermsDef),
    /// The regex matches ([`regex`]).
    Regex(regex::RegexDef),
    /// Two term lists near each other ([`near`]).
    Near(near::NearDef),
    /// A complaint field compared by dotted path ([`field`]).
    Field(field::FieldDef),
    /// A label of an earlier dimension ([`label`]).
    Label(label::LabelDef),
    /// A learned model's probability of a label ([`model`]).
    Model(model::ModelDef),
    /// All hold ([`logic`]).
    All(Vec<CondDef>),
    /// Any holds.
    Any(Vec<CondDef>),
    /// Does not hold.
    Not(Box<CondDef>),
    /// At least `n` of them hold.
    AtLeast { n: usize, of: Vec<CondDef> },
}

/// A compiled condition, ready to evaluate.
#[derive(Debug, Clone)]
pub(crate) enum Condition {
    /// See [`terms`].
    Terms(terms::Terms),
    /// See [`regex`].
    Regex(regex::RegexCond),
    /// See [`near`].
    Near(near::Near),
    /// See [`field`].
    Field(field::Field),
    /// See [`label`].
    Label(label::LabelCond),
    /// See [`model`].
    Model(model::ModelCond),
    /// See [`logic`].
    All(Vec<Condition>),
    /// See [`logic`].
    Any(Vec<Condition>),
    /// See [`logic`].
    Not(Box<Condition>),
    /// See [`logic`].
    AtLeast { n: usize, of: Vec<Condition> },
}

/// Where a condition sits, which decides what a `label` condition may name.
#[derive(Clone, Copy)]
pub(crate) enum Scope {
    /// Inside dimension number n: only dimensions before n.
    Dimension(usize),
    /// Severity, triggers, tests: every dimension.
    All,
}

/// What reading a condition needs from the pack being read.
pub(crate) struct Reader<'a> {
    /// Where problems go.
    pub c: &'a mut Checker,
    /// Named term lists (names without `@`).
    pub lexicon: &'a BTreeMap<String, Vec<String>>,
    /// The pack's normalisation, to reject terms that normalise to nothing.
    pub normalize: NormalizeOptions,
    /// Regexes compiled while reading (so their errors come with all the others), by source.
    pub regexes: &'a mut Regexes,
    /// Compiled size limit per regex.
    pub max_regex_bytes: usize,
    /// Dimensions read so far: id → label codes (for `label` conditions).
    pub dims: &'a [(String, HashSet<String>)],
    /// Ids of every dimension in the document, to tell "later" from "unknown".
    pub all_dims: &'a [String],
    /// The pack's models: id and the label codes each scores (for `model` conditions).
    pub models: &'a [(String, Vec<String>)],
}

/// Read one condition at `path`; None when it is unusable (the problems say why).
pub(crate) fn read(
    r: &mut Reader,
    v: &Value,
    path: &str,
    scope: Scope,
    depth: usize,
) -> Option<CondDef> {
    if depth >= MAX_DEPTH {
        r.c.error(
            path,
            format!("conditions nested too deep (limit {MAX_DEPTH})"),
        );
        return None;
    }
    let m = r.c.object(v, path, KEYS)?;
    let present: Vec<&str> = kinds().filter(|k| m.contains_key(*k)).collect();
    let kind = match present.as_slice() {
        [k] => *k,
        [] => {
            r.c.error(
                path,
                format!(
                    "a condition needs one of: {}",
                    kinds().collect::<Vec<_>>().join(", ")
                ),
            );
            return None;
        }
        many => {
            r.c.error(path, format!("a condition has exactly one kind, found {}; combine them with \"all\" or \"any\"", many.join(" and ")));
            return None;
        }
    };
    let negation = r.c.boolean(m, "negation", path);
    if negation.is_some() && !matches!(kind, "terms" | "near") {
        r.c.error(
            &pointer(path, "negation"),
            "\"negation\" applies only to \"terms\" and \"near\"",
        );
    }
    let negation = negation.unwrap_or(true);
    let min = r.c.count(m, "min", path, 1000);
    if min.is_some() && kind != "terms" {
        r.c.error(&pointer(path, "min"), "\"min\" applies only to \"terms\"");
    }
    if min == Some(0) {
        r.c.error(&pointer(path, "min"), "\"min\" must be at least 1");
    }
    let min = min.unwrap_or(1).max(1) as usize;
    let body = m.get(kind)?;
    let bp = pointer(path, kind);
    let at = At {
        path,
        body: &bp,
        scope,
        depth,
    };
    match kind {
        "terms" => terms::read(r, body, &at, negation, min).map(CondDef::Terms),
        "regex" => regex::read(r, body, &at).map(CondDef::Regex),
        "near" => near::read(r, body, &at, negation).map(CondDef::Near),
        "field" => field::read(r, body, &at).map(CondDef::Field),
        "label" => label::read(r, body, &at).map(CondDef::Label),
        "model" => model::read(r, body, &at).map(CondDef::Model),
        "all" | "any" | "not" | "at_least" => logic::read(r, kind, body, &at),
        _ => None,
    }
}

/// Where the condition being read is: its own pointer, its kind's body pointer, scope, depth.
struct At<'a> {
    path: &'a str,
    body: &'a str,
    scope: Scope,
    depth: usize,
}

/// A dimension's labels as `label` conditions see them: the dimension id and, per label, its
/// code and its parent's code.
pub(crate) struct LabelTree {
    /// Dimension id.
    pub id: String,
    /// (code, parent code) per label, in pack order.
    pub labels: Vec<(String, Option<String>)>,
}

/// Everything conditions compile into: the term table (one id per distinct normalised term), the
/// regex table, and the problems found. `compile` owns one per pack.
pub(crate) struct Build<'a> {
    /// The pack's normalisation: terms and field values are normalised once, here.
    pub opts: NormalizeOptions,
    term_ids: HashMap<String, TermId>,
    /// Distinct terms (normalised, a trailing `*` kept for prefix terms), by id.
    pub terms: Vec<String>,
    /// Distinct regex sources, by index.
    pub regex_src: Vec<String>,
    regex_ids: HashMap<String, usize>,
    /// The compiled regexes, by index.
    pub regexes: Vec<meta::Regex>,
    /// Regexes the pack reader compiled already, by source.
    read_regexes: &'a Regexes,
    /// Compiled size limit per regex.
    pub max_regex_bytes: usize,
    /// Every dimension's labels (for `label` conditions).
    pub dims: Vec<LabelTree>,
    /// The pack's models: id and label codes, in pack order (for `model` conditions).
    pub models: Vec<(String, Vec<String>)>,
    /// Their depth-first walks, built when a `label` condition first needs one.
    tours: Vec<Option<std::sync::Arc<label::Tour>>>,
    /// Problems found while compiling (terms empty after normalisation, regex errors).
    pub problems: Vec<Problem>,
}

impl<'a> Build<'a> {
    /// A fresh table for one pack.
    pub fn new(
        opts: NormalizeOptions,
        read_regexes: &'a Regexes,
        max_regex_bytes: usize,
        dims: Vec<LabelTree>,
    ) -> Self {
        Build {
            opts,
            term_ids: HashMap::new(),
            terms: Vec::new(),
            regex_src: Vec::new(),
            regex_ids: HashMap::new(),
            regexes: Vec::new(),
            read_regexes,
            max_regex_bytes,
            tours: vec![None; dims.len()],
            dims,
            models: Vec::new(),
            problems: Vec::new(),
        }
    }

    /// The id of a term (normalised text, `*` suffix for prefix terms), adding it when new.
    fn intern(&mut self, key: String) -> TermId {
        let next = self.terms.len() as TermId;
        *self.term_ids.entry(key).or_insert_with_key(|k| {
            self.terms.push(k.clone());
            next
        })
    }

    /// The depth-first walk of dimension `dim`'s labels (empty for an unknown dimension).
    fn tour(&mut self, dim: usize) -> std::sync::Arc<label::Tour> {
        if let Some(Some(t)) = self.tours.get(dim) {
            return std::sync::Arc::clone(t);
        }
        let t = std::sync::Arc::new(
            self.dims
                .get(dim)
                .map_or_else(label::Tour::default, |d| label::Tour::of(&d.labels)),
        );
        if let Some(slot) = self.tours.get_mut(dim) {
            *slot = Some(std::sync::Arc::clone(&t));
        }
        t
    }

    /// Compile a condition found at `path`.
    pub fn condition(&mut self, c: &CondDef, path: &str) -> Condition {
        match c {
            CondDef::Terms(d) => Condition::Terms(terms::compile(self, d, path)),
            CondDef::Regex(d) => Condition::Regex(regex::compile(self, d, path)),
            CondDef::Near(d) => Condition::Near(near::compile(self, d, path)),
            CondDef::Field(d) => Condition::Field(field::compile(self, d)),
            CondDef::Label(d) => Condition::Label(label::compile(self, d)),
            CondDef::Model(d) => Condition::Model(model::compile(self, d)),
            CondDef::All(_) | CondDef::Any(_) | CondDef::Not(_) | CondDef::AtLeast { .. } => {
                logic::compile(self, c, path)
            }
        }
    }
}

/// Evidence before it is mapped back to the original text.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum RawEvidence {
    /// A term hit (byte range in the normalised text).
    Term { term: TermId, start: u32, end: u32 },
    /// A regex match (byte range in the normalised text).
    Regex { start: u32, end: u32 },
    /// A field that satisfied a comparison.
    Field { path: String, value: Value },
    /// A label of another dimension.
    Label { dim: usize, code: String },
    /// A learned model's probability of a label (its n-grams explain it).
    Model { model: usize, label: usize },
}

/// What conditions are evaluated against: one scan of one text, the input's fields, the amounts
/// found, and the labels assigned so far.
#[derive(Clone, Copy)]
pub(crate) struct Ctx<'a> {
    /// The pack's scanner (regexes for spans, the longest pattern for `near`).
    pub scanner: &'a Scanner,
    /// The pack's normalisation (field values are normalised before comparing).
    pub normalize: &'a NormalizeOptions,
    /// The scan of the normalised text.
    pub scan: &'a Scan,
    /// The normalised text.
    pub text: &'a str,
    /// The input as JSON (an object).
    pub input: &'a Value,
    /// Amount aggregates.
    pub amounts: AmountAgg,
    /// Label indices assigned so far, per dimension.
    pub assigned: &'a [Vec<usize>],
    /// Per model of the pack, the calibrated probability of each of its labels (empty when the
    /// pack has no models, or when the text was not classified).
    pub models: &'a [Vec<f64>],
}

impl Ctx<'_> {
    /// Hits of the terms in `ids` (not negated ones when `negation`), in hit order.
    fn term_hits<'s>(
        &'s self,
        ids: &'s TermSet,
        negation: bool,
    ) -> impl Iterator<Item = &'s Hit> + 's {
        self.scan
            .hits
            .iter()
            .filter(move |h| (!negation || h.negated_by.is_none()) && ids.contains(h.term))
    }

    /// The presence bitset a condition reads: non-negated hits, or any hit.
    fn presence(&self, negation: bool) -> &[u64] {
        if negation {
            &self.scan.present
        } else {
            &self.scan.present_any
        }
    }
}

impl Condition {
    /// Does the condition hold?
    #[inline]
    pub fn holds(&self, ctx: &Ctx) -> bool {
        match self {
            Condition::Terms(c) => c.holds(ctx),
            Condition::Regex(c) => c.holds(ctx),
            Condition::Near(c) => c.holds(ctx),
            Condition::Field(c) => c.holds(ctx),
            Condition::Label(c) => c.holds(ctx),
            Condition::Model(c) => c.holds(ctx),
            Condition::All(cs) => logic::all(cs, ctx),
            Condition::Any(cs) => logic::any(cs, ctx),
            Condition::Not(c) => !c.holds(ctx),
            Condition::AtLeast { n, of } => logic::at_least(*n, of, ctx),
        }
    }

    /// Evidence for a condition that holds (at most `max` items in `out`).
    pub fn evidence(&self, ctx: &Ctx, out: &mut Vec<RawEvidence>, max: usize) {
        if out.len() >= max {
            return;
        }
        match self {
            Condition::Terms(c) => c.evidence(ctx, out, max),
            Condition::Regex(c) => c.evidence(ctx, out, max),
            Condition::Near(c) => c.evidence(ctx, out, max),
            Condition::Field(c) => c.evidence(ctx, out),
            Condition::Label(c) => c.evidence(out),
            Condition::Model(c) => c.evidence(out),
            Condition::All(cs) => cs.iter().for_each(|c| c.evidence(ctx, out, max)),
            Condition::Any(cs) | Condition::AtLeast { of: cs, .. } => {
                logic::evidence_of_holding(cs, ctx, out, max)
            }
            // What did not happen has no words to show.
            Condition::Not(_) => {}
        }
    }

    /// The terms of which at least one must occur (negated or not) for the condition to hold —
    /// the rule index lists a rule under each of them; None when it can hold without any term.
    pub fn need_terms(&self) -> Option<Vec<TermId>> {
        match self {
            Condition::Terms(c) => Some(c.ids.ids.clone()),
            Condition::Near(c) => Some(c.a.ids.clone()),
            Condition::Regex(_)
            | Condition::Field(_)
            | Condition::Label(_)
            | Condition::Model(_) => None,
            Condition::All(_)
            | Condition::Any(_)
            | Condition::Not(_)
            | Condition::AtLeast { .. } => logic::need_terms(self),
        }
    }

    /// Does it read the item's classification (a `label` or `model` condition, or a
    /// `decision.*` field)? The trigger classifies an event's comment only for the conditions
    /// that do.
    pub fn reads_decision(&self) -> bool {
        self.reads(&mut |c| match c {
            Condition::Label(_) | Condition::Model(_) => true,
            Condition::Field(f) => f.reads_decision(),
            _ => false,
        })
    }

    /// Does it read `decision.*` fields (which need the classification written as fields)?
    pub fn reads_decision_fields(&self) -> bool {
        self.reads(&mut |c| matches!(c, Condition::Field(f) if f.reads_decision()))
    }

    /// True when `leaf` is true for this condition or any condition inside it.
    fn reads(&self, leaf: &mut impl FnMut(&Condition) -> bool) -> bool {
        match self {
            Condition::All(cs) | Condition::Any(cs) | Condition::AtLeast { of: cs, .. } => {
                cs.iter().any(|c| c.reads(leaf))
            }
            Condition::Not(c) => c.reads(leaf),
            other => leaf(other),
        }
    }
}

/// What a stored condition may refer to: its indices are checked against these when a compiled
/// pack is read.
pub(crate) struct Bounds<'a> {
    /// Distinct terms.
    pub terms: usize,
    /// Distinct regexes.
    pub regexes: usize,
    /// Per dimension (pack order, those read so far): its labels walked depth first.
    pub tours: &'a [std::sync::Arc<label::Tour>],
    /// Labels per model, in pack order.
    pub models: &'a [usize],
}

/// Each kind's tag in a compiled pack. New kinds take new numbers; a number is never reused.
mod tag {
    pub const TERMS: u8 = 1;
    pub const REGEX: u8 = 2;
    pub const NEAR: u8 = 3;
    pub const FIELD: u8 = 4;
    pub const LABEL: u8 = 5;
    pub const ALL: u8 = 6;
    pub const ANY: u8 = 7;
    pub const NOT: u8 = 8;
    pub const AT_LEAST: u8 = 9;
    pub const MODEL: u8 = 10;
}

impl Condition {
    /// Write the compiled condition: its kind's tag, then the kind's own fields.
    pub fn write(&self, w: &mut Writer) {
        match self {
            Condition::Terms(c) => {
                w.u8(tag::TERMS);
                c.write(w);
            }
            Condition::Regex(c) => {
                w.u8(tag::REGEX);
                w.size(c.0);
            }
            Condition::Near(c) => {
                w.u8(tag::NEAR);
                c.write(w);
            }
            Condition::Field(c) => {
                w.u8(tag::FIELD);
                c.write(w);
            }
            Condition::Label(c) => {
                w.u8(tag::LABEL);
                c.write(w);
            }
            Condition::All(cs) => {
                w.u8(tag::ALL);
                w.list(cs, |w, c| c.write(w));
            }
            Condition::Any(cs) => {
                w.u8(tag::ANY);
                w.list(cs, |w, c| c.write(w));
            }
            Condition::Not(c) => {
                w.u8(tag::NOT);
                c.write(w);
            }
            Condition::AtLeast { n, of } => {
                w.u8(tag::AT_LEAST);
                w.size(*n);
                w.list(of, |w, c| c.write(w));
            }
            Condition::Model(c) => {
                w.u8(tag::MODEL);
                c.write(w);
            }
        }
    }

    /// Read a condition written by [`Condition::write`], checking every index against `b` and
    /// the nesting against [`MAX_DEPTH`] (a corrupt pack must not exhaust the stack).
    pub fn load(r: &mut Bytes, b: &Bounds, depth: usize) -> Res<Condition> {
        if depth >= MAX_DEPTH {
            return Err(r.corrupt(format!("conditions nested deeper than {MAX_DEPTH}")));
        }
        let list = |r: &mut Bytes| r.list(1, |r| Condition::load(r, b, depth + 1));
        Ok(match r.u8()? {
            tag::TERMS => Condition::Terms(terms::Terms::load(r, b)?),
            tag::REGEX => Condition::Regex(regex::RegexCond(r.index(b.regexes, "regex")?)),
            tag::NEAR => Condition::Near(near::Near::load(r, b)?),
            tag::FIELD => Condition::Field(field::Field::load(r)?),
            tag::LABEL => Condition::Label(label::LabelCond::load(r, b)?),
            tag::ALL => Condition::All(list(r)?),
            tag::ANY => Condition::Any(list(r)?),
            tag::NOT => Condition::Not(Box::new(Condition::load(r, b, depth + 1)?)),
            tag::AT_LEAST => {
                let n = r.size(10_000, "at_least n")?;
                Condition::AtLeast { n, of: list(r)? }
            }
            tag::MODEL => Condition::Model(model::ModelCond::load(r, b)?),
            t => return Err(r.corrupt(format!("unknown condition kind {t}"))),
        })
    }
}

/// Problem location for a list item: the list's own pointer when the list was written as one
/// string, else the item's.
fn item_path(list: &Value, path: &str, i: usize) -> String {
    if matches!(list, Value::String(_)) {
        path.to_string()
    } else {
        pointer(path, i)
    }
}

/// `expected an array of conditions, found …` for a combinator body of the wrong type.
fn not_a_list(r: &mut Reader, body: &Value, path: &str) {
    r.c.error(
        path,
        format!("expected an array of conditions, found {}", type_name(body)),
    );
}
