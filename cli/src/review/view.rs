//! The review of one piece of copy, a view of its decision: the overall result (the severity
//! level), the kind of copy, and every problem (a label of the `problem` dimension) with its
//! level, its places (merged spans with line and column), what it checks, the regulation it
//! rests on and the suggested fix.

use super::DEFAULT_PACK_ID;
use serde::Serialize;
use std::collections::BTreeMap;
use wendu::{Complaint, Decision, Engine, PackDescriptor};
use wendu_cli::show::utf16_to_byte;

/// The dimension whose labels are the problems found.
pub(super) const PROBLEM_DIM: &str = "problem";
/// The dimension that says what kind of copy it is (optional in a review pack).
const PRODUCT_DIM: &str = "product";
/// Marker that starts the regulation reference inside a label's description.
const REFERENCE_MARKER: &str = "依据：";

/// One place a problem was found.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SpanOut {
    /// `text` or `title`.
    pub field: &'static str,
    /// Start, UTF-16 code units of the original field (as in decisions).
    pub start: usize,
    /// End (exclusive), UTF-16 code units.
    pub end: usize,
    /// 1-based line in that field.
    pub line: usize,
    /// 1-based column in characters.
    pub col: usize,
    /// The words (personal data masked).
    pub text: String,
}

/// One problem of a piece of copy.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ProblemOut {
    /// Label code, e.g. `R-GUARANTEE`.
    pub code: String,
    /// Label name.
    pub name: String,
    /// Level this problem alone leads to (from its factor's `min_level`, else by its points).
    pub level: Option<String>,
    /// Points its factor adds.
    pub points: i64,
    /// What the check looks for (the description before `依据：`).
    pub checks: Option<String>,
    /// The regulation it rests on (the description from `依据：` on).
    pub reference: Option<String>,
    /// Suggested fix (the label's advice).
    pub advice: Option<String>,
    /// Where, merged and in text order.
    pub spans: Vec<SpanOut>,
}

/// The overall result.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ResultOut {
    /// Level id (`pass`, `revise`, `reject` in the built-in pack).
    pub level: String,
    /// Level name (通过 / 修改后通过 / 不通过).
    pub name: String,
    /// Points of all problems.
    pub points: i64,
}

/// The pack that decided (as in decisions). Own type, so this view names only the crate's root
/// types and survives the core's internal moves.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PackOut {
    /// Pack id.
    pub id: String,
    /// Pack version.
    pub version: String,
    /// Content hash.
    pub hash: String,
}

/// A code and its name.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CodeName {
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
}

/// The review of one piece of copy.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Review {
    /// The input's id (the file name for a text file, null for literal text or stdin).
    pub id: Option<String>,
    /// Pack id, version and hash.
    pub pack: PackOut,
    /// Overall result.
    pub result: ResultOut,
    /// Kind of copy (labels of the `product` dimension, when the pack has one).
    pub product: Vec<CodeName>,
    /// Problems, most serious first, then in text order.
    pub problems: Vec<ProblemOut>,
    /// The decision's warnings (e.g. truncation).
    pub warnings: Vec<String>,
    /// The text with personal data masked (not serialised: spans index the caller's text).
    #[serde(skip)]
    pub masked_text: String,
}

