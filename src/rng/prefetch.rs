//! Software prefetch: a hint that a value will be read soon, so that its cache line is on
//! its way while other work runs. A hint only: it never faults, never changes a value, and
//! does nothing on a processor without the instruction.

/// Asks for the cache line holding the start of `value` to be brought into every level of
/// the cache.
#[inline(always)]
pub fn line<T: ?Sized>(value: &T) {
    address((value as *const T).cast());
}

/// As [`line`], for every cache line `value` spans (at most two for a value of 64 bytes or
/// less).
#[inline(always)]
pub fn span<T>(value: &T) {
    let first = (value as *const T).cast::<u8>();
    address(first);
    address(first.wrapping_add(size_of::<T>().max(1) - 1));
}

/// The hint itself, for the line holding `at`.
#[inline(always)]
fn address(at: *const u8) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: `prefetcht0` is part of SSE, which every x86-64 processor has; it reads no
    // memory architecturally and cannot fault, whatever the address.
    unsafe {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        _mm_prefetch::<_MM_HINT_T0>(at.cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = at;
}
