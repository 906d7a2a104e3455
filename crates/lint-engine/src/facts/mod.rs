//! Facts about each Redis the scanned files deploy, independent of how they were written.
//!
//! Extractors (manifests, Helm values of known charts, operator CRs, plain redis.conf) turn
//! documents into [`Instance`]s; rules only ever look at instances. Every value keeps the file
//! and span it came from so findings can point at it.

pub mod configmaps;
pub mod helm;
pub mod manifests;
pub mod operators;
pub mod role;
pub mod settings;
pub mod standalone_conf;

use findings::Span;

pub use role::{Role, RoleInfo};

/// A value read from a file, with where it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Sourced<T> {
    pub value: T,
    /// The text as written (`512Mi`, `400mb`).
    pub raw: String,
    pub path: String,
    pub span: Span,
}

/// A memory size in bytes, with its source.
pub type Bytes = Sourced<u64>;

/// Where an effective memory limit comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum LimitOrigin {
    /// Written in the file (`resources.limits.memory`).
    Explicit,
    /// A Bitnami `resourcesPreset`, written (`implicit: false`) or the chart default.
    Preset { chart: String, preset: String, implicit: bool },
    /// A limit is written but is not a valid quantity (reported as `parse-error`).
    Unreadable,
}

/// `maxmemory` as the Redis will see it at start-up.
#[derive(Debug, Clone, PartialEq)]
pub enum Maxmemory {
    /// Not set anywhere: Redis defaults to 0, no limit.
    Unset,
    /// Set explicitly (0 included).
    Set(Bytes),
    /// Set as a fraction of the container limit by an operator (`maxMemoryPercentOfLimit`).
    PercentOfLimit(Sourced<u8>),
    /// Cannot be known from the files (config from an unseen ConfigMap, an env variable...).
    Unknown(String),
}

/// `maxmemory-policy` as the Redis will see it.
#[derive(Debug, Clone, PartialEq)]
pub enum Policy {
    /// Not set: the default of the deployment method applies (`noeviction` for Redis itself).
    Default {
        value: &'static str,
        origin: &'static str,
    },
    Set(Sourced<String>),
    Unknown(String),
}

impl Policy {
    pub fn value(&self) -> Option<&str> {
        match self {
            Policy::Default { value, .. } => Some(value),
            Policy::Set(s) => Some(&s.value),
            Policy::Unknown(_) => None,
        }
    }
}

/// What deploys the Redis.
#[derive(Debug, Clone, PartialEq)]
pub enum InstanceKind {
    /// A container in a workload manifest.
    Container { workload_kind: String, workload: String, container: String },
    /// A role of a Helm chart configured by a values file.
    HelmRole { chart: String, role: String, values_prefix: String },
    /// An operator custom resource (and role, for clustered CRs).
    OperatorCr { kind: String, name: String, role: Option<String> },
    /// A redis.conf that no scanned workload mounts.
    ConfFile,
}

/// One Redis (one container spec, chart role or CR), with everything rules need.
#[derive(Debug, Clone)]
pub struct Instance {
    pub kind: InstanceKind,
    /// Stable identity for fingerprints, e.g. `StatefulSet/cache/redis` or `master`.
    pub identity: String,
    /// Human name used in messages, e.g. "container `redis` of StatefulSet `cache`".
    pub display: String,
    /// Where instance-level findings point.
    pub path: String,
    pub anchor: Span,
    /// `Some` where a memory limit is a meaningful concept (not for a bare redis.conf).
    pub limit: Option<Bytes>,
    pub limit_origin: LimitOrigin,
    pub request: Option<Bytes>,
    pub maxmemory: Maxmemory,
    pub policy: Policy,
    /// Where a `maxmemory` line should be added (file + span of the config block), for messages.
    pub config_hint: ConfigHint,
    pub role: RoleInfo,
    /// Names and labels role inference looks at (workload, release, chart key...).
    pub names: Vec<String>,
    /// Redis config sources that exist but could not be read (unresolved ConfigMaps...).
    pub unresolved_config: Vec<String>,
    /// Rules switched off for this instance by an annotation.
    pub ignored_rules: Vec<String>,
    /// Assumptions made while reading (e.g. an unknown chart version), added to messages.
    pub notes: Vec<String>,
}

impl Instance {
    /// Whether a container limit applies at all (not for a bare redis.conf).
    pub fn has_container(&self) -> bool {
        !matches!(self.kind, InstanceKind::ConfFile)
    }
}

/// How to tell the user to set maxmemory for this kind of deployment.
#[derive(Debug, Clone, PartialEq)]
pub enum ConfigHint {
    /// `--maxmemory <v>` in the container args.
    Args,
    /// A `maxmemory <v>` line in redis.conf (possibly inside a ConfigMap or values key).
    ConfLine { place: String },
    /// A values key such as `redis.config.maxmemory`.
    ValuesKey { key: String },
    /// Operator field.
    OperatorField { field: String },
}

/// Recommended maxmemory as a fraction of the limit: 80%, leaving room for fork copy-on-write
/// during BGSAVE/AOF rewrite, replication and client output buffers, and fragmentation.
pub const RECOMMENDED_PERCENT: u64 = 80;

pub fn recommended_maxmemory(limit_bytes: u64) -> u64 {
    limit_bytes / 100 * RECOMMENDED_PERCENT + (limit_bytes % 100) * RECOMMENDED_PERCENT / 100
}

/// Memory limit and request of a `resources` block at `res` in `doc` (file `path`). A malformed
/// quantity is recorded in `bad` (reported as `parse-error`) and makes the limit `Unreadable`,
/// so no rule reports it as missing.
pub(crate) fn memory_resources(
    path: &str,
    doc: &crate::yaml::Doc,
    res: Option<crate::yaml::NodeId>,
    bad: &mut Vec<manifests::BadValue>,
) -> (Option<Bytes>, Option<Bytes>, LimitOrigin) {
    let mut read = |keys: &[&str]| -> Result<Option<Bytes>, ()> {
        let Some(n) = res.and_then(|r| doc.path(r, keys)) else { return Ok(None) };
        let Some(raw) = doc.non_null_str(n) else { return Ok(None) };
        match findings::units::parse_k8s_quantity(raw) {
            Ok(value) => {
                Ok(Some(Sourced { value, raw: raw.to_string(), path: path.to_string(), span: doc.span(n) }))
            }
            Err(e) => {
                bad.push(manifests::BadValue {
                    path: path.to_string(),
                    span: doc.span(n),
                    message: e.to_string(),
                });
                Err(())
            }
        }
    };
    let (limit, origin) = match read(&["limits", "memory"]) {
        Ok(l) => (l, LimitOrigin::Explicit),
        Err(()) => (None, LimitOrigin::Unreadable),
    };
    let request = read(&["requests", "memory"]).unwrap_or(None);
    (limit, request, origin)
}
