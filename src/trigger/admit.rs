//! Trigger flow, between reading and counting: the event-time gate. An event far ahead of the
//! watermark is held until the next one confirms it; a late or duplicate one is reported, not
//! counted; an admitted one moves the watermark and records its id.

use super::alert::{Notice, NoticeKind, Outcome};
use super::ingest::id_of;
use super::state;
use super::TriggerEngine;
use crate::time::Timestamp;
use serde_json::Value;
use std::sync::Arc;

impl TriggerEngine {
    /// Is the event more than `max_ahead` after the watermark? Then it is held (reported, not
    /// counted) and this returns true — unless the event just before it was held and this one
    /// confirms it (it is far ahead too, and not earlier than the held one by more than
    /// `max_ahead`: the stream did move on), when the held event is counted first and this one
    /// goes on. An event that is not ahead shows the stream going on at its time: a held event
    /// is then dropped. One event with a mistyped year (2062) used to move the watermark, and
    /// every later event was late: the stream went silent. Now mistyped events among ordinary
    /// ones never count, and a genuine gap in a sparse stream costs nothing: its first event
    /// waits for the second.
    pub(super) fn ahead(
        &mut self,
        at: &Timestamp,
        complaint: bool,
        event: &Value,
        index: usize,
        out: &mut Outcome,
    ) -> bool {
        let Some(wm) = self.state.watermark else {
            return false;
        };
        if self.releasing {
            return false;
        }
        let max = self.spec().max_ahead.ms;
        if at.millis <= wm.saturating_add(max) {
            self.drop_held(at, "near the watermark", index, out);
            return false;
        }
        if let Some(held) = &self.state.held {
            if at.millis >= held.at.saturating_sub(max) {
                if let Some(held) = self.state.held.take() {
                    self.releasing = true;
                    self.read_and_feed(held.event, held.complaint, index, out);
                    self.releasing = false;
                }
                return false;
            }
        }
        self.drop_held(at, "far from both it and the watermark", index, out);
        out.notices.push(Notice {
            index,
            id: id_of(event),
            kind: NoticeKind::Ahead,
            message: format!(
                "event time {} is more than {} (max_ahead) after the watermark {}: held, counted only if the next event confirms that the stream moved on",
                at.format(),
                self.spec().max_ahead.text,
                Timestamp { millis: wm, offset_minutes: at.offset_minutes }.format()
            ),
            problems: Vec::new(),
        });
        self.state.held = Some(state::Held {
            at: at.millis,
            complaint,
            event: event.clone(),
        });
        true
    }

    /// Drop the held event, if any, with the `ahead` notice that says the event at `at` did not
    /// confirm it: `place` says where that event fell.
    fn drop_held(&mut self, at: &Timestamp, place: &str, index: usize, out: &mut Outcome) {
        if let Some(old) = self.state.held.take() {
            out.notices.push(Notice {
                index,
                id: id_of(&old.event),
                kind: NoticeKind::Ahead,
                message: format!(
                    "the event held at {} was not confirmed: the next event is at {}, {place}; dropped, not counted",
                    Timestamp { millis: old.at, offset_minutes: 0 }.format(),
                    at.format()
                ),
                problems: Vec::new(),
            });
        }
    }

    /// Late or duplicate? Reports it and returns false; otherwise records the id.
    pub(super) fn admit(
        &mut self,
        id: &Arc<str>,
        at: &Timestamp,
        complaint: bool,
        index: usize,
        out: &mut Outcome,
    ) -> bool {
        let lateness = self.spec().allowed_lateness.ms;
        let h = self.hasher.hash(id);
        if let Some(wm) = self.state.watermark {
            let horizon = wm.saturating_sub(lateness);
            if at.millis < horizon {
                out.notices.push(Notice {
                    index,
                    id: Some(id.to_string()),
                    kind: NoticeKind::Late,
                    message: format!(
                        "event time {} is before the watermark {} minus the allowed lateness {}: not counted",
                        at.format(),
                        Timestamp { millis: wm, offset_minutes: at.offset_minutes }.format(),
                        self.spec().allowed_lateness.text
                    ),
                    problems: Vec::new(),
                });
                return false;
            }
            let seen = if complaint {
                &self.state.seen_complaints
            } else {
                &self.state.seen
            };
            if seen.contains(h, id, horizon) {
                out.notices.push(Notice {
                    index,
                    id: Some(id.to_string()),
                    kind: NoticeKind::Duplicate,
                    message: format!("id \"{id}\" was already counted: ignored"),
                    problems: Vec::new(),
                });
                return false;
            }
        }
        let wm = self.state.watermark.map_or(at.millis, |w| w.max(at.millis));
        self.state.watermark = Some(wm);
        let horizon = wm.saturating_sub(lateness);
        let seen = if complaint {
            &mut self.state.seen_complaints
        } else {
            &mut self.state.seen
        };
        seen.insert(h, id, at.millis);
        seen.expire(horizon);
        out.accepted += 1;
        true
    }
}
