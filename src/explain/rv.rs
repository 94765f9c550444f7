//! Random durations as an exact mean, a quantile grid and a finer grid of the top tail, for
//! the closed forms of `explain`: sums, minima and floors of independent variables,
//! deterministically.
//!
//! Percentiles. A variable read from one distribution (or shifted by a constant, floored, or
//! the smaller of it and a constant) has its exact 99th percentile, from the distribution's
//! quantile function. A combination of two variables takes each operand as the
//! distribution whose distribution function is the line through its points ([`Cdf`]): the
//! [`GRID`] equally likely points below [`TAIL_FROM`] and the [`TAIL`] points of the top
//! share, forty to a grid cell. The 99th percentile of a sum is that of the exact
//! convolution of the two lines, and of a minimum that of the product of their survival
//! functions, each inverted by bisection. The error is the lines' against the operands'
//! distribution functions, of second order in the spacing of the points (a tail point holds
//! 1/4000 of the probability): the tests hold the 99th percentile of sums and minima of
//! exponentials, uniforms, log-normals and Weibulls, and of a sum of three, to within 0.02%
//! of the exact one (`percentiles_of_combinations_are_accurate`; the largest, 0.008%, is the
//! sum of three exponentials), and a shipped model's percentiles to within a few parts in a
//! million where computed independently. (Before, the 99th percentile was the grid's point
//! in the cell that holds 0.99, the quantile at 0.99125, which put it 1.5-3% too high.)
//!
use super::PhaseSummary;
use crate::dist::Dist;
use crate::time::Duration;
use std::collections::HashMap;

/// Points of a quantile grid: enough for means of minima within a fraction of a percent.
pub(super) const GRID: usize = 400;

/// Points of the grid below [`TAIL_FROM`] that a combination pairs.
const BODY: usize = 380;

/// The probability from which [`Rv::tail`] refines the grid: the last 20 of its 400 cells.
const TAIL_FROM: f64 = BODY as f64 / GRID as f64;

/// Points of a tail grid: the middles of equal shares of the top `1 - TAIL_FROM` of the
/// probability, a fortieth of a grid cell each (0.99 is the boundary of two of them).
const TAIL: usize = 200;

/// The probability of a tail point.
const TAIL_WEIGHT: f64 = (1.0 - TAIL_FROM) / TAIL as f64;

/// Points a combination pairs from each operand: the body's and the tail's.
pub(super) const POINTS: usize = BODY + TAIL;

/// The percentile `explain` reports.
const P99: f64 = 0.99;

/// Combinations of two grids that take every pair of points (`GRID`² of them, a few
/// milliseconds each) in one explanation. Past them (a model of thousands of components
/// that all differ), a combination takes a coarse grid of each operand instead, so that
/// `explain` stays within seconds; the explanation names the causes it touched.
pub(super) const FULL_COMBINATIONS: usize = 250;

/// The step between the points of a grid that a coarse combination takes: 20 points of
/// each operand, whose 400 pairs are the result's grid.
const COARSE_STEP: usize = 20;
const _: () = assert!((GRID / COARSE_STEP).pow(2) == GRID);

/// Combinations remembered with their operands, so that components alike are combined
/// once; past this many the memory starts over (each costs three grids, about 10 KiB).
const REMEMBERED: usize = 1_024;

/// A random duration in seconds: its exact mean, an equally weighted quantile grid, a finer
/// grid of its top tail and its 99th percentile.
#[derive(Clone, Debug)]
pub(super) struct Rv {
    /// The exact mean.
    pub(super) mean: f64,
    /// The value at each of [`GRID`] equally likely quantiles, in increasing order.
    pub(super) grid: Vec<f64>,
    /// The value at each of [`TAIL`] equally likely quantiles of the top share
    /// `1 - TAIL_FROM`, in increasing order.
    tail: Vec<f64>,
    /// The 99th percentile: exact for a distribution, from [`Combiner`] for a combination.
    p99: f64,
}

/// The grid's probability of tail point `k`: the middle of its share.
fn tail_point(k: usize) -> f64 {
    TAIL_FROM + (k as f64 + 0.5) * TAIL_WEIGHT
}

impl Rv {
    /// Always `value` seconds.
    pub(super) fn constant(value: f64) -> Rv {
        Rv {
            mean: value,
            grid: vec![value; GRID],
            tail: vec![value; TAIL],
            p99: value,
        }
    }

