//! `--simulate`: the question of a calculation as what a model needs, so that the formula's
//! answer can be set beside a simulation of the same system. The model text itself is
//! written by `report::calc_model`, and read back by the ordinary model reader.

use super::{Availability, CalcError, Combination, ComponentAnswer, Composition};
use crate::time::Duration;

/// Most up-expression terms a model of differing members may take: `C(n, k)` terms for `k`
/// of `n`, each a conjunction of `k` names.
const MAX_TERMS: u64 = 252;

/// One member's mean times, which the model draws from exponential distributions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Member {
    /// Mean up time between failures.
    pub mttf: Duration,
    /// Mean time from failure to serving again.
    pub mttr: Duration,
}

/// A calculation as a system to simulate: its members, how they combine, and what the
/// formula leaves out (a detection delay, a failover window) when the user adds it.
#[derive(Clone, Debug, PartialEq)]
pub struct Setup {
    /// The calculation as typed after `nines calc` (`parallel 99% 99%`), for the model's
    /// name.
    pub question: String,
    /// How the members combine (a lone component is one of one).
    pub combination: Combination,
    /// The members.
    pub members: Vec<Member>,
    /// Delay from a failure to its detection, before the repair starts (the formula: none).
    pub detect: Duration,
    /// A failover window: the members elect a leader, and each loss of the leader costs
    /// this long with no service (the formula: none, failover is instant).
    pub failover: Option<Duration>,
    /// Years to simulate.
    pub years: u64,
    /// The master seed.
    pub seed: u64,
}

impl Setup {
    /// The component of `answer`, alone.
    pub fn for_component(answer: &ComponentAnswer, question: String) -> Setup {
        Setup {
            question,
            combination: Combination::AtLeast(1),
            members: vec![Member {
                mttf: answer.mttf,
                mttr: answer.mttr,
            }],
            detect: Duration::ZERO,
            failover: None,
            years: 10_000,
            seed: 1,
        }
    }

    /// The members of `composition`, each repaired in `mttr` on average and failing often
    /// enough to have its availability: `MTTF = MTTR x A / (1 - A)`.
    pub fn for_composition(
        composition: &Composition,
        mttr: Duration,
        question: String,
    ) -> Result<Setup, CalcError> {
        let members = composition
            .members
            .iter()
            .enumerate()
            .map(|(i, member)| member_times(*member, mttr, i + 1))
            .collect::<Result<Vec<_>, _>>()?;
        let setup = Setup {
            question,
            combination: composition.combination,
            members,
            detect: Duration::ZERO,
            failover: None,
            years: 10_000,
            seed: 1,
        };
        if !setup.identical() && setup.terms() > MAX_TERMS {
            return Err(CalcError::Invalid {
                argument: "--simulate".to_string(),
                problem: format!(
                    "members of different availabilities make an up expression of {} terms \
                     (at most {MAX_TERMS}); simulate fewer members, or identical ones",
                    setup.terms()
                ),
            });
        }
        Ok(setup)
    }

    /// Whether every member has the same times, so the model is one component with
    /// replicas.
    pub fn identical(&self) -> bool {
        self.members.windows(2).all(|pair| pair[0] == pair[1])
    }

    /// How many members must be up.
    pub fn needs(&self) -> usize {
        match self.combination {
            Combination::Series => self.members.len(),
            Combination::Parallel => 1,
            Combination::AtLeast(k) => k,
        }
    }

    /// Whether the model meets what the formula assumes: exponential times (the model's
    /// draws), independent members (no shared node), no detection delay and no failover
    /// window. Only then must the simulation agree with the formula.
    pub fn meets_assumptions(&self) -> bool {
        self.detect == Duration::ZERO && self.failover.is_none()
    }

    /// The number of `k`-member terms of the up expression of differing members: `C(n, k)`.
    fn terms(&self) -> u64 {
        let n = self.members.len() as u64;
        let k = self.needs() as u64;
        (0..k).fold(1u64, |c, i| c.saturating_mul(n - i) / (i + 1))
    }
}

/// The times of member `index` (from 1) of availability `member` repaired in `mttr`.
fn member_times(member: Availability, mttr: Duration, index: usize) -> Result<Member, CalcError> {
    let invalid = |problem: String| CalcError::Invalid {
        argument: format!("member {index}"),
        problem,
    };
    if member.down == 0.0 {
        return Err(invalid(
            "100% never fails, so there is nothing to simulate; give it an availability below 100%"
                .to_string(),
        ));
    }
    let mttf_s = mttr.as_secs_f64() * member.up / member.down;
    let mttf = Duration::from_secs_f64(mttf_s);
    if mttf > Duration::MAX_MODEL || mttf == Duration::ZERO {
        return Err(invalid(format!(
            "with a repair of {mttr} on average it would fail every {mttf_s:.3e} s, outside \
             what a model takes (1 µs to 10000y); choose another --mttr"
        )));
    }
    Ok(Member { mttf, mttr })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calc::{availability, k_of_n, parallel};

    fn a(text: &str) -> Availability {
        availability(text, "test").unwrap()
    }

    #[test]
    fn members_fail_often_enough_to_have_their_availability() {
        let two = parallel(vec![a("99%"); 2]).unwrap();
        let setup =
            Setup::for_composition(&two, Duration::from_secs(3_600), String::new()).unwrap();
        assert!(setup.identical() && setup.meets_assumptions());
        assert_eq!(setup.needs(), 1);
        assert_eq!(setup.members[0].mttf, Duration::from_secs(99 * 3_600));
        let mixed = k_of_n(2, vec![a("0.9"), a("0.8"), a("0.5")]).unwrap();
        let setup = Setup::for_composition(&mixed, Duration::from_secs(60), String::new()).unwrap();
        assert!(!setup.identical());
        assert_eq!(setup.terms(), 3);
        assert_eq!(setup.members[2].mttf, Duration::from_secs(60));
    }

    #[test]
    fn members_that_cannot_be_modelled_are_refused() {
        let perfect = parallel(vec![a("99%"), a("100%")]).unwrap();
        let error = Setup::for_composition(&perfect, Duration::SECOND, String::new());
        assert!(
            error
                .unwrap_err()
                .to_string()
                .starts_with("member 2: 100% never fails")
        );
        let many = k_of_n(
            6,
            vec![
                a("0.9"),
                a("0.8"),
                a("0.7"),
                a("0.6"),
                a("0.5"),
                a("0.4"),
                a("0.3"),
                a("0.2"),
                a("0.1"),
                a("0.91"),
                a("0.92"),
                a("0.93"),
            ],
        )
        .unwrap();
        assert!(Setup::for_composition(&many, Duration::SECOND, String::new()).is_err());
    }
}
