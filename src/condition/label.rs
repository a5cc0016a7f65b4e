//! The `label` kind — `{"label": {"dimension": "business", "code": "B03"}}`: that label, or a
//! descendant of it, was assigned on an earlier dimension (in severity, triggers and tests: on any
//! dimension). Dimensions are evaluated in pack order, so a label condition never looks ahead.

use super::{At, Bounds, Build, Ctx, RawEvidence, Reader, Scope};
use crate::codec::{Reader as Bytes, Res, Writer};
use crate::error::pointer;
use serde_json::Value;

/// `label` as written.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LabelDef {
    /// Dimension id.
    pub dimension: String,
    /// Label code.
    pub code: String,
}

/// `label` compiled.
#[derive(Debug, Clone)]
pub(crate) struct LabelCond {
    /// Dimension index.
    dim: usize,
    /// The code as written (for evidence).
    code: String,
    /// Indices of the label and its descendants.
    matching: Vec<usize>,
}

pub(super) fn read(r: &mut Reader, body: &Value, at: &At) -> Option<LabelDef> {
    let bp = at.body;
    let lm = r.c.object(body, bp, &["dimension", "code"])?;
    let dimension = r.c.nonempty_string(lm, "dimension", bp)?;
    let code = r.c.nonempty_string(lm, "code", bp)?;
    let limit = match at.scope {
        Scope::Dimension(n) => n,
        Scope::All => r.dims.len(),
    };
    let later = || {
        format!("dimension \"{dimension}\" is not evaluated before this one: a label condition may only name an earlier dimension")
    };
    match r.dims.iter().position(|(id, _)| *id == dimension) {
        Some(i) if i < limit => {
            if !r
                .dims
                .get(i)
                .is_some_and(|(_, codes)| codes.contains(&code))
            {
                r.c.error(
                    &pointer(bp, "code"),
                    format!("dimension \"{dimension}\" has no label \"{code}\""),
                );
            }
        }
        Some(_) => r.c.error(&pointer(bp, "dimension"), later()),
        None => {
            let message = if r.all_dims.contains(&dimension) {
                later()
            } else {
                format!("unknown dimension \"{dimension}\"")
            };
            r.c.error(&pointer(bp, "dimension"), message);
        }
    }
    Some(LabelDef { dimension, code })
}

pub(super) fn compile(b: &mut Build, d: &LabelDef) -> LabelCond {
    let dim = b
        .dims
        .iter()
        .position(|t| t.id == d.dimension)
        .unwrap_or(usize::MAX);
    let mut matching = Vec::new();
    if let Some(labels) = b.dims.get(dim).map(|t| &t.labels) {
        // A label matches when it is the target or has it as an ancestor.
        for (i, (code, _)) in labels.iter().enumerate() {
            let mut cur = Some(code.as_str());
            let mut steps = 0;
            while let Some(c) = cur {
                if c == d.code {
                    matching.push(i);
                    break;
                }
                steps += 1;
                if steps > labels.len() {
                    break;
                }
                cur = labels
                    .iter()
                    .find(|(x, _)| x == c)
                    .and_then(|(_, parent)| parent.as_deref());
            }
        }
    }
    LabelCond {
        dim,
        code: d.code.clone(),
        matching,
    }
}

impl LabelCond {
    pub(super) fn write(&self, w: &mut Writer) {
        w.size(self.dim);
        w.str(&self.code);
        w.list(&self.matching, |w, &l| w.size(l));
    }

    pub(super) fn load(r: &mut Bytes, b: &Bounds) -> Res<LabelCond> {
        let dim = r.index(b.labels.len(), "dimension")?;
        let code = r.str()?;
        let labels = b.labels.get(dim).copied().unwrap_or(0);
        let matching = r.list(1, |r| r.index(labels, "label"))?;
        Ok(LabelCond {
            dim,
            code,
            matching,
        })
    }

    pub(super) fn holds(&self, ctx: &Ctx) -> bool {
        ctx.assigned
            .get(self.dim)
            .is_some_and(|a| a.iter().any(|l| self.matching.contains(l)))
    }

    pub(super) fn evidence(&self, out: &mut Vec<RawEvidence>) {
        out.push(RawEvidence::Label {
            dim: self.dim,
            code: self.code.clone(),
        });
    }
}
