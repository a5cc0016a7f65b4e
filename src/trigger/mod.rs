//! # trigger — low-score triggering and surge alerts, beside the classification flow
//!
//! The flow, one module per step: [`event`] (read and validate a feedback event) → [`policy`]
//! (which policies take it; `when` conditions from [`cond`]) → [`window`] (sliding windows per
//! policy and group) → [`alert`] (alerts, notices, outcome); `state` holds what persists between
//! events (windows, cooldowns, ids) and [`snapshot`] saves and restores it. Everything runs on
//! event time (never the wall clock), with no I/O, deterministically. Format: docs/triggers.md.
//!
//! ```
//! use wendu::trigger::TriggerEngine;
//! use wendu::Engine;
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

pub mod alert;
pub mod cond;
pub mod event;
pub mod policy;
pub mod snapshot;
mod state;
pub mod window;

pub use alert::{Alert, AlertKind, Notice, NoticeKind, Outcome};
pub use event::{Feedback, Scale};
pub use policy::{Policy, PolicyKind, TriggerSpec};

use crate::complaint::Complaint;
use crate::decide::{Decision, Num, PackRef};
use crate::error::{Error, Problem};
use crate::time::Timestamp;
use crate::Engine;
use alert::{GroupValue, PainLabel, PainPoints, RouteOut, Stats, WindowOut};
use cond::{Conditions, Prepared};
use serde_json::Value;
use state::{AlertState, KeyHasher, KeyMap, State};
use std::collections::VecDeque;
use std::sync::Arc;
use window::{Entry, View, DETRACTOR, LOW, PROMOTER};

/// Entry flag: the event's text was classified (it counts towards `texts` in pain points).
const TEXT: u8 = 8;

/// Low-score triggering and surge alerts over a stream of feedback events and complaints, with
/// the policies of a pack's `triggers` section. Feed it with [`TriggerEngine::ingest`]; save and
/// resume it with [`TriggerEngine::snapshot`] and [`TriggerEngine::restore`].
#[derive(Debug, Clone)]
pub struct TriggerEngine {
    engine: Engine,
    spec: TriggerSpec,
    conds: Conditions,
    pack_ref: PackRef,
    /// Union of every policy's pain dimensions (labels of other dimensions are not kept).
    pain_dims: Vec<usize>,
    /// Sweep idle groups every this many milliseconds of event time.
    sweep_every: i64,
    next_sweep: Option<i64>,
    /// Per policy: index of its `group_by` among the distinct ones (for [`KeyCache`]).
    key_class: Vec<usize>,
    keys: KeyCache,
    hasher: KeyHasher,
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

/// One input being processed: its text is classified and scanned at most once, lazily, and
/// shared by every policy.
struct Item<'a> {
    id: &'a str,
    at: Timestamp,
    fields: &'a Value,
    text: Option<&'a str>,
    decision: Option<Option<Decision>>,
    given: Option<&'a Decision>,
    prepared: Option<Prepared>,
    /// `prepared` was built with the classification (label and `decision.*` conditions).
    prepared_with_decision: bool,
    pain: Option<Box<[u32]>>,
    warning: Option<String>,
}

impl<'a> Item<'a> {
    fn decision(&mut self, engine: &Engine) -> Option<&Decision> {
        if let Some(d) = self.given {
            return Some(d);
        }
        if self.decision.is_none() {
            let d = match self.text {
                None => None,
                Some(t) => {
                    let c = Complaint {
                        id: Some(self.id.to_string()),
                        title: None,
                        text: t.to_string(),
                        received_at: Some(self.at),
                        fields: self.fields.clone(),
                    };
                    match engine.classify(&c) {
                        Ok(d) => Some(d),
                        Err(e) => {
                            self.warning = Some(format!("comment not classified: {}", e.message()));
                            None
                        }
                    }
                }
            };
            self.decision = Some(d);
        }
        self.decision.as_ref().and_then(Option::as_ref)
    }

    fn holds(&mut self, engine: &Engine, conds: &Conditions, ci: usize) -> bool {
        let needs = conds.needs_decision(ci);
        // Prepare once; again only when this condition needs the classification and the
        // prepared item was built without it.
        if self.prepared.is_none() || (needs && !self.prepared_with_decision) {
            if needs {
                self.decision(engine);
            }
            let d = if needs {
                self.given
                    .or_else(|| self.decision.as_ref().and_then(Option::as_ref))
            } else {
                None
            };
            let p = conds.prepare(self.text.unwrap_or(""), d, self.fields);
            self.prepared = Some(p);
            self.prepared_with_decision = needs;
        }
        match &self.prepared {
            Some(p) => conds.holds(ci, p, self.fields),
            None => false,
        }
    }

