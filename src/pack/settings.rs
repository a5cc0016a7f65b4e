//! The `settings` section: normalisation, negation cues, input limits, the label threshold, word
//! boundaries and routing — every key optional, defaults by the pack's locale.

use super::PackReader;
use crate::text::NormalizeOptions;
use serde_json::Value;

/// Negation: a term preceded (within `window` characters, inside one clause) by a cue is negated.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Negation {
    /// Cue words, e.g. 没有, 未, not, never.
    pub cues: Vec<String>,
    /// Maximum characters between the end of the cue and the start of the term.
    pub window: usize,
    /// Words containing a cue that are not negations (没收, 未来): a cue inside one is ignored.
    pub except: Vec<String>,
}

/// Limits that protect the engine from oversized input.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Limits {
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
pub(crate) struct RouteDef {
    /// Owning department.
    pub department: String,
    /// Work queue inside the department.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queue: Option<String>,
}

/// Pack-wide settings.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Settings {
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
    pub default_route: Option<RouteDef>,
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

impl PackReader {
    pub(super) fn read_settings(&mut self, v: Option<&Value>, locale: &str) -> Option<Settings> {
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
                        } else if let Some(m) = crate::condition::too_long(c, "word") {
                            self.c.error(&format!("/settings/negation/except/{i}"), m);
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
                        } else if let Some(m) = crate::condition::too_long(c, "cue") {
                            self.c.error(&format!("/settings/negation/cues/{i}"), m);
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

    pub(super) fn read_route(&mut self, v: &Value, path: &str) -> Option<RouteDef> {
        let m = self.c.object(v, path, &["department", "queue"])?;
        let department = self.c.nonempty_string(m, "department", path)?;
        let queue = self.c.string(m, "queue", path, false);
        Some(RouteDef { department, queue })
    }
}
