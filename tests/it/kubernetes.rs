//! Kubernetes and consensus mechanics (`docs/kubernetes.md`) against their exact answers: liveness
//! detection, restart back-off, node failures for Deployments and StatefulSets, Raft and
//! lease elections, and sessions kept in a store.

use nines::engine::{Engine, TraceEvent};
use nines::model::Model;
use nines::plan::Plan;
use nines::time::Duration;

/// Every event of years `0..years` of `source`.
fn trace(source: &str, years: u64) -> Vec<(Duration, TraceEvent)> {
    let model = Model::parse(source, "test.toml").unwrap_or_else(|e| panic!("{e}"));
    let plan = Plan::compile(&model, 11);
    let mut engine = Engine::new(&plan);
    let mut events = Vec::new();
    for year in 0..years {
        engine.simulate_traced(year, &mut events);
    }
    events
}

fn secs(duration: Duration) -> f64 {
    duration.as_secs_f64()
}

/// Mean and standard error of the mean.
fn mean_and_se(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, (variance / n).sqrt())
}

fn outage_durations(events: &[(Duration, TraceEvent)]) -> Vec<f64> {
    events
        .iter()
        .filter_map(|(_, e)| match e {
            TraceEvent::OutageEnded { outage } => Some(secs(outage.duration)),
            _ => None,
        })
        .collect()
}

const HANG_MODEL: &str = r#"
name = "hang"
up = "api"
[simulation]
horizon = "30d"
[kubernetes]
nodes = 1
[[component]]
name = "api"
start = "0s"
liveness = { period = "10s", timeout = "5s", failure_threshold = 3 }
  [[component.failure]]
  name = "hang"
  every = { dist = "exponential", mean = "1d" }
  detect = "liveness"
  repair = "0s"
"#;

/// A hang is seen after D = U[0, P) + (F-1)·max(P, T) + T: with P = 10 s, T = 5 s, F = 3,
/// D is uniform on [25 s, 35 s), and with an instant repair it is the outage.
#[test]
fn liveness_detection_is_uniform_phase_plus_threshold_and_timeout() {
    let durations = outage_durations(&trace(HANG_MODEL, 200));
    assert!(durations.len() > 4000, "{} outages", durations.len());
    assert!(
        durations.iter().all(|d| (25.0..35.0).contains(d)),
        "all within [25 s, 35 s)"
    );
    let (mean, se) = mean_and_se(&durations);
    assert!(
        (mean - 30.0).abs() < 4.0 * se,
        "mean {mean}, exact 30, se {se}"
    );
    // Uniform: the fraction below the exact median is 1/2 up to binomial noise.
    let below = durations.iter().filter(|d| **d < 30.0).count() as f64 / durations.len() as f64;
    assert!(
        (below - 0.5).abs() < 4.0 * (0.25 / durations.len() as f64).sqrt(),
        "{below}"
    );
}

/// A container crashing every minute restarts after 0, 10, 20, 40, 80, 160, 300, 300 s
/// of back-off, each followed by its 5 s start and 1 s of endpoint propagation.
#[test]
fn restart_back_off_doubles_to_five_minutes() {
    let source = r#"
name = "crashloop"
up = "api"
[simulation]
horizon = "2h"
[kubernetes]
nodes = 1
[[component]]
name = "api"
start = "5s"
  [[component.failure]]
  name = "crash"
  every = "1m"
  detect = "exit"
  repair = "restart"
"#;
    let repairs: Vec<u64> = trace(source, 1)
        .iter()
        .filter_map(|(_, e)| match e {
            TraceEvent::ReplicaFailed { repair, .. } => Some(repair.as_micros() / 1_000_000),
            _ => None,
        })
        .take(9)
        .collect();
    assert_eq!(repairs, [6, 16, 26, 46, 86, 166, 306, 306, 306]);
}

/// A container that runs ten minutes between crashes always restarts at once.
#[test]
fn back_off_resets_after_ten_minutes_of_running() {
    let source = r#"
name = "rare"
up = "api"
[simulation]
horizon = "1d"
[kubernetes]
nodes = 1
[[component]]
name = "api"
start = "5s"
  [[component.failure]]
  name = "crash"
  every = "10m"
  detect = "exit"
  repair = "restart"
"#;
    let events = trace(source, 1);
    let repairs: Vec<Duration> = events
        .iter()
        .filter_map(|(_, e)| match e {
            TraceEvent::ReplicaFailed { repair, .. } => Some(*repair),
            _ => None,
        })
        .collect();
    assert!(repairs.len() > 100);
    assert!(
        repairs.iter().all(|r| *r == Duration::from_secs(6)),
        "{:?}",
        &repairs[..5]
    );
}

