//! Estimators over years: exact moments of durations, availability.

use super::intervals::student_t_half_width;
use super::summary::Availability;
use super::wide::U256;
use crate::math;
use crate::time::Duration;
use serde::{Deserialize, Serialize};

/// Count, sum and sum of squares of durations, as exact integers of microseconds.
///
/// Nothing is rounded until a figure is asked for, so the moments of a run do not depend on
/// the order the values came in, and two runs of consecutive years [`Moments::merge`] into
/// exactly the moments of the whole.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Moments {
    count: u64,
    sum: u128,
    squares: U256,
}

impl Moments {
    /// The moments of these exact sums (of values in microseconds).
    pub(super) fn from_sums(count: u64, sum: u128, squares: U256) -> Moments {
        Moments {
            count,
            sum,
            squares,
        }
    }

    /// Adds one value.
    pub fn add(&mut self, value: Duration) {
        let micros = u128::from(value.as_micros());
        self.count += 1;
        self.sum += micros;
        self.squares.add(U256::from_u128(micros * micros));
    }

    /// Adds every value `other` holds.
    pub fn merge(&mut self, other: &Moments) {
        self.count += other.count;
        self.sum += other.sum;
        self.squares.add(other.squares);
    }

    /// Adds every value `other` holds and leaves it holding none.
    pub fn append(&mut self, other: &mut Moments) {
        self.merge(&std::mem::take(other));
    }

    /// Number of values.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Mean in seconds (0 with no values).
    pub fn mean_secs(&self) -> f64 {
        if self.count == 0 {
            return 0.0;
        }
        self.sum as f64 / self.count as f64 / 1e6
    }

    /// Sample variance in seconds squared (0 with fewer than two values).
    pub fn variance(&self) -> f64 {
        if self.count < 2 {
            return 0.0;
        }
        self.centered_squares().unwrap_or(0.0) / (self.count - 1) as f64 / 1e12
    }

    /// Half-width of the 95% Student-t confidence interval of the mean, in seconds;
    /// `None` with fewer than two values, where no interval can be estimated.
    pub fn ci95_half_width(&self) -> Option<f64> {
        student_t_half_width(self.variance(), self.count)
    }

    /// Σ(x − mean)² in µs², rounded once at the end; `None` when the sums cannot come from
    /// any values (a corrupt saved state).
    ///
    /// With S₁ = Σx = q·n + r (0 ≤ r < n), Σ(x − mean)² = S₂ − S₁²/n = T − r²/n where
    /// T = S₂ − q·S₁ − q·r is an integer, so no intermediate exceeds S₂ and the cancellation
    /// between S₂ and S₁²/n happens exactly, in integers.
    pub(super) fn centered_squares(&self) -> Option<f64> {
        let n = u128::from(self.count);
        if n == 0 {
            return (self.sum == 0 && self.squares == U256::default()).then_some(0.0);
        }
        let (q, r) = (self.sum / n, self.sum % n);
        // r < n ≤ 2^64, so r² fits.
        let (whole, fraction) = ((r * r) / n, (r * r) % n);
        let t = self
            .squares
            .checked_sub(U256::product(q, self.sum))?
            .checked_sub(U256::from_u128(q * r))?
            .checked_sub(U256::from_u128(whole))?;
        Some(t.to_f64() - fraction as f64 / n as f64)
    }
}

/// Availability figures (mean, Student-t 95% CI, nines) from the moments of yearly downtime.
pub fn availability(downtime: &Moments, horizon: Duration) -> Availability {
    let horizon_s = horizon.as_secs_f64();
    let mean = 1.0 - downtime.mean_secs() / horizon_s;
    // With fewer than two years no interval can be estimated: report all of [0, 1].
    let ci95 = match downtime.ci95_half_width() {
        Some(half) => {
            let half = half / horizon_s;
            [(mean - half).clamp(0.0, 1.0), (mean + half).clamp(0.0, 1.0)]
        }
        None => [0.0, 1.0],
    };
    Availability {
        mean,
        ci95,
        nines: nines(mean),
    }
}

