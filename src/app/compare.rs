//! `sweep` and `compare`: variants of a model simulated in lockstep on common random
//! numbers, with the paired differences to the first.

use super::{Admission, IoAction, Progress, RunError, admit_workload};
use crate::compare::{
    ClosedFormDisagreement, ClosedForms, Comparison, PairedResult, Streams, Variant, VariantResult,
};
use crate::engine::YearOutcome;
use crate::plan::Plan;
use crate::report::{ComparisonTables, OutputDir};
use crate::run::{RunTotals, VariantsSink, simulate_variants};
use crate::stats::{RunMeta, Summary};
use crate::workload::{RunShape, Workload};
use std::convert::Infallible;
use std::ops::Range;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

/// A comparison to run.
pub struct VariantsRequest {
    /// The variants; the first is the baseline.
    pub variants: Vec<Variant>,
    /// What distinguishes the variants: the swept keys, or `model`.
    pub keys: Vec<String>,
    /// What describes the comparison in report.html, before the seeds, years and streams.
    pub facts: Vec<(&'static str, String)>,
    /// The master seed [default: variant 0's `[simulation] seed`].
    pub seed: Option<u64>,
    /// Years of each variant [default: variant 0's `[simulation] years`]; at least 2.
    pub years: Option<u64>,
    /// Worker threads; the results do not depend on them.
    pub threads: usize,
    /// How the variants' random streams relate.
    pub streams: Streams,
    /// The directory for sweep.csv and, with the `plots` feature, the SVG plots and
    /// report.html; `None` writes nothing.
    pub out: Option<PathBuf>,
    /// The model file of each variant (one file for all, for a sweep): a refusal names the
    /// busiest variant's.
    pub files: Vec<PathBuf>,
    /// Whether to run even if the comparison is estimated to be too large.
    pub force: bool,
}

/// A comparison with its seeds resolved and its plans compiled, ready to simulate.
pub struct PreparedVariants {
    request: VariantsRequest,
    /// The master seed.
    pub master: u64,
    /// The seed of each variant.
    pub seeds: Vec<u64>,
    /// Years of each variant.
    pub years: u64,
    /// Whether the variants' own `[simulation] seed`s differ while no seed was asked for,
    /// so that most of them run on another seed than their file's.
    pub seeds_differ: bool,
    /// Whether the variants' own `[simulation] years` differ, so that most of them run
    /// another count of years than their file's (every variant runs [`Self::years`]).
    pub years_differ: bool,
    /// Each variant's horizon, when they differ: their downtimes and outages per horizon
    /// then compare different spans.
    pub horizons_differ: Option<Vec<crate::time::Duration>>,
    /// What the estimated size of the comparison calls for.
    pub admission: Admission,
    plans: Vec<Plan>,
}

/// What a comparison found.
pub struct VariantsOutcome {
    /// The value of each key for each variant.
    pub values: Vec<Vec<String>>,
    /// Each variant's figures.
    pub results: Vec<VariantResult>,
    /// Years and events simulated, for a performance line.
    pub totals: RunTotals,
    /// Wall-clock time of the simulation (without writing the result files).
    pub elapsed: Duration,
    /// Per variant, where `explain`'s closed form contradicts its paired difference to the
    /// first (always `None` for the first).
    pub closed_form: Vec<Option<ClosedFormDisagreement>>,
}

/// What a paired comparison ([`PreparedVariants::run_paired`]) found.
pub struct PairedOutcome {
    /// The first variant's summary, as `nines run` would give it.
    pub base: Summary,
    /// Each variant's availability and paired differences to the first.
    pub pairs: Vec<PairedResult>,
    /// Years and events simulated, for a performance line.
    pub totals: RunTotals,
}

impl VariantsOutcome {
    /// The tables of the comparison; `keys` are those of the request.
    pub fn tables<'a>(&'a self, keys: &'a [String]) -> ComparisonTables<'a> {
        ComparisonTables {
            keys,
            values: &self.values,
            results: &self.results,
        }
    }
}

/// Resolves the seeds (every variant on the master seed, or on it + i with independent
/// streams, whatever its own file says, so that the comparison is paired), judges the
/// estimated size of all the variants together (refused if too large, unless `force`, as
/// `run` is) and only then compiles each variant's plan.
pub fn prepare_variants(request: VariantsRequest) -> Result<PreparedVariants, RunError> {
    let first = request
        .variants
        .first()
        .ok_or(RunError::NoVariants)?
        .model
        .simulation();
    let years = request.years.unwrap_or(first.years).max(2);
    let master = request.seed.unwrap_or(first.seed);
    let seeds_differ = request.seed.is_none()
        && request
            .variants
            .iter()
            .any(|v| v.model.simulation().seed != master);
    let years_differ = request
        .variants
        .iter()
        .any(|v| v.model.simulation().years != first.years);
    let admission = admit_variants(&request, years)?;
    let horizons: Vec<_> = request
        .variants
        .iter()
        .map(|v| v.model.simulation().horizon)
        .collect();
    // Even a sweep of `simulation.horizon` asks for it: its downtime differences still
    // compare different spans, which only the warning says.
    let horizons_differ = horizons
        .iter()
        .any(|h| *h != horizons[0])
        .then_some(horizons);
    let seeds: Vec<u64> = (0..request.variants.len())
        .map(|i| request.streams.seed(master, i))
        .collect();
    let plans = request
        .variants
        .iter()
        .zip(&seeds)
        .map(|(v, seed)| Plan::compile(&v.model, *seed))
        .collect();
    Ok(PreparedVariants {
        request,
        master,
        seeds,
        years,
        seeds_differ,
        years_differ,
        horizons_differ,
        admission,
        plans,
    })
}

/// Judges the variants of `request` together, for `years` each: every simulated year
/// simulates all of them.
fn admit_variants(request: &VariantsRequest, years: u64) -> Result<Admission, RunError> {
    let workloads: Vec<Workload> = request
        .variants
        .iter()
        .map(|v| Workload::estimate(&v.model))
        .collect();
    let busiest = workloads
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.events_per_year.total_cmp(&b.1.events_per_year))
        .map_or(0, |(index, _)| index);
    let file = request
        .files
        .get(busiest)
        .or(request.files.first())
        .cloned()
        .unwrap_or_default();
    let shape = RunShape {
        years,
        threads: request.threads,
        writes_rows: false,
    };
    admit_workload(&Workload::together(workloads), shape, request.force, &file)
}

