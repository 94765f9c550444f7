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
use crate::explain::Combinations;
use crate::model::{Model, ModelErrors, Setting, apply_values, resolve_settings};
use crate::plan::Plan;
use crate::run::VariantsSink;
use crate::stats::{
    Accumulator, AccumulatorState, Availability, Differences, Interval, Moments, RunIdentity,
    RunMeta, Summary, availability,
};
use crate::time::Duration;
use serde::{Deserialize, Serialize};

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
///
/// Each variant's whole statistics are kept ([`Comparison::new`]: sweep and compare, which
/// report them), or the first variant's alone and of the others only the moments of their
/// yearly downtime ([`Comparison::paired`]: sensitivity and optimize, which report no more
/// of them than their availability and the paired differences, and whose hundreds of
/// variants would otherwise each keep its percentiles).
pub struct Comparison {
    /// How each variant's unavailability compares with the first's in integers.
    scales: Vec<Scale>,
    /// Each variant's horizon.
    horizons: Vec<Duration>,
    /// Every variant's, or only the first's.
    accumulators: Vec<Accumulator>,
    /// Each variant's yearly downtime of `up` when the accumulators are the first's alone;
    /// else empty.
    own: Vec<Moments>,
    availability: Vec<Differences>,
    downtime: Vec<Differences>,
}

/// What a paired comparison ([`Comparison::paired`]) tells of one variant.
#[derive(Clone, Debug, PartialEq)]
pub struct PairedResult {
    /// The variant's availability of `up` with its 95% CI, as its summary would give it.
    pub availability: Availability,
    /// As [`VariantResult::availability_difference`].
    pub availability_difference: Option<Interval>,
    /// As [`VariantResult::downtime_difference_s`].
    pub downtime_difference_s: Option<Interval>,
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
    /// The verdict of a paired difference in availability (more is better): what variants
    /// of different horizons are judged on, their downtimes being per different spans.
    pub fn of_availability(difference: &Interval) -> Verdict {
        match difference.ci95 {
            Some([low, _]) if low > 0.0 => Verdict::Better,
            Some([_, high]) if high < 0.0 => Verdict::Worse,
            _ => Verdict::NoDetectableDifference,
        }
    }

    /// The verdict of a paired difference in downtime.
    pub fn of_downtime(difference: &Interval) -> Verdict {
        match difference.ci95 {
            Some([low, _]) if low > 0.0 => Verdict::Worse,
            Some([_, high]) if high < 0.0 => Verdict::Better,
            _ => Verdict::NoDetectableDifference,
        }
    }
}

/// `explain`'s closed form of a variant's change in downtime, where it contradicts the
/// paired difference the years simulated: a sign that the difference rests on events too
/// rare for those years (two replicas down at once in a few hundred years, say).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ClosedFormDisagreement {
    /// The closed form's change in downtime per horizon (seconds), variant minus baseline.
    pub closed_s: f64,
    /// Whether the closed form is exact for both models (else it is `explain`'s estimate).
    pub exact: bool,
}

/// A model's closed form as the check of a comparison needs it: `explain`'s availability
/// and whether it is exact.
#[derive(Clone, Copy, Debug, PartialEq)]
struct ClosedForm {
    /// `explain`'s availability of `up`.
    availability: f64,
    /// Whether that availability is exact.
    exact: bool,
}

/// The closed-form check of a comparison's variants against its baseline. `explain` is the
/// costly part: it runs once for the baseline and once for each variant that can
/// contradict, and each run reuses the grids of the combinations the earlier ones made.
#[derive(Debug)]
pub struct ClosedForms {
    base: ClosedForm,
    made: Combinations,
}

impl ClosedForms {
    /// The check against `baseline`.
    pub fn of_baseline(baseline: &Model) -> ClosedForms {
        let mut made = Combinations::default();
        let base = ClosedForms::closed_form(baseline, &mut made);
        ClosedForms { base, made }
    }