    /// The variable with `mean` and quantile function `quantile`.
    pub(super) fn from_quantile(mean: f64, quantile: impl Fn(f64) -> f64) -> Rv {
        Rv {
            mean,
            grid: (0..GRID).map(|i| quantile(grid_point(i))).collect(),
            tail: (0..TAIL).map(|k| quantile(tail_point(k))).collect(),
            p99: quantile(P99),
        }
    }

    /// A model distribution.
    pub(super) fn dist(dist: &Dist) -> Rv {
        let points: Vec<f64> = (0..GRID)
            .map(grid_point)
            .chain((0..TAIL).map(tail_point))
            .chain([P99])
            .collect();
        let mut quantiles = dist.quantiles_secs(&points);
        let p99 = quantiles.pop().unwrap_or_default();
        let tail = quantiles.split_off(GRID);
        Rv {
            mean: dist.mean_secs(),
            grid: quantiles,
            tail,
            p99,
        }
    }

    /// Uniform on `[low, high]` seconds.
    pub(super) fn uniform(low: f64, high: f64) -> Rv {
        Rv::from_quantile((low + high) / 2.0, |p| low + (high - low) * p)
    }

    /// Always `value`.
    pub(super) fn duration(value: Duration) -> Rv {
        Rv::constant(value.as_secs_f64())
    }

    /// Whether the variable is a constant (its sorted grids begin and end alike).
    fn is_constant(&self) -> bool {
        self.grid.first() == self.tail.last() && self.grid.first() == self.grid.last()
    }

    /// The bits of the grids and the percentile, for remembering a combination by its
    /// operands.
    fn bits(&self) -> Vec<u64> {
        (self.grid.iter().chain(&self.tail).chain([&self.p99]))
            .map(|x| x.to_bits())
            .collect()
    }

    /// Every [`COARSE_STEP`]-th point of the grid, from the middle of the first step.
    fn coarse(&self) -> impl Iterator<Item = f64> + '_ {
        self.grid
            .iter()
            .skip(COARSE_STEP / 2)
            .step_by(COARSE_STEP)
            .copied()
    }

    /// The points a combination pairs, with their probabilities: the grid's below
    /// [`TAIL_FROM`], then the tail's.
    fn weighted(&self) -> impl Iterator<Item = (f64, Weight)> + '_ {
        let body = self.grid[..BODY].iter().map(|x| (*x, Weight::Body));
        body.chain(self.tail.iter().map(|x| (*x, Weight::Tail)))
    }

    /// `max(self, floor)`, its mean from the grid.
    pub(super) fn at_least(&self, floor: f64) -> Rv {
        let grid: Vec<f64> = self.grid.iter().map(|x| x.max(floor)).collect();
        let mean = if floor <= self.grid[0] {
            self.mean
        } else {
            grid.iter().sum::<f64>() / GRID as f64
        };
        Rv {
            mean,
            grid,
            tail: self.tail.iter().map(|x| x.max(floor)).collect(),
            p99: self.p99.max(floor),
        }
    }

    /// The 99th percentile.
    pub(super) fn p99(&self) -> f64 {
        self.p99
    }

    /// The mean and the 99th percentile.
    pub(super) fn summary(&self) -> PhaseSummary {
        PhaseSummary {
            mean_s: self.mean,
            p99_s: self.p99(),
        }
    }
}

/// The probability of grid point `i`: the middle of its share.
fn grid_point(i: usize) -> f64 {
    (i as f64 + 0.5) / GRID as f64
}

/// The probability a point of [`Rv::weighted`] stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Weight {
    /// A grid cell below [`TAIL_FROM`].
    Body,
    /// A tail cell.
    Tail,
}

/// The probabilities of a pair of points, by the number of tail points in it (0, 1 or 2).
const PAIR_PROBABILITIES: [f64; 3] = [
    1.0 / (GRID * GRID) as f64,
    TAIL_WEIGHT / GRID as f64,
    TAIL_WEIGHT * TAIL_WEIGHT,
];

/// How two independent variables combine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Op {
    /// The sum.
    Plus,
    /// The smaller of the two.
    Min,
}

impl Op {
    fn apply(self, a: f64, b: f64) -> f64 {
        match self {
            Op::Plus => a + b,
            Op::Min => a.min(b),
        }
    }
}

/// A combination and the bits of its operands' grids.
type Operands = (Op, Vec<u64>, Vec<u64>);

/// A combination's grids and 99th percentile; its mean is the caller's.
#[derive(Clone, Debug)]
struct Made {
    grid: Vec<f64>,
    tail: Vec<f64>,
    p99: f64,
}

