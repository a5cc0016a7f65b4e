//! A [`CompiledPack`] as bytes: the `.wdp` format (docs/compiled-pack.md). A 24-byte header —
//! magic, format version, flags, body length, XXH64 of the body — then the body: sections in a
//! fixed order, each a tag, a length and its bytes. Everything the engine needs is stored ready
//! to use (the term table, the automaton, the rule index, every condition compiled over term
//! ids); what is cheap to derive is derived on loading (the term sets' masks, which rule is
//! where, the regexes, compiled from their sources). Loading checks the magic, the version and
//! the checksum first, then every length and index while reading, so damaged or hostile bytes
//! give an [`Corrupt`] error naming the section and the byte, never a panic. Writing is
//! deterministic: the same pack gives the same bytes on every platform.

use super::{CompiledDimension, CompiledFactor, CompiledLabel, CompiledPack, CompiledRule};
use crate::codec::{xxh64, Corrupt, Reader, Res, Writer};
use crate::condition::meta::RegexSet;
use crate::condition::{Bounds, Condition, ConditionIndex, PackRegex, Tour};
use crate::error::{Problem, ProblemKind};
use crate::matcher::Matcher;
use crate::model::Model;
use crate::pack::{read_route, write_route, LevelDef, Limits, PackInfo, TriggerSpec, Weight};
use crate::scan::{PatternInfo, Scanner};
use crate::text::NormalizeOptions;
use std::sync::Arc;

/// The first bytes of every compiled pack. The leading 0xFF is never valid UTF-8, so a compiled
/// pack can never be mistaken for JSON text (or the reverse).
pub(crate) const MAGIC: [u8; 4] = *b"\xffWDP";

/// The format version this build writes and the only one it reads. Any change to the bytes
/// written bumps it; a pack compiled by another version must be compiled again from its JSON.
/// Version 2 added the `models` section, the `model` condition, rule weights that are negative
/// or a model's probability, and a dimension's `review_below`; version 3 stores automata as
/// columns (docs/compiled-pack.md).
pub(crate) const VERSION: u16 = 3;

/// Header size: magic (4), version (2), flags (2), body length (4), reserved (4), XXH64 (8).
const HEADER: usize = 24;

/// The sections of the body, in order.
const SECTIONS: [&str; 8] = [
    "info",
    "settings",
    "terms",
    "scanner",
    "models",
    "dimensions",
    "severity",
    "triggers",
];

/// Does `bytes` start like a compiled pack?
pub(crate) fn is_compiled(bytes: &[u8]) -> bool {
    bytes.starts_with(&MAGIC)
}

/// The size of each section of a compiled pack, for reports (`wendu compile` prints them).
pub(crate) fn section_sizes(bytes: &[u8]) -> Res<Vec<(&'static str, usize)>> {
    let body = checked_body(bytes)?;
    let mut r = Reader::new(body, HEADER, "body");
    let mut out = Vec::new();
    for (i, name) in SECTIONS.iter().enumerate() {
        out.push((*name, section(&mut r, i, name)?.remaining()));
    }
    Ok(out)
}

impl CompiledPack {
    /// The compiled pack as `.wdp` bytes (without the pack's test cases).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut body = Writer::default();
        for (i, _) in SECTIONS.iter().enumerate() {
            let mut w = Writer::default();
            match i {
                0 => self.write_info(&mut w),
                1 => self.write_settings(&mut w),
                2 => {
                    w.list(&self.terms, |w, t| w.str(t));
                    w.size(self.decision_terms);
                }
                3 => self.write_scanner(&mut w),
                // Each model's fields as bytes and its n-gram automaton ready to search.
                4 => w.list(&self.models, |w, m| m.write(w)),
                5 => self.write_dimensions(&mut w),
                6 => self.write_severity(&mut w),
                _ => {
                    self.triggers.write(&mut w);
                    w.list(&self.policy_conditions, |w, c| match c {
                        None => w.u8(0),
                        Some(c) => {
                            w.u8(1);
                            c.write(w);
                        }
                    });
                }
            }
            body.u8(i as u8 + 1);
            body.size(w.buf.len());
            body.buf.extend_from_slice(&w.buf);
        }
        let body = body.buf;
        let mut out = Vec::with_capacity(HEADER + body.len());
        out.extend_from_slice(&MAGIC);
        out.extend_from_slice(&VERSION.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(&(body.len() as u32).to_le_bytes());
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend_from_slice(&xxh64(&body).to_le_bytes());
        out.extend_from_slice(&body);
        out
    }

