//! `wendu eval`: one dimension of a pack against any labelled file (CSV or JSON Lines, a text
//! and a label column, a label map from the file's labels to the dimension's codes): precision,
//! recall, F1 per class, macro-F1, coverage, plus two reading aids — the same scores for the
//! top-ranked label alone, and a confusion table. Without arguments it is the shared silver
//! Chinese complaints with their built-in mapping (EVALUATION.md). A pack with a `models`
//! section is evaluated through the proposed semantics (`combine`), exactly as the engine will
//! decide once `model` conditions are wired in. Reads ../shared/data when present and says so
//! when it is absent; the data never enters the repository.

use crate::combine::{self, Prepared};
use crate::labelled::{Class, LabelMap};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::ExitCode;
use wendu::model::metrics::{macro_f1, Counts};
use wendu::Engine;
use wendu_cli::corpus;

/// Silver class → name of the JR/T reason label it corresponds to (the built-in mapping of
/// the shared Chinese complaints).
const MAPPING: &[(&str, &str)] = &[
    ("催收行为类", "债务催收方式和手段"),
    ("营销宣传类", "营销方式和手段"),
    ("定价收费类", "定价收费"),
    ("客户服务类", "服务态度及服务质量"),
    ("合同条款类", "合同条款"),
];
/// The silver class that maps to none of the labels.
const UNMAPPED_SILVER: &str = "其他类";

/// Command-line options.
pub struct Options {
    pub pack: Option<PathBuf>,
    pub data: Option<PathBuf>,
    pub text: String,
    pub label: String,
    pub map: Option<PathBuf>,
    pub dimension: String,
    pub json: bool,
}

