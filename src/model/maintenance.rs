//! Planned work: `[maintenance]` (the upgrade schedule, its order, bad rollouts) and how
//! each component is replaced during an upgrade (`docs/model-reference.md`, "Planned work").

use crate::dist::Dist;
use crate::time::Duration;

/// `[maintenance]`: when the system is upgraded, in which order, and what can go wrong.
#[derive(Clone, Debug)]
pub struct Maintenance {
    /// The upgrade schedule: upgrade k starts at `start + k·every` within each year
    /// (`None`: the model drains nodes only).
    pub upgrade: Option<Schedule>,
    /// Component indices listed in `order`, in that order (the others follow in file order).
    pub order: Vec<usize>,
    /// An upgrade that ships a broken version, if modelled.
    pub bad_rollout: Option<BadRollout>,
    /// Node drains, if modelled (level 2).
    pub node_drain: Option<NodeDrain>,
}

/// `node_drain`: every node in turn cordoned, its pods evicted, then rebooted.
#[derive(Clone, Debug)]
pub struct NodeDrain {
    /// Drain k of the whole cluster starts at `start + k·every` within each year.
    pub schedule: Schedule,
    /// How long a drained node takes to reboot.
    pub reboot: Dist,
}

/// A fixed schedule that every simulated year starts afresh.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Schedule {
    /// Time between two starts, positive.
    pub every: Duration,
    /// The first start, from the beginning of the year.
    pub start: Duration,
}

/// `bad_rollout`: with `probability`, an upgrade ships a version whose replicas fail
/// once ready, until the breakage is noticed and rolled back.
#[derive(Clone, Debug)]
pub struct BadRollout {
    /// The chance that one upgrade is bad, in [0, 1].
    pub probability: f64,
    /// From the first broken replica being ready to the breakage being noticed.
    pub detect: Dist,
    /// From noticed to the old version serving again.
    pub rollback: Dist,
}

/// How a component's replicas are replaced during an upgrade.
#[derive(Clone, Debug, Default)]
pub enum Rollout {
    /// Not upgraded: a level-1 component without `maintenance`, or an `external` one.
    #[default]
    None,
    /// Level 1: each replica in turn is down for one draw, the next starting when it is back.
    Replace(Dist),
    /// Level 2: Kubernetes replaces the pods.
    Pods(PodRollout),
}

/// How Kubernetes replaces a component's pods: the model holds them as the mechanics reads
/// them, so they are stated once.
pub use crate::mechanics::rollout::{PodRollout, Strategy};
