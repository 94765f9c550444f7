//! The tables of a sweep or comparison: each variant's figures, and the paired differences
//! to the first variant. The same cells feed the text, the CSV and the HTML page.

use super::format::{Target, cost, count, duration, escape, signed_duration, signed_interval};
use super::text::{availability_cells, period};
use crate::compare::{ClosedFormDisagreement, Streams, VariantResult, Verdict};
use crate::math;
use crate::measure::DataLossSummary;
use crate::stats::Interval;
use crate::time::Duration;
use std::fmt::Write;

/// A sweep's or comparison's results with what names them.
pub struct ComparisonTables<'a> {
    /// What distinguishes the variants: the swept keys, or `model` for a comparison.
    pub keys: &'a [String],
    /// Each variant's value of every key.
    pub values: &'a [Vec<String>],
    /// Each variant's figures.
    pub results: &'a [VariantResult],
}

impl ComparisonTables<'_> {
    /// What the per-year figures are per, in headers: `year`, the horizon all variants
    /// share (`30d`), or `horizon` when the variants differ in it.
    pub fn period(&self) -> String {
        let mut horizons = self.results.iter().map(|r| r.summary.horizon_s);
        match horizons.next() {
            Some(first) if horizons.all(|h| h == first) => period(first),
            _ => "horizon".to_string(),
        }
    }

    /// `a year`, or `per 30d` for another horizon, after an amount of downtime.
    fn per(&self) -> String {
        match self.period().as_str() {
            "year" => "a year".to_string(),
            period => format!("per {period}"),
        }
    }

    /// Header and rows of the per-variant table, formatted for people.
    pub fn variants(&self) -> (Vec<String>, Vec<Vec<String>>) {
        let period = self.period();
        let mut header = vec!["variant".to_string()];
        header.extend(self.keys.iter().cloned());
        header.extend([
            "availability".to_string(),
            "95% CI".to_string(),
            "nines".to_string(),
            format!("downtime/{period}"),
            format!("outages/{period}"),
            "RTO p50".to_string(),
            "RTO p99".to_string(),
        ]);
        let costed = self.costed();
        if costed {
            header.push("cost/year".to_string());
        }
        let rows = self
            .results
            .iter()
            .zip(self.values)
            .enumerate()
            .map(|(index, (result, values))| {
                let s = &result.summary;
                let [mean, ci, nines] = availability_cells(&s.availability);
                let mut row = vec![index.to_string()];
                row.extend(values.iter().cloned());
                row.extend([
                    mean,
                    ci,
                    nines,
                    duration(s.downtime_per_year_s.mean),
                    format!("{:.3}", s.outages_per_year.mean),
                    duration(s.rto_s.p50),
                    duration(s.rto_s.p99),
                ]);
                if costed {
                    row.push(s.cost_per_year.map_or(String::new(), cost));
                }
                row
            })
            .collect();
        (header, rows)
    }

    /// Each variant's data loss (SPEC section 7), where any variant has incidents; else
    /// empty.
    fn data_losses(&self) -> Vec<Option<DataLossSummary>> {
        let losses: Vec<Option<DataLossSummary>> = (self.results.iter())
            .map(|r| super::data_loss::data_loss(&r.summary))
            .collect();
        if losses.iter().all(Option::is_none) {
            return Vec::new();
        }
        losses
    }

    /// Header and rows of each variant's data lost to incidents, formatted for people;
    /// no rows without incidents.
    pub fn data_loss(&self) -> (Vec<String>, Vec<Vec<String>>) {
        let period = self.period();
        let header = [
            "variant".to_string(),
            format!("incidents/{period}"),
            "unrecoverable".to_string(),
            "RPO mean".to_string(),
            "RPO p99".to_string(),
            format!("data lost/{period}"),
        ]
        .to_vec();
        let rows = (self.data_losses().into_iter().enumerate())
            .map(|(index, loss)| {
                let mut row = vec![index.to_string()];
                row.extend(match loss {
                    // With none recovered there is no RPO: "0s" would read as nothing lost.
                    Some(loss) => {
                        let rpo = |x: f64| match loss.lost_s.count {
                            0 => "-".to_string(),
                            _ => duration(x),
                        };
                        [
                            format!("{:.3}", loss.incidents_per_year),
                            loss.unrecoverable.to_string(),
                            rpo(loss.lost_s.mean),
                            rpo(loss.lost_s.p99),
                            duration(loss.lost_per_year_s.mean),
                        ]
                    }
                    None => Default::default(),
                });
                row
            })
            .collect();
        (header, rows)
    }

    /// Whether any variant has a cost, so that the tables show a cost column.
    fn costed(&self) -> bool {
        self.results
            .iter()
            .any(|r| r.summary.cost_per_year.is_some())
    }

    /// Header and rows of the paired differences to variant 0, formatted for people.
    pub fn differences(&self) -> (Vec<String>, Vec<Vec<String>>) {
        let header = [
            "variant".to_string(),
            "Δ availability (percentage points)".to_string(),
            "95% CI".to_string(),
            format!("Δ downtime/{}", self.period()),
            "95% CI".to_string(),
        ]
        .to_vec();
        let rows = self
            .results
            .iter()
            .enumerate()
            .filter_map(|(index, result)| {
                let availability = result.availability_difference?;
                let downtime = result.downtime_difference_s?;
                let decimals = points_decimals(&availability);
                let points = |x: f64| signed_points(x, decimals);
                Some(vec![
                    index.to_string(),
                    points(availability.mean),
                    interval_text(&availability, points),
                    signed_duration(downtime.mean),
                    distinct_interval_text(&downtime),
                ])
            })
            .collect();
        (header, rows)
    }

    /// Both tables as aligned text, then a verdict per variant.
    pub fn text(&self) -> String {
        let (header, rows) = self.variants();
        let mut text = aligned(&header, &rows);
        let (header, rows) = self.differences();
        let compared = !rows.is_empty();
        if compared {
            text.push_str("\npaired differences to variant 0 (variant minus variant 0):\n");
            text.push_str(&aligned(&header, &rows));
            text.push_str("\nverdicts against variant 0:\n");
            for line in self.verdicts() {
                let _ = writeln!(text, "  {line}");
            }
        }
        let (header, rows) = self.data_loss();
        if !rows.is_empty() {
            // With one variant there are no verdicts to set the figures apart from.
            text.push_str(match compared {
                true => {
                    "\ndata lost to incidents (the verdicts judge downtime alone; these \
                     figures are each variant's own, not paired differences):\n"
                }
                false => "\ndata lost to incidents:\n",
            });
            text.push_str(&aligned(&header, &rows));
        }
        text
    }

    /// One sentence per variant after the first: its label, the paired change in
    /// downtime with its CI, and the verdict (`worse`, `better`, `no detectable
    /// difference`).
    pub fn verdicts(&self) -> Vec<String> {
        let per = self.per();
        let horizons_differ = self.period() == "horizon";
        self.results
            .iter()
            .zip(self.values)
            .enumerate()
            .filter_map(|(index, (result, values))| {
                let downtime = result.downtime_difference_s?;
                let label: Vec<String> = self
                    .keys
                    .iter()
                    .zip(values)
                    .map(|(key, value)| format!("{key}={value}"))
                    .collect();
                let verdict = match self.verdict(result)? {
                    Verdict::Worse => "worse",
                    Verdict::Better => "better",
                    Verdict::NoDetectableDifference => "no detectable difference",
                };
                let label = label.join(" ");
                if horizons_differ {
                    let availability = result.availability_difference?;
                    let points = |x: f64| signed_points(x, points_decimals(&availability));
                    return Some(format!(
                        "variant {index} ({label}): {} points of availability, 95% CI {}: \
                         {verdict} (the horizons differ: judged on availability)",
                        points(availability.mean),
                        interval_text(&availability, points),
                    ));
                }
                Some(format!(
                    "variant {index} ({label}): {} of downtime {per}, 95% CI {}: {verdict}",
                    signed_duration(downtime.mean),
                    distinct_interval_text(&downtime),
                ))
            })
            .collect()
    }

    /// The verdict on a variant against the first: on its paired change in downtime, or,
    /// where the variants' horizons differ (their downtimes being per different spans), on
    /// its change in availability. `None` for the first variant.
    fn verdict(&self, result: &VariantResult) -> Option<Verdict> {
        match self.period() == "horizon" {
            true => result
                .availability_difference
                .as_ref()
                .map(Verdict::of_availability),
            false => result
                .downtime_difference_s
                .as_ref()
                .map(Verdict::of_downtime),
        }
    }

    /// Why the verdict on variant `index` may mislead, when `explain`'s closed form
    /// contradicts its paired difference (`disagreement`); `None` for the first variant.
    pub fn closed_form_warning(
        &self,
        index: usize,
        disagreement: &ClosedFormDisagreement,
    ) -> Option<String> {
        let result = self.results.get(index)?;
        let label: Vec<String> = self
            .keys
            .iter()
            .zip(self.values.get(index)?)
            .map(|(key, value)| format!("{key}={value}"))
            .collect();
        let label = format!("variant {index} ({})", label.join(" "));
        Some(closed_form_warning(
            &label,
            disagreement,
            &result.downtime_difference_s?,
            result.summary.years,
            &self.per(),
        ))
    }

    /// The comparison as pretty JSON with a final newline (`--json`, documented in
    /// `docs/output-reference.md`): the keys, then per variant its values (by key), its
    /// summary as `summary.json` has it, and its paired differences to variant 0 with the
    /// verdict (null for variant 0).
    pub fn json(&self) -> Vec<u8> {
        let variants: Vec<serde_json::Value> = self
            .results
            .iter()
            .zip(self.values)
            .enumerate()
            .map(|(index, (result, values))| {
                let values: serde_json::Map<String, serde_json::Value> = self
                    .keys
                    .iter()
                    .zip(values)
                    .map(|(key, value)| (key.clone(), value.clone().into()))
                    .collect();
                let difference = result.downtime_difference_s.map(|downtime| {
                    serde_json::json!({
                        "availability": result.availability_difference,
                        "downtime_per_year_s": downtime,
                        "verdict": self.verdict(result),
                    })
                });
                serde_json::json!({
                    "variant": index,
                    "values": values,
                    "summary": result.summary,
                    "difference": difference,
                })
            })
            .collect();
        let json = serde_json::json!({ "keys": self.keys, "variants": variants });
        let mut bytes = serde_json::to_vec_pretty(&json).unwrap_or_default();
        bytes.push(b'\n');
        bytes
    }

    /// One CSV row per variant with exact figures (shortest round-trip floats); the
    /// difference columns are empty for variant 0. Key values are quoted when needed.
    pub fn csv(&self) -> Vec<u8> {
        let mut out = String::from("variant");
        for key in self.keys {
            let _ = write!(out, ",{}", escape(key, Target::Csv));
        }
        out.push_str(
            ",availability,availability_ci_low,availability_ci_high,nines,downtime_per_year_s,\
             outages_per_year,rto_p50_s,rto_p99_s,availability_diff,availability_diff_ci_low,\
             availability_diff_ci_high,downtime_diff_s,downtime_diff_ci_low_s,\
             downtime_diff_ci_high_s",
        );
        let costed = self.costed();
        if costed {
            out.push_str(",cost_per_year");
        }
        let losses = self.data_losses();
        if !losses.is_empty() {
            out.push_str(
                ",incidents_per_year,unrecoverable,rpo_mean_s,rpo_p99_s,data_lost_per_year_s",
            );
        }
        out.push('\n');
        for (index, (result, values)) in self.results.iter().zip(self.values).enumerate() {
            let s = &result.summary;
            let _ = write!(out, "{index}");
            for value in values {
                let _ = write!(out, ",{}", escape(value, Target::Csv));
            }
            let nines = s
                .availability
                .nines
                .map_or(String::new(), |n| n.to_string());
            let _ = write!(
                out,
                ",{},{},{},{nines},{},{},{},{}",
                s.availability.mean,
                s.availability.ci95[0],
                s.availability.ci95[1],
                s.downtime_per_year_s.mean,
                s.outages_per_year.mean,
                s.rto_s.p50,
                s.rto_s.p99
            );
            for interval in [result.availability_difference, result.downtime_difference_s] {
                match interval {
                    Some(Interval {
                        mean,
                        ci95: Some([low, high]),
                    }) => {
                        let _ = write!(out, ",{mean},{low},{high}");
                    }
                    Some(Interval { mean, ci95: None }) => {
                        let _ = write!(out, ",{mean},,");
                    }
                    None => out.push_str(",,,"),
                }
            }
            if costed {
                let cost = s.cost_per_year.map_or(String::new(), |c| c.to_string());
                let _ = write!(out, ",{cost}");
            }
            match losses.get(index) {
                Some(Some(loss)) => {
                    let rpo = |x: f64| match loss.lost_s.count {
                        0 => String::new(),
                        _ => x.to_string(),
                    };
                    let _ = write!(
                        out,
                        ",{},{},{},{},{}",
                        loss.incidents_per_year,
                        loss.unrecoverable,
                        rpo(loss.lost_s.mean),
                        rpo(loss.lost_s.p99),
                        loss.lost_per_year_s.mean
                    );
                }
                Some(None) => out.push_str(",,,,,"),
                None => {}
            }
            out.push('\n');
        }
        out.into_bytes()
    }
}

