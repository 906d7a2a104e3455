//! The cluster state: objects loaded from YAML manifests and kept as JSON, as a real API
//! server serves what was stored. Loading fills what the API server would (uid,
//! resourceVersion, creationTimestamp, the namespace label), creates missing namespaces,
//! and takes out the `testkit.redis-audit.io/` annotations, which describe backends and
//! permissions and must never reach a client.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::{
    KubeServerError,
    authz::Forbid,
    backends::BackendSpec,
    encoding::{base64_encode, split_words},
};

/// Annotation prefix of the test kit's own settings; stripped from every served object.
pub(crate) const PREFIX: &str = "testkit.redis-audit.io/";

/// The resources this server serves, with the names discovery and errors use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Resource {
    Namespaces,
    Pods,
    Secrets,
    Events,
}

impl Resource {
    pub(crate) const ALL: [Resource; 4] =
        [Resource::Namespaces, Resource::Pods, Resource::Secrets, Resource::Events];

    pub(crate) fn from_plural(plural: &str) -> Option<Resource> {
        Resource::ALL.into_iter().find(|r| r.plural() == plural)
    }

    fn from_kind(kind: &str) -> Option<Resource> {
        Resource::ALL.into_iter().find(|r| r.kind() == kind)
    }

    pub(crate) fn plural(self) -> &'static str {
        match self {
            Resource::Namespaces => "namespaces",
            Resource::Pods => "pods",
            Resource::Secrets => "secrets",
            Resource::Events => "events",
        }
    }

    pub(crate) fn kind(self) -> &'static str {
        match self {
            Resource::Namespaces => "Namespace",
            Resource::Pods => "Pod",
            Resource::Secrets => "Secret",
            Resource::Events => "Event",
        }
    }

    pub(crate) fn is_namespaced(self) -> bool {
        self != Resource::Namespaces
    }

    /// Fields the real API server accepts in a `fieldSelector` for this resource
    /// (kubernetes/kubernetes `pkg/apis/core/v1/conversion.go`, `AddFieldLabelConversionFunc`).
    pub(crate) fn selectable_fields(self) -> &'static [&'static str] {
        match self {
            Resource::Namespaces => &["metadata.name", "status.phase"],
            Resource::Pods => &[
                "metadata.name",
                "metadata.namespace",
                "spec.nodeName",
                "spec.restartPolicy",
                "spec.schedulerName",
                "spec.serviceAccountName",
                "spec.hostNetwork",
                "status.phase",
                "status.podIP",
                "status.nominatedNodeName",
            ],
            Resource::Secrets => &["metadata.name", "metadata.namespace", "type"],
            Resource::Events => &[
                "metadata.name",
                "metadata.namespace",
                "involvedObject.kind",
                "involvedObject.namespace",
                "involvedObject.name",
                "involvedObject.uid",
                "involvedObject.apiVersion",
                "involvedObject.resourceVersion",
                "involvedObject.fieldPath",
                "reason",
                "reportingComponent",
                "source",
                "type",
            ],
        }
    }
}

/// Every object, keyed as etcd keys them (`namespace/name`, or `name` for namespaces), so
/// lists come out in the same order as from a real API server.
#[derive(Debug, Default)]
pub(crate) struct Store {
    objects: BTreeMap<&'static str, BTreeMap<String, Value>>,
    /// The newest resourceVersion handed out; lists report it.
    pub(crate) resource_version: u64,
}

impl Store {
    pub(crate) fn get(&self, res: Resource, namespace: Option<&str>, name: &str) -> Option<&Value> {
        self.objects.get(res.plural())?.get(&key(namespace, name))
    }

    /// Objects of `res`, in key order: all of them, or one namespace's.
    pub(crate) fn list(&self, res: Resource, namespace: Option<&str>) -> Vec<(&str, &Value)> {
        let Some(all) = self.objects.get(res.plural()) else { return Vec::new() };
        match namespace {
            Some(ns) => {
                let prefix = format!("{ns}/");
                all.range(prefix.clone()..)
                    .take_while(|(k, _)| k.starts_with(&prefix))
                    .map(|(k, v)| (k.as_str(), v))
                    .collect()
            }
            None => all.iter().map(|(k, v)| (k.as_str(), v)).collect(),
        }
    }

    fn insert(
        &mut self,
        res: Resource,
        namespace: Option<&str>,
        name: &str,
        object: Value,
    ) -> Result<(), KubeServerError> {
        let map = self.objects.entry(res.plural()).or_default();
        let k = key(namespace, name);
        if map.contains_key(&k) {
            return Err(KubeServerError::Manifest(format!("{} {k} is defined twice", res.kind())));
        }
        map.insert(k, object);
        Ok(())
    }
}

