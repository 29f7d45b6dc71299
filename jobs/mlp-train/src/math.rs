//! `exp` and `ln` from IEEE-754 basic operations only, so results do not depend on the host libm
//! (native and wasm32 builds give the same bits).

use std::f32::consts::{LN_2, LOG2_E, SQRT_2};

/// `ln 2` split so that `k * LN2_HI` is exact for the `k` used here (Cody–Waite reduction).
const LN2_HI: f32 = 0.693_145_75;
const LN2_LO: f32 = 1.428_606_8e-6;

/// `e^x`, within a few ulp; flushes results below `f32::MIN_POSITIVE` to zero.
pub(crate) fn exp(x: f32) -> f32 {
    if x.is_nan() {
        return x;
    }
    if x < -87.0 {
        return 0.0;
    }
    if x > 88.5 {
        return f32::INFINITY;
    }
    // x = k·ln2 + r with |r| ≤ ln2/2, then e^x = 2^k · e^r.
    let k = (x * LOG2_E).round();
    let r = (x - k * LN2_HI) - k * LN2_LO;
    let p = 1.0
        + r * (1.0
            + r * (1.0 / 2.0
                + r * (1.0 / 6.0
                    + r * (1.0 / 24.0 + r * (1.0 / 120.0 + r * (1.0 / 720.0 + r / 5040.0))))));
    // k is in -126..=128 here; split 2^k in two factors so neither overflows the exponent field.
    let k = k as i32;
    let half = k / 2;
    p * pow2(half) * pow2(k - half)
}

/// `2^k` for `k` in -126..=127.
fn pow2(k: i32) -> f32 {
    f32::from_bits(((k + 127) as u32) << 23)
}

/// Natural logarithm, within a few ulp for positive normal inputs.
pub(crate) fn ln(x: f32) -> f32 {
    if x.is_nan() || x < 0.0 {
        return f32::NAN;
    }
    if x == 0.0 {
        return f32::NEG_INFINITY;
    }
    if x.is_infinite() {
        return x;
    }
    // Bring subnormals into the normal range first.
    let (x, bias) = if x < f32::MIN_POSITIVE { (x * 8_388_608.0, -23) } else { (x, 0) };
    let bits = x.to_bits();
    let mut e = ((bits >> 23) & 0xff) as i32 - 127 + bias;
    let mut m = f32::from_bits((bits & 0x007f_ffff) | 0x3f80_0000);
    if m > SQRT_2 {
        m /= 2.0;
        e += 1;
    }
    // ln m = 2·atanh(s) with s = (m-1)/(m+1), |s| ≤ 0.172.
    let s = (m - 1.0) / (m + 1.0);
    let s2 = s * s;
    let series =
        1.0 + s2 * (1.0 / 3.0 + s2 * (1.0 / 5.0 + s2 * (1.0 / 7.0 + s2 * (1.0 / 9.0 + s2 / 11.0))));
    e as f32 * LN_2 + 2.0 * s * series
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f32, b: f32) -> bool {
        (a - b).abs() <= 4.0 * f32::EPSILON * b.abs().max(f32::MIN_POSITIVE)
    }

    #[test]
    fn exp_matches_std() {
        for i in -8700..=8800 {
            let x = i as f32 / 100.0;
            let (got, want) = (exp(x), x.exp());
            assert!(close(got, want), "exp({x}) = {got}, std {want}");
        }
        assert_eq!(exp(0.0), 1.0);
        assert_eq!(exp(-200.0), 0.0);
        assert_eq!(exp(100.0), f32::INFINITY);
    }

    #[test]
    fn ln_matches_std() {
        for i in 1..=20_000 {
            let x = i as f32 / 1000.0;
            let (got, want) = (ln(x), x.ln());
            assert!((got - want).abs() <= 4.0 * f32::EPSILON * want.abs().max(1.0), "ln({x})");
        }
        for x in [1e-30f32, 1e-40, 3.0e38] {
            assert!((ln(x) - x.ln()).abs() <= 1e-4, "ln({x})");
        }
        assert_eq!(ln(1.0), 0.0);
        assert_eq!(ln(0.0), f32::NEG_INFINITY);
        assert!(ln(-1.0).is_nan());
    }
}
