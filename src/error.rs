//! The one error shape of wendu: every validation speaks [`Problem`] (a JSON pointer into the
//! input plus a message), and every API call fails with one [`Error`] enum whose `code()` is the
//! stable string the bindings hand to JavaScript and embedded hosts.

use serde::Serialize;

/// How bad a [`Problem`] is (its `severity` in JSON): errors stop a pack from loading, warnings
/// do not. (A problem's severity, not a complaint's: that is [`crate::decision::Severity`].)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ProblemKind {
    /// The input cannot be used.
    Error,
    /// The input works but is probably not what its author meant (or is slow).
    Warning,
}

/// One thing wrong with an input, located by a JSON pointer (RFC 6901) into that input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// JSON pointer, e.g. `/dimensions/2/labels/5/rules/0/when/regex`; `""` is the whole document.
    pub path: String,
    /// Human-readable explanation.
    pub message: String,
    /// Error or warning.
    pub severity: ProblemKind,
}

impl Problem {
    /// An error at `path`.
    pub fn error(path: impl Into<String>, message: impl Into<String>) -> Self {
        Problem {
            path: path.into(),
            message: message.into(),
            severity: ProblemKind::Error,
        }
    }
    /// A warning at `path`.
    pub fn warning(path: impl Into<String>, message: impl Into<String>) -> Self {
        Problem {
            path: path.into(),
            message: message.into(),
            severity: ProblemKind::Warning,
        }
    }
    /// True for [`ProblemKind::Error`].
    pub fn is_error(&self) -> bool {
        self.severity == ProblemKind::Error
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let path = if self.path.is_empty() {
            "/"
        } else {
            &self.path
        };
        let sev = match self.severity {
            ProblemKind::Error => "error",
            ProblemKind::Warning => "warning",
        };
        write!(f, "{sev} at {path}: {}", self.message)
    }
}

/// Every way a wendu call can fail, in every binding: the variants' codes are the `code` of the
/// error JSON, of JavaScript's `WenduError` and of the C ABI's error results.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// The rule pack is malformed or invalid (all problems, not only the first).
    InvalidPack(Vec<Problem>),
    /// A complaint, event, snapshot or option is malformed or invalid.
    InvalidInput(Vec<Problem>),
    /// A binding was given a handle that is unknown or was released (C ABI).
    InvalidHandle(String),
    /// A binding's object was used after it was released (JavaScript `free()`).
    Freed(String),
    /// A bug inside wendu (a panic, memory exhausted): the instance must be discarded.
    Internal(String),
}

impl Error {
    /// Stable machine-readable code: `invalid_pack`, `invalid_input`, `invalid_handle`,
    /// `freed` or `internal`.
    pub fn code(&self) -> &'static str {
        match self {
            Error::InvalidPack(_) => "invalid_pack",
            Error::InvalidInput(_) => "invalid_input",
            Error::InvalidHandle(_) => "invalid_handle",
            Error::Freed(_) => "freed",
            Error::Internal(_) => "internal",
        }
    }
    /// The problems behind this error (none for the binding errors).
    pub fn problems(&self) -> &[Problem] {
        match self {
            Error::InvalidPack(p) | Error::InvalidInput(p) => p,
            Error::InvalidHandle(_) | Error::Freed(_) | Error::Internal(_) => &[],
        }
    }
    /// One-line summary, e.g. `invalid pack: 3 problems; first: error at /pack/id: ...`.
    pub fn message(&self) -> String {
        let what = match self {
            Error::InvalidPack(_) => "invalid pack",
            Error::InvalidInput(_) => "invalid input",
            Error::InvalidHandle(m) | Error::Freed(m) | Error::Internal(m) => return m.clone(),
        };
        let errs: Vec<&Problem> = self.problems().iter().filter(|p| p.is_error()).collect();
        match errs.first() {
            None => what.to_string(),
            Some(first) if errs.len() == 1 => format!("{what}: {first}"),
            Some(first) => format!("{what}: {} problems; first: {first}", errs.len()),
        }
    }
    /// Serialise as `{"code":..,"message":..,"problems":[..]}` — the shape every binding uses.
    pub fn to_json(&self) -> String {
        #[derive(Serialize)]
        struct Out<'a> {
            code: &'a str,
            message: String,
            problems: &'a [Problem],
        }
        let out = Out {
            code: self.code(),
            message: self.message(),
            problems: self.problems(),
        };
        serde_json::to_string(&out).unwrap_or_else(|_| String::from("{\"code\":\"internal\"}"))
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for Error {}

/// Append one segment to a JSON pointer, escaping `~` and `/` as RFC 6901 requires.
pub fn pointer(base: &str, segment: impl std::fmt::Display) -> String {
    use std::fmt::Write;
    // One allocation in the common case: validation builds a pointer for every element of a
    // pack, error or not.
    let mut out = String::with_capacity(base.len() + 24);
    out.push_str(base);
    out.push('/');
    let start = out.len();
    // Writing into a String cannot fail.
    let _ = write!(out, "{segment}");
    if out.get(start..).is_some_and(|seg| seg.contains(['~', '/'])) {
        let seg = out.split_off(start);
        out.push_str(&seg.replace('~', "~0").replace('/', "~1"));
    }
    out
}
