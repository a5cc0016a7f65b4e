//! The C ABI (target/wendu-ffi.wasm, built by scripts/build-wasm.sh) in the wasmi interpreter,
//! driven by random call sequences the way a mobile host could drive it: engines and trigger
//! engines built from the vectors' packs, junk or built-in ids; classify, batches, verdicts,
//! ingest, snapshot and restore with good, bad and non-UTF-8 input; unknown, freed and zero
//! handles; null pointers; allocations; and a memory cap the input chooses. Every call returns
//! 0 or 1 (a handle or 0) with JSON in the result buffer — the output, or an error whose code is
//! one of the five, which the last-error buffer repeats — never `internal`, never a trap unless
//! memory ran out, and then the last error is `internal` and names the call. Repeating a call
//! does not grow the instance's memory (no leak), and the sequence stays within its time budget.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use std::sync::OnceLock;
use std::time::Duration;
use wasmi::{Engine, Linker, Memory, Module, Store, TypedFunc};
use wasmi_core::{LimiterError, ResourceLimiter};
use wendu_fuzz::{within, Cpu};

fn module() -> &'static (Engine, Module) {
    static M: OnceLock<(Engine, Module)> = OnceLock::new();
    M.get_or_init(|| {
        let path = std::env::var_os("WENDU_FFI_WASM")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| concat!(env!("CARGO_MANIFEST_DIR"), "/../target/wendu-ffi.wasm").into());
        let bytes = std::fs::read(&path)
            .unwrap_or_else(|e| panic!("{}: {e} (run scripts/build-wasm.sh)", path.display()));
        let engine = Engine::default();
        let module = Module::new(&engine, &bytes).expect("valid module");
        (engine, module)
    })
}

/// Caps memory growth and remembers when it refused one.
struct Cap {
    bytes: usize,
    refused: bool,
}

impl ResourceLimiter for Cap {
    fn memory_growing(&mut self, _: usize, desired: usize, _: Option<usize>) -> Result<bool, LimiterError> {
        let ok = desired <= self.bytes;
        self.refused |= !ok;
        Ok(ok)
    }
    fn table_growing(&mut self, _: usize, _: usize, _: Option<usize>) -> Result<bool, LimiterError> {
        Ok(true)
    }
    fn instances(&self) -> usize {
        1
    }
    fn tables(&self) -> usize {
        4
    }
    fn memories(&self) -> usize {
        1
    }
}

/// Packs the template instance has engines for (handles 1–6) and trigger engines for (1–6).
const TEMPLATE_PACKS: &[&str] = &[
    include_str!("../../tests/vectors/packs/conditions.json"),
    include_str!("../../tests/vectors/packs/en.json"),
    include_str!("../../tests/vectors/packs/limits.json"),
    include_str!("../../tests/vectors/packs/raw-text.json"),
    include_str!("../../tests/vectors/packs/strict.json"),
    include_str!("../../tests/vectors/packs/triggers.json"),
];

/// Packs a sequence may build itself: the cheap ones (the interpreter compiles a large pack in
/// seconds) and broken ones.
const PACKS: &[&str] = &[
    include_str!("../../tests/vectors/packs/raw-text.json"),
    include_str!("../../tests/vectors/packs/strict.json"),
    include_str!("../../tests/vectors/packs/triggers.json"),
    "{\"pack\": {}}",
    "not json",
    "cn-nonexistent",
    "{\"pack\": {\"id\": \"x\", \"version\": \"1\"}, \"dimensions\": [{\"id\": \"d\", \"labels\": [{\"code\": \"a\", \"name\": \"a\", \"rules\": [{\"when\": {\"regex\": \"\\\\w{1000}\"}}]}]}]}",
];

