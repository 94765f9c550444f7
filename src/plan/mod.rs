//! The compiled plan: a validated model flattened into what the engine indexes directly.
//!
//! Replicas get global indices, every stream a key (in the order of
//! [`stream_layout`], see `mechanics::streams`), replicas their initial nodes, and
//! expressions are kept with their names. The model's failure, recovery and consensus
//! settings are compiled into the vocabulary of `mechanics`, so the engine and the floor
//! read nothing of the model.

mod backup;
mod maintenance;
mod traffic;
mod vocabulary;

pub use backup::{BackupPlan, DataPlan, IncidentPlan, ReplicationPlan};
pub use maintenance::{
    BadRolloutPlan, DrainPlan, MaintenancePlan, OutageKind, Replacement, UpgradePlan, upgrade_order,
};
pub use traffic::DemandPlan;
pub use vocabulary::{detect, leader, node_failure, node_lifecycle, pod, repair};

use crate::dist::{Dist, ExponentialRace};
use crate::expr::Expr;
use crate::mechanics::failure::{Detect, Repair};
use crate::mechanics::leader::Leader;
use crate::mechanics::node::{NodeFailure, NodeLifecycle};
use crate::mechanics::pod::Pod;
use crate::mechanics::streams::{
    ComponentShape, ComponentStreams, NodePurpose, NodeStreams, StreamLayout,
};
use crate::model::{self, Component, Kubernetes, Model, Placement};
use crate::rng::StreamKey;
use crate::time::Duration;

/// A model compiled for one seed.
#[derive(Clone, Debug)]
pub struct Plan {
    /// Length of one simulated year (replication).
    pub horizon: Duration,
    /// Components in model order.
    pub components: Vec<ComponentPlan>,
    /// For each global replica index, its component's index.
    pub replica_component: Vec<u32>,
    /// Every stream's key, in the order of [`stream_layout`].
    pub keys: Vec<StreamKey>,
    /// The system's `up` expression first, then each service's.
    pub expressions: Vec<Expr>,
    /// For each component, the expressions naming it, in order: the only ones a change of
    /// its serving can change.
    pub readers: Vec<Vec<usize>>,
    /// For each expression, whether it is a conjunction ([`Expr::is_conjunction`]), which
    /// the engine keeps as a count of the components it names that are down.
    pub conjunctions: Vec<bool>,
    /// Names of the expressions: `up`, then the service names.
    pub expression_names: Vec<String>,
    /// The cluster's nodes, for a level-2 model.
    pub nodes: Option<NodesPlan>,
    /// Planned work, for a model with `[maintenance]`.
    pub maintenance: Option<MaintenancePlan>,
    /// The requests counted for each expression (`up`, then the services), with
    /// `[traffic]`; `None` without it.
    pub traffic: Option<Vec<Option<DemandPlan>>>,
    /// Backups, replication and incidents, for a model with `[[incident]]`.
    pub data: Option<DataPlan>,
}

/// The cluster's nodes and the Kubernetes timings that concern them.
#[derive(Clone, Debug)]
pub struct NodesPlan {
    /// Number of worker nodes.
    pub count: u32,
    /// Time to failure and repair of a node, if nodes fail.
    pub failure: Option<NodeFailure>,
    /// When a failed node is noticed and its pods evicted.
    pub lifecycle: NodeLifecycle,
    /// Where the node streams sit.
    pub streams: NodeStreams,
}

impl NodesPlan {
    /// The stream for `purpose` of node `node`.
    pub fn stream(&self, node: u32, purpose: NodePurpose) -> usize {
        self.streams.stream(node, purpose)
    }
}

/// One component, compiled.
#[derive(Clone, Debug)]
pub struct ComponentPlan {
    /// The component's name.
    pub name: String,
    /// Global index of replica 0.
    pub first_replica: u32,
    /// Number of replicas.
    pub replicas: u32,
    /// Replicas needed to serve.
    pub needs: u32,
    /// How a vacant leader office is filled, for a component with one.
    pub leader: Option<Leader>,
    /// Failure modes, competing for each replica.
    pub modes: Vec<ModePlan>,
    /// The exponential failure modes, when there are two or more: each replica draws the
    /// first of them as one race, from its race stream.
    pub race: Option<Race>,
    /// The failure modes whose time to failure is drawn alone, from the mode's stream.
    pub drawn_alone: Vec<usize>,
    /// How Kubernetes runs the replicas, for a level-2 workload.
    pub pod: Option<PodPlan>,
    /// A session kept in another component.
    pub session: Option<SessionPlan>,
    /// The components keeping a session in this one, by index.
    pub session_holders: Vec<u32>,
    /// The load time of recovery by reassignment (drawn with the session expiry that
    /// precedes it, from the reassignment stream).
    pub reassign: Option<Dist>,
    /// How its replicas are replaced during an upgrade, if they are.
    pub upgrade: Option<UpgradePlan>,
    /// Outage cause names: `component/mode` for each failure mode, then `component/node`
    /// and `component/session`, then, with `[maintenance]`, `component/upgrade`,
    /// `component/bad-rollout` and, with node drains, `node/drain`.
    pub causes: Vec<String>,
    /// Where the component's streams sit.
    pub streams: ComponentStreams,
}

