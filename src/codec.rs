//! Beside the flow, under the compiled pack (`compile/store.rs`) and everything it stores: the
//! binary primitives a `.wdp` is written in — LEB128 varints, zigzag integers, `f64` bits,
//! length-prefixed strings and lists — and the XXH64 checksum that guards it. The [`Reader`]
//! never trusts a byte: every length is checked against what is left before anything is
//! allocated, every value against its range, so corrupt input is an error, never a panic.

use std::fmt;

/// What is wrong with a compiled pack: a message saying where (the section and byte offset)
/// and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Corrupt(pub String);

impl fmt::Display for Corrupt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Decoding result.
pub(crate) type Res<T> = Result<T, Corrupt>;

/// Bytes being written. Every value has exactly one encoding, so equal inputs give equal bytes.
#[derive(Debug, Default)]
pub(crate) struct Writer {
    /// Everything written so far.
    pub buf: Vec<u8>,
}

impl Writer {
    /// One byte.
    pub fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }

    /// An unsigned integer as a LEB128 varint (1 byte below 128).
    pub fn uv(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.buf.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.buf.push(v as u8);
    }

    /// A `usize` as a varint (the same bytes on 32- and 64-bit targets).
    pub fn size(&mut self, v: usize) {
        self.uv(v as u64);
    }

    /// A signed integer, zigzag-encoded as a varint.
    pub fn iv(&mut self, v: i64) {
        self.uv(((v << 1) ^ (v >> 63)) as u64);
    }

    /// A float as its 8 IEEE bytes, little-endian (bit-exact, NaN payloads included).
    pub fn f64(&mut self, v: f64) {
        self.buf.extend_from_slice(&v.to_bits().to_le_bytes());
    }

    /// `false` or `true` as 0 or 1.
    pub fn bool(&mut self, v: bool) {
        self.buf.push(u8::from(v));
    }

    /// A string: its byte length, then its UTF-8 bytes.
    pub fn str(&mut self, s: &str) {
        self.size(s.len());
        self.buf.extend_from_slice(s.as_bytes());
    }

    /// Raw bytes: their length, then the bytes.
    pub fn blob(&mut self, b: &[u8]) {
        self.size(b.len());
        self.buf.extend_from_slice(b);
    }

    /// An optional string: 0, or 1 and the string.
    pub fn opt_str(&mut self, s: Option<&str>) {
        match s {
            None => self.u8(0),
            Some(s) => {
                self.u8(1);
                self.str(s);
            }
        }
    }

    /// An optional count: 0 for none, else the value plus one.
    pub fn opt_size(&mut self, v: Option<usize>) {
        self.uv(v.map_or(0, |v| v as u64 + 1));
    }

    /// A column of numbers, without its length (the reader knows how many, see
    /// [`Reader::u32s`]): one byte giving the width every number takes — the fewest bytes that
    /// hold the largest, 0 when all are 0 — then each number in that many bytes, little-endian.
    pub fn u32s(&mut self, values: &[u32]) {
        let width = width_of(values.iter().fold(0, |acc, &v| acc | v));
        self.buf.push(width as u8);
        for v in values {
            self.buf.extend_from_slice(&v.to_le_bytes()[..width]);
        }
    }

    /// A list: its length, then each item written by `item`.
    pub fn list<T>(&mut self, items: &[T], mut item: impl FnMut(&mut Writer, &T)) {
        self.size(items.len());
        for x in items {
            item(self, x);
        }
    }
}

/// The fewest bytes that hold `v` (0 for 0).
fn width_of(v: u32) -> usize {
    (32 - v.leading_zeros() as usize).div_ceil(8)
}

/// Bytes being read: a cursor over a slice that knows which part of the pack it is in, for the
/// error message.
#[derive(Debug, Clone)]
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    /// Where the slice starts in the whole file (for error offsets).
    base: usize,
    /// The section being read, for error messages.
    pub section: &'static str,
}

impl<'a> Reader<'a> {
    /// A reader over `buf`, which starts at byte `base` of the file.
    pub fn new(buf: &'a [u8], base: usize, section: &'static str) -> Self {
        Reader {
            buf,
            pos: 0,
            base,
            section,
        }
    }

