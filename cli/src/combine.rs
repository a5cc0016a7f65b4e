//! Rules and model together, before the core evaluates `model` conditions itself: the proposed
//! pack semantics (docs/pack-format.md, `models`) simulated exactly, so that `wendu learn` and
//! `wendu eval` report the numbers the engine will give once the condition kind is wired in.
//!
//! - A pack with a `models` section becomes a *shadow* pack today's engine loads: every
//!   `{"model": {"id", "label", "min", "max"}}` condition becomes a `field` condition on
//!   `__model.<id>.<label>`, and each complaint carries its calibrated probabilities there.
//! - The evaluated dimension is *simulated* label by label with the proposed confidence rule —
//!   `(1 − Π(1 − w)) · Π(1 + v)` over the fired rules with positive weights w and negative
//!   weights v, `"weight": "probability"` taking the model's probability — then threshold,
//!   exclusive groups, best first, fallback, exactly as `decide` does. The hand-written rules'
//!   firing comes from the engine (a raw run of the shadow pack).
//! - Where today's engine can express the same thing (vetoes of weight −1 wrap the label's other
//!   rules in `not`; fixed weights), the shadow pack is also run for real and the two must agree
//!   label for label: `check` counts the disagreements.

use serde_json::{json, Map, Value};
use wendu::model::Model;
use wendu::Engine;
use wendu::{normalize_str, NormalizeOptions};

/// The complaint field the shadow pack reads probabilities from.
pub const FIELD: &str = "__model";

/// The weight of a rule.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Weight {
    /// A number in [−1, 0) ∪ (0, 1].
    Fixed(f64),
    /// The calibrated probability of the rule's model condition.
    Probability,
}

/// A rule of the simulated dimension.
#[derive(Debug, Clone, PartialEq)]
pub enum SimRule {
    /// A rule whose firing the engine decides (its id in the raw run), with its weight.
    Engine { id: String, weight: f64 },
    /// A rule whose condition is one `model` condition.
    Model {
        model: usize,
        label: usize,
        min: f64,
        max: f64,
        weight: Weight,
    },
}

/// The evaluated dimension, as the simulation needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct DimSim {
    pub id: String,
    pub threshold: f64,
    pub multi: bool,
    pub fallback: Option<usize>,
    /// Groups of label indices in priority order.
    pub exclusive: Vec<Vec<usize>>,
    /// Codes in pack order.
    pub codes: Vec<String>,
    /// Rules per label, in pack order.
    pub rules: Vec<Vec<SimRule>>,
    /// Proposed: flag a decision for a person when the top label's confidence is below this.
    pub review_below: Option<f64>,
}

/// A pack with models, ready for today's engine.
pub struct Prepared {
    /// The models, in pack order.
    pub models: Vec<Model>,
    /// The engine that runs the hand-written rules of the evaluated dimension (raw run: that
    /// dimension's pure model rules and vetoes removed, threshold 0, no exclusive groups).
    pub raw: Engine,
    /// The shadow engine for the check, when the pack's semantics are expressible today.
    pub shadow: Option<Engine>,
    /// Why there is no shadow engine.
    pub no_shadow: Option<String>,
    /// The evaluated dimension.
    pub dim: DimSim,
    /// The pack's normalisation.
    pub normalize: NormalizeOptions,
}

fn err(e: wendu::Error) -> String {
    let mut s = e.message();
    for p in e.problems().iter().take(10) {
        s.push_str(&format!("\n  {p}"));
    }
    s
}

