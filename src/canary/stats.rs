//! Rank statistics for the canary judge: the Mann-Whitney U test, the
//! normal tail it is judged against, and order statistics of one sample.
//!
//! Everything here is pure and total: non-finite samples are dropped before
//! any computation, and functions that cannot give an answer (an empty
//! sample) return `None` instead of panicking.

use serde::{Deserialize, Serialize};
use std::f64::consts::SQRT_2;

/// Which alternative hypothesis the rank test checks, about `x` against `y`
/// (in the judge, `x` is the canary and `y` the baseline). Same meaning as
/// scipy's `alternative` argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Alternative {
    /// `x` and `y` differ in either direction.
    TwoSided,
    /// `x` is stochastically smaller than `y`.
    Less,
    /// `x` is stochastically greater than `y`.
    Greater,
}

/// Result of [`mann_whitney_u`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MannWhitney {
    /// U statistic of `x` (scipy's returned statistic, `U1`), whatever the
    /// alternative.
    pub u: f64,
    /// Standardised statistic of the chosen alternative, after the tie and
    /// continuity corrections. `-inf` when every sample is tied (no spread).
    pub z: f64,
    /// p-value from the normal approximation, in `[0, 1]`.
    pub p_value: f64,
}

/// Mann-Whitney U test of `x` against `y`, normal approximation with tie
/// and continuity corrections.
///
/// Numerically the same as
/// `scipy.stats.mannwhitneyu(x, y, alternative=..., method="asymptotic",
/// use_continuity=True)`. Non-finite samples are dropped first; `None` when
/// either sample is then empty. When every value is tied the spread is zero
/// and, as in scipy, `p = 1`.
pub fn mann_whitney_u(x: &[f64], y: &[f64], alternative: Alternative) -> Option<MannWhitney> {
    let (x, _) = finite_sorted(x);
    let (y, _) = finite_sorted(y);
    mann_whitney_sorted(&x, &y, alternative)
}

/// [`mann_whitney_u`] on samples already finite and sorted ascending, so the
/// judge sorts once and reuses the order for the shift estimate.
pub(crate) fn mann_whitney_sorted(
    x: &[f64],
    y: &[f64],
    alternative: Alternative,
) -> Option<MannWhitney> {
    if x.is_empty() || y.is_empty() {
        return None;
    }
    let n1 = x.len() as f64;
    let n2 = y.len() as f64;
    let (r1, tie_term) = rank_sum_sorted(x, y);
    let u1 = r1 - n1 * (n1 + 1.0) / 2.0;
    let u2 = n1 * n2 - u1;
    // scipy takes U of the side the alternative is about and doubles the
    // one-sided tail for two-sided tests.
    let (u, factor) = match alternative {
        Alternative::Greater => (u1, 1.0),
        Alternative::Less => (u2, 1.0),
        Alternative::TwoSided => (u1.max(u2), 2.0),
    };
    let mu = n1 * n2 / 2.0;
    let n = n1 + n2;
    let s = (n1 * n2 / 12.0 * ((n + 1.0) - tie_term / (n * (n - 1.0)))).sqrt();
    let numerator = u - mu - 0.5;
    // All values tied: s = 0 and U = mu, so scipy gets z = -0.5/0 = -inf and
    // p = 1. Rounding could make s NaN (sqrt of a tiny negative): same case.
    let (z, tail) = if s > 0.0 {
        let z = numerator / s;
        (z, normal_sf(z))
    } else {
        (f64::NEG_INFINITY, 1.0)
    };
    Some(MannWhitney {
        u: u1,
        z,
        p_value: (tail * factor).clamp(0.0, 1.0),
    })
}

