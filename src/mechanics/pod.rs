//! Kubernetes pod timing in closed form: probe ticks, liveness detection, restart back-off,
//! start and readiness. No probe is ever simulated as an event; the instants follow from
//! the ticker's phase, which is fixed per replica for the year (the kubelet's probe worker
//! keeps one ticker across container restarts: kubernetes/kubernetes
//! pkg/kubelet/prober/worker.go).

use super::Draw;
use crate::dist::Dist;
use crate::time::Duration;

/// How Kubernetes runs a component's replicas.
#[derive(Clone, Debug)]
pub struct Pod {
    /// True for a Deployment, whose replicas move off a failed node; a StatefulSet's wait
    /// for theirs.
    pub moves_off_failed_nodes: bool,
    /// From container start to the process serving.
    pub start: Dist,
    /// The pod's probes.
    pub probes: Probes,
    /// SIGTERM to SIGKILL when a container is killed.
    pub termination_grace_period: Duration,
    /// From a readiness change to load balancers seeing it.
    pub endpoint_propagation: Duration,
}

/// A kubelet probe's settings (Kubernetes "Configure Probes").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Probe {
    /// Time between probes.
    pub period: Duration,
    /// A probe fails after this long without an answer.
    pub timeout: Duration,
    /// Consecutive failures that flip the probe to failed.
    pub failure_threshold: u32,
    /// Consecutive successes that flip it to succeeded.
    pub success_threshold: u32,
    /// No probe runs until this long after the container starts.
    pub initial_delay: Duration,
}

impl Probe {
    /// From the first failing probe to the last of `failure_threshold` failures, when
    /// each fails at once (the port of a starting process refuses connections).
    pub fn failures_after_first(&self) -> Duration {
        repeat(self.period, self.failure_threshold - 1)
    }

    /// From the first passing probe to the last of `success_threshold` successes.
    pub fn successes_after_first(&self) -> Duration {
        repeat(self.period, self.success_threshold - 1)
    }

    /// From the first tick at which a hung process is probed to its detection: probes of
    /// a hung process fail after `timeout`, `max(period, timeout)` apart (a Go ticker
    /// buffers one tick), so `(F-1)·max(P, T) + T`.
    pub fn hang_detected_after_first_tick(&self) -> Duration {
        repeat(self.period.max(self.timeout), self.failure_threshold - 1)
            .saturating_add(self.timeout)
    }
}

/// A pod's probes, where set.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Probes {
    /// The liveness probe, which restarts a container that stops answering.
    pub liveness: Option<Probe>,
    /// The readiness probe, which gates traffic to the container.
    pub readiness: Option<Probe>,
    /// The startup probe, which holds the other probes off until the container started.
    pub startup: Option<Probe>,
}

/// The phases of a replica's probe tickers, fixed for the year (zero for a probe not set).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ProbePhases {
    /// The liveness probe's.
    pub liveness: Duration,
    /// The readiness probe's.
    pub readiness: Duration,
    /// The startup probe's.
    pub startup: Duration,
}

impl Probes {
    /// Draws the tickers' phases, uniform in each set probe's period: liveness, readiness,
    /// then startup.
    pub fn draw_phases(&self, draws: &mut impl Draw) -> ProbePhases {
        let mut phase =
            |probe: Option<Probe>| probe.map_or(Duration::ZERO, |p| draws.below(p.period));
        let liveness = phase(self.liveness);
        let readiness = phase(self.readiness);
        let startup = phase(self.startup);
        ProbePhases {
            liveness,
            readiness,
            startup,
        }
    }
}

/// First restart after a crash has no delay; then 10 s, doubling, at most 300 s
/// (kubernetes/kubernetes pkg/kubelet/kubelet.go backOffPeriod, MaxContainerBackOff).
const BACKOFF_BASE: Duration = Duration::from_secs(10);
const BACKOFF_MAX: Duration = Duration::from_secs(300);
/// A container that ran this long without problems has its back-off reset (pod-lifecycle).
const BACKOFF_RESET: Duration = Duration::from_secs(600);

/// The first tick of a ticker with `phase` and `period` at or after `at`.
pub fn first_tick(phase: Duration, period: Duration, at: Duration) -> Duration {
    if at <= phase {
        return phase;
    }
    let period = period.as_micros().max(1);
    let since = at.as_micros() - phase.as_micros();
    let ticks = since.div_ceil(period);
    Duration::from_micros(
        phase
            .as_micros()
            .saturating_add(ticks.saturating_mul(period)),
    )
}

/// The delay before the restart after `restarts` earlier consecutive restarts.
pub fn backoff(restarts: u32) -> Duration {
    if restarts == 0 {
        return Duration::ZERO;
    }
    let doublings = (restarts - 1).min(16);
    Duration::from_micros(BACKOFF_BASE.as_micros() << doublings).min(BACKOFF_MAX)
}

