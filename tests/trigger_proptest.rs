//! Property: split any stream at any point, snapshot, restore into a fresh engine, continue —
//! the alerts and notices, and the final state and snapshot bytes, equal those of an
//! uninterrupted run. The streams mix every policy kind, many groups, comments, complaints,
//! duplicates, late and bad events, events far ahead of the watermark (held, confirmed,
//! dropped), idle gaps long enough for sweeps to drop groups, and more groups than the pack's
//! `max_groups` (evictions).

use proptest::prelude::*;
use serde_json::{json, Value};
use wendu::Timestamp;
use wendu::TriggerEngine;

fn pack() -> String {
    json!({
        "pack": {"id": "prop", "version": "1", "locale": "en-US"},
        "dimensions": [
            {"id": "reason", "multi": true, "fallback": "other", "labels": [
                {"code": "login", "name": "Login", "rules": [{"when": {"terms": ["login", "otp"]}}]},
                {"code": "fraud", "name": "Fraud", "rules": [{"when": {"terms": ["fraud", "stolen"]}}]},
                {"code": "fees", "name": "Fees", "rules": [{"when": {"terms": ["fee"]}}]},
                {"code": "other", "name": "Other"}]},
            {"id": "journey", "fallback": "none", "labels": [
                {"code": "pay", "name": "Payments", "rules": [{"when": {"terms": ["transfer"]}}]},
                {"code": "none", "name": "None"}]}
        ],
        "triggers": {
            "allowed_lateness": "20m",
            "max_event_ids": 5,
            "max_ahead": "3h",
            "max_groups": 24,
            "policies": [
                {"id": "imm", "kind": "immediate", "low": {"csat5": 1, "nps": 2}, "cooldown": "15m",
                 "group_by": ["branch"], "when": {"not": {"terms": ["fee"]}}},
                {"id": "cnt", "kind": "low_count", "scale": "csat5", "window": "1h", "at_least": 3,
                 "group_by": ["branch"], "cooldown": "90m", "recovery": {"for": "30m"}},
                {"id": "mean", "kind": "mean", "scale": "csat5", "window": "2h", "at_most": 2.5,
                 "min_count": 4, "recovery": {"for": "1h"}},
                {"id": "nps", "kind": "nps", "window": "3h", "below": 0, "min_count": 3,
                 "group_by": ["branch"], "cooldown": "1h"},
                {"id": "share", "kind": "low_share", "scale": "csat5", "window": "1h", "baseline": "3h",
                 "above_by": 0.1, "min_count": 3, "min_baseline": 3, "cooldown": "30m",
                 "recovery": {"for": "20m"}},
                {"id": "surge", "kind": "surge", "window": "30m", "at_least": 3, "cooldown": "1h",
                 "group_by": ["labels.reason"], "when": {"label": {"dimension": "reason", "code": "login"}}},
                {"id": "bylabel", "kind": "low_count", "scale": "csat5", "window": "45m", "at_least": 2,
                 "group_by": ["labels.reason"], "cooldown": "10m"}
            ]
        }
    })
    .to_string()
}

const COMMENTS: &[&str] = &[
    "",
    "otp never arrives",
    "money stolen after transfer",
    "fee too high",
    "login fails after update, fee charged",
    "great app",
];

/// One generated step: (kind, minutes forward, minutes back, score, branch, comment, id).
type Step = (u8, u8, u8, u8, u8, u8, u16);

fn build(steps: &[Step]) -> Vec<Value> {
    let base = Timestamp::parse("2024-05-01T00:00:00+08:00").map_or(0, |t| t.millis);
    let mut now = base;
    let mut typo_before = false;
    let mut out = Vec::with_capacity(steps.len());
    for &(kind, fwd, back, score, branch, comment, id) in steps {
        now += i64::from(fwd % 40) * 60_000;
        // Now and then an idle gap of hours: groups go idle and sweeps drop them (and the
        // first event after a gap longer than max_ahead is held until the next confirms it).
        if fwd >= 245 {
            now += i64::from(fwd - 244) * 50 * 60_000;
        }
        // Some events arrive late: a little (within the 20 allowed minutes) or a lot.
        let mut at = now - i64::from(back % 4) * i64::from(back / 4 % 15) * 60_000;
        // A few carry a mistyped year (never two in a row: two agreeing events far ahead are a
        // confirmed jump, which would leave the rest of the stream behind the watermark).
        let typo = kind / 10 % 17 == 3 && !typo_before;
        if typo {
            at += 400 * 86_400_000;
        }
        typo_before = typo;
        let off = [480i16, 0, -300][usize::from(branch % 3)];
        let ts = Timestamp {
            millis: at,
            offset_minutes: off,
        }
        .format();
        let id = format!("e{}", id % 150);
        let comment = COMMENTS[usize::from(comment) % COMMENTS.len()];
        // Mostly four busy branches, sometimes one of many (more groups than max_groups).
        let branch = if branch < 200 {
            format!("b{}", branch % 4)
        } else {
            format!("b{}", branch % 25)
        };
        let v = match kind % 10 {
            0..=5 => {
                json!({"id": id, "score": 1 + score % 5, "scale": "csat5", "at": ts,
                       "branch": branch, "comment": comment})
            }
            6 | 7 => {
                json!({"id": id, "score": score % 11, "scale": "nps", "at": ts, "branch": branch})
            }
            8 => {
                json!({"type": "complaint", "id": id, "text": if comment.is_empty() { "login" } else { comment },
                        "received_at": ts, "branch": branch})
            }
            // A bad event: score out of scale, or no time.
            _ => json!({"id": id, "score": 9, "scale": "csat5", "branch": branch}),
        };
        out.push(v);
    }
    out
}

