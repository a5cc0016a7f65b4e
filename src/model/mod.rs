//! Beside the flow, called by the rules step: a learned, explainable text classifier carried in a
//! pack's `models` section. It reads the pack-normalised text (the same text the rules see),
//! gives a calibrated probability per label of one dimension, and explains a label with the
//! n-grams that raised it, as byte spans of the normalised text.
//!
//! The classifier is linear: binary n-gram features from a fixed vocabulary (L2-normalised),
//! int8 weights with one scale per label, a bias, a softmax over the labels (plus an optional
//! implicit "none of these" class), then one Platt calibration per label fitted on held-back
//! folds. Scoring sums the quantised weights as integers and computes the rest with IEEE basic
//! operations and this module's own `exp`/`ln` ([`math`]), so a probability is the same bits on
//! every runtime. Time is linear in the text, memory bounded by the vocabulary.
//!
//! - [`features`]: the vocabulary trie and n-gram extraction;
//! - [`format`](mod@format): the JSON form, its validation (every problem with a JSON pointer) and writing
//!   (its weights and idf as base64: `base64`);
//! - [`train`]: training from labelled texts (pure Rust, deterministic), calibration, and
//!   k-fold cross-validation with its report ([`metrics`]).

mod base64;
pub mod features;
pub mod format;
pub mod math;
pub mod metrics;
mod store;
pub mod train;

pub use features::{NgramKind, Ngrams, Vocabulary};

/// Fixed-point unit of the model's real parameters in JSON: they are stored as integers in
/// millionths, which every JSON parser (JavaScript's included) reads exactly, so a model is the
/// same after any number of round trips.
pub const MICRO: f64 = 1_000_000.0;

/// A learned classifier for one dimension. Immutable; build with [`Model::from_value`] or
/// [`train::fit`].
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// Id, referenced by `model` conditions.
    pub(crate) id: String,
    /// The dimension whose label codes it scores.
    pub(crate) dimension: String,
    /// The n-grams it reads.
    pub(crate) ngrams: Ngrams,
    /// Label codes, in weight order.
    pub(crate) labels: Vec<String>,
    /// True when the softmax has an implicit "none of these labels" class (logit 0).
    pub(crate) rest: bool,
    /// The n-grams, in feature order.
    pub(crate) vocabulary: Vocabulary,
    /// Quantised weights, feature-major: `weights[f * labels + l]`.
    pub(crate) weights: Vec<i8>,
    /// Per feature: its inverse document frequency in sixteenths (1..=255), or `None` for
    /// plain binary features. A text's feature vector is idf_f / √(Σ idf²) over the features
    /// present (binary: 1/√n), so rare n-grams count more, as in TF-IDF.
    pub(crate) idf: Option<Vec<u8>>,
    /// Per label: weight = q × scale (millionths).
    pub(crate) scale_e6: Vec<i64>,
    /// Per label: bias (millionths).
    pub(crate) bias_e6: Vec<i64>,
    /// Per label: Platt calibration `[a, b]` (millionths): p = σ(a·logit(q) + b), where q is
    /// the softmax probability.
    pub(crate) platt_e6: Vec<[i64; 2]>,
    /// Free training metadata (rows, seed, cross-validated scores), kept verbatim.
    pub(crate) training: Option<serde_json::Value>,
    /// Derived from `weights` and `idf` when the model is built: what scoring adds per feature.
    pub(crate) rows: Rows,
}

/// Labels a [`Rows`] row holds: a model of at most this many labels adds a feature's weights
/// as a few fixed words (no per-label bounds checks); also the labels whose log-odds are
/// computed on the stack.
const LANES: usize = 8;

/// The most features whose sums in [`Rows`] cannot overflow an `i32`: each adds at most
/// 128 × 255 in absolute value.
const MAX_ROWS: usize = (i32::MAX / (128 * 255)) as usize;

