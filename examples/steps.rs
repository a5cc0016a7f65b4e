use std::time::Instant;
use wendu::text::{NormalizeOptions, Normalized};
fn main() {
    let path = std::env::args().nth(1).unwrap();
    let mut rdr = std::fs::read_to_string(&path).unwrap();
    let texts: Vec<String> = rdr
        .split('\n')
        .filter(|l| l.len() > 20)
        .map(|s| s.to_string())
        .take(6000)
        .collect();
    rdr.clear();
    let opts = NormalizeOptions::CHINESE;
    let e = wendu::Engine::default_pack().unwrap();
    let norms: Vec<String> = texts
        .iter()
        .map(|t| Normalized::new(&[t], &opts).text)
        .collect();
    let n = texts.len() as f64;
    for round in 0..2 {
        let t = Instant::now();
        let mut k = 0;
        for x in &texts {
            k += Normalized::new(&[x], &opts).text.len();
        }
        let a = t.elapsed().as_secs_f64() * 1e6 / n;
        let t = Instant::now();
        for x in &norms {
            k += wendu::extract::pii::find_personal_data(x).len();
        }
        let b = t.elapsed().as_secs_f64() * 1e6 / n;
        let t = Instant::now();
        for x in &norms {
            k += wendu::extract::amount::find_amounts(x).len();
        }
        let c = t.elapsed().as_secs_f64() * 1e6 / n;
        let t = Instant::now();
        for x in &norms {
            k += wendu::scan::scan(e.compiled(), x).hits.len();
        }
        let d = t.elapsed().as_secs_f64() * 1e6 / n;
        let cs: Vec<wendu::Complaint> = texts
            .iter()
            .map(|t| wendu::Complaint::from_text(t.clone()))
            .collect();
        let t = Instant::now();
        for x in &cs {
            k += e.classify(x).unwrap().amounts.len();
        }
        let f = t.elapsed().as_secs_f64() * 1e6 / n;
        println!("round {round}: normalize {a:.2} pii {b:.2} amount {c:.2} scan {d:.2} classify {f:.2} µs [{k}]");
    }
}
