//! The `tests` section: cases a pack carries about itself (an input and the labels, level,
//! factors and route expected), run by `wendu test` and `Engine::run_tests`.

use super::{PackReader, SeverityDef};
use crate::error::pointer;
use crate::json::type_name;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// A test case carried inside a pack.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PackTest {
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

impl PackReader {
    pub(super) fn read_tests(&mut self, v: &Value, severity: &SeverityDef) -> Vec<PackTest> {
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
