//! Trigger state, saved and restored: `snapshot` writes everything that decides future alerts
//! (watermark, live ids, window entries, cooldown and recovery state) as versioned JSON;
//! `restore` validates it like any untrusted input and rebuilds running totals from the entries.

use super::state::{key_values, make_key};
use super::state::{AlertState, Dedupe, GroupState, Held, KeyMap, State};
use super::TriggerEngine;
use crate::error::{pointer, Error};
use crate::json::{type_name, Checker};
use crate::policy::MAX_SCALE_ABS;
use crate::trigger::window::{Entry, Window};
use serde_json::Value;
use std::fmt::Write as _;

/// The `format` field of a snapshot.
pub const FORMAT: &str = "wendu.trigger.snapshot";
/// The snapshot version this build writes and reads.
pub const VERSION: u64 = 1;

fn json_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

fn opt_i64(x: Option<i64>) -> String {
    x.map_or_else(|| "null".into(), |v| v.to_string())
}

impl TriggerEngine {
    /// Save the state as versioned JSON (deterministic: same state, same bytes). It holds the
    /// watermark, the ids still able to matter, every group's window entries and its cooldown
    /// and recovery state — nothing derived, nothing about the wall clock.
    pub fn snapshot(&self) -> String {
        let st = &self.state;
        let horizon = st.watermark.map_or(i64::MIN, |w| {
            w.saturating_sub(self.spec().allowed_lateness.ms)
        });
        let mut s = String::with_capacity(256);
        let _ = write!(
            s,
            "{{\"format\":\"{FORMAT}\",\"version\":{VERSION},\"pack\":{{\"id\":{},\"version\":{},\"hash\":{}}},\"watermark\":{}",
            json_str(&self.engine.info().id),
            json_str(&self.engine.info().version),
            json_str(&self.engine.info().hash),
            opt_i64(st.watermark)
        );
        for (name, d) in [("seen", &st.seen), ("seen_complaints", &st.seen_complaints)] {
            let _ = write!(s, ",\"{name}\":[");
            for (i, (id, at)) in d.live(horizon).into_iter().enumerate() {
                if i > 0 {
                    s.push(',');
                }
                let _ = write!(s, "[{},{at}]", json_str(id));
            }
            s.push(']');
        }
        s.push_str(",\"policies\":[");
        for (pi, p) in self.spec().policies.iter().enumerate() {
            if pi > 0 {
                s.push(',');
            }
            let _ = write!(s, "{{\"id\":{},\"groups\":[", json_str(&p.id));
            let mut groups: Vec<(&Box<str>, &GroupState)> = st
                .groups
                .get(pi)
                .map(|m| m.iter().collect())
                .unwrap_or_default();
            crate::sort::sort_by(&mut groups, |a, b| a.0.cmp(b.0));
            for (gi, (k, g)) in groups.into_iter().enumerate() {
                if gi > 0 {
                    s.push(',');
                }
                s.push_str("{\"key\":[");
                for (vi, v) in key_values(k).iter().enumerate() {
                    if vi > 0 {
                        s.push(',');
                    }
                    s.push_str(&json_str(v));
                }
                let a = &g.alert;
                let _ = write!(
                    s,
                    "],\"latest\":{},\"alert\":{{\"last_fired\":{},\"alerting\":{},\"good_since\":{},\"fired_id\":{}}},\"entries\":[",
                    opt_i64(g.window.latest),
                    opt_i64(a.last_fired),
                    a.alerting,
                    opt_i64(a.good_since),
                    a.fired_id.as_deref().map_or_else(|| "null".into(), json_str)
                );
                for (ei, e) in g.window.entries.iter().enumerate() {
                    if ei > 0 {
                        s.push(',');
                    }
                    let _ = write!(
                        s,
                        "[{},{},{},{},{},[",
                        e.at,
                        e.off,
                        e.flags,
                        e.score,
                        json_str(&e.id)
                    );
                    for (k, x) in e.pain.iter().enumerate() {
                        if k > 0 {
                            s.push(',');
                        }
                        let _ = write!(s, "{x}");
                    }
                    s.push_str("]]");
                }
                s.push_str("]}");
            }
            s.push_str("]}");
        }
        s.push(']');
        // Written only when an event is held, so that snapshots without one keep their bytes.
        if let Some(h) = &st.held {
            let _ = write!(
                s,
                ",\"held\":{{\"complaint\":{},\"event\":{}}}",
                h.complaint,
                serde_json::to_string(&h.event).unwrap_or_else(|_| "null".into())
            );
        }
        s.push('}');
        s
    }

