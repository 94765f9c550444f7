//! Judging a model's `[slo]` targets against the statistics of a run, and comparing a run
//! with a saved baseline summary (`nines check`).
//!
//! Every target gets a figure, its 95% confidence interval and a status: **pass** when the
//! whole interval is on the right side of the bound, **miss** when the whole interval is on
//! the wrong side, **inconclusive** when the interval straddles the bound. For an
//! inconclusive target, the number of years that would decide it is estimated from the
//! current interval: its half-width shrinks as 1/√n, so the side facing the bound crosses
//! it after about n·(h/d)² years, where h is that side's distance from the figure and d the
//! figure's distance from the bound (assuming the figure itself stays put).

mod baseline;
mod data_loss;

pub use baseline::{Baseline, SavedAvailability, SavedRto, SavedService};

use crate::math;
use crate::model::{PercentileFigure, Slo, Targets};
use crate::plan::Plan;
use crate::stats::{
    Accumulator, Availability, Quantiles, RtoSummary, Summary, Z_95, availability, wilson_ci95,
};
use crate::time::Duration;
use serde::Serialize;

/// The outcome of one target.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// The whole 95% CI is on the right side of the bound.
    Pass,
    /// The CI straddles the bound: more years are needed to tell.
    Inconclusive,
    /// The whole 95% CI is on the wrong side of the bound.
    Miss,
}

impl Status {
    /// The status as its lowercase word.
    pub fn word(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Inconclusive => "inconclusive",
            Status::Miss => "miss",
        }
    }
}

/// Which side of the bound the figure must be on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Direction {
    /// The figure must be at least the bound (availability).
    #[serde(rename = ">=")]
    AtLeast,
    /// The figure must be at most the bound (durations, shares of years and of budget).
    #[serde(rename = "<=")]
    AtMost,
}

impl Direction {
    /// The comparison as a symbol.
    pub fn symbol(self) -> &'static str {
        match self {
            Direction::AtLeast => ">=",
            Direction::AtMost => "<=",
        }
    }
}

/// What a figure measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Unit {
    /// A share between 0 and 1 (availability, share of years, share of budget).
    Fraction,
    /// A duration in seconds.
    Seconds,
    /// A number of requests.
    Requests,
}

/// The judgement of one target (or one comparison with the baseline).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Verdict {
    /// `up` or the service's name.
    pub scope: String,
    /// The target's key in `[slo]` (`availability`, `rto_p99`, …), or `baseline_…` for a
    /// comparison with the baseline.
    pub target: String,
    /// What `figure`, `ci95` and `bound` measure.
    pub unit: Unit,
    /// The run's estimate.
    pub figure: f64,
    /// Its 95% confidence interval; an end is null where there are too few values to bound
    /// that side.
    pub ci95: [Option<f64>; 2],
    /// Which side of `bound` passes.
    pub direction: Direction,
    /// The bound.
    pub bound: f64,
    /// Pass, miss or inconclusive.
    pub status: Status,
    /// For an inconclusive target, about how many years would decide it.
    pub years_to_decide: Option<u64>,
    /// Anything else worth saying (the baseline's figure, no outages seen, …); the JSON
    /// report has it as the sentence the text report shows.
    pub note: Option<Note>,
}

/// What a verdict adds to its figure, as facts; [`crate::report`] words them.
#[derive(Clone, Debug, PartialEq)]
pub enum Note {
    /// The share of the error budget (1 − the availability target) the run consumed.
    BudgetConsumed {
        /// The share, 1 for all of it.
        share: f64,
    },
    /// Years whose availability fell below the target.
    YearsBelowTarget {
        /// Years below the target.
        misses: u64,
        /// All years.
        years: u64,
    },
    /// The downtime the availability target allows per horizon.
    ErrorBudget {
        /// The downtime allowed.
        allowed: Duration,
        /// The horizon it is allowed in.
        horizon: Duration,
    },
    /// No incident of the model can be recovered (no backup that can succeed, no standby
    /// site), so every one loses all its data: a data-loss target cannot hold.
    NoneRecoverable,
    /// No incident of the run was recovered, though the model can recover some: none struck,
    /// or each that did lost all its data (its backups expired before the damage was
    /// noticed, say). A data-loss target is then inconclusive: more years decide it.
    NoneRecovered {
        /// Incidents of the run.
        incidents: u64,
        /// Years simulated.
        years: u64,
    },
    /// Incidents that lost all their data, which the data lost per year leaves out
    /// (`unrecoverable_probability` judges them).
    Unrecoverable {
        /// Unrecoverable incidents of the run.
        incidents: u64,
    },
    /// The run saw no values of a percentile target's figure at all (no outages, say).
    NoValues {
        /// Whose values.
        figure: PercentileFigure,
        /// Years simulated.
        years: u64,
    },
    /// The baseline's availability, and the drop it tolerates (`--baseline-tolerance`).
    BaselineAvailability {
        /// The baseline's mean availability.
        baseline: f64,
        /// The drop in availability tolerated, 0 by default.
        tolerance: f64,
    },
    /// The baseline's p99 outage duration: the bound a rise is judged against.
    BaselineRto {
        /// The baseline's p99, in seconds.
        baseline_s: f64,
    },
    /// This run has too few outages to bound its p99 from below, so no rise can be shown.
    BaselineRtoUnbounded,
    /// No year of the run had any downtime, though the model can go down: the interval is
    /// that of the share of years with any (Wilson), each such year counted as down all
    /// year, since the years seen say nothing of how long a rare outage lasts.
    NoDowntime {
        /// Years simulated.
        years: u64,
    },
}

