//! The `lexicon` and `dimensions` sections: named term lists, and the dimensions with their labels
//! (code, name, parent, route, advice) and rules (a condition and a weight each).

use super::{PackReader, RouteDef};
use crate::condition::{CondDef, Scope};
use crate::error::pointer;
use crate::json::type_name;
use serde_json::Value;
use std::collections::{HashMap, HashSet};

/// A rule: a condition and the weight it lends a label when it fires.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RuleDef {
    /// Stable id (given, or `CODE#index`).
    pub id: String,
    /// When it fires.
    pub when: CondDef,
    /// What it lends the label.
    pub weight: Weight,
}

/// What a rule that fires lends its label.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Weight {
    /// In (0, 1]: evidence for the label (confidence = 1 − Π(1 − w)); in [−1, 0): evidence
    /// against it (the confidence is multiplied by 1 + w).
    Fixed(f64),
    /// The calibrated probability its `model` condition reads.
    Probability,
}

/// A label of a dimension.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LabelDef {
    /// Stable code, unique in the dimension.
    pub code: String,
    /// Display name.
    pub name: String,
    /// Parent label code in the same dimension.
    pub parent: Option<String>,
    /// Owning department.
    pub route: Option<RouteDef>,
    /// What to do about it, shown with the label in decisions: a suggested fix for a review
    /// pack, handling advice for a complaint pack.
    pub advice: Option<String>,
    /// Free text about the label (not in decisions; tools show it).
    pub description: Option<String>,
    /// Rules.
    pub rules: Vec<RuleDef>,
}

/// A classification dimension.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DimensionDef {
    /// Id, e.g. `reason`.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Several labels (true) or only the best one (false).
    pub multi: bool,
    /// Minimum confidence.
    pub threshold: f64,
    /// Code of the label given when no other is.
    pub fallback: Option<String>,
    /// Groups of codes in priority order: of the labels of one group that qualify, only the
    /// first in group order is kept.
    pub exclusive: Vec<Vec<String>>,
    /// Below this confidence of the top label (or with only the fallback), the decision is
    /// flagged for a person.
    pub review_below: Option<f64>,
    /// Labels.
    pub labels: Vec<LabelDef>,
}

/// The codes whose parent chain never ends (it runs into a cycle), each chain walked once.
fn looping_chains<'a>(parents: &HashMap<&'a str, Option<&'a str>>) -> HashSet<&'a str> {
    // 1: on the chain being walked; 2: the chain ends; 3: the chain loops.
    let mut state: HashMap<&str, u8> = HashMap::with_capacity(parents.len());
    let mut walk: Vec<&str> = Vec::new();
    for &start in parents.keys() {
        walk.clear();
        let mut cur = Some(start);
        let end = loop {
            let Some(c) = cur else { break 2 };
            match state.get(c) {
                Some(1) | Some(3) => break 3,
                Some(_) => break 2,
                None => {}
            }
            state.insert(c, 1);
            walk.push(c);
            cur = parents.get(c).copied().flatten();
        };
        for c in &walk {
            state.insert(c, end);
        }
    }
    state
        .into_iter()
        .filter(|&(_, s)| s == 3)
        .map(|(c, _)| c)
        .collect()
}

impl PackReader {
    pub(super) fn read_lexicon(&mut self, v: &Value) {
        let Value::Object(m) = v else {
            self.c.error(
                "/lexicon",
                format!("expected an object, found {}", type_name(v)),
            );
            return;
        };
        for (k, list) in m {
            let path = pointer("/lexicon", k);
            let name = k.strip_prefix('@').unwrap_or(k).to_string();
            if name.is_empty() {
                self.c.error(&path, "empty lexicon name");
                continue;
            }
            if let Some(terms) = self.c.string_list(list, &path) {
                if terms.is_empty() {
                    self.c.error(&path, "empty term list");
                }
                for (i, t) in terms.iter().enumerate() {
                    if t.starts_with('@') {
                        self.c.error(
                            &pointer(&path, i),
                            "a lexicon cannot reference another lexicon",
                        );
                    } else if t.trim().is_empty() {
                        self.c.error(&pointer(&path, i), "empty term");
                    } else if let Some(m) = crate::condition::too_long(t, "term") {
                        self.c.error(&pointer(&path, i), m);
                    }
                }
                if self.lexicon.insert(name.clone(), terms).is_some() {
                    self.c
                        .error(&path, format!("lexicon \"@{name}\" is defined twice"));
                }
            }
        }
    }

