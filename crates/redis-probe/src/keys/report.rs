//! What a keyspace scan reports (serialised as-is by `-o json|yaml`).

use serde::Serialize;

use super::{
    fingerprints::{FrameworkReport, Totals},
    prefix::PrefixStats,
    retention::{Reclaim, RetentionIssue},
    role::RoleGuess,
    top::TopKey,
    ttl::TtlBucket,
};

/// One db.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DbReport {
    pub db: u32,
    /// Keys per INFO keyspace when the scan started.
    pub keys_at_start: u64,
    /// What the scan read (keys that vanished during the scan are not counted).
    #[serde(flatten)]
    pub scanned: Totals,
    /// Whether SCAN went through the whole db.
    pub complete: bool,
    /// Share of the db read: 1 when complete.
    pub fraction_scanned: f64,
    /// `scanned` divided by `fraction_scanned`, when sampling stopped early.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub estimated: Option<Totals>,
}

/// Present when `--sample` stopped the scan early.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SampleInfo {
    pub requested_keys: u64,
    pub scanned_keys: u64,
    /// Scanned keys over the keys at start (over the cursor's progress with a MATCH pattern).
    pub fraction: f64,
    pub note: String,
}

/// Result of [`super::scan`].
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct KeysReport {
    /// The server, as shown to people (no password).
    pub target: String,
    /// Set when the server runs in cluster mode: only this node's keys were scanned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
    /// Why the scan stopped before the end (connection lost, server restarted...). The
    /// figures then cover only what was read, and say so.
    pub partial: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sample: Option<SampleInfo>,
    pub dbs: Vec<DbReport>,
    pub totals: Totals,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub estimated_totals: Option<Totals>,
    /// Keys SCAN returned that were gone (expired, deleted) when read.
    pub vanished: u64,
    pub top: Vec<TopKey>,
    pub prefixes: Vec<PrefixStats>,
    /// True when the pattern table hit its cap and some keys are in `(other)`.
    pub prefixes_capped: bool,
    pub ttl_histogram: Vec<TtlBucket>,
    pub frameworks: Vec<FrameworkReport>,
    pub role: RoleGuess,
    pub retention: Vec<RetentionIssue>,
    pub reclaimable: Vec<Reclaim>,
    /// Things worth knowing about how the scan ran (commands refused, options in effect).
    pub notes: Vec<String>,
}

impl KeysReport {
    /// Keys read, all dbs.
    pub fn total_keys(&self) -> u64 {
        self.totals.keys
    }

    /// Keys read that have no TTL, all dbs.
    pub fn keys_without_ttl(&self) -> u64 {
        self.totals.keys_without_ttl
    }
}
