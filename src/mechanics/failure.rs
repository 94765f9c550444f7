//! A replica's failure: its time to failure, how it is noticed and how it comes back.

use super::Draw;
use crate::dist::Dist;
use crate::time::Duration;

/// A drawn time to failure as the simulation uses it: at least 1 µs, so an up interval
/// always has positive length.
pub fn time_to_failure(drawn: Duration) -> Duration {
    drawn.max(Duration::MICROSECOND)
}

/// How a failure is noticed.
#[derive(Clone, Debug)]
pub enum Detect {
    /// After a drawn delay (level 1).
    After(Dist),
    /// The process exits; the kubelet sees it at its next container re-list, uniformly
    /// within its re-list period `within`.
    Exit {
        /// The kubelet's container re-list period.
        within: Duration,
    },
    /// The process hangs; only the liveness probe sees it (in closed form from the
    /// probe's phase, see [`super::pod::liveness_detection`]).
    Liveness,
}

impl Detect {
    /// Draws the time from failure to noticed; `liveness` gives the liveness probe's
    /// closed form, which needs no draw.
    pub fn draw(&self, draws: &mut impl Draw, liveness: impl FnOnce() -> Duration) -> Duration {
        match self {
            Detect::After(dist) => draws.draw(dist),
            Detect::Exit { within } => draws.below(*within),
            Detect::Liveness => liveness(),
        }
    }

    /// The drawn delay of a level-1 detection; `None` for what Kubernetes derives.
    pub fn drawn(&self) -> Option<&Dist> {
        match self {
            Detect::After(dist) => Some(dist),
            Detect::Exit { .. } | Detect::Liveness => None,
        }
    }

    /// How long the kill of the failed container waits before it is restarted: a hung
    /// process (one found by liveness) ignores SIGTERM, so the kill waits out the
    /// termination grace period; an exited one needs no kill.
    pub fn kill_delay(&self, termination_grace_period: Duration) -> Duration {
        match self {
            Detect::Liveness => termination_grace_period,
            Detect::After(_) | Detect::Exit { .. } => Duration::ZERO,
        }
    }
}

/// How a replica comes back once the failure is noticed.
#[derive(Clone, Debug)]
pub enum Repair {
    /// After a drawn delay (level 1).
    After(Dist),
    /// The kubelet restarts the container: back-off, start, first passing readiness probe
    /// (see [`super::pod::restart`]).
    Restart,
}

impl Repair {
    /// The drawn delay of a level-1 repair; `None` for a restart.
    pub fn drawn(&self) -> Option<&Dist> {
        match self {
            Repair::After(dist) => Some(dist),
            Repair::Restart => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::Scripted;

    #[test]
    fn detection_draws_a_delay_or_a_re_list_and_liveness_in_closed_form() {
        let s = Duration::from_secs;
        let mut draws = Scripted::new(&[s(2), s(7)]);
        let after = Detect::After(Dist::exponential(s(10)));
        assert_eq!(after.draw(&mut draws, || s(99)), s(2));
        let exit = Detect::Exit { within: s(10) };
        assert_eq!(exit.draw(&mut draws, || s(99)), s(7));
        assert_eq!(Detect::Liveness.draw(&mut draws, || s(99)), s(99));
        assert_eq!(draws.asked.len(), 2, "{:?}", draws.asked);
        assert_eq!(Detect::Liveness.kill_delay(s(30)), s(30));
        assert_eq!(exit.kill_delay(s(30)), Duration::ZERO);
        assert_eq!(time_to_failure(Duration::ZERO), Duration::MICROSECOND);
    }
}
