use super::number::{cn_digit, small_unit};
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

/// A number is read at most `MAX_NUMBER_BYTES`: a chain of units that overflowed only at its
/// end was read again from each of its numbers (quadratic: 12 s for 20,000 chars in Node). A
/// longer run is not an amount, the amounts after it are still found, and the longest amounts
/// written out in full still read.
#[test]
fn overlong_numbers_are_read_once() {
    let text = format!("借款{}，手续费500元", "1亿".repeat(100));
    let found = find_amounts(&text);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(&text[found[0].start..found[0].end], "500元");
    check(
        "九千九百九十九亿九千九百九十九万九千九百九十九元",
        999_999_999_999.0,
        "CNY",
        "九千九百九十九亿九千九百九十九万九千九百九十九元",
    );
    let started = std::time::Instant::now();
    for tail in ["99999999999999999999亿", "99999999999999999999万元"] {
        let text = "1亿".repeat(10_000) + tail;
        let _ = find_amounts(&text);
    }
    // Milliseconds now (a debug build included); seconds before.
    assert!(
        started.elapsed().as_secs_f64() < 2.0,
        "{:?}",
        started.elapsed()
    );
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
