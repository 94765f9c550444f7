//! Probability distributions of durations, and how they are sampled.
//!
//! Every distribution except `gamma` is sampled by inversion from exactly one 64-bit draw:
//! the same uniform always maps to the same quantile. That keeps draws synchronised between
//! model variants run on common random numbers (a longer repair time stays longer draw by
//! draw), which is what makes paired comparisons precise. Gamma has no cheap inverse, so it
//! uses Marsaglia and Tsang's method ([`gamma`]: a variable number of draws); each purpose
//! draws from its own stream, so that variability stays contained.
//!
//! Every logarithm, exponential and power goes through [`crate::math`], so a draw is the
//! same bits on every platform (the pinned draws in `pinned_tests` hold them to it).

mod gamma;
#[cfg(test)]
mod pinned_tests;

use crate::math::{self, special};
use crate::time::Duration;
use rand::Rng;
use std::fmt;

/// A validated distribution of durations. Parameters are held in microseconds.
#[derive(Clone, Debug, PartialEq)]
pub struct Dist {
    kind: Kind,
}

#[derive(Clone, Debug, PartialEq)]
enum Kind {
    Fixed(Duration),
    Exponential { mean: f64 },
    Weibull { shape: f64, scale: f64 },
    LogNormal { mu: f64, sigma: f64 },
    Gamma { shape: f64, scale: f64 },
    Uniform { min: f64, max: f64 },
    Empirical(Vec<Duration>),
}

/// Why distribution parameters were rejected.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum DistError {
    /// A shape or similar number was not a positive finite value.
    #[error("`{name}` must be a positive finite number, got {value:?}")]
    NotPositive {
        /// The parameter's name.
        name: &'static str,
        /// What the model gave.
        value: f64,
    },
    /// A sigma was negative or not finite (zero is a fixed duration).
    #[error("`{name}` must be a finite number, 0 or more, got {value:?}")]
    Negative {
        /// The parameter's name.
        name: &'static str,
        /// What the model gave.
        value: f64,
    },
    /// A Weibull shape so small that Gamma(1 + 1/shape) overflows: no scale has that mean.
    #[error(
        "`shape` {shape:?} is too small to turn `mean` into a scale (Gamma(1 + 1/shape) \
         overflows below a shape of about 0.0058); give `scale` instead"
    )]
    ShapeTooSmallForMean {
        /// The shape given.
        shape: f64,
    },
    /// `min` exceeded `max`.
    #[error("`min` ({min}) is larger than `max` ({max})")]
    MinAboveMax {
        /// The lower bound given.
        min: Duration,
        /// The upper bound given.
        max: Duration,
    },
    /// An empirical distribution without samples.
    #[error("`samples` must list at least one duration")]
    NoSamples,
}

impl Dist {
    /// Always `value`.
    pub fn fixed(value: Duration) -> Dist {
        Dist {
            kind: Kind::Fixed(value),
        }
    }

    /// Exponential with the given mean.
    pub fn exponential(mean: Duration) -> Dist {
        if mean == Duration::ZERO {
            return Dist::fixed(mean);
        }
        Dist {
            kind: Kind::Exponential { mean: micros(mean) },
        }
    }

    /// Weibull with `shape` and `scale`.
    pub fn weibull_scale(shape: f64, scale: Duration) -> Result<Dist, DistError> {
        positive("shape", shape)?;
        Ok(Dist::weibull_micros(shape, micros(scale)))
    }

    /// Weibull with `shape` and the given mean: scale = mean / Gamma(1 + 1/shape).
    pub fn weibull_mean(shape: f64, mean: Duration) -> Result<Dist, DistError> {
        positive("shape", shape)?;
        let gamma = math::gamma(1.0 + 1.0 / shape);
        if !gamma.is_finite() {
            return Err(DistError::ShapeTooSmallForMean { shape });
        }
        Ok(Dist::weibull_micros(shape, micros(mean) / gamma))
    }

    fn weibull_micros(shape: f64, scale: f64) -> Dist {
        if scale == 0.0 {
            return Dist::fixed(Duration::ZERO);
        }
        Dist {
            kind: Kind::Weibull { shape, scale },
        }
    }

    /// Log-normal with the given mean and standard deviation.
    pub fn lognormal_mean_sd(mean: Duration, sd: Duration) -> Dist {
        if mean == Duration::ZERO || sd == Duration::ZERO {
            return Dist::fixed(mean);
        }
        let (m, s) = (micros(mean), micros(sd));
        let sigma2 = math::ln(1.0 + (s / m) * (s / m));
        Dist {
            kind: Kind::LogNormal {
                mu: math::ln(m) - sigma2 / 2.0,
                sigma: sigma2.sqrt(),
            },
        }
    }

    /// Log-normal with the given median and `sigma`, the standard deviation of ln(X).
    pub fn lognormal_median_sigma(median: Duration, sigma: f64) -> Result<Dist, DistError> {
        if !(sigma.is_finite() && sigma >= 0.0) {
            return Err(DistError::Negative {
                name: "sigma",
                value: sigma,
            });
        }
        if median == Duration::ZERO || sigma == 0.0 {
            return Ok(Dist::fixed(median));
        }
        Ok(Dist {
            kind: Kind::LogNormal {
                mu: math::ln(micros(median)),
                sigma,
            },
        })
    }

