//! Hostile compiled packs: bytes changed at random with the checksum recomputed, so that they
//! pass the header and reach every reader. Loading must fail cleanly or give an engine that
//! classifies, explains, triggers and writes itself out without a panic (debug builds also
//! trap integer overflow) and without hanging.

use super::store::MAGIC;
use crate::codec::xxh64;
use crate::{Engine, TriggerEngine};
use proptest::prelude::*;

fn pack(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/vectors/packs/{name}", env!("CARGO_MANIFEST_DIR"));
    let json = std::fs::read_to_string(path).unwrap();
    Engine::new(&json).unwrap().to_compiled()
}

/// Re-seal a changed body: the checksum of the body as it now is.
fn reseal(bytes: &mut [u8]) {
    let sum = xxh64(bytes.get(24..).unwrap_or_default());
    if let Some(h) = bytes.get_mut(16..24) {
        h.copy_from_slice(&sum.to_le_bytes());
    }
}

const INPUTS: &[&str] = &[
    r#"{"id":"a","title":"信用卡","text":"信用卡被乱收年费，我没有报警，打了95588，客服不处理，要投诉到银保监会 12,000元"}"#,
    r#"{"text":"The app keeps crashing and I was charged a fee twice, not refunded","customer":{"age":70}}"#,
    r#"{"text":"没收到退款 未来 没有 没办法 提前还款 年费 手续费 !!!","amount":150000}"#,
];

fn exercise(bytes: &[u8]) {
    let Ok(e) = Engine::from_compiled(bytes) else {
        return;
    };
    for input in INPUTS {
        let _ = e.classify_json(input).map(|d| d.to_json());
        let _ = e.verdict_json(input).map(|v| v.to_json());
    }
    let _ = e.describe().to_json();
    let _ = e.to_compiled();
    if let Ok(mut t) = TriggerEngine::new(e) {
        for i in 0..6 {
            let ev = format!(
                r#"{{"id":"{i}","score":{},"scale":"csat5","branch":"b","at":"2024-05-01T10:0{i}:00Z","comment":"信用卡 fee crash"}}"#,
                1 + i % 3
            );
            let _ = t.ingest_json(&ev).to_json();
        }
        let _ = t.snapshot();
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn resealed_damage_never_panics(
        which in 0..3usize,
        edits in prop::collection::vec((any::<prop::sample::Index>(), 0..3u8, any::<u8>()), 1..5),
    ) {
        let mut bytes = match which {
            0 => pack("conditions.json"),
            1 => pack("triggers.json"),
            _ => crate::DEFAULT_PACK_COMPILED.to_vec(),
        };
        let body = bytes.len() - 24;
        for (at, how, b) in edits {
            let i = 24 + at.index(body);
            // A new byte, or one nudged up or down (keeps varints well-formed more often, so the
            // change reaches the checks behind the decoding).
            bytes[i] = match how {
                0 => b,
                1 => bytes[i].wrapping_add(1 + b % 4),
                _ => bytes[i].wrapping_sub(1 + b % 4),
            };
        }
        reseal(&mut bytes);
        prop_assert!(bytes.starts_with(&MAGIC));
        exercise(&bytes);
    }

    #[test]
    fn unsealed_damage_is_caught_by_the_checksum(
        at in any::<prop::sample::Index>(),
        b in 1..=255u8,
    ) {
        let mut bytes = pack("conditions.json");
        let i = 24 + at.index(bytes.len() - 24);
        bytes[i] ^= b;
        let e = Engine::from_compiled(&bytes).unwrap_err();
        prop_assert!(e.problems()[0].message.contains("checksum mismatch"));
    }
}
