//! ChaCha8 blocks: one at a time (with SSE2's rows on x86-64, else the portable function),
//! or eight streams' blocks at once with the widest vectors the CPU has, detected at run
//! time.
//!
//! Every path computes the same words (the tests compare each with `rand`'s `ChaCha8Rng`
//! and with each other on every machine), so which one runs never changes a simulated
//! value; it only changes how fast a year opens its streams.

/// Words in one ChaCha block.
pub(super) const BLOCK_WORDS: usize = 16;

/// Streams whose blocks one batch computes together: the lanes of an AVX2 register.
pub const LANES: usize = 8;

/// One block: sixteen 32-bit words.
pub(super) type Block = [u32; BLOCK_WORDS];

/// A ChaCha key as eight little-endian 32-bit words.
pub(super) type Key = [u32; 8];

/// "expand 32-byte k": ChaCha's constant first row (Bernstein, "ChaCha, a variant of
/// Salsa20", 2008).
pub(super) const SIGMA: [u32; 4] = [0x6170_7865, 0x3320_646e, 0x7962_2d32, 0x6b20_6574];

/// Double rounds of ChaCha8: 8 rounds, a column round then a diagonal round each.
pub(super) const DOUBLE_ROUNDS: usize = 4;

/// How batches of blocks are computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kernel {
    /// One block at a time, in portable Rust.
    Scalar,
    /// Four streams at once in 128-bit SSE2 registers (two passes per batch).
    #[cfg(target_arch = "x86_64")]
    Sse2,
    /// Eight streams at once in 256-bit AVX2 registers.
    #[cfg(target_arch = "x86_64")]
    Avx2,
}

impl Kernel {
    /// The widest kernel this CPU runs (checked once; `std` caches the answer).
    pub fn detect() -> Kernel {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx2") {
                return Kernel::Avx2;
            }
            if std::arch::is_x86_feature_detected!("sse2") {
                return Kernel::Sse2;
            }
        }
        Kernel::Scalar
    }

    /// Every kernel this CPU can run, the scalar one first (for tests and benchmarks).
    pub fn available() -> Vec<Kernel> {
        let mut kernels = vec![Kernel::Scalar];
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("sse2") {
                kernels.push(Kernel::Sse2);
            }
            if std::arch::is_x86_feature_detected!("avx2") {
                kernels.push(Kernel::Avx2);
            }
        }
        kernels
    }

    /// Block `counter` of stream `nonce` under each of the first `count` of `keys` (at most
    /// [`LANES`]); the other entries of the result are unspecified.
    pub(super) fn blocks(
        self,
        keys: &[Key; LANES],
        count: usize,
        counter: u64,
        nonce: u64,
    ) -> [Block; LANES] {
        match self {
            Kernel::Scalar => {
                let mut out = [[0; BLOCK_WORDS]; LANES];
                for (block, key) in out.iter_mut().zip(keys).take(count) {
                    *block = portable_block(key, counter, nonce);
                }
                out
            }
            #[cfg(target_arch = "x86_64")]
            Kernel::Sse2 => super::simd::blocks_sse2(keys, counter, nonce),
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `Kernel::Avx2` is only made by `detect` and `available`, after
            // `is_x86_feature_detected!("avx2")` found AVX2 on this CPU.
            Kernel::Avx2 => unsafe { super::simd::blocks_avx2(keys, counter, nonce) },
        }
    }
}

/// The last row of the starting state: the 64-bit block counter, then the 64-bit nonce
/// (the original ChaCha layout, which `rand`'s `ChaCha8Rng` uses).
pub(super) fn counter_row(counter: u64, nonce: u64) -> [u32; 4] {
    [
        counter as u32,
        (counter >> 32) as u32,
        nonce as u32,
        (nonce >> 32) as u32,
    ]
}

/// One ChaCha block with 8 rounds (RFC 8439 section 2.3, with the original 64-bit counter
/// and 64-bit nonce in words 12 to 15): what a stream computes when it needs a block that
/// was not prefetched. On x86-64 its four rows are held in four SSE2 registers
/// (`simd::block_sse2`): the compiler leaves [`portable_block`]'s rows in scalar registers,
/// where a block took about 560 instructions (5% of a level-2 year); elsewhere, the portable
/// function. Both compute the same words (tested).
#[inline]
pub(super) fn chacha8_block(key: &Key, counter: u64, nonce: u64) -> Block {
    #[cfg(target_arch = "x86_64")]
    return super::simd::block_sse2(key, counter, nonce);
    #[cfg(not(target_arch = "x86_64"))]
    return portable_block(key, counter, nonce);
}

