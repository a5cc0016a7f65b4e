//! Under `model::train`: what a training run is given — its [`Config`] with the measured
//! defaults per language — and the check that examples and configuration can train a model,
//! with the [`TrainError`] it reports.

use super::corpus::Corpus;
use crate::model::{NgramKind, Ngrams};

/// How to train.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Model id.
    pub id: String,
    /// Dimension scored.
    pub dimension: String,
    /// N-grams read.
    pub ngrams: Ngrams,
    /// Vocabulary size kept by χ² selection.
    pub features: usize,
    /// An n-gram must occur in at least this many training texts.
    pub min_df: usize,
    /// L2 penalty λ on the weights (the loss is the mean log loss + λ/2·‖W‖²).
    pub l2: f64,
    /// L-BFGS iterations at most.
    pub iterations: usize,
    /// Folds of the outer cross-validation.
    pub folds: usize,
    /// Folds inside each training set for fitting the calibration.
    pub calibration_folds: usize,
    /// Weight classes inversely to their frequency.
    pub balanced: bool,
    /// Weight features by inverse document frequency (as TF-IDF does), else binary.
    pub idf: bool,
    /// Seed (recorded in the model; folds come from [`Example::key`](super::Example::key)).
    pub seed: u64,
}

impl Config {
    /// Defaults that measured best on the shared Chinese complaints (EVALUATION.md): character
    /// 1–2-grams (as good as 1–3 with the same vocabulary size, and a third fewer lookups),
    /// 10,000 of them, idf-weighted, λ = 10⁻⁴, at most 100 L-BFGS iterations (300 gained
    /// 0.001 macro-F1 for three times the time).
    pub fn chinese(id: &str, dimension: &str) -> Config {
        Config {
            id: id.into(),
            dimension: dimension.into(),
            ngrams: Ngrams {
                kind: NgramKind::Chars,
                min: 1,
                max: 2,
            },
            features: 10_000,
            min_df: 2,
            l2: 1e-4,
            iterations: 100,
            folds: 5,
            calibration_folds: 3,
            balanced: false,
            idf: true,
            seed: 0,
        }
    }

    /// Defaults for English: words and word bigrams.
    pub fn english(id: &str, dimension: &str) -> Config {
        Config {
            ngrams: Ngrams {
                kind: NgramKind::Words,
                min: 1,
                max: 2,
            },
            ..Config::chinese(id, dimension)
        }
    }
}

/// What can make training impossible.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrainError {
    /// No examples, or a label index out of range, or a rest example without `rest`.
    BadExamples(String),
    /// The configuration is out of range.
    BadConfig(String),
}

impl std::fmt::Display for TrainError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TrainError::BadExamples(m) | TrainError::BadConfig(m) => f.write_str(m),
        }
    }
}

/// Why `corpus` cannot train a model of `labels` (and the rest class when `rest`) with `cfg`:
/// the first reason found, or `Ok`.
pub(super) fn check(
    corpus: &Corpus,
    labels: &[String],
    rest: bool,
    cfg: &Config,
) -> Result<(), TrainError> {
    if labels.is_empty() || (labels.len() < 2 && !rest) {
        return Err(TrainError::BadConfig(
            "a model needs two labels, or one and the rest class".into(),
        ));
    }
    if cfg.features == 0 || cfg.folds < 2 || cfg.calibration_folds < 2 || cfg.iterations == 0 {
        return Err(TrainError::BadConfig(
            "features and iterations must be positive, folds and calibration folds at least 2"
                .into(),
        ));
    }
    if !(cfg.l2 > 0.0 && cfg.l2.is_finite()) {
        return Err(TrainError::BadConfig("l2 must be a positive number".into()));
    }
    if corpus.is_empty() {
        return Err(TrainError::BadExamples("no labelled examples".into()));
    }
    for (i, e) in corpus.examples.iter().enumerate() {
        match e.label {
            Some(l) if l >= labels.len() => {
                return Err(TrainError::BadExamples(format!(
                    "example {i}: label index {l} out of range"
                )))
            }
            None if !rest => {
                return Err(TrainError::BadExamples(format!(
                    "example {i} has no label but the model has no rest class"
                )))
            }
            _ => {}
        }
    }
    Ok(())
}
