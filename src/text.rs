//! Text normalisation: pack → compile → **text** → scan → rules → decide.
//! Turns a complaint's parts (title, body…) into one normalised string for matching, and keeps
//! an offset map so every hit can be reported against the original text.

use crate::t2s::to_simplified;

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
pub struct Normalized {
    /// The normalised text that matchers run over.
    pub text: String,
    /// The offset map, by `norm`. Most chars of a Chinese complaint are copied unchanged, so
    /// runs of them share one segment: ≈ 1 segment per 5 chars on the shared corpus, where a
    /// per-byte map took 8 bytes per byte and three pushes per CJK char (normalisation was
    /// ≈ 13k of ≈ 100k instructions per complaint; see BENCHMARKS.md).
    segments: Vec<Segment>,
    /// Byte offset in `text` where each part begins.
    part_starts: Vec<u32>,
}

impl Normalized {
    /// Normalise `parts`, joining them with `'\n'`.
    pub fn new(parts: &[&str], opts: &NormalizeOptions) -> Normalized {
        let mut n = Normalized::default();
        n.fill(parts, opts);
        n
    }

    /// Like [`Normalized::new`], but reusing this value's buffers (the classifier keeps one per
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
        } = self;
        text.clear();
        segments.clear();
        part_starts.clear();
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
    normalize_into(s, opts, |c, _, _, _| out.push(c));
    out
}

