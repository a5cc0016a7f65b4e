//! Trigger flow, step three: event → policy match → **window** → alert. One group's sliding
//! window: entries sorted by event time, with running totals for the window ending at the
//! group's latest event (O(1) per in-order event) and an exact rescan for late events.

use crate::policy::{Agg, View, LOW};
use std::collections::VecDeque;
use std::sync::Arc;

/// One counted event (or complaint) in a window.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// Event time, UTC milliseconds.
    pub at: i64,
    /// The offset the time was written with, in minutes (for output).
    pub off: i16,
    /// [`LOW`], [`PROMOTER`](crate::policy::PROMOTER),
    /// [`DETRACTOR`](crate::policy::DETRACTOR).
    pub flags: u8,
    /// Score in thousandths (exact sums); 0 for complaints.
    pub score: i64,
    /// Event id (shared by every policy's entry and the dedupe set: one allocation per event).
    pub id: Arc<str>,
    /// Pain labels of its text: `dimension index << 16 | label index`.
    pub pain: Box<[u32]>,
}

impl Entry {
    /// Low score?
    pub fn low(&self) -> bool {
        self.flags & LOW != 0
    }
}

/// A group's entries and running totals.
#[derive(Debug, Clone, PartialEq)]
pub struct Window {
    /// Entries sorted by time (ties in arrival order).
    pub entries: VecDeque<Entry>,
    /// Latest event time counted (None before the first).
    pub latest: Option<i64>,
    cur: Agg,
    base: Agg,
    cur_start: usize,
    base_start: usize,
    /// Time of the oldest entry (`i64::MAX` when empty): lets [`Window::expire`] return without
    /// touching the oldest entry, which is the one least likely to be in cache.
    front_at: i64,
}

impl Default for Window {
    fn default() -> Self {
        Window {
            entries: VecDeque::new(),
            latest: None,
            cur: Agg::default(),
            base: Agg::default(),
            cur_start: 0,
            base_start: 0,
            front_at: i64::MAX,
        }
    }
}

impl Window {
    /// Add an entry. `w` is the window, `b` the baseline (0 when none). Returns the evaluation
    /// of the window that ends at the entry's own time, and whether it came in order (its time
    /// is not before the group's latest).
    pub fn insert(&mut self, e: Entry, w: i64, b: i64) -> (View, bool) {
        let t = e.at;
        self.front_at = self.front_at.min(t);
        match self.latest {
            Some(latest) if t < latest => {
                let p = self.entries.partition_point(|x| x.at <= t);
                if t > latest.saturating_sub(w) {
                    self.cur.add(e.flags, e.score);
                } else if t > latest.saturating_sub(w).saturating_sub(b) {
                    self.base.add(e.flags, e.score);
                    self.cur_start += 1;
                } else {
                    self.base_start += 1;
                    self.cur_start += 1;
                }
                self.entries.insert(p, e);
                (self.view_at(t, w, b), false)
            }
            _ => {
                self.cur.add(e.flags, e.score);
                self.entries.push_back(e);
                self.latest = Some(t);
                self.slide(t, w, b);
                (self.current(), true)
            }
        }
    }

    /// The running totals: the window ending at the latest event.
    pub fn current(&self) -> View {
        View {
            cur: self.cur,
            base: self.base,
            range: (self.cur_start, self.entries.len()),
        }
    }

    fn slide(&mut self, t: i64, w: i64, b: i64) {
        let cur_edge = t.saturating_sub(w);
        while let Some(e) = self.entries.get(self.cur_start) {
            if e.at > cur_edge {
                break;
            }
            self.cur.remove(e.flags, e.score);
            self.base.add(e.flags, e.score);
            self.cur_start += 1;
        }
        let base_edge = cur_edge.saturating_sub(b);
        while self.base_start < self.cur_start {
            let Some(e) = self.entries.get(self.base_start) else {
                break;
            };
            if e.at > base_edge {
                break;
            }
            self.base.remove(e.flags, e.score);
            self.base_start += 1;
        }
    }

    /// Exact totals of the window (t − w, t] and the baseline (t − w − b, t − w], by scanning.
    pub fn view_at(&self, t: i64, w: i64, b: i64) -> View {
        let cur_edge = t.saturating_sub(w);
        let base_edge = cur_edge.saturating_sub(b);
        let lo = self.entries.partition_point(|x| x.at <= base_edge);
        let mid = self.entries.partition_point(|x| x.at <= cur_edge);
        let hi = self.entries.partition_point(|x| x.at <= t);
        let mut v = View {
            cur: Agg::default(),
            base: Agg::default(),
            range: (mid, hi),
        };
        for e in self.entries.range(lo..mid) {
            v.base.add(e.flags, e.score);
        }
        for e in self.entries.range(mid..hi) {
            v.cur.add(e.flags, e.score);
        }
        v
    }

