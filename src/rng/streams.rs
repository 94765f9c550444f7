//! All of a plan's streams for one engine: opened lazily, at most once a year, with the
//! first blocks of the streams a year is expected to draw from computed together.
//!
//! **Layout.** A stream's state is split by how hot it is: a 16-byte cursor (its position
//! and the year it was opened in, four to a cache line), a 64-byte block aligned to a cache
//! line, and its key, read only to compute a block and shared with the plan (and so with
//! every thread). Nothing is allocated per stream; 31,000 streams take 2.6 MiB per engine
//! with the lists of streams drawn from (the old layout, a whole stream per entry with its
//! own copy of the key, took 3.8 MiB).
//!
//! **Prefetching.** Most streams serve a few draws a year, each opening with one block.
//! Computing blocks one at a time when first drawn costs a full ChaCha8 block each; so at the
//! start of a year, the streams drawn from the year before have their first blocks computed
//! in batches of [`LANES`] by the [`Kernel`] the CPU runs fastest (AVX2: eight at once). A
//! stream that is not drawn this year costs one batched block for nothing; one that was not
//! predicted opens on demand as before. The words are the same either way: which streams
//! are prefetched never changes a value, only how fast the year runs.

use super::StreamKey;
use super::chacha::{BLOCK_WORDS, Block, Kernel, LANES, chacha8_block};
use crate::dist::Dist;
use crate::mechanics::Draw;
use crate::time::Duration;
use rand::TryRng;
use std::convert::Infallible;

/// Where one stream stands this year.
#[derive(Clone, Copy, Debug, Default)]
struct Cursor {
    /// The next block to compute.
    counter: u64,
    /// The epoch (one per started year) the stream was opened in; 0: never opened.
    epoch: u32,
    /// The next word of the stream's block to hand out; `BLOCK_WORDS` when used up.
    next: u32,
}

impl Cursor {
    /// Words handed out since the stream was opened this year.
    fn words_drawn(&self) -> u64 {
        (self.counter * BLOCK_WORDS as u64 + u64::from(self.next))
            .saturating_sub(BLOCK_WORDS as u64)
    }
}

/// One stream's current block, on a cache line of its own.
#[derive(Clone, Copy, Debug)]
#[repr(align(64))]
struct Line(Block);

/// Bytes of state one stream takes in an engine: its cursor and its block (its key is the
/// plan's), and its place in the lists of streams drawn from this year.
pub const STREAM_STATE_BYTES: usize =
    size_of::<Cursor>() + size_of::<Line>() + 2 * size_of::<u32>();

/// The state of every stream of a plan, drawing from the one last selected by
/// [`Streams::get`].
#[derive(Debug)]
pub struct StreamState<'k> {
    keys: &'k [StreamKey],
    cursors: Vec<Cursor>,
    blocks: Vec<Line>,
    year: u64,
    epoch: u32,
    selected: usize,
}

/// A set of streams opened lazily, each at most once per year.
///
/// Opening is deferred to the first draw, so a replica that never fails in a year costs
/// one stream (its time to failure), not one per purpose.
#[derive(Debug)]
pub struct Streams<'k> {
    state: StreamState<'k>,
    /// Streams opened on demand this year, in the order opened.
    opened: Vec<u32>,
    /// Streams whose first block this year was computed when it started.
    prefetched: Vec<u32>,
    kernel: Kernel,
    /// What was drawn, when asked to count ([`Streams::tally_draws`]).
    tally: Option<Box<DrawTally>>,
}

/// What an engine drew, counted for the benchmarks' independent floor.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DrawTally {
    /// Draws of each distribution, by distribution (a fixed duration draws nothing).
    pub dists: Vec<(Dist, u64)>,
    /// Uniform draws below a bound ([`Draw::below`]).
    pub below: u64,
    /// Draws made from each stream directly (the race of a component's exponential modes),
    /// indexed by stream (0 for a stream never drawn from directly; the vector ends at the
    /// last one drawn from).
    pub direct: Vec<u64>,
}

