//! Structured Unicode texts: ideographs and their traditional forms, full-width ASCII, astral
//! characters and emoji, combining marks, characters whose lower case is longer (İ), every kind
//! of whitespace, digits of other scripts, currency signs, personal data in full-width digits —
//! mixed with the pack's own terms. Normalisation never panics and never leaves a line break
//! (the title/text separator must stay unique), and every invariant of the decision holds within
//! the time budget.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use wendu_fuzz::{assert_fast, check_complaint, engine, text_budget, timed, PACKS};

#[derive(Arbitrary, Debug)]
enum Atom {
    Ideograph(u16),
    Traditional(u8),
    FullWidth(u8),
    Astral(u32),
    Combining(u8),
    CaseFold(u8),
    Space(u8),
    Digit(u8, u8),
    Currency(u8),
    Pii(u8),
    Term(u16),
    Ascii(u8),
    Any(char),
}

const TRADITIONAL: &str = "銀行卡盜刷費用還款貸款帳戶轉賬詐騙電話號碼這個們來說對處理";
const CASE: &[&str] = &["İ", "ẞ", "Σ", "ς", "ǅ", "Ꭰ", "ﬀ", "Å", "K", "ı", "ŉ", "ΐ"];
const SPACES: &[char] = &[' ', '\t', '\n', '\r', '\u{a0}', '\u{3000}', '\u{2028}', '\u{2029}', '\u{85}', '\u{1680}', '\u{2003}', '\u{200b}', '\u{feff}', '\u{200d}', '\u{202e}'];
const DIGIT_BASES: &[u32] = &[0x30, 0xFF10, 0x660, 0x966, 0x1D7CE, 0xB2];
const CURRENCY: &[&str] = &["¥", "￥", "$", "€", "£", "元", "块", "万", "亿", "usd", "rmb", "人民币"];
const PII: &[&str] = &["１３８１２３４５６７８", "13812345678", "１１０１０５１９４９１２３１００２Ｘ", "ａ＠ｂａｎｋ．ｃｏｍ", "ab@qq.com", "6222 0212 3456 7890 128"];

fn render(atoms: &[Atom], terms: &[&str]) -> String {
    let mut s = String::new();
    for a in atoms.iter().take(400) {
        match a {
            Atom::Ideograph(i) => s.extend(char::from_u32(0x4E00 + u32::from(*i) % 0x5200)),
            Atom::Traditional(i) => s.extend(TRADITIONAL.chars().nth(usize::from(*i) % TRADITIONAL.chars().count())),
            Atom::FullWidth(i) => s.extend(char::from_u32(0xFF01 + u32::from(*i) % 0x5E)),
            Atom::Astral(i) => s.extend(char::from_u32(0x1F300 + i % 0x2FFFF).or(char::from_u32(0x20000 + i % 0xA6D6))),
            Atom::Combining(i) => s.extend(char::from_u32(0x300 + u32::from(*i) % 0x70)),
            Atom::CaseFold(i) => s.push_str(CASE[usize::from(*i) % CASE.len()]),
            Atom::Space(i) => s.push(SPACES[usize::from(*i) % SPACES.len()]),
            Atom::Digit(base, d) => {
                let b = DIGIT_BASES[usize::from(*base) % DIGIT_BASES.len()];
                s.extend(char::from_u32(b + u32::from(*d % 10)));
            }
            Atom::Currency(i) => s.push_str(CURRENCY[usize::from(*i) % CURRENCY.len()]),
            Atom::Pii(i) => s.push_str(PII[usize::from(*i) % PII.len()]),
            Atom::Term(i) if !terms.is_empty() => s.push_str(terms[usize::from(*i) % terms.len()].trim_end_matches('*')),
            Atom::Term(_) => {}
            Atom::Ascii(b) => s.push(char::from(b % 128)),
            Atom::Any(c) => s.push(*c),
        }
    }
    s
}

fuzz_target!(|input: (u8, Vec<Atom>, Vec<Atom>)| {
    let (pack, title, text) = input;
    let e = engine(usize::from(pack) % PACKS.len());
    let terms: Vec<&str> = e.terms().collect();
    let title = render(&title, &terms);
    let text = render(&text, &terms);
    for s in [&title, &text] {
        let norm = e.normalize(s);
        assert!(!norm.contains('\n'), "normalised text keeps a line break: {norm:?}");
    }
    let c = serde_json::json!({"id": "u", "title": title, "text": text}).to_string();
    let chars = title.chars().count() + text.chars().count();
    let (_, took) = timed(|| (e.classify_json(&c), e.verdict_json(&c)));
    assert_fast("classify and verdict", took, text_budget(chars) * 2, || {
        let _ = (e.classify_json(&c), e.verdict_json(&c));
    });
    check_complaint(e, &c);
});
