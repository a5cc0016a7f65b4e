//! Classifies the first N complaints of a CSV once with the default pack — a fixed workload for
//! `valgrind --tool=callgrind` (instruction counts do not depend on machine load).
//! `cargo build --profile profiling --example profile_classify && valgrind --tool=callgrind
//! --toggle-collect='*profile_classify*decisions*' target/profiling/examples/profile_classify
//! ../shared/data/cn-complaints/complaints.csv 3000 [verdict|bare|norm|model]` (toggle `*verdicts*`,
//! `*bare*`, `*norm*` or `*models*` for the other modes). The default pack loads compiled; `WENDU_PROFILE_PACK=packs/cn-banking.json`
//! profiles it compiled from its JSON.
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
    let total;
    if mode == "model" {
        let texts: Vec<String> = complaints
            .iter()
            .map(|c| engine.normalize(&c.text))
            .collect();
        println!(
            "{} complaints, {} model",
            texts.len(),
            models(&engine, &texts)
        );
        return;
    }
    if mode == "bare" || mode == "norm" {
        total = if mode == "bare" {
            bare(&engine, &complaints)
        } else {
            norm(&engine, &complaints)
        };
        println!("{} complaints, {total} {mode}", complaints.len());
        return;
    }
    total = if verdict {
        verdicts(&engine, &complaints)
    } else {
        decisions(&engine, &complaints)
    };
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

/// The pack's models alone on the normalised texts (`--toggle-collect='*profile_classify*models*'`):
/// what scoring costs a verdict.
#[inline(never)]
fn models(engine: &wendu::Engine, texts: &[String]) -> usize {
    let mut out = Vec::new();
    let mut seen: Vec<wendu::model::Seen> =
        engine.models().iter().map(|_| Default::default()).collect();
    let mut n = 0;
    for t in texts {
        for (m, seen) in engine.models().iter().zip(&mut seen) {
            m.score_with(t, seen, &mut out);
            n += out.iter().filter(|&&p| p >= 0.5).count();
        }
    }
    n
}

/// Verdicts for every complaint (`--toggle-collect='*profile_classify*verdicts*'`).
#[inline(never)]
fn verdicts(engine: &wendu::Engine, complaints: &[wendu::Complaint]) -> usize {
    complaints
        .iter()
        .filter_map(|c| engine.verdict(c).ok())
        .map(|v| v.labels.0.iter().map(|(_, l)| l.len()).sum::<usize>())
        .sum()
}

/// Explained decisions for every complaint (`--toggle-collect='*profile_classify*decisions*'`).
#[inline(never)]
fn decisions(engine: &wendu::Engine, complaints: &[wendu::Complaint]) -> usize {
    complaints
        .iter()
        .filter_map(|c| engine.classify(c).ok())
        .map(|d| d.labels.0.iter().map(|(_, l)| l.len()).sum::<usize>())
        .sum()
}
