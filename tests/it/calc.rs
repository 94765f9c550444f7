//! `nines calc` end to end: each form's formula and answer, its JSON fields exactly, the
//! simulation beside the closed form, the generated model, and the errors.

use crate::cli::{nines, nines_ok, path_str};
use serde_json::Value;

fn json(args: &[&str]) -> Value {
    let mut args = args.to_vec();
    args.push("--json");
    serde_json::from_str(&nines_ok(&args)).expect("calc --json prints JSON")
}

/// The object's keys, sorted.
fn keys(value: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = value
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    keys
}

fn close(value: &Value, expected: f64) {
    let actual = value
        .as_f64()
        .unwrap_or_else(|| panic!("{value} is not a number"));
    assert!(
        (actual - expected).abs() <= 1e-12 * expected.abs().max(1e-300),
        "{actual} is not {expected}"
    );
}

#[test]
fn each_form_prints_its_formula_with_the_numbers() {
    let cases: [(&[&str], &[&str]); 7] = [
        (
            &["calc", "nines", "99.95%"],
            &[
                "down  = 1 - 0.9995 = 0.0005",
                "downtime a year    0.0005 x 365 d   = 4.38 h",
            ],
        ),
        (
            &["calc", "downtime", "8h45m36s", "--per", "year"],
            &[
                "down  = 8.76 h / 365 d = 0.001",
                "A     = 1 - 0.001 = 0.999 (99.9%)",
            ],
        ),
        (
            &["calc", "component", "--mttf", "30d", "--mttr", "5m"],
            // 8640/8641 = 0.99988427..., shown rounded down: never more than there is.
            &["A = MTTF / (MTTF + MTTR) = 30 d / (30 d + 5 min) = 0.9998842 (99.98842%)"],
        ),
        (
            &["calc", "series", "99.99%", "99.95%"],
            &["A = 0.9999 x 0.9995", "= 0.99940005 (99.940005%)"],
        ),
        (
            &["calc", "parallel", "99%", "99%"],
            &[
                "A = 1 - (1 - 0.99) x (1 - 0.99)",
                "= 0.9999 (99.99%)",
                "52.56 min",
            ],
        ),
        (
            &["calc", "kofn", "2", "99.9%", "99.9%", "99.9%"],
            &[
                "= 3 x 0.999^2 x 0.001^1 + 1 x 0.999^3 x 0.001^0",
                "= 0.002994003 + 0.997002999",
                "= 0.999997002",
            ],
        ),
        (
            &["calc", "budget", "99.9%", "--window", "30d"],
            &[
                "budget = (1 - 0.999) x 30 d = 0.001 x 30 d = 43.2 min",
                "14.4  1 h          5 min         14.4 x 1 h / 30 d = 2%",
                "1     3 d          6 h           1 x 3 d / 30 d = 10%",
            ],
        ),
    ];
    for (args, lines) in cases {
        let text = nines_ok(args);
        for line in lines {
            assert!(text.contains(line), "{args:?} lacks {line:?}:\n{text}");
        }
        for line in text.lines() {
            assert!(
                line.chars().count() <= 100,
                "{args:?}: a line over 100 columns: {line}"
            );
        }
    }
}

#[test]
fn the_json_has_the_fields_of_the_cli_reference() {
    let v = json(&["calc", "nines", "99.95%"]);
    assert_eq!(keys(&v), ["availability", "downtime_s", "nines"]);
    assert_eq!(
        keys(&v["downtime_s"]),
        ["day", "month", "quarter", "week", "year"]
    );
    close(&v["downtime_s"]["year"], 15_768.0);
    close(&v["downtime_s"]["quarter"], 3_942.0);
    let v = json(&["calc", "downtime", "4h", "--per", "month"]);
    assert_eq!(keys(&v), ["availability", "nines"]);
    close(&v["availability"], 1.0 - 4.0 / 720.0);
    let v = json(&["calc", "component", "--mttf", "30d", "--mttr", "5m"]);
    assert_eq!(
        keys(&v),
        ["availability", "downtime_s", "failures_per_year", "nines"]
    );
    close(&v["failures_per_year"], 525_600.0 / 43_205.0);
    for form in [
        &["calc", "series", "99.99%", "99.95%"][..],
        &["calc", "parallel", "99%", "99%"],
        &["calc", "kofn", "2", "0.999", "0.999", "0.999"],
    ] {
        assert_eq!(keys(&json(form)), ["availability", "nines"], "{form:?}");
    }
    close(&json(&["calc", "parallel", "99%", "99%"])["nines"], 4.0);
    assert_eq!(json(&["calc", "nines", "100%"])["nines"], Value::Null);
    let v = json(&["calc", "budget", "99.9%", "--window", "30d"]);
    assert_eq!(keys(&v), ["alerts", "budget_s"]);
    close(&v["budget_s"], 2_592.0);
    let alerts = v["alerts"].as_array().unwrap();
    assert_eq!(alerts.len(), 3);
    assert_eq!(
        keys(&alerts[0]),
        ["budget_share", "burn_rate", "short_window_s", "window_s"]
    );
    for (alert, (burn, window, share)) in alerts.iter().zip([
        (14.4, 3_600.0, 0.02),
        (6.0, 21_600.0, 0.05),
        (1.0, 259_200.0, 0.1),
    ]) {
        close(&alert["burn_rate"], burn);
        close(&alert["window_s"], window);
        close(&alert["short_window_s"], window / 12.0);
        close(&alert["budget_share"], share);
    }
}

