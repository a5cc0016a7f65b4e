//! `wendu replay`: a line it cannot read is reported with the reader's own message (a malformed
//! JSON Lines line with its column, an unreadable CSV row), and the stream goes on.

use std::process::Command;

fn replay(name: &str, stream: &[u8]) -> (String, String, i32) {
    let dir = std::env::temp_dir().join(format!("wendu-replay-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, stream).expect("stream file");
    let pack = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/vectors/packs/triggers.json"
    );
    let out = Command::new(env!("CARGO_BIN_EXE_wendu"))
        .args(["replay", "--pack", pack, "--notices"])
        .arg(&path)
        .output()
        .expect("run wendu");
    let _ = std::fs::remove_dir_all(&dir);
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code().unwrap_or(-1),
    )
}

#[test]
fn a_malformed_jsonl_line_is_reported_with_the_parse_error_and_column() {
    let stream = concat!(
        r#"{"id": "a", "score": 1, "scale": "csat5", "at": "2026-05-01T00:00:00Z"}"#,
        "\n",
        r#"{"id": "b", "score": 1,, "scale": "csat5"}"#,
        "\n",
        r#"{"id": "c", "score": 5, "scale": "csat5", "at": "2026-05-01T00:01:00Z"}"#,
        "\n"
    );
    let (stdout, stderr, code) = replay("s.jsonl", stream.as_bytes());
    let notice: serde_json::Value =
        serde_json::from_str(stdout.lines().next().unwrap_or("")).expect("one notice line");
    assert_eq!(notice["line"], 2);
    assert_eq!(notice["notice"]["kind"], "invalid");
    let message = notice["notice"]["message"].as_str().unwrap_or("");
    assert!(
        message.starts_with("malformed JSON at line 1, column 24:"),
        "{message}"
    );
    assert!(!message.contains("found string"), "{message}");
    assert!(stderr.starts_with("3 inputs, 2 counted"), "{stderr}");
    assert_eq!(code, 1, "an invalid line fails the run");
}

#[test]
fn an_unreadable_csv_row_is_reported_with_the_reader_message() {
    // A row that is not UTF-8.
    let stream =
        b"id,at,score,comment\na,2026-05-01T00:00:00Z,1,ok\nb,2026-05-01T00:01:00Z,1,\xff\xfe\n";
    let (stdout, _, code) = replay("s.csv", stream);
    let first = stdout.lines().next().unwrap_or("");
    assert!(first.contains("\"line\":3"), "{stdout}");
    assert!(first.contains("unreadable CSV row"), "{stdout}");
    assert_eq!(code, 1);
}
