//! The cells of CSV rows that measures write: whole numbers and durations in seconds,
//! digit by digit, so formatting millions of rows costs little. They live with the
//! measures, which declare their columns, and `report` writes rows with them.
//!
//! A cell is written backwards, two digits at a time, into an array on the stack, then
//! appended to the row as a copy of [`SPAN`] bytes cut back to the cell's length: a copy
//! whose length is known when compiling is a few register moves, where a copy of each
//! cell's own length calls `memcpy` (before, most of the cost of `outages.csv`).

use crate::time::Duration;
use std::io::Write;

/// Bytes appended for a cell before cutting it back: at least the longest cell, the 20
/// digits of a `u64` (the seconds [`push_secs`] writes itself are at most 16 bytes).
const SPAN: usize = 24;

/// Where each cell ends in its [`Cell`]; [`SPAN`] bytes from any start before it fit.
const END: usize = SPAN;

/// The array a cell is written into, ending at [`END`].
type Cell = [u8; END + SPAN];

/// Appends `n` in decimal.
pub(crate) fn push_decimal(out: &mut Vec<u8>, n: u64) {
    Decimal::new(n).push(out);
}

/// A whole number written once in decimal, to append to many rows (a year's index, which
/// begins each row of its outages).
pub(crate) struct Decimal {
    cell: Cell,
    start: usize,
}

impl Decimal {
    /// `n`'s digits.
    pub(crate) fn new(n: u64) -> Decimal {
        let mut cell = [0; END + SPAN];
        let start = write_digits(&mut cell, END, n);
        Decimal { cell, start }
    }

    /// Appends the digits.
    pub(crate) fn push(&self, out: &mut Vec<u8>) {
        append(out, &self.cell, self.start, END);
    }
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
    let (whole, fraction) = (micros / 1_000_000, micros % 1_000_000);
    let mut cell = [0; END + SPAN];
    let (mut start, mut end) = (END, END);
    if fraction != 0 {
        // The six decimals are the last digits of 1_000_000 + fraction, whose leading 1
        // becomes the point; the fraction is not 0, so the trailing zeros stop before it.
        start = write_digits(&mut cell, END, 1_000_000 + fraction);
        cell[start] = b'.';
        while cell[end - 1] == b'0' {
            end -= 1;
        }
    }
    start = write_digits(&mut cell, start, whole);
    append(out, &cell, start, end);
}

/// Writes `n` in decimal into `cell`, ending before `end`, and returns where it starts.
fn write_digits(cell: &mut Cell, end: usize, mut n: u64) -> usize {
    let mut start = end;
    while n >= 10 {
        start -= 2;
        cell[start..start + 2].copy_from_slice(&PAIRS[(n % 100) as usize]);
        n /= 100;
    }
    // The first digit, unless the last pair began with it (and 0 is a digit of its own).
    if n > 0 || start == end {
        start -= 1;
        cell[start] = b'0' + n as u8;
    }
    start
}

/// The two digits of each number below 100, "00" to "99": two digits per division halve
/// the divisions of writing one at a time.
const PAIRS: [[u8; 2]; 100] = {
    let mut pairs = [[0; 2]; 100];
    let mut n = 0;
    while n < 100 {
        pairs[n] = [b'0' + (n / 10) as u8, b'0' + (n % 10) as u8];
        n += 1;
    }
    pairs
};

/// Appends `cell[start..end]`: the [`SPAN`] bytes from `start`, then the rest cut off.
#[inline(always)]
fn append(out: &mut Vec<u8>, cell: &Cell, start: usize, end: usize) {
    out.extend_from_slice(&cell[start..start + SPAN]);
    out.truncate(out.len() - (start + SPAN - end));
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

    fn decimal_text(n: u64) -> String {
        let mut out = Vec::new();
        push_decimal(&mut out, n);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn a_decimal_is_appended_as_often_as_asked() {
        let year = Decimal::new(1907);
        let mut out = Vec::new();
        for _ in 0..3 {
            year.push(&mut out);
            out.push(b',');
        }
        assert_eq!(out, b"1907,1907,1907,");
    }

    /// Values at the edges of what the cells write: zero, each number of digits and its
    /// neighbours, whole seconds, every count of decimals, and the largest.
    fn edge_micros() -> Vec<u64> {
        let mut values = vec![0, 1, 10, 999_999, 1_000_000, 1_500_000, 31_536_000_000_000];
        for power in (0..20).map(|p| 10u64.pow(p)) {
            values.extend([power - 1, power, power + 1, power * 7 + 3]);
        }
        for decimals in 0..=6 {
            values.push(123_456_789_000_000 + 10u64.pow(6 - decimals));
        }
        values.extend([
            999_999_999_999_999,
            1_000_000_000_000_000,
            u64::MAX - 1,
            u64::MAX,
        ]);
        values
    }

    #[test]
    fn whole_numbers_are_written_as_display_writes_them() {
        for n in edge_micros() {
            assert_eq!(decimal_text(n), n.to_string());
        }
    }

    #[test]
    fn seconds_are_written_as_display_writes_them() {
        for micros in edge_micros() {
            let expected = Duration::from_micros(micros).as_secs_f64().to_string();
            assert_eq!(secs_text(micros), expected, "{micros} µs");
        }
    }

    /// Cells follow what the row holds already, whatever room its buffer has left.
    #[test]
    fn cells_are_appended_to_the_row() {
        for capacity in [0, 3, 24, 100] {
            let mut out = Vec::with_capacity(capacity);
            out.extend_from_slice(b"ab,");
            push_secs(&mut out, Duration::from_micros(12_345_600));
            out.push(b',');
            push_decimal(&mut out, 42);
            push_secs(&mut out, Duration::from_micros(u64::MAX));
            let huge = Duration::from_micros(u64::MAX).as_secs_f64();
            assert_eq!(
                String::from_utf8(out).unwrap(),
                format!("ab,12.3456,42{huge}")
            );
        }
    }

    /// A few thousand values of every size, spread geometrically, and their neighbours.
    #[test]
    fn generated_values_are_written_as_display_writes_them() {
        let mut value: u64 = 1;
        for i in 0..5000u64 {
            value = value
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let micros = value >> (i % 64);
            for micros in [
                micros,
                micros.saturating_add(1),
                micros / 1_000_000 * 1_000_000,
            ] {
                let expected = Duration::from_micros(micros).as_secs_f64().to_string();
                assert_eq!(secs_text(micros), expected, "{micros} µs");
                assert_eq!(decimal_text(micros), micros.to_string());
            }
        }
    }

    proptest! {
        #[test]
        fn any_duration_is_written_as_display_writes_it(micros in any::<u64>(), short in 0..1_000_000_000_000_000u64) {
            for micros in [micros, short, short % 1_000_000_000] {
                let expected = Duration::from_micros(micros).as_secs_f64().to_string();
                prop_assert_eq!(secs_text(micros), expected);
                prop_assert_eq!(decimal_text(micros), micros.to_string());
            }
        }
    }
}
