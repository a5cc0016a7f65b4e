//! Beside the flow, under every step: reading untrusted JSON (packs, complaints, events,
//! snapshots) while collecting every [`Problem`] with its JSON pointer instead of stopping at the
//! first, and writing numbers the same way on every runtime ([`Num`]).

use crate::error::{pointer, Problem};
use serde::{Serialize, Serializer};
use serde_json::{Map, Value};

/// A number written the same way on every runtime: whole numbers without a fraction, others
/// rounded to at most 4 decimals (shortest round-trip form); not finite → null.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Num(pub f64);

impl Serialize for Num {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let x = (self.0 * 10_000.0).round() / 10_000.0;
        if x.fract() == 0.0 && x.abs() < 9.0e15 {
            s.serialize_i64(x as i64)
        } else if x.is_finite() {
            s.serialize_f64(x)
        } else {
            s.serialize_none()
        }
    }
}

/// Collects problems while a JSON document is read.
#[derive(Debug, Default)]
pub struct Checker {
    /// Everything found so far, in document order.
    pub problems: Vec<Problem>,
}

/// The JSON type name used in messages.
pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

impl Checker {
    /// Record an error.
    pub fn error(&mut self, path: &str, message: impl Into<String>) {
        self.problems.push(Problem::error(path, message));
    }
    /// Record a warning.
    pub fn warning(&mut self, path: &str, message: impl Into<String>) {
        self.problems.push(Problem::warning(path, message));
    }
    /// True when an error (not a warning) has been recorded.
    pub fn has_errors(&self) -> bool {
        self.problems.iter().any(|p| p.is_error())
    }

    /// `v` must be an object whose keys are all in `allowed`; unknown keys are errors
    /// (a typo must not pass silently) and get a "did you mean" hint when one is close.
    pub fn object<'a>(
        &mut self,
        v: &'a Value,
        path: &str,
        allowed: &[&str],
    ) -> Option<&'a Map<String, Value>> {
        match v {
            Value::Object(m) => {
                for k in m.keys() {
                    if !allowed.contains(&k.as_str()) {
                        let hint = closest(k, allowed)
                            .map(|c| format!(" (did you mean \"{c}\"?)"))
                            .unwrap_or_default();
                        self.error(
                            &pointer(path, k),
                            format!(
                                "unknown key \"{k}\"{hint}; allowed here: {}",
                                allowed.join(", ")
                            ),
                        );
                    }
                }
                Some(m)
            }
            other => {
                self.error(
                    path,
                    format!("expected an object, found {}", type_name(other)),
                );
                None
            }
        }
    }

    /// A required or optional string member.
    pub fn string(
        &mut self,
        m: &Map<String, Value>,
        key: &str,
        path: &str,
        required: bool,
    ) -> Option<String> {
        match m.get(key) {
            None | Some(Value::Null) if !required => None,
            None | Some(Value::Null) => {
                self.error(path, format!("missing required key \"{key}\""));
                None
            }
            Some(Value::String(s)) => Some(s.clone()),
            Some(other) => {
                self.error(
                    &pointer(path, key),
                    format!("expected a string, found {}", type_name(other)),
                );
                None
            }
        }
    }

    /// A required non-empty string.
    pub fn nonempty_string(
        &mut self,
        m: &Map<String, Value>,
        key: &str,
        path: &str,
    ) -> Option<String> {
        let s = self.string(m, key, path, true)?;
        if s.trim().is_empty() {
            self.error(&pointer(path, key), "must not be empty");
            return None;
        }
        Some(s)
    }

    /// An optional boolean member.
    pub fn boolean(&mut self, m: &Map<String, Value>, key: &str, path: &str) -> Option<bool> {
        match m.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::Bool(b)) => Some(*b),
            Some(other) => {
                self.error(
                    &pointer(path, key),
                    format!("expected true or false, found {}", type_name(other)),
                );
                None
            }
        }
    }

    /// An optional finite number member.
    pub fn number(&mut self, m: &Map<String, Value>, key: &str, path: &str) -> Option<f64> {
        match m.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::Number(n)) => match n.as_f64() {
                Some(f) if f.is_finite() => Some(f),
                _ => {
                    self.error(&pointer(path, key), "number out of range");
                    None
                }
            },
            Some(other) => {
                self.error(
                    &pointer(path, key),
                    format!("expected a number, found {}", type_name(other)),
                );
                None
            }
        }
    }

    /// An optional number member that must lie in `[min, max]`.
    pub fn number_in(
        &mut self,
        m: &Map<String, Value>,
        key: &str,
        path: &str,
        min: f64,
        max: f64,
    ) -> Option<f64> {
        let n = self.number(m, key, path)?;
        if n < min || n > max {
            self.error(
                &pointer(path, key),
                format!("must be between {min} and {max}, found {n}"),
            );
            return None;
        }
        Some(n)
    }

    /// An optional non-negative integer member no larger than `max`.
    pub fn count(
        &mut self,
        m: &Map<String, Value>,
        key: &str,
        path: &str,
        max: u64,
    ) -> Option<u64> {
        match m.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::Number(n)) => match n.as_u64() {
                Some(u) if u <= max => Some(u),
                _ => {
                    self.error(
                        &pointer(path, key),
                        format!("expected a whole number from 0 to {max}, found {n}"),
                    );
                    None
                }
            },
            Some(other) => {
                self.error(
                    &pointer(path, key),
                    format!("expected a whole number, found {}", type_name(other)),
                );
                None
            }
        }
    }

    /// An optional array of strings.
    pub fn strings(
        &mut self,
        m: &Map<String, Value>,
        key: &str,
        path: &str,
    ) -> Option<Vec<String>> {
        let v = m.get(key)?;
        self.string_list(v, &pointer(path, key))
    }

    /// `v` must be an array of strings.
    pub fn string_list(&mut self, v: &Value, path: &str) -> Option<Vec<String>> {
        match v {
            Value::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                let mut ok = true;
                for (i, item) in items.iter().enumerate() {
                    match item {
                        Value::String(s) => out.push(s.clone()),
                        other => {
                            ok = false;
                            self.error(
                                &pointer(path, i),
                                format!("expected a string, found {}", type_name(other)),
                            );
                        }
                    }
                }
                ok.then_some(out)
            }
            other => {
                self.error(
                    path,
                    format!("expected an array of strings, found {}", type_name(other)),
                );
                None
            }
        }
    }
}

