//! Reading the numbers inside an amount: Arabic digits with separators and decimals, Chinese
//! numerals with their units (一万二千五百, 壹拾), colloquial shorthands (3万5) — in fixed point, so
//! every runtime gets the same value.

use super::{MAX_FRAC_DIGITS, SCALE};

/// Chinese chars that can start a number: the digits and `十`/`拾` (as in `十万`).
const NUMBER_STARTS: &str = "一壹二两贰兩貳三叁四肆五伍六陆陸七柒八捌九玖十拾";
const CJK_FIRST: u32 = 0x4e00;

/// One bit per code point from U+4E00 to U+9FFF, set for [`NUMBER_STARTS`].
static NUMBER_START_BITS: [u64; 328] = {
    let mut bits = [0u64; 328];
    let s = NUMBER_STARTS.as_bytes();
    let mut k = 0;
    while k + 2 < s.len() {
        let cp = ((s[k] as u32 & 0x0f) << 12)
            | ((s[k + 1] as u32 & 0x3f) << 6)
            | (s[k + 2] as u32 & 0x3f);
        let off = cp - CJK_FIRST;
        bits[(off / 64) as usize] |= 1 << (off % 64);
        k += 3;
    }
    bits
};

/// For each lead byte `0xE0 | k` (index `k`), bit `b1 & 0x3f` is set when some char of
/// [`NUMBER_STARTS`] has that lead and second byte: most chars are rejected with one load and a
/// shift, before the code point is assembled (the per-char test was ≈ 4k instructions per
/// complaint, a quarter of the amount scan).
static NUMBER_START_PAIRS: [u64; 16] = {
    let mut pairs = [0u64; 16];
    let s = NUMBER_STARTS.as_bytes();
    let mut k = 0;
    while k + 2 < s.len() {
        pairs[(s[k] & 0x0f) as usize] |= 1 << (s[k + 1] & 0x3f);
        k += 3;
    }
    pairs
};

/// Whether the three-byte char at `i` is in [`NUMBER_STARTS`].
pub(super) fn starts_chinese_number(b: &[u8], i: usize) -> bool {
    // Only the first two bytes before the pair test: most chars stop there.
    let (Some(&b0), Some(&b1)) = (b.get(i), b.get(i + 1)) else {
        return false;
    };
    let pairs = NUMBER_START_PAIRS
        .get(usize::from(b0 & 0x0f))
        .copied()
        .unwrap_or(0);
    if (pairs >> (b1 & 0x3f)) & 1 == 0 {
        return false;
    }
    let Some(&b2) = b.get(i + 2) else {
        return false;
    };
    let cp = (u32::from(b0 & 0x0f) << 12) | (u32::from(b1 & 0x3f) << 6) | u32::from(b2 & 0x3f);
    let Some(off) = cp.checked_sub(CJK_FIRST) else {
        return false;
    };
    NUMBER_START_BITS
        .get((off / 64) as usize)
        .is_some_and(|w| (w >> (off % 64)) & 1 == 1)
}

pub(super) fn char_at(text: &str, i: usize) -> Option<char> {
    text.get(i..)?.chars().next()
}

pub(super) fn char_before(text: &str, i: usize) -> Option<char> {
    text.get(..i)?.chars().next_back()
}

pub(super) fn byte_is_digit(b: &[u8], i: usize) -> bool {
    b.get(i).is_some_and(u8::is_ascii_digit)
}

pub(super) fn cn_digit(c: char) -> Option<u128> {
    Some(match c {
        '一' | '壹' => 1,
        '二' | '两' | '贰' | '兩' | '貳' => 2,
        '三' | '叁' => 3,
        '四' | '肆' => 4,
        '五' | '伍' => 5,
        '六' | '陆' | '陸' => 6,
        '七' | '柒' => 7,
        '八' | '捌' => 8,
        '九' | '玖' => 9,
        _ => return None,
    })
}

pub(super) fn small_unit(c: char) -> Option<u128> {
    match c {
        '十' | '拾' => Some(10),
        '百' | '佰' => Some(100),
        '千' | '仟' => Some(1_000),
        _ => None,
    }
}

pub(super) fn big_unit(c: char) -> Option<u128> {
    match c {
        '万' | '萬' => Some(10_000),
        '亿' | '億' => Some(100_000_000),
        _ => None,
    }
}

