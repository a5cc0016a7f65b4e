//! Verdicts as columns (`verdictColumns`): many texts in as one joined string and their UTF-16
//! lengths, verdicts out as typed arrays of label, level, factor and route indices with the
//! tables they index — no JSON on either side, for high-volume callers. A rendering of the core's
//! `Verdict`, nothing decided here; `pkg/api.mjs` wraps it in `VerdictColumns`.

use crate::{fail, RawEngine};
use std::collections::HashMap;
use wasm_bindgen::prelude::*;
use wendu::decision::{Num, Replaced};
use wendu::{Complaint, Engine, Error, Problem, Verdict};

#[wasm_bindgen]
impl RawEngine {
    /// The tables `verdictColumns` indexes into, as JSON: `{"dimensions": [id], "codes": [code],
    /// "code_dimension": [dimension index], "levels": [{id, name, deadline_hours, escalate_to}],
    /// "factors": [id]}`, in pack order.
    #[wasm_bindgen(js_name = columnTables)]
    pub fn column_tables(&self) -> String {
        self.tables().json.clone()
    }

    /// Verdicts for many texts (each a complaint `{"text": …}`) in one crossing, as columns:
    /// `joined` is the texts one after the other, `lengths` each text's length in UTF-16 code
    /// units (JavaScript's `length`), `surrogates` (empty, or one count per text) how many lone
    /// surrogates the caller replaced by U+FFFD in each, for the warning the JSON path gives.
    #[wasm_bindgen(js_name = verdictColumns)]
    pub fn verdict_columns(
        &self,
        joined: &str,
        lengths: &[u32],
        surrogates: &[u32],
    ) -> Result<RawColumns, JsValue> {
        let texts = split_utf16(joined, lengths).map_err(fail)?;
        if !surrogates.is_empty() && surrogates.len() != texts.len() {
            return Err(fail(Error::InvalidInput(vec![Problem::error(
                "",
                "one lone-surrogate count per text, or none",
            )])));
        }
        let tables = self.tables();
        let mut out = RawColumns::with_capacity(texts.len());
        let mut seen = Vec::new();
        for (i, text) in texts.into_iter().enumerate() {
            match self.0.verdict(&Complaint::from_text(text)) {
                Ok(mut v) => {
                    if let Some(&n) = surrogates.get(i).filter(|&&n| n > 0) {
                        v.warnings
                            .extend(Replaced(vec![("/text".to_string(), n as usize)]).warnings(""));
                    }
                    out.push(i, &v, tables, &mut seen).map_err(fail)?;
                }
                Err(e) => out.push_error(i, &e),
            }
        }
        Ok(out)
    }
}

/// Texts one after the other → each text, cut at the given UTF-16 lengths. A cut inside a
/// character, or lengths that do not add up to the whole, is an `invalid_input` error.
pub(crate) fn split_utf16<'a>(joined: &'a str, lengths: &[u32]) -> Result<Vec<&'a str>, Error> {
    let bad = |m: String| Error::InvalidInput(vec![Problem::error("", m)]);
    let mut out = Vec::with_capacity(lengths.len());
    let mut chars = joined.char_indices();
    let mut start = 0;
    for (i, &len) in lengths.iter().enumerate() {
        let mut units = 0u32;
        let mut end = start;
        while units < len {
            let Some((at, c)) = chars.next() else {
                return Err(bad(format!("text {i} ends after the joined texts")));
            };
            units += c.len_utf16() as u32;
            end = at + c.len_utf8();
        }
        if units != len {
            return Err(bad(format!("text {i} ends inside a character")));
        }
        out.push(&joined[start..end]);
        start = end;
    }
    if start != joined.len() {
        return Err(bad("the lengths do not cover the joined texts".to_string()));
    }
    Ok(out)
}

/// An engine's labels, levels and factors by name → their index in pack order: what
/// `verdictColumns` writes instead of the strings.
pub(crate) struct Tables {
    codes: Vec<HashMap<String, u32>>,
    levels: HashMap<String, i32>,
    factors: HashMap<String, u32>,
    json: String,
}

