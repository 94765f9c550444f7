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
///
/// The grid has `2000 k` points for `k` modes, so taking every mode at every point costs
/// `k²` evaluations. A mode is taken only from the first cell where it may have struck, and
/// the integration stops where two modes surely have (every product is then 0) or where the
/// products are too small for any later cell to move a figure's last bit. None of the three
/// changes a figure by a bit (a factor of exactly 1, shares of exactly 0, additions that
/// round back to the sum); modes that overlap still cost `k²`, three evaluations a mode a
/// cell up to where the race settles, as every product needs every mode's survival.
pub(super) fn race(modes: &[&Dist]) -> Race {
    race_counting(modes).0
}

/// [`race`], and how many times it evaluated a mode's distribution (survival and
/// distribution function together count once): the tests pin the work by it, not by time.
fn race_counting(modes: &[&Dist]) -> (Race, usize) {
    let grid = grid(modes);
    let cells = grid.len() - 1;
    let spans: Vec<Span> = modes.iter().map(|mode| Span::of(mode, &grid)).collect();
    let mut waking: Vec<usize> = (0..modes.len()).collect();
    waking.sort_by_key(|&m| spans[m].wakes);
    let mut waking = waking.into_iter().peekable();
    let mut cell = Cell::new(modes.len());
    let mut mean_up_s = 0.0;
    let mut first = vec![0.0; modes.len()];
    let (until, widest) = (until(&spans, cells), widest_from(&grid));
    for k in 0..until {
        // A mode joins at the cell where it can first strike, with its values at the
        // cell's start; `live` stays in the modes' order, as the products need it.
        while let Some(m) = waking.next_if(|&m| spans[m].wakes == k) {
            let at = cell.live.partition_point(|&l| l < m);
            cell.live.insert(at, m);
            cell.start[m] = cell.evaluate(modes[m], grid[k]);
        }
        // A mode still asleep would add its first share later, to a figure still 0.
        let all_awake = waking.peek().is_none_or(|&m| spans[m].wakes >= until);
        if all_awake && cell.settled(modes, &first, mean_up_s, widest[k]) {
            break;
        }
        let (start, end) = (grid[k], grid[k + 1]);
        mean_up_s += cell.integrate(modes, start, end, &mut first);
    }
    (Race { mean_up_s, first }, cell.evaluations)
}

/// The cells over which a mode's values can matter, as cell indices: before `wakes` its
/// survival is exactly 1 and its distribution function exactly 0 (a factor of 1 in every
/// product, and no share of its own), and from `over` on they are exactly 0 and 1.
#[derive(Clone, Copy, Debug)]
struct Span {
    /// The first cell that reaches past the last point where the mode surely has not
    /// struck.
    wakes: usize,
    /// The first cell that starts where the mode surely has struck.
    over: usize,
}

impl Span {
    /// `mode`'s span over `grid`, by bisection (both conditions hold on one end of the
    /// sorted grid and, as the bounds in seconds are monotone, at every point inside a
    /// cell whose ends they hold at).
    fn of(mode: &Dist, grid: &[f64]) -> Span {
        let not_yet = grid.partition_point(|&t| mode.surely_not_yet_secs(t));
        Span {
            wakes: not_yet.saturating_sub(1),
            over: grid.partition_point(|&t| !mode.surely_over_secs(t)),
        }
    }
}

/// The number of cells to integrate: past the start of the second mode to have surely
/// struck, every product of survivals has a factor 0 (for each mode, one of the others'),
/// so every later cell adds exactly 0 to every figure.
fn until(spans: &[Span], cells: usize) -> usize {
    let mut overs: Vec<usize> = spans.iter().map(|span| span.over).collect();
    overs.sort_unstable();
    overs.get(1).map_or(cells, |&second| second.min(cells))
}

/// For each cell, the widest of it and the cells after it, each as wide as
/// [`Cell::integrate`] takes it.
fn widest_from(grid: &[f64]) -> Vec<f64> {
    let mut widest: Vec<f64> = grid.windows(2).map(|cell| cell[1] - cell[0]).collect();
    for k in (0..widest.len().saturating_sub(1)).rev() {
        widest[k] = widest[k].max(widest[k + 1]);
    }
    widest
}

