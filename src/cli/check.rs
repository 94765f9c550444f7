//! `nines check`: simulate, then judge the model's `[slo]` targets and, with `--baseline`,
//! compare with a saved summary.

use super::run::SimulateArgs;
use super::{CliError, interrupt_flag, write_stdout};
use clap::Args;
use nines::app::CheckShard;
use nines::app::{CheckRequest, Until};
use nines::check::{BaselineTolerance, CheckReport};
use nines::report;
use nines::shard::Shard;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    #[command(flatten)]
    simulate: SimulateArgs,
    /// Print the check report as JSON instead of text.
    #[arg(long)]
    json: bool,
    /// Also write the report as JUnit XML to FILE, one test case per target.
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// Compare with a saved summary.json: a drop in availability below the baseline's (less
    /// the tolerance) or a rise in RTO p99 above it fails the check when this run's whole
    /// 95% CI lies beyond it.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Compare with a --baseline of another model (by name) anyway, with a warning, rather
    /// than refuse it (exit status 2).
    #[arg(long, requires = "baseline")]
    allow_other_model: bool,
    /// The drop in availability below the baseline tolerated: downtime a year (`2m`) or a
    /// share of the error budget (`5%`) [default: 0].
    #[arg(long, value_name = "TOLERANCE", requires = "baseline")]
    baseline_tolerance: Option<BaselineTolerance>,
    /// Exit 0 when targets are inconclusive (their CI straddles the bound), as long as none
    /// is missed.
    #[arg(long)]
    allow_inconclusive: bool,
    /// Grow the run in doubling steps (N, 2N, 4N, … years) until no target is
    /// inconclusive, or --max-years; the results are those of a plain run of the years
    /// reached.
    #[arg(long)]
    until_decided: bool,
    /// Simulate only shard K (from 0) of M of the whole run, as `nines run --shard K/M`
    /// does, into --out (required); `nines merge` judges the targets on the whole run. Not
    /// with --baseline (nor does merge take it): compare the merged summary.json with the
    /// baseline instead.
    #[arg(
        long,
        value_name = "K/M",
        requires = "out",
        conflicts_with_all = ["summary_only", "until_decided", "junit"]
    )]
    shard: Option<Shard>,
}

/// Why a shard (`check --shard`) and a merge take no `--baseline`, and what to do instead.
pub(crate) const BASELINE_WITH_SHARDS: &str = "--baseline compares a whole run with its baseline, so a shard (`check --shard`) cannot take it, and `nines merge` has no --baseline. Merge the shards (`nines merge DIR... --out OUT`), then compare OUT/summary.json with the baseline as check does: a regression when its availability.ci95[1] is below the baseline's availability.mean (less the tolerance), or its rto_s.p99_ci95[0] above the baseline's rto_s.p99, for up and for each service (the CLI reference's \"Baselines and shards\" has a jq script for it); or run `nines check MODEL --years N --baseline FILE` unsharded";

pub(crate) fn check(args: CheckArgs) -> Result<ExitCode, CliError> {
    if args.shard.is_some() && args.baseline.is_some() {
        return Err(CliError::Usage(BASELINE_WITH_SHARDS.to_string()));
    }
    let until = args.until_decided.then_some(Until::Decided);
    let prepared = args.simulate.prepare(until)?;
    if let Some(shard) = args.shard {
        // A shard judges nothing: its years are a part of the run `merge` judges.
        let check = CheckShard {
            allow_inconclusive: args.allow_inconclusive,
        };
        let outcome = prepared.run_shard(shard, Some(check))?;
        prepared.report_performance(&outcome);
        if args.json {
            write_stdout(&report::summary_json(&outcome.summary))?;
        } else {
            write_stdout(prepared.shard_text(shard, &outcome).as_bytes())?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    let request = CheckRequest {
        run: prepared.request(),
        baseline: args.baseline,
        allow_other_model: args.allow_other_model,
        baseline_tolerance: args.baseline_tolerance,
        junit: args.junit,
        allow_inconclusive: args.allow_inconclusive,
    };
    let outcome = nines::app::check(&request, &mut prepared.bar(), interrupt_flag())?;
    prepared.report_performance(&outcome.run);
    for mismatch in &outcome.baseline_mismatches {
        super::say(format_args!(
            "warning: {mismatch}; the comparison may be meaningless"
        ));
    }
    print_check(&outcome.report, args.json)
}

/// Prints a check report (as JSON with `json`) and gives its exit status: 0 when the check
/// succeeded, 1 when not.
pub(crate) fn print_check(report: &CheckReport, json: bool) -> Result<ExitCode, CliError> {
    if json {
        write_stdout(&report::check_json(report))?;
    } else {
        write_stdout(report::check_text(report).as_bytes())?;
    }
    Ok(if report.succeeded() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
