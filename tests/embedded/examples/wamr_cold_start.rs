//! Cold start and throughput of the embedded module in WAMR's fast interpreter (the WebAssembly
//! Micro Runtime, through the `wamrx` crate) — the rows `wasmi_cold_start` prints for wasmi:
//! load the module (WAMR validates it and translates every function to its internal code here),
//! instantiate it, build the default pack's engine, the first verdict, the same pack from its
//! JSON and from its .wdp bytes, and verdicts per second over 500 shared Chinese complaints.
//! Medians of several fresh instances.
//!
//! `cargo run --release -p wendu-embedded-tests --features wamr --example wamr_cold_start --
//! [MODULE] [RUNS]` (needs cmake and libclang; MODULE defaults to target/wendu-ffi.wasm; the
//! lean module refuses JSON packs: that line is then left out).

use std::time::Instant;
use wamrx::{Engine, Instance, Linker, Module, Val};
use wendu_embedded_tests::{cold_start_rows, ms, print_cold_start, ColdStart};

fn main() {
    let ColdStart {
        module_path,
        runs,
        wasm,
        json,
        compiled,
        corpus,
    } = ColdStart::from_args();

    let mut rows = cold_start_rows("load + translate the module");
    let mut rates = Vec::new();
    let engine = Engine::new().expect("WAMR runtime");
    for run in 0..runs {
        let t = Instant::now();
        let module = Module::new(&engine, &wasm).expect("module");
        rows[0].1.push(ms(t));
        let t = Instant::now();
        let instance = Linker::new(&engine)
            .instantiate(module)
            .expect("instantiate");
        rows[1].1.push(ms(t));
        let t = Instant::now();
        let h = call(&instance, "wendu_engine_new", &[0, 0]);
        rows[2].1.push(ms(t));
        assert_ne!(h, 0, "default pack");
        let c = put(
            &instance,
            r#"{"text":"信用卡被乱收年费，我要打12378投诉"}"#.as_bytes(),
        );
        let t = Instant::now();
        assert_eq!(call(&instance, "wendu_verdict", &[h, c.0, c.1]), 0);
        rows[3].1.push(ms(t));
        let p = put(&instance, json.as_bytes());
        let t = Instant::now();
        if call(&instance, "wendu_engine_new", &[p.0, p.1]) != 0 {
            rows[4].1.push(ms(t));
        }
        let b = put(&instance, &compiled);
        let t = Instant::now();
        assert_ne!(
            call(&instance, "wendu_engine_from_compiled", &[b.0, b.1]),
            0
        );
        rows[5].1.push(ms(t));
        if run == 0 && !corpus.is_empty() {
            let inputs: Vec<(i32, i32)> = corpus
                .iter()
                .map(|c| put(&instance, c.as_bytes()))
                .collect();
            let verdict = instance.get_func("wendu_verdict").expect("verdict");
            let mut out = [Val::I32(0)];
            let t = Instant::now();
            for &(ptr, len) in &inputs {
                verdict
                    .call(&[Val::I32(h), Val::I32(ptr), Val::I32(len)], &mut out)
                    .expect("verdict");
            }
            rates.push(inputs.len() as f64 / t.elapsed().as_secs_f64());
        }
    }
    let title = format!(
        "WAMR fast interpreter (wamrx 0.3), {} ({} bytes)",
        module_path.display(),
        wasm.len()
    );
    print_cold_start(&title, runs, &rows, &rates);
}

/// Call an export that takes and returns i32s.
fn call(instance: &Instance, name: &str, args: &[i32]) -> i32 {
    let params: Vec<Val> = args.iter().map(|&a| Val::I32(a)).collect();
    let mut out = [Val::I32(0)];
    instance
        .get_func(name)
        .unwrap_or_else(|e| panic!("export {name}: {e}"))
        .call(&params, &mut out)
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    match out[0] {
        Val::I32(x) => x,
        other => panic!("{name} returned {other}"),
    }
}

/// Copy `bytes` into the module's memory: (ptr, len).
fn put(instance: &Instance, bytes: &[u8]) -> (i32, i32) {
    let len = i32::try_from(bytes.len()).expect("fits");
    let ptr = call(instance, "wendu_alloc", &[len]);
    let mut memory = instance.get_memory("memory").expect("memory");
    memory.data_mut()[ptr as usize..ptr as usize + bytes.len()].copy_from_slice(bytes);
    (ptr, len)
}
