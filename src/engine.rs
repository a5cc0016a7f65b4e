//! The face of the core: an [`Engine`] is a pack read (`pack`) and compiled (`compile`), ready to
//! run the flow (`run`) for many complaints. Every binding and the CLI go through it; what they
//! share — the built-in packs, "no pack means the default pack", the options — is decided here,
//! once.

use crate::compile::{Automaton, CompiledPack};
use crate::complaint::Complaint;
use crate::decide::{Decision, Verdict};
use crate::describe::PackDescriptor;
use crate::error::{Error, Problem};
use crate::json::{parse_json, parse_json_lossy, type_name};
use crate::pack::{Pack, PackInfo};
use crate::run;
use crate::testing::{self, TestReport};
use serde_json::Value;
use std::sync::Arc;

/// The default pack, built in: Chinese retail banking (JR/T 0169-2018 coding, the eight
/// consumer rights, journeys, routing, severity by the 2020 complaint rules).
pub const DEFAULT_PACK: &str = include_str!("../packs/cn-banking.json");

/// The marketing-review pack, built in: 消保审核 of marketing copy, product terms, SMS, scripts
/// and contract clauses before release (problems with spans, advice and a pass / revise /
/// reject result; see docs/review.md).
pub const REVIEW_PACK: &str = include_str!("../packs/cn-marketing-review.json");

/// The JSON of a built-in pack by id: `"cn-banking"` ([`DEFAULT_PACK`]) or
/// `"cn-marketing-review"` ([`REVIEW_PACK`]); `None` for any other id.
pub fn builtin(id: &str) -> Option<&'static str> {
    match id {
        "cn-banking" => Some(DEFAULT_PACK),
        "cn-marketing-review" => Some(REVIEW_PACK),
        _ => None,
    }
}

/// The pack JSON a caller means by `text`, as every binding receives it: an empty text (a caller
/// who passes no pack) is the built-in default pack, a built-in id ([`builtin`]) is that pack,
/// anything else is the pack's JSON itself. The one place that decides it for every binding.
pub fn resolve_pack(text: &str) -> &str {
    if text.is_empty() {
        return DEFAULT_PACK;
    }
    builtin(text.trim()).unwrap_or(text)
}

/// How an engine is built. Decisions are the same whatever the options.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EngineOptions {
    /// The term automaton (see [`Automaton`]).
    pub automaton: Automaton,
}

impl EngineOptions {
    /// Read options from JSON (`{"automaton": "auto" | "dfa" | "nfa"}`; empty text or `null`:
    /// the defaults), every problem located — how the bindings receive them.
    pub fn from_json(text: &str) -> Result<EngineOptions, Error> {
        if text.trim().is_empty() {
            return Ok(EngineOptions::default());
        }
        let v = parse_json(text).map_err(|p| Error::InvalidInput(vec![p]))?;
        EngineOptions::from_value(&v)
    }

    /// [`EngineOptions::from_json`] for a parsed value.
    pub fn from_value(v: &Value) -> Result<EngineOptions, Error> {
        let mut out = EngineOptions::default();
        let m = match v {
            Value::Null => return Ok(out),
            Value::Object(m) => m,
            other => {
                return Err(Error::InvalidInput(vec![Problem::error(
                    "",
                    format!("options must be an object, found {}", type_name(other)),
                )]))
            }
        };
        let mut problems = Vec::new();
        for (key, value) in m {
            match (key.as_str(), value) {
                ("automaton", Value::Null) => {}
                ("automaton", Value::String(s)) => match Automaton::parse(s) {
                    Some(a) => out.automaton = a,
                    None => problems.push(Problem::error(
                        "/automaton",
                        format!("automaton is \"auto\", \"dfa\" or \"nfa\", found \"{s}\""),
                    )),
                },
                ("automaton", other) => problems.push(Problem::error(
                    "/automaton",
                    format!(
                        "automaton is \"auto\", \"dfa\" or \"nfa\", found {}",
                        type_name(other)
                    ),
                )),
                (other, _) => problems.push(Problem::error(
                    crate::error::pointer("", other),
                    format!("unknown option \"{other}\" (known: automaton)"),
                )),
            }
        }
        if problems.is_empty() {
            Ok(out)
        } else {
            Err(Error::InvalidInput(problems))
        }
    }
}

