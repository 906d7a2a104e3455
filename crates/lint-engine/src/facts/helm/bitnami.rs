//! bitnami/redis and bitnami/valkey values.
//!
//! bitnami/charts `bitnami/redis/values.yaml`, `templates/configmap.yaml`,
//! `templates/scripts-configmap.yaml`, `templates/{master,replicas}/application.yaml`; presets
//! from `bitnami/common/templates/_resources.tpl`. `resourcesPreset` defaults to `nano` since
//! bitnami/redis 19.0.0 (PR #24282) and since the first bitnami/valkey release; it was `none`
//! in 18.14-18.x and did not exist before. Valkey spells the primary role `primary`.

use findings::units::parse_k8s_quantity;

use super::{Chart, ValuesBlock, Version};
use crate::{
    facts::{
        ConfigHint, Instance, InstanceKind, LimitOrigin, Sourced,
        configmaps::ConfigMapIndex,
        manifests::BadValue,
        memory_resources, role,
        settings::{Assign, REDIS_DEFAULT_POLICY, settle},
    },
    redis_conf::{self, Word, flags_from_argv},
    source::embedded_text,
};

/// (preset, request, limit) from bitnami/common `_resources.tpl`.
pub const PRESETS: &[(&str, &str, &str)] = &[
    ("nano", "128Mi", "192Mi"),
    ("micro", "256Mi", "384Mi"),
    ("small", "512Mi", "768Mi"),
    ("medium", "1024Mi", "1536Mi"),
    ("large", "2048Mi", "3072Mi"),
    ("xlarge", "3072Mi", "6144Mi"),
    ("2xlarge", "3072Mi", "12288Mi"),
];

fn chart_label(chart: Chart) -> &'static str {
    if chart == Chart::BitnamiValkey { "bitnami/valkey" } else { "bitnami/redis" }
}

/// The preset a role gets when values set neither `resources` nor `resourcesPreset`, with a
/// note on how sure we are.
fn default_preset(chart: Chart, version: Option<Version>) -> (&'static str, Option<&'static str>) {
    match (chart, version) {
        (Chart::BitnamiValkey, _) => ("nano", None),
        (_, Some(v)) if v >= Version(19, 0, 0) => ("nano", None),
        (_, Some(_)) => ("none", None),
        (_, None) => (
            "nano",
            Some(
                "chart version unknown; assuming bitnami/redis >= 19.0.0, where `resourcesPreset` defaults to `nano`",
            ),
        ),
    }
}

