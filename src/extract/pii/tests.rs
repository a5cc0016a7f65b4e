use super::*;

fn found(text: &str) -> Vec<(PiiKind, &str)> {
    find_personal_data(text)
        .into_iter()
        .map(|m| (m.kind, &text[m.start..m.end]))
        .collect()
}

#[test]
fn mobiles() {
    use PiiKind::Mobile;
    assert_eq!(
        found("我的电话13812345678请回电"),
        vec![(Mobile, "13812345678")]
    );
    assert_eq!(
        found("tel: 138 1234 5678."),
        vec![(Mobile, "138 1234 5678")]
    );
    assert_eq!(found("电话138-1234-5678"), vec![(Mobile, "138-1234-5678")]);
    assert_eq!(
        found("call +86 13812345678"),
        vec![(Mobile, "+86 13812345678")]
    );
    assert_eq!(
        found("call +8613812345678"),
        vec![(Mobile, "+8613812345678")]
    );
    assert_eq!(
        found("call +86-138-1234-5678"),
        vec![(Mobile, "+86-138-1234-5678")]
    );
    assert_eq!(
        found("13812345678 13912345678"),
        vec![(Mobile, "13812345678"), (Mobile, "13912345678")]
    );
    assert!(found("12812345678").is_empty(), "second digit 2");
    assert!(found("138123456789").is_empty(), "12-digit run");
    assert!(
        found("9138123456781").iter().all(|(k, _)| *k != Mobile),
        "inside a longer run"
    );
    assert!(found("138123456780").is_empty(), "inside a longer run");
    assert!(found("ab13812345678").is_empty(), "glued to a word");
    assert!(found("138****5678").is_empty());
    assert!(found("单号ch000***").is_empty());
    assert!(found("金额3.13812345678").is_empty());
}

