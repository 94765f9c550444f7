//! `years.csv` and `outages.csv` (SPEC section 4): their header and rows.
//!
//! Fields are numbers and names made of `[a-z0-9_/-]`, so no quoting is ever needed.
//! Floats use Rust's `Display`, the shortest form that reads back to the same value.
//!
//! Rows are formatted into byte buffers, so that a run can format chunks of years in
//! parallel and write the buffers in year order (formatting costs about half as much as
//! simulating a year).

use crate::engine::YearOutcome;
use crate::plan::Plan;
use crate::time::Duration;
use std::io::Write;

/// Formats the rows of `years.csv` and `outages.csv` for one plan.
#[derive(Clone, Debug)]
pub struct CsvRows {
    horizon: Duration,
    services: Vec<String>,
    causes: Vec<Vec<String>>,
}

impl CsvRows {
    /// The formats for `plan`'s services and causes.
    pub fn new(plan: &Plan) -> CsvRows {
        CsvRows {
            horizon: plan.horizon,
            services: plan.expression_names[1..].to_vec(),
            causes: plan.components.iter().map(|c| c.causes.clone()).collect(),
        }
    }

    /// The header of `years.csv`: `year,availability,downtime_s,outages` and per service
    /// `<service>_availability`.
    pub fn years_header(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"year,availability,downtime_s,outages");
        for service in &self.services {
            // Writing into a Vec cannot fail.
            let _ = write!(out, ",{service}_availability");
        }
        out.push(b'\n');
    }

    /// Appends one year's row of `years.csv`.
    pub fn year_row(&self, out: &mut Vec<u8>, outcome: &YearOutcome) {
        let availability = |downtime: Duration| {
            1.0 - downtime.as_micros() as f64 / self.horizon.as_micros() as f64
        };
        // Writing into a Vec cannot fail.
        let _ = write!(
            out,
            "{},{},{},{}",
            outcome.year,
            availability(outcome.downtime[0]),
            outcome.downtime[0].as_secs_f64(),
            outcome.outages.len()
        );
        for downtime in &outcome.downtime[1..] {
            let _ = write!(out, ",{}", availability(*downtime));
        }
        out.push(b'\n');
    }

    /// The header of `outages.csv`.
    pub fn outages_header(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"year,start_s,duration_s,cause,detect_s,elect_s,repair_s\n");
    }

    /// Appends one row of `outages.csv` per outage of the year.
    pub fn outage_rows(&self, out: &mut Vec<u8>, outcome: &YearOutcome) {
        for outage in &outcome.outages {
            let cause = &self.causes[outage.component as usize][outage.mode as usize];
            // Writing into a Vec cannot fail.
            let _ = writeln!(
                out,
                "{},{},{},{},{},{},{}",
                outcome.year,
                outage.start.as_secs_f64(),
                outage.duration.as_secs_f64(),
                cause,
                outage.phases.detect.as_secs_f64(),
                outage.phases.elect.as_secs_f64(),
                outage.phases.repair.as_secs_f64(),
            );
        }
    }
}
