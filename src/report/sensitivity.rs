//! The report of `nines sensitivity`: a table of every parameter's paired changes in
//! downtime, the largest first, and the same as JSON (`docs/output-reference.md`).

use super::compare::aligned;
use super::format::{signed_duration, signed_interval};
use crate::app::{Change, SensitivityOutcome};
use std::fmt::Write;

/// The table as aligned text, then the notes and the skipped components.
pub fn sensitivity_text(outcome: &SensitivityOutcome) -> String {
    let header = [
        "parameter",
        "as written",
        "halved (−1)",
        "Δ downtime/year",
        "95% CI",
        "doubled (+1)",
        "Δ downtime/year",
        "95% CI",
    ]
    .map(String::from)
    .to_vec();
    let cells = |change: &Option<Change>| match change {
        Some(c) => {
            let d = &c.downtime_change_s;
            let ci = d.ci95.map_or("(no CI)".to_string(), |[low, high]| {
                signed_interval(low, high)
            });
            [c.value.clone(), signed_duration(d.mean), ci]
        }
        None => ["-".to_string(), "skipped".to_string(), String::new()],
    };
    let rows: Vec<Vec<String>> = outcome
        .parameters
        .iter()
        .map(|p| {
            let mut row = vec![p.key.clone(), p.value.clone()];
            row.extend(cells(&p.low));
            row.extend(cells(&p.high));
            row
        })
        .collect();
    let mut text = aligned(&header, &rows);
    for p in &outcome.parameters {
        for note in &p.notes {
            let _ = writeln!(text, "note: {}: {note}", p.key);
        }
    }
    if !outcome.skipped.is_empty() {
        let _ = writeln!(
            text,
            "note: skipped, as they cannot affect up or a service: {}",
            outcome.skipped.join(", ")
        );
    }
    text
}

/// The analysis as pretty JSON with a final newline: `parameters` (each `{ key, value,
/// low, high, notes }`, `low` and `high` `{ value, downtime_change_s, ci95 }` or null),
/// `skipped`, and the `base` summary.
pub fn sensitivity_json(outcome: &SensitivityOutcome) -> Vec<u8> {
    let change = |change: &Option<Change>| {
        change.as_ref().map(|c| {
            serde_json::json!({
                "value": c.value,
                "downtime_change_s": c.downtime_change_s.mean,
                "ci95": c.downtime_change_s.ci95,
            })
        })
    };
    let parameters: Vec<serde_json::Value> = outcome
        .parameters
        .iter()
        .map(|p| {
            serde_json::json!({
                "key": p.key,
                "value": p.value,
                "low": change(&p.low),
                "high": change(&p.high),
                "notes": p.notes,
            })
        })
        .collect();
    let json = serde_json::json!({
        "base": outcome.base,
        "parameters": parameters,
        "skipped": outcome.skipped,
        "years": outcome.years,
    });
    let mut bytes = serde_json::to_vec_pretty(&json).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

/// Parameters drawn on the tornado chart: the largest effects; the table has them all.
#[cfg(feature = "plots")]
pub const TORNADO_ROWS: usize = 20;

/// `tornado.svg`: the [`TORNADO_ROWS`] parameters with the largest effect, each with the
/// paired change in downtime per year of halving and of doubling it and their 95% CIs.
#[cfg(feature = "plots")]
pub fn tornado_svg(outcome: &SensitivityOutcome) -> String {
    use super::plot::{self, Bar};
    fn change(change: &Option<Change>) -> Option<plot::Change<'_>> {
        change.as_ref().map(|c| plot::Change {
            label: &c.value,
            mean_s: c.downtime_change_s.mean,
            ci95: c.downtime_change_s.ci95,
        })
    }
    let bars: Vec<Bar<'_>> = outcome
        .parameters
        .iter()
        .take(TORNADO_ROWS)
        .map(|p| Bar {
            key: &p.key,
            low: change(&p.low),
            high: change(&p.high),
        })
        .collect();
    plot::tornado_chart(
        "Sensitivity: change in downtime per year, halved and doubled",
        &bars,
    )
}