/// A figure with its interval and how much data it came from.
#[derive(Clone, Copy)]
struct Estimate {
    figure: f64,
    ci95: [Option<f64>; 2],
    /// Years behind the figure.
    years: u64,
    /// Values behind the figure (years, or outages), and the quantile estimated, for the
    /// size at which a missing end of an order-statistic interval appears.
    samples: u64,
    quantile: Option<f64>,
    /// Whether the interval narrows as 1/years (the share of years with any downtime,
    /// none seen) rather than as 1/√years (a mean's).
    shrinks_as_years: bool,
}

/// Judges every target of `slo` on the statistics of a run of `plan` (its expressions:
/// `up`, then the services). Targets come in file order, `up`'s first.
pub fn judge_slo(slo: &Slo, stats: &Accumulator, plan: &Plan) -> Vec<Verdict> {
    let expression_names = &plan.expression_names;
    let scopes = std::iter::once(("up", &slo.up, Some(0))).chain(slo.services.iter().map(
        |(name, targets)| {
            let index = expression_names[1..].iter().position(|n| n == name);
            (name.as_str(), targets, index.map(|i| i + 1))
        },
    ));
    let mut verdicts = Vec::new();
    for (scope, targets, expression) in scopes {
        // The model validated every service name, so the index is always there.
        if let Some(expression) = expression {
            let judged = Judged {
                stats,
                expression,
                can_go_down: plan.can_go_down(expression),
                can_recover_data: plan.can_recover_data(),
            };
            judge_targets(scope, targets, judged, &mut verdicts);
        }
    }
    verdicts
}

/// What one scope's targets are judged on.
#[derive(Clone, Copy)]
struct Judged<'a> {
    /// The run's statistics.
    stats: &'a Accumulator,
    /// The scope's expression.
    expression: usize,
    /// Whether anything can take the expression down ([`Plan::can_go_down`]).
    can_go_down: bool,
    /// Whether an incident can be recovered with data lost ([`Plan::can_recover_data`]).
    can_recover_data: bool,
}

fn judge_targets(scope: &str, targets: &Targets, judged: Judged, verdicts: &mut Vec<Verdict>) {
    let Judged {
        stats, expression, ..
    } = judged;
    let years = stats.years();
    let mut push = |target: String, unit, estimate: Estimate, direction, bound, note| {
        let (status, years_to_decide) = decide(&estimate, bound, direction);
        verdicts.push(Verdict {
            scope: scope.to_string(),
            target,
            unit,
            figure: estimate.figure,
            ci95: estimate.ci95,
            direction,
            bound,
            status,
            years_to_decide,
            note,
        });
    };
    let downtime = stats.downtime(expression);
    let mean = availability(downtime, stats.horizon());
    // Not `mean.mean == 1.0`: a few microseconds in thousands of years round to that.
    let unseen = judged.can_go_down && downtime.mean_secs() == 0.0 && years >= 2;
    let estimate = availability_estimate(&mean, years, unseen);
    if let Some(target) = targets.availability {
        let consumed = (1.0 - mean.mean) / (1.0 - target);
        let note = match unseen {
            true => Note::NoDowntime { years },
            false => Note::BudgetConsumed { share: consumed },
        };
        push(
            "availability".to_string(),
            Unit::Fraction,
            estimate,
            Direction::AtLeast,
            target,
            Some(note),
        );
        if let Some(share) = targets.miss_probability {
            let misses = stats.misses(expression);
            let estimate = share_of_years(misses, years);
            let note = Note::YearsBelowTarget { misses, years };
            push(
                "miss_probability".to_string(),
                Unit::Fraction,
                estimate,
                Direction::AtMost,
                share,
                Some(note),
            );
        }
        if let Some(share) = targets.error_budget {
            // The share consumed is (1 − availability) / (1 − target), so its interval is
            // the availability interval mapped through that decreasing function.
            let budget = 1.0 - target;
            let consumed_at = |availability: Option<f64>| availability.map(|a| (1.0 - a) / budget);
            let estimate = Estimate {
                figure: consumed,
                ci95: [consumed_at(estimate.ci95[1]), consumed_at(estimate.ci95[0])],
                shrinks_as_years: unseen,
                ..estimate
            };
            let allowed = Duration::from_secs_f64(budget * stats.horizon().as_secs_f64());
            let note = Note::ErrorBudget {
                allowed,
                horizon: stats.horizon(),
            };
            push(
                "error_budget".to_string(),
                Unit::Fraction,
                estimate,
                Direction::AtMost,
                share,
                Some(note),
            );
        }
    }
    judge_requests(targets, stats, (expression, judged.can_go_down), &mut push);
    let all_lost = data_loss::all_lost(stats, judged.can_recover_data);
    data_loss::judge(targets, stats, all_lost.clone(), &mut push);
    let no_values = Quantiles::default();
    for bound in &targets.percentiles {
        // The measure that records the figure holds its distribution (a test pins that
        // every figure has one; none would read as no values).
        let values = stats
            .percentiles(bound.figure, expression)
            .unwrap_or(&no_values);
        let key = bound.figure.key(bound.percentile).to_string();
        if let (PercentileFigure::Rpo, Some(note)) = (bound.figure, &all_lost) {
            // Not a pass for want of values: the data of every incident is lost for good.
            let estimate = data_loss::all_lost_estimate(years);
            let bound = bound.bound.as_secs_f64();
            push(
                key,
                Unit::Seconds,
                estimate,
                Direction::AtMost,
                bound,
                Some(note.clone()),
            );
            continue;
        }
        let none_recovered = match bound.figure {
            PercentileFigure::Rpo => data_loss::none_recovered(stats),
            _ => None,
        };
        let note = (values.count() == 0).then(|| {
            none_recovered.unwrap_or(Note::NoValues {
                figure: bound.figure,
                years,
            })
        });
        // Outages are possible where something can take the expression down, data lost
        // (with incidents recoverable, above) wherever an incident strikes, and every year
        // has a downtime.
        let possible = match bound.figure {
            PercentileFigure::Rto => judged.can_go_down,
            PercentileFigure::Rpo | PercentileFigure::YearlyDowntime => true,
        };
        push(
            key,
            Unit::Seconds,
            percentile_estimate(values, bound.percentile.quantile(), years, possible),
            Direction::AtMost,
            bound.bound.as_secs_f64(),
            note,
        );
    }
}

