//! `wendu-bench classify`: complaints per second on one core, pack compile time and peak memory, on the
//! shared Chinese complaints when present (else the project's examples — and it says so).

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;
use wendu::{Complaint, Engine};
use wendu_cli::corpus;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

fn peak_rss_kib() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Run the benchmark. `json_only`: only the JSON-in, JSON-out modes (`verdict`, `decision` or
/// `both`), no compile timing.
pub fn run(
    pack: Option<&Path>,
    corpus_path: Option<&Path>,
    rounds: usize,
    json_only: Option<&str>,
) -> Result<ExitCode, String> {
    if !matches!(json_only, None | Some("verdict" | "decision" | "both")) {
        return Err("--what: expected verdict, decision or both".into());
    }
    let pack_text = match pack {
        Some(p) => wendu_cli::pack_text(p)?.into_owned(),
        None => wendu::DEFAULT_PACK.to_string(),
    };
    let (path, note) = match corpus_path {
        Some(p) => (p.to_path_buf(), String::new()),
        None => match corpus::shared_data("cn-complaints/complaints.csv") {
            Some(p) => (p, String::new()),
            None => (
                "examples/complaints.jsonl".into(),
                " (../shared/data is absent: using the project's examples, numbers are not comparable)".into(),
            ),
        },
    };
    let rows = corpus::read(&path)?;
    let complaints: Vec<Complaint> = rows
        .into_iter()
        .filter_map(|r| r.json.ok())
        .filter_map(|j| Complaint::from_value(j).ok())
        .collect();
    let jsons: Vec<String> = complaints.iter().map(|c| c.fields.to_string()).collect();
    if complaints.is_empty() {
        return Err(format!("no complaints in {}", path.display()));
    }
    let chars: usize = complaints.iter().map(|c| c.text.chars().count()).sum();
    println!(
        "corpus: {} ({} complaints, mean {} chars){note}",
        path.display(),
        complaints.len(),
        chars / complaints.len()
    );

    // Compile time: median of repeated builds.
    let mut compile = Vec::new();
    for _ in 0..if json_only.is_some() { 0 } else { 15 } {
        let t = Instant::now();
        let e = Engine::new(&pack_text).map_err(|e| e.message())?;
        compile.push(t.elapsed().as_secs_f64() * 1e3);
        drop(e);
    }
    let engine = Engine::new(&pack_text).map_err(|e| e.message())?;
    let described = engine.describe();
    let terms = described.terms;
    let rules: usize = described
        .dimensions
        .iter()
        .flat_map(|d| d.labels.iter())
        .map(|l| l.rules)
        .sum();
    println!(
        "pack: {} {} — {} terms, {} label rules, {} factors",
        engine.info().id,
        engine.info().version,
        terms,
        rules,
        described.factors.len()
    );
    if json_only.is_none() {
        println!("compile: median {:.2} ms (15 builds)", median(compile));
    }

    // Warm up, then measure `rounds` passes of each mode; report the median pass.
    let n = complaints.len() as f64;
    let measure = |name: &str, f: &mut dyn FnMut() -> usize| {
        f();
        let mut rates = Vec::new();
        let mut sink = 0usize;
        for _ in 0..rounds.max(1) {
            let t = Instant::now();
            sink = sink.wrapping_add(f());
            rates.push(n / t.elapsed().as_secs_f64());
        }
        let med = median(rates.clone());
        println!("{name:<40} median {:>9.0} complaints/s  ({:.2} µs each; min {:.0}, max {:.0}) [{sink}]",
            med, 1e6 / med,
            rates.iter().cloned().fold(f64::INFINITY, f64::min),
            rates.iter().cloned().fold(0.0, f64::max));
        med
    };
    if let Some(what) = json_only {
        // The same work as one WebAssembly call of `verdict` / `classify` on JSON text.
        if what != "decision" {
            measure("parse complaint JSON + verdict + JSON", &mut || {
                jsons
                    .iter()
                    .filter_map(|j| engine.verdict_json(j).ok())
                    .map(|v| v.to_json().len())
                    .sum()
            });
        }
        if what != "verdict" {
            measure("parse complaint JSON + classify + JSON", &mut || {
                jsons
                    .iter()
                    .filter_map(|j| engine.classify_json(j).ok())
                    .map(|d| d.to_json().len())
                    .sum()
            });
        }
        return Ok(ExitCode::SUCCESS);
    }
    let bare = measure("bare Aho-Corasick count (normalised)", &mut || {
        complaints.iter().map(|c| engine.bare_scan(&c.text)).sum()
    });
    let full = measure("classify (Decision)", &mut || {
        complaints
            .iter()
            .filter_map(|c| engine.classify(c).ok())
            .map(|d| d.labels.0.len())
            .sum()
    });
    let json = measure("classify + decision JSON", &mut || {
        complaints
            .iter()
            .filter_map(|c| engine.classify(c).ok())
            .map(|d| d.to_json().len())
            .sum()
    });
    let from_json = measure("parse complaint JSON + classify + JSON", &mut || {
        jsons
            .iter()
            .filter_map(|j| engine.classify_json(j).ok())
            .map(|d| d.to_json().len())
            .sum()
    });
    let verdict = measure("verdict (no explanation)", &mut || {
        complaints
            .iter()
            .filter_map(|c| engine.verdict(c).ok())
            .map(|v| v.labels.0.len())
            .sum()
    });
    let verdict_json = measure("parse complaint JSON + verdict + JSON", &mut || {
        jsons
            .iter()
            .filter_map(|j| engine.verdict_json(j).ok())
            .map(|v| v.to_json().len())
            .sum()
    });
    println!("ratio classify / bare scan: {:.2}x slower", bare / full);
    println!("ratio verdict / bare scan: {:.2}x slower", bare / verdict);
    // The ratios above divide medians taken minutes apart; on a shared machine the load changes
    // in between. Interleaved: each round times the bare scan, a verdict pass and a classify
    // pass back to back, and the ratios are the medians of the per-round ratios.
    let time = |f: &mut dyn FnMut() -> usize| {
        let t = Instant::now();
        let k = f();
        (t.elapsed().as_secs_f64(), k)
    };
    let (mut rv, mut rc) = (Vec::new(), Vec::new());
    for _ in 0..rounds.max(1) {
        let (tb, _) = time(&mut || complaints.iter().map(|c| engine.bare_scan(&c.text)).sum());
        let (tv, _) = time(&mut || {
            complaints
                .iter()
                .filter_map(|c| engine.verdict(c).ok())
                .count()
        });
        let (tc, _) = time(&mut || {
            complaints
                .iter()
                .filter_map(|c| engine.classify(c).ok())
                .count()
        });
        rv.push(tv / tb);
        rc.push(tc / tb);
    }
    println!(
        "interleaved ratio to the bare scan (median of {} rounds): verdict {:.2}x, classify {:.2}x",
        rv.len(),
        median(rv),
        median(rc)
    );
    let _ = (json, from_json, verdict_json);
    if let Some(kib) = peak_rss_kib() {
        println!("peak memory (VmHWM): {:.1} MiB", kib as f64 / 1024.0);
    }
    Ok(ExitCode::SUCCESS)
}
