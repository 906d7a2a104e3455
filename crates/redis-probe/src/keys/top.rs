//! The N biggest keys, kept in a min-heap of N entries: memory does not grow with the
//! keyspace.

use std::{cmp::Reverse, collections::BinaryHeap};

use serde::Serialize;

/// A key held as a top candidate, with what the scan learnt about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub bytes: u64,
    pub db: u32,
    pub key: Vec<u8>,
    pub type_name: String,
    pub pttl: i64,
    pub idle_secs: Option<u64>,
}

impl Ord for Candidate {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        // Bigger first; ties broken by db then key so the order is deterministic.
        self.bytes
            .cmp(&other.bytes)
            .then_with(|| other.db.cmp(&self.db))
            .then_with(|| other.key.cmp(&self.key))
    }
}

impl PartialOrd for Candidate {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// Keeps the `cap` greatest candidates seen.
#[derive(Debug)]
pub struct TopHeap {
    heap: BinaryHeap<Reverse<Candidate>>,
    cap: usize,
}

impl TopHeap {
    pub fn new(cap: usize) -> Self {
        TopHeap { heap: BinaryHeap::with_capacity(cap.min(4096) + 1), cap }
    }

    /// Whether a key of `bytes` would enter the heap (saves building a candidate).
    pub fn would_take(&self, bytes: u64) -> bool {
        self.cap > 0 && (self.heap.len() < self.cap || self.heap.peek().is_some_and(|m| bytes > m.0.bytes))
    }

    pub fn push(&mut self, c: Candidate) {
        if self.cap == 0 {
            return;
        }
        if self.heap.len() < self.cap {
            self.heap.push(Reverse(c));
        } else if self.heap.peek().is_some_and(|m| c > m.0) {
            self.heap.pop();
            self.heap.push(Reverse(c));
        }
    }

    /// Biggest first.
    pub fn into_sorted(self) -> Vec<Candidate> {
        let mut v: Vec<Candidate> = self.heap.into_iter().map(|r| r.0).collect();
        v.sort_by(|a, b| b.cmp(a));
        v
    }
}

/// One of the biggest keys, as reported.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TopKey {
    /// The key as text (see [`super::prefix::display_key`]).
    pub key: String,
    pub db: u32,
    #[serde(rename = "type")]
    pub type_name: String,
    pub bytes: u64,
    /// `bytes` is `MEMORY USAGE ... SAMPLES 0` (exact) rather than the default 5-element sample.
    pub bytes_exact: bool,
    /// Seconds left; absent when the key has no TTL.
    pub ttl_secs: Option<u64>,
    /// LLEN/HLEN/SCARD/ZCARD/XLEN; for strings STRLEN (bytes); absent for module types.
    pub elements: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idle_secs: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(bytes: u64, key: &str) -> Candidate {
        Candidate { bytes, db: 0, key: key.into(), type_name: "string".into(), pttl: -1, idle_secs: None }
    }

    #[test]
    fn keeps_the_biggest_in_order() {
        let mut h = TopHeap::new(3);
        for (b, k) in [(5, "e"), (1, "a"), (9, "i"), (7, "g"), (3, "c"), (9, "h")] {
            h.push(c(b, k));
        }
        let keys: Vec<String> =
            h.into_sorted().iter().map(|c| String::from_utf8_lossy(&c.key).into()).collect();
        assert_eq!(keys, ["h", "i", "g"]);
        assert!(!TopHeap::new(0).would_take(100));
    }
}