/// The request targets: `request_success` and `failed_per_outage_p99` (the model allows
/// them only where `[traffic]` counts the expression's requests).
fn judge_requests(
    targets: &Targets,
    stats: &Accumulator,
    (expression, can_go_down): (usize, bool),
    push: &mut impl FnMut(String, Unit, Estimate, Direction, f64, Option<Note>),
) {
    let years = stats.years();
    let requests = &stats.measures().0;
    if let (Some(target), Some((mean, ci95))) =
        (targets.request_success, requests.success(expression))
    {
        let estimate = Estimate {
            figure: mean,
            ci95: mean_interval(ci95, years),
            years,
            samples: years,
            quantile: None,
            shrinks_as_years: false,
        };
        let target_name = "request_success".to_string();
        push(
            target_name,
            Unit::Fraction,
            estimate,
            Direction::AtLeast,
            target,
            None,
        );
    }
    if let (Some(bound), Some(values)) = (
        targets.failed_per_outage_p99,
        requests.failed_per_outage(expression),
    ) {
        let estimate = percentile_estimate(values, 0.99, years, can_go_down);
        let target_name = "failed_per_outage_p99".to_string();
        let note = (values.count() == 0).then_some(Note::NoValues {
            figure: PercentileFigure::Rto,
            years,
        });
        push(
            target_name,
            Unit::Requests,
            estimate,
            Direction::AtMost,
            bound,
            note,
        );
    }
}

/// The share of `years` that `count` of them are, with its Wilson interval.
fn share_of_years(count: u64, years: u64) -> Estimate {
    Estimate {
        figure: if years == 0 {
            0.0
        } else {
            count as f64 / years as f64
        },
        ci95: wilson_ci95(count, years).map(Some),
        years,
        samples: years,
        quantile: None,
        shrinks_as_years: false,
    }
}

/// A percentile with its order-statistic interval. With no values at all (no outages), the
/// percentile reads 0; if values were `possible` (something can take the expression down),
/// the years said nothing of how large one is, so the interval has no upper end, as with
/// too few values; else it is [0, 0]: nothing can exceed a bound.
fn percentile_estimate(values: &Quantiles, q: f64, years: u64, possible: bool) -> Estimate {
    let samples = values.count();
    let (figure, ci95) = if samples == 0 {
        (0.0, [Some(0.0), (!possible).then_some(0.0)])
    } else {
        // The interval's ends are order statistics, the figure an interpolation between
        // two: with few values the figure can lie outside them, so each end reaches it.
        let figure = values.quantiles_secs([q])[0];
        let [low, high] = values.quantile_ci95_secs(q);
        let ci95 = [low.map(|l| l.min(figure)), high.map(|h| h.max(figure))];
        (figure, ci95)
    };
    Estimate {
        figure,
        ci95,
        years,
        samples,
        quantile: Some(q),
        shrinks_as_years: false,
    }
}

/// The status of a mean availability over `years` years against an availability `target`,
/// as `check` judges `[slo] availability`, and for an inconclusive one about how many years
/// would decide it.
/// `can_go_down` as [`Plan::can_go_down`] says of the expression judged.
pub fn judge_availability(
    availability: &Availability,
    years: u64,
    target: f64,
    can_go_down: bool,
) -> (Status, Option<u64>) {
    decide(
        &availability_estimate(availability, years, unseen(availability, can_go_down)),
        target,
        Direction::AtLeast,
    )
}

/// `availability` with the 95% CI [`judge_availability`] judges by: with no downtime seen
/// in an expression that can go down, the Wilson lower end (see [`availability_estimate`]),
/// so that what is shown beside a verdict is what the verdict rests on.
pub fn judged_availability(
    availability: &Availability,
    years: u64,
    can_go_down: bool,
) -> Availability {
    let estimate = availability_estimate(availability, years, unseen(availability, can_go_down));
    let [low, high] = estimate.ci95;
    Availability {
        ci95: [
            low.unwrap_or(availability.ci95[0]),
            high.unwrap_or(availability.ci95[1]),
        ],
        ..*availability
    }
}

