//! How big a run will be, estimated from the model before anything is allocated.
//!
//! A valid model can still be pathological: a failure every millisecond, a hundred thousand
//! replicas, a billion years. `nines` estimates the events per simulated year and the memory
//! before compiling the plan, warns when a run will take long and refuses, unless forced,
//! beyond the limits below.
//!
//! The estimate treats each replica as an alternating renewal process and measures its mean
//! cycle (time to the first of its failure modes, then that mode's detect + repair) on a
//! fixed sample of draws, each time cut at the horizon. Sampling rather than taking means
//! matters for heavy-tailed distributions: a Weibull with shape 0.05 and a mean of a day
//! has a median of microseconds, and a year of it holds billions of failures. Each cycle
//! costs two events (failure and repair) plus, for a leader component, an election.
//!
//! Work is counted in events, and more than events costs: each simulated year costs
//! [`YEAR_COST_EVENTS`] besides its own events (a model without failures still takes time
//! per year), each node failure and repair scans every replica, and a run with an output
//! directory writes a row of years.csv per year. Work done inside one event counts too: the
//! failure modes drawn alone at a replica's return, a drain's scans of the replicas, the
//! look at every session holder when a store serves again, and the pieces a failure splits
//! the count of retried requests into. Each incident's strike and end are events,
//! and its restore searches the backups; a year with an incident draws its backups up to
//! the incident, and keeps their draws, so backups far more often than incidents cost
//! memory too. A run uses at most one thread per chunk of years:
//! [`CHUNK_YEARS`](crate::run::CHUNK_YEARS) of one model, fewer of variants in lockstep
//! ([`lockstep_chunk_years`]).

use crate::dist::Dist;
use crate::mechanics::backup::{BackupDraw, always_fails};
use crate::mechanics::failure;
use crate::model::{Backup, Component, Kubernetes, Model, Rollout};
use crate::plan;
use crate::rng::StreamKey;
use crate::run::lockstep_chunk_years;
use crate::time::Duration;
use rand::Rng;

/// Cycles sampled per component: enough for the order of magnitude, which is all a
/// run-time estimate needs, at a negligible cost.
const SAMPLED_CYCLES: usize = 256;

/// Events per second one thread is assumed to simulate, for run-time estimates. Measured
/// speeds on the shipped models are 7 to 10 million; this is deliberately lower.
pub const NOMINAL_EVENTS_PER_SECOND: f64 = 5e6;

/// Expected run time above which `nines` warns on stderr, in seconds.
pub const WARN_SECONDS: f64 = 60.0;

/// Total events above which a run is refused unless forced (about 3 hours on 2 threads).
pub const MAX_EVENTS: f64 = 1e11;

/// Events in one simulated year above which a run is refused unless forced: one year runs
/// on one thread and would take minutes without a progress update.
pub const MAX_EVENTS_PER_YEAR: f64 = 1e9;

/// Estimated memory above which a run is refused unless forced.
pub const MAX_MEMORY_BYTES: f64 = 4.0 * 1024.0 * 1024.0 * 1024.0;

/// Estimated bytes of result files (years.csv) above which a run with an output
/// directory is refused unless forced.
pub const MAX_OUTPUT_BYTES: f64 = 16.0 * 1024.0 * 1024.0 * 1024.0;

/// Estimated bytes of a trace (one year's events, a line or so each) above which `trace`
/// is refused unless forced: more than anyone reads, and enough to fill a disk.
pub const MAX_TRACE_BYTES: f64 = 1024.0 * 1024.0 * 1024.0;

/// Bytes a trace writes per event, on average: measured at about 200 on a model of
/// crashes and restarts (each a line or two of 80 to 120 characters).
const TRACE_BYTES_PER_EVENT: f64 = 200.0;

/// What one simulated year costs besides its events (resetting the engine, accumulating
/// the statistics), in events: measured at about a microsecond a year on one thread.
pub const YEAR_COST_EVENTS: f64 = 5.0;

/// What scanning one replica costs at a node failure or repair, in events.
const REPLICA_SCAN_EVENTS: f64 = 0.05;

/// What one start killed by the liveness probe costs in a restart sequence, in events: the
/// back-off and the next start are worked out in a loop, not queued, measured at about 4 ns
/// each against the 200 ns of an event.
const KILLED_START_EVENTS: f64 = 0.02;

/// What one draw of a failure mode's time costs, in events: a mode that is not
/// exponential is drawn alone at every return of a replica. Measured at about 160 ns for
/// a Weibull (a logarithm and a power) and 90 ns for a lognormal, against the 200 ns of an
/// event.
const MODE_DRAW_EVENTS: f64 = 0.75;

/// What looking at one replica costs in a drain's scans, in events: a comparison in a
/// loop, measured at 0.5 to 2.3 ns (replica states in the cache or not) against the 200 ns
/// of an event (weekly drains of 10,000 nodes and 10,000 pods: 1.6e10 looks a year, 37 s).
const DRAIN_SCAN_EVENTS: f64 = 0.01;

/// What looking at one session holder's replica costs when its store serves again, in
/// events: a load and a comparison, measured at about 3 ns against the 200 ns of an event
/// (100,000 holders of an etcd whose leader fails hourly: 8.8e8 looks in 2.6 s).
const SESSION_HOLDER_SCAN_EVENTS: f64 = 0.015;

/// What looking at one attempt of a client's schedule costs when counting a run of failing
/// attempts, in events: measured at about 3 ns against the 200 ns of an event (1,000
/// attempts at once after each of 450,000 failures a year: 1.25 s).
const RETRY_ATTEMPT_EVENTS: f64 = 0.015;

/// What one piece of a run of failing attempts costs to count, in events: its point sorted
/// in, and the attempts whose chances it multiplies, measured at about 27 ns against the
/// 200 ns of an event (1,000 attempts a millisecond apart after each of 450,000 failures of
/// 10 s a year: 12 s).
const RETRY_PIECE_EVENTS: f64 = 0.15;

/// What looking at one backup costs in a restore's search (its draws, made once a year,
/// and a comparison), in events: an assumption, a draw being a small part of an event.
const BACKUP_SCAN_EVENTS: f64 = 0.1;

/// Bytes an engine keeps of each backup drawn in a year: a [`BackupDraw`] in a vector that
/// grows by doubling and keeps its capacity, so up to twice that.
const BACKUP_DRAW_BYTES: f64 = 2.0 * size_of::<BackupDraw>() as f64;

/// Bytes of one row of years.csv: the year, availability, downtime and outages, and an
/// availability per service (generous: the widest rows reach it).
const YEAR_ROW_BYTES: f64 = 64.0;
const SERVICE_COLUMN_BYTES: f64 = 24.0;

