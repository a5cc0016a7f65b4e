//! The embedded ABI in WAMR's fast interpreter (the WebAssembly Micro Runtime, through the
//! `wamrx` crate; feature `wamr`, which scripts/test-js.sh turns on): target/wendu-ffi.wasm
//! loads with no imports, and every classify vector gives byte-identical decision and verdict
//! JSON, every check vector the same problems — the checks wasmi_vectors.rs makes, for the
//! single calls (the batch, compiled-pack and trigger paths run the same module code and are
//! covered by wasmi, wasmtime and wasm3).
#![cfg(feature = "wamr")]

use serde_json::Value;
use std::path::PathBuf;
use wamrx::{Engine, Instance, Linker, Module, Val};
use wendu_embedded_tests::{assert_all_agree, repo};

/// One instance of the module, used the way docs/embedding.md describes.
struct Wendu {
    instance: Instance,
}

impl Wendu {
    fn call(&self, name: &str, args: &[i32]) -> i32 {
        let params: Vec<Val> = args.iter().map(|&a| Val::I32(a)).collect();
        let mut out = [Val::I32(0)];
        let f = self.instance.get_func(name).expect("export");
        f.call(&params, &mut out)
            .unwrap_or_else(|e| panic!("{name} trapped: {e}"));
        match out[0] {
            Val::I32(x) => x,
            other => panic!("{name} returned {other}"),
        }
    }

    fn put(&self, bytes: &[u8]) -> (i32, i32) {
        if bytes.is_empty() {
            return (0, 0);
        }
        let len = i32::try_from(bytes.len()).expect("fits");
        let ptr = self.call("wendu_alloc", &[len]);
        assert_ne!(ptr, 0, "alloc failed");
        let mut memory = self.instance.get_memory("memory").expect("memory");
        memory.data_mut()[ptr as usize..ptr as usize + bytes.len()].copy_from_slice(bytes);
        (ptr, len)
    }

    fn result(&self) -> String {
        let ptr = self.call("wendu_result_ptr", &[]) as usize;
        let len = self.call("wendu_result_len", &[]) as usize;
        let memory = self.instance.get_memory("memory").expect("memory");
        String::from_utf8(memory.data()[ptr..ptr + len].to_vec()).expect("UTF-8")
    }

    /// `name(prefix..., ptr, len)` on `input`: the result, or the error JSON.
    fn run(&self, name: &str, prefix: &[i32], input: &str) -> Result<String, String> {
        let (ptr, len) = self.put(input.as_bytes());
        let mut args = prefix.to_vec();
        args.extend([ptr, len]);
        let status = self.call(name, &args);
        if len > 0 {
            self.call("wendu_free", &[ptr, len]);
        }
        match status {
            0 => Ok(self.result()),
            1 => Err(self.result()),
            s => panic!("{name}: status {s}"),
        }
    }

    fn engine(&self, pack: Option<&str>) -> Result<i32, String> {
        let (ptr, len) = self.put(pack.unwrap_or("").as_bytes());
        let h = self.call("wendu_engine_new", &[ptr, len]);
        if len > 0 {
            self.call("wendu_free", &[ptr, len]);
        }
        if h == 0 {
            Err(self.result())
        } else {
            Ok(h)
        }
    }
}

fn vectors(kind: &str) -> Vec<(String, Value)> {
    let dir = repo().join("tests/vectors").join(kind);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("vectors")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let v = serde_json::from_str(&std::fs::read_to_string(&p).expect("read"));
            (p.display().to_string(), v.expect("JSON"))
        })
        .collect()
}

fn pack_of(v: &Value) -> Option<String> {
    if let Some(t) = v["pack_text"].as_str() {
        return Some(t.to_string());
    }
    match &v["pack"] {
        Value::String(s) if s == "default" => None,
        Value::String(s) => {
            Some(std::fs::read_to_string(repo().join("tests/vectors").join(s)).expect("pack"))
        }
        other => Some(other.to_string()),
    }
}

fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[test]
fn golden_vectors_in_wamr() {
    let required = std::env::var("WENDU_REQUIRE_WASM").is_ok_and(|v| v == "1");
    let path = std::env::var_os("WENDU_FFI_WASM")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("target/wendu-ffi.wasm"));
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if required => panic!("{}: {e} (run scripts/build-wasm.sh)", path.display()),
        Err(_) => {
            eprintln!(
                "skipped: {} is missing (run scripts/build-wasm.sh)",
                path.display()
            );
            return;
        }
    };
    let engine = Engine::new().expect("WAMR runtime");
    let module = Module::new(&engine, &bytes).expect("valid module");
    let instance = Linker::new(&engine)
        .instantiate(module)
        .expect("instantiates with no imports");
    let w = Wendu { instance };
    assert_eq!(w.call("wendu_abi_version", &[]), 1);

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
    for (file, v) in vectors("classify") {
        let want = v["expected"].as_str().unwrap_or_default();
        let want_verdict = v["expected_verdict"].as_str().unwrap_or_default();
        let h = match w.engine(pack_of(&v).as_deref()) {
            Ok(h) => h,
            Err(e) => {
                expect(&file, "engine_new", want, &e);
                continue;
            }
        };
        let input = text_of(&v["input"]);
        let got = w.run("wendu_classify", &[h], &input).unwrap_or_else(|e| e);
        expect(&file, "classify", want, &got);
        let got = w.run("wendu_verdict", &[h], &input).unwrap_or_else(|e| e);
        expect(&file, "verdict", want_verdict, &got);
        w.call("wendu_engine_free", &[h]);
    }
    for (file, v) in vectors("check") {
        let pack = pack_of(&v).unwrap_or_default();
        let got = w.run("wendu_check", &[], &pack).unwrap_or_else(|e| e);
        expect(
            &file,
            "check",
            v["expected"].as_str().unwrap_or_default(),
            &got,
        );
    }
    assert_all_agree(checked, &failures);
}
