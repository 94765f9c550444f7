//! Percentiles of durations: exact values up to a bound, a histogram beyond.

use super::histogram::{self, Counts};
use super::intervals::quantile_ci95_ranks;
use crate::time::Duration;
use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

/// Percentiles of durations, exact up to [`Quantiles::EXACT_LIMIT`] values (interpolated
/// between order statistics) and from a histogram beyond (the order statistic of the rank,
/// within 0.1%, `docs/statistics.md`).
///
/// Which of the two holds the values depends on their number alone, never on how they came
/// in: a run and the [`Quantiles::merge`] of its consecutive parts hold the same values the
/// same way, so they give the same figures.
///
/// Past the exact values, each value is recorded into the counts of the histogram, which
/// become the histogram when first asked after a change (recording into the histogram
/// itself cost several times as much).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Quantiles {
    exact: Vec<u64>,
    #[serde(rename = "histogram", with = "histogram::optional_counts")]
    counts: Option<Counts>,
    max: u64,
    /// The histogram of `counts`, made when first asked (emptied by every change).
    #[serde(skip)]
    made: OnceLock<Option<Histogram<u64>>>,
}

impl Quantiles {
    /// Values kept exactly before switching to the histogram (512 KiB).
    pub const EXACT_LIMIT: usize = 1 << 16;

    /// Adds one value.
    pub fn add(&mut self, value: Duration) {
        let micros = value.as_micros();
        self.max = self.max.max(micros);
        if let Some(counts) = &mut self.counts {
            counts.record_n(micros, 1);
            self.made.take();
            return;
        }
        self.exact.push(micros);
        if self.exact.len() > Self::EXACT_LIMIT {
            self.switch_to_histogram();
        }
    }

    /// Adds every value `other` holds, as if they had been added one by one after these.
    pub fn merge(&mut self, mut other: Quantiles) {
        self.append(&mut other);
    }

    /// As [`Quantiles::merge`], leaving `other` empty with its buffer of exact values kept,
    /// so that the statistics of the next chunk of years grow without allocating.
    pub fn append(&mut self, other: &mut Quantiles) {
        self.max = self.max.max(std::mem::take(&mut other.max));
        self.made.take();
        other.made.take();
        match (&mut self.counts, other.counts.take()) {
            (Some(mine), Some(theirs)) => mine.add(&theirs),
            (Some(mine), None) => other.exact.iter().for_each(|v| mine.record_n(*v, 1)),
            (None, Some(mut theirs)) => {
                // Counts do not remember order, so recording ours into theirs is the same.
                self.exact.drain(..).for_each(|v| theirs.record_n(v, 1));
                self.exact = Vec::new();
                self.counts = Some(theirs);
            }
            (None, None) => {
                self.exact.extend_from_slice(&other.exact);
                if self.exact.len() > Self::EXACT_LIMIT {
                    self.switch_to_histogram();
                }
            }
        }
        other.exact.clear();
    }

    fn switch_to_histogram(&mut self) {
        // Three significant digits: a bucket is at most 1/1024 of its values wide, under
        // The promised 0.1%, in about 200 KiB for values up to a few hours (four digits took
        // over ten times as much). Buckets start at 1 µs, so a year without downtime stays 0.
        let mut counts = Counts::new(3);
        for value in self.exact.drain(..) {
            counts.record_n(value, 1);
        }
        self.exact = Vec::new();
        self.counts = Some(counts);
        self.made.take();
    }

    /// The histogram of the values past the exact ones (`None` while they are exact).
    fn histogram(&self) -> Option<&Histogram<u64>> {
        let counts = self.counts.as_ref()?;
        self.made.get_or_init(|| counts.histogram()).as_ref()
    }

    /// Whether the values are held the way [`Quantiles::add`] would hold that many (for a
    /// saved state read back).
    pub(super) fn is_consistent(&self) -> bool {
        match &self.counts {
            Some(counts) => self.exact.is_empty() && counts.total() > Self::EXACT_LIMIT as u64,
            None => {
                self.exact.len() <= Self::EXACT_LIMIT
                    && self.exact.iter().max().copied().unwrap_or(0) == self.max
            }
        }
    }

