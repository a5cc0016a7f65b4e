//! Under `model::train`: Platt calibration — fitting σ(a·s + b) per label on held-back log-odds
//! and storing it in a model.

use crate::model::{math, Model, MICRO};

/// Fit Platt scaling p = σ(a·s + b) to scores and outcomes, with Platt's smoothed targets, by
/// Newton's method with backtracking. Returns (a, b); (1, 0) when there is nothing to fit.
pub fn fit_platt(scores: &[f64], outcomes: &[bool]) -> (f64, f64) {
    let pos = outcomes.iter().filter(|&&y| y).count() as f64;
    let neg = outcomes.len() as f64 - pos;
    if pos == 0.0 || neg == 0.0 {
        return (1.0, 0.0);
    }
    let hi = (pos + 1.0) / (pos + 2.0);
    let lo = 1.0 / (neg + 2.0);
    let pairs: Vec<(f64, f64)> = scores
        .iter()
        .zip(outcomes)
        .map(|(&s, &y)| (s.clamp(-60.0, 60.0), if y { hi } else { lo }))
        .collect();
    // Negative log-likelihood with log(1 + e^x) computed stably.
    let softplus = |x: f64| {
        if x > 0.0 {
            x + math::ln(1.0 + math::exp(-x))
        } else {
            math::ln(1.0 + math::exp(x))
        }
    };
    let nll = |a: f64, b: f64| -> f64 {
        pairs
            .iter()
            .map(|&(s, t)| {
                let x = a * s + b;
                // −t·log σ(x) − (1−t)·log(1−σ(x)) = softplus(x) − t·x
                softplus(x) - t * x
            })
            .sum()
    };
    let (mut a, mut b) = (1.0, 0.0);
    let mut f = nll(a, b);
    for _ in 0..100 {
        let (mut ga, mut gb, mut haa, mut hab, mut hbb) = (0.0, 0.0, 1e-12, 0.0, 1e-12);
        for &(s, t) in &pairs {
            let p = math::sigmoid(a * s + b);
            let d = p - t;
            ga += d * s;
            gb += d;
            let w = p * (1.0 - p);
            haa += w * s * s;
            hab += w * s;
            hbb += w;
        }
        if ga.abs() < 1e-9 && gb.abs() < 1e-9 {
            break;
        }
        let det = haa * hbb - hab * hab;
        if det <= 0.0 {
            break;
        }
        let da = -(hbb * ga - hab * gb) / det;
        let db = -(haa * gb - hab * ga) / det;
        let mut step = 1.0;
        let mut moved = false;
        while step > 1e-10 {
            let (na, nb) = (a + step * da, b + step * db);
            let nf = nll(na, nb);
            if nf < f + 1e-4 * step * (ga * da + gb * db) {
                a = na;
                b = nb;
                f = nf;
                moved = true;
                break;
            }
            step *= 0.5;
        }
        if !moved {
            break;
        }
    }
    (a, b)
}

/// Set the model's calibration from held-back raw log-odds: `logits[i]` per label for examples
/// whose classes are `classes[i]` (`labels` = rest).
pub fn calibrate(model: &mut Model, logits: &[Vec<f64>], classes: &[usize]) {
    let nl = model.labels.len();
    let max = crate::model::format::MAX_PARAM_E6 as f64;
    model.platt_e6 = (0..nl)
        .map(|l| {
            let scores: Vec<f64> = logits
                .iter()
                .map(|v| v.get(l).copied().unwrap_or(0.0))
                .collect();
            let outcomes: Vec<bool> = classes.iter().map(|&c| c == l).collect();
            let (a, b) = fit_platt(&scores, &outcomes);
            [
                (a * MICRO).round().clamp(-max, max) as i64,
                (b * MICRO).round().clamp(-max, max) as i64,
            ]
        })
        .collect();
}
