//! Trigger flow, one input at a time: an event's comment (or a complaint's title and text) read by
//! the pack's flow once — one scan serves every policy's `when` condition — and classified at
//! most once, by index and without an explanation, only when a policy needs it (a `label` or
//! `decision.*` condition, a `labels.<dimension>` group key, pain points).

use crate::decide::{Decision, Scored};
use crate::engine::Engine;
use crate::pack::{GroupField, PolicyDef};
use crate::run::{limit_texts, with_parts, Reading};
use crate::trigger::state::push_part;
use serde_json::{json, Map, Value};

/// The buffers the trigger engine reuses from one input to the next: the reading of the whole
/// text (conditions see it), and a second one for a text the pack's limits cut (the
/// classification sees what a classification of it alone would).
#[derive(Default)]
pub(super) struct Buffers {
    reading: Reading,
    cut: Reading,
}

impl Clone for Buffers {
    /// Buffers hold nothing between inputs: a clone starts with fresh ones.
    fn clone(&self) -> Self {
        Buffers::default()
    }
}

impl std::fmt::Debug for Buffers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Buffers")
    }
}

/// An input's classification, by index into the pack.
struct Class {
    /// Per dimension, the labels given (best first) and whether each is the fallback.
    labels: Vec<Vec<(usize, bool)>>,
    /// Per dimension, the label indices given (what `label` conditions read).
    assigned: Vec<Vec<usize>>,
    /// Severity, when the pack scores one.
    severity: Option<Scored>,
    /// The severity factors that counted.
    factors: Vec<usize>,
    /// Per model of the pack, its probabilities of its labels (what `model` conditions read).
    probabilities: Vec<Vec<f64>>,
}

/// One input being processed.
pub(super) struct Item<'a> {
    /// The input object (group keys and `field` conditions read it).
    pub fields: &'a Value,
    /// Its text: `(title, text)`; None for an event without a comment.
    text: Option<(Option<&'a str>, &'a str)>,
    engine: &'a Engine,
    bufs: &'a mut Buffers,
    read: bool,
    /// None: not tried yet; Some(None): no classification (no text, or over the limits).
    class: Option<Option<Class>>,
    /// The fields plus `decision`, for `decision.*` conditions.
    with_decision: Option<Value>,
    pain: Option<Box<[u32]>>,
    /// Why the text was not classified, for a notice.
    pub warning: Option<String>,
}

impl<'a> Item<'a> {
    /// An input with an optional text (`title`, `text`).
    pub fn new(
        engine: &'a Engine,
        bufs: &'a mut Buffers,
        fields: &'a Value,
        text: Option<(Option<&'a str>, &'a str)>,
    ) -> Self {
        Item {
            fields,
            text,
            engine,
            bufs,
            read: false,
            class: None,
            with_decision: None,
            pain: None,
            warning: None,
        }
    }

    /// Use the caller's classification of the input instead of the pack's.
    pub fn given(mut self, d: &Decision) -> Self {
        self.class = Some(Some(class_of(self.engine, d)));
        self
    }

    /// Was the input's text classified (by the pack or the caller)?
    pub fn classified(&self) -> bool {
        matches!(self.class, Some(Some(_)))
    }

    /// Read the whole text once (normalise and scan).
    fn read(&mut self) {
        if self.read {
            return;
        }
        let (title, text) = self.text.unwrap_or((None, ""));
        let pack = self.engine.compiled();
        let (reading, fields) = (&mut self.bufs.reading, self.fields);
        with_parts(text, title, |parts| {
            reading.read(pack, parts, fields, false)
        });
        self.read = true;
    }

    /// Classify the text once, within the pack's limits.
    fn classify(&mut self) -> Option<&Class> {
        if self.class.is_none() {
            self.class = Some(self.classify_now());
        }
        self.class.as_ref().and_then(Option::as_ref)
    }