/// The memory of an instance that has built an engine and a trigger engine for each of
/// [`TEMPLATE_PACKS`], copied once: every input starts from it (building them in the
/// interpreter for every input would leave time for little else). The module keeps all its
/// state in linear memory, and between calls its only mutable global (the stack pointer) is
/// back at its initial value, so a fresh instance with this memory is that instance.
fn template() -> &'static Vec<u8> {
    static T: OnceLock<Vec<u8>> = OnceLock::new();
    T.get_or_init(|| {
        let (engine, module) = module();
        let mut store = Store::new(engine, Cap { bytes: 1 << 30, refused: false });
        let instance = Linker::<Cap>::new(engine)
            .instantiate_and_start(&mut store, module)
            .expect("instantiate");
        let memory = instance.get_memory(&store, "memory").expect("memory");
        let mut h = Host { store, memory, instance, engines: Vec::new(), triggers: Vec::new(), snapshots: Vec::new() };
        for (i, pack) in TEMPLATE_PACKS.iter().enumerate() {
            let buf = h.put(pack.as_bytes()).expect("alloc");
            let e = h.call2("wendu_engine_new", buf);
            assert_eq!(h.judge("wendu_engine_new", e, true), Some(i as i32 + 1));
            let t = h.call2("wendu_trigger_new", buf);
            assert_eq!(h.judge("wendu_trigger_new", t, true), Some(i as i32 + 1));
            h.release(buf);
        }
        let mut image = vec![0u8; h.memory.data_size(&h.store)];
        h.memory.read(&h.store, 0, &mut image).expect("read memory");
        image
    })
}

const INPUTS: &[&str] = &[
    r#"{"id": "a", "text": "信用卡年费被乱收，我要打12378投诉，手机13812345678"}"#,
    r#"{"text": "Unauthorized charge on my card, I will sue", "title": "fee"}"#,
    r#"{"text": "没有报警", "received_at": "2026-05-01T00:00:00+08:00", "amount": 30000}"#,
    r#"[{"text": "年费"}, {"text": 1}, 3]"#,
    r#"{"id": "e1", "score": 1, "scale": "csat5", "at": "2026-05-01T00:00:00Z", "comment": "fraud", "branch": "b1"}"#,
    r#"[{"id": "e2", "score": 2, "scale": "csat5", "at": "2026-05-01T00:05:00Z"}, {"id": "e3", "score": 9, "scale": "nps", "at": "2026-05-01T00:06:00Z"}]"#,
    r#"{"type": "complaint", "id": "c1", "text": "scam fraud", "received_at": "2026-05-01T00:07:00Z"}"#,
    r#"{"text": "cut \ud83d here"}"#,
    "{",
    "",
];

#[derive(Arbitrary, Debug)]
enum Data {
    Known(u8),
    Bytes(Vec<u8>),
    Repeat(u8, u16),
}

#[derive(Arbitrary, Debug)]
enum Op {
    EngineNew(Data),
    EngineInfo(u8),
    Classify(u8, Data),
    ClassifyBatch(u8, Data),
    Verdict(u8, Data),
    VerdictBatch(u8, Data),
    Check(Data),
    EngineFree(u8),
    TriggerNew(Data),
    Ingest(u8, Data),
    Snapshot(u8),
    Restore(u8, Option<u8>, Data),
    TriggerFree(u8),
    Alloc(u16),
    NullPointer(u8, u16),
    Repeat(u8, Data),
}

struct Host {
    store: Store<Cap>,
    memory: Memory,
    instance: wasmi::Instance,
    engines: Vec<i32>,
    triggers: Vec<i32>,
    snapshots: Vec<Vec<u8>>,
}

const CODES: &[&str] = &["invalid_pack", "invalid_input", "invalid_handle", "freed", "internal"];

/// What a call did: returned a value, or trapped.
enum Called {
    Returned(i32),
    Trapped,
}

impl Host {
    fn func<P: wasmi::WasmParams, R: wasmi::WasmResults>(&self, name: &str) -> TypedFunc<P, R> {
        self.instance
            .get_typed_func::<P, R>(&self.store, name)
            .unwrap_or_else(|e| panic!("export {name}: {e}"))
    }

