//! Planned work: the upgrade schedule, Kubernetes' rollout limits and what a graceful stop
//! hands over (`docs/kubernetes.md`, "Planned work").
//!
//! - Upgrade k of the system starts at `start + k·every`, afresh every year.
//! - A Deployment's `maxSurge` and `maxUnavailable` percentages resolve against the
//!   replicas, surge rounding up and unavailability down; when both come to 0, one pod may
//!   be unavailable (kubernetes/kubernetes `pkg/controller/deployment/util`,
//!   `ResolveFenceposts`).
//! - A graceful stop is no failure: a lease holder revokes its lease, so the standby takes
//!   over after `takeover` alone; a Raft leader transfers leadership (etcd's
//!   `MoveLeader`: the transferee campaigns at once, one vote round); a plain election lasts
//!   its usual draw (milvus-io/milvus `internal/util/sessionutil/session_util.go`,
//!   etcd-io/raft `raft.go`).

use super::Draw;
use super::leader::Leader;
use crate::time::Duration;

/// How Kubernetes replaces a component's pods (`docs/kubernetes.md`, "Planned work").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PodRollout {
    /// Rolling (one step at a time) or recreate (all stop, then all start).
    pub strategy: Strategy,
    /// Rolling Deployment: pods above `replicas` while replacing, resolved to a count.
    pub max_surge: u32,
    /// Rolling Deployment: pods below `replicas` while replacing, resolved to a count.
    pub max_unavailable: u32,
    /// minReadySeconds: how long a new pod is ready before it counts as available.
    pub min_ready: Duration,
    /// A graceful stop: SIGTERM to exit, at most the termination grace period.
    pub stop: Duration,
    /// The PodDisruptionBudget, as the evictions it allows with every pod up (`None`:
    /// no budget).
    pub disruption_budget: Option<u32>,
}

/// A workload's update strategy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strategy {
    /// RollingUpdate: a Deployment within its surge and unavailability limits, a
    /// StatefulSet one pod at a time from the highest ordinal.
    Rolling,
    /// Recreate: every old pod stops, then every new one starts.
    Recreate,
    /// Not replaced by the upgrade schedule (`strategy = "none"`): a StatefulSet's
    /// `OnDelete`, or a component upgraded on a schedule of its own. Node drains still move
    /// its pods.
    None,
}

/// How a percentage of replicas rounds to a count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rounding {
    /// Up (`maxSurge`, disruption budgets).
    Up,
    /// Down (`maxUnavailable`).
    Down,
}

/// `percent`% of `replicas`, rounded as `rounding` says.
pub fn scaled(percent: u32, replicas: u32, rounding: Rounding) -> u32 {
    let product = u64::from(percent) * u64::from(replicas);
    let count = match rounding {
        Rounding::Up => product.div_ceil(100),
        Rounding::Down => product / 100,
    };
    count as u32
}

/// A Deployment's resolved surge and unavailability: when both are 0, one pod may be
/// unavailable, so that the rollout can proceed.
pub fn fenceposts(surge: u32, unavailable: u32) -> (u32, u32) {
    if surge == 0 && unavailable == 0 {
        (0, 1)
    } else {
        (surge, unavailable)
    }
}

/// When upgrade `k` starts, or `None` past `horizon`.
pub fn upgrade_start(
    start: Duration,
    every: Duration,
    k: u64,
    horizon: Duration,
) -> Option<Duration> {
    let offset = every.as_micros().checked_mul(k)?;
    let at = start.as_micros().checked_add(offset)?;
    (at < horizon.as_micros()).then(|| Duration::from_micros(at))
}

/// How many upgrades start within `horizon`.
pub fn upgrades_within(start: Duration, every: Duration, horizon: Duration) -> u64 {
    if start >= horizon {
        return 0;
    }
    (horizon.as_micros() - start.as_micros() - 1) / every.as_micros().max(1) + 1
}

/// How long the office of `leader` stays vacant after its holder stopped gracefully, with
/// `candidates` replicas up.
pub fn handover(leader: &Leader, candidates: u32, draws: &mut impl Draw) -> Duration {
    match leader {
        Leader::Election(_) => leader.draw(candidates, Duration::ZERO, draws).duration,
        Leader::Raft(raft) => raft.rounds(),
        Leader::Lease(lease) => draws.draw(&lease.takeover),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_round_as_kubernetes_does() {
        // kubernetes/website deployment.md: 25% of 3 replicas allows 1 surge, 0 unavailable;
        // of 10, 3 surge and 2 unavailable.
        assert_eq!(scaled(25, 3, Rounding::Up), 1);
        assert_eq!(scaled(25, 3, Rounding::Down), 0);
        assert_eq!(scaled(25, 10, Rounding::Up), 3);
        assert_eq!(scaled(25, 10, Rounding::Down), 2);
        assert_eq!(scaled(25, 4, Rounding::Up), 1);
        assert_eq!(scaled(25, 4, Rounding::Down), 1);
        assert_eq!(fenceposts(0, 0), (0, 1));
        assert_eq!(fenceposts(1, 0), (1, 0));
    }

    #[test]
    fn the_schedule_counts_the_starts_within_the_horizon() {
        let d = |days: u64| Duration::from_secs(days * 86_400);
        let year = Duration::YEAR;
        assert_eq!(upgrades_within(d(2), d(30), year), 13);
        assert_eq!(upgrade_start(d(2), d(30), 12, year), Some(d(362)));
        assert_eq!(upgrade_start(d(2), d(30), 13, year), None);
        assert_eq!(upgrades_within(d(0), d(365), year), 1);
        assert_eq!(upgrades_within(d(365), d(1), year), 0);
        for (start, every) in [(0, 1), (5, 7), (1, 364)] {
            let n = upgrades_within(d(start), d(every), year);
            assert!(upgrade_start(d(start), d(every), n - 1, year).is_some());
            assert!(upgrade_start(d(start), d(every), n, year).is_none());
        }
    }
}
