//! SVG plots, drawn with plotters' SVG backend (text as `<text>` elements, so no font
//! library is needed to build or to draw). Each function returns the SVG document as a
//! string; the same data always gives the same bytes.
//!
//! Every plot carries its title as the caption and names its axes, so a test (or a
//! reader of the page's text) can tell which plot is which.

use super::format::{Target, count, duration, escape, markup_allows, percent};
use super::timeline::Timeline;
use crate::stats::{Availability, Quantiles, nines};
use crate::time::Duration;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Size of every plot, in pixels.
const SIZE: (u32, u32) = (860, 460);

/// Points on each CDF curve.
const CDF_POINTS: usize = 200;

/// Bins of the yearly downtime histogram.
const HISTOGRAM_BINS: usize = 40;

/// One curve or bar set, with its legend label.
pub struct Series<'a> {
    /// Legend label.
    pub label: String,
    /// The values it shows.
    pub values: &'a Quantiles,
}

type PlotResult = Result<(), Box<dyn std::error::Error>>;

/// Draws into an SVG string; a drawing error (none is expected with the SVG backend)
/// becomes a one-line SVG saying so, so a report is never left without its plot.
fn svg(draw: impl FnOnce(&DrawingArea<SVGBackend<'_>, Shift>) -> PlotResult) -> String {
    svg_sized(SIZE, draw)
}

/// [`svg`] at another size, for a plot whose rows need more room.
fn svg_sized(
    size: (u32, u32),
    draw: impl FnOnce(&DrawingArea<SVGBackend<'_>, Shift>) -> PlotResult,
) -> String {
    let mut text = String::new();
    let outcome = {
        let root = SVGBackend::with_string(&mut text, size).into_drawing_area();
        root.fill(&WHITE)
            .map_err(Into::into)
            .and_then(|()| draw(&root))
            .and_then(|()| root.present().map_err(Into::into))
    };
    match outcome {
        // plotters escapes `<`, `&` and quotes in text, but writes every other character as
        // it is: one that no SVG document may hold (in a file path a comparison labels its
        // variants with, say) becomes U+FFFD, so the plot stays well-formed.
        Ok(()) if text.chars().all(markup_allows) => text,
        Ok(()) => text
            .chars()
            .map(|c| {
                if markup_allows(c) {
                    c
                } else {
                    char::REPLACEMENT_CHARACTER
                }
            })
            .collect(),
        Err(error) => format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\"><text x=\"10\" y=\"20\">plot failed: {}</text></svg>",
            escape(&error.to_string(), Target::Svg)
        ),
    }
}

/// The chart every plot starts from: caption, margin and room for the axis labels.
fn builder<'a, 'b>(
    root: &'a DrawingArea<SVGBackend<'b>, Shift>,
    title: &str,
    y_label_area: u32,
) -> ChartBuilder<'a, 'b, SVGBackend<'b>> {
    let mut builder = ChartBuilder::on(root);
    builder
        .caption(title, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(44)
        .y_label_area_size(y_label_area);
    builder
}

/// Draws the series' legend at `position`.
fn legend<'a, CT: CoordTranslate>(
    chart: &mut ChartContext<'a, SVGBackend<'a>, CT>,
    position: SeriesLabelPosition,
) -> PlotResult {
    chart
        .configure_series_labels()
        .position(position)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()?;
    Ok(())
}

/// A legend entry for a line drawn with `style`.
fn line_key(style: ShapeStyle) -> impl Fn((i32, i32)) -> PathElement<(i32, i32)> {
    move |(x, y)| PathElement::new([(x, y), (x + 18, y)], style)
}

/// Series colours that read on white: the Okabe-Ito palette without its yellow (Okabe and
/// Ito 2008, "Color Universal Design", https://jfly.uni-koeln.de/color/), also told apart
/// by colour-blind readers, then two dark colours of Paul Tol's "muted" scheme for more
/// series (https://personal.sron.nl/~pault/).
const PALETTE: [RGBColor; 9] = [
    RGBColor(0, 0, 0),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(0, 158, 115),
    RGBColor(0, 114, 178),
    RGBColor(204, 121, 167),
    RGBColor(136, 34, 85),
    RGBColor(153, 153, 51),
    RGBColor(213, 94, 0),
];

