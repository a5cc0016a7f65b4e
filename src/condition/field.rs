//! The `field` kind — `{"field": {"path": "customer.age", "gte": 65}}`: a field of the input,
//! reached by dotted path, compared with `eq`, `in`, `gte`, `lte`, `gt`, `lt`, `exists` or
//! `contains` (all given must hold). Strings compare normalised like terms. The virtual fields
//! `amount.max`, `amount.sum` and `amount.count` read the amounts found in the text.

use super::{At, Build, Ctx, RawEvidence, Reader};
use crate::error::pointer;
use crate::json::type_name;
use crate::text::{normalize_cow, normalize_str, NormalizeOptions};
use serde_json::Value;
use std::borrow::Cow;

/// A comparison as written.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum FieldOp {
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

/// `field` as written.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FieldDef {
    /// Dotted path.
    pub path: String,
    /// Comparisons, all of which must hold.
    pub ops: Vec<FieldOp>,
}

/// Which virtual amount field a path names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AmountField {
    /// Largest amount found in text or given in `amount`.
    Max,
    /// Sum of amounts found in text (or the given `amount` when none).
    Sum,
    /// How many amounts were found.
    Count,
}

/// `field` compiled: string operands normalised once.
#[derive(Debug, Clone)]
pub(crate) struct Field {
    path: String,
    segments: Vec<String>,
    amount: Option<AmountField>,
    ops: Vec<FieldOp>,
}

/// Aggregates over the amounts of one complaint, reachable as `amount.max|sum|count`.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct AmountAgg {
    /// Largest.
    pub max: Option<f64>,
    /// Sum.
    pub sum: Option<f64>,
    /// Count.
    pub count: usize,
}

const OPS: &[&str] = &[
    "path", "eq", "in", "gte", "lte", "gt", "lt", "exists", "contains",
];

pub(super) fn read(r: &mut Reader, body: &Value, at: &At) -> Option<FieldDef> {
    let path = at.body;
    let m = r.c.object(body, path, OPS)?;
    let fpath = r.c.nonempty_string(m, "path", path)?;
    if fpath.split('.').any(|s| s.is_empty()) {
        r.c.error(&pointer(path, "path"), "a dotted path has an empty segment");
    }
    let mut ops = Vec::new();
    for (k, val) in m {
        let kp = pointer(path, k);
        match k.as_str() {
            "path" => {}
            "eq" => match val {
                Value::Array(_) | Value::Object(_) | Value::Null => {
                    r.c.error(&kp, "eq compares with a string, number or boolean");
                }
                other => ops.push(FieldOp::Eq(other.clone())),
            },
            "in" => match val {
                Value::Array(a) if !a.is_empty() => {
                    if a.iter()
                        .any(|x| matches!(x, Value::Array(_) | Value::Object(_) | Value::Null))
                    {
                        r.c.error(&kp, "in takes strings, numbers or booleans");
                    }
                    ops.push(FieldOp::In(a.clone()))
                }
                _ => r.c.error(&kp, "expected a non-empty array"),
            },
            "gte" | "lte" | "gt" | "lt" => match val.as_f64() {
                Some(n) if n.is_finite() => ops.push(match k.as_str() {
                    "gte" => FieldOp::Gte(n),
                    "lte" => FieldOp::Lte(n),
                    "gt" => FieldOp::Gt(n),
                    _ => FieldOp::Lt(n),
                }),
                _ => {
                    r.c.error(&kp, format!("expected a number, found {}", type_name(val)))
                }
            },
            "exists" => match val {
                Value::Bool(b) => ops.push(FieldOp::Exists(*b)),
                other => r.c.error(
                    &kp,
                    format!("expected true or false, found {}", type_name(other)),
                ),
            },
            "contains" => match val {
                Value::String(s) if !s.is_empty() => ops.push(FieldOp::Contains(s.clone())),
                _ => r.c.error(&kp, "expected a non-empty string"),
            },
            _ => {}
        }
    }
    if ops.is_empty() {
        r.c.error(
            path,
            "a field condition needs an operator: eq, in, gte, lte, gt, lt, exists or contains",
        );
        return None;
    }
    Some(FieldDef { path: fpath, ops })
}

