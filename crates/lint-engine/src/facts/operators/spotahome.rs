//! spotahome redis-operator `RedisFailover` (`databases.spotahome.com/v1`), checked against
//! spotahome/redis-operator HEAD 2023-08-21 (library-defaults.md §9.6):
//!
//! - Limits: `spec.redis.resources`, no default (`api/redisfailover/v1/types.go`).
//! - The generated redis.conf sets no maxmemory (`redisConfigTemplate`,
//!   `operator/redisfailover/service/generator.go`), so the Redis default `noeviction` applies.
//! - `spec.redis.customConfig` items are `"param value"` strings the operator applies with
//!   `CONFIG SET` on every check (`SetCustomRedisConfig`, `service/redis/client.go`); read here
//!   as redis.conf lines so findings point inside the item.
//!
//! Sentinels (`spec.sentinel`) hold no data and are not read.

use super::{RedisNode, config_items, instance, memory};
use crate::{
    facts::{
        ConfigHint, Instance,
        manifests::BadValue,
        settings::{REDIS_DEFAULT_POLICY, settle},
    },
    source::Object,
};

/// API group of the operator's CRs.
pub const GROUP: &str = "databases.spotahome.com";

pub fn extract(obj: &Object<'_>, bad: &mut Vec<BadValue>) -> Vec<Instance> {
    if obj.kind() != "RedisFailover" {
        return Vec::new();
    }
    let doc = obj.doc;
    let redis = doc.path(obj.node, &["spec", "redis"]);
    let (limit, request, limit_origin) = memory(obj, redis.and_then(|r| doc.get(r, "resources")), bad);
    let assigns = config_items(obj, redis.and_then(|r| doc.get(r, "customConfig")));
    let (maxmemory, policy) = settle(&assigns, &[], REDIS_DEFAULT_POLICY);
    vec![instance(
        obj,
        RedisNode {
            role: None,
            limit,
            limit_origin,
            request,
            maxmemory,
            policy,
            config_hint: ConfigHint::ConfLine { place: "`spec.redis.customConfig`".into() },
            unresolved: Vec::new(),
            notes: Vec::new(),
        },
    )]
}
