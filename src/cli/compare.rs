//! `nines sweep` and `nines compare`: variants of a model on common random numbers.

use super::run::Progress;
use super::{
    CliError, MAX_YEARS, available_threads, interrupt_flag, output_dir, performance_line,
    write_plots, write_stdout,
};
use crate::compare::{Comparison, Streams, Variant, sweep_variants};
use crate::engine::YearOutcome;
use crate::model::{Model, Setting};
use crate::plan::Plan;
use crate::report::{self, ComparisonTables};
use crate::run::{VariantsSink, simulate_variants};
use crate::stats::RunMeta;
use anyhow::Context;
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

/// Options shared by `sweep` and `compare`.
#[derive(Debug, Args)]
pub(crate) struct VariantArgs {
    /// Master seed for every variant [default: variant 0's [simulation] seed].
    #[arg(long)]
    seed: Option<u64>,
    /// Simulated years of each variant; overrides the first variant's [simulation] years.
    #[arg(long, value_parser = clap::value_parser!(u64).range(2..=MAX_YEARS))]
    years: Option<u64>,
    /// Worker threads [default: all cores]. Results do not depend on it.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    threads: Option<u16>,
    /// Run variant i on the master seed + i instead of common random numbers, to see what
    /// pairing gains.
    #[arg(long)]
    independent: bool,
    /// Write sweep.csv, the SVG plots and report.html into this directory.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Print the table as CSV (the contents of sweep.csv) instead of text.
    #[arg(long)]
    csv: bool,
}

#[derive(Debug, Args)]
pub(crate) struct SweepArgs {
    /// The model file (TOML).
    model: PathBuf,
    /// KEY=V1,V2,...: a key path into the model and the values to try; repeat for a grid.
    #[arg(long = "set", value_name = "KEY=V1,V2,...", required = true)]
    settings: Vec<Setting>,
    #[command(flatten)]
    run: VariantArgs,
}

#[derive(Debug, Args)]
pub(crate) struct CompareArgs {
    /// The baseline model file (variant 0).
    a: PathBuf,
    /// The model file compared with it (variant 1).
    b: PathBuf,
    #[command(flatten)]
    run: VariantArgs,
}

pub(crate) fn sweep(args: SweepArgs) -> Result<ExitCode, CliError> {
    let file = args.model.display().to_string();
    let source = Model::read_source(&args.model)?;
    let variants = sweep_variants(&source, &file, &args.settings)?;
    let keys: Vec<String> = args.settings.iter().map(|s| s.key.clone()).collect();
    let settings: Vec<String> = args
        .settings
        .iter()
        .map(|s| format!("{}={}", s.key, s.values.join(",")))
        .collect();
    let facts = vec![
        ("model", variants[0].model.name().to_string()),
        ("file", file),
        ("SHA-256 of the file", report::sha256_hex(source.as_bytes())),
        ("sweep", settings.join(" ")),
    ];
    run_variants(&variants, &keys, facts, &args.run)
}

pub(crate) fn compare(args: CompareArgs) -> Result<ExitCode, CliError> {
    let mut variants = Vec::new();
    let mut facts = Vec::new();
    for (name, path) in [("A", &args.a), ("B", &args.b)] {
        let file = path.display().to_string();
        let source = Model::read_source(path)?;
        let model = Model::parse(&source, &file)?;
        facts.push((name, format!("{file} ({})", model.name())));
        facts.push(("SHA-256", report::sha256_hex(source.as_bytes())));
        variants.push(Variant {
            label: file.clone(),
            values: vec![file],
            model,
        });
    }
    run_variants(&variants, &["model".to_string()], facts, &args.run)
}

