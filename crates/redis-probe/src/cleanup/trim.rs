//! Member-level cleanups of a framework's own sets (Sidekiq's `dead` and `retry`, BullMQ's
//! `completed` and `failed`, RQ's registries): planned by reading, then applied in batches,
//! each batch one atomic server-side step. Re-running with the same [`TrimParams`] is safe
//! and changes nothing already done, which is how a journal resumes them.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Which members go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Retention {
    /// Members older than this cutoff (unix milliseconds, fixed when planned so a resumed run
    /// removes the same ones).
    OlderThan { cutoff_ms: i64 },
    /// All but the newest N of each set.
    KeepNewest { keep: u64 },
}

/// What a trim preset is asked to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrimParams {
    pub retention: Retention,
    /// Key prefix or namespace: Sidekiq's redis-namespace (`myapp` for `myapp:dead`), BullMQ's
    /// prefix (default `bull`). `None`: the framework's default.
    pub prefix: Option<String>,
    /// Only these queues (BullMQ, RQ); empty: every queue found.
    pub queues: Vec<String>,
    /// For presets that expire rather than remove (RQ results): the TTL to give.
    pub expire_secs: Option<u64>,
}

impl TrimParams {
    /// `OlderThan` from an age and the current time.
    pub fn older_than(age: Duration, now_ms: i64) -> Retention {
        let age_ms = i64::try_from(age.as_millis()).unwrap_or(i64::MAX);
        Retention::OlderThan { cutoff_ms: now_ms.saturating_sub(age_ms) }
    }
}

/// One set (or key) a trim will change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrimTarget {
    /// The set's key, as stored.
    pub key: String,
    /// Members (jobs) in it now.
    pub total: u64,
    /// Members that would be removed (or expired).
    pub remove: u64,
    /// Estimated bytes freed (MEMORY USAGE of what goes, sampled), when known.
    pub bytes_estimate: Option<u64>,
    /// A few of the members (job ids, or a short form of the payload) that would go.
    pub sample: Vec<String>,
    /// What is run, in words a Redis user reads (`ZREMRANGEBYSCORE dead -inf 1700000000`, or
    /// "per job: DEL bull:q:<id> bull:q:<id>:logs, ZREM bull:q:completed <id>").
    pub how: String,
}

/// The plan of a trim preset: read-only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrimPlan {
    pub preset: String,
    pub params: TrimParams,
    pub targets: Vec<TrimTarget>,
    /// Framework facts worth showing (e.g. Sidekiq prunes `dead` itself at 10,000 jobs or 180
    /// days when a job dies).
    pub notes: Vec<String>,
}

impl TrimPlan {
    pub fn items(&self) -> u64 {
        self.targets.iter().map(|t| t.remove).sum()
    }

    pub fn bytes_estimate(&self) -> u64 {
        self.targets.iter().filter_map(|t| t.bytes_estimate).sum()
    }
}

/// What an applied trim did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrimOutcome {
    /// Set members removed (or jobs expired).
    pub items: u64,
    /// Keys deleted along with them (job hashes, logs).
    pub keys_deleted: u64,
    /// Members left alone because the framework was using them (a BullMQ job with a lock).
    pub skipped_in_use: u64,
    pub batches: u64,
}
