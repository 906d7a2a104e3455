//! OT-CONTAINER-KIT redis-operator CRs (`redis.redis.opstreelabs.in/*`): `Redis`,
//! `RedisReplication`, `RedisCluster` (a leader and a follower role) and `RedisSentinel` (no
//! data nodes). Checked against OT-CONTAINER-KIT/redis-operator v0.26.0 (library-defaults.md §9.5):
//!
//! - Limits: `spec.kubernetesConfig.resources`; for a cluster `spec.redisLeader.resources` /
//!   `spec.redisFollower.resources` when set (`GetRedisLeaderResources`,
//!   `api/rediscluster/v1beta2/rediscluster_types.go`).
//! - `redisConfig.additionalRedisConfig` names a ConfigMap mounted at `/etc/redis/external.conf.d`;
//!   its `redis-additional.conf` key is `include`d last, after the `maxmemory` the operator
//!   computes from `maxMemoryPercentOfLimit`, so a `maxmemory` line there wins
//!   (`internal/agent/bootstrap/redis/config.go`). A cluster mounts only the per-role
//!   `spec.redisLeader|redisFollower.redisConfig.additionalRedisConfig`
//!   (`internal/k8sutils/redis-cluster.go`), but reads `maxMemoryPercentOfLimit` and
//!   `dynamicConfig` only from the top-level `spec.redisConfig`.
//! - `maxMemoryPercentOfLimit` (1-100, since v0.21.0) only acts with a memory limit
//!   (`getEnvironmentVariables`, `internal/k8sutils/statefulset.go`). The computed
//!   `REDIS_MAX_MEMORY` is written to redis.conf only by the operator's init container (feature
//!   gate `GenerateConfigInInitContainer`, off by default, `internal/features/features.go`); the
//!   default image entrypoint (OT-CONTAINER-KIT/redis `entrypoint.sh`) ignores it. The field is
//!   taken as effective here, as the CRD documents it.
//! - `dynamicConfig` items are applied with `CONFIG SET` once the pods are ready and are not
//!   in the config file Redis starts from.

use super::{RedisNode, config_items, instance, memory, present};
use crate::{
    facts::{
        ConfigHint, Instance, LimitOrigin, Maxmemory, Sourced,
        configmaps::ConfigMapIndex,
        manifests::BadValue,
        settings::{Assign, REDIS_DEFAULT_POLICY, settle},
    },
    source::Object,
    yaml::NodeId,
};

/// API group of the operator's CRs (every version: v1beta1, v1beta2).
pub const GROUP: &str = "redis.redis.opstreelabs.in";

const PERCENT_FIELD: &str = "spec.redisConfig.maxMemoryPercentOfLimit";
/// Key of the `additionalRedisConfig` ConfigMap the Redis config includes.
const ADDITIONAL_KEY: &str = "redis-additional.conf";

