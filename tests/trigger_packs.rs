//! The shipped trigger sections: packs/en-banking.json (app-review replay) and
//! the `triggers` section of the default Chinese pack (packs/cn-banking.json) — they load, and each
//! policy fires on a small hand-written stream and stays quiet where it should.

use serde_json::{json, Value};
use wendu::trigger::{AlertKind, TriggerEngine};
use wendu::{Alert, Engine};

fn read(path: &str) -> String {
    let full = format!("{}/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{full}: {e}"))
}

fn build(pack: &str) -> TriggerEngine {
    TriggerEngine::from_pack_json(pack)
        .unwrap_or_else(|e| panic!("{}\n{:#?}", e.message(), e.problems()))
}

fn en() -> TriggerEngine {
    build(&read("packs/en-banking.json"))
}

/// The default pack, whose `triggers` section is the Chinese policies.
fn cn() -> TriggerEngine {
    let pack = read("packs/cn-banking.json");
    assert!(
        pack.contains("\"triggers\""),
        "the default pack ships its triggers"
    );
    build(&pack)
}

fn fired<'a>(alerts: &'a [Alert], policy: &str) -> Vec<&'a Alert> {
    alerts
        .iter()
        .filter(|a| a.policy == policy && a.kind == AlertKind::Fired)
        .collect()
}

fn review(id: &str, bank: &str, rating: u8, date: &str, text: &str) -> Value {
    json!({"id": id, "bank": bank, "score": rating, "scale": "csat5",
           "at": format!("{date}T00:00:00Z"), "comment": text})
}

#[test]
fn en_pack_loads_and_its_own_tests_pass() {
    let t = en();
    assert_eq!(t.policy_count(), 6);
    let report = t.engine().run_tests();
    assert!(report.passed >= 40, "{} pack tests", report.passed);
    assert_eq!(
        report.failed,
        0,
        "{:#?}",
        report
            .results
            .iter()
            .filter(|r| !r.passed)
            .collect::<Vec<_>>()
    );
    assert!(TriggerEngine::check(&read("packs/en-banking.json")).is_empty());
}

#[test]
fn en_five_low_reviews_in_three_days_fire_with_pain_points() {
    let mut t = en();
    let out = t.ingest_batch(vec![
        review(
            "r1",
            "Acme",
            1,
            "2025-03-01",
            "App crashes after the update",
        ),
        review("r2", "Acme", 2, "2025-03-01", "OTP never arrives"),
        review("r3", "Other", 1, "2025-03-02", "crash"),
        review("r4", "Acme", 5, "2025-03-02", "great"),
        review(
            "r5",
            "Acme",
            1,
            "2025-03-02",
            "since the update it will not open",
        ),
        review("r6", "Acme", 1, "2025-03-03", "keeps crashing"),
        review("r7", "Acme", 2, "2025-03-03", "login fails, cannot log in"),
    ]);
    let a = fired(&out.alerts, "bank-low-3d");
    assert_eq!(a.len(), 1, "{:#?}", out.alerts);
    let a = a[0];
    assert_eq!(a.group.get("bank"), Some("Acme"));
    assert_eq!(a.stats.low, Some(5));
    assert_eq!(a.events, ["r1", "r2", "r5", "r6", "r7"]);
    let reason = &a.pain_points[0];
    assert_eq!(reason.dimension, "reason");
    assert_eq!(reason.texts, 5);
    assert_eq!(
        (reason.labels[0].code.as_str(), reason.labels[0].count),
        ("crash", 3)
    );
    assert_eq!(
        a.route.as_ref().map(|r| r.department.as_str()),
        Some("Digital channels")
    );
    assert_eq!(a.deadline.as_deref(), Some("2025-03-06T00:00:00Z"));
    // Three days later the first two have left the window: no second alert, and the cooldown
    // (7 days) holds anyway.
    let out = t.ingest(review("r8", "Acme", 1, "2025-03-04", "crash"));
    assert!(fired(&out.alerts, "bank-low-3d").is_empty());
}

#[test]
fn en_fraud_or_lost_money_alerts_at_once() {
    let mut t = en();
    let out = t.ingest_batch(vec![
        review(
            "a",
            "Acme",
            1,
            "2025-03-01",
            "money was deducted but never arrived at my sister",
        ),
        review(
            "b",
            "Acme",
            2,
            "2025-03-01",
            "somebody stole my savings, this is fraud",
        ),
        review(
            "c",
            "Acme",
            1,
            "2025-03-01",
            "I was not scammed, it is just slow",
        ),
        review(
            "d",
            "Acme",
            4,
            "2025-03-01",
            "fraud everywhere in this country, app is fine",
        ),
    ]);
    let ids: Vec<&str> = fired(&out.alerts, "fraud-review")
        .iter()
        .map(|a| a.events[0].as_str())
        .collect();
    assert_eq!(ids, ["a", "b"]);
    let b = fired(&out.alerts, "fraud-review")[1];
    assert_eq!(b.severity, "critical");
    assert_eq!(
        b.route.as_ref().map(|r| r.department.as_str()),
        Some("Fraud & security")
    );
}

