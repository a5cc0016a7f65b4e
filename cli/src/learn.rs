//! `wendu learn`: teach a pack from labelled history. Trains a model for one dimension (in the
//! core, `wendu::model::train`), cross-validates it, chooses how it combines with the pack's
//! own rules — nested inside the cross-validation so the reported numbers are on complaints
//! that neither the model nor the choice saw — and writes the pack with a `models` section and
//! the learned rules added to the dimension's labels.

use crate::combine::{self, DimSim, SimRule, Weight};
use crate::labelled::{Class, LabelMap};
use serde_json::{json, Value};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;
use wendu::model::metrics::{ece, macro_f1, Counts};
use wendu::model::train::{self, Config, Corpus, Example};
use wendu::model::{Model, NgramKind, Ngrams};
use wendu::normalize_str;

/// `wendu learn` arguments.
#[derive(clap::Args)]
pub struct Args {
    /// The base pack.
    #[arg(long)]
    pack: PathBuf,
    /// Labelled CSV or JSON Lines.
    #[arg(long)]
    data: PathBuf,
    /// Text column (CSV) or key (JSONL).
    #[arg(long, default_value = "text")]
    text: String,
    /// Label column (CSV) or key (JSONL).
    #[arg(long)]
    label: String,
    /// Label map: {"gold label": "CODE" | null} (null: none of the labels; default: each label
    /// is its own code).
    #[arg(long)]
    map: Option<PathBuf>,
    /// The dimension the model scores (added to the pack when it has none of that id).
    #[arg(long)]
    dimension: String,
    /// Where to write the pack with the model.
    #[arg(short = 'o', long = "out")]
    out: Option<PathBuf>,
    /// Model id (default: the dimension's).
    #[arg(long)]
    id: Option<String>,
    #[arg(long, default_value_t = 5)]
    folds: usize,
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Vocabulary size (χ²-selected n-grams).
    #[arg(long)]
    features: Option<usize>,
    /// L2 penalty.
    #[arg(long)]
    l2: Option<f64>,
    /// `chars:1-2` (Chinese default) or `words:1-2` (English default).
    #[arg(long)]
    ngrams: Option<String>,
    #[arg(long)]
    min_df: Option<usize>,
    #[arg(long)]
    iterations: Option<usize>,
    /// Weight classes inversely to their frequency.
    #[arg(long)]
    balanced: bool,
    /// Binary features (no idf weighting).
    #[arg(long)]
    binary: bool,
    /// Do not learn vetoes and model rules beside the pack's rules (write the model only).
    #[arg(long)]
    no_combine: bool,
    /// Set the dimension's proposed `review_below` (needs_review) threshold.
    #[arg(long)]
    review_below: Option<f64>,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

impl From<Args> for Options {
    fn from(a: Args) -> Options {
        Options {
            pack: a.pack,
            data: a.data,
            text: a.text,
            label: a.label,
            map: a.map,
            dimension: a.dimension,
            out: a.out,
            model_id: a.id,
            folds: a.folds,
            seed: a.seed,
            features: a.features,
            l2: a.l2,
            ngrams: a.ngrams,
            min_df: a.min_df,
            iterations: a.iterations,
            balanced: a.balanced,
            binary: a.binary,
            combine: !a.no_combine,
            review_below: a.review_below,
            json: a.json,
        }
    }
}

/// Command-line options.
pub struct Options {
    pub pack: PathBuf,
    pub data: PathBuf,
    pub text: String,
    pub label: String,
    pub map: Option<PathBuf>,
    pub dimension: String,
    pub out: Option<PathBuf>,
    pub model_id: Option<String>,
    pub folds: usize,
    pub seed: u64,
    pub features: Option<usize>,
    pub l2: Option<f64>,
    pub ngrams: Option<String>,
    pub min_df: Option<usize>,
    pub iterations: Option<usize>,
    pub balanced: bool,
    pub binary: bool,
    pub combine: bool,
    pub review_below: Option<f64>,
    pub json: bool,
}

/// Rules learned for one model label: evidence against it below `veto.0` (weight `veto.1`,
/// negative), the label on its own at or above `alone.0` with weight `alone.1`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LabelPlan {
    pub veto: Option<(f64, f64)>,
    pub alone: Option<(f64, Weight)>,
}

