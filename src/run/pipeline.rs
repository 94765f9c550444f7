//! The hand-off of chunks of years, simulated in parallel, to one consumer in year order.
//!
//! Each worker thread claims the next chunk, simulates it and lays it in its place; the
//! thread that lays the chunk the consumer waits for consumes it and every chunk ready
//! after it, while the other threads go on simulating. No thread waits for a batch of
//! chunks to finish: a worker waits only when it is a window of chunks ahead of the
//! consumer, which bounds the chunks in flight, and so the memory, whatever the years.

use super::SimulateError;
use std::collections::VecDeque;
use std::ops::Range;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

/// Chunks per thread that may be simulated ahead of the consumer: enough that a chunk of
/// slow years holds no thread up, few enough that the chunks in flight stay small.
const CHUNKS_PER_THREAD: u64 = 8;

/// The parallel pipeline every run of years shares (and the random-number floor):
/// `simulate` turns a chunk of `chunk_years` years into a result with the state `init` makes once per
/// worker, writing into a result already consumed (or a default one), and `consume` gets
/// the chunks in year order, one at a time. Setting `stop` ends it with
/// [`SimulateError::Interrupted`], no chunk consumed after the consumer has seen it (so
/// none that `simulate` cut short), unless every chunk was consumed by then; an error of
/// `consume` ends it at once.
pub(crate) fn pipeline<S, C: Send + Default, E: Send>(
    years: Range<u64>,
    chunk_years: u64,
    threads: usize,
    stop: &AtomicBool,
    init: impl Fn() -> S + Sync,
    simulate: impl Fn(&mut S, Range<u64>, &mut C) + Sync,
    consume: impl FnMut(&mut C) -> Result<(), E> + Send,
) -> Result<(), SimulateError<E>> {
    let chunk_years = chunk_years.max(1);
    let chunks = (years.end.saturating_sub(years.start)).div_ceil(chunk_years);
    let threads = (threads.max(1) as u64).min(chunks.max(1));
    let line = Line {
        years,
        chunk_years,
        chunks,
        window: CHUNKS_PER_THREAD * threads,
        order: Mutex::new(Order::default()),
        room: Condvar::new(),
        consume: Mutex::new(consume),
    };
    let work = || line.work(stop, &init, &simulate);
    let started = std::thread::scope(|scope| {
        for _ in 1..threads {
            if let Err(error) = std::thread::Builder::new().spawn_scoped(scope, work) {
                line.lock().halted = true;
                line.room.notify_all();
                return Err(error);
            }
        }
        work();
        Ok(())
    });
    started.map_err(SimulateError::Threads)?;
    let order = line
        .order
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner);
    match order.failed {
        Some(error) => Err(SimulateError::Sink(error)),
        // A stop that came after the last chunk was consumed cut nothing short.
        None if order.consumed < chunks && stop.load(Ordering::Relaxed) => {
            Err(SimulateError::Interrupted)
        }
        None => Ok(()),
    }
}

/// Where the chunks stand, behind the line's lock.
struct Order<C, E> {
    /// Chunks claimed so far: the next to claim.
    claimed: u64,
    /// The index of the first chunk of `laid`.
    front: u64,
    /// Chunks the consumer has consumed.
    consumed: u64,
    /// The chunks `front..claimed` in year order, `None` while being simulated.
    laid: VecDeque<Option<C>>,
    /// Buffers of chunks consumed, for the next claims.
    spare: Vec<C>,
    /// Whether a thread is consuming (only one ever does at once).
    consuming: bool,
    /// No more claims: the consumer saw the stop flag, a thread panicked or none started.
    halted: bool,
    /// The consumer's error, which also ends the claims.
    failed: Option<E>,
}

impl<C, E> Default for Order<C, E> {
    fn default() -> Self {
        Order {
            claimed: 0,
            front: 0,
            consumed: 0,
            laid: VecDeque::new(),
            spare: Vec::new(),
            consuming: false,
            halted: false,
            failed: None,
        }
    }
}

/// What the worker threads share.
struct Line<C, E, F> {
    years: Range<u64>,
    /// Years of every chunk but perhaps the last.
    chunk_years: u64,
    chunks: u64,
    /// The most chunks claimed and not yet taken by the consumer.
    window: u64,
    order: Mutex<Order<C, E>>,
    /// Signalled when the consumer takes chunks, or the run halts.
    room: Condvar,
    /// Locked only by the thread that set [`Order::consuming`].
    consume: Mutex<F>,
}

