//! Labelled data for `wendu learn` and `wendu eval`: any CSV or JSON Lines file with a text
//! column and a label column, and a label map from the file's (gold) labels to a dimension's
//! label codes. Nothing here is specific to one data set.

use serde_json::Value;
use std::path::Path;

/// One labelled row.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Line in the file (CSV: the header is line 1).
    pub line: usize,
    /// The complaint text.
    pub text: String,
    /// The gold label; `None` when the cell is empty or absent (an unlabelled row).
    pub label: Option<String>,
}

/// What a file held: rows, and lines that could not be read (line, reason).
pub struct Data {
    pub rows: Vec<Row>,
    pub unreadable: Vec<(usize, String)>,
}

/// Read `path` (`.csv`, else JSON Lines), taking the text from column/key `text` and the label
/// from `label`.
pub fn read(path: &Path, text: &str, label: &str) -> Result<Data, String> {
    let is_csv = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    if is_csv {
        read_csv(path, text, label)
    } else {
        let content =
            std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(read_jsonl(&content, text, label))
    }
}

fn read_csv(path: &Path, text: &str, label: &str) -> Result<Data, String> {
    let mut r = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let headers = r.headers().map_err(|e| e.to_string())?.clone();
    let col = |name: &str| {
        headers.iter().position(|h| h == name).ok_or_else(|| {
            format!(
                "{}: no column `{name}` (columns: {})",
                path.display(),
                headers.iter().collect::<Vec<_>>().join(", ")
            )
        })
    };
    let (tc, lc) = (col(text)?, col(label)?);
    let mut data = Data {
        rows: Vec::new(),
        unreadable: Vec::new(),
    };
    for (i, rec) in r.records().enumerate() {
        let line = i + 2;
        match rec {
            Err(e) => data.unreadable.push((line, e.to_string())),
            Ok(rec) => data.rows.push(Row {
                line,
                text: rec.get(tc).unwrap_or("").to_string(),
                label: rec
                    .get(lc)
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string),
            }),
        }
    }
    Ok(data)
}

/// Parse JSON Lines: each line an object with a string at `text` and a string or number at
/// `label` (dotted paths reach into nested objects).
pub fn read_jsonl(content: &str, text: &str, label: &str) -> Data {
    let mut data = Data {
        rows: Vec::new(),
        unreadable: Vec::new(),
    };
    for (i, l) in content.lines().enumerate() {
        let line = i + 1;
        if l.trim().is_empty() {
            continue;
        }
        let v: Value = match serde_json::from_str(l) {
            Ok(v) => v,
            Err(e) => {
                data.unreadable.push((line, format!("malformed JSON: {e}")));
                continue;
            }
        };
        let Some(t) = get(&v, text).and_then(Value::as_str) else {
            data.unreadable
                .push((line, format!("no string at `{text}`")));
            continue;
        };
        let label = match get(&v, label) {
            Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        };
        data.rows.push(Row {
            line,
            text: t.to_string(),
            label,
        });
    }
    data
}

fn get<'v>(v: &'v Value, path: &str) -> Option<&'v Value> {
    path.split('.').try_fold(v, |cur, key| cur.get(key))
}

/// Gold label → the dimension's label codes. A gold label mapped to no code (`null` or `[]`) is
/// a negative for every class; a gold label that is not in the map is reported as unmapped and
/// treated the same way.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelMap {
    /// In the map's order.
    pub entries: Vec<(String, Vec<String>)>,
}

/// One class scored by an evaluation: a gold label and the codes that count as predicting it.
#[derive(Debug, Clone, PartialEq)]
pub struct Class {
    pub gold: String,
    pub codes: Vec<String>,
}