/// A session a component keeps alive in a store component: when the store stops serving
/// for longer than the session's remaining lifetime, every replica shuts down and comes
/// back only after the store serves again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionPlan {
    /// The store's component index.
    pub store: usize,
    /// The session's time to live.
    pub ttl: Duration,
}

/// A level-2 component's pod, compiled.
#[derive(Clone, Debug)]
pub struct PodPlan {
    /// How Kubernetes runs the replicas.
    pub pod: Pod,
    /// Each replica's node at the start of a year.
    pub initial_nodes: Vec<u32>,
}

/// A component's exponential failure modes, raced in one draw.
#[derive(Clone, Debug)]
pub struct Race {
    /// The race between their times to failure.
    pub times: ExponentialRace,
    /// The failure mode of each entrant.
    pub modes: Vec<usize>,
}

/// One failure mode, compiled.
#[derive(Clone, Debug)]
pub struct ModePlan {
    /// The failure mode's name.
    pub name: String,
    /// Time to failure.
    pub every: Dist,
    /// How the failure is noticed.
    pub detect: Detect,
    /// How the replica comes back.
    pub repair: Repair,
}

impl ComponentPlan {
    /// The cause index of a replica lost with its node.
    pub fn node_cause(&self) -> u32 {
        self.modes.len() as u32
    }

    /// The cause index of a replica shut down because its session expired.
    pub fn session_cause(&self) -> u32 {
        self.modes.len() as u32 + 1
    }

    /// The short name of cause `index`: the failure mode's name, `node` or `session`.
    pub fn cause_name(&self, index: u32) -> &str {
        self.causes[index as usize]
            .split_once('/')
            .map_or("", |(_, name)| name)
    }
}

impl Plan {
    /// Compiles `model` for the master `seed`.
    pub fn compile(model: &Model, seed: u64) -> Plan {
        let layout = stream_layout(model);
        let keys = layout
            .labels()
            .map(|label| StreamKey::derive(seed, &label))
            .collect();
        let kubernetes = model.kubernetes();
        let mut replica_component = Vec::new();
        let mut components: Vec<ComponentPlan> = model
            .components()
            .iter()
            .zip(&layout.components)
            .enumerate()
            .map(|(index, (component, streams))| {
                let first_replica = replica_component.len() as u32;
                replica_component.extend(std::iter::repeat_n(
                    index as u32,
                    component.replicas as usize,
                ));
                compile_component(component, kubernetes, first_replica, *streams)
            })
            .collect();
        share_nodes(model, &mut components);
        for holder in 0..components.len() {
            if let Some(session) = components[holder].session {
                components[session.store]
                    .session_holders
                    .push(holder as u32);
            }
        }
        let nodes = kubernetes
            .zip(layout.nodes)
            .map(|(kubernetes, streams)| NodesPlan {
                count: kubernetes.nodes,
                failure: kubernetes.node_failure.as_ref().map(node_failure),
                lifecycle: node_lifecycle(kubernetes),
                streams,
            });
        let maintenance = model
            .maintenance()
            .zip(layout.planned)
            .map(|(maintenance, streams)| {
                let horizon = model.simulation().horizon;
                maintenance::compile(maintenance, model, streams, horizon, &mut components)
            });
        let data =
            (layout.data).map(|streams| backup::compile(model.data(), streams, &mut components));
        let mut expressions = vec![model.up().expr.clone()];
        let mut expression_names = vec!["up".to_string()];
        for service in model.services() {
            expressions.push(service.up.expr.clone());
            expression_names.push(service.name.clone());
        }
        Plan {
            horizon: model.simulation().horizon,
            readers: readers(&expressions, components.len()),
            conjunctions: expressions.iter().map(Expr::is_conjunction).collect(),
            components,
            replica_component,
            keys,
            expressions,
            expression_names,
            nodes,
            maintenance,
            traffic: traffic::compile(model),
            data,
        }
    }