/// -log10(1 − availability); `None` (JSON null) when no downtime was seen at all.
pub fn nines(availability: f64) -> Option<f64> {
    (availability < 1.0).then(|| -math::log10(1.0 - availability))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moments_match_direct_formulas() {
        let mut moments = Moments::default();
        for secs in [1, 2, 3, 4, 10] {
            moments.add(Duration::from_secs(secs));
        }
        assert_eq!(moments.mean_secs(), 4.0);
        assert!((moments.variance() - 12.5).abs() < 1e-12);
        // t(0.975, 4) = 2.7764451051977987
        let half = moments.ci95_half_width().unwrap();
        assert!((half - 2.776_445_105_197_798_7 * (12.5f64 / 5.0).sqrt()).abs() < 1e-9);
    }

    /// The sample variance in µs² the textbook way, exactly: (n·S₂ − S₁²) / (n·(n − 1)),
    /// in `u128` (so for small values only).
    fn naive_variance_micros(values: &[u64]) -> f64 {
        let n = values.len() as u128;
        let sum: u128 = values.iter().map(|v| u128::from(*v)).sum();
        let squares: u128 = values.iter().map(|v| u128::from(*v).pow(2)).sum();
        (n * squares - sum * sum) as f64 / (n * (n - 1)) as f64
    }

    #[test]
    fn exact_moments_agree_with_a_naive_computation() {
        // A fixed pseudo-random sequence of durations up to about a day, in microseconds.
        let mut x: u64 = 12345;
        let values: Vec<u64> = (0..5000)
            .map(|_| {
                x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                (x >> 24) % 86_400_000_000
            })
            .collect();
        let mut moments = Moments::default();
        values
            .iter()
            .for_each(|v| moments.add(Duration::from_micros(*v)));
        let naive = naive_variance_micros(&values) / 1e12;
        assert!(
            (moments.variance() - naive).abs() <= 1e-14 * naive,
            "{} vs {naive}",
            moments.variance()
        );
        let mean = values.iter().map(|v| *v as f64).sum::<f64>() / 5000.0 / 1e6;
        assert!((moments.mean_secs() - mean).abs() <= 1e-12 * mean);
    }

    #[test]
    fn equal_values_have_exactly_zero_variance_even_when_huge() {
        let mut moments = Moments::default();
        for _ in 0..1000 {
            moments.add(Duration::from_micros(u64::MAX - 1));
        }
        assert_eq!(moments.variance(), 0.0);
        assert_eq!(moments.ci95_half_width(), Some(0.0));
    }

    #[test]
    fn the_widest_values_do_not_overflow() {
        // 0 and u64::MAX µs: the mean is MAX/2 and Σ(x − mean)² = MAX²/2.
        let mut moments = Moments::default();
        moments.add(Duration::ZERO);
        moments.add(Duration::from_micros(u64::MAX));
        let max = u64::MAX as f64;
        let expected = max * max / 2.0 / 1e12;
        assert!((moments.variance() - expected).abs() <= 1e-15 * expected);
    }

    #[test]
    fn merged_moments_are_the_moments_of_all_values() {
        let values = [7u64, 0, 19, 3_600_000_000, 5, 5, 42];
        let mut whole = Moments::default();
        values
            .iter()
            .for_each(|v| whole.add(Duration::from_micros(*v)));
        for split in 0..=values.len() {
            let (mut first, mut second) = (Moments::default(), Moments::default());
            let (a, b) = values.split_at(split);
            a.iter().for_each(|v| first.add(Duration::from_micros(*v)));
            b.iter().for_each(|v| second.add(Duration::from_micros(*v)));
            first.merge(&second);
            assert_eq!(first, whole, "split at {split}");
        }
    }

    #[test]
    fn nines_of_typical_values() {
        assert!((nines(0.999).unwrap() - 3.0).abs() < 1e-9);
        assert_eq!(nines(1.0), None);
    }
}
