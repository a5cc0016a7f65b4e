//! The `triggers` section: policies that raise alerts on low scores and surges. The keys every
//! policy has (id, scales, `when`, `group_by`, window, cooldown, recovery, route, pain points) are
//! read here; each kind's own keys by its module in `policy`; `when` conditions by their kinds in
//! `condition`, after every policy, so their problems follow the policies' (docs/triggers.md).

use super::{PackReader, RouteDef};
use crate::codec::{Reader, Res, Writer};
use crate::condition::{CondDef, Scope};
use crate::error::pointer;
use crate::json::{type_name, Checker};
use crate::policy::{read_duration, read_scales, PolicyKind, Scale};
use crate::time::Duration;
use serde_json::{Map, Value};

/// The whole `triggers` section (no policies when the pack has none).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TriggerSpec {
    /// Events older than the watermark minus this are reported late and not counted.
    pub allowed_lateness: Duration,
    /// At most this many event ids are listed per alert (the total is always given).
    pub max_event_ids: usize,
    /// An event more than this after the watermark is held until another confirms the jump.
    pub max_ahead: Duration,
    /// At most this many groups (over all policies) are kept; the least recently active go.
    pub max_groups: usize,
    /// Policies in pack order (alerts of one event come out in this order).
    pub policies: Vec<PolicyDef>,
}

impl Default for TriggerSpec {
    fn default() -> Self {
        TriggerSpec {
            allowed_lateness: Duration::zero(),
            max_event_ids: 100,
            // A mistyped year or month is caught; a sparse stream's ordinary gaps of a few days
            // pass untouched (a longer gap only delays its first event: see `ahead`).
            max_ahead: Duration {
                ms: 7 * 86_400_000,
                text: "7d".into(),
            },
            max_groups: 100_000,
            policies: Vec::new(),
        }
    }
}

/// One part of a group key.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum GroupField {
    /// A dotted path into the event (or complaint) object.
    Field {
        /// As written, also the key in the alert's `group`.
        path: String,
        /// Its segments.
        segments: Vec<String>,
    },
    /// `labels.<dimension>`: the top label the pack gives the item's text on that dimension.
    Label {
        /// As written.
        path: String,
        /// Index of the dimension in the pack.
        dim: usize,
    },
}

impl GroupField {
    /// As written in the pack.
    pub fn path(&self) -> &str {
        match self {
            GroupField::Field { path, .. } | GroupField::Label { path, .. } => path,
        }
    }
}

/// Which dimensions pain points summarise, and how many labels each shows.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PainSpec {
    /// Indices of pack dimensions.
    pub dims: Vec<usize>,
    /// Labels shown per dimension, most frequent first.
    pub top: usize,
}

/// One policy as the pack states it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PolicyDef {
    /// Stable id, unique in the pack.
    pub id: String,
    /// Display name.
    pub name: String,
    /// What it watches, with the kind's own parameters.
    pub kind: PolicyKind,
    /// Accepted scales with their low-score threshold (score ≤ threshold is low); empty for surges.
    pub scales: Vec<(Scale, f64)>,
    /// The policy has a `when` condition an event (or complaint) must meet (the condition
    /// itself is compiled with the pack's other conditions: `CompiledPack::policy_conditions`).
    pub conditional: bool,
    /// Group key fields (empty: one group).
    pub group_by: Vec<GroupField>,
    /// Sliding window (windowed kinds).
    pub window: Option<Duration>,
    /// No second `fired` alert for the same group within this time.
    pub cooldown: Duration,
    /// Emit `recovered` after the metric has been good for this long.
    pub recovery: Option<Duration>,
    /// Alert severity, free text (`info`, `warning`, `critical`…).
    pub severity: String,
    /// Owner; when absent, the route of the top pain label, else the pack's default route.
    pub route: Option<RouteDef>,
    /// Handling deadline in hours after the alert.
    pub deadline_hours: Option<u64>,
    /// Pain-point summary.
    pub pain: PainSpec,
}

