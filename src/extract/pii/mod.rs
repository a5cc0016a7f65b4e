//! Personal data in normalised complaint text: mainland mobile numbers, resident ID numbers,
//! bank card numbers and email addresses, found by hand-written scanners with checksums; `decide`
//! uses the matches to report and mask personal data. Never panics; spans are byte offsets.

/// What kind of personal data a match is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PiiKind {
    Mobile,
    IdCard,
    BankCard,
    Email,
}

impl PiiKind {
    /// Stable snake_case name used in decisions and bindings.
    pub fn as_str(&self) -> &'static str {
        match self {
            PiiKind::Mobile => "mobile",
            PiiKind::IdCard => "id_card",
            PiiKind::BankCard => "bank_card",
            PiiKind::Email => "email",
        }
    }
}

/// One piece of personal data: `start..end` is a byte range of the text given to
/// [`find_personal_data`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PiiMatch {
    pub kind: PiiKind,
    pub start: usize,
    pub end: usize,
}

/// Every mobile number, resident ID, bank card and email in `text`, in text order and
/// non-overlapping. Digit sequences must stand alone: a match never takes part of a longer run of
/// digits or of a word (`ch13812345678x9`), and digits next to `*` (already masked) never match.
pub fn find_personal_data(text: &str) -> Vec<PiiMatch> {
    let emails = find_emails(text);
    let mut numbers = Vec::new();
    find_numbers(text, &emails, &mut numbers);
    if emails.is_empty() {
        return numbers;
    }
    let mut out = Vec::with_capacity(emails.len() + numbers.len());
    let (mut e, mut n) = (
        emails.into_iter().peekable(),
        numbers.into_iter().peekable(),
    );
    loop {
        let take_email = match (e.peek(), n.peek()) {
            (Some(a), Some(b)) => a.start <= b.start,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => break,
        };
        out.extend(if take_email { e.next() } else { n.next() });
    }
    out
}

/// `s` with every piece of personal data in it masked (see [`mask`]); None when it has none.
/// For strings that are quoted whole — a field's value in evidence, a group value in an alert.
pub fn mask_all(s: &str) -> Option<String> {
    let found = find_personal_data(s);
    if found.is_empty() {
        return None;
    }
    let mut out = String::with_capacity(s.len());
    let mut last = 0;
    for m in found {
        if m.start < last {
            continue;
        }
        out.push_str(s.get(last..m.start).unwrap_or(""));
        out.push_str(&mask(m.kind, s.get(m.start..m.end).unwrap_or("")));
        last = m.end;
    }
    out.push_str(s.get(last..).unwrap_or(""));
    Some(out)
}

/// Masks one matched substring, keeping its char count (so UTF-16 offsets of the rest of the text
/// stay valid). `original` is the original, un-normalised substring: letters and digits
/// (ASCII or full-width) are maskable, separators such as spaces, dashes and `+` are kept.
///
/// Mobile keeps the first three and last four digits of the subscriber number (and any `86`
/// country code); ID card keeps the first three and last two; bank card keeps the last four; email
/// keeps the first character of a local part of three or more and the whole domain.
pub fn mask(kind: PiiKind, original: &str) -> String {
    if kind == PiiKind::Email {
        let at = original.rfind(['@', '＠']).unwrap_or(original.len());
        let (local, domain) = original.split_at(at);
        // The first char is kept only when at least two stay hidden: `a@bank.com` kept whole
        // was the address itself, and `ab@…` would show half of it.
        let keep = usize::from(local.chars().count() >= 3);
        let mut out = String::with_capacity(original.len());
        for (i, c) in local.chars().enumerate() {
            out.push(if i < keep { c } else { '*' });
        }
        out.push_str(domain);
        return out;
    }
    let n = original.chars().filter(|c| c.is_alphanumeric()).count();
    // Range of maskable-char indices to replace.
    let hidden = match kind {
        // For 11 digits this is 3..7; a country code in front stays visible.
        PiiKind::Mobile => n.saturating_sub(8)..n.saturating_sub(4),
        PiiKind::IdCard if n > 5 => 3..n - 2,
        PiiKind::BankCard if n > 4 => 0..n - 4,
        _ => 0..n,
    };
    let mut index = 0;
    original
        .chars()
        .map(|c| {
            if !c.is_alphanumeric() {
                return c;
            }
            index += 1;
            if hidden.contains(&(index - 1)) {
                '*'
            } else {
                c
            }
        })
        .collect()
}

