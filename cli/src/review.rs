//! `wendu review`: 消保审核 of marketing copy with a review pack (built in: cn-marketing-review).
//! A view of one decision per piece of copy — the overall result (the severity level), every
//! problem (a label of the `problem` dimension) with its spans, reference and suggested fix —
//! plus `--eval`, precision and recall per problem against a labelled JSON Lines file.

use clap::ValueEnum;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::Path;
use std::process::ExitCode;
use wendu::{Complaint, Decision, Engine, PackDescriptor};
use wendu_cli::show::{highlight, utf16_to_byte};

/// The pack `wendu review` uses without `--pack`.
pub const DEFAULT_PACK_ID: &str = "cn-marketing-review";
/// The dimension whose labels are the problems found.
const PROBLEM_DIM: &str = "problem";
/// The dimension that says what kind of copy it is (optional in a review pack).
const PRODUCT_DIM: &str = "product";
/// Marker that starts the regulation reference inside a label's description.
const REFERENCE_MARKER: &str = "依据：";

/// Output style of `wendu review`.
#[derive(Clone, Copy, ValueEnum, PartialEq, Debug)]
pub enum Style {
    /// Readable text.
    Text,
    /// One JSON object per piece of copy (JSON Lines when there are several).
    Json,
}

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
fn split_description(desc: Option<&str>) -> (Option<String>, Option<String>) {
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
fn line_col(s: &str, byte: usize) -> (usize, usize) {
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

impl Review {
    /// Compact JSON, fields in declaration order.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| String::from("null"))
    }

    /// Readable text; `color` highlights the spans with ANSI colours instead of brackets.
    pub fn render(&self, color: bool) -> String {
        let mut out = String::new();
        if let Some(id) = &self.id {
            out.push_str(&format!("== {id}\n"));
        }
        let counts = |lv: &str| {
            self.problems
                .iter()
                .filter(|p| p.level.as_deref() == Some(lv))
                .count()
        };
        let mut by_level: Vec<String> = Vec::new();
        for lv in ["reject", "revise"] {
            let n = counts(lv);
            if n > 0 {
                by_level.push(format!("{n} {lv}"));
            }
        }
        out.push_str(&format!(
            "result: {} ({}), {} problem{}{}\n",
            self.result.name,
            self.result.level,
            self.problems.len(),
            if self.problems.len() == 1 { "" } else { "s" },
            if by_level.is_empty() {
                String::new()
            } else {
                format!(": {}", by_level.join(", "))
            }
        ));
        if !self.product.is_empty() {
            let names: Vec<&str> = self.product.iter().map(|p| p.name.as_str()).collect();
            out.push_str(&format!("copy: {}\n", names.join(" + ")));
        }
        let text_spans: Vec<(usize, usize)> = self
            .problems
            .iter()
            .flat_map(|p| p.spans.iter())
            .filter(|s| s.field == "text")
            .map(|s| (s.start, s.end))
            .collect();
        out.push('\n');
        for line in highlight(&self.masked_text, text_spans.iter().copied(), color).lines() {
            out.push_str(&format!("  {line}\n"));
        }
        out.push('\n');
        for (i, p) in self.problems.iter().enumerate() {
            out.push_str(&format!(
                "{}. [{}] {} {}\n",
                i + 1,
                p.level.as_deref().unwrap_or("-"),
                p.code,
                p.name
            ));
            if !p.spans.is_empty() {
                let at: Vec<String> = p
                    .spans
                    .iter()
                    .map(|s| {
                        let field = if s.field == "title" { "title " } else { "" };
                        format!("{field}{}:{} “{}”", s.line, s.col, s.text)
                    })
                    .collect();
                out.push_str(&format!("   at:        {}\n", at.join("; ")));
            }
            if let Some(c) = &p.checks {
                out.push_str(&format!("   checks:    {c}\n"));
            }
            if let Some(r) = &p.reference {
                out.push_str(&format!("   reference: {r}\n"));
            }
            if let Some(a) = &p.advice {
                out.push_str(&format!("   fix:       {a}\n"));
            }
        }
        for w in &self.warnings {
            out.push_str(&format!("warning: {w}\n"));
        }
        out
    }
}

/// What the command reads.
#[derive(Debug, PartialEq)]
pub enum Input {
    /// One piece of copy given on the command line.
    Literal(String),
    /// A file (its whole content is one piece, unless it is JSON Lines).
    File(std::path::PathBuf),
    /// Standard input.
    Stdin,
}

/// Decide what `wendu review ARG` means: `-` or nothing is stdin, an existing path is a file,
/// anything that looks like a path but does not exist is an error (a mistyped file name must
/// not be reviewed as copy), anything else is the copy itself.
pub fn parse_input(arg: Option<&str>) -> Result<Input, String> {
    let Some(arg) = arg else {
        return Ok(Input::Stdin);
    };
    if arg == "-" {
        return Ok(Input::Stdin);
    }
    if arg.trim().is_empty() {
        return Err("the copy to review is empty".into());
    }
    let p = Path::new(arg);
    if p.is_file() {
        return Ok(Input::File(p.to_path_buf()));
    }
    if p.is_dir() {
        return Err(format!("{arg} is a directory, not a file of copy"));
    }
    let ascii_only = arg.is_ascii();
    let looks_like_path = !arg.chars().any(char::is_whitespace)
        && (arg.contains('/')
            || arg.contains('\\')
            || (ascii_only
                && [".txt", ".jsonl", ".json", ".md", ".csv"]
                    .iter()
                    .any(|ext| arg.to_ascii_lowercase().ends_with(ext))));
    if looks_like_path && ascii_only {
        return Err(format!("cannot open {arg}: no such file"));
    }
    Ok(Input::Literal(arg.to_string()))
}

/// JSON Lines when the file is named `.jsonl` or the content starts with `{`.
fn is_jsonl(name: Option<&Path>, content: &str) -> bool {
    name.and_then(|p| p.extension())
        .is_some_and(|e| e.eq_ignore_ascii_case("jsonl"))
        || content.trim_start().starts_with('{')
}

/// `wendu review [INPUT]`.
pub fn run(
    engine: &Engine,
    input: Option<&str>,
    style: Style,
    color: bool,
) -> Result<ExitCode, String> {
    let desc = engine.describe();
    check_pack(&desc)?;
    let (name, content) = match parse_input(input)? {
        Input::Literal(t) => (None, t),
        Input::Stdin => {
            let mut s = String::new();
            std::io::stdin()
                .lock()
                .read_to_string(&mut s)
                .map_err(|e| format!("standard input: {e}"))?;
            (None, s)
        }
        Input::File(p) => {
            let s = std::fs::read_to_string(&p)
                .map_err(|e| format!("cannot read {}: {e}", p.display()))?;
            (Some(p), s)
        }
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut errors = 0usize;
    if is_jsonl(name.as_deref(), &content) {
        let mut first = true;
        for (i, line) in content.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let line_no = i + 1;
            match Complaint::from_json(line)
                .map_err(|e| e.message())
                .and_then(|c| review(engine, &desc, &c))
            {
                Ok(r) => {
                    let s = match style {
                        Style::Json => r.to_json(),
                        Style::Text => {
                            let sep = if first { "" } else { "\n" };
                            let id = r.id.clone().unwrap_or_else(|| format!("line {line_no}"));
                            let mut r = r;
                            r.id = Some(id);
                            format!("{sep}{}", r.render(color).trim_end())
                        }
                    };
                    writeln!(out, "{s}").map_err(|e| e.to_string())?;
                }
                Err(msg) => {
                    errors += 1;
                    match style {
                        Style::Json => {
                            let rec = serde_json::json!({"line": line_no, "error": msg});
                            writeln!(out, "{rec}").map_err(|e| e.to_string())?;
                        }
                        Style::Text => {
                            let sep = if first { "" } else { "\n" };
                            writeln!(out, "{sep}== line {line_no}\nerror: {msg}")
                                .map_err(|e| e.to_string())?;
                        }
                    }
                }
            }
            first = false;
        }
        if first {
            return Err("no copy to review: the input has no JSON lines".into());
        }
    } else {
        if content.trim().is_empty() {
            return Err("the copy to review is empty".into());
        }
        let mut c = Complaint::from_text(content);
        c.id = name.map(|p| p.display().to_string());
        let r = review(engine, &desc, &c)?;
        let s = match style {
            Style::Json => r.to_json(),
            Style::Text => r.render(color).trim_end().to_string(),
        };
        writeln!(out, "{s}").map_err(|e| e.to_string())?;
    }
    out.flush().map_err(|e| e.to_string())?;
    Ok(if errors > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// One labelled piece of an evaluation file.
#[derive(Debug, Clone, PartialEq)]
pub struct Labelled {
    /// Id (or `line N`).
    pub id: String,
    /// Its JSON object (as a complaint: `text`, optional `title` …).
    pub value: serde_json::Value,
    /// Expected problem codes.
    pub problems: Vec<String>,
    /// Expected result level id.
    pub result: String,
}

/// Read an evaluation file: JSON Lines of `{id, text, problems: [codes], result: level}`; codes
/// and levels are checked against the pack so that a typo is an error, not a silent miss.
pub fn read_eval(content: &str, desc: &PackDescriptor) -> Result<Vec<Labelled>, String> {
    let codes: Vec<&str> = desc
        .dimension(PROBLEM_DIM)
        .map(|d| d.labels.iter().map(|l| l.code.as_str()).collect())
        .unwrap_or_default();
    let levels: Vec<&str> = desc.levels.iter().map(|l| l.id.as_str()).collect();
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (i, line) in content.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let n = i + 1;
        let v: serde_json::Value = match serde_json::from_str(line) {
            Ok(v) => v,
            Err(e) => {
                errors.push(format!("line {n}: not JSON: {e}"));
                continue;
            }
        };
        let id = match v.get("id") {
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(serde_json::Value::Number(x)) => x.to_string(),
            _ => format!("line {n}"),
        };
        let problems: Vec<String> = match v.get("problems") {
            Some(serde_json::Value::Array(a)) => {
                let mut ps = Vec::new();
                for x in a {
                    match x.as_str() {
                        Some(c) if codes.contains(&c) => ps.push(c.to_string()),
                        Some(c) => errors.push(format!(
                            "line {n} ({id}): unknown problem code {c} (the pack has {})",
                            codes.join(", ")
                        )),
                        None => {
                            errors.push(format!("line {n} ({id}): `problems` must hold strings"))
                        }
                    }
                }
                ps.sort();
                ps.dedup();
                ps
            }
            _ => {
                errors.push(format!(
                    "line {n} ({id}): `problems` (an array of codes) is required"
                ));
                continue;
            }
        };
        let result = match v.get("result").and_then(|x| x.as_str()) {
            Some(r) if levels.contains(&r) => r.to_string(),
            Some(r) => {
                errors.push(format!(
                    "line {n} ({id}): unknown result {r} (the pack's levels are {})",
                    levels.join(", ")
                ));
                continue;
            }
            None => {
                errors.push(format!(
                    "line {n} ({id}): `result` (a level id) is required"
                ));
                continue;
            }
        };
        // The expectation fields are not part of the copy.
        let mut value = v.clone();
        if let Some(m) = value.as_object_mut() {
            m.remove("problems");
            m.remove("result");
        }
        out.push(Labelled {
            id,
            value,
            problems,
            result,
        });
    }
    if !errors.is_empty() {
        let shown: Vec<&String> = errors.iter().take(20).collect();
        let mut msg = format!("{} problem(s) in the evaluation file:\n", errors.len());
        for e in shown {
            msg.push_str(&format!("  {e}\n"));
        }
        return Err(msg);
    }
    if out.is_empty() {
        return Err("the evaluation file has no labelled copy".into());
    }
    Ok(out)
}

/// Counts for one problem code.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct RuleScore {
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Pieces expected to have it.
    pub support: usize,
    /// Pieces the pack gave it to.
    pub predicted: usize,
    /// True positives.
    pub tp: usize,
    /// False positives.
    pub fp: usize,
    /// False negatives.
    pub r#fn: usize,
    /// tp / predicted (null when nothing was predicted).
    pub precision: Option<f64>,
    /// tp / support (null when nothing was expected).
    pub recall: Option<f64>,
    /// Harmonic mean (null when either is null or both are 0).
    pub f1: Option<f64>,
}

fn ratio(a: usize, b: usize) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

fn f1(p: Option<f64>, r: Option<f64>) -> Option<f64> {
    match (p, r) {
        (Some(p), Some(r)) if p + r > 0.0 => Some(2.0 * p * r / (p + r)),
        (Some(_), Some(_)) => Some(0.0),
        _ => None,
    }
}

/// One piece whose problems or result differ from the expectation.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Mismatch {
    /// Id.
    pub id: String,
    /// Expected result.
    pub expected_result: String,
    /// Result given.
    pub result: String,
    /// Expected but not found.
    pub missed: Vec<String>,
    /// Found but not expected.
    pub extra: Vec<String>,
}

