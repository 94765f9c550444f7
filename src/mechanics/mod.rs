//! The mechanisms of failure and recovery, each stated once.
//!
//! The engine samples them, `explain` turns them into distributions, the floor draws them
//! and `workload` estimates them; each reads the statement here, so the four cannot drift
//! apart. Nothing here knows the model: the plan compiles the model into these types.
//!
//! | mechanism | where |
//! | --- | --- |
//! | time to failure (at least 1 µs), detection, repair, the kill of a hung process | [`failure`] |
//! | lease expiry (2/3 to all of the TTL) | [`lease`] |
//! | elections: a drawn one, Raft's first of k timeouts, a lease takeover | [`leader`] |
//! | liveness detection, restart back-off, start and readiness | [`pod`] |
//! | node failure, notice and eviction | [`node`] |
//! | the upgrade schedule, rollout limits, graceful handovers | [`rollout`] |
//! | node drains: what a disruption budget allows | [`drain`] |
//! | client retries: the attempt schedule | [`retry`] |
//! | routing: dead replicas still routed, an attempt's chance of success | [`routing`] |
//! | backups: the schedule, what a restore finds, the closed-form RPO | [`backup`] |
//! | the stream layout | [`streams`] |

pub mod backup;
pub mod drain;
pub mod failure;
pub mod leader;
pub mod lease;
pub mod node;
pub mod pod;
pub mod retry;
pub mod rollout;
pub mod routing;
pub mod streams;

use crate::dist::Dist;
use crate::time::Duration;

/// A source of draws for one mechanism: one stream of the year (the engine, the floor).
pub trait Draw {
    /// One draw of `dist`; a fixed duration takes its value without a draw.
    fn draw(&mut self, dist: &Dist) -> Duration;
    /// A uniform draw in `[0, bound)`; zero, without a draw, when `bound` is zero.
    fn below(&mut self, bound: Duration) -> Duration;
}
