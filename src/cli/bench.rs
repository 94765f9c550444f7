//! `nines bench`: the engine's speed against the random-number floor, side by side.

use super::{
    CliError, MAX_THREADS, MAX_YEARS, ModelArgs, available_threads, check_workload, write_stdout,
};
use clap::Args;
use nines::app::RunError;
use nines::bench::compare;
use nines::plan::Plan;
use nines::report::{BenchFacts, bench_text};
use nines::workload::RunShape;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub(crate) struct BenchArgs {
    #[command(flatten)]
    model: ModelArgs,
    /// Years per timed run.
    #[arg(long, default_value_t = 20_000, value_parser = clap::value_parser!(u64).range(1..=MAX_YEARS))]
    years: u64,
    /// Thread counts to measure, comma-separated, each at most 256 [default: 1 and all
    /// cores].
    #[arg(long, value_delimiter = ',', value_parser = clap::value_parser!(u16).range(1..=MAX_THREADS))]
    threads: Vec<u16>,
    /// Rounds; each times the engine then the floor at every thread count.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u16).range(1..=MAX_THREADS))]
    rounds: u16,
    /// Run even if one timed run is estimated to be too large (over 1e9 events in one
    /// simulated year, 1e11 in all, or 4 GiB of memory).
    #[arg(long)]
    force: bool,
}

pub(crate) fn bench(args: BenchArgs) -> Result<ExitCode, CliError> {
    let loaded = args.model.load()?;
    let mut threads: Vec<usize> = args.threads.iter().map(|t| usize::from(*t)).collect();
    if threads.is_empty() {
        threads = vec![1, available_threads()];
        threads.dedup();
    }
    let rounds = usize::from(args.rounds);
    let most = threads.iter().copied().max().unwrap_or(1);
    let shape = RunShape {
        years: args.years,
        threads: most,
        writes_rows: false,
    };
    check_workload(&loaded, shape, args.force)?;
    let plan = Plan::compile(&loaded.model, loaded.seed);
    let sides = compare(&plan, args.years, &threads, rounds).map_err(RunError::from)?;
    let facts = BenchFacts {
        model: loaded.model.name(),
        replicas: plan.replica_count(),
        years: args.years,
        rounds,
    };
    write_stdout(bench_text(&facts, &sides).as_bytes())?;
    Ok(ExitCode::SUCCESS)
}
