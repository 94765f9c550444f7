//! One simulated year: a discrete-event simulation of the semantics in
//! `docs/semantics.md` (level 1) and `docs/kubernetes.md` (level 2).
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
//! At level 2 the same replicas run as Kubernetes pods on nodes (see `mechanics::pod` for
//! the timing rules): a failure's detection and repair follow from probes, restart
//! back-off, start and readiness, computed when the failure strikes; nodes fail and take
//! their replicas with them (Deployments are evicted and recreated elsewhere, StatefulSets
//! wait for their node); and a component keeping a session in a store shuts down when the
//! store has been gone longer than the session's remaining lifetime. Events carry the
//! replica's generation, so a node failure cancels whatever its replicas had scheduled
//! (lazy deletion).
//!
//! The engine is split by mechanism: `replicas` (failures, repairs, restarts), `office`
//! (leader elections), `nodes`, `sessions`, and `outage` (serving, expressions and the
//! accounting of outages). Every draw follows a statement in `mechanics`. What a year
//! records is up to the measures (`crate::measure`): the engine calls their hooks where a
//! component's serving changes, an expression comes back up and an outage ends.
//!
//! Design choices the product contract leaves to the project:
//! - A vacant office is taken by the up replica with the lowest index, with no draw.
//! - Times to failure are at least 1 µs, so an up interval always has positive length.
//! - When several failure modes draw the same time to failure, the raced modes strike
//!   first, then the first listed.
//! - An outage's time is split into phases by what the blamed component is waiting for:
//!   election while it has enough replicas but no leader; otherwise detection while its most
//!   recent failure is not yet noticed, and repair after. The blamed component is the
//!   outage's cause while that is not serving, else the first component that is not.

mod bad_rollout;
mod drain;
mod failover;
mod incident;
mod maintenance;
mod nodes;
mod office;
mod outage;
mod queue;
mod replicas;
mod sessions;
mod trace;

#[cfg(test)]
mod tests;

pub use incident::{IncidentRecord, RecoveredFrom};
pub use outage::{Outage, Phases};
pub use queue::EventQueue;
pub use trace::{Detection, FailoverStep, IncidentStep, NoTrace, TraceEvent, Tracer, UpgradeStep};

use crate::measure::{Downtime, DowntimeYear, Measure, Shipped};
use crate::mechanics::pod::ProbePhases;
use crate::plan::{ComponentPlan, Plan};
use crate::rng::{DrawTally, StreamDraw, Streams};
use crate::time::Duration;
use maintenance::PlannedWork;
use office::Office;
use outage::OpenOutage;
use std::sync::atomic::{AtomicBool, Ordering};

/// Work between two looks at the stop flag, counted as one per event plus one per replica
/// or node an event scans, or backup a restore looks at (so that a year of heavy node fan-out, whose every node event
/// costs a scan of all replicas, is not counted as cheap): rare enough to cost nothing, frequent
/// enough that even a pathological year stops within milliseconds.
const STOP_CHECK_WORK: u64 = 1 << 16;

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
    /// A scheduled upgrade of the system starts.
    UpgradeStart,
    /// A step of the upgrade of global replica `replica` falls due (see `maintenance`).
    RolloutStep { replica: u32 },
    /// The rollback of a bad upgrade ends.
    RolledBack,
    /// A scheduled drain of the nodes starts.
    DrainStart,
    /// Node `node`, drained, is back from its reboot.
    NodeRebooted { node: u32 },
    /// Incident `incident` strikes.
    IncidentStrikes { incident: u32 },
    /// The downtime of incidents may be over.
    IncidentOver,
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
    /// Ticker phases of its probes.
    probe_phases: ProbePhases,
    waiting: Waiting,
}

/// What one simulated year produced: the values of every measure, filled by the engine.
///
/// It reads as the [`DowntimeYear`] every model has (`outcome.downtime`, `outcome.outages`,
/// `outcome.service_outages`); `measures` holds the further measures' values.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct YearOutcome<Y = <Shipped as Measure>::Year> {
    /// The year's index.
    pub year: u64,
    /// Downtime and outages of each expression.
    pub expressions: DowntimeYear,
    /// The further measures' values (see [`crate::measure::Shipped`]).
    pub measures: Y,
    /// Number of events the engine handled.
    pub events: u64,
}

impl<Y> std::ops::Deref for YearOutcome<Y> {
    type Target = DowntimeYear;

    fn deref(&self) -> &DowntimeYear {
        &self.expressions
    }
}

/// Cloning into an existing outcome keeps its allocations (a derived `clone_from` would
/// not), so that years copied out of the engine allocate nothing once the buffers have grown.
impl<Y: Clone> Clone for YearOutcome<Y> {
    fn clone(&self) -> YearOutcome<Y> {
        YearOutcome {
            year: self.year,
            expressions: self.expressions.clone(),
            measures: self.measures.clone(),
            events: self.events,
        }
    }

    fn clone_from(&mut self, from: &YearOutcome<Y>) {
        self.year = from.year;
        self.expressions.clone_from(&from.expressions);
        self.measures.clone_from(&from.measures);
        self.events = from.events;
    }
}

