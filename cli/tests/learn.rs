//! End-to-end test of `wendu learn`: what a bank relies on when it teaches a pack from its own
//! coded history — the command succeeds, writes the same bytes on every run (deterministic
//! training), and the pack it writes loads and labels a new complaint with the learned rule,
//! explained by the n-grams that caused it.

use std::path::PathBuf;
use std::process::Command;

/// A small coded history: three reasons, 40 complaints each, built from phrases a bank's
/// complaints use (no randomness: the same file every run).
fn history() -> String {
    let reasons = [
        (
            "C05",
            [
                "信用卡年费被乱收",
                "年费没有告知就扣了",
                "办卡时说免年费现在收年费",
            ],
        ),
        (
            "C03",
            [
                "提前还款被收违约金",
                "贷款利息算错了",
                "贷款还款扣款失败被罚息",
            ],
        ),
        (
            "C08",
            [
                "理财产品亏损没有风险提示",
                "销售人员说保本结果亏了",
                "理财经理夸大收益",
            ],
        ),
    ];
    let tails = ["请尽快处理", "非常不满意", "要求赔偿", "我要投诉"];
    let mut out = String::new();
    for i in 0..40 {
        for (code, phrases) in &reasons {
            let text = format!("{}，{}{i}", phrases[i % 3], tails[i % 4]);
            out.push_str(&serde_json::json!({"text": text, "label": code}).to_string());
            out.push('\n');
        }
    }
    out
}

fn temp(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("wendu-learn-{}-{name}", std::process::id()))
}

fn learn(data: &PathBuf, out: &PathBuf) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_wendu"))
        .args([
            "learn",
            "--pack",
            "cn-banking",
            "--label",
            "label",
            "--dimension",
            "reason",
        ])
        .arg("--data")
        .arg(data)
        .arg("-o")
        .arg(out)
        .output()
        .expect("run wendu learn")
}

#[test]
fn learn_writes_the_same_pack_every_time_and_it_explains_its_labels() {
    let data = temp("history.jsonl");
    std::fs::write(&data, history()).expect("write history");
    let (a, b) = (temp("a.json"), temp("b.json"));
    for out in [&a, &b] {
        let o = learn(&data, out);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    let (pa, pb) = (std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    for f in [&data, &a, &b] {
        let _ = std::fs::remove_file(f);
    }
    assert!(pa == pb, "two runs of wendu learn wrote different packs");

    let pack = String::from_utf8(pa).expect("UTF-8 pack");
    let engine = wendu::Engine::new(&pack).expect("the learned pack loads");
    assert_eq!(
        engine.models().iter().map(|m| m.id()).collect::<Vec<_>>(),
        ["reason"]
    );
    let d = engine
        .classify(&wendu::Complaint::from_text("信用卡年费被乱收了，要求退还"))
        .expect("a decision");
    let v = serde_json::to_value(&d).expect("decision JSON");
    let c05 = v["labels"]["reason"]
        .as_array()
        .and_then(|ls| ls.iter().find(|l| l["code"] == "C05"))
        .expect("C05 among the reasons");
    let learned = c05["rules"]
        .as_array()
        .and_then(|rs| rs.iter().find(|r| r["id"] == "C05#learned"))
        .expect("the learned rule fired");
    let quoted: Vec<&str> = learned["evidence"]
        .as_array()
        .expect("evidence")
        .iter()
        .filter(|e| e["kind"] == "model")
        .filter_map(|e| e["text"].as_str())
        .collect();
    assert!(quoted.contains(&"年费"), "model evidence {quoted:?}");
}