fn key(namespace: Option<&str>, name: &str) -> String {
    match namespace {
        Some(ns) => format!("{ns}/{name}"),
        None => name.to_string(),
    }
}

/// What a set of manifests asks for: the objects, the redis-servers to start and the
/// permissions to withhold.
#[derive(Debug)]
pub(crate) struct Loaded {
    pub(crate) store: Store,
    pub(crate) backends: Vec<BackendSpec>,
    pub(crate) forbids: Vec<Forbid>,
}

/// Namespaces every cluster has.
const BUILTIN_NAMESPACES: [&str; 4] = ["default", "kube-node-lease", "kube-public", "kube-system"];

/// Parses multi-document YAML (documents of kind Namespace, Pod, Secret, Event or List;
/// other kinds are skipped) into a store. `now` is the creationTimestamp of objects that
/// have none.
pub(crate) fn load(yaml: &str, now: &str) -> Result<Loaded, KubeServerError> {
    let docs: Vec<Value> =
        serde_saphyr::from_multiple(yaml).map_err(|e| KubeServerError::Yaml(one_line(&e.to_string())))?;
    let mut flat = Vec::new();
    for doc in docs {
        flatten(doc, &mut flat)?;
    }
    let mut loaded = Loaded { store: Store::default(), backends: Vec::new(), forbids: Vec::new() };
    let mut namespaces_seen: Vec<String> = Vec::new();
    for mut object in flat {
        let Some(kind) = object.get("kind").and_then(Value::as_str).map(str::to_string) else {
            return Err(KubeServerError::Manifest("a document has no `kind`".into()));
        };
        let Some(res) = Resource::from_kind(&kind) else { continue };
        if object.get("apiVersion").and_then(Value::as_str) != Some("v1") {
            return Err(KubeServerError::Manifest(format!("{kind} must have apiVersion v1")));
        }
        let testkit = take_testkit_annotations(&mut object)?;
        let name = object_name(&object, res)?;
        check_string_map(&object, "labels", &name)?;
        check_string_map(&object, "annotations", &name)?;
        let namespace = if res.is_namespaced() {
            let ns = match object
                .pointer("/metadata/namespace")
                .or_else(|| object.pointer("/involvedObject/namespace"))
            {
                None => "default".to_string(),
                Some(Value::String(ns)) => ns.clone(),
                // YAML 1.1 reads `namespace: n` or `no` as a boolean, as kubectl would.
                Some(other) => {
                    return Err(KubeServerError::Manifest(format!(
                        "{kind} {name}: namespace {other} is not a string"
                    )));
                }
            };
            namespaces_seen.push(ns.clone());
            Some(ns)
        } else {
            None
        };
        match res {
            Resource::Pods => {
                if let Some(spec) = BackendSpec::from_annotations(
                    namespace.as_deref().unwrap_or("default"),
                    &name,
                    &object,
                    &testkit,
                )? {
                    loaded.backends.push(spec);
                }
            }
            Resource::Namespaces => {
                for (k, v) in &testkit {
                    if k != "forbid" {
                        return Err(unknown_annotation(k, &name));
                    }
                    loaded.forbids.extend(Forbid::parse_annotation(&name, v)?);
                }
            }
            _ => {
                if let Some(k) = testkit.keys().next() {
                    return Err(unknown_annotation(k, &name));
                }
            }
        }
        loaded.store.resource_version += 1;
        let rv = loaded.store.resource_version;
        complete(&mut object, res, namespace.as_deref(), &name, rv, now)?;
        loaded.store.insert(res, namespace.as_deref(), &name, object)?;
    }
    for ns in BUILTIN_NAMESPACES.iter().map(|s| s.to_string()).chain(namespaces_seen) {
        if loaded.store.get(Resource::Namespaces, None, &ns).is_none() {
            loaded.store.resource_version += 1;
            let rv = loaded.store.resource_version;
            let mut object = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}});
            complete(&mut object, Resource::Namespaces, None, &ns, rv, now)?;
            loaded.store.insert(Resource::Namespaces, None, &ns, object)?;
        }
    }
    Ok(loaded)
}

