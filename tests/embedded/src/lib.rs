//! Host helpers shared by the embedded-runtime tests (`tests/`) and examples (`examples/`):
//! the same inputs and the same failure report whatever the interpreter.

use std::path::{Path, PathBuf};

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
