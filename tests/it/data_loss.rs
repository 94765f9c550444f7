//! Data protection (`[backup]`, `[replication]`, `[[incident]]`, SPEC section 7) against
//! exact answers: the uniform law of the data lost to a restore (domain facts F5), failing
//! backups, retention shorter than the detection, a site loss with a standby, and incident
//! downtime. Means are compared within four standard errors of the exact variance.

use crate::util::{num, run_json};
use serde_json::Value;

/// A model of one component that never fails, with `tables` appended.
fn model(tables: &str) -> String {
    format!(
        r#"name = "data"
up = "db"

[[component]]
name = "db"
replicas = 1

{tables}
"#
    )
}

/// Backups every hour taking `duration`, a share `fails` failing, restored in one hour; a
/// logical incident every `every` on average, noticed after `detect`.
fn hourly(duration: &str, fails: &str, detect: &str, every: &str) -> String {
    model(&format!(
        r#"[backup]
every = "1h"
duration = "{duration}"
fails = "{fails}"
restore = "1h"

[[incident]]
name = "dropped"
kind = "logical"
every = {{ dist = "exponential", mean = "{every}" }}
detect = "{detect}"
"#
    ))
}

fn lost(summary: &Value, figure: &str) -> f64 {
    num(summary, &["data_loss", "lost_s", figure])
}

/// Asserts that the mean data lost is `mean` within four standard errors of a loss of
/// variance `variance`, and returns the number of losses.
fn assert_mean_loss(summary: &Value, mean: f64, variance: f64) -> f64 {
    let n = lost(summary, "count");
    assert!(n > 10_000.0, "{n} losses");
    let se = (variance / n).sqrt();
    let got = lost(summary, "mean");
    assert!(
        (got - mean).abs() < 4.0 * se,
        "mean loss {got} s, exact {mean} s, 4 SE = {}",
        4.0 * se
    );
    n
}

#[test]
fn the_loss_is_uniform_on_b_to_b_plus_t() {
    // T = 3600 s, B = 600 s: loss ~ U[600, 4200), mean T/2 + B = 2400, variance T²/12.
    let t: f64 = 3600.0;
    let summary = run_json(&hourly("10m", "0%", "0s", "1d"), 60, 11);
    let n = assert_mean_loss(&summary, t / 2.0 + 600.0, t * t / 12.0);
    assert!(lost(&summary, "max") < 600.0 + t);
    // The median's standard error: sqrt(q(1 − q)/n) / density, density 1/T.
    let median_se = 0.5 / n.sqrt() * t;
    assert!((lost(&summary, "p50") - (600.0 + t / 2.0)).abs() < 4.0 * median_se);
    assert!((lost(&summary, "p90") - (600.0 + 0.9 * t)).abs() < 4.0 * 0.3 / n.sqrt() * t);
    assert_eq!(num(&summary, &["data_loss", "unrecoverable"]), 0.0);
}

#[test]
fn a_backup_completing_during_the_detection_is_usable() {
    // B = 30 min, D = 10 min: the loss is U[B − D, B − D + T), mean T/2 + 20 min.
    let t: f64 = 3600.0;
    let summary = run_json(&hourly("30m", "0%", "10m", "1d"), 60, 12);
    assert_mean_loss(&summary, t / 2.0 + 1200.0, t * t / 12.0);
    assert!(lost(&summary, "max") < 1200.0 + t);
}

#[test]
fn failing_backups_add_t_p_over_1_minus_p() {
    // p = 25%: loss = U[B, B + T) + T·G with G geometric, P(G = g) = (1 − p)p^g, so mean
    // T/2 + B + T·p/(1 − p) and variance T²/12 + T²·p/(1 − p)². Incidents ten days apart on
    // average rarely share a backup, so the losses are nearly independent.
    let (t, b, p): (f64, f64, f64) = (3600.0, 600.0, 0.25);
    let summary = run_json(&hourly("10m", "25%", "0s", "10d"), 800, 13);
    let mean = t / 2.0 + b + t * p / (1.0 - p);
    let variance = t * t / 12.0 + t * t * p / ((1.0 - p) * (1.0 - p));
    assert_mean_loss(&summary, mean, variance);
}

/// A logical incident exactly every 100 days (days 100, 200 and 300 of each year), with
/// daily backups kept `retention`, noticed after two days.
fn fixed_incidents(retention: &str) -> String {
    model(&format!(
        r#"[backup]
every = "1d"
duration = "1h"
retention = "{retention}"
restore = "3h"

[[incident]]
name = "corruption"
kind = "logical"
every = "100d"
detect = "2d"
"#
    ))
}

