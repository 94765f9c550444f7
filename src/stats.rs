//! Statistics over simulated years: moments, confidence intervals and percentiles.
//!
//! Everything here is fed in year order by one thread, so results are bit-identical
//! whatever the thread count. Memory does not grow with the number of years: moments are
//! running sums, and percentiles switch from exact values to a histogram past a bound.

use crate::engine::YearOutcome;
use crate::time::Duration;
use hdrhistogram::Histogram;
use serde::Serialize;
use statrs::distribution::{ContinuousCDF, StudentsT};
use std::collections::BTreeMap;

/// Running count, exact sum and variance of durations.
///
/// The sum is an exact integer of microseconds, so means do not depend on summation
/// order; the variance uses Welford's update in seconds, which stays accurate when the
/// values are nearly equal.
#[derive(Clone, Debug, Default)]
pub struct Moments {
    count: u64,
    sum: u128,
    welford_mean: f64,
    welford_m2: f64,
}

impl Moments {
    /// Adds one value.
    pub fn add(&mut self, value: Duration) {
        self.count += 1;
        self.sum += u128::from(value.as_micros());
        let x = value.as_secs_f64();
        let delta = x - self.welford_mean;
        self.welford_mean += delta / self.count as f64;
        self.welford_m2 += delta * (x - self.welford_mean);
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
        (self.welford_m2 / (self.count - 1) as f64).max(0.0)
    }

    /// Half-width of the 95% Student-t confidence interval of the mean, in seconds;
    /// `None` with fewer than two values, where no interval can be estimated.
    pub fn ci95_half_width(&self) -> Option<f64> {
        if self.count < 2 {
            return None;
        }
        let t = StudentsT::new(0.0, 1.0, (self.count - 1) as f64)
            .map(|dist| dist.inverse_cdf(0.975))
            .unwrap_or(1.959_963_984_540_054);
        Some(t * (self.variance() / self.count as f64).sqrt())
    }
}

/// Percentiles of durations, exact up to [`Quantiles::EXACT_LIMIT`] values and from a
/// histogram with four significant digits (relative error below 0.01%) beyond.
#[derive(Clone, Debug, Default)]
pub struct Quantiles {
    exact: Vec<u64>,
    histogram: Option<Histogram<u64>>,
    max: u64,
}

impl Quantiles {
    /// Values kept exactly before switching to the histogram (512 KiB).
    pub const EXACT_LIMIT: usize = 1 << 16;

    /// Adds one value.
    pub fn add(&mut self, value: Duration) {
        let micros = value.as_micros();
        self.max = self.max.max(micros);
        if let Some(histogram) = &mut self.histogram {
            record(histogram, micros);
            return;
        }
        self.exact.push(micros);
        if self.exact.len() > Self::EXACT_LIMIT {
            self.switch_to_histogram();
        }
    }

    fn switch_to_histogram(&mut self) {
        // Four significant digits: bucket width at most 1/8192 of the value.
        let mut histogram = match Histogram::new(4) {
            Ok(histogram) => histogram,
            Err(_) => return, // unreachable for 4 digits; keep exact values instead
        };
        for value in self.exact.drain(..) {
            record(&mut histogram, value);
        }
        self.exact = Vec::new();
        self.histogram = Some(histogram);
    }

    /// Number of values.
    pub fn count(&self) -> u64 {
        match &self.histogram {
            Some(histogram) => histogram.len(),
            None => self.exact.len() as u64,
        }
    }

    /// The largest value, in seconds.
    pub fn max_secs(&self) -> f64 {
        Duration::from_micros(self.max).as_secs_f64()
    }

    /// The `q`-quantile in seconds, for each `q` in `qs`: with exact values, linear
    /// interpolation between order statistics (numpy's default); with the histogram, the
    /// upper edge of the bucket holding that rank. 0 with no values.
    pub fn quantiles_secs<const N: usize>(&self, qs: [f64; N]) -> [f64; N] {
        if let Some(histogram) = &self.histogram {
            return qs.map(|q| {
                Duration::from_micros(histogram.value_at_quantile(q).min(self.max)).as_secs_f64()
            });
        }
        let mut sorted = self.exact.clone();
        sorted.sort_unstable();
        qs.map(|q| interpolate(&sorted, q) / 1e6)
    }
}

