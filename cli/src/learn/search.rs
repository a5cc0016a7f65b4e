//! The rules `wendu learn` adds beside the pack's own: per model label a veto and an "on its
//! own" rule (`LabelPlan`), chosen by a search over thresholds that maximises macro-F1 on the
//! simulated outcomes (`Search`), which also scores outcomes per class and the proposed
//! `needs_review` threshold.

use crate::combine::{self, DimSim, SimRule, Weight};
use crate::labelled::Class;
use serde_json::{json, Value};
use wendu::model::metrics::{macro_f1, Counts};

/// Rules learned for one model label: evidence against it below `veto.0` (weight `veto.1`,
/// negative), the label on its own at or above `alone.0` with weight `alone.1`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LabelPlan {
    pub veto: Option<(f64, f64)>,
    pub alone: Option<(f64, Weight)>,
}

/// Veto thresholds tried (p below it counts against the label).
const VETO_GRID: &[f64] = &[0.02, 0.05, 0.08, 0.1, 0.15, 0.2, 0.25, 0.3];
/// Veto weights tried: −1 takes the label away whatever the rules say. Partial vetoes (−0.5,
/// −0.3: only rules below a confidence of 1 or 0.71 yield at threshold 0.5) measured no better
/// (EVALUATION.md) and have no equivalent in today's engine for the check, so they are not tried.
const VETO_WEIGHTS: &[f64] = &[-1.0];
/// "On its own" thresholds tried.
const ALONE_GRID: &[f64] = &[
    0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.8, 0.9,
];

/// What the plan search and the scoring need about the rows.
pub(super) struct Search<'a> {
    pub(super) dim: &'a DimSim,
    pub(super) classes: &'a [Class],
    pub(super) truth: &'a [Vec<bool>],
    pub(super) fired: &'a [Vec<Vec<String>>],
    /// Index the learned model takes among the pack's models.
    pub(super) model: usize,
    /// Model label → dimension label index.
    pub(super) label_of_code: &'a [Option<usize>],
}

