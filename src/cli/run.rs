//! `nines run`: simulate and report.

use super::progress::Bar;
use super::{
    CliError, MAX_THREADS, MAX_YEARS, ModelArgs, available_threads, check_workload, interrupt_flag,
    performance_line, write_stdout,
};
use clap::Args;
use nines::app::{Loaded, RunOutcome, RunRequest};
use nines::plan::Plan;
use nines::report;
use nines::shard::Shard;
use nines::warnings::{model_warnings, never_up};
use nines::workload::RunShape;
use std::path::PathBuf;
use std::process::ExitCode;

/// The options of every command that simulates a run (`run`, `check`).
#[derive(Debug, Args)]
pub(crate) struct SimulateArgs {
    #[command(flatten)]
    pub(crate) model: ModelArgs,
    /// Number of simulated years; overrides [simulation] years.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=MAX_YEARS))]
    years: Option<u64>,
    /// Worker threads, at most 256 [default: all cores]. Results do not depend on it.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=MAX_THREADS))]
    threads: Option<u16>,
    /// Write summary.json, years.csv, outages.csv, the SVG plots and report.html into
    /// this directory.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Run even if the run is estimated to be too large: over 1e9 events in one simulated
    /// year, 1e11 in all, 4 GiB of memory, or 16 GiB of result files.
    #[arg(long)]
    force: bool,
}

#[derive(Debug, Args)]
pub(crate) struct RunArgs {
    #[command(flatten)]
    simulate: SimulateArgs,
    /// Print the summary as JSON (the contents of summary.json) instead of text.
    #[arg(long)]
    json: bool,
    /// Simulate only shard K (from 0) of M: years ⌊K·N/M⌋ to ⌊(K+1)·N/M⌋ − 1 of the whole
    /// run, written with what `nines merge` needs to --out (required). M may not exceed N.
    #[arg(long, value_name = "K/M", requires = "out")]
    shard: Option<Shard>,
}

/// A model ready to simulate: validated, checked for size and compiled.
pub(crate) struct Prepared {
    loaded: Loaded,
    plan: Plan,
    years: u64,
    threads: usize,
    out: Option<PathBuf>,
}

impl SimulateArgs {
    /// Reads the model, checks that the run is not too large (unless `--force`), and only
    /// then compiles the plan, which may be large.
    pub(crate) fn prepare(&self) -> Result<Prepared, CliError> {
        let loaded = self.model.load()?;
        let years = self.years.unwrap_or(loaded.model.simulation().years);
        let threads = self.threads.map_or_else(available_threads, usize::from);
        let shape = RunShape {
            years,
            threads,
            writes_rows: self.out.is_some(),
        };
        check_workload(&loaded, shape, self.force)?;
        let plan = Plan::compile(&loaded.model, loaded.seed);
        Ok(Prepared {
            loaded,
            plan,
            years,
            threads,
            out: self.out.clone(),
        })
    }
}

impl Prepared {
    /// The request for the whole run.
    pub(crate) fn request(&self) -> RunRequest<'_> {
        RunRequest {
            loaded: &self.loaded,
            plan: &self.plan,
            years: 0..self.years,
            threads: self.threads,
            out: self.out.clone(),
        }
    }

    /// A progress bar for the whole run.
    pub(crate) fn bar(&self) -> Bar {
        Bar::new(self.years)
    }

    /// Simulates shard `shard` of the whole run into the output directory.
    fn run_shard(&self, shard: Shard) -> Result<RunOutcome, CliError> {
        let years = shard
            .years(self.years)
            .map_err(|error| CliError::Usage(format!("--shard: {error}")))?;
        let mut bar = Bar::new(years.end - years.start);
        let request = self.request();
        Ok(nines::app::run_shard(
            &request,
            shard,
            self.years,
            &mut bar,
            interrupt_flag(),
        )?)
    }

    /// Prints the performance line of `outcome` on stderr.
    pub(crate) fn report_performance(&self, outcome: &RunOutcome) {
        super::say(format_args!(
            "{}",
            performance_line(outcome.totals, outcome.elapsed, self.threads)
        ));
    }
}

pub(crate) fn run(args: RunArgs) -> Result<ExitCode, CliError> {
    let prepared = args.simulate.prepare()?;
    super::say_warnings(model_warnings(&prepared.loaded.model));
    let outcome = match args.shard {
        Some(shard) => prepared.run_shard(shard)?,
        None => nines::app::run(&prepared.request(), &mut prepared.bar(), interrupt_flag())?,
    };
    prepared.report_performance(&outcome);
    let summary = &outcome.summary;
    let (availability, horizon) = (summary.availability.mean, summary.horizon_s);
    super::say_warnings(never_up(availability, horizon, Some(summary.years)));
    if args.json {
        write_stdout(&report::summary_json(&outcome.summary))?;
    } else {
        write_stdout(report::summary_text(&outcome.summary).as_bytes())?;
    }
    Ok(ExitCode::SUCCESS)
}
