//! The capacity planner's questions (issue #17): where the downtime goes, against exact
//! answers.

use crate::cli::{nines, nines_ok, path_str};
use crate::markov::Ctmc;
use crate::util::{num, run_json};

const YEAR_S: f64 = 31_536_000.0;

/// One replica with two exponential failure modes, detected at once, failing only while up
/// (time to failure counts up time): a three-state chain (up, repairing crash, repairing
/// hang). Each cause's downtime per year is the expected time the chain spends in its
/// repair state over one horizon started up, computed exactly (the transient included),
/// and its standard error over the years is exact too; the shares are the ratios of the
/// simulated downtimes, and add up to 1.
#[test]
fn each_cause_gets_its_exact_downtime_and_the_shares_add_up() {
    // Means in seconds: crash every 100 h, repaired in 2 h; hang every 300 h, in 10 h.
    let (crash_every, crash_repair) = (360_000.0, 7_200.0);
    let (hang_every, hang_repair) = (1_080_000.0, 36_000.0);
    let toml = r#"name = "two causes"
up = "db"

[[component]]
name = "db"

  [[component.failure]]
  name = "crash"
  every = { dist = "exponential", mean = "100h" }
  detect = "0s"
  repair = { dist = "exponential", mean = "2h" }

  [[component.failure]]
  name = "hang"
  every = { dist = "exponential", mean = "300h" }
  detect = "0s"
  repair = { dist = "exponential", mean = "10h" }
"#;
    let years = 2000;
    let summary = run_json(toml, years, 17);
    let mut chain = Ctmc::new(3);
    chain.add(0, 1, 1.0 / crash_every);
    chain.add(0, 2, 1.0 / hang_every);
    chain.add(1, 0, 1.0 / crash_repair);
    chain.add(2, 0, 1.0 / hang_repair);
    let p0 = [1.0, 0.0, 0.0];
    let mut shares = 0.0;
    for (cause, state) in [("db/crash", 1), ("db/hang", 2)] {
        let mut reward = [0.0; 3];
        reward[state] = 1.0;
        let exact = chain.time_average(&p0, &reward, YEAR_S) * YEAR_S;
        let se = (chain.time_average_variance(&p0, &reward, YEAR_S) / years as f64).sqrt() * YEAR_S;
        let simulated = num(&summary, &["causes", cause, "downtime_per_year_s"]);
        println!("{cause}: exact {exact:.1} s/year, simulated {simulated:.1}, se {se:.1}");
        assert!(
            (simulated - exact).abs() <= 4.0 * se,
            "{cause}: {simulated} s/year against exact {exact} (se {se})"
        );
        let share = num(&summary, &["causes", cause, "share"]);
        let total = num(&summary, &["downtime_per_year_s", "mean"]);
        assert!(
            (share - simulated / total).abs() < 1e-9,
            "{cause}: share {share}"
        );
        shares += share;
    }
    assert!((shares - 1.0).abs() < 1e-12, "shares add up to {shares}");
}

/// Two components with liveness probes that detect their hangs, for the variant tests.
const PROBED: &str = r#"name = "probed"
up = "api & db"

[simulation]
years = 200

[kubernetes]
nodes = 3

[[component]]
name = "api"
start = "20s"
replicas = 2
needs = 1
liveness = { period = "10s", failure_threshold = 3 }

  [[component.failure]]
  name = "hang"
  every = { dist = "exponential", mean = "5d" }
  detect = "liveness"
  repair = "30s"

[[component]]
name = "db"
start = "20s"
liveness = { period = "10s", failure_threshold = 3 }

  [[component.failure]]
  name = "hang"
  every = { dist = "exponential", mean = "20d" }
  detect = "liveness"
  repair = "1m"

[[component]]
name = "cache"
start = "20s"
"#;

/// The `availability` column of a sweep's CSV, row by row: counted from the end, since a
/// linked key's column name is quoted and holds commas.
fn availabilities(csv: &str) -> Vec<String> {
    let mut lines = csv.lines();
    let from_end = |line: &str| line.rsplit(',').nth(13).unwrap().to_string();
    assert_eq!(from_end(lines.next().unwrap()), "availability");
    lines.map(from_end).collect()
}

