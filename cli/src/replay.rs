//! `wendu replay --pack FILE STREAM`: runs a CSV or JSON Lines stream of feedback events (or
//! complaints) through the pack's `triggers` and prints the alerts — a thin layer over
//! `wendu::trigger::TriggerEngine` that only maps CSV columns to event fields.

use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;
use wendu::trigger::{AlertKind, NoticeKind, Outcome, TriggerEngine};
use wendu::Alert;

/// How to print.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// One alert JSON per line.
    Jsonl,
    /// One readable line per alert.
    Table,
}

/// Replay options.
pub struct Options {
    pub style: Style,
    /// Also print every notice (late, duplicate, invalid) as `{"line": N, "notice": {...}}`.
    pub notices: bool,
    /// Scale of CSV rows without a `scale` column.
    pub scale: String,
    /// Restore this snapshot before the stream.
    pub resume: Option<PathBuf>,
    /// Write the snapshot here after the stream.
    pub save: Option<PathBuf>,
}

/// CSV column names read as the event's id, time, score and comment, first match wins.
const ID: &[&str] = &["id", "event_id", "review_id", "complaint_id"];
const TIME: &[&str] = &["at", "received_at", "ts", "time", "timestamp", "date"];
const SCORE: &[&str] = &["score", "rating", "stars"];
const TEXT: &[&str] = &["comment", "text", "review", "content", "narrative"];