    fn classify_now(&mut self) -> Option<Class> {
        let (title, text) = self.text?;
        let pack = self.engine.compiled();
        let mut notes = Vec::new();
        let (t, ti) = match limit_texts(&pack.limits, text, title, &mut notes) {
            Ok(x) => x,
            Err(e) => {
                self.warning = Some(format!("comment not classified: {}", e.message()));
                return None;
            }
        };
        let reading = if notes.is_empty() {
            // Within the limits: the reading of the whole text is the classification's.
            self.read();
            &mut self.bufs.reading
        } else {
            let cut = &mut self.bufs.cut;
            with_parts(t, ti, |parts| cut.read(pack, parts, self.fields, false));
            cut
        };
        let r = reading.rule(pack, self.fields, false);
        let labels = (0..pack.dimensions.len())
            .map(|di| {
                r.ruling
                    .labels
                    .of(di)
                    .map(|(li, _, fired)| (li, fired.is_empty()))
                    .collect()
            })
            .collect();
        Some(Class {
            labels,
            assigned: r.ruling.labels.assigned.clone(),
            severity: r.ruling.severity,
            factors: r.ruling.factors.to_vec(),
            probabilities: r.ctx.models.to_vec(),
        })
    }

    /// Does condition `ci` of the pack's trigger policies hold for the input?
    pub fn holds(&mut self, ci: usize) -> bool {
        let engine = self.engine;
        let Some(Some(cond)) = engine.compiled().policy_conditions.get(ci) else {
            return false;
        };
        if cond.reads_decision() {
            self.classify();
        }
        if cond.reads_decision_fields() && self.with_decision.is_none() {
            let decision = decision_value(engine, self.class.as_ref().and_then(Option::as_ref));
            let mut m = match self.fields {
                Value::Object(m) => m.clone(),
                _ => Map::new(),
            };
            m.insert("decision".into(), decision);
            self.with_decision = Some(Value::Object(m));
        }
        self.read();
        let input = match &self.with_decision {
            Some(v) if cond.reads_decision_fields() => v,
            _ => self.fields,
        };
        let (assigned, models) = match &self.class {
            Some(Some(c)) => (c.assigned.as_slice(), c.probabilities.as_slice()),
            _ => (&[][..], &[][..]),
        };
        let ctx = crate::condition::Ctx {
            assigned,
            models,
            ..self.bufs.reading.ctx(engine.compiled(), input)
        };
        cond.holds(&ctx)
    }

    /// Pain labels (non-fallback labels of the pain dimensions and their ancestors), packed
    /// `dimension << 16 | label`, and whether the text was classified.
    pub fn pain(&mut self, dims: &[usize]) -> (Box<[u32]>, bool) {
        if self.pain.is_none() {
            let mut out: Vec<u32> = Vec::new();
            if !dims.is_empty() {
                let pack = self.engine.compiled();
                if let Some(c) = self.classify() {
                    for &di in dims {
                        let (Some(labels), Some(def)) = (c.labels.get(di), pack.dimensions.get(di))
                        else {
                            continue;
                        };
                        for &(li, _) in labels.iter().filter(|(_, fallback)| !fallback) {
                            // The label and its ancestors: a child (crash after an update) also
                            // counts for its parent (crash), as `label` conditions do.
                            let mut cur = Some(li);
                            let mut steps = 0;
                            while let Some(l) = cur {
                                // Packed in 16 + 16 bits; a pack beyond that is not summarised.
                                if let (Ok(d), Ok(l16)) = (u16::try_from(di), u16::try_from(l)) {
                                    let packed = (u32::from(d) << 16) | u32::from(l16);
                                    if !out.contains(&packed) {
                                        out.push(packed);
                                    }
                                }
                                steps += 1;
                                if steps > def.labels.len() {
                                    break;
                                }
                                cur = def.labels.get(l).and_then(|x| x.parent);
                            }
                        }
                    }
                }
            }
            self.pain = Some(out.into_boxed_slice());
        }
        (self.pain.clone().unwrap_or_default(), self.classified())
    }

