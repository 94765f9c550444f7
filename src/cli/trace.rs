//! `nines trace`: the event log of one simulated year.

use super::{CliError, MAX_YEARS, available_threads, interrupt_flag};
use clap::{ArgGroup, Args};
use nines::app::RunError;
use nines::plan::Plan;
use nines::workload::RunShape;
use std::process::ExitCode;
use std::sync::atomic::Ordering;

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("which").required(true).args(["year", "worst"])))]
pub(crate) struct TraceArgs {
    #[command(flatten)]
    model: super::VariantModelArgs,
    /// The year to trace (years are numbered from 0).
    #[arg(long, value_parser = clap::value_parser!(u64).range(0..MAX_YEARS))]
    year: Option<u64>,
    /// Trace the year with the most downtime of a run of --years (the year `run`'s report
    /// calls the worst); simulates the run first.
    #[arg(long)]
    worst: bool,
    /// With --worst: the years of the run; overrides [simulation] years.
    #[arg(long, conflicts_with = "year", value_parser = clap::value_parser!(u64).range(1..=MAX_YEARS))]
    years: Option<u64>,
    /// Times in seconds from the start of the year and durations in seconds (812656.149456,
    /// 15.019837s), instead of day and clock time (d4 07:43:39.964) and durations as every
    /// report writes them (2m 24s, 27.3s, 332ms).
    #[arg(long)]
    seconds: bool,
    /// Trace even if the year is estimated to be too large (over 1e9 events, a trace over
    /// 1 GiB, or 4 GiB of memory).
    #[arg(long)]
    force: bool,
}

pub(crate) fn trace(args: TraceArgs) -> Result<ExitCode, CliError> {
    let loaded = args.model.load()?;
    let threads = available_threads();
    let years = if args.worst {
        args.years.unwrap_or(loaded.model.simulation().years)
    } else {
        1
    };
    let shape = RunShape {
        years,
        threads,
        writes_rows: false,
    };
    super::say_admission(&nines::app::admit_trace(&loaded, shape, args.force)?);
    let plan = Plan::compile(&loaded.model, loaded.seed);
    let year = match args.year {
        Some(year) => year,
        None => nines::app::worst_year(&plan, 0..years, threads, interrupt_flag())?,
    };
    let stdout = super::streams::stdout()?;
    let variant = (&loaded, args.model.settings.as_slice());
    let written = nines::app::trace(variant, &plan, year, args.seconds, stdout, interrupt_flag());
    written.map_err(|error| CliError::Output {
        what: "the trace",
        error,
    })?;
    if interrupt_flag().load(Ordering::Relaxed) {
        return Err(RunError::Interrupted.into());
    }
    Ok(ExitCode::SUCCESS)
}
