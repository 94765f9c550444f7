//! `nines check`: simulate, then judge the model's `[slo]` targets and, with `--baseline`,
//! compare with a saved summary.

use super::run::SimulateArgs;
use super::{CliError, interrupt_flag, write_stdout};
use clap::Args;
use nines::app::{CheckRequest, Until};
use nines::check::BaselineTolerance;
use nines::report;
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
}

pub(crate) fn check(args: CheckArgs) -> Result<ExitCode, CliError> {
    let until = args.until_decided.then_some(Until::Decided);
    let prepared = args.simulate.prepare(until)?;
    let request = CheckRequest {
        run: prepared.request(),
        baseline: args.baseline,
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
    if args.json {
        write_stdout(&report::check_json(&outcome.report))?;
    } else {
        write_stdout(report::check_text(&outcome.report).as_bytes())?;
    }
    Ok(if outcome.report.succeeded() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
