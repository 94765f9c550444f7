//! Replicas: failures, repairs, pod restarts and reloads.

use super::{Engine, Event, Measure, ReplicaState, TraceEvent, Tracer, Waiting, failover};
use crate::mechanics::failure::{self, Detect, Repair};
use crate::mechanics::streams::{PodPurpose, Purpose};
use crate::mechanics::{Draw, lease, pod, routing};
use crate::plan::{ComponentPlan, Plan};
use crate::rng::{STREAM_STATE_BYTES, prefetch};
use crate::time::Duration;

impl<M: Measure> Engine<'_, M> {
    /// Asks for what handling `event` will touch first to be brought into the cache while
    /// the event before it is handled: its replica's state, its component's plan and state,
    /// and the streams it draws from. With thousands of replicas each is touched a few
    /// times a year at random instants, so without this nearly every event waits for
    /// memory. Changes no value.
    pub(super) fn prefetch(&self, event: Event) {
        match event {
            Event::Fail { replica, mode, .. } => self.prefetch_failure(replica, mode),
            Event::Repaired { replica, .. } => self.prefetch_return(replica),
            _ => {}
        }
    }

    /// What [`Engine::on_fail`] of failure mode `mode` of `replica` reads first.
    fn prefetch_failure(&self, replica: u32, mode: u32) {
        let (component, local) = self.prefetch_replica(replica);
        if let Some(mode_plan) = component.modes.get(mode as usize) {
            prefetch::line(mode_plan);
            prefetch::line(&mode_plan.repair);
        }
        for purpose in [Purpose::Detect, Purpose::Repair] {
            let stream = component.streams.mode(local, mode as usize, purpose);
            self.streams.prefetch_stream(stream);
        }
    }

    /// What [`Engine::schedule_failure`] of `replica`, on its return, reads first.
    fn prefetch_return(&self, replica: u32) {
        let (component, local) = self.prefetch_replica(replica);
        let stream = match &component.race {
            Some(race) => {
                race.times.prefetch();
                prefetch::line(&*race.modes);
                component.streams.race(local)
            }
            None => match component.drawn_alone.first() {
                Some(&mode) => component.streams.mode(local, mode, Purpose::Every),
                None => return,
            },
        };
        self.streams.prefetch_stream(stream);
    }

    /// The state of `replica` and of its component, and the parts of its component's plan
    /// every replica event reads; returns the component and the replica's index in it.
    fn prefetch_replica(&self, replica: u32) -> (&ComponentPlan, u32) {
        let (component, local) = self.locate(replica);
        if let Some(state) = self.replicas.get(replica as usize) {
            prefetch::span(state);
        }
        let index = self.plan.replica_component[replica as usize] as usize;
        if let Some(state) = self.components.get(index) {
            prefetch::line(state);
        }
        prefetch::line(&component.first_replica);
        prefetch::line(&component.modes);
        prefetch::line(&component.race);
        prefetch::line(&component.streams);
        prefetch::line(&component.reassign);
        prefetch::line(&component.session);
        (component, local)
    }

    /// Draws the phases of a pod replica's probe tickers for the year.
    pub(super) fn draw_probe_phases(&mut self, replica: u32) {
        let (component, local) = self.locate(replica);
        let Some(pod) = &component.pod else {
            return;
        };
        let stream = component.streams.pod(local, PodPurpose::Probes);
        let phases = pod.pod.probes.draw_phases(&mut self.draws(stream));
        self.replicas[replica as usize].probe_phases = phases;
    }

    /// Draws the time to the first failure of a replica that has just come up (the race of
    /// its exponential modes, then each other mode), and schedules it if it falls within
    /// the year.
    pub(super) fn schedule_failure(&mut self, now: Duration, replica: u32) {
        let (component, local) = self.locate(replica);
        let mut earliest = Duration::NEVER;
        let mut strikes = 0;
        if let Some(race) = &component.race {
            let stream = self.streams.get(component.streams.race(local));
            let (time_to_failure, entrant) = race.times.sample(stream);
            earliest = failure::time_to_failure(time_to_failure);
            strikes = race.modes[entrant] as u32;
        }
        for &index in &component.drawn_alone {
            let mode = &component.modes[index];
            let stream = component.streams.mode(local, index, Purpose::Every);
            let time_to_failure = failure::time_to_failure(self.draws(stream).draw(&mode.every));
            if time_to_failure < earliest {
                earliest = time_to_failure;
                strikes = index as u32;
            }
        }
        let at = now.saturating_add(earliest);
        if at < self.plan.horizon {
            let generation = self.replicas[replica as usize].generation;
            self.queue.push(
                at,
                Event::Fail {
                    replica,
                    mode: strikes,
                    generation,
                },
            );
        }
    }

    pub(super) fn on_fail<T: Tracer>(
        &mut self,
        now: Duration,
        replica: u32,
        mode: u32,
        tracer: &mut T,
    ) {
        let (component, local) = self.locate(replica);
        let mode_plan = &component.modes[mode as usize];
        let state = &self.replicas[replica as usize];
        let detect_stream = component
            .streams
            .mode(local, mode as usize, Purpose::Detect);
        let detect = mode_plan
            .detect
            .draw(&mut self.streams.on(detect_stream), || {
                liveness_detection(component, state, now)
            });
        let noticed = now.saturating_add(detect);
        // A hang leaves the endpoints when the readiness probe fails, if that comes first.
        let readiness = match mode_plan.detect {
            Detect::Liveness => readiness_detection(component, state, now),
            Detect::After(_) | Detect::Exit { .. } => None,
        };
        let (restarted, dead_at, serving) = match &mode_plan.repair {
            Repair::After(dist) => {
                let stream = component
                    .streams
                    .mode(local, mode as usize, Purpose::Repair);
                let repaired = noticed.saturating_add(self.draws(stream).draw(dist));
                (None, noticed, repaired)
            }
            Repair::Restart => {
                let grace = component
                    .pod
                    .as_ref()
                    .map_or(Duration::ZERO, |p| p.pod.termination_grace_period);
                let dead_at = noticed.saturating_add(mode_plan.detect.kill_delay(grace));
                let restarted = self.restarted(replica, now, dead_at);
                (
                    restarted,
                    dead_at,
                    restarted.map_or(dead_at, |r| r.serving_at),
                )
            }
        };
        let (back, reload) = self.with_reload(now, replica, serving);
        let routed = routing::routed_for(detect, readiness, propagation(component));
        self.take_down(now, replica, mode, detect, routed, tracer);
        // Never back (every restart killed before it serves) stays never, not a span.
        let repair = match back {
            Duration::NEVER => Duration::NEVER,
            back => back.saturating_sub(noticed),
        };
        tracer.event(
            now,
            TraceEvent::ReplicaFailed {
                component: self.plan.replica_component[replica as usize],
                replica: local,
                mode,
                detect,
                repair,
            },
        );
        let failover = failover::Failover {
            noticed,
            by: failover::detection(&mode_plan.detect),
            dead_at,
            restarted,
            serving,
            back,
            reload,
        };
        failover.trace(
            now,
            self.plan.replica_component[replica as usize],
            local,
            tracer,
        );
        self.schedule_repair(replica, back);
        if self.prefetch {
            // Its return draws its next failure, often before any other event at this scale.
            self.prefetch_return(replica);
        }
        self.after_change(now, self.plan.replica_component[replica as usize], tracer);
    }

    /// When the share of data of `replica`, failing at `now` and restarted by `restarted`,
    /// serves again for a component with reassignment (Milvus query nodes): a restarted
    /// replica comes back empty, so the share needs a load either way, on the restarted
    /// replica or, once the session expired, on another up replica, whichever can start it
    /// sooner. Without reassignment, `restarted` unchanged.
    /// Also returns, with reassignment, when the session expired and whether the share
    /// was loaded elsewhere.
    pub(super) fn with_reload(
        &mut self,
        now: Duration,
        replica: u32,
        restarted: Duration,
    ) -> (Duration, Option<failover::Reload>) {
        let (component, _) = self.locate(replica);
        let (Some(_), Some(session), Some(stream)) = (
            &component.reassign,
            &component.session,
            component.streams.reassign,
        ) else {
            return (restarted, None);
        };
        let expiry = self.draws(stream).draw(&lease::remaining(session.ttl));
        let expired = now.saturating_add(expiry);
        let (back, elsewhere) = self.reload(expired, replica, restarted);
        (back, Some(failover::Reload { expired, elsewhere }))
    }

    /// When the share of `replica`, whose loss its coordinator noticed at `noticed`, serves
    /// again for a component with reassignment: after a load (drawn from the reassignment
    /// stream) on another up replica from `noticed`, or on the replica itself from
    /// `restarted`, whichever starts sooner. Without reassignment, `restarted` unchanged.
    pub(super) fn reload_from(
        &mut self,
        noticed: Duration,
        replica: u32,
        restarted: Duration,
    ) -> Duration {
        self.reload(noticed, replica, restarted).0
    }

    /// [`Engine::reload_from`], and whether another replica loads the share.
    fn reload(&mut self, noticed: Duration, replica: u32, restarted: Duration) -> (Duration, bool) {
        let (component, _) = self.locate(replica);
        let (Some(load), Some(stream)) = (&component.reassign, component.streams.reassign) else {
            return (restarted, false);
        };
        let index = self.plan.replica_component[replica as usize] as usize;
        let others_up = self.components[index].up - u32::from(self.replicas[replica as usize].up);
        let loaded = self.draws(stream).draw(load);
        let elsewhere = others_up > 0 && noticed < restarted;
        let load_from = if elsewhere { noticed } else { restarted };
        (load_from.saturating_add(loaded), elsewhere)
    }

    /// Restarts the container of a pod replica that failed at `failed` and is dead at
    /// `dead_at`; returns when it serves again.
    pub(super) fn restart(
        &mut self,
        replica: u32,
        failed: Duration,
        dead_at: Duration,
    ) -> Duration {
        self.restarted(replica, failed, dead_at)
            .map_or(dead_at, |r| r.serving_at)
    }

    /// [`Engine::restart`] with the instants of its steps; `None` for a replica without a
    /// pod, which serves again when dead, and once a stop is requested: a crash loop can
    /// lose a hundred thousand starts a year, and one event can restart every replica of a
    /// component, so the restarts of an abandoned year are not worked out.
    fn restarted(
        &mut self,
        replica: u32,
        failed: Duration,
        dead_at: Duration,
    ) -> Option<pod::Restarted> {
        let (component, local) = self.locate(replica);
        let pod = component.pod.as_ref()?;
        if self.stop_requested() {
            return None;
        }
        let state = self.replicas[replica as usize];
        let restarts = pod::restarts_before(state.restarts, state.container_started, failed);
        let stream = component.streams.pod(local, PodPurpose::Start);
        let horizon = self.plan.horizon;
        let mut draws = self.draws(stream);
        let restarted = pod::restart(
            &pod.pod.probes,
            &state.probe_phases,
            restarts,
            dead_at,
            horizon,
            pod.pod.endpoint_propagation,
            || draws.draw(&pod.pod.start),
        );
        self.handler_work += u64::from(restarted.killed_starting);
        let state = &mut self.replicas[replica as usize];
        state.restarts = restarted.restarts;
        state.container_started = Some(restarted.container_started);
        Some(restarted)
    }

    /// Takes a replica down at `now` (if it is not down already), cancelling whatever it
    /// had scheduled; it will be noticed after `detect`, and load balancers route to it for
    /// `routed`. `cause` indexes the component's causes. Leaves the leader office's
    /// election to [`Engine::after_change`].
    pub(super) fn take_down<T: Tracer>(
        &mut self,
        now: Duration,
        replica: u32,
        cause: u32,
        detect: Duration,
        routed: Duration,
        tracer: &mut T,
    ) {
        let index = self.plan.replica_component[replica as usize];
        let state = &mut self.replicas[replica as usize];
        state.generation = state.generation.wrapping_add(1);
        state.waiting = Waiting::Nothing;
        if !state.up {
            let replica = self.locate(replica).1;
            tracer.event(
                now,
                TraceEvent::FailoverReplanned {
                    component: index,
                    replica,
                },
            );
            return;
        }
        state.up = false;
        state.failed_at = now;
        state.noticed_at = now.saturating_add(detect);
        let routed_until = now.saturating_add(routed);
        self.measures
            .replica_down(&mut self.outcome.measures, now, replica, routed_until);
        let component = &mut self.components[index as usize];
        component.up -= 1;
        component.last_failed = replica;
        component.last_mode = cause;
        self.vacate_if_lost(now, index, replica, tracer);
    }

    /// Schedules a down replica's return at `back`, if within the year.
    pub(super) fn schedule_repair(&mut self, replica: u32, back: Duration) {
        if back < self.plan.horizon {
            let generation = self.replicas[replica as usize].generation;
            self.queue.push(
                back,
                Event::Repaired {
                    replica,
                    generation,
                },
            );
        }
    }

    pub(super) fn on_repaired<T: Tracer>(&mut self, now: Duration, replica: u32, tracer: &mut T) {
        if self.planned.is_some() && self.upgrade_on_return(now, replica, tracer) {
            return;
        }
        self.bring_up(now, replica, tracer);
        if self.planned.is_some() {
            self.rollout_replica_up(now, replica, tracer);
            self.drain_replica_up(now, tracer);
        }
    }

    /// A down replica serves again at `now`.
    #[inline]
    pub(super) fn bring_up<T: Tracer>(&mut self, now: Duration, replica: u32, tracer: &mut T) {
        let (index, local) = (
            self.plan.replica_component[replica as usize],
            self.locate(replica).1,
        );
        self.replicas[replica as usize].up = true;
        self.components[index as usize].up += 1;
        self.measures
            .replica_up(&mut self.outcome.measures, now, replica);
        tracer.event(
            now,
            TraceEvent::ReplicaRepaired {
                component: index,
                replica: local,
            },
        );
        self.schedule_failure(now, replica);
        self.after_change(now, index, tracer);
    }

    /// Starts a fresh pod (no back-off history) for `replica` on `node` at `now`.
    pub(super) fn start_new_pod(&mut self, now: Duration, replica: u32, node: u32) {
        let back = self.place_new_pod(now, replica, node);
        self.schedule_repair(replica, back);
    }

    /// Puts a fresh pod (no back-off history) for `replica` on `node`, starting at `now`;
    /// returns when it serves, leaving its return to the caller.
    pub(super) fn place_new_pod(&mut self, now: Duration, replica: u32, node: u32) -> Duration {
        let state = &mut self.replicas[replica as usize];
        state.node = node;
        state.waiting = Waiting::Nothing;
        state.container_started = None;
        state.restarts = 0;
        self.restart(replica, now, now)
    }
}

