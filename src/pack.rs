//! Step one of the flow: **pack** (parse + validate) → compile → text → scan → rules → decide.
//! Reads a rule pack from JSON into typed definitions, reporting every problem at once with a
//! JSON pointer, and computes the pack's content hash.

use crate::error::{pointer, Problem};
use crate::text::NormalizeOptions;
use crate::validate::{type_name, Checker};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap, HashSet};

/// Conditions may nest at most this deep (a guard against stack exhaustion and unreadable packs).
pub const MAX_DEPTH: usize = 16;

/// Pack identity, carried by every decision so that each can be audited.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PackInfo {
    /// Pack id, e.g. `cn-banking`.
    pub id: String,
    /// Pack version as written by its authors.
    pub version: String,
    /// `sha256:` + hex of the canonical JSON (keys sorted, no whitespace), so formatting changes
    /// do not change it but any rule change does.
    pub hash: String,
    /// BCP 47 locale, e.g. `zh-CN`.
    #[serde(skip)]
    pub locale: String,
    /// Free text.
    #[serde(skip)]
    pub description: String,
}

/// Negation: a term preceded (within `window` characters, inside one clause) by a cue is negated.
#[derive(Debug, Clone, PartialEq)]
pub struct Negation {
    /// Cue words, e.g. 没有, 未, not, never.
    pub cues: Vec<String>,
    /// Maximum characters between the end of the cue and the start of the term.
    pub window: usize,
    /// Words containing a cue that are not negations (没收, 未来): a cue inside one is ignored.
    pub except: Vec<String>,
}

/// Limits that protect the engine from oversized input.
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    /// Longest accepted text (title + text) in characters.
    pub max_text_chars: usize,
    /// When true, longer texts are cut and the decision carries a warning; otherwise an error.
    pub truncate: bool,
    /// Evidence items kept per rule or factor.
    pub max_evidence: usize,
    /// Compiled size limit per regex, in bytes.
    pub max_regex_bytes: usize,
}

/// Where a complaint goes: the owning department and, optionally, a queue.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Route {
    /// Owning department.
    pub department: String,
    /// Work queue inside the department.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queue: Option<String>,
}

/// Pack-wide settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// Text normalisation.
    pub normalize: NormalizeOptions,
    /// Negation cues and window.
    pub negation: Negation,
    /// Input limits.
    pub limits: Limits,
    /// Default minimum confidence for a label to be output.
    pub threshold: f64,
    /// ASCII letters/digits at a term's edges must sit on word boundaries.
    pub word_boundary: bool,
    /// Dimensions whose top label decides the route, in order of precedence.
    pub route_from: Vec<String>,
    /// Route when no label names one.
    pub default_route: Option<Route>,
}

/// A comparison in a `field` condition.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldOp {
    /// Equal (strings compare normalised; numbers numerically; booleans exactly).
    Eq(Value),
    /// Equal to one of.
    In(Vec<Value>),
    /// Number ≥.
    Gte(f64),
    /// Number ≤.
    Lte(f64),
    /// Number >.
    Gt(f64),
    /// Number <.
    Lt(f64),
    /// Present and not null (true) or absent/null (false).
    Exists(bool),
    /// String contains (normalised), or array contains an equal element.
    Contains(String),
}

/// A condition as written in the pack (terms not yet compiled).
#[derive(Debug, Clone, PartialEq)]
pub enum Cond {
    /// Any of the terms occurs (not negated unless `negation` is false).
    /// `min`: how many distinct terms must occur (default 1).
    Terms {
        terms: Vec<String>,
        negation: bool,
        min: usize,
    },
    /// The regex matches the normalised text.
    Regex(String),
    /// A term of `a` and a term of `b` within `within` characters (a before b when `ordered`).
    Near {
        a: Vec<String>,
        b: Vec<String>,
        within: usize,
        ordered: bool,
        negation: bool,
    },
    /// A complaint field compared by dotted path.
    Field { path: String, ops: Vec<FieldOp> },
    /// A label of an earlier dimension (or a descendant of it) was assigned.
    Label { dimension: String, code: String },
    /// All hold.
    All(Vec<Cond>),
    /// Any holds.
    Any(Vec<Cond>),
    /// Does not hold.
    Not(Box<Cond>),
    /// At least `n` of them hold.
    AtLeast { n: usize, of: Vec<Cond> },
}

/// A rule: a condition and the weight it lends a label when it fires.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleDef {
    /// Stable id (given, or `CODE#index`).
    pub id: String,
    /// When it fires.
    pub when: Cond,
    /// Weight in (0, 1].
    pub weight: f64,
}

/// A label of a dimension.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelDef {
    /// Stable code, unique in the dimension.
    pub code: String,
    /// Display name.
    pub name: String,
    /// Parent label code in the same dimension.
    pub parent: Option<String>,
    /// Owning department.
    pub route: Option<Route>,
    /// What to do about it, shown with the label in decisions: a suggested fix for a review
    /// pack, handling advice for a complaint pack.
    pub advice: Option<String>,
    /// Free text about the label (not in decisions; tools show it).
    pub description: Option<String>,
    /// Rules.
    pub rules: Vec<RuleDef>,
}

/// A classification dimension.
#[derive(Debug, Clone, PartialEq)]
pub struct DimensionDef {
    /// Id, e.g. `reason`.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Several labels (true) or only the best one (false).
    pub multi: bool,
    /// Minimum confidence.
    pub threshold: f64,
    /// Code of the label given when no other is.
    pub fallback: Option<String>,
    /// Groups of codes in priority order: of the labels of one group that qualify, only the
    /// first in group order is kept.
    pub exclusive: Vec<Vec<String>>,
    /// Labels.
    pub labels: Vec<LabelDef>,
}

/// A severity factor.
#[derive(Debug, Clone, PartialEq)]
pub struct FactorDef {
    /// Id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// When it counts.
    pub when: Cond,
    /// Points it adds.
    pub points: i64,
    /// Level the complaint gets at least when the factor counts.
    pub min_level: Option<String>,
}