    /// Gamma with `shape` and the given mean.
    pub fn gamma(shape: f64, mean: Duration) -> Result<Dist, DistError> {
        positive("shape", shape)?;
        if mean == Duration::ZERO {
            return Ok(Dist::fixed(mean));
        }
        Ok(Dist {
            kind: Kind::Gamma {
                shape,
                scale: micros(mean) / shape,
            },
        })
    }

    /// Uniform on `[min, max]`.
    pub fn uniform(min: Duration, max: Duration) -> Result<Dist, DistError> {
        if min > max {
            return Err(DistError::MinAboveMax { min, max });
        }
        if min == max {
            return Ok(Dist::fixed(min));
        }
        Ok(Dist {
            kind: Kind::Uniform {
                min: micros(min),
                max: micros(max),
            },
        })
    }

    /// Each draw picks one of `samples` with equal probability.
    pub fn empirical(samples: Vec<Duration>) -> Result<Dist, DistError> {
        match samples.as_slice() {
            [] => Err(DistError::NoSamples),
            [only] => Ok(Dist::fixed(*only)),
            _ => Ok(Dist {
                kind: Kind::Empirical(samples),
            }),
        }
    }

    /// Draws one duration.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> Duration {
        let micros = match &self.kind {
            Kind::Fixed(value) => return *value,
            Kind::Exponential { mean } => -mean * math::ln(open_unit(rng)),
            Kind::Weibull { shape, scale } => {
                scale * math::powf(-math::ln(open_unit(rng)), 1.0 / shape)
            }
            Kind::LogNormal { mu, sigma } => {
                math::exp(mu + sigma * std_normal_quantile(open_unit(rng)))
            }
            Kind::Gamma { shape, scale } => scale * gamma::standard(*shape, rng),
            Kind::Uniform { min, max } => min + (max - min) * open_unit(rng),
            Kind::Empirical(samples) => {
                let index = (open_unit(rng) * samples.len() as f64) as usize;
                return samples[index.min(samples.len() - 1)];
            }
        };
        Duration::from_micros_f64(micros)
    }

    /// The `p`-quantile in seconds, for `p` in (0, 1): the inverse of the distribution
    /// function that sampling uses (exact for every kind; gamma by bisection on its
    /// incomplete gamma function, and past a shape of a million through its normal
    /// approximation).
    pub fn quantile_secs(&self, p: f64) -> f64 {
        /// Shapes above which the gamma's quantile is taken from its normal approximation.
        const GAMMA_NORMAL_SHAPE: f64 = 1e6;
        let p = clamp_probability(p);
        let micros = match &self.kind {
            Kind::Fixed(value) => value.as_micros() as f64,
            Kind::Exponential { mean } => -mean * math::ln(1.0 - p),
            Kind::Weibull { shape, scale } => scale * math::powf(-math::ln(1.0 - p), 1.0 / shape),
            Kind::LogNormal { mu, sigma } => math::exp(mu + sigma * std_normal_quantile(p)),
            // Bisection would sum ever longer series for huge shapes, where the gamma is as
            // good as normal: the Wilson-Hilferty cube is then exact to ~1/shape.
            Kind::Gamma { shape, scale } if *shape > GAMMA_NORMAL_SHAPE => {
                let spread = 1.0 / (9.0 * shape);
                let cube = 1.0 - spread + std_normal_quantile(p) * spread.sqrt();
                shape * scale * math::powi(cube.max(0.0), 3)
            }
            Kind::Gamma { shape, scale } => {
                let cdf = |x: f64| special::gamma_reg(*shape, x);
                scale * special::invert(cdf, p, 0.0, *shape)
            }
            Kind::Uniform { min, max } => min + (max - min) * p,
            Kind::Empirical(samples) => {
                let mut sorted = samples.clone();
                sorted.sort();
                empirical_quantile_micros(&sorted, p)
            }
        };
        micros / 1e6
    }

    /// [`Dist::quantile_secs`] of each of `ps`; the samples of an empirical distribution
    /// are sorted once for all (a million samples sorted for each of 400 quantiles kept
    /// `explain` busy for minutes).
    pub fn quantiles_secs(&self, ps: &[f64]) -> Vec<f64> {
        match &self.kind {
            Kind::Empirical(samples) => {
                let mut sorted = samples.clone();
                sorted.sort();
                ps.iter()
                    .map(|p| empirical_quantile_micros(&sorted, clamp_probability(*p)) / 1e6)
                    .collect()
            }
            _ => ps.iter().map(|p| self.quantile_secs(*p)).collect(),
        }
    }

    /// P(X ≤ `secs`), the distribution function that [`Dist::quantile_secs`] inverts (a
    /// fixed or empirical distribution's steps included: a draw equal to `secs` counts).
    pub fn cdf_secs(&self, secs: f64) -> f64 {
        let t = secs * 1e6;
        match &self.kind {
            Kind::Fixed(value) => f64::from(u8::from(t >= value.as_micros() as f64)),
            Kind::Gamma { shape, scale } => special::gamma_reg(*shape, (t / scale).max(0.0)),
            Kind::LogNormal { mu, sigma } if t > 0.0 => std_normal_cdf((math::ln(t) - mu) / sigma),
            Kind::Uniform { min, max } => ((t - min) / (max - min)).clamp(0.0, 1.0),
            Kind::Empirical(samples) => {
                let at_most = samples.iter().filter(|s| s.as_micros() as f64 <= t).count();
                at_most as f64 / samples.len() as f64
            }
            Kind::Exponential { .. } | Kind::Weibull { .. } => 1.0 - self.survival_secs(secs),
            Kind::LogNormal { .. } => 0.0,
        }
    }

    /// P(X > `secs`): one less [`Dist::cdf_secs`], taken directly where that keeps the far
    /// tail's digits (exponential, Weibull).
    pub fn survival_secs(&self, secs: f64) -> f64 {
        let t = (secs * 1e6).max(0.0);
        match &self.kind {
            Kind::Exponential { mean } => math::exp(-t / mean),
            Kind::Weibull { shape, scale } => math::exp(-math::powf(t / scale, *shape)),
            _ => 1.0 - self.cdf_secs(secs),
        }
    }

    /// ([`Dist::survival_secs`], [`Dist::cdf_secs`]) at `secs`, the same bits as the two
    /// calls but from one evaluation: each is one less the other for every kind, so taking
    /// both separately costs every power and exponential twice.
    pub fn survival_and_cdf_secs(&self, secs: f64) -> (f64, f64) {
        match &self.kind {
            Kind::Exponential { .. } | Kind::Weibull { .. } => {
                let survival = self.survival_secs(secs);
                (survival, 1.0 - survival)
            }
            _ => {
                let cdf = self.cdf_secs(secs);
                (1.0 - cdf, cdf)
            }
        }
    }

    /// True when, at `secs` and at every earlier time, [`Dist::survival_secs`] is exactly 1
    /// and [`Dist::cdf_secs`] exactly 0: nothing can have been drawn yet, to the last bit.
    /// The bound keeps a wide margin (an exponent of at most 2⁻⁶⁰, where `exp` rounds to 1
    /// below 2⁻⁵⁴), so it may say false where the value is already 1, never the reverse;
    /// gamma and lognormal say so only at zero. `explain`'s race leaves a mode out of its
    /// products while this holds, a factor of exactly 1.
    pub fn surely_not_yet_secs(&self, secs: f64) -> bool {
        /// An exponent at most this makes `exp(-x)` exactly 1 with a 64-fold margin.
        const NEGLIGIBLE: f64 = 1.0 / (1u64 << 60) as f64;
        let t = secs * 1e6;
        match &self.kind {
            Kind::Fixed(value) => t < value.as_micros() as f64,
            Kind::Exponential { mean } => t.max(0.0) / mean <= NEGLIGIBLE,
            Kind::Weibull { shape, scale } => {
                t.max(0.0) / scale <= math::powf(NEGLIGIBLE, 1.0 / shape)
            }
            Kind::Gamma { .. } | Kind::LogNormal { .. } => t <= 0.0,
            Kind::Uniform { min, .. } => t <= *min,
            Kind::Empirical(samples) => samples.iter().all(|s| t < s.as_micros() as f64),
        }
    }

    /// True when, at `secs` and at every later time, [`Dist::survival_secs`] is exactly 0
    /// and [`Dist::cdf_secs`] exactly 1: every draw is at most `secs`, to the last bit. The
    /// bound keeps a wide margin (an exponent of at least 1000, where `exp` underflows to 0
    /// past 745.2); gamma and lognormal, whose tails never reach 0 exactly, never say so.
    /// `explain`'s race stops where two modes surely have, as every product is then 0.
    pub fn surely_over_secs(&self, secs: f64) -> bool {
        /// An exponent at least this makes `exp(-x)` exactly 0.
        const UNDERFLOWS: f64 = 1000.0;
        let t = secs * 1e6;
        match &self.kind {
            Kind::Fixed(value) => t >= value.as_micros() as f64,
            Kind::Exponential { mean } => t.max(0.0) / mean >= UNDERFLOWS,
            Kind::Weibull { shape, scale } => {
                t.max(0.0) / scale >= math::powf(UNDERFLOWS, 1.0 / shape)
            }
            Kind::Gamma { .. } | Kind::LogNormal { .. } => false,
            Kind::Uniform { max, .. } => t >= *max,
            Kind::Empirical(samples) => samples.iter().all(|s| s.as_micros() as f64 <= t),
        }
    }

    /// True when [`Dist::survival_secs`], as computed, never exceeds a value it took at an
    /// earlier time by more than a part in 10¹² (and 10⁻³⁰⁰ where it is subnormal): fixed,
    /// uniform and empirical exactly, as their rounding is monotone; exponential and Weibull
    /// as `exp` and `pow` are within an ulp of monotone functions of a monotone argument.
    /// Gamma and lognormal, through series and `erfc`, are not taken to be.
    pub fn survival_bounded_by_earlier(&self) -> bool {
        !matches!(self.kind, Kind::Gamma { .. } | Kind::LogNormal { .. })
    }

    /// The exact mean, in seconds.
    pub fn mean_secs(&self) -> f64 {
        let micros = match &self.kind {
            Kind::Fixed(value) => value.as_micros() as f64,
            Kind::Exponential { mean } => *mean,
            Kind::Weibull { shape, scale } => scale * math::gamma(1.0 + 1.0 / shape),
            Kind::LogNormal { mu, sigma } => math::exp(mu + sigma * sigma / 2.0),
            Kind::Gamma { shape, scale } => shape * scale,
            Kind::Uniform { min, max } => (min + max) / 2.0,
            Kind::Empirical(samples) => {
                samples.iter().map(|s| s.as_micros() as f64).sum::<f64>() / samples.len() as f64
            }
        };
        micros / 1e6
    }

    /// True when a draw can be exactly zero with positive probability (a fixed zero, or an
    /// empirical zero sample). Continuous distributions reach zero only with probability 0.
    pub fn can_be_zero(&self) -> bool {
        match &self.kind {
            Kind::Fixed(value) => *value == Duration::ZERO,
            Kind::Empirical(samples) => samples.contains(&Duration::ZERO),
            _ => false,
        }
    }

    /// True for an exponential distribution (one that can enter an [`ExponentialRace`]).
    pub fn is_exponential(&self) -> bool {
        matches!(self.kind, Kind::Exponential { .. })
    }

    /// True when every draw is the same value.
    pub fn is_fixed(&self) -> bool {
        self.fixed_value().is_some()
    }

    /// The value of every draw, when the distribution is a fixed duration.
    pub fn fixed_value(&self) -> Option<Duration> {
        match self.kind {
            Kind::Fixed(value) => Some(value),
            _ => None,
        }
    }
}

