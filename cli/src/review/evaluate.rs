//! Scoring a review pack on labelled copy: per problem code the counts, precision, recall and
//! F1 (and their micro average), exact problem sets, result accuracy and confusion between
//! levels, and the pieces that differ.

use super::eval_set::Labelled;
use super::view::{review_of, PackOut, PROBLEM_DIM};
use serde::Serialize;
use wendu::{Engine, PackDescriptor};

/// Counts for one problem code.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct RuleScore {
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Pieces expected to have it.
    pub support: usize,
    /// Pieces the pack gave it to.
    pub predicted: usize,
    /// True positives.
    pub tp: usize,
    /// False positives.
    pub fp: usize,
    /// False negatives.
    pub r#fn: usize,
    /// tp / predicted (null when nothing was predicted).
    pub precision: Option<f64>,
    /// tp / support (null when nothing was expected).
    pub recall: Option<f64>,
    /// Harmonic mean (null when either is null or both are 0).
    pub f1: Option<f64>,
}

fn ratio(a: usize, b: usize) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

fn f1(p: Option<f64>, r: Option<f64>) -> Option<f64> {
    match (p, r) {
        (Some(p), Some(r)) if p + r > 0.0 => Some(2.0 * p * r / (p + r)),
        (Some(_), Some(_)) => Some(0.0),
        _ => None,
    }
}

/// One piece whose problems or result differ from the expectation.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Mismatch {
    /// Id.
    pub id: String,
    /// Expected result.
    pub expected_result: String,
    /// Result given.
    pub result: String,
    /// Expected but not found.
    pub missed: Vec<String>,
    /// Found but not expected.
    pub extra: Vec<String>,
}

/// The evaluation.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EvalReport {
    /// Pack.
    pub pack: PackOut,
    /// Pieces evaluated.
    pub pieces: usize,
    /// Per problem code, in pack order.
    pub rules: Vec<RuleScore>,
    /// Micro-averaged over all codes.
    pub micro: RuleScore,
    /// Pieces whose problem set is exactly the expected one.
    pub exact: usize,
    /// Pieces whose result is the expected one.
    pub result_correct: usize,
    /// result_correct / pieces.
    pub result_accuracy: f64,
    /// Levels in pack order (rows and columns of `confusion`).
    pub levels: Vec<String>,
    /// confusion[expected][given].
    pub confusion: Vec<Vec<usize>>,
    /// Pieces that differ, in file order.
    pub mismatches: Vec<Mismatch>,
}

/// Score the pack on labelled copy.
pub fn evaluate(
    engine: &Engine,
    desc: &PackDescriptor,
    set: &[Labelled],
) -> Result<EvalReport, String> {
    let labels: Vec<(String, String)> = desc
        .dimension(PROBLEM_DIM)
        .map(|d| {
            d.labels
                .iter()
                .map(|l| (l.code.clone(), l.name.clone()))
                .collect()
        })
        .unwrap_or_default();
    let levels: Vec<String> = desc.levels.iter().map(|l| l.id.clone()).collect();
    let mut rules: Vec<RuleScore> = labels
        .iter()
        .map(|(code, name)| RuleScore {
            code: code.clone(),
            name: name.clone(),
            ..RuleScore::default()
        })
        .collect();
    let mut confusion = vec![vec![0usize; levels.len()]; levels.len()];
    let mut mismatches = Vec::new();
    let (mut exact, mut correct) = (0, 0);
    let mut pack = None;
    for item in set {
        let d = engine
            .classify_value(item.value.clone())
            .map_err(|e| format!("{}: {}", item.id, e.message()))?;
        let r = review_of(desc, &d);
        pack.get_or_insert_with(|| r.pack.clone());
        let mut got: Vec<String> = r.problems.iter().map(|p| p.code.clone()).collect();
        got.sort();
        for score in rules.iter_mut() {
            let want = item.problems.contains(&score.code);
            let have = got.contains(&score.code);
            score.support += usize::from(want);
            score.predicted += usize::from(have);
            score.tp += usize::from(want && have);
            score.fp += usize::from(have && !want);
            score.r#fn += usize::from(want && !have);
        }
        let ei = levels.iter().position(|l| *l == item.result);
        let gi = levels.iter().position(|l| *l == r.result.level);
        if let (Some(ei), Some(gi)) = (ei, gi) {
            if let Some(cell) = confusion.get_mut(ei).and_then(|row| row.get_mut(gi)) {
                *cell += 1;
            }
        }
        let same_result = item.result == r.result.level;
        correct += usize::from(same_result);
        let missed: Vec<String> = item
            .problems
            .iter()
            .filter(|c| !got.contains(c))
            .cloned()
            .collect();
        let extra: Vec<String> = got
            .iter()
            .filter(|c| !item.problems.contains(c))
            .cloned()
            .collect();
        if missed.is_empty() && extra.is_empty() {
            exact += 1;
        }
        if !same_result || !missed.is_empty() || !extra.is_empty() {
            mismatches.push(Mismatch {
                id: item.id.clone(),
                expected_result: item.result.clone(),
                result: r.result.level.clone(),
                missed,
                extra,
            });
        }
    }
    let mut micro = RuleScore {
        code: "micro".into(),
        name: "all problems".into(),
        ..RuleScore::default()
    };
    for s in rules.iter_mut() {
        s.precision = ratio(s.tp, s.predicted);
        s.recall = ratio(s.tp, s.support);
        s.f1 = f1(s.precision, s.recall);
        micro.support += s.support;
        micro.predicted += s.predicted;
        micro.tp += s.tp;
        micro.fp += s.fp;
        micro.r#fn += s.r#fn;
    }
    micro.precision = ratio(micro.tp, micro.predicted);
    micro.recall = ratio(micro.tp, micro.support);
    micro.f1 = f1(micro.precision, micro.recall);
    let pieces = set.len();
    Ok(EvalReport {
        pack: pack.ok_or("the evaluation file has no labelled copy")?,
        pieces,
        rules,
        micro,
        exact,
        result_correct: correct,
        result_accuracy: ratio(correct, pieces).unwrap_or(0.0),
        levels,
        confusion,
        mismatches,
    })
}
