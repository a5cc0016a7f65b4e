//! Trigger engine, end to end: each policy kind, window edges, cooldown, recovery, dedupe, late
//! and bad events, time zones, snapshots, and the section's validation — through the public API
//! and the JSON users see.

use serde_json::{json, Value};
use wendu::trigger::{AlertKind, NoticeKind, TriggerEngine};
use wendu::Timestamp;
use wendu::{Alert, Engine, Outcome};

const BASE: &str = "2024-05-01T00:00:00Z";

/// The test pack: an English reason and journey dimension, a fraud factor, and `triggers`.
fn pack(triggers: Value) -> Value {
    json!({
        "pack": {"id": "t", "version": "1", "locale": "en-US"},
        "settings": {"route": {"from": ["reason"], "default": {"department": "CX office"}}},
        "dimensions": [
            {"id": "reason", "multi": true, "fallback": "other", "labels": [
                {"code": "login", "name": "Login", "route": {"department": "Digital"},
                 "rules": [{"when": {"terms": ["login", "otp", "password"]}}]},
                {"code": "fraud", "name": "Fraud", "route": {"department": "Security", "queue": "urgent"},
                 "rules": [{"when": {"terms": ["fraud", "stolen", "scam"]}}]},
                {"code": "fees", "name": "Fees", "rules": [{"when": {"terms": ["fee", "fees", "charge*"]}}]},
                {"code": "other", "name": "Other"}]},
            {"id": "journey", "fallback": "none", "labels": [
                {"code": "onboarding", "name": "Onboarding", "rules": [{"when": {"terms": ["register", "sign up"]}}]},
                {"code": "payments", "name": "Payments", "rules": [{"when": {"terms": ["transfer", "payment"]}}]},
                {"code": "none", "name": "None"}]}
        ],
        "severity": {
            "factors": [{"id": "fraud", "when": {"terms": ["fraud", "stolen"]}, "points": 60}],
            "levels": [{"id": "normal", "min_points": 0}, {"id": "major", "min_points": 50}]
        },
        "triggers": triggers
    })
}

fn engine(triggers: Value) -> TriggerEngine {
    let p = pack(triggers).to_string();
    match TriggerEngine::from_pack_json(&p) {
        Ok(t) => t,
        Err(e) => panic!("{}\n{:#?}", e.message(), e.problems()),
    }
}

fn problems(triggers: Value) -> Vec<String> {
    TriggerEngine::check(&pack(triggers).to_string())
        .into_iter()
        .filter(|p| p.is_error())
        .map(|p| format!("{} {}", p.path, p.message))
        .collect()
}

/// `minutes` after BASE, written in UTC.
fn at(minutes: i64) -> String {
    at_off(minutes, 0)
}

/// `minutes` after BASE, written with an offset of `off` minutes.
fn at_off(minutes: i64, off: i16) -> String {
    let t = Timestamp::parse(BASE).unwrap_or_else(|e| panic!("{e}"));
    Timestamp {
        millis: t.millis + minutes * 60_000,
        offset_minutes: off,
    }
    .format()
}

fn ev(id: &str, score: u32, minute: i64, extra: Value) -> Value {
    let mut v = json!({"id": id, "score": score, "scale": "csat5", "at": at(minute)});
    if let (Some(m), Value::Object(x)) = (v.as_object_mut(), extra) {
        for (k, x) in x {
            m.insert(k, x);
        }
    }
    v
}

fn run(t: &mut TriggerEngine, events: Vec<Value>) -> Vec<Alert> {
    let out = t.ingest_batch(events);
    for n in &out.notices {
        assert!(
            !matches!(n.kind, NoticeKind::Invalid),
            "unexpected notice {n:?}"
        );
    }
    out.alerts
}

fn low_count(n: u32, window: &str, extra: Value) -> Value {
    let mut p = json!({"id": "low", "kind": "low_count", "scale": "csat5", "low": 2,
        "window": window, "at_least": n, "group_by": ["branch"]});
    if let (Some(m), Value::Object(x)) = (p.as_object_mut(), extra) {
        for (k, x) in x {
            m.insert(k, x);
        }
    }
    json!({"policies": [p]})
}

// ---------------------------------------------------------------- immediate

#[test]
fn immediate_fires_on_each_low_score_per_scale() {
    let mut t = engine(json!({"policies": [{
        "id": "any-low", "kind": "immediate", "low": {"csat5": 2, "nps": 4}, "severity": "high"}]}));
    let alerts = run(
        &mut t,
        vec![
            ev("a", 3, 0, json!({})),
            ev("b", 2, 1, json!({})),
            json!({"id": "c", "score": 5, "scale": "nps", "at": at(2)}),
            json!({"id": "d", "score": 4, "scale": "nps", "at": at(3)}),
            json!({"id": "e", "score": 1, "scale": "ces7", "at": at(4)}),
        ],
    );
    let ids: Vec<&str> = alerts.iter().map(|a| a.events[0].as_str()).collect();
    assert_eq!(ids, ["b", "d"]);
    assert_eq!(alerts[0].severity, "high");
    assert_eq!(alerts[0].stats.count, 1);
    assert!(alerts[0].window.is_none());
}

