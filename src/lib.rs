//! # wendu — an embedded rules-and-scoring engine for consumer complaints
//!
//! A rule pack (JSON data, not code) tells wendu how to **classify** a complaint on several
//! dimensions (the regulator's coding, the consumer right infringed, the journey stage…), where
//! to **route** it, and how **severe** it is — and every label comes with the exact words that
//! caused it. The same core runs natively, in browsers and Node (WebAssembly), and inside mobile
//! apps, and gives byte-identical answers everywhere.
//!
//! ```
//! use wendu::Engine;
//!
//! let pack = r#"{
//!   "pack": {"id": "demo", "version": "1"},
//!   "lexicon": {"@police": ["报警", "公安"]},
//!   "dimensions": [{
//!     "id": "reason", "multi": true, "fallback": "other",
//!     "labels": [
//!       {"code": "fee", "name": "收费", "rules": [{"when": {"terms": ["手续费", "年费"]}, "weight": 0.9}]},
//!       {"code": "other", "name": "其他"}
//!     ]
//!   }],
//!   "severity": {
//!     "factors": [{"id": "police", "when": {"terms": ["@police"]}, "points": 50}],
//!     "levels": [
//!       {"id": "normal", "min_points": 0, "deadline_hours": 360},
//!       {"id": "major", "min_points": 50, "deadline_hours": 24}
//!     ]
//!   }
//! }"#;
//! let engine = Engine::new(pack).expect("valid pack");
//! let d = engine.classify_json(r#"{"id": "c1", "text": "乱收年费，我没有报警"}"#).unwrap();
//! assert_eq!(d.labels.get("reason").unwrap()[0].code, "fee");
//! // 没有 negates 报警: the complaint stays at the normal level.
//! assert_eq!(d.severity.as_ref().unwrap().level, "normal");
//! println!("{}", d.to_json());
//! ```
//!
//! The flow, one module per step: [`pack`] (parse + validate) → [`compile`] (build matchers) →
//! [`text`] (normalise, keep the offset map) → [`scan`] (one automaton pass) → [`rules`]
//! (conditions over the hits) → [`decide`] (labels, severity, route, evidence).
#![forbid(unsafe_code)]

pub mod compile;
pub mod complaint;
pub mod decide;
pub mod describe;
pub mod error;
pub mod extract;
pub mod model;
pub mod pack;
pub mod rules;
pub mod scan;
mod t2s;
pub mod testing;
pub mod text;
pub mod time;
pub mod trigger;
pub mod validate;

pub use complaint::Complaint;
pub use decide::{Decision, Verdict};
pub use describe::PackDescriptor;
pub use error::{Error, Problem, Severity};
pub use pack::PackInfo;
pub use trigger::{Alert, Feedback, Outcome, TriggerEngine};

pub use compile::Automaton;
use compile::Compiled;
use pack::Pack;

/// The default pack, built in: Chinese retail banking (JR/T 0169-2018 coding, the eight
/// consumer rights, journeys, routing, severity by the 2020 complaint rules).
pub const DEFAULT_PACK: &str = include_str!("../packs/cn-banking.json");

/// A compiled rule pack, ready to classify complaints. Build once, classify many times; it is
/// immutable, so one engine can be shared across threads.
#[derive(Debug, Clone)]
pub struct Engine {
    pack: Pack,
    compiled: Compiled,
}

impl Engine {
    /// Parse, validate and compile a pack. Fails with [`Error::InvalidPack`] carrying every
    /// problem found (errors and warnings).
    pub fn new(pack_json: &str) -> Result<Engine, Error> {
        let pack = Pack::parse(pack_json).map_err(Error::InvalidPack)?;
        Engine::from_pack(pack)
    }

    /// [`Engine::new`] choosing the term automaton (see [`Automaton`]): `Automaton::Dfa` scans
    /// about twice as fast but builds slower, for services that keep an engine for many
    /// complaints.
    pub fn with_automaton(pack_json: &str, automaton: Automaton) -> Result<Engine, Error> {
        let pack = Pack::parse(pack_json).map_err(Error::InvalidPack)?;
        Engine::build(pack, automaton)
    }

    /// Compile an already-validated pack.
    pub fn from_pack(pack: Pack) -> Result<Engine, Error> {
        Engine::build(pack, Automaton::Auto)
    }