impl fmt::Display for Dist {
    /// A short description in model-file terms, e.g. `exponential(mean 30d)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = |micros: f64| Duration::from_micros_f64(micros);
        match &self.kind {
            Kind::Fixed(value) => write!(f, "{value}"),
            Kind::Exponential { mean } => write!(f, "exponential(mean {})", d(*mean)),
            Kind::Weibull { shape, scale } => {
                write!(f, "weibull(shape {shape}, scale {})", d(*scale))
            }
            Kind::LogNormal { mu, sigma } => {
                write!(f, "lognormal(median {}, sigma {sigma})", d(math::exp(*mu)))
            }
            Kind::Gamma { shape, scale } => {
                write!(f, "gamma(shape {shape}, mean {})", d(shape * scale))
            }
            Kind::Uniform { min, max } => write!(f, "uniform({}, {})", d(*min), d(*max)),
            Kind::Empirical(samples) => write!(f, "empirical({} samples)", samples.len()),
        }
    }
}

/// The first of several independent exponential times to failure, drawn at once.
///
/// Competing risks: the minimum of independent exponentials with rates λᵢ is exponential
/// with rate Λ = Σλᵢ, and it is the i-th with probability λᵢ/Λ, independently of when (Ross,
/// *Introduction to Probability Models*, §5.2.3). One 64-bit draw decides both: the range
/// of draws is cut into one share per entrant, proportional to its rate, so where the draw
/// falls picks the entrant, and its position within that share is a uniform, independent
/// of the pick, that the time is inverted from. That costs one draw and one logarithm
/// instead of one of each per entrant.
#[derive(Clone, Debug, PartialEq)]
pub struct ExponentialRace {
    /// 1/Λ, in microseconds.
    mean: f64,
    /// Where each entrant's share of the 2^64 draws starts; the first starts at 0, the last
    /// ends at 2^64.
    starts: Vec<u64>,
    /// How many draws each share holds.
    widths: Vec<f64>,
}

