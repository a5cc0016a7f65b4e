//! Trigger flow, step one: **event** → policy match → window → alert. Reads a feedback event
//! (a rating with its time, scale, fields and optional comment) from untrusted JSON, reporting
//! every problem with a JSON pointer, so a bad event is rejected on its own and the stream goes on.

use crate::error::Problem;
use crate::json::{type_name, Checker};
use crate::policy::Scale;
use crate::time::Timestamp;
use serde_json::Value;

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
        let v = crate::json::parse_json(json).map_err(|p| vec![p])?;
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
        Some(Value::Number(n)) => Some(crate::json::number_text(n)),
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
