//! The serde-wasm-bindgen path, for the benchmark only (feature `serde-boundary`, never in the
//! shipped module): complaints in and decisions or verdicts out as JavaScript objects built from
//! Rust instead of JSON text, measured against it by bench/boundary.mjs (BENCHMARKS.md, "The
//! boundary"), with the bare scan as the floor under a verdict.

use crate::columns::split_utf16;
use crate::{fail, RawEngine};
use wasm_bindgen::prelude::*;
use wendu::{Complaint, Error, Problem};

/// The serde-wasm-bindgen path, for the benchmark only (feature `serde-boundary`): complaints
/// in and decisions or verdicts out as JavaScript objects built from Rust, instead of JSON text
/// parsed and written by JavaScript. Same inputs, same outputs as the JSON exports (lib.rs).
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

fn complaint_of(v: JsValue) -> Result<Complaint, JsValue> {
    let value: serde_json::Value =
        serde_wasm_bindgen::from_value(v).map_err(|e| fail(bad_input(e)))?;
    Complaint::from_value(value).map_err(fail)
}

fn ser<T: serde::Serialize>(v: &T) -> Result<JsValue, Error> {
    v.serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| Error::Internal(e.to_string()))
}

fn to_js<T: serde::Serialize>(v: &T) -> Result<JsValue, JsValue> {
    ser(v).map_err(fail)
}

fn bad_input(e: impl std::fmt::Display) -> Error {
    Error::InvalidInput(vec![Problem::error("", e.to_string())])
}
