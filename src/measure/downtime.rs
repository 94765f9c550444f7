//! The measure every model has: the downtime of each expression (`up`, then the services),
//! the outages of each, and the system outages' causes and phases.

use super::cells::{push_decimal, push_secs};
use super::{Measure, MeasureStats};
use crate::engine::Outage;
use crate::model::PercentileFigure;
use crate::plan::Plan;
use crate::stats::causes::Causes;
use crate::stats::{Moments, Quantiles, RtoSummary};
use crate::time::Duration;
use serde::{Deserialize, Serialize};
use std::io::Write;

/// Downtime and outages of each expression: `years.csv`'s `availability`, `downtime_s`,
/// `outages` and `<service>_availability`, and every column of `outages.csv` so far.
#[derive(Clone, Debug)]
pub struct Downtime {
    horizon: Duration,
    expressions: usize,
    services: Vec<String>,
    causes: Vec<Vec<String>>,
}

/// What [`Downtime`] records in one year.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct DowntimeYear {
    /// Downtime of each expression: the system's `up` first, then each service's.
    pub downtime: Vec<Duration>,
    /// The system's outages, in order.
    pub outages: Vec<Outage>,
    /// Each service's outage durations, in order (indexed like the services; an outage
    /// still open at the end of the year is cut there).
    pub service_outages: Vec<Vec<Duration>>,
}

/// Cloning into an existing year keeps its allocations (a derived `clone_from` would not),
/// so that years copied out of the engine allocate nothing once the buffers have grown.
impl Clone for DowntimeYear {
    fn clone(&self) -> DowntimeYear {
        DowntimeYear {
            downtime: self.downtime.clone(),
            outages: self.outages.clone(),
            service_outages: self.service_outages.clone(),
        }
    }

    fn clone_from(&mut self, from: &DowntimeYear) {
        self.downtime.clone_from(&from.downtime);
        self.outages.clone_from(&from.outages);
        self.service_outages.clone_from(&from.service_outages);
    }
}

impl Measure for Downtime {
    type Year = DowntimeYear;
    type Stats = DowntimeStats;

    fn for_plan(plan: &Plan) -> Downtime {
        Downtime {
            horizon: plan.horizon,
            expressions: plan.expressions.len(),
            services: plan.expression_names[1..].to_vec(),
            causes: plan.components.iter().map(|c| c.causes.clone()).collect(),
        }
    }

    fn new_year(&self) -> DowntimeYear {
        DowntimeYear {
            downtime: vec![Duration::ZERO; self.expressions],
            outages: Vec::new(),
            service_outages: vec![Vec::new(); self.expressions.saturating_sub(1)],
        }
    }

    #[inline]
    fn start_year(&self, year: &mut DowntimeYear) {
        year.downtime.fill(Duration::ZERO);
        year.outages.clear();
        year.service_outages.iter_mut().for_each(Vec::clear);
    }

    #[inline(always)]
    fn expression_down(&self, year: &mut DowntimeYear, expression: usize, down: Duration) {
        year.downtime[expression] = year.downtime[expression].saturating_add(down);
        if let Some(service) = expression.checked_sub(1)
            && down > Duration::ZERO
        {
            year.service_outages[service].push(down);
        }
    }

    #[inline(always)]
    fn outage_ended(&self, year: &mut DowntimeYear, outage: &Outage) {
        year.outages.push(*outage);
    }

    fn new_stats(&self) -> DowntimeStats {
        let mut stats = DowntimeStats::new(self.expressions);
        stats.causes = Causes::new(self.causes.clone());
        stats
    }

    fn years_columns(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b",availability,downtime_s,outages");
        for service in &self.services {
            // Writing into a Vec cannot fail.
            let _ = write!(out, ",{service}_availability");
        }
    }

    fn year_cells(&self, out: &mut Vec<u8>, year: &DowntimeYear) {
        let availability = |downtime: Duration| {
            1.0 - downtime.as_micros() as f64 / self.horizon.as_micros() as f64
        };
        // Writing into a Vec cannot fail.
        let _ = write!(out, ",{},", availability(year.downtime[0]));
        push_secs(out, year.downtime[0]);
        out.push(b',');
        push_decimal(out, year.outages.len() as u64);
        for downtime in &year.downtime[1..] {
            let _ = write!(out, ",{}", availability(*downtime));
        }
    }

    fn outages_columns(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b",start_s,duration_s,cause,detect_s,elect_s,repair_s");
    }

    fn outage_cells(&self, out: &mut Vec<u8>, year: &DowntimeYear, outage: usize) {
        let outage = &year.outages[outage];
        for secs in [outage.start, outage.duration] {
            out.push(b',');
            push_secs(out, secs);
        }
        out.push(b',');
        let cause = &self.causes[outage.component as usize][outage.mode as usize];
        out.extend_from_slice(cause.as_bytes());
        let phases = outage.phases;
        for secs in [phases.detect, phases.elect, phases.repair] {
            out.push(b',');
            push_secs(out, secs);
        }
    }
}