#[test]
fn en_crashes_against_one_app_version() {
    let mut t = en();
    let mut events = Vec::new();
    for (i, v) in ["5.2.1", "5.2.1", "5.1.0", "5.2.1"].iter().enumerate() {
        let mut e = review(
            &format!("v{i}"),
            "Acme",
            1,
            "2025-03-01",
            "crashes on start",
        );
        e["app_version"] = json!(v);
        events.push(e);
    }
    let out = t.ingest_batch(events);
    let a = fired(&out.alerts, "release-crashes");
    assert_eq!(a.len(), 1);
    assert_eq!(a[0].group.get("app_version"), Some("5.2.1"));
}

#[test]
fn cn_triggers_load_into_the_default_pack() {
    let t = cn();
    let described = t.engine().describe();
    let ids: Vec<&str> = described.policies.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "csat-high-risk",
            "branch-low-1h",
            "journey-nps-1d",
            "channel-low-share-1d",
            "surge-business-1h",
            "outage-e-channel"
        ]
    );
}

fn csat(id: &str, score: u8, minute: u32, branch: &str, comment: &str) -> Value {
    json!({"id": id, "score": score, "scale": "csat5", "branch": branch, "channel": "A01",
           "journey": "J12", "at": format!("2026-03-01T09:{minute:02}:00+08:00"), "comment": comment})
}

#[test]
fn cn_low_score_with_a_high_risk_comment_is_critical() {
    let mut t = cn();
    let out = t.ingest_batch(vec![
        csat("f1", 1, 0, "BJ-001", "我的卡被盗刷了两万元"),
        csat("f2", 2, 1, "SH-002", "排队太久"),
        csat("f3", 3, 2, "SH-002", "再不处理我就打12378投诉"),
        csat("f4", 2, 3, "SH-002", "再不处理我就打12378投诉"),
    ]);
    let a = fired(&out.alerts, "csat-high-risk");
    let ids: Vec<&str> = a.iter().map(|a| a.events[0].as_str()).collect();
    assert_eq!(
        ids,
        ["f1", "f4"],
        "a 3 is not low; 排队太久 is not high-risk"
    );
    assert_eq!(a[0].severity, "critical");
    assert_eq!(
        a[0].route.as_ref().map(|r| r.department.as_str()),
        Some("消保办")
    );
    assert_eq!(a[0].deadline.as_deref(), Some("2026-03-02T09:00:00+08:00"));
}

#[test]
fn cn_three_low_scores_at_one_branch_within_an_hour() {
    let mut t = cn();
    let out = t.ingest_batch(vec![
        csat("a", 2, 0, "BJ-001", "排队太久"),
        csat("b", 1, 20, "BJ-002", "服务态度差"),
        csat("c", 1, 30, "BJ-001", "服务态度差"),
        csat("d", 5, 40, "BJ-001", ""),
        csat("e", 2, 59, "BJ-001", "柜员不耐烦"),
    ]);
    let a = fired(&out.alerts, "branch-low-1h");
    assert_eq!(a.len(), 1);
    assert_eq!(a[0].group.get("branch"), Some("BJ-001"));
    assert_eq!(a[0].events, ["a", "c", "e"]);
    assert_eq!(a[0].pain_points[0].labels[0].code, "C01");
}

#[test]
fn cn_journey_nps_below_zero_with_twenty_responses() {
    let mut t = cn();
    let mut events = Vec::new();
    for i in 0..20u32 {
        // 6 promoters, 8 detractors, 6 passives: NPS −10.
        let score = if i < 6 {
            10
        } else if i < 14 {
            4
        } else {
            8
        };
        events.push(
            json!({"id": format!("n{i}"), "score": score, "scale": "nps", "journey": "J03",
            "at": format!("2026-03-01T{:02}:00:00+08:00", i)}),
        );
    }
    let out = t.ingest_batch(events);
    let a = fired(&out.alerts, "journey-nps-1d");
    assert_eq!(a.len(), 1);
    assert_eq!(a[0].stats.nps.map(|n| n.0), Some(-10.0));
    assert_eq!(a[0].group.get("journey"), Some("J03"));
}

#[test]
fn cn_complaint_surges_per_business_line_and_outage() {
    let mut t = cn();
    let mut events = Vec::new();
    for i in 0..25u32 {
        events.push(
            json!({"type": "complaint", "id": format!("c{i}"), "channel": "app",
            "received_at": format!("2026-03-01T10:{i:02}:00+08:00"),
            "text": "手机银行APP一直闪退，转账失败，系统故障"}),
        );
    }
    let out = t.ingest_batch(events);
    let surge = fired(&out.alerts, "surge-business-1h");
    assert_eq!(surge.len(), 1, "one incident, not 25 tickets");
    assert_eq!(surge[0].stats.count, 20);
    let outage = fired(&out.alerts, "outage-e-channel");
    assert_eq!(outage.len(), 1);
    assert_eq!(outage[0].severity, "incident");
    assert_eq!(
        outage[0].route.as_ref().map(|r| r.department.as_str()),
        Some("电子银行部")
    );
    // Engine shared for classification: the pack is the default one.
    assert_eq!(
        t.engine().info().id,
        Engine::default_pack()
            .map(|e| e.info().id.clone())
            .unwrap_or_default()
    );
}
