//! Random streams: the one place where seeds become random numbers.
//!
//! Every draw comes from a ChaCha8 stream whose key is derived from the master seed and a
//! label naming what draws (`"etcd/2/crash/repair"`: component, replica, failure mode,
//! purpose), and whose stream number (nonce) is the year's index. So a year's draws depend
//! only on the seed, the year and what draws them: not on how many years run, not on the
//! thread count, and not on any other component (common random numbers for comparisons).
//!
//! **Value-stability:** changing [`StreamKey::derive`] or any label changes every published
//! result. Treat such a change as value-breaking and say so in the changelog.

use rand::SeedableRng;
use rand::rngs::ChaCha8Rng;

/// The key of one random stream, ready to be opened for any year.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StreamKey([u8; 32]);

impl StreamKey {
    /// Derives the key for `label` under the master `seed`.
    ///
    /// Two independent 64-bit FNV-1a hashes of the label are mixed with the seed through
    /// SplitMix64's finaliser into four key words. ChaCha keys need no special structure:
    /// any difference in the key gives an unrelated stream.
    pub fn derive(seed: u64, label: &str) -> StreamKey {
        let h1 = fnv1a(label.as_bytes(), 0xcbf2_9ce4_8422_2325);
        let h2 = fnv1a(label.as_bytes(), 0x6c62_272e_07bb_0142);
        let words = [
            splitmix(seed ^ h1),
            splitmix(seed.rotate_left(32) ^ h2),
            splitmix(h1.wrapping_add(seed).wrapping_add(0x9e37_79b9_7f4a_7c15)),
            splitmix(h2 ^ seed.wrapping_mul(0xbf58_476d_1ce4_e5b9)),
        ];
        let mut key = [0u8; 32];
        for (chunk, word) in key.chunks_exact_mut(8).zip(words) {
            chunk.copy_from_slice(&word.to_le_bytes());
        }
        StreamKey(key)
    }

    /// The stream for `year`, positioned at its start.
    pub fn open(&self, year: u64) -> ChaCha8Rng {
        let mut rng = ChaCha8Rng::from_seed(self.0);
        // chacha20's set_stream also rewinds to word 0 (rust-style-and-crates.md section 4).
        rng.set_stream(year);
        rng
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

/// A set of streams opened lazily, each at most once per year.
///
/// Opening is deferred to the first draw, so a replica that never fails in a year costs
/// one stream (its time to failure), not one per purpose.
pub struct Streams {
    rngs: Vec<ChaCha8Rng>,
    opened_in: Vec<u64>,
    year: u64,
}

impl Streams {
    /// Room for one stream per key; none is open yet.
    pub fn new(keys: &[StreamKey]) -> Streams {
        Streams {
            rngs: keys.iter().map(|k| ChaCha8Rng::from_seed(k.0)).collect(),
            opened_in: vec![u64::MAX; keys.len()],
            year: u64::MAX,
        }
    }

    /// Starts a new year: every stream will be reopened at its first draw. Years are
    /// below `u64::MAX`, which marks a stream never opened.
    pub fn start_year(&mut self, year: u64) {
        self.year = year;
    }

    /// The stream `index` of `keys`, opened for the current year on first use.
    pub fn get(&mut self, index: usize, keys: &[StreamKey]) -> &mut ChaCha8Rng {
        if self.opened_in[index] != self.year {
            self.opened_in[index] = self.year;
            self.rngs[index] = keys[index].open(self.year);
        }
        &mut self.rngs[index]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

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

    #[test]
    fn lazy_streams_restart_each_year() {
        let keys = [StreamKey::derive(7, "a"), StreamKey::derive(7, "b")];
        let mut streams = Streams::new(&keys);
        streams.start_year(3);
        let first = streams.get(1, &keys).next_u64();
        streams.start_year(4);
        let other_year = streams.get(1, &keys).next_u64();
        streams.start_year(3);
        assert_eq!(streams.get(1, &keys).next_u64(), first);
        assert_ne!(first, other_year);
        assert_eq!(first, keys[1].open(3).next_u64());
    }
}
