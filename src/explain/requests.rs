//! What clients see, in closed form: for the system and each service with `[traffic]`, the
//! requests that each cause's failures fail, beside the time-based availability.
//!
//! A window in which every attempt at the expression fails with chance p, of length W and
//! with every attempt succeeding after it, fails a request arriving at t (t from the
//! window's start) only when all K attempts land in it, t + S_{K−1} < W: so
//! rate × p^K × max(0, W − S_{K−1}) requests (domain-facts G4), whose mean over the quantile
//! grid of W is the estimate. A failure of one replica opens one window: a whole outage of
//! the component while it has no spare (its downtime), an election when the replica led
//! (the election), or else the time the dead replica stays routed (`mechanics::routing`),
//! with p from the component's and the expression's chance of success stated there.
//! Concurrent failures are left out: an estimate, which `nines run` counts exactly.

use super::rv::Rv;
use super::{ComponentEstimate, Timeline};
use crate::expr::Expr;
use crate::mechanics::routing::{Routed, expression_success};
use crate::model::{Demand, Model};
use crate::plan::DemandPlan;
use crate::time::Duration;
use serde::Serialize;

/// The windows in which a failure of one replica of one cause fails attempts.
#[derive(Clone, Debug)]
pub(super) struct Windows {
    /// The failing replica's component, by index.
    pub(super) component: usize,
    /// The replica's whole downtime.
    pub(super) down: Rv,
    /// How long the failed replica stays routed.
    pub(super) routed: Rv,
}

/// Which window of a failure fails requests.
#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Window {
    /// The component is down while the replica is (it has no spare).
    Outage,
    /// The replica led: the component is down for the election.
    Election,
    /// The dead replica is still routed: a share of the attempts go to it.
    Routed,
}

/// The requests one cause fails.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct CauseRequests {
    /// `component/mode`, as in the timelines.
    pub cause: String,
    /// Which window fails requests.
    pub window: Window,
    /// Windows a year.
    pub per_year: f64,
    /// The window's mean length, in seconds.
    pub window_mean_s: f64,
    /// The chance that an attempt at the expression fails in the window.
    pub attempt_fails: f64,
    /// Failed requests per window.
    pub failed_per_window: f64,
}

/// The request-based estimate of one expression with traffic.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct RequestEstimate {
    /// `up` for the system, else the service's name.
    pub name: String,
    /// Requests a year.
    pub per_year: f64,
    /// Attempts per request, and the last one's offset from the first, in seconds.
    pub attempts: usize,
    /// The last attempt's offset from the first, in seconds.
    pub last_attempt_s: f64,
    /// Per cause whose failures fail requests, largest first.
    pub causes: Vec<CauseRequests>,
    /// Failed requests a year: the causes' sum.
    pub failed_per_year: f64,
    /// 1 − failed / requests.
    pub success: f64,
    /// The time-based estimate of the same expression, to compare.
    pub availability: f64,
}

/// The estimates of every expression with traffic: `up`, then the services in file order.
/// `windows` follows `timelines`; `availability` is `up`'s, then each service's.
pub(super) fn estimates(
    model: &Model,
    timelines: &[Timeline],
    windows: &[Windows],
    elections: &[Option<Rv>],
    components: &[ComponentEstimate],
    availability: &[f64],
) -> Vec<RequestEstimate> {
    let Some(traffic) = model.traffic() else {
        return Vec::new();
    };
    let services = traffic.services.iter().map(|(index, demand)| {
        let service = &model.services()[*index];
        (
            &service.name[..],
            &service.up.expr,
            demand,
            availability[1 + index],
        )
    });
    let system = ("up", &model.up().expr, &traffic.system, availability[0]);
    let failures = Failures {
        timelines,
        windows,
        elections,
        components,
    };
    std::iter::once(system)
        .chain(services)
        .map(|(name, expr, demand, availability)| {
            failures.estimate(name, expr, demand, availability)
        })
        .collect()
}

