//! Step six: pack → compile → text → scan → rules → **decide**. Runs the whole flow for one
//! complaint and builds the [`Decision`]: labels per dimension with confidence and evidence, route,
//! severity with deadline, amounts, personal data and the masked text. Field order is fixed.

use crate::compile::{CDimension, CFactor, CLabel, Compiled, TermId};
use crate::complaint::Complaint;
use crate::error::{Error, Problem};
use crate::extract::{amount, pii};
use crate::pack::{LevelDef, Limits, Pack, PackInfo, Route};
use crate::rules::{AmountAgg, Ctx, RawEvidence};
use crate::scan::{scan_into, Scan};
use crate::text::Normalized;
use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;
use serde_json::Value;

/// A number written the same way on every runtime: whole numbers without a fraction, others
/// rounded to at most 4 decimals (shortest round-trip form).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Num(pub f64);

impl Serialize for Num {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let x = (self.0 * 10_000.0).round() / 10_000.0;
        if x.fract() == 0.0 && x.abs() < 9.0e15 {
            s.serialize_i64(x as i64)
        } else if x.is_finite() {
            s.serialize_f64(x)
        } else {
            s.serialize_none()
        }
    }
}

/// Pack identity in a decision.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PackRef {
    /// Pack id.
    pub id: String,
    /// Pack version.
    pub version: String,
    /// Content hash.
    pub hash: String,
}

/// One piece of evidence: the words (or field, or label) that made a rule fire.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Evidence {
    /// `term`, `regex`, `field` or `label`.
    pub kind: &'static str,
    /// The pack term (normalised) that matched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub term: Option<std::sync::Arc<str>>,
    /// Which input field the span is in: `text` or `title`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<&'static str>,
    /// [start, end) in UTF-16 code units of the ORIGINAL field.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub span: Option<[usize; 2]>,
    /// The original words (personal data masked).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Dotted path of a field condition.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Value of that field.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
    /// Dimension of a label condition.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dimension: Option<String>,
    /// Label code of a label condition.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

/// A rule that fired for a label.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FiredRule {
    /// Rule id.
    pub id: String,
    /// Its weight.
    pub weight: Num,
    /// Why.
    pub evidence: Vec<Evidence>,
}

/// A label assigned on a dimension.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Label {
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Confidence in [0, 1]: 1 − Π(1 − weight) over the rules that fired.
    pub confidence: Num,
    /// Parent code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// True when given because nothing else was.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub fallback: bool,
    /// The pack's advice for this label (a suggested fix, a handling step), when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub advice: Option<String>,
    /// Rules that fired.
    pub rules: Vec<FiredRule>,
}

/// Labels of every dimension, in pack order (serialised as an object keyed by dimension id).
/// A [`Decision`] holds explained [`Label`]s; a [`Verdict`] holds [`LabelCode`]s borrowed from
/// the pack.
#[derive(Debug, Clone, PartialEq)]
pub struct Labels<L = Label, K = String>(pub Vec<(K, Vec<L>)>);

impl<L, K> Default for Labels<L, K> {
    fn default() -> Self {
        Labels(Vec::new())
    }
}

impl<L, K: AsRef<str>> Labels<L, K> {
    /// Labels of one dimension.
    pub fn get(&self, dimension: &str) -> Option<&[L]> {
        self.0
            .iter()
            .find(|(d, _)| d.as_ref() == dimension)
            .map(|(_, l)| l.as_slice())
    }
}

impl<L: Serialize, K: Serialize> Serialize for Labels<L, K> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

/// Where the complaint goes.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RouteOut {
    /// Department.
    pub department: String,
    /// Queue.
    pub queue: Option<String>,
    /// Dimension whose label decided it (null for the pack default).
    pub dimension: Option<String>,
    /// That label.
    pub code: Option<String>,
}

/// A severity factor that counted.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FactorOut {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Points.
    pub points: i64,
    /// Why.
    pub evidence: Vec<Evidence>,
}

/// Severity of the complaint.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SeverityOut {
    /// Level id.
    pub level: String,
    /// Level name.
    pub name: String,
    /// Sum of the points of the factors that counted.
    pub points: i64,
    /// Handling deadline in hours.
    pub deadline_hours: Option<u64>,
    /// `received_at` + deadline, in the offset of `received_at`.
    pub deadline: Option<String>,
    /// Who must be told at once.
    pub escalate_to: Option<String>,
    /// Factors that counted.
    pub factors: Vec<FactorOut>,
}

