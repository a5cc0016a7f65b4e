//! Under `model::train`: one fit on a set of rows — χ² selection of the vocabulary, idf
//! weights, the logistic regression ([`super::objective`], solved by [`super::lbfgs`]) and int8
//! quantisation into an uncalibrated [`Model`].

use super::config::{check, Config, TrainError};
use super::corpus::{class_of, Corpus};
use super::lbfgs::lbfgs;
use super::objective::Softmax;
use crate::model::features::Vocabulary;
use crate::model::{math, Model, Rows, MICRO};
use std::collections::HashMap;

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
            .min(crate::model::format::MAX_PARAM_E6 as f64) as i64;
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
            let max = crate::model::format::MAX_PARAM_E6 as f64;
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
