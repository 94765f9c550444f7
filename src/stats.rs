//! Statistics over simulated years: moments, confidence intervals and percentiles.
//!
//! Everything here is fed in year order by one thread, so results are bit-identical
//! whatever the thread count. Memory does not grow with the number of years: moments are
//! running sums, and percentiles switch from exact values to a histogram past a bound.

use crate::engine::YearOutcome;
use crate::phases::{CauseSummary, Causes};
use crate::plan::Plan;
use crate::time::Duration;
use hdrhistogram::Histogram;
use serde::Serialize;
use statrs::distribution::{Binomial, ContinuousCDF, DiscreteCDF, StudentsT};
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
        student_t_half_width(self.variance(), self.count)
    }
}

/// Half-width of the 95% Student-t confidence interval of a mean of `count` values with
/// sample variance `variance`; `None` with fewer than two values.
fn student_t_half_width(variance: f64, count: u64) -> Option<f64> {
    if count < 2 {
        return None;
    }
    let t = StudentsT::new(0.0, 1.0, (count - 1) as f64)
        .map(|dist| dist.inverse_cdf(0.975))
        .unwrap_or(Z_95);
    Some(t * (variance / count as f64).sqrt())
}

/// Running mean and variance of per-year paired differences (Welford's update), for the
/// paired-t confidence interval of a difference between two variants run on common random
/// numbers (Law, *Simulation Modeling and Analysis*, 5th ed., sections 10.2.1 and 11.2).
/// Fed in year order, so the result is bit-identical whatever the thread count; equal
/// values give exactly zero.
#[derive(Clone, Debug, Default)]
pub struct Differences {
    count: u64,
    mean: f64,
    m2: f64,
}

impl Differences {
    /// Adds one year's difference.
    pub fn add(&mut self, difference: f64) {
        self.count += 1;
        let delta = difference - self.mean;
        self.mean += delta / self.count as f64;
        self.m2 += delta * (difference - self.mean);
    }

    /// The mean difference, with its 95% Student-t confidence interval (`None` with fewer
    /// than two years).
    pub fn interval(&self) -> Interval {
        let variance = if self.count < 2 {
            0.0
        } else {
            (self.m2 / (self.count - 1) as f64).max(0.0)
        };
        Interval {
            mean: self.mean,
            ci95: student_t_half_width(variance, self.count)
                .map(|half| [self.mean - half, self.mean + half]),
        }
    }
}

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

/// Percentiles of durations, exact up to [`Quantiles::EXACT_LIMIT`] values (interpolated
/// between order statistics) and from a histogram beyond (the order statistic of the rank,
/// within 0.1%, SPEC §4).
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
        // Three significant digits: a bucket is at most 1/1024 of its values wide, under
        // SPEC §4's 0.1%, in about 200 KiB for values up to a few hours (four digits took
        // over ten times as much). Buckets start at 1 µs, so a year without downtime stays 0.
        let mut histogram = match Histogram::new(3) {
            Ok(histogram) => histogram,
            Err(_) => return, // unreachable for 3 digits; keep exact values instead
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

    /// How many values fall in each bin `[edges[i], edges[i + 1])` (the last bin also
    /// holds values equal to its upper edge); values outside every bin are not counted.
    /// With the histogram, each value counts at its bucket's representative value.
    pub fn bin_counts(&self, edges: &[Duration]) -> Vec<u64> {
        let mut counts = vec![0; edges.len().saturating_sub(1)];
        let bin_of = |micros: u64| -> Option<usize> {
            let (first, last) = (edges.first()?.as_micros(), edges.last()?.as_micros());
            if edges.len() < 2 || micros < first || micros > last {
                return None;
            }
            let above = edges.partition_point(|edge| edge.as_micros() <= micros);
            Some((above - 1).min(edges.len() - 2))
        };
        let mut count = |micros: u64, n: u64| {
            if let Some(bin) = bin_of(micros) {
                counts[bin] += n;
            }
        };
        match &self.histogram {
            Some(histogram) => {
                for value in histogram.iter_recorded() {
                    let micros = histogram.median_equivalent(value.value_iterated_to());
                    count(micros, value.count_at_value());
                }
            }
            None => self.exact.iter().for_each(|micros| count(*micros, 1)),
        }
        counts
    }

    /// The largest value, in seconds.
    pub fn max_secs(&self) -> f64 {
        Duration::from_micros(self.max).as_secs_f64()
    }

    /// The `q`-quantile in seconds, for each `q` in `qs`: with exact values, linear
    /// interpolation between order statistics (numpy's default); with the histogram, the
    /// upper edge of the bucket holding that rank. 0 with no values.
    pub fn quantiles_secs<const N: usize>(&self, qs: [f64; N]) -> [f64; N] {
        let found = self.quantiles_of(&qs);
        std::array::from_fn(|i| found[i])
    }

    /// As [`Quantiles::quantiles_secs`], for any number of quantiles (sorting once).
    pub fn quantiles_of(&self, qs: &[f64]) -> Vec<f64> {
        if let Some(histogram) = &self.histogram {
            return qs
                .iter()
                .map(|q| {
                    let micros = histogram.value_at_quantile(*q).min(self.max);
                    Duration::from_micros(micros).as_secs_f64()
                })
                .collect();
        }
        let mut sorted = self.exact.clone();
        sorted.sort_unstable();
        qs.iter().map(|q| interpolate(&sorted, *q) / 1e6).collect()
    }
}

