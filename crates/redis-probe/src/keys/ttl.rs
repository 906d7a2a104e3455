//! TTL histogram with fixed buckets, so its memory does not grow with the keyspace.

use serde::Serialize;

/// Upper bounds (exclusive, in milliseconds) and names of the buckets after "no TTL".
const BUCKETS: [(u64, &str); 6] = [
    (60_000, "<1m"),
    (3_600_000, "<1h"),
    (86_400_000, "<1d"),
    (7 * 86_400_000, "<7d"),
    (30 * 86_400_000, "<30d"),
    (u64::MAX, ">=30d"),
];

/// Keys and bytes in one TTL range.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct TtlBucket {
    pub bucket: &'static str,
    pub keys: u64,
    pub bytes: u64,
}

/// Remaining time to live of a key as PTTL reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ttl {
    /// PTTL -1: the key never expires.
    Persistent,
    /// Milliseconds left.
    Expires(u64),
}

impl Ttl {
    /// `None` for PTTL -2 (the key is gone) and other negative answers.
    pub fn from_pttl(pttl: i64) -> Option<Ttl> {
        match pttl {
            -1 => Some(Ttl::Persistent),
            ms if ms >= 0 => Some(Ttl::Expires(ms.unsigned_abs())),
            _ => None,
        }
    }

    pub fn is_persistent(self) -> bool {
        self == Ttl::Persistent
    }

    /// Whole seconds left, `None` without TTL.
    pub fn secs(self) -> Option<u64> {
        match self {
            Ttl::Persistent => None,
            Ttl::Expires(ms) => Some(ms / 1000),
        }
    }
}

/// Index 0 is "no TTL", then [`BUCKETS`] in order.
#[derive(Debug, Clone, Default)]
pub struct TtlHistogram {
    counts: [(u64, u64); 7],
}

impl TtlHistogram {
    fn index(ttl: Ttl) -> usize {
        match ttl {
            Ttl::Persistent => 0,
            Ttl::Expires(ms) => {
                1 + BUCKETS.iter().position(|(limit, _)| ms < *limit).unwrap_or(BUCKETS.len() - 1)
            }
        }
    }

    pub fn add(&mut self, ttl: Ttl, keys: u64, bytes: i64) {
        let slot = &mut self.counts[Self::index(ttl)];
        slot.0 += keys;
        slot.1 = slot.1.saturating_add_signed(bytes);
    }

    pub fn buckets(&self) -> Vec<TtlBucket> {
        std::iter::once("no TTL")
            .chain(BUCKETS.iter().map(|(_, name)| *name))
            .zip(self.counts.iter())
            .map(|(bucket, (keys, bytes))| TtlBucket { bucket, keys: *keys, bytes: *bytes })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_split_at_their_bounds() {
        let mut h = TtlHistogram::default();
        h.add(Ttl::Persistent, 1, 10);
        h.add(Ttl::Expires(59_999), 1, 1);
        h.add(Ttl::Expires(60_000), 1, 2);
        h.add(Ttl::Expires(30 * 86_400_000), 1, 3);
        h.add(Ttl::Expires(157_680_000_000), 1, 4);
        let b = h.buckets();
        let keys: Vec<u64> = b.iter().map(|b| b.keys).collect();
        assert_eq!(keys, [1, 1, 1, 0, 0, 0, 2]);
        assert_eq!(b[6].bytes, 7);
        assert_eq!(b[0].bucket, "no TTL");
    }

    #[test]
    fn pttl_answers() {
        assert_eq!(Ttl::from_pttl(-1), Some(Ttl::Persistent));
        assert_eq!(Ttl::from_pttl(-2), None);
        assert_eq!(Ttl::from_pttl(1500).and_then(Ttl::secs), Some(1));
    }
}
