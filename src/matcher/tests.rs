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

/// The stored form of the automaton for the one pattern "ab", column by column, as
/// `Matcher::write` lays it out: root (slot 0), "a" (slot 1), "ab" (slot 3; slot 2 free).
fn hand_written(checks: &[u32], fails: &[u32], depths: &[u32], pattern_len: u32) -> Vec<u8> {
    let mut w = Writer::default();
    w.size(1);
    w.u32s(&[pattern_len]);
    w.size(2);
    w.u32s(&['a' as u32, 1]);
    w.size(checks.len());
    w.u32s(checks);
    w.u32s(&[0, 1, 0]);
    w.u32s(fails);
    w.u32s(depths);
    w.u32s(&[0, 0, 1]);
    w.u32s(&[0]);
    w.buf
}

#[test]
fn stored_forms_that_break_the_search_are_refused() {
    let read = |bytes: Vec<u8>| {
        let mut r = Reader::new(&bytes, 0, "matcher");
        Matcher::read(&mut r).and_then(|m| r.finish().map(|_| m))
    };
    let good = read(hand_written(&[0, 1, 0, 2], &[0, 0], &[0, 1, 2], 2)).unwrap();
    assert_eq!(ours(&good, "xaby"), vec![(1, 3, 0)]);
    assert_eq!(
        stored(&good),
        hand_written(&[0, 1, 0, 2], &[0, 0], &[0, 1, 2], 2)
    );
    for (bytes, why) in [
        // "ab" claims to be its own parent.
        (
            hand_written(&[0, 1, 0, 4], &[0, 0], &[0, 1, 2], 2),
            "not a child",
        ),
        // Its depth is not its parent's plus its character's width.
        (hand_written(&[0, 1, 0, 2], &[0, 0], &[0, 1, 3], 2), "depth"),
        // A failure link to itself would make the walk endless.
        (
            hand_written(&[0, 1, 0, 2], &[0, 3], &[0, 1, 2], 2),
            "failure link",
        ),
        (
            hand_written(&[0, 1, 0, 2], &[0, 0], &[0, 1, 2], 3),
            "longer than",
        ),
        (
            hand_written(&[0, 1, 0, 3], &[0, 0], &[0, 1, 2], 2),
            "not a state",
        ),
        (
            hand_written(&[0, 1, 0, 5], &[0, 0], &[0, 1, 2], 2),
            "not a state",
        ),
    ] {
        let err = read(bytes).unwrap_err().0;
        assert!(err.contains(why), "{err} (expected {why})");
    }
    // A column wider than its numbers need has another encoding of the same automaton.
    let mut wide = hand_written(&[0, 1, 0, 2], &[0, 0], &[0, 1, 2], 2);
    wide.splice(1..3, [2, 2, 0]);
    assert!(read(wide).unwrap_err().0.contains("not the fewest"));
}