const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK: &[u8; 11] = b"10X98765432";
/// Longest digit string any pattern needs: 0086 + 11-digit mobile.
const MAX_DIGITS: usize = 19;

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'*'
}

/// A run of digit groups joined by single spaces or dashes; a group may end in `x` (ID cards).
#[derive(Clone, Copy)]
struct Group {
    start: usize,
    end: usize,
    has_x: bool,
}

fn find_numbers(text: &str, emails: &[PiiMatch], out: &mut Vec<PiiMatch>) {
    let b = text.as_bytes();
    let mut groups: Vec<Group> = Vec::new();
    let mut i = next_digit(b, 0);
    // Emails are sorted and do not overlap, and runs come in text order: one pointer walks the
    // emails (testing every run against every email was quadratic).
    let mut e = 0;
    while i < b.len() {
        let run_end = scan_run(b, i, &mut groups);
        while emails.get(e).is_some_and(|m| m.end <= i) {
            e += 1;
        }
        // Digits inside an email belong to it.
        let in_email = emails.get(e).is_some_and(|m| m.start < run_end);
        if !in_email {
            match_groups(b, &groups, out);
        }
        i = next_digit(b, run_end.max(i + 1));
    }
}

/// Index of the next ASCII digit at or after `i`, or `b.len()`. Chinese text is mostly
/// multi-byte chars, so eight bytes are tested at once for a byte in `0x30..=0x40`.
fn next_digit(b: &[u8], mut i: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    while let Some(chunk) = b.get(i..i + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word);
        // Per-byte "0x2f < byte < 0x41" without carries between bytes (Bit Twiddling Hacks,
        // hasbetween); bytes with the high bit set never match.
        let low7 = x & (ONES * 127);
        let hits = (ONES * (127 + 0x41) - low7) & !x & (low7 + ONES * (127 - 0x2f)) & HIGHS;
        if hits == 0 {
            i += 8;
            continue;
        }
        let at = i + (hits.trailing_zeros() / 8) as usize;
        if b.get(at).is_some_and(u8::is_ascii_digit) {
            return at;
        }
        i = at + 1;
    }
    while b.get(i).is_some_and(|c| !c.is_ascii_digit()) {
        i += 1;
    }
    i.min(b.len())
}

/// Collects the groups of the run starting at `start` and returns the run's end.
fn scan_run(b: &[u8], start: usize, groups: &mut Vec<Group>) -> usize {
    groups.clear();
    let digit = |j: usize| b.get(j).is_some_and(u8::is_ascii_digit);
    let mut j = start;
    loop {
        let gs = j;
        while digit(j) {
            j += 1;
        }
        let x = matches!(b.get(j), Some(b'x' | b'X'))
            && !b.get(j + 1).is_some_and(|&n| is_word_byte(n));
        if x {
            j += 1;
        }
        groups.push(Group {
            start: gs,
            end: j,
            has_x: x,
        });
        if !x && matches!(b.get(j), Some(b' ' | b'-')) && digit(j + 1) {
            j += 1;
            continue;
        }
        return j;
    }
}

/// True when the byte before `start` does not glue the run to a word, a masked run or a number
/// (`3.13812345678`).
fn left_free(b: &[u8], start: usize) -> bool {
    let Some(prev) = start.checked_sub(1).and_then(|p| b.get(p)) else {
        return true;
    };
    if is_word_byte(*prev) {
        return false;
    }
    !(matches!(prev, b'.' | b',') && start >= 2 && b.get(start - 2).is_some_and(u8::is_ascii_digit))
}

fn right_free(b: &[u8], end: usize) -> bool {
    let Some(&next) = b.get(end) else {
        return true;
    };
    if is_word_byte(next) {
        return false;
    }
    !(matches!(next, b'.' | b',') && b.get(end + 1).is_some_and(u8::is_ascii_digit))
}

