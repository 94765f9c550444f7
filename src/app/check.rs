//! `check`: simulate, then judge the model's `[slo]` targets and, with a baseline, compare
//! with a saved summary.

use super::run::simulate_writing;
use super::{IoAction, Loaded, Progress, RunError, RunOutcome, RunRequest};
use crate::check::{
    Baseline, BaselineTolerance, CheckReport, Verdict, compare_with_baseline, judge_slo,
    miss_thresholds,
};
use crate::model::Slo;
use crate::plan::Plan;
use crate::report::{self, write_file};
use crate::stats::Accumulator;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

/// A check to run.
pub struct CheckRequest<'a> {
    /// The run whose statistics are judged.
    pub run: RunRequest<'a>,
    /// A saved summary.json to compare with.
    pub baseline: Option<PathBuf>,
    /// Whether a baseline of another model (by name) is compared anyway, its mismatch a
    /// warning; without it such a baseline is refused before simulating.
    pub allow_other_model: bool,
    /// The drop below the baseline that is tolerated; none without.
    pub baseline_tolerance: Option<BaselineTolerance>,
    /// Where to write the report as JUnit XML, one test case per target.
    pub junit: Option<PathBuf>,
    /// Whether inconclusive targets succeed, as long as none is missed.
    pub allow_inconclusive: bool,
}

/// What a check found.
pub struct CheckOutcome {
    /// The verdicts, and whether the check succeeded.
    pub report: CheckReport,
    /// Why the baseline may not be comparable with this run, one sentence each (see
    /// [`Baseline::mismatches`]).
    pub baseline_mismatches: Vec<String>,
    /// The run behind the verdicts.
    pub run: RunOutcome,
}

/// Simulates the run `request` asks for and judges its targets: the model must set some.
/// The baseline is read before simulating, so that a bad one fails at once.
pub fn check(
    request: &CheckRequest<'_>,
    progress: &mut dyn Progress,
    stop: &AtomicBool,
) -> Result<CheckOutcome, RunError> {
    let targets = Targets::of(request.run.loaded, request.run.plan)?;
    let baseline = request.baseline.as_deref().map(read_baseline).transpose()?;
    if let (Some(baseline), Some(path)) = (&baseline, &request.baseline) {
        let model = request.run.loaded.model.name();
        if !request.allow_other_model && baseline.model != model {
            return Err(RunError::OtherModelBaseline {
                path: path.clone(),
                baseline: baseline.model.clone(),
                model: model.to_string(),
            });
        }
    }
    let tolerance = request
        .baseline_tolerance
        .map_or(Ok(0.0), |tolerance| {
            tolerance.availability_drop(targets.plan.horizon, targets.slo.up.availability)
        })
        .map_err(|error| RunError::BadTolerance {
            file: request.run.loaded.file.clone(),
            error,
        })?;
    let judge = |stats: &Accumulator| targets.judge(stats);
    let run = simulate_writing(
        &request.run,
        targets.stats(),
        progress,
        stop,
        &judge,
        |_, _| Ok(()),
    )?;
    let (baseline_mismatches, regressions) = match &baseline {
        Some(baseline) => (
            baseline.mismatches(&run.summary),
            compare_with_baseline(baseline, &run.summary, tolerance),
        ),
        None => (Vec::new(), Vec::new()),
    };
    let report = CheckReport::new(
        &run.summary,
        targets.judge(&run.stats),
        regressions,
        request.allow_inconclusive,
    );
    if let Some(junit) = &request.junit {
        write_junit(&report, junit)?;
    }
    Ok(CheckOutcome {
        report,
        baseline_mismatches,
        run,
    })
}

/// The SLO targets of a check on a plan: the one statement of how a check counts and
/// judges, shared by `check` and the merge of its shards.
pub(super) struct Targets<'a> {
    slo: &'a Slo,
    plan: &'a Plan,
}

impl<'a> Targets<'a> {
    /// The targets of `loaded`'s model, compiled as `plan`: the model must set some.
    pub(super) fn of(loaded: &'a Loaded, plan: &'a Plan) -> Result<Targets<'a>, RunError> {
        let slo = loaded
            .model
            .slo()
            .filter(|slo| !slo.is_empty())
            .ok_or_else(|| RunError::NoTargets {
                file: loaded.file.clone(),
            })?;
        Ok(Targets { slo, plan })
    }

    /// Empty statistics that also count the years below each availability target.
    pub(super) fn stats(&self) -> Accumulator {
        let plan = self.plan;
        Accumulator::for_plan(plan).with_miss_thresholds(miss_thresholds(
            self.slo,
            &plan.expression_names,
            plan.horizon,
        ))
    }

    /// The verdicts on the targets of the run whose statistics are `stats`.
    pub(super) fn judge(&self, stats: &Accumulator) -> Vec<Verdict> {
        judge_slo(self.slo, stats, self.plan)
    }
}

/// Writes `report` as JUnit XML to `path`, one test case per target.
pub(super) fn write_junit(report: &CheckReport, path: &Path) -> Result<(), RunError> {
    write_file(path, report::check_junit(report).as_bytes())
        .map_err(RunError::io(IoAction::WriteJunit(path.to_path_buf())))
}

/// Most bytes a baseline may have: a summary.json is a few KiB to a few hundred (one entry
/// per outage cause), so anything larger (`/dev/zero`, say) is not one.
const MAX_BASELINE_BYTES: u64 = 64 << 20;

fn read_baseline(path: &Path) -> Result<Baseline, RunError> {
    use std::io::Read;
    let io = RunError::io(IoAction::ReadBaseline(path.into()));
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|file| file.take(MAX_BASELINE_BYTES + 1).read_to_end(&mut bytes))
        .map_err(io)?;
    if bytes.len() as u64 > MAX_BASELINE_BYTES {
        let error = std::io::Error::other(format!(
            "it is larger than {} MiB, so it is not a summary.json",
            MAX_BASELINE_BYTES >> 20
        ));
        return Err(RunError::io(IoAction::ReadBaseline(path.into()))(error));
    }
    serde_json::from_slice(&bytes).map_err(|error| RunError::BadBaseline {
        path: path.to_path_buf(),
        error,
    })
}
