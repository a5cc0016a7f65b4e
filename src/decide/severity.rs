//! A complaint's severity: the points of the severity factors whose conditions hold pick the
//! highest level they reach, raised to any counting factor's `min_level`; the level's deadline is
//! counted from `received_at`.

use crate::compile::CompiledPack;
use crate::condition::Ctx;
use crate::pack::LevelDef;
use crate::time::Timestamp;

/// The severity of one complaint, by index; the factors that counted are in the buffer the
/// scoring was given.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Scored {
    /// Index of the level.
    pub level: usize,
    /// Sum of the points of the factors that counted.
    pub points: i64,
}

/// None when the pack has no levels; the indices of the factors that count, in pack order, into
/// `factors` (a buffer reused from one complaint to the next).
pub(super) fn score(ctx: &Ctx, pack: &CompiledPack, factors: &mut Vec<usize>) -> Option<Scored> {
    factors.clear();
    if pack.levels.is_empty() {
        return None;
    }
    let mut points = 0i64;
    let mut floor = 0usize;
    for (fi, f) in pack.factors.iter().enumerate() {
        if f.when.holds(ctx) {
            points = points.saturating_add(f.points);
            if let Some(ml) = f.min_level {
                floor = floor.max(ml);
            }
            factors.push(fi);
        }
    }
    let by_points = pack
        .levels
        .iter()
        .rposition(|l| l.min_points <= points)
        .unwrap_or(0);
    let level = by_points.max(floor).min(pack.levels.len() - 1);
    Some(Scored { level, points })
}

/// `received_at` + the level's deadline, in the offset of `received_at`.
pub(crate) fn deadline(received_at: Option<Timestamp>, l: &LevelDef) -> Option<String> {
    match (received_at, l.deadline_hours) {
        (Some(t), Some(h)) => Some(t.add_millis((h as i64).saturating_mul(3_600_000)).format()),
        _ => None,
    }
}
