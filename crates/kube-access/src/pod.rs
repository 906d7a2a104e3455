//! Per-pod facts an audit needs, read from the `Pod` object alone (no further API calls):
//! which container is Redis and on which port, its memory request and limit, restarts and the
//! last termination (OOMKilled), the owner workload, the Helm release, the replication role the
//! labels claim, and what password resolution needs (env, mounted secret volumes).

use std::collections::BTreeMap;

use findings::units::parse_k8s_quantity;
use k8s_openapi::api::core::v1::{Container, ContainerStatus, EnvFromSource, EnvVar, Pod};

use crate::classify::{self, Classification, ContainerKind, Flavor};

/// Memory request and limit of one container, in bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerResources {
    /// Container name.
    pub name: String,
    /// What it is (sentinel and exporter sidecars count towards the pod's memory too).
    pub kind: ContainerKind,
    /// `resources.requests.memory` in bytes.
    pub memory_request: Option<u64>,
    /// `resources.limits.memory` in bytes.
    pub memory_limit: Option<u64>,
}

/// How a container last ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Termination {
    /// `OOMKilled`, `Error`, `Completed`, ... When the kubelet gave none: `Completed` for
    /// exit code 0, else `Error`.
    pub reason: String,
    /// The exit code (137 = SIGKILL, what an OOM kill gives).
    pub exit_code: i32,
    /// RFC 3339 time it ended.
    pub finished_at: Option<String>,
}

/// The workload that owns the pod.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    /// `StatefulSet`, `Deployment` (resolved from its ReplicaSet), `DaemonSet`, `Job`, ...
    pub kind: String,
    /// Its name.
    pub name: String,
}

/// The replication role the pod labels claim (not verified: INFO replication is the truth).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplicationRole {
    /// master / primary / leader.
    Master,
    /// replica / slave / follower.
    Replica,
}

/// A Secret volume mounted into the Redis container: where, which secret, which keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretMount {
    /// `volumeMounts[].mountPath`.
    pub mount_path: String,
    /// `volumeMounts[].subPath`: the mount is then a single file, the item at that path.
    pub sub_path: Option<String>,
    /// The secret's name.
    pub secret_name: String,
    /// `items[]` as `(key, path)`; empty means every key appears as a file named after it.
    pub items: Vec<(String, String)>,
}

/// A container's `env`, kept for password resolution. Its `Debug` lists the names only: a
/// literal `REDIS_PASSWORD` value must not end up in a log or a test failure.
#[derive(Clone, Default, PartialEq)]
pub struct ContainerEnv(pub Vec<EnvVar>);

impl std::ops::Deref for ContainerEnv {
    type Target = [EnvVar];

    fn deref(&self) -> &[EnvVar] {
        &self.0
    }
}

impl std::fmt::Debug for ContainerEnv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.0.iter().map(|v| &v.name)).finish()
    }
}

