//! The embedded ABI in the `wasmi` interpreter — the kind of runtime a mobile app embeds where JIT
//! is not allowed: the module from scripts/build-wasm.sh (target/wendu-ffi.wasm) must have zero
//! imports and give byte-identical JSON for every golden vector (tests/vectors/README.md), both
//! with the packs as given and the other way round: every JSON pack compiled inside the module
//! (`wendu_engine_compiled`) and loaded from those bytes (`wendu_engine_from_compiled`), the
//! default pack from its JSON — whose compiled bytes must be packs/cn-banking.wdp exactly.
//! Without the module the tests skip with a notice, unless WENDU_REQUIRE_WASM=1 (scripts/test-js.sh).

use serde_json::Value;
use std::path::PathBuf;
use wasmi::{Engine, Linker, Memory, Module, Store, TypedFunc};
use wendu_embedded_tests::{assert_all_agree, repo};

fn module_bytes() -> Option<Vec<u8>> {
    let required = std::env::var("WENDU_REQUIRE_WASM").is_ok_and(|v| v == "1");
    if cfg!(debug_assertions) && !required {
        // An interpreter built without optimisation takes minutes over the whole suite.
        eprintln!("skipped in a debug build: cargo test --release -p wendu-embedded-tests");
        return None;
    }
    let path = std::env::var_os("WENDU_FFI_WASM")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("target/wendu-ffi.wasm"));
    match std::fs::read(&path) {
        Ok(b) => Some(b),
        Err(e) if required => {
            panic!("{}: {e} (run scripts/build-wasm.sh)", path.display())
        }
        Err(_) => {
            eprintln!(
                "skipped: {} is missing (run scripts/build-wasm.sh)",
                path.display()
            );
            None
        }
    }
}

type In3 = TypedFunc<(i32, i32, i32), i32>;

/// A vector file's name and content.
type Named = (String, Value);

/// One instance of the module and its exports, used the way docs/embedding.md describes.
struct Wendu {
    store: Store<()>,
    memory: Memory,
    alloc: TypedFunc<i32, i32>,
    free: TypedFunc<(i32, i32), ()>,
    result_ptr: TypedFunc<(), i32>,
    result_len: TypedFunc<(), i32>,
    engine_new: TypedFunc<(i32, i32), i32>,
    engine_from_compiled: TypedFunc<(i32, i32), i32>,
    engine_compiled: TypedFunc<i32, i32>,
    engine_free: TypedFunc<i32, ()>,
    classify: In3,
    classify_batch: In3,
    verdict: In3,
    verdict_batch: In3,
    check: TypedFunc<(i32, i32), i32>,
    trigger_new: TypedFunc<(i32, i32), i32>,
    trigger_from_compiled: TypedFunc<(i32, i32), i32>,
    trigger_ingest: In3,
    trigger_snapshot: TypedFunc<i32, i32>,
    trigger_restore: In3,
    trigger_free: TypedFunc<i32, ()>,
}

impl Wendu {
    fn new(bytes: &[u8]) -> Wendu {
        let engine = Engine::default();
        let module = Module::new(&engine, bytes).expect("valid module");
        let imports: Vec<String> = module
            .imports()
            .map(|i| format!("{}.{}", i.module(), i.name()))
            .collect();
        assert!(imports.is_empty(), "the module has imports: {imports:?}");
        let mut store = Store::new(&engine, ());
        let instance = Linker::<()>::new(&engine)
            .instantiate_and_start(&mut store, &module)
            .expect("instantiates with no imports");
        macro_rules! f {
            ($name:literal) => {
                instance
                    .get_typed_func(&store, $name)
                    .unwrap_or_else(|e| panic!("export {}: {e}", $name))
            };
        }
        let memory = instance.get_memory(&store, "memory").expect("memory");
        let abi: TypedFunc<(), i32> = f!("wendu_abi_version");
        assert_eq!(abi.call(&mut store, ()).expect("abi"), 1);
        Wendu {
            memory,
            alloc: f!("wendu_alloc"),
            free: f!("wendu_free"),
            result_ptr: f!("wendu_result_ptr"),
            result_len: f!("wendu_result_len"),
            engine_new: f!("wendu_engine_new"),
            engine_from_compiled: f!("wendu_engine_from_compiled"),
            engine_compiled: f!("wendu_engine_compiled"),
            engine_free: f!("wendu_engine_free"),
            classify: f!("wendu_classify"),
            classify_batch: f!("wendu_classify_batch"),
            verdict: f!("wendu_verdict"),
            verdict_batch: f!("wendu_verdict_batch"),
            check: f!("wendu_check"),
            trigger_new: f!("wendu_trigger_new"),
            trigger_from_compiled: f!("wendu_trigger_from_compiled"),
            trigger_ingest: f!("wendu_trigger_ingest"),
            trigger_snapshot: f!("wendu_trigger_snapshot"),
            trigger_restore: f!("wendu_trigger_restore"),
            trigger_free: f!("wendu_trigger_free"),
            store,
        }
    }