pub fn extract(
    block: &ValuesBlock<'_>,
    configmaps: &ConfigMapIndex,
    bad: &mut Vec<BadValue>,
) -> Vec<Instance> {
    let doc = block.doc;
    let node = block.node;
    let path = &block.src.path;
    let valkey = block.chart == Chart::BitnamiValkey;
    let old_spelling = doc.get(node, "slave").is_some();
    let primary_key = if valkey { "primary" } else { "master" };
    let replica_key = if old_spelling { "slave" } else { "replica" };
    let replication = match doc.get(node, "architecture").and_then(|a| doc.str(a)) {
        Some(a) => a != "standalone",
        None => doc.path(node, &["cluster", "enabled"]).and_then(|n| doc.str(n)) != Some("false"),
    };
    let sentinel = doc.path(node, &["sentinel", "enabled"]).and_then(|n| doc.str(n)) == Some("true");
    let roles: Vec<&str> = if sentinel && replication {
        vec![replica_key]
    } else if replication {
        vec![primary_key, replica_key]
    } else {
        vec![primary_key]
    };
    let existing_cm =
        doc.get(node, "existingConfigmap").and_then(|n| doc.non_null_str(n)).filter(|s| !s.is_empty());
    let common = doc.get(node, "commonConfiguration").or_else(|| doc.get(node, "configmap"));
    let mut out = Vec::new();
    for role_key in roles {
        let role_node = doc.get(node, role_key).filter(|n| doc.is_map(*n));
        let anchor = role_node
            .and_then(|_| doc.get_entry(node, role_key).map(|(k, _)| doc.span(k)))
            .unwrap_or(block.anchor);
        let obj_path = format!("{}{}", block.prefix, role_key);

        // Memory limit: explicit resources win over the preset.
        let resources =
            role_node.and_then(|r| doc.get(r, "resources")).filter(|r| !doc.entries(*r).is_empty());
        let mut note = None;
        let (limit, request, origin) = if let Some(res) = resources {
            memory_resources(path, doc, Some(res), bad)
        } else {
            let written = role_node
                .and_then(|r| doc.get(r, "resourcesPreset"))
                .and_then(|n| doc.non_null_str(n).map(|s| (s, doc.span(n))));
            let (preset, span, implicit) = match written {
                Some((p, span)) => (p, span, false),
                None => {
                    let (p, n) = default_preset(block.chart, block.version);
                    note = n;
                    (p, anchor, true)
                }
            };
            match PRESETS.iter().find(|(p, _, _)| *p == preset) {
                Some((p, req, lim)) => {
                    let b = |raw: &str| {
                        parse_k8s_quantity(raw).ok().map(|value| Sourced {
                            value,
                            raw: raw.to_string(),
                            path: path.clone(),
                            span,
                        })
                    };
                    let chart = match block.version {
                        Some(v) => format!("{} {v}", chart_label(block.chart)),
                        None => chart_label(block.chart).to_string(),
                    };
                    (b(lim), b(req), LimitOrigin::Preset { chart, preset: (*p).to_string(), implicit })
                }
                None => (None, None, LimitOrigin::Explicit),
            }
        };

        // Config, in the order the chart's start script passes it to redis-server.
        let mut common_assigns = Vec::new();
        let mut role_assigns = Vec::new();
        let mut unresolved = Vec::new();
        let role_conf_key = format!("{}.conf", if role_key == "slave" { "replica" } else { role_key });
        if let Some(name) = existing_cm {
            match configmaps.get(name, None, path) {
                Some(cm) => {
                    for (key, target) in
                        [("redis.conf", &mut common_assigns), (role_conf_key.as_str(), &mut role_assigns)]
                    {
                        if let Some(e) = cm.entry(key) {
                            target.extend(e.directives().iter().map(|d| Assign::from_directive(d, &e.path)));
                        }
                    }
                }
                None => unresolved.push(format!("`existingConfigmap: {name}` is not in the scanned files")),
            }
        } else {
            if let Some((text, map)) = common.and_then(|c| embedded_text(block.src, doc, c)) {
                common_assigns
                    .extend(redis_conf::parse(&text, &map).iter().map(|d| Assign::from_directive(d, path)));
            }
            let role_conf =
                role_node.and_then(|r| doc.get(r, "configuration").or_else(|| doc.get(r, "configmap")));
            if let Some((text, map)) = role_conf.and_then(|c| embedded_text(block.src, doc, c)) {
                role_assigns
                    .extend(redis_conf::parse(&text, &map).iter().map(|d| Assign::from_directive(d, path)));
            }
        }
        let mut assigns = if sentinel {
            [role_assigns, common_assigns].concat()
        } else {
            [common_assigns, role_assigns].concat()
        };
        if let Some(flags) = role_node.and_then(|r| doc.get(r, "extraFlags")) {
            let words: Vec<Word> = doc
                .items(flags)
                .iter()
                .filter_map(|n| {
                    doc.str(*n).map(|t| Word {
                        text: t.to_string(),
                        span: doc.span(*n),
                        dynamic: t.contains('$') || t.contains("{{"),
                    })
                })
                .collect();
            let inv = flags_from_argv(
                &[vec![Word { text: "--".into(), span: Default::default(), dynamic: false }], words].concat(),
            );
            assigns
                .extend(inv.flags.iter().filter(|f| !f.name.is_empty()).map(|f| Assign::from_flag(f, path)));
        }
        let (maxmemory, policy) = settle(&assigns, &unresolved, REDIS_DEFAULT_POLICY);
        let names = block.names.clone();
        let role = role::from_names(&names);
        let display = format!(
            "{} `{}` role of {}",
            chart_label(block.chart),
            role_key,
            if block.prefix.is_empty() {
                "this values file".to_string()
            } else {
                format!("`{}`", block.prefix.trim_end_matches('.'))
            }
        );
        let place = if existing_cm.is_some() {
            "the `existingConfigmap`".to_string()
        } else {
            format!("`{}commonConfiguration`", block.prefix)
        };
        out.push(Instance {
            kind: InstanceKind::HelmRole {
                chart: chart_label(block.chart).into(),
                role: role_key.into(),
                values_prefix: block.prefix.clone(),
            },
            identity: obj_path,
            display,
            path: path.clone(),
            anchor,
            limit,
            limit_origin: origin,
            request,
            maxmemory,
            policy,
            config_hint: ConfigHint::ConfLine { place },
            role,
            names,
            unresolved_config: unresolved,
            ignored_rules: Vec::new(),
            notes: note.map(str::to_string).into_iter().collect(),
        });
    }
    out
}
