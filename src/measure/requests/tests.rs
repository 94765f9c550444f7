//! The counts against exact answers: closed forms of fixed outages, retry schedules and
//! partial failure windows, first on step functions given directly, then through the
//! engine on models whose years have closed forms, and the statistics' exact merge.

use super::count::{Counts, Down, Step, count};
use super::*;
use crate::engine::{Engine, TraceEvent};
use crate::measure::{MeasureStats, Sections};
use crate::model::{Demand, RetryPolicy};
use crate::report::CsvRows;
use crate::stats::{Accumulator, AccumulatorState, RunIdentity, RunMeta};

const YEAR: Duration = Duration::YEAR;

fn s(secs: f64) -> Duration {
    Duration::from_secs_f64(secs)
}

/// `per_second` requests with `client`, no profile.
fn demand(per_second: f64, client: RetryPolicy) -> DemandPlan {
    DemandPlan::new(&Demand {
        per_second,
        profile: None,
        client,
    })
}

/// Steps of `fail` over each window `[start, end)`, 0 elsewhere, ending at the year's end.
fn steps(windows: &[(f64, f64, f64)]) -> Vec<Step> {
    let mut steps = vec![Step {
        at: Duration::ZERO,
        fail: 0.0,
    }];
    for &(start, end, fail) in windows {
        steps.push(Step { at: s(start), fail });
        steps.push(Step {
            at: s(end),
            fail: 0.0,
        });
    }
    steps.push(Step {
        at: YEAR,
        fail: 0.0,
    });
    steps
}

fn counted(steps: &[Step], demand: &DemandPlan) -> Counts {
    let mut counts = Counts::default();
    count(steps, demand, &mut counts, &mut Default::default());
    counts
}

fn assert_close(actual: f64, expected: f64) {
    assert!(
        (actual - expected).abs() <= 1e-9 * expected.abs().max(1.0),
        "{actual} != {expected}"
    );
}

/// A policy of `attempts` attempts one second apart.
fn every_second(attempts: u32) -> RetryPolicy {
    RetryPolicy {
        attempts,
        backoff: Duration::SECOND,
        multiplier: 1.0,
        max_backoff: Duration::NEVER,
        deadline: None,
    }
}

#[test]
fn one_attempt_fails_every_request_of_an_outage() {
    let counts = counted(
        &steps(&[(1000.0, 1300.0, 1.0)]),
        &demand(50.0, RetryPolicy::NONE),
    );
    assert_close(counts.failed, 50.0 * 300.0);
    assert_eq!(counts.downs.len(), 1);
    assert_eq!(
        (counts.downs[0].start, counts.downs[0].end),
        (s(1000.0), s(1300.0))
    );
    assert_close(counts.downs[0].failed, 50.0 * 300.0);
    assert_eq!(counts.retried, [0.0]);
}

#[test]
fn pymilvus_fails_only_what_arrives_more_than_210_64_s_before_the_end() {
    let pymilvus = demand(50.0, RetryPolicy::PYMILVUS);
    for outage in [300.0, 1000.0, 3600.0] {
        let counts = counted(&steps(&[(5000.0, 5000.0 + outage, 1.0)]), &pymilvus);
        assert_close(counts.failed, 50.0 * (outage - 210.64));
        assert_close(counts.downs[0].failed, counts.failed);
        // Every other request of the outage succeeds, after a retry.
        let retried: f64 = counts.retried.iter().sum();
        assert_close(retried, 50.0 * 210.64);
    }
    // An outage no longer than the schedule fails nothing: retries turn it into latency.
    let short = counted(&steps(&[(5000.0, 5200.0, 1.0)]), &pymilvus);
    assert_eq!(short.failed, 0.0);
    assert_eq!(short.downs[0].failed, 0.0);
    // domain-facts G4: of a 300 s outage, 29.8% of the requests fail.
    let g4 = counted(&steps(&[(5000.0, 5300.0, 1.0)]), &pymilvus);
    assert_close(g4.failed / (50.0 * 300.0), (300.0 - 210.64) / 300.0);
}

#[test]
fn a_half_routed_window_fails_half_of_single_attempts_and_a_half_per_attempt() {
    let window = steps(&[(100.0, 120.0, 0.5)]);
    let single = counted(&window, &demand(10.0, RetryPolicy::NONE));
    assert_close(single.failed, 10.0 * 20.0 / 2.0);
    // Not an outage: the component still serves.
    assert!(single.downs.is_empty());
    // Three attempts a second apart: arrivals in the first 18 s have all three in the
    // window and fail with (1/2)^3; later ones have a last attempt outside it.
    let three = counted(&window, &demand(10.0, every_second(3)));
    assert_close(three.failed, 10.0 * 18.0 / 8.0);
    // Succeeded at attempt 1: failed once (1/2), then succeeded (1/2 in the window, 1
    // after it); at attempt 2: failed twice, then succeeded.
    assert_close(three.retried[1], 10.0 * (19.0 / 4.0 + 1.0 / 2.0));
    assert_close(three.retried[2], 10.0 * (18.0 / 8.0 + 1.0 / 4.0));
}

