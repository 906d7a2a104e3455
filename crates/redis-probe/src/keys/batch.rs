//! How many keys each SCAN asks for.
//!
//! A `SCAN ... COUNT n` is one command the server runs without interruption (about 1.3 µs per
//! key on loopback, so 1.3 ms at 1000), and every other client waits behind it and behind up
//! to 16 KB of the per-key reads the server takes from the scan's read connection in the same
//! event-loop turn. Small batches keep those waits short; but SCAN's cursor is serial, so each
//! batch costs a round trip, and a batch too small for the link lets the server run out of
//! reads to do. With the SCANs in a task of their own and the reads on a connection of their
//! own (see `scan.rs`), the chain of SCANs only has to keep the read queue from running dry:
//! [`BatchSize::observe`] grows the batch when the scan loop had to wait for a SCAN reply
//! while less than half a batch of reads was left on the server, and shrinks it while replies are
//! already waiting, so it settles on the smallest batch that keeps the server busy: a few
//! hundred keys on loopback, up to [`AUTO_MAX`] over a slow link.

/// Smallest automatic batch: 250 keys still keep a loopback server busy (bench/RESULTS.md,
/// 2026-11-23 22:00), at about 0.3 ms per SCAN.
pub const AUTO_MIN: u32 = 250;
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

    /// Called as the scan loop takes each SCAN reply: `waited` says whether it had to wait
    /// for it, `queued_keys` how many keys' reads the server has not answered yet. Waited,
    /// with under half a batch of reads left, the server may idle before these keys reach it: grow
    /// by a quarter. The reply already there and a batch or more queued, the SCANs are ahead
    /// of the reads: shrink by a tenth (slowly, so one stall does not swing it).
    pub(super) fn observe(&mut self, queued_keys: u64, waited: bool) {
        if !self.adaptive {
            return;
        }
        let count = u64::from(self.count);
        let next = if waited && queued_keys < count / 2 {
            count + count / 4
        } else if !waited && queued_keys >= count {
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
        b.observe(0, true);
        b.observe(1_000_000, false);
        assert_eq!(b.get(), 250);
        assert_eq!(BatchSize::fixed(0).get(), 1);
    }

    #[test]
    fn waiting_on_scan_with_an_empty_queue_grows_the_batch_up_to_the_cap() {
        let mut b = BatchSize::adaptive();
        let mut seen = vec![b.get()];
        for _ in 0..20 {
            b.observe(0, true);
            seen.push(b.get());
        }
        assert!(seen.windows(2).all(|w| w[1] >= w[0]), "{seen:?}");
        assert_eq!(b.get(), AUTO_MAX);
    }

    #[test]
    fn scans_ahead_of_a_busy_server_shrink_it_down_to_the_floor() {
        let mut b = BatchSize::adaptive();
        for _ in 0..50 {
            let queued = u64::from(b.get());
            b.observe(queued, false);
        }
        assert_eq!(b.get(), AUTO_MIN);
    }

    #[test]
    fn otherwise_it_holds() {
        let mut b = BatchSize::adaptive();
        let before = u64::from(b.get());
        // Waited, but the server still has a batch to read: the SCANs keep up.
        b.observe(before, true);
        // Ahead, but the server is nearly out of reads: not a reason to shrink.
        b.observe(before / 2, false);
        assert_eq!(u64::from(b.get()), before);
    }
}