/// Prepare `pack` (its JSON) for evaluating `dimension`.
pub fn prepare(pack: &Value, dimension: &str) -> Result<Prepared, String> {
    let mut models = Vec::new();
    if let Some(ms) = pack.get("models") {
        let arr = ms
            .as_array()
            .ok_or("/models: expected an array of models")?;
        for (i, m) in arr.iter().enumerate() {
            let model = Model::from_value(m, &format!("/models/{i}")).map_err(|ps| {
                ps.iter()
                    .map(|p| p.to_string())
                    .collect::<Vec<_>>()
                    .join("\n")
            })?;
            if model.id().contains('.') || model.labels().iter().any(|l| l.contains('.')) {
                return Err(format!(
                    "model {}: ids and labels with '.' cannot be simulated (field paths)",
                    model.id()
                ));
            }
            models.push(model);
        }
    }
    let dims = pack
        .get("dimensions")
        .and_then(Value::as_array)
        .ok_or("the pack has no dimensions")?;
    let di = dims
        .iter()
        .position(|d| d.get("id").and_then(Value::as_str) == Some(dimension))
        .ok_or_else(|| format!("the pack has no `{dimension}` dimension"))?;
    let default_threshold = pack
        .pointer("/settings/threshold")
        .and_then(Value::as_f64)
        .unwrap_or(0.5);
    let d = dims.get(di).ok_or("no dimension")?;
    let labels = d
        .get("labels")
        .and_then(Value::as_array)
        .ok_or("the dimension has no labels")?;
    let codes: Vec<String> = labels
        .iter()
        .map(|l| {
            l.get("code")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        })
        .collect();
    let index = |c: &str| codes.iter().position(|x| x == c);
    let mut rules = Vec::with_capacity(labels.len());
    let mut raw_labels = Vec::with_capacity(labels.len());
    let mut shadow_labels = Vec::with_capacity(labels.len());
    let mut no_shadow: Option<String> = None;
    for (li, l) in labels.iter().enumerate() {
        let code = codes.get(li).cloned().unwrap_or_default();
        let rs = l
            .get("rules")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let mut sim = Vec::new();
        let mut raw_rules = Vec::new();
        let mut shadow_pos = Vec::new();
        let mut vetoes = Vec::new();
        for (ri, r) in rs.iter().enumerate() {
            let id = r
                .get("id")
                .and_then(Value::as_str)
                .map_or_else(|| format!("{code}#{ri}"), str::to_string);
            let when = r.get("when").cloned().unwrap_or(Value::Null);
            let weight = match r.get("weight") {
                None => Weight::Fixed(1.0),
                Some(Value::String(s)) if s == "probability" => Weight::Probability,
                Some(w) => match w.as_f64() {
                    Some(x) if (-1.0..=1.0).contains(&x) && x != 0.0 => Weight::Fixed(x),
                    _ => {
                        return Err(format!(
                        "{code} rule {id}: weight must be in [−1, 0) ∪ (0, 1] or \"probability\""
                    ))
                    }
                },
            };
            let pure = pure_model(&when, &models)?;
            let converted = convert(&when, &models)?;
            match (pure, weight) {
                (Some((model, label, min, max)), _) => {
                    sim.push(SimRule::Model {
                        model,
                        label,
                        min,
                        max,
                        weight,
                    });
                    match weight {
                        Weight::Fixed(w) if w > 0.0 => {
                            shadow_pos.push(json!({"id": id, "when": converted, "weight": w}))
                        }
                        Weight::Fixed(-1.0) => vetoes.push(converted),
                        Weight::Fixed(_) => {
                            no_shadow = Some(format!("{code} rule {id}: a negative weight other than −1 has no equivalent today"))
                        }
                        Weight::Probability => {
                            no_shadow = Some(format!("{code} rule {id}: a probability weight has no equivalent today"))
                        }
                    }
                }
                (None, Weight::Fixed(w)) if w > 0.0 => {
                    sim.push(SimRule::Engine { id: id.clone(), weight: w });
                    raw_rules.push(json!({"id": id, "when": converted, "weight": w}));
                    shadow_pos.push(json!({"id": id, "when": converted, "weight": w}));
                }
                (None, _) => {
                    return Err(format!(
                        "{code} rule {id}: only a rule whose condition is one `model` condition may have a negative or probability weight in the simulation"
                    ))
                }
            }
        }
        // Vetoes of weight −1 zero the label: today, the label's other rules never fire.
        if !vetoes.is_empty() {
            for r in &mut shadow_pos {
                let when = r.get("when").cloned().unwrap_or(Value::Null);
                let mut all = vec![when];
                all.extend(vetoes.iter().map(|v| json!({"not": v})));
                r["when"] = json!({"all": all});
            }
        }
        let mut raw_label = l.clone();
        raw_label["rules"] = Value::Array(raw_rules);
        raw_labels.push(raw_label);
        let mut shadow_label = l.clone();
        shadow_label["rules"] = Value::Array(shadow_pos);
        shadow_labels.push(shadow_label);
        rules.push(sim);
    }
    let exclusive: Vec<Vec<usize>> = d
        .get("exclusive")
        .and_then(Value::as_array)
        .map(|gs| {
            gs.iter()
                .map(|g| {
                    g.as_array()
                        .map(|cs| {
                            cs.iter()
                                .filter_map(|c| c.as_str().and_then(index))
                                .collect()
                        })
                        .unwrap_or_default()
                })
                .collect()
        })
        .unwrap_or_default();
    let dim = DimSim {
        id: dimension.to_string(),
        threshold: d
            .get("threshold")
            .and_then(Value::as_f64)
            .unwrap_or(default_threshold),
        multi: d.get("multi").and_then(Value::as_bool).unwrap_or(false),
        fallback: d.get("fallback").and_then(Value::as_str).and_then(index),
        exclusive,
        codes,
        rules,
        review_below: d.get("review_below").and_then(Value::as_f64),
    };
    // The two packs for today's engine.
    let base = strip(pack, &models)?;
    let mut raw = base.clone();
    let mut shadow = base;
    if let Some(rd) = raw.pointer_mut(&format!("/dimensions/{di}")) {
        rd["labels"] = Value::Array(raw_labels);
        rd["threshold"] = json!(0.0);
        if let Some(o) = rd.as_object_mut() {
            o.remove("exclusive");
        }
    }
    if let Some(sd) = shadow.pointer_mut(&format!("/dimensions/{di}")) {
        sd["labels"] = Value::Array(shadow_labels);
    }
    let raw = Engine::new(&raw.to_string()).map_err(|e| format!("raw pack: {}", err(e)))?;
    let shadow_engine = if no_shadow.is_none() {
        Some(Engine::new(&shadow.to_string()).map_err(|e| format!("shadow pack: {}", err(e)))?)
    } else {
        None
    };
    let normalize = raw.normalization();
    Ok(Prepared {
        models,
        raw,
        shadow: shadow_engine,
        no_shadow,
        dim,
        normalize,
    })
}

