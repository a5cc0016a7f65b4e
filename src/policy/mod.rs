//! Trigger policy kinds, beside the flow: one module per kind — [`immediate`], [`low_count`],
//! [`mean`], [`nps`], [`low_share`], [`surge`] — each holding the keys only it takes (read with
//! every problem located), when it is breached, and how an alert states it. `pack` reads a
//! policy's common keys and hands the kind's own to its module; `trigger` keeps the windows and
//! asks the kind. Also here: the [`Scale`]s scores come on and the window [`metrics`] kinds judge.
//! How to add a kind: docs/contributing.md.

mod immediate;
mod low_count;
mod low_share;
mod mean;
mod metrics;
mod nps;
mod scale;
mod surge;

pub use metrics::{Agg, View, DETRACTOR, LOW, PROMOTER};
pub use scale::{Scale, MAX_SCALE_ABS};

use crate::codec::{Reader, Res, Writer};
use crate::error::pointer;
use crate::json::{type_name, Checker, Num};
use crate::time::Duration;
use serde_json::{Map, Value};

/// What a policy watches, with the parameters only that kind takes.
#[derive(Debug, Clone, PartialEq)]
pub enum PolicyKind {
    /// One low score (optionally with a condition on fields and comment).
    Immediate,
    /// At least N low scores in a sliding window.
    LowCount(low_count::LowCount),
    /// Mean score at or below X with at least M scores.
    Mean(mean::Mean),
    /// NPS at or below Y with at least M responses.
    Nps(nps::Nps),
    /// Share of low scores in the window above the share in the baseline window before it.
    LowShare(low_share::LowShare),
    /// At least N classified complaints (matching a condition) in a sliding window.
    Surge(surge::Surge),
}

/// The keys only some kinds take (every other policy key applies to every kind, but for
/// `scale`/`low`, which surges do not take, and `window`/`recovery`, which only windowed kinds
/// take).
const KIND_KEYS: &[&[&str]] = &[
    low_count::KEYS,
    mean::KEYS,
    nps::KEYS,
    low_share::KEYS,
    surge::KEYS,
];

/// What an alert's message is made of, besides the kind's own metric.
pub struct Wording<'a> {
    /// `≤ 2 on csat5, ≤ 6 on nps`: the low-score thresholds.
    pub low_at: &'a str,
    /// The window as written (`"1h"`), or empty.
    pub window: &'a str,
    /// The policy has a `when` condition.
    pub conditional: bool,
}

impl PolicyKind {
    /// The kind named `name`, with its parameters unset (see [`PolicyKind::read`]).
    pub fn parse(name: &str) -> Option<PolicyKind> {
        Some(match name {
            "immediate" => PolicyKind::Immediate,
            "low_count" => PolicyKind::LowCount(Default::default()),
            "mean" => PolicyKind::Mean(Default::default()),
            "nps" => PolicyKind::Nps(Default::default()),
            "low_share" => PolicyKind::LowShare(Default::default()),
            "surge" => PolicyKind::Surge(Default::default()),
            _ => return None,
        })
    }

