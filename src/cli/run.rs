//! `nines run`: simulate and report.

use super::{
    CliError, MAX_YEARS, ModelArgs, available_threads, check_workload, interrupt_flag,
    load_with_source, output_dir, performance_line, write_plots, write_stdout,
};
use crate::engine::{Engine, YearOutcome};
use crate::model::Model;
use crate::plan::Plan;
use crate::report::{self, CsvRows, OutputDir, RunFacts, Timeline};
use crate::run::{Format, NoFormat, YearSink, simulate_years_formatted};
use crate::stats::{Accumulator, Breakdown, RunMeta, Summary};
use anyhow::Context;
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};
use std::fs::File;
use std::io::{BufWriter, IsTerminal, Write};
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
    /// Write summary.json, years.csv, outages.csv, the SVG plots and report.html into
    /// this directory.
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

/// A model ready to simulate: validated, checked for size and compiled.
pub(crate) struct Loaded {
    /// The validated model.
    pub(crate) model: Model,
    /// The master seed (the model's, or `--seed`).
    pub(crate) seed: u64,
    /// The compiled plan.
    pub(crate) plan: Plan,
    /// The model file's text, hashed in reports.
    pub(crate) source: String,
}

impl SimulateArgs {
    /// Reads the model, checks that the run is not too large (unless `--force`), and only
    /// then compiles the plan, which may be large.
    pub(crate) fn load(&self) -> Result<Loaded, CliError> {
        let (model, seed, source) = load_with_source(&self.model)?;
        check_workload(
            &model,
            &self.model.model,
            self.years(&model),
            self.threads(),
            self.force,
        )?;
        let plan = Plan::compile(&model, seed);
        Ok(Loaded {
            model,
            seed,
            plan,
            source,
        })
    }

    fn years(&self, model: &Model) -> u64 {
        self.years.unwrap_or(model.simulation().years)
    }

    fn threads(&self) -> usize {
        self.threads.map_or_else(available_threads, usize::from)
    }
}