#[test]
fn immediate_with_a_comment_condition_is_critical_and_routed() {
    let mut t = engine(json!({"policies": [{
        "id": "fraud-1star", "name": "1-star fraud", "kind": "immediate", "scale": "csat5", "low": 1,
        "when": {"any": [{"terms": ["scam", "stolen"]}, {"field": {"path": "decision.level", "eq": "major"}}]},
        "severity": "critical", "deadline_hours": 24}]}));
    let alerts = run(
        &mut t,
        vec![
            ev(
                "a",
                1,
                0,
                json!({"comment": "cannot login, otp never comes"}),
            ),
            ev("b", 2, 1, json!({"comment": "my money was stolen"})),
            ev(
                "c",
                1,
                2,
                json!({"comment": "Money STOLEN after a transfer"}),
            ),
            ev(
                "d",
                1,
                3,
                json!({"comment": "I was not scammed, just slow"}),
            ),
        ],
    );
    assert_eq!(alerts.len(), 1, "{alerts:#?}");
    let a = &alerts[0];
    assert_eq!(a.events, ["c"]);
    assert_eq!(a.severity, "critical");
    assert_eq!(a.deadline.as_deref(), Some("2024-05-02T00:02:00Z"));
    let route = a.route.as_ref().unwrap_or_else(|| panic!("no route"));
    assert_eq!(
        (route.department.as_str(), route.source),
        ("Security", "pain")
    );
    assert_eq!(a.pain_points[0].labels[0].code, "fraud");
    assert_eq!(a.pain_points[1].labels[0].code, "payments");
}

#[test]
fn conditions_on_labels_and_fields() {
    let mut t = engine(json!({"policies": [{
        "id": "app-login", "kind": "immediate", "scale": "csat5",
        "when": {"all": [{"label": {"dimension": "reason", "code": "login"}},
                         {"field": {"path": "channel", "eq": "APP"}}]}}]}));
    let alerts = run(
        &mut t,
        vec![
            ev(
                "a",
                1,
                0,
                json!({"comment": "login fails", "channel": "app"}),
            ),
            ev(
                "b",
                1,
                1,
                json!({"comment": "login fails", "channel": "branch"}),
            ),
            ev(
                "c",
                1,
                2,
                json!({"comment": "fees too high", "channel": "app"}),
            ),
            ev("d", 1, 3, json!({"channel": "app"})),
        ],
    );
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].events, ["a"]);
}

// ---------------------------------------------------------------- windows

#[test]
fn low_count_fires_at_exactly_n() {
    let mut t = engine(low_count(3, "1h", json!({})));
    let b = json!({"branch": "b1"});
    let alerts = run(
        &mut t,
        vec![
            ev("1", 1, 0, b.clone()),
            ev("2", 4, 5, b.clone()),
            ev("3", 2, 10, b.clone()),
        ],
    );
    assert!(alerts.is_empty(), "two low scores are not three");
    let alerts = run(&mut t, vec![ev("4", 2, 20, b.clone())]);
    assert_eq!(alerts.len(), 1);
    let a = &alerts[0];
    assert_eq!(a.kind, AlertKind::Fired);
    assert_eq!(a.stats.low, Some(3));
    assert_eq!(a.stats.count, 4);
    assert_eq!(a.events, ["1", "3", "4"]);
    assert_eq!(a.group.get("branch"), Some("b1"));
    assert_eq!(a.first_at.as_deref(), Some(at(0).as_str()));
    assert_eq!(a.last_at.as_deref(), Some(at(20).as_str()));
    assert_eq!(a.window.as_ref().map(|w| w.start.clone()), Some(at(-40)));
}

#[test]
fn window_start_is_exclusive() {
    // Exactly one window apart: the first has left the window.
    let mut t = engine(low_count(2, "1h", json!({})));
    let b = json!({"branch": "b1"});
    assert!(run(
        &mut t,
        vec![ev("1", 1, 0, b.clone()), ev("2", 1, 60, b.clone())]
    )
    .is_empty());
    // One millisecond less: both are in.
    let mut t = engine(low_count(2, "1h", json!({})));
    let mut e = ev("1", 1, 0, b.clone());
    e["at"] = json!("2024-05-01T00:00:00.001Z");
    let alerts = run(&mut t, vec![e, ev("2", 1, 60, b)]);
    assert_eq!(alerts.len(), 1);
}

#[test]
fn groups_are_separate_and_missing_group_fields_do_not_count() {
    let mut t = engine(low_count(2, "1h", json!({})));
    let alerts = run(
        &mut t,
        vec![
            ev("1", 1, 0, json!({"branch": "b1"})),
            ev("2", 1, 1, json!({"branch": "b2"})),
            ev("3", 1, 2, json!({})),
            ev("4", 1, 3, json!({"branch": 7})),
            ev("5", 1, 4, json!({"branch": "7"})),
        ],
    );
    assert_eq!(alerts.len(), 1, "numbers group as their decimal form");
    assert_eq!(alerts[0].group.get("branch"), Some("7"));
}

#[test]
fn cooldown_per_policy_and_group() {
    let mut t = engine(low_count(2, "1h", json!({"cooldown": "2h"})));
    let b1 = json!({"branch": "b1"});
    let b2 = json!({"branch": "b2"});
    let mut alerts = Vec::new();
    for (i, m) in [0, 10, 20, 30, 110].iter().enumerate() {
        alerts.extend(run(&mut t, vec![ev(&format!("x{i}"), 1, *m, b1.clone())]));
    }
    // Fired at 10; 20 and 30 still breach but are in the cooldown; 110 alone is no breach.
    assert_eq!(alerts.len(), 1);
    // The other group is not held back by b1's cooldown.
    let a2 = run(
        &mut t,
        vec![ev("y1", 1, 111, b2.clone()), ev("y2", 1, 112, b2)],
    );
    assert_eq!(a2.len(), 1);
    // Exactly at the end of the cooldown (10 + 120 min): fires again.
    let a3 = run(&mut t, vec![ev("x9", 1, 130, b1)]);
    assert_eq!(a3.len(), 1);
    assert_eq!(a3[0].events, ["x4", "x9"]);
}

#[test]
fn default_cooldown_is_one_window() {
    let mut t = engine(low_count(1, "1h", json!({})));
    let b = json!({"branch": "b1"});
    let fired: Vec<usize> = [0, 30, 59, 60, 61]
        .iter()
        .enumerate()
        .map(|(i, m)| run(&mut t, vec![ev(&format!("e{i}"), 1, *m, b.clone())]).len())
        .collect();
    assert_eq!(fired, [1, 0, 0, 1, 0]);
}

