//! Outage phases by cause: how long detection, election and repair took, for the
//! `causes` table of `summary.json`.
//!
//! Per cause and phase, an exact mean (integer microseconds) and a 99th percentile from an
//! HDR histogram with two significant digits (within 1%, a few tens of KiB each), so the
//! memory stays small however many causes and years there are.

use crate::engine::Outage;
use crate::stats::histogram::{Counts, record};
use crate::time::Duration;
use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::collections::btree_map::Entry;
use std::sync::Arc;

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

/// One phase of a cause's outages: their total, and their values, exact while few and as
/// the counts of an HDR histogram beyond (tens of KiB, so the statistics of a chunk of
/// years, and of a cause with few outages, hold only the values).
#[derive(Clone, Debug)]
struct Phase {
    total: u128,
    /// How many of the values are zero, counted apart: a third of the phases of a level-2
    /// model's outages are (no detection, election or repair), and a count costs less than
    /// recording each. They join the other values wherever those are queried or saved.
    zeros: u64,
    /// The largest value, exactly: a percentile of the histogram is the top of its bucket,
    /// up to 1% above any value recorded, and is capped here so that no percentile exceeds
    /// the longest phase (and a phase that always lasts the same reads that value).
    max: u64,
    values: Values,
}

/// The values of a phase: which form holds them depends on their number alone. The
/// histogram's counts are boxed so that a phase is 48 bytes and a cause's hot fields (its
/// count and each phase's total, zeros and buffer) lie on four cache lines, not eleven.
#[derive(Clone, Debug)]
enum Values {
    Exact(Vec<u64>),
    Histogram(Box<Counts>),
}

impl Phase {
    /// Values kept exactly before switching to the histogram: 32 KiB, about the size of the
    /// histogram they become, and more than a chunk of years of a frequent cause holds.
    const EXACT_LIMIT: usize = 4096;

    /// Significant digits of the histogram: within 1%.
    const DIGITS: u8 = 2;

    fn new() -> Phase {
        Phase {
            total: 0,
            zeros: 0,
            max: 0,
            values: Values::Exact(Vec::new()),
        }
    }

    fn add(&mut self, value: Duration) {
        if value == Duration::ZERO {
            self.zeros += 1;
            return;
        }
        self.total += u128::from(value.as_micros());
        self.max = self.max.max(value.as_micros());
        match &mut self.values {
            Values::Exact(values) => {
                values.push(value.as_micros());
                if values.len() > Self::EXACT_LIMIT {
                    self.switch_to_histogram();
                }
            }
            Values::Histogram(counts) => counts.record_n(value.as_micros(), 1),
        }
    }

    /// Takes the values of `other`, the phase of later outages, leaving it empty with its
    /// buffer of exact values kept for the next chunk of years.
    fn append(&mut self, other: &mut Phase) {
        self.total += std::mem::take(&mut other.total);
        self.zeros += std::mem::take(&mut other.zeros);
        self.max = self.max.max(std::mem::take(&mut other.max));
        if let Values::Exact(theirs) = &mut other.values {
            match &mut self.values {
                Values::Histogram(mine) => theirs.iter().for_each(|v| mine.record_n(*v, 1)),
                Values::Exact(mine) => {
                    mine.extend_from_slice(theirs);
                    if mine.len() > Self::EXACT_LIMIT {
                        self.switch_to_histogram();
                    }
                }
            }
            theirs.clear();
            return;
        }
        let empty = Values::Exact(Vec::new());
        if let Values::Histogram(mut theirs) = std::mem::replace(&mut other.values, empty) {
            match &mut self.values {
                Values::Histogram(mine) => mine.add(&theirs),
                Values::Exact(mine) => {
                    // Counts do not remember order, so recording ours into theirs is the same.
                    mine.iter().for_each(|v| theirs.record_n(*v, 1));
                    self.values = Values::Histogram(theirs);
                }
            }
        }
    }

    fn switch_to_histogram(&mut self) {
        if let Values::Exact(values) = &self.values {
            let mut counts = Counts::new(Self::DIGITS);
            values.iter().for_each(|v| counts.record_n(*v, 1));
            // The histogram holds the zeros counted so far.
            counts.record_n(0, std::mem::take(&mut self.zeros));
            self.values = Values::Histogram(Box::new(counts));
        }
    }

