//! Under `model`: the scores a learned model is judged by, shared by `wendu learn` (cross-
//! validation) and `wendu eval`: per-class precision, recall and F1 over multi-label predictions,
//! macro-F1, a confusion table, and expected calibration error.

/// Counts of one class: true positives, false positives, false negatives.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Predicted and true.
    pub tp: usize,
    /// Predicted, not true.
    pub fp: usize,
    /// True, not predicted.
    pub fn_: usize,
}

impl Counts {
    /// Count one decision.
    pub fn add(&mut self, truth: bool, predicted: bool) {
        match (truth, predicted) {
            (true, true) => self.tp += 1,
            (false, true) => self.fp += 1,
            (true, false) => self.fn_ += 1,
            (false, false) => {}
        }
    }

    /// Precision, recall and F1; 0 where undefined.
    pub fn prf(&self) -> (f64, f64, f64) {
        let ratio = |a: usize, b: usize| if b > 0 { a as f64 / b as f64 } else { 0.0 };
        let p = ratio(self.tp, self.tp + self.fp);
        let r = ratio(self.tp, self.tp + self.fn_);
        let f1 = if p + r > 0.0 {
            2.0 * p * r / (p + r)
        } else {
            0.0
        };
        (p, r, f1)
    }

    /// Items of the class (tp + fn).
    pub fn support(&self) -> usize {
        self.tp + self.fn_
    }
}

/// Mean F1 over classes; 0 for none.
pub fn macro_f1(counts: &[Counts]) -> f64 {
    if counts.is_empty() {
        return 0.0;
    }
    counts.iter().map(|c| c.prf().2).sum::<f64>() / counts.len() as f64
}

/// Expected calibration error with `bins` equal-width bins over [0, 1]: Σ_b (n_b / N)·|mean
/// predicted − observed frequency| over (probability, outcome) pairs. 0 for no pairs.
pub fn ece(pairs: &[(f64, bool)], bins: usize) -> f64 {
    let bins = bins.max(1);
    let mut sum_p = vec![0.0f64; bins];
    let mut hits = vec![0usize; bins];
    let mut n = vec![0usize; bins];
    for &(p, y) in pairs {
        let p = if p.is_nan() { 0.0 } else { p.clamp(0.0, 1.0) };
        let b = ((p * bins as f64) as usize).min(bins - 1);
        if let (Some(s), Some(h), Some(c)) = (sum_p.get_mut(b), hits.get_mut(b), n.get_mut(b)) {
            *s += p;
            *h += usize::from(y);
            *c += 1;
        }
    }
    let total = pairs.len().max(1) as f64;
    (0..bins)
        .map(|b| {
            let c = n.get(b).copied().unwrap_or(0);
            if c == 0 {
                return 0.0;
            }
            let mean = sum_p.get(b).copied().unwrap_or(0.0) / c as f64;
            let freq = hits.get(b).copied().unwrap_or(0) as f64 / c as f64;
            c as f64 / total * (mean - freq).abs()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prf_and_macro() {
        let mut c = Counts::default();
        c.add(true, true);
        c.add(false, true);
        c.add(true, false);
        c.add(false, false);
        assert_eq!(
            c,
            Counts {
                tp: 1,
                fp: 1,
                fn_: 1
            }
        );
        assert_eq!(c.prf(), (0.5, 0.5, 0.5));
        assert_eq!(Counts::default().prf(), (0.0, 0.0, 0.0));
        assert_eq!(
            macro_f1(&[
                c,
                Counts {
                    tp: 2,
                    fp: 0,
                    fn_: 0
                }
            ]),
            0.75
        );
        assert_eq!(macro_f1(&[]), 0.0);
    }

    #[test]
    fn ece_is_zero_when_calibrated_and_large_when_not() {
        // 10 predictions at 0.75 of which 3 of 4 hold, repeated.
        let good: Vec<(f64, bool)> = (0..40).map(|i| (0.75, i % 4 != 0)).collect();
        assert!(ece(&good, 10) < 1e-12);
        let bad: Vec<(f64, bool)> = (0..40).map(|_| (0.95, false)).collect();
        assert!((ece(&bad, 10) - 0.95).abs() < 1e-12);
        assert_eq!(ece(&[], 10), 0.0);
        // 1.0 falls in the last bin, not out of range.
        assert_eq!(ece(&[(1.0, true)], 10), 0.0);
    }
}