#[test]
fn mean_needs_the_minimum_count() {
    let mut t = engine(
        json!({"policies": [{"id": "mean", "kind": "mean", "scale": "csat5",
        "window": "1d", "at_most": 2.5, "min_count": 4}]}),
    );
    let alerts = run(
        &mut t,
        vec![
            ev("1", 1, 0, json!({})),
            ev("2", 1, 1, json!({})),
            ev("3", 2, 2, json!({})),
        ],
    );
    assert!(alerts.is_empty(), "three scores are below min_count");
    let alerts = run(&mut t, vec![ev("4", 5, 3, json!({}))]);
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].stats.mean.map(|m| m.0), Some(2.25));
    assert_eq!(alerts[0].events.len(), 4, "a mean is caused by every score");
    let j: Value = serde_json::from_str(&alerts[0].to_json()).unwrap_or_default();
    assert_eq!(j["stats"]["mean"], json!(2.25));
    assert_eq!(j["stats"]["threshold"], json!(2.5));
    assert_eq!(j["stats"]["nps"], Value::Null);
}

#[test]
fn mean_at_the_threshold_fires_and_below_is_strict() {
    for (key, fires) in [("at_most", true), ("below", false)] {
        let mut t = engine(
            json!({"policies": [{"id": "m", "kind": "mean", "scale": "csat5",
            "window": "1d", key: 3, "min_count": 2}]}),
        );
        let alerts = run(
            &mut t,
            vec![ev("1", 2, 0, json!({})), ev("2", 4, 1, json!({}))],
        );
        assert_eq!(alerts.len(), usize::from(fires), "{key}");
    }
}

#[test]
fn nps_below_zero_with_twenty_responses() {
    let mut t = engine(
        json!({"policies": [{"id": "nps", "kind": "nps", "window": "1d",
        "below": 0, "min_count": 20, "group_by": ["journey"]}]}),
    );
    let mut events = Vec::new();
    // 19 responses: 8 promoters, 9 detractors, 2 passives: NPS < 0 but too few.
    for i in 0..19 {
        let score = if i < 8 {
            10
        } else if i < 17 {
            3
        } else {
            8
        };
        events.push(
            json!({"id": format!("n{i}"), "score": score, "scale": "nps",
            "at": at(i), "journey": "loan"}),
        );
    }
    assert!(run(&mut t, events).is_empty());
    let alerts = run(
        &mut t,
        vec![json!({"id": "n19", "score": 7, "scale": "nps", "at": at(19), "journey": "loan"})],
    );
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].stats.nps.map(|n| n.0), Some(-5.0));
    assert_eq!(alerts[0].stats.count, 20);
    assert_eq!(
        alerts[0].stats.low,
        Some(9),
        "detractors are the low scores"
    );
}

#[test]
fn low_share_against_the_baseline() {
    let mut t = engine(
        json!({"policies": [{"id": "share", "kind": "low_share", "scale": "csat5",
        "window": "1d", "baseline": "7d", "above_by": 0.25, "min_count": 5, "min_baseline": 10}]}),
    );
    let mut events = Vec::new();
    // Baseline: 20 scores over days 0–6, 2 of them low (10%).
    for i in 0..20 {
        events.push(ev(
            &format!("b{i}"),
            if i % 10 == 0 { 1 } else { 5 },
            60 + i * 480,
            json!({}),
        ));
    }
    // Recent day (day 8): the last 3 of 10 low → 30%: not above 10% + 25%.
    for i in 0..10 {
        events.push(ev(
            &format!("r{i}"),
            if i >= 7 { 1 } else { 4 },
            8 * 1440 + i,
            json!({}),
        ));
    }
    assert!(run(&mut t, events).is_empty());
    // One more low: 4 of 11 ≈ 36% > 35%.
    let alerts = run(&mut t, vec![ev("r10", 2, 8 * 1440 + 20, json!({}))]);
    assert_eq!(alerts.len(), 1, "{alerts:#?}");
    let s = &alerts[0].stats;
    assert_eq!(s.baseline_count, Some(20));
    assert_eq!(s.baseline_share.map(|x| x.0), Some(0.1));
    assert_eq!(alerts[0].events.len(), 4);
}

#[test]
fn surge_of_classified_complaints_is_one_incident() {
    let mut t = engine(
        json!({"policies": [{"id": "surge", "kind": "surge", "window": "30m",
        "at_least": 5, "cooldown": "1d", "group_by": ["labels.reason"],
        "when": {"all": [{"label": {"dimension": "reason", "code": "login"}}, {"field": {"path": "channel", "eq": "app"}}]},
        "pain_points": {"dimensions": ["journey"]}, "severity": "incident"}]}),
    );
    let mut events = Vec::new();
    for i in 0..40 {
        events.push(
            json!({"type": "complaint", "id": format!("c{i}"), "channel": "app",
            "received_at": at(i / 2), "text": "cannot login to make a transfer"}),
        );
    }
    events.push(
        json!({"type": "complaint", "id": "x", "channel": "app", "received_at": at(1),
        "text": "fees"}),
    );
    let alerts = run(&mut t, events);
    assert_eq!(alerts.len(), 1, "500 tickets, one incident");
    let a = &alerts[0];
    assert_eq!(a.policy_kind, "surge");
    assert_eq!(a.stats.count, 5);
    assert_eq!(a.stats.low, None);
    assert_eq!(a.group.get("labels.reason"), Some("login"));
    assert_eq!(a.pain_points[0].labels[0].code, "payments");
    assert_eq!(a.pain_points[0].labels[0].count, 5);
    assert_eq!(
        a.route.as_ref().map(|r| r.department.as_str()),
        Some("CX office")
    );
}

