//! Sensitivity: which numeric parameter of a model moves its downtime most. Every numeric
//! value of the model's components, of `[kubernetes]`, `[maintenance]`, `[backup]`,
//! `[replication]` and of each `[[incident]]` is halved and doubled (`replicas`
//! lowered and raised by one; a probability doubled at most to 100%; a percentage of
//! replicas in whole percents, at most 100%), each change a variant run on common random
//! numbers beside the model as written, so that each paired change in downtime per year has
//! a tight CI.
//!
//! This module finds the parameters and their two values in the model text; the variants
//! run as a comparison ([`crate::app::sensitivity`]).

use crate::model::Model;
use crate::time::Duration;
use toml_edit::{DocumentMut, Item, Value};

/// One numeric parameter and the two values it is tried at.
#[derive(Clone, Debug, PartialEq)]
pub struct Parameter {
    /// The key path, as `--set` names it.
    pub key: String,
    /// The value as written; a list of more than [`SAMPLES_WHOLE`] samples as
    /// [`Tried::shown_text`] shows one.
    pub value: String,
    /// The lower value tried: half (`replicas`: one fewer); `None` when there is none
    /// (`replicas = 1`, a whole number that halves to 0).
    pub low: Option<Tried>,
    /// The higher value tried: double (`replicas`: one more; a probability or a percentage
    /// at most 100%); `None` when there is none (a probability of 100%).
    pub high: Option<Tried>,
}

/// A value a parameter is tried at, of the parameter's own type.
#[derive(Clone, Debug, PartialEq)]
pub enum Tried {
    /// A duration (reports print it in the tool's one duration format).
    Duration(Duration),
    /// A whole number: a count, `replicas`.
    Integer(i64),
    /// Any other number.
    Float(f64),
    /// A percentage (`2` for `"2%"`): a probability or a share of replicas written as one.
    Percent(f64),
    /// The samples of an empirical distribution, each scaled by `factor` (halved or
    /// doubled together, so that the distribution keeps its shape).
    Samples {
        /// What each sample was multiplied by.
        factor: f64,
        /// The samples tried.
        samples: Vec<Duration>,
    },
}

impl Tried {
    /// The value as the model text (and `--set`) takes it, exactly: a duration in whole
    /// seconds where that is exact, else in milliseconds to the microsecond (`1800s`,
    /// `1500.5ms`); a float always with a decimal point (`3.0`).
    ///
    /// Not `Duration`'s `Display` (`182d12h`), which reads back the same: this is the form
    /// `sensitivity --json` has always written (`15768000s`), kept so its bytes stay.
    /// Samples are a TOML array of such durations (`["900s", "1800s"]`).
    pub fn model_text(&self) -> String {
        match self {
            Tried::Duration(duration) => duration_text(*duration),
            Tried::Integer(n) => n.to_string(),
            Tried::Float(x) => format!("{x:?}"),
            // `Display`, not `Debug`: never an exponent, which a percentage may not have.
            Tried::Percent(p) => format!("{p}%"),
            Tried::Samples { samples, .. } => {
                let texts: Vec<String> = samples
                    .iter()
                    .map(|sample| format!("\"{}\"", duration_text(*sample)))
                    .collect();
                format!("[{}]", texts.join(", "))
            }
        }
    }

    /// The value as reports name it: [`Tried::model_text`], but a list of more than
    /// [`SAMPLES_WHOLE`] samples as its first few and how many more (`["30s", "2s",
    /// "45s", … 99997 more]`), as a million samples written out are megabytes on one line.
    pub fn shown_text(&self) -> String {
        match self {
            Tried::Samples { samples, .. } => {
                let texts = samples
                    .iter()
                    .map(|sample| format!("\"{}\"", duration_text(*sample)));
                shown_samples(texts, samples.len())
            }
            other => other.model_text(),
        }
    }
}

/// Sample lists of at most this many samples are shown whole; a longer one shows its first
/// [`SAMPLES_SHOWN`] and how many more.
pub const SAMPLES_WHOLE: usize = 5;

/// The samples a longer list than [`SAMPLES_WHOLE`] shows.
const SAMPLES_SHOWN: usize = 3;

