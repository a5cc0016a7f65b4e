//! `wendu-bench triggers`: events per second through windowed trigger policies (no comments),
//! memory per active group and snapshot size per group, on a synthetic, seeded stream — so the
//! numbers in BENCHMARKS.md can be reproduced anywhere.

use serde_json::{json, Value};
use std::process::ExitCode;
use std::time::Instant;
use wendu::trigger::{Feedback, Scale, TriggerEngine};
use wendu::Engine;
use wendu::Timestamp;

/// The policies measured: three windowed kinds over one group-by field, as a pack would have.
fn pack(policies: &str) -> String {
    let all = json!([
        {"id": "low", "kind": "low_count", "scale": "csat5", "low": 2, "window": "1h", "at_least": 5,
         "group_by": ["branch"], "cooldown": "1d", "recovery": {"for": "6h"}},
        {"id": "mean", "kind": "mean", "scale": "csat5", "window": "1d", "at_most": 2.5,
         "min_count": 20, "group_by": ["branch"]},
        {"id": "share", "kind": "low_share", "scale": "csat5", "window": "1d", "baseline": "7d",
         "above_by": 0.15, "min_count": 20, "min_baseline": 50, "group_by": ["branch"]}
    ]);
    let chosen: Vec<Value> = all
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|p| policies == "all" || p["id"] == policies)
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    json!({"pack": {"id": "bench", "version": "1"}, "triggers": {"policies": chosen}}).to_string()
}

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// `n` events from `start`, over `groups` branches (at random, or in turn), `step_ms` apart;
/// about 12% low.
fn events(start: usize, n: usize, groups: usize, step_ms: u64, seed: u64) -> Vec<Feedback> {
    events_with(start, n, groups, step_ms, seed, false)
}

fn events_with(
    start: usize,
    n: usize,
    groups: usize,
    step_ms: u64,
    seed: u64,
    in_turn: bool,
) -> Vec<Feedback> {
    let mut r = Rng(seed ^ 0x9E37_79B9_7F4A_7C15);
    let t0 = Timestamp::parse("2024-01-01T00:00:00+08:00").map_or(0, |t| t.millis);
    (start..start + n)
        .map(|i| {
            let x = r.next();
            let score = match x % 100 {
                0..=7 => 1.0,
                8..=11 => 2.0,
                12..=19 => 3.0,
                20..=44 => 4.0,
                _ => 5.0,
            };
            let g = if in_turn { i } else { (x >> 20) as usize };
            let branch = format!("b{}", g % groups.max(1));
            Feedback {
                id: format!("e{i}"),
                score,
                scale: Scale::Csat5,
                at: Timestamp {
                    millis: t0 + (i as u64 * step_ms) as i64,
                    offset_minutes: 480,
                },
                comment: None,
                fields: json!({ "branch": branch }),
            }
        })
        .collect()
}

fn rss_kib() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Nanoseconds this thread has spent on a CPU (Linux), so that rates can be given per CPU-second
/// as well as per wall-clock second on a shared, loaded machine.
fn cpu_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().next()?.parse().ok()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

fn engine(policies: &str) -> Result<TriggerEngine, String> {
    let e = Engine::new(&pack(policies)).map_err(|e| e.message())?;
    TriggerEngine::new(e).map_err(|e| e.message())
}

/// Which measurements to run.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// Throughput here, then memory in a fresh child process (so neither disturbs the other's heap).
    All,
    /// Events per second only.
    Throughput,
    /// Memory and snapshot size only (run it in a fresh process: RSS growth is measured).
    Memory,
}

/// Run the benchmark.
pub fn run(events_n: usize, groups: usize, rounds: usize, part: Part) -> Result<ExitCode, String> {
    if part != Part::Memory {
        throughput(events_n, groups, rounds)?;
    }
    match part {
        Part::Memory => memory()?,
        Part::All => {
            let exe = std::env::current_exe().map_err(|e| e.to_string())?;
            let status = std::process::Command::new(exe)
                .args(["triggers", "--part", "memory"])
                .status()
                .map_err(|e| format!("cannot start the memory measurement: {e}"))?;
            if !status.success() {
                return Err("the memory measurement failed".into());
            }
        }
        Part::Throughput => {}
    }
    Ok(ExitCode::SUCCESS)
}

/// RSS growth and snapshot size for 100,000 groups in each of the three policies, with one and
/// with twenty scores per group, every score inside the shortest window (so every group is live).
fn memory() -> Result<(), String> {
    let g = 100_000usize;
    println!("memory and snapshot size per active group (all three policies, {g} branches, every score within the last hour):");
    for (label, per_group) in [("1 score per group", 1usize), ("20 scores per group", 20)] {
        let evs = events_with(
            0,
            g * per_group,
            g,
            3_600_000 / (g * per_group) as u64,
            7,
            true,
        );
        let before = rss_kib().unwrap_or(0);
        let mut t = engine("all")?;
        for f in &evs {
            t.ingest_feedback(f);
        }
        drop(evs);
        let grown = rss_kib().unwrap_or(0).saturating_sub(before) as f64 * 1024.0;
        let s = t.stats();
        let t0 = Instant::now();
        let snap = t.snapshot();
        let snap_ms = t0.elapsed().as_secs_f64() * 1e3;
        let t1 = Instant::now();
        let mut back = engine("all")?;
        back.restore(&snap).map_err(|e| e.message())?;
        let restore_ms = t1.elapsed().as_secs_f64() * 1e3;
        if back.snapshot() != snap {
            return Err("restore did not round-trip".into());
        }
        let groups = s.groups.max(1) as f64;
        println!(
            "  {label:<20} {} policy-groups, {} entries: RSS +{:.1} MiB → {:.0} B per policy-group ({:.0} B per branch watched by 3 policies); snapshot {:.1} MiB → {:.0} B per policy-group; write {:.0} ms, restore {:.0} ms",
            s.groups,
            s.entries,
            grown / 1_048_576.0,
            grown / groups,
            grown / groups * 3.0,
            snap.len() as f64 / 1_048_576.0,
            snap.len() as f64 / groups,
            snap_ms,
            restore_ms
        );
    }
    Ok(())
}

