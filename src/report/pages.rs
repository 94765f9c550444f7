//! The plots and `report.html` of a run and of a sweep or comparison, assembled from the
//! accumulated statistics.
//!
//! Each plot draws a figure of the downtime measure (`crate::measure::Downtime`) in a
//! layout of its own, so the plots name those figures rather than iterating over the
//! measures; a further measure that should be drawn adds its plot here.

use super::compare::ComparisonTables;
use super::format::{count, duration};
use super::html::HtmlPage;
use super::plot::{self, Series};
use super::requests::request_rows;
use super::text::{availability_line, figure_rows};
use super::timeline::Timeline;
use crate::check::Verdict;
use crate::plan::Plan;
use crate::stats::{Accumulator, Breakdown, Summary};
use crate::time::Duration;

/// Causes drawn in the outage-duration CDF of a run; the rest are named as omitted.
const CDF_CAUSES: usize = 8;

/// One plot: its file name in the output directory, its id and caption in the page.
pub struct Plot {
    /// File name, e.g. `outage-cdf.svg`.
    pub file: &'static str,
    /// The SVG document.
    pub svg: String,
    /// What it shows, for the page.
    pub caption: String,
}

/// What describes a run in its report.
pub struct RunFacts<'a> {
    /// The model file as named on the command line.
    pub file: &'a str,
    /// SHA-256 of the model file's bytes.
    pub hash: &'a str,
    /// The compiled model.
    pub plan: &'a Plan,
    /// The model's `[slo] availability` target, for the SLO line.
    pub availability_target: Option<f64>,
}

/// How the histograms treat the long tail, for their captions.
const HISTOGRAM_TAIL: &str = "the axis runs to the 99th percentile, and the rarer, longer \
     ones share the bar set apart at the right (labelled with where it starts).";

/// The downtime a year may have under an availability target, if there is one.
fn slo_budget(target: Option<f64>, horizon: Duration) -> Option<(f64, Duration)> {
    let target = target?;
    Some((
        target,
        Duration::from_secs_f64((1.0 - target) * horizon.as_secs_f64()),
    ))
}

/// The plots of one run: outage-duration CDF per cause, histogram of yearly downtime,
/// and the timeline of the year with the most downtime.
pub fn run_plots(
    facts: &RunFacts<'_>,
    stats: &Accumulator,
    breakdown: &Breakdown,
    timeline: &Timeline,
) -> Vec<Plot> {
    let plan = facts.plan;
    let causes = breakdown.by_cause();
    let mut series = vec![Series {
        label: "all causes".to_string(),
        values: &stats.outages(0).quantiles,
    }];
    series.extend(
        causes
            .iter()
            .take(CDF_CAUSES)
            .map(|(component, mode, values)| {
                let component = &plan.components[*component];
                // Every component shares the drain's cause: its line names the component.
                let label = if *mode as u32 == component.drain_cause() {
                    format!("{} ({})", component.causes[*mode], component.name)
                } else {
                    component.causes[*mode].clone()
                };
                Series { label, values }
            }),
    );
    let omitted = causes.len().saturating_sub(CDF_CAUSES);
    let mut cdf_caption = format!(
        "Cumulative distribution of outage durations, over all outages and for the {} causes \
         with the most outages (a cause is the failure that brought the system down).",
        causes.len().min(CDF_CAUSES)
    );
    if omitted > 0 {
        cdf_caption.push_str(&format!(" {omitted} rarer causes are not drawn."));
    }
    let years = stats.years();
    let per = plan.horizon.period_name();
    let histogram = plot::downtime_histogram(
        &format!("Downtime per simulated {per}"),
        &per,
        &[Series {
            label: "simulated years".to_string(),
            values: stats.yearly_downtime(0),
        }],
        slo_budget(facts.availability_target, plan.horizon),
    );
    let downtime: Duration = timeline.rows()[0]
        .down
        .iter()
        .map(|(start, end)| end.saturating_sub(*start))
        .fold(Duration::ZERO, Duration::saturating_add);
    let mut plots = vec![Plot {
        file: "outage-cdf.svg",
        svg: plot::outage_cdf("Outage duration by cause", &series),
        caption: cdf_caption,
    }];
    plots.extend(super::data_loss::rpo_plot(stats));
    plots.extend([
        Plot {
            file: "downtime-histogram.svg",
            svg: histogram,
            caption: format!(
                "Histogram of the system's downtime in each of the {} (each one horizon \
                 of {}); {HISTOGRAM_TAIL} The red line, when the model has an [slo] \
                 availability, is the downtime per {per} that target allows.",
                count(years, "simulated year"),
                plan.horizon.label()
            ),
        },
        Plot {
            file: "timeline.svg",
            svg: plot::timeline(
                &format!("Timeline of simulated year {}", timeline.year),
                &per,
                timeline,
            ),
            caption: format!(
                "Simulated year {} is the one with the most downtime of the {years} \
                 ({} in {}). Top row (red): the system is down; the rows below: when each \
                 component was not serving. Intervals shorter than a pixel are drawn a pixel \
                 wide.",
                timeline.year,
                duration(downtime.as_secs_f64()),
                count(timeline.rows()[0].down.len() as u64, "outage")
            ),
        },
    ]);
    plots
}