#[test]
fn retention_shorter_than_the_detection_leaves_every_incident_unrecoverable() {
    let years = 50.0;
    // Kept one day, noticed after two: at the restore every backup older than the damage
    // is gone.
    let summary = run_json(&fixed_incidents("1d"), years as u64, 1);
    assert_eq!(num(&summary, &["data_loss", "unrecoverable"]), 3.0 * years);
    assert_eq!(lost(&summary, "count"), 0.0);
    assert_eq!(num(&summary, &["data_loss", "incidents_per_year"]), 3.0);
    // Unrecoverable, the system is still down for detect + restore (of an empty collection).
    let downtime = 3.0 * (2.0 * 86_400.0 + 3.0 * 3600.0);
    assert_eq!(num(&summary, &["downtime_by_kind_s", "incident"]), downtime);
    // Kept three days, the last backup before the damage (day 99 at 00:00, the damage at
    // day 100 00:00 exactly: the one of day 100 starts with it, not before) is there.
    let summary = run_json(&fixed_incidents("3d"), years as u64, 1);
    assert_eq!(num(&summary, &["data_loss", "unrecoverable"]), 0.0);
    assert_eq!(lost(&summary, "max"), 86_400.0);
    assert_eq!(lost(&summary, "mean"), 86_400.0);
}

/// Kept for ever means kept for ever, whatever the horizon: with day-long years and weekly
/// backups, the year starting 4 days after the last one, every incident restores it and
/// loses 4 days plus its time of day (exactly: U[4 d, 5 d), mean 4.5 d, variance d²/12).
/// Backups that all fail leave every incident unrecoverable, and cost no search.
#[test]
fn without_retention_a_backup_older_than_the_horizon_is_restored() {
    let weekly = |fails: &str| {
        model(&format!(
            r#"[simulation]
horizon = "1d"

[backup]
every = "7d"
start = "3d"
duration = "1h"
fails = "{fails}"
restore = "1h"

[[incident]]
name = "dropped"
kind = "logical"
every = {{ dist = "exponential", mean = "1h" }}
detect = "0s"
"#
        ))
    };
    let day: f64 = 86_400.0;
    let summary = run_json(&weekly("0%"), 500, 3);
    assert_eq!(num(&summary, &["data_loss", "unrecoverable"]), 0.0);
    assert_mean_loss(&summary, 4.5 * day, day * day / 12.0);
    assert!(lost(&summary, "max") < 5.0 * day);
    let summary = run_json(&weekly("100%"), 50, 3);
    assert_eq!(lost(&summary, "count"), 0.0);
    assert_eq!(
        num(&summary, &["data_loss", "unrecoverable"]),
        num(&summary, &["data_loss", "incidents_per_year"]) * 50.0
    );
}

/// A site loss takes every backup kept on the site, kept for ever or not: a logical
/// incident after it finds only the backups since, and the search for one ends there. Site
/// losses at days 100, 200 and 300, back a day later; daily backups of an hour, from the
/// site's return; logical incidents at day 101 + 30 min (the day's backup still running:
/// unrecoverable), 202 + 1 h and 303 + 1 h 30 m (the day's backup just complete: 1 h and
/// 1 h 30 m lost). The site losses themselves are unrecoverable (nothing off the site).
#[test]
fn a_site_loss_bounds_the_search_for_a_backup_kept_for_ever() {
    let toml = model(
        r#"[backup]
every = "1d"
duration = "1h"
restore = "1h"

[[incident]]
name = "region-loss"
kind = "site"
every = "100d"
detect = "0s"
repair = "1d"

[[incident]]
name = "oops"
kind = "logical"
every = "101d30m"
detect = "0s"
"#,
    );
    let summary = run_json(&toml, 5, 1);
    assert_eq!(num(&summary, &["data_loss", "unrecoverable"]), 5.0 * 4.0);
    assert_eq!(lost(&summary, "count"), 5.0 * 2.0);
    assert_eq!(lost(&summary, "mean"), (3600.0 + 5400.0) / 2.0);
}

#[test]
fn incident_downtime_is_detect_plus_restore_and_of_kind_incident() {
    let years = 20.0;
    let summary = run_json(&fixed_incidents("30d"), years as u64, 2);
    let per_incident = 2.0 * 86_400.0 + 3.0 * 3600.0;
    let by_incident = &summary["data_loss"]["by_incident"]["corruption"];
    assert_eq!(num(by_incident, &["count"]), 3.0 * years);
    assert_eq!(num(by_incident, &["downtime_s", "mean"]), per_incident);
    assert_eq!(
        num(&summary, &["downtime_per_year_s", "mean"]),
        3.0 * per_incident
    );
    assert_eq!(num(&summary, &["downtime_by_kind_s", "failure"]), 0.0);
    assert_eq!(num(&summary, &["outages_per_year", "mean"]), 3.0);
    assert_eq!(
        num(&summary, &["causes", "incident/corruption", "count"]),
        3.0 * years
    );
}