/// A money amount found in the text.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AmountOut {
    /// Value in currency units.
    pub value: Num,
    /// ISO 4217 code.
    pub currency: &'static str,
    /// `text` or `title`.
    pub field: &'static str,
    /// UTF-16 span in that field.
    pub span: [usize; 2],
    /// The original words.
    pub text: String,
}

/// Personal data found in the text (never repeated: only its kind and where it is).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PersonalData {
    /// `mobile`, `id_card`, `bank_card` or `email`.
    pub kind: &'static str,
    /// `text` or `title`.
    pub field: &'static str,
    /// UTF-16 span in that field.
    pub span: [usize; 2],
}

/// A term that occurred but did not count because a negation cue preceded it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Negated {
    /// The term.
    pub term: std::sync::Arc<str>,
    /// The cue that negated it (original words).
    pub cue: String,
    /// `text` or `title`.
    pub field: &'static str,
    /// UTF-16 span of the term.
    pub span: [usize; 2],
}

/// The explained decision for one complaint.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Decision {
    /// Complaint id (null when the input had none).
    pub id: Option<String>,
    /// Pack that decided.
    pub pack: PackRef,
    /// Labels per dimension.
    pub labels: Labels,
    /// Route.
    pub route: Option<RouteOut>,
    /// Severity (null when the pack scores none).
    pub severity: Option<SeverityOut>,
    /// Amounts found.
    pub amounts: Vec<AmountOut>,
    /// Personal data found.
    pub personal_data: Vec<PersonalData>,
    /// The text with personal data masked (same length in UTF-16 units).
    pub masked_text: String,
    /// The title with personal data masked, when there is a title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub masked_title: Option<String>,
    /// Terms that were present but negated.
    pub negated: Vec<Negated>,
    /// Notes, e.g. truncation.
    pub warnings: Vec<String>,
}

impl Decision {
    /// Compact JSON with the fixed field order.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }
}

/// A label of a [`Verdict`]: its code and confidence, no explanation.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LabelCode<'p> {
    /// Code.
    pub code: &'p str,
    /// Confidence, as in [`Label::confidence`].
    pub confidence: Num,
    /// True when given because nothing else was.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub fallback: bool,
}

/// The route of a [`Verdict`] (the same fields as [`RouteOut`], borrowed from the pack).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RouteRef<'p> {
    /// Department.
    pub department: &'p str,
    /// Queue.
    pub queue: Option<&'p str>,
    /// Dimension whose label decided it (null for the pack default).
    pub dimension: Option<&'p str>,
    /// That label.
    pub code: Option<&'p str>,
}

/// The severity of a [`Verdict`]: [`SeverityOut`] with factor ids instead of explained factors.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SeverityRef<'p> {
    /// Level id.
    pub level: &'p str,
    /// Level name.
    pub name: &'p str,
    /// Sum of the points of the factors that counted.
    pub points: i64,
    /// Handling deadline in hours.
    pub deadline_hours: Option<u64>,
    /// `received_at` + deadline, in the offset of `received_at`.
    pub deadline: Option<String>,
    /// Who must be told at once.
    pub escalate_to: Option<&'p str>,
    /// Ids of the factors that counted, in pack order.
    pub factors: Vec<&'p str>,
}

/// What was decided for one complaint, without the explanation: the same labels, confidences,
/// route and severity as the [`Decision`], but no evidence, amounts, personal data, masked text
/// or negations. Strings are borrowed from the engine's pack, so building one allocates little;
/// it is the output for high-volume triage (see docs/decision-format.md, "Verdicts").
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Verdict<'p> {
    /// Complaint id (null when the input had none).
    pub id: Option<String>,
    /// Labels per dimension.
    pub labels: Labels<LabelCode<'p>, &'p str>,
    /// Route.
    pub route: Option<RouteRef<'p>>,
    /// Severity (null when the pack scores none).
    pub severity: Option<SeverityRef<'p>>,
    /// Notes, e.g. truncation.
    pub warnings: Vec<String>,
}

impl Verdict<'_> {
    /// Compact JSON with the fixed field order.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }
}

/// Buffers reused from one complaint to the next on the same thread. Allocation was the largest
/// single cost of a decision (≈ 45k of ≈ 137k instructions per complaint on the shared corpus,
/// callgrind): the offset map and UTF-16 tables are several bytes per byte of text, and each
/// large request made glibc consolidate its free lists.
#[derive(Default)]
struct Scratch {
    norm: Normalized,
    scan: Scan,
    /// UTF-16 tables of the title and the text.
    utf16: [Vec<u32>; 2],
    rules: RuleScratch,
    raw: Vec<RawEvidence>,
    keys: Vec<SpanKey>,
}

