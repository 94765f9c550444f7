//! Models that surprise, as typed facts: what makes more replicas lower availability, replicas
//! that share a node, components that never fail, restarts the liveness probe kills, a system
//! that is never up. `run`, `sweep` and `explain` report them (the sentences are in
//! [`crate::report`]); none stops a run.

use crate::model::{Model, Placement};
use crate::{explain, plan};

/// One surprising property of a model, naming the component it concerns.
#[derive(Clone, Debug, PartialEq)]
pub enum Warning {
    /// `needs = "all"` on a component of several replicas: every replica must serve, so
    /// each added replica is one more way to fail and lowers the component's availability.
    NeedsAll {
        /// The component.
        component: String,
    },
    /// Fewer distinct nodes than replicas, so some replicas share a node and fail with it.
    SharedNodes {
        /// The component.
        component: String,
        /// Its replicas.
        replicas: u32,
        /// The distinct nodes they run on.
        nodes: u32,
        /// Whether the nodes come from a `placement` list (else from spreading over
        /// `[kubernetes] nodes`).
        listed: bool,
    },
    /// A component without `[[component.failure]]`: its replicas never fail on their own.
    NoFailureModes {
        /// The component.
        component: String,
    },
    /// The liveness probe kills most restarted containers before they serve (no startup
    /// probe, and a start that outlasts `initial_delay` and the failures the probe allows):
    /// CrashLoopBackOff, a replica that may not serve again for long.
    LivenessKillsStart {
        /// The component.
        component: String,
        /// The probability, per restart (`explain`'s closed form).
        probability: f64,
    },
    /// The system is (all but) never up: up less than a second per simulated year on
    /// average, over a run (`years`) or in the closed form of `explain` (`years` is
    /// `None`). A model is up when each year starts, so a failure must end that within a
    /// second; nothing can be learnt from its availability.
    NeverUp {
        /// The years simulated, if the fact comes from a run.
        years: Option<u64>,
    },
    /// A traffic profile whose multipliers do not average 1, scaled so that they do (the
    /// rate is the mean rate over the day).
    ProfileScaled {
        /// Its key, as `traffic.profile`.
        key: String,
        /// The mean of the multipliers as written.
        mean: f64,
    },
}

impl Warning {
    /// The key path the warning concerns, as `--set` names it.
    pub fn key(&self) -> String {
        match self {
            Warning::NeedsAll { component } => format!("component.{component}.needs"),
            Warning::SharedNodes {
                component, listed, ..
            } => {
                let key = if *listed { "placement" } else { "replicas" };
                format!("component.{component}.{key}")
            }
            Warning::NoFailureModes { component } => format!("component.{component}.failure"),
            Warning::LivenessKillsStart { component, .. } => {
                format!("component.{component}.liveness")
            }
            Warning::NeverUp { .. } => "up".to_string(),
            Warning::ProfileScaled { key, .. } => key.clone(),
        }
    }
}

/// What is surprising in `model` before anything runs, component by component.
pub fn model_warnings(model: &Model) -> Vec<Warning> {
    let nodes = model.kubernetes().map(|k| k.nodes);
    let mut warnings = Vec::new();
    for component in model.components() {
        let name = || component.name.clone();
        if component.needs_all && component.replicas > 1 {
            warnings.push(Warning::NeedsAll { component: name() });
        }
        let placed = component.pod.as_ref().zip(nodes).and_then(|(pod, nodes)| {
            match &pod.placement {
                Placement::Nodes(list) => {
                    let mut distinct = list.clone();
                    distinct.sort_unstable();
                    distinct.dedup();
                    Some((distinct.len().min(component.replicas as usize) as u32, true))
                }
                Placement::Spread => Some((nodes.min(component.replicas), false)),
                // Placed with another component: its nodes are that component's.
                Placement::With(_) => None,
            }
        });
        if let Some((distinct, listed)) = placed
            && distinct < component.replicas
        {
            warnings.push(Warning::SharedNodes {
                component: name(),
                replicas: component.replicas,
                nodes: distinct,
                listed,
            });
        }
        if component.failures.is_empty() {
            warnings.push(Warning::NoFailureModes { component: name() });
        }
        let pod = component.pod.as_ref().zip(model.kubernetes());
        let kills = pod.and_then(|(pod, k8s)| explain::liveness_kill_chance(&plan::pod(pod, k8s)));
        if let Some(probability) = kills.filter(|&p| p >= KILLS_MOST_STARTS) {
            warnings.push(Warning::LivenessKillsStart {
                component: name(),
                probability,
            });
        }
    }
    if let Some(traffic) = model.traffic() {
        let scaled = traffic.scaled_profiles.iter();
        warnings.extend(scaled.map(|(key, mean)| Warning::ProfileScaled {
            key: key.clone(),
            mean: *mean,
        }));
    }
    warnings
}

/// The share of restarts killed before they serve from which a run is warned: then most
/// failures of the component become crash loops, which `explain` also says in its reasons.
const KILLS_MOST_STARTS: f64 = 0.5;

/// [`Warning::NeverUp`] when the system is up less than a second per horizon of
/// `horizon_s` seconds at `availability`: the mean of a run of `years` years, or `explain`'s
/// closed form (`years` is `None`).
pub fn never_up(availability: f64, horizon_s: f64, years: Option<u64>) -> Option<Warning> {
    (years != Some(0) && availability * horizon_s < 1.0).then_some(Warning::NeverUp { years })
}

/// The warnings of several models (the variants of a comparison), each said once.
pub fn variants_warnings<'a>(models: impl IntoIterator<Item = &'a Model>) -> Vec<Warning> {
    let mut all: Vec<Warning> = Vec::new();
    for warning in models.into_iter().flat_map(model_warnings) {
        if !all.contains(&warning) {
            all.push(warning);
        }
    }
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    const MODEL: &str = r#"name = "m"
up = "db & cache & api"

[kubernetes]
nodes = 3

[[component]]
name = "db"
start = "10s"
replicas = 3
needs = "all"
placement = { nodes = [0, 1, 1] }

  [[component.failure]]
  name = "crash"
  every = "30d"
  repair = "1m"

[[component]]
name = "cache"
start = "10s"
replicas = 4
needs = 4

  [[component.failure]]
  name = "crash"
  every = "30d"
  repair = "1m"

[[component]]
name = "api"
start = "10s"
"#;

    #[test]
    fn each_surprise_is_a_fact_naming_its_key() {
        let warnings = model_warnings(&crate::fixtures::model(MODEL));
        let keys: Vec<String> = warnings.iter().map(Warning::key).collect();
        assert_eq!(
            keys,
            [
                "component.db.needs",
                "component.db.placement",
                "component.cache.replicas",
                "component.api.failure"
            ]
        );
        assert_eq!(
            warnings[1],
            Warning::SharedNodes {
                component: "db".into(),
                replicas: 3,
                nodes: 2,
                listed: true
            }
        );
        assert_eq!(
            warnings[2],
            Warning::SharedNodes {
                component: "cache".into(),
                replicas: 4,
                nodes: 3,
                listed: false
            }
        );
    }

    #[test]
    fn a_run_that_was_never_up_says_so() {
        let year = 31_536_000.0;
        assert_eq!(
            never_up(0.0, year, Some(10)),
            Some(Warning::NeverUp { years: Some(10) })
        );
        assert_eq!(
            never_up(3e-8, year, None),
            Some(Warning::NeverUp { years: None })
        );
        assert_eq!(never_up(4e-8, year, Some(10)), None);
    }
}