/// Measure words after which a trailing digit is a new count, not a colloquial tail:
/// `五万三个月` is 50000 and three months, while `一万二` is 12000.
const MEASURE_WORDS: &str = "个月年天日号次期笔张台件位人点分秒周岁倍份条项辆套间只名家种层楼成折%";

pub(super) struct Arabic {
    end: usize,
    /// Fixed point; `None` when the digits overflow.
    value: Option<u128>,
    single_digit: bool,
    leading_zero: bool,
}

/// Digits with optional `,` thousands groups (first group 1–3 digits, then exactly 3) and an
/// optional `.` decimal part.
pub(super) fn scan_arabic(b: &[u8], start: usize) -> Arabic {
    // u64 while scanning (u128 checked arithmetic is a library call); `None` past 19 digits.
    fn push(v: Option<u64>, d: u8) -> Option<u64> {
        v?.checked_mul(10)?
            .checked_add(u64::from(d.wrapping_sub(b'0')))
    }
    let mut mantissa = Some(0u64);
    let mut j = start;
    while let Some(&d) = b.get(j).filter(|d| d.is_ascii_digit()) {
        mantissa = push(mantissa, d);
        j += 1;
    }
    let int_len = j - start;
    if (1..=3).contains(&int_len) {
        while b.get(j) == Some(&b',')
            && byte_is_digit(b, j + 1)
            && byte_is_digit(b, j + 2)
            && byte_is_digit(b, j + 3)
            && !byte_is_digit(b, j + 4)
        {
            for &d in b.get(j + 1..j + 4).unwrap_or_default() {
                mantissa = push(mantissa, d);
            }
            j += 4;
        }
    }
    let mut frac = 0u32;
    if b.get(j) == Some(&b'.') && byte_is_digit(b, j + 1) {
        j += 1;
        while let Some(&d) = b.get(j).filter(|d| d.is_ascii_digit()) {
            if frac < MAX_FRAC_DIGITS {
                mantissa = push(mantissa, d);
                frac += 1;
            }
            j += 1;
        }
    }
    // Cannot overflow: below 2^64 times 10^8.
    let value = mantissa.map(|m| u128::from(m) * 10u128.pow(MAX_FRAC_DIGITS - frac));
    Arabic {
        end: j,
        value,
        single_digit: j == start + 1,
        leading_zero: int_len > 1 && b.get(start) == Some(&b'0'),
    }
}

/// Rejects a number that is part of a date, time, version, percentage or masked identifier:
/// `2018.6.26`, `2024-05-01`, `12:30`, `18%`, `CH000***`, `138****5678`.
pub(super) fn arabic_edges_ok(text: &str, start: usize, end: usize) -> bool {
    let b = text.as_bytes();
    if start > 0 {
        match b.get(start - 1) {
            Some(b'*') => return false,
            Some(b'.' | b'-' | b'/' | b':') if start >= 2 && byte_is_digit(b, start - 2) => {
                return false
            }
            _ => {}
        }
    }
    match char_at(text, end) {
        Some('*' | '%' | '％' | '‰') => false,
        Some('.' | '-' | '/' | ':') => !byte_is_digit(b, end + 1),
        _ => true,
    }
}

pub(super) struct Expr {
    /// End of the number (byte offset).
    pub end: usize,
    /// Value in fixed point ([`SCALE`] per unit).
    pub value: u128,
    /// A multiplier of at least a hundred (`百`, `千`, `万`, `亿`, `k`, `w`) was applied.
    pub multiplied: bool,
    /// Any Chinese unit including `十` was used.
    pub has_unit: bool,
    /// Starts with a Chinese numeral rather than an Arabic digit.
    pub chinese: bool,
}

/// A number read but not yet multiplied by a unit.
struct Pending {
    value: u128,
    end: usize,
    single: bool,
}

/// What one step of [`parse_expr`] says: go on at a byte offset, stop (the number ends before
/// this char), or give up (resume scanning at the offset).
enum Step {
    Next(usize),
    Stop,
    Fail(usize),
}

/// The state of [`parse_expr`]: `total` of the big-unit sections (万, 亿), the current `section`
/// of small units (十, 百, 千), and a `pending` number not yet multiplied.
struct Reader<'t> {
    text: &'t str,
    start: usize,
    total: u128,
    section: u128,
    section_unit: u128,
    big_max: u128,
    last_unit: u128,
    pending: Option<Pending>,
    zero: bool,
    approx: bool,
    multiplied: bool,
    has_unit: bool,
    /// End of the number read so far (a pending tail may still extend it).
    committed: usize,
    /// Where scanning resumes when the number is rejected.
    skip: usize,
}

