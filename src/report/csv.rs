//! `years.csv`, `outages.csv` and `incidents.csv` (`docs/output-reference.md`): their
//! header and rows.
//!
//! Fields are numbers and names made of `[a-z0-9_/-]`, so no quoting is ever needed.
//! Floats use Rust's `Display`, the shortest form that reads back to the same value.
//! Durations in seconds are written digit by digit from their whole microseconds, which
//! gives the same bytes (see `measure::cells::push_secs`) at a fraction of the cost of float formatting,
//! most of the cost of writing `outages.csv`.
//!
//! Rows are formatted into byte buffers, so that a run can format chunks of years in
//! parallel and write the buffers in year order.

use crate::engine::YearOutcome;
use crate::measure::cells::{Decimal, push_decimal};
use crate::measure::{DataLoss, Downtime, Measure, Shipped};
use crate::plan::Plan;

/// Formats the rows of `years.csv` and `outages.csv` for one plan: the year, then the
/// columns of [`Downtime`], then those of the further measures `M`.
#[derive(Clone, Debug)]
pub struct CsvRows<M: Measure = Shipped> {
    downtime: Downtime,
    measures: M,
}

impl CsvRows {
    /// The formats for `plan`'s services, causes and shipped measures.
    pub fn new(plan: &Plan) -> CsvRows {
        CsvRows::with_measures(plan)
    }

    /// Whether the plan has incidents, and so `incidents.csv`.
    pub fn has_incidents(&self) -> bool {
        self.measures.2.has_incidents()
    }

    /// The header of `incidents.csv`.
    pub fn incidents_header(&self, out: &mut Vec<u8>) {
        DataLoss::incidents_header(out);
    }

    /// Appends one row of `incidents.csv` per incident of the year.
    pub fn incident_rows(&self, out: &mut Vec<u8>, outcome: &YearOutcome) {
        self.measures
            .2
            .incident_rows(out, outcome.year, &outcome.measures.2);
    }
}

impl<M: Measure> CsvRows<M> {
    /// The formats for `plan`'s services, causes and the measures `M`.
    pub fn with_measures(plan: &Plan) -> CsvRows<M> {
        CsvRows {
            downtime: Downtime::for_plan(plan),
            measures: M::for_plan(plan),
        }
    }

    /// The header of `years.csv`: `year,availability,downtime_s,outages`, per service
    /// `<service>_availability`, then the further measures' columns.
    pub fn years_header(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"year");
        self.downtime.years_columns(out);
        self.measures.years_columns(out);
        out.push(b'\n');
    }

    /// Appends one year's row of `years.csv`.
    pub fn year_row(&self, out: &mut Vec<u8>, outcome: &YearOutcome<M::Year>) {
        push_decimal(out, outcome.year);
        self.downtime.year_cells(out, &outcome.expressions);
        self.measures.year_cells(out, &outcome.measures);
        out.push(b'\n');
    }

    /// The header of `outages.csv`: `year,start_s,duration_s,cause,detect_s,elect_s,repair_s`,
    /// then the further measures' columns.
    pub fn outages_header(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"year");
        self.downtime.outages_columns(out);
        self.measures.outages_columns(out);
        out.push(b'\n');
    }

    /// Appends one row of `outages.csv` per outage of the year.
    pub fn outage_rows(&self, out: &mut Vec<u8>, outcome: &YearOutcome<M::Year>) {
        let year = Decimal::new(outcome.year);
        for outage in 0..outcome.outages.len() {
            year.push(out);
            self.downtime
                .outage_cells(out, &outcome.expressions, outage);
            self.measures.outage_cells(out, &outcome.measures, outage);
            out.push(b'\n');
        }
    }
}
