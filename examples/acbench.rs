//! Measures Aho-Corasick configurations over the default pack's terms (see BENCHMARKS.md):
//! `cargo run --release --example acbench -- ../shared/data/cn-complaints/complaints.csv`.
use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use std::time::Instant;
fn main() {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "../shared/data/cn-complaints/complaints.csv".into());
    let Ok(raw) = std::fs::read_to_string(&path) else {
        eprintln!("{path} is absent");
        return;
    };
    let e = wendu::Engine::default_pack().expect("default pack");
    let texts: Vec<String> = raw
        .lines()
        .filter(|l| l.len() > 20)
        .map(|t| e.normalize(t))
        .collect();
    let pats: Vec<String> = e
        .terms()
        .map(|t| t.trim_end_matches('*').to_string())
        .collect();
    for (name, kind, pre) in [
        (
            "NFA (noncontiguous)",
            AhoCorasickKind::NoncontiguousNFA,
            true,
        ),
        ("NFA contiguous", AhoCorasickKind::ContiguousNFA, true),
        ("DFA", AhoCorasickKind::DFA, true),
        ("DFA, no prefilter", AhoCorasickKind::DFA, false),
        (
            "contiguous NFA, no prefilter",
            AhoCorasickKind::ContiguousNFA,
            false,
        ),
    ] {
        let t = Instant::now();
        let ac = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .kind(Some(kind))
            .prefilter(pre)
            .build(&pats)
            .unwrap();
        let build = t.elapsed().as_secs_f64() * 1e3;
        let mut best = f64::MAX;
        let mut k = 0;
        for _ in 0..5 {
            let t = Instant::now();
            for x in &texts {
                k += ac.find_overlapping_iter(x.as_str()).count();
            }
            best = best.min(t.elapsed().as_secs_f64());
        }
        println!(
            "{name:<30} build {build:6.2} ms  memory {:>8} B  {:>9.0} texts/s  ({:.2} µs) [{k}]",
            ac.memory_usage(),
            texts.len() as f64 / best,
            best * 1e6 / texts.len() as f64
        );
    }
}
