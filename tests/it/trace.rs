//! `nines trace` for a class: day and clock times, one duration format, `--seconds`, and
//! `--worst`, the year the report calls the worst.

use crate::cli::{nines_ok, path_str, read};

/// Whether `stamp` reads `dN HH:MM:SS.mmm`.
fn is_day_clock(stamp: &str) -> bool {
    let Some((day, clock)) = stamp.strip_prefix('d').and_then(|s| s.split_once(' ')) else {
        return false;
    };
    let shape: Vec<bool> = clock.chars().map(|c| c.is_ascii_digit()).collect();
    day.parse::<u32>().is_ok()
        && shape
            == [
                true, true, false, true, true, false, true, true, false, true, true, true,
            ]
        && clock.as_bytes()[2] == b':'
        && clock.as_bytes()[8] == b'.'
}

#[test]
fn times_read_as_day_and_clock_and_durations_in_one_format() {
    let trace = nines_ok(&["trace", "models/etcd-quorum.toml", "--year", "0"]);
    let events: Vec<&str> = trace.lines().filter(|l| !l.starts_with('#')).collect();
    assert!(events.len() > 10, "{trace}");
    for line in &events {
        let stamp = line[..19].trim_start();
        assert!(is_day_clock(stamp), "{line}");
        // No duration in raw seconds past a minute: `lasted 5h16m23.172232s`, never `18983.17s`.
        for word in line.split([' ', ',', '(', ')']) {
            if let Some(Ok(secs)) = word.strip_suffix('s').map(str::parse::<f64>) {
                assert!(secs < 60.0, "{line}");
            }
        }
    }
    let outage = events.iter().find(|l| l.contains("outage ends")).unwrap();
    assert!(outage.contains("started at d"), "{outage}");
    let seconds = nines_ok(&[
        "trace",
        "models/etcd-quorum.toml",
        "--year",
        "0",
        "--seconds",
    ]);
    assert_eq!(seconds.lines().count(), trace.lines().count());
    assert!(seconds.contains("#       time_s  event"), "{seconds}");
}

/// `--worst` traces the year with the most downtime of the run (the first of equals), as
/// years.csv of the same run shows it.
#[test]
fn worst_traces_the_year_with_the_most_downtime() {
    let dir = tempfile::tempdir().unwrap();
    let model = "models/etcd-quorum.toml";
    nines_ok(&[
        "run",
        model,
        "--years",
        "300",
        "--out",
        path_str(dir.path()),
    ]);
    let years = read(dir.path().join("years.csv"));
    let mut worst = (0u64, -1.0f64);
    for line in years.lines().skip(1) {
        let fields: Vec<&str> = line.split(',').collect();
        let downtime: f64 = fields[2].parse().unwrap();
        if downtime > worst.1 {
            worst = (fields[0].parse().unwrap(), downtime);
        }
    }
    let trace = nines_ok(&["trace", model, "--worst", "--years", "300", "--seconds"]);
    assert!(
        trace.starts_with(&format!("# three-node etcd: year {} of seed 1", worst.0)),
        "{trace}"
    );
    assert!(
        trace
            .trim_end()
            .ends_with(&format!("downtime {}s", worst.1)),
        "{trace}"
    );
}

/// A level-2 model with fixed durations: a hang found by liveness, killed after a 7 s
/// grace period, a 20 s start, a 3 s endpoint propagation; query nodes whose share moves
/// to the other node when the session expires and loads in 60 s.
const STEPS_MODEL: &str = r#"
name = "steps"
up = "api & querynode"
[simulation]
horizon = "30d"
[kubernetes]
nodes = 2
endpoint_propagation = "3s"
[[component]]
name = "api"
start = "20s"
termination_grace_period = "7s"
liveness = { period = "10s", timeout = "5s", failure_threshold = 3 }
  [[component.failure]]
  name = "hang"
  every = { dist = "exponential", mean = "5d" }
  detect = "liveness"
  repair = "restart"
[[component]]
name = "etcd"
workload = "external"
[[component]]
name = "querynode"
replicas = 2
needs = "all"
start = "10m"
session = { store = "etcd", ttl = "30s" }
reassign = { load = "60s" }
  [[component.failure]]
  name = "crash"
  every = { dist = "exponential", mean = "5d" }
  detect = "exit"
  repair = "restart"
"#;

