//! Incidents (`docs/semantics.md`, "Data protection"; SPEC section 7): logical damage and
//! site losses striking on calendar time, each recovered from the newest usable backup, or
//! the standby site, or not at all. An incident's recovery is decided when it strikes
//! (every draw made then, even what falls past the horizon); the system's expressions are
//! held down until it is over, and overlapping incidents merge into one outage, blamed on
//! the first (cause `incident/<name>`).

use super::outage::Blame;
use super::{Engine, Event, IncidentStep, Measure, STOP_CHECK_WORK, TraceEvent, Tracer};
use crate::mechanics::backup::{
    BackupDraw, BackupRun, RestoreQuery, always_fails, data_lost, draw_backup,
};
use crate::model::IncidentKind;
use crate::plan::{BackupPlan, DataPlan};
use crate::time::Duration;
use std::sync::atomic::Ordering;

/// Where an incident's data came back from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecoveredFrom {
    /// A backup.
    Backup,
    /// The standby site.
    Replication,
    /// Nowhere: the data is lost for good.
    None,
}

impl RecoveredFrom {
    /// Its name in `incidents.csv`.
    pub fn name(self) -> &'static str {
        match self {
            RecoveredFrom::Backup => "backup",
            RecoveredFrom::Replication => "replication",
            RecoveredFrom::None => "none",
        }
    }
}

/// One incident of a year, as decided when it struck.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IncidentRecord {
    /// When it struck, from the start of the year.
    pub start: Duration,
    /// Its index among the model's incidents.
    pub incident: u32,
    /// From the strike to the service serving again (not cut at the horizon).
    pub downtime: Duration,
    /// The data lost (its RPO); `None` when unrecoverable.
    pub lost: Option<Duration>,
    /// Where the data came back from.
    pub recovered_from: RecoveredFrom,
}

/// The incidents' state within a year.
#[derive(Clone, Debug, Default)]
pub(super) struct IncidentState {
    /// The system is held down until then (while `Engine::incident_down`).
    until: Duration,
    /// When the standby site is ready to take over (after a rebuild).
    standby_ready_at: Duration,
    /// Each site loss of the year: when it struck and when the site served again.
    site_losses: Vec<(Duration, Duration)>,
    /// The draws of backups 0, 1, ... of the year, drawn as far as needed.
    forward: Vec<BackupDraw>,
    /// The draws of backups −1, −2, ..., drawn as far as needed.
    past: Vec<BackupDraw>,
    /// Backups looked at by the last incident's restore: work for the stop check.
    scanned: u64,
}