/// One Redis (or Valkey) pod and the facts an audit needs about it.
#[derive(Debug, Clone, PartialEq)]
pub struct RedisPod {
    /// Namespace.
    pub namespace: String,
    /// Pod name.
    pub name: String,
    /// Pod UID.
    pub uid: Option<String>,
    /// The Redis container (or, for a skipped Sentinel pod, the Sentinel container).
    pub container: String,
    /// Its image as written.
    pub image: Option<String>,
    /// The Redis port: a port named `redis`/`tcp-redis`/`valkey`, else 6379, else the first.
    pub port: u16,
    /// Why this container was taken for Redis (`None` for a named pod that is not Redis).
    pub evidence: Option<classify::Evidence>,
    /// Pod phase: `Running`, `Pending`, ... (`Unknown` when absent).
    pub phase: String,
    /// Why it is not running, when known: `Unschedulable`, `CrashLoopBackOff`, ...
    pub status_reason: Option<String>,
    /// Whether the Redis container is ready.
    pub ready: bool,
    /// The node it runs on.
    pub node: Option<String>,
    /// `status.podIP`: where an audit running inside the cluster connects directly (no
    /// port-forward).
    pub pod_ip: Option<String>,
    /// Memory request of the Redis container, in bytes.
    pub memory_request: Option<u64>,
    /// Memory limit of the Redis container, in bytes.
    pub memory_limit: Option<u64>,
    /// The memory limit as written, e.g. `512Mi`.
    pub memory_limit_text: Option<String>,
    /// The pod's other containers (sidecars count towards the pod's memory).
    pub other_containers: Vec<ContainerResources>,
    /// Restarts of the Redis container.
    pub restarts: u32,
    /// The last termination of the Redis container (current state if it is terminated now).
    pub last_termination: Option<Termination>,
    /// Whether that termination was an OOM kill.
    pub oom_killed: bool,
    /// The owning workload.
    pub owner: Option<Owner>,
    /// Helm release (`app.kubernetes.io/instance` or `release`), when the labels say Helm.
    pub helm_release: Option<String>,
    /// Chart and version from `helm.sh/chart` (or `chart`), e.g. `redis-23.1.1`.
    pub helm_chart: Option<String>,
    /// The role the labels claim.
    pub role_hint: Option<ReplicationRole>,
    /// Redis, Valkey or Redis Stack.
    pub flavor: Flavor,
    /// Pod labels.
    pub labels: BTreeMap<String, String>,
    /// The Redis container's env (for password resolution; `Debug` hides the values).
    pub env: ContainerEnv,
    /// The Redis container's `envFrom`.
    pub env_from: Vec<EnvFromSource>,
    /// Secret volumes mounted into the Redis container.
    pub secret_mounts: Vec<SecretMount>,
    /// Set when the pod is not audited, with the reason (a Sentinel-only pod).
    pub skipped: Option<String>,
    /// Set for a pod named on the command line that does not look like Redis.
    pub note: Option<String>,
}

impl RedisPod {
    /// `namespace/name`, for messages.
    pub fn display_name(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }

    /// Whether the pod phase is `Running`.
    pub fn is_running(&self) -> bool {
        self.phase == "Running"
    }

    /// Builds the facts of a pod found by listing: `None` if it is not a Redis pod.
    pub fn from_pod(pod: &Pod) -> Option<RedisPod> {
        let class = classify::classify_pod(pod);
        if !class.is_redis() {
            return None;
        }
        build(pod, &class)
    }

    /// Builds the facts of a pod named on the command line: always returned; a pod that does
    /// not look like Redis gets a `note` and its first plain container on port 6379 (or its
    /// first declared port) is tried anyway.
    pub fn from_named_pod(pod: &Pod) -> Option<RedisPod> {
        let class = classify::classify_pod(pod);
        if class.is_redis() {
            return build(pod, &class);
        }
        let containers = containers(pod);
        let index = class.kinds.iter().position(|k| *k == ContainerKind::Other).unwrap_or(0);
        let chosen = containers.get(index)?;
        let mut facts = facts(pod, &class, index, None)?;
        facts.note = Some(format!(
            "no container looks like Redis (by image, port, name or labels); trying container {} on port {}",
            chosen.name, facts.port
        ));
        Some(facts)
    }
}

fn containers(pod: &Pod) -> &[Container] {
    pod.spec.as_ref().map(|s| s.containers.as_slice()).unwrap_or(&[])
}

fn build(pod: &Pod, class: &Classification) -> Option<RedisPod> {
    if let Some((index, evidence)) = class.data {
        return facts(pod, class, index, Some(evidence));
    }
    // Sentinel-only: described, then skipped.
    let index = class.kinds.iter().position(|k| *k == ContainerKind::Sentinel)?;
    let mut facts = facts(pod, class, index, None)?;
    facts.skipped = Some("Redis Sentinel only: it holds no data, so there is no memory to audit".to_owned());
    Some(facts)
}

