//! The input side: a [`Complaint`] read from JSON and validated field by field (all problems,
//! with JSON pointers), keeping every extra field so that conditions can reach it by dotted path.

use crate::error::{Error, Problem};
use crate::json::{type_name, Checker};
use crate::time::Timestamp;
use serde_json::{Map, Value};

/// A complaint to classify. Only `text` is required.
#[derive(Debug, Clone)]
pub struct Complaint {
    /// Caller's id (a number is kept as its decimal string).
    pub id: Option<String>,
    /// Title, scanned with the text.
    pub title: Option<String>,
    /// The complaint's words.
    pub text: String,
    /// When the complaint was received (deadlines are computed from it).
    pub received_at: Option<Timestamp>,
    /// The whole input object, for `field` conditions.
    pub fields: Value,
}

impl Complaint {
    /// A complaint with only a text.
    pub fn from_text(text: impl Into<String>) -> Complaint {
        let text = text.into();
        let mut m = Map::new();
        m.insert("text".into(), Value::String(text.clone()));
        Complaint {
            id: None,
            title: None,
            text,
            received_at: None,
            fields: Value::Object(m),
        }
    }

    /// Parse and validate complaint JSON.
    pub fn from_json(json: &str) -> Result<Complaint, Error> {
        let v = crate::json::parse_json(json).map_err(|p| Error::InvalidInput(vec![p]))?;
        Complaint::from_value(v)
    }

    /// Validate a parsed complaint. Unknown top-level fields are kept (they are the caller's own
    /// data); known fields must have the documented types.
    pub fn from_value(v: Value) -> Result<Complaint, Error> {
        let mut c = Checker::default();
        let Value::Object(m) = &v else {
            return Err(Error::InvalidInput(vec![Problem::error(
                "",
                format!("a complaint is a JSON object, found {}", type_name(&v)),
            )]));
        };
        let id = match m.get("id") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Number(n)) => Some(crate::json::number_text(n)),
            Some(other) => {
                c.error(
                    "/id",
                    format!("expected a string or number, found {}", type_name(other)),
                );
                None
            }
        };
        let text = match m.get("text") {
            Some(Value::String(s)) => Some(s.clone()),
            None | Some(Value::Null) => {
                c.error("/text", "missing required field \"text\"");
                None
            }
            Some(other) => {
                c.error(
                    "/text",
                    format!("expected a string, found {}", type_name(other)),
                );
                None
            }
        };
        for key in ["title", "channel", "product", "branch"] {
            c.string(m, key, "", false);
        }
        let received_at = match c.string(m, "received_at", "", false) {
            Some(s) => match Timestamp::parse(&s) {
                Ok(t) => Some(t),
                Err(e) => {
                    c.error("/received_at", format!("not an RFC 3339 timestamp: {e}"));
                    None
                }
            },
            None => None,
        };
        if let Some(a) = c.number(m, "amount", "") {
            if a < 0.0 {
                c.error("/amount", "an amount cannot be negative");
            }
        }
        check_customer(m.get("customer"), &mut c);
        if c.has_errors() {
            return Err(Error::InvalidInput(c.problems));
        }
        let title = m.get("title").and_then(Value::as_str).map(str::to_string);
        Ok(Complaint {
            id,
            title,
            text: text.unwrap_or_default(),
            received_at,
            fields: v,
        })
    }
}

/// `customer`, when present: an object whose documented fields have their types (age 0–150,
/// `vulnerable` a boolean, `prior_complaints` a count).
fn check_customer(v: Option<&Value>, c: &mut Checker) {
    match v {
        None | Some(Value::Null) => {}
        Some(Value::Object(cm)) => {
            match cm.get("id") {
                None | Some(Value::Null) | Some(Value::String(_)) | Some(Value::Number(_)) => {}
                Some(other) => c.error(
                    "/customer/id",
                    format!("expected a string or number, found {}", type_name(other)),
                ),
            }
            c.number_in(cm, "age", "/customer", 0.0, 150.0);
            c.string(cm, "segment", "/customer", false);
            c.boolean(cm, "vulnerable", "/customer");
            c.count(cm, "prior_complaints", "/customer", 1_000_000);
        }
        Some(other) => c.error(
            "/customer",
            format!("expected an object, found {}", type_name(other)),
        ),
    }
}
