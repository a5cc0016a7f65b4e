//! The combinators — `all`, `any`, `not` and `at_least` (`{"at_least": {"n": 2, "of": [...]}}`):
//! conditions made of conditions, nested up to [`super::MAX_DEPTH`] levels. Evidence is that of
//! the parts that hold (none for `not`).

use super::{not_a_list, read as read_cond, At, Build, CondDef, Condition, Ctx, RawEvidence};
use super::{Reader, TermId};
use crate::error::pointer;
use serde_json::Value;

pub(super) fn read(r: &mut Reader, kind: &str, body: &Value, at: &At) -> Option<CondDef> {
    let bp = at.body;
    let inner = at.depth + 1;
    match kind {
        "all" | "any" => {
            let Value::Array(items) = body else {
                not_a_list(r, body, bp);
                return None;
            };
            if items.is_empty() {
                r.c.error(bp, "empty list of conditions");
            }
            let mut out = Vec::new();
            let mut ok = true;
            for (i, it) in items.iter().enumerate() {
                match read_cond(r, it, &pointer(bp, i), at.scope, inner) {
                    Some(c) => out.push(c),
                    None => ok = false,
                }
            }
            if !ok {
                return None;
            }
            Some(if kind == "all" {
                CondDef::All(out)
            } else {
                CondDef::Any(out)
            })
        }
        "not" => Some(CondDef::Not(Box::new(read_cond(
            r, body, bp, at.scope, inner,
        )?))),
        _ => {
            let am = r.c.object(body, bp, &["n", "of"])?;
            let n = r.c.count(am, "n", bp, 10_000);
            if n.is_none() && !am.contains_key("n") {
                r.c.error(bp, "missing required key \"n\"");
            }
            let Some(Value::Array(items)) = am.get("of") else {
                r.c.error(&pointer(bp, "of"), "expected an array of conditions");
                return None;
            };
            let mut out = Vec::new();
            let mut ok = true;
            for (i, it) in items.iter().enumerate() {
                match read_cond(r, it, &pointer(&pointer(bp, "of"), i), at.scope, inner) {
                    Some(c) => out.push(c),
                    None => ok = false,
                }
            }
            let n = n? as usize;
            if n == 0 || n > out.len() {
                r.c.error(
                    &pointer(bp, "n"),
                    format!(
                        "n must be between 1 and the number of conditions ({})",
                        out.len()
                    ),
                );
                return None;
            }
            ok.then_some(CondDef::AtLeast { n, of: out })
        }
    }
}

pub(super) fn compile(b: &mut Build, c: &CondDef, path: &str) -> Condition {
    let list = |b: &mut Build, cs: &[CondDef], at: &str| -> Vec<Condition> {
        cs.iter()
            .enumerate()
            .map(|(i, c)| b.condition(c, &format!("{at}/{i}")))
            .collect()
    };
    match c {
        CondDef::All(cs) => Condition::All(list(b, cs, &format!("{path}/all"))),
        CondDef::Any(cs) => Condition::Any(list(b, cs, &format!("{path}/any"))),
        CondDef::Not(c) => Condition::Not(Box::new(b.condition(c, &format!("{path}/not")))),
        CondDef::AtLeast { n, of } => Condition::AtLeast {
            n: *n,
            of: list(b, of, &format!("{path}/at_least/of")),
        },
        // Not a combinator: compiled by its own kind.
        other => b.condition(other, path),
    }
}

/// `all`: every part holds.
#[inline]
pub(super) fn all(cs: &[Condition], ctx: &Ctx) -> bool {
    cs.iter().all(|c| c.holds(ctx))
}

/// `any`: some part holds.
#[inline]
pub(super) fn any(cs: &[Condition], ctx: &Ctx) -> bool {
    cs.iter().any(|c| c.holds(ctx))
}

/// `at_least`: at least `n` parts hold (counting stops at `n`).
#[inline]
pub(super) fn at_least(n: usize, of: &[Condition], ctx: &Ctx) -> bool {
    of.iter().filter(|c| c.holds(ctx)).take(n).count() >= n
}

/// Evidence of `any` and `at_least`: that of the parts that hold.
pub(super) fn evidence_of_holding(
    cs: &[Condition],
    ctx: &Ctx,
    out: &mut Vec<RawEvidence>,
    max: usize,
) {
    for c in cs {
        if c.holds(ctx) {
            c.evidence(ctx, out, max);
        }
    }
}

pub(super) fn need_terms(c: &Condition) -> Option<Vec<TermId>> {
    match c {
        Condition::All(cs) => cs.iter().find_map(Condition::need_terms),
        Condition::AtLeast { n: 0, .. } | Condition::Not(_) => None,
        Condition::Any(cs) | Condition::AtLeast { of: cs, .. } => {
            let mut all = Vec::new();
            for c in cs {
                all.extend(c.need_terms()?);
            }
            crate::sort::sort(&mut all);
            all.dedup();
            Some(all)
        }
        other => other.need_terms(),
    }
}
