//! `calc --simulate`: a calculation's question as a generated model, read by the ordinary
//! model reader (so it is validated like any model), simulated like `run`, its
//! availability returned beside the closed form.

use super::{Admission, IoAction, Loaded, NoProgress, RunError, RunRequest, admit, run};
use crate::calc::Setup;
use crate::model::Model;
use crate::plan::Plan;
use crate::report;
use crate::workload::RunShape;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

/// The name the generated model goes by in messages, when it is not written anywhere.
const GENERATED: &str = "calc-model.toml";

/// A calculation to simulate.
pub struct CalcRequest<'a> {
    /// The system and the run.
    pub setup: &'a Setup,
    /// Worker threads; the results do not depend on them.
    pub threads: usize,
    /// Where to write the generated model (`--emit-model`), to continue from.
    pub emit_model: Option<PathBuf>,
}

/// What the simulation of a calculation found.
pub struct CalcSimulation {
    /// The generated model, as written with `--emit-model`.
    pub model_text: String,
    /// The simulated availability: mean and 95% confidence interval.
    pub availability: crate::stats::Availability,
    /// The standard error of the mean availability.
    pub standard_error: f64,
    /// Years simulated.
    pub years: u64,
    /// What the run's size calls for (a note for a slow run).
    pub admission: Admission,
}

/// Writes the model of `request.setup` (to its file, with `emit_model`), reads it back as
/// any model file is read, and simulates it.
pub fn simulate_calc(
    request: &CalcRequest<'_>,
    stop: &AtomicBool,
) -> Result<CalcSimulation, RunError> {
    let setup = request.setup;
    let model_text = report::calc_model(setup);
    let file = request
        .emit_model
        .clone()
        .unwrap_or_else(|| PathBuf::from(GENERATED));
    if let Some(path) = &request.emit_model {
        report::write_file(path, model_text.as_bytes())
            .map_err(RunError::io(IoAction::Write(path.clone())))?;
    }
    let model = Model::parse(&model_text, &file.display().to_string())?;
    let loaded = Loaded {
        file,
        source: model_text,
        model,
        seed: setup.seed,
    };
    let shape = RunShape {
        years: setup.years,
        threads: request.threads,
        writes_rows: false,
    };
    let admission = admit(&loaded, shape, false).map_err(|error| match error {
        RunError::Refused { reason, .. } => RunError::CalcTooLarge { reason },
        other => other,
    })?;
    let plan = Plan::compile(&loaded.model, loaded.seed);
    let run_request = RunRequest {
        loaded: &loaded,
        plan: &plan,
        years: 0..setup.years,
        threads: request.threads,
        out: None,
        summary_only: false,
        growth: None,
    };
    let outcome = run(&run_request, &mut NoProgress, stop)?;
    let downtime = outcome.stats.downtime(0);
    let horizon_s = outcome.stats.horizon().as_secs_f64();
    let standard_error = (downtime.variance() / downtime.count() as f64).sqrt() / horizon_s;
    Ok(CalcSimulation {
        model_text: loaded.source,
        availability: outcome.summary.availability,
        standard_error,
        years: setup.years,
        admission,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calc::{availability, component, k_of_n, parallel};
    use crate::time::Duration;

    fn a(text: &str) -> crate::calc::Availability {
        availability(text, "test").unwrap()
    }

    /// Simulates `setup` and checks the simulated availability against `closed_form`
    /// within four standard errors.
    fn agrees(setup: &Setup, closed_form: f64) {
        let request = CalcRequest {
            setup,
            threads: 2,
            emit_model: None,
        };
        let simulated = simulate_calc(&request, &AtomicBool::new(false)).unwrap();
        let gap = (simulated.availability.mean - closed_form).abs();
        assert!(simulated.standard_error > 0.0);
        assert!(
            gap <= 4.0 * simulated.standard_error,
            "{}: simulated {} vs {closed_form}, {} standard errors",
            setup.question,
            simulated.availability.mean,
            gap / simulated.standard_error
        );
    }

    /// Where the model meets the formula's assumptions (exponential times, independent
    /// members, instant failover), the simulation agrees with the closed form. The years
    /// start with every member up, which biases a year's availability up by about
    /// MTTR / 1y of the unavailability: far below a standard error here.
    #[test]
    fn simulations_agree_with_the_closed_forms() {
        let one = component(Duration::from_secs(86_400), Duration::from_secs(3_600));
        let mut setup = Setup::for_component(&one, "component".to_string());
        setup.years = 2_000;
        agrees(&setup, one.availability);

        let hour = Duration::from_secs(3_600);
        let two = parallel(vec![a("99%"); 2]).unwrap();
        let mut setup = Setup::for_composition(&two, hour, "parallel".to_string()).unwrap();
        setup.years = 2_000;
        agrees(&setup, two.availability);

        let quorum = k_of_n(2, vec![a("95%"); 3]).unwrap();
        let mut setup = Setup::for_composition(&quorum, hour, "kofn".to_string()).unwrap();
        setup.years = 2_000;
        agrees(&setup, quorum.availability);

        let mixed = k_of_n(2, vec![a("97%"), a("95%"), a("90%")]).unwrap();
        let mut setup = Setup::for_composition(&mixed, hour, "mixed".to_string()).unwrap();
        setup.years = 2_000;
        agrees(&setup, mixed.availability);
    }

    /// A failover window breaks the formula: the simulation shows more downtime, far
    /// beyond its standard error.
    #[test]
    fn a_failover_window_costs_what_the_formula_leaves_out() {
        let two = parallel(vec![a("99%"); 2]).unwrap();
        let mut setup =
            Setup::for_composition(&two, Duration::from_secs(3_600), "parallel".to_string())
                .unwrap();
        setup.years = 500;
        setup.failover = Some(Duration::from_secs(60));
        let request = CalcRequest {
            setup: &setup,
            threads: 2,
            emit_model: None,
        };
        let simulated = simulate_calc(&request, &AtomicBool::new(false)).unwrap();
        // The leader fails about 88 times a year (MTTF 99 h), each costing a minute.
        let expected_down = two.result.down + 8_760.0 / 100.0 * 60.0 / 31_536_000.0;
        let simulated_down = 1.0 - simulated.availability.mean;
        assert!(simulated_down > two.result.down + 20.0 * simulated.standard_error);
        assert!(
            (simulated_down - expected_down).abs() < 4.0 * simulated.standard_error,
            "{simulated_down} vs {expected_down}"
        );
    }
}
