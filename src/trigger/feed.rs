//! Trigger flow, counting: an admitted feedback event or complaint becomes one window entry per
//! policy it concerns (its item read once, its group keys built once), handed to `fire`; then
//! the notices of the event (warnings, evicted groups) and the sweep schedule.

use super::alert::{Notice, NoticeKind, Outcome};
use super::event::Feedback;
use super::fire::TEXT;
use super::ingest::invalid;
use super::item::Item;
use super::window::Entry;
use super::TriggerEngine;
use crate::complaint::Complaint;
use crate::decide::Decision;
use crate::error::Problem;
use crate::policy::{Scale, DETRACTOR, LOW, PROMOTER};
use std::sync::Arc;

impl TriggerEngine {
    /// Count a feedback event in each feedback policy of its scale whose `when` holds and whose
    /// group fields it has, unless `ahead` holds it or `admit` turns it away.
    pub(super) fn feed_feedback(&mut self, f: &Feedback, index: usize, out: &mut Outcome) {
        let id: Arc<str> = Arc::from(f.id.as_str());
        if self.ahead(&f.at, false, &f.fields, index, out) {
            return;
        }
        if !self.admit(&id, &f.at, false, index, out) {
            return;
        }
        let engine = self.engine.clone();
        let mut bufs = std::mem::take(&mut self.bufs);
        let mut item = Item::new(
            &engine,
            &mut bufs,
            &f.fields,
            f.comment.as_deref().map(|c| (None, c)),
        );
        let score_milli = (f.score * 1000.0).round() as i64;
        let mut keys = std::mem::take(&mut self.keys);
        keys.reset();
        for pi in 0..self.spec().policies.len() {
            let Some(p) = engine.triggers().policies.get(pi) else {
                continue;
            };
            if p.kind.complaints() {
                continue;
            }
            let Some(low_at) = p.low_for(&f.scale) else {
                continue;
            };
            if p.conditional && !item.holds(pi) {
                continue;
            }
            let class = self.key_class.get(pi).copied().unwrap_or(0);
            let Some((built, key, h)) = keys.slots.get_mut(class) else {
                continue;
            };
            let present = *built.get_or_insert_with(|| {
                let ok = item.group_into(p, key);
                *h = self.hasher.hash(key);
                ok
            });
            if !present {
                continue;
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
                item.pain(&self.pain_dims)
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
                id: Arc::clone(&id),
                pain,
            };
            if p.kind.windowed() {
                self.windowed(pi, h, key, entry, out);
            } else if low {
                self.immediate(pi, h, key, entry, out);
            }
        }
        let warning = item.warning.take();
        drop(item);
        self.keys = keys;
        self.bufs = bufs;
        if let Some(w) = warning {
            out.notices.push(Notice {
                index,
                id: Some(f.id.clone()),
                kind: NoticeKind::Warning,
                message: w,
                problems: Vec::new(),
            });
        }
        self.report_evictions(index, Some(f.id.clone()), out);
        self.sweep_if_due();
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
        let shared: Arc<str> = Arc::from(id);
        // A complaint the caller classified is held without its decision: the same pack gives
        // the same one when it is counted.
        if self.ahead(&at, true, &c.fields, index, out) {
            return;
        }
        if !self.admit(&shared, &at, true, index, out) {
            return;
        }
        let engine = self.engine.clone();
        let mut bufs = std::mem::take(&mut self.bufs);
        let mut item = Item::new(
            &engine,
            &mut bufs,
            &c.fields,
            Some((c.title.as_deref(), c.text.as_str())),
        );
        if let Some(d) = given {
            item = item.given(d);
        }
        for pi in 0..self.spec().policies.len() {
            let Some(p) = engine.triggers().policies.get(pi) else {
                continue;
            };
            if !p.kind.complaints() {
                continue;
            }
            if p.conditional && !item.holds(pi) {
                continue;
            }
            let mut key = String::new();
            if !item.group_into(p, &mut key) {
                continue;
            }
            let h = self.hasher.hash(&key);
            let (pain, _) = item.pain(&self.pain_dims);
            let entry = Entry {
                at: at.millis,
                off: at.offset_minutes,
                flags: TEXT,
                score: 0,
                id: Arc::clone(&shared),
                pain,
            };
            self.windowed(pi, h, &key, entry, out);
        }
        drop(item);
        self.bufs = bufs;
        self.report_evictions(index, c.id.clone(), out);
        self.sweep_if_due();
    }
}
