//! The human summary `nines run` prints.

use crate::stats::{Availability, Summary};
use crate::time::Duration;
use std::fmt::Write;

/// The summary as a few aligned lines of text.
pub fn summary_text(summary: &Summary) -> String {
    let mut text = String::new();
    let _ = writeln!(
        text,
        "{}: {}",
        summary.model,
        run_heading(summary.years, summary.horizon_s, summary.seed)
    );
    for (figure, value) in figure_rows(summary) {
        let _ = writeln!(text, "  {figure:<16}{value}");
    }
    if !summary.services.is_empty() {
        let width = summary.services.keys().map(String::len).max().unwrap_or(0);
        let _ = writeln!(text, "  services");
        for (name, service) in &summary.services {
            let _ = writeln!(
                text,
                "    {name:<width$}  {}",
                availability_line(&service.availability)
            );
        }
    }
    text
}

/// `10000 simulated years of 1y, seed 1`: what a run simulated, for headings.
pub fn run_heading(years: u64, horizon_s: f64, seed: u64) -> String {
    format!(
        "{} of {}, seed {seed}",
        count(years, "simulated year"),
        Duration::from_secs_f64(horizon_s).label()
    )
}

/// `1 year`, `2 years`: a count with its noun in the right number.
pub fn count(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// The short name of one simulated horizon in labels: `year` or e.g. `30d`.
pub(crate) fn period(horizon_s: f64) -> String {
    Duration::from_secs_f64(horizon_s).period_name()
}

/// The system's figures as (name, value) rows, values in words and units for people.
pub(crate) fn figure_rows(summary: &Summary) -> [(String, String); 4] {
    let period = period(summary.horizon_s);
    let d = &summary.downtime_per_year_s;
    let r = &summary.rto_s;
    let outages = if r.count > 0 {
        format!(
            "mean {}   p50 {}   p90 {}   p99 {}   max {}   ({})",
            human_duration(r.mean),
            human_duration(r.p50),
            human_duration(r.p90),
            human_duration(r.p99),
            human_duration(r.max),
            count(r.count, "outage")
        )
    } else {
        "no outages".to_string()
    };
    [
        (
            "availability".to_string(),
            availability_line(&summary.availability),
        ),
        (
            format!("downtime/{period}"),
            format!(
                "mean {}   p50 {}   p90 {}   p99 {}",
                human_duration(d.mean),
                human_duration(d.p50),
                human_duration(d.p90),
                human_duration(d.p99)
            ),
        ),
        (
            format!("outages/{period}"),
            format!("{:.3}", summary.outages_per_year.mean),
        ),
        ("outage length".to_string(), outages),
    ]
}

/// An availability on one line: mean, 95% CI and nines.
pub(crate) fn availability_line(a: &Availability) -> String {
    let [mean, ci, nines] = availability_cells(a);
    format!("{mean}   95% CI {ci}   {nines}")
}

/// An availability as three short strings: the mean in percent, the 95% CI, the nines.
pub(crate) fn availability_cells(a: &Availability) -> [String; 3] {
    let decimals = availability_decimals(a);
    let percent = |x: f64| format!("{:.*}%", decimals, x * 100.0);
    let nines = a
        .nines
        .map_or("no downtime seen".to_string(), |n| format!("{n:.2} nines"));
    [
        percent(a.mean),
        format!("[{}, {}]", percent(a.ci95[0]), percent(a.ci95[1])),
        nines,
    ]
}

/// Decimals of an availability in percent: enough to show the first non-nine digit and one
/// more, and more where needed for the two ends of the 95% CI to differ (at low
/// availability the CI is wide in nines but may still be narrow in percent).
fn availability_decimals(a: &Availability) -> usize {
    const MOST: usize = 12;
    let least = a.nines.map_or(4, |n| (n.ceil() as usize).clamp(2, 10));
    let [low, high] = a.ci95;
    if low == high {
        return least;
    }
    let percent = |x: f64, decimals: usize| format!("{:.*}", decimals, x * 100.0);
    (least..=MOST)
        .find(|&d| percent(low, d) != percent(high, d))
        .unwrap_or(MOST)
}

/// A share as a percentage without float artefacts: rounded to ten significant digits,
/// trailing zeros dropped, so `0.99999` reads `99.999%`, not `99.99900000000001%`.
#[cfg(feature = "plots")]
pub fn percent(share: f64) -> String {
    let value = share * 100.0;
    if value == 0.0 || !value.is_finite() {
        return format!("{value}%");
    }
    let decimals = (9 - value.abs().log10().floor() as i32).max(0) as usize;
    let text = format!("{value:.decimals$}");
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.')
    } else {
        &text
    };
    format!("{text}%")
}

