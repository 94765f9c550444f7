//! Nodes: their failures and repairs, and what happens to the pods on them.

use super::{Engine, Event, Measure, TraceEvent, Tracer, Waiting, replicas};
use crate::mechanics::routing;
use crate::mechanics::streams::NodePurpose;
use crate::time::Duration;

impl<M: Measure> Engine<'_, M> {
    /// Brings every node up for a new year and schedules its first failure.
    pub(super) fn start_nodes(&mut self) {
        let nodes = self.plan.nodes.as_ref().map_or(0, |n| n.count as usize);
        self.node_up.clear();
        self.node_up.resize(nodes, true);
        for node in 0..nodes as u32 {
            self.schedule_node_failure(Duration::ZERO, node);
        }
    }

    /// Schedules node `node`'s next failure, `now` being when it came up.
    fn schedule_node_failure(&mut self, now: Duration, node: u32) {
        let plan = self.plan;
        let Some(nodes) = &plan.nodes else {
            return;
        };
        let Some(failure) = &nodes.failure else {
            return;
        };
        let stream = nodes.stream(node, NodePurpose::Every);
        let up_for = failure.draw_up_for(&mut self.draws(stream));
        let at = now.saturating_add(up_for);
        if at < plan.horizon {
            self.queue.push(at, Event::NodeFail { node });
        }
    }

    /// A node fails: every pod replica on it goes down. The node lifecycle controller
    /// notices (see `mechanics::node`); Deployment replicas are evicted and recreated
    /// elsewhere, unless the node is back first; StatefulSet replicas wait for their node.
    pub(super) fn on_node_fail<T: Tracer>(&mut self, now: Duration, node: u32, tracer: &mut T) {
        let plan = self.plan;
        let Some(nodes) = &plan.nodes else {
            return;
        };
        let down_for = match &nodes.failure {
            Some(failure) => {
                failure.draw_down_for(&mut self.draws(nodes.stream(node, NodePurpose::Repair)))
            }
            None => Duration::ZERO,
        };
        let back = now.saturating_add(down_for);
        self.node_up[node as usize] = false;
        if back < plan.horizon {
            self.queue.push(back, Event::NodeRepaired { node });
        }
        let monitor = nodes.stream(node, NodePurpose::Monitor);
        let noticed = nodes.lifecycle.draw_notice(&mut self.draws(monitor));
        let evicted_at = now.saturating_add(nodes.lifecycle.eviction_after(noticed));
        tracer.event(now, TraceEvent::NodeFailed { node, down_for });
        let mut touched = std::mem::take(&mut self.touched);
        touched.clear();
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
                self.with_reload(now, replica, Duration::NEVER).0
            } else {
                Duration::NEVER
            };
            let routed = routing::routed_for(noticed, None, replicas::propagation(component));
            self.take_down(
                now,
                replica,
                component.node_cause(),
                noticed,
                routed,
                tracer,
            );
            let state = &mut self.replicas[replica as usize];
            if reassigned < evicted_at.min(back) {
                // Its share moves to another replica; the shard counts as this replica.
                self.schedule_repair(replica, reassigned);
            } else if pod.pod.moves_off_failed_nodes && evicted_at < back {
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
        for &index in &touched {
            self.after_change(now, index, tracer);
        }
        self.touched = touched;
    }

    /// A node runs pods again: the replicas that waited for it restart there, and so do
    /// Deployment replicas that found no node.
    pub(super) fn on_node_repaired<T: Tracer>(&mut self, now: Duration, node: u32, tracer: &mut T) {
        self.node_up[node as usize] = true;
        tracer.event(now, TraceEvent::NodeRepaired { node });
        self.schedule_node_failure(now, node);
        // A node being drained runs nothing until its reboot is over.
        if self.cordoned() != Some(node) {
            self.restart_waiting_on(now, node);
        }
    }

    /// Starts on `node` the replicas waiting for it, and Deployment replicas that found no
    /// node.
    pub(super) fn restart_waiting_on(&mut self, now: Duration, node: u32) {
        for replica in 0..self.replicas.len() as u32 {
            let state = self.replicas[replica as usize];
            let here = state.waiting == Waiting::Node && state.node == node;
            if here || state.waiting == Waiting::AnyNode {
                self.start_new_pod(now, replica, node);
            }
        }
    }

    /// A Deployment replica is evicted from its failed node; the ReplicaSet creates its
    /// replacement at once (see [`Engine::place`]).
    pub(super) fn on_evict<T: Tracer>(&mut self, now: Duration, replica: u32, tracer: &mut T) {
        let local = self.locate(replica).1;
        let chosen = self.place(replica);
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

    /// Where the replacement of an evicted Deployment replica goes: an up node that is not
    /// cordoned, preferring one without a replica of the same component (anti-affinity),
    /// searching from the next node on; `None` when no node is schedulable.
    pub(super) fn place(&mut self, replica: u32) -> Option<u32> {
        let (component, _) = self.locate(replica);
        let count = self.node_up.len() as u32;
        let from = self.replicas[replica as usize].node;
        let cordoned = self.cordoned();
        let candidates = (1..=count)
            .map(|step| (from + step) % count)
            .filter(|n| self.node_up[*n as usize] && cordoned != Some(*n));
        // The nodes of the other replicas of the component, marked in one pass (not
        // searched for each candidate node, which cost nodes x replicas per eviction).
        let mut crowded = std::mem::take(&mut self.crowded);
        crowded.clear();
        crowded.resize(count as usize, false);
        let first = component.first_replica as usize;
        for sibling in first..first + component.replicas as usize {
            let node = self.replicas[sibling].node as usize;
            if sibling != replica as usize && node < crowded.len() {
                crowded[node] = true;
            }
        }
        let chosen = candidates
            .clone()
            .find(|n| !crowded[*n as usize])
            .or_else(|| candidates.clone().next());
        self.crowded = crowded;
        chosen
    }
}