/// The longest number read, in bytes: the longest amount written out in full (`一千二百三十四万
/// 五千六百七十八亿九千八百七十六万五千四百三十二元`, 93 bytes) with room to spare. An Arabic
/// digit run is read in one step, so a longer run is still read to its end (and skipped whole).
const MAX_NUMBER_BYTES: usize = 256;

/// Parses a number starting at `start`: Arabic, Chinese or mixed (`3万5千`, `一百二十万`,
/// `一万二`, `3万多`). `Err(skip)` says where scanning should resume.
pub(super) fn parse_expr(text: &str, start: usize) -> Result<Expr, usize> {
    let mut r = Reader {
        text,
        start,
        total: 0,
        section: 0,
        section_unit: 0,
        big_max: 0,
        last_unit: 0,
        pending: None,
        zero: false,
        approx: false,
        multiplied: false,
        has_unit: false,
        committed: start,
        skip: start + char_at(text, start).map_or(1, char::len_utf8),
    };
    let mut pos = start;
    while let Some(c) = char_at(text, pos) {
        // Longer than any amount is written: not a number; scanning resumes where reading
        // stopped. Without the bound, a chain of units that overflows at its end (`1亿` × 10,000,
        // then 20 digits) was read again from each of its numbers: quadratic, 12 s for 20,000
        // chars in Node.
        if pos - start > MAX_NUMBER_BYTES {
            return Err(pos);
        }
        let next = pos + c.len_utf8();
        let step = if c.is_ascii_digit() {
            r.arabic(pos)
        } else if let Some(d) = cn_digit(c) {
            r.digit(d, next)
        } else if c == '零' || c == '〇' {
            r.zero(next)
        } else if let Some(u) = small_unit(c) {
            r.small_unit(u, next)
        } else if let Some(u) =
            big_unit(c).or_else(|| shorthand_multiplier(text, c, pos, start, r.last_unit))
        {
            r.big_unit(u, c, next)
        } else if matches!(c, '多' | '余' | '几') {
            r.approximately(c, next)
        } else {
            Step::Stop
        };
        match step {
            Step::Next(n) => pos = n,
            Step::Stop => break,
            Step::Fail(skip) => return Err(skip),
        }
    }
    r.finish()
}

