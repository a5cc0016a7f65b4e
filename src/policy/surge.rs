//! The `surge` kind — `"at_least": 20`: at least N classified complaints (matching the policy's
//! `when`, e.g. a fraud label) in the sliding window: a surge of one kind of complaint.

use super::{read_at_least, View, Wording};
use crate::json::Checker;
use serde_json::{Map, Value};

/// The keys only this kind takes (with `low_count`).
pub(super) const KEYS: &[&str] = &["at_least"];

/// Parameters of a `surge` policy.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Surge {
    /// Complaints that make a breach.
    pub at_least: u32,
}

impl Surge {
    pub(super) fn read(&mut self, c: &mut Checker, m: &Map<String, Value>, path: &str) {
        self.at_least = read_at_least(c, m, path);
    }

    pub(super) fn assess(&self, v: &View) -> (bool, bool) {
        (v.cur.count >= self.at_least, true)
    }

    pub(super) fn metric(&self, v: &View, w: &Wording) -> String {
        format!(
            "{} complaints within {}; fires at {}",
            v.cur.count, w.window, self.at_least
        )
    }
}
