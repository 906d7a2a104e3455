//! Redis deployed by operator custom resources: OT-CONTAINER-KIT redis-operator
//! (`redis.redis.opstreelabs.in`, see [`opstree`]) and spotahome redis-operator
//! (`databases.spotahome.com`, see [`spotahome`]); library-defaults.md §9.5 and §9.6.
//!
//! The operator writes the StatefulSets, so the CR is all the scanned files say about the
//! Redis: each data-node role becomes one [`Instance`]. Sentinels hold no data and give none.
//! Nothing here can see how the operator itself is deployed (its version, feature gates), so
//! CR fields are read as the newest operator release documents them.

mod opstree;
mod spotahome;

use super::{
    Bytes, ConfigHint, Instance, InstanceKind, LimitOrigin, Maxmemory, Policy,
    configmaps::ConfigMapIndex,
    manifests::{self, BadValue},
    memory_resources, role,
    settings::Assign,
};
use crate::{
    redis_conf,
    source::{Object, embedded_text},
    yaml::NodeId,
};

/// Instances of one operator CR, or `None` when `obj` is not one (the generic workload
/// extractor then runs). Kinds of a known operator without Redis data nodes give `Some([])`.
pub fn extract(
    obj: &Object<'_>,
    configmaps: &ConfigMapIndex,
    bad: &mut Vec<BadValue>,
) -> Option<Vec<Instance>> {
    let group = obj.api_version().split('/').next().unwrap_or_default();
    match group {
        opstree::GROUP => Some(opstree::extract(obj, configmaps, bad)),
        spotahome::GROUP => Some(spotahome::extract(obj, bad)),
        _ => None,
    }
}

/// What one Redis role of a CR is, apart from what every role of the CR shares.
struct RedisNode {
    /// `leader`/`follower` for clustered CRs.
    role: Option<&'static str>,
    limit: Option<Bytes>,
    limit_origin: LimitOrigin,
    request: Option<Bytes>,
    maxmemory: Maxmemory,
    policy: Policy,
    config_hint: ConfigHint,
    unresolved: Vec<String>,
    notes: Vec<String>,
}

fn instance(obj: &Object<'_>, node: RedisNode) -> Instance {
    let (kind, name) = (obj.kind(), obj.name());
    let (names, role) = role::of_object(obj, &[], None);
    let (identity, display) = match node.role {
        Some(r) => (format!("{kind}/{name}/{r}"), format!("{kind} `{name}` {r}")),
        None => (format!("{kind}/{name}"), format!("{kind} `{name}`")),
    };
    Instance {
        kind: InstanceKind::OperatorCr {
            kind: kind.to_string(),
            name: name.to_string(),
            role: node.role.map(str::to_string),
        },
        identity,
        display,
        path: obj.src.path.clone(),
        anchor: obj.name_span(),
        limit: node.limit,
        limit_origin: node.limit_origin,
        request: node.request,
        maxmemory: node.maxmemory,
        policy: node.policy,
        config_hint: node.config_hint,
        role,
        names,
        unresolved_config: node.unresolved,
        ignored_rules: manifests::ignored_rules(obj),
        notes: node.notes,
    }
}

/// Memory limit, request and limit origin of a `resources` block; bad quantities go to `bad`.
fn memory(
    obj: &Object<'_>,
    res: Option<NodeId>,
    bad: &mut Vec<BadValue>,
) -> (Option<Bytes>, Option<Bytes>, LimitOrigin) {
    memory_resources(&obj.src.path, obj.doc, res, bad)
}

/// The node at `node`, unless it is absent or YAML null (the operators treat both as unset).
fn present(obj: &Object<'_>, node: Option<NodeId>) -> Option<NodeId> {
    node.filter(|n| !obj.doc.is_null(*n))
}