/// The colour of series `index`; the palette repeats beyond its length.
fn colour(index: usize) -> RGBColor {
    PALETTE[index % PALETTE.len()]
}

/// A unit for durations on an axis, chosen so the largest value reads well.
#[derive(Clone, Copy)]
struct Unit {
    name: &'static str,
    secs: f64,
}

impl Unit {
    fn for_max(max_secs: f64) -> Unit {
        match max_secs {
            s if s >= 2.0 * 86_400.0 => Unit {
                name: "days",
                secs: 86_400.0,
            },
            s if s >= 2.0 * 3_600.0 => Unit {
                name: "hours",
                secs: 3_600.0,
            },
            s if s >= 120.0 => Unit {
                name: "minutes",
                secs: 60.0,
            },
            _ => Unit {
                name: "seconds",
                secs: 1.0,
            },
        }
    }
}

/// A tick of [`duration_ticks`] as it is read: `1s`, `10m`, `6h`, `1d`, `100ms` (not `1m 0s`).
fn duration_tick(secs: f64) -> String {
    if secs >= 1.0 {
        Duration::from_secs_f64(secs).to_string()
    } else {
        duration(secs)
    }
}

/// The log axis from `min` to `max`, widened on both sides until at least two of its ticks
/// fall in it: outages that all last about the same (65 days, say) span too little of a log
/// axis for any tick, which left it without a label.
fn with_two_ticks(mut min: f64, mut max: f64) -> (f64, f64) {
    // Every two neighbouring ticks are within a factor of 10, so a few doublings suffice.
    for _ in 0..8 {
        if duration_ticks(min, max).len() >= 2 {
            break;
        }
        (min, max) = ((min / 2.0).max(1e-3), max * 2.0);
    }
    (min, max)
}

/// Ticks of a log axis of durations in seconds from `min` to `max`, at durations a person
/// reads at a glance (1s, 10s, 1m, 10m, 1h, 1d, ...) rather than at powers of ten seconds
/// (`16m 40s`); at 1-2-5 steps when fewer than three of those fall in the range.
fn duration_ticks(min: f64, max: f64) -> Vec<f64> {
    const COARSE: [f64; 14] = [
        1e-3,
        1e-2,
        0.1,
        1.0,
        10.0,
        60.0,
        600.0,
        3600.0,
        21600.0,
        86400.0,
        604800.0,
        2592000.0,
        31536000.0,
        315360000.0,
    ];
    const FINE: [f64; 32] = [
        1e-3,
        2e-3,
        5e-3,
        1e-2,
        2e-2,
        5e-2,
        0.1,
        0.2,
        0.5,
        1.0,
        2.0,
        5.0,
        10.0,
        20.0,
        30.0,
        60.0,
        120.0,
        300.0,
        600.0,
        1200.0,
        1800.0,
        3600.0,
        7200.0,
        21600.0,
        43200.0,
        86400.0,
        172800.0,
        604800.0,
        2592000.0,
        7776000.0,
        31536000.0,
        315360000.0,
    ];
    let within = |ticks: &[f64]| -> Vec<f64> {
        ticks
            .iter()
            .copied()
            .filter(|t| (min..=max).contains(t))
            .collect()
    };
    let coarse = within(&COARSE);
    if coarse.len() >= 3 {
        coarse
    } else {
        within(&FINE)
    }
}