/// Per feature, its integer weights already multiplied by its value (idf in sixteenths, or 1),
/// two labels to a word: `w[2k+1]·v · 2³² + w[2k]·v`, zero past the last label. Adding the words
/// of the features a text shows adds both labels' sums at once, exactly: |w × v| ≤ 128 × 255,
/// so over at most [`MAX_ROWS`] features each sum stays inside an `i32`, and [`Rows::unpack`]
/// takes the two apart again. Derived, never stored: the sums are the same integers as
/// weight × value added label by label, so the probabilities are the same bits. Empty for a
/// model of more than [`LANES`] labels or [`MAX_ROWS`] features (scored label by label).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Rows(Vec<[i64; LANES / 2]>);

impl Rows {
    /// The rows of `weights` (feature-major, `labels` per feature) and per-feature `idf`.
    pub(crate) fn new(weights: &[i8], idf: Option<&[u8]>, labels: usize) -> Rows {
        if labels == 0 || labels > LANES || weights.len() / labels > MAX_ROWS {
            return Rows::default();
        }
        let rows = weights
            .chunks_exact(labels)
            .enumerate()
            .map(|(f, ws)| {
                let v = idf.map_or(1, |idf| i64::from(idf.get(f).copied().unwrap_or(1)));
                let mut row = [0i64; LANES / 2];
                for (word, pair) in row.iter_mut().zip(ws.chunks(2)) {
                    let lo = pair.first().map_or(0, |&w| i64::from(w) * v);
                    let hi = pair.get(1).map_or(0, |&w| i64::from(w) * v);
                    *word = (hi << 32) + lo;
                }
                row
            })
            .collect();
        Rows(rows)
    }

    /// Label `l`'s sum out of the summed words: the low half of a word is its even label's sum
    /// (sign-extended; exact because it lies inside an `i32`), the rest is the odd label's.
    fn unpack(words: &[i64; LANES / 2], l: usize) -> i64 {
        let word = words.get(l / 2).copied().unwrap_or(0);
        let lo = i64::from(word as i32);
        if l % 2 == 0 {
            lo
        } else {
            word.wrapping_sub(lo) >> 32
        }
    }
}

/// Scratch of scoring, kept from one text to the next: which features the current text has
/// shown, as the number of the text that last showed each.
#[derive(Debug, Default)]
pub struct Seen {
    /// The current text's number (never 0, which marks a feature no text has shown).
    stamp: u32,
    /// Per feature, the number of the text that last showed it.
    last: Vec<u32>,
}

impl Seen {
    /// Start a text of a model of `features` features: its number.
    fn next(&mut self, features: usize) -> u32 {
        if self.last.len() != features || self.stamp == u32::MAX {
            // The first text, or the numbers ran out: start afresh (zeroed memory from the
            // allocator, not a loop over the features).
            self.last = vec![0; features];
            self.stamp = 0;
        }
        self.stamp += 1;
        self.stamp
    }
}

/// One n-gram occurrence that raised a label, for explanations.
#[derive(Debug, Clone, PartialEq)]
pub struct Contribution {
    /// Byte offset where the occurrence starts in the normalised text.
    pub start: usize,
    /// Byte offset where it ends.
    pub end: usize,
    /// The vocabulary n-gram.
    pub ngram: String,
    /// How much this n-gram raises the log-probability of the label (first-order, in nats).
    pub weight: f64,
}

/// A model's view of one text: which features are present, and the per-label logits.
struct Pass {
    /// Distinct features present, in order of first occurrence.
    present: Vec<u32>,
    /// The byte span of each present feature's first occurrence (when asked for).
    spans: Vec<(usize, usize)>,
    /// 1 / ‖x‖: the factor from a feature's integer value (1, or its idf) to its L2-normalised
    /// value.
    r: f64,
    /// Uncalibrated logit per label (the softmax's inputs).
    z: Vec<f64>,
}

impl Model {
    /// Id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The dimension it scores.
    pub fn dimension(&self) -> &str {
        &self.dimension
    }

    /// Label codes, in the order of [`Model::score`]'s output.
    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    /// Index of a label code.
    pub fn label_index(&self, code: &str) -> Option<usize> {
        self.labels.iter().position(|l| l == code)
    }