impl Search<'_> {
    /// Counts per class of one outcome.
    pub(super) fn count(&self, out: &combine::Outcome, row: usize, counts: &mut [Counts]) {
        for (ci, c) in self.classes.iter().enumerate() {
            let predicted = out.labels.iter().any(|l| {
                self.dim
                    .codes
                    .get(l.0)
                    .is_some_and(|code| c.codes.contains(code))
            });
            let is = self
                .truth
                .get(row)
                .and_then(|t| t.get(ci))
                .copied()
                .unwrap_or(false);
            if let Some(n) = counts.get_mut(ci) {
                n.add(is, predicted);
            }
        }
    }

    pub(super) fn evaluate(
        &self,
        dim: &DimSim,
        rows: &[usize],
        probs: impl Fn(usize) -> Vec<Vec<f64>>,
    ) -> Vec<Counts> {
        let mut counts = vec![Counts::default(); self.classes.len()];
        for &row in rows {
            let out = combine::simulate(
                dim,
                self.fired.get(row).map(Vec::as_slice).unwrap_or(&[]),
                &probs(row),
            );
            self.count(&out, row, &mut counts);
        }
        counts
    }

    /// `base` with the plan's rules appended to the model labels' rules.
    pub(super) fn apply(&self, base: &DimSim, plan: &[LabelPlan]) -> DimSim {
        let mut d = base.clone();
        for (k, p) in plan.iter().enumerate() {
            let Some(Some(li)) = self.label_of_code.get(k) else {
                continue;
            };
            let Some(rules) = d.rules.get_mut(*li) else {
                continue;
            };
            if let Some((min, weight)) = p.alone {
                rules.push(SimRule::Model {
                    model: self.model,
                    label: k,
                    min,
                    max: f64::INFINITY,
                    weight,
                });
            }
            if let Some((v, w)) = p.veto {
                rules.push(SimRule::Model {
                    model: self.model,
                    label: k,
                    min: 0.0,
                    max: v,
                    weight: Weight::Fixed(w),
                });
            }
        }
        d
    }

    /// Choose per model label a veto and an "on its own" threshold maximising macro-F1 over
    /// `rows` (coordinate ascent, up to three sweeps; a change must gain). The weight of a
    /// label on its own is the precision it had on these rows, at least the dimension's
    /// threshold (so the rule can give the label) and at most 0.99. `probs(row)` gives every
    /// model's probabilities, the learned one last.
    pub(super) fn search(
        &self,
        base: &DimSim,
        rows: &[usize],
        probs: &dyn Fn(usize) -> Vec<Vec<f64>>,
        vetoes: bool,
    ) -> Vec<LabelPlan> {
        let n = self.label_of_code.len();
        let cached: Vec<Vec<f64>> = rows
            .iter()
            .map(|&r| probs(r).get(self.model).cloned().unwrap_or_default())
            .collect();
        // The base rules' state per row, computed once: the learned rules come last in pack
        // order, so applying them to it gives exactly what `simulate` gives.
        let bases: Vec<Vec<combine::Acc>> = rows
            .iter()
            .map(|&r| {
                combine::accumulate(
                    base,
                    self.fired.get(r).map(Vec::as_slice).unwrap_or(&[]),
                    &probs(r),
                )
            })
            .collect();
        let mut plan = vec![
            LabelPlan {
                veto: None,
                alone: None
            };
            n
        ];
        let thr = base.threshold.max(0.01);
        let score = |plan: &[LabelPlan]| -> f64 {
            let mut counts = vec![Counts::default(); self.classes.len()];
            for (i, &row) in rows.iter().enumerate() {
                let Some(mut accs) = bases.get(i).cloned() else {
                    continue;
                };
                for (k, p) in plan.iter().enumerate() {
                    let Some(Some(li)) = self.label_of_code.get(k) else {
                        continue;
                    };
                    let (Some(acc), Some(&x)) =
                        (accs.get_mut(*li), cached.get(i).and_then(|v| v.get(k)))
                    else {
                        continue;
                    };
                    if let Some((a, Weight::Fixed(w))) = p.alone {
                        if x >= a {
                            acc.fire(w);
                        }
                    }
                    if let Some((v, w)) = p.veto {
                        if x < v {
                            acc.fire(w);
                        }
                    }
                }
                let out = combine::finish(base, &accs);
                self.count(&out, row, &mut counts);
            }
            macro_f1(&counts)
        };
        let mut best = score(&plan);
        let mut veto_options: Vec<Option<(f64, f64)>> = vec![None];
        if vetoes {
            for &v in VETO_GRID {
                for &w in VETO_WEIGHTS {
                    veto_options.push(Some((v, w)));
                }
            }
        }
        for _ in 0..3 {
            let mut changed = false;
            for k in 0..n {
                for &veto in &veto_options {
                    for alone in std::iter::once(None).chain(ALONE_GRID.iter().map(|&a| Some(a))) {
                        if matches!((veto, alone), (Some((v, _)), Some(a)) if v > a) {
                            continue;
                        }
                        let mut trial = plan.clone();
                        if let Some(slot) = trial.get_mut(k) {
                            *slot = LabelPlan {
                                veto,
                                alone: alone.map(|a| (a, Weight::Fixed(thr))),
                            };
                        }
                        let s = score(&trial);
                        if s > best + 1e-9 {
                            best = s;
                            plan = trial;
                            changed = true;
                        }
                    }
                }
            }
            if !changed {
                break;
            }
        }
        // Weights: the precision of each label on its own on these rows.
        for (k, p) in plan.iter_mut().enumerate() {
            let Some((a, _)) = p.alone else { continue };
            let class = self.classes.iter().position(|c| {
                self.label_of_code
                    .get(k)
                    .copied()
                    .flatten()
                    .and_then(|li| self.dim.codes.get(li))
                    .is_some_and(|code| c.codes.contains(code))
            });
            let (mut hit, mut all) = (0usize, 0usize);
            for (i, &row) in rows.iter().enumerate() {
                if cached
                    .get(i)
                    .and_then(|v| v.get(k))
                    .is_some_and(|&x| x >= a)
                {
                    all += 1;
                    if class.is_some_and(|ci| {
                        self.truth
                            .get(row)
                            .and_then(|t| t.get(ci))
                            .copied()
                            .unwrap_or(false)
                    }) {
                        hit += 1;
                    }
                }
            }
            let precision = if all > 0 {
                hit as f64 / all as f64
            } else {
                0.0
            };
            let w = ((precision * 100.0).round() / 100.0).clamp(thr, 0.99);
            p.alone = Some((a, Weight::Fixed(w)));
        }
        plan
    }

    /// Proposed `needs_review` at `below`: the share flagged and how often the top label is
    /// right (its code is among the gold class's codes) in each group.
    pub(super) fn review(&self, outcomes: &[combine::Outcome], below: f64) -> Value {
        let (mut flagged, mut right_f, mut right_o) = (0usize, 0usize, 0usize);
        for (row, out) in outcomes.iter().enumerate() {
            let top_right = out.labels.first().is_some_and(|l| {
                self.classes.iter().enumerate().any(|(ci, c)| {
                    self.truth
                        .get(row)
                        .and_then(|t| t.get(ci))
                        .copied()
                        .unwrap_or(false)
                        && self
                            .dim
                            .codes
                            .get(l.0)
                            .is_some_and(|code| c.codes.contains(code))
                })
            }) && !out.fallback;
            if out.needs_review(below) {
                flagged += 1;
                right_f += usize::from(top_right);
            } else {
                right_o += usize::from(top_right);
            }
        }
        let n = outcomes.len().max(1);
        json!({"below": below, "share": flagged as f64 / n as f64,
               "top_right_flagged": right_f as f64 / flagged.max(1) as f64,
               "top_right_others": right_o as f64 / (outcomes.len() - flagged).max(1) as f64})
    }
}
