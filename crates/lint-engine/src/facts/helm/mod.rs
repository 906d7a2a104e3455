//! Helm values of the Redis charts people use, found at the root of a values file or nested
//! under a parent chart's key (umbrella charts), recognised by their keys and by Chart.yaml.
//!
//! Facts and versions: ../shared/reference/library-defaults.md §9 (bitnami/redis, bitnami/valkey,
//! dandydeveloper/redis-ha); each rule file cites the upstream values.yaml and templates.

mod bitnami;
mod charts;
mod redis_ha;

pub use charts::{ChartIndex, ChartInfo, Version};

use super::{Instance, configmaps::ConfigMapIndex, manifests::BadValue};
use crate::{
    source::YamlSource,
    yaml::{Doc, NodeId},
};

/// Which chart a block of values configures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chart {
    BitnamiRedis,
    BitnamiValkey,
    RedisHa,
}

impl Chart {
    fn from_chart_name(name: &str) -> Option<Chart> {
        match name {
            "redis" => Some(Chart::BitnamiRedis),
            "valkey" => Some(Chart::BitnamiValkey),
            "redis-ha" => Some(Chart::RedisHa),
            _ => None,
        }
    }
}

/// A block of values for one chart.
#[derive(Debug)]
pub struct ValuesBlock<'a> {
    pub src: &'a YamlSource,
    pub doc: &'a Doc,
    pub node: NodeId,
    pub chart: Chart,
    /// Dotted prefix of the block in the file (`""` at the root, `"redis."` nested).
    pub prefix: String,
    /// Span of the key holding the block, or of the document start.
    pub anchor: findings::Span,
    /// Chart version when known (Chart.yaml or the parent's dependency).
    pub version: Option<Version>,
    /// Names for role inference: parent key, alias, name overrides, labels.
    pub names: Vec<String>,
}

/// Finds chart value blocks in a values file (a YAML file whose documents are not Kubernetes
/// objects).
pub fn blocks<'a>(src: &'a YamlSource, charts: &ChartIndex) -> Vec<ValuesBlock<'a>> {
    let mut out = Vec::new();
    let chart_here = charts.for_values(&src.path);
    let chart_here = chart_here.as_ref();
    for doc in &src.yaml.docs {
        let Some(root) = doc.root() else { continue };
        if !doc.is_map(root) || doc.get(root, "kind").is_some() {
            continue;
        }
        // `architecture` decides which roles exist; otherwise the first key.
        let root_anchor = doc
            .get_entry(root, "architecture")
            .or_else(|| doc.entries(root).first().copied())
            .map_or_else(|| doc.span(root), |(k, _)| doc.span(k));
        // The values file of a Redis chart itself.
        let own = chart_here.and_then(|c| Chart::from_chart_name(&c.name).map(|k| (k, c.version)));
        if let Some(chart) = own.map(|(k, _)| k).or_else(|| detect(doc, root)) {
            let version = own.and_then(|(_, v)| v);
            let mut names = override_names(doc, root);
            names.extend(chart_here.map(|c| c.name.clone()));
            out.push(ValuesBlock {
                src,
                doc,
                node: root,
                chart,
                prefix: String::new(),
                anchor: root_anchor,
                version,
                names,
            });
            continue;
        }
        // Subchart values nested under the parent's key.
        for (k, v) in doc.entries(root) {
            let Some(key) = doc.str(k) else { continue };
            if !doc.is_map(v) || key == "global" {
                continue;
            }
            if doc.get(v, "enabled").and_then(|e| doc.str(e)) == Some("false") {
                continue;
            }
            let dep = chart_here.and_then(|c| c.dependency(key));
            let chart = dep.and_then(|d| Chart::from_chart_name(&d.name)).or_else(|| detect(doc, v));
            let Some(chart) = chart else { continue };
            // The subchart key (often an alias), its overrides, and the parent chart's name
            // (`orders-queue` says what its Redis is for).
            let mut names = vec![key.to_string()];
            names.extend(override_names(doc, v));
            names.extend(chart_here.map(|c| c.name.clone()));
            out.push(ValuesBlock {
                src,
                doc,
                node: v,
                chart,
                prefix: format!("{key}."),
                anchor: doc.span(k),
                version: dep.and_then(|d| d.version),
                names,
            });
        }
    }
    out
}

