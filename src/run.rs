//! The flow for one complaint, step after step: the pack's input limits → `text` (normalise,
//! keeping the offset map when the result will be explained) → `scan` (one pass) → the amounts
//! (`extract`) → `rules` (labels) → `decide` (severity, route) → a rendering, the explained
//! [`Decision`] or the lean [`Verdict`]. The trigger runs the same steps through [`Reading`].
//! Buffers are reused from one complaint to the next on the same thread.

use crate::compile::CompiledPack;
use crate::complaint::Complaint;
use crate::condition::{AmountAgg, Ctx};
use crate::decide::explain::{self, Explain, ExplainScratch, Placed};
use crate::decide::{self, verdict, Decision, Ruling, Verdict};
use crate::error::{Error, Problem};
use crate::extract::{amount, pii};
use crate::model::Analysis;
use crate::pack::{Limits, PackRef};
use crate::rules::{self, Labelled};
use crate::scan::{scan_into, Scan};
use crate::text::Normalized;
use serde_json::Value;

/// One text read by a pack: normalised, scanned, and — once [`Reading::rule`] ran — labelled.
/// Reused from one text to the next (the allocation of the offset map and hit lists was the
/// largest single cost of a decision: ≈ 45k of ≈ 137k instructions per complaint, callgrind).
#[derive(Default)]
pub(crate) struct Reading {
    /// The normalised text (title and text joined by `'\n'`), with or without the offset map.
    pub norm: Normalized,
    /// What the scan found.
    pub scan: Scan,
    /// The labels of every dimension, after [`Reading::rule`].
    pub labels: Labelled,
    /// The severity factors that counted, after [`Reading::rule`].
    pub factors: Vec<usize>,
    /// Amounts found, placed in the original fields (only when read with the offset map).
    pub placed: Vec<Placed>,
    /// Per model of the pack, the calibrated probability of each of its labels, after
    /// [`Reading::rule`].
    pub probabilities: Vec<Vec<f64>>,
    /// Per model, scratch of its scoring (which n-grams a text has shown).
    pub seen: Vec<crate::model::Seen>,
    /// Their aggregates, with a declared `amount` field.
    pub amounts: AmountAgg,
    /// Personal data of the normalised text: always when read with the offset map (the
    /// decision masks it), else only when the text has amounts (a number that is personal
    /// data is never an amount).
    pub personal: Vec<pii::PiiMatch>,
}

impl Reading {
    /// Normalise `parts` (title first when there is one) and scan them; with the offset map when
    /// `map` (explanations quote the original text; verdicts and triggers do not).
    pub fn read(&mut self, pack: &CompiledPack, parts: &[&str], fields: &Value, map: bool) {
        if map {
            self.norm.fill(parts, &pack.normalize);
        } else {
            self.norm.fill_text(parts, &pack.normalize);
        }
        scan_into(
            &pack.scanner,
            &self.norm.text,
            &self.norm.breaks,
            &mut self.scan,
        );
        self.find_amounts(fields, map);
    }

