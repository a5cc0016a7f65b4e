//! The two commands: `wendu review [INPUT]` (review each piece and write it as text or JSON;
//! a bad JSON line is reported and counted) and `wendu review --eval FILE` (read the labelled
//! set, score the pack on it, write the report).

use super::eval_set::read_eval;
use super::evaluate::evaluate;
use super::input::{is_jsonl, parse_input, Input};
use super::view::{check_pack, review};
use super::Style;
use std::io::{Read, Write};
use std::path::Path;
use std::process::ExitCode;
use wendu::{Complaint, Engine};

/// `wendu review [INPUT]`.
pub fn run(
    engine: &Engine,
    input: Option<&str>,
    style: Style,
    color: bool,
) -> Result<ExitCode, String> {
    let desc = engine.describe();
    check_pack(&desc)?;
    let (name, content) = match parse_input(input)? {
        Input::Literal(t) => (None, t),
        Input::Stdin => {
            let mut s = String::new();
            std::io::stdin()
                .lock()
                .read_to_string(&mut s)
                .map_err(|e| format!("standard input: {e}"))?;
            (None, s)
        }
        Input::File(p) => {
            let s = std::fs::read_to_string(&p)
                .map_err(|e| format!("cannot read {}: {e}", p.display()))?;
            (Some(p), s)
        }
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut errors = 0usize;
    if is_jsonl(name.as_deref(), &content) {
        let mut first = true;
        for (i, line) in content.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let line_no = i + 1;
            match Complaint::from_json(line)
                .map_err(|e| e.message())
                .and_then(|c| review(engine, &desc, &c))
            {
                Ok(r) => {
                    let s = match style {
                        Style::Json => r.to_json(),
                        Style::Text => {
                            let sep = if first { "" } else { "\n" };
                            let id = r.id.clone().unwrap_or_else(|| format!("line {line_no}"));
                            let mut r = r;
                            r.id = Some(id);
                            format!("{sep}{}", r.render(color).trim_end())
                        }
                    };
                    writeln!(out, "{s}").map_err(|e| e.to_string())?;
                }
                Err(msg) => {
                    errors += 1;
                    match style {
                        Style::Json => {
                            let rec = serde_json::json!({"line": line_no, "error": msg});
                            writeln!(out, "{rec}").map_err(|e| e.to_string())?;
                        }
                        Style::Text => {
                            let sep = if first { "" } else { "\n" };
                            writeln!(out, "{sep}== line {line_no}\nerror: {msg}")
                                .map_err(|e| e.to_string())?;
                        }
                    }
                }
            }
            first = false;
        }
        if first {
            return Err("no copy to review: the input has no JSON lines".into());
        }
    } else {
        if content.trim().is_empty() {
            return Err("the copy to review is empty".into());
        }
        let mut c = Complaint::from_text(content);
        c.id = name.map(|p| p.display().to_string());
        let r = review(engine, &desc, &c)?;
        let s = match style {
            Style::Json => r.to_json(),
            Style::Text => r.render(color).trim_end().to_string(),
        };
        writeln!(out, "{s}").map_err(|e| e.to_string())?;
    }
    out.flush().map_err(|e| e.to_string())?;
    Ok(if errors > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// `wendu review --eval FILE`.
pub fn run_eval(engine: &Engine, path: &Path, style: Style) -> Result<ExitCode, String> {
    let desc = engine.describe();
    check_pack(&desc)?;
    let content = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let set = read_eval(&content, &desc)?;
    let report = evaluate(engine, &desc, &set)?;
    let s = match style {
        Style::Json => serde_json::to_string(&report).map_err(|e| e.to_string())?,
        Style::Text => report.render(&path.display().to_string()),
    };
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", s.trim_end()).map_err(|e| e.to_string())?;
    Ok(ExitCode::SUCCESS)
}