/// Veto thresholds tried (p below it counts against the label).
const VETO_GRID: &[f64] = &[0.02, 0.05, 0.08, 0.1, 0.15, 0.2, 0.25, 0.3];
/// Veto weights tried: −1 takes the label away whatever the rules say. Partial vetoes (−0.5,
/// −0.3: only rules below a confidence of 1 or 0.71 yield at threshold 0.5) measured no better
/// (EVALUATION.md) and have no equivalent in today's engine for the check, so they are not tried.
const VETO_WEIGHTS: &[f64] = &[-1.0];
/// "On its own" thresholds tried.
const ALONE_GRID: &[f64] = &[
    0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.8, 0.9,
];

/// Parse `chars:1-3` / `words:1-2`.
fn parse_ngrams(s: &str) -> Result<Ngrams, String> {
    let bad = || format!("--ngrams {s}: expected chars:MIN-MAX or words:MIN-MAX");
    let (kind, range) = s.split_once(':').ok_or_else(bad)?;
    let (a, b) = range.split_once('-').ok_or_else(bad)?;
    let kind = match kind {
        "chars" => NgramKind::Chars,
        "words" => NgramKind::Words,
        _ => return Err(bad()),
    };
    let (min, max) = (
        a.parse::<usize>().map_err(|_| bad())?,
        b.parse::<usize>().map_err(|_| bad())?,
    );
    if min == 0 || min > max || max > wendu::model::features::MAX_NGRAM {
        return Err(bad());
    }
    Ok(Ngrams { kind, min, max })
}

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
    let pack_text = std::fs::read_to_string(&o.pack)
        .map_err(|e| format!("cannot read {}: {e}", o.pack.display()))?;
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

fn print_report(r: &Value) {
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

fn gzip_len(bytes: &[u8]) -> usize {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    if e.write_all(bytes).is_err() {
        return 0;
    }
    e.finish().map_or(0, |v| v.len())
}

/// Remove model `id` and the rules that are exactly one condition on it.
fn remove_model(pack: &mut Value, id: &str) {
    if let Some(ms) = pack.get_mut("models").and_then(Value::as_array_mut) {
        ms.retain(|m| m.get("id").and_then(Value::as_str) != Some(id));
    }
    if pack
        .get("models")
        .and_then(Value::as_array)
        .is_some_and(Vec::is_empty)
    {
        if let Some(o) = pack.as_object_mut() {
            o.remove("models");
        }
    }
    if let Some(dims) = pack.get_mut("dimensions").and_then(Value::as_array_mut) {
        for d in dims {
            for l in d
                .get_mut("labels")
                .and_then(Value::as_array_mut)
                .into_iter()
                .flatten()
            {
                if let Some(rules) = l.get_mut("rules").and_then(Value::as_array_mut) {
                    rules.retain(|r| {
                        r.pointer("/when/model/id").and_then(Value::as_str) != Some(id)
                    });
                }
            }
        }
    }
}

/// Add the dimension when the pack lacks it (labels from the map: code, named by its gold
/// label; single-label; threshold 0 so that the model's top label is always given). Returns
/// whether it was added.
fn ensure_dimension(
    pack: &mut Value,
    id: &str,
    map: &LabelMap,
    codes: &[String],
) -> Result<bool, String> {
    let dims = pack
        .get_mut("dimensions")
        .and_then(Value::as_array_mut)
        .ok_or("the pack has no dimensions")?;
    if dims
        .iter()
        .any(|d| d.get("id").and_then(Value::as_str) == Some(id))
    {
        return Ok(false);
    }
    let labels: Vec<Value> = codes
        .iter()
        .map(|c| {
            let name = map
                .entries
                .iter()
                .find(|(_, cs)| cs.first() == Some(c))
                .map_or(c.as_str(), |(g, _)| g.as_str());
            json!({"code": c, "name": name, "rules": []})
        })
        .collect();
    dims.push(json!({"id": id, "name": id, "multi": false, "threshold": 0.0, "labels": labels}));
    Ok(true)
}

/// Put the model into `models` and its rules into the dimension's labels.
fn insert_model(
    pack: &mut Value,
    model: &Model,
    plan: &[LabelPlan],
    dimension: &str,
    codes: &[String],
    review_below: Option<f64>,
) -> Result<(), String> {
    remove_model(pack, model.id());
    let obj = pack.as_object_mut().ok_or("a pack is an object")?;
    let models = obj.entry("models").or_insert_with(|| json!([]));
    if let Some(a) = models.as_array_mut() {
        a.push(model.to_value());
    }
    let dims = pack
        .get_mut("dimensions")
        .and_then(Value::as_array_mut)
        .ok_or("the pack has no dimensions")?;
    let d = dims
        .iter_mut()
        .find(|d| d.get("id").and_then(Value::as_str) == Some(dimension))
        .ok_or_else(|| format!("no dimension `{dimension}`"))?;
    if let Some(t) = review_below {
        d["review_below"] = json!(t);
    }
    let labels = d
        .get_mut("labels")
        .and_then(Value::as_array_mut)
        .ok_or("the dimension has no labels")?;
    for (code, p) in codes.iter().zip(plan) {
        let Some(l) = labels
            .iter_mut()
            .find(|l| l.get("code").and_then(Value::as_str) == Some(code.as_str()))
        else {
            continue;
        };
        if l.get("rules").is_none() {
            l["rules"] = json!([]);
        }
        let Some(rules) = l.get_mut("rules").and_then(Value::as_array_mut) else {
            continue;
        };
        if let Some((min, w)) = p.alone {
            let weight = match w {
                Weight::Fixed(x) => json!(x),
                Weight::Probability => json!("probability"),
            };
            rules.push(json!({"id": format!("{code}#learned"), "when": {"model": {"id": model.id(), "label": code, "min": min}}, "weight": weight}));
        }
        if let Some((v, w)) = p.veto {
            rules.push(json!({"id": format!("{code}#learned-veto"), "when": {"model": {"id": model.id(), "label": code, "max": v}}, "weight": w}));
        }
    }
    Ok(())
}

/// What the plan search and the scoring need about the rows.
struct Search<'a> {
    dim: &'a DimSim,
    classes: &'a [Class],
    truth: &'a [Vec<bool>],
    fired: &'a [Vec<Vec<String>>],
    /// Index the learned model takes among the pack's models.
    model: usize,
    /// Model label → dimension label index.
    label_of_code: &'a [Option<usize>],
}