// Out of line: only a counting run calls them, and inlined at every draw they would bloat
// the engine's hot code.
impl DrawTally {
    #[cold]
    #[inline(never)]
    fn count_dist(&mut self, dist: &Dist) {
        match self.dists.iter_mut().find(|(counted, _)| counted == dist) {
            Some((_, count)) => *count += 1,
            None => self.dists.push((dist.clone(), 1)),
        }
    }

    #[cold]
    #[inline(never)]
    fn count_direct(&mut self, index: usize) {
        // Indexed, not searched: a search of the streams counted so far made a counting run
        // of 100 copies of a model (21,000 streams) cost more than all its timed runs.
        if index >= self.direct.len() {
            self.direct.resize(index + 1, 0);
        }
        self.direct[index] += 1;
    }
}

impl<'k> Streams<'k> {
    /// Room for one stream per key, with the fastest kernel this CPU runs; none is open yet.
    pub fn new(keys: &'k [StreamKey]) -> Streams<'k> {
        Streams::with_kernel(keys, Kernel::detect())
    }

    /// As [`Streams::new`], computing batches of blocks with `kernel` (which must be one of
    /// [`Kernel::available`]).
    pub fn with_kernel(keys: &'k [StreamKey], kernel: Kernel) -> Streams<'k> {
        Streams {
            state: StreamState {
                keys,
                cursors: vec![Cursor::default(); keys.len()],
                blocks: vec![Line([0; BLOCK_WORDS]); keys.len()],
                year: 0,
                epoch: 1,
                selected: 0,
            },
            opened: Vec::new(),
            prefetched: Vec::new(),
            kernel,
            tally: None,
        }
    }

    /// Counts every draw from now on, in [`Streams::tally`]; a benchmark's counting pass,
    /// never a timed one, pays for it.
    pub fn tally_draws(&mut self) {
        self.tally.get_or_insert_default();
    }

    /// The draws counted since [`Streams::tally_draws`].
    pub fn tally(&self) -> Option<&DrawTally> {
        self.tally.as_deref()
    }

    /// Starts a new year (or the same year again: its streams start over too): every
    /// stream will be reopened at its first draw, and those drawn from last year have their
    /// first block computed now, in batches. Never inlined: it runs once a year, and kept
    /// out of the engine's year it leaves the compiler's inlining of the event loop alone.
    #[inline(never)]
    pub fn start_year(&mut self, year: u64) {
        let cursors = &self.state.cursors;
        self.prefetched.append(&mut self.opened);
        self.prefetched
            .retain(|&index| cursors[index as usize].words_drawn() > 0);
        self.state.next_epoch(year);
        self.prefetch();
    }

    /// Computes block 0 of every stream in `prefetched` for the year just started.
    fn prefetch(&mut self) {
        let state = &mut self.state;
        for batch in self.prefetched.chunks(LANES) {
            let last = batch.len() - 1;
            let keys = std::array::from_fn(|lane| state.keys[batch[lane.min(last)] as usize].0);
            let blocks = self.kernel.blocks(&keys, batch.len(), 0, state.year);
            for (&index, block) in batch.iter().zip(blocks) {
                let index = index as usize;
                state.blocks[index] = Line(block);
                state.cursors[index] = Cursor {
                    counter: 1,
                    epoch: state.epoch,
                    next: 0,
                };
            }
        }
    }

    /// One draw of `dist` from stream `index`, as the engine makes it: a fixed duration
    /// takes its value without opening the stream.
    #[inline]
    pub fn draw(&mut self, index: usize, dist: &Dist) -> Duration {
        self.sample(index, dist, |tally| tally.count_dist(dist))
    }

    /// A uniform draw in `[0, bound)` from stream `index`; zero, without a draw, when
    /// `bound` is zero.
    #[inline]
    pub fn draw_below(&mut self, index: usize, bound: Duration) -> Duration {
        match Dist::uniform(Duration::ZERO, bound) {
            Ok(dist) => self.sample(index, &dist, |tally| tally.below += 1),
            Err(_) => Duration::ZERO,
        }
    }

    /// One draw of `dist` from stream `index`, counted by `count` when counting.
    #[inline]
    fn sample(
        &mut self,
        index: usize,
        dist: &Dist,
        count: impl FnOnce(&mut DrawTally),
    ) -> Duration {
        match dist.fixed_value() {
            Some(value) => value,
            None => {
                if let Some(tally) = &mut self.tally {
                    count(tally);
                }
                dist.sample(self.open(index))
            }
        }
    }

    /// Stream `index`, as a mechanism draws from it.
    #[inline]
    pub fn on(&mut self, index: usize) -> StreamDraw<'_, 'k> {
        StreamDraw {
            streams: self,
            index,
        }
    }

    /// Stream `index`, opened for the current year on first use, to draw from directly.
    #[inline]
    pub fn get(&mut self, index: usize) -> &mut StreamState<'k> {
        if let Some(tally) = &mut self.tally {
            tally.count_direct(index);
        }
        self.open(index)
    }

    /// Asks the processor to bring stream `index`'s cursor and block into the cache, for a
    /// draw expected soon; changes nothing else. An engine with thousands of replicas touches
    /// each stream a few times a year at random instants, so without it nearly every draw
    /// waits for memory.
    #[inline(always)]
    pub fn prefetch_stream(&self, index: usize) {
        if let (Some(cursor), Some(line)) =
            (self.state.cursors.get(index), self.state.blocks.get(index))
        {
            super::prefetch::line(cursor);
            super::prefetch::line(line);
        }
    }

    /// Stream `index`, opened for the current year on first use.
    #[inline]
    fn open(&mut self, index: usize) -> &mut StreamState<'k> {
        if self.state.cursors[index].epoch != self.state.epoch {
            self.open_unprefetched(index);
        }
        self.state.selected = index;
        &mut self.state
    }