impl Tables {
    pub(crate) fn of(engine: &Engine) -> Tables {
        let d = engine.describe();
        let mut codes = Vec::with_capacity(d.dimensions.len());
        let mut flat = Vec::new();
        let mut code_dimension = Vec::new();
        for (di, dim) in d.dimensions.iter().enumerate() {
            let mut m = HashMap::with_capacity(dim.labels.len());
            for l in &dim.labels {
                m.insert(l.code.clone(), flat.len() as u32);
                flat.push(l.code.as_str());
                code_dimension.push(di);
            }
            codes.push(m);
        }
        let levels = d.levels.iter().enumerate();
        let json = serde_json::json!({
            "dimensions": d.dimensions.iter().map(|x| &x.id).collect::<Vec<_>>(),
            "codes": flat,
            "code_dimension": code_dimension,
            "levels": d.levels.iter().map(|l| serde_json::json!({
                "id": l.id, "name": l.name, "deadline_hours": l.deadline_hours,
                "escalate_to": l.escalate_to,
            })).collect::<Vec<_>>(),
            "factors": d.factors.iter().map(|f| &f.id).collect::<Vec<_>>(),
        })
        .to_string();
        Tables {
            levels: levels.map(|(i, l)| (l.id.clone(), i as i32)).collect(),
            factors: (d.factors.iter().enumerate())
                .map(|(i, f)| (f.id.clone(), i as u32))
                .collect(),
            codes,
            json,
        }
    }
}

/// Verdicts as columns (`verdictColumns`): per text, its labels (indices into the code table,
/// with confidence and fallback flag) from `label_start[i]` to `label_start[i + 1]`, its level
/// index (-1: no severity, or an error) and points, its factors the same way, its route as an
/// index into `routes` (-1: none); what is rare — dimensions to review, warnings, errors — as
/// JSON by text index.
#[wasm_bindgen]
pub struct RawColumns {
    label_start: Vec<u32>,
    label: Vec<u32>,
    confidence: Vec<f64>,
    fallback: Vec<u8>,
    level: Vec<i32>,
    points: Vec<f64>,
    factor_start: Vec<u32>,
    factor: Vec<u32>,
    route: Vec<i32>,
    routes: Vec<serde_json::Value>,
    needs_review: Vec<(usize, Vec<String>)>,
    warnings: Vec<(usize, Vec<String>)>,
    errors: Vec<(usize, serde_json::Value)>,
}

impl RawColumns {
    fn with_capacity(n: usize) -> RawColumns {
        let mut label_start = Vec::with_capacity(n + 1);
        label_start.push(0);
        let mut factor_start = Vec::with_capacity(n + 1);
        factor_start.push(0);
        RawColumns {
            label_start,
            label: Vec::with_capacity(n * 2),
            confidence: Vec::with_capacity(n * 2),
            fallback: Vec::with_capacity(n * 2),
            level: Vec::with_capacity(n),
            points: Vec::with_capacity(n),
            factor_start,
            factor: Vec::new(),
            route: Vec::with_capacity(n),
            routes: Vec::new(),
            needs_review: Vec::new(),
            warnings: Vec::new(),
            errors: Vec::new(),
        }
    }

    fn push<'p>(
        &mut self,
        i: usize,
        v: &Verdict<'p>,
        t: &Tables,
        seen: &mut Vec<RouteKey<'p>>,
    ) -> Result<(), Error> {
        // A name the tables do not know would be a bug: the verdict and the tables both come
        // from the pack.
        let missing = |what: &str, name: &str| {
            Error::Internal(format!(
                "verdictColumns: {what} {name:?} is not in the pack's tables"
            ))
        };
        for (di, (_, codes)) in v.labels.0.iter().enumerate() {
            for l in codes {
                let index = t.codes.get(di).and_then(|m| m.get(l.code));
                self.label
                    .push(*index.ok_or_else(|| missing("label", l.code))?);
                self.confidence.push(written(l.confidence));
                self.fallback.push(u8::from(l.fallback));
            }
        }
        self.label_start.push(self.label.len() as u32);
        match &v.severity {
            Some(s) => {
                let level = t.levels.get(s.level);
                self.level
                    .push(*level.ok_or_else(|| missing("level", s.level))?);
                self.points.push(s.points as f64);
                for f in &s.factors {
                    let index = t.factors.get(*f);
                    self.factor
                        .push(*index.ok_or_else(|| missing("factor", f))?);
                }
            }
            None => {
                self.level.push(-1);
                self.points.push(0.0);
            }
        }
        self.factor_start.push(self.factor.len() as u32);
        // A pack has few distinct routes: a linear search of the ones seen in this call.
        let route = v.route.as_ref().map_or(-1, |r| {
            let key = (r.department, r.queue, r.dimension, r.code);
            match seen.iter().position(|k| *k == key) {
                Some(at) => at as i32,
                None => {
                    seen.push(key);
                    self.routes
                        .push(serde_json::to_value(r).unwrap_or_default());
                    self.routes.len() as i32 - 1
                }
            }
        });
        self.route.push(route);
        if !v.needs_review.is_empty() {
            let dims = v.needs_review.iter().map(|d| d.to_string()).collect();
            self.needs_review.push((i, dims));
        }
        if !v.warnings.is_empty() {
            self.warnings.push((i, v.warnings.clone()));
        }
        Ok(())
    }

    fn push_error(&mut self, i: usize, e: &Error) {
        self.label_start.push(self.label.len() as u32);
        self.level.push(-1);
        self.points.push(0.0);
        self.factor_start.push(self.factor.len() as u32);
        self.route.push(-1);
        let error = serde_json::from_str(&e.to_json()).unwrap_or_default();
        self.errors.push((i, error));
    }
}