#[test]
fn bad_arguments_are_named_with_exit_status_2() {
    let cases: [(&[&str], &str); 8] = [
        (
            &["calc", "nines", "101%"],
            "the availability: `101%` is not an availability: it is over 100%",
        ),
        (
            &["calc", "nines", "0"],
            "`0` is not an availability: a system that is never up",
        ),
        (
            &["calc", "parallel", "99%", "99.9"],
            "member 2: `99.9` is not an availability: a fraction is at most 1; write 99.9% for a percentage",
        ),
        (
            &["calc", "kofn", "4", "99%", "99%", "99%"],
            "k: 4 of 3 members: k must be from 1 to the number of members (3)",
        ),
        (
            &["calc", "downtime", "2d", "--per", "day"],
            "the downtime: `2d` is longer than the day",
        ),
        (
            &["calc", "component", "--mttf", "30", "--mttr", "5m"],
            "--mttf: `30` is not a duration: `30` has no unit",
        ),
        (
            &["calc", "budget", "100%"],
            "the objective: 100% allows no downtime",
        ),
        (
            &["calc", "parallel", "99%", "100%", "--simulate"],
            "member 2: 100% never fails",
        ),
    ];
    for (args, message) in cases {
        let output = nines(args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(message), "{args:?}: {stderr}");
        assert!(output.stdout.is_empty(), "{args:?} printed an answer");
    }
}

/// `--simulate` prints the simulated figure beside the closed form, and `--emit-model`
/// writes a model that `nines run` reads and simulates to the same figure.
#[test]
fn the_simulation_stands_beside_the_closed_form() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("two.toml");
    let text = nines_ok(&[
        "calc",
        "parallel",
        "99%",
        "99%",
        "--simulate",
        "--years",
        "1000",
        "--emit-model",
        path_str(&model),
    ]);
    assert!(text.contains("  closed form  0.9999\n"), "{text}");
    assert!(text.contains("  simulated    "), "{text}");
    assert!(text.contains("meets the formula's assumptions"), "{text}");
    let run: Value = serde_json::from_str(&nines_ok(&["run", path_str(&model), "--json"])).unwrap();
    let simulated = text
        .lines()
        .find_map(|line| line.strip_prefix("  simulated    "))
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap();
    let mean = run["availability"]["mean"].as_f64().unwrap();
    let places = simulated.len() - 2;
    assert_eq!(format!("{mean:.places$}"), simulated);
    assert_eq!(run["years"], 1000);

    let broken = nines_ok(&[
        "calc",
        "parallel",
        "99%",
        "99%",
        "--simulate",
        "--years",
        "200",
        "--failover",
        "30s",
    ]);
    assert!(
        broken.contains(
            "breaks the formula's assumptions (each loss of the leader costs a 30 s failover)"
        ),
        "{broken}"
    );
}

/// An availability that is never down reads as 100%, not `100 - 0%`, and says it has
/// infinitely many nines.
#[test]
fn never_down_reads_as_one_hundred_percent() {
    let nines = nines_ok(&["calc", "nines", "100%"]);
    assert_eq!(
        nines.lines().next(),
        Some("100% up: never down (infinitely many nines)"),
        "{nines}"
    );
    let component = nines_ok(&["calc", "component", "--mttf", "30d", "--mttr", "0s"]);
    assert!(
        component.contains("  A = MTTF / (MTTF + MTTR) = 30 d / (30 d + 0 s) = 1 (100%)\n"),
        "{component}"
    );
    assert!(!component.contains("100 - 0%"), "{component}");
}

