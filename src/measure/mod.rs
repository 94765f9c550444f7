//! Measures: what a simulated year records, declared once, and everything that follows from
//! it (statistics, the saved state, `summary.json`, the CSV columns).
//!
//! A measure is a type implementing [`Measure`]. It says
//! - what one year records ([`Measure::Year`]), which the engine fills through the hooks it
//!   calls where the serving state changes ([`Measure::expression_down`],
//!   [`Measure::serving_changed`], [`Measure::outage_ended`]), where replicas fail and
//!   come back ([`Measure::replica_down`], [`Measure::replica_up`]) and when the year ends
//!   ([`Measure::year_ended`]);
//! - how years accumulate and merge ([`Measure::Stats`], a [`MeasureStats`]), which is also
//!   what the accumulator's saved state carries;
//! - its `summary.json` sections ([`MeasureStats::summarize`]);
//! - its columns of `years.csv` and `outages.csv` ([`Measure::years_columns`] and the like).
//!
//! Everything that carries measures is generic over one [`Measure`] (the engine, the year's
//! outcome, the accumulator, the CSV rows), so every hook is a direct, inlined call: a
//! measure costs the hot loop only what its hooks do, like the engine's `Tracer`. Several
//! measures are one measure as a tuple; `()` is no measure.
//!
//! [`Downtime`] (downtime and outages of each expression) is the measure every model has; the
//! engine, the accumulator and the CSV rows always carry it, followed by the further
//! measures [`Shipped`] lists. Its `summary.json` figures stay a typed part of
//! [`crate::stats::Summary`], because `nines check --baseline` reads them back; the sections
//! of further measures come after them. See docs/development.md, "Adding a measure".

pub(crate) mod cells;
mod data_loss;
#[cfg(test)]
mod data_loss_tests;
mod downtime;
mod planned;
#[cfg(test)]
mod planned_tests;
mod requests;
#[cfg(test)]
mod tests;

pub use data_loss::{
    DataLoss, DataLossStats, DataLossSummary, DataLossYear, IncidentSummary, LostDistribution,
    MeanP99,
};
pub use downtime::{Downtime, DowntimeStats, DowntimeYear, OutageStats};
pub use planned::{
    DowntimeByKind, MaintenanceSummary, PerUpgrade, Planned, PlannedStats, PlannedYear,
};
pub use requests::{Requests, RequestsStats, RequestsYear};

use crate::engine::{IncidentRecord, Outage};
use crate::model::PercentileFigure;
use crate::plan::Plan;
use crate::stats::Quantiles;
use crate::time::Duration;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;
use std::fmt::Debug;

/// The measures every run records beyond [`Downtime`], in column order: the requests of
/// `[traffic]`, then outage kinds and planned work (`[maintenance]`; SPEC puts `kind` last),
/// then the data lost to incidents (`[[incident]]`, which writes no column).
/// A new measure of the product is added to this tuple.
pub type Shipped = (Requests, Planned, DataLoss);

/// `summary.json` sections of the further measures, by key, after the fixed ones.
pub type Sections = BTreeMap<String, serde_json::Value>;

/// One measure: what a year records, from the engine's hooks, and how years accumulate.
///
/// The hooks default to doing nothing, so a measure implements only those it needs. They are
/// called from the engine's event loop: they must not allocate once the year's buffers have
/// grown (reuse them, as [`Measure::start_year`] resets without freeing).
pub trait Measure: Send + Sync {
    /// What one year records.
    type Year: Clone + Debug + Default + PartialEq + Send + Sync;
    /// What years accumulate into.
    type Stats: MeasureStats<Self::Year>;

    /// The measure for `plan` (its expressions, causes, tables).
    fn for_plan(plan: &Plan) -> Self
    where
        Self: Sized;

    /// A year's values shaped for the plan, before any year.
    fn new_year(&self) -> Self::Year {
        Self::Year::default()
    }

    /// Resets `year` for a new simulated year, keeping its allocations.
    fn start_year(&self, year: &mut Self::Year);

    /// Component `component` starts (`serving`) or stops serving at `at`.
    #[inline(always)]
    fn serving_changed(
        &self,
        _year: &mut Self::Year,
        _at: Duration,
        _component: u32,
        _serving: bool,
    ) {
    }

    /// Global replica `replica` failed at `at`; load balancers route attempts to it until
    /// `routed_until`.
    #[inline(always)]
    fn replica_down(
        &self,
        _year: &mut Self::Year,
        _at: Duration,
        _replica: u32,
        _routed_until: Duration,
    ) {
    }

