//! The explained rendering of a ruling: the [`Decision`] — labels per dimension with confidence
//! and the evidence of every rule that fired, severity with its factors' evidence and deadline,
//! route, amounts, personal data (found and masked, never repeated), and the terms a negation
//! silenced. Field order is fixed: the JSON is byte-identical on every runtime.

use super::evidence::{utf16_table, Evidence, EvidenceMapper, Part, SpanKeys};
use super::{deadline, Ruling};
use crate::compile::CompiledPack;
use crate::complaint::Complaint;
use crate::condition::{Ctx, RawEvidence};
use crate::extract::{amount::Amount, pii};
use crate::json::Num;
use crate::model::Analysis;
use crate::pack::PackRef;
use crate::rules::lent;
use crate::text::Normalized;
use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;

/// A rule that fired for a label.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FiredRule {
    /// Rule id.
    pub id: String,
    /// Its weight.
    pub weight: Num,
    /// The words (fields, labels) that made it fire.
    pub evidence: Vec<Evidence>,
}

/// A label assigned on a dimension.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Label {
    /// Stable code.
    pub code: String,
    /// Display name.
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
/// A [`Decision`] holds explained [`Label`]s; a [`super::Verdict`] holds
/// [`super::LabelCode`]s borrowed from the pack.
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
pub struct Route {
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
    /// Display name.
    pub name: String,
    /// Points it added.
    pub points: i64,
    /// The words (fields, labels) that made it count.
    pub evidence: Vec<Evidence>,
}

/// The severity of the complaint.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Severity {
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
    /// Dimensions whose labels a person should check (their `review_below`); absent when none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub needs_review: Vec<String>,
    /// Route.
    pub route: Option<Route>,
    /// Severity (null when the pack scores none).
    pub severity: Option<Severity>,
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

/// An amount found in the text with its (part, start, end) in the original fields.
pub(crate) type Placed = (Amount, (usize, usize, usize));

/// Buffers an explanation reuses from one complaint to the next.
#[derive(Default)]
pub(crate) struct ExplainScratch {
    /// UTF-16 tables of the title and the text.
    pub utf16: [Vec<u32>; 2],
    raw: Vec<RawEvidence>,
    keys: SpanKeys,
}

/// What a decision is rendered from: one complaint's run through the flow.
pub(crate) struct Explain<'a> {
    /// The compiled pack.
    pub pack: &'a CompiledPack,
    /// Its identity.
    pub info: PackRef,
    /// The complaint.
    pub complaint: &'a Complaint,
    /// Its title and text as classified (after the pack's limits).
    pub title: Option<&'a str>,
    /// Its text as classified.
    pub text: &'a str,
    /// Title and text normalised, with the offset map.
    pub norm: &'a Normalized,
    /// The context conditions were evaluated in (every dimension's labels assigned).
    pub ctx: Ctx<'a>,
    /// What was decided.
    pub ruling: &'a Ruling<'a>,
    /// Amounts found, placed in the original fields.
    pub amounts: &'a [Placed],
    /// Per model of the pack, its pass over the text.
    pub analyses: &'a [Analysis<'a>],
    /// Personal data found in the normalised text.
    pub personal: &'a [pii::PiiMatch],
    /// Notes so far (truncation).
    pub warnings: Vec<String>,
}

/// Render the decision.
pub(crate) fn render(x: Explain, scratch: &mut ExplainScratch) -> Decision {
    let ExplainScratch {
        utf16: [utf16_title, utf16_text],
        raw,
        keys,
    } = scratch;
    utf16_table(x.title.unwrap_or(""), utf16_title);
    utf16_table(x.text, utf16_text);
    let part = |name, original, utf16| Part {
        name,
        original,
        utf16,
        masks: Vec::new(),
    };
    // Title (when there is one) and text, in the order of the normalised text; a slice of a
    // stack array rather than a Vec.
    let mut both = [
        part("title", x.title.unwrap_or(""), utf16_title),
        part("text", x.text, utf16_text),
    ];
    let parts: &mut [Part] = if x.title.is_some() {
        &mut both
    } else {
        &mut both[1..]
    };
    // Personal data first, so that everything quoted later can be masked.
    let personal_data = personal_data(x.norm, x.personal, parts);
    let parts: &[Part] = parts;
    let mapper = EvidenceMapper {
        pack: x.pack,
        norm: x.norm,
        parts,
        analyses: x.analyses,
        max: x.pack.limits.max_evidence.max(1),
    };
    let mut ev = |when: &crate::condition::Condition| {
        when.evidence(&x.ctx, raw, x.pack.limits.max_evidence.max(1));
        mapper.map(raw, keys)
    };
    let labels = labels(&x, &mut ev);
    let severity = severity(&x, &mut ev);
    let route = route(&x);
    let negated = negated(&x, parts);
    Decision {
        id: x.complaint.id.clone(),
        pack: x.info,
        labels,
        needs_review: super::verdict::review_ids(x.pack, x.ruling)
            .into_iter()
            .map(str::to_owned)
            .collect(),
        route,
        severity,
        amounts: amounts(x.amounts, parts),
        personal_data,
        negated,
        masked_title: parts.iter().find(|p| p.name == "title").map(Part::masked),
        masked_text: parts
            .iter()
            .find(|p| p.name == "text")
            .map(Part::masked)
            .unwrap_or_default(),
        warnings: x.warnings,
    }
}

