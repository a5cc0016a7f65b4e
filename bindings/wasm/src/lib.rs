//! The JavaScript face of wendu (web, Node, bundlers): raw wasm-bindgen exports that convert and
//! delegate to the core. JSON crosses the boundary as text both ways, so what JavaScript parses is
//! byte for byte the core's JSON; `pkg/api.mjs` wraps these exports in the public `Engine`,
//! `TriggerEngine` and `WenduError`. Errors leave as the core's error JSON (a thrown string).
//! Verdicts for many texts can also leave as columns of small integers (`verdictColumns`), and
//! the `serde-boundary` feature adds the serde-wasm-bindgen exports the benchmark compares with
//! JSON text (BENCHMARKS.md, "The boundary"; not in the shipped module).
#![forbid(unsafe_code)]

use std::cell::{OnceCell, RefCell};
use std::collections::HashMap;
use wasm_bindgen::prelude::*;
use wendu::decision::{Num, Replaced};
use wendu::{
    resolve_pack, Complaint, Engine, EngineOptions, Error, PackSource, Problem, TriggerEngine,
    Verdict,
};

fn fail(e: Error) -> JsValue {
    JsValue::from_str(&e.to_json())
}

thread_local! {
    /// The message of the last panic. A panic aborts (a `RuntimeError` in JavaScript); the wrapper
    /// then reads this so the caller gets a `WenduError` with code `internal`, not "unreachable".
    static PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

#[wasm_bindgen(start)]
fn start() {
    std::panic::set_hook(Box::new(|info| {
        let msg = info.to_string();
        PANIC.with(|p| {
            if let Ok(mut p) = p.try_borrow_mut() {
                *p = Some(msg);
            }
        });
    }));
}

/// The message of the last panic, if any (and forget it).
#[wasm_bindgen(js_name = takePanic)]
pub fn take_panic() -> Option<String> {
    PANIC.with(|p| p.try_borrow_mut().ok().and_then(|mut p| p.take()))
}

/// A compiled pack, and (made on the first `verdictColumns`) the indices its columns use.
#[wasm_bindgen]
pub struct RawEngine(Engine, OnceCell<Tables>);

#[wasm_bindgen]
impl RawEngine {
    /// Compile a pack: its JSON text, a built-in id, or empty for the default pack (the built-in
    /// packs load compiled); `options` is the options' JSON text (empty for the defaults). Both
    /// are read by the core (`resolve_pack`, `EngineOptions::from_json`), options first.
    #[wasm_bindgen(constructor)]
    pub fn new(pack: &str, options: &str) -> Result<RawEngine, JsValue> {
        let options = EngineOptions::from_json(options).map_err(fail)?;
        Engine::load(resolve_pack(pack), options)
            .map(RawEngine::of)
            .map_err(fail)
    }

    /// An engine from bytes (a `Uint8Array`): a compiled pack (`.wdp`) or a pack's JSON in UTF-8
    /// (`PackSource::from_bytes` tells them apart).
    #[wasm_bindgen(js_name = fromBytes)]
    pub fn from_bytes(bytes: &[u8], options: &str) -> Result<RawEngine, JsValue> {
        let options = EngineOptions::from_json(options).map_err(fail)?;
        let source = PackSource::from_bytes(bytes).map_err(fail)?;
        Engine::load(source, options)
            .map(RawEngine::of)
            .map_err(fail)
    }

    /// The pack compiled: `.wdp` bytes (a `Uint8Array`) for `fromBytes`.
    #[wasm_bindgen(js_name = toCompiled)]
    pub fn to_compiled(&self) -> Vec<u8> {
        self.0.to_compiled()
    }

    /// `{"id","version","hash"}` of the pack.
    pub fn info(&self) -> String {
        serde_json::to_string(self.0.info()).unwrap_or_else(|_| "{}".to_string())
    }

    /// What the pack decides (dimensions and labels, severity levels and factors) as JSON.
    pub fn describe(&self) -> String {
        self.0.describe().to_json()
    }

    /// Run the test cases the pack carries: `{passed, failed, results}` JSON.
    #[wasm_bindgen(js_name = runTests)]
    pub fn run_tests(&self) -> String {
        serde_json::to_string(&self.0.run_tests()).unwrap_or_else(|_| "null".to_string())
    }

    /// Classify one complaint (JSON text) into decision JSON.
    pub fn classify(&self, complaint: &str) -> Result<String, JsValue> {
        self.0
            .classify_json(complaint)
            .map(|d| d.to_json())
            .map_err(fail)
    }

    /// Classify a JSON array of complaints in one crossing: a JSON array holding, in order, each
    /// decision or `{"error": <error JSON>}` for a complaint that could not be classified.
    #[wasm_bindgen(js_name = classifyBatch)]
    pub fn classify_batch(&self, complaints: &str) -> Result<String, JsValue> {
        self.0.classify_batch_json(complaints).map_err(fail)
    }

    /// Decide one complaint (JSON text) without explaining it: verdict JSON (labels, confidences,
    /// route, severity; docs/decision-format.md, "Verdicts").
    pub fn verdict(&self, complaint: &str) -> Result<String, JsValue> {
        self.0
            .verdict_json(complaint)
            .map(|v| v.to_json())
            .map_err(fail)
    }

    /// `classifyBatch` with verdicts: a JSON array holding, in order, each verdict or
    /// `{"error": <error JSON>}` for a complaint that could not be decided.
    #[wasm_bindgen(js_name = verdictBatch)]
    pub fn verdict_batch(&self, complaints: &str) -> Result<String, JsValue> {
        self.0.verdict_batch_json(complaints).map_err(fail)
    }

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

impl RawEngine {
    fn of(engine: Engine) -> RawEngine {
        RawEngine(engine, OnceCell::new())
    }

    fn tables(&self) -> &Tables {
        self.1.get_or_init(|| Tables::of(&self.0))
    }
}

/// Texts one after the other → each text, cut at the given UTF-16 lengths. A cut inside a
/// character, or lengths that do not add up to the whole, is an `invalid_input` error.
fn split_utf16<'a>(joined: &'a str, lengths: &[u32]) -> Result<Vec<&'a str>, Error> {
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
struct Tables {
    codes: Vec<HashMap<String, u32>>,
    levels: HashMap<String, i32>,
    factors: HashMap<String, u32>,
    json: String,
}

impl Tables {
    fn of(engine: &Engine) -> Tables {
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

/// The serde-wasm-bindgen path, for the benchmark only (feature `serde-boundary`): complaints
/// in and decisions or verdicts out as JavaScript objects built from Rust, instead of JSON text
/// parsed and written by JavaScript. Same inputs, same outputs as the JSON exports above.
#[cfg(feature = "serde-boundary")]
#[wasm_bindgen]
impl RawEngine {
    /// `classify` with objects.
    #[wasm_bindgen(js_name = classifyObj)]
    pub fn classify_obj(&self, complaint: JsValue) -> Result<JsValue, JsValue> {
        let c = complaint_of(complaint)?;
        let d = self.0.classify(&c).map_err(fail)?;
        to_js(&d)
    }

    /// `classifyBatch` with objects: an array of decisions or `{error}`.
    #[wasm_bindgen(js_name = classifyBatchObj)]
    pub fn classify_batch_obj(&self, complaints: JsValue) -> Result<Vec<JsValue>, JsValue> {
        self.batch_obj(complaints, |c| self.0.classify(c).and_then(|d| ser(&d)))
    }

    /// `verdict` with objects.
    #[wasm_bindgen(js_name = verdictObj)]
    pub fn verdict_obj(&self, complaint: JsValue) -> Result<JsValue, JsValue> {
        let c = complaint_of(complaint)?;
        let v = self.0.verdict(&c).map_err(fail)?;
        to_js(&v)
    }

    /// `verdictBatch` with objects: an array of verdicts or `{error}`.
    #[wasm_bindgen(js_name = verdictBatchObj)]
    pub fn verdict_batch_obj(&self, complaints: JsValue) -> Result<Vec<JsValue>, JsValue> {
        self.batch_obj(complaints, |c| self.0.verdict(c).and_then(|v| ser(&v)))
    }
}

#[cfg(feature = "serde-boundary")]
#[wasm_bindgen]
impl RawEngine {
    /// The floor under a verdict, for the benchmark: normalise each text (given as for
    /// `verdictColumns`) and count the term automaton's matches, nothing more.
    #[wasm_bindgen(js_name = bareScanColumns)]
    pub fn bare_scan_columns(&self, joined: &str, lengths: &[u32]) -> Result<u32, JsValue> {
        let texts = split_utf16(joined, lengths).map_err(fail)?;
        Ok(texts.iter().map(|t| self.0.bare_scan(t) as u32).sum())
    }
}

#[cfg(feature = "serde-boundary")]
impl RawEngine {
    fn batch_obj(
        &self,
        complaints: JsValue,
        one: impl Fn(&Complaint) -> Result<JsValue, Error>,
    ) -> Result<Vec<JsValue>, JsValue> {
        let items: Vec<serde_json::Value> =
            serde_wasm_bindgen::from_value(complaints).map_err(|e| fail(bad_input(e)))?;
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            let r = Complaint::from_value(item).and_then(|c| one(&c));
            let value = match r {
                Ok(v) => v,
                Err(e) => {
                    let error: serde_json::Value =
                        serde_json::from_str(&e.to_json()).unwrap_or_default();
                    to_js(&serde_json::json!({ "error": error }))?
                }
            };
            out.push(value);
        }
        Ok(out)
    }
}

#[cfg(feature = "serde-boundary")]
fn complaint_of(v: JsValue) -> Result<Complaint, JsValue> {
    let value: serde_json::Value =
        serde_wasm_bindgen::from_value(v).map_err(|e| fail(bad_input(e)))?;
    Complaint::from_value(value).map_err(fail)
}

#[cfg(feature = "serde-boundary")]
fn ser<T: serde::Serialize>(v: &T) -> Result<JsValue, Error> {
    v.serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| Error::Internal(e.to_string()))
}

#[cfg(feature = "serde-boundary")]
fn to_js<T: serde::Serialize>(v: &T) -> Result<JsValue, JsValue> {
    ser(v).map_err(fail)
}

#[cfg(feature = "serde-boundary")]
fn bad_input(e: impl std::fmt::Display) -> Error {
    Error::InvalidInput(vec![Problem::error("", e.to_string())])
}

/// A trigger engine: low-score and surge alerts over a stream of events.
#[wasm_bindgen]
pub struct RawTrigger(TriggerEngine);

#[wasm_bindgen]
impl RawTrigger {
    /// Build from a pack (JSON text, a built-in id, or empty for the default pack) and its
    /// `triggers` section.
    #[wasm_bindgen(constructor)]
    pub fn new(pack: &str) -> Result<RawTrigger, JsValue> {
        Engine::load(resolve_pack(pack), EngineOptions::default())
            .and_then(TriggerEngine::new)
            .map(RawTrigger)
            .map_err(fail)
    }

    /// Build from bytes: a compiled pack or a pack's JSON in UTF-8.
    #[wasm_bindgen(js_name = fromBytes)]
    pub fn from_bytes(bytes: &[u8]) -> Result<RawTrigger, JsValue> {
        PackSource::from_bytes(bytes)
            .and_then(|s| Engine::load(s, EngineOptions::default()))
            .and_then(TriggerEngine::new)
            .map(RawTrigger)
            .map_err(fail)
    }

    /// `{"id","version","hash"}` of the pack.
    pub fn info(&self) -> String {
        serde_json::to_string(self.0.engine().info()).unwrap_or_else(|_| "{}".to_string())
    }

    /// Ingest one event (a JSON object) or a batch (a JSON array): the outcome JSON.
    pub fn ingest(&mut self, events: &str) -> String {
        self.0.ingest_json(events).to_json()
    }

    /// The state as snapshot JSON.
    pub fn snapshot(&self) -> String {
        self.0.snapshot()
    }

    /// Replace the state with a snapshot taken with the same pack.
    pub fn restore(&mut self, snapshot: &str) -> Result<(), JsValue> {
        self.0.restore(snapshot).map_err(fail)
    }
}

/// Every problem of a pack (JSON text, a built-in id, or empty for the default pack), its
/// `triggers` section included: a JSON array of `{path, message, severity}`, empty when clean.
#[wasm_bindgen]
pub fn check(pack: &str) -> String {
    problems_json(&Engine::check_source(resolve_pack(pack)))
}

/// `check` for bytes: a compiled pack (its warnings, or why it does not load) or JSON in UTF-8.
#[wasm_bindgen(js_name = checkBytes)]
pub fn check_bytes(bytes: &[u8]) -> String {
    match PackSource::from_bytes(bytes) {
        Ok(source) => problems_json(&Engine::check_source(source)),
        Err(e) => problems_json(e.problems()),
    }
}

/// The version of the wendu crate inside this module.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

fn problems_json(p: &[Problem]) -> String {
    serde_json::to_string(p).unwrap_or_else(|_| "[]".to_string())
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
