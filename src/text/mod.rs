//! Step three: pack → compile → **text** → scan → rules → decide. Turns a complaint's parts (title,
//! text) into one normalised string for matching, and keeps an offset map so every hit can be
//! reported against the original text. Terms, cues and field values are normalised the same way
//! ([`normalize_str`]), once, when the pack is compiled.

mod t2s;

use t2s::to_simplified;

/// Which normalisations to apply. Packs pick one per language; terms and text must use the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NormalizeOptions {
    /// U+FF01..=U+FF5E → ASCII, U+3000 ideographic space → `' '`.
    pub fullwidth: bool,
    /// Lowercase with `char::to_lowercase` (one char may become several).
    pub case_fold: bool,
    /// Traditional Chinese → simplified, one char at a time (see `t2s`).
    pub traditional: bool,
    /// Drop all whitespace; when false, each run of whitespace becomes one `' '` and leading or
    /// trailing whitespace of a part is dropped.
    pub strip_spaces: bool,
    /// Drop ASCII and CJK punctuation (never letters or digits).
    pub strip_punctuation: bool,
}

impl NormalizeOptions {
    /// Chinese text: everything but punctuation stripping (punctuation can separate clauses).
    pub const CHINESE: Self = NormalizeOptions {
        fullwidth: true,
        case_fold: true,
        traditional: true,
        strip_spaces: true,
        strip_punctuation: false,
    };
    /// English text: full-width and case folding; spaces collapsed, punctuation kept.
    pub const ENGLISH: Self = NormalizeOptions {
        fullwidth: true,
        case_fold: true,
        traditional: false,
        strip_spaces: false,
        strip_punctuation: false,
    };
}

/// Joins parts in [`Normalized::text`]. Whitespace inside parts is stripped or collapsed to
/// `' '`, so every `'\n'` in the text is a separator and no match can span two parts.
const SEPARATOR: char = '\n';

/// One piece of the offset map: the normalised bytes from `norm` up to the next segment come
/// from the original bytes from `orig` (relative to the part).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Segment {
    /// First normalised byte.
    norm: u32,
    /// First original byte.
    orig: u32,
    /// `u32::MAX` for a run of chars copied unchanged (each normalised byte maps to the original
    /// byte at the same distance); otherwise one changed char (folded, simplified, a collapsed
    /// space, one of several chars that one char lowercases to), whose original chars end here.
    orig_end: u32,
}

/// `Segment::orig_end` of a run of unchanged chars.
const COPIED: u32 = u32::MAX;

/// A normalised view of one or more original strings ("parts", e.g. a complaint's title and
/// text), joined by a `'\n'` separator that is always kept, so that no match spans two parts.
#[derive(Debug, Clone, Default)]
pub(crate) struct Normalized {
    /// The normalised text that matchers run over.
    pub text: String,
    /// The offset map, by `norm`. Most chars of a Chinese complaint are copied unchanged, so
    /// runs of them share one segment: ≈ 1 segment per 5 chars on the shared corpus, where a
    /// per-byte map took 8 bytes per byte and three pushes per CJK char (normalisation was
    /// ≈ 13k of ≈ 100k instructions per complaint; see BENCHMARKS.md).
    segments: Vec<Segment>,
    /// Byte offset in `text` where each part begins.
    part_starts: Vec<u32>,
    /// Byte offsets in `text` where a line of the original ended (the line break itself is
    /// normalised like other whitespace, so that a word wrapped over two lines still matches):
    /// a negation does not reach across them.
    pub breaks: Vec<u32>,
}

impl Normalized {
    /// Normalise `parts`, joining them with `'\n'`.
    #[cfg(test)]
    pub fn new(parts: &[&str], opts: &NormalizeOptions) -> Normalized {
        let mut n = Normalized::default();
        n.fill(parts, opts);
        n
    }

    /// Like `Normalized::new` (tests), but reusing this value's buffers (the classifier keeps one per
    /// thread: no allocation per complaint).
    pub fn fill(&mut self, parts: &[&str], opts: &NormalizeOptions) {
        self.fill_with::<true>(parts, opts);
    }

    /// [`Normalized::fill`] without the offset map, for callers that never map a range back to
    /// the original (verdicts): [`Normalized::original_range`] then answers `None`. The text is
    /// the same.
    pub fn fill_text(&mut self, parts: &[&str], opts: &NormalizeOptions) {
        self.fill_with::<false>(parts, opts);
    }

