//! `[simulation]`: years, seed and horizon, with the documented defaults.

use super::toolkit::{Ctx, Value};
use super::values::{read_int, read_positive_duration, read_table};
use crate::model::Simulation;

/// Most years one run may simulate from the model file.
const MAX_YEARS: i64 = 1_000_000_000_000;

/// `[simulation]`, each absent key taking its default.
pub(super) fn read_simulation(ctx: &mut Ctx<'_>, value: &Value<'_>) -> Option<Simulation> {
    let mut table = read_table(ctx, value, "simulation")?;
    let defaults = Simulation::default();
    let years = table
        .get("years")
        .map(|v| read_int(ctx, v, "simulation.years", 1, MAX_YEARS).map(|n| n as u64));
    let seed = table
        .get("seed")
        .map(|v| read_int(ctx, v, "simulation.seed", 0, i64::MAX).map(|n| n as u64));
    let horizon = table
        .get("horizon")
        .map(|v| read_positive_duration(ctx, v, "simulation.horizon"));
    table.finish(ctx);
    Some(Simulation {
        years: years.unwrap_or(Some(defaults.years))?,
        seed: seed.unwrap_or(Some(defaults.seed))?,
        horizon: horizon.unwrap_or(Some(defaults.horizon))?,
    })
}
