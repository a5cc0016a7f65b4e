//! # trigger — low-score triggering and surge alerts, beside the classification flow
//!
//! The flow, one module per step: `event` (read and validate a feedback event) → `item` (its
//! comment read and, when a policy needs it, classified by the pack's own flow; the policies'
//! `when` conditions) → `window` (sliding windows per policy and group) → `fire` (the policy's
//! kind judges; alerts, notices, outcome in `alert`); `state` holds what persists between events
//! (windows, cooldowns, ids) and `snapshot` saves and restores it. The pack reads the `triggers`
//! section and compiles its conditions with the rest; the kinds live in `policy`. Everything runs
//! on event time (never the wall clock), with no I/O, deterministically. Format: docs/triggers.md.
//!
//! [`TriggerEngine`]'s methods live with their step: `ingest` (the entry points: one input, a
//! batch, JSON text) → `admit` (event time: held, late and duplicate events) → `feed` (an
//! admitted event into each policy's group) → `fire`; `sweep` bounds the state. This file holds
//! the type, its construction and what it reports about itself.
//!
//! ```
//! use wendu::{Engine, TriggerEngine};
//!
//! let pack = r#"{
//!   "pack": {"id": "demo", "version": "1", "locale": "en-US"},
//!   "dimensions": [{"id": "reason", "fallback": "other", "labels": [
//!     {"code": "login", "name": "Login", "rules": [{"when": {"terms": ["login", "otp"]}}]},
//!     {"code": "other", "name": "Other"}]}],
//!   "triggers": {"policies": [{
//!     "id": "low-3", "kind": "low_count", "scale": "csat5", "low": 2,
//!     "window": "1h", "at_least": 3, "group_by": ["branch"], "cooldown": "1d"}]}
//! }"#;
//! let mut t = TriggerEngine::new(Engine::new(pack).unwrap()).unwrap();
//! let mut alerts = Vec::new();
//! for (i, minute) in [0, 10, 20].iter().enumerate() {
//!     let event = serde_json::json!({"id": i, "score": 1, "scale": "csat5", "branch": "b1",
//!         "at": format!("2024-05-01T10:{minute:02}:00+08:00"), "comment": "OTP never arrives"});
//!     alerts.extend(t.ingest(event).alerts);
//! }
//! assert_eq!(alerts.len(), 1);
//! assert_eq!(alerts[0].stats.low, Some(3));
//! assert_eq!(alerts[0].pain_points[0].labels[0].code, "login");
//! let saved = t.snapshot();
//! let mut again = TriggerEngine::new(Engine::new(pack).unwrap()).unwrap();
//! again.restore(&saved).unwrap();
//! ```

mod admit;
mod alert;
mod event;
mod feed;
mod fire;
mod ingest;
mod item;
mod snapshot;
mod state;
mod sweep;
mod window;

pub use crate::policy::Scale;
pub use alert::{
    Alert, AlertGroup, AlertKind, AlertRoute, GroupValue, Notice, NoticeKind, Outcome, PainLabel,
    PainPoints, Stats, WindowOut,
};
pub use event::Feedback;

use crate::engine::Engine;
use crate::error::{Error, Problem};
use crate::pack::TriggerSpec;
use crate::time::Timestamp;
use item::Buffers;
use state::{KeyHasher, KeyMap, State};

/// Low-score triggering and surge alerts over a stream of feedback events and complaints, with
/// the policies of a pack's `triggers` section. Feed it with [`TriggerEngine::ingest`]; save and
/// resume it with [`TriggerEngine::snapshot`] and [`TriggerEngine::restore`].
#[derive(Debug, Clone)]
pub struct TriggerEngine {
    engine: Engine,
    /// Union of every policy's pain dimensions (labels of other dimensions are not kept).
    pain_dims: Vec<usize>,
    /// Sweep idle groups whenever the watermark enters a new period of this many milliseconds.
    /// The schedule is a function of the watermark alone, so a restored engine sweeps exactly
    /// when an uninterrupted one would (it used to restart on restore: a service that saved
    /// and resumed more often than the period never swept, and kept every group).
    sweep_every: i64,
    /// The period of the last sweep: `watermark / sweep_every` after every event.
    swept: Option<i64>,
    /// Groups dropped to stay within `max_groups` while the current event was counted.
    evicted: usize,
    /// True while a held event is being counted (it is ahead of the watermark by design).
    releasing: bool,
    /// Per policy: index of its `group_by` among the distinct ones (for [`KeyCache`]).
    key_class: Vec<usize>,
    keys: KeyCache,
    hasher: KeyHasher,
    bufs: Buffers,
    state: State,
}

