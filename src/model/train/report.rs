//! Under `model::train`: what a cross-validation says about the model alone — each example's
//! top class, per-label counts, macro-F1, calibration errors and log loss.

use super::cross_validation::CrossValidation;
use crate::model::math;
use crate::model::metrics::{ece, macro_f1, Counts};

/// The model's top class from its uncalibrated log-odds: the label with the highest softmax
/// probability, or `None` when the rest class ("none of these") is more probable than it.
pub fn top_label(logits: &[f64], rest: bool) -> Option<usize> {
    // Log-odds are monotone in the softmax probability q = σ(log-odds).
    let q: Vec<f64> = logits.iter().map(|&x| math::sigmoid(x)).collect();
    let (best, qmax) = q
        .iter()
        .enumerate()
        .fold(None, |acc: Option<(usize, f64)>, (l, &x)| match acc {
            Some((_, bx)) if bx >= x => acc,
            _ => Some((l, x)),
        })?;
    let rest_q = if rest {
        1.0 - q.iter().sum::<f64>()
    } else {
        0.0
    };
    (qmax >= rest_q).then_some(best)
}

/// Scores of a cross-validation for the model alone: each example gets its top class
/// ([`top_label`]); calibration errors of the calibrated probabilities.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// Per label: counts over all examples (rest examples are negatives for every label).
    pub counts: Vec<Counts>,
    /// Mean F1 over the labels.
    pub macro_f1: f64,
    /// Expected calibration error of the most probable label's calibrated probability against
    /// its correctness (10 bins).
    pub ece_top: f64,
    /// Expected calibration error over every (example, label) probability (10 bins).
    pub ece_all: f64,
    /// Mean log loss of the true label's calibrated probability (rest examples: 1 − Σ p, at
    /// least 10⁻⁶).
    pub log_loss: f64,
}

/// Summarise a cross-validation.
pub fn report(cv: &CrossValidation, labels: usize, rest: bool) -> Report {
    let mut counts = vec![Counts::default(); labels];
    let mut top = Vec::with_capacity(cv.class.len());
    let mut all = Vec::with_capacity(cv.class.len() * labels);
    let mut loss = 0.0;
    for ((p, &c), z) in cv.probability.iter().zip(&cv.class).zip(&cv.logits) {
        let predicted = top_label(z, rest);
        for (l, cnt) in counts.iter_mut().enumerate() {
            cnt.add(c == l, predicted == Some(l));
        }
        // Calibration of the most probable label's calibrated probability.
        let best =
            p.iter()
                .enumerate()
                .fold(None, |acc: Option<(usize, f64)>, (l, &x)| match acc {
                    Some((_, bx)) if bx >= x => acc,
                    _ => Some((l, x)),
                });
        if let Some((b, x)) = best {
            top.push((x, b == c));
        }
        for (l, &x) in p.iter().enumerate() {
            all.push((x, l == c));
        }
        let own = if c < labels {
            p.get(c).copied().unwrap_or(0.0)
        } else {
            1.0 - p.iter().sum::<f64>()
        };
        loss -= math::ln(own.max(1e-6));
    }
    Report {
        macro_f1: macro_f1(&counts),
        counts,
        ece_top: ece(&top, 10),
        ece_all: ece(&all, 10),
        log_loss: loss / cv.class.len().max(1) as f64,
    }
}