/// Why the paired difference `difference` of the variant `label` may mislead: `explain`'s
/// closed form contradicts it (`disagreement`) after `years` years; `per` follows an amount
/// of downtime (`a year`).
pub fn closed_form_warning(
    label: &str,
    disagreement: &ClosedFormDisagreement,
    difference: &Interval,
    years: u64,
    per: &str,
) -> String {
    let how = if disagreement.exact {
        "exact for both models"
    } else {
        "an estimate"
    };
    format!(
        "{label}: the closed form of `nines explain` ({how}) gives {} of downtime {per}, \
         outside the simulated 95% CI {}: the difference may rest on failures too rare for {} \
         to show (several replicas down at once, say); run more years before trusting the \
         verdict",
        signed_duration(disagreement.closed_s),
        distinct_interval_text(difference),
        count(years, "year"),
    )
}

/// Most decimals of percentage points shown.
const MAX_POINTS_DECIMALS: usize = 12;

/// Decimals of percentage points that show the CI's width to two significant digits.
fn points_decimals(interval: &Interval) -> usize {
    let width = interval.width() * 100.0;
    if width > 0.0 {
        ((-math::log10(width)).ceil() as i64 + 1).clamp(2, MAX_POINTS_DECIMALS as i64) as usize
    } else {
        let mean = interval.mean.abs() * 100.0;
        if mean > 0.0 {
            ((-math::log10(mean)).ceil() as i64 + 2).clamp(2, MAX_POINTS_DECIMALS as i64) as usize
        } else {
            2
        }
    }
}