/// The allowed key closest to `k` by edit distance, when it is close enough to be a typo.
fn closest<'a>(k: &str, allowed: &[&'a str]) -> Option<&'a str> {
    allowed
        .iter()
        .map(|a| (edit_distance(k, a), *a))
        .filter(|(d, a)| *d <= 2.max(a.len() / 4))
        .min_by_key(|(d, _)| *d)
        .map(|(_, a)| a)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// Parse JSON text, turning a syntax error into a problem with line and column.
pub fn parse_json(text: &str) -> Result<Value, Problem> {
    serde_json::from_str(text).map_err(|e| {
        Problem::error(
            "",
            format!(
                "malformed JSON at line {}, column {}: {}",
                e.line(),
                e.column(),
                e
            ),
        )
    })
}

/// Lone UTF-16 surrogates replaced while reading JSON, by the JSON pointer of the string that
/// held them, in document order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Replaced(pub Vec<(String, usize)>);

impl Replaced {
    /// The remark a decision or verdict carries for the replacements under `prefix` (the pointer
    /// of one batch item, or `""`): one line per string, its pointer relative to `prefix`.
    pub fn warnings(&self, prefix: &str) -> Vec<String> {
        self.0
            .iter()
            .filter_map(|(path, n)| {
                let rest = path.strip_prefix(prefix)?;
                if !(rest.is_empty() || rest.starts_with('/')) {
                    return None;
                }
                let what = if *n == 1 {
                    "1 lone UTF-16 surrogate (half of a character, e.g. an emoji cut in two) was"
                        .to_string()
                } else {
                    format!("{n} lone UTF-16 surrogates (halves of characters, e.g. emoji cut in two) were")
                };
                let at = if rest.is_empty() { "/" } else { rest };
                Some(format!("{at}: {what} replaced by U+FFFD"))
            })
            .collect()
    }
}

/// [`parse_json`], also accepting strings that hold a lone UTF-16 surrogate escape (`"\ud83d"`,
/// what JavaScript's `JSON.stringify` writes for a string cut in the middle of an emoji, and
/// Java writers too): each is read as U+FFFD, the replacement character — what the same text
/// becomes when it crosses into WebAssembly as a string — and reported by pointer, so that
/// callers can say what was replaced. Valid JSON takes the fast path unchanged.
pub fn parse_json_lossy(text: &str) -> Result<(Value, Replaced), Problem> {
    match serde_json::from_str(text) {
        Ok(v) => Ok((v, Replaced::default())),
        Err(e) => {
            let problem = || {
                Problem::error(
                    "",
                    format!(
                        "malformed JSON at line {}, column {}: {}",
                        e.line(),
                        e.column(),
                        e
                    ),
                )
            };
            // Only a text with a surrogate escape can be repaired.
            if !text.contains("\\u") {
                return Err(problem());
            }
            let Some((fixed, replaced)) = repair_surrogates(text) else {
                return Err(problem());
            };
            serde_json::from_str(&fixed)
                .map(|v| (v, replaced))
                .map_err(|_| problem())
        }
    }
}