impl PolicyDef {
    /// The low-score threshold for a scale, or None when the policy does not take that scale.
    pub fn low_for(&self, scale: &Scale) -> Option<f64> {
        self.scales
            .iter()
            .find(|(s, _)| s == scale)
            .map(|(_, low)| *low)
    }

    /// Window plus baseline: how far back evaluation reaches.
    pub fn span_ms(&self) -> i64 {
        self.window
            .as_ref()
            .map_or(0, |w| w.ms)
            .saturating_add(self.kind.baseline_ms())
    }
}

impl TriggerSpec {
    /// Write the section (compiled packs; the policies' conditions are stored with the pack's
    /// other conditions).
    pub(crate) fn write(&self, w: &mut Writer) {
        self.allowed_lateness.write(w);
        w.size(self.max_event_ids);
        self.max_ahead.write(w);
        w.size(self.max_groups);
        w.list(&self.policies, |w, p| p.write(w));
    }

    /// Read a section written by [`TriggerSpec::write`] for a pack of `dims` dimensions.
    pub(crate) fn load(r: &mut Reader, dims: usize) -> Res<TriggerSpec> {
        let allowed_lateness = Duration::load(r)?;
        let max_event_ids = r.size(100_000, "max_event_ids")?;
        let max_ahead = Duration::load(r)?;
        if max_ahead.ms < 60_000 {
            return Err(r.corrupt("max_ahead under 1m"));
        }
        let max_groups = r.size(100_000_000, "max_groups")?;
        if max_groups < 10 {
            return Err(r.corrupt("max_groups under 10"));
        }
        let policies = r.list(1, |r| PolicyDef::load(r, dims))?;
        let mut ids = std::collections::HashSet::with_capacity(policies.len());
        for p in &policies {
            if !ids.insert(p.id.as_str()) {
                return Err(r.corrupt(format!("duplicate policy id \"{}\"", p.id)));
            }
        }
        Ok(TriggerSpec {
            allowed_lateness,
            max_event_ids,
            max_ahead,
            max_groups,
            policies,
        })
    }
}

impl PolicyDef {
    fn write(&self, w: &mut Writer) {
        w.str(&self.id);
        w.str(&self.name);
        self.kind.write(w);
        w.list(&self.scales, |w, (scale, low)| {
            scale.write(w);
            w.f64(*low);
        });
        w.bool(self.conditional);
        w.list(&self.group_by, |w, g| match g {
            GroupField::Field { path, .. } => {
                w.u8(1);
                w.str(path);
            }
            GroupField::Label { path, dim } => {
                w.u8(2);
                w.str(path);
                w.size(*dim);
            }
        });
        let duration = |w: &mut Writer, d: &Option<Duration>| match d {
            None => w.u8(0),
            Some(d) => {
                w.u8(1);
                d.write(w);
            }
        };
        duration(w, &self.window);
        self.cooldown.write(w);
        duration(w, &self.recovery);
        w.str(&self.severity);
        write_route(w, self.route.as_ref());
        w.opt_size(self.deadline_hours.map(|h| h as usize));
        w.list(&self.pain.dims, |w, &d| w.size(d));
        w.size(self.pain.top);
    }