/// The cumulative distribution of outage durations, one curve per series, on a log axis.
pub fn outage_cdf(title: &str, series: &[Series<'_>]) -> String {
    let qs: Vec<f64> = (0..=CDF_POINTS)
        .map(|i| i as f64 / CDF_POINTS as f64)
        .collect();
    let curves: Vec<Vec<(f64, f64)>> = series
        .iter()
        .filter(|s| s.values.count() > 0)
        .map(|s| {
            let xs = s.values.quantiles_of(&qs);
            xs.into_iter().zip(qs.iter().copied()).collect()
        })
        .collect();
    let max = curves.iter().flatten().map(|p| p.0).fold(1.0, f64::max) * 1.2;
    let min = curves
        .iter()
        .flatten()
        .map(|p| p.0)
        .filter(|x| *x > 0.0)
        .fold(max, f64::min)
        .max(1e-3)
        / 1.2;
    let (min, max) = with_two_ticks(min, max);
    svg(|root| {
        let mut chart = builder(root, title, 56).build_cartesian_2d(
            (min..max)
                .log_scale()
                .with_key_points(duration_ticks(min, max)),
            0.0..1.0,
        )?;
        chart
            .configure_mesh()
            .x_desc("outage duration (log scale)")
            .y_desc("fraction of outages at most this long")
            .x_label_formatter(&|secs| duration_tick(*secs))
            .draw()?;
        for (index, (curve, s)) in curves
            .iter()
            .zip(series.iter().filter(|s| s.values.count() > 0))
            .enumerate()
        {
            // The first curve (all causes, or the baseline variant) in black.
            let style = if index == 0 { BLACK } else { colour(index) }.stroke_width(2);
            let points = curve.iter().map(|(x, q)| (x.max(min), *q));
            chart
                .draw_series(LineSeries::new(points, style))?
                .label(format!(
                    "{} ({})",
                    s.label,
                    count(s.values.count(), "outage")
                ))
                .legend(line_key(style));
        }
        legend(&mut chart, SeriesLabelPosition::LowerRight)?;
        Ok(())
    })
}

/// The histogram of yearly downtime, one bar set per series (as a fraction of years), with
/// the downtime the SLO allows per year as a vertical line when there is one. `period`
/// names one simulated horizon (`year`, `30d`).
///
/// The axis runs to the largest 99th percentile of the series (or to the SLO line if that
/// is not much further), so that the long tail of a few bad years does not squeeze every
/// other year into the first bar; the years beyond share one overflow bar, set apart at
/// the right end and labelled with where it starts.
pub fn downtime_histogram(
    title: &str,
    period: &str,
    series: &[Series<'_>],
    slo: Option<(f64, Duration)>,
) -> String {
    let slo_budget = slo.map(|(_, budget)| budget.as_secs_f64());
    let axis = HistogramAxis::new(series, slo_budget);
    let unit = Unit::for_max(axis.end_secs);
    let bars: Vec<Vec<f64>> = series.iter().map(|s| axis.fractions(s.values)).collect();
    let top = bars.iter().flatten().copied().fold(0.01, f64::max) * 1.1;
    let bin = axis.end_secs / unit.secs / HISTOGRAM_BINS as f64;
    // The overflow bar sits one empty bin to the right of the last regular one.
    let x_end = bin * (HISTOGRAM_BINS + usize::from(axis.overflow) * 3) as f64;
    let axis_end = axis.end_secs / unit.secs;
    svg(|root| {
        let mut chart = builder(root, title, 56).build_cartesian_2d(0.0..x_end, 0.0..top)?;
        chart
            .configure_mesh()
            .x_desc(format!("downtime per {period} ({})", unit.name))
            .y_desc("fraction of simulated years")
            // No ticks under the overflow bar: it is not on the scale.
            .x_label_formatter(&|x| {
                if *x <= axis_end * (1.0 + 1e-9) {
                    axis_number(*x)
                } else {
                    String::new()
                }
            })
            .draw()?;
        for (index, (fractions, s)) in bars.iter().zip(series).enumerate() {
            let style = colour(index);
            let fill = style.mix(0.55).filled();
            let rectangles = fractions.iter().enumerate().filter(|(_, f)| **f > 0.0).map(
                move |(index, fraction)| {
                    let x0 = if index < HISTOGRAM_BINS {
                        index as f64 * bin
                    } else {
                        (HISTOGRAM_BINS + 1) as f64 * bin
                    };
                    Rectangle::new([(x0, 0.0), (x0 + bin, *fraction)], fill)
                },
            );
            chart
                .draw_series(rectangles)?
                .label(format!("{} ({})", s.label, count(s.values.count(), "year")))
                .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], fill));
        }
        if axis.overflow {
            // Above the overflow bar, ending at its right edge.
            let label = format!("> {}", duration(axis.end_secs));
            let height = bars
                .iter()
                .filter_map(|fractions| fractions.last())
                .fold(0.0, |a: f64, b| a.max(*b));
            let style = ("sans-serif", 13)
                .into_font()
                .color(&BLACK)
                .pos(Pos::new(HPos::Right, VPos::Bottom));
            chart.draw_series(std::iter::once(Text::new(
                label,
                ((HISTOGRAM_BINS + 2) as f64 * bin, height + top * 0.02),
                style,
            )))?;
        }
        if let (Some((target, _)), Some(budget)) = (slo, slo_budget) {
            let style = RED.stroke_width(2);
            let label = format!(
                "SLO {}: at most {} per {period}",
                percent(target),
                duration(budget)
            );
            if budget <= axis.end_secs {
                let x = budget / unit.secs;
                chart
                    .draw_series(LineSeries::new([(x, 0.0), (x, top)], style))?
                    .label(label)
                    .legend(line_key(style));
            } else {
                // Beyond the scale: named in the legend, not drawn.
                chart
                    .draw_series(std::iter::empty::<PathElement<(f64, f64)>>())?
                    .label(format!("{label} (beyond the axis)"))
                    .legend(line_key(style));
            }
        }
        legend(&mut chart, SeriesLabelPosition::UpperRight)?;
        Ok(())
    })
}