    /// The values as a histogram of two significant digits (within 1%, growing with the
    /// values), the form a phase is saved and queried in (`None` only if the histogram
    /// cannot be made, which two digits never are).
    fn histogram(&self) -> Option<Histogram<u64>> {
        let mut histogram = match &self.values {
            Values::Histogram(counts) => counts.histogram()?,
            Values::Exact(values) => {
                let mut histogram = Histogram::new(Self::DIGITS).ok()?;
                values.iter().for_each(|v| record(&mut histogram, *v));
                histogram
            }
        };
        // Zero is in range of every histogram: the count is the one recording each gives.
        histogram.saturating_record_n(0, self.zeros);
        Some(histogram)
    }

    fn figures(&self, count: u64) -> PhaseFigures {
        let histogram = self.histogram();
        let quantile = |q| {
            histogram
                .as_ref()
                .map_or(0, |h| h.value_at_quantile(q).min(self.max))
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

#[derive(Clone, Debug)]
struct Cause {
    count: u64,
    phases: [Phase; 4],
}

impl Cause {
    fn new() -> Cause {
        Cause {
            count: 0,
            phases: std::array::from_fn(|_| Phase::new()),
        }
    }

    /// Takes the outages of `other`, leaving it with none (see [`Phase::append`]).
    fn append(&mut self, other: &mut Cause) {
        self.count += std::mem::take(&mut other.count);
        for (mine, theirs) in self.phases.iter_mut().zip(&mut other.phases) {
            mine.append(theirs);
        }
    }
}

/// The phases of the system's outages, accumulated per cause (saved as part of an
/// accumulator's state).
///
/// Only the causes that had outages hold statistics, and the names are shared between
/// clones, so the statistics of a chunk of years of a cluster with thousands of causes
/// cost what its outages do and 4 bytes a cause.
///
/// An outage finds its cause by index, not by search: with 100 copies of a model (2,900
/// causes, and every replica's outage the system's) a search of a sorted map was a few
/// hundred instructions and cache misses an outage.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(into = "Saved", from = "Saved")]
pub struct Causes {
    names: Arc<Vec<Vec<String>>>,
    /// Where each component's causes start among all causes (shared like the names).
    starts: Arc<Vec<usize>>,
    /// For each cause of every component, its place in `held`, or [`NOT_HELD`].
    places: Vec<u32>,
    /// The causes that had outages, by (component, cause), in the order they first did.
    held: Vec<((u32, u32), Cause)>,
}

/// The place of a cause that has no statistics.
const NOT_HELD: u32 = u32::MAX;

impl Causes {
    /// No outages yet, for components whose causes are named `names[component][cause]`.
    pub fn new(names: Vec<Vec<String>>) -> Causes {
        let starts: Vec<usize> = names
            .iter()
            .scan(0, |start, causes| {
                let this = *start;
                *start += causes.len();
                Some(this)
            })
            .collect();
        let count = names.iter().map(Vec::len).sum();
        Causes {
            names: Arc::new(names),
            starts: Arc::new(starts),
            places: vec![NOT_HELD; count],
            held: Vec::new(),
        }
    }

    /// The statistics of cause `key` (component, cause), empty ones if it had none;
    /// `None` for a cause that has no name.
    fn cause_mut(&mut self, key: (u32, u32)) -> Option<&mut Cause> {
        let (component, mode) = (key.0 as usize, key.1 as usize);
        let known = self.names.get(component).is_some_and(|c| mode < c.len());
        if !known {
            return None;
        }
        let place = &mut self.places[self.starts[component] + mode];
        if *place == NOT_HELD {
            debug_assert!(
                self.held.len() < NOT_HELD as usize,
                "more causes than places"
            );
            *place = self.held.len() as u32;
            self.held.push((key, Cause::new()));
        }
        Some(&mut self.held[*place as usize].1)
    }

    /// Adds one outage.
    pub fn add(&mut self, outage: &Outage) {
        let Some(cause) = self.cause_mut((outage.component, outage.mode)) else {
            return;
        };
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
        Arc::ptr_eq(&self.names, &other.names) || self.names == other.names
    }

    /// Adds the outages `other` accumulated (of the same causes, see
    /// [`Causes::same_causes`]), as if they had been added one by one, and leaves it with
    /// none. Its causes stay, empty, with their buffers, so that the statistics of the next
    /// chunk of years allocate only for causes this one had not seen.
    pub fn append(&mut self, other: &mut Causes) {
        // A cause this one does not name would be dropped: callers check first.
        debug_assert!(self.same_causes(other), "causes of another model");
        for (key, theirs) in &mut other.held {
            if theirs.count == 0 {
                continue;
            }
            if let Some(mine) = self.cause_mut(*key) {
                mine.append(theirs);
            }
        }
    }

    /// The causes that had outages, by (component, cause).
    fn sorted(&self) -> Vec<&((u32, u32), Cause)> {
        let mut held: Vec<_> = self.held.iter().collect();
        held.sort_unstable_by_key(|(key, _)| *key);
        held
    }

    /// Every cause that had outages, by name, over `years` years.
    pub fn summary(&self, years: u64) -> BTreeMap<String, CauseSummary> {
        // The whole outage durations, in exact integer microseconds, of each cause and of all.
        let downtime = |cause: &Cause| cause.phases[0].total;
        let all: u128 = self.held.iter().map(|(_, cause)| downtime(cause)).sum();
        let ratio = |part: u128, whole: u128| {
            if whole == 0 {
                0.0
            } else {
                part as f64 / whole as f64
            }
        };
        // Causes of one name (a node drain's, shared by every component) add up.
        let mut named: BTreeMap<&str, Cause> = BTreeMap::new();
        for ((component, mode), cause) in self.sorted() {
            match named.entry(&self.names[*component as usize][*mode as usize]) {
                Entry::Occupied(mut mine) => mine.get_mut().append(&mut cause.clone()),
                Entry::Vacant(slot) => {
                    slot.insert(cause.clone());
                }
            }
        }
        named
            .into_iter()
            .map(|(name, cause)| {
                let [duration, detect, elect, repair] =
                    cause.phases.each_ref().map(|p| p.figures(cause.count));
                (
                    name.to_string(),
                    CauseSummary {
                        count: cause.count,
                        downtime_per_year_s: ratio(downtime(&cause), u128::from(years)) / 1e6,
                        share: ratio(downtime(&cause), all),
                        duration_s: duration,
                        detect_s: detect,
                        elect_s: elect,
                        repair_s: repair,
                    },
                )
            })
            .collect()
    }
}

/// [`Causes`] as saved: every cause of every component in model order, `null` for those
/// without outages, each phase's total and histogram.
#[derive(Serialize, Deserialize)]
struct Saved {
    names: Vec<Vec<String>>,
    causes: Vec<Vec<Option<SavedCause>>>,
}

#[derive(Serialize, Deserialize)]
struct SavedCause {
    count: u64,
    phases: [SavedPhase; 4],
}

#[derive(Serialize, Deserialize)]
struct SavedPhase {
    total: u128,
    #[serde(with = "crate::stats::histogram::optional")]
    histogram: Option<Histogram<u64>>,
    /// The largest value; absent from states saved before it was, where the histogram's
    /// own largest value (the top of its bucket) stands in.
    #[serde(default)]
    max: Option<u64>,
}

impl From<Causes> for Saved {
    fn from(causes: Causes) -> Saved {
        let mut saved: Vec<Vec<Option<SavedCause>>> = causes
            .names
            .iter()
            .map(|names| names.iter().map(|_| None).collect())
            .collect();
        // A chunk's emptied causes (see [`Causes::append`]) have no outages either.
        let occurred = causes.held.into_iter().filter(|(_, cause)| cause.count > 0);
        for ((component, mode), cause) in occurred {
            saved[component as usize][mode as usize] = Some(SavedCause {
                count: cause.count,
                phases: cause.phases.map(|phase| SavedPhase {
                    total: phase.total,
                    histogram: phase.histogram(),
                    max: Some(phase.max),
                }),
            });
        }
        Saved {
            names: Arc::unwrap_or_clone(causes.names),
            causes: saved,
        }
    }
}

impl From<Saved> for Causes {
    fn from(saved: Saved) -> Causes {
        let mut causes = Causes::new(saved.names);
        for (component, row) in saved.causes.into_iter().enumerate() {
            for (mode, cause) in row.into_iter().enumerate() {
                let Some(cause) = cause else { continue };
                let phases = cause.phases.map(|phase| Phase {
                    total: phase.total,
                    zeros: 0,
                    max: phase
                        .max
                        .or_else(|| phase.histogram.as_ref().map(Histogram::max))
                        .unwrap_or(0),
                    values: match phase.histogram {
                        Some(histogram) => Values::Histogram(Box::new(Counts::of(&histogram))),
                        None => Values::Exact(Vec::new()),
                    },
                });
                let count = cause.count;
                if let Some(slot) = causes.cause_mut((component as u32, mode as u32)) {
                    *slot = Cause { count, phases };
                }
            }
        }
        causes
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

    /// A phase that always lasts the same reads that value at every percentile, not the top
    /// of its histogram bucket; no percentile exceeds the longest value, before or after
    /// the statistics are saved; a state saved before the largest value was kept still loads.
    #[test]
    fn percentiles_never_exceed_the_longest_value() {
        let names = || vec![vec!["db/crash".into()]];
        let mut causes = Causes::new(names());
        let s = Duration::from_secs;
        for i in 0..5000 {
            let repair = s(5_616_000 - 86_400 + i % 2);
            causes.add(&Outage {
                start: s(0),
                duration: s(86_400).saturating_add(repair),
                component: 0,
                mode: 0,
                phases: Phases {
                    detect: s(86_400),
                    elect: Duration::ZERO,
                    repair,
                },
            });
        }
        let check = |causes: &Causes| {
            let crash = &causes.summary(1)["db/crash"];
            assert_eq!(
                (crash.detect_s.p50, crash.detect_s.p99),
                (86_400.0, 86_400.0)
            );
            assert_eq!(crash.duration_s.p99, 5_616_001.0);
            assert!(crash.duration_s.p50 <= 5_616_001.0);
        };
        check(&causes);
        let json = serde_json::to_string(&causes).unwrap();
        check(&serde_json::from_str(&json).unwrap());
        let old = json.replace(",\"max\":86400000000", "");
        assert_ne!(old, json);
        let loaded: Causes = serde_json::from_str(&old).unwrap();
        assert!(loaded.summary(1)["db/crash"].detect_s.p99 >= 86_400.0);
    }

    /// An outage of cause `mode` of component `component` whose phases follow from `i`.
    fn outage(i: u64, component: u32, mode: u32) -> Outage {
        let us = Duration::from_micros;
        let phases = Phases {
            detect: us(i * 7919 % 100_003),
            elect: us(i * 104_729 % 7),
            repair: us(1 + i * i % 1_000_003),
        };
        Outage {
            start: us(0),
            duration: phases
                .detect
                .saturating_add(phases.elect)
                .saturating_add(phases.repair),
            component,
            mode,
            phases,
        }
    }

    /// Chunks added apart and merged in order give the bytes of adding every outage one by
    /// one, whether the phases are exact or past the switch to the histogram on either
    /// side, and so do chunks saved and read back.
    #[test]
    fn merged_chunks_are_the_outages_added_one_by_one() {
        let names = vec![vec!["a/x".into(), "a/y".into()], vec!["b/x".into()]];
        let outages: Vec<Outage> = (0..12_000)
            .map(|i| match i % 7 {
                0 => outage(i, 0, 1),
                1 | 2 => outage(i, 1, 0),
                _ => outage(i, 0, 0),
            })
            .collect();
        let mut whole = Causes::new(names.clone());
        outages.iter().for_each(|o| whole.add(o));
        let json = |causes: &Causes| serde_json::to_string(causes).unwrap();
        for chunk in [1, 32, 700, 3000, 11_999] {
            let mut merged = Causes::new(names.clone());
            let mut saved = Causes::new(names.clone());
            // One partial, emptied by each append and reused, as a chunk's buffer is.
            let mut partial = Causes::new(names.clone());
            for part in outages.chunks(chunk) {
                part.iter().for_each(|o| partial.add(o));
                let mut round_trip: Causes = serde_json::from_str(&json(&partial)).unwrap();
                saved.append(&mut round_trip);
                merged.append(&mut partial);
                assert_eq!(json(&partial), json(&Causes::new(names.clone())));
            }
            assert_eq!(json(&merged), json(&whole), "chunks of {chunk}");
            assert_eq!(json(&saved), json(&whole), "saved chunks of {chunk}");
            assert_eq!(merged.summary(1), whole.summary(1), "chunks of {chunk}");
        }
        assert_eq!(
            whole.held.len(),
            3,
            "only causes that occur hold statistics"
        );
    }

    /// The saved form names every cause in model order, `null` for those without outages.
    #[test]
    fn causes_without_outages_are_saved_as_null() {
        let mut causes = Causes::new(vec![vec!["a/x".into(), "a/y".into()]]);
        causes.add(&outage(3, 0, 1));
        let json = serde_json::to_string(&causes).unwrap();
        assert!(
            json.starts_with(r#"{"names":[["a/x","a/y"]],"causes":[[null,{"count":1,"#),
            "{json}"
        );
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
