//! The sentences of the model warnings ([`crate::warnings`]): one line each, starting with
//! the key it concerns, in a stable wording that scripts may match.

use super::format::count;
use crate::warnings::Warning;

/// The warning as one line, without the `warning: ` prefix.
pub fn warning_text(warning: &Warning) -> String {
    let key = warning.key();
    let why = match warning {
        Warning::NeedsAll { .. } => "\"all\" makes every replica necessary, so each added \
                                     replica lowers the component's availability; \"majority\" \
                                     or a number makes replicas redundant"
            .to_string(),
        Warning::SharedNodes {
            replicas,
            nodes,
            listed,
            ..
        } => format!(
            "{} on {}{}, so replicas share a node and fail together with it",
            count(u64::from(*replicas), "replica"),
            count(u64::from(*nodes), "node"),
            if *listed {
                " (the placement list is shorter than replicas)"
            } else {
                " (kubernetes.nodes)"
            }
        ),
        Warning::NoFailureModes { .. } => {
            "none given, so the component's replicas never fail on their own".to_string()
        }
        Warning::LivenessKillsStart { probability, .. } => format!(
            "the probe kills {} of restarts before they serve (CrashLoopBackOff), so a \
             failed replica may not serve again for long; add a startup probe or raise \
             initial_delay",
            super::format::percent(*probability)
        ),
        Warning::NeverUp { years: Some(years) } => format!(
            "the system was up less than a second a year on average over {}: it is never up",
            count(*years, "simulated year")
        ),
        Warning::NeverUp { years: None } => {
            "the closed form puts the system up less than a second a year: it is never up"
                .to_string()
        }
        Warning::ProfileScaled { mean, .. } => format!(
            "the multipliers average {}, not 1; nines divides each by that, so that the \
             rate stays the mean rate over the day",
            super::format::digits_of(*mean, 4)
        ),
    };
    format!("{key}: {why}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warnings_start_with_their_key() {
        assert_eq!(
            warning_text(&Warning::ProfileScaled {
                key: "traffic.services.search.profile".into(),
                mean: 22.9 / 24.0,
            }),
            "traffic.services.search.profile: the multipliers average 0.9542, not 1; nines \
             divides each by that, so that the rate stays the mean rate over the day"
        );
        assert_eq!(
            warning_text(&Warning::SharedNodes {
                component: "querynode".into(),
                replicas: 3,
                nodes: 2,
                listed: true
            }),
            "component.querynode.placement: 3 replicas on 2 nodes (the placement list is \
             shorter than replicas), so replicas share a node and fail together with it"
        );
        assert!(
            warning_text(&Warning::NeedsAll {
                component: "querynode".into()
            })
            .starts_with("component.querynode.needs: \"all\" makes every replica necessary")
        );
    }
}
