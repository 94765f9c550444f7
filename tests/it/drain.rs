//! Node drains (`[maintenance] node_drain`, SPEC section 6) against exact answers: a single
//! replica evicted with fixed durations, a disruption budget that keeps a replica serving
//! (the second eviction waits until the first replacement is ready), a budget that blocks
//! a drain for good, and failures during a drain window against their exponential value.
//!
//! Drains start at `start + k·every`: with `start = 2d` and `every = 30d`, 13 a year. The
//! default endpoint propagation (1 s) is part of every new pod's time to serve.

use crate::cli::nines_ok;
use crate::util::{num, run_json, write_model};
use serde_json::Value;

/// Drains a year with `start = 2d`, `every = 30d`: days 2, 32, ..., 362.
const DRAINS: f64 = 13.0;

/// One component `c` of `replicas` needing `needs` on `nodes` nodes that never fail, with
/// no failure modes, drained with a reboot of `reboot`; `keys` adds to the component.
fn drained(nodes: u32, replicas: u32, needs: &str, reboot: &str, keys: &str) -> String {
    format!(
        r#"name = "drained"
up = "c"
[kubernetes]
nodes = {nodes}
[maintenance]
node_drain = {{ every = "30d", start = "2d", reboot = "{reboot}" }}
[[component]]
name = "c"
replicas = {replicas}
needs = {needs}
start = "20s"
stop = "5s"
{keys}
"#
    )
}

fn downtime(summary: &Value) -> f64 {
    num(summary, &["downtime_per_year_s", "mean"])
}

fn trace(model: &str) -> String {
    let file = write_model(model);
    nines_ok(&["trace", file.path().to_str().unwrap(), "--year", "0"])
}

#[test]
fn a_single_deployment_replica_is_down_for_each_start_elsewhere() {
    // On two nodes, the pod is evicted from node 0 and starts on node 1 at once (the
    // ReplicaSet does not wait for the old pod to exit): 20 s start and 1 s propagation.
    // Node 1's drain evicts it again, to node 0, rebooted by then: 2 × 21 s per drain.
    let summary = run_json(&drained(2, 1, "1", "5m", ""), 50, 1);
    assert_eq!(num(&summary, &["maintenance", "drains_per_year"]), DRAINS);
    assert_eq!(num(&summary, &["maintenance", "upgrades_per_year"]), 0.0);
    assert_eq!(downtime(&summary), DRAINS * 2.0 * 21.0);
    assert_eq!(
        num(&summary, &["downtime_by_kind_s", "maintenance"]),
        DRAINS * 2.0 * 21.0
    );
    assert_eq!(num(&summary, &["downtime_by_kind_s", "failure"]), 0.0);
    assert_eq!(
        num(&summary, &["causes", "node/drain", "count"]),
        DRAINS * 2.0 * 50.0
    );
    assert_eq!(
        num(&summary, &["causes", "node/drain", "duration_s", "mean"]),
        21.0
    );
}

/// With drains and no upgrade, the text says there is no upgrade rather than printing the
/// figures of none as upgrades without downtime.
#[test]
fn drains_alone_print_no_figures_per_upgrade() {
    let file = write_model(&drained(2, 1, "1", "5m", ""));
    let text = nines_ok(&["run", file.path().to_str().unwrap(), "--years", "5"]);
    assert!(
        text.contains("  per upgrade     none: no upgrade begins within the year\n"),
        "{text}"
    );
    assert!(text.contains("  node drains     "), "{text}");
}

#[test]
fn a_replica_with_nowhere_else_to_go_waits_for_the_stop_and_the_reboot() {
    // One node: the Deployment's replacement has no node until the drained one is back,
    // which reboots once the old pod has exited: 5 s stop + 300 s reboot + 20 s start +
    // 1 s propagation per drain, exactly.
    let summary = run_json(&drained(1, 1, "1", "5m", ""), 50, 1);
    assert_eq!(downtime(&summary), DRAINS * 326.0);
    // A StatefulSet's pod waits for its own node whatever the others: the same 326 s, once
    // per drain (node 1 has no pod of it).
    let statefulset = drained(2, 1, "1", "5m", "workload = \"statefulset\"");
    let summary = run_json(&statefulset, 50, 1);
    assert_eq!(downtime(&summary), DRAINS * 326.0);
    assert_eq!(
        num(&summary, &["causes", "node/drain", "duration_s", "mean"]),
        326.0
    );
}