fn facts(
    pod: &Pod,
    class: &Classification,
    index: usize,
    evidence: Option<classify::Evidence>,
) -> Option<RedisPod> {
    let all = containers(pod);
    let c = all.get(index)?;
    let meta = &pod.metadata;
    let labels = meta.labels.clone().unwrap_or_default();
    let status = pod.status.as_ref();
    let cstatus =
        status.and_then(|s| s.container_statuses.as_ref()).and_then(|v| v.iter().find(|s| s.name == c.name));
    let (memory_request, _) = memory(c, "requests");
    let (memory_limit, memory_limit_text) = memory(c, "limits");
    let last_termination = cstatus.and_then(termination);
    let oom_killed = last_termination.as_ref().is_some_and(|t| t.reason == "OOMKilled");
    let other_containers = all
        .iter()
        .zip(&class.kinds)
        .enumerate()
        .filter(|(i, _)| *i != index)
        .map(|(_, (other, kind))| ContainerResources {
            name: other.name.clone(),
            kind: *kind,
            memory_request: memory(other, "requests").0,
            memory_limit: memory(other, "limits").0,
        })
        .collect();
    let phase = status.and_then(|s| s.phase.clone()).unwrap_or_else(|| "Unknown".to_owned());
    Some(RedisPod {
        namespace: meta.namespace.clone().unwrap_or_default(),
        name: meta.name.clone().unwrap_or_default(),
        uid: meta.uid.clone(),
        container: c.name.clone(),
        image: c.image.clone(),
        port: classify::redis_port(c),
        evidence,
        status_reason: status_reason(pod, cstatus),
        phase,
        ready: cstatus.is_some_and(|s| s.ready),
        node: pod.spec.as_ref().and_then(|s| s.node_name.clone()),
        pod_ip: status.and_then(|s| s.pod_ip.clone()).filter(|ip| !ip.is_empty()),
        memory_request,
        memory_limit,
        memory_limit_text,
        other_containers,
        restarts: cstatus.map(|s| u32::try_from(s.restart_count).unwrap_or(0)).unwrap_or(0),
        last_termination,
        oom_killed,
        owner: owner(pod),
        helm_release: helm_release(&labels),
        helm_chart: helm_chart(&labels),
        role_hint: role_hint(&labels),
        flavor: classify::flavor(c, Some(&labels)),
        env: ContainerEnv(c.env.clone().unwrap_or_default()),
        env_from: c.env_from.clone().unwrap_or_default(),
        secret_mounts: secret_mounts(pod, c),
        labels,
        skipped: None,
        note: None,
    })
}

/// `(bytes, text)` of `resources.<field>.memory`; an unparsable quantity gives `(None, text)`
/// (the API server would have rejected it, so this only happens with odd test data).
fn memory(c: &Container, field: &str) -> (Option<u64>, Option<String>) {
    let resources = c.resources.as_ref();
    let map = match field {
        "requests" => resources.and_then(|r| r.requests.as_ref()),
        _ => resources.and_then(|r| r.limits.as_ref()),
    };
    let Some(q) = map.and_then(|m| m.get("memory")) else { return (None, None) };
    (parse_k8s_quantity(&q.0).ok(), Some(q.0.clone()))
}

/// The current termination if the container is terminated now, else the last one.
fn termination(s: &ContainerStatus) -> Option<Termination> {
    let current = s.state.as_ref().and_then(|st| st.terminated.as_ref());
    let last = s.last_state.as_ref().and_then(|st| st.terminated.as_ref());
    current.or(last).map(|t| Termination {
        reason: t
            .reason
            .clone()
            .filter(|r| !r.is_empty())
            .unwrap_or_else(|| if t.exit_code == 0 { "Completed" } else { "Error" }.to_owned()),
        exit_code: t.exit_code,
        finished_at: t.finished_at.as_ref().map(|f| f.0.to_string()),
    })
}

/// Why a pod is not serving: the container's waiting reason (`CrashLoopBackOff`), the pod's
/// reason (`Evicted`), or the scheduling condition (`Unschedulable`).
fn status_reason(pod: &Pod, cstatus: Option<&ContainerStatus>) -> Option<String> {
    let status = pod.status.as_ref()?;
    let waiting = cstatus
        .and_then(|s| s.state.as_ref())
        .and_then(|st| st.waiting.as_ref())
        .and_then(|w| w.reason.clone());
    let unschedulable = status
        .conditions
        .iter()
        .flatten()
        .find(|c| c.type_ == "PodScheduled" && c.status == "False")
        .and_then(|c| c.reason.clone());
    waiting.or_else(|| status.reason.clone()).or(unschedulable)
}

