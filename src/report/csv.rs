//! `years.csv` and `outages.csv` (SPEC section 4), streamed one row at a time.
//!
//! Fields are numbers and names made of `[a-z0-9_/-]`, so no quoting is ever needed.
//! Floats use Rust's `Display`, the shortest form that reads back to the same value.

use crate::engine::YearOutcome;
use crate::plan::Plan;
use crate::time::Duration;
use std::io::{self, Write};

/// Writes `years.csv`: `year,availability,downtime_s,outages` and per service
/// `<service>_availability`.
pub struct YearsCsv<W: Write> {
    out: W,
    horizon: Duration,
}

impl<W: Write> YearsCsv<W> {
    /// Starts the file with its header row.
    pub fn new(mut out: W, plan: &Plan) -> io::Result<Self> {
        write!(out, "year,availability,downtime_s,outages")?;
        for service in &plan.expression_names[1..] {
            write!(out, ",{service}_availability")?;
        }
        writeln!(out)?;
        Ok(YearsCsv {
            out,
            horizon: plan.horizon,
        })
    }

    /// Writes one year's row.
    pub fn write(&mut self, outcome: &YearOutcome) -> io::Result<()> {
        let availability = |downtime: Duration| {
            1.0 - downtime.as_micros() as f64 / self.horizon.as_micros() as f64
        };
        write!(
            self.out,
            "{},{},{},{}",
            outcome.year,
            availability(outcome.downtime[0]),
            outcome.downtime[0].as_secs_f64(),
            outcome.outages.len()
        )?;
        for downtime in &outcome.downtime[1..] {
            write!(self.out, ",{}", availability(*downtime))?;
        }
        writeln!(self.out)
    }

    /// Flushes and returns the writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

/// Writes `outages.csv`: `year,start_s,duration_s,cause,detect_s,elect_s,repair_s`.
pub struct OutagesCsv<W: Write> {
    out: W,
    causes: Vec<Vec<String>>,
}

impl<W: Write> OutagesCsv<W> {
    /// Starts the file with its header row.
    pub fn new(mut out: W, plan: &Plan) -> io::Result<Self> {
        writeln!(
            out,
            "year,start_s,duration_s,cause,detect_s,elect_s,repair_s"
        )?;
        let causes = plan.components.iter().map(|c| c.causes.clone()).collect();
        Ok(OutagesCsv { out, causes })
    }

    /// Writes one row per outage of the year.
    pub fn write(&mut self, outcome: &YearOutcome) -> io::Result<()> {
        for outage in &outcome.outages {
            let cause = &self.causes[outage.component as usize][outage.mode as usize];
            writeln!(
                self.out,
                "{},{},{},{},{},{},{}",
                outcome.year,
                outage.start.as_secs_f64(),
                outage.duration.as_secs_f64(),
                cause,
                outage.phases.detect.as_secs_f64(),
                outage.phases.elect.as_secs_f64(),
                outage.phases.repair.as_secs_f64(),
            )?;
        }
        Ok(())
    }

    /// Flushes and returns the writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}