#[test]
fn ingest_decision_takes_a_caller_classified_complaint() {
    let mut t = engine(
        json!({"policies": [{"id": "surge", "kind": "surge", "window": "1h", "at_least": 2}]}),
    );
    let e =
        Engine::new(&pack(json!({"policies": []})).to_string()).unwrap_or_else(|e| panic!("{e}"));
    let mut n = 0;
    for i in 0..2 {
        let c = wendu::Complaint::from_value(json!({"id": i, "text": "otp", "received_at": at(i)}))
            .unwrap_or_else(|e| panic!("{e}"));
        let d = e.classify(&c).unwrap_or_else(|e| panic!("{e}"));
        n += t.ingest_decision(&d, &c).alerts.len();
    }
    assert_eq!(n, 1);
    let c = wendu::Complaint::from_value(json!({"text": "otp"})).unwrap_or_else(|e| panic!("{e}"));
    let d = e.classify(&c).unwrap_or_else(|e| panic!("{e}"));
    let out = t.ingest_decision(&d, &c);
    let paths: Vec<&str> = out.notices[0]
        .problems
        .iter()
        .map(|p| p.path.as_str())
        .collect();
    assert_eq!(paths, ["/id", "/received_at"]);
}

// ---------------------------------------------------------------- recovery

#[test]
fn recovery_after_the_metric_stays_good() {
    let mut t = engine(low_count(
        2,
        "1h",
        json!({"cooldown": "1d", "recovery": {"for": "2h"}, "pain_points": {"dimensions": ["reason"]}}),
    ));
    let b = json!({"branch": "b1"});
    let fired = run(
        &mut t,
        vec![
            ev("1", 1, 0, json!({"branch": "b1", "comment": "otp"})),
            ev(
                "2",
                1,
                1,
                json!({"branch": "b1", "comment": "password reset"}),
            ),
        ],
    );
    assert_eq!(fired.len(), 1);
    assert_eq!(fired[0].pain_points[0].labels[0].code, "login");
    assert_eq!(fired[0].pain_points[0].labels[0].count, 2);
    assert_eq!(
        fired[0]
            .route
            .as_ref()
            .map(|r| (r.department.as_str(), r.source)),
        Some(("Digital", "pain"))
    );
    // Still breaching at 30: no recovery clock.
    assert!(run(&mut t, vec![ev("3", 5, 30, b.clone())]).is_empty());
    // Good from 61 on (the low scores left the window at 60 and 61).
    let mut out = Vec::new();
    for (i, m) in [61, 100, 150, 181].iter().enumerate() {
        out.extend(run(&mut t, vec![ev(&format!("g{i}"), 5, *m, b.clone())]));
    }
    assert_eq!(out.len(), 1, "{out:#?}");
    let r = &out[0];
    assert_eq!(r.kind, AlertKind::Recovered);
    assert_eq!(r.at, at(181));
    assert_eq!(r.closes.as_deref(), Some(fired[0].id.as_str()));
    assert_eq!(r.severity, "info");
    assert!(
        r.message.contains("since 2024-05-01T01:01:00Z"),
        "{}",
        r.message
    );
    // After recovery, a new breach fires at once (the cooldown was for the closed incident).
    let again = run(&mut t, vec![ev("4", 1, 190, b.clone()), ev("5", 1, 191, b)]);
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].kind, AlertKind::Fired);
}

#[test]
fn a_breach_resets_the_recovery_clock() {
    let mut t = engine(low_count(
        2,
        "1h",
        json!({"cooldown": "1d", "recovery": {"for": "2h"}}),
    ));
    let b = json!({"branch": "b1"});
    assert_eq!(
        run(
            &mut t,
            vec![ev("1", 1, 0, b.clone()), ev("2", 1, 1, b.clone())]
        )
        .len(),
        1
    );
    let mut all = Vec::new();
    for (i, (s, m)) in [(5, 70), (1, 100), (1, 110), (5, 171), (5, 200), (5, 231)]
        .iter()
        .enumerate()
    {
        all.extend(run(&mut t, vec![ev(&format!("e{i}"), *s, *m, b.clone())]));
    }
    // Good at 70, bad again at 110 (two lows within the hour), good from 171 → recovered at 291+.
    assert!(all.is_empty(), "{all:#?}");
    let r = run(&mut t, vec![ev("z", 5, 291, b)]);
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].kind, AlertKind::Recovered);
}

// ---------------------------------------------------------------- dedupe, lateness, bad events

#[test]
fn replaying_an_event_changes_nothing() {
    let policies = low_count(3, "1h", json!({}));
    let b = json!({"branch": "b1"});
    let stream = vec![
        ev("1", 1, 0, b.clone()),
        ev("2", 1, 1, b.clone()),
        ev("3", 1, 2, b.clone()),
    ];
    let mut plain = engine(policies.clone());
    let want = plain.ingest_batch(stream.clone());
    let mut dup = engine(policies);
    let mut replayed = Vec::new();
    for e in &stream {
        replayed.push(e.clone());
        replayed.push(e.clone());
    }
    let got = dup.ingest_batch(replayed);
    assert_eq!(got.alerts, want.alerts);
    assert_eq!(got.accepted, 3);
    let dups: Vec<usize> = got
        .notices
        .iter()
        .filter(|n| n.kind == NoticeKind::Duplicate)
        .map(|n| n.index)
        .collect();
    assert_eq!(dups, [1, 3, 5]);
    // Same id, different content: still a duplicate (dedupe is by id).
    let out = dup.ingest(ev("3", 5, 2, b));
    assert_eq!(out.notices[0].kind, NoticeKind::Duplicate);
}

