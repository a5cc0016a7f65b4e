//! Trigger flow, last step: event → policy match → window → **alert**. The output types: the
//! [`Alert`] (fixed field order, numbers written like decisions), the per-event [`Notice`]s for
//! bad, late and duplicate events, and the [`Outcome`] of one ingest call.

use crate::error::Problem;
use crate::json::Num;
use crate::pack::PackRef;
use serde::Serialize;
use sha2::{Digest, Sha256};

/// `fired` when a policy's condition is met, `recovered` when the metric is back on the good side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AlertKind {
    /// The policy fired.
    Fired,
    /// The group's metric has been good for the policy's recovery period.
    Recovered,
}

impl AlertKind {
    /// `fired` or `recovered`.
    pub fn as_str(&self) -> &'static str {
        match self {
            AlertKind::Fired => "fired",
            AlertKind::Recovered => "recovered",
        }
    }
}

/// One group-by field and its value for this alert.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupValue {
    /// The `group_by` path.
    pub field: String,
    /// Its value (numbers as their decimal form).
    pub value: String,
}

/// The group of an alert, serialised as an object in `group_by` order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AlertGroup(pub Vec<GroupValue>);

impl AlertGroup {
    /// The value of one `group_by` field.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|g| g.field == field)
            .map(|g| g.value.as_str())
    }
}

impl Serialize for AlertGroup {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for g in &self.0 {
            m.serialize_entry(&g.field, &g.value)?;
        }
        m.end()
    }
}

/// The window an alert looked at.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WindowOut {
    /// The window length as written in the pack (`"3d"`).
    pub duration: String,
    /// Start (exclusive), in the offset of `end`.
    pub start: String,
    /// End (inclusive): the evaluation instant.
    pub end: String,
    /// The baseline window length (`low_share` only).
    pub baseline: Option<String>,
}

/// Window statistics. Every key is always present; a key that does not apply is null.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stats {
    /// Events (or complaints) in the window.
    pub count: u32,
    /// Low scores in the window (null for surges).
    pub low: Option<u32>,
    /// Mean score on the policy's scale.
    pub mean: Option<Num>,
    /// Net Promoter Score (nps scale only).
    pub nps: Option<Num>,
    /// Low / count.
    pub share: Option<Num>,
    /// Scores in the baseline window (`low_share`).
    pub baseline_count: Option<u32>,
    /// Low share in the baseline window (`low_share`).
    pub baseline_share: Option<Num>,
    /// The policy's threshold that was crossed (count, mean, NPS or share margin).
    pub threshold: Option<Num>,
}

/// How often one label of a pain dimension occurs among the alert's commented events.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PainLabel {
    /// Label code.
    pub code: String,
    /// Label name.
    pub name: String,
    /// Events whose text got the label.
    pub count: u32,
}

/// The pack's classification of the texts behind an alert, for one dimension.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PainPoints {
    /// Dimension id.
    pub dimension: String,
    /// Events of the alert that had a text (comment or complaint) and were classified.
    pub texts: u32,
    /// The most frequent labels (fallback labels such as "other" are left out), most first,
    /// ties in pack order.
    pub labels: Vec<PainLabel>,
}

/// Owner of the alert.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlertRoute {
    /// Department.
    pub department: String,
    /// Queue.
    pub queue: Option<String>,
    /// `policy`, `pain` (route of the top pain label) or `default` (the pack's default route).
    pub source: &'static str,
}

/// An alert. Field order is fixed; the JSON is the same on every runtime.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alert {
    /// Deterministic id: `al_` + 16 hex digits of SHA-256 over policy, kind, group key,
    /// evaluation instant and first and last event ids.
    pub id: String,
    /// Policy id.
    pub policy: String,
    /// Policy name.
    pub name: String,
    /// `fired` or `recovered`.
    pub kind: AlertKind,
    /// The policy kind: `immediate`, `low_count`, `mean`, `nps`, `low_share`, `surge`.
    pub policy_kind: &'static str,
    /// The policy's severity.
    pub severity: String,
    /// The group: `group_by` field → value, in `group_by` order (`{}` for an ungrouped policy).
    pub group: AlertGroup,
    /// Evaluation instant (the time of the event that caused the evaluation, in its offset).
    pub at: String,
    /// The window (null for immediate policies).
    pub window: Option<WindowOut>,
    /// Window statistics.
    pub stats: Stats,
    /// Why, in one sentence.
    pub message: String,
    /// Ids of the events behind the alert (low scores for count and share policies; every
    /// counted event for mean, NPS, surge and recovery), oldest first, at most `max_event_ids`.
    pub events: Vec<String>,
    /// How many events that is in all.
    pub events_total: u32,
    /// Time of the first of them (in its own offset).
    pub first_at: Option<String>,
    /// Time of the last of them.
    pub last_at: Option<String>,
    /// Owner.
    pub route: Option<AlertRoute>,
    /// `at` + the policy's `deadline_hours`.
    pub deadline: Option<String>,
    /// The pack's classification of the events' texts, per pain dimension.
    pub pain_points: Vec<PainPoints>,
    /// For `recovered`: the id of the `fired` alert it closes.
    pub closes: Option<String>,
    /// The pack that decided.
    pub pack: PackRef,
}

