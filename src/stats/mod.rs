//! Statistics over simulated years: moments, confidence intervals, percentiles, the
//! accumulator that gathers them, its saved state, and the `summary.json` schema.
//!
//! Everything here is fed in year order by one thread, so results are bit-identical
//! whatever the thread count. Memory does not grow with the number of years: moments are
//! exact integer sums, and percentiles switch from exact values to a histogram past a
//! bound. Because the sums are exact and the switch depends only on how many values there
//! are, the merge of consecutive runs gives the same bytes as one run of all their years.

mod accumulator;
pub mod causes;
mod estimators;
pub(crate) mod histogram;
mod intervals;
mod paired;
mod quantiles;
mod state;
mod summary;
mod wide;

#[cfg(test)]
mod merge_tests;

pub use crate::measure::OutageStats;
pub use accumulator::{Accumulator, Breakdown, MergeError};
pub use estimators::{Moments, availability, nines};
pub use intervals::{Interval, Z_95, quantile_ci95_ranks, wilson_ci95};
pub use paired::Differences;
pub use quantiles::Quantiles;
pub use state::{AccumulatorState, RunIdentity, StateError, sha256_hex};
pub use summary::{
    Availability, DowntimeSummary, OutagesSummary, RtoSummary, RunMeta, ServiceSummary, Summary,
};
