//! Leader elections: how long a vacant office stays vacant.
//!
//! Raft: each of the candidates (the up followers) times out after a uniform draw in
//! [T, 2T) counted from the last heartbeat, which came up to one heartbeat interval
//! before; the first to time out wins after a pre-vote and a vote round (etcd-io/raft
//! raft.go). Lease: the holder's lease has 2/3 to all of its TTL left (see [`lease`]),
//! then the standby takes over.

use super::{Draw, lease};
use crate::dist::Dist;
use crate::math;
use crate::time::Duration;

/// How a vacant leader office is filled.
#[derive(Clone, Debug)]
pub enum Leader {
    /// An election lasting one draw of the distribution (`docs/semantics.md`, level 1).
    Election(Dist),
    /// Raft's randomised election timeouts.
    Raft(Raft),
    /// Active-standby through a lease.
    Lease(LeaseTakeover),
}

/// What an election's draw decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Election {
    /// How long the office stays vacant from the election's start.
    pub duration: Duration,
    /// Whether a lease had already run out when the election started (its standby came
    /// back after the expiry), so that the takeover alone is left.
    pub lease_ran_out: bool,
}

/// Raft's election settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Raft {
    /// The election timeout T.
    pub election_timeout: Duration,
    /// The leader's heartbeat interval, below T.
    pub heartbeat: Duration,
    /// One network round trip between members.
    pub round_trip: Duration,
}

/// A standby taking over when the failed holder's lease expires.
#[derive(Clone, Debug)]
pub struct LeaseTakeover {
    /// The lease's time to live.
    pub ttl: Duration,
    /// How often the holder renews it, at most `ttl`.
    pub renew: Duration,
    /// From noticing the expiry to serving as the new holder.
    pub takeover: Dist,
}

impl Leader {
    /// Draws how long an election starting now takes, with `candidates` replicas up, the
    /// office having fallen vacant `vacant_for` ago (zero unless it waited for candidates).
    ///
    /// Only a lease counts that wait: its expiry runs in the store from the holder's loss,
    /// whoever is up (SPEC section 2: the TTL less up to one renewal after the failure), so a
    /// standby back after it takes over at once. Raft's timers and a plain election start
    /// when the candidates are up.
    pub fn draw(&self, candidates: u32, vacant_for: Duration, draws: &mut impl Draw) -> Election {
        let (duration, lease_ran_out) = match self {
            Leader::Election(dist) => (draws.draw(dist), false),
            Leader::Raft(raft) => (raft.draw(candidates, draws), false),
            Leader::Lease(lease) => {
                let expiry = draws.draw(&lease.remaining());
                let left = expiry.saturating_sub(vacant_for);
                (
                    left.saturating_add(draws.draw(&lease.takeover)),
                    left == Duration::ZERO,
                )
            }
        };
        Election {
            duration,
            lease_ran_out,
        }
    }
}

impl LeaseTakeover {
    /// What is left of the lease when its holder goes silent.
    pub fn remaining(&self) -> Dist {
        lease::remaining_renewed(self.ttl, self.renew)
    }
}

impl Raft {
    /// One candidate's election timeout: uniform on [T, 2T).
    pub fn timeout(&self) -> Dist {
        let t = self.election_timeout;
        Dist::uniform(t, t.saturating_add(t)).unwrap_or_else(|_| Dist::fixed(t))
    }

    /// The pre-vote and the vote round: two round trips.
    pub fn rounds(&self) -> Duration {
        Duration::from_micros(self.round_trip.as_micros().saturating_mul(2))
    }

    /// The `p`-quantile, in seconds, of the first of `candidates` timeouts uniform on
    /// [T, 2T): `T + T(1 - (1-p)^(1/k))`.
    pub fn first_timeout_quantile_secs(&self, candidates: u32, p: f64) -> f64 {
        let (t, k) = self.secs_and_candidates(candidates);
        t + t * (1.0 - math::powf(1.0 - p, 1.0 / k))
    }

    /// The mean, in seconds, of the first of `candidates` timeouts: `T + T/(k+1)`.
    pub fn first_timeout_mean_secs(&self, candidates: u32) -> f64 {
        let (t, k) = self.secs_and_candidates(candidates);
        t + t / (k + 1.0)
    }

