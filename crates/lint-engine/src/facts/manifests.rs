//! Redis containers in workload manifests (Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet,
//! Job, CronJob and anything with a pod template), with their limits and the Redis config that
//! reaches them through args, env and mounted ConfigMaps.

use findings::Span;

use super::{
    ConfigHint, Instance, InstanceKind,
    configmaps::{ConfigMap, ConfigMapIndex},
    memory_resources, role,
    settings::{Assign, REDIS_DEFAULT_POLICY, settle},
};
use crate::{
    redis_conf::{self, Invocation, OffsetMap, Word, flags_in_script, redis_server_invocation},
    source::{Object, embedded_text},
    yaml::{Doc, NodeId},
};

/// Path from the object to its pod spec, by kind.
fn pod_spec(obj: &Object<'_>) -> Option<NodeId> {
    let d = obj.doc;
    match obj.kind() {
        "Pod" => d.get(obj.node, "spec"),
        "CronJob" => d.path(obj.node, &["spec", "jobTemplate", "spec", "template", "spec"]),
        "PodTemplate" => d.path(obj.node, &["template", "spec"]),
        _ => d.path(obj.node, &["spec", "template", "spec"]),
    }
    .filter(|n| d.is_map(*n))
}

/// Last path segment of an image reference, without registry, tag or digest.
pub fn image_name(image: &str) -> String {
    let no_digest = image.split('@').next().unwrap_or(image);
    let last = no_digest.rsplit('/').next().unwrap_or(no_digest);
    last.split(':').next().unwrap_or(last).to_ascii_lowercase()
}

const REDIS_IMAGES: &[&str] = &[
    "redis",
    "valkey",
    "redis-stack",
    "redis-stack-server",
    "keydb",
    "redis-cluster",
    "valkey-cluster",
    "redis-server",
];

fn is_sentinel(image: &str, name: &str, words: &[Word]) -> bool {
    image_name(image).contains("sentinel")
        || name.contains("sentinel")
        || words.iter().any(|w| {
            w.text.ends_with("redis-sentinel")
                || w.text == "--sentinel"
                || w.text.ends_with("valkey-sentinel")
        })
}

fn words(doc: &Doc, node: Option<NodeId>) -> Vec<Word> {
    let Some(node) = node else { return Vec::new() };
    doc.items(node)
        .iter()
        .filter_map(|n| {
            doc.str(*n).map(|t| Word { text: t.to_string(), span: doc.span(*n), dynamic: t.contains("$(") })
        })
        .collect()
}

/// A file a container sees, provided by a ConfigMap key.
struct MountedFile<'c> {
    path: String,
    cm: Option<&'c ConfigMap>,
    cm_name: String,
    key: Option<String>,
}

fn mounted_files<'c>(
    doc: &Doc,
    spec: NodeId,
    container: NodeId,
    index: &'c ConfigMapIndex,
    ns: Option<&str>,
    near: &str,
) -> Vec<MountedFile<'c>> {
    let mut out = Vec::new();
    let volumes = doc.get(spec, "volumes").map(|v| doc.items(v).to_vec()).unwrap_or_default();
    let Some(mounts) = doc.get(container, "volumeMounts") else { return out };
    for m in doc.items(mounts) {
        let (Some(vname), Some(mount_path)) =
            (doc.get(*m, "name").and_then(|n| doc.str(n)), doc.get(*m, "mountPath").and_then(|n| doc.str(n)))
        else {
            continue;
        };
        let sub_path = doc.get(*m, "subPath").and_then(|n| doc.non_null_str(n));
        let Some(vol) = volumes.iter().find(|v| doc.get(**v, "name").and_then(|n| doc.str(n)) == Some(vname))
        else {
            continue;
        };
        // configMap volumes and configMap sources of projected volumes.
        let mut cms: Vec<NodeId> = doc.get(*vol, "configMap").into_iter().collect();
        if let Some(sources) = doc.path(*vol, &["projected", "sources"]) {
            cms.extend(doc.items(sources).iter().filter_map(|s| doc.get(*s, "configMap")));
        }
        for cm_node in cms {
            let Some(cm_name) = doc.get(cm_node, "name").and_then(|n| doc.str(n)) else { continue };
            let cm = index.get(cm_name, ns, near);
            // key -> relative path inside the volume
            let mut files: Vec<(String, String)> = Vec::new();
            if let Some(items) = doc.get(cm_node, "items") {
                for it in doc.items(items) {
                    if let (Some(k), Some(p)) = (
                        doc.get(*it, "key").and_then(|n| doc.str(n)),
                        doc.get(*it, "path").and_then(|n| doc.str(n)),
                    ) {
                        files.push((k.to_string(), p.to_string()));
                    }
                }
            } else if let Some(cm) = cm {
                files.extend(cm.entries.iter().map(|e| (e.key.clone(), e.key.clone())));
            }
            let base = mount_path.trim_end_matches('/');
            if files.is_empty() {
                out.push(MountedFile {
                    path: format!("{base}/"),
                    cm,
                    cm_name: cm_name.to_string(),
                    key: None,
                });
            }
            for (key, rel) in files {
                let path = match sub_path {
                    Some(sp) if sp == rel => mount_path.to_string(),
                    Some(_) => continue,
                    None => format!("{base}/{rel}"),
                };
                out.push(MountedFile { path, cm, cm_name: cm_name.to_string(), key: Some(key) });
            }
        }
    }
    out
}

