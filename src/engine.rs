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
use crate::pack::{Pack, PackInfo, TriggerSpec};
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

/// [`DEFAULT_PACK`] compiled (`.wdp`, without its test cases): what [`Engine::default_pack`]
/// and every binding load, ready to use in a fraction of the time compiling the JSON takes.
/// `packs/cn-banking.wdp` is generated from the JSON by `scripts/build-packs.sh`; a test fails
/// when it is not what the JSON compiles to.
/// Empty when the library is built without its `builtin-packs` feature.
#[cfg(feature = "builtin-packs")]
pub const DEFAULT_PACK_COMPILED: &[u8] = include_bytes!("../packs/cn-banking.wdp");
#[cfg(not(feature = "builtin-packs"))]
#[allow(missing_docs)]
pub const DEFAULT_PACK_COMPILED: &[u8] = &[];

/// [`REVIEW_PACK`] compiled, as [`DEFAULT_PACK_COMPILED`]. Empty too in a build without
/// `json-packs`: the pack's regexes are stored as sources, which only the regex compiler loads.
#[cfg(all(feature = "builtin-packs", feature = "json-packs"))]
pub const REVIEW_PACK_COMPILED: &[u8] = include_bytes!("../packs/cn-marketing-review.wdp");
#[cfg(not(all(feature = "builtin-packs", feature = "json-packs")))]
#[allow(missing_docs)]
pub const REVIEW_PACK_COMPILED: &[u8] = &[];

/// The JSON of a built-in pack by id: `"cn-banking"` ([`DEFAULT_PACK`]) or
/// `"cn-marketing-review"` ([`REVIEW_PACK`]); `None` for any other id.
pub fn builtin(id: &str) -> Option<&'static str> {
    match id {
        "cn-banking" => Some(DEFAULT_PACK),
        "cn-marketing-review" => Some(REVIEW_PACK),
        _ => None,
    }
}

/// The compiled form of a built-in pack by id (see [`builtin`]).
pub fn builtin_compiled(id: &str) -> Option<&'static [u8]> {
    match id {
        "cn-banking" => Some(DEFAULT_PACK_COMPILED),
        "cn-marketing-review" => Some(REVIEW_PACK_COMPILED),
        _ => None,
    }
}

