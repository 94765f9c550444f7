//! The three forms of a `nines check` report: text lines, JSON and JUnit XML.

use super::format::{
    Target, count, escape, percent_to, precise_duration, share_percent, significant,
};
use super::run_heading;
use crate::check::{CheckReport, Direction, Note, Status, Unit, Verdict};
use crate::math;
use crate::model::PercentileFigure;
use serde::{Serialize, Serializer};
use std::fmt::Write;

/// One line per target and per baseline comparison, then a total.
pub fn check_text(report: &CheckReport) -> String {
    let mut text = String::new();
    let _ = writeln!(
        text,
        "{}: {}",
        report.model,
        run_heading(report.years, report.horizon_s, report.seed)
    );
    let width = report
        .targets
        .iter()
        .chain(&report.baseline)
        .map(|v| name(v).len())
        .max()
        .unwrap_or(0);
    for verdict in report.targets.iter().chain(&report.baseline) {
        let _ = writeln!(
            text,
            "  {:<12}  {:<width$}  {}",
            status_word(verdict.status),
            name(verdict),
            describe(verdict)
        );
    }
    let count = |status| {
        report
            .targets
            .iter()
            .chain(&report.baseline)
            .filter(|v| v.status == status)
            .count()
    };
    let outcome = if report.succeeded() { "ok" } else { "FAILED" };
    let _ = writeln!(
        text,
        "{} pass, {} miss, {} inconclusive{}: {outcome}",
        count(Status::Pass),
        count(Status::Miss),
        count(Status::Inconclusive),
        if report.allow_inconclusive && count(Status::Inconclusive) > 0 {
            " (allowed)"
        } else {
            ""
        }
    );
    text
}

/// The report as pretty-printed JSON with a final newline (`nines check --json`).
pub fn check_json(report: &CheckReport) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(report).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

/// The report as JUnit XML: one test suite for the targets and one for the baseline
/// comparisons, one test case per line of the text report. A miss is a `<failure>`; an
/// inconclusive target is a `<failure>` too, or `<skipped>` with `--allow-inconclusive`,
/// so the CI system shows what the exit status means.
pub fn check_junit(report: &CheckReport) -> String {
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let all: Vec<&Verdict> = report.targets.iter().chain(&report.baseline).collect();
    let (failures, skipped) = junit_counts(report, &all);
    let _ = writeln!(
        xml,
        "<testsuites name=\"nines check\" tests=\"{}\" failures=\"{failures}\" skipped=\"{skipped}\">",
        all.len()
    );
    let suites = [("slo", &report.targets), ("baseline", &report.baseline)];
    for (suite, verdicts) in suites {
        if verdicts.is_empty() {
            continue;
        }
        let cases: Vec<&Verdict> = verdicts.iter().collect();
        let (failures, skipped) = junit_counts(report, &cases);
        let _ = writeln!(
            xml,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" skipped=\"{skipped}\">",
            escape(&format!("{}: {suite}", report.model), Target::Xml),
            cases.len()
        );
        for verdict in cases {
            write_case(&mut xml, report, suite, verdict);
        }
        xml.push_str("  </testsuite>\n");
    }
    xml.push_str("</testsuites>\n");
    xml
}

fn write_case(xml: &mut String, report: &CheckReport, suite: &str, verdict: &Verdict) {
    let _ = write!(
        xml,
        "    <testcase classname=\"nines.{suite}.{}\" name=\"{}\"",
        escape(&verdict.scope, Target::Xml),
        escape(&verdict.target, Target::Xml)
    );
    let line = escape(&describe(verdict), Target::Xml);
    match (verdict.status, report.allow_inconclusive) {
        (Status::Pass, _) => {
            let _ = writeln!(
                xml,
                ">\n      <system-out>{line}</system-out>\n    </testcase>"
            );
        }
        (Status::Inconclusive, true) => {
            let _ = writeln!(
                xml,
                ">\n      <skipped message=\"inconclusive: {line}\"/>\n    </testcase>"
            );
        }
        (status, _) => {
            let word = status.word();
            let _ = writeln!(
                xml,
                ">\n      <failure type=\"{word}\" message=\"{word}: {line}\">{line}</failure>\n    </testcase>"
            );
        }
    }
}

