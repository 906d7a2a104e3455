//! Numbers the live checks need, read once from a snapshot and a keyspace report.

use findings::Role;

use crate::{keys::KeysReport, snapshot::Snapshot};

/// Where the role used by the checks comes from.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum RoleSource {
    /// `--role` (or, from the plugin, an annotation).
    Stated,
    /// Key fingerprints, with a confidence in 0..=1.
    Keyspace { confidence: f64, evidence: String },
    #[default]
    Unknown,
}

/// Everything the live checks read.
#[derive(Debug, Clone, Default)]
pub struct LiveFacts {
    pub target: String,
    pub version: String,
    pub used_memory: Option<u64>,
    pub used_memory_rss: Option<u64>,
    pub maxmemory: Option<u64>,
    pub policy: Option<String>,
    pub fragmentation_ratio: Option<f64>,
    /// RSS minus used memory (INFO `mem_fragmentation_bytes`, Redis 7.0+, else computed).
    pub fragmentation_bytes: Option<i64>,
    pub evicted_keys: u64,
    /// Writes refused because of maxmemory (`errorstat_OOM`, Redis 6.2+).
    pub oom_errors: Option<u64>,
    /// (command, calls) for KEYS, FLUSHALL, FLUSHDB seen in commandstats.
    pub dangerous_calls: Vec<(String, u64)>,
    /// lazyfree-* settings that are off.
    pub lazyfree_off: Vec<String>,
    /// Persistence failures: (what, status).
    pub persistence_errors: Vec<(String, String)>,
    pub memory_doctor: Option<String>,
    pub memory_limit: Option<(u64, String)>,
    /// See [`super::CheckContext::no_memory_limit`].
    pub no_memory_limit: bool,
    pub role: Role,
    pub role_source: RoleSource,
    /// Checks that could not run, and why (CONFIG disabled...).
    pub unavailable: Vec<String>,
}

/// Minimum keyspace confidence for a guessed role to be acted on.
const MIN_CONFIDENCE: f64 = 0.5;

impl LiveFacts {
    pub fn extract(snap: &Snapshot, keys: Option<&KeysReport>, ctx: &super::CheckContext) -> LiveFacts {
        let info = &snap.info;
        let config = snap.config.as_ref();
        let (major, minor, patch) = info.version().unwrap_or((0, 0, 0));
        // INFO memory carries maxmemory and its policy too: used when CONFIG is disabled.
        let maxmemory = config.and_then(|c| c.maxmemory()).or_else(|| info.u64("maxmemory"));
        let policy =
            config.and_then(|c| c.policy()).or_else(|| info.get("maxmemory_policy")).map(str::to_string);
        let used = info.u64("used_memory");
        let rss = info.u64("used_memory_rss");
        let fragmentation_bytes = info
            .get("mem_fragmentation_bytes")
            .and_then(|v| v.parse::<i64>().ok())
            .or_else(|| Some(i64::try_from(rss?).ok()? - i64::try_from(used?).ok()?));
        let stats = info.commandstats();
        let dangerous_calls = ["keys", "flushall", "flushdb"]
            .iter()
            .filter_map(|c| stats.get(*c).filter(|s| s.calls > 0).map(|s| (c.to_ascii_uppercase(), s.calls)))
            .collect();
        let mut persistence_errors = Vec::new();
        for field in ["rdb_last_bgsave_status", "aof_last_bgrewrite_status", "aof_last_write_status"] {
            if let Some(v) = info.get(field).filter(|v| *v != "ok") {
                persistence_errors.push((field.to_string(), v.to_string()));
            }
        }
        let (role, role_source) = match (ctx.role, keys.map(|k| &k.role)) {
            (Some(r), _) => (r, RoleSource::Stated),
            (None, Some(g)) if g.confidence >= MIN_CONFIDENCE && g.role != Role::Unknown => {
                (g.role, RoleSource::Keyspace { confidence: g.confidence, evidence: g.evidence.clone() })
            }
            _ => (Role::Unknown, RoleSource::Unknown),
        };
        let mut unavailable: Vec<String> =
            snap.unavailable.iter().map(|u| format!("{}: {}", u.what, u.reason)).collect();
        if config.is_none() {
            unavailable.push("lazyfree check skipped: CONFIG GET is not available".into());
        }
        LiveFacts {
            target: snap.target.clone(),
            version: format!("{} {major}.{minor}.{patch}", info.server_name()),
            used_memory: used,
            used_memory_rss: rss,
            maxmemory,
            policy,
            fragmentation_ratio: info.f64("mem_fragmentation_ratio"),
            fragmentation_bytes,
            evicted_keys: info.u64("evicted_keys").unwrap_or(0),
            oom_errors: if (major, minor) >= (6, 2) {
                Some(info.errorstats().get("OOM").copied().unwrap_or(0))
            } else {
                None
            },
            dangerous_calls,
            lazyfree_off: config
                .map(|c| c.lazyfree().into_iter().filter(|(_, on)| !on).map(|(n, _)| n).collect())
                .unwrap_or_default(),
            persistence_errors,
            memory_doctor: snap.memory_doctor.clone(),
            memory_limit: ctx.memory_limit.clone(),
            no_memory_limit: ctx.no_memory_limit && ctx.memory_limit.is_none(),
            role,
            role_source,
            unavailable,
        }
    }
}
