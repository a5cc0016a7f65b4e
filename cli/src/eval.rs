//! `wendu eval`: the reason dimension against the silver labels of the shared Chinese complaints
//! (precision, recall, F1 per class, macro-F1, coverage, business share), plus two reading aids:
//! the same scores for the top-ranked reason alone, and a confusion table. Reads ../shared/data
//! when present and says so when it is absent; the data never enters the repository.

use serde_json::json;
use std::path::Path;
use std::process::ExitCode;
use wendu::Engine;
use wendu_cli::corpus;

/// Silver class → name of the JR/T reason label it corresponds to.
const MAPPING: &[(&str, &str)] = &[
    ("催收行为类", "债务催收方式和手段"),
    ("营销宣传类", "营销方式和手段"),
    ("定价收费类", "定价收费"),
    ("客户服务类", "服务态度及服务质量"),
    ("合同条款类", "合同条款"),
];

/// Run the evaluation.
pub fn run(engine: &Engine, data: Option<&Path>, as_json: bool) -> Result<ExitCode, String> {
    let path = match data {
        Some(p) => p.to_path_buf(),
        None => match corpus::shared_data("cn-complaints/complaints.csv") {
            Some(p) => p,
            None => {
                println!("../shared/data/cn-complaints/complaints.csv is absent: nothing to evaluate (pass --data FILE)");
                return Ok(ExitCode::SUCCESS);
            }
        },
    };
    let rows = corpus::read(&path)?;
    let described = engine.describe();
    let reason = described
        .dimension("reason")
        .ok_or("the pack has no `reason` dimension")?;
    let code_of = |name: &str| {
        reason
            .labels
            .iter()
            .find(|l| l.name == name)
            .map(|l| l.code.clone())
    };
    let classes: Vec<(&str, &str, String)> = MAPPING
        .iter()
        .filter_map(|(silver, name)| code_of(name).map(|c| (*silver, *name, c)))
        .collect();
    let reason_fallback = reason.fallback.clone();
    let business_fallback = described
        .dimension("business")
        .and_then(|d| d.fallback.clone());
    let (mut total, mut covered, mut with_business, mut labelled) =
        (0usize, 0usize, 0usize, 0usize);
    let codes: Vec<&str> = classes.iter().map(|c| c.2.as_str()).collect();
    let silvers: Vec<&str> = classes.iter().map(|c| c.0).collect();
    let mut tally = Tally::new(classes.len());
    for row in rows {
        let Ok(j) = row.json else { continue };
        let Ok(d) = engine.classify_value(j) else {
            continue;
        };
        total += 1;
        let reasons: Vec<&str> = d
            .labels
            .get("reason")
            .unwrap_or(&[])
            .iter()
            .map(|l| l.code.as_str())
            .collect();
        if reasons
            .iter()
            .any(|c| Some(*c) != reason_fallback.as_deref())
        {
            covered += 1;
        }
        if d.labels
            .get("business")
            .unwrap_or(&[])
            .iter()
            .any(|l| Some(l.code.as_str()) != business_fallback.as_deref())
        {
            with_business += 1;
        }
        let Some(gold) = row.label.filter(|l| !l.is_empty()) else {
            continue;
        };
        labelled += 1;
        tally.add(&gold, &reasons, &silvers, &codes);
    }
    let mut per_class = Vec::new();
    let mut top_per_class = Vec::new();
    for (i, (silver, name, code)) in classes.iter().enumerate() {
        let (p, r, f1) = prf(tally.all[i]);
        per_class.push(json!({"silver": silver, "label": name, "code": code, "precision": p, "recall": r, "f1": f1, "support": tally.all[i].0 + tally.all[i].2}));
        let (p, r, f1) = prf(tally.top[i]);
        top_per_class.push(json!({"code": code, "precision": p, "recall": r, "f1": f1}));
    }
    let macro_f1 = macro_of(&tally.all);
    let top_macro_f1 = macro_of(&tally.top);
    let mut rows: Vec<&str> = silvers.clone();
    rows.push(OTHER_ROW);
    let confusion: Vec<serde_json::Value> = rows
        .iter()
        .zip(&tally.confusion)
        .map(|(silver, counts)| {
            let mut m = serde_json::Map::new();
            m.insert("silver".into(), json!(silver));
            for (code, n) in codes.iter().chain(std::iter::once(&NONE_COL)).zip(counts) {
                m.insert((*code).to_string(), json!(n));
            }
            serde_json::Value::Object(m)
        })
        .collect();
    let coverage = covered as f64 / total.max(1) as f64;
    let business = with_business as f64 / total.max(1) as f64;
    if as_json {
        let out = json!({"data": path.display().to_string(), "pack": engine.info(), "complaints": total, "labelled": labelled,
            "classes": per_class, "macro_f1": macro_f1, "coverage": coverage, "business_share": business,
            "top_ranked": {"classes": top_per_class, "macro_f1": top_macro_f1}, "confusion": confusion});
        println!("{out}");
    } else {
        println!(
            "data: {} ({total} complaints, {labelled} with a silver label)",
            path.display()
        );
        println!(
            "pack: {} {} {}",
            engine.info().id,
            engine.info().version,
            engine.info().hash
        );
        println!(
            "{:<12} {:<20} {:>9} {:>7} {:>6} {:>8}",
            "silver", "reason label", "precision", "recall", "F1", "support"
        );
        for c in &per_class {
            println!(
                "{:<12} {:<20} {:>9.3} {:>7.3} {:>6.3} {:>8}",
                c["silver"].as_str().unwrap_or(""),
                format!(
                    "{} {}",
                    c["code"].as_str().unwrap_or(""),
                    c["label"].as_str().unwrap_or("")
                ),
                c["precision"].as_f64().unwrap_or(0.0),
                c["recall"].as_f64().unwrap_or(0.0),
                c["f1"].as_f64().unwrap_or(0.0),
                c["support"]
            );
        }
        println!("macro-F1 {macro_f1:.3}   coverage (any reason but fallback) {:.1}%   any business label {:.1}%", coverage * 100.0, business * 100.0);
        println!();
        println!(
            "secondary view, not the headline: only the top-ranked reason of each complaint counts"
        );
        let cells: Vec<String> = top_per_class
            .iter()
            .map(|c| {
                format!(
                    "{} {:.3}",
                    c["code"].as_str().unwrap_or(""),
                    c["f1"].as_f64().unwrap_or(0.0)
                )
            })
            .collect();
        println!("  F1 {}   macro-F1 {top_macro_f1:.3}", cells.join("  "));
        println!();
        println!("confusion: silver class (rows) × mapped reason labels given (a complaint counts once per label; {NONE_COL}: none of them)");
        print!("{:<12}", "");
        for code in codes.iter().chain(std::iter::once(&NONE_COL)) {
            print!(" {code:>6}");
        }
        println!();
        for (silver, counts) in rows.iter().zip(&tally.confusion) {
            print!("{silver:<12}");
            for n in counts {
                print!(" {n:>6}");
            }
            println!();
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Confusion row for silver labels outside the mapping (其他类); column for "no mapped label".
const OTHER_ROW: &str = "other";
const NONE_COL: &str = "none";

/// Counts over the labelled complaints: per class (tp, fp, fn) for all reason labels and for the
/// top-ranked one alone, and the confusion table (rows: mapped silver classes then `OTHER_ROW`;
/// columns: mapped codes then `NONE_COL`).
struct Tally {
    all: Vec<(usize, usize, usize)>,
    top: Vec<(usize, usize, usize)>,
    confusion: Vec<Vec<usize>>,
}

impl Tally {
    fn new(n: usize) -> Tally {
        Tally {
            all: vec![(0, 0, 0); n],
            top: vec![(0, 0, 0); n],
            confusion: vec![vec![0; n + 1]; n + 1],
        }
    }

    /// One complaint: its silver label and its reason codes, best first.
    fn add(&mut self, gold: &str, reasons: &[&str], silvers: &[&str], codes: &[&str]) {
        let row = silvers
            .iter()
            .position(|s| *s == gold)
            .unwrap_or(silvers.len());
        let mut any = false;
        for (i, code) in codes.iter().enumerate() {
            let is = gold == silvers[i];
            let predicted = reasons.contains(code);
            count(&mut self.all[i], is, predicted);
            count(&mut self.top[i], is, reasons.first() == Some(code));
            if predicted {
                self.confusion[row][i] += 1;
                any = true;
            }
        }
        if !any {
            self.confusion[row][codes.len()] += 1;
        }
    }
}

fn count(c: &mut (usize, usize, usize), is: bool, predicted: bool) {
    match (is, predicted) {
        (true, true) => c.0 += 1,
        (false, true) => c.1 += 1,
        (true, false) => c.2 += 1,
        _ => {}
    }
}

/// Precision, recall and F1 from (tp, fp, fn); 0 where undefined.
fn prf((tp, fp, fn_): (usize, usize, usize)) -> (f64, f64, f64) {
    let ratio = |a: usize, b: usize| if b > 0 { a as f64 / b as f64 } else { 0.0 };
    let (p, r) = (ratio(tp, tp + fp), ratio(tp, tp + fn_));
    let f1 = if p + r > 0.0 {
        2.0 * p * r / (p + r)
    } else {
        0.0
    };
    (p, r, f1)
}

fn macro_of(counts: &[(usize, usize, usize)]) -> f64 {
    if counts.is_empty() {
        return 0.0;
    }
    counts.iter().map(|c| prf(*c).2).sum::<f64>() / counts.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    const SILVERS: [&str; 2] = ["催收行为类", "合同条款类"];
    const CODES: [&str; 2] = ["C12", "C09"];

    #[test]
    fn all_labels_count_and_the_top_one_alone_counts_separately() {
        let mut t = Tally::new(2);
        // A collection complaint labelled C12 and C09: a hit for C12, a false positive for C09.
        t.add("催收行为类", &["C12", "C09"], &SILVERS, &CODES);
        // A contract complaint whose top label is C03 and second C09: a hit only in the full view.
        t.add("合同条款类", &["C03", "C09"], &SILVERS, &CODES);
        // An unmapped silver class given nothing mapped.
        t.add("其他类", &["C99"], &SILVERS, &CODES);
        assert_eq!(t.all, vec![(1, 0, 0), (1, 1, 0)]);
        assert_eq!(t.top, vec![(1, 0, 0), (0, 0, 1)]);
        assert_eq!(
            t.confusion,
            vec![vec![1, 1, 0], vec![0, 1, 0], vec![0, 0, 1]]
        );
        let (p, r, f1) = prf(t.all[1]);
        assert_eq!((p, r), (0.5, 1.0));
        assert!((f1 - 2.0 / 3.0).abs() < 1e-12);
        assert!((macro_of(&t.all) - (1.0 + 2.0 / 3.0) / 2.0).abs() < 1e-12);
        assert_eq!(macro_of(&t.top), 0.5);
    }

    #[test]
    fn undefined_scores_are_zero() {
        assert_eq!(prf((0, 0, 0)), (0.0, 0.0, 0.0));
        assert_eq!(macro_of(&[]), 0.0);
    }
}