/// A mode's survival and distribution function at one time.
#[derive(Clone, Copy, Debug, Default)]
struct Point {
    survival: f64,
    cdf: f64,
}

/// The modes awake so far, their values where the next cell starts, and the count of
/// evaluations, carried from cell to cell.
struct Cell {
    /// The awake modes, in the modes' order.
    live: Vec<usize>,
    /// Each mode's values at the current cell's start (its last cell's end).
    start: Vec<Point>,
    /// The live modes' values at the cell's middle, just inside its end, and at its end.
    middle: Vec<Point>,
    inside: Vec<Point>,
    end: Vec<Point>,
    /// The evaluations so far, for the tests.
    evaluations: usize,
}

impl Cell {
    /// Before the first cell, of `modes` modes none awake.
    fn new(modes: usize) -> Cell {
        Cell {
            live: Vec::with_capacity(modes),
            start: vec![Point::default(); modes],
            middle: Vec::new(),
            inside: Vec::new(),
            end: Vec::new(),
            evaluations: 0,
        }
    }

    /// `mode`'s values at `secs`, counted.
    fn evaluate(&mut self, mode: &Dist, secs: f64) -> Point {
        self.evaluations += 1;
        let (survival, cdf) = mode.survival_and_cdf_secs(secs);
        Point { survival, cdf }
    }

    /// The cell from `start` to `end`: adds each live mode's share of striking first to
    /// `first` and returns the cell's part of `E[min T]`, then moves the live modes' values
    /// at `end` to the next cell's start. The modes asleep are left out of every product
    /// (a factor of exactly 1 changes no bit) and of `first` (they add exactly 0), so the
    /// figures are those of integrating every mode over every cell.
    fn integrate(&mut self, modes: &[&Dist], start: f64, end: f64, first: &mut [f64]) -> f64 {
        let middle = start + (end - start) / 2.0;
        let inside = end - (end - start) * 1e-9;
        self.evaluate_live(modes, [middle, inside, end]);
        let starts: Vec<f64> = self.live.iter().map(|&m| self.start[m].survival).collect();
        let survivals =
            |points: &[Point]| -> Vec<f64> { points.iter().map(|p| p.survival).collect() };
        let s = [starts, survivals(&self.middle), survivals(&self.inside)];
        let s_end = survivals(&self.end);
        let all: Vec<f64> = s.iter().map(|s| s.iter().product()).collect();
        let mean_up_s = (end - start) * (all[0] + 4.0 * all[1] + all[2]) / 6.0;
        // The products of the modes before each one and after it, so that "all the others"
        // costs one multiplication per mode, not one per pair.
        let [before_0, before_1, before_2, before_end] =
            [&s[0][..], &s[1], &s[2], &s_end].map(before);
        let [after_0, after_1, after_2] = [&s[0][..], &s[1], &s[2]].map(after);
        for (i, &m) in self.live.iter().enumerate() {
            let f = [
                self.start[m].cdf,
                self.middle[i].cdf,
                self.inside[i].cdf,
                self.end[i].cdf,
            ];
            let others = [
                [before_0[i], after_0[i]],
                [before_1[i], after_1[i]],
                [before_2[i], after_2[i]],
                [before_end[i], after_2[i]],
            ];
            first[m] += share(others, f);
        }
        for (i, &m) in self.live.iter().enumerate() {
            self.start[m] = self.end[i];
        }
        mean_up_s
    }