/// A severity level.
#[derive(Debug, Clone, PartialEq)]
pub struct LevelDef {
    /// Id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Points needed.
    pub min_points: i64,
    /// Handling deadline.
    pub deadline_hours: Option<u64>,
    /// Who must be told at once.
    pub escalate_to: Option<String>,
}

/// Severity scoring.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SeverityDef {
    /// Factors.
    pub factors: Vec<FactorDef>,
    /// Levels, by increasing `min_points`.
    pub levels: Vec<LevelDef>,
}

/// A test case carried inside a pack.
#[derive(Debug, Clone, PartialEq)]
pub struct PackTest {
    /// Name shown in reports.
    pub name: String,
    /// JSON pointer of the case in the pack.
    pub path: String,
    /// The complaint.
    pub input: Value,
    /// Labels that must be present, per dimension.
    pub labels: BTreeMap<String, Vec<String>>,
    /// Labels that must be absent, per dimension.
    pub not_labels: BTreeMap<String, Vec<String>>,
    /// Expected severity level id.
    pub level: Option<String>,
    /// Factors that must count.
    pub factors: Vec<String>,
    /// Factors that must not count.
    pub not_factors: Vec<String>,
    /// Expected route department.
    pub route: Option<String>,
}

/// A validated rule pack.
#[derive(Debug, Clone)]
pub struct Pack {
    /// Identity.
    pub info: PackInfo,
    /// Settings.
    pub settings: Settings,
    /// Named term lists (names without the leading `@`).
    pub lexicon: BTreeMap<String, Vec<String>>,
    /// Dimensions in evaluation order.
    pub dimensions: Vec<DimensionDef>,
    /// Severity.
    pub severity: SeverityDef,
    /// The raw `triggers` section, read by the trigger module.
    pub triggers: Option<Value>,
    /// Every regex of the pack, compiled once while validating, by source.
    pub regexes: HashMap<String, regex::Regex>,
    /// Test cases.
    pub tests: Vec<PackTest>,
    /// Warnings found while reading.
    pub warnings: Vec<Problem>,
}

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
/// Words that begin with a cue but negate nothing after them (没收 "confiscate", 未来 "future",
/// 没办法还款 is still about repayment).
const ZH_NOT_CUES: &[&str] = &["没收", "未来", "未成年", "没想到", "没办法", "没法", "未经"];
const EN_CUES: &[&str] = &[
    "not", "never", "no", "don't", "didn't", "doesn't", "won't", "haven't", "hasn't", "isn't",
    "wasn't", "without",
];

impl Pack {
    /// Parse and validate pack JSON. On failure returns every error and warning found.
    pub fn parse(json: &str) -> Result<Pack, Vec<Problem>> {
        let value = crate::validate::parse_json(json).map_err(|p| vec![p])?;
        Pack::from_value(&value)
    }

    /// Validate an already-parsed pack.
    pub fn from_value(value: &Value) -> Result<Pack, Vec<Problem>> {
        let mut r = PackReader {
            c: Checker::default(),
            lexicon: BTreeMap::new(),
            dims: Vec::new(),
            all_dims: Vec::new(),
            normalize: NormalizeOptions::CHINESE,
            regexes: HashMap::new(),
            max_regex_bytes: 1 << 20,
        };
        let pack = r.read(value);
        match pack {
            Some(p) if !r.c.has_errors() => Ok(p),
            _ => Err(r.c.problems),
        }
    }
}

/// SHA-256 of the canonical form of a JSON value (sorted keys, no insignificant whitespace).
pub fn content_hash(v: &Value) -> String {
    let mut bytes = Vec::new();
    canonical(v, &mut bytes);
    let digest = Sha256::digest(&bytes);
    let mut out = String::with_capacity(7 + 64);
    out.push_str("sha256:");
    for b in digest {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0xf)]));
    }
    out
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Writes the canonical form of `v`: keys sorted by their UTF-8 bytes, strings and numbers as
/// serde_json writes them. Written straight into one buffer (a string per key and leaf made
/// hashing ≈ 30% of a native pack compile, and more of a cold start in WebAssembly).
fn canonical(v: &Value, out: &mut Vec<u8>) {
    match v {
        Value::Object(m) => {
            // Sorted explicitly: the order must not depend on serde_json's map type.
            let mut entries: Vec<(&String, &Value)> = m.iter().collect();
            entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
            out.push(b'{');
            for (i, (k, x)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_json(k.as_str(), out);
                out.push(b':');
                canonical(x, out);
            }
            out.push(b'}');
        }
        Value::Array(a) => {
            out.push(b'[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                canonical(x, out);
            }
            out.push(b']');
        }
        other => write_json(other, out),
    }
}

/// Compact JSON of a string or scalar into `out`. Writing into a Vec cannot fail, and these
/// values always serialise, so there is no error to report.
fn write_json<T: serde::Serialize + ?Sized>(x: &T, out: &mut Vec<u8>) {
    if serde_json::to_writer(&mut *out, x).is_err() {
        out.extend_from_slice(b"null");
    }
}

struct PackReader {
    c: Checker,
    lexicon: BTreeMap<String, Vec<String>>,
    /// Dimensions read so far: id → label codes (for `label` references).
    dims: Vec<(String, HashSet<String>)>,
    /// Ids of every dimension in the document, to tell "later" from "unknown".
    all_dims: Vec<String>,
    /// Normalisation, to reject terms that normalise to nothing.
    normalize: NormalizeOptions,
    /// Regexes compiled while validating (so that their errors come with all the others),
    /// by source; `compile` reuses them.
    regexes: HashMap<String, regex::Regex>,
    max_regex_bytes: usize,
}

/// Where a condition sits, which decides what `label` may reference.
#[derive(Clone, Copy)]
enum Scope {
    /// Inside dimension number n: only dimensions before n.
    Dimension(usize),
    /// Severity, triggers, tests: every dimension.
    All,
}

