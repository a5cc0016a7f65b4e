//! The `mean` kind — `"at_most": 3.5, "min_count": 10`: the mean score of the window on one scale
//! is at or below (or, with `below`, under) a bound, once the window holds enough scores.

use super::{Gate, Scale, View, Wording};
use crate::error::pointer;
use crate::json::Checker;
use serde_json::{Map, Value};

/// The keys only this kind takes (with `nps`; `min_count` also with `low_share`).
pub(super) const KEYS: &[&str] = &["at_most", "below", "min_count"];

/// Parameters of a `mean` policy: the bound on the mean and the scores it needs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Mean(pub Gate);

impl Mean {
    pub(super) fn read(&mut self, c: &mut Checker, m: &Map<String, Value>, path: &str) {
        self.0 = Gate::read(c, m, path);
    }

    pub(super) fn assess(&self, v: &View) -> (bool, bool) {
        self.0.assess(v.cur.count, v.cur.mean())
    }

    pub(super) fn metric(&self, v: &View, w: &Wording) -> String {
        self.0
            .metric("mean score", v.cur.mean(), v.cur.count, "scores", w)
    }
}

/// A mean is taken on one scale.
pub(super) fn check_scales(c: &mut Checker, scales: &[(Scale, f64)], path: &str) {
    if scales.len() > 1 {
        c.error(&pointer(path, "low"), "a mean is taken on one scale");
    }
}
