//! Trigger flow, step one: **event** → policy match → window → alert. Reads a feedback event
//! (a rating with its time, scale, fields and optional comment) from untrusted JSON, reporting
//! every problem with a JSON pointer, so a bad event is rejected on its own and the stream goes on.

use crate::error::Problem;
use crate::time::Timestamp;
use crate::validate::{type_name, Checker};
use serde_json::Value;

/// Largest magnitude accepted for the bounds of a custom scale (scores are kept in thousandths
/// in 64-bit integers, so sums over millions of events stay exact).
pub const MAX_SCALE_ABS: f64 = 1.0e9;

/// The scale a score is given on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Scale {
    /// Customer satisfaction, whole numbers 1–5.
    Csat5,
    /// Net Promoter Score question, whole numbers 0–10 (9–10 promoters, 0–6 detractors).
    Nps,
    /// Customer effort score, whole numbers 1–7.
    Ces7,
    /// Any other range, inclusive; fractional scores allowed.
    Range {
        /// Lowest score.
        min: f64,
        /// Highest score.
        max: f64,
    },
}

impl Scale {
    /// Lowest and highest score.
    pub fn bounds(&self) -> (f64, f64) {
        match self {
            Scale::Csat5 => (1.0, 5.0),
            Scale::Nps => (0.0, 10.0),
            Scale::Ces7 => (1.0, 7.0),
            Scale::Range { min, max } => (*min, *max),
        }
    }

    /// Named scales take whole numbers only.
    pub fn whole(&self) -> bool {
        !matches!(self, Scale::Range { .. })
    }

    /// The default "low score" threshold (score ≤ it), when a policy does not give one.
    pub fn default_low(&self) -> Option<f64> {
        match self {
            Scale::Csat5 => Some(2.0),
            Scale::Nps => Some(6.0),
            Scale::Ces7 => Some(3.0),
            Scale::Range { .. } => None,
        }
    }

    /// Name used in messages and output: `csat5`, `nps`, `ces7`, or `min..max`.
    pub fn name(&self) -> String {
        match self {
            Scale::Csat5 => "csat5".into(),
            Scale::Nps => "nps".into(),
            Scale::Ces7 => "ces7".into(),
            Scale::Range { min, max } => format!("{min}..{max}"),
        }
    }

    /// The scale as JSON (a name, or `{min, max}`), as written in events, packs and snapshots.
    pub fn to_value(&self) -> Value {
        match self {
            Scale::Csat5 => Value::from("csat5"),
            Scale::Nps => Value::from("nps"),
            Scale::Ces7 => Value::from("ces7"),
            Scale::Range { min, max } => serde_json::json!({"min": min, "max": max}),
        }
    }

    /// Read a scale: `"csat5"`, `"nps"`, `"ces7"` or `{"min": a, "max": b}` with a < b.
    pub fn read(v: &Value, path: &str, c: &mut Checker) -> Option<Scale> {
        match v {
            Value::String(s) => match s.as_str() {
                "csat5" => Some(Scale::Csat5),
                "nps" => Some(Scale::Nps),
                "ces7" => Some(Scale::Ces7),
                other => {
                    c.error(
                        path,
                        format!(
                            "unknown scale \"{other}\"; expected csat5, nps, ces7 or {{\"min\": .., \"max\": ..}}"
                        ),
                    );
                    None
                }
            },
            Value::Object(_) => {
                let m = c.object(v, path, &["min", "max"])?;
                let min = c.number(m, "min", path);
                let max = c.number(m, "max", path);
                for (k, x) in [("min", min), ("max", max)] {
                    if x.is_none() && !m.contains_key(k) {
                        c.error(path, format!("missing required key \"{k}\""));
                    }
                }
                let (min, max) = (min?, max?);
                if min.abs() > MAX_SCALE_ABS || max.abs() > MAX_SCALE_ABS {
                    c.error(
                        path,
                        format!("scale bounds must lie within ±{MAX_SCALE_ABS}"),
                    );
                    return None;
                }
                if min >= max {
                    c.error(path, format!("min ({min}) must be below max ({max})"));
                    return None;
                }
                Some(Scale::Range { min, max })
            }
            other => {
                c.error(
                    path,
                    format!(
                        "expected a scale name or {{\"min\", \"max\"}}, found {}",
                        type_name(other)
                    ),
                );
                None
            }
        }
    }
}