/// The evaluation.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EvalReport {
    /// Pack.
    pub pack: PackOut,
    /// Pieces evaluated.
    pub pieces: usize,
    /// Per problem code, in pack order.
    pub rules: Vec<RuleScore>,
    /// Micro-averaged over all codes.
    pub micro: RuleScore,
    /// Pieces whose problem set is exactly the expected one.
    pub exact: usize,
    /// Pieces whose result is the expected one.
    pub result_correct: usize,
    /// result_correct / pieces.
    pub result_accuracy: f64,
    /// Levels in pack order (rows and columns of `confusion`).
    pub levels: Vec<String>,
    /// confusion[expected][given].
    pub confusion: Vec<Vec<usize>>,
    /// Pieces that differ, in file order.
    pub mismatches: Vec<Mismatch>,
}

/// Score the pack on labelled copy.
pub fn evaluate(
    engine: &Engine,
    desc: &PackDescriptor,
    set: &[Labelled],
) -> Result<EvalReport, String> {
    let labels: Vec<(String, String)> = desc
        .dimension(PROBLEM_DIM)
        .map(|d| {
            d.labels
                .iter()
                .map(|l| (l.code.clone(), l.name.clone()))
                .collect()
        })
        .unwrap_or_default();
    let levels: Vec<String> = desc.levels.iter().map(|l| l.id.clone()).collect();
    let mut rules: Vec<RuleScore> = labels
        .iter()
        .map(|(code, name)| RuleScore {
            code: code.clone(),
            name: name.clone(),
            ..RuleScore::default()
        })
        .collect();
    let mut confusion = vec![vec![0usize; levels.len()]; levels.len()];
    let mut mismatches = Vec::new();
    let (mut exact, mut correct) = (0, 0);
    let mut pack = None;
    for item in set {
        let d = engine
            .classify_value(item.value.clone())
            .map_err(|e| format!("{}: {}", item.id, e.message()))?;
        let r = review_of(desc, &d);
        pack.get_or_insert_with(|| r.pack.clone());
        let mut got: Vec<String> = r.problems.iter().map(|p| p.code.clone()).collect();
        got.sort();
        for score in rules.iter_mut() {
            let want = item.problems.contains(&score.code);
            let have = got.contains(&score.code);
            score.support += usize::from(want);
            score.predicted += usize::from(have);
            score.tp += usize::from(want && have);
            score.fp += usize::from(have && !want);
            score.r#fn += usize::from(want && !have);
        }
        let ei = levels.iter().position(|l| *l == item.result);
        let gi = levels.iter().position(|l| *l == r.result.level);
        if let (Some(ei), Some(gi)) = (ei, gi) {
            if let Some(cell) = confusion.get_mut(ei).and_then(|row| row.get_mut(gi)) {
                *cell += 1;
            }
        }
        let same_result = item.result == r.result.level;
        correct += usize::from(same_result);
        let missed: Vec<String> = item
            .problems
            .iter()
            .filter(|c| !got.contains(c))
            .cloned()
            .collect();
        let extra: Vec<String> = got
            .iter()
            .filter(|c| !item.problems.contains(c))
            .cloned()
            .collect();
        if missed.is_empty() && extra.is_empty() {
            exact += 1;
        }
        if !same_result || !missed.is_empty() || !extra.is_empty() {
            mismatches.push(Mismatch {
                id: item.id.clone(),
                expected_result: item.result.clone(),
                result: r.result.level.clone(),
                missed,
                extra,
            });
        }
    }
    let mut micro = RuleScore {
        code: "micro".into(),
        name: "all problems".into(),
        ..RuleScore::default()
    };
    for s in rules.iter_mut() {
        s.precision = ratio(s.tp, s.predicted);
        s.recall = ratio(s.tp, s.support);
        s.f1 = f1(s.precision, s.recall);
        micro.support += s.support;
        micro.predicted += s.predicted;
        micro.tp += s.tp;
        micro.fp += s.fp;
        micro.r#fn += s.r#fn;
    }
    micro.precision = ratio(micro.tp, micro.predicted);
    micro.recall = ratio(micro.tp, micro.support);
    micro.f1 = f1(micro.precision, micro.recall);
    let pieces = set.len();
    Ok(EvalReport {
        pack: pack.ok_or("the evaluation file has no labelled copy")?,
        pieces,
        rules,
        micro,
        exact,
        result_correct: correct,
        result_accuracy: ratio(correct, pieces).unwrap_or(0.0),
        levels,
        confusion,
        mismatches,
    })
}

