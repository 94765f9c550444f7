//! The independent floor: what the engine's draws would cost with nothing of the project's
//! design, so that benchmarks show the distance to the limit, not only to the project's own
//! floor (which draws from the engine's streams, one per purpose).
//!
//! A counting run of the engine tallies its draws of each distribution over the years to be
//! timed ([`Independent::count`]). The independent floor then draws the same number of each,
//! year by year, from one ChaCha8 stream per year (`rand`'s `ChaCha8Rng`, four blocks at a
//! time) with the fastest samplers of each family: an exponential, and the race of a
//! component's exponential modes, as one ziggurat `Exp1` variate times the mean; a lognormal
//! as `exp` of a ziggurat `StandardNormal` variate; every other family with the
//! distribution's own sampler, which already draws one number (uniform, empirical, Weibull)
//! or is the ziggurat-based Marsaglia and Tsang method (gamma). No queue, no state, no
//! statistics: each draw becomes a duration and a checksum, nothing else.

use super::FloorTotals;
use crate::bench::BenchError;
use crate::dist::Dist;
use crate::engine::Engine;
use crate::math;
use crate::plan::Plan;
use crate::rng::{DrawTally, StreamKey};
use crate::run::{CHUNK_YEARS, pipeline};
use crate::time::Duration;
use rand::rngs::ChaCha8Rng;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, Exp1, StandardNormal};
use std::sync::atomic::AtomicBool;

/// The fastest way to draw one family's samples.
#[derive(Clone, Debug, PartialEq)]
enum Fastest {
    /// `Exp1` times the mean, in microseconds.
    Exponential { mean: f64 },
    /// `exp(mu + sigma Z)`, microseconds, with `Z` standard normal.
    LogNormal { mu: f64, sigma: f64 },
    /// The distribution's own sampler.
    Own(Dist),
    /// One 64-bit word (a direct draw that is not a race).
    Word,
}

impl Fastest {
    /// The fastest sampler of `dist`'s family, with its parameters.
    fn of(dist: &Dist) -> Fastest {
        let micros = |secs: f64| secs * 1e6;
        if dist.is_exponential() {
            return Fastest::Exponential {
                mean: micros(dist.mean_secs()),
            };
        }
        // The parameters of a lognormal, from its exact median exp(mu) and mean
        // exp(mu + sigma^2 / 2) (`Dist` keeps them private).
        if dist.to_string().starts_with("lognormal(") {
            let mu = math::ln(micros(dist.quantile_secs(0.5)));
            let sigma = (2.0 * (math::ln(micros(dist.mean_secs())) - mu))
                .max(0.0)
                .sqrt();
            return Fastest::LogNormal { mu, sigma };
        }
        Fastest::Own(dist.clone())
    }

    /// One draw, in microseconds.
    #[inline]
    fn draw(&self, rng: &mut ChaCha8Rng) -> Duration {
        match self {
            Fastest::Exponential { mean } => {
                let unit: f64 = Exp1.sample(rng);
                Duration::from_micros_f64(unit * mean)
            }
            Fastest::LogNormal { mu, sigma } => {
                let z: f64 = StandardNormal.sample(rng);
                Duration::from_micros_f64(math::exp(mu + sigma * z))
            }
            Fastest::Own(dist) => dist.sample(rng),
            Fastest::Word => Duration::from_micros(rng.next_u64() >> 40),
        }
    }
}

/// The draws of one timed run of the engine, to be drawn again the fastest way.
#[derive(Clone, Debug, PartialEq)]
pub struct Independent {
    /// Each sampler and how many draws it makes over all the years.
    draws: Vec<(Fastest, u64)>,
    /// The years the draws were counted over.
    years: u64,
}

impl Independent {
    /// Counts the draws of years `0..years` of `plan` in the engine (one thread, untimed).
    pub fn count(plan: &Plan, years: u64) -> Independent {
        let mut engine = Engine::new(plan).with_draw_tally();
        for year in 0..years {
            engine.simulate(year);
        }
        let tally = engine.draw_tally().cloned().unwrap_or_default();
        Independent::from_tally(plan, &tally, years)
    }

    /// The samplers of `tally`, counted over `years` years of `plan`.
    fn from_tally(plan: &Plan, tally: &DrawTally, years: u64) -> Independent {
        let mut draws: Vec<(Fastest, u64)> = Vec::new();
        let mut add = |fastest: Fastest, count: u64| match draws
            .iter_mut()
            .find(|(known, _)| *known == fastest)
        {
            Some((_, total)) => *total += count,
            None => draws.push((fastest, count)),
        };
        for (dist, count) in &tally.dists {
            add(Fastest::of(dist), *count);
        }
        if tally.below > 0 {
            let unit = Dist::uniform(Duration::ZERO, Duration::from_secs(1));
            add(Fastest::Own(unit.expect("0 s is below 1 s")), tally.below);
        }
        let direct = tally.direct.iter().enumerate();
        for (stream, &count) in direct.filter(|&(_, &count)| count > 0) {
            add(
                race_mean(plan, stream).map_or(Fastest::Word, |mean| Fastest::Exponential { mean }),
                count,
            );
        }
        Independent { draws, years }
    }

