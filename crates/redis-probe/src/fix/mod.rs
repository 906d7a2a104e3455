//! `fix`: the recommended `maxmemory` and `maxmemory-policy` for one server, the exact
//! `CONFIG SET` lines, how to make them survive a restart ([`persist`]), and applying them
//! ([`apply`]); `--purge` runs `MEMORY PURGE` where fragmentation is high ([`purge`]).
//!
//! [`plan`] is pure: it never talks to a server and never invents a memory limit. The numbers
//! follow the lint rules (`crates/lint-engine/src/rules/`): maxmemory about 80% of the
//! container limit, written in the unit style of the limit (`512Mi` -> `409mb`, rounded down);
//! the policy from the role (library-defaults.md §0): queues, sessions and mixed instances
//! `noeviction` (Sidekiq >= 6.1.3 and BullMQ warn otherwise; eviction drops jobs, locks and
//! heartbeats), a cache-only Redis an `allkeys-*` policy (Rails: "allkeys-lfu is a good
//! default"), an unknown role keeps what it has.

mod apply;
pub mod persist;
pub mod purge;

pub use apply::{Applied, FixError, Rewrite, apply, replica_of};
pub use purge::Purge;

use findings::{
    Role,
    units::{
        RedisUnitStyle, format_redis_memory, parse_k8s_quantity, parse_redis_memory, redis_style_for_k8s,
    },
};
use serde::Serialize;

/// Share of the container limit recommended for maxmemory (as the lint rules and live checks).
pub const RECOMMENDED_PERCENT: u64 = 80;

/// Valid `maxmemory-policy` values (redis/redis `src/config.c` `maxmemory_policy_enum[]`);
/// the `*-lrm` ones exist since Redis 8.6.
pub const POLICIES: &[&str] = &[
    "noeviction",
    "allkeys-lru",
    "allkeys-lfu",
    "allkeys-random",
    "volatile-lru",
    "volatile-lfu",
    "volatile-random",
    "volatile-ttl",
    "allkeys-lrm",
    "volatile-lrm",
];

/// What the server has now (`None`: CONFIG GET was refused).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Current {
    pub maxmemory_bytes: Option<u64>,
    pub policy: Option<String>,
    /// `(major, minor, patch)` from INFO, to avoid LFU on Redis < 4.0.
    pub version: Option<(u32, u32, u32)>,
}

/// The container memory limit: bytes and the quantity as written (`512Mi`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limit {
    pub bytes: u64,
    pub raw: String,
}

/// What the user asked for instead of the recommendation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overrides {
    /// `auto` (or `None`): from the limit; otherwise a redis size (`400mb`) or a Kubernetes
    /// quantity (`400Mi`).
    pub maxmemory: Option<String>,
    pub policy: Option<String>,
}

/// The recommendation for one server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FixPlan {
    pub current_maxmemory_bytes: Option<u64>,
    pub current_policy: Option<String>,
    pub role: Role,
    /// Recommended maxmemory: bytes and as written in redis.conf (`409mb`); `None` when no
    /// limit is known and none was given.
    pub maxmemory: Option<(u64, String)>,
    /// Recommended policy; `None` when the role is unknown and the current one is unknown too.
    pub policy: Option<String>,
    /// Why, one sentence each.
    pub why: Vec<String>,
    /// `(parameter, value)` to change, in order.
    pub changes: Vec<(String, String)>,
    /// The exact commands, e.g. `CONFIG SET maxmemory 428867584`.
    pub config_set: Vec<String>,
    /// Nothing to change.
    pub unchanged: bool,
}

/// A `--maxmemory` or `--policy` the planner cannot use. Display is one line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error(
        "--maxmemory `{0}` is not a size: use a redis size (400mb, 1gb) or a Kubernetes quantity (400Mi), or `auto`"
    )]
    BadSize(String),
    #[error("--maxmemory 0 means no limit to Redis; give a size")]
    ZeroSize,
    #[error(
        "--maxmemory {value} is at or above the container memory limit {limit}: the kernel would OOM-kill Redis before maxmemory is reached"
    )]
    AboveLimit { value: String, limit: String },
    #[error("--policy `{0}` is not a maxmemory-policy (one of: {list})", list = POLICIES.join(", "))]
    BadPolicy(String),
}

/// 80% of `limit_bytes`, without overflow (same formula as the lint rules).
pub fn recommended_bytes(limit_bytes: u64) -> u64 {
    limit_bytes / 100 * RECOMMENDED_PERCENT + (limit_bytes % 100) * RECOMMENDED_PERCENT / 100
}

