//! Everything accumulated over the years of a run, fed in year order, and the merge of runs
//! of consecutive years.

use super::estimators::{Moments, availability};
use super::quantiles::Quantiles;
use super::summary::{DowntimeSummary, OutagesSummary, RunMeta, ServiceSummary, Summary};
use crate::engine::YearOutcome;
use crate::measure::{
    Downtime, DowntimeStats, Measure, MeasureStats, OutageStats, Sections, Shipped,
};
use crate::model::PercentileFigure;
use crate::plan::Plan;
use crate::run::Partial;
use crate::time::Duration;
use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::Arc;

/// Why two accumulators cannot be merged.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MergeError {
    /// They were not made for the same plan (or the same miss thresholds).
    #[error("the two runs differ in their {0}")]
    Mismatch(&'static str),
    /// The later run does not begin where the earlier one ends.
    #[error("the later years begin at year {start}, not at year {end} where the earlier end")]
    NotContiguous {
        /// The year after the earlier run's last.
        end: u64,
        /// The later run's first year.
        start: u64,
    },
}

/// Everything accumulated over the years of one run, fed in year order: the statistics of
/// [`Downtime`] and of the further measures `M`.
///
/// Per expression (`up`, then each service): the moments and percentiles of yearly downtime,
/// the moments and percentiles of outage durations, and the number of years whose downtime
/// exceeded a threshold (years below an availability target), when one is set.
///
/// The years may begin at any index (the first year added, or [`Accumulator::starting_at`]);
/// [`Accumulator::merge`] appends a run of the years that follow, and gives exactly what
/// adding those years one by one would have.
#[derive(Clone, Debug)]
pub struct Accumulator<M: Measure = Shipped> {
    pub(super) horizon: Duration,
    pub(super) first_year: u64,
    pub(super) expressions: DowntimeStats,
    pub(super) measures: M::Stats,
}

impl Accumulator {
    /// An empty accumulator for `plan`'s expressions, outage causes and shipped measures.
    pub fn for_plan(plan: &Plan) -> Accumulator {
        Accumulator::with_measures(plan)
    }

    /// An empty accumulator for `expressions` expressions (`up`, then services), without
    /// outage causes.
    pub fn new(horizon: Duration, expressions: usize) -> Accumulator {
        Accumulator {
            horizon,
            first_year: 0,
            expressions: DowntimeStats::new(expressions),
            measures: Default::default(),
        }
    }
}

impl<M: Measure> Accumulator<M> {
    /// An empty accumulator for `plan`'s expressions, outage causes and the measures `M`.
    pub fn with_measures(plan: &Plan) -> Accumulator<M> {
        Accumulator {
            horizon: plan.horizon,
            first_year: 0,
            expressions: Downtime::for_plan(plan).new_stats(),
            measures: M::for_plan(plan).new_stats(),
        }
    }

    /// Also counts, for each expression with a threshold, the years whose downtime
    /// exceeds it ([`Accumulator::misses`]).
    pub fn with_miss_thresholds(mut self, thresholds: Vec<Option<Duration>>) -> Accumulator<M> {
        let expressions = &mut self.expressions;
        expressions.miss_thresholds = thresholds;
        expressions
            .miss_thresholds
            .resize(expressions.downtime.len(), None);
        self
    }

    /// The same empty accumulator for years that begin at `year` (without it, they begin at
    /// the first year added); an empty run then still knows where it stands.
    pub fn starting_at(mut self, year: u64) -> Accumulator<M> {
        self.first_year = year;
        self
    }

    /// Adds one year's outcome: the year after the last one added.
    pub fn add(&mut self, outcome: &YearOutcome<M::Year>) {
        if self.years() == 0 {
            self.first_year = outcome.year;
        }
        self.expressions.add(&outcome.expressions);
        self.measures.add(&outcome.measures);
    }

    /// Appends `other`, the run of the years right after these: afterwards `self` is
    /// exactly what adding those years one by one would have made it. Fails, leaving
    /// `self` unchanged, when `other` was made for another plan, or begins elsewhere than
    /// where these years end (either being empty is fine).
    pub fn merge(&mut self, mut other: Accumulator<M>) -> Result<(), MergeError> {
        self.check_mergeable(&other)?;
        self.append_checked(&mut other);
        Ok(())
    }

    /// [`Accumulator::merge`] once the two are known to merge, leaving `other` holding no
    /// years, with what it allocated kept (see [`MeasureStats::merge`]).
    fn append_checked(&mut self, other: &mut Accumulator<M>) {
        if self.years() == 0 {
            self.first_year = other.first_year;
        }
        self.expressions.merge(&mut other.expressions);
        self.measures.merge(&mut other.measures);
    }

