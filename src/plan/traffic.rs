//! The requests of each expression, compiled: the rate over the day and the attempt
//! schedule of its clients.

use crate::model::{Demand, Model};
use crate::time::Duration;

/// One hour, the step of a daily profile.
const HOUR: u64 = 3_600_000_000;

/// Requests to one expression (`up` or a service).
#[derive(Clone, Debug, PartialEq)]
pub struct DemandPlan {
    /// Mean requests per second.
    per_second: f64,
    /// The rate's multiplier in each hour of the day (hour 0 starts the year); all 1
    /// without a profile.
    multipliers: [f64; 24],
    /// Requests per microsecond in each hour of the day.
    per_micro: [f64; 24],
    /// Whether the rate is the same every hour (no profile), so the hours need no breaks.
    constant: bool,
    /// When each attempt of a request is made, from its arrival: S_0 = 0 < S_1 < ....
    pub offsets: Vec<Duration>,
}

impl DemandPlan {
    /// The requests `demand` describes.
    pub fn new(demand: &Demand) -> DemandPlan {
        let per_micro = demand.per_second / 1e6;
        let multipliers = demand.profile.unwrap_or([1.0; 24]);
        DemandPlan {
            per_second: demand.per_second,
            multipliers,
            per_micro: multipliers.map(|m| m * per_micro),
            constant: demand.profile.is_none(),
            offsets: demand.client.schedule(),
        }
    }

    /// The rate at `at`, in requests per microsecond.
    pub fn rate_at(&self, at: Duration) -> f64 {
        self.per_micro[((at.as_micros() / HOUR) % 24) as usize]
    }

    /// The next change of the rate after `at` (the next hour), or `NEVER` for a constant
    /// rate.
    pub fn next_change(&self, at: Duration) -> Duration {
        if self.constant {
            return Duration::NEVER;
        }
        Duration::from_micros((at.as_micros() / HOUR + 1).saturating_mul(HOUR))
    }

    /// The requests arriving in `[0, horizon)`: the rate's integral.
    pub fn requests(&self, horizon: Duration) -> f64 {
        let (hours, rest) = (horizon.as_micros() / HOUR, horizon.as_micros() % HOUR);
        let (days, hour) = (hours / 24, (hours % 24) as usize);
        // In hours at a multiplier of 1, so that a constant rate gives whole seconds exactly.
        let day: f64 = self.multipliers.iter().sum();
        let partial: f64 = self.multipliers[..hour].iter().sum();
        let hours =
            days as f64 * day + partial + self.multipliers[hour] * rest as f64 / HOUR as f64;
        self.per_second * hours * 3600.0
    }
}

/// The requests of every expression: `up` first, then each service; `None` for an
/// expression whose requests are not counted.
pub(super) fn compile(model: &Model) -> Option<Vec<Option<DemandPlan>>> {
    let traffic = model.traffic()?;
    let mut demands = vec![None; 1 + model.services().len()];
    demands[0] = Some(DemandPlan::new(&traffic.system));
    for (service, demand) in &traffic.services {
        demands[1 + service] = Some(DemandPlan::new(demand));
    }
    Some(demands)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::RetryPolicy;

    #[test]
    fn the_profile_integrates_hour_by_hour_over_the_horizon() {
        let mut profile = [1.0; 24];
        profile[0] = 0.5;
        profile[1] = 1.5;
        let demand = Demand {
            per_second: 10.0,
            profile: Some(profile),
            client: RetryPolicy::NONE,
        };
        let plan = DemandPlan::new(&demand);
        // A year of 365 whole days: the mean rate times the year.
        let year = plan.requests(Duration::YEAR);
        assert!((year - 10.0 * 31_536_000.0).abs() < 1e-3, "{year}");
        // Ninety minutes: an hour at 5/s, half an hour at 15/s.
        let minutes = plan.requests(Duration::from_secs(5400));
        assert!(
            (minutes - (5.0 * 3600.0 + 15.0 * 1800.0)).abs() < 1e-9,
            "{minutes}"
        );
        assert_eq!(plan.rate_at(Duration::from_secs(3600)), 1.5 * (10.0 / 1e6));
        let day = Duration::from_secs(86_400);
        assert_eq!(plan.rate_at(day), 0.5 * (10.0 / 1e6));
        assert_eq!(plan.next_change(day), Duration::from_secs(90_000));
        let constant = DemandPlan::new(&Demand {
            profile: None,
            ..demand
        });
        assert_eq!(constant.next_change(day), Duration::NEVER);
    }
}
