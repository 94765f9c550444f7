//! `nines trace`: the event log of one simulated year as text, one line per event.

use crate::engine::{Detection, FailoverStep, IncidentStep, TraceEvent, Tracer, UpgradeStep};
use crate::mechanics::leader::Leader;
use crate::plan::Plan;
use crate::time::Duration;
use std::io::{self, Write};

/// Writes trace events as lines `time  what happened`. Instants are the day and clock time
/// of the simulated year (`d4 07:43:39.964`) and durations as every report writes them
/// ([`duration`](super::format::duration): `45m 50s`); with [`TraceWriter::in_seconds`], both are seconds from the start of
/// the year, exact to the microsecond (`373419.964402`, `2749.507126s`).
///
/// The engine reports a failover's steps when the replica fails; the writer holds each
/// back until its instant, so the trace stays in time order, and drops those a later
/// event calls off ([`TraceEvent::FailoverReplanned`]).
pub struct TraceWriter<'p, W: Write> {
    plan: &'p Plan,
    out: W,
    error: Option<io::Error>,
    seconds: bool,
    /// Failover and incident steps not yet due, with their instants, in the order the
    /// engine reported them.
    pending: Vec<(Duration, TraceEvent)>,
}

impl<'p, W: Write> TraceWriter<'p, W> {
    /// A writer for traces of `plan`.
    pub fn new(plan: &'p Plan, out: W) -> Self {
        TraceWriter {
            plan,
            out,
            error: None,
            seconds: false,
            pending: Vec::new(),
        }
    }

    /// The writer with every time in seconds (`seconds`), or in day, clock time and the
    /// report's duration format.
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
            super::format::duration(duration.as_secs_f64())
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
                let then = match repair {
                    Duration::NEVER => "it does not serve again within the year".to_string(),
                    repair => format!("repair takes {}", self.span(repair)),
                };
                format!(
                    "{}/{replica} fails ({mode}): noticed after {}, then {then}",
                    component(c),
                    self.span(detect),
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
                handover,
                lease_ran_out,
            } => {
                if self.leases(c) && handover {
                    format!(
                        "{}: the stopping leader revoked its lease; a standby takes it over, in {}",
                        component(c),
                        self.span(duration)
                    )
                } else if self.leases(c) && lease_ran_out {
                    format!(
                        "{}: the leader's lease has run out; a standby takes it over, in {}",
                        component(c),
                        self.span(duration)
                    )
                } else if self.leases(c) {
                    format!(
                        "{}: the leader's lease runs out and a standby takes it over, in {}",
                        component(c),
                        self.span(duration)
                    )
                } else {
                    format!(
                        "{}: election starts, lasts {}",
                        component(c),
                        self.span(duration)
                    )
                }
            }
            TraceEvent::LeaderElected {
                component: c,
                replica,
            } => {
                let how = if self.leases(c) {
                    "takes over the lease and leads"
                } else {
                    "wins the election and leads"
                };
                format!("{}: {}/{replica} {how}", component(c), component(c))
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
                        "{name}/{replica} stops for its upgrade; serves again at {}",
                        self.moment(back)
                    ),
                    UpgradeStep::Surged { available } => format!(
                        "{name}/{replica}: a new pod starts beside it, available at {}; the old one stops then",
                        self.moment(available)
                    ),
                    UpgradeStep::Broken { until } => format!(
                        "{name}/{replica}: its new version is broken and does not serve; rolled back at {}",
                        self.moment(until)
                    ),
                    UpgradeStep::Done => format!("{name}/{replica} upgraded"),
                }
            }
            TraceEvent::FailoverStep {
                component: c,
                replica,
                step,
                ..
            } => format!("{}/{replica}: {}", component(c), self.step_text(c, step)),
            TraceEvent::FailoverReplanned {
                component: c,
                replica,
            } => format!(
                "{}/{replica} is taken down again while down: the rest of its failover is \
                 called off",
                component(c)
            ),
            TraceEvent::IncidentStep { incident, step, .. } => self.incident_text(incident, step),
            TraceEvent::YearEnd => "year ends".to_string(),
        }
    }

    /// A step of incident `incident`, as a sentence.
    fn incident_text(&self, incident: u32, step: IncidentStep) -> String {
        let Some(plan) = self
            .plan
            .data
            .as_ref()
            .map(|d| &d.incidents[incident as usize])
        else {
            return String::new();
        };
        let name = &plan.name;
        match step {
            IncidentStep::Struck => {
                format!(
                    "incident `{name}` ({}) strikes: the system is down",
                    plan.kind.name()
                )
            }
            IncidentStep::Detected => format!("incident `{name}` is noticed"),
            IncidentStep::FromBackup { start, lost } => format!(
                "incident `{name}`: restore from the backup started {}: {} of data lost",
                start.map_or("before the year".to_string(), |at| format!(
                    "at {}",
                    self.moment(at)
                )),
                self.span(lost)
            ),
            IncidentStep::FromStandby { lag } => format!(
                "incident `{name}`: the standby site takes over: {} of data lost (the lag)",
                self.span(lag)
            ),
            IncidentStep::Unrecoverable => {
                format!("incident `{name}`: no usable backup or standby: the data is lost for good")
            }
            IncidentStep::ServiceBack => {
                format!("incident `{name}` is over: the service serves again")
            }
        }
    }

    /// Whether component `c`'s leader office is a lease that a standby takes over.
    fn leases(&self, c: u32) -> bool {
        matches!(
            self.plan.components[c as usize].leader,
            Some(Leader::Lease(_))
        )
    }

    /// A failover step of a replica of component `c`, as a sentence.
    fn step_text(&self, c: u32, step: FailoverStep) -> String {
        let pod = self.plan.components[c as usize].pod.as_ref();
        match step {
            FailoverStep::Detected { by } => match by {
                Detection::Probe => "the liveness probe fails: the hang is detected".to_string(),
                Detection::Exit => "the kubelet sees the container exit".to_string(),
                Detection::Delay => "the failure is noticed".to_string(),
            },
            FailoverStep::Killed => format!(
                "the hung container is killed after the grace period ({})",
                self.span(pod.map_or(Duration::ZERO, |p| p.pod.termination_grace_period))
            ),
            FailoverStep::KilledStarting { attempts: 1 } => {
                "a probe killed a container still starting (CrashLoopBackOff)".to_string()
            }
            FailoverStep::KilledStarting { attempts } => format!(
                "a probe killed a container still starting: {attempts} starts killed since the \
                 first began (CrashLoopBackOff; the kills, back-offs and starts between are \
                 left out)"
            ),
            FailoverStep::BackOff { delay } => {
                format!("back-off: the kubelet waits {}", self.span(delay))
            }
            FailoverStep::Started => "the container starts".to_string(),
            FailoverStep::ProcessUp => "the process has started and answers".to_string(),
            FailoverStep::Ready => "the readiness probe passes: the pod is ready".to_string(),
            FailoverStep::Propagated => format!(
                "the endpoint change reaches the load balancers ({} after ready)",
                self.span(pod.map_or(Duration::ZERO, |p| p.pod.endpoint_propagation))
            ),
            FailoverStep::Repaired => "repaired; its share of data still has to load".to_string(),
            FailoverStep::SessionExpired => {
                "its session expires: the coordinator reassigns its share".to_string()
            }
            FailoverStep::ShareReloaded { elsewhere: true } => {
                "its share is loaded on another replica and serves".to_string()
            }
            FailoverStep::ShareReloaded { elsewhere: false } => {
                "its share is loaded on the restarted replica and serves".to_string()
            }
        }
    }

    /// Writes `event` at `at` as one line.
    fn write(&mut self, at: Duration, event: &TraceEvent) {
        if self.error.is_some() {
            return;
        }
        let line = self.describe(event);
        let time = self.instant(at);
        if let Err(error) = writeln!(self.out, "{time:>19}  {line}") {
            self.error = Some(error);
        }
    }

    /// Writes the pending steps due at or before `at`, in time order (the engine's order
    /// among equal instants).
    fn write_due(&mut self, at: Duration) {
        self.pending.sort_by_key(|&(due, _)| due);
        let due = self.pending.partition_point(|&(due, _)| due <= at);
        let steps: Vec<_> = self.pending.drain(..due).collect();
        for (due, event) in steps {
            self.write(due, &event);
        }
    }
}

