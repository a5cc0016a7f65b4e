fn main() {
    use regex_automata::dfa::{dense, regex::Regex, Automaton};
    use regex_automata::Input;
    let raw = std::fs::read_to_string("../shared/data/cn-complaints/complaints.csv").unwrap();
    let texts: Vec<&str> = raw.lines().skip(1).filter(|l| l.len() > 20).collect();
    for s in [
        "(6[5-9]|[7-9][0-9]|1[0-9]{2})(周)?岁",
        "(?:^|[^0-9])95[0-9]{3}(?:[^0-9]|$)",
    ] {
        let meta = regex::Regex::new(s).unwrap();
        let dense_re = Regex::builder()
            .dense(dense::Config::new().dfa_size_limit(Some(1 << 22)))
            .build(s)
            .unwrap();
        let sparse_re = Regex::builder().build_sparse(s).unwrap();
        println!(
            "{s}: dense fwd {} rev {}, sparse fwd {} rev {}",
            dense_re.forward().to_bytes_little_endian().0.len(),
            dense_re.reverse().to_bytes_little_endian().0.len(),
            sparse_re.forward().to_bytes_little_endian().len(),
            sparse_re.reverse().to_bytes_little_endian().len()
        );
        for _ in 0..3 {
            let t = std::time::Instant::now();
            let a = texts.iter().filter(|x| meta.is_match(x)).count();
            let tm = t.elapsed();
            let t = std::time::Instant::now();
            let b = texts
                .iter()
                .filter(|x| {
                    dense_re
                        .forward()
                        .try_search_fwd(&Input::new(**x).earliest(true))
                        .unwrap()
                        .is_some()
                })
                .count();
            let td = t.elapsed();
            let t = std::time::Instant::now();
            let c = texts
                .iter()
                .filter(|x| {
                    sparse_re
                        .forward()
                        .try_search_fwd(&Input::new(**x).earliest(true))
                        .unwrap()
                        .is_some()
                })
                .count();
            let ts = t.elapsed();
            println!("  matches {a} {b} {c}: meta {tm:?} dense {td:?} sparse {ts:?}");
        }
    }
}