impl<M: Measure> Engine<'_, M> {
    /// Resets the incidents for a new year and schedules each one's first strike.
    pub(super) fn start_incidents(&mut self) {
        let Some(data) = &self.plan.data else {
            return;
        };
        let state = &mut self.incidents;
        state.until = Duration::ZERO;
        state.standby_ready_at = Duration::ZERO;
        state.site_losses.clear();
        state.forward.clear();
        state.past.clear();
        self.incident_down = false;
        for (index, incident) in data.incidents.iter().enumerate() {
            let at = self
                .streams
                .draw(data.streams.every(index), &incident.every);
            if at < self.plan.horizon {
                let incident = index as u32;
                self.queue.push(at, Event::IncidentStrikes { incident });
            }
        }
    }

    /// Incident `incident` strikes at `now`: decides its recovery, holds the system down
    /// for it and schedules its next strike. The backups its restore looked at are work
    /// for the stop check.
    pub(super) fn on_incident<T: Tracer>(&mut self, now: Duration, incident: u32, tracer: &mut T) {
        let Some(data) = &self.plan.data else {
            return;
        };
        self.incidents.scanned = 0;
        let (record, noticed_at) = self.decide(now, incident, data);
        self.measures.incident(&mut self.outcome.measures, &record);
        trace_steps(&record, noticed_at, tracer);
        let plan = &data.incidents[incident as usize];
        let stream = data.streams.every(incident as usize);
        let next = now.saturating_add(self.streams.draw(stream, &plan.every));
        if next < self.plan.horizon {
            self.queue.push(next, Event::IncidentStrikes { incident });
        }
        self.handler_work += self.incidents.scanned;
        let end = now.saturating_add(record.downtime);
        if self.incident_down && end <= self.incidents.until {
            return;
        }
        self.incidents.until = end;
        if end < self.plan.horizon {
            self.queue.push(end, Event::IncidentOver);
        }
        if !self.incident_down {
            let blame = Blame {
                component: 0,
                mode: data.first_cause + incident,
                noticed_at: Some(noticed_at),
            };
            self.hold_down(now, true, blame, tracer);
        }
    }

    /// An incident's downtime may be over at `now` (unless a later one extended it).
    pub(super) fn on_incident_over<T: Tracer>(&mut self, now: Duration, tracer: &mut T) {
        if !self.incident_down || now < self.incidents.until {
            return;
        }
        let blame = Blame {
            component: 0,
            mode: 0,
            noticed_at: None,
        };
        self.hold_down(now, false, blame, tracer);
    }

    /// Holds every expression down from `now` (`down`), or lets each follow its components
    /// again.
    fn hold_down<T: Tracer>(&mut self, now: Duration, down: bool, blame: Blame, tracer: &mut T) {
        self.incident_down = down;
        self.measures
            .held_down(&mut self.outcome.measures, now, down);
        for expression in 0..self.expression_up.len() {
            let up = !down && self.holds(expression);
            self.set_expression(now, expression, up, blame, tracer);
        }
    }

    /// Decides the recovery of incident `incident` striking at `now`: every draw of it is
    /// made here, in a fixed order (detection, restore, failover and lag, repair: those the
    /// model has), so its outcome moves no other draw.
    /// Returns the record and when the incident is noticed.
    fn decide(
        &mut self,
        now: Duration,
        incident: u32,
        data: &DataPlan,
    ) -> (IncidentRecord, Duration) {
        let plan = &data.incidents[incident as usize];
        let stream = data.streams.recovery(incident as usize);
        let streams = &mut self.streams;
        let detect = streams.draw(stream, &plan.detect);
        let restore = data
            .backup
            .as_ref()
            .map(|b| streams.draw(stream, &b.restore));
        let standby = data.replication.as_ref().map(|r| {
            let failover = streams.draw(stream, &r.failover);
            (failover, streams.draw(stream, &r.lag))
        });
        let repair = plan.repair.as_ref().map(|r| streams.draw(stream, r));
        let noticed = now.saturating_add(detect);
        let record = |recovery: Duration, lost: Option<Duration>, from| IncidentRecord {
            start: now,
            incident,
            downtime: detect.saturating_add(recovery),
            lost,
            recovered_from: from,
        };
        let from_backup = |lost: Option<Duration>| match lost {
            Some(_) => RecoveredFrom::Backup,
            None => RecoveredFrom::None,
        };
        let record = match plan.kind {
            IncidentKind::Logical => {
                let query = RestoreQuery {
                    damage: now,
                    ready_by: noticed,
                    restore_at: noticed,
                    lost_before: None,
                };
                let lost = self.newest_backup(data, query, false);
                record(restore.unwrap_or(Duration::ZERO), lost, from_backup(lost))
            }
            IncidentKind::Site => {
                let repair = repair.unwrap_or(Duration::ZERO);
                let state = &mut self.incidents;
                let outcome = match standby {
                    Some((failover, lag)) if state.standby_ready_at <= now => {
                        // The lost site is rebuilt, as the new standby, once it is noticed.
                        state.standby_ready_at = noticed.saturating_add(repair);
                        record(failover, Some(lag), RecoveredFrom::Replication)
                    }
                    _ => {
                        let query = RestoreQuery {
                            damage: now,
                            ready_by: now,
                            restore_at: noticed,
                            lost_before: None,
                        };
                        let lost = self.newest_backup(data, query, true);
                        record(repair, lost, from_backup(lost))
                    }
                };
                let back = now.saturating_add(outcome.downtime);
                self.incidents.site_losses.push((now, back));
                outcome
            }
        };
        (record, noticed)
    }

    /// The data lost restoring the newest usable backup for `query`, or `None` (no
    /// `[backup]`, or none usable); `site` for a site loss, which takes every copy kept on
    /// the site.
    fn newest_backup(
        &mut self,
        data: &DataPlan,
        query: RestoreQuery,
        site: bool,
    ) -> Option<Duration> {
        let backup = data.backup.as_ref()?;
        // Every backup failing, none is usable: a search of backups kept for ever would
        // not end.
        if (site && !backup.offsite) || always_fails(backup.fails) {
            return None;
        }
        // A site loss took every backup kept on the site that started before it.
        let query = RestoreQuery {
            lost_before: (!backup.offsite)
                .then(|| self.incidents.site_losses.iter().map(|l| l.0).max())
                .flatten(),
            ..query
        };
        let stop = self.stop;
        let state = &mut self.incidents;
        let (forward, past, losses) = (&mut state.forward, &mut state.past, &state.site_losses);
        let scanned = &mut state.scanned;
        let streams = &mut self.streams;
        let (history, earlier) = (data.streams.history(), data.streams.past());
        let draw = |index: i64| {
            // A search may cover a year of backups: it looks at the stop flag as the
            // event loop does, once per STOP_CHECK_WORK backups.
            *scanned += 1;
            if scanned.is_multiple_of(STOP_CHECK_WORK)
                && stop.is_some_and(|s| s.load(Ordering::Relaxed))
            {
                return None;
            }
            let (draws, stream, at) = if index >= 0 {
                (&mut *forward, history, index as usize)
            } else {
                (&mut *past, earlier, (-index - 1) as usize)
            };
            while draws.len() <= at {
                draws.push(draw_backup(
                    &mut streams.on(stream),
                    &backup.duration,
                    backup.fails,
                ));
            }
            Some(draws[at])
        };
        let lost = |run: BackupRun| lost_with_a_site(run, backup, losses);
        let run = backup.schedule.newest_usable(query, draw, lost)?;
        Some(data_lost(query.damage, run))
    }
}