impl PackReader {
    fn read(&mut self, v: &Value) -> Option<Pack> {
        let top = self.c.object(
            v,
            "",
            &[
                "$schema",
                "pack",
                "settings",
                "lexicon",
                "dimensions",
                "severity",
                "triggers",
                "tests",
            ],
        )?;
        let info = match top.get("pack") {
            Some(p) => self.read_info(p, v),
            None => {
                self.c.error("", "missing required key \"pack\"");
                None
            }
        };
        let locale = info.as_ref().map(|i| i.locale.clone()).unwrap_or_default();
        let settings = self.read_settings(top.get("settings"), &locale);
        if let Some(s) = &settings {
            self.normalize = s.normalize;
            self.max_regex_bytes = s.limits.max_regex_bytes;
        }
        if let Some(Value::Array(ds)) = top.get("dimensions") {
            self.all_dims = ds
                .iter()
                .filter_map(|d| d.get("id").and_then(Value::as_str).map(str::to_string))
                .collect();
        }
        if let Some(l) = top.get("lexicon") {
            self.read_lexicon(l);
        }
        let dimensions = match top.get("dimensions") {
            Some(Value::Array(ds)) => {
                let mut out = Vec::new();
                let mut seen = HashSet::new();
                for (i, d) in ds.iter().enumerate() {
                    let path = pointer("/dimensions", i);
                    if let Some(dim) = self.read_dimension(d, &path, i) {
                        if !seen.insert(dim.id.clone()) {
                            self.c.error(
                                &pointer(&path, "id"),
                                format!("duplicate dimension id \"{}\"", dim.id),
                            );
                        }
                        let codes = dim.labels.iter().map(|l| l.code.clone()).collect();
                        self.dims.push((dim.id.clone(), codes));
                        out.push(dim);
                    } else {
                        // Keep indices aligned so later `label` references resolve sensibly.
                        self.dims.push((String::new(), HashSet::new()));
                    }
                }
                out
            }
            Some(other) => {
                self.c.error(
                    "/dimensions",
                    format!("expected an array, found {}", type_name(other)),
                );
                Vec::new()
            }
            None => Vec::new(),
        };
        if let Some(s) = &settings {
            for (i, d) in s.route_from.iter().enumerate() {
                if !dimensions.iter().any(|x| &x.id == d) {
                    self.c.error(
                        &format!("/settings/route/from/{i}"),
                        format!("unknown dimension \"{d}\""),
                    );
                }
            }
        }
        let severity = match top.get("severity") {
            Some(s) => self.read_severity(s).unwrap_or_default(),
            None => SeverityDef::default(),
        };
        let tests = match top.get("tests") {
            Some(t) => self.read_tests(t, &severity),
            None => Vec::new(),
        };
        let triggers = top.get("triggers").cloned();
        let info = info?;
        let settings = settings?;
        if dimensions.is_empty() && severity.factors.is_empty() && triggers.is_none() {
            self.c.warning(
                "",
                "the pack has no dimensions, severity factors or triggers: it decides nothing",
            );
        }
        let warnings = self
            .c
            .problems
            .iter()
            .filter(|p| !p.is_error())
            .cloned()
            .collect();
        Some(Pack {
            info,
            settings,
            lexicon: self.lexicon.clone(),
            dimensions,
            severity,
            triggers,
            tests,
            warnings,
            regexes: std::mem::take(&mut self.regexes),
        })
    }

    fn read_info(&mut self, v: &Value, whole: &Value) -> Option<PackInfo> {
        let m = self
            .c
            .object(v, "/pack", &["id", "version", "locale", "description"])?;
        let id = self.c.nonempty_string(m, "id", "/pack");
        let version = self.c.nonempty_string(m, "version", "/pack");
        let locale = self
            .c
            .string(m, "locale", "/pack", false)
            .unwrap_or_else(|| "zh-CN".into());
        let description = self
            .c
            .string(m, "description", "/pack", false)
            .unwrap_or_default();
        Some(PackInfo {
            id: id?,
            version: version?,
            hash: content_hash(whole),
            locale,
            description,
        })
    }

    fn read_settings(&mut self, v: Option<&Value>, locale: &str) -> Option<Settings> {
        let english = locale.to_ascii_lowercase().starts_with("en");
        let mut s = Settings {
            normalize: if english {
                NormalizeOptions::ENGLISH
            } else {
                NormalizeOptions::CHINESE
            },
            negation: Negation {
                cues: (if english { EN_CUES } else { ZH_CUES })
                    .iter()
                    .map(|s| s.to_string())
                    .collect(),
                window: if english { 12 } else { 3 },
                except: if english {
                    Vec::new()
                } else {
                    ZH_NOT_CUES.iter().map(|s| s.to_string()).collect()
                },
            },
            limits: Limits {
                max_text_chars: 20_000,
                truncate: false,
                max_evidence: 8,
                max_regex_bytes: 1 << 20,
            },
            threshold: 0.5,
            word_boundary: true,
            route_from: Vec::new(),
            default_route: None,
        };
        let Some(v) = v else { return Some(s) };
        let m = self.c.object(
            v,
            "/settings",
            &[
                "normalize",
                "negation",
                "limits",
                "threshold",
                "word_boundary",
                "route",
            ],
        )?;
        if let Some(n) = m.get("normalize") {
            if let Some(nm) = self.c.object(
                n,
                "/settings/normalize",
                &[
                    "fullwidth",
                    "case_fold",
                    "traditional",
                    "strip_spaces",
                    "strip_punctuation",
                ],
            ) {
                let p = "/settings/normalize";
                let o = &mut s.normalize;
                if let Some(b) = self.c.boolean(nm, "fullwidth", p) {
                    o.fullwidth = b;
                }
                if let Some(b) = self.c.boolean(nm, "case_fold", p) {
                    o.case_fold = b;
                }
                if let Some(b) = self.c.boolean(nm, "traditional", p) {
                    o.traditional = b;
                }
                if let Some(b) = self.c.boolean(nm, "strip_spaces", p) {
                    o.strip_spaces = b;
                }
                if let Some(b) = self.c.boolean(nm, "strip_punctuation", p) {
                    o.strip_punctuation = b;
                }
            }
        }
        if let Some(n) = m.get("negation") {
            if let Some(nm) = self
                .c
                .object(n, "/settings/negation", &["cues", "window", "except"])
            {
                if let Some(except) = self.c.strings(nm, "except", "/settings/negation") {
                    for (i, c) in except.iter().enumerate() {
                        if crate::text::normalize_str(c, &s.normalize).is_empty() {
                            self.c.error(
                                &format!("/settings/negation/except/{i}"),
                                "empty word after normalisation",
                            );
                        }
                    }
                    s.negation.except = except;
                }
                if let Some(cues) = self.c.strings(nm, "cues", "/settings/negation") {
                    for (i, c) in cues.iter().enumerate() {
                        if crate::text::normalize_str(c, &s.normalize).is_empty() {
                            self.c.error(
                                &format!("/settings/negation/cues/{i}"),
                                "empty cue after normalisation",
                            );
                        }
                    }
                    s.negation.cues = cues;
                }
                if let Some(w) = self.c.count(nm, "window", "/settings/negation", 200) {
                    s.negation.window = w as usize;
                }
            }
        }
        if let Some(l) = m.get("limits") {
            let p = "/settings/limits";
            if let Some(lm) = self.c.object(
                l,
                p,
                &[
                    "max_text_chars",
                    "truncate",
                    "max_evidence",
                    "max_regex_bytes",
                ],
            ) {
                if let Some(n) = self.c.count(lm, "max_text_chars", p, 10_000_000) {
                    s.limits.max_text_chars = n.max(1) as usize;
                }
                if let Some(b) = self.c.boolean(lm, "truncate", p) {
                    s.limits.truncate = b;
                }
                if let Some(n) = self.c.count(lm, "max_evidence", p, 1000) {
                    s.limits.max_evidence = n as usize;
                }
                if let Some(n) = self.c.count(lm, "max_regex_bytes", p, 64 << 20) {
                    s.limits.max_regex_bytes = n as usize;
                }
            }
        }
        if let Some(t) = self.c.number_in(m, "threshold", "/settings", 0.0, 1.0) {
            s.threshold = t;
        }
        if let Some(b) = self.c.boolean(m, "word_boundary", "/settings") {
            s.word_boundary = b;
        }
        if let Some(r) = m.get("route") {
            if let Some(rm) = self.c.object(r, "/settings/route", &["from", "default"]) {
                if let Some(from) = self.c.strings(rm, "from", "/settings/route") {
                    s.route_from = from;
                }
                if let Some(d) = rm.get("default") {
                    s.default_route = self.read_route(d, "/settings/route/default");
                }
            }
        }
        Some(s)
    }