/// What the explanation knows of each cause's failures.
struct Failures<'a> {
    timelines: &'a [Timeline],
    windows: &'a [Windows],
    elections: &'a [Option<Rv>],
    components: &'a [ComponentEstimate],
}

impl Failures<'_> {
    fn estimate(
        &self,
        name: &str,
        expr: &Expr,
        demand: &Demand,
        availability: f64,
    ) -> RequestEstimate {
        let plan = DemandPlan::new(demand);
        let last = plan.offsets.last().copied().unwrap_or(Duration::ZERO);
        let per_year = plan.requests(Duration::YEAR);
        let rate = per_year / Duration::YEAR.as_secs_f64();
        let mut causes: Vec<CauseRequests> = (self.timelines.iter())
            .zip(self.windows)
            .filter_map(|(timeline, windows)| {
                let (window, length, per_year, fails) = self.window(timeline, windows, expr)?;
                let attempts = u32::try_from(plan.offsets.len()).unwrap_or(u32::MAX);
                let beyond = mean_beyond(length, last.as_secs_f64());
                Some(CauseRequests {
                    cause: timeline.cause.clone(),
                    window,
                    per_year,
                    window_mean_s: length.mean,
                    attempt_fails: fails,
                    failed_per_window: rate * crate::math::powi(fails, attempts) * beyond,
                })
            })
            .collect();
        causes.sort_by(|a, b| {
            (b.per_year * b.failed_per_window).total_cmp(&(a.per_year * a.failed_per_window))
        });
        let failed_per_year = causes
            .iter()
            .map(|c| c.per_year * c.failed_per_window)
            .sum();
        RequestEstimate {
            name: name.to_string(),
            per_year,
            attempts: plan.offsets.len(),
            last_attempt_s: last.as_secs_f64(),
            causes,
            failed_per_year,
            success: 1.0 - failed_per_year / per_year,
            availability,
        }
    }

    /// The window of one failure of `timeline`'s cause that fails attempts at `expr`: which,
    /// its length, how many a year, and the chance that an attempt fails in it; `None` when
    /// none fails.
    fn window<'w>(
        &'w self,
        timeline: &Timeline,
        windows: &'w Windows,
        expr: &Expr,
    ) -> Option<(Window, &'w Rv, f64, f64)> {
        let component = &self.components[windows.component];
        let replicas = f64::from(component.replicas);
        let election = self.elections[windows.component].as_ref();
        let (window, length, per_year, routed) = if component.needs == component.replicas {
            let routed = Routed {
                serving: false,
                leader: false,
                up: 0,
                dead_routed: 0,
            };
            let per_year = replicas * timeline.per_replica_per_year;
            (Window::Outage, &windows.down, per_year, routed)
        } else if let Some(election) = election {
            let routed = Routed {
                serving: false,
                leader: true,
                up: 0,
                dead_routed: 0,
            };
            // Each replica leads a share 1/n of the time.
            let per_year = timeline.per_replica_per_year;
            (Window::Election, election, per_year, routed)
        } else {
            let routed = Routed {
                serving: true,
                leader: false,
                up: component.replicas - 1,
                dead_routed: 1,
            };
            let per_year = replicas * timeline.per_replica_per_year;
            (Window::Routed, &windows.routed, per_year, routed)
        };
        let mut success = vec![1.0; self.components.len()];
        success[windows.component] = routed.success();
        let fails = 1.0 - expression_success(expr, &success);
        (fails > 0.0).then_some((window, length, per_year, fails))
    }
}

/// E[max(0, W − last)] over the quantile grid of W, in seconds.
fn mean_beyond(window: &Rv, last: f64) -> f64 {
    if last == 0.0 {
        return window.mean;
    }
    let beyond: f64 = window.grid.iter().map(|w| (w - last).max(0.0)).sum();
    beyond / window.grid.len() as f64
}

#[cfg(test)]
mod tests {
    use crate::explain::explain;
    use crate::model::Model;