impl Made {
    /// The variable, with `mean`.
    fn with_mean(self, mean: f64) -> Rv {
        Rv {
            mean,
            grid: self.grid,
            tail: self.tail,
            p99: self.p99,
        }
    }
}

/// The grids of the full combinations (every pair of points) that explanations made, by
/// operands, kept from one explanation to the next: the variants of a comparison differ in
/// a parameter or two, so most of their combinations are the baseline's. A full
/// combination's grid depends on its operands alone, so taking it from here changes no
/// figure; only the work is saved.
#[derive(Default)]
pub struct Combinations {
    grids: HashMap<Operands, Made>,
    /// Races of failure modes already integrated, by their times to failure: identical
    /// components, and the components a variant leaves as they were, race alike.
    races: Vec<(Vec<Dist>, super::race::Race)>,
}

/// How many grids are kept, not the thousands of numbers each holds.
impl std::fmt::Debug for Combinations {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Combinations")
            .field("kept", &self.grids.len())
            .finish()
    }
}

impl Combinations {
    /// Grids kept before the memory starts over (each about 15 KiB with its operands).
    const KEPT: usize = 2_048;

    /// The grids of the full combination of `operands`, made by `make` unless kept.
    fn grids(&mut self, operands: &Operands, make: impl FnOnce() -> Made) -> Made {
        if let Some(made) = self.grids.get(operands) {
            return made.clone();
        }
        let made = make();
        if self.grids.len() >= Self::KEPT {
            self.grids.clear();
        }
        self.grids.insert(operands.clone(), made.clone());
        made
    }

    /// The race of times to failure `modes` ([`super::race::race`]), integrated unless kept.
    pub(super) fn race(&mut self, modes: &[&Dist]) -> super::race::Race {
        let same = |kept: &Vec<Dist>| {
            kept.len() == modes.len() && kept.iter().zip(modes).all(|(a, b)| a == *b)
        };
        if let Some((_, race)) = self.races.iter().find(|(kept, _)| same(kept)) {
            return race.clone();
        }
        let race = super::race::race(modes);
        if self.races.len() >= Self::KEPT {
            self.races.clear();
        }
        self.races
            .push((modes.iter().map(|&m| m.clone()).collect(), race.clone()));
        race
    }
}

/// Combines independent variables, exactly (every pair of grid points) up to
/// [`FULL_COMBINATIONS`], then coarsely; a combination with a constant shifts the other
/// grid, which is exact and costs one pass, and a combination already made is remembered.
/// The same model is always combined the same way, so its explanation is deterministic.
#[derive(Default)]
pub(super) struct Combiner {
    /// Each remembered combination, and whether it was coarse.
    remembered: HashMap<Operands, (Made, bool)>,
    /// Full combinations' grids, from earlier explanations too.
    pub(super) made: Combinations,
    full: usize,
    /// Results handed out that came from a coarse combination, made or remembered.
    coarse: usize,
    /// Pairs of points formed so far: the work done.
    pub(super) pairs: u64,
}

impl Combiner {
    /// The sum of two independent variables.
    pub(super) fn plus(&mut self, a: &Rv, b: &Rv) -> Rv {
        self.combine(Op::Plus, a, b).with_mean(a.mean + b.mean)
    }

    /// The smaller of two independent variables (its mean from the grid).
    pub(super) fn min(&mut self, a: &Rv, b: &Rv) -> Rv {
        let made = self.combine(Op::Min, a, b);
        let mean = made.grid.iter().sum::<f64>() / GRID as f64;
        made.with_mean(mean)
    }

    /// Results of coarse combinations handed out so far: a cause whose figures took one is
    /// approximate.
    pub(super) fn coarse(&self) -> usize {
        self.coarse
    }

    /// The grids of `op(a, b)`.
    fn combine(&mut self, op: Op, a: &Rv, b: &Rv) -> Made {
        if b.is_constant() {
            return with_constant(op, a, b.grid[0]);
        }
        if a.is_constant() {
            return with_constant(op, b, a.grid[0]);
        }
        let key = (op, a.bits(), b.bits());
        if let Some((known, coarse)) = self.remembered.get(&key) {
            self.coarse += usize::from(*coarse);
            return known.clone();
        }
        let coarse = self.full >= FULL_COMBINATIONS;
        let made = if coarse {
            self.coarse += 1;
            self.coarse_pairs(op, a, b)
        } else {
            self.full += 1;
            let pairs = &mut self.pairs;
            self.made.grids(&key, || {
                *pairs += (GRID * GRID + if op == Op::Plus { POINTS * POINTS } else { 0 }) as u64;
                let (tail, p99) = tail_of(op, a, b);
                Made {
                    grid: every_pair(op, a, b),
                    tail,
                    p99,
                }
            })
        };
        if self.remembered.len() >= REMEMBERED {
            self.remembered.clear();
        }
        self.remembered.insert(key, (made.clone(), coarse));
        made
    }

