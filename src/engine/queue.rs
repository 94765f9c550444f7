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
//! event per replica and stays allocated from year to year.
//!
//! **Buckets.** With thousands of replicas the heap would hold thousands of events, most of
//! them failures months ahead, and every event would sift through all its levels (a heap
//! of 2,100 is twice as deep as one of 21, and spills the first-level cache). So a queue
//! made for a horizon ([`EventQueue::for_horizon`]) holds in its heap only the events
//! before the end of the current time bucket; later ones wait unsorted in their bucket (a
//! power-of-two span of microseconds), and a bucket's events join the heap when the heap
//! runs empty. Every event in the heap is earlier than every event in a bucket, and buckets
//! are taken in time order, so pops come in exactly the heap's order: the same keys, the
//! same sequence, whatever the buckets.

use crate::time::Duration;

/// Children per node.
const ARITY: usize = 4;

/// A min-queue of `(time, event)` pairs with FIFO tie-breaking.
///
/// A popped entry stays at the root as a vacancy until the next operation: a push then
/// takes its place and sifts down once (replace-top), instead of the pop sifting the last
/// entry down and the push sifting up again. A handler usually schedules one event for the
/// one it handles, so most events cost one sift instead of two. Keys are unique, so the
/// order of pops is that of the keys whatever the heap's layout: the same as popping at
/// once (`old_and_new_disciplines_pop_alike` tests it).
#[derive(Debug)]
pub struct EventQueue<E> {
    heap: Vec<Entry<E>>,
    next_seq: u64,
    /// Whether `heap[0]` was popped and is waiting to be replaced or removed.
    vacant_root: bool,
    /// The events at or after the heap's end, by time bucket (see the module's doc).
    later: Buckets<E>,
}

/// Events waiting for their span of time, unsorted: bucket `i` holds those at times in
/// `[i << shift, (i + 1) << shift)`, the last bucket every later one too.
///
/// A bucket is a list threaded through one pool of slots, not a vector of its own: with a
/// bucket per pending event, thousands of vectors' headers and buffers would each be a cache
/// line touched at random, where the list heads are 4 bytes each and a freed slot is reused
/// first, while it is still in the cache.
#[derive(Debug)]
struct Buckets<E> {
    /// Each bucket's last added event, a slot; [`NO_SLOT`] when the bucket is empty.
    heads: Vec<u32>,
    /// The pool of waiting events.
    slots: Vec<Entry<E>>,
    /// For each slot, the next slot of its bucket's list, or of the free list.
    next: Vec<u32>,
    /// The most recently freed slot ([`NO_SLOT`] when none is free).
    free: u32,
    /// One bit per bucket, set while it holds events: finding the next one skips empty
    /// buckets 64 at a time.
    occupied: Vec<u64>,
    /// Events held in buckets.
    len: usize,
    /// Microseconds a bucket spans, as a power of two.
    shift: u32,
    /// The heap holds the events before this time, the buckets those from it on: the end
    /// of the bucket last moved into the heap, or of the first when a year starts (0 when
    /// the queue is made: its first pop moves the first bucket); `u64::MAX` without
    /// buckets, or once the last bucket was moved.
    heap_end: u64,
}

/// The end of a list of slots.
const NO_SLOT: u32 = u32::MAX;

#[derive(Clone, Copy, Debug)]
struct Entry<E> {
    key: u128,
    event: E,
}

impl<E> Default for EventQueue<E> {
    /// A queue of one heap, without buckets: best for a few events at a time.
    fn default() -> Self {
        EventQueue {
            heap: Vec::new(),
            next_seq: 0,
            vacant_root: false,
            later: Buckets::none(),
        }
    }
}

/// Fewest buckets worth having: below this many pending events one heap is as fast.
const MIN_BUCKETS: usize = 64;

impl<E> Buckets<E> {
    fn none() -> Buckets<E> {
        Buckets {
            heads: Vec::new(),
            slots: Vec::new(),
            next: Vec::new(),
            free: NO_SLOT,
            occupied: Vec::new(),
            len: 0,
            shift: 0,
            heap_end: u64::MAX,
        }
    }

