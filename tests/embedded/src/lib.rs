//! Host helpers shared by the embedded-runtime tests (`tests/`) and examples (`examples/`):
//! the same inputs and the same failure report whatever the interpreter.

use std::path::{Path, PathBuf};
use std::time::Instant;

/// The repository root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// What a cold-start example measures with: `[MODULE] [RUNS]` from the command line (the C-ABI
/// module and 7 runs by default), the default pack as JSON and compiled, and the first 500
/// shared Chinese complaints as complaint JSON (none when the shared data is absent).
pub struct ColdStart {
    pub module_path: PathBuf,
    pub runs: usize,
    pub wasm: Vec<u8>,
    pub json: String,
    pub compiled: Vec<u8>,
    pub corpus: Vec<String>,
}

impl ColdStart {
    /// Read from the command line and the repository; a missing module or pack stops the example.
    pub fn from_args() -> ColdStart {
        let repo = repo();
        let mut args = std::env::args().skip(1);
        let module_path = args
            .next()
            .map(PathBuf::from)
            .unwrap_or_else(|| repo.join("target/wendu-ffi.wasm"));
        let runs: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(7);
        let wasm = std::fs::read(&module_path).expect("the module (scripts/build-wasm.sh)");
        let json = std::fs::read_to_string(repo.join("packs/cn-banking.json")).expect("pack");
        let compiled = std::fs::read(repo.join("packs/cn-banking.wdp")).expect("compiled pack");
        let corpus =
            std::fs::read_to_string(repo.join("../shared/data/cn-complaints/complaints.csv"))
                .ok()
                .map(|raw| {
                    raw.lines()
                        .skip(1)
                        .filter(|l| l.len() > 20)
                        .take(500)
                        .map(|l| serde_json::json!({ "text": l }).to_string())
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default();
        ColdStart {
            module_path,
            runs,
            wasm,
            json,
            compiled,
            corpus,
        }
    }
}

/// The timed steps of a cold-start example, in order, each with its samples (ms); the first
/// step is the interpreter's own (`load`: parse, validate or translate the module), the others
/// are the same in every example. Steps without samples are left out of the report.
pub fn cold_start_rows(load: &'static str) -> Vec<(&'static str, Vec<f64>)> {
    [
        load,
        "instantiate",
        "wendu_engine_new(default pack)",
        "first verdict",
        "wendu_engine_new(JSON of the default pack)",
        "wendu_engine_from_compiled(.wdp bytes)",
    ]
    .into_iter()
    .map(|name| (name, Vec::new()))
    .collect()
}

/// Milliseconds since `t`.
pub fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

/// Print a cold-start report under `title` (the interpreter, the module and its size): each
/// step's median and range, the median of module + instance + default pack (the first three
/// steps of each run) and the verdicts per second of the first run, if measured.
pub fn print_cold_start(title: &str, runs: usize, rows: &[(&str, Vec<f64>)], rates: &[f64]) {
    println!("{title}, {runs} fresh instances: median (range) in ms");
    let sorted = |xs: &[f64]| {
        let mut v = xs.to_vec();
        v.sort_by(|a, b| a.total_cmp(b));
        v
    };
    for (name, xs) in rows {
        if let (Some(lo), Some(hi)) = (
            xs.iter().copied().reduce(f64::min),
            xs.iter().copied().reduce(f64::max),
        ) {
            let median = sorted(xs)[xs.len() / 2];
            println!("  {name:<44} {median:>8.1}  ({lo:.1}–{hi:.1})");
        }
    }
    let step = |k: usize, i: usize| rows.get(k).and_then(|r| r.1.get(i)).copied().unwrap_or(0.0);
    let ready = sorted(
        &(0..runs)
            .map(|i| step(0, i) + step(1, i) + step(2, i))
            .collect::<Vec<_>>(),
    );
    if let Some(median) = ready.get(ready.len() / 2) {
        println!(
            "  {:<44} {median:>8.1}",
            "module + instance + default pack ready"
        );
    }
    if let Some(rate) = rates.first() {
        println!("  verdicts per second (500 shared complaints): {rate:.0}");
    }
}

/// At least 100 vectors checked and none differing; else the first five differences.
pub fn assert_all_agree(checked: usize, failures: &[String]) {
    assert!(checked >= 100, "only {checked} checks");
    assert!(
        failures.is_empty(),
        "{} of {checked} differ:\n{}",
        failures.len(),
        failures
            .iter()
            .take(5)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