/// `report.html` of a run.
pub fn run_page(
    facts: &RunFacts<'_>,
    summary: &Summary,
    verdicts: &[Verdict],
    plots: &[Plot],
) -> String {
    let mut page = HtmlPage::new(&format!("nines report: {}", summary.model));
    page.facts(&[
        ("model", summary.model.clone()),
        ("file", facts.file.to_string()),
        ("SHA-256 of the file", facts.hash.to_string()),
        ("seed", summary.seed.to_string()),
        ("years", summary.years.to_string()),
        (
            "horizon",
            Duration::from_secs_f64(summary.horizon_s).label(),
        ),
    ]);
    page.heading("Summary");
    let (header, rows) = summary_rows(summary);
    page.table("summary", &header, &rows);
    if !verdicts.is_empty() {
        page.heading("SLO targets");
        page.paragraph(
            "Each target of the model's [slo]: pass when the whole 95% confidence interval \
             is on the right side of the bound, miss when it is on the wrong side, \
             inconclusive when it straddles the bound (more years would decide it).",
        );
        let (header, rows) = super::check::verdict_rows(verdicts);
        page.table("slo", &header, &rows);
    }
    let (header, rows) = super::cause_rows(summary);
    if !rows.is_empty() {
        page.heading("Where the downtime goes");
        page.paragraph(
            "The system's outages by cause (component/failure mode, component/node, \
             component/session), the most downtime first: outages and downtime per simulated \
             horizon, the cause's share of all downtime, its outage length's median and 99th \
             percentile, and the mean time spent detecting, electing and repairing.",
        );
        page.table("causes", &header, &rows);
    }
    page.heading("Plots");
    for plot in plots {
        page.figure(plot.file.trim_end_matches(".svg"), &plot.svg, &plot.caption);
    }
    page.finish()
}

fn summary_rows(summary: &Summary) -> (Vec<String>, Vec<Vec<String>>) {
    let header = ["figure", "value"].map(String::from).to_vec();
    let mut rows: Vec<Vec<String>> = figure_rows(summary)
        .into_iter()
        .chain(request_rows(summary))
        .map(|(figure, value)| vec![figure.to_string(), value])
        .collect();
    if let Some(per_year) = summary.cost_per_year {
        rows.push(vec!["cost/year".to_string(), super::format::cost(per_year)]);
    }
    rows.extend(summary.services.iter().map(|(name, service)| {
        vec![
            format!("service {name}"),
            availability_line(&service.availability),
        ]
    }));
    (header, rows)
}

