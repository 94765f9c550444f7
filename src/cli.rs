//! The command line: argument definitions and the commands that wire the library together.

use crate::engine::{Engine, YearOutcome};
use crate::model::{Model, ModelErrors};
use crate::plan::Plan;
use crate::report::{self, OutagesCsv, OutputDir, TraceWriter, YearsCsv};
use crate::run::{RunTotals, YearSink, simulate_years};
use crate::stats::{Accumulator, RunMeta, Summary};
use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::fs::File;
use std::io::{BufWriter, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration as WallDuration, Instant};

/// Most years one run may simulate.
const MAX_YEARS: u64 = 1_000_000_000_000;

/// Predict the availability of a highly available cluster by simulating many years.
#[derive(Debug, Parser)]
#[command(name = "nines", version, about, propagate_version = true)]
#[command(after_help = "Examples:
  nines run models/milvus-ha-l1.toml
  nines run models/etcd-quorum.toml --years 100000 --out results/etcd
  nines trace models/etcd-quorum.toml --year 42

Model format, figures and determinism: see SPEC.md and README.md.")]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Simulate the model and print its availability, downtime and outage durations.
    #[command(after_help = "Examples:
  nines run models/milvus-ha-l1.toml
  nines run models/milvus-ha-l1.toml --years 100000 --threads 2 --out results/milvus
  nines run models/etcd-quorum.toml --json | jq .availability

Exit status: 0 on success, 2 on a bad model, bad usage or an output error.")]
    Run(RunArgs),
    /// Print the event log of one simulated year, exactly as `run` simulated it.
    #[command(after_help = "Examples:
  nines trace models/etcd-quorum.toml --year 0
  nines trace models/milvus-ha-l1.toml --year 17 --seed 5 | grep outage")]
    Trace(TraceArgs),
}

#[derive(Debug, Args)]
struct ModelArgs {
    /// The model file (TOML).
    model: PathBuf,
    /// Master seed; overrides [simulation] seed.
    #[arg(long)]
    seed: Option<u64>,
}

#[derive(Debug, Args)]
struct RunArgs {
    #[command(flatten)]
    model: ModelArgs,
    /// Number of simulated years; overrides [simulation] years.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=MAX_YEARS))]
    years: Option<u64>,
    /// Worker threads [default: all cores]. Results do not depend on it.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    threads: Option<u16>,
    /// Write summary.json, years.csv and outages.csv into this directory.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Print the summary as JSON (the contents of summary.json) instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct TraceArgs {
    #[command(flatten)]
    model: ModelArgs,
    /// The year to trace (years are numbered from 0).
    #[arg(long, value_parser = clap::value_parser!(u64).range(0..MAX_YEARS))]
    year: u64,
}