/// Whether no downtime was seen though the expression can go down. Only the mean is at
/// hand here: a few microseconds of downtime in thousands of years read as none
/// (`judge_targets` asks the downtime itself).
fn unseen(availability: &Availability, can_go_down: bool) -> bool {
    can_go_down && availability.mean == 1.0
}

/// The mean availability over `years` years as an estimate to judge. `unseen`: no downtime
/// was seen, though something can take the expression down; then the years' spread, zero,
/// says nothing of a failure rarer than the run, and the interval's lower end is instead
/// 1 − the Wilson upper end of 0 years with downtime out of `years`, each such year taken as
/// down throughout.
fn availability_estimate(mean: &Availability, years: u64, unseen: bool) -> Estimate {
    let unseen = unseen && years >= 2;
    let mut ci95 = mean.ci95;
    if unseen {
        ci95[0] = 1.0 - wilson_ci95(0, years)[1];
    }
    Estimate {
        figure: mean.mean,
        ci95: mean_interval(ci95, years),
        years,
        samples: years,
        quantile: None,
        shrinks_as_years: unseen,
    }
}

/// The status of an estimate against a bound, and for an inconclusive one about how many
/// years would decide it (see the module documentation).
fn decide(estimate: &Estimate, bound: f64, direction: Direction) -> (Status, Option<u64>) {
    let low = estimate.ci95[0].unwrap_or(f64::NEG_INFINITY);
    let high = estimate.ci95[1].unwrap_or(f64::INFINITY);
    let (good_side, bad_side, good) = match direction {
        Direction::AtLeast => (low, high, estimate.figure > bound),
        Direction::AtMost => (high, low, estimate.figure < bound),
    };
    let passes = |x: f64| match direction {
        Direction::AtLeast => x >= bound,
        Direction::AtMost => x <= bound,
    };
    if passes(good_side) {
        return (Status::Pass, None);
    }
    if !passes(bad_side) {
        return (Status::Miss, None);
    }
    // The side that must move past the bound: the good side to prove a pass, the bad side
    // to prove a miss.
    let side = if good { good_side } else { bad_side };
    let distance = (estimate.figure - bound).abs();
    let ratio = if distance == 0.0 {
        None
    } else if side.is_finite() {
        let ratio = (side - estimate.figure).abs() / distance;
        Some(match estimate.shrinks_as_years {
            // Wilson's end for none of n is z²/(n + z²): it reaches the bound, `ratio`
            // times closer, at n' = ratio·(n + z²) − z².
            true => {
                let (n, z2) = (estimate.years as f64, Z_95 * Z_95);
                (ratio * (n + z2) - z2) / n
            }
            false => math::powi(ratio, 2),
        })
    } else {
        unbounded_side_ratio(estimate)
    };
    let years = ratio.map(|ratio| {
        let needed = round_up_two_digits(estimate.years as f64 * ratio);
        needed.max(estimate.years.saturating_add(1))
    });
    (Status::Inconclusive, years)
}

/// The 95% interval of a mean over `years` years: none on either side from a single year,
/// whose variance is unknown (the statistics then give all of the range, which says
/// nothing and would make the years to decide absurd).
fn mean_interval(ci95: [f64; 2], years: u64) -> [Option<f64>; 2] {
    if years < 2 {
        return [None, None];
    }
    ci95.map(Some)
}

/// For an interval with no end on the side that must move: how many times more values are
/// needed before one exists. For an order statistic, until P(all n values lie below the
/// q-quantile) = q^n falls to 2.5%; for a mean of one year, a second year. Deciding may
/// take more than that; it is a lower bound.
fn unbounded_side_ratio(estimate: &Estimate) -> Option<f64> {
    let Some(q) = estimate.quantile else {
        return (estimate.years == 1).then_some(2.0);
    };
    if estimate.samples == 0 || q <= 0.0 || q >= 1.0 {
        return None;
    }
    let needed = (math::ln(0.025) / math::ln(q)).ceil();
    Some(needed / estimate.samples as f64)
}

/// Rounds up to two significant digits: 43217 → 44000.
fn round_up_two_digits(x: f64) -> u64 {
    // NaN, below one or exactly one: one year more is the least that can be asked for.
    if x.is_nan() || x <= 1.0 {
        return 1;
    }
    let scale = math::powf(10.0, math::log10(x).floor() - 1.0).max(1.0);
    // `as` saturates, so an absurd estimate stays u64::MAX rather than wrapping.
    ((x / scale).ceil() * scale) as u64
}

/// The years whose downtime makes them miss each expression's availability target, for
/// [`Accumulator::with_miss_thresholds`]: a year misses when 1 − downtime/horizon is below
/// the target, i.e. when its downtime exceeds (1 − target) × horizon.
pub fn miss_thresholds(
    slo: &Slo,
    expression_names: &[String],
    horizon: Duration,
) -> Vec<Option<Duration>> {
    let allowed = |targets: &Targets| {
        targets.availability.map(|target| {
            // Downtimes are whole microseconds, so "above the real allowance" is "above its
            // floor".
            Duration::from_micros(((1.0 - target) * horizon.as_micros() as f64).floor() as u64)
        })
    };
    expression_names
        .iter()
        .enumerate()
        .map(|(index, name)| {
            if index == 0 {
                allowed(&slo.up)
            } else {
                slo.services
                    .iter()
                    .find(|(service, _)| service == name)
                    .and_then(|(_, targets)| allowed(targets))
            }
        })
        .collect()
}