fn fmt3(x: Option<f64>) -> String {
    x.map_or("-".into(), |v| format!("{v:.3}"))
}

impl EvalReport {
    /// The readable table.
    pub fn render(&self, file: &str) -> String {
        let mut out = format!(
            "review evaluation: {file}, {} pieces, pack {} {}\n\n",
            self.pieces, self.pack.id, self.pack.version
        );
        out.push_str(&format!(
            "{:<20} {:>7} {:>9} {:>4} {:>4} {:>4} {:>9} {:>7} {:>6}\n",
            "problem", "support", "predicted", "tp", "fp", "fn", "precision", "recall", "f1"
        ));
        for s in self.rules.iter().chain(std::iter::once(&self.micro)) {
            out.push_str(&format!(
                "{:<20} {:>7} {:>9} {:>4} {:>4} {:>4} {:>9} {:>7} {:>6}\n",
                s.code,
                s.support,
                s.predicted,
                s.tp,
                s.fp,
                s.r#fn,
                fmt3(s.precision),
                fmt3(s.recall),
                fmt3(s.f1)
            ));
        }
        out.push_str(&format!(
            "\nresult accuracy: {:.3} ({}/{}); exact problem set: {}/{}\n",
            self.result_accuracy, self.result_correct, self.pieces, self.exact, self.pieces
        ));
        out.push_str(&format!(
            "confusion (expected \\ given): {}\n",
            self.levels.join(" ")
        ));
        for (lv, row) in self.levels.iter().zip(&self.confusion) {
            let cells: Vec<String> = row.iter().map(|n| format!("{n:>6}")).collect();
            out.push_str(&format!("  {lv:<8} {}\n", cells.join("")));
        }
        if !self.mismatches.is_empty() {
            out.push_str(&format!("\n{} pieces differ:\n", self.mismatches.len()));
            for m in &self.mismatches {
                let result = if m.expected_result == m.result {
                    m.result.clone()
                } else {
                    format!("{} (expected {})", m.result, m.expected_result)
                };
                out.push_str(&format!(
                    "  {:<6} {result}{}{}\n",
                    m.id,
                    if m.missed.is_empty() {
                        String::new()
                    } else {
                        format!("  missed {}", m.missed.join(" "))
                    },
                    if m.extra.is_empty() {
                        String::new()
                    } else {
                        format!("  extra {}", m.extra.join(" "))
                    }
                ));
            }
        }
        out
    }
}