fn override_names(doc: &Doc, node: NodeId) -> Vec<String> {
    let mut names = Vec::new();
    for key in ["nameOverride", "fullnameOverride"] {
        if let Some(v) = doc.get(node, key).and_then(|n| doc.non_null_str(n)) {
            names.push(v.to_string());
        }
    }
    if let Some(labels) = doc.get(node, "commonLabels") {
        for (_, v) in doc.entries(labels) {
            if let Some(v) = doc.non_null_str(v) {
                names.push(v.to_string());
            }
        }
    }
    names
}

/// Recognises a chart by its values keys. Each test needs a key no ordinary app values file
/// would have, so an app's `redis: {host: ...}` block is never taken for a Redis deployment.
fn detect(doc: &Doc, node: NodeId) -> Option<Chart> {
    let has = |k: &str| doc.get(node, k).is_some();
    let role_has = |role: &str, keys: &[&str]| {
        doc.get(node, role).is_some_and(|r| keys.iter().any(|k| doc.get(r, k).is_some()))
    };
    const ROLE_KEYS: &[&str] =
        &["resourcesPreset", "extraFlags", "configuration", "persistence", "resources", "count", "kind"];
    let arch = doc.get(node, "architecture").and_then(|a| doc.str(a));
    let arch_ok = matches!(arch, Some("standalone" | "replication"));
    let primary = role_has("primary", ROLE_KEYS);
    let master = role_has("master", ROLE_KEYS);
    let bitnami = has("commonConfiguration")
        || (arch_ok && (has("master") || has("primary") || has("replica") || has("auth") || has("sentinel")))
        || role_has("master", &["resourcesPreset", "extraFlags", "configuration"])
        || role_has("primary", &["resourcesPreset", "extraFlags", "configuration"]);
    // bitnami/redis <= 13.x spelling: `cluster.enabled`, `slave.*`, top-level `configmap`.
    let old_bitnami = (master || role_has("slave", ROLE_KEYS))
        && (has("configmap") || has("usePassword") || doc.path(node, &["cluster", "enabled"]).is_some());
    if bitnami || old_bitnami || (master && has("replica")) || (primary && has("replica")) {
        let valkey = has("primary")
            || doc
                .path(node, &["image", "repository"])
                .and_then(|r| doc.str(r))
                .is_some_and(|r| r.contains("valkey"));
        return Some(if valkey { Chart::BitnamiValkey } else { Chart::BitnamiRedis });
    }
    // redis-ha: keys of its own (`hardAntiAffinity`, `haproxy`, `splitBrainDetection`,
    // `sentinel.quorum`), or `redis.config`/`redis.customConfig` next to `replicas`/`sentinel`.
    let redis = doc.get(node, "redis");
    let ha_config = redis.is_some_and(|r| {
        doc.get(r, "config").is_some()
            || doc.get(r, "customConfig").is_some()
            || doc.get(r, "masterGroupName").is_some()
    });
    let ha_keys = has("hardAntiAffinity")
        || has("haproxy")
        || has("splitBrainDetection")
        || doc.path(node, &["sentinel", "quorum"]).is_some();
    if redis.is_some_and(|r| doc.is_map(r))
        && (ha_keys || (ha_config && (has("replicas") || has("sentinel"))))
    {
        return Some(Chart::RedisHa);
    }
    None
}

/// Instances configured by the chart value blocks of one values file.
pub fn extract(
    src: &YamlSource,
    charts: &ChartIndex,
    configmaps: &ConfigMapIndex,
    bad: &mut Vec<BadValue>,
) -> Vec<Instance> {
    let mut out = Vec::new();
    for block in blocks(src, charts) {
        match block.chart {
            Chart::BitnamiRedis | Chart::BitnamiValkey => {
                out.extend(bitnami::extract(&block, configmaps, bad))
            }
            Chart::RedisHa => out.extend(redis_ha::extract(&block, bad)),
        }
    }
    out
}
