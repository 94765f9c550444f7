//! Outage phases by cause: how long detection, election and repair took, for the
//! `causes` table of `summary.json`.
//!
//! Per cause and phase, an exact mean (integer microseconds) and a 99th percentile from an
//! HDR histogram with two significant digits (within 1%, a few tens of KiB each), so the
//! memory stays small however many causes and years there are.

use crate::engine::Outage;
use crate::time::Duration;
use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Mean, median and 99th percentile of one phase, in seconds.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq)]
pub struct PhaseFigures {
    /// Mean over the cause's outages.
    pub mean: f64,
    /// Median over the cause's outages (within 1%); 0 in summaries written before it was.
    #[serde(default)]
    pub p50: f64,
    /// 99th percentile over the cause's outages (within 1%).
    pub p99: f64,
}

/// One cause's outages: how many, the downtime they made, and their phases.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct CauseSummary {
    /// Outages with this cause, over all years.
    pub count: u64,
    /// Mean downtime per year (horizon) from this cause's outages, in seconds; 0 in
    /// summaries written before it was.
    #[serde(default)]
    pub downtime_per_year_s: f64,
    /// This cause's part of all the system's downtime, in [0, 1] (the causes' shares add
    /// up to 1); 0 in summaries written before it was.
    #[serde(default)]
    pub share: f64,
    /// Whole outage durations.
    pub duration_s: PhaseFigures,
    /// Waiting for the failure to be noticed.
    pub detect_s: PhaseFigures,
    /// Waiting for a leader.
    pub elect_s: PhaseFigures,
    /// Waiting for replicas to serve again.
    pub repair_s: PhaseFigures,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct Phase {
    total: u128,
    #[serde(with = "crate::stats::histogram::optional")]
    histogram: Option<Histogram<u64>>,
}

impl Phase {
    fn new() -> Phase {
        Phase {
            total: 0,
            histogram: Histogram::new(2).ok(),
        }
    }

    fn add(&mut self, value: Duration) {
        self.total += u128::from(value.as_micros());
        if let Some(histogram) = &mut self.histogram
            && histogram.record(value.as_micros()).is_err()
        {
            histogram.saturating_record(value.as_micros());
        }
    }

    fn merge(&mut self, other: Phase) {
        self.total += other.total;
        match (&mut self.histogram, other.histogram) {
            (Some(mine), Some(theirs)) => crate::stats::histogram::add(mine, &theirs),
            (None, theirs) => self.histogram = theirs,
            (Some(_), None) => {}
        }
    }

