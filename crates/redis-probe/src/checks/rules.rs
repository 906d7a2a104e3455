//! The live checks, one small function each, over [`LiveFacts`].
//!
//! Thresholds: maxmemory at most 80% of the container limit (the rest covers fork
//! copy-on-write, replication and client buffers and fragmentation, none of which maxmemory
//! counts); used memory at 90% of maxmemory is "near full"; RSS at 90% of the limit is close to
//! an OOM kill; fragmentation matters above a ratio of 1.5 *and* 100 MiB wasted (small
//! instances always look fragmented).

use findings::{Finding, Location, Role, Severity, catalog, units::format_k8s_bytes};

use super::LiveFacts;

type Check = fn(&LiveFacts, &mut Vec<Finding>);

const CHECKS: &[Check] = &[
    maxmemory,
    memory_near_maxmemory,
    rss_near_limit,
    fragmentation,
    eviction_policy,
    evictions_on_queue,
    oom_errors,
    dangerous_commands,
    lazyfree,
    persistence,
    memory_doctor,
];

/// Every rule id the checks above can emit (each must have a catalog entry).
pub const RULE_IDS: &[&str] = &[
    "maxmemory-unset",
    "maxmemory-exceeds-limit",
    "maxmemory-headroom-low",
    "memory-near-maxmemory",
    "rss-near-limit",
    "fragmentation-high",
    "eviction-policy-on-queue",
    "noeviction-on-cache",
    "evictions-on-queue",
    "writes-rejected-oom",
    "dangerous-commands-used",
    "lazyfree-off",
    "persistence-failing",
    "memory-doctor-report",
];

const NEAR_FULL_PERCENT: u64 = 90;
const HEADROOM_PERCENT: u64 = 80;
const FRAG_RATIO: f64 = 1.5;
const FRAG_BYTES: i64 = 100 << 20;

/// Runs every live check.
pub fn run(facts: &LiveFacts) -> Vec<Finding> {
    let mut out = Vec::new();
    for check in CHECKS {
        check(facts, &mut out);
    }
    out
}

fn default_severity(rule: &str) -> Severity {
    catalog().get(rule).map_or(Severity::Warning, |r| r.severity)
}

fn push(out: &mut Vec<Finding>, facts: &LiveFacts, rule: &str, severity: Option<Severity>, message: String) {
    push_keyed(out, facts, rule, severity, message, rule);
}

/// As [`push`], for a rule that can fire more than once per server: `key` tells the findings
/// apart in their fingerprints (baselines, SARIF partialFingerprints).
fn push_keyed(
    out: &mut Vec<Finding>,
    facts: &LiveFacts,
    rule: &str,
    severity: Option<Severity>,
    message: String,
    key: &str,
) {
    let severity = severity.unwrap_or_else(|| default_severity(rule));
    out.push(Finding::new(rule, severity, message, Location::Server { target: facts.target.clone() }, key));
}

fn pct(part: u64, whole: u64) -> u64 {
    if whole == 0 { 0 } else { (u128::from(part) * 100 / u128::from(whole)) as u64 }
}

fn maxmemory(f: &LiveFacts, out: &mut Vec<Finding>) {
    let Some(max) = f.maxmemory else { return };
    let limit = f.memory_limit.as_ref();
    if max == 0 {
        let (severity, tail) = match limit {
            Some((l, raw)) => (
                Severity::Error,
                format!(
                    "the container limit is {raw}: Redis will grow past it and be OOM-killed; set maxmemory to about {} (80% of the limit)",
                    format_k8s_bytes(l / 100 * HEADROOM_PERCENT)
                ),
            ),
            None if f.no_memory_limit => (
                Severity::Warning,
                "the container has no memory limit either, so it grows until the node runs out of memory".to_string(),
            ),
            None => (Severity::Warning, "it grows until the host or container runs out of memory; pass --memory-limit to compare with a container limit".to_string()),
        };
        push(out, f, "maxmemory-unset", Some(severity), format!("maxmemory is 0 (no limit): {tail}."));
        return;
    }
    let Some((limit, raw)) = limit else { return };
    if max >= *limit {
        push(
            out,
            f,
            "maxmemory-exceeds-limit",
            None,
            format!(
                "maxmemory {} is at or above the container memory limit {raw}: the kernel OOM-kills Redis before maxmemory is reached; set about {}.",
                format_k8s_bytes(max),
                format_k8s_bytes(limit / 100 * HEADROOM_PERCENT)
            ),
        );
    } else if pct(max, *limit) > HEADROOM_PERCENT {
        push(
            out,
            f,
            "maxmemory-headroom-low",
            None,
            format!(
                "maxmemory {} is {}% of the container memory limit {raw}: fork copy-on-write during BGSAVE/AOF rewrite, replication and client buffers and fragmentation need the rest; set about {}.",
                format_k8s_bytes(max),
                pct(max, *limit),
                format_k8s_bytes(limit / 100 * HEADROOM_PERCENT)
            ),
        );
    }
}

