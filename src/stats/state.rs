//! The saved state of an [`Accumulator`]: everything a later merge needs, with the identity
//! of the run it came from, as versioned JSON (`accumulator.json` beside `summary.json`).

use super::accumulator::Accumulator;
use super::estimators::Moments;
use super::quantiles::Quantiles;
use crate::measure::{DowntimeStats, Measure, MeasureStats, OutageStats, Shipped};
use crate::stats::causes::Causes;
use crate::time::Duration;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt::Write;
use std::ops::Range;

/// Which run a state belongs to: only states of the same model, seed and horizon merge
/// into one run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunIdentity {
    /// The model's name.
    pub model: String,
    /// The SHA-256 of the model file, in lowercase hex.
    pub model_sha256: String,
    /// The master seed.
    pub seed: u64,
}

/// The SHA-256 of `bytes` in lowercase hex, as `sha256sum` prints it: how a saved state
/// (and the report) names the model file it came from.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .fold(String::new(), |mut hex, byte| {
            let _ = write!(hex, "{byte:02x}");
            hex
        })
}

/// An [`Accumulator`] as saved ([`Accumulator::to_state`]), readable by later versions only
/// when [`AccumulatorState::VERSION`] is unchanged; `S` is the further measures' statistics.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AccumulatorState<S = <Shipped as Measure>::Stats> {
    /// The state format's version, [`AccumulatorState::VERSION`] when written.
    pub version: u32,
    /// The run the years belong to.
    pub identity: RunIdentity,
    /// The indices of the years accumulated.
    pub years: Range<u64>,
    /// Length of one year, in microseconds.
    pub horizon_us: u64,
    /// Per expression (`up`, then the services), in order.
    pub(super) expressions: Vec<ExpressionState>,
    /// The system's outages by cause.
    pub(super) causes: Causes,
    /// The statistics of the further measures, as they serialize themselves (a state
    /// without them reads as none yet).
    #[serde(default)]
    pub measures: S,
}

/// What is accumulated for one expression.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(super) struct ExpressionState {
    pub(super) downtime: Moments,
    pub(super) yearly_downtime: Quantiles,
    pub(super) outages: OutageStats,
    pub(super) miss_threshold_us: Option<u64>,
    pub(super) misses: u64,
}

