//! Temporary A/B: wall clock of the bare scan and of verdicts with the aho-corasick DFA against
//! wendu's own matcher, interleaved (one pass of each per round), medians of the rounds.
use std::time::Instant;
fn main() {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "../shared/data/cn-complaints/complaints.csv".into());
    let raw = std::fs::read_to_string(&path).expect("corpus");
    let complaints: Vec<wendu::Complaint> = raw
        .lines()
        .skip(1)
        .filter(|l| l.len() > 20)
        .map(wendu::Complaint::from_text)
        .collect();
    std::env::set_var("WENDU_AC", "crate");
    let dfa = wendu::Engine::default_pack().unwrap();
    std::env::set_var("WENDU_AC", "own");
    let own = wendu::Engine::default_pack().unwrap();
    let mut t = [Vec::new(), Vec::new(), Vec::new(), Vec::new()];
    for _ in 0..9 {
        for (k, e) in [(0, &dfa), (1, &own)] {
            let s = Instant::now();
            let n: usize = complaints.iter().map(|c| e.bare_scan(&c.text)).sum();
            t[k].push(s.elapsed().as_secs_f64());
            std::hint::black_box(n);
            let s = Instant::now();
            let n: usize = complaints
                .iter()
                .filter_map(|c| e.verdict(c).ok())
                .map(|v| v.labels.0.len())
                .sum();
            t[k + 2].push(s.elapsed().as_secs_f64());
            std::hint::black_box(n);
        }
    }
    for v in t.iter_mut() {
        v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    }
    let rate = |v: &Vec<f64>| complaints.len() as f64 / v[v.len() / 2];
    println!(
        "bare scan: dfa {:.0}/s, own {:.0}/s; verdicts: dfa {:.0}/s, own {:.0}/s",
        rate(&t[0]),
        rate(&t[1]),
        rate(&t[2]),
        rate(&t[3])
    );
}