/// Bytes of replica, stream and component state above which an engine prefetches: about
/// the second-level cache of one core (512 KiB to 2 MiB on current x86-64 servers). Below
/// it the state stays cached between events and prefetching would only cost instructions
/// (about a fifth more per event).
const PREFETCH_ABOVE: usize = 512 * 1024;

/// Whether an engine of `plan` prefetches each event's state: when its replicas', streams'
/// and components' state would not stay in a core's cache between the instants they are
/// touched. A hint only: the values are the same either way.
pub(super) fn worth_prefetching(plan: &Plan) -> bool {
    let bytes = plan.keys.len() * STREAM_STATE_BYTES
        + plan.replica_count() * size_of::<ReplicaState>()
        + plan.components.len() * size_of::<ComponentPlan>();
    bytes > PREFETCH_ABOVE
}

/// How long after a hang at `now` the liveness probe of `state`'s pod notices it.
fn liveness_detection(component: &ComponentPlan, state: &ReplicaState, now: Duration) -> Duration {
    match component
        .pod
        .as_ref()
        .and_then(|p| p.pod.probes.liveness.as_ref())
    {
        Some(probe) => {
            let started = state.container_started.unwrap_or(Duration::ZERO);
            pod::liveness_detection(probe, state.probe_phases.liveness, now, started)
        }
        None => Duration::ZERO,
    }
}

/// How long after a hang at `now` the readiness probe of `state`'s pod fails, which takes
/// the pod out of its endpoints; `None` without a readiness probe.
fn readiness_detection(
    component: &ComponentPlan,
    state: &ReplicaState,
    now: Duration,
) -> Option<Duration> {
    let probe = component.pod.as_ref()?.pod.probes.readiness.as_ref()?;
    let started = state.container_started.unwrap_or(Duration::ZERO);
    Some(pod::liveness_detection(
        probe,
        state.probe_phases.readiness,
        now,
        started,
    ))
}

/// From a pod's readiness change to load balancers seeing it; zero at level 1.
pub(super) fn propagation(component: &ComponentPlan) -> Duration {
    component
        .pod
        .as_ref()
        .map_or(Duration::ZERO, |p| p.pod.endpoint_propagation)
}