#[derive(Clone, Copy, Debug)]
struct ComponentState {
    up: u32,
    office: Option<Office>,
    last_failed: u32,
    last_mode: u32,
    /// Bumped when the session store serves again, which cancels a pending expiry.
    session_generation: u32,
    /// When its sessions expire, with the place in the queue's order reserved for that
    /// event, while its store is not serving: only the earliest of a store's holders is
    /// queued at a time (see `sessions`).
    session_expiry: Option<(Duration, u64)>,
    /// Whether the last leader stopped gracefully, handing the office over.
    handed_over: bool,
    /// When the last holder left the office: a lease's expiry runs from then, even while
    /// no standby is up to take it over.
    vacated_at: Duration,
    /// Whether an election since then failed: a lease has run out (or was revoked) by then,
    /// so the next takes the takeover alone.
    lease_run_out: bool,
}

impl ComponentState {
    /// The holder leaves the office at `now`: vacant, a lease's expiry running from then.
    fn vacate(&mut self, now: Duration) {
        self.office = Some(Office::Vacant);
        self.vacated_at = now;
        self.lease_run_out = false;
    }
}

/// Simulates years of one plan, reusing its buffers from year to year, recording the
/// [`Downtime`] of every expression and the further measures `M` (monomorphised: a measure
/// costs only what its hooks do).
pub struct Engine<'p, M: Measure = Shipped> {
    plan: &'p Plan,
    stop: Option<&'p AtomicBool>,
    queue: EventQueue<Event>,
    streams: Streams<'p>,
    replicas: Vec<ReplicaState>,
    node_up: Vec<bool>,
    components: Vec<ComponentState>,
    serving: Vec<bool>,
    expression_up: Vec<bool>,
    /// For each conjunction, how many of the components it names are not serving.
    not_serving: Vec<u32>,
    down_since: Vec<Duration>,
    /// The expressions that came up at `settle_at`, whose down interval ends only if they
    /// are still up when time moves on (see `outage`).
    settling: Vec<usize>,
    /// The instant the expressions of `settling` came up.
    settle_at: Duration,
    open_outage: Option<OpenOutage>,
    downtime: Downtime,
    measures: M,
    outcome: YearOutcome<M::Year>,
    /// The components a node failure touched, kept to reuse its allocation.
    touched: Vec<u32>,
    /// Planned work, for a plan with `[maintenance]`.
    planned: Option<PlannedWork>,
    /// The nodes an evicted replica's siblings run on, kept to reuse its allocation.
    crowded: Vec<bool>,
    /// Incidents' state, for a plan with `[[incident]]`.
    incidents: incident::IncidentState,
    /// Whether an incident holds every expression down.
    incident_down: bool,
    /// Whether the state of replicas and streams spills the cache, so that the event loop
    /// prefetches what the next event will touch (see `replicas::worth_prefetching`).
    prefetch: bool,
    /// Work the handler of the current event did beyond what [`Engine::work_of`] foresaw
    /// (the container starts a crash loop lost, the backups a restore looked at, the
    /// replicas a drain or a session store's change looked at), in
    /// [`STOP_CHECK_WORK`] units: one event can cost a million of them.
    handler_work: u64,
}

