//! Kubernetes access for redis-audit: finds Redis and Valkey pods, reads their memory limits,
//! restarts and OOM evidence, resolves their password from Secrets or env, and opens
//! port-forward streams to them.
//!
//! It knows nothing of the Redis protocol: it yields pods, limits, secrets and byte streams.
//! The plugin joins it with `redis-probe`, which speaks RESP over the stream.
//!
//! ```no_run
//! # async fn demo() -> Result<(), kube_access::KubeError> {
//! use kube_access::{ClientOptions, Scope, connect, find_redis_pods, forward};
//! let cluster = connect(&ClientOptions::default()).await?;
//! let found = find_redis_pods(&cluster, &Scope::Namespace(cluster.namespace.clone()), None, &[]).await?;
//! for pod in &found.pods {
//!     let mut fwd = forward::open_pod(&cluster, pod).await?;
//!     let _stream = fwd.stream(); // AsyncRead + AsyncWrite to the pod's Redis port
//! }
//! # Ok(()) }
//! ```

pub mod classify;
mod client;
mod discover;
mod error;
mod events;
pub mod forward;
pub mod password;
mod pod;
mod rbac;
#[cfg(test)]
mod test_support;

pub use classify::{ContainerKind, Evidence, Flavor};
pub use client::{ClientOptions, Cluster, connect};
pub use discover::{Discovery, NamedPodError, Scope, find_redis_pods, parse_pod_name};
pub use error::{KubeError, Operation};
pub use events::{PodEvent, oom_events};
pub use forward::Forward;
pub use password::{
    Password, PasswordFrom, PasswordPlan, PasswordStep, SecretString, password_plan, resolve_password,
};
pub use pod::{ContainerEnv, ContainerResources, Owner, RedisPod, ReplicationRole, SecretMount, Termination};
pub use rbac::{RBAC_PERMISSIONS, RBAC_RULES};