    /// The n-grams it reads.
    pub fn ngrams(&self) -> Ngrams {
        self.ngrams
    }

    /// Vocabulary size.
    pub fn features(&self) -> usize {
        self.vocabulary.len()
    }

    /// The training metadata stored with the model.
    pub fn training(&self) -> Option<&serde_json::Value> {
        self.training.as_ref()
    }

    /// One walk over the text; `SPANS`: also keep each feature's first span (explanations).
    /// `seen` is scratch, reused from one text to the next.
    fn pass<const SPANS: bool>(&self, normalized: &str, seen: &mut Seen) -> Pass {
        let nl = self.labels.len();
        // Per feature, the text that last showed it: distinct features, memory bounded by the
        // vocabulary, nothing to clear between texts.
        let stamp = seen.next(self.vocabulary.len());
        let seen = &mut seen.last;
        // Capacity for a typical complaint's distinct n-grams, so that few grow.
        // (Only an explanation needs the list of features present and their spans.)
        let mut present = Vec::with_capacity(if SPANS { 256 } else { 0 });
        let mut spans = Vec::with_capacity(if SPANS { 256 } else { 0 });
        // Integer sums — weight × feature value, and the squared norm — are exact, so
        // independent of order and platform; one square root and a few products follow. Each
        // feature is added when first seen.
        // Without rows (a model of many labels or features), label by label in i64.
        let rows = &self.rows.0;
        let mut sums = vec![0i64; if rows.is_empty() { nl } else { 0 }];
        let mut words = [0i64; LANES / 2];
        let mut norm2 = 0i64;
        self.vocabulary.for_each(
            &self.ngrams,
            normalized,
            // Inlined into the automaton's walk: at opt-level "s" (the WebAssembly builds)
            // it stayed a call per n-gram match (BENCHMARKS.md, "The core in WebAssembly
            // against native").
            #[inline(always)]
            |f, start, end| {
                if let Some(last) = seen.get_mut(f as usize) {
                    if *last != stamp {
                        *last = stamp;
                        if let Some(row) = rows.get(f as usize) {
                            for (s, &x) in words.iter_mut().zip(row) {
                                *s = s.wrapping_add(x);
                            }
                            let v = self.value(f);
                            norm2 += v * v;
                        } else {
                            self.add(f, &mut sums, &mut norm2);
                        }
                        if SPANS {
                            present.push(f);
                            spans.push((start, end));
                        }
                    }
                }
            },
        );
        let r = if norm2 > 0 {
            1.0 / (norm2 as f64).sqrt()
        } else {
            0.0
        };
        let z = (0..nl)
            .map(|l| {
                let scale = self.scale_e6.get(l).copied().unwrap_or(0) as f64 / MICRO;
                let bias = self.bias_e6.get(l).copied().unwrap_or(0) as f64 / MICRO;
                let sum = match sums.get(l) {
                    Some(&x) => x,
                    None => Rows::unpack(&words, l),
                };
                bias + scale * sum as f64 * r
            })
            .collect();
        Pass {
            present,
            spans,
            r,
            z,
        }
    }

    /// Add feature `f`'s weights × value to `sums` and its squared value to `norm2`.
    #[inline]
    fn add(&self, f: u32, sums: &mut [i64], norm2: &mut i64) {
        let nl = sums.len();
        let v = self.value(f);
        *norm2 += v * v;
        let row = f as usize * nl;
        if let Some(ws) = self.weights.get(row..row + nl) {
            for (s, &w) in sums.iter_mut().zip(ws) {
                *s += i64::from(w) * v;
            }
        }
    }

    /// The integer value of feature `f` when present: its idf in sixteenths, or 1.
    fn value(&self, f: u32) -> i64 {
        match &self.idf {
            Some(idf) => i64::from(idf.get(f as usize).copied().unwrap_or(1)),
            None => 1,
        }
    }

    /// Softmax probabilities of the labels (without the implicit rest class).
    fn softmax(&self, z: &[f64]) -> Vec<f64> {
        softmax(z, self.rest)
    }

