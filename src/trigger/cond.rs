//! Trigger flow, beside policy matching: the policies' `when` conditions. They are ordinary pack
//! conditions, compiled by the core's own `pack` → `compile` steps inside a small derived pack
//! (same settings and lexicon, the dimensions as rule-less stubs) and evaluated by `rules::Ctx`.

use crate::compile::Compiled;
use crate::decide::Decision;
use crate::error::{Problem, Severity};
use crate::pack::{Cond, Pack};
use crate::rules::{AmountAgg, Ctx};
use crate::scan::{scan, Scan};
use crate::text::normalize_str;
use serde_json::{json, Map, Value};

/// The compiled `when` conditions of a trigger section.
#[derive(Debug, Clone)]
pub struct Conditions {
    compiled: Option<Compiled>,
    /// Per condition: it reads the item's classification (a `label` condition or a
    /// `decision.*` field), so the item must be classified first.
    needs_decision: Vec<bool>,
    /// Per condition: it reads `decision.*` fields.
    needs_value: Vec<bool>,
    /// Label codes of each pack dimension, in pack order (to map a decision to label indices).
    codes: Vec<Vec<String>>,
}

/// One item (event or complaint) made ready for condition evaluation: scanned once, shared by
/// every policy.
pub struct Prepared {
    text: String,
    scan: Scan,
    assigned: Vec<Vec<usize>>,
    /// The item's fields plus `decision`, built only when a condition reads `decision.*`.
    augmented: Option<Value>,
}

fn walk(c: &Cond, labels: &mut bool, value: &mut bool) {
    match c {
        Cond::Label { .. } => *labels = true,
        Cond::Field { path, .. } => {
            if path == "decision" || path.starts_with("decision.") {
                *value = true;
            }
        }
        Cond::All(cs) | Cond::Any(cs) | Cond::AtLeast { of: cs, .. } => {
            cs.iter().for_each(|x| walk(x, labels, value))
        }
        Cond::Not(x) => walk(x, labels, value),
        Cond::Terms { .. } | Cond::Regex(_) | Cond::Near { .. } => {}
    }
}

impl Conditions {
    /// Compile `conds` (JSON pointer in the real pack, condition) against `pack`. Problems come
    /// back with pointers into the real pack.
    pub fn compile(pack: &Pack, conds: &[(String, Value)]) -> Result<Conditions, Vec<Problem>> {
        let codes: Vec<Vec<String>> = pack
            .dimensions
            .iter()
            .map(|d| d.labels.iter().map(|l| l.code.clone()).collect())
            .collect();
        if conds.is_empty() {
            return Ok(Conditions {
                compiled: None,
                needs_decision: Vec::new(),
                needs_value: Vec::new(),
                codes,
            });
        }
        let dims: Vec<Value> = pack
            .dimensions
            .iter()
            .map(|d| {
                let labels: Vec<Value> = d
                    .labels
                    .iter()
                    .map(|l| match &l.parent {
                        Some(p) => json!({"code": l.code, "parent": p}),
                        None => json!({"code": l.code}),
                    })
                    .collect();
                json!({"id": d.id, "multi": true, "labels": labels})
            })
            .collect();
        let factors: Vec<Value> = conds
            .iter()
            .enumerate()
            .map(|(i, (_, w))| json!({"id": format!("c{i}"), "when": w, "points": 0}))
            .collect();
        let mut derived = Map::new();
        derived.insert(
            "pack".into(),
            json!({"id": format!("{}.triggers", pack.info.id), "version": pack.info.version, "locale": pack.info.locale}),
        );
        if !pack.lexicon.is_empty() {
            derived.insert("lexicon".into(), json!(pack.lexicon));
        }
        derived.insert("dimensions".into(), Value::Array(dims));
        derived.insert(
            "severity".into(),
            json!({"levels": [{"id": "any", "min_points": 0}], "factors": factors}),
        );
        let remap = |problems: Vec<Problem>| -> Vec<Problem> {
            problems
                .into_iter()
                .filter(|p| {
                    p.severity == Severity::Error || p.path.starts_with("/severity/factors/")
                })
                .map(|p| {
                    let mapped = p
                        .path
                        .strip_prefix("/severity/factors/")
                        .and_then(|rest| {
                            let (idx, tail) = rest.split_once('/').unwrap_or((rest, ""));
                            let i: usize = idx.parse().ok()?;
                            let tail = tail.strip_prefix("when").unwrap_or(tail);
                            conds.get(i).map(|(base, _)| format!("{base}{tail}"))
                        })
                        .unwrap_or_else(|| "/triggers".into());
                    Problem { path: mapped, ..p }
                })
                .collect()
        };
        let mut dpack = Pack::from_value(&Value::Object(derived)).map_err(remap)?;
        // The conditions must normalise and match exactly as the pack's own rules do.
        dpack.settings = pack.settings.clone();
        let compiled = Compiled::new(&dpack).map_err(remap)?;
        let mut needs_decision = Vec::with_capacity(conds.len());
        let mut needs_value = Vec::with_capacity(conds.len());
        for f in &dpack.severity.factors {
            let (mut l, mut v) = (false, false);
            walk(&f.when, &mut l, &mut v);
            needs_decision.push(l || v);
            needs_value.push(v);
        }
        Ok(Conditions {
            compiled: Some(compiled),
            needs_decision,
            needs_value,
            codes,
        })
    }

