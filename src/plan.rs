//! The compiled plan: a validated model flattened into what the engine indexes directly.
//!
//! Replicas get global indices, every stream a key, replicas their initial nodes, and
//! expressions are kept with their names. The engine reads nothing else.
//!
//! Stream labels (see `rng`): `COMPONENT/REPLICA/MODE/{every,detect,repair}` for failure
//! modes, `COMPONENT/REPLICA/{probes,start}` for a pod's probe phases and container starts,
//! `COMPONENT/REPLICA/race` for the first of a component's exponential failure modes,
//! `COMPONENT/election` for leader elections, `COMPONENT/session` for session expiries,
//! `COMPONENT/reassign` for recovery by reassignment, and
//! `node/N/{every,repair,monitor}` for nodes. Labels never depend on other components, so a
//! change to one component leaves every other component's draws as they were.

use crate::dist::{Dist, ExponentialRace};
use crate::expr::Expr;
use crate::model::{Detect, Leader, Model, Placement, Pod, Probe, Repair, Session, Workload};
use crate::rng::StreamKey;
use crate::time::Duration;

/// What a stream is drawn for, within one replica's failure mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// The time to the failure.
    Every = 0,
    /// Failure to noticed.
    Detect = 1,
    /// Noticed to serving again.
    Repair = 2,
}

const PURPOSES: [&str; 3] = ["every", "detect", "repair"];

/// What a per-replica stream of a pod is drawn for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PodPurpose {
    /// The phases of the replica's probe tickers, drawn once a year.
    Probes = 0,
    /// Container start durations.
    Start = 1,
}

const POD_PURPOSES: [&str; 2] = ["probes", "start"];

/// What a node's stream is drawn for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodePurpose {
    /// The time to the node's failure.
    Every = 0,
    /// How long it stays down.
    Repair = 1,
    /// When in its monitor period the node lifecycle controller notices.
    Monitor = 2,
}

const NODE_PURPOSES: [&str; 3] = ["every", "repair", "monitor"];

/// A model compiled for one seed.
#[derive(Clone, Debug)]
pub struct Plan {
    /// Length of one simulated year (replication).
    pub horizon: Duration,
    /// Components in model order.
    pub components: Vec<ComponentPlan>,
    /// For each global replica index, its component's index.
    pub replica_component: Vec<u32>,
    /// Every stream's key; indices come from the `stream` methods.
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
}

/// The cluster's nodes and the Kubernetes timings that concern them.
#[derive(Clone, Debug)]
pub struct NodesPlan {
    /// Number of worker nodes.
    pub count: u32,
    /// Time to failure and repair of a node, if nodes fail.
    pub failure: Option<(Dist, Dist)>,
    /// Heartbeat silence before a node is marked NotReady.
    pub grace: Duration,
    /// The node lifecycle controller's check period.
    pub monitor_period: Duration,
    /// Pods tolerate a NotReady node this long before eviction.
    pub toleration: Duration,
    first_stream: usize,
}

impl NodesPlan {
    /// The stream for `purpose` of node `node`.
    pub fn stream(&self, node: u32, purpose: NodePurpose) -> usize {
        self.first_stream + node as usize * NODE_PURPOSES.len() + purpose as usize
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
    /// The stream election durations are drawn from.
    pub election_stream: usize,
    /// Failure modes, competing for each replica.
    pub modes: Vec<ModePlan>,
    /// The exponential failure modes, when there are two or more: each replica draws the
    /// first of them as one race, from its race stream.
    pub race: Option<Race>,
    /// The failure modes whose time to failure is drawn alone, from the mode's stream.
    pub drawn_alone: Vec<usize>,
    /// How Kubernetes runs the replicas, for a level-2 workload.
    pub pod: Option<PodPlan>,
    /// A session kept in another component, and the stream its expiries are drawn from.
    pub session: Option<(Session, usize)>,
    /// The components keeping a session in this one, by index.
    pub session_holders: Vec<u32>,
    /// The load time of recovery by reassignment, and the stream it is drawn from (with
    /// the session expiry that precedes it).
    pub reassign: Option<(Dist, usize)>,
    /// Outage cause names: `component/mode` for each failure mode, then `component/node`
    /// and `component/session`.
    pub causes: Vec<String>,
    first_stream: usize,
}

/// A level-2 component's pod, compiled.
#[derive(Clone, Debug)]
pub struct PodPlan {
    /// The pod's settings from the model.
    pub pod: Pod,
    /// Each replica's node at the start of a year.
    pub initial_nodes: Vec<u32>,
    /// From a readiness change to load balancers seeing it.
    pub endpoint_propagation: Duration,
    /// The kubelet's container re-list period, within which it sees an exit.
    pub exit_detection: Duration,
}

impl PodPlan {
    /// The pod's liveness, readiness and startup probes, in that order, where set.
    pub fn probes(&self) -> [Option<&Probe>; 3] {
        [
            self.pod.liveness.as_ref(),
            self.pod.readiness.as_ref(),
            self.pod.startup.as_ref(),
        ]
    }

