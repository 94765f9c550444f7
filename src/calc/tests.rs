//! The calculator against the SRE book's availability table, the workbook's burn rates and
//! compositions computed by hand.

use super::*;
use crate::math;

fn a(text: &str) -> Availability {
    availability(text, "test").unwrap()
}

fn d(text: &str) -> Duration {
    Duration::parse(text).unwrap()
}

/// Equal to twelve significant digits (the inputs are exact decimals; only rounding of the
/// last float digits is allowed).
fn close(actual: f64, expected: f64) {
    let scale = expected.abs().max(f64::MIN_POSITIVE);
    assert!(
        (actual - expected).abs() <= 1e-12 * scale,
        "{actual} is not {expected}"
    );
}

/// The SRE book's availability table (appendix "Availability Table", 365-day year), as
/// `/work/shared/docs/domain-facts.md` H1 quotes it, in seconds.
#[test]
fn the_sre_books_availability_table() {
    let table = [
        ("99%", Period::Year, 3.65 * 86_400.0),
        ("99%", Period::Month, 7.2 * 3_600.0),
        ("99.9%", Period::Year, 8.76 * 3_600.0),
        ("99.9%", Period::Month, 43.2 * 60.0),
        ("99.9%", Period::Week, 10.08 * 60.0),
        ("99.9%", Period::Day, 1.44 * 60.0),
        ("99.99%", Period::Year, 52.56 * 60.0),
        ("99.999%", Period::Year, 5.256 * 60.0),
        ("99.999%", Period::Month, 25.92),
    ];
    for (text, period, seconds) in table {
        let answer = nines(a(text));
        let downtime = match period {
            Period::Year => answer.downtime_s.year,
            Period::Quarter => answer.downtime_s.quarter,
            Period::Month => answer.downtime_s.month,
            Period::Week => answer.downtime_s.week,
            Period::Day => answer.downtime_s.day,
        };
        close(downtime, seconds);
    }
    assert_eq!(nines(a("99.99%")).nines, Some(4.0));
    assert_eq!(nines(a("99.9%")).nines, Some(3.0));
    close(nines(a("99.95%")).nines.unwrap(), -math::log10(0.0005f64));
    close(
        nines(a("99.95%")).downtime_s.quarter,
        0.0005 * 91.25 * 86_400.0,
    );
    assert_eq!(nines(a("100%")).nines, None);
    assert_eq!(nines(a("100%")).downtime_s.year, 0.0);
}

#[test]
fn downtime_per_period_is_the_table_read_backwards() {
    let answer = downtime(d("8h45m36s"), Period::Year).unwrap();
    close(answer.availability, 0.999);
    close(answer.nines.unwrap(), 3.0);
    let answer = downtime(d("4h"), Period::Month).unwrap();
    close(answer.availability, 1.0 - 4.0 / 720.0);
    let answer = downtime(d("1d"), Period::Day).unwrap();
    assert_eq!((answer.availability, answer.nines), (0.0, Some(0.0)));
    assert_eq!(downtime(d("0s"), Period::Week).unwrap().nines, None);
    assert_eq!(
        downtime(d("25h"), Period::Day).unwrap_err().to_string(),
        "the downtime: `1d1h` is longer than the day it is counted per; choose a longer --per"
    );
}

#[test]
fn a_component_from_its_mttf_and_mttr() {
    // 30 days = 43200 minutes up, then 5 minutes down.
    let answer = component(d("30d"), d("5m"));
    close(answer.availability, 43_200.0 / 43_205.0);
    close(answer.nines.unwrap(), -math::log10(5.0f64 / 43_205.0));
    close(answer.failures_per_year, 525_600.0 / 43_205.0);
    // Downtime a year is failures a year times MTTR.
    close(answer.downtime_s.year, 525_600.0 / 43_205.0 * 300.0);
    assert_eq!(component(d("1d"), d("0s")).nines, None);
}

#[test]
fn series_multiplies_availabilities() {
    // Azure's reliable web app sample multiplies eight SLAs to 99.616% (domain-facts H2).
    let slas = [
        "99.99%", "99.99%", "99.95%", "99.9%", "99.995%", "99.9%", "99.99%", "99.9%",
    ];
    let answer = series(slas.iter().map(|s| a(s)).collect()).unwrap();
    close(
        answer.availability,
        0.9999 * 0.9999 * 0.9995 * 0.999 * 0.99995 * 0.999 * 0.9999 * 0.999,
    );
    assert_eq!(format!("{:.3}", answer.availability * 100.0), "99.616");
    close(
        series(vec![a("99.99%"), a("99.95%")]).unwrap().availability,
        0.99940005,
    );
}

