//! Trigger flow, counting: an admitted feedback event or complaint becomes one window entry per
//! policy it concerns (its item read once, its group keys built once), handed to `fire`; then
//! the notices of the event (warnings, evicted groups) and the sweep schedule.

use super::alert::{Notice, NoticeKind, Outcome};
use super::event::Feedback;
use super::fire::TEXT;
use super::ingest::invalid;
use super::item::Item;
use super::window::Entry;
use super::{KeyCache, TriggerEngine};
use crate::complaint::Complaint;
use crate::decide::Decision;
use crate::error::Problem;
use crate::pack::PolicyDef;
use crate::policy::{Scale, DETRACTOR, LOW, PROMOTER};
use crate::time::Timestamp;
use serde_json::Value;
use std::sync::Arc;

impl TriggerEngine {
    /// Count a feedback event in each feedback policy of its scale whose `when` holds and whose
    /// group fields it has, unless `ahead` holds it or `admit` turns it away.
    pub(super) fn feed_feedback(&mut self, f: &Feedback, index: usize, out: &mut Outcome) {
        let input = Input {
            id: Arc::from(f.id.as_str()),
            at: f.at,
            complaint: false,
            fields: &f.fields,
            text: f.comment.as_deref().map(|c| (None, c)),
            given: None,
        };
        let score_milli = (f.score * 1000.0).round() as i64;
        self.count(&input, index, out, |t, item, keys, pi, p, out| {
            let Some(low_at) = p.low_for(&f.scale) else {
                return;
            };
            if p.conditional && !item.holds(pi) {
                return;
            }
            let class = t.key_class.get(pi).copied().unwrap_or(0);
            let Some((built, key, h)) = keys.slots.get_mut(class) else {
                return;
            };
            let present = *built.get_or_insert_with(|| {
                let ok = item.group_into(p, key);
                *h = t.hasher.hash(key);
                ok
            });
            if !present {
                return;
            }
            let h = *h;
            let low = f.score <= low_at;
            let mut flags = if low { LOW } else { 0 };
            if f.scale == Scale::Nps {
                if f.score >= 9.0 {
                    flags |= PROMOTER;
                } else if f.score <= 6.0 {
                    flags |= DETRACTOR;
                }
            }
            let (pain, classified) = if low && f.comment.is_some() && !p.pain.dims.is_empty() {
                item.pain(&t.pain_dims)
            } else {
                (Box::default(), false)
            };
            if classified {
                flags |= TEXT;
            }
            let entry = Entry {
                at: f.at.millis,
                off: f.at.offset_minutes,
                flags,
                score: score_milli,
                id: Arc::clone(&input.id),
                pain,
            };
            if p.kind.windowed() {
                t.windowed(pi, h, key, entry, out);
            } else if low {
                t.immediate(pi, h, key, entry, out);
            }
        });
    }

    /// Check that a complaint has an id and an event time (and, when not classified yet, fits
    /// the pack's limits), then count it in each surge policy whose `when` holds, unless
    /// `ahead` holds it or `admit` turns it away.
    pub(super) fn feed_complaint(
        &mut self,
        c: &Complaint,
        given: Option<&Decision>,
        index: usize,
        out: &mut Outcome,
    ) {
        let mut problems = Vec::new();
        if c.id.as_deref().map_or(true, |s| s.trim().is_empty()) {
            problems.push(Problem::error(
                "/id",
                "a complaint in a trigger stream needs an \"id\" (to ignore replays)",
            ));
        }
        if c.received_at.is_none() {
            problems.push(Problem::error(
                "/received_at",
                "a complaint in a trigger stream needs \"received_at\" (its event time)",
            ));
        }
        let (Some(id), Some(at)) = (c.id.as_deref(), c.received_at) else {
            invalid(out, index, c.id.clone(), problems);
            return;
        };
        if !problems.is_empty() {
            invalid(out, index, c.id.clone(), problems);
            return;
        }
        // A complaint the pack cannot classify (too long for it) is invalid here, as it is for
        // `classify`.
        if given.is_none() {
            if let Err(e) =
                crate::run::within_limits(&self.engine.compiled().limits, c, &mut Vec::new())
            {
                invalid(out, index, c.id.clone(), e.problems().to_vec());
                return;
            }
        }
        // A complaint the caller classified is held without its decision: the same pack gives
        // the same one when it is counted.
        let input = Input {
            id: Arc::from(id),
            at,
            complaint: true,
            fields: &c.fields,
            text: Some((c.title.as_deref(), c.text.as_str())),
            given,
        };
        self.count(&input, index, out, |t, item, _, pi, p, out| {
            if p.conditional && !item.holds(pi) {
                return;
            }
            let mut key = String::new();
            if !item.group_into(p, &mut key) {
                return;
            }
            let h = t.hasher.hash(&key);
            let (pain, _) = item.pain(&t.pain_dims);
            let entry = Entry {
                at: at.millis,
                off: at.offset_minutes,
                flags: TEXT,
                score: 0,
                id: Arc::clone(&input.id),
                pain,
            };
            t.windowed(pi, h, &key, entry, out);
        });
    }

    /// What the two kinds of input share: unless `ahead` holds the input or `admit` turns it
    /// away, read its item once and hand it to `each` for every policy of its kind (surge
    /// policies for a complaint, the others for a feedback event), with the item's group-key
    /// cache; then the notices of the input (a warning, evicted groups) and the sweep schedule.
    fn count(
        &mut self,
        input: &Input<'_>,
        index: usize,
        out: &mut Outcome,
        mut each: impl FnMut(
            &mut TriggerEngine,
            &mut Item<'_>,
            &mut KeyCache,
            usize,
            &PolicyDef,
            &mut Outcome,
        ),
    ) {
        if self.ahead(&input.at, input.complaint, input.fields, index, out) {
            return;
        }
        if !self.admit(&input.id, &input.at, input.complaint, index, out) {
            return;
        }
        // Taken only now: releasing a held event (in `ahead`) counts it with the same buffers.
        let engine = self.engine.clone();
        let mut bufs = std::mem::take(&mut self.bufs);
        let mut item = Item::new(&engine, &mut bufs, input.fields, input.text);
        if let Some(d) = input.given {
            item = item.given(d);
        }
        let mut keys = std::mem::take(&mut self.keys);
        keys.reset();
        for (pi, p) in engine.triggers().policies.iter().enumerate() {
            if p.kind.complaints() == input.complaint {
                each(self, &mut item, &mut keys, pi, p, out);
            }
        }
        let warning = item.warning.take();
        drop(item);
        self.keys = keys;
        self.bufs = bufs;
        let id = Some(String::from(&*input.id));
        if let Some(w) = warning {
            out.notices.push(Notice {
                index,
                id: id.clone(),
                kind: NoticeKind::Warning,
                message: w,
                problems: Vec::new(),
            });
        }
        self.report_evictions(index, id, out);
        self.sweep_if_due();
    }
}

/// An input on its way to the policies: what the event-time gate and its item read.
struct Input<'a> {
    /// Its id (every window entry it makes shares it).
    id: Arc<str>,
    /// Its event time.
    at: Timestamp,
    /// A complaint (counted by surge policies) rather than a feedback event.
    complaint: bool,
    /// The input object.
    fields: &'a Value,
    /// Its text, `(title, text)`; None for an event without a comment.
    text: Option<(Option<&'a str>, &'a str)>,
    /// The caller's classification of a complaint, if it gave one.
    given: Option<&'a Decision>,
}