/// The buffers of [`label_dimensions`].
#[derive(Default)]
struct RuleScratch {
    /// Label indices assigned per dimension (read by `label` conditions and the route).
    assigned: Vec<Vec<usize>>,
    /// Labels that qualified on the current dimension: (label index, confidence, range of
    /// their rule indices in `fired`).
    scored: Vec<(usize, f64, std::ops::Range<usize>)>,
    fired: Vec<usize>,
    /// Candidate (dimension, label, rule) triples of the current complaint (see
    /// [`crate::compile::RuleIndex`]) and their bitset.
    cands: Vec<(u32, u32, u32)>,
    cand_bits: Vec<u64>,
}

impl Scratch {
    /// Keep the buffers of ordinary complaints, but do not hold on to the memory of a huge one.
    fn trim(&mut self) {
        const KEEP: usize = 1 << 16;
        if self.norm.text.capacity() > KEEP {
            self.norm = Normalized::default();
            self.utf16 = Default::default();
        }
        if self.scan.hits.capacity() > KEEP {
            self.scan = Scan::default();
        }
    }
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
}

/// Fill `utf16` with the UTF-16 offset of every byte offset of `original` (a byte inside a char
/// maps to that char's start): one pass per complaint instead of one scan per evidence span.
fn utf16_table(original: &str, utf16: &mut Vec<u32>) {
    // One branch-light pass over the bytes: a byte that starts a char opens a new unit count
    // (2 units for 4-byte chars, which are surrogate pairs in UTF-16); a byte inside a char maps
    // to that char's start.
    utf16.clear();
    utf16.resize(original.len() + 1, 0);
    let (mut unit, mut cur) = (0u32, 0u32);
    // Writing into a sized slice instead of pushing drops a capacity check per byte.
    for (slot, &b) in utf16.iter_mut().zip(original.as_bytes()) {
        if b & 0xC0 != 0x80 {
            cur = unit;
            unit += 1 + u32::from(b >= 0xF0);
        }
        *slot = cur;
    }
    if let Some(last) = utf16.last_mut() {
        *last = unit;
    }
}

struct Part<'a> {
    name: &'static str,
    original: &'a str,
    /// UTF-16 offset of every byte offset (see [`utf16_table`]).
    utf16: &'a [u32],
    /// (start, end, masked replacement) in original bytes, sorted.
    masks: Vec<(usize, usize, String)>,
}

impl<'a> Part<'a> {
    /// UTF-16 offset of a byte offset into the original (clamped).
    fn u16(&self, byte: usize) -> usize {
        self.utf16
            .get(byte)
            .or(self.utf16.last())
            .map_or(0, |&u| u as usize)
    }

    /// The original substring with personal data masked.
    fn masked_slice(&self, start: usize, end: usize) -> String {
        let slice = self.original.get(start..end).unwrap_or("");
        if !self.masks.iter().any(|(s, e, _)| *s < end && *e > start) {
            return slice.to_string();
        }
        let mut out = String::with_capacity(slice.len());
        for (off, ch) in slice.char_indices() {
            let b = start + off;
            match self.masks.iter().find(|(s, e, _)| b >= *s && b < *e) {
                Some((s, _, m)) => {
                    let k = crate::text::char_distance(self.original, *s, b);
                    out.push(m.chars().nth(k).unwrap_or('*'));
                }
                None => out.push(ch),
            }
        }
        out
    }

    fn masked(&self) -> String {
        self.masked_slice(0, self.original.len())
    }
}

/// Classify one complaint with a compiled pack.
pub fn decide(
    pack: &Pack,
    compiled: &Compiled,
    info: &PackInfo,
    c: &Complaint,
) -> Result<Decision, Error> {
    with_scratch(|scratch| decide_with(scratch, pack, compiled, info, c))
}

/// Decide one complaint without explaining it: the labels, route and severity of [`decide`],
/// none of its evidence (see [`Verdict`]).
pub fn verdict<'p>(
    pack: &'p Pack,
    compiled: &'p Compiled,
    c: &Complaint,
) -> Result<Verdict<'p>, Error> {
    with_scratch(|scratch| verdict_with(scratch, pack, compiled, c))
}

