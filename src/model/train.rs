//! Under `model`: learning a [`Model`] from labelled, pack-normalised texts — pure Rust with no
//! I/O and no clock, so it runs in the command line and, later, in a page. Deterministic: the
//! same examples, configuration and seed give the same model bytes on every platform (no
//! threads, no hash-map iteration order, the module's own `exp`/`ln`).
//!
//! Steps: every n-gram of the texts → χ² selection of a fixed vocabulary on the training rows →
//! multinomial logistic regression (softmax over the labels plus an optional "none of these"
//! class, L2-regularised, L-BFGS) on binary L2-normalised features → int8 quantisation per label
//! → Platt calibration per label fitted on held-back folds. [`cross_validate`] runs it k times
//! and returns out-of-fold probabilities for honest reports; [`learn`] adds the final model.

use super::features::{all_ngrams, Ngrams, Vocabulary};
use super::metrics::{ece, macro_f1, Counts};
use super::{math, Model, Rows, MICRO};
use std::collections::HashMap;

/// One labelled text.
#[derive(Debug, Clone, Copy)]
pub struct Example<'a> {
    /// The text, normalised with the pack's options (as the engine will score it).
    pub text: &'a str,
    /// Index of its label, or `None` for "none of the labels" (needs `rest`).
    pub label: Option<usize>,
    /// A stable key for fold assignment, e.g. [`row_key`] of the original text.
    pub key: u64,
}

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
    /// Seed (recorded in the model; folds come from [`Example::key`]).
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
                kind: super::NgramKind::Chars,
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
                kind: super::NgramKind::Words,
                min: 1,
                max: 2,
            },
            ..Config::chinese(id, dimension)
        }
    }
}

/// FNV-1a 64 of the seed's 8 little-endian bytes followed by the text's UTF-8 bytes: a fold key
/// any language can recompute (the baseline script does), equal for equal texts so duplicates
/// never straddle folds.
pub fn row_key(text: &str, seed: u64) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in seed.to_le_bytes().iter().chain(text.as_bytes()) {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// The outer fold of a key.
pub fn fold_of(key: u64, folds: usize) -> usize {
    (key % folds.max(1) as u64) as usize
}

/// The calibration fold of a key inside a training set.
fn inner_fold_of(key: u64, folds: usize, inner: usize) -> usize {
    ((key / folds.max(1) as u64) % inner.max(1) as u64) as usize
}

/// Examples turned into n-gram ids once, shared by every fit of a cross-validation.
pub struct Corpus<'a> {
    ngrams: Ngrams,
    examples: Vec<Example<'a>>,
    /// N-gram id → text.
    strings: Vec<String>,
    /// Per example: distinct n-gram ids, sorted.
    rows: Vec<Vec<u32>>,
}