fn memory_near_maxmemory(f: &LiveFacts, out: &mut Vec<Finding>) {
    let (Some(used), Some(max)) = (f.used_memory, f.maxmemory) else { return };
    if max == 0 || pct(used, max) < NEAR_FULL_PERCENT {
        return;
    }
    let consequence = match f.policy.as_deref() {
        Some("noeviction") => "with `noeviction`, writes will soon fail with `OOM command not allowed`",
        Some(p) => {
            return push(
                out,
                f,
                "memory-near-maxmemory",
                Some(Severity::Info),
                format!(
                    "used memory {} is {}% of maxmemory {}: `{p}` is evicting keys to stay under it.",
                    format_k8s_bytes(used),
                    pct(used, max),
                    format_k8s_bytes(max)
                ),
            );
        }
        None => "the policy could not be read",
    };
    push(
        out,
        f,
        "memory-near-maxmemory",
        None,
        format!(
            "used memory {} is {}% of maxmemory {}: {consequence}.",
            format_k8s_bytes(used),
            pct(used, max),
            format_k8s_bytes(max)
        ),
    );
}

fn rss_near_limit(f: &LiveFacts, out: &mut Vec<Finding>) {
    let (Some(rss), Some((limit, raw))) = (f.used_memory_rss, f.memory_limit.as_ref()) else { return };
    if pct(rss, *limit) >= NEAR_FULL_PERCENT {
        push(
            out,
            f,
            "rss-near-limit",
            None,
            format!(
                "resident memory {} is {}% of the container limit {raw}: a fork for BGSAVE or a traffic spike can get the container OOM-killed.",
                format_k8s_bytes(rss),
                pct(rss, *limit)
            ),
        );
    }
}

/// Whether `fragmentation-high` fires for this ratio and RSS-minus-used bytes (also the bar
/// `fix --purge` uses).
pub(crate) fn fragmentation_is_high(ratio: f64, bytes: i64) -> bool {
    ratio > FRAG_RATIO && bytes > FRAG_BYTES
}

fn fragmentation(f: &LiveFacts, out: &mut Vec<Finding>) {
    let (Some(ratio), Some(bytes)) = (f.fragmentation_ratio, f.fragmentation_bytes) else { return };
    if fragmentation_is_high(ratio, bytes) {
        push(
            out,
            f,
            "fragmentation-high",
            None,
            format!(
                "memory fragmentation ratio {ratio:.2}: {} of RSS is not holding data; enable `activedefrag yes` (jemalloc builds) or restart a replica and fail over.",
                format_k8s_bytes(bytes.unsigned_abs())
            ),
        );
    }
}

fn evicting(policy: Option<&str>) -> bool {
    policy.is_some_and(|p| p != "noeviction")
}

fn role_words(f: &LiveFacts) -> String {
    match &f.role_source {
        super::RoleSource::Stated => format!("{} (stated)", f.role.as_str()),
        super::RoleSource::Keyspace { confidence, evidence } => {
            format!("{} ({evidence}; confidence {:.0}%)", f.role.as_str(), confidence * 100.0)
        }
        super::RoleSource::Unknown => "unknown".into(),
    }
}