impl<C: Default, E, F: FnMut(&mut C) -> Result<(), E>> Line<C, E, F> {
    fn lock(&self) -> MutexGuard<'_, Order<C, E>> {
        self.order.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// One worker: claims, simulates and lays chunks until none are left or the run halts.
    fn work<S>(
        &self,
        stop: &AtomicBool,
        init: &impl Fn() -> S,
        simulate: &impl Fn(&mut S, Range<u64>, &mut C),
    ) {
        let _halt = HaltOnPanic(self);
        let mut state = None;
        let mut ready = Vec::new();
        while let Some((index, mut chunk)) = self.claim(stop) {
            let start = self.years.start + index * self.chunk_years;
            let range = start..self.years.end.min(start + self.chunk_years);
            simulate(state.get_or_insert_with(init), range, &mut chunk);
            self.lay(index, chunk, stop, &mut ready);
        }
    }

    /// The next chunk's index and a buffer for it, once it is within the window of the
    /// consumer; `None` when every chunk is claimed or the run halts.
    fn claim(&self, stop: &AtomicBool) -> Option<(u64, C)> {
        let mut order = self.lock();
        loop {
            let over = order.halted || order.failed.is_some() || order.claimed == self.chunks;
            if over || stop.load(Ordering::Relaxed) {
                return None;
            }
            if order.claimed < order.front + self.window {
                break;
            }
            order = self
                .room
                .wait(order)
                .unwrap_or_else(PoisonError::into_inner);
        }
        let index = order.claimed;
        order.claimed += 1;
        order.laid.push_back(None);
        let chunk = order.spare.pop().unwrap_or_default();
        Some((index, chunk))
    }

    /// Lays chunk `index` in its place and, unless another thread is consuming, consumes
    /// every chunk ready in order (`ready` is this thread's buffer for taking them).
    fn lay(&self, index: u64, chunk: C, stop: &AtomicBool, ready: &mut Vec<C>) {
        let mut order = self.lock();
        let place = (index - order.front) as usize;
        order.laid[place] = Some(chunk);
        if order.consuming {
            return;
        }
        order.consuming = true;
        loop {
            while let Some(Some(_)) = order.laid.front() {
                ready.extend(order.laid.pop_front().flatten());
                order.front += 1;
            }
            if !ready.is_empty() {
                // The window moved: a worker waiting at its edge claims on now, beside the
                // consumption rather than after it.
                self.room.notify_all();
            }
            if ready.is_empty() || order.halted || order.failed.is_some() {
                order.consuming = false;
                ready.clear();
                return;
            }
            drop(order);
            let (consumed, end) = self.consume_ready(ready, stop);
            order = self.lock();
            order.consumed += consumed as u64;
            order.spare.extend(ready.drain(..consumed));
            ready.clear();
            match end {
                Some(Err(error)) => order.failed = Some(error),
                Some(Ok(())) => order.halted = true,
                None => {}
            }
            self.room.notify_all();
        }
    }

    /// Consumes `ready` in order, up to the stop flag or the consumer's first error: how
    /// many were consumed, and why it ended early (`Ok` for the stop flag).
    fn consume_ready(&self, ready: &mut [C], stop: &AtomicBool) -> (usize, Option<Result<(), E>>) {
        let mut consume = self.consume.lock().unwrap_or_else(PoisonError::into_inner);
        for (consumed, chunk) in ready.iter_mut().enumerate() {
            // A chunk whose simulation saw the flag may be cut short: it is never consumed.
            if stop.load(Ordering::Relaxed) {
                return (consumed, Some(Ok(())));
            }
            if let Err(error) = (*consume)(chunk) {
                return (consumed, Some(Err(error)));
            }
        }
        (ready.len(), None)
    }
}

/// Halts the line when its thread unwinds, so that the other workers stop waiting for a
/// chunk that will never be laid (the scope then passes the panic on).
struct HaltOnPanic<'a, C, E, F>(&'a Line<C, E, F>);