impl<'a> Corpus<'a> {
    /// Extract every n-gram of every example.
    pub fn new(examples: &[Example<'a>], ngrams: Ngrams) -> Corpus<'a> {
        let mut ids: HashMap<String, u32> = HashMap::new();
        let mut strings = Vec::new();
        let mut rows = Vec::with_capacity(examples.len());
        for e in examples {
            let mut row = Vec::new();
            all_ngrams(&ngrams, e.text, |s| {
                let id = match ids.get(s) {
                    Some(&id) => id,
                    None => {
                        let id = strings.len() as u32;
                        ids.insert(s.to_string(), id);
                        strings.push(s.to_string());
                        id
                    }
                };
                row.push(id);
            });
            row.sort_unstable();
            row.dedup();
            rows.push(row);
        }
        Corpus {
            ngrams,
            examples: examples.to_vec(),
            strings,
            rows,
        }
    }

    /// Number of examples.
    pub fn len(&self) -> usize {
        self.examples.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.examples.is_empty()
    }

    /// Distinct n-grams seen.
    pub fn distinct_ngrams(&self) -> usize {
        self.strings.len()
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

fn check(corpus: &Corpus, labels: &[String], rest: bool, cfg: &Config) -> Result<(), TrainError> {
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

/// Class index of an example: its label, or `labels` for the rest class.
fn class_of(e: &Example, labels: usize) -> usize {
    e.label.unwrap_or(labels)
}

/// Fit an uncalibrated model (Platt identity) on the examples `rows` of `corpus`.
pub fn fit(
    corpus: &Corpus,
    rows: &[usize],
    labels: &[String],
    rest: bool,
    cfg: &Config,
) -> Result<Model, TrainError> {
    check(corpus, labels, rest, cfg)?;
    let nl = labels.len();
    let nc = nl + usize::from(rest);
    // 1. χ² over document frequencies per class, on the training rows only.
    let mut df = vec![0u32; corpus.strings.len() * nc];
    let mut class_n = vec![0usize; nc];
    for &i in rows {
        let (Some(e), Some(row)) = (corpus.examples.get(i), corpus.rows.get(i)) else {
            continue;
        };
        let c = class_of(e, nl);
        if let Some(n) = class_n.get_mut(c) {
            *n += 1;
        }
        for &f in row {
            if let Some(x) = df.get_mut(f as usize * nc + c) {
                *x += 1;
            }
        }
    }
    let n = rows.len().max(1) as f64;
    let mut scored: Vec<(f64, u32)> = Vec::new();
    for f in 0..corpus.strings.len() {
        let counts = df.get(f * nc..(f + 1) * nc).unwrap_or_default();
        let total: u32 = counts.iter().sum();
        if (total as usize) < cfg.min_df {
            continue;
        }
        let mut chi2 = 0.0;
        for (c, &o) in counts.iter().enumerate() {
            let expected = f64::from(total) * class_n.get(c).copied().unwrap_or(0) as f64 / n;
            if expected > 0.0 {
                let d = f64::from(o) - expected;
                chi2 += d * d / expected;
            }
        }
        scored.push((chi2, f as u32));
    }
    // Best first; ties by the n-gram's bytes so the choice never depends on id order.
    scored.sort_by(|a, b| {
        b.0.total_cmp(&a.0).then_with(|| {
            let sa = corpus.strings.get(a.1 as usize).map(String::as_bytes);
            let sb = corpus.strings.get(b.1 as usize).map(String::as_bytes);
            sa.cmp(&sb)
        })
    });
    scored.truncate(cfg.features);
    // 2. The vocabulary in byte order; old id → feature index.
    let mut chosen: Vec<u32> = scored.iter().map(|s| s.1).collect();
    chosen.sort_by(|a, b| {
        let sa = corpus.strings.get(*a as usize).map(String::as_bytes);
        let sb = corpus.strings.get(*b as usize).map(String::as_bytes);
        sa.cmp(&sb)
    });
    let mut remap: HashMap<u32, u32> = HashMap::with_capacity(chosen.len());
    for (new, &old) in chosen.iter().enumerate() {
        remap.insert(old, new as u32);
    }
    let nf = chosen.len();
    // Smoothed idf, ln((1 + n) / (1 + df)) + 1, in sixteenths (1..=255).
    let idf: Option<Vec<u8>> = cfg.idf.then(|| {
        chosen
            .iter()
            .map(|&f| {
                let d: u32 = df
                    .get(f as usize * nc..(f as usize + 1) * nc)
                    .unwrap_or_default()
                    .iter()
                    .sum();
                let x = math::ln((1.0 + n) / (1.0 + f64::from(d))) + 1.0;
                (x * 16.0).round().clamp(1.0, 255.0) as u8
            })
            .collect()
    });
    let value = |f: u32| -> f64 {
        idf.as_ref()
            .and_then(|v| v.get(f as usize))
            .map_or(1.0, |&x| f64::from(x))
    };
    let data: Vec<(Vec<u32>, usize)> = rows
        .iter()
        .filter_map(|&i| {
            let e = corpus.examples.get(i)?;
            let row = corpus.rows.get(i)?;
            let mut feats: Vec<u32> = row.iter().filter_map(|f| remap.get(f).copied()).collect();
            feats.sort_unstable();
            Some((feats, class_of(e, nl)))
        })
        .collect();
    // 3. Logistic regression.
    let sample_weight: Vec<f64> = if cfg.balanced {
        class_n
            .iter()
            .map(|&k| {
                if k > 0 {
                    n / (nc as f64 * k as f64)
                } else {
                    0.0
                }
            })
            .collect()
    } else {
        vec![1.0; nc]
    };
    let values: Vec<f64> = (0..nf as u32).map(value).collect();
    let problem = Softmax {
        data: &data,
        values: &values,
        nf,
        nl,
        rest,
        l2: cfg.l2,
        class_weight: &sample_weight,
    };
    let theta = lbfgs(&problem, nf * nl + nl, cfg.iterations);
    // 4. Quantise: int8 per label with the smallest millionth scale that fits the largest
    // weight (ceil, so |q| ≤ 127 after rounding).
    let mut scale_e6 = Vec::with_capacity(nl);
    let mut weights = vec![0i8; nf * nl];
    for l in 0..nl {
        let max = (0..nf)
            .map(|f| theta.get(f * nl + l).copied().unwrap_or(0.0).abs())
            .fold(0.0f64, f64::max);
        let s = (max / 127.0 * MICRO)
            .ceil()
            .min(super::format::MAX_PARAM_E6 as f64) as i64;
        scale_e6.push(s);
        if s > 0 {
            let scale = s as f64 / MICRO;
            for f in 0..nf {
                let w = theta.get(f * nl + l).copied().unwrap_or(0.0);
                if let Some(q) = weights.get_mut(f * nl + l) {
                    *q = (w / scale).round().clamp(-127.0, 127.0) as i8;
                }
            }
        }
    }
    let bias_e6 = (0..nl)
        .map(|l| {
            let b = theta.get(nf * nl + l).copied().unwrap_or(0.0);
            let max = super::format::MAX_PARAM_E6 as f64;
            (b * MICRO).round().clamp(-max, max) as i64
        })
        .collect();
    let vocabulary = Vocabulary::for_ngrams(
        chosen
            .iter()
            .filter_map(|&f| corpus.strings.get(f as usize).cloned())
            .collect(),
        corpus.ngrams.kind,
    );
    Ok(Model {
        rows: Rows::new(&weights, idf.as_deref(), labels.len()),
        id: cfg.id.clone(),
        dimension: cfg.dimension.clone(),
        ngrams: corpus.ngrams,
        labels: labels.to_vec(),
        rest,
        vocabulary,
        weights,
        idf,
        scale_e6,
        bias_e6,
        platt_e6: vec![[MICRO as i64, 0]; nl],
        training: None,
    })
}

/// The multinomial logistic regression objective over binary, L2-normalised features.
struct Softmax<'d> {
    /// Per example: feature indices and class (`nl` = rest).
    data: &'d [(Vec<u32>, usize)],
    /// Per feature: its integer value when present (idf in sixteenths, or 1).
    values: &'d [f64],
    nf: usize,
    nl: usize,
    rest: bool,
    l2: f64,
    class_weight: &'d [f64],
}

impl Softmax<'_> {
    /// Loss and gradient at `theta` = [W (nf × nl, feature-major), b (nl)].
    fn eval(&self, theta: &[f64], grad: &mut [f64]) -> f64 {
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

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Limited-memory BFGS from zero with a backtracking (Armijo) line search; deterministic.
fn lbfgs(problem: &Softmax, n: usize, iterations: usize) -> Vec<f64> {
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
    let max = super::format::MAX_PARAM_E6 as f64;
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