    fn get(&mut self, ptr: &str, len: &str) -> Vec<u8> {
        let p = self.func::<(), i32>(ptr).call(&mut self.store, ()).expect("ptr");
        let l = self.func::<(), i32>(len).call(&mut self.store, ()).expect("len");
        let mut buf = vec![0u8; l.max(0) as usize];
        if l > 0 {
            self.memory
                .read(&self.store, p as u32 as usize, &mut buf)
                .expect("the result lies in memory");
        }
        buf
    }

    /// Copy `bytes` in: (ptr, len); None when the module could not allocate them.
    fn put(&mut self, bytes: &[u8]) -> Option<(i32, i32)> {
        if bytes.is_empty() {
            return Some((0, 0));
        }
        let ptr = self
            .func::<i32, i32>("wendu_alloc")
            .call(&mut self.store, bytes.len() as i32)
            .ok()?;
        if ptr == 0 {
            return None;
        }
        self.memory.write(&mut self.store, ptr as u32 as usize, bytes).expect("write");
        Some((ptr, bytes.len() as i32))
    }

    fn release(&mut self, (ptr, len): (i32, i32)) {
        if ptr != 0 {
            let _ = self.func::<(i32, i32), ()>("wendu_free").call(&mut self.store, (ptr, len));
        }
    }

    fn call1(&mut self, name: &str, a: i32) -> Called {
        match self.func::<i32, i32>(name).call(&mut self.store, a) {
            Ok(r) => Called::Returned(r),
            Err(_) => Called::Trapped,
        }
    }

    fn call2(&mut self, name: &str, (p, l): (i32, i32)) -> Called {
        match self.func::<(i32, i32), i32>(name).call(&mut self.store, (p, l)) {
            Ok(r) => Called::Returned(r),
            Err(_) => Called::Trapped,
        }
    }

    fn call3(&mut self, name: &str, h: i32, (p, l): (i32, i32)) -> Called {
        match self.func::<(i32, i32, i32), i32>(name).call(&mut self.store, (h, p, l)) {
            Ok(r) => Called::Returned(r),
            Err(_) => Called::Trapped,
        }
    }

    /// The protocol after a call: a status of 0/1 (or a handle) and JSON in the result buffer,
    /// an error with a known code (never `internal`) repeated in the last-error buffer. Returns
    /// false when the call trapped because memory ran out (the instance is then discarded);
    /// panics on any other trap.
    fn judge(&mut self, name: &str, called: Called, constructor: bool) -> Option<i32> {
        let r = match called {
            Called::Returned(r) => r,
            Called::Trapped => {
                let last = self.get("wendu_last_error_ptr", "wendu_last_error_len");
                let last = String::from_utf8_lossy(&last).into_owned();
                assert!(self.store.data().refused, "{name} trapped with memory to spare: {last}");
                let v: Value = serde_json::from_str(&last).expect("the last error is JSON");
                assert_eq!(v["code"], "internal", "{last}");
                assert!(
                    v["message"].as_str().is_some_and(|m| m.contains(name) && m.contains("did not return")),
                    "after running out of memory in {name} the last error is: {last}"
                );
                return None;
            }
        };
        let result = self.get("wendu_result_ptr", "wendu_result_len");
        let text = std::str::from_utf8(&result).expect("results are UTF-8");
        let failed = if constructor { r == 0 } else { r == 1 };
        if !constructor {
            assert!(r == 0 || r == 1, "{name} returned {r}");
        }
        if failed {
            let v: Value = serde_json::from_str(text).expect("an error is JSON");
            let code = v["code"].as_str().unwrap_or("");
            assert!(CODES.contains(&code), "{name}: unknown code in {text}");
            assert_ne!(code, "internal", "{name} failed with an internal error: {text}");
            let last = self.get("wendu_last_error_ptr", "wendu_last_error_len");
            assert_eq!(last, result, "the last error is not the call's error");
        } else if !text.is_empty() {
            let _: Value = serde_json::from_str(text).expect("an output is JSON");
        }
        Some(r)
    }
}

