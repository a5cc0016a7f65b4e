//! `wendu diff OLD.json NEW.json CORPUS`: the back-test of a pack change, for CI and scripts —
//! every complaint of the corpus decided by both packs; counts of the changes per dimension and
//! label and per severity level; the changed complaints as JSON Lines (before/after verdicts).
//! The definitions are the studio's back-test (bindings/studio/src/diff.js), so both count alike:
//! a dimension changed when its set of label codes or its top label differs; the level when
//! `severity.level` differs; the route when department or queue differ; `error` when the
//! complaint is valid under one pack only. Exit 0: no decision changed, 1: some did, 2: trouble.

use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use wendu::{Complaint, Engine};
use wendu_cli::corpus;

/// What to print on standard output.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Output {
    /// One changed complaint per line, `{"line", "id", "changed", "before", "after"}`; the
    /// summary table goes to standard error.
    Jsonl,
    /// The counts as one JSON object.
    Json,
    /// The counts, readable.
    Table,
}

/// A pack's names and orders, from its descriptor (the public API, not the internals).
struct Names {
    /// Dimension ids of the new pack, then those only the old one has.
    dims: Vec<String>,
    /// "dim:<id>", "<dim>:<code>", "level:<id>" → display name (the new pack's wins).
    names: BTreeMap<String, String>,
    /// "<dim>:<code>", "level:<id>" → position in the pack (the old pack's wins).
    order: BTreeMap<String, usize>,
}

impl Names {
    fn of(old: &Engine, new: &Engine) -> Names {
        let descs: Vec<Value> = [old, new]
            .iter()
            .map(|e| serde_json::to_value(e.describe()).unwrap_or(Value::Null))
            .collect();
        let mut names = BTreeMap::new();
        let mut order = BTreeMap::new();
        let mut dims: Vec<String> = Vec::new();
        for d in descs[1]["dimensions"].as_array().into_iter().flatten() {
            dims.push(str_of(&d["id"]));
        }
        for d in descs[0]["dimensions"].as_array().into_iter().flatten() {
            let id = str_of(&d["id"]);
            if !dims.contains(&id) {
                dims.push(id);
            }
        }
        for desc in &descs {
            for d in desc["dimensions"].as_array().into_iter().flatten() {
                let id = str_of(&d["id"]);
                names
                    .entry(format!("dim:{id}"))
                    .or_insert_with(|| str_of(&d["name"]));
                for (k, l) in d["labels"].as_array().into_iter().flatten().enumerate() {
                    let key = format!("{id}:{}", str_of(&l["code"]));
                    names.insert(key.clone(), str_of(&l["name"]));
                    order.entry(key).or_insert(k);
                }
            }
            for (k, l) in desc["levels"].as_array().into_iter().flatten().enumerate() {
                let key = format!("level:{}", str_of(&l["id"]));
                names.insert(key.clone(), str_of(&l["name"]));
                order.entry(key).or_insert(k);
            }
        }
        Names { dims, names, order }
    }

    fn name(&self, key: &str, fallback: &str) -> String {
        self.names
            .get(key)
            .cloned()
            .unwrap_or_else(|| fallback.to_string())
    }

    /// Pack order, then code.
    fn cmp(&self, prefix: &str, a: &str, b: &str) -> std::cmp::Ordering {
        let pos = |x: &str| {
            self.order
                .get(&format!("{prefix}:{x}"))
                .copied()
                .unwrap_or(usize::MAX)
        };
        pos(a).cmp(&pos(b)).then_with(|| a.cmp(b))
    }
}

