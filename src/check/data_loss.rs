//! The data-loss targets of `[slo]` (`data_lost_per_year`, `unrecoverable_probability`);
//! `rpo_p99` and the other `rpo_*` percentiles are judged with every percentile target.

use super::{Direction, Estimate, Note, Unit, share_of_years};
use crate::model::Targets;
use crate::stats::Accumulator;

/// Why every incident loses all its data, if it must: none can be recovered in the model
/// (`can_recover_data` as [`crate::plan::Plan::can_recover_data`] says). Then the data-loss
/// targets miss rather than pass on the recovered incidents' figures, of which there are
/// none.
pub(super) fn all_lost(stats: &Accumulator, can_recover_data: bool) -> Option<Note> {
    stats.measures().2.incidents()?;
    (!can_recover_data).then_some(Note::NoneRecoverable)
}

/// Why the run cannot judge a data-loss target though the model can recover data: no
/// incident struck, or none that struck was recovered (backups may have expired before the
/// damage was noticed, which another run may not see). More years decide it.
pub(super) fn none_recovered(stats: &Accumulator) -> Option<Note> {
    let (incidents, unrecoverable) = stats.measures().2.incidents()?;
    let years = stats.years();
    (unrecoverable == incidents).then_some(Note::NoneRecovered { incidents, years })
}

/// The figure of a data-loss target where every incident lost all its data: unbounded, so
/// that it misses whatever the bound (written `all`, and `null` in JSON).
pub(super) fn all_lost_estimate(years: u64) -> Estimate {
    Estimate {
        figure: f64::INFINITY,
        ci95: [Some(f64::INFINITY); 2],
        years,
        samples: 0,
        quantile: None,
        shrinks_as_years: false,
    }
}

/// Judges the data-loss targets of `targets` (the model allows them only for `up`, with
/// `[[incident]]`); `all_lost` is [`all_lost`]'s answer.
pub(super) fn judge(
    targets: &Targets,
    stats: &Accumulator,
    all_lost: Option<Note>,
    push: &mut impl FnMut(String, Unit, Estimate, Direction, f64, Option<Note>),
) {
    let years = stats.years();
    let loss = &stats.measures().2;
    if let (Some(bound), Some(per_year)) = (targets.data_lost_per_year, loss.lost_per_year()) {
        let mean = per_year.mean_secs();
        let half = per_year.ci95_half_width();
        let estimate = Estimate {
            figure: mean,
            // The data lost is never negative, whatever the normal approximation says.
            ci95: [half.map(|h| (mean - h).max(0.0)), half.map(|h| mean + h)],
            years,
            samples: years,
            quantile: None,
            shrinks_as_years: false,
        };
        let unrecoverable = loss
            .incidents()
            .map_or(0, |(_, unrecoverable)| unrecoverable);
        let (estimate, note) = match (all_lost, none_recovered(stats)) {
            (Some(note), _) => (all_lost_estimate(years), Some(note)),
            // Nothing recovered to measure: the mean is 0 with no spread, which would pass
            // for certain. The interval has no upper end until incidents are recovered.
            (None, Some(note)) => {
                let unseen = Estimate {
                    ci95: [Some(0.0), None],
                    ..estimate
                };
                (unseen, Some(note))
            }
            (None, None) => {
                let left_out = Note::Unrecoverable {
                    incidents: unrecoverable,
                };
                (estimate, (unrecoverable > 0).then_some(left_out))
            }
        };
        let name = "data_lost_per_year".to_string();
        push(
            name,
            Unit::Seconds,
            estimate,
            Direction::AtMost,
            bound.as_secs_f64(),
            note,
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
