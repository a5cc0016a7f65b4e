//! Beside the flow: a read-only description of a loaded pack (dimensions and their labels,
//! severity levels and factors) for tools — the CLI's reports, the studio, learning — so that
//! none of them reaches into the compiled internals.

use crate::compile::CompiledPack;
use serde::Serialize;

/// What a pack decides, as tools see it. Serialises to JSON in this field order.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PackDescriptor {
    /// Pack id.
    pub id: String,
    /// Pack version.
    pub version: String,
    /// Content hash (as in every decision).
    pub hash: String,
    /// BCP 47 locale.
    pub locale: String,
    /// The pack's own description.
    pub description: String,
    /// Dimensions in evaluation order.
    pub dimensions: Vec<DimensionDescriptor>,
    /// Severity levels by increasing points (empty when the pack scores none).
    pub levels: Vec<LevelDescriptor>,
    /// Severity factors in pack order.
    pub factors: Vec<FactorDescriptor>,
    /// Trigger policies in pack order.
    pub policies: Vec<PolicyDescriptor>,
    /// Distinct terms (after normalisation) the pack's conditions match.
    pub terms: usize,
}

/// A trigger policy of a [`PackDescriptor`].
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PolicyDescriptor {
    /// Id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// `immediate`, `low_count`, `mean`, `nps`, `low_share` or `surge`.
    pub kind: &'static str,
    /// The fields that make a group (`branch`, `labels.journey`…), in key order.
    pub group_by: Vec<String>,
    /// The sliding window as written (`"1h"`), for windowed kinds.
    pub window: Option<String>,
    /// The scales it takes, each with its low-score threshold (score ≤ low is low).
    pub scales: Vec<ScaleDescriptor>,
}

/// A scale a policy takes, in a [`PolicyDescriptor`].
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ScaleDescriptor {
    /// `csat5`, `nps`, `ces7`, or `min..max`.
    pub scale: String,
    /// Scores at or below this are low.
    pub low: f64,
}

/// A dimension of a [`PackDescriptor`].
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DimensionDescriptor {
    /// Id, the key in `decision.labels`.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Several labels may be given.
    pub multi: bool,
    /// Code of the fallback label.
    pub fallback: Option<String>,
    /// Labels in pack order.
    pub labels: Vec<LabelDescriptor>,
}

/// A label of a [`DimensionDescriptor`].
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LabelDescriptor {
    /// Code.
    pub code: String,
    /// Display name.
    pub name: String,
    /// Parent code.
    pub parent: Option<String>,
    /// The label's own route.
    pub route: Option<RouteDescriptor>,
    /// Advice carried in decisions.
    pub advice: Option<String>,
    /// Free text.
    pub description: Option<String>,
    /// How many rules the label has.
    pub rules: usize,
}

/// A label's route in a [`LabelDescriptor`].
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RouteDescriptor {
    /// Owning department.
    pub department: String,
    /// Work queue inside it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queue: Option<String>,
}

/// A severity level of a [`PackDescriptor`].
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LevelDescriptor {
    /// Id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Points needed.
    pub min_points: i64,
    /// Handling deadline in hours.
    pub deadline_hours: Option<u64>,
    /// Who must be told at once.
    pub escalate_to: Option<String>,
}

/// A severity factor of a [`PackDescriptor`].
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FactorDescriptor {
    /// Id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Points it adds.
    pub points: i64,
    /// Level it raises the complaint to at least.
    pub min_level: Option<String>,
}

impl PackDescriptor {
    /// Describe a compiled pack (from JSON or from a `.wdp` alike).
    pub(crate) fn of(c: &CompiledPack) -> PackDescriptor {
        PackDescriptor {
            id: c.info.id.clone(),
            version: c.info.version.clone(),
            hash: c.info.hash.clone(),
            locale: c.info.locale.clone(),
            description: c.info.description.clone(),
            dimensions: c
                .dimensions
                .iter()
                .map(|d| DimensionDescriptor {
                    id: d.id.clone(),
                    name: d.name.clone(),
                    multi: d.multi,
                    fallback: d
                        .fallback
                        .and_then(|f| d.labels.get(f))
                        .map(|l| l.code.clone()),
                    labels: d
                        .labels
                        .iter()
                        .map(|l| LabelDescriptor {
                            code: l.code.clone(),
                            name: l.name.clone(),
                            parent: l.parent_code.clone(),
                            route: l.route.as_ref().map(|r| RouteDescriptor {
                                department: r.department.clone(),
                                queue: r.queue.clone(),
                            }),
                            advice: l.advice.clone(),
                            description: l.description.clone(),
                            rules: l.rules.len(),
                        })
                        .collect(),
                })
                .collect(),
            levels: c
                .levels
                .iter()
                .map(|l| LevelDescriptor {
                    id: l.id.clone(),
                    name: l.name.clone(),
                    min_points: l.min_points,
                    deadline_hours: l.deadline_hours,
                    escalate_to: l.escalate_to.clone(),
                })
                .collect(),
            factors: c
                .factors
                .iter()
                .map(|f| FactorDescriptor {
                    id: f.id.clone(),
                    name: f.name.clone(),
                    points: f.points,
                    min_level: f
                        .min_level
                        .and_then(|i| c.levels.get(i))
                        .map(|l| l.id.clone()),
                })
                .collect(),
            policies: c
                .triggers
                .policies
                .iter()
                .map(|p| PolicyDescriptor {
                    id: p.id.clone(),
                    name: p.name.clone(),
                    kind: p.kind.as_str(),
                    group_by: p.group_by.iter().map(|g| g.path().to_string()).collect(),
                    window: p.window.as_ref().map(|w| w.text.clone()),
                    scales: p
                        .scales
                        .iter()
                        .map(|(s, low)| ScaleDescriptor {
                            scale: s.name(),
                            low: *low,
                        })
                        .collect(),
                })
                .collect(),
            terms: c.terms.len(),
        }
    }

    /// A dimension by id.
    pub fn dimension(&self, id: &str) -> Option<&DimensionDescriptor> {
        self.dimensions.iter().find(|d| d.id == id)
    }

    /// Compact JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| String::from("null"))
    }
}