/// Records `value`, growing the histogram as needed (its `saturating_record` would clamp
/// to the current range instead of growing).
fn record(histogram: &mut Histogram<u64>, value: u64) {
    if histogram.record(value).is_err() {
        histogram.saturating_record(value);
    }
}

/// Linear interpolation between order statistics at rank q·(n−1).
fn interpolate(sorted: &[u64], q: f64) -> f64 {
    match sorted {
        [] => 0.0,
        [only] => *only as f64,
        _ => {
            let rank = q.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
            let low = rank.floor() as usize;
            let high = (low + 1).min(sorted.len() - 1);
            let fraction = rank - low as f64;
            sorted[low] as f64 + fraction * (sorted[high] as f64 - sorted[low] as f64)
        }
    }
}

/// Everything accumulated over the years of one run, fed in year order.
#[derive(Clone, Debug)]
pub struct Accumulator {
    horizon: Duration,
    downtime: Vec<Moments>,
    yearly_downtime: Quantiles,
    outage_durations: Moments,
    outage_quantiles: Quantiles,
}

impl Accumulator {
    /// An empty accumulator for `expressions` expressions (`up`, then services).
    pub fn new(horizon: Duration, expressions: usize) -> Accumulator {
        Accumulator {
            horizon,
            downtime: vec![Moments::default(); expressions],
            yearly_downtime: Quantiles::default(),
            outage_durations: Moments::default(),
            outage_quantiles: Quantiles::default(),
        }
    }

    /// Adds one year's outcome.
    pub fn add(&mut self, outcome: &YearOutcome) {
        for (moments, downtime) in self.downtime.iter_mut().zip(&outcome.downtime) {
            moments.add(*downtime);
        }
        self.yearly_downtime.add(outcome.downtime[0]);
        for outage in &outcome.outages {
            self.outage_durations.add(outage.duration);
            self.outage_quantiles.add(outage.duration);
        }
    }

    /// Number of years added.
    pub fn years(&self) -> u64 {
        self.downtime[0].count()
    }

    /// The summary figures (SPEC section 4).
    pub fn summary(&self, meta: RunMeta, service_names: &[String]) -> Summary {
        let years = self.years();
        let [p50, p90, p99] = self.yearly_downtime.quantiles_secs([0.5, 0.9, 0.99]);
        let [r50, r90, r99] = self.outage_quantiles.quantiles_secs([0.5, 0.9, 0.99]);
        let services = service_names
            .iter()
            .zip(&self.downtime[1..])
            .map(|(name, moments)| {
                (
                    name.clone(),
                    ServiceSummary {
                        availability: availability(moments, self.horizon),
                    },
                )
            })
            .collect();
        Summary {
            model: meta.model,
            seed: meta.seed,
            years,
            horizon_s: self.horizon.as_secs_f64(),
            availability: availability(&self.downtime[0], self.horizon),
            downtime_per_year_s: DowntimeSummary {
                mean: self.downtime[0].mean_secs(),
                p50,
                p90,
                p99,
            },
            outages_per_year: OutagesSummary {
                mean: if years == 0 {
                    0.0
                } else {
                    self.outage_durations.count() as f64 / years as f64
                },
            },
            rto_s: RtoSummary {
                count: self.outage_durations.count(),
                mean: self.outage_durations.mean_secs(),
                p50: r50,
                p90: r90,
                p99: r99,
                max: self.outage_quantiles.max_secs(),
            },
            services,
        }
    }
}

/// Availability figures from the moments of yearly downtime.
fn availability(downtime: &Moments, horizon: Duration) -> Availability {
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
    (availability < 1.0).then(|| -(1.0 - availability).log10())
}