    fn read_route(&mut self, v: &Value, path: &str) -> Option<Route> {
        let m = self.c.object(v, path, &["department", "queue"])?;
        let department = self.c.nonempty_string(m, "department", path)?;
        let queue = self.c.string(m, "queue", path, false);
        Some(Route { department, queue })
    }

    fn read_lexicon(&mut self, v: &Value) {
        let Value::Object(m) = v else {
            self.c.error(
                "/lexicon",
                format!("expected an object, found {}", type_name(v)),
            );
            return;
        };
        for (k, list) in m {
            let path = pointer("/lexicon", k);
            let name = k.strip_prefix('@').unwrap_or(k).to_string();
            if name.is_empty() {
                self.c.error(&path, "empty lexicon name");
                continue;
            }
            if let Some(terms) = self.c.string_list(list, &path) {
                if terms.is_empty() {
                    self.c.error(&path, "empty term list");
                }
                for (i, t) in terms.iter().enumerate() {
                    if t.starts_with('@') {
                        self.c.error(
                            &pointer(&path, i),
                            "a lexicon cannot reference another lexicon",
                        );
                    } else if t.trim().is_empty() {
                        self.c.error(&pointer(&path, i), "empty term");
                    }
                }
                if self.lexicon.insert(name.clone(), terms).is_some() {
                    self.c
                        .error(&path, format!("lexicon \"@{name}\" is defined twice"));
                }
            }
        }
    }

    fn read_dimension(&mut self, v: &Value, path: &str, index: usize) -> Option<DimensionDef> {
        let m = self.c.object(
            v,
            path,
            &[
                "id",
                "name",
                "multi",
                "threshold",
                "fallback",
                "exclusive",
                "labels",
            ],
        )?;
        let id = self.c.nonempty_string(m, "id", path);
        // `decision.labels` is keyed by dimension id, and JavaScript objects put integer-like
        // keys ("2") first whatever their order: the decision would no longer be byte-identical
        // across runtimes.
        if let Some(id) = &id {
            if !id.is_empty()
                && id.bytes().all(|b| b.is_ascii_digit())
                && (id == "0" || !id.starts_with('0'))
            {
                self.c.error(&pointer(path, "id"), format!("dimension id \"{id}\" looks like an array index: JavaScript would reorder it in decisions; start it with a letter"));
            }
        }
        let name = self.c.string(m, "name", path, false);
        let multi = self.c.boolean(m, "multi", path).unwrap_or(false);
        let threshold = self.c.number_in(m, "threshold", path, 0.0, 1.0);
        let fallback = self.c.string(m, "fallback", path, false);
        let mut labels: Vec<LabelDef> = Vec::new();
        match m.get("labels") {
            Some(Value::Array(ls)) => {
                if ls.is_empty() {
                    self.c.error(
                        &pointer(path, "labels"),
                        "a dimension needs at least one label",
                    );
                }
                for (i, l) in ls.iter().enumerate() {
                    let lp = pointer(&pointer(path, "labels"), i);
                    if let Some(label) = self.read_label(l, &lp, index) {
                        if labels.iter().any(|x| x.code == label.code) {
                            self.c.error(
                                &pointer(&lp, "code"),
                                format!("duplicate code \"{}\"", label.code),
                            );
                        }
                        labels.push(label);
                    }
                }
            }
            Some(other) => self.c.error(
                &pointer(path, "labels"),
                format!("expected an array, found {}", type_name(other)),
            ),
            None => self.c.error(path, "missing required key \"labels\""),
        }
        // Parents must exist in the same dimension and not form cycles.
        let codes: HashMap<&str, Option<&str>> = labels
            .iter()
            .map(|l| (l.code.as_str(), l.parent.as_deref()))
            .collect();
        if let Some(Value::Array(ls)) = m.get("labels") {
            for (i, l) in labels.iter().enumerate() {
                let Some(parent) = &l.parent else { continue };
                // Find the JSON index of this label for the pointer (labels may have been skipped).
                let json_index = ls
                    .iter()
                    .position(|x| x.get("code").and_then(Value::as_str) == Some(l.code.as_str()))
                    .unwrap_or(i);
                let pp = format!("{path}/labels/{json_index}/parent");
                if !codes.contains_key(parent.as_str()) {
                    self.c
                        .error(&pp, format!("unknown parent label \"{parent}\""));
                    continue;
                }
                let mut cur = Some(parent.as_str());
                let mut steps = 0;
                while let Some(c) = cur {
                    if c == l.code || steps > labels.len() {
                        self.c
                            .error(&pp, format!("parent chain of \"{}\" forms a cycle", l.code));
                        break;
                    }
                    cur = codes.get(c).copied().flatten();
                    steps += 1;
                }
            }
        }
        if let Some(f) = &fallback {
            if !labels.iter().any(|l| &l.code == f) {
                self.c.error(
                    &pointer(path, "fallback"),
                    format!("fallback \"{f}\" is not a label of this dimension"),
                );
            }
        }
        let mut exclusive = Vec::new();
        match m.get("exclusive") {
            None => {}
            Some(Value::Array(groups)) => {
                for (gi, g) in groups.iter().enumerate() {
                    let gp = pointer(&pointer(path, "exclusive"), gi);
                    let Some(codes) = self.c.string_list(g, &gp) else {
                        continue;
                    };
                    if codes.len() < 2 {
                        self.c
                            .error(&gp, "an exclusive group needs at least two codes");
                    }
                    for (ci, code) in codes.iter().enumerate() {
                        if !labels.iter().any(|l| &l.code == code) {
                            self.c.error(
                                &pointer(&gp, ci),
                                format!("\"{code}\" is not a label of this dimension"),
                            );
                        }
                    }
                    exclusive.push(codes);
                }
            }
            Some(other) => self.c.error(
                &pointer(path, "exclusive"),
                format!(
                    "expected an array of arrays of label codes, found {}",
                    type_name(other)
                ),
            ),
        }
        let id = id?;
        Some(DimensionDef {
            name: name.unwrap_or_else(|| id.clone()),
            id,
            multi,
            threshold: threshold.unwrap_or(f64::NAN),
            fallback,
            exclusive,
            labels,
        })
    }