impl LabelMap {
    /// Read a map file: `{"gold": "CODE" | ["CODE", …] | null, …}` (classes then follow the
    /// keys' sorted order) or `[["gold", "CODE" | [...] | null], …]` (classes in file order).
    pub fn load(path: &Path) -> Result<LabelMap, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let v: Value =
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        LabelMap::from_value(&v).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// See [`LabelMap::load`].
    pub fn from_value(v: &Value) -> Result<LabelMap, String> {
        let codes = |gold: &str, v: &Value| -> Result<Vec<String>, String> {
            match v {
                Value::Null => Ok(Vec::new()),
                Value::String(s) => Ok(vec![s.clone()]),
                Value::Array(a) => a
                    .iter()
                    .map(|c| {
                        c.as_str()
                            .map(str::to_string)
                            .ok_or_else(|| format!("`{gold}`: codes must be strings"))
                    })
                    .collect(),
                _ => Err(format!(
                    "`{gold}`: expected a code, a list of codes or null"
                )),
            }
        };
        let mut entries = Vec::new();
        match v {
            Value::Object(m) => {
                for (gold, c) in m {
                    entries.push((gold.clone(), codes(gold, c)?));
                }
            }
            Value::Array(a) => {
                for item in a {
                    let pair = item.as_array().filter(|p| p.len() == 2);
                    let (Some(gold), Some(c)) = (
                        pair.and_then(|p| p.first()).and_then(Value::as_str),
                        pair.and_then(|p| p.get(1)),
                    ) else {
                        return Err("a list map holds [\"gold\", codes] pairs".into());
                    };
                    entries.push((gold.to_string(), codes(gold, c)?));
                }
            }
            _ => return Err("a label map is an object or a list of pairs".into()),
        }
        Ok(LabelMap { entries })
    }

    /// The identity map over the gold labels seen (sorted): each label is its own code.
    pub fn identity<'a>(golds: impl Iterator<Item = &'a str>) -> LabelMap {
        let mut seen: Vec<String> = golds.map(str::to_string).collect();
        seen.sort();
        seen.dedup();
        LabelMap {
            entries: seen.into_iter().map(|g| (g.clone(), vec![g])).collect(),
        }
    }

    /// The codes of a gold label; `None` when it is not in the map.
    pub fn codes(&self, gold: &str) -> Option<&[String]> {
        self.entries
            .iter()
            .find(|(g, _)| g == gold)
            .map(|(_, c)| c.as_slice())
    }

    /// The classes an evaluation scores: gold labels mapped to at least one code.
    pub fn classes(&self) -> Vec<Class> {
        self.entries
            .iter()
            .filter(|(_, c)| !c.is_empty())
            .map(|(g, c)| Class {
                gold: g.clone(),
                codes: c.clone(),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn jsonl_rows_take_text_and_label_by_path() {
        let d = read_jsonl(
            "{\"t\": \"a\", \"y\": {\"p\": \"x\"}}\n\n{\"t\": \"b\", \"y\": {\"p\": 3}}\n{\"t\": 1}\nnot json\n{\"t\": \"c\"}\n",
            "t",
            "y.p",
        );
        assert_eq!(
            d.rows,
            vec![
                Row {
                    line: 1,
                    text: "a".into(),
                    label: Some("x".into())
                },
                Row {
                    line: 3,
                    text: "b".into(),
                    label: Some("3".into())
                },
                Row {
                    line: 6,
                    text: "c".into(),
                    label: None
                },
            ]
        );
        assert_eq!(
            d.unreadable.iter().map(|u| u.0).collect::<Vec<_>>(),
            vec![4, 5]
        );
    }

    #[test]
    fn maps_read_objects_and_ordered_pairs() {
        let m = LabelMap::from_value(&json!({"b": "C2", "a": ["C1", "C3"], "z": null}))
            .unwrap_or(LabelMap { entries: vec![] });
        assert_eq!(
            m.codes("a"),
            Some(&["C1".to_string(), "C3".to_string()][..])
        );
        assert_eq!(m.codes("z"), Some(&[][..]));
        assert_eq!(m.codes("q"), None);
        assert_eq!(
            m.classes()
                .iter()
                .map(|c| c.gold.as_str())
                .collect::<Vec<_>>(),
            vec!["a", "b"]
        );
        let p = LabelMap::from_value(&json!([["b", "C2"], ["a", "C1"]]))
            .unwrap_or(LabelMap { entries: vec![] });
        assert_eq!(
            p.classes()
                .iter()
                .map(|c| c.gold.as_str())
                .collect::<Vec<_>>(),
            vec!["b", "a"]
        );
        assert!(LabelMap::from_value(&json!({"a": 1})).is_err());
        assert!(LabelMap::from_value(&json!([["a"]])).is_err());
    }
}
