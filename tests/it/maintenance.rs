//! Planned work (`[maintenance]`, SPEC section 6) against exact answers: level-1 replicas
//! upgraded one at a time, Kubernetes rollouts (Recreate, rolling Deployments, StatefulSets)
//! and graceful leader handovers, and failures during an upgrade window.
//!
//! Upgrades start at `start + k·every`: with `start = 2d` and `every = 30d`, 13 a year.
//! Statistical figures are compared within four standard errors derived from the exact
//! variance of what is averaged.

use crate::cli::nines_ok;
use crate::util::{num, run_json, write_model};
use serde_json::Value;

/// Upgrades a year with `start = 2d`, `every = 30d`: days 2, 32, ..., 362.
const UPGRADES: f64 = 13.0;

const SCHEDULE: &str = r#"[maintenance]
upgrade = { every = "30d", start = "2d" }
"#;

/// A level-1 model of one component of `replicas` needing `needs`, upgraded for `duration`
/// (a TOML value), with no failures.
fn level1(replicas: u32, needs: u32, duration: &str) -> String {
    format!(
        r#"name = "level 1"
up = "db"
{SCHEDULE}
[[component]]
name = "db"
replicas = {replicas}
needs = {needs}
maintenance = {{ duration = {duration} }}
"#
    )
}

fn per_upgrade(summary: &Value, figure: &str) -> f64 {
    num(summary, &["maintenance", "downtime_per_upgrade_s", figure])
}

#[test]
fn a_single_replica_is_down_for_each_upgrade_and_nothing_else() {
    let summary = run_json(&level1(1, 1, "\"2m\""), 200, 1);
    assert_eq!(
        num(&summary, &["maintenance", "upgrades_per_year"]),
        UPGRADES
    );
    for figure in ["mean", "p50", "p99", "max"] {
        assert_eq!(per_upgrade(&summary, figure), 120.0, "{figure}");
    }
    let per_year = UPGRADES * 120.0;
    assert_eq!(num(&summary, &["downtime_per_year_s", "mean"]), per_year);
    assert_eq!(
        num(&summary, &["downtime_by_kind_s", "maintenance"]),
        per_year
    );
    assert_eq!(num(&summary, &["downtime_by_kind_s", "failure"]), 0.0);
    assert_eq!(num(&summary, &["downtime_by_kind_s", "incident"]), 0.0);
    assert_eq!(num(&summary, &["outages_per_year", "mean"]), UPGRADES);
    assert_eq!(
        num(&summary, &["causes", "db/upgrade", "count"]),
        UPGRADES * 200.0
    );
}

#[test]
fn a_drawn_upgrade_duration_averages_to_its_mean() {
    // Uniform on [60 s, 180 s]: mean 120 s, variance 120²/12 s², one draw per upgrade.
    let years = 2000;
    let duration = r#"{ dist = "uniform", min = "1m", max = "3m" }"#;
    let summary = run_json(&level1(1, 1, duration), years, 3);
    let upgrades = UPGRADES * years as f64;
    let se = (120.0f64 * 120.0 / 12.0 / upgrades).sqrt();
    let mean = per_upgrade(&summary, "mean");
    assert!((mean - 120.0).abs() <= 4.0 * se, "mean {mean}, se {se}");
    assert!(per_upgrade(&summary, "max") <= 180.0);
    let per_year = num(&summary, &["downtime_per_year_s", "mean"]);
    assert!((per_year - UPGRADES * mean).abs() < 1e-6 * per_year);
}

#[test]
fn two_replicas_needing_one_are_upgraded_without_downtime() {
    let summary = run_json(&level1(2, 1, "\"5m\""), 200, 1);
    assert_eq!(
        num(&summary, &["maintenance", "upgrades_per_year"]),
        UPGRADES
    );
    assert_eq!(num(&summary, &["downtime_per_year_s", "mean"]), 0.0);
    assert_eq!(num(&summary, &["downtime_by_kind_s", "maintenance"]), 0.0);
    assert_eq!(per_upgrade(&summary, "max"), 0.0);
    // Needing both, each upgrade takes the system down for both turns, one after the other:
    // one outage of both turns, as the second starts the microsecond the first ends (an
    // outage is a maximal interval, and the system was up for no time between them).
    let summary = run_json(&level1(2, 2, "\"5m\""), 200, 1);
    assert_eq!(per_upgrade(&summary, "mean"), 600.0);
    assert_eq!(num(&summary, &["outages_per_year", "mean"]), UPGRADES);
    assert_eq!(num(&summary, &["rto_s", "max"]), 600.0);
    assert_eq!(
        num(&summary, &["causes", "db/upgrade", "count"]),
        UPGRADES * 200.0
    );
}

