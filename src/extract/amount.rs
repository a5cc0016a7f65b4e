//! Money amounts in normalised complaint text (`1,200元`, `3.5万`, `五万`, `$1,234.56`, `usd 1,200`).
//! A hand-written scanner over the text `text` produced; `decide` reads the amounts for thresholds
//! and evidence. Never panics; spans are byte offsets into the text it was given.

/// One money amount. `start..end` is a byte range of the text given to [`find_amounts`] covering
/// the currency prefix (if any), the number and the unit or currency suffix (if any); a money
/// context word such as `借款` that made a bare `5万` count is not part of the span.
#[derive(Debug, Clone, PartialEq)]
pub struct Amount {
    /// The full value in currency units: `5万` → 50000, `1,200` → 1200.
    pub value: f64,
    /// ISO 4217 code: "CNY", "USD", "HKD", "EUR", "GBP" or "JPY".
    pub currency: &'static str,
    pub start: usize,
    pub end: usize,
}

/// Values are fixed point with eight decimals while parsing, so `1.1万` is exactly 11000.
const SCALE: u128 = 100_000_000;
const MAX_FRAC_DIGITS: u32 = 8;
/// Anything above ten trillion is a misread identifier, not money.
const MAX_VALUE: u128 = 10_000_000_000_000 * SCALE;
/// How far before a bare `5万` a money context word may sit.
const CONTEXT_WINDOW_CHARS: usize = 8;

/// Words that make a bare number with a multiplier (`借款5万`, `额度两千`) an amount in yuan.
#[rustfmt::skip]
const CONTEXT_WORDS: &[&str] = &[
    "金额", "借款", "贷款", "欠款", "还款", "本金", "利息", "费用", "罚息", "手续费", "损失", "转账",
    "扣款", "额度", "借了", "欠了", "还了", "退款", "赔偿", "付款", "支付", "消费", "充值", "余额",
    "押金", "定金", "违约金", "保证金", "罚款", "收费", "扣了", "共计", "合计", "总计", "价格",
    "工资", "理赔", "首付", "保费", "花了", "被骗", "亏损", "亏了", "理财", "投资", "存了", "买了",
    "存入", "本息", "被盗刷", "盗刷",
];

/// (marker, ISO code, generic). A generic suffix (`元`, `块`) takes its currency from a prefix.
const PREFIXES: &[(&str, &str)] = &[
    ("hk$", "HKD"),
    ("us$", "USD"),
    ("$", "USD"),
    ("¥", "CNY"),
    ("￥", "CNY"),
    ("€", "EUR"),
    ("£", "GBP"),
    ("rmb", "CNY"),
    ("cny", "CNY"),
    ("usd", "USD"),
    ("hkd", "HKD"),
    ("eur", "EUR"),
    ("gbp", "GBP"),
    ("jpy", "JPY"),
    ("人民币", "CNY"),
    ("港币", "HKD"),
    ("港元", "HKD"),
    ("美元", "USD"),
    ("美金", "USD"),
    ("欧元", "EUR"),
];

