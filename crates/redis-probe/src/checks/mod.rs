//! Live checks: what a running Redis says about its memory, against its container limit and
//! what it is used for. Rule ids are shared with the linter where the meaning is the same
//! (`maxmemory-unset`, `maxmemory-exceeds-limit`, `maxmemory-headroom-low`,
//! `eviction-policy-on-queue`, `noeviction-on-cache`); their docs are in `lint-rules/`.
//!
//! Checks read [`LiveFacts`], plain numbers extracted once from a [`Snapshot`], so each check is
//! a small pure function and tests need no server.

mod facts;
mod rules;

pub use facts::{LiveFacts, RoleSource};
pub(crate) use rules::fragmentation_is_high;
pub use rules::{RULE_IDS, run};

use findings::Role;

/// What the caller knows besides the server itself.
#[derive(Debug, Clone, Default)]
pub struct CheckContext {
    /// Container memory limit in bytes, and how it was written (`512Mi`).
    pub memory_limit: Option<(u64, String)>,
    /// The container is known to have no memory limit (a pod without one), as opposed to a
    /// server reached by URL whose limit nobody told us.
    pub no_memory_limit: bool,
    /// Role stated by the user (`--role`), which wins over the keyspace guess.
    pub role: Option<Role>,
}

/// Findings from a keyspace scan: framework retention problems, big keys and data kept
/// without TTL, each pointing at an example key.
pub fn keyspace_findings(keys: &crate::keys::KeysReport, target: &str) -> Vec<findings::Finding> {
    keys.retention
        .iter()
        .map(|issue| {
            let severity =
                findings::catalog().get(issue.rule).map_or(findings::Severity::Warning, |r| r.severity);
            let location = match &issue.example_key {
                Some(key) => {
                    findings::Location::Key { target: target.to_string(), db: issue.db, key: key.clone() }
                }
                None => findings::Location::Server { target: target.to_string() },
            };
            findings::Finding::new(issue.rule, severity, issue.message.clone(), location, &issue.framework)
        })
        .collect()
}
