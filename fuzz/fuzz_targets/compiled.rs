//! Compiled packs (`.wdp` bytes) as untrusted input: the real ones (the built-in packs, the
//! English pack, the vectors' packs — a learned model among them — and the packs with learned
//! models compiled by this build)
//! changed byte by byte, or any bytes. The header's body length and XXH64 checksum are mostly
//! re-sealed after the change, so that it reaches the section readers, and sometimes left as
//! they are, so that the header checks are fuzzed too. `Engine::from_compiled` never panics and
//! stays within the load bound; a pack that loads classifies complaints with every invariant of
//! the `classify` target, writes itself out again (`to_compiled`), and the bytes written load
//! to an engine that decides identically and writes the same bytes.
//!
//! Input: one control byte, then either the whole file (control < 0x80: libFuzzer's own byte
//! mutations) or, for a real pack chosen by the control byte, a list of edits of 6 bytes each
//! (a position, an operation, a byte) — so that the large packs are fuzzed without a large seed.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::json;
use std::sync::OnceLock;
use std::time::Duration;
use wendu::{Engine, TriggerEngine};
use wendu_fuzz::{assert_fast, check_complaint, reseal, text_budget, timed, PACKS};

/// The real compiled packs: the repository's packs (`PACKS`, the built-in ones as shipped) and
/// the two packs with learned models (the default pack's reason model, the English pack's
/// product dimension) compiled by this build, once per process.
fn bases() -> &'static [Vec<u8>] {
    static B: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    B.get_or_init(|| {
        let mut out = vec![
            wendu::DEFAULT_PACK_COMPILED.to_vec(),
            wendu::REVIEW_PACK_COMPILED.to_vec(),
        ];
        for (name, json) in PACKS.iter().skip(2) {
            let e = Engine::new(json).unwrap_or_else(|e| panic!("pack {name}: {e}"));
            out.push(e.to_compiled());
        }
        for json in [
            wendu::DEFAULT_PACK,
            include_str!("../../packs/en-banking.json"),
        ] {
            out.push(Engine::new(json).expect("pack with a model").to_compiled());
        }
        out
    })
}

/// Complaints every loaded pack classifies: Chinese and English, negation, amounts, personal
/// data, customer fields; the last one is made of the pack's own terms.
const INPUTS: &[&str] = &[
    r#"{"id":"a","title":"信用卡","text":"信用卡被乱收年费，我没有报警，打了95588，客服不处理，要投诉到银保监会 12,000元，电话13812345678"}"#,
    r#"{"id":"b","text":"The app keeps crashing and I was charged a fee twice, not refunded. a@b.com","customer":{"age":70,"vulnerable":true},"amount":150000,"channel":"app"}"#,
    r#"{"text":"没收到退款 未来 没有 没办法 提前还款 年费 手续费 催收 电话 !!!","received_at":"2026-05-01T00:00:00+08:00"}"#,
];

