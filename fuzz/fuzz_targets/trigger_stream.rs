//! Trigger event streams: feedback on every scale and complaints, in order, late, far ahead of
//! the watermark, duplicated, malformed; many groups against a small `max_groups`, idle gaps
//! for the sweeps. Split anywhere, snapshot, restore into a fresh engine, continue: the alerts,
//! notices, final state and snapshot bytes equal those of an uninterrupted run; a batch equals
//! the same events one by one; a snapshot restores to itself; and the stream is ingested
//! within the time budget.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};
use std::sync::OnceLock;
use std::time::Duration;
use wendu::{Engine, Timestamp, TriggerEngine};
use wendu_fuzz::{within, Cpu};

#[derive(Arbitrary, Debug)]
struct Ev {
    kind: u8,
    minutes: u16,
    back: u8,
    score: u8,
    group: u8,
    comment: u8,
    id: u8,
}

const COMMENTS: &[&str] = &["", "my card was stolen, fraud", "login otp fails", "fees too high", "great", "scam call", "password reset broken"];

/// The vectors' trigger pack with settings that make the edges common.
fn engines() -> &'static [Engine] {
    static E: OnceLock<Vec<Engine>> = OnceLock::new();
    E.get_or_init(|| {
        let base: Value = serde_json::from_str(include_str!("../../tests/vectors/packs/triggers.json")).expect("pack");
        [json!({"max_ahead": "3h", "max_groups": 12}), json!({"allowed_lateness": "0s", "max_groups": 10}), json!({})]
            .into_iter()
            .map(|extra| {
                let mut p = base.clone();
                if let (Some(t), Value::Object(x)) = (p["triggers"].as_object_mut(), extra) {
                    t.extend(x);
                }
                Engine::new(&p.to_string()).expect("valid pack")
            })
            .collect()
    })
}

fn build(events: &[Ev]) -> Vec<Value> {
    let base = 1_777_593_600_000i64; // 2026-05-01T00:00:00Z
    let mut now = base;
    events
        .iter()
        .take(200)
        .map(|e| {
            now += i64::from(e.minutes % 512) * 60_000;
            let mut at = now - i64::from(e.back % 64) * 60_000;
            if e.kind % 23 == 7 {
                at += 400 * 86_400_000;
            }
            let ts = Timestamp { millis: at, offset_minutes: [0i16, 480, -300][usize::from(e.group % 3)] }.format();
            let id = format!("e{}", e.id % 128);
            let comment = COMMENTS[usize::from(e.comment) % COMMENTS.len()];
            let branch = format!("b{}", e.group % 30);
            match e.kind % 12 {
                0..=5 => json!({"id": id, "score": 1 + e.score % 5, "scale": "csat5", "at": ts, "branch": branch, "comment": comment}),
                6 | 7 => json!({"id": id, "score": e.score % 11, "scale": "nps", "at": ts, "branch": branch}),
                8 => json!({"id": id, "score": e.score % 8, "scale": {"min": 0, "max": 7}, "at": ts, "branch": branch}),
                9 => json!({"type": "complaint", "id": id, "text": if comment.is_empty() { "fraud" } else { comment }, "received_at": ts, "branch": branch}),
                10 => json!({"id": id, "score": 9, "scale": "csat5", "branch": branch}),
                _ => json!({"id": id, "score": 1, "scale": "csat5", "at": "2026-13-01T00:00:00Z"}),
            }
        })
        .collect()
}

fn run(t: &mut TriggerEngine, events: &[Value]) -> Vec<String> {
    let mut out = Vec::new();
    for e in events {
        let o = t.ingest(e.clone());
        out.extend(o.alerts.iter().map(|a| a.to_json()));
        out.extend(o.notices.iter().map(|n| serde_json::to_string(n).unwrap_or_default()));
    }
    out
}

fuzz_target!(|input: (u8, u16, u16, Vec<Ev>)| {
    let (which, a, b) = (input.0, input.1, input.2);
    let engine = &engines()[usize::from(which) % engines().len()];
    let fresh = || TriggerEngine::new(engine.clone()).expect("triggers");
    let events = build(&input.3);
    let started = Cpu::now();
    let mut whole = fresh();
    let want = run(&mut whole, &events);
    within("ingest", started, Duration::from_millis(200 + 5 * events.len() as u64));

    let n = events.len() + 1;
    let (mut s1, mut s2) = (usize::from(a) % n, usize::from(b) % n);
    if s1 > s2 {
        std::mem::swap(&mut s1, &mut s2);
    }
    let mut first = fresh();
    let mut got = run(&mut first, &events[..s1]);
    let snap = first.snapshot();
    let mut second = fresh();
    second.restore(&snap).expect("a snapshot restores");
    assert_eq!(second.snapshot(), snap, "restore then snapshot changes the bytes");
    got.extend(run(&mut second, &events[s1..s2]));
    let mut third = fresh();
    third.restore(&second.snapshot()).expect("a snapshot restores");
    got.extend(run(&mut third, &events[s2..]));
    assert_eq!(got, want, "a resumed stream differs from the uninterrupted one");
    assert_eq!(third.snapshot(), whole.snapshot(), "the resumed state differs");
    let (x, y) = (third.stats(), whole.stats());
    assert_eq!((x.groups, x.entries), (y.groups, y.entries));

    // A batch is the same events one by one (notices carry their index in the batch).
    let mut batch = fresh();
    let o = batch.ingest_batch(events.clone());
    let strip = |s: &str| {
        let mut v: Value = serde_json::from_str(s).unwrap_or_default();
        if let Some(m) = v.as_object_mut() {
            m.remove("index");
        }
        v.to_string()
    };
    let mut one: Vec<String> = want.iter().map(|s| strip(s)).collect();
    let mut all: Vec<String> = o.alerts.iter().map(|a| strip(&a.to_json())).collect();
    all.extend(o.notices.iter().map(|n| strip(&serde_json::to_string(n).unwrap_or_default())));
    one.sort();
    all.sort();
    assert_eq!(one, all, "batch differs from one by one");
    assert_eq!(batch.snapshot(), whole.snapshot());
});
