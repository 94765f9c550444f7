//! `trace`: the event log of one simulated year.

use super::{Loaded, RunError};
use crate::engine::{Engine, YearOutcome};
use crate::model::Setting;
use crate::plan::Plan;
use crate::report::TraceWriter;
use crate::run::{YearSink, simulate_years};
use crate::stats::Breakdown;
use std::io::{BufWriter, Write};
use std::ops::Range;
use std::sync::atomic::AtomicBool;

/// Writes the event log of year `year` of `plan`, compiled from `loaded` (with `settings`
/// applied, named in the heading), to `out`: a heading, one line per event exactly as `run`
/// simulates the year, and a footer with the year's events, outages and downtime. Times
/// are day and clock time, durations in the model's syntax, or all in seconds with
/// `seconds`. Setting `stop` cuts the year short (the caller that set it knows).
pub fn trace(
    (loaded, settings): (&Loaded, &[Setting]),
    plan: &Plan,
    year: u64,
    seconds: bool,
    out: impl Write,
    stop: &AtomicBool,
) -> std::io::Result<()> {
    let (model, seed) = (&loaded.model, loaded.seed);
    let mut out = BufWriter::new(out);
    // A saved trace of a variant says which: it is not the model as written.
    let set: String = settings
        .iter()
        .map(|s| format!(", --set {}={}", s.key, s.values.join(",")))
        .collect();
    writeln!(
        out,
        "# {}: year {year} of seed {seed}, horizon {}{set}",
        model.name(),
        plan.horizon.label()
    )?;
    writeln!(out, "{}", TraceWriter::<Vec<u8>>::header(seconds))?;
    let mut writer = TraceWriter::new(plan, out).in_seconds(seconds);
    let outcome = Engine::new(plan)
        .with_stop(stop)
        .simulate_traced(year, &mut writer)
        .clone();
    let footer = trace_footer(plan, &outcome, &writer);
    let mut out = writer.finish()?;
    out.write_all(footer.as_bytes())?;
    out.flush()
}

fn trace_footer<W: Write>(
    plan: &Plan,
    outcome: &YearOutcome,
    writer: &TraceWriter<'_, W>,
) -> String {
    let mut footer = format!(
        "# {}, {}, downtime {}",
        crate::report::count(outcome.events, "event"),
        crate::report::count(outcome.outages.len() as u64, "outage"),
        writer.span(outcome.downtime[0])
    );
    for (name, downtime) in plan.expression_names[1..]
        .iter()
        .zip(&outcome.downtime[1..])
    {
        footer.push_str(&format!(", {name} downtime {}", writer.span(*downtime)));
    }
    footer.push('\n');
    footer
}

/// The year of `years` with the most downtime (the first of equals): the year `run`'s
/// report and timeline call the worst.
pub fn worst_year(
    plan: &Plan,
    years: Range<u64>,
    threads: usize,
    stop: &AtomicBool,
) -> Result<u64, RunError> {
    // The breakdown follows the worst year as the statistics of a run do, chunk by chunk.
    let mut breakdown = Breakdown::new(plan.components.iter().map(|c| c.causes.len()));
    simulate_years(
        plan,
        years.clone(),
        threads,
        &mut breakdown,
        &mut Ignore,
        stop,
    )?;
    Ok(breakdown.worst_year().map_or(years.start, |(year, _)| year))
}

/// A sink that keeps nothing: [`worst_year`] needs only the statistics.
struct Ignore;

impl YearSink for Ignore {
    type Error = std::convert::Infallible;

    fn year(&mut self, _: &YearOutcome) -> Result<(), Self::Error> {
        Ok(())
    }
}