/// A pack argument a sequence may build: never empty (that is the built-in pack) nor a
/// built-in id — the interpreter compiles those in seconds; the template has engines instead.
fn pack_data(d: &Data) -> Vec<u8> {
    let mut b = data(d, PACKS);
    let text = String::from_utf8_lossy(&b);
    if text.trim().is_empty() || wendu_id(&text) {
        b = b"{}".to_vec();
    }
    b
}

fn wendu_id(s: &str) -> bool {
    matches!(s.trim(), "cn-banking" | "cn-marketing-review")
}

fn data(d: &Data, known: &[&str]) -> Vec<u8> {
    match d {
        Data::Known(i) => known[usize::from(*i) % known.len()].as_bytes().to_vec(),
        Data::Bytes(b) => b.iter().take(4096).copied().collect(),
        Data::Repeat(i, n) => known[usize::from(*i) % known.len()]
            .as_bytes()
            .iter()
            .copied()
            .cycle()
            .take(usize::from(*n) * 16)
            .collect(),
    }
}

/// A handle: one the module gave out (live or freed), or 0, or a never-given number.
fn handle(list: &[i32], h: u8) -> i32 {
    match h {
        250 => 0,
        251 => 7777,
        252 => -1,
        _ if list.is_empty() => i32::from(h % 4),
        _ => list[usize::from(h) % list.len()],
    }
}