    /// The closed form of `model`.
    fn closed_form(model: &Model, made: &mut Combinations) -> ClosedForm {
        let explanation = crate::explain::explain_reusing(model, made);
        ClosedForm {
            availability: explanation.availability,
            exact: crate::explain::exact_availability_of(model, &explanation).is_some(),
        }
    }

    /// Where `explain`'s closed form of `variant` against the baseline's contradicts
    /// `difference`, the paired change in downtime per horizon of `horizon_s` seconds: where
    /// the closed form is exact for both, when it lies outside the 95% CI; where it is an
    /// estimate, only when it has the other sign than a verdict of better or worse and lies
    /// further from zero than the CI is wide, which an estimate's approximations do not
    /// explain. The statistics are not touched: this is a reason to run more years, said
    /// beside them. The variant's closed form is computed only where it can contradict (a
    /// verdict, or an exact closed form for both).
    pub fn disagreement(
        &mut self,
        variant: &Model,
        difference: &Interval,
        horizon_s: f64,
    ) -> Option<ClosedFormDisagreement> {
        let [low, high] = difference.ci95?;
        let verdict = Verdict::of_downtime(difference);
        let may_be_exact = self.base.exact && crate::explain::structurally_exact(variant);
        if verdict == Verdict::NoDetectableDifference && !may_be_exact {
            return None;
        }
        let variant = ClosedForms::closed_form(variant, &mut self.made);
        let exact = self.base.exact && variant.exact;
        let closed_s = (self.base.availability - variant.availability) * horizon_s;
        let contradicts = if exact {
            closed_s < low || closed_s > high
        } else {
            let against = match verdict {
                Verdict::Better => closed_s > 0.0,
                Verdict::Worse => closed_s < 0.0,
                Verdict::NoDetectableDifference => false,
            };
            against && closed_s.abs() > high - low
        };
        (closed_s.is_finite() && contradicts).then_some(ClosedFormDisagreement { closed_s, exact })
    }
}

impl Comparison {
    /// An empty comparison of `plans` keeping every variant's whole statistics; the first
    /// is the baseline.
    pub fn new(plans: &[Plan]) -> Comparison {
        Comparison::keeping(plans, plans.len())
    }

    /// An empty comparison of `plans` keeping the first variant's whole statistics and of
    /// the others their availability and paired differences alone ([`Comparison::pairs`]).
    pub fn paired(plans: &[Plan]) -> Comparison {
        let mut comparison = Comparison::keeping(plans, plans.len().min(1));
        comparison.own = vec![Moments::default(); plans.len()];
        comparison
    }

    /// An empty comparison keeping the whole statistics of the first `whole` variants.
    fn keeping(plans: &[Plan], whole: usize) -> Comparison {
        let base = plans.first().map_or(Duration::YEAR, |plan| plan.horizon);
        Comparison {
            scales: plans
                .iter()
                .map(|plan| Scale::new(base, plan.horizon))
                .collect(),
            horizons: plans.iter().map(|plan| plan.horizon).collect(),
            accumulators: plans[..whole].iter().map(Accumulator::for_plan).collect(),
            own: Vec::new(),
            availability: vec![Differences::default(); plans.len()],
            downtime: vec![Differences::default(); plans.len()],
        }
    }

    /// Adds year k of every variant.
    pub fn add(&mut self, outcomes: &[&YearOutcome]) {
        let base = i128::from(outcomes[0].downtime[0].as_micros());
        for (index, outcome) in outcomes.iter().enumerate() {
            let downtime = i128::from(outcome.downtime[0].as_micros());
            let scale = &self.scales[index];
            if let Some(accumulator) = self.accumulators.get_mut(index) {
                accumulator.add(outcome);
            }
            if let Some(own) = self.own.get_mut(index) {
                own.add(outcome.downtime[0]);
            }
            self.availability[index].add(base * scale.base - downtime * scale.own);
            self.downtime[index].add(downtime - base);
        }
    }

