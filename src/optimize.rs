//! The cheapest design that meets an availability target (`nines optimize`): the grid of
//! combinations, which of them the closed form rules out before any simulation, the Pareto
//! frontier of cost against availability, and the cheapest combination that passes.
//!
//! Screening. Where `explain`'s closed form is exact ([`crate::explain::exact_availability`]),
//! a combination that costs at least as much as another exact one and is down a clearly
//! larger share of the time (by more than [`SCREEN_MARGIN`], relatively) is dominated in
//! truth: it can be neither on the frontier nor the cheapest passing design, so it is not
//! simulated. Combinations whose closed form is not exact are always simulated and never
//! rule another out. Every figure reported of a combination comes from the simulation of
//! the combinations left, which run in lockstep on common random numbers (as a sweep's
//! variants do).

/// Most combinations one `optimize` may have (each is read and validated, and screened in
/// closed form where that is exact, before anything is simulated).
pub const MAX_COMBINATIONS: usize = 4096;

/// How much larger (relatively) a combination's closed-form unavailability must be than a
/// cheaper-or-equal one's for it to be ruled out: far beyond the difference between the
/// long-run figure and a year's mean that [`crate::explain::exact_availability`] allows.
pub const SCREEN_MARGIN: f64 = 0.01;

/// A combination as the screen sees it: its cost per year and, where the closed form is
/// exact, its availability.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Candidate {
    /// Cost per year.
    pub cost: f64,
    /// Availability in closed form, when that is exact.
    pub exact: Option<f64>,
}

/// For each candidate, the index of one that dominates it in closed form (costs no more
/// and is down less than `1 − SCREEN_MARGIN` times as much), or `None` to simulate it. The
/// dominating candidate named is itself never ruled out, so it is simulated.
pub fn screen(candidates: &[Candidate]) -> Vec<Option<usize>> {
    let down = |c: &Candidate| c.exact.map(|a| 1.0 - a);
    let dominates = |j: &Candidate, i: &Candidate| match (down(j), down(i)) {
        (Some(dj), Some(di)) => j.cost <= i.cost && dj < di * (1.0 - SCREEN_MARGIN),
        _ => false,
    };
    let kept: Vec<bool> = candidates
        .iter()
        .map(|i| !candidates.iter().any(|j| dominates(j, i)))
        .collect();
    candidates
        .iter()
        .map(|i| {
            // Domination is transitive and strict, so every dominated candidate has an
            // undominated dominator: the first of them is named.
            candidates
                .iter()
                .enumerate()
                .filter(|(j, c)| kept[*j] && dominates(c, i))
                .map(|(j, _)| j)
                .next()
        })
        .collect()
}

/// A simulated combination as the frontier sees it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    /// Cost per year.
    pub cost: f64,
    /// Mean availability.
    pub availability: f64,
}

/// The indices of the Pareto frontier of `points`, cheapest first: those that no other
/// point beats on both cost (no more) and availability (no less), strictly on one. Equal
/// points are both on it.
pub fn frontier(points: &[Point]) -> Vec<usize> {
    let beats = |j: &Point, i: &Point| {
        j.cost <= i.cost
            && j.availability >= i.availability
            && (j.cost < i.cost || j.availability > i.availability)
    };
    let mut on: Vec<usize> = (0..points.len())
        .filter(|&i| !points.iter().any(|j| beats(j, &points[i])))
        .collect();
    on.sort_by(|&a, &b| {
        points[a]
            .cost
            .total_cmp(&points[b].cost)
            .then(points[b].availability.total_cmp(&points[a].availability))
    });
    on
}

/// The cheapest of the points that `passes` (the higher availability among equal costs,
/// then the first), if any passes.
pub fn cheapest(points: &[Point], passes: &[bool]) -> Option<usize> {
    (0..points.len()).filter(|&i| passes[i]).min_by(|&a, &b| {
        points[a]
            .cost
            .total_cmp(&points[b].cost)
            .then(points[b].availability.total_cmp(&points[a].availability))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(cost: f64, availability: f64) -> Point {
        Point { cost, availability }
    }

    #[test]
    fn the_frontier_of_a_small_grid_by_hand() {
        // Cost against availability: (10, .99) and (20, .999) and (40, .9999) are on it;
        // (20, .99) costs more than (10, .99) for nothing; (30, .998) is beaten by
        // (20, .999); (40, .9999) twice: both on it.
        let points = [
            point(20.0, 0.999),
            point(10.0, 0.99),
            point(20.0, 0.99),
            point(30.0, 0.998),
            point(40.0, 0.9999),
            point(40.0, 0.9999),
        ];
        assert_eq!(frontier(&points), [1, 0, 4, 5]);
    }

    #[test]
    fn the_cheapest_passing_point_prefers_availability_among_equal_costs() {
        let points = [
            point(30.0, 0.9995),
            point(20.0, 0.9991),
            point(20.0, 0.9993),
        ];
        assert_eq!(cheapest(&points, &[true, true, true]), Some(2));
        assert_eq!(cheapest(&points, &[true, false, false]), Some(0));
        assert_eq!(cheapest(&points, &[false, false, false]), None);
    }

    #[test]
    fn only_exact_candidates_clearly_dominated_are_screened() {
        let exact = |cost, a| Candidate {
            cost,
            exact: Some(a),
        };
        let candidates = [
            exact(10.0, 0.999),
            // Same cost, twice the downtime: ruled out by 0.
            exact(10.0, 0.998),
            // Same cost, within the margin of 0: kept.
            exact(10.0, 0.999 - 1e-6),
            // Costs more and is down more: ruled out by 0.
            exact(20.0, 0.99),
            // Not exact: never ruled out, and rules nothing out.
            Candidate {
                cost: 1.0,
                exact: None,
            },
            // Costs more, down less: on the frontier.
            exact(20.0, 0.9999),
        ];
        assert_eq!(
            screen(&candidates),
            [None, Some(0), None, Some(0), None, None]
        );
    }
}
