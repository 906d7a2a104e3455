//! How many keys each SCAN asks for.
//!
//! A `SCAN ... COUNT n` is one command the server runs without interruption (about 1.3 µs per
//! key on loopback, so 1.3 ms at 1000), and every other client waits behind it and behind up
//! to 16 KB of the per-key reads the server takes from the scan's read connection in the same
//! event-loop turn. Small batches keep those waits short; but SCAN's cursor is serial, so each
//! batch costs a round trip, and a batch too small for the link lets the server run out of
//! reads to do. With the reads on a connection of their own (see `scan.rs`), the chain of
//! SCANs only has to keep the read queue from running dry: [`BatchSize::observe`] grows the
//! batch when the queue is nearly empty as a SCAN reply arrives and shrinks it while the
//! queue stays deep, so it settles on the smallest batch that keeps the server busy: a few
//! hundred keys on loopback, up to [`AUTO_MAX`] over a slow link.

/// Smallest automatic batch: below this, even loopback round trips cannot keep up.
pub const AUTO_MIN: u32 = 200;
/// Largest automatic batch: the old fixed default, which a 1 ms link needs.
pub const AUTO_MAX: u32 = 1000;
/// Where an automatic batch starts.
const AUTO_START: u32 = 400;

/// The SCAN COUNT in use, fixed or adapting to the read queue.
#[derive(Debug, Clone, Copy)]
pub(super) struct BatchSize {
    count: u32,
    adaptive: bool,
}

impl BatchSize {
    pub(super) fn fixed(count: u32) -> BatchSize {
        BatchSize { count: count.max(1), adaptive: false }
    }

    pub(super) fn adaptive() -> BatchSize {
        BatchSize { count: AUTO_START, adaptive: true }
    }

    pub(super) fn get(self) -> u32 {
        self.count
    }

    pub(super) fn is_adaptive(self) -> bool {
        self.adaptive
    }

    /// Called as each SCAN reply arrives, with the keys whose reads the server has not
    /// answered yet. Under one batch queued, the server may idle before the next SCAN's keys
    /// reach it: grow by a quarter. Three batches or more queued, the SCANs are ahead of what
    /// the server can read: shrink by a tenth (slowly, so one stall does not swing it).
    pub(super) fn observe(&mut self, queued_keys: u64) {
        if !self.adaptive {
            return;
        }
        let count = u64::from(self.count);
        let next = if queued_keys < count {
            count + count / 4
        } else if queued_keys >= 3 * count {
            count - count / 10
        } else {
            count
        };
        self.count = u32::try_from(next).unwrap_or(AUTO_MAX).clamp(AUTO_MIN, AUTO_MAX);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fixed_size_never_moves() {
        let mut b = BatchSize::fixed(250);
        b.observe(0);
        b.observe(1_000_000);
        assert_eq!(b.get(), 250);
        assert_eq!(BatchSize::fixed(0).get(), 1);
    }

    #[test]
    fn an_empty_queue_grows_the_batch_up_to_the_cap() {
        let mut b = BatchSize::adaptive();
        let mut seen = vec![b.get()];
        for _ in 0..20 {
            b.observe(0);
            seen.push(b.get());
        }
        assert!(seen.windows(2).all(|w| w[1] >= w[0]), "{seen:?}");
        assert_eq!(b.get(), AUTO_MAX);
    }

    #[test]
    fn a_deep_queue_shrinks_it_down_to_the_floor() {
        let mut b = BatchSize::adaptive();
        for _ in 0..50 {
            let deep = 3 * u64::from(b.get());
            b.observe(deep);
        }
        assert_eq!(b.get(), AUTO_MIN);
    }

    #[test]
    fn between_one_and_three_batches_queued_it_holds() {
        let mut b = BatchSize::adaptive();
        let before = b.get();
        b.observe(u64::from(before));
        b.observe(2 * u64::from(before));
        assert_eq!(b.get(), before);
    }
}
