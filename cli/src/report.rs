//! `wendu report FILE`: the complaint-analysis view of a batch — counts per label of each
//! dimension, severity levels, the most frequent evidence terms per reason, and routes — as a
//! table for people or as JSON for dashboards.

use serde_json::json;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::ExitCode;
use wendu::Engine;
use wendu_cli::corpus;

fn sorted(m: &BTreeMap<String, usize>) -> Vec<(String, usize)> {
    let mut v: Vec<(String, usize)> = m.iter().map(|(k, v)| (k.clone(), *v)).collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    v
}

/// Run the report.
pub fn run(engine: &Engine, file: &Path, as_json: bool) -> Result<ExitCode, String> {
    let rows = corpus::read(file)?;
    let mut dims: Vec<(String, BTreeMap<String, usize>)> = engine
        .describe()
        .dimensions
        .iter()
        .map(|d| (d.id.clone(), BTreeMap::new()))
        .collect();
    let mut levels: BTreeMap<String, usize> = BTreeMap::new();
    let mut routes: BTreeMap<String, usize> = BTreeMap::new();
    let mut factors: BTreeMap<String, usize> = BTreeMap::new();
    let mut terms: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    let (mut total, mut errors) = (0usize, 0usize);
    let mut bad_lines: Vec<usize> = Vec::new();
    for row in rows {
        let line = row.line;
        let d = match row
            .json
            .map_err(|e| e.to_string())
            .and_then(|j| engine.classify_value(j).map_err(|e| e.message()))
        {
            Ok(d) => d,
            Err(_) => {
                errors += 1;
                bad_lines.push(line);
                continue;
            }
        };
        total += 1;
        for (dim, labels) in &d.labels.0 {
            let Some((_, counts)) = dims.iter_mut().find(|(id, _)| id == dim) else {
                continue;
            };
            for l in labels {
                *counts.entry(format!("{} {}", l.code, l.name)).or_default() += 1;
                if dim == "reason" {
                    let t = terms.entry(format!("{} {}", l.code, l.name)).or_default();
                    for r in &l.rules {
                        for e in &r.evidence {
                            if let Some(term) = &e.term {
                                *t.entry(term.to_string()).or_default() += 1;
                            }
                        }
                    }
                }
            }
        }
        if let Some(s) = &d.severity {
            *levels.entry(format!("{} {}", s.level, s.name)).or_default() += 1;
            for f in &s.factors {
                *factors.entry(format!("{} {}", f.id, f.name)).or_default() += 1;
            }
        }
        *routes
            .entry(
                d.route
                    .as_ref()
                    .map_or("(none)".into(), |r| r.department.clone()),
            )
            .or_default() += 1;
    }
    if as_json {
        let to_obj = |m: &BTreeMap<String, usize>| -> serde_json::Value {
            sorted(m)
                .into_iter()
                .map(|(k, v)| json!({"label": k, "count": v}))
                .collect()
        };
        let out = json!({
            "complaints": total, "errors": errors, "unreadable_lines": bad_lines, "pack": engine.info(),
            "dimensions": dims.iter().map(|(d, m)| json!({"dimension": d, "labels": to_obj(m)})).collect::<Vec<_>>(),
            "levels": to_obj(&levels), "factors": to_obj(&factors), "routes": to_obj(&routes),
            "top_terms_by_reason": terms.iter().map(|(r, m)| json!({"reason": r, "terms": sorted(m).into_iter().take(10).map(|(t, c)| json!({"term": t, "count": c})).collect::<Vec<_>>()})).collect::<Vec<_>>(),
        });
        println!("{out}");
        return Ok(ExitCode::SUCCESS);
    }
    let pct = |n: usize| 100.0 * n as f64 / total.max(1) as f64;
    println!(
        "{total} complaints ({errors} unreadable), pack {} {}",
        engine.info().id,
        engine.info().version
    );
    for (dim, counts) in &dims {
        println!("\n{dim}");
        for (k, v) in sorted(counts) {
            println!("  {:<28} {:>6} {:>6.1}%", k, v, pct(v));
        }
    }
    println!("\nseverity");
    for (k, v) in sorted(&levels) {
        println!("  {:<28} {:>6} {:>6.1}%", k, v, pct(v));
    }
    println!("\nseverity factors");
    for (k, v) in sorted(&factors) {
        println!("  {:<28} {:>6} {:>6.1}%", k, v, pct(v));
    }
    println!("\nroutes");
    for (k, v) in sorted(&routes) {
        println!("  {:<28} {:>6} {:>6.1}%", k, v, pct(v));
    }
    println!("\nmost frequent evidence terms per reason");
    for (r, m) in &terms {
        let top: Vec<String> = sorted(m)
            .into_iter()
            .take(8)
            .map(|(t, c)| format!("{t}×{c}"))
            .collect();
        println!("  {r}: {}", top.join(", "));
    }
    Ok(ExitCode::SUCCESS)
}
