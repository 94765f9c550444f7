//! Bad rollouts (`docs/semantics.md`, "Planned work"): an upgrade that ships a broken
//! version. Each replica of the first upgraded component fails from the moment its new
//! version is ready until the rollback ends, `detect` + `rollback` after the first broken
//! replica was ready; then the old version serves again and the upgrade ends there. A
//! broken replica passes its readiness checks, so the rollout goes on to the next replica
//! meanwhile (that is what turns a bad version into an outage); the next component waits
//! for the rollback, which ends the upgrade.

use super::{Engine, Event, Measure, TraceEvent, Tracer, UpgradeStep};
use crate::mechanics::Draw;
use crate::time::Duration;

/// The resolution of the draw deciding whether an upgrade is bad: one in a million.
const CHANCES: u64 = 1_000_000;

impl<M: Measure> Engine<'_, M> {
    /// Draws whether the upgrade beginning now is bad and, if so, how long from its first
    /// broken replica to the end of its rollback. Three draws every upgrade, bad or not, so
    /// one upgrade's outcome moves no other's.
    pub(super) fn draw_bad_rollout(&mut self) -> Option<Duration> {
        let bad = self.plan.maintenance.as_ref()?.bad_rollout.as_ref()?;
        let mut draws = self.draws(bad.stream);
        let chance = draws.below(Duration::from_micros(CHANCES)).as_micros();
        let lasts = draws
            .draw(&bad.detect)
            .saturating_add(draws.draw(&bad.rollback));
        let threshold = (bad.probability * CHANCES as f64).round() as u64;
        (chance < threshold).then_some(lasts)
    }

    /// `replica`'s new version is ready at `now`: if the upgrade is bad and this is its
    /// first component, the replica fails instead of serving (true), until the rollback.
    pub(super) fn breaks_when_ready<T: Tracer>(
        &mut self,
        now: Duration,
        replica: u32,
        tracer: &mut T,
    ) -> bool {
        let horizon = self.plan.horizon;
        let Some(active) = self.active_mut() else {
            return false;
        };
        let (Some(lasts), 0) = (active.bad, active.position) else {
            return false;
        };
        let until = match active.rolled_back_at {
            Some(until) => until,
            None => {
                let until = now.saturating_add(lasts);
                active.rolled_back_at = Some(until);
                if until < horizon {
                    self.queue.push(until, Event::RolledBack);
                }
                until
            }
        };
        if now >= until {
            return false;
        }
        let (component, local) = self.locate(replica);
        let index = self.plan.replica_component[replica as usize];
        let cause = component.bad_rollout_cause();
        self.take_down(now, replica, cause, Duration::ZERO, Duration::ZERO, tracer);
        // Down already (its upgrade stopped it), it is now down for the broken version.
        let state = &mut self.components[index as usize];
        state.last_failed = replica;
        state.last_mode = cause;
        self.reblame_outage(index, cause);
        self.set_slot(replica, super::maintenance::Slot::Broken);
        tracer.event(
            now,
            TraceEvent::UpgradeStep {
                component: index,
                replica: local,
                step: UpgradeStep::Broken { until },
            },
        );
        self.schedule_repair(replica, until);
        self.after_change(now, index, tracer);
        if let Some(active) = self.active_mut() {
            active.in_flight -= 1;
        }
        self.advance(now, tracer);
        true
    }

    /// The rollback of the bad upgrade in progress ends: its broken replicas serve the old
    /// version again (their returns are due now), and no further replica is upgraded.
    /// (Stale if that upgrade is over.)
    pub(super) fn on_rolled_back<T: Tracer>(&mut self, now: Duration, tracer: &mut T) {
        let Some(active) = self.active_mut().filter(|a| a.rolled_back_at == Some(now)) else {
            return;
        };
        active.next = 0;
        active.rolled_back = true;
        let upgrade = active.upgrade;
        tracer.event(now, TraceEvent::UpgradeRolledBack { upgrade });
        self.advance(now, tracer);
    }
}
