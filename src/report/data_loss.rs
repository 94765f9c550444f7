//! The data-loss lines of the text summary (SPEC section 7): incidents a year, the data
//! each recovered incident lost (its RPO), the data lost a year, and each incident's own;
//! and the plot of the RPO distribution beside the outage durations (the RTO).

use super::format::{count, duration};
#[cfg(feature = "plots")]
use super::pages::Plot;
#[cfg(feature = "plots")]
use super::plot::{self, Series};
use crate::measure::{DataLossSummary, LostDistribution};
#[cfg(feature = "plots")]
use crate::stats::Accumulator;
use crate::stats::Summary;

/// The data lost to incidents of a run's `summary`, if it has incidents.
pub(crate) fn data_loss(summary: &Summary) -> Option<DataLossSummary> {
    let value = summary.measures.get(DataLossSummary::KEY)?;
    serde_json::from_value(value.clone()).ok()
}

/// The rows of `data_loss`, if the run has incidents.
pub(crate) fn data_loss_rows(summary: &Summary) -> Vec<(String, String)> {
    let Some(loss) = data_loss(summary) else {
        return Vec::new();
    };
    let period = super::text::period(summary.horizon_s);
    let lost = loss.lost_s;
    let mut rows = vec![
        (
            format!("incidents/{period}"),
            format!(
                "{:.3}   unrecoverable {} in {}",
                loss.incidents_per_year,
                loss.unrecoverable,
                count(summary.years, "year")
            ),
        ),
        (
            "data lost (RPO)".to_string(),
            match lost.count {
                0 => "none recovered: no RPO to measure".to_string(),
                _ => format!(
                    "mean {}   p50 {}   p99 {}   max {}   ({} recovered)",
                    duration(lost.mean),
                    duration(lost.p50),
                    duration(lost.p99),
                    duration(lost.max),
                    lost.count
                ),
            },
        ),
        (
            format!("data lost/{period}"),
            format!(
                "mean {}   p99 {}",
                duration(loss.lost_per_year_s.mean),
                duration(loss.lost_per_year_s.p99)
            ),
        ),
    ];
    for (index, (name, incident)) in loss.by_incident.iter().enumerate() {
        // Incident names may be longer than the labels' column: they go with the values.
        let label = if index == 0 { "by incident" } else { "" };
        rows.push((
            label.to_string(),
            format!(
                "{name}: {}   {}   downtime mean {}   p99 {}",
                count(incident.count, "incident"),
                rpo_cells(&incident.lost_s),
                duration(incident.downtime_s.mean),
                duration(incident.downtime_s.p99)
            ),
        ));
    }
    rows
}

/// `RPO mean 12h 0m   p99 1d 0h`, or `none recovered` when no strike was: a mean of 0 s
/// would read as nothing lost.
fn rpo_cells(lost: &LostDistribution) -> String {
    match lost.count {
        0 => "none recovered".to_string(),
        _ => format!(
            "RPO mean {}   p99 {}",
            duration(lost.mean),
            duration(lost.p99)
        ),
    }
}

/// The cumulative distribution of the data lost by recovered incidents, over all and by
/// incident, for a run with incidents that recovered any.
#[cfg(feature = "plots")]
pub(crate) fn rpo_plot(stats: &Accumulator) -> Option<Plot> {
    let lost = stats.measures().2.lost_by_incident()?;
    let series: Vec<Series<'_>> = (lost.into_iter())
        .filter(|(_, values)| values.count() > 0)
        .map(|(label, values)| Series {
            label: label.to_string(),
            values,
        })
        .collect();
    if series.is_empty() {
        return None;
    }
    Some(Plot {
        file: "rpo-cdf.svg",
        svg: plot::outage_cdf("Data lost by incident (RPO)", &series),
        caption: "Cumulative distribution of the data lost by each recovered incident (its \
                  RPO: the time since the start of the backup restored, or the replication \
                  lag), over all incidents and by incident; unrecoverable ones are not drawn."
            .to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An incident never recovered has no RPO, which a mean of 0 s would misread as
    /// nothing lost.
    #[test]
    fn no_recovery_reads_as_none_not_zero() {
        let lost = |count| LostDistribution {
            count,
            mean: 43_200.0,
            p50: 43_200.0,
            p90: 77_760.0,
            p99: 85_536.0,
            max: 86_000.0,
        };
        assert_eq!(rpo_cells(&lost(0)), "none recovered");
        assert_eq!(rpo_cells(&lost(3)), "RPO mean 12h 0m   p99 23h 46m");
    }
}