#[test]
fn a_budget_of_one_keeps_a_replica_serving_and_the_next_eviction_waits_for_readiness() {
    // Reboots take no time, so node 1's drain begins 5 s in, while the first replacement
    // still starts (ready at 21 s): with minAvailable 1 the eviction waits for it, and the
    // system never goes down.
    let budget = "disruption_budget = { min_available = 1 }";
    let model = drained(3, 2, "1", "0s", budget);
    let summary = run_json(&model, 50, 1);
    assert_eq!(downtime(&summary), 0.0);
    assert_eq!(num(&summary, &["maintenance", "drains_per_year"]), DRAINS);
    let log = trace(&model);
    for expected in [
        "d2 00:00:00.000  c/0 evicted by the drain; its replacement starts on node 2",
        "d2 00:00:05.000  node 1 cordoned; its pods are evicted",
        "d2 00:00:05.000  c/1: eviction waits, its disruption budget allows none now",
        "d2 00:00:21.000  c/1 evicted by the drain; its replacement starts on node 0",
    ] {
        assert!(log.contains(expected), "no `{expected}` in\n{log}");
    }
    // Without the budget, replica 1 goes at 5 s while replica 0 still starts: the system
    // is down from 5 s until replica 1's replacement serves at 26 s.
    let summary = run_json(&drained(3, 2, "1", "0s", ""), 50, 1);
    assert_eq!(downtime(&summary), DRAINS * 21.0);
}

#[test]
fn a_budget_can_block_a_drain_for_the_rest_of_the_year() {
    // Both StatefulSet pods on node 0, minAvailable 1: the first is evicted and waits for
    // the node's reboot; the second may not go while the first is down, and the node
    // reboots only once both have gone. The drain never ends (as `kubectl drain` would
    // wait), and the first pod stays down from day 2 to the end of the year.
    let keys = "workload = \"statefulset\"\nplacement = { nodes = [0] }\n\
                disruption_budget = { min_available = 1 }";
    let model = drained(2, 2, "1", "5m", keys);
    assert_eq!(downtime(&run_json(&model, 20, 1)), 0.0);
    let log = trace(&model);
    assert!(log.contains("c/1: eviction waits"), "{log}");
    assert!(!log.contains("node 0 drained"), "{log}");
    assert!(!log.contains("node drain 1 begins"), "{log}");
    let needing_both = drained(2, 2, "2", "5m", keys);
    let summary = run_json(&needing_both, 20, 1);
    assert_eq!(downtime(&summary), 363.0 * 86_400.0);
    assert_eq!(
        num(&summary, &["downtime_by_kind_s", "maintenance"]),
        363.0 * 86_400.0
    );
}

/// Pod `a` (one node, so each drain keeps it down for exactly its 2 h reboot) and
/// component `b`, which Kubernetes does not run, failing exponentially (mean 1 d) and
/// repaired in 1 d; the system is up while either serves. When `b` is up as a drain opens,
/// the chance that it fails within the 2 h window is exactly 1 − exp(−2h/1d) (memoryless),
/// and that failure is an outage of kind `failure`; a repair of 1 d outlasts the window, so
/// there is at most one. When `b` is down as the window opens, the outage is the drain's.
#[test]
fn a_failure_during_a_drain_window_is_an_outage_with_its_exact_probability() {
    let model = r#"name = "failure during drain"
up = "a | b"
[kubernetes]
nodes = 1
endpoint_propagation = "0s"
[maintenance]
node_drain = { every = "7d", start = "1d", reboot = "2h" }
[[component]]
name = "a"
start = "0s"
stop = "0s"
[[component]]
name = "b"
workload = "external"
  [[component.failure]]
  name = "crash"
  every = { dist = "exponential", mean = "1d" }
  repair = "1d"
"#;
    crate::maintenance::failure_in_window_has_its_exact_probability(model, "node/drain");
}

#[test]
fn explain_gives_the_downtime_per_drain_where_it_is_exact_and_the_run_agrees() {
    let budget = "disruption_budget = { min_available = 1 }";
    let cases = [
        (drained(2, 1, "1", "5m", ""), 42.0),
        (drained(1, 1, "1", "5m", ""), 326.0),
        (
            drained(2, 1, "1", "5m", "workload = \"statefulset\""),
            326.0,
        ),
        (drained(3, 2, "1", "0s", budget), 0.0),
    ];
    for (model, exact) in cases {
        let file = write_model(&model);
        let json = nines_ok(&["explain", file.path().to_str().unwrap(), "--json"]);
        let explanation: Value = serde_json::from_str(&json).unwrap();
        let drain = &explanation["drains"][0];
        assert_eq!(drain["component"], "c");
        assert_eq!(num(drain, &["downtime", "mean_s"]), exact, "{model}");
        assert_eq!(num(drain, &["downtime", "p99_s"]), exact, "{model}");
        let summary = run_json(&model, 20, 2);
        assert_eq!(downtime(&summary), DRAINS * exact, "{model}");
    }
    // Two replicas without a budget may both be down at once: no closed form.
    let file = write_model(&drained(3, 2, "1", "0s", ""));
    let json = nines_ok(&["explain", file.path().to_str().unwrap(), "--json"]);
    let explanation: Value = serde_json::from_str(&json).unwrap();
    assert!(explanation["drains"][0]["downtime"].is_null());
}