    fn figures(&self, count: u64) -> PhaseFigures {
        let quantile = |q| {
            self.histogram
                .as_ref()
                .map_or(0, |h| h.value_at_quantile(q))
        };
        PhaseFigures {
            mean: if count == 0 {
                0.0
            } else {
                self.total as f64 / count as f64 / 1e6
            },
            p50: Duration::from_micros(quantile(0.5)).as_secs_f64(),
            p99: Duration::from_micros(quantile(0.99)).as_secs_f64(),
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct Cause {
    count: u64,
    phases: [Phase; 4],
}

impl Cause {
    fn merge(&mut self, other: Cause) {
        self.count += other.count;
        for (mine, theirs) in self.phases.iter_mut().zip(other.phases) {
            mine.merge(theirs);
        }
    }
}

/// The phases of the system's outages, accumulated per cause (saved as part of an
/// accumulator's state).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Causes {
    names: Vec<Vec<String>>,
    causes: Vec<Vec<Option<Cause>>>,
}

impl Causes {
    /// No outages yet, for components whose causes are named `names[component][cause]`.
    pub fn new(names: Vec<Vec<String>>) -> Causes {
        let causes = names.iter().map(|c| vec![None; c.len()]).collect();
        Causes { names, causes }
    }

    /// Adds one outage.
    pub fn add(&mut self, outage: &Outage) {
        let Some(slot) = self
            .causes
            .get_mut(outage.component as usize)
            .and_then(|c| c.get_mut(outage.mode as usize))
        else {
            return;
        };
        let cause = slot.get_or_insert_with(|| Cause {
            count: 0,
            phases: std::array::from_fn(|_| Phase::new()),
        });
        cause.count += 1;
        let p = outage.phases;
        for (phase, value) in
            cause
                .phases
                .iter_mut()
                .zip([outage.duration, p.detect, p.elect, p.repair])
        {
            phase.add(value);
        }
    }

    /// Whether `other` accumulates the same causes, so the two can merge.
    pub fn same_causes(&self, other: &Causes) -> bool {
        self.names == other.names
    }

    /// Adds the outages `other` accumulated (of the same causes, see
    /// [`Causes::same_causes`]), as if they had been added one by one.
    pub fn merge(&mut self, other: Causes) {
        let slots = self.causes.iter_mut().flatten();
        for (mine, theirs) in slots.zip(other.causes.into_iter().flatten()) {
            match (mine, theirs) {
                (Some(mine), Some(theirs)) => mine.merge(theirs),
                (mine @ None, theirs) => *mine = theirs,
                (Some(_), None) => {}
            }
        }
    }

    /// Every cause that had outages, by name, over `years` years.
    pub fn summary(&self, years: u64) -> BTreeMap<String, CauseSummary> {
        // The whole outage durations, in exact integer microseconds, of each cause and of all.
        let downtime = |cause: &Cause| cause.phases[0].total;
        let all: u128 = self.causes.iter().flatten().flatten().map(downtime).sum();
        let ratio = |part: u128, whole: u128| {
            if whole == 0 {
                0.0
            } else {
                part as f64 / whole as f64
            }
        };
        self.causes
            .iter()
            .zip(&self.names)
            .flat_map(|(causes, names)| causes.iter().zip(names))
            .filter_map(|(cause, name)| {
                let cause = cause.as_ref()?;
                let [duration, detect, elect, repair] =
                    cause.phases.each_ref().map(|p| p.figures(cause.count));
                Some((
                    name.clone(),
                    CauseSummary {
                        count: cause.count,
                        downtime_per_year_s: ratio(downtime(cause), u128::from(years)) / 1e6,
                        share: ratio(downtime(cause), all),
                        duration_s: duration,
                        detect_s: detect,
                        elect_s: elect,
                        repair_s: repair,
                    },
                ))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Phases;

    #[test]
    fn phases_are_summed_per_cause() {
        let mut causes = Causes::new(vec![vec!["db/crash".into(), "db/node".into()]]);
        let s = Duration::from_secs;
        for (detect, elect, repair) in [(1, 2, 3), (3, 2, 1)] {
            causes.add(&Outage {
                start: s(0),
                duration: s(detect + elect + repair),
                component: 0,
                mode: 1,
                phases: Phases {
                    detect: s(detect),
                    elect: s(elect),
                    repair: s(repair),
                },
            });
        }
        let summary = causes.summary(4);
        assert_eq!(summary.len(), 1);
        let node = &summary["db/node"];
        assert_eq!(node.count, 2);
        assert_eq!((node.downtime_per_year_s, node.share), (3.0, 1.0));
        assert_eq!(
            (
                node.detect_s.mean,
                node.elect_s.mean,
                node.repair_s.mean,
                node.duration_s.mean
            ),
            (2.0, 2.0, 2.0, 6.0)
        );
        assert!((node.detect_s.p99 - 3.0).abs() <= 0.03);
    }

    #[test]
    fn downtime_is_shared_between_causes_by_their_total_durations() {
        let mut causes = Causes::new(vec![vec!["a/crash".into()], vec!["b/crash".into()]]);
        for (component, secs) in [(0, 30), (1, 10), (0, 20)] {
            let duration = Duration::from_secs(secs);
            causes.add(&Outage {
                start: Duration::ZERO,
                duration,
                component,
                mode: 0,
                phases: Phases {
                    detect: Duration::ZERO,
                    elect: Duration::ZERO,
                    repair: duration,
                },
            });
        }
        let summary = causes.summary(5);
        assert_eq!(
            (
                summary["a/crash"].downtime_per_year_s,
                summary["a/crash"].share
            ),
            (10.0, 5.0 / 6.0)
        );
        assert_eq!(
            (
                summary["b/crash"].downtime_per_year_s,
                summary["b/crash"].share
            ),
            (2.0, 1.0 / 6.0)
        );
        assert!((summary["a/crash"].duration_s.p50 - 20.0).abs() <= 0.2);
    }
}
