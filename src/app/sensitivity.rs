//! `sensitivity`: every numeric parameter halved and doubled (`replicas` −1 and +1), each
//! change a variant of one comparison on common random numbers with the model as written,
//! so that the variants share their years in lockstep as a sweep's do.

use super::{Loaded, Progress, RunError, VariantsRequest, figure, prepare_variants};
use crate::compare::{ClosedFormDisagreement, ClosedForms, PairedResult, Streams, Variant};
use crate::model::{Model, set_value};
use crate::run::RunTotals;
use crate::sensitivity::{Tried, parameters};
use crate::stats::{Interval, Summary};
use crate::warnings::{Warning, model_warnings, never_up};
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

/// What to simulate.
pub struct SensitivityRequest<'a> {
    /// The model as written.
    pub loaded: &'a Loaded,
    /// Years of every variant [default: the model's `[simulation] years`]; at least 2.
    pub years: Option<u64>,
    /// Worker threads; the results do not depend on them.
    pub threads: usize,
    /// Whether to run even if the variants together are estimated to be too large.
    pub force: bool,
    /// The directory for `tornado.svg` (with the `plots` feature); `None` writes nothing.
    pub out: Option<PathBuf>,
}

/// One tried value of a parameter and the paired change it makes.
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    /// The value tried.
    pub value: Tried,
    /// Mean change in downtime per year against the model as written (seconds), with its
    /// paired 95% CI.
    pub downtime_change_s: Interval,
    /// `explain`'s closed form of the change, where it contradicts the simulated one.
    pub closed_form: Option<ClosedFormDisagreement>,
    /// The warnings the variant raises that the model as written does not (a model warning,
    /// or a run never up), as a sweep of it would: the change may be their artefact (4
    /// replicas placed on 3 nodes) rather than the parameter's.
    pub warnings: Vec<Warning>,
}

/// A parameter's two changes: `None` for one not tried, with a note saying why.
#[derive(Clone, Debug, PartialEq)]
pub struct ParameterResult {
    /// The key path.
    pub key: String,
    /// The value as written.
    pub value: String,
    /// Halved (or one replica fewer).
    pub low: Option<Change>,
    /// Doubled (or one replica more).
    pub high: Option<Change>,
    /// Why a change is missing: no lower (or higher) value, or the variant is not a valid
    /// model.
    pub notes: Vec<String>,
}

impl ParameterResult {
    /// The larger absolute mean change of the two, for the order of the table.
    pub fn effect(&self) -> f64 {
        [&self.low, &self.high]
            .into_iter()
            .flatten()
            .map(|c| c.downtime_change_s.mean.abs())
            .fold(0.0, f64::max)
    }
}

/// What a sensitivity analysis found.
pub struct SensitivityOutcome {
    /// The model as written, simulated.
    pub base: Summary,
    /// Every parameter, the largest effect first.
    pub parameters: Vec<ParameterResult>,
    /// Components skipped because they cannot affect `up` or a service.
    pub skipped: Vec<String>,
    /// Variants simulated, the model as written included.
    pub variants: usize,
    /// Years per variant.
    pub years: u64,
    /// Years and events simulated, for a performance line.
    pub totals: RunTotals,
}

/// Where a parameter's variants are in the comparison.
struct Slots {
    key: String,
    value: String,
    low: Result<(Tried, usize), String>,
    high: Result<(Tried, usize), String>,
}