impl Quantiles {
    /// The `rank`-th smallest value (1-based, at most [`Quantiles::count`]), in seconds: exact
    /// with exact values, the upper edge of its bucket with the histogram.
    pub fn order_statistic_secs(&self, rank: u64) -> f64 {
        let micros = match &self.histogram {
            // (rank − ½)/n lands strictly inside the rank's share, so rounding cannot move
            // it to a neighbouring rank.
            Some(histogram) => histogram
                .value_at_quantile((rank as f64 - 0.5) / histogram.len() as f64)
                .min(self.max),
            None => {
                let mut sorted = self.exact.clone();
                sorted.sort_unstable();
                let index = (rank.max(1) as usize - 1).min(sorted.len().saturating_sub(1));
                sorted.get(index).copied().unwrap_or(0)
            }
        };
        Duration::from_micros(micros).as_secs_f64()
    }

    /// A distribution-free 95% confidence interval of the `q`-quantile, in seconds: the
    /// order statistics whose ranks [`quantile_ci95_ranks`] gives. Where there are too few
    /// values for a bound, the lower end is 0 (durations are not negative) and the upper
    /// end is `None`.
    pub fn quantile_ci95_secs(&self, q: f64) -> [Option<f64>; 2] {
        let (lower, upper) = quantile_ci95_ranks(self.count(), q);
        [
            Some(lower.map_or(0.0, |rank| self.order_statistic_secs(rank))),
            upper.map(|rank| self.order_statistic_secs(rank)),
        ]
    }
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
    let Ok(binomial) = Binomial::new(q.clamp(0.0, 1.0), n) else {
        return (None, None);
    };
    let lower = smallest_at_most_n(n, |k| binomial.cdf(k) > TAIL).filter(|l| *l >= 1);
    let upper = smallest_at_most_n(n, |k| binomial.cdf(k) >= 1.0 - TAIL)
        .map(|k| k + 1)
        .filter(|u| *u <= n);
    (lower, upper)
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
const Z_95: f64 = 1.959_963_984_540_054;

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

/// Outage durations of one expression: their moments and percentiles.
#[derive(Clone, Debug, Default)]
pub struct OutageStats {
    /// Count, mean and variance.
    pub moments: Moments,
    /// Percentiles.
    pub quantiles: Quantiles,
}

impl OutageStats {
    fn add(&mut self, duration: Duration) {
        self.moments.add(duration);
        self.quantiles.add(duration);
    }