    fn read_label(&mut self, v: &Value, path: &str, dim: usize) -> Option<LabelDef> {
        let m = self.c.object(
            v,
            path,
            &[
                "code",
                "name",
                "parent",
                "route",
                "rules",
                "description",
                "advice",
            ],
        )?;
        let code = self.c.nonempty_string(m, "code", path);
        let name = self.c.string(m, "name", path, false);
        let advice = self.c.string(m, "advice", path, false);
        let description = self.c.string(m, "description", path, false);
        let parent = self.c.string(m, "parent", path, false);
        let route = m
            .get("route")
            .and_then(|r| self.read_route(r, &pointer(path, "route")));
        let mut rules = Vec::new();
        match m.get("rules") {
            Some(Value::Array(rs)) => {
                for (i, r) in rs.iter().enumerate() {
                    let rp = pointer(&pointer(path, "rules"), i);
                    let Some(rm) = self.c.object(r, &rp, &["id", "when", "weight"]) else {
                        continue;
                    };
                    let rid = self.c.string(rm, "id", &rp, false);
                    let weight = self.c.number(rm, "weight", &rp).unwrap_or(1.0);
                    if !(weight > 0.0 && weight <= 1.0) {
                        self.c.error(
                            &pointer(&rp, "weight"),
                            format!("weight must be in (0, 1], found {weight}"),
                        );
                    }
                    let when = match rm.get("when") {
                        Some(w) => {
                            self.read_cond(w, &pointer(&rp, "when"), Scope::Dimension(dim), 0)
                        }
                        None => {
                            self.c.error(&rp, "missing required key \"when\"");
                            None
                        }
                    };
                    if let (Some(when), Some(code)) = (when, &code) {
                        rules.push(RuleDef {
                            id: rid.unwrap_or_else(|| format!("{code}#{i}")),
                            when,
                            weight,
                        });
                    }
                }
            }
            Some(other) => self.c.error(
                &pointer(path, "rules"),
                format!("expected an array, found {}", type_name(other)),
            ),
            None => {}
        }
        let code = code?;
        Some(LabelDef {
            name: name.unwrap_or_else(|| code.clone()),
            code,
            parent,
            route,
            advice,
            description,
            rules,
        })
    }

    /// Expand a term list: `@name` pulls in a lexicon; reports unknown lexicons and empty lists.
    fn read_terms(&mut self, v: &Value, path: &str) -> Option<Vec<String>> {
        let raw = match v {
            Value::String(s) => vec![s.clone()],
            other => self.c.string_list(other, path)?,
        };
        if raw.is_empty() {
            self.c.error(path, "empty term list");
            return None;
        }
        let mut out = Vec::new();
        let mut ok = true;
        for (i, t) in raw.iter().enumerate() {
            if let Some(name) = t.strip_prefix('@') {
                match self.lexicon.get(name) {
                    Some(list) => out.extend(list.iter().cloned()),
                    None => {
                        ok = false;
                        let p = if matches!(v, Value::String(_)) {
                            path.to_string()
                        } else {
                            pointer(path, i)
                        };
                        let known: Vec<String> =
                            self.lexicon.keys().map(|k| format!("@{k}")).collect();
                        self.c.error(
                            &p,
                            format!("unknown lexicon \"{t}\"; defined: {}", known.join(", ")),
                        );
                    }
                }
            } else if t.trim().is_empty() || t.trim() == "*" {
                ok = false;
                let p = if matches!(v, Value::String(_)) {
                    path.to_string()
                } else {
                    pointer(path, i)
                };
                self.c.error(&p, "empty term");
            } else if crate::text::normalize_str(t.trim_end_matches('*'), &self.normalize)
                .is_empty()
            {
                ok = false;
                let p = if matches!(v, Value::String(_)) {
                    path.to_string()
                } else {
                    pointer(path, i)
                };
                self.c
                    .error(&p, format!("term \"{t}\" is empty after normalisation"));
            } else {
                out.push(t.clone());
            }
        }
        ok.then_some(out)
    }