/// Outage durations of one expression: their moments and percentiles.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
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

    fn append(&mut self, other: &mut OutageStats) {
        self.moments.append(&mut other.moments);
        self.quantiles.append(&mut other.quantiles);
    }

    /// The summary of these outages, with the 95% CI of their 99th percentile.
    pub(crate) fn summary(&self) -> RtoSummary {
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

/// What [`Downtime`] accumulates, per expression (`up`, then each service): the moments
/// and percentiles of yearly downtime, the moments and percentiles of outage durations, and
/// the number of years whose downtime exceeded a threshold (years below an availability
/// target), when one is set; and the system outages by cause.
///
/// The accumulator saves it in its own per-expression layout (`stats::state`; this type's
/// own serialized form is what [`MeasureStats`] asks of every measure), and its
/// `summary.json` figures are the typed fields of [`crate::stats::Summary`], so it adds no
/// sections of its own.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct DowntimeStats {
    pub(crate) downtime: Vec<Moments>,
    pub(crate) yearly_downtime: Vec<Quantiles>,
    pub(crate) outages: Vec<OutageStats>,
    pub(crate) miss_thresholds: Vec<Option<Duration>>,
    pub(crate) misses: Vec<u64>,
    pub(crate) causes: Causes,
}

impl DowntimeStats {
    /// Nothing yet, for `expressions` expressions (`up`, then services) and no causes.
    pub fn new(expressions: usize) -> DowntimeStats {
        DowntimeStats {
            downtime: vec![Moments::default(); expressions],
            yearly_downtime: vec![Quantiles::default(); expressions],
            outages: vec![OutageStats::default(); expressions],
            miss_thresholds: vec![None; expressions],
            misses: vec![0; expressions],
            causes: Causes::new(Vec::new()),
        }
    }

    /// Number of years added.
    pub fn years(&self) -> u64 {
        self.downtime.first().map_or(0, Moments::count)
    }
}

impl MeasureStats<DowntimeYear> for DowntimeStats {
    fn add(&mut self, year: &DowntimeYear) {
        for (expression, downtime) in year.downtime.iter().enumerate() {
            self.downtime[expression].add(*downtime);
            self.yearly_downtime[expression].add(*downtime);
            if self.miss_thresholds[expression].is_some_and(|allowed| *downtime > allowed) {
                self.misses[expression] += 1;
            }
        }
        for outage in &year.outages {
            self.outages[0].add(outage.duration);
            self.causes.add(outage);
        }
        for (stats, durations) in self.outages[1..].iter_mut().zip(&year.service_outages) {
            for duration in durations {
                stats.add(*duration);
            }
        }
    }

    fn merge(&mut self, other: &mut DowntimeStats) {
        for (mine, theirs) in self.downtime.iter_mut().zip(&mut other.downtime) {
            mine.append(theirs);
        }
        for (mine, theirs) in self
            .yearly_downtime
            .iter_mut()
            .zip(&mut other.yearly_downtime)
        {
            mine.append(theirs);
        }
        for (mine, theirs) in self.outages.iter_mut().zip(&mut other.outages) {
            mine.append(theirs);
        }
        for (mine, theirs) in self.misses.iter_mut().zip(&mut other.misses) {
            *mine += std::mem::take(theirs);
        }
        self.causes.append(&mut other.causes);
    }

    fn percentiles(&self, figure: PercentileFigure, expression: usize) -> Option<&Quantiles> {
        match figure {
            PercentileFigure::Rto => Some(&self.outages[expression].quantiles),
            PercentileFigure::YearlyDowntime => Some(&self.yearly_downtime[expression]),
            PercentileFigure::Rpo => None,
        }
    }

    fn mismatch(&self, other: &DowntimeStats) -> Option<&'static str> {
        if self.downtime.len() != other.downtime.len() {
            Some("numbers of services")
        } else if self.miss_thresholds != other.miss_thresholds {
            Some("availability targets")
        } else if !self.causes.same_causes(&other.causes) {
            Some("outage causes")
        } else {
            None
        }
    }
}