    /// True when no later cell can change a figure by a bit: from the current cell's start
    /// on, each live mode's share of a cell stays below 2⁻⁵⁶ of its `first` so far, and a
    /// cell's part of `E[min T]` (the cell at most `widest` long) below 2⁻⁵⁶ of
    /// `mean_up_s`, so that each addition rounds back to the sum it is added to (less than
    /// half its last bit) and the rest of the grid would add nothing. The others' survival
    /// is bounded by its value at the start, as survival only falls (twice it and 10⁻²⁹⁰,
    /// for the rounding of survivals and products); one whose computed survival may rise
    /// a little (gamma, lognormal) is bounded by 1.
    fn settled(&self, modes: &[&Dist], first: &[f64], mean_up_s: f64, widest: f64) -> bool {
        /// A change below this share of a sum leaves it as it is.
        const BELOW_LAST_BIT: f64 = 1.0 / (1u64 << 56) as f64;
        /// More than rounding can add to a product of survivals that underflows.
        const UNDERFLOW: f64 = 1e-290;
        let bound = |product: f64| 2.0 * product + UNDERFLOW;
        let bounds: Vec<f64> = (self.live.iter())
            .map(|&m| match modes[m].survival_bounded_by_earlier() {
                true => self.start[m].survival,
                false => 1.0,
            })
            .collect();
        let all: f64 = bounds.iter().product();
        if widest * bound(all) >= mean_up_s.abs() * BELOW_LAST_BIT {
            return false;
        }
        let (before, after) = (before(&bounds), after(&bounds));
        // A share is four terms, the others' survival times at most 4/3, 2/3, 4/3 and 1.
        (self.live.iter().enumerate())
            .all(|(i, &m)| 5.0 * bound(before[i] * after[i]) < first[m].abs() * BELOW_LAST_BIT)
    }

    /// The live modes' values at the cell's middle, just inside its end, and at its end.
    fn evaluate_live(&mut self, modes: &[&Dist], [middle, inside, end]: [f64; 3]) {
        let live = std::mem::take(&mut self.live);
        let mut at = |secs: f64| -> Vec<Point> {
            live.iter()
                .map(|&m| self.evaluate(modes[m], secs))
                .collect()
        };
        let values = [at(middle), at(inside), at(end)];
        [self.middle, self.inside, self.end] = values;
        self.live = live;
    }
}

