//! Confidence intervals: Student-t for means, order statistics for quantiles, Wilson for
//! proportions.

use crate::math::special::{beta_reg, invert};
use serde::Serialize;

/// A mean with its 95% confidence interval.
#[derive(Clone, Copy, Debug, Serialize, PartialEq)]
pub struct Interval {
    /// The mean.
    pub mean: f64,
    /// The 95% confidence interval; `None` (null) when it cannot be estimated.
    pub ci95: Option<[f64; 2]>,
}

impl Interval {
    /// The interval's width (0 when there is none).
    pub fn width(&self) -> f64 {
        self.ci95.map_or(0.0, |[low, high]| high - low)
    }
}

/// Half-width of the 95% Student-t confidence interval of a mean of `count` values with
/// sample variance `variance`; `None` with fewer than two values.
pub(super) fn student_t_half_width(variance: f64, count: u64) -> Option<f64> {
    if count < 2 {
        return None;
    }
    Some(t_975((count - 1) as f64) * (variance / count as f64).sqrt())
}

/// Degrees of freedom from which the 97.5% t quantile comes from its expansion in 1/ν:
/// from 1e4 on the expansion is exact to the last digits of a double, while inverting the
/// distribution function costs a continued fraction of O(√ν) terms per step.
const T_EXPANSION_FROM: f64 = 1e4;

/// The 97.5% quantile of Student's t with `nu` degrees of freedom.
///
/// For large ν, the Cornish-Fisher expansion about the normal quantile z (Abramowitz and
/// Stegun 26.7.5): t = z + g1/ν + g2/ν² + g3/ν³ + …, with g1 = (z³ + z)/4,
/// g2 = (5z⁵ + 16z³ + 3z)/96, g3 = (3z⁷ + 19z⁵ + 17z³ − 15z)/384; from ν = 1e4 the next
/// term is below 1e-16 of t.
fn t_975(nu: f64) -> f64 {
    if nu >= T_EXPANSION_FROM {
        let z = Z_95;
        let z2 = z * z;
        let g1 = (z2 + 1.0) * z / 4.0;
        let g2 = ((5.0 * z2 + 16.0) * z2 + 3.0) * z / 96.0;
        let g3 = (((3.0 * z2 + 19.0) * z2 + 17.0) * z2 - 15.0) * z / 384.0;
        return z + (g1 + (g2 + g3 / nu) / nu) / nu;
    }
    // P(|T| > t) = I_{ν/(ν+t²)}(ν/2, 1/2) (Abramowitz and Stegun 26.7.1 and 26.5.27), which
    // falls as t grows: find where its complement reaches 1 − 5%.
    let two_tails = |t: f64| 1.0 - beta_reg(nu / 2.0, 0.5, nu / (nu + t * t));
    invert(two_tails, 1.0 - 2.0 * TAIL, Z_95, 2.0 * Z_95)
}

/// Two-sided 95%: each tail of an interval holds at most 2.5%.
const TAIL: f64 = 0.025;

/// Ranks (1-based) of the order statistics X(l), X(u) of `n` values that bound a
/// distribution-free confidence interval of at least 95% for the `q`-quantile.
///
/// The number B of values below the true quantile is Binomial(n, q), and
/// P(X(l) ≤ ξq ≤ X(u)) ≥ P(l ≤ B ≤ u − 1); l is the largest rank with P(B < l) ≤ 2.5% and u
/// the smallest with P(B ≥ u) ≤ 2.5% (Conover, *Practical Nonparametric Statistics*, 3rd ed.,
/// §3.2; Hahn and Meeker, *Statistical Intervals*, §5.2). A rank is `None` when no order
/// statistic is far enough out, that is when n is too small for that side.
pub fn quantile_ci95_ranks(n: u64, q: f64) -> (Option<u64>, Option<u64>) {
    if n == 0 || q.is_nan() {
        return (None, None);
    }
    let cdf = |k: u64| binomial_cdf(n, q.clamp(0.0, 1.0), k);
    let lower = smallest_at_most_n(n, |k| cdf(k) > TAIL).filter(|l| *l >= 1);
    let upper = smallest_at_most_n(n, |k| cdf(k) >= 1.0 - TAIL)
        .map(|k| k + 1)
        .filter(|u| *u <= n);
    (lower, upper)
}

/// P(B ≤ k) for B ~ Binomial(n, q): I_{1−q}(n − k, k + 1) (Abramowitz and Stegun 26.5.24).
fn binomial_cdf(n: u64, q: f64, k: u64) -> f64 {
    if k >= n {
        1.0
    } else {
        beta_reg((n - k) as f64, k as f64 + 1.0, 1.0 - q)
    }
}