/// Tells `tracer` the steps of the incident `record`, noticed at `noticed`.
fn trace_steps<T: Tracer>(record: &IncidentRecord, noticed: Duration, tracer: &mut T) {
    let now = record.start;
    let step = |at: Duration, step| TraceEvent::IncidentStep {
        incident: record.incident,
        at,
        step,
    };
    let recovery = match (record.recovered_from, record.lost) {
        (RecoveredFrom::Backup, Some(lost)) => IncidentStep::FromBackup {
            start: (lost <= now).then(|| now.saturating_sub(lost)),
            lost,
        },
        (RecoveredFrom::Replication, Some(lag)) => IncidentStep::FromStandby { lag },
        _ => IncidentStep::Unrecoverable,
    };
    let back = now.saturating_add(record.downtime);
    tracer.event(now, step(now, IncidentStep::Struck));
    tracer.event(now, step(noticed, IncidentStep::Detected));
    tracer.event(now, step(noticed, recovery));
    tracer.event(now, step(back, IncidentStep::ServiceBack));
}

/// Whether backup `run` was lost with a site (or never ran, the site being lost): `losses`
/// are the year's site losses, each (struck, served again).
fn lost_with_a_site(run: BackupRun, backup: &BackupPlan, losses: &[(Duration, Duration)]) -> bool {
    let us = |d: Duration| d.as_micros() as i64;
    losses.iter().any(|&(struck, back)| {
        let (struck, back) = (us(struck), us(back));
        let taken = run.start_us < struck && (!backup.offsite || run.end_us > struck);
        let never_ran = (struck..back).contains(&run.start_us);
        taken || never_ran
    })
}