    /// Copy `bytes` into module memory: (ptr, len), to be released with `release`.
    fn put(&mut self, bytes: &[u8]) -> (i32, i32) {
        let len = i32::try_from(bytes.len()).expect("fits");
        if len == 0 {
            return (0, 0);
        }
        let ptr = self.alloc.call(&mut self.store, len).expect("alloc");
        assert_ne!(ptr, 0, "alloc failed");
        self.memory
            .write(&mut self.store, ptr as usize, bytes)
            .expect("write");
        (ptr, len)
    }

    fn release(&mut self, (ptr, len): (i32, i32)) {
        self.free.call(&mut self.store, (ptr, len)).expect("free");
    }

    fn result(&mut self) -> String {
        String::from_utf8(self.result_bytes()).expect("UTF-8 result")
    }

    fn result_bytes(&mut self) -> Vec<u8> {
        let ptr = self.result_ptr.call(&mut self.store, ()).expect("ptr") as usize;
        let len = self.result_len.call(&mut self.store, ()).expect("len") as usize;
        self.memory.data(&self.store)[ptr..ptr + len].to_vec()
    }

    /// The pack compiled inside the module: `.wdp` bytes, or Err(error JSON) when it does not
    /// compile.
    fn compile(&mut self, pack: &str) -> Result<Vec<u8>, String> {
        let h = self.new_handle(self.engine_new, Some(pack))?;
        let status = self
            .engine_compiled
            .call(&mut self.store, h)
            .expect("no trap");
        assert_eq!(status, 0);
        let bytes = self.result_bytes();
        self.engine_free.call(&mut self.store, h).expect("free");
        Ok(bytes)
    }

    /// A constructor given bytes: handle, or Err(error JSON).
    fn new_from_bytes(
        &mut self,
        f: TypedFunc<(i32, i32), i32>,
        bytes: &[u8],
    ) -> Result<i32, String> {
        let buf = self.put(bytes);
        let h = f.call(&mut self.store, buf).expect("no trap");
        self.release(buf);
        if h == 0 {
            Err(self.result())
        } else {
            Ok(h)
        }
    }

    /// An engine (or trigger engine: `trigger`) for a vector's pack, made as `way` says.
    fn make(&mut self, trigger: bool, pack: Option<&str>, way: Way) -> Result<i32, String> {
        let (new, from_compiled) = if trigger {
            (self.trigger_new, self.trigger_from_compiled)
        } else {
            (self.engine_new, self.engine_from_compiled)
        };
        match (way, pack) {
            (Way::AsGiven, _) => self.new_handle(new, pack),
            (Way::Compiled, None) => {
                let json = default_pack_json();
                self.new_handle(new, Some(&json))
            }
            (Way::Compiled, Some(p)) => {
                let bytes = self.compile(p)?;
                self.new_from_bytes(from_compiled, &bytes)
            }
        }
    }

    /// Call `f(handle, input)`; Ok(result) on status 0, Err(error JSON) on status 1.
    fn call(&mut self, f: In3, handle: i32, input: &str) -> Result<String, String> {
        self.call_bytes(f, handle, input.as_bytes())
    }

    /// [`Wendu::call`] with any bytes (not necessarily UTF-8).
    fn call_bytes(&mut self, f: In3, handle: i32, input: &[u8]) -> Result<String, String> {
        let buf = self.put(input);
        let status = f
            .call(&mut self.store, (handle, buf.0, buf.1))
            .expect("no trap");
        self.release(buf);
        let out = self.result();
        match status {
            0 => Ok(out),
            1 => Err(out),
            s => panic!("unexpected status {s}"),
        }
    }

    /// A constructor: handle, or Err(error JSON).
    fn new_handle(
        &mut self,
        f: TypedFunc<(i32, i32), i32>,
        pack: Option<&str>,
    ) -> Result<i32, String> {
        let buf = self.put(pack.unwrap_or("").as_bytes());
        let h = f.call(&mut self.store, buf).expect("no trap");
        self.release(buf);
        if h == 0 {
            Err(self.result())
        } else {
            Ok(h)
        }
    }

