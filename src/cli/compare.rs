//! `nines sweep` and `nines compare`: variants of a model on common random numbers.

use super::progress::Bar;
use super::{
    CliError, MAX_SEED, MAX_THREADS, MAX_YEARS, interrupt_flag, performance_line, say,
    say_admission, worker_threads, write_stdout,
};
use clap::Args;
use nines::app::{SweepShards, SweepSource, VariantsRequest, prepare_variants, read_sweep_shards};
use nines::compare::{Streams, Variant, sweep_variants};
use nines::model::{Model, Setting};
use nines::report;
use nines::run::RunTotals;
use nines::shard::Shard;
use std::path::PathBuf;
use std::process::ExitCode;

/// Options shared by `sweep` and `compare`.
#[derive(Debug, Args)]
pub(crate) struct VariantArgs {
    /// Master seed for every variant, 0 to 2^63 − 1 [default: variant 0's [simulation]
    /// seed].
    #[arg(long, value_parser = clap::value_parser!(u64).range(..=MAX_SEED))]
    seed: Option<u64>,
    /// Simulated years of each variant; overrides the first variant's [simulation] years.
    #[arg(long, value_parser = clap::value_parser!(u64).range(2..=MAX_YEARS))]
    years: Option<u64>,
    /// Worker threads, at most 256 [default: all cores]. Results do not depend on it.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=MAX_THREADS))]
    threads: Option<u16>,
    /// Run variant i on the master seed + i instead of common random numbers, to see what
    /// pairing gains.
    #[arg(long)]
    independent: bool,
    /// Write sweep.csv, the SVG plots and report.html into this directory.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Print the table as CSV (the contents of sweep.csv) instead of text.
    #[arg(long, conflicts_with = "json")]
    csv: bool,
    /// Print the comparison as JSON (every variant's summary and paired differences).
    #[arg(long)]
    json: bool,
    /// Run even if the variants together are estimated to be too large: over 1e9 events
    /// in one simulated year, 1e11 in all, or 4 GiB of memory.
    #[arg(long)]
    force: bool,
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
    /// Simulate only shard K (from 0) of M: years ⌊K·N/M⌋ to ⌊(K+1)·N/M⌋ − 1 of every
    /// variant, saved to --out (required) for `nines merge`. M may not exceed N.
    #[arg(long, value_name = "K/M", requires = "out", conflicts_with_all = ["csv", "json"])]
    shard: Option<Shard>,
}

/// What a sweep does once its variants are prepared.
enum SweepMode {
    /// Simulate every year and report.
    Whole,
    /// Simulate one shard's years and save them.
    Shard(Shard, SweepSource),
    /// Report the merge of every shard.
    Merge(SweepShards),
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
    let sweep = SweepSource {
        file: args.model.display().to_string(),
        source: Model::read_source(&args.model)?,
        settings: args
            .settings
            .iter()
            .map(|s| format!("{}={}", s.key, s.values.join(",")))
            .collect(),
        seed: args.run.seed,
        years: args.run.years,
        independent: args.run.independent,
    };
    let mode = match args.shard {
        Some(shard) => SweepMode::Shard(shard, sweep.clone()),
        None => SweepMode::Whole,
    };
    sweep_of(&sweep, &args.run, mode)
}

/// Merges the sweep shards in `dirs` into `out`: what `nines sweep` with the shards' options
/// prints and writes.
pub(crate) fn merge_sweep(
    dirs: &[PathBuf],
    out: PathBuf,
    json: bool,
) -> Result<ExitCode, CliError> {
    let shards = read_sweep_shards(dirs)?;
    let sweep = shards.sweep.clone();
    let args = VariantArgs {
        seed: sweep.seed,
        years: sweep.years,
        threads: None,
        independent: sweep.independent,
        out: Some(out),
        csv: false,
        json,
        // The shards ran; nothing is simulated here.
        force: true,
    };
    sweep_of(&sweep, &args, SweepMode::Merge(shards))
}