/// Last chars of [`PREFIXES`], to skip the list for most numbers.
fn may_end_prefix(c: char) -> bool {
    matches!(
        c,
        '$' | '¥' | '￥' | '€' | '£' | 'b' | 'y' | 'd' | 'r' | 'p' | '币' | '元' | '金'
    )
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum SuffixKind {
    Specific,
    Generic,
    /// `块` without `钱` is also a measure word (`一块手表`, `一块去`).
    BareKuai,
}

/// First chars of [`SUFFIXES`], to skip the list for most numbers.
fn may_start_suffix(c: char) -> bool {
    matches!(
        c,
        '美' | '港'
            | '欧'
            | '日'
            | '英'
            | '人'
            | '块'
            | '元'
            | '€'
            | 'r'
            | 'c'
            | 'y'
            | 'u'
            | 'd'
            | 'h'
            | 'e'
            | 'g'
            | 'j'
    )
}

/// Longest first where one marker is a prefix of another.
const SUFFIXES: &[(&str, &str, SuffixKind)] = &[
    ("美元", "USD", SuffixKind::Specific),
    ("美金", "USD", SuffixKind::Specific),
    ("港币", "HKD", SuffixKind::Specific),
    ("港元", "HKD", SuffixKind::Specific),
    ("欧元", "EUR", SuffixKind::Specific),
    ("日元", "JPY", SuffixKind::Specific),
    ("英镑", "GBP", SuffixKind::Specific),
    ("人民币", "CNY", SuffixKind::Specific),
    ("块钱", "CNY", SuffixKind::Generic),
    ("块", "CNY", SuffixKind::BareKuai),
    ("元", "CNY", SuffixKind::Generic),
    ("€", "EUR", SuffixKind::Specific),
    ("rmb", "CNY", SuffixKind::Specific),
    ("cny", "CNY", SuffixKind::Specific),
    ("yuan", "CNY", SuffixKind::Specific),
    ("usd", "USD", SuffixKind::Specific),
    ("dollars", "USD", SuffixKind::Specific),
    ("dollar", "USD", SuffixKind::Specific),
    ("hkd", "HKD", SuffixKind::Specific),
    ("euros", "EUR", SuffixKind::Specific),
    ("euro", "EUR", SuffixKind::Specific),
    ("eur", "EUR", SuffixKind::Specific),
    ("gbp", "GBP", SuffixKind::Specific),
    ("jpy", "JPY", SuffixKind::Specific),
];

/// Every money amount in `text`, in text order and non-overlapping.
///
/// A number counts only with a currency marker (`¥`, `$`, `元`, `usd`, ...) or with a multiplier
/// (`万`, `千`, `百`, `亿`, `k`, `w`) right after a money context word such as `借款`. Dates,
/// times, percentages, masked digits and numbers glued to letters are never amounts.
pub fn find_amounts(text: &str) -> Vec<Amount> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    // Char-length stepping with a bitmap for the Chinese numerals; measured faster than testing
    // every byte position branch-free, and far faster than `char_indices` plus a `match`.
    // Three-byte chars (most of Chinese text) are tested first and step on as soon as the pair
    // table rejects them (≈ 0.75k instructions per complaint less than one merged exit).
    while let Some(&lead) = b.get(i) {
        let len = match lead {
            0xe0..=0xef => 3,
            0..=0x7f => 1,
            0x80..=0xdf => 2,
            _ => 4,
        };
        let starts = match len {
            3 => starts_chinese_number(b, i),
            1 => lead.is_ascii_digit(),
            _ => false,
        };
        if !starts {
            i += len;
            continue;
        }
        let step = i + len;
        i = match parse_expr(text, i) {
            Err(skip) => skip.max(step),
            Ok(expr) => match classify(text, i, &expr, out.last().map_or(0, |a: &Amount| a.end)) {
                Some(amount) => {
                    let end = amount.end;
                    out.push(amount);
                    end.max(step)
                }
                None => expr.end.max(step),
            },
        };
    }
    out
}

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
fn starts_chinese_number(b: &[u8], i: usize) -> bool {
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

fn char_at(text: &str, i: usize) -> Option<char> {
    text.get(i..)?.chars().next()
}

fn char_before(text: &str, i: usize) -> Option<char> {
    text.get(..i)?.chars().next_back()
}

fn byte_is_digit(b: &[u8], i: usize) -> bool {
    b.get(i).is_some_and(u8::is_ascii_digit)
}

fn cn_digit(c: char) -> Option<u128> {
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

fn small_unit(c: char) -> Option<u128> {
    match c {
        '十' | '拾' => Some(10),
        '百' | '佰' => Some(100),
        '千' | '仟' => Some(1_000),
        _ => None,
    }
}

fn big_unit(c: char) -> Option<u128> {
    match c {
        '万' | '萬' => Some(10_000),
        '亿' | '億' => Some(100_000_000),
        _ => None,
    }
}

/// Measure words after which a trailing digit is a new count, not a colloquial tail:
/// `五万三个月` is 50000 and three months, while `一万二` is 12000.
const MEASURE_WORDS: &str = "个月年天日号次期笔张台件位人点分秒周岁倍份条项辆套间只名家种层楼成折%";

struct Arabic {
    end: usize,
    /// Fixed point; `None` when the digits overflow.
    value: Option<u128>,
    single_digit: bool,
    leading_zero: bool,
}

/// Digits with optional `,` thousands groups (first group 1–3 digits, then exactly 3) and an
/// optional `.` decimal part.
fn scan_arabic(b: &[u8], start: usize) -> Arabic {
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
fn arabic_edges_ok(text: &str, start: usize, end: usize) -> bool {
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

struct Expr {
    end: usize,
    value: u128,
    /// A multiplier of at least a hundred (`百`, `千`, `万`, `亿`, `k`, `w`) was applied.
    multiplied: bool,
    /// Any Chinese unit including `十` was used.
    has_unit: bool,
    /// Starts with a Chinese numeral rather than an Arabic digit.
    chinese: bool,
}

struct Pending {
    value: u128,
    end: usize,
    single: bool,
}

/// Parses a number starting at `start`: Arabic, Chinese or mixed (`3万5千`, `一百二十万`,
/// `一万二`, `3万多`). `Err(skip)` says where scanning should resume.
fn parse_expr(text: &str, start: usize) -> Result<Expr, usize> {
    let b = text.as_bytes();
    let chinese = !byte_is_digit(b, start);
    let mut pos = start;
    let mut total: u128 = 0;
    let mut section: u128 = 0;
    let mut section_unit: u128 = 0;
    let mut big_max: u128 = 0;
    let mut last_unit: u128 = 0;
    let mut pending: Option<Pending> = None;
    let mut zero = false;
    let mut approx = false;
    let mut multiplied = false;
    let mut has_unit = false;
    let mut committed = start;
    let mut skip = start + char_at(text, start).map_or(1, char::len_utf8);

    while let Some(c) = char_at(text, pos) {
        let next = pos + c.len_utf8();
        if c.is_ascii_digit() {
            if pending.is_some() || approx || (pos != start && last_unit == 0) {
                break;
            }
            let tok = scan_arabic(b, pos);
            if pos == start {
                skip = tok.end;
                if tok.leading_zero || !arabic_edges_ok(text, start, tok.end) {
                    return Err(skip);
                }
            } else {
                // After a unit an Arabic number must carry its own unit (`3万5千`) or be a
                // one-digit colloquial tail (`1万5`).
                let unit_follows = char_at(text, tok.end)
                    .is_some_and(|c| small_unit(c).is_some() || big_unit(c).is_some());
                if !(unit_follows || tok.single_digit) {
                    break;
                }
            }
            let Some(value) = tok.value else {
                return Err(skip);
            };
            pending = Some(Pending {
                value,
                end: tok.end,
                single: tok.single_digit,
            });
            pos = tok.end;
            continue;
        }
        if let Some(d) = cn_digit(c) {
            if pending.is_some() || approx {
                break;
            }
            pending = Some(Pending {
                value: d * SCALE,
                end: next,
                single: true,
            });
        } else if c == '零' || c == '〇' {
            if pending.is_some() || last_unit == 0 || zero || approx {
                break;
            }
            zero = true;
        } else if let Some(u) = small_unit(c) {
            if approx || (section_unit != 0 && u >= section_unit) {
                break;
            }
            let count = match &pending {
                Some(p) => p.value,
                None if u == 10 => SCALE,
                None => break,
            };
            section = count
                .checked_mul(u)
                .and_then(|v| v.checked_add(section))
                .ok_or(skip)?;
            section_unit = u;
            last_unit = u;
            has_unit = true;
            multiplied |= u >= 100;
            pending = None;
            zero = false;
            committed = next;
        } else if let Some(u) =
            big_unit(c).or_else(|| shorthand_multiplier(text, c, pos, start, last_unit))
        {
            let s = section
                .checked_add(pending.as_ref().map_or(0, |p| p.value))
                .ok_or(skip)?;
            if s == 0 && !(u > big_max && total > 0) {
                break;
            }
            total = if u > big_max {
                big_max = u;
                total.checked_add(s).and_then(|v| v.checked_mul(u))
            } else {
                s.checked_mul(u).and_then(|v| v.checked_add(total))
            }
            .ok_or(skip)?;
            section = 0;
            section_unit = 0;
            last_unit = u;
            has_unit |= !c.is_ascii();
            multiplied = true;
            pending = None;
            zero = false;
            approx = false;
            committed = next;
            if c.is_ascii() {
                break;
            }
        } else if matches!(c, '多' | '余' | '几') {
            // `3万多`, `3000多`, `一百多万`, `十几万`, `3万余元` (but not `余额`).
            if approx || zero || (c == '余' && char_at(text, next) == Some('额')) {
                break;
            }
            match pending.take() {
                None if last_unit == 0 => break,
                None => {}
                Some(p) if last_unit == 0 && c != '几' => {
                    section = section.checked_add(p.value).ok_or(skip)?;
                }
                Some(p) => {
                    pending = Some(p);
                    break;
                }
            }
            approx = true;
            committed = next;
        } else {
            break;
        }
        pos = next;
    }

    let mut end = committed;
    if let Some(p) = pending {
        let add = if last_unit == 0 || zero {
            Some(p.value)
        } else if p.single && colloquial_tail_ok(text, p.end) {
            p.value.checked_mul(last_unit).map(|v| v / 10)
        } else {
            None
        };
        if let Some(add) = add {
            section = section.checked_add(add).ok_or(skip)?;
            end = p.end;
        }
    }
    let value = total.checked_add(section).ok_or(skip)?;
    if end <= start {
        return Err(skip);
    }
    Ok(Expr {
        end,
        value,
        multiplied,
        has_unit,
        chinese,
    })
}

/// `5k`, `5w` (internet shorthand for 万) directly after a plain Arabic number.
fn shorthand_multiplier(
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

fn colloquial_tail_ok(text: &str, at: usize) -> bool {
    match char_at(text, at) {
        None => true,
        Some(c) => !(c.is_ascii_alphanumeric() || MEASURE_WORDS.contains(c)),
    }
}

/// Decides whether a parsed number is money, and in which currency.
/// `floor` is the end of the previous amount: a prefix cannot reach back into it.
fn classify(text: &str, start: usize, expr: &Expr, floor: usize) -> Option<Amount> {
    let prefix = find_prefix(text, start).filter(|&(s, _)| s >= floor);
    if !expr.chinese && prefix.is_none() {
        // `ch000`, `a500`: part of a code, not a number.
        if char_before(text, start).is_some_and(|p| p.is_ascii_alphanumeric() || p == '_') {
            return None;
        }
    }
    let suffix = find_suffix(text, expr.end);
    let currency = match (suffix, prefix) {
        (Some((_, _, SuffixKind::BareKuai)), _) if expr.chinese && !expr.has_unit => return None,
        (Some((_, cur, SuffixKind::Specific)), _) => cur,
        (Some(_), Some((_, cur))) => cur,
        (Some((_, cur, _)), None) => cur,
        (None, Some((_, cur))) => cur,
        (None, None) if expr.multiplied && has_context(text, start) => "CNY",
        (None, None) => return None,
    };
    if expr.value > MAX_VALUE {
        return None;
    }
    let value = fixed_to_f64(expr.value);
    if !value.is_finite() {
        return None;
    }
    Some(Amount {
        value,
        currency,
        start: prefix.map_or(start, |(s, _)| s),
        end: suffix.map_or(expr.end, |(e, _, _)| e),
    })
}

fn fixed_to_f64(v: u128) -> f64 {
    // Below 2^53 both operands are exact, so the quotient is the correctly rounded decimal.
    if v < (1u128 << 53) {
        v as f64 / SCALE as f64
    } else {
        (v / SCALE) as f64 + (v % SCALE) as f64 / SCALE as f64
    }
}

/// A currency prefix ending at `start`, optionally followed by one space: (prefix start, code).
fn find_prefix(text: &str, start: usize) -> Option<(usize, &'static str)> {
    let mut ends = [Some(start), None];
    if start > 0 && text.as_bytes().get(start - 1) == Some(&b' ') {
        ends[1] = Some(start - 1);
    }
    for end in ends.into_iter().flatten() {
        let head = text.get(..end)?;
        // Cheap test on the last char first: most numbers have no prefix at all.
        if !head.chars().next_back().is_some_and(may_end_prefix) {
            continue;
        }
        let head = head.as_bytes();
        for &(pat, cur) in PREFIXES {
            let pat = pat.as_bytes();
            if bytes_end_with(head, pat) {
                let rest = head.len() - pat.len();
                // A char's last byte is ASCII only when the char is.
                let word = pat.first().is_some_and(u8::is_ascii_alphabetic);
                if word
                    && rest
                        .checked_sub(1)
                        .and_then(|k| head.get(k))
                        .is_some_and(u8::is_ascii_alphanumeric)
                {
                    continue;
                }
                return Some((rest, cur));
            }
        }
    }
    None
}

/// A currency or unit suffix starting at `end`, optionally after one space: (suffix end, code, kind).
fn find_suffix(text: &str, end: usize) -> Option<(usize, &'static str, SuffixKind)> {
    let tail = text.get(end..)?;
    let (offset, tail) = match tail.strip_prefix(' ') {
        Some(t) => (end + 1, t),
        None => (end, tail),
    };
    if !tail.chars().next().is_some_and(may_start_suffix) {
        return None;
    }
    let tail = tail.as_bytes();
    for &(pat, cur, kind) in SUFFIXES {
        let pat = pat.as_bytes();
        if bytes_start_with(tail, pat) {
            // A char's first byte is ASCII only when the char is.
            let word = pat.first().is_some_and(u8::is_ascii_alphabetic);
            if word && tail.get(pat.len()).is_some_and(u8::is_ascii_alphanumeric) {
                continue;
            }
            return Some((offset + pat.len(), cur, kind));
        }
    }
    None
}

fn has_context(text: &str, start: usize) -> bool {
    let Some(head) = text.get(..start) else {
        return false;
    };
    let from = head
        .char_indices()
        .rev()
        .take(CONTEXT_WINDOW_CHARS)
        .last()
        .map_or(start, |(i, _)| i);
    let window = head.get(from..).unwrap_or("").as_bytes();
    // UTF-8 is self-synchronising: a word occurs in the window exactly when it starts at one of
    // the window's char starts, so this equals `window.contains(word)` without building a
    // substring searcher per word (that was ≈ 10k instructions a call, ≈ 1k per complaint).
    (0..window.len())
        .filter_map(|k| window.get(k..))
        .filter(|rest| rest.first().is_some_and(|&b| !is_continuation(b)))
        .any(|rest| {
            let head = head_key(rest);
            CONTEXT_HEADS
                .iter()
                .zip(CONTEXT_WORDS)
                .any(|(&h, w)| h == head && bytes_start_with(rest, w.as_bytes()))
        })
}

/// The first three bytes of `s` as one number; `u32::MAX`, which no three bytes give, when
/// shorter.
const fn head_key(s: &[u8]) -> u32 {
    match s {
        [a, b, c, ..] => (*a as u32) << 16 | (*b as u32) << 8 | *c as u32,
        _ => u32::MAX,
    }
}

/// [`head_key`] of each of [`CONTEXT_WORDS`]: one comparison rules a word out at most window
/// positions.
static CONTEXT_HEADS: [u32; CONTEXT_WORDS.len()] = {
    let mut heads = [0; CONTEXT_WORDS.len()];
    let mut k = 0;
    while k < CONTEXT_WORDS.len() {
        // A shorter word would never match its head (checked when compiling).
        assert!(CONTEXT_WORDS[k].len() >= 3);
        heads[k] = head_key(CONTEXT_WORDS[k].as_bytes());
        k += 1;
    }
    heads
};

fn is_continuation(b: u8) -> bool {
    b & 0xc0 == 0x80
}

/// `hay.ends_with(pat)` as an inline byte loop, for the same reason as [`bytes_start_with`].
fn bytes_end_with(hay: &[u8], pat: &[u8]) -> bool {
    hay.len() >= pat.len() && hay.iter().rev().zip(pat.iter().rev()).all(|(a, b)| a == b)
}

/// `hay.starts_with(pat)` as an inline byte loop: the markers are a few bytes and mostly differ
/// in the first two, where `starts_with` would call `memcmp` for every one.
fn bytes_start_with(hay: &[u8], pat: &[u8]) -> bool {
    hay.len() >= pat.len() && hay.iter().zip(pat).all(|(a, b)| a == b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Amount {
        let found = find_amounts(text);
        assert_eq!(found.len(), 1, "{text}: {found:?}");
        found.into_iter().next().unwrap()
    }

    /// Asserts the single amount in `text` and that its span is exactly `span`.
    fn check(text: &str, value: f64, currency: &str, span: &str) {
        let a = one(text);
        assert_eq!(a.value, value, "{text}");
        assert_eq!(a.currency, currency, "{text}");
        assert_eq!(&text[a.start..a.end], span, "{text}");
    }

    fn none(text: &str) {
        let found = find_amounts(text);
        assert!(found.is_empty(), "{text}: {found:?}");
    }

    #[test]
    fn arabic_with_markers() {
        check("我借了1,200元钱", 1200.0, "CNY", "1,200元");
        check("共计1200.50元", 1200.5, "CNY", "1200.50元");
        check("扣了¥500", 500.0, "CNY", "¥500");
        check("扣了￥1,234,567.8", 1_234_567.8, "CNY", "￥1,234,567.8");
        check("收了5块", 5.0, "CNY", "5块");
        check("收了5块钱", 5.0, "CNY", "5块钱");
        check("人民币5000元", 5000.0, "CNY", "人民币5000元");
        check("rmb5000", 5000.0, "CNY", "rmb5000");
        check("付了 cny 100 ok", 100.0, "CNY", "cny 100");
        check("3.5万元", 35000.0, "CNY", "3.5万元");
        check("1.1万元", 11000.0, "CNY", "1.1万元");
        check("0.5元", 0.5, "CNY", "0.5元");
        check("3万多元", 30000.0, "CNY", "3万多元");
        check("3000多元", 3000.0, "CNY", "3000多元");
        check("300多万元", 3_000_000.0, "CNY", "300多万元");
        check("3万余元", 30000.0, "CNY", "3万余元");
        check("3万5千元", 35000.0, "CNY", "3万5千元");
        check("2亿元", 200_000_000.0, "CNY", "2亿元");
        check("1000 元", 1000.0, "CNY", "1000 元");
    }

    #[test]
    fn other_currencies() {
        check("charged me $1,234.56 twice", 1234.56, "USD", "$1,234.56");
        check("charged $500.", 500.0, "USD", "$500");
        check("paid 500 dollars", 500.0, "USD", "500 dollars");
        check("paid usd 1,200 to", 1200.0, "USD", "usd 1,200");
        check("paid 1,200 usd to", 1200.0, "USD", "1,200 usd");
        check("paid $5k", 5000.0, "USD", "$5k");
        check("100美元", 100.0, "USD", "100美元");
        check("hk$300", 300.0, "HKD", "hk$300");
        check("300港币", 300.0, "HKD", "300港币");
        check("港元300", 300.0, "HKD", "港元300");
        check("50欧元", 50.0, "EUR", "50欧元");
        check("€20", 20.0, "EUR", "€20");
        check("20 eur", 20.0, "EUR", "20 eur");
        check("20€", 20.0, "EUR", "20€");
        check("$500元", 500.0, "USD", "$500元");
    }

    #[test]
    fn context_words_make_bare_multipliers_money() {
        check("我在平台借款5万还不上", 50000.0, "CNY", "5万");
        check("贷款金额为3.5万", 35000.0, "CNY", "3.5万");
        check("借款5w", 50000.0, "CNY", "5w");
        check("额度两千", 2000.0, "CNY", "两千");
        check("损失一百多万", 1_000_000.0, "CNY", "一百多万");
        check("借了十几万", 100_000.0, "CNY", "十几万");
        none("借款5000");
        none("他走了5万步");
        none("借款人数3人");
    }

    #[test]
    fn chinese_numerals() {
        check("五万元", 50000.0, "CNY", "五万元");
        check("两千块钱", 2000.0, "CNY", "两千块钱");
        check("三千五百元", 3500.0, "CNY", "三千五百元");
        check("十万元", 100_000.0, "CNY", "十万元");
        check("一万二千元", 12000.0, "CNY", "一万二千元");
        check("借款一万二", 12000.0, "CNY", "一万二");
        check("借款一万二还不上", 12000.0, "CNY", "一万二");
        check("借款五万三个月", 50000.0, "CNY", "五万");
        check("一百二十万元", 1_200_000.0, "CNY", "一百二十万元");
        check("壹万元整", 10000.0, "CNY", "壹万元");
        check("人民币壹拾万元整", 100_000.0, "CNY", "人民币壹拾万元");
        check("叁仟伍佰元", 3500.0, "CNY", "叁仟伍佰元");
        check("一万零五百元", 10500.0, "CNY", "一万零五百元");
        check("一千零五元", 1005.0, "CNY", "一千零五元");
        check("二十五元", 25.0, "CNY", "二十五元");
        check("两百五元", 250.0, "CNY", "两百五元");
        check("一亿二千万元", 120_000_000.0, "CNY", "一亿二千万元");
        check("五块钱", 5.0, "CNY", "五块钱");
        check("十块", 10.0, "CNY", "十块");
        none("我们一块去");
        none("一块手表");
        none("千万不要");
        none("万一出事");
    }

    #[test]
    fn several_in_order() {
        let t = "借款5万元，已还款3000元，剩余$20";
        let found = find_amounts(t);
        let got: Vec<(f64, &str, &str)> = found
            .iter()
            .map(|a| (a.value, a.currency, &t[a.start..a.end]))
            .collect();
        assert_eq!(
            got,
            vec![
                (50000.0, "CNY", "5万元"),
                (3000.0, "CNY", "3000元"),
                (20.0, "USD", "$20")
            ]
        );
    }

    #[test]
    fn not_amounts() {
        none("2018.6.26借的");
        none("2018.6.26元");
        none("2024-05-01元");
        none("2024/05/01");
        none("2018年6月借款");
        none("借款日期2018.6.26");
        none("电话13812345678");
        none("身份证110105194912310026");
        none("分了54期");
        none("打了12378");
        none("年化利率18%");
        none("利息18%元");
        none("12点");
        none("12:30元");
        none("编号ch000***");
        none("卡号ch000***元");
        none("手机138****5678元");
        none("型号a500元");
        none("000元");
        none("500ml");
        none("500 usdt");
        none("99999999999999元");
        none("");
    }

    /// Boundaries of the byte-level shortcuts: the context window, the prefix and suffix word
    /// tests, and the char stepping around the Chinese-numeral table.
    #[test]
    fn shortcuts_keep_boundaries() {
        // `借款` starts eight chars before the number: in the window; nine: out of it.
        check("借款一二三四五六5万", 50000.0, "CNY", "5万");
        none("借款一二三四五六七5万");
        check("被盗刷了5万", 50000.0, "CNY", "5万");
        none("借5万");
        check("paid usd 500.", 500.0, "USD", "usd 500");
        check("paid 500 usd.", 500.0, "USD", "500 usd");
        none("busd 500");
        none("500 usda");
        check("x rmb5", 5.0, "CNY", "rmb5");
        check("é500元", 500.0, "CNY", "500元");
        check("😀5元", 5.0, "CNY", "5元");
        check("一万元", 10000.0, "CNY", "一万元");
        check("两块钱", 2.0, "CNY", "两块钱");
        check("¥一直", 1.0, "CNY", "¥一");
        check(
            "九千九百九十九亿元",
            999_900_000_000.0,
            "CNY",
            "九千九百九十九亿元",
        );
        check(
            "9999999999999元",
            9_999_999_999_999.0,
            "CNY",
            "9999999999999元",
        );
        none("一直");
        none("一次");
        none("两块");
        none("18446744073709551615元");
    }

    #[test]
    fn number_start_table_matches_parser() {
        for cp in 0x4e00..=0x9fff_u32 {
            let Some(c) = char::from_u32(cp) else {
                continue;
            };
            let mut buf = [0u8; 4];
            let encoded = c.encode_utf8(&mut buf).as_bytes();
            let expected = cn_digit(c).is_some() || small_unit(c) == Some(10);
            assert_eq!(starts_chinese_number(encoded, 0), expected, "{c}");
        }
    }

    #[test]
    fn garbage_never_panics() {
        const ALPHABET: &[&str] = &[
            "0",
            "1",
            "5",
            "9",
            ",",
            ".",
            "-",
            "/",
            ":",
            "%",
            "*",
            " ",
            "万",
            "千",
            "百",
            "十",
            "亿",
            "元",
            "块",
            "钱",
            "多",
            "余",
            "零",
            "一",
            "二",
            "两",
            "壹",
            "拾",
            "¥",
            "￥",
            "$",
            "hk",
            "€",
            "usd",
            "k",
            "w",
            "x",
            "借款",
            "年",
            "个",
            "é",
            "😀",
            "\u{0}",
            "9999999999999999999999",
        ];
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut rand = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..20_000 {
            let len = (rand() % 24) as usize;
            let text: String = (0..len)
                .map(|_| ALPHABET[(rand() % ALPHABET.len() as u64) as usize])
                .collect();
            let mut last_end = 0;
            for a in find_amounts(&text) {
                assert!(a.start < a.end, "{text:?} {a:?}");
                assert!(a.start >= last_end, "{text:?} overlap");
                assert!(
                    text.is_char_boundary(a.start) && text.is_char_boundary(a.end),
                    "{text:?}"
                );
                assert!(
                    a.value.is_finite() && a.value >= 0.0 && a.value <= 1e13,
                    "{text:?} {a:?}"
                );
                last_end = a.end;
            }
        }
    }
}