/// One mode's share of striking first over one cell, from the products of the others'
/// survivals (before it, after it) at the cell's start, middle and just inside its end,
/// and at its end (before it; after it just inside the end), and its distribution function
/// `f` at the start, middle, just inside the end and at the end: the others' survival
/// against `F`, both as the parabolas through the start, middle and inside, plus `F`'s
/// step at the end.
fn share(others: [[f64; 2]; 4], f: [f64; 4]) -> f64 {
    let [
        [before_0, after_0],
        [before_1, after_1],
        [before_2, after_2],
        [before_end, _],
    ] = others;
    let [fa, fm, fb, f_end] = f;
    let step = f_end - fb;
    // The mode's step at `end` strikes first if the modes before it have not struck by
    // `end` and the modes after it not before: the engine keeps the earliest, and of equal
    // times the first in order (`engine::replicas::schedule_failure`).
    let tie = before_end * after_2;
    before_0 * after_0 * (-fa / 2.0 + 2.0 * fm / 3.0 - fb / 6.0)
        + before_1 * after_1 * 2.0 * (fb - fa) / 3.0
        + before_2 * after_2 * (fa / 6.0 - 2.0 * fm / 3.0 + fb / 2.0)
        + tie * step
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

    /// The race as it was integrated before modes that cannot matter were left out: every
    /// mode's survival and distribution function, each taken on its own, at every point of
    /// every cell (seven evaluations a mode a cell). The figures must not move by a bit,
    /// and it counts its evaluations as [`race_counting`] does.
    fn reference(modes: &[&Dist]) -> (Race, usize) {
        let evaluations = std::cell::Cell::new(0);
        let grid = grid(modes);
        let survival = |t: f64| -> Vec<f64> {
            evaluations.set(evaluations.get() + modes.len());
            modes.iter().map(|m| m.survival_secs(t)).collect()
        };
        let cdf = |t: f64| -> Vec<f64> {
            evaluations.set(evaluations.get() + modes.len());
            modes.iter().map(|m| m.cdf_secs(t)).collect()
        };
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
        (Race { mean_up_s, first }, evaluations.get())
    }

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

    /// Modes alike to the probes' (Weibull shapes from 0.1 to 0.9 and means a day apart,
    /// which span hundreds of decades) and others that step, end, tie, or only start late.
    fn mode_sets() -> Vec<Vec<Dist>> {
        let day = 86_400;
        let secs = Duration::from_secs;
        let weibull = |shape: f64, days: u64| Dist::weibull_mean(shape, secs(days * day));
        let probes = (0..12)
            .map(|i| weibull(0.1 * (i % 9 + 1) as f64, i as u64 + 1).unwrap())
            .collect();
        let wear_out = vec![
            weibull(20.0, 30).unwrap(),
            weibull(8.0, 45).unwrap(),
            Dist::exponential(secs(400 * day)),
            weibull(3.0, 90).unwrap(),
        ];
        let steps = vec![
            Dist::fixed(secs(7 * day)),
            Dist::uniform(secs(2 * day), secs(9 * day)).unwrap(),
            Dist::empirical(vec![secs(3 * day), secs(7 * day), secs(11 * day)]).unwrap(),
            Dist::fixed(secs(7 * day)),
            weibull(0.7, 20).unwrap(),
        ];
        let late = vec![
            Dist::gamma(2.0, secs(5 * day)).unwrap(),
            Dist::lognormal_mean_sd(secs(8 * day), secs(3 * day)),
            Dist::uniform(secs(300 * day), secs(400 * day)).unwrap(),
            weibull(1.5, 6).unwrap(),
        ];
        vec![probes, wear_out, steps, late]
    }

    /// The figures, to the bit, of the race that leaves out the modes that cannot matter and
    /// of the one that takes every mode at every point.
    #[test]
    fn leaving_modes_out_changes_no_bit() {
        for modes in mode_sets() {
            let modes: Vec<&Dist> = modes.iter().collect();
            let (found, evaluations) = race_counting(&modes);
            let (expected, all) = reference(&modes);
            let bits = |race: &Race| -> Vec<u64> {
                let first = race.first.iter().map(|p| p.to_bits());
                std::iter::once(race.mean_up_s.to_bits())
                    .chain(first)
                    .collect()
            };
            assert_eq!(
                bits(&found),
                bits(&expected),
                "{found:?} against {expected:?}"
            );
            // At most three evaluations a mode a cell where it took seven: less than half.
            assert!(2 * evaluations < all, "{evaluations} against {all}");
        }
    }

    /// Modes that cannot strike before two others surely have (a uniform between one and two
    /// years, against fixed times of a day and two) cost no evaluation, however many: the
    /// work of two modes, where every mode at every point of a grid that grows with them
    /// grew as the square of their number.
    #[test]
    fn modes_that_cannot_strike_in_time_cost_nothing() {
        let day = 86_400;
        let secs = Duration::from_secs;
        let work = |late: usize| {
            let mut modes = vec![Dist::fixed(secs(day)), Dist::fixed(secs(2 * day))];
            let rare = Dist::uniform(secs(365 * day), secs(730 * day)).unwrap();
            modes.extend(std::iter::repeat_n(rare, late));
            let modes: Vec<&Dist> = modes.iter().collect();
            let (race, evaluations) = race_counting(&modes);
            assert_eq!(race, reference(&modes).0);
            assert_eq!(race.first[0], 1.0, "{race:?}");
            evaluations
        };
        assert_eq!(work(3), work(2));
        assert_eq!(work(40), work(2));
    }

    /// Past where the survivals' products are too small to move a figure's last bit, the
    /// race stops: the probes' modes, whose grids reach 10¹⁴ of their scale, cost less than
    /// a quarter of every mode at every point (and the figures are the same bits, above).
    #[test]
    fn a_settled_race_stops() {
        let modes = mode_sets().swap_remove(0);
        let modes: Vec<&Dist> = modes.iter().collect();
        let (_, evaluations) = race_counting(&modes);
        let (_, all) = reference(&modes);
        assert!(4 * evaluations < all, "{evaluations} against {all}");
    }

    /// A mode that sleeps (a Weibull of shape 0.9 next to one of shape 0.1, whose grid
    /// reaches down to 10⁻¹²⁰ of its scale) is not taken until it may have struck: fewer
    /// evaluations than three for each mode and cell.
    #[test]
    fn a_sleeping_mode_is_not_evaluated() {
        let day = Duration::from_secs(86_400);
        let (early, late) = (
            Dist::weibull_mean(0.1, day).unwrap(),
            Dist::weibull_mean(0.9, day).unwrap(),
        );
        let modes = [&early, &late];
        let (_, evaluations) = race_counting(&modes);
        let cells = grid(&modes).len() - 1;
        assert!(
            evaluations < 2 * 3 * cells * 9 / 10,
            "{evaluations} for {cells} cells"
        );
    }
}