    fn read_cond(&mut self, v: &Value, path: &str, scope: Scope, depth: usize) -> Option<Cond> {
        const KINDS: &[&str] = &[
            "terms", "regex", "near", "field", "label", "all", "any", "not", "at_least",
        ];
        if depth >= MAX_DEPTH {
            self.c.error(
                path,
                format!("conditions nested too deep (limit {MAX_DEPTH})"),
            );
            return None;
        }
        let m = self.c.object(
            v,
            path,
            &[
                "terms", "regex", "near", "field", "label", "all", "any", "not", "at_least",
                "negation", "min",
            ],
        )?;
        let kinds: Vec<&str> = KINDS
            .iter()
            .copied()
            .filter(|k| m.contains_key(*k))
            .collect();
        let kind = match kinds.as_slice() {
            [k] => *k,
            [] => {
                self.c.error(
                    path,
                    format!("a condition needs one of: {}", KINDS.join(", ")),
                );
                return None;
            }
            many => {
                self.c.error(path, format!("a condition has exactly one kind, found {}; combine them with \"all\" or \"any\"", many.join(" and ")));
                return None;
            }
        };
        let negation = self.c.boolean(m, "negation", path);
        if negation.is_some() && !matches!(kind, "terms" | "near") {
            self.c.error(
                &pointer(path, "negation"),
                "\"negation\" applies only to \"terms\" and \"near\"",
            );
        }
        let negation = negation.unwrap_or(true);
        let min = self.c.count(m, "min", path, 1000);
        if min.is_some() && kind != "terms" {
            self.c
                .error(&pointer(path, "min"), "\"min\" applies only to \"terms\"");
        }
        if min == Some(0) {
            self.c
                .error(&pointer(path, "min"), "\"min\" must be at least 1");
        }
        let min = min.unwrap_or(1).max(1) as usize;
        let body = m.get(kind)?;
        let bp = pointer(path, kind);
        match kind {
            "terms" => {
                let terms = self.read_terms(body, &bp)?;
                if min > terms.len() {
                    self.c.error(
                        &pointer(path, "min"),
                        format!(
                            "\"min\" is {min} but the list has only {} terms",
                            terms.len()
                        ),
                    );
                }
                Some(Cond::Terms {
                    terms,
                    negation,
                    min,
                })
            }
            "regex" => match body {
                Value::String(s) => {
                    if has_unicode_word_boundary(s) {
                        self.c.warning(&bp, "Unicode \\b makes the regex engine fall back to a slow path on Chinese text (about 100x slower); use (?-u:\\b) or no boundary");
                    }
                    if !self.regexes.contains_key(s) {
                        match regex::RegexBuilder::new(s)
                            .size_limit(self.max_regex_bytes)
                            .build()
                        {
                            Ok(re) => {
                                if re.is_match("") {
                                    self.c.warning(&bp, "this regex matches the empty string, so it holds for every text");
                                }
                                self.regexes.insert(s.clone(), re);
                            }
                            Err(e) => {
                                self.c.error(&bp, format!("invalid regex: {e}"));
                                return None;
                            }
                        }
                    }
                    Some(Cond::Regex(s.clone()))
                }
                other => {
                    self.c.error(
                        &bp,
                        format!("expected a string, found {}", type_name(other)),
                    );
                    None
                }
            },
            "near" => {
                let nm = self.c.object(body, &bp, &["a", "b", "within", "ordered"])?;
                let a = match nm.get("a") {
                    Some(x) => self.read_terms(x, &pointer(&bp, "a")),
                    None => {
                        self.c.error(&bp, "missing required key \"a\"");
                        None
                    }
                };
                let b = match nm.get("b") {
                    Some(x) => self.read_terms(x, &pointer(&bp, "b")),
                    None => {
                        self.c.error(&bp, "missing required key \"b\"");
                        None
                    }
                };
                let within = self.c.count(nm, "within", &bp, 10_000);
                if within.is_none() && !nm.contains_key("within") {
                    self.c.error(&bp, "missing required key \"within\"");
                }
                let ordered = self.c.boolean(nm, "ordered", &bp).unwrap_or(false);
                Some(Cond::Near {
                    a: a?,
                    b: b?,
                    within: within? as usize,
                    ordered,
                    negation,
                })
            }
            "field" => self.read_field(body, &bp),
            "label" => {
                let lm = self.c.object(body, &bp, &["dimension", "code"])?;
                let dimension = self.c.nonempty_string(lm, "dimension", &bp)?;
                let code = self.c.nonempty_string(lm, "code", &bp)?;
                let limit = match scope {
                    Scope::Dimension(n) => n,
                    Scope::All => self.dims.len(),
                };
                match self.dims.iter().position(|(id, _)| *id == dimension) {
                    Some(i) if i < limit => {
                        if !self
                            .dims
                            .get(i)
                            .is_some_and(|(_, codes)| codes.contains(&code))
                        {
                            self.c.error(
                                &pointer(&bp, "code"),
                                format!("dimension \"{dimension}\" has no label \"{code}\""),
                            );
                        }
                    }
                    Some(_) => {
                        self.c.error(&pointer(&bp, "dimension"), format!("dimension \"{dimension}\" is not evaluated before this one: a label condition may only name an earlier dimension"));
                    }
                    None => {
                        self.c.error(
                            &pointer(&bp, "dimension"),
                            if self.all_dims.contains(&dimension) {
                                format!("dimension \"{dimension}\" is not evaluated before this one: a label condition may only name an earlier dimension")
                            } else {
                                format!("unknown dimension \"{dimension}\"")
                            },
                        );
                    }
                }
                Some(Cond::Label { dimension, code })
            }
            "all" | "any" => {
                let Value::Array(items) = body else {
                    self.c.error(
                        &bp,
                        format!("expected an array of conditions, found {}", type_name(body)),
                    );
                    return None;
                };
                if items.is_empty() {
                    self.c.error(&bp, "empty list of conditions");
                }
                let mut out = Vec::new();
                let mut ok = true;
                for (i, it) in items.iter().enumerate() {
                    match self.read_cond(it, &pointer(&bp, i), scope, depth + 1) {
                        Some(c) => out.push(c),
                        None => ok = false,
                    }
                }
                if !ok {
                    return None;
                }
                Some(if kind == "all" {
                    Cond::All(out)
                } else {
                    Cond::Any(out)
                })
            }
            "not" => Some(Cond::Not(Box::new(self.read_cond(
                body,
                &bp,
                scope,
                depth + 1,
            )?))),
            "at_least" => {
                let am = self.c.object(body, &bp, &["n", "of"])?;
                let n = self.c.count(am, "n", &bp, 10_000);
                if n.is_none() && !am.contains_key("n") {
                    self.c.error(&bp, "missing required key \"n\"");
                }
                let Some(Value::Array(items)) = am.get("of") else {
                    self.c
                        .error(&pointer(&bp, "of"), "expected an array of conditions");
                    return None;
                };
                let mut out = Vec::new();
                let mut ok = true;
                for (i, it) in items.iter().enumerate() {
                    match self.read_cond(it, &pointer(&pointer(&bp, "of"), i), scope, depth + 1) {
                        Some(c) => out.push(c),
                        None => ok = false,
                    }
                }
                let n = n? as usize;
                if n == 0 || n > out.len() {
                    self.c.error(
                        &pointer(&bp, "n"),
                        format!(
                            "n must be between 1 and the number of conditions ({})",
                            out.len()
                        ),
                    );
                    return None;
                }
                ok.then_some(Cond::AtLeast { n, of: out })
            }
            _ => None,
        }
    }