/// Tries, at each group boundary of one run, an ID card, then a mobile, then a bank card.
fn match_groups(b: &[u8], groups: &[Group], out: &mut Vec<PiiMatch>) {
    let (Some(first), Some(last)) = (groups.first(), groups.last()) else {
        return;
    };
    // Nothing shorter than a mobile number can match; most runs are dates and counts.
    if groups.iter().map(|gr| gr.end - gr.start).sum::<usize>() < 11 {
        return;
    }
    let left_ok = left_free(b, first.start);
    let right_ok = right_free(b, last.end);
    let mut g = 0;
    while g < groups.len() {
        let fits = |k: usize| (g > 0 || left_ok) && (g + k < groups.len() || right_ok);
        let found = match_id(b, groups, g)
            .or_else(|| match_mobile(b, groups, g))
            .or_else(|| match_card(b, groups, g))
            .filter(|&(_, k)| fits(k));
        match found {
            Some((mut m, k)) => {
                if m.kind == PiiKind::Mobile && m.start > 0 && b.get(m.start - 1) == Some(&b'+') {
                    m.start -= 1;
                }
                out.push(m);
                g += k;
            }
            None => g += 1,
        }
    }
}

/// Concatenated characters of `groups[g..g + k]` if their lengths are exactly `lens`.
fn collect(
    b: &[u8],
    groups: &[Group],
    g: usize,
    lens: &[usize],
    buf: &mut [u8; MAX_DIGITS],
) -> Option<usize> {
    let mut n = 0;
    for (offset, &len) in lens.iter().enumerate() {
        let gr = groups.get(g + offset)?;
        if gr.end - gr.start != len {
            return None;
        }
        for &d in b.get(gr.start..gr.end)? {
            *buf.get_mut(n)? = d;
            n += 1;
        }
    }
    Some(n)
}

fn span(groups: &[Group], g: usize, k: usize, kind: PiiKind) -> Option<(PiiMatch, usize)> {
    let start = groups.get(g)?.start;
    let end = groups.get(g + k - 1)?.end;
    Some((PiiMatch { kind, start, end }, k))
}

fn match_id(b: &[u8], groups: &[Group], g: usize) -> Option<(PiiMatch, usize)> {
    let mut buf = [0u8; MAX_DIGITS];
    for lens in [&[18][..], &[6, 8, 4][..]] {
        if collect(b, groups, g, lens, &mut buf).is_some() && valid_id(buf.get(..18)?) {
            return span(groups, g, lens.len(), PiiKind::IdCard);
        }
    }
    None
}

/// GB 11643 checksum plus a plausible birth date (1900–2099, month 1–12, day 1–31).
fn valid_id(id: &[u8]) -> bool {
    let (Some(body), Some(&check)) = (id.get(..17), id.get(17)) else {
        return false;
    };
    if !body.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let num = |r: std::ops::Range<usize>| {
        body.get(r).map_or(0, |s| {
            s.iter().fold(0u32, |a, &d| a * 10 + u32::from(d - b'0'))
        })
    };
    let (year, month, day) = (num(6..10), num(10..12), num(12..14));
    if !((1900..=2099).contains(&year) && (1..=12).contains(&month) && (1..=31).contains(&day)) {
        return false;
    }
    let sum: u32 = body
        .iter()
        .zip(ID_WEIGHTS)
        .map(|(&d, w)| u32::from(d - b'0') * w)
        .sum();
    ID_CHECK.get((sum % 11) as usize) == Some(&check.to_ascii_uppercase())
}