    /// The pairs of the coarse grids of `a` and `b`, sorted: [`GRID`] points, and the tail
    /// and percentile read from them.
    fn coarse_pairs(&mut self, op: Op, a: &Rv, b: &Rv) -> Made {
        let mut all: Vec<f64> = a
            .coarse()
            .flat_map(|x| b.coarse().map(move |y| op.apply(x, y)))
            .collect();
        self.pairs += all.len() as u64;
        all.sort_unstable_by(f64::total_cmp);
        let weight = 1.0 / all.len() as f64;
        let (tail, p99) = tail_and_p99(0.0, all.iter().map(|x| (*x, weight)));
        Made {
            grid: all,
            tail,
            p99,
        }
    }
}

/// `op(rv, constant)`: every point moved alike, the percentile too (a sum and a minimum
/// with a constant keep the order of the values).
fn with_constant(op: Op, rv: &Rv, constant: f64) -> Made {
    let apply = |values: &[f64]| values.iter().map(|x| op.apply(*x, constant)).collect();
    Made {
        grid: apply(&rv.grid),
        tail: apply(&rv.tail),
        p99: op.apply(rv.p99, constant),
    }
}

/// Every pair of points of `a` and `b` combined by `op`, sorted, sampled at the middle of
/// each of [`GRID`] equal shares.
fn every_pair(op: Op, a: &Rv, b: &Rv) -> Vec<f64> {
    let mut all: Vec<u64> = a
        .grid
        .iter()
        .flat_map(|x| b.grid.iter().map(|y| total_order_key(op.apply(*x, *y))))
        .collect();
    radix_sort(&mut all);
    (0..GRID)
        .map(|i| from_total_order_key(all[i * all.len() / GRID + all.len() / (2 * GRID)]))
        .collect()
}

/// The tail grid and the 99th percentile of `op(a, b)`.
fn tail_of(op: Op, a: &Rv, b: &Rv) -> (Vec<f64>, f64) {
    match op {
        Op::Plus => (weighted_pairs(a, b), sum_p99(a, b)),
        Op::Min => min_tail(a, b),
    }
}

/// The 99th percentile of `a + b`, each operand's distribution function the line through
/// its points ([`Cdf`]): `P(a + b ≤ s)` is the integral of `F_a(s - y)` over `b`, exact for
/// such lines, inverted by bisection.
fn sum_p99(a: &Rv, b: &Rv) -> f64 {
    sum_quantile(a, b, P99)
}

/// The `p`-quantile of `a + b` as [`sum_p99`] takes it.
fn sum_quantile(a: &Rv, b: &Rv, p: f64) -> f64 {
    let (a, b) = (Cdf::of(a), Cdf::of(b));
    let cdf = |s: f64| b.expect(|y| a.at(s - y), |from, to| a.integral(s - to, s - from));
    let (low, high) = (a.first() + b.first(), a.last() + b.last());
    crate::math::special::invert(cdf, p, low, high)
}

/// The bytes of a key below which [`weighted_pairs`] leaves the order of the pairs as made:
/// values within a relative 2⁻²⁸ (4·10⁻⁹) of each other may come in either order, which
/// moves a percentile by no more, in five passes of the radix sort instead of eight.
const UNSORTED_BYTES: usize = 3;

/// The probability below which [`weighted_pairs`] only counts the pairs: a percentage
/// point under [`TAIL_FROM`], far more than the distributions of pairs and of lines
/// ([`Cdf`]) differ by.
const UNSORTED_BELOW: f64 = TAIL_FROM - 0.01;

