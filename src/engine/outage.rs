//! Serving, expressions and outages: which components serve, which expressions are up,
//! and where the time of each system outage went.

use super::office::Office;
use super::{Engine, Measure, TraceEvent, Tracer};
use crate::plan::Plan;
use crate::time::Duration;

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

/// The system outage in progress, accounted up to `accounted_to`.
#[derive(Clone, Copy, Debug)]
pub(super) struct OpenOutage {
    start: Duration,
    component: u32,
    mode: u32,
    phases: Phases,
    accounted_to: Duration,
    /// For an outage an incident brought about: when the incident was noticed (its time
    /// before that is detection, the rest repair).
    noticed_at: Option<Duration>,
}

/// What a system outage opened by an expression's change is blamed on.
#[derive(Clone, Copy, Debug)]
pub(super) struct Blame {
    /// The component whose cause it is.
    pub component: u32,
    /// The cause, an index into the component's causes.
    pub mode: u32,
    /// For an incident: when it is noticed.
    pub noticed_at: Option<Duration>,
}

/// Whether expression `expression` of `plan` holds on the components' serving alone
/// (`serving`): a conjunction (`conjunction`) when none of its components is down
/// (`not_serving`, its count of them), any other expression by evaluating it. The flag and
/// count are values so that `refresh`, which has just updated the count, reads neither
/// again.
#[inline(always)]
fn expression_holds(
    plan: &Plan,
    expression: usize,
    conjunction: bool,
    not_serving: u32,
    serving: &[bool],
) -> bool {
    if conjunction {
        not_serving == 0
    } else {
        plan.expressions[expression].eval(serving)
    }
}