impl<'p> Engine<'p> {
    /// An engine for `plan` recording the shipped measures, with every buffer allocated once.
    pub fn new(plan: &'p Plan) -> Engine<'p> {
        Engine::with_measures(plan)
    }
}

impl<'p, M: Measure> Engine<'p, M> {
    /// An engine for `plan` recording the measures `M`, with every buffer allocated once.
    pub fn with_measures(plan: &'p Plan) -> Engine<'p, M> {
        let downtime = Downtime::for_plan(plan);
        let measures = M::for_plan(plan);
        let outcome = YearOutcome {
            year: 0,
            expressions: downtime.new_year(),
            measures: measures.new_year(),
            events: 0,
        };
        let replicas = plan.replica_count();
        let expressions = plan.expressions.len();
        Engine {
            plan,
            stop: None,
            queue: EventQueue::for_horizon(plan.horizon, replicas),
            streams: Streams::new(&plan.keys),
            replicas: Vec::with_capacity(replicas),
            node_up: Vec::new(),
            components: Vec::with_capacity(plan.components.len()),
            serving: vec![true; plan.components.len()],
            expression_up: vec![true; expressions],
            not_serving: vec![0; expressions],
            down_since: vec![Duration::ZERO; expressions],
            settling: Vec::new(),
            settle_at: Duration::ZERO,
            open_outage: None,
            downtime,
            measures,
            outcome,
            touched: Vec::new(),
            planned: plan.maintenance.as_ref().map(|_| PlannedWork::default()),
            crowded: Vec::new(),
            incidents: incident::IncidentState::default(),
            incident_down: false,
            prefetch: replicas::worth_prefetching(plan),
            handler_work: 0,
        }
    }

    /// Makes the engine abandon a year soon after `stop` is set. The outcome of an
    /// abandoned year is incomplete; whoever set the flag must discard it.
    pub fn with_stop(mut self, stop: &'p AtomicBool) -> Engine<'p, M> {
        self.stop = Some(stop);
        self
    }

    /// Makes the engine count its draws, for the benchmarks' independent floor (a counting
    /// run is never a timed one).
    pub fn with_draw_tally(mut self) -> Engine<'p, M> {
        self.streams.tally_draws();
        self
    }

    /// The draws counted since [`Engine::with_draw_tally`].
    pub fn draw_tally(&self) -> Option<&DrawTally> {
        self.streams.tally()
    }

    /// Simulates `year`.
    pub fn simulate(&mut self, year: u64) -> &YearOutcome<M::Year> {
        self.simulate_traced(year, &mut NoTrace)
    }

    /// Simulates `year` into `slot`, an outcome this engine (or another of the same plan)
    /// produced before: the engine's buffers and the slot's are exchanged, not copied, and
    /// the slot's become the engine's for the next year, which resets them.
    pub fn simulate_into(&mut self, year: u64, slot: &mut YearOutcome<M::Year>) {
        self.simulate(year);
        std::mem::swap(&mut self.outcome, slot);
    }

    /// Simulates `year`, telling `tracer` everything that happens. The draws and the
    /// outcome are the same as [`Engine::simulate`]'s.
    pub fn simulate_traced<T: Tracer>(
        &mut self,
        year: u64,
        tracer: &mut T,
    ) -> &YearOutcome<M::Year> {
        self.start_year(year, tracer);
        self.handle_events(tracer);
        self.end_year(tracer);
        &self.outcome
    }

    /// Handles the scheduled events in time order until none is left (or a stop is
    /// requested).
    fn handle_events<T: Tracer>(&mut self, tracer: &mut T) {
        if self.stop_requested() {
            return;
        }
        let mut work: u64 = 0;
        while let Some((now, event)) = self.queue.pop() {
            if self.prefetch
                && let Some(&next) = self.queue.peek_next()
            {
                self.prefetch(next);
            }
            self.outcome.events += 1;
            work += self.work_of(event);
            if work >= STOP_CHECK_WORK {
                work = 0;
                if self.stop_requested() {
                    break;
                }
            }
            self.settle(now, tracer);
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
                Event::UpgradeStart => self.on_upgrade_start(now, tracer),
                Event::RolloutStep { replica } => self.on_rollout_step(now, replica, tracer),
                Event::RolledBack => self.on_rolled_back(now, tracer),
                Event::DrainStart => self.on_drain_start(now, tracer),
                Event::NodeRebooted { node } => self.on_node_rebooted(now, node, tracer),
                Event::IncidentStrikes { incident } => self.on_incident(now, incident, tracer),
                Event::IncidentOver => self.on_incident_over(now, tracer),
                _ => {} // stale: the replica or session changed since it was scheduled
            }
            work += std::mem::take(&mut self.handler_work);
        }
    }

    /// Whether the stop flag of [`Engine::with_stop`] is set: the year being simulated, if
    /// any, was abandoned, and the next ones would be too.
    pub fn stop_requested(&self) -> bool {
        self.stop.is_some_and(|stop| stop.load(Ordering::Relaxed))
    }

    /// The work of handling `event`, in [`STOP_CHECK_WORK`] units: a node's failure or
    /// repair scans every replica for those on the node, an eviction the replica's siblings
    /// and the nodes.
    fn work_of(&self, event: Event) -> u64 {
        match event {
            Event::NodeFail { .. } | Event::NodeRepaired { .. } | Event::NodeRebooted { .. } => {
                1 + self.replicas.len() as u64
            }
            Event::Evict { replica, .. } => {
                let (component, _) = self.locate(replica);
                1 + u64::from(component.replicas) + self.node_up.len() as u64
            }
            _ => 1,
        }
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
                    probe_phases: ProbePhases::default(),
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
                session_expiry: None,
                handed_over: false,
                vacated_at: Duration::ZERO,
                lease_run_out: false,
            }));
        self.serving.fill(true);
        self.expression_up.fill(true);
        self.not_serving.fill(0);
        self.settling.clear();
        self.open_outage = None;
        self.outcome.year = year;
        self.downtime.start_year(&mut self.outcome.expressions);
        self.measures.start_year(&mut self.outcome.measures);
        self.outcome.events = 0;
        tracer.event(Duration::ZERO, TraceEvent::YearStart { year });
        for replica in 0..plan.replica_count() as u32 {
            self.draw_probe_phases(replica);
            self.schedule_failure(Duration::ZERO, replica);
        }
        self.start_nodes();
        self.start_planned_work();
        self.start_incidents();
    }

    /// The component of a global replica, and the replica's index within it.
    fn locate(&self, replica: u32) -> (&'p ComponentPlan, u32) {
        let plan = self.plan;
        let component = &plan.components[plan.replica_component[replica as usize] as usize];
        (component, replica - component.first_replica)
    }

    /// Stream `stream` of the year, for a mechanism's draws.
    fn draws(&mut self, stream: usize) -> StreamDraw<'_, 'p> {
        self.streams.on(stream)
    }
}