    /// An error at the current position.
    pub fn corrupt(&self, what: impl fmt::Display) -> Corrupt {
        Corrupt(format!(
            "section \"{}\", byte {}: {what}",
            self.section,
            self.base + self.pos
        ))
    }

    /// Where the reader stands, as an offset in the whole file.
    pub fn offset(&self) -> usize {
        self.base + self.pos
    }

    /// Bytes not read yet.
    pub fn remaining(&self) -> usize {
        self.buf.len().saturating_sub(self.pos)
    }

    /// Fail unless every byte was read.
    pub fn finish(&self) -> Res<()> {
        match self.remaining() {
            0 => Ok(()),
            n => Err(self.corrupt(format!("{n} bytes left over"))),
        }
    }

    /// The next `n` bytes.
    #[inline]
    pub fn bytes(&mut self, n: usize) -> Res<&'a [u8]> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.buf.len());
        match end.and_then(|e| self.buf.get(self.pos..e).map(|b| (e, b))) {
            Some((e, b)) => {
                self.pos = e;
                Ok(b)
            }
            None => Err(self.corrupt(format!("needs {n} bytes, {} left", self.remaining()))),
        }
    }

    /// One byte.
    #[inline]
    pub fn u8(&mut self) -> Res<u8> {
        match self.buf.get(self.pos) {
            Some(&b) => {
                self.pos += 1;
                Ok(b)
            }
            None => Err(self.corrupt("unexpected end")),
        }
    }

    /// A LEB128 varint (at most 10 bytes, no bits beyond 64, no redundant trailing zero byte:
    /// one value, one encoding).
    #[inline]
    pub fn uv(&mut self) -> Res<u64> {
        // Most values of a pack fit in one byte: read those without the loop (the loop made
        // varints a quarter of a compiled pack's loading time).
        if let Some(&b) = self.buf.get(self.pos) {
            if b < 0x80 {
                self.pos += 1;
                return Ok(u64::from(b));
            }
        }
        self.uv_long()
    }

    fn uv_long(&mut self) -> Res<u64> {
        // Two and three bytes (most of what is not one byte: state numbers, term ids) without
        // the general loop.
        if let Some(&[b0, b1, b2]) = self.buf.get(self.pos..self.pos + 3) {
            if b1 < 0x80 && b1 != 0 {
                self.pos += 2;
                return Ok(u64::from(b0 & 0x7F) | u64::from(b1) << 7);
            }
            if b1 >= 0x80 && b2 < 0x80 && b2 != 0 {
                self.pos += 3;
                return Ok(u64::from(b0 & 0x7F) | u64::from(b1 & 0x7F) << 7 | u64::from(b2) << 14);
            }
        }
        let mut v = 0u64;
        for i in 0..10 {
            let b = self.u8()?;
            let bits = u64::from(b & 0x7F);
            if i == 9 && b > 1 {
                return Err(self.corrupt("varint overflows 64 bits"));
            }
            v |= bits << (7 * i);
            if b & 0x80 == 0 {
                if i > 0 && b == 0 {
                    return Err(self.corrupt("varint with a redundant zero byte"));
                }
                return Ok(v);
            }
        }
        Err(self.corrupt("varint longer than 10 bytes"))
    }

    /// A varint that must fit in `u32`.
    #[inline]
    pub fn u32(&mut self) -> Res<u32> {
        let v = self.uv()?;
        match u32::try_from(v) {
            Ok(x) => Ok(x),
            Err(_) => Err(self.bad_value(v, "a 32-bit number", u64::from(u32::MAX))),
        }
    }

    /// The error for value `v` of `what` above `max` (out of line: the checks that call it are
    /// inlined into every reader, their error formatting should not be).
    #[cold]
    #[inline(never)]
    fn bad_value(&self, v: u64, what: &str, max: u64) -> Corrupt {
        self.corrupt(format!("{what} {v} is above {max}"))
    }

    /// A varint that must be at most `max`.
    #[inline]
    pub fn at_most(&mut self, max: u64, what: &str) -> Res<u64> {
        let v = self.uv()?;
        if v > max {
            return Err(self.bad_value(v, what, max));
        }
        Ok(v)
    }

    /// A varint that must be below `bound` (an index into something of that length).
    #[inline]
    pub fn index(&mut self, bound: usize, what: &str) -> Res<usize> {
        let v = self.uv()?;
        match usize::try_from(v) {
            Ok(i) if i < bound => Ok(i),
            _ => Err(self.bad_index(v, what, bound)),
        }
    }

    /// A `usize` varint (a count or limit), at most `max`.
    #[inline]
    pub fn size(&mut self, max: usize, what: &str) -> Res<usize> {
        let v = self.at_most(max as u64, what)?;
        Ok(v as usize)
    }

    /// The length of a list whose items take at least `min_item_bytes` each: never more than
    /// what is left could hold, so a corrupt length cannot make a huge allocation.
    #[inline]
    pub fn len(&mut self, min_item_bytes: usize) -> Res<usize> {
        let v = self.uv()?;
        let fits = self.remaining() / min_item_bytes.max(1);
        match usize::try_from(v) {
            Ok(n) if n <= fits => Ok(n),
            _ => Err(self.too_long(v)),
        }
    }

    #[cold]
    #[inline(never)]
    fn bad_index(&self, v: u64, what: &str, bound: usize) -> Corrupt {
        self.corrupt(format!("{what} {v} out of range ({bound})"))
    }

    #[cold]
    #[inline(never)]
    fn too_long(&self, v: u64) -> Corrupt {
        self.corrupt(format!(
            "a list of {v} items cannot fit in the {} bytes left",
            self.remaining()
        ))
    }

    /// A column of `n` numbers written by [`Writer::u32s`], in its one encoding (the width is
    /// the fewest bytes that hold the largest number). Fixed-width, so decoding is one tight
    /// loop: an automaton is tens of thousands of numbers, and read as varints one call at a
    /// time they were most of a compiled pack's loading time.
    pub fn u32s(&mut self, n: usize) -> Res<Vec<u32>> {
        let width = self.u8()? as usize;
        if width > 4 {
            return Err(self.corrupt(format!("numbers {width} bytes wide")));
        }
        let bytes = match n.checked_mul(width) {
            Some(len) if len <= self.remaining() => self.bytes(len)?,
            _ => return Err(self.too_long(n as u64)),
        };
        let out: Vec<u32> = match width {
            0 => vec![0; n],
            1 => bytes.iter().map(|&b| u32::from(b)).collect(),
            2 => bytes
                .chunks_exact(2)
                .map(|c| <[u8; 2]>::try_from(c).map_or(0, |c| u16::from_le_bytes(c).into()))
                .collect(),
            3 => bytes
                .chunks_exact(3)
                .map(|c| match c {
                    &[a, b, c] => u32::from_le_bytes([a, b, c, 0]),
                    _ => 0,
                })
                .collect(),
            _ => bytes
                .chunks_exact(4)
                .map(|c| <[u8; 4]>::try_from(c).map_or(0, u32::from_le_bytes))
                .collect(),
        };
        if width_of(out.iter().fold(0, |acc, &v| acc | v)) != width {
            return Err(self.corrupt(format!("numbers {width} bytes wide, not the fewest")));
        }
        Ok(out)
    }

    /// Raw bytes written by [`Writer::blob`], borrowed.
    pub fn blob(&mut self) -> Res<&'a [u8]> {
        let n = self.len(1)?;
        self.bytes(n)
    }

    /// A zigzag-encoded signed integer.
    pub fn iv(&mut self) -> Res<i64> {
        let u = self.uv()?;
        Ok(((u >> 1) as i64) ^ -((u & 1) as i64))
    }

    /// A float from its 8 little-endian bytes.
    pub fn f64(&mut self) -> Res<f64> {
        let b = self.bytes(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(f64::from_bits(u64::from_le_bytes(a)))
    }

    /// A float that must be finite.
    pub fn finite(&mut self, what: &str) -> Res<f64> {
        let v = self.f64()?;
        if !v.is_finite() {
            return Err(self.corrupt(format!("{what} is not a finite number")));
        }
        Ok(v)
    }

    /// 0 or 1.
    #[inline]
    pub fn bool(&mut self) -> Res<bool> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            b => Err(self.corrupt(format!("{b} is not a boolean"))),
        }
    }

    /// A length-prefixed UTF-8 string.
    pub fn str(&mut self) -> Res<String> {
        Ok(self.str_ref()?.to_string())
    }

    /// A length-prefixed UTF-8 string, borrowed.
    #[inline]
    pub fn str_ref(&mut self) -> Res<&'a str> {
        let n = self.len(1)?;
        let at = self.pos;
        let b = self.bytes(n)?;
        std::str::from_utf8(b).map_err(|e| {
            Corrupt(format!(
                "section \"{}\", byte {}: a string is not UTF-8 ({e})",
                self.section,
                self.base + at
            ))
        })
    }

    /// An optional string (see [`Writer::opt_str`]).
    pub fn opt_str(&mut self) -> Res<Option<String>> {
        match self.u8()? {
            0 => Ok(None),
            1 => self.str().map(Some),
            b => Err(self.corrupt(format!("{b} is not an option tag"))),
        }
    }

    /// An optional count (see [`Writer::opt_size`]), at most `max`.
    pub fn opt_size(&mut self, max: usize, what: &str) -> Res<Option<usize>> {
        match self.uv()? {
            0 => Ok(None),
            v if v - 1 <= max as u64 => Ok(Some((v - 1) as usize)),
            v => Err(self.corrupt(format!("{what} {} is above {max}", v - 1))),
        }
    }

    /// An optional index below `bound` (see [`Writer::opt_size`]).
    #[inline]
    pub fn opt_index(&mut self, bound: usize, what: &str) -> Res<Option<usize>> {
        match self.uv()? {
            0 => Ok(None),
            v if v - 1 < bound as u64 => Ok(Some((v - 1) as usize)),
            v => Err(self.corrupt(format!("{what} {} out of range ({bound})", v - 1))),
        }
    }

    /// A list written by [`Writer::list`], each item read by `item`; items take at least
    /// `min_item_bytes` bytes each.
    pub fn list<T>(
        &mut self,
        min_item_bytes: usize,
        mut item: impl FnMut(&mut Reader<'a>) -> Res<T>,
    ) -> Res<Vec<T>> {
        let n = self.len(min_item_bytes)?;
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            out.push(item(self)?);
        }
        Ok(out)
    }
}

