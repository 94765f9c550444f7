//! The report of `nines optimize`: the simulated combinations with the frontier marked,
//! what was ruled out in closed form and why, the cheapest combination that passes and the
//! close ones more years would decide; the same as JSON (`docs/output-reference.md`).

use super::compare::aligned;
use super::format::{cost, count, percent};
use super::text::availability_cells;
use crate::app::{OptimizeOutcome, Simulated};
use std::fmt::Write;

/// `key=value` pairs of one combination.
fn label(keys: &[String], values: &[String]) -> String {
    keys.iter()
        .zip(values)
        .map(|(key, value)| format!("{key}={value}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Where the target came from, for the sentences.
fn target_text(outcome: &OptimizeOutcome) -> String {
    let from = if outcome.target_given {
        "--target"
    } else {
        "[slo] availability"
    };
    format!("{} ({from})", percent(outcome.target))
}

/// The first line of the text: what was simulated, what the closed form ruled out, and
/// for how many combinations it is exact.
pub fn optimize_heading(model: &str, seed: u64, outcome: &OptimizeOutcome) -> String {
    let all = outcome.simulated.len() + outcome.screened.len();
    let screen = match (outcome.exact, outcome.screened.len()) {
        (0, _) => {
            format!(
                "none ruled out before simulating: the closed form is exact for none of the {all}"
            )
        }
        (exact, ruled_out) => {
            let ruled_out = match ruled_out {
                0 => "none".to_string(),
                n => n.to_string(),
            };
            let exact = if exact == all {
                format!("all {all}")
            } else {
                format!("{exact} of the {all}")
            };
            format!("{ruled_out} ruled out by the closed form, exact for {exact}")
        }
    };
    format!(
        "{model}: {} simulated on common random numbers, {} each, seed {seed}; {screen}\n",
        count(outcome.simulated.len() as u64, "combination"),
        count(outcome.years, "simulated year"),
    )
}

/// The table of the simulated combinations (the frontier marked), then the screened ones,
/// the cheapest that passes and the close ones.
pub fn optimize_text(outcome: &OptimizeOutcome) -> String {
    let mut header: Vec<String> = outcome.keys.clone();
    header.extend(
        [
            "cost/year",
            "availability",
            "95% CI",
            "nines",
            "target",
            "frontier",
        ]
        .map(String::from),
    );
    let rows: Vec<Vec<String>> = outcome
        .simulated
        .iter()
        .enumerate()
        .map(|(index, s)| {
            let mut row = s.values.clone();
            row.push(cost(s.cost_per_year));
            row.extend(availability_cells(&s.availability));
            row.push(s.status.word().to_string());
            let on = outcome.frontier.contains(&index);
            row.push(if on { "*" } else { "" }.to_string());
            row
        })
        .collect();
    let mut text = aligned(&header, &rows);
    let keys = &outcome.keys;
    if !outcome.screened.is_empty() {
        let _ = writeln!(
            text,
            "\nnot simulated: {} ruled out in closed form (exact for these: independent \
             replicas with exponential times to failure and repairs short against the \
             horizon), each beaten by a simulated one that costs no more and is down clearly less:",
            count(outcome.screened.len() as u64, "combination")
        );
        for s in &outcome.screened {
            let _ = writeln!(
                text,
                "  {} (cost/year {}): dominated by {}",
                label(keys, &s.values),
                cost(s.cost_per_year),
                label(keys, &s.dominated_by)
            );
        }
    }
    let target = target_text(outcome);
    match outcome.cheapest {
        Some(index) => {
            let s = &outcome.simulated[index];
            let [mean, ci, _] = availability_cells(&s.availability);
            let _ = writeln!(
                text,
                "\ncheapest passing {target} with 95% confidence: {} (cost/year {}, \
                 availability {mean}, 95% CI {ci})",
                label(keys, &s.values),
                cost(s.cost_per_year)
            );
        }
        None => {
            let _ = writeln!(text, "\nno combination passes {target} with 95% confidence");
        }
    }
    for &index in &outcome.undecided {
        let _ = writeln!(text, "{}", undecided_line(keys, &outcome.simulated[index]));
    }
    text
}

/// The sentence for a close combination: its CI straddles the target.
fn undecided_line(keys: &[String], s: &Simulated) -> String {
    let years = s.years_to_decide.map_or(
        "its mean is on the target, so no number of years decides it".to_string(),
        |years| format!("about {} would decide it", count(years, "year")),
    );
    format!(
        "undecided (cheaper, its 95% CI straddles the target): {} (cost/year {}): {years}",
        label(keys, &s.values),
        cost(s.cost_per_year)
    )
}

/// One combination as JSON: `values` (each key as written to its value), `cost_per_year`,
/// `availability` and `ci95`.
fn combination_json(keys: &[String], s: &Simulated) -> serde_json::Value {
    let values: serde_json::Map<String, serde_json::Value> = keys
        .iter()
        .zip(&s.values)
        .map(|(key, value)| (key.clone(), value.clone().into()))
        .collect();
    serde_json::json!({
        "values": values,
        "cost_per_year": s.cost_per_year,
        "availability": s.availability.mean,
        "ci95": s.availability.ci95,
    })
}

/// The search as pretty JSON with a final newline: `frontier` and `cheapest` in SPEC's
/// shape, then every simulated combination (with `status`, `years_to_decide` and
/// `frontier`), the `screened` ones, the `undecided` ones, the target and the years.
pub fn optimize_json(outcome: &OptimizeOutcome) -> Vec<u8> {
    let keys = &outcome.keys;
    let entry = |index: &usize| combination_json(keys, &outcome.simulated[*index]);
    let combinations: Vec<serde_json::Value> = outcome
        .simulated
        .iter()
        .enumerate()
        .map(|(index, s)| {
            let mut value = combination_json(keys, s);
            value["status"] = s.status.word().into();
            value["years_to_decide"] = s.years_to_decide.into();
            value["frontier"] = outcome.frontier.contains(&index).into();
            value
        })
        .collect();
    let screened: Vec<serde_json::Value> = outcome
        .screened
        .iter()
        .map(|s| {
            serde_json::json!({
                "values": s.values,
                "cost_per_year": s.cost_per_year,
                "dominated_by": s.dominated_by,
            })
        })
        .collect();
    let json = serde_json::json!({
        "keys": keys,
        "target": outcome.target,
        "target_from": if outcome.target_given { "--target" } else { "slo" },
        "years": outcome.years,
        "frontier": outcome.frontier.iter().map(entry).collect::<Vec<_>>(),
        "cheapest": outcome.cheapest.as_ref().map(entry),
        "combinations": combinations,
        "screened": screened,
        "exact": outcome.exact,
        "undecided": outcome.undecided.iter().map(entry).collect::<Vec<_>>(),
    });
    let mut bytes = serde_json::to_vec_pretty(&json).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

/// `frontier.svg`: every simulated combination's nines against its cost, with 95% CI
/// bars, the frontier joined, and the target as a line.
#[cfg(feature = "plots")]
pub fn frontier_svg(outcome: &OptimizeOutcome) -> String {
    let points: Vec<super::plot::CostPoint> = outcome
        .simulated
        .iter()
        .enumerate()
        .map(|(index, s)| super::plot::CostPoint {
            cost: s.cost_per_year,
            availability: s.availability,
            frontier: outcome.frontier.contains(&index),
        })
        .collect();
    super::plot::frontier_chart(
        "Cost against availability: the Pareto frontier",
        &points,
        outcome.target,
    )
}