    /// Pain labels (non-fallback labels of the pain dimensions), packed `dim << 16 | label`.
    fn pain(&mut self, engine: &Engine, dims: &[usize]) -> (Box<[u32]>, bool) {
        if self.pain.is_none() {
            let mut out = Vec::new();
            if !dims.is_empty() {
                if let Some(d) = self.decision(engine) {
                    for &di in dims {
                        let (Some((_, labels)), Some(def)) =
                            (d.labels.0.get(di), engine.pack().dimensions.get(di))
                        else {
                            continue;
                        };
                        for l in labels.iter().filter(|l| !l.fallback) {
                            // The label and its ancestors: a child (crash after an update)
                            // also counts for its parent (crash), as `label` conditions do.
                            let mut code = Some(l.code.as_str());
                            let mut steps = 0;
                            while let Some(c) = code {
                                let Some(li) = def.labels.iter().position(|x| x.code == c) else {
                                    break;
                                };
                                // Packed in 16 + 16 bits; a pack beyond that is not summarised.
                                if let (Ok(d), Ok(li16)) = (u16::try_from(di), u16::try_from(li)) {
                                    let packed = (u32::from(d) << 16) | u32::from(li16);
                                    if !out.contains(&packed) {
                                        out.push(packed);
                                    }
                                }
                                steps += 1;
                                if steps > def.labels.len() {
                                    break;
                                }
                                code = def.labels.get(li).and_then(|x| x.parent.as_deref());
                            }
                        }
                    }
                }
            }
            self.pain = Some(out.into_boxed_slice());
        }
        let classified = self.given.is_some() || matches!(self.decision, Some(Some(_)));
        (self.pain.clone().unwrap_or_default(), classified)
    }

    /// Write the group key (`len:value` per field, unambiguous) into `key`; false when a
    /// field is missing (the item is then not counted by the policy).
    fn group_into(&mut self, engine: &Engine, policy: &Policy, key: &mut String) -> bool {
        key.clear();
        for g in &policy.group_by {
            match g {
                policy::GroupField::Field { segments, .. } => {
                    let mut cur = self.fields;
                    for s in segments {
                        let next = match cur {
                            Value::Object(m) => m.get(s),
                            Value::Array(a) => s.parse::<usize>().ok().and_then(|i| a.get(i)),
                            _ => None,
                        };
                        match next {
                            Some(v) => cur = v,
                            None => return false,
                        }
                    }
                    match cur {
                        Value::String(s) => push_part(key, s),
                        Value::Number(n) => push_part(key, &crate::validate::number_text(n)),
                        Value::Bool(b) => push_part(key, if *b { "true" } else { "false" }),
                        _ => return false,
                    }
                }
                policy::GroupField::Label { dim, .. } => {
                    let code = self
                        .decision(engine)
                        .and_then(|d| d.labels.0.get(*dim))
                        .and_then(|(_, ls)| ls.first())
                        .map(|l| l.code.as_str());
                    match code {
                        Some(c) => push_part(key, c),
                        None => return false,
                    }
                }
            }
        }
        true
    }
}

/// Append `len:value` to a group key (by hand: this runs for every event).
fn push_part(key: &mut String, value: &str) {
    let mut digits = [0u8; 20];
    let mut n = value.len();
    let mut i = digits.len();
    loop {
        i -= 1;
        if let Some(d) = digits.get_mut(i) {
            *d = b'0' + (n % 10) as u8;
        }
        n /= 10;
        if n == 0 || i == 0 {
            break;
        }
    }
    key.push_str(std::str::from_utf8(digits.get(i..).unwrap_or_default()).unwrap_or("0"));
    key.push(':');
    key.push_str(value);
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

/// Split a group key back into its values.
pub(crate) fn key_values(key: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = key;
    while let Some((len, tail)) = rest.split_once(':') {
        let Ok(n) = len.parse::<usize>() else { break };
        let Some(v) = tail.get(..n) else { break };
        out.push(v.to_string());
        rest = tail.get(n..).unwrap_or("");
    }
    out
}

/// Build a group key from its values.
pub(crate) fn make_key(values: &[String]) -> String {
    let mut key = String::new();
    for v in values {
        push_part(&mut key, v);
    }
    key
}

fn fmt_num(x: f64) -> String {
    serde_json::to_string(&Num(x)).unwrap_or_else(|_| x.to_string())
}

fn pct(x: f64) -> String {
    format!("{}%", fmt_num(x * 100.0))
}

/// What an alert is built from.
struct Fire<'e> {
    kind: AlertKind,
    key: &'e str,
    tau: i64,
    off: i16,
    entries: &'e VecDeque<Entry>,
    view: View,
    closes: Option<String>,
    since: Option<i64>,
}