impl PreparedVariants {
    /// The request this was prepared from.
    pub fn request(&self) -> &VariantsRequest {
        &self.request
    }

    /// How the streams relate, as report.html and the heading say it.
    pub fn streams_fact(&self) -> String {
        match self.request.streams {
            Streams::Common => {
                "common random numbers: every variant uses the same seed".to_string()
            }
            Streams::Independent => {
                format!("independent: variant i uses seed {} + i", self.master)
            }
        }
    }

    /// Simulates every variant in lockstep; with an output directory, writes sweep.csv,
    /// the plots and report.html, all of them or none.
    pub fn run(
        &self,
        progress: &mut dyn Progress,
        stop: &AtomicBool,
    ) -> Result<VariantsOutcome, RunError> {
        let output = self.output()?;
        let started = Instant::now();
        let (comparison, totals) = self.simulate(0..self.years, progress, stop)?;
        self.conclude(output, comparison, totals, started.elapsed())
    }

    /// Simulates every variant in lockstep keeping of each but the first only its
    /// availability and paired differences ([`Comparison::paired`]), so that memory does
    /// not grow with the variants' percentiles; writes nothing.
    pub fn run_paired(
        &self,
        progress: &mut dyn Progress,
        stop: &AtomicBool,
    ) -> Result<PairedOutcome, RunError> {
        let paired = Comparison::paired(&self.plans);
        let (comparison, totals) = self.simulate_into(paired, 0..self.years, progress, stop)?;
        let first = &self.request.variants[0].model;
        let meta = RunMeta {
            model: first.name().to_string(),
            seed: self.seeds[0],
        };
        let services = &self.plans[0].expression_names[1..];
        let mut base = comparison
            .results(vec![meta], &[services])
            .remove(0)
            .summary;
        base.cost_per_year = first.cost_per_year();
        Ok(PairedOutcome {
            base,
            pairs: comparison.pairs(),
            totals,
        })
    }

    /// The output directory, created, if the request has one.
    pub fn output(&self) -> Result<Option<OutputDir>, RunError> {
        match &self.request.out {
            Some(dir) => Ok(Some(
                OutputDir::create(dir).map_err(RunError::io(IoAction::CreateDir(dir.clone())))?,
            )),
            None => Ok(None),
        }
    }

    /// An empty comparison of the variants.
    pub fn comparison(&self) -> Comparison {
        Comparison::new(&self.plans)
    }

    /// Simulates the years `years` of every variant in lockstep.
    pub(super) fn simulate(
        &self,
        years: Range<u64>,
        progress: &mut dyn Progress,
        stop: &AtomicBool,
    ) -> Result<(Comparison, RunTotals), RunError> {
        self.simulate_into(self.comparison(), years, progress, stop)
    }

    /// Simulates the years `years` of every variant in lockstep into `comparison`.
    fn simulate_into(
        &self,
        comparison: Comparison,
        years: Range<u64>,
        progress: &mut dyn Progress,
        stop: &AtomicBool,
    ) -> Result<(Comparison, RunTotals), RunError> {
        let mut sink = ComparisonSink {
            comparison,
            progress,
        };
        let threads = self.request.threads;
        let totals = simulate_variants(&self.plans, years, threads, &mut sink, stop)?;
        sink.progress.finish();
        Ok((sink.comparison, totals))
    }