/// The smallest k in 0..=n for which the monotone predicate holds, by bisection.
fn smallest_at_most_n(n: u64, holds: impl Fn(u64) -> bool) -> Option<u64> {
    if !holds(n) {
        return None;
    }
    let (mut low, mut high) = (0, n);
    while low < high {
        let middle = low + (high - low) / 2;
        if holds(middle) {
            high = middle;
        } else {
            low = middle + 1;
        }
    }
    Some(low)
}

/// The 95% Wilson score interval of a proportion, `successes` out of `trials` (Wilson 1927,
/// JASA 22:209; recommended over the Wald interval by Brown, Cai and DasGupta 2001,
/// Statistical Science 16:101). `[0, 1]` without trials.
pub fn wilson_ci95(successes: u64, trials: u64) -> [f64; 2] {
    if trials == 0 {
        return [0.0, 1.0];
    }
    let z = Z_95;
    let n = trials as f64;
    let p = successes as f64 / n;
    let denominator = 1.0 + z * z / n;
    let center = (p + z * z / (2.0 * n)) / denominator;
    let half = z / denominator * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt();
    // At 0 or all successes the end is exactly 0 or 1; rounding would leave a speck.
    let low = if successes == 0 { 0.0 } else { center - half };
    let high = if successes == trials {
        1.0
    } else {
        center + half
    };
    [low.max(0.0), high.min(1.0)]
}

/// The 97.5th percentile of the standard normal distribution.
pub const Z_95: f64 = 1.959_963_984_540_054;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_t_quantile_of_many_years_is_exact_to_the_last_digits() {
        // The exact quantiles, from the regularised incomplete beta function at 40 digits
        // (mpmath 1.3: findroot of 1 − betainc(ν/2, 1/2, 0, ν/(ν + t²))/2 = 0.975). statrs'
        // inverse CDF gives 1.9599809 at ν = 1e5, wrong in the sixth digit.
        for (nu, exact) in [
            (1e4, 1.960_201_239_890_626_3),
            (1e5, 1.959_987_707_534_609_6),
            (1e6, 1.959_966_356_814_107),
        ] {
            let t = t_975(nu);
            assert!(
                (t - exact).abs() < 4.0 * f64::EPSILON,
                "ν = {nu}: {t} against {exact}"
            );
        }
    }

    /// Below the expansion, the inverted distribution function against the exact quantiles
    /// (mpmath 1.3 at 40 digits: bisection on the same betainc identity).
    #[test]
    fn the_t_quantile_of_few_years_matches_the_exact_value() {
        for (nu, exact) in [
            (1.0, 12.706_204_736_174_705),
            (2.0, 4.302_652_729_749_464),
            (3.0, 3.182_446_305_283_709_5),
            (10.0, 2.228_138_851_986_275),
            (30.0, 2.042_272_456_301_238),
            (999.0, 1.962_341_461_133_45),
            (9999.0, 1.960_201_263_621_357_7),
        ] {
            let t = t_975(nu);
            assert!(
                (t - exact).abs() <= 1e-13 * exact,
                "ν = {nu}: {t} against {exact}"
            );
        }
    }

    #[test]
    fn the_t_quantile_of_a_huge_run_returns() {
        // statrs never returned for ν = 2e7 (a run of twenty million years).
        let t = t_975(2e7);
        assert!(t > Z_95 && t - Z_95 < 2e-7, "{t}");
    }

    #[test]
    fn median_interval_ranks_match_the_published_table() {
        // n = 100: the 95% CI of the median is X(40)..X(61) (Conover, Table A3 and §3.2):
        // P(B <= 39) = 0.0176 <= 2.5% < P(B <= 40) = 0.0284, P(B <= 60) = 0.9824 >= 97.5%.
        assert_eq!(quantile_ci95_ranks(100, 0.5), (Some(40), Some(61)));
        // Too few values for an upper end: 0.99^n > 2.5% until n = 368.
        assert_eq!(quantile_ci95_ranks(367, 0.99).1, None);
        assert_eq!(quantile_ci95_ranks(368, 0.99).1, Some(368));
        assert_eq!(quantile_ci95_ranks(0, 0.5), (None, None));
    }

    #[test]
    fn wilson_interval_matches_newcombe() {
        // Newcombe (1998), Statistics in Medicine 17:857, Table I: 0/20 -> [0, 0.1611],
        // 81/263 -> [0.2553, 0.3662].
        let [low, high] = wilson_ci95(0, 20);
        assert!(low == 0.0 && (high - 0.1611).abs() < 5e-5, "{high}");
        let [low, high] = wilson_ci95(81, 263);
        assert!((low - 0.2553).abs() < 5e-5 && (high - 0.3662).abs() < 5e-5);
        assert_eq!(wilson_ci95(0, 0), [0.0, 1.0]);
    }
}