/// Bytes of state per random stream: its key in the plan, and in every engine its cursor
/// and block ([`crate::rng::STREAM_STATE_BYTES`]).
const STREAM_KEY_BYTES: f64 = size_of::<StreamKey>() as f64;
const STREAM_STATE_BYTES: f64 = crate::rng::STREAM_STATE_BYTES as f64;

/// The estimated size of simulating one model.
#[derive(Clone, Debug, PartialEq)]
pub struct Workload {
    /// Expected events in one simulated year.
    pub events_per_year: f64,
    /// What contributes the most events, as the refusal names it (a component, node
    /// failures, planned work, ...), and its events a year.
    pub busiest: Option<(String, f64)>,
    /// Random streams the plan needs.
    pub streams: f64,
    /// Backups whose draws an engine may keep in one year: those up to a year's last
    /// incident, and those its restores search before the year.
    pub backups: f64,
    /// Bytes of one row of years.csv.
    pub row_bytes: f64,
    /// Models simulated in lockstep: 1, or the variants of a comparison.
    pub variants: usize,
}

/// What a run asks of the machine besides its model: years, threads, and whether it
/// writes result files.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RunShape {
    /// Simulated years.
    pub years: u64,
    /// Worker threads asked for.
    pub threads: usize,
    /// Whether the run writes years.csv and outages.csv (`run` and `check` with `--out`).
    pub writes_rows: bool,
}

/// What to do about a run of a given size (`report::workload_message` says it in words).
#[derive(Clone, Debug, PartialEq)]
pub enum Verdict {
    /// Nothing to say.
    Fine,
    /// Worth a warning on stderr: the run is expected to take longer than
    /// [`WARN_SECONDS`].
    Slow(RunSize),
    /// Too large to run without `--force`.
    TooLarge(TooLarge),
}

/// What is too large about a run.
#[derive(Clone, Debug, PartialEq)]
pub enum TooLarge {
    /// One simulated year has more than [`MAX_EVENTS_PER_YEAR`] events.
    Year(RunSize),
    /// The run has more than [`MAX_EVENTS`] events in all.
    Run(RunSize),
    /// The result files would take more than [`MAX_OUTPUT_BYTES`].
    Output {
        /// Estimated bytes.
        bytes: f64,
        /// Years, one row each.
        years: u64,
    },
    /// The trace of one year would be more than [`MAX_TRACE_BYTES`].
    Trace {
        /// Estimated bytes.
        bytes: f64,
        /// Expected events in the year.
        events: f64,
    },
    /// The random streams need more than [`MAX_MEMORY_BYTES`].
    Memory {
        /// Estimated bytes.
        bytes: f64,
        /// Random streams of the plan.
        streams: f64,
        /// Backups an engine may draw in a year ([`Workload::backups`]).
        backups: f64,
        /// Engines alive at once.
        threads: usize,
    },
}

/// The size of one run: `years` of a model on `threads` threads.
#[derive(Clone, Debug, PartialEq)]
pub struct RunSize {
    /// Expected events in one simulated year.
    pub events_per_year: f64,
    /// What contributes the most events, as the refusal names it, and its events per year.
    pub busiest: Option<(String, f64)>,
    /// Expected work of the whole run, in events: its events and the cost of its years.
    pub events: f64,
    /// Expected wall-clock seconds at the nominal speed.
    pub seconds: f64,
    /// Threads it runs on (at most one per chunk of years).
    pub threads: usize,
}

impl Workload {
    /// Estimates the work of simulating `model`.
    pub fn estimate(model: &Model) -> Workload {
        let horizon = model.simulation().horizon.as_secs_f64();
        let mut events_per_year = 0.0;
        let mut busiest: Option<(String, f64)> = None;
        let renewals = renewals(model);
        for (component, renewal) in model.components().iter().zip(&renewals) {
            let Some(renewal) = renewal else {
                continue;
            };
            let per_cycle = if component.leader.is_some() { 3.0 } else { 2.0 };
            let per_cycle = per_cycle
                + KILLED_START_EVENTS * killed_starts(component, model.kubernetes(), horizon)
                + MODE_DRAW_EVENTS * extra_mode_draws(component);
            let events = renewal.failures * per_cycle;
            events_per_year += events;
            if busiest.as_ref().is_none_or(|(_, most)| events > *most) {
                busiest = Some((format!("component `{}`", component.name), events));
            }
        }
        let backups = backups_drawn(model, horizon);
        // The work that is no one component's, named as the refusal names the busiest.
        let elsewhere = [
            ("node failures", node_failure_events(model, horizon)),
            ("planned work", maintenance_events(model, horizon)),
            (
                "the holders of session stores",
                session_scan_events(model, &renewals),
            ),
            (
                "counting retried requests",
                retry_count_events(model, &renewals),
            ),
            (
                "incidents and their backups",
                incident_events(model, horizon) + backups.expected * BACKUP_SCAN_EVENTS,
            ),
        ];
        for (what, events) in elsewhere {
            events_per_year += events;
            if events > 0.0 && busiest.as_ref().is_none_or(|(_, most)| events > *most) {
                busiest = Some((what.to_string(), events));
            }
        }
        Workload {
            events_per_year,
            busiest,
            streams: plan::stream_layout(model).len() as f64,
            backups: backups.most,
            row_bytes: YEAR_ROW_BYTES + SERVICE_COLUMN_BYTES * model.services().len() as f64,
            variants: 1,
        }
    }

    /// The work of simulating several models in lockstep (the variants of a comparison):
    /// every year simulates each of them, and their engines are alive at once.
    pub fn together(workloads: impl IntoIterator<Item = Workload>) -> Workload {
        let mut sum = Workload {
            events_per_year: 0.0,
            busiest: None,
            streams: 0.0,
            backups: 0.0,
            row_bytes: 0.0,
            variants: 0,
        };
        for workload in workloads {
            sum.variants += workload.variants;
            sum.events_per_year += workload.events_per_year;
            sum.streams += workload.streams;
            sum.backups += workload.backups;
            sum.row_bytes += workload.row_bytes;
            if let Some((name, events)) = workload.busiest
                && sum.busiest.as_ref().is_none_or(|(_, most)| events > *most)
            {
                sum.busiest = Some((name, events));
            }
        }
        sum
    }

    /// Threads a run of `years` keeps busy: one per chunk of years
    /// ([`lockstep_chunk_years`] of the variants), at most `threads`.
    pub fn busy_threads(&self, years: u64, threads: usize) -> usize {
        let chunks = years.div_ceil(lockstep_chunk_years(self.variants)).max(1);
        threads
            .max(1)
            .min(usize::try_from(chunks).unwrap_or(usize::MAX))
    }