impl ExponentialRace {
    /// Asks for the race's shares to be brought into the cache, for a draw expected soon.
    #[inline(always)]
    pub fn prefetch(&self) {
        crate::rng::prefetch::line(&*self.starts);
        crate::rng::prefetch::line(&*self.widths);
    }

    /// A race between `entrants`, or `None` unless there are two or more and every one is
    /// exponential.
    pub fn new(entrants: &[&Dist]) -> Option<ExponentialRace> {
        if entrants.len() < 2 {
            return None;
        }
        let means = entrants
            .iter()
            .map(|dist| match dist.kind {
                Kind::Exponential { mean } => Some(mean),
                _ => None,
            })
            .collect::<Option<Vec<f64>>>()?;
        let total_rate: f64 = means.iter().map(|mean| 1.0 / mean).sum();
        let mut before = 0.0;
        let starts: Vec<u64> = means
            .iter()
            .map(|mean| {
                // 2^64 × the share of the rate of the entrants before this one (saturating).
                let start = (before / total_rate * 18_446_744_073_709_551_616.0) as u64;
                before += 1.0 / mean;
                start
            })
            .collect();
        let ends = starts.iter().skip(1).map(|end| u128::from(*end));
        let widths = starts
            .iter()
            .zip(ends.chain([1u128 << 64]))
            .map(|(start, end)| (end - u128::from(*start)) as f64)
            .collect();
        Some(ExponentialRace {
            mean: 1.0 / total_rate,
            starts,
            widths,
        })
    }

    /// Draws when the first entrant strikes, and which (an index into the entrants).
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> (Duration, usize) {
        let draw = rng.next_u64();
        // The last share starting at or before the draw (an empty share is never picked).
        let entrant = self.starts.partition_point(|start| *start <= draw) - 1;
        let within = draw - self.starts[entrant];
        // Centred in its cell like `open_unit`; rounding to 53 bits could reach 1.
        let uniform = ((within as f64 + 0.5) / self.widths[entrant]).min(1.0 - f64::EPSILON / 2.0);
        let micros = -self.mean * math::ln(uniform);
        (Duration::from_micros_f64(micros), entrant)
    }
}

fn micros(duration: Duration) -> f64 {
    duration.as_micros() as f64
}

fn positive(name: &'static str, value: f64) -> Result<(), DistError> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(DistError::NotPositive { name, value })
    }
}

