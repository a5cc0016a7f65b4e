//! `wendu eval`: the reason dimension against the silver labels of the shared Chinese complaints
//! (precision, recall, F1 per class, macro-F1, coverage, business share). Reads ../shared/data
//! when present and says so when it is absent; the data never enters the repository.

use crate::corpus;
use serde_json::json;
use std::path::Path;
use std::process::ExitCode;
use wendu::Engine;

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
    let reason = engine
        .compiled()
        .dimensions
        .iter()
        .find(|d| d.id == "reason")
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
    let reason_fallback = reason
        .fallback
        .and_then(|i| reason.labels.get(i))
        .map(|l| l.code.clone());
    let business_fallback = engine
        .compiled()
        .dimensions
        .iter()
        .find(|d| d.id == "business")
        .and_then(|d| d.fallback.and_then(|i| d.labels.get(i)))
        .map(|l| l.code.clone());
    let (mut total, mut covered, mut with_business, mut labelled) =
        (0usize, 0usize, 0usize, 0usize);
    let mut counts = vec![(0usize, 0usize, 0usize); classes.len()]; // tp, fp, fn
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
        for (i, (silver, _, code)) in classes.iter().enumerate() {
            let predicted = reasons.contains(&code.as_str());
            let is = gold == *silver;
            let c = &mut counts[i];
            match (is, predicted) {
                (true, true) => c.0 += 1,
                (false, true) => c.1 += 1,
                (true, false) => c.2 += 1,
                _ => {}
            }
        }
    }
    let mut per_class = Vec::new();
    let mut f1_sum = 0.0;
    for ((silver, name, code), (tp, fp, fn_)) in classes.iter().zip(&counts) {
        let p = if tp + fp > 0 {
            *tp as f64 / (tp + fp) as f64
        } else {
            0.0
        };
        let r = if tp + fn_ > 0 {
            *tp as f64 / (tp + fn_) as f64
        } else {
            0.0
        };
        let f1 = if p + r > 0.0 {
            2.0 * p * r / (p + r)
        } else {
            0.0
        };
        f1_sum += f1;
        per_class.push(json!({"silver": silver, "label": name, "code": code, "precision": p, "recall": r, "f1": f1, "support": tp + fn_}));
    }
    let macro_f1 = if classes.is_empty() {
        0.0
    } else {
        f1_sum / classes.len() as f64
    };
    let coverage = covered as f64 / total.max(1) as f64;
    let business = with_business as f64 / total.max(1) as f64;
    if as_json {
        let out = json!({"data": path.display().to_string(), "pack": engine.info(), "complaints": total, "labelled": labelled,
            "classes": per_class, "macro_f1": macro_f1, "coverage": coverage, "business_share": business});
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
    }
    Ok(ExitCode::SUCCESS)
}