/// Assignments of a list of `"param value"` strings (OT `dynamicConfig`, spotahome
/// `customConfig`), each read as a redis.conf line, with spans inside the item.
fn config_items(obj: &Object<'_>, list: Option<NodeId>) -> Vec<Assign> {
    let Some(list) = list else { return Vec::new() };
    let doc = obj.doc;
    doc.items(list)
        .iter()
        .filter_map(|item| embedded_text(obj.src, doc, *item))
        .flat_map(|(text, map)| redis_conf::parse(&text, &map))
        .map(|d| Assign::from_directive(&d, &obj.src.path))
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::sync::Arc;

    use findings::{Finding, Severity};

    use super::*;
    use crate::{Input, Outcome, config::Config, facts::Role};

    fn lint(files: &[(&str, &str)]) -> Outcome {
        let inputs: Vec<Input> = files
            .iter()
            .map(|(path, text)| Input { path: path.to_string(), text: Arc::from(*text), explicit: false })
            .collect();
        crate::lint(&inputs, &Config::default())
    }

    fn rules(o: &Outcome) -> Vec<&str> {
        o.findings.iter().map(|f| f.rule.as_str()).collect()
    }

    fn finding<'o>(o: &'o Outcome, rule: &str) -> &'o Finding {
        o.findings.iter().find(|f| f.rule == rule).unwrap_or_else(|| panic!("no {rule} in {:#?}", o.findings))
    }

    fn only(o: &Outcome) -> &Instance {
        assert_eq!(o.instances.len(), 1, "{:#?}", o.instances);
        &o.instances[0]
    }

    const GI: u64 = 1 << 30;

    const OT_BAD: &str = "\
apiVersion: redis.redis.opstreelabs.in/v1beta2
kind: Redis
metadata: { name: jobs }
spec:
  kubernetesConfig: { image: quay.io/opstree/redis:v7.0.15 }
";

    #[test]
    fn ot_redis_without_resources_has_no_limit() {
        let o = lint(&[("redis.yaml", OT_BAD)]);
        let inst = only(&o);
        assert_eq!(inst.identity, "Redis/jobs");
        assert_eq!(inst.display, "Redis `jobs`");
        assert_eq!(inst.anchor.slice(OT_BAD), Some("jobs"));
        assert_eq!(inst.limit, None);
        assert_eq!(inst.maxmemory, Maxmemory::Unset);
        assert_eq!(inst.policy.value(), Some("noeviction"));
        assert_eq!(inst.role.role, Role::Queue);
        assert_eq!(rules(&o), vec!["memory-limit-missing"]);
    }

    const OT_GOOD: &str = "\
apiVersion: redis.redis.opstreelabs.in/v1beta2
kind: Redis
metadata: { name: jobs, namespace: apps }
spec:
  kubernetesConfig:
    image: quay.io/opstree/redis:v7.0.15
    resources: { requests: { memory: 1Gi }, limits: { memory: 1Gi } }
  redisConfig:
    maxMemoryPercentOfLimit: 75
";

    #[test]
    fn ot_percent_of_limit_sets_maxmemory() {
        let o = lint(&[("redis.yaml", OT_GOOD)]);
        let inst = only(&o);
        assert_eq!(inst.limit.as_ref().map(|l| l.value), Some(GI));
        assert_eq!(inst.request.as_ref().map(|l| l.value), Some(GI));
        let Maxmemory::PercentOfLimit(p) = &inst.maxmemory else { panic!("{:?}", inst.maxmemory) };
        assert_eq!((p.value, p.span.slice(OT_GOOD)), (75, Some("75")));
        assert_eq!(
            inst.config_hint,
            ConfigHint::OperatorField { field: "spec.redisConfig.maxMemoryPercentOfLimit".into() }
        );
        // Only the feature-gate caveat, at info level, pointing at the percentage.
        assert_eq!(rules(&o), ["redis-config-unresolved"], "{:#?}", o.findings);
        assert_eq!(o.findings[0].severity, findings::Severity::Info);
    }

    #[test]
    fn ot_percent_out_of_range_is_a_bad_value() {
        let text = OT_GOOD.replace("maxMemoryPercentOfLimit: 75", "maxMemoryPercentOfLimit: 0");
        let o = lint(&[("redis.yaml", &text)]);
        assert_eq!(only(&o).maxmemory, Maxmemory::Unset);
        assert_eq!(rules(&o), vec!["maxmemory-unset", "parse-error"]);
        let f = finding(&o, "parse-error");
        assert_eq!(f.location, findings::Location::file("redis.yaml", span_of(&text, ": 0", 2, 3)));
    }

    #[test]
    fn ot_percent_without_limit_has_no_effect() {
        let text = OT_GOOD.replace("limits: { memory: 1Gi }", "limits: {}");
        let o = lint(&[("redis.yaml", &text)]);
        assert_eq!(only(&o).maxmemory, Maxmemory::Unset);
        let f = finding(&o, "memory-limit-missing");
        assert!(f.message.contains("maxMemoryPercentOfLimit"), "{}", f.message);
    }

    fn span_of(text: &str, needle: &str, from: usize, to: usize) -> findings::Span {
        let at = text.find(needle).unwrap();
        findings::Span::new(at + from, at + to)
    }

    const OT_EXT: &str = "\
apiVersion: redis.redis.opstreelabs.in/v1beta2
kind: RedisReplication
metadata: { name: jobs, namespace: apps }
spec:
  kubernetesConfig:
    image: quay.io/opstree/redis:v7.0.15
    resources: { limits: { memory: 1Gi } }
  redisConfig:
    additionalRedisConfig: jobs-ext-config
