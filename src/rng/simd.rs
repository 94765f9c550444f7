//! The x86-64 kernels: eight ChaCha8 blocks at once, one stream per vector lane; and one
//! block alone, a row of its state per SSE2 register.
//!
//! The state is held word-major: vector `w` holds word `w` of every lane's block, so each
//! quarter round is four vector additions, four XORs and four rotations that advance all
//! the lanes together (the layout of Bernstein's and Goll and Gueron's vectorised ChaCha).
//! The words in and out are moved between the streams' layout and this one with plain
//! array copies; only the rounds use intrinsics, and they are the one `unsafe` code here.

use super::chacha::{BLOCK_WORDS, Block, DOUBLE_ROUNDS, Key, LANES, SIGMA, counter_row};
use std::arch::x86_64::{
    __m128i, __m256i, _mm_add_epi32, _mm_loadu_si128, _mm_or_si128, _mm_shuffle_epi32,
    _mm_slli_epi32, _mm_srli_epi32, _mm_storeu_si128, _mm_xor_si128, _mm256_add_epi32,
    _mm256_loadu_si256, _mm256_or_si256, _mm256_set_epi8, _mm256_shuffle_epi8, _mm256_slli_epi32,
    _mm256_srli_epi32, _mm256_storeu_si256, _mm256_xor_si256,
};

/// Word `w` of every lane's starting state (then of its block), lane by lane.
type Words = [[u32; LANES]; BLOCK_WORDS];

/// The vector operations ChaCha needs, on `WIDTH` lanes of 32 bits.
trait Vector: Copy {
    /// Lanes in one vector.
    const WIDTH: usize;
    /// Reads `WIDTH` words. Safety: the CPU has the vector's instructions and `words`
    /// holds at least `WIDTH` words.
    unsafe fn load(words: &[u32]) -> Self;
    /// Writes `WIDTH` words; the same safety contract as `load`.
    unsafe fn store(self, words: &mut [u32]);
    /// Lane-wise wrapping addition. Safety: the CPU has the vector's instructions.
    unsafe fn add(self, other: Self) -> Self;
    /// `(self ^ other)` rotated left by `BITS` in every lane; the same safety contract.
    unsafe fn xor_rotate<const BITS: i32>(self, other: Self) -> Self;
}

impl Vector for __m256i {
    const WIDTH: usize = 8;

    #[inline(always)]
    unsafe fn load(words: &[u32]) -> Self {
        debug_assert!(words.len() >= Self::WIDTH);
        // SAFETY: the caller guarantees AVX2 and 8 readable words; loadu needs no alignment.
        unsafe { _mm256_loadu_si256(words.as_ptr().cast()) }
    }

    #[inline(always)]
    unsafe fn store(self, words: &mut [u32]) {
        debug_assert!(words.len() >= Self::WIDTH);
        // SAFETY: the caller guarantees AVX2 and 8 writable words; storeu needs no alignment.
        unsafe { _mm256_storeu_si256(words.as_mut_ptr().cast(), self) }
    }

    #[inline(always)]
    unsafe fn add(self, other: Self) -> Self {
        // SAFETY: the caller guarantees AVX2.
        unsafe { _mm256_add_epi32(self, other) }
    }

    #[inline(always)]
    unsafe fn xor_rotate<const BITS: i32>(self, other: Self) -> Self {
        // SAFETY: the caller guarantees AVX2.
        unsafe {
            let x = _mm256_xor_si256(self, other);
            // Rotations by whole bytes are one byte shuffle within each 32-bit lane.
            match BITS {
                16 => _mm256_shuffle_epi8(
                    x,
                    _mm256_set_epi8(
                        13, 12, 15, 14, 9, 8, 11, 10, 5, 4, 7, 6, 1, 0, 3, 2, 13, 12, 15, 14, 9, 8,
                        11, 10, 5, 4, 7, 6, 1, 0, 3, 2,
                    ),
                ),
                8 => _mm256_shuffle_epi8(
                    x,
                    _mm256_set_epi8(
                        14, 13, 12, 15, 10, 9, 8, 11, 6, 5, 4, 7, 2, 1, 0, 3, 14, 13, 12, 15, 10,
                        9, 8, 11, 6, 5, 4, 7, 2, 1, 0, 3,
                    ),
                ),
                _ => shift_rotate_256::<BITS>(x),
            }
        }
    }
}

