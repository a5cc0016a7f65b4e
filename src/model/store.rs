//! A model in a compiled pack (`.wdp`, docs/compiled-pack.md): its fields as bytes, and for
//! character n-grams the automaton that finds them, stored ready to search — loading then parses
//! no JSON, decodes no base64 and builds nothing (the default pack's model took ≈ 65M
//! instructions to load from its JSON form). Every length, range and order the JSON reader checks
//! is checked again, so damaged bytes are refused, never a panic.

use super::features::{NgramKind, Ngrams, Vocabulary, MAX_NGRAM};
use super::format::{
    entry_problem, MAX_FEATURES, MAX_LABELS, MAX_PARAM_E6, MAX_TRAINING_BYTES,
    MAX_VOCABULARY_BYTES, MAX_WEIGHTS,
};
use super::{Model, Rows};
use crate::codec::{Reader, Res, Writer};
use crate::matcher::Matcher;

impl Model {
    /// Write the model for a compiled pack.
    pub(crate) fn write(&self, w: &mut Writer) {
        w.str(&self.id);
        w.str(&self.dimension);
        w.u8(match self.ngrams.kind {
            NgramKind::Chars => 0,
            NgramKind::Words => 1,
        });
        w.size(self.ngrams.min);
        w.size(self.ngrams.max);
        w.list(&self.labels, |w, l| w.str(l));
        w.bool(self.rest);
        w.list(&self.vocabulary.entries().collect::<Vec<_>>(), |w, e| {
            w.str(e)
        });
        w.blob(&self.weights.iter().map(|&x| x as u8).collect::<Vec<u8>>());
        match &self.idf {
            None => w.u8(0),
            Some(idf) => {
                w.u8(1);
                w.blob(idf);
            }
        }
        w.list(&self.scale_e6, |w, &x| w.iv(x));
        w.list(&self.bias_e6, |w, &x| w.iv(x));
        w.list(&self.platt_e6, |w, &[a, b]| {
            w.iv(a);
            w.iv(b);
        });
        let training = self.training.as_ref().map(|t| t.to_string());
        w.opt_str(training.as_deref());
        match self.vocabulary.automaton() {
            None => w.u8(0),
            Some(m) => {
                w.u8(1);
                m.write(w);
            }
        }
    }