/// A pack as a caller hands it over: JSON text, or a compiled pack (`.wdp` bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PackSource<'a> {
    /// The pack's JSON text: parsed, validated and compiled.
    Json(&'a str),
    /// A compiled pack: checked and loaded.
    Compiled(&'a [u8]),
}

impl<'a> PackSource<'a> {
    /// Bytes that are either a compiled pack (they start with its magic bytes) or JSON text in
    /// UTF-8 — what a binding receives as a byte array.
    pub fn from_bytes(bytes: &'a [u8]) -> Result<PackSource<'a>, Error> {
        if crate::compile::store::is_compiled(bytes) {
            return Ok(PackSource::Compiled(bytes));
        }
        std::str::from_utf8(bytes).map(PackSource::Json).map_err(|e| {
            Error::InvalidPack(vec![Problem::error(
                "",
                format!("a pack is JSON text in UTF-8 or a compiled pack (.wdp); these bytes are neither ({e})"),
            )])
        })
    }
}

/// The pack a caller means by `text`, as every binding receives it: an empty text (a caller who
/// passes no pack) is the built-in default pack, a built-in id ([`builtin`]) is that pack — both
/// in their compiled form, so that a binding starts without compiling them (and a WebAssembly
/// module need not carry their JSON) — and anything else is the pack's JSON itself. The one
/// place that decides it for every binding.
pub fn resolve_pack(text: &str) -> PackSource<'_> {
    if text.is_empty() {
        return PackSource::Compiled(DEFAULT_PACK_COMPILED);
    }
    match builtin_compiled(text.trim()) {
        Some(bytes) => PackSource::Compiled(bytes),
        None => PackSource::Json(text),
    }
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
    inner: Arc<CompiledPack>,
    /// The bytes it was loaded from, in a build without `json-packs` (where every engine is
    /// loaded from bytes): [`Engine::to_compiled`] gives them back instead of carrying the
    /// writer — the same bytes, since the format is canonical (tests/compiled.rs checks that a
    /// loaded pack writes the bytes it was loaded from).
    #[cfg(not(feature = "json-packs"))]
    bytes: Arc<[u8]>,
}

impl Engine {
    /// Parse, validate and compile a pack. Fails with [`Error::InvalidPack`] carrying every
    /// problem found (errors and warnings).
    pub fn new(pack_json: &str) -> Result<Engine, Error> {
        Engine::with_options(pack_json, EngineOptions::default())
    }

    /// [`Engine::new`] with options.
    #[cfg(feature = "json-packs")]
    pub fn with_options(pack_json: &str, options: EngineOptions) -> Result<Engine, Error> {
        let pack = Pack::parse(pack_json).map_err(Error::InvalidPack)?;
        // `options.automaton` is accepted but no longer chooses anything (see [`Automaton`]).
        let _ = options.automaton;
        let compiled = CompiledPack::new(pack).map_err(Error::InvalidPack)?;
        Ok(Engine {
            inner: Arc::new(compiled),
        })
    }

    /// [`Engine::new`] in a build without the `json-packs` feature: JSON packs are refused
    /// (compile them where wendu has the feature, and load the `.wdp`).
    #[cfg(not(feature = "json-packs"))]
    pub fn with_options(pack_json: &str, options: EngineOptions) -> Result<Engine, Error> {
        let _ = (pack_json, options);
        Err(Error::InvalidPack(vec![Problem::error(
            "",
            "this build of wendu loads compiled packs only (built without the `json-packs` feature): compile the pack with `wendu compile` and pass the .wdp bytes",
        )]))
    }

    /// [`Engine::new`] with a term automaton choice, which no longer changes anything (see
    /// [`Automaton`]); kept for existing callers.
    pub fn with_automaton(pack_json: &str, automaton: Automaton) -> Result<Engine, Error> {
        Engine::with_options(pack_json, EngineOptions { automaton })
    }

    /// Load a compiled pack (`.wdp` bytes, see [`Engine::to_compiled`]): the same engine as
    /// [`Engine::new`] on the JSON it was compiled from — the same decisions, descriptor,
    /// identity and warnings — but without the pack's test cases, in a fraction of the time.
    /// Damaged or foreign bytes fail with [`Error::InvalidPack`] saying what is wrong (the magic
    /// bytes, the format version, the checksum, or the section and byte that does not hold).
    pub fn from_compiled(bytes: &[u8]) -> Result<Engine, Error> {
        // Empty: a built-in pack this build leaves out (see the constants above).
        if bytes.is_empty() && !cfg!(all(feature = "builtin-packs", feature = "json-packs")) {
            return Err(Error::InvalidPack(vec![Problem::error(
                "",
                if cfg!(feature = "builtin-packs") {
                    "empty pack bytes: no such built-in pack in this build (the lean build, without `json-packs`, carries only the default pack)"
                } else {
                    "no built-in pack in this build (wendu was built without its `builtin-packs` feature): pass a pack"
                },
            )]));
        }
        CompiledPack::from_bytes(bytes)
            .map(|c| Engine {
                inner: Arc::new(c),
                #[cfg(not(feature = "json-packs"))]
                bytes: bytes.into(),
            })
            .map_err(|e| {
                Error::InvalidPack(vec![Problem::error(
                    "",
                    format!("invalid compiled pack: {e}"),
                )])
            })
    }

    /// The engine's pack compiled to bytes (the `.wdp` format, docs/compiled-pack.md), for
    /// [`Engine::from_compiled`]: deterministic (the same pack gives the same bytes on every
    /// platform), without the pack's test cases.
    pub fn to_compiled(&self) -> Vec<u8> {
        #[cfg(feature = "json-packs")]
        return self.inner.to_bytes();
        #[cfg(not(feature = "json-packs"))]
        return self.bytes.to_vec();
    }

    /// The sections of a compiled pack and their sizes in bytes, in file order (after checking
    /// its header and checksum) — for reports such as `wendu compile`'s.
    pub fn compiled_sections(bytes: &[u8]) -> Result<Vec<(&'static str, usize)>, Error> {
        crate::compile::store::section_sizes(bytes).map_err(|e| {
            Error::InvalidPack(vec![Problem::error(
                "",
                format!("invalid compiled pack: {e}"),
            )])
        })
    }

    /// An engine for a pack as a caller hands it over ([`PackSource`]), with options (which a
    /// compiled pack does not need).
    pub fn load(source: PackSource, options: EngineOptions) -> Result<Engine, Error> {
        match source {
            PackSource::Json(json) => Engine::with_options(json, options),
            PackSource::Compiled(bytes) => Engine::from_compiled(bytes),
        }
    }

    /// The built-in default pack, compiled ([`DEFAULT_PACK_COMPILED`]): no test cases; for
    /// [`Engine::run_tests`], build it from [`DEFAULT_PACK`] with [`Engine::new`].
    pub fn default_pack() -> Result<Engine, Error> {
        Engine::from_compiled(DEFAULT_PACK_COMPILED)
    }

    /// A built-in pack by id, compiled (see [`builtin_compiled`]); `None` for an unknown id.
    pub fn builtin(id: &str) -> Option<Result<Engine, Error>> {
        builtin_compiled(id).map(Engine::from_compiled)
    }

    /// Check a pack without keeping it: every error and warning (its `triggers` section
    /// included), empty when it is clean.
    pub fn check(pack_json: &str) -> Vec<Problem> {
        Engine::check_source(PackSource::Json(pack_json))
    }

    /// [`Engine::check`] for a pack as a caller hands it over: a compiled pack has the warnings
    /// its JSON had (it was compiled clean of errors), or the problem that stops it loading.
    pub fn check_source(source: PackSource) -> Vec<Problem> {
        match Engine::load(source, EngineOptions::default()) {
            Err(e) => e.problems().to_vec(),
            Ok(engine) => engine.inner.warnings.clone(),
        }
    }

    /// Pack id, version and content hash.
    pub fn info(&self) -> &PackInfo {
        &self.inner.info
    }

    /// What the pack decides — dimensions and labels, severity levels and factors — for tools.
    pub fn describe(&self) -> PackDescriptor {
        PackDescriptor::of(&self.inner)
    }

    /// Warnings found while loading the pack.
    pub fn warnings(&self) -> &[Problem] {
        &self.inner.warnings
    }

    /// The `triggers` section, validated.
    pub(crate) fn triggers(&self) -> &TriggerSpec {
        &self.inner.triggers
    }

    /// The compiled pack.
    pub(crate) fn compiled(&self) -> &CompiledPack {
        &self.inner
    }

    /// Classify a validated complaint: the explained [`Decision`].
    pub fn classify(&self, complaint: &Complaint) -> Result<Decision, Error> {
        run::decision(&self.inner, self.inner.info.reference(), complaint)
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
        run::verdict(&self.inner, complaint)
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
        self.inner.terms.iter().map(|t| t.as_ref())
    }

    /// The pack's learned models, in pack order (each scores the normalised text:
    /// [`Engine::normalize`] then [`crate::model::Model::score`]).
    pub fn models(&self) -> &[crate::model::Model] {
        &self.inner.models
    }

    /// The pack's normalisation options (what [`Engine::normalize`] applies).
    pub fn normalization(&self) -> crate::text::NormalizeOptions {
        self.inner.normalize
    }

    /// Normalise `text` with the pack's normalisation.
    pub fn normalize(&self, text: &str) -> String {
        crate::text::normalize_str(text, &self.inner.normalize)
    }

    /// Normalise `text` and count the term automaton's matches, nothing more: the floor that the
    /// benchmarks measure classification against ("the bare scan").
    pub fn bare_scan(&self, text: &str) -> usize {
        let c = &self.inner;
        let norm = crate::text::normalize_str(text, &c.normalize);
        c.scanner
            .automaton
            .as_ref()
            .map_or(0, |a| a.count_overlapping(&norm))
    }

    /// Run the test cases carried in the pack (none when it was loaded compiled).
    pub fn run_tests(&self) -> TestReport {
        testing::run(&self.inner)
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
