//! The leader office: who holds it, when it falls vacant, and elections.

use super::{Engine, Event, Measure, TraceEvent, Tracer};
use crate::mechanics::leader::Election;
use crate::mechanics::rollout;
use crate::time::Duration;

/// The state of a component's leader office.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Office {
    /// Held by this global replica.
    Held(u32),
    /// Vacant, with an election running.
    Electing,
    /// Vacant, waiting for enough replicas to start an election.
    Vacant,
}

impl Office {
    /// True while no leader holds it.
    pub(super) fn is_vacant(office: Option<Office>) -> bool {
        matches!(office, Some(Office::Electing | Office::Vacant))
    }
}

impl<M: Measure> Engine<'_, M> {
    /// After `replica` of component `index` went down: the office is vacated when its
    /// holder failed, or when the leader lost its quorum.
    pub(super) fn vacate_if_lost<T: Tracer>(
        &mut self,
        now: Duration,
        index: u32,
        replica: u32,
        tracer: &mut T,
    ) {
        let needs = self.plan.components[index as usize].needs;
        let component = &mut self.components[index as usize];
        let Some(Office::Held(holder)) = component.office else {
            return;
        };
        if holder == replica || component.up < needs {
            component.vacate(now);
            tracer.event(now, TraceEvent::LeaderLost { component: index });
        }
    }

    /// Starts an election for a vacant office of component `index` once enough replicas
    /// are up; it lasts a draw of the component's leader mechanism (less what a lease
    /// already ran out while the office waited), or of its handover when the last holder
    /// stopped gracefully (`mechanics::rollout::handover`).
    pub(super) fn maybe_start_election<T: Tracer>(
        &mut self,
        now: Duration,
        index: u32,
        tracer: &mut T,
    ) {
        let component = &self.plan.components[index as usize];
        let state = self.components[index as usize];
        let (Some(Office::Vacant), Some(leader)) = (state.office, &component.leader) else {
            return;
        };
        if state.up < component.needs {
            return;
        }
        let mut draws = self.draws(component.streams.election);
        let election = if state.handed_over {
            Election {
                duration: rollout::handover(leader, state.up, &mut draws),
                lease_ran_out: false,
            }
        } else {
            let vacant_for = match state.lease_run_out {
                true => Duration::NEVER,
                false => now.saturating_sub(state.vacated_at),
            };
            leader.draw(state.up, vacant_for, &mut draws)
        };
        let duration = election.duration;
        self.components[index as usize].handed_over = false;
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
                handover: state.handed_over,
                lease_ran_out: election.lease_ran_out,
            },
        );
    }

    /// An election ends: the up replica with the lowest index takes the office, or, with
    /// too few replicas up, the office waits, and a new election starts when enough are up
    /// again (`docs/semantics.md`, level 1).
    pub(super) fn on_election_end<T: Tracer>(&mut self, now: Duration, index: u32, tracer: &mut T) {
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
            state.office = Some(Office::Vacant);
            state.lease_run_out = true;
            tracer.event(now, TraceEvent::ElectionFailed { component: index });
        }
        self.refresh(now, index, tracer);
    }
}
