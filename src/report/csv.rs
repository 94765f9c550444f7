//! `years.csv` and `outages.csv` (SPEC section 4): their header and rows.
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
use crate::plan::Plan;
use crate::time::Duration;
use std::io::Write;

/// Formats the rows of `years.csv` and `outages.csv` for one plan.
#[derive(Clone, Debug)]
pub struct CsvRows {
    horizon: Duration,
    services: Vec<String>,
    causes: Vec<Vec<String>>,
}

impl CsvRows {
    /// The formats for `plan`'s services and causes.
    pub fn new(plan: &Plan) -> CsvRows {
        CsvRows {
            horizon: plan.horizon,
            services: plan.expression_names[1..].to_vec(),
            causes: plan.components.iter().map(|c| c.causes.clone()).collect(),
        }
    }

    /// The header of `years.csv`: `year,availability,downtime_s,outages` and per service
    /// `<service>_availability`.
    pub fn years_header(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"year,availability,downtime_s,outages");
        for service in &self.services {
            // Writing into a Vec cannot fail.
            let _ = write!(out, ",{service}_availability");
        }
        out.push(b'\n');
    }

    /// Appends one year's row of `years.csv`.
    pub fn year_row(&self, out: &mut Vec<u8>, outcome: &YearOutcome) {
        let availability = |downtime: Duration| {
            1.0 - downtime.as_micros() as f64 / self.horizon.as_micros() as f64
        };
        push_decimal(out, outcome.year);
        // Writing into a Vec cannot fail.
        let _ = write!(out, ",{},", availability(outcome.downtime[0]));
        push_secs(out, outcome.downtime[0]);
        out.push(b',');
        push_decimal(out, outcome.outages.len() as u64);
        for downtime in &outcome.downtime[1..] {
            let _ = write!(out, ",{}", availability(*downtime));
        }
        out.push(b'\n');
    }

    /// The header of `outages.csv`.
    pub fn outages_header(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"year,start_s,duration_s,cause,detect_s,elect_s,repair_s\n");
    }

    /// Appends one row of `outages.csv` per outage of the year.
    pub fn outage_rows(&self, out: &mut Vec<u8>, outcome: &YearOutcome) {
        for outage in &outcome.outages {
            let cause = &self.causes[outage.component as usize][outage.mode as usize];
            push_decimal(out, outcome.year);
            for secs in [outage.start, outage.duration] {
                out.push(b',');
                push_secs(out, secs);
            }
            out.push(b',');
            out.extend_from_slice(cause.as_bytes());
            let phases = outage.phases;
            for secs in [phases.detect, phases.elect, phases.repair] {
                out.push(b',');
                push_secs(out, secs);
            }
            out.push(b'\n');
        }
    }
}

/// Appends `n` in decimal.
fn push_decimal(out: &mut Vec<u8>, mut n: u64) {
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
fn push_secs(out: &mut Vec<u8>, duration: Duration) {
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