/// Rotates every lane left by `BITS` with two shifts. Safety: the CPU has AVX2.
#[inline(always)]
unsafe fn shift_rotate_256<const BITS: i32>(x: __m256i) -> __m256i {
    // SAFETY: the caller guarantees AVX2. The shift counts are immediates below 32.
    unsafe {
        match BITS {
            12 => _mm256_or_si256(_mm256_slli_epi32::<12>(x), _mm256_srli_epi32::<20>(x)),
            7 => _mm256_or_si256(_mm256_slli_epi32::<7>(x), _mm256_srli_epi32::<25>(x)),
            _ => unreachable!("ChaCha rotates by 16, 12, 8 and 7"),
        }
    }
}

impl Vector for __m128i {
    const WIDTH: usize = 4;

    #[inline(always)]
    unsafe fn load(words: &[u32]) -> Self {
        debug_assert!(words.len() >= Self::WIDTH);
        // SAFETY: SSE2 is part of x86-64; the caller guarantees 4 readable words.
        unsafe { _mm_loadu_si128(words.as_ptr().cast()) }
    }

    #[inline(always)]
    unsafe fn store(self, words: &mut [u32]) {
        debug_assert!(words.len() >= Self::WIDTH);
        // SAFETY: SSE2 is part of x86-64; the caller guarantees 4 writable words.
        unsafe { _mm_storeu_si128(words.as_mut_ptr().cast(), self) }
    }

    #[inline(always)]
    unsafe fn add(self, other: Self) -> Self {
        // SAFETY: SSE2 is part of x86-64.
        unsafe { _mm_add_epi32(self, other) }
    }

    #[inline(always)]
    unsafe fn xor_rotate<const BITS: i32>(self, other: Self) -> Self {
        // SAFETY: SSE2 is part of x86-64. The shift counts are immediates below 32.
        unsafe {
            let x = _mm_xor_si128(self, other);
            match BITS {
                16 => _mm_or_si128(_mm_slli_epi32::<16>(x), _mm_srli_epi32::<16>(x)),
                12 => _mm_or_si128(_mm_slli_epi32::<12>(x), _mm_srli_epi32::<20>(x)),
                8 => _mm_or_si128(_mm_slli_epi32::<8>(x), _mm_srli_epi32::<24>(x)),
                7 => _mm_or_si128(_mm_slli_epi32::<7>(x), _mm_srli_epi32::<25>(x)),
                _ => unreachable!("ChaCha rotates by 16, 12, 8 and 7"),
            }
        }
    }
}

/// One quarter round on vectors `a`, `b`, `c`, `d` of `x`: words of every lane (the
/// batched kernels), or rows of one block (`block_sse2`). Safety: the CPU has `V`'s
/// instructions.
#[inline(always)]
unsafe fn quarter<V: Vector, const N: usize>(x: &mut [V; N], [a, b, c, d]: [usize; 4]) {
    // SAFETY: the caller guarantees `V`'s instructions.
    unsafe {
        x[a] = x[a].add(x[b]);
        x[d] = x[d].xor_rotate::<16>(x[a]);
        x[c] = x[c].add(x[d]);
        x[b] = x[b].xor_rotate::<12>(x[c]);
        x[a] = x[a].add(x[b]);
        x[d] = x[d].xor_rotate::<8>(x[a]);
        x[c] = x[c].add(x[d]);
        x[b] = x[b].xor_rotate::<7>(x[c]);
    }
}

/// The eight rounds and the final addition for lanes `first..first + V::WIDTH` of `words`,
/// in place. Safety: the CPU has `V`'s instructions.
#[inline(always)]
unsafe fn rounds<V: Vector>(words: &mut Words, first: usize) {
    // SAFETY: the caller guarantees `V`'s instructions; every row of `words` has LANES
    // words, and `first + V::WIDTH <= LANES` for both kernels' passes.
    unsafe {
        let start: [V; BLOCK_WORDS] = std::array::from_fn(|w| V::load(&words[w][first..]));
        let mut x = start;
        for _ in 0..DOUBLE_ROUNDS {
            for column in [[0, 4, 8, 12], [1, 5, 9, 13], [2, 6, 10, 14], [3, 7, 11, 15]] {
                quarter(&mut x, column);
            }
            for diagonal in [[0, 5, 10, 15], [1, 6, 11, 12], [2, 7, 8, 13], [3, 4, 9, 14]] {
                quarter(&mut x, diagonal);
            }
        }
        for w in 0..BLOCK_WORDS {
            x[w].add(start[w]).store(&mut words[w][first..]);
        }
    }
}

