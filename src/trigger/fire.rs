//! Trigger flow, last step: event → policy match → window → **alert**. Counting an entry into a
//! policy's group — at once for `immediate`, in the group's sliding window for the others — asking
//! the policy's kind whether it is breached (or has recovered), and building the [`Alert`]: its
//! events, statistics, pain points, owner, deadline and message.

use super::alert::{self, AlertGroup, AlertRoute, GroupValue, PainLabel, PainPoints, Stats};
use super::alert::{Alert, AlertKind, Outcome, WindowOut};
use super::state::{key_values, AlertState};
use super::window::Entry;
use super::TriggerEngine;
use crate::json::Num;
use crate::pack::PolicyDef;
use crate::policy::{fmt_num, Agg, PolicyKind, Scale, View, Wording};
use crate::time::Timestamp;
use std::collections::VecDeque;

/// Entry flag: the event's text was classified (it counts towards `texts` in pain points).
pub(super) const TEXT: u8 = 8;

/// What an alert is built from.
struct Fire<'e> {
    kind: AlertKind,
    key: &'e str,
    tau: i64,
    off: i16,
    entries: &'e VecDeque<Entry>,
    view: View,
    closes: Option<String>,
    since: Option<i64>,
}

impl TriggerEngine {
    pub(super) fn immediate(
        &mut self,
        pi: usize,
        h: u64,
        key: &str,
        entry: Entry,
        out: &mut Outcome,
    ) {
        let engine = self.engine.clone();
        let Some(p) = engine.triggers().policies.get(pi) else {
            return;
        };
        let tau = entry.at;
        if p.cooldown.ms > 0 {
            if !self
                .state
                .groups
                .get(pi)
                .is_some_and(|g| g.contains(h, key))
            {
                self.make_room();
            }
            let Some(groups) = self.state.groups.get_mut(pi) else {
                return;
            };
            let g = groups.get_or_default(h, key);
            if !cooldown_ok(&g.alert, tau, p.cooldown.ms) {
                return;
            }
            g.alert.last_fired = Some(g.alert.last_fired.map_or(tau, |x| x.max(tau)));
        }
        let mut cur = Agg::default();
        cur.add(entry.flags, entry.score);
        let off = entry.off;
        let entries: VecDeque<Entry> = VecDeque::from(vec![entry]);
        let a = self.build_alert(
            p,
            &Fire {
                kind: AlertKind::Fired,
                key,
                tau,
                off,
                entries: &entries,
                view: View {
                    cur,
                    base: Agg::default(),
                    range: (0, 1),
                },
                closes: None,
                since: None,
            },
        );
        out.alerts.push(a);
    }

    pub(super) fn windowed(
        &mut self,
        pi: usize,
        h: u64,
        key: &str,
        entry: Entry,
        out: &mut Outcome,
    ) {
        if !self
            .state
            .groups
            .get(pi)
            .is_some_and(|g| g.contains(h, key))
        {
            self.make_room();
        }
        let Some(p) = self.engine.triggers().policies.get(pi) else {
            return;
        };
        let Some(groups) = self.state.groups.get_mut(pi) else {
            return;
        };
        let (w, b) = (p.window.as_ref().map_or(0, |d| d.ms), p.kind.baseline_ms());
        let lateness = self.engine.triggers().allowed_lateness.ms;
        let tau = entry.at;
        let off = entry.off;
        let g = groups.get_or_default(h, key);
        let (view, in_order) = g.window.insert(entry, w, b);
        let view = if in_order {
            // Expire in batches (an eighth of the reach late): the oldest entries are cold in
            // cache, and entries beyond the horizon are never counted again anyway.
            let reach = p.span_ms().saturating_add(lateness);
            g.window
                .expire(tau.saturating_sub(reach).saturating_sub(reach / 8));
            g.window.current()
        } else {
            view
        };
        let (breach, defined) = p.kind.assess(&view);
        let mut fire = false;
        let mut recovered = false;
        if breach {
            g.alert.good_since = None;
            fire = cooldown_ok(&g.alert, tau, p.cooldown.ms);
        } else if in_order && g.alert.alerting && defined {
            if let Some(rec) = &p.recovery {
                let since = *g.alert.good_since.get_or_insert(tau);
                recovered = tau.saturating_sub(since) >= rec.ms;
            }
        }
        if !(fire || recovered) {
            return;
        }
        let (closes, since) = if recovered {
            (g.alert.fired_id.clone(), g.alert.good_since)
        } else {
            (None, None)
        };
        let kind = if fire {
            AlertKind::Fired
        } else {
            AlertKind::Recovered
        };
        let Some(g) = self.state.groups.get(pi).and_then(|m| m.get(h, key)) else {
            return;
        };
        let a = self.build_alert(
            p,
            &Fire {
                kind,
                key,
                tau,
                off,
                entries: &g.window.entries,
                view,
                closes,
                since,
            },
        );
        if let Some(g) = self
            .state
            .groups
            .get_mut(pi)
            .and_then(|m| m.get_mut(h, key))
        {
            if fire {
                g.alert.last_fired = Some(g.alert.last_fired.map_or(tau, |x| x.max(tau)));
                if p.recovery.is_some() {
                    g.alert.alerting = true;
                    g.alert.fired_id = Some(a.id.clone());
                }
            } else {
                // Recovered: the incident is closed, and a new breach may fire at once.
                g.alert = AlertState::default();
            }
        }
        out.alerts.push(a);
    }

