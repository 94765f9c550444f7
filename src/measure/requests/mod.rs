//! Requests and client retries (`[traffic]`): the requests that failed and the delay that
//! retries added, counted exactly from the year's serving and routing, never sampled.
//!
//! The engine tells the measure where components start and stop serving and where replicas
//! fail (with how long they stay routed) and come back. At the end of the year the measure
//! turns that into the step function of the chance that an attempt fails, per expression
//! with traffic (`mechanics::routing`), and counts the year's requests over it (`count`).
//! A model without `[traffic]` records nothing and writes no column and no section.

mod count;
mod stats;
mod success_tree;
#[cfg(test)]
mod tests;

pub use stats::RequestsStats;

use super::Measure;
use super::cells::push_decimal;
use crate::engine::Outage;
use crate::mechanics::routing::Routed;
use crate::plan::{DemandPlan, Plan};
use crate::time::Duration;
use count::{CountScratch, Counts, Step};
use std::io::Write;
use success_tree::SuccessTree;

/// The requests measure: failed requests per year and per outage, and retry delays, of `up`
/// and of each service with traffic.
#[derive(Clone, Debug)]
pub struct Requests {
    horizon: Duration,
    /// The expressions with traffic: index among the plan's expressions, its name and its
    /// requests.
    counted: Vec<(usize, String, DemandPlan)>,
    /// Each counted expression as the [`SuccessTree`] its chance is kept in through a year.
    trees: Vec<SuccessTree>,
    /// Per component: replicas, and whether attempts go to a leader.
    components: Vec<(u32, bool)>,
    replica_component: Vec<u32>,
}

/// What changed at an instant, as the measure keeps it until the year ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Change {
    Serving {
        component: u32,
        serving: bool,
    },
    Down {
        replica: u32,
    },
    /// Replica `replica`, down since `since`, leaves the endpoints.
    Unrouted {
        replica: u32,
        since: Duration,
    },
    Up {
        replica: u32,
    },
    /// An incident holds every expression down (`down`), or no longer does.
    Held {
        down: bool,
    },
}

/// What [`Requests`] records in one year: per expression with traffic, its counts.
#[derive(Debug, Default)]
pub struct RequestsYear {
    counts: Vec<Counts>,
    /// The start of each system outage, in the engine's order (the rows of `outages.csv`).
    outage_starts: Vec<Duration>,
    /// The failed requests that arrived in each system outage, in the same order.
    outage_failed: Vec<f64>,
    /// The year's changes, in the order the engine told them (in time order); counted at
    /// the year's end.
    changes: Vec<(Duration, Change)>,
    /// The ends of routing ([`Change::Unrouted`]), told at each failure and so out of
    /// time order: sorted apart at the year's end and merged with `changes`.
    unrouted: Vec<(Duration, Change)>,
    scratch: Scratch,
}

/// Buffers of the year's count, kept only to reuse their allocations.
#[derive(Debug, Default)]
struct Scratch {
    steps: Vec<Vec<Step>>,
    components: Vec<Routed>,
    /// Each component's chance of success, kept as its routing changes.
    success: Vec<f64>,
    /// The counted expressions' trees, kept as the chances change.
    trees: Vec<SuccessTree>,
    /// Per replica: since when it is down, and whether it is still routed.
    replicas: Vec<(Option<Duration>, bool)>,
    /// Whether an incident holds every expression down: then every attempt fails.
    held: bool,
    count: CountScratch,
}

/// Years compare by what they recorded; the scratch is no part of it.
impl PartialEq for RequestsYear {
    fn eq(&self, other: &RequestsYear) -> bool {
        self.counts == other.counts
            && self.outage_starts == other.outage_starts
            && self.outage_failed == other.outage_failed
            && self.changes == other.changes
            && self.unrouted == other.unrouted
    }
}

/// Cloning into an existing year keeps its allocations; the scratch is not copied.
impl Clone for RequestsYear {
    fn clone(&self) -> RequestsYear {
        RequestsYear {
            counts: self.counts.clone(),
            outage_starts: self.outage_starts.clone(),
            outage_failed: self.outage_failed.clone(),
            changes: self.changes.clone(),
            unrouted: self.unrouted.clone(),
            scratch: Scratch::default(),
        }
    }

    fn clone_from(&mut self, from: &RequestsYear) {
        self.counts.clone_from(&from.counts);
        self.outage_starts.clone_from(&from.outage_starts);
        self.outage_failed.clone_from(&from.outage_failed);
        self.changes.clone_from(&from.changes);
        self.unrouted.clone_from(&from.unrouted);
    }
}

impl Requests {
    /// Whether the model counts requests at all.
    fn active(&self) -> bool {
        !self.counted.is_empty()
    }