#[test]
fn the_rate_follows_the_profile_hour_by_hour() {
    let mut profile = [1.0; 24];
    (profile[1], profile[2]) = (0.5, 1.5);
    let demand = DemandPlan::new(&Demand {
        per_second: 10.0,
        profile: Some(profile),
        client: RetryPolicy::NONE,
    });
    // From 1:30 to 2:20: half an hour at 5/s, twenty minutes at 15/s.
    let counts = counted(&steps(&[(5400.0, 8400.0, 1.0)]), &demand);
    assert_close(counts.failed, 1800.0 * 5.0 + 1200.0 * 15.0);
}

#[test]
fn attempts_after_the_year_end_succeed_as_the_outage_is_cut_there() {
    let end = YEAR.as_secs_f64();
    let cut = counted(
        &steps(&[(end - 1000.0, end, 1.0)]),
        &demand(1.0, RetryPolicy::PYMILVUS),
    );
    assert_close(cut.failed, 1000.0 - 210.64);
    assert_eq!(
        cut.downs,
        [Down {
            start: s(end - 1000.0),
            end: YEAR,
            failed: cut.failed
        }]
    );
}

#[test]
fn adjacent_failure_windows_combine_each_attempt_at_its_own_time() {
    // Half failing for 10 s, then down for 10 s: with attempts 0 and 1 s, an arrival in
    // the first 9 s fails 1/4, in the next second 1/2, in the outage (but its last second)
    // for sure, in the outage's last second 1 × 0 (its retry lands after it).
    let window = steps(&[(100.0, 110.0, 0.5)]);
    let mut steps = window[..2].to_vec();
    steps.extend([
        Step {
            at: s(110.0),
            fail: 1.0,
        },
        Step {
            at: s(120.0),
            fail: 0.0,
        },
        Step {
            at: YEAR,
            fail: 0.0,
        },
    ]);
    let counts = counted(&steps, &demand(1.0, every_second(2)));
    assert_close(counts.failed, 9.0 / 4.0 + 1.0 / 2.0 + 9.0);
    assert_eq!(counts.downs.len(), 1);
    assert_close(counts.downs[0].failed, 9.0);
}

/// The failed requests of `steps` summed over every breakpoint there is (each step shifted
/// back by each offset), the chance that every attempt fails evaluated directly at each
/// piece's start: the plain definition, without the count's shortcuts.
fn failed_by_definition(steps: &[Step], demand: &DemandPlan) -> f64 {
    let fail_at = |at: Duration| steps[steps.partition_point(|s| s.at <= at) - 1].fail;
    let mut points: Vec<Duration> = steps
        .iter()
        .flat_map(|step| {
            (demand.offsets.iter())
                .filter(move |o| **o <= step.at)
                .map(move |o| Duration::from_micros(step.at.as_micros() - o.as_micros()))
        })
        .chain([Duration::ZERO, YEAR])
        .filter(|at| *at <= YEAR)
        .collect();
    points.sort_unstable();
    points.dedup();
    let per_micro = demand.rate_at(Duration::ZERO);
    (points.windows(2))
        .map(|piece| {
            let all_fail: f64 = (demand.offsets.iter())
                .map(|o| fail_at(piece[0].saturating_add(*o)))
                .product();
            per_micro * (piece[1].as_micros() - piece[0].as_micros()) as f64 * all_fail
        })
        .sum()
}

#[test]
fn the_count_agrees_with_the_definition_on_windows_near_and_far_apart() {
    // Windows of 1 to 40 s or of 250 s, partly or wholly failing, 0.5 to 12 s apart (around pymilvus's
    // longest sleep of 3 s, where the count leaves far steps out) and sometimes minutes
    // apart, drawn from a fixed sequence.
    let mut state = 12_345_u64;
    let mut next = |n: u64| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1);
        (state >> 33) % n
    };
    let mut windows = Vec::new();
    let mut at = 1000.0;
    for _ in 0..200 {
        // One window in eight outlasts pymilvus's 210.64 s of attempts.
        let length = if next(8) == 0 {
            250.0
        } else {
            1.0 + next(40) as f64
        };
        let fail = [0.5, 1.0 / 3.0, 1.0, 0.75][next(4) as usize];
        windows.push((at, at + length, fail));
        let gap = if next(4) == 0 {
            300.0
        } else {
            0.5 + next(24) as f64 / 2.0
        };
        at += length + gap;
    }
    let steps = steps(&windows);
    for client in [RetryPolicy::PYMILVUS, every_second(5), RetryPolicy::NONE] {
        let demand = demand(2.0, client);
        let counts = counted(&steps, &demand);
        let expected = failed_by_definition(&steps, &demand);
        assert!(expected > 0.0);
        assert!(
            (counts.failed - expected).abs() <= 1e-9 * expected,
            "{} != {expected}",
            counts.failed
        );
    }
}