fn node_model(workload: &str) -> String {
    format!(
        r#"
name = "nodes"
up = "db"
[simulation]
horizon = "1y"
[kubernetes]
nodes = 3
node_failure = {{ every = {{ dist = "exponential", mean = "20d" }}, repair = "2h" }}
[[component]]
name = "db"
workload = "{workload}"
start = "30s"
"#
    )
}

/// Node failures: a Deployment replica is evicted after the grace period (50 s), up to one
/// monitor period (5 s) and the toleration (300 s), and restarts elsewhere (30 s start,
/// 1 s propagation); a StatefulSet replica waits the node's 2 h repair, then restarts.
/// (Both other nodes down at an eviction has a probability of about 2e-5 here.)
#[test]
fn deployments_move_off_failed_nodes_and_statefulsets_wait() {
    let deployment = outage_durations(&trace(&node_model("deployment"), 20));
    assert!(deployment.len() >= 20);
    for d in &deployment {
        assert!((381.0..386.0).contains(d), "deployment outage {d} s");
    }
    let statefulset = outage_durations(&trace(&node_model("statefulset"), 20));
    assert!(statefulset.len() >= 20);
    for d in &statefulset {
        assert!(
            (d - (7200.0 + 31.0)).abs() < 1e-6,
            "statefulset outage {d} s"
        );
    }
}

fn election_durations(source: &str, years: u64) -> Vec<f64> {
    trace(source, years)
        .iter()
        .filter_map(|(_, e)| match e {
            TraceEvent::ElectionStarted { duration, .. } => Some(secs(*duration)),
            _ => None,
        })
        .collect()
}

/// Three members needing a majority, failing every 2 days on average and back in 1 ms, so
/// another member is almost never down when the leader fails (probability about 1e-8):
/// every election has the leader's two followers as candidates.
fn leader_model(leader: &str) -> String {
    format!(
        r#"
name = "leader"
up = "etcd"
[[component]]
name = "etcd"
replicas = 3
needs = "majority"
leader = {leader}
  [[component.failure]]
  name = "crash"
  every = {{ dist = "exponential", mean = "2d" }}
  repair = "1ms"
"#
    )
}

/// Raft: the leader's two followers time out after U[T, 2T) each; the first wins, less
/// the time since the last heartbeat, U[0, h), plus two round trips. With T = 1 s,
/// h = 100 ms, rtt = 1 ms: mean T + T/3 − h/2 + 2·rtt = 1.2853 s.
#[test]
fn raft_elections_follow_the_randomised_timeout() {
    let source = leader_model(
        r#"{ raft = { election_timeout = "1s", heartbeat = "100ms", round_trip = "1ms" } }"#,
    );
    let durations = election_durations(&source, 100);
    assert!(durations.len() > 5000, "{}", durations.len());
    assert!(durations.iter().all(|d| (0.902..2.002).contains(d)));
    let (mean, se) = mean_and_se(&durations);
    let exact = 1.0 + 1.0 / 3.0 - 0.05 + 0.002;
    assert!(
        (mean - exact).abs() < 4.0 * se,
        "mean {mean}, exact {exact}, se {se}"
    );
}