    fn build_alert(&self, p: &PolicyDef, f: &Fire) -> Alert {
        let (kind, key, tau, off, view) = (f.kind, f.key, f.tau, f.off, &f.view);
        let ts = |ms: i64, off: i16| {
            Timestamp {
                millis: ms,
                offset_minutes: off,
            }
            .format()
        };
        let window_entries = f
            .entries
            .range(view.range.0.min(f.entries.len())..view.range.1.min(f.entries.len()));
        // The events behind the alert.
        let only_low = kind == AlertKind::Fired && p.kind.low_only();
        let selected: Vec<&Entry> = window_entries.filter(|e| !only_low || e.low()).collect();
        let max = self.engine.triggers().max_event_ids;
        let events: Vec<String> = selected
            .iter()
            .skip(selected.len().saturating_sub(max))
            .map(|e| e.id.to_string())
            .collect();
        let first = selected.first();
        let last = selected.last();
        // Pain points: the texts of the low scores (of every complaint, for surges).
        let pain_src: Vec<&&Entry> = selected
            .iter()
            .filter(|e| p.kind.complaints() || e.low())
            .collect();
        let pain_points = self.pain_points(p, &pain_src);
        let route = self.route_for(p, &pain_points);
        let group: Vec<GroupValue> = p
            .group_by
            .iter()
            .zip(key_values(key))
            // An alert never repeats personal data: a group by customer phone shows it masked.
            .map(|(g, v)| GroupValue {
                field: g.path().to_string(),
                value: crate::extract::pii::mask_all(&v).unwrap_or(v),
            })
            .collect();
        let (cur, base) = (&view.cur, &view.base);
        let scored = !p.kind.complaints();
        let share = matches!(p.kind, PolicyKind::LowShare(_));
        let stats = Stats {
            count: cur.count,
            low: scored.then_some(cur.low),
            mean: cur.mean().filter(|_| scored).map(Num),
            nps: cur
                .nps()
                .filter(|_| p.scales.iter().any(|(s, _)| *s == Scale::Nps))
                .map(Num),
            share: cur.share().filter(|_| scored).map(Num),
            baseline_count: share.then_some(base.count),
            baseline_share: base.share().filter(|_| share).map(Num),
            threshold: p.kind.threshold(&p.scales).map(Num),
        };
        let message = self.message(p, f);
        let window = p.window.as_ref().map(|w| WindowOut {
            duration: w.text.clone(),
            start: ts(tau.saturating_sub(w.ms), off),
            end: ts(tau, off),
            baseline: match &p.kind {
                PolicyKind::LowShare(k) => Some(k.baseline.text.clone()),
                _ => None,
            },
        });
        let id = alert::alert_id(
            &p.id,
            kind,
            key,
            tau,
            first.map_or("", |e| &e.id),
            last.map_or("", |e| &e.id),
        );
        Alert {
            id,
            policy: p.id.clone(),
            name: p.name.clone(),
            kind,
            policy_kind: p.kind.as_str(),
            severity: if kind == AlertKind::Recovered {
                "info".into()
            } else {
                p.severity.clone()
            },
            group: AlertGroup(group),
            at: ts(tau, off),
            window,
            stats,
            message,
            events,
            events_total: u32::try_from(selected.len()).unwrap_or(u32::MAX),
            first_at: first.map(|e| ts(e.at, e.off)),
            last_at: last.map(|e| ts(e.at, e.off)),
            route,
            deadline: match (kind, p.deadline_hours) {
                (AlertKind::Fired, Some(h)) => Some(ts(
                    tau.saturating_add(i64::try_from(h).unwrap_or(0).saturating_mul(3_600_000)),
                    off,
                )),
                _ => None,
            },
            pain_points,
            closes: f.closes.clone(),
            pack: self.engine.info().reference(),
        }
    }

