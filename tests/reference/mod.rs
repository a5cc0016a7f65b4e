//! A deliberately simple REFERENCE evaluator, written from docs/pack-format.md alone (not from
//! src/scan.rs or src/rules.rs): plain `str::find` loops per term over the normalised text, its
//! own word-boundary and negation checks, and a direct reading of the condition table. It is slow
//! and obvious on purpose, so that `tests/core_reference.rs` can compare the engine against it.
//!
//! Supported (the generator in core_reference.rs stays inside this): `zh` locales, settings
//! `normalize`, `negation` (cues, window, except), `threshold`, `word_boundary`; `lexicon`;
//! dimensions with `multi`, `threshold`, `fallback`, `review_below`, labels with `parent` and
//! rules weighted positive, negative or `"probability"`; conditions `terms`, `near`, `field`
//! (`eq`, `in`, `gte`, `lte`, `gt`, `lt`, `exists`), `label`, `model`, `all`, `any`, `not`,
//! `at_least`; `models` of character n-grams (tests/reference/model.rs); a complaint's `title`
//! and `text`. Normalisation itself is taken from `wendu::normalize_str`.
#![allow(dead_code)]

pub mod model;

use model::RefModel;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use wendu::{normalize_str, NormalizeOptions};

/// Clause punctuation as the docs list it, after normalisation (full-width forms become ASCII,
/// 。 stays): a negation does not reach across these.
const CLAUSE: &[char] = &[
    '，', '。', '！', '？', '；', '：', ',', '.', '!', '?', ';', ':',
];

/// The chars that break a line (docs/pack-format.md, "Negation").
const LINE_BREAKS: &[char] = &[
    '\n', '\r', '\u{0B}', '\u{0C}', '\u{85}', '\u{2028}', '\u{2029}',
];

/// Default Chinese negation cues and window, from the docs.
const ZH_CUES: &[&str] = &[
    "没有",
    "没",
    "未",
    "并未",
    "从未",
    "从没",
    "并非",
    "不会",
    "不想",
    "不打算",
    "无需",
    "不用",
];

/// Default Chinese words that contain a cue but negate nothing (docs, "negation": `except`).
const ZH_EXCEPT: &[&str] = &["没收", "未来", "未成年", "没想到", "没办法", "没法", "未经"];

/// What the reference decided for one complaint.
#[derive(Debug, Clone, PartialEq)]
pub struct RefDecision {
    /// Dimension id → label codes, best first.
    pub labels: Vec<(String, Vec<String>)>,
    /// Dimension id → the confidence of each of those labels (0 for a fallback).
    pub confidences: Vec<(String, Vec<f64>)>,
    /// Dimensions flagged by their `review_below`, in pack order.
    pub needs_review: Vec<String>,
    /// Normalised terms (with `*` for prefix terms) that occurred negated at least once.
    pub negated: BTreeSet<String>,
    /// Model id → calibrated probability per label (in the model's label order), as the
    /// reference computes it (also when the decision read given ones).
    pub probabilities: Vec<(String, Vec<f64>)>,
}

/// The normalised complaint as the rules and models see it: title and text joined by a line
/// break (docs, "`models`"), the offsets of the original line ends, and where the text starts.
struct Seen {
    norm: String,
    lines: Vec<usize>,
    /// Byte offset of the text part in `norm` (0 without a title).
    text_start: usize,
    /// The normalised parts themselves.
    parts: Vec<String>,
    /// Per model (pack order), its probabilities.
    probabilities: Vec<Vec<f64>>,
}

impl Seen {
    /// Which part (0 title, 1 text) an occurrence starting at `at` lies in.
    fn part(&self, at: usize) -> usize {
        usize::from(at >= self.text_start)
    }
}

/// A pack read for the reference.
pub struct RefPack<'a> {
    pack: &'a Value,
    opts: NormalizeOptions,
    cues: Vec<String>,
    except: Vec<String>,
    window: usize,
    word_boundary: bool,
    threshold: f64,
    lexicon: BTreeMap<String, Vec<String>>,
    models: Vec<RefModel>,
}

/// One occurrence of a term: byte range in the normalised text, and whether it is negated.
#[derive(Debug, Clone, Copy)]
struct Occ {
    start: usize,
    end: usize,
    negated: bool,
}

fn is_word(c: Option<char>) -> bool {
    c.is_some_and(|c| c.is_ascii_alphanumeric())
}