/// Runs `f` with this thread's scratch buffers. A nested call on the same thread (none today)
/// would find them borrowed: it then works with fresh buffers instead of failing.
fn with_scratch<T>(f: impl FnOnce(&mut Scratch) -> T) -> T {
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut scratch) => {
            let out = f(&mut scratch);
            scratch.trim();
            out
        }
        Err(_) => f(&mut Scratch::default()),
    })
}

/// Appends mapped evidence to `out`, skipping duplicates.
struct EvidenceMapper<'a> {
    compiled: &'a Compiled,
    norm: &'a Normalized,
    parts: &'a [Part<'a>],
}

/// What makes two span evidences equal: kind (0 term, 1 regex), term, part, original range.
/// Equal keys give equal [`Evidence`] and different keys different ones (the UTF-16 table is
/// one-to-one on char boundaries), so duplicates are dropped before their text is copied.
type SpanKey = (u8, TermId, usize, usize, usize);

impl EvidenceMapper<'_> {
    /// Map and deduplicate `raw` (emptied); `keys` is a scratch buffer. (Collecting into a
    /// scratch Vec and copying out at the exact size was measured: ≈ 2k instructions per
    /// complaint slower than allocating `raw.len()` at once.)
    fn map(&self, raw: &mut Vec<RawEvidence>, keys: &mut Vec<SpanKey>) -> Vec<Evidence> {
        let mut out: Vec<Evidence> = Vec::with_capacity(raw.len());
        keys.clear();
        for r in raw.drain(..) {
            let e = match r {
                RawEvidence::Regex { start, end, .. } => {
                    self.span(keys, (1, 0), start, end, "regex", None)
                }
                RawEvidence::Term { term, start, end } => self.span(
                    keys,
                    (0, term),
                    start,
                    end,
                    "term",
                    self.compiled.terms.get(term as usize),
                ),
                RawEvidence::Field { path, value } => Some(Evidence {
                    kind: "field",
                    term: None,
                    field: None,
                    span: None,
                    text: None,
                    path: Some(path),
                    value: Some(mask_value(value)),
                    dimension: None,
                    code: None,
                }),
                RawEvidence::Label { dim, code } => Some(Evidence {
                    kind: "label",
                    term: None,
                    field: None,
                    span: None,
                    text: None,
                    path: None,
                    value: None,
                    dimension: self.compiled.dimensions.get(dim).map(|d| d.id.clone()),
                    code: Some(code),
                }),
            };
            if let Some(e) = e {
                // Span evidence is already unique (by key); only field and label evidence is
                // compared whole.
                if e.span.is_some() || !out.contains(&e) {
                    out.push(e);
                }
            }
        }
        out
    }

    /// Evidence for a normalised byte range, or None when it maps nowhere or is a duplicate.
    fn span(
        &self,
        keys: &mut Vec<SpanKey>,
        (kind_id, term_id): (u8, TermId),
        start: u32,
        end: u32,
        kind: &'static str,
        term: Option<&std::sync::Arc<str>>,
    ) -> Option<Evidence> {
        let (pi, os, oe) = self.norm.original_range(start as usize, end as usize)?;
        let key = (kind_id, term_id, pi, os, oe);
        if keys.contains(&key) {
            return None;
        }
        let part = self.parts.get(pi)?;
        keys.push(key);
        Some(Evidence {
            kind,
            term: term.cloned(),
            field: Some(part.name),
            span: Some([part.u16(os), part.u16(oe)]),
            text: Some(part.masked_slice(os, oe)),
            path: None,
            value: None,
            dimension: None,
            code: None,
        })
    }
}