/// Lease: the failed holder's lease has U[2/3·TTL, TTL] left, then the takeover: with a
/// TTL of 30 s and a 1 s takeover, uniform on [21 s, 31 s], mean 26 s.
#[test]
fn lease_takeover_waits_for_the_lease_to_expire() {
    let source = leader_model(r#"{ lease = { ttl = "30s", takeover = "1s" } }"#);
    let durations = election_durations(&source, 100);
    assert!(durations.len() > 5000);
    assert!(durations.iter().all(|d| (21.0..=31.0).contains(d)));
    let (mean, se) = mean_and_se(&durations);
    assert!((mean - 26.0).abs() < 4.0 * se, "mean {mean}, se {se}");
}

/// A component keeping a session in a store goes down only when the store is gone for
/// longer than the session's remaining lifetime, U[2/3·TTL, TTL]: with store outages of
/// exactly 25 s and a TTL of 30 s, P(expiry) = P(U[20 s, 30 s] < 25 s) = 1/2.
#[test]
fn sessions_expire_only_when_the_store_is_gone_long_enough() {
    let source = r#"
name = "sessions"
up = "app"
[simulation]
horizon = "1y"
[kubernetes]
nodes = 1
[[component]]
name = "store"
workload = "external"
  [[component.failure]]
  name = "outage"
  every = { dist = "exponential", mean = "1d" }
  repair = "25s"
[[component]]
name = "app"
start = "5s"
session = { store = "store", ttl = "30s" }
"#;
    let events = trace(source, 20);
    let store_outages = events
        .iter()
        .filter(|(_, e)| {
            matches!(
                e,
                TraceEvent::ComponentChanged {
                    component: 0,
                    serving: false,
                    ..
                }
            )
        })
        .count();
    let expiries = events
        .iter()
        .filter(|(_, e)| matches!(e, TraceEvent::SessionLost { .. }))
        .count();
    let share = expiries as f64 / store_outages as f64;
    let se = (0.25 / store_outages as f64).sqrt();
    assert!(store_outages > 5000);
    assert!(
        (share - 0.5).abs() < 4.0 * se,
        "{expiries} of {store_outages}"
    );
    // The app is down from its expiry (20 to 25 s into the store's outage) until 6 s (start
    // and propagation) after the store is back: 6 to 11 s, plus the restart back-off when
    // the previous shutdown was less than 10 minutes before (10 s, then 20 s), which with
    // store outages a day apart happens about once in 150.
    let outages = outage_durations(&events);
    assert_eq!(outages.len(), expiries);
    let backed_off = |d: f64| {
        [0.0, 10.0, 20.0]
            .iter()
            .position(|b| (6.0 + b - 1e-6..=11.0 + b + 1e-6).contains(&d))
    };
    assert!(
        outages.iter().all(|d| backed_off(*d).is_some()),
        "{outages:?}"
    );
    let delayed = outages
        .iter()
        .filter(|d| backed_off(**d) != Some(0))
        .count();
    assert!(
        delayed * 50 < outages.len(),
        "{delayed} of {} outages waited a back-off",
        outages.len()
    );
}

/// Two query nodes holding a share of the segments each (needs all), keeping sessions in
/// an etcd that never fails, crashing once a day, with a 60 s load and the given start.
fn query_nodes(start: &str) -> String {
    format!(
        r#"
name = "query nodes"
up = "querynode"
[kubernetes]
nodes = 2
[[component]]
name = "etcd"
workload = "external"
[[component]]
name = "querynode"
replicas = 2
needs = "all"
start = "{start}"
session = {{ store = "etcd", ttl = "30s" }}
reassign = {{ load = "60s" }}
  [[component.failure]]
  name = "crash"
  every = {{ dist = "exponential", mean = "1d" }}
  detect = "exit"
  repair = "restart"
"#
    )
}

/// Recovery by reassignment: a query node's share is loaded by another up node once its
/// session expires (U[20 s, 30 s] for a 30 s TTL), well before its own 10-minute restart,
/// then the 60 s load: outages are uniform on [80 s, 90 s], mean 85 s.
#[test]
fn reassignment_recovers_before_the_restart() {
    let durations = outage_durations(&trace(&query_nodes("10m"), 20));
    assert!(durations.len() > 5000, "{}", durations.len());
    // When the other node fails too within the window, no replica is up to take the
    // share and both wait for a restart (probability about 85 s / 1 d per outage).
    let (single, overlapping): (Vec<f64>, Vec<f64>) = durations
        .iter()
        .partition(|d| (80.0 - 1e-6..=90.0 + 1e-6).contains(*d));
    assert!(
        overlapping.len() * 200 < durations.len(),
        "{} overlaps",
        overlapping.len()
    );
    let (mean, se) = mean_and_se(&single);
    assert!((mean - 85.0).abs() < 4.0 * se, "mean {mean}, se {se}");
}

/// A restarted query node comes back empty: with a quick restart (5 s) its share still
/// needs the 60 s load, so outages last the restart (up to 1 s to notice the exit, 5 s
/// start, 1 s propagation) plus 60 s: within [66 s, 67 s].
#[test]
fn a_restarted_replica_reloads_its_share() {
    let durations = outage_durations(&trace(&query_nodes("5s"), 5));
    assert!(durations.len() > 1000);
    let (single, _): (Vec<f64>, Vec<f64>) = durations
        .iter()
        .partition(|d| (66.0 - 1e-6..=67.0 + 1e-6).contains(*d));
    assert!(
        single.len() * 100 > durations.len() * 99,
        "{:?}",
        &durations[..5]
    );
}
