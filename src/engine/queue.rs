//! The future-event list: a binary heap ordered by time, first-in first-out among equal times.
//!
//! As in nexosim's scheduler, ties are broken by an insertion counter, so events scheduled
//! for the same microsecond are handled in the order they were scheduled. Time and counter
//! are packed into one `u128` so each comparison is a single integer compare.

use crate::time::Duration;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// A min-queue of `(time, event)` pairs with FIFO tie-breaking.
#[derive(Debug)]
pub struct EventQueue<E> {
    heap: BinaryHeap<Reverse<Entry<E>>>,
    next_seq: u64,
}

#[derive(Debug)]
struct Entry<E> {
    key: u128,
    event: E,
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}

impl<E> Eq for Entry<E> {}

impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl<E> Ord for Entry<E> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.key.cmp(&other.key)
    }
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        EventQueue {
            heap: BinaryHeap::new(),
            next_seq: 0,
        }
    }
}

impl<E> EventQueue<E> {
    /// Schedules `event` at `time`.
    pub fn push(&mut self, time: Duration, event: E) {
        let key = (u128::from(time.as_micros()) << 64) | u128::from(self.next_seq);
        self.next_seq += 1;
        self.heap.push(Reverse(Entry { key, event }));
    }

    /// Removes and returns the earliest event; among equal times, the first scheduled.
    pub fn pop(&mut self) -> Option<(Duration, E)> {
        self.heap.pop().map(|Reverse(entry)| {
            let time = Duration::from_micros((entry.key >> 64) as u64);
            (time, entry.event)
        })
    }

    /// Empties the queue, keeping its allocation for the next year.
    pub fn clear(&mut self) {
        self.heap.clear();
        self.next_seq = 0;
    }

    /// Number of pending events.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// True when no event is pending.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn equal_times_pop_in_insertion_order() {
        let mut queue = EventQueue::default();
        let t = Duration::from_secs(5);
        for label in ["a", "b", "c"] {
            queue.push(t, label);
        }
        queue.push(Duration::from_secs(1), "first");
        let order: Vec<_> = std::iter::from_fn(|| queue.pop()).map(|(_, e)| e).collect();
        assert_eq!(order, ["first", "a", "b", "c"]);
    }

    proptest! {
        /// Whatever is pushed comes out sorted by time, and by insertion among equal times.
        #[test]
        fn pops_are_stably_sorted(times in proptest::collection::vec(0u64..20, 0..200)) {
            let mut queue = EventQueue::default();
            for (i, t) in times.iter().enumerate() {
                queue.push(Duration::from_micros(*t), i);
            }
            let mut expected: Vec<(u64, usize)> = times.iter().copied().zip(0..).collect();
            expected.sort();
            let popped: Vec<(u64, usize)> =
                std::iter::from_fn(|| queue.pop()).map(|(t, i)| (t.as_micros(), i)).collect();
            prop_assert_eq!(popped, expected);
        }
    }
}