/// A tick value with at most three decimals and no trailing zeros: `0`, `2.5`, `0.125`.
fn axis_number(x: f64) -> String {
    let text = format!("{x:.3}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" { "0" } else { text }.to_string()
}

/// Where the yearly-downtime histogram's regular bins end, and whether any year lies
/// beyond them.
struct HistogramAxis {
    end_secs: f64,
    overflow: bool,
}

impl HistogramAxis {
    fn new(series: &[Series<'_>], slo_budget: Option<f64>) -> HistogramAxis {
        let p99 = series
            .iter()
            .map(|s| s.values.quantiles_secs([0.99])[0])
            .fold(0.0, f64::max);
        let max = series
            .iter()
            .map(|s| s.values.max_secs())
            .fold(0.0, f64::max);
        let mut end = if p99 > 0.0 { p99 } else { max };
        // Draw the SLO line on the scale when that costs at most a factor of three.
        if let Some(budget) = slo_budget.filter(|b| *b <= 3.0 * end.max(1.0)) {
            end = end.max(budget);
        }
        let end_secs = (end * 1.05).max(1.0);
        HistogramAxis {
            end_secs,
            overflow: max > end_secs,
        }
    }

    /// The share of `values` in each of the regular bins, then (with an overflow bar) the
    /// share beyond them.
    fn fractions(&self, values: &Quantiles) -> Vec<f64> {
        let edges: Vec<Duration> = (0..=HISTOGRAM_BINS)
            .map(|i| Duration::from_secs_f64(self.end_secs * i as f64 / HISTOGRAM_BINS as f64))
            .collect();
        let mut counts = values.bin_counts(&edges);
        if self.overflow {
            let regular: u64 = counts.iter().sum();
            counts.push(values.count() - regular);
        }
        let total = values.count().max(1) as f64;
        counts.into_iter().map(|n| n as f64 / total).collect()
    }
}

/// Nines of each variant of a sweep with their 95% CI as error bars; `labels` name the
/// variants along the x axis, described by `x_desc`.
pub fn sweep_chart(
    title: &str,
    x_desc: &str,
    labels: &[String],
    availability: &[Availability],
) -> String {
    let nines_of = |a: f64| nines(a.min(1.0 - 1e-12)).unwrap_or(12.0);
    let bars: Vec<(usize, f64, f64, f64)> = availability
        .iter()
        .enumerate()
        .filter(|(_, a)| a.nines.is_some())
        .map(|(i, a)| {
            let mid = nines_of(a.mean);
            (i, nines_of(a.ci95[0]), mid, nines_of(a.ci95[1]))
        })
        .collect();
    let low = bars.iter().map(|b| b.1).fold(f64::INFINITY, f64::min);
    let high = bars.iter().map(|b| b.3).fold(f64::NEG_INFINITY, f64::max);
    let (low, high) = if low.is_finite() {
        (low, high)
    } else {
        (0.0, 1.0)
    };
    let pad = ((high - low) * 0.15).max(0.02);
    let count = labels.len().max(1) as u32;
    svg(|root| {
        let mut chart = builder(root, title, 56)
            .build_cartesian_2d((0..count).into_segmented(), (low - pad)..(high + pad))?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_desc(x_desc)
            .y_desc("nines (-log10 of unavailability), 95% CI")
            .x_labels(labels.len())
            .x_label_formatter(&|value| match value {
                SegmentValue::CenterOf(i) => labels.get(*i as usize).cloned().unwrap_or_default(),
                _ => String::new(),
            })
            .draw()?;
        let style = BLUE.stroke_width(2);
        chart
            .draw_series(bars.iter().map(|(i, low, mid, high)| {
                ErrorBar::new_vertical(
                    SegmentValue::CenterOf(*i as u32),
                    *low,
                    *mid,
                    *high,
                    style.filled(),
                    14,
                )
            }))?
            .label("nines with 95% CI")
            .legend(line_key(style));
        chart.draw_series(LineSeries::new(
            bars.iter()
                .map(|(i, _, mid, _)| (SegmentValue::CenterOf(*i as u32), *mid)),
            BLUE.mix(0.4),
        ))?;
        legend(&mut chart, SeriesLabelPosition::UpperRight)?;
        Ok(())
    })
}

/// Which components were down when in one year, with the system's outages on the top row
/// (red) and one row per component below it, in model order; `period` names the horizon.
/// Intervals shorter than a pixel are widened to one so that short outages stay visible.
pub fn timeline(title: &str, period: &str, timeline: &Timeline) -> String {
    let rows = timeline.rows();
    let days = timeline.horizon.as_secs_f64() / 86_400.0;
    let min_width = days / f64::from(SIZE.0) * 1.5;
    let count = rows.len() as u32;
    // The y axis counts from the bottom: row i of the list is drawn at count - 1 - i.
    // A segmented range of integers includes its end, so 0..count - 1 has `count` rows.
    let level = |index: usize| count - 1 - index as u32;
    svg(|root| {
        let mut chart = builder(root, title, 110)
            .build_cartesian_2d(0.0..days, (0..count.saturating_sub(1)).into_segmented())?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .x_desc(if period == "year" {
                "day of the simulated year".to_string()
            } else {
                format!("day (one simulated year lasts {period})")
            })
            .y_desc("down intervals")
            .x_label_formatter(&|day| axis_number(*day))
            .y_labels(rows.len())
            .y_label_formatter(&|value| match value {
                SegmentValue::CenterOf(i) => (count - 1)
                    .checked_sub(*i)
                    .and_then(|index| rows.get(index as usize))
                    .map(|row| row.name.clone())
                    .unwrap_or_default(),
                _ => String::new(),
            })
            .draw()?;
        for (index, row) in rows.iter().enumerate() {
            let fill = if index == 0 {
                RED.filled()
            } else {
                colour(index).mix(0.8).filled()
            };
            let y = level(index);
            chart.draw_series(row.down.iter().map(|(start, end)| {
                let x0 = start.as_secs_f64() / 86_400.0;
                let x1 = (end.as_secs_f64() / 86_400.0).max(x0 + min_width);
                Rectangle::new(
                    [
                        (x0, SegmentValue::Exact(y)),
                        (x1, SegmentValue::Exact(y + 1)),
                    ],
                    fill,
                )
            }))?;
        }
        Ok(())
    })
}

/// One combination of `nines optimize` on the cost plot.
pub struct CostPoint {
    /// Cost per year.
    pub cost: f64,
    /// Mean availability with its 95% CI.
    pub availability: Availability,
    /// Whether it is on the Pareto frontier.
    pub frontier: bool,
}

/// Nines for a plot: a run without downtime is drawn at 12 nines, off any real scale.
fn plot_nines(availability: f64) -> f64 {
    nines(availability.min(1.0 - 1e-12)).unwrap_or(12.0)
}

/// The low and high ends of `values` with `pad` (a share of the span, at least `least`)
/// on each side; `(0, 1)` when there are none.
fn padded(values: impl Iterator<Item = f64>, pad: f64, least: f64) -> (f64, f64) {
    let (low, high) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), x| {
        (l.min(x), h.max(x))
    });
    if !low.is_finite() {
        return (0.0, 1.0);
    }
    let pad = ((high - low) * pad).max(least);
    (low - pad, high + pad)
}