    /// Global replica `replica` serves again at `at`.
    #[inline(always)]
    fn replica_up(&self, _year: &mut Self::Year, _at: Duration, _replica: u32) {}

    /// The year has ended: every hook of the year has been called.
    #[inline(always)]
    fn year_ended(&self, _year: &mut Self::Year) {}

    /// An interval of `down` in which expression `expression` (0 is `up`, then the
    /// services) was down has ended, or has been cut at the end of the year.
    #[inline(always)]
    fn expression_down(&self, _year: &mut Self::Year, _expression: usize, _down: Duration) {}

    /// A system outage has ended (or has been cut at the end of the year).
    #[inline(always)]
    fn outage_ended(&self, _year: &mut Self::Year, _outage: &Outage) {}

    /// Upgrade `upgrade` of the year (planned work) begins at `at`.
    #[inline(always)]
    fn upgrade_started(&self, _year: &mut Self::Year, _at: Duration, _upgrade: u64) {}

    /// An incident (`[[incident]]`) struck, its recovery decided as `record` says.
    #[inline(always)]
    fn incident(&self, _year: &mut Self::Year, _record: &IncidentRecord) {}

    /// From `at` an incident holds every expression down (`down`), whatever its
    /// components, or no longer does (each follows its components again).
    #[inline(always)]
    fn held_down(&self, _year: &mut Self::Year, _at: Duration, _down: bool) {}

    /// Empty statistics for this measure.
    fn new_stats(&self) -> Self::Stats {
        Self::Stats::default()
    }

    /// Appends this measure's column names to the header of `years.csv`, each after a comma.
    fn years_columns(&self, _out: &mut Vec<u8>) {}

    /// Appends this measure's cells of one year's row of `years.csv`, each after a comma.
    fn year_cells(&self, _out: &mut Vec<u8>, _year: &Self::Year) {}

    /// Appends this measure's column names to the header of `outages.csv`, each after a
    /// comma.
    fn outages_columns(&self, _out: &mut Vec<u8>) {}

    /// Appends this measure's cells of the row of the year's system outage `outage` (an
    /// index into the year's outages), each after a comma.
    fn outage_cells(&self, _out: &mut Vec<u8>, _year: &Self::Year, _outage: usize) {}
}

/// What a measure accumulates over years, fed in year order.
///
/// [`MeasureStats::merge`] of the run of the years right after these must leave exactly
/// what adding those years one by one would have (integer sums, histograms that depend on
/// the count alone), and the serialized form must read back to statistics that go on
/// identically: it is the measure's part of the saved accumulator state.
pub trait MeasureStats<Y>:
    Clone + Debug + Default + Serialize + DeserializeOwned + Send + Sync
{
    /// Adds one year, the year after the last one added.
    fn add(&mut self, year: &Y);

    /// Appends the statistics of the years right after these (see
    /// [`MeasureStats::mismatch`], checked first), and leaves `other` holding no years, as
    /// made for the same plan, with what it allocated kept: a chunk's statistics are
    /// appended to the run's and grow again from there, without allocating anew.
    fn merge(&mut self, other: &mut Self);

    /// What differs, if `other` was made for another plan and must not merge.
    fn mismatch(&self, _other: &Self) -> Option<&'static str> {
        None
    }

    /// What is wrong, if these statistics, read back from a saved state of `years` years,
    /// are not what any years give (an edited or damaged state).
    fn inconsistency(&self, _years: u64) -> Option<&'static str> {
        None
    }

    /// Adds this measure's sections to `summary.json`, over `years` years (only when the
    /// model has what produces them).
    fn summarize(&self, _years: u64, _sections: &mut Sections) {}

    /// The distribution of `figure` for `expression`, if this measure records it: what
    /// `[slo]` percentile targets (`rto_p99`, ...) are judged on.
    fn percentiles(&self, _figure: PercentileFigure, _expression: usize) -> Option<&Quantiles> {
        None
    }
}

/// No measure.
impl Measure for () {
    type Year = ();
    type Stats = ();

    fn for_plan(_plan: &Plan) {}

    #[inline(always)]
    fn start_year(&self, _year: &mut ()) {}
}

impl MeasureStats<()> for () {
    #[inline(always)]
    fn add(&mut self, _year: &()) {}

    fn merge(&mut self, _other: &mut ()) {}
}

