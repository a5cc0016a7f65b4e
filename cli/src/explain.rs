//! Human-readable views of a decision: `wendu explain` (labels, highlighted evidence, severity
//! factors and points) and the one-line table row of `wendu classify --format table`.

use std::process::ExitCode;
use wendu::decision::Evidence;
use wendu::Decision;
use wendu::Engine;
use wendu_cli::show::highlight;

/// One line per complaint: id, top label per dimension, level, route.
pub fn table_row(d: &Decision) -> String {
    let mut cols = vec![d.id.clone().unwrap_or_else(|| "-".into())];
    for (dim, labels) in &d.labels.0 {
        let names: Vec<String> = labels.iter().map(|l| l.name.clone()).collect();
        cols.push(format!(
            "{dim}={}",
            if names.is_empty() {
                "-".into()
            } else {
                names.join("+")
            }
        ));
    }
    if let Some(s) = &d.severity {
        cols.push(format!("{}({})", s.name, s.points));
    }
    if let Some(r) = &d.route {
        cols.push(format!("→{}", r.department));
    }
    cols.join("\t")
}

fn describe(e: &Evidence) -> String {
    match e.kind {
        "field" => format!(
            "{} = {}",
            e.path.as_deref().unwrap_or(""),
            e.value.as_ref().map(|v| v.to_string()).unwrap_or_default()
        ),
        "label" => format!(
            "label {}:{}",
            e.dimension.as_deref().unwrap_or(""),
            e.code.as_deref().unwrap_or("")
        ),
        "model" => {
            let span = e
                .span
                .map(|s| format!("{}..{}", s[0], s[1]))
                .unwrap_or_default();
            format!(
                "model {} n-gram \"{}\" at {span}",
                e.model.as_deref().unwrap_or(""),
                e.text.as_deref().unwrap_or("")
            )
        }
        _ => {
            let span = e
                .span
                .map(|s| format!("{}..{}", s[0], s[1]))
                .unwrap_or_default();
            match &e.term {
                Some(t) if Some(&**t) != e.text.as_deref() => {
                    format!(
                        "\"{}\" (term {t}) at {span}",
                        e.text.as_deref().unwrap_or("")
                    )
                }
                _ => format!("\"{}\" at {span}", e.text.as_deref().unwrap_or("")),
            }
        }
    }
}

/// `wendu explain`.
pub fn explain(engine: &Engine, input: &str, color: bool) -> Result<ExitCode, String> {
    let d = if input.trim_start().starts_with('{') {
        engine.classify_json(input)
    } else {
        engine.classify(&wendu::Complaint::from_text(input))
    }
    .map_err(|e| e.message())?;
    let info = engine.info();
    println!("pack {} {} ({})", info.id, info.version, info.hash);
    let spans: Vec<[usize; 2]> = d
        .labels
        .0
        .iter()
        .flat_map(|(_, ls)| ls.iter())
        .flat_map(|l| l.rules.iter())
        .flat_map(|r| r.evidence.iter())
        .chain(
            d.severity
                .iter()
                .flat_map(|s| s.factors.iter())
                .flat_map(|f| f.evidence.iter()),
        )
        .filter(|e| e.field == Some("text"))
        .filter_map(|e| e.span)
        .collect();
    println!(
        "\n  {}\n",
        highlight(&d.masked_text, spans.iter().map(|s| (s[0], s[1])), color)
    );
    let described = engine.describe();
    for (dim, labels) in &d.labels.0 {
        let dim_name = described
            .dimension(dim)
            .map_or(dim.as_str(), |x| x.name.as_str());
        println!("{dim_name} ({dim})");
        if labels.is_empty() {
            println!("  (none)");
        }
        for l in labels {
            let fb = if l.fallback {
                "  (fallback: no rule fired)"
            } else {
                ""
            };
            println!(
                "  {} {}  confidence {:.2}{fb}",
                l.code, l.name, l.confidence.0
            );
            for r in &l.rules {
                // Rule evidence first, then what a learned model read (a different kind of "why").
                let (learned, words): (Vec<&Evidence>, Vec<&Evidence>) =
                    r.evidence.iter().partition(|e| e.kind == "model");
                let head = format!(
                    "      rule {} (weight {}):",
                    r.id,
                    serde_json::to_string(&r.weight).unwrap_or_default()
                );
                let ev: Vec<String> = words.into_iter().map(describe).collect();
                let model: Vec<String> = learned.into_iter().map(describe).collect();
                match (ev.is_empty(), model.is_empty()) {
                    (_, true) => println!("{head} {}", ev.join("; ")),
                    (true, false) => println!("{head} learned: {}", model.join("; ")),
                    (false, false) => {
                        println!("{head} {}", ev.join("; "));
                        println!("        learned: {}", model.join("; "));
                    }
                }
            }
            // A review pack's suggested fix, a complaint pack's handling step.
            if let Some(a) = &l.advice {
                println!("      advice: {a}");
            }
        }
    }
    if !d.needs_review.is_empty() {
        println!(
            "needs review (a person should look): {}",
            d.needs_review.join(", ")
        );
    }
    if let Some(s) = &d.severity {
        println!(
            "severity: {} {} — {} points{}{}{}",
            s.level,
            s.name,
            s.points,
            // Levels without a deadline (a review pack's 通过/不通过) print none.
            s.deadline_hours
                .map_or(String::new(), |h| format!(", deadline {h} h")),
            s.deadline
                .as_ref()
                .map(|t| format!(" ({t})"))
                .unwrap_or_default(),
            s.escalate_to
                .as_ref()
                .map(|t| format!(", escalate to {t}"))
                .unwrap_or_default()
        );
        for f in &s.factors {
            let ev: Vec<String> = f.evidence.iter().map(describe).collect();
            println!(
                "  +{:<4} {} ({}): {}",
                f.points,
                f.name,
                f.id,
                ev.join("; ")
            );
        }
    }
    if let Some(r) = &d.route {
        let by = match (&r.dimension, &r.code) {
            (Some(dim), Some(code)) => format!(" (from {dim}:{code})"),
            _ => " (pack default)".into(),
        };
        println!(
            "route: {}{}{by}",
            r.department,
            r.queue
                .as_ref()
                .map(|q| format!(" / {q}"))
                .unwrap_or_default()
        );
    }
    for a in &d.amounts {
        println!(
            "amount: {} {} \"{}\" at {}..{}",
            a.value.0, a.currency, a.text, a.span[0], a.span[1]
        );
    }
    for p in &d.personal_data {
        println!(
            "personal data: {} at {}..{} (masked)",
            p.kind, p.span[0], p.span[1]
        );
    }
    for n in &d.negated {
        println!(
            "negated: {} after \"{}\" at {}..{} (does not count)",
            n.term, n.cue, n.span[0], n.span[1]
        );
    }
    for w in &d.warnings {
        println!("warning: {w}");
    }
    Ok(ExitCode::SUCCESS)
}
