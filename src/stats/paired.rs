//! Paired differences between two variants, year by year, as exact integers.

use super::estimators::Moments;
use super::intervals::{Interval, student_t_half_width};
use super::wide::U256;
use serde::{Deserialize, Serialize};

/// Count, sum and sum of squares of per-year paired differences between two variants run on
/// common random numbers, for the paired-t confidence interval of the mean difference (Law,
/// *Simulation Modeling and Analysis*, 5th ed., sections 10.2.1 and 11.2).
///
/// The differences are integers (microseconds of downtime, or a difference of
/// unavailabilities over a common denominator) and their sums are kept exactly, as
/// [`Moments`] keeps those of durations: nothing is rounded until the interval is asked for,
/// so the result does not depend on the order of the years, and runs of consecutive years
/// [`Differences::merge`] into exactly the differences of the whole. Equal values give
/// exactly zero.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Differences {
    count: u64,
    /// Σx, saturating (only beyond any run the size check admits: 10^11 years of
    /// differences of 10^27).
    sum: i128,
    /// Σx².
    squares: U256,
}

impl Differences {
    /// Adds one year's difference.
    pub fn add(&mut self, difference: i128) {
        let magnitude = difference.unsigned_abs();
        self.count += 1;
        self.sum = self.sum.saturating_add(difference);
        self.squares.add(U256::product(magnitude, magnitude));
    }

    /// Adds every difference `other` holds.
    pub fn merge(&mut self, other: &Differences) {
        self.count += other.count;
        self.sum = self.sum.saturating_add(other.sum);
        self.squares.add(other.squares);
    }

    /// The mean difference with its 95% Student-t confidence interval (`None` with fewer
    /// than two years), in units of `unit` added values (1e6 for seconds from
    /// microseconds).
    pub fn interval(&self, unit: f64) -> Interval {
        if self.count == 0 {
            return Interval {
                mean: 0.0,
                ci95: None,
            };
        }
        let mean = self.sum as f64 / self.count as f64 / unit;
        // Σ(x − mean)² = Σx² − (Σx)²/n depends on Σx only through its square, so the
        // unsigned moments of |Σx| give it, with the cancellation done in integers.
        let centered = Moments::from_sums(self.count, self.sum.unsigned_abs(), self.squares)
            .centered_squares()
            .unwrap_or(0.0);
        let variance = if self.count < 2 {
            0.0
        } else {
            (centered / (self.count - 1) as f64).max(0.0) / (unit * unit)
        };
        Interval {
            mean,
            ci95: student_t_half_width(variance, self.count).map(|half| [mean - half, mean + half]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(values: &[i128]) -> Differences {
        let mut differences = Differences::default();
        values.iter().for_each(|value| differences.add(*value));
        differences
    }

    /// Mean and interval against the textbook formulas, computed here in floats.
    #[test]
    fn the_interval_is_the_paired_t_interval() {
        let values = [-3_000_000, 1_500_000, 250_000, -7_000_000, 4_000_000, 0];
        let n = values.len() as f64;
        let seconds: Vec<f64> = values.iter().map(|v| *v as f64 / 1e6).collect();
        let mean = seconds.iter().sum::<f64>() / n;
        let variance = seconds.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1.0);
        let interval = of(&values).interval(1e6);
        assert!((interval.mean - mean).abs() < 1e-12);
        let half = student_t_half_width(variance, values.len() as u64).unwrap();
        let [low, high] = interval.ci95.unwrap();
        assert!((low - (mean - half)).abs() < 1e-9 && (high - (mean + half)).abs() < 1e-9);
    }

    #[test]
    fn equal_values_give_exactly_zero_width() {
        let interval = of(&[-5, -5, -5, -5]).interval(1.0);
        assert_eq!(interval.mean, -5.0);
        assert_eq!(interval.ci95, Some([-5.0, -5.0]));
        assert_eq!(of(&[7]).interval(1.0).ci95, None);
        assert_eq!(Differences::default().interval(1.0).ci95, None);
        // The same figures as the moments' direct formulas: mean 4, variance 12.5.
        let interval = of(&[1, 2, 3, 4, 10]).interval(1.0);
        let half = 2.776_445_105_197_798_7 * (12.5f64 / 5.0).sqrt();
        assert!((interval.mean - 4.0).abs() < 1e-12);
        assert!((interval.width() - 2.0 * half).abs() < 1e-9);
    }

    /// Consecutive runs merged give the bytes of one run, wherever they are cut.
    #[test]
    fn merges_are_exact_wherever_the_years_are_cut() {
        let values: Vec<i128> = (0..97_i128)
            .map(|i| (i * 7_919 % 1_013 - 500) * 1_000_003 * if i % 3 == 0 { -1 } else { 1 })
            .collect();
        let whole = of(&values);
        for cut in [0, 1, 13, 50, 96, 97] {
            let mut merged = of(&values[..cut]);
            merged.merge(&of(&values[cut..]));
            assert_eq!(merged, whole);
            assert_eq!(merged.interval(1e6), whole.interval(1e6));
        }
    }
}