/// Sum of the (tie-averaged) ranks of `x` in the pooled sample, and the tie
/// term Σ(t³ − t) over groups of equal values. One merge over the two
/// sorted samples: O(m + n).
fn rank_sum_sorted(x: &[f64], y: &[f64]) -> (f64, f64) {
    let (mut i, mut j) = (0, 0);
    let mut before = 0.0; // how many pooled values rank below this group
    let mut r1 = 0.0;
    let mut tie_term = 0.0;
    while i < x.len() || j < y.len() {
        let v = match (x.get(i), y.get(j)) {
            (Some(&a), Some(&b)) => a.min(b),
            (Some(&a), None) => a,
            (None, Some(&b)) => b,
            (None, None) => break,
        };
        let start_i = i;
        while i < x.len() && x[i] == v {
            i += 1;
        }
        let start_j = j;
        while j < y.len() && y[j] == v {
            j += 1;
        }
        let cx = (i - start_i) as f64;
        let t = cx + (j - start_j) as f64;
        // Ranks before+1 ..= before+t, averaged.
        r1 += cx * (before + (t + 1.0) / 2.0);
        tie_term += t * t * t - t;
        before += t;
    }
    (r1, tie_term)
}

/// Upper tail of the standard normal, `P(Z > z)`, accurate in the far tail
/// (erfc, not `1 - cdf`), so tiny p-values keep their digits. libm's erfc
/// is musl's (about 1 ulp), which is what lets p-values agree with scipy
/// to ~1e-15 instead of ~1e-10 with cheaper approximations.
pub fn normal_sf(z: f64) -> f64 {
    0.5 * libm::erfc(z / SQRT_2)
}

/// Quantile of the standard normal; `None` unless `0 < p < 1`.
///
/// Wichura's algorithm AS 241 (PPND16, Applied Statistics 37, 1988),
/// relative accuracy about 1e-16: three rational approximations, for the
/// centre, the tails and the far tails.
pub fn normal_quantile(p: f64) -> Option<f64> {
    if !(p > 0.0 && p < 1.0) {
        return None;
    }
    const A: [f64; 8] = [
        3.387_132_872_796_366_6,
        1.331_416_678_917_843_8e2,
        1.971_590_950_306_551_3e3,
        1.373_169_376_550_946e4,
        4.592_195_393_154_987e4,
        6.726_577_092_700_87e4,
        3.343_057_558_358_813e4,
        2.509_080_928_730_122_7e3,
    ];
    const B: [f64; 8] = [
        1.0,
        4.231_333_070_160_091e1,
        6.871_870_074_920_579e2,
        5.394_196_021_424_751e3,
        2.121_379_430_158_659_7e4,
        3.930_789_580_009_271e4,
        2.872_908_573_572_194_3e4,
        5.226_495_278_852_854e3,
    ];
    const C: [f64; 8] = [
        1.423_437_110_749_683_5,
        4.630_337_846_156_545,
        5.769_497_221_460_691,
        3.647_848_324_763_204_5,
        1.270_458_252_452_368_4,
        2.417_807_251_774_506e-1,
        2.272_384_498_926_918_4e-2,
        7.745_450_142_783_414e-4,
    ];
    const D: [f64; 8] = [
        1.0,
        2.053_191_626_637_759,
        1.676_384_830_183_803_8,
        6.897_673_349_851e-1,
        1.481_039_764_274_800_8e-1,
        1.519_866_656_361_645_7e-2,
        5.475_938_084_995_345e-4,
        1.050_750_071_644_416_8e-9,
    ];
    const E: [f64; 8] = [
        6.657_904_643_501_103,
        5.463_784_911_164_114,
        1.784_826_539_917_291_3,
        2.965_605_718_285_048_7e-1,
        2.653_218_952_657_612_4e-2,
        1.242_660_947_388_078_4e-3,
        2.711_555_568_743_487_6e-5,
        2.010_334_399_292_288_1e-7,
    ];
    const F: [f64; 8] = [
        1.0,
        5.998_322_065_558_879e-1,
        1.369_298_809_227_358e-1,
        1.487_536_129_085_061_5e-2,
        7.868_691_311_456_133e-4,
        1.846_318_317_510_054_8e-5,
        1.421_511_758_316_446e-7,
        2.044_263_103_389_939_7e-15,
    ];
    fn ratio(num: &[f64; 8], den: &[f64; 8], r: f64) -> f64 {
        let horner = |c: &[f64; 8]| c.iter().rev().fold(0.0, |acc, &k| acc * r + k);
        horner(num) / horner(den)
    }
    let q = p - 0.5;
    if q.abs() <= 0.425 {
        return Some(q * ratio(&A, &B, 0.180_625 - q * q));
    }
    let tail = if q < 0.0 { p } else { 1.0 - p };
    let r = (-tail.ln()).sqrt();
    let v = if r <= 5.0 {
        ratio(&C, &D, r - 1.6)
    } else {
        ratio(&E, &F, r - 5.0)
    };
    Some(if q < 0.0 { -v } else { v })
}

