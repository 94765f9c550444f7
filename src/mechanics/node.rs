//! Nodes: how often they fail, how long they stay down, and when Kubernetes notices and
//! evicts their pods.
//!
//! The node lifecycle controller marks a silent node NotReady once its heartbeats have
//! been missing for the grace period, at its next check (uniform within its monitor
//! period); pods tolerate a NotReady node for the toleration, then a Deployment's are
//! evicted and recreated elsewhere (kubernetes/kubernetes
//! pkg/controller/nodelifecycle/node_lifecycle_controller.go).

use super::{Draw, failure};
use crate::dist::Dist;
use crate::time::Duration;

/// Node failures.
#[derive(Clone, Debug)]
pub struct NodeFailure {
    /// Time to failure of each node, in up time.
    pub every: Dist,
    /// From failure to the node running pods again.
    pub repair: Dist,
}

impl NodeFailure {
    /// Draws how long a node that just came up stays up.
    pub fn draw_up_for(&self, draws: &mut impl Draw) -> Duration {
        failure::time_to_failure(draws.draw(&self.every))
    }

    /// Draws how long a node that just failed stays down.
    pub fn draw_down_for(&self, draws: &mut impl Draw) -> Duration {
        draws.draw(&self.repair)
    }

    /// The mean length of one up-then-down cycle, in seconds.
    pub fn mean_cycle_secs(&self) -> f64 {
        self.every.mean_secs() + self.repair.mean_secs()
    }
}

/// The node lifecycle controller's timings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NodeLifecycle {
    /// Heartbeat silence before a node is marked NotReady.
    pub grace: Duration,
    /// The controller's check period.
    pub monitor_period: Duration,
    /// Pods tolerate a NotReady node this long before eviction.
    pub toleration: Duration,
}

impl NodeLifecycle {
    /// Draws how long after a node's failure the controller marks it NotReady: the grace
    /// period, then up to one monitor period until its next check.
    pub fn draw_notice(&self, draws: &mut impl Draw) -> Duration {
        self.grace.saturating_add(draws.below(self.monitor_period))
    }

    /// How long after a node's failure its Deployment pods are evicted, when it was
    /// noticed after `noticed`.
    pub fn eviction_after(&self, noticed: Duration) -> Duration {
        noticed.saturating_add(self.toleration)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::Scripted;

    #[test]
    fn a_node_is_noticed_after_the_grace_period_and_evicted_after_the_toleration() {
        let s = Duration::from_secs;
        let lifecycle = NodeLifecycle {
            grace: s(40),
            monitor_period: s(5),
            toleration: s(300),
        };
        let mut draws = Scripted::new(&[s(3)]);
        let noticed = lifecycle.draw_notice(&mut draws);
        assert_eq!(noticed, s(43));
        assert_eq!(draws.asked, ["below 5s"]);
        assert_eq!(lifecycle.eviction_after(noticed), s(343));
    }

    #[test]
    fn a_node_is_up_at_least_a_microsecond() {
        let failure = NodeFailure {
            every: Dist::exponential(Duration::from_secs(3600)),
            repair: Dist::fixed(Duration::from_secs(60)),
        };
        let mut draws = Scripted::new(&[Duration::ZERO]);
        assert_eq!(failure.draw_up_for(&mut draws), Duration::MICROSECOND);
        assert_eq!(failure.draw_down_for(&mut draws), Duration::from_secs(60));
        assert_eq!(failure.mean_cycle_secs(), 3660.0);
    }
}
