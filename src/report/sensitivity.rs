//! The report of `nines sensitivity`: a table of every parameter's paired changes in
//! downtime, the largest first, and the same as JSON (`docs/output-reference.md`).

use super::compare::{aligned, closed_form_warning};
use super::format::{duration, signed_duration, signed_interval};
use super::warnings::warning_text;
use crate::app::{Change, ParameterResult, SensitivityOutcome};
use crate::sensitivity::Tried;
use crate::warnings::Warning;
use std::fmt::Write;

/// The mark of a value tried whose variant raises a warning the model as written does not.
const WARNED: &str = "*";

/// The table as aligned text, then a footnote per value marked [`WARNED`], the notes and
/// the skipped components.
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
            let mark = if c.warnings.is_empty() { "" } else { WARNED };
            [
                format!("{}{mark}", tried(&c.value)),
                signed_duration(d.mean),
                ci,
            ]
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
        for change in [&p.low, &p.high].into_iter().flatten() {
            if let Some(footnote) = warned_footnote(p, change) {
                let _ = writeln!(text, "{footnote}");
            }
        }
    }
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

/// The footnote of a value tried whose variant raises warnings the model as written does
/// not, naming their keys: the change may be their artefact, so the ranking is not to be
/// read blindly.
fn warned_footnote(parameter: &ParameterResult, change: &Change) -> Option<String> {
    let mut keys: Vec<String> = Vec::new();
    for key in change.warnings.iter().map(Warning::key) {
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    (!keys.is_empty()).then(|| {
        format!(
            "{WARNED} {}: the variant raises a warning the model as written does not ({}, on \
             stderr), so its change may be that artefact rather than the parameter's effect",
            label(parameter, change),
            keys.join(", ")
        )
    })
}

/// A value tried as `--set` would name it (`component.etcd.replicas=4`), a long sample list
/// by its first few samples and how many more ([`Tried::shown_text`]).
fn label(parameter: &ParameterResult, change: &Change) -> String {
    format!("{}={}", parameter.key, change.value.shown_text())
}

/// The warnings the variants of `parameters` (an outcome's) raise that the model as written
/// does not, as a sweep of them says them (without the `warning: ` prefix), in the
/// parameters' order: a model warning once, in sweep's sentence; a run never up once per
/// variant, named as `--set` would name it, where sweep names the variant by its number.
pub fn sensitivity_warnings(parameters: &[ParameterResult]) -> Vec<String> {
    let mut said: Vec<String> = Vec::new();
    for parameter in parameters {
        for change in [&parameter.low, &parameter.high].into_iter().flatten() {
            for warning in &change.warnings {
                let text = match warning {
                    Warning::NeverUp { years: Some(_) } => {
                        format!("{}: {}", label(parameter, change), warning_text(warning))
                    }
                    _ => warning_text(warning),
                };
                if !said.contains(&text) {
                    said.push(text);
                }
            }
        }
    }
    said
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

/// One warning per value tried whose paired change `explain`'s closed form contradicts,
/// naming it as `--set` would (`component.etcd.replicas=4`).
pub fn sensitivity_closed_form_warnings(outcome: &SensitivityOutcome) -> Vec<String> {
    let mut warnings = Vec::new();
    for parameter in &outcome.parameters {
        for change in [&parameter.low, &parameter.high].into_iter().flatten() {
            if let Some(disagreement) = &change.closed_form {
                warnings.push(closed_form_warning(
                    &label(parameter, change),
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

/// The analysis as pretty JSON with a final newline: `parameters` (each `{ key, value,
/// low, high, notes }`, `low` and `high` `{ value, downtime_change_s, ci95 }` or null, with
/// `factor` and `samples` beside for an empirical distribution's samples), `skipped`, and
/// the `base` summary.
pub fn sensitivity_json(outcome: &SensitivityOutcome) -> Vec<u8> {
    let change = |change: &Option<Change>| {
        change.as_ref().map(|c| {
            let mut json = serde_json::json!({
                "value": c.value.shown_text(),
                "downtime_change_s": c.downtime_change_s.mean,
                "ci95": c.downtime_change_s.ci95,
            });
            // A long list is shown by its first samples: say what the rest are.
            if let (Tried::Samples { factor, samples }, Some(object)) =
                (&c.value, json.as_object_mut())
            {
                object.insert("factor".to_string(), (*factor).into());
                object.insert("samples".to_string(), samples.len().into());
            }
            json
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::Interval;

    /// A parameter whose higher value raises `high` and lower value `low`.
    fn warned(key: &str, low: Vec<Warning>, high: Vec<Warning>) -> ParameterResult {
        let change = |value: i64, warnings: Vec<Warning>| {
            Some(Change {
                value: Tried::Integer(value),
                downtime_change_s: Interval {
                    mean: 0.0,
                    ci95: Some([0.0, 0.0]),
                },
                closed_form: None,
                warnings,
            })
        };
        ParameterResult {
            key: key.to_string(),
            value: "2".to_string(),
            low: change(1, low),
            high: change(4, high),
            notes: Vec::new(),
        }
    }

    /// A model warning is said once, in sweep's sentence, whichever variants raise it; a
    /// run never up is said per variant, named as `--set` names it; each warned value has a
    /// footnote naming the warnings' keys.
    #[test]
    fn variants_warnings_are_said_once_and_warned_values_footnoted() {
        let shared = Warning::SharedNodes {
            component: "etcd".into(),
            replicas: 4,
            nodes: 3,
            listed: true,
        };
        let never = Warning::NeverUp { years: Some(20) };
        let parameters = [
            warned("component.etcd.replicas", vec![], vec![shared.clone()]),
            warned(
                "kubernetes.nodes",
                vec![never.clone()],
                vec![shared.clone()],
            ),
        ];
        assert_eq!(
            sensitivity_warnings(&parameters),
            [
                warning_text(&shared),
                format!("kubernetes.nodes=1: {}", warning_text(&never)),
            ]
        );
        let footnote = warned_footnote(&parameters[1], parameters[1].low.as_ref().unwrap());
        assert_eq!(
            footnote.unwrap(),
            "* kubernetes.nodes=1: the variant raises a warning the model as written does not \
             (up, on stderr), so its change may be that artefact rather than the parameter's \
             effect"
        );
        let unwarned = parameters[0].low.as_ref().unwrap();
        assert_eq!(warned_footnote(&parameters[0], unwarned), None);
    }
}