    fn fill_with<const MAP: bool>(&mut self, parts: &[&str], opts: &NormalizeOptions) {
        let total: usize = parts.iter().map(|p| p.len() + 1).sum();
        let Normalized {
            text,
            segments,
            part_starts,
            breaks,
        } = self;
        text.clear();
        segments.clear();
        part_starts.clear();
        breaks.clear();
        text.reserve(total);
        for (i, part) in parts.iter().enumerate() {
            if i > 0 {
                // Never mapped: `original_range` skips or clips at separators.
                text.push(SEPARATOR);
            }
            part_starts.push(off(text.len()));
            // Copied chars are not pushed one by one (`String::push` of a CJK char is a memcpy
            // call) but as whole runs, when a changed char or the end of the part comes.
            let mut pending: Option<(usize, usize)> = None;
            // Inlined into each of the emitting sites of `normalize_into`: as a call it cost
            // ≈ 18 instructions per char.
            normalize_into(
                part,
                opts,
                #[inline(always)]
                |c, start, end, copied| {
                    if c == LINE_END && !copied {
                        let pending_len = pending.map_or(0, |(s0, e0)| e0 - s0);
                        breaks.push(off(text.len() + pending_len));
                        return;
                    }
                    if copied {
                        match &mut pending {
                            Some((_, e)) if *e == start => *e = end,
                            _ => {
                                if let Some((s0, e0)) = pending.take() {
                                    text.push_str(part.get(s0..e0).unwrap_or(""));
                                }
                                if MAP {
                                    segments.push(Segment {
                                        norm: off(text.len()),
                                        orig: off(start),
                                        orig_end: COPIED,
                                    });
                                }
                                pending = Some((start, end));
                            }
                        }
                    } else {
                        if let Some((s0, e0)) = pending.take() {
                            text.push_str(part.get(s0..e0).unwrap_or(""));
                        }
                        if MAP {
                            segments.push(Segment {
                                norm: off(text.len()),
                                orig: off(start),
                                orig_end: off(end),
                            });
                        }
                        text.push(c);
                    }
                },
            );
            if let Some((s0, e0)) = pending {
                text.push_str(part.get(s0..e0).unwrap_or(""));
            }
        }
    }

    /// The original range `[start, end)` (part-relative) of the char that produced normalised
    /// byte `i`, `i` being in the part that begins at `part_start`.
    fn entry(&self, i: usize, part_start: usize) -> Option<[usize; 2]> {
        let seg = self.segment(i)?;
        if (seg.norm as usize) < part_start {
            return None;
        }
        if seg.orig_end != COPIED {
            return Some([seg.orig as usize, seg.orig_end as usize]);
        }
        // A copied char has the same bytes in both texts: find its bounds in the normalised one.
        let bytes = self.text.as_bytes();
        let mut cs = i;
        while bytes.get(cs).is_some_and(|&b| b & 0xC0 == 0x80) {
            cs = cs.checked_sub(1)?;
        }
        let mut ce = cs + 1;
        while bytes.get(ce).is_some_and(|&b| b & 0xC0 == 0x80) {
            ce += 1;
        }
        let at = |x: usize| seg.orig as usize + (x - seg.norm as usize);
        Some([at(cs), at(ce)])
    }

    /// The last segment starting at or before normalised byte `i`.
    #[inline]
    fn segment(&self, i: usize) -> Option<&Segment> {
        let k = self
            .segments
            .partition_point(|s| s.norm as usize <= i)
            .checked_sub(1)?;
        self.segments.get(k)
    }

    /// Map a byte range `[start, end)` of [`Self::text`] back to the original:
    /// `(part index, original byte start, original byte end)`, offsets relative to that part.
    ///
    /// The original range covers exactly the original chars that produced the normalised chars
    /// in the range: chars stripped in the middle are included, a trailing stripped space is not.
    /// A range crossing a separator is clipped to the part of its start (leading separators are
    /// skipped). Returns `None` for an empty or out-of-bounds range or one of separators only.
    pub fn original_range(&self, start: usize, end: usize) -> Option<(usize, usize, usize)> {
        let bytes = self.text.as_bytes();
        let mut start = start;
        let end = end.min(bytes.len());
        while start < end && bytes.get(start) == Some(&b'\n') {
            start += 1;
        }
        if start >= end {
            return None;
        }
        let part = self
            .part_starts
            .partition_point(|&p| p as usize <= start)
            .checked_sub(1)?;
        let part_start = *self.part_starts.get(part)? as usize;
        let part_end = self
            .part_starts
            .get(part + 1)
            .map_or(bytes.len(), |&next| (next as usize).saturating_sub(1));
        let end = end.min(part_end);
        let first = self.entry(start, part_start)?;
        let last = self.entry(end.checked_sub(1)?, part_start)?;
        Some((part, first[0], last[1]))
    }
}

