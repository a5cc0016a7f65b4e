//! Out of memory inside a call: the module traps (no panic hook runs on an allocation failure),
//! and `wendu_last_error` must then hold an `internal` error naming the call — not the previous,
//! unrelated error (issue 13). The host caps the instance's memory, as mobile hosts do, and
//! classifies a text too large for the cap. Needs target/wendu-ffi.wasm (scripts/build-wasm.sh);
//! skipped in debug builds and without it, like the vectors, unless WENDU_REQUIRE_WASM=1.

use std::path::PathBuf;
use wasmi::{Engine, Linker, Module, Store, StoreLimits, StoreLimitsBuilder, TypedFunc};

fn module_bytes() -> Option<Vec<u8>> {
    let required = std::env::var("WENDU_REQUIRE_WASM").is_ok_and(|v| v == "1");
    if cfg!(debug_assertions) && !required {
        eprintln!("skipped in a debug build: cargo test --release -p wendu-embedded-tests");
        return None;
    }
    let path = std::env::var_os("WENDU_FFI_WASM")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/wendu-ffi.wasm")
        });
    match std::fs::read(&path) {
        Ok(b) => Some(b),
        Err(e) if required => panic!("{}: {e} (run scripts/build-wasm.sh)", path.display()),
        Err(_) => {
            eprintln!("skipped: {} is missing", path.display());
            None
        }
    }
}

#[test]
fn out_of_memory_leaves_an_internal_error_naming_the_call() {
    let Some(bytes) = module_bytes() else { return };
    let engine = Engine::default();
    let module = Module::new(&engine, &bytes).expect("module");
    // 48 MiB: room for the engine and a 12 MB input, not for classifying it.
    let limits = StoreLimitsBuilder::new().memory_size(48 << 20).build();
    let mut store: Store<StoreLimits> = Store::new(&engine, limits);
    store.limiter(|l| l);
    let instance = Linker::<StoreLimits>::new(&engine)
        .instantiate_and_start(&mut store, &module)
        .expect("instantiate");
    let memory = instance.get_memory(&store, "memory").expect("memory");
    let alloc: TypedFunc<i32, i32> = instance
        .get_typed_func(&store, "wendu_alloc")
        .expect("alloc");
    let new: TypedFunc<(i32, i32), i32> = instance
        .get_typed_func(&store, "wendu_engine_new")
        .expect("engine_new");
    let classify: TypedFunc<(i32, i32, i32), i32> = instance
        .get_typed_func(&store, "wendu_classify")
        .expect("classify");
    let last_ptr: TypedFunc<(), i32> = instance
        .get_typed_func(&store, "wendu_last_error_ptr")
        .expect("ptr");
    let last_len: TypedFunc<(), i32> = instance
        .get_typed_func(&store, "wendu_last_error_len")
        .expect("len");
    let put = |store: &mut Store<StoreLimits>, b: &[u8]| -> (i32, i32) {
        let p = alloc.call(&mut *store, b.len() as i32).expect("alloc");
        assert_ne!(p, 0, "the input fits");
        memory.write(&mut *store, p as usize, b).expect("write");
        (p, b.len() as i32)
    };
    let last = |store: &mut Store<StoreLimits>| -> String {
        let p = last_ptr.call(&mut *store, ()).expect("ptr") as usize;
        let n = last_len.call(&mut *store, ()).expect("len") as usize;
        String::from_utf8_lossy(&memory.data(&*store)[p..p + n]).into_owned()
    };
    // A pack that takes texts of any length, and an engine for it.
    let pack = r#"{"pack": {"id": "big", "version": "1"},
        "settings": {"limits": {"max_text_chars": 10000000}},
        "dimensions": [{"id": "d", "fallback": "o", "labels": [
            {"code": "a", "name": "a", "rules": [{"when": {"terms": ["年费"]}}]}, {"code": "o", "name": "o"}]}]}"#;
    let buf = put(&mut store, pack.as_bytes());
    let e = new.call(&mut store, buf).expect("engine_new");
    assert!(e > 0);
    // An unrelated failure first.
    let buf = put(&mut store, b"{");
    assert_eq!(
        classify
            .call(&mut store, (e, buf.0, buf.1))
            .expect("no trap"),
        1
    );
    assert!(last(&mut store).contains("invalid_input"));
    // A text too large for the memory left: the call traps.
    let text = format!("{{\"text\": \"{}\"}}", "年费乱收".repeat(1_000_000));
    let buf = put(&mut store, text.as_bytes());
    let trapped = classify.call(&mut store, (e, buf.0, buf.1)).is_err();
    assert!(
        trapped,
        "classifying 12 MB within 48 MiB should run out of memory"
    );
    let error = last(&mut store);
    assert!(error.contains("\"code\":\"internal\""), "{error}");
    assert!(error.contains("wendu_classify did not return"), "{error}");
}