/// Implements [`Measure`] and [`MeasureStats`] for a tuple of measures, each hook calling
/// every member's in order.
macro_rules! tuple_measure {
    ($($name:ident $year:ident $index:tt),+) => {
        impl<$($name: Measure),+> Measure for ($($name,)+) {
            type Year = ($($name::Year,)+);
            type Stats = ($($name::Stats,)+);

            fn for_plan(plan: &Plan) -> Self {
                ($($name::for_plan(plan),)+)
            }

            fn new_year(&self) -> Self::Year {
                ($(self.$index.new_year(),)+)
            }

            #[inline(always)]
            fn start_year(&self, year: &mut Self::Year) {
                $(self.$index.start_year(&mut year.$index);)+
            }

            #[inline(always)]
            fn serving_changed(&self, year: &mut Self::Year, at: Duration, component: u32, serving: bool) {
                $(self.$index.serving_changed(&mut year.$index, at, component, serving);)+
            }

            #[inline(always)]
            fn replica_down(&self, year: &mut Self::Year, at: Duration, replica: u32, routed_until: Duration) {
                $(self.$index.replica_down(&mut year.$index, at, replica, routed_until);)+
            }

            #[inline(always)]
            fn replica_up(&self, year: &mut Self::Year, at: Duration, replica: u32) {
                $(self.$index.replica_up(&mut year.$index, at, replica);)+
            }

            #[inline(always)]
            fn year_ended(&self, year: &mut Self::Year) {
                $(self.$index.year_ended(&mut year.$index);)+
            }

            #[inline(always)]
            fn expression_down(&self, year: &mut Self::Year, expression: usize, down: Duration) {
                $(self.$index.expression_down(&mut year.$index, expression, down);)+
            }

            #[inline(always)]
            fn outage_ended(&self, year: &mut Self::Year, outage: &Outage) {
                $(self.$index.outage_ended(&mut year.$index, outage);)+
            }

            #[inline(always)]
            fn upgrade_started(&self, year: &mut Self::Year, at: Duration, upgrade: u64) {
                $(self.$index.upgrade_started(&mut year.$index, at, upgrade);)+
            }

            #[inline(always)]
            fn incident(&self, year: &mut Self::Year, record: &IncidentRecord) {
                $(self.$index.incident(&mut year.$index, record);)+
            }

            #[inline(always)]
            fn held_down(&self, year: &mut Self::Year, at: Duration, down: bool) {
                $(self.$index.held_down(&mut year.$index, at, down);)+
            }

            fn new_stats(&self) -> Self::Stats {
                ($(self.$index.new_stats(),)+)
            }

            fn years_columns(&self, out: &mut Vec<u8>) {
                $(self.$index.years_columns(out);)+
            }

            fn year_cells(&self, out: &mut Vec<u8>, year: &Self::Year) {
                $(self.$index.year_cells(out, &year.$index);)+
            }

            fn outages_columns(&self, out: &mut Vec<u8>) {
                $(self.$index.outages_columns(out);)+
            }

            fn outage_cells(&self, out: &mut Vec<u8>, year: &Self::Year, outage: usize) {
                $(self.$index.outage_cells(out, &year.$index, outage);)+
            }
        }

        impl<$($year, $name: MeasureStats<$year>),+> MeasureStats<($($year,)+)> for ($($name,)+) {
            fn add(&mut self, year: &($($year,)+)) {
                $(self.$index.add(&year.$index);)+
            }

            fn merge(&mut self, other: &mut Self) {
                $(self.$index.merge(&mut other.$index);)+
            }

            fn mismatch(&self, other: &Self) -> Option<&'static str> {
                None$(.or_else(|| self.$index.mismatch(&other.$index)))+
            }

            fn inconsistency(&self, years: u64) -> Option<&'static str> {
                None$(.or_else(|| self.$index.inconsistency(years)))+
            }

            fn summarize(&self, years: u64, sections: &mut Sections) {
                $(self.$index.summarize(years, sections);)+
            }

            fn percentiles(&self, figure: PercentileFigure, expression: usize) -> Option<&Quantiles> {
                None$(.or_else(|| self.$index.percentiles(figure, expression)))+
            }
        }
    };
}

tuple_measure!(A Ya 0);
tuple_measure!(A Ya 0, B Yb 1);
tuple_measure!(A Ya 0, B Yb 1, C Yc 2);
tuple_measure!(A Ya 0, B Yb 1, C Yc 2, D Yd 3);
