//! The role of a Redis (cache, queue, sessions, mixed) guessed from the frameworks found in
//! its keys, with a confidence. Queue data decides the eviction policy (library-defaults §0:
//! `noeviction` for Sidekiq, BullMQ, Celery brokers), so any queue framework holding data
//! makes the Redis a queue, or mixed when caches or sessions also hold a real share.

use std::collections::BTreeMap;

use findings::Role;
use serde::Serialize;

use super::fingerprints::{Fingerprints, FrameworkReport};

/// What the Redis is used for, as guessed from its keys.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RoleGuess {
    pub role: Role,
    /// 0..1.
    pub confidence: f64,
    pub evidence: String,
}

/// Share of keys a role must hold among recognised keys to count.
const MIN_ROLE_SHARE: f64 = 0.01;
/// Share of all keys that generic keys with a TTL must reach to suggest a cache.
const GENERIC_CACHE_SHARE: f64 = 0.10;

/// Queue if queue frameworks hold data, cache if only caches (framework caches, or plain keys
/// that mostly expire), sessions if only sessions, mixed when several hold a real share.
/// Confidence grows with the share of keys explained.
pub fn guess_role(frameworks: &[FrameworkReport], fp: &Fingerprints, total_keys: u64) -> RoleGuess {
    if total_keys == 0 {
        return RoleGuess { role: Role::Unknown, confidence: 0.0, evidence: "the keyspace is empty".into() };
    }
    let mut by_role: BTreeMap<&'static str, (Role, u64, u64, Vec<&'static str>)> = BTreeMap::new();
    for f in frameworks {
        let e = by_role.entry(f.role.as_str()).or_insert((f.role, 0, 0, Vec::new()));
        e.1 += f.keys;
        e.2 += f.bytes;
        e.3.push(f.name);
    }
    let generic = fp.generic.keys + fp.unconfirmed().keys;
    let generic_ttl = fp.generic_with_ttl;
    if generic_ttl as f64 >= GENERIC_CACHE_SHARE * total_keys as f64 {
        let e = by_role.entry("cache").or_insert((Role::Cache, 0, 0, Vec::new()));
        e.1 += generic_ttl;
        e.3.push("plain keys with a TTL");
    }
    let recognised: u64 = by_role.values().map(|v| v.1).sum();
    if recognised == 0 {
        let ttl_share = generic_ttl as f64 / total_keys as f64;
        return RoleGuess {
            role: Role::Unknown,
            confidence: 0.0,
            evidence: format!(
                "no framework keys recognised; {:.0}% of {} keys have a TTL",
                ttl_share * 100.0,
                total_keys
            ),
        };
    }
    let counted: Vec<&(Role, u64, u64, Vec<&'static str>)> =
        by_role.values().filter(|v| v.1 as f64 >= MIN_ROLE_SHARE * recognised as f64).collect();
    let role = match counted.as_slice() {
        [one] => one.0,
        [] => Role::Unknown,
        _ => Role::Mixed,
    };
    // Plain keys with a TTL are weak evidence: they count half, and alone cap the confidence.
    let weak = if generic_ttl as f64 >= GENERIC_CACHE_SHARE * total_keys as f64 { generic_ttl } else { 0 };
    let strong = recognised - weak;
    let explained = (strong as f64 + 0.5 * weak as f64).min(total_keys as f64) / total_keys as f64;
    let confidence = match role {
        Role::Unknown => 0.0,
        _ if strong == 0 => (0.4 + 0.3 * explained).min(0.7),
        _ => (0.6 + 0.4 * explained).min(1.0),
    };
    let mut parts: Vec<String> = counted
        .iter()
        .map(|(r, keys, _, names)| format!("{}: {} ({} keys)", r.as_str(), names.join(", "), keys))
        .collect();
    if generic > 0 {
        parts.push(format!("{} keys of no known framework", generic));
    }
    RoleGuess { role, confidence: (confidence * 100.0).round() / 100.0, evidence: parts.join("; ") }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{
        KeyType as T,
        fingerprints::{Seen, framework_reports},
        ttl::Ttl,
    };

    fn seen<'a>(display: &'a str, t: T, ttl: Ttl) -> Seen<'a> {
        Seen { db: 0, raw: display.as_bytes(), display, ktype: t, ttl, keys: 1, bytes: 100 }
    }

    #[test]
    fn role_guesses() {
        let mut fp = Fingerprints::default();
        for k in ["retry", "dead"] {
            fp.observe(seen(k, T::Zset, Ttl::Persistent));
        }
        fp.settle();
        let reports = framework_reports(&fp);
        let g = guess_role(&reports, &fp, 2);
        assert_eq!(g.role, Role::Queue);
        assert!(g.confidence >= 0.99, "{g:?}");
        let empty = Fingerprints::default();
        assert_eq!(guess_role(&[], &empty, 0).role, Role::Unknown);
        let mut cache = Fingerprints::default();
        for i in 0..10 {
            cache.observe(seen(&format!("cache:item:{i}"), T::String, Ttl::Expires(5000)));
        }
        cache.settle();
        let g = guess_role(&[], &cache, 10);
        assert_eq!(g.role, Role::Cache, "{g:?}");
    }
}