/// Simulates every variant in lockstep, then prints and writes the tables and plots.
fn run_variants(
    variants: &[Variant],
    keys: &[String],
    mut facts: Vec<(&str, String)>,
    args: &VariantArgs,
) -> Result<ExitCode, CliError> {
    let streams = if args.independent {
        Streams::Independent
    } else {
        Streams::Common
    };
    let years = args
        .years
        .unwrap_or(variants[0].model.simulation().years)
        .max(2);
    let threads = args.threads.map_or_else(available_threads, usize::from);
    let master = master_seed(variants, args.seed, streams);
    let seeds: Vec<u64> = (0..variants.len())
        .map(|i| streams.seed(master, i))
        .collect();
    let plans: Vec<Plan> = variants
        .iter()
        .zip(&seeds)
        .map(|(v, seed)| Plan::compile(&v.model, *seed))
        .collect();
    let mut output = output_dir(args.out.as_deref())?;
    let mut sink = ComparisonSink {
        comparison: Comparison::new(&plans),
        progress: Progress::new(years),
    };
    let started = Instant::now();
    let totals = simulate_variants(&plans, years, threads, &mut sink, interrupt_flag())?;
    let elapsed = started.elapsed();
    sink.progress.finish();
    let metas = variants
        .iter()
        .zip(&seeds)
        .map(|(v, seed)| RunMeta {
            model: v.model.name().to_string(),
            seed: *seed,
        })
        .collect();
    let services: Vec<&[String]> = plans.iter().map(|p| &p.expression_names[1..]).collect();
    let results = sink.comparison.results(metas, &services);
    let values: Vec<Vec<String>> = variants.iter().map(|v| v.values.clone()).collect();
    let tables = ComparisonTables {
        keys,
        values: &values,
        results: &results,
    };
    let streams_fact = match streams {
        Streams::Common => "common random numbers: every variant uses the same seed".to_string(),
        Streams::Independent => format!("independent: variant i uses seed {master} + i"),
    };
    let seeds_text = seeds
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    facts.extend([
        ("seed", seeds_text),
        ("years of each variant", years.to_string()),
        ("streams", streams_fact.clone()),
    ]);
    let csv = tables.csv();
    if let Some(mut output) = output.take() {
        output
            .write("sweep.csv", &csv)
            .context("cannot write sweep.csv")?;
        let slo = variants[0]
            .model
            .slo()
            .and_then(|slo| slo.up.availability)
            .map(|target| (target, plans[0].horizon));
        let plots = report::comparison_plots(&tables, sink.comparison.accumulators(), slo);
        write_plots(&mut output, &plots)?;
        let title = format!("nines what-if report: {}", variants[0].model.name());
        let page = report::comparison_page(&title, &facts, &tables, &plots);
        output
            .write("report.html", page.as_bytes())
            .context("cannot write report.html")?;
        output
            .commit()
            .context("cannot move the result files into place")?;
    }
    if args.csv {
        write_stdout(&csv)?;
    } else {
        let heading = format!(
            "{}: {}, {} each, seed {master}, {streams_fact}\n",
            variants[0].model.name(),
            report::count(variants.len() as u64, "variant"),
            report::count(years, "simulated year"),
        );
        write_stdout(format!("{heading}{}", tables.text()).as_bytes())?;
    }
    eprintln!("{}", performance_line(totals, elapsed, threads));
    Ok(ExitCode::SUCCESS)
}

/// The master seed: `--seed`, else variant 0's `[simulation] seed`. Every variant runs on
/// it (or on it + i with `--independent`), whatever its own file says, so that the
/// comparison is paired; when the files' seeds differ, stderr says which one is used.
fn master_seed(variants: &[Variant], seed: Option<u64>, streams: Streams) -> u64 {
    let own = |v: &Variant| v.model.simulation().seed;
    let master = seed.unwrap_or_else(|| own(&variants[0]));
    if seed.is_none() && variants.iter().any(|v| own(v) != master) {
        let how = match streams {
            Streams::Common => format!("every variant uses seed {master}"),
            Streams::Independent => format!("variant i uses seed {master} + i"),
        };
        eprintln!(
            "note: the variants' [simulation] seeds differ; {how} (the seed of variant 0; \
             set another with --seed)"
        );
    }
    master
}

/// The comparison and the progress bar, fed year by year.
struct ComparisonSink {
    comparison: Comparison,
    progress: Progress,
}

impl VariantsSink for ComparisonSink {
    fn years(&mut self, outcomes: &[&YearOutcome]) -> anyhow::Result<()> {
        self.comparison.add(outcomes);
        self.progress.tick();
        Ok(())
    }
}