";

    const EXT_CM: &str = "\
apiVersion: v1
kind: ConfigMap
metadata: { name: jobs-ext-config, namespace: apps }
data:
  redis-additional.conf: |
    maxmemory 900mb
    maxmemory-policy noeviction
";

    #[test]
    fn ot_additional_config_map_is_read() {
        let o = lint(&[("cm.yaml", EXT_CM), ("redis.yaml", OT_EXT)]);
        let inst = only(&o);
        assert_eq!(inst.display, "RedisReplication `jobs`");
        let Maxmemory::Set(m) = &inst.maxmemory else { panic!("{:?}", inst.maxmemory) };
        assert_eq!((m.value, m.path.as_str(), m.span.slice(EXT_CM)), (900 << 20, "cm.yaml", Some("900mb")));
        let Policy::Set(p) = &inst.policy else { panic!("{:?}", inst.policy) };
        assert_eq!(p.value, "noeviction");
        assert_eq!(rules(&o), vec!["maxmemory-headroom-low"]);
        assert_eq!(
            finding(&o, "maxmemory-headroom-low").location,
            findings::Location::file("cm.yaml", m.span)
        );
    }

    #[test]
    fn ot_missing_config_map_is_unresolved() {
        let o = lint(&[("redis.yaml", OT_EXT)]);
        let inst = only(&o);
        assert!(
            matches!(&inst.maxmemory, Maxmemory::Unknown(r) if r.contains("`jobs-ext-config`")),
            "{:?}",
            inst.maxmemory
        );
        assert!(matches!(inst.policy, Policy::Unknown(_)));
        assert_eq!(rules(&o), vec!["redis-config-unresolved"]);
        let f = finding(&o, "redis-config-unresolved");
        assert_eq!(f.severity, Severity::Info);
        assert!(f.message.contains("ConfigMap `jobs-ext-config`"), "{}", f.message);
    }

    #[test]
    fn ot_missing_config_map_with_percent_is_known() {
        let text = format!("{OT_EXT}    maxMemoryPercentOfLimit: 80\n");
        let o = lint(&[("redis.yaml", &text)]);
        let inst = only(&o);
        assert!(matches!(inst.maxmemory, Maxmemory::PercentOfLimit(_)), "{:?}", inst.maxmemory);
        assert_eq!(inst.unresolved_config.len(), 1);
        assert_eq!(rules(&o), ["redis-config-unresolved"], "{:#?}", o.findings);
    }

    #[test]
    fn ot_config_map_maxmemory_wins_over_percent() {
        // The operator's agent writes REDIS_MAX_MEMORY before the `include` of the ConfigMap.
        let text = format!("{OT_EXT}    maxMemoryPercentOfLimit: 50\n");
        let o = lint(&[("cm.yaml", EXT_CM), ("redis.yaml", &text)]);
        assert!(matches!(&only(&o).maxmemory, Maxmemory::Set(m) if m.value == 900 << 20));
    }

    const OT_DYNAMIC: &str = "\
apiVersion: redis.redis.opstreelabs.in/v1beta2
kind: Redis
metadata: { name: cache }
spec:
  kubernetesConfig:
    image: quay.io/opstree/redis:v7.0.15
    resources: { limits: { memory: 1Gi } }
  redisConfig:
    dynamicConfig:
      - maxmemory 800mb
      - \"maxmemory-policy allkeys-lru\"
