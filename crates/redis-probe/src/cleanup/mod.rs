//! `cleanup`: select keys (patterns, type, no TTL, idle time, size, a date in the name), show
//! the plan (a dry run: counts, bytes, samples, time at the chosen rate), and with `--apply`
//! delete them (UNLINK) or give them a TTL, in pipelined, rate-limited batches with a journal
//! to resume from ([`journal`]). Framework presets ([`presets`]) either map to a selection or
//! trim members of the framework's own sets the way the framework itself does.
//!
//! Safety (DESIGN.md, "Safety rules"): the plan is read-only; writes are refused on a replica;
//! every write re-checks, atomically on the server, that the key still matches the selection,
//! so nothing is changed that the dry run would not have listed; never KEYS, never FLUSH*.

pub mod date;
pub mod glob;
pub mod journal;
mod pacer;
mod plan;
pub mod presets;
mod run;
mod scan;
mod server;
pub mod trim;

use std::{sync::atomic::AtomicBool, time::Duration};

pub use journal::{Journal, JournalError, State, Work};
pub use plan::{Plan, SAMPLE_KEYS, SampleKey, TypeTally, plan};
pub use run::{Hooks, Outcome, apply, facts_after};
pub use server::ServerFacts;

use crate::{Probe, ProbeError};

use serde::{Deserialize, Serialize};

use crate::keys::KeyType;

/// Which keys a cleanup touches. All criteria must hold (AND); patterns are alternatives (OR).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Selection {
    /// Redis glob patterns (`SCAN MATCH` syntax). Empty: every key (needs `--all`).
    pub patterns: Vec<String>,
    /// Keep keys of these types only (empty: any type).
    #[serde(default)]
    pub types: Vec<String>,
    /// Keys without a TTL only.
    #[serde(default)]
    pub no_ttl: bool,
    /// Keys not read or written for at least this many seconds (OBJECT IDLETIME; not tracked
    /// under an LFU policy).
    #[serde(default)]
    pub idle_over_secs: Option<u64>,
    /// Keys whose MEMORY USAGE is over this many bytes.
    #[serde(default)]
    pub larger_than_bytes: Option<u64>,
    /// Keys whose name ends in a `YYYY-MM-DD` date before this day (days since 1970-01-01):
    /// Sidekiq's daily `stat:processed:2024-01-31` counters. Keys without such a date never
    /// match.
    #[serde(default)]
    pub dated_before_day: Option<i64>,
}

impl Selection {
    /// Whether the selection needs per-key reads (anything beyond the key's name).
    pub fn needs_reads(&self) -> bool {
        !self.types.is_empty()
            || self.no_ttl
            || self.idle_over_secs.is_some()
            || self.larger_than_bytes.is_some()
    }

    /// Whether nothing narrows the selection: every key would match.
    pub fn is_everything(&self) -> bool {
        let all_patterns = self.patterns.is_empty() || self.patterns.iter().any(|p| p == "*");
        all_patterns && !self.needs_reads() && self.dated_before_day.is_none()
    }

    /// The key types asked for, parsed.
    pub fn key_types(&self) -> Vec<KeyType> {
        self.types.iter().map(|t| KeyType::parse(t)).collect()
    }
}

/// What happens to each selected key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Action {
    /// UNLINK (freed in a background thread when large).
    Delete,
    /// Give the key a TTL of `secs`.
    Expire { secs: u64, mode: ExpireMode },
}

/// How `Action::Expire` treats keys that already have a TTL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExpireMode {
    /// Only keys without a TTL get one (`EXPIRE key secs NX` on Redis 7+).
    OnlyWithoutTtl,
    /// Keys without a TTL or with a longer one get this TTL (`EXPIRE key secs LT` on Redis 7+):
    /// "expire sessions to a given age".
    Cap,
}

/// Batch size and rate of the writes (and of the dry run's reads).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pace {
    /// Keys (or set members) per second; `None`: as fast as the server answers.
    pub rate: Option<u64>,
    /// Keys per SCAN COUNT and per write batch.
    pub batch: u32,
}

