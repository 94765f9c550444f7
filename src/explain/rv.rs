//! Random durations as an exact mean and a quantile grid, for the closed forms of
//! `explain`: sums, minima and floors of independent variables, deterministically.

use super::PhaseSummary;
use crate::dist::Dist;
use crate::time::Duration;
use std::collections::HashMap;

/// Points of a quantile grid: enough for a p99 within a fraction of a percent.
pub(super) const GRID: usize = 400;

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

/// A random duration in seconds: its exact mean and an equally weighted quantile grid.
#[derive(Clone, Debug)]
pub(super) struct Rv {
    /// The exact mean.
    pub(super) mean: f64,
    /// The value at each of [`GRID`] equally likely quantiles, in increasing order.
    pub(super) grid: Vec<f64>,
}

impl Rv {
    /// Always `value` seconds.
    pub(super) fn constant(value: f64) -> Rv {
        Rv {
            mean: value,
            grid: vec![value; GRID],
        }
    }

    /// The variable with `mean` and quantile function `quantile`.
    pub(super) fn from_quantile(mean: f64, quantile: impl Fn(f64) -> f64) -> Rv {
        let grid = (0..GRID).map(|i| quantile(grid_point(i))).collect();
        Rv { mean, grid }
    }

    /// A model distribution.
    pub(super) fn dist(dist: &Dist) -> Rv {
        let points: Vec<f64> = (0..GRID).map(grid_point).collect();
        Rv {
            mean: dist.mean_secs(),
            grid: dist.quantiles_secs(&points),
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

    /// Whether the variable is a constant (its sorted grid begins and ends alike).
    fn is_constant(&self) -> bool {
        self.grid.first() == self.grid.last()
    }

    /// The grid's bits, for remembering a combination by its operands.
    fn bits(&self) -> Vec<u64> {
        self.grid.iter().map(|x| x.to_bits()).collect()
    }

    /// Every [`COARSE_STEP`]-th point of the grid, from the middle of the first step.
    fn coarse(&self) -> impl Iterator<Item = f64> + '_ {
        self.grid
            .iter()
            .skip(COARSE_STEP / 2)
            .step_by(COARSE_STEP)
            .copied()
    }

    /// `max(self, floor)`, its mean from the grid.
    pub(super) fn at_least(&self, floor: f64) -> Rv {
        let grid: Vec<f64> = self.grid.iter().map(|x| x.max(floor)).collect();
        let mean = if floor <= self.grid[0] {
            self.mean
        } else {
            grid.iter().sum::<f64>() / GRID as f64
        };
        Rv { mean, grid }
    }

    /// The 99th percentile.
    pub(super) fn p99(&self) -> f64 {
        self.grid[(GRID * 99) / 100]
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

/// The grids of the full combinations (every pair of points) that explanations made, by
/// operands, kept from one explanation to the next: the variants of a comparison differ in
/// a parameter or two, so most of their combinations are the baseline's. A full
/// combination's grid depends on its operands alone, so taking it from here changes no
/// figure; only the work is saved.
#[derive(Default)]
pub struct Combinations {
    grids: HashMap<Operands, Vec<f64>>,
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
    /// Grids kept before the memory starts over (each about 10 KiB with its operands).
    const KEPT: usize = 2_048;

    /// The grid of the full combination of `operands`, made by `make` unless kept.
    fn grid(&mut self, operands: &Operands, make: impl FnOnce() -> Vec<f64>) -> Vec<f64> {
        if let Some(grid) = self.grids.get(operands) {
            return grid.clone();
        }
        let grid = make();
        if self.grids.len() >= Self::KEPT {
            self.grids.clear();
        }
        self.grids.insert(operands.clone(), grid.clone());
        grid
    }
}

/// Combines independent variables, exactly (every pair of grid points) up to
/// [`FULL_COMBINATIONS`], then coarsely; a combination with a constant shifts the other
/// grid, which is exact and costs one pass, and a combination already made is remembered.
/// The same model is always combined the same way, so its explanation is deterministic.
#[derive(Default)]
pub(super) struct Combiner {
    /// Each remembered combination, and whether it was coarse.
    remembered: HashMap<Operands, (Rv, bool)>,
    /// Full combinations' grids, from earlier explanations too.
    pub(super) made: Combinations,
    full: usize,
    /// Results handed out that came from a coarse combination, made or remembered.
    coarse: usize,
    /// Pairs of grid points formed so far: the work done.
    pub(super) pairs: u64,
}

impl Combiner {
    /// The sum of two independent variables.
    pub(super) fn plus(&mut self, a: &Rv, b: &Rv) -> Rv {
        let mut sum = self.combine(Op::Plus, a, b);
        sum.mean = a.mean + b.mean;
        sum
    }

    /// The smaller of two independent variables (its mean from the grid).
    pub(super) fn min(&mut self, a: &Rv, b: &Rv) -> Rv {
        let mut result = self.combine(Op::Min, a, b);
        result.mean = result.grid.iter().sum::<f64>() / GRID as f64;
        result
    }

    /// Results of coarse combinations handed out so far: a cause whose figures took one is
    /// approximate.
    pub(super) fn coarse(&self) -> usize {
        self.coarse
    }

    /// The grid of `op(a, b)`, its mean left at zero for the caller.
    fn combine(&mut self, op: Op, a: &Rv, b: &Rv) -> Rv {
        let grid = if b.is_constant() {
            a.grid.iter().map(|x| op.apply(*x, b.grid[0])).collect()
        } else if a.is_constant() {
            b.grid.iter().map(|y| op.apply(a.grid[0], *y)).collect()
        } else {
            let key = (op, a.bits(), b.bits());
            if let Some((known, coarse)) = self.remembered.get(&key) {
                self.coarse += usize::from(*coarse);
                return known.clone();
            }
            let coarse = self.full >= FULL_COMBINATIONS;
            let grid = if coarse {
                self.coarse += 1;
                self.coarse_pairs(op, a, b)
            } else {
                self.full += 1;
                let pairs = &mut self.pairs;
                self.made.grid(&key, || {
                    *pairs += (a.grid.len() * b.grid.len()) as u64;
                    every_pair(op, a, b)
                })
            };
            if self.remembered.len() >= REMEMBERED {
                self.remembered.clear();
            }
            let rv = Rv { mean: 0.0, grid };
            self.remembered.insert(key, (rv.clone(), coarse));
            return rv;
        };
        Rv { mean: 0.0, grid }
    }

    /// The pairs of the coarse grids of `a` and `b`, sorted: [`GRID`] points.
    fn coarse_pairs(&mut self, op: Op, a: &Rv, b: &Rv) -> Vec<f64> {
        let mut all: Vec<f64> = a
            .coarse()
            .flat_map(|x| b.coarse().map(move |y| op.apply(x, y)))
            .collect();
        self.pairs += all.len() as u64;
        all.sort_unstable_by(f64::total_cmp);
        all
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
    const DIGITS: usize = 8;
    let byte = |key: u64, digit: usize| (key >> (8 * digit)) as u8 as usize;
    let mut counts = [[0usize; 256]; DIGITS];
    for &key in keys.iter() {
        for (digit, count) in counts.iter_mut().enumerate() {
            count[byte(key, digit)] += 1;
        }
    }
    let mut scratch = vec![0; keys.len()];
    for (digit, count) in counts.iter().enumerate() {
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
