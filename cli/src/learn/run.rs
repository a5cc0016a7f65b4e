//! `wendu learn` from start to end: read the pack and the labelled rows, train the model and
//! cross-validate it, score the rules alone, the model alone and both together (the choice of
//! rules nested in the cross-validation), check the simulation against today's engine, write
//! the pack and build the report.

use super::args::{parse_ngrams, Options};
use super::pack::{ensure_dimension, insert_model, remove_model};
use super::report::print_report;
use super::search::{LabelPlan, Search};
use crate::combine::{self, DimSim, SimRule, Weight};
use crate::labelled::LabelMap;
use serde_json::{json, Value};
use std::io::Write;
use std::process::ExitCode;
use std::time::Instant;
use wendu::model::metrics::{ece, macro_f1, Counts};
use wendu::model::train::{self, Config, Corpus, Example};
use wendu::model::Model;
use wendu::normalize_str;

/// One labelled row, ready.
struct Item {
    text: String,
    normalized: String,
    gold: String,
    /// Model class: label index, or None for the rest class.
    class: Option<usize>,
    key: u64,
}

/// Run the command.
pub fn run(o: &Options) -> Result<ExitCode, String> {
    let started = Instant::now();
    // A file, or a built-in pack's id (as every command's `--pack` takes).
    let pack_text = wendu_cli::pack_text(&o.pack)?;
    let mut pack: Value =
        serde_json::from_str(&pack_text).map_err(|e| format!("{}: {e}", o.pack.display()))?;
    let model_id = o.model_id.clone().unwrap_or_else(|| o.dimension.clone());
    remove_model(&mut pack, &model_id);
    let data = crate::labelled::read(&o.data, &o.text, &o.label)?;
    let labelled: Vec<&crate::labelled::Row> =
        data.rows.iter().filter(|r| r.label.is_some()).collect();
    let map = match &o.map {
        Some(p) => LabelMap::load(p)?,
        None => LabelMap::identity(labelled.iter().filter_map(|r| r.label.as_deref())),
    };
    // The model's labels: the first code of each mapped gold label, in map order.
    let mut codes: Vec<String> = Vec::new();
    for (_, cs) in &map.entries {
        if let Some(c) = cs.first() {
            if !codes.contains(c) {
                codes.push(c.clone());
            }
        }
    }
    let new_dimension = ensure_dimension(&mut pack, &o.dimension, &map, &codes)?;
    let prepared = combine::prepare(&pack, &o.dimension)?;
    for c in &codes {
        if !prepared.dim.codes.contains(c) {
            return Err(format!(
                "label map names `{c}`, which is not a label of dimension `{}` (codes: {})",
                o.dimension,
                prepared.dim.codes.join(", ")
            ));
        }
    }
    let mut unmapped: Vec<String> = Vec::new();
    let mut items = Vec::with_capacity(labelled.len());
    for r in &labelled {
        let gold = r.label.clone().unwrap_or_default();
        let class = match map.codes(&gold) {
            Some(cs) => cs.first().and_then(|c| codes.iter().position(|x| x == c)),
            None => {
                if !unmapped.contains(&gold) {
                    unmapped.push(gold.clone());
                }
                None
            }
        };
        items.push(Item {
            normalized: normalize_str(&r.text, &prepared.normalize),
            text: r.text.clone(),
            gold,
            class,
            key: train::row_key(&r.text, o.seed),
        });
    }
    if items.is_empty() {
        return Err(format!("{}: no labelled rows", o.data.display()));
    }
    let rest = items.iter().any(|i| i.class.is_none());
    let english = pack
        .pointer("/pack/locale")
        .and_then(Value::as_str)
        .is_some_and(|l| l.starts_with("en"));
    let mut cfg = if english {
        Config::english(&model_id, &o.dimension)
    } else {
        Config::chinese(&model_id, &o.dimension)
    };
    if let Some(g) = &o.ngrams {
        cfg.ngrams = parse_ngrams(g)?;
    }
    cfg.features = o.features.unwrap_or(cfg.features);
    cfg.l2 = o.l2.unwrap_or(cfg.l2);
    cfg.min_df = o.min_df.unwrap_or(cfg.min_df);
    cfg.iterations = o.iterations.unwrap_or(cfg.iterations);
    cfg.folds = o.folds;
    cfg.balanced = o.balanced;
    cfg.idf = !o.binary;
    cfg.seed = o.seed;
    let examples: Vec<Example> = items
        .iter()
        .map(|i| Example {
            text: &i.normalized,
            label: i.class,
            key: i.key,
        })
        .collect();
    let t_corpus = Instant::now();
    let corpus = Corpus::new(&examples, cfg.ngrams);
    let corpus_secs = t_corpus.elapsed().as_secs_f64();
    let t_fit = Instant::now();
    let all: Vec<usize> = (0..items.len()).collect();
    let single = train::fit(&corpus, &all, &codes, rest, &cfg).map_err(|e| e.to_string())?;
    let fit_secs = t_fit.elapsed().as_secs_f64();
    let t_cv = Instant::now();
    let learned = train::learn(&corpus, &codes, rest, &cfg).map_err(|e| e.to_string())?;
    let cv_secs = t_cv.elapsed().as_secs_f64();
    let model = learned.model;
    let cv = learned.cv;
    drop(single);
    let nl = codes.len();
    let model_report = train::report(&cv, nl, rest);
    // Scoring cost: the final model over every labelled text.
    let t_score = Instant::now();
    let mut buf = Vec::new();
    for i in &items {
        model.score(&i.normalized, &mut buf);
    }
    let score_us = t_score.elapsed().as_secs_f64() * 1e6 / items.len().max(1) as f64;

    // The evaluation classes: gold labels mapped to codes.
    let classes = map.classes();
    let truth: Vec<Vec<bool>> = items
        .iter()
        .map(|i| classes.iter().map(|c| c.gold == i.gold).collect())
        .collect();
    // The hand-written rules' firing per row (other models' probabilities injected).
    let mut fired = Vec::with_capacity(items.len());
    let mut rejected = 0usize;
    for i in &items {
        let probs = prepared.probabilities(&i.text);
        // A complaint the pack rejects (e.g. longer than its limit) fires no rule; the model
        // still learns from it.
        match prepared.raw_fired(&prepared.complaint(&i.text, &probs)) {
            Ok(f) => fired.push(f),
            Err(_) => {
                rejected += 1;
                fired.push(Vec::new());
            }
        }
    }
    let mi = prepared.models.len();
    let other_probs: Vec<Vec<Vec<f64>>> = items
        .iter()
        .map(|i| prepared.probabilities(&i.text))
        .collect();
    let with = |p: &[f64], row: usize| -> Vec<Vec<f64>> {
        let mut v = other_probs.get(row).cloned().unwrap_or_default();
        v.push(p.to_vec());
        v
    };
    let has_rules = prepared
        .dim
        .rules
        .iter()
        .any(|rs| rs.iter().any(|r| matches!(r, SimRule::Engine { .. })));
    let label_of_code: Vec<Option<usize>> = codes
        .iter()
        .map(|c| prepared.dim.codes.iter().position(|x| x == c))
        .collect();
    let ctx = Search {
        dim: &prepared.dim,
        classes: &classes,
        truth: &truth,
        fired: &fired,
        model: mi,
        label_of_code: &label_of_code,
    };

    // 1. Rules alone: the pack as it is.
    let rules_alone = ctx.evaluate(&prepared.dim, &all, |row| with(&[], row));
    // 2. Model alone: each label on its own at a learned threshold, no rules, no groups.
    let model_dim = DimSim {
        rules: vec![Vec::new(); prepared.dim.codes.len()],
        exclusive: Vec::new(),
        ..prepared.dim.clone()
    };
    let probs_oof: Vec<Vec<f64>> = cv.probability.clone();
    let nested = |base: &DimSim,
                  vetoes: bool|
     -> (Vec<Counts>, Vec<combine::Outcome>, Vec<Vec<LabelPlan>>) {
        let mut counts = vec![Counts::default(); classes.len()];
        let mut outcomes: Vec<Option<combine::Outcome>> = vec![None; items.len()];
        let mut plans = Vec::new();
        for k in 0..cfg.folds {
            let inner = cv.inner.get(k).cloned().unwrap_or_default();
            let rows: Vec<usize> = inner.iter().map(|x| x.0).collect();
            let inner_probs: std::collections::HashMap<usize, Vec<f64>> =
                inner.into_iter().collect();
            let plan = ctx.search(
                base,
                &rows,
                &|row| with(inner_probs.get(&row).map(Vec::as_slice).unwrap_or(&[]), row),
                vetoes,
            );
            let dim = ctx.apply(base, &plan);
            for row in (0..items.len()).filter(|&r| cv.fold.get(r) == Some(&k)) {
                let p = probs_oof.get(row).cloned().unwrap_or_default();
                let out = combine::simulate(
                    &dim,
                    fired.get(row).map(Vec::as_slice).unwrap_or(&[]),
                    &with(&p, row),
                );
                ctx.count(&out, row, &mut counts);
                if let Some(slot) = outcomes.get_mut(row) {
                    *slot = Some(out);
                }
            }
            plans.push(plan);
        }
        (counts, outcomes.into_iter().flatten().collect(), plans)
    };
    let (model_alone, _, _) = nested(&model_dim, false);
    // 3. Rules and model together (vetoes and labels on their own), when there are rules.
    let combined = if has_rules && o.combine && !new_dimension {
        Some(nested(&prepared.dim, true))
    } else {
        None
    };
    // The final plan, chosen on every example's out-of-fold probabilities.
    let final_plan: Vec<LabelPlan> = if new_dimension || !has_rules || !o.combine {
        if new_dimension {
            vec![
                LabelPlan {
                    veto: None,
                    alone: Some((0.0, Weight::Probability))
                };
                nl
            ]
        } else {
            ctx.search(
                &model_dim,
                &all,
                &|row| with(probs_oof.get(row).map(Vec::as_slice).unwrap_or(&[]), row),
                false,
            )
        }
    } else {
        ctx.search(
            &prepared.dim,
            &all,
            &|row| with(probs_oof.get(row).map(Vec::as_slice).unwrap_or(&[]), row),
            true,
        )
    };
    // A new dimension is the model alone, as written (the most probable label, with its
    // probability as confidence); nothing was chosen on the data, so out-of-fold probabilities
    // score it directly.
    let new_dim = if new_dimension {
        let dim = ctx.apply(&prepared.dim, &final_plan);
        let mut counts = vec![Counts::default(); classes.len()];
        let mut outcomes = Vec::with_capacity(items.len());
        for row in 0..items.len() {
            let probs = with(probs_oof.get(row).map(Vec::as_slice).unwrap_or(&[]), row);
            let out = combine::simulate(
                &dim,
                fired.get(row).map(Vec::as_slice).unwrap_or(&[]),
                &probs,
            );
            ctx.count(&out, row, &mut counts);
            outcomes.push(out);
        }
        Some((counts, outcomes))
    } else {
        None
    };
    // The engine check: the shadow pack of each fold's plan, run for real.
    let mut check = (0usize, 0usize, None::<String>);
    if let Some((_, _, plans)) = &combined {
        for (k, plan) in plans.iter().enumerate() {
            let mut p = pack.clone();
            insert_model(&mut p, &model, plan, &o.dimension, &codes, None)?;
            let prep = combine::prepare(&p, &o.dimension)?;
            if prep.shadow.is_none() {
                check.2 = prep.no_shadow.clone();
                break;
            }
            let dim = prep.dim.clone();
            for row in (0..items.len()).filter(|&r| cv.fold.get(r) == Some(&k)) {
                let Some(item) = items.get(row) else { continue };
                let probs = with(probs_oof.get(row).map(Vec::as_slice).unwrap_or(&[]), row);
                let complaint = prep.complaint(&item.text, &probs);
                let sim = combine::simulate(
                    &dim,
                    fired.get(row).map(Vec::as_slice).unwrap_or(&[]),
                    &probs,
                );
                let sim_codes: Vec<&str> = sim
                    .labels
                    .iter()
                    .filter_map(|l| dim.codes.get(l.0).map(String::as_str))
                    .collect();
                if let Some(Ok(engine)) = prep.shadow_labels(&complaint) {
                    check.0 += 1;
                    let engine_codes: Vec<&str> = engine.iter().map(|l| l.0.as_str()).collect();
                    if engine_codes != sim_codes {
                        check.1 += 1;
                    }
                }
            }
        }
    }

    // Calibration, size, training record.
    let top: Vec<(f64, bool)> = cv
        .probability
        .iter()
        .zip(&cv.class)
        .filter_map(|(p, &c)| {
            let (b, x) = p.iter().enumerate().fold(
                None,
                |acc: Option<(usize, f64)>, (l, &x)| match acc {
                    Some((_, bx)) if bx >= x => acc,
                    _ => Some((l, x)),
                },
            )?;
            Some((x, b == c))
        })
        .collect();
    let ece_top = ece(&top, 10);
    let cv_macro = match (&combined, &new_dim) {
        (Some(c), _) => macro_f1(&c.0),
        (None, Some(n)) => macro_f1(&n.0),
        _ => macro_f1(&model_alone),
    };
    let record = json!({
        "rows": items.len(), "seed": o.seed, "folds": cfg.folds,
        "ngrams": format!("{}:{}-{}", cfg.ngrams.kind.name(), cfg.ngrams.min, cfg.ngrams.max),
        "features": cfg.features, "min_df": cfg.min_df, "l2": format!("{}", cfg.l2),
        "balanced": cfg.balanced, "idf": cfg.idf, "data": o.data.file_name().and_then(|f| f.to_str()).unwrap_or(""),
        "cv_macro_f1": format!("{cv_macro:.3}"), "cv_ece": format!("{:.3}", model_report.ece_top),
    });
    let model_value = {
        let mut v = model.to_value();
        v["training"] = record;
        v
    };
    let model = Model::from_value(&model_value, "/models/0").map_err(|ps| {
        ps.iter()
            .map(|p| p.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    })?;
    let model_json = serde_json::to_string(&model_value).map_err(|e| e.to_string())?;
    let gz = gzip_len(model_json.as_bytes());
    insert_model(
        &mut pack,
        &model,
        &final_plan,
        &o.dimension,
        &codes,
        o.review_below,
    )?;
    if let Some(out) = &o.out {
        let text = serde_json::to_string_pretty(&pack).map_err(|e| e.to_string())?;
        std::fs::write(out, text + "\n")
            .map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    }

    // The report.
    let class_rows = |counts: &[Counts]| -> Vec<Value> {
        classes
            .iter()
            .zip(counts)
            .map(|(c, n)| {
                let (p, r, f1) = n.prf();
                json!({"class": c.gold, "codes": c.codes, "precision": p, "recall": r, "f1": f1, "support": n.support()})
            })
            .collect()
    };
    let argmax_counts: Vec<Counts> = classes
        .iter()
        .map(|c| {
            let mut n = Counts::default();
            for (row, item) in items.iter().enumerate() {
                let z = cv.logits.get(row).map(Vec::as_slice).unwrap_or(&[]);
                let predicted = train::top_label(z, rest)
                    .and_then(|b| codes.get(b))
                    .is_some_and(|code| c.codes.contains(code));
                n.add(item.gold == c.gold, predicted);
            }
            n
        })
        .collect();
    let mut variants = Vec::new();
    if has_rules {
        variants.push(json!({"name": "rules alone (the pack as it is)", "macro_f1": macro_f1(&rules_alone), "classes": class_rows(&rules_alone)}));
    }
    variants.push(json!({"name": "model alone, top label (uncalibrated softmax)", "macro_f1": macro_f1(&argmax_counts), "classes": class_rows(&argmax_counts)}));
    variants.push(json!({"name": "model alone, a learned threshold per label", "macro_f1": macro_f1(&model_alone), "classes": class_rows(&model_alone)}));
    let mut review = Vec::new();
    if let Some((c, outcomes)) = &new_dim {
        variants.push(json!({"name": "new dimension as written (most probable label, calibrated)", "macro_f1": macro_f1(c), "classes": class_rows(c)}));
        for t in [0.5, 0.6, 0.7, 0.8, 0.9] {
            review.push(ctx.review(outcomes, t));
        }
    }
    if let Some((counts, outcomes, _)) = &combined {
        variants.push(json!({"name": "rules + model (learned vetoes and labels on their own)", "macro_f1": macro_f1(counts), "classes": class_rows(counts)}));
        for t in [0.5, 0.6, 0.7, 0.8, 0.9] {
            review.push(ctx.review(outcomes, t));
        }
    }
    let plan_json: Vec<Value> = codes
        .iter()
        .zip(&final_plan)
        .map(|(c, p)| json!({"label": c, "veto_below": p.veto.map(|v| v.0), "veto_weight": p.veto.map(|v| v.1), "alone_from": p.alone.map(|a| a.0), "weight": p.alone.map(|a| match a.1 { Weight::Fixed(w) => json!(w), Weight::Probability => json!("probability") })}))
        .collect();
    let report = json!({
        "pack": o.pack.display().to_string(), "data": o.data.display().to_string(),
        "rows": data.rows.len(), "labelled": items.len(), "unreadable": data.unreadable.len(), "unmapped": unmapped,
        "rejected_by_pack": rejected,
        "dimension": o.dimension, "labels": codes, "rest_class": rest,
        "model": {"id": model_id, "features": model.features(), "distinct_ngrams": corpus.distinct_ngrams(),
                  "json_bytes": model_json.len(), "gzip_bytes": gz,
                  "ngrams": format!("{}:{}-{}", cfg.ngrams.kind.name(), cfg.ngrams.min, cfg.ngrams.max)},
        "cv": {"folds": cfg.folds, "seed": o.seed, "ece_top": model_report.ece_top, "ece_all": model_report.ece_all, "ece_top_check": ece_top, "log_loss": model_report.log_loss},
        "variants": variants, "plan": plan_json, "review": review,
        "engine_check": {"compared": check.0, "different": check.1, "skipped": check.2},
        "seconds": {"ngrams": corpus_secs, "one_fit": fit_secs, "cross_validation_and_final": cv_secs, "total": started.elapsed().as_secs_f64()},
        "scoring_us_per_text": score_us,
        "output": o.out.as_ref().map(|p| p.display().to_string()),
    });
    if o.json {
        println!("{report}");
    } else {
        print_report(&report);
    }
    Ok(ExitCode::SUCCESS)
}

fn gzip_len(bytes: &[u8]) -> usize {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    if e.write_all(bytes).is_err() {
        return 0;
    }
    e.finish().map_or(0, |v| v.len())
}
