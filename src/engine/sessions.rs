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
        tracer.event(now, TraceEvent::SessionLost { component: index });
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
                let remaining = self.draws(stream).draw(&lease::remaining(session.ttl));
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
}
