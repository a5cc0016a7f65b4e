//! Beside the flow: RFC 3339 timestamps (complaints' `received_at`, deadlines, trigger event
//! times) and the durations packs write (`"30m"`, `"3d"`), without dependencies. The instant is
//! kept in UTC milliseconds and the writer's offset is kept for formatting back.

use std::fmt::Write as _;

const MS_PER_DAY: i64 = 86_400_000;

/// Longest duration accepted anywhere in a pack (ten years).
pub const MAX_DURATION_MS: i64 = 3650 * MS_PER_DAY;

/// A duration as written in a pack (`"30m"`, `"3d"`) and in milliseconds.
#[derive(Debug, Clone, PartialEq)]
pub struct Duration {
    /// Milliseconds.
    pub ms: i64,
    /// As written, for alerts and messages.
    pub text: String,
}

impl Duration {
    /// Zero, written `0s`.
    pub fn zero() -> Duration {
        Duration {
            ms: 0,
            text: "0s".into(),
        }
    }

    /// Write the duration as written (compiled packs): reading parses it again, so a stored
    /// duration passes the same checks as one in a pack.
    pub(crate) fn write(&self, w: &mut crate::codec::Writer) {
        w.str(&self.text);
    }

    /// Read a duration written by [`Duration::write`].
    pub(crate) fn load(r: &mut crate::codec::Reader) -> crate::codec::Res<Duration> {
        let text = r.str_ref()?;
        Duration::parse(text).map_err(|e| r.corrupt(e))
    }

    /// Parse `<whole number><unit>`, unit one of `ms`, `s`, `m`, `h`, `d`, `w`; `"0"` is allowed.
    pub fn parse(s: &str) -> Result<Duration, String> {
        let t = s.trim();
        let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
        let (num, unit) = t.split_at(split);
        if num.is_empty() || num.len() > 12 {
            return Err(format!(
                "\"{s}\" is not a duration: expected a whole number and a unit (ms, s, m, h, d, w), e.g. \"30m\" or \"3d\""
            ));
        }
        let n: i64 = num.parse().map_err(|_| format!("\"{s}\": bad number"))?;
        let unit_ms: i64 = match unit {
            "ms" => 1,
            "s" => 1000,
            "m" => 60_000,
            "h" => 3_600_000,
            "d" => MS_PER_DAY,
            "w" => 7 * MS_PER_DAY,
            "" if n == 0 => 1,
            _ => {
                return Err(format!(
                    "\"{s}\": unknown unit \"{unit}\"; use ms, s, m, h, d or w"
                ))
            }
        };
        let ms = n.saturating_mul(unit_ms);
        if ms > MAX_DURATION_MS {
            return Err(format!("\"{s}\" is longer than ten years"));
        }
        Ok(Duration {
            ms,
            text: t.to_string(),
        })
    }
}

/// One instant (Unix epoch milliseconds, UTC) plus the offset it was written with.
///
/// Ordering compares the instant first, so timestamps sort by time regardless of offset.
/// Equality also compares the offset: the same instant written in two offsets is not `==`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Timestamp {
    /// Unix epoch milliseconds, UTC.
    pub millis: i64,
    /// The offset from UTC, in minutes, it was written with (`+08:00` → 480).
    pub offset_minutes: i16,
}

