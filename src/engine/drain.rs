//! Node drains (`docs/kubernetes.md`, "Node drains"): on the plan's schedule, every node in
//! turn (0, 1, ...) is cordoned, its pods evicted one by one, then it reboots and is
//! uncordoned; the next node's drain begins then. A drain whose start comes while another
//! is in progress begins when it ends.
//!
//! - An eviction waits while the pod's disruption budget would be broken
//!   (`mechanics::drain::eviction_allowed`), and is retried whenever a replica serves
//!   again (`kubectl drain` retries every 5 s; nines does not model those 5 s).
//! - An evicted pod leaves the endpoints at once (cause `node/drain`, kind `maintenance`)
//!   and stops gracefully: a leader hands its office over (`mechanics::rollout::handover`)
//!   and a reassigned share loads on another replica. A Deployment's replacement starts at
//!   once on another node, placed as any evicted pod is; with none schedulable it waits for
//!   one. A StatefulSet's pod waits for its node's reboot.
//! - The node reboots once every evicted pod has exited (its graceful stop): one draw of
//!   `reboot` from the drain's own stream.
//! - Failures go on meanwhile; a node that fails while drained keeps its pods waiting for
//!   its repair as any failed node does.

use super::office::Office;
use super::{Engine, Event, Measure, TraceEvent, Tracer, Waiting};
use crate::mechanics::Draw;
use crate::mechanics::drain::eviction_allowed;
use crate::mechanics::rollout::upgrade_start;
use crate::plan::{ComponentPlan, Replacement};
use crate::time::Duration;

/// The state of node drains in a year.
#[derive(Clone, Debug, Default)]
pub(super) struct DrainWork {
    /// Drains whose start has come.
    scheduled: u64,
    /// Drains begun (the others wait for the one in progress).
    begun: u64,
    /// The node being drained.
    active: Option<ActiveDrain>,
}

/// The node being drained.
#[derive(Clone, Copy, Debug)]
struct ActiveDrain {
    /// The drain's index in the year.
    drain: u64,
    /// The cordoned node.
    node: u32,
    /// The global replica the eviction scan goes on from.
    next: u32,
    /// When every pod evicted so far has exited.
    exits_by: Duration,
    /// Whether the eviction of replica `next` waits for its budget (traced once).
    blocked: bool,
    /// Whether the node is rebooting (every pod evicted).
    rebooting: bool,
}

