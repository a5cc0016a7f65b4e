//! Under `model::train`: k-fold cross-validation (each fold scored by a model fitted and
//! calibrated without it), the final model [`learn`] fits on every example, and raw log-odds of
//! a model over a corpus.

use super::calibrate::calibrate;
use super::config::{check, Config, TrainError};
use super::corpus::{class_of, fold_of, inner_fold_of, Corpus};
use super::fit::fit;
use crate::model::Model;

/// Out-of-fold results of a cross-validation, per example (in corpus order).
#[derive(Debug, Clone, PartialEq)]
pub struct CrossValidation {
    /// Outer fold of each example.
    pub fold: Vec<usize>,
    /// Class of each example (label index, or the number of labels for the rest class).
    pub class: Vec<usize>,
    /// Calibrated probability per label, from the model that did not see the example.
    pub probability: Vec<Vec<f64>>,
    /// Raw log-odds per label from that model (what the final calibration is fitted on).
    pub logits: Vec<Vec<f64>>,
    /// Vocabulary size of each fold's model.
    pub features: Vec<usize>,
    /// Per outer fold: the calibrated probabilities of that fold's training examples, each
    /// from an inner model that did not see it — for choosing anything else (thresholds, how
    /// rules and model combine) without touching the outer fold.
    pub inner: Vec<Vec<(usize, Vec<f64>)>>,
}

/// Train and score k times: each fold is scored by a model fitted (and calibrated, on inner
/// folds) without it.
pub fn cross_validate(
    corpus: &Corpus,
    labels: &[String],
    rest: bool,
    cfg: &Config,
) -> Result<CrossValidation, TrainError> {
    check(corpus, labels, rest, cfg)?;
    let nl = labels.len();
    let n = corpus.len();
    let fold: Vec<usize> = corpus
        .examples
        .iter()
        .map(|e| fold_of(e.key, cfg.folds))
        .collect();
    let class: Vec<usize> = corpus.examples.iter().map(|e| class_of(e, nl)).collect();
    let mut probability = vec![Vec::new(); n];
    let mut logits = vec![Vec::new(); n];
    let mut features = Vec::with_capacity(cfg.folds);
    let mut inner = Vec::with_capacity(cfg.folds);
    let mut buf = Vec::new();
    for k in 0..cfg.folds {
        let train: Vec<usize> = (0..n).filter(|&i| fold.get(i) != Some(&k)).collect();
        let test: Vec<usize> = (0..n).filter(|&i| fold.get(i) == Some(&k)).collect();
        if train.is_empty() || test.is_empty() {
            inner.push(Vec::new());
            continue;
        }
        let (model, held) = fit_calibrated(corpus, &train, labels, rest, cfg)?;
        features.push(model.features());
        inner.push(
            held.into_iter()
                .map(|(i, z)| {
                    let p = z
                        .iter()
                        .enumerate()
                        .map(|(l, &x)| model.calibrate(l, x))
                        .collect();
                    (i, p)
                })
                .collect(),
        );
        for &i in &test {
            let Some(e) = corpus.examples.get(i) else {
                continue;
            };
            model.raw_logits(e.text, &mut buf);
            if let Some(slot) = logits.get_mut(i) {
                *slot = buf.clone();
            }
            if let Some(slot) = probability.get_mut(i) {
                *slot = buf
                    .iter()
                    .enumerate()
                    .map(|(l, &x)| model.calibrate(l, x))
                    .collect();
            }
        }
    }
    Ok(CrossValidation {
        fold,
        class,
        probability,
        logits,
        features,
        inner,
    })
}

/// Held-back raw log-odds: (example index, log-odds per label).
type Held = Vec<(usize, Vec<f64>)>;

/// Fit on `rows` and calibrate on inner folds of `rows`; also returns each row's held-back
/// raw log-odds (example index, log-odds).
fn fit_calibrated(
    corpus: &Corpus,
    rows: &[usize],
    labels: &[String],
    rest: bool,
    cfg: &Config,
) -> Result<(Model, Held), TrainError> {
    let mut held = Vec::new();
    let mut held_logits = Vec::new();
    let mut held_classes = Vec::new();
    let mut buf = Vec::new();
    let nl = labels.len();
    for j in 0..cfg.calibration_folds {
        let key = |i: usize| corpus.examples.get(i).map_or(0, |e| e.key);
        let inner_train: Vec<usize> = rows
            .iter()
            .copied()
            .filter(|&i| inner_fold_of(key(i), cfg.folds, cfg.calibration_folds) != j)
            .collect();
        let inner_test: Vec<usize> = rows
            .iter()
            .copied()
            .filter(|&i| inner_fold_of(key(i), cfg.folds, cfg.calibration_folds) == j)
            .collect();
        if inner_train.is_empty() || inner_test.is_empty() {
            continue;
        }
        let m = fit(corpus, &inner_train, labels, rest, cfg)?;
        for &i in &inner_test {
            let Some(e) = corpus.examples.get(i) else {
                continue;
            };
            m.raw_logits(e.text, &mut buf);
            held.push((i, buf.clone()));
            held_logits.push(buf.clone());
            held_classes.push(class_of(e, nl));
        }
    }
    let mut model = fit(corpus, rows, labels, rest, cfg)?;
    calibrate(&mut model, &held_logits, &held_classes);
    held.sort_by_key(|h| h.0);
    Ok((model, held))
}

/// A trained model with the cross-validation behind it.
pub struct Learned {
    /// The final model, fitted on every example and calibrated on the out-of-fold log-odds.
    pub model: Model,
    /// The cross-validation.
    pub cv: CrossValidation,
}

/// Cross-validate, then fit the final model on every example, calibrated on the
/// cross-validation's out-of-fold log-odds.
pub fn learn(
    corpus: &Corpus,
    labels: &[String],
    rest: bool,
    cfg: &Config,
) -> Result<Learned, TrainError> {
    let cv = cross_validate(corpus, labels, rest, cfg)?;
    let all: Vec<usize> = (0..corpus.len()).collect();
    let mut model = fit(corpus, &all, labels, rest, cfg)?;
    calibrate(&mut model, &cv.logits, &cv.class);
    Ok(Learned { model, cv })
}

/// Uncalibrated log-odds of `model` for every example of `corpus` (for tools).
pub fn logits_of(model: &Model, corpus: &Corpus) -> Vec<Vec<f64>> {
    let mut out = Vec::with_capacity(corpus.len());
    let mut buf = Vec::new();
    for e in &corpus.examples {
        model.raw_logits(e.text, &mut buf);
        out.push(buf.clone());
    }
    out
}
