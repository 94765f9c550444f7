//! Sessions kept in a store component: their expiry while the store is gone, and the
//! shut-down and restart of the components holding them.

use super::{Engine, Event, Measure, TraceEvent, Tracer, Waiting, replicas};
use crate::mechanics::{Draw, lease, routing};
use crate::time::Duration;

impl<M: Measure> Engine<'_, M> {
    /// The sessions of component `index` expire: every replica shuts down and waits for
    /// the store to serve again.
    pub(super) fn on_session_expired<T: Tracer>(
        &mut self,
        now: Duration,
        index: u32,
        tracer: &mut T,
    ) {
        let component = &self.plan.components[index as usize];
        self.components[index as usize].session_expiry = None;
        if let Some(session) = &component.session {
            self.queue_next_session_expiry(session.store as u32);
        }
        tracer.event(now, TraceEvent::SessionLost { component: index });
        // Every replica shuts down: work for the stop check.
        self.handler_work += u64::from(component.replicas);
        for replica in component.first_replica..component.first_replica + component.replicas {
            // The replicas shut down: they leave the endpoints as soon as that propagates.
            let routed =
                routing::routed_for(Duration::ZERO, None, replicas::propagation(component));
            self.take_down(
                now,
                replica,
                component.session_cause(),
                Duration::ZERO,
                routed,
                tracer,
            );
            self.replicas[replica as usize].waiting = Waiting::Store;
        }
        self.after_change(now, index, tracer);
    }

    /// Component `store` changed serving: components keeping sessions in it start their
    /// expiry clocks (the session has what is left of its lease), or (when it is back)
    /// cancel them and restart what shut down.
    ///
    /// A store is usually back long before any session expires (an etcd election takes a
    /// second or two, a session lives 2/3 to all of its TTL), so every expiry would be
    /// queued only to pop as stale: instead each holder keeps its expiry with a reserved
    /// place in the queue's order, and only the earliest is queued. The order of pops is
    /// the same as with all of them queued.
    pub(super) fn notify_session_holders(&mut self, now: Duration, store: u32, serving: bool) {
        let plan = self.plan;
        for &index in &plan.components[store as usize].session_holders {
            let component = &plan.components[index as usize];
            let (Some(session), Some(stream)) = (&component.session, component.streams.session)
            else {
                continue;
            };
            let state = &mut self.components[index as usize];
            state.session_generation = state.session_generation.wrapping_add(1);
            state.session_expiry = None;
            if serving {
                // Every replica is looked at: work for the stop check.
                self.handler_work += u64::from(component.replicas);
                let first = component.first_replica;
                for replica in first..first + component.replicas {
                    if self.replicas[replica as usize].waiting == Waiting::Store {
                        self.replicas[replica as usize].waiting = Waiting::Nothing;
                        let back = self.restart(replica, now, now);
                        self.schedule_repair(replica, back);
                    }
                }
            } else {
                let remaining = self.draws(stream).draw(&lease::remaining(session.ttl));
                let at = now.saturating_add(remaining);
                if at < plan.horizon {
                    let seq = self.queue.reserve();
                    self.components[index as usize].session_expiry = Some((at, seq));
                }
            }
        }
        if !serving {
            self.queue_next_session_expiry(store);
        }
    }

    /// Queues the earliest pending session expiry of the holders of `store`, in its
    /// reserved place, if there is one.
    fn queue_next_session_expiry(&mut self, store: u32) {
        let holders = &self.plan.components[store as usize].session_holders;
        let next = holders
            .iter()
            .filter_map(|&index| {
                let state = &self.components[index as usize];
                state.session_expiry.map(|key| (key, index))
            })
            .min();
        if let Some(((at, seq), component)) = next {
            let generation = self.components[component as usize].session_generation;
            self.queue.push_reserved(
                at,
                seq,
                Event::SessionExpired {
                    component,
                    generation,
                },
            );
        }
    }
}
