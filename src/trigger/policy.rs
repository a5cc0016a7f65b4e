//! Trigger flow, the configuration: the pack's `triggers` section read into typed [`Policy`]s
//! (event → **policy** match → window → alert), validated with every problem located by a JSON
//! pointer into the pack, exactly like the rest of the pack.

use crate::error::{pointer, Problem};
use crate::pack::{Pack, Route};
use crate::trigger::event::Scale;
use crate::validate::{type_name, Checker};
use serde_json::{Map, Value};

/// Longest duration accepted anywhere in the section (ten years).
pub const MAX_DURATION_MS: i64 = 3650 * 86_400_000;

/// A duration as written in the pack (`"30m"`, `"3d"`) and in milliseconds.
#[derive(Debug, Clone, PartialEq)]
pub struct Duration {
    /// Milliseconds.
    pub ms: i64,
    /// As written, for alerts and messages.
    pub text: String,
}

impl Duration {
    /// Parse `<whole number><unit>`, unit one of `ms`, `s`, `m`, `h`, `d`, `w`; `"0"` is allowed.
    pub fn parse(s: &str) -> Result<Duration, String> {
        let t = s.trim();
        let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
        let (num, unit) = t.split_at(split);
        if num.is_empty() || num.len() > 12 {
            return Err(format!(
                "\"{s}\" is not a duration: expected a whole number and a unit (ms, s, m, h, d, w), e.g. \"30m\" or \"3d\""
            ));
        }
        let n: i64 = num.parse().map_err(|_| format!("\"{s}\": bad number"))?;
        let unit_ms: i64 = match unit {
            "ms" => 1,
            "s" => 1000,
            "m" => 60_000,
            "h" => 3_600_000,
            "d" => 86_400_000,
            "w" => 7 * 86_400_000,
            "" if n == 0 => 1,
            _ => {
                return Err(format!(
                    "\"{s}\": unknown unit \"{unit}\"; use ms, s, m, h, d or w"
                ))
            }
        };
        let ms = n.saturating_mul(unit_ms);
        if ms > MAX_DURATION_MS {
            return Err(format!("\"{s}\" is longer than ten years"));
        }
        Ok(Duration {
            ms,
            text: t.to_string(),
        })
    }
}

/// What a policy watches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyKind {
    /// One low score (optionally with a condition on fields and comment).
    Immediate,
    /// At least N low scores in a sliding window.
    LowCount,
    /// Mean score at or below X with at least M scores.
    Mean,
    /// NPS at or below Y with at least M responses.
    Nps,
    /// Share of low scores in the window above the share in the baseline window before it.
    LowShare,
    /// At least N classified complaints (matching a condition) in a sliding window.
    Surge,
}

impl PolicyKind {
    /// The name used in packs and alerts.
    pub fn as_str(&self) -> &'static str {
        match self {
            PolicyKind::Immediate => "immediate",
            PolicyKind::LowCount => "low_count",
            PolicyKind::Mean => "mean",
            PolicyKind::Nps => "nps",
            PolicyKind::LowShare => "low_share",
            PolicyKind::Surge => "surge",
        }
    }

    fn parse(s: &str) -> Option<PolicyKind> {
        Some(match s {
            "immediate" => PolicyKind::Immediate,
            "low_count" => PolicyKind::LowCount,
            "mean" => PolicyKind::Mean,
            "nps" => PolicyKind::Nps,
            "low_share" => PolicyKind::LowShare,
            "surge" => PolicyKind::Surge,
            _ => return None,
        })
    }

    /// True for the kinds that keep a window.
    pub fn windowed(&self) -> bool {
        !matches!(self, PolicyKind::Immediate)
    }

    /// True for the kinds fed by complaint decisions rather than feedback scores.
    pub fn complaints(&self) -> bool {
        matches!(self, PolicyKind::Surge)
    }
}

/// A threshold on a mean or an NPS.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Bound {
    /// Breach when the metric ≤ the value.
    AtMost(f64),
    /// Breach when the metric < the value.
    Below(f64),
}

