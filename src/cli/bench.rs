//! `nines bench`: the engine's speed against the random-number floor, side by side.

use super::{
    CliError, MAX_THREADS, MAX_YEARS, ModelArgs, available_threads, check_workload, write_stdout,
};
use clap::Args;
use nines::app::RunError;
use nines::bench::{BenchError, ProcessTimer, compare, time_process};
use nines::model::MAX_COPIES;
use nines::plan::Plan;
use nines::report::{BenchFacts, bench_text, independent_text};
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
    /// Rounds; each times the engine, the run, a `nines run` process, the floor and the
    /// independent floor at every thread count.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u16).range(1..))]
    rounds: u16,
    /// Simulate this many copies of the model's components, the system being the copies in
    /// series (copy k of a component is named NAME_k): how the cost per replica grows with
    /// the size of the cluster.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=i64::from(MAX_COPIES)))]
    copies: u32,
    /// Run even if one timed run is estimated to be too large (over 1e9 events in one
    /// simulated year, 1e11 in all, or 4 GiB of memory).
    #[arg(long)]
    force: bool,
}

pub(crate) fn bench(args: BenchArgs) -> Result<ExitCode, CliError> {
    let loaded = args.model.load()?.with_copies(args.copies)?;
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
    let seed = loaded.seed;
    let binary = std::env::current_exe().map_err(CliError::Process)?;
    let model = &args.model.model;
    let mut process = |years, threads| time_process(&binary, model, Some(seed), years, threads);
    // A `nines run` process simulates the model file as written, not its copies: with
    // `--copies` the process column is left out (a dash) rather than timing another model.
    let process: Option<&mut ProcessTimer<'_>> = if args.copies == 1 {
        Some(&mut process)
    } else {
        None
    };
    let sides =
        compare(&plan, args.years, &threads, rounds, process).map_err(|error| match error {
            BenchError::Simulate(error) => CliError::Run(RunError::from(error)),
            BenchError::Process(error) => CliError::Process(error),
        })?;
    let facts = BenchFacts {
        model: loaded.model.name(),
        replicas: plan.replica_count(),
        years: args.years,
        rounds,
    };
    write_stdout(bench_text(&facts, &sides).as_bytes())?;
    write_stdout(independent_text(&sides).as_bytes())?;
    Ok(ExitCode::SUCCESS)
}