/// How long after a hang at `hang` the liveness probe declares the container dead.
///
/// Probes run at the ticker's ticks once `initial_delay` has passed since the container
/// started; the detection follows the first of them at or after the hang by
/// [`Probe::hang_detected_after_first_tick`]: `D = (first tick - hang) + (F-1)·max(P, T) + T`.
pub fn liveness_detection(
    probe: &Probe,
    phase: Duration,
    hang: Duration,
    started: Duration,
) -> Duration {
    let eligible = hang.max(started.saturating_add(probe.initial_delay));
    first_tick(phase, probe.period, eligible)
        .saturating_add(probe.hang_detected_after_first_tick())
        .saturating_sub(hang)
}

/// The consecutive restarts a container failing at `failed` has behind it: those so far,
/// unless it ran ten minutes since its last start or is the one running since before the
/// year began (`started` is `None`), when its back-off is reset.
pub fn restarts_before(restarts: u32, started: Option<Duration>, failed: Duration) -> u32 {
    match started {
        Some(started) if failed.saturating_sub(started) < BACKOFF_RESET => restarts,
        _ => 0,
    }
}

/// Where a restart sequence ended, with the instants of its last attempt (what `trace`
/// shows step by step).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Restarted {
    /// When the replica serves again (or `Duration::NEVER` past the horizon).
    pub serving_at: Duration,
    /// When the last container started.
    pub container_started: Duration,
    /// When the first container of the sequence started (the last's, with one attempt).
    pub first_started: Duration,
    /// Consecutive restarts so far, for the next back-off.
    pub restarts: u32,
    /// Containers killed by a probe before they served, this sequence.
    pub killed_starting: u32,
    /// When the last attempt's back-off began: the previous container was dead.
    pub backoff_from: Duration,
    /// When the last container's process served (its start was over).
    pub process_up: Duration,
    /// When the readiness probe passed (the process's start without one).
    pub ready: Duration,
}

/// Restarts a dead container from `dead_at`: back-off, container start, `start` until the
/// process serves, then the first passing readiness probe and endpoint propagation.
///
/// A container whose process is not serving when the startup probe gives up, or (without
/// a startup probe) when the liveness probe has failed `failure_threshold` times, is killed
/// and restarted again with a longer back-off: CrashLoopBackOff. Probes of a starting
/// process fail at once (the port refuses connections). `draw_start` draws one start
/// duration per attempt. Gives up at `horizon`.
pub fn restart(
    probes: &Probes,
    phases: &ProbePhases,
    mut restarts: u32,
    dead_at: Duration,
    horizon: Duration,
    propagation: Duration,
    mut draw_start: impl FnMut() -> Duration,
) -> Restarted {
    let mut dead_at = dead_at;
    let mut killed_starting = 0;
    let mut first_started = None;
    loop {
        let started = dead_at.saturating_add(backoff(restarts));
        let first_started = *first_started.get_or_insert(started);
        restarts += 1;
        if started >= horizon {
            return Restarted {
                serving_at: Duration::NEVER,
                container_started: started,
                first_started,
                restarts,
                killed_starting,
                backoff_from: dead_at,
                process_up: Duration::NEVER,
                ready: Duration::NEVER,
            };
        }
        let process_ready = started.saturating_add(draw_start());
        let (killed_at, probes_from) = match (&probes.startup, &probes.liveness) {
            (Some(startup), _) => {
                let phase = phases.startup;
                let first = first_tick(
                    phase,
                    startup.period,
                    started.saturating_add(startup.initial_delay),
                );
                let gives_up = first.saturating_add(startup.failures_after_first());
                let succeeds = first_tick(phase, startup.period, process_ready.max(first));
                if gives_up < succeeds {
                    (Some(gives_up), started)
                } else {
                    (None, succeeds)
                }
            }
            (None, Some(liveness)) => {
                let phase = phases.liveness;
                let first = first_tick(
                    phase,
                    liveness.period,
                    started.saturating_add(liveness.initial_delay),
                );
                let kills = first.saturating_add(liveness.failures_after_first());
                ((kills < process_ready).then_some(kills), started)
            }
            (None, None) => (None, started),
        };
        if let Some(killed_at) = killed_at {
            dead_at = killed_at;
            killed_starting += 1;
            continue;
        }
        let ready_from = process_ready.max(probes_from);
        let ready = match &probes.readiness {
            Some(readiness) => {
                let first = first_tick(
                    phases.readiness,
                    readiness.period,
                    ready_from.max(started.saturating_add(readiness.initial_delay)),
                );
                first.saturating_add(readiness.successes_after_first())
            }
            None => ready_from,
        };
        return Restarted {
            serving_at: ready.saturating_add(propagation),
            container_started: started,
            first_started,
            restarts,
            killed_starting,
            backoff_from: dead_at,
            process_up: process_ready,
            ready,
        };
    }
}

