//! The edits `wendu learn` makes to a pack's JSON: add the dimension when the pack lacks it,
//! put the model into `models` and its learned rules into the dimension's labels, and take out
//! an earlier model of the same id with its rules.

use super::search::LabelPlan;
use crate::combine::Weight;
use crate::labelled::LabelMap;
use serde_json::{json, Value};
use wendu::model::Model;

/// Remove model `id` and the rules that are exactly one condition on it.
pub(super) fn remove_model(pack: &mut Value, id: &str) {
    if let Some(ms) = pack.get_mut("models").and_then(Value::as_array_mut) {
        ms.retain(|m| m.get("id").and_then(Value::as_str) != Some(id));
    }
    if pack
        .get("models")
        .and_then(Value::as_array)
        .is_some_and(Vec::is_empty)
    {
        if let Some(o) = pack.as_object_mut() {
            o.remove("models");
        }
    }
    if let Some(dims) = pack.get_mut("dimensions").and_then(Value::as_array_mut) {
        for d in dims {
            for l in d
                .get_mut("labels")
                .and_then(Value::as_array_mut)
                .into_iter()
                .flatten()
            {
                if let Some(rules) = l.get_mut("rules").and_then(Value::as_array_mut) {
                    rules.retain(|r| {
                        r.pointer("/when/model/id").and_then(Value::as_str) != Some(id)
                    });
                }
            }
        }
    }
}

/// Add the dimension when the pack lacks it (labels from the map: code, named by its gold
/// label; single-label; threshold 0 so that the model's top label is always given). Returns
/// whether it was added.
pub(super) fn ensure_dimension(
    pack: &mut Value,
    id: &str,
    map: &LabelMap,
    codes: &[String],
) -> Result<bool, String> {
    let dims = pack
        .get_mut("dimensions")
        .and_then(Value::as_array_mut)
        .ok_or("the pack has no dimensions")?;
    if dims
        .iter()
        .any(|d| d.get("id").and_then(Value::as_str) == Some(id))
    {
        return Ok(false);
    }
    let labels: Vec<Value> = codes
        .iter()
        .map(|c| {
            let name = map
                .entries
                .iter()
                .find(|(_, cs)| cs.first() == Some(c))
                .map_or(c.as_str(), |(g, _)| g.as_str());
            json!({"code": c, "name": name, "rules": []})
        })
        .collect();
    dims.push(json!({"id": id, "name": id, "multi": false, "threshold": 0.0, "labels": labels}));
    Ok(true)
}

/// Put the model into `models` and its rules into the dimension's labels.
pub(super) fn insert_model(
    pack: &mut Value,
    model: &Model,
    plan: &[LabelPlan],
    dimension: &str,
    codes: &[String],
    review_below: Option<f64>,
) -> Result<(), String> {
    remove_model(pack, model.id());
    let obj = pack.as_object_mut().ok_or("a pack is an object")?;
    let models = obj.entry("models").or_insert_with(|| json!([]));
    if let Some(a) = models.as_array_mut() {
        a.push(model.to_value());
    }
    let dims = pack
        .get_mut("dimensions")
        .and_then(Value::as_array_mut)
        .ok_or("the pack has no dimensions")?;
    let d = dims
        .iter_mut()
        .find(|d| d.get("id").and_then(Value::as_str) == Some(dimension))
        .ok_or_else(|| format!("no dimension `{dimension}`"))?;
    if let Some(t) = review_below {
        d["review_below"] = json!(t);
    }
    let labels = d
        .get_mut("labels")
        .and_then(Value::as_array_mut)
        .ok_or("the dimension has no labels")?;
    for (code, p) in codes.iter().zip(plan) {
        let Some(l) = labels
            .iter_mut()
            .find(|l| l.get("code").and_then(Value::as_str) == Some(code.as_str()))
        else {
            continue;
        };
        if l.get("rules").is_none() {
            l["rules"] = json!([]);
        }
        let Some(rules) = l.get_mut("rules").and_then(Value::as_array_mut) else {
            continue;
        };
        if let Some((min, w)) = p.alone {
            let weight = match w {
                Weight::Fixed(x) => json!(x),
                Weight::Probability => json!("probability"),
            };
            rules.push(json!({"id": format!("{code}#learned"), "when": {"model": {"id": model.id(), "label": code, "min": min}}, "weight": weight}));
        }
        if let Some((v, w)) = p.veto {
            rules.push(json!({"id": format!("{code}#learned-veto"), "when": {"model": {"id": model.id(), "label": code, "max": v}}, "weight": w}));
        }
    }
    Ok(())
}
