//! `nines run`: simulate and report.

use super::{
    CliError, MAX_YEARS, ModelArgs, available_threads, load_with_source, output_dir,
    performance_line, write_plots, write_stdout,
};
use crate::engine::{Engine, YearOutcome};
use crate::plan::Plan;
use crate::report::{self, OutagesCsv, OutputDir, RunFacts, Timeline, YearsCsv};
use crate::run::{YearSink, simulate_years};
use crate::stats::{Accumulator, Breakdown, RunMeta, Summary};
use anyhow::Context;
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::fs::File;
use std::io::{BufWriter, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration as WallDuration, Instant};

#[derive(Debug, Args)]
pub(crate) struct RunArgs {
    #[command(flatten)]
    model: ModelArgs,
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
    /// Print the summary as JSON (the contents of summary.json) instead of text.
    #[arg(long)]
    json: bool,
}

pub(crate) fn run(args: RunArgs) -> Result<ExitCode, CliError> {
    let (model, seed, source) = load_with_source(&args.model)?;
    let plan = Plan::compile(&model, seed);
    let years = args.years.unwrap_or(model.simulation().years);
    let threads = args.threads.map_or_else(available_threads, usize::from);
    let mut output = output_dir(args.out.as_deref())?;
    let mut sink = RunSink::new(&plan, years, output.as_mut())?;
    let started = Instant::now();
    let totals = simulate_years(&plan, years, threads, &mut sink)?;
    let elapsed = started.elapsed();
    let meta = RunMeta {
        model: model.name().to_string(),
        seed,
    };
    let (summary, plot_data) = sink.finish(meta, &plan.expression_names[1..])?;
    let json = report::summary_json(&summary);
    if let Some(mut output) = output {
        output
            .write("summary.json", &json)
            .context("cannot write summary.json")?;
        if let Some((stats, breakdown)) = plot_data {
            let facts = RunFacts {
                file: &args.model.model.display().to_string(),
                hash: &report::sha256_hex(source.as_bytes()),
                plan: &plan,
                slo: model.slo(),
            };
            write_run_report(&mut output, &facts, &summary, &stats, &breakdown)?;
        }
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

/// Everything a run does with each year, in year order: statistics, CSV rows, progress.
pub(crate) struct RunSink {
    stats: Accumulator,
    breakdown: Option<Breakdown>,
    years_csv: Option<YearsCsv<BufWriter<File>>>,
    outages_csv: Option<OutagesCsv<BufWriter<File>>>,
    progress: Progress,
}

impl RunSink {
    fn new(plan: &Plan, years: u64, output: Option<&mut OutputDir>) -> anyhow::Result<RunSink> {
        let (years_csv, outages_csv, breakdown) = match output {
            Some(output) => (
                Some(YearsCsv::new(output.file("years.csv")?, plan)?),
                Some(OutagesCsv::new(output.file("outages.csv")?, plan)?),
                Some(Breakdown::new(
                    plan.components.iter().map(|c| c.modes.len()),
                )),
            ),
            None => (None, None, None),
        };
        Ok(RunSink {
            stats: Accumulator::new(plan.horizon, plan.expressions.len()),
            breakdown,
            years_csv,
            outages_csv,
            progress: Progress::new(years),
        })
    }

    /// The summary, and with `--out` what the plots need.
    fn finish(
        self,
        meta: RunMeta,
        services: &[String],
    ) -> anyhow::Result<(Summary, Option<(Accumulator, Breakdown)>)> {
        self.progress.finish();
        if let Some(csv) = self.years_csv {
            csv.finish().context("cannot write years.csv")?;
        }
        if let Some(csv) = self.outages_csv {
            csv.finish().context("cannot write outages.csv")?;
        }
        let summary = self.stats.summary(meta, services);
        Ok((summary, self.breakdown.map(|b| (self.stats, b))))
    }
}

impl YearSink for RunSink {
    fn year(&mut self, outcome: &YearOutcome) -> anyhow::Result<()> {
        self.stats.add(outcome);
        if let Some(breakdown) = &mut self.breakdown {
            breakdown.add(outcome);
        }
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
pub(crate) struct Progress {
    total: u64,
    done: u64,
    started: Instant,
    bar: Option<ProgressBar>,
}

impl Progress {
    /// Years between checks of the clock.
    const CHECK_EVERY: u64 = 256;

    pub(crate) fn new(total: u64) -> Progress {
        Progress {
            total,
            done: 0,
            started: Instant::now(),
            bar: None,
        }
    }

    pub(crate) fn tick(&mut self) {
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

    pub(crate) fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