    /// At least `count` buckets (a power of two) spanning `horizon` microseconds.
    fn new(horizon: u64, count: usize) -> Buckets<E> {
        let count = count.next_power_of_two();
        let span = horizon.div_ceil(count as u64).max(1);
        Buckets {
            heads: vec![NO_SLOT; count],
            occupied: vec![0; count.div_ceil(64)],
            shift: span.next_power_of_two().trailing_zeros(),
            heap_end: 0,
            ..Buckets::none()
        }
    }

    /// The bucket an event at `time` waits in; `None` if it belongs in the heap.
    #[inline(always)]
    fn of(&self, time: u64) -> Option<usize> {
        // Without buckets, or past the last, the heap holds everything (`Duration::NEVER`,
        // `u64::MAX`, too).
        if time < self.heap_end || self.heap_end == u64::MAX {
            return None;
        }
        Some(((time >> self.shift) as usize).min(self.heads.len() - 1))
    }

    /// The earliest bucket holding events (all are at or after the heap's end).
    fn first_occupied(&self) -> Option<usize> {
        let from = (self.heap_end >> self.shift) as usize;
        let mut word = from / 64;
        let mut bits = *self.occupied.get(word)? & (u64::MAX << (from % 64));
        while bits == 0 {
            word += 1;
            bits = *self.occupied.get(word)?;
        }
        Some(word * 64 + bits.trailing_zeros() as usize)
    }

    /// Empties every bucket, keeping the allocations; the heap ends with the first.
    fn clear(&mut self) {
        if self.heads.is_empty() {
            return;
        }
        for (word, bits) in self.occupied.iter_mut().enumerate() {
            let mut rest = std::mem::take(bits);
            while rest != 0 {
                self.heads[word * 64 + rest.trailing_zeros() as usize] = NO_SLOT;
                rest &= rest - 1;
            }
        }
        self.slots.clear();
        self.next.clear();
        self.free = NO_SLOT;
        self.len = 0;
        self.heap_end = 1 << self.shift;
    }
}

impl<E: Copy> Buckets<E> {
    /// Adds `entry` to `bucket`, in the slot freed last if any.
    #[inline(always)]
    fn push(&mut self, bucket: usize, entry: Entry<E>) {
        let slot = if self.free == NO_SLOT {
            self.slots.push(entry);
            self.next.push(NO_SLOT);
            self.slots.len() - 1
        } else {
            let slot = self.free as usize;
            self.free = self.next[slot];
            self.slots[slot] = entry;
            slot
        };
        self.next[slot] = self.heads[bucket];
        debug_assert!(
            slot < NO_SLOT as usize,
            "more waiting events than slots can name"
        );
        self.heads[bucket] = slot as u32;
        self.occupied[bucket / 64] |= 1 << (bucket % 64);
        self.len += 1;
    }

    /// Takes the events of `bucket`, the earliest occupied, to `to`; the heap now ends with it.
    fn drain_into(&mut self, bucket: usize, to: &mut Vec<Entry<E>>) {
        let mut slot = std::mem::replace(&mut self.heads[bucket], NO_SLOT);
        while slot != NO_SLOT {
            let index = slot as usize;
            to.push(self.slots[index]);
            slot = std::mem::replace(&mut self.next[index], self.free);
            self.free = index as u32;
            self.len -= 1;
        }
        self.occupied[bucket / 64] &= !(1 << (bucket % 64));
        self.heap_end = if bucket + 1 == self.heads.len() {
            u64::MAX
        } else {
            ((bucket + 1) as u64) << self.shift
        };
    }
}

