//! The model's failure, recovery, consensus and Kubernetes settings in the vocabulary of
//! `mechanics`, which the engine, the floor, `explain` and `workload` read.

use crate::mechanics::failure::{Detect, Repair};
use crate::mechanics::leader::{Leader, LeaseTakeover, Raft};
use crate::mechanics::node::{NodeFailure, NodeLifecycle};
use crate::mechanics::pod::{Pod, Probes};
use crate::model::{self, Kubernetes};
use crate::time::Duration;

/// A leader office's settings in the plan's vocabulary.
pub fn leader(leader: &model::Leader) -> Leader {
    match leader {
        model::Leader::Election(dist) => Leader::Election(dist.clone()),
        model::Leader::Raft {
            election_timeout,
            heartbeat,
            round_trip,
        } => Leader::Raft(Raft {
            election_timeout: *election_timeout,
            heartbeat: *heartbeat,
            round_trip: *round_trip,
        }),
        model::Leader::Lease {
            ttl,
            renew,
            takeover,
        } => Leader::Lease(LeaseTakeover {
            renew: *renew,
            ttl: *ttl,
            takeover: takeover.clone(),
        }),
    }
}

/// How a failure is noticed, in the plan's vocabulary: an exit within the kubelet's
/// re-list period of `kubernetes`.
pub fn detect(detect: &model::Detect, kubernetes: Option<&Kubernetes>) -> Detect {
    match detect {
        model::Detect::After(dist) => Detect::After(dist.clone()),
        model::Detect::Exit => Detect::Exit {
            within: kubernetes.map_or(Duration::ZERO, |k| k.exit_detection),
        },
        model::Detect::Liveness => Detect::Liveness,
    }
}

/// How a replica comes back, in the plan's vocabulary.
pub fn repair(repair: &model::Repair) -> Repair {
    match repair {
        model::Repair::After(dist) => Repair::After(dist.clone()),
        model::Repair::Restart => Repair::Restart,
    }
}

/// A pod's settings in the plan's vocabulary, with the cluster's endpoint propagation.
pub fn pod(pod: &model::Pod, kubernetes: &Kubernetes) -> Pod {
    Pod {
        moves_off_failed_nodes: pod.workload == model::Workload::Deployment,
        start: pod.start.clone(),
        probes: Probes {
            liveness: pod.liveness,
            readiness: pod.readiness,
            startup: pod.startup,
        },
        termination_grace_period: pod.termination_grace_period,
        endpoint_propagation: kubernetes.endpoint_propagation,
    }
}

/// Node failures in the plan's vocabulary.
pub fn node_failure(failure: &model::NodeFailure) -> NodeFailure {
    NodeFailure {
        every: failure.every.clone(),
        repair: failure.repair.clone(),
    }
}

/// The node lifecycle controller's timings of `kubernetes`.
pub fn node_lifecycle(kubernetes: &Kubernetes) -> NodeLifecycle {
    NodeLifecycle {
        grace: kubernetes.node_monitor_grace_period,
        monitor_period: kubernetes.node_monitor_period,
        toleration: kubernetes.toleration_seconds,
    }
}