/// A failure the user must fix: reported as `error: …` with exit status 2.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The model file is invalid.
    #[error("{0}")]
    Model(#[from] ModelErrors),
    /// Anything else (files that cannot be written, say).
    #[error("{0:#}")]
    Other(#[from] anyhow::Error),
}

impl Cli {
    /// Runs the command, returning its exit status.
    pub fn execute(self) -> Result<ExitCode, CliError> {
        match self.command {
            Command::Run(args) => run(args),
            Command::Trace(args) => trace(args),
        }
    }
}

fn load(args: &ModelArgs) -> Result<(Model, u64), CliError> {
    let model = Model::load(&args.model)?;
    let seed = args.seed.unwrap_or(model.simulation().seed);
    Ok((model, seed))
}

fn run(args: RunArgs) -> Result<ExitCode, CliError> {
    let (model, seed) = load(&args.model)?;
    let plan = Plan::compile(&model, seed);
    let years = args.years.unwrap_or(model.simulation().years);
    let threads = args.threads.map_or_else(available_threads, usize::from);
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
    let mut sink = RunSink::new(&plan, years, output.as_mut())?;
    let started = Instant::now();
    let totals = simulate_years(&plan, years, threads, &mut sink)?;
    let elapsed = started.elapsed();
    let meta = RunMeta {
        model: model.name().to_string(),
        seed,
    };
    let summary = sink.finish(meta, &plan.expression_names[1..])?;
    let json = report::summary_json(&summary);
    if let Some(mut output) = output {
        output
            .write("summary.json", &json)
            .context("cannot write summary.json")?;
        output
            .commit()
            .context("cannot move the result files into place")?;
    }
    if args.json {
        write_stdout(&json)?;
    } else {
        write_stdout(report::summary_text(&summary).as_bytes())?;
    }
    eprintln!("{}", performance_line(totals, elapsed, threads));
    Ok(ExitCode::SUCCESS)
}

fn trace(args: TraceArgs) -> Result<ExitCode, CliError> {
    let (model, seed) = load(&args.model)?;
    let plan = Plan::compile(&model, seed);
    let written = write_trace(&model, &plan, seed, args.year, std::io::stdout().lock());
    ignore_broken_pipe(written).context("cannot write the trace")?;
    Ok(ExitCode::SUCCESS)
}

fn write_trace(
    model: &Model,
    plan: &Plan,
    seed: u64,
    year: u64,
    out: impl Write,
) -> std::io::Result<()> {
    let mut out = BufWriter::new(out);
    writeln!(
        out,
        "# {}: year {year} of seed {seed}, horizon {}",
        model.name(),
        plan.horizon
    )?;
    writeln!(out, "#       time_s  event")?;
    let mut writer = TraceWriter::new(plan, out);
    let outcome = Engine::new(plan).simulate_traced(year, &mut writer).clone();
    let mut out = writer.finish()?;
    out.write_all(trace_footer(plan, &outcome).as_bytes())?;
    out.flush()
}

fn trace_footer(plan: &Plan, outcome: &YearOutcome) -> String {
    let mut footer = format!(
        "# {} events, {} outages, downtime {}s",
        outcome.events,
        outcome.outages.len(),
        outcome.downtime[0].as_secs_f64()
    );
    for (name, downtime) in plan.expression_names[1..]
        .iter()
        .zip(&outcome.downtime[1..])
    {
        footer.push_str(&format!(", {name} downtime {}s", downtime.as_secs_f64()));
    }
    footer.push('\n');
    footer
}

/// A closed pipe (`nines trace … | head`) is not an error.
fn ignore_broken_pipe(result: std::io::Result<()>) -> std::io::Result<()> {
    match result {
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

fn write_stdout(bytes: &[u8]) -> Result<(), CliError> {
    let mut stdout = std::io::stdout().lock();
    let written = stdout.write_all(bytes).and_then(|()| stdout.flush());
    ignore_broken_pipe(written).context("cannot write to standard output")?;
    Ok(())
}

fn available_threads() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

fn performance_line(totals: RunTotals, elapsed: WallDuration, threads: usize) -> String {
    let secs = elapsed.as_secs_f64().max(1e-9);
    format!(
        "simulated {} years in {:.2} s on {threads} thread{}: {:.0} years/s, {:.2} M events/s",
        totals.years,
        secs,
        if threads == 1 { "" } else { "s" },
        totals.years as f64 / secs,
        totals.events as f64 / secs / 1e6
    )
}

/// Everything a run does with each year, in year order: statistics, CSV rows, progress.
struct RunSink {
    stats: Accumulator,
    years_csv: Option<YearsCsv<BufWriter<File>>>,
    outages_csv: Option<OutagesCsv<BufWriter<File>>>,
    progress: Progress,
}

impl RunSink {
    fn new(plan: &Plan, years: u64, output: Option<&mut OutputDir>) -> anyhow::Result<RunSink> {
        let (years_csv, outages_csv) = match output {
            Some(output) => (
                Some(YearsCsv::new(output.file("years.csv")?, plan)?),
                Some(OutagesCsv::new(output.file("outages.csv")?, plan)?),
            ),
            None => (None, None),
        };
        Ok(RunSink {
            stats: Accumulator::new(plan.horizon, plan.expressions.len()),
            years_csv,
            outages_csv,
            progress: Progress::new(years),
        })
    }

    fn finish(self, meta: RunMeta, services: &[String]) -> anyhow::Result<Summary> {
        self.progress.finish();
        if let Some(csv) = self.years_csv {
            csv.finish().context("cannot write years.csv")?;
        }
        if let Some(csv) = self.outages_csv {
            csv.finish().context("cannot write outages.csv")?;
        }
        Ok(self.stats.summary(meta, services))
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