/// The pack without `models`, tests, the proposed dimension keys, and with every model
/// condition converted (for dimensions other than the evaluated one, whose labels are replaced
/// afterwards).
fn strip(pack: &Value, models: &[Model]) -> Result<Value, String> {
    let mut p = pack.clone();
    if let Some(o) = p.as_object_mut() {
        o.remove("models");
        // Pack tests may expect model-decided labels; they are run by the real engine later.
        o.remove("tests");
        o.remove("$schema");
    }
    if let Some(dims) = p.get_mut("dimensions").and_then(Value::as_array_mut) {
        for d in dims {
            if let Some(o) = d.as_object_mut() {
                o.remove("review_below");
            }
            let Some(labels) = d.get_mut("labels").and_then(Value::as_array_mut) else {
                continue;
            };
            for l in labels {
                let Some(rules) = l.get_mut("rules").and_then(Value::as_array_mut) else {
                    continue;
                };
                let mut kept = Vec::new();
                for r in rules.iter() {
                    let mut r = r.clone();
                    let when = r.get("when").cloned().unwrap_or(Value::Null);
                    r["when"] = convert(&when, models)?;
                    // Outside the evaluated dimension, a probability weight is approximated
                    // by 1 and negative weights are dropped (documented limitation).
                    match r.get("weight") {
                        Some(Value::String(_)) => r["weight"] = json!(1.0),
                        Some(w) if w.as_f64().is_some_and(|x| x < 0.0) => continue,
                        _ => {}
                    }
                    kept.push(r);
                }
                *rules = kept;
            }
        }
    }
    if let Some(sev) = p
        .get_mut("severity")
        .and_then(|s| s.get_mut("factors"))
        .and_then(Value::as_array_mut)
    {
        for f in sev {
            let when = f.get("when").cloned().unwrap_or(Value::Null);
            f["when"] = convert(&when, models)?;
        }
    }
    Ok(p)
}

