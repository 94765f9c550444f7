//! The report of `nines sensitivity`: a table of every parameter's paired changes in
//! downtime, the largest first, and the same as JSON (`docs/output-reference.md`).

use super::compare::{aligned, closed_form_warning};
use super::format::{duration, signed_duration, signed_interval};
use crate::app::{Change, SensitivityOutcome};
use crate::sensitivity::Tried;
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
            [tried(&c.value), signed_duration(d.mean), ci]
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

/// A value tried as the table and the tornado chart show it: a duration in the tool's one
/// format (`182d 12h`), a number as the model would have it (`3.0`), an empirical
/// distribution's samples by their factor (`each ×0.5`).
fn tried(value: &Tried) -> String {
    match value {
        Tried::Duration(d) => duration(d.as_secs_f64()),
        Tried::Samples { factor, .. } => format!("each ×{factor}"),
        number => number.model_text(),
    }
}

/// The analysis as pretty JSON with a final newline: `parameters` (each `{ key, value,
/// low, high, notes }`, `low` and `high` `{ value, downtime_change_s, ci95 }` or null),
/// One warning per value tried whose paired change `explain`'s closed form contradicts,
/// naming it as `--set` would (`component.etcd.replicas=4`).
pub fn sensitivity_closed_form_warnings(outcome: &SensitivityOutcome) -> Vec<String> {
    let mut warnings = Vec::new();
    for parameter in &outcome.parameters {
        for change in [&parameter.low, &parameter.high].into_iter().flatten() {
            if let Some(disagreement) = &change.closed_form {
                let label = format!("{}={}", parameter.key, change.value.model_text());
                warnings.push(closed_form_warning(
                    &label,
                    disagreement,
                    &change.downtime_change_s,
                    outcome.years,
                    "a year",
                ));
            }
        }
    }
    warnings
}

/// `skipped`, and the `base` summary.
pub fn sensitivity_json(outcome: &SensitivityOutcome) -> Vec<u8> {
    let change = |change: &Option<Change>| {
        change.as_ref().map(|c| {
            serde_json::json!({
                "value": c.value.model_text(),
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
    fn change<'a>(
        change: &'a Option<Change>,
        label: &'a Option<String>,
    ) -> Option<plot::Change<'a>> {
        Some(plot::Change {
            label: label.as_deref()?,
            mean_s: change.as_ref()?.downtime_change_s.mean,
            ci95: change.as_ref()?.downtime_change_s.ci95,
        })
    }
    let shown = |c: &Option<Change>| c.as_ref().map(|c| tried(&c.value));
    let rows = &outcome.parameters[..outcome.parameters.len().min(TORNADO_ROWS)];
    let labels: Vec<[Option<String>; 2]> = rows
        .iter()
        .map(|p| [shown(&p.low), shown(&p.high)])
        .collect();
    let bars: Vec<Bar<'_>> = rows
        .iter()
        .zip(&labels)
        .map(|(p, [low, high])| Bar {
            key: &p.key,
            low: change(&p.low, low),
            high: change(&p.high, high),
        })
        .collect();
    plot::tornado_chart(
        "Sensitivity: change in downtime per year, halved and doubled",
        &bars,
    )
}
