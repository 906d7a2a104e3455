//! Keyspace analysis over SCAN: the biggest keys, key patterns with their memory and TTL
//! coverage, a TTL histogram, per-db totals, the frameworks that wrote the keys, the role
//! they suggest, retention problems and what cleanups would free.
//!
//! Read-only and gentle: SCAN with a small COUNT that adapts to the link (see [`batch`]), and
//! per batch one pipeline of
//! `MEMORY USAGE key` (the server's default SAMPLES, never `SAMPLES 0` for a whole scan: on a
//! 1M-field hash that blocks Redis for ~0.5 s), `TYPE` and `PTTL` (+ `OBJECT IDLETIME`),
//! sent together with the next `SCAN` (see [`scan`]). Memory is bounded whatever the
//! keyspace: a top-N heap, a capped pattern table, fixed histogram buckets.
//!
//! Must not: write to Redis, read values, or keep per-key state for the whole keyspace.

mod aggregate;
pub mod batch;
pub mod fingerprints;
mod finish;
pub mod prefix;
mod report;
pub mod retention;
pub mod role;
mod scan;
pub mod top;
pub mod ttl;

pub use fingerprints::{Framework, FrameworkReport, Totals};
pub use prefix::{PrefixStats, display_key, pattern_of};
pub use report::{DbReport, KeysReport, SampleInfo};
pub use retention::{RULES, Reclaim, RetentionIssue};
pub use role::RoleGuess;
pub use scan::{Reconnect, ReconnectFuture, scan, scan_resumable};
pub use top::TopKey;
pub use ttl::TtlBucket;

/// How to scan.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// SCAN COUNT hint, about 1.3 µs of uninterrupted server time per key; `None`: adapt it
    /// (see [`batch`]) when the reads get a connection of their own, else [`DEFAULT_COUNT`].
    pub count: Option<u32>,
    /// Biggest keys to report.
    pub top: usize,
    /// Stop after this many keys (spread over the dbs by size) and extrapolate.
    pub sample: Option<u64>,
    /// At most this many keys per second.
    pub rate: Option<u64>,
    /// Also ask `OBJECT IDLETIME` (fails per key under an LFU policy; then reported once).
    pub idle: bool,
    /// Dbs to scan; `None`: every db that INFO keyspace lists.
    pub dbs: Option<Vec<u32>>,
    /// `SCAN ... MATCH` glob.
    pub pattern: Option<String>,
    /// Cap of the pattern table; later patterns share one `(other)` bucket per db.
    pub max_prefixes: usize,
    /// `MEMORY USAGE ... SAMPLES n` for every key (default [`DEFAULT_SAMPLES`]); 0 (exact,
    /// O(elements)) is refused and treated as the default.
    pub samples: u32,
    /// Top keys with at most this many elements are measured again with `MEMORY USAGE key
    /// SAMPLES 0` (exact, O(elements): 0.15-0.7 µs per element, so the default 2,000 holds
    /// the server at most ~1.4 ms); bigger ones with more samples than the scan's; 0 turns
    /// this off.
    pub exact_top_max_elements: u64,
}

/// SCAN COUNT when the reads share the SCAN connection: one round trip per 1000 keys. On one
/// connection each SCAN waits behind the previous batch's reads, so smaller batches cost
/// throughput: 500 took 80% longer through a 1 ms link (bench/RESULTS.md, 2026-11-23 14:50).
pub const DEFAULT_COUNT: u32 = 1000;

/// Elements `MEMORY USAGE` samples per key by default. The server's own default, 5, is a
/// poor estimate for hashtable-encoded hashes whose fields differ in size: BullMQ job hashes
/// read up to 6x off, depending on whether `stacktrace` is among the 5 (shared/workloads
/// EXPECTED.md). 64 measures any collection of up to 64 elements exactly and every pattern
/// of the workloads within 0.3% of `SAMPLES 0`, at O(64) per key: no extra server CPU on
/// small keys, +40% on 200,000 hashes of 30 fields (bench/RESULTS.md, 2026-11-23).
pub const DEFAULT_SAMPLES: u32 = 64;

impl ScanOptions {
    /// The SAMPLES every key's `MEMORY USAGE` is sent with: `samples`, or the default for 0.
    pub(crate) fn effective_samples(&self) -> u32 {
        if self.samples == 0 { DEFAULT_SAMPLES } else { self.samples }
    }
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            count: None,
            top: 10,
            sample: None,
            rate: None,
            idle: false,
            dbs: None,
            pattern: None,
            max_prefixes: 2000,
            samples: DEFAULT_SAMPLES,
            exact_top_max_elements: 2_000,
        }
    }
}

/// How far a scan is, reported after each batch.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Progress {
    /// Db being scanned.
    pub db: u32,
    /// Keys read so far, all dbs.
    pub keys_scanned: u64,
    /// Keys expected in all (INFO keyspace at the start, or the sample size).
    pub keys_total: u64,
    /// 0..1, from the reversed-bits SCAN cursor (see [`cursor_fraction`]).
    pub fraction: f64,
}

/// Share of the hash table a SCAN cursor has covered. SCAN walks buckets in reverse-binary
/// order (so it survives rehashing), hence the bit-reversed cursor over 2^64 is the fraction
/// done, whatever the table size (same idea as RedisShake's scan reader). 0 means finished.
pub fn cursor_fraction(cursor: u64) -> f64 {
    if cursor == 0 {
        return 1.0;
    }
    cursor.reverse_bits() as f64 / 18_446_744_073_709_551_616.0
}

/// Redis key types, as TYPE names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum KeyType {
    String,
    List,
    Set,
    Zset,
    Hash,
    Stream,
    /// Module types (ReJSON-RL, MBbloom--...).
    Other,
}

impl KeyType {
    pub const COUNT: usize = 7;
    pub const ALL: [KeyType; 7] = [
        KeyType::String,
        KeyType::List,
        KeyType::Set,
        KeyType::Zset,
        KeyType::Hash,
        KeyType::Stream,
        KeyType::Other,
    ];

    pub fn parse(name: &str) -> KeyType {
        match name {
            "string" => KeyType::String,
            "list" => KeyType::List,
            "set" => KeyType::Set,
            "zset" => KeyType::Zset,
            "hash" => KeyType::Hash,
            "stream" => KeyType::Stream,
            _ => KeyType::Other,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            KeyType::String => "string",
            KeyType::List => "list",
            KeyType::Set => "set",
            KeyType::Zset => "zset",
            KeyType::Hash => "hash",
            KeyType::Stream => "stream",
            KeyType::Other => "other",
        }
    }

    /// The O(1) command that counts elements (bytes for strings).
    pub fn length_command(self) -> Option<&'static str> {
        match self {
            KeyType::String => Some("STRLEN"),
            KeyType::List => Some("LLEN"),
            KeyType::Set => Some("SCARD"),
            KeyType::Zset => Some("ZCARD"),
            KeyType::Hash => Some("HLEN"),
            KeyType::Stream => Some("XLEN"),
            KeyType::Other => None,
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cursor_fraction_reverses_bits() {
        assert_eq!(super::cursor_fraction(0), 1.0);
        // Cursor 1 in a table of 2^n buckets: the top bit reversed, half-way.
        assert_eq!(super::cursor_fraction(1), 0.5);
        assert_eq!(super::cursor_fraction(2), 0.25);
        assert_eq!(super::cursor_fraction(3), 0.75);
    }
}