    fn read_field(&mut self, v: &Value, path: &str) -> Option<Cond> {
        let m = self.c.object(
            v,
            path,
            &[
                "path", "eq", "in", "gte", "lte", "gt", "lt", "exists", "contains",
            ],
        )?;
        let fpath = self.c.nonempty_string(m, "path", path)?;
        if fpath.split('.').any(|s| s.is_empty()) {
            self.c
                .error(&pointer(path, "path"), "a dotted path has an empty segment");
        }
        let mut ops = Vec::new();
        for (k, val) in m {
            let kp = pointer(path, k);
            match k.as_str() {
                "path" => {}
                "eq" => match val {
                    Value::Array(_) | Value::Object(_) | Value::Null => {
                        self.c
                            .error(&kp, "eq compares with a string, number or boolean");
                    }
                    other => ops.push(FieldOp::Eq(other.clone())),
                },
                "in" => match val {
                    Value::Array(a) if !a.is_empty() => {
                        if a.iter()
                            .any(|x| matches!(x, Value::Array(_) | Value::Object(_) | Value::Null))
                        {
                            self.c.error(&kp, "in takes strings, numbers or booleans");
                        }
                        ops.push(FieldOp::In(a.clone()))
                    }
                    _ => self.c.error(&kp, "expected a non-empty array"),
                },
                "gte" | "lte" | "gt" | "lt" => match val.as_f64() {
                    Some(n) if n.is_finite() => ops.push(match k.as_str() {
                        "gte" => FieldOp::Gte(n),
                        "lte" => FieldOp::Lte(n),
                        "gt" => FieldOp::Gt(n),
                        _ => FieldOp::Lt(n),
                    }),
                    _ => self
                        .c
                        .error(&kp, format!("expected a number, found {}", type_name(val))),
                },
                "exists" => match val {
                    Value::Bool(b) => ops.push(FieldOp::Exists(*b)),
                    other => self.c.error(
                        &kp,
                        format!("expected true or false, found {}", type_name(other)),
                    ),
                },
                "contains" => match val {
                    Value::String(s) if !s.is_empty() => ops.push(FieldOp::Contains(s.clone())),
                    _ => self.c.error(&kp, "expected a non-empty string"),
                },
                _ => {}
            }
        }
        if ops.is_empty() {
            self.c.error(
                path,
                "a field condition needs an operator: eq, in, gte, lte, gt, lt, exists or contains",
            );
            return None;
        }
        Some(Cond::Field { path: fpath, ops })
    }

    fn read_severity(&mut self, v: &Value) -> Option<SeverityDef> {
        let m = self.c.object(v, "/severity", &["factors", "levels"])?;
        let mut levels: Vec<LevelDef> = Vec::new();
        match m.get("levels") {
            Some(Value::Array(ls)) => {
                for (i, l) in ls.iter().enumerate() {
                    let p = pointer("/severity/levels", i);
                    let Some(lm) = self.c.object(
                        l,
                        &p,
                        &["id", "name", "min_points", "deadline_hours", "escalate_to"],
                    ) else {
                        continue;
                    };
                    let id = self.c.nonempty_string(lm, "id", &p);
                    let name = self.c.string(lm, "name", &p, false);
                    let min_points = match lm.get("min_points").and_then(Value::as_i64) {
                        Some(n) => Some(n),
                        None => {
                            self.c
                                .error(&pointer(&p, "min_points"), "expected a whole number");
                            None
                        }
                    };
                    let deadline_hours = self.c.count(lm, "deadline_hours", &p, 100_000);
                    let escalate_to = self.c.string(lm, "escalate_to", &p, false);
                    if let (Some(id), Some(min_points)) = (id, min_points) {
                        if let Some(prev) = levels.last() {
                            if min_points <= prev.min_points {
                                self.c.error(&pointer(&p, "min_points"), format!("levels must have increasing min_points: {min_points} is not above {} of \"{}\"", prev.min_points, prev.id));
                            }
                        }
                        if levels.iter().any(|x| x.id == id) {
                            self.c
                                .error(&pointer(&p, "id"), format!("duplicate level id \"{id}\""));
                        }
                        levels.push(LevelDef {
                            name: name.unwrap_or_else(|| id.clone()),
                            id,
                            min_points,
                            deadline_hours,
                            escalate_to,
                        });
                    }
                }
            }
            Some(other) => self.c.error(
                "/severity/levels",
                format!("expected an array, found {}", type_name(other)),
            ),
            None => self.c.error("/severity", "missing required key \"levels\""),
        }
        if levels.is_empty() {
            self.c
                .error("/severity/levels", "severity needs at least one level");
        }
        let mut factors: Vec<FactorDef> = Vec::new();
        if let Some(fs) = m.get("factors") {
            let Value::Array(fs) = fs else {
                self.c.error(
                    "/severity/factors",
                    format!("expected an array, found {}", type_name(fs)),
                );
                return None;
            };
            for (i, f) in fs.iter().enumerate() {
                let p = pointer("/severity/factors", i);
                let Some(fm) = self
                    .c
                    .object(f, &p, &["id", "name", "when", "points", "min_level"])
                else {
                    continue;
                };
                let id = self.c.nonempty_string(fm, "id", &p);
                let name = self.c.string(fm, "name", &p, false);
                let points = match fm.get("points") {
                    None => Some(0),
                    Some(x) => match x.as_i64() {
                        Some(n) if n.abs() <= 1_000_000 => Some(n),
                        _ => {
                            self.c
                                .error(&pointer(&p, "points"), "expected a whole number of points");
                            None
                        }
                    },
                };
                let min_level = self.c.string(fm, "min_level", &p, false);
                if let Some(ml) = &min_level {
                    if !levels.iter().any(|l| &l.id == ml) {
                        self.c
                            .error(&pointer(&p, "min_level"), format!("unknown level \"{ml}\""));
                    }
                }
                let when = match fm.get("when") {
                    Some(w) => self.read_cond(w, &pointer(&p, "when"), Scope::All, 0),
                    None => {
                        self.c.error(&p, "missing required key \"when\"");
                        None
                    }
                };
                if let (Some(id), Some(when), Some(points)) = (id, when, points) {
                    if factors.iter().any(|x| x.id == id) {
                        self.c
                            .error(&pointer(&p, "id"), format!("duplicate factor id \"{id}\""));
                    }
                    factors.push(FactorDef {
                        name: name.unwrap_or_else(|| id.clone()),
                        id,
                        when,
                        points,
                        min_level,
                    });
                }
            }
        }
        Some(SeverityDef { factors, levels })
    }

