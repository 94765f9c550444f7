//! Where attempts go: how long a failed replica stays routed, and the chance that an
//! attempt succeeds at a component and at an expression over components.
//!
//! Load balancers keep sending to a failed replica until its failure is noticed: at level 1
//! until its `detect` ends; at level 2 until the kubelet sees the exit (or the readiness
//! probe fails, for a hang) and the endpoint change has propagated (an evicted or deleted
//! pod leaves the EndpointSlices, kubernetes.io "gRPC Load Balancing on Kubernetes without
//! Tears"; domain-facts G3). A component without a leader spreads attempts evenly over the
//! replicas still routed; a leader component sends every attempt to its leader. Components
//! combine as independent: a documented simplification of gRPC's connection-level
//! balancing, whose connections pin a client to one replica.

use crate::expr::Expr;
use crate::time::Duration;

/// How long a replica that failed stays routed: until whichever notices first, the failure
/// detection (`noticed` after the failure) or the readiness probe (`readiness`, for a hang
/// under a readiness probe), then `propagation` until load balancers see it.
pub fn routed_for(
    noticed: Duration,
    readiness: Option<Duration>,
    propagation: Duration,
) -> Duration {
    readiness
        .map_or(noticed, |readiness| readiness.min(noticed))
        .saturating_add(propagation)
}

/// One component's state as attempts see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Routed {
    /// Whether the component serves (enough replicas up, the office held).
    pub serving: bool,
    /// Whether every attempt goes to the leader.
    pub leader: bool,
    /// Replicas up.
    pub up: u32,
    /// Replicas down but still routed.
    pub dead_routed: u32,
}

impl Routed {
    /// The chance that an attempt succeeds here: 0 while not serving; 1 at a leader;
    /// otherwise the share of routed replicas that are up.
    pub fn success(self) -> f64 {
        if !self.serving {
            0.0
        } else if self.leader || self.dead_routed == 0 {
            1.0
        } else {
            f64::from(self.up) / f64::from(self.up + self.dead_routed)
        }
    }
}

/// The chance that an attempt succeeds at `expr`, given each component's chance in
/// `success`, components independent: P(a & b) = P(a)·P(b), P(a | b) = 1 − (1 − P(a))(1 − P(b)).
pub fn expression_success(expr: &Expr, success: &[f64]) -> f64 {
    match expr {
        Expr::Component(index) => success[*index],
        Expr::All(terms) => terms
            .iter()
            .map(|t| expression_success(t, success))
            .product(),
        Expr::Any(terms) => {
            1.0 - terms
                .iter()
                .map(|t| 1.0 - expression_success(t, success))
                .product::<f64>()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_replica_stays_routed_until_noticed_then_propagation() {
        let s = Duration::from_secs;
        assert_eq!(routed_for(s(3), None, s(1)), s(4));
        assert_eq!(routed_for(s(30), Some(s(12)), s(1)), s(13));
        assert_eq!(routed_for(s(5), Some(s(12)), Duration::ZERO), s(5));
    }

    #[test]
    fn attempts_spread_over_routed_replicas_and_combine_independently() {
        let routed = |serving, leader, up, dead_routed| Routed {
            serving,
            leader,
            up,
            dead_routed,
        };
        assert_eq!(routed(true, false, 1, 1).success(), 0.5);
        assert_eq!(routed(true, false, 2, 1).success(), 2.0 / 3.0);
        assert_eq!(routed(true, true, 1, 1).success(), 1.0);
        assert_eq!(routed(false, false, 1, 0).success(), 0.0);
        let resolve = |name: &str| ["a", "b", "c"].iter().position(|n| *n == name);
        let expr = Expr::parse("a & (b | c)", &resolve).unwrap();
        let p = expression_success(&expr, &[0.5, 0.5, 0.0]);
        assert_eq!(p, 0.25);
        let p = expression_success(&expr, &[0.5, 0.5, 0.5]);
        assert_eq!(p, 0.5 * 0.75);
    }
}