    /// The context conditions are evaluated in, before any label is assigned.
    pub fn ctx<'a>(&'a self, pack: &'a CompiledPack, input: &'a Value) -> Ctx<'a> {
        Ctx {
            scanner: &pack.scanner,
            normalize: &pack.normalize,
            scan: &self.scan,
            text: &self.norm.text,
            input,
            amounts: self.amounts,
            assigned: &[],
            models: &self.probabilities,
        }
    }

    /// Score the text with the pack's models, label every dimension and decide severity and
    /// route. With `explain`, the models' passes are kept for explaining the labels they gave.
    pub fn rule<'a>(
        &'a mut self,
        pack: &'a CompiledPack,
        input: &'a Value,
        explain: bool,
    ) -> Ruled<'a> {
        let Reading {
            norm,
            scan,
            labels,
            factors,
            placed,
            amounts,
            probabilities,
            seen,
            personal,
        } = self;
        let analyses = score_models(pack, &norm.text, explain, seen, probabilities);
        let base = Ctx {
            scanner: &pack.scanner,
            normalize: &pack.normalize,
            scan,
            text: &norm.text,
            input,
            amounts: *amounts,
            assigned: &[],
            models: probabilities,
        };
        rules::label(&base, pack, labels);
        let labels: &'a Labelled = labels;
        let ctx = Ctx {
            assigned: &labels.assigned,
            ..base
        };
        Ruled {
            norm,
            ctx,
            ruling: decide::rule(&ctx, pack, labels, factors),
            placed,
            analyses,
            personal,
        }
    }

    /// Amounts of the normalised text that map back to an original field, and their aggregates;
    /// a declared `amount` field counts towards the largest and, when the text has none, the sum.
    /// Without `map` (no offset map) nothing is placed and every amount counts — an amount is
    /// never made of separators only, so every amount maps back (the golden vectors check that
    /// verdicts and decisions agree). A number that is personal data (`余额13812345678元`) is
    /// never an amount: it would repeat the number the decision masks, as a value and as
    /// severity evidence.
    fn find_amounts(&mut self, fields: &Value, map: bool) {
        let mut agg = AmountAgg::default();
        self.placed.clear();
        self.personal.clear();
        let found = amount::find_amounts(&self.norm.text);
        if map || !found.is_empty() {
            self.personal = pii::find_personal_data(&self.norm.text);
        }
        // Both lists are in text order and without overlaps: one pointer walks the personal data.
        let mut p = 0;
        for a in found {
            while self.personal.get(p).is_some_and(|m| m.end <= a.start) {
                p += 1;
            }
            if self.personal.get(p).is_some_and(|m| m.start < a.end) {
                continue;
            }
            let at = if map {
                let Some(at) = self.norm.original_range(a.start, a.end) else {
                    continue;
                };
                Some(at)
            } else {
                None
            };
            agg.max = Some(agg.max.map_or(a.value, |m: f64| m.max(a.value)));
            agg.sum = Some(agg.sum.unwrap_or(0.0) + a.value);
            agg.count += 1;
            if let Some(at) = at {
                self.placed.push((a, at));
            }
        }
        if let Some(declared) = fields.get("amount").and_then(Value::as_f64) {
            agg.max = Some(agg.max.map_or(declared, |m| m.max(declared)));
            if agg.sum.is_none() {
                agg.sum = Some(declared);
            }
        }
        self.amounts = agg;
    }

    /// Keep the buffers of ordinary texts, but do not hold on to the memory of a huge one.
    pub fn trim(&mut self) {
        const KEEP: usize = 1 << 16;
        if self.norm.text.capacity() > KEEP {
            self.norm = Normalized::default();
        }
        if self.scan.hits.capacity() > KEEP {
            self.scan = Scan::default();
        }
    }
}

/// Each model's probabilities of its labels into `out` (one list per model); with `explain`, the
/// passes that explain them too.
fn score_models<'p>(
    pack: &'p CompiledPack,
    text: &str,
    explain: bool,
    seen: &mut Vec<crate::model::Seen>,
    out: &mut Vec<Vec<f64>>,
) -> Vec<Analysis<'p>> {
    out.resize_with(pack.models.len(), Vec::new);
    out.truncate(pack.models.len());
    seen.resize_with(pack.models.len(), Default::default);
    if !explain {
        for ((m, probabilities), seen) in pack.models.iter().zip(out.iter_mut()).zip(seen) {
            m.score_with(text, seen, probabilities);
        }
        return Vec::new();
    }
    let analyses: Vec<Analysis<'p>> = pack
        .models
        .iter()
        .zip(seen)
        .map(|(m, seen)| m.analyze_with(text, seen))
        .collect();
    for (a, probabilities) in analyses.iter().zip(out.iter_mut()) {
        probabilities.clear();
        probabilities.extend_from_slice(a.probabilities());
    }
    analyses
}

/// A [`Reading`] ruled: what renderings and the trigger read.
pub(crate) struct Ruled<'a> {
    /// The normalised text.
    pub norm: &'a Normalized,
    /// The context the conditions were evaluated in, every dimension's labels assigned.
    pub ctx: Ctx<'a>,
    /// What was decided.
    pub ruling: Ruling<'a>,
    /// Amounts placed in the original fields (read with the offset map only).
    pub placed: &'a [Placed],
    /// Per model, its pass over the text (when ruled to be explained).
    pub analyses: Vec<Analysis<'a>>,
    /// Personal data of the normalised text (always found when read with the offset map).
    pub personal: &'a [pii::PiiMatch],
}

/// Everything one thread reuses.
#[derive(Default)]
struct Scratch {
    reading: Reading,
    explain: ExplainScratch,
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
}

