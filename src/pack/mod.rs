//! Step one: **pack** (parse + validate) → compile → text → scan → rules → decide. Reads a rule
//! pack from JSON into typed definitions, section by section ([`settings`], [`dimension`],
//! [`severity`], [`triggers`], [`cases`]), reporting every problem at once with a JSON pointer;
//! conditions are read by their kinds in `condition`, and [`hash`] gives the pack its identity.

mod cases;
mod dimension;
mod hash;
mod settings;
mod severity;
mod triggers;

pub(crate) use cases::PackTest;
pub(crate) use dimension::{DimensionDef, Weight};
pub use hash::content_hash;
pub(crate) use settings::{Limits, RouteDef, Settings};
pub(crate) use severity::{LevelDef, SeverityDef};
pub(crate) use triggers::{read_route, write_route, GroupField, PolicyDef, TriggerSpec};

use crate::condition::{self, CondDef, Scope};
use crate::error::{pointer, Problem};
use crate::json::{type_name, Checker};
use crate::model::Model;
use crate::text::NormalizeOptions;
use serde_json::Value;
use std::collections::{BTreeMap, HashSet};

/// Pack identity, carried by every decision so that each can be audited.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PackInfo {
    /// Pack id, e.g. `cn-banking`.
    pub id: String,
    /// Pack version as written by its authors.
    pub version: String,
    /// `sha256:` + hex of the canonical JSON (keys sorted, no whitespace), so formatting changes
    /// do not change it but any rule change does.
    pub hash: String,
    /// BCP 47 locale, e.g. `zh-CN`.
    #[serde(skip)]
    pub locale: String,
    /// Free text.
    #[serde(skip)]
    pub description: String,
}

impl PackInfo {
    /// The identity decisions and alerts carry.
    pub(crate) fn reference(&self) -> PackRef {
        PackRef {
            id: self.id.clone(),
            version: self.version.clone(),
            hash: self.hash.clone(),
        }
    }
}

/// Pack identity in a decision or an alert: `{id, version, hash}`.
#[derive(Debug, Clone, serde::Serialize, PartialEq)]
pub struct PackRef {
    /// Pack id.
    pub id: String,
    /// Pack version.
    pub version: String,
    /// Content hash.
    pub hash: String,
}

/// A validated rule pack.
#[derive(Debug, Clone)]
pub(crate) struct Pack {
    /// Identity.
    pub info: PackInfo,
    /// Settings.
    pub settings: Settings,
    /// Dimensions in evaluation order.
    pub dimensions: Vec<DimensionDef>,
    /// Severity.
    pub severity: SeverityDef,
    /// The `triggers` section (no policies when the pack has none).
    pub triggers: TriggerSpec,
    /// Per trigger policy, its `when` condition as written.
    pub policy_conditions: Vec<Option<CondDef>>,
    /// Every regex of the pack, compiled once while validating, by source.
    pub regexes: condition::Regexes,
    /// Test cases.
    pub tests: Vec<PackTest>,
    /// Learned models, in pack order.
    pub models: Vec<Model>,
    /// Warnings found while reading.
    pub warnings: Vec<Problem>,
}

impl Pack {
    /// Parse and validate pack JSON. On failure returns every error and warning found.
    pub(crate) fn parse(json: &str) -> Result<Pack, Vec<Problem>> {
        let value = crate::json::parse_json(json).map_err(|p| vec![p])?;
        Pack::from_value(&value)
    }

    /// Validate an already-parsed pack.
    pub(crate) fn from_value(value: &Value) -> Result<Pack, Vec<Problem>> {
        let mut r = PackReader {
            c: Checker::default(),
            lexicon: BTreeMap::new(),
            dims: Vec::new(),
            all_dims: Vec::new(),
            models: Vec::new(),
            normalize: NormalizeOptions::CHINESE,
            regexes: condition::Regexes::default(),
            max_regex_bytes: 1 << 20,
        };
        let pack = r.read(value);
        match pack {
            Some(p) if !r.c.has_errors() => Ok(p),
            _ => Err(r.c.problems),
        }
    }
}