/// A signed duration in seconds as a short human string: `+12m 5s`, `-850ms`, `0s`.
pub fn signed_duration(secs: f64) -> String {
    let sign = if secs > 0.0 {
        "+"
    } else if secs < 0.0 {
        "-"
    } else {
        ""
    };
    format!("{sign}{}", human_duration(secs.abs()))
}

const YEAR_SECS: f64 = 31_536_000.0;

/// A duration in seconds as a short human string: `850ms`, `42.3s`, `12m 5s`, `3h 20m`, `2d 4h`, `1.5y`.
/// Each form is rounded to its last unit (5h 28m 53s reads 5h 29m), and a value that
/// rounds up to the next form's first value takes that form (59.97 s reads 1m 0s).
pub fn human_duration(secs: f64) -> String {
    if secs == 0.0 {
        return "0s".to_string();
    }
    if (secs * 1e3).round() < 1e3 {
        return format!("{:.0}ms", secs * 1e3);
    }
    if (secs * 10.0).round() < 600.0 {
        return format!("{secs:.1}s");
    }
    let whole = secs.round() as u64;
    if whole < 3_600 {
        return format!("{}m {}s", whole / 60, whole % 60);
    }
    let minutes = (secs / 60.0).round() as u64;
    if minutes < 24 * 60 {
        return format!("{}h {}m", minutes / 60, minutes % 60);
    }
    let hours = (secs / 3_600.0).round() as u64;
    if hours < 365 * 24 {
        return format!("{}d {}h", hours / 24, hours % 24);
    }
    let years = format!("{:.2}", secs / YEAR_SECS);
    format!("{}y", years.trim_end_matches('0').trim_end_matches('.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_durations() {
        assert_eq!(human_duration(0.0), "0s");
        assert_eq!(human_duration(0.25), "250ms");
        assert_eq!(human_duration(42.34), "42.3s");
        assert_eq!(human_duration(725.0), "12m 5s");
        assert_eq!(human_duration(12_000.0), "3h 20m");
        assert_eq!(human_duration(19_733.0), "5h 29m");
        assert_eq!(human_duration(3_599.6), "1h 0m");
        assert_eq!(human_duration(86_390.0), "1d 0h");
        assert_eq!(human_duration(200_000.0), "2d 8h");
        assert_eq!(human_duration(0.9996), "1.0s");
        assert_eq!(human_duration(59.97), "1m 0s");
        assert_eq!(human_duration(31_535_000.0), "1y");
        assert_eq!(human_duration(31_536_000.0), "1y");
        assert_eq!(human_duration(47_304_000.0), "1.5y");
        assert_eq!(signed_duration(-725.0), "-12m 5s");
        assert_eq!(signed_duration(0.25), "+250ms");
        assert_eq!(signed_duration(0.0), "0s");
    }

    fn availability(mean: f64, ci95: [f64; 2]) -> Availability {
        Availability {
            mean,
            ci95,
            nines: crate::stats::nines(mean),
        }
    }

    #[test]
    fn availability_decimals_separate_the_interval_ends() {
        // Low availability: the nines ask for two decimals, the CI for three.
        assert_eq!(
            availability_cells(&availability(0.983_624, [0.983_61, 0.983_64])),
            [
                "98.362%".to_string(),
                "[98.361%, 98.364%]".to_string(),
                "1.79 nines".to_string()
            ]
        );
        // High availability: the nines already separate the ends; never fewer decimals.
        assert_eq!(
            availability_cells(&availability(0.999_665, [0.999_662, 0.999_668]))[1],
            "[99.9662%, 99.9668%]"
        );
        assert_eq!(
            availability_cells(&availability(0.5, [0.4, 0.6]))[1],
            "[40.00%, 60.00%]"
        );
        // A degenerate interval keeps the nines' decimals.
        assert_eq!(
            availability_cells(&availability(0.99, [0.99, 0.99]))[1],
            "[99.00%, 99.00%]"
        );
    }

    #[test]
    #[cfg(feature = "plots")]
    fn percentages_have_no_float_artefacts() {
        assert_eq!(percent(0.99999), "99.999%");
        assert_eq!(percent(0.9995), "99.95%");
        assert_eq!(percent(0.999), "99.9%");
        assert_eq!(percent(0.5), "50%");
        assert_eq!(percent(1.0), "100%");
        assert_eq!(percent(0.0), "0%");
        assert_eq!(percent(1e-7), "0.00001%");
        assert_eq!(percent(0.123_456_789_012_3), "12.3456789%");
    }

    #[test]
    fn counts_agree_with_their_noun() {
        assert_eq!(count(1, "year"), "1 year");
        assert_eq!(count(0, "year"), "0 years");
        assert_eq!(count(10_000, "simulated year"), "10000 simulated years");
        assert_eq!(
            run_heading(1, 2_592_000.0, 7),
            "1 simulated year of 30d, seed 7"
        );
        assert_eq!(
            run_heading(10, 31_536_000.0, 1),
            "10 simulated years of 1y, seed 1"
        );
    }
}
