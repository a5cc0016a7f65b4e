//! `wendu-bench`: wendu's native benchmarks, one command each (BENCHMARKS.md). Measurement code,
//! kept out of the `wendu` command that operators use.
//!
//! ```text
//! cargo run --release -p wendu-bench -- classify     # complaints/s, compile time, memory
//! cargo run --release -p wendu-bench -- classify --json-only   # JSON in and out only
//! cargo run --release -p wendu-bench -- triggers     # trigger events/s, memory per group
//! ```

mod classify;
mod triggers;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "wendu-bench",
    version,
    about = "wendu's native benchmarks (BENCHMARKS.md)"
)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Complaints per second on one core (bare scan, verdicts, decisions, JSON), pack compile time
    /// and peak memory, on the shared Chinese complaints when present (else the examples).
    Classify {
        /// Rule pack (default: the built-in pack).
        #[arg(long)]
        pack: Option<PathBuf>,
        /// Corpus (JSONL or CSV); default: the shared Chinese complaints, else examples/.
        #[arg(long)]
        corpus: Option<PathBuf>,
        /// Passes over the corpus per measurement.
        #[arg(long, default_value_t = 5)]
        rounds: usize,
        /// Only the two JSON-in, JSON-out modes (what one WebAssembly call does), without the
        /// compile timing: the native side of `node bench/node-bench.mjs --core`.
        #[arg(long)]
        json_only: bool,
        /// With `--json-only`: `verdict`, `decision` or `both` (for instruction counts, e.g.
        /// callgrind with `--rounds 1` against `--rounds 2`: one pass).
        #[arg(long, default_value = "both")]
        what: String,
    },
    /// The trigger engine: events/s through windowed policies, memory and snapshot size per
    /// active group (synthetic seeded stream).
    Triggers {
        /// Events per throughput round.
        #[arg(long, default_value_t = 2_000_000)]
        events: usize,
        /// Distinct groups (branches) in the throughput stream.
        #[arg(long, default_value_t = 1_000)]
        groups: usize,
        #[arg(long, default_value_t = 5)]
        rounds: usize,
        /// `all` (throughput, then memory in a fresh process), `throughput` or `memory`.
        #[arg(long, default_value = "all")]
        part: String,
    },
}

fn main() -> ExitCode {
    let result = match Cli::parse().command {
        Cmd::Classify {
            pack,
            corpus,
            rounds,
            json_only,
            what,
        } => classify::run(
            pack.as_deref(),
            corpus.as_deref(),
            rounds,
            json_only.then_some(what.as_str()),
        ),
        Cmd::Triggers {
            events,
            groups,
            rounds,
            part,
        } => match part.as_str() {
            "all" => Ok(triggers::Part::All),
            "throughput" => Ok(triggers::Part::Throughput),
            "memory" => Ok(triggers::Part::Memory),
            other => Err(format!(
                "--part {other}: expected all, throughput or memory"
            )),
        }
        .and_then(|p| triggers::run(events, groups, rounds, p)),
    };
    match result {
        Ok(code) => code,
        Err(msg) => {
            eprintln!("wendu-bench: {msg}");
            ExitCode::from(2)
        }
    }
}