/// The finite values of `xs`, sorted ascending, and how many were dropped.
/// `-0.0` becomes `0.0` so that the total order used for sorting agrees with
/// `==` everywhere else.
pub fn finite_sorted(xs: &[f64]) -> (Vec<f64>, usize) {
    let mut out: Vec<f64> = xs
        .iter()
        .filter(|v| v.is_finite())
        .map(|v| v + 0.0)
        .collect();
    out.sort_unstable_by(f64::total_cmp);
    let dropped = xs.len() - out.len();
    (out, dropped)
}

/// Midpoint that does not overflow for huge values of the same sign.
pub(crate) fn midpoint(a: f64, b: f64) -> f64 {
    let s = a + b;
    if s.is_finite() {
        s / 2.0
    } else {
        a / 2.0 + b / 2.0
    }
}

/// Median of a sorted sample (mean of the two middle values when even).
pub fn median_sorted(xs: &[f64]) -> Option<f64> {
    let n = xs.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(xs[n / 2]),
        _ => Some(midpoint(xs[n / 2 - 1], xs[n / 2])),
    }
}

/// Quantile `q` in `[0, 1]` of a sorted sample, linear interpolation between
/// order statistics (numpy's default, "type 7"). `None` for an empty sample
/// or `q` outside `[0, 1]`.
pub fn quantile_sorted(xs: &[f64], q: f64) -> Option<f64> {
    if xs.is_empty() || !(0.0..=1.0).contains(&q) {
        return None;
    }
    let h = (xs.len() - 1) as f64 * q;
    let lo = h.floor();
    let w = h - lo;
    let lo = lo as usize;
    let hi = (lo + 1).min(xs.len() - 1);
    if w == 0.0 {
        return Some(xs[lo]);
    }
    let (a, b) = (xs[lo], xs[hi]);
    let diff = b - a;
    Some(if !diff.is_finite() {
        // b − a overflowed: a weighted sum stays finite.
        a * (1.0 - w) + b * w
    } else if w >= 0.5 {
        // numpy's lerp: interpolate from the nearer end, exact at both ends.
        b - diff * (1.0 - w)
    } else {
        a + diff * w
    })
}