fn str_of(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

/// The verdict JSON of one complaint under `engine`, or its error JSON (`Err`).
fn decide(engine: &Engine, complaint: &Value) -> Result<String, String> {
    Complaint::from_value(complaint.clone())
        .and_then(|c| engine.verdict(&c).map(|v| v.to_json()))
        .map_err(|e| e.to_json())
}

fn codes(v: &Value, dim: &str) -> Vec<String> {
    v["labels"][dim]
        .as_array()
        .into_iter()
        .flatten()
        .map(|l| str_of(&l["code"]))
        .collect()
}

fn level(v: &Value) -> Option<String> {
    v["severity"]["level"].as_str().map(str::to_string)
}

fn route(v: &Value) -> Option<(String, String)> {
    v["route"]
        .as_object()
        .map(|r| (str_of(&r["department"]), str_of(&r["queue"])))
}

/// What differs between two verdicts: dimension ids in order, then "severity", "route".
fn changes(before: &Value, after: &Value, dims: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for d in dims {
        let (a, b) = (codes(before, d), codes(after, d));
        let same_set = a.len() == b.len() && b.iter().all(|x| a.contains(x));
        if !same_set || a.first() != b.first() {
            out.push(d.clone());
        }
    }
    if level(before) != level(after) {
        out.push("severity".into());
    }
    if route(before) != route(after) {
        out.push("route".into());
    }
    out
}

#[derive(Default)]
struct LabelCount {
    before: usize,
    after: usize,
    gained: usize,
    lost: usize,
}

/// Run the back-test.
pub fn run(old: &Path, new: &Path, corpus_path: &Path, output: Output) -> Result<ExitCode, String> {
    let load = |p: &Path| -> Result<Engine, String> {
        wendu_cli::load_pack(p).map_err(|e| {
            let mut s = format!("{}: {}\n", p.display(), e.message());
            for pr in e.problems() {
                s.push_str(&format!("  {pr}\n"));
            }
            s
        })
    };
    let (old_engine, new_engine) = (load(old)?, load(new)?);
    let rows = corpus::read(corpus_path)?;
    let names = Names::of(&old_engine, &new_engine);
    let dims = &names.dims;

    let mut labels: BTreeMap<String, BTreeMap<String, LabelCount>> = BTreeMap::new();
    let mut dim_changed: BTreeMap<String, usize> = BTreeMap::new();
    let mut levels: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut transitions: BTreeMap<(String, String), usize> = BTreeMap::new();
    let (mut complaints, mut errors, mut changed, mut routes) = (0usize, 0usize, 0usize, 0usize);
    let mut unreadable: Vec<usize> = Vec::new();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());

    for row in rows {
        let value = match row.json {
            Ok(v) => v,
            Err(_) => {
                unreadable.push(row.line);
                continue;
            }
        };
        complaints += 1;
        let (b, a) = (decide(&old_engine, &value), decide(&new_engine, &value));
        let parse = |s: &String| serde_json::from_str::<Value>(s).unwrap_or(Value::Null);
        let (bv, av) = (b.as_ref().map(parse), a.as_ref().map(parse));
        if let Ok(v) = &bv {
            for d in dims {
                for c in codes(v, d) {
                    labels
                        .entry(d.clone())
                        .or_default()
                        .entry(c)
                        .or_default()
                        .before += 1;
                }
            }
            if let Some(l) = level(v) {
                levels.entry(l).or_default().0 += 1;
            }
        }
        if let Ok(v) = &av {
            for d in dims {
                for c in codes(v, d) {
                    labels
                        .entry(d.clone())
                        .or_default()
                        .entry(c)
                        .or_default()
                        .after += 1;
                }
            }
            if let Some(l) = level(v) {
                levels.entry(l).or_default().1 += 1;
            }
        }
        let ch = match (&bv, &av) {
            (Err(_), Err(_)) => {
                errors += 1;
                Vec::new()
            }
            (Ok(x), Ok(y)) => changes(x, y, dims),
            _ => vec!["error".to_string()],
        };
        if ch.is_empty() {
            continue;
        }
        changed += 1;
        if let (Ok(x), Ok(y)) = (&bv, &av) {
            for d in dims.iter().filter(|d| ch.contains(d)) {
                *dim_changed.entry(d.clone()).or_default() += 1;
                let (cb, ca) = (codes(x, d), codes(y, d));
                let m = labels.entry(d.clone()).or_default();
                for c in ca.iter().filter(|c| !cb.contains(c)) {
                    m.entry(c.clone()).or_default().gained += 1;
                }
                for c in cb.iter().filter(|c| !ca.contains(c)) {
                    m.entry(c.clone()).or_default().lost += 1;
                }
            }
            if let (true, Some(f), Some(t)) =
                (ch.iter().any(|c| c == "severity"), level(x), level(y))
            {
                *transitions.entry((f, t)).or_default() += 1;
            }
            if ch.iter().any(|c| c == "route") {
                routes += 1;
            }
        }
        if output == Output::Jsonl {
            // The verdicts exactly as the core writes them (byte-identical on every runtime);
            // a side that failed carries the core's error JSON under "error".
            let side = |r: &Result<String, String>| match r {
                Ok(s) => s.clone(),
                Err(e) => format!("{{\"error\":{e}}}"),
            };
            writeln!(
                out,
                "{{\"line\":{},\"id\":{},\"changed\":{},\"before\":{},\"after\":{}}}",
                row.line,
                value.get("id").map_or("null".into(), Value::to_string),
                json!(ch),
                side(&b),
                side(&a)
            )
            .map_err(|e| e.to_string())?;
        }
    }

    let dim_json: Vec<Value> = dims
        .iter()
        .map(|d| {
            let mut ls: Vec<(&String, &LabelCount)> = labels
                .get(d)
                .map(|m| m.iter().filter(|(_, c)| c.gained + c.lost > 0).collect())
                .unwrap_or_default();
            ls.sort_by(|a, b| names.cmp(d, a.0, b.0));
            json!({
                "dimension": d,
                "name": names.name(&format!("dim:{d}"), d),
                "changed": dim_changed.get(d).copied().unwrap_or(0),
                "labels": ls.iter().map(|(code, c)| json!({
                    "code": code, "name": names.name(&format!("{d}:{code}"), code),
                    "before": c.before, "after": c.after, "gained": c.gained, "lost": c.lost,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let mut level_ids: Vec<&String> = levels.keys().collect();
    level_ids.sort_by(|a, b| names.cmp("level", a, b));
    let mut trans: Vec<(&(String, String), &usize)> = transitions.iter().collect();
    trans.sort_by(|a, b| {
        names
            .cmp("level", &a.0 .0, &b.0 .0)
            .then_with(|| names.cmp("level", &a.0 .1, &b.0 .1))
    });
    let summary = json!({
        "old": old_engine.info(), "new": new_engine.info(),
        "complaints": complaints, "errors": errors, "unreadable_lines": unreadable,
        "changed": changed,
        "dimensions": dim_json,
        "levels": level_ids.iter().map(|l| json!({
            "level": l, "name": names.name(&format!("level:{l}"), l),
            "before": levels[*l].0, "after": levels[*l].1,
        })).collect::<Vec<_>>(),
        "transitions": trans.iter().map(|((f, t), n)| json!({"from": f, "to": t, "count": n})).collect::<Vec<_>>(),
        "routes": {"changed": routes},
    });
    match output {
        Output::Json => writeln!(out, "{summary}").map_err(|e| e.to_string())?,
        Output::Table => write!(out, "{}", table(&summary)).map_err(|e| e.to_string())?,
        Output::Jsonl => eprint!("{}", table(&summary)),
    }
    out.flush().map_err(|e| e.to_string())?;
    Ok(if changed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The counts, readable.
fn table(s: &Value) -> String {
    let mut t = String::new();
    let pack = |p: &Value| format!("{} {}", str_of(&p["id"]), str_of(&p["version"]));
    let _ = writeln!(
        t,
        "{} of {} complaints changed ({} → {}); {} invalid under both packs, {} unreadable lines",
        s["changed"],
        s["complaints"],
        pack(&s["old"]),
        pack(&s["new"]),
        s["errors"],
        s["unreadable_lines"].as_array().map_or(0, Vec::len)
    );
    for d in s["dimensions"].as_array().into_iter().flatten() {
        if d["changed"] == 0 {
            continue;
        }
        let _ = writeln!(
            t,
            "  {} ({}): {} changed",
            str_of(&d["dimension"]),
            str_of(&d["name"]),
            d["changed"]
        );
        for l in d["labels"].as_array().into_iter().flatten() {
            let _ = writeln!(
                t,
                "    {:<8} {:<20} {:>6} → {:<6} +{} −{}",
                str_of(&l["code"]),
                str_of(&l["name"]),
                l["before"],
                l["after"],
                l["gained"],
                l["lost"]
            );
        }
    }
    for x in s["transitions"].as_array().into_iter().flatten() {
        let _ = writeln!(
            t,
            "  level {} → {}: {}",
            str_of(&x["from"]),
            str_of(&x["to"]),
            x["count"]
        );
    }
    if s["routes"]["changed"] != 0 {
        let _ = writeln!(t, "  route changed: {}", s["routes"]["changed"]);
    }
    t
}
