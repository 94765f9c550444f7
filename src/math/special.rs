//! The regularised incomplete beta and gamma functions, and the quantiles built on them,
//! on the pinned [`crate::math`] functions, so that the values reaching result files (the
//! Student-t quantile of every interval, the binomial ranks of every percentile's interval)
//! and `explain`'s gamma quantiles are the same bits on every platform. statrs computes the
//! same functions the same way, but on std's `ln` and `exp`.
//!
//! The methods are those of Press, Teukolsky, Vetterling and Flannery, *Numerical Recipes*,
//! 3rd ed. (2007): §6.2 (series and Lentz's continued fraction for the incomplete gamma) and
//! §6.4 (continued fraction for the incomplete beta). Their factors xᵃ(1 − x)ᵇ/B(a, b) and
//! xᵃe⁻ˣ/Γ(a) are taken by Loader's saddle-point expansion (C. Loader, "Fast and accurate
//! computation of binomial probabilities", 2000; R's `dbinom_raw`), not as a difference of
//! log-gamma functions, which for ten million years would cancel all but eight digits.

use super::{exp, ln, ln_1p, ln_gamma};
use std::f64::consts::PI;

/// Relative size of the last term or factor at which a series or continued fraction stops.
const TOLERANCE: f64 = f64::EPSILON;
/// Smallest magnitude a continued fraction's denominator may take (Lentz's guard).
const TINY: f64 = 1e-300;
/// Iterations after which a series or continued fraction stops: they need O(√max(a, b)),
/// about 6,000 for ten million years.
const MAX_ITERATIONS: u32 = 1_000_000;

/// The regularised incomplete beta function I_x(a, b), for a, b > 0 and x in [0, 1].
pub fn beta_reg(a: f64, b: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    // xᵃ(1 − x)ᵇ/B(a, b) = ab/(a + b) · the binomial density of a in a + b trials.
    let front = a * b / (a + b) * binomial_density(a, a + b, x, 1.0 - x);
    // The fraction converges fast below its mean; above, the symmetry I_x(a, b) = 1 − I_{1−x}(b, a).
    if x < (a + 1.0) / (a + b + 2.0) {
        front * beta_fraction(a, b, x) / a
    } else {
        1.0 - front * beta_fraction(b, a, 1.0 - x) / b
    }
}

/// The continued fraction of the incomplete beta function (Numerical Recipes §6.4, `betacf`),
/// by the modified Lentz method.
fn beta_fraction(a: f64, b: f64, x: f64) -> f64 {
    let guard = |value: f64| if value.abs() < TINY { TINY } else { value };
    let mut c = 1.0;
    let mut d = 1.0 / guard(1.0 - (a + b) * x / (a + 1.0));
    let mut fraction = d;
    for m in 1..MAX_ITERATIONS {
        let m = f64::from(m);
        let even = m * (b - m) * x / ((a + 2.0 * m - 1.0) * (a + 2.0 * m));
        d = 1.0 / guard(1.0 + even * d);
        c = guard(1.0 + even / c);
        fraction *= d * c;
        let odd = -(a + m) * (a + b + m) * x / ((a + 2.0 * m) * (a + 2.0 * m + 1.0));
        d = 1.0 / guard(1.0 + odd * d);
        c = guard(1.0 + odd / c);
        let step = d * c;
        fraction *= step;
        if (step - 1.0).abs() <= TOLERANCE {
            break;
        }
    }
    fraction
}

/// The regularised lower incomplete gamma function P(a, x), for a > 0 and x ≥ 0.
pub fn gamma_reg(a: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    // xᵃe⁻ˣ/Γ(a) = a · the Poisson density of a at mean x.
    let front = a * exp(-stirling_error(a) - deviance(a, x)) / (2.0 * PI * a).sqrt();
    if x < a + 1.0 {
        // The series Σ xⁿ / (a (a + 1) … (a + n)), all terms positive.
        let (mut term, mut sum, mut denominator) = (1.0 / a, 1.0 / a, a);
        for _ in 0..MAX_ITERATIONS {
            denominator += 1.0;
            term *= x / denominator;
            sum += term;
            if term.abs() <= sum.abs() * TOLERANCE {
                break;
            }
        }
        return front * sum;
    }
    // Q(a, x) by its continued fraction (Numerical Recipes §6.2, `gcf`), by Lentz.
    let guard = |value: f64| if value.abs() < TINY { TINY } else { value };
    let mut b = x + 1.0 - a;
    let mut c = 1.0 / TINY;
    let mut d = 1.0 / b;
    let mut fraction = d;
    for i in 1..MAX_ITERATIONS {
        let i = f64::from(i);
        let an = -i * (i - a);
        b += 2.0;
        d = 1.0 / guard(an * d + b);
        c = guard(b + an / c);
        let step = d * c;
        fraction *= step;
        if (step - 1.0).abs() <= TOLERANCE {
            break;
        }
    }
    1.0 - front * fraction
}