/// One open container while [`repair_surrogates`] walks a JSON text.
enum Frame {
    /// An object: the key of the member being read (None while a key is expected).
    Object(Option<String>),
    /// An array: the index of the element being read.
    Array(usize),
}

/// The text with every lone surrogate escape inside a string replaced by `\ufffd`, and where
/// (None when there was none). A light walk over the text: strings, escapes, containers, keys
/// and indices — enough to name each string by its pointer; anything malformed is left for the
/// parser to report.
fn repair_surrogates(text: &str) -> Option<(String, Replaced)> {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut replaced: Vec<(String, usize)> = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut copied = 0;
    let mut i = 0;
    let hex4 = |at: usize| -> Option<u32> {
        let h = text.get(at..at + 4)?;
        if !h.bytes().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        u32::from_str_radix(h, 16).ok()
    };
    let pointer_of = |stack: &[Frame]| -> String {
        let mut p = String::new();
        for f in stack {
            match f {
                Frame::Object(Some(k)) => p = crate::error::pointer(&p, k),
                Frame::Object(None) => {}
                Frame::Array(n) => p = crate::error::pointer(&p, n),
            }
        }
        p
    };
    while let Some(&c) = b.get(i) {
        match c {
            b'{' => {
                stack.push(Frame::Object(None));
                i += 1;
            }
            b'[' => {
                stack.push(Frame::Array(0));
                i += 1;
            }
            b'}' | b']' => {
                stack.pop();
                i += 1;
            }
            b',' => {
                match stack.last_mut() {
                    Some(Frame::Object(k)) => *k = None,
                    Some(Frame::Array(n)) => *n += 1,
                    None => {}
                }
                i += 1;
            }
            b'"' => {
                let is_key = matches!(stack.last(), Some(Frame::Object(None)));
                let start = i + 1;
                let mut j = start;
                let mut lone = 0usize;
                while let Some(&d) = b.get(j) {
                    match d {
                        b'"' => break,
                        b'\\' if b.get(j + 1) == Some(&b'u') => {
                            let Some(u) = hex4(j + 2) else {
                                j += 2;
                                continue;
                            };
                            let pair = (0xD800..0xDC00).contains(&u)
                                && b.get(j + 6) == Some(&b'\\')
                                && b.get(j + 7) == Some(&b'u')
                                && hex4(j + 8).is_some_and(|l| (0xDC00..0xE000).contains(&l));
                            if pair {
                                j += 12;
                            } else if (0xD800..0xE000).contains(&u) {
                                out.push_str(text.get(copied..j)?);
                                out.push_str("\\ufffd");
                                copied = j + 6;
                                lone += 1;
                                j += 6;
                            } else {
                                j += 6;
                            }
                        }
                        b'\\' => j += 2,
                        _ => j += 1,
                    }
                }
                if is_key {
                    let key = text.get(start..j.min(b.len())).unwrap_or("").to_string();
                    if let Some(Frame::Object(k)) = stack.last_mut() {
                        *k = Some(key);
                    }
                } else if lone > 0 {
                    replaced.push((pointer_of(&stack), lone));
                }
                i = j + 1;
            }
            _ => i += 1,
        }
    }
    if replaced.is_empty() {
        return None;
    }
    out.push_str(text.get(copied..)?);
    Some((out, Replaced(replaced)))
}

/// A JSON number as text the same way on every runtime: a whole number below 2^53 written as a
/// float (`5.0`, which a Rust caller may send) reads as `5`, as JavaScript would send it. Used for
/// ids and group keys taken from numbers.
pub fn number_text(n: &serde_json::Number) -> String {
    match n.as_f64() {
        Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 9_007_199_254_740_992.0 => {
            format!("{}", f as i64)
        }
        _ => n.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unknown_keys_are_errors_with_hints() {
        let mut c = Checker::default();
        let v = json!({"dimensons": [], "pack": {}});
        c.object(&v, "", &["pack", "dimensions"]);
        assert_eq!(c.problems.len(), 1);
        assert_eq!(c.problems[0].path, "/dimensons");
        assert!(c.problems[0]
            .message
            .contains("did you mean \"dimensions\""));
    }

    #[test]
    fn malformed_json_reports_line_and_column() {
        let p = parse_json("{\n  \"a\": 1,\n  \"b\": \n}").unwrap_err();
        assert!(p.message.contains("line 4"), "{}", p.message);
    }

    #[test]
    fn pointer_escapes() {
        assert_eq!(pointer("/lexicon", "a/b~c"), "/lexicon/a~1b~0c");
    }
}