    /// Replace the state with a snapshot. The snapshot is validated like any input (every
    /// problem with its JSON pointer); it must come from the same pack (same hash). On error
    /// the state is left unchanged.
    pub fn restore(&mut self, snapshot: &str) -> Result<(), Error> {
        let v = crate::json::parse_json(snapshot).map_err(|p| Error::InvalidInput(vec![p]))?;
        let mut r = Reader {
            c: Checker::default(),
            ids: std::collections::HashMap::new(),
        };
        let state = r.read(self, &v);
        match state {
            Some(st) if !r.c.has_errors() => {
                // The sweep schedule follows the watermark (see `TriggerEngine::sweep_if_due`).
                self.swept = st.watermark.map(|w| w.div_euclid(self.sweep_every.max(1)));
                self.state = st;
                self.evicted = 0;
                Ok(())
            }
            _ => Err(Error::InvalidInput(r.c.problems)),
        }
    }
}

struct Reader {
    c: Checker,
    /// One shared id per event, as the live engine keeps them (entries of several policies and
    /// the dedupe set point to the same string).
    ids: std::collections::HashMap<String, std::sync::Arc<str>>,
}

impl Reader {
    fn intern(&mut self, id: &str) -> std::sync::Arc<str> {
        if let Some(a) = self.ids.get(id) {
            return std::sync::Arc::clone(a);
        }
        let a: std::sync::Arc<str> = std::sync::Arc::from(id);
        self.ids.insert(id.to_string(), std::sync::Arc::clone(&a));
        a
    }
}

impl Reader {
    fn int(&mut self, v: Option<&Value>, path: &str) -> Option<Option<i64>> {
        match v {
            None => {
                self.c.error(path, "missing");
                None
            }
            Some(Value::Null) => Some(None),
            Some(Value::Number(n)) => match n.as_i64() {
                Some(x) => Some(Some(x)),
                None => {
                    self.c
                        .error(path, format!("expected a whole number, found {n}"));
                    None
                }
            },
            Some(other) => {
                self.c.error(
                    path,
                    format!(
                        "expected a whole number or null, found {}",
                        type_name(other)
                    ),
                );
                None
            }
        }
    }

