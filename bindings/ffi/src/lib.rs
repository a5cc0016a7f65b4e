//! The embedded face of wendu: a plain C ABI with JSON in and JSON out (UTF-8), for hosts without
//! JavaScript — the import-free WebAssembly module that mobile apps run (wasmi, Chicory, WasmKit,
//! wasm3, wasmtime) and, built natively, a shared library. It converts bytes and delegates to the
//! core; the declarations are in `bindings/abi/wendu.h`, the protocol in `docs/embedding.md`.
//!
//! The protocol in brief:
//! - **Inputs** are borrowed for the duration of a call: the host gets memory with
//!   [`wendu_alloc`], writes the UTF-8 bytes, passes `(ptr, len)` and releases it with
//!   [`wendu_free`] (or reuses it).
//! - **Outputs** go to one result buffer owned by the module: after a call,
//!   [`wendu_result_ptr`] / [`wendu_result_len`] give the JSON (the bytes of a compiled pack
//!   for [`wendu_engine_compiled`]), valid until the next call.
//! - **Status**: functions return `0` (ok: the result is the output) or `1` (failed: the result is
//!   the error JSON `{"code","message","problems"}`); constructors return a handle `> 0`, or `0`
//!   on failure. The error JSON of the latest failure also stays in [`wendu_last_error_ptr`] /
//!   [`wendu_last_error_len`] until the next failure.
//! - **Handles** are never reused, so a freed or unknown handle fails cleanly (`invalid_handle`).
//!
//! Nothing here panics on any input. Should the core panic (a bug), the panic hook stores an
//! `internal` error in the last-error buffer before the module traps; the host must then discard
//! the instance. Running out of memory aborts without a panic (no hook runs), so every export
//! that does work first puts an `internal` error naming itself in the last-error buffer, and puts
//! the previous error back when it returns: after any trap, the last error says what happened.
//!
//! This is the only crate of wendu with `unsafe`: reading the host's input buffers and handing
//! out raw memory. Each block says why it is sound.

#![deny(unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks)]

use std::cell::RefCell;
use std::thread::LocalKey;
use wendu::{resolve_pack, Engine, EngineOptions, Error, Problem, TriggerEngine};

/// Version of this ABI: bumped on any incompatible change to the exports or the protocol. Adding
/// exports is compatible (a host looks up only the exports it uses), so `wendu_verdict` and
/// `wendu_verdict_batch` kept version 1; a host that needs them checks for the export.
pub const ABI_VERSION: u32 = 1;

const OK: i32 = 0;
const FAILED: i32 = 1;

/// Live objects of one kind; a handle is the index + 1, never reused.
struct Slots<T>(Vec<Option<Box<T>>>);

impl<T> Slots<T> {
    const fn new() -> Self {
        Slots(Vec::new())
    }
    fn insert(&mut self, value: T) -> Option<u32> {
        let handle = u32::try_from(self.0.len()).ok()?.checked_add(1)?;
        self.0.push(Some(Box::new(value)));
        Some(handle)
    }
    fn get_mut(&mut self, handle: u32) -> Option<&mut T> {
        let i = usize::try_from(handle.checked_sub(1)?).ok()?;
        self.0.get_mut(i)?.as_deref_mut()
    }
    fn remove(&mut self, handle: u32) -> bool {
        let Some(i) = handle.checked_sub(1).and_then(|h| usize::try_from(h).ok()) else {
            return false;
        };
        matches!(self.0.get_mut(i).map(Option::take), Some(Some(_)))
    }
}

