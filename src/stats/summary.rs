//! The schema of `summary.json` (`docs/output-reference.md`), for writing a run's figures and for
//! reading a saved one back (`nines check --baseline`).

use crate::stats::causes::CauseSummary;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What the summary says about the run itself.
#[derive(Clone, Debug)]
pub struct RunMeta {
    /// The model's name.
    pub model: String,
    /// The master seed.
    pub seed: u64,
}

/// The figures of one run: `summary.json` and the `--json` output (`docs/output-reference.md`). Reading
/// ignores fields it does not know, so summaries of later versions still load.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
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
    /// The product contract does not require it, so a summary without it reads as no causes.
    #[serde(default)]
    pub causes: BTreeMap<String, CauseSummary>,
    /// What the model costs per 365-day year (its replicas' `cost` and nodes'
    /// `node_cost`); absent, and `None`, when the model gives no cost.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_per_year: Option<f64>,
    /// The sections of the measures beyond downtime and outages, by key, after the fields
    /// above (none unless the model has the tables that produce them; see
    /// [`crate::measure`]). Reading keeps any other field here too.
    #[serde(flatten)]
    pub measures: crate::measure::Sections,
}

/// Mean availability over years.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq)]
pub struct Availability {
    /// Mean over years of 1 − downtime / horizon.
    pub mean: f64,
    /// 95% Student-t confidence interval of the mean across years, clamped to [0, 1].
    pub ci95: [f64; 2],
    /// −log10(1 − mean); null when there was no downtime.
    pub nines: Option<f64>,
}

/// Downtime per year.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq)]
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
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq)]
pub struct OutagesSummary {
    /// Mean number per year.
    pub mean: f64,
}

/// Outage durations.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq)]
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
    /// [`super::Quantiles::quantile_ci95_secs`]); the upper end is null while there are too
    /// few outages to bound it.
    pub p99_ci95: [Option<f64>; 2],
}

/// One service's figures.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq)]
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
    fn every_committed_summary_reads_back_to_the_same_bytes() {
        let results = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("results");
        let mut read = 0;
        for entry in std::fs::read_dir(results).unwrap() {
            let path = entry.unwrap().path().join("summary.json");
            let bytes = std::fs::read(&path).unwrap();
            let summary: Summary = serde_json::from_slice(&bytes).unwrap();
            assert_eq!(crate::report::summary_json(&summary), bytes, "{path:?}");
            read += 1;
        }
        assert!(read >= 7, "only {read} summaries under results/");
    }
}