    /// Does condition `i` read the item's classification?
    pub fn needs_decision(&self, i: usize) -> bool {
        self.needs_decision.get(i).copied().unwrap_or(false)
    }

    /// Scan the item's text once and map its classification, for [`Conditions::holds`].
    pub fn prepare(&self, text: &str, decision: Option<&Decision>, fields: &Value) -> Prepared {
        let (norm, s) = match &self.compiled {
            Some(c) => {
                let norm = normalize_str(text, &c.normalize);
                let s = scan(c, &norm);
                (norm, s)
            }
            None => (String::new(), Scan::default()),
        };
        let mut assigned: Vec<Vec<usize>> = vec![Vec::new(); self.codes.len()];
        if let Some(d) = decision {
            for (di, (_, labels)) in d.labels.0.iter().enumerate() {
                let (Some(slot), Some(codes)) = (assigned.get_mut(di), self.codes.get(di)) else {
                    continue;
                };
                for l in labels {
                    if let Some(li) = codes.iter().position(|c| *c == l.code) {
                        slot.push(li);
                    }
                }
            }
        }
        let augmented = if self.needs_value.iter().any(|x| *x) {
            let mut m = match fields {
                Value::Object(m) => m.clone(),
                _ => Map::new(),
            };
            m.insert("decision".into(), decision_value(decision));
            Some(Value::Object(m))
        } else {
            None
        };
        Prepared {
            text: norm,
            scan: s,
            assigned,
            augmented,
        }
    }

    /// Evaluate condition `i` on a prepared item (false for an unknown index).
    pub fn holds(&self, i: usize, p: &Prepared, fields: &Value) -> bool {
        let Some(compiled) = &self.compiled else {
            return false;
        };
        let Some(f) = compiled.factors.get(i) else {
            return false;
        };
        let ctx = Ctx {
            compiled,
            scan: &p.scan,
            text: &p.text,
            input: p.augmented.as_ref().unwrap_or(fields),
            amounts: AmountAgg::default(),
            assigned: &p.assigned,
        };
        ctx.holds(&f.when)
    }
}

/// `decision` as conditions see it: `labels.<dim>` (codes), `level`, `points`, `factors` (ids).
fn decision_value(d: Option<&Decision>) -> Value {
    let Some(d) = d else {
        return Value::Null;
    };
    let mut labels = Map::new();
    for (dim, ls) in &d.labels.0 {
        labels.insert(
            dim.clone(),
            Value::Array(ls.iter().map(|l| Value::from(l.code.as_str())).collect()),
        );
    }
    let (level, points, factors) = match &d.severity {
        Some(s) => (
            Value::from(s.level.as_str()),
            Value::from(s.points),
            Value::Array(
                s.factors
                    .iter()
                    .map(|f| Value::from(f.id.as_str()))
                    .collect(),
            ),
        ),
        None => (Value::Null, Value::Null, Value::Array(Vec::new())),
    };
    json!({"labels": labels, "level": level, "points": points, "factors": factors})
}