/// Plans the change. Pure: no I/O.
pub fn plan(
    current: &Current,
    limit: Option<&Limit>,
    role: Role,
    overrides: &Overrides,
) -> Result<FixPlan, PlanError> {
    let mut why = Vec::new();
    let maxmemory = plan_maxmemory(current, limit, overrides, &mut why)?;
    let policy = plan_policy(current, role, overrides, &mut why)?;
    let mut changes = Vec::new();
    if let Some((bytes, _)) = &maxmemory
        && current.maxmemory_bytes != Some(*bytes)
    {
        changes.push(("maxmemory".to_string(), bytes.to_string()));
    }
    if let Some(p) = &policy
        && current.policy.as_deref() != Some(p.as_str())
    {
        changes.push(("maxmemory-policy".to_string(), p.clone()));
    }
    let config_set: Vec<String> = changes.iter().map(|(k, v)| format!("CONFIG SET {k} {v}")).collect();
    Ok(FixPlan {
        current_maxmemory_bytes: current.maxmemory_bytes,
        current_policy: current.policy.clone(),
        role,
        maxmemory,
        policy,
        why,
        unchanged: config_set.is_empty(),
        changes,
        config_set,
    })
}

fn plan_maxmemory(
    current: &Current,
    limit: Option<&Limit>,
    overrides: &Overrides,
    why: &mut Vec<String>,
) -> Result<Option<(u64, String)>, PlanError> {
    let asked = overrides.maxmemory.as_deref().filter(|s| !s.eq_ignore_ascii_case("auto"));
    if let Some(raw) = asked {
        let (bytes, text) = parse_size(raw)?;
        if let Some(l) = limit
            && bytes >= l.bytes
        {
            return Err(PlanError::AboveLimit { value: text, limit: l.raw.clone() });
        }
        why.push(format!("maxmemory {text}: as asked with --maxmemory."));
        return Ok(Some((bytes, text)));
    }
    let Some(limit) = limit else {
        match current.maxmemory_bytes {
            Some(m) if m > 0 => why.push(format!(
                "maxmemory: no container memory limit is known, so the current {} is kept; pass --memory-limit QUANTITY or --maxmemory SIZE to change it.",
                findings::units::format_k8s_bytes(m)
            )),
            _ => why.push(
                "maxmemory: no container memory limit is known and fix does not invent one; set a memory limit on the container, or pass --memory-limit QUANTITY or --maxmemory SIZE."
                    .to_string(),
            ),
        }
        return Ok(None);
    };
    let target = recommended_bytes(limit.bytes);
    let text = format_redis_memory(target, redis_style_for_k8s(&limit.raw));
    // Rounded down to whole units, so the value written in redis.conf and the one set live
    // are the same bytes.
    let bytes = parse_redis_memory(&text).unwrap_or(target);
    match current.maxmemory_bytes {
        Some(m) if m > 0 && m <= bytes => {
            why.push(format!(
                "maxmemory {}: already within {RECOMMENDED_PERCENT}% of the container limit {}, kept.",
                keep_text(m, &limit.raw),
                limit.raw
            ));
            Ok(Some((m, keep_text(m, &limit.raw))))
        }
        Some(m) if m > 0 => {
            why.push(format!(
                "maxmemory {text}: {RECOMMENDED_PERCENT}% of the container limit {}; the current {} leaves too little for fork copy-on-write, replication and client buffers and fragmentation, which maxmemory does not count.",
                limit.raw,
                findings::units::format_k8s_bytes(m)
            ));
            Ok(Some((bytes, text)))
        }
        _ => {
            why.push(format!(
                "maxmemory {text}: {RECOMMENDED_PERCENT}% of the container limit {}; without maxmemory Redis grows past the limit and is OOM-killed instead of evicting or rejecting writes.",
                limit.raw
            ));
            Ok(Some((bytes, text)))
        }
    }
}

/// A current value as redis.conf would say it: in the limit's unit when exact, else bytes.
fn keep_text(bytes: u64, limit_raw: &str) -> String {
    let text = format_redis_memory(bytes, redis_style_for_k8s(limit_raw));
    if parse_redis_memory(&text) == Ok(bytes) { text } else { bytes.to_string() }
}

/// `400mb` (redis) or `400Mi` (Kubernetes) to bytes and the redis.conf spelling.
fn parse_size(raw: &str) -> Result<(u64, String), PlanError> {
    let raw = raw.trim();
    let (bytes, text) = if let Ok(b) = parse_redis_memory(raw) {
        (b, raw.to_ascii_lowercase())
    } else if let Ok(b) = parse_k8s_quantity(raw) {
        let text = format_redis_memory(b, redis_style_for_k8s(raw));
        let text = if parse_redis_memory(&text) == Ok(b) {
            text
        } else {
            format_redis_memory(b, RedisUnitStyle::Bytes)
        };
        (b, text)
    } else {
        return Err(PlanError::BadSize(raw.to_string()));
    };
    if bytes == 0 {
        return Err(PlanError::ZeroSize);
    }
    Ok((bytes, text))
}