impl Search<'_> {
    /// Counts per class of one outcome.
    fn count(&self, out: &combine::Outcome, row: usize, counts: &mut [Counts]) {
        for (ci, c) in self.classes.iter().enumerate() {
            let predicted = out.labels.iter().any(|l| {
                self.dim
                    .codes
                    .get(l.0)
                    .is_some_and(|code| c.codes.contains(code))
            });
            let is = self
                .truth
                .get(row)
                .and_then(|t| t.get(ci))
                .copied()
                .unwrap_or(false);
            if let Some(n) = counts.get_mut(ci) {
                n.add(is, predicted);
            }
        }
    }

    fn evaluate(
        &self,
        dim: &DimSim,
        rows: &[usize],
        probs: impl Fn(usize) -> Vec<Vec<f64>>,
    ) -> Vec<Counts> {
        let mut counts = vec![Counts::default(); self.classes.len()];
        for &row in rows {
            let out = combine::simulate(
                dim,
                self.fired.get(row).map(Vec::as_slice).unwrap_or(&[]),
                &probs(row),
            );
            self.count(&out, row, &mut counts);
        }
        counts
    }

    /// `base` with the plan's rules appended to the model labels' rules.
    fn apply(&self, base: &DimSim, plan: &[LabelPlan]) -> DimSim {
        let mut d = base.clone();
        for (k, p) in plan.iter().enumerate() {
            let Some(Some(li)) = self.label_of_code.get(k) else {
                continue;
            };
            let Some(rules) = d.rules.get_mut(*li) else {
                continue;
            };
            if let Some((min, weight)) = p.alone {
                rules.push(SimRule::Model {
                    model: self.model,
                    label: k,
                    min,
                    max: f64::INFINITY,
                    weight,
                });
            }
            if let Some((v, w)) = p.veto {
                rules.push(SimRule::Model {
                    model: self.model,
                    label: k,
                    min: 0.0,
                    max: v,
                    weight: Weight::Fixed(w),
                });
            }
        }
        d
    }

    /// Choose per model label a veto and an "on its own" threshold maximising macro-F1 over
    /// `rows` (coordinate ascent, up to three sweeps; a change must gain). The weight of a
    /// label on its own is the precision it had on these rows, at least the dimension's
    /// threshold (so the rule can give the label) and at most 0.99. `probs(row)` gives every
    /// model's probabilities, the learned one last.
    fn search(
        &self,
        base: &DimSim,
        rows: &[usize],
        probs: &dyn Fn(usize) -> Vec<Vec<f64>>,
        vetoes: bool,
    ) -> Vec<LabelPlan> {
        let n = self.label_of_code.len();
        let cached: Vec<Vec<f64>> = rows
            .iter()
            .map(|&r| probs(r).get(self.model).cloned().unwrap_or_default())
            .collect();
        // The base rules' state per row, computed once: the learned rules come last in pack
        // order, so applying them to it gives exactly what `simulate` gives.
        let bases: Vec<Vec<combine::Acc>> = rows
            .iter()
            .map(|&r| {
                combine::accumulate(
                    base,
                    self.fired.get(r).map(Vec::as_slice).unwrap_or(&[]),
                    &probs(r),
                )
            })
            .collect();
        let mut plan = vec![
            LabelPlan {
                veto: None,
                alone: None
            };
            n
        ];
        let thr = base.threshold.max(0.01);
        let score = |plan: &[LabelPlan]| -> f64 {
            let mut counts = vec![Counts::default(); self.classes.len()];
            for (i, &row) in rows.iter().enumerate() {
                let Some(mut accs) = bases.get(i).cloned() else {
                    continue;
                };
                for (k, p) in plan.iter().enumerate() {
                    let Some(Some(li)) = self.label_of_code.get(k) else {
                        continue;
                    };
                    let (Some(acc), Some(&x)) =
                        (accs.get_mut(*li), cached.get(i).and_then(|v| v.get(k)))
                    else {
                        continue;
                    };
                    if let Some((a, Weight::Fixed(w))) = p.alone {
                        if x >= a {
                            acc.fire(w);
                        }
                    }
                    if let Some((v, w)) = p.veto {
                        if x < v {
                            acc.fire(w);
                        }
                    }
                }
                let out = combine::finish(base, &accs);
                self.count(&out, row, &mut counts);
            }
            macro_f1(&counts)
        };
        let mut best = score(&plan);
        let mut veto_options: Vec<Option<(f64, f64)>> = vec![None];
        if vetoes {
            for &v in VETO_GRID {
                for &w in VETO_WEIGHTS {
                    veto_options.push(Some((v, w)));
                }
            }
        }
        for _ in 0..3 {
            let mut changed = false;
            for k in 0..n {
                for &veto in &veto_options {
                    for alone in std::iter::once(None).chain(ALONE_GRID.iter().map(|&a| Some(a))) {
                        if matches!((veto, alone), (Some((v, _)), Some(a)) if v > a) {
                            continue;
                        }
                        let mut trial = plan.clone();
                        if let Some(slot) = trial.get_mut(k) {
                            *slot = LabelPlan {
                                veto,
                                alone: alone.map(|a| (a, Weight::Fixed(thr))),
                            };
                        }
                        let s = score(&trial);
                        if s > best + 1e-9 {
                            best = s;
                            plan = trial;
                            changed = true;
                        }
                    }
                }
            }
            if !changed {
                break;
            }
        }
        // Weights: the precision of each label on its own on these rows.
        for (k, p) in plan.iter_mut().enumerate() {
            let Some((a, _)) = p.alone else { continue };
            let class = self.classes.iter().position(|c| {
                self.label_of_code
                    .get(k)
                    .copied()
                    .flatten()
                    .and_then(|li| self.dim.codes.get(li))
                    .is_some_and(|code| c.codes.contains(code))
            });
            let (mut hit, mut all) = (0usize, 0usize);
            for (i, &row) in rows.iter().enumerate() {
                if cached
                    .get(i)
                    .and_then(|v| v.get(k))
                    .is_some_and(|&x| x >= a)
                {
                    all += 1;
                    if class.is_some_and(|ci| {
                        self.truth
                            .get(row)
                            .and_then(|t| t.get(ci))
                            .copied()
                            .unwrap_or(false)
                    }) {
                        hit += 1;
                    }
                }
            }
            let precision = if all > 0 {
                hit as f64 / all as f64
            } else {
                0.0
            };
            let w = ((precision * 100.0).round() / 100.0).clamp(thr, 0.99);
            p.alone = Some((a, Weight::Fixed(w)));
        }
        plan
    }

    /// Proposed `needs_review` at `below`: the share flagged and how often the top label is
    /// right (its code is among the gold class's codes) in each group.
    fn review(&self, outcomes: &[combine::Outcome], below: f64) -> Value {
        let (mut flagged, mut right_f, mut right_o) = (0usize, 0usize, 0usize);
        for (row, out) in outcomes.iter().enumerate() {
            let top_right = out.labels.first().is_some_and(|l| {
                self.classes.iter().enumerate().any(|(ci, c)| {
                    self.truth
                        .get(row)
                        .and_then(|t| t.get(ci))
                        .copied()
                        .unwrap_or(false)
                        && self
                            .dim
                            .codes
                            .get(l.0)
                            .is_some_and(|code| c.codes.contains(code))
                })
            }) && !out.fallback;
            if out.needs_review(below) {
                flagged += 1;
                right_f += usize::from(top_right);
            } else {
                right_o += usize::from(top_right);
            }
        }
        let n = outcomes.len().max(1);
        json!({"below": below, "share": flagged as f64 / n as f64,
               "top_right_flagged": right_f as f64 / flagged.max(1) as f64,
               "top_right_others": right_o as f64 / (outcomes.len() - flagged).max(1) as f64})
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wendu::model::train::{Config, Corpus, Example};

    const PACK: &str = r#"{
      "pack": {"id": "t", "version": "1"},
      "dimensions": [{
        "id": "reason", "multi": true, "fallback": "other", "exclusive": [["collection", "fee"]],
        "labels": [
          {"code": "fee", "name": "收费", "rules": [{"when": {"terms": ["手续费", "年费"]}, "weight": 0.6}]},
          {"code": "collection", "name": "催收", "rules": [{"when": {"terms": ["催收"]}, "weight": 0.9}]},
          {"code": "other", "name": "其他"}
        ]
      }]
    }"#;

    const TEXTS: &[(&str, Option<usize>)] = &[
        ("年费太高乱收费", Some(0)),
        ("手续费不合理", Some(0)),
        ("利息太高收费不透明", Some(0)),
        ("服务费收费太高", Some(0)),
        ("催收骚扰家人", Some(1)),
        ("暴力催收威胁", Some(1)),
        ("打电话骚扰我同事", Some(1)),
        ("威胁恐吓家人", Some(1)),
        ("网点在哪里", None),
        ("营业时间", None),
    ];

    fn model() -> Model {
        let ex: Vec<Example> = TEXTS
            .iter()
            .map(|(t, l)| Example {
                text: t,
                label: *l,
                key: train::row_key(t, 0),
            })
            .collect();
        let cfg = Config {
            features: 100,
            min_df: 1,
            l2: 1e-3,
            ..Config::chinese("reason", "reason")
        };
        let corpus = Corpus::new(&ex, cfg.ngrams);
        let rows: Vec<usize> = (0..ex.len()).collect();
        match train::fit(
            &corpus,
            &rows,
            &["fee".to_string(), "collection".to_string()],
            true,
            &cfg,
        ) {
            Ok(m) => m,
            Err(e) => panic!("{e}"),
        }
    }

    fn pack_with(plan: &[LabelPlan]) -> Value {
        let mut pack: Value = serde_json::from_str(PACK).unwrap_or(Value::Null);
        let codes = ["fee".to_string(), "collection".to_string()];
        if let Err(e) = insert_model(&mut pack, &model(), plan, "reason", &codes, Some(0.7)) {
            panic!("{e}");
        }
        pack
    }

    #[test]
    fn the_simulation_and_todays_engine_agree_on_the_shadow_pack() {
        let plan = [
            LabelPlan {
                veto: Some((0.2, -1.0)),
                alone: Some((0.6, Weight::Fixed(0.7))),
            },
            LabelPlan {
                veto: None,
                alone: Some((0.5, Weight::Fixed(0.8))),
            },
        ];
        let pack = pack_with(&plan);
        let prep = match combine::prepare(&pack, "reason") {
            Ok(p) => p,
            Err(e) => panic!("{e}"),
        };
        assert!(prep.shadow.is_some(), "{:?}", prep.no_shadow);
        let mut seen = std::collections::BTreeSet::new();
        for text in [
            "年费太高",
            "催收骚扰",
            "年费和催收",
            "手续费在网点",
            "营业时间在哪里",
            "威胁恐吓",
            "收费太高了",
        ] {
            let probs = prep.probabilities(text);
            let complaint = prep.complaint(text, &probs);
            let fired = match prep.raw_fired(&complaint) {
                Ok(f) => f,
                Err(e) => panic!("{e}"),
            };
            let sim = combine::simulate(&prep.dim, &fired, &probs);
            let sim_codes: Vec<String> = sim
                .labels
                .iter()
                .filter_map(|l| prep.dim.codes.get(l.0).cloned())
                .collect();
            let engine: Vec<String> = match prep.shadow_labels(&complaint) {
                Some(Ok(v)) => v.into_iter().map(|x| x.0).collect(),
                other => panic!("{other:?}"),
            };
            assert_eq!(sim_codes, engine, "{text}: probabilities {probs:?}");
            seen.insert(sim_codes.join(","));
        }
        // The cases are not all alike: the model, the rules and the fallback all decide somewhere.
        assert!(seen.len() >= 3, "{seen:?}");
    }

    #[test]
    fn a_partial_veto_or_a_probability_weight_is_simulated_but_has_no_shadow() {
        let plan = [
            LabelPlan {
                veto: Some((0.2, -0.5)),
                alone: None,
            },
            LabelPlan {
                veto: None,
                alone: Some((0.0, Weight::Probability)),
            },
        ];
        let prep = match combine::prepare(&pack_with(&plan), "reason") {
            Ok(p) => p,
            Err(e) => panic!("{e}"),
        };
        assert!(prep.shadow.is_none() && prep.no_shadow.is_some());
        // A probability weight: the label's confidence is the probability itself.
        let probs = prep.probabilities("暴力催收");
        let p = probs.first().and_then(|v| v.get(1)).copied().unwrap_or(0.0);
        let fired = vec![Vec::new(); 3];
        let out = combine::simulate(&prep.dim, &fired, &probs);
        let collection = out.labels.iter().find(|l| l.0 == 1).map(|l| l.1);
        assert_eq!(collection, (p >= 0.5).then_some(p));
    }

    #[test]
    fn relearning_replaces_the_model_and_its_rules() {
        let plan = [LabelPlan {
            veto: Some((0.1, -1.0)),
            alone: Some((0.5, Weight::Fixed(0.7))),
        }; 2];
        let mut pack = pack_with(&plan);
        let rules = |p: &Value| {
            p.pointer("/dimensions/0/labels/0/rules")
                .and_then(Value::as_array)
                .map_or(0, Vec::len)
        };
        assert_eq!(rules(&pack), 3);
        assert_eq!(
            pack.pointer("/dimensions/0/review_below"),
            Some(&json!(0.7))
        );
        if let Err(e) = insert_model(
            &mut pack,
            &model(),
            &plan,
            "reason",
            &["fee".into(), "collection".into()],
            None,
        ) {
            panic!("{e}");
        }
        assert_eq!(rules(&pack), 3);
        assert_eq!(
            pack.get("models").and_then(Value::as_array).map(Vec::len),
            Some(1)
        );
        remove_model(&mut pack, "reason");
        assert_eq!(rules(&pack), 1);
        assert!(pack.get("models").is_none());
    }

    #[test]
    fn a_missing_dimension_is_created_from_the_map() {
        let mut pack: Value = serde_json::from_str(PACK).unwrap_or(Value::Null);
        let map = LabelMap {
            entries: vec![
                ("Mortgage".into(), vec!["mortgage".into()]),
                ("Card".into(), vec!["card".into()]),
            ],
        };
        let codes = vec!["mortgage".to_string(), "card".to_string()];
        assert_eq!(
            ensure_dimension(&mut pack, "product", &map, &codes),
            Ok(true)
        );
        assert_eq!(
            ensure_dimension(&mut pack, "product", &map, &codes),
            Ok(false)
        );
        assert_eq!(
            pack.pointer("/dimensions/1/labels/1/name"),
            Some(&json!("Card"))
        );
        assert_eq!(pack.pointer("/dimensions/1/multi"), Some(&json!(false)));
    }

    #[test]
    fn ngram_options_parse() {
        assert_eq!(
            parse_ngrams("chars:1-3"),
            Ok(Ngrams {
                kind: NgramKind::Chars,
                min: 1,
                max: 3
            })
        );
        assert_eq!(
            parse_ngrams("words:1-2").map(|g| g.kind),
            Ok(NgramKind::Words)
        );
        for bad in ["chars", "chars:0-2", "chars:3-1", "bytes:1-2", "words:1-9"] {
            assert!(parse_ngrams(bad).is_err(), "{bad}");
        }
    }
}