/// The verdict of one evaluation.
struct Assessment {
    breach: bool,
    good: bool,
}

fn assess(p: &Policy, v: &View) -> Assessment {
    let (cur, base) = (&v.cur, &v.base);
    let (breach, defined) = match p.kind {
        PolicyKind::Immediate => (true, true),
        PolicyKind::LowCount => (cur.low >= p.at_least, true),
        PolicyKind::Surge => (cur.count >= p.at_least, true),
        PolicyKind::Mean => {
            let defined = cur.count >= p.min_count;
            let b = p
                .bound
                .is_some_and(|b| cur.mean().is_some_and(|m| b.breached(m)));
            (defined && b, defined)
        }
        PolicyKind::Nps => {
            let defined = cur.count >= p.min_count;
            let b = p
                .bound
                .is_some_and(|b| cur.nps().is_some_and(|m| b.breached(m)));
            (defined && b, defined)
        }
        PolicyKind::LowShare => {
            let defined = cur.count >= p.min_count && base.count >= p.min_baseline;
            let (s, bs) = (cur.share().unwrap_or(0.0), base.share().unwrap_or(0.0));
            let b = s > bs + p.above_by && p.ratio.map_or(true, |r| s >= r * bs);
            (defined && b, defined)
        }
    };
    Assessment {
        breach,
        good: defined && !breach,
    }
}