/// A uniform draw from the open interval (0, 1): the top 53 bits of one `u64`, centred in
/// their cell, so neither 0 nor 1 can occur and `ln` is always finite.
fn open_unit<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    const SCALE: f64 = 1.0 / (1u64 << 53) as f64;
    // Below 2^53 the value is the same through i64, which converts in one instruction.
    (((rng.next_u64() >> 11) as i64) as f64 + 0.5) * SCALE
}

/// The standard normal quantile function, for `p` in (0, 1): Wichura's algorithm AS 241
/// (PPND16, Applied Statistics 37:477, 1988), accurate to about 1 part in 10^16. 85% of
/// draws fall in its central region, a single rational function with no logarithm (the
/// inverse error function takes a logarithm and a square root for half of them).
// The coefficients are written as published, to be checked against the paper digit by digit.
#[allow(clippy::excessive_precision)]
fn std_normal_quantile(p: f64) -> f64 {
    const A: [f64; 8] = [
        3.387_132_872_796_366_608,
        133.141_667_891_784_377_45,
        1_971.590_950_306_551_442_7,
        13_731.693_765_509_461_125,
        45_921.953_931_549_871_457,
        67_265.770_927_008_700_853,
        33_430.575_583_588_128_105,
        2_509.080_928_730_122_672_7,
    ];
    const B: [f64; 8] = [
        1.0,
        42.313_330_701_600_911_252,
        687.187_007_492_057_908_3,
        5_394.196_021_424_751_107_7,
        21_213.794_301_586_595_867,
        39_307.895_800_092_710_61,
        28_729.085_735_721_942_674,
        5_226.495_278_852_854_561,
    ];
    const C: [f64; 8] = [
        1.423_437_110_749_683_577_34,
        4.630_337_846_156_545_295_9,
        5.769_497_221_460_691_405_5,
        3.647_848_324_763_204_605_04,
        1.270_458_252_452_368_382_58,
        0.241_780_725_177_450_611_77,
        0.022_723_844_989_269_184_583_3,
        7.745_450_142_783_414_076_4e-4,
    ];
    const D: [f64; 8] = [
        1.0,
        2.053_191_626_637_758_821_87,
        1.676_384_830_183_803_849_4,
        0.689_767_334_985_100_004_55,
        0.148_103_976_427_480_074_59,
        0.015_198_666_563_616_457_196_6,
        5.475_938_084_995_344_946e-4,
        1.050_750_071_644_416_843_24e-9,
    ];
    const E: [f64; 8] = [
        6.657_904_643_501_103_777_2,
        5.463_784_911_164_114_369_9,
        1.784_826_539_917_291_335_8,
        0.296_560_571_828_504_891_23,
        0.026_532_189_526_576_123_093,
        0.001_242_660_947_388_078_438_6,
        2.711_555_568_743_487_578_15e-5,
        2.010_334_399_292_288_132_65e-7,
    ];
    const F: [f64; 8] = [
        1.0,
        0.599_832_206_555_887_937_69,
        0.136_929_880_922_735_805_31,
        0.014_875_361_290_850_614_852_5,
        7.868_691_311_456_132_591e-4,
        1.846_318_317_510_054_681_8e-5,
        1.421_511_758_316_445_888_7e-7,
        2.044_263_103_389_939_785_64e-15,
    ];
    /// Σ coefficients[i]·x^i, by Horner's rule. It starts at the last coefficient rather
    /// than at 0·x + it: the same value (x is finite and no coefficient is zero), one
    /// product and one sum shorter on the path every draw waits for.
    fn polynomial(coefficients: &[f64; 8], x: f64) -> f64 {
        let [rest @ .., last] = coefficients;
        rest.iter().rev().fold(*last, |sum, c| sum * x + c)
    }
    let q = p - 0.5;
    if q.abs() <= 0.425 {
        let r = 0.180_625 - q * q;
        return q * polynomial(&A, r) / polynomial(&B, r);
    }
    let tail = if q < 0.0 { p } else { 1.0 - p };
    let r = (-math::ln(tail)).sqrt();
    let z = if r <= 5.0 {
        polynomial(&C, r - 1.6) / polynomial(&D, r - 1.6)
    } else {
        polynomial(&E, r - 5.0) / polynomial(&F, r - 5.0)
    };
    if q < 0.0 { -z } else { z }
}

/// The standard normal distribution function: `(1 ± P(1/2, z²/2)) / 2`, the error function
/// being the regularised incomplete gamma function of shape 1/2 (DLMF 7.11.1 and 8.4.1).
fn std_normal_cdf(z: f64) -> f64 {
    let half = special::gamma_reg(0.5, z * z / 2.0) / 2.0;
    if z >= 0.0 { 0.5 + half } else { 0.5 - half }
}

/// `p` kept off 0 and 1, where quantiles are infinite.
fn clamp_probability(p: f64) -> f64 {
    p.clamp(1e-12, 1.0 - 1e-12)
}