/// Downtimes below a microsecond are nanoseconds, so a table keeps one kind of unit.
#[test]
fn tiny_downtimes_keep_one_kind_of_unit() {
    let text = nines_ok(&["calc", "nines", "99.99999999999%"]);
    for line in [
        "  downtime a year    1e-13 x 365 d   = 3.154 µs",
        "  downtime a quarter 1e-13 x 91.25 d = 788.4 ns",
        "  downtime a month   1e-13 x 30 d    = 259.2 ns",
        "  downtime a week    1e-13 x 7 d     = 60.48 ns",
        "  downtime a day     1e-13 x 1 d     = 8.64 ns",
    ] {
        assert!(
            text.contains(&format!("{line}\n")),
            "{line:?} not in\n{text}"
        );
    }
}

/// A model that `--emit-model` cannot write fails before anything is printed, as `--out`
/// and `--junit` do: no answer on standard output, exit status 2.
#[test]
fn an_unwritable_emitted_model_fails_before_printing() {
    let dir = tempfile::tempdir().unwrap();
    let output = nines(&[
        "calc",
        "parallel",
        "99%",
        "99%",
        "--simulate",
        "--years",
        "200",
        "--emit-model",
        path_str(dir.path()),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(String::from_utf8_lossy(&output.stdout), "");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.starts_with("error: cannot write "), "{stderr}");
}

/// A whole number where an availability belongs gets the hint of what it probably meant: a
/// count of nines for `nines`, a count of members for `kofn`.
#[test]
fn whole_numbers_get_the_hint_of_what_they_probably_meant() {
    let stderr = |args: &[&str]| {
        let output = nines(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(output.stdout.is_empty());
        String::from_utf8(output.stderr).unwrap()
    };
    assert_eq!(
        stderr(&["calc", "nines", "5"]),
        "error: the availability: `5` is not an availability: a fraction is at most 1; write \
         99.999% for 5 nines, or 5% for a percentage\n"
    );
    assert_eq!(
        stderr(&["calc", "kofn", "2", "3", "99.9%"]),
        "error: member 1: `3` is not an availability: kofn takes K and then each member's \
         availability, not a count of members (kofn 2 99.9% 99.9% 99.9%); write 3% for a \
         percentage\n"
    );
    // A percentage without its sign keeps the plain hint.
    assert_eq!(
        stderr(&["calc", "nines", "99.9"]),
        "error: the availability: `99.9` is not an availability: a fraction is at most 1; \
         write 99.9% for a percentage\n"
    );
}

/// `series` simulates too, as `parallel` and `kofn` do: two members in series, each 99.9%
/// and repaired in 1 h, are up 0.998001 of the time.
#[test]
fn series_simulates_too() {
    let text = nines_ok(&[
        "calc",
        "series",
        "99.9%",
        "99.9%",
        "--simulate",
        "--years",
        "200",
    ]);
    assert!(text.contains("  closed form  0.998001\n"), "{text}");
    assert!(text.contains("  simulated    "), "{text}");
}

/// `--simulate --json` keeps the simulation: a `simulated` object beside the closed form's
/// fields, its figures those the text prints.
#[test]
fn the_json_keeps_the_simulation() {
    let args = [
        "calc",
        "parallel",
        "99%",
        "99%",
        "--simulate",
        "--years",
        "300",
    ];
    let value = json(&args);
    assert_eq!(keys(&value), ["availability", "nines", "simulated"]);
    let simulated = &value["simulated"];
    assert_eq!(
        keys(simulated),
        [
            "availability",
            "difference",
            "difference_se",
            "meets_assumptions",
            "seed",
            "standard_error",
            "years"
        ]
    );
    assert_eq!(simulated["years"], 300);
    assert_eq!(simulated["seed"], 1);
    assert_eq!(simulated["meets_assumptions"], true);
    let mean = simulated["availability"]["mean"].as_f64().unwrap();
    close(&simulated["difference"], mean - 0.9999);
    let se = simulated["standard_error"].as_f64().unwrap();
    close(&simulated["difference_se"], (mean - 0.9999) / se);
    let text = nines_ok(&args);
    let shown = text
        .lines()
        .find_map(|line| line.strip_prefix("  simulated    "))
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap();
    let places = shown.len() - 2;
    assert_eq!(format!("{mean:.places$}"), shown);
    // Without --simulate, the closed form alone.
    assert_eq!(
        keys(&json(&["calc", "parallel", "99%", "99%"])),
        ["availability", "nines"]
    );
}

/// A system that is always down has 0 nines, not -0; one member reads as one; a k-of-n
/// with a single term does not print its value twice.
#[test]
fn degenerate_forms_read_as_a_person_would_write_them() {
    let always_down = nines_ok(&["calc", "downtime", "1y", "--per", "year"]);
    assert!(
        always_down.contains("nines = -log10(1) = 0\n"),
        "{always_down}"
    );
    let nines = json(&["calc", "downtime", "1y", "--per", "year"])["nines"].clone();
    assert!(
        nines
            .as_f64()
            .is_some_and(|n| n == 0.0 && n.is_sign_positive()),
        "{nines}"
    );
    let parallel = nines_ok(&["calc", "parallel", "99%"]);
    assert!(
        parallel.starts_with("In parallel: up while its one member is up:\n"),
        "{parallel}"
    );
    let series = nines_ok(&["calc", "series", "99%", "99.9%"]);
    assert!(
        series.starts_with("In series: up only while both members are up:\n"),
        "{series}"
    );
    let all = nines_ok(&["calc", "kofn", "3", "99%", "99%", "99%"]);
    assert_eq!(all.matches("= 0.970299").count(), 1, "{all}");
}

/// `--threads` sets the simulation's threads, and the result does not depend on it.
#[test]
fn simulate_takes_threads() {
    let args = [
        "calc",
        "kofn",
        "2",
        "99%",
        "99%",
        "99%",
        "--simulate",
        "--years",
        "300",
    ];
    let one = nines_ok(&[&args[..], &["--threads", "1"]].concat());
    let two = nines_ok(&[&args[..], &["--threads", "2"]].concat());
    assert_eq!(one, two);
    let without = nines(&["calc", "parallel", "99%", "--threads", "1"]);
    assert_eq!(without.status.code(), Some(2));
}

/// One simulated year has no standard error, so the difference is not counted in them and
/// nothing is said to agree; a broken assumption whose downtime is within the noise is not
/// said to be shown by the simulation.
#[test]
fn the_simulation_claims_only_what_its_standard_error_shows() {
    let one = json(&[
        "calc",
        "parallel",
        "99%",
        "99%",
        "--simulate",
        "--years",
        "1",
    ]);
    assert_eq!(one["simulated"]["standard_error"], Value::Null, "{one}");
    assert_eq!(one["simulated"]["difference_se"], Value::Null, "{one}");
    let text = nines_ok(&[
        "calc",
        "parallel",
        "99%",
        "99%",
        "--simulate",
        "--years",
        "1",
    ]);
    assert!(text.contains("one simulated year gives none"), "{text}");
    assert!(!text.contains("agree within"), "{text}");
    // Two of three 99.9% members with a failover per loss of the leader, 2000 years.
    let with_failover = |failover: &str| {
        let mut args = vec!["calc", "kofn", "2", "99.9%", "99.9%", "99.9%", "--simulate"];
        args.extend(["--years", "2000", "--failover", failover]);
        nines_ok(&args)
    };
    // 2 s: about 1e-7 of the time, below what 2000 years can tell from noise (a standard
    // error of about 3e-7).
    let text = with_failover("2s");
    assert!(text.contains("too small to tell from noise"), "{text}");
    assert!(!text.contains("shows the downtime"), "{text}");
    // 10 min costs far more than the noise: shown.
    let text = with_failover("10m");
    assert!(
        text.contains("shows the downtime the formula leaves out"),
        "{text}"
    );
}

/// A figure shown to fewer digits than it has is rounded so as never to show more
/// availability (or less downtime) than there is: 52m34s down a year is 99.98999873% up,
/// below four nines, and must not read as 99.99% or 4 nines. Near the ends the digits that
/// matter are shown: 1 - (1 - 1e-16), and an availability of 3.171e-11.
#[test]
fn rounded_figures_never_cross_a_threshold_they_do_not_reach() {
    let text = nines_ok(&["calc", "downtime", "52m34s"]);
    assert!(text.contains("is 99.98999% up"), "{text}");
    assert!(text.contains("= 0.0001001\n"), "{text}");
    assert!(
        text.contains("nines = -log10(0.0001001) = 3.999\n"),
        "{text}"
    );
    let text = nines_ok(&["calc", "downtime", "52m33s"]);
    assert!(text.contains("= 4\n"), "52m33s is above four nines: {text}");
    let text = nines_ok(&["calc", "nines", "99.99999999999999%"]);
    assert!(text.contains("down  = 1 - (1 - 1e-16) = 1e-16"), "{text}");
    let text = nines_ok(&["calc", "component", "--mttf", "1ms", "--mttr", "1y"]);
    assert!(text.contains("= 3.171e-11 ("), "{text}");
    assert!(text.contains("nines = -log10(1 - 3.171e-11)"), "{text}");
    // Sixteen decimals of a share up near 1 come from its share down (1.2346e-13 here,
    // shown rounded up as 1.235e-13): the fraction and the percentage show the same digits,
    // not the double's 0.9999999999998767 beside 99.99999999998766%.
    let a = "99.996863%";
    let text = nines_ok(&["calc", "kofn", "2", a, a, a, a]);
    assert!(
        text.contains("= 0.9999999999998765 (99.99999999998765%)\n"),
        "{text}"
    );
    // Seventeen decimals at most: the digits the share down has past them round the share
    // up shown down (99.999999999876543%, not ...544% above the true ...5436%).
    let text = nines_ok(&["calc", "nines", "0.999999999998765436"]);
    assert!(text.starts_with("99.999999999876543% up"), "{text}");
}

/// A parallel whose share down is below what a double holds keeps its nines (the members'
/// added up); a series of one member is that member, exactly.
#[test]
fn nines_survive_underflow_and_a_lone_member() {
    let mut args = vec!["calc", "parallel"];
    args.extend(std::iter::repeat_n("99%", 200));
    let answer = json(&args);
    close(&answer["nines"], 400.0);
    assert!(nines_ok(&args).contains("nines = 400, the members' nines added up"));
    let lone = json(&["calc", "series", "99.9%"]);
    assert_eq!(lone["nines"], 3.0, "{lone}");
    // One of 400 is down only when all are: 400 nines again, the terms elided, and the
    // binomial coefficients whole.
    let mut args = vec!["calc", "kofn", "1"];
    args.extend(std::iter::repeat_n("90%", 400));
    close(&json(&args)["nines"], 400.0);
    let text = nines_ok(&args);
    assert!(
        text.contains(" + 400 x 0.9^399 x 0.1^1 + 1 x 0.9^400 x 0.1^0 (400 terms)"),
        "{text}"
    );
}

/// Alerts that cannot serve are named: burn rates beyond what everything down burns, and
/// long windows longer than the budget's.
#[test]
fn budget_names_the_alerts_that_cannot_serve() {
    let half = nines_ok(&["calc", "budget", "50%"]);
    assert!(
        half.contains("The burn rates 14.4 and 6: never reached"),
        "{half}"
    );
    assert!(half.contains("1 / 0.5 = 2;"), "{half}");
    let day = nines_ok(&["calc", "budget", "99.9%", "--window", "1d"]);
    assert!(
        day.contains("The long window of the burn rate 1 is longer"),
        "{day}"
    );
    let month = nines_ok(&["calc", "budget", "99.9%"]);
    assert!(
        !month.contains("never reached") && !month.contains("is longer"),
        "{month}"
    );
}

/// A question of many members simulates: the generated model's name, the question, is cut
/// to the 256 characters a model name may have (60 members made 371 and an error naming a
/// file the user never wrote).
#[test]
fn many_members_simulate() {
    let mut args = vec!["calc", "kofn", "2"];
    args.extend(std::iter::repeat_n("99.9%", 60));
    args.extend(["--simulate", "--years", "10"]);
    let answer = json(&args);
    assert_eq!(answer["simulated"]["years"], 10, "{answer}");
}

/// The emitted model's header is the command that makes it, options included (it left out
/// `--failover` and `--detect`, found by a user's trial).
#[test]
fn the_emitted_models_header_names_every_option() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("kofn.toml");
    let args = ["calc", "kofn", "2", "99.9%", "99.9%", "99.9%"];
    let options = [
        "--mttr",
        "2h",
        "--detect",
        "1m",
        "--failover",
        "30s",
        "--simulate",
        "--years",
        "50",
    ];
    let mut all: Vec<&str> = args.into_iter().chain(options).collect();
    all.extend(["--emit-model", path_str(&model)]);
    nines_ok(&all);
    let header = std::fs::read_to_string(&model).unwrap();
    assert!(
        header.starts_with(
            "# Generated by `nines calc kofn 2 99.9% 99.9% 99.9% --mttr 2h --detect 1m --failover 30s \
             --simulate`"
        ),
        "{header}"
    );
}