impl TriggerEngine {
    /// Build from a compiled pack: reads and validates its `triggers` section and compiles the
    /// policies' `when` conditions. A pack without the section gives an engine with no policies.
    pub fn new(engine: Engine) -> Result<TriggerEngine, Error> {
        let (spec, mut problems) = policy::read(engine.pack());
        let conds = Conditions::compile(engine.pack(), &spec.conditions);
        if let Err(p) = &conds {
            problems.extend(p.iter().cloned());
        }
        let conds = match conds {
            Ok(c) if !problems.iter().any(Problem::is_error) => c,
            _ => return Err(Error::InvalidPack(problems)),
        };
        let info = engine.info();
        let pack_ref = PackRef {
            id: info.id.clone(),
            version: info.version.clone(),
            hash: info.hash.clone(),
        };
        let mut pain_dims: Vec<usize> = spec
            .policies
            .iter()
            .flat_map(|p| p.pain.dims.iter().copied())
            .collect();
        pain_dims.sort_unstable();
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
        let mut distinct: Vec<&Vec<policy::GroupField>> = Vec::new();
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
            spec,
            conds,
            pack_ref,
            pain_dims,
            sweep_every,
            next_sweep: None,
            key_class,
            keys,
            hasher: KeyHasher::default(),
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

    /// Every problem of a pack, its `triggers` section included (empty when clean).
    pub fn check(pack_json: &str) -> Vec<Problem> {
        match Engine::new(pack_json) {
            Err(e) => e.problems().to_vec(),
            Ok(engine) => {
                let mut out = engine.warnings().to_vec();
                if let Err(e) = TriggerEngine::new(engine) {
                    out.extend(e.problems().iter().cloned());
                }
                out
            }
        }
    }

    /// The classification engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The policies, in pack order.
    pub fn policies(&self) -> &[Policy] {
        &self.spec.policies
    }

    /// The validated `triggers` section.
    pub fn spec(&self) -> &TriggerSpec {
        &self.spec
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
        match crate::validate::parse_json(json) {
            Ok(Value::Array(items)) => self.ingest_batch(items),
            Ok(v) => self.ingest(v),
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

    /// Late or duplicate? Reports it and returns false; otherwise records the id.
    fn admit(
        &mut self,
        id: &Arc<str>,
        at: &Timestamp,
        complaint: bool,
        index: usize,
        out: &mut Outcome,
    ) -> bool {
        let lateness = self.spec.allowed_lateness.ms;
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
                        self.spec.allowed_lateness.text
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
        if !self.admit(&id, &f.at, false, index, out) {
            return;
        }
        let mut item = Item {
            id: &f.id,
            at: f.at,
            fields: &f.fields,
            text: f.comment.as_deref(),
            decision: None,
            given: None,
            prepared: None,
            prepared_with_decision: false,
            pain: None,
            warning: None,
        };
        let score_milli = (f.score * 1000.0).round() as i64;
        let mut keys = std::mem::take(&mut self.keys);
        keys.reset();
        for pi in 0..self.spec.policies.len() {
            let Some(p) = self.spec.policies.get(pi) else {
                continue;
            };
            if p.kind.complaints() {
                continue;
            }
            let Some(low_at) = p.low_for(&f.scale) else {
                continue;
            };
            if let Some(ci) = p.when {
                if !item.holds(&self.engine, &self.conds, ci) {
                    continue;
                }
            }
            let class = self.key_class.get(pi).copied().unwrap_or(0);
            let Some((built, key, h)) = keys.slots.get_mut(class) else {
                continue;
            };
            let present = *built.get_or_insert_with(|| {
                let ok = item.group_into(&self.engine, p, key);
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
            let (pain, classified) = if low && item.text.is_some() && !p.pain.dims.is_empty() {
                item.pain(&self.engine, &self.pain_dims)
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
            if p.kind == PolicyKind::Immediate {
                if low {
                    self.immediate(pi, h, key, entry, out);
                }
            } else {
                self.windowed(pi, h, key, entry, out);
            }
        }
        self.keys = keys;
        if let Some(w) = item.warning.take() {
            out.notices.push(Notice {
                index,
                id: Some(f.id.clone()),
                kind: NoticeKind::Warning,
                message: w,
                problems: Vec::new(),
            });
        }
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
        let owned;
        let decision = match given {
            Some(d) => d,
            None => match self.engine.classify(c) {
                Ok(d) => {
                    owned = d;
                    &owned
                }
                Err(e) => {
                    invalid(out, index, c.id.clone(), e.problems().to_vec());
                    return;
                }
            },
        };
        let shared: Arc<str> = Arc::from(id);
        if !self.admit(&shared, &at, true, index, out) {
            return;
        }
        let text = match &c.title {
            Some(t) => format!("{t}\n{}", c.text),
            None => c.text.clone(),
        };
        let mut item = Item {
            id,
            at,
            fields: &c.fields,
            text: Some(&text),
            decision: None,
            given: Some(decision),
            prepared: None,
            prepared_with_decision: false,
            pain: None,
            warning: None,
        };
        for pi in 0..self.spec.policies.len() {
            let Some(p) = self.spec.policies.get(pi) else {
                continue;
            };
            if !p.kind.complaints() {
                continue;
            }
            if let Some(ci) = p.when {
                if !item.holds(&self.engine, &self.conds, ci) {
                    continue;
                }
            }
            let mut key = String::new();
            if !item.group_into(&self.engine, p, &mut key) {
                continue;
            }
            let h = self.hasher.hash(&key);
            let (pain, _) = item.pain(&self.engine, &self.pain_dims);
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
        self.sweep_if_due();
    }

    fn immediate(&mut self, pi: usize, h: u64, key: &str, entry: Entry, out: &mut Outcome) {
        let Some(p) = self.spec.policies.get(pi) else {
            return;
        };
        let tau = entry.at;
        if p.cooldown.ms > 0 {
            let Some(groups) = self.state.groups.get_mut(pi) else {
                return;
            };
            let g = groups.get_or_default(h, key);
            if !cooldown_ok(&g.alert, tau, p.cooldown.ms) {
                return;
            }
            g.alert.last_fired = Some(g.alert.last_fired.map_or(tau, |x| x.max(tau)));
        }
        let mut cur = window::Agg::default();
        cur.add(&entry);
        let off = entry.off;
        let entries: VecDeque<Entry> = VecDeque::from(vec![entry]);
        let a = self.build_alert(
            p,
            &Fire {
                kind: AlertKind::Fired,
                key,
                tau,
                off,
                entries: &entries,
                view: View {
                    cur,
                    base: window::Agg::default(),
                    range: (0, 1),
                },
                closes: None,
                since: None,
            },
        );
        out.alerts.push(a);
    }

    fn windowed(&mut self, pi: usize, h: u64, key: &str, entry: Entry, out: &mut Outcome) {
        let Some(p) = self.spec.policies.get(pi) else {
            return;
        };
        let Some(groups) = self.state.groups.get_mut(pi) else {
            return;
        };
        let (w, b) = (
            p.window.as_ref().map_or(0, |d| d.ms),
            p.baseline.as_ref().map_or(0, |d| d.ms),
        );
        let tau = entry.at;
        let off = entry.off;
        let g = groups.get_or_default(h, key);
        let (view, in_order) = g.window.insert(entry, w, b);
        let view = if in_order {
            // Expire in batches (an eighth of the reach late): the oldest entries are cold in
            // cache, and entries beyond the horizon are never counted again anyway.
            let reach = p.span_ms().saturating_add(self.spec.allowed_lateness.ms);
            g.window
                .expire(tau.saturating_sub(reach).saturating_sub(reach / 8));
            g.window.current()
        } else {
            view
        };
        let verdict = assess(p, &view);
        let mut fire = false;
        let mut recovered = false;
        if verdict.breach {
            g.alert.good_since = None;
            fire = cooldown_ok(&g.alert, tau, p.cooldown.ms);
        } else if in_order && g.alert.alerting && verdict.good {
            if let Some(rec) = &p.recovery {
                let since = *g.alert.good_since.get_or_insert(tau);
                recovered = tau.saturating_sub(since) >= rec.ms;
            }
        }
        if !(fire || recovered) {
            return;
        }
        let (closes, since) = if recovered {
            (g.alert.fired_id.clone(), g.alert.good_since)
        } else {
            (None, None)
        };
        let kind = if fire {
            AlertKind::Fired
        } else {
            AlertKind::Recovered
        };
        let Some(g) = self.state.groups.get(pi).and_then(|m| m.get(h, key)) else {
            return;
        };
        let a = self.build_alert(
            p,
            &Fire {
                kind,
                key,
                tau,
                off,
                entries: &g.window.entries,
                view,
                closes,
                since,
            },
        );
        if let Some(g) = self
            .state
            .groups
            .get_mut(pi)
            .and_then(|m| m.get_mut(h, key))
        {
            if fire {
                g.alert.last_fired = Some(g.alert.last_fired.map_or(tau, |x| x.max(tau)));
                if p.recovery.is_some() {
                    g.alert.alerting = true;
                    g.alert.fired_id = Some(a.id.clone());
                }
            } else {
                // Recovered: the incident is closed, and a new breach may fire at once.
                g.alert = AlertState::default();
            }
        }
        out.alerts.push(a);
    }

    fn build_alert(&self, p: &Policy, f: &Fire) -> Alert {
        let (kind, key, tau, off, view) = (f.kind, f.key, f.tau, f.off, &f.view);
        let ts = |ms: i64, off: i16| {
            Timestamp {
                millis: ms,
                offset_minutes: off,
            }
            .format()
        };
        let window_entries = f
            .entries
            .range(view.range.0.min(f.entries.len())..view.range.1.min(f.entries.len()));
        // The events behind the alert.
        let only_low = kind == AlertKind::Fired
            && matches!(
                p.kind,
                PolicyKind::Immediate | PolicyKind::LowCount | PolicyKind::LowShare
            );
        let selected: Vec<&Entry> = window_entries.filter(|e| !only_low || e.low()).collect();
        let max = self.spec.max_event_ids;
        let events: Vec<String> = selected
            .iter()
            .skip(selected.len().saturating_sub(max))
            .map(|e| e.id.to_string())
            .collect();
        let first = selected.first();
        let last = selected.last();
        // Pain points: the texts of the low scores (of every complaint, for surges).
        let pain_src: Vec<&&Entry> = selected
            .iter()
            .filter(|e| p.kind == PolicyKind::Surge || e.low())
            .collect();
        let pain_points = self.pain_points(p, &pain_src);
        let route = self.route_for(p, &pain_points);
        let group: Vec<GroupValue> = p
            .group_by
            .iter()
            .zip(key_values(key))
            .map(|(g, v)| GroupValue {
                field: g.path().to_string(),
                value: v,
            })
            .collect();
        let (cur, base) = (&view.cur, &view.base);
        let scored = p.kind != PolicyKind::Surge;
        let share = p.kind == PolicyKind::LowShare;
        let stats = Stats {
            count: cur.count,
            low: scored.then_some(cur.low),
            mean: cur.mean().filter(|_| scored).map(Num),
            nps: cur
                .nps()
                .filter(|_| p.scales.iter().any(|(s, _)| *s == Scale::Nps))
                .map(Num),
            share: cur.share().filter(|_| scored).map(Num),
            baseline_count: share.then_some(base.count),
            baseline_share: base.share().filter(|_| share).map(Num),
            threshold: match p.kind {
                PolicyKind::Immediate => p.scales.first().map(|(_, l)| Num(*l)),
                PolicyKind::LowCount | PolicyKind::Surge => Some(Num(f64::from(p.at_least))),
                PolicyKind::Mean | PolicyKind::Nps => p.bound.map(|b| Num(b.value())),
                PolicyKind::LowShare => Some(Num(p.above_by)),
            },
        };
        let message = self.message(p, f);
        let window = p.window.as_ref().map(|w| WindowOut {
            duration: w.text.clone(),
            start: ts(tau.saturating_sub(w.ms), off),
            end: ts(tau, off),
            baseline: p.baseline.as_ref().map(|b| b.text.clone()),
        });
        let id = alert::alert_id(
            &p.id,
            kind,
            key,
            tau,
            first.map_or("", |e| &e.id),
            last.map_or("", |e| &e.id),
        );
        Alert {
            id,
            policy: p.id.clone(),
            name: p.name.clone(),
            kind,
            policy_kind: p.kind.as_str(),
            severity: if kind == AlertKind::Recovered {
                "info".into()
            } else {
                p.severity.clone()
            },
            group: alert::Group(group),
            at: ts(tau, off),
            window,
            stats,
            message,
            events,
            events_total: u32::try_from(selected.len()).unwrap_or(u32::MAX),
            first_at: first.map(|e| ts(e.at, e.off)),
            last_at: last.map(|e| ts(e.at, e.off)),
            route,
            deadline: match (kind, p.deadline_hours) {
                (AlertKind::Fired, Some(h)) => Some(ts(
                    tau.saturating_add(i64::try_from(h).unwrap_or(0).saturating_mul(3_600_000)),
                    off,
                )),
                _ => None,
            },
            pain_points,
            closes: f.closes.clone(),
            pack: self.pack_ref.clone(),
        }
    }

    fn pain_points(&self, p: &Policy, src: &[&&Entry]) -> Vec<PainPoints> {
        let mut out = Vec::with_capacity(p.pain.dims.len());
        for &di in &p.pain.dims {
            let Some(def) = self.engine.pack().dimensions.get(di) else {
                continue;
            };
            let mut counts: Vec<u32> = vec![0; def.labels.len()];
            let mut texts = 0u32;
            for e in src {
                if e.flags & TEXT != 0 {
                    texts += 1;
                }
                for &packed in e.pain.iter() {
                    if (packed >> 16) as usize == di {
                        if let Some(c) = counts.get_mut((packed & 0xFFFF) as usize) {
                            *c += 1;
                        }
                    }
                }
            }
            let mut order: Vec<(usize, u32)> = counts
                .iter()
                .copied()
                .enumerate()
                .filter(|(_, c)| *c > 0)
                .collect();
            // Most frequent first; ties in pack order.
            order.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            let labels = order
                .into_iter()
                .take(p.pain.top)
                .filter_map(|(i, count)| {
                    let l = def.labels.get(i)?;
                    Some(PainLabel {
                        code: l.code.clone(),
                        name: l.name.clone(),
                        count,
                    })
                })
                .collect();
            out.push(PainPoints {
                dimension: def.id.clone(),
                texts,
                labels,
            });
        }
        out
    }

    fn route_for(&self, p: &Policy, pain: &[PainPoints]) -> Option<RouteOut> {
        if let Some(r) = &p.route {
            return Some(RouteOut {
                department: r.department.clone(),
                queue: r.queue.clone(),
                source: "policy",
            });
        }
        for pp in pain {
            let Some(top) = pp.labels.first() else {
                continue;
            };
            let Some(dim) = self
                .engine
                .pack()
                .dimensions
                .iter()
                .find(|d| d.id == pp.dimension)
            else {
                continue;
            };
            // The label's own route, else its nearest ancestor's.
            let mut code = Some(top.code.as_str());
            let mut steps = 0;
            while let Some(c) = code {
                let Some(l) = dim.labels.iter().find(|l| l.code == c) else {
                    break;
                };
                if let Some(r) = &l.route {
                    return Some(RouteOut {
                        department: r.department.clone(),
                        queue: r.queue.clone(),
                        source: "pain",
                    });
                }
                steps += 1;
                if steps > dim.labels.len() {
                    break;
                }
                code = l.parent.as_deref();
            }
        }
        self.engine
            .pack()
            .settings
            .default_route
            .as_ref()
            .map(|r| RouteOut {
                department: r.department.clone(),
                queue: r.queue.clone(),
                source: "default",
            })
    }

    fn message(&self, p: &Policy, f: &Fire) -> String {
        let (cur, base) = (&f.view.cur, &f.view.base);
        let win = p.window.as_ref().map_or("", |w| w.text.as_str());
        let low_at = p
            .scales
            .iter()
            .map(|(s, l)| format!("≤ {} on {}", fmt_num(*l), s.name()))
            .collect::<Vec<_>>()
            .join(", ");
        let bound = p.bound.map_or_else(String::new, |b| {
            format!("{} {}", b.symbol(), fmt_num(b.value()))
        });
        let metric = match p.kind {
            PolicyKind::Immediate => format!(
                "score {} ({low_at}){}",
                cur.mean().map_or_else(String::new, fmt_num),
                if p.when.is_some() {
                    " and the policy's condition holds"
                } else {
                    ""
                }
            ),
            PolicyKind::LowCount => format!(
                "{} low scores ({low_at}) among {} within {win}; fires at {}",
                cur.low, cur.count, p.at_least
            ),
            PolicyKind::Surge => format!(
                "{} complaints within {win}; fires at {}",
                cur.count, p.at_least
            ),
            PolicyKind::Mean => format!(
                "mean score {} over {} scores within {win}; fires at {bound} with at least {}",
                cur.mean().map_or_else(|| "-".into(), fmt_num),
                cur.count,
                p.min_count
            ),
            PolicyKind::Nps => format!(
                "NPS {} over {} responses within {win}; fires at {bound} with at least {}",
                cur.nps().map_or_else(|| "-".into(), fmt_num),
                cur.count,
                p.min_count
            ),
            PolicyKind::LowShare => format!(
                "low scores ({low_at}) are {} of {} within {win} against {} of {} in the {} before; fires above the baseline by more than {}{}",
                pct(cur.share().unwrap_or(0.0)),
                cur.count,
                pct(base.share().unwrap_or(0.0)),
                base.count,
                p.baseline.as_ref().map_or("", |b| b.text.as_str()),
                pct(p.above_by),
                p.ratio
                    .map_or_else(String::new, |r| format!(" and at {}x it", fmt_num(r)))
            ),
        };
        match f.kind {
            AlertKind::Fired => metric,
            AlertKind::Recovered => {
                let since = f.since.map_or_else(String::new, |s| {
                    format!(
                        " since {}",
                        Timestamp {
                            millis: s,
                            offset_minutes: f.off
                        }
                        .format()
                    )
                });
                format!(
                    "recovered: good at every evaluation{since} ({} or more); now {metric}",
                    p.recovery.as_ref().map_or("", |r| r.text.as_str())
                )
            }
        }
    }

    fn sweep_if_due(&mut self) {
        let Some(wm) = self.state.watermark else {
            return;
        };
        match self.next_sweep {
            None => {
                self.next_sweep = Some(wm.saturating_add(self.sweep_every));
                return;
            }
            Some(n) if wm < n => return,
            _ => {}
        }
        self.next_sweep = Some(wm.saturating_add(self.sweep_every));
        self.sweep(wm);
    }

    /// Drop window entries no future evaluation can reach, and groups whose state is then the
    /// same as a fresh group's (empty window, no open alert, cooldown over). Unobservable: the
    /// alerts that follow are the same with or without it; it only bounds memory.
    fn sweep(&mut self, wm: i64) {
        let lateness = self.spec.allowed_lateness.ms;
        let reach = wm.saturating_sub(lateness);
        for (pi, groups) in self.state.groups.iter_mut().enumerate() {
            let Some(p) = self.spec.policies.get(pi) else {
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

fn cooldown_ok(s: &AlertState, tau: i64, cooldown: i64) -> bool {
    cooldown == 0
        || s.last_fired
            .map_or(true, |lf| tau >= lf.saturating_add(cooldown))
}

fn id_of(v: &Value) -> Option<String> {
    match v.get("id") {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(crate::validate::number_text(n)),
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