fn eviction_policy(f: &LiveFacts, out: &mut Vec<Finding>) {
    let bounded = f.maxmemory.is_some_and(|m| m > 0);
    let policy = f.policy.as_deref();
    if bounded && evicting(policy) && matches!(f.role, Role::Queue | Role::Mixed) {
        let severity = if f.role == Role::Queue { Severity::Error } else { Severity::Warning };
        push(
            out,
            f,
            "eviction-policy-on-queue",
            Some(severity),
            format!(
                "this Redis holds queues, role {}, but maxmemory-policy is `{}`: eviction silently drops jobs, locks and heartbeats; use `noeviction` (Sidekiq and BullMQ require it).",
                role_words(f),
                policy.unwrap_or("")
            ),
        );
    }
    let near_full =
        matches!((f.used_memory, f.maxmemory), (Some(u), Some(m)) if m > 0 && pct(u, m) >= NEAR_FULL_PERCENT);
    let rejecting = f.oom_errors.is_some_and(|n| n > 0);
    if f.role == Role::Cache && policy == Some("noeviction") && bounded && (near_full || rejecting) {
        push(
            out,
            f,
            "noeviction-on-cache",
            None,
            format!(
                "this Redis is a cache, role {}, with maxmemory-policy `noeviction` and is {}: a full cache rejects writes instead of evicting old entries; use `allkeys-lfu` or `allkeys-lru`.",
                role_words(f),
                if rejecting { "already rejecting writes" } else { "near full" }
            ),
        );
    }
}

fn evictions_on_queue(f: &LiveFacts, out: &mut Vec<Finding>) {
    if f.evicted_keys > 0 && matches!(f.role, Role::Queue | Role::Mixed) {
        push(
            out,
            f,
            "evictions-on-queue",
            None,
            format!(
                "{} keys were evicted since the server started, on a Redis holding queues (role {}): jobs or locks may have been lost.",
                f.evicted_keys,
                role_words(f)
            ),
        );
    }
}

fn oom_errors(f: &LiveFacts, out: &mut Vec<Finding>) {
    if let Some(n) = f.oom_errors.filter(|n| *n > 0) {
        push(
            out,
            f,
            "writes-rejected-oom",
            None,
            format!(
                "{n} commands were refused with `OOM command not allowed when used memory > 'maxmemory'` since the server started: clients saw errors."
            ),
        );
    }
}

fn dangerous_commands(f: &LiveFacts, out: &mut Vec<Finding>) {
    if f.dangerous_calls.is_empty() {
        return;
    }
    let list: Vec<String> = f
        .dangerous_calls
        .iter()
        .map(|(c, n)| format!("{c} ({n} call{})", if *n == 1 { "" } else { "s" }))
        .collect();
    push(
        out,
        f,
        "dangerous-commands-used",
        None,
        format!(
            "{} ran on this server since it started: KEYS blocks Redis while it walks the whole keyspace and FLUSH* deletes everything; use SCAN, and rename or ACL-deny these commands.",
            list.join(", ")
        ),
    );
}

fn lazyfree(f: &LiveFacts, out: &mut Vec<Finding>) {
    if f.lazyfree_off.is_empty() {
        return;
    }
    push(
        out,
        f,
        "lazyfree-off",
        None,
        format!(
            "{} off: evicting, expiring or deleting a big key frees it on the main thread and stalls every client meanwhile; set them to `yes` (Valkey 8 turns them all on by default; Redis leaves them off).",
            f.lazyfree_off.join(", ")
        ),
    );
}

fn persistence(f: &LiveFacts, out: &mut Vec<Finding>) {
    for (what, status) in &f.persistence_errors {
        push(
            out,
            f,
            "persistence-failing",
            None,
            format!(
                "`{what}` is `{status}`: the last save failed (often the fork could not get memory); with `stop-writes-on-bgsave-error yes` Redis refuses writes until a save succeeds."
            ),
        );
    }
}