fn run(t: &mut TriggerEngine, events: &[Value]) -> Vec<String> {
    let mut out = Vec::new();
    for e in events {
        let o = t.ingest(e.clone());
        out.extend(o.alerts.iter().map(|a| a.to_json()));
        out.extend(
            o.notices
                .iter()
                .map(|n| serde_json::to_string(n).unwrap_or_default()),
        );
    }
    out
}

fn fresh() -> TriggerEngine {
    match TriggerEngine::from_pack_json(&pack()) {
        Ok(t) => t,
        Err(e) => panic!("{e}: {:#?}", e.problems()),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn split_snapshot_restore_equals_uninterrupted(
        steps in prop::collection::vec(any::<Step>(), 0..160),
        split in any::<prop::sample::Index>(),
        split2 in any::<prop::sample::Index>(),
    ) {
        let events = build(&steps);
        let mut whole = fresh();
        let want = run(&mut whole, &events);

        let mut a = (split.index(events.len() + 1), split2.index(events.len() + 1));
        if a.0 > a.1 {
            a = (a.1, a.0);
        }
        let (s1, s2) = a;
        let mut first = fresh();
        let mut got = run(&mut first, &events[..s1]);
        let snap = first.snapshot();
        let mut second = fresh();
        prop_assert!(second.restore(&snap).is_ok());
        prop_assert_eq!(second.snapshot(), snap.clone());
        got.extend(run(&mut second, &events[s1..s2]));
        // Twice in one stream.
        let snap2 = second.snapshot();
        let mut third = fresh();
        prop_assert!(third.restore(&snap2).is_ok());
        got.extend(run(&mut third, &events[s2..]));
        prop_assert_eq!(got, want);
        // The same state, to the byte: the sweeps and evictions of the resumed engines were
        // the uninterrupted one's.
        prop_assert_eq!(third.snapshot(), whole.snapshot());
        let (a, b) = (third.stats(), whole.stats());
        prop_assert_eq!((a.groups, a.entries), (b.groups, b.entries));
    }

    #[test]
    fn batch_equals_one_by_one(steps in prop::collection::vec(any::<Step>(), 0..80)) {
        let events = build(&steps);
        let mut one = fresh();
        let singles = run(&mut one, &events);
        let mut batch = fresh();
        let o = batch.ingest_batch(events.clone());
        let mut all: Vec<String> = o.alerts.iter().map(|a| a.to_json()).collect();
        all.extend(o.notices.iter().map(|n| serde_json::to_string(n).unwrap_or_default()));
        let mut sorted_singles = singles.clone();
        sorted_singles.sort();
        all.sort();
        // Batch notices carry their index in the batch; singles carry 0.
        let strip = |s: &String| {
            let v: Value = serde_json::from_str(s).unwrap_or_default();
            match v {
                Value::Object(mut m) => {
                    m.remove("index");
                    Value::Object(m).to_string()
                }
                other => other.to_string(),
            }
        };
        let mut a: Vec<String> = sorted_singles.iter().map(strip).collect();
        let mut b: Vec<String> = all.iter().map(strip).collect();
        a.sort();
        b.sort();
        prop_assert_eq!(a, b);
    }

    #[test]
    fn garbage_snapshots_never_panic(s in ".{0,200}", cut in any::<prop::sample::Index>()) {
        let mut t = fresh();
        let _ = t.restore(&s);
        let events = build(&[(0, 1, 0, 0, 0, 1, 1), (0, 1, 0, 0, 0, 1, 2), (0, 1, 0, 0, 0, 1, 3)]);
        run(&mut t, &events);
        let snap = t.snapshot();
        let i = cut.index(snap.len() + 1);
        let truncated = snap.get(..i).unwrap_or("");
        let _ = fresh().restore(truncated);
    }
}

/// The generator is not vacuous: a long stream from it fires every policy, recovers, and
/// produces late, duplicate and invalid notices.
#[test]
fn the_generated_streams_exercise_everything() {
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let steps: Vec<Step> = (0..3000)
        .map(|_| {
            let r = next();
            (
                r as u8,
                if r % 64 == 0 { 250 } else { (r >> 8) as u8 % 6 },
                (r >> 16) as u8,
                (r >> 24) as u8,
                (r >> 32) as u8,
                (r >> 40) as u8,
                (r >> 48) as u16,
            )
        })
        .collect();
    let mut t = fresh();
    let lines = run(&mut t, &build(&steps));
    for needle in [
        "\"policy\":\"imm\"",
        "\"policy\":\"cnt\"",
        "\"policy\":\"mean\"",
        "\"policy\":\"nps\"",
        "\"policy\":\"share\"",
        "\"policy\":\"surge\"",
        "\"policy\":\"bylabel\"",
        "\"kind\":\"recovered\"",
        "\"kind\":\"late\"",
        "\"kind\":\"duplicate\"",
        "\"kind\":\"invalid\"",
        "\"kind\":\"ahead\"",
        "\"kind\":\"evicted\"",
        "was not confirmed",
    ] {
        let n = lines.iter().filter(|l| l.contains(needle)).count();
        assert!(n > 0, "{needle} never appears");
    }
}
