//! `nines check`: simulate, then judge the model's `[slo]` targets and, with `--baseline`,
//! compare with a saved summary.

use super::run::{SimulateArgs, simulate};
use super::{CliError, write_stdout};
use crate::check::{Baseline, CheckReport, compare_with_baseline, judge_slo, miss_thresholds};
use crate::report::{self, OutputDir};
use crate::stats::Accumulator;
use anyhow::{Context, anyhow};
use clap::Args;
use std::path::{Path, PathBuf};
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
    /// Compare with a saved summary.json: a drop in availability or a rise in RTO p99
    /// beyond the two runs' confidence intervals fails the check.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Exit 0 when targets are inconclusive (their CI straddles the bound), as long as none
    /// is missed.
    #[arg(long)]
    allow_inconclusive: bool,
}

pub(crate) fn check(args: CheckArgs) -> Result<ExitCode, CliError> {
    let loaded = args.simulate.load()?;
    let (model, plan) = (&loaded.model, &loaded.plan);
    let path = args.simulate.model.model.display();
    let slo = model
        .slo()
        .filter(|slo| !slo.is_empty())
        .ok_or_else(|| {
            anyhow!(
                "{path}: slo: the model sets no [slo] targets, so there is nothing to check; \
                 add e.g. [slo] availability = \"99.9%\""
            )
        })?
        .clone();
    // Read the baseline before simulating, so a bad one fails at once.
    let baseline = args.baseline.as_deref().map(read_baseline).transpose()?;
    let stats = Accumulator::for_plan(plan).with_miss_thresholds(miss_thresholds(
        &slo,
        &plan.expression_names,
        plan.horizon,
    ));
    let (summary, stats) = simulate(&args.simulate, &loaded, stats)?;
    let targets = judge_slo(&slo, &stats, &plan.expression_names);
    if let Some(baseline) = &baseline {
        for mismatch in baseline.mismatches(&summary) {
            eprintln!("warning: {mismatch}; the comparison may be meaningless");
        }
    }
    let regressions = baseline
        .map(|baseline| compare_with_baseline(&baseline, &summary))
        .unwrap_or_default();
    let check = CheckReport::new(&summary, targets, regressions, args.allow_inconclusive);
    if let Some(junit) = &args.junit {
        write_file(junit, report::check_junit(&check).as_bytes())
            .with_context(|| format!("cannot write the JUnit report {}", junit.display()))?;
    }
    if args.json {
        write_stdout(&report::check_json(&check))?;
    } else {
        write_stdout(report::check_text(&check).as_bytes())?;
    }
    Ok(if check.succeeded() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn read_baseline(path: &Path) -> Result<Baseline, CliError> {
    let bytes = std::fs::read(path)
        .with_context(|| format!("cannot read the baseline {}", path.display()))?;
    let baseline = serde_json::from_slice(&bytes).with_context(|| {
        format!(
            "the baseline {} is not a summary.json written by `nines run --out`",
            path.display()
        )
    })?;
    Ok(baseline)
}

/// Writes `bytes` to `path` under a temporary name and renames it into place, so the file
/// is never half-written.
fn write_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|dir| !dir.as_os_str().is_empty())
        .unwrap_or_else(|| Path::new("."));
    let name = path
        .file_name()
        .and_then(|name| name.to_str())
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a file name"))?;
    let mut output = OutputDir::create(dir)?;
    output.write(name, bytes)?;
    output.commit()
}