/// [`normalize_str`], without allocating when `s` is already normalised — as field values such
/// as `"app"` or `"微信"` usually are (field conditions compare one per rule: 15 per complaint
/// with the default pack).
pub fn normalize_cow<'a>(s: &'a str, opts: &NormalizeOptions) -> std::borrow::Cow<'a, str> {
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
pub fn char_distance(s: &str, from: usize, to: usize) -> usize {
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

/// The one normalisation routine behind both [`Normalized::new`] and [`normalize_str`]:
/// calls `emit(char, original start, original end, copied)` for each output char, `copied`
/// meaning the char is the original char at `[start, end)`, unchanged.
#[inline]
fn normalize_into(
    s: &str,
    opts: &NormalizeOptions,
    mut emit: impl FnMut(char, usize, usize, bool),
) {
    // Collapsing: a whitespace run is emitted as one ' ' only once a later char is kept, so
    // leading and trailing whitespace disappear. `run` is the pending run's original range.
    // With `strip_spaces`, a run is still kept (as one ' ') between two ASCII letters/digits, so
    // that English words inside Chinese text stay apart ("app login" must not become "applogin").
    let mut run: Option<(usize, usize)> = None;
    let mut emitted = false;
    let mut last_alnum = false;
    for (start, orig) in s.char_indices() {
        let end = start + orig.len_utf8();
        if orig.is_ascii() {
            // Fast path: no full-width, traditional or multi-char lowercase cases here.
            if orig.is_whitespace() {
                run = Some(run.map_or((start, end), |(s0, _)| (s0, end)));
                continue;
            }
            if opts.strip_punctuation && orig.is_ascii_punctuation() {
                continue;
            }
            let alnum = orig.is_ascii_alphanumeric();
            if let Some((s0, e0)) = run.take() {
                if emitted && (!opts.strip_spaces || (last_alnum && alnum)) {
                    emit(' ', s0, e0, false);
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
                if let Some((s0, e0)) = run.take() {
                    if emitted && !opts.strip_spaces {
                        emit(' ', s0, e0, false);
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
            run = Some(run.map_or((start, end), |(s0, _)| (s0, end)));
            continue;
        }
        if opts.strip_punctuation && is_punctuation(c) {
            continue;
        }
        if opts.traditional {
            c = to_simplified(c);
        }
        let alnum = c.is_ascii_alphanumeric();
        if let Some((s0, e0)) = run.take() {
            if emitted && (!opts.strip_spaces || (last_alnum && alnum)) {
                emit(' ', s0, e0, false);
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
mod tests {
    use super::*;

    const CN: NormalizeOptions = NormalizeOptions::CHINESE;
    const EN: NormalizeOptions = NormalizeOptions::ENGLISH;

    fn norm(s: &str, o: &NormalizeOptions) -> String {
        let n = Normalized::new(&[s], o);
        assert_eq!(
            n.text,
            normalize_str(s, o),
            "normalize_str disagrees on {s:?}"
        );
        n.text
    }

    /// Find `needle` in the normalised text and return the original substring and its range.
    fn find_back<'a>(
        parts: &[&'a str],
        o: &NormalizeOptions,
        needle: &str,
    ) -> (usize, &'a str, usize, usize) {
        let n = Normalized::new(parts, o);
        let at = n
            .text
            .find(needle)
            .unwrap_or_else(|| panic!("{needle:?} not in {:?}", n.text));
        let (p, s, e) = n
            .original_range(at, at + needle.len())
            .unwrap_or_else(|| panic!("no range"));
        (
            p,
            parts[p].get(s..e).unwrap_or_else(|| panic!("bad range")),
            s,
            e,
        )
    }

    #[test]
    fn fullwidth() {
        assert_eq!(norm("ＡＢＣ１２３", &CN), "abc123");
        assert_eq!(norm("ＡＢＣ１２３", &EN), "abc123");
        let keep_case = NormalizeOptions {
            case_fold: false,
            ..CN
        };
        assert_eq!(norm("ＡＢＣ！～", &keep_case), "ABC!~");
        assert_eq!(norm("ａ　ｂ", &EN), "a b");
        // A space between two ASCII letters/digits survives stripping (English words stay apart).
        assert_eq!(norm("ａ　ｂ", &CN), "a b");
        assert_eq!(norm("ａ　盗", &CN), "a盗");
        let off = NormalizeOptions {
            fullwidth: false,
            ..EN
        };
        assert_eq!(norm("ＡＢ", &off), "ａｂ"); // case folding still applies to full-width
    }

    #[test]
    fn case_folding_and_expansion() {
        assert_eq!(norm("Hello WORLD", &EN), "hello world");
        assert_eq!(norm("ÀÉÎ", &EN), "àéî");
        // 'İ' (U+0130) lowercases to "i\u{307}": two chars from one.
        assert_eq!(norm("İstanbul", &EN), "i\u{307}stanbul");
        let (_, orig, s, e) = find_back(&["xİstanbul"], &EN, "stan");
        assert_eq!((orig, s, e), ("stan", 3, 7));
        let n = Normalized::new(&["xİy"], &EN);
        // The combining dot alone maps back to the whole 'İ'.
        assert_eq!(n.original_range(2, 4), Some((0, 1, 3)));
        let off = NormalizeOptions {
            case_fold: false,
            ..EN
        };
        assert_eq!(norm("AbC", &off), "AbC");
    }

    #[test]
    fn traditional_to_simplified() {
        assert_eq!(norm("銀行卡被盜刷", &CN), "银行卡被盗刷");
        assert_eq!(norm("貸款", &CN), "贷款");
        assert_eq!(norm("還款", &CN), "还款");
        assert_eq!(norm("詐騙", &CN), "诈骗");
        assert_eq!(norm("帳戶", &CN), "账户");
        assert_eq!(norm("賬戶", &CN), "账户");
        assert_eq!(norm("賬戶", &EN), "賬戶"); // not asked for
        assert_eq!(norm("银行卡被盗刷", &CN), "银行卡被盗刷");
    }

    #[test]
    fn spaces_stripped_or_collapsed() {
        assert_eq!(norm("  盗 刷\t\n了 ", &CN), "盗刷了");
        assert_eq!(
            norm("  card \t\n stolen\u{A0}\u{3000}now  ", &EN),
            "card stolen now"
        );
        assert_eq!(norm("", &EN), "");
        assert_eq!(norm(" \t ", &EN), "");
        assert_eq!(norm("a\u{2003}b", &CN), "a b");
        assert_eq!(norm("APP 登录 login  failed", &CN), "app登录login failed");
        // Collapsed space maps back to its whole run.
        let n = Normalized::new(&["a \t b"], &EN);
        assert_eq!(n.text, "a b");
        assert_eq!(n.original_range(1, 2), Some((0, 1, 4)));
        assert_eq!(n.original_range(0, 3), Some((0, 0, 5)));
    }

    #[test]
    fn punctuation() {
        let o = NormalizeOptions {
            strip_punctuation: true,
            ..CN
        };
        assert_eq!(
            norm("盗刷，了！“真的”？（是）《书》【注】…—·、；：", &o),
            "盗刷了真的是书注"
        );
        assert_eq!(norm("a.b,c-d 1.5%", &o), "abcd 15");
        assert_eq!(norm("〇一二3４", &o), "〇一二34");
        assert_eq!(norm("盗刷，了！", &CN), "盗刷,了!"); // full-width folded, not stripped
        assert_eq!(norm("盗刷。了", &CN), "盗刷。了");
    }

    /// Verdicts normalise without the offset map: the same text, and no range maps back (rather
    /// than a stale map of the previous text).
    #[test]
    fn fill_text_gives_the_same_text_without_a_map() {
        let opts = NormalizeOptions::CHINESE;
        let mut mapped = Normalized::default();
        let mut plain = Normalized::default();
        for parts in [
            &["信用卡 被 乱收年費！！", "ＡＴＭ 吞卡 95588"][..],
            &["Credit  CARD fee"][..],
            &["", "标题"][..],
        ] {
            mapped.fill(parts, &opts);
            plain.fill_text(parts, &opts);
            assert_eq!(plain.text, mapped.text, "{parts:?}");
            assert!(
                mapped.original_range(0, mapped.text.len()).is_some()
                    || mapped.text.trim().is_empty()
            );
            assert_eq!(plain.original_range(0, plain.text.len()), None, "{parts:?}");
        }
    }

    #[test]
    fn original_range_through_stripped_chars() {
        let o = NormalizeOptions {
            strip_punctuation: true,
            ..CN
        };
        let (_, orig, _, _) = find_back(&["我的卡被 盗，刷 了"], &o, "盗刷");
        assert_eq!(orig, "盗，刷");
        // A trailing stripped char is not included, nor a leading one.
        let (_, orig, _, _) = find_back(&["被 盗刷 ，了"], &o, "盗刷");
        assert_eq!(orig, "盗刷");
        let (_, orig, _, _) = find_back(&["被 盗刷 ，了"], &o, "被盗刷");
        assert_eq!(orig, "被 盗刷");
    }

    #[test]
    fn emoji_and_fullwidth_before_match() {
        let s = "😀😀ＡＢ盗刷";
        let (_, orig, start, end) = find_back(&[s], &CN, "盗刷");
        assert_eq!(orig, "盗刷");
        assert_eq!(utf16_offset(s, start), 6);
        assert_eq!(utf16_offset(s, end), 8);
        assert_eq!(norm(s, &CN), "😀😀ab盗刷");
        let (_, orig, _, _) = find_back(&[s], &CN, "ab");
        assert_eq!(orig, "ＡＢ");
    }

    #[test]
    fn multi_part_with_separator() {
        let parts = ["信用卡 盗刷", "", "  ", "銀行 不處理"];
        let n = Normalized::new(&parts, &CN);
        assert_eq!(n.text, "信用卡盗刷\n\n\n银行不处理");
        let (p, orig, _, _) = find_back(&parts, &CN, "银行");
        assert_eq!((p, orig), (3, "銀行"));
        let at = n.text.find("盗刷").unwrap_or(0);
        // Crossing the separators: clipped to the start's part.
        assert_eq!(
            n.original_range(at, n.text.len())
                .map(|(p, s, e)| (p, &parts[0][s..e])),
            Some((0, "盗刷"))
        );
        // Starting on separators: skipped to the next part.
        let sep = n.text.find('\n').unwrap_or(0);
        assert_eq!(
            n.original_range(sep, n.text.len())
                .map(|(p, s, e)| (p, &parts[p][s..e])),
            Some((3, "銀行 不處理"))
        );
        assert_eq!(n.original_range(sep, sep + 3), None);
        assert_eq!(n.original_range(3, 3), None);
        assert_eq!(n.original_range(5, 2), None);
        assert_eq!(n.original_range(n.text.len(), usize::MAX), None);
        // Whitespace never becomes '\n', so every '\n' is a separator.
        let n = Normalized::new(&["a\nb", "c\r\nd"], &EN);
        assert_eq!(n.text, "a b\nc d");
        assert_eq!(Normalized::new(&[], &EN).text, "");
        assert_eq!(Normalized::new(&[], &EN).original_range(0, 1), None);
    }

    #[test]
    fn offsets_utf16_and_chars() {
        let s = "a😀中b";
        assert_eq!(utf16_offset(s, 0), 0);
        assert_eq!(utf16_offset(s, 1), 1);
        assert_eq!(utf16_offset(s, 3), 1); // inside the emoji: rounded down
        assert_eq!(utf16_offset(s, 5), 3);
        assert_eq!(utf16_offset(s, 8), 4);
        assert_eq!(utf16_offset(s, 9), 5);
        assert_eq!(utf16_offset(s, 1000), 5);
        assert_eq!(char_distance(s, 0, 9), 4);
        assert_eq!(char_distance(s, 9, 0), 4);
        assert_eq!(char_distance(s, 1, 8), 2);
        assert_eq!(char_distance(s, 5, 1000), 2);
        assert_eq!(char_distance(s, 1000, 2000), 0);
        assert_eq!(char_distance("", 0, 5), 0);
    }

    #[test]
    fn caseless_ranges_really_have_no_case() {
        for c in (0..=0x3F_FFFFu32)
            .filter_map(char::from_u32)
            .filter(|&c| caseless(c))
        {
            assert!(c.to_lowercase().eq([c]), "U+{:04X}", c as u32);
        }
    }

    /// The offset map as it was first written, one entry per normalised byte (None for the
    /// separators): the reference for the segments.
    fn reference_map(parts: &[&str], o: &NormalizeOptions) -> Vec<Option<[usize; 2]>> {
        let mut map = Vec::new();
        for (i, part) in parts.iter().enumerate() {
            if i > 0 {
                map.push(None);
            }
            normalize_into(part, o, |c, start, end, _| {
                for _ in 0..c.len_utf8() {
                    map.push(Some([start, end]));
                }
            });
        }
        map
    }

    struct XorShift(u64);
    impl XorShift {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    const ALPHABET: &[char] = &[
        'a',
        'Z',
        'q',
        '1',
        '9',
        ' ',
        ' ',
        '\t',
        '\n',
        '\r',
        '\u{A0}',
        '\u{3000}',
        '\u{2003}',
        'Ａ',
        'ｚ',
        '１',
        '！',
        '，',
        '。',
        '、',
        '“',
        '”',
        '…',
        '—',
        '·',
        '(',
        '.',
        '-',
        '盗',
        '刷',
        '銀',
        '行',
        '貸',
        '帳',
        '賬',
        '戶',
        '〇',
        '😀',
        '🧧',
        'İ',
        'ẞ',
        'Σ',
        'é',
        '\u{301}',
        'ß',
        'ﬁ',
        '\u{10FFFF}',
    ];

    const ALL_OPTS: [NormalizeOptions; 3] = [
        NormalizeOptions::CHINESE,
        NormalizeOptions::ENGLISH,
        NormalizeOptions {
            fullwidth: true,
            case_fold: true,
            traditional: true,
            strip_spaces: false,
            strip_punctuation: true,
        },
    ];

    #[test]
    fn property_every_char_maps_back() {
        let mut rng = XorShift(0x2545_F491_4F6C_DD1D);
        for round in 0..3000 {
            let nparts = 1 + rng.below(3);
            let parts: Vec<String> = (0..nparts)
                .map(|_| {
                    let len = rng.below(16);
                    (0..len)
                        .map(|_| ALPHABET[rng.below(ALPHABET.len())])
                        .collect()
                })
                .collect();
            let refs: Vec<&str> = parts.iter().map(String::as_str).collect();
            let o = &ALL_OPTS[round % ALL_OPTS.len()];
            let n = Normalized::new(&refs, o);
            assert_eq!(
                n.text,
                refs.iter()
                    .map(|p| normalize_str(p, o))
                    .collect::<Vec<_>>()
                    .join("\n")
            );
            for p in &refs {
                assert_eq!(normalize_cow(p, o), normalize_str(p, o), "{p:?}");
            }
            // The segments give every byte the original range a per-byte map would.
            let reference = reference_map(&refs, o);
            assert_eq!(reference.len(), n.text.len());
            for (i, want) in reference.iter().enumerate() {
                if let Some(want) = want {
                    let p = n.part_starts.partition_point(|&x| x as usize <= i) - 1;
                    let got = n.entry(i, n.part_starts[p] as usize);
                    assert_eq!(got, Some(*want), "byte {i} of {:?}", n.text);
                }
            }
            for (i, c) in n.text.char_indices() {
                let r = n.original_range(i, i + c.len_utf8());
                if c == '\n' {
                    assert_eq!(r, None, "separator {i} in {:?}", n.text);
                    continue;
                }
                let Some((p, s, e)) = r else {
                    panic!("char {i} of {:?} unmapped", n.text)
                };
                let part = refs[p];
                assert!(s < e && e <= part.len(), "{s}..{e} in {part:?}");
                let orig = part
                    .get(s..e)
                    .unwrap_or_else(|| panic!("{s}..{e} not on boundaries of {part:?}"));
                if c == ' ' {
                    // A collapsed run (possibly with stripped punctuation inside it).
                    let ws = |x: Option<char>| x.is_some_and(char::is_whitespace);
                    assert!(
                        ws(orig.chars().next()) && ws(orig.chars().last()),
                        "{orig:?}"
                    );
                    assert_eq!(normalize_str(orig, o), "", "{orig:?}");
                } else {
                    let again = normalize_str(orig, o);
                    assert!(
                        again.contains(c),
                        "{c:?} from {orig:?} normalises to {again:?}"
                    );
                }
            }
            // Whole-part ranges map back to the whole trimmed part.
            for _ in 0..20 {
                let a = rng.below(n.text.len() + 3);
                let b = rng.below(n.text.len() + 3);
                if let Some((p, s, e)) = n.original_range(a, b) {
                    assert!(s < e && refs[p].get(s..e).is_some());
                }
                let _ = n.original_range(a, usize::MAX);
                let _ = n.original_range(usize::MAX, a);
                let _ = utf16_offset(&n.text, a);
                let _ = char_distance(&n.text, a, b);
            }
        }
    }

    #[test]
    fn property_ranges_are_monotonic() {
        // A longer normalised range never maps to a shorter original one within a part.
        let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
        for _ in 0..1000 {
            let len = rng.below(24);
            let s: String = (0..len)
                .map(|_| ALPHABET[rng.below(ALPHABET.len())])
                .collect();
            let n = Normalized::new(&[&s], &NormalizeOptions::CHINESE);
            let bounds: Vec<usize> = (0..=n.text.len())
                .filter(|&i| n.text.is_char_boundary(i))
                .collect();
            for w in bounds.windows(3) {
                if let (Some(a), Some(b)) =
                    (n.original_range(w[0], w[1]), n.original_range(w[0], w[2]))
                {
                    assert!(a.1 == b.1 && a.2 <= b.2, "{s:?}");
                }
            }
        }
    }
}