    /// The summary of these outages, with the 95% CI of their 99th percentile.
    fn summary(&self) -> RtoSummary {
        let [p50, p90, p99] = self.quantiles.quantiles_secs([0.5, 0.9, 0.99]);
        RtoSummary {
            count: self.moments.count(),
            mean: self.moments.mean_secs(),
            p50,
            p90,
            p99,
            max: self.quantiles.max_secs(),
            p99_ci95: self.quantiles.quantile_ci95_secs(0.99),
        }
    }
}

/// Everything accumulated over the years of one run, fed in year order.
///
/// Per expression (`up`, then each service): the moments and percentiles of yearly downtime,
/// the moments and percentiles of outage durations, and the number of years whose downtime
/// exceeded a threshold (years below an availability target), when one is set.
#[derive(Clone, Debug)]
pub struct Accumulator {
    horizon: Duration,
    downtime: Vec<Moments>,
    yearly_downtime: Vec<Quantiles>,
    outages: Vec<OutageStats>,
    miss_thresholds: Vec<Option<Duration>>,
    misses: Vec<u64>,
    causes: Causes,
}

impl Accumulator {
    /// An empty accumulator for `plan`'s expressions and outage causes.
    pub fn for_plan(plan: &Plan) -> Accumulator {
        let mut accumulator = Accumulator::new(plan.horizon, plan.expressions.len());
        accumulator.causes =
            Causes::new(plan.components.iter().map(|c| c.causes.clone()).collect());
        accumulator
    }

    /// An empty accumulator for `expressions` expressions (`up`, then services).
    pub fn new(horizon: Duration, expressions: usize) -> Accumulator {
        Accumulator {
            horizon,
            downtime: vec![Moments::default(); expressions],
            yearly_downtime: vec![Quantiles::default(); expressions],
            outages: vec![OutageStats::default(); expressions],
            miss_thresholds: vec![None; expressions],
            misses: vec![0; expressions],
            causes: Causes::new(Vec::new()),
        }
    }

    /// Also counts, for each expression with a threshold, the years whose downtime
    /// exceeds it ([`Accumulator::misses`]).
    pub fn with_miss_thresholds(mut self, thresholds: Vec<Option<Duration>>) -> Accumulator {
        self.miss_thresholds = thresholds;
        self.miss_thresholds.resize(self.downtime.len(), None);
        self
    }

    /// Adds one year's outcome.
    pub fn add(&mut self, outcome: &YearOutcome) {
        for (expression, downtime) in outcome.downtime.iter().enumerate() {
            self.downtime[expression].add(*downtime);
            self.yearly_downtime[expression].add(*downtime);
            if self.miss_thresholds[expression].is_some_and(|allowed| *downtime > allowed) {
                self.misses[expression] += 1;
            }
        }
        for outage in &outcome.outages {
            self.outages[0].add(outage.duration);
            self.causes.add(outage);
        }
        for (stats, durations) in self.outages[1..].iter_mut().zip(&outcome.service_outages) {
            for duration in durations {
                stats.add(*duration);
            }
        }
    }

    /// Number of years added.
    pub fn years(&self) -> u64 {
        self.downtime[0].count()
    }

    /// Length of one year.
    pub fn horizon(&self) -> Duration {
        self.horizon
    }

    /// Moments of `expression`'s downtime per year.
    pub fn downtime(&self, expression: usize) -> &Moments {
        &self.downtime[expression]
    }

    /// Percentiles of `expression`'s downtime per year.
    pub fn yearly_downtime(&self, expression: usize) -> &Quantiles {
        &self.yearly_downtime[expression]
    }

    /// `expression`'s outage durations.
    pub fn outages(&self, expression: usize) -> &OutageStats {
        &self.outages[expression]
    }

    /// Years in which `expression`'s downtime exceeded its miss threshold (0 without one).
    pub fn misses(&self, expression: usize) -> u64 {
        self.misses[expression]
    }

    /// The summary figures (SPEC section 4).
    pub fn summary(&self, meta: RunMeta, service_names: &[String]) -> Summary {
        let years = self.years();
        let [p50, p90, p99] = self.yearly_downtime[0].quantiles_secs([0.5, 0.9, 0.99]);
        let services = service_names
            .iter()
            .enumerate()
            .map(|(index, name)| {
                (
                    name.clone(),
                    ServiceSummary {
                        availability: availability(&self.downtime[index + 1], self.horizon),
                        rto_s: self.outages[index + 1].summary(),
                    },
                )
            })
            .collect();
        let outages = &self.outages[0];
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
                    outages.moments.count() as f64 / years as f64
                },
            },
            rto_s: outages.summary(),
            services,
            causes: self.causes.summary(),
        }
    }
}

