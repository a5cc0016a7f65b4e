//! Step two: pack → **compile** → text → scan → rules → decide. Turns a validated [`Pack`] into
//! what the later steps run, built once: the [`Scanner`] of the scan step (see [`scanner`]),
//! every condition compiled over term ids by its kind, the label rules with their index, the
//! severity factors and levels, the route table, the trigger policies with their conditions,
//! and what describes the pack (identity, names, warnings). Nothing after this step reads the
//! JSON pack again, so a [`CompiledPack`] can be stored as bytes and loaded as it is
//! ([`store`]: the `.wdp` format).

mod scanner;
pub(crate) mod store;

pub use scanner::Automaton;

use crate::condition::{Build, Condition, ConditionIndex, LabelTree};
use crate::error::Problem;
use crate::model::Model;
use crate::pack::{LevelDef, Limits, Pack, PackInfo, PackTest, RouteDef, TriggerSpec, Weight};
use crate::scan::Scanner;
use crate::text::NormalizeOptions;
use std::sync::Arc;

/// A compiled rule.
#[derive(Debug, Clone)]
pub(crate) struct CompiledRule {
    /// Rule id.
    pub id: String,
    /// What it lends its label when it fires.
    pub weight: Weight,
    /// Condition.
    pub when: Condition,
}

/// A compiled label.
#[derive(Debug, Clone)]
pub(crate) struct CompiledLabel {
    /// Code.
    pub code: String,
    /// Display name.
    pub name: String,
    /// Parent label index.
    pub parent: Option<usize>,
    /// Parent code (for output).
    pub parent_code: Option<String>,
    /// The label's own route.
    pub route: Option<RouteDef>,
    /// Advice carried in decisions.
    pub advice: Option<String>,
    /// Free text (for tools: `Engine::describe`).
    pub description: Option<String>,
    /// Rules, in pack order.
    pub rules: Vec<CompiledRule>,
}

/// A compiled dimension.
#[derive(Debug, Clone)]
pub(crate) struct CompiledDimension {
    /// Id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Several labels may be given.
    pub multi: bool,
    /// Minimum confidence (the dimension's own, else the pack's).
    pub threshold: f64,
    /// Fallback label index.
    pub fallback: Option<usize>,
    /// Exclusive groups as label indices in priority order.
    pub exclusive: Vec<Vec<usize>>,
    /// Below this confidence of the top label (or with only the fallback) the decision needs
    /// a person.
    pub review_below: Option<f64>,
    /// Labels.
    pub labels: Vec<CompiledLabel>,
}

/// A compiled severity factor.
#[derive(Debug, Clone)]
pub(crate) struct CompiledFactor {
    /// Id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Points.
    pub points: i64,
    /// Index of the minimum level.
    pub min_level: Option<usize>,
    /// Condition.
    pub when: Condition,
}

/// Everything the steps after `compile` need, built once per pack.
#[derive(Debug, Clone)]
pub(crate) struct CompiledPack {
    /// Identity: id, version, content hash (of the JSON pack), locale, description.
    pub info: PackInfo,
    /// Warnings found while reading the pack.
    pub warnings: Vec<Problem>,
    /// Normalisation of texts (and, done here already, of terms and field values).
    pub normalize: NormalizeOptions,
    /// What the scan step runs.
    pub scanner: Scanner,
    /// Normalised text of each term (index = term id), for evidence.
    pub terms: Vec<Arc<str>>,
    /// Terms with ids below this are used by labels and factors; those above only by trigger
    /// conditions (a decision lists negated terms of its own rules only).
    pub decision_terms: usize,
    /// Dimensions in evaluation order.
    pub dimensions: Vec<CompiledDimension>,
    /// Every label rule as (dimension, label, rule), numbered in pack order: the numbers of
    /// [`CompiledPack::rule_index`].
    pub rule_refs: Vec<(u32, u32, u32)>,
    /// Label rules by the terms they need.
    pub rule_index: ConditionIndex,
    /// Severity factors.
    pub factors: Vec<CompiledFactor>,
    /// Severity levels, by increasing points.
    pub levels: Vec<LevelDef>,
    /// Dimensions whose top label decides the route, in order of precedence (indices).
    pub route_from: Vec<usize>,
    /// Route when no label names one.
    pub default_route: Option<RouteDef>,
    /// Input limits.
    pub limits: Limits,
    /// The `triggers` section: its policies in pack order.
    pub triggers: TriggerSpec,
    /// Per trigger policy, in pack order: its compiled `when` condition.
    pub policy_conditions: Vec<Option<Condition>>,
    /// Learned models, in pack order (`model` conditions name them by index).
    pub models: Vec<Model>,
    /// The pack's own test cases (`Engine::run_tests`); a compiled pack leaves them out.
    pub tests: Vec<PackTest>,
}

