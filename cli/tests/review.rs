//! End-to-end tests of `wendu review` (and of the built-in pack ids on the other commands): what
//! a user relies on — the result, the places and words of each problem, the JSON shape, inputs
//! from the command line, stdin and files, exit codes and error messages.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn wendu(args: &[&str], stdin: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_wendu"));
    cmd.args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("run wendu");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes())
            .expect("write stdin");
    }
    child.wait_with_output().expect("wait")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A file under the system temp dir, unique per test, removed on drop.
struct TempFile(std::path::PathBuf);
impl TempFile {
    fn new(name: &str, content: &str) -> TempFile {
        let p = std::env::temp_dir().join(format!("wendu-review-{}-{name}", std::process::id()));
        std::fs::write(&p, content).expect("write temp file");
        TempFile(p)
    }
    fn path(&self) -> &str {
        self.0.to_str().expect("utf-8 path")
    }
}
impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[test]
fn text_on_the_command_line_gets_result_places_reference_and_fix() {
    let o = wendu(
        &["review", "限时抢购！XX理财保本保收益，\n年化收益率4.5%"],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.starts_with("result: 不通过 (reject)"), "{out}");
    assert!(out.contains("[reject] R-GUARANTEE 承诺保本保收益"), "{out}");
    assert!(out.contains("at:        1:10 “保本保收益”"), "{out}");
    assert!(out.contains("2:1 “年化收益率4.5%”"), "{out}");
    assert!(out.contains("reference: 资管新规"), "{out}");
    assert!(out.contains("fix:       删除保本"), "{out}");
    // Spans are marked in the copy (brackets when not a terminal).
    assert!(out.contains("[限时抢购]"), "{out}");
}

