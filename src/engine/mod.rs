//! One simulated year: a discrete-event simulation of SPEC level-1 semantics.
//!
//! Each replica alternates up and down. When it comes up, every failure mode draws a time
//! to failure and the earliest is scheduled (competing risks); when it strikes, the replica
//! is down for that mode's `detect` + `repair`. Two or more exponential modes are drawn as
//! one race (`dist::ExponentialRace`): the first of them, and which it is, from one draw,
//! which is exact in distribution. A component serves while at least `needs` replicas are
//! up and, if it has a leader office, the office is held. Only instants where something
//! changes are simulated, so a year without failures costs one draw per replica and failure
//! mode (one for all of its raced modes).
//!
//! At level 2 the same replicas run as Kubernetes pods on nodes (see `pod` for the timing
//! rules): a failure's detection and repair follow from probes, restart back-off, start and
//! readiness, computed when the failure strikes; nodes fail and take their replicas with
//! them (Deployments are evicted and recreated elsewhere, StatefulSets wait for their
//! node); and a component keeping a session in a store shuts down when the store has been
//! gone longer than the session's remaining lifetime. Events carry the replica's generation,
//! so a node failure cancels whatever its replicas had scheduled (lazy deletion).
//!
//! Design choices SPEC leaves to the project:
//! - A vacant office is taken by the up replica with the lowest index, with no draw.
//! - Times to failure are at least 1 µs, so an up interval always has positive length.
//! - When several failure modes draw the same time to failure, the raced modes strike
//!   first, then the first listed.
//! - An outage's time is split into phases by what the blamed component is waiting for:
//!   election while it has enough replicas but no leader; otherwise detection while its most
//!   recent failure is not yet noticed, and repair after. The blamed component is the
//!   outage's cause while that is not serving, else the first component that is not.

pub mod pod;
mod queue;
mod trace;

pub use queue::EventQueue;
pub use trace::{NoTrace, TraceEvent, Tracer};

use crate::dist::Dist;
use crate::model::{Detect, Leader, Repair};
use crate::plan::{ComponentPlan, NodePurpose, Plan, PodPurpose, Purpose};
use crate::rng::Streams;
use crate::time::Duration;
use std::sync::atomic::{AtomicBool, Ordering};

/// Events between two looks at the stop flag: rare enough to cost nothing, frequent enough
/// that even a pathological year stops within milliseconds.
const STOP_CHECK_EVENTS: u64 = 1 << 16;

/// Something scheduled to happen. Replica events carry the replica's generation at the
/// time they were scheduled; a later generation makes them stale.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Event {
    /// Failure mode `mode` strikes global replica `replica`.
    Fail {
        replica: u32,
        mode: u32,
        generation: u32,
    },
    /// Global replica `replica` serves again.
    Repaired { replica: u32, generation: u32 },
    /// The election of component `component` ends.
    ElectionEnd { component: u32 },
    /// Node `node` fails.
    NodeFail { node: u32 },
    /// Node `node` runs pods again.
    NodeRepaired { node: u32 },
    /// A Deployment replica on a failed node is evicted and recreated elsewhere.
    Evict { replica: u32, generation: u32 },
    /// Component `component`'s sessions expire (stale if its store came back).
    SessionExpired { component: u32, generation: u32 },
}

/// What a down replica waits for, beyond an event of its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Waiting {
    /// Nothing: a repair or eviction event is scheduled, or the replica is up.
    Nothing,
    /// Its node to come back.
    Node,
    /// Any node to come up, for a Deployment replica that could not be placed.
    AnyNode,
    /// Its session store to serve again.
    Store,
}

/// One replica's state.
#[derive(Clone, Copy, Debug)]
struct ReplicaState {
    up: bool,
    generation: u32,
    failed_at: Duration,
    noticed_at: Duration,
    node: u32,
    restarts: u32,
    /// When its container last started; `None` for the container running since before the
    /// year began.
    container_started: Option<Duration>,
    /// Ticker phases of its liveness, readiness and startup probes.
    probe_phases: [Duration; 3],
    waiting: Waiting,
}

/// The state of a component's leader office.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Office {
    /// Held by this global replica.
    Held(u32),
    /// Vacant, with an election running.
    Electing,
    /// Vacant, waiting for enough replicas to start an election.
    Vacant,
}

/// How an outage's duration splits into phases; the three add up to the duration.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Phases {
    /// Waiting for the failure to be noticed.
    pub detect: Duration,
    /// Waiting for a leader to be elected.
    pub elect: Duration,
    /// Waiting for replicas to serve again.
    pub repair: Duration,
}