#[test]
fn parallel_multiplies_unavailabilities() {
    let two = parallel(vec![a("99%"), a("99%")]).unwrap();
    close(two.availability, 0.9999);
    close(two.nines.unwrap(), 4.0);
    let three = parallel(vec![a("0.99"); 3]).unwrap();
    close(three.result.down, 1e-6);
    let mixed = parallel(vec![a("90%"), a("99.5%")]).unwrap();
    close(mixed.result.down, 0.1 * 0.005);
    // Digits past those of 1 - down survive: nine nines of each of two members.
    let high = parallel(vec![a("99.9999999%"); 2]).unwrap();
    close(high.nines.unwrap(), 18.0);
}

#[test]
fn k_of_n_is_the_binomial_sum() {
    // 2 of 3 at A = 0.999: 3 A^2 (1 - A) + A^3, down 3q^2 - 2q^3 with q = 0.001.
    let answer = k_of_n(2, vec![a("99.9%"); 3]).unwrap();
    close(answer.availability, 3.0 * 0.998001 * 0.001 + 0.997002999);
    close(answer.result.down, 3e-6 - 2e-9);
    let terms = answer.binomial_terms().unwrap();
    assert_eq!(terms.len(), 2);
    assert_eq!((terms[0].up, terms[0].coefficient), (2, 3.0));
    close(terms[0].value, 0.002994003);
    close(terms[1].value, 0.997002999);
    // 3 of 5 at 0.9: C(5,3) .9^3 .1^2 + C(5,4) .9^4 .1 + .9^5.
    let answer = k_of_n(3, vec![a("0.9"); 5]).unwrap();
    close(
        answer.availability,
        10.0 * 0.00729 + 5.0 * 0.06561 + 0.59049,
    );
}

#[test]
fn k_of_n_of_different_members_sums_every_pattern() {
    // 2 of (0.9, 0.8, 0.7): the four patterns with at least two up.
    let answer = k_of_n(2, vec![a("0.9"), a("0.8"), a("0.7")]).unwrap();
    close(
        answer.availability,
        0.9 * 0.8 * 0.3 + 0.9 * 0.2 * 0.7 + 0.1 * 0.8 * 0.7 + 0.9 * 0.8 * 0.7,
    );
    close(
        answer.result.down,
        0.1 * 0.2 * 0.3 + 0.9 * 0.2 * 0.3 + 0.1 * 0.8 * 0.3 + 0.1 * 0.2 * 0.7,
    );
    assert_eq!(answer.binomial_terms(), None);
    // One of n is parallel, n of n is series.
    let members = vec![a("0.9"), a("0.8"), a("0.7")];
    close(
        k_of_n(1, members.clone()).unwrap().result.down,
        parallel(members.clone()).unwrap().result.down,
    );
    close(
        k_of_n(3, members.clone()).unwrap().availability,
        series(members).unwrap().availability,
    );
}

#[test]
fn k_must_be_between_one_and_n() {
    assert_eq!(
        k_of_n(4, vec![a("0.9"); 3]).unwrap_err().to_string(),
        "k: 4 of 3 members: k must be from 1 to the number of members (3)"
    );
    assert!(k_of_n(0, vec![a("0.9"); 3]).is_err());
    assert!(series(Vec::new()).is_err());
}

/// The SRE workbook ("Alerting on SLOs", tables 5-4 to 5-8): over 30 days, burn 14.4 for
/// 1 h spends 2% of the budget, 6 for 6 h 5%, 1 for 3 days 10%; short windows 1/12.
#[test]
fn the_workbooks_burn_rate_alerts() {
    let answer = budget(a("99.9%"), d("30d")).unwrap();
    close(answer.budget_s, 43.2 * 60.0);
    let alerts: Vec<_> = answer
        .alerts
        .iter()
        .map(|a| (a.burn_rate, a.window_s, a.short_window_s, a.page))
        .collect();
    assert_eq!(
        alerts,
        [
            (14.4, 3_600.0, 300.0, true),
            (6.0, 21_600.0, 1_800.0, true),
            (1.0, 259_200.0, 21_600.0, false)
        ]
    );
    for (alert, share) in answer.alerts.iter().zip([0.02, 0.05, 0.1]) {
        close(alert.budget_share, share);
    }
    // Over a week the same burn rates spend more of the smaller budget.
    let week = budget(a("99.9%"), d("7d")).unwrap();
    close(week.alerts[0].budget_share, 14.4 / 168.0);
    assert!(budget(a("100%"), d("30d")).is_err());
}
