//! Cold start and throughput of the embedded module in the wasmi interpreter — what an iOS or
//! Android app without JIT runs: parse and validate the module, instantiate it, build the
//! default pack's engine (`wendu_engine_new` with no pack: its compiled form), the same pack
//! from its JSON, and verdicts per second over the shared Chinese complaints. Medians of
//! several fresh instances (the machine is shared and noisy).
//!
//! `cargo run --release -p wendu-embedded-tests --example wasmi_cold_start -- [MODULE] [RUNS]`
//! (MODULE defaults to target/wendu-ffi.wasm; an older build may lack the compiled-pack exports,
//! and the lean module refuses JSON packs: those lines are then left out).

use std::time::Instant;
use wasmi::{Engine, Linker, Module, Store, TypedFunc};
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

    let mut rows = cold_start_rows("parse + validate the module");
    let mut rates = Vec::new();
    for run in 0..runs {
        let t = Instant::now();
        let engine = Engine::default();
        let module = Module::new(&engine, &wasm[..]).expect("module");
        rows[0].1.push(ms(t));
        let t = Instant::now();
        let mut store = Store::new(&engine, ());
        let instance = Linker::<()>::new(&engine)
            .instantiate_and_start(&mut store, &module)
            .expect("instantiate");
        rows[1].1.push(ms(t));
        let memory = instance.get_memory(&store, "memory").expect("memory");
        let alloc: TypedFunc<i32, i32> = instance
            .get_typed_func(&store, "wendu_alloc")
            .expect("alloc");
        let engine_new: TypedFunc<(i32, i32), i32> = instance
            .get_typed_func(&store, "wendu_engine_new")
            .expect("engine_new");
        let from_compiled = instance
            .get_typed_func::<(i32, i32), i32>(&store, "wendu_engine_from_compiled")
            .ok();
        let verdict: TypedFunc<(i32, i32, i32), i32> = instance
            .get_typed_func(&store, "wendu_verdict")
            .expect("verdict");
        let put = |store: &mut Store<()>, bytes: &[u8]| -> (i32, i32) {
            let ptr = alloc.call(&mut *store, bytes.len() as i32).expect("alloc");
            memory
                .write(&mut *store, ptr as usize, bytes)
                .expect("write");
            (ptr, bytes.len() as i32)
        };
        let t = Instant::now();
        let h = engine_new.call(&mut store, (0, 0)).expect("engine");
        rows[2].1.push(ms(t));
        assert_ne!(h, 0, "default pack");
        let c = put(
            &mut store,
            r#"{"text":"信用卡被乱收年费，我要打12378投诉"}"#.as_bytes(),
        );
        let t = Instant::now();
        assert_eq!(verdict.call(&mut store, (h, c.0, c.1)).expect("verdict"), 0);
        rows[3].1.push(ms(t));
        let p = put(&mut store, json.as_bytes());
        let t = Instant::now();
        let hj = engine_new.call(&mut store, p).expect("engine");
        // The lean module (target/wendu-ffi-lean.wasm) refuses JSON packs: that line is left out.
        if hj != 0 {
            rows[4].1.push(ms(t));
        }
        if let Some(from_compiled) = from_compiled {
            let b = put(&mut store, &compiled);
            let t = Instant::now();
            let hc = from_compiled.call(&mut store, b).expect("engine");
            rows[5].1.push(ms(t));
            assert_ne!(hc, 0, "compiled pack");
        }
        // Throughput once (the interpreter does not warm up): verdicts per second.
        if run == 0 && !corpus.is_empty() {
            let inputs: Vec<(i32, i32)> = corpus
                .iter()
                .map(|c| put(&mut store, c.as_bytes()))
                .collect();
            let t = Instant::now();
            for &(ptr, len) in &inputs {
                verdict.call(&mut store, (h, ptr, len)).expect("verdict");
            }
            rates.push(inputs.len() as f64 / t.elapsed().as_secs_f64());
        }
    }
    let title = format!("wasmi 1, {} ({} bytes)", module_path.display(), wasm.len());
    print_cold_start(&title, runs, &rows, &rates);
}