impl<C, E, F> Drop for HaltOnPanic<'_, C, E, F> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let line = self.0;
            line.order
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .halted = true;
            line.room.notify_all();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::CHUNK_YEARS;

    /// A chunk that knows its years: `simulate` writes them, `consume` checks their order.
    type Years = Vec<u64>;

    /// Runs the pipeline over `years` on `threads`, simulating each chunk as its list of
    /// years (after `before` has looked at its start), and consumes through `consume`.
    fn run(
        years: Range<u64>,
        threads: usize,
        stop: &AtomicBool,
        before: impl Fn(u64) + Sync,
        consume: impl FnMut(&mut Years) -> Result<(), String> + Send,
    ) -> Result<(), SimulateError<String>> {
        pipeline(
            years,
            CHUNK_YEARS,
            threads,
            stop,
            || (),
            |_, range, chunk: &mut Years| {
                before(range.start);
                chunk.clear();
                chunk.extend(range);
            },
            consume,
        )
    }

    /// Every year arrives once, in order, whatever the threads and however the chunks end
    /// (a short last chunk, more threads than chunks, one thread, nothing at all).
    #[test]
    fn every_year_is_consumed_once_in_order() {
        for (years, threads) in [
            (0..0, 2),
            (5..9, 8),
            (0..1000, 1),
            (3..2000, 2),
            (0..700, 5),
        ] {
            let mut seen = Vec::new();
            let stop = AtomicBool::new(false);
            run(
                years.clone(),
                threads,
                &stop,
                |_| {},
                |chunk| {
                    seen.extend_from_slice(chunk);
                    Ok(())
                },
            )
            .unwrap();
            assert_eq!(seen, years.collect::<Vec<_>>(), "{threads} threads");
        }
    }

    /// Chunks that finish out of order (some much slower) still arrive in order, and no
    /// worker claims a chunk more than the window (plus the chunks being consumed) ahead.
    #[test]
    fn slow_chunks_hold_no_year_out_of_order() {
        use std::sync::atomic::AtomicU64;
        let threads = 3;
        let window = CHUNKS_PER_THREAD * threads as u64;
        let consumed = AtomicU64::new(0);
        let farthest_ahead = AtomicU64::new(0);
        let claimed = |start: u64| {
            let index = start / CHUNK_YEARS;
            let ahead = index.saturating_sub(consumed.load(Ordering::SeqCst));
            farthest_ahead.fetch_max(ahead, Ordering::SeqCst);
            if index.is_multiple_of(5) {
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
        };
        let mut seen = Vec::new();
        let stop = AtomicBool::new(false);
        run(0..60 * CHUNK_YEARS, threads, &stop, claimed, |chunk| {
            seen.extend_from_slice(chunk);
            consumed.fetch_add(1, Ordering::SeqCst);
            Ok(())
        })
        .unwrap();
        assert_eq!(seen, (0..60 * CHUNK_YEARS).collect::<Vec<_>>());
        let ahead = farthest_ahead.into_inner();
        assert!(ahead < 2 * window, "{ahead} chunks ahead of the consumer");
    }

    /// Runs `chunks` chunks on two threads, the consumer setting the stop flag once it has
    /// consumed `stop_at` chunks: how the run ended, and the years consumed.
    fn stopped(chunks: u64, stop_at: u64) -> (Result<(), SimulateError<String>>, Vec<u64>) {
        let stop = AtomicBool::new(false);
        let mut seen = Vec::new();
        let ended = run(
            0..chunks * CHUNK_YEARS,
            2,
            &stop,
            |_| {},
            |chunk| {
                seen.extend_from_slice(chunk);
                if seen.len() as u64 == stop_at * CHUNK_YEARS {
                    stop.store(true, Ordering::Relaxed);
                }
                Ok(())
            },
        );
        (ended, seen)
    }

    /// The stop flag ends the run with `Interrupted` after a prefix of whole chunks.
    #[test]
    fn a_stop_consumes_a_prefix_of_whole_chunks() {
        let (ended, seen) = stopped(100, 10);
        assert!(matches!(ended, Err(SimulateError::Interrupted)));
        assert_eq!(seen, (0..10 * CHUNK_YEARS).collect::<Vec<_>>());
    }

    /// A stop after the last chunk was consumed cut nothing short: the run is whole.
    #[test]
    fn a_stop_after_the_last_chunk_is_no_interruption() {
        let (ended, seen) = stopped(10, 10);
        assert!(ended.is_ok(), "{ended:?}");
        assert_eq!(seen, (0..10 * CHUNK_YEARS).collect::<Vec<_>>());
    }

    /// The consumer's first error ends the run with that error; nothing after it is
    /// consumed.
    #[test]
    fn the_consumers_error_ends_the_run() {
        let stop = AtomicBool::new(false);
        let mut chunks = 0;
        let ended = run(
            0..50 * CHUNK_YEARS,
            2,
            &stop,
            |_| {},
            |chunk| {
                if chunk[0] == 7 * CHUNK_YEARS {
                    return Err("full disk".to_string());
                }
                chunks += 1;
                Ok(())
            },
        );
        assert!(matches!(ended, Err(SimulateError::Sink(e)) if e == "full disk"));
        assert_eq!(chunks, 7);
    }

    /// A worker's panic reaches the caller; the other workers stop waiting for its chunk.
    #[test]
    fn a_workers_panic_is_passed_on_without_a_hang() {
        let stop = AtomicBool::new(false);
        let ended = std::panic::catch_unwind(|| {
            run(
                0..200 * CHUNK_YEARS,
                2,
                &stop,
                |start| {
                    assert_ne!(start, 3 * CHUNK_YEARS, "a bug in one chunk");
                },
                |_| Ok(()),
            )
        });
        assert!(ended.is_err());
    }
}