    /// Load a compiled pack: check the header and the checksum, then read and check every
    /// section. The regexes are compiled from their sources again.
    pub fn from_bytes(bytes: &[u8]) -> Result<CompiledPack, Corrupt> {
        let body = checked_body(bytes)?;
        let mut r = Reader::new(body, HEADER, "body");
        let mut next = |i: usize| section(&mut r, i, SECTIONS.get(i).copied().unwrap_or(""));

        let mut s = next(0)?;
        let (info, warnings) = read_info(&mut s)?;
        s.finish()?;

        let mut s = next(1)?;
        let (normalize, limits, word_boundary, negation_window) = read_settings(&mut s)?;
        s.finish()?;

        let mut s = next(2)?;
        let terms: Vec<Arc<str>> = s.list(1, |r| r.str_ref().map(Arc::from))?;
        let decision_terms = s.size(terms.len(), "decision terms")?;
        s.finish()?;

        let mut s = next(3)?;
        let scanner = read_scanner(&mut s, terms.len(), &limits, word_boundary, negation_window)?;
        s.finish()?;

        let mut s = next(4)?;
        let models = read_models(&mut s)?;
        s.finish()?;
        let model_labels: Vec<usize> = models.iter().map(|m| m.labels().len()).collect();

        let mut s = next(5)?;
        let (dimensions, route_from, default_route, rule_index, tours) =
            read_dimensions(&mut s, terms.len(), scanner.regexes.len(), &model_labels)?;
        s.finish()?;

        let bounds = Bounds {
            terms: terms.len(),
            regexes: scanner.regexes.len(),
            tours: &tours,
            models: &model_labels,
        };
        let mut s = next(6)?;
        let (levels, factors) = read_severity(&mut s, &bounds)?;
        s.finish()?;

        let mut s = next(7)?;
        let triggers = TriggerSpec::load(&mut s, dimensions.len())?;
        let policy_conditions = s.list(1, |r| match r.u8()? {
            0 => Ok(None),
            1 => Condition::load(r, &bounds, 0).map(Some),
            t => Err(r.corrupt(format!("{t} is not an option tag"))),
        })?;
        let agree = policy_conditions.len() == triggers.policies.len()
            && triggers
                .policies
                .iter()
                .zip(&policy_conditions)
                .all(|(p, c)| p.conditional == c.is_some());
        if !agree {
            return Err(s.corrupt("policy conditions do not match the policies"));
        }
        s.finish()?;
        r.finish()?;

        let rule_refs = rule_refs(&dimensions);
        Ok(CompiledPack {
            info,
            warnings,
            normalize,
            scanner,
            terms,
            decision_terms,
            dimensions,
            rule_refs,
            rule_index,
            factors,
            levels,
            route_from,
            default_route,
            limits,
            triggers,
            policy_conditions,
            models,
            tests: Vec::new(),
        })
    }

    fn write_info(&self, w: &mut Writer) {
        let i = &self.info;
        for s in [&i.id, &i.version, &i.hash, &i.locale, &i.description] {
            w.str(s);
        }
        w.list(&self.warnings, |w, p| {
            w.str(&p.path);
            w.str(&p.message);
            w.bool(p.is_error());
        });
    }

    fn write_settings(&self, w: &mut Writer) {
        let n = &self.normalize;
        w.u8([
            n.fullwidth,
            n.case_fold,
            n.traditional,
            n.strip_spaces,
            n.strip_punctuation,
        ]
        .iter()
        .enumerate()
        .fold(0, |acc, (i, &b)| acc | u8::from(b) << i));
        let l = &self.limits;
        w.size(l.max_text_chars);
        w.bool(l.truncate);
        w.size(l.max_evidence);
        w.size(l.max_regex_bytes);
        w.bool(self.scanner.word_boundary);
        w.size(self.scanner.negation_window);
    }

    fn write_scanner(&self, w: &mut Writer) {
        let sc = &self.scanner;
        w.list(&sc.patterns, |w, p| {
            w.opt_size(p.exact.map(|t| t as usize));
            w.opt_size(p.prefix.map(|t| t as usize));
            w.u8([p.cue, p.not_cue, p.word_start, p.word_end]
                .iter()
                .enumerate()
                .fold(0, |acc, (i, &b)| acc | u8::from(b) << i));
        });
        w.size(sc.max_pattern_bytes);
        match &sc.automaton {
            None => w.u8(0),
            Some(m) => {
                w.u8(1);
                m.write(w);
            }
        }
        // DFAs when every regex has them and the scan tests regexes one by one; sources (and
        // the regex compiler at load) otherwise.
        let forms: Option<Vec<_>> = if sc.regexes.len() < super::scanner::REGEX_SET_MIN {
            sc.regexes.iter().map(PackRegex::dfa_form).collect()
        } else {
            None
        };
        match forms {
            Some(forms) => {
                w.u8(1);
                w.list(&forms, |w, f| f.write(w));
            }
            None => {
                w.u8(0);
                w.list(&sc.regexes, |w, re| w.str(re.as_str()));
            }
        }
    }

