//! The compiled plan: a validated model flattened into what the engine indexes directly.
//!
//! Replicas get global indices, every (replica, failure mode, purpose) gets a stream key,
//! and expressions are kept with their names. The engine reads nothing else.

use crate::dist::Dist;
use crate::expr::Expr;
use crate::model::{Leader, Model};
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

const PURPOSES: [(Purpose, &str); 3] = [
    (Purpose::Every, "every"),
    (Purpose::Detect, "detect"),
    (Purpose::Repair, "repair"),
];

/// A model compiled for one seed.
#[derive(Clone, Debug)]
pub struct Plan {
    /// Length of one simulated year (replication).
    pub horizon: Duration,
    /// Components in model order.
    pub components: Vec<ComponentPlan>,
    /// For each global replica index, its component's index.
    pub replica_component: Vec<u32>,
    /// Every stream's key; indices come from [`ComponentPlan::stream`].
    pub keys: Vec<StreamKey>,
    /// The system's `up` expression first, then each service's.
    pub expressions: Vec<Expr>,
    /// Names of the expressions: `up`, then the service names.
    pub expression_names: Vec<String>,
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
    /// Election duration, for a component with a leader office.
    pub election: Option<Dist>,
    /// The stream election durations are drawn from.
    pub election_stream: usize,
    /// Failure modes, competing for each replica.
    pub modes: Vec<ModePlan>,
    /// Index of the first stream of replica 0.
    first_stream: usize,
}

/// One failure mode, compiled.
#[derive(Clone, Debug)]
pub struct ModePlan {
    /// The failure mode's name.
    pub name: String,
    /// `component/mode`, as outages name their cause.
    pub cause: String,
    /// Time to failure.
    pub every: Dist,
    /// Failure to noticed.
    pub detect: Dist,
    /// Noticed to serving again.
    pub repair: Dist,
}

impl ComponentPlan {
    /// The stream for `purpose` of failure `mode` of the component's replica `replica`
    /// (an index within the component).
    pub fn stream(&self, replica: u32, mode: usize, purpose: Purpose) -> usize {
        self.first_stream
            + (replica as usize * self.modes.len() + mode) * PURPOSES.len()
            + purpose as usize
    }
}

impl Plan {
    /// Compiles `model` for the master `seed`.
    pub fn compile(model: &Model, seed: u64) -> Plan {
        let mut keys = Vec::new();
        let mut replica_component = Vec::new();
        let mut components = Vec::new();
        for (index, component) in model.components().iter().enumerate() {
            let election_stream = keys.len();
            keys.push(StreamKey::derive(
                seed,
                &format!("{}/election", component.name),
            ));
            let first_stream = keys.len();
            for replica in 0..component.replicas {
                for mode in &component.failures {
                    for (_, purpose) in PURPOSES {
                        let label = format!("{}/{replica}/{}/{purpose}", component.name, mode.name);
                        keys.push(StreamKey::derive(seed, &label));
                    }
                }
            }
            let first_replica = replica_component.len() as u32;
            replica_component.extend(std::iter::repeat_n(
                index as u32,
                component.replicas as usize,
            ));
            components.push(ComponentPlan {
                name: component.name.clone(),
                first_replica,
                replicas: component.replicas,
                needs: component.needs,
                election: component
                    .leader
                    .as_ref()
                    .map(|Leader::Election(dist)| dist.clone()),
                election_stream,
                modes: component
                    .failures
                    .iter()
                    .map(|mode| ModePlan {
                        name: mode.name.clone(),
                        cause: format!("{}/{}", component.name, mode.name),
                        every: mode.every.clone(),
                        detect: mode.detect.clone(),
                        repair: mode.repair.clone(),
                    })
                    .collect(),
                first_stream,
            });
        }
        let mut expressions = vec![model.up().expr.clone()];
        let mut expression_names = vec!["up".to_string()];
        for service in model.services() {
            expressions.push(service.up.expr.clone());
            expression_names.push(service.name.clone());
        }
        Plan {
            horizon: model.simulation().horizon,
            components,
            replica_component,
            keys,
            expressions,
            expression_names,
        }
    }

    /// Total number of replicas.
    pub fn replica_count(&self) -> usize {
        self.replica_component.len()
    }
}
