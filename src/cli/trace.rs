//! `nines trace`: the event log of one simulated year.

use super::{CliError, MAX_YEARS, ModelArgs, check_workload, ignore_broken_pipe, interrupt_flag};
use clap::Args;
use nines::app::RunError;
use nines::plan::Plan;
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
    let stdout = std::io::stdout().lock();
    let written = nines::app::trace(&loaded, &plan, args.year, stdout, interrupt_flag());
    ignore_broken_pipe(written).map_err(|error| CliError::Output {
        what: "the trace",
        error,
    })?;
    if interrupt_flag().load(Ordering::Relaxed) {
        return Err(RunError::Interrupted.into());
    }
    Ok(ExitCode::SUCCESS)
}
