//! The `immediate` kind: every low score fires at once (when the policy's `when` condition holds:
//! e.g. a 1-star rating whose comment mentions fraud). No window; a cooldown may space alerts.

use super::{fmt_num, View, Wording};

/// `score 1 (≤ 2 on csat5) and the policy's condition holds`.
pub(super) fn metric(v: &View, w: &Wording) -> String {
    format!(
        "score {} ({}){}",
        v.cur.mean().map_or_else(String::new, fmt_num),
        w.low_at,
        if w.conditional {
            " and the policy's condition holds"
        } else {
            ""
        }
    )
}