    fn read_tests(&mut self, v: &Value, severity: &SeverityDef) -> Vec<PackTest> {
        let Value::Array(ts) = v else {
            self.c.error(
                "/tests",
                format!("expected an array, found {}", type_name(v)),
            );
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, t) in ts.iter().enumerate() {
            let p = pointer("/tests", i);
            let Some(tm) = self.c.object(t, &p, &["name", "input", "expect"]) else {
                continue;
            };
            let name = self
                .c
                .string(tm, "name", &p, false)
                .unwrap_or_else(|| format!("test {i}"));
            let Some(input) = tm.get("input") else {
                self.c.error(&p, "missing required key \"input\"");
                continue;
            };
            let ep = pointer(&p, "expect");
            let Some(em) = tm.get("expect").and_then(|e| {
                self.c.object(
                    e,
                    &ep,
                    &[
                        "labels",
                        "not_labels",
                        "level",
                        "factors",
                        "not_factors",
                        "route",
                    ],
                )
            }) else {
                if !tm.contains_key("expect") {
                    self.c.error(&p, "missing required key \"expect\"");
                }
                continue;
            };
            let labels = self.read_label_map(em, "labels", &ep);
            let not_labels = self.read_label_map(em, "not_labels", &ep);
            let level = self.c.string(em, "level", &ep, false);
            if let Some(l) = &level {
                if !severity.levels.iter().any(|x| &x.id == l) {
                    self.c
                        .error(&pointer(&ep, "level"), format!("unknown level \"{l}\""));
                }
            }
            let factors = self.c.strings(em, "factors", &ep).unwrap_or_default();
            let not_factors = self.c.strings(em, "not_factors", &ep).unwrap_or_default();
            for (key, list) in [("factors", &factors), ("not_factors", &not_factors)] {
                for (j, f) in list.iter().enumerate() {
                    if !severity.factors.iter().any(|x| &x.id == f) {
                        self.c.error(
                            &pointer(&pointer(&ep, key), j),
                            format!("unknown factor \"{f}\""),
                        );
                    }
                }
            }
            let route = self.c.string(em, "route", &ep, false);
            out.push(PackTest {
                name,
                path: p,
                input: input.clone(),
                labels,
                not_labels,
                level,
                factors,
                not_factors,
                route,
            });
        }
        out
    }

    fn read_label_map(
        &mut self,
        m: &Map<String, Value>,
        key: &str,
        path: &str,
    ) -> BTreeMap<String, Vec<String>> {
        let mut out = BTreeMap::new();
        let Some(v) = m.get(key) else { return out };
        let kp = pointer(path, key);
        let Value::Object(lm) = v else {
            self.c.error(
                &kp,
                format!(
                    "expected an object of dimension → label codes, found {}",
                    type_name(v)
                ),
            );
            return out;
        };
        for (dim, codes) in lm {
            let dp = pointer(&kp, dim);
            let known = self
                .dims
                .iter()
                .find(|(id, _)| id == dim)
                .map(|(_, c)| c.clone());
            let Some(known) = known else {
                self.c.error(&dp, format!("unknown dimension \"{dim}\""));
                continue;
            };
            let codes = match codes {
                Value::String(s) => vec![s.clone()],
                other => self.c.string_list(other, &dp).unwrap_or_default(),
            };
            for (j, c) in codes.iter().enumerate() {
                if !known.contains(c) {
                    self.c.error(
                        &pointer(&dp, j),
                        format!("dimension \"{dim}\" has no label \"{c}\""),
                    );
                }
            }
            out.insert(dim.clone(), codes);
        }
        out
    }
}

/// True when a regex uses `\b` or `\B` outside a `(?-u:...)` group (heuristic, for a warning).
fn has_unicode_word_boundary(re: &str) -> bool {
    // Every boundary written as (?-u:\b) or (?-u:\B) is fine; so is a regex that turns Unicode off.
    let stripped = re.replace("(?-u:\\b)", "").replace("(?-u:\\B)", "");
    if stripped.contains("(?-u)") {
        return false;
    }
    let mut escaped = false;
    for c in stripped.chars() {
        if escaped {
            if c == 'b' || c == 'B' {
                return true;
            }
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        }
    }
    false
}
