//! The `nps` kind — `"at_most": 0, "min_count": 30`: the Net Promoter Score of the window
//! (promoters 9–10 minus detractors 0–6, in −100…100) is at or below a bound.

use super::{read_min_count, Bound, Gate, Scale, View, Wording};
use crate::json::Checker;
use serde_json::{Map, Value};

/// The keys only this kind takes (with `mean`; `min_count` also with `low_share`).
pub(super) const KEYS: &[&str] = &["at_most", "below", "min_count"];

/// Parameters of an `nps` policy: the bound on the NPS and the responses it needs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Nps(pub Gate);

impl Nps {
    pub(super) fn read(&mut self, c: &mut Checker, m: &Map<String, Value>, path: &str) {
        let bound = Bound::read(c, m, path);
        if bound.is_some_and(|b| !(-100.0..=100.0).contains(&b.value())) {
            c.error(path, "an NPS threshold lies between -100 and 100");
        }
        self.0 = Gate {
            bound,
            min_count: read_min_count(c, m, path),
        };
    }

    pub(super) fn assess(&self, v: &View) -> (bool, bool) {
        self.0.assess(v.cur.count, v.cur.nps())
    }

    pub(super) fn metric(&self, v: &View, w: &Wording) -> String {
        self.0
            .metric("NPS", v.cur.nps(), v.cur.count, "responses", w)
    }
}

/// An NPS is taken on the nps scale.
pub(super) fn check_scales(c: &mut Checker, scales: &[(Scale, f64)], path: &str) {
    if scales.iter().any(|(s, _)| *s != Scale::Nps) {
        c.error(path, "an nps policy takes the nps scale (0–10)");
    }
}