impl Bound {
    /// Is `x` on the bad side?
    pub fn breached(&self, x: f64) -> bool {
        match self {
            Bound::AtMost(v) => x <= *v,
            Bound::Below(v) => x < *v,
        }
    }
    /// The threshold value.
    pub fn value(&self) -> f64 {
        match self {
            Bound::AtMost(v) | Bound::Below(v) => *v,
        }
    }
    /// `≤` or `<`, for messages.
    pub fn symbol(&self) -> &'static str {
        match self {
            Bound::AtMost(_) => "≤",
            Bound::Below(_) => "<",
        }
    }
}

/// One part of a group key.
#[derive(Debug, Clone, PartialEq)]
pub enum GroupField {
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
pub struct PainSpec {
    /// Indices of pack dimensions.
    pub dims: Vec<usize>,
    /// Labels shown per dimension, most frequent first.
    pub top: usize,
}

/// One validated policy.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// Stable id, unique in the pack.
    pub id: String,
    /// Display name.
    pub name: String,
    /// What it watches.
    pub kind: PolicyKind,
    /// Accepted scales with their low-score threshold (score ≤ threshold is low); empty for surges.
    pub scales: Vec<(Scale, f64)>,
    /// Index of the policy's `when` condition in the compiled condition set.
    pub when: Option<usize>,
    /// Group key fields (empty: one group).
    pub group_by: Vec<GroupField>,
    /// Sliding window (windowed kinds).
    pub window: Option<Duration>,
    /// Baseline window just before the window (`low_share`).
    pub baseline: Option<Duration>,
    /// Count threshold (`low_count`, `surge`).
    pub at_least: u32,
    /// Mean or NPS bound.
    pub bound: Option<Bound>,
    /// Minimum scores in the window for the metric to count (`mean`, `nps`, `low_share`).
    pub min_count: u32,
    /// Minimum scores in the baseline window (`low_share`).
    pub min_baseline: u32,
    /// `low_share`: share − baseline share must exceed this.
    pub above_by: f64,
    /// `low_share`: share must be at least this multiple of the baseline share.
    pub ratio: Option<f64>,
    /// No second `fired` alert for the same group within this time.
    pub cooldown: Duration,
    /// Emit `recovered` after the metric has been good for this long.
    pub recovery: Option<Duration>,
    /// Alert severity, free text (`info`, `warning`, `critical`…).
    pub severity: String,
    /// Owner; when absent, the route of the top pain label, else the pack's default route.
    pub route: Option<Route>,
    /// Handling deadline in hours after the alert.
    pub deadline_hours: Option<u64>,
    /// Pain-point summary.
    pub pain: PainSpec,
}

impl Policy {
    /// The low-score threshold for a scale, or None when the policy does not take that scale.
    pub fn low_for(&self, scale: &Scale) -> Option<f64> {
        self.scales
            .iter()
            .find(|(s, _)| s == scale)
            .map(|(_, low)| *low)
    }

    /// Window plus baseline: how far back evaluation reaches.
    pub fn span_ms(&self) -> i64 {
        self.window.as_ref().map_or(0, |w| w.ms) + self.baseline.as_ref().map_or(0, |b| b.ms)
    }
}

/// The whole `triggers` section.
#[derive(Debug, Clone, PartialEq)]
pub struct TriggerSpec {
    /// Events older than the watermark minus this are reported late and not counted.
    pub allowed_lateness: Duration,
    /// At most this many event ids are listed per alert (the total is always given).
    pub max_event_ids: usize,
    /// Policies in pack order (alerts of one event come out in this order).
    pub policies: Vec<Policy>,
    /// Raw `when` conditions: (JSON pointer of the condition, the condition).
    pub conditions: Vec<(String, Value)>,
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

/// Keys that only some kinds take, with those kinds.
fn applies(key: &str, kind: PolicyKind) -> bool {
    use PolicyKind::*;
    match key {
        "scale" | "low" => kind != Surge,
        "window" | "recovery" => kind.windowed(),
        "baseline" | "above_by" | "ratio" | "min_baseline" => kind == LowShare,
        "at_least" => matches!(kind, LowCount | Surge),
        "at_most" | "below" => matches!(kind, Mean | Nps),
        "min_count" => matches!(kind, Mean | Nps | LowShare),
        _ => true,
    }
}

/// Read the `triggers` section of a validated pack (no section: no policies). Returns what
/// could be read — conditions included, so that they can be checked too — and every problem.
pub fn read(pack: &Pack) -> (TriggerSpec, Vec<Problem>) {
    let mut c = Checker::default();
    let empty = TriggerSpec {
        allowed_lateness: Duration {
            ms: 0,
            text: "0s".into(),
        },
        max_event_ids: 100,
        policies: Vec::new(),
        conditions: Vec::new(),
    };
    let spec = match &pack.triggers {
        None => empty,
        Some(v) => read_section(v, pack, &mut c).unwrap_or(empty),
    };
    (spec, c.problems)
}

fn duration(c: &mut Checker, m: &Map<String, Value>, key: &str, path: &str) -> Option<Duration> {
    match m.get(key) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => match Duration::parse(s) {
            Ok(d) => Some(d),
            Err(e) => {
                c.error(&pointer(path, key), e);
                None
            }
        },
        Some(other) => {
            c.error(
                &pointer(path, key),
                format!(
                    "expected a duration string such as \"3d\", found {}",
                    type_name(other)
                ),
            );
            None
        }
    }
}

