//! Under `model::train`: the function [`fit`](fn@super::fit) minimises — the L2-regularised
//! mean log loss of a softmax over binary, L2-normalised (or idf-weighted) features — and its
//! gradient.

use crate::model::math;

/// The multinomial logistic regression objective over binary, L2-normalised features.
pub(super) struct Softmax<'d> {
    /// Per example: feature indices and class (`nl` = rest).
    pub(super) data: &'d [(Vec<u32>, usize)],
    /// Per feature: its integer value when present (idf in sixteenths, or 1).
    pub(super) values: &'d [f64],
    pub(super) nf: usize,
    pub(super) nl: usize,
    pub(super) rest: bool,
    pub(super) l2: f64,
    pub(super) class_weight: &'d [f64],
}

impl Softmax<'_> {
    /// Loss and gradient at `theta` = [W (nf × nl, feature-major), b (nl)].
    pub(super) fn eval(&self, theta: &[f64], grad: &mut [f64]) -> f64 {
        let (nf, nl) = (self.nf, self.nl);
        grad.iter_mut().for_each(|g| *g = 0.0);
        let mut loss = 0.0;
        let mut total_weight = 0.0;
        let mut z = vec![0.0; nl];
        let mut e = vec![0.0; nl];
        for (feats, class) in self.data {
            let w = self.class_weight.get(*class).copied().unwrap_or(1.0);
            if w == 0.0 {
                continue;
            }
            total_weight += w;
            // Exactly as scoring: integer values, their squared norm summed exactly.
            let norm2: f64 = feats
                .iter()
                .map(|&f| {
                    let v = self.values.get(f as usize).copied().unwrap_or(1.0);
                    v * v
                })
                .sum();
            let r = if norm2 > 0.0 { 1.0 / norm2.sqrt() } else { 0.0 };
            for (l, zl) in z.iter_mut().enumerate() {
                *zl = theta.get(nf * nl + l).copied().unwrap_or(0.0);
            }
            let mut acc = vec![0.0; nl];
            for &f in feats {
                let v = self.values.get(f as usize).copied().unwrap_or(1.0);
                let row = f as usize * nl;
                if let Some(ws) = theta.get(row..row + nl) {
                    for (a, &x) in acc.iter_mut().zip(ws) {
                        *a += x * v;
                    }
                }
            }
            for (zl, a) in z.iter_mut().zip(&acc) {
                *zl += a * r;
            }
            let mut m = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            if self.rest {
                m = m.max(0.0);
            }
            let mut sum = 0.0;
            for (el, &zl) in e.iter_mut().zip(&z) {
                *el = math::exp(zl - m);
                sum += *el;
            }
            let rest_e = if self.rest { math::exp(-m) } else { 0.0 };
            sum += rest_e;
            let log_sum = math::ln(sum) + m;
            let own = if *class < nl {
                z.get(*class).copied().unwrap_or(0.0)
            } else {
                0.0
            };
            loss += w * (log_sum - own);
            // d loss / d z_l = p_l − [class = l].
            for l in 0..nl {
                let p = e.get(l).copied().unwrap_or(0.0) / sum;
                let g = w * (p - if *class == l { 1.0 } else { 0.0 });
                if g == 0.0 {
                    continue;
                }
                if let Some(gb) = grad.get_mut(nf * nl + l) {
                    *gb += g;
                }
                let gr = g * r;
                for &f in feats {
                    let v = self.values.get(f as usize).copied().unwrap_or(1.0);
                    if let Some(gw) = grad.get_mut(f as usize * nl + l) {
                        *gw += gr * v;
                    }
                }
            }
        }
        let scale = if total_weight > 0.0 {
            1.0 / total_weight
        } else {
            0.0
        };
        loss *= scale;
        grad.iter_mut().for_each(|g| *g *= scale);
        // L2 on the weights, not the biases.
        let mut reg = 0.0;
        for (i, (g, &t)) in grad.iter_mut().zip(theta).enumerate() {
            if i < nf * nl {
                reg += t * t;
                *g += self.l2 * t;
            }
        }
        loss + 0.5 * self.l2 * reg
    }
}
