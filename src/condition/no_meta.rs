//! Stand-ins for the `regex` crate in a build without the `json-packs` feature (the lean module,
//! which loads only compiled packs whose regexes are stored as DFAs). The types are
//! uninhabited: no value of them can exist, so every path that would compile a regex or search
//! with the `regex` crate is statically unreachable, and the optimiser drops it together with
//! the crate, `regex-syntax` and the DFA builder. Building one always fails, saying why.

use std::fmt;

/// Why no regex can be compiled here.
#[derive(Debug, Clone)]
pub(crate) struct Error;

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("this build of wendu has no regex compiler (built without the `json-packs` feature): compile the pack where it has one")
    }
}

/// A compiled regex: none can exist in this build.
#[derive(Debug, Clone)]
pub(crate) enum Regex {}

/// A match: never produced in this build.
pub(crate) struct Match(usize, usize);

impl Match {
    pub fn start(&self) -> usize {
        self.0
    }
    pub fn end(&self) -> usize {
        self.1
    }
}

impl Regex {
    pub fn new(_: &str) -> Result<Regex, Error> {
        Err(Error)
    }
    pub fn as_str(&self) -> &str {
        match *self {}
    }
    pub fn is_match(&self, _: &str) -> bool {
        match *self {}
    }
    pub fn find_iter(&self, _: &str) -> std::iter::Empty<Match> {
        match *self {}
    }
}

/// Builds nothing in this build.
pub(crate) struct RegexBuilder;

impl RegexBuilder {
    pub fn new(_: &str) -> RegexBuilder {
        RegexBuilder
    }
    pub fn size_limit(&mut self, _: usize) -> &mut RegexBuilder {
        self
    }
    pub fn build(&self) -> Result<Regex, Error> {
        Err(Error)
    }
}

/// A set of regexes: none can exist in this build.
#[derive(Debug, Clone)]
pub(crate) enum RegexSet {}

impl RegexSet {
    pub fn len(&self) -> usize {
        match *self {}
    }
    pub fn matches(&self, _: &str) -> SetMatches {
        match *self {}
    }
}

/// Which regexes of a set matched: never produced in this build.
pub(crate) struct SetMatches;

impl SetMatches {
    pub fn iter(&self) -> std::iter::Empty<usize> {
        std::iter::empty()
    }
}

/// Builds nothing in this build.
pub(crate) struct RegexSetBuilder;

impl RegexSetBuilder {
    pub fn new<I: IntoIterator<Item = S>, S: AsRef<str>>(_: I) -> RegexSetBuilder {
        RegexSetBuilder
    }
    pub fn size_limit(&mut self, _: usize) -> &mut RegexSetBuilder {
        self
    }
    pub fn dfa_size_limit(&mut self, _: usize) -> &mut RegexSetBuilder {
        self
    }
    pub fn build(&self) -> Result<RegexSet, Error> {
        Err(Error)
    }
}
