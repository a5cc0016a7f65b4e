//! Beside the flow, under `model`: the few transcendental functions scoring needs (exp, ln, the
//! logistic function), written with IEEE-754 basic operations only (+ − × ÷, floor, bit
//! manipulation), so that a probability is the same bits natively, in every WebAssembly runtime
//! and in every browser. The platform's `exp`/`ln` come from different libm implementations and
//! may differ in the last bit; a last bit can decide whether `p ≥ 0.6` holds.
//!
//! Rust never contracts `a * b + c` into a fused multiply-add on its own, and every operation
//! below is a correctly rounded IEEE operation on every target, so the same input gives the same
//! bits everywhere. Accuracy is within a few ulps of the true value, which is all scoring needs.

/// ln 2 split for Cody–Waite range reduction: `LN2_HI` has its low 32 bits zero, so `k * LN2_HI`
/// is exact for |k| < 2^20.
const LN2_HI: f64 = 6.931_471_803_691_238e-1;
const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;
const LN2: f64 = std::f64::consts::LN_2;
const LOG2_E: f64 = std::f64::consts::LOG2_E;

/// 1/13!, 1/12!, …, 1/1!, 1/0! — Horner coefficients of e^r. Each is one correctly rounded
/// division, evaluated at compile time (the same bits a runtime division gives).
const INV_FACTORIAL: [f64; 14] = [
    1.0 / 6_227_020_800.0,
    1.0 / 479_001_600.0,
    1.0 / 39_916_800.0,
    1.0 / 3_628_800.0,
    1.0 / 362_880.0,
    1.0 / 40_320.0,
    1.0 / 5_040.0,
    1.0 / 720.0,
    1.0 / 120.0,
    1.0 / 24.0,
    1.0 / 6.0,
    1.0 / 2.0,
    1.0,
    1.0,
];

/// 1/23, 1/21, …, 1/3, 1/1 — Horner coefficients of atanh(f)/f in f².
const INV_ODD: [f64; 12] = [
    1.0 / 23.0,
    1.0 / 21.0,
    1.0 / 19.0,
    1.0 / 17.0,
    1.0 / 15.0,
    1.0 / 13.0,
    1.0 / 11.0,
    1.0 / 9.0,
    1.0 / 7.0,
    1.0 / 5.0,
    1.0 / 3.0,
    1.0,
];

/// 2^k for k in the normal exponent range, built from bits.
fn pow2(k: i64) -> f64 {
    let k = k.clamp(-1022, 1023);
    f64::from_bits(((k + 1023) as u64) << 52)
}

/// ⌊y⌋ for |y| < 2⁶², without a call into the platform's libm (natively `f64::floor` is one):
/// truncation toward zero, one lower when that rounded up. Exact, so the same bits as floor.
fn floor(y: f64) -> f64 {
    let t = y as i64 as f64;
    if t > y {
        t - 1.0
    } else {
        t
    }
}

/// e^x, deterministic on every target. Overflows to +∞ above ≈ 709.78, underflows to 0 below
/// ≈ −745; NaN stays NaN.
pub fn exp(x: f64) -> f64 {
    if x.is_nan() {
        return x;
    }
    if x > 709.78 {
        return f64::INFINITY;
    }
    if x < -745.2 {
        return 0.0;
    }
    // x = k·ln2 + r with |r| ≤ ln2/2.
    let k = floor(x * LOG2_E + 0.5);
    let r = (x - k * LN2_HI) - k * LN2_LO;
    // Taylor series of e^r to degree 13: the remainder is below 2^-60 for |r| ≤ 0.35.
    let mut p = INV_FACTORIAL[0];
    for c in &INV_FACTORIAL[1..] {
        p = p * r + c;
    }
    let k = k as i64;
    // Two steps so that results in the subnormal range (k < −1022) are still reached.
    if k < -1000 {
        p * pow2(k + 1000) * pow2(-1000)
    } else if k > 1000 {
        p * pow2(k - 1000) * pow2(1000)
    } else {
        p * pow2(k)
    }
}