    /// Expected work of `years`, in events: their events and the cost of each year.
    pub fn work(&self, years: u64) -> f64 {
        (self.events_per_year + YEAR_COST_EVENTS) * years as f64
    }

    /// Expected wall-clock seconds for `years` on `threads` threads at the nominal speed.
    pub fn expected_seconds(&self, years: u64, threads: usize) -> f64 {
        let parallel = self.busy_threads(years, threads) as f64;
        self.work(years) / (NOMINAL_EVENTS_PER_SECOND * parallel)
    }

    /// Expected wall-clock seconds of a run of `shape`: its years, and with result files
    /// the worst year simulated again on one thread for report.html's timeline (for a run
    /// of one slow year, twice the time).
    pub fn run_seconds(&self, shape: RunShape) -> f64 {
        let report_year = match shape.writes_rows {
            true => self.work(1) / NOMINAL_EVENTS_PER_SECOND,
            false => 0.0,
        };
        self.expected_seconds(shape.years, shape.threads) + report_year
    }

    /// Estimated peak memory in bytes with `threads` engines alive at once.
    pub fn memory_bytes(&self, threads: usize) -> f64 {
        let engines = threads.max(1) as f64;
        self.streams * (STREAM_KEY_BYTES + STREAM_STATE_BYTES * engines)
            + self.backups * BACKUP_DRAW_BYTES * engines
    }

    /// Judges the simulation of `shape` and the trace of one of its years against the
    /// limits.
    pub fn judge_trace(&self, shape: RunShape) -> Verdict {
        let bytes = self.events_per_year * TRACE_BYTES_PER_EVENT;
        match self.judge(shape) {
            Verdict::TooLarge(too_large) => Verdict::TooLarge(too_large),
            _ if bytes > MAX_TRACE_BYTES => Verdict::TooLarge(TooLarge::Trace {
                bytes,
                events: self.events_per_year,
            }),
            fine_or_slow => fine_or_slow,
        }
    }

    /// Judges a run of `shape` against the limits.
    pub fn judge(&self, shape: RunShape) -> Verdict {
        let RunShape {
            years,
            threads,
            writes_rows,
        } = shape;
        let seconds = self.run_seconds(shape);
        let threads = self.busy_threads(years, threads);
        let size = RunSize {
            events_per_year: self.events_per_year,
            busiest: self.busiest.clone(),
            events: self.work(years),
            seconds,
            threads,
        };
        let memory = self.memory_bytes(threads);
        let output = if writes_rows {
            self.row_bytes * years as f64
        } else {
            0.0
        };
        if size.events_per_year > MAX_EVENTS_PER_YEAR {
            Verdict::TooLarge(TooLarge::Year(size))
        } else if size.events > MAX_EVENTS {
            Verdict::TooLarge(TooLarge::Run(size))
        } else if output > MAX_OUTPUT_BYTES {
            Verdict::TooLarge(TooLarge::Output {
                bytes: output,
                years,
            })
        } else if memory > MAX_MEMORY_BYTES {
            Verdict::TooLarge(TooLarge::Memory {
                bytes: memory,
                streams: self.streams,
                backups: self.backups,
                threads,
            })
        } else if size.seconds > WARN_SECONDS {
            Verdict::Slow(size)
        } else {
            Verdict::Fine
        }
    }
}

/// The work of a year's incidents, in events: each strike and its end are events, and
/// set every expression down and up again (the system's and each service's); with
/// `[backup]`, each restore searches the backups (see [`backups_scanned`]).
fn incident_events(model: &Model, horizon: f64) -> f64 {
    let data = model.data();
    let expressions = 1.0 + model.services().len() as f64;
    let scanned = data.backup.as_ref().map_or(0.0, backups_scanned);
    let per_strike = 2.0 + 2.0 * expressions + scanned * BACKUP_SCAN_EVENTS;
    (data.incidents.iter())
        .map(|incident| horizon / incident.every.mean_secs().max(1e-6) * per_strike)
        .sum()
}

/// The backups one restore looks at: from the newest before the damage back to the first
/// usable one, skipping those still running (about duration / every of them) and the
/// failed ones (a geometric number), but never further back than `retention`; none when
/// every backup fails, since the engine then knows there is nothing to find.
fn backups_scanned(backup: &Backup) -> f64 {
    if always_fails(backup.fails) {
        return 0.0;
    }
    let every = backup.every.as_secs_f64().max(1e-6);
    let window = backup
        .retention
        .map_or(f64::INFINITY, |r| r.as_secs_f64() / every + 1.0);
    let running = backup.duration.mean_secs() / every;
    ((1.0 + running) / (1.0 - backup.fails)).min(window)
}

/// Backups an engine draws in a year, on average and at most.
struct BackupsDrawn {
    expected: f64,
    most: f64,
}

/// A year with an incident draws the backups from its beginning up to its last incident
/// (backup k's draws depend on k alone, so they are drawn in order), and keeps them for
/// the year's later restores: at most a horizon of them, and those a restore searches
/// before the year. A year without an incident draws none.
fn backups_drawn(model: &Model, horizon: f64) -> BackupsDrawn {
    let data = model.data();
    let searched = |b: &&Backup| !data.incidents.is_empty() && !always_fails(b.fails);
    let Some(backup) = data.backup.as_ref().filter(searched) else {
        return BackupsDrawn {
            expected: 0.0,
            most: 0.0,
        };
    };
    let strikes: f64 = (data.incidents.iter())
        .map(|incident| horizon / incident.every.mean_secs().max(1e-6))
        .sum();
    let most = horizon / backup.every.as_secs_f64().max(1e-6) + backups_scanned(backup);
    BackupsDrawn {
        expected: most * (1.0 - crate::math::exp(-strikes)),
        most,
    }
}

/// The starts a restart of `component` loses to its liveness probe on average
/// (CrashLoopBackOff): a geometric number, p/(1 − p) for the chance p that the probe kills a
/// start (`explain`'s closed form), at most as many as back-offs of five minutes fit in the
/// horizon, which is what a loop that never serves reaches.
fn killed_starts(component: &Component, kubernetes: Option<&Kubernetes>, horizon: f64) -> f64 {
    let Some((pod, kubernetes)) = component.pod.as_ref().zip(kubernetes) else {
        return 0.0;
    };
    let kills = crate::explain::liveness_kill_chance(&plan::pod(pod, kubernetes)).unwrap_or(0.0);
    let most = horizon / crate::mechanics::pod::backoff(u32::MAX).as_secs_f64();
    if kills >= 1.0 {
        return most;
    }
    (kills / (1.0 - kills)).min(most)
}