    fn load(r: &mut Reader, dims: usize) -> Res<PolicyDef> {
        let id = r.str()?;
        let name = r.str()?;
        let kind = PolicyKind::load(r)?;
        let scales = r.list(1, |r| {
            let scale = Scale::load(r)?;
            let low = r.finite("low")?;
            let (lo, hi) = scale.bounds();
            if low < lo || low >= hi {
                return Err(r.corrupt(format!("low {low} outside [{lo}, {hi})")));
            }
            Ok((scale, low))
        })?;
        let conditional = r.bool()?;
        let group_by = r.list(1, |r| match r.u8()? {
            1 => {
                let path = r.str()?;
                Ok(GroupField::Field {
                    segments: path.split('.').map(str::to_string).collect(),
                    path,
                })
            }
            2 => Ok(GroupField::Label {
                path: r.str()?,
                dim: r.index(dims, "dimension")?,
            }),
            t => Err(r.corrupt(format!("unknown group field {t}"))),
        })?;
        let duration = |r: &mut Reader| -> Res<Option<Duration>> {
            match r.u8()? {
                0 => Ok(None),
                1 => Duration::load(r).map(Some),
                t => Err(r.corrupt(format!("{t} is not an option tag"))),
            }
        };
        let window = duration(r)?;
        if kind.windowed() && !window.as_ref().is_some_and(|w| w.ms > 0) {
            return Err(r.corrupt(format!("policy \"{id}\" has no window")));
        }
        let cooldown = Duration::load(r)?;
        let recovery = duration(r)?;
        let severity = r.str()?;
        let route = read_route(r)?;
        let deadline_hours = r.opt_size(100_000, "deadline_hours")?.map(|h| h as u64);
        let pain = PainSpec {
            dims: r.list(1, |r| r.index(dims, "dimension"))?,
            top: r.size(100, "pain points top")?,
        };
        Ok(PolicyDef {
            id,
            name,
            kind,
            scales,
            conditional,
            group_by,
            window,
            cooldown,
            recovery,
            severity,
            route,
            deadline_hours,
            pain,
        })
    }
}

/// Write an optional route (compiled packs).
pub(crate) fn write_route(w: &mut Writer, route: Option<&RouteDef>) {
    match route {
        None => w.u8(0),
        Some(r) => {
            w.u8(1);
            w.str(&r.department);
            w.opt_str(r.queue.as_deref());
        }
    }
}

/// Read an optional route written by [`write_route`].
pub(crate) fn read_route(r: &mut Reader) -> Res<Option<RouteDef>> {
    match r.u8()? {
        0 => Ok(None),
        1 => Ok(Some(RouteDef {
            department: r.str()?,
            queue: r.opt_str()?,
        })),
        t => Err(r.corrupt(format!("{t} is not an option tag"))),
    }
}

const POLICY_KEYS: &[&str] = &[
    "id",
    "name",
    "description",
    "kind",
    "scale",
    "low",
    "when",
    "group_by",
    "window",
    "baseline",
    "at_least",
    "at_most",
    "below",
    "min_count",
    "min_baseline",
    "above_by",
    "ratio",
    "cooldown",
    "recovery",
    "severity",
    "route",
    "deadline_hours",
    "pain_points",
];

