//! Money amounts and personal data as a decision reports them: values, currencies and spans of
//! amounts; checksum-verified ID and card numbers, mobiles and e-mails; the masked text; and the
//! promise that no unmasked personal data appears anywhere in a decision.

mod common;

use common::*;
use serde_json::{json, Value};

fn plain() -> wendu::Engine {
    engine(&one_dim(json!([]), json!({})))
}

fn amounts(text: &str) -> Vec<(f64, String, String)> {
    let d = classify_text(&plain(), text);
    json_of(&d)["amounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            let span = [
                a["span"][0].as_u64().unwrap() as usize,
                a["span"][1].as_u64().unwrap() as usize,
            ];
            assert_eq!(utf16_slice(text, span), a["text"].as_str().unwrap());
            assert_eq!(a["field"], "text");
            (
                a["value"].as_f64().unwrap(),
                a["currency"].as_str().unwrap().to_string(),
                a["text"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn one_amount(text: &str) -> (f64, String, String) {
    let a = amounts(text);
    assert_eq!(a.len(), 1, "{text}: {a:?}");
    a.into_iter().next().unwrap()
}

// ---------------------------------------------------------------- amounts

#[test]
fn chinese_numerals_and_wan() {
    assert_eq!(
        one_amount("被骗了五万元"),
        (50000.0, "CNY".into(), "五万元".into())
    );
    assert_eq!(one_amount("借款五万").0, 50000.0);
    assert_eq!(
        one_amount("损失3.5万元"),
        (35000.0, "CNY".into(), "3.5万元".into())
    );
    assert_eq!(one_amount("额度两千").0, 2000.0);
    assert_eq!(one_amount("扣了两千元").0, 2000.0);
    assert_eq!(one_amount("共计一万二千元").0, 12000.0);
}

#[test]
fn arabic_numerals_with_separators_and_units() {
    assert_eq!(
        one_amount("被扣1,200元手续费"),
        (1200.0, "CNY".into(), "1,200元".into())
    );
    assert_eq!(one_amount("年费300元").0, 300.0);
    assert_eq!(one_amount("利息12.5元").0, 12.5);
    // Full-width digits and comma: the span covers the original characters.
    assert_eq!(
        one_amount("被扣１，２００元"),
        (1200.0, "CNY".into(), "１，２００元".into())
    );
}

#[test]
fn currencies() {
    assert_eq!(one_amount("收了¥500"), (500.0, "CNY".into(), "¥500".into()));
    assert_eq!(one_amount("收了￥500").1, "CNY");
    assert_eq!(
        one_amount("charged $1,234.56 twice"),
        (1234.56, "USD".into(), "$1,234.56".into())
    );
    assert_eq!(one_amount("charged USD 1,200").0, 1200.0);
    assert_eq!(one_amount("charged USD 1,200").1, "USD");
    assert_eq!(one_amount("扣了100美元").1, "USD");
    assert_eq!(one_amount("人民币3000").1, "CNY");
    assert_eq!(one_amount("人民币3000").0, 3000.0);
    assert_eq!(one_amount("RMB 800").1, "CNY");
    assert_eq!(one_amount("港币200元").1, "HKD");
    assert_eq!(one_amount("50欧元").1, "EUR");
}

#[test]
fn several_amounts_in_order() {
    let a = amounts("先扣了300元，后来又借了5万，总共损失¥50300");
    let values: Vec<f64> = a.iter().map(|x| x.0).collect();
    assert_eq!(values, [300.0, 50000.0, 50300.0]);
}

#[test]
fn not_amounts() {
    for text in [
        "2024年3月5日下午3点",
        "利率5%",
        "第3次投诉",
        "电话13812345678",
        "工号12345",
        "等了5万年",
    ] {
        assert!(amounts(text).is_empty(), "{text}: {:?}", amounts(text));
    }
}

#[test]
fn amount_spans_after_emoji_and_in_the_title() {
    let text = "😀😀被扣了１，２００元";
    let d = classify_text(&plain(), text);
    let a = &json_of(&d)["amounts"][0];
    assert_eq!(a["span"], json!([7, 13]));
    let d = classify(&plain(), &json!({"title": "退我300元", "text": "谢谢"}));
    let a = &json_of(&d)["amounts"][0];
    assert_eq!(a["field"], "title");
    assert_eq!(a["span"], json!([2, 6]));
    assert_eq!(a["value"], json!(300));
}

#[test]
fn amount_json_shape() {
    let d = classify_text(&plain(), "损失3.5万元");
    assert_eq!(
        json_of(&d)["amounts"],
        json!([{"value": 35000, "currency": "CNY", "field": "text", "span": [2, 7], "text": "3.5万元"}])
    );
}

// ---------------------------------------------------------------- personal data

/// A resident ID number with a correct check character for these 17 digits.
fn id_number(first17: &str) -> String {
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = first17
        .chars()
        .zip(W)
        .map(|(c, w)| c.to_digit(10).unwrap() * w)
        .sum();
    let check = b"10X98765432"[(sum % 11) as usize] as char;
    format!("{first17}{check}")
}

/// A card number whose last digit makes the Luhn sum a multiple of 10.
fn luhn_card(body: &str) -> String {
    let digits: Vec<u32> = body.chars().map(|c| c.to_digit(10).unwrap()).collect();
    let mut sum = 0;
    for (i, d) in digits.iter().rev().enumerate() {
        let mut x = *d;
        if i % 2 == 0 {
            x *= 2;
            if x > 9 {
                x -= 9;
            }
        }
        sum += x;
    }
    format!("{body}{}", (10 - sum % 10) % 10)
}

/// A wrong last character for a number.
fn break_check(s: &str) -> String {
    let mut v: Vec<char> = s.chars().collect();
    let last = v.pop().unwrap();
    let repl = if last == '1' { '2' } else { '1' };
    v.push(repl);
    v.into_iter().collect()
}

fn pd(text: &str) -> Vec<(String, String)> {
    let d = classify_text(&plain(), text);
    json_of(&d)["personal_data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let span = [
                p["span"][0].as_u64().unwrap() as usize,
                p["span"][1].as_u64().unwrap() as usize,
            ];
            (
                p["kind"].as_str().unwrap().to_string(),
                utf16_slice(text, span),
            )
        })
        .collect()
}

#[test]
fn resident_id_checksum() {
    let good = id_number("11010519491231002");
    assert_eq!(good, "11010519491231002X");
    let text = format!("身份证{good}办理");
    assert_eq!(pd(&text), [("id_card".to_string(), good.clone())]);
    let lower = good.to_lowercase();
    assert_eq!(pd(&format!("身份证{lower}")).len(), 1);
    let good2 = id_number("44030419900101123");
    assert_eq!(pd(&format!("证件号：{good2}。")).len(), 1);
    let bad = break_check(&good2);
    assert!(pd(&format!("证件号：{bad}。")).is_empty());
}

#[test]
fn bank_card_luhn() {
    let card = luhn_card("622202020011223344");
    assert_eq!(card.len(), 19);
    assert_eq!(
        pd(&format!("卡号{card}被盗刷")),
        [("bank_card".into(), card.clone())]
    );
    assert_eq!(
        pd("卡号4111111111111111被盗刷"),
        [("bank_card".into(), "4111111111111111".into())]
    );
    assert!(pd("卡号4111111111111112被盗刷").is_empty());
    let bad = break_check(&card);
    assert!(pd(&format!("卡号{bad}被盗刷")).is_empty());
    // Grouped in fours.
    assert_eq!(pd("卡号 4111 1111 1111 1111 被盗").len(), 1);
}

#[test]
fn mobiles_and_emails() {
    assert_eq!(
        pd("请打13812345678联系"),
        [("mobile".into(), "13812345678".into())]
    );
    // Not a mainland mobile: wrong prefix, too long, glued to letters.
    assert!(pd("编号12345678901").is_empty());
    assert!(pd("单号138123456789").is_empty());
    assert!(pd("ab13812345678cd").is_empty());
    assert_eq!(
        pd("邮箱 zhang.san@example.com 联系"),
        [("email".into(), "zhang.san@example.com".into())]
    );
}

#[test]
fn full_width_personal_data_is_found_and_masked() {
    let text = "电话１３８１２３４５６７８";
    assert_eq!(
        pd(text),
        [("mobile".into(), "１３８１２３４５６７８".into())]
    );
    let d = classify_text(&plain(), text);
    assert_eq!(d.masked_text, "电话１３８****５６７８");
}

#[test]
fn masked_text_keeps_the_utf16_length() {
    let id = id_number("11010519491231002");
    let card = luhn_card("622202020011223344");
    let text = format!(
        "😀我叫张三，电话13812345678，身份证{id}，卡号{card}，邮箱zhang.san@example.com，被扣了1,200元"
    );
    let d = classify_text(&plain(), &text);
    assert_eq!(utf16_len(&d.masked_text), utf16_len(&text));
    assert!(d.masked_text.contains("138****5678"), "{}", d.masked_text);
    assert!(
        d.masked_text.contains("z********@example.com"),
        "{}",
        d.masked_text
    );
    assert!(d.masked_text.contains("1,200元"));
    let kinds: Vec<String> = pd(&text).into_iter().map(|x| x.0).collect();
    assert_eq!(kinds, ["mobile", "id_card", "bank_card", "email"]);
    // Unmasked characters are unchanged, so offsets of everything else still hold.
    let orig: Vec<u16> = text.encode_utf16().collect();
    let masked: Vec<u16> = d.masked_text.encode_utf16().collect();
    for (a, b) in orig.iter().zip(&masked) {
        assert!(a == b || *b == u16::from(b'*'));
    }
}

#[test]
fn invalid_numbers_are_not_masked() {
    let text = "卡号4111111111111112";
    let d = classify_text(&plain(), text);
    assert_eq!(d.masked_text, text);
}

fn assert_no_leak(json: &str, secrets: &[&str]) {
    for s in secrets {
        assert!(!json.contains(s), "decision repeats {s}: {json}");
    }
}

#[test]
fn no_unmasked_personal_data_anywhere_in_the_decision() {
    let id = id_number("11010519491231002");
    let card = luhn_card("622202020011223344");
    let mobile = "13812345678";
    let email = "zhang.san@example.com";
    let p = one_dim(
        json!([
            {"code": "regex", "rules": [{"when": {"regex": "电话\\d+"}}]},
            {"code": "digits", "rules": [{"when": {"regex": "\\d{15,}x?"}}]},
            {"code": "term", "rules": [{"when": {"terms": ["138", "zhang", "example.com"]}}]},
            {"code": "near", "rules": [{"when": {"near": {"a": ["电话"], "b": ["联系"], "within": 20}}}]},
            {"code": "field", "rules": [{"when": {"all": [
                {"field": {"path": "extra.contact", "exists": true}},
                {"field": {"path": "customer.id", "exists": true}},
                {"field": {"path": "extra.note", "contains": "卡"}}
            ]}}]}
        ]),
        json!({"severity": {
            "factors": [{"id": "f", "when": {"any": [
                {"regex": "卡号\\d+"},
                {"field": {"path": "extra.contact", "exists": true}}
            ]}, "points": 10}],
            "levels": [{"id": "normal", "min_points": 0}]
        }}),
    );
    let e = engine(&p);
    let text = format!("电话{mobile}联系，身份证{id}，卡号{card}，邮箱{email}，没有138元");
    let input = json!({
        "title": format!("电话{mobile}"),
        "text": text,
        "customer": {"id": mobile},
        "extra": {"contact": email, "note": format!("卡{card}")}
    });
    let d = classify(&e, &input);
    let out = d.to_json();
    let j = json_of(&d);
    // Every label fired, so every kind of evidence was quoted.
    let got: Vec<&str> = j["labels"]["d"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["code"].as_str().unwrap())
        .collect();
    for code in ["regex", "digits", "term", "near", "field"] {
        assert!(got.contains(&code), "{code} missing: {out}");
    }
    assert!(!j["severity"]["factors"].as_array().unwrap().is_empty());
    assert_no_leak(&out, &[mobile, &id, &card, email, "zhang.san", "12345678"]);
    // Masked versions are there.
    assert!(out.contains("138****5678"), "{out}");
    assert!(out.contains("z********@example.com"), "{out}");
}

#[test]
fn a_term_inside_personal_data_quotes_masked_text() {
    let e = engine(&cond_pack(json!({"terms": ["5678"]}), json!({})));
    let d = classify_text(&e, "电话13812345678");
    // 5678 stands inside a digit run, so the word boundary already stops it; with a boundary
    // off, the quote must be masked or the visible tail only.
    assert_eq!(codes(&d, "d"), ["other"]);
    let e = engine(&cond_pack(
        json!({"terms": ["12345678"]}),
        json!({"settings": {"word_boundary": false}}),
    ));
    let d = classify_text(&e, "电话13812345678");
    assert_eq!(codes(&d, "d"), ["hit"]);
    let ev = &json_of(&d)["labels"]["d"][0]["rules"][0]["evidence"][0];
    assert_eq!(ev["text"], "****5678");
    // (The evidence's `term` is the pack's own word, so only the customer's number is checked.)
    assert_no_leak(&d.to_json(), &["13812345678", "3812345678"]);
}

#[test]
fn personal_data_json_shape() {
    let d = classify(
        &plain(),
        &json!({"title": "13812345678", "text": "😀13912345678"}),
    );
    let j = json_of(&d);
    assert_eq!(
        j["personal_data"],
        json!([
            {"kind": "mobile", "field": "title", "span": [0, 11]},
            {"kind": "mobile", "field": "text", "span": [2, 13]}
        ])
    );
    assert_eq!(j["masked_title"], "138****5678");
    assert_eq!(j["masked_text"], "😀139****5678");
}

#[test]
fn amounts_next_to_personal_data() {
    let d = classify_text(&plain(), "卡号4111111111111111被扣了300元");
    let a: Vec<Value> = json_of(&d)["amounts"].as_array().unwrap().clone();
    assert_eq!(a.len(), 1, "{a:?}");
    assert_eq!(a[0]["value"], json!(300));
}
