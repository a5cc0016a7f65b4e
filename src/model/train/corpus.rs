//! Under `model::train`: the training data — labelled examples, their stable fold keys, and the
//! [`Corpus`] that turns every example into sorted n-gram ids once for all the fits of a run.

use crate::model::features::{all_ngrams, Ngrams};
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
pub(super) fn inner_fold_of(key: u64, folds: usize, inner: usize) -> usize {
    ((key / folds.max(1) as u64) % inner.max(1) as u64) as usize
}

/// Examples turned into n-gram ids once, shared by every fit of a cross-validation.
pub struct Corpus<'a> {
    pub(super) ngrams: Ngrams,
    pub(super) examples: Vec<Example<'a>>,
    /// N-gram id → text.
    pub(super) strings: Vec<String>,
    /// Per example: distinct n-gram ids, sorted.
    pub(super) rows: Vec<Vec<u32>>,
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

/// Class index of an example: its label, or `labels` for the rest class.
pub(super) fn class_of(e: &Example, labels: usize) -> usize {
    e.label.unwrap_or(labels)
}