impl<M: Measure> Engine<'_, M> {
    /// Resets node drains for a new year and schedules the first.
    pub(super) fn start_drains(&mut self) {
        let plan = self.plan;
        let Some(drain) = plan.maintenance.as_ref().and_then(|m| m.drain.as_ref()) else {
            return;
        };
        if let Some(work) = self.drain_work() {
            *work = DrainWork::default();
        }
        if let Some(at) = upgrade_start(drain.start, drain.every, 0, plan.horizon) {
            self.queue.push(at, Event::DrainStart);
        }
    }

    fn drain_work(&mut self) -> Option<&mut DrainWork> {
        self.planned.as_mut().map(|w| &mut w.drain)
    }

    fn active_drain(&self) -> Option<ActiveDrain> {
        self.planned.as_ref().and_then(|w| w.drain.active)
    }

    fn set_active_drain(&mut self, active: Option<ActiveDrain>) {
        if let Some(work) = self.drain_work() {
            work.active = active;
        }
    }

    /// The node cordoned by the drain in progress: no pod is placed on it.
    pub(super) fn cordoned(&self) -> Option<u32> {
        self.active_drain().map(|a| a.node)
    }

    /// A scheduled drain's start: it begins now, or when the one in progress ends.
    pub(super) fn on_drain_start<T: Tracer>(&mut self, now: Duration, tracer: &mut T) {
        let plan = self.plan;
        let Some(drain) = plan.maintenance.as_ref().and_then(|m| m.drain.as_ref()) else {
            return;
        };
        let Some(work) = self.drain_work() else {
            return;
        };
        work.scheduled += 1;
        let busy = work.active.is_some();
        let next = upgrade_start(drain.start, drain.every, work.scheduled, plan.horizon);
        if let Some(at) = next {
            self.queue.push(at, Event::DrainStart);
        }
        if !busy {
            self.begin_drain(now, tracer);
        }
    }

    /// Begins the next drain whose start has come, from node 0.
    fn begin_drain<T: Tracer>(&mut self, now: Duration, tracer: &mut T) {
        let Some(work) = self.drain_work() else {
            return;
        };
        let drain = work.begun;
        work.begun += 1;
        tracer.event(now, TraceEvent::DrainStarted { drain });
        self.drain_node(now, drain, 0, tracer);
    }

    /// Cordons `node` and begins evicting its pods, or ends the drain past the last node.
    fn drain_node<T: Tracer>(&mut self, now: Duration, drain: u64, node: u32, tracer: &mut T) {
        let nodes = self.node_up.len() as u32;
        if node >= nodes {
            self.set_active_drain(None);
            tracer.event(now, TraceEvent::DrainFinished { drain });
            let waiting = self.drain_work().is_some_and(|w| w.begun < w.scheduled);
            if waiting {
                self.begin_drain(now, tracer);
            }
            return;
        }
        self.set_active_drain(Some(ActiveDrain {
            drain,
            node,
            next: 0,
            exits_by: now,
            blocked: false,
            rebooting: false,
        }));
        tracer.event(now, TraceEvent::NodeCordoned { node });
        self.continue_drain(now, tracer);
    }

    /// A replica serves again: an eviction waiting for its budget is retried.
    pub(super) fn drain_replica_up<T: Tracer>(&mut self, now: Duration, tracer: &mut T) {
        if self.active_drain().is_some_and(|a| a.blocked) {
            self.continue_drain(now, tracer);
        }
    }

    /// Evicts the cordoned node's pods in replica order while their budgets allow, then
    /// reboots the node once every one is evicted and has exited.
    fn continue_drain<T: Tracer>(&mut self, now: Duration, tracer: &mut T) {
        let plan = self.plan;
        while let Some(mut active) = self.active_drain() {
            if active.rebooting {
                return;
            }
            let count = plan.replica_count() as u32;
            let on_node = (active.next..count).find(|&r| {
                self.replicas[r as usize].node == active.node && self.locate(r).0.pod.is_some()
            });
            // The replicas looked at are work for the stop check.
            self.handler_work += u64::from(on_node.unwrap_or(count) - active.next) + 1;
            let Some(replica) = on_node else {
                self.reboot(now, active, tracer);
                return;
            };
            let (component, local) = self.locate(replica);
            let index = plan.replica_component[replica as usize];
            let healthy = self.replicas[replica as usize].up;
            let up = self.components[index as usize].up;
            if !eviction_allowed(budget(component), component.replicas, up, healthy) {
                if !active.blocked {
                    active.blocked = true;
                    self.set_active_drain(Some(active));
                    let event = TraceEvent::EvictionWaits {
                        component: index,
                        replica: local,
                    };
                    tracer.event(now, event);
                }
                return;
            }
            active.next = replica + 1;
            active.blocked = false;
            if healthy {
                active.exits_by = active.exits_by.max(now.saturating_add(stop(component)));
            }
            self.set_active_drain(Some(active));
            self.evict_for_drain(now, replica, tracer);
        }
    }

    /// Evicts `replica` from the cordoned node: it stops gracefully, and its replacement
    /// starts on another node (a Deployment) or waits for the node's reboot (a StatefulSet).
    fn evict_for_drain<T: Tracer>(&mut self, now: Duration, replica: u32, tracer: &mut T) {
        let (component, local) = self.locate(replica);
        let index = self.plan.replica_component[replica as usize];
        let was_up = self.replicas[replica as usize].up;
        let holder = self.components[index as usize].office == Some(Office::Held(replica));
        let cause = component.drain_cause();
        self.take_down(now, replica, cause, Duration::ZERO, Duration::ZERO, tracer);
        if holder && was_up {
            self.components[index as usize].handed_over = true;
        }
        let moves = component
            .pod
            .as_ref()
            .is_some_and(|p| p.pod.moves_off_failed_nodes);
        let to = if moves { self.place(replica) } else { None };
        match to {
            Some(node) => {
                let serving = self.place_new_pod(now, replica, node);
                let back = if was_up {
                    self.reload_from(now, replica, serving)
                } else {
                    serving
                };
                self.schedule_repair(replica, back);
            }
            None if moves => self.replicas[replica as usize].waiting = Waiting::AnyNode,
            None => self.replicas[replica as usize].waiting = Waiting::Node,
        }
        let event = TraceEvent::DrainEvicted {
            component: index,
            replica: local,
            to,
        };
        tracer.event(now, event);
        self.after_change(now, index, tracer);
    }

    /// Every pod of the cordoned node is evicted: the node reboots once they have exited.
    fn reboot<T: Tracer>(&mut self, now: Duration, mut active: ActiveDrain, tracer: &mut T) {
        let Some(drain) = self
            .plan
            .maintenance
            .as_ref()
            .and_then(|m| m.drain.as_ref())
        else {
            return;
        };
        let took = self.draws(drain.stream).draw(&drain.reboot);
        let back = active.exits_by.max(now).saturating_add(took);
        active.rebooting = true;
        self.set_active_drain(Some(active));
        let node = active.node;
        tracer.event(now, TraceEvent::NodeRebooting { node, back });
        if back < self.plan.horizon {
            self.queue.push(back, Event::NodeRebooted { node });
        }
    }

    /// The drained node is back from its reboot: it is uncordoned, the pods waiting for it
    /// start there (if it has not failed meanwhile), and the next node's drain begins.
    pub(super) fn on_node_rebooted<T: Tracer>(&mut self, now: Duration, node: u32, tracer: &mut T) {
        let Some(active) = self
            .active_drain()
            .filter(|a| a.node == node && a.rebooting)
        else {
            return;
        };
        self.set_active_drain(None);
        tracer.event(now, TraceEvent::NodeRebooted { node });
        if self.node_up[node as usize] {
            self.restart_waiting_on(now, node);
        }
        self.drain_node(now, active.drain, node + 1, tracer);
    }
}

/// The evictions `component`'s disruption budget allows with every pod up, if it has one.
fn budget(component: &ComponentPlan) -> Option<u32> {
    match component.upgrade.as_ref().map(|u| &u.how) {
        Some(Replacement::Pods(pods)) => pods.disruption_budget,
        _ => None,
    }
}

/// How long `component`'s pods take to stop gracefully.
fn stop(component: &ComponentPlan) -> Duration {
    match component.upgrade.as_ref().map(|u| &u.how) {
        Some(Replacement::Pods(pods)) => pods.stop,
        _ => Duration::ZERO,
    }
}
