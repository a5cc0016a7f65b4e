//! The JavaScript face of wendu (web, Node, bundlers): raw wasm-bindgen exports that convert and
//! delegate to the core. JSON crosses the boundary as text both ways, so what JavaScript parses is
//! byte for byte the core's JSON; `pkg/api.mjs` wraps these exports in the public `Engine`,
//! `TriggerEngine` and `WenduError`. Errors leave as the core's error JSON (a thrown string).
//! Verdicts for many texts can also leave as columns of small integers (`columns`), and the
//! `serde-boundary` feature adds the serde-wasm-bindgen exports the benchmark compares with JSON
//! text (`serde_boundary`; BENCHMARKS.md, "The boundary"; not in the shipped module).
#![forbid(unsafe_code)]

#[cfg(feature = "columns")]
mod columns;
#[cfg(feature = "serde-boundary")]
mod serde_boundary;

#[cfg(feature = "columns")]
use columns::Tables;
#[cfg(feature = "columns")]
use std::cell::OnceCell;
use std::cell::RefCell;
use wasm_bindgen::prelude::*;
use wendu::{resolve_pack, Engine, EngineOptions, Error, PackSource, Problem, TriggerEngine};

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
pub struct RawEngine(Engine, #[cfg(feature = "columns")] OnceCell<Tables>);

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
}

impl RawEngine {
    fn of(engine: Engine) -> RawEngine {
        RawEngine(
            engine,
            #[cfg(feature = "columns")]
            OnceCell::new(),
        )
    }

    #[cfg(feature = "columns")]
    fn tables(&self) -> &Tables {
        self.1.get_or_init(|| Tables::of(&self.0))
    }
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