impl Timestamp {
    /// Parse an RFC 3339 timestamp: `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`.
    ///
    /// `t` or a space may replace `T`, and `z` may replace `Z`. Digits of the fraction beyond
    /// milliseconds are truncated. Years 0000–9999 only; a leap second (`:60`) is rejected.
    /// The error says what is wrong, e.g. `"day 31 out of range for 2024-02"`.
    pub fn parse(s: &str) -> Result<Timestamp, String> {
        let b = s.as_bytes();
        let days = parse_date_part(s)?;
        match b.get(10) {
            Some(b'T' | b't' | b' ') => {}
            None => return Err("missing time (expected 'T' then HH:MM:SS after the date)".into()),
            Some(_) => return Err(at("expected 'T' between date and time", s, 10)),
        }
        let hour = digits(b, 11, 2, "hour", s)?;
        expect(b, 13, b':', "expected ':' after the hour", s)?;
        let minute = digits(b, 14, 2, "minute", s)?;
        expect(b, 16, b':', "expected ':' after the minute", s)?;
        let second = digits(b, 17, 2, "second", s)?;
        if hour > 23 {
            return Err(format!("hour {hour} out of range"));
        }
        if minute > 59 {
            return Err(format!("minute {minute} out of range"));
        }
        if second == 60 {
            return Err("leap second (:60) is not supported".into());
        }
        if second > 59 {
            return Err(format!("second {second} out of range"));
        }
        let mut i = 19;
        let mut frac_ms = 0i64;
        if b.get(i) == Some(&b'.') {
            i += 1;
            let start = i;
            while let Some(d) = b.get(i).filter(|d| d.is_ascii_digit()) {
                if i - start < 3 {
                    frac_ms = frac_ms * 10 + i64::from(d - b'0');
                }
                i += 1;
            }
            if i == start {
                return Err(at("expected digits after '.'", s, start));
            }
            for _ in (i - start)..3 {
                frac_ms *= 10;
            }
        }
        let offset_minutes: i16 = match b.get(i) {
            None => return Err("missing time zone offset (expected 'Z' or ±HH:MM)".into()),
            Some(b'Z' | b'z') => {
                i += 1;
                0
            }
            Some(&sign @ (b'+' | b'-')) => {
                let oh = digits(b, i + 1, 2, "offset hour", s)?;
                expect(b, i + 3, b':', "expected ':' in the time zone offset", s)?;
                let om = digits(b, i + 4, 2, "offset minute", s)?;
                if oh > 23 {
                    return Err(format!("offset hour {oh} out of range"));
                }
                if om > 59 {
                    return Err(format!("offset minute {om} out of range"));
                }
                i += 6;
                // oh ≤ 23 and om ≤ 59, so this fits an i16.
                let m = (oh * 60 + om) as i16;
                if sign == b'-' {
                    -m
                } else {
                    m
                }
            }
            Some(_) => return Err(at("expected time zone offset 'Z' or ±HH:MM", s, i)),
        };
        if i != b.len() {
            return Err(at("unexpected text after the timestamp", s, i));
        }
        let local = days * MS_PER_DAY
            + i64::from(hour) * 3_600_000
            + i64::from(minute) * 60_000
            + i64::from(second) * 1000
            + frac_ms;
        Ok(Timestamp {
            millis: local - i64::from(offset_minutes) * 60_000,
            offset_minutes,
        })
    }

    /// Parse a calendar date `YYYY-MM-DD` as midnight UTC (for data with day resolution).
    pub fn parse_date(s: &str) -> Result<Timestamp, String> {
        let b = s.as_bytes();
        let days = parse_date_part(s)?;
        if b.len() != 10 {
            return Err(at("unexpected text after the date", s, 10));
        }
        Ok(Timestamp {
            millis: days * MS_PER_DAY,
            offset_minutes: 0,
        })
    }

    /// The timestamp `ms` milliseconds later (earlier if negative), saturating; keeps the offset.
    pub fn add_millis(self, ms: i64) -> Timestamp {
        Timestamp {
            millis: self.millis.saturating_add(ms),
            offset_minutes: self.offset_minutes,
        }
    }

    /// RFC 3339 in its own offset: `2024-05-01T18:00:00+08:00`, `Z` for offset 0, and `.123`
    /// only when the milliseconds are non-zero. RFC 3339 has four-digit years: an instant whose
    /// local time falls outside 0000-01-01T00:00:00 … 9999-12-31T23:59:59.999 (reachable only
    /// through `add_millis` — a deadline counted from `received_at` 9999-12-31 — or the public
    /// fields) is written as the nearest of those two (docs/decision-format.md). It used to be
    /// written `+10000-01-01…`, which no RFC 3339 reader accepts.
    pub fn format(&self) -> String {
        let off = i64::from(self.offset_minutes);
        let first = days_from_civil(0, 1, 1).saturating_mul(MS_PER_DAY);
        let last = days_from_civil(10_000, 1, 1)
            .saturating_mul(MS_PER_DAY)
            .saturating_sub(1);
        let local = self.millis.saturating_add(off * 60_000).clamp(first, last);
        let days = local.div_euclid(MS_PER_DAY);
        let ms_of_day = local.rem_euclid(MS_PER_DAY);
        let (y, m, d) = civil_from_days(days);
        let (hh, mm, ss, ms) = (
            ms_of_day / 3_600_000,
            ms_of_day / 60_000 % 60,
            ms_of_day / 1000 % 60,
            ms_of_day % 1000,
        );
        let mut out = String::with_capacity(29);
        // Writing to a String cannot fail.
        let _ = write!(out, "{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}");
        if ms != 0 {
            let _ = write!(out, ".{ms:03}");
        }
        if off == 0 {
            out.push('Z');
        } else {
            let sign = if off < 0 { '-' } else { '+' };
            let a = off.abs();
            let _ = write!(out, "{sign}{:02}:{:02}", a / 60, a % 60);
        }
        out
    }
}