impl<E: Copy> EventQueue<E> {
    /// A queue for events within `horizon`, about `pending` of them pending at a time: from
    /// [`MIN_BUCKETS`] on, later events wait in time buckets rather than in the heap (see the
    /// module's doc), about one bucket per pending event. Fewer buckets (two, four or eight
    /// events each) made a heap of 2,100 events a replica-year 1,400 to 2,400 instructions
    /// dearer for 2 to 4% fewer cache misses.
    pub fn for_horizon(horizon: Duration, pending: usize) -> EventQueue<E> {
        let later = if pending < MIN_BUCKETS {
            Buckets::none()
        } else {
            Buckets::new(horizon.as_micros(), pending)
        };
        EventQueue {
            later,
            ..EventQueue::default()
        }
    }
}

impl<E: Copy> EventQueue<E> {
    /// Schedules `event` at `time`. Always inlined, as `pop`: called once or twice per
    /// event, and left out of line (fat LTO's choice) they cost a call each.
    #[inline(always)]
    pub fn push(&mut self, time: Duration, event: E) {
        let seq = self.reserve();
        self.push_reserved(time, seq, event);
    }

    /// Takes the next place in the insertion order for an event that will be pushed later
    /// with [`EventQueue::push_reserved`]: it then pops as if it had been pushed now. A
    /// mechanism that schedules several events at once but only ever needs the earliest of
    /// them queued (sessions expiring together) pushes that one alone, and the next when it
    /// is handled, with no change to the order of pops.
    #[inline(always)]
    pub fn reserve(&mut self) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        seq
    }

    /// Schedules `event` at `time` in the place `seq` of the insertion order, which
    /// [`EventQueue::reserve`] gave (each place is used once).
    #[inline(always)]
    pub fn push_reserved(&mut self, time: Duration, seq: u64, event: E) {
        let entry = Entry {
            key: (u128::from(time.as_micros()) << 64) | u128::from(seq),
            event,
        };
        if let Some(bucket) = self.later.of(time.as_micros()) {
            self.later.push(bucket, entry);
            return;
        }
        if self.vacant_root {
            self.vacant_root = false;
            self.sift_down(0, entry);
            return;
        }
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
    #[inline(always)]
    pub fn pop(&mut self) -> Option<(Duration, E)> {
        self.settle();
        if self.heap.is_empty() {
            self.take_next_bucket();
        }
        let top = *self.heap.first()?;
        self.vacant_root = true;
        Some(split(top))
    }

    /// The event most likely to be popped next, for prefetching what it will touch: the
    /// earliest pending one, unless a push comes before it. Reads at most the root's
    /// children, which the next sift reads anyway.
    #[inline(always)]
    pub fn peek_next(&self) -> Option<&E> {
        if !self.vacant_root {
            return self.heap.first().map(|entry| &entry.event);
        }
        let children = self.heap.get(1..self.heap.len().min(1 + ARITY))?;
        children
            .iter()
            .min_by_key(|entry| entry.key)
            .map(|entry| &entry.event)
    }

    /// Removes a vacant root for good: the last entry fills it and sifts down (what a pop
    /// without replace-top does at once). Always inlined into `pop`, its one caller.
    #[inline(always)]
    fn settle(&mut self) {
        if !self.vacant_root {
            return;
        }
        self.vacant_root = false;
        if let Some(last) = self.heap.pop()
            && !self.heap.is_empty()
        {
            self.sift_down(0, last);
        }
    }

    /// Moves the earliest occupied bucket's events into the empty heap. Out of line: once
    /// per bucket, not per event.
    #[inline(never)]
    fn take_next_bucket(&mut self) {
        let Some(bucket) = self.later.first_occupied() else {
            return;
        };
        self.later.drain_into(bucket, &mut self.heap);
        // Floyd's heap construction: sift down every parent, the last first.
        for parent in (0..self.heap.len().div_ceil(ARITY)).rev() {
            let entry = self.heap[parent];
            self.sift_down(parent, entry);
        }
    }

    /// Places `entry` in the hole at `hole`, moving the least child up into the hole until
    /// the entry is no later than every child.
    #[inline]
    fn sift_down(&mut self, mut hole: usize, entry: Entry<E>) {
        let len = self.heap.len();
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
            if entry.key < least_key {
                break;
            }
            self.heap[hole] = self.heap[least];
            hole = least;
        }
        self.heap[hole] = entry;
    }
}