/// Reads one pack: the checker collecting problems and what later sections need from earlier
/// ones. Each section's reader is an `impl PackReader` in its own module.
struct PackReader {
    c: Checker,
    lexicon: BTreeMap<String, Vec<String>>,
    /// Dimensions read so far: id → label codes (for `label` references).
    dims: Vec<(String, HashSet<String>)>,
    /// Ids of every dimension in the document, to tell "later" from "unknown".
    all_dims: Vec<String>,
    /// The models read: id and label codes (for `model` conditions).
    models: Vec<(String, Vec<String>)>,
    /// Normalisation, to reject terms that normalise to nothing.
    normalize: NormalizeOptions,
    /// Regexes compiled while validating (so that their errors come with all the others),
    /// by source; `compile` reuses them.
    regexes: condition::Regexes,
    max_regex_bytes: usize,
}

impl PackReader {
    fn read(&mut self, v: &Value) -> Option<Pack> {
        let top = self.c.object(
            v,
            "",
            &[
                "$schema",
                "pack",
                "settings",
                "lexicon",
                "models",
                "dimensions",
                "severity",
                "triggers",
                "tests",
            ],
        )?;
        let info = match top.get("pack") {
            Some(p) => self.read_info(p, v),
            None => {
                self.c.error("", "missing required key \"pack\"");
                None
            }
        };
        let locale = info.as_ref().map(|i| i.locale.clone()).unwrap_or_default();
        let settings = self.read_settings(top.get("settings"), &locale);
        if let Some(s) = &settings {
            self.normalize = s.normalize;
            self.max_regex_bytes = s.limits.max_regex_bytes;
        }
        if let Some(Value::Array(ds)) = top.get("dimensions") {
            self.all_dims = ds
                .iter()
                .filter_map(|d| d.get("id").and_then(Value::as_str).map(str::to_string))
                .collect();
        }
        if let Some(l) = top.get("lexicon") {
            self.read_lexicon(l);
        }
        // Before the dimensions: their `model` conditions name the models and their labels.
        let models = self.read_models(top.get("models"));
        let dimensions = self.read_dimensions(top.get("dimensions"));
        self.check_models(&models, &dimensions);
        if let Some(s) = &settings {
            for (i, d) in s.route_from.iter().enumerate() {
                if !dimensions.iter().any(|x| &x.id == d) {
                    self.c.error(
                        &format!("/settings/route/from/{i}"),
                        format!("unknown dimension \"{d}\""),
                    );
                }
            }
        }
        let severity = match top.get("severity") {
            Some(s) => self.read_severity(s).unwrap_or_default(),
            None => SeverityDef::default(),
        };
        let tests = match top.get("tests") {
            Some(t) => self.read_tests(t, &severity),
            None => Vec::new(),
        };
        // Last: its problems came last when the trigger engine read it on its own, and tools and
        // the golden vectors expect them there.
        let (triggers, policy_conditions) = match top.get("triggers") {
            Some(t) => self.read_triggers(t),
            None => (TriggerSpec::default(), Vec::new()),
        };
        let info = info?;
        let settings = settings?;
        if dimensions.is_empty() && severity.factors.is_empty() && !top.contains_key("triggers") {
            self.c.warning(
                "",
                "the pack has no dimensions, severity factors or triggers: it decides nothing",
            );
        }
        let warnings = self
            .c
            .problems
            .iter()
            .filter(|p| !p.is_error())
            .cloned()
            .collect();
        Some(Pack {
            info,
            settings,
            dimensions,
            severity,
            triggers,
            policy_conditions,
            tests,
            models,
            warnings,
            regexes: std::mem::take(&mut self.regexes),
        })
    }

