//! Step six: pack → compile → text → scan → rules → **decide**. From the labels the rules chose,
//! the complaint's [`severity`] (the points of the factors that hold pick a level, with its
//! deadline) and its [`route`] (the owner of the top label of the first routing dimension): the
//! index-based [`Ruling`]. A [`Decision`] ([`explain`], with the [`evidence`]) and a [`Verdict`]
//! ([`verdict`], without) are two renderings of one ruling.

pub(crate) mod evidence;
pub(crate) mod explain;
mod route;
mod severity;
pub(crate) mod verdict;

pub use evidence::Evidence;
pub use explain::{
    AmountOut, Decision, FactorOut, FiredRule, Label, Labels, Negated, PersonalData, Route,
    Severity,
};
pub use verdict::{LabelCode, RouteRef, SeverityRef, Verdict};

pub(crate) use route::Routed;
pub(crate) use severity::{deadline, Scored};

use crate::compile::CompiledPack;
use crate::condition::Ctx;
use crate::rules::Labelled;

/// What was decided for one complaint, by index into the compiled pack: the labels of every
/// dimension, the severity and the route. Computed once per complaint; rendered as a decision, a
/// verdict, or read by the trigger.
pub(crate) struct Ruling<'a> {
    /// The labels the rules chose.
    pub labels: &'a Labelled,
    /// Level and points (None when the pack has no levels).
    pub severity: Option<Scored>,
    /// The severity factors that counted, in pack order.
    pub factors: &'a [usize],
    /// Where the complaint goes.
    pub route: Option<Routed>,
    /// Dimensions (by index) whose labels a person should check: those with a `review_below`
    /// whose top label is less confident than it, or that got nothing but their fallback.
    pub needs_review: Vec<usize>,
}

/// Score the severity and choose the route of a complaint whose labels are chosen; `ctx` sees
/// every dimension's labels. `factors` is a buffer reused from one complaint to the next.
pub(crate) fn rule<'a>(
    ctx: &Ctx,
    pack: &CompiledPack,
    labels: &'a Labelled,
    factors: &'a mut Vec<usize>,
) -> Ruling<'a> {
    let severity = severity::score(ctx, pack, factors);
    Ruling {
        labels,
        severity,
        factors,
        route: route::choose(pack, &labels.assigned),
        needs_review: needs_review(pack, labels),
    }
}

/// The dimensions whose labels fall short of their `review_below`.
fn needs_review(pack: &CompiledPack, labels: &Labelled) -> Vec<usize> {
    let mut out = Vec::new();
    for (di, dim) in pack.dimensions.iter().enumerate() {
        let Some(below) = dim.review_below else {
            continue;
        };
        // The top label, unless it is only the fallback (no rule fired for it).
        let top = labels
            .of(di)
            .next()
            .filter(|(_, _, fired)| !fired.is_empty());
        if top.map_or(true, |(_, conf, _)| conf < below) {
            out.push(di);
        }
    }
    out
}
