//! Beside the flow, under `trigger`: what a policy judges — the totals of a window of scores
//! (count, low scores, sum, promoters, detractors) and the metrics taken from them (mean, NPS,
//! share of low scores). The trigger's windows keep them; the policy kinds read them.

/// Entry flag: the score is low for the policy.
pub const LOW: u8 = 1;
/// Entry flag: NPS promoter (9–10).
pub const PROMOTER: u8 = 2;
/// Entry flag: NPS detractor (0–6).
pub const DETRACTOR: u8 = 4;

/// Totals over a range of entries.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Agg {
    /// Entries.
    pub count: u32,
    /// Low scores.
    pub low: u32,
    /// Sum of scores in thousandths.
    pub sum: i64,
    /// NPS promoters.
    pub promoters: u32,
    /// NPS detractors.
    pub detractors: u32,
}

impl Agg {
    /// Count a score in: its flags ([`LOW`], [`PROMOTER`], [`DETRACTOR`]) and its value in
    /// thousandths.
    pub fn add(&mut self, flags: u8, score: i64) {
        self.count = self.count.saturating_add(1);
        self.low = self.low.saturating_add(u32::from(flags & LOW != 0));
        self.sum = self.sum.saturating_add(score);
        self.promoters = self
            .promoters
            .saturating_add(u32::from(flags & PROMOTER != 0));
        self.detractors = self
            .detractors
            .saturating_add(u32::from(flags & DETRACTOR != 0));
    }

    /// Count a score out (it was counted in before).
    pub fn remove(&mut self, flags: u8, score: i64) {
        self.count = self.count.saturating_sub(1);
        self.low = self.low.saturating_sub(u32::from(flags & LOW != 0));
        self.sum = self.sum.saturating_sub(score);
        self.promoters = self
            .promoters
            .saturating_sub(u32::from(flags & PROMOTER != 0));
        self.detractors = self
            .detractors
            .saturating_sub(u32::from(flags & DETRACTOR != 0));
    }

    /// Mean score (in scale units), when there is at least one.
    pub fn mean(&self) -> Option<f64> {
        (self.count > 0).then(|| self.sum as f64 / 1000.0 / f64::from(self.count))
    }

    /// Net Promoter Score in −100..=100, when there is at least one response.
    pub fn nps(&self) -> Option<f64> {
        (self.count > 0).then(|| {
            100.0 * (f64::from(self.promoters) - f64::from(self.detractors)) / f64::from(self.count)
        })
    }

    /// Share of low scores, when there is at least one.
    pub fn share(&self) -> Option<f64> {
        (self.count > 0).then(|| f64::from(self.low) / f64::from(self.count))
    }
}

/// Totals of one evaluation: the window (and baseline window) ending at some instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct View {
    /// The window.
    pub cur: Agg,
    /// The baseline window just before it.
    pub base: Agg,
    /// Index range of the window's entries.
    pub range: (usize, usize),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics() {
        let mut a = Agg::default();
        for (s, f) in [(10, PROMOTER), (9, PROMOTER), (3, DETRACTOR | LOW), (7, 0)] {
            a.add(f, s * 1000);
        }
        assert_eq!(a.nps(), Some(25.0));
        assert_eq!(a.mean(), Some(7.25));
        assert_eq!(a.share(), Some(0.25));
        assert_eq!(Agg::default().mean(), None);
    }
}
