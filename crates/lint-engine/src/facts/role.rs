//! What a Redis is used for, which decides the right eviction policy.
//!
//! A queue Redis (Sidekiq, BullMQ/Bull, Celery broker, RQ, Resque) must not evict; a cache Redis
//! should. Here the role comes from names and labels; `.redis-audit.yaml` overrides it, and the
//! application-config linter adds evidence from app code. When unsure the role stays unknown,
//! which only ever softens findings.

pub use findings::Role;

/// A role and why we think so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleInfo {
    pub role: Role,
    /// Human explanation, e.g. "name `sidekiq-redis`".
    pub evidence: String,
}

impl RoleInfo {
    pub fn unknown() -> Self {
        RoleInfo { role: Role::Unknown, evidence: String::new() }
    }
}

/// Name tokens that give away a role. Matched against whole tokens of names split on
/// non-alphanumerics, so `redis-cache` is a cache but `cachet` is not.
const TOKENS: &[(&str, Role)] = &[
    ("bull", Role::Queue),
    ("bullmq", Role::Queue),
    ("broker", Role::Queue),
    ("celery", Role::Queue),
    ("job", Role::Queue),
    ("jobs", Role::Queue),
    ("queue", Role::Queue),
    ("queues", Role::Queue),
    ("resque", Role::Queue),
    ("rq", Role::Queue),
    ("sidekiq", Role::Queue),
    ("worker", Role::Queue),
    ("workers", Role::Queue),
    ("cache", Role::Cache),
    ("caches", Role::Cache),
    ("caching", Role::Cache),
    ("session", Role::Sessions),
    ("sessions", Role::Sessions),
];

/// Annotation that states the role of a Redis workload or CR (`cache`, `queue`, `sessions`).
pub const ROLE_ANNOTATION: &str = "redis-audit.io/role";

/// Labels whose values name what a workload is for.
pub const NAME_LABELS: &[&str] = &[
    "app.kubernetes.io/name",
    "app.kubernetes.io/instance",
    "app.kubernetes.io/component",
    "app.kubernetes.io/part-of",
    "app",
    "release",
    "component",
];

/// Names (object name, `extra`, label values) and role of a Kubernetes object: the role
/// annotation on the object (or `annotation_fallback`, e.g. the pod template's) wins over names.
pub fn of_object(
    obj: &crate::source::Object<'_>,
    extra: &[&str],
    annotation_fallback: Option<&str>,
) -> (Vec<String>, RoleInfo) {
    let mut names = vec![obj.name().to_string()];
    names.extend(extra.iter().map(|s| s.to_string()));
    names.extend(NAME_LABELS.iter().filter_map(|key| obj.label(key)).map(str::to_string));
    let explicit = obj.annotation(ROLE_ANNOTATION).or(annotation_fallback).and_then(parse_role);
    let role = match explicit {
        Some(role) => RoleInfo { role, evidence: format!("annotation `{ROLE_ANNOTATION}`") },
        None => from_names(&names),
    };
    (names, role)
}

/// Parses a role written by a user (annotation, config file).
pub fn parse_role(s: &str) -> Option<Role> {
    match s.trim().to_ascii_lowercase().as_str() {
        "cache" => Some(Role::Cache),
        "queue" | "jobs" | "broker" => Some(Role::Queue),
        "sessions" | "session" => Some(Role::Sessions),
        "mixed" => Some(Role::Mixed),
        _ => None,
    }
}

/// Role from names (workload, release, labels...). Conflicting tokens give `Mixed`.
pub fn from_names(names: &[String]) -> RoleInfo {
    let mut found: Vec<(Role, &str)> = Vec::new();
    for name in names {
        for token in name.split(|c: char| !c.is_ascii_alphanumeric()) {
            let token = token.to_ascii_lowercase();
            if let Some((_, role)) = TOKENS.iter().find(|(t, _)| *t == token)
                && !found.iter().any(|(r, _)| r == role)
            {
                found.push((*role, name));
            }
        }
    }
    match found.as_slice() {
        [] => RoleInfo::unknown(),
        [(role, name)] => RoleInfo { role: *role, evidence: format!("name `{name}`") },
        many => RoleInfo {
            role: Role::Mixed,
            evidence: many
                .iter()
                .map(|(r, n)| format!("`{n}` suggests {}", r.as_str()))
                .collect::<Vec<_>>()
                .join(", "),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(n: &[&str]) -> Vec<String> {
        n.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn tokens_not_substrings() {
        assert_eq!(from_names(&names(&["sidekiq-redis"])).role, Role::Queue);
        assert_eq!(from_names(&names(&["redis-cache-master"])).role, Role::Cache);
        assert_eq!(from_names(&names(&["cachet", "jobsite", "redis"])).role, Role::Unknown);
        assert_eq!(from_names(&names(&["cache", "celery"])).role, Role::Mixed);
        assert_eq!(from_names(&names(&["Session_Store"])).role, Role::Sessions);
    }
}