impl<'a> RefPack<'a> {
    /// Read the parts of a pack the reference understands.
    pub fn new(pack: &'a Value) -> RefPack<'a> {
        let s = &pack["settings"];
        let mut opts = NormalizeOptions::CHINESE;
        let n = &s["normalize"];
        let flag = |k: &str, d: bool| n[k].as_bool().unwrap_or(d);
        opts.fullwidth = flag("fullwidth", opts.fullwidth);
        opts.case_fold = flag("case_fold", opts.case_fold);
        opts.traditional = flag("traditional", opts.traditional);
        opts.strip_spaces = flag("strip_spaces", opts.strip_spaces);
        opts.strip_punctuation = flag("strip_punctuation", opts.strip_punctuation);
        let cues: Vec<String> = match s["negation"]["cues"].as_array() {
            Some(a) => a
                .iter()
                .filter_map(Value::as_str)
                .map(String::from)
                .collect(),
            None => ZH_CUES.iter().map(|c| c.to_string()).collect(),
        };
        let cues = cues
            .iter()
            .map(|c| normalize_str(c, &opts))
            .filter(|c| !c.is_empty())
            .collect();
        let except: Vec<String> = match s["negation"]["except"].as_array() {
            Some(a) => a
                .iter()
                .filter_map(Value::as_str)
                .map(String::from)
                .collect(),
            None => ZH_EXCEPT.iter().map(|c| c.to_string()).collect(),
        };
        let except = except
            .iter()
            .map(|c| normalize_str(c, &opts))
            .filter(|c| !c.is_empty())
            .collect();
        let mut lexicon = BTreeMap::new();
        if let Some(m) = pack["lexicon"].as_object() {
            for (k, v) in m {
                let name = k.strip_prefix('@').unwrap_or(k).to_string();
                let terms = v
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(Value::as_str)
                            .map(String::from)
                            .collect()
                    })
                    .unwrap_or_default();
                lexicon.insert(name, terms);
            }
        }
        RefPack {
            pack,
            opts,
            cues,
            except,
            window: s["negation"]["window"].as_u64().unwrap_or(3) as usize,
            word_boundary: s["word_boundary"].as_bool().unwrap_or(true),
            threshold: s["threshold"].as_f64().unwrap_or(0.5),
            lexicon,
            models: pack["models"]
                .as_array()
                .map(|a| a.iter().map(RefModel::new).collect())
                .unwrap_or_default(),
        }
    }

    /// Every place `term` (normalised; a trailing `*` makes it a prefix term) occurs in `norm`,
    /// overlapping occurrences included, respecting word boundaries.
    fn find_all(&self, norm: &str, term: &str) -> Vec<(usize, usize)> {
        let (stem, prefix) = match term.strip_suffix('*') {
            Some(s) => (s, true),
            None => (term, false),
        };
        let mut out = Vec::new();
        if stem.is_empty() {
            return out;
        }
        let first_word = is_word(stem.chars().next());
        let last_word = is_word(stem.chars().last());
        let mut from = 0;
        while let Some(i) = norm[from..].find(stem) {
            let start = from + i;
            let end = start + stem.len();
            let before = norm[..start].chars().next_back();
            let after = norm[end..].chars().next();
            let ok = !self.word_boundary
                || ((!first_word || !is_word(before)) && (prefix || !last_word || !is_word(after)));
            if ok {
                out.push((start, end));
            }
            // Step one character, so overlapping occurrences are found too.
            from = start + norm[start..].chars().next().map_or(1, char::len_utf8);
        }
        out
    }

    /// Is an occurrence starting at `start` negated? A cue must end at or before `start`, with
    /// at most `window` characters, no clause punctuation and no line end of the original
    /// (`lines`: offsets in the normalised text) between.
    fn negated_at(&self, norm: &str, lines: &[usize], start: usize) -> bool {
        let excepted: Vec<(usize, usize)> = self
            .except
            .iter()
            .flat_map(|w| self.find_all(norm, w))
            .collect();
        self.cues.iter().any(|cue| {
            self.find_all(norm, cue).into_iter().any(|(cs, ce)| {
                // A cue inside an `except` word (没收, 未来) negates nothing.
                if ce > start || excepted.iter().any(|&(es, ee)| es <= cs && ce <= ee) {
                    return false;
                }
                let gap = &norm[ce..start];
                gap.chars().count() <= self.window
                    && !gap.chars().any(|c| CLAUSE.contains(&c))
                    && !lines.iter().any(|&l| ce <= l && l <= start)
            })
        })
    }

    /// Where the lines of the original end in the normalised text, the plain way: the
    /// normalised length of the text before each line break (normalisation works char by char
    /// and drops trailing whitespace, so that length is the break's place).
    fn line_ends(&self, text: &str) -> Vec<usize> {
        text.char_indices()
            .filter(|(_, c)| LINE_BREAKS.contains(c))
            .map(|(i, _)| normalize_str(&text[..i], &self.opts).len())
            .collect()
    }

    /// Expand `@lexicon` names and normalise (keeping a prefix star).
    fn expand(&self, v: &Value) -> Vec<String> {
        let raw: Vec<String> = match v {
            Value::String(s) => vec![s.clone()],
            Value::Array(a) => a
                .iter()
                .filter_map(Value::as_str)
                .map(String::from)
                .collect(),
            _ => Vec::new(),
        };
        let mut out = Vec::new();
        for t in raw {
            let list = match t.strip_prefix('@') {
                Some(name) => self.lexicon.get(name).cloned().unwrap_or_default(),
                None => vec![t],
            };
            for t in list {
                let (stem, star) = match t.strip_suffix('*') {
                    Some(s) => (s, "*"),
                    None => (t.as_str(), ""),
                };
                out.push(format!("{}{star}", normalize_str(stem, &self.opts)));
            }
        }
        out
    }

    fn occurrences(&self, norm: &str, lines: &[usize], terms: &[String]) -> Vec<Occ> {
        let mut out = Vec::new();
        for t in terms {
            for (start, end) in self.find_all(norm, t) {
                out.push(Occ {
                    start,
                    end,
                    negated: self.negated_at(norm, lines, start),
                });
            }
        }
        out
    }

    fn field_value<'v>(&self, input: &'v Value, path: &str) -> Option<&'v Value> {
        let mut cur = input;
        for seg in path.split('.') {
            cur = match cur {
                Value::Object(m) => m.get(seg)?,
                Value::Array(a) => a.get(seg.parse::<usize>().ok()?)?,
                _ => return None,
            };
        }
        (!cur.is_null()).then_some(cur)
    }

    fn equal(&self, have: &Value, want: &Value) -> bool {
        match (have, want) {
            (Value::String(a), Value::String(b)) => {
                normalize_str(a.trim(), &self.opts) == normalize_str(b.trim(), &self.opts)
            }
            (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
            (Value::Bool(a), Value::Bool(b)) => a == b,
            _ => false,
        }
    }

    fn field_holds(&self, f: &Value, input: &Value) -> bool {
        let path = f["path"].as_str().unwrap_or("");
        let have = self.field_value(input, path);
        let num = have.and_then(Value::as_f64);
        let m = f.as_object().expect("field object");
        m.iter().all(|(k, want)| match k.as_str() {
            "path" => true,
            "eq" => have.is_some_and(|h| self.equal(h, want)),
            "in" => have.is_some_and(|h| {
                want.as_array()
                    .is_some_and(|ws| ws.iter().any(|w| self.equal(h, w)))
            }),
            "gte" => num.is_some_and(|x| x >= want.as_f64().unwrap_or(f64::NAN)),
            "lte" => num.is_some_and(|x| x <= want.as_f64().unwrap_or(f64::NAN)),
            "gt" => num.is_some_and(|x| x > want.as_f64().unwrap_or(f64::NAN)),
            "lt" => num.is_some_and(|x| x < want.as_f64().unwrap_or(f64::NAN)),
            "exists" => have.is_some() == want.as_bool().unwrap_or(true),
            other => panic!("reference does not support field operator {other}"),
        })
    }

    /// Codes of `dim` that count as `code` for a label condition: the code and its descendants.
    fn covers(&self, dim: &Value, assigned: &str, code: &str) -> bool {
        let labels = dim["labels"].as_array().cloned().unwrap_or_default();
        let mut cur = Some(assigned.to_string());
        let mut steps = 0;
        while let Some(c) = cur {
            if c == code {
                return true;
            }
            steps += 1;
            if steps > labels.len() {
                return false;
            }
            cur = labels
                .iter()
                .find(|l| l["code"] == c.as_str())
                .and_then(|l| l["parent"].as_str())
                .map(String::from);
        }
        false
    }

    fn holds(&self, c: &Value, seen: &Seen, input: &Value, done: &[(String, Vec<String>)]) -> bool {
        let (norm, lines) = (seen.norm.as_str(), seen.lines.as_slice());
        let aware = c["negation"].as_bool().unwrap_or(true);
        let counts = |o: &Occ| !aware || !o.negated;
        if let Some(t) = c.get("terms") {
            return self
                .occurrences(norm, lines, &self.expand(t))
                .iter()
                .any(counts);
        }
        if let Some(n) = c.get("near") {
            let a: Vec<Occ> = self
                .occurrences(norm, lines, &self.expand(&n["a"]))
                .into_iter()
                .filter(counts)
                .collect();
            let b: Vec<Occ> = self
                .occurrences(norm, lines, &self.expand(&n["b"]))
                .into_iter()
                .filter(counts)
                .collect();
            let within = n["within"].as_u64().unwrap_or(0) as usize;
            let ordered = n["ordered"].as_bool().unwrap_or(false);
            let between = |x: usize, y: usize| norm[x..y].chars().count();
            return a.iter().any(|x| {
                // Never from the title into the text.
                b.iter()
                    .filter(|y| seen.part(y.start) == seen.part(x.start))
                    .any(|y| {
                        if x.end <= y.start {
                            between(x.end, y.start) <= within
                        } else if ordered {
                            false
                        } else if y.end <= x.start {
                            between(y.end, x.start) <= within
                        } else {
                            true // overlapping: nothing between them
                        }
                    })
            });
        }
        if let Some(f) = c.get("field") {
            return self.field_holds(f, input);
        }
        if let Some(l) = c.get("label") {
            let dim_id = l["dimension"].as_str().unwrap_or("");
            let code = l["code"].as_str().unwrap_or("");
            let Some(dim) = self.pack["dimensions"]
                .as_array()
                .and_then(|ds| ds.iter().find(|d| d["id"] == dim_id))
            else {
                return false;
            };
            return done
                .iter()
                .find(|(d, _)| d == dim_id)
                .is_some_and(|(_, codes)| codes.iter().any(|a| self.covers(dim, a, code)));
        }
        if let Some(m) = c.get("model") {
            let p = self.probability(m, seen);
            let min = m["min"].as_f64().unwrap_or(0.0);
            return p >= min && m["max"].as_f64().map_or(true, |max| p < max);
        }
        if let Some(cs) = c.get("all").and_then(Value::as_array) {
            return cs.iter().all(|x| self.holds(x, seen, input, done));
        }
        if let Some(cs) = c.get("any").and_then(Value::as_array) {
            return cs.iter().any(|x| self.holds(x, seen, input, done));
        }
        if let Some(x) = c.get("not") {
            return !self.holds(x, seen, input, done);
        }
        if let Some(al) = c.get("at_least") {
            let n = al["n"].as_u64().unwrap_or(1) as usize;
            let cs = al["of"].as_array().cloned().unwrap_or_default();
            return cs
                .iter()
                .filter(|x| self.holds(x, seen, input, done))
                .count()
                >= n;
        }
        panic!("reference does not support condition {c}")
    }

    /// All terms used anywhere in the pack (normalised), for the `negated` comparison.
    fn all_terms(&self, c: &Value, out: &mut BTreeSet<String>) {
        match c {
            Value::Object(m) => {
                for (k, v) in m {
                    match k.as_str() {
                        "terms" | "a" | "b" => out.extend(self.expand(v)),
                        _ => self.all_terms(v, out),
                    }
                }
            }
            Value::Array(a) => a.iter().for_each(|x| self.all_terms(x, out)),
            _ => {}
        }
    }

    /// The calibrated probability a `model` condition reads.
    fn probability(&self, m: &Value, seen: &Seen) -> f64 {
        let i = self
            .models
            .iter()
            .position(|x| x.id == m["id"].as_str().unwrap_or(""))
            .expect("model condition names a model");
        let l = self.models[i]
            .labels
            .iter()
            .position(|x| x == m["label"].as_str().unwrap_or(""))
            .expect("model condition names one of its labels");
        seen.probabilities[i][l]
    }

    /// The complaint as rules and models see it: title (when given) and text, each normalised,
    /// joined by a line break.
    fn see(&self, input: &Value) -> Seen {
        let text = input["text"].as_str().unwrap_or("");
        let mut parts = Vec::new();
        let mut lines = Vec::new();
        let mut text_start = 0;
        if let Some(title) = input["title"].as_str() {
            let t = normalize_str(title, &self.opts);
            lines = self.line_ends(title);
            // The line break between title and text.
            lines.push(t.len());
            text_start = t.len() + 1;
            parts.push(t);
        }
        lines.extend(self.line_ends(text).into_iter().map(|l| l + text_start));
        parts.push(normalize_str(text, &self.opts));
        let probabilities = self
            .models
            .iter()
            .map(|m| m.probabilities(&parts))
            .collect();
        Seen {
            norm: parts.join("\n"),
            lines,
            text_start,
            parts,
            probabilities,
        }
    }

    /// The weight a rule that fired lends its label: its number (default 1), or for
    /// `"probability"` the probability its one `model` condition read.
    fn weight(&self, rule: &Value, seen: &Seen) -> f64 {
        match &rule["weight"] {
            Value::String(s) if s == "probability" => {
                self.probability(&rule["when"]["model"], seen)
            }
            w => w.as_f64().unwrap_or(1.0),
        }
    }

    /// The normalised complaint models and rules read (title and text joined by a line break).
    pub fn normalized(&self, input: &Value) -> String {
        self.see(input).norm
    }

    /// Decide labels for one complaint (`input` is the complaint object; `title` and `text` are
    /// read for matching).
    pub fn decide(&self, input: &Value) -> RefDecision {
        self.decide_with(input, None)
    }

    /// Decide as [`RefPack::decide`], but let the models' conditions and weights read `given`
    /// probabilities (per model, in pack order) instead of the reference's own. The docs fix the
    /// scoring formula, not the order of its floating-point operations, so the reference's
    /// probabilities and the engine's may differ in the last bits — and a last bit decides
    /// `p ≥ min` when p sits on the bound (a model with one label and a rest class, nothing
    /// present, a·bias + b = 0: p = σ(0) = 0.5 exactly, or one ulp under it). A caller that has
    /// checked the engine's probabilities against the reference's own (the `probabilities` of
    /// `decide`) passes them here, so that the rest of the decision is compared exactly.
    pub fn decide_with(&self, input: &Value, given: Option<Vec<Vec<f64>>>) -> RefDecision {
        let mut seen = self.see(input);
        let own = std::mem::take(&mut seen.probabilities);
        seen.probabilities = given.unwrap_or_else(|| own.clone());
        let mut done: Vec<(String, Vec<String>)> = Vec::new();
        let mut confidences = Vec::new();
        let mut needs_review = Vec::new();
        let dims = self.pack["dimensions"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        for d in &dims {
            let id = d["id"].as_str().unwrap_or("").to_string();
            let threshold = d["threshold"].as_f64().unwrap_or(self.threshold);
            let mut scored: Vec<(String, f64)> = Vec::new();
            for l in d["labels"].as_array().cloned().unwrap_or_default() {
                // (1 − Π(1 − w)) · Π(1 + v): w the positive weights, v the negative ones.
                let mut miss = 1.0f64;
                let mut kept = 1.0f64;
                for r in l["rules"].as_array().cloned().unwrap_or_default() {
                    if self.holds(&r["when"], &seen, input, &done) {
                        let w = self.weight(&r, &seen);
                        if w < 0.0 {
                            kept *= 1.0 + w;
                        } else {
                            miss *= 1.0 - w;
                        }
                    }
                }
                let confidence = (1.0 - miss) * kept;
                // A label of confidence 0 is never given, whatever the threshold.
                if confidence > 0.0 && confidence >= threshold {
                    scored.push((l["code"].as_str().unwrap_or("").to_string(), confidence));
                }
            }
            // Best first; ties in pack order (a stable sort).
            scored.sort_by(|a, b| b.1.total_cmp(&a.1));
            if !d["multi"].as_bool().unwrap_or(false) {
                scored.truncate(1);
            }
            let mut only_fallback = false;
            if scored.is_empty() {
                if let Some(f) = d["fallback"].as_str() {
                    scored.push((f.to_string(), 0.0));
                    only_fallback = true;
                }
            }
            if let Some(below) = d["review_below"].as_f64() {
                if only_fallback || scored.first().map_or(true, |(_, c)| *c < below) {
                    needs_review.push(id.clone());
                }
            }
            confidences.push((id.clone(), scored.iter().map(|(_, c)| *c).collect()));
            done.push((id, scored.into_iter().map(|(c, _)| c).collect()));
        }
        let mut terms = BTreeSet::new();
        self.all_terms(&self.pack["dimensions"], &mut terms);
        self.all_terms(&self.pack["severity"], &mut terms);
        let negated = terms
            .into_iter()
            .filter(|t| {
                self.occurrences(&seen.norm, &seen.lines, std::slice::from_ref(t))
                    .iter()
                    .any(|o| o.negated)
            })
            .collect();
        RefDecision {
            labels: done,
            confidences,
            needs_review,
            negated,
            probabilities: self
                .models
                .iter()
                .zip(own)
                .map(|(m, p)| (m.id.clone(), p))
                .collect(),
        }
    }
}