    /// Draws every year of `years` on `threads` threads, in the chunks and on the pipeline
    /// of the engine's runs, adding up what was drawn.
    pub fn draw_years(&self, years: u64, threads: usize) -> Result<FloorTotals, BenchError> {
        let key = StreamKey::derive(0, "independent floor").seed_bytes();
        let mut totals = FloorTotals::default();
        pipeline(
            0..years,
            CHUNK_YEARS,
            threads,
            &AtomicBool::new(false),
            || ChaCha8Rng::from_seed(key),
            |rng, range, chunk: &mut FloorTotals| {
                *chunk = FloorTotals::default();
                range.for_each(|year| self.year(rng, year, chunk));
            },
            |chunk: &mut FloorTotals| {
                totals.add(chunk);
                Ok::<(), std::convert::Infallible>(())
            },
        )?;
        Ok(totals)
    }

    /// Year `year`'s share of every sampler's draws, from the year's own stream.
    fn year(&self, rng: &mut ChaCha8Rng, year: u64, totals: &mut FloorTotals) {
        rng.set_stream(year);
        rng.set_word_pos(0);
        for (fastest, total) in &self.draws {
            for _ in 0..self.share(*total, year) {
                let drawn = fastest.draw(rng);
                totals.checksum = totals.checksum.wrapping_add(drawn.as_micros());
                totals.draws += 1;
            }
        }
        totals.years += 1;
    }

    /// Year `year`'s share of `total` draws: over years `0..self.years` the shares add up
    /// to `total` exactly (a year past them gets the last year's share).
    fn share(&self, total: u64, year: u64) -> u64 {
        let years = u128::from(self.years.max(1));
        let year = u128::from(year % self.years.max(1));
        let upto = |y: u128| u128::from(total) * y / years;
        (upto(year + 1) - upto(year)) as u64
    }

    /// Draws per year on average.
    pub fn draws_per_year(&self) -> f64 {
        self.draws
            .iter()
            .map(|(_, count)| *count as f64)
            .sum::<f64>()
            / self.years.max(1) as f64
    }
}

/// The mean of the race drawn from stream `stream`, if it is a race stream: the race of
/// exponential modes is exponential with the sum of their rates.
fn race_mean(plan: &Plan, stream: usize) -> Option<f64> {
    plan.components.iter().find_map(|component| {
        let race = component.race.as_ref()?;
        (0..component.replicas)
            .any(|replica| component.streams.race(replica) == stream)
            .then(|| {
                let rate: f64 = race
                    .modes
                    .iter()
                    .map(|&mode| 1.0 / (component.modes[mode].every.mean_secs() * 1e6))
                    .sum();
                1.0 / rate
            })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;

    /// The counted draws are all drawn again, year by year, exactly as many in all.
    #[test]
    fn draws_as_many_as_the_engine_counted() {
        let plan = Plan::compile(&fixtures::shipped("milvus-ha-l1"), 1);
        let independent = Independent::count(&plan, 40);
        let counted: u64 = independent.draws.iter().map(|(_, count)| count).sum();
        assert!(counted > 40 * 100, "too few draws counted: {counted}");
        assert!(
            independent
                .draws
                .iter()
                .any(|(fastest, _)| matches!(fastest, Fastest::LogNormal { .. })),
            "the milvus model repairs with lognormals"
        );
        let one = independent.draw_years(40, 1).unwrap();
        let two = independent.draw_years(40, 2).unwrap();
        assert_eq!(one, two);
        assert_eq!(one.draws, counted);
        assert_eq!(one.years, 40);
    }

    /// A lognormal's parameters come back from its median and mean, and its fastest
    /// draws have its median.
    #[test]
    fn lognormal_parameters_are_recovered() {
        let secs = Duration::from_secs;
        let dist = Dist::lognormal_median_sigma(secs(40), 0.5).unwrap();
        let Fastest::LogNormal { mu, sigma } = Fastest::of(&dist) else {
            panic!("not recognised as a lognormal: {dist}");
        };
        assert!((mu - math::ln(40e6_f64)).abs() < 1e-9, "{mu}");
        assert!((sigma - 0.5).abs() < 1e-9, "{sigma}");
        let exponential = Fastest::of(&Dist::exponential(secs(10)));
        assert_eq!(exponential, Fastest::Exponential { mean: 10e6 });
    }

    /// Shares spread a total over the years exactly.
    #[test]
    fn shares_add_up() {
        let independent = Independent {
            draws: Vec::new(),
            years: 7,
        };
        let shares: Vec<u64> = (0..7).map(|year| independent.share(10, year)).collect();
        assert_eq!(shares.iter().sum::<u64>(), 10);
        assert!(shares.iter().all(|share| (1..=2).contains(share)));
    }
}