/// Run the evaluation.
pub fn run(o: &Options) -> Result<ExitCode, String> {
    let path = match &o.data {
        Some(p) => p.clone(),
        None => match corpus::shared_data("cn-complaints/complaints.csv") {
            Some(p) => p,
            None => {
                println!("../shared/data/cn-complaints/complaints.csv is absent: nothing to evaluate (pass --data FILE)");
                return Ok(ExitCode::SUCCESS);
            }
        },
    };
    let pack_text = match &o.pack {
        Some(p) => wendu_cli::pack_text(p)?,
        None => wendu::DEFAULT_PACK.into(),
    };
    let pack: Value = serde_json::from_str(&pack_text).map_err(|e| format!("pack: {e}"))?;
    let prepared = combine::prepare(&pack, &o.dimension)?;
    let data = crate::labelled::read(&path, &o.text, &o.label)?;
    let golds = || data.rows.iter().filter_map(|r| r.label.as_deref());
    let map = match &o.map {
        Some(m) => LabelMap::load(m)?,
        None if golds().all(|g| g == UNMAPPED_SILVER || MAPPING.iter().any(|m| m.0 == g)) => {
            builtin_map(&prepared.raw)?
        }
        None => LabelMap::identity(golds()),
    };
    let classes = map.classes();
    let unmapped: Vec<String> = {
        let mut u: Vec<String> = golds()
            .filter(|g| map.codes(g).is_none())
            .map(str::to_string)
            .collect();
        u.sort();
        u.dedup();
        u
    };
    let names = label_names(&pack, &o.dimension);
    let result = evaluate(&prepared, &data.rows, &classes, o.dimension.as_str())?;
    // The pack's own identity: the engines run derived packs (raw, shadow) whose hashes differ.
    let mut info = prepared.raw.info().clone();
    info.hash = wendu::content_hash(&pack);
    let per_class: Vec<Value> = classes
        .iter()
        .zip(&result.all)
        .map(|(c, n)| {
            let (p, r, f1) = n.prf();
            let label = c.codes.iter().map(|code| names.iter().find(|x| x.0 == *code).map_or(code.as_str(), |x| x.1.as_str())).collect::<Vec<_>>().join(" / ");
            json!({"silver": c.gold, "label": label, "code": c.codes.join("/"), "codes": c.codes, "precision": p, "recall": r, "f1": f1, "support": n.support()})
        })
        .collect();
    let top_per_class: Vec<Value> = classes
        .iter()
        .zip(&result.top)
        .map(|(c, n)| {
            let (p, r, f1) = n.prf();
            json!({"code": c.codes.join("/"), "precision": p, "recall": r, "f1": f1})
        })
        .collect();
    let macro_all = macro_f1(&result.all);
    let macro_top = macro_f1(&result.top);
    let mut rows: Vec<String> = classes.iter().map(|c| c.gold.clone()).collect();
    rows.push(OTHER_ROW.into());
    let cols: Vec<String> = classes
        .iter()
        .map(|c| c.codes.join("/"))
        .chain(std::iter::once(NONE_COL.to_string()))
        .collect();
    let confusion: Vec<Value> = rows
        .iter()
        .zip(&result.confusion)
        .map(|(g, counts)| {
            let mut m = serde_json::Map::new();
            m.insert("silver".into(), json!(g));
            for (code, n) in cols.iter().zip(counts) {
                m.insert(code.clone(), json!(n));
            }
            Value::Object(m)
        })
        .collect();
    let total = result.total.max(1) as f64;
    let coverage = result.covered as f64 / total;
    let business = result.with_business.map(|b| b as f64 / total);
    if o.json {
        let mut out = json!({"data": path.display().to_string(), "pack": info, "dimension": o.dimension,
            "complaints": result.total, "labelled": result.labelled, "unreadable": data.unreadable.len(), "rejected_by_pack": result.rejected, "unmapped": unmapped,
            "classes": per_class, "macro_f1": macro_all, "coverage": coverage,
            "top_ranked": {"classes": top_per_class, "macro_f1": macro_top}, "confusion": confusion,
            "models": prepared.models.iter().map(|m| m.id()).collect::<Vec<_>>(),
            "engine_check": {"compared": result.checked, "different": result.different, "skipped": prepared.no_shadow}});
        if let Some(b) = business {
            out["business_share"] = json!(b);
        }
        if let Some(t) = prepared.dim.review_below {
            out["needs_review"] = json!({"below": t, "share": result.review as f64 / total});
        }
        println!("{out}");
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "data: {} ({} complaints, {} with a label{})",
        path.display(),
        result.total,
        result.labelled,
        if data.unreadable.is_empty() {
            String::new()
        } else {
            format!(", {} unreadable", data.unreadable.len())
        }
    );
    println!("pack: {} {} {}", info.id, info.version, info.hash);
    if !prepared.models.is_empty() {
        println!(
            "models: {} (evaluated through the proposed `model` semantics, see docs/pack-format.md)",
            prepared.models.iter().map(|m| m.id()).collect::<Vec<_>>().join(", ")
        );
    }
    if !unmapped.is_empty() {
        println!(
            "labels not in the map (negatives for every class): {}",
            unmapped.join(", ")
        );
    }
    println!(
        "{:<12} {:<20} {:>9} {:>7} {:>6} {:>8}",
        "gold",
        &format!("{} label", o.dimension),
        "precision",
        "recall",
        "F1",
        "support"
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
    let mut line = format!(
        "macro-F1 {macro_all:.3}   coverage (any {} label but the fallback) {:.1}%",
        o.dimension,
        coverage * 100.0
    );
    if let Some(b) = business {
        line.push_str(&format!("   any business label {:.1}%", b * 100.0));
    }
    println!("{line}");
    if let Some(t) = prepared.dim.review_below {
        println!(
            "needs_review (top confidence below {t} or only the fallback): {:.1}%",
            100.0 * result.review as f64 / total
        );
    }
    match (&prepared.no_shadow, result.checked) {
        (Some(why), _) => println!("engine check skipped: {why}"),
        (None, n) if n > 0 => println!(
            "engine check: the engine and the simulation agree on {} of {n} complaints",
            n - result.different
        ),
        _ => {}
    }
    println!();
    println!(
        "secondary view, not the headline: only the top-ranked label of each complaint counts"
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
    println!("  F1 {}   macro-F1 {macro_top:.3}", cells.join("  "));
    println!();
    println!("confusion: gold class (rows) × mapped labels given (a complaint counts once per label; {NONE_COL}: none of them)");
    print!("{:<12}", "");
    for code in &cols {
        print!(" {code:>6}");
    }
    println!();
    for (g, counts) in rows.iter().zip(&result.confusion) {
        print!("{g:<12}");
        for n in counts {
            print!(" {n:>6}");
        }
        println!();
    }
    if result.different > 0 {
        return Err(format!(
            "the engine and the simulation disagree on {} complaints: a bug in the simulation",
            result.different
        ));
    }
    Ok(ExitCode::SUCCESS)
}

/// The built-in mapping, names resolved to the pack's codes through its descriptor.
fn builtin_map(engine: &Engine) -> Result<LabelMap, String> {
    let desc = engine.describe();
    let reason = desc
        .dimension("reason")
        .ok_or("the pack has no `reason` dimension")?;
    let mut entries = Vec::new();
    for (silver, name) in MAPPING {
        if let Some(l) = reason.labels.iter().find(|l| l.name == *name) {
            entries.push((silver.to_string(), vec![l.code.clone()]));
        }
    }
    entries.push((UNMAPPED_SILVER.to_string(), Vec::new()));
    Ok(LabelMap { entries })
}

/// (code, name) of the dimension's labels, from the pack JSON (a learned dimension may be new).
fn label_names(pack: &Value, dimension: &str) -> Vec<(String, String)> {
    pack.get("dimensions")
        .and_then(Value::as_array)
        .and_then(|ds| {
            ds.iter()
                .find(|d| d.get("id").and_then(Value::as_str) == Some(dimension))
        })
        .and_then(|d| d.get("labels"))
        .and_then(Value::as_array)
        .map(|ls| {
            ls.iter()
                .map(|l| {
                    let s = |k: &str| l.get(k).and_then(Value::as_str).unwrap_or("").to_string();
                    (s("code"), s("name"))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Confusion row for gold labels outside the classes; column for "no mapped label".
const OTHER_ROW: &str = "other";
const NONE_COL: &str = "none";

/// Everything counted over a file.
struct Result_ {
    all: Vec<Counts>,
    top: Vec<Counts>,
    confusion: Vec<Vec<usize>>,
    total: usize,
    labelled: usize,
    covered: usize,
    with_business: Option<usize>,
    review: usize,
    checked: usize,
    different: usize,
    rejected: usize,
}

fn evaluate(
    prepared: &Prepared,
    rows: &[crate::labelled::Row],
    classes: &[Class],
    dimension: &str,
) -> Result<Result_, String> {
    let mut tally = Tally::new(classes.len());
    let business_fallback = prepared
        .raw
        .describe()
        .dimension("business")
        .map(|d| d.fallback.clone());
    let mut r = Result_ {
        all: Vec::new(),
        top: Vec::new(),
        confusion: Vec::new(),
        total: 0,
        labelled: 0,
        covered: 0,
        with_business: business_fallback.as_ref().map(|_| 0),
        review: 0,
        checked: 0,
        different: 0,
        rejected: 0,
    };
    for row in rows {
        let probs = prepared.probabilities(&row.text);
        let complaint = prepared.complaint(&row.text, &probs);
        // A complaint the pack rejects (invalid input, over the text limit) is not counted, as
        // before models: the engine gives it no decision.
        let Ok(fired) = prepared.raw_fired(&complaint) else {
            r.rejected += 1;
            continue;
        };
        let out = combine::simulate(&prepared.dim, &fired, &probs);
        r.total += 1;
        let codes: Vec<&str> = out
            .labels
            .iter()
            .filter_map(|l| prepared.dim.codes.get(l.0).map(String::as_str))
            .collect();
        if !out.fallback && !codes.is_empty() {
            r.covered += 1;
        }
        if let Some(t) = prepared.dim.review_below {
            r.review += usize::from(out.needs_review(t));
        }
        // The check, and the business share, from the shadow engine (the whole decision).
        let decision = prepared
            .shadow
            .as_ref()
            .map(|e| e.classify_value(complaint.clone()));
        if let Some(Ok(d)) = &decision {
            r.checked += 1;
            let engine: Vec<&str> = d
                .labels
                .get(dimension)
                .unwrap_or(&[])
                .iter()
                .map(|l| l.code.as_str())
                .collect();
            if engine != codes {
                r.different += 1;
            }
            if let (Some(n), Some(fb)) = (r.with_business.as_mut(), &business_fallback) {
                if d.labels
                    .get("business")
                    .unwrap_or(&[])
                    .iter()
                    .any(|l| Some(&l.code) != fb.as_ref())
                {
                    *n += 1;
                }
            }
        }
        let Some(gold) = &row.label else {
            continue;
        };
        r.labelled += 1;
        tally.add(gold, &codes, classes);
    }
    r.all = tally.all;
    r.top = tally.top;
    r.confusion = tally.confusion;
    Ok(r)
}

/// Counts over the labelled complaints: per class (tp, fp, fn) for all labels of the dimension
/// and for the top-ranked one alone, and the confusion table (rows: classes then `OTHER_ROW`;
/// columns: classes then `NONE_COL`).
struct Tally {
    all: Vec<Counts>,
    top: Vec<Counts>,
    confusion: Vec<Vec<usize>>,
}

impl Tally {
    fn new(n: usize) -> Tally {
        Tally {
            all: vec![Counts::default(); n],
            top: vec![Counts::default(); n],
            confusion: vec![vec![0; n + 1]; n + 1],
        }
    }

    /// One complaint: its gold label and its codes, best first. A class is predicted when any
    /// of its codes is given.
    fn add(&mut self, gold: &str, given: &[&str], classes: &[Class]) {
        let row = classes
            .iter()
            .position(|c| c.gold == gold)
            .unwrap_or(classes.len());
        let mut any = false;
        for (i, c) in classes.iter().enumerate() {
            let is = gold == c.gold;
            let predicted = given.iter().any(|g| c.codes.iter().any(|x| x == g));
            let top = given
                .first()
                .is_some_and(|g| c.codes.iter().any(|x| x == g));
            if let Some(n) = self.all.get_mut(i) {
                n.add(is, predicted);
            }
            if let Some(n) = self.top.get_mut(i) {
                n.add(is, top);
            }
            if predicted {
                if let Some(cell) = self.confusion.get_mut(row).and_then(|r| r.get_mut(i)) {
                    *cell += 1;
                }
                any = true;
            }
        }
        if !any {
            if let Some(cell) = self
                .confusion
                .get_mut(row)
                .and_then(|r| r.get_mut(classes.len()))
            {
                *cell += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classes() -> Vec<Class> {
        vec![
            Class {
                gold: "催收行为类".into(),
                codes: vec!["C12".into()],
            },
            Class {
                gold: "合同条款类".into(),
                codes: vec!["C09".into()],
            },
        ]
    }

    #[test]
    fn all_labels_count_and_the_top_one_alone_counts_separately() {
        let mut t = Tally::new(2);
        let cs = classes();
        // A collection complaint labelled C12 and C09: a hit for C12, a false positive for C09.
        t.add("催收行为类", &["C12", "C09"], &cs);
        // A contract complaint whose top label is C03 and second C09: a hit only in the full view.
        t.add("合同条款类", &["C03", "C09"], &cs);
        // An unmapped gold class given nothing mapped.
        t.add("其他类", &["C99"], &cs);
        let c = |tp, fp, fn_| Counts { tp, fp, fn_ };
        assert_eq!(t.all, vec![c(1, 0, 0), c(1, 1, 0)]);
        assert_eq!(t.top, vec![c(1, 0, 0), c(0, 0, 1)]);
        assert_eq!(
            t.confusion,
            vec![vec![1, 1, 0], vec![0, 1, 0], vec![0, 0, 1]]
        );
        let (p, r, f1) = t.all[1].prf();
        assert_eq!((p, r), (0.5, 1.0));
        assert!((f1 - 2.0 / 3.0).abs() < 1e-12);
        assert!((macro_f1(&t.all) - (1.0 + 2.0 / 3.0) / 2.0).abs() < 1e-12);
        assert_eq!(macro_f1(&t.top), 0.5);
    }

    #[test]
    fn a_class_with_several_codes_is_predicted_by_any_of_them() {
        let mut t = Tally::new(1);
        let cs = vec![Class {
            gold: "fees".into(),
            codes: vec!["C07".into(), "C0701".into()],
        }];
        t.add("fees", &["C0701"], &cs);
        t.add("other", &["C07"], &cs);
        assert_eq!(
            t.all,
            vec![Counts {
                tp: 1,
                fp: 1,
                fn_: 0
            }]
        );
    }

    #[test]
    fn the_builtin_mapping_resolves_names_to_codes() {
        let e = match Engine::default_pack() {
            Ok(e) => e,
            Err(e) => panic!("{}", e.message()),
        };
        let m = match builtin_map(&e) {
            Ok(m) => m,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(m.codes("催收行为类"), Some(&["C12".to_string()][..]));
        assert_eq!(m.codes("其他类"), Some(&[][..]));
        assert_eq!(m.classes().len(), 5);
    }
}
