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
            mapped.original_range(0, mapped.text.len()).is_some() || mapped.text.trim().is_empty()
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
        normalize_into(part, o, |c, start, end, copied| {
            if c == LINE_END && !copied {
                return; // a signal, not text
            }
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
            if let (Some(a), Some(b)) = (n.original_range(w[0], w[1]), n.original_range(w[0], w[2]))
            {
                assert!(a.1 == b.1 && a.2 <= b.2, "{s:?}");
            }
        }
    }
}

#[test]
fn line_ends_are_kept_where_the_text_joins_the_lines() {
    // Chinese: the lines join (a wrapped word still matches) and the place is kept.
    let n = Normalized::new(&["没回复\n报警", "手续\r\n费"], &CN);
    assert_eq!(n.text, "没回复报警\n手续费");
    assert_eq!(
        n.breaks,
        vec!["没回复".len() as u32, "没回复报警\n手续".len() as u32]
    );
    // English: the run becomes one space; the line ends before it.
    let n = Normalized::new(&["did not\n\nreceive"], &EN);
    assert_eq!(n.text, "did not receive");
    assert_eq!(n.breaks, vec![7]);
    // Leading and trailing breaks end no clause inside the text.
    let n = Normalized::new(&["\n报警\n"], &CN);
    assert_eq!((n.text.as_str(), n.breaks.len()), ("报警", 0));
    assert_eq!(normalize_str("手续\n费", &CN), "手续费");
}