/// The starting states of the eight lanes, word-major.
fn start_words(keys: &[Key; LANES], counter: u64, nonce: u64) -> Words {
    let row = counter_row(counter, nonce);
    std::array::from_fn(|w| match w {
        0..4 => [SIGMA[w]; LANES],
        4..12 => std::array::from_fn(|lane| keys[lane][w - 4]),
        _ => [row[w - 12]; LANES],
    })
}

/// Word-major words back into one block per lane.
fn blocks_of(words: &Words) -> [Block; LANES] {
    std::array::from_fn(|lane| std::array::from_fn(|w| words[w][lane]))
}

/// Block `counter` of stream `nonce` under each of the eight keys, with SSE2 (x86-64's
/// baseline: always present), four lanes at a time.
pub(super) fn blocks_sse2(keys: &[Key; LANES], counter: u64, nonce: u64) -> [Block; LANES] {
    let mut words = start_words(keys, counter, nonce);
    for first in (0..LANES).step_by(<__m128i as Vector>::WIDTH) {
        // SAFETY: SSE2 is part of every x86-64 CPU.
        unsafe { rounds::<__m128i>(&mut words, first) };
    }
    blocks_of(&words)
}

/// Block `counter` of stream `nonce` under each of the eight keys, with AVX2.
///
/// # Safety
/// The CPU must have AVX2 (`is_x86_feature_detected!("avx2")`).
#[target_feature(enable = "avx2")]
pub(super) unsafe fn blocks_avx2(keys: &[Key; LANES], counter: u64, nonce: u64) -> [Block; LANES] {
    let mut words = start_words(keys, counter, nonce);
    // SAFETY: the caller guarantees AVX2; one pass covers all eight lanes.
    unsafe { rounds::<__m256i>(&mut words, 0) };
    blocks_of(&words)
}

/// Block `counter` of stream `nonce` under `key` alone, with SSE2 (x86-64's baseline:
/// always present): row `r` of the state (words 4r to 4r + 3) in one register, so a round's
/// four quarter rounds run as one, lane by lane, as in `chacha::portable_block`. Between
/// the column and the diagonal round, rows b, c and d turn by one, two and three lanes so
/// that each diagonal lines up in a lane, and turn back after.
pub(super) fn block_sse2(key: &Key, counter: u64, nonce: u64) -> Block {
    /// `_mm_shuffle_epi32` selectors: lane i takes lane (i + n) % 4, for n = 1, 2, 3.
    const TURN_1: i32 = 0b00_11_10_01;
    const TURN_2: i32 = 0b01_00_11_10;
    const TURN_3: i32 = 0b10_01_00_11;
    let row = counter_row(counter, nonce);
    let mut block = [0; BLOCK_WORDS];
    // SAFETY: SSE2 is part of every x86-64 CPU; every slice loaded or stored holds at
    // least four words.
    unsafe {
        let start = [
            __m128i::load(&SIGMA),
            __m128i::load(&key[..4]),
            __m128i::load(&key[4..]),
            __m128i::load(&row),
        ];
        let mut x = start;
        for _ in 0..DOUBLE_ROUNDS {
            // Four quarter rounds at once, one per lane: the columns, then the diagonals.
            quarter(&mut x, [0, 1, 2, 3]);
            x[1] = _mm_shuffle_epi32::<TURN_1>(x[1]);
            x[2] = _mm_shuffle_epi32::<TURN_2>(x[2]);
            x[3] = _mm_shuffle_epi32::<TURN_3>(x[3]);
            quarter(&mut x, [0, 1, 2, 3]);
            x[1] = _mm_shuffle_epi32::<TURN_3>(x[1]);
            x[2] = _mm_shuffle_epi32::<TURN_2>(x[2]);
            x[3] = _mm_shuffle_epi32::<TURN_1>(x[3]);
        }
        for (r, (row, first)) in x.into_iter().zip(start).enumerate() {
            row.add(first).store(&mut block[4 * r..]);
        }
    }
    block
}
