//! Planned work: the upgrade schedule and the rollout of each upgraded component
//! (`docs/semantics.md` and `docs/kubernetes.md`, "Planned work").
//!
//! Upgrades start on the plan's fixed schedule; one that comes while another is in progress
//! starts when it ends. Components are upgraded one after another in the plan's order. Each
//! replica is a *slot* that an upgrade replaces once:
//! - *stopped*: the replica goes down (cause `<component>/upgrade`) until its replacement
//!   serves: a level-1 draw, or a new pod (after the old one's graceful stop for a
//!   StatefulSet or Recreate);
//! - *surged* (rolling Deployment within `max_surge`): a new pod starts beside the old one,
//!   which stops gracefully once the new one is available, the replica serving throughout.
//!
//! A replica whose turn comes while it is down from a failure is upgraded when it is back;
//! failures go on meanwhile. A graceful stop hands a leader office over at once
//! (`mechanics::rollout::handover`) and a reassigned share to another replica.

use super::office::Office;
use super::{Engine, Event, Measure, TraceEvent, Tracer, UpgradeStep};
use crate::mechanics::Draw;
use crate::mechanics::rollout::{Strategy, upgrade_start};
use crate::plan::{ComponentPlan, Replacement};
use crate::time::Duration;

/// What one replica is doing in the upgrade in progress.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Slot {
    /// Not (or no longer) part of the upgrade in progress.
    Idle,
    /// Its turn came while it was down; it is upgraded when it is back.
    AwaitingBack,
    /// Down until its replacement serves.
    Stopped,
    /// A new pod is starting beside the old one, which still serves.
    Surged,
    /// Its replacement serves; waiting `min_ready` before it counts as available.
    Settling,
    /// Its share is being loaded on another replica after its graceful stop.
    Reloading,
    /// Its new version is broken: down until the rollback.
    Broken,
}

/// How the next replica of a component is replaced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    /// Take it down until its replacement serves.
    Stop,
    /// Start a new pod beside it.
    Surge,
    /// Wait for it to be back from a failure.
    AwaitBack,
    /// Wait for replicas in flight.
    Wait,
}

/// The state of planned work in a year.
#[derive(Clone, Debug, Default)]
pub(super) struct PlannedWork {
    /// Upgrades whose start has come.
    scheduled: u64,
    /// Upgrades begun (the others wait for the one in progress).
    begun: u64,
    /// The upgrade in progress.
    active: Option<Active>,
    /// Each replica's part in the upgrade in progress.
    slots: Vec<Slot>,
    /// Node drains.
    pub(super) drain: super::drain::DrainWork,
}

/// The upgrade in progress.
#[derive(Clone, Copy, Debug)]
pub(super) struct Active {
    /// Its index in the year.
    pub(super) upgrade: u64,
    /// The position in the plan's order of the component being upgraded.
    pub(super) position: usize,
    /// Replicas of that component not yet begun: the next is `next - 1` (highest first).
    pub(super) next: u32,
    /// Replicas begun and not yet done.
    pub(super) in_flight: u32,
    /// Of those, replicas with a new pod starting beside the old one.
    surged: u32,
    /// For a bad upgrade, how long from its first broken replica to the rollback's end.
    pub(super) bad: Option<Duration>,
    /// When the rollback of a bad upgrade ends, once its first broken replica is ready.
    pub(super) rolled_back_at: Option<Duration>,
    /// Whether it was rolled back: no further replica or component is upgraded.
    pub(super) rolled_back: bool,
}

