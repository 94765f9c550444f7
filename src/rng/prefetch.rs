//! Software prefetch: a hint that a value will be read soon, so that its cache line is on
//! its way while other work runs. A hint only: it never faults, never changes a value, and
//! does nothing on a processor without the instruction.

/// Asks for the cache line holding the start of `value` to be brought into every level of
/// the cache.
#[inline(always)]
pub fn line<T: ?Sized>(value: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: `prefetcht0` is part of SSE, which every x86-64 processor has; it reads no
    // memory architecturally and cannot fault, whatever the address.
    unsafe {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        _mm_prefetch::<_MM_HINT_T0>((value as *const T).cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}

/// As [`line`], for every cache line `value` spans (at most two for a value of 64 bytes or
/// less).
#[inline(always)]
pub fn span<T>(value: &T) {
    line(value);
    let last = (value as *const T)
        .cast::<u8>()
        .wrapping_add(size_of::<T>().max(1) - 1);
    #[cfg(target_arch = "x86_64")]
    // SAFETY: as in `line`; the address is only a hint.
    unsafe {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        _mm_prefetch::<_MM_HINT_T0>(last.cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = last;
}