const P1: u64 = 0x9E37_79B1_85EB_CA87;
const P2: u64 = 0xC2B2_AE3D_27D4_EB4F;
const P3: u64 = 0x1656_67B1_9E37_79F9;
const P4: u64 = 0x85EB_CA77_C2B2_AE63;
const P5: u64 = 0x27D4_EB2F_1656_67C5;

fn read64(b: &[u8]) -> u64 {
    let mut a = [0u8; 8];
    if let Some(s) = b.get(..8) {
        a.copy_from_slice(s);
    }
    u64::from_le_bytes(a)
}

fn round(acc: u64, input: u64) -> u64 {
    acc.wrapping_add(input.wrapping_mul(P2))
        .rotate_left(31)
        .wrapping_mul(P1)
}

fn merge(acc: u64, v: u64) -> u64 {
    (acc ^ round(0, v)).wrapping_mul(P1).wrapping_add(P4)
}

/// XXH64 of `data` with seed 0 — the checksum of a compiled pack. Chosen over SHA-256 (which
/// gives the pack its identity) because it checks a 50 KB pack in ≈ 0.2 instructions per byte
/// instead of ≈ 50: loading must stay far cheaper than compiling. It detects corruption, not
/// tampering: a compiled pack is trusted like the JSON it came from.
pub(crate) fn xxh64(data: &[u8]) -> u64 {
    let len = data.len() as u64;
    let mut rest = data;
    let mut h = if data.len() >= 32 {
        let mut v = [P1.wrapping_add(P2), P2, 0, 0u64.wrapping_sub(P1)];
        let mut stripes = data.chunks_exact(32);
        for s in &mut stripes {
            for (i, lane) in v.iter_mut().enumerate() {
                *lane = round(*lane, read64(s.get(i * 8..).unwrap_or_default()));
            }
        }
        rest = stripes.remainder();
        let [v1, v2, v3, v4] = v;
        let h = v1
            .rotate_left(1)
            .wrapping_add(v2.rotate_left(7))
            .wrapping_add(v3.rotate_left(12))
            .wrapping_add(v4.rotate_left(18));
        merge(merge(merge(merge(h, v1), v2), v3), v4)
    } else {
        P5
    };
    h = h.wrapping_add(len);
    let mut words = rest.chunks_exact(8);
    for w in &mut words {
        h = (h ^ round(0, read64(w)))
            .rotate_left(27)
            .wrapping_mul(P1)
            .wrapping_add(P4);
    }
    let mut tail = words.remainder();
    if tail.len() >= 4 {
        let mut a = [0u8; 4];
        a.copy_from_slice(tail.get(..4).unwrap_or(&[0; 4]));
        h = (h ^ u64::from(u32::from_le_bytes(a)).wrapping_mul(P1))
            .rotate_left(23)
            .wrapping_mul(P2)
            .wrapping_add(P3);
        tail = tail.get(4..).unwrap_or_default();
    }
    for &b in tail {
        h = (h ^ u64::from(b).wrapping_mul(P5))
            .rotate_left(11)
            .wrapping_mul(P1);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(P2);
    h ^= h >> 29;
    h = h.wrapping_mul(P3);
    h ^ (h >> 32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xxh64_matches_the_reference() {
        // Values from libxxhash 0.8 (XXH64 with seed 0), through Python ctypes.
        let cases: &[(&[u8], u64)] = &[
            (b"", 0xEF46_DB37_51D8_E999),
            (b"a", 0xD24E_C4F1_A98C_6E5B),
            (b"abc", 0x44BC_2CF5_AD77_0999),
        ];
        for (data, want) in cases {
            assert_eq!(xxh64(data), *want, "{:?}", data);
        }
        // Stripes of 32, then 8-byte words, a 4-byte word and single bytes.
        let bytes: Vec<u8> = (0..100).collect();
        assert_eq!(xxh64(&bytes), 0x6AC1_E580_3216_6597);
        assert_eq!(xxh64(&bytes[..37]), 0xD93F_A2DF_EE5C_24C9);
    }

    #[test]
    fn varints_round_trip_and_reject_junk() {
        let values = [0u64, 1, 127, 128, 300, u32::MAX as u64, u64::MAX];
        let mut w = Writer::default();
        for v in values {
            w.uv(v);
        }
        w.iv(-5);
        w.iv(i64::MIN);
        let mut r = Reader::new(&w.buf, 0, "test");
        for v in values {
            assert_eq!(r.uv().unwrap(), v);
        }
        assert_eq!(r.iv().unwrap(), -5);
        assert_eq!(r.iv().unwrap(), i64::MIN);
        r.finish().unwrap();
        // Redundant zero byte, overflow, truncation.
        for junk in [&[0x80u8, 0x00][..], &[0xFF; 10][..], &[0x80][..], &[][..]] {
            assert!(Reader::new(junk, 0, "test").uv().is_err(), "{junk:?}");
        }
    }

    #[test]
    fn lengths_are_bounded_by_the_bytes_left() {
        let mut w = Writer::default();
        w.uv(1 << 40);
        let mut r = Reader::new(&w.buf, 0, "test");
        let e = r.len(1).unwrap_err();
        assert!(e.0.contains("cannot fit"), "{e}");
        let mut w = Writer::default();
        w.str("温度");
        w.opt_str(None);
        w.opt_str(Some("x"));
        let mut r = Reader::new(&w.buf, 0, "test");
        assert_eq!(r.str().unwrap(), "温度");
        assert_eq!(r.opt_str().unwrap(), None);
        assert_eq!(r.opt_str().unwrap().as_deref(), Some("x"));
        assert!(Reader::new(&[2, 0xFF, 0xFE], 0, "t").str().is_err());
    }
}