impl Alert {
    /// Compact JSON with the fixed field order.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }
}

/// The deterministic alert id.
pub fn alert_id(
    policy: &str,
    kind: AlertKind,
    group_key: &str,
    at_ms: i64,
    first: &str,
    last: &str,
) -> String {
    let mut h = Sha256::new();
    for part in [policy, kind.as_str(), group_key] {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    h.update(at_ms.to_le_bytes());
    for part in [first, last] {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    let digest = h.finalize();
    let mut out = String::from("al_");
    for b in digest.iter().take(8) {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// What happened to one input that was not simply counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NoticeKind {
    /// Rejected: malformed or invalid (see `problems`).
    Invalid,
    /// Older than the watermark minus the allowed lateness: reported, not counted.
    Late,
    /// Its id was already counted: ignored.
    Duplicate,
    /// Counted, with a remark (e.g. its comment could not be classified).
    Warning,
    /// More than `max_ahead` after the watermark: held until a later event confirms the jump
    /// (then counted), or dropped when it never is.
    Ahead,
    /// Counting it needed a new group while `max_groups` were kept: the least recently active
    /// groups were dropped.
    Evicted,
}

/// A per-event report: the engine never drops an event silently.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Notice {
    /// Position of the event in the call's input (0 for a single event).
    pub index: usize,
    /// The event's id, when it had a readable one.
    pub id: Option<String>,
    /// What happened.
    pub kind: NoticeKind,
    /// Why, in one sentence.
    pub message: String,
    /// Every problem found, with JSON pointers into the event (for `invalid`).
    pub problems: Vec<Problem>,
}

/// The result of one ingest call.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Outcome {
    /// Events counted (not invalid, late or duplicate).
    pub accepted: usize,
    /// Alerts, in event order, then policy order.
    pub alerts: Vec<Alert>,
    /// Events that were rejected, late or duplicate, or counted with a remark.
    pub notices: Vec<Notice>,
}

impl Outcome {
    /// The outcome of an input that could not be read at all (malformed JSON text, an
    /// unreadable CSV row): nothing counted, one `invalid` notice at index 0, without an id,
    /// whose message is the problem's.
    pub fn unreadable(problem: Problem) -> Outcome {
        Outcome {
            accepted: 0,
            alerts: Vec::new(),
            notices: vec![Notice {
                index: 0,
                id: None,
                kind: NoticeKind::Invalid,
                message: problem.message.clone(),
                problems: vec![problem],
            }],
        }
    }

    /// Compact JSON: `{"accepted": n, "alerts": [...], "notices": [...]}`.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }

    /// Append another outcome (for batches), shifting its notice indices by `offset`.
    pub fn merge(&mut self, other: Outcome, offset: usize) {
        self.accepted += other.accepted;
        self.alerts.extend(other.alerts);
        self.notices.extend(other.notices.into_iter().map(|mut n| {
            n.index += offset;
            n
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_and_distinct() {
        let a = alert_id("p", AlertKind::Fired, "3:CBE", 1000, "e1", "e5");
        assert_eq!(
            a,
            alert_id("p", AlertKind::Fired, "3:CBE", 1000, "e1", "e5")
        );
        assert_eq!(a.len(), 19);
        assert!(a.starts_with("al_"));
        assert_ne!(
            a,
            alert_id("p", AlertKind::Recovered, "3:CBE", 1000, "e1", "e5")
        );
        assert_ne!(
            a,
            alert_id("p", AlertKind::Fired, "3:CBE", 1001, "e1", "e5")
        );
        // Length prefixes keep concatenations apart.
        assert_ne!(
            alert_id("ab", AlertKind::Fired, "c", 0, "", ""),
            alert_id("a", AlertKind::Fired, "bc", 0, "", "")
        );
    }
}
