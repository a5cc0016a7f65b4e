//! Classifies the first N complaints of a CSV once with the default pack — a fixed workload for
//! `valgrind --tool=callgrind` (instruction counts do not depend on machine load).
//! `cargo build --profile profiling --example profile_classify && valgrind --tool=callgrind target/profiling/examples/profile_classify ../shared/data/cn-complaints/complaints.csv 1000 [verdict|bare|norm]`
fn main() {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .unwrap_or_else(|| "../shared/data/cn-complaints/complaints.csv".into());
    let n: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(1000);
    let Ok(raw) = std::fs::read_to_string(&path) else {
        eprintln!("{path} is absent");
        return;
    };
    // WENDU_PROFILE_PACK=path profiles another pack (e.g. the peer benchmark's rule set).
    let engine = match std::env::var("WENDU_PROFILE_PACK") {
        Ok(path) => wendu::Engine::new(&std::fs::read_to_string(&path).expect("pack file"))
            .expect("valid pack"),
        Err(_) => wendu::Engine::default_pack().expect("default pack"),
    };
    let complaints: Vec<wendu::Complaint> = raw
        .lines()
        .skip(1)
        .filter(|l| l.len() > 20)
        .take(n)
        .map(wendu::Complaint::from_text)
        .collect();
    // A third argument `verdict` profiles the unexplained path instead of full decisions, `bare`
    // the bare scan that `wendu-bench classify` compares with (normalise + count automaton matches).
    let mode = args.next().unwrap_or_default();
    let verdict = mode == "verdict";
    let mut total = 0usize;
    if mode == "bare" || mode == "norm" {
        total = if mode == "bare" {
            bare(&engine, &complaints)
        } else {
            norm(&engine, &complaints)
        };
        println!("{} complaints, {total} {mode}", complaints.len());
        return;
    }
    for c in &complaints {
        if verdict {
            if let Ok(v) = engine.verdict(c) {
                total += v.labels.0.iter().map(|(_, l)| l.len()).sum::<usize>();
            }
        } else if let Ok(d) = engine.classify(c) {
            total += d.labels.0.iter().map(|(_, l)| l.len()).sum::<usize>();
        }
    }
    println!("{} complaints, {total} labels", complaints.len());
}

/// The bare scan of every complaint (`--toggle-collect='*profile_classify*bare*'` isolates it).
#[inline(never)]
fn bare(engine: &wendu::Engine, complaints: &[wendu::Complaint]) -> usize {
    complaints.iter().map(|c| engine.bare_scan(&c.text)).sum()
}

/// Normalisation alone, the part of the bare scan before the automaton: `bare` minus `norm` is
/// the automaton's search.
#[inline(never)]
fn norm(engine: &wendu::Engine, complaints: &[wendu::Complaint]) -> usize {
    complaints
        .iter()
        .map(|c| engine.normalize(&c.text).len())
        .sum()
}