/// Validate `YYYY-MM-DD` at the start of `s` and return days since 1970-01-01.
fn parse_date_part(s: &str) -> Result<i64, String> {
    let b = s.as_bytes();
    let year = digits(b, 0, 4, "year", s)?;
    expect(b, 4, b'-', "expected '-' after the year", s)?;
    let month = digits(b, 5, 2, "month", s)?;
    expect(b, 7, b'-', "expected '-' after the month", s)?;
    let day = digits(b, 8, 2, "day", s)?;
    if !(1..=12).contains(&month) {
        return Err(format!("month {month} out of range"));
    }
    let max = days_in_month(year, month);
    if day < 1 || day > max {
        return Err(format!(
            "day {day} out of range for {year:04}-{month:02} (has {max} days)"
        ));
    }
    Ok(days_from_civil(
        i64::from(year),
        i64::from(month),
        i64::from(day),
    ))
}

/// `n` ASCII digits at `b[i..i+n]` as a number, or an error naming `what`.
fn digits(b: &[u8], i: usize, n: usize, what: &str, s: &str) -> Result<u32, String> {
    let Some(run) = b.get(i..i + n) else {
        return Err(format!("{what} missing ({n} digits expected) in {s:?}"));
    };
    let mut v = 0u32;
    for &d in run {
        if !d.is_ascii_digit() {
            return Err(at(&format!("{what} must be {n} digits"), s, i));
        }
        v = v * 10 + u32::from(d - b'0');
    }
    Ok(v)
}

fn expect(b: &[u8], i: usize, want: u8, msg: &str, s: &str) -> Result<(), String> {
    if b.get(i) == Some(&want) {
        Ok(())
    } else {
        Err(at(msg, s, i))
    }
}

fn at(msg: &str, s: &str, i: usize) -> String {
    format!("{msg} at byte {i} of {s:?}")
}

fn is_leap(y: u32) -> bool {
    y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
}

