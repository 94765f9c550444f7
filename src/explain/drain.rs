//! Planned downtime per node drain in closed form, where it is exact: how long one drain of
//! every node keeps a component from serving when nothing fails meanwhile
//! (`docs/kubernetes.md`, "Node drains and disruption budgets"). Elsewhere (a quorum of
//! evicted pods, a reassigned share, drawn starts racing the next node's drain) it says so,
//! and `nines run` gives the figure.

use super::rv::{Combiner, Rv};
use super::upgrade::{handover, times};
use super::{PhaseSummary, start_to_serving};
use crate::model::{Component, Model, Placement, Rollout};
use crate::plan;
use serde::Serialize;

/// One pod component's downtime per drain.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct DrainEstimate {
    /// The component's name.
    pub component: String,
    /// The component's downtime per drain without failures, where the closed form is exact.
    pub downtime: Option<PhaseSummary>,
}

/// Each pod component of `model`, in file order, for a model with node drains.
pub(super) fn drains(model: &Model, c: &mut Combiner) -> Vec<DrainEstimate> {
    let Some(drain) = model.maintenance().and_then(|m| m.node_drain.as_ref()) else {
        return Vec::new();
    };
    let Some(kubernetes) = model.kubernetes() else {
        return Vec::new();
    };
    let reboot = Rv::dist(&drain.reboot);
    model
        .components()
        .iter()
        .filter(|component| component.pod.is_some())
        .map(|component| DrainEstimate {
            component: component.name.clone(),
            downtime: downtime(component, kubernetes, &reboot, c).map(|rv| rv.summary()),
        })
        .collect()
}

/// `component`'s downtime per drain where it is exact.
fn downtime(
    component: &Component,
    kubernetes: &crate::model::Kubernetes,
    reboot: &Rv,
    c: &mut Combiner,
) -> Option<Rv> {
    let (Some(model_pod), Rollout::Pods(rollout)) = (&component.pod, &component.rollout) else {
        return None;
    };
    if component.reassign.is_some() {
        return None;
    }
    let leader = component.leader.as_ref().map(plan::leader);
    if component.replicas > 1 {
        // At most the budget's disruptions at once: none matters if a quorum stays up and
        // no leader hands over.
        let spare = component.replicas - component.needs;
        let within = rollout.disruption_budget.is_some_and(|b| b <= spare);
        return (within && leader.is_none()).then(|| Rv::constant(0.0));
    }
    let pod = plan::pod(model_pod, kubernetes);
    let mut serving = start_to_serving(&pod, c);
    if let Some(leader) = &leader {
        // The office was handed over: the new pod takes it after a handover.
        serving = c.plus(&serving, &handover(leader));
    }
    let stop = Rv::duration(rollout.stop);
    let stopped = c.plus(&stop, reboot);
    let waits_for_reboot = c.plus(&stopped, &serving);
    if !pod.moves_off_failed_nodes || kubernetes.nodes == 1 {
        // Its node's stop, reboot, then a new pod: once per drain.
        return Some(waits_for_reboot);
    }
    // A Deployment's single pod goes to the next node, drained next: evicted once per
    // node, each time down for a new pod's start, provided it serves again before that
    // node's drain begins (exact with fixed durations, spread from node 0).
    let fixed = |rv: &Rv| rv.grid.iter().all(|v| *v == rv.mean);
    let before_next = serving.mean <= rollout.stop.as_secs_f64() + reboot.mean;
    let spread = matches!(model_pod.placement, Placement::Spread);
    (fixed(&serving) && fixed(reboot) && before_next && spread)
        .then(|| times(&serving, kubernetes.nodes, c))
}