/// Failures and skipped cases among `verdicts`, as the JUnit report counts them.
fn junit_counts(report: &CheckReport, verdicts: &[&Verdict]) -> (usize, usize) {
    let count = |status| verdicts.iter().filter(|v| v.status == status).count();
    let inconclusive = count(Status::Inconclusive);
    if report.allow_inconclusive {
        (count(Status::Miss), inconclusive)
    } else {
        (count(Status::Miss) + inconclusive, 0)
    }
}

fn status_word(status: Status) -> &'static str {
    match status {
        Status::Pass => "pass",
        Status::Inconclusive => "INCONCLUSIVE",
        Status::Miss => "MISS",
    }
}

/// The verdicts as the rows of report.html's SLO table: status, target, and the figure
/// with its interval and bound as the text report words them.
#[cfg(feature = "plots")]
pub(super) fn verdict_rows(verdicts: &[Verdict]) -> (Vec<String>, Vec<Vec<String>>) {
    let header = ["status", "target", "figure, 95% CI and bound"].map(String::from);
    let rows = verdicts
        .iter()
        .map(|verdict| {
            vec![
                status_word(verdict.status).to_string(),
                name(verdict),
                describe(verdict),
            ]
        })
        .collect();
    (header.to_vec(), rows)
}

/// `scope target`, e.g. `up availability`.
fn name(verdict: &Verdict) -> String {
    format!("{} {}", verdict.scope, verdict.target)
}

/// The figure, its interval, the bound and whatever else the verdict says.
fn describe(verdict: &Verdict) -> String {
    let availability_digits = availability_digits(verdict);
    let value = |x: f64| match (verdict.unit, verdict.direction) {
        (Unit::Fraction, Direction::AtLeast) => percent_to(x, availability_digits),
        (Unit::Fraction, Direction::AtMost) => share_percent(x),
        // The data lost by an incident that cannot be recovered.
        (Unit::Seconds, _) if x.is_infinite() => "all".to_string(),
        (Unit::Seconds, _) => precise_duration(x),
        (Unit::Requests, _) => significant(x, x),
    };
    let end = |x: Option<f64>| x.map_or("unbounded".to_string(), value);
    let mut line = format!(
        "{}  95% CI [{}, {}]  bound {} {}",
        value(verdict.figure),
        end(verdict.ci95[0]),
        end(verdict.ci95[1]),
        verdict.direction.symbol(),
        value(verdict.bound)
    );
    let none_seen = matches!(
        verdict.note,
        Some(Note::NoValues { .. } | Note::NoneRecovered { .. })
    );
    if verdict.status == Status::Inconclusive && none_seen {
        // Nothing tells how many years it takes to see enough of them.
        line.push_str("  more years, enough to see some, would decide it");
    } else if verdict.status == Status::Inconclusive {
        line.push_str(unbounded_reason(verdict));
        match verdict.years_to_decide {
            Some(years) => {
                let _ = write!(
                    line,
                    "  about {} would decide it",
                    super::count(years, "year")
                );
            }
            None => line.push_str("  no number of years decides it (the figure is on the bound)"),
        }
    }
    if let Some(note) = &verdict.note {
        let _ = write!(line, "  ({})", note_text(note));
    }
    line
}

/// Why an inconclusive percentile's CI has no end on one side, which "unbounded" alone does
/// not say; empty when both ends exist.
fn unbounded_reason(verdict: &Verdict) -> &'static str {
    match verdict.ci95 {
        [None, None] => "  (too few years for a 95% interval: it has no bound on either side)",
        [_, None] => {
            "  (too few years for an upper 95% bound: even the largest may lie below the true \
             percentile)"
        }
        [None, _] => {
            "  (too few years for a lower 95% bound: even the smallest may lie above the true \
             percentile)"
        }
        _ => "",
    }
}