    /// Write the group key (`len:value` per field, unambiguous) into `key`; false when a field
    /// is missing (the input is then not counted by the policy).
    pub fn group_into(&mut self, policy: &PolicyDef, key: &mut String) -> bool {
        key.clear();
        for g in &policy.group_by {
            match g {
                GroupField::Field { segments, .. } => {
                    let mut cur = self.fields;
                    for s in segments {
                        let next = match cur {
                            Value::Object(m) => m.get(s),
                            Value::Array(a) => s.parse::<usize>().ok().and_then(|i| a.get(i)),
                            _ => None,
                        };
                        match next {
                            Some(v) => cur = v,
                            None => return false,
                        }
                    }
                    match cur {
                        Value::String(s) => push_part(key, s),
                        Value::Number(n) => push_part(key, &crate::json::number_text(n)),
                        Value::Bool(b) => push_part(key, if *b { "true" } else { "false" }),
                        _ => return false,
                    }
                }
                GroupField::Label { dim, .. } => {
                    let engine = self.engine;
                    let code = self
                        .classify()
                        .and_then(|c| c.labels.get(*dim))
                        .and_then(|ls| ls.first())
                        .and_then(|&(li, _)| engine.compiled().dimensions.get(*dim)?.labels.get(li))
                        .map(|l| l.code.as_str());
                    match code {
                        Some(c) => push_part(key, c),
                        None => return false,
                    }
                }
            }
        }
        true
    }
}

/// A caller's decision by index: its labels (codes the pack does not know are left out), its
/// level and factors.
fn class_of(engine: &Engine, d: &Decision) -> Class {
    let pack = engine.compiled();
    let mut labels = Vec::with_capacity(pack.dimensions.len());
    for (di, dim) in pack.dimensions.iter().enumerate() {
        let given = d
            .labels
            .0
            .iter()
            .find(|(id, _)| *id == dim.id)
            .or_else(|| d.labels.0.get(di));
        let list: Vec<(usize, bool)> = given
            .map(|(_, ls)| {
                ls.iter()
                    .filter_map(|l| {
                        let li = dim.labels.iter().position(|x| x.code == l.code)?;
                        Some((li, l.fallback))
                    })
                    .collect()
            })
            .unwrap_or_default();
        labels.push(list);
    }
    let severity = d.severity.as_ref().map(|s| Scored {
        level: pack
            .levels
            .iter()
            .position(|l| l.id == s.level)
            .unwrap_or(usize::MAX),
        points: s.points,
    });
    let factors = d
        .severity
        .iter()
        .flat_map(|s| &s.factors)
        .filter_map(|f| pack.factors.iter().position(|x| x.id == f.id))
        .collect();
    Class {
        factors,
        assigned: labels
            .iter()
            .map(|ls| ls.iter().map(|&(li, _)| li).collect())
            .collect(),
        labels,
        severity,
        // A caller's decision carries no model probabilities: `model` conditions read 0.
        probabilities: Vec::new(),
    }
}

/// `decision` as conditions see it: `labels.<dim>` (codes), `level`, `points`, `factors` (ids);
/// null when the input was not classified.
fn decision_value(engine: &Engine, c: Option<&Class>) -> Value {
    let Some(c) = c else {
        return Value::Null;
    };
    let pack = engine.compiled();
    let mut labels = Map::new();
    for (dim, ls) in pack.dimensions.iter().zip(&c.labels) {
        let codes = ls
            .iter()
            .filter_map(|&(li, _)| dim.labels.get(li))
            .map(|l| Value::from(l.code.as_str()))
            .collect();
        labels.insert(dim.id.clone(), Value::Array(codes));
    }
    let (level, points, factors) = match &c.severity {
        Some(s) => (
            pack.levels
                .get(s.level)
                .map_or(Value::Null, |l| Value::from(l.id.as_str())),
            Value::from(s.points),
            Value::Array(
                c.factors
                    .iter()
                    .filter_map(|&fi| pack.factors.get(fi))
                    .map(|f| Value::from(f.id.as_str()))
                    .collect(),
            ),
        ),
        None => (Value::Null, Value::Null, Value::Array(Vec::new())),
    };
    json!({"labels": labels, "level": level, "points": points, "factors": factors})
}