";

    #[test]
    fn ot_maxmemory_only_in_dynamic_config_is_unset() {
        let o = lint(&[("redis.yaml", OT_DYNAMIC)]);
        let inst = only(&o);
        assert_eq!(inst.maxmemory, Maxmemory::Unset);
        let Policy::Set(p) = &inst.policy else { panic!("{:?}", inst.policy) };
        assert_eq!(p.span.slice(OT_DYNAMIC), Some("allkeys-lru"));
        assert_eq!(rules(&o), vec!["maxmemory-unset"]);
        let f = finding(&o, "maxmemory-unset");
        assert!(f.message.contains("dynamicConfig") && f.message.contains("CONFIG SET"), "{}", f.message);
    }

    const OT_CLUSTER: &str = "\
apiVersion: redis.redis.opstreelabs.in/v1beta2
kind: RedisCluster
metadata:
  name: sessions
  annotations: { redis-audit.io/ignore: memory-request-below-limit }
spec:
  clusterSize: 3
  kubernetesConfig:
    image: quay.io/opstree/redis:v7.0.15
    resources: { requests: { memory: 1Gi }, limits: { memory: 2Gi } }
  redisConfig:
    maxMemoryPercentOfLimit: 80
  redisLeader:
    resources: { limits: { memory: 4Gi } }
  redisFollower:
    redisConfig:
      additionalRedisConfig: follower-conf