    /// The name used in packs and alerts.
    pub fn as_str(&self) -> &'static str {
        match self {
            PolicyKind::Immediate => "immediate",
            PolicyKind::LowCount(_) => "low_count",
            PolicyKind::Mean(_) => "mean",
            PolicyKind::Nps(_) => "nps",
            PolicyKind::LowShare(_) => "low_share",
            PolicyKind::Surge(_) => "surge",
        }
    }

    /// The kinds that keep a window (all but `immediate`).
    pub fn windowed(&self) -> bool {
        !matches!(self, PolicyKind::Immediate)
    }

    /// The kinds fed by complaint decisions rather than feedback scores.
    pub fn complaints(&self) -> bool {
        matches!(self, PolicyKind::Surge(_))
    }

    /// The kinds that list and summarise only the low scores of the window when they fire.
    pub fn low_only(&self) -> bool {
        matches!(
            self,
            PolicyKind::Immediate | PolicyKind::LowCount(_) | PolicyKind::LowShare(_)
        )
    }

    fn own_keys(&self) -> &'static [&'static str] {
        match self {
            PolicyKind::Immediate => &[],
            PolicyKind::LowCount(_) => low_count::KEYS,
            PolicyKind::Mean(_) => mean::KEYS,
            PolicyKind::Nps(_) => nps::KEYS,
            PolicyKind::LowShare(_) => low_share::KEYS,
            PolicyKind::Surge(_) => surge::KEYS,
        }
    }

    /// Does a policy key apply to this kind?
    pub fn applies(&self, key: &str) -> bool {
        if KIND_KEYS.iter().any(|keys| keys.contains(&key)) {
            return self.own_keys().contains(&key);
        }
        match key {
            "scale" | "low" => !self.complaints(),
            "window" | "recovery" => self.windowed(),
            _ => true,
        }
    }

    /// Read the kind's own keys from the policy object `m` at `path`.
    pub fn read(&mut self, c: &mut Checker, m: &Map<String, Value>, path: &str) {
        match self {
            PolicyKind::Immediate => {}
            PolicyKind::LowCount(k) => k.read(c, m, path),
            PolicyKind::Mean(k) => k.read(c, m, path),
            PolicyKind::Nps(k) => k.read(c, m, path),
            PolicyKind::LowShare(k) => k.read(c, m, path),
            PolicyKind::Surge(k) => k.read(c, m, path),
        }
    }

    /// Write the kind and its parameters (compiled packs): a tag per kind, then the kind's own.
    pub(crate) fn write(&self, w: &mut Writer) {
        match self {
            PolicyKind::Immediate => w.u8(1),
            PolicyKind::LowCount(k) => {
                w.u8(2);
                w.uv(k.at_least.into());
            }
            PolicyKind::Mean(mean::Mean(g)) | PolicyKind::Nps(nps::Nps(g)) => {
                w.u8(if matches!(self, PolicyKind::Mean(_)) {
                    3
                } else {
                    4
                });
                Bound::write(g.bound, w);
                w.uv(g.min_count.into());
            }
            PolicyKind::LowShare(k) => {
                w.u8(5);
                k.write(w);
            }
            PolicyKind::Surge(k) => {
                w.u8(6);
                w.uv(k.at_least.into());
            }
        }
    }

    /// Read a kind written by [`PolicyKind::write`], with the ranges the pack reader allows.
    pub(crate) fn load(r: &mut Reader) -> Res<PolicyKind> {
        let count = |r: &mut Reader, what: &str| -> Res<u32> {
            let n = r.at_most(1_000_000, what)? as u32;
            if n == 0 {
                return Err(r.corrupt(format!("{what} is 0")));
            }
            Ok(n)
        };
        Ok(match r.u8()? {
            1 => PolicyKind::Immediate,
            2 => PolicyKind::LowCount(low_count::LowCount {
                at_least: count(r, "at_least")?,
            }),
            3 => PolicyKind::Mean(mean::Mean(Gate {
                bound: Bound::load(r)?,
                min_count: count(r, "min_count")?,
            })),
            4 => PolicyKind::Nps(nps::Nps(Gate {
                bound: Bound::load(r)?,
                min_count: count(r, "min_count")?,
            })),
            5 => PolicyKind::LowShare(low_share::LowShare::load(r)?),
            6 => PolicyKind::Surge(surge::Surge {
                at_least: count(r, "at_least")?,
            }),
            t => return Err(r.corrupt(format!("unknown policy kind {t}"))),
        })
    }

    /// Check the scales read for the policy (a mean is taken on one scale, an NPS on nps).
    pub fn check_scales(&self, c: &mut Checker, scales: &[(Scale, f64)], path: &str) {
        match self {
            PolicyKind::Mean(_) => mean::check_scales(c, scales, path),
            PolicyKind::Nps(_) => nps::check_scales(c, scales, path),
            _ => {}
        }
    }

    /// The scale a policy takes when the pack names none (NPS for `nps`).
    pub fn default_scale(&self) -> Option<Scale> {
        matches!(self, PolicyKind::Nps(_)).then_some(Scale::Nps)
    }

    /// The baseline window before the window, in milliseconds (0 for all but `low_share`).
    pub fn baseline_ms(&self) -> i64 {
        match self {
            PolicyKind::LowShare(k) => k.baseline.ms,
            _ => 0,
        }
    }

    /// `(breached, defined)`: the metric is on the bad side / there is enough data to judge it.
    pub fn assess(&self, v: &View) -> (bool, bool) {
        match self {
            PolicyKind::Immediate => (true, true),
            PolicyKind::LowCount(k) => k.assess(v),
            PolicyKind::Mean(k) => k.assess(v),
            PolicyKind::Nps(k) => k.assess(v),
            PolicyKind::LowShare(k) => k.assess(v),
            PolicyKind::Surge(k) => k.assess(v),
        }
    }

    /// The threshold an alert's stats report.
    pub fn threshold(&self, scales: &[(Scale, f64)]) -> Option<f64> {
        match self {
            PolicyKind::Immediate => scales.first().map(|(_, low)| *low),
            PolicyKind::LowCount(k) => Some(f64::from(k.at_least)),
            PolicyKind::Surge(k) => Some(f64::from(k.at_least)),
            PolicyKind::Mean(k) => k.0.bound.map(|b| b.value()),
            PolicyKind::Nps(k) => k.0.bound.map(|b| b.value()),
            PolicyKind::LowShare(k) => Some(k.above_by),
        }
    }

    /// The metric part of an alert's message: what was measured against what.
    pub fn metric(&self, v: &View, w: &Wording) -> String {
        match self {
            PolicyKind::Immediate => immediate::metric(v, w),
            PolicyKind::LowCount(k) => k.metric(v, w),
            PolicyKind::Mean(k) => k.metric(v, w),
            PolicyKind::Nps(k) => k.metric(v, w),
            PolicyKind::LowShare(k) => k.metric(v, w),
            PolicyKind::Surge(k) => k.metric(v, w),
        }
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

    /// `≤ 3.5` or `< 3.5`, for messages.
    fn text(&self) -> String {
        let symbol = match self {
            Bound::AtMost(_) => "≤",
            Bound::Below(_) => "<",
        };
        format!("{symbol} {}", fmt_num(self.value()))
    }

    /// Write an optional bound: 0 none, 1 at most, 2 below, then the value.
    fn write(b: Option<Bound>, w: &mut Writer) {
        match b {
            None => w.u8(0),
            Some(Bound::AtMost(v)) => {
                w.u8(1);
                w.f64(v);
            }
            Some(Bound::Below(v)) => {
                w.u8(2);
                w.f64(v);
            }
        }
    }

    /// Read an optional bound written by [`Bound::write`].
    fn load(r: &mut Reader) -> Res<Option<Bound>> {
        Ok(match r.u8()? {
            0 => None,
            1 => Some(Bound::AtMost(r.finite("at_most")?)),
            2 => Some(Bound::Below(r.finite("below")?)),
            t => return Err(r.corrupt(format!("unknown bound {t}"))),
        })
    }

    /// `at_most` or `below` (one of them), reported missing when `required`.
    fn read(c: &mut Checker, m: &Map<String, Value>, path: &str) -> Option<Bound> {
        let at_most = c.number(m, "at_most", path);
        let below = c.number(m, "below", path);
        match (at_most, below) {
            (Some(x), None) => Some(Bound::AtMost(x)),
            (None, Some(x)) => Some(Bound::Below(x)),
            (Some(_), Some(_)) => {
                c.error(path, "give either \"at_most\" or \"below\", not both");
                None
            }
            (None, None) => {
                if !m.contains_key("at_most") && !m.contains_key("below") {
                    c.error(path, "missing the threshold: \"at_most\" or \"below\"");
                }
                None
            }
        }
    }
}