    fn check_mergeable(&self, other: &Accumulator<M>) -> Result<(), MergeError> {
        let mismatch = if self.horizon != other.horizon {
            Some("horizons")
        } else {
            self.expressions
                .mismatch(&other.expressions)
                .or_else(|| self.measures.mismatch(&other.measures))
        };
        if let Some(what) = mismatch {
            return Err(MergeError::Mismatch(what));
        }
        let end = self.year_range().end;
        if self.years() > 0 && other.years() > 0 && other.first_year != end {
            return Err(MergeError::NotContiguous {
                end,
                start: other.first_year,
            });
        }
        Ok(())
    }

    /// Number of years added.
    pub fn years(&self) -> u64 {
        self.expressions.years()
    }

    /// The indices of the years added (empty, at where they would begin, before any).
    pub fn year_range(&self) -> Range<u64> {
        self.first_year..self.first_year + self.years()
    }

    /// Length of one year.
    pub fn horizon(&self) -> Duration {
        self.horizon
    }

    /// Moments of `expression`'s downtime per year.
    pub fn downtime(&self, expression: usize) -> &Moments {
        &self.expressions.downtime[expression]
    }

    /// Percentiles of `expression`'s downtime per year.
    pub fn yearly_downtime(&self, expression: usize) -> &Quantiles {
        &self.expressions.yearly_downtime[expression]
    }

    /// The distribution of `figure` for `expression`, from whichever measure records it
    /// (what `[slo]` percentile targets are judged on).
    pub fn percentiles(&self, figure: PercentileFigure, expression: usize) -> Option<&Quantiles> {
        self.expressions
            .percentiles(figure, expression)
            .or_else(|| self.measures.percentiles(figure, expression))
    }

    /// `expression`'s outage durations.
    pub fn outages(&self, expression: usize) -> &OutageStats {
        &self.expressions.outages[expression]
    }

    /// Years in which `expression`'s downtime exceeded its miss threshold (0 without one).
    pub fn misses(&self, expression: usize) -> u64 {
        self.expressions.misses[expression]
    }

    /// The statistics of the further measures.
    pub fn measures(&self) -> &M::Stats {
        &self.measures
    }

    /// The summary figures (`docs/output-reference.md`), then the further measures' sections.
    pub fn summary(&self, meta: RunMeta, service_names: &[String]) -> Summary {
        let years = self.years();
        let stats = &self.expressions;
        let [p50, p90, p99] = stats.yearly_downtime[0].quantiles_secs([0.5, 0.9, 0.99]);
        let services = service_names
            .iter()
            .enumerate()
            .map(|(index, name)| {
                (
                    name.clone(),
                    ServiceSummary {
                        availability: availability(&stats.downtime[index + 1], self.horizon),
                        rto_s: stats.outages[index + 1].summary(),
                    },
                )
            })
            .collect();
        let outages = &stats.outages[0];
        let mut measures = Sections::new();
        self.measures.summarize(years, &mut measures);
        Summary {
            model: meta.model,
            seed: meta.seed,
            years,
            horizon_s: self.horizon.as_secs_f64(),
            availability: availability(&stats.downtime[0], self.horizon),
            downtime_per_year_s: DowntimeSummary {
                mean: stats.downtime[0].mean_secs(),
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
            causes: stats.causes.summary(years),
            cost_per_year: None,
            measures,
        }
    }
}

/// The statistics of a chunk of years, appended in year order to the run's: they were
/// cloned from its empty accumulator, so they always merge.
impl Partial for Accumulator {
    fn add(&mut self, outcome: &YearOutcome) {
        Accumulator::add(self, outcome);
    }