fn days_in_month(y: u32, m: u32) -> u32 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Inverse of [`days_from_civil`] (Howard Hinnant's `civil_from_days`); total for any i64 day
/// count reachable from i64 milliseconds.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        let d = |s: &str| Duration::parse(s).map(|d| d.ms);
        assert_eq!(d("30m"), Ok(1_800_000));
        assert_eq!(d("3d"), Ok(259_200_000));
        assert_eq!(d("2w"), Ok(1_209_600_000));
        assert_eq!(d("500ms"), Ok(500));
        assert_eq!(d("0"), Ok(0));
        assert_eq!(d("0s"), Ok(0));
        assert!(d("3").is_err());
        assert!(d("d").is_err());
        assert!(d("1.5h").is_err());
        assert!(d("3 days").is_err());
        assert!(d("99999999999w").is_err());
        assert!(d("-1h").is_err());
    }

    fn p(s: &str) -> Timestamp {
        match Timestamp::parse(s) {
            Ok(t) => t,
            Err(e) => panic!("{s}: {e}"),
        }
    }

    fn err(s: &str) -> String {
        match Timestamp::parse(s) {
            Ok(t) => panic!("{s} parsed as {t:?}"),
            Err(e) => e,
        }
    }

    #[test]
    fn epoch_and_known_instants() {
        assert_eq!(p("1970-01-01T00:00:00Z").millis, 0);
        assert_eq!(p("2024-05-01T10:00:00Z").millis, 1_714_557_600_000);
        assert_eq!(p("2024-05-01T18:00:00+08:00").millis, 1_714_557_600_000);
        assert_eq!(p("2024-05-01T04:30:00-05:30").millis, 1_714_557_600_000);
        assert_eq!(p("1969-12-31T23:59:59.999Z").millis, -1);
        assert_eq!(p("0000-01-01T00:00:00Z").millis, -62_167_219_200_000);
        assert_eq!(p("9999-12-31T23:59:59Z").millis, 253_402_300_799_000);
    }

    #[test]
    fn round_trips() {
        for s in [
            "2024-05-01T18:00:00+08:00",
            "2024-05-01T04:30:00-05:30",
            "2024-05-01T10:00:00Z",
            "2024-02-29T23:59:59.001Z",
            "1969-07-20T20:17:40.120-04:00",
            "0000-01-01T00:00:00Z",
            "9999-12-31T23:59:59.999+14:00",
        ] {
            assert_eq!(p(s).format(), s);
            assert_eq!(p(&p(s).format()), p(s));
        }
    }

    #[test]
    fn accepted_variants() {
        let t = p("2024-05-01T10:00:00Z");
        assert_eq!(p("2024-05-01t10:00:00z"), t);
        assert_eq!(p("2024-05-01 10:00:00Z"), t);
        assert_eq!(p("2024-05-01T10:00:00+00:00"), t);
        assert_eq!(p("2024-05-01T10:00:00-00:00"), t);
        assert_eq!(p("2024-05-01T10:00:00.5Z").millis, t.millis + 500);
        assert_eq!(p("2024-05-01T10:00:00.12Z").millis, t.millis + 120);
        assert_eq!(p("2024-05-01T10:00:00.123999999Z").millis, t.millis + 123);
        assert_eq!(
            p("2024-05-01T10:00:00.5Z").format(),
            "2024-05-01T10:00:00.500Z"
        );
        assert_eq!(p("2024-05-01T18:00:00+08:00").offset_minutes, 480);
        assert_eq!(p("2024-05-01T18:00:00-05:30").offset_minutes, -330);
    }

    #[test]
    fn leap_years() {
        assert!(Timestamp::parse("2024-02-29T00:00:00Z").is_ok());
        assert!(Timestamp::parse("2000-02-29T00:00:00Z").is_ok());
        assert!(err("2023-02-29T00:00:00Z").contains("day 29 out of range for 2023-02"));
        assert!(err("1900-02-29T00:00:00Z").contains("day 29 out of range for 1900-02"));
        assert!(err("2024-02-30T00:00:00Z").contains("day 30 out of range for 2024-02"));
    }

    #[test]
    fn ranges_and_messages() {
        assert!(err("2024-13-01T00:00:00Z").contains("month 13 out of range"));
        assert!(err("2024-00-01T00:00:00Z").contains("month 0 out of range"));
        assert!(err("2024-04-31T00:00:00Z").contains("day 31 out of range for 2024-04"));
        assert!(err("2024-02-31T00:00:00Z").contains("day 31 out of range for 2024-02"));
        assert!(err("2024-01-00T00:00:00Z").contains("day 0 out of range"));
        assert!(err("2024-01-01T24:00:00Z").contains("hour 24 out of range"));
        assert!(err("2024-01-01T23:60:00Z").contains("minute 60 out of range"));
        assert!(err("2024-12-31T23:59:60Z").contains("leap second"));
        assert!(err("2024-01-01T00:00:61Z").contains("second 61 out of range"));
        assert!(err("2024-01-01T00:00:00").contains("missing time zone offset"));
        assert!(err("2024-01-01T00:00:00.Z").contains("digits after '.'"));
        assert!(err("2024-01-01T00:00:00+24:00").contains("offset hour 24"));
        assert!(err("2024-01-01T00:00:00+08:60").contains("offset minute 60"));
        assert!(err("2024-01-01T00:00:00+0800").contains("':'"));
        assert!(err("2024-01-01T00:00:00Zx").contains("unexpected text"));
        assert!(err("2024-01-01").contains("missing time"));
        assert!(err("2024-01-01X00:00:00Z").contains("'T'"));
        assert!(err("12024-01-01T00:00:00Z").contains("'-'"));
        assert!(err("").contains("year"));
        assert!(err("２０２４-01-01T00:00:00Z").contains("year"));
    }

    #[test]
    fn parse_date() {
        let d = Timestamp::parse_date("2024-03-01").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(d, p("2024-03-01T00:00:00Z"));
        assert_eq!(d.format(), "2024-03-01T00:00:00Z");
        assert!(Timestamp::parse_date("2023-02-29").is_err());
        assert!(Timestamp::parse_date("2024-03-01T00:00:00Z").is_err());
        assert!(Timestamp::parse_date("2024-3-1").is_err());
    }

    #[test]
    fn ordering_by_instant_regardless_of_offset() {
        let a = p("2024-05-01T18:00:00+08:00"); // 10:00Z
        let b = p("2024-05-01T06:00:00-05:00"); // 11:00Z
        let c = p("2024-05-01T11:30:00Z");
        assert!(a < b && b < c);
        let mut v = vec![c, a, b];
        v.sort();
        assert_eq!(v, vec![a, b, c]);
        // Same instant, different offsets: equal millis, not ==.
        let z = p("2024-05-01T10:00:00Z");
        assert_eq!(z.millis, a.millis);
        assert_ne!(z, a);
    }

    #[test]
    fn add_millis_across_boundaries() {
        let t = p("2024-12-31T23:30:00+08:00");
        assert_eq!(
            t.add_millis(3_600_000).format(),
            "2025-01-01T00:30:00+08:00"
        );
        let t = p("2024-02-28T23:59:59.999-05:30");
        assert_eq!(t.add_millis(1).format(), "2024-02-29T00:00:00-05:30");
        assert_eq!(
            t.add_millis(86_400_001).format(),
            "2024-03-01T00:00:00-05:30"
        );
        let t = p("2024-03-01T00:00:00Z");
        assert_eq!(t.add_millis(-1).format(), "2024-02-29T23:59:59.999Z");
        assert_eq!(t.add_millis(i64::MAX).millis, i64::MAX);
        assert_eq!(t.add_millis(i64::MIN).millis, t.millis + i64::MIN);
        // Extreme values format without panicking, always as RFC 3339 that parses back.
        for m in [i64::MAX, i64::MIN, i64::MIN + 1] {
            for o in [-1439, -1, 0, 1, 1439] {
                let s = Timestamp {
                    millis: m,
                    offset_minutes: o,
                }
                .format();
                assert!(Timestamp::parse(&s).is_ok(), "{s}");
            }
        }
    }

    /// A deadline counted from the last representable day is the last representable instant
    /// in its offset, not `+10000-01-01…`; and nothing is written before year 0000.
    #[test]
    fn instants_beyond_four_digit_years_are_clamped() {
        let t = Timestamp::parse("9999-12-31T09:00:00+08:00").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            t.add_millis(360 * 3_600_000).format(),
            "9999-12-31T23:59:59.999+08:00"
        );
        let t = Timestamp::parse("0000-01-01T00:30:00-05:00").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            t.add_millis(-3_600_000).format(),
            "0000-01-01T00:00:00-05:00"
        );
        assert_eq!(t.add_millis(-1_000).format(), "0000-01-01T00:29:59-05:00");
    }

    #[test]
    fn civil_round_trip_every_day() {
        // Every day from 0000-01-01 to 9999-12-31.
        let start = days_from_civil(0, 1, 1);
        let end = days_from_civil(9999, 12, 31);
        let mut prev = civil_from_days(start - 1);
        for z in start..=end {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, i64::from(m), i64::from(d)), z);
            assert!(d >= 1 && d <= days_in_month(y as u32, m));
            assert!((y, m, d) > prev);
            prev = (y, m, d);
        }
    }

    #[test]
    fn garbage_never_panics() {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let alphabet = b"0123456789-:T tZz+.-\xff\xe4\xb8";
        let base = b"2024-05-01T18:00:00.123+08:00";
        let mut ok = 0;
        for _ in 0..200_000 {
            let r = next();
            let mut bytes: Vec<u8> = if r % 2 == 0 {
                // Mutate a valid timestamp a little.
                let mut v = base.to_vec();
                for _ in 0..(r >> 8) % 3 + 1 {
                    let i = (next() as usize) % v.len();
                    v[i] = alphabet[(next() as usize) % alphabet.len()];
                }
                v.truncate((next() as usize) % (v.len() + 4));
                v
            } else {
                let n = (next() % 40) as usize;
                (0..n).map(|_| next() as u8).collect()
            };
            if r % 7 == 0 {
                bytes.retain(|&c| c != 0xff);
            }
            let s = String::from_utf8_lossy(&bytes);
            if let Ok(t) = Timestamp::parse(&s) {
                ok += 1;
                assert_eq!(
                    Timestamp::parse(&t.format()).map(|u| u.millis),
                    Ok(t.millis)
                );
            }
            let _ = Timestamp::parse_date(&s);
        }
        assert!(ok > 100, "generator too destructive: {ok}");
    }
}