/// Personal data of the normalised text, placed in the original parts, whose masks it records.
fn personal_data(
    norm: &Normalized,
    found: &[pii::PiiMatch],
    parts: &mut [Part],
) -> Vec<PersonalData> {
    let mut out = Vec::new();
    for m in found {
        let Some((pi, os, oe)) = norm.original_range(m.start, m.end) else {
            continue;
        };
        let Some(part) = parts.get_mut(pi) else {
            continue;
        };
        let original = part.original.get(os..oe).unwrap_or("");
        let masked = pii::mask(m.kind, original);
        part.masks.push((os, oe, masked));
        out.push(PersonalData {
            kind: m.kind.as_str(),
            field: part.name,
            span: [part.u16(os), part.u16(oe)],
        });
    }
    out
}

fn amounts(placed: &[Placed], parts: &[Part]) -> Vec<AmountOut> {
    placed
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
        .collect()
}

type Explainer<'e> = dyn FnMut(&crate::condition::Condition) -> Vec<Evidence> + 'e;

fn labels(x: &Explain, ev: &mut Explainer) -> Labels {
    let mut out = Labels(Vec::with_capacity(x.pack.dimensions.len()));
    for (di, dim) in x.pack.dimensions.iter().enumerate() {
        let chosen = x.ruling.labels.of(di);
        let mut list = Vec::with_capacity(chosen.len());
        for (li, conf, fired) in chosen {
            let Some(l) = dim.labels.get(li) else {
                continue;
            };
            let mut rules = Vec::with_capacity(fired.len());
            for rule in fired.iter().filter_map(|&ri| l.rules.get(ri)) {
                rules.push(FiredRule {
                    id: rule.id.clone(),
                    weight: Num(lent(&rule.weight, &rule.when, &x.ctx)),
                    evidence: ev(&rule.when),
                });
            }
            list.push(Label {
                code: l.code.clone(),
                name: l.name.clone(),
                confidence: Num(conf),
                parent: l.parent_code.clone(),
                fallback: rules.is_empty(),
                advice: l.advice.clone(),
                rules,
            });
        }
        out.0.push((dim.id.clone(), list));
    }
    out
}

fn severity(x: &Explain, ev: &mut Explainer) -> Option<Severity> {
    let s = x.ruling.severity.as_ref()?;
    let l = x.pack.levels.get(s.level)?;
    let mut factors = Vec::with_capacity(x.ruling.factors.len());
    for f in x
        .ruling
        .factors
        .iter()
        .filter_map(|&fi| x.pack.factors.get(fi))
    {
        factors.push(FactorOut {
            id: f.id.clone(),
            name: f.name.clone(),
            points: f.points,
            evidence: ev(&f.when),
        });
    }
    Some(Severity {
        level: l.id.clone(),
        name: l.name.clone(),
        points: s.points,
        deadline_hours: l.deadline_hours,
        deadline: deadline(x.complaint.received_at, l),
        escalate_to: l.escalate_to.clone(),
        factors,
    })
}

fn route(x: &Explain) -> Option<Route> {
    let r = x.ruling.route?;
    let owner = r.route(x.pack)?;
    let by = r.by.and_then(|(di, li)| {
        let d = x.pack.dimensions.get(di)?;
        Some((d.id.clone(), d.labels.get(li)?.code.clone()))
    });
    Some(Route {
        department: owner.department.clone(),
        queue: owner.queue.clone(),
        dimension: by.as_ref().map(|(d, _)| d.clone()),
        code: by.map(|(_, c)| c),
    })
}

/// The terms of the pack's rules that occurred but were negated, with their cues, once each, and
/// at most `max_evidence` occurrences per term (the pack's bound on quoted words): a text made of
/// one cue repeated negates every occurrence, and listing them all made the decision grow with
/// the text and its de-duplication quadratic (1.8 s for 没 × 20,000).
fn negated(x: &Explain, parts: &[Part]) -> Vec<Negated> {
    let (norm, s) = (x.norm, x.ctx.scan);
    let max = x.pack.limits.max_evidence.max(1);
    let mut out: Vec<Negated> = Vec::new();
    // What makes two entries equal (term, part, original span, cue), and how many entries each
    // term has: both only allocate once a negated term is met.
    let mut seen: std::collections::HashSet<(u32, usize, usize, usize, String)> =
        std::collections::HashSet::new();
    let mut per_term: std::collections::HashMap<u32, usize> = std::collections::HashMap::new();
    for h in s.hits.iter() {
        let Some(ci) = h.negated_by else { continue };
        // Terms only trigger conditions use are not the decision's business.
        if h.term as usize >= x.pack.decision_terms {
            continue;
        }
        let count = per_term.entry(h.term).or_insert(0);
        if *count >= max {
            continue;
        }
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
        if !seen.insert((h.term, pi, os, oe, cue.clone())) {
            continue;
        }
        *count += 1;
        out.push(Negated {
            term: x
                .pack
                .terms
                .get(h.term as usize)
                .cloned()
                .unwrap_or_default(),
            cue,
            field: part.name,
            span: [part.u16(os), part.u16(oe)],
        });
    }
    out
}