    pub(super) fn read_dimension(
        &mut self,
        v: &Value,
        path: &str,
        index: usize,
    ) -> Option<DimensionDef> {
        let m = self.c.object(
            v,
            path,
            &[
                "id",
                "name",
                "multi",
                "threshold",
                "fallback",
                "exclusive",
                "review_below",
                "labels",
            ],
        )?;
        let id = self.c.nonempty_string(m, "id", path);
        // `decision.labels` is keyed by dimension id, and JavaScript objects put integer-like
        // keys ("2") first whatever their order: the decision would no longer be byte-identical
        // across runtimes.
        if let Some(id) = &id {
            if !id.is_empty()
                && id.bytes().all(|b| b.is_ascii_digit())
                && (id == "0" || !id.starts_with('0'))
            {
                self.c.error(&pointer(path, "id"), format!("dimension id \"{id}\" looks like an array index: JavaScript would reorder it in decisions; start it with a letter"));
            }
        }
        let name = self.c.string(m, "name", path, false);
        let multi = self.c.boolean(m, "multi", path).unwrap_or(false);
        let threshold = self.c.number_in(m, "threshold", path, 0.0, 1.0);
        let review_below = self.c.number_in(m, "review_below", path, 0.0, 1.0);
        let fallback = self.c.string(m, "fallback", path, false);
        let labels = self.read_labels(m.get("labels"), path, index);
        if let Some(Value::Array(ls)) = m.get("labels") {
            self.check_parents(&labels, ls, path);
        }
        if let Some(f) = &fallback {
            if !labels.iter().any(|l| &l.code == f) {
                self.c.error(
                    &pointer(path, "fallback"),
                    format!("fallback \"{f}\" is not a label of this dimension"),
                );
            }
        }
        let exclusive = self.read_exclusive(m.get("exclusive"), &labels, path);
        let id = id?;
        Some(DimensionDef {
            name: name.unwrap_or_else(|| id.clone()),
            id,
            multi,
            threshold: threshold.unwrap_or(f64::NAN),
            fallback,
            exclusive,
            review_below,
            labels,
        })
    }

    /// A rule's `weight`: a number in (0, 1] (default 1) or in [−1, 0), or `"probability"`.
    fn read_weight(&mut self, v: Option<&Value>, rp: &str) -> Weight {
        let bad = |found: String| {
            format!("weight must be in (0, 1] (or, against the label, in [-1, 0); or \"probability\" for a model condition), found {found}")
        };
        match v {
            None => Weight::Fixed(1.0),
            Some(Value::String(s)) if s == "probability" => Weight::Probability,
            Some(Value::Number(n)) => match n.as_f64() {
                Some(w) if (w > 0.0 && w <= 1.0) || (-1.0..0.0).contains(&w) => Weight::Fixed(w),
                _ => {
                    self.c.error(&pointer(rp, "weight"), bad(n.to_string()));
                    Weight::Fixed(1.0)
                }
            },
            Some(other) => {
                self.c
                    .error(&pointer(rp, "weight"), bad(type_name(other).to_string()));
                Weight::Fixed(1.0)
            }
        }
    }

    /// A dimension's `labels`: at least one, codes unique.
    fn read_labels(&mut self, v: Option<&Value>, path: &str, index: usize) -> Vec<LabelDef> {
        let mut labels: Vec<LabelDef> = Vec::new();
        match v {
            Some(Value::Array(ls)) => {
                if ls.is_empty() {
                    self.c.error(
                        &pointer(path, "labels"),
                        "a dimension needs at least one label",
                    );
                }
                let mut seen: HashSet<String> = HashSet::with_capacity(ls.len());
                for (i, l) in ls.iter().enumerate() {
                    let lp = pointer(&pointer(path, "labels"), i);
                    if let Some(label) = self.read_label(l, &lp, index) {
                        if !seen.insert(label.code.clone()) {
                            self.c.error(
                                &pointer(&lp, "code"),
                                format!("duplicate code \"{}\"", label.code),
                            );
                        }
                        labels.push(label);
                    }
                }
            }
            Some(other) => self.c.error(
                &pointer(path, "labels"),
                format!("expected an array, found {}", type_name(other)),
            ),
            None => self.c.error(path, "missing required key \"labels\""),
        }
        labels
    }

