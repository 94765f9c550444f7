//! A replica's failure modes racing: after each repair the engine draws every mode's time to
//! failure afresh (`engine::replicas::schedule_failure`), and the first to strike ends the
//! up time. A replica is then an alternating renewal process whose up time is the least of
//! the modes' times `T_1 … T_k` and whose downtime, once mode `i` won, is mode `i`'s; by
//! renewal-reward its long-run availability is `E[min T] / (E[min T] + Σ P_i D_i)` and mode
//! `i` ends `P_i / (E[min T] + Σ P_i D_i)` up times a second, with
//!
//! - `E[min T] = ∫ Π_i S_i(t) dt`, the `S_i` the modes' survival functions;
//! - `P_i = ∫ Π_{j≠i} S_j(t) dF_i(t)`, the probability that mode `i` strikes first.
//!
//! With exponential times only, `E[min T] = 1/Σλ` and `P_i = λ_i/Σλ`, and the availability
//! is `1 / (1 + Σ λ_i D_i)`: `explain` keeps that closed form then, and for a single mode.

use crate::dist::Dist;
use crate::math;

/// Points of the integration grid that each mode's quantile function places.
const POINTS_PER_MODE: usize = 2_000;

/// The grid's quantiles run over `1/(1 + e^(-2z))` for `z` in `[-Z, Z]`: from about
/// `7·10⁻¹³` to one less that, denser towards both ends.
const Z: f64 = 14.0;

/// The race between a replica's failure modes.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Race {
    /// `E[min T]`, in seconds: the mean up time between repairs.
    pub(super) mean_up_s: f64,
    /// Each mode's `P_i`, in the order given.
    pub(super) first: Vec<f64>,
}

/// The race between times to failure `modes`, by integration over a grid that each mode's
/// quantiles place (so that every mode's probability is resolved wherever it lies, the
/// steps of a fixed or empirical one included): on each cell Simpson's rule for `E[min T]`,
/// and for each `P_i` the integral of the others' survival against `F_i` with both taken as
/// the parabolas through the cell's ends and middle (Simpson's rule again where `F_i` is
/// linear). Every function is taken just inside a cell's end, so that a step at the end (a
/// fixed time to failure) is not smeared over the cell; `F_i`'s step there is added at the
/// others' survival just before it. The tests hold both within a part in a million of closed
/// forms and of an independent integration.
pub(super) fn race(modes: &[&Dist]) -> Race {
    let grid = grid(modes);
    let survival = |t: f64| -> Vec<f64> { modes.iter().map(|m| m.survival_secs(t)).collect() };
    let cdf = |t: f64| -> Vec<f64> { modes.iter().map(|m| m.cdf_secs(t)).collect() };
    let mut mean_up_s = 0.0;
    let mut first = vec![0.0; modes.len()];
    let mut f_start = cdf(grid[0]);
    for cell in grid.windows(2) {
        let (start, end) = (cell[0], cell[1]);
        let middle = start + (end - start) / 2.0;
        let inside = end - (end - start) * 1e-9;
        let s = [survival(start), survival(middle), survival(inside)];
        let (f_middle, f_inside, f_end) = (cdf(middle), cdf(inside), cdf(end));
        // Past `end` itself: a mode listed earlier that steps at `end` too wins the tie.
        let s_end = survival(end);
        let all: Vec<f64> = s.iter().map(|s| s.iter().product()).collect();
        mean_up_s += (end - start) * (all[0] + 4.0 * all[1] + all[2]) / 6.0;
        // The products of the modes before each one and after it, so that "all the others"
        // costs one multiplication per mode, not one per pair.
        let [before_0, before_1, before_2, before_end] =
            [&s[0][..], &s[1], &s[2], &s_end].map(before);
        let [after_0, after_1, after_2] = [&s[0][..], &s[1], &s[2]].map(after);
        for (i, share) in first.iter_mut().enumerate() {
            let (fa, fm, fb) = (f_start[i], f_middle[i], f_inside[i]);
            let step = f_end[i] - fb;
            // Mode i's step at `end` strikes first if the modes before it have not struck by
            // `end` and the modes after it not before: the engine keeps the earliest, and of
            // equal times the first in order (`engine::replicas::schedule_failure`).
            let tie = before_end[i] * after_2[i];
            *share += before_0[i] * after_0[i] * (-fa / 2.0 + 2.0 * fm / 3.0 - fb / 6.0)
                + before_1[i] * after_1[i] * 2.0 * (fb - fa) / 3.0
                + before_2[i] * after_2[i] * (fa / 6.0 - 2.0 * fm / 3.0 + fb / 2.0)
                + tie * step;
        }
        f_start = f_end;
    }
    Race { mean_up_s, first }
}

/// For each mode, the product of the values of the modes before it (1 for the first).
fn before(values: &[f64]) -> Vec<f64> {
    let mut product = 1.0;
    (values.iter())
        .map(|value| {
            let so_far = product;
            product *= value;
            so_far
        })
        .collect()
}

/// For each mode, the product of the values of the modes after it (1 for the last).
fn after(values: &[f64]) -> Vec<f64> {
    let mut products = vec![1.0; values.len()];
    for i in (0..values.len().saturating_sub(1)).rev() {
        products[i] = products[i + 1] * values[i + 1];
    }
    products
}

