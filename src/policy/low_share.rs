//! The `low_share` kind — `"baseline": "7d", "above_by": 0.1, "ratio": 2, "min_count": 20`: the
//! share of low scores in the window rises above the share in the baseline window just before it
//! (by more than `above_by`, and to at least `ratio` times it when given): a pain point appearing.

use super::{pct, read_duration, read_min_count, View, Wording};
use crate::error::pointer;
use crate::json::Checker;
use crate::time::Duration;
use serde_json::{Map, Value};

/// The keys only this kind takes (`min_count` also with `mean` and `nps`).
pub(super) const KEYS: &[&str] = &["baseline", "min_count", "min_baseline", "above_by", "ratio"];

/// Parameters of a `low_share` policy.
#[derive(Debug, Clone, PartialEq)]
pub struct LowShare {
    /// The baseline window just before the window.
    pub baseline: Duration,
    /// Scores the window needs.
    pub min_count: u32,
    /// Scores the baseline window needs.
    pub min_baseline: u32,
    /// The share must exceed the baseline share by more than this.
    pub above_by: f64,
    /// When given, the share must also be at least this multiple of the baseline share.
    pub ratio: Option<f64>,
}

impl Default for LowShare {
    fn default() -> Self {
        LowShare {
            baseline: Duration::zero(),
            min_count: 1,
            min_baseline: 1,
            above_by: 0.0,
            ratio: None,
        }
    }
}

impl LowShare {
    pub(super) fn write(&self, w: &mut crate::codec::Writer) {
        self.baseline.write(w);
        w.uv(self.min_count.into());
        w.uv(self.min_baseline.into());
        w.f64(self.above_by);
        match self.ratio {
            None => w.u8(0),
            Some(x) => {
                w.u8(1);
                w.f64(x);
            }
        }
    }

    pub(super) fn load(r: &mut crate::codec::Reader) -> crate::codec::Res<LowShare> {
        let baseline = Duration::load(r)?;
        let min_count = r.at_most(1_000_000, "min_count")?.max(1) as u32;
        let min_baseline = r.at_most(1_000_000, "min_baseline")?.max(1) as u32;
        let above_by = r.finite("above_by")?;
        let ratio = match r.u8()? {
            0 => None,
            1 => Some(r.finite("ratio")?),
            t => return Err(r.corrupt(format!("{t} is not an option tag"))),
        };
        if !(0.0..=1.0).contains(&above_by) || ratio.is_some_and(|x| !(1.0..=1000.0).contains(&x)) {
            return Err(r.corrupt("above_by or ratio out of range"));
        }
        Ok(LowShare {
            baseline,
            min_count,
            min_baseline,
            above_by,
            ratio,
        })
    }

    pub(super) fn read(&mut self, c: &mut Checker, m: &Map<String, Value>, path: &str) {
        let baseline = read_duration(c, m, "baseline", path);
        match &baseline {
            None if !m.contains_key("baseline") => {
                c.error(path, "missing required key \"baseline\"")
            }
            Some(b) if b.ms <= 0 => c.error(
                &pointer(path, "baseline"),
                "the baseline must be longer than 0",
            ),
            _ => {}
        }
        self.baseline = baseline.unwrap_or_else(Duration::zero);
        self.min_count = read_min_count(c, m, path);
        self.min_baseline = c
            .count(m, "min_baseline", path, 1_000_000)
            .unwrap_or(1)
            .max(1) as u32;
        self.above_by = c.number_in(m, "above_by", path, 0.0, 1.0).unwrap_or(0.0);
        self.ratio = c.number_in(m, "ratio", path, 1.0, 1000.0);
    }

    pub(super) fn assess(&self, v: &View) -> (bool, bool) {
        let (cur, base) = (&v.cur, &v.base);
        let defined = cur.count >= self.min_count && base.count >= self.min_baseline;
        let (s, bs) = (cur.share().unwrap_or(0.0), base.share().unwrap_or(0.0));
        let breached = s > bs + self.above_by && self.ratio.map_or(true, |r| s >= r * bs);
        (defined && breached, defined)
    }

    pub(super) fn metric(&self, v: &View, w: &Wording) -> String {
        let (cur, base) = (&v.cur, &v.base);
        format!(
            "low scores ({}) are {} of {} within {} against {} of {} in the {} before; fires above the baseline by more than {}{}",
            w.low_at,
            pct(cur.share().unwrap_or(0.0)),
            cur.count,
            w.window,
            pct(base.share().unwrap_or(0.0)),
            base.count,
            self.baseline.text,
            pct(self.above_by),
            self.ratio
                .map_or_else(String::new, |r| format!(" and at {}x it", super::fmt_num(r)))
        )
    }
}