    fn append(&mut self, later: &mut Accumulator) {
        debug_assert_eq!(self.check_mergeable(later), Ok(()));
        self.append_checked(later);
    }
}

/// What the plots need beyond the summary: outage durations by cause, and the year with
/// the most downtime (the earliest of equals), fed in year order. The plots draw the
/// [`Downtime`] measure's figures in a fixed layout, so this stays specific to it.
///
/// Only the causes that had outages hold durations, so a breakdown of a cluster with
/// thousands of causes stays small, and so does each chunk's. A shard saves it (serde, as
/// `BreakdownState`) so that a merge draws the plots of the whole run.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
#[serde(into = "BreakdownState", from = "BreakdownState")]
pub struct Breakdown {
    /// How many causes each component has.
    shape: Arc<[usize]>,
    /// Outage durations by (component, cause), for the causes that had outages.
    causes: BTreeMap<(u32, u32), Quantiles>,
    worst: Option<(u64, Duration)>,
}

/// A [`Breakdown`] as saved: JSON maps take only string keys, so the causes are a list.
#[derive(serde::Serialize, serde::Deserialize)]
struct BreakdownState {
    shape: Vec<usize>,
    causes: Vec<(u32, u32, Quantiles)>,
    worst: Option<(u64, Duration)>,
}

impl From<Breakdown> for BreakdownState {
    fn from(breakdown: Breakdown) -> BreakdownState {
        BreakdownState {
            shape: breakdown.shape.to_vec(),
            causes: (breakdown.causes.into_iter())
                .map(|((component, cause), durations)| (component, cause, durations))
                .collect(),
            worst: breakdown.worst,
        }
    }
}

impl From<BreakdownState> for Breakdown {
    fn from(state: BreakdownState) -> Breakdown {
        Breakdown {
            shape: state.shape.into(),
            causes: (state.causes.into_iter())
                .map(|(component, cause, durations)| ((component, cause), durations))
                .collect(),
            worst: state.worst,
        }
    }
}

impl Breakdown {
    /// An empty breakdown for `causes[c]` outage causes of each component `c`.
    pub fn new(modes: impl IntoIterator<Item = usize>) -> Breakdown {
        Breakdown {
            shape: modes.into_iter().collect(),
            causes: BTreeMap::new(),
            worst: None,
        }
    }

    /// Adds one year's outcome.
    pub fn add<Y>(&mut self, outcome: &YearOutcome<Y>) {
        for outage in &outcome.outages {
            self.causes
                .entry((outage.component, outage.mode))
                .or_default()
                .add(outage.duration);
        }
        let downtime = outcome.downtime[0];
        if self.worst.is_none_or(|(_, worst)| downtime > worst) {
            self.worst = Some((outcome.year, downtime));
        }
    }

    /// Appends `other`, the breakdown of the years right after these, as adding them one by
    /// one would have; fails, leaving `self` unchanged, when it has other causes.
    pub fn merge(&mut self, mut other: Breakdown) -> Result<(), MergeError> {
        if self.shape != other.shape {
            return Err(MergeError::Mismatch("outage causes"));
        }
        Partial::append(self, &mut other);
        Ok(())
    }

    /// Outage durations of each cause (component index, mode index) that had outages,
    /// most outages first (model order among equals).
    pub fn by_cause(&self) -> Vec<(usize, usize, &Quantiles)> {
        let mut causes: Vec<(usize, usize, &Quantiles)> = self
            .causes
            .iter()
            .map(|(&(c, m), q)| (c as usize, m as usize, q))
            .collect();
        causes.sort_by_key(|(_, _, q)| std::cmp::Reverse(q.count()));
        causes
    }

    /// The year with the most downtime and its downtime; `None` before any year.
    pub fn worst_year(&self) -> Option<(u64, Duration)> {
        self.worst
    }
}

/// A chunk's breakdown, appended in year order to the run's (of the same causes).
impl Partial for Breakdown {
    fn add(&mut self, outcome: &YearOutcome) {
        Breakdown::add(self, outcome);
    }

    fn append(&mut self, later: &mut Breakdown) {
        // Emptied causes stay in `later`, with their buffers, for its next chunk of years.
        for (cause, theirs) in &mut later.causes {
            if theirs.count() > 0 {
                self.causes.entry(*cause).or_default().append(theirs);
            }
        }
        // The earliest of equals: a later year replaces only a strictly worse one.
        if let Some((year, downtime)) = later.worst.take()
            && self.worst.is_none_or(|(_, worst)| downtime > worst)
        {
            self.worst = Some((year, downtime));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::measure::DowntimeYear;

    #[test]
    fn misses_count_years_above_the_threshold() {
        let mut stats = Accumulator::new(Duration::from_secs(1000), 2)
            .with_miss_thresholds(vec![Some(Duration::from_secs(10)), None]);
        for secs in [0, 10, 11, 50] {
            stats.add(&YearOutcome {
                expressions: DowntimeYear {
                    downtime: vec![Duration::from_secs(secs); 2],
                    service_outages: vec![vec![Duration::from_secs(secs)]],
                    ..DowntimeYear::default()
                },
                ..YearOutcome::default()
            });
        }
        assert_eq!((stats.misses(0), stats.misses(1)), (2, 0));
        assert_eq!(stats.outages(1).moments.count(), 4);
    }
}
