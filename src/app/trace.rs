//! `trace`: the event log of one simulated year.

use super::Loaded;
use crate::engine::{Engine, YearOutcome};
use crate::plan::Plan;
use crate::report::TraceWriter;
use std::io::{BufWriter, Write};
use std::sync::atomic::AtomicBool;

/// Writes the event log of year `year` of `plan`, compiled from `loaded`, to `out`: a
/// heading, one line per event exactly as `run` simulates the year, and a footer with the
/// year's events, outages and downtime. Setting `stop` cuts the year short (the caller
/// that set it knows).
pub fn trace(
    loaded: &Loaded,
    plan: &Plan,
    year: u64,
    out: impl Write,
    stop: &AtomicBool,
) -> std::io::Result<()> {
    let (model, seed) = (&loaded.model, loaded.seed);
    let mut out = BufWriter::new(out);
    writeln!(
        out,
        "# {}: year {year} of seed {seed}, horizon {}",
        model.name(),
        plan.horizon.label()
    )?;
    writeln!(out, "#       time_s  event")?;
    let mut writer = TraceWriter::new(plan, out);
    let outcome = Engine::new(plan)
        .with_stop(stop)
        .simulate_traced(year, &mut writer)
        .clone();
    let mut out = writer.finish()?;
    out.write_all(trace_footer(plan, &outcome).as_bytes())?;
    out.flush()
}

fn trace_footer(plan: &Plan, outcome: &YearOutcome) -> String {
    let mut footer = format!(
        "# {}, {}, downtime {}s",
        crate::report::count(outcome.events, "event"),
        crate::report::count(outcome.outages.len() as u64, "outage"),
        outcome.downtime[0].as_secs_f64()
    );
    for (name, downtime) in plan.expression_names[1..]
        .iter()
        .zip(&outcome.downtime[1..])
    {
        footer.push_str(&format!(", {name} downtime {}s", downtime.as_secs_f64()));
    }
    footer.push('\n');
    footer
}