/// Wall-clock and on-CPU seconds of a measured stretch.
#[derive(Default)]
struct Clock {
    wall: f64,
    cpu: f64,
}

impl Clock {
    fn time<T>(&mut self, f: impl FnOnce() -> T) -> T {
        let (w, c) = (Instant::now(), cpu_ns());
        let out = f();
        self.wall += w.elapsed().as_secs_f64();
        if let (Some(a), Some(b)) = (c, cpu_ns()) {
            self.cpu += b.saturating_sub(a) as f64 / 1e9;
        }
        out
    }
}

/// "median N/s wall (min–max), M/s per CPU-second".
fn rates(n: usize, clocks: &[Clock]) -> String {
    let wall: Vec<f64> = clocks.iter().map(|c| n as f64 / c.wall).collect();
    let cpu: Vec<f64> = clocks
        .iter()
        .filter(|c| c.cpu > 0.0)
        .map(|c| n as f64 / c.cpu)
        .collect();
    let med = median(wall.clone());
    let mut s = format!(
        "median {:>9.0} events/s wall ({:.3} µs each; min {:.0}, max {:.0})",
        med,
        1e6 / med,
        wall.iter().cloned().fold(f64::INFINITY, f64::min),
        wall.iter().cloned().fold(0.0, f64::max)
    );
    if !cpu.is_empty() {
        let c = median(cpu);
        s.push_str(&format!(
            ", {:>9.0} events per CPU-second ({:.3} µs)",
            c,
            1e6 / c
        ));
    }
    s
}

fn throughput(events_n: usize, groups: usize, rounds: usize) -> Result<(), String> {
    const CHUNK: usize = 100_000;
    // Event time advances 2.6 s per event: with 1,000 branches each sees ~33 scores a day.
    let step_ms = 2_600;
    println!(
        "throughput: {events_n} events, {groups} branches, one event every {:.1} s of event time, no comments; {rounds} rounds",
        step_ms as f64 / 1000.0
    );
    for policies in ["low", "mean", "share", "all"] {
        let mut clocks = Vec::new();
        let mut alerts = 0usize;
        let mut last = None;
        for _ in 0..rounds.max(1) {
            let mut t = engine(policies)?;
            let mut clock = Clock::default();
            alerts = 0;
            let mut done = 0;
            while done < events_n {
                let n = CHUNK.min(events_n - done);
                // Generated outside the measured stretch.
                let evs = events(done, n, groups, step_ms, 1);
                alerts += clock.time(|| {
                    evs.iter()
                        .map(|f| t.ingest_feedback(f).alerts.len())
                        .sum::<usize>()
                });
                done += n;
            }
            clocks.push(clock);
            last = Some(t.stats());
        }
        let s = last.unwrap_or(wendu::trigger::StateStats {
            groups: 0,
            entries: 0,
            ids: 0,
        });
        println!(
            "  ingest_feedback  policies={policies:<5} {}; {alerts} alerts; end state {} groups, {} entries",
            rates(events_n, &clocks),
            s.groups,
            s.entries
        );
    }
    // The same events through the JSON faces: validated Values, and JSON text.
    let n = events_n.min(500_000);
    let evs = events(0, n, groups, step_ms, 1);
    let values: Vec<Value> = evs
        .iter()
        .map(|f| {
            json!({"id": f.id, "score": f.score as i64, "scale": "csat5", "at": f.at.format(),
                   "branch": f.fields["branch"]})
        })
        .collect();
    let texts: Vec<String> = values.iter().map(Value::to_string).collect();
    drop(evs);
    let mut cv = Vec::new();
    let mut cj = Vec::new();
    for _ in 0..rounds.max(1) {
        let mut t = engine("all")?;
        let vs = values.clone();
        let mut clock = Clock::default();
        clock.time(|| {
            for v in vs {
                t.ingest(v);
            }
        });
        cv.push(clock);
        let mut t = engine("all")?;
        let mut clock = Clock::default();
        clock.time(|| {
            for s in &texts {
                t.ingest_json(s);
            }
        });
        cj.push(clock);
    }
    println!(
        "  ingest(Value)    policies=all   {} (validate + ingest, {n} events)",
        rates(n, &cv)
    );
    println!(
        "  ingest_json      policies=all   {} (parse + validate + ingest, {n} events)",
        rates(n, &cj)
    );
    Ok(())
}