/// One maximal interval in which the system's `up` expression was false.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Outage {
    /// When it began, from the start of the year.
    pub start: Duration,
    /// How long it lasted; cut at the end of the year.
    pub duration: Duration,
    /// Component whose failure brought the system down.
    pub component: u32,
    /// That failure's mode, an index into the component's modes.
    pub mode: u32,
    /// Where the time went.
    pub phases: Phases,
}

/// What one simulated year produced.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct YearOutcome {
    /// The year's index.
    pub year: u64,
    /// Downtime of each expression: the system's `up` first, then each service's.
    pub downtime: Vec<Duration>,
    /// The system's outages, in order.
    pub outages: Vec<Outage>,
    /// Each service's outage durations, in order (indexed like the services; an outage
    /// still open at the end of the year is cut there).
    pub service_outages: Vec<Vec<Duration>>,
    /// Number of events the engine handled.
    pub events: u64,
}

#[derive(Clone, Copy, Debug)]
struct ComponentState {
    up: u32,
    office: Option<Office>,
    last_failed: u32,
    last_mode: u32,
    /// Bumped when the session store serves again, which cancels a pending expiry.
    session_generation: u32,
}

#[derive(Clone, Copy, Debug)]
struct OpenOutage {
    start: Duration,
    component: u32,
    mode: u32,
    phases: Phases,
    accounted_to: Duration,
}

/// Simulates years of one plan, reusing its buffers from year to year.
pub struct Engine<'p> {
    plan: &'p Plan,
    stop: Option<&'p AtomicBool>,
    queue: EventQueue<Event>,
    streams: Streams,
    replicas: Vec<ReplicaState>,
    node_up: Vec<bool>,
    node_back: Vec<Duration>,
    components: Vec<ComponentState>,
    serving: Vec<bool>,
    expression_up: Vec<bool>,
    /// For each conjunction, how many of the components it names are not serving.
    not_serving: Vec<u32>,
    down_since: Vec<Duration>,
    open_outage: Option<OpenOutage>,
    outcome: YearOutcome,
}