/// How far below the baseline's mean availability a run may fall before a drop counts
/// (`--baseline-tolerance`): zero by default.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum BaselineTolerance {
    /// Downtime a year (`2m`): a drop of this downtime per horizon.
    Downtime(Duration),
    /// A share of the error budget (`5%`): that share of 1 − the availability target.
    BudgetShare(f64),
}

/// Why a `--baseline-tolerance` cannot be read, or used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ToleranceError {
    /// Neither a duration nor a percentage.
    #[error(
        "`{0}` is not a tolerance: write downtime a year (2m, 30s) or a share of the error budget (5%)"
    )]
    Syntax(String),
    /// A bare number other than 0, which could mean either.
    #[error(
        "`{0}` is not a tolerance: a number other than 0 needs its unit: downtime a year (2m, 30s) or a share of the error budget (5%)"
    )]
    NoUnit(String),
    /// A share of the error budget beyond 0% to 100%.
    #[error(
        "`{0}` is not a tolerance: a share of the error budget is from 0% to 100% (all of the budget)"
    )]
    ShareOutOfRange(String),
    /// A share of the budget with no availability target to take it of.
    #[error("a tolerance as a share of the error budget needs an [slo] availability target")]
    NoBudget,
}

impl std::str::FromStr for BaselineTolerance {
    type Err = ToleranceError;

    fn from_str(text: &str) -> Result<BaselineTolerance, ToleranceError> {
        let syntax = || ToleranceError::Syntax(text.to_string());
        let trimmed = text.trim();
        if let Ok(number) = trimmed.parse::<f64>() {
            // 0 is no drop either way, as the default; any other number needs its unit.
            return if number == 0.0 {
                Ok(BaselineTolerance::Downtime(Duration::ZERO))
            } else {
                Err(ToleranceError::NoUnit(text.to_string()))
            };
        }
        match trimmed.strip_suffix('%') {
            Some(percent) => {
                let share = percent.trim().parse::<f64>().map_err(|_| syntax())? / 100.0;
                if (0.0..=1.0).contains(&share) {
                    Ok(BaselineTolerance::BudgetShare(share))
                } else if share.is_nan() {
                    Err(syntax())
                } else {
                    Err(ToleranceError::ShareOutOfRange(text.to_string()))
                }
            }
            None => Duration::parse(text)
                .map(BaselineTolerance::Downtime)
                .map_err(|_| syntax()),
        }
    }
}

impl BaselineTolerance {
    /// The drop in mean availability it allows, for a horizon of `horizon` and the
    /// availability target `target` (if the model has one).
    pub fn availability_drop(
        self,
        horizon: Duration,
        target: Option<f64>,
    ) -> Result<f64, ToleranceError> {
        match self {
            BaselineTolerance::Downtime(downtime) => {
                Ok(downtime.as_micros() as f64 / horizon.as_micros() as f64)
            }
            BaselineTolerance::BudgetShare(share) => target
                .map(|target| share * (1.0 - target))
                .ok_or(ToleranceError::NoBudget),
        }
    }
}

/// Compares a run with a baseline: for `up` and every service in both, a regression is a
/// drop in mean availability below the baseline's mean less `tolerance` (a drop in
/// availability, 0 by default), or a rise in the 99th percentile outage duration above the
/// baseline's, shown by the evidence: the run's whole 95% confidence interval lies beyond
/// that bound. The verdict prints that interval and that bound, so its status always
/// follows from the printed figures. The baseline's figures are taken as they are: a run
/// of the same model and seed shares its random numbers year by year, so the difference
/// between the two is known far better than either figure, and an identical rerun differs
/// by exactly zero.
pub fn compare_with_baseline(
    baseline: &Baseline,
    summary: &Summary,
    tolerance: f64,
) -> Vec<Verdict> {
    let mut verdicts = Vec::new();
    compare_scope(
        "up",
        (
            baseline.availability.mean,
            SavedRto::p99(baseline.rto_s.as_ref()),
        ),
        (&summary.availability, &summary.rto_s),
        summary.years,
        tolerance,
        &mut verdicts,
    );
    for (name, service) in &summary.services {
        if let Some(base) = baseline.services.get(name) {
            compare_scope(
                name,
                (base.availability.mean, SavedRto::p99(base.rto_s.as_ref())),
                (&service.availability, &service.rto_s),
                summary.years,
                tolerance,
                &mut verdicts,
            );
        }
    }
    verdicts
}

/// A regression only when the whole interval lies on the failing side of the bound.
fn regression_status(ci95: [Option<f64>; 2], bound: f64, direction: Direction) -> Status {
    let beyond = match direction {
        Direction::AtLeast => ci95[1].is_some_and(|high| high < bound),
        Direction::AtMost => ci95[0].is_some_and(|low| low > bound),
    };
    if beyond { Status::Miss } else { Status::Pass }
}