/// The controlling owner; a ReplicaSet is reported as its Deployment by dropping the
/// pod-template-hash suffix from its name, so no extra API call (or RBAC) is needed.
pub(crate) fn owner(pod: &Pod) -> Option<Owner> {
    let refs = pod.metadata.owner_references.as_ref()?;
    let r = refs.iter().find(|r| r.controller == Some(true)).or(refs.first())?;
    if r.kind == "ReplicaSet" {
        let hash = pod.metadata.labels.as_ref().and_then(|l| l.get("pod-template-hash"));
        let deployment = match hash {
            Some(h) => r.name.strip_suffix(h.as_str()).and_then(|n| n.strip_suffix('-')),
            None => r.name.rsplit_once('-').filter(|(_, suffix)| looks_like_hash(suffix)).map(|(n, _)| n),
        };
        if let Some(name) = deployment.filter(|n| !n.is_empty()) {
            return Some(Owner { kind: "Deployment".to_owned(), name: name.to_owned() });
        }
    }
    Some(Owner { kind: r.kind.clone(), name: r.name.clone() })
}

/// A pod-template-hash: lower-case alphanumerics, as `rand.SafeEncodeString` produces.
fn looks_like_hash(s: &str) -> bool {
    (5..=10).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

/// The release name, only when the labels say Helm rendered the pod.
pub(crate) fn helm_release(labels: &BTreeMap<String, String>) -> Option<String> {
    let by_helm = labels.contains_key("helm.sh/chart")
        || labels.contains_key("chart")
        || labels.get("app.kubernetes.io/managed-by").is_some_and(|v| v.eq_ignore_ascii_case("helm"))
        || labels
            .get("heritage")
            .is_some_and(|v| v.eq_ignore_ascii_case("helm") || v.eq_ignore_ascii_case("tiller"));
    if !by_helm {
        return None;
    }
    labels.get("app.kubernetes.io/instance").or_else(|| labels.get("release")).cloned()
}

fn helm_chart(labels: &BTreeMap<String, String>) -> Option<String> {
    labels.get("helm.sh/chart").or_else(|| labels.get("chart")).cloned()
}

/// The role from `app.kubernetes.io/component` (bitnami: master/replica, valkey: primary),
/// `redis-role`, `role`, or spotahome's `redisfailovers-role`.
pub(crate) fn role_hint(labels: &BTreeMap<String, String>) -> Option<ReplicationRole> {
    ["app.kubernetes.io/component", "redis-role", "role", "redisfailovers-role"]
        .iter()
        .filter_map(|k| labels.get(*k))
        .find_map(|v| match v.to_ascii_lowercase().as_str() {
            "master" | "primary" | "leader" => Some(ReplicationRole::Master),
            "replica" | "replicas" | "slave" | "follower" => Some(ReplicationRole::Replica),
            _ => None,
        })
}

/// Secret volumes (plain or projected) mounted into container `c`.
fn secret_mounts(pod: &Pod, c: &Container) -> Vec<SecretMount> {
    let volumes = pod.spec.as_ref().and_then(|s| s.volumes.as_ref());
    let mut out = Vec::new();
    for mount in c.volume_mounts.iter().flatten() {
        let Some(volume) = volumes.into_iter().flatten().find(|v| v.name == mount.name) else { continue };
        let mut sources: Vec<(String, Vec<(String, String)>)> = Vec::new();
        if let Some(secret) = &volume.secret
            && let Some(name) = &secret.secret_name
        {
            sources.push((name.clone(), key_paths(secret.items.as_deref())));
        }
        for projection in volume.projected.iter().flat_map(|p| p.sources.iter().flatten()) {
            if let Some(secret) = &projection.secret {
                sources.push((secret.name.clone(), key_paths(secret.items.as_deref())));
            }
        }
        for (secret_name, items) in sources {
            out.push(SecretMount {
                mount_path: mount.mount_path.clone(),
                sub_path: mount.sub_path.clone().filter(|s| !s.is_empty()),
                secret_name,
                items,
            });
        }
    }
    out
}

fn key_paths(items: Option<&[k8s_openapi::api::core::v1::KeyToPath]>) -> Vec<(String, String)> {
    items.into_iter().flatten().map(|i| (i.key.clone(), i.path.clone())).collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