/// Zero and each mode's quantiles at the grid's probabilities, sorted, each once.
fn grid(modes: &[&Dist]) -> Vec<f64> {
    let probabilities: Vec<f64> = (0..POINTS_PER_MODE)
        .map(|k| {
            let z = -Z + 2.0 * Z * k as f64 / (POINTS_PER_MODE - 1) as f64;
            1.0 / (1.0 + math::exp(-2.0 * z))
        })
        .collect();
    let mut grid = vec![0.0];
    for mode in modes {
        grid.extend(mode.quantiles_secs(&probabilities));
    }
    grid.sort_unstable_by(f64::total_cmp);
    grid.dedup();
    grid
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Duration;

    /// Two uniform times to failure, U[0, 10d] and U[0, 20d], in closed form: E[min T] =
    /// ∫₀¹⁰ (1 - t/10)(1 - t/20) dt = 10 - 2.5 - 5 + 1000/600 = 25/6 days, and the first
    /// strikes first with probability ∫₀¹⁰ (1/10)(1 - t/20) dt = 3/4.
    #[test]
    fn two_uniform_modes_race_as_in_closed_form() {
        let day = 86_400.0;
        let u = |days: u64| Dist::uniform(Duration::ZERO, Duration::from_secs(days * 86_400));
        let (ten, twenty) = (u(10).unwrap(), u(20).unwrap());
        let race = race(&[&ten, &twenty]);
        assert!((race.mean_up_s / day - 25.0 / 6.0).abs() < 1e-6, "{race:?}");
        assert!((race.first[0] - 0.75).abs() < 1e-6, "{race:?}");
        assert!((race.first[1] - 0.25).abs() < 1e-6, "{race:?}");
    }

    /// A fixed time to failure `v` against an exponential of mean `m`: E[min T] =
    /// m (1 - e^(-v/m)), and the fixed one strikes first with probability e^(-v/m).
    #[test]
    fn a_fixed_mode_against_an_exponential_is_in_closed_form() {
        let (fixed, exponential) = (
            Dist::fixed(Duration::from_secs(1_000)),
            Dist::exponential(Duration::from_secs(2_000)),
        );
        let race = race(&[&fixed, &exponential]);
        let survives = math::exp(-0.5);
        let mean_up = 2_000.0 * (1.0 - survives);
        assert!(
            (race.mean_up_s - mean_up).abs() < 1e-6 * mean_up,
            "{race:?}"
        );
        assert!((race.first[0] - survives).abs() < 1e-6, "{race:?}");
        assert!((race.first[1] - (1.0 - survives)).abs() < 1e-6, "{race:?}");
    }

    /// Two modes that fail at the same fixed time tie every time, and the engine takes the
    /// first listed: it strikes first with probability 1, the second never.
    #[test]
    fn tied_modes_go_to_the_first_listed() {
        let fixed = Dist::fixed(Duration::from_secs(30 * 86_400));
        let race = race(&[&fixed, &fixed]);
        assert!((race.mean_up_s - 30.0 * 86_400.0).abs() < 1e-6 * 30.0 * 86_400.0);
        assert!((race.first[0] - 1.0).abs() < 1e-9, "{race:?}");
        assert!(race.first[1].abs() < 1e-9, "{race:?}");
    }

    /// Exponential modes race as their rates say: E[min T] = 1/Σλ, P_i = λ_i/Σλ.
    #[test]
    fn exponential_modes_race_by_rate() {
        let e = |secs| Dist::exponential(Duration::from_secs(secs));
        let (a, b, c) = (e(100), e(300), e(300));
        let race = race(&[&a, &b, &c]);
        assert!((race.mean_up_s - 60.0).abs() < 60.0 * 1e-6, "{race:?}");
        for (found, share) in race.first.iter().zip([0.6, 0.2, 0.2]) {
            assert!((found - share).abs() < 1e-6, "{race:?}");
        }
    }

    /// A Weibull of shape 0.7 against an exponential of mean `m`: the exponential strikes
    /// first with probability E[min T]/m (its density is its survival over m), and E[min T] =
    /// ∫ exp(-(t/s)^0.7 - t/m) dt, taken independently here by Simpson's rule after t =
    /// s·v^(1/0.7), which removes the Weibull's cusp at zero.
    #[test]
    fn a_weibull_against_an_exponential_matches_integration() {
        let day = 86_400u64;
        let weibull = Dist::weibull_mean(0.7, Duration::from_secs(5 * day)).unwrap();
        let exponential = Dist::exponential(Duration::from_secs(30 * day));
        let race = race(&[&weibull, &exponential]);
        let (k, m) = (0.7, 30.0 * day as f64);
        let s = 5.0 * day as f64 / math::gamma(1.0 + 1.0 / k);
        // dt = s/k · v^(1/k - 1) dv
        let f = |v: f64| {
            let t = s * math::powf(v, 1.0 / k);
            math::exp(-v - t / m) * s / k * math::powf(v, 1.0 / k - 1.0)
        };
        let (upper, n) = (60.0, 600_000);
        let h = upper / n as f64;
        let inner: f64 = (1..n)
            .map(|i| f(i as f64 * h) * if i % 2 == 1 { 4.0 } else { 2.0 })
            .sum();
        let mean_up = (f(0.0) + inner + f(upper)) * h / 3.0;
        assert!(
            (race.mean_up_s - mean_up).abs() < 1e-6 * mean_up,
            "{} against {mean_up}",
            race.mean_up_s
        );
        let exponential_first = mean_up / m;
        assert!((race.first[1] - exponential_first).abs() < 1e-6, "{race:?}");
        assert!(
            (race.first[0] + race.first[1] - 1.0).abs() < 1e-6,
            "{race:?}"
        );
    }
}
