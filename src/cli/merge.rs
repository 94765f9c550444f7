//! `nines merge`: the shards of a run into the result files of the whole run.

use super::{CliError, say, write_stdout};
use clap::Args;
use nines::report;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub(crate) struct MergeArgs {
    /// The shard directories (written by `nines run --shard K/M --out DIR`, or by `nines
    /// sweep --shard K/M --out DIR`), in any order.
    #[arg(required = true, value_name = "DIR")]
    dirs: Vec<PathBuf>,
    /// Write the whole run's summary.json, years.csv, outages.csv, accumulator.json, plots
    /// and report.html into this directory.
    #[arg(long, value_name = "OUT")]
    out: PathBuf,
    /// Print the summary as JSON (the contents of summary.json) instead of text.
    #[arg(long)]
    json: bool,
}

pub(crate) fn merge(args: MergeArgs) -> Result<ExitCode, CliError> {
    if args
        .dirs
        .first()
        .is_some_and(|dir| nines::app::is_sweep_shard(dir))
    {
        return super::compare::merge_sweep(&args.dirs, args.out, args.json);
    }
    let outcome = nines::app::merge(&args.dirs, &args.out)?;
    say(format_args!(
        "merged {} into {}",
        report::count(args.dirs.len() as u64, "shard"),
        args.out.display()
    ));
    if args.json {
        write_stdout(&report::summary_json(&outcome.summary))?;
    } else {
        write_stdout(report::summary_text(&outcome.summary).as_bytes())?;
    }
    Ok(ExitCode::SUCCESS)
}