#[test]
fn drawn_detection_and_restore_average_to_their_means() {
    // Detect ~ Exp(mean 2 h), restore ~ U[1 h, 3 h]: mean 4 h, variance 7200² + 7200²/12.
    let text = model(
        r#"[backup]
every = "1d"
duration = "1h"
restore = { dist = "uniform", min = "1h", max = "3h" }

[[incident]]
name = "dropped"
kind = "logical"
every = { dist = "exponential", mean = "10d" }
detect = { dist = "exponential", mean = "2h" }
"#,
    );
    let summary = run_json(&text, 500, 5);
    let own = &summary["data_loss"]["by_incident"]["dropped"];
    let n = num(own, &["count"]);
    let se = ((7200.0f64.powi(2) + 7200.0f64.powi(2) / 12.0) / n).sqrt();
    let mean = num(own, &["downtime_s", "mean"]);
    assert!(
        (mean - 14_400.0).abs() < 4.0 * se,
        "{mean} vs 14400, SE {se}"
    );
}

#[test]
fn a_site_loss_with_a_standby_loses_exactly_the_lag() {
    let years = 30.0;
    let text = model(
        r#"[replication]
lag = "2s"
failover = "30m"

[[incident]]
name = "region-loss"
kind = "site"
every = "100d"
detect = "5m"
repair = "10d"
"#,
    );
    let summary = run_json(&text, years as u64, 3);
    assert_eq!(lost(&summary, "count"), 3.0 * years);
    assert_eq!(lost(&summary, "mean"), 2.0);
    assert_eq!(lost(&summary, "max"), 2.0);
    let own = &summary["data_loss"]["by_incident"]["region-loss"];
    assert_eq!(num(own, &["downtime_s", "mean"]), 300.0 + 1800.0);
    assert_eq!(
        num(&summary, &["downtime_by_kind_s", "incident"]),
        3.0 * 2100.0
    );
}

#[test]
fn replication_copies_logical_damage_so_only_backups_help() {
    let text = model(
        r#"[backup]
every = "1d"
duration = "1h"
retention = "1d"
restore = "2h"

[replication]
lag = "2s"
failover = "30m"

[[incident]]
name = "dropped"
kind = "logical"
every = "100d"
detect = "2d"
"#,
    );
    let summary = run_json(&text, 10, 3);
    assert_eq!(num(&summary, &["data_loss", "unrecoverable"]), 30.0);
}

#[test]
fn a_site_loss_without_a_standby_restores_the_newest_offsite_backup() {
    // Daily backups at 00:00 taking 1 h; the site is lost at day 100 00:00 exactly, so the
    // newest complete backup is day 99's: one day of data lost, if it is kept off the site.
    let text = |offsite: bool| {
        model(&format!(
            r#"[backup]
every = "1d"
duration = "1h"
offsite = {offsite}
restore = "2h"

[[incident]]
name = "fire"
kind = "site"
every = "100d"
detect = "5m"
repair = "3d"
"#
        ))
    };
    let summary = run_json(&text(true), 10, 4);
    assert_eq!(lost(&summary, "count"), 30.0);
    assert_eq!(lost(&summary, "max"), 86_400.0);
    let own = &summary["data_loss"]["by_incident"]["fire"];
    assert_eq!(num(own, &["downtime_s", "mean"]), 300.0 + 3.0 * 86_400.0);
    let summary = run_json(&text(false), 10, 4);
    assert_eq!(num(&summary, &["data_loss", "unrecoverable"]), 30.0);
}

/// Requests fail in an incident's downtime as in any outage's (SPEC section 8: an attempt
/// succeeds only while its expression holds, and an incident holds every expression down):
/// 10 requests a second, no retry, in three incidents a year of exactly 2 d + 3 h each.
#[test]
fn requests_fail_in_incident_downtime() {
    let text = format!(
        "{}\n[traffic]\nrate = \"10/s\"\nclient = \"none\"\n",
        fixed_incidents("30d")
    );
    let summary = run_json(&text, 5, 1);
    let per_incident = 10.0 * (2.0 * 86_400.0 + 3.0 * 3600.0);
    let requests = &summary["requests"];
    assert_eq!(
        num(requests, &["failed_per_year", "mean"]),
        3.0 * per_incident
    );
    assert_eq!(num(requests, &["failed_per_outage", "p99"]), per_incident);
}