/// Split a label description into (what it checks, reference) at `依据：`.
pub(super) fn split_description(desc: Option<&str>) -> (Option<String>, Option<String>) {
    let Some(d) = desc.map(str::trim).filter(|d| !d.is_empty()) else {
        return (None, None);
    };
    match d.find(REFERENCE_MARKER) {
        Some(i) => {
            let checks = d.get(..i).unwrap_or("").trim();
            let reference = d.get(i + REFERENCE_MARKER.len()..).unwrap_or("").trim();
            (
                Some(checks.to_string()).filter(|s| !s.is_empty()),
                Some(reference.to_string()).filter(|s| !s.is_empty()),
            )
        }
        None => (Some(d.to_string()), None),
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub(super) fn line_col(s: &str, byte: usize) -> (usize, usize) {
    let before = s.get(..byte).unwrap_or(s);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = before.get(line_start..).map_or(0, |x| x.chars().count()) + 1;
    (line, col)
}

/// Check that a pack can drive `wendu review`: it needs a `problem` dimension.
pub fn check_pack(desc: &PackDescriptor) -> Result<(), String> {
    if desc.dimension(PROBLEM_DIM).is_none() {
        return Err(format!(
            "pack {} has no `{PROBLEM_DIM}` dimension: `wendu review` needs a review pack (built in: {DEFAULT_PACK_ID}); see docs/review.md",
            desc.id
        ));
    }
    Ok(())
}

/// Build the review of one decision (a view: nothing is recomputed).
pub fn review_of(desc: &PackDescriptor, d: &Decision) -> Review {
    let level_rank = |id: &str| desc.levels.iter().position(|l| l.id == id);
    let problem_dim = desc.dimension(PROBLEM_DIM);
    // Factor that counted for each problem label (via its `label` evidence).
    let mut factor_of: BTreeMap<&str, (i64, Option<String>)> = BTreeMap::new();
    if let Some(s) = &d.severity {
        for f in &s.factors {
            let min_level = desc
                .factors
                .iter()
                .find(|x| x.id == f.id)
                .and_then(|x| x.min_level.clone());
            for e in &f.evidence {
                if e.kind == "label" && e.dimension.as_deref() == Some(PROBLEM_DIM) {
                    if let Some(code) = e.code.as_deref() {
                        factor_of.insert(code, (f.points, min_level.clone()));
                    }
                }
            }
        }
    }
    let field_text = |field: &str| -> &str {
        if field == "title" {
            d.masked_title.as_deref().unwrap_or("")
        } else {
            &d.masked_text
        }
    };
    let mut problems: Vec<ProblemOut> = Vec::new();
    for l in d.labels.get(PROBLEM_DIM).unwrap_or(&[]) {
        let label_desc = problem_dim.and_then(|dim| dim.labels.iter().find(|x| x.code == l.code));
        let (checks, reference) =
            split_description(label_desc.and_then(|x| x.description.as_deref()));
        // Spans per field, merged where they overlap (保本 inside 保本保收益 shows once).
        let mut raw: Vec<(&'static str, usize, usize)> = l
            .rules
            .iter()
            .flat_map(|r| r.evidence.iter())
            .filter_map(|e| Some((e.field?, e.span?)))
            .map(|(f, s)| (f, s[0], s[1]))
            .collect();
        raw.sort_unstable_by_key(|&(f, s, e)| (f != "title", s, e));
        let mut merged: Vec<(&'static str, usize, usize)> = Vec::new();
        for (f, s, e) in raw {
            match merged.last_mut() {
                Some(last) if last.0 == f && s <= last.2 => last.2 = last.2.max(e),
                _ => merged.push((f, s, e)),
            }
        }
        let spans = merged
            .into_iter()
            .map(|(field, start, end)| {
                let t = field_text(field);
                let (bs, be) = (utf16_to_byte(t, start), utf16_to_byte(t, end));
                let (line, col) = line_col(t, bs);
                SpanOut {
                    field,
                    start,
                    end,
                    line,
                    col,
                    text: t.get(bs..be).unwrap_or("").to_string(),
                }
            })
            .collect();
        let (points, min_level) = factor_of.get(l.code.as_str()).cloned().unwrap_or((0, None));
        // The level this problem alone leads to: its factor's min_level, else the highest
        // level its points reach.
        let level = min_level.or_else(|| {
            desc.levels
                .iter()
                .rev()
                .find(|lv| points >= lv.min_points && points > 0)
                .map(|lv| lv.id.clone())
        });
        problems.push(ProblemOut {
            code: l.code.clone(),
            name: l.name.clone(),
            level,
            points,
            checks,
            reference,
            advice: l.advice.clone(),
            spans,
        });
    }
    // Most serious first, then where the first span is; pack order breaks ties (stable sort).
    problems.sort_by_key(|p| {
        (
            std::cmp::Reverse(p.level.as_deref().and_then(level_rank)),
            std::cmp::Reverse(p.points),
            p.spans.first().map_or(usize::MAX, |s| s.start),
        )
    });
    let result = match &d.severity {
        Some(s) => ResultOut {
            level: s.level.clone(),
            name: s.name.clone(),
            points: s.points,
        },
        None => ResultOut {
            level: String::new(),
            name: String::new(),
            points: 0,
        },
    };
    let product = d
        .labels
        .get(PRODUCT_DIM)
        .unwrap_or(&[])
        .iter()
        .map(|l| CodeName {
            code: l.code.clone(),
            name: l.name.clone(),
        })
        .collect();
    Review {
        id: d.id.clone(),
        pack: PackOut {
            id: d.pack.id.clone(),
            version: d.pack.version.clone(),
            hash: d.pack.hash.clone(),
        },
        result,
        product,
        problems,
        warnings: d.warnings.clone(),
        masked_text: d.masked_text.clone(),
    }
}

/// Review one complaint.
pub fn review(engine: &Engine, desc: &PackDescriptor, c: &Complaint) -> Result<Review, String> {
    let d = engine.classify(c).map_err(|e| e.message())?;
    Ok(review_of(desc, &d))
}