    /// Number of values.
    pub fn count(&self) -> u64 {
        match &self.counts {
            Some(counts) => counts.total(),
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
        match self.histogram() {
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
        if let Some(histogram) = self.histogram() {
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

    /// The `rank`-th smallest value (1-based, at most [`Quantiles::count`]), in seconds: exact
    /// with exact values, the upper edge of its bucket with the histogram.
    pub fn order_statistic_secs(&self, rank: u64) -> f64 {
        let micros = match self.histogram() {
            // (rank − ½)/n lands strictly inside the rank's share, so rounding cannot move
            // it to a neighbouring rank.
            Some(histogram) => histogram
                .value_at_quantile((rank as f64 - 0.5) / histogram.len() as f64)
                .min(self.max),
            // One value's place needs no sort: selecting it takes linear time, where sorting
            // the 65,536 values of a long run took most of a summary (twice per interval).
            None if self.exact.is_empty() => 0,
            None => {
                let mut values = self.exact.clone();
                let index = (rank.max(1) as usize - 1).min(values.len() - 1);
                *values.select_nth_unstable(index).1
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math;

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

    /// As `docs/statistics.md` promises: a percentile within 0.1% of the exact value, or
    /// 1 ms, whichever is larger.
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
        let value = |i: u64| math::powf(year_micros, i as f64 / (n - 1) as f64).round() as u64;
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

    /// Exact order statistics are the sorted values, rank by rank, ties and all.
    #[test]
    fn exact_order_statistics_are_the_sorted_values() {
        let mut quantiles = Quantiles::default();
        // A fixed scramble of 0..500 µs, each value twice.
        let values: Vec<u64> = (0..1000u64).map(|i| (i * 7919) % 500).collect();
        for micros in &values {
            quantiles.add(Duration::from_micros(*micros));
        }
        let mut sorted = values.clone();
        sorted.sort_unstable();
        for rank in 1..=1000u64 {
            let expected = Duration::from_micros(sorted[rank as usize - 1]).as_secs_f64();
            assert_eq!(
                quantiles.order_statistic_secs(rank),
                expected,
                "rank {rank}"
            );
        }
        assert_eq!(Quantiles::default().order_statistic_secs(1), 0.0);
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

    /// Everything a [`Quantiles`] answers, for comparing two of them.
    fn answers(quantiles: &Quantiles) -> String {
        let edges: Vec<Duration> = (0..50).map(|i| Duration::from_secs(i * 100)).collect();
        let count = quantiles.count();
        format!(
            "{count} {:?} {} {:?} {:?} {:?} {}",
            quantiles.quantiles_secs([0.0, 0.5, 0.9, 0.99, 1.0]),
            quantiles.max_secs(),
            quantiles.quantile_ci95_secs(0.99),
            [1, count / 2, count].map(|rank| quantiles.order_statistic_secs(rank)),
            quantiles.bin_counts(&edges),
            serde_json::to_string(quantiles).unwrap(),
        )
    }

    #[test]
    fn merged_parts_answer_like_the_whole_across_the_switch() {
        let n = Quantiles::EXACT_LIMIT + 300;
        let value = |i: usize| Duration::from_micros((i as u64 * 7919 % 4999) * 1_000_003);
        let mut whole = Quantiles::default();
        (0..n).for_each(|i| whole.add(value(i)));
        let limit = Quantiles::EXACT_LIMIT;
        for split in [0, 1, 150, limit - 1, limit, limit + 1, n - 1, n] {
            let (mut first, mut second) = (Quantiles::default(), Quantiles::default());
            (0..split).for_each(|i| first.add(value(i)));
            (split..n).for_each(|i| second.add(value(i)));
            first.merge(second);
            assert_eq!(answers(&first), answers(&whole), "split at {split}");
        }
        // Two exact halves stay exact while their total does, and keep the order.
        let (mut first, mut second) = (Quantiles::default(), Quantiles::default());
        (0..100).for_each(|i| first.add(value(i)));
        (100..200).for_each(|i| second.add(value(i)));
        first.merge(second);
        let mut exact = Quantiles::default();
        (0..200).for_each(|i| exact.add(value(i)));
        assert!(first.counts.is_none());
        assert_eq!(answers(&first), answers(&exact));
    }

    /// The histogram made for a question is made again after values are added or merged.
    #[test]
    fn answers_follow_values_added_after_a_question() {
        let n = Quantiles::EXACT_LIMIT as u64 + 100;
        let value = |i: u64| Duration::from_micros(i * 7919 % 1_000_003);
        let (mut asked, mut whole) = (Quantiles::default(), Quantiles::default());
        (0..n).for_each(|i| asked.add(value(i)));
        let before = answers(&asked);
        (n..n + 500).for_each(|i| asked.add(value(i)));
        let mut later = Quantiles::default();
        (n + 500..n + 900).for_each(|i| later.add(value(i)));
        answers(&later);
        asked.merge(later);
        (0..n + 900).for_each(|i| whole.add(value(i)));
        assert_ne!(answers(&asked), before);
        assert_eq!(answers(&asked), answers(&whole));
    }

    #[test]
    fn saved_quantiles_read_back_to_the_same_answers() {
        for n in [0, 5, Quantiles::EXACT_LIMIT + 10] {
            let mut quantiles = Quantiles::default();
            (0..n as u64).for_each(|i| quantiles.add(Duration::from_micros(i * i % 100_003)));
            let saved = serde_json::to_string(&quantiles).unwrap();
            let read: Quantiles = serde_json::from_str(&saved).unwrap();
            assert!(read.is_consistent());
            assert_eq!(answers(&read), answers(&quantiles), "{n} values");
        }
    }
}
