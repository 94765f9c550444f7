//! What-if analysis: variants of a model run on common random numbers, and the paired
//! differences between them.
//!
//! Every variant runs the same years with the same seed, so year k of every variant draws
//! from the same streams for every component that did not change (streams are keyed by
//! component, replica, failure mode and purpose: see [`crate::rng`]). The per-year
//! difference to the first variant then has a far smaller variance than the difference of
//! two independent runs, and its mean gets a paired-t confidence interval (Law, *Simulation
//! Modeling and Analysis*, 5th ed., section 11.2 on common random numbers; section 10.2.1
//! on the paired-t interval).

use crate::engine::YearOutcome;
use crate::model::{Model, ModelErrors, Setting, apply_values, resolve_settings};
use crate::plan::Plan;
use crate::run::VariantsSink;
use crate::stats::{Accumulator, Differences, Interval, RunMeta, Summary};
use crate::time::Duration;

/// Most variants one sweep may have.
pub const MAX_VARIANTS: usize = 256;

/// One variant of a comparison: a validated model and what distinguishes it.
#[derive(Clone, Debug)]
pub struct Variant {
    /// Short description: `key=value` pairs of a sweep, the file of a comparison.
    pub label: String,
    /// The value of each swept key (or the model file), in the order of the keys.
    pub values: Vec<String>,
    /// The model with the values applied.
    pub model: Model,
}

/// How the variants' random streams relate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Streams {
    /// Every variant uses the master seed: common random numbers.
    Common,
    /// Variant i uses the master seed + i (wrapping), so no two variants share a stream;
    /// variant i is then exactly `nines run --seed` (seed + i) of its model.
    Independent,
}

impl Streams {
    /// The seed variant `index` runs with, under the master `seed`.
    pub fn seed(self, seed: u64, index: usize) -> u64 {
        match self {
            Streams::Common => seed,
            Streams::Independent => seed.wrapping_add(index as u64),
        }
    }
}

/// The variants of a sweep: every combination of the settings' values, the first setting
/// varying slowest, each applied to the model text `source` (from `file`) and validated.
/// The first variant takes every setting's first value. A setting's key may name several
/// keys (linked, or a wildcard: see [`crate::model::expand_key`]), which take its value
/// together; a key named by two settings is an error.
pub fn sweep_variants(
    source: &str,
    file: &str,
    settings: &[Setting],
) -> Result<Vec<Variant>, ModelErrors> {
    if grid_size(settings).is_none_or(|n| n > MAX_VARIANTS) {
        return Err(ModelErrors::single(crate::model::ModelError::whole_file(
            file,
            format!("the sweep has more than {MAX_VARIANTS} variants; sweep fewer values"),
        )));
    }
    grid_variants(source, file, settings)
}

/// The number of combinations of the settings' values; `None` beyond `usize`.
pub fn grid_size(settings: &[Setting]) -> Option<usize> {
    settings
        .iter()
        .try_fold(1usize, |n, s| n.checked_mul(s.values.len()))
}

/// Every combination of the settings' values as a validated variant, as
/// [`sweep_variants`] gives them but without its limit: the caller bounds
/// [`grid_size`] first.
pub fn grid_variants(
    source: &str,
    file: &str,
    settings: &[Setting],
) -> Result<Vec<Variant>, ModelErrors> {
    let count = grid_size(settings).unwrap_or(usize::MAX);
    let paths = resolve_settings(source, file, settings).map_err(ModelErrors::single)?;
    (0..count)
        .map(|index| {
            let values = grid_values(settings, index);
            let text = apply_values(source, file, &paths, &values).map_err(ModelErrors::single)?;
            let label: Vec<String> = settings
                .iter()
                .zip(&values)
                .map(|(setting, value)| format!("{}={value}", setting.key))
                .collect();
            let label = label.join(" ");
            let model = Model::parse(&text, &format!("{file} (with {label})"))?;
            Ok(Variant {
                label,
                values,
                model,
            })
        })
        .collect()
}

/// The values of grid point `index`, the last setting varying fastest.
fn grid_values(settings: &[Setting], mut index: usize) -> Vec<String> {
    let mut values = vec![String::new(); settings.len()];
    for (slot, setting) in values.iter_mut().zip(settings).rev() {
        *slot = setting.values[index % setting.values.len()].clone();
        index /= setting.values.len();
    }
    values
}

/// Accumulates the years of every variant and the paired differences to the first,
/// in year order. Memory does not grow with the number of years.
pub struct Comparison {
    horizons: Vec<Duration>,
    accumulators: Vec<Accumulator>,
    availability: Vec<Differences>,
    downtime: Vec<Differences>,
}

/// One variant's figures.
#[derive(Clone, Debug, PartialEq)]
pub struct VariantResult {
    /// The variant's summary, as `nines run` would give it.
    pub summary: Summary,
    /// Mean per-year availability of this variant minus the first's, with its paired 95%
    /// CI; `None` for the first variant.
    pub availability_difference: Option<Interval>,
    /// Mean per-year downtime (seconds) of this variant minus the first's, with its paired
    /// 95% CI; `None` for the first variant.
    pub downtime_difference_s: Option<Interval>,
}