fn unknown_annotation(key: &str, object: &str) -> KubeServerError {
    KubeServerError::Manifest(format!("unknown annotation {PREFIX}{key} on {object}"))
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Expands `kind: List` (and `*List`) documents into their items.
fn flatten(doc: Value, out: &mut Vec<Value>) -> Result<(), KubeServerError> {
    match doc {
        Value::Object(mut map) => {
            let is_list = map.get("kind").and_then(Value::as_str).is_some_and(|k| k.ends_with("List"));
            if is_list {
                if let Some(Value::Array(items)) = map.remove("items") {
                    let item_kind = map
                        .get("kind")
                        .and_then(Value::as_str)
                        .and_then(|k| k.strip_suffix("List"))
                        .map(str::to_string);
                    for mut item in items {
                        // Items of a typed list (PodList) may omit their own kind and apiVersion.
                        if let (Some(obj), Some(k)) = (item.as_object_mut(), item_kind.as_ref()) {
                            if !k.is_empty() && !obj.contains_key("kind") {
                                obj.insert("kind".into(), Value::String(k.clone()));
                            }
                            if !obj.contains_key("apiVersion") {
                                obj.insert(
                                    "apiVersion".into(),
                                    map.get("apiVersion").cloned().unwrap_or(Value::String("v1".into())),
                                );
                            }
                        }
                        flatten(item, out)?;
                    }
                }
                Ok(())
            } else {
                out.push(Value::Object(map));
                Ok(())
            }
        }
        Value::Null => Ok(()),
        _ => Err(KubeServerError::Manifest("a document is not a mapping".into())),
    }
}

/// Removes the `testkit.redis-audit.io/*` annotations (and `annotations` itself when it
/// becomes empty), returning them without the prefix.
fn take_testkit_annotations(object: &mut Value) -> Result<BTreeMap<String, String>, KubeServerError> {
    let mut found = BTreeMap::new();
    let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut) else { return Ok(found) };
    let Some(Value::Object(annotations)) = meta.get_mut("annotations") else { return Ok(found) };
    let keys: Vec<String> = annotations.keys().filter(|k| k.starts_with(PREFIX)).cloned().collect();
    for k in keys {
        let value = match annotations.remove(&k) {
            Some(Value::String(s)) => s,
            Some(Value::Null) | None => String::new(),
            Some(other) => other.to_string(),
        };
        found.insert(k[PREFIX.len()..].to_string(), value);
    }
    if annotations.is_empty() {
        meta.remove("annotations");
    }
    Ok(found)
}

/// Labels and annotations are string maps; YAML turns `"0"` unquoted into a number, which a
/// real API server rejects, so say so here rather than serve something kubectl cannot decode.
fn check_string_map(object: &Value, field: &str, name: &str) -> Result<(), KubeServerError> {
    let Some(map) = object.get("metadata").and_then(|m| m.get(field)) else { return Ok(()) };
    let Some(map) = map.as_object() else {
        return Err(KubeServerError::Manifest(format!("{name}: metadata.{field} is not a mapping")));
    };
    match map.iter().find(|(_, v)| !v.is_string()) {
        Some((k, v)) => Err(KubeServerError::Manifest(format!(
            "{name}: metadata.{field}.{k} is {v}, not a string (quote it)"
        ))),
        None => Ok(()),
    }
}

fn object_name(object: &Value, res: Resource) -> Result<String, KubeServerError> {
    match object.pointer("/metadata/name") {
        Some(Value::String(name)) => return Ok(name.clone()),
        Some(other) => {
            return Err(KubeServerError::Manifest(format!(
                "a {} has name {other}, not a string",
                res.kind()
            )));
        }
        None => {}
    }
    // Events recorded by client-go are named `<involved object>.<hex timestamp>`.
    if res == Resource::Events
        && let Some(involved) = object.pointer("/involvedObject/name").and_then(Value::as_str)
    {
        let hash = fnv1a(object.to_string().as_bytes());
        return Ok(format!("{involved}.{:016x}", hash >> 4 | 0x1800_0000_0000_0000));
    }
    Err(KubeServerError::Manifest(format!("a {} has no metadata.name", res.kind())))
}