/// Default `--rate`: keys per second.
pub const DEFAULT_RATE: u64 = 20_000;
/// Default `--batch`. A batch of small keys costs the server about 1.5 ms (Redis 7.0 on a
/// small VM: SCAN with MATCH ~1.3 us and UNLINK ~1.7 us per key, `INFO commandstats`), which
/// is the longest another client waits behind it; at the default rate 40 batches a second.
pub const DEFAULT_BATCH: u32 = 500;
/// Default `--batch` with `--rate 0`: fewer round trips (what counts through a port-forward),
/// while one SCAN stays at about 2 ms (COUNT 5000 took 4.6 ms on average, up to 15 ms);
/// writes still go in commands of at most [`run::WRITE_CHUNK`] keys.
pub const DEFAULT_BATCH_UNLIMITED: u32 = 2000;

impl Default for Pace {
    fn default() -> Self {
        Pace { rate: Some(DEFAULT_RATE), batch: DEFAULT_BATCH }
    }
}

impl Pace {
    /// SCAN COUNT and batch size: `batch`, but at a low rate no more than a tenth of a second's
    /// worth, so the rate is kept smoothly.
    pub fn batch_for_rate(&self) -> u32 {
        let b = self.batch.max(1);
        match self.rate.filter(|r| *r > 0) {
            Some(r) => b.min(u32::try_from(r / 10).unwrap_or(u32::MAX).max(1)),
            None => b,
        }
    }

    /// The time `items` take at this rate (`None` when unlimited).
    pub fn eta(&self, items: u64) -> Option<Duration> {
        self.rate.filter(|r| *r > 0).map(|r| Duration::from_secs_f64(items as f64 / r as f64))
    }
}

/// Where a dry run or cleanup is, after each batch.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Progress {
    pub keys_scanned: u64,
    pub keys_matched: u64,
    pub keys_changed: u64,
    /// Share of the keyspace covered, from the SCAN cursor (0..1).
    pub fraction: f64,
}

/// Why a cleanup did not run or stopped. One line, names the target, never the password.
#[derive(Debug, thiserror::Error)]
pub enum CleanupError {
    #[error(transparent)]
    Probe(#[from] ProbeError),
    #[error(
        "{target} is a read-only replica of {master}: refusing to write to it; run the cleanup against the master ({master})"
    )]
    Replica { target: String, master: String },
    #[error(
        "{target}: the server refused a write ({reason}): is it a read-only replica? Run against the master"
    )]
    ReadOnly { target: String, reason: String },
    #[error(
        "{target}: --idle-over needs OBJECT IDLETIME, which the server does not track under {policy} (it keeps access frequency instead); select by --pattern, --no-ttl or --larger-than"
    )]
    IdleUnderLfu { target: String, policy: String },
    #[error(
        "{target}: this cleanup re-checks each key with a Lua script before changing it, and the server refused scripting ({reason}); select by --pattern alone (deletes by name need no script)"
    )]
    ScriptingRefused { target: String, reason: String },
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error("{0}")]
    Usage(String),
}

/// Refusals that need no key read: idle time under an LFU policy.
pub(crate) fn check_selection(
    probe: &Probe,
    sel: &Selection,
    facts: &ServerFacts,
) -> Result<(), CleanupError> {
    if sel.idle_over_secs.is_some() && facts.lfu() {
        return Err(CleanupError::IdleUnderLfu {
            target: probe.label.clone(),
            policy: format!("maxmemory-policy {}", facts.policy.as_deref().unwrap_or("lfu")),
        });
    }
    Ok(())
}

/// Runs a cleanup to the end without a journal file, progress or Ctrl-C: for presets and
/// tests. Refuses a replica as [`apply`] does.
pub async fn execute(
    probe: &mut Probe,
    sel: &Selection,
    action: &Action,
    pace: &Pace,
) -> Result<Outcome, CleanupError> {
    let facts = ServerFacts::read(probe).await?;
    let mut journal = Journal::new(
        &probe.label.clone(),
        0,
        None,
        Work::Keys { selection: sel.clone(), action: *action },
        *pace,
    );
    let stop = AtomicBool::new(false);
    let mut progress = |_: Progress| {};
    apply(probe, &mut journal, &facts, Hooks { stop: &stop, progress: &mut progress, reconnect: None }).await
}
