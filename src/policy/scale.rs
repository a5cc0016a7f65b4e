//! Beside the flow, under `pack` and `trigger`: the scales a score is given on (CSAT 1–5, NPS
//! 0–10, CES 1–7, or any range), read from events and packs alike.

use crate::json::{type_name, Checker};
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

    /// Write the scale (compiled packs): 1–3 for the named scales, 4 and the bounds for a range.
    pub(crate) fn write(&self, w: &mut crate::codec::Writer) {
        match self {
            Scale::Csat5 => w.u8(1),
            Scale::Nps => w.u8(2),
            Scale::Ces7 => w.u8(3),
            Scale::Range { min, max } => {
                w.u8(4);
                w.f64(*min);
                w.f64(*max);
            }
        }
    }

    /// Read a scale written by [`Scale::write`], with the checks [`Scale::read`] makes.
    pub(crate) fn load(r: &mut crate::codec::Reader) -> crate::codec::Res<Scale> {
        Ok(match r.u8()? {
            1 => Scale::Csat5,
            2 => Scale::Nps,
            3 => Scale::Ces7,
            4 => {
                let (min, max) = (r.finite("scale min")?, r.finite("scale max")?);
                if min.abs() > MAX_SCALE_ABS || max.abs() > MAX_SCALE_ABS || min >= max {
                    return Err(r.corrupt(format!("scale {min}..{max}")));
                }
                Scale::Range { min, max }
            }
            t => return Err(r.corrupt(format!("unknown scale {t}"))),
        })
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
