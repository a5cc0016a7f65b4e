//! The `field` kind — `{"field": {"path": "customer.age", "gte": 65}}`: a field of the input,
//! reached by dotted path, compared with `eq`, `in`, `gte`, `lte`, `gt`, `lt`, `exists` or
//! `contains` (all given must hold). Strings compare normalised like terms. The virtual fields
//! `amount.max`, `amount.sum` and `amount.count` read the amounts found in the text.

use super::{At, Build, Ctx, RawEvidence, Reader};
use crate::codec::{Reader as Bytes, Res, Writer};
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
    Field::new(d.path.clone(), ops)
}

/// Operator tags in a compiled pack.
mod op {
    pub const EQ: u8 = 1;
    pub const IN: u8 = 2;
    pub const GTE: u8 = 3;
    pub const LTE: u8 = 4;
    pub const GT: u8 = 5;
    pub const LT: u8 = 6;
    pub const EXISTS: u8 = 7;
    pub const CONTAINS: u8 = 8;
}

/// Tags of a compared value: a string, a boolean or a JSON number as serde_json holds it.
mod val {
    pub const STRING: u8 = 1;
    pub const BOOL: u8 = 2;
    pub const U64: u8 = 3;
    pub const I64: u8 = 4;
    pub const F64: u8 = 5;
}

fn write_value(w: &mut Writer, v: &Value) {
    match v {
        Value::String(s) => {
            w.u8(val::STRING);
            w.str(s);
        }
        Value::Bool(b) => {
            w.u8(val::BOOL);
            w.bool(*b);
        }
        Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                w.u8(val::U64);
                w.uv(u);
            } else if let Some(i) = n.as_i64() {
                w.u8(val::I64);
                w.iv(i);
            } else {
                w.u8(val::F64);
                w.f64(n.as_f64().unwrap_or(0.0));
            }
        }
        // The pack reader accepts nothing else to compare with.
        Value::Null | Value::Array(_) | Value::Object(_) => w.u8(0),
    }
}

fn read_value(r: &mut Bytes) -> Res<Value> {
    Ok(match r.u8()? {
        val::STRING => Value::String(r.str()?),
        val::BOOL => Value::Bool(r.bool()?),
        val::U64 => Value::from(r.uv()?),
        val::I64 => Value::from(r.iv()?),
        val::F64 => match serde_json::Number::from_f64(r.f64()?) {
            Some(n) => Value::Number(n),
            None => return Err(r.corrupt("a compared number is not finite")),
        },
        t => return Err(r.corrupt(format!("unknown value kind {t}"))),
    })
}

impl Field {
    /// A field condition on dotted `path` (its segments and amount aggregate derived here).
    fn new(path: String, ops: Vec<FieldOp>) -> Field {
        let amount = match path.as_str() {
            "amount.max" => Some(AmountField::Max),
            "amount.sum" => Some(AmountField::Sum),
            "amount.count" => Some(AmountField::Count),
            _ => None,
        };
        Field {
            segments: path.split('.').map(str::to_string).collect(),
            path,
            amount,
            ops,
        }
    }

    pub(super) fn write(&self, w: &mut Writer) {
        w.str(&self.path);
        w.list(&self.ops, |w, o| match o {
            FieldOp::Eq(v) => {
                w.u8(op::EQ);
                write_value(w, v);
            }
            FieldOp::In(vs) => {
                w.u8(op::IN);
                w.list(vs, write_value);
            }
            FieldOp::Gte(n) | FieldOp::Lte(n) | FieldOp::Gt(n) | FieldOp::Lt(n) => {
                w.u8(match o {
                    FieldOp::Gte(_) => op::GTE,
                    FieldOp::Lte(_) => op::LTE,
                    FieldOp::Gt(_) => op::GT,
                    _ => op::LT,
                });
                w.f64(*n);
            }
            FieldOp::Exists(b) => {
                w.u8(op::EXISTS);
                w.bool(*b);
            }
            FieldOp::Contains(s) => {
                w.u8(op::CONTAINS);
                w.str(s);
            }
        });
    }

    pub(super) fn load(r: &mut Bytes) -> Res<Field> {
        let path = r.str()?;
        let ops = r.list(1, |r| {
            Ok(match r.u8()? {
                op::EQ => FieldOp::Eq(read_value(r)?),
                op::IN => FieldOp::In(r.list(1, read_value)?),
                op::GTE => FieldOp::Gte(r.finite("gte")?),
                op::LTE => FieldOp::Lte(r.finite("lte")?),
                op::GT => FieldOp::Gt(r.finite("gt")?),
                op::LT => FieldOp::Lt(r.finite("lt")?),
                op::EXISTS => FieldOp::Exists(r.bool()?),
                op::CONTAINS => FieldOp::Contains(r.str()?),
                t => return Err(r.corrupt(format!("unknown field operator {t}"))),
            })
        })?;
        Ok(Field::new(path, ops))
    }

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