/// ln x, deterministic on every target: −∞ at 0, NaN below 0 or for NaN, +∞ at +∞.
pub fn ln(x: f64) -> f64 {
    if x.is_nan() || x < 0.0 {
        return f64::NAN;
    }
    if x == 0.0 {
        return f64::NEG_INFINITY;
    }
    if x.is_infinite() {
        return x;
    }
    let (mut x, mut e) = (x, 0i64);
    if x < f64::MIN_POSITIVE {
        // Subnormal: scale into the normal range first.
        x *= pow2(54);
        e -= 54;
    }
    let bits = x.to_bits();
    e += ((bits >> 52) & 0x7ff) as i64 - 1023;
    // Mantissa m in [1, 2), then moved to [√½, √2) so that |f| below is ≤ 0.1716.
    let mut m = f64::from_bits((bits & 0x000f_ffff_ffff_ffff) | 0x3ff0_0000_0000_0000);
    if m > std::f64::consts::SQRT_2 {
        m *= 0.5;
        e += 1;
    }
    // ln m = 2·atanh(f), f = (m − 1)/(m + 1); odd powers up to f^23 (|f|^25 < 2^-63).
    let f = (m - 1.0) / (m + 1.0);
    let f2 = f * f;
    let mut s = INV_ODD[0];
    for c in &INV_ODD[1..] {
        s = s * f2 + c;
    }
    2.0 * f * s + (e as f64) * LN2
}

/// The logistic function 1 / (1 + e^−x), deterministic; exactly 0 or 1 far out.
pub fn sigmoid(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + exp(-x))
    } else {
        let e = exp(x);
        e / (1.0 + e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, rel: f64) -> bool {
        (a - b).abs() <= rel * b.abs().max(f64::MIN_POSITIVE)
    }

    #[test]
    fn exp_agrees_with_the_platform_to_a_few_ulps() {
        let mut x = -740.0;
        while x < 709.0 {
            assert!(close(exp(x), x.exp(), 4e-16), "exp({x})");
            x += 0.7371;
        }
        for x in [0.0, 1e-300, -1e-300, 0.5, -0.5, 1.0, 2.0, 88.0, -88.0] {
            assert!(close(exp(x), x.exp(), 4e-16), "exp({x})");
        }
        assert_eq!(exp(0.0), 1.0);
        assert_eq!(exp(800.0), f64::INFINITY);
        assert_eq!(exp(-800.0), 0.0);
        assert!(exp(f64::NAN).is_nan());
        assert!(exp(-744.0) > 0.0, "subnormal results are reached");
    }

    #[test]
    fn floor_is_the_platforms_floor() {
        // Equal as numbers (floor(−0.0) may be +0.0 here: exp only multiplies with it).
        let mut y: f64 = -1100.0;
        while y < 1100.0 {
            for v in [y, y.floor(), y.floor() - f64::EPSILON, -0.0, 0.0, 0.5, -0.5] {
                assert_eq!(floor(v), v.floor(), "floor({v})");
            }
            y += 0.61803;
        }
    }

    #[test]
    fn ln_agrees_with_the_platform_to_a_few_ulps() {
        let mut x = 1e-310;
        while x < 1e300 {
            assert!(
                (ln(x) - x.ln()).abs() <= 4e-16 * x.ln().abs().max(1.0),
                "ln({x})"
            );
            x *= 1.9731;
        }
        assert_eq!(ln(1.0), 0.0);
        assert_eq!(ln(0.0), f64::NEG_INFINITY);
        assert!(ln(-1.0).is_nan());
        assert_eq!(ln(f64::INFINITY), f64::INFINITY);
    }

    #[test]
    fn sigmoid_is_symmetric_and_saturates() {
        for x in [0.0, 0.3, 1.0, 5.0, 30.0] {
            assert!((sigmoid(x) + sigmoid(-x) - 1.0).abs() < 1e-15);
        }
        assert_eq!(sigmoid(0.0), 0.5);
        assert_eq!(sigmoid(1000.0), 1.0);
        assert_eq!(sigmoid(-1000.0), 0.0);
    }

    #[test]
    fn known_bits_do_not_drift() {
        // Pinned values: a change in the series or the reduction would change decisions made
        // with `min` thresholds, so it must be a conscious one (update the golden vectors too).
        let got: Vec<u64> = [
            exp(1.0),
            exp(-3.7),
            ln(10.0),
            ln(0.3),
            sigmoid(0.25),
            sigmoid(-2.5),
        ]
        .iter()
        .map(|x| x.to_bits())
        .collect();
        assert_eq!(
            got,
            vec![
                4_613_303_445_314_885_482,
                4_582_783_292_742_766_660,
                4_612_367_379_483_415_829,
                13_831_473_067_500_349_216,
                4_603_238_855_305_087_875,
                4_590_130_578_603_591_752,
            ]
        );
    }
}