fn memory_doctor(f: &LiveFacts, out: &mut Vec<Finding>) {
    let Some(text) = f.memory_doctor.as_deref() else { return };
    // Problems are the " * " paragraphs of MEMORY DOCTOR's report (src/object.c getMemoryDoctorReport).
    for problem in text.split("\n\n").map(str::trim).filter(|p| p.starts_with("* ")) {
        let line: String = problem.trim_start_matches("* ").split_whitespace().collect::<Vec<_>>().join(" ");
        // The problem's title (`Peak memory:`, `High total RSS:`) is stable; its numbers are not.
        let title = line.split(':').next().unwrap_or(&line).to_string();
        push_keyed(out, f, "memory-doctor-report", None, format!("MEMORY DOCTOR: {line}"), &title);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::checks::RoleSource;

    fn facts() -> LiveFacts {
        LiveFacts {
            target: "redis://t:6379".into(),
            maxmemory: Some(0),
            policy: Some("noeviction".into()),
            ..LiveFacts::default()
        }
    }

    fn rules(f: &LiveFacts) -> Vec<(String, Severity)> {
        run(f).into_iter().map(|x| (x.rule, x.severity)).collect()
    }

    #[test]
    fn every_live_rule_is_in_the_catalog() {
        let ids = RULE_IDS.iter().chain(crate::keys::RULES.iter().map(|(id, _)| id));
        for id in ids {
            let rule = catalog().get(id).unwrap_or_else(|| panic!("{id} has no lint-rules/{id}.yaml"));
            assert_ne!(rule.scope, findings::Scope::Lint, "{id} runs live");
        }
    }

    #[test]
    fn maxmemory_against_limit() {
        let mut f = facts();
        assert_eq!(rules(&f), [("maxmemory-unset".to_string(), Severity::Warning)]);
        f.memory_limit = Some((512 << 20, "512Mi".into()));
        assert_eq!(rules(&f), [("maxmemory-unset".to_string(), Severity::Error)]);
        f.maxmemory = Some(512 << 20);
        assert_eq!(rules(&f)[0].0, "maxmemory-exceeds-limit");
        f.maxmemory = Some(450 << 20);
        assert_eq!(rules(&f)[0].0, "maxmemory-headroom-low");
        f.maxmemory = Some(400 << 20);
        assert!(rules(&f).is_empty());
    }

    #[test]
    fn queue_and_cache_roles() {
        let mut f = facts();
        f.maxmemory = Some(100 << 20);
        f.used_memory = Some(95 << 20);
        f.policy = Some("allkeys-lru".into());
        f.role = Role::Queue;
        f.role_source = RoleSource::Keyspace { confidence: 0.9, evidence: "Sidekiq keys".into() };
        f.evicted_keys = 12;
        let r = rules(&f);
        assert!(r.contains(&("eviction-policy-on-queue".to_string(), Severity::Error)), "{r:?}");
        assert!(r.iter().any(|(id, _)| id == "evictions-on-queue"));
        let mut c = facts();
        c.maxmemory = Some(100 << 20);
        c.used_memory = Some(50 << 20);
        c.role = Role::Cache;
        assert!(rules(&c).is_empty(), "noeviction on a cache with room is fine");
        c.oom_errors = Some(3);
        let r = rules(&c);
        assert!(
            r.iter().any(|(id, _)| id == "noeviction-on-cache")
                && r.iter().any(|(id, _)| id == "writes-rejected-oom"),
            "{r:?}"
        );
    }

    #[test]
    fn doctor_problems_become_findings() {
        let mut f = facts();
        f.maxmemory = Some(1);
        f.memory_doctor = Some("Sam, I detected a few issues in this Redis instance memory implants:\n\n * High total RSS: This instance has a memory fragmentation and RSS overhead greater than 1.4 (this means that the Resident Set Size of the Redis process is much larger than the sum of the logical allocations Redis performed). This problem is usually due either to a large peak memory.\n\nI'm here to keep you safe, Sam. I want to help you.\n".into());
        let r = run(&f);
        assert_eq!(r.len(), 1);
        assert!(r[0].message.starts_with("MEMORY DOCTOR: High total RSS"));
        f.memory_doctor = Some("Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.".into());
        assert!(run(&f).is_empty());
        // Two problems: two findings with different fingerprints.
        f.memory_doctor = Some(
            "Sam, issues:\n\n * Peak memory: In the past 150%.\n\n * High total RSS: 1.4.\n\nBye\n".into(),
        );
        let r = run(&f);
        assert_eq!(r.len(), 2);
        assert_ne!(r[0].fingerprint, r[1].fingerprint);
    }
}