/// The text and title cut to the pack's `max_text_chars` (the title is kept first), with a
/// warning when they were cut; an error when they are too long and the pack does not truncate.
fn within_limits<'c>(
    limits: &Limits,
    c: &'c Complaint,
    warnings: &mut Vec<String>,
) -> Result<(&'c str, Option<&'c str>), Error> {
    let mut text: &str = &c.text;
    let mut title: Option<&str> = c.title.as_deref();
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

/// Normalise title (when there is one) and text into `norm`, in that order, and scan it; with
/// the offset map when `map` (explanations quote the original text; verdicts do not).
fn read(
    norm: &mut Normalized,
    s: &mut Scan,
    compiled: &Compiled,
    (text, title): (&str, Option<&str>),
    map: bool,
) {
    // A slice of a stack array rather than a Vec.
    let texts = [title.unwrap_or(""), text];
    let originals: &[&str] = if title.is_some() { &texts } else { &texts[1..] };
    if map {
        norm.fill(originals, &compiled.normalize);
    } else {
        norm.fill_text(originals, &compiled.normalize);
    }
    scan_into(compiled, &norm.text, s);
}

/// An amount found in the text with its (part, start, end) in the original fields.
type Placed = (amount::Amount, (usize, usize, usize));

/// Amounts of the normalised text that map back to an original field, and their aggregates; a
/// declared `amount` field counts towards the largest and, when the text has none, the sum.
/// Without `map` (verdicts: no offset map) nothing is placed and every amount counts — an amount
/// is never made of separators only, so every amount maps back (the golden vectors check that
/// verdicts and decisions agree).
fn find_amounts(norm: &Normalized, fields: &Value, map: bool) -> (Vec<Placed>, AmountAgg) {
    let mut agg = AmountAgg::default();
    let mut found = Vec::new();
    for a in amount::find_amounts(&norm.text) {
        let at = if map {
            let Some(at) = norm.original_range(a.start, a.end) else {
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
            found.push((a, at));
        }
    }
    if let Some(declared) = fields.get("amount").and_then(Value::as_f64) {
        agg.max = Some(agg.max.map_or(declared, |m| m.max(declared)));
        if agg.sum.is_none() {
            agg.sum = Some(declared);
        }
    }
    (found, agg)
}

/// The labels a dimension chose: (label index, confidence, range of its fired rules in the
/// fired-rule list).
type Chosen = [(usize, f64, std::ops::Range<usize>)];

/// Evaluates every dimension in pack order — a `label` condition sees the labels of the
/// dimensions before its own — and calls `each` with the labels each one chose and the indices
/// of their fired rules.
fn label_dimensions<'p>(
    base: &Ctx,
    compiled: &'p Compiled,
    rules: &mut RuleScratch,
    mut each: impl FnMut(&Ctx, &'p CDimension, &Chosen, &[usize]),
) {
    let RuleScratch {
        assigned,
        scored,
        fired,
        cands,
        cand_bits,
    } = rules;
    assigned.resize_with(compiled.dimensions.len(), Vec::new);
    assigned.truncate(compiled.dimensions.len());
    assigned.iter_mut().for_each(Vec::clear);
    // The rules worth trying, from the terms present: sorted by dimension, so each dimension's
    // candidates are one run.
    compiled
        .rule_index
        .candidates(&base.scan.present_any, cand_bits, cands);
    let mut rest: &[(u32, u32, u32)] = cands;
    for (di, dim) in compiled.dimensions.iter().enumerate() {
        let ctx = Ctx { assigned, ..*base };
        let n = rest.partition_point(|c| (c.0 as usize) <= di);
        let (mine, after) = rest.split_at(n);
        rest = after;
        evaluate_dimension(&ctx, dim, mine, scored, fired);
        each(&ctx, dim, scored, fired);
        if let Some(slot) = assigned.get_mut(di) {
            slot.clear();
            slot.extend(
                scored
                    .iter()
                    .map(|x| x.0)
                    .filter(|&li| li < dim.labels.len()),
            );
        }
    }
}

/// The severity level and points: the points of the factors that hold pick the highest level
/// they reach, raised to any factor's `min_level`; `each` is called with every factor that
/// counts, in pack order. None when the pack has no levels.
fn score<'p>(
    ctx: &Ctx,
    pack: &'p Pack,
    compiled: &'p Compiled,
    mut each: impl FnMut(&'p CFactor),
) -> Option<(&'p LevelDef, i64)> {
    if pack.severity.levels.is_empty() {
        return None;
    }
    let mut points = 0i64;
    let mut floor = 0usize;
    for f in &compiled.factors {
        if ctx.holds(&f.when) {
            points = points.saturating_add(f.points);
            if let Some(ml) = f.min_level {
                floor = floor.max(ml);
            }
            each(f);
        }
    }
    let by_points = pack
        .severity
        .levels
        .iter()
        .rposition(|l| l.min_points <= points)
        .unwrap_or(0);
    pack.severity
        .levels
        .get(by_points.max(floor))
        .map(|l| (l, points))
}

/// `received_at` + the level's deadline, in the offset of `received_at`.
fn deadline(c: &Complaint, l: &LevelDef) -> Option<String> {
    match (c.received_at, l.deadline_hours) {
        (Some(t), Some(h)) => Some(t.add_millis((h as i64).saturating_mul(3_600_000)).format()),
        _ => None,
    }
}

fn verdict_with<'p>(
    scratch: &mut Scratch,
    pack: &'p Pack,
    compiled: &'p Compiled,
    c: &Complaint,
) -> Result<Verdict<'p>, Error> {
    let mut warnings = Vec::new();
    let (text, title) = within_limits(&pack.settings.limits, c, &mut warnings)?;
    let Scratch {
        norm,
        scan: s,
        rules,
        ..
    } = scratch;
    read(norm, s, compiled, (text, title), false);
    let (_, agg) = find_amounts(norm, &c.fields, false);
    let base = Ctx {
        compiled,
        scan: s,
        text: &norm.text,
        input: &c.fields,
        amounts: agg,
        assigned: &[],
    };
    let mut labels = Labels(Vec::with_capacity(compiled.dimensions.len()));
    label_dimensions(&base, compiled, rules, |_, dim, chosen, _| {
        let codes = chosen
            .iter()
            .filter_map(|(li, conf, range)| {
                dim.labels.get(*li).map(|l| LabelCode {
                    code: &l.code,
                    confidence: Num(*conf),
                    fallback: range.is_empty(),
                })
            })
            .collect();
        labels.0.push((dim.id.as_str(), codes));
    });
    let assigned = &rules.assigned;
    let ctx = Ctx { assigned, ..base };
    let mut factors = Vec::new();
    let severity =
        score(&ctx, pack, compiled, |f| factors.push(f.id.as_str())).map(|(l, points)| {
            SeverityRef {
                level: &l.id,
                name: &l.name,
                points,
                deadline_hours: l.deadline_hours,
                deadline: deadline(c, l),
                escalate_to: l.escalate_to.as_deref(),
                factors,
            }
        });
    let route = choose_route(
        compiled,
        &pack.settings.route_from,
        pack.settings.default_route.as_ref(),
        assigned,
    )
    .map(|(r, by)| RouteRef {
        department: &r.department,
        queue: r.queue.as_deref(),
        dimension: by.map(|(d, _)| d.id.as_str()),
        code: by.map(|(_, l)| l.code.as_str()),
    });
    Ok(Verdict {
        id: c.id.clone(),
        labels,
        route,
        severity,
        warnings,
    })
}

