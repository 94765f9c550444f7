//! HDR histograms of microseconds: recording that grows the range, merging, and a saved
//! form that reads back to the same counts.

use hdrhistogram::Histogram;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Records `value`, growing the histogram as needed (its `saturating_record` would clamp
/// to the current range instead of growing).
pub(crate) fn record(histogram: &mut Histogram<u64>, value: u64) {
    if histogram.record(value).is_err() {
        histogram.saturating_record(value);
    }
}

/// Adds the counts of `other` to `histogram`, growing it as [`record`] does. Queries of a
/// histogram depend only on its counts, so the result answers like one that recorded both
/// sets of values one by one.
pub(crate) fn add(histogram: &mut Histogram<u64>, other: &Histogram<u64>) {
    if histogram.add(other).is_err() {
        for value in other.iter_recorded() {
            histogram.saturating_record_n(value.value_iterated_to(), value.count_at_value());
        }
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
