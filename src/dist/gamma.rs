//! Gamma draws by Marsaglia and Tsang's method, on the project's pinned math.
//!
//! G. Marsaglia and W. W. Tsang, "A simple method for generating gamma variables", ACM
//! Transactions on Mathematical Software 26(3):363-372, 2000. For shape a ≥ 1, with
//! d = a − 1/3 and c = 1/√(9d): draw a standard normal x and a uniform u, let v = (1 + cx)³;
//! accept dv when v > 0 and ln u < x²/2 + d − dv + d ln v (the squeeze u < 1 − 0.0331x⁴
//! accepts most candidates without a logarithm). Nearly every candidate is accepted, but the
//! number of draws still varies, which is why each purpose draws from its own stream.
//! For a < 1 the paper's §6 boost: Gamma(a) = Gamma(a + 1) · u^(1/a).
//!
//! `rand_distr::Gamma` implements the same method through num-traits' `Float`, which calls
//! std's `ln`, `exp` and `powf` (last bits from the platform) as soon as any crate in the build
//! enables num-traits' `std` feature, as statrs did. This one uses [`crate::math`], and its
//! normal is the project's inversion of one uniform ([`super::std_normal_quantile`]), so every
//! draw is the same bits on every machine.

use super::{open_unit, std_normal_quantile};
use crate::math;
use rand::Rng;

/// A standard gamma draw (scale 1) of shape `shape`, which must be positive and finite.
pub(super) fn standard<R: Rng + ?Sized>(shape: f64, rng: &mut R) -> f64 {
    if shape < 1.0 {
        let boosted = at_least_one(shape + 1.0, rng);
        return boosted * math::powf(open_unit(rng), 1.0 / shape);
    }
    at_least_one(shape, rng)
}

/// Marsaglia and Tsang's rejection loop, for `shape` ≥ 1.
fn at_least_one<R: Rng + ?Sized>(shape: f64, rng: &mut R) -> f64 {
    let d = shape - 1.0 / 3.0;
    let c = 1.0 / (9.0 * d).sqrt();
    loop {
        let x = std_normal_quantile(open_unit(rng));
        let root = 1.0 + c * x;
        if root <= 0.0 {
            continue;
        }
        let v = root * root * root;
        let u = open_unit(rng);
        let x2 = x * x;
        if u < 1.0 - 0.0331 * x2 * x2 || math::ln(u) < 0.5 * x2 + d * (1.0 - v + math::ln(v)) {
            return d * v;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::ChaCha8Rng;

    /// The exact standard gamma quantiles at 0.1, 0.5 and 0.9, from mpmath 1.3 at 40 digits
    /// (bisection on `gammainc(k, 0, x, regularized=True)`).
    const QUANTILES: [(f64, [f64; 3]); 3] = [
        (
            0.5,
            [
                0.007_895_387_046_715_613,
                0.227_468_211_559_786_4,
                1.352_771_727_047_707_3,
            ],
        ),
        (
            2.5,
            [
                0.805_153_993_481_161_5,
                2.175_730_095_547_763_6,
                4.618_178_449_890_559,
            ],
        ),
        (
            50.0,
            [
                41.179_067_906_178_574,
                49.667_064_617_994_23,
                59.249_001_905_531_05,
            ],
        ),
    ];

    /// Mean k, variance k, and the fraction below each exact quantile, all within 4 standard
    /// errors: the mean's SE is √(k/n); the sample variance's is √((μ4 − σ⁴)/n) with
    /// μ4 = σ⁴(3 + 6/k) (excess kurtosis 6/k); a fraction p's is √(p(1 − p)/n).
    #[test]
    fn draws_have_the_exact_moments_and_quantiles() {
        let n = 200_000;
        for (shape, quantiles) in QUANTILES {
            let mut rng = ChaCha8Rng::seed_from_u64(17);
            let draws: Vec<f64> = (0..n).map(|_| standard(shape, &mut rng)).collect();
            let count = n as f64;
            let mean = draws.iter().sum::<f64>() / count;
            let variance =
                draws.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (count - 1.0);
            let mean_se = (shape / count).sqrt();
            assert!(
                (mean - shape).abs() < 4.0 * mean_se,
                "shape {shape}: mean {mean}"
            );
            let variance_se = (shape * shape * (2.0 + 6.0 / shape) / count).sqrt();
            assert!(
                (variance - shape).abs() < 4.0 * variance_se,
                "shape {shape}: variance {variance}"
            );
            for (p, quantile) in [0.1, 0.5, 0.9].into_iter().zip(quantiles) {
                let below = draws.iter().filter(|x| **x < quantile).count() as f64 / count;
                let se = (p * (1.0 - p) / count).sqrt();
                assert!(
                    (below - p).abs() < 4.0 * se,
                    "shape {shape}: {below} below the {p}-quantile"
                );
            }
        }
    }
}