/// A difference of availability as signed percentage points to `decimals` places, or to
/// two significant digits when those places would round it to zero (`-0.00000023`, not
/// `-0.00000`, which reads as no difference); in exponent form past
/// [`MAX_POINTS_DECIMALS`] places (`+1.0e-28`).
fn signed_points(share: f64, decimals: usize) -> String {
    let points = share * 100.0;
    let rounds_to_zero = points != 0.0 && points.abs() < 0.5 / math::powi(10.0, decimals as u32);
    if !rounds_to_zero {
        return format!("{points:+.decimals$}");
    }
    let significant = (-math::log10(points.abs())).ceil() as usize + 1;
    if significant > MAX_POINTS_DECIMALS {
        format!("{points:+.1e}")
    } else {
        format!("{points:+.significant$}")
    }
}

fn interval_text(interval: &Interval, format: impl Fn(f64) -> String) -> String {
    match interval.ci95 {
        Some([low, high]) => format!("[{}, {}]", format(low), format(high)),
        None => "(one year: no CI)".to_string(),
    }
}

/// The interval of a downtime difference, as [`signed_interval`] writes it.
fn distinct_interval_text(interval: &Interval) -> String {
    match interval.ci95 {
        Some([low, high]) => signed_interval(low, high),
        None => interval_text(interval, signed_duration),
    }
}