impl<E> EventQueue<E> {
    /// Empties the queue, keeping its allocation for the next year.
    pub fn clear(&mut self) {
        self.heap.clear();
        self.next_seq = 0;
        self.vacant_root = false;
        self.later.clear();
    }

    /// Number of pending events.
    pub fn len(&self) -> usize {
        self.heap.len() - usize::from(self.vacant_root) + self.later.len
    }

    /// True when no event is pending.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
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

    /// After `popped` was popped: if it was the earliest held event, the next one is queued.
    fn queue_next_held(
        queue: &mut EventQueue<usize>,
        held: &mut std::collections::BTreeSet<(u64, u64, usize)>,
        popped: usize,
    ) {
        if held.first().is_some_and(|&(_, _, first)| first == popped) {
            held.pop_first();
            if let Some(&(at, seq, next)) = held.first() {
                queue.push_reserved(Duration::from_micros(at), seq, next);
            }
        }
    }

    /// The queue's guess of the next event is the event popped next when nothing is pushed in
    /// between, before and after a pop leaves the root vacant.
    #[test]
    fn the_queue_peeks_at_the_next_pop() {
        let mut queue = EventQueue::default();
        for (i, t) in [9u64, 3, 7, 3, 12, 1, 8, 5].iter().enumerate() {
            queue.push(Duration::from_secs(*t), i);
        }
        while let Some(&next) = queue.peek_next() {
            assert_eq!(queue.pop().map(|(_, event)| event), Some(next));
        }
        assert_eq!(queue.pop(), None);
    }

    /// A queue small enough for buckets of 4 µs (64 buckets over 256 µs).
    fn bucketed() -> EventQueue<usize> {
        let queue = EventQueue::for_horizon(Duration::from_micros(256), 64);
        assert_eq!((queue.later.heads.len(), queue.later.shift), (64, 2));
        queue
    }

    #[test]
    fn few_pending_events_need_no_buckets() {
        let queue = EventQueue::<usize>::for_horizon(Duration::from_secs(1), 10);
        assert!(queue.later.heads.is_empty());
    }

    /// An event at the end of time waits in the heap, with buckets or without, before and
    /// after the last bucket was taken.
    #[test]
    fn an_event_at_the_end_of_time_is_kept() {
        for mut queue in [bucketed(), EventQueue::default()] {
            queue.push(Duration::NEVER, 1);
            queue.push(Duration::from_micros(300), 2);
            assert_eq!(queue.pop(), Some((Duration::from_micros(300), 2)));
            queue.push(Duration::NEVER, 3);
            assert_eq!(queue.pop(), Some((Duration::NEVER, 1)));
            assert_eq!(queue.pop(), Some((Duration::NEVER, 3)));
            assert_eq!(queue.pop(), None);
        }
    }