    /// `replicas` of `db` (needs `needs`), each failing every 10 days on average, noticed
    /// after exactly 20 s and repaired exactly 1 min later, with `traffic`.
    fn model(replicas: u32, needs: u32, traffic: &str) -> Model {
        let text = format!(
            r#"
name = "requests"
up = "db"
[services]
read = "db"
[[component]]
name = "db"
replicas = {replicas}
needs = {needs}
  [[component.failure]]
  name = "crash"
  every = {{ dist = "exponential", mean = "10d" }}
  detect = "20s"
  repair = "1m"
[traffic]
{traffic}
"#
        );
        crate::fixtures::model(&text)
    }

    fn close(actual: f64, expected: f64) {
        assert!(
            (actual - expected).abs() <= 1e-9 * expected.abs().max(1.0),
            "{actual} != {expected}"
        );
    }

    #[test]
    fn an_outage_fails_the_requests_whose_last_attempt_falls_in_it() {
        // One replica: each failure is an 80 s outage. One attempt fails 50/s × 80 s; three
        // attempts 30 s apart fail what arrives in the first 20 s; pymilvus's 210.64 s none.
        let traffic = "rate = \"50/s\"\n[traffic.services.read]\nrate = \"10/s\"\nclient = { attempts = 3, backoff = \"30s\", multiplier = 1 }";
        let explanation = explain(&model(1, 1, traffic));
        let [up, read] = &explanation.requests[..] else {
            panic!("{:?}", explanation.requests)
        };
        let [cause] = &up.causes[..] else { panic!() };
        assert_eq!(cause.window, super::Window::Outage);
        close(cause.window_mean_s, 80.0);
        close(cause.failed_per_window, 4000.0);
        close(read.causes[0].failed_per_window, 200.0);
        // A failure every 10 days of up time: 365 / (10 + 80 s in days) a year.
        let per_year = 365.0 / (10.0 + 80.0 / 86_400.0);
        close(cause.per_year, per_year);
        close(up.failed_per_year, per_year * 4000.0);
        close(up.success, 1.0 - per_year * 4000.0 / (50.0 * 31_536_000.0));
        close(up.availability, explanation.availability);
        let pymilvus = explain(&model(1, 1, "rate = \"50/s\"\nclient = \"pymilvus\""));
        close(pymilvus.requests[0].last_attempt_s, 210.64);
        assert_eq!(pymilvus.requests[0].causes[0].failed_per_window, 0.0);
    }

    #[test]
    fn a_dead_replica_still_routed_fails_its_share_of_every_attempt() {
        // Two replicas, one needed: the failed one stays routed for its 20 s of detection
        // (level 1), taking half of the attempts: 10/s × 20 s / 2 with one attempt, and
        // 10/s × 18 s / 8 with three attempts a second apart (as the engine counts them).
        let traffic = "rate = \"10/s\"\n[traffic.services.read]\nclient = { attempts = 3, backoff = \"1s\", multiplier = 1 }";
        let explanation = explain(&model(2, 1, traffic));
        let [up, read] = &explanation.requests[..] else {
            panic!()
        };
        assert_eq!(up.causes[0].window, super::Window::Routed);
        close(up.causes[0].attempt_fails, 0.5);
        close(up.causes[0].failed_per_window, 10.0 * 20.0 / 2.0);
        close(read.causes[0].failed_per_window, 10.0 * 18.0 / 8.0);
        let per_year = 2.0 * 365.0 / (10.0 + 80.0 / 86_400.0);
        close(up.causes[0].per_year, per_year);
    }

    #[test]
    fn a_model_without_traffic_has_no_request_estimate() {
        let text = "name = \"x\"\nup = \"db\"\n[[component]]\nname = \"db\"\n  [[component.failure]]\n  name = \"crash\"\n  every = \"10d\"\n  repair = \"1m\"\n";
        assert!(explain(&crate::fixtures::model(text)).requests.is_empty());
    }
}
