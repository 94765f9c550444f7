//! Node drains (`docs/kubernetes.md`, "Node drains"): what a PodDisruptionBudget allows.
//!
//! `kubectl drain` cordons a node and evicts its pods through the eviction API; an eviction
//! that would break the pod's PodDisruptionBudget is refused (HTTP 429) and retried, so a
//! drain waits rather than fails (kubernetes/website
//! `concepts/scheduling-eviction/api-eviction.md`). A budget's `disruptionsAllowed` is
//! `currentHealthy − desiredHealthy`; a pod that is not healthy may be evicted while the
//! budget is not broken (`currentHealthy ≥ desiredHealthy`, the `IfHealthyBudget` policy,
//! the default: kubernetes/website `concepts/workloads/pods/disruptions.md`). Drains go
//! one node at a time on the same schedule rule as upgrades
//! (`mechanics::rollout::upgrade_start`).

/// Whether the eviction of one pod of a component may go ahead now: the component has
/// `replicas` pods of which `up` are healthy, the pod itself is `healthy` or not, and its
/// budget allows `allowed` disruptions with every pod healthy (`None`: no budget).
pub fn eviction_allowed(allowed: Option<u32>, replicas: u32, up: u32, healthy: bool) -> bool {
    let Some(allowed) = allowed else {
        return true;
    };
    let desired = replicas.saturating_sub(allowed);
    if healthy { up > desired } else { up >= desired }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_budget_allows_an_eviction_only_while_enough_pods_stay_healthy() {
        // minAvailable 1 of 2: allows one disruption with both healthy, none with one.
        assert!(eviction_allowed(Some(1), 2, 2, true));
        assert!(!eviction_allowed(Some(1), 2, 1, true));
        // The pod that is down already may go while the budget holds.
        assert!(eviction_allowed(Some(1), 2, 1, false));
        assert!(!eviction_allowed(Some(1), 3, 1, false));
        // maxUnavailable 2 of 5: two disruptions.
        assert!(eviction_allowed(Some(2), 5, 4, true));
        assert!(!eviction_allowed(Some(2), 5, 3, true));
        // No budget: always.
        assert!(eviction_allowed(None, 2, 0, true));
    }
}