    /// Each variant's availability and paired differences to the first, from whichever
    /// statistics are kept (the same figures either way).
    pub fn pairs(&self) -> Vec<PairedResult> {
        (0..self.scales.len())
            .map(|index| {
                let downtime = match self.accumulators.get(index) {
                    Some(accumulator) => accumulator.downtime(0),
                    None => &self.own[index],
                };
                PairedResult {
                    availability: availability(downtime, self.horizons[index]),
                    availability_difference: self.availability_difference(index),
                    downtime_difference_s: self.downtime_difference(index),
                }
            })
            .collect()
    }

    fn availability_difference(&self, index: usize) -> Option<Interval> {
        (index > 0).then(|| self.availability[index].interval(self.scales[index].unit))
    }

    fn downtime_difference(&self, index: usize) -> Option<Interval> {
        (index > 0).then(|| self.downtime[index].interval(1e6))
    }

    /// Each variant's accumulated years (with [`Comparison::paired`], the first's alone),
    /// for plots.
    pub fn accumulators(&self) -> &[Accumulator] {
        &self.accumulators
    }

    /// The figures of every variant whose whole statistics are kept (with
    /// [`Comparison::paired`], the first alone); `metas` and `services` describe each
    /// variant's run.
    pub fn results(&self, metas: Vec<RunMeta>, services: &[&[String]]) -> Vec<VariantResult> {
        metas
            .into_iter()
            .zip(&self.accumulators)
            .enumerate()
            .map(|(index, (meta, accumulator))| VariantResult {
                summary: accumulator.summary(meta, services[index]),
                availability_difference: self.availability_difference(index),
                downtime_difference_s: self.downtime_difference(index),
            })
            .collect()
    }
}

/// A variant's availability minus the first's is d₀/H₀ − dᵢ/Hᵢ (downtimes d and horizons H
/// in microseconds): with g = gcd(H₀, Hᵢ), the integer d₀·(Hᵢ/g) − dᵢ·(H₀/g) over the
/// denominator H₀·Hᵢ/g, so that its sums are exact. With equal horizons it is d₀ − dᵢ over H.
struct Scale {
    /// Hᵢ/g, which multiplies the first variant's downtime.
    base: i128,
    /// H₀/g, which multiplies this variant's.
    own: i128,
    /// H₀·Hᵢ/g: what one unit of the integer difference is worth in availability.
    unit: f64,
}

impl Scale {
    fn new(base: Duration, own: Duration) -> Scale {
        let (base, own) = (base.as_micros(), own.as_micros());
        let g = gcd(base, own).max(1);
        Scale {
            base: i128::from(own / g),
            own: i128::from(base / g),
            unit: (base / g) as f64 * own as f64,
        }
    }
}

/// Greatest common divisor (Euclid).
fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// A comparison's statistics as a sweep shard saves them: each variant's accumulator and
/// paired differences, to be appended to those of the years before.
#[derive(Serialize, Deserialize)]
pub struct ComparisonState {
    accumulators: Vec<AccumulatorState>,
    availability: Vec<Differences>,
    downtime: Vec<Differences>,
}

impl Comparison {
    /// The statistics to save; `identities` name each variant's run.
    pub fn to_state(&self, identities: Vec<RunIdentity>) -> ComparisonState {
        ComparisonState {
            accumulators: self
                .accumulators
                .iter()
                .zip(identities)
                .map(|(accumulator, identity)| accumulator.to_state(identity))
                .collect(),
            availability: self.availability.clone(),
            downtime: self.downtime.clone(),
        }
    }