    fn build(pack: Pack, automaton: Automaton) -> Result<Engine, Error> {
        let compiled = Compiled::with_automaton(&pack, automaton).map_err(|mut problems| {
            problems.extend(pack.warnings.iter().cloned());
            Error::InvalidPack(problems)
        })?;
        Ok(Engine { pack, compiled })
    }

    /// The built-in default pack ([`DEFAULT_PACK`]).
    pub fn default_pack() -> Result<Engine, Error> {
        Engine::new(DEFAULT_PACK)
    }

    /// Check a pack without keeping it: every error and warning, empty when it is clean.
    /// The `triggers` section is checked too (see [`trigger::TriggerEngine::check`]).
    pub fn check(pack_json: &str) -> Vec<Problem> {
        trigger::TriggerEngine::check(pack_json)
    }

    /// Pack id, version and content hash.
    pub fn info(&self) -> &PackInfo {
        &self.pack.info
    }

    /// The validated pack.
    pub fn pack(&self) -> &Pack {
        &self.pack
    }

    /// The compiled pack (matchers and conditions), for tools such as the trigger engine.
    pub fn compiled(&self) -> &Compiled {
        &self.compiled
    }

    /// What the pack decides — dimensions and labels, severity levels and factors — for tools.
    pub fn describe(&self) -> PackDescriptor {
        PackDescriptor::of(&self.pack)
    }

    /// Warnings found while loading the pack.
    pub fn warnings(&self) -> &[Problem] {
        &self.pack.warnings
    }

    /// Classify a validated complaint.
    pub fn classify(&self, complaint: &Complaint) -> Result<Decision, Error> {
        decide::decide(&self.pack, &self.compiled, &self.pack.info, complaint)
    }

    /// Parse, validate and classify complaint JSON.
    pub fn classify_json(&self, json: &str) -> Result<Decision, Error> {
        self.classify(&Complaint::from_json(json)?)
    }

    /// Validate and classify a parsed complaint.
    pub fn classify_value(&self, value: serde_json::Value) -> Result<Decision, Error> {
        self.classify(&Complaint::from_value(value)?)
    }

    /// Decide a validated complaint without explaining it: the same labels, confidences, route
    /// and severity as [`Engine::classify`], without evidence, amounts, personal data, masked
    /// text or negations — several times cheaper, for high-volume triage.
    pub fn verdict(&self, complaint: &Complaint) -> Result<Verdict<'_>, Error> {
        decide::verdict(&self.pack, &self.compiled, complaint)
    }

    /// Parse, validate and decide complaint JSON without explaining it (see [`Engine::verdict`]).
    pub fn verdict_json(&self, json: &str) -> Result<Verdict<'_>, Error> {
        self.verdict(&Complaint::from_json(json)?)
    }

    /// Classify a JSON array of complaints in one call: a JSON array of decisions in the same
    /// order, where a bad complaint becomes `{"error": {code, message, problems}}` and the batch
    /// goes on. Fails only when the input is not a JSON array. The bindings' batch calls use it,
    /// so one boundary crossing serves many complaints.
    pub fn classify_batch_json(&self, json: &str) -> Result<String, Error> {
        batch_json(json, 512, |c| self.classify(c).map(|d| d.to_json()))
    }

    /// [`Engine::classify_batch_json`] with verdicts ([`Engine::verdict`]) instead of decisions.
    pub fn verdict_batch_json(&self, json: &str) -> Result<String, Error> {
        batch_json(json, 192, |c| self.verdict(c).map(|v| v.to_json()))
    }

    /// Run the test cases carried in the pack.
    pub fn run_tests(&self) -> testing::TestReport {
        testing::run(self)
    }
}

/// A JSON array of complaints → a JSON array of `one`'s outputs, a bad complaint becoming
/// `{"error": …}` in its place; `guess` is the expected bytes per output.
fn batch_json(
    json: &str,
    guess: usize,
    one: impl Fn(&Complaint) -> Result<String, Error>,
) -> Result<String, Error> {
    let value = validate::parse_json(json).map_err(|p| Error::InvalidInput(vec![p]))?;
    let serde_json::Value::Array(items) = value else {
        return Err(Error::InvalidInput(vec![Problem::error(
            "",
            format!(
                "a batch is a JSON array of complaints, found {}",
                validate::type_name(&value)
            ),
        )]));
    };
    let mut out = String::with_capacity(items.len() * guess + 2);
    out.push('[');
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        match Complaint::from_value(item).and_then(|c| one(&c)) {
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