    /// Whether anything in the plan can take expression `expression` (`up`, then each
    /// service) down: a failure mode of a component it names, node failures or drains under
    /// its pods, an upgrade of one of them, the session store it keeps a session in, or a
    /// data incident (which holds every expression down). An expression without any is up
    /// throughout by construction, not by chance.
    pub fn can_go_down(&self, expression: usize) -> bool {
        let mut named = Vec::new();
        self.expressions[expression].collect_components(&mut named);
        self.data.is_some() || named.iter().any(|&c| self.component_can_go_down(c))
    }

    /// Whether anything can take a replica of component `index` down (see
    /// [`Plan::can_go_down`]).
    fn component_can_go_down(&self, index: usize) -> bool {
        let component = &self.components[index];
        let pods = component.pod.is_some();
        let maintenance = self.maintenance.as_ref();
        !component.modes.is_empty()
            || (pods && self.nodes.as_ref().is_some_and(|n| n.failure.is_some()))
            || maintenance.is_some_and(|m| m.order.contains(&(index as u32)))
            || (pods && maintenance.is_some_and(|m| m.drain.is_some()))
            // Validation refuses cycles of sessions, so this ends.
            || (component.session).is_some_and(|s| self.component_can_go_down(s.store))
    }

    /// Total number of replicas.
    pub fn replica_count(&self) -> usize {
        self.replica_component.len()
    }
}

/// Where every stream of `model`'s plan sits: a pure function of the model, so the
/// workload estimate counts the streams the plan will hold before compiling it.
pub fn stream_layout(model: &Model) -> StreamLayout {
    let shapes = model
        .components()
        .iter()
        .map(|component| ComponentShape {
            name: component.name.clone(),
            replicas: component.replicas,
            modes: component.failures.iter().map(|m| m.name.clone()).collect(),
            pod: component.pod.is_some(),
            race: raced(component).len() >= 2,
            session: component.session.is_some(),
            reassign: component.reassign.is_some(),
        })
        .collect();
    let layout = StreamLayout::new(shapes, model.kubernetes().map(|k| k.nodes));
    let layout = match model.maintenance() {
        Some(maintenance) => {
            let names = upgrade_order(model)
                .into_iter()
                .map(|index| model.components()[index as usize].name.clone())
                .collect();
            layout.with_planned_work(names, maintenance.node_drain.is_some())
        }
        None => layout,
    };
    let data = model.data();
    if data.is_empty() {
        return layout;
    }
    layout.with_data_protection(data.incidents.iter().map(|i| i.name.clone()).collect())
}

fn compile_component(
    component: &Component,
    kubernetes: Option<&Kubernetes>,
    first_replica: u32,
    streams: ComponentStreams,
) -> ComponentPlan {
    let modes: Vec<ModePlan> = component
        .failures
        .iter()
        .map(|mode| ModePlan {
            name: mode.name.clone(),
            every: mode.every.clone(),
            detect: detect(&mode.detect, kubernetes),
            repair: repair(&mode.repair),
        })
        .collect();
    let (race, drawn_alone) = race(component, &modes);
    let pod = match (&component.pod, kubernetes) {
        (Some(model_pod), Some(kubernetes)) => Some(PodPlan {
            pod: pod(model_pod, kubernetes),
            initial_nodes: own_nodes(model_pod, component.replicas, kubernetes.nodes),
        }),
        _ => None,
    };
    ComponentPlan {
        name: component.name.clone(),
        first_replica,
        replicas: component.replicas,
        needs: component.needs,
        leader: component.leader.as_ref().map(leader),
        modes,
        race,
        drawn_alone,
        pod,
        session: component.session.map(|session| SessionPlan {
            store: session.store,
            ttl: session.ttl,
        }),
        session_holders: Vec::new(),
        reassign: component.reassign.as_ref().map(|r| r.load.clone()),
        upgrade: None,
        causes: component
            .failures
            .iter()
            .map(|mode| mode.name.as_str())
            .chain(["node", "session"])
            .map(|cause| format!("{}/{cause}", component.name))
            .collect(),
        streams,
    }
}

/// For each of `components` components, the indices of the expressions naming it (once
/// each, in order).
fn readers(expressions: &[Expr], components: usize) -> Vec<Vec<usize>> {
    let mut readers = vec![Vec::new(); components];
    for (index, expr) in expressions.iter().enumerate() {
        let mut named = Vec::new();
        expr.collect_components(&mut named);
        named.sort_unstable();
        named.dedup();
        named.into_iter().for_each(|c| readers[c].push(index));
    }
    readers
}

/// The exponential failure modes of `component`, which race when there are two or more.
fn raced(component: &Component) -> Vec<usize> {
    (0..component.failures.len())
        .filter(|m| component.failures[*m].every.is_exponential())
        .collect()
}