/// The model condition's fields: (model index, label index, min, max).
fn model_cond(m: &Value, models: &[Model]) -> Result<(usize, usize, f64, f64), String> {
    let id = m
        .get("id")
        .and_then(Value::as_str)
        .ok_or("model condition: `id` missing")?;
    let label = m
        .get("label")
        .and_then(Value::as_str)
        .ok_or("model condition: `label` missing")?;
    let mi = models
        .iter()
        .position(|x| x.id() == id)
        .ok_or_else(|| format!("model condition: no model `{id}`"))?;
    let li = models
        .get(mi)
        .and_then(|x| x.label_index(label))
        .ok_or_else(|| format!("model condition: model `{id}` has no label `{label}`"))?;
    let min = m.get("min").and_then(Value::as_f64).unwrap_or(0.0);
    let max = m
        .get("max")
        .and_then(Value::as_f64)
        .unwrap_or(f64::INFINITY);
    Ok((mi, li, min, max))
}

/// `Some` when `when` is exactly one model condition.
fn pure_model(when: &Value, models: &[Model]) -> Result<Option<(usize, usize, f64, f64)>, String> {
    match when.get("model") {
        Some(m) if when.as_object().is_some_and(|o| o.len() == 1) => {
            model_cond(m, models).map(Some)
        }
        _ => Ok(None),
    }
}

/// Replace model conditions by field conditions on the injected probabilities.
fn convert(when: &Value, models: &[Model]) -> Result<Value, String> {
    let Value::Object(o) = when else {
        return Ok(when.clone());
    };
    if let Some(m) = o.get("model") {
        let (mi, li, min, max) = model_cond(m, models)?;
        let (Some(model), Some(label)) = (
            models.get(mi),
            models.get(mi).and_then(|x| x.labels().get(li)),
        ) else {
            return Err("model condition: bad reference".into());
        };
        let mut f = Map::new();
        f.insert(
            "path".into(),
            json!(format!("{FIELD}.{}.{label}", model.id())),
        );
        f.insert("gte".into(), json!(min));
        if max.is_finite() {
            f.insert("lt".into(), json!(max));
        }
        return Ok(json!({ "field": f }));
    }
    let mut out = Map::new();
    for (k, v) in o {
        let nv = match (k.as_str(), v) {
            ("all" | "any", Value::Array(items)) => Value::Array(
                items
                    .iter()
                    .map(|c| convert(c, models))
                    .collect::<Result<_, _>>()?,
            ),
            ("not", c) => convert(c, models)?,
            ("at_least", Value::Object(a)) => {
                let mut a = a.clone();
                if let Some(Value::Array(of)) = a.get("of") {
                    let of: Vec<Value> = of
                        .iter()
                        .map(|c| convert(c, models))
                        .collect::<Result<_, _>>()?;
                    a.insert("of".into(), Value::Array(of));
                }
                Value::Object(a)
            }
            _ => v.clone(),
        };
        out.insert(k.clone(), nv);
    }
    Ok(Value::Object(out))
}

impl Prepared {
    /// Calibrated probabilities of every model for one text (normalised here).
    pub fn probabilities(&self, text: &str) -> Vec<Vec<f64>> {
        let norm = normalize_str(text, &self.normalize);
        self.models
            .iter()
            .map(|m| {
                let mut out = Vec::new();
                m.score(&norm, &mut out);
                out
            })
            .collect()
    }

    /// A complaint JSON for the engines: the text plus the injected probabilities.
    pub fn complaint(&self, text: &str, probs: &[Vec<f64>]) -> Value {
        let mut inj = Map::new();
        for (m, p) in self.models.iter().zip(probs) {
            let mut per = Map::new();
            for (l, x) in m.labels().iter().zip(p) {
                per.insert(l.clone(), json!(x));
            }
            inj.insert(m.id().to_string(), Value::Object(per));
        }
        json!({"text": text, FIELD: inj})
    }

