//! The request-based figures of a run with `[traffic]`, in words, for the text summary and
//! `report.html`: request success beside the time-based availability.

use super::explain::percent;
use super::format::{duration, share_percent, significant};
use super::text::availability_line;
use crate::explain::{RequestEstimate, Window};
use crate::stats::{Availability, Summary};
use serde_json::Value;
use std::fmt::Write;

/// Rows (figure, value) of the `requests` section of `summary`, none without one: the
/// system's success, failed requests per year and per outage, and retry delays, then each
/// service's success.
pub(crate) fn request_rows(summary: &Summary) -> Vec<(String, String)> {
    let Some(requests) = summary.measures.get("requests") else {
        return Vec::new();
    };
    let mut rows = success_rows("requests", requests, &summary.availability);
    let figure = |value: &Value, key: &str| value[key].as_f64().unwrap_or(0.0);
    let failed = &requests["failed_per_year"];
    let mean = figure(failed, "mean");
    rows.push((
        "failed/year".to_string(),
        format!(
            "mean {}   p50 {}   p99 {}   of {} requests",
            significant(mean, mean),
            significant(figure(failed, "p50"), mean),
            significant(figure(failed, "p99"), mean),
            significant(figure(requests, "per_year"), figure(requests, "per_year")),
        ),
    ));
    let outage = &requests["failed_per_outage"];
    let mean = figure(outage, "mean");
    let unseen = outage["without_failures"]
        .as_f64()
        .map_or(String::new(), |share| {
            format!(
                "   no request failed in {} of outages",
                share_percent(share)
            )
        });
    rows.push((
        "failed/outage".to_string(),
        format!(
            "mean {}   p50 {}   p99 {}{unseen}",
            significant(mean, mean),
            significant(figure(outage, "p50"), mean),
            significant(figure(outage, "p99"), mean),
        ),
    ));
    let delay = &requests["retry_delay_s"];
    rows.push((
        "retry delay".to_string(),
        format!(
            "mean {}   p99 {}   p999 {}   max {}",
            duration(figure(delay, "mean")),
            duration(figure(delay, "p99")),
            duration(figure(delay, "p999")),
            duration(figure(delay, "max")),
        ),
    ));
    if let Some(Value::Object(services)) = requests.get("services") {
        for (name, service) in services {
            if let Some(time) = summary.services.get(name) {
                let label = format!("requests {name}");
                rows.extend(success_rows(&label, service, &time.availability));
            }
        }
    }
    rows
}

/// The request success of `section` beside the time-based `availability`.
fn success_rows(
    label: &str,
    section: &Value,
    availability: &Availability,
) -> Vec<(String, String)> {
    let Ok(success) = serde_json::from_value::<Availability>(section["success"].clone()) else {
        return Vec::new();
    };
    vec![(
        label.to_string(),
        format!(
            "success {}   (time-based {})",
            availability_line(&success),
            availability_line(availability)
        ),
    )]
}

/// `explain`'s request part: per expression with traffic, its request success beside the
/// time-based estimate, then the requests each cause's failures fail.
pub(crate) fn explain_requests_text(text: &mut String, estimates: &[RequestEstimate]) {
    if estimates.is_empty() {
        return;
    }
    let _ = writeln!(
        text,
        "\nRequests beside time (closed form, one failure at a time; `nines run` counts them \
         exactly):"
    );
    for estimate in estimates {
        let client = if estimate.attempts == 1 {
            "1 attempt".to_string()
        } else {
            format!(
                "{} attempts over {}",
                estimate.attempts,
                duration(estimate.last_attempt_s)
            )
        };
        // Two lines, so that a long service name and retry schedule still fit 100 columns.
        let _ = writeln!(
            text,
            "  {}: {} requests a year, {client}",
            estimate.name,
            significant(estimate.per_year, estimate.per_year),
        );
        let _ = writeln!(
            text,
            "    success {} (time-based {})",
            percent(estimate.success),
            percent(estimate.availability),
        );
        let width = (estimate.causes.iter())
            .map(|c| c.cause.len())
            .max()
            .unwrap_or(5)
            .max(5);
        let _ = writeln!(
            text,
            "    {:<width$}  {:>9}  {:>8}  {:>9}  {:>13}  {:>13}  {:>11}",
            "cause", "per year", "window", "mean", "attempt fails", "failed/window", "failed/year"
        );
        for cause in &estimate.causes {
            let window = match cause.window {
                Window::Outage => "outage",
                Window::Election => "election",
                Window::Routed => "routed",
            };
            let failed = cause.per_year * cause.failed_per_window;
            let _ = writeln!(
                text,
                "    {:<width$}  {:>9.3}  {:>8}  {:>9}  {:>13}  {:>13}  {:>11}",
                cause.cause,
                cause.per_year,
                window,
                duration(cause.window_mean_s),
                share_percent(cause.attempt_fails),
                significant(cause.failed_per_window, cause.failed_per_window),
                significant(failed, failed),
            );
        }
        let failed = estimate.failed_per_year;
        let _ = writeln!(
            text,
            "    {:<width$}  {:>73}",
            "all",
            significant(failed, failed)
        );
    }
}