/// The `p`-quantile of `sorted` samples in microseconds: the smallest sample with at least
/// a share `p` of the samples at or below it.
fn empirical_quantile_micros(sorted: &[Duration], p: f64) -> f64 {
    let index = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[index].as_micros() as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::ChaCha8Rng;

    /// One of each kind, with Weibull shapes from very small to very large, for the bounds
    /// `explain`'s race relies on.
    fn every_kind() -> Vec<Dist> {
        let secs = Duration::from_secs;
        let mut dists = vec![
            Dist::fixed(secs(3_600)),
            Dist::exponential(secs(86_400)),
            Dist::lognormal_mean_sd(secs(60), secs(30)),
            Dist::gamma(2.0, secs(600)).unwrap(),
            Dist::uniform(secs(10), secs(20)).unwrap(),
            Dist::empirical(vec![secs(5), secs(50), secs(500)]).unwrap(),
        ];
        for shape in [0.05, 0.1, 0.5, 1.0, 3.0, 20.0, 300.0] {
            dists.push(Dist::weibull_mean(shape, secs(86_400)).unwrap());
        }
        dists
    }

    /// Zero, then times from 10⁻³⁰⁰ s to 10³⁰⁰ s, a few to each tenth of a decade.
    fn times() -> impl Iterator<Item = f64> {
        let tenths = (-3_000..=3_000).flat_map(|tenth| {
            let t = math::powf(10.0, f64::from(tenth) / 10.0);
            [t * (1.0 - 1e-15), t, t * (1.0 + 1e-15)]
        });
        std::iter::once(0.0).chain(tenths)
    }

    /// Where a distribution says so, its computed survival never exceeds an earlier value by
    /// more than a part in 10¹², and 10⁻³⁰⁰.
    #[test]
    fn survival_bounded_by_earlier_holds() {
        for dist in every_kind() {
            if !dist.survival_bounded_by_earlier() {
                continue;
            }
            let mut least = 1.0_f64;
            for t in times() {
                let survival = dist.survival_secs(t);
                assert!(survival <= least * (1.0 + 1e-12) + 1e-300, "{dist} at {t}");
                least = least.min(survival);
            }
        }
    }

    /// Survival and distribution function taken together are the same bits as taken apart.
    #[test]
    fn survival_and_cdf_together_are_the_same_bits() {
        for dist in every_kind() {
            for t in times() {
                let (survival, cdf) = dist.survival_and_cdf_secs(t);
                assert_eq!(
                    survival.to_bits(),
                    dist.survival_secs(t).to_bits(),
                    "{dist} {t}"
                );
                assert_eq!(cdf.to_bits(), dist.cdf_secs(t).to_bits(), "{dist} {t}");
            }
        }
    }

    /// Where a distribution says nothing can have been drawn yet, or everything has, its
    /// survival and distribution function are exactly 1 and 0, or 0 and 1; each holds from
    /// one end of time to a point, and each is reached by the kinds that can reach it.
    #[test]
    fn surely_not_yet_and_surely_over_are_exact_and_monotone() {
        for dist in every_kind() {
            let (mut not_yet_ended, mut over_began) = (false, false);
            let (mut any_not_yet, mut any_over) = (false, false);
            for t in times() {
                let (survival, cdf) = dist.survival_and_cdf_secs(t);
                let (not_yet, over) = (dist.surely_not_yet_secs(t), dist.surely_over_secs(t));
                if not_yet {
                    assert!(survival == 1.0 && cdf == 0.0, "{dist} at {t}: {survival}");
                    assert!(!not_yet_ended, "{dist} not yet again at {t}");
                }
                if over {
                    assert!(survival == 0.0 && cdf == 1.0, "{dist} at {t}: {survival}");
                } else {
                    assert!(!over_began, "{dist} not over again at {t}");
                }
                not_yet_ended |= !not_yet;
                over_began |= over;
                any_not_yet |= not_yet;
                any_over |= over;
            }
            assert!(any_not_yet, "{dist} never not yet");
            let reaches_one = !matches!(dist.kind, Kind::Gamma { .. } | Kind::LogNormal { .. });
            assert_eq!(any_over, reaches_one, "{dist}");
        }
    }

    /// Each refusal says what is wrong with the number given: a Weibull shape too small
    /// for a mean names the overflow and the way out, a tiny value prints short, and a
    /// sigma may be zero.
    #[test]
    fn parameter_errors_say_what_is_wrong() {
        let day = Duration::from_secs(86_400);
        let err = Dist::weibull_mean(0.005, day).unwrap_err();
        assert!(err.to_string().contains("give `scale` instead"), "{err}");
        assert!(Dist::weibull_scale(0.005, day).is_ok());
        assert!(Dist::weibull_mean(0.006, day).is_ok());
        let tiny = Dist::weibull_scale(-1e-300, day).unwrap_err().to_string();
        assert_eq!(
            tiny,
            "`shape` must be a positive finite number, got -1e-300"
        );
        let sigma = Dist::lognormal_median_sigma(day, -1.0).unwrap_err();
        assert_eq!(
            sigma.to_string(),
            "`sigma` must be a finite number, 0 or more, got -1.0"
        );
        assert!(Dist::lognormal_median_sigma(day, 0.0).is_ok());
    }

    /// Many quantiles at once are each quantile alone (an empirical list sorted once).
    #[test]
    fn quantiles_at_once_are_each_alone() {
        let s = |secs: u64| Duration::from_secs(secs);
        let ps = [0.0, 1e-13, 0.1, 1.0 / 3.0, 0.5, 0.99, 1.0];
        for dist in [
            Dist::empirical(vec![s(9), s(1), s(2), s(2), s(7)]).unwrap(),
            Dist::uniform(s(1), s(3)).unwrap(),
            Dist::fixed(s(4)),
        ] {
            let alone: Vec<f64> = ps.iter().map(|p| dist.quantile_secs(*p)).collect();
            assert_eq!(dist.quantiles_secs(&ps), alone, "{dist}");
        }
    }

    fn sample_mean(dist: &Dist, n: usize) -> (f64, f64) {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let draws: Vec<f64> = (0..n)
            .map(|_| dist.sample(&mut rng).as_secs_f64())
            .collect();
        let mean = draws.iter().sum::<f64>() / n as f64;
        let var = draws.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1) as f64;
        (mean, (var / n as f64).sqrt())
    }

    /// Every sampler's empirical mean lies within 4 standard errors of its exact mean.
    #[test]
    fn sample_means_match_exact_means() {
        let s = Duration::from_secs;
        let dists = [
            Dist::exponential(s(100)),
            Dist::weibull_mean(0.8, s(100)).unwrap(),
            Dist::weibull_scale(2.0, s(100)).unwrap(),
            Dist::lognormal_mean_sd(s(100), s(50)),
            Dist::lognormal_median_sigma(s(100), 0.5).unwrap(),
            Dist::gamma(2.5, s(100)).unwrap(),
            Dist::gamma(0.5, s(100)).unwrap(),
            Dist::uniform(s(10), s(30)).unwrap(),
            Dist::empirical(vec![s(1), s(2), s(9)]).unwrap(),
        ];
        for dist in &dists {
            let (mean, se) = sample_mean(dist, 200_000);
            let exact = dist.mean_secs();
            assert!(
                (mean - exact).abs() < 4.0 * se,
                "{dist}: sample mean {mean}, exact {exact}, se {se}"
            );
        }
    }

    #[test]
    fn quantiles_invert_the_distribution_functions() {
        let s = Duration::from_secs;
        assert!(
            (Dist::exponential(s(10)).quantile_secs(0.5) - 10.0 * std::f64::consts::LN_2).abs()
                < 1e-9
        );
        assert!((Dist::uniform(s(20), s(30)).unwrap().quantile_secs(0.99) - 29.9).abs() < 1e-9);
        assert!(
            (Dist::lognormal_median_sigma(s(45), 0.5)
                .unwrap()
                .quantile_secs(0.5)
                - 45.0)
                .abs()
                < 1e-9
        );
        assert_eq!(Dist::fixed(s(3)).quantile_secs(0.99), 3.0);
        assert_eq!(
            Dist::empirical(vec![s(1), s(2), s(9)])
                .unwrap()
                .quantile_secs(0.5),
            2.0
        );
        // Gamma(shape 1) is exponential.
        let gamma = Dist::gamma(1.0, s(10)).unwrap();
        assert!((gamma.quantile_secs(0.9) - 10.0 * std::f64::consts::LN_10).abs() < 1e-6);
    }

    /// Each distribution function against its closed form, and inverted by the quantile
    /// function; survival is one less it.
    #[test]
    fn distribution_functions_match_closed_forms_and_quantiles() {
        let s = Duration::from_secs;
        let exp = math::exp;
        let exponential = Dist::exponential(s(10));
        assert!((exponential.cdf_secs(7.0) - (1.0 - exp(-0.7))).abs() < 1e-15);
        assert_eq!(exponential.survival_secs(30.0), exp(-3.0));
        let weibull = Dist::weibull_scale(0.7, s(100)).unwrap();
        let expected = exp(-math::powf(2.5, 0.7));
        assert!((weibull.survival_secs(250.0) - expected).abs() < 1e-15);
        let uniform = Dist::uniform(s(20), s(30)).unwrap();
        assert_eq!(uniform.cdf_secs(22.5), 0.25);
        assert_eq!(uniform.cdf_secs(10.0), 0.0);
        assert_eq!(uniform.cdf_secs(40.0), 1.0);
        // Gamma(2): 1 - e^(-x)(1 + x) in units of the scale (mean 20 s, scale 10 s).
        let gamma = Dist::gamma(2.0, s(20)).unwrap();
        assert!((gamma.cdf_secs(15.0) - (1.0 - exp(-1.5) * 2.5)).abs() < 1e-14);
        // Log-normal: Φ((ln t - μ)/σ), Φ from statrs's erfc.
        let lognormal = Dist::lognormal_median_sigma(s(45), 0.5).unwrap();
        let z = (math::ln(60.0) - math::ln(45.0)) / 0.5;
        let phi = statrs::function::erf::erfc(-z / std::f64::consts::SQRT_2) / 2.0;
        assert!((lognormal.cdf_secs(60.0) - phi).abs() < 1e-14);
        assert_eq!(lognormal.cdf_secs(45.0), 0.5);
        assert_eq!(lognormal.cdf_secs(0.0), 0.0);
        let fixed = Dist::fixed(s(3));
        assert_eq!((fixed.cdf_secs(2.999), fixed.cdf_secs(3.0)), (0.0, 1.0));
        let empirical = Dist::empirical(vec![s(1), s(2), s(2), s(9)]).unwrap();
        assert_eq!(empirical.cdf_secs(2.0), 0.75);
        assert_eq!(empirical.survival_secs(2.0), 0.25);
        let continuous = [exponential, weibull, uniform, gamma, lognormal];
        for dist in &continuous {
            for p in [0.001, 0.1, 0.5, 0.9, 0.999] {
                let found = dist.cdf_secs(dist.quantile_secs(p));
                assert!((found - p).abs() < 1e-9, "{dist} at {p}: {found}");
                let sum = dist.cdf_secs(p * 50.0) + dist.survival_secs(p * 50.0);
                assert!((sum - 1.0).abs() < 1e-15, "{dist}");
            }
        }
    }

    #[test]
    fn weibull_mean_parameterisation_matches_scale() {
        let by_mean = Dist::weibull_mean(2.0, Duration::from_secs(100)).unwrap();
        assert!((by_mean.mean_secs() - 100.0).abs() < 1e-9);
        let lognormal = Dist::lognormal_mean_sd(Duration::from_secs(45), Duration::from_secs(15));
        assert!((lognormal.mean_secs() - 45.0).abs() < 1e-9);
    }

    #[test]
    fn exponential_quantiles_follow_inversion() {
        // With inversion, the fraction of draws below the exact median is 1/2 up to noise.
        let dist = Dist::exponential(Duration::from_secs(10));
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let n = 100_000;
        let median = 10.0 * std::f64::consts::LN_2;
        let below = (0..n)
            .filter(|_| dist.sample(&mut rng).as_secs_f64() < median)
            .count();
        let se = (0.25 / n as f64).sqrt();
        assert!((below as f64 / n as f64 - 0.5).abs() < 4.0 * se);
    }

    /// Means 100, 300 and 300 s: Λ = 5/300 per second, so the race is exponential with mean
    /// 60 s, picks the entrants with probabilities 0.6, 0.2 and 0.2, and when it strikes does
    /// not depend on which strikes.
    #[test]
    fn race_picks_by_rate_and_strikes_at_the_summed_rate() {
        let s = Duration::from_secs;
        let entrants = [
            Dist::exponential(s(100)),
            Dist::exponential(s(300)),
            Dist::exponential(s(300)),
        ];
        let race = ExponentialRace::new(&entrants.iter().collect::<Vec<_>>()).unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let n = 300_000;
        let mut count = [0u64; 3];
        let mut sum = [0.0f64; 3];
        for _ in 0..n {
            let (time, entrant) = race.sample(&mut rng);
            count[entrant] += 1;
            sum[entrant] += time.as_secs_f64();
        }
        for (entrant, share) in [0.6, 0.2, 0.2].into_iter().enumerate() {
            let k = count[entrant] as f64;
            let se = (share * (1.0 - share) / n as f64).sqrt();
            assert!((k / n as f64 - share).abs() < 4.0 * se, "{entrant}: {k}");
            // Given the entrant, the time is still exponential with mean 60 s (sd 60 s).
            let mean = sum[entrant] / k;
            assert!(
                (mean - 60.0).abs() < 4.0 * 60.0 / k.sqrt(),
                "{entrant}: {mean}"
            );
        }
    }

    #[test]
    fn race_median_is_the_summed_rate_median() {
        let s = Duration::from_secs;
        let entrants = [Dist::exponential(s(30)), Dist::exponential(s(60))];
        let race = ExponentialRace::new(&entrants.iter().collect::<Vec<_>>()).unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let n = 100_000;
        let median = 20.0 * std::f64::consts::LN_2;
        let below = (0..n)
            .filter(|_| race.sample(&mut rng).0.as_secs_f64() < median)
            .count();
        let se = (0.25 / n as f64).sqrt();
        assert!((below as f64 / n as f64 - 0.5).abs() < 4.0 * se);
    }

    #[test]
    fn only_two_or_more_exponentials_race() {
        let s = Duration::from_secs;
        let weibull = Dist::weibull_mean(2.0, s(10)).unwrap();
        let exponential = Dist::exponential(s(10));
        assert!(ExponentialRace::new(&[&exponential, &weibull]).is_none());
        assert!(ExponentialRace::new(&[&exponential]).is_none());
        assert!(ExponentialRace::new(&[&exponential, &exponential]).is_some());
    }

    /// AS 241 agrees with the inverse error function route to within a few units in the
    /// last place, from the far tails through the centre.
    #[test]
    fn normal_quantile_matches_the_inverse_error_function() {
        let by_erfc = |p: f64| -std::f64::consts::SQRT_2 * statrs::function::erf::erfc_inv(2.0 * p);
        let tails = (1..300).map(|k| math::powf(10.0, -f64::from(k)));
        let grid = (1..100_000).map(|i| i as f64 / 100_000.0);
        for p in tails.clone().chain(tails.map(|p| 1.0 - p)).chain(grid) {
            if p <= 0.0 || p >= 1.0 {
                continue;
            }
            let (found, expected) = (std_normal_quantile(p), by_erfc(p));
            assert!(
                (found - expected).abs() <= 1e-14 * expected.abs().max(1.0),
                "p {p:e}: {found} vs {expected}"
            );
        }
        assert_eq!(std_normal_quantile(0.5), 0.0);
    }

    #[test]
    fn rejects_invalid_parameters() {
        let s = Duration::from_secs;
        assert!(Dist::uniform(s(2), s(1)).is_err());
        assert!(Dist::weibull_mean(0.0, s(1)).is_err());
        assert!(Dist::weibull_mean(f64::NAN, s(1)).is_err());
        assert!(Dist::gamma(-1.0, s(1)).is_err());
        assert!(Dist::lognormal_median_sigma(s(1), f64::INFINITY).is_err());
        assert!(Dist::empirical(vec![]).is_err());
    }

    #[test]
    fn degenerate_parameters_collapse_to_fixed() {
        let s = Duration::from_secs;
        assert!(Dist::exponential(Duration::ZERO).is_fixed());
        assert!(Dist::uniform(s(3), s(3)).unwrap().is_fixed());
        assert!(Dist::lognormal_mean_sd(s(3), Duration::ZERO).is_fixed());
    }
}