/// [`chacha8_block`] in portable Rust, the reference every vector path is tested against.
/// The state is held as four rows and each round works on whole rows, lane by lane.
pub(super) fn portable_block(key: &Key, counter: u64, nonce: u64) -> Block {
    type Row = [u32; 4];
    fn add(x: Row, y: Row) -> Row {
        std::array::from_fn(|i| x[i].wrapping_add(y[i]))
    }
    fn xor_rotate(x: Row, y: Row, bits: u32) -> Row {
        std::array::from_fn(|i| (x[i] ^ y[i]).rotate_left(bits))
    }
    /// Four quarter rounds at once, one per lane.
    fn quarter_rounds(a: &mut Row, b: &mut Row, c: &mut Row, d: &mut Row) {
        *a = add(*a, *b);
        *d = xor_rotate(*d, *a, 16);
        *c = add(*c, *d);
        *b = xor_rotate(*b, *c, 12);
        *a = add(*a, *b);
        *d = xor_rotate(*d, *a, 8);
        *c = add(*c, *d);
        *b = xor_rotate(*b, *c, 7);
    }
    /// Rotates a row's lanes left by `n`.
    fn lanes(x: Row, n: usize) -> Row {
        std::array::from_fn(|i| x[(i + n) % 4])
    }
    let start: [Row; 4] = [
        SIGMA,
        [key[0], key[1], key[2], key[3]],
        [key[4], key[5], key[6], key[7]],
        counter_row(counter, nonce),
    ];
    let [mut a, mut b, mut c, mut d] = start;
    for _ in 0..DOUBLE_ROUNDS {
        // Column round, then diagonal round: lane i of the rotated rows holds the i-th
        // diagonal (words i, 4 + (i+1)%4, 8 + (i+2)%4, 12 + (i+3)%4).
        quarter_rounds(&mut a, &mut b, &mut c, &mut d);
        (b, c, d) = (lanes(b, 1), lanes(c, 2), lanes(d, 3));
        quarter_rounds(&mut a, &mut b, &mut c, &mut d);
        (b, c, d) = (lanes(b, 3), lanes(c, 2), lanes(d, 1));
    }
    let rows = [
        add(a, start[0]),
        add(b, start[1]),
        add(c, start[2]),
        add(d, start[3]),
    ];
    let mut block = [0; BLOCK_WORDS];
    for (out, row) in block.chunks_exact_mut(4).zip(rows) {
        out.copy_from_slice(&row);
    }
    block
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every kernel this CPU runs computes the scalar function's words, for full and
    /// partial batches, at block counters that carry into the high word.
    #[test]
    fn kernels_agree_with_the_scalar_block() {
        let keys: [Key; LANES] = std::array::from_fn(|lane| {
            std::array::from_fn(|word| (lane as u32 * 0x9e37_79b9) ^ (word as u32 * 0x85eb_ca6b))
        });
        for kernel in Kernel::available() {
            for (count, counter, nonce) in [
                (LANES, 0, 0),
                (3, 1, 77),
                (1, u64::from(u32::MAX), u64::MAX - 1),
            ] {
                let blocks = kernel.blocks(&keys, count, counter, nonce);
                for lane in 0..count {
                    assert_eq!(
                        blocks[lane],
                        portable_block(&keys[lane], counter, nonce),
                        "{kernel:?} lane {lane} counter {counter}"
                    );
                }
            }
        }
    }

    /// The single block computed with vectors is the portable function's, for many keys,
    /// at block counters and nonces that carry into their high words.
    #[test]
    fn single_block_is_the_portable_block() {
        let mut word = 0x2545_f491_u32;
        let mut next = || {
            // xorshift32: arbitrary, reproducible key words.
            word ^= word << 13;
            word ^= word >> 17;
            word ^= word << 5;
            word
        };
        for (counter, nonce) in [(0, 0), (1, 77), (u64::from(u32::MAX), u64::MAX - 1)] {
            for _ in 0..64 {
                let key: Key = std::array::from_fn(|_| next());
                assert_eq!(
                    chacha8_block(&key, counter, nonce),
                    portable_block(&key, counter, nonce),
                    "counter {counter} nonce {nonce} key {key:x?}"
                );
            }
        }
    }

    #[test]
    fn detected_kernel_is_available() {
        assert!(Kernel::available().contains(&Kernel::detect()));
    }
}
