//! The pack's identity: a SHA-256 over its canonical JSON (keys sorted, no insignificant
//! whitespace), so reformatting a pack keeps its hash and any rule change changes it.

use serde_json::Value;
use sha2::{Digest, Sha256};

/// A pack's content hash (`sha256:` + hex), as every decision carries it: SHA-256 of the canonical
/// form of the JSON value (sorted keys, no insignificant whitespace).
pub fn content_hash(v: &Value) -> String {
    let mut bytes = Vec::new();
    canonical(v, &mut bytes);
    let digest = Sha256::digest(&bytes);
    let mut out = String::with_capacity(7 + 64);
    out.push_str("sha256:");
    for b in digest {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0xf)]));
    }
    out
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Writes the canonical form of `v`: keys sorted by their UTF-8 bytes, strings and numbers as
/// serde_json writes them. Written straight into one buffer (a string per key and leaf made
/// hashing ≈ 30% of a native pack compile, and more of a cold start in WebAssembly).
fn canonical(v: &Value, out: &mut Vec<u8>) {
    match v {
        Value::Object(m) => {
            // Sorted explicitly: the order must not depend on serde_json's map type.
            let mut entries: Vec<(&String, &Value)> = m.iter().collect();
            crate::sort::sort_by(&mut entries, |a, b| a.0.cmp(b.0));
            out.push(b'{');
            for (i, (k, x)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_json(k.as_str(), out);
                out.push(b':');
                canonical(x, out);
            }
            out.push(b'}');
        }
        Value::Array(a) => {
            out.push(b'[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                canonical(x, out);
            }
            out.push(b']');
        }
        other => write_json(other, out),
    }
}

/// Compact JSON of a string or scalar into `out`. Writing into a Vec cannot fail, and these
/// values always serialise, so there is no error to report.
fn write_json<T: serde::Serialize + ?Sized>(x: &T, out: &mut Vec<u8>) {
    if serde_json::to_writer(&mut *out, x).is_err() {
        out.extend_from_slice(b"null");
    }
}