/// Normalise a pack term (or cue word, or field value) exactly like text, for matching:
/// `normalize_str(s, opts) == Normalized::new(&[s], opts).text`.
pub fn normalize_str(s: &str, opts: &NormalizeOptions) -> String {
    let mut out = String::with_capacity(s.len());
    normalize_into(s, opts, |c, _, _, copied| {
        if c != LINE_END || copied {
            out.push(c);
        }
    });
    out
}

/// [`normalize_str`], without allocating when `s` is already normalised — as field values such
/// as `"app"` or `"微信"` usually are (field conditions compare one per rule: 15 per complaint
/// with the default pack).
pub(crate) fn normalize_cow<'a>(s: &'a str, opts: &NormalizeOptions) -> std::borrow::Cow<'a, str> {
    let unchanged = |c: char| {
        if c.is_ascii() {
            let changed = c.is_whitespace()
                || (opts.case_fold && c.is_ascii_uppercase())
                || (opts.strip_punctuation && c.is_ascii_punctuation());
            !changed
        } else {
            ('\u{4E00}'..='\u{9FFF}').contains(&c) && (!opts.traditional || to_simplified(c) == c)
        }
    };
    if s.chars().all(unchanged) {
        std::borrow::Cow::Borrowed(s)
    } else {
        std::borrow::Cow::Owned(normalize_str(s, opts))
    }
}

/// UTF-16 code-unit offset of byte offset `byte` in `s` (what JS, Java and Swift index by).
/// `byte` is clamped to `s.len()` and rounded down to a char boundary.
#[cfg(test)]
pub fn utf16_offset(s: &str, byte: usize) -> usize {
    let mut b = byte.min(s.len());
    while !s.is_char_boundary(b) {
        b -= 1;
    }
    let prefix = s.as_bytes().get(..b).unwrap_or_default();
    // One unit per char (every non-continuation byte), plus one more for each 4-byte char,
    // which needs a surrogate pair.
    prefix
        .iter()
        .map(|&x| usize::from(x & 0xC0 != 0x80) + usize::from(x >= 0xF0))
        .sum()
}

/// Number of chars of `s` between two byte offsets (in either order), for negation windows and
/// `near`. Offsets are clamped to `s.len()`.
pub(crate) fn char_distance(s: &str, from: usize, to: usize) -> usize {
    let (lo, hi) = (from.min(to).min(s.len()), from.max(to).min(s.len()));
    s.as_bytes()
        .get(lo..hi)
        .unwrap_or_default()
        .iter()
        .filter(|&&x| x & 0xC0 != 0x80)
        .count()
}

/// Original offsets are stored as u32 to halve the map; beyond 4 GiB they saturate rather
/// than wrap (such inputs are far outside what a complaint can be).
fn off(x: usize) -> u32 {
    u32::try_from(x).unwrap_or(u32::MAX)
}

/// The one normalisation routine behind both [`Normalized::fill`] and [`normalize_str`]:
/// calls `emit(char, original start, original end, copied)` for each output char, `copied`
/// meaning the char is the original char at `[start, end)`, unchanged.
#[inline]
fn normalize_into(
    s: &str,
    opts: &NormalizeOptions,
    mut emit: impl FnMut(char, usize, usize, bool),
) {
    // Collapsing: a whitespace run is emitted as one ' ' only once a later char is kept, so
    // leading and trailing whitespace disappear. `run` is the pending run's original range and
    // whether it holds a line break (then LINE_END is signalled first: see `flush`).
    // With `strip_spaces`, a run is still kept (as one ' ') between two ASCII letters/digits, so
    // that English words inside Chinese text stay apart ("app login" must not become "applogin").
    let mut run: Option<(usize, usize, bool)> = None;
    let mut emitted = false;
    let mut last_alnum = false;
    for (start, orig) in s.char_indices() {
        let end = start + orig.len_utf8();
        if orig.is_ascii() {
            // Fast path: no full-width, traditional or multi-char lowercase cases here.
            if orig.is_whitespace() {
                let line = matches!(orig, '\n' | '\r' | '\x0B' | '\x0C');
                run = Some(run.map_or((start, end, line), |(s0, _, l)| (s0, end, l || line)));
                continue;
            }
            if opts.strip_punctuation && orig.is_ascii_punctuation() {
                continue;
            }
            let alnum = orig.is_ascii_alphanumeric();
            if let Some(r) = run.take() {
                if emitted {
                    flush(r, !opts.strip_spaces || (last_alnum && alnum), &mut emit);
                }
            }
            emitted = true;
            last_alnum = alnum;
            let c = if opts.case_fold {
                orig.to_ascii_lowercase()
            } else {
                orig
            };
            emit(c, start, end, c == orig);
            continue;
        }
        if ('\u{4E00}'..='\u{9FFF}').contains(&orig) {
            // Fast path for CJK ideographs, the bulk of Chinese text: neither full-width,
            // whitespace, punctuation nor cased, so only the traditional→simplified table applies.
            let c = if opts.traditional {
                to_simplified(orig)
            } else {
                orig
            };
            if c == orig || !opts.case_fold || caseless(c) {
                if let Some(r) = run.take() {
                    if emitted {
                        flush(r, !opts.strip_spaces, &mut emit);
                    }
                }
                emitted = true;
                last_alnum = false;
                emit(c, start, end, c == orig);
                continue;
            }
        }
        let mut c = orig;
        if opts.fullwidth {
            c = match c {
                '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
                '\u{3000}' => ' ',
                _ => c,
            };
        }
        if c.is_whitespace() {
            let line = matches!(c, '\u{85}' | '\u{2028}' | '\u{2029}');
            run = Some(run.map_or((start, end, line), |(s0, _, l)| (s0, end, l || line)));
            continue;
        }
        if opts.strip_punctuation && is_punctuation(c) {
            continue;
        }
        if opts.traditional {
            c = to_simplified(c);
        }
        let alnum = c.is_ascii_alphanumeric();
        if let Some(r) = run.take() {
            if emitted {
                flush(r, !opts.strip_spaces || (last_alnum && alnum), &mut emit);
            }
        }
        emitted = true;
        last_alnum = alnum;
        if opts.case_fold && c.is_ascii() {
            // Folded from full-width.
            emit(c.to_ascii_lowercase(), start, end, false);
        } else if opts.case_fold && !caseless(c) {
            for l in c.to_lowercase() {
                emit(l, start, end, l == orig);
            }
        } else {
            emit(c, start, end, c == orig);
        }
    }
}

