//! The exact count of one year's failed requests to one expression.
//!
//! The chance f(u) that an attempt at u fails is a step function of the year (it changes
//! only where a component's serving or routing changes). A request arriving at t fails when
//! every attempt fails, with chance Π_j f(t + S_j); that product is itself a step function
//! of t, whose steps lie at the steps of f shifted back by each offset S_j, and the rate is
//! constant within each hour. So the integral of rate × Π_j f(t + S_j) over the year is a
//! finite sum over those pieces, computed only where f(t) > 0 (elsewhere the first attempt
//! succeeds): its cost grows with the failures and the attempts, never with the rate.
//! Attempts after the end of the year succeed, as the next year starts with everything up
//! (the outage is cut there, as in every other figure).

use crate::plan::DemandPlan;
use crate::time::Duration;

/// From `at` on (until the next step), an attempt fails with chance `fail`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Step {
    pub(super) at: Duration,
    pub(super) fail: f64,
}

/// A maximal interval of positive length in which every attempt fails (the expression is
/// down), and the requests arriving in it that failed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Down {
    pub(super) start: Duration,
    pub(super) end: Duration,
    pub(super) failed: f64,
}

/// What one year's requests to one expression came to.
#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct Counts {
    /// Requests that failed.
    pub(super) failed: f64,
    /// The expression's outages, in order, with the failed requests that arrived in each.
    pub(super) downs: Vec<Down>,
    /// `retried[k]`: requests whose attempt k (k ≥ 1) was the first to succeed;
    /// `retried[0]` stays 0 (a first attempt that succeeds adds no delay).
    pub(super) retried: Vec<f64>,
}

impl Counts {
    fn reset(&mut self, attempts: usize) {
        self.failed = 0.0;
        self.downs.clear();
        self.retried.clear();
        self.retried.resize(attempts, 0.0);
    }
}

/// Counts the failed and the retried requests of `demand` over `steps` (sorted by time,
/// the first at 0, the last `(horizon, 0)`), into `counts`; `points` is scratch.
pub(super) fn count(
    steps: &[Step],
    demand: &DemandPlan,
    counts: &mut Counts,
    scratch: &mut CountScratch,
) {
    counts.reset(demand.offsets.len());
    collect_downs(steps, &mut counts.downs);
    let mut i = 0;
    while i < steps.len() {
        if steps[i].fail == 0.0 {
            i += 1;
            continue;
        }
        let start = steps[i].at;
        while i < steps.len() && steps[i].fail > 0.0 {
            i += 1;
        }
        // The last step is (horizon, 0), so a run always has an end; every attempt succeeds
        // from it until the next step.
        let end = steps[i].at;
        let next = steps.get(i + 1).map_or(Duration::NEVER, |s| s.at);
        pieces(steps, demand, (start, end, next), &mut scratch.points);
        let first = steps.partition_point(|s| s.at <= start) - 1;
        scratch.cursors.clear();
        scratch.cursors.resize(demand.offsets.len(), first);
        for piece in scratch.points.windows(2) {
            add_piece(
                steps,
                &mut scratch.cursors,
                demand,
                piece[0],
                piece[1],
                counts,
            );
        }
    }
}

/// Buffers of [`count`], kept only to reuse their allocations.
#[derive(Debug, Default)]
pub(super) struct CountScratch {
    /// The ends of the pieces of one run.
    points: Vec<Duration>,
    /// Per attempt: the step its time fell in at the last piece that reached it.
    cursors: Vec<usize>,
}

/// The outages: maximal runs of steps in which every attempt fails.
fn collect_downs(steps: &[Step], downs: &mut Vec<Down>) {
    for pair in steps.windows(2) {
        let (step, next) = (pair[0], pair[1]);
        if step.fail != 1.0 || next.at == step.at {
            continue;
        }
        match downs.last_mut() {
            Some(down) if down.end == step.at => down.end = next.at,
            _ => downs.push(Down {
                start: step.at,
                end: next.at,
                failed: 0.0,
            }),
        }
    }
}

/// The ends of the pieces of `[start, end)` within which the chance that every attempt
/// fails, and the rate, are constant: `start`, `end`, every step of f shifted back by
/// each offset, and every change of the rate.
///
/// Every attempt succeeds in `[end, next)`. When that gap is at least every sleep before
/// attempt k, a request arriving before `end` whose attempt k would come at `next` or
/// later has made an attempt in the gap and succeeded, so the steps from `next` on,
/// shifted back by S_k, split no piece in which anything is counted: they are left out.
/// (It saves most of the pieces under long schedules, whose late attempts otherwise reach
/// the steps of the failures that follow.)
fn pieces(
    steps: &[Step],
    demand: &DemandPlan,
    (start, end, next): (Duration, Duration, Duration),
    points: &mut Vec<Duration>,
) {
    points.clear();
    points.extend([start, end]);
    let gap = next.as_micros().saturating_sub(end.as_micros());
    let mut longest_sleep = 0;
    let mut previous = Duration::ZERO;
    // The offsets increase, so the first step past each shifted start only moves on.
    let mut first = steps.partition_point(|s| s.at <= start);
    for &offset in &demand.offsets {
        longest_sleep = longest_sleep.max(offset.as_micros() - previous.as_micros());
        previous = offset;
        let (low, mut high) = (start.saturating_add(offset), end.saturating_add(offset));
        if longest_sleep <= gap {
            high = high.min(next);
        }
        while first < steps.len() && steps[first].at <= low {
            first += 1;
        }
        for step in steps[first..].iter().take_while(|s| s.at < high) {
            points.push(Duration::from_micros(
                step.at.as_micros() - offset.as_micros(),
            ));
        }
    }
    let mut change = demand.next_change(start);
    while change < end {
        points.push(change);
        change = demand.next_change(change);
    }
    // Each offset's points are in order already: the stable sort merges those runs.
    points.sort();
    points.dedup();
}

/// Adds the requests arriving in `[from, to)`, where every chance is constant. `cursors`
/// holds each attempt's step at an earlier piece of the same run (pieces come in order),
/// so each attempt's step is found by walking on from there: over a run, each cursor
/// walks the steps once.
fn add_piece(
    steps: &[Step],
    cursors: &mut [usize],
    demand: &DemandPlan,
    from: Duration,
    to: Duration,
    counts: &mut Counts,
) {
    let arriving = demand.rate_at(from) * (to.as_micros() - from.as_micros()) as f64;
    let mut all_failed = arriving;
    let offsets = &demand.offsets;
    let mut k = 0;
    while k < offsets.len() {
        let at = from.saturating_add(offsets[k]);
        let step = &mut cursors[k];
        while *step + 1 < steps.len() && steps[*step + 1].at <= at {
            *step += 1;
        }
        let step = *step;
        let fail = steps[step].fail;
        if fail == 1.0 {
            // Every attempt until this step ends fails: skip to the first one after it.
            let until = steps.get(step + 1).map_or(Duration::NEVER, |s| s.at);
            k += offsets[k..].partition_point(|o| from.saturating_add(*o) < until);
            continue;
        }
        if k > 0 {
            counts.retried[k] += all_failed * (1.0 - fail);
        }
        all_failed *= fail;
        if all_failed == 0.0 {
            return;
        }
        k += 1;
    }
    counts.failed += all_failed;
    let down = counts.downs.partition_point(|d| d.start <= from);
    if let Some(down) = down.checked_sub(1).map(|d| &mut counts.downs[d])
        && from < down.end
    {
        down.failed += all_failed;
    }
}