    fn pain_points(&self, p: &PolicyDef, src: &[&&Entry]) -> Vec<PainPoints> {
        let mut out = Vec::with_capacity(p.pain.dims.len());
        for &di in &p.pain.dims {
            let Some(def) = self.engine.compiled().dimensions.get(di) else {
                continue;
            };
            let mut counts: Vec<u32> = vec![0; def.labels.len()];
            let mut texts = 0u32;
            for e in src {
                if e.flags & TEXT != 0 {
                    texts += 1;
                }
                for &packed in e.pain.iter() {
                    if (packed >> 16) as usize == di {
                        if let Some(c) = counts.get_mut((packed & 0xFFFF) as usize) {
                            *c += 1;
                        }
                    }
                }
            }
            let mut order: Vec<(usize, u32)> = counts
                .iter()
                .copied()
                .enumerate()
                .filter(|(_, c)| *c > 0)
                .collect();
            // Most frequent first; ties in pack order.
            crate::sort::sort_by(&mut order, |a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            let labels = order
                .into_iter()
                .take(p.pain.top)
                .filter_map(|(i, count)| {
                    let l = def.labels.get(i)?;
                    Some(PainLabel {
                        code: l.code.clone(),
                        name: l.name.clone(),
                        count,
                    })
                })
                .collect();
            out.push(PainPoints {
                dimension: def.id.clone(),
                texts,
                labels,
            });
        }
        out
    }

    fn route_for(&self, p: &PolicyDef, pain: &[PainPoints]) -> Option<AlertRoute> {
        if let Some(r) = &p.route {
            return Some(AlertRoute {
                department: r.department.clone(),
                queue: r.queue.clone(),
                source: "policy",
            });
        }
        for pp in pain {
            let Some(top) = pp.labels.first() else {
                continue;
            };
            let Some(dim) = self
                .engine
                .compiled()
                .dimensions
                .iter()
                .find(|d| d.id == pp.dimension)
            else {
                continue;
            };
            // The label's own route, else its nearest ancestor's.
            let mut cur = dim.labels.iter().position(|l| l.code == top.code);
            let mut steps = 0;
            while let Some(l) = cur.and_then(|i| dim.labels.get(i)) {
                if let Some(r) = &l.route {
                    return Some(AlertRoute {
                        department: r.department.clone(),
                        queue: r.queue.clone(),
                        source: "pain",
                    });
                }
                steps += 1;
                if steps > dim.labels.len() {
                    break;
                }
                cur = l.parent;
            }
        }
        self.engine
            .compiled()
            .default_route
            .as_ref()
            .map(|r| AlertRoute {
                department: r.department.clone(),
                queue: r.queue.clone(),
                source: "default",
            })
    }

    fn message(&self, p: &PolicyDef, f: &Fire) -> String {
        let low_at = p
            .scales
            .iter()
            .map(|(s, l)| format!("≤ {} on {}", fmt_num(*l), s.name()))
            .collect::<Vec<_>>()
            .join(", ");
        let metric = p.kind.metric(
            &f.view,
            &Wording {
                low_at: &low_at,
                window: p.window.as_ref().map_or("", |w| w.text.as_str()),
                conditional: p.conditional,
            },
        );
        match f.kind {
            AlertKind::Fired => metric,
            AlertKind::Recovered => {
                let since = f.since.map_or_else(String::new, |s| {
                    format!(
                        " since {}",
                        Timestamp {
                            millis: s,
                            offset_minutes: f.off
                        }
                        .format()
                    )
                });
                format!(
                    "recovered: good at every evaluation{since} ({} or more); now {metric}",
                    p.recovery.as_ref().map_or("", |r| r.text.as_str())
                )
            }
        }
    }
}

fn cooldown_ok(s: &AlertState, tau: i64, cooldown: i64) -> bool {
    cooldown == 0
        || s.last_fired
            .map_or(true, |lf| tau >= lf.saturating_add(cooldown))
}