/// A component's failures, as the estimate sees them: an alternating renewal process per
/// replica.
struct Renewal {
    /// Failures of all its replicas in a year.
    failures: f64,
    /// The sampled down times of a replica (detect + repair), in seconds.
    downs: Vec<f64>,
}

/// Each component's [`Renewal`], `None` for a component that never fails.
fn renewals(model: &Model) -> Vec<Option<Renewal>> {
    let horizon = model.simulation().horizon;
    (model.components().iter())
        .map(|component| {
            let cycles = sample_cycles(component, model.kubernetes(), horizon)?;
            let failures =
                f64::from(component.replicas) * horizon.as_secs_f64() / cycles.mean.max(1e-6);
            Some(Renewal {
                failures,
                downs: cycles.downs,
            })
        })
        .collect()
}

/// A fixed sample of one replica's up-then-down cycles.
struct Cycles {
    /// The mean length of a cycle, in seconds.
    mean: f64,
    /// The down part (detect + repair) of each cycle, in seconds.
    downs: Vec<f64>,
}

/// Samples the up-then-down cycles of a replica, with every draw cut at the horizon; `None`
/// for a component that never fails.
fn sample_cycles(
    component: &Component,
    kubernetes: Option<&Kubernetes>,
    horizon: Duration,
) -> Option<Cycles> {
    if component.failures.is_empty() {
        return None;
    }
    let modes: Vec<_> = component
        .failures
        .iter()
        .map(|mode| {
            let detect = plan::detect(&mode.detect, kubernetes);
            let repair = plan::repair(&mode.repair);
            (&mode.every, detect, repair)
        })
        .collect();
    let mut rng = StreamKey::derive(0, &format!("workload/{}", component.name)).open(0);
    let draw = |dist: &Dist, rng: &mut dyn Rng| dist.sample(rng).min(horizon);
    let secs = Duration::as_secs_f64;
    let mut total = 0.0;
    let mut downs = Vec::with_capacity(SAMPLED_CYCLES);
    for _ in 0..SAMPLED_CYCLES {
        let (up, (_, detect, repair)) = modes
            .iter()
            .map(|mode| secs(failure::time_to_failure(draw(mode.0, &mut rng))))
            .zip(&modes)
            .min_by(|a, b| a.0.total_cmp(&b.0))?;
        // Kubernetes-derived delays count as zero here: shorter cycles, a cautious estimate.
        let detect = detect
            .drawn()
            .map_or(0.0, |dist| secs(draw(dist, &mut rng)));
        let repair = repair
            .drawn()
            .map_or(0.0, |dist| secs(draw(dist, &mut rng)));
        total += up + detect + repair;
        downs.push(detect + repair);
    }
    Some(Cycles {
        mean: total / SAMPLED_CYCLES as f64,
        downs,
    })
}

/// Random draws of failure times a replica's return makes besides the first: the
/// exponential modes, when two or more, race in one draw, and every other mode is drawn
/// alone (`Engine::schedule_failure`), whether or not it strikes first. A fixed time is
/// no draw worth counting (a copy, measured at about 3 ns).
fn extra_mode_draws(component: &Component) -> f64 {
    let every = || component.failures.iter().map(|mode| &mode.every);
    let exponential = every().filter(|dist| dist.is_exponential()).count();
    let alone = every()
        .filter(|dist| !dist.is_exponential() && !dist.is_fixed())
        .count();
    let draws = if exponential >= 2 {
        1 + alone
    } else {
        exponential + alone
    };
    draws.saturating_sub(1) as f64
}

/// The work of a year's node failures, in events.
fn node_failure_events(model: &Model, horizon: f64) -> f64 {
    let Some((nodes, cycle)) = model.kubernetes().and_then(|k| {
        let cycle = plan::node_failure(k.node_failure.as_ref()?).mean_cycle_secs();
        Some((f64::from(k.nodes), cycle))
    }) else {
        return 0.0;
    };
    // Each node failure: its own two events, and a failure, an eviction and a repair for
    // each replica it hosts.
    let replicas = pod_replicas(model);
    // Each node failure and repair also scans every replica of the model.
    let scans = 2.0 * all_replicas(model) * REPLICA_SCAN_EVENTS;
    nodes * horizon / cycle.max(1e-6) * (2.0 + 3.0 * replicas / nodes + scans)
}

/// Replicas of the model run as pods.
fn pod_replicas(model: &Model) -> f64 {
    (model.components().iter())
        .filter(|c| c.pod.is_some())
        .map(|c| f64::from(c.replicas))
        .sum()
}

/// Replicas of the model.
fn all_replicas(model: &Model) -> f64 {
    (model.components().iter())
        .map(|c| f64::from(c.replicas))
        .sum()
}

/// The work of a year's planned maintenance (upgrades and node drains), in events.
fn maintenance_events(model: &Model, horizon: f64) -> f64 {
    let Some(maintenance) = model.maintenance() else {
        return 0.0;
    };
    // Planned work: each upgrade's start, and for every replica it replaces a stop, a start,
    // a readiness and a hand-over at most, whatever the strategy.
    let upgrades = maintenance.upgrade.map_or(0.0, |upgrade| {
        horizon / upgrade.every.as_secs_f64().max(1e-6)
    });
    let replaced: f64 = (model.components().iter())
        .filter(|c| !matches!(c.rollout, Rollout::None))
        .map(|c| f64::from(c.replicas))
        .sum();
    let mut events = upgrades * (1.0 + 4.0 * replaced);
    // A drain evicts every pod once, at least, and cordons and reboots every node; it scans
    // the replicas as it goes (see `drain_scans`).
    if let (Some(drain), Some(kubernetes)) = (&maintenance.node_drain, model.kubernetes()) {
        let drains = horizon / drain.schedule.every.as_secs_f64().max(1e-6);
        let nodes = f64::from(kubernetes.nodes);
        let per_drain = 1.0 + 3.0 * nodes + 4.0 * pod_replicas(model);
        events += drains * (per_drain + DRAIN_SCAN_EVENTS * drain_scans(model, nodes));
    }
    events
}

/// Replicas one drain of the cluster looks at: for each node, every replica (for the pods
/// on it, then for those waiting for its reboot), and for each evicted pod its
/// component's replicas (the nodes they are on, where its replacement does not go:
/// `Engine::place`, whose clearing of a flag per node is a fill of memory, far cheaper).
fn drain_scans(model: &Model, nodes: f64) -> f64 {
    let evictions: f64 = (model.components().iter())
        .filter(|c| c.pod.is_some())
        .map(|c| f64::from(c.replicas) * f64::from(c.replicas))
        .sum();
    2.0 * nodes * all_replicas(model) + evictions
}

