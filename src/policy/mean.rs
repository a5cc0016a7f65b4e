//! The `mean` kind — `"at_most": 3.5, "min_count": 10`: the mean score of the window on one scale
//! is at or below (or, with `below`, under) a bound, once the window holds enough scores.

use super::{fmt_num, read_min_count, Bound, Scale, View, Wording};
use crate::error::pointer;
use crate::json::Checker;
use serde_json::{Map, Value};

/// The keys only this kind takes (with `nps`; `min_count` also with `low_share`).
pub(super) const KEYS: &[&str] = &["at_most", "below", "min_count"];

/// Parameters of a `mean` policy.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Mean {
    /// The bound on the mean.
    pub bound: Option<Bound>,
    /// Scores the window needs before the mean counts.
    pub min_count: u32,
}

impl Mean {
    pub(super) fn read(&mut self, c: &mut Checker, m: &Map<String, Value>, path: &str) {
        self.bound = Bound::read(c, m, path);
        self.min_count = read_min_count(c, m, path);
    }

    pub(super) fn assess(&self, v: &View) -> (bool, bool) {
        let defined = v.cur.count >= self.min_count;
        let breached = self
            .bound
            .is_some_and(|b| v.cur.mean().is_some_and(|m| b.breached(m)));
        (defined && breached, defined)
    }

    pub(super) fn metric(&self, v: &View, w: &Wording) -> String {
        format!(
            "mean score {} over {} scores within {}; fires at {} with at least {}",
            v.cur.mean().map_or_else(|| "-".into(), fmt_num),
            v.cur.count,
            w.window,
            self.bound.map_or_else(String::new, |b| b.text()),
            self.min_count
        )
    }
}

/// A mean is taken on one scale.
pub(super) fn check_scales(c: &mut Checker, scales: &[(Scale, f64)], path: &str) {
    if scales.len() > 1 {
        c.error(&pointer(path, "low"), "a mean is taken on one scale");
    }
}