#[test]
fn late_events_count_in_their_own_window_or_are_reported() {
    let mut t = engine(
        json!({"allowed_lateness": "10m", "policies": [{"id": "low", "kind": "low_count",
        "scale": "csat5", "window": "30m", "at_least": 3, "group_by": ["branch"]}]}),
    );
    let b1 = json!({"branch": "b1"});
    let b2 = json!({"branch": "b2"});
    assert!(run(
        &mut t,
        vec![ev("1", 1, 0, b1.clone()), ev("2", 1, 2, b1.clone())]
    )
    .is_empty());
    // Another branch moves the watermark to 9.
    assert!(run(&mut t, vec![ev("x", 5, 9, b2.clone())]).is_empty());
    // Late by 8 minutes, within the allowed 10: counts in its own window (−29, 1] → 1, 1.
    // With 0 and 2 that is… the window ending at 1 holds 0 and 1 only; no alert yet.
    let out = t.ingest(ev("3", 1, 1, b1.clone()));
    assert!(out.notices.is_empty() && out.alerts.is_empty());
    // The next in-order event sees all four.
    let out = t.ingest(ev("4", 5, 10, b1.clone()));
    assert_eq!(out.alerts.len(), 1);
    assert_eq!(
        out.alerts[0].events,
        ["1", "3", "2"],
        "sorted by event time"
    );
    // Watermark 10: an event at −1 is 11 minutes late: reported, not counted.
    let out = t.ingest(ev("5", 1, -1, b2.clone()));
    assert_eq!(out.accepted, 0);
    assert_eq!(out.notices[0].kind, NoticeKind::Late);
    assert!(
        out.notices[0].message.contains("allowed lateness 10m"),
        "{}",
        out.notices[0].message
    );
    // Exactly at the allowed lateness (watermark − 10m): accepted.
    assert_eq!(t.ingest(ev("6", 1, 0, b2)).accepted, 1);
}

#[test]
fn a_late_event_completing_its_own_window_fires() {
    let mut t = engine(
        json!({"allowed_lateness": "1h", "policies": [{"id": "low", "kind": "low_count",
        "scale": "csat5", "window": "10m", "at_least": 3}]}),
    );
    let alerts = run(
        &mut t,
        vec![
            ev("1", 1, 0, json!({})),
            ev("2", 1, 2, json!({})),
            ev("3", 5, 30, json!({})),
        ],
    );
    assert!(alerts.is_empty());
    let late = run(&mut t, vec![ev("4", 1, 5, json!({}))]);
    assert_eq!(late.len(), 1);
    assert_eq!(late[0].at, at(5));
    assert_eq!(late[0].events, ["1", "2", "4"]);
}

#[test]
fn bad_events_are_reported_one_by_one_and_the_stream_goes_on() {
    let mut t = engine(low_count(2, "1h", json!({})));
    let out = t.ingest_batch(vec![
        ev("1", 1, 0, json!({"branch": "b"})),
        json!({"id": "bad1", "score": 9, "scale": "csat5", "at": at(1), "branch": "b"}),
        json!({"id": "bad2", "score": 1, "scale": "stars", "at": at(1)}),
        json!({"id": "bad3", "score": 1, "scale": "csat5"}),
        json!({"id": "bad4", "score": 1, "scale": "csat5", "at": "2024-05-01T10:00:00"}),
        json!("not an object"),
        ev("2", 2, 2, json!({"branch": "b"})),
    ]);
    assert_eq!(out.accepted, 2);
    assert_eq!(out.alerts.len(), 1);
    let seen: Vec<(usize, Option<&str>, &str)> = out
        .notices
        .iter()
        .map(|n| (n.index, n.id.as_deref(), n.problems[0].path.as_str()))
        .collect();
    assert_eq!(
        seen,
        [
            (1, Some("bad1"), "/score"),
            (2, Some("bad2"), "/scale"),
            (3, Some("bad3"), "/at"),
            (4, Some("bad4"), "/at"),
            (5, None, ""),
        ]
    );
    assert!(out.notices.iter().all(|n| n.kind == NoticeKind::Invalid));
    // Malformed JSON text is one notice too.
    let out = t.ingest_json("{\"id\": 1,");
    assert_eq!(out.notices[0].kind, NoticeKind::Invalid);
    assert!(out.notices[0].message.contains("malformed JSON"));
}

