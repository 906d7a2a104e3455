//! Per-key results folded into bounded aggregates: totals, TTL histogram, patterns,
//! fingerprints and top-N heaps.

use std::collections::BTreeMap;

use super::{
    KeyType, ScanOptions,
    fingerprints::{Fingerprints, Seen, Totals},
    prefix::{Observation, PrefixTable, display_cow, pattern_of},
    top::{Candidate, TopHeap},
    ttl::{Ttl, TtlHistogram},
};

/// Keys of at least this size are big-key candidates (a 1M-element collection is always
/// bigger: even an intset of 16-bit integers takes 2 MB).
pub const BIG_CANDIDATE_BYTES: u64 = 1 << 20;
const MAX_BIG_CANDIDATES: usize = 1000;

/// One key as read from the server.
#[derive(Debug, Clone, Copy)]
pub struct KeyRead<'a> {
    pub key: &'a [u8],
    pub type_name: &'a str,
    pub bytes: u64,
    pub ttl: Ttl,
    pub idle_secs: Option<u64>,
}

#[derive(Debug)]
pub struct Aggregates {
    pub dbs: BTreeMap<u32, Totals>,
    pub ttl: TtlHistogram,
    pub prefixes: PrefixTable,
    pub fingerprints: Fingerprints,
    /// Top candidates of the db being scanned (moved out when it is finished).
    pub top: TopHeap,
    pub big: TopHeap,
    pub top_cap: usize,
    pub vanished: u64,
}

impl Aggregates {
    pub fn new(opts: &ScanOptions) -> Self {
        // A margin of candidates, so re-measuring them exactly can reorder the top N.
        let top_cap = if opts.top == 0 { 0 } else { opts.top * 2 + 10 };
        Aggregates {
            dbs: BTreeMap::new(),
            ttl: TtlHistogram::default(),
            prefixes: PrefixTable::new(opts.max_prefixes),
            fingerprints: Fingerprints::default(),
            top: TopHeap::new(top_cap),
            big: TopHeap::new(MAX_BIG_CANDIDATES),
            top_cap,
            vanished: 0,
        }
    }

    pub fn add(&mut self, db: u32, k: KeyRead<'_>) {
        let delta = i64::try_from(k.bytes).unwrap_or(i64::MAX);
        self.account(db, k, 1, delta);
        let wants_top = self.top.would_take(k.bytes);
        let wants_big = k.bytes >= BIG_CANDIDATE_BYTES && self.big.would_take(k.bytes);
        if wants_top || wants_big {
            let c = Candidate {
                bytes: k.bytes,
                db,
                key: k.key.to_vec(),
                type_name: k.type_name.to_string(),
                pttl: match k.ttl {
                    Ttl::Persistent => -1,
                    Ttl::Expires(ms) => i64::try_from(ms).unwrap_or(i64::MAX),
                },
                idle_secs: k.idle_secs,
            };
            if wants_big {
                self.big.push(c.clone());
            }
            if wants_top {
                self.top.push(c);
            }
        }
    }

    /// A key already counted was measured again: move its bytes from `old` to `new`.
    pub fn correct(&mut self, db: u32, k: KeyRead<'_>, old: u64) {
        let delta = i64::try_from(k.bytes).unwrap_or(i64::MAX) - i64::try_from(old).unwrap_or(i64::MAX);
        if delta != 0 {
            self.account(db, k, 0, delta);
        }
    }

    fn account(&mut self, db: u32, k: KeyRead<'_>, keys: u64, bytes: i64) {
        let ktype = KeyType::parse(k.type_name);
        self.dbs.entry(db).or_default().add(keys, bytes, k.ttl);
        self.ttl.add(k.ttl, keys, bytes);
        let display = display_cow(k.key);
        let pattern = pattern_of(&display);
        self.prefixes.add(
            pattern,
            &display,
            Observation { db, ktype, ttl: k.ttl, keys, bytes, idle_secs: k.idle_secs },
        );
        self.fingerprints.observe(Seen { db, raw: k.key, display: &display, ktype, ttl: k.ttl, keys, bytes });
    }
}