/// `wendu review --eval FILE`.
pub fn run_eval(engine: &Engine, path: &Path, style: Style) -> Result<ExitCode, String> {
    let desc = engine.describe();
    check_pack(&desc)?;
    let content = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let set = read_eval(&content, &desc)?;
    let report = evaluate(engine, &desc, &set)?;
    let s = match style {
        Style::Json => serde_json::to_string(&report).map_err(|e| e.to_string())?,
        Style::Text => report.render(&path.display().to_string()),
    };
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", s.trim_end()).map_err(|e| e.to_string())?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn engine() -> Engine {
        Engine::new(wendu::REVIEW_PACK).expect("built-in review pack")
    }

    fn review_text(text: &str) -> Review {
        let e = engine();
        review(&e, &e.describe(), &Complaint::from_text(text)).expect("review")
    }

    fn problem<'a>(r: &'a Review, code: &str) -> &'a ProblemOut {
        r.problems
            .iter()
            .find(|p| p.code == code)
            .unwrap_or_else(|| panic!("{code} not found in {:?}", r.problems))
    }

    #[test]
    fn description_splits_at_the_reference_marker() {
        assert_eq!(
            split_description(Some("查什么。依据：某办法。")),
            (Some("查什么。".into()), Some("某办法。".into()))
        );
        assert_eq!(
            split_description(Some("只有说明")),
            (Some("只有说明".into()), None)
        );
        assert_eq!(split_description(Some("  ")), (None, None));
        assert_eq!(split_description(None), (None, None));
    }

    #[test]
    fn line_and_column_count_characters_per_line() {
        let t = "第一行\n第二行保本";
        let b = utf16_to_byte(t, 7); // 保 is the 8th UTF-16 unit (after 3 + \n + 3)
        assert_eq!(t.get(b..), Some("保本"));
        assert_eq!(line_col(t, b), (2, 4));
        // An emoji is two UTF-16 units but one column.
        let t = "😀保本";
        let b = utf16_to_byte(t, 2);
        assert_eq!(t.get(b..), Some("保本"));
        assert_eq!(line_col(t, b), (1, 2));
    }

    #[test]
    fn a_promise_of_capital_is_rejected_with_its_words_and_place() {
        let r = review_text(
            "稳健理财，保本保收益，年化收益率4.5%。\n理财非存款、产品有风险、投资须谨慎。",
        );
        assert_eq!(r.result.level, "reject");
        assert_eq!(r.result.name, "不通过");
        // Most serious first.
        assert_eq!(
            r.problems.first().map(|p| p.code.as_str()),
            Some("R-GUARANTEE")
        );
        let g = problem(&r, "R-GUARANTEE");
        assert_eq!(g.level.as_deref(), Some("reject"));
        assert_eq!(
            g.spans.len(),
            1,
            "保本 inside 保本保收益 is merged: {:?}",
            g.spans
        );
        let s = &g.spans[0];
        assert_eq!(
            (s.field, s.line, s.col, s.text.as_str()),
            ("text", 1, 6, "保本保收益")
        );
        assert_eq!((s.start, s.end), (5, 10));
        assert!(g
            .reference
            .as_deref()
            .unwrap_or("")
            .contains("银发〔2018〕106号"));
        assert!(g.advice.as_deref().unwrap_or("").contains("删除"));
        // The risk statement is present on line 2, so no missing-risk problem.
        assert!(r.problems.iter().all(|p| p.code != "R-RISK-MISSING"));
        assert!(r.product.iter().any(|p| p.code == "invest"));
    }

    #[test]
    fn a_missing_annualised_rate_is_revise_and_points_at_the_price() {
        let r = review_text("XX贷，日息低至0.02%，\n借1万每天只需2元！");
        assert_eq!(r.result.level, "revise");
        assert_eq!(r.result.name, "修改后通过");
        let p = problem(&r, "R-LOAN-APR");
        let at: Vec<(usize, usize, &str)> = p
            .spans
            .iter()
            .map(|s| (s.line, s.col, s.text.as_str()))
            .collect();
        assert!(at.contains(&(1, 5, "日息")), "{at:?}");
        assert!(
            at.iter().any(|&(l, _, t)| l == 2 && t.contains("每天只需")),
            "{at:?}"
        );
    }

    #[test]
    fn clean_copy_and_near_misses_pass() {
        for text in [
            "个人消费贷款，年化利率（单利）3.6%起，具体以审批为准。",
            "本行存款受《存款保险条例》保护，三年期定期存款年利率2.35%。",
            "本产品不保本，业绩比较基准（年化）3%-3.5%。理财非存款、产品有风险、投资须谨慎。",
            "請認準本行唯一官方客服熱線９５５８８。",
        ] {
            let r = review_text(text);
            assert_eq!(r.result.level, "pass", "{text}: {:?}", r.problems);
            assert!(r.problems.is_empty());
        }
    }

    #[test]
    fn json_has_a_fixed_shape() {
        let r = review_text("零风险理财，最后3天！");
        let v: serde_json::Value = serde_json::from_str(&r.to_json()).expect("json");
        let keys: Vec<&str> = v
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        // serde_json without preserve_order sorts keys: check the set, then the raw order.
        for k in ["id", "pack", "result", "product", "problems", "warnings"] {
            assert!(keys.contains(&k), "{keys:?}");
        }
        let raw = r.to_json();
        let pos = |k: &str| raw.find(&format!("\"{k}\":")).expect(k);
        assert!(
            pos("id") < pos("pack")
                && pos("pack") < pos("result")
                && pos("result") < pos("product")
        );
        assert!(pos("product") < pos("problems") && pos("problems") < pos("warnings"));
        assert_eq!(v["result"]["level"], "reject");
        let p0 = &v["problems"][0];
        for k in [
            "code",
            "name",
            "level",
            "points",
            "checks",
            "reference",
            "advice",
            "spans",
        ] {
            assert!(p0.get(k).is_some(), "problem lacks {k}: {p0}");
        }
        for k in ["field", "start", "end", "line", "col", "text"] {
            assert!(p0["spans"][0].get(k).is_some(), "span lacks {k}");
        }
        assert!(v.get("masked_text").is_none());
    }

    #[test]
    fn inputs_are_told_apart_and_bad_ones_are_errors() {
        assert_eq!(parse_input(None), Ok(Input::Stdin));
        assert_eq!(parse_input(Some("-")), Ok(Input::Stdin));
        assert_eq!(
            parse_input(Some("保本理财")),
            Ok(Input::Literal("保本理财".into()))
        );
        assert_eq!(
            parse_input(Some("稳赚 100%兑付")),
            Ok(Input::Literal("稳赚 100%兑付".into()))
        );
        assert!(parse_input(Some("copy.txt"))
            .unwrap_err()
            .contains("no such file"));
        assert!(parse_input(Some("drafts/copy"))
            .unwrap_err()
            .contains("no such file"));
        assert!(parse_input(Some("  ")).is_err());
        assert!(parse_input(Some(".")).unwrap_err().contains("directory"));
        let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml");
        assert_eq!(
            parse_input(Some(manifest)),
            Ok(Input::File(manifest.into()))
        );
        assert!(is_jsonl(Some(Path::new("a.jsonl")), "保本"));
        assert!(is_jsonl(None, "  {\"text\": \"x\"}"));
        assert!(!is_jsonl(Some(Path::new("a.txt")), "保本"));
    }

    #[test]
    fn a_pack_without_problems_is_refused() {
        let e = Engine::default_pack().expect("default pack");
        let err = check_pack(&e.describe()).unwrap_err();
        assert!(err.contains("no `problem` dimension"), "{err}");
    }

    #[test]
    fn evaluation_counts_hits_misses_and_extras() {
        let e = engine();
        let desc = e.describe();
        let set = read_eval(
            concat!(
                r#"{"id": "a", "text": "保本理财", "problems": ["R-GUARANTEE"], "result": "reject"}"#,
                "\n\n",
                r#"{"id": "b", "text": "限时抢购理财", "problems": ["R-ABSOLUTE"], "result": "revise"}"#,
                "\n",
                r#"{"id": "c", "text": "手机银行新版上线", "problems": [], "result": "pass"}"#,
            ),
            &desc,
        )
        .expect("valid set");
        let r = evaluate(&e, &desc, &set).expect("evaluation");
        let score = |c: &str| r.rules.iter().find(|s| s.code == c).expect(c).clone();
        let g = score("R-GUARANTEE");
        assert_eq!((g.tp, g.fp, g.r#fn), (1, 0, 0));
        assert_eq!(g.precision, Some(1.0));
        let a = score("R-ABSOLUTE");
        assert_eq!(
            (a.tp, a.fp, a.r#fn, a.precision, a.recall),
            (0, 0, 1, None, Some(0.0))
        );
        let p = score("R-PRESSURE");
        assert_eq!((p.tp, p.fp, p.r#fn, p.recall), (0, 1, 0, None));
        assert_eq!((r.pieces, r.result_correct, r.exact), (3, 3, 2));
        assert_eq!(r.mismatches.len(), 1);
        assert_eq!(r.mismatches[0].missed, vec!["R-ABSOLUTE".to_string()]);
        assert_eq!(r.mismatches[0].extra, vec!["R-PRESSURE".to_string()]);
        let reject = r
            .levels
            .iter()
            .position(|l| l == "reject")
            .expect("reject level");
        assert_eq!(r.confusion[reject][reject], 1);
    }

    #[test]
    fn evaluation_files_with_typos_are_errors() {
        let desc = engine().describe();
        let bad = [
            (
                r#"{"id": "x", "text": "t", "problems": ["R-GUARANTE"], "result": "reject"}"#,
                "unknown problem code R-GUARANTE",
            ),
            (
                r#"{"id": "x", "text": "t", "problems": [], "result": "ok"}"#,
                "unknown result ok",
            ),
            (
                r#"{"id": "x", "text": "t", "result": "pass"}"#,
                "`problems`",
            ),
            (r#"{"id": "x", "text": "t", "problems": []}"#, "`result`"),
            ("not json", "not JSON"),
            ("", "no labelled copy"),
        ];
        for (line, want) in bad {
            let err = read_eval(line, &desc).unwrap_err();
            assert!(err.contains(want), "{line}: {err}");
        }
    }
}