    fn secs_and_candidates(&self, candidates: u32) -> (f64, f64) {
        (
            self.election_timeout.as_secs_f64(),
            f64::from(candidates.max(1)),
        )
    }

    /// Draws an election: the first of the candidates' timeouts (one draw each), less the
    /// time since the last heartbeat, plus the two rounds.
    fn draw(&self, candidates: u32, draws: &mut impl Draw) -> Duration {
        let timeout = self.timeout();
        let first = (0..candidates.max(1))
            .map(|_| draws.draw(&timeout))
            .min()
            .unwrap_or(self.election_timeout);
        let since_heartbeat = draws.below(self.heartbeat);
        first
            .saturating_sub(since_heartbeat)
            .saturating_add(self.rounds())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::Scripted;

    fn s(secs: u64) -> Duration {
        Duration::from_secs(secs)
    }

    fn ms(millis: u64) -> Duration {
        Duration::from_micros(millis * 1000)
    }

    fn took(duration: Duration, lease_ran_out: bool) -> Election {
        Election {
            duration,
            lease_ran_out,
        }
    }

    #[test]
    fn raft_takes_the_first_timeout_less_the_heartbeat_plus_two_rounds() {
        let raft = Leader::Raft(Raft {
            election_timeout: s(1),
            heartbeat: ms(100),
            round_trip: ms(10),
        });
        let mut draws = Scripted::new(&[ms(1700), ms(1200), ms(50)]);
        let elected = raft.draw(2, Duration::ZERO, &mut draws);
        assert_eq!(elected, took(ms(1200 - 50 + 20), false));
        assert_eq!(draws.asked.len(), 3, "{:?}", draws.asked);
        assert!(draws.asked[2].starts_with("below"), "{:?}", draws.asked);
    }

    #[test]
    fn a_lease_takeover_waits_for_the_expiry() {
        let lease = Leader::Lease(LeaseTakeover {
            ttl: s(9),
            renew: s(3),
            takeover: Dist::fixed(s(2)),
        });
        let mut draws = Scripted::new(&[s(7)]);
        assert_eq!(lease.draw(1, Duration::ZERO, &mut draws), took(s(9), false));
    }

    /// A standby back only after the lease ran out (the holder was lost while every other
    /// replica was down) takes over at once, and the draw says the lease had run out; one
    /// back before waits out the rest.
    #[test]
    fn a_lease_counts_from_the_holders_loss_not_the_standbys_return() {
        let lease = Leader::Lease(LeaseTakeover {
            ttl: s(9),
            renew: s(3),
            takeover: Dist::fixed(s(2)),
        });
        let mut draws = Scripted::new(&[s(7)]);
        assert_eq!(lease.draw(1, s(30), &mut draws), took(s(2), true));
        let mut draws = Scripted::new(&[s(7)]);
        assert_eq!(lease.draw(1, s(5), &mut draws), took(s(4), false));
        // Back at the very instant of the expiry: nothing of the lease is left.
        let mut draws = Scripted::new(&[s(7)]);
        assert_eq!(lease.draw(1, s(7), &mut draws), took(s(2), true));
        // An election that failed left the lease run out: the engine says so with NEVER.
        let mut draws = Scripted::new(&[s(7)]);
        assert_eq!(lease.draw(1, Duration::NEVER, &mut draws), took(s(2), true));
        let raft = Leader::Raft(Raft {
            election_timeout: s(1),
            heartbeat: ms(100),
            round_trip: ms(10),
        });
        let mut waited = Scripted::new(&[ms(1200), ms(50)]);
        let mut at_once = Scripted::new(&[ms(1200), ms(50)]);
        assert_eq!(
            raft.draw(1, s(30), &mut waited),
            raft.draw(1, Duration::ZERO, &mut at_once),
            "Raft's timers start with the candidates"
        );
    }

    #[test]
    fn the_first_of_k_timeouts_has_its_closed_form() {
        let raft = Raft {
            election_timeout: s(1),
            heartbeat: s(0),
            round_trip: s(0),
        };
        assert_eq!(raft.first_timeout_mean_secs(3), 1.25);
        assert_eq!(raft.first_timeout_quantile_secs(1, 0.5), 1.5);
        assert_eq!(raft.first_timeout_quantile_secs(0, 0.5), 1.5);
    }
}