    fn write_dimensions(&self, w: &mut Writer) {
        w.list(&self.dimensions, |w, d| {
            w.str(&d.id);
            w.str(&d.name);
            w.bool(d.multi);
            w.f64(d.threshold);
            match d.review_below {
                None => w.u8(0),
                Some(x) => {
                    w.u8(1);
                    w.f64(x);
                }
            }
            w.opt_size(d.fallback);
            w.list(&d.exclusive, |w, g| w.list(g, |w, &l| w.size(l)));
            w.list(&d.labels, |w, l| {
                w.str(&l.code);
                w.str(&l.name);
                w.opt_size(l.parent);
                w.opt_str(l.parent_code.as_deref());
                write_route(w, l.route.as_ref());
                w.opt_str(l.advice.as_deref());
                w.opt_str(l.description.as_deref());
                w.list(&l.rules, |w, r| {
                    w.str(&r.id);
                    match r.weight {
                        Weight::Fixed(x) => {
                            w.u8(0);
                            w.f64(x);
                        }
                        Weight::Probability => w.u8(1),
                    }
                    r.when.write(w);
                });
            });
        });
        w.list(&self.route_from, |w, &d| w.size(d));
        write_route(w, self.default_route.as_ref());
        self.rule_index.write(w);
    }

    fn write_severity(&self, w: &mut Writer) {
        w.list(&self.levels, |w, l| {
            w.str(&l.id);
            w.str(&l.name);
            w.iv(l.min_points);
            w.opt_size(l.deadline_hours.map(|h| h as usize));
            w.opt_str(l.escalate_to.as_deref());
        });
        w.list(&self.factors, |w, f| {
            w.str(&f.id);
            w.str(&f.name);
            w.iv(f.points);
            w.opt_size(f.min_level);
            f.when.write(w);
        });
    }
}

/// The body of a compiled pack after checking its header and checksum.
fn checked_body(bytes: &[u8]) -> Res<&[u8]> {
    let head = |at: usize, n: usize| bytes.get(at..at + n).unwrap_or_default();
    let le = |b: &[u8]| b.iter().rev().fold(0u64, |acc, &x| acc << 8 | u64::from(x));
    if !is_compiled(bytes) {
        return Err(Corrupt(
            "not a compiled pack (it does not start with the bytes FF 57 44 50, \"\\xFFWDP\")"
                .into(),
        ));
    }
    if bytes.len() < HEADER {
        return Err(Corrupt(format!(
            "a compiled pack of {} bytes is shorter than its {HEADER}-byte header",
            bytes.len()
        )));
    }
    let version = le(head(4, 2));
    if version != u64::from(VERSION) {
        return Err(Corrupt(format!(
            "compiled pack format version {version}; this wendu reads version {VERSION}: compile the pack again from its JSON"
        )));
    }
    if le(head(6, 2)) != 0 || le(head(12, 4)) != 0 {
        return Err(Corrupt("reserved header bytes are not zero".into()));
    }
    let len = le(head(8, 4)) as usize;
    let body = bytes.get(HEADER..).unwrap_or_default();
    if body.len() != len {
        return Err(Corrupt(format!(
            "the header announces {len} bytes of body, the file has {} (truncated or padded)",
            body.len()
        )));
    }
    let want = le(head(16, 8));
    let got = xxh64(body);
    if want != got {
        return Err(Corrupt(format!(
            "checksum mismatch (header {want:016x}, body {got:016x}): the file is damaged"
        )));
    }
    Ok(body)
}

/// The next section: its tag must be `i + 1`; a reader over its bytes, named for errors.
fn section<'a>(r: &mut Reader<'a>, i: usize, name: &'static str) -> Res<Reader<'a>> {
    let tag = r.u8()?;
    if usize::from(tag) != i + 1 {
        return Err(r.corrupt(format!(
            "expected section {} (\"{name}\"), found {tag}",
            i + 1
        )));
    }
    let len = r.len(1)?;
    let at = r.offset();
    let bytes = r.bytes(len)?;
    Ok(Reader::new(bytes, at, name))
}