/// A satisfaction rating: the input of score policies. Only `id`, `score`, `scale` and `at` are
/// required; every other field is kept for `group_by` and `when` conditions.
#[derive(Debug, Clone)]
pub struct Feedback {
    /// Caller's id (a number is kept as its decimal string); duplicates are ignored.
    pub id: String,
    /// The score, within the scale.
    pub score: f64,
    /// The scale.
    pub scale: Scale,
    /// Event time (never the wall clock).
    pub at: Timestamp,
    /// Free-text comment, classified by the pack for pain points and `when` conditions.
    pub comment: Option<String>,
    /// The whole input object, for `group_by` paths and `field` conditions.
    pub fields: Value,
}

/// Fields with a documented meaning; they must be strings (or numbers, kept as given) when present.
pub const KNOWN_STRING_FIELDS: &[&str] = &[
    "channel",
    "journey",
    "touchpoint",
    "branch",
    "product",
    "agent",
    "customer_id",
    "segment",
];

impl Feedback {
    /// Parse and validate event JSON.
    pub fn from_json(json: &str) -> Result<Feedback, Vec<Problem>> {
        let v = crate::validate::parse_json(json).map_err(|p| vec![p])?;
        Feedback::from_value(v)
    }

    /// Validate a parsed event: every problem, each with its JSON pointer.
    pub fn from_value(v: Value) -> Result<Feedback, Vec<Problem>> {
        let mut c = Checker::default();
        let Value::Object(m) = &v else {
            return Err(vec![Problem::error(
                "",
                format!("a feedback event is a JSON object, found {}", type_name(&v)),
            )]);
        };
        let id = read_id(m.get("id"), "/id", &mut c);
        let scale = match m.get("scale") {
            None | Some(Value::Null) => {
                c.error("/scale", "missing required field \"scale\"");
                None
            }
            Some(s) => Scale::read(s, "/scale", &mut c),
        };
        let score = match m.get("score") {
            None | Some(Value::Null) => {
                c.error("/score", "missing required field \"score\"");
                None
            }
            Some(Value::Number(n)) => match n.as_f64() {
                Some(f) if f.is_finite() => Some(f),
                _ => {
                    c.error("/score", "number out of range");
                    None
                }
            },
            Some(other) => {
                c.error(
                    "/score",
                    format!("expected a number, found {}", type_name(other)),
                );
                None
            }
        };
        if let (Some(s), Some(sc)) = (score, scale) {
            let (lo, hi) = sc.bounds();
            if s < lo || s > hi {
                c.error(
                    "/score",
                    format!("score {s} is outside the {} scale ({lo}–{hi})", sc.name()),
                );
            } else if sc.whole() && s.fract() != 0.0 {
                c.error(
                    "/score",
                    format!("the {} scale takes whole numbers, found {s}", sc.name()),
                );
            }
        }
        let at = read_time(m.get("at"), "/at", &mut c);
        let comment = match m.get("comment") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(other) => {
                c.error(
                    "/comment",
                    format!("expected a string, found {}", type_name(other)),
                );
                None
            }
        };
        for key in KNOWN_STRING_FIELDS {
            match m.get(*key) {
                None | Some(Value::Null) | Some(Value::String(_)) | Some(Value::Number(_)) => {}
                Some(other) => c.error(
                    &format!("/{key}"),
                    format!("expected a string or number, found {}", type_name(other)),
                ),
            }
        }
        match m.get("type") {
            None | Some(Value::Null) => {}
            Some(Value::String(t)) if t == "feedback" => {}
            Some(other) => c.error(
                "/type",
                format!(
                    "a feedback event has \"type\": \"feedback\" (or none), found {other}; complaints go through the complaint path"
                ),
            ),
        }
        if m.contains_key("decision") {
            c.error(
                "/decision",
                "\"decision\" is reserved: conditions read the comment's classification there",
            );
        }
        if c.has_errors() {
            return Err(c.problems);
        }
        match (id, score, scale, at) {
            (Some(id), Some(score), Some(scale), Some(at)) => Ok(Feedback {
                id,
                score,
                scale,
                at,
                comment: comment.filter(|s| !s.trim().is_empty()),
                fields: v,
            }),
            _ => Err(vec![Problem::error("", "invalid feedback event")]),
        }
    }
}

/// A required, non-empty id: a string, or a number kept as its decimal form.
pub fn read_id(v: Option<&Value>, path: &str, c: &mut Checker) -> Option<String> {
    match v {
        None | Some(Value::Null) => {
            c.error(
                path,
                "missing required field \"id\" (needed to ignore replays)",
            );
            None
        }
        Some(Value::String(s)) if s.trim().is_empty() => {
            c.error(path, "must not be empty");
            None
        }
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(crate::validate::number_text(n)),
        Some(other) => {
            c.error(
                path,
                format!("expected a string or number, found {}", type_name(other)),
            );
            None
        }
    }
}