    proptest! {
        /// A bucketed queue pops exactly what one heap pops, event for event, with events
        /// pushed within a bucket, across buckets, past the horizon and at the time popped,
        /// over years that start again (`clear`).
        #[test]
        fn buckets_pop_as_one_heap(
            years in proptest::collection::vec(
                (
                    proptest::collection::vec(0u64..400, 0..80),
                    proptest::collection::vec(proptest::collection::vec(0u64..300, 0..3), 0..200),
                ),
                1..3,
            ),
        ) {
            let mut buckets = bucketed();
            let mut heap = EventQueue::default();
            for (initial, steps) in &years {
                buckets.clear();
                heap.clear();
                let mut label = 0;
                for t in initial {
                    buckets.push(Duration::from_micros(*t), label);
                    heap.push(Duration::from_micros(*t), label);
                    label += 1;
                }
                for pushes in steps {
                    let popped = buckets.pop();
                    prop_assert_eq!(popped, heap.pop());
                    let now = popped.map_or(0, |(at, _)| at.as_micros());
                    for delay in pushes {
                        buckets.push(Duration::from_micros(now + delay), label);
                        heap.push(Duration::from_micros(now + delay), label);
                        label += 1;
                    }
                    prop_assert_eq!(buckets.len(), heap.len());
                }
                let rest = |queue: &mut EventQueue<usize>| std::iter::from_fn(|| queue.pop()).collect::<Vec<_>>();
                prop_assert_eq!(rest(&mut buckets), rest(&mut heap));
                prop_assert!(buckets.is_empty());
            }
        }

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

        /// Events whose places were reserved together, only the earliest of them queued and
        /// the next one when it pops (as sessions expiring together are), pop exactly as
        /// when all of them are pushed at once, among other events at equal times.
        #[test]
        fn reserved_places_pop_as_pushed_at_once(
            steps in proptest::collection::vec(
                (proptest::collection::vec(0u64..4, 0..3), proptest::collection::vec(0u64..4, 0..5)),
                0..100,
            ),
        ) {
            let mut reserving = EventQueue::default();
            let mut all_at_once = EventQueue::default();
            // The batch's events not yet queued, by key.
            let mut held = std::collections::BTreeSet::new();
            let mut label = 0usize;
            let mut now = 0u64;
            for (pushes, batch) in &steps {
                for delay in pushes {
                    reserving.push(Duration::from_micros(now + delay), label);
                    all_at_once.push(Duration::from_micros(now + delay), label);
                    label += 1;
                }
                if held.is_empty() {
                    for delay in batch {
                        let seq = reserving.reserve();
                        held.insert((now + delay, seq, label));
                        all_at_once.push(Duration::from_micros(now + delay), label);
                        label += 1;
                    }
                    if let Some(&(at, seq, first)) = held.first() {
                        reserving.push_reserved(Duration::from_micros(at), seq, first);
                    }
                }
                let popped = reserving.pop();
                prop_assert_eq!(popped, all_at_once.pop());
                let Some((at, popped)) = popped else { continue };
                now = at.as_micros();
                queue_next_held(&mut reserving, &mut held, popped);
            }
            // Drained, the held events still queued one after the other.
            loop {
                let popped = reserving.pop();
                prop_assert_eq!(popped, all_at_once.pop());
                let Some((_, popped)) = popped else { break };
                queue_next_held(&mut reserving, &mut held, popped);
            }
            prop_assert!(held.is_empty());
        }

        /// Replace-top pops exactly what popping at once (the discipline before it: remove
        /// the root, sift the last entry down, then sift each push up) pops, event for
        /// event, on simulation-like sequences: each pop followed by zero to three pushes
        /// at or after its time, with many equal times.
        #[test]
        fn old_and_new_disciplines_pop_alike(
            initial in proptest::collection::vec(0u64..8, 0..40),
            steps in proptest::collection::vec(proptest::collection::vec(0u64..4, 0..4), 0..300),
        ) {
            let mut replace_top = EventQueue::default();
            let mut pop_at_once = EventQueue::default();
            for (label, t) in initial.iter().enumerate() {
                replace_top.push(Duration::from_micros(*t), label);
                pop_at_once.push(Duration::from_micros(*t), label);
            }
            let mut label = initial.len();
            for pushes in &steps {
                let popped = replace_top.pop();
                let expected = pop_at_once.pop();
                pop_at_once.settle();
                prop_assert_eq!(popped, expected);
                let Some((now, _)) = popped else { break };
                for delay in pushes {
                    let at = now.saturating_add(Duration::from_micros(*delay));
                    replace_top.push(at, label);
                    pop_at_once.push(at, label);
                    label += 1;
                }
                prop_assert_eq!(replace_top.len(), pop_at_once.len());
            }
            let rest = |queue: &mut EventQueue<usize>| std::iter::from_fn(|| queue.pop()).collect::<Vec<_>>();
            prop_assert_eq!(rest(&mut replace_top), rest(&mut pop_at_once));
        }
    }
}
