//! The `label` kind — `{"label": {"dimension": "business", "code": "B03"}}`: that label, or a
//! descendant of it, was assigned on an earlier dimension (in severity, triggers and tests: on any
//! dimension). Dimensions are evaluated in pack order, so a label condition never looks ahead.

use super::{At, Bounds, Build, Ctx, RawEvidence, Reader, Scope};
use crate::codec::{Reader as Bytes, Res, Writer};
use crate::error::pointer;
use serde_json::Value;
use std::sync::Arc;

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
    /// The dimension's label tree walked depth first: a label matches when its place in the
    /// walk lies within the target's subtree, `[from, to)`.
    tour: Arc<Tour>,
    from: u32,
    to: u32,
}

/// One dimension's labels in depth-first order: each label's place (`u32::MAX` for a label no
/// root reaches, which only a rejected pack has) and the end of its subtree. Built once per
/// dimension, so that "this label or a descendant" is two comparisons (walking every label's
/// ancestors, each looked up by a search of the list, was cubic in a deep hierarchy).
#[derive(Debug, Default)]
pub(crate) struct Tour {
    place: Vec<u32>,
    end: Vec<u32>,
    by_code: std::collections::HashMap<String, usize>,
}

impl Tour {
    pub(crate) fn of(labels: &[(String, Option<String>)]) -> Tour {
        let mut by_code = std::collections::HashMap::with_capacity(labels.len());
        for (i, (code, _)) in labels.iter().enumerate() {
            by_code.entry(code.clone()).or_insert(i);
        }
        let mut children: Vec<Vec<usize>> = vec![Vec::new(); labels.len()];
        let mut roots = Vec::new();
        for (i, (_, parent)) in labels.iter().enumerate() {
            match parent.as_deref().and_then(|p| by_code.get(p)) {
                Some(&p) if p != i => {
                    if let Some(c) = children.get_mut(p) {
                        c.push(i);
                    }
                }
                _ => roots.push(i),
            }
        }
        let mut place = vec![u32::MAX; labels.len()];
        let mut end = vec![0u32; labels.len()];
        let mut next = 0u32;
        // Iterative depth-first walk: (label, children visited so far).
        let mut stack: Vec<(usize, usize)> = Vec::new();
        for root in roots {
            stack.push((root, 0));
            if let Some(p) = place.get_mut(root) {
                *p = next;
            }
            next += 1;
            while let Some(&mut (l, ref mut k)) = stack.last_mut() {
                match children.get(l).and_then(|c| c.get(*k)).copied() {
                    Some(child) if place.get(child) == Some(&u32::MAX) => {
                        *k += 1;
                        if let Some(p) = place.get_mut(child) {
                            *p = next;
                        }
                        next += 1;
                        stack.push((child, 0));
                    }
                    Some(_) => *k += 1,
                    None => {
                        if let Some(e) = end.get_mut(l) {
                            *e = next;
                        }
                        stack.pop();
                    }
                }
            }
        }
        Tour {
            place,
            end,
            by_code,
        }
    }
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
    let tour = b.tour(dim);
    let (from, to) = match tour.by_code.get(&d.code) {
        Some(&i) => (
            tour.place.get(i).copied().unwrap_or(u32::MAX),
            tour.end.get(i).copied().unwrap_or(0),
        ),
        None => (u32::MAX, 0),
    };
    LabelCond {
        dim,
        code: d.code.clone(),
        tour,
        from,
        to,
    }
}

impl LabelCond {
    pub(super) fn write(&self, w: &mut Writer) {
        w.size(self.dim);
        w.str(&self.code);
    }

    /// Read a label condition: its dimension (one read before) and code; its place in the
    /// dimension's walk is found again, as when compiling.
    pub(super) fn load(r: &mut Bytes, b: &Bounds) -> Res<LabelCond> {
        let dim = r.index(b.tours.len(), "dimension")?;
        let code = r.str()?;
        let Some(tour) = b.tours.get(dim).cloned() else {
            return Err(r.corrupt("label condition on an unknown dimension"));
        };
        let Some(&i) = tour.by_code.get(&code) else {
            return Err(r.corrupt(format!("label condition on an unknown label \"{code}\"")));
        };
        let (from, to) = (
            tour.place.get(i).copied().unwrap_or(u32::MAX),
            tour.end.get(i).copied().unwrap_or(0),
        );
        Ok(LabelCond {
            dim,
            code,
            tour,
            from,
            to,
        })
    }

    pub(super) fn holds(&self, ctx: &Ctx) -> bool {
        ctx.assigned.get(self.dim).is_some_and(|a| {
            a.iter().any(|&l| {
                self.tour
                    .place
                    .get(l)
                    .is_some_and(|&p| self.from <= p && p < self.to)
            })
        })
    }

    pub(super) fn evidence(&self, out: &mut Vec<RawEvidence>) {
        out.push(RawEvidence::Label {
            dim: self.dim,
            code: self.code.clone(),
        });
    }
}
