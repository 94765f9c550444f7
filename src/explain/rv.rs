//! Random durations as an exact mean and a quantile grid, for the closed forms of
//! `explain`: sums, minima and floors of independent variables, deterministically.

use super::PhaseSummary;
use crate::dist::Dist;
use crate::time::Duration;

/// Points of a quantile grid: enough for a p99 within a fraction of a percent.
pub(super) const GRID: usize = 400;

/// A random duration in seconds: its exact mean and an equally weighted quantile grid.
#[derive(Clone, Debug)]
pub(super) struct Rv {
    /// The exact mean.
    pub(super) mean: f64,
    /// The value at each of [`GRID`] equally likely quantiles, in increasing order.
    pub(super) grid: Vec<f64>,
}

impl Rv {
    /// Always `value` seconds.
    pub(super) fn constant(value: f64) -> Rv {
        Rv {
            mean: value,
            grid: vec![value; GRID],
        }
    }

    /// The variable with `mean` and quantile function `quantile`.
    pub(super) fn from_quantile(mean: f64, quantile: impl Fn(f64) -> f64) -> Rv {
        let grid = (0..GRID)
            .map(|i| quantile((i as f64 + 0.5) / GRID as f64))
            .collect();
        Rv { mean, grid }
    }

    /// A model distribution.
    pub(super) fn dist(dist: &Dist) -> Rv {
        Rv::from_quantile(dist.mean_secs(), |p| dist.quantile_secs(p))
    }

    /// Uniform on `[low, high]` seconds.
    pub(super) fn uniform(low: f64, high: f64) -> Rv {
        Rv::from_quantile((low + high) / 2.0, |p| low + (high - low) * p)
    }

    /// Always `value`.
    pub(super) fn duration(value: Duration) -> Rv {
        Rv::constant(value.as_secs_f64())
    }

    /// The sum of two independent variables.
    pub(super) fn plus(&self, other: &Rv) -> Rv {
        self.combine(other, self.mean + other.mean, |a, b| a + b)
    }

    /// The smaller of two independent variables (its mean from the grid).
    pub(super) fn min(&self, other: &Rv) -> Rv {
        let mut result = self.combine(other, 0.0, f64::min);
        result.mean = result.grid.iter().sum::<f64>() / GRID as f64;
        result
    }

    fn combine(&self, other: &Rv, mean: f64, op: impl Fn(f64, f64) -> f64) -> Rv {
        let mut all: Vec<f64> = self
            .grid
            .iter()
            .flat_map(|a| other.grid.iter().map(|b| op(*a, *b)))
            .collect();
        all.sort_by(f64::total_cmp);
        let grid = (0..GRID)
            .map(|i| all[i * all.len() / GRID + all.len() / (2 * GRID)])
            .collect();
        Rv { mean, grid }
    }

    /// `max(self, floor)`, its mean from the grid.
    pub(super) fn at_least(&self, floor: f64) -> Rv {
        let grid: Vec<f64> = self.grid.iter().map(|x| x.max(floor)).collect();
        let mean = if floor <= self.grid[0] {
            self.mean
        } else {
            grid.iter().sum::<f64>() / GRID as f64
        };
        Rv { mean, grid }
    }

    /// The 99th percentile.
    pub(super) fn p99(&self) -> f64 {
        self.grid[(GRID * 99) / 100]
    }

    /// The mean and the 99th percentile.
    pub(super) fn summary(&self) -> PhaseSummary {
        PhaseSummary {
            mean_s: self.mean,
            p99_s: self.p99(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grids_add_and_take_quantiles() {
        let u = Rv::uniform(0.0, 10.0);
        assert!((u.p99() - 9.9).abs() < 0.05);
        let two = u.plus(&u);
        assert!((two.mean - 10.0).abs() < 1e-12);
        // The sum of two U[0,10] is triangular: P(S > s) = (20 - s)^2 / 200, so p99 = 20 - sqrt(2).
        assert!(
            (two.p99() - (20.0 - 2f64.sqrt())).abs() < 0.1,
            "{}",
            two.p99()
        );
    }
}