fn repeat(period: Duration, times: u32) -> Duration {
    Duration::from_micros(period.as_micros().saturating_mul(u64::from(times)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(secs: u64) -> Duration {
        Duration::from_secs(secs)
    }

    fn probe(period: u64, timeout: u64, failures: u32, initial_delay: u64) -> Probe {
        Probe {
            period: s(period),
            timeout: s(timeout),
            failure_threshold: failures,
            success_threshold: 1,
            initial_delay: s(initial_delay),
        }
    }

    #[test]
    fn ticks_follow_the_phase() {
        assert_eq!(first_tick(s(3), s(10), s(0)), s(3));
        assert_eq!(first_tick(s(3), s(10), s(3)), s(3));
        assert_eq!(first_tick(s(3), s(10), s(4)), s(13));
        assert_eq!(first_tick(s(3), s(10), s(23)), s(23));
    }

    #[test]
    fn backoff_doubles_from_ten_seconds_to_five_minutes() {
        let delays: Vec<u64> = (0..8).map(|k| backoff(k).as_micros() / 1_000_000).collect();
        assert_eq!(delays, [0, 10, 20, 40, 80, 160, 300, 300]);
        assert_eq!(backoff(1000), s(300));
    }

    #[test]
    fn liveness_detection_is_phase_plus_repeats_plus_timeout() {
        // Period 10 s, timeout 5 s, threshold 3, ticks at 7, 17, 27, ...; hang at 100 s:
        // first failing probe starts at 107 s, the third fails at 107 + 2·10 + 5 = 132 s.
        let p = probe(10, 5, 3, 0);
        assert_eq!(liveness_detection(&p, s(7), s(100), s(0)), s(32));
        // A timeout longer than the period spaces the probes by the timeout.
        let slow = probe(10, 15, 3, 0);
        assert_eq!(
            liveness_detection(&slow, s(7), s(100), s(0)),
            s(7 + 2 * 15 + 15)
        );
        // No probe before initial_delay after the container started: the container started
        // at 90 s, so the first probe is the tick at 127 s, not 107 s.
        let delayed = probe(10, 5, 3, 30);
        assert_eq!(
            liveness_detection(&delayed, s(7), s(100), s(90)),
            s(27 + 20 + 5)
        );
    }

    #[test]
    fn the_back_off_resets_after_ten_minutes_and_for_the_first_container() {
        assert_eq!(restarts_before(3, Some(s(100)), s(699)), 3);
        assert_eq!(restarts_before(3, Some(s(100)), s(700)), 0);
        assert_eq!(restarts_before(3, None, s(1)), 0);
    }

    #[test]
    fn restart_waits_for_start_and_readiness() {
        let readiness = probe(5, 1, 3, 10);
        let probes = Probes {
            readiness: Some(readiness),
            ..Probes::default()
        };
        let phases = ProbePhases {
            readiness: s(2),
            ..ProbePhases::default()
        };
        // Dead at 100 s after one earlier restart: back-off 10 s, start at 110 s, process
        // ready at 130 s, readiness ticks at 2 + 5k: first at or after max(130, 120) is 132 s.
        let restarted = restart(&probes, &phases, 1, s(100), s(1_000_000), s(1), || s(20));
        assert_eq!(
            restarted,
            Restarted {
                serving_at: s(133),
                container_started: s(110),
                first_started: s(110),
                restarts: 2,
                killed_starting: 0,
                backoff_from: s(100),
                process_up: s(130),
                ready: s(132),
            }
        );
    }

    #[test]
    fn liveness_kills_a_slow_start_until_back_off_grows() {
        // Liveness from 10 s after start, every 10 s, 3 failures: a process needing 40 s is
        // killed 30 s after each start, forever; the sequence ends at the horizon.
        let liveness = probe(10, 1, 3, 10);
        let probes = Probes {
            liveness: Some(liveness),
            ..Probes::default()
        };
        let phases = ProbePhases::default();
        let restarted = restart(&probes, &phases, 0, s(0), s(3600), s(0), || s(40));
        assert_eq!(restarted.serving_at, Duration::NEVER);
        // A process needing 25 s survives: it serves before the third failure at 30 s.
        let fine = restart(&probes, &phases, 0, s(0), s(3600), s(0), || s(25));
        assert_eq!(fine.serving_at, s(25));
    }

    #[test]
    fn a_startup_probe_protects_a_slow_start() {
        let liveness = probe(10, 1, 3, 10);
        let startup = probe(10, 1, 18, 0);
        let probes = Probes {
            startup: Some(startup),
            liveness: Some(liveness),
            readiness: None,
        };
        let phases = ProbePhases::default();
        // Startup allows 180 s; the 40 s start succeeds at the 40 s tick.
        let restarted = restart(&probes, &phases, 0, s(0), s(3600), s(0), || s(40));
        assert_eq!(restarted.serving_at, s(40));
    }
}