/// Run the replay.
pub fn run(pack: &Path, stream: &Path, opts: &Options) -> Result<ExitCode, String> {
    let engine = wendu_cli::load_pack(pack).map_err(|e| describe(&e))?;
    let mut t = TriggerEngine::new(engine).map_err(|e| describe(&e))?;
    if t.policy_count() == 0 {
        return Err(format!("{} has no trigger policies", pack.display()));
    }
    if let Some(p) = &opts.resume {
        let snap =
            std::fs::read_to_string(p).map_err(|e| format!("cannot read {}: {e}", p.display()))?;
        t.restore(&snap)
            .map_err(|e| format!("cannot resume from {}: {}", p.display(), describe(&e)))?;
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut sink = Sink {
        t: &mut t,
        opts,
        read: 0,
        accepted: 0,
        fired: BTreeMap::new(),
        notices: BTreeMap::new(),
    };
    let started = Instant::now();
    let is_csv = stream
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    if is_csv {
        let mut r = csv::ReaderBuilder::new()
            .flexible(true)
            .from_path(stream)
            .map_err(|e| format!("{}: {e}", stream.display()))?;
        let headers = r.headers().map_err(|e| e.to_string())?.clone();
        let cols = Columns::new(&headers);
        for (i, rec) in r.records().enumerate() {
            let line = i + 2;
            match rec {
                Ok(rec) => sink.feed(cols.event(&rec, &opts.scale, line), line, &mut out)?,
                Err(e) => sink.unreadable(format!("unreadable CSV row: {e}"), line, &mut out)?,
            }
        }
    } else {
        let reader: Box<dyn BufRead> = if stream.as_os_str() == "-" {
            Box::new(std::io::stdin().lock())
        } else {
            Box::new(std::io::BufReader::new(
                std::fs::File::open(stream)
                    .map_err(|e| format!("cannot open {}: {e}", stream.display()))?,
            ))
        };
        for (i, line) in reader.lines().enumerate() {
            let line_no = i + 1;
            let line = line.map_err(|e| format!("line {line_no}: {e}"))?;
            if line.trim().is_empty() {
                continue;
            }
            // The engine reads the line itself, so that a malformed one is reported with the
            // parser's message and column (it was fed on as a string, "expected an object").
            sink.feed_json(&line, line_no, &mut out)?;
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    out.flush().map_err(|e| e.to_string())?;
    let (read, accepted) = (sink.read, sink.accepted);
    let invalid = sink.notices.get("invalid").copied().unwrap_or(0);
    let mut summary = format!(
        "{read} inputs, {accepted} counted in {:.3} s ({:.0}/s)",
        elapsed,
        read as f64 / elapsed.max(1e-9)
    );
    for (k, n) in &sink.notices {
        summary.push_str(&format!(", {n} {k}"));
    }
    for ((policy, kind), n) in &sink.fired {
        summary.push_str(&format!("\n  {policy}: {n} {kind}"));
    }
    if sink.fired.is_empty() {
        summary.push_str("\n  no alerts");
    }
    eprintln!("{summary}");
    if let Some(p) = &opts.save {
        std::fs::write(p, t.snapshot())
            .map_err(|e| format!("cannot write {}: {e}", p.display()))?;
        eprintln!("snapshot written to {}", p.display());
    }
    Ok(if invalid > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn describe(e: &wendu::Error) -> String {
    let mut s = format!("{}\n", e.message());
    for p in e.problems() {
        s.push_str(&format!("  {p}\n"));
    }
    s
}

struct Sink<'a> {
    t: &'a mut TriggerEngine,
    opts: &'a Options,
    read: usize,
    accepted: usize,
    fired: BTreeMap<(String, &'static str), usize>,
    notices: BTreeMap<&'static str, usize>,
}

impl Sink<'_> {
    fn feed(&mut self, v: Value, line: usize, out: &mut impl Write) -> Result<(), String> {
        self.read += 1;
        let o = self.t.ingest(v);
        self.report(o, line, out)
    }

    /// One JSON Lines line: an object (an array is one event too, and rejected as such).
    fn feed_json(&mut self, text: &str, line: usize, out: &mut impl Write) -> Result<(), String> {
        if text.trim_start().starts_with('[') {
            return self.feed(serde_json::from_str(text).unwrap_or(Value::Null), line, out);
        }
        self.read += 1;
        let o = self.t.ingest_json(text);
        self.report(o, line, out)
    }

    /// A row that could not be read at all: an invalid notice with the reader's message.
    fn unreadable(
        &mut self,
        message: String,
        line: usize,
        out: &mut impl Write,
    ) -> Result<(), String> {
        self.read += 1;
        let o = Outcome::unreadable(wendu::Problem::error("", message));
        self.report(o, line, out)
    }

    fn report(&mut self, o: Outcome, line: usize, out: &mut impl Write) -> Result<(), String> {
        self.accepted += o.accepted;
        for a in &o.alerts {
            *self
                .fired
                .entry((a.policy.clone(), a.kind.as_str()))
                .or_default() += 1;
            let s = match self.opts.style {
                Style::Jsonl => a.to_json(),
                Style::Table => table_row(a),
            };
            writeln!(out, "{s}").map_err(|e| e.to_string())?;
        }
        for n in &o.notices {
            let kind = match n.kind {
                NoticeKind::Invalid => "invalid",
                NoticeKind::Late => "late",
                NoticeKind::Duplicate => "duplicate",
                NoticeKind::Warning => "warning",
                NoticeKind::Ahead => "ahead",
                NoticeKind::Evicted => "evicted",
            };
            *self.notices.entry(kind).or_default() += 1;
            if self.opts.notices {
                let j = serde_json::to_string(n).unwrap_or_default();
                writeln!(out, "{{\"line\":{line},\"notice\":{j}}}").map_err(|e| e.to_string())?;
            }
        }
        Ok(())
    }
}

/// One readable line: time, kind, policy, group, message, pain points.
pub fn table_row(a: &Alert) -> String {
    let kind = match a.kind {
        AlertKind::Fired => "FIRED",
        AlertKind::Recovered => "RECOVERED",
    };
    let group: Vec<String> = a
        .group
        .0
        .iter()
        .map(|g| format!("{}={}", g.field, g.value))
        .collect();
    let mut s = format!(
        "{}  {kind:<9}  {}  [{}]  {}",
        a.at,
        a.policy,
        group.join(","),
        a.message
    );
    for p in &a.pain_points {
        if p.labels.is_empty() {
            continue;
        }
        let ls: Vec<String> = p
            .labels
            .iter()
            .map(|l| format!("{}×{}", l.code, l.count))
            .collect();
        s.push_str(&format!(
            "  {}({} texts): {}",
            p.dimension,
            p.texts,
            ls.join(" ")
        ));
    }
    if let Some(r) = &a.route {
        s.push_str(&format!("  → {}", r.department));
    }
    s
}

/// Which CSV column holds what.
struct Columns {
    names: Vec<String>,
    id: Option<usize>,
    time: Option<usize>,
    score: Option<usize>,
    text: Option<usize>,
    scale: Option<usize>,
}

impl Columns {
    fn new(h: &csv::StringRecord) -> Columns {
        let find = |names: &[&str]| {
            names
                .iter()
                .find_map(|n| h.iter().position(|x| x.eq_ignore_ascii_case(n)))
        };
        Columns {
            names: h.iter().map(str::to_string).collect(),
            id: find(ID),
            time: find(TIME),
            score: find(SCORE),
            text: find(TEXT),
            scale: find(&["scale"]),
        }
    }

    /// A row as an event: id, time (a bare date is midnight UTC), score, comment and every other
    /// non-empty column as a string field. Without a score column the row is a complaint.
    fn event(&self, rec: &csv::StringRecord, default_scale: &str, line: usize) -> Value {
        let get = |c: Option<usize>| c.and_then(|i| rec.get(i)).map(str::trim);
        let mut m = Map::new();
        for (i, name) in self.names.iter().enumerate() {
            let used = [self.id, self.time, self.score, self.text, self.scale].contains(&Some(i));
            if used || ["type", "decision"].contains(&name.as_str()) {
                continue;
            }
            if let Some(v) = rec.get(i).map(str::trim).filter(|v| !v.is_empty()) {
                m.insert(name.clone(), Value::String(v.to_string()));
            }
        }
        let id = get(self.id)
            .filter(|s| !s.is_empty())
            .map_or_else(|| format!("line{line}"), str::to_string);
        m.insert("id".into(), Value::String(id));
        let time_key = if self.score.is_some() {
            "at"
        } else {
            "received_at"
        };
        if let Some(t) = get(self.time).filter(|s| !s.is_empty()) {
            let t = if t.len() == 10 {
                format!("{t}T00:00:00Z")
            } else {
                t.to_string()
            };
            m.insert(time_key.into(), Value::String(t));
        }
        let text_key = if self.score.is_some() {
            "comment"
        } else {
            "text"
        };
        if let Some(t) = get(self.text).filter(|s| !s.is_empty()) {
            m.insert(text_key.into(), Value::String(t.to_string()));
        }
        match get(self.score) {
            Some(s) => {
                let score = s
                    .parse::<f64>()
                    .ok()
                    .and_then(serde_json::Number::from_f64)
                    .map_or_else(
                        || Value::String(s.to_string()),
                        |n| {
                            // Whole numbers as integers, so the event reads like a hand-written one.
                            match n.as_f64() {
                                Some(f) if f.fract() == 0.0 && f.abs() < 1e15 => {
                                    Value::from(f as i64)
                                }
                                _ => Value::Number(n),
                            }
                        },
                    );
                m.insert("score".into(), score);
                let scale = get(self.scale)
                    .filter(|s| !s.is_empty())
                    .unwrap_or(default_scale);
                m.insert("scale".into(), Value::String(scale.to_string()));
            }
            None => {
                m.insert("type".into(), Value::String("complaint".into()));
            }
        }
        Value::Object(m)
    }
}