// A wasm32 instance runs one call at a time, and natively the state is per thread, so
// thread-locals are the state. Borrows use `try_borrow*`: a borrow still held after a trap (the
// module aborted mid-call) turns every later call into a clean error instead of a panic.
thread_local! {
    static ENGINES: RefCell<Slots<Engine>> = const { RefCell::new(Slots::new()) };
    static TRIGGERS: RefCell<Slots<TriggerEngine>> = const { RefCell::new(Slots::new()) };
    static RESULT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    static LAST_ERROR: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    /// The last error from before the running call, while [`Armed`] stands in for it.
    static SAVED_ERROR: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    /// True while the running call has not recorded an error of its own.
    static ARMED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    #[cfg(target_arch = "wasm32")]
    static HOOKED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Record a panic's message as an `internal` error before the module traps, so a host that
/// catches the trap can still say what went wrong. Only in WebAssembly: natively the panic
/// aborts the process after the default message, and a library must not replace its host's hook.
fn hook_panics() {
    #[cfg(target_arch = "wasm32")]
    {
        if HOOKED.with(|h| h.replace(true)) {
            return;
        }
        std::panic::set_hook(Box::new(|info| {
            let json = Error::Internal(format!("wendu internal error: {info}")).to_json();
            LAST_ERROR.with(|e| {
                if let Ok(mut e) = e.try_borrow_mut() {
                    *e = json.clone().into_bytes();
                }
            });
            RESULT.with(|r| {
                if let Ok(mut r) = r.try_borrow_mut() {
                    *r = json.into_bytes();
                }
            });
        }));
    }
}

/// While a call runs, the last-error buffer holds an `internal` error naming the call, written
/// before the work starts (when memory is still there to write it): a call that never returns —
/// out of memory, a trap — leaves it behind, instead of the previous, unrelated error. A call
/// that returns puts the previous error back, or leaves its own failure.
struct Armed;

impl Armed {
    fn new(export: &'static str) -> Armed {
        let json = Error::Internal(format!(
            "wendu internal error: {export} did not return (out of memory, or a trap): discard this instance"
        ))
        .to_json();
        LAST_ERROR.with(|e| {
            SAVED_ERROR.with(|s| {
                if let (Ok(mut e), Ok(mut s)) = (e.try_borrow_mut(), s.try_borrow_mut()) {
                    std::mem::swap(&mut *e, &mut *s);
                    e.clear();
                    e.extend_from_slice(json.as_bytes());
                    ARMED.with(|a| a.set(true));
                }
            })
        });
        Armed
    }
}

impl Drop for Armed {
    fn drop(&mut self) {
        if ARMED.with(|a| a.replace(false)) {
            LAST_ERROR.with(|e| {
                SAVED_ERROR.with(|s| {
                    if let (Ok(mut e), Ok(mut s)) = (e.try_borrow_mut(), s.try_borrow_mut()) {
                        std::mem::swap(&mut *e, &mut *s);
                    }
                })
            });
        }
    }
}

fn set_result(bytes: Vec<u8>) {
    RESULT.with(|r| {
        if let Ok(mut r) = r.try_borrow_mut() {
            *r = bytes;
        }
    });
}

fn ok(json: String) -> i32 {
    set_result(json.into_bytes());
    OK
}

fn fail_json(json: String) -> i32 {
    // The call's own failure replaces the stand-in error; the previous one is not put back.
    ARMED.with(|a| a.set(false));
    LAST_ERROR.with(|e| {
        if let Ok(mut e) = e.try_borrow_mut() {
            e.clear();
            e.extend_from_slice(json.as_bytes());
        }
    });
    set_result(json.into_bytes());
    FAILED
}

fn fail(e: &Error) -> i32 {
    fail_json(e.to_json())
}

fn invalid_input(message: String) -> Error {
    Error::InvalidInput(vec![Problem::error("", message)])
}

/// The host's input as text. `(null, 0)` is the empty string.
///
/// # Safety
/// `ptr..ptr+len` must be readable and not written during the call (the export's contract).
unsafe fn input<'a>(ptr: *const u8, len: usize) -> Result<&'a str, Error> {
    if len == 0 {
        return Ok("");
    }
    if ptr.is_null() {
        return Err(invalid_input(format!("null pointer with length {len}")));
    }
    // SAFETY: this function's contract: `ptr..ptr+len` is memory the host wrote (normally from
    // `wendu_alloc`) and leaves alone during the call; it is only read. On wasm32 an out-of-range
    // buffer traps on access instead of reading foreign memory.
    let bytes = unsafe { std::slice::from_raw_parts(ptr, len) };
    std::str::from_utf8(bytes).map_err(|e| {
        invalid_input(format!(
            "input is not valid UTF-8 (at byte {})",
            e.valid_up_to()
        ))
    })
}

/// Run `f` on the object behind `handle`, mapping a busy or unknown handle to an error.
fn with_slot<T, R>(
    slots: &'static LocalKey<RefCell<Slots<T>>>,
    handle: u32,
    what: &str,
    f: impl FnOnce(&mut T) -> R,
) -> Result<R, i32> {
    slots.with(|s| {
        let Ok(mut s) = s.try_borrow_mut() else {
            return Err(fail(&Error::Internal(
                "the module is in an inconsistent state after an earlier trap: create a new instance"
                    .into(),
            )));
        };
        match s.get_mut(handle) {
            Some(obj) => Ok(f(obj)),
            None => Err(fail(&Error::InvalidHandle(format!(
                "{what} handle {handle} is unknown or was freed"
            )))),
        }
    })
}

fn insert<T>(slots: &'static LocalKey<RefCell<Slots<T>>>, value: T) -> u32 {
    let handle = slots.with(|s| s.try_borrow_mut().ok().and_then(|mut s| s.insert(value)));
    match handle {
        Some(h) => h,
        None => {
            fail(&Error::Internal("cannot register another object".into()));
            0
        }
    }
}

// ---- memory -------------------------------------------------------------------------------------

/// Allocate `len` bytes for an input (alignment 1). Returns null when `len` is 0 or memory is
/// exhausted. Release with [`wendu_free`] and the same `len`.
#[no_mangle]
pub extern "C" fn wendu_alloc(len: usize) -> *mut u8 {
    let Ok(layout) = std::alloc::Layout::from_size_align(len, 1) else {
        return std::ptr::null_mut();
    };
    if len == 0 {
        return std::ptr::null_mut();
    }
    // SAFETY: `layout` has a non-zero size (checked above), as `alloc` requires.
    unsafe { std::alloc::alloc(layout) }
}

/// Release memory from [`wendu_alloc`]; `len` must be the length it was allocated with. Null
/// is ignored.
///
/// # Safety
/// `ptr` must come from `wendu_alloc(len)` and not have been freed.
#[no_mangle]
pub unsafe extern "C" fn wendu_free(ptr: *mut u8, len: usize) {
    if ptr.is_null() || len == 0 {
        return;
    }
    let Ok(layout) = std::alloc::Layout::from_size_align(len, 1) else {
        return;
    };
    // SAFETY: the caller guarantees `ptr` was returned by `wendu_alloc(len)`, which used this
    // same layout, and that it is freed once.
    unsafe { std::alloc::dealloc(ptr, layout) }
}

/// The output of the latest call (JSON, UTF-8), valid until the next call.
#[no_mangle]
pub extern "C" fn wendu_result_ptr() -> *const u8 {
    RESULT.with(|r| r.try_borrow().map_or(std::ptr::null(), |r| r.as_ptr()))
}

/// Length in bytes of [`wendu_result_ptr`]'s JSON.
#[no_mangle]
pub extern "C" fn wendu_result_len() -> usize {
    RESULT.with(|r| r.try_borrow().map_or(0, |r| r.len()))
}

/// The error JSON of the latest failed call (also after a trap: the panic message), valid until
/// the next failure; empty when nothing failed yet.
#[no_mangle]
pub extern "C" fn wendu_last_error_ptr() -> *const u8 {
    LAST_ERROR.with(|r| r.try_borrow().map_or(std::ptr::null(), |r| r.as_ptr()))
}

/// Length in bytes of [`wendu_last_error_ptr`]'s JSON.
#[no_mangle]
pub extern "C" fn wendu_last_error_len() -> usize {
    LAST_ERROR.with(|r| r.try_borrow().map_or(0, |r| r.len()))
}

/// [`ABI_VERSION`]: check it once after loading the module.
#[no_mangle]
pub extern "C" fn wendu_abi_version() -> u32 {
    ABI_VERSION
}

// ---- classification -----------------------------------------------------------------------------

/// Compile a pack (JSON, a built-in id, or empty for the built-in default pack — the built-in
/// packs load from their compiled form). Returns an engine handle, or 0 with the `invalid_pack`
/// error as the result.
///
/// # Safety
/// `pack` must point to `pack_len` readable bytes (or be null with length 0).
#[no_mangle]
pub unsafe extern "C" fn wendu_engine_new(pack: *const u8, pack_len: usize) -> u32 {
    hook_panics();
    let _armed = Armed::new("wendu_engine_new");
    // SAFETY: the caller guarantees `pack..pack+pack_len` is readable (this export's contract).
    let engine = unsafe { input(pack, pack_len) }
        .and_then(|p| Engine::load(resolve_pack(p), EngineOptions::default()));
    register_engine(engine)
}

/// Store a new engine and return its handle, or 0 with the error as the result.
fn register_engine(engine: Result<Engine, Error>) -> u32 {
    match engine {
        Ok(e) => {
            let h = insert(&ENGINES, e);
            if h != 0 {
                set_result(Vec::new());
            }
            h
        }
        Err(e) => {
            fail(&e);
            0
        }
    }
}

/// The host's input as bytes. `(null, 0)` is empty.
///
/// # Safety
/// `ptr..ptr+len` must be readable and not written during the call (the export's contract).
unsafe fn input_bytes<'a>(ptr: *const u8, len: usize) -> Result<&'a [u8], Error> {
    if len == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        return Err(invalid_input(format!("null pointer with length {len}")));
    }
    // SAFETY: as in `input`: host-written memory, only read, left alone during the call.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// Load a compiled pack (`.wdp` bytes, from `wendu compile` or [`wendu_engine_compiled`]).
/// Returns an engine handle, or 0 with the `invalid_pack` error (what is wrong with the bytes)
/// as the result. Much faster than [`wendu_engine_new`] on the pack's JSON; the engine decides
/// the same, but carries no pack tests.
///
/// # Safety
/// `bytes` must point to `len` readable bytes (or be null with length 0).
#[no_mangle]
pub unsafe extern "C" fn wendu_engine_from_compiled(bytes: *const u8, len: usize) -> u32 {
    hook_panics();
    // SAFETY: the caller guarantees `bytes..bytes+len` is readable (this export's contract).
    let engine = unsafe { input_bytes(bytes, len) }.and_then(Engine::from_compiled);
    register_engine(engine)
}

/// The engine's pack compiled. Result: the `.wdp` bytes (binary, not JSON) for
/// [`wendu_engine_from_compiled`]; the same bytes on every runtime.
#[no_mangle]
pub extern "C" fn wendu_engine_compiled(engine: u32) -> i32 {
    hook_panics();
    match with_slot(&ENGINES, engine, "engine", |e| e.to_compiled()) {
        Ok(bytes) => {
            set_result(bytes);
            OK
        }
        Err(status) => status,
    }
}

/// The engine's pack as `{"id","version","hash"}`.
#[no_mangle]
pub extern "C" fn wendu_engine_info(engine: u32) -> i32 {
    hook_panics();
    let _armed = Armed::new("wendu_engine_info");
    match with_slot(&ENGINES, engine, "engine", |e| {
        serde_json::to_string(e.info()).unwrap_or_default()
    }) {
        Ok(json) => ok(json),
        Err(status) => status,
    }
}

/// The shared body of the exports that run an engine over JSON input: read the input, look the
/// engine up, and store `f`'s JSON (serialised while the engine is borrowed: verdicts borrow from
/// it) or its error.
///
/// # Safety
/// `json` must point to `len` readable bytes (or be null with length 0).
unsafe fn with_engine_input(
    export: &'static str,
    engine: u32,
    json: *const u8,
    len: usize,
    f: impl FnOnce(&Engine, &str) -> Result<String, Error>,
) -> i32 {
    hook_panics();
    let _armed = Armed::new(export);
    // SAFETY: forwarded from the caller's contract.
    let text = match unsafe { input(json, len) } {
        Ok(t) => t,
        Err(e) => return fail(&e),
    };
    match with_slot(&ENGINES, engine, "engine", |e| f(e, text)) {
        Ok(Ok(out)) => ok(out),
        Ok(Err(e)) => fail(&e),
        Err(status) => status,
    }
}

/// Classify one complaint (JSON object). Result: the decision, or the `invalid_input` error.
///
/// # Safety
/// `json` must point to `len` readable bytes (or be null with length 0).
#[no_mangle]
pub unsafe extern "C" fn wendu_classify(engine: u32, json: *const u8, len: usize) -> i32 {
    // SAFETY: the caller guarantees `json..json+len` is readable (this export's contract).
    unsafe {
        with_engine_input("wendu_classify", engine, json, len, |e, text| {
            e.classify_json(text).map(|d| d.to_json())
        })
    }
}

/// Classify a JSON array of complaints in one call. Result: a JSON array holding, in order, each
/// decision or `{"error": <error JSON>}`; fails only when the input is not a JSON array.
///
/// # Safety
/// `json` must point to `len` readable bytes (or be null with length 0).
#[no_mangle]
pub unsafe extern "C" fn wendu_classify_batch(engine: u32, json: *const u8, len: usize) -> i32 {
    // SAFETY: the caller guarantees `json..json+len` is readable (this export's contract).
    unsafe {
        with_engine_input("wendu_classify_batch", engine, json, len, |e, text| {
            e.classify_batch_json(text)
        })
    }
}

/// Decide one complaint (JSON object) without explaining it. Result: the verdict (labels,
/// confidences, route, severity; docs/decision-format.md, "Verdicts"), or the `invalid_input`
/// error.
///
/// # Safety
/// `json` must point to `len` readable bytes (or be null with length 0).
#[no_mangle]
pub unsafe extern "C" fn wendu_verdict(engine: u32, json: *const u8, len: usize) -> i32 {
    // SAFETY: the caller guarantees `json..json+len` is readable (this export's contract).
    unsafe {
        with_engine_input("wendu_verdict", engine, json, len, |e, text| {
            e.verdict_json(text).map(|v| v.to_json())
        })
    }
}

/// [`wendu_classify_batch`] with verdicts. Result: a JSON array holding, in order, each verdict
/// or `{"error": <error JSON>}`; fails only when the input is not a JSON array.
///
/// # Safety
/// `json` must point to `len` readable bytes (or be null with length 0).
#[no_mangle]
pub unsafe extern "C" fn wendu_verdict_batch(engine: u32, json: *const u8, len: usize) -> i32 {
    // SAFETY: the caller guarantees `json..json+len` is readable (this export's contract).
    unsafe {
        with_engine_input("wendu_verdict_batch", engine, json, len, |e, text| {
            e.verdict_batch_json(text)
        })
    }
}

/// Release an engine. Unknown handles are ignored; a freed handle is never valid again.
#[no_mangle]
pub extern "C" fn wendu_engine_free(engine: u32) {
    ENGINES.with(|s| {
        if let Ok(mut s) = s.try_borrow_mut() {
            s.remove(engine);
        }
    });
}

/// Check a pack (its `triggers` section included; a built-in id or empty = that built-in pack). Result: a JSON array
/// of every problem `{path, message, severity}`, empty when the pack is clean. Always returns 0.
///
/// # Safety
/// `pack` must point to `pack_len` readable bytes (or be null with length 0).
#[no_mangle]
pub unsafe extern "C" fn wendu_check(pack: *const u8, pack_len: usize) -> i32 {
    hook_panics();
    let _armed = Armed::new("wendu_check");
    // SAFETY: the caller guarantees `pack..pack+pack_len` is readable (this export's contract).
    let problems = match unsafe { input(pack, pack_len) } {
        Ok(p) => Engine::check_source(resolve_pack(p)),
        Err(e) => e.problems().to_vec(),
    };
    ok(serde_json::to_string(&problems).unwrap_or_else(|_| "[]".to_string()))
}

// ---- triggers -----------------------------------------------------------------------------------

/// Build a trigger engine from a pack with a `triggers` section (JSON, a built-in id, or empty
/// for the default pack). Returns a handle, or 0 with the `invalid_pack` error as the result.
///
/// # Safety
/// `pack` must point to `pack_len` readable bytes (or be null with length 0).
#[no_mangle]
pub unsafe extern "C" fn wendu_trigger_new(pack: *const u8, pack_len: usize) -> u32 {
    hook_panics();
    let _armed = Armed::new("wendu_trigger_new");
    // SAFETY: the caller guarantees `pack..pack+pack_len` is readable (this export's contract).
    let trigger = unsafe { input(pack, pack_len) }
        .and_then(|p| Engine::load(resolve_pack(p), EngineOptions::default()))
        .and_then(TriggerEngine::new);
    register_trigger(trigger)
}

/// [`wendu_trigger_new`] from a compiled pack (`.wdp` bytes).
///
/// # Safety
/// `bytes` must point to `len` readable bytes (or be null with length 0).
#[no_mangle]
pub unsafe extern "C" fn wendu_trigger_from_compiled(bytes: *const u8, len: usize) -> u32 {
    hook_panics();
    // SAFETY: the caller guarantees `bytes..bytes+len` is readable (this export's contract).
    let trigger = unsafe { input_bytes(bytes, len) }
        .and_then(Engine::from_compiled)
        .and_then(TriggerEngine::new);
    register_trigger(trigger)
}

/// Store a new trigger engine and return its handle, or 0 with the error as the result.
fn register_trigger(trigger: Result<TriggerEngine, Error>) -> u32 {
    match trigger {
        Ok(t) => {
            let h = insert(&TRIGGERS, t);
            if h != 0 {
                set_result(Vec::new());
            }
            h
        }
        Err(e) => {
            fail(&e);
            0
        }
    }
}

/// Ingest one event (a JSON object) or a batch (a JSON array of them). Result: the outcome
/// `{"accepted","alerts","notices"}`; bad, late or duplicate events are notices, not failures.
///
/// # Safety
/// `json` must point to `len` readable bytes (or be null with length 0).
#[no_mangle]
pub unsafe extern "C" fn wendu_trigger_ingest(trigger: u32, json: *const u8, len: usize) -> i32 {
    hook_panics();
    let _armed = Armed::new("wendu_trigger_ingest");
    // SAFETY: the caller guarantees `json..json+len` is readable (this export's contract).
    let text = match unsafe { input(json, len) } {
        Ok(t) => t,
        Err(e) => return fail(&e),
    };
    match with_slot(&TRIGGERS, trigger, "trigger", |t| t.ingest_json(text)) {
        Ok(outcome) => ok(outcome.to_json()),
        Err(status) => status,
    }
}

/// Save the trigger engine's state. Result: the snapshot (JSON, for [`wendu_trigger_restore`]).
#[no_mangle]
pub extern "C" fn wendu_trigger_snapshot(trigger: u32) -> i32 {
    hook_panics();
    let _armed = Armed::new("wendu_trigger_snapshot");
    match with_slot(&TRIGGERS, trigger, "trigger", |t| t.snapshot()) {
        Ok(s) => ok(s),
        Err(status) => status,
    }
}

/// Replace the trigger engine's state with a snapshot taken with the same pack. Fails with
/// `invalid_input` (and leaves the state unchanged) for a malformed or foreign snapshot.
///
/// # Safety
/// `snapshot` must point to `len` readable bytes (or be null with length 0).
#[no_mangle]
pub unsafe extern "C" fn wendu_trigger_restore(
    trigger: u32,
    snapshot: *const u8,
    len: usize,
) -> i32 {
    hook_panics();
    let _armed = Armed::new("wendu_trigger_restore");
    // SAFETY: the caller guarantees `snapshot..snapshot+len` is readable (this export's contract).
    let text = match unsafe { input(snapshot, len) } {
        Ok(t) => t,
        Err(e) => return fail(&e),
    };
    match with_slot(&TRIGGERS, trigger, "trigger", |t| t.restore(text)) {
        Ok(Ok(())) => ok(String::new()),
        Ok(Err(e)) => fail(&e),
        Err(status) => status,
    }
}

/// Release a trigger engine. Unknown handles are ignored.
#[no_mangle]
pub extern "C" fn wendu_trigger_free(trigger: u32) {
    TRIGGERS.with(|s| {
        if let Ok(mut s) = s.try_borrow_mut() {
            s.remove(trigger);
        }
    });
}