/// Splits failure modes into a race of the exponential ones, when there are two or more,
/// and those drawn alone.
fn race(component: &Component, modes: &[ModePlan]) -> (Option<Race>, Vec<usize>) {
    let exponential = raced(component);
    let entrants: Vec<&Dist> = exponential.iter().map(|m| &modes[*m].every).collect();
    match ExponentialRace::new(&entrants) {
        Some(times) => {
            let alone = (0..modes.len())
                .filter(|m| !exponential.contains(m))
                .collect();
            (
                Some(Race {
                    times,
                    modes: exponential,
                }),
                alone,
            )
        }
        None => (None, (0..modes.len()).collect()),
    }
}

/// Each replica's node at the start of a year, for a spread or pinned placement: replica i
/// on node i mod nodes, or on the i-th listed node (cycling).
fn own_nodes(pod: &model::Pod, replicas: u32, nodes: u32) -> Vec<u32> {
    (0..replicas)
        .map(|i| match &pod.placement {
            Placement::Nodes(list) => list[i as usize % list.len()],
            Placement::Spread | Placement::With(_) => i % nodes,
        })
        .collect()
}

/// Places replica i of each `with` component on the node of replica i (cycling) of the
/// component it names. A `with` chain is followed one step.
fn share_nodes(model: &Model, components: &mut [ComponentPlan]) {
    for (index, component) in model.components().iter().enumerate() {
        let Some(Placement::With(other)) = component.pod.as_ref().map(|p| &p.placement) else {
            continue;
        };
        let Some(shared) = components[*other]
            .pod
            .as_ref()
            .map(|p| p.initial_nodes.clone())
        else {
            continue;
        };
        if let Some(pod) = &mut components[index].pod {
            for (i, node) in pod.initial_nodes.iter_mut().enumerate() {
                *node = shared[i % shared.len()];
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;
    use crate::mechanics::streams::{PURPOSES, PodPurpose, Purpose};

    /// Each replica's streams, at level 1 and in a pod: the label every index stands for.
    fn assert_replica_streams(plan: &Plan, seed: u64, component: &ComponentPlan) {
        let key = |label: String| StreamKey::derive(seed, &label);
        let name = &component.name;
        for replica in 0..component.replicas {
            for (index, mode) in component.modes.iter().enumerate() {
                for (purpose, label) in [Purpose::Every, Purpose::Detect, Purpose::Repair]
                    .into_iter()
                    .zip(PURPOSES)
                {
                    let stream = component.streams.mode(replica, index, purpose);
                    assert_eq!(
                        plan.keys[stream],
                        key(format!("{name}/{replica}/{}/{label}", mode.name))
                    );
                }
            }
            if component.pod.is_some() {
                let stream = component.streams.pod(replica, PodPurpose::Start);
                assert_eq!(plan.keys[stream], key(format!("{name}/{replica}/start")));
            }
            if component.race.is_some() {
                let stream = component.streams.race(replica);
                assert_eq!(plan.keys[stream], key(format!("{name}/{replica}/race")));
            }
        }
    }

    #[test]
    fn exponential_modes_race_and_the_others_draw_alone() {
        let text = r#"
name = "mixed"
up = "a & b"
[[component]]
name = "a"
replicas = 2
  [[component.failure]]
  name = "crash"
  every = { dist = "exponential", mean = "10d" }
  repair = "1h"
  [[component.failure]]
  name = "wear"
  every = { dist = "weibull", shape = 2.0, mean = "90d" }
  repair = "1h"
  [[component.failure]]
  name = "hang"
  every = { dist = "exponential", mean = "20d" }
  repair = "1h"
[[component]]
name = "b"
replicas = 1
  [[component.failure]]
  name = "crash"
  every = { dist = "exponential", mean = "10d" }
  repair = "1h"
"#;
        let plan = fixtures::plan(text, 7);
        let (a, b) = (&plan.components[0], &plan.components[1]);
        assert_eq!(
            a.race.as_ref().map(|race| race.modes.clone()),
            Some(vec![0, 2])
        );
        assert_eq!(a.drawn_alone, [1]);
        assert!(b.race.is_none(), "one exponential mode draws alone");
        assert_eq!(b.drawn_alone, [0]);
        for component in &plan.components {
            assert_replica_streams(&plan, 7, component);
        }
    }

    #[test]
    fn pods_streams_and_races_have_their_labels() {
        let plan = Plan::compile(&fixtures::shipped("milvus-ha"), 3);
        let raced_pods = plan
            .components
            .iter()
            .filter(|c| c.pod.is_some() && c.race.is_some())
            .count();
        assert!(raced_pods > 0, "no pod component with a race to check");
        for component in &plan.components {
            assert_replica_streams(&plan, 3, component);
        }
    }
}
