//! `[traffic]`: the requests clients send, when, and how they retry.

pub use crate::mechanics::retry::RetryPolicy;

/// Requests to the system and to services, from `[traffic]` and `[traffic.services.<name>]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Traffic {
    /// Requests to the system (`up`).
    pub system: Demand,
    /// Requests to services, by index into the model's services, in file order.
    pub services: Vec<(usize, Demand)>,
    /// The profiles the file gave with a mean other than 1, scaled to it: each key (as
    /// `traffic.profile`) with the mean it gave.
    pub scaled_profiles: Vec<(String, f64)>,
}

/// The requests of one expression.
#[derive(Clone, Debug, PartialEq)]
pub struct Demand {
    /// Mean requests per second (positive).
    pub per_second: f64,
    /// Multipliers of the rate for each hour of the day (hour 0 starts the year), mean 1;
    /// `None` for a constant rate.
    pub profile: Option<[f64; 24]>,
    /// How clients retry.
    pub client: RetryPolicy,
}
