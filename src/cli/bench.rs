//! `nines bench`: the engine's speed against the random-number floor, side by side.

use super::{CliError, MAX_YEARS, ModelArgs, available_threads, check_workload, write_stdout};
use clap::Args;
use nines::app::RunError;
use nines::bench::{BenchError, Timing, compare};
use nines::plan::Plan;
use nines::report::{BenchFacts, bench_text, independent_text};
use nines::workload::RunShape;
use std::path::Path;
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

#[derive(Debug, Args)]
pub(crate) struct BenchArgs {
    #[command(flatten)]
    model: ModelArgs,
    /// Years per timed run.
    #[arg(long, default_value_t = 20_000, value_parser = clap::value_parser!(u64).range(1..=MAX_YEARS))]
    years: u64,
    /// Thread counts to measure, comma-separated [default: 1 and all cores].
    #[arg(long, value_delimiter = ',', value_parser = clap::value_parser!(u16).range(1..))]
    threads: Vec<u16>,
    /// Rounds; each times the engine then the floor at every thread count.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u16).range(1..))]
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
    let seed = loaded.seed;
    let mut process = |years, threads| time_process(&args.model.model, seed, years, threads);
    let sides =
        compare(&plan, args.years, &threads, rounds, Some(&mut process)).map_err(|error| {
            match error {
                BenchError::Simulate(error) => CliError::Run(RunError::from(error)),
                BenchError::Process(error) => CliError::Process(error),
            }
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

/// Times this binary's `nines run MODEL` of `years` years on `threads` threads with `seed`,
/// as a whole process (its output discarded).
fn time_process(model: &Path, seed: u64, years: u64, threads: usize) -> std::io::Result<Timing> {
    let started = Instant::now();
    let status = Command::new(std::env::current_exe()?)
        .arg("run")
        .arg(model)
        .args([
            "--years",
            &years.to_string(),
            "--threads",
            &threads.to_string(),
        ])
        .args(["--seed", &seed.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()?;
    let secs = started.elapsed().as_secs_f64();
    if !status.success() {
        return Err(std::io::Error::other(format!(
            "`nines run` exited with {status}"
        )));
    }
    Ok(Timing {
        years,
        work: 0,
        secs,
    })
}