impl PackReader {
    /// Read the `triggers` section (after the dimensions: group keys and pain points name them),
    /// with each policy's `when` condition as written (None when it has none).
    pub(super) fn read_triggers(&mut self, v: &Value) -> (TriggerSpec, Vec<Option<CondDef>>) {
        let mut spec = TriggerSpec::default();
        let mut conditions = Vec::new();
        let Some(m) = self.c.object(
            v,
            "/triggers",
            &[
                "allowed_lateness",
                "max_event_ids",
                "max_ahead",
                "max_groups",
                "pain_points",
                "policies",
            ],
        ) else {
            return (spec, conditions);
        };
        let c = &mut self.c;
        spec.allowed_lateness =
            read_duration(c, m, "allowed_lateness", "/triggers").unwrap_or_else(Duration::zero);
        spec.max_event_ids = c
            .count(m, "max_event_ids", "/triggers", 100_000)
            .map_or(100, |n| n as usize);
        if let Some(d) = read_duration(c, m, "max_ahead", "/triggers") {
            if d.ms < 60_000 {
                c.error("/triggers/max_ahead", "max_ahead is at least 1m");
            }
            spec.max_ahead = d;
        }
        if let Some(n) = c.count(m, "max_groups", "/triggers", 100_000_000) {
            if n < 10 {
                c.error("/triggers/max_groups", "max_groups is at least 10");
            }
            spec.max_groups = (n as usize).max(10);
        }
        let dims: Vec<&str> = self.dims.iter().map(|(id, _)| id.as_str()).collect();
        // Default pain dimensions: every dimension of the pack.
        let all = PainSpec {
            dims: (0..dims.len()).collect(),
            top: 3,
        };
        let pain_default = match m.get("pain_points") {
            Some(p) => read_pain(c, p, "/triggers/pain_points", &dims, &all).unwrap_or(all),
            None => all,
        };
        let mut whens: Vec<(usize, String, &Value)> = Vec::new();
        match m.get("policies") {
            Some(Value::Array(ps)) => {
                for (i, p) in ps.iter().enumerate() {
                    let path = pointer("/triggers/policies", i);
                    let Some((pol, when)) = read_policy(c, p, &path, &dims, &pain_default) else {
                        continue;
                    };
                    if spec.policies.iter().any(|x| x.id == pol.id) {
                        c.error(
                            &pointer(&path, "id"),
                            format!("duplicate policy id \"{}\"", pol.id),
                        );
                    }
                    if let Some(w) = when {
                        whens.push((spec.policies.len(), pointer(&path, "when"), w));
                    }
                    spec.policies.push(pol);
                }
            }
            Some(other) => c.error(
                "/triggers/policies",
                format!("expected an array, found {}", type_name(other)),
            ),
            None => c.error("/triggers", "missing required key \"policies\""),
        }
        conditions.resize(spec.policies.len(), None);
        for (pi, path, w) in whens {
            let cond = self.cond(w, &path, Scope::All);
            if let Some(p) = spec.policies.get_mut(pi) {
                p.conditional = cond.is_some();
            }
            if let Some(c) = conditions.get_mut(pi) {
                *c = cond;
            }
        }
        (spec, conditions)
    }
}

/// One policy and its raw `when` condition (read after every policy).
fn read_policy<'v>(
    c: &mut Checker,
    v: &'v Value,
    path: &str,
    dims: &[&str],
    pain_default: &PainSpec,
) -> Option<(PolicyDef, Option<&'v Value>)> {
    let m = c.object(v, path, POLICY_KEYS)?;
    let id = c.nonempty_string(m, "id", path);
    let name = c.string(m, "name", path, false);
    c.string(m, "description", path, false);
    let mut kind = match c.string(m, "kind", path, true) {
        Some(k) => match PolicyKind::parse(&k) {
            Some(k) => Some(k),
            None => {
                c.error(
                    &pointer(path, "kind"),
                    format!("unknown kind \"{k}\"; expected immediate, low_count, mean, nps, low_share or surge"),
                );
                None
            }
        },
        None => None,
    }?;
    for key in m.keys() {
        if !kind.applies(key) && POLICY_KEYS.contains(&key.as_str()) {
            c.error(
                &pointer(path, key),
                format!("\"{key}\" does not apply to a {} policy", kind.as_str()),
            );
        }
    }
    let scales = if kind.complaints() {
        Vec::new()
    } else {
        read_scales(c, m, path, &kind)
    };
    let when = m.get("when");
    let group_by = read_group_by(c, m, path, dims);
    let window = read_duration(c, m, "window", path);
    if kind.windowed() {
        match &window {
            None if !m.contains_key("window") => c.error(path, "missing required key \"window\""),
            Some(w) if w.ms <= 0 => {
                c.error(&pointer(path, "window"), "the window must be longer than 0")
            }
            _ => {}
        }
    }
    kind.read(c, m, path);
    // Without a cooldown, a windowed policy waits one window before firing again for the group
    // (the events that fired it have left the window by then); an immediate one never waits.
    let cooldown = read_duration(c, m, "cooldown", path).unwrap_or_else(|| match &window {
        Some(w) if kind.windowed() => w.clone(),
        _ => Duration::zero(),
    });
    let recovery = match m.get("recovery") {
        None | Some(Value::Null) => None,
        Some(r) => {
            let rp = pointer(path, "recovery");
            c.object(r, &rp, &["for"]).and_then(|rm| {
                let d = read_duration(c, rm, "for", &rp);
                if d.is_none() && !rm.contains_key("for") {
                    c.error(
                        &rp,
                        "missing required key \"for\" (how long the metric must stay good)",
                    );
                }
                d
            })
        }
    };
    let severity = c
        .string(m, "severity", path, false)
        .unwrap_or_else(|| "warning".into());
    let route = m.get("route").and_then(|r| {
        let rp = pointer(path, "route");
        let rm = c.object(r, &rp, &["department", "queue"])?;
        let department = c.nonempty_string(rm, "department", &rp)?;
        let queue = c.string(rm, "queue", &rp, false);
        Some(RouteDef { department, queue })
    });
    let deadline_hours = c.count(m, "deadline_hours", path, 100_000);
    let pain = match m.get("pain_points") {
        Some(p) => read_pain(c, p, &pointer(path, "pain_points"), dims, pain_default)
            .unwrap_or_else(|| pain_default.clone()),
        None => pain_default.clone(),
    };
    let id = id?;
    let policy = PolicyDef {
        name: name.unwrap_or_else(|| id.clone()),
        id,
        kind,
        scales,
        conditional: false,
        group_by,
        window,
        cooldown,
        recovery,
        severity,
        route,
        deadline_hours,
        pain,
    };
    Some((policy, when))
}