/// A required count of at least 1 (`at_least`).
fn read_at_least(c: &mut Checker, m: &Map<String, Value>, path: &str) -> u32 {
    let n = c.count(m, "at_least", path, 1_000_000);
    match n {
        None if !m.contains_key("at_least") => c.error(path, "missing required key \"at_least\""),
        Some(0) => c.error(&pointer(path, "at_least"), "must be at least 1"),
        _ => {}
    }
    n.unwrap_or(1) as u32
}

/// A metric's threshold (`mean`, `nps`): the bound, and how many scores the window needs before
/// the metric counts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Gate {
    /// The bound on the metric.
    pub bound: Option<Bound>,
    /// Scores the window needs before the metric counts.
    pub min_count: u32,
}

impl Gate {
    /// `at_most` or `below`, then `min_count`.
    fn read(c: &mut Checker, m: &Map<String, Value>, path: &str) -> Gate {
        let bound = Bound::read(c, m, path);
        Gate {
            bound,
            min_count: read_min_count(c, m, path),
        }
    }

    /// `(breached, defined)` for a window of `count` scores whose metric is `metric`.
    fn assess(&self, count: u32, metric: Option<f64>) -> (bool, bool) {
        let defined = count >= self.min_count;
        let breached = self
            .bound
            .is_some_and(|b| metric.is_some_and(|x| b.breached(x)));
        (defined && breached, defined)
    }