    /// Uncalibrated log-odds per label, logit(q_l) = z_l − ln Σ_{k≠l} e^{z_k} (the rest class
    /// counting as a label with z = 0): what the calibration is fitted on.
    pub fn raw_logits(&self, normalized: &str, out: &mut Vec<f64>) {
        let pass = self.pass::<false>(normalized, &mut Seen::default());
        log_odds(&pass.z, self.rest, out);
    }

    /// Calibrated probability of each label (in [`Model::labels`] order) for a text normalised
    /// with the pack's options.
    pub fn score(&self, normalized: &str, out: &mut Vec<f64>) {
        self.score_with(normalized, &mut Seen::default(), out);
    }

    /// [`Model::score`] with scratch memory kept from one text to the next (for many texts:
    /// nothing to allocate or clear per text).
    pub fn score_with(&self, normalized: &str, seen: &mut Seen, out: &mut Vec<f64>) {
        let pass = self.pass::<false>(normalized, seen);
        log_odds(&pass.z, self.rest, out);
        for (l, x) in out.iter_mut().enumerate() {
            *x = self.calibrate(l, *x);
        }
    }

    /// The calibrated probability of label `l` from its uncalibrated log-odds.
    pub fn calibrate(&self, l: usize, logit: f64) -> f64 {
        let [a, b] = self.platt_e6.get(l).copied().unwrap_or([MICRO as i64, 0]);
        // Saturate before multiplying: ±∞ log-odds (a label that cannot lose) stay finite.
        let logit = logit.clamp(-60.0, 60.0);
        math::sigmoid(a as f64 / MICRO * logit + b as f64 / MICRO)
    }

    /// Score a text and keep what explaining it needs: for a decision, one walk over the text
    /// gives both the probabilities and the evidence of every label the model contributed to.
    pub fn analyze(&self, normalized: &str) -> Analysis<'_> {
        self.analyze_with(normalized, &mut Seen::default())
    }

    /// [`Model::analyze`] with scratch memory kept from one text to the next.
    pub fn analyze_with(&self, normalized: &str, seen: &mut Seen) -> Analysis<'_> {
        let pass = self.pass::<true>(normalized, seen);
        let mut logits = Vec::new();
        log_odds(&pass.z, self.rest, &mut logits);
        let probabilities = logits
            .iter()
            .enumerate()
            .map(|(l, &x)| self.calibrate(l, x))
            .collect();
        let q = self.softmax(&pass.z);
        let scale: Vec<f64> = (0..self.labels.len())
            .map(|l| self.scale_e6.get(l).copied().unwrap_or(0) as f64 / MICRO)
            .collect();
        // q_k · scale_k once, so that each feature's expected weight is one product per label.
        let q_scale: Vec<f64> = q.iter().zip(&scale).map(|(a, b)| a * b).collect();
        let nl = self.labels.len();
        let mut factor = Vec::with_capacity(pass.present.len());
        let mut mean = Vec::with_capacity(pass.present.len());
        for &f in &pass.present {
            let row = self
                .weights
                .get(f as usize * nl..(f as usize + 1) * nl)
                .unwrap_or_default();
            mean.push(
                row.iter()
                    .zip(&q_scale)
                    .map(|(&w, qs)| f64::from(w) * qs)
                    .sum::<f64>(),
            );
            factor.push(self.value(f) as f64 * pass.r);
        }
        Analysis {
            model: self,
            pass,
            probabilities,
            scale,
            mean,
            factor,
        }
    }

    /// The n-grams of `normalized` that most raise label `label`'s probability, best first, at
    /// most `top`: each distinct n-gram once, at its first occurrence. An n-gram's weight is its
    /// first-order effect on the log-probability of the label, w_l − Σ_k q_k·w_k (scaled by the
    /// feature value), so an n-gram that raises every label alike explains none of them.
    pub fn explain(&self, normalized: &str, label: usize, top: usize) -> Vec<Contribution> {
        self.analyze(normalized).explain(label, top)
    }
}