/// The instant (seconds) of the first line of `lines` from `start` on that contains `what`.
fn instant_of(lines: &[&str], start: usize, what: &str) -> (usize, f64) {
    let index = (start..lines.len())
        .find(|&i| lines[i].contains(what))
        .unwrap_or_else(|| panic!("no `{what}` after line {start}"));
    let time = lines[index].split_whitespace().next().unwrap();
    (index, time.parse().unwrap())
}

/// At level 2, each step of a failover is a line of its own at its exact instant: the
/// hang's detection, the kill after the grace period, the start, the process up after
/// `start`, the endpoints after `endpoint_propagation`; the query node's session expiry
/// 20-30 s after its crash (what is left of a 30 s lease) and its share loaded on the
/// other node 60 s later.
#[test]
fn level_two_failovers_show_each_step_at_its_instant() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("steps.toml");
    std::fs::write(&model, STEPS_MODEL).unwrap();
    let trace = nines_ok(&["trace", path_str(&model), "--year", "0", "--seconds"]);
    let lines: Vec<&str> = trace.lines().filter(|l| !l.starts_with('#')).collect();
    let near = |a: f64, b: f64| (a - b).abs() < 1e-6;
    let (fail, failed) = instant_of(&lines, 0, "api/0 fails (hang)");
    let (_, detected) = instant_of(&lines, fail, "api/0: the liveness probe fails");
    // Detection: the first probe tick after the hang, then 2 periods and a timeout.
    assert!((25.0..=35.0).contains(&(detected - failed)), "{trace}");
    let (_, killed) = instant_of(&lines, fail, "api/0: the hung container is killed");
    assert!(near(killed, detected + 7.0), "{trace}");
    let (_, started) = instant_of(&lines, fail, "api/0: the container starts");
    assert!(
        near(started, killed),
        "first restart without back-off: {trace}"
    );
    let (_, up) = instant_of(&lines, fail, "api/0: the process has started");
    assert!(near(up, started + 20.0), "{trace}");
    let (_, propagated) = instant_of(&lines, fail, "api/0: the endpoint change reaches");
    assert!(near(propagated, up + 3.0), "{trace}");
    let (_, back) = instant_of(&lines, fail, "api/0 serves again");
    assert!(near(back, propagated), "{trace}");

    let (crash, crashed) = instant_of(&lines, 0, "querynode/0 fails (crash)");
    let (_, exited) = instant_of(
        &lines,
        crash,
        "querynode/0: the kubelet sees the container exit",
    );
    assert!((0.0..=1.0).contains(&(exited - crashed)), "{trace}");
    let (_, expired) = instant_of(&lines, crash, "querynode/0: its session expires");
    assert!((20.0..=30.0).contains(&(expired - crashed)), "{trace}");
    let (_, loaded) = instant_of(&lines, crash, "querynode/0: its share is loaded on another");
    assert!(near(loaded, expired + 60.0), "{trace}");
    let (_, served) = instant_of(&lines, crash, "querynode/0 serves again");
    assert!(near(served, loaded), "{trace}");
    // The time column never goes back.
    let times: Vec<f64> = lines
        .iter()
        .map(|l| l.split_whitespace().next().unwrap().parse().unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{trace}");
}

/// A component that never fails, hourly backups taking 10 min (`retention` a line, or
/// none) restored in 1 h, a dropped collection every 100 days noticed after `detect`, and
/// `tables` appended; the trace of its year 0.
fn incident_trace(retention: &str, detect: &str, tables: &str) -> String {
    let model = crate::util::write_model(&format!(
        r#"name = "inc"
up = "db"
[[component]]
name = "db"
[backup]
every = "1h"
duration = "10m"
{retention}
restore = "1h"
[[incident]]
name = "dropped"
kind = "logical"
every = "100d"
detect = "{detect}"
{tables}"#
    ));
    nines_ok(&["trace", path_str(model.path()), "--year", "0"])
}