/// Columns padded to their widest cell, two spaces apart.
pub(crate) fn aligned(header: &[String], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut text = String::new();
    for row in std::iter::once(header).chain(rows.iter().map(Vec::as_slice)) {
        let mut line = String::new();
        for (cell, width) in row.iter().zip(&widths) {
            let pad = width - cell.chars().count();
            let _ = write!(line, "{cell}{}  ", " ".repeat(pad));
        }
        text.push_str(line.trim_end());
        text.push('\n');
    }
    text
}

/// Which seed the variants run on when their files' seeds differ: `master`, the seed of
/// variant 0 (or `--seed`), on `streams`.
pub fn seeds_differ_note(master: u64, streams: Streams) -> String {
    let how = match streams {
        Streams::Common => format!("every variant uses seed {master}"),
        Streams::Independent => format!("variant i uses seed {master} + i"),
    };
    format!(
        "the variants' [simulation] seeds differ; {how} (the seed of variant 0; set another \
         with --seed)"
    )
}

/// How many years the variants run when their files' years differ: `years`, from
/// `--years` (`from_flag`) or else variant 0's.
pub fn years_differ_note(years: u64, from_flag: bool) -> String {
    let whose = if from_flag {
        "--years"
    } else {
        "the years of variant 0; set another with --years"
    };
    format!(
        "the variants' [simulation] years differ; every variant runs {} ({whose})",
        count(years, "year")
    )
}

