//! Where the closed form is exact: the models whose estimate of `explain` is the long-run
//! availability the simulation converges to, so that a search (`nines optimize`) may trust
//! it to rule a design out before simulating it.
//!
//! The estimate treats replicas as independent alternating renewal processes combined
//! through the binomial and the expression (see the module above). That is exact when:
//! nothing couples replicas or components (no `[kubernetes]`, so no shared nodes, pods or
//! probes; no leader, session or reassignment; no `[maintenance]`); every time to failure
//! is exponential, so that competing failure modes and the all-up start of every year add
//! no transient beyond the repairs'; each component appears at most once in `up`, so that
//! the product over the expression multiplies independent events; and every replica's
//! downtime is short against the horizon (its mean at most a thousandth of it, its 99th
//! percentile at most a hundredth), so that the mean availability of a year starting all
//! up is the long-run one to better than the relative margin [`crate::optimize`] screens
//! with. (For `n` replicas of which one must be up, with exponential repairs of mean `r`,
//! the all-up start lowers a year's mean unavailability by a share of about `H_n r / T`,
//! `H_n` the harmonic number: under 0.75% for a thousand replicas at `r = T/1000`.)

use super::{Explanation, explain};
use crate::model::{Detect, Model, Repair};

/// Most a replica's mean downtime may be, as a share of the horizon, for the year's mean
/// availability to be the long-run one.
const MEAN_DOWN_SHARE: f64 = 1e-3;

/// Most a replica's 99th-percentile downtime may be, as a share of the horizon.
const P99_DOWN_SHARE: f64 = 1e-2;

/// The model's availability in closed form when the closed form is exact (see the module
/// documentation); `None` when it is not.
pub fn exact_availability(model: &Model) -> Option<f64> {
    if !structurally_exact(model) {
        return None;
    }
    exact_availability_of(model, &explain(model))
}

/// As [`exact_availability`], given the model's `explanation` (for a caller that needs the
/// explanation anyway: `explain` is the costly part).
pub fn exact_availability_of(model: &Model, explanation: &Explanation) -> Option<f64> {
    if !structurally_exact(model) {
        return None;
    }
    let horizon = model.simulation().horizon.as_secs_f64();
    let short = explanation.timelines.iter().all(|t| {
        t.down.mean_s <= MEAN_DOWN_SHARE * horizon && t.down.p99_s <= P99_DOWN_SHARE * horizon
    });
    let conditioned = explanation.repeated_as_independent.is_empty();
    (explanation.is_evaluable() && explanation.approximate.is_empty() && short && conditioned)
        .then_some(explanation.availability)
}

/// Whether nothing in the model couples replicas or components, every time to failure is
/// exponential and `up` names each component at most once, or few enough more than once to
/// condition on them (`expression`); and no downtime comes from elsewhere (incidents,
/// planned work), which the estimate leaves out.
pub fn structurally_exact(model: &Model) -> bool {
    if model.kubernetes().is_some() || model.maintenance().is_some() || !model.data().is_empty() {
        return false;
    }
    let independent = model.components().iter().all(|c| {
        c.leader.is_none()
            && c.session.is_none()
            && c.reassign.is_none()
            && c.pod.is_none()
            && c.failures.iter().all(|mode| {
                mode.every.is_exponential()
                    && matches!(mode.detect, Detect::After(_))
                    && matches!(mode.repair, Repair::After(_))
            })
    });
    independent && super::expression::conditions_exactly(&model.up().expr)
}

#[cfg(test)]
mod tests {
    use super::*;

    const K_OF_N: &str = r#"name = "k of n"
up = "db"

[[component]]
name = "db"
replicas = 3
needs = 2

  [[component.failure]]
  name = "crash"
  every = { dist = "exponential", mean = "10d" }
  repair = { dist = "exponential", mean = "1h" }
"#;

    #[test]
    fn an_exponential_k_of_n_component_is_exact_and_binomial() {
        let model = crate::fixtures::model(K_OF_N);
        let a: f64 = 240.0 / 241.0;
        let binomial = 3.0 * a * a * (1.0 - a) + a * a * a;
        let exact = exact_availability(&model).unwrap();
        assert!(
            (exact - binomial).abs() < 1e-12,
            "{exact} against {binomial}"
        );
    }

    /// A component named more than once is conditioned on: `db & (db | db)` is up exactly
    /// when `db` is.
    #[test]
    fn a_component_named_more_than_once_is_exact() {
        let once = exact_availability(&crate::fixtures::model(K_OF_N)).unwrap();
        let twice = K_OF_N.replace("up = \"db\"", "up = \"db & (db | db)\"");
        let twice = exact_availability(&crate::fixtures::model(&twice)).unwrap();
        assert!((once - twice).abs() < 1e-15, "{once} {twice}");
    }

    #[test]
    fn couplings_and_other_times_to_failure_are_not_exact() {
        let leader = K_OF_N.replace(
            "needs = 2",
            "needs = 2\nleader = { election = { dist = \"uniform\", min = \"1s\", max = \"2s\" } }",
        );
        let weibull = K_OF_N.replace(
            "{ dist = \"exponential\", mean = \"10d\" }",
            "{ dist = \"weibull\", shape = 2.0, mean = \"10d\" }",
        );
        let long = K_OF_N.replace("mean = \"1h\"", "mean = \"1d\"");
        // Incidents' downtime is not in the estimate (a user's trial: optimize ruled out the
        // better of two combinations on it).
        let incidents = format!(
            "{K_OF_N}[backup]\nevery = \"1d\"\nduration = \"1m\"\nrestore = \"4h\"\n\
             [[incident]]\nname = \"drop\"\nkind = \"logical\"\nevery = \"180d\"\n\
             detect = \"1h\"\n"
        );
        for text in [leader, weibull, long, incidents] {
            assert_eq!(
                exact_availability(&crate::fixtures::model(&text)),
                None,
                "{text}"
            );
        }
    }
}
