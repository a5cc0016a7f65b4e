//! Measures the time guarantee (RELIABILITY.md): every generated worst case (tests/worst) at the
//! pack's largest text, classified and decided natively — milliseconds per 1,000 characters, the
//! least of a few batches of calls, against an ordinary complaint of the same length.
//!
//! `cargo run --release --example worst_case [-- [--pack FILE] [--chars N] [--runs K] [--write FILE]]`
//!
//! Every time is given twice: wall clock, and the time this thread spent on a CPU (its CPU
//! clock, read around batches of calls; 0 off Unix), which a machine shared with other work
//! disturbs far less.
//!
//! `--write FILE` also writes the cases as JSON Lines (`{"name", "pack", "complaint"}`), which
//! `bench/worst-case.mjs` (Node) and `bench/worst_case_wasmtime.py` (the C ABI under wasmtime) time
//! the same way.
#[path = "../tests/worst/mod.rs"]
mod worst;

use std::io::Write;
use std::time::Instant;

fn main() {
    let mut pack_path: Option<String> = None;
    let mut chars: Option<usize> = None;
    let mut runs = 3usize;
    let mut write: Option<String> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--pack" => pack_path = args.next(),
            "--chars" => chars = args.next().and_then(|s| s.parse().ok()),
            "--runs" => runs = args.next().and_then(|s| s.parse().ok()).unwrap_or(3),
            "--write" => write = args.next(),
            "--packs" => {
                packs(chars.unwrap_or(1 << 20));
                return;
            }
            "--hostile" => {
                hostile(chars.unwrap_or(20_000));
                return;
            }
            other => {
                eprintln!("unknown argument {other}");
                std::process::exit(2);
            }
        }
    }
    let pack = match &pack_path {
        Some(p) => std::fs::read_to_string(p).expect("pack file"),
        None => wendu::DEFAULT_PACK.to_string(),
    };
    let engine = wendu::Engine::new(&pack).expect("valid pack");
    let limit: usize = serde_json::from_str::<serde_json::Value>(&pack)
        .ok()
        .and_then(|p| p.pointer("/settings/limits/max_text_chars")?.as_u64())
        .unwrap_or(20_000) as usize;
    let n = chars.unwrap_or(limit);
    let terms: Vec<&str> = engine.terms().collect();
    let mut cases = worst::cases(&pack, &terms, n);
    cases.insert(0, ("ordinary complaint".into(), worst::ordinary(n)));
    if let Some(path) = &write {
        let mut f = std::io::BufWriter::new(std::fs::File::create(path).expect("output file"));
        for (name, c) in &cases {
            let line = serde_json::json!({"name": name, "pack": pack_path, "complaint": c});
            writeln!(f, "{line}").expect("write");
        }
        eprintln!("{} cases written to {path}", cases.len());
    }
    println!(
        "pack {} {}, {n} chars, the least of {runs} batches of at least 50 ms",
        engine.info().id,
        engine.info().version
    );
    println!(
        "{:<44} {:>12} {:>12} {:>12} {:>12}",
        "case", "classify", "verdict", "classify cpu", "verdict cpu"
    );
    // (ms per 1,000 chars, case) of the slowest: classify, verdict, classify cpu, verdict cpu.
    let mut worst: [(f64, String); 4] = Default::default();
    for (name, c) in &cases {
        let json = c.to_string();
        // The least of `runs` batches of at least 50 ms: wall clock and CPU time.
        let time = |f: &dyn Fn() -> bool| -> (f64, f64) {
            assert!(f(), "{name}: failed");
            let (wall, cpu) = worst::per_call(runs, 50.0, || {
                f();
            });
            (wall, cpu.unwrap_or(0.0))
        };
        let chars = c["text"].as_str().map_or(0, |t| t.chars().count())
            + c["title"].as_str().map_or(0, |t| t.chars().count());
        let per = |ms: f64| ms * 1000.0 / chars.max(1) as f64;
        let (cw, cc) = time(&|| engine.classify_json(&json).is_ok());
        let (vw, vc) = time(&|| engine.verdict_json(&json).is_ok());
        let row = [per(cw), per(vw), per(cc), per(vc)];
        println!(
            "{name:<44} {:>9.3} ms {:>9.3} ms {:>9.3} ms {:>9.3} ms",
            row[0], row[1], row[2], row[3]
        );
        for (w, v) in worst.iter_mut().zip(row) {
            if v > w.0 {
                *w = (v, name.clone());
            }
        }
    }
    println!(
        "worst per 1,000 chars: classify {:.3} ms ({}), verdict {:.3} ms ({}); CPU time: classify {:.3} ms ({}), verdict {:.3} ms ({})",
        worst[0].0, worst[0].1, worst[1].0, worst[1].1, worst[2].0, worst[2].1, worst[3].0, worst[3].1
    );
}

/// `--packs`: the time `Engine::new` takes on each generated hostile pack (`--chars` before
/// `--packs` sets its size in bytes; 1 MiB by default), with each automaton option: wall clock /
/// CPU time.
fn packs(bytes: usize) {
    println!(
        "{:<40} {:>9} {:>14} {:>14} {:>14}   (wall/cpu)",
        "pack", "bytes", "auto", "dfa", "nfa"
    );
    for (name, json) in worst::hostile_packs(bytes) {
        let mut cells = Vec::new();
        for a in [
            wendu::Automaton::Auto,
            wendu::Automaton::Dfa,
            wendu::Automaton::Nfa,
        ] {
            let (s, c) = (Instant::now(), worst::cpu_ms());
            let r = wendu::Engine::with_automaton(&json, a);
            let ms = s.elapsed().as_secs_f64() * 1000.0;
            let cpu = worst::cpu_ms().zip(c).map_or(0.0, |(b, a)| b - a);
            if let Err(e) = &r {
                cells.push(format!(
                    "{ms:.0}/{cpu:.0} ms ({} problems)",
                    e.problems().len()
                ));
            } else {
                cells.push(format!("{ms:.0}/{cpu:.0} ms"));
            }
        }
        println!(
            "{name:<40} {:>9} {:>14} {:>14} {:>14}",
            json.len(),
            cells[0],
            cells[1],
            cells[2]
        );
    }
}

/// `--hostile`: every generated worst-case text against every generated hostile pack (of
/// 64 KiB), the worst classify and verdict time per 1,000 chars for each pack.
fn hostile(n: usize) {
    println!(
        "{:<40} {:>22} {:>22}",
        "pack (64 KiB)", "worst classify", "worst verdict"
    );
    for (name, json) in worst::hostile_packs(64 << 10) {
        let Ok(engine) = wendu::Engine::new(&json) else {
            continue;
        };
        let terms: Vec<&str> = engine.terms().collect();
        let mut w = (0.0f64, String::new(), 0.0f64, String::new());
        for (case, c) in worst::cases(&json, &terms, n) {
            let text = c.to_string();
            let chars = n.max(1) as f64;
            let s = Instant::now();
            let _ = engine.classify_json(&text);
            let classify = s.elapsed().as_secs_f64() * 1e6 / chars;
            let s = Instant::now();
            let _ = engine.verdict_json(&text);
            let verdict = s.elapsed().as_secs_f64() * 1e6 / chars;
            if classify > w.0 {
                w.0 = classify;
                w.1 = case.clone();
            }
            if verdict > w.2 {
                w.2 = verdict;
                w.3 = case;
            }
        }
        println!(
            "{name:<40} {:>8.3} ms {:<12} {:>8.3} ms {:<12}",
            w.0, w.1, w.2, w.3
        );
    }
}
