//! The human summary `nines run` prints.

use crate::stats::{Availability, Summary};
use std::fmt::Write;

/// The summary as a few aligned lines of text.
pub fn summary_text(summary: &Summary) -> String {
    let mut text = String::new();
    let years = summary.years;
    let horizon = human_duration(summary.horizon_s);
    let _ = writeln!(
        text,
        "{}: {years} simulated years of {horizon}, seed {}",
        summary.model, summary.seed
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

/// The system's figures as (name, value) rows, values in words and units for people.
pub(crate) fn figure_rows(summary: &Summary) -> [(&'static str, String); 4] {
    let d = &summary.downtime_per_year_s;
    let r = &summary.rto_s;
    let outages = if r.count > 0 {
        format!(
            "mean {}   p50 {}   p90 {}   p99 {}   max {}   ({} outages)",
            human_duration(r.mean),
            human_duration(r.p50),
            human_duration(r.p90),
            human_duration(r.p99),
            human_duration(r.max),
            r.count
        )
    } else {
        "no outages".to_string()
    };
    [
        ("availability", availability_line(&summary.availability)),
        (
            "downtime/year",
            format!(
                "mean {}   p50 {}   p90 {}   p99 {}",
                human_duration(d.mean),
                human_duration(d.p50),
                human_duration(d.p90),
                human_duration(d.p99)
            ),
        ),
        (
            "outages/year",
            format!("{:.3}", summary.outages_per_year.mean),
        ),
        ("outage length", outages),
    ]
}

/// An availability on one line: mean, 95% CI and nines.
pub(crate) fn availability_line(a: &Availability) -> String {
    let [mean, ci, nines] = availability_cells(a);
    format!("{mean}   95% CI {ci}   {nines}")
}

/// An availability as three short strings: the mean in percent, the 95% CI, the nines.
pub(crate) fn availability_cells(a: &Availability) -> [String; 3] {
    // Enough decimals to show the first non-nine digit and one more.
    let decimals = a.nines.map_or(4, |n| (n.ceil() as usize).clamp(2, 10));
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
pub fn human_duration(secs: f64) -> String {
    if secs == 0.0 {
        return "0s".to_string();
    }
    if secs < 1.0 {
        return format!("{:.0}ms", secs * 1e3);
    }
    if secs < 60.0 {
        return format!("{secs:.1}s");
    }
    if secs >= YEAR_SECS {
        let years = format!("{:.2}", secs / YEAR_SECS);
        return format!("{}y", years.trim_end_matches('0').trim_end_matches('.'));
    }
    let whole = secs.round() as u64;
    let (d, h, m, s) = (
        whole / 86_400,
        whole % 86_400 / 3_600,
        whole % 3_600 / 60,
        whole % 60,
    );
    match (d, h) {
        (0, 0) => format!("{m}m {s}s"),
        (0, _) => format!("{h}h {m}m"),
        _ => format!("{d}d {h}h"),
    }
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
        assert_eq!(human_duration(200_000.0), "2d 7h");
        assert_eq!(human_duration(31_536_000.0), "1y");
        assert_eq!(human_duration(47_304_000.0), "1.5y");
        assert_eq!(signed_duration(-725.0), "-12m 5s");
        assert_eq!(signed_duration(0.25), "+250ms");
        assert_eq!(signed_duration(0.0), "0s");
    }
}
