//! The `regex` kind — `{"regex": "(?:逾期|延期)\\d+天"}`: the regex matches the normalised title or
//! text (never across the two; `^`/`$` anchor at a field's edges). Rust's `regex` crate: linear
//! time on any input. Evidence is every match, up to the pack's limit.

use super::{At, Build, Ctx, RawEvidence, Reader};
use crate::error::Problem;
use crate::json::type_name;
use regex::{Regex, RegexBuilder};
use serde_json::Value;

/// `regex` as written: its source.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RegexDef(pub String);

/// `regex` compiled: its index among the pack's distinct regexes.
#[derive(Debug, Clone)]
pub(crate) struct RegexCond(pub usize);

pub(super) fn read(r: &mut Reader, body: &Value, at: &At) -> Option<RegexDef> {
    let Value::String(s) = body else {
        r.c.error(
            at.body,
            format!("expected a string, found {}", type_name(body)),
        );
        return None;
    };
    if has_unicode_word_boundary(s) {
        r.c.warning(at.body, "Unicode \\b makes the regex engine fall back to a slow path on Chinese text (about 100x slower); use (?-u:\\b) or no boundary");
    }
    if !r.regexes.contains_key(s) {
        match RegexBuilder::new(s).size_limit(r.max_regex_bytes).build() {
            Ok(re) => {
                if re.is_match("") {
                    r.c.warning(
                        at.body,
                        "this regex matches the empty string, so it holds for every text",
                    );
                }
                r.regexes.insert(s.clone(), re);
            }
            Err(e) => {
                r.c.error(at.body, format!("invalid regex: {e}"));
                return None;
            }
        }
    }
    Some(RegexDef(s.clone()))
}

pub(super) fn compile(b: &mut Build, d: &RegexDef, path: &str) -> RegexCond {
    let src = &d.0;
    // One entry per distinct source: packs repeat regexes across labels.
    if let Some(&i) = b.regex_ids.get(src) {
        return RegexCond(i);
    }
    let i = b.regex_src.len();
    let re = match b.read_regexes.get(src) {
        Some(re) => Ok(re.clone()),
        None => RegexBuilder::new(src).size_limit(b.max_regex_bytes).build(),
    };
    match re {
        Ok(re) => {
            b.regexes.push(re);
            b.regex_src.push(src.clone());
            b.regex_ids.insert(src.clone(), i);
        }
        Err(e) => {
            b.problems.push(Problem::error(
                format!("{path}/regex"),
                format!("invalid regex: {e}"),
            ));
            // Keep indices aligned; the pack is rejected anyway.
            b.regex_src.push(String::from("$^"));
            if let Ok(re) = Regex::new("$^") {
                b.regexes.push(re);
            }
        }
    }
    RegexCond(i)
}

impl RegexCond {
    pub(super) fn holds(&self, ctx: &Ctx) -> bool {
        ctx.scan.regex_matched.get(self.0).copied().unwrap_or(false)
    }

    pub(super) fn evidence(&self, ctx: &Ctx, out: &mut Vec<RawEvidence>, max: usize) {
        let Some(re) = ctx.scanner.regexes.get(self.0) else {
            return;
        };
        for (offset, seg) in crate::scan::fields(ctx.text) {
            for m in re.find_iter(seg) {
                if out.len() >= max {
                    break;
                }
                if m.start() < m.end() {
                    out.push(RawEvidence::Regex {
                        start: (offset + m.start()) as u32,
                        end: (offset + m.end()) as u32,
                    });
                }
            }
        }
    }
}

/// True when a regex uses `\b` or `\B` outside a `(?-u:...)` group (heuristic, for a warning).
fn has_unicode_word_boundary(re: &str) -> bool {
    // Every boundary written as (?-u:\b) or (?-u:\B) is fine; so is a regex that turns Unicode off.
    let stripped = re.replace("(?-u:\\b)", "").replace("(?-u:\\B)", "");
    if stripped.contains("(?-u)") {
        return false;
    }
    let mut escaped = false;
    for c in stripped.chars() {
        if escaped {
            if c == 'b' || c == 'B' {
                return true;
            }
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        }
    }
    false
}
