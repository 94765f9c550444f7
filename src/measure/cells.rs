//! The cells of CSV rows that measures write: whole numbers and durations in seconds,
//! digit by digit, so formatting millions of rows costs little. They live with the
//! measures, which declare their columns, and `report` writes rows with them.

use crate::time::Duration;
use std::io::Write;

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