    /// True for a Deployment, whose replicas move off a failed node.
    pub fn moves_off_failed_nodes(&self) -> bool {
        self.pod.workload == Workload::Deployment
    }
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
    /// The stream for `purpose` of failure `mode` of the component's replica `replica`
    /// (an index within the component).
    pub fn stream(&self, replica: u32, mode: usize, purpose: Purpose) -> usize {
        self.first_stream
            + replica as usize * self.streams_per_replica()
            + mode * PURPOSES.len()
            + purpose as usize
    }

    /// The stream for `purpose` of the pod of replica `replica` (within the component).
    pub fn pod_stream(&self, replica: u32, purpose: PodPurpose) -> usize {
        self.first_stream
            + replica as usize * self.streams_per_replica()
            + self.modes.len() * PURPOSES.len()
            + purpose as usize
    }

    /// The stream replica `replica` (within the component) draws its race from.
    pub fn race_stream(&self, replica: u32) -> usize {
        self.first_stream + (replica as usize + 1) * self.streams_per_replica() - 1
    }

    fn streams_per_replica(&self) -> usize {
        self.modes.len() * PURPOSES.len()
            + if self.pod.is_some() {
                POD_PURPOSES.len()
            } else {
                0
            }
            + usize::from(self.race.is_some())
    }

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
        let mut keys = Vec::new();
        let mut replica_component = Vec::new();
        let mut components: Vec<ComponentPlan> = Vec::new();
        let kubernetes = model.kubernetes();
        for (index, component) in model.components().iter().enumerate() {
            let election_stream = keys.len();
            keys.push(StreamKey::derive(
                seed,
                &format!("{}/election", component.name),
            ));
            let session = component.session.map(|session| {
                keys.push(StreamKey::derive(
                    seed,
                    &format!("{}/session", component.name),
                ));
                (session, keys.len() - 1)
            });
            let reassign = component.reassign.as_ref().map(|reassign| {
                keys.push(StreamKey::derive(
                    seed,
                    &format!("{}/reassign", component.name),
                ));
                (reassign.load.clone(), keys.len() - 1)
            });
            let modes: Vec<ModePlan> = component
                .failures
                .iter()
                .map(|mode| ModePlan {
                    name: mode.name.clone(),
                    every: mode.every.clone(),
                    detect: mode.detect.clone(),
                    repair: mode.repair.clone(),
                })
                .collect();
            let (race, drawn_alone) = race(&modes);
            let first_stream = keys.len();
            for replica in 0..component.replicas {
                // A raced mode keeps its own `every` stream, unused, so that every mode's
                // streams sit at the same offsets.
                for mode in &component.failures {
                    for purpose in PURPOSES {
                        let label = format!("{}/{replica}/{}/{purpose}", component.name, mode.name);
                        keys.push(StreamKey::derive(seed, &label));
                    }
                }
                if component.pod.is_some() {
                    for purpose in POD_PURPOSES {
                        let label = format!("{}/{replica}/{purpose}", component.name);
                        keys.push(StreamKey::derive(seed, &label));
                    }
                }
                if race.is_some() {
                    let label = format!("{}/{replica}/race", component.name);
                    keys.push(StreamKey::derive(seed, &label));
                }
            }
            let first_replica = replica_component.len() as u32;
            replica_component.extend(std::iter::repeat_n(
                index as u32,
                component.replicas as usize,
            ));
            let pod = match (&component.pod, kubernetes) {
                (Some(pod), Some(kubernetes)) => Some(PodPlan {
                    pod: pod.clone(),
                    initial_nodes: own_nodes(pod, component.replicas, kubernetes.nodes),
                    endpoint_propagation: kubernetes.endpoint_propagation,
                    exit_detection: kubernetes.exit_detection,
                }),
                _ => None,
            };
            components.push(ComponentPlan {
                name: component.name.clone(),
                first_replica,
                replicas: component.replicas,
                needs: component.needs,
                leader: component.leader.clone(),
                election_stream,
                modes,
                race,
                drawn_alone,
                pod,
                session,
                session_holders: Vec::new(),
                reassign,
                causes: component
                    .failures
                    .iter()
                    .map(|mode| mode.name.as_str())
                    .chain(["node", "session"])
                    .map(|cause| format!("{}/{cause}", component.name))
                    .collect(),
                first_stream,
            });
        }
        share_nodes(&mut components);
        for holder in 0..components.len() {
            if let Some((session, _)) = components[holder].session {
                components[session.store]
                    .session_holders
                    .push(holder as u32);
            }
        }
        let nodes = kubernetes.map(|kubernetes| {
            let first_stream = keys.len();
            for node in 0..kubernetes.nodes {
                for purpose in NODE_PURPOSES {
                    keys.push(StreamKey::derive(seed, &format!("node/{node}/{purpose}")));
                }
            }
            NodesPlan {
                count: kubernetes.nodes,
                failure: kubernetes
                    .node_failure
                    .as_ref()
                    .map(|f| (f.every.clone(), f.repair.clone())),
                grace: kubernetes.node_monitor_grace_period,
                monitor_period: kubernetes.node_monitor_period,
                toleration: kubernetes.toleration_seconds,
                first_stream,
            }
        });
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
        }
    }

    /// Total number of replicas.
    pub fn replica_count(&self) -> usize {
        self.replica_component.len()
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

/// Splits failure modes into a race of the exponential ones, when there are two or more,
/// and those drawn alone.
fn race(modes: &[ModePlan]) -> (Option<Race>, Vec<usize>) {
    let (exponential, alone): (Vec<usize>, Vec<usize>) =
        (0..modes.len()).partition(|m| modes[*m].every.is_exponential());
    let entrants: Vec<&Dist> = exponential.iter().map(|m| &modes[*m].every).collect();
    match ExponentialRace::new(&entrants) {
        Some(times) => (
            Some(Race {
                times,
                modes: exponential,
            }),
            alone,
        ),
        None => (None, (0..modes.len()).collect()),
    }
}

/// Each replica's node at the start of a year, for a spread or pinned placement: replica i
/// on node i mod nodes, or on the i-th listed node (cycling).
fn own_nodes(pod: &Pod, replicas: u32, nodes: u32) -> Vec<u32> {
    (0..replicas)
        .map(|i| match &pod.placement {
            Placement::Nodes(list) => list[i as usize % list.len()],
            Placement::Spread | Placement::With(_) => i % nodes,
        })
        .collect()
}

/// Places replica i of each `with` component on the node of replica i (cycling) of the
/// component it names. A `with` chain is followed one step.
fn share_nodes(components: &mut [ComponentPlan]) {
    for index in 0..components.len() {
        let Some(Placement::With(other)) = components[index]
            .pod
            .as_ref()
            .map(|p| p.pod.placement.clone())
        else {
            continue;
        };
        let Some(shared) = components[other]
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
                    let stream = component.stream(replica, index, purpose);
                    assert_eq!(
                        plan.keys[stream],
                        key(format!("{name}/{replica}/{}/{label}", mode.name))
                    );
                }
            }
            if component.pod.is_some() {
                let stream = component.pod_stream(replica, PodPurpose::Start);
                assert_eq!(plan.keys[stream], key(format!("{name}/{replica}/start")));
            }
            if component.race.is_some() {
                let stream = component.race_stream(replica);
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
        let plan = Plan::compile(&Model::parse(text, "mixed.toml").unwrap(), 7);
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
        let text = std::fs::read_to_string("models/milvus-ha.toml").unwrap();
        let plan = Plan::compile(&Model::parse(&text, "milvus-ha.toml").unwrap(), 3);
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
