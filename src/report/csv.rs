//! `years.csv` and `outages.csv` (`docs/output-reference.md`): their header and rows.
//!
//! Fields are numbers and names made of `[a-z0-9_/-]`, so no quoting is ever needed.
//! Floats use Rust's `Display`, the shortest form that reads back to the same value.
//! Durations in seconds are written digit by digit from their whole microseconds, which
//! gives the same bytes (see [`push_secs`]) at a fraction of the cost of float formatting,
//! most of the cost of writing `outages.csv`.
//!
//! Rows are formatted into byte buffers, so that a run can format chunks of years in
//! parallel and write the buffers in year order.

use crate::engine::YearOutcome;
use crate::measure::{Downtime, Measure, Shipped};
use crate::plan::Plan;
use crate::time::Duration;
use std::io::Write;

/// Formats the rows of `years.csv` and `outages.csv` for one plan: the year, then the
/// columns of [`Downtime`], then those of the further measures `M`.
#[derive(Clone, Debug)]
pub struct CsvRows<M: Measure = Shipped> {
    downtime: Downtime,
    measures: M,
}

impl CsvRows {
    /// The formats for `plan`'s services, causes and shipped measures.
    pub fn new(plan: &Plan) -> CsvRows {
        CsvRows::with_measures(plan)
    }
}

impl<M: Measure> CsvRows<M> {
    /// The formats for `plan`'s services, causes and the measures `M`.
    pub fn with_measures(plan: &Plan) -> CsvRows<M> {
        CsvRows {
            downtime: Downtime::for_plan(plan),
            measures: M::for_plan(plan),
        }
    }

    /// The header of `years.csv`: `year,availability,downtime_s,outages`, per service
    /// `<service>_availability`, then the further measures' columns.
    pub fn years_header(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"year");
        self.downtime.years_columns(out);
        self.measures.years_columns(out);
        out.push(b'\n');
    }

    /// Appends one year's row of `years.csv`.
    pub fn year_row(&self, out: &mut Vec<u8>, outcome: &YearOutcome<M::Year>) {
        push_decimal(out, outcome.year);
        self.downtime.year_cells(out, &outcome.expressions);
        self.measures.year_cells(out, &outcome.measures);
        out.push(b'\n');
    }

    /// The header of `outages.csv`: `year,start_s,duration_s,cause,detect_s,elect_s,repair_s`,
    /// then the further measures' columns.
    pub fn outages_header(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"year");
        self.downtime.outages_columns(out);
        self.measures.outages_columns(out);
        out.push(b'\n');
    }

    /// Appends one row of `outages.csv` per outage of the year.
    pub fn outage_rows(&self, out: &mut Vec<u8>, outcome: &YearOutcome<M::Year>) {
        for outage in 0..outcome.outages.len() {
            push_decimal(out, outcome.year);
            self.downtime
                .outage_cells(out, &outcome.expressions, outage);
            self.measures.outage_cells(out, &outcome.measures, outage);
            out.push(b'\n');
        }
    }
}

/// Appends `n` in decimal.
pub(crate) fn push_decimal(out: &mut Vec<u8>, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut first = digits.len();
    loop {
        first -= 1;
        digits[first] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[first..]);
}

/// Appends `duration` in seconds exactly as `Display` writes `duration.as_secs_f64()`.
///
/// Below 10^15 µs (31 years) the exact decimal (at most 15 significant digits, trailing
/// zeros dropped) is that form: distinct decimals of up to 15 significant digits are
/// distinct doubles, so no other decimal as short reads back to the same value. Longer
/// durations go through the float.
pub(crate) fn push_secs(out: &mut Vec<u8>, duration: Duration) {
    const EXACT_BELOW: u64 = 1_000_000_000_000_000;
    let micros = duration.as_micros();
    if micros >= EXACT_BELOW {
        // Writing into a Vec cannot fail.
        let _ = write!(out, "{}", duration.as_secs_f64());
        return;
    }
    push_decimal(out, micros / 1_000_000);
    let mut fraction = micros % 1_000_000;
    if fraction == 0 {
        return;
    }
    let mut digits = [b'0'; 6];
    for digit in digits.iter_mut().rev() {
        *digit = b'0' + (fraction % 10) as u8;
        fraction /= 10;
    }
    let significant = digits.iter().rposition(|d| *d != b'0').map_or(0, |i| i + 1);
    out.push(b'.');
    out.extend_from_slice(&digits[..significant]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn secs_text(micros: u64) -> String {
        let mut out = Vec::new();
        push_secs(&mut out, Duration::from_micros(micros));
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn seconds_are_written_as_display_writes_them() {
        for micros in [
            0,
            1,
            10,
            999_999,
            1_000_000,
            1_500_000,
            31_536_000_000_000,
            999_999_999_999_999,
            1_000_000_000_000_000,
            u64::MAX,
        ] {
            let expected = Duration::from_micros(micros).as_secs_f64().to_string();
            assert_eq!(secs_text(micros), expected);
        }
    }

    proptest! {
        #[test]
        fn any_duration_is_written_as_display_writes_it(micros in any::<u64>(), short in 0..1_000_000_000_000_000u64) {
            for micros in [micros, short, short % 1_000_000_000] {
                let expected = Duration::from_micros(micros).as_secs_f64().to_string();
                prop_assert_eq!(secs_text(micros), expected);
            }
        }
    }
}
