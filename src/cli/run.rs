//! `nines run`: simulate and report.

use super::progress::Bar;
use super::{
    CliError, MAX_THREADS, MAX_YEARS, ModelArgs, check_workload, interrupt_flag, performance_line,
    worker_threads, write_stdout,
};
use clap::Args;
use nines::app::{CheckShard, Growth, Loaded, RunOutcome, RunRequest, Until};
use nines::plan::Plan;
use nines::report;
use nines::shard::Shard;
use nines::time::Duration;
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
    /// Write summary.json, accumulator.json, years.csv, outages.csv (and incidents.csv with
    /// [[incident]]), the SVG plots and report.html into this directory.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// With --out, write summary.json, accumulator.json, the SVG plots and report.html but
    /// not years.csv and outages.csv, which grow with the years (for CI artefacts).
    #[arg(long, requires = "out")]
    summary_only: bool,
    /// The most years a growing run (check --until-decided, run --target-ci-width) may
    /// grow to [default: 100 times --years].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=MAX_YEARS))]
    max_years: Option<u64>,
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
    #[arg(
        long,
        value_name = "K/M",
        requires = "out",
        conflicts_with = "summary_only"
    )]
    shard: Option<Shard>,
    /// Grow the run in doubling steps (N, 2N, 4N, … years) until the 95% CI of the
    /// availability is at most this wide, as downtime per horizon (`30s`), or --max-years.
    #[arg(long, value_name = "DURATION", value_parser = Duration::parse, conflicts_with = "shard")]
    target_ci_width: Option<Duration>,
}

/// A model ready to simulate: validated, checked for size and compiled.
pub(crate) struct Prepared {
    loaded: Loaded,
    plan: Plan,
    years: u64,
    threads: usize,
    out: Option<PathBuf>,
    summary_only: bool,
    growth: Option<Growth>,
}

impl SimulateArgs {
    /// Reads the model, checks that the run is not too large (unless `--force`), and only
    /// then compiles the plan, which may be large.
    /// `until` is the goal of a growing run, if the command asks for one.
    pub(crate) fn prepare(&self, until: Option<Until>) -> Result<Prepared, CliError> {
        let loaded = self.model.load()?;
        let years = self.years.unwrap_or(loaded.model.simulation().years);
        let threads = worker_threads(self.threads);
        let growth = self.growth(years, until)?;
        let shape = RunShape {
            // A growing run may reach its cap: that is the run to judge.
            years: growth.map_or(years, |growth| growth.max_years),
            threads,
            writes_rows: self.out.is_some() && !self.summary_only,
        };
        check_workload(&loaded, shape, self.force)?;
        let plan = Plan::compile(&loaded.model, loaded.seed);
        Ok(Prepared {
            loaded,
            plan,
            years,
            threads,
            out: self.out.clone(),
            summary_only: self.summary_only,
            growth,
        })
    }

    /// The growth of a run of `years` years towards `until`, capped by --max-years.
    fn growth(&self, years: u64, until: Option<Until>) -> Result<Option<Growth>, CliError> {
        let Some(until) = until else {
            return match self.max_years {
                Some(_) => Err(CliError::Usage(
                    "--max-years needs --until-decided (check) or --target-ci-width (run)"
                        .to_string(),
                )),
                None => Ok(None),
            };
        };
        let max_years = self
            .max_years
            .unwrap_or(years.saturating_mul(DEFAULT_GROWTH).min(MAX_YEARS));
        if max_years < years {
            return Err(CliError::Usage(format!(
                "--max-years {max_years} is below the {years} years the run starts with"
            )));
        }
        Ok(Some(Growth { max_years, until }))
    }
}

/// The default cap of a growing run, in multiples of its first years.
const DEFAULT_GROWTH: u64 = 100;

impl Prepared {
    /// The request for the whole run.
    pub(crate) fn request(&self) -> RunRequest<'_> {
        RunRequest {
            loaded: &self.loaded,
            plan: &self.plan,
            years: 0..self.years,
            threads: self.threads,
            out: self.out.clone(),
            summary_only: self.summary_only,
            growth: self.growth,
        }
    }

    /// A progress bar for the whole run (to its cap, for a growing run).
    pub(crate) fn bar(&self) -> Bar {
        Bar::new(self.growth.map_or(self.years, |growth| growth.max_years))
    }

    /// Simulates shard `shard` of the whole run into the output directory; with `check`, a
    /// check's shard.
    pub(crate) fn run_shard(
        &self,
        shard: Shard,
        check: Option<CheckShard>,
    ) -> Result<RunOutcome, CliError> {
        let years = shard
            .years(self.years)
            .map_err(|error| CliError::Usage(format!("--shard: {error}")))?;
        let mut bar = Bar::new(years.end - years.start);
        let request = self.request();
        Ok(nines::app::run_shard(
            &request,
            shard,
            self.years,
            check,
            &mut bar,
            interrupt_flag(),
        )?)
    }

    /// The summary of shard `shard` as text, under the line that says which years it holds.
    pub(crate) fn shard_text(&self, shard: Shard, outcome: &RunOutcome) -> String {
        let heading = shard
            .years(self.years)
            .map(|years| report::shard_heading(shard, years, self.years) + "\n")
            .unwrap_or_default();
        heading + &report::summary_text(&outcome.summary)
    }

    /// Prints the performance line of `outcome` on stderr, and how a growing run ended.
    pub(crate) fn report_performance(&self, outcome: &RunOutcome) {
        super::say(format_args!(
            "{}",
            performance_line(outcome.totals, outcome.elapsed, self.threads)
        ));
        if let (Some(growth), Some(grown)) = (self.growth, outcome.grown) {
            let line = report::growth_text(&growth, grown, outcome.summary.years);
            super::say(format_args!("{line}"));
        }
    }
}

pub(crate) fn run(args: RunArgs) -> Result<ExitCode, CliError> {
    let until = args.target_ci_width.map(Until::CiWidth);
    let prepared = args.simulate.prepare(until)?;
    super::say_warnings(model_warnings(&prepared.loaded.model));
    let outcome = match args.shard {
        Some(shard) => prepared.run_shard(shard, None)?,
        None => nines::app::run(&prepared.request(), &mut prepared.bar(), interrupt_flag())?,
    };
    prepared.report_performance(&outcome);
    let summary = &outcome.summary;
    let (availability, horizon) = (summary.availability.mean, summary.horizon_s);
    super::say_warnings(never_up(availability, horizon, Some(summary.years)));
    if args.json {
        write_stdout(&report::summary_json(&outcome.summary))?;
    } else if let Some(shard) = args.shard {
        write_stdout(prepared.shard_text(shard, &outcome).as_bytes())?;
    } else {
        write_stdout(report::summary_text(&outcome.summary).as_bytes())?;
    }
    Ok(ExitCode::SUCCESS)
}
