//! The `nps` kind — `"at_most": 0, "min_count": 30`: the Net Promoter Score of the window
//! (promoters 9–10 minus detractors 0–6, in −100…100) is at or below a bound.

use super::{fmt_num, read_min_count, Bound, Scale, View, Wording};
use crate::json::Checker;
use serde_json::{Map, Value};

/// The keys only this kind takes (with `mean`; `min_count` also with `low_share`).
pub(super) const KEYS: &[&str] = &["at_most", "below", "min_count"];

/// Parameters of an `nps` policy.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Nps {
    /// The bound on the NPS.
    pub bound: Option<Bound>,
    /// Responses the window needs before the NPS counts.
    pub min_count: u32,
}

impl Nps {
    pub(super) fn read(&mut self, c: &mut Checker, m: &Map<String, Value>, path: &str) {
        self.bound = Bound::read(c, m, path);
        if let Some(b) = self.bound {
            if !(-100.0..=100.0).contains(&b.value()) {
                c.error(path, "an NPS threshold lies between -100 and 100");
            }
        }
        self.min_count = read_min_count(c, m, path);
    }

    pub(super) fn assess(&self, v: &View) -> (bool, bool) {
        let defined = v.cur.count >= self.min_count;
        let breached = self
            .bound
            .is_some_and(|b| v.cur.nps().is_some_and(|n| b.breached(n)));
        (defined && breached, defined)
    }

    pub(super) fn metric(&self, v: &View, w: &Wording) -> String {
        format!(
            "NPS {} over {} responses within {}; fires at {} with at least {}",
            v.cur.nps().map_or_else(|| "-".into(), fmt_num),
            v.cur.count,
            w.window,
            self.bound.map_or_else(String::new, |b| b.text()),
            self.min_count
        )
    }
}

/// An NPS is taken on the nps scale.
pub(super) fn check_scales(c: &mut Checker, scales: &[(Scale, f64)], path: &str) {
    if scales.iter().any(|(s, _)| *s != Scale::Nps) {
        c.error(path, "an nps policy takes the nps scale (0–10)");
    }
}
