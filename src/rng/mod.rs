//! Random streams: the one place where seeds become random numbers.
//!
//! Every draw comes from a ChaCha8 stream whose key is derived from the master seed and a
//! label naming what draws (`"etcd/2/crash/repair"`: component, replica, failure mode,
//! purpose), and whose stream number (nonce) is the year's index. So a year's draws depend
//! only on the seed, the year and what draws them: not on how many years run, not on the
//! thread count, and not on any other component (common random numbers for comparisons).
//!
//! A stream is ChaCha8 made one 64-byte block at a time: the same numbers as `rand`'s
//! `ChaCha8Rng` (which the tests check word for word), but opening a stream costs nothing
//! and its first draw computes one block instead of four. [`Streams`] holds all of a plan's
//! streams for one engine in a compact layout, and at the start of each year computes the
//! first blocks of the streams it expects to be drawn from, eight at a time with AVX2 where
//! the CPU has it ([`chacha::Kernel`]); every path computes the same words.
//!
//! **Value-stability:** changing [`StreamKey::derive`] or any label changes every published
//! result. Treat such a change as value-breaking and say so in the changelog.

pub mod chacha;
pub mod prefetch;
#[cfg(target_arch = "x86_64")]
mod simd;
mod streams;

use chacha::{BLOCK_WORDS, Block, Key, chacha8_block};
pub use streams::{DrawTally, STREAM_STATE_BYTES, StreamDraw, StreamState, Streams};

use rand::TryRng;
use std::convert::Infallible;

/// The key of one random stream, ready to be opened for any year.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StreamKey(Key);

impl StreamKey {
    /// Derives the key for `label` under the master `seed`.
    ///
    /// Two independent 64-bit FNV-1a hashes of the label are mixed with the seed through
    /// SplitMix64's finaliser into four 64-bit words, read as eight little-endian 32-bit key
    /// words. ChaCha keys need no special structure: any difference in the key gives an
    /// unrelated stream.
    pub fn derive(seed: u64, label: &str) -> StreamKey {
        let h1 = fnv1a(label.as_bytes(), 0xcbf2_9ce4_8422_2325);
        let h2 = fnv1a(label.as_bytes(), 0x6c62_272e_07bb_0142);
        let words = [
            splitmix(seed ^ h1),
            splitmix(seed.rotate_left(32) ^ h2),
            splitmix(h1.wrapping_add(seed).wrapping_add(0x9e37_79b9_7f4a_7c15)),
            splitmix(h2 ^ seed.wrapping_mul(0xbf58_476d_1ce4_e5b9)),
        ];
        StreamKey(std::array::from_fn(|i| {
            (words[i / 2] >> (32 * (i % 2))) as u32
        }))
    }

    /// The stream for `year`, positioned at its start.
    pub fn open(&self, year: u64) -> Stream {
        Stream {
            key: self.0,
            nonce: year,
            counter: 0,
            block: [0; BLOCK_WORDS],
            next: BLOCK_WORDS,
        }
    }

    /// The key as the 32 bytes a ChaCha seed is given as (`ChaCha8Rng::from_seed`).
    pub fn seed_bytes(&self) -> [u8; 32] {
        std::array::from_fn(|i| self.0[i / 4].to_le_bytes()[i % 4])
    }
}

/// One ChaCha8 keystream with a 64-bit block counter and a 64-bit nonce (the year), read as
/// consecutive little-endian 32-bit words: word for word what `rand`'s `ChaCha8Rng` gives
/// after `set_stream(year)`, generated one block at a time. [`Streams`] holds many of them
/// more compactly; this one stands alone.
#[derive(Clone, Debug)]
pub struct Stream {
    key: Key,
    nonce: u64,
    counter: u64,
    block: Block,
    next: usize,
}

impl Stream {
    /// The next 32-bit word of the keystream.
    #[inline]
    fn word(&mut self) -> u32 {
        if self.next == BLOCK_WORDS {
            self.block = chacha8_block(&self.key, self.counter, self.nonce);
            self.counter = self.counter.wrapping_add(1);
            self.next = 0;
        }
        let word = self.block[self.next];
        self.next += 1;
        word
    }
}

impl TryRng for Stream {
    type Error = Infallible;