/// `group_by`: one dotted path or a list of them; `labels.<dimension>` names a dimension.
fn read_group_by(
    c: &mut Checker,
    m: &Map<String, Value>,
    path: &str,
    dims: &[&str],
) -> Vec<GroupField> {
    let mut group_by = Vec::new();
    let Some(g) = m.get("group_by") else {
        return group_by;
    };
    let gp = pointer(path, "group_by");
    let list = match g {
        Value::String(s) => Some(vec![s.clone()]),
        other => c.string_list(other, &gp),
    };
    for (i, f) in list.unwrap_or_default().iter().enumerate() {
        let fp = if matches!(g, Value::String(_)) {
            gp.clone()
        } else {
            pointer(&gp, i)
        };
        if f.split('.').any(|s| s.is_empty()) {
            c.error(&fp, "a dotted path has an empty segment");
            continue;
        }
        if group_by.iter().any(|x: &GroupField| x.path() == f) {
            c.error(&fp, format!("\"{f}\" is listed twice"));
            continue;
        }
        match f.strip_prefix("labels.") {
            Some(dim) => match dims.iter().position(|d| *d == dim) {
                Some(di) => group_by.push(GroupField::Label {
                    path: f.clone(),
                    dim: di,
                }),
                None => c.error(&fp, format!("unknown dimension \"{dim}\"")),
            },
            None => group_by.push(GroupField::Field {
                path: f.clone(),
                segments: f.split('.').map(str::to_string).collect(),
            }),
        }
    }
    group_by
}

/// `pain_points`: `{dimensions, top}`, each defaulting to the section's (or every dimension, 3).
fn read_pain(
    c: &mut Checker,
    v: &Value,
    path: &str,
    dims: &[&str],
    default: &PainSpec,
) -> Option<PainSpec> {
    let m = c.object(v, path, &["dimensions", "top"])?;
    let chosen = match c.strings(m, "dimensions", path) {
        None => default.dims.clone(),
        Some(names) => {
            let mut out = Vec::new();
            for (i, d) in names.iter().enumerate() {
                match dims.iter().position(|x| x == d) {
                    Some(di) => out.push(di),
                    None => c.error(
                        &pointer(&pointer(path, "dimensions"), i),
                        format!(
                            "unknown dimension \"{d}\"; the pack has: {}",
                            dims.join(", ")
                        ),
                    ),
                }
            }
            out
        }
    };
    let top = c
        .count(m, "top", path, 100)
        .map_or(default.top, |t| t as usize);
    Some(PainSpec { dims: chosen, top })
}