/// A level-1 model: `replicas` of `db` (needs 1) failing every `every`, noticed after 20 s,
/// repaired 1 min later, with `traffic`.
fn model(replicas: u32, every: &str, traffic: &str) -> Plan {
    let text = format!(
        r#"
name = "routed"
up = "db"
[services]
read = "db"
[[component]]
name = "db"
replicas = {replicas}
  [[component.failure]]
  name = "crash"
  every = {every}
  detect = "20s"
  repair = "1m"
[traffic]
{traffic}
"#
    );
    crate::fixtures::plan(&text, 7)
}

#[test]
fn a_single_replica_fails_the_rate_times_each_outage() {
    // Fixed failures every 10 days, each 80 s down: 36 outages a year, one cut at the end.
    let plan = model(
        1,
        "\"10d\"",
        "rate = \"50/s\"\n[traffic.services.read]\nclient = \"pymilvus\"",
    );
    let mut engine = Engine::new(&plan);
    let outcome = engine.simulate(0).clone();
    let counts = &outcome.measures.0.counts;
    assert_eq!(outcome.outages.len(), 36);
    for (outage, failed) in outcome
        .outages
        .iter()
        .zip(&outcome.measures.0.outage_failed)
    {
        assert_close(*failed, 50.0 * outage.duration.as_secs_f64());
    }
    let downtime = outcome.downtime[0].as_secs_f64();
    assert_close(counts[0].failed, 50.0 * downtime);
    // 80 s outages are shorter than the pymilvus schedule: nothing fails, all is delay.
    assert_eq!(counts[1].failed, 0.0);
    assert_close(counts[1].retried.iter().sum::<f64>(), 50.0 * downtime);
}

#[test]
fn a_failed_replica_still_routed_fails_half_of_the_attempts_until_noticed() {
    // Rare failures, so most years have at most one: then the failed replica is routed for
    // its 20 s of detection while the other serves, and is down (unrouted) 60 s more.
    let plan = model(
        2,
        "{ dist = \"exponential\", mean = \"2y\" }",
        "rate = \"10/s\"\n[traffic.services.read]\nclient = { attempts = 3, backoff = \"1s\", multiplier = 1 }",
    );
    let mut engine = Engine::new(&plan);
    let mut checked = 0;
    for year in 0..200 {
        let mut trace = Vec::new();
        let outcome = engine.simulate_traced(year, &mut trace);
        let failures: Vec<Duration> = trace
            .iter()
            .filter(|(_, e)| matches!(e, TraceEvent::ReplicaFailed { .. }))
            .map(|(at, _)| *at)
            .collect();
        let counts = &outcome.measures.0.counts;
        if failures.is_empty() {
            assert_eq!((counts[0].failed, counts[1].failed), (0.0, 0.0));
        }
        let [at] = failures[..] else { continue };
        if at > YEAR.saturating_sub(s(100.0)) {
            continue;
        }
        assert!(outcome.outages.is_empty());
        assert_close(counts[0].failed, 10.0 * 20.0 / 2.0);
        assert_close(counts[1].failed, 10.0 * 18.0 / 8.0);
        checked += 1;
    }
    assert!(checked >= 20, "only {checked} years with one failure");
}

fn accumulate(plan: &Plan, years: std::ops::Range<u64>) -> Accumulator {
    let mut stats = Accumulator::for_plan(plan).starting_at(years.start);
    let mut engine = Engine::new(plan);
    for year in years {
        stats.add(engine.simulate(year));
    }
    stats
}

fn bytes(stats: &Accumulator) -> (Vec<u8>, Vec<u8>) {
    let meta = RunMeta {
        model: "routed".into(),
        seed: 7,
    };
    let identity = RunIdentity {
        model: "routed".into(),
        model_sha256: "00".repeat(32),
        seed: 7,
    };
    (
        crate::report::summary_json(&stats.summary(meta, &[])),
        stats.to_state(identity).to_json(),
    )
}