/// Where one role of a CR takes each setting from.
struct Fields {
    role: Option<&'static str>,
    resources: Option<NodeId>,
    /// `redisConfig` block holding `maxMemoryPercentOfLimit` and `dynamicConfig`.
    top: Option<NodeId>,
    /// `redisConfig` block whose `additionalRedisConfig` is mounted, and its path for messages.
    external: Option<(NodeId, &'static str)>,
    notes: Vec<String>,
}

pub fn extract(obj: &Object<'_>, configmaps: &ConfigMapIndex, bad: &mut Vec<BadValue>) -> Vec<Instance> {
    let doc = obj.doc;
    let Some(spec) = doc.get(obj.node, "spec").filter(|n| doc.is_map(*n)) else { return Vec::new() };
    let base_resources = present(obj, doc.path(spec, &["kubernetesConfig", "resources"]));
    let top = present(obj, doc.get(spec, "redisConfig"));
    match obj.kind() {
        "Redis" | "RedisReplication" => {
            let external = top.map(|t| (t, "spec.redisConfig"));
            let fields = Fields { role: None, resources: base_resources, top, external, notes: Vec::new() };
            vec![redis_node(obj, fields, configmaps, bad)]
        }
        "RedisCluster" => [("leader", "redisLeader"), ("follower", "redisFollower")]
            .into_iter()
            .map(|(role, key)| {
                let section = doc.get(spec, key);
                let resources =
                    present(obj, section.and_then(|s| doc.get(s, "resources"))).or(base_resources);
                let role_config = present(obj, section.and_then(|s| doc.get(s, "redisConfig")));
                let prefix = if role == "leader" {
                    "spec.redisLeader.redisConfig"
                } else {
                    "spec.redisFollower.redisConfig"
                };
                let notes = cluster_notes(obj, top, role_config, prefix);
                let fields = Fields {
                    role: Some(role),
                    resources,
                    top,
                    external: role_config.map(|c| (c, prefix)),
                    notes,
                };
                redis_node(obj, fields, configmaps, bad)
            })
            .collect(),
        // RedisSentinel: sentinels only; other kinds of the group deploy no Redis.
        _ => Vec::new(),
    }
}

/// Fields a cluster accepts (the types are shared) but the operator does not read there.
fn cluster_notes(
    obj: &Object<'_>,
    top: Option<NodeId>,
    role_config: Option<NodeId>,
    prefix: &str,
) -> Vec<String> {
    let doc = obj.doc;
    let mut notes = Vec::new();
    if let Some(name) =
        top.and_then(|t| doc.get(t, "additionalRedisConfig")).and_then(|n| doc.non_null_str(n))
    {
        notes.push(format!(
            "a RedisCluster does not mount `spec.redisConfig.additionalRedisConfig` (`{name}`), only `{prefix}.additionalRedisConfig`"
        ));
    }
    for field in ["maxMemoryPercentOfLimit", "dynamicConfig"] {
        if role_config.and_then(|c| present(obj, doc.get(c, field))).is_some() {
            notes.push(format!(
                "the operator ignores `{prefix}.{field}` and reads `spec.redisConfig.{field}` for every role"
            ));
        }
    }
    notes
}

fn redis_node(
    obj: &Object<'_>,
    fields: Fields,
    configmaps: &ConfigMapIndex,
    bad: &mut Vec<BadValue>,
) -> Instance {
    let doc = obj.doc;
    let (limit, request, limit_origin) = memory(obj, fields.resources, bad);
    let mut notes = fields.notes;
    let percent = fields.top.and_then(|t| percent_of_limit(obj, t, bad));

    let mut assigns = Vec::new();
    let mut unresolved = Vec::new();
    let cm_name = fields.external.and_then(|(c, at)| {
        doc.get(c, "additionalRedisConfig").and_then(|n| doc.non_null_str(n)).map(|name| (name, at))
    });
    if let Some((name, at)) = cm_name {
        match configmaps.get(name, obj.namespace(), &obj.src.path) {
            // Without the key the file is absent and the operator skips the `include`.
            Some(cm) => {
                if let Some(entry) = cm.entry(ADDITIONAL_KEY) {
                    for d in entry.directives() {
                        if d.name == "include" {
                            let included = d.value().unwrap_or_default();
                            unresolved.push(format!(
                                "ConfigMap `{name}` includes `{included}`, which is not followed"
                            ));
                        } else {
                            assigns.push(Assign::from_directive(&d, &entry.path));
                        }
                    }
                }
            }
            None => unresolved.push(format!(
                "ConfigMap `{name}` (`{at}.additionalRedisConfig`) is not in the scanned files"
            )),
        }
    }
    let (mut maxmemory, mut policy) = settle(&assigns, &unresolved, REDIS_DEFAULT_POLICY);
    // A `maxmemory` line of the ConfigMap is included after the computed one and wins.
    if let Some(p) = percent
        && !matches!(maxmemory, Maxmemory::Set(_))
    {
        if limit.is_some() {
            maxmemory = Maxmemory::PercentOfLimit(p);
        } else if limit_origin != LimitOrigin::Unreadable {
            notes.push("`maxMemoryPercentOfLimit` has no effect without a memory limit".into());
        }
    }

    let dynamic = config_items(obj, fields.top.and_then(|t| doc.get(t, "dynamicConfig")));
    if dynamic.iter().any(|a| a.name == "maxmemory") && maxmemory == Maxmemory::Unset {
        notes.push(
            "maxmemory is set only in `spec.redisConfig.dynamicConfig`, which the operator applies with CONFIG SET and loses on restart"
                .into(),
        );
    }
    // Applied over the config file while Redis runs: an evicting policy there evicts.
    if dynamic.iter().any(|a| a.name == "maxmemory-policy") {
        policy = settle(&dynamic, &[], REDIS_DEFAULT_POLICY).1;
    }

    instance(
        obj,
        RedisNode {
            role: fields.role,
            limit,
            limit_origin,
            request,
            maxmemory,
            policy,
            config_hint: ConfigHint::OperatorField { field: PERCENT_FIELD.into() },
            unresolved,
            notes,
        },
    )
}

/// `maxMemoryPercentOfLimit`, if set to a value the CRD accepts (an integer from 1 to 100).
fn percent_of_limit(obj: &Object<'_>, config: NodeId, bad: &mut Vec<BadValue>) -> Option<Sourced<u8>> {
    let doc = obj.doc;
    let node = present(obj, doc.get(config, "maxMemoryPercentOfLimit"))?;
    let span = doc.span(node);
    let raw = doc.str(node).unwrap_or_default();
    match raw.trim().parse::<u8>() {
        Ok(value) if (1..=100).contains(&value) => {
            Some(Sourced { value, raw: raw.to_string(), path: obj.src.path.clone(), span })
        }
        _ => {
            bad.push(BadValue {
                path: obj.src.path.clone(),
                span,
                message: format!(
                    "`maxMemoryPercentOfLimit` must be an integer from 1 to 100 (the CRD rejects `{raw}`)"
                ),
            });
            None
        }
    }
}
