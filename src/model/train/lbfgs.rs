//! Under `model::train`: the optimiser — limited-memory BFGS with a backtracking line search,
//! deterministic, over the [`Softmax`] objective.

use super::objective::Softmax;

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Limited-memory BFGS from zero with a backtracking (Armijo) line search; deterministic.
pub(super) fn lbfgs(problem: &Softmax, n: usize, iterations: usize) -> Vec<f64> {
    const MEMORY: usize = 10;
    let mut x = vec![0.0; n];
    let mut g = vec![0.0; n];
    let mut f = problem.eval(&x, &mut g);
    let mut history: std::collections::VecDeque<(Vec<f64>, Vec<f64>, f64)> =
        std::collections::VecDeque::new();
    let mut d = vec![0.0; n];
    let mut x_new = vec![0.0; n];
    let mut g_new = vec![0.0; n];
    for _ in 0..iterations {
        let gmax = g.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        if gmax < 1e-7 {
            break;
        }
        // Two-loop recursion: d = −H·g.
        d.copy_from_slice(&g);
        let mut alphas = Vec::with_capacity(history.len());
        for (s, y, rho) in history.iter().rev() {
            let a = rho * dot(s, &d);
            for (di, yi) in d.iter_mut().zip(y) {
                *di -= a * yi;
            }
            alphas.push(a);
        }
        let gamma = match history.back() {
            Some((s, y, _)) => dot(s, y) / dot(y, y).max(f64::MIN_POSITIVE),
            None => 1.0 / g.iter().map(|v| v * v).sum::<f64>().sqrt().max(1e-12),
        };
        d.iter_mut().for_each(|v| *v *= gamma);
        for ((s, y, rho), a) in history.iter().zip(alphas.iter().rev()) {
            let b = rho * dot(y, &d);
            for (di, si) in d.iter_mut().zip(s) {
                *di += si * (a - b);
            }
        }
        d.iter_mut().for_each(|v| *v = -*v);
        let mut slope = dot(&g, &d);
        if slope >= 0.0 {
            // Not a descent direction (numerical trouble): restart from steepest descent.
            history.clear();
            for (di, gi) in d.iter_mut().zip(&g) {
                *di = -gi;
            }
            slope = dot(&g, &d);
        }
        let mut t = 1.0;
        let mut accepted = false;
        let mut f_new = f;
        for _ in 0..40 {
            for ((xn, xi), di) in x_new.iter_mut().zip(&x).zip(&d) {
                *xn = xi + t * di;
            }
            f_new = problem.eval(&x_new, &mut g_new);
            if f_new <= f + 1e-4 * t * slope {
                accepted = true;
                break;
            }
            t *= 0.5;
        }
        if !accepted {
            break;
        }
        let s: Vec<f64> = x_new.iter().zip(&x).map(|(a, b)| a - b).collect();
        let y: Vec<f64> = g_new.iter().zip(&g).map(|(a, b)| a - b).collect();
        let sy = dot(&s, &y);
        if sy > 1e-12 {
            if history.len() == MEMORY {
                history.pop_front();
            }
            history.push_back((s, y, 1.0 / sy));
        }
        let decrease = f - f_new;
        std::mem::swap(&mut x, &mut x_new);
        std::mem::swap(&mut g, &mut g_new);
        f = f_new;
        if decrease <= 1e-10 * f.abs().max(1.0) {
            break;
        }
    }
    x
}