    /// Which of the evaluated dimension's rules fired in the raw run (hand rules), per label.
    pub fn raw_fired(&self, complaint: &Value) -> Result<Vec<Vec<String>>, String> {
        let d = self
            .raw
            .classify_value(complaint.clone())
            .map_err(|e| e.message())?;
        let mut out = vec![Vec::new(); self.dim.codes.len()];
        for l in d.labels.get(&self.dim.id).unwrap_or(&[]) {
            if l.fallback {
                continue;
            }
            if let Some(i) = self.dim.codes.iter().position(|c| *c == l.code) {
                if let Some(slot) = out.get_mut(i) {
                    *slot = l.rules.iter().map(|r| r.id.clone()).collect();
                }
            }
        }
        Ok(out)
    }

    /// The shadow engine's labels of the evaluated dimension (codes, best first).
    pub fn shadow_labels(&self, complaint: &Value) -> Option<Result<Vec<(String, f64)>, String>> {
        let e = self.shadow.as_ref()?;
        Some(
            e.classify_value(complaint.clone())
                .map_err(|e| e.message())
                .map(|d| {
                    d.labels
                        .get(&self.dim.id)
                        .unwrap_or(&[])
                        .iter()
                        .map(|l| (l.code.clone(), l.confidence.0))
                        .collect()
                }),
        )
    }
}

/// One complaint's outcome on the simulated dimension.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// (label index, confidence), best first; the fallback with confidence 0 when nothing else.
    pub labels: Vec<(usize, f64)>,
    /// True when the top label came from the fallback.
    pub fallback: bool,
}

impl Outcome {
    /// Proposed `needs_review`: nothing but the fallback, or a top confidence below `below`.
    pub fn needs_review(&self, below: f64) -> bool {
        self.fallback || self.labels.first().is_none_or(|l| l.1 < below)
    }
}

/// One label's running confidence: the product of (1 − w) over fired rules of positive weight
/// (`miss`), the product of (1 + w) over those of negative weight (`inhibit`), and whether a
/// positive one fired. Rules are applied in pack order, as the engine multiplies them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Acc {
    pub miss: f64,
    pub inhibit: f64,
    pub any: bool,
}

impl Acc {
    const START: Acc = Acc {
        miss: 1.0,
        inhibit: 1.0,
        any: false,
    };

    /// A rule of weight `w` fired.
    pub fn fire(&mut self, w: f64) {
        if w > 0.0 {
            self.miss *= 1.0 - w;
            self.any = true;
        } else if w < 0.0 {
            self.inhibit *= 1.0 + w;
        }
    }
}

/// Every label's [`Acc`] for one complaint: `fired[l]` are the ids of label l's engine rules
/// that fired; `probs[m][k]` the calibrated probability of model m's label k.
pub fn accumulate(dim: &DimSim, fired: &[Vec<String>], probs: &[Vec<f64>]) -> Vec<Acc> {
    dim.rules
        .iter()
        .enumerate()
        .map(|(li, rules)| {
            let fired_here = fired.get(li).map(Vec::as_slice).unwrap_or(&[]);
            let mut acc = Acc::START;
            for r in rules {
                match r {
                    SimRule::Engine { id, weight } => {
                        if fired_here.contains(id) {
                            acc.fire(*weight);
                        }
                    }
                    SimRule::Model {
                        model,
                        label,
                        min,
                        max,
                        weight,
                    } => {
                        let p = probs
                            .get(*model)
                            .and_then(|v| v.get(*label))
                            .copied()
                            .unwrap_or(0.0);
                        if p >= *min && p < *max {
                            acc.fire(match weight {
                                Weight::Fixed(w) => *w,
                                Weight::Probability => p,
                            });
                        }
                    }
                }
            }
            acc
        })
        .collect()
}

