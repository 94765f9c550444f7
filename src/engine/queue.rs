//! The future-event list: a heap ordered by time, first-in first-out among equal times.
//!
//! As in nexosim's scheduler, ties are broken by an insertion counter, so events scheduled
//! for the same microsecond are handled in the order they were scheduled. Time and counter
//! are packed into one `u128` so each comparison is a single integer compare, and keys are
//! unique.
//!
//! The heap is 4-ary (each node has four children, D. B. Johnson, "Priority queues with
//! update and finding minimum spanning trees", Inf. Process. Lett. 4, 1975): half as deep
//! as a binary heap, and a node's children share a cache line. Sifting moves a hole
//! instead of swapping, so each level costs one copy of an entry. A queue holds about one
//! event per replica, so it stays small and allocated from year to year.

use crate::time::Duration;

/// Children per node.
const ARITY: usize = 4;

/// A min-queue of `(time, event)` pairs with FIFO tie-breaking.
#[derive(Debug)]
pub struct EventQueue<E> {
    heap: Vec<Entry<E>>,
    next_seq: u64,
}

#[derive(Clone, Copy, Debug)]
struct Entry<E> {
    key: u128,
    event: E,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        EventQueue {
            heap: Vec::new(),
            next_seq: 0,
        }
    }
}

impl<E: Copy> EventQueue<E> {
    /// Schedules `event` at `time`.
    #[inline]
    pub fn push(&mut self, time: Duration, event: E) {
        let entry = Entry {
            key: (u128::from(time.as_micros()) << 64) | u128::from(self.next_seq),
            event,
        };
        self.next_seq += 1;
        // Sift up: move parents down into the hole until the entry's place is found.
        let mut hole = self.heap.len();
        self.heap.push(entry);
        while hole > 0 {
            let parent = (hole - 1) / ARITY;
            if self.heap[parent].key < entry.key {
                break;
            }
            self.heap[hole] = self.heap[parent];
            hole = parent;
        }
        self.heap[hole] = entry;
    }

    /// Removes and returns the earliest event; among equal times, the first scheduled.
    #[inline]
    pub fn pop(&mut self) -> Option<(Duration, E)> {
        let last = self.heap.pop()?;
        let top = match self.heap.first() {
            Some(top) => *top,
            None => return Some(split(last)),
        };
        // Sift the last entry down from the root: move the least child up into the hole
        // until the entry is no later than every child.
        let len = self.heap.len();
        let mut hole = 0;
        loop {
            let first = hole * ARITY + 1;
            if first >= len {
                break;
            }
            // Branch-free selection: which child is least is a coin toss the branch
            // predictor would lose.
            let mut least = first;
            let mut least_key = self.heap[first].key;
            for child in first + 1..len.min(first + ARITY) {
                let key = self.heap[child].key;
                let less = key < least_key;
                least = if less { child } else { least };
                least_key = if less { key } else { least_key };
            }
            if last.key < least_key {
                break;
            }
            self.heap[hole] = self.heap[least];
            hole = least;
        }
        self.heap[hole] = last;
        Some(split(top))
    }
}

impl<E> EventQueue<E> {
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

fn split<E>(entry: Entry<E>) -> (Duration, E) {
    (Duration::from_micros((entry.key >> 64) as u64), entry.event)
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

        /// Pops interleaved with pushes (as in a simulation) still come out in order.
        #[test]
        fn interleaved_pushes_and_pops_stay_sorted(
            steps in proptest::collection::vec((0u64..50, any::<bool>()), 0..300),
        ) {
            let mut queue = EventQueue::default();
            let mut reference = std::collections::BTreeSet::new();
            for (seq, (t, pop)) in steps.iter().enumerate() {
                if *pop {
                    let expected = reference.pop_first().map(|(t, seq)| (Duration::from_micros(t), seq));
                    prop_assert_eq!(queue.pop(), expected);
                } else {
                    queue.push(Duration::from_micros(*t), seq);
                    reference.insert((*t, seq));
                }
                prop_assert_eq!(queue.len(), reference.len());
            }
        }
    }
}
