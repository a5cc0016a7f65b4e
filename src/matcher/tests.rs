//! The matcher against the `aho-corasick` crate (the automaton it replaced): the same
//! overlapping matches on random patterns and texts, before and after a round trip through its
//! stored form; and stored forms with random damage load or fail, never panic or hang.

use super::Matcher;
use crate::codec::{Reader, Writer};
use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use proptest::prelude::*;

/// A small alphabet so that patterns overlap and share prefixes: ASCII, CJK (3 bytes), a
/// 2-byte and a 4-byte character.
const ALPHABET: &[char] = &['a', 'b', 'c', ' ', '银', '行', '卡', '费', 'é', '😀'];

fn word(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(ALPHABET), 1..=max)
        .prop_map(|cs| cs.into_iter().collect())
}

fn text() -> impl Strategy<Value = String> {
    // Also characters in no pattern ('x', '。').
    let all: Vec<char> = ALPHABET.iter().copied().chain(['x', '。']).collect();
    prop::collection::vec(prop::sample::select(all), 0..80).prop_map(|cs| cs.into_iter().collect())
}

fn ours(m: &Matcher, text: &str) -> Vec<(usize, usize, usize)> {
    let mut out = Vec::new();
    m.find_overlapping(text, |s, e, p| out.push((s, e, p)));
    out.sort_unstable();
    out
}

fn theirs(patterns: &[String], text: &str) -> Vec<(usize, usize, usize)> {
    let ac = AhoCorasick::builder()
        .match_kind(MatchKind::Standard)
        .kind(Some(AhoCorasickKind::DFA))
        .build(patterns)
        .unwrap();
    let mut out: Vec<_> = ac
        .find_overlapping_iter(text)
        .map(|m| (m.start(), m.end(), m.pattern().as_usize()))
        .collect();
    out.sort_unstable();
    out
}

fn stored(m: &Matcher) -> Vec<u8> {
    let mut w = Writer::default();
    m.write(&mut w);
    w.buf
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn same_matches_as_aho_corasick(
        patterns in prop::collection::vec(word(5), 1..40),
        texts in prop::collection::vec(text(), 1..6),
    ) {
        let m = Matcher::new(&patterns).unwrap();
        let bytes = stored(&m);
        let mut r = Reader::new(&bytes, 0, "matcher");
        let back = Matcher::read(&mut r).unwrap();
        r.finish().unwrap();
        // Read back, it writes the same bytes.
        prop_assert_eq!(stored(&back), bytes);
        for t in &texts {
            let want = theirs(&patterns, t);
            prop_assert_eq!(ours(&m, t), want.clone(), "text {:?}", t);
            prop_assert_eq!(ours(&back, t), want);
        }
    }

    #[test]
    fn damaged_stored_forms_never_panic(
        patterns in prop::collection::vec(word(4), 1..20),
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
        t in text(),
    ) {
        let mut bytes = stored(&Matcher::new(&patterns).unwrap());
        for (at, b) in flips {
            let i = at.index(bytes.len());
            bytes[i] = b;
        }
        if let Ok(m) = Matcher::read(&mut Reader::new(&bytes, 0, "matcher")) {
            // Wrong matches are possible; a panic or an endless failure walk is not.
            let _ = ours(&m, &t);
        }
    }
}

#[test]
fn duplicate_and_nested_patterns() {
    let patterns = ["还款", "提前还款", "还款", "款", "a", "ab", "b"];
    let m = Matcher::new(&patterns).unwrap();
    let owned: Vec<String> = patterns.iter().map(|s| s.to_string()).collect();
    for t in ["提前还款了", "abab", "", "款款"] {
        assert_eq!(ours(&m, t), theirs(&owned, t), "{t}");
    }
    assert_eq!(m.count_overlapping("提前还款"), 4);
    assert!(Matcher::new(&["a", ""]).is_err());
}

#[test]
fn truncated_stored_forms_fail() {
    let bytes = stored(&Matcher::new(&["银行", "银行卡", "卡"]).unwrap());
    for n in 0..bytes.len() {
        let mut r = Reader::new(&bytes[..n], 0, "matcher");
        let whole = Matcher::read(&mut r).and_then(|_| r.finish());
        assert!(whole.is_err(), "{n} of {} bytes accepted", bytes.len());
    }
}

#[test]
#[ignore]
fn stats_of_the_default_pack() {
    let e = crate::Engine::default_pack().unwrap();
    let m = e.compiled().scanner.automaton.clone().unwrap();
    let used = m.slots.iter().filter(|s| s.check != 0).count() + 1;
    let mut w = Writer::default();
    m.write(&mut w);
    let outs: usize = m.runs.iter().map(|r| (r.1 - r.0) as usize).sum();
    eprintln!(
        "chars {} slots {} states {} runs {} outs {} patterns {} bytes {}",
        m.chars.len(),
        m.slots.len(),
        used,
        m.runs.len(),
        outs,
        m.pattern_len.len(),
        w.buf.len()
    );
}