/// A scored text with what explaining it needs ([`Model::analyze`]).
pub struct Analysis<'m> {
    model: &'m Model,
    pass: Pass,
    probabilities: Vec<f64>,
    /// Per label: the weights' scale.
    scale: Vec<f64>,
    /// Per present feature: Σ_k q_k·w_k, the weight the softmax expects.
    mean: Vec<f64>,
    /// Per present feature: its value × 1/‖x‖.
    factor: Vec<f64>,
}

impl Analysis<'_> {
    /// Calibrated probability per label, as [`Model::score`] gives.
    pub fn probabilities(&self) -> &[f64] {
        &self.probabilities
    }

    /// See [`Model::explain`]; empty for a label out of range or `top` = 0.
    pub fn explain(&self, label: usize, top: usize) -> Vec<Contribution> {
        let m = self.model;
        let nl = m.labels.len();
        if label >= nl || top == 0 {
            return Vec::new();
        }
        let s = self.scale.get(label).copied().unwrap_or(0.0);
        let mut scored: Vec<(f64, usize)> = self
            .pass
            .present
            .iter()
            .enumerate()
            .filter_map(|(i, &f)| {
                let w = f64::from(m.weights.get(f as usize * nl + label).copied().unwrap_or(0)) * s;
                let c = (w - self.mean.get(i).copied().unwrap_or(0.0))
                    * self.factor.get(i).copied().unwrap_or(0.0);
                (c > 0.0).then_some((c, i))
            })
            .collect();
        // Best first; ties by first occurrence (start, then length) — a total order, so
        // selecting the top before sorting them is deterministic.
        let spans = &self.pass.spans;
        let order = |a: &(f64, usize), b: &(f64, usize)| {
            b.0.total_cmp(&a.0)
                .then_with(|| spans.get(a.1).cmp(&spans.get(b.1)))
                .then(a.1.cmp(&b.1))
        };
        if scored.len() > top {
            scored.select_nth_unstable_by(top - 1, order);
            scored.truncate(top);
        }
        crate::sort::sort_by(&mut scored, order);
        scored
            .iter()
            .filter_map(|&(w, i)| {
                let f = *self.pass.present.get(i)?;
                let &(start, end) = self.pass.spans.get(i)?;
                Some(Contribution {
                    start,
                    end,
                    ngram: m.vocabulary.entry(f as usize)?.to_string(),
                    weight: w,
                })
            })
            .collect()
    }
}

/// Softmax of `z` (plus a class with logit 0 when `rest`), the labels' part, in `z`'s order.
/// Summed in a fixed order with the deterministic [`math::exp`].
pub(crate) fn softmax(z: &[f64], rest: bool) -> Vec<f64> {
    let mut m = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if rest {
        m = m.max(0.0);
    }
    let e: Vec<f64> = z.iter().map(|&x| math::exp(x - m)).collect();
    let mut total: f64 = e.iter().sum();
    if rest {
        total += math::exp(-m);
    }
    e.iter().map(|&x| x / total).collect()
}

/// Log-odds of each label under the softmax of `z` (plus the rest class), into `out`.
pub(crate) fn log_odds(z: &[f64], rest: bool, out: &mut Vec<f64>) {
    out.clear();
    let mut m = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if rest {
        m = m.max(0.0);
    }
    // On the stack for the usual few labels.
    let mut small = [0f64; LANES];
    let mut large = Vec::new();
    let e: &mut [f64] = match small.get_mut(..z.len()) {
        Some(e) => e,
        None => {
            large.resize(z.len(), 0.0);
            &mut large
        }
    };
    for (e, &x) in e.iter_mut().zip(z) {
        *e = math::exp(x - m);
    }
    let rest_e = if rest { math::exp(-m) } else { 0.0 };
    for l in 0..z.len() {
        // The others' mass summed directly (not total − own: no cancellation near p = 1).
        let mut others = rest_e;
        for (k, &x) in e.iter().enumerate() {
            if k != l {
                others += x;
            }
        }
        let zl = z.get(l).copied().unwrap_or(0.0) - m;
        out.push(zl - math::ln(others));
    }
}

#[cfg(test)]
mod tests;