pub(crate) fn run(args: RunArgs) -> Result<ExitCode, CliError> {
    let loaded = args.simulate.load()?;
    let plan = &loaded.plan;
    let stats = Accumulator::for_plan(plan);
    let (summary, _) = simulate(&args.simulate, &loaded, stats)?;
    if args.json {
        write_stdout(&report::summary_json(&summary))?;
    } else {
        write_stdout(report::summary_text(&summary).as_bytes())?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Simulates the years `args` ask for, feeding `stats`; with `--out`, writes the result
/// files, the plots and report.html. Returns the summary and the statistics; the
/// performance line goes to stderr.
pub(crate) fn simulate(
    args: &SimulateArgs,
    loaded: &Loaded,
    stats: Accumulator,
) -> Result<(Summary, Accumulator), CliError> {
    let Loaded {
        model,
        seed,
        plan,
        source,
    } = loaded;
    let years = args.years(model);
    let threads = args.threads();
    let mut output = output_dir(args.out.as_deref())?;
    let files = CsvFiles(CsvRows::new(plan));
    let mut sink = RunSink::new(plan, &files.0, years, output.as_mut(), stats)?;
    let format: &dyn Format = if output.is_some() { &files } else { &NoFormat };
    let started = Instant::now();
    let totals =
        simulate_years_formatted(plan, years, threads, format, &mut sink, interrupt_flag())?;
    let elapsed = started.elapsed();
    let meta = RunMeta {
        model: model.name().to_string(),
        seed: *seed,
    };
    let (stats, breakdown) = sink.finish()?;
    let summary = stats.summary(meta, &plan.expression_names[1..]);
    if let Some(mut output) = output {
        output
            .write("summary.json", &report::summary_json(&summary))
            .context("cannot write summary.json")?;
        if let Some(breakdown) = &breakdown {
            let facts = RunFacts {
                file: &args.model.model.display().to_string(),
                hash: &report::sha256_hex(source.as_bytes()),
                plan,
                availability_target: model.slo().and_then(|slo| slo.up.availability),
            };
            write_run_report(&mut output, &facts, &summary, &stats, breakdown)?;
        }
        output
            .commit()
            .context("cannot move the result files into place")?;
    }
    eprintln!("{}", performance_line(totals, elapsed, threads));
    Ok((summary, stats))
}

/// Writes the plots and report.html of a run; the timeline traces the year with the most
/// downtime again, exactly as the run simulated it.
fn write_run_report(
    output: &mut OutputDir,
    facts: &RunFacts<'_>,
    summary: &Summary,
    stats: &Accumulator,
    breakdown: &Breakdown,
) -> Result<(), CliError> {
    let year = breakdown.worst_year().map_or(0, |(year, _)| year);
    let mut timeline = Timeline::new(facts.plan, year);
    Engine::new(facts.plan).simulate_traced(year, &mut timeline);
    let plots = report::run_plots(facts, stats, breakdown, &timeline);
    write_plots(output, &plots)?;
    output
        .write(
            "report.html",
            report::run_page(facts, summary, &plots).as_bytes(),
        )
        .context("cannot write report.html")?;
    Ok(())
}

/// The rows of years.csv and outages.csv, formatted in the parallel tasks (in this order).
struct CsvFiles(CsvRows);

impl Format for CsvFiles {
    fn outputs(&self) -> usize {
        2
    }

    fn format(&self, outcome: &YearOutcome, outputs: &mut [Vec<u8>]) {
        self.0.year_row(&mut outputs[0], outcome);
        self.0.outage_rows(&mut outputs[1], outcome);
    }
}

/// Everything a run does with each year, in year order: statistics, CSV rows, progress.
pub(crate) struct RunSink {
    stats: Accumulator,
    breakdown: Option<Breakdown>,
    /// years.csv and outages.csv, with `--out`.
    csv: Option<[BufWriter<File>; 2]>,
    progress: Progress,
}

impl RunSink {
    fn new(
        plan: &Plan,
        rows: &CsvRows,
        years: u64,
        output: Option<&mut OutputDir>,
        stats: Accumulator,
    ) -> anyhow::Result<RunSink> {
        let (csv, breakdown) = match output {
            Some(output) => {
                let mut header = Vec::new();
                rows.years_header(&mut header);
                let mut years_csv = output.file("years.csv")?;
                years_csv.write_all(&header)?;
                header.clear();
                rows.outages_header(&mut header);
                let mut outages_csv = output.file("outages.csv")?;
                outages_csv.write_all(&header)?;
                (
                    Some([years_csv, outages_csv]),
                    Some(Breakdown::new(
                        plan.components.iter().map(|c| c.causes.len()),
                    )),
                )
            }
            None => (None, None),
        };
        Ok(RunSink {
            stats,
            breakdown,
            csv,
            progress: Progress::new(years),
        })
    }

    /// The statistics, and with `--out` what the plots need.
    fn finish(self) -> anyhow::Result<(Accumulator, Option<Breakdown>)> {
        self.progress.finish();
        if let Some(files) = self.csv {
            for (mut file, name) in files.into_iter().zip(CSV_FILES) {
                file.flush()
                    .with_context(|| format!("cannot write {name}"))?;
            }
        }
        Ok((self.stats, self.breakdown))
    }
}

/// The CSV files of a run, in the order [`CsvFiles`] formats them.
const CSV_FILES: [&str; 2] = ["years.csv", "outages.csv"];

impl YearSink for RunSink {
    fn year(&mut self, outcome: &YearOutcome) -> anyhow::Result<()> {
        self.stats.add(outcome);
        if let Some(breakdown) = &mut self.breakdown {
            breakdown.add(outcome);
        }
        self.progress.tick();
        Ok(())
    }

    fn formatted(&mut self, outputs: &[Vec<u8>]) -> anyhow::Result<()> {
        if let Some(files) = &mut self.csv {
            for ((file, bytes), name) in files.iter_mut().zip(outputs).zip(CSV_FILES) {
                file.write_all(bytes)
                    .with_context(|| format!("cannot write {name}"))?;
            }
        }
        Ok(())
    }
}

/// A progress bar on stderr, shown only when stderr is a terminal and the run has already
/// taken a second; it never touches the results.
///
/// The bar exists from the start, drawing nowhere, so that its rate and ETA estimates see
/// every year from the first; after a second it starts drawing on stderr.
pub(crate) struct Progress {
    done: u64,
    started: Instant,
    bar: ProgressBar,
    shown: bool,
}

impl Progress {
    /// How long a run goes before its bar appears.
    const SHOW_AFTER: WallDuration = WallDuration::from_secs(1);

    pub(crate) fn new(total: u64) -> Progress {
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden());
        let style = ProgressStyle::with_template("{bar:40} {pos}/{len} years  {rate}  eta {eta}")
            .map(|style| {
                style.with_key(
                    "rate",
                    |state: &ProgressState, out: &mut dyn std::fmt::Write| {
                        let _ = write!(out, "{}", years_per_second(state.per_sec()));
                    },
                )
            })
            .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        Progress {
            done: 0,
            started: Instant::now(),
            bar,
            shown: false,
        }
    }

    pub(crate) fn tick(&mut self) {
        self.done += 1;
        // The bar limits its own redraws; setting the position is an atomic store.
        self.bar.set_position(self.done);
        if !self.shown && self.started.elapsed() > Self::SHOW_AFTER {
            self.shown = true;
            if std::io::stderr().is_terminal() {
                self.bar.set_draw_target(ProgressDrawTarget::stderr());
            }
        }
    }

    pub(crate) fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// A rate of simulated years per second with three significant digits or whole years:
/// `15411 years/s`, `42.5 years/s`, `0.731 years/s`.
fn years_per_second(rate: f64) -> String {
    let decimals = match rate {
        r if r >= 100.0 => 0,
        r if r >= 10.0 => 1,
        r if r >= 1.0 => 2,
        _ => 3,
    };
    format!("{rate:.decimals$} years/s")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_read_as_years_per_second() {
        assert_eq!(years_per_second(15_411.4), "15411 years/s");
        assert_eq!(years_per_second(42.52), "42.5 years/s");
        assert_eq!(years_per_second(3.251), "3.25 years/s");
        assert_eq!(years_per_second(0.7312), "0.731 years/s");
    }
}