/// The dimension's labels from every label's [`Acc`], as `decide` chooses them: confidence
/// (1 − miss)·inhibit, given when a positive rule fired, it is above 0 and at least the
/// threshold; exclusive groups (the first qualifying label in group order stays); best first
/// (ties in pack order); one label unless multi; the fallback when nothing else.
pub fn finish(dim: &DimSim, accs: &[Acc]) -> Outcome {
    let mut scored: Vec<(usize, f64)> = Vec::new();
    for (li, acc) in accs.iter().enumerate() {
        let conf = (1.0 - acc.miss) * acc.inhibit;
        if acc.any && conf > 0.0 && conf >= dim.threshold {
            scored.push((li, conf));
        }
    }
    for group in &dim.exclusive {
        if let Some(&winner) = group.iter().find(|g| scored.iter().any(|s| s.0 == **g)) {
            scored.retain(|s| s.0 == winner || !group.contains(&s.0));
        }
    }
    scored.sort_by(|a, b| b.1.partial_cmp(&a.1).unwrap_or(std::cmp::Ordering::Equal));
    if !dim.multi {
        scored.truncate(1);
    }
    let mut fallback = false;
    if scored.is_empty() {
        if let Some(fb) = dim.fallback {
            scored.push((fb, 0.0));
            fallback = true;
        }
    }
    Outcome {
        labels: scored,
        fallback,
    }
}

/// The proposed semantics for one complaint ([`accumulate`] then [`finish`]).
pub fn simulate(dim: &DimSim, fired: &[Vec<String>], probs: &[Vec<f64>]) -> Outcome {
    finish(dim, &accumulate(dim, fired, probs))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dim() -> DimSim {
        DimSim {
            id: "reason".into(),
            threshold: 0.5,
            multi: true,
            fallback: Some(3),
            exclusive: vec![vec![0, 1]],
            codes: vec!["A".into(), "B".into(), "C".into(), "Z".into()],
            rules: vec![
                vec![
                    SimRule::Engine {
                        id: "A#0".into(),
                        weight: 0.6,
                    },
                    SimRule::Model {
                        model: 0,
                        label: 0,
                        min: 0.0,
                        max: 0.2,
                        weight: Weight::Fixed(-1.0),
                    },
                ],
                vec![SimRule::Model {
                    model: 0,
                    label: 1,
                    min: 0.4,
                    max: f64::INFINITY,
                    weight: Weight::Fixed(0.5),
                }],
                vec![
                    SimRule::Engine {
                        id: "C#0".into(),
                        weight: 0.3,
                    },
                    SimRule::Model {
                        model: 0,
                        label: 2,
                        min: 0.0,
                        max: f64::INFINITY,
                        weight: Weight::Probability,
                    },
                ],
                vec![],
            ],
            review_below: Some(0.6),
        }
    }

    #[test]
    fn rules_model_rules_vetoes_and_exclusive_groups() {
        let d = dim();
        let fired = vec![
            vec!["A#0".to_string()],
            vec![],
            vec!["C#0".to_string()],
            vec![],
        ];
        // A by its rule (0.6); B by the model (0.5) but A outranks it in the group; C:
        // 1 − 0.7·(1 − 0.4) = 0.58.
        let o = simulate(&d, &fired, &[vec![0.5, 0.45, 0.4]]);
        let got: Vec<(usize, String)> = o
            .labels
            .iter()
            .map(|l| (l.0, format!("{:.2}", l.1)))
            .collect();
        assert_eq!(got, vec![(0, "0.60".to_string()), (2, "0.58".to_string())]);
        assert!(!o.needs_review(0.55));
        assert!(o.needs_review(0.61));
        // The model vetoes A (p < 0.2): B takes the group.
        let o = simulate(&d, &fired, &[vec![0.1, 0.45, 0.0]]);
        assert_eq!(o.labels.iter().map(|l| l.0).collect::<Vec<_>>(), vec![1]);
        // Nothing: the fallback, flagged for review.
        let o = simulate(
            &d,
            &[vec![], vec![], vec![], vec![]],
            &[vec![0.1, 0.1, 0.1]],
        );
        assert_eq!(o.labels, vec![(3, 0.0)]);
        assert!(o.fallback && o.needs_review(0.1));
    }

    #[test]
    fn model_conditions_become_field_conditions() {
        let c = json!({"all": [{"terms": ["x"]}, {"not": {"model": {"id": "m", "label": "A", "min": 0.3, "max": 0.9}}}]});
        // No model loaded: a reference is an error, located by its message.
        assert!(convert(&c, &[]).unwrap_err().contains("no model `m`"));
        let plain = json!({"any": [{"terms": ["x"]}]});
        assert_eq!(convert(&plain, &[]), Ok(plain.clone()));
    }
}