    /// Replays the year's changes into each counted expression's step function of the
    /// chance that an attempt fails.
    fn steps(&self, year: &mut RequestsYear) {
        let RequestsYear {
            changes,
            unrouted,
            scratch,
            ..
        } = year;
        // The changes of one instant commute (see `apply`), so their order within the
        // instant does not matter: no stable sort of the whole year is needed.
        unrouted.sort_unstable_by_key(|(at, _)| *at);
        scratch.components.clear();
        scratch
            .components
            .extend(self.components.iter().map(|&(up, leader)| Routed {
                serving: true,
                leader,
                up,
                dead_routed: 0,
            }));
        scratch.success.clear();
        (scratch.success).extend(scratch.components.iter().map(|c| c.success()));
        // The trees' shapes never change; only which leaves are uncertain starts over.
        if scratch.trees.len() != self.trees.len() {
            scratch.trees.clone_from(&self.trees);
        }
        for tree in &mut scratch.trees {
            tree.reset(&scratch.success);
        }
        scratch.replicas.clear();
        scratch
            .replicas
            .resize(self.replica_component.len(), (None, false));
        scratch.held = false;
        scratch.steps.resize_with(self.counted.len(), Vec::new);
        for steps in &mut scratch.steps {
            steps.clear();
            steps.push(Step {
                at: Duration::ZERO,
                fail: 0.0,
            });
        }
        let (mut next, mut later) = (0, 0);
        loop {
            let at = match (changes.get(next), unrouted.get(later)) {
                (Some(&(a, _)), Some(&(b, _))) => a.min(b),
                (Some(&(at, _)), None) | (None, Some(&(at, _))) => at,
                (None, None) => break,
            };
            // Most changes (a standby's failure, a replica leaving the endpoints of a
            // component that does not serve) leave every component's chance as it was.
            let mut changed = false;
            for (list, index) in [(&*changes, &mut next), (&*unrouted, &mut later)] {
                while let Some(&(when, change)) = list.get(*index)
                    && when == at
                {
                    changed |= self.apply(at, change, scratch);
                    *index += 1;
                }
            }
            if changed && at < self.horizon {
                self.push_steps(at, scratch);
            }
        }
        for steps in &mut scratch.steps {
            steps.push(Step {
                at: self.horizon,
                fail: 0.0,
            });
        }
    }

    /// Applies one change; returns whether its component's chance of success changed.
    /// Changes commute: counts add up, and an end of routing checks that the replica is
    /// still down since the same failure and routed, which an `Up` at the same instant
    /// makes no difference to (either order leaves it up and unrouted).
    fn apply(&self, at: Duration, change: Change, scratch: &mut Scratch) -> bool {
        let component_of = |replica: u32| self.replica_component[replica as usize] as usize;
        match change {
            Change::Held { down } => {
                let changed = scratch.held != down;
                scratch.held = down;
                changed
            }
            Change::Serving { component, serving } => {
                update(scratch, component as usize, |state, _| {
                    state.serving = serving
                })
            }
            Change::Down { replica } => {
                update(scratch, component_of(replica), |state, replicas| {
                    state.up -= 1;
                    state.dead_routed += 1;
                    replicas[replica as usize] = (Some(at), true);
                })
            }
            Change::Unrouted { replica, since } => {
                update(scratch, component_of(replica), |state, replicas| {
                    if replicas[replica as usize] == (Some(since), true) {
                        replicas[replica as usize].1 = false;
                        state.dead_routed -= 1;
                    }
                })
            }
            Change::Up { replica } => update(scratch, component_of(replica), |state, replicas| {
                let (_, routed) = replicas[replica as usize];
                state.up += 1;
                state.dead_routed -= u32::from(routed);
                replicas[replica as usize] = (None, false);
            }),
        }
    }

    /// Appends each expression's chance of failure from `at`, where it changed.
    fn push_steps(&self, at: Duration, scratch: &mut Scratch) {
        for (tree, steps) in scratch.trees.iter().zip(&mut scratch.steps) {
            let fail = if scratch.held {
                1.0
            } else {
                1.0 - tree.success(&scratch.success)
            };
            let last = steps.last_mut().expect("a first step at 0");
            if last.at == at {
                last.fail = fail;
            } else if last.fail != fail {
                steps.push(Step { at, fail });
            }
        }
    }
}

/// Applies `change` to `component`'s routing state (and the replicas'), and keeps its
/// chance of success (and the trees') up to date; returns whether that changed.
fn update(
    scratch: &mut Scratch,
    component: usize,
    change: impl FnOnce(&mut Routed, &mut [(Option<Duration>, bool)]),
) -> bool {
    let before = scratch.success[component];
    change(&mut scratch.components[component], &mut scratch.replicas);
    let after = scratch.components[component].success();
    if (before == 1.0) != (after == 1.0) {
        for tree in &mut scratch.trees {
            tree.set_certain(component, after == 1.0);
        }
    }
    scratch.success[component] = after;
    after != before
}