impl<M: Measure> Engine<'_, M> {
    /// After replicas of component `index` went down or came up: elections, and serving.
    pub(super) fn after_change<T: Tracer>(&mut self, now: Duration, index: u32, tracer: &mut T) {
        self.maybe_start_election(now, index, tracer);
        self.refresh(now, index, tracer);
    }

    fn is_serving(&self, index: u32) -> bool {
        let state = &self.components[index as usize];
        state.up >= self.plan.components[index as usize].needs && !Office::is_vacant(state.office)
    }

    /// Re-evaluates component `index` and, if it changed, the expressions naming it.
    pub(super) fn refresh<T: Tracer>(&mut self, now: Duration, index: u32, tracer: &mut T) {
        let plan = self.plan;
        let serving = self.is_serving(index);
        if serving == self.serving[index as usize] {
            return;
        }
        self.serving[index as usize] = serving;
        let year = &mut self.outcome;
        self.downtime
            .serving_changed(&mut year.expressions, now, index, serving);
        self.measures
            .serving_changed(&mut year.measures, now, index, serving);
        self.notify_session_holders(now, index, serving);
        let up = self.components[index as usize].up;
        tracer.event(
            now,
            TraceEvent::ComponentChanged {
                component: index,
                serving,
                up,
            },
        );
        for &expression in &plan.readers[index as usize] {
            let conjunction = plan.conjunctions[expression];
            let not_serving = &mut self.not_serving[expression];
            if conjunction {
                *not_serving = if serving {
                    *not_serving - 1
                } else {
                    *not_serving + 1
                };
            }
            let up = expression_holds(plan, expression, conjunction, *not_serving, &self.serving);
            // Only a failure can take a monotone expression down, so the component that
            // changed has just failed, with its last mode.
            let blame = Blame {
                component: index,
                mode: self.components[index as usize].last_mode,
                noticed_at: None,
            };
            self.set_expression(now, expression, up && !self.incident_down, blame, tracer);
        }
    }

    /// Whether expression `expression` holds on the components' serving alone.
    pub(super) fn holds(&self, expression: usize) -> bool {
        let conjunction = self.plan.conjunctions[expression];
        let not_serving = self.not_serving[expression];
        expression_holds(
            self.plan,
            expression,
            conjunction,
            not_serving,
            &self.serving,
        )
    }

    /// Expression `expression` is `up` from `now`: if that changes it, opens a down
    /// interval (and for the system's an outage blamed on `blame`) or marks the one open as
    /// ending, which [`Engine::settle`] records once time has moved on.
    pub(super) fn set_expression<T: Tracer>(
        &mut self,
        now: Duration,
        expression: usize,
        up: bool,
        blame: Blame,
        tracer: &mut T,
    ) {
        if up == self.expression_up[expression] {
            return;
        }
        self.expression_up[expression] = up;
        tracer.event(now, TraceEvent::ExpressionChanged { expression, up });
        if up {
            // The down interval (and the system's outage) ends only if the expression is
            // still up when time moves on: one that goes down again at this same
            // microsecond (an upgrade's next step) was up for no time, and an outage is a
            // maximal interval, so it goes on.
            self.settling.push(expression);
            self.settle_at = now;
            return;
        }
        if let Some(at) = self.settling.iter().position(|&e| e == expression) {
            self.settling.swap_remove(at);
            return;
        }
        self.down_since[expression] = now;
        if expression == 0 {
            self.open_outage = Some(OpenOutage {
                start: now,
                component: blame.component,
                mode: blame.mode,
                phases: Phases::default(),
                accounted_to: now,
                noticed_at: blame.noticed_at,
            });
        }
    }

    /// Ends the down intervals of the expressions that came up before `now` and stayed up:
    /// their downtime is recorded and the system's outage, if it came up, closed.
    pub(super) fn settle<T: Tracer>(&mut self, now: Duration, tracer: &mut T) {
        if self.settling.is_empty() || now <= self.settle_at {
            return;
        }
        let at = self.settle_at;
        for index in 0..self.settling.len() {
            let expression = self.settling[index];
            let down = at.saturating_sub(self.down_since[expression]);
            self.record_down(expression, down);
            if expression == 0 {
                self.close_outage(at, tracer);
            }
        }
        self.settling.clear();
    }

    /// Blames the open outage, if component `component` brought it about, on that
    /// component's cause `mode` instead (a bad rollout that turns an upgrade's downtime into
    /// its own).
    pub(super) fn reblame_outage(&mut self, component: u32, mode: u32) {
        if let Some(outage) = &mut self.open_outage
            && outage.component == component
        {
            outage.mode = mode;
        }
    }

    /// Tells the measures of one ended (or cut) interval in which `expression` was down.
    fn record_down(&mut self, expression: usize, down: Duration) {
        let year = &mut self.outcome;
        self.downtime
            .expression_down(&mut year.expressions, expression, down);
        self.measures
            .expression_down(&mut year.measures, expression, down);
    }

    /// Attributes the time since the last event to the open outage's phases. Inlined for
    /// the test alone: it runs before every event, and most events find no outage open.
    #[inline(always)]
    pub(super) fn account_outage(&mut self, now: Duration) {
        if let Some(outage) = self.open_outage {
            self.account_open_outage(now, outage);
        }
    }

    #[inline(never)]
    fn account_open_outage(&mut self, now: Duration, outage: OpenOutage) {
        let span = now.saturating_sub(outage.accounted_to);
        if span == Duration::ZERO {
            return;
        }
        // The clock of what the outage waits for: an incident's, or the blamed component's
        // last failure; `None` while it waits for an election.
        let failure = match outage.noticed_at {
            Some(noticed_at) => Some((outage.start, noticed_at)),
            None => self.blamed_failure(&outage),
        };
        let mut phases = outage.phases;
        match failure {
            None => phases.elect = phases.elect.saturating_add(span),
            Some((failed_at, noticed_at)) => {
                let from = outage.accounted_to.max(failed_at);
                let detecting = now.min(noticed_at).saturating_sub(from);
                phases.detect = phases.detect.saturating_add(detecting);
                phases.repair = phases.repair.saturating_add(span.saturating_sub(detecting));
            }
        }
        self.open_outage = Some(OpenOutage {
            phases,
            accounted_to: now,
            ..outage
        });
    }

    /// When the blamed component's last failure struck and was noticed, or `None` while it
    /// has enough replicas but no leader (an election). The blamed component is the
    /// outage's cause while that is not serving, else the first component that is not.
    fn blamed_failure(&self, outage: &OpenOutage) -> Option<(Duration, Duration)> {
        let blamed = if self.serving[outage.component as usize] {
            self.serving
                .iter()
                .position(|s| !s)
                .map_or(outage.component, |i| i as u32)
        } else {
            outage.component
        };
        let state = &self.components[blamed as usize];
        if Office::is_vacant(state.office)
            && state.up >= self.plan.components[blamed as usize].needs
        {
            return None;
        }
        let replica = &self.replicas[state.last_failed as usize];
        Some((replica.failed_at, replica.noticed_at))
    }

    /// Ends the open outage at `now`. One that lasted no time (the system went down and
    /// came back at the same microsecond, as a zero repair does) is no outage: an outage
    /// is a maximal interval of positive length, so it is neither counted nor traced as one
    /// (the trace still shows the instant's changes of the expression).
    fn close_outage<T: Tracer>(&mut self, now: Duration, tracer: &mut T) {
        if let Some(open) = self.open_outage.take()
            && now > open.start
        {
            let outage = Outage {
                start: open.start,
                duration: now.saturating_sub(open.start),
                component: open.component,
                mode: open.mode,
                phases: open.phases,
            };
            tracer.event(now, TraceEvent::OutageEnded { outage });
            let year = &mut self.outcome;
            self.downtime.outage_ended(&mut year.expressions, &outage);
            self.measures.outage_ended(&mut year.measures, &outage);
        }
    }

    /// Cuts whatever is still down at the end of the year, where it counts at its cut length.
    pub(super) fn end_year<T: Tracer>(&mut self, tracer: &mut T) {
        let horizon = self.plan.horizon;
        self.settle(horizon, tracer);
        self.account_outage(horizon);
        for expression in 0..self.expression_up.len() {
            if !self.expression_up[expression] {
                let down = horizon.saturating_sub(self.down_since[expression]);
                self.record_down(expression, down);
            }
        }
        self.close_outage(horizon, tracer);
        self.measures.year_ended(&mut self.outcome.measures);
        tracer.event(horizon, TraceEvent::YearEnd);
    }
}