/// The plots of a sweep or comparison: nines of each variant with CI bars, and each
/// variant's outage-duration CDF and yearly downtime histogram. `labels` name the
/// variants on the x axis, `x_desc` what they vary.
pub fn comparison_plots(
    tables: &ComparisonTables<'_>,
    accumulators: &[Accumulator],
    availability_target: Option<(f64, Duration)>,
) -> Vec<Plot> {
    let labels: Vec<String> = tables.values.iter().map(|v| v.join(", ")).collect();
    let x_desc = tables.keys.join(", ");
    let availability: Vec<_> = tables
        .results
        .iter()
        .map(|r| r.summary.availability)
        .collect();
    let series = |values: fn(&Accumulator) -> &crate::stats::Quantiles| -> Vec<Series<'_>> {
        accumulators
            .iter()
            .zip(&labels)
            .enumerate()
            .map(|(index, (accumulator, label))| Series {
                label: format!("{index}: {label}"),
                values: values(accumulator),
            })
            .collect()
    };
    let slo = availability_target.and_then(|(target, horizon)| slo_budget(Some(target), horizon));
    let per = tables.period();
    let mut plots = vec![
        Plot {
            file: "sweep.svg",
            svg: plot::sweep_chart("Nines of each variant", &x_desc, &labels, &availability),
            caption: "Nines (−log10 of the mean unavailability) of each variant, with the \
                      95% CI of its mean availability as the error bar. The differences \
                      between variants are more precise than these bars suggest: see the \
                      paired differences."
                .to_string(),
        },
        Plot {
            file: "outage-cdf.svg",
            svg: plot::outage_cdf(
                "Outage duration by variant",
                &series(|accumulator| &accumulator.outages(0).quantiles),
            ),
            caption: "Cumulative distribution of outage durations of each variant.".to_string(),
        },
        Plot {
            file: "downtime-histogram.svg",
            svg: plot::downtime_histogram(
                &format!("Downtime per simulated {per} by variant"),
                &per,
                &series(|accumulator| accumulator.yearly_downtime(0)),
                slo,
            ),
            caption: format!(
                "Histogram of each variant's downtime per simulated {per}; \
                 {HISTOGRAM_TAIL} The red line, when the first variant's model has an [slo] \
                 availability, is the downtime per {per} that target allows."
            ),
        },
    ];
    if tables.results.len() > 1 {
        plots.insert(1, differences_plot(tables, &labels, &per));
    }
    plots
}

/// The paired change in downtime of each variant against variant 0, with its CI.
fn differences_plot(tables: &ComparisonTables<'_>, labels: &[String], per: &str) -> Plot {
    let changes: Vec<plot::Change<'_>> = tables
        .results
        .iter()
        .zip(labels)
        .filter_map(|(result, label)| {
            let difference = result.downtime_difference_s?;
            Some(plot::Change {
                label,
                mean_s: difference.mean,
                ci95: difference.ci95,
            })
        })
        .collect();
    Plot {
        file: "differences.svg",
        svg: plot::differences_chart("Paired change in downtime against variant 0", per, &changes),
        caption: format!(
            "Each variant's paired change in downtime per {per} against variant 0 (year k \
             against year k on the same random numbers), with its 95% paired-t CI: the \
             precise comparison. A bar wholly above the line is worse, wholly below better."
        ),
    }
}

/// `report.html` of a sweep or comparison: `title`, the `facts` that identify it, both
/// tables and the plots.
pub fn comparison_page(
    title: &str,
    facts: &[(&str, String)],
    tables: &ComparisonTables<'_>,
    plots: &[Plot],
) -> String {
    let mut page = HtmlPage::new(title);
    page.facts(facts);
    page.heading("Variants");
    let (header, rows) = tables.variants();
    page.table("variants", &header, &rows);
    let (header, rows) = tables.differences();
    if !rows.is_empty() {
        page.heading("Paired differences to variant 0");
        page.paragraph(
            "Each variant minus variant 0, year k against year k; the mean of the per-year \
             differences with its 95% Student-t (paired-t) confidence interval. The streams \
             line above says whether the variants shared their random numbers.",
        );
        page.table("differences", &header, &rows);
        page.heading("Verdicts against variant 0");
        for verdict in tables.verdicts() {
            page.paragraph(&verdict);
        }
    }
    let (header, rows) = tables.data_loss();
    if !rows.is_empty() {
        page.heading("Data lost to incidents");
        page.paragraph(
            "Each variant's own figures, not paired differences: the verdicts above judge \
             downtime alone.",
        );
        page.table("data-loss", &header, &rows);
    }
    page.heading("Plots");
    for plot in plots {
        page.figure(plot.file.trim_end_matches(".svg"), &plot.svg, &plot.caption);
    }
    page.finish()
}
