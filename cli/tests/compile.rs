//! `wendu compile` and `.wdp` packs in the other commands: the file it writes is what the library
//! compiles, is written the same twice, and classifies, checks and replays exactly as the JSON;
//! a damaged file is refused with the reason; `wendu test` says a compiled pack has no tests.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn wendu(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wendu"))
        .args(args)
        .output()
        .expect("run wendu")
}

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wendu-compile-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

#[test]
fn compile_writes_what_the_library_compiles_and_classify_agrees() {
    let json = repo().join("packs/en-banking.json");
    let (a, b) = (tmp("a.wdp"), tmp("b.wdp"));
    for out in [&a, &b] {
        let o = wendu(&[
            "compile",
            json.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let said = String::from_utf8_lossy(&o.stdout);
        assert!(said.contains("en-banking 1.1.0 (sha256:"), "{said}");
        assert!(said.contains("scanner"), "{said}");
    }
    let bytes = std::fs::read(&a).unwrap();
    assert_eq!(bytes, std::fs::read(&b).unwrap(), "two compilations differ");
    let text = std::fs::read_to_string(&json).unwrap();
    assert_eq!(bytes, wendu::Engine::new(&text).unwrap().to_compiled());

    let input = repo().join("examples/complaints.jsonl");
    let classify = |pack: &Path| {
        let o = wendu(&[
            "classify",
            "--pack",
            pack.to_str().unwrap(),
            input.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        o.stdout
    };
    assert_eq!(classify(&json), classify(&a));
    let check = wendu(&["check", a.to_str().unwrap()]);
    assert!(check.status.success());
    assert!(String::from_utf8_lossy(&check.stdout).contains("0 errors"));
}

#[test]
fn damaged_and_testless_compiled_packs_say_why() {
    let good = tmp("good.wdp");
    let o = wendu(&["compile", "cn-banking", "-o", good.to_str().unwrap()]);
    assert!(o.status.success(), "a built-in id compiles");
    assert_eq!(std::fs::read(&good).unwrap(), wendu::DEFAULT_PACK_COMPILED);
    let mut bytes = std::fs::read(&good).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    let bad = tmp("bad.wdp");
    std::fs::write(&bad, &bytes).unwrap();
    let o = wendu(&["classify", "--pack", bad.to_str().unwrap(), "-"]);
    assert!(!o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("checksum mismatch"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let o = wendu(&["test", good.to_str().unwrap()]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("compiled packs carry no test cases"));
}