/// Runs the model as written and every halved and doubled parameter on common random
/// numbers; invalid variants are not run and get a note.
pub fn sensitivity(
    request: &SensitivityRequest<'_>,
    progress: &mut dyn Progress,
    stop: &AtomicBool,
) -> Result<SensitivityOutcome, RunError> {
    let loaded = request.loaded;
    let file = loaded.file.display().to_string();
    let (found, skipped) = parameters(&loaded.source, &loaded.model);
    let mut variants = vec![Variant {
        label: "as written".to_string(),
        values: vec!["as written".to_string()],
        model: loaded.model.clone(),
    }];
    let mut add = |key: &str, value: Option<Tried>, side: &str| {
        let value = value.ok_or_else(|| format!("no {side} value"))?;
        let written = value.model_text();
        // Named in notes and errors as reports name it: a long sample list shortened.
        let label = format!("{key}={}", value.shown_text());
        let text = set_value(&loaded.source, &file, key, &written).map_err(|e| e.to_string())?;
        let model = Model::parse(&text, &format!("{file} (with {label})")).map_err(|errors| {
            format!(
                "{label} is not a valid model: {}",
                errors.errors.first().map_or("", |e| e.message())
            )
        })?;
        variants.push(Variant {
            label: label.clone(),
            values: vec![label],
            model,
        });
        Ok((value, variants.len() - 1))
    };
    let slots: Vec<Slots> = found
        .iter()
        .map(|p| Slots {
            key: p.key.clone(),
            value: p.value.clone(),
            low: add(&p.key, p.low.clone(), "lower"),
            high: add(&p.key, p.high.clone(), "higher"),
        })
        .collect();
    let count = variants.len();
    let prepared = prepare_variants(VariantsRequest {
        variants,
        keys: vec!["parameter".to_string()],
        facts: Vec::new(),
        seed: Some(loaded.seed),
        years: request.years,
        threads: request.threads,
        streams: Streams::Common,
        out: None,
        files: vec![loaded.file.clone()],
        force: request.force,
    })?;
    let output = figure::open(request.out.as_deref())?;
    let outcome = prepared.run_paired(progress, stop)?;
    let models: Vec<&Model> = prepared
        .request()
        .variants
        .iter()
        .map(|v| &v.model)
        .collect();
    let horizon_s = outcome.base.horizon_s;
    let mut closed_forms = ClosedForms::of_baseline(models[0]);
    let base_warnings = warnings_of(models[0], &outcome.pairs[0], &outcome.base);
    let mut change = |slot: &Result<(Tried, usize), String>| {
        let (value, index) = slot.as_ref().ok()?;
        let pair = &outcome.pairs[*index];
        let difference = pair.downtime_difference_s?;
        let mut warnings = warnings_of(models[*index], pair, &outcome.base);
        warnings.retain(|w| !base_warnings.contains(w));
        Some(Change {
            value: value.clone(),
            downtime_change_s: difference,
            closed_form: closed_forms.disagreement(models[*index], &difference, horizon_s),
            warnings,
        })
    };
    let mut parameters: Vec<ParameterResult> = slots
        .iter()
        .map(|slot| ParameterResult {
            key: slot.key.clone(),
            value: slot.value.clone(),
            low: change(&slot.low),
            high: change(&slot.high),
            notes: [&slot.low, &slot.high]
                .into_iter()
                .filter_map(|s| s.as_ref().err().cloned())
                .collect(),
        })
        .collect();
    parameters.sort_by(|a, b| b.effect().total_cmp(&a.effect()));
    let found = SensitivityOutcome {
        base: outcome.base,
        parameters,
        skipped,
        variants: count,
        years: prepared.years,
        totals: outcome.totals,
    };
    if let Some(output) = output {
        #[cfg(feature = "plots")]
        figure::write(output, "tornado.svg", &crate::report::tornado_svg(&found))?;
        #[cfg(not(feature = "plots"))]
        figure::commit(output)?;
    }
    Ok(found)
}

/// What a sweep warns of a variant: its model's warnings, and its run never up. `base` is
/// the model as written's summary, whose years and horizon every variant shares (no
/// parameter is in `[simulation]`).
fn warnings_of(model: &Model, pair: &PairedResult, base: &Summary) -> Vec<Warning> {
    let mut warnings = model_warnings(model);
    let availability = pair.availability.mean;
    warnings.extend(never_up(availability, base.horizon_s, Some(base.years)));
    warnings
}
