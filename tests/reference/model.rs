//! The reference reading of a pack's `models` (docs/pack-format.md, "`models`"), written from the
//! docs alone, not from src/model: every vocabulary n-gram is looked for by plain substring search
//! in each normalised part (title, text), so none spans the line break between them; each distinct
//! n-gram present counts once with its idf byte (or 1); S and N are exact integer sums; then the
//! logit, the softmax with its rest class and the Platt calibration, term by term as the docs write
//! them. Only exp and ln come from `wendu::model::math`: the docs require those to be the model's
//! own (IEEE basic operations), and a last bit may decide `p ≥ min`.

use serde_json::Value;
use wendu::model::math;

/// One model as the reference reads it.
pub struct RefModel {
    /// Model id, named by `model` conditions.
    pub id: String,
    /// Label codes, in weight order.
    pub labels: Vec<String>,
    rest: bool,
    vocabulary: Vec<String>,
    /// Feature-major: `weights[f * labels + l]`.
    weights: Vec<i8>,
    idf: Option<Vec<u8>>,
    scale_e6: Vec<i64>,
    bias_e6: Vec<i64>,
    platt_e6: Vec<[i64; 2]>,
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// RFC 4648 base64 with padding (the generator writes models with it).
pub fn base64_encode(bytes: &[u8]) -> String {
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// RFC 4648 base64 with padding, the plain way (the reference trusts the engine to have
/// rejected a malformed one).
pub fn base64_decode(text: &str) -> Vec<u8> {
    let mut bits = 0u32;
    let mut nbits = 0;
    let mut out = Vec::new();
    for c in text.bytes().filter(|&c| c != b'=') {
        let v = ALPHABET.iter().position(|&a| a == c).expect("base64 digit") as u32;
        bits = (bits << 6) | v;
        nbits += 6;
        if nbits >= 8 {
            nbits -= 8;
            out.push((bits >> nbits) as u8);
            bits &= (1 << nbits) - 1;
        }
    }
    out
}

fn ints(v: &Value) -> Vec<i64> {
    v.as_array()
        .map(|a| a.iter().filter_map(Value::as_i64).collect())
        .unwrap_or_default()
}

impl RefModel {
    /// Read one entry of `models`. Only `"kind": "chars"` is supported (the generator writes no
    /// other).
    pub fn new(m: &Value) -> RefModel {
        assert_eq!(
            m["features"]["kind"], "chars",
            "reference reads chars models only"
        );
        let labels: Vec<String> = m["labels"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default();
        RefModel {
            id: m["id"].as_str().unwrap_or("").to_string(),
            rest: m["rest"].as_bool().unwrap_or(false),
            vocabulary: m["vocabulary"]
                .as_str()
                .unwrap_or("")
                .split('\n')
                .map(String::from)
                .collect(),
            weights: base64_decode(m["weights"].as_str().unwrap_or(""))
                .into_iter()
                .map(|b| b as i8)
                .collect(),
            idf: m["idf"].as_str().map(base64_decode),
            scale_e6: ints(&m["scale_e6"]),
            bias_e6: ints(&m["bias_e6"]),
            platt_e6: m["platt_e6"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|p| {
                            let p = ints(p);
                            [p[0], p[1]]
                        })
                        .collect()
                })
                .unwrap_or_default(),
            labels,
        }
    }

    /// The logits z per label for the normalised parts (title, text).
    pub fn logits(&self, parts: &[String]) -> Vec<f64> {
        let nl = self.labels.len();
        let mut s = vec![0i64; nl];
        let mut n = 0i64;
        for (f, gram) in self.vocabulary.iter().enumerate() {
            // Each distinct n-gram present counts once; searched part by part, so it never spans
            // the line break that joins them.
            if !parts.iter().any(|p| p.contains(gram.as_str())) {
                continue;
            }
            let v = self.idf.as_ref().map_or(1, |idf| i64::from(idf[f]));
            for (l, sl) in s.iter_mut().enumerate() {
                *sl += i64::from(self.weights[f * nl + l]) * v;
            }
            n += v * v;
        }
        (0..nl)
            .map(|l| {
                let bias = self.bias_e6[l] as f64 / 1e6;
                if n == 0 {
                    bias
                } else {
                    let scale = self.scale_e6[l] as f64 / 1e6;
                    bias + scale * s[l] as f64 / (n as f64).sqrt()
                }
            })
            .collect()
    }

    /// The calibrated probability of every label, in `labels` order: σ(a·x + b) with x the
    /// log-odds z_l − ln Σ_{k≠l} e^{z_k} (the rest class counting as a logit 0) clamped to
    /// [−60, 60].
    pub fn probabilities(&self, parts: &[String]) -> Vec<f64> {
        let z = self.logits(parts);
        (0..z.len())
            .map(|l| {
                let mut others: Vec<f64> = z
                    .iter()
                    .enumerate()
                    .filter(|&(k, _)| k != l)
                    .map(|(_, &x)| x)
                    .collect();
                if self.rest {
                    others.push(0.0);
                }
                // ln Σ e^{z_k}, shifted by the largest so that no e^{z_k} overflows; with no
                // other class the sum is empty and its ln is −∞.
                let ln_sum = match others.iter().copied().reduce(f64::max) {
                    None => f64::NEG_INFINITY,
                    Some(m) => m + math::ln(others.iter().map(|&x| math::exp(x - m)).sum()),
                };
                let x = (z[l] - ln_sum).clamp(-60.0, 60.0);
                let [a, b] = self.platt_e6[l];
                math::sigmoid(a as f64 / 1e6 * x + b as f64 / 1e6)
            })
            .collect()
    }
}
