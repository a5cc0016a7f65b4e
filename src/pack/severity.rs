//! The `severity` section: factors (a condition, points, an optional minimum level) and levels
//! (by increasing points, with a handling deadline and who is told at once).

use super::PackReader;
use crate::condition::{CondDef, Scope};
use crate::error::pointer;
use crate::json::type_name;
use serde_json::Value;

/// A severity factor.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FactorDef {
    /// Id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// When it counts.
    pub when: CondDef,
    /// Points it adds.
    pub points: i64,
    /// Level the complaint gets at least when the factor counts.
    pub min_level: Option<String>,
}

/// A severity level.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LevelDef {
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
pub(crate) struct SeverityDef {
    /// Factors.
    pub factors: Vec<FactorDef>,
    /// Levels, by increasing `min_points`.
    pub levels: Vec<LevelDef>,
}

impl PackReader {
    /// `severity`: levels by increasing points, then factors (a factor may name a level).
    pub(super) fn read_severity(&mut self, v: &Value) -> Option<SeverityDef> {
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
                self.read_factor(f, &pointer("/severity/factors", i), &levels, &mut factors);
            }
        }
        Some(SeverityDef { factors, levels })
    }

    /// One factor, appended to `factors` when it can be used.
    fn read_factor(
        &mut self,
        f: &Value,
        p: &str,
        levels: &[LevelDef],
        factors: &mut Vec<FactorDef>,
    ) {
        let Some(fm) = self
            .c
            .object(f, p, &["id", "name", "when", "points", "min_level"])
        else {
            return;
        };
        let id = self.c.nonempty_string(fm, "id", p);
        let name = self.c.string(fm, "name", p, false);
        let points = match fm.get("points") {
            None => Some(0),
            Some(x) => match x.as_i64() {
                Some(n) if n.abs() <= 1_000_000 => Some(n),
                _ => {
                    self.c
                        .error(&pointer(p, "points"), "expected a whole number of points");
                    None
                }
            },
        };
        let min_level = self.c.string(fm, "min_level", p, false);
        if let Some(ml) = &min_level {
            if !levels.iter().any(|l| &l.id == ml) {
                self.c
                    .error(&pointer(p, "min_level"), format!("unknown level \"{ml}\""));
            }
        }
        let when = match fm.get("when") {
            Some(w) => self.cond(w, &pointer(p, "when"), Scope::All),
            None => {
                self.c.error(p, "missing required key \"when\"");
                None
            }
        };
        if let (Some(id), Some(when), Some(points)) = (id, when, points) {
            if factors.iter().any(|x| x.id == id) {
                self.c
                    .error(&pointer(p, "id"), format!("duplicate factor id \"{id}\""));
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