/// A route by its fields (department, queue, dimension, code), borrowed from the pack.
type RouteKey<'p> = (&'p str, Option<&'p str>, Option<&'p str>, Option<&'p str>);

/// A confidence as the JSON path writes it ([`Num`]: rounded to 4 decimals; NaN for null).
fn written(n: Num) -> f64 {
    serde_json::to_value(n)
        .ok()
        .and_then(|v| v.as_f64())
        .unwrap_or(f64::NAN)
}

#[wasm_bindgen]
impl RawColumns {
    /// Per text, where its labels start in `label` (one more entry than texts).
    #[wasm_bindgen(js_name = labelStart)]
    pub fn label_start(&self) -> Vec<u32> {
        self.label_start.clone()
    }

    /// Label indices into the code table.
    pub fn label(&self) -> Vec<u32> {
        self.label.clone()
    }

    /// Each label's confidence.
    pub fn confidence(&self) -> Vec<f64> {
        self.confidence.clone()
    }

    /// 1 where the label was given because nothing else was.
    pub fn fallback(&self) -> Vec<u8> {
        self.fallback.clone()
    }

    /// Per text, its level index (-1: no severity, or an error).
    pub fn level(&self) -> Vec<i32> {
        self.level.clone()
    }

    /// Per text, the points of its severity.
    pub fn points(&self) -> Vec<f64> {
        self.points.clone()
    }

    /// Per text, where its factors start in `factor`.
    #[wasm_bindgen(js_name = factorStart)]
    pub fn factor_start(&self) -> Vec<u32> {
        self.factor_start.clone()
    }

    /// Factor indices into the factor table.
    pub fn factor(&self) -> Vec<u32> {
        self.factor.clone()
    }

    /// Per text, its route's index into `routes` (-1: none).
    pub fn route(&self) -> Vec<i32> {
        self.route.clone()
    }

    /// What is rare, as JSON: `{"routes": [route], "needs_review": [[i, [dimension]]],
    /// "warnings": [[i, [warning]]], "errors": [[i, error]]}`.
    pub fn sparse(&self) -> String {
        serde_json::json!({
            "routes": self.routes,
            "needs_review": self.needs_review,
            "warnings": self.warnings,
            "errors": self.errors,
        })
        .to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::split_utf16;

    #[test]
    fn texts_are_cut_at_utf16_lengths() {
        // "年费" is 2 UTF-16 units, "😀" 2 (a surrogate pair), "" 0, "a" 1.
        let joined = "年费😀a";
        assert_eq!(
            split_utf16(joined, &[2, 0, 2, 1]).unwrap(),
            vec!["年费", "", "😀", "a"]
        );
        assert_eq!(split_utf16("", &[]).unwrap(), Vec::<&str>::new());
    }

    #[test]
    fn bad_lengths_are_errors_not_panics() {
        for lengths in [
            &[3u32][..],
            &[1, 2, 2],
            &[2, 1, 1, 1],
            &[6],
            &[2, 2],
            &[u32::MAX],
        ] {
            let e = split_utf16("年费😀a", lengths).unwrap_err();
            assert_eq!(e.code(), "invalid_input", "{lengths:?}");
        }
    }
}