#[test]
fn clean_copy_passes() {
    let o = wendu(
        &[
            "review",
            "个人消费贷款，年化利率（单利）3.6%起，具体以审批结果为准。",
        ],
        None,
    );
    assert!(o.status.success());
    assert!(
        stdout(&o).starts_with("result: 通过 (pass), 0 problems"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn stdin_and_json_output() {
    let o = wendu(
        &["review", "--format", "json", "-"],
        Some("借1万元，日息低至0.02%。\n"),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).expect("one JSON object");
    assert_eq!(v["result"]["level"], "revise");
    assert_eq!(v["result"]["name"], "修改后通过");
    assert_eq!(v["pack"]["id"], "cn-marketing-review");
    assert_eq!(v["problems"][0]["code"], "R-LOAN-APR");
    let span = &v["problems"][0]["spans"][0];
    assert_eq!(span["text"], "日息");
    assert_eq!(
        (span["line"].as_u64(), span["col"].as_u64()),
        (Some(1), Some(6))
    );
    assert_eq!(
        (span["start"].as_u64(), span["end"].as_u64()),
        (Some(5), Some(7))
    );
}

#[test]
fn a_text_file_is_one_piece_named_by_its_path() {
    let f = TempFile::new("copy.txt", "本行理财\n稳赚不赔，\n零风险！");
    let o = wendu(&["review", "--format", "json", f.path()], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).expect("json");
    assert_eq!(v["id"], f.path());
    let spans = v["problems"][0]["spans"].as_array().expect("spans");
    let at: Vec<(u64, u64)> = spans
        .iter()
        .map(|s| {
            (
                s["line"].as_u64().unwrap_or(0),
                s["col"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(at, vec![(2, 1), (3, 1)]);
}

#[test]
fn json_lines_give_one_review_per_line_and_bad_lines_do_not_stop_the_run() {
    let f = TempFile::new(
        "batch.jsonl",
        concat!(
            r#"{"id": "a1", "text": "大学生专享，0门槛秒批"}"#,
            "\n",
            r#"{"id": "a2"}"#,
            "\n\n",
            r#"{"id": "a3", "text": "手机银行新版上线"}"#,
            "\n"
        ),
    );
    let o = wendu(&["review", "--format", "json", f.path()], None);
    assert_eq!(
        o.status.code(),
        Some(1),
        "a bad line makes the exit status 1"
    );
    let lines: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["id"], "a1");
    assert_eq!(lines[0]["result"]["level"], "reject");
    let codes: Vec<&str> = lines[0]["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .filter_map(|p| p["code"].as_str())
        .collect();
    assert_eq!(codes, vec!["R-VULNERABLE", "R-OVERBORROW"]);
    assert_eq!(lines[1]["line"], 2);
    assert!(
        lines[1]["error"].as_str().unwrap_or("").contains("text"),
        "{}",
        lines[1]
    );
    assert_eq!(lines[2]["result"]["level"], "pass");
    // The readable form names each piece.
    let o = wendu(&["review", f.path()], None);
    let out = stdout(&o);
    assert!(out.contains("== a1\nresult: 不通过 (reject)"), "{out}");
    assert!(out.contains("== line 2\nerror: invalid input"), "{out}");
}

#[test]
fn bad_input_gets_a_clear_error_not_a_panic() {
    let o = wendu(&["review", "drafts/missing.txt"], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("cannot open drafts/missing.txt: no such file"),
        "{}",
        stderr(&o)
    );
    let o = wendu(&["review", "-"], Some("   \n"));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("empty"), "{}", stderr(&o));
    let o = wendu(&["review", "--pack", "cn-banking", "保本理财"], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("no `problem` dimension"),
        "{}",
        stderr(&o)
    );
    let o = wendu(&["review", "--pack", "no-such-pack", "保本理财"], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("built-in packs: cn-banking, cn-marketing-review"),
        "{}",
        stderr(&o)
    );
    let long = "保本".repeat(60_000);
    let o = wendu(&["review", "-"], Some(&long));
    assert_eq!(o.status.code(), Some(2));
    assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
}

#[test]
fn the_evaluation_set_keeps_its_quality() {
    let set = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/review/eval.jsonl");
    let o = wendu(&["review", "--eval", set, "--format", "json"], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).expect("json");
    assert_eq!(v["pieces"], 108);
    // A regression guard, not the headline (EVALUATION.md has the held-out numbers).
    assert!(
        v["result_accuracy"].as_f64().unwrap_or(0.0) >= 0.95,
        "{}",
        v["result_accuracy"]
    );
    assert!(v["micro"]["precision"].as_f64().unwrap_or(0.0) >= 0.95);
    assert!(v["micro"]["recall"].as_f64().unwrap_or(0.0) >= 0.95);
    let o = wendu(&["review", "--eval", set], None);
    assert!(stdout(&o).contains("result accuracy:"), "{}", stdout(&o));
}

#[test]
fn built_in_ids_work_for_test_check_and_explain() {
    let o = wendu(&["test", "cn-marketing-review"], None);
    assert!(o.status.success(), "{}", stdout(&o));
    assert!(stdout(&o).contains(" passed, 0 failed"), "{}", stdout(&o));
    let o = wendu(&["check", "cn-marketing-review"], None);
    assert!(
        stdout(&o).contains("0 errors, 0 warnings"),
        "{}",
        stdout(&o)
    );
    let o = wendu(
        &["explain", "--pack", "cn-marketing-review", "保本理财"],
        None,
    );
    let out = stdout(&o);
    assert!(out.contains("R-GUARANTEE"), "{out}");
    assert!(out.contains("advice: 删除保本"), "{out}");
    assert!(!out.contains("deadline - h"), "{out}");
    let o = wendu(&["explain", "--pack", "cn-banking", "信用卡被盗刷"], None);
    assert!(o.status.success());
    assert!(stdout(&o).contains("pack cn-banking"), "{}", stdout(&o));
}

#[test]
fn eval_takes_a_built_in_pack_id_like_every_command() {
    let data = TempFile::new(
        "eval.jsonl",
        "{\"text\":\"信用卡年费被乱收了，要求退还年费\",\"label\":\"X1\"}\n\
         {\"text\":\"贷款提前还款被收违约金，态度很差\",\"label\":\"X2\"}\n",
    );
    let args = |pack: &str| {
        [
            "eval",
            "--pack",
            pack,
            "--data",
            data.path(),
            "--label",
            "label",
            "--format",
            "json",
        ]
        .map(String::from)
    };
    let run = |pack: &str| {
        let a = args(pack);
        wendu(&a.iter().map(String::as_str).collect::<Vec<_>>(), None)
    };
    let o = run("cn-banking");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("JSON report");
    assert_eq!(v["pack"]["id"], "cn-banking");
    assert_eq!(v["labelled"], 2);
    let o = run("no-such-pack");
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("built-in packs: cn-banking, cn-marketing-review"),
        "{}",
        stderr(&o)
    );
}