    fn array<'a>(&mut self, v: Option<&'a Value>, path: &str) -> &'a [Value] {
        match v {
            Some(Value::Array(a)) => a,
            Some(other) => {
                self.c.error(
                    path,
                    format!("expected an array, found {}", type_name(other)),
                );
                &[]
            }
            None => {
                self.c.error(path, "missing");
                &[]
            }
        }
    }

    fn read(&mut self, t: &TriggerEngine, v: &Value) -> Option<State> {
        let m = self.c.object(
            v,
            "",
            &[
                "format",
                "version",
                "pack",
                "watermark",
                "seen",
                "seen_complaints",
                "policies",
                "held",
            ],
        )?;
        if m.get("format").and_then(Value::as_str) != Some(FORMAT) {
            self.c.error(
                "/format",
                format!("not a trigger snapshot (expected \"{FORMAT}\")"),
            );
            return None;
        }
        match m.get("version").and_then(Value::as_u64) {
            Some(VERSION) => {}
            other => {
                self.c.error(
                    "/version",
                    format!(
                        "snapshot version {} is not supported (this build reads {VERSION})",
                        other.map_or_else(|| "?".into(), |x| x.to_string())
                    ),
                );
                return None;
            }
        }
        let hash = m
            .get("pack")
            .and_then(|p| p.get("hash"))
            .and_then(Value::as_str);
        if hash != Some(t.engine.info().hash.as_str()) {
            self.c.error(
                "/pack/hash",
                format!(
                    "the snapshot was taken with another pack ({}); this engine runs {} {} ({})",
                    hash.unwrap_or("no hash"),
                    t.engine.info().id,
                    t.engine.info().version,
                    t.engine.info().hash
                ),
            );
            return None;
        }
        let watermark = self.int(m.get("watermark"), "/watermark")?;
        let mut st = State {
            watermark,
            groups: (0..t.spec().policies.len())
                .map(|_| KeyMap::default())
                .collect(),
            ..State::default()
        };
        let wm = watermark.unwrap_or(i64::MIN);
        for name in ["seen", "seen_complaints"] {
            let path = format!("/{name}");
            let mut pairs: Vec<(String, i64)> = Vec::new();
            for (i, item) in self.array(m.get(name), &path).iter().enumerate() {
                let ip = pointer(&path, i);
                match item.as_array().map(Vec::as_slice) {
                    Some([Value::String(id), at]) if !id.is_empty() => {
                        if let Some(Some(at)) = self.int(Some(at), &pointer(&ip, 1)) {
                            if watermark.is_none() || at > wm {
                                self.c.error(&ip, "an id after the watermark");
                            }
                            pairs.push((id.clone(), at));
                        } else {
                            self.c.error(&ip, "expected [id, time]");
                        }
                    }
                    _ => self.c.error(&ip, "expected [id, time]"),
                }
            }
            crate::sort::sort_by(&mut pairs, |a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)));
            let mut d = Dedupe::default();
            for (id, at) in &pairs {
                let h = t.hasher.hash(id);
                if d.map.contains(h, id) {
                    self.c.error(&path, format!("id \"{id}\" is listed twice"));
                }
                let shared = self.intern(id);
                d.insert(h, &shared, *at);
            }
            if name == "seen" {
                st.seen = d;
            } else {
                st.seen_complaints = d;
            }
        }
        st.held = self.held(m.get("held"), watermark);
        for (i, pv) in self
            .array(m.get("policies"), "/policies")
            .iter()
            .enumerate()
        {
            let pp = pointer("/policies", i);
            let Some(pm) = self.c.object(pv, &pp, &["id", "groups"]) else {
                continue;
            };
            let Some(id) = self.c.nonempty_string(pm, "id", &pp) else {
                continue;
            };
            let Some(pi) = t.spec().policies.iter().position(|p| p.id == id) else {
                self.c.error(
                    &pointer(&pp, "id"),
                    format!("the pack has no policy \"{id}\""),
                );
                continue;
            };
            for (gi, gv) in self
                .array(pm.get("groups"), &pointer(&pp, "groups"))
                .iter()
                .enumerate()
            {
                let gp = pointer(&pointer(&pp, "groups"), gi);
                if let Some((key, g)) = self.group(t, pi, gv, &gp, watermark) {
                    if let Some(slot) = st.groups.get_mut(pi) {
                        let h = t.hasher.hash(&key);
                        if slot.insert(h, key.into(), g) {
                            self.c.error(&gp, "this group is listed twice");
                        }
                    }
                }
            }
        }
        Some(st)
    }

    /// The held event, read like any input: a feedback event or a complaint whose time is
    /// after the watermark.
    fn held(&mut self, v: Option<&Value>, watermark: Option<i64>) -> Option<Held> {
        let v = v?;
        let m = self.c.object(v, "/held", &["complaint", "event"])?;
        let complaint = self.c.boolean(m, "complaint", "/held").unwrap_or(false);
        let Some(event) = m.get("event") else {
            self.c.error("/held", "missing required key \"event\"");
            return None;
        };
        let at = if complaint {
            match crate::complaint::Complaint::from_value(event.clone()) {
                Ok(c) => c.received_at.map(|t| t.millis),
                Err(e) => {
                    for p in e.problems() {
                        self.c
                            .error(&format!("/held/event{}", p.path), p.message.clone());
                    }
                    return None;
                }
            }
        } else {
            match super::Feedback::from_value(event.clone()) {
                Ok(f) => Some(f.at.millis),
                Err(problems) => {
                    for p in problems {
                        self.c.error(&format!("/held/event{}", p.path), p.message);
                    }
                    return None;
                }
            }
        };
        let Some(at) = at else {
            self.c
                .error("/held/event", "a held complaint needs \"received_at\"");
            return None;
        };
        if watermark.map_or(true, |w| at <= w) {
            self.c
                .error("/held/event", "a held event is after the watermark");
            return None;
        }
        Some(Held {
            at,
            complaint,
            event: event.clone(),
        })
    }

    fn group(
        &mut self,
        t: &TriggerEngine,
        pi: usize,
        v: &Value,
        path: &str,
        watermark: Option<i64>,
    ) -> Option<(String, GroupState)> {
        let p = t.spec().policies.get(pi)?;
        let m = self
            .c
            .object(v, path, &["key", "latest", "alert", "entries"])?;
        let kp = pointer(path, "key");
        let values = match m.get("key") {
            Some(k) => self.c.string_list(k, &kp)?,
            None => {
                self.c.error(path, "missing required key \"key\"");
                return None;
            }
        };
        if values.len() != p.group_by.len() {
            self.c.error(
                &kp,
                format!(
                    "policy \"{}\" groups by {} field(s), the key has {}",
                    p.id,
                    p.group_by.len(),
                    values.len()
                ),
            );
            return None;
        }
        let latest = self.int(m.get("latest"), &pointer(path, "latest"))?;
        let ap = pointer(path, "alert");
        let alert = match m.get("alert") {
            Some(a) => {
                let am = self.c.object(
                    a,
                    &ap,
                    &["last_fired", "alerting", "good_since", "fired_id"],
                )?;
                AlertState {
                    last_fired: self.int(am.get("last_fired"), &pointer(&ap, "last_fired"))?,
                    alerting: self.c.boolean(am, "alerting", &ap).unwrap_or(false),
                    good_since: self.int(am.get("good_since"), &pointer(&ap, "good_since"))?,
                    fired_id: self.c.string(am, "fired_id", &ap, false),
                }
            }
            None => {
                self.c.error(path, "missing required key \"alert\"");
                return None;
            }
        };
        let wm = watermark.unwrap_or(i64::MIN);
        for (name, x) in [
            ("latest", latest),
            ("alert/last_fired", alert.last_fired),
            ("alert/good_since", alert.good_since),
        ] {
            if x.is_some_and(|x| watermark.is_none() || x > wm) {
                self.c
                    .error(&format!("{path}/{name}"), "a time after the watermark");
            }
        }
        if alert.alerting && p.recovery.is_none() {
            self.c.error(
                &pointer(&ap, "alerting"),
                "the policy has no recovery to track",
            );
        }
        let ep = pointer(path, "entries");
        let mut entries: Vec<Entry> = Vec::new();
        let items = self.array(m.get("entries"), &ep);
        entries.reserve(items.len());
        for (i, ev) in items.iter().enumerate() {
            // Pointers are built only for problems: a snapshot can hold millions of entries.
            if let Some(e) = self.entry(t, ev, &ep, i) {
                if entries.last().is_some_and(|prev| prev.at > e.at) {
                    self.c
                        .error(&pointer(&ep, i), "entries must be sorted by time");
                }
                if latest.map_or(true, |l| e.at > l) {
                    self.c
                        .error(&pointer(&ep, i), "an entry after the group's latest time");
                }
                entries.push(e);
            }
        }
        if !p.kind.windowed() && !entries.is_empty() {
            self.c
                .error(&ep, "an immediate policy keeps no window entries");
        }
        let (w, b) = (p.window.as_ref().map_or(0, |d| d.ms), p.kind.baseline_ms());
        Some((
            make_key(&values),
            GroupState {
                window: Window::rebuild(entries, latest, w, b),
                alert,
            },
        ))
    }

    fn entry(&mut self, t: &TriggerEngine, v: &Value, ep: &str, i: usize) -> Option<Entry> {
        let path = || format!("{ep}/{i}");
        let Some([at, off, flags, score, id, pain]) = v.as_array().map(Vec::as_slice) else {
            self.c
                .error(&path(), "expected [time, offset, flags, score, id, pain]");
            return None;
        };
        let Some(at) = at.as_i64() else {
            self.c.error(
                &pointer(&path(), 0),
                "expected a whole number (milliseconds)",
            );
            return None;
        };
        let off = match off.as_i64() {
            Some(o) if (-1439..=1439).contains(&o) => o as i16,
            _ => {
                self.c.error(
                    &pointer(&path(), 1),
                    "expected an offset in minutes (±1439)",
                );
                return None;
            }
        };
        let flags = match flags.as_u64() {
            Some(f) if f <= 15 => f as u8,
            _ => {
                self.c.error(&pointer(&path(), 2), "expected flags 0–15");
                return None;
            }
        };
        let limit = (MAX_SCALE_ABS * 1000.0) as i64;
        let score = match score.as_i64() {
            Some(s) if (-limit..=limit).contains(&s) => s,
            _ => {
                self.c
                    .error(&pointer(&path(), 3), "expected a score in thousandths");
                return None;
            }
        };
        let id = match id {
            Value::String(s) if !s.is_empty() => self.intern(s),
            _ => {
                self.c
                    .error(&pointer(&path(), 4), "expected a non-empty id");
                return None;
            }
        };
        let mut labels = Vec::new();
        let dims = &t.engine.compiled().dimensions;
        for (i, x) in pain
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or(&[])
            .iter()
            .enumerate()
        {
            let ok = x.as_u64().and_then(|x| u32::try_from(x).ok()).filter(|x| {
                let (d, l) = ((x >> 16) as usize, (x & 0xFFFF) as usize);
                t.pain_dims.contains(&d) && dims.get(d).is_some_and(|dd| l < dd.labels.len())
            });
            match ok {
                Some(x) => labels.push(x),
                None => self.c.error(
                    &pointer(&pointer(&path(), 5), i),
                    "not a pain label of this pack",
                ),
            }
        }
        if !pain.is_array() {
            self.c.error(&pointer(&path(), 5), "expected an array");
        }
        Some(Entry {
            at,
            off,
            flags,
            score,
            id,
            pain: labels.into_boxed_slice(),
        })
    }
}