fn is_evicting(policy: &str) -> bool {
    policy != "noeviction" && POLICIES.contains(&policy)
}

fn plan_policy(
    current: &Current,
    role: Role,
    overrides: &Overrides,
    why: &mut Vec<String>,
) -> Result<Option<String>, PlanError> {
    if let Some(asked) = &overrides.policy {
        let asked = asked.trim().to_ascii_lowercase();
        if !POLICIES.contains(&asked.as_str()) {
            return Err(PlanError::BadPolicy(asked));
        }
        let mut line = format!("maxmemory-policy {asked}: as asked with --policy.");
        if is_evicting(&asked) && matches!(role, Role::Queue | Role::Mixed) {
            line.push_str(&format!(
                " Warning: this Redis looks like a {} Redis; eviction silently drops jobs, locks and heartbeats (Sidekiq and BullMQ require noeviction).",
                role.as_str()
            ));
        }
        why.push(line);
        return Ok(Some(asked));
    }
    let cur = current.policy.as_deref();
    let policy = match role {
        Role::Queue | Role::Sessions | Role::Mixed => {
            let reason = match role {
                Role::Queue => {
                    "queues need it: eviction silently drops jobs, locks and heartbeats (Sidekiq >= 6.1.3 and BullMQ warn on anything else)"
                }
                Role::Sessions => {
                    "an evicted session logs its user out before it expires; keep TTLs on the session keys so they still expire"
                }
                _ => {
                    "no single policy suits cache and queue data in one instance: noeviction keeps the queues safe (put TTLs on the cache writes, or split the instance)"
                }
            };
            why.push(format!("maxmemory-policy noeviction: role {}; {reason}.", role.as_str()));
            "noeviction".to_string()
        }
        Role::Cache => match cur {
            Some(p) if is_evicting(p) => {
                why.push(format!("maxmemory-policy {p}: role cache, and `{p}` already evicts; kept."));
                p.to_string()
            }
            _ => {
                let lfu = current.version.is_none_or(|v| v >= (4, 0, 0));
                let p = if lfu { "allkeys-lfu" } else { "allkeys-lru" };
                why.push(format!(
                    "maxmemory-policy {p}: role cache; a full cache should evict old entries rather than reject writes (Rails: \"allkeys-lfu is a good default\"; allkeys-lru works too)."
                ));
                p.to_string()
            }
        },
        Role::Unknown => {
            match cur {
                Some(p) => why.push(format!(
                    "maxmemory-policy {p}: kept, the role is unknown (no framework keys recognised); pass --role queue|cache|sessions|mixed to choose one."
                )),
                None => why.push(
                    "maxmemory-policy: unknown (CONFIG GET refused) and so is the role; pass --policy or --role.".to_string(),
                ),
            }
            return Ok(cur.map(str::to_string));
        }
    };
    Ok(Some(policy))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn cur(max: u64, policy: &str) -> Current {
        Current { maxmemory_bytes: Some(max), policy: Some(policy.into()), version: Some((7, 2, 4)) }
    }

    fn lim(raw: &str) -> Limit {
        Limit { bytes: parse_k8s_quantity(raw).unwrap(), raw: raw.into() }
    }

    #[test]
    fn no_limit_no_size_invents_nothing() {
        let p = plan(&cur(0, "noeviction"), None, Role::Queue, &Overrides::default()).unwrap();
        assert_eq!(p.maxmemory, None);
        assert!(p.why[0].contains("does not invent"), "{:?}", p.why);
        assert!(p.unchanged);
        assert!(p.config_set.is_empty());
    }

    #[test]
    fn queue_gets_80_percent_and_noeviction() {
        let p =
            plan(&cur(0, "allkeys-lru"), Some(&lim("512Mi")), Role::Queue, &Overrides::default()).unwrap();
        assert_eq!(p.maxmemory, Some((409 << 20, "409mb".into())));
        assert_eq!(p.policy.as_deref(), Some("noeviction"));
        assert_eq!(
            p.config_set,
            vec!["CONFIG SET maxmemory 428867584", "CONFIG SET maxmemory-policy noeviction"]
        );
        assert!(!p.unchanged);
    }

    #[test]
    fn too_high_maxmemory_is_lowered_in_the_limit_style() {
        let p = plan(&cur(512 << 20, "noeviction"), Some(&lim("128Mi")), Role::Queue, &Overrides::default())
            .unwrap();
        assert_eq!(p.maxmemory, Some((102 << 20, "102mb".into())));
        assert_eq!(p.config_set, vec!["CONFIG SET maxmemory 106954752"]);
        let p = plan(&cur(0, "noeviction"), Some(&lim("1G")), Role::Queue, &Overrides::default()).unwrap();
        assert_eq!(p.maxmemory, Some((800_000_000, "800m".into())));
    }

    #[test]
    fn a_maxmemory_within_headroom_is_kept() {
        let p = plan(&cur(200 << 20, "allkeys-lru"), Some(&lim("256Mi")), Role::Cache, &Overrides::default())
            .unwrap();
        assert_eq!(p.maxmemory, Some((200 << 20, "200mb".into())));
        assert_eq!(p.policy.as_deref(), Some("allkeys-lru"));
        assert!(p.unchanged, "{:?}", p.config_set);
    }

    #[test]
    fn cache_gets_an_evicting_policy_unless_it_has_one() {
        let p = plan(&cur(0, "noeviction"), Some(&lim("1Gi")), Role::Cache, &Overrides::default()).unwrap();
        assert_eq!(p.policy.as_deref(), Some("allkeys-lfu"));
        let p = plan(&cur(0, "volatile-ttl"), Some(&lim("1Gi")), Role::Cache, &Overrides::default()).unwrap();
        assert_eq!(p.policy.as_deref(), Some("volatile-ttl"));
        let old = Current { version: Some((3, 2, 0)), ..cur(0, "noeviction") };
        let p = plan(&old, Some(&lim("1Gi")), Role::Cache, &Overrides::default()).unwrap();
        assert_eq!(p.policy.as_deref(), Some("allkeys-lru"));
    }

    #[test]
    fn sessions_and_mixed_get_noeviction() {
        for role in [Role::Sessions, Role::Mixed] {
            let p = plan(&cur(0, "volatile-lru"), None, role, &Overrides::default()).unwrap();
            assert_eq!(p.policy.as_deref(), Some("noeviction"));
            assert_eq!(p.config_set, vec!["CONFIG SET maxmemory-policy noeviction"]);
        }
    }

    #[test]
    fn unknown_role_keeps_the_policy_and_says_why() {
        let p =
            plan(&cur(0, "volatile-lru"), Some(&lim("1Gi")), Role::Unknown, &Overrides::default()).unwrap();
        assert_eq!(p.policy.as_deref(), Some("volatile-lru"));
        assert!(p.why.iter().any(|w| w.contains("role is unknown") && w.contains("--role")), "{:?}", p.why);
        assert_eq!(p.config_set, vec!["CONFIG SET maxmemory 858783744"]);
    }

    #[test]
    fn overrides() {
        let o = Overrides { maxmemory: Some("300Mi".into()), policy: Some("allkeys-lru".into()) };
        let p = plan(&cur(0, "noeviction"), Some(&lim("1Gi")), Role::Queue, &o).unwrap();
        assert_eq!(p.maxmemory, Some((300 << 20, "300mb".into())));
        assert_eq!(p.policy.as_deref(), Some("allkeys-lru"));
        assert!(p.why.iter().any(|w| w.contains("Warning")));
        let o = Overrides { maxmemory: Some("auto".into()), policy: None };
        let p = plan(&cur(0, "noeviction"), Some(&lim("1Gi")), Role::Queue, &o).unwrap();
        assert_eq!(p.maxmemory.unwrap().1, "819mb");
        let o = Overrides { maxmemory: Some("2gb".into()), policy: None };
        assert!(matches!(
            plan(&cur(0, "noeviction"), Some(&lim("1Gi")), Role::Queue, &o),
            Err(PlanError::AboveLimit { .. })
        ));
        let o = Overrides { maxmemory: Some("lots".into()), policy: None };
        assert!(matches!(plan(&cur(0, ""), None, Role::Queue, &o), Err(PlanError::BadSize(_))));
        let o = Overrides { maxmemory: Some("0".into()), policy: None };
        assert_eq!(plan(&cur(0, ""), None, Role::Queue, &o), Err(PlanError::ZeroSize));
        let o = Overrides { maxmemory: None, policy: Some("allkeys_lru".into()) };
        assert!(matches!(plan(&cur(0, ""), None, Role::Queue, &o), Err(PlanError::BadPolicy(_))));
        // No limit, but a size: fine.
        let o = Overrides { maxmemory: Some("100mb".into()), policy: None };
        let p = plan(&cur(0, "noeviction"), None, Role::Queue, &o).unwrap();
        assert_eq!(p.config_set, vec!["CONFIG SET maxmemory 104857600"]);
    }

    #[test]
    fn config_refused_still_plans() {
        let p = plan(&Current::default(), Some(&lim("256Mi")), Role::Queue, &Overrides::default()).unwrap();
        assert_eq!(p.config_set.len(), 2);
    }
}
