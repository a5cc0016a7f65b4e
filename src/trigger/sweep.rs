//! Trigger state, bounded: sweeping window entries and groups no future event can reach (on a
//! schedule that follows the watermark), and dropping the least recently active groups when
//! the pack's `max_groups` is reached, with the notice that says so.

use super::alert::{Notice, NoticeKind, Outcome};
use super::state::KeyMap;
use super::TriggerEngine;

impl TriggerEngine {
    /// Sweep when the watermark enters a new period of `sweep_every` (the first event only
    /// starts the schedule).
    pub(super) fn sweep_if_due(&mut self) {
        let Some(wm) = self.state.watermark else {
            return;
        };
        let period = wm.div_euclid(self.sweep_every.max(1));
        match self.swept {
            None => {
                self.swept = Some(period);
                return;
            }
            Some(p) if period <= p => return,
            _ => {}
        }
        self.swept = Some(period);
        self.sweep(wm);
    }

    /// Make room for one more group when the engine holds `max_groups`: sweep first (idle
    /// groups go and nothing observable changes); if that is not enough, drop the groups whose
    /// latest activity (event, alert, recovery) is oldest — ties by policy, then key — down to
    /// nine tenths of the cap, so that the sort is paid once per tenth of the cap. A dropped
    /// group starts afresh if it comes back; the notice says how many went.
    pub(super) fn make_room(&mut self) {
        let cap = self.spec().max_groups;
        if self.group_count() < cap {
            return;
        }
        if let Some(wm) = self.state.watermark {
            self.sweep(wm);
        }
        let total = self.group_count();
        if total < cap {
            return;
        }
        let mut all: Vec<(Option<i64>, usize, Box<str>)> = Vec::with_capacity(total);
        for (pi, groups) in self.state.groups.iter().enumerate() {
            for (k, g) in groups.iter() {
                let activity = [g.window.latest, g.alert.last_fired, g.alert.good_since]
                    .into_iter()
                    .flatten()
                    .max();
                all.push((activity, pi, k.clone()));
            }
        }
        crate::sort::sort(&mut all);
        let drop = total - cap * 9 / 10;
        for (_, pi, key) in all.into_iter().take(drop) {
            if let Some(groups) = self.state.groups.get_mut(pi) {
                let h = self.hasher.hash(&key);
                groups.remove(h, &key);
            }
        }
        self.evicted += drop;
    }

    fn group_count(&self) -> usize {
        self.state.groups.iter().map(KeyMap::len).sum()
    }

    /// The notice of groups dropped while counting the current event.
    pub(super) fn report_evictions(&mut self, index: usize, id: Option<String>, out: &mut Outcome) {
        if self.evicted == 0 {
            return;
        }
        out.notices.push(Notice {
            index,
            id,
            kind: NoticeKind::Evicted,
            message: format!(
                "{} groups with the oldest activity were dropped to stay within max_groups ({}): their windows, cooldowns and open alerts start afresh",
                self.evicted,
                self.spec().max_groups
            ),
            problems: Vec::new(),
        });
        self.evicted = 0;
    }

    /// Drop window entries no future evaluation can reach, and groups whose state is then the
    /// same as a fresh group's (empty window, no open alert, cooldown over). Unobservable: the
    /// alerts that follow are the same with or without it; it only bounds memory.
    fn sweep(&mut self, wm: i64) {
        let spec = &self.engine.triggers();
        let reach = wm.saturating_sub(spec.allowed_lateness.ms);
        for (pi, groups) in self.state.groups.iter_mut().enumerate() {
            let Some(p) = spec.policies.get(pi) else {
                continue;
            };
            let horizon = reach.saturating_sub(p.span_ms());
            groups.retain(|_, g| {
                g.window.expire(horizon);
                let cooled = g
                    .alert
                    .last_fired
                    .map_or(true, |lf| reach >= lf.saturating_add(p.cooldown.ms));
                !(g.window.entries.is_empty() && !g.alert.alerting && cooled)
            });
        }
    }
}