/// The availability `nines run` gives for `text`, written to a file.
fn run_availability(text: &str) -> String {
    let model = crate::util::write_model(text);
    let json = nines_ok(&["run", path_str(model.path()), "--json"]);
    let summary: serde_json::Value = serde_json::from_str(&json).unwrap();
    summary["availability"]["mean"].to_string()
}

#[test]
fn linked_keys_and_wildcards_set_every_key_they_name_together() {
    let model = crate::util::write_model(PROBED);
    let edited = PROBED.replace("period = \"10s\"", "period = \"2s\"");
    let expected = run_availability(&edited);
    for pattern in [
        "component.{api,db}.liveness.period=10s,2s",
        "component.*.liveness.period=10s,2s",
    ] {
        let csv = nines_ok(&["sweep", path_str(model.path()), "--set", pattern, "--csv"]);
        let rows = availabilities(&csv);
        assert_eq!(rows.len(), 2, "{pattern}");
        assert_eq!(rows[0], run_availability(PROBED), "{pattern}");
        assert_eq!(rows[1], expected, "{pattern}: both keys took 2s");
    }
}

#[test]
fn a_key_given_twice_or_a_wildcard_that_matches_nothing_is_refused() {
    let model = crate::util::write_model(PROBED);
    let path = path_str(model.path());
    for (sets, message) in [
        (
            ["component.api.replicas=2,3", "component.api.replicas=4"],
            "component.api.replicas: `component.api.replicas` is given twice; give each key once",
        ),
        (
            [
                "component.*.liveness.period=1s",
                "component.db.liveness.period=2s",
            ],
            "`component.db.liveness.period` is given twice (by `component.*.liveness.period` \
             and by `component.db.liveness.period`)",
        ),
        (
            [
                "component.*.readiness.period=1s",
                "component.api.replicas=2",
            ],
            "`*` matches no element that has the key `readiness.period`",
        ),
    ] {
        let output = nines(&["sweep", path, "--set", sets[0], "--set", sets[1]]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{sets:?}: {stderr}");
        assert!(stderr.contains(message), "{sets:?}: {stderr}");
        assert!(output.stdout.is_empty());
    }
}

#[test]
fn trace_and_explain_inspect_the_variant_a_set_names() {
    let model = crate::util::write_model(PROBED);
    let edited = crate::util::write_model(&PROBED.replace("replicas = 2", "replicas = 3"));
    for command in [
        vec!["trace", "--year", "3"],
        vec!["explain"],
        vec!["explain", "--json"],
    ] {
        let with = |path: &std::path::Path, set: &[&str]| {
            let mut args = command.clone();
            args.push(path_str(path));
            args.extend(set);
            nines_ok(&args)
        };
        let variant = with(model.path(), &["--set", "component.api.replicas=3"]);
        // A trace's heading names the setting; what follows is the edited model's.
        let body = |text: &str| match command[0] {
            "trace" => text
                .split_once('\n')
                .map_or("", |(_, rest)| rest)
                .to_string(),
            _ => text.to_string(),
        };
        assert_eq!(
            body(&variant),
            body(&with(edited.path(), &[])),
            "{command:?}"
        );
        assert_ne!(variant, with(model.path(), &[]), "{command:?}");
    }
    let output = nines(&[
        "explain",
        path_str(model.path()),
        "--set",
        "component.api.replicas=3,4",
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr)
            .contains("a variant to inspect takes one value per key")
    );
}

#[test]
fn run_sweep_and_explain_say_why_a_model_surprises() {
    let text = r#"name = "surprising"
up = "db & cache"

[simulation]
years = 20

[kubernetes]
nodes = 3

[[component]]
name = "db"
start = "10s"
replicas = 2
needs = "all"
placement = { nodes = [1] }

  [[component.failure]]
  name = "crash"
  every = { dist = "exponential", mean = "10d" }
  repair = "1m"

[[component]]
name = "cache"
start = "10s"
"#;
    let model = crate::util::write_model(text);
    let path = path_str(model.path());
    let expected = [
        "warning: component.db.needs: \"all\" makes every replica necessary, so each added \
         replica lowers the component's availability; \"majority\" or a number makes replicas \
         redundant",
        "warning: component.db.placement: 2 replicas on 1 node (the placement list is shorter \
         than replicas), so replicas share a node and fail together with it",
        "warning: component.cache.failure: none given, so the component's replicas never fail \
         on their own",
    ];
    for args in [
        vec!["run", path],
        vec!["explain", path],
        vec![
            "sweep",
            path,
            "--set",
            "component.db.failure.crash.repair=1m,2m",
        ],
    ] {
        let output = nines(&args);
        assert!(output.status.success(), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        let warnings: Vec<&str> = stderr
            .lines()
            .filter(|l| l.starts_with("warning:"))
            .collect();
        assert_eq!(warnings, expected, "{args:?}");
    }
}

#[test]
fn a_system_that_is_never_up_is_named() {
    // Down from the first millisecond of every year until after its end.
    let text = "name = \"never\"\nup = \"db\"\n\n[[component]]\nname = \"db\"\n\n  \
                [[component.failure]]\n  name = \"crash\"\n  every = \"1ms\"\n  repair = \"2y\"\n";
    let model = crate::util::write_model(text);
    let path = path_str(model.path());
    for (args, line) in [
        (
            vec!["run", path, "--years", "3"],
            "warning: up: the system was up less than a second a year on average over 3 \
             simulated years: it is never up",
        ),
        (
            vec![
                "sweep",
                path,
                "--years",
                "3",
                "--set",
                "component.db.failure.crash.repair=2y,3y",
            ],
            "warning: variant 1: up: the system was up less than a second a year",
        ),
    ] {
        let output = nines(&args);
        assert!(output.status.success(), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(line), "{args:?}: {stderr}");
    }
}

#[test]
fn sweep_and_compare_json_carry_each_variant_and_its_verdict() {
    let model = crate::util::write_model(PROBED);
    let path = path_str(model.path());
    let args = [
        "sweep",
        path,
        "--set",
        "component.api.replicas=2,1,2",
        "--years",
        "300",
    ];
    let json: serde_json::Value =
        serde_json::from_str(&nines_ok(&[&args[..], &["--json"]].concat())).unwrap();
    assert_eq!(json["keys"], serde_json::json!(["component.api.replicas"]));
    let variants = json["variants"].as_array().unwrap();
    assert_eq!(variants.len(), 3);
    assert!(variants[0]["difference"].is_null());
    assert_eq!(variants[1]["values"]["component.api.replicas"], "1");
    // One replica instead of two (needs 1): more downtime, beyond doubt.
    assert_eq!(variants[1]["difference"]["verdict"], "worse");
    assert_eq!(
        variants[2]["difference"]["verdict"],
        "no_detectable_difference"
    );
    assert_eq!(
        variants[2]["difference"]["downtime_per_year_s"]["mean"],
        0.0
    );
    // The summaries are run's, and the figures the CSV's.
    let csv = nines_ok(&[&args[..], &["--csv"]].concat());
    let from_csv = availabilities(&csv);
    for (variant, availability) in variants.iter().zip(&from_csv) {
        assert_eq!(
            &variant["summary"]["availability"]["mean"].to_string(),
            availability
        );
    }
    let text = nines_ok(&args);
    assert!(
        text.contains("variant 1 (component.api.replicas=1): +"),
        "{text}"
    );
    assert!(text.contains(": worse\n"), "{text}");
    assert!(
        text.contains("variant 2 (component.api.replicas=2): 0s of downtime a year, 95% CI [0s, 0s]: no detectable difference"),
        "{text}"
    );
    let compared: serde_json::Value = serde_json::from_str(&nines_ok(&[
        "compare", path, path, "--years", "20", "--json",
    ]))
    .unwrap();
    assert_eq!(compared["keys"], serde_json::json!(["model"]));
    assert_eq!(compared["variants"][1]["values"]["model"], path);
}

#[test]
fn cost_is_counted_per_replica_and_node_and_shown_in_sweeps() {
    let costed = PROBED
        .replace("nodes = 3\n", "nodes = 3\nnode_cost = \"300/month\"\n")
        .replace("name = \"api\"\n", "name = \"api\"\ncost = \"0.5/h\"\n")
        .replace("name = \"db\"\n", "name = \"db\"\ncost = \"1000/y\"\n");
    let summary = run_json(&costed, 10, 1);
    // 2 api replicas at 0.5/h, 1 db at 1000/y, 3 nodes at 300 per 30 days.
    let exact = 2.0 * 0.5 * 8760.0 + 1000.0 + 3.0 * 300.0 * 365.0 / 30.0;
    assert_eq!(num(&summary, &["cost_per_year"]), exact);
    assert!(run_json(PROBED, 10, 1).get("cost_per_year").is_none());
    let model = crate::util::write_model(&costed);
    let path = path_str(model.path());
    let csv = nines_ok(&[
        "sweep",
        path,
        "--set",
        "component.api.replicas=2,3",
        "--csv",
    ]);
    let costs: Vec<f64> = csv
        .lines()
        .skip(1)
        .map(|line| line.rsplit(',').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(costs, [exact, exact + 4380.0]);
    assert!(csv.lines().next().unwrap().ends_with(",cost_per_year"));
    let text = nines_ok(&["sweep", path, "--set", "component.api.replicas=2,3"]);
    assert!(
        text.lines().nth(1).unwrap().ends_with("cost/year"),
        "{text}"
    );
    let bad = costed.replace("1000/y", "1000/week");
    let output = nines(&["run", path_str(crate::util::write_model(&bad).path())]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains(
        "component.db.cost: `\"1000/week\"`: unknown period `week`; use h, d, month or y"
    ));
}

/// The downtime per year of one replica failing after an exponential time with mean
/// `every_h` hours and repaired after an exponential time with mean `repair_h`, every year
/// starting up: the two-state chain's expected time down over one year, exactly.
fn two_state_downtime(every_h: f64, repair_h: f64) -> f64 {
    let mut chain = Ctmc::new(2);
    chain.add(0, 1, 1.0 / (every_h * 3600.0));
    chain.add(1, 0, 1.0 / (repair_h * 3600.0));
    chain.time_average(&[1.0, 0.0], &[0.0, 1.0], YEAR_S) * YEAR_S
}

/// Sensitivity to the repair time of an exponential level-1 model: the paired change of
/// downtime per year when the mean repair is halved and doubled is the difference of the
/// exact (renewal, here Markov) downtimes, within four standard errors of the paired
/// difference (recovered from its reported 95% CI).
#[test]
fn sensitivity_to_the_repair_time_matches_the_exact_change() {
    let toml = r#"name = "one"
up = "db"

[[component]]
name = "db"

  [[component.failure]]
  name = "crash"
  every = { dist = "exponential", mean = "100h" }
  detect = "0s"
  repair = { dist = "exponential", mean = "4h" }

[[component]]
name = "unused"

  [[component.failure]]
  name = "crash"
  every = "10d"
  repair = "1m"
"#;
    let model = crate::util::write_model(toml);
    let years = 3000;
    let json: serde_json::Value = serde_json::from_str(&nines_ok(&[
        "sensitivity",
        path_str(model.path()),
        "--years",
        &years.to_string(),
        "--json",
    ]))
    .unwrap();
    let parameters = json["parameters"].as_array().unwrap();
    let repair = parameters
        .iter()
        .find(|p| p["key"] == "component.db.failure.crash.repair.mean")
        .expect("the repair mean is a parameter");
    let base = two_state_downtime(100.0, 4.0);
    let t = crate::util::t975(years as f64 - 1.0);
    for (side, repair_h) in [("low", 2.0), ("high", 8.0)] {
        let change = &repair[side];
        let exact = two_state_downtime(100.0, repair_h) - base;
        let simulated = change["downtime_change_s"].as_f64().unwrap();
        let ci = change["ci95"].as_array().unwrap();
        let se = (ci[1].as_f64().unwrap() - ci[0].as_f64().unwrap()) / (2.0 * t);
        println!("{side}: exact {exact:.0} s, simulated {simulated:.0} s, se {se:.0}");
        assert!(
            se > 0.0 && se < exact.abs() / 10.0,
            "{side}: se {se} gives no power"
        );
        assert!(
            (simulated - exact).abs() <= 4.0 * se,
            "{side}: {simulated} against exact {exact} (se {se})"
        );
    }
    // One replica has no lower count; the unused component is skipped.
    let replicas = parameters
        .iter()
        .find(|p| p["key"] == "component.db.replicas");
    assert!(
        replicas.is_none(),
        "replicas is not written, so not a parameter"
    );
    assert_eq!(json["skipped"], serde_json::json!(["unused"]));
}

#[test]
fn an_invalid_sensitivity_variant_is_null_with_a_note() {
    let toml = "name = \"q\"\nup = \"db\"\n\n[[component]]\nname = \"db\"\nreplicas = 3\nneeds = 3\n\n  \
                [[component.failure]]\n  name = \"crash\"\n  every = \"30d\"\n  repair = \"1h\"\n";
    let model = crate::util::write_model(toml);
    let json: serde_json::Value = serde_json::from_str(&nines_ok(&[
        "sensitivity",
        path_str(model.path()),
        "--years",
        "20",
        "--json",
    ]))
    .unwrap();
    let replicas = json["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["key"] == "component.db.replicas")
        .unwrap();
    assert!(replicas["low"].is_null());
    assert_eq!(replicas["high"]["value"], "4");
    let note = replicas["notes"][0].as_str().unwrap();
    assert!(
        note.starts_with("component.db.replicas=2 is not a valid model: needs 3 replicas up"),
        "{note}"
    );
}

/// The table prints the halved and doubled durations in the tool's one duration format;
/// `--json` keeps them as the model text takes them (what `--set` would be given).
#[test]
fn sensitivity_prints_tried_durations_in_the_duration_format() {
    let toml = "name = \"d\"\nup = \"db\"\n\n[[component]]\nname = \"db\"\n\n  \
                [[component.failure]]\n  name = \"crash\"\n  every = \"1y\"\n  repair = \"4h\"\n";
    let model = crate::util::write_model(toml);
    let args = ["sensitivity", path_str(model.path()), "--years", "2"];
    let text = nines_ok(&args);
    let row = |key: &str| {
        let line = text.lines().find(|l| l.starts_with(key)).unwrap();
        line.split("  ")
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .collect::<Vec<_>>()
    };
    let every = row("component.db.failure.crash.every ");
    assert_eq!(
        (every[1], every[2], every[5]),
        ("1y", "182d 12h", "2y"),
        "{text}"
    );
    let repair = row("component.db.failure.crash.repair ");
    assert_eq!(
        (repair[1], repair[2], repair[5]),
        ("4h", "2h 0m", "8h 0m"),
        "{text}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&nines_ok(&[&args[..], &["--json"]].concat())).unwrap();
    let every = json["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["key"] == "component.db.failure.crash.every")
        .unwrap();
    assert_eq!(every["low"]["value"], "15768000s");
    assert_eq!(every["high"]["value"], "63072000s");
}

/// Three etcd members placed on three of five nodes: a fourth member shares a node.
const PLACED_ETCD: &str = r#"name = "placed"
up = "etcd"

[kubernetes]
nodes = 5

[[component]]
name = "etcd"
replicas = 3
needs = "majority"
start = "10s"
placement = { nodes = [2, 3, 4] }

  [[component.failure]]
  name = "crash"
  every = { dist = "exponential", mean = "30d" }
  repair = { dist = "exponential", mean = "1h" }
"#;

/// A variant that raises a model warning the model as written does not is warned about on
/// stderr, once and in sweep's sentence, and its value is marked in the table with a
/// footnote, so that its change is not read as the parameter's own.
#[test]
fn sensitivity_warns_of_what_its_variants_raise_as_sweep_does() {
    let model = crate::util::write_model(PLACED_ETCD);
    let stderr = |args: &[&str]| {
        let output = nines(args);
        assert!(output.status.success());
        let text = String::from_utf8(output.stderr).unwrap();
        let stdout = String::from_utf8(output.stdout).unwrap();
        (stdout, text)
    };
    let path = path_str(model.path());
    let warning = "warning: component.etcd.placement: 4 replicas on 3 nodes (the placement \
                   list is shorter than replicas), so replicas share a node and fail together \
                   with it\n";
    let sweep = &[
        "sweep",
        path,
        "--set",
        "component.etcd.replicas=3,4",
        "--years",
        "20",
    ];
    let (_, swept) = stderr(sweep);
    assert!(swept.contains(warning), "{swept}");
    let (table, said) = stderr(&["sensitivity", path, "--years", "20"]);
    assert_eq!(said.matches(warning).count(), 1, "{said}");
    assert_eq!(said.matches("warning:").count(), 1, "{said}");
    let row = table
        .lines()
        .find(|l| l.starts_with("component.etcd.replicas "))
        .unwrap();
    let cells: Vec<&str> = row
        .split("  ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect();
    assert_eq!((cells[2], cells[5]), ("2", "4*"), "{table}");
    assert!(
        table.contains(
            "\n* component.etcd.replicas=4: the variant raises a warning the model as written \
             does not (component.etcd.placement, on stderr)"
        ),
        "{table}"
    );
    assert_eq!(table.matches('*').count(), 2, "{table}");
    // `--json` has no warnings, as sweep's has none; stderr says them the same.
    let (_, said) = stderr(&["sensitivity", path, "--years", "20", "--json"]);
    assert!(said.contains(warning), "{said}");
    // The model as written's own warnings come first, as run and sweep say them.
    let (_, said) = stderr(&["sensitivity", "models/milvus-ha-l1.toml", "--years", "2"]);
    assert!(
        said.starts_with("warning: component.querynode.needs: \"all\" makes every replica"),
        "{said}"
    );
}

/// A probability is a parameter like any other: halved and doubled as written. A bad
/// rollout's moves the downtime; `backup.fails` moves only the data lost, so its paired
/// change in downtime is exactly nothing.
#[test]
fn sensitivity_varies_probabilities() {
    let toml = r#"name = "rollouts"
up = "api"

[kubernetes]
nodes = 3

[maintenance]
upgrade = { every = "30d", start = "2d" }
bad_rollout = { probability = "2%", detect = "10m", rollback = "5m" }

[backup]
every = "1d"
duration = "1h"
fails = 0.6
restore = "2h"

[[incident]]
name = "dropped"
kind = "logical"
every = { dist = "exponential", mean = "1y" }
detect = "1h"

[[component]]
name = "api"
replicas = 2
start = "10s"

  [[component.failure]]
  name = "crash"
  every = { dist = "exponential", mean = "30d" }
  repair = "1m"
"#;
    let model = crate::util::write_model(toml);
    let json: serde_json::Value = serde_json::from_str(&nines_ok(&[
        "sensitivity",
        path_str(model.path()),
        "--years",
        "300",
        "--json",
    ]))
    .unwrap();
    let parameter = |key: &str| {
        let parameters = json["parameters"].as_array().unwrap();
        let found = parameters.iter().find(|p| p["key"] == key);
        found
            .unwrap_or_else(|| panic!("{key} in {parameters:?}"))
            .clone()
    };
    let rollout = parameter("maintenance.bad_rollout.probability");
    assert_eq!(
        (
            &rollout["value"],
            &rollout["low"]["value"],
            &rollout["high"]["value"]
        ),
        (&"2%".into(), &"1%".into(), &"4%".into())
    );
    let change = |side: &str| rollout[side]["downtime_change_s"].as_f64().unwrap();
    let ci_low = rollout["high"]["ci95"][0].as_f64().unwrap();
    assert!(change("low") < 0.0 && ci_low > 0.0, "{rollout}");
    // A fraction stays a fraction, and doubling stops at certainty.
    let fails = parameter("backup.fails");
    assert_eq!(
        (&fails["low"]["value"], &fails["high"]["value"]),
        (&"0.3".into(), &"1.0".into())
    );
    for side in ["low", "high"] {
        assert_eq!(fails[side]["downtime_change_s"], 0.0, "{fails}");
    }
}