/// Fills what the API server sets on create.
fn complete(
    object: &mut Value,
    res: Resource,
    namespace: Option<&str>,
    name: &str,
    rv: u64,
    now: &str,
) -> Result<(), KubeServerError> {
    let Some(obj) = object.as_object_mut() else {
        return Err(KubeServerError::Manifest(format!("{} {name} is not a mapping", res.kind())));
    };
    let meta = obj.entry("metadata").or_insert_with(|| Value::Object(Map::new()));
    let Some(meta) = meta.as_object_mut() else {
        return Err(KubeServerError::Manifest(format!("{} {name}: metadata is not a mapping", res.kind())));
    };
    meta.insert("name".into(), Value::String(name.to_string()));
    if let Some(ns) = namespace {
        meta.insert("namespace".into(), Value::String(ns.to_string()));
    }
    meta.entry("uid").or_insert_with(|| Value::String(uid_for(res.kind(), namespace.unwrap_or(""), name)));
    meta.insert("resourceVersion".into(), Value::String(rv.to_string()));
    meta.entry("creationTimestamp").or_insert_with(|| Value::String(now.to_string()));
    match res {
        Resource::Namespaces => {
            let labels = meta.entry("labels").or_insert_with(|| Value::Object(Map::new()));
            if let Some(labels) = labels.as_object_mut() {
                labels.insert("kubernetes.io/metadata.name".into(), Value::String(name.to_string()));
            }
            obj.entry("spec").or_insert_with(|| json!({"finalizers": ["kubernetes"]}));
            obj.entry("status").or_insert_with(|| json!({"phase": "Active"}));
        }
        Resource::Secrets => {
            // The API server merges stringData into data (base64) and never returns stringData.
            if let Some(Value::Object(string_data)) = obj.remove("stringData") {
                let data = obj.entry("data").or_insert_with(|| Value::Object(Map::new()));
                if let Some(data) = data.as_object_mut() {
                    for (k, v) in string_data {
                        let text = v.as_str().map_or_else(|| v.to_string(), str::to_string);
                        data.insert(k, Value::String(base64_encode(text.as_bytes())));
                    }
                }
            }
            obj.entry("type").or_insert_with(|| Value::String("Opaque".into()));
        }
        Resource::Events => {
            let ns = namespace.unwrap_or("default");
            if let Some(Value::Object(involved)) = obj.get_mut("involvedObject") {
                let kind = involved.get("kind").and_then(Value::as_str).unwrap_or("");
                if kind != "Node" && kind != "Namespace" {
                    involved.entry("namespace").or_insert_with(|| Value::String(ns.to_string()));
                }
            }
        }
        Resource::Pods => {}
    }
    Ok(())
}

/// A stable UUID-shaped uid, so the same manifests give the same uids on every run.
pub(crate) fn uid_for(kind: &str, namespace: &str, name: &str) -> String {
    let a = fnv1a(format!("{kind}/{namespace}/{name}").as_bytes());
    let b = fnv1a(format!("{name}/{namespace}/{kind}#").as_bytes());
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        0x8000 | (b >> 48) & 0x3fff,
        b & 0xffff_ffff_ffff
    )
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3))
}

/// Reads the testkit annotation `key` as words (shell-like quoting).
pub(crate) fn words(value: &str, what: &str) -> Result<Vec<String>, KubeServerError> {
    split_words(value).map_err(|e| KubeServerError::Manifest(format!("{what}: {e}")))
}

/// RFC 3339 UTC time of `secs` since the Unix epoch, as Kubernetes writes timestamps.
pub(crate) fn rfc3339(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil-from-days, Howard Hinnant's algorithm (public domain).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_767_225_600 + 3_661), "2026-01-01T01:01:01Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn loads_lists_strips_annotations_and_fills_metadata() {
        let yaml = r#"
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Pod
  metadata:
    name: p
    namespace: ns1
    annotations:
      testkit.redis-audit.io/redis-args: "--maxmemory 1mb"
- apiVersion: v1
  kind: Secret
  metadata: {name: s, namespace: ns1}
  stringData: {password: FakePass12}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: ignored}
"#;
        let loaded = load(yaml, "2026-01-01T00:00:00Z").unwrap();
        let pod = loaded.store.get(Resource::Pods, Some("ns1"), "p").unwrap();
        assert!(pod.pointer("/metadata/annotations").is_none(), "{pod}");
        assert_eq!(pod.pointer("/metadata/uid").and_then(Value::as_str).map(str::len), Some(36));
        assert_eq!(loaded.backends.len(), 1);
        let secret = loaded.store.get(Resource::Secrets, Some("ns1"), "s").unwrap();
        assert_eq!(secret.pointer("/data/password"), Some(&json!("RmFrZVBhc3MxMg==")));
        assert!(loaded.store.get(Resource::Namespaces, None, "ns1").is_some());
        assert!(loaded.store.get(Resource::Namespaces, None, "kube-system").is_some());
        assert_eq!(loaded.store.list(Resource::Pods, Some("ns1")).len(), 1);
        assert_eq!(loaded.store.list(Resource::Pods, Some("m")).len(), 0);
    }

    #[test]
    fn rejects_duplicates_and_unknown_testkit_annotations() {
        let dup = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: p}\n";
        assert!(load(dup, "x").is_err());
        let typo = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    testkit.redis-audit.io/redis-arg: x\n";
        let err = load(typo, "x").unwrap_err().to_string();
        assert!(err.contains("redis-arg"), "{err}");
    }
}