fn decide_with(
    scratch: &mut Scratch,
    pack: &Pack,
    compiled: &Compiled,
    info: &PackInfo,
    c: &Complaint,
) -> Result<Decision, Error> {
    let mut warnings = Vec::new();
    let (text, title) = within_limits(&pack.settings.limits, c, &mut warnings)?;
    let Scratch {
        norm,
        scan: s,
        utf16: [utf16_title, utf16_text],
        rules,
        raw,
        keys,
    } = scratch;
    read(norm, s, compiled, (text, title), true);
    let norm: &Normalized = norm;
    let s: &Scan = s;
    // Title (when there is one) and text, in the order of the normalised text; a slice of a
    // stack array rather than a Vec.
    utf16_table(title.unwrap_or(""), utf16_title);
    utf16_table(text, utf16_text);
    let mut part_array = [
        Part {
            name: "title",
            original: title.unwrap_or(""),
            utf16: utf16_title,
            masks: Vec::new(),
        },
        Part {
            name: "text",
            original: text,
            utf16: utf16_text,
            masks: Vec::new(),
        },
    ];
    let parts: &mut [Part] = if title.is_some() {
        &mut part_array
    } else {
        &mut part_array[1..]
    };

    // Personal data first, so that everything quoted later can be masked.
    let mut personal_data = Vec::new();
    for m in pii::find_personal_data(&norm.text) {
        let Some((pi, os, oe)) = norm.original_range(m.start, m.end) else {
            continue;
        };
        let Some(part) = parts.get_mut(pi) else {
            continue;
        };
        let original = part.original.get(os..oe).unwrap_or("");
        let masked = pii::mask(m.kind, original);
        part.masks.push((os, oe, masked));
        personal_data.push(PersonalData {
            kind: m.kind.as_str(),
            field: part.name,
            span: [part.u16(os), part.u16(oe)],
        });
    }
    let parts: &[Part] = parts;
    let (found, agg) = find_amounts(norm, &c.fields, true);
    let amounts = found
        .iter()
        .filter_map(|(a, (pi, os, oe))| {
            let part = parts.get(*pi)?;
            Some(AmountOut {
                value: Num(a.value),
                currency: a.currency,
                field: part.name,
                span: [part.u16(*os), part.u16(*oe)],
                text: part.masked_slice(*os, *oe),
            })
        })
        .collect();

    let mapper = EvidenceMapper {
        compiled,
        norm,
        parts,
    };
    let max_ev = pack.settings.limits.max_evidence.max(1);
    let base = Ctx {
        compiled,
        scan: s,
        text: &norm.text,
        input: &c.fields,
        amounts: agg,
        assigned: &[],
    };
    let mut labels = Labels(Vec::with_capacity(compiled.dimensions.len()));
    label_dimensions(&base, compiled, rules, |ctx, dim, chosen, fired| {
        let mut out = Vec::with_capacity(chosen.len());
        for (li, conf, range) in chosen {
            let Some(l) = dim.labels.get(*li) else {
                continue;
            };
            let mut rules = Vec::with_capacity(range.len());
            for &ri in fired.get(range.clone()).unwrap_or_default() {
                let Some(rule) = l.rules.get(ri) else {
                    continue;
                };
                ctx.evidence(&rule.when, raw, max_ev);
                rules.push(FiredRule {
                    id: rule.id.clone(),
                    weight: Num(rule.weight),
                    evidence: mapper.map(raw, keys),
                });
            }
            out.push(Label {
                code: l.code.clone(),
                name: l.name.clone(),
                confidence: Num(*conf),
                parent: l.parent_code.clone(),
                fallback: rules.is_empty(),
                advice: l.advice.clone(),
                rules,
            });
        }
        labels.0.push((dim.id.clone(), out));
    });

    let assigned = &rules.assigned;
    let ctx = Ctx { assigned, ..base };
    let mut factors = Vec::new();
    let severity = score(&ctx, pack, compiled, |f| {
        ctx.evidence(&f.when, raw, max_ev);
        factors.push(FactorOut {
            id: f.id.clone(),
            name: f.name.clone(),
            points: f.points,
            evidence: mapper.map(raw, keys),
        });
    })
    .map(|(l, points)| SeverityOut {
        level: l.id.clone(),
        name: l.name.clone(),
        points,
        deadline_hours: l.deadline_hours,
        deadline: deadline(c, l),
        escalate_to: l.escalate_to.clone(),
        factors,
    });

    let route = choose_route(
        compiled,
        &pack.settings.route_from,
        pack.settings.default_route.as_ref(),
        assigned,
    )
    .map(|(r, by)| RouteOut {
        department: r.department.clone(),
        queue: r.queue.clone(),
        dimension: by.map(|(d, _)| d.id.clone()),
        code: by.map(|(_, l)| l.code.clone()),
    });

    let mut negated = Vec::new();
    for h in s.hits.iter() {
        let Some(ci) = h.negated_by else { continue };
        let Some((pi, os, oe)) = norm.original_range(h.start as usize, h.end as usize) else {
            continue;
        };
        let Some(part) = parts.get(pi) else { continue };
        let cue = s
            .cues
            .get(ci as usize)
            .and_then(|&(cs, ce)| norm.original_range(cs as usize, ce as usize))
            .and_then(|(cp, cs, ce)| parts.get(cp).map(|p| p.masked_slice(cs, ce)))
            .unwrap_or_default();
        let n = Negated {
            term: compiled
                .terms
                .get(h.term as usize)
                .cloned()
                .unwrap_or_default(),
            cue,
            field: part.name,
            span: [part.u16(os), part.u16(oe)],
        };
        if !negated.contains(&n) {
            negated.push(n);
        }
    }

    let masked_title = parts.iter().find(|p| p.name == "title").map(Part::masked);
    let masked_text = parts
        .iter()
        .find(|p| p.name == "text")
        .map(Part::masked)
        .unwrap_or_default();
    Ok(Decision {
        id: c.id.clone(),
        pack: PackRef {
            id: info.id.clone(),
            version: info.version.clone(),
            hash: info.hash.clone(),
        },
        labels,
        route,
        severity,
        amounts,
        personal_data,
        masked_text,
        masked_title,
        negated,
        warnings,
    })
}