/// The sweep `sweep` describes, with the options `args`.
fn sweep_of(
    sweep: &SweepSource,
    args: &VariantArgs,
    mode: SweepMode,
) -> Result<ExitCode, CliError> {
    let settings = sweep
        .settings
        .iter()
        .map(|text| text.parse::<Setting>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(CliError::Usage)?;
    let variants = sweep_variants(&sweep.source, &sweep.file, &settings)?;
    let keys: Vec<String> = settings.iter().map(|s| s.key.clone()).collect();
    let facts = vec![
        ("model", variants[0].model.name().to_string()),
        ("file", sweep.file.clone()),
        (
            "SHA-256 of the file",
            report::sha256_hex(sweep.source.as_bytes()),
        ),
        ("sweep", sweep.settings.join(" ")),
    ];
    let files = vec![PathBuf::from(&sweep.file)];
    run_variants(variants, keys, facts, files, args, mode)
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
    let files = vec![args.a.clone(), args.b.clone()];
    let keys = vec!["model".to_string()];
    run_variants(variants, keys, facts, files, &args.run, SweepMode::Whole)
}

/// Simulates every variant in lockstep, then prints the table (the library writes the
/// result files).
fn run_variants(
    variants: Vec<Variant>,
    keys: Vec<String>,
    facts: Vec<(&'static str, String)>,
    files: Vec<PathBuf>,
    args: &VariantArgs,
    mode: SweepMode,
) -> Result<ExitCode, CliError> {
    let streams = if args.independent {
        Streams::Independent
    } else {
        Streams::Common
    };
    let threads = worker_threads(args.threads);
    let prepared = prepare_variants(VariantsRequest {
        variants,
        keys,
        facts,
        seed: args.seed,
        years: args.years,
        threads,
        streams,
        out: args.out.clone(),
        files,
        force: args.force,
    })?;
    say_admission(&prepared.admission);
    super::say_warnings(nines::warnings::variants_warnings(
        prepared.request().variants.iter().map(|v| &v.model),
    ));
    if prepared.seeds_differ {
        say(format_args!(
            "note: {}",
            report::seeds_differ_note(prepared.master, prepared.request().streams)
        ));
    }
    if prepared.years_differ {
        say(format_args!(
            "note: {}",
            report::years_differ_note(prepared.years, args.years.is_some())
        ));
    }
    if let Some(horizons) = &prepared.horizons_differ {
        say(format_args!(
            "warning: {}",
            report::horizons_differ_note(horizons)
        ));
    }
    let outcome = match mode {
        SweepMode::Whole => prepared.run(&mut Bar::new(prepared.years), interrupt_flag())?,
        SweepMode::Shard(shard, sweep) => {
            let mut bar = Bar::new(prepared.years);
            prepared.run_shard(&sweep, shard, &mut bar, interrupt_flag())?;
            say(format_args!("wrote shard {shard} of the sweep"));
            return Ok(ExitCode::SUCCESS);
        }
        SweepMode::Merge(shards) => {
            let count = report::count(shards.len() as u64, "shard");
            let comparison = prepared.merge_shards(shards)?;
            let output = prepared.output()?;
            let outcome =
                prepared.conclude(output, comparison, RunTotals::default(), Default::default())?;
            say(format_args!("merged {count}"));
            outcome
        }
    };
    for (index, result) in outcome.results.iter().enumerate() {
        let s = &result.summary;
        let availability = s.availability.mean;
        if let Some(warning) = nines::warnings::never_up(availability, s.horizon_s, Some(s.years)) {
            let text = report::warning_text(&warning);
            say(format_args!("warning: variant {index}: {text}"));
        }
    }
    let request = prepared.request();
    let tables = outcome.tables(&request.keys);
    for (index, disagreement) in outcome.closed_form.iter().enumerate() {
        if let Some(text) = disagreement
            .as_ref()
            .and_then(|d| tables.closed_form_warning(index, d))
        {
            say(format_args!("warning: {text}"));
        }
    }
    if args.csv {
        write_stdout(&tables.csv())?;
    } else if args.json {
        write_stdout(&tables.json())?;
    } else {
        let heading = format!(
            "{}: {}, {} each, seed {}, {}\n",
            request.variants[0].model.name(),
            report::count(request.variants.len() as u64, "variant"),
            report::count(prepared.years, "simulated year"),
            prepared.master,
            prepared.streams_fact(),
        );
        write_stdout(format!("{heading}{}", tables.text()).as_bytes())?;
    }
    if outcome.totals.years > 0 {
        say(format_args!(
            "{}",
            performance_line(outcome.totals, outcome.elapsed, threads)
        ));
    }
    Ok(ExitCode::SUCCESS)
}
