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

mod alert;
mod event;
mod fire;
mod item;
mod snapshot;
mod state;
mod window;

pub use crate::policy::Scale;
pub use alert::{
    Alert, AlertGroup, AlertKind, AlertRoute, GroupValue, Notice, NoticeKind, Outcome, PainLabel,
    PainPoints, Stats, WindowOut,
};
pub use event::Feedback;

use crate::complaint::Complaint;
use crate::decide::Decision;
use crate::engine::Engine;
use crate::error::{Error, Problem};
use crate::pack::TriggerSpec;
use crate::policy::{DETRACTOR, LOW, PROMOTER};
use crate::time::Timestamp;
use fire::TEXT;
use item::{Buffers, Item};
use serde_json::Value;
use state::{KeyHasher, KeyMap, State};
use std::sync::Arc;
use window::Entry;

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

    /// Ingest one input: a feedback event, or a complaint when it has `"type": "complaint"`
    /// (then it is classified with the pack and feeds surge policies). Never fails: a bad, late
    /// or duplicate input comes back as a notice.
    pub fn ingest(&mut self, input: Value) -> Outcome {
        let mut out = Outcome::default();
        self.ingest_one(input, 0, &mut out);
        out
    }

    /// Ingest many inputs in order; notices carry each input's index.
    pub fn ingest_batch(&mut self, inputs: Vec<Value>) -> Outcome {
        let mut out = Outcome::default();
        for (i, v) in inputs.into_iter().enumerate() {
            self.ingest_one(v, i, &mut out);
        }
        out
    }

    /// Ingest JSON text: one object, or an array of objects (a batch).
    pub fn ingest_json(&mut self, json: &str) -> Outcome {
        match crate::json::parse_json_lossy(json) {
            Ok((Value::Array(items), replaced)) => {
                let ids: Vec<Option<String>> = if replaced.0.is_empty() {
                    Vec::new()
                } else {
                    items.iter().map(id_of).collect()
                };
                let mut out = self.ingest_batch(items);
                for (i, id) in ids.into_iter().enumerate() {
                    surrogate_notices(&mut out, &replaced, &format!("/{i}"), i, id);
                }
                out
            }
            Ok((v, replaced)) => {
                let id = id_of(&v);
                let mut out = self.ingest(v);
                surrogate_notices(&mut out, &replaced, "", 0, id);
                out
            }
            Err(p) => Outcome {
                accepted: 0,
                alerts: Vec::new(),
                notices: vec![Notice {
                    index: 0,
                    id: None,
                    kind: NoticeKind::Invalid,
                    message: p.message.clone(),
                    problems: vec![p],
                }],
            },
        }
    }

    /// Ingest a validated feedback event.
    pub fn ingest_feedback(&mut self, f: &Feedback) -> Outcome {
        let mut out = Outcome::default();
        self.feed_feedback(f, 0, &mut out);
        out
    }

    /// Ingest a complaint that the caller already classified (it must have `id` and
    /// `received_at`): it feeds the surge policies without being classified again.
    pub fn ingest_decision(&mut self, decision: &Decision, complaint: &Complaint) -> Outcome {
        let mut out = Outcome::default();
        self.feed_complaint(complaint, Some(decision), 0, &mut out);
        out
    }

    fn ingest_one(&mut self, v: Value, index: usize, out: &mut Outcome) {
        let is_complaint = v.get("type").and_then(Value::as_str) == Some("complaint");
        if is_complaint {
            match Complaint::from_value(v) {
                Ok(c) => self.feed_complaint(&c, None, index, out),
                Err(e) => invalid(out, index, None, e.problems().to_vec()),
            }
            return;
        }
        let id = id_of(&v);
        match Feedback::from_value(v) {
            Ok(f) => self.feed_feedback(&f, index, out),
            Err(problems) => invalid(out, index, id, problems),
        }
    }

    /// Is the event more than `max_ahead` after the watermark? Then it is held (reported, not
    /// counted) and this returns true — unless the event just before it was held and this one
    /// confirms it (it is far ahead too, and not earlier than the held one by more than
    /// `max_ahead`: the stream did move on), when the held event is counted first and this one
    /// goes on. An event that is not ahead shows the stream going on at its time: a held event
    /// is then dropped. One event with a mistyped year (2062) used to move the watermark, and
    /// every later event was late: the stream went silent. Now mistyped events among ordinary
    /// ones never count, and a genuine gap in a sparse stream costs nothing: its first event
    /// waits for the second.
    fn ahead(
        &mut self,
        at: &Timestamp,
        complaint: bool,
        event: &Value,
        index: usize,
        out: &mut Outcome,
    ) -> bool {
        let Some(wm) = self.state.watermark else {
            return false;
        };
        if self.releasing {
            return false;
        }
        let max = self.spec().max_ahead.ms;
        if at.millis <= wm.saturating_add(max) {
            if let Some(old) = self.state.held.take() {
                out.notices.push(Notice {
                    index,
                    id: id_of(&old.event),
                    kind: NoticeKind::Ahead,
                    message: format!(
                        "the event held at {} was not confirmed: the next event is at {}, near the watermark; dropped, not counted",
                        Timestamp { millis: old.at, offset_minutes: 0 }.format(),
                        at.format()
                    ),
                    problems: Vec::new(),
                });
            }
            return false;
        }
        if let Some(held) = &self.state.held {
            if at.millis >= held.at.saturating_sub(max) {
                if let Some(held) = self.state.held.take() {
                    self.releasing = true;
                    let id = id_of(&held.event);
                    if held.complaint {
                        match Complaint::from_value(held.event) {
                            Ok(c) => self.feed_complaint(&c, None, index, out),
                            Err(e) => invalid(out, index, id, e.problems().to_vec()),
                        }
                    } else {
                        match Feedback::from_value(held.event) {
                            Ok(f) => self.feed_feedback(&f, index, out),
                            Err(problems) => invalid(out, index, id, problems),
                        }
                    }
                    self.releasing = false;
                }
                return false;
            }
        }
        if let Some(old) = self.state.held.take() {
            out.notices.push(Notice {
                index,
                id: id_of(&old.event),
                kind: NoticeKind::Ahead,
                message: format!(
                    "the event held at {} was not confirmed: the next event is at {}, far from both it and the watermark; dropped, not counted",
                    Timestamp { millis: old.at, offset_minutes: 0 }.format(),
                    at.format()
                ),
                problems: Vec::new(),
            });
        }
        out.notices.push(Notice {
            index,
            id: id_of(event),
            kind: NoticeKind::Ahead,
            message: format!(
                "event time {} is more than {} (max_ahead) after the watermark {}: held, counted only if the next event confirms that the stream moved on",
                at.format(),
                self.spec().max_ahead.text,
                Timestamp { millis: wm, offset_minutes: at.offset_minutes }.format()
            ),
            problems: Vec::new(),
        });
        self.state.held = Some(state::Held {
            at: at.millis,
            complaint,
            event: event.clone(),
        });
        true
    }

    /// Late or duplicate? Reports it and returns false; otherwise records the id.
    fn admit(
        &mut self,
        id: &Arc<str>,
        at: &Timestamp,
        complaint: bool,
        index: usize,
        out: &mut Outcome,
    ) -> bool {
        let lateness = self.spec().allowed_lateness.ms;
        let h = self.hasher.hash(id);
        if let Some(wm) = self.state.watermark {
            let horizon = wm.saturating_sub(lateness);
            if at.millis < horizon {
                out.notices.push(Notice {
                    index,
                    id: Some(id.to_string()),
                    kind: NoticeKind::Late,
                    message: format!(
                        "event time {} is before the watermark {} minus the allowed lateness {}: not counted",
                        at.format(),
                        Timestamp { millis: wm, offset_minutes: at.offset_minutes }.format(),
                        self.spec().allowed_lateness.text
                    ),
                    problems: Vec::new(),
                });
                return false;
            }
            let seen = if complaint {
                &self.state.seen_complaints
            } else {
                &self.state.seen
            };
            if seen.contains(h, id, horizon) {
                out.notices.push(Notice {
                    index,
                    id: Some(id.to_string()),
                    kind: NoticeKind::Duplicate,
                    message: format!("id \"{id}\" was already counted: ignored"),
                    problems: Vec::new(),
                });
                return false;
            }
        }
        let wm = self.state.watermark.map_or(at.millis, |w| w.max(at.millis));
        self.state.watermark = Some(wm);
        let horizon = wm.saturating_sub(lateness);
        let seen = if complaint {
            &mut self.state.seen_complaints
        } else {
            &mut self.state.seen
        };
        seen.insert(h, id, at.millis);
        seen.expire(horizon);
        out.accepted += 1;
        true
    }

    fn feed_feedback(&mut self, f: &Feedback, index: usize, out: &mut Outcome) {
        let id: Arc<str> = Arc::from(f.id.as_str());
        if self.ahead(&f.at, false, &f.fields, index, out) {
            return;
        }
        if !self.admit(&id, &f.at, false, index, out) {
            return;
        }
        let engine = self.engine.clone();
        let mut bufs = std::mem::take(&mut self.bufs);
        let mut item = Item::new(
            &engine,
            &mut bufs,
            &f.fields,
            f.comment.as_deref().map(|c| (None, c)),
        );
        let score_milli = (f.score * 1000.0).round() as i64;
        let mut keys = std::mem::take(&mut self.keys);
        keys.reset();
        for pi in 0..self.spec().policies.len() {
            let Some(p) = engine.triggers().policies.get(pi) else {
                continue;
            };
            if p.kind.complaints() {
                continue;
            }
            let Some(low_at) = p.low_for(&f.scale) else {
                continue;
            };
            if p.conditional && !item.holds(pi) {
                continue;
            }
            let class = self.key_class.get(pi).copied().unwrap_or(0);
            let Some((built, key, h)) = keys.slots.get_mut(class) else {
                continue;
            };
            let present = *built.get_or_insert_with(|| {
                let ok = item.group_into(p, key);
                *h = self.hasher.hash(key);
                ok
            });
            if !present {
                continue;
            }
            let h = *h;
            let low = f.score <= low_at;
            let mut flags = if low { LOW } else { 0 };
            if f.scale == Scale::Nps {
                if f.score >= 9.0 {
                    flags |= PROMOTER;
                } else if f.score <= 6.0 {
                    flags |= DETRACTOR;
                }
            }
            let (pain, classified) = if low && f.comment.is_some() && !p.pain.dims.is_empty() {
                item.pain(&self.pain_dims)
            } else {
                (Box::default(), false)
            };
            if classified {
                flags |= TEXT;
            }
            let entry = Entry {
                at: f.at.millis,
                off: f.at.offset_minutes,
                flags,
                score: score_milli,
                id: Arc::clone(&id),
                pain,
            };
            if p.kind.windowed() {
                self.windowed(pi, h, key, entry, out);
            } else if low {
                self.immediate(pi, h, key, entry, out);
            }
        }
        let warning = item.warning.take();
        drop(item);
        self.keys = keys;
        self.bufs = bufs;
        if let Some(w) = warning {
            out.notices.push(Notice {
                index,
                id: Some(f.id.clone()),
                kind: NoticeKind::Warning,
                message: w,
                problems: Vec::new(),
            });
        }
        self.report_evictions(index, Some(f.id.clone()), out);
        self.sweep_if_due();
    }

    fn feed_complaint(
        &mut self,
        c: &Complaint,
        given: Option<&Decision>,
        index: usize,
        out: &mut Outcome,
    ) {
        let mut problems = Vec::new();
        if c.id.as_deref().map_or(true, |s| s.trim().is_empty()) {
            problems.push(Problem::error(
                "/id",
                "a complaint in a trigger stream needs an \"id\" (to ignore replays)",
            ));
        }
        if c.received_at.is_none() {
            problems.push(Problem::error(
                "/received_at",
                "a complaint in a trigger stream needs \"received_at\" (its event time)",
            ));
        }
        let (Some(id), Some(at)) = (c.id.as_deref(), c.received_at) else {
            invalid(out, index, c.id.clone(), problems);
            return;
        };
        if !problems.is_empty() {
            invalid(out, index, c.id.clone(), problems);
            return;
        }
        // A complaint the pack cannot classify (too long for it) is invalid here, as it is for
        // `classify`.
        if given.is_none() {
            if let Err(e) =
                crate::run::within_limits(&self.engine.compiled().limits, c, &mut Vec::new())
            {
                invalid(out, index, c.id.clone(), e.problems().to_vec());
                return;
            }
        }
        let shared: Arc<str> = Arc::from(id);
        // A complaint the caller classified is held without its decision: the same pack gives
        // the same one when it is counted.
        if self.ahead(&at, true, &c.fields, index, out) {
            return;
        }
        if !self.admit(&shared, &at, true, index, out) {
            return;
        }
        let engine = self.engine.clone();
        let mut bufs = std::mem::take(&mut self.bufs);
        let mut item = Item::new(
            &engine,
            &mut bufs,
            &c.fields,
            Some((c.title.as_deref(), c.text.as_str())),
        );
        if let Some(d) = given {
            item = item.given(d);
        }
        for pi in 0..self.spec().policies.len() {
            let Some(p) = engine.triggers().policies.get(pi) else {
                continue;
            };
            if !p.kind.complaints() {
                continue;
            }
            if p.conditional && !item.holds(pi) {
                continue;
            }
            let mut key = String::new();
            if !item.group_into(p, &mut key) {
                continue;
            }
            let h = self.hasher.hash(&key);
            let (pain, _) = item.pain(&self.pain_dims);
            let entry = Entry {
                at: at.millis,
                off: at.offset_minutes,
                flags: TEXT,
                score: 0,
                id: Arc::clone(&shared),
                pain,
            };
            self.windowed(pi, h, &key, entry, out);
        }
        drop(item);
        self.bufs = bufs;
        self.report_evictions(index, c.id.clone(), out);
        self.sweep_if_due();
    }

    fn sweep_if_due(&mut self) {
        let Some(wm) = self.state.watermark else {
            return;
        };
        let period = wm.div_euclid(self.sweep_every.max(1));
        match self.swept {
            None => {
                self.swept = Some(period);
                return;
            }
            Some(p) if period <= p => return,
            _ => {}
        }
        self.swept = Some(period);
        self.sweep(wm);
    }

    /// Make room for one more group when the engine holds `max_groups`: sweep first (idle
    /// groups go and nothing observable changes); if that is not enough, drop the groups whose
    /// latest activity (event, alert, recovery) is oldest — ties by policy, then key — down to
    /// nine tenths of the cap, so that the sort is paid once per tenth of the cap. A dropped
    /// group starts afresh if it comes back; the notice says how many went.
    pub(super) fn make_room(&mut self) {
        let cap = self.spec().max_groups;
        if self.group_count() < cap {
            return;
        }
        if let Some(wm) = self.state.watermark {
            self.sweep(wm);
        }
        let total = self.group_count();
        if total < cap {
            return;
        }
        let mut all: Vec<(Option<i64>, usize, Box<str>)> = Vec::with_capacity(total);
        for (pi, groups) in self.state.groups.iter().enumerate() {
            for (k, g) in groups.iter() {
                let activity = [g.window.latest, g.alert.last_fired, g.alert.good_since]
                    .into_iter()
                    .flatten()
                    .max();
                all.push((activity, pi, k.clone()));
            }
        }
        crate::sort::sort(&mut all);
        let drop = total - cap * 9 / 10;
        for (_, pi, key) in all.into_iter().take(drop) {
            if let Some(groups) = self.state.groups.get_mut(pi) {
                let h = self.hasher.hash(&key);
                groups.remove(h, &key);
            }
        }
        self.evicted += drop;
    }

    fn group_count(&self) -> usize {
        self.state.groups.iter().map(KeyMap::len).sum()
    }

    /// The notice of groups dropped while counting the current event.
    fn report_evictions(&mut self, index: usize, id: Option<String>, out: &mut Outcome) {
        if self.evicted == 0 {
            return;
        }
        out.notices.push(Notice {
            index,
            id,
            kind: NoticeKind::Evicted,
            message: format!(
                "{} groups with the oldest activity were dropped to stay within max_groups ({}): their windows, cooldowns and open alerts start afresh",
                self.evicted,
                self.spec().max_groups
            ),
            problems: Vec::new(),
        });
        self.evicted = 0;
    }

    /// Drop window entries no future evaluation can reach, and groups whose state is then the
    /// same as a fresh group's (empty window, no open alert, cooldown over). Unobservable: the
    /// alerts that follow are the same with or without it; it only bounds memory.
    fn sweep(&mut self, wm: i64) {
        let spec = &self.engine.triggers();
        let reach = wm.saturating_sub(spec.allowed_lateness.ms);
        for (pi, groups) in self.state.groups.iter_mut().enumerate() {
            let Some(p) = spec.policies.get(pi) else {
                continue;
            };
            let horizon = reach.saturating_sub(p.span_ms());
            groups.retain(|_, g| {
                g.window.expire(horizon);
                let cooled = g
                    .alert
                    .last_fired
                    .map_or(true, |lf| reach >= lf.saturating_add(p.cooldown.ms));
                !(g.window.entries.is_empty() && !g.alert.alerting && cooled)
            });
        }
    }
}

/// A warning notice per string of the input whose lone UTF-16 surrogates were replaced by
/// U+FFFD (see `json::parse_json_lossy`).
fn surrogate_notices(
    out: &mut Outcome,
    replaced: &crate::json::Replaced,
    prefix: &str,
    index: usize,
    id: Option<String>,
) {
    for message in replaced.warnings(prefix) {
        out.notices.push(Notice {
            index,
            id: id.clone(),
            kind: NoticeKind::Warning,
            message,
            problems: Vec::new(),
        });
    }
}

fn id_of(v: &Value) -> Option<String> {
    match v.get("id") {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(crate::json::number_text(n)),
        _ => None,
    }
}

fn invalid(out: &mut Outcome, index: usize, id: Option<String>, problems: Vec<Problem>) {
    let errors = problems.iter().filter(|p| p.is_error()).count();
    let message = match problems.iter().find(|p| p.is_error()) {
        Some(first) if errors > 1 => format!("invalid event: {errors} problems; first: {first}"),
        Some(first) => format!("invalid event: {first}"),
        None => "invalid event".to_string(),
    };
    out.notices.push(Notice {
        index,
        id,
        kind: NoticeKind::Invalid,
        message,
        problems,
    });
}