    /// The figures of the comparison of every year (simulated, or merged from shards); with
    /// an output directory, writes sweep.csv, the plots and report.html, all or none.
    pub fn conclude(
        &self,
        output: Option<OutputDir>,
        comparison: Comparison,
        totals: RunTotals,
        elapsed: Duration,
    ) -> Result<VariantsOutcome, RunError> {
        let request = &self.request;
        let metas = request
            .variants
            .iter()
            .zip(&self.seeds)
            .map(|(v, seed)| RunMeta {
                model: v.model.name().to_string(),
                seed: *seed,
            })
            .collect();
        let services: Vec<&[String]> = self
            .plans
            .iter()
            .map(|p| &p.expression_names[1..])
            .collect();
        let mut results = comparison.results(metas, &services);
        for (result, variant) in results.iter_mut().zip(&request.variants) {
            result.summary.cost_per_year = variant.model.cost_per_year();
        }
        let mut closed_forms = ClosedForms::of_baseline(&request.variants[0].model);
        let closed_form = request
            .variants
            .iter()
            .zip(&results)
            .map(|(variant, result)| {
                let difference = result.downtime_difference_s?;
                let horizon_s = result.summary.horizon_s;
                closed_forms.disagreement(&variant.model, &difference, horizon_s)
            })
            .collect();
        let outcome = VariantsOutcome {
            values: request.variants.iter().map(|v| v.values.clone()).collect(),
            results,
            totals,
            elapsed,
            closed_form,
        };
        if let Some(output) = output {
            self.write(output, &outcome, &comparison)?;
        }
        Ok(outcome)
    }

    /// Writes sweep.csv and, with the `plots` feature, the plots and report.html.
    fn write(
        &self,
        mut output: OutputDir,
        outcome: &VariantsOutcome,
        comparison: &Comparison,
    ) -> Result<(), RunError> {
        let tables = outcome.tables(&self.request.keys);
        output
            .write("sweep.csv", &tables.csv())
            .map_err(RunError::io(IoAction::Write(output.path("sweep.csv"))))?;
        #[cfg(feature = "plots")]
        self.write_report(&mut output, &tables, comparison)?;
        #[cfg(not(feature = "plots"))]
        let _ = comparison;
        let dir = output.path("");
        output.commit().map_err(RunError::io(IoAction::Commit(dir)))
    }

    /// Writes the plots and report.html of the comparison.
    #[cfg(feature = "plots")]
    fn write_report(
        &self,
        output: &mut OutputDir,
        tables: &ComparisonTables<'_>,
        comparison: &Comparison,
    ) -> Result<(), RunError> {
        let first = &self.request.variants[0].model;
        let slo = first
            .slo()
            .and_then(|slo| slo.up.availability)
            .map(|target| (target, self.plans[0].horizon));
        let plots = crate::report::comparison_plots(tables, comparison.accumulators(), slo);
        super::run::write_plots(output, &plots)?;
        // One seed when every variant ran on it (a sweep's variants, or common streams).
        let seeds = match self.seeds.split_first() {
            Some((first, rest)) if rest.iter().all(|seed| seed == first) => first.to_string(),
            _ => (self.seeds.iter().map(u64::to_string))
                .collect::<Vec<_>>()
                .join(", "),
        };
        let mut facts = self.request.facts.clone();
        facts.extend([
            ("seed", seeds),
            ("years of each variant", self.years.to_string()),
            ("streams", self.streams_fact()),
        ]);
        let title = format!("nines what-if report: {}", first.name());
        let page = crate::report::comparison_page(&title, &facts, tables, &plots);
        output
            .write("report.html", page.as_bytes())
            .map_err(RunError::io(IoAction::Write(output.path("report.html"))))
    }
}

/// The comparison and the progress, fed year by year.
struct ComparisonSink<'p> {
    comparison: Comparison,
    progress: &'p mut dyn Progress,
}

impl VariantsSink for ComparisonSink<'_> {
    type Error = Infallible;

    fn years(&mut self, outcomes: &[&YearOutcome]) -> Result<(), Infallible> {
        self.comparison.add(outcomes);
        self.progress.year();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_comparison_of_no_variant_is_an_error_not_a_panic() {
        let request = VariantsRequest {
            variants: Vec::new(),
            keys: Vec::new(),
            facts: Vec::new(),
            seed: None,
            years: None,
            threads: 1,
            streams: Streams::Common,
            out: None,
            files: Vec::new(),
            force: false,
        };
        assert!(matches!(
            prepare_variants(request),
            Err(RunError::NoVariants)
        ));
    }
}
