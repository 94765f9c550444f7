//! `nines run`: simulate and report.

use super::{
    CliError, MAX_YEARS, ModelArgs, available_threads, check_workload, interrupt_flag, load,
    performance_line, write_stdout,
};
use crate::engine::YearOutcome;
use crate::model::Model;
use crate::plan::Plan;
use crate::report::{self, OutagesCsv, OutputDir, YearsCsv};
use crate::run::{YearSink, simulate_years};
use crate::stats::{Accumulator, RunMeta, Summary};
use anyhow::Context;
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::fs::File;
use std::io::{BufWriter, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration as WallDuration, Instant};

/// The options of every command that simulates a run (`run`, `check`).
#[derive(Debug, Args)]
pub(crate) struct SimulateArgs {
    #[command(flatten)]
    pub(crate) model: ModelArgs,
    /// Number of simulated years; overrides [simulation] years.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=MAX_YEARS))]
    years: Option<u64>,
    /// Worker threads [default: all cores]. Results do not depend on it.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    threads: Option<u16>,
    /// Write summary.json, years.csv and outages.csv into this directory.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Run even if the run is estimated to be too large (see README, "Errors, limits").
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
}

impl SimulateArgs {
    /// Reads the model, checks that the run is not too large (unless `--force`), and only
    /// then compiles the plan, which may be large.
    pub(crate) fn load(&self) -> Result<(Model, u64, Plan), CliError> {
        let (model, seed) = load(&self.model)?;
        check_workload(
            &model,
            &self.model.model,
            self.years(&model),
            self.threads(),
            self.force,
        )?;
        let plan = Plan::compile(&model, seed);
        Ok((model, seed, plan))
    }

    fn years(&self, model: &Model) -> u64 {
        self.years.unwrap_or(model.simulation().years)
    }

    fn threads(&self) -> usize {
        self.threads.map_or_else(available_threads, usize::from)
    }
}

pub(crate) fn run(args: RunArgs) -> Result<ExitCode, CliError> {
    let (model, seed, plan) = args.simulate.load()?;
    let stats = Accumulator::new(plan.horizon, plan.expressions.len());
    let (summary, _) = simulate(&args.simulate, &model, seed, &plan, stats)?;
    if args.json {
        write_stdout(&report::summary_json(&summary))?;
    } else {
        write_stdout(report::summary_text(&summary).as_bytes())?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Simulates the years `args` ask for, feeding `stats`; with `--out`, writes the result
/// files. Returns the summary and the statistics; the performance line goes to stderr.
pub(crate) fn simulate(
    args: &SimulateArgs,
    model: &Model,
    seed: u64,
    plan: &Plan,
    stats: Accumulator,
) -> Result<(Summary, Accumulator), CliError> {
    let years = args.years(model);
    let threads = args.threads();
    let mut output = args
        .out
        .as_deref()
        .map(OutputDir::create)
        .transpose()
        .with_context(|| {
            format!(
                "cannot create the output directory {}",
                args.out.as_deref().unwrap_or_else(|| "".as_ref()).display()
            )
        })?;
    let mut sink = RunSink::new(plan, years, output.as_mut(), stats)?;
    let started = Instant::now();
    let totals = simulate_years(plan, years, threads, &mut sink, interrupt_flag())?;
    let elapsed = started.elapsed();
    let meta = RunMeta {
        model: model.name().to_string(),
        seed,
    };
    let stats = sink.finish()?;
    let summary = stats.summary(meta, &plan.expression_names[1..]);
    if let Some(mut output) = output {
        output
            .write("summary.json", &report::summary_json(&summary))
            .context("cannot write summary.json")?;
        output
            .commit()
            .context("cannot move the result files into place")?;
    }
    eprintln!("{}", performance_line(totals, elapsed, threads));
    Ok((summary, stats))
}

/// Everything a run does with each year, in year order: statistics, CSV rows, progress.
pub(crate) struct RunSink {
    stats: Accumulator,
    years_csv: Option<YearsCsv<BufWriter<File>>>,
    outages_csv: Option<OutagesCsv<BufWriter<File>>>,
    progress: Progress,
}

impl RunSink {
    fn new(
        plan: &Plan,
        years: u64,
        output: Option<&mut OutputDir>,
        stats: Accumulator,
    ) -> anyhow::Result<RunSink> {
        let (years_csv, outages_csv) = match output {
            Some(output) => (
                Some(YearsCsv::new(output.file("years.csv")?, plan)?),
                Some(OutagesCsv::new(output.file("outages.csv")?, plan)?),
            ),
            None => (None, None),
        };
        Ok(RunSink {
            stats,
            years_csv,
            outages_csv,
            progress: Progress::new(years),
        })
    }

    fn finish(self) -> anyhow::Result<Accumulator> {
        self.progress.finish();
        if let Some(csv) = self.years_csv {
            csv.finish().context("cannot write years.csv")?;
        }
        if let Some(csv) = self.outages_csv {
            csv.finish().context("cannot write outages.csv")?;
        }
        Ok(self.stats)
    }
}

impl YearSink for RunSink {
    fn year(&mut self, outcome: &YearOutcome) -> anyhow::Result<()> {
        self.stats.add(outcome);
        if let Some(csv) = &mut self.years_csv {
            csv.write(outcome).context("cannot write years.csv")?;
        }
        if let Some(csv) = &mut self.outages_csv {
            csv.write(outcome).context("cannot write outages.csv")?;
        }
        self.progress.tick();
        Ok(())
    }
}

/// A progress bar on stderr, shown only when stderr is a terminal and the run has already
/// taken a second; it never touches the results.
struct Progress {
    total: u64,
    done: u64,
    started: Instant,
    bar: Option<ProgressBar>,
}

impl Progress {
    /// Years between checks of the clock.
    const CHECK_EVERY: u64 = 256;

    fn new(total: u64) -> Progress {
        Progress {
            total,
            done: 0,
            started: Instant::now(),
            bar: None,
        }
    }

    fn tick(&mut self) {
        self.done += 1;
        if !self.done.is_multiple_of(Self::CHECK_EVERY) {
            return;
        }
        match &self.bar {
            Some(bar) => bar.set_position(self.done),
            None if self.started.elapsed() > WallDuration::from_secs(1)
                && std::io::stderr().is_terminal() =>
            {
                let bar =
                    ProgressBar::with_draw_target(Some(self.total), ProgressDrawTarget::stderr());
                let style = ProgressStyle::with_template(
                    "{bar:40} {pos}/{len} years  {per_sec}  eta {eta}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar());
                bar.set_style(style);
                bar.set_position(self.done);
                self.bar = Some(bar);
            }
            None => {}
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
