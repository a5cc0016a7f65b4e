//! The `low_count` kind — `"at_least": 3`: at least N low scores in the sliding window of a group
//! (one branch, one journey step): a run of bad ratings at one place.

use super::{read_at_least, View, Wording};
use crate::json::Checker;
use serde_json::{Map, Value};

/// The keys only this kind takes (with `surge`).
pub(super) const KEYS: &[&str] = &["at_least"];

/// Parameters of a `low_count` policy.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LowCount {
    /// Low scores that make a breach.
    pub at_least: u32,
}

impl LowCount {
    pub(super) fn read(&mut self, c: &mut Checker, m: &Map<String, Value>, path: &str) {
        self.at_least = read_at_least(c, m, path);
    }

    pub(super) fn assess(&self, v: &View) -> (bool, bool) {
        (v.cur.low >= self.at_least, true)
    }

    pub(super) fn metric(&self, v: &View, w: &Wording) -> String {
        format!(
            "{} low scores ({}) among {} within {}; fires at {}",
            v.cur.low, w.low_at, v.cur.count, w.window, self.at_least
        )
    }
}
