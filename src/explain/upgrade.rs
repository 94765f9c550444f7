//! Planned downtime per upgrade in closed form, where it is exact: how long one upgrade
//! keeps a component from serving when nothing fails meanwhile (`docs/semantics.md`,
//! "Planned work"). Elsewhere (a leader whose holder may be replaced once or twice, a
//! reassigned share, a quorum of drawn starts) it says so, and `nines run` gives the figure.

use super::rv::Combiner;
use super::rv::Rv;
use super::{PhaseSummary, start_to_serving};
use crate::mechanics::leader::Leader;
use crate::mechanics::rollout::Strategy;
use crate::model::{Component, Model, Rollout};
use crate::plan;
use serde::Serialize;

/// One upgraded component's downtime per upgrade.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct UpgradeEstimate {
    /// The component's name.
    pub component: String,
    /// How it is replaced: `level 1`, `recreate`, `rolling deployment` or `statefulset`.
    pub how: &'static str,
    /// The component's downtime per upgrade without failures, where the closed form is
    /// exact.
    pub downtime: Option<PhaseSummary>,
}

/// Each upgraded component of `model`, in upgrade order.
pub(super) fn upgrades(model: &Model, c: &mut Combiner) -> Vec<UpgradeEstimate> {
    plan::upgrade_order(model)
        .into_iter()
        .map(|index| {
            let component = &model.components()[index as usize];
            let (how, downtime) = downtime(model, component, c);
            UpgradeEstimate {
                component: component.name.clone(),
                how,
                downtime: downtime.map(|rv| rv.summary()),
            }
        })
        .collect()
}

/// How `component` is replaced, and its downtime per upgrade where that is exact.
fn downtime(model: &Model, component: &Component, c: &mut Combiner) -> (&'static str, Option<Rv>) {
    let leader = component.leader.as_ref().map(plan::leader);
    // One replica at a time (or within the unavailability limit) keeps a quorum that has
    // one to spare: no downtime, unless a leader must hand over.
    let spare = component.needs < component.replicas && leader.is_none();
    match &component.rollout {
        Rollout::None => ("not upgraded", Some(Rv::constant(0.0))),
        Rollout::Replace(duration) => {
            let exact = if spare {
                Some(Rv::constant(0.0))
            } else if component.needs == component.replicas && leader.is_none() {
                // Each turn takes the component down; the turns follow one another.
                Some(times(&Rv::dist(duration), component.replicas, c))
            } else {
                None
            };
            ("level 1", exact)
        }
        Rollout::Pods(rollout) => {
            let Some(pod) = component
                .pod
                .as_ref()
                .zip(model.kubernetes())
                .map(|(pod, kubernetes)| plan::pod(pod, kubernetes))
            else {
                return ("not upgraded", Some(Rv::constant(0.0)));
            };
            let serving = start_to_serving(&pod, c);
            let deterministic = serving.grid.iter().all(|v| *v == serving.mean);
            let stop = Rv::duration(rollout.stop);
            if component.reassign.is_some() {
                return (how(rollout.strategy, pod.moves_off_failed_nodes), None);
            }
            match (rollout.strategy, pod.moves_off_failed_nodes) {
                (Strategy::None, _) => ("not upgraded", Some(Rv::constant(0.0))),
                (Strategy::Recreate, _) => {
                    // Every pod stops, the new ones start together; the component serves
                    // once `needs` of them do (exact when they all take the same time, or
                    // with one replica), then a leader takes the office handed over.
                    let exact = (deterministic || component.replicas == 1).then(|| {
                        let down = c.plus(&stop, &serving);
                        match &leader {
                            Some(leader) => c.plus(&down, &handover(leader)),
                            None => down,
                        }
                    });
                    ("recreate", exact)
                }
                (Strategy::Rolling, true) => {
                    let keeps =
                        component.replicas - rollout.max_unavailable.min(component.replicas);
                    let exact = if leader.is_some() {
                        None
                    } else if rollout.max_surge > 0 || component.needs <= keeps {
                        // An old pod serves until its replacement is available, or enough
                        // stay up.
                        Some(Rv::constant(0.0))
                    } else if rollout.max_unavailable == 1 && component.needs == component.replicas
                    {
                        Some(times(&serving, component.replicas, c))
                    } else {
                        None
                    };
                    ("rolling deployment", exact)
                }
                (Strategy::Rolling, false) => {
                    let exact = if spare {
                        Some(Rv::constant(0.0))
                    } else if leader.is_none() && component.needs == component.replicas {
                        Some(times(&c.plus(&stop, &serving), component.replicas, c))
                    } else {
                        None
                    };
                    ("statefulset", exact)
                }
            }
        }
    }
}

fn how(strategy: Strategy, deployment: bool) -> &'static str {
    match (strategy, deployment) {
        (Strategy::None, _) => "not upgraded",
        (Strategy::Recreate, _) => "recreate",
        (Strategy::Rolling, true) => "rolling deployment",
        (Strategy::Rolling, false) => "statefulset",
    }
}

/// The vacancy after a graceful stop, as `mechanics::rollout::handover` draws it.
pub(super) fn handover(leader: &Leader) -> Rv {
    match leader {
        Leader::Election(dist) => Rv::dist(dist),
        Leader::Raft(raft) => Rv::duration(raft.rounds()),
        Leader::Lease(lease) => Rv::dist(&lease.takeover),
    }
}

/// The sum of `n` independent copies of `rv`.
pub(super) fn times(rv: &Rv, n: u32, c: &mut Combiner) -> Rv {
    (1..n).fold(rv.clone(), |sum, _| c.plus(&sum, rv))
}