/// Finds the mounted file for a path named in a command; falls back to the same file name
/// (start scripts often copy mounted files elsewhere before use).
fn find_mounted<'m, 'c>(files: &'m [MountedFile<'c>], path: &str) -> Option<&'m MountedFile<'c>> {
    files.iter().find(|f| f.path == path).or_else(|| {
        let base = path.rsplit('/').next().unwrap_or(path);
        let mut same = files.iter().filter(|f| f.key.as_deref() == Some(base));
        match (same.next(), same.next()) {
            (Some(one), None) => Some(one),
            _ => files.iter().find(|f| f.key.is_none() && path.starts_with(&f.path)),
        }
    })
}

/// Redis config reaching one container, in the order Redis applies it.
struct ConfigReach {
    assigns: Vec<Assign>,
    unresolved: Vec<String>,
    hint: ConfigHint,
}

fn read_conf(
    file: &MountedFile<'_>,
    assigns: &mut Vec<Assign>,
    unresolved: &mut Vec<String>,
    files: &[MountedFile<'_>],
    depth: usize,
) {
    let entry = file.cm.and_then(|cm| file.key.as_deref().and_then(|k| cm.entry(k)));
    let Some(entry) = entry else {
        unresolved.push(format!(
            "config file `{}` comes from ConfigMap `{}`, which is not in the scanned files",
            file.path, file.cm_name
        ));
        return;
    };
    for d in entry.directives() {
        if d.name == "include" && depth < 4 {
            if let Some(inc) = d.value().and_then(|p| find_mounted(files, p)) {
                read_conf(inc, assigns, unresolved, files, depth + 1);
            } else if let Some(p) = d.value() {
                unresolved
                    .push(format!("included config `{p}` is not from a ConfigMap in the scanned files"));
            }
        } else {
            assigns.push(Assign::from_directive(&d, &entry.path));
        }
    }
}

fn config_reach(
    obj: &Object<'_>,
    spec: NodeId,
    container: NodeId,
    index: &ConfigMapIndex,
) -> Option<ConfigReach> {
    let doc = obj.doc;
    let command = words(doc, doc.get(container, "command"));
    let args = words(doc, doc.get(container, "args"));
    let files = mounted_files(doc, spec, container, index, obj.namespace(), &obj.src.path);
    let script_map = |w: &Word| {
        let node_text = doc.node_at(w.span).and_then(|n| embedded_text(obj.src, doc, n));
        node_text.map_or_else(|| OffsetMap::whole(w.span), |(_, m)| m)
    };
    let mut unresolved = Vec::new();
    // The invocation, and the file its flags are written in.
    let (inv, flags_path, from_script) = match redis_server_invocation(&command, &args, script_map) {
        Some(inv) => (inv, obj.src.path.clone(), false),
        None => {
            // The command runs a script (e.g. Bitnami's start-master.sh) from a mounted ConfigMap.
            let script = command
                .iter()
                .chain(&args)
                .find_map(|w| find_mounted(&files, &w.text).filter(|f| f.key.is_some()))?;
            match script.cm.and_then(|cm| script.key.as_deref().and_then(|k| cm.entry(k))) {
                Some(e) => {
                    let inv = flags_in_script(&e.text, &e.map);
                    let runs_server = e.text.contains("redis-server") || e.text.contains("valkey-server");
                    if inv.flags.is_empty() && inv.config_files.is_empty() && !runs_server {
                        return None;
                    }
                    (inv, e.path.clone(), true)
                }
                None => {
                    unresolved.push(format!(
                        "start script `{}` comes from ConfigMap `{}`, which is not in the scanned files",
                        script.path, script.cm_name
                    ));
                    (Invocation::default(), obj.src.path.clone(), true)
                }
            }
        }
    };
    // Redis reads the config file first, then each option in order; `include` pulls a file in
    // at its place (src/server.c main, src/config.c).
    let mut assigns = Vec::new();
    let mut hint = if from_script {
        ConfigHint::ConfLine { place: "the Redis config the start script includes".into() }
    } else {
        ConfigHint::Args
    };
    for cf in &inv.config_files {
        if cf.dynamic || cf.text.contains('$') {
            unresolved.push(format!("config file path `{}` is set from a variable", cf.text));
        } else if let Some(m) = find_mounted(&files, &cf.text) {
            read_conf(m, &mut assigns, &mut unresolved, &files, 0);
            hint = ConfigHint::ConfLine { place: format!("`{}`", cf.text) };
        } else {
            unresolved.push(format!(
                "config file `{}` is not provided by a ConfigMap in the scanned files",
                cf.text
            ));
        }
    }
    for f in &inv.flags {
        if f.name != "include" {
            assigns.push(Assign::from_flag(f, &flags_path));
            continue;
        }
        for p in f.args.iter().filter(|p| !p.contains('$')) {
            if let Some(m) = find_mounted(&files, p) {
                read_conf(m, &mut assigns, &mut unresolved, &files, 0);
            }
        }
    }
    // Bitnami images append REDIS_EXTRA_FLAGS / VALKEY_EXTRA_FLAGS to the server command line.
    if let Some(env) = doc.get(container, "env") {
        for e in doc.items(env) {
            let name = doc.get(*e, "name").and_then(|n| doc.str(n)).unwrap_or("");
            if (name == "REDIS_EXTRA_FLAGS" || name == "VALKEY_EXTRA_FLAGS")
                && let Some(v) = doc.get(*e, "value")
                && let Some((text, map)) = embedded_text(obj.src, doc, v)
            {
                // Parse as if after `redis-server `, then map back into the value.
                const PREFIX: &str = "redis-server ";
                let inv = flags_in_script(&format!("{PREFIX}{text}"), &OffsetMap::shifted(0));
                for f in inv.flags {
                    let span = map.span(
                        f.span.start.saturating_sub(PREFIX.len()),
                        f.span.end.saturating_sub(PREFIX.len()),
                    );
                    assigns.push(Assign { span, ..Assign::from_flag(&f, &obj.src.path) });
                }
            }
        }
    }
    Some(ConfigReach { assigns, unresolved, hint })
}

/// A bad quantity found while extracting (reported as `parse-error`).
#[derive(Debug, Clone)]
pub struct BadValue {
    pub path: String,
    pub span: Span,
    pub message: String,
}

/// Redis instances of one workload object.
pub fn extract(obj: &Object<'_>, index: &ConfigMapIndex, bad: &mut Vec<BadValue>) -> Vec<Instance> {
    let mut out = Vec::new();
    let Some(spec) = pod_spec(obj) else { return out };
    let doc = obj.doc;
    let Some(containers) = doc.get(spec, "containers") else { return out };
    let template_meta = doc.path(obj.node, &["spec", "template", "metadata"]);
    for c in doc.items(containers) {
        let c = doc.resolve(*c);
        let image = doc.get(c, "image").and_then(|n| doc.str(n)).unwrap_or("");
        let cname = doc.get(c, "name").and_then(|n| doc.str(n)).unwrap_or("");
        let all_words: Vec<Word> =
            words(doc, doc.get(c, "command")).into_iter().chain(words(doc, doc.get(c, "args"))).collect();
        let by_image = REDIS_IMAGES.contains(&image_name(image).as_str());
        let by_command = all_words.iter().any(|w| {
            redis_conf::is_server_binary(&w.text)
                || w.text.contains("redis-server ")
                || w.text.contains("valkey-server ")
        });
        if !(by_image || by_command) || is_sentinel(image, cname, &all_words) {
            continue;
        }
        let Some(reach) = config_reach(obj, spec, c, index) else { continue };
        let (limit, request, limit_origin) =
            memory_resources(&obj.src.path, doc, doc.get(c, "resources"), bad);
        let (maxmemory, policy) = settle(&reach.assigns, &reach.unresolved, REDIS_DEFAULT_POLICY);
        let template_role = template_meta
            .and_then(|m| doc.path(m, &["annotations", role::ROLE_ANNOTATION]))
            .and_then(|n| doc.str(n));
        let (names, role) = role::of_object(obj, &[cname], template_role);
        let anchor = doc.get(c, "name").map_or_else(|| doc.span(c), |n| doc.span(n));
        let workload = obj.name().to_string();
        out.push(Instance {
            identity: format!("{}/{}/{}", obj.kind(), workload, cname),
            display: format!("container `{cname}` of {} `{workload}`", obj.kind()),
            kind: InstanceKind::Container {
                workload_kind: obj.kind().to_string(),
                workload,
                container: cname.to_string(),
            },
            path: obj.src.path.clone(),
            anchor,
            limit,
            limit_origin,
            request,
            maxmemory,
            policy,
            config_hint: reach.hint,
            role,
            names,
            unresolved_config: reach.unresolved,
            ignored_rules: ignored_rules(obj),
            notes: Vec::new(),
        });
    }
    out
}

/// Annotation listing rules to ignore for a workload (for third-party charts where comments
/// cannot be added): `redis-audit.io/ignore: "maxmemory-unset,memory-request-below-limit"`.
pub const IGNORE_ANNOTATION: &str = "redis-audit.io/ignore";

pub(crate) fn ignored_rules(obj: &Object<'_>) -> Vec<String> {
    obj.annotation(IGNORE_ANNOTATION)
        .map(|v| v.split([',', ' ']).map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect())
        .unwrap_or_default()
}
