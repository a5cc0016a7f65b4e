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

impl Settings {
    /// The defaults of a locale: English packs (`en-*`) normalise and negate as English, every
    /// other pack as Chinese.
    fn for_locale(locale: &str) -> Settings {
        let english = locale.to_ascii_lowercase().starts_with("en");
        let words = |list: &[&str]| list.iter().map(|s| s.to_string()).collect();
        Settings {
            normalize: if english {
                NormalizeOptions::ENGLISH
            } else {
                NormalizeOptions::CHINESE
            },
            negation: Negation {
                cues: words(if english { EN_CUES } else { ZH_CUES }),
                window: if english { 12 } else { 3 },
                except: if english {
                    Vec::new()
                } else {
                    words(ZH_NOT_CUES)
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
        }
    }
}

impl PackReader {
    /// `settings`: every key optional, defaults by the pack's locale.
    pub(super) fn read_settings(&mut self, v: Option<&Value>, locale: &str) -> Option<Settings> {
        let mut s = Settings::for_locale(locale);
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
            self.read_normalize(n, &mut s.normalize);
        }
        if let Some(n) = m.get("negation") {
            self.read_negation(n, &s.normalize, &mut s.negation);
        }
        if let Some(l) = m.get("limits") {
            self.read_limits(l, &mut s.limits);
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

    /// `settings.normalize`: each switch optional.
    fn read_normalize(&mut self, v: &Value, o: &mut NormalizeOptions) {
        let p = "/settings/normalize";
        let Some(m) = self.c.object(
            v,
            p,
            &[
                "fullwidth",
                "case_fold",
                "traditional",
                "strip_spaces",
                "strip_punctuation",
            ],
        ) else {
            return;
        };
        for (key, slot) in [
            ("fullwidth", &mut o.fullwidth),
            ("case_fold", &mut o.case_fold),
            ("traditional", &mut o.traditional),
            ("strip_spaces", &mut o.strip_spaces),
            ("strip_punctuation", &mut o.strip_punctuation),
        ] {
            if let Some(b) = self.c.boolean(m, key, p) {
                *slot = b;
            }
        }
    }

    /// `settings.negation`: cues and except-words must not normalise to nothing.
    fn read_negation(&mut self, v: &Value, opts: &NormalizeOptions, n: &mut Negation) {
        let p = "/settings/negation";
        let Some(m) = self.c.object(v, p, &["cues", "window", "except"]) else {
            return;
        };
        for (key, kind, slot) in [
            ("except", "word", &mut n.except),
            ("cues", "cue", &mut n.cues),
        ] {
            if let Some(words) = self.c.strings(m, key, p) {
                for (i, w) in words.iter().enumerate() {
                    if crate::text::normalize_str(w, opts).is_empty() {
                        self.c.error(
                            &format!("{p}/{key}/{i}"),
                            format!("empty {kind} after normalisation"),
                        );
                    } else if let Some(m) = crate::condition::too_long(w, kind) {
                        self.c.error(&format!("{p}/{key}/{i}"), m);
                    }
                }
                *slot = words;
            }
        }
        if let Some(w) = self.c.count(m, "window", p, 200) {
            n.window = w as usize;
        }
    }

    /// `settings.limits`.
    fn read_limits(&mut self, v: &Value, l: &mut Limits) {
        let p = "/settings/limits";
        let Some(m) = self.c.object(
            v,
            p,
            &[
                "max_text_chars",
                "truncate",
                "max_evidence",
                "max_regex_bytes",
            ],
        ) else {
            return;
        };
        if let Some(n) = self.c.count(m, "max_text_chars", p, 10_000_000) {
            l.max_text_chars = n.max(1) as usize;
        }
        if let Some(b) = self.c.boolean(m, "truncate", p) {
            l.truncate = b;
        }
        if let Some(n) = self.c.count(m, "max_evidence", p, 1000) {
            l.max_evidence = n as usize;
        }
        if let Some(n) = self.c.count(m, "max_regex_bytes", p, 64 << 20) {
            l.max_regex_bytes = n as usize;
        }
    }

    pub(super) fn read_route(&mut self, v: &Value, path: &str) -> Option<RouteDef> {
        let m = self.c.object(v, path, &["department", "queue"])?;
        let department = self.c.nonempty_string(m, "department", path)?;
        let queue = self.c.string(m, "queue", path, false);
        Some(RouteDef { department, queue })
    }
}