    /// Appends `later`, the saved comparison of the years right after these (the next
    /// shard), to the same bytes as simulating them here; an error says why it does not fit.
    pub fn append(&mut self, later: ComparisonState) -> Result<(), String> {
        let variants = self.accumulators.len();
        if [
            later.accumulators.len(),
            later.availability.len(),
            later.downtime.len(),
        ] != [variants; 3]
        {
            return Err(format!("it does not hold {variants} variants"));
        }
        for (mine, state) in self.accumulators.iter_mut().zip(later.accumulators) {
            let theirs = Accumulator::from_state(state).map_err(|error| error.to_string())?;
            mine.merge(theirs).map_err(|error| error.to_string())?;
        }
        for (mine, theirs) in self.availability.iter_mut().zip(&later.availability) {
            mine.merge(theirs);
        }
        for (mine, theirs) in self.downtime.iter_mut().zip(&later.downtime) {
            mine.merge(theirs);
        }
        Ok(())
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

    /// The integer difference over its unit is the difference of unavailabilities, for
    /// equal and for different horizons.
    #[test]
    fn unavailability_differences_are_integers_over_a_common_unit() {
        let day = Duration::from_secs(86_400);
        let (year, month) = (Duration::YEAR, Duration::from_micros(30 * day.as_micros()));
        let (d0, di) = (7_200_000_000_i128, 1_800_000_123_i128);
        for (base, own) in [(year, year), (year, month), (month, year)] {
            let scale = Scale::new(base, own);
            let exact = d0 as f64 / base.as_micros() as f64 - di as f64 / own.as_micros() as f64;
            let integer = (d0 * scale.base - di * scale.own) as f64 / scale.unit;
            assert!(
                (integer - exact).abs() <= 1e-15 * exact.abs(),
                "{integer} {exact}"
            );
        }
        let same = Scale::new(year, year);
        assert_eq!((same.base, same.own), (1, 1));
        assert_eq!(same.unit, year.as_micros() as f64);
        let (a, b) = (Scale::new(year, month), Scale::new(month, year));
        assert_eq!((a.base, a.own, b.base, b.own), (6, 73, 73, 6));
    }

    /// A paired comparison keeps the first variant's statistics whole and of the others
    /// their downtime's moments alone, yet gives every figure a whole one gives of them.
    #[test]
    fn a_paired_comparison_gives_the_figures_of_a_whole_one() {
        let model = |repair: &str| {
            format!(
                "name = \"m\"\nup = \"db\"\n\n[[component]]\nname = \"db\"\nreplicas = 2\n\n  \
                 [[component.failure]]\n  name = \"crash\"\n  \
                 every = {{ dist = \"exponential\", mean = \"20d\" }}\n  \
                 repair = {{ dist = \"exponential\", mean = \"{repair}\" }}\n"
            )
        };
        let plans: Vec<Plan> = ["1d", "2d", "12h"]
            .map(|repair| crate::fixtures::plan(&model(repair), 7))
            .into();
        let (mut whole, mut paired) = (Comparison::new(&plans), Comparison::paired(&plans));
        let mut engines: Vec<crate::engine::Engine<'_>> =
            plans.iter().map(crate::engine::Engine::new).collect();
        for year in 0..40 {
            let outcomes: Vec<YearOutcome> = engines
                .iter_mut()
                .map(|engine| engine.simulate(year).clone())
                .collect();
            let row: Vec<&YearOutcome> = outcomes.iter().collect();
            whole.add(&row);
            paired.add(&row);
        }
        let meta = || RunMeta {
            model: "m".to_string(),
            seed: 7,
        };
        let results = whole.results(vec![meta(), meta(), meta()], &[&[], &[], &[]]);
        let pairs = paired.pairs();
        assert_eq!(pairs, whole.pairs());
        for (pair, result) in pairs.iter().zip(&results) {
            assert_eq!(pair.availability, result.summary.availability);
            assert_eq!(pair.availability_difference, result.availability_difference);
            assert_eq!(pair.downtime_difference_s, result.downtime_difference_s);
        }
        assert!(pairs[1].downtime_difference_s.unwrap().mean > 0.0);
        assert_eq!(paired.accumulators().len(), 1);
        let first = paired.results(vec![meta(), meta(), meta()], &[&[], &[], &[]]);
        assert_eq!(first, results[..1]);
    }

    #[test]
    fn independent_streams_shift_the_seed_by_the_variant_index() {
        assert_eq!(Streams::Common.seed(7, 3), 7);
        assert_eq!(Streams::Independent.seed(7, 0), 7);
        assert_eq!(Streams::Independent.seed(7, 3), 10);
        assert_eq!(Streams::Independent.seed(u64::MAX, 1), 0);
    }
}
