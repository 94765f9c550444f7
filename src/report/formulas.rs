//! `nines explain --formulas`: the closed form behind each estimate of `explain`, with the
//! model's numbers filled in, as a person would write it on a whiteboard.

use super::explain::wrap;
use super::format::{digits_of, percent};
use crate::explain::{Explanation, Timeline};
use crate::time::Duration;
use std::fmt::Write;

/// Significant digits of the numbers filled into a formula.
const DIGITS: usize = 6;

/// Each component's formulas: one replica's availability from its failure modes' means,
/// the failures a year of each mode, the estimate and the naive formula; then how the
/// system combines them.
pub fn explain_formulas(explanation: &Explanation) -> String {
    let mut text = String::from(
        "\nFormulas, with this model's numbers (times in seconds, availabilities as percentages):\n",
    );
    for (index, c) in explanation.components.iter().enumerate() {
        let modes: Vec<_> = explanation
            .timelines
            .iter()
            .filter(|t| t.component == index)
            .collect();
        let _ = writeln!(text, "  {}:", c.name);
        match c.mean_up_s {
            Some(mean_up) => race_formulas(&mut text, &modes, mean_up, c.replica_availability),
            None => rate_formulas(&mut text, &modes, c.replica_availability),
        }
        let (k, r) = (c.needs, c.replicas);
        let quorum = format!("sum over j = {k}..{r} of C({r},j) A^j (1-A)^({r}-j)");
        // Without elections (no leader) the estimate is the binomial alone.
        let line = if c.election_loss == 0.0 {
            format!(
                "estimate = P(at least {k} of {r} up) = {quorum} = {}",
                percent(c.availability)
            )
        } else {
            format!(
                "estimate = Q - elections, where Q = P(at least {k} of {r} up) = {quorum}, and \
                 elections = (L x P(at least {} of {r} up) + P(exactly {k} up) x {k} x L) x \
                 election mean / 1y, L a replica's failures a year while up (the leader fails \
                 with a quorum to spare, or the component comes back to {k} up after fewer) = \
                 {} - {} = {}",
                k + 1,
                percent(c.quorum),
                percent(c.election_loss),
                percent(c.availability)
            )
        };
        wrap(&mut text, &line, "    ", "      ");
        let line = format!(
            "naive = 1 - (1-A)^{r} = 1 - (1 - {})^{r} = {}",
            percent(c.replica_availability),
            percent(c.naive)
        );
        wrap(&mut text, &line, "    ", "      ");
    }
    wrap(
        &mut text,
        &format!(
            "system = the model's `up` over the estimates above, each `&` a product A1 x A2, \
             each `|` 1 - (1-A1)(1-A2) = {}",
            percent(explanation.availability)
        ),
        "  ",
        "    ",
    );
    text
}

/// One replica's availability and each mode's failures a year from the modes' rates: exact
/// for exponential times to failure, or one mode.
fn rate_formulas(text: &mut String, modes: &[&Timeline], availability: f64) {
    let year = Duration::YEAR.as_secs_f64();
    let terms: Vec<String> = modes
        .iter()
        .map(|t| format!("{}/{}", n(t.down.mean_s), n(t.mttf_s)))
        .collect();
    let line = format!(
        "A = 1 / (1 + sum of mean down / MTTF) = 1 / (1 + {}) = {}",
        terms.join(" + "),
        percent(availability)
    );
    wrap(text, &line, "    ", "      ");
    for t in modes {
        let line = format!(
            "{} a year = 1y / MTTF x A = {} / {} x {} = {}",
            t.cause,
            n(year),
            n(t.mttf_s),
            percent(availability),
            n(t.per_replica_per_year)
        );
        wrap(text, &line, "    ", "      ");
    }
}

/// One replica's availability and each mode's failures a year from the race of its modes,
/// not all exponential: the mean up time `E[min T]` and each mode's chance `P` to strike
/// first, both integrated over the modes' distributions.
fn race_formulas(text: &mut String, modes: &[&Timeline], mean_up: f64, availability: f64) {
    let year = Duration::YEAR.as_secs_f64();
    let first = |t: &Timeline| t.first.unwrap_or_default();
    let terms: Vec<String> = modes
        .iter()
        .map(|t| format!("{} x {}", n(first(t)), n(t.down.mean_s)))
        .collect();
    let cycle = format!("{} + {}", n(mean_up), terms.join(" + "));
    let line = format!(
        "the modes race (each drawn afresh after a repair, not all exponential): up time \
         E[up] = integral of the product of their survival functions = {}; P = the chance \
         that a mode strikes first = integral of the others' survival over its density",
        n(mean_up)
    );
    wrap(text, &line, "    ", "      ");
    let line = format!(
        "A = E[up] / (E[up] + sum of P x mean down) = {} / ({cycle}) = {}",
        n(mean_up),
        percent(availability)
    );
    wrap(text, &line, "    ", "      ");
    for t in modes {
        let line = format!(
            "{} a year = 1y x P / (E[up] + sum of P x mean down) = {} x {} / ({cycle}) = {}",
            t.cause,
            n(year),
            n(first(t)),
            n(t.per_replica_per_year)
        );
        wrap(text, &line, "    ", "      ");
    }
}

/// A number to [`DIGITS`] significant digits, or its shortest form when that is exact.
fn n(x: f64) -> String {
    digits_of(x, DIGITS)
}