/// Incidents are traced as events of their own, at their instants: with fixed durations, a
/// dropped collection every 100 days (noticed after 30 min) is restored from the hourly
/// backup started an hour before it (the one started at 23:00 finished at 23:10) and serves
/// 30 min + 1 h after it struck; the site lost at day 130 fails over to the standby in
/// 5 min + 10 min, losing the 5 s lag.
#[test]
fn incidents_are_traced_step_by_step() {
    let standby = r#"[replication]
lag = "5s"
failover = "10m"
[[incident]]
name = "flood"
kind = "site"
every = "130d"
detect = "5m"
repair = "1d"
"#;
    let trace = incident_trace("", "30m", standby);
    let incident_lines: Vec<&str> = (trace.lines())
        .filter(|l| l.contains("incident `"))
        .take(8)
        .collect();
    let expected = [
        "  d100 00:00:00.000  incident `dropped` (logical) strikes: the system is down",
        "  d100 00:30:00.000  incident `dropped` is noticed",
        "  d100 00:30:00.000  incident `dropped`: restore from the backup started at \
         d99 23:00:00.000: 1h 0m of data lost",
        "  d100 01:30:00.000  incident `dropped` is over: the service serves again",
        "  d130 00:00:00.000  incident `flood` (site) strikes: the system is down",
        "  d130 00:05:00.000  incident `flood` is noticed",
        "  d130 00:05:00.000  incident `flood`: the standby site takes over: 5.0s of data lost \
         (the lag)",
        "  d130 00:15:00.000  incident `flood` is over: the service serves again",
    ];
    assert_eq!(incident_lines, expected, "{trace}");
    assert!(trace.contains("  d100 01:30:00.000  system UP"), "{trace}");
}

/// Backups kept an hour and a detection of two hours: the newest backup before the damage
/// is deleted by the time the restore begins, and the trace says the data is lost for good.
#[test]
fn an_unrecoverable_incident_is_traced_as_such() {
    let trace = incident_trace("retention = \"1h\"", "2h", "");
    for line in [
        "  d100 02:00:00.000  incident `dropped`: no usable backup or standby: the data is lost \
         for good",
        "  d100 03:00:00.000  incident `dropped` is over: the service serves again",
    ] {
        assert!(trace.lines().any(|l| l == line), "{line}\n{trace}");
    }
}

/// A pod whose every restart is killed before it serves (a liveness probe of 1 s from 5 s on,
/// a start of 10 s) never serves again that year: the trace says so, not a repair of "never"
/// less the detection, printed as 584942 years.
#[test]
fn a_replica_that_never_serves_again_is_said_to() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("loop.toml");
    let source = r#"name = "crash loop"
up = "web"
[kubernetes]
nodes = 2
[[component]]
name = "web"
replicas = 1
start = "10s"
liveness = { initial_delay = "5s", period = "1s", timeout = "1s", failure_threshold = 1 }
  [[component.failure]]
  name = "crash"
  every = { dist = "exponential", mean = "30d" }
  detect = "exit"
  repair = "restart"
"#;
    std::fs::write(&model, source).unwrap();
    let text = nines_ok(&["trace", path_str(&model), "--year", "0"]);
    let failure = text
        .lines()
        .find(|line| line.contains("web/0 fails"))
        .unwrap_or_else(|| panic!("a failure in year 0: {text}"));
    assert!(
        failure.ends_with("then it does not serve again within the year"),
        "{failure}"
    );
    assert!(!text.contains("repair takes 5849"), "{text}");
    // The first restart is shown, then how many starts the probe killed since it began.
    let after: Vec<&str> = text
        .lines()
        .skip_while(|line| !line.contains("web/0 fails"))
        .collect();
    let started = after
        .iter()
        .position(|l| l.ends_with("web/0: the container starts"));
    let killed = after
        .iter()
        .position(|l| l.contains("starts killed since the first began"));
    assert!(
        matches!((started, killed), (Some(s), Some(k)) if s < k),
        "{text}"
    );
    // `run` says so before it runs, as `explain` does.
    let run = crate::cli::nines(&["run", path_str(&model), "--years", "5"]);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains("warning: component.web.liveness: the probe kills 100% of restarts"),
        "{stderr}"
    );
}

/// A trace of a variant names its settings in its heading: saved, it must not read as the
/// model as written.
#[test]
fn a_variants_trace_names_its_settings() {
    let text = nines_ok(&[
        "trace",
        "models/single-server.toml",
        "--year",
        "0",
        "--set",
        "simulation.seed=5",
    ]);
    let heading = text.lines().next().unwrap_or_default();
    assert!(heading.ends_with(", --set simulation.seed=5"), "{heading}");
}

/// `--years` sizes the run `--worst` searches; beside `--year` it would be ignored, so it is
/// a usage error (exit status 2), as the synopsis says.
#[test]
fn years_beside_a_year_is_a_usage_error() {
    let output = crate::cli::nines(&[
        "trace",
        "models/etcd-quorum.toml",
        "--year",
        "5",
        "--years",
        "10",
    ]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("cannot be used with '--years"), "{stderr}");
}