    /// Read a model written by [`Model::write`], with the checks of the JSON reader.
    pub(crate) fn load(r: &mut Reader) -> Res<Model> {
        let id = r.str()?;
        let dimension = r.str()?;
        if id.is_empty() || dimension.is_empty() {
            return Err(r.corrupt("a model without an id or a dimension"));
        }
        let kind = match r.u8()? {
            0 => NgramKind::Chars,
            1 => NgramKind::Words,
            t => return Err(r.corrupt(format!("{t} is not an n-gram kind"))),
        };
        let min = r.size(MAX_NGRAM, "n-gram min")?;
        let max = r.size(MAX_NGRAM, "n-gram max")?;
        if min == 0 || max < min {
            return Err(r.corrupt(format!("n-gram lengths {min}–{max}")));
        }
        let ngrams = Ngrams { kind, min, max };
        let labels = r.list(1, |r| r.str())?;
        let nl = labels.len();
        let rest = r.bool()?;
        if nl == 0 || nl > MAX_LABELS || (nl == 1 && !rest) {
            return Err(r.corrupt(format!("a model of {nl} labels")));
        }
        // The entries, read in place into one string (no allocation per n-gram).
        let nf = r.len(1)?;
        if nf > MAX_FEATURES {
            return Err(r.corrupt("too many n-grams"));
        }
        // Bytes first, checked as UTF-8 once for the whole vocabulary (a check per n-gram was a
        // tenth of the load), then each entry on its own: it must end on a character boundary.
        // Sized for CJK bigrams (6 bytes each), within what the input holds, so it rarely grows.
        let mut bytes: Vec<u8> = Vec::with_capacity((6 * nf).min(r.remaining()));
        let mut ends: Vec<u32> = Vec::with_capacity(nf);
        let mut prev: &[u8] = &[];
        for i in 0..nf {
            let n = r.len(1)?;
            let e = r.bytes(n)?;
            if bytes.len() + e.len() + ends.len() + 1 > MAX_VOCABULARY_BYTES + 1 {
                return Err(r.corrupt("the vocabulary is too large"));
            }
            if i > 0 && prev >= e {
                return Err(r.corrupt(format!("n-gram {i} out of order")));
            }
            bytes.extend_from_slice(e);
            ends.push(bytes.len() as u32);
            prev = e;
        }
        let Ok(text) = String::from_utf8(bytes) else {
            return Err(r.corrupt("the vocabulary is not UTF-8"));
        };
        let mut start = 0;
        for (i, &end) in ends.iter().enumerate() {
            let Some(e) = text.get(start..end as usize) else {
                return Err(r.corrupt(format!("n-gram {i} is not UTF-8")));
            };
            if let Some(problem) = entry_problem(e, &ngrams) {
                return Err(r.corrupt(format!("n-gram {i}: {problem}")));
            }
            start = end as usize;
        }
        let weights: Vec<i8> = r.blob()?.iter().map(|&b| b as i8).collect();
        if weights.len() != nf * nl || weights.len() > MAX_WEIGHTS {
            return Err(r.corrupt(format!(
                "{} weights for {nf} n-grams × {nl} labels",
                weights.len()
            )));
        }
        let idf = match r.u8()? {
            0 => None,
            1 => {
                let idf = r.blob()?.to_vec();
                if idf.len() != nf || idf.contains(&0) {
                    return Err(r.corrupt("idf values do not match the n-grams"));
                }
                Some(idf)
            }
            t => return Err(r.corrupt(format!("{t} is not an option tag"))),
        };
        let param = |r: &mut Reader, ok: &dyn Fn(i64) -> bool| -> Res<i64> {
            let x = r.iv()?;
            if ok(x) {
                Ok(x)
            } else {
                Err(r.corrupt(format!("model parameter {x} out of range")))
            }
        };
        let scale_e6 = r.list(1, |r| param(r, &|x| (0..=MAX_PARAM_E6).contains(&x)))?;
        let bias_e6 = r.list(1, |r| param(r, &|x| x.abs() <= MAX_PARAM_E6))?;
        let in_range = |x: i64| x.abs() <= MAX_PARAM_E6;
        let platt_e6 = r.list(2, |r| Ok([param(r, &in_range)?, param(r, &in_range)?]))?;
        if scale_e6.len() != nl || bias_e6.len() != nl || platt_e6.len() != nl {
            return Err(r.corrupt("per-label parameters do not match the labels"));
        }
        let training = match r.opt_str()? {
            None => None,
            Some(t) if t.len() <= MAX_TRAINING_BYTES => match serde_json::from_str(&t) {
                Ok(v @ serde_json::Value::Object(_)) => Some(v),
                _ => return Err(r.corrupt("training metadata that is not a JSON object")),
            },
            Some(_) => return Err(r.corrupt("training metadata too large")),
        };
        let vocabulary = match r.u8()? {
            0 => {
                let mut start = 0;
                let mut entries = Vec::with_capacity(nf);
                for &end in &ends {
                    entries.push(
                        text.get(start..end as usize)
                            .unwrap_or_default()
                            .to_string(),
                    );
                    start = end as usize;
                }
                Vocabulary::new(entries)
            }
            1 => {
                let m = Matcher::read(r)?;
                if kind != NgramKind::Chars || m.patterns() != nf {
                    return Err(r.corrupt("the n-gram automaton does not match the vocabulary"));
                }
                Vocabulary::packed_with_automaton(text, ends, m)
            }
            t => return Err(r.corrupt(format!("{t} is not an option tag"))),
        };
        Ok(Model {
            rows: Rows::new(&weights, idf.as_deref(), labels.len()),
            id,
            dimension,
            ngrams,
            labels,
            rest,
            vocabulary,
            weights,
            idf,
            scale_e6,
            bias_e6,
            platt_e6,
            training,
        })
    }
}