fuzz_target!(|input: (u8, Vec<Op>)| {
    let (cap, ops) = input;
    let started = Cpu::now();
    let (engine, module) = module();
    // 24 MiB to 280 MiB: small caps make the module run out of memory on purpose.
    let bytes = (24usize + usize::from(cap)) << 20;
    let mut store = Store::new(engine, Cap { bytes, refused: false });
    store.limiter(|c| c as &mut dyn ResourceLimiter);
    let Ok(instance) = Linker::<Cap>::new(engine).instantiate_and_start(&mut store, module) else {
        return;
    };
    let memory = instance.get_memory(&store, "memory").expect("memory");
    let image = template();
    let pages = (image.len() >> 16) as u64;
    let have = memory.size(&store);
    if pages > have && memory.grow(&mut store, pages - have).is_err() {
        return;
    }
    memory.write(&mut store, 0, image).expect("template fits");
    let mut h = Host {
        store,
        memory,
        instance,
        engines: (1..=TEMPLATE_PACKS.len() as i32).collect(),
        triggers: (1..=TEMPLATE_PACKS.len() as i32).collect(),
        snapshots: Vec::new(),
    };
    for op in ops.iter().take(16) {
        let alive = match op {
            Op::EngineNew(d) => {
                let Some(buf) = h.put(&pack_data(d)) else { break };
                let r = h.call2("wendu_engine_new", buf);
                let r = h.judge("wendu_engine_new", r, true);
                h.release(buf);
                if let Some(handle) = r.filter(|&x| x != 0) {
                    h.engines.push(handle);
                }
                r.is_some()
            }
            Op::EngineInfo(e) => {
                let r = h.call1("wendu_engine_info", handle(&h.engines, *e));
                h.judge("wendu_engine_info", r, false).is_some()
            }
            Op::Classify(e, d) | Op::ClassifyBatch(e, d) | Op::Verdict(e, d) | Op::VerdictBatch(e, d) => {
                let name = match op {
                    Op::Classify(..) => "wendu_classify",
                    Op::ClassifyBatch(..) => "wendu_classify_batch",
                    Op::Verdict(..) => "wendu_verdict",
                    _ => "wendu_verdict_batch",
                };
                let Some(buf) = h.put(&data(d, INPUTS)) else { break };
                let r = h.call3(name, handle(&h.engines, *e), buf);
                let ok = h.judge(name, r, false).is_some();
                h.release(buf);
                ok
            }
            Op::Check(d) => {
                let Some(buf) = h.put(&pack_data(d)) else { break };
                let r = h.call2("wendu_check", buf);
                let r = h.judge("wendu_check", r, false);
                assert!(r.is_none() || r == Some(0), "wendu_check always succeeds");
                h.release(buf);
                r.is_some()
            }
            Op::EngineFree(e) => {
                let f = h.func::<i32, ()>("wendu_engine_free");
                let trapped = f.call(&mut h.store, handle(&h.engines, *e)).is_err();
                assert!(!trapped, "wendu_engine_free trapped");
                true
            }
            Op::TriggerNew(d) => {
                let Some(buf) = h.put(&pack_data(d)) else { break };
                let r = h.call2("wendu_trigger_new", buf);
                let r = h.judge("wendu_trigger_new", r, true);
                h.release(buf);
                if let Some(t) = r.filter(|&x| x != 0) {
                    h.triggers.push(t);
                }
                r.is_some()
            }
            Op::Ingest(t, d) => {
                let Some(buf) = h.put(&data(d, INPUTS)) else { break };
                let r = h.call3("wendu_trigger_ingest", handle(&h.triggers, *t), buf);
                let ok = h.judge("wendu_trigger_ingest", r, false).is_some();
                h.release(buf);
                ok
            }
            Op::Snapshot(t) => {
                let r = h.call1("wendu_trigger_snapshot", handle(&h.triggers, *t));
                match h.judge("wendu_trigger_snapshot", r, false) {
                    Some(0) => {
                        let s = h.get("wendu_result_ptr", "wendu_result_len");
                        h.snapshots.push(s);
                        true
                    }
                    other => other.is_some(),
                }
            }
            Op::Restore(t, which, d) => {
                let bytes = match which {
                    Some(i) if !h.snapshots.is_empty() => h.snapshots[usize::from(*i) % h.snapshots.len()].clone(),
                    _ => data(d, INPUTS),
                };
                let Some(buf) = h.put(&bytes) else { break };
                let r = h.call3("wendu_trigger_restore", handle(&h.triggers, *t), buf);
                let ok = h.judge("wendu_trigger_restore", r, false).is_some();
                h.release(buf);
                ok
            }
            Op::TriggerFree(t) => {
                let f = h.func::<i32, ()>("wendu_trigger_free");
                let trapped = f.call(&mut h.store, handle(&h.triggers, *t)).is_err();
                assert!(!trapped, "wendu_trigger_free trapped");
                true
            }
            Op::Alloc(n) => {
                let f = h.func::<i32, i32>("wendu_alloc");
                let p = f.call(&mut h.store, i32::from(*n) << 8).expect("wendu_alloc never traps");
                h.release((p, i32::from(*n) << 8));
                true
            }
            Op::NullPointer(e, n) => {
                let r = h.call3("wendu_classify", handle(&h.engines, *e), (0, i32::from(*n).max(1)));
                let r = h.judge("wendu_classify", r, false);
                assert!(r.is_none() || r == Some(1), "a null pointer with a length is an error");
                r.is_some()
            }
            Op::Repeat(e, d) => {
                // No leak: the same call again and again does not grow memory past the first.
                let Some(buf) = h.put(&data(d, INPUTS)) else { break };
                let target = handle(&h.engines, *e);
                for _ in 0..2 {
                    let r = h.call3("wendu_classify", target, buf);
                    if h.judge("wendu_classify", r, false).is_none() {
                        return;
                    }
                }
                let before = h.memory.size(&h.store);
                for _ in 0..20 {
                    let r = h.call3("wendu_classify", target, buf);
                    if h.judge("wendu_classify", r, false).is_none() {
                        return;
                    }
                }
                assert!(h.store.data().refused || h.memory.size(&h.store) <= before, "memory grows with repeated calls");
                h.release(buf);
                true
            }
        };
        if !alive {
            break;
        }
    }
    within("call sequence", started, Duration::from_secs(20));
});