fn read_info(r: &mut Reader) -> Res<(PackInfo, Vec<Problem>)> {
    let info = PackInfo {
        id: r.str()?,
        version: r.str()?,
        hash: r.str()?,
        locale: r.str()?,
        description: r.str()?,
    };
    let warnings = r.list(3, |r| {
        Ok(Problem {
            path: r.str()?,
            message: r.str()?,
            severity: if r.bool()? {
                ProblemKind::Error
            } else {
                ProblemKind::Warning
            },
        })
    })?;
    Ok((info, warnings))
}

fn read_settings(r: &mut Reader) -> Res<(NormalizeOptions, Limits, bool, usize)> {
    let bits = r.u8()?;
    if bits >> 5 != 0 {
        return Err(r.corrupt("unknown normalisation flags"));
    }
    let on = |i: u8| bits >> i & 1 == 1;
    let normalize = NormalizeOptions {
        fullwidth: on(0),
        case_fold: on(1),
        traditional: on(2),
        strip_spaces: on(3),
        strip_punctuation: on(4),
    };
    let limits = Limits {
        max_text_chars: r.size(10_000_000, "max_text_chars")?.max(1),
        truncate: r.bool()?,
        max_evidence: r.size(1000, "max_evidence")?,
        max_regex_bytes: r.size(64 << 20, "max_regex_bytes")?,
    };
    let word_boundary = r.bool()?;
    let negation_window = r.size(200, "negation window")?;
    Ok((normalize, limits, word_boundary, negation_window))
}

fn read_scanner(
    r: &mut Reader,
    terms: usize,
    limits: &Limits,
    word_boundary: bool,
    negation_window: usize,
) -> Res<Scanner> {
    let term =
        |r: &mut Reader| -> Res<Option<u32>> { Ok(r.opt_index(terms, "term")?.map(|t| t as u32)) };
    let patterns = r.list(3, |r| {
        let exact = term(r)?;
        let prefix = term(r)?;
        let bits = r.u8()?;
        if bits >> 4 != 0 {
            return Err(r.corrupt("unknown pattern flags"));
        }
        Ok(PatternInfo {
            exact,
            prefix,
            cue: bits & 1 != 0,
            not_cue: bits & 2 != 0,
            word_start: bits & 4 != 0,
            word_end: bits & 8 != 0,
        })
    })?;
    let max_pattern_bytes = r.size(u32::MAX as usize, "longest pattern")?;
    let automaton = match r.u8()? {
        0 => None,
        1 => Some(Matcher::read(r)?),
        t => return Err(r.corrupt(format!("{t} is not an option tag"))),
    };
    if automaton.as_ref().map_or(0, Matcher::patterns) != patterns.len() {
        // (A pack without terms has neither.)
        return Err(r.corrupt("the automaton and the pattern table disagree"));
    }
    let max = limits.max_regex_bytes;
    let regexes: Vec<PackRegex> = match r.u8()? {
        0 => r.list(1, |r| PackRegex::load_source(r, max))?,
        1 => r.list(1, |r| PackRegex::load_dfa(r, max))?,
        t => return Err(r.corrupt(format!("unknown regex form {t}"))),
    };
    let sources: Vec<&str> = regexes.iter().map(PackRegex::as_str).collect();
    let regex_set: Option<RegexSet> = if sources.len() >= super::scanner::REGEX_SET_MIN {
        Some(
            super::scanner::regex_set_builder(&sources, limits.max_regex_bytes)
                .build()
                .map_err(|e| r.corrupt(format!("regex set: {e}")))?,
        )
    } else {
        None
    };
    Ok(Scanner {
        automaton,
        patterns,
        terms,
        word_boundary,
        negation_window,
        max_pattern_bytes,
        regex_set,
        regexes,
    })
}

type Dimensions = (
    Vec<CompiledDimension>,
    Vec<usize>,
    Option<crate::pack::RouteDef>,
    ConditionIndex,
    Vec<Arc<Tour>>,
);