impl Reader<'_> {
    /// Arabic digits: the whole number, or a colloquial tail after a unit (`1万5`).
    fn arabic(&mut self, pos: usize) -> Step {
        let (text, start) = (self.text, self.start);
        if self.pending.is_some() || self.approx || (pos != start && self.last_unit == 0) {
            return Step::Stop;
        }
        let tok = scan_arabic(text.as_bytes(), pos);
        if pos == start {
            self.skip = tok.end;
            if tok.leading_zero || !arabic_edges_ok(text, start, tok.end) {
                return Step::Fail(self.skip);
            }
        } else {
            // After a unit an Arabic number must carry its own unit (`3万5千`) or be a one-digit
            // colloquial tail (`1万5`).
            let unit_follows = char_at(text, tok.end)
                .is_some_and(|c| small_unit(c).is_some() || big_unit(c).is_some());
            if !(unit_follows || tok.single_digit) {
                return Step::Stop;
            }
        }
        let Some(value) = tok.value else {
            return Step::Fail(self.skip);
        };
        self.pending = Some(Pending {
            value,
            end: tok.end,
            single: tok.single_digit,
        });
        Step::Next(tok.end)
    }

    /// A Chinese digit (一…九, 两, 壹…).
    fn digit(&mut self, d: u128, next: usize) -> Step {
        if self.pending.is_some() || self.approx {
            return Step::Stop;
        }
        self.pending = Some(Pending {
            value: d * SCALE,
            end: next,
            single: true,
        });
        Step::Next(next)
    }

    /// 零: only between units (一千零五).
    fn zero(&mut self, next: usize) -> Step {
        if self.pending.is_some() || self.last_unit == 0 || self.zero || self.approx {
            return Step::Stop;
        }
        self.zero = true;
        Step::Next(next)
    }

    /// 十, 百, 千: multiply the pending digit into the current section.
    fn small_unit(&mut self, u: u128, next: usize) -> Step {
        if self.approx || (self.section_unit != 0 && u >= self.section_unit) {
            return Step::Stop;
        }
        let count = match &self.pending {
            Some(p) => p.value,
            None if u == 10 => SCALE,
            None => return Step::Stop,
        };
        let Some(section) = count
            .checked_mul(u)
            .and_then(|v| v.checked_add(self.section))
        else {
            return Step::Fail(self.skip);
        };
        self.section = section;
        self.section_unit = u;
        self.last_unit = u;
        self.has_unit = true;
        self.multiplied |= u >= 100;
        self.pending = None;
        self.zero = false;
        self.committed = next;
        Step::Next(next)
    }

    /// 万, 亿 (or `k`, `w` after Arabic digits): multiply the section into the total.
    fn big_unit(&mut self, u: u128, c: char, next: usize) -> Step {
        let Some(s) = self
            .section
            .checked_add(self.pending.as_ref().map_or(0, |p| p.value))
        else {
            return Step::Fail(self.skip);
        };
        if s == 0 && !(u > self.big_max && self.total > 0) {
            return Step::Stop;
        }
        let total = if u > self.big_max {
            self.big_max = u;
            self.total.checked_add(s).and_then(|v| v.checked_mul(u))
        } else {
            s.checked_mul(u).and_then(|v| v.checked_add(self.total))
        };
        let Some(total) = total else {
            return Step::Fail(self.skip);
        };
        self.total = total;
        self.section = 0;
        self.section_unit = 0;
        self.last_unit = u;
        self.has_unit |= !c.is_ascii();
        self.multiplied = true;
        self.pending = None;
        self.zero = false;
        self.approx = false;
        self.committed = next;
        if c.is_ascii() {
            Step::Stop
        } else {
            Step::Next(next)
        }
    }

    /// `3万多`, `3000多`, `一百多万`, `十几万`, `3万余元` (but not `余额`).
    fn approximately(&mut self, c: char, next: usize) -> Step {
        if self.approx || self.zero || (c == '余' && char_at(self.text, next) == Some('额')) {
            return Step::Stop;
        }
        match self.pending.take() {
            None if self.last_unit == 0 => return Step::Stop,
            None => {}
            Some(p) if self.last_unit == 0 && c != '几' => {
                let Some(section) = self.section.checked_add(p.value) else {
                    return Step::Fail(self.skip);
                };
                self.section = section;
            }
            Some(p) => {
                self.pending = Some(p);
                return Step::Stop;
            }
        }
        self.approx = true;
        self.committed = next;
        Step::Next(next)
    }

    /// The number read: a pending number counts on its own, or as a colloquial tail (`1万5` is
    /// 15,000).
    fn finish(self) -> Result<Expr, usize> {
        let mut end = self.committed;
        let mut section = self.section;
        if let Some(p) = self.pending {
            let add = if self.last_unit == 0 || self.zero {
                Some(p.value)
            } else if p.single && colloquial_tail_ok(self.text, p.end) {
                p.value.checked_mul(self.last_unit).map(|v| v / 10)
            } else {
                None
            };
            if let Some(add) = add {
                section = section.checked_add(add).ok_or(self.skip)?;
                end = p.end;
            }
        }
        let value = self.total.checked_add(section).ok_or(self.skip)?;
        if end <= self.start {
            return Err(self.skip);
        }
        Ok(Expr {
            end,
            value,
            multiplied: self.multiplied,
            has_unit: self.has_unit,
            chinese: !byte_is_digit(self.text.as_bytes(), self.start),
        })
    }
}

/// `5k`, `5w` (internet shorthand for 万) directly after a plain Arabic number.
pub(super) fn shorthand_multiplier(
    text: &str,
    c: char,
    pos: usize,
    start: usize,
    last_unit: u128,
) -> Option<u128> {
    let u = match c {
        'k' | 'K' => 1_000,
        'w' | 'W' => 10_000,
        _ => return None,
    };
    let plain_arabic = last_unit == 0 && byte_is_digit(text.as_bytes(), start) && pos > start;
    let word_ends = !char_at(text, pos + 1).is_some_and(|n| n.is_ascii_alphanumeric());
    (plain_arabic && word_ends).then_some(u)
}

pub(super) fn colloquial_tail_ok(text: &str, at: usize) -> bool {
    match char_at(text, at) {
        None => true,
        Some(c) => !(c.is_ascii_alphanumeric() || MEASURE_WORDS.contains(c)),
    }
}