/// `frontier.svg`: each combination's nines against its cost per year with the 95% CI as
/// an error bar, the Pareto frontier joined by a line, and the availability target as a
/// red line.
pub fn frontier_chart(title: &str, points: &[CostPoint], target: f64) -> String {
    let target_nines = plot_nines(target);
    let nines_range = points
        .iter()
        .flat_map(|p| [p.availability.ci95[0], p.availability.ci95[1]])
        .map(plot_nines)
        .chain([target_nines]);
    let (low, high) = padded(nines_range, 0.1, 0.05);
    let (left, right) = padded(points.iter().map(|p| p.cost), 0.05, 1.0);
    let mut frontier: Vec<&CostPoint> = points.iter().filter(|p| p.frontier).collect();
    frontier.sort_by(|a, b| a.cost.total_cmp(&b.cost));
    svg(|root| {
        let mut chart =
            builder(root, title, 56).build_cartesian_2d(left.max(0.0)..right, low..high)?;
        chart
            .configure_mesh()
            .x_desc("cost per year")
            .y_desc("nines (-log10 of unavailability), 95% CI")
            .x_label_formatter(&|x| super::format::cost(*x))
            .draw()?;
        let style = BLUE.stroke_width(1);
        chart
            .draw_series(points.iter().map(|p| {
                ErrorBar::new_vertical(
                    p.cost,
                    plot_nines(p.availability.ci95[0]),
                    plot_nines(p.availability.mean),
                    plot_nines(p.availability.ci95[1]),
                    style.filled(),
                    8,
                )
            }))?
            .label("combination, nines with 95% CI")
            .legend(line_key(style));
        let line = BLACK.stroke_width(2);
        chart
            .draw_series(LineSeries::new(
                frontier
                    .iter()
                    .map(|p| (p.cost, plot_nines(p.availability.mean))),
                line,
            ))?
            .label("Pareto frontier")
            .legend(line_key(line));
        let red = RED.stroke_width(2);
        chart
            .draw_series(LineSeries::new(
                [(left.max(0.0), target_nines), (right, target_nines)],
                red,
            ))?
            .label(format!("target {}", percent(target)))
            .legend(line_key(red));
        legend(&mut chart, SeriesLabelPosition::LowerRight)?;
        Ok(())
    })
}