/// A whitespace run `(start, end, holds a line break)` between two kept chars: a line break is
/// signalled with LINE_END (which is never text: a line break is whitespace, so no original
/// char reaches `emit` as U+2029), then the run becomes one `' '` when `space` says the options
/// keep one, else nothing.
#[inline(always)]
fn flush(
    (s0, e0, line): (usize, usize, bool),
    space: bool,
    emit: &mut impl FnMut(char, usize, usize, bool),
) {
    if line {
        emit(LINE_END, s0, e0, false);
    }
    if space {
        emit(' ', s0, e0, false);
    }
}

/// The signal `normalize_into` gives for "a line of the original ended here": consumers record
/// it (Normalized::breaks) or drop it (terms), never write it.
const LINE_END: char = '\u{2029}';

/// Scripts without case (CJK, kana, Yi, Hangul, emoji…), so `to_lowercase`'s table search can
/// be skipped for the bulk of Chinese text. Verified exhaustively by a test.
fn caseless(c: char) -> bool {
    matches!(c as u32, 0x2E80..=0xA63F | 0xAC00..=0xD7FF | 0xF900..=0xFAFF | 0x1F000..=0x3FFFF)
}

/// ASCII punctuation and the common CJK, full-width and general punctuation marks
/// (，。！？、；：“”‘’（）《》【】…—· and relatives). Never letters, digits or 〇.
fn is_punctuation(c: char) -> bool {
    c.is_ascii_punctuation()
        || matches!(c,
            '\u{00A1}' | '\u{00A7}' | '\u{00AB}' | '\u{00B6}' | '\u{00B7}' | '\u{00BB}' | '\u{00BF}'
            | '\u{2010}'..='\u{2027}'   // dashes, quotes, bullets, … ‧
            | '\u{2030}'..='\u{205E}'   // ‰ ′ ″ ‹ › ※ ‼ ⁇ …
            | '\u{3001}'..='\u{3003}'   // 、。〃
            | '\u{3008}'..='\u{3011}'   // 〈〉《》「」『』【】
            | '\u{3014}'..='\u{301F}'   // 〔〕〖〗〘〙〚〛〜〝〞〟
            | '\u{30FB}'                // ・
            | '\u{FE10}'..='\u{FE19}'   // vertical forms
            | '\u{FE30}'..='\u{FE4F}'   // CJK compatibility forms
            | '\u{FE50}'..='\u{FE6B}'   // small form variants
            | '\u{FF01}'..='\u{FF0F}'   // full-width ！＂＃…／
            | '\u{FF1A}'..='\u{FF20}'   // ：；＜＝＞？＠
            | '\u{FF3B}'..='\u{FF40}'   // ［＼］＾＿｀
            | '\u{FF5B}'..='\u{FF65}'   // ｛｜｝～ and half-width ｟｠｡｢｣､･
        )
}

#[cfg(test)]
mod tests;