/// The baseline verdicts of one scope of a run of `years` years, against the baseline's
/// mean availability and its p99 outage duration (none without outages, or when the
/// baseline does not give it: then there is no RTO verdict).
fn compare_scope(
    scope: &str,
    (base_mean, base_rto_p99): (f64, Option<f64>),
    (availability, rto): (&Availability, &RtoSummary),
    years: u64,
    tolerance: f64,
    verdicts: &mut Vec<Verdict>,
) {
    let bound = base_mean - tolerance;
    let ci95 = mean_interval(availability.ci95, years);
    verdicts.push(Verdict {
        scope: scope.to_string(),
        target: "baseline_availability".to_string(),
        unit: Unit::Fraction,
        figure: availability.mean,
        ci95,
        direction: Direction::AtLeast,
        bound,
        status: regression_status(ci95, bound, Direction::AtLeast),
        years_to_decide: None,
        note: Some(Note::BaselineAvailability {
            baseline: base_mean,
            tolerance,
        }),
    });
    let Some(base_p99) = base_rto_p99 else {
        return;
    };
    let note = if rto.p99_ci95[0].is_some() {
        Note::BaselineRto {
            baseline_s: base_p99,
        }
    } else {
        Note::BaselineRtoUnbounded
    };
    verdicts.push(Verdict {
        scope: scope.to_string(),
        target: "baseline_rto_p99".to_string(),
        unit: Unit::Seconds,
        figure: rto.p99,
        ci95: rto.p99_ci95,
        direction: Direction::AtMost,
        bound: base_p99,
        status: regression_status(rto.p99_ci95, base_p99, Direction::AtMost),
        years_to_decide: None,
        note: Some(note),
    });
}

/// Everything `nines check` reports: `--json` prints it, and the text and JUnit forms are
/// made from it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CheckReport {
    /// The model's name.
    pub model: String,
    /// The master seed.
    pub seed: u64,
    /// Simulated years.
    pub years: u64,
    /// Length of one year, in seconds.
    pub horizon_s: f64,
    /// The worst status of all targets and baseline comparisons.
    pub status: Status,
    /// Whether inconclusive targets were allowed (`--allow-inconclusive`).
    pub allow_inconclusive: bool,
    /// The `[slo]` targets, `up`'s first, then each service's, each in a fixed order.
    pub targets: Vec<Verdict>,
    /// The comparisons with the baseline (empty without `--baseline`).
    pub baseline: Vec<Verdict>,
}

impl CheckReport {
    /// A report of `targets` and `baseline` comparisons for the run that `summary` describes.
    pub fn new(
        summary: &Summary,
        targets: Vec<Verdict>,
        baseline: Vec<Verdict>,
        allow_inconclusive: bool,
    ) -> CheckReport {
        let status = targets
            .iter()
            .chain(&baseline)
            .map(|verdict| verdict.status)
            .max()
            .unwrap_or(Status::Pass);
        CheckReport {
            model: summary.model.clone(),
            seed: summary.seed,
            years: summary.years,
            horizon_s: summary.horizon_s,
            status,
            allow_inconclusive,
            targets,
            baseline,
        }
    }