/// An invalid complaint's notice names its id, as an invalid feedback event's does (it used to
/// be null unless the complaint had been held ahead of the watermark): the id is what an
/// operator looks the complaint up by.
#[test]
fn an_invalid_complaint_is_reported_with_its_id() {
    let mut t = engine(
        json!({"policies": [{"id": "surge", "kind": "surge", "window": "1h", "at_least": 2}]}),
    );
    let out = t.ingest_batch(vec![
        json!({"type": "complaint", "id": "c1", "received_at": at(0)}),
        json!({"type": "complaint", "id": 7, "text": 3, "received_at": at(0)}),
        json!({"type": "complaint", "text": "otp", "received_at": "soon"}),
    ]);
    let seen: Vec<(usize, NoticeKind, Option<&str>, &str)> = out
        .notices
        .iter()
        .map(|n| {
            (
                n.index,
                n.kind,
                n.id.as_deref(),
                n.problems[0].path.as_str(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            (0, NoticeKind::Invalid, Some("c1"), "/text"),
            (1, NoticeKind::Invalid, Some("7"), "/text"),
            (2, NoticeKind::Invalid, None, "/received_at"),
        ]
    );
    assert_eq!(out.accepted, 0);
}

#[test]
fn ingest_json_takes_an_object_or_an_array() {
    let mut t = engine(low_count(2, "1h", json!({})));
    let one = ev("1", 1, 0, json!({"branch": "b"})).to_string();
    assert_eq!(t.ingest_json(&one).accepted, 1);
    let many = json!([
        ev("2", 1, 1, json!({"branch": "b"})),
        ev("3", 1, 2, json!({"branch": "b"}))
    ]);
    let out = t.ingest_json(&many.to_string());
    assert_eq!(out.accepted, 2);
    assert_eq!(out.alerts.len(), 1);
}

// ---------------------------------------------------------------- time zones

#[test]
fn windows_are_instants_whatever_the_offset() {
    let mut t = engine(low_count(3, "1h", json!({})));
    let b = json!({"branch": "b"});
    let mut e1 = ev("1", 1, 0, b.clone());
    e1["at"] = json!(at_off(0, 480)); // 08:00+08:00
    let mut e2 = ev("2", 1, 0, b.clone());
    e2["at"] = json!(at_off(30, -300)); // 2024-04-30T19:30-05:00
    let mut e3 = ev("3", 1, 0, b);
    e3["at"] = json!(at_off(59, 330)); // 05:29+05:30
    let alerts = run(&mut t, vec![e1, e2, e3]);
    assert_eq!(alerts.len(), 1);
    let a = &alerts[0];
    assert_eq!(
        a.at, "2024-05-01T06:29:00+05:30",
        "written in the offset of the event"
    );
    assert_eq!(a.first_at.as_deref(), Some("2024-05-01T08:00:00+08:00"));
    assert_eq!(a.last_at.as_deref(), Some("2024-05-01T06:29:00+05:30"));
    assert_eq!(
        a.window.as_ref().map(|w| w.start.as_str()),
        Some("2024-05-01T05:29:00+05:30")
    );
}

#[test]
fn a_day_window_is_24_hours_not_a_calendar_day() {
    let mut t = engine(low_count(2, "1d", json!({})));
    let b = json!({"branch": "b"});
    let mut e1 = ev("1", 1, 0, b.clone());
    e1["at"] = json!("2024-05-01T23:30:00+08:00");
    let mut e2 = ev("2", 1, 0, b);
    e2["at"] = json!("2024-05-02T00:30:00+08:00");
    assert_eq!(run(&mut t, vec![e1, e2]).len(), 1);
}

// ---------------------------------------------------------------- output

#[test]
fn alert_json_has_a_fixed_field_order() {
    let mut t = engine(low_count(1, "1h", json!({"name": "Low at a branch"})));
    let a = run(
        &mut t,
        vec![ev("1", 1, 0, json!({"branch": "b", "comment": "otp"}))],
    );
    let j = a[0].to_json();
    let keys = [
        "\"id\"",
        "\"policy\"",
        "\"name\"",
        "\"kind\"",
        "\"policy_kind\"",
        "\"severity\"",
        "\"group\"",
        "\"at\"",
        "\"window\"",
        "\"stats\"",
        "\"message\"",
        "\"events\"",
        "\"events_total\"",
        "\"first_at\"",
        "\"last_at\"",
        "\"route\"",
        "\"deadline\"",
        "\"pain_points\"",
        "\"closes\"",
        "\"pack\"",
    ];
    let mut last = 0;
    for k in keys {
        let i = j.find(k).unwrap_or_else(|| panic!("{k} missing in {j}"));
        assert!(i >= last, "{k} out of order in {j}");
        last = i;
    }
    assert!(j.starts_with("{\"id\":\"al_"), "{j}");
    assert!(j.contains("\"group\":{\"branch\":\"b\"}"), "{j}");
    assert!(
        j.contains("\"stats\":{\"count\":1,\"low\":1,\"mean\":1,\"nps\":null,\"share\":1,"),
        "{j}"
    );
    // Deterministic: the same stream gives the same ids and bytes.
    let mut t2 = engine(low_count(1, "1h", json!({"name": "Low at a branch"})));
    let b = run(
        &mut t2,
        vec![ev("1", 1, 0, json!({"branch": "b", "comment": "otp"}))],
    );
    assert_eq!(b[0].to_json(), j);
    let o = Outcome {
        accepted: 1,
        alerts: b,
        notices: Vec::new(),
    };
    assert!(o.to_json().starts_with("{\"accepted\":1,\"alerts\":[{"));
}

// ---------------------------------------------------------------- state

#[test]
fn snapshot_restore_continues_exactly() {
    let policies = json!({"allowed_lateness": "30m", "policies": [
        {"id": "low", "kind": "low_count", "scale": "csat5", "window": "1h", "at_least": 3,
         "group_by": ["branch"], "cooldown": "2h", "recovery": {"for": "1h"}},
        {"id": "mean", "kind": "mean", "scale": "csat5", "window": "2h", "at_most": 2.5, "min_count": 3}]});
    let mut stream = Vec::new();
    for i in 0..60i64 {
        let score = if (i / 7) % 2 == 0 { 1 } else { 5 };
        let branch = if i % 3 == 0 { "b1" } else { "b2" };
        stream.push(ev(
            &format!("e{i}"),
            score,
            i * 9 - (i % 4) * 5,
            json!({"branch": branch, "comment": "otp fee"}),
        ));
    }
    let mut whole = engine(policies.clone());
    let want: Vec<String> = whole
        .ingest_batch(stream.clone())
        .alerts
        .iter()
        .map(Alert::to_json)
        .collect();
    assert!(want.len() >= 3, "{want:#?}");
    for split in [0, 1, 17, 30, 59, 60] {
        let mut a = engine(policies.clone());
        let mut got: Vec<String> = a
            .ingest_batch(stream[..split].to_vec())
            .alerts
            .iter()
            .map(Alert::to_json)
            .collect();
        let snap = a.snapshot();
        assert_eq!(snap, a.snapshot(), "deterministic");
        let mut b = engine(policies.clone());
        b.restore(&snap).unwrap_or_else(|e| panic!("{e}\n{snap}"));
        assert_eq!(b.snapshot(), snap, "restore then snapshot round-trips");
        got.extend(
            b.ingest_batch(stream[split..].to_vec())
                .alerts
                .iter()
                .map(Alert::to_json),
        );
        assert_eq!(got, want, "split at {split}");
    }
}

#[test]
fn restore_validates_untrusted_snapshots() {
    let mut t = engine(low_count(2, "1h", json!({})));
    t.ingest(ev("1", 1, 0, json!({"branch": "b"})));
    let good = t.snapshot();
    let before = t.snapshot();
    let err = |s: &str, t: &mut TriggerEngine| -> Vec<String> {
        match t.restore(s) {
            Ok(()) => panic!("accepted {s}"),
            Err(e) => e
                .problems()
                .iter()
                .map(|p| format!("{} {}", p.path, p.message))
                .collect(),
        }
    };
    assert!(err("{", &mut t)[0].contains("malformed JSON"));
    assert!(err("[]", &mut t)[0].contains("expected an object"));
    assert!(err(&good.replace("wendu.trigger.snapshot", "x"), &mut t)[0].starts_with("/format"));
    assert!(
        err(&good.replace("\"version\":1", "\"version\":9"), &mut t)[0].starts_with("/version")
    );
    let mut v: Value = serde_json::from_str(&good).unwrap_or_default();
    v["pack"]["hash"] = json!("sha256:00");
    assert!(err(&v.to_string(), &mut t)[0].contains("another pack"));
    let mut v: Value = serde_json::from_str(&good).unwrap_or_default();
    v["policies"][0]["groups"][0]["entries"][0][2] = json!(99);
    assert!(err(&v.to_string(), &mut t)[0].starts_with("/policies/0/groups/0/entries/0/2"));
    let mut v: Value = serde_json::from_str(&good).unwrap_or_default();
    v["policies"][0]["groups"][0]["key"] = json!(["a", "b"]);
    assert!(err(&v.to_string(), &mut t)[0].starts_with("/policies/0/groups/0/key"));
    let mut v: Value = serde_json::from_str(&good).unwrap_or_default();
    v["policies"][0]["id"] = json!("nope");
    assert!(err(&v.to_string(), &mut t)[0].contains("no policy \"nope\""));
    let mut v: Value = serde_json::from_str(&good).unwrap_or_default();
    v["watermark"] = json!(0);
    assert!(
        !err(&v.to_string(), &mut t).is_empty(),
        "times after the watermark"
    );
    // The failed restores changed nothing.
    assert_eq!(t.snapshot(), before);
    assert_eq!(
        t.ingest(ev("2", 1, 1, json!({"branch": "b"}))).alerts.len(),
        1
    );
}

#[test]
fn memory_is_bounded_by_the_windows() {
    let mut t = engine(json!({"allowed_lateness": "5m", "policies": [
        {"id": "low", "kind": "low_count", "scale": "csat5", "window": "10m", "at_least": 1000,
         "group_by": ["branch"]}]}));
    for i in 0..5000i64 {
        t.ingest(ev(
            &format!("e{i}"),
            1,
            i,
            json!({"branch": format!("b{}", i % 50)}),
        ));
    }
    let s = t.stats();
    // Every group keeps at most window + lateness (15 minutes) of entries; old groups are swept.
    assert!(s.entries <= 15 * 2 + 50, "{s:?}");
    assert!(s.groups <= 50, "{s:?}");
    assert!(
        s.ids <= 6,
        "ids are kept for the allowed lateness only: {s:?}"
    );
    for i in 0..100i64 {
        t.ingest(ev(
            &format!("f{i}"),
            1,
            5000 + i * 10,
            json!({"branch": format!("new{i}")}),
        ));
    }
    assert!(
        t.stats().groups <= 4,
        "idle groups are dropped: {:?}",
        t.stats()
    );
}

/// A service that saves and resumes more often than the sweep period still drops idle groups
/// (the schedule used to restart on every restore: 30 save/resume cycles kept 3,000 groups
/// where an uninterrupted run kept 100), and its snapshots do not depend on where it stopped.
#[test]
fn save_and_resume_sweeps_like_an_uninterrupted_run() {
    let triggers = json!({"policies": [
        {"id": "low", "kind": "low_count", "scale": "csat5", "window": "10m", "at_least": 1000,
         "group_by": ["branch"]}]});
    let events: Vec<Value> = (0..3000i64)
        .map(|i| ev(&format!("e{i}"), 1, i, json!({"branch": format!("b{i}")})))
        .collect();
    let mut whole = engine(triggers.clone());
    for e in &events {
        whole.ingest(e.clone());
    }
    let mut t = engine(triggers.clone());
    for chunk in events.chunks(7) {
        let mut again = engine(triggers.clone());
        again.restore(&t.snapshot()).expect("restore");
        for e in chunk {
            again.ingest(e.clone());
        }
        t = again;
    }
    assert!(whole.stats().groups <= 30, "{:?}", whole.stats());
    assert_eq!(t.stats(), whole.stats());
    assert_eq!(t.snapshot(), whole.snapshot());
}

/// One event with a mistyped year neither moves the watermark nor silences the stream; two
/// in a row do (the stream moved on), and neither is lost.
#[test]
fn one_event_far_ahead_cannot_silence_the_stream() {
    let triggers = json!({"max_ahead": "1d", "policies": [
        {"id": "fraud", "kind": "immediate", "scale": "csat5",
         "when": {"terms": ["fraud"]}, "severity": "critical"}]});
    let mut t = engine(triggers.clone());
    t.ingest(ev("a", 4, 0, json!({})));
    let typo = ev("b", 1, 38 * 365 * 24 * 60, json!({"comment": "fraud"}));
    let o = t.ingest(typo.clone());
    assert_eq!((o.accepted, o.notices[0].kind), (0, NoticeKind::Ahead));
    assert_eq!(
        t.watermark().map(|w| w.millis),
        Timestamp::parse(BASE).ok().map(|b| b.millis)
    );
    let o = t.ingest(ev("c", 1, 5, json!({"comment": "my card: fraud"})));
    assert_eq!(o.alerts.len(), 1, "{o:?}");
    assert_eq!(o.notices.len(), 1, "the held event is dropped: {o:?}");
    // A genuine gap: the first event after it waits for the second, then both count.
    let o = t.ingest(ev("d", 1, 3 * 24 * 60, json!({"comment": "fraud"})));
    assert_eq!((o.accepted, o.alerts.len()), (0, 0));
    let o = t.ingest(ev("e", 1, 3 * 24 * 60 + 1, json!({"comment": "fraud"})));
    assert_eq!((o.accepted, o.alerts.len()), (2, 2), "{o:?}");
    // The setting is validated.
    let bad = problems(json!({"max_ahead": "5s", "max_groups": 3, "policies": []}));
    assert_eq!(
        bad,
        [
            "/triggers/max_ahead max_ahead is at least 1m",
            "/triggers/max_groups max_groups is at least 10"
        ]
    );
}

/// Unique group keys cannot grow the state without bound: `max_groups` holds, the least
/// recently active groups go, and the event that needed the room says so.
#[test]
fn live_groups_are_capped() {
    let mut t = engine(json!({"max_groups": 100, "policies": [
        {"id": "low", "kind": "low_count", "scale": "csat5", "window": "1d", "at_least": 2,
         "group_by": ["customer_id"]}]}));
    let mut evicted = 0;
    for i in 0..1000i64 {
        let o = t.ingest(ev(
            &format!("e{i}"),
            1,
            i,
            json!({"customer_id": format!("c{i}")}),
        ));
        assert!(t.stats().groups <= 100, "{:?}", t.stats());
        evicted += o
            .notices
            .iter()
            .filter(|n| n.kind == NoticeKind::Evicted)
            .count();
    }
    assert_eq!(evicted, 90, "one notice per tenth of the cap");
    // The busiest group survives: it is the most recently active.
    for i in 0..3 {
        let o = t.ingest(ev(
            &format!("k{i}"),
            1,
            1000 + i,
            json!({"customer_id": "c999"}),
        ));
        if i == 0 {
            assert_eq!(o.alerts.len(), 1, "c999 kept its window: {o:?}");
        }
    }
}

// ---------------------------------------------------------------- validation

#[test]
fn the_section_is_validated_with_pointers() {
    let p = problems(json!({"policies": [
        {"id": "a", "kind": "sometimes"},
        {"id": "b", "kind": "low_count", "scale": "csat5"},
        {"id": "c", "kind": "mean", "scale": "csat5", "window": "3x", "at_most": 2},
        {"id": "d", "kind": "immediate", "scale": "csat5", "window": "1h", "when": {"terms": ["@nope"]}},
        {"id": "e", "kind": "surge", "window": "1h", "at_least": 3, "group_by": ["labels.nope"],
         "when": {"label": {"dimension": "reason", "code": "zzz"}}},
        {"id": "e", "kind": "nps", "window": "1h", "at_most": 0, "min_count": 5, "scale": "csat5"},
        {"id": "f", "kind": "low_count", "window": "1h", "at_least": 1, "scale": "csat5", "lowe": 2},
        {"id": "g", "kind": "immediate", "scale": "csat5", "low": 5}
    ], "pain_points": {"dimensions": ["nope"]}}));
    let want = [
        "/triggers/pain_points/dimensions/0 unknown dimension",
        "/triggers/policies/0/kind unknown kind",
        "/triggers/policies/1 missing required key \"window\"",
        "/triggers/policies/1 missing required key \"at_least\"",
        "/triggers/policies/2/window",
        "/triggers/policies/2 missing required key \"min_count\"",
        "/triggers/policies/3/window \"window\" does not apply",
        "/triggers/policies/4/group_by/0 unknown dimension",
        "/triggers/policies/5/id duplicate policy id",
        "/triggers/policies/5 an nps policy takes the nps scale",
        "/triggers/policies/6/lowe unknown key",
        "/triggers/policies/7/low a low-score threshold",
        "/triggers/policies/3/when/terms/0 unknown lexicon",
        "/triggers/policies/4/when/label/code dimension \"reason\" has no label \"zzz\"",
    ];
    for w in want {
        assert!(
            p.iter().any(|x| x.starts_with(w)),
            "missing {w:?} in {p:#?}"
        );
    }
}

#[test]
fn a_pack_without_triggers_has_no_policies() {
    let mut p = pack(json!({"policies": []}));
    if let Some(m) = p.as_object_mut() {
        m.remove("triggers");
    }
    let mut t = TriggerEngine::from_pack_json(&p.to_string()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(t.policy_count(), 0);
    assert_eq!(t.ingest(ev("1", 1, 0, json!({}))).accepted, 1);
}

#[test]
fn a_label_condition_after_a_text_condition_sees_the_classification() {
    // Policy 1 scans the comment without classifying it, then classifies it for its pain points;
    // policy 2's label condition must still see the labels.
    let mut t = engine(json!({"policies": [
        {"id": "p1", "kind": "immediate", "scale": "csat5", "when": {"terms": ["otp"]}},
        {"id": "p2", "kind": "immediate", "scale": "csat5",
         "when": {"label": {"dimension": "reason", "code": "login"}}}]}));
    let alerts = run(
        &mut t,
        vec![ev("1", 1, 0, json!({"comment": "otp never arrives"}))],
    );
    let policies: Vec<&str> = alerts.iter().map(|a| a.policy.as_str()).collect();
    assert_eq!(policies, ["p1", "p2"]);
}
