//! Showing a decision's words to a person in a terminal: UTF-16 spans (what decisions give) back
//! to byte offsets, and the text with those spans marked.

/// The byte offset of UTF-16 code unit `unit` in `s` (the end when it is past it).
pub fn utf16_to_byte(s: &str, unit: usize) -> usize {
    let mut u = 0;
    for (i, c) in s.char_indices() {
        if u >= unit {
            return i;
        }
        u += c.len_utf16();
    }
    s.len()
}

/// The text with the spans (UTF-16 `(start, end)`) marked — bold red on a terminal, `[…]`
/// otherwise — overlapping spans (被盗 and 盗刷 in 被盗刷) merged into one mark.
pub fn highlight(
    text: &str,
    spans: impl IntoIterator<Item = (usize, usize)>,
    color: bool,
) -> String {
    let (open, close) = if color {
        ("\x1b[1;31m", "\x1b[0m")
    } else {
        ("[", "]")
    };
    let mut bytes: Vec<(usize, usize)> = spans
        .into_iter()
        .map(|(s, e)| (utf16_to_byte(text, s), utf16_to_byte(text, e)))
        .collect();
    bytes.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (s, e) in bytes {
        match merged.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    let mut out = String::new();
    let mut last = 0;
    for (s, e) in merged {
        out.push_str(text.get(last..s).unwrap_or(""));
        out.push_str(open);
        out.push_str(text.get(s..e).unwrap_or(""));
        out.push_str(close);
        last = e;
    }
    out.push_str(text.get(last..).unwrap_or(""));
    out
}