    /// `mean score 2.4 over 25 scores within 1d; fires at ≤ 2.5 with at least 20`.
    fn metric(&self, what: &str, value: Option<f64>, count: u32, of: &str, w: &Wording) -> String {
        format!(
            "{what} {} over {count} {of} within {}; fires at {} with at least {}",
            value.map_or_else(|| "-".into(), fmt_num),
            w.window,
            self.bound.map_or_else(String::new, |b| b.text()),
            self.min_count
        )
    }
}

/// A required `min_count` (how many scores make a metric meaningful), at least 1.
fn read_min_count(c: &mut Checker, m: &Map<String, Value>, path: &str) -> u32 {
    let n = c.count(m, "min_count", path, 1_000_000);
    if n.is_none() && !m.contains_key("min_count") {
        c.error(
            path,
            "missing required key \"min_count\" (how many scores make the metric meaningful)",
        );
    }
    n.unwrap_or(1).max(1) as u32
}

/// `scale` + `low`: one scale with an optional threshold, or `low` as a map scale → threshold.
pub fn read_scales(
    c: &mut Checker,
    m: &Map<String, Value>,
    path: &str,
    kind: &PolicyKind,
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
        Some(Value::Number(n)) => match (scale.or(kind.default_scale()), n.as_f64()) {
            (Some(sc), Some(x)) => out.push((sc, x)),
            (None, _) => c.error(
                path,
                "missing required key \"scale\" (the scale \"low\" is on)",
            ),
            _ => c.error(&lp, "number out of range"),
        },
        None | Some(Value::Null) => match scale.or(kind.default_scale()) {
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
    kind.check_scales(c, &out, path);
    out
}

/// An optional duration (`"30m"`, `"3d"`) at `key`.
pub fn read_duration(
    c: &mut Checker,
    m: &Map<String, Value>,
    key: &str,
    path: &str,
) -> Option<Duration> {
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

/// A number as alerts write it (see [`Num`]).
pub fn fmt_num(x: f64) -> String {
    serde_json::to_string(&Num(x)).unwrap_or_else(|_| x.to_string())
}

/// A share as a percentage, for messages.
fn pct(x: f64) -> String {
    format!("{}%", fmt_num(x * 100.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds() {
        assert!(Bound::AtMost(0.0).breached(0.0));
        assert!(!Bound::Below(0.0).breached(0.0));
        assert!(Bound::Below(0.0).breached(-0.5));
    }

    #[test]
    fn keys_apply_to_their_kinds() {
        let k = |s| PolicyKind::parse(s).unwrap_or(PolicyKind::Immediate);
        assert!(k("low_share").applies("baseline"));
        assert!(!k("mean").applies("baseline"));
        assert!(k("surge").applies("at_least"));
        assert!(!k("surge").applies("scale"));
        assert!(!k("immediate").applies("window"));
        assert!(k("immediate").applies("route"));
    }
}
