//! The readable form of `wendu learn`'s report: the data read, the model, the timings and
//! calibration, each variant's cross-validated scores per class, the engine check, the proposed
//! `needs_review` thresholds and the rules written.

use serde_json::Value;
use std::io::Write;

pub(super) fn print_report(r: &Value) {
    let s = |v: &Value| v.as_str().unwrap_or("").to_string();
    let f = |v: &Value| v.as_f64().unwrap_or(0.0);
    let out = std::io::stdout();
    let mut w = out.lock();
    let _ = writeln!(
        w,
        "data: {} ({} rows, {} labelled, {} unreadable)",
        s(&r["data"]),
        r["rows"],
        r["labelled"],
        r["unreadable"]
    );
    if r["rejected_by_pack"].as_u64().unwrap_or(0) > 0 {
        let _ = writeln!(
            w,
            "{} rows the pack rejects (e.g. over its text limit): no rule fires for them; the model learns from them",
            r["rejected_by_pack"]
        );
    }
    if r["unmapped"].as_array().is_some_and(|a| !a.is_empty()) {
        let _ = writeln!(
            w,
            "gold labels not in the map (treated as none of the labels): {}",
            r["unmapped"]
        );
    }
    let m = &r["model"];
    let _ = writeln!(
        w,
        "model `{}` for dimension `{}`: {} labels {}{}, {} of {} n-grams ({}), {} bytes in the pack, {} gzipped",
        s(&m["id"]), s(&r["dimension"]), r["labels"].as_array().map_or(0, Vec::len), r["labels"],
        if r["rest_class"].as_bool() == Some(true) { " + none-of-these" } else { "" },
        m["features"], m["distinct_ngrams"], s(&m["ngrams"]), m["json_bytes"], m["gzip_bytes"]
    );
    let secs = &r["seconds"];
    let _ = writeln!(
        w,
        "time: one fit {:.2}s, {}-fold cross-validation (with inner calibration folds) and final model {:.1}s, total {:.1}s; scoring {:.1} µs per text",
        f(&secs["one_fit"]), r["cv"]["folds"], f(&secs["cross_validation_and_final"]), f(&secs["total"]), f(&r["scoring_us_per_text"])
    );
    let _ = writeln!(
        w,
        "calibration on held-back folds: ECE top label {:.3}, all labels {:.3}; log loss {:.3}",
        f(&r["cv"]["ece_top"]),
        f(&r["cv"]["ece_all"]),
        f(&r["cv"]["log_loss"])
    );
    let _ = writeln!(w);
    let _ = writeln!(w, "cross-validated on complaints not trained on (each number from models and choices that did not see the complaint):");
    for v in r["variants"].as_array().map(Vec::as_slice).unwrap_or(&[]) {
        let _ = writeln!(w, "  macro-F1 {:.3}  {}", f(&v["macro_f1"]), s(&v["name"]));
        let cells: Vec<String> = v["classes"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or(&[])
            .iter()
            .map(|c| {
                format!(
                    "{} P{:.2} R{:.2} F{:.3}",
                    s(&c["class"]),
                    f(&c["precision"]),
                    f(&c["recall"]),
                    f(&c["f1"])
                )
            })
            .collect();
        let _ = writeln!(w, "      {}", cells.join(" · "));
    }
    let chk = &r["engine_check"];
    if let Some(why) = chk["skipped"].as_str() {
        let _ = writeln!(w, "engine check skipped: {why}");
    } else if chk["compared"].as_u64().unwrap_or(0) > 0 {
        let _ = writeln!(w, "engine check: today's engine on the shadow pack agrees with the simulation on {} of {} complaints", chk["compared"].as_u64().unwrap_or(0) - chk["different"].as_u64().unwrap_or(0), chk["compared"]);
    }
    if let Some(rv) = r["review"].as_array().filter(|a| !a.is_empty()) {
        let _ = writeln!(w, "needs_review (top confidence below t, or only the fallback): share flagged, and how often the top label is right among flagged / others");
        for x in rv {
            let _ = writeln!(
                w,
                "  t {:.1}: {:>5.1}% flagged, right {:.3} flagged / {:.3} others",
                f(&x["below"]),
                100.0 * f(&x["share"]),
                f(&x["top_right_flagged"]),
                f(&x["top_right_others"])
            );
        }
    }
    let _ = writeln!(w, "rules written: {}", r["plan"]);
    if let Some(o) = r["output"].as_str() {
        let _ = writeln!(w, "wrote {o}");
    }
}