";

    #[test]
    fn ot_cluster_gives_leader_and_follower() {
        let o = lint(&[("cluster.yaml", OT_CLUSTER)]);
        assert_eq!(o.instances.len(), 2);
        let (leader, follower) = (&o.instances[0], &o.instances[1]);
        assert_eq!(
            (leader.identity.as_str(), leader.display.as_str()),
            ("RedisCluster/sessions/leader", "RedisCluster `sessions` leader")
        );
        assert_eq!(follower.identity, "RedisCluster/sessions/follower");
        assert_eq!(leader.limit.as_ref().map(|l| l.value), Some(4 * GI));
        assert_eq!(leader.request, None);
        assert_eq!(follower.limit.as_ref().map(|l| l.value), Some(2 * GI));
        assert_eq!(follower.request.as_ref().map(|l| l.value), Some(GI));
        assert!(matches!(leader.maxmemory, Maxmemory::PercentOfLimit(_)));
        assert!(matches!(follower.maxmemory, Maxmemory::PercentOfLimit(_)));
        assert!(matches!(leader.policy, Policy::Default { value: "noeviction", .. }));
        assert!(matches!(follower.policy, Policy::Unknown(_)), "the follower's ConfigMap is not scanned");
        assert_eq!(follower.unresolved_config.len(), 1);
        assert_eq!(leader.role.role, Role::Sessions);
        assert_eq!(leader.ignored_rules, vec!["memory-request-below-limit".to_string()]);
        assert_eq!(rules(&o), ["redis-config-unresolved", "redis-config-unresolved"], "{:#?}", o.findings);
    }

    #[test]
    fn ot_cluster_fields_the_operator_does_not_read() {
        let text = "\
apiVersion: redis.redis.opstreelabs.in/v1beta2
kind: RedisCluster
metadata: { name: c }
spec:
  kubernetesConfig: { image: quay.io/opstree/redis:v7.0.15, resources: { limits: { memory: 1Gi } } }
  redisConfig: { additionalRedisConfig: all-conf }
  redisLeader: { redisConfig: { maxMemoryPercentOfLimit: 80 } }
";
        let o = lint(&[("cluster.yaml", text)]);
        assert_eq!(o.instances.len(), 2);
        assert!(
            o.instances.iter().all(|i| i.maxmemory == Maxmemory::Unset && i.unresolved_config.is_empty())
        );
        assert_eq!(rules(&o), vec!["maxmemory-unset", "maxmemory-unset"]);
        let leader = o.findings.iter().find(|f| f.message.contains("leader")).unwrap();
        assert!(
            leader.message.contains("ignores `spec.redisLeader.redisConfig.maxMemoryPercentOfLimit`"),
            "{}",
            leader.message
        );
        assert!(
            leader.message.contains("does not mount `spec.redisConfig.additionalRedisConfig`"),
            "{}",
            leader.message
        );
    }

    #[test]
    fn ot_sentinel_gives_nothing() {
        let text = "apiVersion: redis.redis.opstreelabs.in/v1beta2\nkind: RedisSentinel\nmetadata: { name: s }\nspec:\n  kubernetesConfig: { image: quay.io/opstree/redis-sentinel:v7.0.15 }\n";
        let o = lint(&[("sentinel.yaml", text)]);
        assert!(o.instances.is_empty() && o.findings.is_empty());
    }

    const RF_BAD: &str = "\
apiVersion: databases.spotahome.com/v1
kind: RedisFailover
metadata: { name: orders }
spec: { redis: { replicas: 3 } }
";

    const RF_GOOD: &str = "\
apiVersion: databases.spotahome.com/v1
kind: RedisFailover
metadata: { name: orders }
spec:
  sentinel: { replicas: 3, customConfig: [\"down-after-milliseconds 5000\"] }
  redis:
    replicas: 3
    resources: { requests: { memory: 1Gi }, limits: { memory: 1Gi } }
    customConfig: [\"maxmemory 768mb\", \"maxmemory-policy noeviction\"]
";

    #[test]
    fn spotahome_bad_and_good() {
        let o = lint(&[("rf.yaml", RF_BAD)]);
        let inst = only(&o);
        assert_eq!(
            (inst.identity.as_str(), inst.display.as_str()),
            ("RedisFailover/orders", "RedisFailover `orders`")
        );
        assert_eq!(inst.maxmemory, Maxmemory::Unset);
        assert_eq!(rules(&o), vec!["memory-limit-missing"]);

        let o = lint(&[("rf.yaml", RF_GOOD)]);
        let inst = only(&o);
        assert_eq!(inst.limit.as_ref().map(|l| l.value), Some(GI));
        let Maxmemory::Set(m) = &inst.maxmemory else { panic!("{:?}", inst.maxmemory) };
        assert_eq!((m.value, m.span.slice(RF_GOOD)), (768 << 20, Some("768mb")));
        assert_eq!(inst.policy.value(), Some("noeviction"));
        assert!(rules(&o).is_empty(), "{:#?}", o.findings);
    }

    #[test]
    fn spotahome_without_maxmemory_says_where_to_add_it() {
        let text = RF_GOOD.replace("\"maxmemory 768mb\", ", "");
        let o = lint(&[("rf.yaml", &text)]);
        assert_eq!(rules(&o), vec!["maxmemory-unset"]);
        let f = finding(&o, "maxmemory-unset");
        assert!(f.message.contains("`spec.redis.customConfig`"), "{}", f.message);
    }

    #[test]
    fn spotahome_evicting_policy_on_queue() {
        let text = RF_GOOD
            .replace("name: orders", "name: sidekiq-redis")
            .replace("policy noeviction", "policy allkeys-lru");
        let o = lint(&[("rf.yaml", &text)]);
        assert_eq!(only(&o).role.role, Role::Queue);
        assert_eq!(rules(&o), vec!["eviction-policy-on-queue"]);
        let f = finding(&o, "eviction-policy-on-queue");
        assert_eq!(f.severity, Severity::Error);
        let findings::Location::File { span, .. } = f.location else { panic!() };
        assert_eq!(span.slice(&text), Some("allkeys-lru"));
    }

    #[test]
    fn plain_workloads_are_not_claimed() {
        let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: redis }\nspec:\n  template:\n    spec:\n      containers: [{ name: redis, image: redis:7 }]\n";
        let y = crate::YamlSource {
            path: "d.yaml".into(),
            text: Arc::from(text),
            yaml: crate::yaml::parse(text),
        };
        let objects = y.objects();
        let mut bad = Vec::new();
        assert!(extract(&objects[0], &ConfigMapIndex::default(), &mut bad).is_none());
        // And the generic extractor still finds the container.
        let o = lint(&[("d.yaml", text)]);
        assert!(matches!(only(&o).kind, InstanceKind::Container { .. }));
    }

    #[test]
    fn same_kind_of_another_group_is_not_claimed() {
        let text =
            "apiVersion: kubedb.com/v1\nkind: Redis\nmetadata: { name: r }\nspec: { version: 7.2.4 }\n";
        let y = crate::YamlSource {
            path: "k.yaml".into(),
            text: Arc::from(text),
            yaml: crate::yaml::parse(text),
        };
        let mut bad = Vec::new();
        assert!(extract(&y.objects()[0], &ConfigMapIndex::default(), &mut bad).is_none());
    }
}
