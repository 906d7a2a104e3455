//! Which containers of a pod are Redis/Valkey data nodes: a pure function on the `Pod`.
//!
//! Evidence, strongest first: the image (`redis`, `valkey/valkey`, `bitnami/redis`,
//! `redis/redis-stack-server`, `redislabs/...`, behind any registry, tag or digest), a container
//! port 6379 or a port named `redis`/`tcp-redis`/`valkey`, the container name, and finally the
//! well-known pod labels (`app.kubernetes.io/name: redis`, `app: redis`, ...) for custom images
//! that declare no port. Sentinels (image or name `*sentinel*`, port 26379, `redis-sentinel`
//! or `--sentinel` on the command line) and metrics exporters (`redis_exporter`, port 9121) are
//! recognised so they are never audited as data nodes. Proxies and UIs that listen on 6379 or
//! carry "redis" in their image name (haproxy in front of redis-ha, RedisInsight,
//! redis-commander) are not Redis.
//!
//! Environment variables are never looked at: every app pod has a `REDIS_URL`. Init
//! containers are ignored: they are gone by the time we connect.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Container, Pod};

/// Image repository names (last path component) of Redis-compatible data servers.
const DATA_IMAGES: &[&str] =
    &["redis", "valkey", "redis-cluster", "valkey-cluster", "redis-stack", "redis-stack-server"];

/// `redislabs/<name>` images that are a Redis server with modules.
const REDISLABS_SERVERS: &[&str] = &[
    "redis",
    "redismod",
    "redisearch",
    "rejson",
    "rebloom",
    "redisgraph",
    "redistimeseries",
    "redisai",
    "redisgears",
    "redis-stack",
    "redis-stack-server",
];

/// Images that are not Redis even when they listen on 6379 or say "redis" in their name.
const NOT_REDIS_IMAGES: &[&str] = &[
    "haproxy",
    "envoy",
    "nutcracker",
    "twemproxy",
    "predixy",
    "redis-cluster-proxy",
    "redisinsight",
    "redis-commander",
    "redis-operator",
    "operator",
    "k8s-controller",
];

/// Data-port names used by the common charts (bitnami: `redis`, `tcp-redis`; valkey: `redis`).
const DATA_PORT_NAMES: &[&str] = &["redis", "tcp-redis", "valkey", "tcp-valkey"];

/// Container names that say "this is the Redis server".
const DATA_CONTAINER_NAMES: &[&str] = &["redis", "valkey", "redis-server", "valkey-server"];

/// `app.kubernetes.io/name` (or `app`) values of charts and operators that run Redis.
const REDIS_APP_LABELS: &[&str] =
    &["redis", "valkey", "redis-ha", "redis-cluster", "valkey-cluster", "redis-stack"];

/// The Redis port.
pub const REDIS_PORT: u16 = 6379;
/// The Sentinel port.
pub const SENTINEL_PORT: u16 = 26379;
/// redis_exporter's metrics port.
pub const EXPORTER_PORT: u16 = 9121;

/// What a container is, as far as a memory audit cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContainerKind {
    /// A Redis or Valkey server holding data.
    Data,
    /// Redis Sentinel: monitors, holds no data.
    Sentinel,
    /// A metrics exporter sidecar.
    Exporter,
    /// Anything else: the app, a proxy, a shell sidecar.
    Other,
}

/// Why a container was taken for the Redis data container, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Evidence {
    /// Its image is a known Redis/Valkey image.
    Image,
    /// It declares port 6379 or a port named `redis`/`tcp-redis`/`valkey`.
    Port,
    /// It is named `redis`/`valkey`.
    Name,
    /// Only the pod labels say Redis; it is the first container that is nothing else.
    Labels,
}

/// The product a data container runs, from its image (and the pod labels).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// Redis (OSS/CE or compatible).
    Redis,
    /// Valkey.
    Valkey,
    /// Redis Stack / Redis with modules.
    RedisStack,
}

/// The classification of one pod.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classification {
    /// Kind of each entry of `spec.containers`, in order.
    pub kinds: Vec<ContainerKind>,
    /// Index (into `spec.containers`) of the data container to audit, and why.
    pub data: Option<(usize, Evidence)>,
    /// Whether the pod labels name a Redis chart or app.
    pub labels_say_redis: bool,
}