/// A paired change in downtime per year, with its 95% CI, named.
pub struct Change<'a> {
    /// What changed: a variant's label, a parameter's value.
    pub label: &'a str,
    /// Mean paired change in seconds per year.
    pub mean_s: f64,
    /// Its 95% CI, when there is one.
    pub ci95: Option<[f64; 2]>,
}

/// The time unit and the span of an axis of changes in downtime (with zero on it).
fn change_axis<'a>(changes: impl Iterator<Item = &'a Change<'a>>) -> (Unit, f64, f64) {
    let ends: Vec<f64> = changes
        .flat_map(|c| {
            let [low, high] = c.ci95.unwrap_or([c.mean_s, c.mean_s]);
            [low, high, c.mean_s]
        })
        .chain([0.0])
        .collect();
    let unit = Unit::for_max(ends.iter().fold(0.0, |m, x| m.max(x.abs())));
    let (low, high) = padded(ends.iter().map(|x| x / unit.secs), 0.08, 1e-3);
    (unit, low, high)
}

/// The paired change in downtime per year of each variant against variant 0 (`changes`
/// of variants 1 on), with its 95% CI as an error bar and zero as a line: the precise
/// comparison, which each variant's own interval is not.
pub fn differences_chart(title: &str, period: &str, changes: &[Change<'_>]) -> String {
    let (unit, low, high) = change_axis(changes.iter());
    let count = changes.len().max(1) as u32;
    svg(|root| {
        let mut chart =
            builder(root, title, 64).build_cartesian_2d((0..count).into_segmented(), low..high)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_desc("variant")
            .y_desc(format!(
                "change in downtime per {period} against variant 0 ({}), 95% CI",
                unit.name
            ))
            .x_labels(changes.len())
            .x_label_formatter(&|value| match value {
                SegmentValue::CenterOf(i) => changes
                    .get(*i as usize)
                    .map(|c| c.label.to_string())
                    .unwrap_or_default(),
                _ => String::new(),
            })
            .draw()?;
        chart.draw_series(LineSeries::new(
            [
                (SegmentValue::Exact(0), 0.0),
                (SegmentValue::Exact(count), 0.0),
            ],
            BLACK.stroke_width(1),
        ))?;
        let style = BLUE.stroke_width(2);
        chart
            .draw_series(changes.iter().enumerate().map(|(i, c)| {
                let [lo, hi] = c.ci95.unwrap_or([c.mean_s, c.mean_s]);
                ErrorBar::new_vertical(
                    SegmentValue::CenterOf(i as u32),
                    lo / unit.secs,
                    c.mean_s / unit.secs,
                    hi / unit.secs,
                    style.filled(),
                    14,
                )
            }))?
            .label("paired change with 95% CI")
            .legend(line_key(style));
        legend(&mut chart, SeriesLabelPosition::UpperRight)?;
        Ok(())
    })
}

/// A parameter's two changes on the tornado chart.
pub struct Bar<'a> {
    /// The key path.
    pub key: &'a str,
    /// Halved (or one replica fewer), when tried.
    pub low: Option<Change<'a>>,
    /// Doubled (or one replica more), when tried.
    pub high: Option<Change<'a>>,
}

