//! The data-loss targets of `[slo]` (`data_lost_per_year`, `unrecoverable_probability`);
//! `rpo_p99` and the other `rpo_*` percentiles are judged with every percentile target.

use super::{Direction, Estimate, Note, Unit, share_of_years};
use crate::model::Targets;
use crate::stats::Accumulator;

/// Judges the data-loss targets of `targets` (the model allows them only for `up`, with
/// `[[incident]]`).
pub(super) fn judge(
    targets: &Targets,
    stats: &Accumulator,
    push: &mut impl FnMut(String, Unit, Estimate, Direction, f64, Option<Note>),
) {
    let years = stats.years();
    let loss = &stats.measures().2;
    if let (Some(bound), Some(per_year)) = (targets.data_lost_per_year, loss.lost_per_year()) {
        let mean = per_year.mean_secs();
        let half = per_year.ci95_half_width();
        let estimate = Estimate {
            figure: mean,
            ci95: [half.map(|h| mean - h), half.map(|h| mean + h)],
            years,
            samples: years,
            quantile: None,
            shrinks_as_years: false,
        };
        let name = "data_lost_per_year".to_string();
        push(
            name,
            Unit::Seconds,
            estimate,
            Direction::AtMost,
            bound.as_secs_f64(),
            None,
        );
    }
    if let (Some(share), Some((bad, years))) = (
        targets.unrecoverable_probability,
        loss.unrecoverable_years(),
    ) {
        let estimate = share_of_years(bad, years);
        let name = "unrecoverable_probability".to_string();
        push(
            name,
            Unit::Fraction,
            estimate,
            Direction::AtMost,
            share,
            None,
        );
    }
}