/// Appends the GB 11643 check character to 17 digits.
fn with_check(body: &str) -> String {
    let sum: u32 = body
        .bytes()
        .zip(ID_WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    format!("{body}{}", ID_CHECK[(sum % 11) as usize] as char)
}

#[test]
fn id_cards() {
    use PiiKind::IdCard;
    // 11010519491231002X is the GB 11643 standard's own example.
    assert_eq!(
        found("身份证11010519491231002x号"),
        vec![(IdCard, "11010519491231002x")]
    );
    assert_eq!(
        found("身份证11010519491231002X"),
        vec![(IdCard, "11010519491231002X")]
    );
    let good = with_check("11010519900307231");
    assert_eq!(
        found(&format!("证件{good}号")),
        vec![(IdCard, good.as_str())]
    );
    let grouped = format!("{} {} {}", &good[..6], &good[6..14], &good[14..]);
    assert_eq!(
        found(&format!("证件{grouped}")),
        vec![(IdCard, grouped.as_str())]
    );
    // Wrong check digit: never an ID card.
    let last = good.as_bytes()[17];
    let wrong = if last == b'0' { '1' } else { '0' };
    let bad = format!("{}{wrong}", &good[..17]);
    assert!(!valid_id(bad.as_bytes()));
    assert!(find_personal_data(&bad).iter().all(|m| m.kind != IdCard));
    // Valid checksum but impossible birth dates.
    for body in [
        "11010518800307231",
        "11010519901307231",
        "11010519900332231",
        "11010519900007231",
    ] {
        let id = with_check(body);
        assert!(!valid_id(id.as_bytes()), "{id}");
    }
    // Part of a longer digit run.
    assert!(found(&format!("{good}1")).iter().all(|(k, _)| *k != IdCard));
    assert!(found(&format!("9{good}")).iter().all(|(k, _)| *k != IdCard));
}

#[test]
fn bank_cards() {
    use PiiKind::BankCard;
    let card = "6222021234567890128";
    assert!(luhn(card.as_bytes()));
    assert_eq!(found(&format!("卡号{card}被扣款")), vec![(BankCard, card)]);
    assert_eq!(
        found("card 4111 1111 1111 1111 ok"),
        vec![(BankCard, "4111 1111 1111 1111")]
    );
    assert_eq!(
        found("card 4111-1111-1111-1111"),
        vec![(BankCard, "4111-1111-1111-1111")]
    );
    assert_eq!(
        found("卡6222 0212 3456 7890 128"),
        vec![(BankCard, "6222 0212 3456 7890 128")]
    );
    // A 16-digit number failing Luhn is not a card.
    assert!(found("4111111111111112").is_empty());
    assert!(found("0000000000000000").is_empty());
    assert!(
        found("41111111111111110").is_empty(),
        "17 digits failing Luhn"
    );
    assert!(found("x4111111111111111").is_empty());
}

#[test]
fn emails() {
    use PiiKind::{Email, Mobile};
    assert_eq!(
        found("邮箱abc.de@example.com。"),
        vec![(Email, "abc.de@example.com")]
    );
    assert_eq!(
        found("mail me at a_b+c@mail.qq.com."),
        vec![(Email, "a_b+c@mail.qq.com")]
    );
    assert_eq!(
        found("13812345678@163.com"),
        vec![(Email, "13812345678@163.com")]
    );
    assert_eq!(
        found("x@y.cn 电话13812345678"),
        vec![(Email, "x@y.cn"), (Mobile, "13812345678")]
    );
    assert!(found("a@b").is_empty());
    assert!(found("@example.com").is_empty());
    assert!(found("a@example.c0m").is_empty());
    assert!(found("a@@").is_empty());
}

#[test]
fn masking_keeps_char_count() {
    let cases = [
        (PiiKind::Mobile, "13812345678", "138****5678"),
        (PiiKind::Mobile, "138 1234 5678", "138 **** 5678"),
        (PiiKind::Mobile, "+86 13812345678", "+86 138****5678"),
        (
            PiiKind::Mobile,
            "１３８１２３４５６７８",
            "１３８****５６７８",
        ),
        (PiiKind::IdCard, "11010519491231002X", "110*************2X"),
        (
            PiiKind::IdCard,
            "１１０１０５１９４９１２３１００２Ｘ",
            "１１０*************２Ｘ",
        ),
        (
            PiiKind::BankCard,
            "4111 1111 1111 1111",
            "**** **** **** 1111",
        ),
        (
            PiiKind::BankCard,
            "6222021234567890128",
            "***************0128",
        ),
        (PiiKind::Email, "alice@example.com", "a****@example.com"),
        (PiiKind::Email, "a@b.cn", "*@b.cn"),
        (PiiKind::Email, "ab@qq.com", "**@qq.com"),
        (PiiKind::Email, "abc@qq.com", "a**@qq.com"),
        (PiiKind::Email, "", ""),
        (PiiKind::BankCard, "12", "**"),
        (PiiKind::IdCard, "", ""),
    ];
    for (kind, original, expected) in cases {
        let masked = mask(kind, original);
        assert_eq!(masked, expected);
        assert_eq!(masked.chars().count(), original.chars().count());
        assert_eq!(
            masked.encode_utf16().count(),
            original.encode_utf16().count()
        );
    }
}

#[test]
fn kind_names() {
    let names: Vec<_> = [
        PiiKind::Mobile,
        PiiKind::IdCard,
        PiiKind::BankCard,
        PiiKind::Email,
    ]
    .iter()
    .map(PiiKind::as_str)
    .collect();
    assert_eq!(names, ["mobile", "id_card", "bank_card", "email"]);
}

#[test]
fn garbage_never_panics() {
    const ALPHABET: &[&str] = &[
        "0",
        "1",
        "3",
        "8",
        "9",
        "x",
        "X",
        " ",
        "-",
        "+",
        "86",
        "@",
        ".",
        "a",
        "com",
        "*",
        ",",
        "电",
        "😀",
        "13812345678",
        "4111",
        "110105",
        "19491231",
        "002",
        "\u{0}",
    ];
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
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
        for m in find_personal_data(&text) {
            assert!(m.start < m.end && m.start >= last_end, "{text:?} {m:?}");
            assert!(
                text.is_char_boundary(m.start) && text.is_char_boundary(m.end),
                "{text:?}"
            );
            let part = &text[m.start..m.end];
            assert_eq!(mask(m.kind, part).chars().count(), part.chars().count());
            last_end = m.end;
        }
        for kind in [
            PiiKind::Mobile,
            PiiKind::IdCard,
            PiiKind::BankCard,
            PiiKind::Email,
        ] {
            assert_eq!(mask(kind, &text).chars().count(), text.chars().count());
        }
    }
}