/// What the paired difference in downtime says of a variant against the first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Less downtime: the whole 95% CI of the difference is below 0.
    Better,
    /// More downtime: the whole 95% CI of the difference is above 0.
    Worse,
    /// The CI contains 0 (or there is none, with one year): the years cannot tell.
    NoDetectableDifference,
}

impl Verdict {
    /// The verdict of a paired difference in downtime.
    pub fn of_downtime(difference: &Interval) -> Verdict {
        match difference.ci95 {
            Some([low, _]) if low > 0.0 => Verdict::Worse,
            Some([_, high]) if high < 0.0 => Verdict::Better,
            _ => Verdict::NoDetectableDifference,
        }
    }
}

impl VariantResult {
    /// The verdict on this variant's downtime against the first's; `None` for the first.
    pub fn verdict(&self) -> Option<Verdict> {
        self.downtime_difference_s
            .as_ref()
            .map(Verdict::of_downtime)
    }
}

impl Comparison {
    /// An empty comparison of `plans`; the first is the baseline.
    pub fn new(plans: &[Plan]) -> Comparison {
        Comparison {
            horizons: plans.iter().map(|plan| plan.horizon).collect(),
            accumulators: plans.iter().map(Accumulator::for_plan).collect(),
            availability: vec![Differences::default(); plans.len()],
            downtime: vec![Differences::default(); plans.len()],
        }
    }

    /// Adds year k of every variant.
    pub fn add(&mut self, outcomes: &[&YearOutcome]) {
        let unavailability = |index: usize| {
            outcomes[index].downtime[0].as_micros() as f64 / self.horizons[index].as_micros() as f64
        };
        let base_downtime = outcomes[0].downtime[0].as_secs_f64();
        let base_unavailability = unavailability(0);
        for (index, outcome) in outcomes.iter().enumerate() {
            self.accumulators[index].add(outcome);
            self.availability[index].add(base_unavailability - unavailability(index));
            self.downtime[index].add(outcome.downtime[0].as_secs_f64() - base_downtime);
        }
    }

    /// Each variant's accumulated years, for plots.
    pub fn accumulators(&self) -> &[Accumulator] {
        &self.accumulators
    }

    /// The figures of every variant; `metas` and `services` describe each variant's run.
    pub fn results(&self, metas: Vec<RunMeta>, services: &[&[String]]) -> Vec<VariantResult> {
        metas
            .into_iter()
            .enumerate()
            .map(|(index, meta)| VariantResult {
                summary: self.accumulators[index].summary(meta, services[index]),
                availability_difference: (index > 0).then(|| self.availability[index].interval()),
                downtime_difference_s: (index > 0).then(|| self.downtime[index].interval()),
            })
            .collect()
    }
}

impl VariantsSink for Comparison {
    type Error = std::convert::Infallible;

    fn years(&mut self, outcomes: &[&YearOutcome]) -> Result<(), Self::Error> {
        self.add(outcomes);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setting(text: &str) -> Setting {
        text.parse().unwrap()
    }

    #[test]
    fn the_grid_varies_the_last_setting_fastest() {
        let settings = [setting("a=1,2"), setting("b=x,y,z")];
        let grid: Vec<Vec<String>> = (0..6).map(|i| grid_values(&settings, i)).collect();
        assert_eq!(grid[0], ["1", "x"]);
        assert_eq!(grid[1], ["1", "y"]);
        assert_eq!(grid[3], ["2", "x"]);
        assert_eq!(grid[5], ["2", "z"]);
    }

    #[test]
    fn a_verdict_needs_the_whole_interval_on_one_side() {
        let interval = |low: f64, high: f64| Interval {
            mean: (low + high) / 2.0,
            ci95: Some([low, high]),
        };
        assert_eq!(Verdict::of_downtime(&interval(1.0, 3.0)), Verdict::Worse);
        assert_eq!(Verdict::of_downtime(&interval(-3.0, -1.0)), Verdict::Better);
        assert_eq!(
            Verdict::of_downtime(&interval(-1.0, 3.0)),
            Verdict::NoDetectableDifference
        );
        assert_eq!(
            Verdict::of_downtime(&interval(0.0, 0.0)),
            Verdict::NoDetectableDifference
        );
        let one_year = Interval {
            mean: 5.0,
            ci95: None,
        };
        assert_eq!(
            Verdict::of_downtime(&one_year),
            Verdict::NoDetectableDifference
        );
    }

    #[test]
    fn independent_streams_shift_the_seed_by_the_variant_index() {
        assert_eq!(Streams::Common.seed(7, 3), 7);
        assert_eq!(Streams::Independent.seed(7, 0), 7);
        assert_eq!(Streams::Independent.seed(7, 3), 10);
        assert_eq!(Streams::Independent.seed(u64::MAX, 1), 0);
    }
}