/// Apply the edits (6 bytes each: position u32, operation, byte) to a real pack's body.
fn edit(bytes: &mut Vec<u8>, edits: &[u8]) {
    for e in edits.chunks_exact(6).take(16) {
        let body = bytes.len().saturating_sub(24);
        if body == 0 {
            return;
        }
        let at = 24 + u32::from_le_bytes([e[0], e[1], e[2], e[3]]) as usize % body;
        let b = e[5];
        match e[4] % 8 {
            0 => bytes[at] = b,
            // Nudged up or down: varints stay well-formed more often, so the change reaches the
            // checks behind the decoding.
            1 => bytes[at] = bytes[at].wrapping_add(1 + b % 4),
            2 => bytes[at] = bytes[at].wrapping_sub(1 + b % 4),
            3 => bytes[at] ^= 1 << (b % 8),
            4 => bytes.insert(at, b),
            5 => {
                bytes.remove(at);
            }
            // A run of bytes copied further on (a list item repeated) or dropped.
            6 => {
                let n = usize::from(b % 32) + 1;
                let run: Vec<u8> = bytes[at..(at + n).min(bytes.len())].to_vec();
                let to = (at + n).min(bytes.len());
                bytes.splice(to..to, run);
            }
            _ => {
                let n = (usize::from(b % 32) + 1).min(bytes.len() - at);
                bytes.drain(at..at + n);
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&control, rest)) = data.split_first() else {
        return;
    };
    let mut bytes = if control & 0x80 == 0 {
        rest.to_vec()
    } else {
        let all = bases();
        // Mostly the small packs: the built-in ones and those with models take longer to load.
        // Of 32 choices: the built-in packs, the English one, the two with models one each, the
        // vectors' packs the rest.
        let n = all.len();
        let i = match usize::from((control >> 2) & 0x1f) {
            p @ 0..=2 => p,
            3 => n - 2,
            4 => n - 1,
            p => 3 + p % (n - 5),
        };
        let mut b = all[i].clone();
        edit(&mut b, rest);
        b
    };
    // control % 4: 0 the header as it is; 1 the body length fixed; 2 and 3 the length and the
    // checksum re-sealed.
    if control % 4 != 0 && bytes.len() >= 24 {
        let len = (bytes.len() - 24) as u32;
        bytes[8..12].copy_from_slice(&len.to_le_bytes());
        if control % 4 >= 2 {
            reseal(&mut bytes);
        }
    }

    let budget = Duration::from_millis(500 + (bytes.len() as u64 * 5) / 1024);
    let (loaded, took) = timed(|| Engine::from_compiled(&bytes));
    assert_fast("Engine::from_compiled", took, budget, || {
        let _ = Engine::from_compiled(&bytes);
    });
    let sections = Engine::compiled_sections(&bytes);
    let e = match loaded {
        Err(err) => {
            assert_eq!(err.problems().len(), 1, "one problem says why: {err}");
            assert!(err.problems()[0].is_error());
            return;
        }
        Ok(e) => e,
    };
    assert!(sections.is_ok(), "a pack that loads has readable sections");
    let _ = e.describe().to_json();
    let _ = e.info();

    let terms: Vec<&str> = e.terms().take(4096).collect();
    let own: String = if terms.is_empty() {
        String::new()
    } else {
        rest.iter()
            .rev()
            .take(48)
            .map(|&b| terms[usize::from(b) % terms.len()])
            .collect::<Vec<_>>()
            .join("，没有")
    };
    let own = json!({"id": "own", "text": own}).to_string();
    let inputs: Vec<&str> = INPUTS.iter().copied().chain([own.as_str()]).collect();
    let mut decisions = Vec::new();
    for input in &inputs {
        let chars = input.chars().count();
        let (_, took) = timed(|| (e.classify_json(input), e.verdict_json(input)));
        assert_fast("classify and verdict", took, text_budget(chars) * 2, || {
            let _ = (e.classify_json(input), e.verdict_json(input));
        });
        decisions.push(check_complaint(&e, input));
    }

    // Round trip: what the loaded pack writes loads again, decides the same and writes the
    // same bytes.
    let written = e.to_compiled();
    let again = Engine::from_compiled(&written)
        .unwrap_or_else(|err| panic!("to_compiled of a loaded pack does not load: {err}"));
    assert_eq!(
        again.to_compiled(),
        written,
        "to_compiled is not a fixed point"
    );
    assert_eq!(again.info(), e.info());
    assert_eq!(again.warnings(), e.warnings());
    for (input, d) in inputs.iter().zip(&decisions) {
        let d2 = again
            .classify_json(input)
            .map(|d| d.to_json())
            .unwrap_or_else(|err| err.to_json());
        assert_eq!(&d2, d, "the written pack decides differently");
    }

    // Policies read from the bytes run on a few events.
    if let Ok(mut t) = TriggerEngine::new(e) {
        let (_, took) = timed(|| {
            for i in 0..6 {
                let ev = format!(
                    r#"{{"id":"{i}","score":{},"scale":"csat5","branch":"b","at":"2026-05-01T10:0{i}:00Z","comment":"信用卡 fee crash 年费"}}"#,
                    1 + i % 3
                );
                let _ = t.ingest_json(&ev).to_json();
            }
            let _ = t.snapshot();
        });
        assert!(
            took <= Duration::from_secs(2),
            "slow input: six trigger events took {took:?}"
        );
    }
});
