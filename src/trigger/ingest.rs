//! Trigger flow, the way in: reading an input — a feedback event or a complaint, one, a batch
//! or JSON text — into its typed form, or an `invalid` notice; then `admit` decides whether it
//! counts and `feed` counts it.

use super::alert::{Notice, NoticeKind, Outcome};
use super::event::Feedback;
use super::TriggerEngine;
use crate::complaint::Complaint;
use crate::decide::Decision;
use crate::error::Problem;
use serde_json::Value;

impl TriggerEngine {
    /// Ingest one input: a feedback event, or a complaint when it has `"type": "complaint"`
    /// (then it is classified with the pack and feeds surge policies). Never fails: a bad, late
    /// or duplicate input comes back as a notice.
    pub fn ingest(&mut self, input: Value) -> Outcome {
        let mut out = Outcome::default();
        self.ingest_one(input, 0, &mut out);
        out
    }

    /// Ingest many inputs in order; notices carry each input's index.
    pub fn ingest_batch(&mut self, inputs: Vec<Value>) -> Outcome {
        let mut out = Outcome::default();
        for (i, v) in inputs.into_iter().enumerate() {
            self.ingest_one(v, i, &mut out);
        }
        out
    }

    /// Ingest JSON text: one object, or an array of objects (a batch).
    pub fn ingest_json(&mut self, json: &str) -> Outcome {
        match crate::json::parse_json_lossy(json) {
            Ok((Value::Array(items), replaced)) => {
                let ids: Vec<Option<String>> = if replaced.0.is_empty() {
                    Vec::new()
                } else {
                    items.iter().map(id_of).collect()
                };
                let mut out = self.ingest_batch(items);
                for (i, id) in ids.into_iter().enumerate() {
                    surrogate_notices(&mut out, &replaced, &format!("/{i}"), i, id);
                }
                out
            }
            Ok((v, replaced)) => {
                let id = id_of(&v);
                let mut out = self.ingest(v);
                surrogate_notices(&mut out, &replaced, "", 0, id);
                out
            }
            Err(p) => Outcome::unreadable(p),
        }
    }

    /// Ingest a validated feedback event.
    pub fn ingest_feedback(&mut self, f: &Feedback) -> Outcome {
        let mut out = Outcome::default();
        self.feed_feedback(f, 0, &mut out);
        out
    }

    /// Ingest a complaint that the caller already classified (it must have `id` and
    /// `received_at`): it feeds the surge policies without being classified again.
    pub fn ingest_decision(&mut self, decision: &Decision, complaint: &Complaint) -> Outcome {
        let mut out = Outcome::default();
        self.feed_complaint(complaint, Some(decision), 0, &mut out);
        out
    }

    /// Read one input as a complaint (`"type": "complaint"`) or a feedback event and count it,
    /// or report it as invalid; its notices carry `index`.
    fn ingest_one(&mut self, v: Value, index: usize, out: &mut Outcome) {
        let complaint = v.get("type").and_then(Value::as_str) == Some("complaint");
        self.read_and_feed(v, complaint, index, out);
    }

    /// Read an input as a complaint or a feedback event and count it, or report it as invalid
    /// with its id when it has a readable one (so that an operator can find it); its notices
    /// carry `index`. The way in for new inputs and for a held event that `ahead` releases.
    pub(super) fn read_and_feed(
        &mut self,
        v: Value,
        complaint: bool,
        index: usize,
        out: &mut Outcome,
    ) {
        let id = id_of(&v);
        if complaint {
            match Complaint::from_value(v) {
                Ok(c) => self.feed_complaint(&c, None, index, out),
                Err(e) => invalid(out, index, id, e.problems().to_vec()),
            }
        } else {
            match Feedback::from_value(v) {
                Ok(f) => self.feed_feedback(&f, index, out),
                Err(problems) => invalid(out, index, id, problems),
            }
        }
    }
}

/// A warning notice per string of the input whose lone UTF-16 surrogates were replaced by
/// U+FFFD (see `json::parse_json_lossy`).
fn surrogate_notices(
    out: &mut Outcome,
    replaced: &crate::json::Replaced,
    prefix: &str,
    index: usize,
    id: Option<String>,
) {
    for message in replaced.warnings(prefix) {
        out.notices.push(Notice {
            index,
            id: id.clone(),
            kind: NoticeKind::Warning,
            message,
            problems: Vec::new(),
        });
    }
}

/// The input's `id` (a string, or a number as written), for the notices about it.
pub(super) fn id_of(v: &Value) -> Option<String> {
    match v.get("id") {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(crate::json::number_text(n)),
        _ => None,
    }
}

/// An `invalid` notice for the input at `index`: its first error and how many there are, with
/// every problem.
pub(super) fn invalid(out: &mut Outcome, index: usize, id: Option<String>, problems: Vec<Problem>) {
    let errors = problems.iter().filter(|p| p.is_error()).count();
    let message = match problems.iter().find(|p| p.is_error()) {
        Some(first) if errors > 1 => format!("invalid event: {errors} problems; first: {first}"),
        Some(first) => format!("invalid event: {first}"),
        None => "invalid event".to_string(),
    };
    out.notices.push(Notice {
        index,
        id,
        kind: NoticeKind::Invalid,
        message,
        problems,
    });
}
