//! `nines trace`: the event log of one simulated year.

use super::{CliError, MAX_YEARS, ModelArgs, check_workload, ignore_broken_pipe, interrupt_flag};
use clap::Args;
use nines::app::RunError;
use nines::engine::{Engine, YearOutcome};
use nines::model::Model;
use nines::plan::Plan;
use nines::report::TraceWriter;
use std::io::{BufWriter, Write};
use std::process::ExitCode;
use std::sync::atomic::Ordering;

#[derive(Debug, Args)]
pub(crate) struct TraceArgs {
    #[command(flatten)]
    model: ModelArgs,
    /// The year to trace (years are numbered from 0).
    #[arg(long, value_parser = clap::value_parser!(u64).range(0..MAX_YEARS))]
    year: u64,
    /// Trace even if the year is estimated to be too large (over 1e9 events, or 4 GiB of
    /// memory).
    #[arg(long)]
    force: bool,
}

pub(crate) fn trace(args: TraceArgs) -> Result<ExitCode, CliError> {
    let loaded = args.model.load()?;
    check_workload(&loaded, 1, 1, args.force)?;
    let plan = Plan::compile(&loaded.model, loaded.seed);
    let (model, seed) = (&loaded.model, loaded.seed);
    let written = write_trace(model, &plan, seed, args.year, std::io::stdout().lock());
    ignore_broken_pipe(written).map_err(|source| CliError::Output {
        what: "the trace",
        source,
    })?;
    if interrupt_flag().load(Ordering::Relaxed) {
        return Err(RunError::Interrupted.into());
    }
    Ok(ExitCode::SUCCESS)
}

fn write_trace(
    model: &Model,
    plan: &Plan,
    seed: u64,
    year: u64,
    out: impl Write,
) -> std::io::Result<()> {
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
        .with_stop(interrupt_flag())
        .simulate_traced(year, &mut writer)
        .clone();
    let mut out = writer.finish()?;
    out.write_all(trace_footer(plan, &outcome).as_bytes())?;
    out.flush()
}

fn trace_footer(plan: &Plan, outcome: &YearOutcome) -> String {
    let mut footer = format!(
        "# {}, {}, downtime {}s",
        nines::report::count(outcome.events, "event"),
        nines::report::count(outcome.outages.len() as u64, "outage"),
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