fn read_dimensions(
    r: &mut Reader,
    terms: usize,
    regexes: usize,
    models: &[usize],
) -> Res<Dimensions> {
    let mut tours: Vec<Arc<Tour>> = Vec::new();
    let n = r.len(1)?;
    let mut dimensions = Vec::with_capacity(n);
    for _ in 0..n {
        let id = r.str()?;
        let name = r.str()?;
        let multi = r.bool()?;
        let threshold = r.finite("threshold")?;
        let review_below = match r.u8()? {
            0 => None,
            1 => Some(r.finite("review_below")?),
            t => return Err(r.corrupt(format!("{t} is not an option tag"))),
        };
        let fallback = r.opt_size(u32::MAX as usize, "fallback")?;
        let exclusive = r.list(1, |r| r.list(1, |r| r.size(u32::MAX as usize, "label")))?;
        let bounds = Bounds {
            terms,
            regexes,
            tours: &tours,
            models,
        };
        let labels = r.list(6, |r| {
            Ok(CompiledLabel {
                code: r.str()?,
                name: r.str()?,
                parent: r.opt_size(u32::MAX as usize, "parent")?,
                parent_code: r.opt_str()?,
                route: read_route(r)?,
                advice: r.opt_str()?,
                description: r.opt_str()?,
                rules: r.list(10, |r| {
                    let id = r.str()?;
                    let weight = match r.u8()? {
                        0 => {
                            let w = r.finite("weight")?;
                            if !(w > 0.0 && w <= 1.0 || (-1.0..0.0).contains(&w)) {
                                return Err(r.corrupt(format!(
                                    "rule weight {w} outside (0, 1] and [-1, 0)"
                                )));
                            }
                            Weight::Fixed(w)
                        }
                        1 => Weight::Probability,
                        t => return Err(r.corrupt(format!("{t} is not a weight tag"))),
                    };
                    let when = Condition::load(r, &bounds, 0)?;
                    if weight == Weight::Probability && !matches!(when, Condition::Model(_)) {
                        return Err(r.corrupt(
                            "a probability weight on a rule that is not one model condition",
                        ));
                    }
                    Ok(CompiledRule { id, weight, when })
                })?,
            })
        })?;
        let count = labels.len();
        let in_range = |l: &usize| *l < count;
        if !fallback.iter().all(in_range)
            || !exclusive.iter().flatten().all(in_range)
            || !labels
                .iter()
                .filter_map(|l| l.parent.as_ref())
                .all(in_range)
        {
            return Err(r.corrupt(format!("dimension \"{id}\": a label index out of range")));
        }
        let tree: Vec<(String, Option<String>)> = labels
            .iter()
            .map(|l| (l.code.clone(), l.parent_code.clone()))
            .collect();
        tours.push(Arc::new(Tour::of(&tree)));
        dimensions.push(CompiledDimension {
            id,
            name,
            multi,
            threshold,
            review_below,
            fallback,
            exclusive,
            labels,
        });
    }
    let route_from = r.list(1, |r| r.index(dimensions.len(), "dimension"))?;
    let default_route = read_route(r)?;
    let rules = dimensions
        .iter()
        .flat_map(|d| d.labels.iter().map(|l| l.rules.len()))
        .sum();
    let rule_index = ConditionIndex::load(r, terms, rules)?;
    Ok((dimensions, route_from, default_route, rule_index, tours))
}

/// The models section (`Model::load` checks each as the JSON reader does).
fn read_models(r: &mut Reader) -> Res<Vec<Model>> {
    r.list(1, Model::load)
}

fn read_severity(r: &mut Reader, bounds: &Bounds) -> Res<(Vec<LevelDef>, Vec<CompiledFactor>)> {
    let levels = r.list(5, |r| {
        Ok(LevelDef {
            id: r.str()?,
            name: r.str()?,
            min_points: r.iv()?,
            deadline_hours: r.opt_size(100_000, "deadline_hours")?.map(|h| h as u64),
            escalate_to: r.opt_str()?,
        })
    })?;
    let factors = r.list(5, |r| {
        Ok(CompiledFactor {
            id: r.str()?,
            name: r.str()?,
            points: r.iv()?,
            min_level: r.opt_index(levels.len(), "level")?,
            when: Condition::load(r, bounds, 0)?,
        })
    })?;
    Ok((levels, factors))
}

/// Every label rule as (dimension, label, rule), numbered in pack order: the numbers of the
/// rule index (derived, so not stored).
pub(super) fn rule_refs(dimensions: &[CompiledDimension]) -> Vec<(u32, u32, u32)> {
    dimensions
        .iter()
        .enumerate()
        .flat_map(|(di, d)| {
            d.labels.iter().enumerate().flat_map(move |(li, l)| {
                (0..l.rules.len()).map(move |ri| (di as u32, li as u32, ri as u32))
            })
        })
        .collect()
}