impl CompiledPack {
    /// Compile a validated pack. Problems found only now (regex size limits, an automaton that
    /// cannot be built) come back as errors, with the pack's warnings.
    pub fn new(pack: Pack) -> Result<CompiledPack, Vec<Problem>> {
        let s = &pack.settings;
        let label_tree = pack
            .dimensions
            .iter()
            .map(|d| {
                let labels = d
                    .labels
                    .iter()
                    .map(|l| (l.code.clone(), l.parent.clone()))
                    .collect();
                LabelTree {
                    id: d.id.clone(),
                    labels,
                }
            })
            .collect();
        let mut b = Build::new(
            s.normalize,
            &pack.regexes,
            s.limits.max_regex_bytes,
            label_tree,
        );
        b.models = pack
            .models
            .iter()
            .map(|m| (m.id().to_string(), m.labels().to_vec()))
            .collect();
        let dimensions = dimensions(&mut b, &pack);
        let factors = factors(&mut b, &pack);
        // Terms of trigger conditions come last, so that a decision can tell its own.
        let decision_terms = b.terms.len();
        let policy_conditions = pack
            .policy_conditions
            .iter()
            .enumerate()
            .map(|(i, when)| {
                let path = format!("/triggers/policies/{i}/when");
                when.as_ref().map(|w| b.condition(w, &path))
            })
            .collect();
        let mut problems = std::mem::take(&mut b.problems);
        let scanner = scanner::build(
            &b.terms,
            &b.regex_src,
            std::mem::take(&mut b.regexes),
            s,
            &mut problems,
        );
        if problems.iter().any(Problem::is_error) {
            problems.extend(pack.warnings);
            return Err(problems);
        }
        let rule_refs = store::rule_refs(&dimensions);
        let rule_index = ConditionIndex::new(
            dimensions.iter().flat_map(|d| {
                d.labels
                    .iter()
                    .flat_map(|l| l.rules.iter().map(|r| &r.when))
            }),
            b.terms.len(),
        );
        Ok(CompiledPack {
            info: pack.info,
            warnings: pack.warnings,
            normalize: s.normalize,
            scanner,
            terms: b.terms.iter().map(|t| Arc::from(t.as_str())).collect(),
            decision_terms,
            route_from: s
                .route_from
                .iter()
                .filter_map(|d| dimensions.iter().position(|x| &x.id == d))
                .collect(),
            dimensions,
            rule_refs,
            rule_index,
            factors,
            levels: pack.severity.levels.clone(),
            default_route: s.default_route.clone(),
            limits: s.limits.clone(),
            triggers: pack.triggers,
            policy_conditions,
            models: pack.models,
            tests: pack.tests,
        })
    }
}

fn dimensions(b: &mut Build, pack: &Pack) -> Vec<CompiledDimension> {
    let mut out = Vec::with_capacity(pack.dimensions.len());
    for (di, d) in pack.dimensions.iter().enumerate() {
        // Label indices by code, the first of a code winning (a search per label was quadratic
        // in the labels of a dimension).
        let mut index: std::collections::HashMap<&str, usize> =
            std::collections::HashMap::with_capacity(d.labels.len());
        for (li, l) in d.labels.iter().enumerate() {
            index.entry(l.code.as_str()).or_insert(li);
        }
        let position = |code: &str| index.get(code).copied();
        let mut labels = Vec::with_capacity(d.labels.len());
        for (li, l) in d.labels.iter().enumerate() {
            let rules = l
                .rules
                .iter()
                .enumerate()
                .map(|(ri, r)| CompiledRule {
                    id: r.id.clone(),
                    weight: r.weight,
                    when: b.condition(
                        &r.when,
                        &format!("/dimensions/{di}/labels/{li}/rules/{ri}/when"),
                    ),
                })
                .collect();
            labels.push(CompiledLabel {
                code: l.code.clone(),
                name: l.name.clone(),
                parent: l.parent.as_deref().and_then(position),
                parent_code: l.parent.clone(),
                route: l.route.clone(),
                advice: l.advice.clone(),
                description: l.description.clone(),
                rules,
            });
        }
        out.push(CompiledDimension {
            id: d.id.clone(),
            name: d.name.clone(),
            multi: d.multi,
            threshold: if d.threshold.is_nan() {
                pack.settings.threshold
            } else {
                d.threshold
            },
            fallback: d.fallback.as_deref().and_then(position),
            exclusive: d
                .exclusive
                .iter()
                .map(|g| g.iter().filter_map(|c| position(c)).collect())
                .collect(),
            review_below: d.review_below,
            labels,
        });
    }
    out
}

fn factors(b: &mut Build, pack: &Pack) -> Vec<CompiledFactor> {
    let levels = &pack.severity.levels;
    pack.severity
        .factors
        .iter()
        .enumerate()
        .map(|(fi, f)| CompiledFactor {
            id: f.id.clone(),
            name: f.name.clone(),
            points: f.points,
            min_level: f
                .min_level
                .as_ref()
                .and_then(|m| levels.iter().position(|l| &l.id == m)),
            when: b.condition(&f.when, &format!("/severity/factors/{fi}/when")),
        })
        .collect()
}

// The tests compile packs from their JSON.
#[cfg(all(test, feature = "json-packs"))]
mod tests;