/// A required RFC 3339 timestamp with an offset.
pub fn read_time(v: Option<&Value>, path: &str, c: &mut Checker) -> Option<Timestamp> {
    match v {
        None | Some(Value::Null) => {
            c.error(
                path,
                "missing required field (the event time, RFC 3339 with an offset)",
            );
            None
        }
        Some(Value::String(s)) => match Timestamp::parse(s) {
            Ok(t) => Some(t),
            Err(e) => {
                c.error(path, format!("not an RFC 3339 timestamp: {e}"));
                None
            }
        },
        Some(other) => {
            c.error(
                path,
                format!(
                    "expected an RFC 3339 timestamp string, found {}",
                    type_name(other)
                ),
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn problems(v: Value) -> Vec<String> {
        match Feedback::from_value(v) {
            Ok(f) => panic!("accepted {f:?}"),
            Err(p) => p
                .iter()
                .map(|p| format!("{} {}", p.path, p.message))
                .collect(),
        }
    }

    #[test]
    fn valid_event_keeps_extra_fields() {
        let f = Feedback::from_value(json!({
            "id": 7, "score": 2, "scale": "csat5", "at": "2024-05-01T10:00:00+08:00",
            "branch": "BJ-001", "comment": " 盗刷 ", "extra": {"vip": true}
        }))
        .unwrap_or_else(|p| panic!("{p:?}"));
        assert_eq!(f.id, "7");
        assert_eq!(f.scale, Scale::Csat5);
        assert_eq!(f.at.offset_minutes, 480);
        assert_eq!(f.comment.as_deref(), Some(" 盗刷 "));
        assert_eq!(f.fields["extra"]["vip"], json!(true));
    }

    #[test]
    fn every_problem_is_reported_with_a_pointer() {
        let p = problems(json!({"score": 6, "scale": "csat5", "at": "2024-05-01", "branch": []}));
        assert!(p.iter().any(|m| m.starts_with("/id missing")), "{p:?}");
        assert!(
            p.iter().any(|m| m.starts_with("/score score 6 is outside")),
            "{p:?}"
        );
        assert!(
            p.iter().any(|m| m.starts_with("/at not an RFC 3339")),
            "{p:?}"
        );
        assert!(p.iter().any(|m| m.starts_with("/branch expected")), "{p:?}");
    }

    #[test]
    fn scales() {
        assert!(problems(
            json!({"id": "a", "score": 3, "scale": "stars", "at": "2024-05-01T00:00:00Z"})
        )[0]
        .contains("unknown scale"));
        assert!(problems(
            json!({"id": "a", "score": 2.5, "scale": "csat5", "at": "2024-05-01T00:00:00Z"})
        )[0]
        .contains("whole numbers"));
        assert!(problems(
            json!({"id": "a", "score": 11, "scale": "nps", "at": "2024-05-01T00:00:00Z"})
        )[0]
        .contains("outside the nps scale"));
        assert!(problems(json!({"id": "a", "score": 1, "scale": {"min": 5, "max": 1}, "at": "2024-05-01T00:00:00Z"}))[0]
            .contains("must be below"));
        let f = Feedback::from_value(json!({"id": "a", "score": 72.5, "scale": {"min": 0, "max": 100}, "at": "2024-05-01T00:00:00Z"}))
            .unwrap_or_else(|p| panic!("{p:?}"));
        assert_eq!(
            f.scale,
            Scale::Range {
                min: 0.0,
                max: 100.0
            }
        );
        assert!(problems(
            json!({"id": "a", "score": 0, "scale": "ces7", "at": "2024-05-01T00:00:00Z"})
        )[0]
        .contains("outside the ces7"));
        assert!(
            problems(json!({"id": "a", "score": 3, "at": "2024-05-01T00:00:00Z"}))[0]
                .contains("missing required field \"scale\"")
        );
    }

    #[test]
    fn not_an_object_and_reserved_fields() {
        assert!(problems(json!([1, 2]))[0].contains("found array"));
        assert!(problems(json!({"id": "a", "score": 3, "scale": "csat5", "at": "2024-05-01T00:00:00Z", "decision": 1}))[0]
            .contains("reserved"));
        assert!(problems(json!({"id": "a", "score": 3, "scale": "csat5", "at": "2024-05-01T00:00:00Z", "type": "complaint"}))[0]
            .contains("type"));
        assert!(problems(
            json!({"id": "", "score": 3, "scale": "csat5", "at": "2024-05-01T00:00:00Z"})
        )[0]
        .contains("empty"));
    }
}
