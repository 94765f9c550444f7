//! HDR histograms of microseconds: recording that grows the range, their counts recorded
//! and merged apart (cheaper than the histogram's own recording), and a saved form that
//! reads back to the same counts.

use hdrhistogram::Histogram;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Records `value`, growing the histogram as needed (its `saturating_record` would clamp
/// to the current range instead of growing).
pub(crate) fn record(histogram: &mut Histogram<u64>, value: u64) {
    if histogram.record(value).is_err() {
        histogram.saturating_record(value);
    }
}

/// The counts of an HDR histogram of `digits` significant digits, bucket by bucket in its
/// own layout, recorded without the rest of its bookkeeping (range, extremes and total):
/// recording is an index and an add, where `Histogram::record` costs several times that.
/// [`Counts::histogram`] records each bucket's count at a value of the bucket, so the
/// histogram has exactly these counts, and its counts, percentiles and saved form are those
/// of one that recorded every value (its `max` is its top bucket's lowest value).
#[derive(Clone, Debug)]
pub(crate) struct Counts {
    digits: u8,
    /// log2 of half the sub-buckets of a bucket (2^7 of 256 for two digits).
    half_magnitude: u32,
    counts: Vec<u64>,
}

impl Counts {
    /// No values yet, at `digits` significant digits (as `Histogram::new(digits)`).
    pub(crate) fn new(digits: u8) -> Counts {
        // The smallest power of two holding 2·10^digits sub-buckets, as the histogram's.
        let sub_buckets = (2 * 10u64.pow(u32::from(digits))).next_power_of_two();
        Counts {
            digits,
            half_magnitude: sub_buckets.trailing_zeros() - 1,
            counts: Vec::new(),
        }
    }

    /// The histogram's index of `value`: values below the sub-bucket count are their own
    /// index; each bucket above covers the next power of two, in half as many sub-buckets.
    fn index(&self, value: u64) -> usize {
        let magnitude = self.half_magnitude + 1;
        let bucket = (64 - magnitude) - (value | ((1 << magnitude) - 1)).leading_zeros();
        let sub_bucket = value >> bucket;
        (((u64::from(bucket) + 1) << self.half_magnitude) + sub_bucket - (1 << self.half_magnitude))
            as usize
    }

    /// The lowest value of the bucket at `index` (the inverse of [`Counts::index`]).
    fn value_at(&self, index: usize) -> u64 {
        let half = 1u64 << self.half_magnitude;
        let sub_bucket = index as u64 & (half - 1);
        match (index >> self.half_magnitude) as u32 {
            0 => sub_bucket,
            above => (sub_bucket + half) << (above - 1),
        }
    }

    /// Records `value` `n` times.
    #[inline]
    pub(crate) fn record_n(&mut self, value: u64, n: u64) {
        let index = self.index(value);
        match self.counts.get_mut(index) {
            Some(count) => *count = count.saturating_add(n),
            None => self.grow_to_record(index, n),
        }
    }

    /// Records `n` at `index`, past the buckets so far (rarely: the buckets double the
    /// range they cover each time).
    #[cold]
    fn grow_to_record(&mut self, index: usize, n: u64) {
        self.counts.resize(index + 1, 0);
        self.counts[index] = n;
    }

    /// Adds the counts of `other`: bucket by bucket for the same digits; otherwise (saved
    /// statistics edited by hand, say) each of its buckets recorded at its value, as a
    /// histogram adds one of other digits.
    pub(crate) fn add(&mut self, other: &Counts) {
        if other.digits != self.digits {
            for (index, count) in other.counts.iter().enumerate().filter(|(_, c)| **c > 0) {
                self.record_n(other.value_at(index), *count);
            }
            return;
        }
        if other.counts.len() > self.counts.len() {
            self.counts.resize(other.counts.len(), 0);
        }
        for (mine, theirs) in self.counts.iter_mut().zip(&other.counts) {
            *mine = mine.saturating_add(*theirs);
        }
    }

    /// How many values were recorded: the histogram's `len`, without making it.
    pub(crate) fn total(&self) -> u64 {
        self.counts
            .iter()
            .fold(0, |sum: u64, count| sum.saturating_add(*count))
    }

    /// The histogram of these counts (`None` only if it cannot be made, which the digits
    /// the statistics use never are).
    pub(crate) fn histogram(&self) -> Option<Histogram<u64>> {
        let mut histogram = Histogram::new(self.digits).ok()?;
        for (index, count) in self.counts.iter().enumerate().filter(|(_, c)| **c > 0) {
            let value = self.value_at(index);
            if histogram.record_n(value, *count).is_err() {
                histogram.saturating_record_n(value, *count);
            }
        }
        Some(histogram)
    }

    /// The counts of `histogram`.
    pub(crate) fn of(histogram: &Histogram<u64>) -> Counts {
        let mut counts = Counts::new(histogram.sigfig());
        for value in histogram.iter_recorded() {
            counts.record_n(value.value_iterated_to(), value.count_at_value());
        }
        counts
    }
}

/// A histogram as saved: its precision and, bucket by bucket in increasing order, a value
/// of the bucket (its highest) and how many values fell in it.
#[derive(Serialize, Deserialize)]
struct Saved {
    digits: u8,
    counts: Vec<[u64; 2]>,
}

/// Serde functions for an optional histogram (`#[serde(with = "...")]`), writing
/// [`Saved`]; reading it back gives a histogram with exactly the same counts.
pub(crate) mod optional {
    use super::*;

    /// Writes `histogram` (null for none).
    pub(crate) fn serialize<S: Serializer>(
        histogram: &Option<Histogram<u64>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        histogram
            .as_ref()
            .map(|histogram| Saved {
                digits: histogram.sigfig(),
                counts: histogram
                    .iter_recorded()
                    .map(|value| [value.value_iterated_to(), value.count_at_value()])
                    .collect(),
            })
            .serialize(serializer)
    }

    /// Reads what [`serialize`] wrote.
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Histogram<u64>>, D::Error> {
        let Some(saved) = Option::<Saved>::deserialize(deserializer)? else {
            return Ok(None);
        };
        let mut histogram = Histogram::new(saved.digits).map_err(serde::de::Error::custom)?;
        for [value, count] in saved.counts {
            histogram
                .record_n(value, count)
                .map_err(serde::de::Error::custom)?;
        }
        Ok(Some(histogram))
    }
}

/// Serde functions for optional [`Counts`] (`#[serde(with = "...")]`), saved as their
/// histogram is by [`optional`].
pub(crate) mod optional_counts {
    use super::*;

    /// Writes the histogram of `counts` (null for none).
    pub(crate) fn serialize<S: Serializer>(
        counts: &Option<Counts>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        optional::serialize(&counts.as_ref().and_then(Counts::histogram), serializer)
    }

    /// Reads what [`serialize`] wrote.
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Counts>, D::Error> {
        Ok(optional::deserialize(deserializer)?.map(|histogram| Counts::of(&histogram)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The saved form of a histogram: its digits and every bucket's value and count.
    fn saved(histogram: &Histogram<u64>) -> String {
        let mut out = Vec::new();
        let mut serializer = serde_json::Serializer::new(&mut out);
        optional::serialize(&Some(histogram.clone()), &mut serializer).unwrap();
        String::from_utf8(out).unwrap()
    }

    /// Values of every magnitude, each bucket's edges among them, in a fixed scramble.
    fn values() -> Vec<u64> {
        let mut values: Vec<u64> = (0..3000).collect();
        for shift in 0..64 {
            let power = 1u64 << shift;
            values.extend([
                power - 1,
                power,
                power + 1,
                power | (power >> 1),
                power + 999,
            ]);
        }
        let mut x: u64 = 7;
        for _ in 0..3000 {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            values.push(x >> (x % 61));
        }
        values.push(u64::MAX);
        values
    }

    #[test]
    fn counts_give_the_histogram_of_recording_each_value() {
        for digits in [2, 3] {
            let mut histogram = Histogram::new(digits).unwrap();
            let mut counts = Counts::new(digits);
            for (i, value) in values().into_iter().enumerate() {
                record(&mut histogram, value);
                counts.record_n(value, 1);
                if i % 1000 == 0 {
                    assert_eq!(saved(&counts.histogram().unwrap()), saved(&histogram));
                }
            }
            let made = counts.histogram().unwrap();
            assert_eq!(saved(&made), saved(&histogram), "{digits} digits");
            assert_eq!(made.len(), histogram.len());
            for q in [0.0, 0.01, 0.5, 0.99, 1.0] {
                assert_eq!(made.value_at_quantile(q), histogram.value_at_quantile(q));
            }
            assert_eq!(
                saved(&Counts::of(&histogram).histogram().unwrap()),
                saved(&histogram)
            );
        }
    }

    #[test]
    fn added_counts_are_the_values_recorded_together() {
        let values = values();
        let (first, second) = values.split_at(values.len() / 3);
        let mut all = Counts::new(2);
        values.iter().for_each(|v| all.record_n(*v, 1));
        let (mut mine, mut theirs) = (Counts::new(2), Counts::new(2));
        first.iter().for_each(|v| mine.record_n(*v, 1));
        second.iter().for_each(|v| theirs.record_n(*v, 1));
        mine.add(&theirs);
        assert_eq!(
            saved(&mine.histogram().unwrap()),
            saved(&all.histogram().unwrap())
        );
        assert_eq!(mine.total(), values.len() as u64);
        assert_eq!(mine.total(), mine.histogram().unwrap().len());
    }

    /// Counts of other digits (a saved file edited by hand) add as a histogram adds them:
    /// each bucket recorded at its value, not bucket by bucket.
    #[test]
    fn counts_of_other_digits_add_by_value() {
        let values = values();
        let (mut mine, mut theirs) = (Counts::new(2), Counts::new(3));
        values.iter().for_each(|v| theirs.record_n(*v, 1));
        mine.add(&theirs);
        let mut histogram = Histogram::<u64>::new(2).unwrap();
        histogram.add(theirs.histogram().unwrap()).unwrap();
        assert_eq!(saved(&mine.histogram().unwrap()), saved(&histogram));
    }
}