/// What differing horizons mean for the table.
pub fn horizons_differ_note(horizons: &[Duration]) -> String {
    let labels: Vec<String> = horizons.iter().map(|h| h.label()).collect();
    format!(
        "the variants' [simulation] horizons differ ({}): availability compares, but downtime \
         and outages are per horizon, so their differences compare different spans",
        labels.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_align_on_characters() {
        let header = ["a".to_string(), "Δb".to_string()];
        let rows = vec![vec!["long".to_string(), "x".to_string()]];
        assert_eq!(aligned(&header, &rows), "a     Δb\nlong  x\n");
    }

    #[test]
    fn decimals_follow_the_interval_width() {
        let interval = Interval {
            mean: -1.2e-5,
            ci95: Some([-1.3e-5, -1.1e-5]),
        };
        // width 2e-6 = 0.0002 percentage points: four decimals, then one more
        assert_eq!(points_decimals(&interval), 5);
    }

    #[test]
    fn points_that_would_round_to_zero_keep_two_significant_digits() {
        assert_eq!(signed_points(-2.6e-6, 5), "-0.00026");
        assert_eq!(signed_points(-2.3e-9, 5), "-0.00000023");
        assert_eq!(signed_points(0.0, 5), "+0.00000");
        // past twelve places the exponent keeps it from reading as zero
        assert_eq!(signed_points(1e-30, 5), "+1.0e-28");
    }

    #[test]
    fn interval_ends_that_differ_never_read_the_same() {
        let narrow = Interval {
            mean: -4_261.0,
            ci95: Some([-4_263.2, -4_258.9]),
        };
        assert_eq!(distinct_interval_text(&narrow), "[-1h 11m 3s, -1h 10m 59s]");
        let wide = Interval {
            mean: -4_000.0,
            ci95: Some([-4_263.2, -3_700.0]),
        };
        assert_eq!(distinct_interval_text(&wide), "[-1h 11m, -1h 2m]");
    }
}