    /// Opens stream `index` for the current year, its first block not yet computed. Out of
    /// line: inlined at every draw, its list push would bloat each of them.
    #[cold]
    #[inline(never)]
    fn open_unprefetched(&mut self, index: usize) {
        self.state.cursors[index] = Cursor {
            counter: 0,
            epoch: self.state.epoch,
            next: BLOCK_WORDS as u32,
        };
        self.opened.push(index as u32);
    }
}

impl StreamState<'_> {
    /// Moves to `year`: every cursor becomes stale at once.
    fn next_epoch(&mut self, year: u64) {
        self.year = year;
        self.epoch = self.epoch.wrapping_add(1);
        if self.epoch == 0 {
            // After 2^32 years in one engine, epochs come round again: forget them all.
            self.cursors.iter_mut().for_each(|cursor| cursor.epoch = 0);
            self.epoch = 1;
        }
    }

    /// The next word of the selected stream.
    #[inline]
    fn word(&mut self) -> u32 {
        let index = self.selected;
        if self.cursors[index].next as usize == BLOCK_WORDS {
            self.refill(index);
        }
        let cursor = &mut self.cursors[index];
        let word = self.blocks[index].0[cursor.next as usize];
        cursor.next += 1;
        word
    }

    /// The next 64-bit draw when fewer than two words are left in the block: one word from
    /// this block (if any) and one from the next.
    #[cold]
    #[inline(never)]
    fn straddling_u64(&mut self) -> u64 {
        let low = self.word();
        u64::from(self.word()) << 32 | u64::from(low)
    }

    /// Computes the next block of stream `index` and rewinds to its first word.
    #[cold]
    fn refill(&mut self, index: usize) {
        let cursor = &mut self.cursors[index];
        self.blocks[index] = Line(chacha8_block(
            &self.keys[index].0,
            cursor.counter,
            self.year,
        ));
        cursor.counter = cursor.counter.wrapping_add(1);
        cursor.next = 0;
    }
}

