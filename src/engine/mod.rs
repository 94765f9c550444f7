//! One simulated year: a discrete-event simulation of SPEC level-1 semantics.
//!
//! Each replica alternates up and down. When it comes up, every failure mode draws a time
//! to failure and the earliest is scheduled (competing risks); when it strikes, the replica
//! is down for that mode's `detect` + `repair`. A component serves while at least `needs`
//! replicas are up and, if it has a leader office, the office is held. Only instants where
//! something changes are simulated, so a year without failures costs one draw per replica
//! and failure mode.
//!
//! Design choices SPEC leaves to the project:
//! - A vacant office is taken by the up replica with the lowest index, with no draw.
//! - Times to failure are at least 1 µs, so an up interval always has positive length.
//! - When several failure modes draw the same time to failure, the first listed strikes.
//! - An outage's time is split into phases by what the blamed component is waiting for:
//!   election while it has enough replicas but no leader; otherwise detection while its most
//!   recent failure is not yet noticed, and repair after. The blamed component is the
//!   outage's cause while that is not serving, else the first component that is not.

mod queue;
mod trace;

pub use queue::EventQueue;
pub use trace::{NoTrace, TraceEvent, Tracer};

use crate::dist::Dist;
use crate::plan::{Plan, Purpose};
use crate::rng::Streams;
use crate::time::Duration;
use std::sync::atomic::{AtomicBool, Ordering};

/// Events between two looks at the stop flag: rare enough to cost nothing, frequent enough
/// that even a pathological year stops within milliseconds.
const STOP_CHECK_EVENTS: u64 = 1 << 16;

