//! Reading inputs for the command: JSON Lines of complaints, or CSV files with a text column
//! (the shared evaluation data), plus where the shared data lives.

use std::path::{Path, PathBuf};

/// One row of a corpus: the complaint JSON (labelled files are read by `labelled`).
pub struct Row {
    pub line: usize,
    pub json: Result<serde_json::Value, String>,
}

/// `../shared/data/<rel>` next to the checkout (or the current directory's parents), if present.
pub fn shared_data(rel: &str) -> Option<PathBuf> {
    let mut dir = std::env::current_dir().ok()?;
    for _ in 0..4 {
        let p = dir.join("../shared/data").join(rel);
        if p.exists() {
            return Some(p);
        }
        let q = dir.join("shared/data").join(rel);
        if q.exists() {
            return Some(q);
        }
        dir = dir.parent()?.to_path_buf();
    }
    None
}

/// Read JSONL (one complaint per line) or CSV (header with `text` or `narrative`; `id` kept)
/// into rows.
pub fn read(path: &Path) -> Result<Vec<Row>, String> {
    let is_csv = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    if is_csv {
        read_csv(path)
    } else {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(read_jsonl(&text))
    }
}

/// Parse JSON Lines; blank lines are skipped, bad lines kept as errors with their line number.
pub fn read_jsonl(text: &str) -> Vec<Row> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| Row {
            line: i + 1,
            json: serde_json::from_str(l)
                .map_err(|e| format!("malformed JSON at column {}: {e}", e.column())),
        })
        .collect()
}

fn read_csv(path: &Path) -> Result<Vec<Row>, String> {
    let mut r = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let headers = r.headers().map_err(|e| e.to_string())?.clone();
    let col = |names: &[&str]| headers.iter().position(|h| names.contains(&h));
    let text_col = col(&["text", "narrative"]).ok_or("CSV needs a `text` or `narrative` column")?;
    let id_col = col(&["id", "complaint_id", "review_id"]);
    let mut rows = Vec::new();
    for (i, rec) in r.records().enumerate() {
        let line = i + 2;
        match rec {
            Err(e) => rows.push(Row {
                line,
                json: Err(e.to_string()),
            }),
            Ok(rec) => {
                let mut m = serde_json::Map::new();
                if let Some(id) = id_col.and_then(|c| rec.get(c)) {
                    m.insert("id".into(), id.into());
                }
                m.insert("text".into(), rec.get(text_col).unwrap_or("").into());
                rows.push(Row {
                    line,
                    json: Ok(serde_json::Value::Object(m)),
                });
            }
        }
    }
    Ok(rows)
}