/// The tail grid of `a + b`: every pair of the operands' [`Rv::weighted`] points with the
/// product of their probabilities; the pairs above the sum's [`UNSORTED_BELOW`]-quantile
/// (of the lines through the points, [`sum_quantile`]) are sorted, the others only counted.
/// Each key's two lowest bits say how many tail points the pair holds (0, 1 or 2), which
/// sets its probability; they move the value by less than four units in the last place.
fn weighted_pairs(a: &Rv, b: &Rv) -> Vec<f64> {
    let mut threshold = sum_quantile(a, b, UNSORTED_BELOW);
    loop {
        let mut below = 0.0;
        let mut keys: Vec<u64> = Vec::new();
        for (x, x_weight) in a.weighted() {
            for (y, y_weight) in b.weighted() {
                let tails =
                    usize::from(x_weight == Weight::Tail) + usize::from(y_weight == Weight::Tail);
                if x + y < threshold {
                    below += PAIR_PROBABILITIES[tails];
                } else {
                    keys.push(total_order_key(x + y) & !3 | tails as u64);
                }
            }
        }
        // The pairs' distribution is never that far from the lines', but should the count
        // reach into the tail, every pair is sorted.
        if below >= TAIL_FROM - 0.001 && threshold > f64::NEG_INFINITY {
            threshold = f64::NEG_INFINITY;
            continue;
        }
        radix_sort_from(&mut keys, UNSORTED_BYTES);
        let points = keys.iter().map(|key| {
            (
                from_total_order_key(key & !3),
                PAIR_PROBABILITIES[(key & 3) as usize],
            )
        });
        return tail_and_p99(below, points).0;
    }
}

/// The tail grid and the 99th percentile of `min(a, b)`, whose survival function is the
/// product of the operands' (each a [`Cdf`]), inverted by bisection.
fn min_tail(a: &Rv, b: &Rv) -> (Vec<f64>, f64) {
    let (a, b) = (Cdf::of(a), Cdf::of(b));
    let cdf = |x: f64| 1.0 - (1.0 - a.at(x)) * (1.0 - b.at(x));
    let (low, high) = (a.first().min(b.first()), a.last().max(b.last()));
    let invert = |p: f64| crate::math::special::invert(cdf, p, low, high);
    (
        (0..TAIL).map(|k| invert(tail_point(k))).collect(),
        invert(P99),
    )
}

/// The distribution whose distribution function is the line through the points of
/// [`Rv::weighted`], each at the middle of its probability: between two points uniform, the
/// probability below the first point's middle on the first point and that above the last's
/// on the last. Its quantiles are second-order close to the variable's where the points
/// are dense, and it has no steps: a sum or a minimum of two of them has no error from the
/// grids' steps, which an operand with widely spaced tail points beside a narrow one
/// would otherwise show (a log-normal repair after a detection of a second or so).
struct Cdf {
    /// Each point's value and the probability at its middle, in increasing order.
    points: Vec<(f64, f64)>,
    /// `∫ F` from the first point to each point.
    integrals: Vec<f64>,
}

impl Cdf {
    /// The line through `rv`'s weighted points.
    fn of(rv: &Rv) -> Cdf {
        let mut before = 0.0;
        let points: Vec<(f64, f64)> = rv
            .weighted()
            .map(|(x, weight)| {
                let probability = match weight {
                    Weight::Body => 1.0 / GRID as f64,
                    Weight::Tail => TAIL_WEIGHT,
                };
                let middle = before + probability / 2.0;
                before += probability;
                (x, middle)
            })
            .collect();
        let mut integral = 0.0;
        let mut integrals = vec![0.0];
        for pair in points.windows(2) {
            let ((x0, p0), (x1, p1)) = (pair[0], pair[1]);
            integral += (x1 - x0) * (p0 + p1) / 2.0;
            integrals.push(integral);
        }
        Cdf { points, integrals }
    }

    /// The least value.
    fn first(&self) -> f64 {
        self.points[0].0
    }

    /// The greatest value.
    fn last(&self) -> f64 {
        self.points[self.points.len() - 1].0
    }

    /// The index of the last point at or below `x`, if any.
    fn below(&self, x: f64) -> Option<usize> {
        self.points.partition_point(|p| p.0 <= x).checked_sub(1)
    }

    /// P(X ≤ x).
    fn at(&self, x: f64) -> f64 {
        match self.below(x) {
            None => 0.0,
            Some(i) if i + 1 == self.points.len() => 1.0,
            Some(i) => {
                let ((x0, p0), (x1, p1)) = (self.points[i], self.points[i + 1]);
                p0 + (p1 - p0) * (x - x0) / (x1 - x0)
            }
        }
    }