impl Classification {
    /// A pod with Sentinel containers and no data container: skipped with a reason.
    pub fn is_sentinel_only(&self) -> bool {
        self.data.is_none() && self.kinds.contains(&ContainerKind::Sentinel)
    }

    /// A pod to audit, or a Sentinel pod to report as skipped.
    pub fn is_redis(&self) -> bool {
        self.data.is_some() || self.is_sentinel_only()
    }
}

/// Classifies a pod's containers (not its init containers).
pub fn classify_pod(pod: &Pod) -> Classification {
    let containers: &[Container] = pod.spec.as_ref().map(|s| s.containers.as_slice()).unwrap_or(&[]);
    let labels_say_redis = labels_say_redis(pod.metadata.labels.as_ref());
    let judged: Vec<(ContainerKind, Option<Evidence>)> = containers.iter().map(classify_container).collect();
    let kinds = judged.iter().map(|(k, _)| *k).collect();

    // The strongest evidence wins; the first container breaks ties (the chart's main container
    // comes first).
    let mut data = judged
        .iter()
        .enumerate()
        .filter_map(|(i, (kind, ev))| (*kind == ContainerKind::Data).then_some((i, (*ev)?)))
        .min_by_key(|(i, ev)| (*ev, *i));
    if data.is_none() && labels_say_redis {
        data = containers
            .iter()
            .zip(&judged)
            .position(|(c, (kind, _))| *kind == ContainerKind::Other && !is_not_redis_image(c))
            .map(|i| (i, Evidence::Labels));
    }
    Classification { kinds, data, labels_say_redis }
}

/// Classifies one container on its own (image, ports, name, command).
pub fn classify_container(c: &Container) -> (ContainerKind, Option<Evidence>) {
    let image = c.image.as_deref().map(ImageName::parse);
    let last = image.as_ref().map(|i| i.last()).unwrap_or("");
    let name = c.name.to_ascii_lowercase();
    let ports = container_ports(c);
    let has_data_port = ports
        .iter()
        .any(|(n, p)| *p == REDIS_PORT || n.as_deref().is_some_and(|n| DATA_PORT_NAMES.contains(&n)));

    if image.as_ref().is_some_and(|i| i.is_not_redis()) {
        return (ContainerKind::Other, None);
    }
    let sentinel_port = ports
        .iter()
        .any(|(n, p)| *p == SENTINEL_PORT || n.as_deref().is_some_and(|n| n.contains("sentinel")));
    if last.contains("sentinel")
        || name.contains("sentinel")
        || runs_sentinel(c)
        || (sentinel_port && !has_data_port)
    {
        return (ContainerKind::Sentinel, None);
    }
    let exporter_port = ports.iter().any(|(n, p)| *p == EXPORTER_PORT || n.as_deref() == Some("metrics"));
    if last.contains("exporter") || name.contains("exporter") || (exporter_port && !has_data_port) {
        return (ContainerKind::Exporter, None);
    }
    if image.as_ref().is_some_and(|i| i.is_data_server()) {
        return (ContainerKind::Data, Some(Evidence::Image));
    }
    if has_data_port {
        return (ContainerKind::Data, Some(Evidence::Port));
    }
    if DATA_CONTAINER_NAMES.contains(&name.as_str()) {
        return (ContainerKind::Data, Some(Evidence::Name));
    }
    (ContainerKind::Other, None)
}

/// The flavor of a data container, from its image, else its name, else the pod labels.
pub fn flavor(c: &Container, labels: Option<&BTreeMap<String, String>>) -> Flavor {
    if let Some(image) = c.image.as_deref().map(ImageName::parse) {
        let last = image.last();
        if last.starts_with("valkey") {
            return Flavor::Valkey;
        }
        if last.starts_with("redis-stack") || (image.namespace() == Some("redislabs") && last != "redis") {
            return Flavor::RedisStack;
        }
        if DATA_IMAGES.contains(&last) {
            return Flavor::Redis;
        }
    }
    let label_says_valkey = labels
        .into_iter()
        .flatten()
        .any(|(k, v)| (k == "app.kubernetes.io/name" || k == "app") && v.starts_with("valkey"));
    if c.name.to_ascii_lowercase().contains("valkey") || label_says_valkey {
        Flavor::Valkey
    } else {
        Flavor::Redis
    }
}

