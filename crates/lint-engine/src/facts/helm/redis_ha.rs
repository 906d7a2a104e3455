//! dandydeveloper/redis-ha values (DandyDeveloper/charts `charts/redis-ha/values.yaml`,
//! `templates/_configs.tpl`, 4.x): `redis.config` keys become redis.conf lines, with
//! `maxmemory: "0"` and `maxmemory-policy: "volatile-lru"` as chart defaults; a set
//! `redis.customConfig` replaces `redis.config` entirely.

use super::ValuesBlock;
use crate::{
    facts::{
        ConfigHint, Instance, InstanceKind,
        manifests::BadValue,
        memory_resources, role,
        settings::{Assign, settle},
    },
    redis_conf,
    source::embedded_text,
};

/// The chart's own default, which `maxmemory-policy` falls back to.
const CHART_DEFAULT_POLICY: (&str, &str) = ("volatile-lru", "the redis-ha chart default");

pub fn extract(block: &ValuesBlock<'_>, bad: &mut Vec<BadValue>) -> Vec<Instance> {
    let doc = block.doc;
    let path = &block.src.path;
    let redis = doc.get(block.node, "redis");
    let anchor = redis
        .and_then(|_| doc.get_entry(block.node, "redis").map(|(k, _)| doc.span(k)))
        .unwrap_or(block.anchor);
    let (limit, request, limit_origin) =
        memory_resources(path, doc, redis.and_then(|r| doc.get(r, "resources")), bad);
    let custom = redis.and_then(|r| doc.get(r, "customConfig")).filter(|n| !doc.is_null(*n));
    let mut assigns = Vec::new();
    let hint;
    if let Some((text, map)) = custom.and_then(|c| embedded_text(block.src, doc, c)) {
        assigns.extend(redis_conf::parse(&text, &map).iter().map(|d| Assign::from_directive(d, path)));
        hint = ConfigHint::ConfLine { place: format!("`{}redis.customConfig`", block.prefix) };
    } else {
        if let Some(config) = redis.and_then(|r| doc.get(r, "config")) {
            for (k, v) in doc.entries(config) {
                let (Some(name), Some(value)) = (doc.str(k), doc.non_null_str(v)) else { continue };
                assigns.push(Assign {
                    name: name.to_ascii_lowercase(),
                    args: vec![value.to_string()],
                    path: path.clone(),
                    span: doc.span(v),
                    dynamic: value.contains("{{"),
                });
            }
        }
        hint = ConfigHint::ValuesKey { key: format!("{}redis.config.maxmemory", block.prefix) };
    }
    let default_policy =
        if custom.is_some() { crate::facts::settings::REDIS_DEFAULT_POLICY } else { CHART_DEFAULT_POLICY };
    let (maxmemory, policy) = settle(&assigns, &[], default_policy);
    let role = role::from_names(&block.names);
    vec![Instance {
        kind: InstanceKind::HelmRole {
            chart: "redis-ha".into(),
            role: "redis".into(),
            values_prefix: block.prefix.clone(),
        },
        identity: format!("{}redis", block.prefix),
        display: format!(
            "redis-ha {}",
            if block.prefix.is_empty() {
                "values".to_string()
            } else {
                format!("`{}`", block.prefix.trim_end_matches('.'))
            }
        ),
        path: path.clone(),
        anchor,
        limit,
        limit_origin,
        request,
        maxmemory,
        policy,
        config_hint: hint,
        role,
        names: block.names.clone(),
        unresolved_config: Vec::new(),
        ignored_rules: Vec::new(),
        notes: Vec::new(),
    }]
}