/// Arithmetic mean that does not overflow on huge values (each term is
/// divided first).
pub fn mean(xs: &[f64]) -> Option<f64> {
    if xs.is_empty() {
        return None;
    }
    let n = xs.len() as f64;
    Some(xs.iter().map(|v| v / n).sum())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, rtol: f64) -> bool {
        (a - b).abs() <= rtol * b.abs().max(1e-300)
    }

    #[test]
    fn normal_reference_values() {
        // Reference values from scipy.stats.norm.
        assert!(close(normal_sf(0.0), 0.5, 1e-15));
        let got = normal_sf(1.96);
        assert!(close(got, 0.024_997_895_148_220_435, 1e-13), "{got:e}");
        assert!(close(normal_sf(-1.0), 0.841_344_746_068_542_9, 1e-14));
        assert!(close(normal_sf(10.0), 7.619_853_024_160_47e-24, 1e-12));
        assert!(close(normal_sf(30.0), 4.906_713_927_147_908e-198, 1e-10));
        assert_eq!(normal_sf(f64::INFINITY), 0.0);
        assert_eq!(normal_sf(f64::NEG_INFINITY), 1.0);
        // scipy.special.ndtri
        for (p, want) in [
            (1e-300, -37.047_096_299_361_2),
            (1e-20, -9.262_340_089_798_409),
            (0.001, -3.090_232_306_167_813),
            (0.02425, -1.972_961_051_311_885),
            (0.025, -1.959_963_984_540_054_5),
            (0.3, -0.524_400_512_708_040_9),
            (0.7, 0.524_400_512_708_040_7),
            (0.975, 1.959_963_984_540_054),
            (0.999, 3.090_232_306_167_813),
            (1.0 - 1e-12, 7.034_486_910_047_835_6),
        ] {
            let got = normal_quantile(p).unwrap();
            assert!(close(got, want, 1e-13), "p {p}: {got} vs {want}");
        }
        assert!(close(normal_quantile(0.5).unwrap().abs() + 1.0, 1.0, 1e-15));
        assert!(normal_quantile(0.0).is_none());
        assert!(normal_quantile(1.0).is_none());
        assert!(normal_quantile(f64::NAN).is_none());
    }

    #[test]
    fn rank_sum_with_ties_by_hand() {
        // pooled: 1 2 2 3 3 3 -> ranks 1, 2.5, 2.5, 5, 5, 5
        let (r1, tie) = rank_sum_sorted(&[1.0, 2.0, 3.0], &[2.0, 3.0, 3.0]);
        assert_eq!(r1, 1.0 + 2.5 + 5.0);
        assert_eq!(tie, (8.0 - 2.0) + (27.0 - 3.0));
    }

    #[test]
    fn mann_whitney_small_case_matches_scipy() {
        // scipy.stats.mannwhitneyu([1,2,3,4,5],[3,4,5,6,7,8], method="asymptotic")
        // -> statistic 4.5, pvalue 0.066015431521231
        let r = mann_whitney_u(
            &[1.0, 2.0, 3.0, 4.0, 5.0],
            &[3.0, 4.0, 5.0, 6.0, 7.0, 8.0],
            Alternative::TwoSided,
        )
        .unwrap();
        assert_eq!(r.u, 4.5);
        assert!(close(r.p_value, 0.066_015_431_521_231, 1e-12), "{r:?}");
    }

    #[test]
    fn all_tied_gives_p_one() {
        for alt in [
            Alternative::TwoSided,
            Alternative::Less,
            Alternative::Greater,
        ] {
            let r = mann_whitney_u(&[2.0; 5], &[2.0; 7], alt).unwrap();
            assert_eq!(r.p_value, 1.0);
            assert_eq!(r.u, 17.5);
        }
    }

    #[test]
    fn empty_or_non_finite_only_is_none() {
        assert!(mann_whitney_u(&[], &[1.0], Alternative::TwoSided).is_none());
        assert!(mann_whitney_u(&[f64::NAN, f64::INFINITY], &[1.0], Alternative::Less).is_none());
    }

    #[test]
    fn huge_values_do_not_break() {
        let x = [f64::MAX, -f64::MAX, 1e308, 0.0];
        let y = [f64::MAX, f64::MAX, -1e308];
        let r = mann_whitney_u(&x, &y, Alternative::TwoSided).unwrap();
        assert!(r.p_value.is_finite());
        let m = mean(&[f64::MAX, f64::MAX]).unwrap();
        assert!(m.is_finite() && close(m, f64::MAX, 1e-15));
        assert_eq!(median_sorted(&[f64::MAX, f64::MAX]), Some(f64::MAX));
        assert_eq!(quantile_sorted(&[f64::MAX, f64::MAX], 0.3), Some(f64::MAX));
    }

    #[test]
    fn order_statistics() {
        let (xs, dropped) = finite_sorted(&[3.0, f64::NAN, 1.0, -0.0, f64::NEG_INFINITY, 2.0]);
        assert_eq!(dropped, 2);
        assert_eq!(xs, vec![0.0, 1.0, 2.0, 3.0]);
        assert!(xs[0].is_sign_positive());
        assert_eq!(median_sorted(&xs), Some(1.5));
        assert_eq!(median_sorted(&xs[..3]), Some(1.0));
        assert_eq!(median_sorted(&[]), None);
        assert_eq!(quantile_sorted(&xs, 0.9), Some(2.7));
        assert_eq!(quantile_sorted(&xs, 1.0), Some(3.0));
        assert_eq!(quantile_sorted(&xs, 0.0), Some(0.0));
        assert_eq!(quantile_sorted(&xs, 1.5), None);
        assert_eq!(mean(&xs), Some(1.5));
        assert_eq!(mean(&[]), None);
    }
}
