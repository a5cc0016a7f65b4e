//! Step five: pack → compile → text → scan → **rules** → decide. The label rules of every
//! dimension, in pack order, over one scan: the rules worth trying come from the terms present
//! (the rule index), each that holds lends its label its weight (confidence = 1 − Π(1 − weight)),
//! and each dimension keeps its labels above the threshold — best first, exclusive groups and
//! single-label dimensions applied, the fallback when none qualifies. A `label` condition sees the
//! labels of the dimensions before its own.

use crate::compile::{CompiledDimension, CompiledPack};
use crate::condition::{Condition, Ctx};
use crate::pack::Weight;
use std::ops::Range;

/// A label a dimension chose: its index, its confidence, and the range of its fired rules (rule
/// indices within the label) in [`Labelled::fired`]; an empty range for the fallback.
pub(crate) type Chosen = (usize, f64, Range<usize>);

/// The labels of every dimension of one complaint, by index: what `decide` renders.
#[derive(Debug, Default)]
pub(crate) struct Labelled {
    /// Per dimension, its chosen labels, best first.
    pub chosen: Vec<Vec<Chosen>>,
    /// Fired rule indices, referenced by the ranges in `chosen`.
    pub fired: Vec<usize>,
    /// Per dimension, the indices of its chosen labels (read by `label` conditions, the route,
    /// and the trigger).
    pub assigned: Vec<Vec<usize>>,
    /// Scratch: candidate rule numbers, their bitset, and their (dimension, label, rule).
    cands: Vec<u32>,
    cand_bits: Vec<u64>,
    refs: Vec<(u32, u32, u32)>,
}

impl Labelled {
    /// The labels a dimension chose, with the rules that fired for each.
    pub fn of(&self, dim: usize) -> impl ExactSizeIterator<Item = (usize, f64, &[usize])> {
        self.chosen
            .get(dim)
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .map(|(li, conf, range)| {
                (
                    *li,
                    *conf,
                    self.fired.get(range.clone()).unwrap_or_default(),
                )
            })
    }
}

/// Evaluate every dimension's rules into `out` (its buffers are reused from one complaint to the
/// next); `base` is the context with no labels assigned yet.
pub(crate) fn label(base: &Ctx, pack: &CompiledPack, out: &mut Labelled) {
    let Labelled {
        chosen,
        fired,
        assigned,
        cands,
        cand_bits,
        refs,
    } = out;
    let n = pack.dimensions.len();
    chosen.resize_with(n, Vec::new);
    chosen.truncate(n);
    chosen.iter_mut().for_each(Vec::clear);
    assigned.resize_with(n, Vec::new);
    assigned.truncate(n);
    assigned.iter_mut().for_each(Vec::clear);
    fired.clear();
    // The rules worth trying, from the terms present, as (dimension, label, rule) in pack order:
    // each dimension's candidates are one run, each label's a run within it.
    pack.rule_index
        .candidates(&base.scan.present_any, cand_bits, cands);
    refs.clear();
    refs.extend(
        cands
            .iter()
            .filter_map(|&no| pack.rule_refs.get(no as usize)),
    );
    let mut rest: &[(u32, u32, u32)] = refs;
    for (di, dim) in pack.dimensions.iter().enumerate() {
        let ctx = Ctx { assigned, ..*base };
        let mine = rest.partition_point(|r| (r.0 as usize) <= di);
        let (now, after) = rest.split_at(mine);
        rest = after;
        let Some(slot) = chosen.get_mut(di) else {
            continue;
        };
        evaluate_dimension(&ctx, dim, now, slot, fired);
        if let Some(a) = assigned.get_mut(di) {
            a.extend(slot.iter().map(|x| x.0).filter(|&li| li < dim.labels.len()));
        }
    }
}

/// The labels a dimension chooses, best first, into `chosen`, their fired rules appended to
/// `fired`. `cands` are the dimension's rules that can hold, in pack order.
fn evaluate_dimension(
    ctx: &Ctx,
    dim: &CompiledDimension,
    cands: &[(u32, u32, u32)],
    chosen: &mut Vec<Chosen>,
    fired: &mut Vec<usize>,
) {
    // Every rule that can hold, by label, in pack order (a rule that needs a term the complaint
    // lacks cannot hold and is not among them).
    for group in cands.chunk_by(|a, b| a.1 == b.1) {
        let Some(&(_, li, _)) = group.first() else {
            continue;
        };
        let li = li as usize;
        let Some(label) = dim.labels.get(li) else {
            continue;
        };
        // Confidence: 1 − Π(1 − w) over the rules for the label that fired, times Π(1 + v)
        // over those against it (v < 0); a label of confidence 0 is never given.
        let (mut miss, mut kept) = (1.0f64, 1.0f64);
        let from = fired.len();
        for &(_, _, ri) in group {
            let ri = ri as usize;
            let Some(r) = label.rules.get(ri) else {
                continue;
            };
            if r.when.holds(ctx) {
                match lent(&r.weight, &r.when, ctx) {
                    w if w < 0.0 => kept *= 1.0 + w,
                    w => miss *= 1.0 - w,
                }
                fired.push(ri);
            }
        }
        let conf = (1.0 - miss) * kept;
        if conf > 0.0 && conf >= dim.threshold {
            chosen.push((li, conf, from..fired.len()));
        } else {
            fired.truncate(from);
        }
    }
    // Exclusive groups: of the qualifying labels of a group, only the first in group order stays.
    for group in &dim.exclusive {
        if let Some(&winner) = group.iter().find(|g| chosen.iter().any(|s| s.0 == **g)) {
            chosen.retain(|s| s.0 == winner || !group.contains(&s.0));
        }
    }
    // Best first; ties keep pack order (stable sort) so output is deterministic.
    crate::sort::sort_by(chosen, |a, b| {
        b.1.partial_cmp(&a.1).unwrap_or(std::cmp::Ordering::Equal)
    });
    if !dim.multi {
        chosen.truncate(1);
    }
    if chosen.is_empty() {
        if let Some(fb) = dim.fallback {
            chosen.push((fb, 0.0, 0..0));
        }
    }
}

/// What a rule that fired lends its label: its weight, or its model condition's probability.
pub(crate) fn lent(weight: &Weight, when: &Condition, ctx: &Ctx) -> f64 {
    match (weight, when) {
        (Weight::Fixed(w), _) => *w,
        (Weight::Probability, Condition::Model(m)) => m.probability(ctx),
        // The pack reader allows "probability" only on a model condition.
        (Weight::Probability, _) => 0.0,
    }
}