/// `count` samples, each written as `texts` gives them, as a TOML array if at most
/// [`SAMPLES_WHOLE`], else its first [`SAMPLES_SHOWN`] and `… N more`. Only the shown are
/// formatted, so that a million samples cost nothing to show.
fn shown_samples(texts: impl Iterator<Item = String>, count: usize) -> String {
    if count <= SAMPLES_WHOLE {
        return format!("[{}]", texts.collect::<Vec<_>>().join(", "));
    }
    let first: Vec<String> = texts.take(SAMPLES_SHOWN).collect();
    format!("[{}, … {} more]", first.join(", "), count - SAMPLES_SHOWN)
}

/// A duration as the model text takes it exactly (see [`Tried::model_text`]).
fn duration_text(duration: Duration) -> String {
    let micros = duration.as_micros();
    match micros % 1_000_000 {
        0 => format!("{}s", micros / 1_000_000),
        _ => format!("{}ms", micros as f64 / 1000.0),
    }
}

/// The numeric parameters of `source` (whose validated model is `model`), in file order,
/// and the components skipped because they cannot affect `up` (by name).
pub fn parameters(source: &str, model: &Model) -> (Vec<Parameter>, Vec<String>) {
    let Ok(document) = source.parse::<DocumentMut>() else {
        return (Vec::new(), Vec::new());
    };
    let relevant = affecting_up(model);
    let mut found = Vec::new();
    let mut skipped = Vec::new();
    if let Some(components) = document.get("component").and_then(Item::as_array_of_tables) {
        for table in components {
            let Some(name) = table.get("name").and_then(Item::as_str) else {
                continue;
            };
            if !relevant.iter().any(|r| r == name) {
                skipped.push(name.to_string());
                continue;
            }
            walk(table, &format!("component.{name}"), &mut found);
        }
    }
    // The tables beside the components that move downtime: nodes, planned work, and data
    // protection (whose restores and incidents are outages). `[traffic]` moves requests
    // only, `[slo]` and `[simulation]` no simulated value.
    for key in [
        "kubernetes",
        "maintenance",
        "backup",
        "replication",
        "incident",
    ] {
        if let Some(item) = document.get(key) {
            walk_item(key, key, item, &mut found);
        }
    }
    (found, skipped)
}

/// The components that can affect `up` or a service: those the expressions name, and the
/// session stores they depend on (a lost session takes a component down), transitively.
fn affecting_up(model: &Model) -> Vec<String> {
    let mut indices = Vec::new();
    model.up().expr.collect_components(&mut indices);
    for service in model.services() {
        service.up.expr.collect_components(&mut indices);
    }
    let components = model.components();
    let mut at = 0;
    while at < indices.len() {
        if let Some(session) = components[indices[at]].session
            && !indices.contains(&session.store)
        {
            indices.push(session.store);
        }
        at += 1;
    }
    indices
        .into_iter()
        .map(|i| components[i].name.clone())
        .collect()
}

/// Every numeric leaf under `table` (whose key path is `path`), with failure modes and
/// other named lists addressed by name.
fn walk(table: &dyn toml_edit::TableLike, path: &str, out: &mut Vec<Parameter>) {
    for (key, item) in table.iter() {
        walk_item(&format!("{path}.{key}"), key, item, out);
    }
}

/// The numeric leaves of `item`, the value of `key` at the key path `here`.
fn walk_item(here: &str, key: &str, item: &Item, out: &mut Vec<Parameter>) {
    if let Some(array) = item.as_array_of_tables() {
        for element in array {
            if let Some(name) = element.get("name").and_then(Item::as_str) {
                walk(element, &format!("{here}.{name}"), out);
            }
        }
    } else if let Some(inner) = item.as_table_like() {
        walk(inner, here, out);
    } else if let Some(value) = item.as_value()
        && let Some(parameter) = parameter(here, key, value)
    {
        out.push(parameter);
    }
}

/// The keys whose value is a probability (the model reads them with `read_probability`:
/// `maintenance.bad_rollout.probability`, `backup.fails`), whether written as a percentage
/// (`"2%"`) or a fraction (`0.02`).
const PROBABILITIES: [&str; 2] = ["probability", "fails"];

/// The lower and the higher value a parameter is tried at, each `None` when there is none.
type Pair = (Option<Tried>, Option<Tried>);