impl<'p> Engine<'p> {
    /// An engine for `plan`, with every buffer allocated once.
    pub fn new(plan: &'p Plan) -> Engine<'p> {
        let replicas = plan.replica_count();
        let expressions = plan.expressions.len();
        Engine {
            plan,
            stop: None,
            queue: EventQueue::default(),
            streams: Streams::new(&plan.keys),
            replicas: Vec::with_capacity(replicas),
            node_up: Vec::new(),
            node_back: Vec::new(),
            components: Vec::with_capacity(plan.components.len()),
            serving: vec![true; plan.components.len()],
            expression_up: vec![true; expressions],
            not_serving: vec![0; expressions],
            down_since: vec![Duration::ZERO; expressions],
            open_outage: None,
            outcome: YearOutcome {
                downtime: vec![Duration::ZERO; expressions],
                service_outages: vec![Vec::new(); expressions.saturating_sub(1)],
                ..YearOutcome::default()
            },
        }
    }

    /// Makes the engine abandon a year soon after `stop` is set. The outcome of an
    /// abandoned year is incomplete; whoever set the flag must discard it.
    pub fn with_stop(mut self, stop: &'p AtomicBool) -> Engine<'p> {
        self.stop = Some(stop);
        self
    }

    /// Simulates `year`.
    pub fn simulate(&mut self, year: u64) -> &YearOutcome {
        self.simulate_traced(year, &mut NoTrace)
    }

    /// Simulates `year`, telling `tracer` everything that happens. The draws and the
    /// outcome are the same as [`Engine::simulate`]'s.
    pub fn simulate_traced<T: Tracer>(&mut self, year: u64, tracer: &mut T) -> &YearOutcome {
        self.start_year(year, tracer);
        while let Some((now, event)) = self.queue.pop() {
            self.outcome.events += 1;
            if self.outcome.events.is_multiple_of(STOP_CHECK_EVENTS) && self.stop_requested() {
                break;
            }
            self.account_outage(now);
            match event {
                Event::Fail {
                    replica,
                    mode,
                    generation,
                } if self.is_current(replica, generation) => {
                    self.on_fail(now, replica, mode, tracer)
                }
                Event::Repaired {
                    replica,
                    generation,
                } if self.is_current(replica, generation) => self.on_repaired(now, replica, tracer),
                Event::Evict {
                    replica,
                    generation,
                } if self.is_current(replica, generation) => self.on_evict(now, replica, tracer),
                Event::ElectionEnd { component } => self.on_election_end(now, component, tracer),
                Event::NodeFail { node } => self.on_node_fail(now, node, tracer),
                Event::NodeRepaired { node } => self.on_node_repaired(now, node, tracer),
                Event::SessionExpired {
                    component,
                    generation,
                } if self.components[component as usize].session_generation == generation => {
                    self.on_session_expired(now, component, tracer)
                }
                _ => {} // stale: the replica or session changed since it was scheduled
            }
        }
        self.end_year(tracer);
        &self.outcome
    }

    fn stop_requested(&self) -> bool {
        self.stop.is_some_and(|stop| stop.load(Ordering::Relaxed))
    }

    fn is_current(&self, replica: u32, generation: u32) -> bool {
        self.replicas[replica as usize].generation == generation
    }

    fn start_year<T: Tracer>(&mut self, year: u64, tracer: &mut T) {
        let plan = self.plan;
        self.queue.clear();
        self.streams.start_year(year);
        self.replicas.clear();
        for component in &plan.components {
            for local in 0..component.replicas {
                let node = component
                    .pod
                    .as_ref()
                    .map_or(u32::MAX, |p| p.initial_nodes[local as usize]);
                self.replicas.push(ReplicaState {
                    up: true,
                    generation: 0,
                    failed_at: Duration::ZERO,
                    noticed_at: Duration::ZERO,
                    node,
                    restarts: 0,
                    container_started: None,
                    probe_phases: [Duration::ZERO; 3],
                    waiting: Waiting::Nothing,
                });
            }
        }
        self.components.clear();
        self.components
            .extend(plan.components.iter().map(|c| ComponentState {
                up: c.replicas,
                office: c.leader.as_ref().map(|_| Office::Held(c.first_replica)),
                last_failed: c.first_replica,
                last_mode: 0,
                session_generation: 0,
            }));
        self.serving.fill(true);
        self.expression_up.fill(true);
        self.not_serving.fill(0);
        self.open_outage = None;
        self.outcome.year = year;
        self.outcome.downtime.fill(Duration::ZERO);
        self.outcome.outages.clear();
        self.outcome.service_outages.iter_mut().for_each(Vec::clear);
        self.outcome.events = 0;
        tracer.event(Duration::ZERO, TraceEvent::YearStart { year });
        for replica in 0..plan.replica_count() as u32 {
            self.draw_probe_phases(replica);
            self.schedule_failure(Duration::ZERO, replica);
        }
        let nodes = plan.nodes.as_ref().map_or(0, |n| n.count as usize);
        self.node_up.clear();
        self.node_up.resize(nodes, true);
        self.node_back.clear();
        self.node_back.resize(nodes, Duration::ZERO);
        for node in 0..nodes as u32 {
            self.schedule_node_failure(Duration::ZERO, node);
        }
    }

    /// Draws the phases of a pod replica's probe tickers for the year (uniform in a period).
    fn draw_probe_phases(&mut self, replica: u32) {
        let (component, local) = self.locate(replica);
        let Some(pod) = &component.pod else {
            return;
        };
        let stream = component.pod_stream(local, PodPurpose::Probes);
        for (slot, probe) in pod.probes().into_iter().enumerate() {
            if let Some(probe) = probe {
                let phase = self.draw_below(stream, probe.period);
                self.replicas[replica as usize].probe_phases[slot] = phase;
            }
        }
    }

    /// The component of a global replica, and the replica's index within it.
    fn locate(&self, replica: u32) -> (&'p ComponentPlan, u32) {
        let plan = self.plan;
        let component = &plan.components[plan.replica_component[replica as usize] as usize];
        (component, replica - component.first_replica)
    }

    /// A uniform draw in `[0, bound)` from `stream`.
    fn draw_below(&mut self, stream: usize, bound: Duration) -> Duration {
        self.streams.draw_below(stream, bound, &self.plan.keys)
    }

    /// Draws the time to the first failure of a replica that has just come up (the race of
    /// its exponential modes, then each other mode), and schedules it if it falls within
    /// the year.
    fn schedule_failure(&mut self, now: Duration, replica: u32) {
        let (component, local) = self.locate(replica);
        let mut earliest = Duration::NEVER;
        let mut strikes = 0;
        if let Some(race) = &component.race {
            let stream = self
                .streams
                .get(component.race_stream(local), &self.plan.keys);
            let (time_to_failure, entrant) = race.times.sample(stream);
            earliest = time_to_failure.max(Duration::MICROSECOND);
            strikes = race.modes[entrant] as u32;
        }
        for &index in &component.drawn_alone {
            let mode = &component.modes[index];
            let stream = component.stream(local, index, Purpose::Every);
            let time_to_failure = self.draw(stream, &mode.every).max(Duration::MICROSECOND);
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

    fn draw(&mut self, stream: usize, dist: &Dist) -> Duration {
        self.streams.draw(stream, dist, &self.plan.keys)
    }

    fn on_fail<T: Tracer>(&mut self, now: Duration, replica: u32, mode: u32, tracer: &mut T) {
        let (component, local) = self.locate(replica);
        let mode_plan = &component.modes[mode as usize];
        let detect = match &mode_plan.detect {
            Detect::After(dist) => self.draw(
                component.stream(local, mode as usize, Purpose::Detect),
                dist,
            ),
            Detect::Exit => {
                let within = component
                    .pod
                    .as_ref()
                    .map_or(Duration::ZERO, |p| p.exit_detection);
                self.draw_below(
                    component.stream(local, mode as usize, Purpose::Detect),
                    within,
                )
            }
            Detect::Liveness => self.liveness_detection(now, replica),
        };
        let noticed = now.saturating_add(detect);
        let back = match &mode_plan.repair {
            Repair::After(dist) => {
                let repair = self.draw(
                    component.stream(local, mode as usize, Purpose::Repair),
                    dist,
                );
                noticed.saturating_add(repair)
            }
            Repair::Restart => {
                // A hung process ignores SIGTERM: the kill waits out the grace period.
                let kill = match mode_plan.detect {
                    Detect::Liveness => component
                        .pod
                        .as_ref()
                        .map_or(Duration::ZERO, |p| p.pod.termination_grace_period),
                    _ => Duration::ZERO,
                };
                self.restart(replica, now, noticed.saturating_add(kill))
            }
        };
        let back = self.with_reload(now, replica, back);
        self.take_down(now, replica, mode, detect, tracer);
        let repair = back.saturating_sub(noticed);
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
        self.schedule_repair(replica, back);
        self.after_change(now, self.plan.replica_component[replica as usize], tracer);
    }

    /// When the share of data of `replica`, failing at `now` and restarted by `restarted`,
    /// serves again for a component with reassignment (Milvus query nodes): a restarted
    /// replica comes back empty, so the share needs a load either way, on the restarted
    /// replica or, once the session expired (2/3 to all of its TTL), on another up replica,
    /// whichever can start it sooner. Without reassignment, `restarted` unchanged.
    fn with_reload(&mut self, now: Duration, replica: u32, restarted: Duration) -> Duration {
        let (component, _) = self.locate(replica);
        let (Some((load, stream)), Some((session, _))) = (&component.reassign, &component.session)
        else {
            return restarted;
        };
        let index = self.plan.replica_component[replica as usize] as usize;
        let others_up = self.components[index].up - u32::from(self.replicas[replica as usize].up);
        let expiry = self.draw(*stream, &lease_remaining(session.ttl));
        let loaded = self.draw(*stream, load);
        let load_from = if others_up > 0 {
            restarted.min(now.saturating_add(expiry))
        } else {
            restarted
        };
        load_from.saturating_add(loaded)
    }

    /// How long after a hang at `now` the liveness probe notices it.
    fn liveness_detection(&self, now: Duration, replica: u32) -> Duration {
        let (component, _) = self.locate(replica);
        let state = &self.replicas[replica as usize];
        match component.pod.as_ref().and_then(|p| p.pod.liveness.as_ref()) {
            Some(probe) => {
                let started = state.container_started.unwrap_or(Duration::ZERO);
                pod::liveness_detection(probe, state.probe_phases[0], now, started)
            }
            None => Duration::ZERO,
        }
    }

    /// Restarts the container of a pod replica that failed at `failed` and is dead at
    /// `dead_at`; returns when it serves again. A container that ran ten minutes since its
    /// last start has its back-off reset.
    fn restart(&mut self, replica: u32, failed: Duration, dead_at: Duration) -> Duration {
        let (component, local) = self.locate(replica);
        let Some(pod) = &component.pod else {
            return dead_at;
        };
        let state = self.replicas[replica as usize];
        let ran = failed.saturating_sub(state.container_started.unwrap_or(Duration::ZERO));
        let restarts = if state.container_started.is_none() || ran >= pod::BACKOFF_RESET {
            0
        } else {
            state.restarts
        };
        let phases = state.probe_phases;
        let probes = pod::Probes {
            liveness: pod.pod.liveness.as_ref().map(|p| (p, phases[0])),
            readiness: pod.pod.readiness.as_ref().map(|p| (p, phases[1])),
            startup: pod.pod.startup.as_ref().map(|p| (p, phases[2])),
        };
        let stream = component.pod_stream(local, PodPurpose::Start);
        let (streams, keys) = (&mut self.streams, &self.plan.keys);
        let start = &pod.pod.start;
        let mut draw_start = || match start.fixed_value() {
            Some(value) => value,
            None => start.sample(streams.get(stream, keys)),
        };
        let restarted = pod::restart(
            &probes,
            restarts,
            dead_at,
            self.plan.horizon,
            pod.endpoint_propagation,
            &mut draw_start,
        );
        let state = &mut self.replicas[replica as usize];
        state.restarts = restarted.restarts;
        state.container_started = Some(restarted.container_started);
        restarted.serving_at
    }

    /// Takes a replica down at `now` (if it is not down already), cancelling whatever it
    /// had scheduled; it will be noticed after `detect`. `cause` indexes the component's
    /// causes. Leaves the leader office and elections to [`Engine::after_change`].
    fn take_down<T: Tracer>(
        &mut self,
        now: Duration,
        replica: u32,
        cause: u32,
        detect: Duration,
        tracer: &mut T,
    ) {
        let index = self.plan.replica_component[replica as usize];
        let state = &mut self.replicas[replica as usize];
        state.generation = state.generation.wrapping_add(1);
        state.waiting = Waiting::Nothing;
        if !state.up {
            return;
        }
        state.up = false;
        state.failed_at = now;
        state.noticed_at = now.saturating_add(detect);
        let component = &mut self.components[index as usize];
        component.up -= 1;
        component.last_failed = replica;
        component.last_mode = cause;
        let office_lost = matches!(component.office, Some(Office::Held(holder)) if holder == replica)
            || (matches!(component.office, Some(Office::Held(_)))
                && component.up < self.plan.components[index as usize].needs);
        if office_lost {
            // The office is vacated when its holder fails, or when the leader loses its quorum.
            component.office = Some(Office::Vacant);
            tracer.event(now, TraceEvent::LeaderLost { component: index });
        }
    }

    /// Schedules a down replica's return at `back`, if within the year.
    fn schedule_repair(&mut self, replica: u32, back: Duration) {
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

    /// After replicas of component `index` went down or came up: elections, and serving.
    fn after_change<T: Tracer>(&mut self, now: Duration, index: u32, tracer: &mut T) {
        self.maybe_start_election(now, index, tracer);
        self.refresh(now, index, tracer);
    }

    fn on_repaired<T: Tracer>(&mut self, now: Duration, replica: u32, tracer: &mut T) {
        let (index, local) = (
            self.plan.replica_component[replica as usize],
            self.locate(replica).1,
        );
        self.replicas[replica as usize].up = true;
        self.components[index as usize].up += 1;
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

    /// Schedules node `node`'s next failure, `now` being when it came up.
    fn schedule_node_failure(&mut self, now: Duration, node: u32) {
        let Some(nodes) = &self.plan.nodes else {
            return;
        };
        let Some((every, _)) = &nodes.failure else {
            return;
        };
        let up_for = self
            .draw(nodes.stream(node, NodePurpose::Every), every)
            .max(Duration::MICROSECOND);
        let at = now.saturating_add(up_for);
        if at < self.plan.horizon {
            self.queue.push(at, Event::NodeFail { node });
        }
    }

    /// A node fails: every pod replica on it goes down. The node lifecycle controller marks
    /// it NotReady after the grace period (plus up to one monitor period); Deployment
    /// replicas are evicted after the toleration and recreated elsewhere, unless the node
    /// is back first; StatefulSet replicas wait for their node.
    fn on_node_fail<T: Tracer>(&mut self, now: Duration, node: u32, tracer: &mut T) {
        let plan = self.plan;
        let Some(nodes) = &plan.nodes else {
            return;
        };
        let down_for = match &nodes.failure {
            Some((_, repair)) => self.draw(nodes.stream(node, NodePurpose::Repair), repair),
            None => Duration::ZERO,
        };
        let back = now.saturating_add(down_for);
        self.node_up[node as usize] = false;
        self.node_back[node as usize] = back;
        if back < plan.horizon {
            self.queue.push(back, Event::NodeRepaired { node });
        }
        let noticed = nodes.grace.saturating_add(self.draw_below(
            nodes.stream(node, NodePurpose::Monitor),
            nodes.monitor_period,
        ));
        let evicted_at = now.saturating_add(noticed).saturating_add(nodes.toleration);
        tracer.event(now, TraceEvent::NodeFailed { node, down_for });
        let mut touched = Vec::new();
        for replica in 0..self.replicas.len() as u32 {
            if self.replicas[replica as usize].node != node {
                continue;
            }
            let (component, _) = self.locate(replica);
            let Some(pod) = &component.pod else {
                continue;
            };
            let index = plan.replica_component[replica as usize];
            // With reassignment the share moves to another replica unless its own return
            // (which reloads it too) comes first.
            let reassigned = if component.reassign.is_some() {
                self.with_reload(now, replica, Duration::NEVER)
            } else {
                Duration::NEVER
            };
            self.take_down(now, replica, component.node_cause(), noticed, tracer);
            let state = &mut self.replicas[replica as usize];
            if reassigned < evicted_at.min(back) {
                // Its share moves to another replica; the shard counts as this replica.
                self.schedule_repair(replica, reassigned);
            } else if pod.moves_off_failed_nodes() && evicted_at < back {
                let generation = state.generation;
                if evicted_at < plan.horizon {
                    self.queue.push(
                        evicted_at,
                        Event::Evict {
                            replica,
                            generation,
                        },
                    );
                }
            } else {
                state.waiting = Waiting::Node;
            }
            if !touched.contains(&index) {
                touched.push(index);
            }
        }
        for index in touched {
            self.after_change(now, index, tracer);
        }
    }

    /// A node runs pods again: the replicas that waited for it restart there, and so do
    /// Deployment replicas that found no node.
    fn on_node_repaired<T: Tracer>(&mut self, now: Duration, node: u32, tracer: &mut T) {
        self.node_up[node as usize] = true;
        tracer.event(now, TraceEvent::NodeRepaired { node });
        self.schedule_node_failure(now, node);
        for replica in 0..self.replicas.len() as u32 {
            let state = self.replicas[replica as usize];
            let here = state.waiting == Waiting::Node && state.node == node;
            if here || state.waiting == Waiting::AnyNode {
                self.start_new_pod(now, replica, node);
            }
        }
    }

    /// Starts a fresh pod (no back-off history) for `replica` on `node` at `now`.
    fn start_new_pod(&mut self, now: Duration, replica: u32, node: u32) {
        let state = &mut self.replicas[replica as usize];
        state.node = node;
        state.waiting = Waiting::Nothing;
        state.container_started = None;
        state.restarts = 0;
        let back = self.restart(replica, now, now);
        self.schedule_repair(replica, back);
    }

    /// A Deployment replica is evicted from its failed node; the ReplicaSet creates its
    /// replacement at once on an up node, preferring one without a replica of the same
    /// component (anti-affinity), searching from the next node on.
    fn on_evict<T: Tracer>(&mut self, now: Duration, replica: u32, tracer: &mut T) {
        let (component, local) = self.locate(replica);
        let count = self.node_up.len() as u32;
        let from = self.replicas[replica as usize].node;
        let candidates = (1..=count)
            .map(|step| (from + step) % count)
            .filter(|n| self.node_up[*n as usize]);
        let first = component.first_replica as usize;
        let siblings = first..first + component.replicas as usize;
        let crowded = |node: u32| {
            siblings
                .clone()
                .any(|r| r != replica as usize && self.replicas[r].node == node)
        };
        let chosen = candidates
            .clone()
            .find(|n| !crowded(*n))
            .or_else(|| candidates.clone().next());
        let index = self.plan.replica_component[replica as usize];
        tracer.event(
            now,
            TraceEvent::Evicted {
                component: index,
                replica: local,
                to: chosen,
            },
        );
        match chosen {
            Some(node) => self.start_new_pod(now, replica, node),
            None => self.replicas[replica as usize].waiting = Waiting::AnyNode,
        }
    }

    /// The sessions of component `index` expire: every replica shuts down and waits for
    /// the store to serve again.
    fn on_session_expired<T: Tracer>(&mut self, now: Duration, index: u32, tracer: &mut T) {
        let component = &self.plan.components[index as usize];
        tracer.event(now, TraceEvent::SessionLost { component: index });
        for replica in component.first_replica..component.first_replica + component.replicas {
            self.take_down(
                now,
                replica,
                component.session_cause(),
                Duration::ZERO,
                tracer,
            );
            self.replicas[replica as usize].waiting = Waiting::Store;
        }
        self.after_change(now, index, tracer);
    }

    /// Component `store` changed serving: components keeping sessions in it start their
    /// expiry clocks, or (when it is back) cancel them and restart what shut down.
    fn notify_session_holders(&mut self, now: Duration, store: u32, serving: bool) {
        let plan = self.plan;
        for &index in &plan.components[store as usize].session_holders {
            let component = &plan.components[index as usize];
            let Some((session, stream)) = &component.session else {
                continue;
            };
            let state = &mut self.components[index as usize];
            state.session_generation = state.session_generation.wrapping_add(1);
            let generation = state.session_generation;
            if serving {
                let first = component.first_replica;
                for replica in first..first + component.replicas {
                    if self.replicas[replica as usize].waiting == Waiting::Store {
                        self.replicas[replica as usize].waiting = Waiting::Nothing;
                        let back = self.restart(replica, now, now);
                        self.schedule_repair(replica, back);
                    }
                }
            } else {
                let remaining = self.draw(*stream, &lease_remaining(session.ttl));
                let at = now.saturating_add(remaining);
                if at < plan.horizon {
                    self.queue.push(
                        at,
                        Event::SessionExpired {
                            component: index,
                            generation,
                        },
                    );
                }
            }
        }
    }

    fn on_election_end<T: Tracer>(&mut self, now: Duration, index: u32, tracer: &mut T) {
        let component = &self.plan.components[index as usize];
        let state = &mut self.components[index as usize];
        if state.up >= component.needs {
            let first = component.first_replica as usize;
            let holder = (first..first + component.replicas as usize)
                .find(|r| self.replicas[*r].up)
                .map_or(component.first_replica, |r| r as u32);
            state.office = Some(Office::Held(holder));
            let replica = holder - component.first_replica;
            tracer.event(
                now,
                TraceEvent::LeaderElected {
                    component: index,
                    replica,
                },
            );
        } else {
            // Too few replicas at the end: the office waits, and a new election starts when
            // enough are up again (SPEC section 2).
            state.office = Some(Office::Vacant);
            tracer.event(now, TraceEvent::ElectionFailed { component: index });
        }
        self.refresh(now, index, tracer);
    }

    fn maybe_start_election<T: Tracer>(&mut self, now: Duration, index: u32, tracer: &mut T) {
        let component = &self.plan.components[index as usize];
        let state = self.components[index as usize];
        let (Some(Office::Vacant), Some(leader)) = (state.office, &component.leader) else {
            return;
        };
        if state.up < component.needs {
            return;
        }
        let duration = self.election_duration(component, leader, state.up);
        self.components[index as usize].office = Some(Office::Electing);
        let end = now.saturating_add(duration);
        if end < self.plan.horizon {
            self.queue
                .push(end, Event::ElectionEnd { component: index });
        }
        tracer.event(
            now,
            TraceEvent::ElectionStarted {
                component: index,
                duration,
            },
        );
    }

    /// How long an election takes, from the moment the office fell vacant.
    ///
    /// Raft: each of the `candidates` up followers times out after a uniform draw in
    /// [T, 2T) counted from the last heartbeat, which came up to one heartbeat interval
    /// before; the first to time out wins after a pre-vote and a vote round (etcd-io/raft
    /// raft.go). Lease: the holder's lease has 2/3 to all of its TTL left, then the
    /// standby takes over.
    fn election_duration(
        &mut self,
        component: &ComponentPlan,
        leader: &Leader,
        candidates: u32,
    ) -> Duration {
        let stream = component.election_stream;
        match leader {
            Leader::Election(dist) => self.draw(stream, dist),
            Leader::Raft {
                election_timeout,
                heartbeat,
                round_trip,
            } => {
                let timeout = Dist::uniform(
                    *election_timeout,
                    election_timeout.saturating_add(*election_timeout),
                )
                .unwrap_or_else(|_| Dist::fixed(*election_timeout));
                let first = (0..candidates.max(1))
                    .map(|_| self.draw(stream, &timeout))
                    .min()
                    .unwrap_or(*election_timeout);
                let since_heartbeat = self.draw_below(stream, *heartbeat);
                let rounds = Duration::from_micros(round_trip.as_micros().saturating_mul(2));
                first.saturating_sub(since_heartbeat).saturating_add(rounds)
            }
            Leader::Lease { ttl, takeover } => {
                let expiry = self.draw(stream, &lease_remaining(*ttl));
                expiry.saturating_add(self.draw(stream, takeover))
            }
        }
    }

    fn is_serving(&self, index: u32) -> bool {
        let state = &self.components[index as usize];
        state.up >= self.plan.components[index as usize].needs
            && !matches!(state.office, Some(Office::Electing | Office::Vacant))
    }

    /// Re-evaluates component `index` and, if it changed, the expressions naming it.
    fn refresh<T: Tracer>(&mut self, now: Duration, index: u32, tracer: &mut T) {
        let plan = self.plan;
        let serving = self.is_serving(index);
        if serving == self.serving[index as usize] {
            return;
        }
        self.serving[index as usize] = serving;
        self.notify_session_holders(now, index, serving);
        let up = self.components[index as usize].up;
        tracer.event(
            now,
            TraceEvent::ComponentChanged {
                component: index,
                serving,
                up,
            },
        );
        for &expression in &plan.readers[index as usize] {
            let up = if plan.conjunctions[expression] {
                let not_serving = &mut self.not_serving[expression];
                *not_serving = if serving {
                    *not_serving - 1
                } else {
                    *not_serving + 1
                };
                *not_serving == 0
            } else {
                plan.expressions[expression].eval(&self.serving)
            };
            if up == self.expression_up[expression] {
                continue;
            }
            self.expression_up[expression] = up;
            tracer.event(now, TraceEvent::ExpressionChanged { expression, up });
            if up {
                let down = now.saturating_sub(self.down_since[expression]);
                self.record_down(expression, down);
            } else {
                self.down_since[expression] = now;
            }
            if expression == 0 {
                if up {
                    self.close_outage(now, tracer);
                } else {
                    // Only a failure can take a monotone expression down, so the component
                    // that changed has just failed, with its last mode.
                    self.open_outage = Some(OpenOutage {
                        start: now,
                        component: index,
                        mode: self.components[index as usize].last_mode,
                        phases: Phases::default(),
                        accounted_to: now,
                    });
                }
            }
        }
    }

    /// Counts one ended (or cut) interval in which `expression` was down.
    fn record_down(&mut self, expression: usize, down: Duration) {
        self.outcome.downtime[expression] = self.outcome.downtime[expression].saturating_add(down);
        if let Some(service) = expression.checked_sub(1)
            && down > Duration::ZERO
        {
            self.outcome.service_outages[service].push(down);
        }
    }

    /// Attributes the time since the last event to the open outage's phases.
    fn account_outage(&mut self, now: Duration) {
        let Some(outage) = self.open_outage else {
            return;
        };
        let span = now.saturating_sub(outage.accounted_to);
        if span == Duration::ZERO {
            return;
        }
        let blamed = if self.serving[outage.component as usize] {
            self.serving
                .iter()
                .position(|s| !s)
                .map_or(outage.component, |i| i as u32)
        } else {
            outage.component
        };
        let state = &self.components[blamed as usize];
        let mut phases = outage.phases;
        if matches!(state.office, Some(Office::Electing | Office::Vacant))
            && state.up >= self.plan.components[blamed as usize].needs
        {
            phases.elect = phases.elect.saturating_add(span);
        } else {
            let replica = &self.replicas[state.last_failed as usize];
            let from = outage.accounted_to.max(replica.failed_at);
            let detecting = now.min(replica.noticed_at).saturating_sub(from);
            phases.detect = phases.detect.saturating_add(detecting);
            phases.repair = phases.repair.saturating_add(span.saturating_sub(detecting));
        }
        self.open_outage = Some(OpenOutage {
            phases,
            accounted_to: now,
            ..outage
        });
    }

    fn close_outage<T: Tracer>(&mut self, now: Duration, tracer: &mut T) {
        if let Some(open) = self.open_outage.take() {
            let outage = Outage {
                start: open.start,
                duration: now.saturating_sub(open.start),
                component: open.component,
                mode: open.mode,
                phases: open.phases,
            };
            tracer.event(now, TraceEvent::OutageEnded { outage });
            self.outcome.outages.push(outage);
        }
    }

    /// Cuts whatever is still down at the end of the year, where it counts at its cut length.
    fn end_year<T: Tracer>(&mut self, tracer: &mut T) {
        let horizon = self.plan.horizon;
        self.account_outage(horizon);
        for expression in 0..self.expression_up.len() {
            if !self.expression_up[expression] {
                let down = horizon.saturating_sub(self.down_since[expression]);
                self.record_down(expression, down);
            }
        }
        self.close_outage(horizon, tracer);
        tracer.event(horizon, TraceEvent::YearEnd);
    }
}

/// How much of its lease a holder that just went silent still has: its last keep-alive
/// reached the store at most a third of the TTL ago (keep-alives are sent every TTL/3), so
/// 2/3 to all of the TTL (etcd-io/etcd client/v3/lease.go).
fn lease_remaining(ttl: Duration) -> Dist {
    Dist::uniform(Duration::from_micros(ttl.as_micros() * 2 / 3), ttl)
        .unwrap_or_else(|_| Dist::fixed(ttl))
}