/// What the plots need beyond the summary: outage durations by cause, and the year with
/// the most downtime (the earliest of equals), fed in year order.
#[derive(Clone, Debug)]
pub struct Breakdown {
    causes: Vec<Vec<Quantiles>>,
    worst: Option<(u64, Duration)>,
}

impl Breakdown {
    /// An empty breakdown for `causes[c]` outage causes of each component `c`.
    pub fn new(modes: impl IntoIterator<Item = usize>) -> Breakdown {
        Breakdown {
            causes: modes
                .into_iter()
                .map(|n| vec![Quantiles::default(); n])
                .collect(),
            worst: None,
        }
    }

    /// Adds one year's outcome.
    pub fn add(&mut self, outcome: &YearOutcome) {
        for outage in &outcome.outages {
            self.causes[outage.component as usize][outage.mode as usize].add(outage.duration);
        }
        let downtime = outcome.downtime[0];
        if self.worst.is_none_or(|(_, worst)| downtime > worst) {
            self.worst = Some((outcome.year, downtime));
        }
    }

    /// Outage durations of each cause (component index, mode index) that had outages,
    /// most outages first (model order among equals).
    pub fn by_cause(&self) -> Vec<(usize, usize, &Quantiles)> {
        let mut causes: Vec<(usize, usize, &Quantiles)> = self
            .causes
            .iter()
            .enumerate()
            .flat_map(|(c, modes)| modes.iter().enumerate().map(move |(m, q)| (c, m, q)))
            .filter(|(_, _, q)| q.count() > 0)
            .collect();
        causes.sort_by_key(|(_, _, q)| std::cmp::Reverse(q.count()));
        causes
    }

    /// The year with the most downtime and its downtime; `None` before any year.
    pub fn worst_year(&self) -> Option<(u64, Duration)> {
        self.worst
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

/// Three significant digits now live with the other formatting; this path stays for
/// existing callers.
pub use crate::report::format::significant;

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
    /// The system's outages by cause (`component/mode`, `component/node`,
    /// `component/session`): count, and mean and p99 of the duration and of each phase.
    pub causes: BTreeMap<String, CauseSummary>,
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
    /// Distribution-free 95% CI of the 99th percentile (see
    /// [`Quantiles::quantile_ci95_secs`]); the upper end is null while there are too few
    /// outages to bound it.
    pub p99_ci95: [Option<f64>; 2],
}

/// One service's figures.
#[derive(Clone, Copy, Debug, Serialize, PartialEq)]
pub struct ServiceSummary {
    /// The service's availability.
    pub availability: Availability,
    /// The durations of the service's own outages (maximal intervals in which its
    /// expression is false), like the system's `rto_s`.
    pub rto_s: RtoSummary,
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

    /// SPEC §4: a percentile within 0.1% of the exact value, or 1 ms, whichever is larger.
    fn spec_tolerance(exact_secs: f64) -> f64 {
        (1e-3 * exact_secs).max(1e-3)
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
                (found - exact).abs() <= spec_tolerance(exact),
                "q {q}: {found} vs {exact}"
            );
        }
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
    fn quantile_interval_brackets_the_estimate() {
        let mut quantiles = Quantiles::default();
        for i in 1..=1000u64 {
            quantiles.add(Duration::from_secs(i));
        }
        let [low, high] = quantiles.quantile_ci95_secs(0.9);
        let (l, u) = quantile_ci95_ranks(1000, 0.9);
        assert_eq!(low, Some(l.unwrap() as f64));
        assert_eq!(high, Some(u.unwrap() as f64));
        assert!(
            low.unwrap() < 900.0 && high.unwrap() > 901.0,
            "{low:?} {high:?}"
        );
    }

    #[test]
    fn histogram_order_statistics_stay_within_a_tenth_of_a_percent() {
        let mut quantiles = Quantiles::default();
        let n = Quantiles::EXACT_LIMIT as u64 * 2;
        for i in 1..=n {
            quantiles.add(Duration::from_micros(i * 1000));
        }
        for rank in [1, 1000, n / 2, n - 7, n] {
            let exact = rank as f64 / 1e3;
            let found = quantiles.order_statistic_secs(rank);
            assert!(
                (found - exact).abs() <= spec_tolerance(exact),
                "{rank}: {found} vs {exact}"
            );
        }
    }

