//! The `model` kind — `{"model": {"id": "reason", "label": "C07", "min": 0.45, "max": 0.9}}`: the
//! pack's learned model `id` gives label `label` a calibrated probability ≥ `min` (default 0)
//! and < `max` (no bound when absent). Evidence is the model's own: the n-grams that most raised
//! the label, from the same pass that scored the text.

use super::{At, Bounds, Build, Ctx, RawEvidence, Reader};
use crate::codec::{Reader as Bytes, Res, Writer};
use crate::error::pointer;
use serde_json::Value;

/// `model` as written.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ModelDef {
    /// Model id.
    pub id: String,
    /// Label code.
    pub label: String,
    /// Lowest probability (inclusive).
    pub min: f64,
    /// Highest probability (exclusive), when bounded.
    pub max: Option<f64>,
}

/// `model` compiled: indices into the pack's models and the model's labels.
#[derive(Debug, Clone)]
pub(crate) struct ModelCond {
    /// Index of the model in the pack.
    pub model: usize,
    /// Index of the label among the model's labels.
    pub label: usize,
    min: f64,
    max: Option<f64>,
}

pub(super) fn read(r: &mut Reader, body: &Value, at: &At) -> Option<ModelDef> {
    let bp = at.body;
    let m = r.c.object(body, bp, &["id", "label", "min", "max"])?;
    let id = r.c.nonempty_string(m, "id", bp);
    let label = r.c.nonempty_string(m, "label", bp);
    let min = r.c.number_in(m, "min", bp, 0.0, 1.0);
    let max = r.c.number_in(m, "max", bp, 0.0, 1.0);
    let (id, label) = (id?, label?);
    match r.models.iter().find(|(mid, _)| *mid == id) {
        None => {
            let known: Vec<&str> = r.models.iter().map(|(mid, _)| mid.as_str()).collect();
            r.c.error(
                &pointer(bp, "id"),
                format!(
                    "unknown model \"{id}\"; the pack's models: {}",
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                ),
            );
        }
        Some((_, labels)) if !labels.contains(&label) => r.c.error(
            &pointer(bp, "label"),
            format!("model \"{id}\" does not score label \"{label}\""),
        ),
        Some(_) => {}
    }
    let min = min.unwrap_or(0.0);
    if let Some(x) = max.filter(|&x| x <= min) {
        r.c.error(
            &pointer(bp, "max"),
            format!("max ({x}) must be above min ({min})"),
        );
    }
    Some(ModelDef {
        id,
        label,
        min,
        max,
    })
}

pub(super) fn compile(b: &mut Build, d: &ModelDef) -> ModelCond {
    let (model, label) = b
        .models
        .iter()
        .position(|(id, _)| *id == d.id)
        .and_then(|mi| {
            let li = b.models.get(mi)?.1.iter().position(|l| *l == d.label)?;
            Some((mi, li))
        })
        .unwrap_or((usize::MAX, usize::MAX));
    ModelCond {
        model,
        label,
        min: d.min,
        max: d.max,
    }
}

impl ModelCond {
    /// The label's calibrated probability for the text (0 when the model did not run).
    pub fn probability(&self, ctx: &Ctx) -> f64 {
        ctx.models
            .get(self.model)
            .and_then(|p| p.get(self.label))
            .copied()
            .unwrap_or(0.0)
    }

    pub(super) fn holds(&self, ctx: &Ctx) -> bool {
        let p = self.probability(ctx);
        p >= self.min && self.max.map_or(true, |x| p < x)
    }

    pub(super) fn write(&self, w: &mut Writer) {
        w.size(self.model);
        w.size(self.label);
        w.f64(self.min);
        match self.max {
            None => w.u8(0),
            Some(x) => {
                w.u8(1);
                w.f64(x);
            }
        }
    }

    /// Read a model condition, checking the model and label against the pack's models.
    pub(super) fn load(r: &mut Bytes, b: &Bounds) -> Res<ModelCond> {
        let model = r.index(b.models.len(), "model")?;
        let labels = b.models.get(model).copied().unwrap_or(0);
        let label = r.index(labels, "model label")?;
        let min = probability(r, "min")?;
        let max = match r.u8()? {
            0 => None,
            1 => Some(probability(r, "max")?),
            t => return Err(r.corrupt(format!("{t} is not an option tag"))),
        };
        Ok(ModelCond {
            model,
            label,
            min,
            max,
        })
    }

    pub(super) fn evidence(&self, out: &mut Vec<RawEvidence>) {
        out.push(RawEvidence::Model {
            model: self.model,
            label: self.label,
        });
    }
}

/// A stored probability bound: finite, in [0, 1].
fn probability(r: &mut Bytes, what: &str) -> Res<f64> {
    let x = r.finite(what)?;
    if (0.0..=1.0).contains(&x) {
        Ok(x)
    } else {
        Err(r.corrupt(format!("{what} {x} outside [0, 1]")))
    }
}