impl<M: Measure> Engine<'_, M> {
    /// Resets planned work for a new year and schedules its first upgrade.
    pub(super) fn start_planned_work(&mut self) {
        let plan = self.plan;
        let (Some(maintenance), Some(work)) = (&plan.maintenance, &mut self.planned) else {
            return;
        };
        work.scheduled = 0;
        work.begun = 0;
        work.active = None;
        work.slots.clear();
        work.slots.resize(plan.replica_count(), Slot::Idle);
        if let Some(at) = upgrade_start(maintenance.start, maintenance.every, 0, plan.horizon) {
            self.queue.push(at, Event::UpgradeStart);
        }
        self.start_drains();
    }

    /// A scheduled upgrade's start: it begins now, or when the one in progress ends.
    pub(super) fn on_upgrade_start<T: Tracer>(&mut self, now: Duration, tracer: &mut T) {
        let plan = self.plan;
        let (Some(maintenance), Some(work)) = (&plan.maintenance, &mut self.planned) else {
            return;
        };
        work.scheduled += 1;
        let next = upgrade_start(
            maintenance.start,
            maintenance.every,
            work.scheduled,
            plan.horizon,
        );
        if let Some(at) = next {
            self.queue.push(at, Event::UpgradeStart);
        }
        if work.active.is_none() {
            self.begin_upgrade(now, tracer);
        }
    }

    /// Begins the next upgrade whose start has come.
    fn begin_upgrade<T: Tracer>(&mut self, now: Duration, tracer: &mut T) {
        let Some(work) = &mut self.planned else {
            return;
        };
        let upgrade = work.begun;
        work.begun += 1;
        tracer.event(now, TraceEvent::UpgradeStarted { upgrade });
        self.measures
            .upgrade_started(&mut self.outcome.measures, now, upgrade);
        let bad = self.draw_bad_rollout();
        self.begin_component(now, upgrade, 0, tracer);
        if let Some(active) = self.active_mut() {
            active.bad = bad;
        }
        self.advance(now, tracer);
    }

    /// The upgrade in progress, to change.
    pub(super) fn active_mut(&mut self) -> Option<&mut Active> {
        self.planned.as_mut().and_then(|w| w.active.as_mut())
    }

    /// Starts the upgrade of the component at `position` in the order, or ends the upgrade
    /// past the last.
    fn begin_component<T: Tracer>(
        &mut self,
        now: Duration,
        upgrade: u64,
        position: usize,
        tracer: &mut T,
    ) {
        let plan = self.plan;
        let order = plan.maintenance.as_ref().map_or(&[][..], |m| &m.order);
        let Some(work) = &mut self.planned else {
            return;
        };
        let Some(&index) = order.get(position) else {
            work.active = None;
            let waiting = work.begun < work.scheduled;
            tracer.event(now, TraceEvent::UpgradeFinished { upgrade });
            if waiting {
                self.begin_upgrade(now, tracer);
            }
            return;
        };
        let component = &plan.components[index as usize];
        let bad = work.active.and_then(|a| a.bad);
        work.active = Some(Active {
            upgrade,
            position,
            next: component.replicas,
            in_flight: 0,
            surged: 0,
            bad,
            rolled_back_at: None,
            rolled_back: false,
        });
        if recreates(component) {
            self.recreate(now, index, tracer);
        }
        if position > 0 {
            self.advance(now, tracer);
        }
    }

    /// Begins as many replicas of the component being upgraded as its limits allow, and
    /// moves on to the next component once every replica is done.
    pub(super) fn advance<T: Tracer>(&mut self, now: Duration, tracer: &mut T) {
        let plan = self.plan;
        let order = plan.maintenance.as_ref().map_or(&[][..], |m| &m.order);
        loop {
            let Some(active) = self.planned.as_ref().and_then(|w| w.active) else {
                return;
            };
            let index = order[active.position];
            let component = &plan.components[index as usize];
            if active.next == 0 {
                // A bad upgrade holds at its first component until the rollback ends it.
                let rolling_back = !active.rolled_back && active.rolled_back_at.is_some();
                if active.in_flight == 0 && !rolling_back {
                    // A rolled-back upgrade ends with the component that broke.
                    let next = if active.rolled_back {
                        order.len()
                    } else {
                        active.position + 1
                    };
                    self.begin_component(now, active.upgrade, next, tracer);
                    continue;
                }
                return;
            }
            let replica = component.first_replica + active.next - 1;
            let step = self.next_step(component, index, replica, active);
            if step == Step::Wait {
                return;
            }
            if let Some(active) = self.active_mut() {
                active.next -= 1;
                active.in_flight += 1;
            }
            match step {
                Step::Stop => self.stop_for_upgrade(now, replica, tracer),
                Step::Surge => self.surge(now, replica, tracer),
                Step::AwaitBack => {
                    self.set_slot(replica, Slot::AwaitingBack);
                    let (index, local) = (index, replica - component.first_replica);
                    tracer.event(
                        now,
                        TraceEvent::UpgradeStep {
                            component: index,
                            replica: local,
                            step: UpgradeStep::AwaitingBack,
                        },
                    );
                }
                Step::Wait => {}
            }
        }
    }

    /// How the next replica, `replica` of component `index`, can be replaced now.
    fn next_step(
        &self,
        component: &ComponentPlan,
        index: u32,
        replica: u32,
        active: Active,
    ) -> Step {
        let up = self.replicas[replica as usize].up;
        let Some(upgrade) = &component.upgrade else {
            return Step::Wait;
        };
        let limits = match &upgrade.how {
            Replacement::Pods(pods) if deployment(component) => Some(*pods),
            _ => None,
        };
        match limits {
            // One replica at a time: level 1, and a StatefulSet.
            None if active.in_flight > 0 => Step::Wait,
            None if up => Step::Stop,
            None => Step::AwaitBack,
            Some(_) if !up => match active.in_flight {
                0 => Step::AwaitBack,
                _ => Step::Wait,
            },
            Some(pods) if active.surged < pods.max_surge => Step::Surge,
            Some(pods) => {
                let down = component.replicas - self.components[index as usize].up;
                if down < pods.max_unavailable {
                    Step::Stop
                } else {
                    Step::Wait
                }
            }
        }
    }

    pub(super) fn set_slot(&mut self, replica: u32, slot: Slot) {
        if let Some(work) = &mut self.planned {
            work.slots[replica as usize] = slot;
        }
    }

    fn slot(&self, replica: u32) -> Slot {
        self.planned
            .as_ref()
            .map_or(Slot::Idle, |w| w.slots[replica as usize])
    }

    /// Recreate: every pod stops at once; the new ones start once the old have exited.
    fn recreate<T: Tracer>(&mut self, now: Duration, index: u32, tracer: &mut T) {
        let component = &self.plan.components[index as usize];
        let first = component.first_replica;
        // Every pod stops at the same instant: no replica is left to take the office
        // before the new ones are up.
        for replica in first..first + component.replicas {
            self.stop_replica(now, replica, tracer);
        }
        self.after_change(now, index, tracer);
        if let Some(active) = self.active_mut() {
            active.next = 0;
            active.in_flight = component.replicas;
        }
    }

    /// Takes `replica` down for its upgrade until its replacement serves.
    fn stop_for_upgrade<T: Tracer>(&mut self, now: Duration, replica: u32, tracer: &mut T) {
        self.stop_replica(now, replica, tracer);
        self.after_change(now, self.plan.replica_component[replica as usize], tracer);
    }

    /// Takes `replica` down for its upgrade and schedules its return, leaving elections
    /// and serving to [`Engine::after_change`]. A leader stopping gracefully hands its
    /// office over.
    fn stop_replica<T: Tracer>(&mut self, now: Duration, replica: u32, tracer: &mut T) {
        let (component, local) = self.locate(replica);
        let Some(upgrade) = &component.upgrade else {
            return;
        };
        let index = self.plan.replica_component[replica as usize];
        let was_up = self.replicas[replica as usize].up;
        let holder = self.components[index as usize].office == Some(Office::Held(replica));
        self.take_down_for_upgrade(now, replica, tracer);
        let back = match &upgrade.how {
            Replacement::Replace(duration) => {
                now.saturating_add(self.draws(upgrade.stream).draw(duration))
            }
            Replacement::Pods(pods) => {
                // A StatefulSet's pod keeps its identity, and Recreate waits for every old
                // pod: the new one starts once the old has exited. A Deployment's new pod
                // starts at once.
                let starts = if deployment(component) && pods.strategy == Strategy::Rolling {
                    now
                } else {
                    now.saturating_add(pods.stop)
                };
                let serving = self.new_pod(replica, starts);
                if was_up {
                    self.reload_from(now, replica, serving)
                } else {
                    serving
                }
            }
        };
        self.set_slot(replica, Slot::Stopped);
        tracer.event(
            now,
            TraceEvent::UpgradeStep {
                component: index,
                replica: local,
                step: UpgradeStep::Stopped { back },
            },
        );
        if holder && was_up {
            self.components[index as usize].handed_over = true;
        }
        self.schedule_repair(replica, back);
    }

    /// Takes `replica` down for its upgrade: no failure, noticed at once.
    fn take_down_for_upgrade<T: Tracer>(&mut self, now: Duration, replica: u32, tracer: &mut T) {
        let (component, _) = self.locate(replica);
        self.take_down(
            now,
            replica,
            component.upgrade_cause(),
            Duration::ZERO,
            Duration::ZERO,
            tracer,
        );
    }

    /// Starts a new pod beside `replica`, which goes on serving until it is available.
    fn surge<T: Tracer>(&mut self, now: Duration, replica: u32, tracer: &mut T) {
        let (component, local) = self.locate(replica);
        let Some(Replacement::Pods(pods)) = component.upgrade.as_ref().map(|u| &u.how) else {
            return;
        };
        let min_ready = pods.min_ready;
        let serving = self.new_pod(replica, now);
        let available = serving.saturating_add(min_ready);
        self.set_slot(replica, Slot::Surged);
        if let Some(active) = self.active_mut() {
            active.surged += 1;
        }
        let index = self.plan.replica_component[replica as usize];
        tracer.event(
            now,
            TraceEvent::UpgradeStep {
                component: index,
                replica: local,
                step: UpgradeStep::Surged { available },
            },
        );
        if available < self.plan.horizon {
            self.queue.push(available, Event::RolloutStep { replica });
        }
    }

    /// When a new pod of `replica` started at `starts` serves: a fresh container (no
    /// back-off), its start and its first passing readiness probe.
    fn new_pod(&mut self, replica: u32, starts: Duration) -> Duration {
        let state = &mut self.replicas[replica as usize];
        state.container_started = None;
        state.restarts = 0;
        self.restart(replica, starts, starts)
    }

    /// A replica is back at `now`: if its upgrade waited for it and stops it, the upgrade
    /// begins at once and the replica stays down (true).
    pub(super) fn upgrade_on_return<T: Tracer>(
        &mut self,
        now: Duration,
        replica: u32,
        tracer: &mut T,
    ) -> bool {
        match self.slot(replica) {
            Slot::AwaitingBack => {}
            Slot::Stopped => return self.breaks_when_ready(now, replica, tracer),
            _ => return false,
        }
        let (component, _) = self.locate(replica);
        let surges = match component.upgrade.as_ref().map(|u| &u.how) {
            Some(Replacement::Pods(pods)) => deployment(component) && pods.max_surge > 0,
            _ => false,
        };
        if surges {
            return false;
        }
        self.stop_for_upgrade(now, replica, tracer);
        true
    }

    /// A replica came up at `now`: the upgrade that waited for it goes on.
    pub(super) fn rollout_replica_up<T: Tracer>(
        &mut self,
        now: Duration,
        replica: u32,
        tracer: &mut T,
    ) {
        match self.slot(replica) {
            Slot::AwaitingBack => self.surge(now, replica, tracer),
            Slot::Stopped => {
                let (component, _) = self.locate(replica);
                let min_ready = match component.upgrade.as_ref().map(|u| &u.how) {
                    Some(Replacement::Pods(pods)) => pods.min_ready,
                    _ => Duration::ZERO,
                };
                if min_ready == Duration::ZERO {
                    self.replica_upgraded(now, replica, tracer);
                } else {
                    self.set_slot(replica, Slot::Settling);
                    let at = now.saturating_add(min_ready);
                    if at < self.plan.horizon {
                        self.queue.push(at, Event::RolloutStep { replica });
                    }
                }
            }
            Slot::Reloading => self.replica_upgraded(now, replica, tracer),
            // Rolled back: the rollout went on without it.
            Slot::Broken => self.set_slot(replica, Slot::Idle),
            Slot::Idle | Slot::Surged | Slot::Settling => {}
        }
    }

    /// A rollout step of `replica` falls due: a surged pod is available (the old one
    /// stops gracefully), or a new pod has been ready for `min_ready`.
    pub(super) fn on_rollout_step<T: Tracer>(
        &mut self,
        now: Duration,
        replica: u32,
        tracer: &mut T,
    ) {
        match self.slot(replica) {
            Slot::Surged => {
                if let Some(active) = self.active_mut() {
                    active.surged -= 1;
                }
                if !self.breaks_when_ready(now, replica, tracer) {
                    self.replace_old_pod(now, replica, tracer);
                }
            }
            Slot::Settling => self.replica_upgraded(now, replica, tracer),
            _ => {}
        }
    }

    /// A surged pod is available: the old pod of `replica` stops gracefully. A leader hands
    /// its office over; a reassigned share moves to another replica. If the old pod had
    /// failed meanwhile, the new one takes its place at once.
    fn replace_old_pod<T: Tracer>(&mut self, now: Duration, replica: u32, tracer: &mut T) {
        let (component, _) = self.locate(replica);
        let index = self.plan.replica_component[replica as usize];
        if !self.replicas[replica as usize].up {
            let state = &mut self.replicas[replica as usize];
            state.generation = state.generation.wrapping_add(1);
            state.waiting = super::Waiting::Nothing;
            self.bring_up(now, replica, tracer);
            self.replica_upgraded(now, replica, tracer);
            return;
        }
        if component.reassign.is_some() {
            self.take_down_for_upgrade(now, replica, tracer);
            // The new pod serves already: the share loads there or on another replica.
            let back = self.reload_from(now, replica, now);
            self.set_slot(replica, Slot::Reloading);
            self.schedule_repair(replica, back);
            self.after_change(now, index, tracer);
            // A Deployment goes on once the new pod is available.
            self.advance(now, tracer);
            return;
        }
        let state = &mut self.components[index as usize];
        if state.office == Some(Office::Held(replica)) {
            state.vacate(now);
            state.handed_over = true;
            // A stretch without a leader is the upgrade's.
            state.last_failed = replica;
            state.last_mode = component.upgrade_cause();
            tracer.event(now, TraceEvent::LeaderLost { component: index });
            self.after_change(now, index, tracer);
        }
        self.replica_upgraded(now, replica, tracer);
    }

    /// `replica`'s upgrade is done; the rollout goes on.
    fn replica_upgraded<T: Tracer>(&mut self, now: Duration, replica: u32, tracer: &mut T) {
        self.set_slot(replica, Slot::Idle);
        if let Some(active) = self.active_mut() {
            active.in_flight -= 1;
        }
        let (_, local) = self.locate(replica);
        tracer.event(
            now,
            TraceEvent::UpgradeStep {
                component: self.plan.replica_component[replica as usize],
                replica: local,
                step: UpgradeStep::Done,
            },
        );
        self.advance(now, tracer);
    }
}

/// Whether `component`'s pods are a Deployment's (which may surge and start new pods
/// before the old have exited).
fn deployment(component: &ComponentPlan) -> bool {
    component
        .pod
        .as_ref()
        .is_some_and(|p| p.pod.moves_off_failed_nodes)
}

/// Whether `component` is upgraded by stopping every pod, then starting new ones.
fn recreates(component: &ComponentPlan) -> bool {
    matches!(
        component.upgrade.as_ref().map(|u| &u.how),
        Some(Replacement::Pods(pods)) if pods.strategy == Strategy::Recreate
    )
}