/// Replica `a` (never failing) is upgraded for 2 h each week; `b` fails exponentially
/// (mean 1 d) and is repaired in 1 d; the system is up while either serves. When `b` is
/// up as `a`'s upgrade window opens, the chance that it fails within the window is exactly
/// 1 − exp(−λD) (memoryless), and that failure is an outage of kind `failure`: a repair
/// of 1 d outlasts the window, so there is at most one. When `b` is down as the window
/// opens, the outage is the upgrade's (kind `maintenance`), and the window is left out.
#[test]
fn a_failure_during_an_upgrade_window_is_an_outage_with_its_exact_probability() {
    let model = r#"name = "failure during upgrade"
up = "a | b"
[maintenance]
upgrade = { every = "7d", start = "1d" }
[[component]]
name = "a"
maintenance = { duration = "2h" }
[[component]]
name = "b"
  [[component.failure]]
  name = "crash"
  every = { dist = "exponential", mean = "1d" }
  repair = "1d"
"#;
    failure_in_window_has_its_exact_probability(model, "a/upgrade");
}

/// Runs `model`, whose planned work (cause `planned`) keeps a never-failing replica down for
/// 2 h from day 1 + 7k, beside `b` failing exponentially (mean 1 d, cause `b/crash`) and
/// repaired in 1 d, the system being up while either serves. Checks that every outage is
/// the planned work's opening a window or one failure inside it, and that, over the windows
/// that open with `b` up, the chance of a failure inside is 1 − exp(−2h/1d) within 4 SE.
pub(crate) fn failure_in_window_has_its_exact_probability(model: &str, planned: &str) {
    let file = write_model(model);
    let dir = tempfile::tempdir().unwrap();
    let years = 2000;
    nines_ok(&[
        "run",
        file.path().to_str().unwrap(),
        "--years",
        &years.to_string(),
        "--seed",
        "5",
        "--out",
        dir.path().to_str().unwrap(),
    ]);
    let (day, window) = (86_400.0, 7_200.0);
    let csv = std::fs::read_to_string(dir.path().join("outages.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("year,start_s,duration_s,cause,detect_s,elect_s,repair_s,kind")
    );
    // Per year and window: whether the upgrade took the system down, or `b` failed inside.
    let windows_per_year = 52;
    let mut opened_down = vec![false; years * windows_per_year];
    let mut failed = vec![false; years * windows_per_year];
    for line in lines {
        let cells: Vec<&str> = line.split(',').collect();
        let year: usize = cells[0].parse().unwrap();
        let start: f64 = cells[1].parse().unwrap();
        let k = ((start - day) / (7.0 * day)).floor();
        let offset = start - day - k * 7.0 * day;
        assert!(
            k >= 0.0 && offset < window,
            "outage outside every window: {line}"
        );
        let slot = year * windows_per_year + k as usize;
        match (cells[3], cells[7]) {
            (cause, "maintenance") if cause == planned && offset == 0.0 => opened_down[slot] = true,
            ("b/crash", "failure") if offset > 0.0 => {
                assert!(!failed[slot], "two failure outages in one window: {line}");
                failed[slot] = true;
            }
            _ => panic!("unexpected outage {line}"),
        }
    }
    let open: Vec<usize> = (0..opened_down.len())
        .filter(|i| !opened_down[*i])
        .collect();
    let hits = open.iter().filter(|i| failed[**i]).count() as f64;
    let n = open.len() as f64;
    let exact = 1.0 - (-window / day).exp();
    let se = (exact * (1.0 - exact) / n).sqrt();
    let estimate = hits / n;
    assert!(
        n > 0.3 * (years * windows_per_year) as f64,
        "only {n} windows opened up"
    );
    assert!(
        (estimate - exact).abs() <= 4.0 * se,
        "P(failure in window) {estimate}, exact {exact}, se {se}"
    );
}

/// A level-2 model of one Deployment (or StatefulSet) with the given extra keys, on three
/// nodes that never fail, with no failure modes.
fn level2(replicas: u32, needs: &str, keys: &str) -> String {
    format!(
        r#"name = "level 2"
up = "c"
[kubernetes]
nodes = 3
{SCHEDULE}
[[component]]
name = "c"
replicas = {replicas}
needs = {needs}
start = "20s"
{keys}
"#
    )
}

/// `strategy = "none"` keeps a component out of the upgrade schedule (a StatefulSet's
/// OnDelete, or a component upgraded apart): a recreated one would be down 26 s an upgrade,
/// it is never down, and the upgrades still count.
#[test]
fn a_component_with_strategy_none_is_not_upgraded() {
    let keys = "strategy = \"none\"\nstop = \"5s\"";
    let summary = run_json(&level2(1, "1", keys), 100, 1);
    assert_eq!(num(&summary, &["downtime_per_year_s", "mean"]), 0.0);
    assert_eq!(
        num(&summary, &["maintenance", "upgrades_per_year"]),
        UPGRADES
    );
    let recreated = run_json(
        &level2(1, "1", "strategy = \"recreate\"\nstop = \"5s\""),
        100,
        1,
    );
    assert_eq!(
        num(&recreated, &["downtime_per_year_s", "mean"]),
        UPGRADES * 26.0
    );
}

#[test]
fn recreate_is_down_for_the_stop_the_start_and_the_endpoint_propagation() {
    // Every pod stops (5 s), then the new ones start (20 s) and load balancers see them
    // (endpoint propagation, 1 s by default): 26 s per upgrade, exactly.
    let keys = "strategy = \"recreate\"\nstop = \"5s\"";
    let summary = run_json(&level2(3, "1", keys), 100, 1);
    for figure in ["mean", "p50", "p99", "max"] {
        assert_eq!(per_upgrade(&summary, figure), 26.0, "{figure}");
    }
    assert_eq!(
        num(&summary, &["downtime_per_year_s", "mean"]),
        UPGRADES * 26.0
    );
}

#[test]
fn recreate_waits_for_the_first_readiness_probe_half_a_period_on_average() {
    // With a readiness probe of period P, the new pod serves at the first probe after it
    // started: the probe's phase is uniform, so the wait is uniform on [0, P), the same in
    // every upgrade of a year (30 days are whole periods). Mean 5 + 20 + P/2 + 1 s; the
    // years are the independent draws.
    let years = 2000;
    let keys = "strategy = \"recreate\"\nstop = \"5s\"\nreadiness = { period = \"10s\" }";
    let summary = run_json(&level2(1, "1", keys), years, 7);
    let exact = 5.0 + 20.0 + 5.0 + 1.0;
    let se = 10.0 / (12.0 * years as f64).sqrt();
    let mean = per_upgrade(&summary, "mean");
    assert!(
        (mean - exact).abs() <= 4.0 * se,
        "mean {mean}, exact {exact}, se {se}"
    );
    assert!(per_upgrade(&summary, "max") < 5.0 + 20.0 + 10.0 + 1.0);
    assert!(per_upgrade(&summary, "p50") >= 26.0);
}

#[test]
fn a_rolling_deployment_with_a_surge_pod_has_no_planned_downtime() {
    // Each old pod serves until its replacement is available, even when both are needed.
    for needs in ["1", "\"all\""] {
        let keys = "max_surge = 1\nmax_unavailable = 0\nmin_ready = \"30s\"";
        let summary = run_json(&level2(2, needs, keys), 100, 1);
        assert_eq!(
            num(&summary, &["downtime_per_year_s", "mean"]),
            0.0,
            "{needs}"
        );
        assert_eq!(
            num(&summary, &["maintenance", "upgrades_per_year"]),
            UPGRADES
        );
    }
    // Without a surge pod and needing both, each pod's replacement is downtime: two turns of
    // start and propagation (21 s) per upgrade.
    let keys = "max_surge = 0\nmax_unavailable = 1";
    let summary = run_json(&level2(2, "\"all\"", keys), 100, 1);
    assert_eq!(per_upgrade(&summary, "mean"), 42.0);
}

#[test]
fn a_graceful_stop_hands_a_lease_over_after_the_takeover_alone() {
    // Active-standby: the holder stops only once its replacement is available, and revokes
    // its lease, so the office is vacant for the takeover (1 s), not the TTL.
    let keys = "max_surge = 1\nmax_unavailable = 0\n\
                leader = { lease = { ttl = \"30s\", takeover = \"1s\" } }";
    let summary = run_json(&level2(2, "1", keys), 100, 1);
    for figure in ["mean", "max"] {
        assert_eq!(per_upgrade(&summary, figure), 1.0, "{figure}");
    }
    // Recreated, the office waits for the new pods, then the takeover: 5 + 20 + 1 + 1 s.
    let keys = "strategy = \"recreate\"\nstop = \"5s\"\n\
                leader = { lease = { ttl = \"30s\", takeover = \"1s\" } }";
    let summary = run_json(&level2(2, "1", keys), 100, 1);
    assert_eq!(per_upgrade(&summary, "max"), 27.0);
    assert_eq!(per_upgrade(&summary, "mean"), 27.0);
}

#[test]
fn a_statefulset_raft_leader_transfers_leadership_in_one_vote_round() {
    // One pod at a time from the highest ordinal; a quorum stays up throughout, and a
    // leader that stops transfers leadership: a pre-vote and a vote round, two round trips
    // of 1 ms, to the up member with the lowest ordinal. The first upgrade finds the leader
    // at ordinal 0, replaced last: one transfer. It leaves ordinal 1 leading, so each later
    // upgrade transfers twice (from 1 to 0, then from 0 to 1): 1 + 2·12 transfers a year.
    let keys = "workload = \"statefulset\"\nleader = { raft = { election_timeout = \"1s\", heartbeat = \"100ms\" } }";
    let summary = run_json(&level2(3, "\"majority\"", keys), 100, 1);
    let transfer = 0.002;
    let mean = per_upgrade(&summary, "mean");
    assert!(
        (mean - 25.0 * transfer / UPGRADES).abs() < 1e-12,
        "mean {mean}"
    );
    assert_eq!(per_upgrade(&summary, "max"), 2.0 * transfer);
    assert_eq!(
        num(&summary, &["causes", "c/upgrade", "elect_s", "mean"]),
        transfer
    );
}

#[test]
fn trace_shows_each_step_of_a_rollout() {
    let file = write_model(&level2(2, "1", "max_surge = 1\nmax_unavailable = 0"));
    let trace = nines_ok(&["trace", file.path().to_str().unwrap(), "--year", "0"]);
    for expected in [
        "upgrade 0 begins",
        "c/1: a new pod starts beside it, available at d2 00:00:21.000; the old one stops then",
        "c/1 upgraded",
        "c/0 upgraded",
        "upgrade 0 is done",
    ] {
        assert!(trace.contains(expected), "no `{expected}` in\n{trace}");
    }
}

#[test]
fn a_model_without_maintenance_has_no_kind_column_and_no_section() {
    let json = nines_ok(&["run", "models/etcd-quorum.toml", "--years", "50", "--json"]);
    let summary: Value = serde_json::from_str(&json).unwrap();
    assert!(summary.get("downtime_by_kind_s").is_none());
    assert!(summary.get("maintenance").is_none());
    assert!(summary.get("causes").is_some());
}

#[test]
fn explain_gives_the_downtime_per_upgrade_where_it_is_exact() {
    let explained = |model: &str| -> Value {
        let file = write_model(model);
        let json = nines_ok(&["explain", file.path().to_str().unwrap(), "--json"]);
        serde_json::from_str(&json).unwrap()
    };
    let recreate = level2(3, "1", "strategy = \"recreate\"\nstop = \"5s\"");
    let level_1 = level1(2, 2, r#"{ dist = "uniform", min = "1m", max = "3m" }"#);
    for (model, exact) in [(recreate.as_str(), 26.0), (level_1.as_str(), 240.0)] {
        let explanation = explained(model);
        let upgrade = &explanation["upgrades"][0];
        assert_eq!(num(upgrade, &["downtime", "mean_s"]), exact, "{upgrade}");
    }
    let surge = explained(&level2(2, "1", "max_surge = 1"));
    assert_eq!(num(&surge["upgrades"][0], &["downtime", "mean_s"]), 0.0);
    // A leader that may hand over once or twice per upgrade is left to the simulation.
    let raft = "workload = \"statefulset\"\nleader = { raft = { election_timeout = \"1s\", heartbeat = \"100ms\" } }";
    let raft = explained(&level2(3, "\"majority\"", raft));
    assert!(raft["upgrades"][0]["downtime"].is_null());
    let plain = nines_ok(&["explain", "models/etcd-quorum.toml", "--json"]);
    assert!(!plain.contains("upgrades"));
}

#[test]
fn a_bad_rollout_keeps_a_single_replica_down_until_the_rollback() {
    // Good upgrades: 2 min. Bad ones (25%): the replica is ready at 2 min but broken until
    // 10 + 5 min later, one outage blamed on the bad rollout: 17 min. Mean 120 + 0.25·900 s;
    // one upgrade's variance 900²·p(1−p).
    let years = 2000;
    let model = level1(1, 1, "\"2m\"").replace(
        "upgrade = { every = \"30d\", start = \"2d\" }",
        "upgrade = { every = \"30d\", start = \"2d\" }\n\
         bad_rollout = { probability = \"25%\", detect = \"10m\", rollback = \"5m\" }",
    );
    let summary = run_json(&model, years, 9);
    let upgrades = UPGRADES * years as f64;
    let (p, extra) = (0.25, 900.0);
    let se = (extra * extra * p * (1.0 - p) / upgrades).sqrt();
    let mean = per_upgrade(&summary, "mean");
    assert!(
        (mean - (120.0 + p * extra)).abs() <= 4.0 * se,
        "mean {mean}, se {se}"
    );
    assert_eq!(per_upgrade(&summary, "p50"), 120.0);
    assert_eq!(per_upgrade(&summary, "max"), 1020.0);
    let bad = num(&summary, &["causes", "db/bad-rollout", "count"]);
    let good = num(&summary, &["causes", "db/upgrade", "count"]);
    assert_eq!(bad + good, upgrades);
    assert_eq!(
        num(
            &summary,
            &["causes", "db/bad-rollout", "duration_s", "mean"]
        ),
        1020.0
    );
    let share_se = (p * (1.0 - p) / upgrades).sqrt();
    assert!(
        (bad / upgrades - p).abs() <= 4.0 * share_se,
        "{bad} bad of {upgrades}"
    );
}

#[test]
fn a_bad_rollout_goes_on_to_the_next_replica_and_takes_the_system_down() {
    // Two replicas needing one, every upgrade bad: replica 1 is ready (broken) after 2 min,
    // so the rollout stops replica 0, which is ready (broken) 2 min later; both are down
    // from minute 2 until the rollback ends at 2 + 10 + 5 min: 900 s, blamed on the rollout.
    let model = level1(2, 1, "\"2m\"").replace(
        "upgrade = { every = \"30d\", start = \"2d\" }",
        "upgrade = { every = \"30d\", start = \"2d\" }\n\
         bad_rollout = { probability = \"100%\", detect = \"10m\", rollback = \"5m\" }",
    );
    let summary = run_json(&model, 50, 1);
    for figure in ["mean", "max"] {
        assert_eq!(per_upgrade(&summary, figure), 900.0, "{figure}");
    }
    assert_eq!(
        num(&summary, &["causes", "db/bad-rollout", "count"]),
        50.0 * UPGRADES
    );
    let file = write_model(&model);
    let trace = nines_ok(&["trace", file.path().to_str().unwrap(), "--year", "0"]);
    for expected in [
        "db/1: its new version is broken and does not serve; rolled back at d2 00:17:00.000",
        "upgrade 0 rolled back",
    ] {
        assert!(trace.contains(expected), "no `{expected}` in\n{trace}");
    }
}