impl Measure for Requests {
    type Year = RequestsYear;
    type Stats = RequestsStats;

    fn for_plan(plan: &Plan) -> Requests {
        let counted: Vec<_> = (plan.traffic.iter())
            .flat_map(|demands| {
                demands.iter().enumerate().filter_map(|(index, demand)| {
                    let name = plan.expression_names[index].clone();
                    Some((index, name, demand.clone()?))
                })
            })
            .collect();
        let components = plan.components.len();
        Requests {
            horizon: plan.horizon,
            trees: (counted.iter())
                .map(|(index, _, _)| SuccessTree::of(&plan.expressions[*index], components))
                .collect(),
            counted,
            components: (plan.components.iter())
                .map(|c| (c.replicas, c.leader.is_some()))
                .collect(),
            replica_component: plan.replica_component.clone(),
        }
    }

    fn new_year(&self) -> RequestsYear {
        RequestsYear {
            counts: vec![Counts::default(); self.counted.len()],
            ..RequestsYear::default()
        }
    }

    fn start_year(&self, year: &mut RequestsYear) {
        year.changes.clear();
        year.unrouted.clear();
        year.outage_starts.clear();
    }

    #[inline(always)]
    fn outage_ended(&self, year: &mut RequestsYear, outage: &Outage) {
        if self.active() {
            year.outage_starts.push(outage.start);
        }
    }

    #[inline(always)]
    fn serving_changed(
        &self,
        year: &mut RequestsYear,
        at: Duration,
        component: u32,
        serving: bool,
    ) {
        if self.active() {
            year.changes
                .push((at, Change::Serving { component, serving }));
        }
    }

    #[inline(always)]
    fn replica_down(
        &self,
        year: &mut RequestsYear,
        at: Duration,
        replica: u32,
        routed_until: Duration,
    ) {
        if self.active() {
            year.changes.push((at, Change::Down { replica }));
            let since = at;
            year.unrouted
                .push((routed_until, Change::Unrouted { replica, since }));
        }
    }

    #[inline(always)]
    fn replica_up(&self, year: &mut RequestsYear, at: Duration, replica: u32) {
        if self.active() {
            year.changes.push((at, Change::Up { replica }));
        }
    }

    /// An attempt succeeds only while its expression holds (SPEC section 8), and an
    /// incident holds every expression down.
    #[inline(always)]
    fn held_down(&self, year: &mut RequestsYear, at: Duration, down: bool) {
        if self.active() {
            year.changes.push((at, Change::Held { down }));
        }
    }

    fn year_ended(&self, year: &mut RequestsYear) {
        if !self.active() {
            return;
        }
        self.steps(year);
        let RequestsYear {
            counts, scratch, ..
        } = year;
        for (((_, _, demand), steps), counts) in self
            .counted
            .iter()
            .zip(&scratch.steps)
            .zip(counts.iter_mut())
        {
            count::count(steps, demand, counts, &mut scratch.count);
        }
        // The system's outages as `outages.csv` lists them; one of no length (two changes
        // at the same microsecond) had no requests.
        let downs = &year.counts[0].downs;
        year.outage_failed.clear();
        year.outage_failed
            .extend(year.outage_starts.iter().map(|start| {
                let index = downs.partition_point(|d| d.start < *start);
                downs
                    .get(index)
                    .filter(|d| d.start == *start)
                    .map_or(0.0, |d| d.failed)
            }));
    }

    fn new_stats(&self) -> RequestsStats {
        RequestsStats::new(
            self.counted
                .iter()
                .map(|(index, name, demand)| (*index, name.clone(), demand, self.horizon)),
        )
    }

    fn years_columns(&self, out: &mut Vec<u8>) {
        if self.active() {
            out.extend_from_slice(b",requests_failed");
        }
    }

    fn year_cells(&self, out: &mut Vec<u8>, year: &RequestsYear) {
        if self.active() {
            out.push(b',');
            push_requests(out, stats::millionths(year.counts[0].failed));
        }
    }

    fn outages_columns(&self, out: &mut Vec<u8>) {
        if self.active() {
            out.extend_from_slice(b",failed_requests");
        }
    }

    fn outage_cells(&self, out: &mut Vec<u8>, year: &RequestsYear, outage: usize) {
        if self.active() {
            out.push(b',');
            let failed = year.outage_failed.get(outage).copied().unwrap_or(0.0);
            push_requests(out, stats::millionths(failed));
        }
    }
}

/// Appends a count of requests kept in millionths, as the shortest decimal.
fn push_requests(out: &mut Vec<u8>, millionths: u64) {
    if millionths.is_multiple_of(1_000_000) {
        push_decimal(out, millionths / 1_000_000);
    } else {
        // Writing into a Vec cannot fail.
        let _ = write!(out, "{}", millionths as f64 / 1e6);
    }
}