impl<W: Write> Tracer for TraceWriter<'_, W> {
    fn event(&mut self, at: Duration, event: TraceEvent) {
        match event {
            TraceEvent::FailoverStep { at: due, .. } | TraceEvent::IncidentStep { at: due, .. } => {
                self.pending.push((due, event));
                return;
            }
            TraceEvent::FailoverReplanned { component, replica } => {
                self.write_due(at);
                self.pending.retain(|(_, step)| {
                    !matches!(*step, TraceEvent::FailoverStep { component: c, replica: r, .. }
                        if (c, r) == (component, replica))
                });
            }
            _ => self.write_due(at),
        }
        if event == TraceEvent::YearEnd {
            self.pending.clear();
        }
        self.write(at, &event);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;

    /// A lease election says whether the lease was still running or had run out while no
    /// standby was up (then only the takeover is left).
    #[test]
    fn a_lease_election_says_whether_the_lease_had_run_out() {
        let plan = fixtures::plan(
            "name = \"l\"\nup = \"c\"\n[[component]]\nname = \"c\"\nreplicas = 2\n\
             leader = { lease = { ttl = \"30s\", takeover = \"1s\" } }\n",
            1,
        );
        let writer = TraceWriter::new(&plan, Vec::new());
        let started = |lease_ran_out| TraceEvent::ElectionStarted {
            component: 0,
            duration: Duration::from_secs(1),
            handover: false,
            lease_ran_out,
        };
        assert_eq!(
            writer.describe(&started(false)),
            "c: the leader's lease runs out and a standby takes it over, in 1.0s"
        );
        assert_eq!(
            writer.describe(&started(true)),
            "c: the leader's lease has run out; a standby takes it over, in 1.0s"
        );
    }
}
