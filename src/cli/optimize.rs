//! `nines optimize`: the cheapest combination of the `--vary` values that meets the target.

use super::progress::Bar;
use super::{
    CliError, MAX_THREADS, MAX_YEARS, ModelArgs, interrupt_flag, performance_line, say,
    worker_threads, write_stdout,
};
use clap::Args;
use nines::app::{OptimizeRequest, optimize};
use nines::model::Setting;
use nines::report;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub(crate) struct OptimizeArgs {
    #[command(flatten)]
    model: ModelArgs,
    /// KEY=V1,V2,...: a key path (sweep's, with links and wildcards) and the values to try;
    /// repeat for a grid of every combination.
    #[arg(long = "vary", value_name = "KEY=V1,V2,...", required = true)]
    settings: Vec<Setting>,
    /// The availability to pass with 95% confidence (99.95% or 0.9995) [default: the
    /// model's [slo] availability].
    #[arg(long, value_parser = target)]
    target: Option<f64>,
    /// Simulated years of every combination; overrides [simulation] years.
    #[arg(long, value_parser = clap::value_parser!(u64).range(2..=MAX_YEARS))]
    years: Option<u64>,
    /// Worker threads, at most 256 [default: all cores]. Results do not depend on it.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=MAX_THREADS))]
    threads: Option<u16>,
    /// Write frontier.svg into this directory.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Print the search as JSON instead of text.
    #[arg(long)]
    json: bool,
    /// Run even if the combinations together are estimated to be too large.
    #[arg(long)]
    force: bool,
}

/// Reads `--target` as calc reads an availability: exactly, above 0 and at most 100%.
fn target(text: &str) -> Result<f64, String> {
    nines::calc::availability(text, "--target")
        .map(|a| a.up)
        .map_err(|e| e.to_string())
}

pub(crate) fn optimize_command(args: OptimizeArgs) -> Result<ExitCode, CliError> {
    let loaded = args.model.load()?;
    let threads = worker_threads(args.threads);
    let years = args.years.unwrap_or(loaded.model.simulation().years).max(2);
    let started = std::time::Instant::now();
    let request = OptimizeRequest {
        loaded: &loaded,
        settings: &args.settings,
        target: args.target,
        years: Some(years),
        threads,
        force: args.force,
        out: args.out.clone(),
    };
    let outcome = optimize(&request, &mut Bar::new(years), interrupt_flag())?;
    if args.json {
        write_stdout(&report::optimize_json(&outcome))?;
    } else {
        let heading = report::optimize_heading(loaded.model.name(), loaded.seed, &outcome);
        write_stdout(format!("{heading}{}", report::optimize_text(&outcome)).as_bytes())?;
    }
    say(format_args!(
        "{}",
        performance_line(outcome.totals, started.elapsed(), threads)
    ));
    // As `check`: 1 when nothing meets the target, so a script can tell.
    Ok(match outcome.cheapest {
        Some(_) => ExitCode::SUCCESS,
        None => ExitCode::from(1),
    })
}