/// The work of looking at session holders, in events: each time a store serves again,
/// every replica of the components keeping sessions in it is looked at for one waiting
/// for it (`Engine::notify_session_holders`). A store that needs every replica stops at
/// each of their failures; one with replicas to spare at its leader's failures, a
/// replicas-th of them, or when failures coincide, taken as about as often.
///
/// Not counted: the holders' shut-down and restart when the store stays down past the
/// session, which depends on how long the store's outages last (its quorum, and the
/// back-off of its restarts, which the sampled cycles count as zero).
fn session_scan_events(model: &Model, renewals: &[Option<Renewal>]) -> f64 {
    let components = model.components();
    let mut holders = vec![0.0; components.len()];
    for component in components {
        if let Some(session) = &component.session {
            holders[session.store] += f64::from(component.replicas);
        }
    }
    (components.iter().zip(renewals).zip(&holders))
        .filter(|(_, holders)| **holders > 0.0)
        .filter_map(|((store, renewal), holders)| {
            let failures = renewal.as_ref()?.failures;
            let outages = if store.needs >= store.replicas {
                failures
            } else {
                failures / f64::from(store.replicas)
            };
            Some(outages * holders * SESSION_HOLDER_SCAN_EVENTS)
        })
        .sum()
}

/// The work of counting a year's requests (`[traffic]`), in events: each failure of a
/// component an expression with traffic reads starts a run of failing attempts, whose
/// count looks at every attempt of the clients' schedule and splits the run at each
/// attempt made before the failure is over (the failure's end, shifted back by the
/// attempt's offset: `measure::requests::count`).
fn retry_count_events(model: &Model, renewals: &[Option<Renewal>]) -> f64 {
    let Some(traffic) = model.traffic() else {
        return 0.0;
    };
    let services = model.services();
    let counted = std::iter::once((model.up(), &traffic.system))
        .chain((traffic.services.iter()).map(|(index, demand)| (&services[*index].up, demand)));
    let mut events = 0.0;
    for (expression, demand) in counted {
        let offsets = demand.client.schedule();
        let mut read = Vec::new();
        expression.expr.collect_components(&mut read);
        read.sort_unstable();
        read.dedup();
        for renewal in read.iter().filter_map(|&c| renewals[c].as_ref()) {
            let per_failure = offsets.len() as f64 * RETRY_ATTEMPT_EVENTS
                + pieces(&offsets, &renewal.downs) * RETRY_PIECE_EVENTS;
            events += renewal.failures * per_failure;
        }
    }
    events
}