    #[test]
    fn histogram_keeps_the_spec_precision_from_microseconds_to_a_year() {
        // Values spread geometrically from 1 µs to a year, shuffled by a fixed stride so
        // the switch to the histogram happens part-way through.
        let n = Quantiles::EXACT_LIMIT as u64 * 3;
        let year_micros: f64 = 365.0 * 86_400e6;
        let value = |i: u64| (year_micros.powf(i as f64 / (n - 1) as f64)).round() as u64;
        let mut quantiles = Quantiles::default();
        for i in 0..n {
            quantiles.add(Duration::from_micros(value(i * 7919 % n)));
        }
        for rank in [1, 2, 1000, n / 3, n / 2, n - 1, n] {
            let exact = value(rank - 1) as f64 / 1e6;
            let found = quantiles.order_statistic_secs(rank);
            assert!(
                (found - exact).abs() <= spec_tolerance(exact),
                "{rank}: {found} vs {exact}"
            );
        }
    }

    #[test]
    fn zeros_stay_zero_in_the_histogram() {
        let mut quantiles = Quantiles::default();
        for _ in 0..Quantiles::EXACT_LIMIT + 5000 {
            quantiles.add(Duration::ZERO);
        }
        for secs in [1, 2, 3] {
            quantiles.add(Duration::from_secs(secs));
        }
        assert_eq!(quantiles.quantiles_secs([0.5, 0.99]), [0.0, 0.0]);
        assert_eq!(quantiles.order_statistic_secs(1), 0.0);
        assert_eq!(quantiles.max_secs(), 3.0);
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

    #[test]
    fn misses_count_years_above_the_threshold() {
        let mut stats = Accumulator::new(Duration::from_secs(1000), 2)
            .with_miss_thresholds(vec![Some(Duration::from_secs(10)), None]);
        for secs in [0, 10, 11, 50] {
            stats.add(&YearOutcome {
                downtime: vec![Duration::from_secs(secs); 2],
                service_outages: vec![vec![Duration::from_secs(secs)]],
                ..YearOutcome::default()
            });
        }
        assert_eq!((stats.misses(0), stats.misses(1)), (2, 0));
        assert_eq!(stats.outages(1).moments.count(), 4);
    }

    #[test]
    fn bin_counts_of_exact_and_histogram_values() {
        let edges: Vec<Duration> = [0, 10, 20, 30].map(Duration::from_secs).to_vec();
        let mut quantiles = Quantiles::default();
        for secs in [0, 5, 10, 25, 30, 31] {
            quantiles.add(Duration::from_secs(secs));
        }
        assert_eq!(quantiles.bin_counts(&edges), [2, 1, 2]);
        let n = Quantiles::EXACT_LIMIT as u64 * 3;
        let mut many = Quantiles::default();
        for i in 0..n {
            many.add(Duration::from_micros(i * 300 / n * 100_000 + 50_000));
        }
        let counts = many.bin_counts(&edges);
        assert_eq!(counts.iter().sum::<u64>(), n);
        assert_eq!(counts, [n / 3; 3]);
    }

    #[test]
    fn differences_of_equal_values_are_exactly_zero() {
        let mut differences = Differences::default();
        for _ in 0..10 {
            differences.add(0.25 - 0.25);
        }
        assert_eq!(
            differences.interval(),
            Interval {
                mean: 0.0,
                ci95: Some([0.0, 0.0])
            }
        );
        let mut spread = Differences::default();
        for x in [1.0, 2.0, 3.0, 4.0, 10.0] {
            spread.add(x);
        }
        let interval = spread.interval();
        // The same figures as moments_match_direct_formulas.
        let half = 2.776_445_105_197_798_7 * (12.5f64 / 5.0).sqrt();
        assert!((interval.mean - 4.0).abs() < 1e-12);
        assert!((interval.width() - 2.0 * half).abs() < 1e-9);
    }

    #[test]
    fn nines_of_typical_values() {
        assert!((nines(0.999).unwrap() - 3.0).abs() < 1e-9);
        assert_eq!(nines(1.0), None);
    }
}
