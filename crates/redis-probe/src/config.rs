//! `CONFIG GET` replies as typed settings.
//!
//! Parameter names are those of the `configs[]` table in redis/redis `src/config.c` (Valkey:
//! the same file). `CONFIG GET` writes memory settings in bytes (`maxmemory 104857600`) and
//! booleans as `yes`/`no`. Redis 7.0 accepts several names per call; 6.2 takes one pattern, so
//! [`CONFIG_NAMES`] are asked one per `CONFIG GET` in one pipeline. A name the server does not
//! know (`maxmemory-clients` before 7.0) gives an empty reply, not an error, and is simply
//! absent here.
//!
//! Must not talk to a server: this only reads replies.

use std::collections::BTreeMap;

use serde::Serialize;

/// The parameters asked for, in one `CONFIG GET` per name (works on 6.2, which takes one
/// pattern per call; pipelined in one round trip).
pub const CONFIG_NAMES: &[&str] = &[
    "maxmemory",
    "maxmemory-policy",
    "maxmemory-samples",
    "lazyfree-lazy-eviction",
    "lazyfree-lazy-expire",
    "lazyfree-lazy-server-del",
    "lazyfree-lazy-user-del",
    "lazyfree-lazy-user-flush",
    "save",
    "appendonly",
    "maxmemory-clients",
    "client-output-buffer-limit",
    "cluster-enabled",
];

/// The lazy-free switches, in the order `redis.conf` documents them. `lazyfree-lazy-user-del`
/// exists since 6.0, `lazyfree-lazy-user-flush` since 6.2.
const LAZYFREE: &[&str] = &[
    "lazyfree-lazy-eviction",
    "lazyfree-lazy-expire",
    "lazyfree-lazy-server-del",
    "lazyfree-lazy-user-del",
    "lazyfree-lazy-user-flush",
];

/// Server settings read with `CONFIG GET`: lowercase name -> value as the server wrote it.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(transparent)]
pub struct ServerConfig {
    values: BTreeMap<String, String>,
}

impl ServerConfig {
    /// From the name/value pairs of one or more `CONFIG GET` replies (a flat RESP2 array or
    /// a RESP3 map, already split into pairs). Names are lowercased; the first value wins.
    pub fn from_pairs(pairs: Vec<(String, String)>) -> ServerConfig {
        let mut values = BTreeMap::new();
        for (name, value) in pairs {
            values.entry(name.to_ascii_lowercase()).or_insert(value);
        }
        ServerConfig { values }
    }

    /// The raw value of a parameter (lowercase name).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    /// Number of parameters read.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// `maxmemory` in bytes; 0 means no limit. `CONFIG GET` answers in bytes, but units
    /// (`100mb`, as some proxies echo the configured text) are read as redis.conf does.
    pub fn maxmemory(&self) -> Option<u64> {
        self.get("maxmemory")
            .filter(|v| !v.trim().is_empty())
            .and_then(|v| findings::units::parse_redis_memory(v).ok())
    }

    /// `maxmemory-policy` (`noeviction`, `allkeys-lru`, ...).
    pub fn policy(&self) -> Option<&str> {
        self.get("maxmemory-policy")
    }

    /// `maxmemory-samples` (keys sampled per eviction).
    pub fn maxmemory_samples(&self) -> Option<u64> {
        self.get("maxmemory-samples")?.trim().parse().ok()
    }

    /// The lazy-free switches the server reported, with whether each is on.
    pub fn lazyfree(&self) -> Vec<(String, bool)> {
        LAZYFREE.iter().filter_map(|name| Some((name.to_string(), yes_no(self.get(name)?)?))).collect()
    }

    /// `save` as written (`3600 1 300 100 60 10000`; empty when RDB snapshots are off).
    pub fn save(&self) -> Option<&str> {
        self.get("save")
    }

    pub fn appendonly(&self) -> Option<bool> {
        yes_no(self.get("appendonly")?)
    }

    /// `maxmemory-clients` (7.0+): `0`, a percentage of maxmemory (`10%`) or bytes.
    pub fn maxmemory_clients(&self) -> Option<&str> {
        self.get("maxmemory-clients")
    }

    /// `client-output-buffer-limit` as written
    /// (`normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60`).
    pub fn client_output_buffer_limit(&self) -> Option<&str> {
        self.get("client-output-buffer-limit")
    }

    /// `cluster-enabled`.
    pub fn cluster_enabled(&self) -> Option<bool> {
        yes_no(self.get("cluster-enabled")?)
    }
}

fn yes_no(v: &str) -> Option<bool> {
    match v.trim().to_ascii_lowercase().as_str() {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn typed_values() {
        let c = ServerConfig::from_pairs(pairs(&[
            ("MAXMEMORY", "104857600"),
            ("maxmemory-policy", "allkeys-lru"),
            ("lazyfree-lazy-eviction", "no"),
            ("lazyfree-lazy-user-flush", "yes"),
            ("lazyfree-lazy-expire", "maybe"),
            ("appendonly", "no"),
            ("save", ""),
            ("maxmemory-clients", "10%"),
        ]));
        assert_eq!(c.maxmemory(), Some(104_857_600));
        assert_eq!(c.policy(), Some("allkeys-lru"));
        assert_eq!(
            c.lazyfree(),
            [("lazyfree-lazy-eviction".to_string(), false), ("lazyfree-lazy-user-flush".to_string(), true)]
        );
        assert_eq!((c.appendonly(), c.save(), c.maxmemory_clients()), (Some(false), Some(""), Some("10%")));
        assert_eq!(c.cluster_enabled(), None);
        let units = ServerConfig::from_pairs(pairs(&[("maxmemory", "100mb")]));
        assert_eq!(units.maxmemory(), Some(100 * 1024 * 1024));
        let bad = ServerConfig::from_pairs(pairs(&[("maxmemory", "lots")]));
        assert_eq!(bad.maxmemory(), None);
    }
}
