//! The steps of one failover, planned when a replica fails, reported to the tracer as
//! typed facts ([`FailoverStep`]) so that `trace` can show each on its own line.

use super::{Detection, FailoverStep, TraceEvent, Tracer};
use crate::mechanics::failure::Detect;
use crate::mechanics::pod::Restarted;
use crate::time::Duration;

/// A share's reload after a failure, for a component with reassignment.
#[derive(Clone, Copy, Debug)]
pub(super) struct Reload {
    /// When the failed replica's session expired.
    pub expired: Duration,
    /// Whether another replica loads the share (else the restarted one does).
    pub elsewhere: bool,
}

/// What the engine decided when a replica failed: when it is noticed, how it restarts,
/// when it serves again and whether its share reloads.
pub(super) struct Failover {
    /// When the failure is noticed.
    pub noticed: Duration,
    /// How it is noticed.
    pub by: Detection,
    /// When the failed container is dead: detection, plus the grace period of a kill.
    pub dead_at: Duration,
    /// The pod's restart, for a replica restarted by Kubernetes.
    pub restarted: Option<Restarted>,
    /// When the replica itself runs again (restarted or repaired).
    pub serving: Duration,
    /// When it serves again: `serving`, or later once its share reloaded.
    pub back: Duration,
    /// The share's reload, with reassignment.
    pub reload: Option<Reload>,
}

/// How a failure mode's detection reads in the trace.
pub(super) fn detection(detect: &Detect) -> Detection {
    match detect {
        Detect::Liveness => Detection::Probe,
        Detect::Exit { .. } => Detection::Exit,
        Detect::After(_) => Detection::Delay,
    }
}

impl Failover {
    /// Reports each step at `now`, the failure's instant, in the order they happen. Steps
    /// after the replica serves again (its share loaded elsewhere before its own restart
    /// finished) or past the year (`Duration::NEVER`) are left out.
    pub fn trace<T: Tracer>(&self, now: Duration, component: u32, replica: u32, tracer: &mut T) {
        let back = self.back;
        let mut step = |at: Duration, step: FailoverStep| {
            if at <= back && at != Duration::NEVER {
                let event = TraceEvent::FailoverStep {
                    component,
                    replica,
                    at,
                    step,
                };
                tracer.event(now, event);
            }
        };
        // A drawn detection of zero (level 1's default) is no step of its own.
        if self.by != Detection::Delay || self.noticed > now {
            step(self.noticed, FailoverStep::Detected { by: self.by });
        }
        match self.restarted {
            Some(r) => {
                if self.by == Detection::Probe {
                    step(self.dead_at, FailoverStep::Killed);
                }
                if r.killed_starting > 0 {
                    // The first attempt, then the kills it and the next ones met, in one
                    // step: a crash loop can restart hundreds of times in a year.
                    let first_delay = r.first_started.saturating_sub(self.dead_at);
                    if first_delay > Duration::ZERO {
                        step(self.dead_at, FailoverStep::BackOff { delay: first_delay });
                    }
                    step(r.first_started, FailoverStep::Started);
                    let attempts = r.killed_starting;
                    step(r.backoff_from, FailoverStep::KilledStarting { attempts });
                }
                let delay = r.container_started.saturating_sub(r.backoff_from);
                if delay > Duration::ZERO {
                    step(r.backoff_from, FailoverStep::BackOff { delay });
                }
                step(r.container_started, FailoverStep::Started);
                step(r.process_up, FailoverStep::ProcessUp);
                if r.ready > r.process_up {
                    step(r.ready, FailoverStep::Ready);
                }
                step(self.serving, FailoverStep::Propagated);
            }
            // Without a reload the replica's return is the engine's own `ReplicaRepaired`.
            None if self.reload.is_some() => step(self.serving, FailoverStep::Repaired),
            None => {}
        }
        if let Some(reload) = self.reload {
            if reload.elsewhere {
                step(reload.expired, FailoverStep::SessionExpired);
            }
            let elsewhere = reload.elsewhere;
            step(self.back, FailoverStep::ShareReloaded { elsewhere });
        }
    }
}