/// The parameter of one value, if it is numeric: a duration, a number, a count, a
/// probability or a percentage.
fn parameter(path: &str, key: &str, value: &Value) -> Option<Parameter> {
    let (low, high) = match value {
        _ if PROBABILITIES.contains(&key) => probability(value)?,
        Value::String(text) if text.value().trim().ends_with('%') => whole_percent(text.value())?,
        Value::String(text) => {
            let micros = Duration::parse(text.value()).ok()?.as_micros();
            if micros == 0 {
                return None;
            }
            let tried = |micros| Tried::Duration(Duration::from_micros(micros));
            (
                Some(tried(micros / 2)),
                Some(tried(micros.saturating_mul(2))),
            )
        }
        Value::Integer(n) => {
            let n = *n.value();
            let (low, high) = if key == "replicas" {
                ((n > 1).then_some(n - 1), n + 1)
            } else {
                ((n / 2 >= 1).then_some(n / 2), n * 2)
            };
            (low.map(Tried::Integer), Some(Tried::Integer(high)))
        }
        Value::Float(x) => {
            let x = *x.value();
            (Some(Tried::Float(x / 2.0)), Some(Tried::Float(x * 2.0)))
        }
        Value::Array(samples) if key == "samples" => samples_pair(samples)?,
        _ => return None,
    };
    // The value without the comment or spaces around it in the file, and a string without
    // its TOML quotes (`1m`, as the values tried read; a JSON string holding `"1m"` did not).
    let written = match value {
        Value::String(text) => text.value().clone(),
        // A long sample list as reports show it (the value tried is the whole list).
        Value::Array(samples) if samples.len() > SAMPLES_WHOLE => {
            shown_samples(samples.iter().map(bare_text), samples.len())
        }
        _ => bare_text(value),
    };
    Some(Parameter {
        key: path.to_string(),
        value: written,
        low,
        high,
    })
}

/// `value` as written, without the comments and spaces around it.
fn bare_text(value: &Value) -> String {
    let mut bare = value.clone();
    bare.decor_mut().clear();
    bare.to_string()
}

/// A probability halved and doubled, the doubled at most certain, in the form written (a
/// percentage tries percentages, a fraction fractions). A probability of 0 is no parameter
/// (halved and doubled it stays 0, as a zero duration does); one of 100% has no higher value.
fn probability(value: &Value) -> Option<Pair> {
    let (share, certain, tried): (f64, f64, fn(f64) -> Tried) = match value {
        Value::String(text) => (percent(text.value())?, 100.0, Tried::Percent),
        Value::Float(x) => (*x.value(), 1.0, Tried::Float),
        Value::Integer(n) => (*n.value() as f64, 1.0, Tried::Float),
        _ => return None,
    };
    if share <= 0.0 {
        return None;
    }
    let high = (share < certain).then(|| tried((share * 2.0).min(certain)));
    Some((Some(tried(share / 2.0)), high))
}

/// A whole percentage of replicas (`max_surge = "25%"`) halved and doubled as whole
/// percentages, as a count is: rounded down, no lower value below 1%, at most 100%.
fn whole_percent(text: &str) -> Option<Pair> {
    let p = percent(text)?;
    if p < 1.0 || p.fract() != 0.0 {
        return None;
    }
    let half = (p / 2.0).floor();
    let low = (half >= 1.0).then_some(Tried::Percent(half));
    let high = (p < 100.0).then(|| Tried::Percent((p * 2.0).min(100.0)));
    Some((low, high))
}

/// The number of a percentage string (`2.5` for `"2.5%"`).
fn percent(text: &str) -> Option<f64> {
    let digits = text.trim().strip_suffix('%')?.trim();
    digits.parse::<f64>().ok().filter(|p| p.is_finite())
}