    /// Parents must exist in the same dimension and not form cycles; `ls` are the labels as
    /// written (for the pointers: labels that could not be read are skipped in `labels`). Each
    /// label's chain is walked once, remembering where every chain ends (walking every label's
    /// whole chain was quadratic: a pack of 20,000 nested labels did not build in minutes).
    fn check_parents(&mut self, labels: &[LabelDef], ls: &[Value], path: &str) {
        let parents: HashMap<&str, Option<&str>> = labels
            .iter()
            .map(|l| (l.code.as_str(), l.parent.as_deref()))
            .collect();
        // The JSON index of each code, for pointers.
        let mut json_index: HashMap<&str, usize> = HashMap::new();
        for (j, x) in ls.iter().enumerate() {
            if let Some(code) = x.get("code").and_then(Value::as_str) {
                json_index.entry(code).or_insert(j);
            }
        }
        let loops = looping_chains(&parents);
        for (i, l) in labels.iter().enumerate() {
            let Some(parent) = &l.parent else { continue };
            let json_index = json_index.get(l.code.as_str()).copied().unwrap_or(i);
            let pp = format!("{path}/labels/{json_index}/parent");
            if !parents.contains_key(parent.as_str()) {
                self.c
                    .error(&pp, format!("unknown parent label \"{parent}\""));
                continue;
            }
            if loops.contains(l.code.as_str()) {
                self.c
                    .error(&pp, format!("parent chain of \"{}\" forms a cycle", l.code));
            }
        }
    }

    /// `exclusive`: groups of at least two of the dimension's codes, in priority order.
    fn read_exclusive(
        &mut self,
        v: Option<&Value>,
        labels: &[LabelDef],
        path: &str,
    ) -> Vec<Vec<String>> {
        let mut exclusive = Vec::new();
        // Looked up by hash: a hostile pack may have thousands of labels and codes.
        let known: HashSet<&str> = labels.iter().map(|l| l.code.as_str()).collect();
        match v {
            None => {}
            Some(Value::Array(groups)) => {
                for (gi, g) in groups.iter().enumerate() {
                    let gp = pointer(&pointer(path, "exclusive"), gi);
                    let Some(codes) = self.c.string_list(g, &gp) else {
                        continue;
                    };
                    if codes.len() < 2 {
                        self.c
                            .error(&gp, "an exclusive group needs at least two codes");
                    }
                    for (ci, code) in codes.iter().enumerate() {
                        if !known.contains(code.as_str()) {
                            self.c.error(
                                &pointer(&gp, ci),
                                format!("\"{code}\" is not a label of this dimension"),
                            );
                        }
                    }
                    exclusive.push(codes);
                }
            }
            Some(other) => self.c.error(
                &pointer(path, "exclusive"),
                format!(
                    "expected an array of arrays of label codes, found {}",
                    type_name(other)
                ),
            ),
        }
        exclusive
    }

    fn read_label(&mut self, v: &Value, path: &str, dim: usize) -> Option<LabelDef> {
        let m = self.c.object(
            v,
            path,
            &[
                "code",
                "name",
                "parent",
                "route",
                "rules",
                "description",
                "advice",
            ],
        )?;
        let code = self.c.nonempty_string(m, "code", path);
        let name = self.c.string(m, "name", path, false);
        let advice = self.c.string(m, "advice", path, false);
        let description = self.c.string(m, "description", path, false);
        let parent = self.c.string(m, "parent", path, false);
        let route = m
            .get("route")
            .and_then(|r| self.read_route(r, &pointer(path, "route")));
        let mut rules = Vec::new();
        match m.get("rules") {
            Some(Value::Array(rs)) => {
                for (i, r) in rs.iter().enumerate() {
                    let rp = pointer(&pointer(path, "rules"), i);
                    let Some(rm) = self.c.object(r, &rp, &["id", "when", "weight"]) else {
                        continue;
                    };
                    let rid = self.c.string(rm, "id", &rp, false);
                    let weight = self.read_weight(rm.get("weight"), &rp);
                    let when = match rm.get("when") {
                        Some(w) => self.cond(w, &pointer(&rp, "when"), Scope::Dimension(dim)),
                        None => {
                            self.c.error(&rp, "missing required key \"when\"");
                            None
                        }
                    };
                    if weight == Weight::Probability
                        && when
                            .as_ref()
                            .is_some_and(|w| !matches!(w, CondDef::Model(_)))
                    {
                        self.c.error(
                            &pointer(&rp, "weight"),
                            "\"probability\" lends the probability of a model: the rule's `when` must be one `model` condition",
                        );
                    }
                    if let (Some(when), Some(code)) = (when, &code) {
                        rules.push(RuleDef {
                            id: rid.unwrap_or_else(|| format!("{code}#{i}")),
                            when,
                            weight,
                        });
                    }
                }
            }
            Some(other) => self.c.error(
                &pointer(path, "rules"),
                format!("expected an array, found {}", type_name(other)),
            ),
            None => {}
        }
        let code = code?;
        Some(LabelDef {
            name: name.unwrap_or_else(|| code.clone()),
            code,
            parent,
            route,
            advice,
            description,
            rules,
        })
    }
}