    #[inline]
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        Ok(self.word())
    }

    #[inline]
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        let low = self.word();
        Ok(u64::from(self.word()) << 32 | u64::from(low))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        fill_bytes_by_words(dst, || self.word());
        Ok(())
    }
}

/// Fills `dst` with consecutive little-endian words, as `ChaCha8Rng` does.
fn fill_bytes_by_words(dst: &mut [u8], mut word: impl FnMut() -> u32) {
    for chunk in dst.chunks_mut(4) {
        let bytes = word().to_le_bytes();
        chunk.copy_from_slice(&bytes[..chunk.len()]);
    }
}
fn fnv1a(bytes: &[u8], offset_basis: u64) -> u64 {
    bytes.iter().fold(offset_basis, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::ChaCha8Rng;
    use rand::{Rng, SeedableRng};

    /// The stream is `rand`'s ChaCha8Rng word for word, across block boundaries, for
    /// u64 draws, u32 draws, and a mix that leaves a u64 straddling two blocks.
    #[test]
    fn stream_matches_rand_chacha8() {
        for (seed, label, year) in [
            (1, "etcd/0/crash/every", 0),
            (9, "x", 123_456_789),
            (0, "", u64::MAX - 1),
        ] {
            let key = StreamKey::derive(seed, label);
            let mut reference = ChaCha8Rng::from_seed(key.seed_bytes());
            reference.set_stream(year);
            let mut ours = key.open(year);
            for _ in 0..100 {
                assert_eq!(ours.next_u64(), reference.next_u64());
            }
            for i in 0..300 {
                if i % 3 == 0 {
                    assert_eq!(ours.next_u32(), reference.next_u32());
                } else {
                    assert_eq!(ours.next_u64(), reference.next_u64());
                }
            }
            let (mut a, mut b) = ([0u8; 37], [0u8; 37]);
            ours.fill_bytes(&mut a);
            reference.fill_bytes(&mut b);
            assert_eq!(a, b);
        }
    }

    #[test]
    fn keys_depend_on_seed_and_label() {
        let a = StreamKey::derive(1, "etcd/0/crash/every");
        assert_eq!(a, StreamKey::derive(1, "etcd/0/crash/every"));
        assert_ne!(a, StreamKey::derive(2, "etcd/0/crash/every"));
        assert_ne!(a, StreamKey::derive(1, "etcd/1/crash/every"));
    }

    /// Pins the first draw of one stream: a change here changes every published result.
    #[test]
    fn value_stability() {
        let mut rng = StreamKey::derive(1, "etcd/0/crash/every").open(0);
        let first = rng.next_u64();
        let mut again = StreamKey::derive(1, "etcd/0/crash/every").open(0);
        assert_eq!(first, again.next_u64());
        assert_eq!(
            first, 0xfb2c_f7b3_9edf_37aa,
            "stream layout changed: {first:#x}"
        );
    }

    /// Every kernel (the scalar one forced too) gives `ChaCha8Rng`'s first two blocks for
    /// many keys and years, in full and partial batches.
    #[test]
    fn kernels_match_rand_chacha8_on_many_keys() {
        use chacha::{Kernel, LANES};
        let keys: Vec<StreamKey> = (0..200)
            .map(|i| StreamKey::derive(i % 7, &format!("c/{i}/mode/every")))
            .collect();
        for kernel in Kernel::available() {
            // Full batches, then partial ones (five keys and three padding lanes).
            let batches = keys.chunks(LANES).chain(keys.chunks(5));
            for (batch_index, batch) in batches.enumerate() {
                let year =
                    (batch_index as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (batch_index % 64);
                let words = std::array::from_fn(|lane| batch[lane.min(batch.len() - 1)].0);
                for counter in [0, 1] {
                    let blocks = kernel.blocks(&words, batch.len(), counter, year);
                    for (key, block) in batch.iter().zip(blocks) {
                        let mut reference = ChaCha8Rng::from_seed(key.seed_bytes());
                        reference.set_stream(year);
                        reference.set_word_pos(u128::from(counter) * 16);
                        let expected: [u32; 16] = std::array::from_fn(|_| reference.next_u32());
                        assert_eq!(block, expected, "{kernel:?} year {year} counter {counter}");
                    }
                }
            }
        }
    }
}
