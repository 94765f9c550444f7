//! `nines bench`: the engine's speed against the random-number floor, side by side.

use super::{
    CliError, MAX_THREADS, MAX_YEARS, ModelArgs, available_threads, check_workload, write_stdout,
};
use clap::Args;
use nines::app::RunError;
use nines::bench::{
    BenchError, ProcessTimer, Reference, ReferenceTimer, compare, same_replica_years, scaling,
    time_process,
};
use nines::model::MAX_COPIES;
use nines::plan::Plan;
use nines::report::{BenchFacts, bench_text, independent_text, reference_text, scaling_text};
use nines::workload::RunShape;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub(crate) struct BenchArgs {
    #[command(flatten)]
    model: ModelArgs,
    /// Years per timed run (with several `--copies`, at the first; the others simulate about
    /// the same replica-years).
    #[arg(long, default_value_t = 20_000, value_parser = clap::value_parser!(u64).range(1..=MAX_YEARS))]
    years: u64,
    /// Thread counts to measure, comma-separated, each at most 256 [default: 1 and all
    /// cores].
    #[arg(long, value_delimiter = ',', value_parser = clap::value_parser!(u16).range(1..=MAX_THREADS))]
    threads: Vec<u16>,
    /// Rounds; each times the reference (with `--reference`) once, then the engine, the run,
    /// a `nines run` process, the floor and the independent floor at every thread count
    /// (with several `--copies`, the engine, the run and the floor at every size). The
    /// tables give medians; with one round, single values.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u16).range(1..))]
    rounds: u16,
    /// Simulate this many copies of the model's components, the system being the copies in
    /// series (copy k of a component is named NAME_k); several, comma-separated (`1,10,100`),
    /// print instead how the cost of a replica-year grows with the size of the cluster.
    #[arg(long, value_delimiter = ',', default_value = "1", value_parser = clap::value_parser!(u32).range(1..=i64::from(MAX_COPIES)))]
    copies: Vec<u32>,
    /// Also time another simulator of the same model as a whole process, once a round, and
    /// compare the `nines run` process with it: a program and its arguments (split at
    /// whitespace, no shell), in which `{model}` must stand for the model file and `{years}`
    /// for `--reference-years`. For example `--reference "python3
    /// benches/simpy_reference.py {model} {years}"`.
    #[arg(long, value_name = "COMMAND")]
    reference: Option<String>,
    /// Years each run of the reference simulates [default: about 2 seconds' worth, from a
    /// trial run of 100 years, so that its start-up is a small part of its time].
    #[arg(long, value_name = "YEARS", requires = "reference", value_parser = clap::value_parser!(u64).range(1..=MAX_YEARS))]
    reference_years: Option<u64>,
    /// Run even if one timed run is estimated to be too large (over 1e9 events in one
    /// simulated year, 1e11 in all, or 4 GiB of memory).
    #[arg(long)]
    force: bool,
}

pub(crate) fn bench(args: BenchArgs) -> Result<ExitCode, CliError> {
    let mut threads: Vec<usize> = args.threads.iter().map(|t| usize::from(*t)).collect();
    if threads.is_empty() {
        threads = vec![1, available_threads()];
        threads.dedup();
    }
    if args.reference.is_some() && args.copies != [1] {
        // The reference simulates the model file as written, as `nines run` does.
        return Err(CliError::Usage(
            "--reference compares `nines run` on the model as written: it cannot be used \
             with --copies other than 1"
                .to_owned(),
        ));
    }
    match args.copies.as_slice() {
        [copies] => side_by_side(&args, *copies, &threads),
        sizes => grow(&args, sizes, &threads),
    }
}

/// The reference of `--reference`, if given: with `--reference-years`, or calibrated by a
/// trial run.
fn reference(args: &BenchArgs) -> Result<Option<Reference>, CliError> {
    let Some(command) = &args.reference else {
        return Ok(None);
    };
    let new = |years| {
        Reference::new(command, &args.model.model, years)
            .map_err(|error| CliError::Usage(error.to_string()))
    };
    match args.reference_years {
        Some(years) => new(years).map(Some),
        None => new(Reference::TRIAL_YEARS)?
            .calibrated()
            .map(Some)
            .map_err(cli_error),
    }
}

/// The engine, the run, the process and the floors on one size of the cluster.
fn side_by_side(args: &BenchArgs, copies: u32, threads: &[usize]) -> Result<ExitCode, CliError> {
    let reference = reference(args)?;
    let loaded = args.model.load()?.with_copies(copies)?;
    let rounds = usize::from(args.rounds);
    check_workload(&loaded, shape(args.years, threads), args.force)?;
    let plan = Plan::compile(&loaded.model, loaded.seed);
    let seed = loaded.seed;
    let binary = std::env::current_exe().map_err(CliError::Process)?;
    let model = &args.model.model;
    let mut process = |years, threads| time_process(&binary, model, Some(seed), years, threads);
    // A `nines run` process simulates the model file as written, not its copies: with
    // `--copies` the process column is left out (a dash) rather than timing another model.
    let process: Option<&mut ProcessTimer<'_>> = if copies == 1 {
        Some(&mut process)
    } else {
        None
    };
    let mut time_reference = reference.as_ref().map(|reference| move || reference.time());
    let timer = time_reference
        .as_mut()
        .map(|time| time as &mut ReferenceTimer<'_>);
    let sides = compare(&plan, args.years, threads, rounds, process, timer).map_err(cli_error)?;
    let facts = BenchFacts {
        model: loaded.model.name(),
        replicas: plan.replica_count(),
        years: args.years,
        rounds,
    };
    write_stdout(bench_text(&facts, &sides).as_bytes())?;
    write_stdout(independent_text(&sides).as_bytes())?;
    if let Some(reference) = &reference {
        let text = reference_text(&reference.command_line(), reference.years(), &sides);
        write_stdout(text.as_bytes())?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The cost of a replica-year at each size in `sizes` (copies), each simulating about the
/// replica-years of `--years` years at the first size (at least a year, at most the most
/// `--years` takes).
fn grow(args: &BenchArgs, sizes: &[u32], threads: &[usize]) -> Result<ExitCode, CliError> {
    // Read once: a model piped in (`<(...)`, /dev/stdin) can be read only once, and every
    // size is then a copy of the same text.
    let model = args.model.load()?;
    let mut loaded = Vec::with_capacity(sizes.len());
    for &copies in sizes {
        let copied = model.with_copies(copies)?;
        let years = same_replica_years(args.years, sizes[0], copies).min(MAX_YEARS);
        check_workload(&copied, shape(years, threads), args.force)?;
        loaded.push((copies, Plan::compile(&copied.model, copied.seed), years));
    }
    let rounds = usize::from(args.rounds);
    let scales = scaling(&loaded, threads, rounds).map_err(cli_error)?;
    write_stdout(scaling_text(model.model.name(), rounds, &scales).as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

/// The shape of the largest timed run, for the size estimate.
fn shape(years: u64, threads: &[usize]) -> RunShape {
    RunShape {
        years,
        threads: threads.iter().copied().max().unwrap_or(1),
        writes_rows: false,
    }
}

/// A timed run's failure as the CLI reports it.
fn cli_error(error: BenchError) -> CliError {
    match error {
        BenchError::Simulate(error) => CliError::Run(RunError::from(error)),
        error @ (BenchError::Process(_) | BenchError::Reference { .. }) => CliError::Bench(error),
    }
}