/// Something scheduled to happen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Event {
    /// Failure mode `mode` strikes global replica `replica`.
    Fail { replica: u32, mode: u32 },
    /// Global replica `replica` serves again.
    Repaired { replica: u32 },
    /// The election of component `component` ends.
    ElectionEnd { component: u32 },
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
    replica_up: Vec<bool>,
    failed_at: Vec<Duration>,
    noticed_at: Vec<Duration>,
    components: Vec<ComponentState>,
    serving: Vec<bool>,
    expression_up: Vec<bool>,
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
            replica_up: vec![true; replicas],
            failed_at: vec![Duration::ZERO; replicas],
            noticed_at: vec![Duration::ZERO; replicas],
            components: Vec::with_capacity(plan.components.len()),
            serving: vec![true; plan.components.len()],
            expression_up: vec![true; expressions],
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
                Event::Fail { replica, mode } => self.on_fail(now, replica, mode, tracer),
                Event::Repaired { replica } => self.on_repaired(now, replica, tracer),
                Event::ElectionEnd { component } => self.on_election_end(now, component, tracer),
            }
        }
        self.end_year(tracer);
        &self.outcome
    }

    fn stop_requested(&self) -> bool {
        self.stop.is_some_and(|stop| stop.load(Ordering::Relaxed))
    }

    fn start_year<T: Tracer>(&mut self, year: u64, tracer: &mut T) {
        let plan = self.plan;
        self.queue.clear();
        self.streams.start_year(year);
        self.replica_up.fill(true);
        self.components.clear();
        self.components
            .extend(plan.components.iter().map(|c| ComponentState {
                up: c.replicas,
                office: c.election.as_ref().map(|_| Office::Held(c.first_replica)),
                last_failed: c.first_replica,
                last_mode: 0,
            }));
        self.serving.fill(true);
        self.expression_up.fill(true);
        self.open_outage = None;
        self.outcome.year = year;
        self.outcome.downtime.fill(Duration::ZERO);
        self.outcome.outages.clear();
        self.outcome.service_outages.iter_mut().for_each(Vec::clear);
        self.outcome.events = 0;
        tracer.event(Duration::ZERO, TraceEvent::YearStart { year });
        for replica in 0..plan.replica_count() as u32 {
            self.schedule_failure(Duration::ZERO, replica);
        }
    }

    /// Draws every failure mode's time to failure for a replica that has just come up,
    /// and schedules the earliest if it falls within the year.
    fn schedule_failure(&mut self, now: Duration, replica: u32) {
        let plan = self.plan;
        let component = &plan.components[plan.replica_component[replica as usize] as usize];
        let local = replica - component.first_replica;
        let mut earliest = Duration::NEVER;
        let mut strikes = 0;
        for (index, mode) in component.modes.iter().enumerate() {
            let stream = component.stream(local, index, Purpose::Every);
            let time_to_failure = self.draw(stream, &mode.every).max(Duration::MICROSECOND);
            if time_to_failure < earliest {
                earliest = time_to_failure;
                strikes = index as u32;
            }
        }
        let at = now.saturating_add(earliest);
        if at < plan.horizon {
            self.queue.push(
                at,
                Event::Fail {
                    replica,
                    mode: strikes,
                },
            );
        }
    }

    fn draw(&mut self, stream: usize, dist: &Dist) -> Duration {
        match dist.fixed_value() {
            Some(value) => value,
            None => dist.sample(self.streams.get(stream, &self.plan.keys)),
        }
    }

    fn on_fail<T: Tracer>(&mut self, now: Duration, replica: u32, mode: u32, tracer: &mut T) {
        let plan = self.plan;
        let index = plan.replica_component[replica as usize];
        let component = &plan.components[index as usize];
        let local = replica - component.first_replica;
        let mode_plan = &component.modes[mode as usize];
        let detect = self.draw(
            component.stream(local, mode as usize, Purpose::Detect),
            &mode_plan.detect,
        );
        let repair = self.draw(
            component.stream(local, mode as usize, Purpose::Repair),
            &mode_plan.repair,
        );
        self.replica_up[replica as usize] = false;
        self.failed_at[replica as usize] = now;
        self.noticed_at[replica as usize] = now.saturating_add(detect);
        let back = now.saturating_add(detect).saturating_add(repair);
        if back < plan.horizon {
            self.queue.push(back, Event::Repaired { replica });
        }
        let state = &mut self.components[index as usize];
        state.up -= 1;
        state.last_failed = replica;
        state.last_mode = mode;
        tracer.event(
            now,
            TraceEvent::ReplicaFailed {
                component: index,
                replica: local,
                mode,
                detect,
                repair,
            },
        );
        // The office is vacated when its holder fails, or when the leader loses its quorum.
        if let Some(Office::Held(holder)) = state.office
            && (holder == replica || state.up < component.needs)
        {
            state.office = Some(Office::Vacant);
            tracer.event(now, TraceEvent::LeaderLost { component: index });
        }
        self.maybe_start_election(now, index, tracer);
        self.refresh(now, index, tracer);
    }

    fn on_repaired<T: Tracer>(&mut self, now: Duration, replica: u32, tracer: &mut T) {
        let plan = self.plan;
        let index = plan.replica_component[replica as usize];
        self.replica_up[replica as usize] = true;
        self.components[index as usize].up += 1;
        let local = replica - plan.components[index as usize].first_replica;
        tracer.event(
            now,
            TraceEvent::ReplicaRepaired {
                component: index,
                replica: local,
            },
        );
        self.schedule_failure(now, replica);
        self.maybe_start_election(now, index, tracer);
        self.refresh(now, index, tracer);
    }

    fn on_election_end<T: Tracer>(&mut self, now: Duration, index: u32, tracer: &mut T) {
        let component = &self.plan.components[index as usize];
        let state = &mut self.components[index as usize];
        if state.up >= component.needs {
            let first = component.first_replica as usize;
            let holder = (first..first + component.replicas as usize)
                .find(|r| self.replica_up[*r])
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
        let (Some(Office::Vacant), Some(election)) = (state.office, &component.election) else {
            return;
        };
        if state.up < component.needs {
            return;
        }
        let duration = self.draw(component.election_stream, election);
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

    fn is_serving(&self, index: u32) -> bool {
        let state = &self.components[index as usize];
        state.up >= self.plan.components[index as usize].needs
            && !matches!(state.office, Some(Office::Electing | Office::Vacant))
    }

    /// Re-evaluates component `index` and, if it changed, every expression.
    fn refresh<T: Tracer>(&mut self, now: Duration, index: u32, tracer: &mut T) {
        let serving = self.is_serving(index);
        if serving == self.serving[index as usize] {
            return;
        }
        self.serving[index as usize] = serving;
        let up = self.components[index as usize].up;
        tracer.event(
            now,
            TraceEvent::ComponentChanged {
                component: index,
                serving,
                up,
            },
        );
        for (expression, expr) in self.plan.expressions.iter().enumerate() {
            let up = expr.eval(&self.serving);
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
            let replica = state.last_failed as usize;
            let from = outage.accounted_to.max(self.failed_at[replica]);
            let detecting = now.min(self.noticed_at[replica]).saturating_sub(from);
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