    /// Drop entries at or before `horizon` (no future evaluation can reach them).
    pub fn expire(&mut self, horizon: i64) {
        if self.front_at > horizon {
            return;
        }
        while let Some(e) = self.entries.front() {
            if e.at > horizon {
                break;
            }
            if self.base_start > 0 {
                self.base_start -= 1;
                self.cur_start = self.cur_start.saturating_sub(1);
            } else if self.cur_start > 0 {
                self.base.remove(e.flags, e.score);
                self.cur_start -= 1;
            } else {
                self.cur.remove(e.flags, e.score);
            }
            self.entries.pop_front();
        }
        self.front_at = self.entries.front().map_or(i64::MAX, |e| e.at);
    }

    /// Rebuild from entries (sorted by time) and the latest time: used by snapshot restore, so
    /// running totals are never taken on trust from outside.
    pub fn rebuild(entries: Vec<Entry>, latest: Option<i64>, w: i64, b: i64) -> Window {
        let mut win = Window {
            front_at: entries.first().map_or(i64::MAX, |e| e.at),
            entries: entries.into(),
            latest,
            ..Window::default()
        };
        if let Some(t) = latest {
            let v = win.view_at(t, w, b);
            let base_edge = t.saturating_sub(w).saturating_sub(b);
            win.base_start = win.entries.partition_point(|x| x.at <= base_edge);
            win.cur_start = v.range.0;
            win.cur = v.cur;
            win.base = v.base;
            // Entries after `latest` cannot exist in a consistent window; they are counted in
            // the current window so totals and ranges stay aligned.
            for e in win.entries.range(v.range.1..) {
                win.cur.add(e.flags, e.score);
            }
        }
        win
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(at: i64, low: bool, score: i64) -> Entry {
        Entry {
            at,
            off: 0,
            flags: if low { LOW } else { 0 },
            score: score * 1000,
            id: format!("e{at}").into(),
            pain: Box::new([]),
        }
    }

    /// Running totals always equal a rescan.
    fn check(w: &Window, width: i64, base: i64) {
        if let Some(t) = w.latest {
            assert_eq!(w.current(), w.view_at(t, width, base), "{w:?}");
        }
    }

    #[test]
    fn in_order_window_slides() {
        let mut w = Window::default();
        for t in [1, 2, 3, 10, 11, 12, 25] {
            let (v, in_order) = w.insert(e(t, t % 2 == 1, 1), 10, 5);
            assert!(in_order);
            check(&w, 10, 5);
            assert_eq!(v, w.current());
        }
        let v = w.current();
        // (15, 25]: {25}; baseline (10, 15]: {11, 12}.
        assert_eq!(v.cur.count, 1);
        assert_eq!(v.base.count, 2);
    }

    #[test]
    fn boundary_is_exclusive_at_the_start() {
        let mut w = Window::default();
        w.insert(e(0, true, 1), 10, 0);
        let (v, _) = w.insert(e(10, true, 1), 10, 0);
        assert_eq!(
            v.cur.count, 1,
            "the event exactly one window earlier is out"
        );
        let mut w = Window::default();
        w.insert(e(1, true, 1), 10, 0);
        let (v, _) = w.insert(e(10, true, 1), 10, 0);
        assert_eq!(v.cur.count, 2);
    }

    #[test]
    fn late_entries_keep_running_totals_exact() {
        let mut w = Window::default();
        for t in [100, 110, 120, 130] {
            w.insert(e(t, true, 2), 20, 20);
        }
        for t in [125, 95, 105, 129, 80, 130] {
            let (v, in_order) = w.insert(e(t, false, 5), 20, 20);
            assert_eq!(in_order, t >= 130);
            check(&w, 20, 20);
            assert_eq!(v, w.view_at(t, 20, 20));
        }
        w.expire(100);
        check(&w, 20, 20);
        w.expire(112);
        check(&w, 20, 20);
        w.expire(1000);
        assert!(w.entries.is_empty());
        assert_eq!(w.current().cur, Agg::default());
    }

    #[test]
    fn rebuild_matches() {
        let mut w = Window::default();
        for t in [5, 9, 14, 18, 30, 31] {
            w.insert(e(t, t % 3 == 0, 3), 10, 7);
        }
        let r = Window::rebuild(w.entries.iter().cloned().collect(), w.latest, 10, 7);
        assert_eq!(r, w);
    }
}