/// Γ(n + 1)/(k! (n − k)!) pᵏ qⁿ⁻ᵏ for real 0 < k < n (Loader's `dbinom_raw`): the
/// Stirling errors and deviances are small numbers computed to full relative precision.
fn binomial_density(k: f64, n: f64, p: f64, q: f64) -> f64 {
    let exponent = stirling_error(n)
        - stirling_error(k)
        - stirling_error(n - k)
        - deviance(k, n * p)
        - deviance(n - k, n * q);
    // ln(2π k (n − k)/n), with 1 − k/n taken without cancellation.
    let spread = ln(2.0 * PI) + ln(k) + ln_1p(-k / n);
    exp(exponent - spread / 2.0)
}

/// ln Γ(n + 1) − (n + ½) ln n + n − ½ ln 2π, the error of Stirling's formula (Loader §3):
/// its asymptotic series above 15, where it converges to the last bit, directly below.
fn stirling_error(n: f64) -> f64 {
    const S: [f64; 5] = [
        1.0 / 12.0,
        1.0 / 360.0,
        1.0 / 1260.0,
        1.0 / 1680.0,
        1.0 / 1188.0,
    ];
    if n <= 15.0 {
        return ln_gamma(n + 1.0) - (n + 0.5) * ln(n) + n - ln(2.0 * PI) / 2.0;
    }
    // More terms for smaller n, as Loader's table: 2, 3, 4 or 5.
    let terms = if n > 500.0 {
        2
    } else if n > 80.0 {
        3
    } else if n > 35.0 {
        4
    } else {
        5
    };
    let nn = n * n;
    let series = S[1..terms]
        .iter()
        .rev()
        .fold(0.0, |inner, term| (term - inner) / nn);
    (S[0] - series) / n
}

/// x ln(x/m) + m − x, the deviance term (Loader §2): by its series in v = (x − m)/(x + m)
/// where x is near m and the direct form would cancel.
fn deviance(x: f64, m: f64) -> f64 {
    if (x - m).abs() >= 0.1 * (x + m) {
        return x * ln(x / m) + m - x;
    }
    let v = (x - m) / (x + m);
    let mut sum = (x - m) * v;
    let mut term = 2.0 * x * v;
    for j in 1..MAX_ITERATIONS {
        term *= v * v;
        let next = sum + term / f64::from(2 * j + 1);
        if next == sum {
            break;
        }
        sum = next;
    }
    sum
}

/// The x at which the increasing function `cdf` reaches `p`, within [low, high], by bisection
/// down to adjacent doubles: slower than Newton's method but with no derivative to get
/// wrong, and the same steps everywhere.
pub fn invert(cdf: impl Fn(f64) -> f64, p: f64, mut low: f64, mut high: f64) -> f64 {
    while cdf(high) < p {
        low = high;
        high *= 2.0;
    }
    loop {
        let middle = low + (high - low) / 2.0;
        if middle <= low || middle >= high {
            return middle;
        }
        if cdf(middle) < p {
            low = middle;
        } else {
            high = middle;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Against mpmath 1.3 at 40 digits: `betainc(a, b, 0, x, regularized=True)` and
    /// `gammainc(a, 0, x, regularized=True)`.
    #[test]
    fn incomplete_functions_match_exact_values() {
        let close = |found: f64, exact: f64| (found - exact).abs() <= 1e-14 * exact;
        for (a, b, x, exact) in [
            (2.5, 7.0, 0.3, 0.641_222_462_971_721_3),
            (500.0, 501.0, 0.49, 0.273_901_444_269_496_03),
        ] {
            let found = beta_reg(a, b, x);
            assert!(
                close(found, exact),
                "I_{x}({a}, {b}) = {found}, exact {exact}"
            );
        }
        for (a, x, exact) in [
            (2.5, 2.0, 0.450_584_048_647_219_8),
            (100.0, 90.0, 0.158_220_989_186_430_16),
            (0.5, 0.01, 0.112_462_916_018_284_9),
        ] {
            let found = gamma_reg(a, x);
            assert!(close(found, exact), "P({a}, {x}) = {found}, exact {exact}");
        }
        assert_eq!(beta_reg(2.0, 3.0, 0.0), 0.0);
        assert_eq!(beta_reg(2.0, 3.0, 1.0), 1.0);
        assert_eq!(gamma_reg(2.0, 0.0), 0.0);
    }

    #[test]
    fn bisection_finds_the_crossing_between_adjacent_doubles() {
        let root = invert(|x| x * x, 2.0, 0.0, 1.0);
        assert!((root - std::f64::consts::SQRT_2).abs() <= 2.0 * f64::EPSILON);
    }
}
