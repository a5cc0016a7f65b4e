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
//! The flow, one module per step: `pack` (parse + validate) → `compile` (build matchers) →
//! `text` (normalise, keep the offset map) → `scan` (one automaton pass) → `rules` (label rules
//! over the hits) → `decide` (severity, route; a [`Decision`] or a [`Verdict`] rendered from one
//! ruling), driven for each complaint by `run`. Beside it: `condition` (each condition kind, read,
//! compiled, evaluated and explained in one module), `extract` (amounts, personal data), and
//! [`trigger`] (low-score and surge alerts, fed by the same flow, with its `policy` kinds).
//! docs/contributing.md says where to add a condition kind, a policy kind or a binding.
#![forbid(unsafe_code)]
// Without `json-packs` (the lean build), the JSON pack reader and compiler still compile — so
// the two builds cannot drift apart — but nothing calls them, and the linker drops them.
#![cfg_attr(
    not(feature = "json-packs"),
    allow(dead_code, unused_imports, unreachable_code)
)]

mod codec;
mod compile;
mod complaint;
mod condition;
mod decide;
mod describe;
mod engine;
mod error;
mod extract;
mod json;
mod matcher;
pub mod model;
mod pack;
mod policy;
mod rules;
mod run;
mod scan;
mod sort;
mod testing;
mod text;
mod time;
pub mod trigger;

/// The parts of a [`Decision`] and a [`Verdict`] (docs/decision-format.md).
pub mod decision {
    pub use crate::decide::{
        AmountOut, Evidence, FactorOut, FiredRule, Label, LabelCode, Labels, Negated, PersonalData,
        Route, RouteRef, Severity, SeverityRef,
    };
    pub use crate::json::{Num, Replaced};
    pub use crate::pack::PackRef;
}

pub use compile::Automaton;
pub use complaint::Complaint;
pub use decide::{Decision, Verdict};
pub use describe::{
    DimensionDescriptor, FactorDescriptor, LabelDescriptor, LevelDescriptor, PackDescriptor,
    PolicyDescriptor, RouteDescriptor, ScaleDescriptor,
};
pub use engine::{
    builtin, builtin_compiled, resolve_pack, Engine, EngineOptions, PackSource, DEFAULT_PACK,
    DEFAULT_PACK_COMPILED, REVIEW_PACK, REVIEW_PACK_COMPILED,
};
pub use error::{Error, Problem, ProblemKind};
pub use pack::{content_hash, PackInfo, PackRef};
pub use policy::Scale;
pub use testing::{TestReport, TestResult};
pub use text::{normalize_str, NormalizeOptions};
pub use time::Timestamp;
pub use trigger::{Alert, AlertKind, Feedback, Notice, NoticeKind, Outcome, TriggerEngine};