/// `(name, port)` of each declared container port (out-of-range numbers dropped).
pub(crate) fn container_ports(c: &Container) -> Vec<(Option<String>, u16)> {
    c.ports
        .iter()
        .flatten()
        .filter_map(|p| {
            Some((p.name.as_ref().map(|n| n.to_ascii_lowercase()), u16::try_from(p.container_port).ok()?))
        })
        .collect()
}

/// The Redis port of a data container: a port named `redis`/`tcp-redis`/`valkey`, else 6379
/// if declared, else the first declared port, else 6379 (images often declare none).
pub fn redis_port(c: &Container) -> u16 {
    let ports = container_ports(c);
    ports
        .iter()
        .find(|(n, _)| n.as_deref().is_some_and(|n| DATA_PORT_NAMES.contains(&n)))
        .or_else(|| ports.iter().find(|(_, p)| *p == REDIS_PORT))
        .or_else(|| ports.first())
        .map(|(_, p)| *p)
        .unwrap_or(REDIS_PORT)
}

/// `redis-sentinel ...`, `valkey-sentinel ...` or `redis-server sentinel.conf --sentinel`, in the
/// command or args, whole words or inside a `sh -c` string.
fn runs_sentinel(c: &Container) -> bool {
    c.command.iter().flatten().chain(c.args.iter().flatten()).flat_map(|s| s.split_whitespace()).any(
        |token| {
            let base = token.rsplit('/').next().unwrap_or(token);
            token == "--sentinel" || base == "redis-sentinel" || base == "valkey-sentinel"
        },
    )
}

fn is_not_redis_image(c: &Container) -> bool {
    c.image.as_deref().map(ImageName::parse).is_some_and(|i| i.is_not_redis())
}

fn labels_say_redis(labels: Option<&BTreeMap<String, String>>) -> bool {
    let Some(labels) = labels else { return false };
    ["app.kubernetes.io/name", "app"]
        .iter()
        .filter_map(|k| labels.get(*k))
        .any(|v| REDIS_APP_LABELS.contains(&v.to_ascii_lowercase().as_str()))
}

/// An image reference split the way registries do: `[registry/]path[:tag][@digest]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ImageName {
    /// Lower-cased path components without the registry, `library/` dropped.
    components: Vec<String>,
}

impl ImageName {
    /// Parses `myregistry.local:5000/mirror/bitnami/redis:7.2@sha256:...` into
    /// `[mirror, bitnami, redis]`.
    pub(crate) fn parse(image: &str) -> Self {
        let no_digest = image.split('@').next().unwrap_or(image).trim();
        let mut parts: Vec<&str> = no_digest.split('/').collect();
        // A first component with a dot or a port, or `localhost`, is a registry host.
        if parts.len() > 1
            && parts.first().is_some_and(|p| p.contains('.') || p.contains(':') || *p == "localhost")
        {
            parts.remove(0);
        }
        if let Some(last) = parts.last_mut() {
            *last = last.split(':').next().unwrap_or(last);
        }
        let components: Vec<String> = parts
            .iter()
            .filter(|p| **p != "library" && !p.is_empty())
            .map(|p| p.to_ascii_lowercase())
            .collect();
        ImageName { components }
    }

    /// The repository name: `redis` in `bitnami/redis`.
    pub(crate) fn last(&self) -> &str {
        self.components.last().map(String::as_str).unwrap_or("")
    }

    /// The component before the name: `bitnami` in `bitnami/redis`.
    pub(crate) fn namespace(&self) -> Option<&str> {
        let n = self.components.len();
        (n >= 2).then(|| self.components[n - 2].as_str())
    }

    fn is_data_server(&self) -> bool {
        let last = self.last();
        if self.namespace() == Some("redislabs") {
            return REDISLABS_SERVERS.contains(&last);
        }
        DATA_IMAGES.contains(&last)
    }

    fn is_not_redis(&self) -> bool {
        NOT_REDIS_IMAGES.contains(&self.last())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