    /// Whether the check succeeds: nothing missed, and nothing inconclusive unless allowed.
    pub fn succeeded(&self) -> bool {
        match self.status {
            Status::Pass => true,
            Status::Inconclusive => self.allow_inconclusive,
            Status::Miss => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn estimate(figure: f64, low: f64, high: Option<f64>) -> Estimate {
        Estimate {
            figure,
            ci95: [Some(low), high],
            years: 1000,
            samples: 1000,
            quantile: Some(0.99),
            shrinks_as_years: false,
        }
    }

    /// An availability around `mean` with the half-width `half` (clamped to [0, 1]).
    fn availability(mean: f64, half: f64) -> Availability {
        Availability {
            mean,
            ci95: [(mean - half).max(0.0), (mean + half).min(1.0)],
            nines: None,
        }
    }

    fn rto(p99: f64, low: Option<f64>, high: Option<f64>) -> RtoSummary {
        RtoSummary {
            count: 1000,
            mean: p99 / 3.0,
            p50: p99 / 4.0,
            p90: p99 / 2.0,
            p99,
            max: p99 * 2.0,
            p99_ci95: [low, high],
        }
    }

    /// With few values the p99 interpolates between the two largest, while the interval's
    /// lower end is the largest: the interval is widened to hold the figure (a user's trial
    /// saw a figure below its own interval).
    #[test]
    fn a_percentiles_interval_holds_its_figure() {
        let mut values = Quantiles::default();
        // Two values, as a year with two incidents gives.
        for secs in [10, 20] {
            values.add(Duration::from_secs(secs));
        }
        let estimate = percentile_estimate(&values, 0.99, 2, true);
        let ([low, high], figure) = (estimate.ci95, estimate.figure);
        assert!(low.is_some_and(|low| low <= figure), "{low:?} {figure}");
        assert!(high.is_none_or(|high| high >= figure), "{high:?} {figure}");
        let unclamped = values.quantile_ci95_secs(0.99)[0].unwrap();
        assert!(
            unclamped > figure,
            "the case the clamp is for: {unclamped} {figure}"
        );
    }

    /// After one year a run's availability has no interval against the baseline either.
    #[test]
    fn a_single_year_has_no_interval_against_the_baseline() {
        // A half-width of 1: the statistics' whole range, all a single year gives.
        let (base, run) = (
            (availability(0.9999, 1.0), rto(10.0, Some(9.0), Some(11.0))),
            (availability(0.9998, 1.0), rto(10.0, Some(9.0), Some(11.0))),
        );
        let mut verdicts = Vec::new();
        compare_scope(
            "up",
            (base.0.mean, Some(base.1.p99)),
            (&run.0, &run.1),
            1,
            0.001,
            &mut verdicts,
        );
        assert_eq!(verdicts[0].target, "baseline_availability");
        assert_eq!(verdicts[0].ci95, [None, None]);
    }

    /// The baseline verdicts of a run against a baseline, with `tolerance`.
    fn compared(
        base: (Availability, RtoSummary),
        run: (Availability, RtoSummary),
        tolerance: f64,
    ) -> Vec<Verdict> {
        let mut verdicts = Vec::new();
        compare_scope(
            "up",
            (base.0.mean, Some(base.1.p99)),
            (&run.0, &run.1),
            1000,
            tolerance,
            &mut verdicts,
        );
        verdicts
    }

    const YEAR_S: f64 = 365.0 * 86400.0;

    /// The case of issue 19: a change that adds 2 s of downtime a year, well inside the
    /// run's interval, is no regression; one that adds an hour, far outside it, is.
    #[test]
    fn a_regression_needs_the_whole_interval_beyond_the_baseline() {
        let base = (
            availability(0.999_9, 2e-6),
            rto(100.0, Some(95.0), Some(105.0)),
        );
        let slightly = (
            availability(0.999_9 - 2.0 / YEAR_S, 2e-6),
            rto(100.5, Some(95.5), Some(105.5)),
        );
        let statuses =
            |verdicts: Vec<Verdict>| verdicts.iter().map(|v| v.status).collect::<Vec<_>>();
        assert_eq!(
            statuses(compared(base, slightly, 0.0)),
            [Status::Pass, Status::Pass]
        );
        let worse = (
            availability(0.999_9 - 3600.0 / YEAR_S, 2e-6),
            rto(130.0, Some(120.0), Some(140.0)),
        );
        assert_eq!(
            statuses(compared(base, worse, 0.0)),
            [Status::Miss, Status::Miss]
        );
        // An hour a year is within a tolerance of 2 hours, and 5% of a 99% target's budget.
        let two_hours = BaselineTolerance::Downtime(Duration::from_secs(7200));
        let year = Duration::from_secs(365 * 86400);
        let drop = two_hours.availability_drop(year, None).unwrap();
        assert_eq!(compared(base, worse, drop)[0].status, Status::Pass);
        let share = "5%".parse::<BaselineTolerance>().unwrap();
        let drop = share.availability_drop(year, Some(0.99)).unwrap();
        assert!((drop - 0.0005).abs() < 1e-15);
        assert_eq!(compared(base, worse, drop)[0].status, Status::Pass);
        // An identical rerun is never a regression, even with a zero-width interval.
        let exact = (
            availability(0.999_9, 0.0),
            rto(100.0, Some(100.0), Some(100.0)),
        );
        assert_eq!(
            statuses(compared(exact, exact, 0.0)),
            [Status::Pass, Status::Pass]
        );
        // Too few outages to bound the p99 from below: no rise can be shown.
        let unbounded = (worse.0, rto(500.0, None, None));
        let verdicts = compared(base, unbounded, 0.0);
        assert_eq!(verdicts[1].status, Status::Pass);
        assert_eq!(verdicts[1].note, Some(Note::BaselineRtoUnbounded));
    }

    /// For many baselines and runs, each status follows from the figures the verdict
    /// prints: a miss exactly when the whole printed interval lies beyond the printed bound.
    #[test]
    fn the_status_follows_from_the_printed_interval_and_bound() {
        let mut state: u64 = 19;
        let mut uniform = || {
            // A fixed linear congruential sequence: the cases are the same on every run.
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let (mut misses, mut passes) = (0, 0);
        for _ in 0..5000 {
            let mean = 1.0 - math::powf(10.0, -1.0 - 5.0 * uniform());
            let half = (1.0 - mean) * uniform();
            let shift = (1.0 - mean) * (uniform() - 0.5);
            let tolerance = if uniform() < 0.5 {
                0.0
            } else {
                (1.0 - mean) * uniform() * 0.2
            };
            let p99 = 10.0 + 100.0 * uniform();
            let low = (uniform() < 0.9).then(|| p99 * (1.0 - 0.2 * uniform()));
            let base = (
                availability(mean, half * uniform()),
                rto(p99, Some(p99 * 0.9), Some(p99 * 1.1)),
            );
            let run_p99 = p99 * (0.8 + 0.4 * uniform());
            let run = (
                availability((mean - shift).min(1.0), half),
                rto(run_p99, low.map(|l| l * run_p99 / p99), Some(run_p99 * 1.1)),
            );
            for verdict in compared(base, run, tolerance) {
                let [low, high] = verdict.ci95;
                let beyond = match verdict.direction {
                    Direction::AtLeast => high.is_some_and(|high| high < verdict.bound),
                    Direction::AtMost => low.is_some_and(|low| low > verdict.bound),
                };
                let straddles = low.is_none_or(|low| low <= verdict.bound)
                    && high.is_none_or(|high| high >= verdict.bound);
                assert_eq!(verdict.status == Status::Miss, beyond, "{verdict:?}");
                if straddles {
                    assert_eq!(verdict.status, Status::Pass, "{verdict:?}");
                }
                if verdict.status == Status::Miss {
                    misses += 1
                } else {
                    passes += 1
                }
            }
        }
        assert!(
            misses > 1000 && passes > 1000,
            "{misses} misses, {passes} passes"
        );
    }

    #[test]
    fn tolerances_read_as_downtime_or_a_share_of_the_budget() {
        assert_eq!(
            "2m".parse::<BaselineTolerance>(),
            Ok(BaselineTolerance::Downtime(Duration::from_secs(120)))
        );
        assert_eq!(
            "5%".parse::<BaselineTolerance>(),
            Ok(BaselineTolerance::BudgetShare(0.05))
        );
        // A bare 0 is the default, no drop, as `0s` and `0%` are.
        for zero in ["0", " 0 ", "0.0", "0s", "0%"] {
            let drop = zero
                .parse::<BaselineTolerance>()
                .unwrap()
                .availability_drop(Duration::YEAR, Some(0.999));
            assert_eq!(drop, Ok(0.0), "{zero}");
        }
        for bad in ["five%", "nan%", "", "2x"] {
            assert_eq!(
                bad.parse::<BaselineTolerance>(),
                Err(ToleranceError::Syntax(bad.into()))
            );
        }
        assert_eq!(
            "2".parse::<BaselineTolerance>(),
            Err(ToleranceError::NoUnit("2".into()))
        );
        for beyond in ["150%", "-1%", "100.5%"] {
            let error = beyond.parse::<BaselineTolerance>().unwrap_err();
            assert_eq!(error, ToleranceError::ShareOutOfRange(beyond.into()));
            assert!(error.to_string().contains("from 0% to 100%"), "{error}");
        }
        assert_eq!(
            BaselineTolerance::BudgetShare(0.05).availability_drop(Duration::from_secs(1), None),
            Err(ToleranceError::NoBudget)
        );
    }

    #[test]
    fn decide_compares_the_whole_interval_with_the_bound() {
        let e = estimate(0.9995, 0.9994, Some(0.9996));
        assert_eq!(decide(&e, 0.999, Direction::AtLeast), (Status::Pass, None));
        assert_eq!(decide(&e, 0.9999, Direction::AtLeast), (Status::Miss, None));
        assert_eq!(decide(&e, 0.9999, Direction::AtMost).0, Status::Pass);
        assert_eq!(decide(&e, 0.999, Direction::AtMost).0, Status::Miss);
    }

    /// What `optimize` shows beside a verdict is what the verdict rests on: with no downtime
    /// seen in 200 years of an expression that can go down, the Wilson lower end (98.1%),
    /// not the years' zero-width [100%, 100%]; an expression that cannot go down, or one
    /// that went down, keeps its own interval.
    #[test]
    fn the_judged_interval_is_the_one_shown() {
        let none_seen = availability(1.0, 0.0);
        let judged = judged_availability(&none_seen, 200, true);
        assert_eq!(judged.ci95[0], 1.0 - wilson_ci95(0, 200)[1]);
        assert!((judged.ci95[0] - 0.981155).abs() < 1e-6, "{judged:?}");
        assert_eq!((judged.mean, judged.ci95[1]), (1.0, 1.0));
        assert_eq!(
            judge_availability(&none_seen, 200, 0.9999, true).0,
            Status::Inconclusive
        );
        assert_eq!(judged_availability(&none_seen, 200, false), none_seen);
        let seen = availability(0.9999, 0.00001);
        assert_eq!(judged_availability(&seen, 200, true), seen);
    }

    /// One year gives a mean no interval: not the statistics' [0, 1], which made "about
    /// 11000000000 years would decide it", but none, and a second year as the least to ask.
    #[test]
    fn a_single_year_has_no_interval_and_asks_for_a_second() {
        let one_year = Availability {
            mean: 0.9999996,
            ci95: [0.0, 1.0],
            nines: None,
        };
        assert_eq!(
            judge_availability(&one_year, 1, 0.99999, true),
            (Status::Inconclusive, Some(2))
        );
        assert_eq!(mean_interval([0.0, 1.0], 1), [None, None]);
        assert_eq!(mean_interval([0.25, 0.5], 2), [Some(0.25), Some(0.5)]);
    }

    #[test]
    fn years_to_decide_scale_with_the_square_of_the_interval() {
        // Half-width 4, distance 1: (4/1)² = 16 times the 1000 years.
        let e = estimate(10.0, 6.0, Some(14.0));
        assert_eq!(
            decide(&e, 11.0, Direction::AtMost),
            (Status::Inconclusive, Some(16_000))
        );
        assert_eq!(
            decide(&e, 9.0, Direction::AtMost),
            (Status::Inconclusive, Some(16_000))
        );
        // On the bound itself no number of years decides it.
        assert_eq!(
            decide(&e, 10.0, Direction::AtMost),
            (Status::Inconclusive, None)
        );
    }

    #[test]
    fn a_missing_upper_end_asks_for_enough_values_to_have_one() {
        // q = 0.99 needs n with 0.99^n <= 2.5%: n = 368, from 1000 samples that is at least
        // the next year; from 100 samples 3.68 times as many years.
        let mut e = estimate(10.0, 6.0, None);
        e.samples = 100;
        assert_eq!(
            decide(&e, 11.0, Direction::AtMost),
            (Status::Inconclusive, Some(3_700))
        );
    }

    #[test]
    fn rounding_keeps_two_significant_digits() {
        assert_eq!(round_up_two_digits(43_217.0), 44_000);
        assert_eq!(round_up_two_digits(99.0), 99);
        assert_eq!(round_up_two_digits(7.2), 8);
    }
}