/// A compiled rule pack, ready to classify complaints. Build once, classify many times; it is
/// immutable, so one engine can be shared across threads, and cloning it is cheap (the pack is
/// shared, not copied).
#[derive(Debug, Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    pack: Pack,
    compiled: CompiledPack,
}

impl Engine {
    /// Parse, validate and compile a pack. Fails with [`Error::InvalidPack`] carrying every
    /// problem found (errors and warnings).
    pub fn new(pack_json: &str) -> Result<Engine, Error> {
        Engine::with_options(pack_json, EngineOptions::default())
    }

    /// [`Engine::new`] with options.
    pub fn with_options(pack_json: &str, options: EngineOptions) -> Result<Engine, Error> {
        let pack = Pack::parse(pack_json).map_err(Error::InvalidPack)?;
        let compiled = CompiledPack::new(&pack, options.automaton).map_err(|mut problems| {
            problems.extend(pack.warnings.iter().cloned());
            Error::InvalidPack(problems)
        })?;
        Ok(Engine {
            inner: Arc::new(Inner { pack, compiled }),
        })
    }

    /// [`Engine::new`] choosing the term automaton (see [`Automaton`]): `Automaton::Dfa` scans
    /// about twice as fast but builds slower, for services that keep an engine for many
    /// complaints.
    pub fn with_automaton(pack_json: &str, automaton: Automaton) -> Result<Engine, Error> {
        Engine::with_options(pack_json, EngineOptions { automaton })
    }

    /// The built-in default pack ([`DEFAULT_PACK`]).
    pub fn default_pack() -> Result<Engine, Error> {
        Engine::new(DEFAULT_PACK)
    }

    /// A built-in pack by id (see [`builtin`]); `None` for an unknown id.
    pub fn builtin(id: &str) -> Option<Result<Engine, Error>> {
        builtin(id).map(Engine::new)
    }

    /// Check a pack without keeping it: every error and warning (its `triggers` section
    /// included), empty when it is clean.
    pub fn check(pack_json: &str) -> Vec<Problem> {
        match Engine::new(pack_json) {
            Err(e) => e.problems().to_vec(),
            Ok(engine) => engine.inner.pack.warnings.clone(),
        }
    }

    /// Pack id, version and content hash.
    pub fn info(&self) -> &PackInfo {
        &self.inner.pack.info
    }

    /// What the pack decides — dimensions and labels, severity levels and factors — for tools.
    pub fn describe(&self) -> PackDescriptor {
        PackDescriptor::of(&self.inner.pack, &self.inner.compiled)
    }

    /// Warnings found while loading the pack.
    pub fn warnings(&self) -> &[Problem] {
        &self.inner.pack.warnings
    }

    /// The validated pack.
    pub(crate) fn pack(&self) -> &Pack {
        &self.inner.pack
    }

    /// The compiled pack.
    pub(crate) fn compiled(&self) -> &CompiledPack {
        &self.inner.compiled
    }

    /// Classify a validated complaint: the explained [`Decision`].
    pub fn classify(&self, complaint: &Complaint) -> Result<Decision, Error> {
        run::decision(
            &self.inner.compiled,
            self.inner.pack.info.reference(),
            complaint,
        )
    }

    /// Parse, validate and classify complaint JSON. A string holding a lone UTF-16 surrogate
    /// escape (text cut in the middle of an emoji) is read with U+FFFD in its place, and the
    /// decision's warnings say where.
    pub fn classify_json(&self, json: &str) -> Result<Decision, Error> {
        let (value, replaced) = parse_json_lossy(json).map_err(|p| Error::InvalidInput(vec![p]))?;
        let mut d = self.classify(&Complaint::from_value(value)?)?;
        d.warnings.extend(replaced.warnings(""));
        Ok(d)
    }

    /// Validate and classify a parsed complaint.
    pub fn classify_value(&self, value: Value) -> Result<Decision, Error> {
        self.classify(&Complaint::from_value(value)?)
    }