    /// `dimensions`, in evaluation order; each one's label codes are remembered for the `label`
    /// conditions of later dimensions.
    fn read_dimensions(&mut self, v: Option<&Value>) -> Vec<DimensionDef> {
        match v {
            Some(Value::Array(ds)) => {
                let mut out = Vec::new();
                let mut seen = HashSet::new();
                for (i, d) in ds.iter().enumerate() {
                    let path = pointer("/dimensions", i);
                    if let Some(dim) = self.read_dimension(d, &path, i) {
                        if !seen.insert(dim.id.clone()) {
                            self.c.error(
                                &pointer(&path, "id"),
                                format!("duplicate dimension id \"{}\"", dim.id),
                            );
                        }
                        let codes = dim.labels.iter().map(|l| l.code.clone()).collect();
                        self.dims.push((dim.id.clone(), codes));
                        out.push(dim);
                    } else {
                        // Keep indices aligned so later `label` references resolve sensibly.
                        self.dims.push((String::new(), HashSet::new()));
                    }
                }
                out
            }
            Some(other) => {
                self.c.error(
                    "/dimensions",
                    format!("expected an array, found {}", type_name(other)),
                );
                Vec::new()
            }
            None => Vec::new(),
        }
    }

    /// `models`: learned classifiers, each validated by the model's own reader; ids unique.
    fn read_models(&mut self, v: Option<&Value>) -> Vec<Model> {
        let mut out: Vec<Model> = Vec::new();
        let Some(v) = v else { return out };
        let Value::Array(items) = v else {
            self.c.error(
                "/models",
                format!("expected an array of models, found {}", type_name(v)),
            );
            return out;
        };
        for (i, item) in items.iter().enumerate() {
            let path = pointer("/models", i);
            match Model::from_value(item, &path) {
                Ok(m) => {
                    if out.iter().any(|x| x.id() == m.id()) {
                        self.c.error(
                            &pointer(&path, "id"),
                            format!("duplicate model id \"{}\"", m.id()),
                        );
                    }
                    self.models.push((m.id().to_string(), m.labels().to_vec()));
                    out.push(m);
                }
                Err(problems) => self.c.problems.extend(problems),
            }
        }
        out
    }

    /// A model scores the labels of one dimension of the pack.
    fn check_models(&mut self, models: &[Model], dims: &[DimensionDef]) {
        for (i, m) in models.iter().enumerate() {
            let path = pointer("/models", i);
            let Some(d) = dims.iter().find(|d| d.id == m.dimension()) else {
                self.c.error(
                    &pointer(&path, "dimension"),
                    format!("unknown dimension \"{}\"", m.dimension()),
                );
                continue;
            };
            for (li, code) in m.labels().iter().enumerate() {
                if !d.labels.iter().any(|l| &l.code == code) {
                    self.c.error(
                        &pointer(&pointer(&path, "labels"), li),
                        format!("dimension \"{}\" has no label \"{code}\"", d.id),
                    );
                }
            }
        }
    }

    fn read_info(&mut self, v: &Value, whole: &Value) -> Option<PackInfo> {
        let m = self
            .c
            .object(v, "/pack", &["id", "version", "locale", "description"])?;
        let id = self.c.nonempty_string(m, "id", "/pack");
        let version = self.c.nonempty_string(m, "version", "/pack");
        let locale = self
            .c
            .string(m, "locale", "/pack", false)
            .unwrap_or_else(|| "zh-CN".into());
        let description = self
            .c
            .string(m, "description", "/pack", false)
            .unwrap_or_default();
        Some(PackInfo {
            id: id?,
            version: version?,
            hash: hash::content_hash(whole),
            locale,
            description,
        })
    }

    /// Read a condition through its kind (see `condition`).
    fn cond(&mut self, v: &Value, path: &str, scope: Scope) -> Option<CondDef> {
        let mut r = condition::Reader {
            c: &mut self.c,
            lexicon: &self.lexicon,
            normalize: self.normalize,
            regexes: &mut self.regexes,
            max_regex_bytes: self.max_regex_bytes,
            dims: &self.dims,
            all_dims: &self.all_dims,
            models: &self.models,
        };
        condition::read(&mut r, v, path, scope, 0)
    }
}