/// An empirical distribution's samples, all halved and all doubled together; all zero is
/// no parameter.
fn samples_pair(samples: &toml_edit::Array) -> Option<Pair> {
    let micros = samples
        .iter()
        .map(|sample| Some(Duration::parse(sample.as_str()?).ok()?.as_micros()))
        .collect::<Option<Vec<u64>>>()?;
    if micros.iter().all(|&m| m == 0) {
        return None;
    }
    let scaled = |factor: f64, scale: fn(u64) -> u64| Tried::Samples {
        factor,
        samples: micros
            .iter()
            .map(|&m| Duration::from_micros(scale(m)))
            .collect(),
    };
    Some((
        Some(scaled(0.5, |m| m / 2)),
        Some(scaled(2.0, |m| m.saturating_mul(2))),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MODEL: &str = r#"name = "m"
up = "db"

[[component]]
name = "db"
replicas = 3
needs = "majority"
leader = { election = { dist = "uniform", min = "1s", max = "2s" } }

  [[component.failure]]
  name = "crash"
  every = { dist = "exponential", mean = "30d" }
  repair = { dist = "weibull", shape = 1.5, mean = "1m" }

[[component]]
name = "unused"
replicas = 2

  [[component.failure]]
  name = "crash"
  every = "10d"
  repair = "1m"
"#;

    #[test]
    fn every_numeric_value_of_a_component_that_matters_is_a_parameter() {
        let model = crate::fixtures::model(MODEL);
        let (found, skipped) = parameters(MODEL, &model);
        let keys: Vec<&str> = found.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "component.db.replicas",
                "component.db.leader.election.min",
                "component.db.leader.election.max",
                "component.db.failure.crash.every.mean",
                "component.db.failure.crash.repair.shape",
                "component.db.failure.crash.repair.mean",
            ]
        );
        assert_eq!(skipped, ["unused"]);
        let text = |tried: &Tried| tried.model_text();
        assert_eq!(
            (
                found[0].low.as_ref().map(text),
                found[0].high.as_ref().map(text)
            ),
            (Some("2".to_string()), Some("4".to_string()))
        );
        assert_eq!(found[5].value, "1m");
        assert_eq!(
            (found[5].low.clone(), found[5].high.clone()),
            (
                Some(Tried::Duration(Duration::from_secs(30))),
                Some(Tried::Duration(Duration::from_secs(120)))
            )
        );
        assert_eq!(
            (
                found[5].low.as_ref().map(text),
                found[5].high.as_ref().map(text)
            ),
            (Some("30s".to_string()), Some("120s".to_string()))
        );
        assert_eq!(found[4].high.as_ref().map(text).unwrap(), "3.0");
        let sub_second = Tried::Duration(Duration::from_micros(1_500_500));
        assert_eq!(sub_second.model_text(), "1500.5ms");
    }

    /// Planned work and data protection are parameters too, addressed as `--set` names
    /// them (an incident by its name); `[traffic]`, `[slo]` and `[simulation]` are not.
    #[test]
    fn planned_work_and_data_protection_are_parameters() {
        let source = format!(
            "{MODEL}\n[simulation]\nhorizon = \"1y\"\n[maintenance]\nupgrade = {{ every = \"30d\" }}\n\n\
             [backup]\nevery = \"1d\"\nduration = \"1h\"\nretention = \"7d\"\nrestore = \"2h\"\n\n\
             [[incident]]\nname = \"dropped\"\nkind = \"logical\"\nevery = \"5y\"\ndetect = \"1h\"\n"
        );
        let model = crate::fixtures::model(&source);
        let (found, _) = parameters(&source, &model);
        let keys: Vec<&str> = found.iter().map(|p| p.key.as_str()).collect();
        for key in [
            "maintenance.upgrade.every",
            "backup.every",
            "backup.restore",
            "incident.dropped.every",
            "incident.dropped.detect",
        ] {
            assert!(keys.contains(&key), "{key} in {keys:?}");
        }
        assert!(
            !keys.iter().any(|k| k.starts_with("simulation")),
            "{keys:?}"
        );
    }

    /// An empirical distribution's samples are one parameter, every sample halved and
    /// doubled together, and the text tried reads back as the same samples.
    #[test]
    fn an_empirical_distributions_samples_are_scaled_together() {
        let source = MODEL.replace(
            r#"repair = { dist = "weibull", shape = 1.5, mean = "1m" }"#,
            r#"repair = { dist = "empirical", samples = ["1m", "3s", "0s"] }"#,
        );
        let model = crate::fixtures::model(&source);
        let (found, _) = parameters(&source, &model);
        let samples = found.last().unwrap();
        assert_eq!(samples.key, "component.db.failure.crash.repair.samples");
        assert_eq!(samples.value, r#"["1m", "3s", "0s"]"#);
        let low = samples.low.clone().unwrap();
        assert_eq!(low.model_text(), r#"["30s", "1500ms", "0s"]"#);
        let high = samples.high.clone().unwrap();
        assert_eq!(high.model_text(), r#"["120s", "6s", "0s"]"#);
        let text = crate::model::set_value(&source, "m.toml", &samples.key, &low.model_text());
        crate::fixtures::model(&text.unwrap());
    }

    /// A list of more than five samples is shown by its first three and how many more, as
    /// written and as tried; the values tried are still the whole lists, and five or fewer
    /// are shown whole.
    #[test]
    fn a_long_sample_list_is_shown_short() {
        let samples: Vec<String> = (1..=100_000).map(|i| format!("\"{i}s\"")).collect();
        let source = MODEL.replace(
            r#"repair = { dist = "weibull", shape = 1.5, mean = "1m" }"#,
            &format!(
                r#"repair = {{ dist = "empirical", samples = [{}] }}"#,
                samples.join(", ")
            ),
        );
        let model = crate::fixtures::model(&source);
        let (found, _) = parameters(&source, &model);
        let samples = found.last().unwrap();
        assert_eq!(samples.value, r#"["1s", "2s", "3s", … 99997 more]"#);
        let (low, high) = (samples.low.clone().unwrap(), samples.high.clone().unwrap());
        assert_eq!(
            low.shown_text(),
            r#"["500ms", "1s", "1500ms", … 99997 more]"#
        );
        assert_eq!(high.shown_text(), r#"["2s", "4s", "6s", … 99997 more]"#);
        assert!(high.model_text().ends_with(r#", "200000s"]"#));
        let five = Tried::Samples {
            factor: 2.0,
            samples: (1..=5).map(Duration::from_secs).collect(),
        };
        assert_eq!(five.shown_text(), five.model_text());
    }

    /// The (low, high) values tried of `key`, as the model text takes them.
    fn tried(found: &[Parameter], key: &str) -> (Option<String>, Option<String>) {
        let parameter = found.iter().find(|p| p.key == key);
        let parameter = parameter.unwrap_or_else(|| panic!("{key} is a parameter"));
        let text = |tried: &Option<Tried>| tried.as_ref().map(Tried::model_text);
        (text(&parameter.low), text(&parameter.high))
    }

    /// The probabilities of planned work and backups are parameters, halved and doubled in
    /// the form written, the doubled at most certain; a probability of 0 is none.
    #[test]
    fn probabilities_are_halved_and_doubled_at_most_to_certainty() {
        let source = format!(
            "{MODEL}\n[maintenance]\nupgrade = {{ every = \"30d\" }}\n\
             bad_rollout = {{ probability = \"2%\", detect = \"10m\", rollback = \"5m\" }}\n\n\
             [backup]\nevery = \"1d\"\nduration = \"1h\"\nfails = 0.75\nrestore = \"2h\"\n\n\
             [[incident]]\nname = \"dropped\"\nkind = \"logical\"\nevery = \"5y\"\ndetect = \"1h\"\n"
        );
        let model = crate::fixtures::model(&source);
        let (found, _) = parameters(&source, &model);
        let some = |low: &str, high: &str| (Some(low.to_string()), Some(high.to_string()));
        assert_eq!(
            tried(&found, "maintenance.bad_rollout.probability"),
            some("1%", "4%")
        );
        assert_eq!(tried(&found, "backup.fails"), some("0.375", "1.0"));
        // Every value tried reads back as a valid model.
        for (key, value) in [
            ("maintenance.bad_rollout.probability", "4%"),
            ("backup.fails", "1.0"),
        ] {
            let text = crate::model::set_value(&source, "m.toml", key, value).unwrap();
            crate::fixtures::model(&text);
        }
        let certain = source.replace("fails = 0.75", "fails = \"100%\"");
        let (found, _) = parameters(&certain, &crate::fixtures::model(&certain));
        assert_eq!(
            tried(&found, "backup.fails"),
            (Some("50%".to_string()), None)
        );
        let never = source.replace("fails = 0.75", "fails = \"0%\"");
        let (found, _) = parameters(&never, &crate::fixtures::model(&never));
        assert!(!found.iter().any(|p| p.key == "backup.fails"));
    }

    #[test]
    fn a_percentage_of_replicas_stays_a_whole_percentage_of_at_most_100() {
        for (text, expected) in [
            ("25%", (Some(12.0), Some(50.0))),
            ("1%", (None, Some(2.0))),
            ("60%", (Some(30.0), Some(100.0))),
            ("100%", (Some(50.0), None)),
        ] {
            let (low, high) = whole_percent(text).unwrap();
            let number = |tried: Option<Tried>| match tried {
                Some(Tried::Percent(p)) => Some(p),
                None => None,
                other => panic!("{other:?}"),
            };
            assert_eq!((number(low), number(high)), expected, "{text}");
        }
        assert_eq!(whole_percent("0%"), None);
        assert_eq!(Tried::Percent(0.25).model_text(), "0.25%");
    }
}