    /// Decide a validated complaint without explaining it: the same labels, confidences, route
    /// and severity as [`Engine::classify`], without evidence, amounts, personal data, masked
    /// text or negations — several times cheaper, for high-volume triage.
    pub fn verdict(&self, complaint: &Complaint) -> Result<Verdict<'_>, Error> {
        run::verdict(&self.inner.compiled, complaint)
    }

    /// Parse, validate and decide complaint JSON without explaining it (see [`Engine::verdict`]);
    /// lone surrogates as in [`Engine::classify_json`].
    pub fn verdict_json(&self, json: &str) -> Result<Verdict<'_>, Error> {
        let (value, replaced) = parse_json_lossy(json).map_err(|p| Error::InvalidInput(vec![p]))?;
        let mut v = self.verdict(&Complaint::from_value(value)?)?;
        v.warnings.extend(replaced.warnings(""));
        Ok(v)
    }

    /// Classify a JSON array of complaints in one call: a JSON array of decisions in the same
    /// order, where a bad complaint becomes `{"error": {code, message, problems}}` and the batch
    /// goes on. Fails only when the input is not a JSON array. The bindings' batch calls use it,
    /// so one boundary crossing serves many complaints.
    pub fn classify_batch_json(&self, json: &str) -> Result<String, Error> {
        batch_json(json, 512, |c, extra| {
            self.classify(c).map(|mut d| {
                d.warnings.extend(extra);
                d.to_json()
            })
        })
    }

    /// [`Engine::classify_batch_json`] with verdicts ([`Engine::verdict`]) instead of decisions.
    pub fn verdict_batch_json(&self, json: &str) -> Result<String, Error> {
        batch_json(json, 192, |c, extra| {
            self.verdict(c).map(|mut v| {
                v.warnings.extend(extra);
                v.to_json()
            })
        })
    }

    /// The distinct terms the pack matches, normalised (a prefix term ends in `*`), by term id —
    /// for tools that study the vocabulary.
    pub fn terms(&self) -> impl Iterator<Item = &str> {
        self.inner.compiled.terms.iter().map(|t| t.as_ref())
    }

    /// The pack's normalisation options (what [`Engine::normalize`] applies).
    pub fn normalization(&self) -> crate::text::NormalizeOptions {
        self.inner.compiled.normalize
    }

    /// Normalise `text` with the pack's normalisation.
    pub fn normalize(&self, text: &str) -> String {
        crate::text::normalize_str(text, &self.inner.compiled.normalize)
    }

    /// Normalise `text` and count the term automaton's matches, nothing more: the floor that the
    /// benchmarks measure classification against ("the bare scan").
    pub fn bare_scan(&self, text: &str) -> usize {
        let c = &self.inner.compiled;
        let norm = crate::text::normalize_str(text, &c.normalize);
        c.scanner
            .automaton
            .as_ref()
            .map_or(0, |a| a.find_overlapping_iter(&norm).count())
    }

    /// Run the test cases carried in the pack.
    pub fn run_tests(&self) -> TestReport {
        testing::run(&self.inner.pack, &self.inner.compiled)
    }
}

/// A JSON array of complaints → a JSON array of `one`'s outputs, a bad complaint becoming
/// `{"error": …}` in its place; `guess` is the expected bytes per output. `one` also gets the
/// item's lone-surrogate warnings (see [`Engine::classify_json`]).
fn batch_json(
    json: &str,
    guess: usize,
    one: impl Fn(&Complaint, Vec<String>) -> Result<String, Error>,
) -> Result<String, Error> {
    let (value, replaced) = parse_json_lossy(json).map_err(|p| Error::InvalidInput(vec![p]))?;
    let Value::Array(items) = value else {
        return Err(Error::InvalidInput(vec![Problem::error(
            "",
            format!(
                "a batch is a JSON array of complaints, found {}",
                type_name(&value)
            ),
        )]));
    };
    let mut out = String::with_capacity(items.len() * guess + 2);
    out.push('[');
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let extra = if replaced.0.is_empty() {
            Vec::new()
        } else {
            replaced.warnings(&format!("/{i}"))
        };
        match Complaint::from_value(item).and_then(|c| one(&c, extra)) {
            Ok(json) => out.push_str(&json),
            Err(e) => {
                out.push_str("{\"error\":");
                out.push_str(&e.to_json());
                out.push('}');
            }
        }
    }
    out.push(']');
    Ok(out)
}
