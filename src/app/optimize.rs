//! `optimize`: every combination of the `--vary` values, screened in closed form where that
//! is exact, the rest simulated in lockstep on common random numbers; the Pareto frontier
//! of cost against availability and the cheapest combination that passes the target.

use super::{Loaded, Progress, RunError, VariantsRequest, figure, prepare_variants};
use crate::check::{Status, judge_availability, judged_availability};
use crate::compare::{Streams, Variant, grid_size, grid_variants};
use crate::explain::exact_availability;
use crate::model::{ModelError, ModelErrors, Setting};
use crate::optimize::{Candidate, MAX_COMBINATIONS, Point, cheapest, frontier, screen};
use crate::plan::Plan;
use crate::run::RunTotals;
use crate::stats::Availability;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

/// What to search.
pub struct OptimizeRequest<'a> {
    /// The model as written.
    pub loaded: &'a Loaded,
    /// The keys to vary and their values; every combination is a design.
    pub settings: &'a [Setting],
    /// The availability to pass with 95% confidence [default: the model's
    /// `[slo] availability`].
    pub target: Option<f64>,
    /// Years of every simulated combination [default: the model's `[simulation] years`].
    pub years: Option<u64>,
    /// Worker threads; the results do not depend on them.
    pub threads: usize,
    /// Whether to run even if the combinations together are estimated to be too large.
    pub force: bool,
    /// The directory for `frontier.svg` (with the `plots` feature); `None` writes nothing.
    pub out: Option<PathBuf>,
}

/// A simulated combination and its figures.
#[derive(Clone, Debug, PartialEq)]
pub struct Simulated {
    /// The value of each varied key, in the order of the keys.
    pub values: Vec<String>,
    /// Cost per year.
    pub cost_per_year: f64,
    /// Its mean availability with the 95% CI, simulated.
    pub availability: Availability,
    /// Against the target: pass, miss or inconclusive (with 95% confidence).
    pub status: Status,
    /// For an inconclusive one, about how many years would decide it.
    pub years_to_decide: Option<u64>,
}

/// A combination ruled out in closed form, and the one that rules it out.
#[derive(Clone, Debug, PartialEq)]
pub struct Screened {
    /// The value of each varied key.
    pub values: Vec<String>,
    /// Cost per year.
    pub cost_per_year: f64,
    /// The values of a simulated combination that costs no more and, in closed form, is
    /// down clearly less.
    pub dominated_by: Vec<String>,
}

/// What a search found.
pub struct OptimizeOutcome {
    /// The varied keys, as written.
    pub keys: Vec<String>,
    /// The availability target, a fraction.
    pub target: f64,
    /// Whether the target was given on the command line.
    pub target_given: bool,
    /// Every simulated combination, in grid order.
    pub simulated: Vec<Simulated>,
    /// The combinations ruled out in closed form, in grid order.
    pub screened: Vec<Screened>,
    /// How many combinations the closed form is exact for (the screen looks at those only).
    pub exact: usize,
    /// Indices into `simulated` of the Pareto frontier, cheapest first.
    pub frontier: Vec<usize>,
    /// Index into `simulated` of the cheapest combination that passes, if any.
    pub cheapest: Option<usize>,
    /// Indices into `simulated` of the inconclusive combinations cheaper than the cheapest
    /// that passes (all of them when none passes): the close ones more years would decide.
    pub undecided: Vec<usize>,
    /// Years per simulated combination.
    pub years: u64,
    /// Years and events simulated, for a performance line.
    pub totals: RunTotals,
}

/// Builds every combination, screens them, simulates the rest in lockstep and judges them.
pub fn optimize(
    request: &OptimizeRequest<'_>,
    progress: &mut dyn Progress,
    stop: &AtomicBool,
) -> Result<OptimizeOutcome, RunError> {
    let loaded = request.loaded;
    let file = loaded.file.display().to_string();
    let (target, target_given) = match request.target {
        Some(target) => (target, true),
        None => (
            loaded
                .model
                .slo()
                .and_then(|slo| slo.up.availability)
                .ok_or_else(|| RunError::NoAvailabilityTarget {
                    file: loaded.file.clone(),
                })?,
            false,
        ),
    };
    if grid_size(request.settings).is_none_or(|n| n > MAX_COMBINATIONS) {
        return Err(RunError::Model(ModelErrors::single(
            ModelError::whole_file(
                &file,
                format!(
                    "--vary gives more than {MAX_COMBINATIONS} combinations; vary fewer values"
                ),
            ),
        )));
    }
    let variants = grid_variants(&loaded.source, &file, request.settings)?;
    let candidates = variants
        .iter()
        .map(|v| {
            let cost = v.model.cost_per_year().ok_or_else(|| RunError::NoCost {
                file: loaded.file.clone(),
                label: loaded.model.cost_per_year().map(|_| v.label.clone()),
            })?;
            Ok(Candidate {
                cost,
                exact: exact_availability(&v.model),
            })
        })
        .collect::<Result<Vec<_>, RunError>>()?;
    let ruled_out = screen(&candidates);
    let exact = candidates.iter().filter(|c| c.exact.is_some()).count();
    let screened = ruled_out
        .iter()
        .enumerate()
        .filter_map(|(i, by)| {
            by.map(|by| Screened {
                values: variants[i].values.clone(),
                cost_per_year: candidates[i].cost,
                dominated_by: variants[by].values.clone(),
            })
        })
        .collect();
    let kept: Vec<Variant> = variants
        .into_iter()
        .zip(&ruled_out)
        .filter(|(_, by)| by.is_none())
        .map(|(v, _)| v)
        .collect();
    let keys: Vec<String> = request.settings.iter().map(|s| s.key.clone()).collect();
    let prepared = prepare_variants(VariantsRequest {
        variants: kept,
        keys: keys.clone(),
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
    let simulated: Vec<Simulated> = outcome
        .pairs
        .iter()
        .zip(&prepared.request().variants)
        .map(|(pair, variant)| {
            let can_go_down = Plan::compile(&variant.model, loaded.seed).can_go_down(0);
            let (status, years_to_decide) =
                judge_availability(&pair.availability, prepared.years, target, can_go_down);
            // The interval shown is the one judged.
            let availability = judged_availability(&pair.availability, prepared.years, can_go_down);
            Simulated {
                values: variant.values.clone(),
                // Every combination has a cost: checked before the simulation.
                cost_per_year: variant.model.cost_per_year().unwrap_or_default(),
                availability,
                status,
                years_to_decide,
            }
        })
        .collect();
    let points: Vec<Point> = simulated
        .iter()
        .map(|s| Point {
            cost: s.cost_per_year,
            availability: s.availability.mean,
        })
        .collect();
    let passes: Vec<bool> = simulated.iter().map(|s| s.status == Status::Pass).collect();
    let cheapest = cheapest(&points, &passes);
    let limit = cheapest.map_or(f64::INFINITY, |i| points[i].cost);
    let undecided = (0..simulated.len())
        .filter(|&i| simulated[i].status == Status::Inconclusive && points[i].cost < limit)
        .collect();
    let found = OptimizeOutcome {
        keys,
        target,
        target_given,
        frontier: frontier(&points),
        simulated,
        screened,
        exact,
        cheapest,
        undecided,
        years: prepared.years,
        totals: outcome.totals,
    };
    if let Some(output) = output {
        #[cfg(feature = "plots")]
        figure::write(output, "frontier.svg", &crate::report::frontier_svg(&found))?;
        #[cfg(not(feature = "plots"))]
        figure::commit(output)?;
    }
    Ok(found)
}
