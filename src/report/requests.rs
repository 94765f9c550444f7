//! The request-based figures of a run with `[traffic]`, in words, for the text summary and
//! `report.html`: request success beside the time-based availability.

use super::format::{duration, share_percent, significant};
use super::text::availability_line;
use crate::stats::{Availability, Summary};
use serde_json::Value;

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