fn match_mobile(b: &[u8], groups: &[Group], g: usize) -> Option<(PiiMatch, usize)> {
    let mut buf = [0u8; MAX_DIGITS];
    const FORMS: [&[usize]; 8] = [
        &[11],
        &[3, 4, 4],
        &[13],
        &[2, 11],
        &[2, 3, 4, 4],
        &[15],
        &[4, 11],
        &[4, 3, 4, 4],
    ];
    for lens in FORMS {
        let Some(n) = collect(b, groups, g, lens, &mut buf) else {
            continue;
        };
        if groups.get(g..g + lens.len())?.iter().any(|gr| gr.has_x) {
            continue;
        }
        let digits = buf.get(..n)?;
        let number = match n {
            11 => digits,
            13 => digits.strip_prefix(b"86")?,
            _ => digits.strip_prefix(b"0086")?,
        };
        if matches!(number, [b'1', b'3'..=b'9', ..]) {
            return span(groups, g, lens.len(), PiiKind::Mobile);
        }
    }
    None
}

fn match_card(b: &[u8], groups: &[Group], g: usize) -> Option<(PiiMatch, usize)> {
    let rest = groups.get(g..)?;
    let len = |gr: &Group| gr.end - gr.start;
    let k = if rest.first().map(len)? >= 13 {
        1
    } else {
        // Groups of four, the last one possibly shorter: 6222 0212 3456 7890 123. Five fours
        // are already too long for a card: counting stops there (a run of thousands of groups
        // was quadratic).
        let fours = rest.iter().take(5).take_while(|gr| len(gr) == 4).count();
        let tail = rest.get(fours).is_some_and(|gr| (1..4).contains(&len(gr)));
        fours + usize::from(tail)
    };
    let chosen = rest.get(..k)?;
    let total: usize = chosen.iter().map(len).sum();
    if !(13..=19).contains(&total) || chosen.iter().any(|gr| gr.has_x) {
        return None;
    }
    let mut buf = [0u8; MAX_DIGITS];
    let mut n = 0;
    for gr in chosen {
        for &d in b.get(gr.start..gr.end)? {
            *buf.get_mut(n)? = d;
            n += 1;
        }
    }
    let digits = buf.get(..n)?;
    let all_same = digits.iter().all(|&d| Some(&d) == digits.first());
    (luhn(digits) && !all_same)
        .then(|| span(groups, g, k, PiiKind::BankCard))
        .flatten()
}

fn luhn(digits: &[u8]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            let v = u32::from(d.wrapping_sub(b'0'));
            if i % 2 == 1 {
                let dbl = v * 2;
                if dbl > 9 {
                    dbl - 9
                } else {
                    dbl
                }
            } else {
                v
            }
        })
        .sum();
    sum % 10 == 0
}

fn is_local_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'%' | b'+' | b'-')
}

fn is_domain_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-')
}

fn find_emails(text: &str) -> Vec<PiiMatch> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut floor = 0;
    let mut from = 0;
    // `str::find` with a char uses memchr.
    while let Some(found) = text.get(from..).and_then(|rest| rest.find('@')) {
        let at = from + found;
        from = at + 1;
        let mut s = at;
        while s > floor && b.get(s - 1).is_some_and(|&c| is_local_byte(c)) {
            s -= 1;
        }
        while s < at && b.get(s) == Some(&b'.') {
            s += 1;
        }
        let mut e = at + 1;
        while b.get(e).is_some_and(|&c| is_domain_byte(c)) {
            e += 1;
        }
        while e > at + 1 && matches!(b.get(e - 1), Some(b'.' | b'-')) {
            e -= 1;
        }
        let (Some(local), Some(domain)) = (b.get(s..at), b.get(at + 1..e)) else {
            continue;
        };
        if local.is_empty() || local.last() == Some(&b'.') || !valid_domain(domain) {
            continue;
        }
        out.push(PiiMatch {
            kind: PiiKind::Email,
            start: s,
            end: e,
        });
        floor = e;
        from = e;
    }
    out
}

fn valid_domain(domain: &[u8]) -> bool {
    let mut labels = domain.split(|&c| c == b'.');
    let Some(tld) = domain.rsplit(|&c| c == b'.').next() else {
        return false;
    };
    domain.contains(&b'.')
        && tld.len() >= 2
        && tld.iter().all(u8::is_ascii_alphabetic)
        && labels.all(|l| !l.is_empty() && l.first() != Some(&b'-') && l.last() != Some(&b'-'))
}

#[cfg(test)]
mod tests;