impl TryRng for StreamState<'_> {
    type Error = Infallible;

    #[inline]
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        Ok(self.word())
    }

    // Always inlined, with the rare path out of line: this is every draw's hot path, and
    // left to itself the compiler calls it out of line, which costs more than the draw.
    #[inline(always)]
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        let index = self.selected;
        let cursor = &mut self.cursors[index];
        let next = cursor.next as usize;
        if next + 2 <= BLOCK_WORDS {
            let block = &self.blocks[index].0;
            cursor.next += 2;
            return Ok(u64::from(block[next + 1]) << 32 | u64::from(block[next]));
        }
        Ok(self.straddling_u64())
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        super::fill_bytes_by_words(dst, || self.word());
        Ok(())
    }
}

/// One stream of a [`Streams`], lent to a mechanism for its draws.
pub struct StreamDraw<'s, 'k> {
    streams: &'s mut Streams<'k>,
    index: usize,
}

impl Draw for StreamDraw<'_, '_> {
    #[inline]
    fn draw(&mut self, dist: &Dist) -> Duration {
        self.streams.draw(self.index, dist)
    }

    #[inline]
    fn below(&mut self, bound: Duration) -> Duration {
        self.streams.draw_below(self.index, bound)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::ChaCha8Rng;
    use rand::{Rng, SeedableRng};

    fn keys(count: usize) -> Vec<StreamKey> {
        (0..count)
            .map(|i| StreamKey::derive(7, &format!("s/{i}")))
            .collect()
    }

    #[test]
    fn lazy_streams_restart_each_year() {
        let keys = keys(2);
        let mut streams = Streams::new(&keys);
        streams.start_year(3);
        let first = streams.get(1).next_u64();
        streams.start_year(4);
        let other_year = streams.get(1).next_u64();
        streams.start_year(3);
        assert_eq!(streams.get(1).next_u64(), first);
        assert_ne!(first, other_year);
        assert_eq!(first, keys[1].open(3).next_u64());
    }

    /// Whatever was prefetched, with every kernel (the scalar one forced too), every stream
    /// hands out `rand`'s `ChaCha8Rng` words for its key and year: streams drawn
    /// some years and not others, some for many blocks, u32 and u64 draws mixed, over
    /// enough streams for full and partial batches.
    #[test]
    fn prefetched_streams_draw_the_standalone_words() {
        let keys = keys(21);
        for kernel in Kernel::available() {
            let mut streams = Streams::with_kernel(&keys, kernel);
            for year in [5, 6, 7, 7, 1_000_000, 8, 9, 10] {
                streams.start_year(year);
                for (index, key) in keys.iter().enumerate() {
                    // Stream i is drawn in years where (year + i) % 3 != 0, i % 5 blocks' worth.
                    if (year as usize + index).is_multiple_of(3) {
                        continue;
                    }
                    let mut reference = ChaCha8Rng::from_seed(key.seed_bytes());
                    reference.set_stream(year);
                    for draw in 0..(index % 5) * 8 + 1 {
                        if draw.is_multiple_of(3) {
                            assert_eq!(streams.get(index).next_u32(), reference.next_u32());
                        } else {
                            let got = streams.get(index).next_u64();
                            assert_eq!(got, reference.next_u64(), "{kernel:?} year {year}");
                        }
                    }
                }
            }
            assert!(
                !streams.prefetched.is_empty(),
                "{kernel:?} prefetched nothing"
            );
        }
    }

    /// A stream prefetched but not drawn is not predicted again, and one opened on demand is.
    #[test]
    fn prediction_follows_last_years_draws() {
        let keys = keys(3);
        let mut streams = Streams::new(&keys);
        streams.start_year(0);
        streams.get(0).next_u64();
        streams.get(2).next_u64();
        streams.start_year(1);
        assert_eq!(streams.prefetched, [0, 2]);
        streams.get(2).next_u64();
        streams.get(1).next_u32();
        streams.start_year(2);
        assert_eq!(streams.prefetched, [2, 1]);
    }

    #[test]
    fn epochs_come_round_without_reusing_a_year() {
        let keys = keys(1);
        let mut streams = Streams::new(&keys);
        streams.start_year(1);
        let first = streams.get(0).next_u64();
        streams.state.epoch = u32::MAX;
        streams.start_year(1);
        assert_eq!(streams.state.epoch, 1);
        assert_eq!(streams.get(0).next_u64(), first);
    }
}