/// Field values quoted as evidence are the caller's structured data; strings that look like
/// personal data are still masked, because a decision never repeats it, and numbers are written
/// in the decision's fixed number format.
fn mask_value(v: Value) -> Value {
    match v {
        Value::String(s) => {
            let found = pii::find_personal_data(&s);
            if found.is_empty() {
                return Value::String(s);
            }
            let mut out = String::with_capacity(s.len());
            let mut last = 0;
            for m in found {
                if m.start < last {
                    continue;
                }
                out.push_str(s.get(last..m.start).unwrap_or(""));
                out.push_str(&pii::mask(m.kind, s.get(m.start..m.end).unwrap_or("")));
                last = m.end;
            }
            out.push_str(s.get(last..).unwrap_or(""));
            Value::String(out)
        }
        // Numbers as decisions write them (see `Num`): a JavaScript caller's 70.0 and a Rust
        // caller's 70 must give the same bytes.
        Value::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() => {
                let x = (f * 10_000.0).round() / 10_000.0;
                if x.fract() == 0.0 && x.abs() < 9.0e15 {
                    Value::from(x as i64)
                } else {
                    serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number)
                }
            }
            _ => Value::Number(n),
        },
        Value::Array(items) => Value::Array(items.into_iter().map(mask_value).collect()),
        Value::Object(m) => Value::Object(m.into_iter().map(|(k, v)| (k, mask_value(v))).collect()),
        other => other,
    }
}