/// The attempts after the first made before a failure is over, on average over the
/// sampled down times `downs` (seconds): each splits the run of failing attempts once.
fn pieces(offsets: &[Duration], downs: &[f64]) -> f64 {
    if downs.is_empty() {
        return 0.0;
    }
    let at_once = offsets.partition_point(|o| *o == Duration::ZERO);
    let within = |down: &f64| {
        let before = offsets.partition_point(|o| o.as_secs_f64() < *down);
        before.saturating_sub(at_once) as f64
    };
    downs.iter().map(within).sum::<f64>() / downs.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;
    use crate::plan::Plan;
    use crate::run::CHUNK_YEARS;

    fn shape(years: u64, threads: usize) -> RunShape {
        RunShape {
            years,
            threads,
            writes_rows: false,
        }
    }

    /// The memory guard counts the streams the plan holds, for every shipped model.
    #[test]
    fn the_estimate_counts_the_plans_streams() {
        let shipped = fixtures::every_shipped();
        assert!(shipped.len() >= 7, "{} models", shipped.len());
        for (name, model) in shipped {
            let plan = Plan::compile(&model, 1);
            assert_eq!(
                Workload::estimate(&model).streams,
                plan.keys.len() as f64,
                "{name}"
            );
        }
        let milvus = Plan::compile(&fixtures::shipped("milvus-ha"), 1);
        assert_eq!(milvus.keys.len(), 207);
    }

    fn model(every: &str, repair: &str, replicas: u32, leader: bool) -> Model {
        let leader = if leader {
            "leader = { election = \"1s\" }"
        } else {
            ""
        };
        let source = format!(
            "name = \"m\"\nup = \"c\"\n[[component]]\nname = \"c\"\nreplicas = {replicas}\n{leader}\n\
             [[component.failure]]\nname = \"f\"\nevery = {{ dist = \"exponential\", mean = \"{every}\" }}\nrepair = \"{repair}\"\n"
        );
        Model::parse(&source, "m.toml").unwrap()
    }

    #[test]
    fn events_follow_the_renewal_rate() {
        // Every 23h up (exponential) plus 1h down: 365 cycles a year, two events each, three
        // replicas. The sample of 256 cycles has a relative standard error of about 6%.
        let exact = 3.0 * 365.0 * 2.0;
        let workload = Workload::estimate(&model("23h", "1h", 3, false));
        assert!(
            (workload.events_per_year / exact - 1.0).abs() < 0.25,
            "{workload:?}"
        );
        let with_leader = Workload::estimate(&model("23h", "1h", 3, true));
        assert!((with_leader.events_per_year / workload.events_per_year - 1.5).abs() < 1e-9);
        assert_eq!(workload.streams, 1.0 + 3.0 * 3.0);
    }

    #[test]
    fn heavy_tails_are_not_hidden_by_their_mean() {
        // Mean one day, but the median draw is far below a microsecond: cut at the horizon,
        // the mean time to failure is about 30 s, so about 2e6 events a year, where the
        // distribution's mean alone would suggest 730.
        let source = "name = \"m\"\nup = \"c\"\n[[component]]\nname = \"c\"\n\
            [[component.failure]]\nname = \"f\"\nevery = { dist = \"weibull\", shape = 0.05, mean = \"1d\" }\nrepair = \"1ms\"\n";
        let workload = Workload::estimate(&Model::parse(source, "m.toml").unwrap());
        assert!(workload.events_per_year > 5e5, "{workload:?}");
        assert!(matches!(
            workload.judge(shape(100_000, 1)),
            Verdict::TooLarge(_)
        ));
    }

    #[test]
    fn ordinary_runs_are_fine_and_pathological_ones_refused() {
        assert_eq!(
            Workload::estimate(&model("30d", "1h", 3, true)).judge(shape(10_000, 2)),
            Verdict::Fine
        );
        let every_millisecond = Workload::estimate(&model("1ms", "1ms", 1, false));
        match every_millisecond.judge(shape(1, 2)) {
            verdict @ Verdict::TooLarge(TooLarge::Year(_)) => {
                let message = crate::report::workload_message(&verdict);
                assert!(
                    message.contains("one simulated year is too large"),
                    "{message}"
                );
                assert!(message.contains("component `c`"), "{message}");
            }
            other => panic!("{other:?}"),
        }
        let many_years = Workload::estimate(&model("1d", "1h", 100, false));
        assert!(matches!(
            many_years.judge(shape(1_000_000_000, 2)),
            Verdict::TooLarge(_)
        ));
        assert!(matches!(
            many_years.judge(shape(100_000, 2)),
            Verdict::Slow(_)
        ));
    }

    #[test]
    fn short_runs_are_priced_on_the_threads_they_use() {
        let workload = Workload::estimate(&model("1d", "1h", 100, false));
        assert_eq!(workload.busy_threads(1, 2), 1);
        assert_eq!(workload.busy_threads(CHUNK_YEARS, 2), 1);
        assert_eq!(workload.busy_threads(CHUNK_YEARS + 1, 2), 2);
        assert_eq!(workload.busy_threads(10, 0), 1);
        let one = workload.expected_seconds(20, 1);
        assert_eq!(
            workload.expected_seconds(20, 2),
            one,
            "20 years run on one thread"
        );
        assert_eq!(
            workload.expected_seconds(64, 2),
            workload.expected_seconds(32, 1)
        );
    }

    /// Variants in lockstep share a chunk of years among them, so a short comparison of
    /// many variants keeps more threads busy than one model would.
    #[test]
    fn lockstep_runs_are_priced_on_their_chunks() {
        let one = Workload::estimate(&model("1d", "1h", 100, false));
        let three = Workload::together(vec![one.clone(); 3]);
        assert_eq!(three.variants, 3);
        assert_eq!(three.busy_threads(CHUNK_YEARS / 3, 2), 1);
        assert_eq!(three.busy_threads(CHUNK_YEARS / 3 + 1, 2), 2);
        let many = Workload::together(vec![one; 2 * CHUNK_YEARS as usize]);
        assert_eq!(many.busy_threads(1, 2), 1);
        assert_eq!(many.busy_threads(2, 2), 2);
    }

    #[test]
    fn years_cost_even_without_events_and_their_rows_are_counted() {
        let source = "name = \"m\"\nup = \"c\"\n[[component]]\nname = \"c\"\n";
        let still = Workload::estimate(&Model::parse(source, "m.toml").unwrap());
        assert_eq!(still.events_per_year, 0.0);
        assert_eq!(still.work(1000), 1000.0 * YEAR_COST_EVENTS);
        match still.judge(shape(1_000_000_000_000, 2)) {
            Verdict::TooLarge(TooLarge::Run(size)) => {
                assert_eq!(size.events, 1e12 * YEAR_COST_EVENTS);
            }
            other => panic!("{other:?}"),
        }
        let rows = RunShape {
            years: 1_000_000_000,
            threads: 2,
            writes_rows: true,
        };
        assert_eq!(
            still.judge(rows),
            Verdict::TooLarge(TooLarge::Output {
                bytes: 1e9 * YEAR_ROW_BYTES,
                years: 1_000_000_000,
            })
        );
        let without_rows = RunShape {
            writes_rows: false,
            ..rows
        };
        assert!(matches!(still.judge(without_rows), Verdict::Slow(_)));
    }

    /// With result files, report.html's timeline simulates the worst year once more.
    #[test]
    fn result_files_cost_one_more_year_on_one_thread() {
        let busy = Workload::estimate(&model("1d", "1h", 100, false));
        let bare = shape(1, 2);
        let with_files = RunShape {
            writes_rows: true,
            ..bare
        };
        let year = busy.work(1) / NOMINAL_EVENTS_PER_SECOND;
        assert_eq!(busy.run_seconds(bare), year);
        assert_eq!(busy.run_seconds(with_files), 2.0 * year);
    }

    #[test]
    fn variants_together_add_their_work() {
        let one = Workload::estimate(&model("1d", "1h", 100, false));
        let two = Workload::together([one.clone(), one.clone()]);
        assert_eq!(two.events_per_year, 2.0 * one.events_per_year);
        assert_eq!(two.streams, 2.0 * one.streams);
        assert_eq!(two.busiest, one.busiest);
        assert!(matches!(two.judge(shape(60_000, 2)), Verdict::Slow(_)));
    }

    #[test]
    fn node_failures_pay_for_scanning_every_replica() {
        let source = "name = \"fan\"\nup = \"c\"\n[kubernetes]\nnodes = 1000\n\
            node_failure = { every = { dist = \"exponential\", mean = \"1d\" }, repair = \"1h\" }\n\
            [[component]]\nname = \"c\"\nreplicas = 20000\nneeds = 1\nstart = \"1s\"\n";
        let fan = Workload::estimate(&Model::parse(source, "fan.toml").unwrap());
        // 1000 nodes fail every 1d + 1h; each failure has its two events, a failure, an
        // eviction and a repair for each of its 20 pods, and two scans of 20000 replicas.
        let failures = 1000.0 * Duration::YEAR.as_secs_f64() / 90_000.0;
        let per_failure = 2.0 + 3.0 * 20.0 + 2.0 * 20_000.0 * REPLICA_SCAN_EVENTS;
        assert!(
            (fan.events_per_year / (failures * per_failure) - 1.0).abs() < 1e-9,
            "{fan:?}"
        );
        // Minutes for two years on one thread: worth the note.
        assert!(matches!(fan.judge(shape(2, 2)), Verdict::Slow(_)));
    }

    /// Upgrades count as work: a schedule of one upgrade a millisecond is refused, where
    /// the same model upgraded monthly is not.
    #[test]
    fn upgrades_are_estimated() {
        let model = |every: &str| {
            let source = format!(
                "name = \"m\"\nup = \"db\"\n[maintenance]\nupgrade = {{ every = \"{every}\" }}\n\
                 [[component]]\nname = \"db\"\nreplicas = 2\nneeds = 1\n\
                 maintenance = {{ duration = \"1m\" }}\n"
            );
            Workload::estimate(&Model::parse(&source, "m.toml").unwrap())
        };
        let (monthly, frantic) = (model("30d"), model("1ms"));
        assert!(monthly.events_per_year < 1e3, "{monthly:?}");
        assert!(frantic.events_per_year > MAX_EVENTS_PER_YEAR, "{frantic:?}");
    }

    /// A model of one component that never fails, with `tables` appended.
    fn data_model(tables: &str) -> Workload {
        let source = format!("name = \"m\"\nup = \"db\"\n[[component]]\nname = \"db\"\n{tables}");
        Workload::estimate(&Model::parse(&source, "m.toml").unwrap())
    }

    /// `[backup]` every `every`, a share `fails` failing, `retention` (a line, or none),
    /// and a logical incident every day on average.
    fn backups(every: &str, fails: &str, retention: &str) -> Workload {
        data_model(&format!(
            "[backup]\nevery = \"{every}\"\nduration = \"0s\"\nfails = \"{fails}\"\n{retention}\n\
             restore = \"1h\"\n[[incident]]\nname = \"dropped\"\nkind = \"logical\"\n\
             every = {{ dist = \"exponential\", mean = \"1d\" }}\ndetect = \"0s\"\n"
        ))
    }

    /// Incidents count by their mean rate: a site loss every 2 s is four events (strike,
    /// end, the system's expression down and up), 6.3e7 a year; a run of the default
    /// 10,000 years is refused, where one a month is not worth a word.
    #[test]
    fn incidents_are_estimated_from_their_rate() {
        let incident = |every: &str| {
            data_model(&format!(
                "[[incident]]\nname = \"x\"\nkind = \"site\"\nrepair = \"1h\"\n\
                 every = {{ dist = \"exponential\", mean = \"{every}\" }}\ndetect = \"1s\"\n"
            ))
        };
        let frantic = incident("2s");
        let exact = Duration::YEAR.as_secs_f64() / 2.0 * 4.0;
        assert!(
            (frantic.events_per_year / exact - 1.0).abs() < 1e-12,
            "{frantic:?}"
        );
        assert!(matches!(
            frantic.judge(shape(10_000, 2)),
            Verdict::TooLarge(TooLarge::Run(_))
        ));
        assert_eq!(incident("30d").judge(shape(10_000, 2)), Verdict::Fine);
    }

    /// A restore looks at the newest backup when backups work, two on average when half
    /// fail, none when all fail (the engine knows there is nothing to find). Every year has
    /// incidents (365 a year on average), and draws its backups up to the last (a year's,
    /// 31,536,000) besides, unless all fail.
    #[test]
    fn restores_pay_for_the_backups_they_scan() {
        let retention = "retention = \"30d\"";
        let working = backups("1s", "0%", retention);
        let failing = backups("1s", "100%", retention);
        let strikes = Duration::YEAR.as_secs_f64() / 86_400.0;
        let year_of_backups = Duration::YEAR.as_secs_f64();
        let drawn = |scanned: f64| (year_of_backups + scanned) * (1.0 - crate::math::exp(-strikes));
        let events = |scanned: f64| {
            strikes * (4.0 + scanned * BACKUP_SCAN_EVENTS) + drawn(scanned) * BACKUP_SCAN_EVENTS
        };
        let close = |got: f64, exact: f64| (got / exact - 1.0).abs() < 1e-12;
        assert!(close(working.events_per_year, events(1.0)));
        assert!(close(failing.events_per_year, strikes * 4.0));
        assert_eq!(failing.backups, 0.0);
        assert!(close(working.backups, year_of_backups + 1.0));
        // A year's backups take time to draw: worth a warning, not a refusal.
        assert!(matches!(working.judge(shape(10_000, 2)), Verdict::Slow(_)));
        assert_eq!(failing.judge(shape(10_000, 2)), Verdict::Fine);
        // Half the backups failing: two looked at on average.
        let half = backups("1s", "50%", retention);
        assert!(close(half.events_per_year, events(2.0)));
    }

    /// A restart the liveness probe always kills loops for the rest of the year, one start
    /// every five minutes (105,120 a year), each a fiftieth of an event: a failure then
    /// costs some 2,100 events, where one whose restart serves costs 2.
    #[test]
    fn a_crash_loop_counts_its_killed_starts() {
        let model = |start: &str| {
            Workload::estimate(
                &Model::parse(
                    &format!(
                        "name = \"m\"\nup = \"a\"\n[kubernetes]\nnodes = 3\n[[component]]\n\
                         name = \"a\"\nstart = \"{start}\"\n\
                         liveness = {{ period = \"1s\", timeout = \"1s\", failure_threshold = 1 }}\n\
                         [[component.failure]]\nname = \"f\"\nevery = {{ dist = \"exponential\", mean = \"1y\" }}\n\
                         detect = \"exit\"\nrepair = \"restart\"\n"
                    ),
                    "m.toml",
                )
                .unwrap(),
            )
            .events_per_year
        };
        let (looping, serving) = (model("1h"), model("0s"));
        // Two events a cycle, the cycles sampled cut at the horizon.
        let cycles = serving / 2.0;
        let per_failure = 2.0 + KILLED_START_EVENTS * 105_120.0;
        assert!(
            (looping / (cycles * per_failure) - 1.0).abs() < 0.01,
            "{looping} events against {cycles} cycles of {per_failure}"
        );
    }

    /// A trace writes a line or so per event: a failure every second and a repair of a
    /// second, 3.2e7 events a year, would write about 5.9 GiB and is refused; a failure a
    /// month traces in kilobytes.
    #[test]
    fn a_trace_of_more_than_a_gib_is_refused() {
        let model = |every: &str| {
            Workload::estimate(
                &Model::parse(
                    &format!(
                        "name = \"m\"\nup = \"a\"\n[[component]]\nname = \"a\"\n\
                         [[component.failure]]\nname = \"f\"\nevery = \"{every}\"\nrepair = \"1s\"\n"
                    ),
                    "m.toml",
                )
                .unwrap(),
            )
        };
        let verdict = model("1s").judge_trace(shape(1, 1));
        let Verdict::TooLarge(TooLarge::Trace { bytes, events }) = verdict else {
            panic!("{verdict:?}");
        };
        assert!((events / 3.15e7 - 1.0).abs() < 0.01, "{events}");
        assert!(bytes > 5.8 * 1024.0 * 1024.0 * 1024.0, "{bytes}");
        assert_eq!(model("30d").judge_trace(shape(1, 1)), Verdict::Fine);
    }

    /// Without retention every backup is kept: a search ends at the first usable one, and
    /// none is made when every backup fails. The year's draws up to its incidents remain:
    /// backups every millisecond make one year too large, and every 100 ms, 3.2e8 backups
    /// a year of 16 bytes, in a vector that may hold twice that, need 9.4 GiB a thread.
    #[test]
    fn a_years_backups_are_drawn_up_to_its_incidents() {
        let hopeless = backups("1h", "100%", "");
        assert_eq!(hopeless.backups, 0.0);
        let frantic = backups("1ms", "0%", "");
        assert!(matches!(
            frantic.judge(shape(1, 2)),
            Verdict::TooLarge(TooLarge::Year(_))
        ));
        let busy = backups("100ms", "0%", "");
        let verdict = busy.judge(shape(10, 1));
        let Verdict::TooLarge(TooLarge::Memory {
            bytes,
            backups: drawn,
            ..
        }) = verdict
        else {
            panic!("{verdict:?}");
        };
        assert_eq!(drawn, 315_360_001.0);
        assert!(bytes > 9.3 * 1024.0 * 1024.0 * 1024.0, "{bytes}");
        assert_eq!(
            backups("1h", "0%", "").judge(shape(10_000, 2)),
            Verdict::Fine
        );
    }

    /// Whether `got` is `exact` but for the rounding of sums.
    fn close(got: f64, exact: f64) -> bool {
        (got / exact - 1.0).abs() < 1e-12
    }

    /// A replica's return draws each mode that is not exponential alone, and the
    /// exponential ones, when two or more, in one race; a fixed time is no draw: three
    /// Weibull modes are three draws (two besides the first), three Weibull and two
    /// exponential four, one exponential and one Weibull two, three fixed none.
    #[test]
    fn modes_drawn_alone_count_their_draws() {
        let model = |modes: &[&str]| {
            let mut source = "name = \"m\"\nup = \"a\"\n[[component]]\nname = \"a\"\n".to_string();
            for (i, every) in modes.iter().enumerate() {
                source.push_str(&format!(
                    "[[component.failure]]\nname = \"f{i}\"\nevery = {every}\nrepair = \"1h\"\n"
                ));
            }
            Model::parse(&source, "m.toml").unwrap()
        };
        let exp = "{ dist = \"exponential\", mean = \"100y\" }";
        let wb = "{ dist = \"weibull\", shape = 0.5, mean = \"1d\" }";
        let extra = |modes: &[&str]| extra_mode_draws(&model(modes).components()[0]);
        assert_eq!(extra(&[wb, wb, wb]), 2.0);
        assert_eq!(extra(&[wb, wb, wb, exp, exp]), 3.0);
        assert_eq!(extra(&[wb, exp]), 1.0);
        assert_eq!(extra(&[exp, exp, exp]), 0.0);
        assert_eq!(extra(&["\"1d\"", "\"2d\"", "\"3d\""]), 0.0);
        // Each sampled cycle: its two events and two more draws.
        let weibull = model(&[wb, wb, wb]);
        let cycles = renewals(&weibull)[0].as_ref().unwrap().failures;
        let events = Workload::estimate(&weibull).events_per_year;
        assert!(
            close(events, cycles * (2.0 + 2.0 * MODE_DRAW_EVENTS)),
            "{events} against {cycles} cycles"
        );
    }

    /// A drain looks, for each node, at every replica twice, and for each evicted pod at
    /// its component's replicas: 100 nodes and 1,000 pods drained daily are 365 drains of
    /// a start, 300 node events, 4,000 pod events and 1.2e6 looks.
    #[test]
    fn drains_count_their_scans_of_the_replicas() {
        let source = "name = \"d\"\nup = \"api\"\n\
            [maintenance]\nnode_drain = { every = \"1d\", start = \"0s\", reboot = \"1s\" }\n\
            [kubernetes]\nnodes = 100\n\
            [[component]]\nname = \"api\"\nreplicas = 1000\nstart = \"1s\"\n";
        let drained = Workload::estimate(&Model::parse(source, "d.toml").unwrap());
        let drains = Duration::YEAR.as_secs_f64() / 86_400.0;
        let looks = 2.0 * 100.0 * 1000.0 + 1000.0 * 1000.0;
        let exact = drains * (1.0 + 300.0 + 4000.0 + looks * DRAIN_SCAN_EVENTS);
        assert!(close(drained.events_per_year, exact), "{drained:?}");
    }

    /// Each time a store serves again, the replicas of its session holders are looked at:
    /// an etcd of 3 with a leader, each failing hourly and back a minute later, stops at
    /// its leader's failures (a third of 3 × 8,616 a year), each a look at 1,000 holders;
    /// the same store needing all 3 stops at every failure.
    #[test]
    fn a_stores_outages_look_at_every_session_holder() {
        let model = |needs: &str| {
            let source = format!(
                "name = \"s\"\nup = \"qn & etcd\"\n[kubernetes]\nnodes = 3\n\
                 [[component]]\nname = \"qn\"\nreplicas = 1000\nstart = \"5s\"\n\
                 session = {{ store = \"etcd\", ttl = \"30s\" }}\n\
                 [[component]]\nname = \"etcd\"\nreplicas = 3\nneeds = {needs}\nstart = \"1s\"\n\
                 leader = {{ election = \"1s\" }}\n\
                 [[component.failure]]\nname = \"crash\"\nevery = \"1h\"\nrepair = \"1m\"\n"
            );
            Workload::estimate(&Model::parse(&source, "s.toml").unwrap()).events_per_year
        };
        let failures = 3.0 * Duration::YEAR.as_secs_f64() / 3_660.0;
        let scans = |outages: f64| outages * 1000.0 * SESSION_HOLDER_SCAN_EVENTS;
        let quorum = model("\"majority\"");
        assert!(
            close(quorum, failures * 3.0 + scans(failures / 3.0)),
            "{quorum}"
        );
        let all = model("\"all\"");
        assert!(close(all, failures * 3.0 + scans(failures)), "{all}");
    }

    /// Counting a failure's requests looks at every attempt of the schedule and splits the
    /// run at each later attempt made before the failure is over: attempts 1 s apart, a
    /// failure hourly of 10 s (4 of the 4 retries within it) or of 2.5 s (2 of them).
    #[test]
    fn retries_count_the_attempts_within_each_failure() {
        let model = |repair: &str| {
            let source = format!(
                "name = \"t\"\nup = \"a\"\n[traffic]\nrate = \"100/s\"\n\
                 client = {{ attempts = 5, backoff = \"1s\", multiplier = 1 }}\n\
                 [[component]]\nname = \"a\"\n\
                 [[component.failure]]\nname = \"f\"\nevery = \"1h\"\nrepair = \"{repair}\"\n"
            );
            Workload::estimate(&Model::parse(&source, "t.toml").unwrap()).events_per_year
        };
        let events = |down: f64, pieces: f64| {
            let failures = Duration::YEAR.as_secs_f64() / (3_600.0 + down);
            failures * (2.0 + 5.0 * RETRY_ATTEMPT_EVENTS + pieces * RETRY_PIECE_EVENTS)
        };
        let long = model("10s");
        assert!(close(long, events(10.0, 4.0)), "{long}");
        let short = model("2500ms");
        assert!(close(short, events(2.5, 2.0)), "{short}");
    }
}
