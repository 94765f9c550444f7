//! `nines merge`: the shards of a run into the result files of the whole run.

use super::{CliError, say, write_stdout};
use clap::Args;
use nines::report;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub(crate) struct MergeArgs {
    /// The shard directories (written by `nines run`, `nines check` or `nines sweep` with
    /// `--shard K/M --out DIR`), in any order.
    #[arg(required = true, value_name = "DIR")]
    dirs: Vec<PathBuf>,
    /// Write the whole run's summary.json, accumulator.json, years.csv, outages.csv (and
    /// incidents.csv with [[incident]]), plots and report.html into this directory.
    #[arg(long, value_name = "OUT")]
    out: PathBuf,
    /// Print the summary (for a check's shards, the check report) as JSON instead of text.
    #[arg(long)]
    json: bool,
    /// For a check's shards: also write the check report as JUnit XML to FILE, one test
    /// case per target.
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// Not an option of merge: given, it is refused with what to do instead (see
    /// [`super::check::BASELINE_WITH_SHARDS`]).
    #[arg(long, value_name = "FILE", hide = true)]
    baseline: Option<PathBuf>,
}

pub(crate) fn merge(args: MergeArgs) -> Result<ExitCode, CliError> {
    if args.baseline.is_some() {
        return Err(CliError::Usage(
            super::check::BASELINE_WITH_SHARDS.to_string(),
        ));
    }
    let sweeps: Vec<bool> = args
        .dirs
        .iter()
        .map(|dir| nines::app::is_sweep_shard(dir))
        .collect();
    // A sweep's shards and a run's (or check's) are merged apart: a mix is named as one,
    // whichever comes first, rather than as the first kind's missing manifest.
    if let Some(other) = sweeps.iter().position(|&sweep| sweep != sweeps[0]) {
        let (sweep, not) = if sweeps[0] { (0, other) } else { (other, 0) };
        return Err(CliError::Usage(format!(
            "{} is a sweep's shard, but {} is not: merge the shards of one command",
            args.dirs[sweep].display(),
            args.dirs[not].display()
        )));
    }
    if sweeps.first() == Some(&true) {
        if args.junit.is_some() {
            return Err(CliError::Usage(
                "--junit needs the shards of a check (`nines check --shard K/M`); these are a sweep's"
                    .to_string(),
            ));
        }
        return super::compare::merge_sweep(&args.dirs, args.out, args.json);
    }
    let merged = nines::app::merge(&args.dirs, &args.out, args.junit.as_deref())?;
    say(format_args!(
        "merged {} into {}",
        report::count(args.dirs.len() as u64, "shard"),
        args.out.display()
    ));
    if let Some(check) = &merged.check {
        return super::check::print_check(check, args.json);
    }
    let summary = &merged.run.summary;
    if args.json {
        write_stdout(&report::summary_json(summary))?;
    } else {
        write_stdout(report::summary_text(summary).as_bytes())?;
    }
    Ok(ExitCode::SUCCESS)
}