#[test]
fn the_statistics_merge_exactly_and_summarize_the_counts() {
    const YEARS: u64 = 120;
    let plan = model(
        1,
        "{ dist = \"exponential\", mean = \"20d\" }",
        "rate = \"50/s\"\nclient = \"pymilvus\"\n[traffic.services.read]\nclient = \"none\"",
    );
    let whole = accumulate(&plan, 0..YEARS);
    let expected = bytes(&whole);
    for split in [0, 1, YEARS / 2, YEARS] {
        let mut first = accumulate(&plan, 0..split);
        first.merge(accumulate(&plan, split..YEARS)).unwrap();
        assert_eq!(bytes(&first), expected, "split at {split}");
        let saved = |years| {
            let json = bytes(&accumulate(&plan, years)).1;
            Accumulator::restore(AccumulatorState::from_json(&json).unwrap()).unwrap()
        };
        let mut first = saved(0..split);
        first.merge(saved(split..YEARS)).unwrap();
        assert_eq!(bytes(&first), expected, "states split at {split}");
    }
    let summary: serde_json::Value = serde_json::from_slice(&expected.0).unwrap();
    let requests = &summary["requests"];
    assert_eq!(requests["per_year"], 50.0 * 31_536_000.0);
    // With one attempt, every request of an outage fails: the failed requests are the rate
    // times the downtime, year by year, so their mean is the rate times the mean downtime.
    let read = &requests["services"]["read"];
    let downtime = summary["downtime_per_year_s"]["mean"].as_f64().unwrap();
    let failed = read["failed_per_year"]["mean"].as_f64().unwrap();
    assert!(
        (failed - 50.0 * downtime).abs() < 1e-3,
        "{failed} vs {downtime}"
    );
    let success = read["success"]["mean"].as_f64().unwrap();
    let availability = summary["availability"]["mean"].as_f64().unwrap();
    assert!((success - availability).abs() < 1e-12);
    // 80 s outages never outlast pymilvus's 210.64 s: no request fails, every outage is
    // latency only; the longest delay is that of a request arriving as an outage starts:
    // its first attempt after the 80 s is the one at 81.64 s (78.64 s + 3 s).
    assert_eq!(requests["failed_per_year"]["mean"], 0.0);
    assert_eq!(requests["failed_per_outage"]["without_failures"], 1.0);
    assert_eq!(requests["retry_delay_s"]["max"], 81.64);
}

#[test]
fn csv_columns_come_after_the_existing_ones_only_with_traffic() {
    let plan = model(1, "\"10d\"", "rate = \"2/s\"");
    let rows = CsvRows::new(&plan);
    let mut out = Vec::new();
    rows.years_header(&mut out);
    rows.outages_header(&mut out);
    let mut engine = Engine::new(&plan);
    let outcome = engine.simulate(0);
    rows.year_row(&mut out, outcome);
    rows.outage_rows(&mut out, outcome);
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].ends_with("_availability,requests_failed"),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].ends_with(",repair_s,failed_requests"),
        "{}",
        lines[1]
    );
    // 35 whole outages of 80 s and one cut at the end of the year.
    let failed = 2.0 * outcome.downtime[0].as_secs_f64();
    assert!(lines[2].ends_with(&format!(",{failed}")), "{}", lines[2]);
    assert!(lines[3].ends_with(",160"), "{}", lines[3]);
    let without = crate::fixtures::plan(crate::fixtures::MODEL, 1);
    let mut header = Vec::new();
    CsvRows::new(&without).years_header(&mut header);
    assert!(!String::from_utf8(header).unwrap().contains("requests"));
    let stats = Requests::for_plan(&without).new_stats();
    assert_eq!(serde_json::to_string(&stats).unwrap(), "null");
    let mut sections = Sections::new();
    stats.summarize(10, &mut sections);
    assert!(sections.is_empty());
}

#[test]
fn check_judges_request_success_and_failed_requests_per_outage() {
    // Fixed 80 s outages every 10 days: with one attempt each fails 50 × 80 requests.
    let text = r#"
name = "judged"
up = "db"
[slo]
request_success = "99.9%"
failed_per_outage_p99 = 3999
[[component]]
name = "db"
  [[component.failure]]
  name = "crash"
  every = "10d"
  detect = "20s"
  repair = "1m"
[traffic]
rate = "50/s"
"#;
    let model = crate::fixtures::model(text);
    let plan = Plan::compile(&model, 1);
    let stats = accumulate(&plan, 0..3);
    let verdicts = crate::check::judge_slo(model.slo().unwrap(), &stats, &plan);
    let [success, per_outage] = &verdicts[..] else {
        panic!("{verdicts:?}")
    };
    assert_eq!(success.target, "request_success");
    assert_eq!(success.status, crate::check::Status::Pass);
    let downtime = stats.downtime(0).mean_secs();
    assert_close(
        success.figure,
        1.0 - 50.0 * downtime / (50.0 * 31_536_000.0),
    );
    assert_eq!(per_outage.target, "failed_per_outage_p99");
    // Every year's last outage is cut at the end: 35 whole ones of 4000 failed requests.
    assert_eq!(per_outage.figure, 4000.0);
    assert_eq!(per_outage.status, crate::check::Status::Miss);
}