    /// `∫ F` from the first point to `x` (zero below it).
    fn to(&self, x: f64) -> f64 {
        match self.below(x) {
            None => 0.0,
            Some(i) if i + 1 == self.points.len() => self.integrals[i] + (x - self.points[i].0),
            Some(i) => {
                let (x0, p0) = self.points[i];
                self.integrals[i] + (x - x0) * (p0 + self.at(x)) / 2.0
            }
        }
    }

    /// `∫ F` from `from` to `to`.
    fn integral(&self, from: f64, to: f64) -> f64 {
        self.to(to) - self.to(from)
    }

    /// `E[g(Y)]` for `Y` of this distribution, given `g` and its integral `∫ g` over an
    /// interval (`integral(from, to)`): the end points' probabilities at them, and each
    /// stretch between two points uniform.
    fn expect(&self, g: impl Fn(f64) -> f64, integral: impl Fn(f64, f64) -> f64) -> f64 {
        let (first, last) = (self.points[0], self.points[self.points.len() - 1]);
        let mut sum = first.1 * g(first.0) + (1.0 - last.1) * g(last.0);
        for pair in self.points.windows(2) {
            let ((x0, p0), (x1, p1)) = (pair[0], pair[1]);
            sum += if x1 > x0 {
                (p1 - p0) * integral(x0, x1) / (x1 - x0)
            } else {
                (p1 - p0) * g(x0)
            };
        }
        sum
    }
}

/// The tail grid and the 99th percentile of the distribution of `points`, sorted values with
/// their probabilities, above a probability `below` of smaller values (adding up to one):
/// each point stands at the middle of its probability, and a quantile between two points is
/// read off the line joining them.
fn tail_and_p99(below: f64, points: impl Iterator<Item = (f64, f64)>) -> (Vec<f64>, f64) {
    // The tail points with 0.99 among them, in increasing order.
    let split = (0..TAIL).position(|k| tail_point(k) > P99).unwrap_or(TAIL);
    let targets: Vec<f64> = (0..split)
        .map(tail_point)
        .chain([P99])
        .chain((split..TAIL).map(tail_point))
        .collect();
    let mut quantiles = Vec::with_capacity(targets.len());
    let (mut before, mut previous): (f64, Option<(f64, f64)>) = (below, None);
    for (value, probability) in points {
        let middle = before + probability / 2.0;
        before += probability;
        while let Some(&target) = targets.get(quantiles.len()) {
            if target > middle {
                break;
            }
            quantiles.push(match previous {
                Some((at, last)) if middle > at => {
                    last + (value - last) * (target - at) / (middle - at)
                }
                _ => value,
            });
        }
        previous = Some((middle, value));
    }
    let last = previous.map_or(0.0, |(_, value)| value);
    quantiles.resize(targets.len(), last);
    let p99 = quantiles.remove(split);
    (quantiles, p99)
}

/// An unsigned key that orders as [`f64::total_cmp`] orders the values: the sign bit flipped
/// for a positive value, every bit for a negative one (the order `total_cmp` documents).
fn total_order_key(value: f64) -> u64 {
    let bits = value.to_bits();
    if bits >> 63 == 0 {
        bits | 1 << 63
    } else {
        !bits
    }
}

/// The value of a [`total_order_key`].
fn from_total_order_key(key: u64) -> f64 {
    f64::from_bits(if key >> 63 == 1 {
        key & !(1 << 63)
    } else {
        !key
    })
}

/// Sorts `keys` ascending. The grid of a combination needs [`GRID`] ranks of `GRID²` pairs:
/// a least-significant-digit radix sort, a byte at a time, skipping the bytes all keys
/// share, is about three times faster than selecting the ranks with partitions and twice
/// as fast as a comparison sort (sensitivity's closed-form checks spent most of their time
/// there). The order is total, so the value at a rank does not depend on the method.
fn radix_sort(keys: &mut Vec<u64>) {
    radix_sort_from(keys, 0);
}