/// Runs `f` with this thread's buffers. A nested call on the same thread (none today) would find
/// them borrowed: it then works with fresh buffers instead of failing.
fn with_scratch<T>(f: impl FnOnce(&mut Scratch) -> T) -> T {
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut scratch) => {
            let out = f(&mut scratch);
            scratch.reading.trim();
            if scratch.explain.utf16[1].capacity() > 1 << 16 {
                scratch.explain = ExplainScratch::default();
            }
            out
        }
        Err(_) => f(&mut Scratch::default()),
    })
}

/// The explained decision for one complaint.
pub(crate) fn decision(
    pack: &CompiledPack,
    info: PackRef,
    c: &Complaint,
) -> Result<Decision, Error> {
    let mut warnings = Vec::new();
    let (text, title) = within_limits(&pack.limits, c, &mut warnings)?;
    Ok(with_scratch(|s| {
        with_parts(text, title, |parts| {
            s.reading.read(pack, parts, &c.fields, true)
        });
        let r = s.reading.rule(pack, &c.fields, true);
        explain::render(
            Explain {
                pack,
                info,
                complaint: c,
                title,
                text,
                norm: r.norm,
                ctx: r.ctx,
                ruling: &r.ruling,
                amounts: r.placed,
                analyses: &r.analyses,
                personal: r.personal,
                warnings,
            },
            &mut s.explain,
        )
    }))
}

/// The verdict (the decision without its explanation) for one complaint.
pub(crate) fn verdict<'p>(pack: &'p CompiledPack, c: &Complaint) -> Result<Verdict<'p>, Error> {
    let mut warnings = Vec::new();
    let (text, title) = within_limits(&pack.limits, c, &mut warnings)?;
    Ok(with_scratch(|s| {
        with_parts(text, title, |parts| {
            s.reading.read(pack, parts, &c.fields, false)
        });
        let r = s.reading.rule(pack, &c.fields, false);
        verdict::render(pack, &r.ruling, c.id.clone(), c.received_at, warnings)
    }))
}

/// Title (when there is one) and text, in the order the normalised text joins them (a slice of
/// a stack array rather than a Vec).
pub(crate) fn with_parts<T>(text: &str, title: Option<&str>, f: impl FnOnce(&[&str]) -> T) -> T {
    let both = [title.unwrap_or(""), text];
    f(if title.is_some() { &both } else { &both[1..] })
}

/// The text and title cut to the pack's `max_text_chars` (the title is kept first), with a
/// warning when they were cut; an error when they are too long and the pack does not truncate.
pub(crate) fn within_limits<'c>(
    limits: &Limits,
    c: &'c Complaint,
    warnings: &mut Vec<String>,
) -> Result<(&'c str, Option<&'c str>), Error> {
    limit_texts(limits, &c.text, c.title.as_deref(), warnings)
}

/// [`within_limits`] for any text and title.
pub(crate) fn limit_texts<'c>(
    limits: &Limits,
    text: &'c str,
    title: Option<&'c str>,
    warnings: &mut Vec<String>,
) -> Result<(&'c str, Option<&'c str>), Error> {
    let (mut text, mut title) = (text, title);
    // Bytes bound chars from above: only a text that might be over the limit is counted.
    let bytes = text.len() + title.map_or(0, str::len);
    let total = if bytes <= limits.max_text_chars {
        bytes
    } else {
        text.chars().count() + title.map_or(0, |t| t.chars().count())
    };
    if total > limits.max_text_chars {
        if !limits.truncate {
            return Err(Error::InvalidInput(vec![Problem::error(
                "/text",
                format!("text is {total} characters; the pack's limit is {} (settings.limits.max_text_chars)", limits.max_text_chars),
            )]));
        }
        let cut_at = |s: &str, keep: usize| s.char_indices().nth(keep).map_or(s.len(), |(i, _)| i);
        let title_chars = title
            .map_or(0, |t| t.chars().count())
            .min(limits.max_text_chars);
        title = title.map(|t| t.get(..cut_at(t, title_chars)).unwrap_or(""));
        let keep = limits.max_text_chars - title_chars;
        text = text.get(..cut_at(text, keep)).unwrap_or("");
        warnings.push(format!(
            "text truncated to {} characters (settings.limits.max_text_chars)",
            limits.max_text_chars
        ));
    }
    Ok((text, title))
}