/// Labels chosen for a dimension, best first, into `scored`: (label index, confidence, range
/// of the fired rule indices in `fired`). Both buffers are reused across dimensions.
fn evaluate_dimension(
    ctx: &Ctx,
    dim: &CDimension,
    cands: &[(u32, u32, u32)],
    scored: &mut Vec<(usize, f64, std::ops::Range<usize>)>,
    fired: &mut Vec<usize>,
) {
    scored.clear();
    fired.clear();
    // The candidates come by label, then rule: every rule that can hold, in pack order (a rule
    // that needs a term the complaint lacks cannot hold and is not among them).
    for group in cands.chunk_by(|a, b| a.1 == b.1) {
        let Some(&(_, li, _)) = group.first() else {
            continue;
        };
        let li = li as usize;
        let Some(l) = dim.labels.get(li) else {
            continue;
        };
        let mut miss = 1.0f64;
        let from = fired.len();
        for &(_, _, ri) in group {
            let ri = ri as usize;
            let Some(r) = l.rules.get(ri) else {
                continue;
            };
            if ctx.holds(&r.when) {
                miss *= 1.0 - r.weight;
                fired.push(ri);
            }
        }
        let conf = 1.0 - miss;
        if fired.len() > from && conf >= dim.threshold {
            scored.push((li, conf, from..fired.len()));
        } else {
            fired.truncate(from);
        }
    }
    // Best first; ties keep pack order (stable sort) so output is deterministic.
    // Exclusive groups: of the qualifying labels of a group, only the first in group order stays.
    for group in &dim.exclusive {
        if let Some(&winner) = group.iter().find(|g| scored.iter().any(|s| s.0 == **g)) {
            scored.retain(|s| s.0 == winner || !group.contains(&s.0));
        }
    }
    scored.sort_by(|a, b| b.1.partial_cmp(&a.1).unwrap_or(std::cmp::Ordering::Equal));
    if !dim.multi {
        scored.truncate(1);
    }
    if scored.is_empty() {
        if let Some(fb) = dim.fallback {
            scored.push((fb, 0.0, 0..0));
        }
    }
}

/// The route of the first `route_from` dimension whose top label (or its nearest ancestor)
/// has one, with that dimension and label; else the pack default.
fn choose_route<'p>(
    compiled: &'p Compiled,
    from: &[String],
    default: Option<&'p Route>,
    assigned: &[Vec<usize>],
) -> Option<(&'p Route, Option<(&'p CDimension, &'p CLabel)>)> {
    for d in from {
        let Some(di) = compiled.dimensions.iter().position(|x| &x.id == d) else {
            continue;
        };
        let Some(dim) = compiled.dimensions.get(di) else {
            continue;
        };
        // Only the dimension's top label decides: a lower-ranked label never routes.
        let Some(top) = assigned
            .get(di)
            .and_then(|a| a.first())
            .and_then(|&li| dim.labels.get(li))
        else {
            continue;
        };
        // The label's own route, else the nearest ancestor's.
        let mut cur = Some(top);
        let mut steps = 0;
        while let Some(l) = cur {
            if let Some(r) = &l.route {
                return Some((r, Some((dim, top))));
            }
            steps += 1;
            if steps > dim.labels.len() {
                break;
            }
            cur = l.parent.and_then(|p| dim.labels.get(p));
        }
    }
    default.map(|r| (r, None))
}
