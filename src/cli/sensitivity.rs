//! `nines sensitivity`: which parameter moves the downtime most.

use super::progress::Bar;
use super::{
    CliError, MAX_YEARS, ModelArgs, interrupt_flag, performance_line, worker_threads, write_stdout,
};
use clap::Args;
use nines::app::{SensitivityRequest, sensitivity};
use nines::report;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub(crate) struct SensitivityArgs {
    #[command(flatten)]
    model: ModelArgs,
    /// Simulated years of every variant; overrides [simulation] years.
    #[arg(long, value_parser = clap::value_parser!(u64).range(2..=MAX_YEARS))]
    years: Option<u64>,
    /// Worker threads [default: all cores]. Results do not depend on it.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    threads: Option<u16>,
    /// Print the analysis as JSON instead of text.
    #[arg(long)]
    json: bool,
    /// Run even if the variants together are estimated to be too large.
    #[arg(long)]
    force: bool,
    /// Write tornado.svg (the largest effects as a tornado chart) into this directory.
    #[arg(long, value_name = "DIR")]
    out: Option<std::path::PathBuf>,
}

pub(crate) fn sensitivity_command(args: SensitivityArgs) -> Result<ExitCode, CliError> {
    let loaded = args.model.load()?;
    // The model as written's own warnings, as `run` and `sweep` say them; its variants'
    // further ones follow the run.
    super::say_warnings(nines::warnings::model_warnings(&loaded.model));
    let threads = worker_threads(args.threads);
    let years = args.years.unwrap_or(loaded.model.simulation().years).max(2);
    let started = std::time::Instant::now();
    let request = SensitivityRequest {
        loaded: &loaded,
        years: Some(years),
        threads,
        force: args.force,
        out: args.out.clone(),
    };
    let outcome = sensitivity(&request, &mut Bar::new(years), interrupt_flag())?;
    let warnings = report::sensitivity_warnings(&outcome.parameters);
    for text in warnings
        .iter()
        .chain(&report::sensitivity_closed_form_warnings(&outcome))
    {
        super::say(format_args!("warning: {text}"));
    }
    if args.json {
        write_stdout(&report::sensitivity_json(&outcome))?;
    } else {
        let heading = format!(
            "{}: {} on common random numbers, {} each, seed {}; paired change in downtime per \
             year against the model as written, largest first\n",
            loaded.model.name(),
            report::count(outcome.variants as u64, "variant"),
            report::count(outcome.years, "simulated year"),
            loaded.seed
        );
        write_stdout(format!("{heading}{}", report::sensitivity_text(&outcome)).as_bytes())?;
    }
    super::say(format_args!(
        "{}",
        performance_line(outcome.totals, started.elapsed(), threads)
    ));
    Ok(ExitCode::SUCCESS)
}