/// `tornado.svg`: one row per parameter, the largest effect at the top, with a bar from
/// zero to the paired change in downtime per year of halving (orange) and of doubling
/// (blue), each with its 95% CI as a whisker.
pub fn tornado_chart(title: &str, bars: &[Bar<'_>]) -> String {
    let (unit, low, high) =
        change_axis(bars.iter().flat_map(|b| b.low.iter().chain(b.high.iter())));
    let rows = bars.len().max(1) as u32;
    // Row 0 at the top: plotters counts up from the bottom.
    let row = |i: usize| rows - 1 - i as u32;
    let keys: Vec<&str> = bars.iter().map(|b| b.key).collect();
    let height = SIZE.1.max(120 + 22 * rows);
    svg_sized((SIZE.0 + 260, height), |root| {
        let mut chart =
            builder(root, title, 400).build_cartesian_2d(low..high, (0..rows).into_segmented())?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .x_desc(format!(
                "change in downtime per year against the model as written ({}), 95% CI",
                unit.name
            ))
            .y_labels(keys.len())
            .y_label_formatter(&|value| match value {
                SegmentValue::CenterOf(i) => keys
                    .get((rows - 1 - *i) as usize)
                    .map(|k| k.to_string())
                    .unwrap_or_default(),
                _ => String::new(),
            })
            .draw()?;
        for (side, colour_index, name) in [
            (0, 1, "halved (replicas −1)"),
            (1, 4, "doubled (replicas +1)"),
        ] {
            let fill = colour(colour_index);
            let changes: Vec<(u32, &Change<'_>)> = bars
                .iter()
                .enumerate()
                .filter_map(|(i, b)| [&b.low, &b.high][side].as_ref().map(|c| (row(i), c)))
                .collect();
            chart
                .draw_series(changes.iter().map(|(r, c)| {
                    let mut bar = Rectangle::new(
                        [
                            (0.0, SegmentValue::Exact(*r)),
                            (c.mean_s / unit.secs, SegmentValue::Exact(r + 1)),
                        ],
                        fill.mix(0.6).filled(),
                    );
                    bar.set_margin(3 + 8 * side as u32, 11 - 8 * side as u32, 0, 0);
                    bar
                }))?
                .label(name)
                .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 16, y + 5)], fill.filled()));
            chart.draw_series(changes.iter().filter_map(|(r, c)| {
                let [lo, hi] = c.ci95?;
                Some(ErrorBar::new_horizontal(
                    SegmentValue::CenterOf(*r),
                    lo / unit.secs,
                    c.mean_s / unit.secs,
                    hi / unit.secs,
                    BLACK.stroke_width(1),
                    6,
                ))
            }))?;
        }
        legend(&mut chart, SeriesLabelPosition::LowerRight)?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {

    /// Outages that all last 65 days: the axis around them (54 to 78 days) holds no tick,
    /// so it is widened until two do, and the figure's axis has labels.
    #[test]
    fn an_axis_around_one_duration_gets_two_ticks() {
        let (min, max) = (5_616_000.0 / 1.2, 5_616_000.0 * 1.2);
        assert!(duration_ticks(min, max).is_empty());
        let (wide_min, wide_max) = with_two_ticks(min, max);
        assert!(wide_min <= min && wide_max >= max);
        assert!(duration_ticks(wide_min, wide_max).len() >= 2);
        // A range that already has its ticks is left alone.
        assert_eq!(with_two_ticks(1.0, 3600.0), (1.0, 3600.0));
    }
    use super::*;

    /// Labels with characters no SVG document may hold (a comparison labels its variants
    /// with their file paths, which may hold anything) still give a well-formed plot.
    #[test]
    fn plots_stay_well_formed_whatever_their_labels() {
        let availability = Availability {
            mean: 0.999,
            ci95: [0.998, 0.9995],
            nines: Some(3.0),
        };
        let labels = ["a\u{fffe}.toml".to_string(), "b\u{1b}.toml".to_string()];
        let svg = sweep_chart("title \u{ffff}", "model", &labels, &[availability; 2]);
        roxmltree::Document::parse(&svg).unwrap();
        assert!(svg.contains("a\u{fffd}.toml") && svg.contains("title \u{fffd}"));
    }

    /// A wide range gets ticks at round durations, labelled as they are read; a narrow one
    /// falls back to 1-2-5 steps so that it still has some.
    #[test]
    fn duration_axes_tick_at_round_durations() {
        let wide: Vec<String> = duration_ticks(0.5, 30_000.0)
            .into_iter()
            .map(duration_tick)
            .collect();
        assert_eq!(wide, ["1s", "10s", "1m", "10m", "1h", "6h"]);
        let narrow: Vec<String> = duration_ticks(40.0, 200.0)
            .into_iter()
            .map(duration_tick)
            .collect();
        assert_eq!(narrow, ["1m", "2m"]);
        assert_eq!(duration_tick(0.1), duration(0.1));
    }
}
