//! Client retries: when a request's attempts are made.
//!
//! A request arriving at t makes attempt 0 at t and attempt j+1 at S_{j+1} = S_j +
//! min(backoff·multiplier^j, max_backoff) after t, until one succeeds, `attempts` are
//! spent, or an attempt fails at S_j ≥ `deadline` (pymilvus checks its timeout after a
//! failed attempt, before sleeping: milvus-io/pymilvus `pymilvus/decorators.py`,
//! `retry_on_rpc_failure`). No jitter: pymilvus sleeps exactly the back-off.

use crate::time::Duration;

/// Most attempts a policy may make: pymilvus's 76 and gRPC's cap of 5 are far below it, and
/// the counting's cost grows with the square of the attempts in a failure window.
pub const MAX_ATTEMPTS: u32 = 1000;

/// A client's retry policy.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (at least 1).
    pub attempts: u32,
    /// The sleep after the first failed attempt.
    pub backoff: Duration,
    /// Each further sleep is the previous one times this (positive).
    pub multiplier: f64,
    /// No sleep is longer than this.
    pub max_backoff: Duration,
    /// An attempt that fails this long or longer after the first ends the request; `None`
    /// for no deadline.
    pub deadline: Option<Duration>,
}

impl RetryPolicy {
    /// One attempt, no retry (`client = "none"`).
    pub const NONE: RetryPolicy = RetryPolicy {
        attempts: 1,
        backoff: Duration::ZERO,
        multiplier: 1.0,
        max_backoff: Duration::ZERO,
        deadline: None,
    };

    /// The pymilvus defaults (`client = "pymilvus"`): retry_times 75 (76 attempts),
    /// initial_back_off 0.01 s, multiplier 3, max_back_off 3 s, no timeout
    /// (milvus-io/pymilvus `pymilvus/decorators.py`, since PR #1598).
    pub const PYMILVUS: RetryPolicy = RetryPolicy {
        attempts: 76,
        backoff: Duration::from_micros(10_000),
        multiplier: 3.0,
        max_backoff: Duration::from_secs(3),
        deadline: None,
    };

    /// The offsets S_0 = 0 < S_1 < ... of the attempts from the request's arrival, each
    /// sleep rounded to the microsecond (a sleep too long to simulate stops the schedule).
    pub fn schedule(&self) -> Vec<Duration> {
        let mut offsets = vec![Duration::ZERO];
        let mut sleep = self.backoff.as_micros() as f64;
        let cap = self.max_backoff.as_micros() as f64;
        while offsets.len() < self.attempts as usize {
            let last = offsets[offsets.len() - 1];
            if self.deadline.is_some_and(|deadline| last >= deadline) {
                break;
            }
            let next = last.saturating_add(Duration::from_micros_f64(sleep.min(cap)));
            if next > Duration::MAX_MODEL {
                break;
            }
            offsets.push(next);
            sleep *= self.multiplier;
        }
        offsets
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(millis: u64) -> Duration {
        Duration::from_micros(millis * 1000)
    }

    #[test]
    fn pymilvus_makes_76_attempts_the_last_at_210_64_s() {
        let schedule = RetryPolicy::PYMILVUS.schedule();
        assert_eq!(schedule.len(), 76);
        // domain-facts G1: attempts at 0, 0.01, 0.04, 0.13, 0.40, 1.21, 3.64, 6.64 s, ...
        let first = [0, 10, 40, 130, 400, 1210, 3640, 6640].map(ms);
        assert_eq!(schedule[..8], first);
        assert_eq!(schedule[75], ms(210_640));
    }

    #[test]
    fn a_deadline_stops_after_the_first_failure_past_it() {
        let policy = RetryPolicy {
            deadline: Some(Duration::from_secs(10)),
            ..RetryPolicy::PYMILVUS
        };
        let schedule = policy.schedule();
        // 9.64 s is before the deadline, so one more attempt follows, at 12.64 s.
        assert_eq!(schedule.last(), Some(&ms(12_640)));
        assert_eq!(schedule.len(), 10);
        let exact = RetryPolicy {
            deadline: Some(ms(9_640)),
            ..RetryPolicy::PYMILVUS
        };
        assert_eq!(exact.schedule().last(), Some(&ms(9_640)));
    }

    #[test]
    fn none_is_one_attempt_and_a_policy_follows_its_keys() {
        assert_eq!(RetryPolicy::NONE.schedule(), vec![Duration::ZERO]);
        let grpc = RetryPolicy {
            attempts: 4,
            backoff: ms(100),
            multiplier: 2.0,
            max_backoff: ms(300),
            deadline: None,
        };
        assert_eq!(grpc.schedule(), [0, 100, 300, 600].map(ms));
        let huge = RetryPolicy {
            attempts: MAX_ATTEMPTS,
            backoff: Duration::MAX_MODEL,
            multiplier: 1e300,
            max_backoff: Duration::NEVER,
            deadline: None,
        };
        assert_eq!(huge.schedule(), [Duration::ZERO, Duration::MAX_MODEL]);
    }
}
