//! `nines trace`: the event log of one simulated year.

use super::{CliError, MAX_YEARS, check_workload, interrupt_flag};
use clap::Args;
use nines::app::RunError;
use nines::plan::Plan;
use nines::workload::RunShape;
use std::process::ExitCode;
use std::sync::atomic::Ordering;

#[derive(Debug, Args)]
pub(crate) struct TraceArgs {
    #[command(flatten)]
    model: super::VariantModelArgs,
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
    let shape = RunShape {
        years: 1,
        threads: 1,
        writes_rows: false,
    };
    check_workload(&loaded, shape, args.force)?;
    let plan = Plan::compile(&loaded.model, loaded.seed);
    let stdout = std::io::stdout().lock();
    let written = nines::app::trace(&loaded, &plan, args.year, stdout, interrupt_flag());
    written.map_err(|error| CliError::Output {
        what: "the trace",
        error,
    })?;
    if interrupt_flag().load(Ordering::Relaxed) {
        return Err(RunError::Interrupted.into());
    }
    Ok(ExitCode::SUCCESS)
}
