//! `nines trace`: the event log of one simulated year as text, one line per event.

use crate::engine::{TraceEvent, Tracer, UpgradeStep};
use crate::plan::Plan;
use crate::time::Duration;
use std::io::{self, Write};

/// Writes trace events as lines `time  what happened`. Instants are the day and clock time
/// of the simulated year (`d4 07:43:39.964`) and durations in the model's syntax
/// (`45m49.507126s`); with [`TraceWriter::in_seconds`], both are seconds from the start of
/// the year, exact to the microsecond (`373419.964402`, `2749.507126s`).
pub struct TraceWriter<'p, W: Write> {
    plan: &'p Plan,
    out: W,
    error: Option<io::Error>,
    seconds: bool,
}

impl<'p, W: Write> TraceWriter<'p, W> {
    /// A writer for traces of `plan`.
    pub fn new(plan: &'p Plan, out: W) -> Self {
        TraceWriter {
            plan,
            out,
            error: None,
            seconds: false,
        }
    }

    /// The writer with every time in seconds (`seconds`), or in day, clock time and the
    /// model's duration syntax.
    pub fn in_seconds(mut self, seconds: bool) -> Self {
        self.seconds = seconds;
        self
    }

    /// The header naming the columns, of a trace in seconds or not.
    pub fn header(seconds: bool) -> &'static str {
        if seconds {
            "#       time_s  event"
        } else {
            "#               time  event"
        }
    }

    /// A duration as this trace writes every duration.
    pub fn span(&self, duration: Duration) -> String {
        if self.seconds {
            format!("{}s", duration.as_secs_f64())
        } else {
            duration.to_string()
        }
    }

    /// An instant inside a line: `d4 07:43:39.964`, or `373419.964402s`.
    fn moment(&self, at: Duration) -> String {
        if self.seconds {
            format!("{}s", at.as_secs_f64())
        } else {
            super::format::day_clock(at)
        }
    }

    /// An instant in the time column.
    fn instant(&self, at: Duration) -> String {
        if self.seconds {
            format!(
                "{}.{:06}",
                at.as_micros() / 1_000_000,
                at.as_micros() % 1_000_000
            )
        } else {
            super::format::day_clock(at)
        }
    }

    /// Flushes, returning the first write error, if any.
    pub fn finish(mut self) -> io::Result<W> {
        if let Some(error) = self.error.take() {
            return Err(error);
        }
        self.out.flush()?;
        Ok(self.out)
    }

    fn describe(&self, event: &TraceEvent) -> String {
        let component = |index: u32| self.plan.components[index as usize].name.as_str();
        match *event {
            TraceEvent::YearStart { year } => format!(
                "year {year} starts: {} of {} up, every leader office held",
                super::count(self.plan.replica_count() as u64, "replica"),
                super::count(self.plan.components.len() as u64, "component")
            ),
            TraceEvent::ReplicaFailed {
                component: c,
                replica,
                mode,
                detect,
                repair,
            } => {
                let mode = self.plan.components[c as usize].cause_name(mode);
                format!(
                    "{}/{replica} fails ({mode}): noticed after {}, then repair takes {}",
                    component(c),
                    self.span(detect),
                    self.span(repair)
                )
            }
            TraceEvent::ReplicaRepaired {
                component: c,
                replica,
            } => format!("{}/{replica} serves again", component(c)),
            TraceEvent::LeaderLost { component: c } => {
                format!("{}: leader office vacated", component(c))
            }
            TraceEvent::ElectionStarted {
                component: c,
                duration,
            } => {
                format!(
                    "{}: election starts, lasts {}",
                    component(c),
                    self.span(duration)
                )
            }
            TraceEvent::LeaderElected {
                component: c,
                replica,
            } => {
                format!(
                    "{}: {}/{replica} elected leader",
                    component(c),
                    component(c)
                )
            }
            TraceEvent::ElectionFailed { component: c } => {
                format!(
                    "{}: election ends without enough replicas up; the office waits",
                    component(c)
                )
            }
            TraceEvent::ComponentChanged {
                component: c,
                serving,
                up,
            } => {
                let total = self.plan.components[c as usize].replicas;
                let state = if serving { "serving" } else { "NOT serving" };
                format!("{}: {state} ({up}/{total} replicas up)", component(c))
            }
            TraceEvent::ExpressionChanged { expression, up } => {
                let name = &self.plan.expression_names[expression];
                let what = if expression == 0 {
                    "system".to_string()
                } else {
                    format!("service {name}")
                };
                format!("{what} {}", if up { "UP" } else { "DOWN" })
            }
            TraceEvent::OutageEnded { outage } => {
                let c = &self.plan.components[outage.component as usize];
                let p = outage.phases;
                format!(
                    "outage ends: started at {}, lasted {}, cause {} (detect {}, elect {}, repair {})",
                    self.moment(outage.start),
                    self.span(outage.duration),
                    c.causes[outage.mode as usize],
                    self.span(p.detect),
                    self.span(p.elect),
                    self.span(p.repair)
                )
            }
            TraceEvent::NodeFailed { node, down_for } => {
                format!(
                    "node {node} fails for {}; its pods go down",
                    self.span(down_for)
                )
            }
            TraceEvent::NodeRepaired { node } => format!("node {node} runs pods again"),
            TraceEvent::Evicted {
                component: c,
                replica,
                to,
            } => match to {
                Some(node) => format!(
                    "{}/{replica} evicted; its replacement starts on node {node}",
                    component(c)
                ),
                None => format!(
                    "{}/{replica} evicted; no node is up, its replacement is pending",
                    component(c)
                ),
            },
            TraceEvent::SessionLost { component: c } => {
                format!(
                    "{}: session expired; every replica shuts down until the store serves again",
                    component(c)
                )
            }
            TraceEvent::DrainStarted { drain } => format!("node drain {drain} begins"),
            TraceEvent::NodeCordoned { node } => {
                format!("node {node} cordoned; its pods are evicted")
            }
            TraceEvent::EvictionWaits {
                component: c,
                replica,
            } => format!(
                "{}/{replica}: eviction waits, its disruption budget allows none now",
                component(c)
            ),
            TraceEvent::DrainEvicted {
                component: c,
                replica,
                to,
            } => match to {
                Some(node) => format!(
                    "{}/{replica} evicted by the drain; its replacement starts on node {node}",
                    component(c)
                ),
                None => format!(
                    "{}/{replica} evicted by the drain; it waits for a node",
                    component(c)
                ),
            },
            TraceEvent::NodeRebooting { node, back } => format!(
                "node {node} drained; it reboots, back at {}",
                self.moment(back)
            ),
            TraceEvent::NodeRebooted { node } => {
                format!("node {node} rebooted and uncordoned")
            }
            TraceEvent::DrainFinished { drain } => format!("node drain {drain} is done"),
            TraceEvent::UpgradeStarted { upgrade } => format!("upgrade {upgrade} begins"),
            TraceEvent::UpgradeFinished { upgrade } => format!("upgrade {upgrade} is done"),
            TraceEvent::UpgradeRolledBack { upgrade } => format!(
                "upgrade {upgrade} rolled back: the old version serves again; nothing further is upgraded"
            ),
            TraceEvent::UpgradeStep {
                component: c,
                replica,
                step,
            } => {
                let name = component(c);
                match step {
                    UpgradeStep::AwaitingBack => format!(
                        "{name}/{replica}: its upgrade waits until it is back from its failure"
                    ),
                    UpgradeStep::Stopped { back } => format!(
                        "{name}/{replica} stops for its upgrade; serves again at {}s",
                        back.as_secs_f64()
                    ),
                    UpgradeStep::Surged { available } => format!(
                        "{name}/{replica}: a new pod starts beside it, available at {}s; the old one stops then",
                        available.as_secs_f64()
                    ),
                    UpgradeStep::Broken { until } => format!(
                        "{name}/{replica}: its new version is broken and does not serve; rolled back at {}s",
                        until.as_secs_f64()
                    ),
                    UpgradeStep::Done => format!("{name}/{replica} upgraded"),
                }
            }
            TraceEvent::YearEnd => "year ends".to_string(),
        }
    }
}

impl<W: Write> Tracer for TraceWriter<'_, W> {
    fn event(&mut self, at: Duration, event: TraceEvent) {
        if self.error.is_some() {
            return;
        }
        let line = self.describe(&event);
        let time = self.instant(at);
        if let Err(error) = writeln!(self.out, "{time:>19}  {line}") {
            self.error = Some(error);
        }
    }
}