fn read_pain(
    c: &mut Checker,
    v: &Value,
    path: &str,
    pack: &Pack,
    default: &PainSpec,
) -> Option<PainSpec> {
    let m = c.object(v, path, &["dimensions", "top"])?;
    let dims = match c.strings(m, "dimensions", path) {
        None => default.dims.clone(),
        Some(names) => {
            let mut out = Vec::new();
            for (i, d) in names.iter().enumerate() {
                match pack.dimensions.iter().position(|x| &x.id == d) {
                    Some(di) => out.push(di),
                    None => c.error(
                        &pointer(&pointer(path, "dimensions"), i),
                        format!(
                            "unknown dimension \"{d}\"; the pack has: {}",
                            pack.dimensions
                                .iter()
                                .map(|x| x.id.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
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
    Some(PainSpec { dims, top })
}

fn read_section(v: &Value, pack: &Pack, c: &mut Checker) -> Option<TriggerSpec> {
    let m = c.object(
        v,
        "/triggers",
        &[
            "allowed_lateness",
            "max_event_ids",
            "pain_points",
            "policies",
        ],
    )?;
    let allowed_lateness = duration(c, m, "allowed_lateness", "/triggers").unwrap_or(Duration {
        ms: 0,
        text: "0s".into(),
    });
    let max_event_ids = c
        .count(m, "max_event_ids", "/triggers", 100_000)
        .map_or(100, |n| n as usize);
    // Default pain dimensions: every dimension of the pack.
    let all = PainSpec {
        dims: (0..pack.dimensions.len()).collect(),
        top: 3,
    };
    let pain_default = match m.get("pain_points") {
        Some(p) => read_pain(c, p, "/triggers/pain_points", pack, &all).unwrap_or(all),
        None => all,
    };
    let mut policies = Vec::new();
    let mut conditions = Vec::new();
    match m.get("policies") {
        Some(Value::Array(ps)) => {
            for (i, p) in ps.iter().enumerate() {
                let path = pointer("/triggers/policies", i);
                if let Some(pol) = read_policy(c, p, &path, pack, &pain_default, &mut conditions) {
                    if policies.iter().any(|x: &Policy| x.id == pol.id) {
                        c.error(
                            &pointer(&path, "id"),
                            format!("duplicate policy id \"{}\"", pol.id),
                        );
                    }
                    policies.push(pol);
                }
            }
        }
        Some(other) => c.error(
            "/triggers/policies",
            format!("expected an array, found {}", type_name(other)),
        ),
        None => c.error("/triggers", "missing required key \"policies\""),
    }
    Some(TriggerSpec {
        allowed_lateness,
        max_event_ids,
        policies,
        conditions,
    })
}

fn read_policy(
    c: &mut Checker,
    v: &Value,
    path: &str,
    pack: &Pack,
    pain_default: &PainSpec,
    conditions: &mut Vec<(String, Value)>,
) -> Option<Policy> {
    let m = c.object(v, path, POLICY_KEYS)?;
    let id = c.nonempty_string(m, "id", path);
    let name = c.string(m, "name", path, false);
    c.string(m, "description", path, false);
    let kind = match c.string(m, "kind", path, true) {
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
    };
    let kind = kind?;
    for key in m.keys() {
        if !applies(key, kind) && POLICY_KEYS.contains(&key.as_str()) {
            c.error(
                &pointer(path, key),
                format!("\"{key}\" does not apply to a {} policy", kind.as_str()),
            );
        }
    }
    let scales = if kind == PolicyKind::Surge {
        Vec::new()
    } else {
        read_scales(c, m, path, kind)
    };
    let when = m.get("when").map(|w| {
        conditions.push((pointer(path, "when"), w.clone()));
        conditions.len() - 1
    });
    let mut group_by = Vec::new();
    if let Some(g) = m.get("group_by") {
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
                Some(dim) => match pack.dimensions.iter().position(|d| d.id == dim) {
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
    }
    let window = duration(c, m, "window", path);
    if kind.windowed() {
        match &window {
            None if !m.contains_key("window") => c.error(path, "missing required key \"window\""),
            Some(w) if w.ms <= 0 => {
                c.error(&pointer(path, "window"), "the window must be longer than 0")
            }
            _ => {}
        }
    }
    let baseline = duration(c, m, "baseline", path);
    if kind == PolicyKind::LowShare {
        match &baseline {
            None if !m.contains_key("baseline") => {
                c.error(path, "missing required key \"baseline\"")
            }
            Some(b) if b.ms <= 0 => c.error(
                &pointer(path, "baseline"),
                "the baseline must be longer than 0",
            ),
            _ => {}
        }
    }
    let at_least = c.count(m, "at_least", path, 1_000_000);
    if matches!(kind, PolicyKind::LowCount | PolicyKind::Surge) {
        match at_least {
            None if !m.contains_key("at_least") => {
                c.error(path, "missing required key \"at_least\"")
            }
            Some(0) => c.error(&pointer(path, "at_least"), "must be at least 1"),
            _ => {}
        }
    }
    let at_most = c.number(m, "at_most", path);
    let below = c.number(m, "below", path);
    let bound = match (at_most, below) {
        (Some(x), None) => Some(Bound::AtMost(x)),
        (None, Some(x)) => Some(Bound::Below(x)),
        (Some(_), Some(_)) => {
            c.error(path, "give either \"at_most\" or \"below\", not both");
            None
        }
        (None, None) => {
            if matches!(kind, PolicyKind::Mean | PolicyKind::Nps)
                && !m.contains_key("at_most")
                && !m.contains_key("below")
            {
                c.error(path, "missing the threshold: \"at_most\" or \"below\"");
            }
            None
        }
    };
    if kind == PolicyKind::Nps {
        if let Some(b) = bound {
            if !(-100.0..=100.0).contains(&b.value()) {
                c.error(path, "an NPS threshold lies between -100 and 100");
            }
        }
    }
    let min_count = c.count(m, "min_count", path, 1_000_000);
    if matches!(
        kind,
        PolicyKind::Mean | PolicyKind::Nps | PolicyKind::LowShare
    ) && min_count.is_none()
        && !m.contains_key("min_count")
    {
        c.error(
            path,
            "missing required key \"min_count\" (how many scores make the metric meaningful)",
        );
    }
    let min_baseline = c.count(m, "min_baseline", path, 1_000_000);
    let above_by = c.number_in(m, "above_by", path, 0.0, 1.0);
    let ratio = c.number_in(m, "ratio", path, 1.0, 1000.0);
    // Without a cooldown, a windowed policy waits one window before firing again for the group
    // (the events that fired it have left the window by then); an immediate one never waits.
    let cooldown = duration(c, m, "cooldown", path).unwrap_or_else(|| match (&window, kind) {
        (Some(w), k) if k.windowed() => w.clone(),
        _ => Duration {
            ms: 0,
            text: "0s".into(),
        },
    });
    let recovery = match m.get("recovery") {
        None | Some(Value::Null) => None,
        Some(r) => {
            let rp = pointer(path, "recovery");
            c.object(r, &rp, &["for"]).and_then(|rm| {
                let d = duration(c, rm, "for", &rp);
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
        Some(Route { department, queue })
    });
    let deadline_hours = c.count(m, "deadline_hours", path, 100_000);
    let pain = match m.get("pain_points") {
        Some(p) => read_pain(c, p, &pointer(path, "pain_points"), pack, pain_default)
            .unwrap_or_else(|| pain_default.clone()),
        None => pain_default.clone(),
    };
    let id = id?;
    Some(Policy {
        name: name.unwrap_or_else(|| id.clone()),
        id,
        kind,
        scales,
        when,
        group_by,
        window,
        baseline,
        at_least: at_least.unwrap_or(1) as u32,
        bound,
        min_count: min_count.unwrap_or(1).max(1) as u32,
        min_baseline: min_baseline.unwrap_or(1).max(1) as u32,
        above_by: above_by.unwrap_or(0.0),
        ratio,
        cooldown,
        recovery,
        severity,
        route,
        deadline_hours,
        pain,
    })
}

/// `scale` + `low`: one scale with an optional threshold, or `low` as a map scale → threshold.
fn read_scales(
    c: &mut Checker,
    m: &Map<String, Value>,
    path: &str,
    kind: PolicyKind,
) -> Vec<(Scale, f64)> {
    let scale = match m.get("scale") {
        None | Some(Value::Null) => None,
        Some(s) => Scale::read(s, &pointer(path, "scale"), c),
    };
    let lp = pointer(path, "low");
    let mut out: Vec<(Scale, f64)> = Vec::new();
    match m.get("low") {
        Some(Value::Object(lm)) => {
            if m.contains_key("scale") {
                c.error(&lp, "with \"scale\", \"low\" is one number; without it, an object of scale name → threshold");
            }
            for (name, t) in lm {
                let sp = pointer(&lp, name);
                let Some(sc) = Scale::read(&Value::String(name.clone()), &sp, c) else {
                    continue;
                };
                match t.as_f64() {
                    Some(x) => out.push((sc, x)),
                    None => c.error(&sp, format!("expected a number, found {}", type_name(t))),
                }
            }
            if out.is_empty() && !c.has_errors() {
                c.error(&lp, "name at least one scale");
            }
        }
        Some(Value::Number(n)) => match (scale, n.as_f64()) {
            (Some(sc), Some(x)) => out.push((sc, x)),
            (None, Some(x)) if kind == PolicyKind::Nps => out.push((Scale::Nps, x)),
            (None, _) => c.error(
                path,
                "missing required key \"scale\" (the scale \"low\" is on)",
            ),
            _ => c.error(&lp, "number out of range"),
        },
        None | Some(Value::Null) => match scale.or((kind == PolicyKind::Nps).then_some(Scale::Nps))
        {
            Some(sc) => match sc.default_low() {
                Some(x) => out.push((sc, x)),
                None => c.error(
                    path,
                    "a custom scale needs \"low\" (scores at or below it are low)",
                ),
            },
            None => c.error(path, "missing required key \"scale\""),
        },
        Some(other) => c.error(
            &lp,
            format!("expected a number or an object, found {}", type_name(other)),
        ),
    }
    for (sc, low) in &out {
        let (lo, hi) = sc.bounds();
        if *low < lo || *low >= hi {
            c.error(
                &lp,
                format!(
                    "a low-score threshold on {} must lie in [{lo}, {hi}), found {low}",
                    sc.name()
                ),
            );
        }
    }
    if matches!(kind, PolicyKind::Mean) && out.len() > 1 {
        c.error(&lp, "a mean is taken on one scale");
    }
    if kind == PolicyKind::Nps && out.iter().any(|(s, _)| *s != Scale::Nps) {
        c.error(path, "an nps policy takes the nps scale (0–10)");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        let d = |s: &str| Duration::parse(s).map(|d| d.ms);
        assert_eq!(d("30m"), Ok(1_800_000));
        assert_eq!(d("3d"), Ok(259_200_000));
        assert_eq!(d("2w"), Ok(1_209_600_000));
        assert_eq!(d("500ms"), Ok(500));
        assert_eq!(d("0"), Ok(0));
        assert_eq!(d("0s"), Ok(0));
        assert!(d("3").is_err());
        assert!(d("d").is_err());
        assert!(d("1.5h").is_err());
        assert!(d("3 days").is_err());
        assert!(d("99999999999w").is_err());
        assert!(d("-1h").is_err());
    }

    #[test]
    fn bounds() {
        assert!(Bound::AtMost(0.0).breached(0.0));
        assert!(!Bound::Below(0.0).breached(0.0));
        assert!(Bound::Below(0.0).breached(-0.5));
    }
}
