//! The human summary `nines run` prints.

use super::data_loss::data_loss_rows;
use super::format::{count, duration, percent_to};
use super::requests::request_rows;
use crate::app::{Grown, Growth, Until};
use crate::measure::{DowntimeByKind, MaintenanceSummary};
use crate::stats::{Availability, Summary};
use crate::time::Duration;
use std::fmt::Write;

/// The summary as a few aligned lines of text.
///
/// A fixed layout of the downtime and outage figures, so it names them by hand rather than
/// iterating over the measures (`crate::measure`): a further measure that should show here
/// adds its line in this function.
pub fn summary_text(summary: &Summary) -> String {
    let mut text = String::new();
    let _ = writeln!(
        text,
        "{}: {}",
        summary.model,
        run_heading(summary.years, summary.horizon_s, summary.seed)
    );
    for (figure, value) in figure_rows(summary)
        .into_iter()
        .chain(request_rows(summary))
        .chain(data_loss_rows(summary))
    {
        let _ = writeln!(text, "  {figure:<16}{value}");
    }
    if let Some(per_year) = summary.cost_per_year {
        let _ = writeln!(
            text,
            "  {:<16}{}",
            "cost/year",
            super::format::cost(per_year)
        );
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
    let (header, rows) = super::cause_rows(summary);
    if !rows.is_empty() {
        let _ = writeln!(text, "  where the downtime goes (largest first)");
        for line in super::compare::aligned(&header, &rows).lines() {
            let _ = writeln!(text, "    {line}");
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

/// `shard 1/3: years 100–199 of 300`: which years of the whole run a shard's summary
/// covers, so that it does not read as a shorter run of its own.
pub fn shard_heading(shard: crate::shard::Shard, years: std::ops::Range<u64>, of: u64) -> String {
    let last = years.end.saturating_sub(1);
    format!("shard {shard}: years {}–{last} of {of}", years.start)
}

/// The short name of one simulated horizon in labels: `year` or e.g. `30d`.
pub(crate) fn period(horizon_s: f64) -> String {
    Duration::from_secs_f64(horizon_s).period_name()
}

/// The system's figures as (name, value) rows, values in words and units for people: the
/// downtime figures, then, for a model with planned work, its downtime apart from failures.
pub(crate) fn figure_rows(summary: &Summary) -> Vec<(String, String)> {
    let period = period(summary.horizon_s);
    let d = &summary.downtime_per_year_s;
    let r = &summary.rto_s;
    let outages = if r.count > 0 {
        format!(
            "mean {}   p50 {}   p90 {}   p99 {}   max {}   ({})",
            duration(r.mean),
            duration(r.p50),
            duration(r.p90),
            duration(r.p99),
            duration(r.max),
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
                duration(d.mean),
                duration(d.p50),
                duration(d.p90),
                duration(d.p99)
            ),
        ),
        (
            format!("outages/{period}"),
            format!("{:.3}", summary.outages_per_year.mean),
        ),
        ("outage length".to_string(), outages),
    ]
    .into_iter()
    .chain(planned_rows(summary, &period))
    .collect()
}

/// The rows of planned work: downtime by kind of outage, per upgrade, and of node drains.
fn planned_rows(summary: &Summary, period: &str) -> Vec<(String, String)> {
    let section = |key: &str| summary.measures.get(key).cloned();
    let mut rows = Vec::new();
    if let Some(Ok(kinds)) =
        section(DowntimeByKind::KEY).map(serde_json::from_value::<DowntimeByKind>)
    {
        rows.push((
            "by kind".to_string(),
            format!(
                "failure {}   maintenance {}   incident {}",
                duration(kinds.failure),
                duration(kinds.maintenance),
                duration(kinds.incident)
            ),
        ));
    }
    if let Some(Ok(work)) =
        section(MaintenanceSummary::KEY).map(serde_json::from_value::<MaintenanceSummary>)
    {
        let d = work.downtime_per_upgrade_s;
        // Figures of no upgrade at all (node drains alone, or a first upgrade past the
        // horizon) would read as upgrades without downtime.
        let per_upgrade = if work.upgrades_per_year == 0 {
            format!("none: no upgrade begins within the {period}")
        } else {
            format!(
                "mean {}   p50 {}   p99 {}   max {}   ({}/{period})",
                duration(d.mean),
                duration(d.p50),
                duration(d.p99),
                duration(d.max),
                count(work.upgrades_per_year, "upgrade")
            )
        };
        rows.push(("per upgrade".to_string(), per_upgrade));
        if work.drains_per_year > 0 {
            let drains = summary.causes.get("node/drain");
            rows.push((
                "node drains".to_string(),
                format!(
                    "{}/{period} of the maintenance downtime   ({}/{period}, cause node/drain)",
                    duration(drains.map_or(0.0, |c| c.downtime_per_year_s)),
                    count(work.drains_per_year, "drain")
                ),
            ));
        }
    }
    rows
}

/// An availability on one line: mean, 95% CI and nines.
pub(crate) fn availability_line(a: &Availability) -> String {
    let [mean, ci, nines] = availability_cells(a);
    format!("{mean}   95% CI {ci}   {nines}")
}

/// An availability as three short strings: the mean in percent, the 95% CI, the nines.
pub(crate) fn availability_cells(a: &Availability) -> [String; 3] {
    let decimals = availability_decimals(a);
    let percent = |x: f64| percent_to(x, decimals);
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
    (least..=MOST)
        .find(|&d| percent_to(low, d) != percent_to(high, d))
        .unwrap_or(MOST)
}

/// How a growing run ended (`check --until-decided`, `run --target-ci-width`): its goal,
/// whether it was reached, after how many years and steps.
pub fn growth_text(growth: &Growth, grown: Grown, years: u64) -> String {
    let steps = count(u64::from(grown.steps), "step");
    let years = count(years, "year");
    let goal = match growth.until {
        Until::Decided => "until decided".to_string(),
        Until::CiWidth(width) => format!("target CI width {}", width.label()),
    };
    match (growth.until, grown.reached) {
        (Until::Decided, true) => format!("{goal}: every target decided after {years} ({steps})"),
        (Until::CiWidth(_), true) => format!("{goal}: reached after {years} ({steps})"),
        (_, false) => format!(
            "{goal}: not reached at the cap of {years} ({steps}); raise --max-years to go on"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn run_headings_count_years() {
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