/// A verdict's note as a sentence.
pub fn note_text(note: &Note) -> String {
    match note {
        Note::BudgetConsumed { share } => {
            format!("{:.3}% of the error budget consumed", share * 100.0)
        }
        Note::YearsBelowTarget { misses, years } => format!(
            "{misses} of {} below the availability target",
            count(*years, "year")
        ),
        Note::ErrorBudget { allowed, horizon } => {
            format!("error budget {allowed} per {}", horizon.period_name())
        }
        Note::NoDowntime { years } => format!(
            "no downtime in {}: the CI is the share of years with any, each taken as down \
             throughout",
            count(*years, "year")
        ),
        Note::NoneRecoverable => {
            "every incident loses all its data: none can be recovered from a backup or a standby"
                .to_string()
        }
        Note::NoneRecovered {
            incidents: 0,
            years,
        } => {
            format!("no incidents in {}", count(*years, "year"))
        }
        Note::NoneRecovered { incidents, years } => format!(
            "none of the {} in {} was recovered: each lost all its data",
            count(*incidents, "incident"),
            count(*years, "year")
        ),
        Note::Unrecoverable { incidents } => format!(
            "leaves out {} that lost all their data: unrecoverable_probability judges those",
            count(*incidents, "unrecoverable incident")
        ),
        Note::NoValues { figure, years } => match figure {
            PercentileFigure::Rto => format!("no outages in {}", count(*years, "year")),
            PercentileFigure::YearlyDowntime => "no simulated years".to_string(),
            PercentileFigure::Rpo => {
                format!("no recovered incidents in {}", count(*years, "year"))
            }
        },
        // The baseline to the eight decimals (of a percent) and four significant digits the
        // figures beside it are printed to.
        Note::BaselineAvailability {
            baseline,
            tolerance,
        } if *tolerance > 0.0 => format!(
            "baseline {}% less a tolerance of {} percentage points; a regression when the whole 95% CI is below",
            significant(baseline * 100.0, 1e-6),
            significant(tolerance * 100.0, tolerance * 100.0)
        ),
        Note::BaselineAvailability { baseline, .. } => format!(
            "baseline {}%; a regression when the whole 95% CI is below it",
            significant(baseline * 100.0, 1e-6)
        ),
        Note::BaselineRto { baseline_s } => format!(
            "baseline {}; a regression when the whole 95% CI is above it",
            precise_duration(*baseline_s)
        ),
        Note::BaselineRtoUnbounded => {
            "too few outages to bound the p99 from below, so no rise can be shown".to_string()
        }
    }
}

/// The JSON report (`check --json`) has each note as the sentence the text report shows.
impl Serialize for Note {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&note_text(self))
    }
}

