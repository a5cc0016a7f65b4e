//! What `wendu review ARG` reads: the copy itself, a file, or standard input — and whether the
//! content is JSON Lines (one piece per line) or one piece.

use std::path::Path;

/// What the command reads.
#[derive(Debug, PartialEq)]
pub enum Input {
    /// One piece of copy given on the command line.
    Literal(String),
    /// A file (its whole content is one piece, unless it is JSON Lines).
    File(std::path::PathBuf),
    /// Standard input.
    Stdin,
}

/// Decide what `wendu review ARG` means: `-` or nothing is stdin, an existing path is a file,
/// anything that looks like a path but does not exist is an error (a mistyped file name must
/// not be reviewed as copy), anything else is the copy itself.
pub fn parse_input(arg: Option<&str>) -> Result<Input, String> {
    let Some(arg) = arg else {
        return Ok(Input::Stdin);
    };
    if arg == "-" {
        return Ok(Input::Stdin);
    }
    if arg.trim().is_empty() {
        return Err("the copy to review is empty".into());
    }
    let p = Path::new(arg);
    if p.is_file() {
        return Ok(Input::File(p.to_path_buf()));
    }
    if p.is_dir() {
        return Err(format!("{arg} is a directory, not a file of copy"));
    }
    let ascii_only = arg.is_ascii();
    let looks_like_path = !arg.chars().any(char::is_whitespace)
        && (arg.contains('/')
            || arg.contains('\\')
            || (ascii_only
                && [".txt", ".jsonl", ".json", ".md", ".csv"]
                    .iter()
                    .any(|ext| arg.to_ascii_lowercase().ends_with(ext))));
    if looks_like_path && ascii_only {
        return Err(format!("cannot open {arg}: no such file"));
    }
    Ok(Input::Literal(arg.to_string()))
}

/// JSON Lines when the file is named `.jsonl` or the content starts with `{`.
pub(super) fn is_jsonl(name: Option<&Path>, content: &str) -> bool {
    name.and_then(|p| p.extension())
        .is_some_and(|e| e.eq_ignore_ascii_case("jsonl"))
        || content.trim_start().starts_with('{')
}