/// Sorts `keys` ascending by their bytes from `first` on (least significant first), keeping
/// the order of keys whose bytes from `first` on are alike: [`radix_sort`] from byte 0, and
/// with a later `first` an order by the keys' leading bits only, in fewer passes.
fn radix_sort_from(keys: &mut Vec<u64>, first: usize) {
    const DIGITS: usize = 8;
    let byte = |key: u64, digit: usize| (key >> (8 * digit)) as u8 as usize;
    let mut counts = [[0usize; 256]; DIGITS];
    for &key in keys.iter() {
        for (digit, count) in counts.iter_mut().enumerate().skip(first) {
            count[byte(key, digit)] += 1;
        }
    }
    let mut scratch = vec![0; keys.len()];
    for (digit, count) in counts.iter().enumerate().skip(first) {
        if count.contains(&keys.len()) {
            continue;
        }
        let mut next = [0usize; 256];
        let mut start = 0;
        for (slot, n) in next.iter_mut().zip(count) {
            *slot = start;
            start += n;
        }
        for &key in keys.iter() {
            let slot = &mut next[byte(key, digit)];
            scratch[*slot] = key;
            *slot += 1;
        }
        std::mem::swap(keys, &mut scratch);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grids_add_and_take_quantiles() {
        let u = Rv::uniform(0.0, 10.0);
        assert!((u.p99() - 9.9).abs() < 0.05);
        let two = Combiner::default().plus(&u, &u);
        assert!((two.mean - 10.0).abs() < 1e-12);
        // The sum of two U[0,10] is triangular: P(S > s) = (20 - s)^2 / 200, so p99 = 20 - sqrt(2).
        assert!(
            (two.p99() - (20.0 - 2f64.sqrt())).abs() < 0.1,
            "{}",
            two.p99()
        );
    }

    /// The x at which the increasing `cdf` reaches 0.99, by bisection.
    fn solve_p99(cdf: impl Fn(f64) -> f64, high: f64) -> f64 {
        crate::math::special::invert(cdf, P99, 0.0, high)
    }

    /// The standard normal distribution function, from `statrs`'s erfc.
    fn normal_cdf(z: f64) -> f64 {
        statrs::function::erf::erfc(-z / std::f64::consts::SQRT_2) / 2.0
    }

    /// ∫₀ᵘᵖᵖᵉʳ f by Simpson's rule on `n` (even) intervals.
    fn simpson(f: impl Fn(f64) -> f64, upper: f64, n: usize) -> f64 {
        let h = upper / n as f64;
        let inner: f64 = (1..n)
            .map(|i| f(i as f64 * h) * if i % 2 == 1 { 4.0 } else { 2.0 })
            .sum();
        (f(0.0) + inner + f(upper)) * h / 3.0
    }

    /// A single distribution's 99th percentile is its exact quantile, and so stays through
    /// a constant added, a floor and a minimum with a constant.
    #[test]
    fn percentiles_of_distributions_are_exact() {
        let s = Duration::from_secs;
        let ln100 = crate::math::ln(100.0);
        let z99 = 2.326_347_874_040_840_8;
        let (mu, sigma) = (crate::math::ln(45.0), 0.5);
        let cases = [
            (Dist::uniform(s(0), s(100)).unwrap(), 99.0),
            (Dist::exponential(s(86_400)), 86_400.0 * ln100),
            (Dist::exponential(s(3_600)), 3_600.0 * ln100),
            (
                Dist::weibull_scale(0.7, s(1_000)).unwrap(),
                1_000.0 * crate::math::powf(ln100, 1.0 / 0.7),
            ),
            (
                Dist::lognormal_median_sigma(s(45), sigma).unwrap(),
                crate::math::exp(mu + sigma * z99),
            ),
            (Dist::gamma(1.0, s(10)).unwrap(), 10.0 * ln100),
        ];
        for (dist, exact) in cases {
            let rv = Rv::dist(&dist);
            assert!(
                (rv.p99() - exact).abs() < 1e-6 * exact,
                "{dist}: {}",
                rv.p99()
            );
            let mut c = Combiner::default();
            let shifted = c.plus(&rv, &Rv::constant(30.0));
            assert!((shifted.p99() - exact - 30.0).abs() < 1e-6 * exact);
            assert_eq!(rv.at_least(exact * 2.0).p99(), exact * 2.0);
            assert_eq!(c.min(&rv, &Rv::constant(exact / 2.0)).p99(), exact / 2.0);
        }
        assert!((Rv::uniform(0.0, 100.0).p99() - 99.0).abs() < 1e-12);
    }

    /// The 99th percentile of sums and minima of independent variables, each against its
    /// exact value: closed forms (gamma, triangular, exponential plus uniform, the minimum of
    /// exponentials) and Simpson's rule over a density and a distribution function.
    #[test]
    fn percentiles_of_combinations_are_accurate() {
        let s = Duration::from_secs;
        let exp = |x: f64| crate::math::exp(x);
        let (e1, e2) = (
            Rv::dist(&Dist::exponential(s(1))),
            Rv::dist(&Dist::exponential(s(2))),
        );
        let u10 = Rv::uniform(0.0, 10.0);
        let lognormal = Dist::lognormal_median_sigma(s(60), 1.0).unwrap();
        let weibull = Dist::weibull_mean(0.7, s(100)).unwrap();
        let mut c = Combiner::default();
        let e1_e1 = c.plus(&e1, &e1);
        let e1_e1_e1 = c.plus(&e1_e1, &e1);
        let uu = c.plus(&u10, &u10);
        let e_u = c.plus(&e2, &u10);
        let minimum = c.min(&e1, &e2);
        let l_e = c.plus(&Rv::dist(&lognormal), &e2);
        let w_u = c.plus(&Rv::dist(&weibull), &u10);
        // P(L + E ≤ x) = ∫₀ˣ F_L(x - e) f_E(e) de, E exponential with mean 2.
        let lognormal_cdf = |x: f64| {
            if x <= 0.0 {
                0.0
            } else {
                normal_cdf(crate::math::ln(x / 60.0))
            }
        };
        let l_e_cdf = |x: f64| simpson(|e| lognormal_cdf(x - e) * exp(-e / 2.0) / 2.0, x, 20_000);
        // P(W + U ≤ x) = ∫₀¹⁰ F_W(x - u) du / 10.
        let weibull_cdf = |x: f64| 1.0 - weibull_survival(&weibull, x);
        let w_u_cdf = |x: f64| simpson(|u| weibull_cdf(x - u), 10.0, 2_000) / 10.0;
        let cases = [
            ("e+e", &e1_e1, solve_p99(|x| 1.0 - exp(-x) * (1.0 + x), 1.0)),
            (
                "e+e+e",
                &e1_e1_e1,
                solve_p99(|x| 1.0 - exp(-x) * (1.0 + x + x * x / 2.0), 1.0),
            ),
            ("u+u", &uu, 20.0 - 2f64.sqrt()),
            // P(E + U > x) = (2/10)(e^(10/2) - 1) e^(-x/2) past 10.
            (
                "e+u",
                &e_u,
                2.0 * crate::math::ln(100.0 * 0.2 * (exp(5.0) - 1.0)),
            ),
            ("min(e, e)", &minimum, crate::math::ln(100.0) / 1.5),
            ("lognormal+e", &l_e, solve_p99(l_e_cdf, 10.0)),
            ("weibull+u", &w_u, solve_p99(w_u_cdf, 10.0)),
        ];
        for (name, rv, exact) in cases {
            let error = (rv.p99() - exact).abs() / exact;
            assert!(
                error < 2e-4,
                "{name}: {} against {exact} ({error:e})",
                rv.p99()
            );
        }
    }

    /// P(X > x) of a Weibull with the mean `dist` has, from its quantiles.
    fn weibull_survival(dist: &Dist, x: f64) -> f64 {
        if x <= 0.0 {
            return 1.0;
        }
        let scale = dist.quantile_secs(1.0 - crate::math::exp(-1.0));
        crate::math::exp(-crate::math::powf(x / scale, 0.7))
    }

    /// The radix sort puts every value where a sort by `total_cmp` does: negative and
    /// positive values, both zeros, infinities, NaNs, ties and repeated values.
    #[test]
    fn radix_sort_is_the_total_order() {
        let mut state = 12345u64;
        let mut next = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            state >> 40
        };
        let mut values: Vec<f64> = (0..5000)
            .map(|_| (next() % 700) as f64 / 7.0 - 30.0)
            .collect();
        values.extend((0..500).map(|_| f64::from_bits(next() << 40 | next())));
        values.extend([
            0.0,
            -0.0,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            -f64::NAN,
        ]);
        values.extend([
            f64::MIN_POSITIVE,
            -f64::MIN_POSITIVE,
            f64::MAX,
            f64::MIN,
            5e-324,
        ]);
        let mut sorted = values.clone();
        sorted.sort_unstable_by(f64::total_cmp);
        let mut keys: Vec<u64> = values.iter().map(|v| total_order_key(*v)).collect();
        radix_sort(&mut keys);
        let bits = |values: Vec<f64>| values.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        let radix = keys.into_iter().map(from_total_order_key).collect();
        assert_eq!(bits(radix), bits(sorted));
        let mut same = vec![total_order_key(2.5); 10];
        radix_sort(&mut same);
        assert_eq!(same, vec![total_order_key(2.5); 10]);
    }
}
