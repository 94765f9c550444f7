//! Where the downtime goes: the `causes` table of a run, largest downtime first, for the
//! text summary and report.html.

use super::format::{duration, share_percent};
use super::text::period;
use crate::stats::Summary;

/// Header and rows of the causes table: per cause, outages and downtime per year, its share
/// of all downtime, the outage length's median and 99th percentile, and the mean of each
/// phase (detect, elect, repair); the cause with the most downtime first (then by name).
pub fn cause_rows(summary: &Summary) -> (Vec<String>, Vec<Vec<String>>) {
    let per = period(summary.horizon_s);
    let header = [
        "cause".to_string(),
        format!("outages/{per}"),
        format!("downtime/{per}"),
        "share".to_string(),
        "RTO p50".to_string(),
        "RTO p99".to_string(),
        "detect".to_string(),
        "elect".to_string(),
        "repair".to_string(),
    ]
    .to_vec();
    let mut causes: Vec<_> = summary.causes.iter().collect();
    causes.sort_by(|a, b| b.1.downtime_per_year_s.total_cmp(&a.1.downtime_per_year_s));
    let years = summary.years.max(1) as f64;
    let rows = causes
        .into_iter()
        .map(|(name, cause)| {
            vec![
                name.clone(),
                format!("{:.3}", cause.count as f64 / years),
                duration(cause.downtime_per_year_s),
                share_percent(cause.share),
                duration(cause.duration_s.p50),
                duration(cause.duration_s.p99),
                duration(cause.detect_s.mean),
                duration(cause.elect_s.mean),
                duration(cause.repair_s.mean),
            ]
        })
        .collect();
    (header, rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::causes::{CauseSummary, PhaseFigures};

    fn cause(count: u64, downtime: f64, share: f64) -> CauseSummary {
        let phase = |mean: f64| PhaseFigures {
            mean,
            p50: mean,
            p99: 2.0 * mean,
        };
        CauseSummary {
            count,
            downtime_per_year_s: downtime,
            share,
            duration_s: phase(downtime / count as f64 * 2.0),
            detect_s: phase(1.0),
            elect_s: phase(0.0),
            repair_s: phase(4.0),
        }
    }

    #[test]
    fn the_cause_with_most_downtime_comes_first() {
        // A committed summary as the frame; its causes, years and horizon replaced.
        let committed = include_str!("../../results/single-server/summary.json");
        let mut summary: Summary = serde_json::from_str(committed).unwrap();
        summary.years = 2;
        summary.horizon_s = 31_536_000.0;
        summary.causes = [
            ("a/crash".to_string(), cause(4, 10.0, 0.25)),
            ("b/node".to_string(), cause(2, 30.0, 0.75)),
        ]
        .into();
        let (header, rows) = cause_rows(&summary);
        assert_eq!(header[2], "downtime/year");
        assert_eq!(
            rows[0],
            [
                "b/node", "1.000", "30.0s", "75.0%", "30.0s", "1m 0s", "1.0s", "0s", "4.0s"
            ]
        );
        assert_eq!(rows[1][0], "a/crash");
        assert_eq!(rows[1][3], "25.0%");
    }
}
