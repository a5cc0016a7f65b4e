//! Money amounts in normalised complaint text (`1,200元`, `3.5万`, `五万`, `$1,234.56`, `usd 1,200`).
//! A hand-written scanner over the text `text` produced; `decide` reads the amounts for thresholds
//! and evidence. Never panics; spans are byte offsets into the text it was given.

mod number;

use number::{char_before, parse_expr, starts_chinese_number, Expr};

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
mod tests;