/// What the summary says about the run itself.
#[derive(Clone, Debug)]
pub struct RunMeta {
    /// The model's name.
    pub model: String,
    /// The master seed.
    pub seed: u64,
}

/// The figures of one run: `summary.json` and the `--json` output (SPEC section 4).
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Summary {
    /// The model's name.
    pub model: String,
    /// The master seed.
    pub seed: u64,
    /// Simulated years.
    pub years: u64,
    /// Length of one year, in seconds.
    pub horizon_s: f64,
    /// Mean availability over years, with its 95% CI.
    pub availability: Availability,
    /// Downtime per year, in seconds.
    pub downtime_per_year_s: DowntimeSummary,
    /// Outages per year.
    pub outages_per_year: OutagesSummary,
    /// Outage durations over all years, in seconds.
    pub rto_s: RtoSummary,
    /// Each service's availability, by name.
    pub services: BTreeMap<String, ServiceSummary>,
}

/// Mean availability over years.
#[derive(Clone, Copy, Debug, Serialize, PartialEq)]
pub struct Availability {
    /// Mean over years of 1 − downtime / horizon.
    pub mean: f64,
    /// 95% Student-t confidence interval of the mean across years, clamped to [0, 1].
    pub ci95: [f64; 2],
    /// −log10(1 − mean); null when there was no downtime.
    pub nines: Option<f64>,
}

/// Downtime per year.
#[derive(Clone, Copy, Debug, Serialize, PartialEq)]
pub struct DowntimeSummary {
    /// Mean seconds per year.
    pub mean: f64,
    /// Median year.
    pub p50: f64,
    /// 90th percentile year.
    pub p90: f64,
    /// 99th percentile year.
    pub p99: f64,
}

/// Outages per year.
#[derive(Clone, Copy, Debug, Serialize, PartialEq)]
pub struct OutagesSummary {
    /// Mean number per year.
    pub mean: f64,
}

/// Outage durations.
#[derive(Clone, Copy, Debug, Serialize, PartialEq)]
pub struct RtoSummary {
    /// Number of outages over all years.
    pub count: u64,
    /// Mean duration.
    pub mean: f64,
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Longest.
    pub max: f64,
}

/// One service's figures.
#[derive(Clone, Copy, Debug, Serialize, PartialEq)]
pub struct ServiceSummary {
    /// The service's availability.
    pub availability: Availability,
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

    #[test]
    fn exact_quantiles_interpolate_like_numpy() {
        let mut quantiles = Quantiles::default();
        for secs in [4, 1, 3, 2] {
            quantiles.add(Duration::from_secs(secs));
        }
        // numpy.quantile([1,2,3,4], [0.5, 0.9]) == [2.5, 3.7]
        let found = quantiles.quantiles_secs([0.5, 0.9]);
        assert!((found[0] - 2.5).abs() < 1e-12 && (found[1] - 3.7).abs() < 1e-12);
        assert_eq!(quantiles.max_secs(), 4.0);
    }

    #[test]
    fn histogram_quantiles_stay_within_a_tenth_of_a_percent() {
        let mut quantiles = Quantiles::default();
        let n = Quantiles::EXACT_LIMIT as u64 * 3;
        // Values 1 ms .. n ms: the exact q-quantile is about q·n ms.
        for i in 1..=n {
            quantiles.add(Duration::from_micros(i * 1000));
        }
        assert_eq!(quantiles.count(), n);
        for (q, found) in [0.5, 0.9, 0.99]
            .iter()
            .zip(quantiles.quantiles_secs([0.5, 0.9, 0.99]))
        {
            let exact = (q * (n - 1) as f64 + 1.0) / 1e3;
            assert!(
                (found - exact).abs() <= 1e-3 * exact,
                "q {q}: {found} vs {exact}"
            );
        }
    }

    #[test]
    fn nines_of_typical_values() {
        assert!((nines(0.999).unwrap() - 3.0).abs() < 1e-9);
        assert_eq!(nines(1.0), None);
    }
}