pub(super) fn compile(b: &mut Build, d: &FieldDef) -> Field {
    let amount = match d.path.as_str() {
        "amount.max" => Some(AmountField::Max),
        "amount.sum" => Some(AmountField::Sum),
        "amount.count" => Some(AmountField::Count),
        _ => None,
    };
    let norm = |v: &Value| -> Value {
        match v {
            Value::String(s) => Value::String(normalize_str(s.trim(), &b.opts)),
            other => other.clone(),
        }
    };
    let ops = d
        .ops
        .iter()
        .map(|op| match op {
            FieldOp::Eq(v) => FieldOp::Eq(norm(v)),
            FieldOp::In(vs) => FieldOp::In(vs.iter().map(norm).collect()),
            FieldOp::Contains(s) => FieldOp::Contains(normalize_str(s, &b.opts)),
            other => other.clone(),
        })
        .collect();
    Field {
        path: d.path.clone(),
        segments: d.path.split('.').map(str::to_string).collect(),
        amount,
        ops,
    }
}

impl Field {
    /// Reads the classification (`decision` or `decision.*`: trigger conditions only).
    pub(super) fn reads_decision(&self) -> bool {
        self.path == "decision" || self.path.starts_with("decision.")
    }

    /// The field's value: an amount aggregate or a path into the input.
    fn value<'c>(&self, ctx: &Ctx<'c>) -> Option<Cow<'c, Value>> {
        if let Some(a) = self.amount {
            let v = match a {
                AmountField::Max => ctx.amounts.max.and_then(number),
                AmountField::Sum => ctx.amounts.sum.and_then(number),
                AmountField::Count => Some(Value::from(ctx.amounts.count as u64)),
            };
            return v.map(Cow::Owned);
        }
        let mut cur = ctx.input;
        for seg in &self.segments {
            cur = match cur {
                Value::Object(m) => m.get(seg)?,
                Value::Array(a) => a.get(seg.parse::<usize>().ok()?)?,
                _ => return None,
            };
        }
        Some(Cow::Borrowed(cur))
    }

    pub(super) fn holds(&self, ctx: &Ctx) -> bool {
        let v = self.value(ctx);
        let v = v.as_deref().filter(|x| !x.is_null());
        // Normalise a string field once, not once per compared value.
        let norm = match v {
            Some(Value::String(s)) => Some(normalize_cow(s.trim(), ctx.normalize)),
            _ => None,
        };
        self.ops
            .iter()
            .all(|op| field_op(op, v, norm.as_deref(), ctx.normalize))
    }

    pub(super) fn evidence(&self, ctx: &Ctx, out: &mut Vec<RawEvidence>) {
        let value = self.value(ctx).map(Cow::into_owned).unwrap_or(Value::Null);
        out.push(RawEvidence::Field {
            path: self.path.clone(),
            value,
        });
    }
}

/// A JSON number written the way decisions write numbers: whole values without a fraction.
fn number(f: f64) -> Option<Value> {
    if f.fract() == 0.0 && f.abs() < 9.0e15 {
        Some(Value::from(f as i64))
    } else {
        serde_json::Number::from_f64(f).map(Value::Number)
    }
}

fn values_equal(a: &Value, norm: Option<&str>, b: &Value) -> bool {
    match (a, b) {
        (Value::String(_), Value::String(y)) => norm == Some(y.as_str()),
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Bool(x), Value::Bool(y)) => x == y,
        _ => false,
    }
}

/// `v` is the field (None when absent or null); `norm` its normalised text when it is a string.
fn field_op(op: &FieldOp, v: Option<&Value>, norm: Option<&str>, opts: &NormalizeOptions) -> bool {
    match op {
        FieldOp::Exists(want) => v.is_some() == *want,
        FieldOp::Eq(want) => v.is_some_and(|x| values_equal(x, norm, want)),
        FieldOp::In(wants) => v.is_some_and(|x| wants.iter().any(|w| values_equal(x, norm, w))),
        FieldOp::Gte(n) => v.and_then(Value::as_f64).is_some_and(|x| x >= *n),
        FieldOp::Lte(n) => v.and_then(Value::as_f64).is_some_and(|x| x <= *n),
        FieldOp::Gt(n) => v.and_then(Value::as_f64).is_some_and(|x| x > *n),
        FieldOp::Lt(n) => v.and_then(Value::as_f64).is_some_and(|x| x < *n),
        FieldOp::Contains(needle) => match v {
            Some(Value::String(_)) => norm.is_some_and(|n| n.contains(needle.as_str())),
            Some(Value::Array(items)) => items
                .iter()
                .any(|x| matches!(x, Value::String(s) if normalize_str(s.trim(), opts) == *needle)),
            _ => false,
        },
    }
}
