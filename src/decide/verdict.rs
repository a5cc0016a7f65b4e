//! The lean rendering of a ruling: the [`Verdict`] — the same labels, confidences, route and
//! severity as the decision, without evidence, amounts, personal data, masked text or negations.
//! Strings are borrowed from the compiled pack, so building one allocates little: the output for
//! high-volume triage (docs/decision-format.md, "Verdicts").

use super::explain::Labels;
use super::{deadline, Ruling};
use crate::compile::CompiledPack;
use crate::json::Num;
use crate::time::Timestamp;
use serde::Serialize;

/// A label of a [`Verdict`]: its code and confidence, no explanation.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LabelCode<'p> {
    /// Code.
    pub code: &'p str,
    /// Confidence, as in [`super::Label::confidence`].
    pub confidence: Num,
    /// True when given because nothing else was.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub fallback: bool,
}

/// The route of a [`Verdict`] (the fields of [`super::Route`], borrowed from the pack).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RouteRef<'p> {
    /// Department.
    pub department: &'p str,
    /// Queue.
    pub queue: Option<&'p str>,
    /// Dimension whose label decided it (null for the pack default).
    pub dimension: Option<&'p str>,
    /// That label.
    pub code: Option<&'p str>,
}

/// The severity of a [`Verdict`]: [`super::Severity`] with factor ids instead of explained
/// factors.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SeverityRef<'p> {
    /// Level id.
    pub level: &'p str,
    /// Level name.
    pub name: &'p str,
    /// Sum of the points of the factors that counted.
    pub points: i64,
    /// Handling deadline in hours.
    pub deadline_hours: Option<u64>,
    /// `received_at` + deadline, in the offset of `received_at`.
    pub deadline: Option<String>,
    /// Who must be told at once.
    pub escalate_to: Option<&'p str>,
    /// Ids of the factors that counted, in pack order.
    pub factors: Vec<&'p str>,
}

/// What was decided for one complaint, without the explanation: the same labels, confidences,
/// route and severity as the [`super::Decision`], but no evidence, amounts, personal data, masked
/// text or negations.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Verdict<'p> {
    /// Complaint id (null when the input had none).
    pub id: Option<String>,
    /// Labels per dimension.
    pub labels: Labels<LabelCode<'p>, &'p str>,
    /// Dimensions whose labels a person should check (their `review_below`); absent when none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub needs_review: Vec<&'p str>,
    /// Route.
    pub route: Option<RouteRef<'p>>,
    /// Severity (null when the pack scores none).
    pub severity: Option<SeverityRef<'p>>,
    /// Notes, e.g. truncation.
    pub warnings: Vec<String>,
}

impl Verdict<'_> {
    /// Compact JSON with the fixed field order.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }
}

/// The ids of the dimensions the ruling says need review.
pub(crate) fn review_ids<'p>(pack: &'p CompiledPack, ruling: &Ruling) -> Vec<&'p str> {
    ruling
        .needs_review
        .iter()
        .filter_map(|&di| pack.dimensions.get(di).map(|d| d.id.as_str()))
        .collect()
}

/// Render the verdict of a complaint (`id`, `received_at`) from its ruling.
pub(crate) fn render<'p>(
    pack: &'p CompiledPack,
    ruling: &Ruling,
    id: Option<String>,
    received_at: Option<Timestamp>,
    warnings: Vec<String>,
) -> Verdict<'p> {
    let mut labels = Labels(Vec::with_capacity(pack.dimensions.len()));
    for (di, dim) in pack.dimensions.iter().enumerate() {
        let chosen = ruling.labels.of(di);
        let mut codes = Vec::with_capacity(chosen.len());
        for (li, conf, fired) in chosen {
            if let Some(l) = dim.labels.get(li) {
                codes.push(LabelCode {
                    code: &l.code,
                    confidence: Num(conf),
                    fallback: fired.is_empty(),
                });
            }
        }
        labels.0.push((dim.id.as_str(), codes));
    }
    let severity = ruling.severity.as_ref().and_then(|s| {
        let l = pack.levels.get(s.level)?;
        Some(SeverityRef {
            level: &l.id,
            name: &l.name,
            points: s.points,
            deadline_hours: l.deadline_hours,
            deadline: deadline(received_at, l),
            escalate_to: l.escalate_to.as_deref(),
            factors: {
                let mut ids = Vec::with_capacity(ruling.factors.len());
                ids.extend(
                    ruling
                        .factors
                        .iter()
                        .filter_map(|&fi| pack.factors.get(fi).map(|f| f.id.as_str())),
                );
                ids
            },
        })
    });
    let route = ruling.route.and_then(|r| {
        let owner = r.route(pack)?;
        let by = r.by.and_then(|(di, li)| {
            let d = pack.dimensions.get(di)?;
            Some((d.id.as_str(), d.labels.get(li)?.code.as_str()))
        });
        Some(RouteRef {
            department: &owner.department,
            queue: owner.queue.as_deref(),
            dimension: by.map(|(d, _)| d),
            code: by.map(|(_, c)| c),
        })
    });
    Verdict {
        id,
        labels,
        needs_review: review_ids(pack, ruling),
        route,
        severity,
        warnings,
    }
}