/// Counts of what the engine holds, for monitoring and benchmarks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct StateStats {
    /// Groups with state, over all policies.
    pub groups: usize,
    /// Window entries, over all groups.
    pub entries: usize,
    /// Event and complaint ids kept for deduplication.
    pub ids: usize,
}

/// Group keys of the item being processed, one per distinct `group_by` of the pack, built at
/// most once per item into buffers reused across items (no allocation per event).
#[derive(Debug, Clone, Default)]
struct KeyCache {
    /// Per distinct `group_by`: None = not built yet for this item; Some(false) = a field is
    /// missing; Some(true) = the buffer holds the key, and the hash is its hash.
    slots: Vec<(Option<bool>, String, u64)>,
}

impl KeyCache {
    fn reset(&mut self) {
        for s in &mut self.slots {
            s.0 = None;
        }
    }
}

impl TriggerEngine {
    /// A trigger engine over a compiled pack's `triggers` section (validated with the pack). A
    /// pack without the section gives an engine with no policies.
    pub fn new(engine: Engine) -> Result<TriggerEngine, Error> {
        let spec = &engine.triggers();
        let mut pain_dims: Vec<usize> = spec
            .policies
            .iter()
            .flat_map(|p| p.pain.dims.iter().copied())
            .collect();
        crate::sort::sort(&mut pain_dims);
        pain_dims.dedup();
        let sweep_every = spec
            .policies
            .iter()
            .filter(|p| p.kind.windowed())
            .map(|p| p.span_ms())
            .min()
            .unwrap_or(3_600_000)
            .saturating_add(spec.allowed_lateness.ms)
            .max(60_000);
        let n = spec.policies.len();
        let mut distinct: Vec<&Vec<crate::pack::GroupField>> = Vec::new();
        let mut key_class = Vec::with_capacity(n);
        for p in &spec.policies {
            let i = match distinct.iter().position(|g| **g == p.group_by) {
                Some(i) => i,
                None => {
                    distinct.push(&p.group_by);
                    distinct.len() - 1
                }
            };
            key_class.push(i);
        }
        let keys = KeyCache {
            slots: vec![(None, String::new(), 0); distinct.len()],
        };
        Ok(TriggerEngine {
            engine,
            pain_dims,
            sweep_every,
            swept: None,
            evicted: 0,
            releasing: false,
            key_class,
            keys,
            hasher: KeyHasher::default(),
            bufs: Buffers::default(),
            state: State {
                groups: (0..n).map(|_| KeyMap::default()).collect(),
                ..State::default()
            },
        })
    }

    /// Parse, validate and compile a pack, then its triggers.
    pub fn from_pack_json(pack_json: &str) -> Result<TriggerEngine, Error> {
        TriggerEngine::new(Engine::new(pack_json)?)
    }

    /// Every problem of a pack, its `triggers` section included (empty when clean): the same as
    /// [`Engine::check`].
    pub fn check(pack_json: &str) -> Vec<Problem> {
        Engine::check(pack_json)
    }

    /// The classification engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// How many policies the pack has (their ids and kinds: `engine().describe().policies`).
    pub fn policy_count(&self) -> usize {
        self.spec().policies.len()
    }

    /// The validated `triggers` section.
    pub(crate) fn spec(&self) -> &TriggerSpec {
        self.engine.triggers()
    }

    /// Latest accepted event time.
    pub fn watermark(&self) -> Option<Timestamp> {
        self.state.watermark.map(|millis| Timestamp {
            millis,
            offset_minutes: 0,
        })
    }

    /// How much state the engine holds.
    pub fn stats(&self) -> StateStats {
        StateStats {
            groups: self.state.groups.iter().map(KeyMap::len).sum(),
            entries: self
                .state
                .groups
                .iter()
                .flat_map(KeyMap::iter)
                .map(|(_, g)| g.window.entries.len())
                .sum(),
            ids: self.state.seen.map.len() + self.state.seen_complaints.map.len(),
        }
    }
}
