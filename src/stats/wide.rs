//! A 256-bit unsigned integer, just wide enough for exact sums of squared microseconds.
//!
//! A square of a `u64` fills a `u128`, so a sum of up to 2^64 of them needs 192 bits; the
//! variance is computed from such sums once, at the end ([`super::Moments`]).

use serde::{Deserialize, Serialize};

/// The low half of a `u128`.
const LOW_HALF: u128 = u64::MAX as u128;
/// 2^128, the weight of the high half (exact in a double).
const TWO_TO_128: f64 = 340_282_366_920_938_463_463_374_607_431_768_211_456.0;

/// An unsigned 256-bit integer: `high · 2^128 + low`. Serialised as `[high, low]`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct U256(u128, u128);

impl U256 {
    /// `value` widened.
    pub(super) fn from_u128(value: u128) -> U256 {
        U256(0, value)
    }

    /// The exact product of two `u128`s, from four 64-bit partial products.
    pub(super) fn product(a: u128, b: u128) -> U256 {
        let (a_high, a_low) = (a >> 64, a & LOW_HALF);
        let (b_high, b_low) = (b >> 64, b & LOW_HALF);
        let low_low = a_low * b_low;
        let low_high = a_low * b_high;
        let high_low = a_high * b_low;
        // Each term is below 2^64, so three of them cannot overflow.
        let middle = (low_low >> 64) + (low_high & LOW_HALF) + (high_low & LOW_HALF);
        let low = (low_low & LOW_HALF) | (middle << 64);
        let high = a_high * b_high + (low_high >> 64) + (high_low >> 64) + (middle >> 64);
        U256(high, low)
    }

    /// Adds `other`. The sums kept here stay far below 2^256 (see the module documentation).
    pub(super) fn add(&mut self, other: U256) {
        let (low, carry) = self.1.overflowing_add(other.1);
        self.1 = low;
        self.0 += other.0 + u128::from(carry);
    }

    /// `self − other`, or `None` when `other` is larger.
    pub(super) fn checked_sub(self, other: U256) -> Option<U256> {
        let (low, borrow) = self.1.overflowing_sub(other.1);
        let high = self
            .0
            .checked_sub(other.0)?
            .checked_sub(u128::from(borrow))?;
        Some(U256(high, low))
    }

    /// The nearest `f64` (up to one rounding of each half).
    pub(super) fn to_f64(self) -> f64 {
        self.0 as f64 * TWO_TO_128 + self.1 as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn products_carry_into_the_high_half() {
        assert_eq!(U256::product(3, 5), U256(0, 15));
        assert_eq!(U256::product(1 << 64, 1 << 64), U256(1, 0));
        // (2^128 − 1)² = 2^256 − 2^129 + 1.
        assert_eq!(U256::product(u128::MAX, u128::MAX), U256(u128::MAX - 1, 1));
        let square = u128::from(u64::MAX) * u128::from(u64::MAX);
        assert_eq!(
            U256::product(u64::MAX.into(), u64::MAX.into()),
            U256(0, square)
        );
    }

    #[test]
    fn sums_and_differences_carry_and_borrow() {
        let mut sum = U256::from_u128(u128::MAX);
        sum.add(U256::from_u128(2));
        assert_eq!(sum, U256(1, 1));
        assert_eq!(
            sum.checked_sub(U256::from_u128(2)),
            Some(U256(0, u128::MAX))
        );
        assert_eq!(U256::from_u128(1).checked_sub(U256::from_u128(2)), None);
        assert_eq!(U256(1, 0).to_f64(), TWO_TO_128);
    }
}