    fn check(&mut self, pack: Option<&str>) -> String {
        let buf = self.put(pack.unwrap_or("").as_bytes());
        let status = self.check.call(&mut self.store, buf).expect("no trap");
        self.release(buf);
        assert_eq!(status, 0);
        self.result()
    }

    fn snapshot(&mut self, h: i32) -> String {
        let status = self
            .trigger_snapshot
            .call(&mut self.store, h)
            .expect("no trap");
        assert_eq!(status, 0);
        self.result()
    }

    fn memory_pages(&self) -> u64 {
        self.memory.size(&self.store)
    }
}

/// How a vector's pack becomes an engine: as given (the default pack: `wendu_engine_new` with
/// no pack, which loads it compiled), or the other way round (JSON packs compiled in the module
/// and loaded from the bytes; the default pack from its JSON).
#[derive(Clone, Copy, PartialEq, Debug)]
enum Way {
    AsGiven,
    Compiled,
}

fn default_pack_json() -> String {
    std::fs::read_to_string(repo().join("packs/cn-banking.json")).expect("default pack")
}

fn vectors_root() -> PathBuf {
    repo().join("tests/vectors")
}

fn load(kind: &str) -> Vec<Named> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(vectors_root().join(kind))
        .expect("vectors")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("read");
            let name = format!(
                "{kind}/{}",
                p.file_name().unwrap_or_default().to_string_lossy()
            );
            (name, serde_json::from_str(&text).expect("JSON"))
        })
        .collect()
}

fn pack_of(v: &Value) -> Option<String> {
    if let Some(t) = v["pack_text"].as_str() {
        return Some(t.to_string());
    }
    match &v["pack"] {
        Value::String(s) if s == "default" => None,
        Value::String(s) => Some(std::fs::read_to_string(vectors_root().join(s)).expect("pack")),
        other => Some(other.to_string()),
    }
}

fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Run every vector through one instance; returns (checks, failures).
fn run_all(w: &mut Wendu, way: Way) -> (usize, Vec<String>) {
    let mut failures = Vec::new();
    let mut checked = 0;
    let mut expect = |file: &str, what: &str, want: &str, got: &str| {
        checked += 1;
        if want != got {
            failures.push(format!(
                "{file} [{what}]\n  expected {want}\n  actual   {got}"
            ));
        }
    };
    // classify and verdict, and one batch of each per pack over the structured inputs.
    // One engine per distinct pack, as an app keeps it; freed at the end.
    let mut engines: Vec<(Option<String>, Result<i32, String>)> = Vec::new();
    let mut groups: Vec<(Option<String>, Vec<Named>)> = Vec::new();
    for (file, v) in load("classify") {
        let pack = pack_of(&v);
        let want = v["expected"].as_str().unwrap_or_default().to_string();
        let want_verdict = v["expected_verdict"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let made = match engines.iter().find(|(p, _)| *p == pack) {
            Some((_, made)) => made.clone(),
            None => {
                let made = w.make(false, pack.as_deref(), way);
                engines.push((pack.clone(), made.clone()));
                made
            }
        };
        let h = match made {
            Ok(h) => h,
            Err(e) => {
                expect(&file, "engine_new", &want, &e);
                expect(&file, "engine_new (verdict)", &want_verdict, &e);
                continue;
            }
        };
        let input = text_of(&v["input"]);
        let got = w.call(w.classify, h, &input).unwrap_or_else(|e| e);
        expect(&file, "classify", &want, &got);
        let got = w.call(w.verdict, h, &input).unwrap_or_else(|e| e);
        expect(&file, "verdict", &want_verdict, &got);
        if !v["input"].is_string() {
            match groups.iter_mut().find(|(p, _)| *p == pack) {
                Some((_, g)) => g.push((file, v)),
                None => groups.push((pack, vec![(file, v)])),
            }
        }
    }
    for (pack, group) in groups {
        let h = match engines.iter().find(|(p, _)| *p == pack) {
            Some((_, Ok(h))) => *h,
            _ => continue,
        };
        let batch = Value::Array(group.iter().map(|(_, v)| v["input"].clone()).collect());
        let batch = batch.to_string();
        for (f, key, what) in [
            (w.classify_batch, "expected", "classify_batch"),
            (w.verdict_batch, "expected_verdict", "verdict_batch"),
        ] {
            let out = w.call(f, h, &batch).expect("batch");
            let items: Vec<Value> = serde_json::from_str(&out).expect("array");
            assert_eq!(items.len(), group.len(), "{what}");
            // Each item compared as the exact bytes the module wrote; an error item is
            // {"error": <the single call's error>}.
            for ((file, v), got) in group.iter().zip(split_array(&out)) {
                let want = v[key].as_str().unwrap_or_default();
                let want = if want.starts_with("{\"code\":") {
                    format!("{{\"error\":{want}}}")
                } else {
                    want.to_string()
                };
                expect(file, what, &want, got);
            }
        }
    }
    for (_, made) in engines {
        if let Ok(h) = made {
            w.engine_free.call(&mut w.store, h).expect("free");
        }
    }
    // (`wendu_check` reads JSON: the compiled way checks the same JSON.)
    for (file, v) in load("check") {
        let got = w.check(pack_of(&v).as_deref());
        expect(
            &file,
            "check",
            v["expected"].as_str().unwrap_or_default(),
            &got,
        );
    }
    for (file, v) in load("trigger") {
        let pack = pack_of(&v);
        let events = v["events"].as_array().cloned().unwrap_or_default();
        let want: Vec<&str> = v["expected"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let h = w.make(true, pack.as_deref(), way).expect("trigger");
        for (i, e) in events.iter().enumerate() {
            let got = w.call(w.trigger_ingest, h, &text_of(e)).expect("ingest");
            expect(
                &file,
                &format!("ingest {i}"),
                want.get(i).copied().unwrap_or(""),
                &got,
            );
        }
        let snap = w.snapshot(h);
        expect(
            &file,
            "snapshot",
            v["expected_snapshot"].as_str().unwrap_or_default(),
            &snap,
        );
        w.trigger_free.call(&mut w.store, h).expect("free");
        if let Some(want_batch) = v["expected_batch"].as_str() {
            let b = w.make(true, pack.as_deref(), way).expect("trigger");
            let got = w
                .call(
                    w.trigger_ingest,
                    b,
                    &Value::Array(events.clone()).to_string(),
                )
                .expect("batch");
            expect(&file, "ingest batch", want_batch, &got);
            w.trigger_free.call(&mut w.store, b).expect("free");
        }
        // Resume from a snapshot taken half-way, in a fresh trigger engine.
        let half = events.len() / 2;
        let a = w.make(true, pack.as_deref(), way).expect("trigger");
        for e in &events[..half] {
            w.call(w.trigger_ingest, a, &text_of(e)).expect("ingest");
        }
        let mid = w.snapshot(a);
        w.trigger_free.call(&mut w.store, a).expect("free");
        let r = w.make(true, pack.as_deref(), way).expect("trigger");
        w.call(w.trigger_restore, r, &mid).expect("restore");
        let again = w.snapshot(r);
        expect(&file, "snapshot round trip", &mid, &again);
        for (i, e) in events.iter().enumerate().skip(half) {
            let got = w.call(w.trigger_ingest, r, &text_of(e)).expect("ingest");
            expect(
                &file,
                &format!("resumed ingest {i}"),
                want.get(i).copied().unwrap_or(""),
                &got,
            );
        }
        w.trigger_free.call(&mut w.store, r).expect("free");
    }
    (checked, failures)
}

/// The top-level items of a JSON array, as the exact bytes the module wrote.
fn split_array(text: &str) -> Vec<&str> {
    let b = text.as_bytes();
    let (mut out, mut depth, mut in_str, mut start) = (Vec::new(), 0, false, 1);
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if in_str {
            if c == b'\\' {
                i += 1;
            } else if c == b'"' {
                in_str = false;
            }
        } else {
            match c {
                b'"' => in_str = true,
                b'[' | b'{' => depth += 1,
                b']' | b'}' => {
                    depth -= 1;
                    if depth == 0 && i > start {
                        out.push(&text[start..i]);
                    }
                }
                b',' if depth == 1 => {
                    out.push(&text[start..i]);
                    start = i + 1;
                }
                _ => {}
            }
        }
        i += 1;
    }
    out
}

#[test]
fn golden_vectors_in_wasmi() {
    let Some(bytes) = module_bytes() else { return };
    let mut w = Wendu::new(&bytes);
    let (checked, failures) = run_all(&mut w, Way::AsGiven);
    assert_all_agree(checked, &failures);
    // Further passes through the same instance: same answers, and memory does not keep growing.
    // The second pass may still raise the allocator's high-water mark once (the order of frees
    // differs from a fresh instance); a leak grows on every pass, so compare the second with the
    // third.
    let (_, again) = run_all(&mut w, Way::AsGiven);
    assert!(again.is_empty(), "second pass differs");
    let pages = w.memory_pages();
    let (_, again) = run_all(&mut w, Way::AsGiven);
    assert!(again.is_empty(), "third pass differs");
    assert_eq!(
        w.memory_pages(),
        pages,
        "memory grew on a third identical pass (leak?)"
    );
}

#[test]
fn golden_vectors_in_wasmi_with_packs_compiled_in_the_module() {
    let Some(bytes) = module_bytes() else { return };
    let mut w = Wendu::new(&bytes);
    // The same pack compiles to the same bytes here as natively.
    let here = w.compile(&default_pack_json()).expect("default pack");
    let native = std::fs::read(repo().join("packs/cn-banking.wdp")).expect("packs/cn-banking.wdp");
    assert!(
        here == native,
        "the default pack compiles to other bytes in wasmi"
    );
    let (checked, failures) = run_all(&mut w, Way::Compiled);
    assert_all_agree(checked, &failures);
    // Damaged bytes are refused cleanly, with the reason.
    let mut broken = native.clone();
    broken[100] ^= 1;
    let err = w
        .new_from_bytes(w.engine_from_compiled, &broken)
        .unwrap_err();
    assert!(err.contains("checksum mismatch"), "{err}");
    let err = w.new_from_bytes(w.engine_from_compiled, b"{}").unwrap_err();
    assert!(err.contains("not a compiled pack"), "{err}");
    let err = w.call(w.classify, 0, "{}").unwrap_err();
    assert!(err.contains("invalid_handle"), "{err}");
    assert_eq!(
        w.engine_compiled.call(&mut w.store, 77).expect("no trap"),
        1
    );
}

#[test]
fn protocol_edges() {
    let Some(bytes) = module_bytes() else { return };
    let mut w = Wendu::new(&bytes);
    // Unknown and freed handles fail cleanly.
    let err = w.call(w.classify, 42, "{\"text\": \"x\"}").unwrap_err();
    assert!(err.starts_with("{\"code\":\"invalid_handle\""), "{err}");
    let h = w.new_handle(w.engine_new, None).expect("default pack");
    w.engine_free.call(&mut w.store, h).expect("free");
    w.engine_free
        .call(&mut w.store, h)
        .expect("double free is ignored");
    let err = w.call(w.classify, h, "{\"text\": \"x\"}").unwrap_err();
    assert!(err.contains("invalid_handle"), "{err}");
    for f in [w.verdict, w.verdict_batch] {
        let err = w.call(f, h, "[{\"text\": \"x\"}]").unwrap_err();
        assert!(err.starts_with("{\"code\":\"invalid_handle\""), "{err}");
    }
    // A trigger handle is not an engine handle.
    let t = w.new_handle(w.trigger_new, None).expect("trigger");
    let err = w.call(w.trigger_ingest, t + 100, "{}").unwrap_err();
    assert!(err.contains("invalid_handle"), "{err}");
    // Invalid UTF-8 is an invalid_input error, not a trap.
    let h = w.new_handle(w.engine_new, None).expect("engine");
    let buf = w.put(&[b'{', 0xff, 0xfe, b'}']);
    let status = w
        .classify
        .call(&mut w.store, (h, buf.0, buf.1))
        .expect("no trap");
    w.release(buf);
    assert_eq!(status, 1);
    let utf8_error = w.result();
    assert!(utf8_error.contains("not valid UTF-8"));
    for f in [w.verdict, w.verdict_batch] {
        let err = w.call_bytes(f, h, &[b'{', 0xff, 0xfe, b'}']).unwrap_err();
        assert_eq!(err, utf8_error);
    }
    // A verdict batch fails only when the input is not an array, like classify_batch.
    for input in ["{}", "", "[1"] {
        let want = w.call(w.classify_batch, h, input).unwrap_err();
        let got = w.call(w.verdict_batch, h, input).unwrap_err();
        assert_eq!(got, want, "{input:?}");
    }
    // alloc(0) is null; (null, 0) is the empty input.
    assert_eq!(w.alloc.call(&mut w.store, 0).expect("alloc"), 0);
    let status = w.classify.call(&mut w.store, (h, 0, 0)).expect("no trap");
    assert_eq!(status, 1);
    // The last error stays readable after a success.
    let ok = w.call(w.classify, h, "{\"text\": \"年费\"}");
    assert!(ok.is_ok());
}