/// Decimals of the availability percentages of a verdict that show the figure, its
/// interval and the bound apart: three significant digits of the smallest gap between
/// 100% and any of them.
fn availability_digits(verdict: &Verdict) -> usize {
    let smallest_gap = [Some(verdict.figure), Some(verdict.bound)]
        .into_iter()
        .chain(verdict.ci95)
        .flatten()
        .map(|x| (100.0 - x * 100.0).abs())
        .filter(|gap| *gap > 0.0)
        .fold(f64::INFINITY, f64::min);
    if !smallest_gap.is_finite() {
        return 2;
    }
    (2.0 - math::log10(smallest_gap).floor()).clamp(2.0, 12.0) as usize
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Duration;

    fn verdict(status: Status) -> Verdict {
        Verdict {
            scope: "a <scope> & more".to_string(),
            target: "availability".to_string(),
            unit: Unit::Fraction,
            figure: 0.9995,
            ci95: [Some(0.99945), Some(0.99955)],
            direction: Direction::AtLeast,
            bound: 0.999,
            status,
            years_to_decide: None,
            note: Some(Note::NoValues {
                figure: PercentileFigure::Rto,
                years: 1000,
            }),
        }
    }

    #[test]
    fn describe_shows_figure_interval_and_bound() {
        assert_eq!(
            describe(&verdict(Status::Pass)),
            "99.9500%  95% CI [99.9450%, 99.9550%]  bound >= 99.9000%  (no outages in 1000 years)"
        );
    }

    #[test]
    fn junit_escapes_text_and_counts_failures() {
        let report = CheckReport {
            model: "m & n".to_string(),
            seed: 1,
            years: 10,
            horizon_s: 31_536_000.0,
            status: Status::Miss,
            allow_inconclusive: false,
            targets: vec![verdict(Status::Pass), verdict(Status::Miss)],
            baseline: Vec::new(),
        };
        let xml = check_junit(&report);
        assert!(
            xml.contains("tests=\"2\" failures=\"1\" skipped=\"0\""),
            "{xml}"
        );
        assert!(xml.contains("name=\"m &amp; n: slo\""), "{xml}");
        assert!(
            xml.contains("nines.slo.a &lt;scope&gt; &amp; more"),
            "{xml}"
        );
        assert!(!xml.contains("<scope>"), "{xml}");
    }

    /// A model name with characters XML 1.0 forbids (the model reader refuses them, but a
    /// report may be made by a library user) still gives a well-formed document.
    #[test]
    fn junit_stays_well_formed_whatever_the_model_name() {
        let report = CheckReport {
            model: "etcd \u{fffe}\u{ffff}\u{1b}\u{fdd0}".to_string(),
            seed: 1,
            years: 10,
            horizon_s: 31_536_000.0,
            status: Status::Pass,
            allow_inconclusive: false,
            targets: vec![verdict(Status::Pass)],
            baseline: Vec::new(),
        };
        let xml = check_junit(&report);
        let document = roxmltree::Document::parse(&xml).unwrap();
        let suite = document
            .descendants()
            .find(|node| node.has_tag_name("testsuite"))
            .unwrap();
        assert_eq!(
            suite.attribute("name"),
            Some("etcd \u{fffd}\u{fffd}\u{fffd}\u{fffd}: slo")
        );
    }

    #[test]
    fn notes_read_as_sentences_in_text_and_json() {
        let year = Duration::YEAR;
        let cases = [
            (
                Note::BudgetConsumed { share: 0.1234 },
                "12.340% of the error budget consumed",
            ),
            (
                Note::YearsBelowTarget {
                    misses: 0,
                    years: 1,
                },
                "0 of 1 year below the availability target",
            ),
            (
                Note::ErrorBudget {
                    allowed: Duration::from_secs(315),
                    horizon: year,
                },
                "error budget 5m15s per year",
            ),
            (
                Note::NoValues {
                    figure: PercentileFigure::Rto,
                    years: 20,
                },
                "no outages in 20 years",
            ),
            (
                Note::BaselineAvailability {
                    baseline: 0.999_912_3,
                    tolerance: 0.000_012_5,
                },
                "baseline 99.99123000% less a tolerance of 0.00125 percentage points; a regression when the whole 95% CI is below",
            ),
            (
                Note::BaselineAvailability {
                    baseline: 0.999_912_3,
                    tolerance: 0.0,
                },
                "baseline 99.99123000%; a regression when the whole 95% CI is below it",
            ),
            (
                Note::BaselineRto { baseline_s: 12.5 },
                "baseline 12.50s; a regression when the whole 95% CI is above it",
            ),
            (
                Note::BaselineRtoUnbounded,
                "too few outages to bound the p99 from below, so no rise can be shown",
            ),
        ];
        for (note, sentence) in cases {
            assert_eq!(note_text(&note), sentence);
            assert_eq!(
                serde_json::to_string(&note).unwrap(),
                serde_json::to_string(sentence).unwrap()
            );
        }
    }
}
