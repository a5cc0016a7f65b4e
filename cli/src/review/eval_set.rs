//! The labelled copy `wendu review --eval` scores against: JSON Lines of `{id, text, problems,
//! result}`, read and checked against the pack.

use super::view::PROBLEM_DIM;
use wendu::PackDescriptor;

/// One labelled piece of an evaluation file.
#[derive(Debug, Clone, PartialEq)]
pub struct Labelled {
    /// Id (or `line N`).
    pub id: String,
    /// Its JSON object (as a complaint: `text`, optional `title` …).
    pub value: serde_json::Value,
    /// Expected problem codes.
    pub problems: Vec<String>,
    /// Expected result level id.
    pub result: String,
}

/// Read an evaluation file: JSON Lines of `{id, text, problems: [codes], result: level}`; codes
/// and levels are checked against the pack so that a typo is an error, not a silent miss.
pub fn read_eval(content: &str, desc: &PackDescriptor) -> Result<Vec<Labelled>, String> {
    let codes: Vec<&str> = desc
        .dimension(PROBLEM_DIM)
        .map(|d| d.labels.iter().map(|l| l.code.as_str()).collect())
        .unwrap_or_default();
    let levels: Vec<&str> = desc.levels.iter().map(|l| l.id.as_str()).collect();
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (i, line) in content.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let n = i + 1;
        let v: serde_json::Value = match serde_json::from_str(line) {
            Ok(v) => v,
            Err(e) => {
                errors.push(format!("line {n}: not JSON: {e}"));
                continue;
            }
        };
        let id = match v.get("id") {
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(serde_json::Value::Number(x)) => x.to_string(),
            _ => format!("line {n}"),
        };
        let problems: Vec<String> = match v.get("problems") {
            Some(serde_json::Value::Array(a)) => {
                let mut ps = Vec::new();
                for x in a {
                    match x.as_str() {
                        Some(c) if codes.contains(&c) => ps.push(c.to_string()),
                        Some(c) => errors.push(format!(
                            "line {n} ({id}): unknown problem code {c} (the pack has {})",
                            codes.join(", ")
                        )),
                        None => {
                            errors.push(format!("line {n} ({id}): `problems` must hold strings"))
                        }
                    }
                }
                ps.sort();
                ps.dedup();
                ps
            }
            _ => {
                errors.push(format!(
                    "line {n} ({id}): `problems` (an array of codes) is required"
                ));
                continue;
            }
        };
        let result = match v.get("result").and_then(|x| x.as_str()) {
            Some(r) if levels.contains(&r) => r.to_string(),
            Some(r) => {
                errors.push(format!(
                    "line {n} ({id}): unknown result {r} (the pack's levels are {})",
                    levels.join(", ")
                ));
                continue;
            }
            None => {
                errors.push(format!(
                    "line {n} ({id}): `result` (a level id) is required"
                ));
                continue;
            }
        };
        // The expectation fields are not part of the copy.
        let mut value = v.clone();
        if let Some(m) = value.as_object_mut() {
            m.remove("problems");
            m.remove("result");
        }
        out.push(Labelled {
            id,
            value,
            problems,
            result,
        });
    }
    if !errors.is_empty() {
        let shown: Vec<&String> = errors.iter().take(20).collect();
        let mut msg = format!("{} problem(s) in the evaluation file:\n", errors.len());
        for e in shown {
            msg.push_str(&format!("  {e}\n"));
        }
        return Err(msg);
    }
    if out.is_empty() {
        return Err("the evaluation file has no labelled copy".into());
    }
    Ok(out)
}