/// Why a saved state cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// Not JSON of a state at all.
    #[error("not an accumulator state: {0}")]
    Json(#[from] serde_json::Error),
    /// Written by a version with another state format.
    #[error("accumulator state version {found}, this version reads {expected}")]
    Version {
        /// The state's version.
        found: u32,
        /// [`AccumulatorState::VERSION`].
        expected: u32,
    },
    /// Its parts do not fit together (edited, or damaged).
    #[error("the accumulator state is inconsistent: {0}")]
    Inconsistent(&'static str),
}

impl AccumulatorState {
    /// The state format's version; bumped whenever the format changes.
    pub const VERSION: u32 = 3;

    /// The file name a state is saved under, beside `summary.json`.
    pub const FILE_NAME: &'static str = "accumulator.json";

    /// Reads what [`AccumulatorState::to_json`] wrote for the shipped measures, refusing
    /// another version ([`AccumulatorState::parse`] for any measures).
    pub fn from_json(bytes: &[u8]) -> Result<AccumulatorState, StateError> {
        AccumulatorState::parse(bytes)
    }
}

impl<S: Serialize + DeserializeOwned + Default> AccumulatorState<S> {
    /// The state as compact JSON with a final newline.
    pub fn to_json(&self) -> Vec<u8> {
        let mut bytes = serde_json::to_vec(self).unwrap_or_default();
        bytes.push(b'\n');
        bytes
    }

    /// Reads what [`AccumulatorState::to_json`] wrote, refusing another version.
    pub fn parse(bytes: &[u8]) -> Result<AccumulatorState<S>, StateError> {
        /// The version alone, read first so another version is named as such.
        #[derive(Deserialize)]
        struct Versioned {
            version: u32,
        }
        let Versioned { version } = serde_json::from_slice(bytes)?;
        if version != AccumulatorState::VERSION {
            return Err(StateError::Version {
                found: version,
                expected: AccumulatorState::VERSION,
            });
        }
        Ok(serde_json::from_slice(bytes)?)
    }
}

impl Accumulator {
    /// [`Accumulator::restore`] for the shipped measures.
    pub fn from_state(state: AccumulatorState) -> Result<Accumulator, StateError> {
        Accumulator::restore(state)
    }
}

impl<M: Measure> Accumulator<M> {
    /// The saved state of these years, of the run `identity` names.
    pub fn to_state(&self, identity: RunIdentity) -> AccumulatorState<M::Stats> {
        let stats = &self.expressions;
        let expressions = (0..stats.downtime.len())
            .map(|e| ExpressionState {
                downtime: stats.downtime[e].clone(),
                yearly_downtime: stats.yearly_downtime[e].clone(),
                outages: stats.outages[e].clone(),
                miss_threshold_us: stats.miss_thresholds[e].map(|d| d.as_micros()),
                misses: stats.misses[e],
            })
            .collect();
        AccumulatorState {
            version: AccumulatorState::VERSION,
            identity,
            years: self.year_range(),
            horizon_us: self.horizon.as_micros(),
            expressions,
            causes: stats.causes.clone(),
            measures: self.measures.clone(),
        }
    }

    /// The accumulator a saved state describes: it answers, adds years and merges exactly
    /// like the one that was saved. Fails when the state's parts do not fit together.
    pub fn restore(state: AccumulatorState<M::Stats>) -> Result<Accumulator<M>, StateError> {
        check_consistent(&state)?;
        let years = state.years.end - state.years.start;
        if let Some(problem) = state.measures.inconsistency(years) {
            return Err(StateError::Inconsistent(problem));
        }
        let mut stats = DowntimeStats::new(0);
        for expression in state.expressions {
            stats.downtime.push(expression.downtime);
            stats.yearly_downtime.push(expression.yearly_downtime);
            stats.outages.push(expression.outages);
            let threshold = expression.miss_threshold_us.map(Duration::from_micros);
            stats.miss_thresholds.push(threshold);
            stats.misses.push(expression.misses);
        }
        stats.causes = state.causes;
        Ok(Accumulator {
            horizon: Duration::from_micros(state.horizon_us),
            first_year: state.years.start,
            expressions: stats,
            measures: state.measures,
        })
    }
}

/// Checks what [`Accumulator`] relies on: at least one expression, as many years in every
/// expression as the range holds, and moments and percentiles of the same values.
fn check_consistent<S>(state: &AccumulatorState<S>) -> Result<(), StateError> {
    if state.version != AccumulatorState::VERSION {
        return Err(StateError::Version {
            found: state.version,
            expected: AccumulatorState::VERSION,
        });
    }
    let years = state.years.end.checked_sub(state.years.start);
    let problem = if state.expressions.is_empty() {
        Some("no expressions")
    } else if state.expressions.iter().any(|e| {
        Some(e.downtime.count()) != years || e.yearly_downtime.count() != e.downtime.count()
    }) {
        Some("the years counted differ from the year range")
    } else if state
        .expressions
        .iter()
        .any(|e| e.outages.moments.count() != e.outages.quantiles.count())
    {
        Some("outage moments and percentiles count different outages")
    } else if state.expressions.iter().any(|e| {
        [&e.downtime, &e.outages.moments]
            .iter()
            .any(|m| m.centered_squares().is_none())
            || ![&e.yearly_downtime, &e.outages.quantiles]
                .iter()
                .all(|q| q.is_consistent())
    }) {
        Some("sums or percentiles that no values give")
    } else {
        None
    };
    problem.map_or(Ok(()), |problem| Err(StateError::Inconsistent(problem)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_of_known_input() {
        // sha256sum of the three bytes "abc" (FIPS 180-2, appendix B.1)
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
