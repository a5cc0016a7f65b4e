//! Under `model`: standard base64 (RFC 4648, `=` padding) — how a model's JSON form carries its
//! weights and idf bytes (see `model::format`, which re-exports these). Decoding names the first bad
//! character's offset, never panics.

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 (RFC 4648) with `=` padding.
pub fn base64_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk.first().copied().unwrap_or(0),
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                let idx = ((n >> (18 - 6 * i)) & 63) as usize;
                out.push(char::from(ALPHABET.get(idx).copied().unwrap_or(b'A')));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Decode [`base64_encode`]'s output; a message naming the first bad character otherwise.
pub fn base64_decode(text: &str) -> Result<Vec<u8>, String> {
    let bytes = text.as_bytes();
    if bytes.len() % 4 != 0 {
        return Err("base64 length is not a multiple of 4".into());
    }
    let mut out = Vec::with_capacity(bytes.len() / 4 * 3);
    let chunks = bytes.len() / 4;
    for (ci, chunk) in bytes.chunks(4).enumerate() {
        let last = ci + 1 == chunks;
        let mut n = 0u32;
        let mut pad = 0;
        for (i, &c) in chunk.iter().enumerate() {
            let v = match c {
                b'A'..=b'Z' => c - b'A',
                b'a'..=b'z' => c - b'a' + 26,
                b'0'..=b'9' => c - b'0' + 52,
                b'+' => 62,
                b'/' => 63,
                b'=' if last && i >= 2 && (i == 3 || chunk.get(3) == Some(&b'=')) => {
                    pad += 1;
                    0
                }
                _ => return Err(format!("invalid base64 character at offset {}", ci * 4 + i)),
            };
            if pad > 0 && c != b'=' {
                return Err(format!("invalid base64 padding at offset {}", ci * 4 + i));
            }
            n = (n << 6) | u32::from(v);
        }
        let b = n.to_be_bytes();
        out.extend_from_slice(b.get(1..4 - pad).unwrap_or_default());
    }
    Ok(out)
}
