//! The plugin's side of Kubernetes: kubectl-like flags to a client, and a pod to a connected
//! [`Probe`] through a port-forward (kube-access yields the stream, redis-probe speaks RESP).

use std::time::Duration;

use kube_access::{ClientOptions, Cluster, RedisPod, forward::Forward, password};
use redis_probe::{Probe, Target, Timeouts};

use crate::cli::KubeArgs;

/// The client the flags describe (kubeconfig, context, namespace, request timeout).
pub async fn connect(args: &KubeArgs) -> Result<Cluster, kube_access::KubeError> {
    let opts = ClientOptions {
        kubeconfig: args.kubeconfig.clone(),
        context: args.context.clone(),
        namespace: args.namespace.clone(),
        request_timeout: (args.request_timeout > Duration::ZERO).then_some(args.request_timeout),
    };
    kube_access::connect(&opts).await
}

/// How a pod is named in messages and findings: `pod/NAMESPACE/NAME`.
pub fn label(pod: &RedisPod) -> String {
    format!("pod/{}/{}", pod.namespace, pod.name)
}

/// A connected probe to the Redis container of `pod`, and what was learnt on the way (where
/// the password came from). The [`Forward`] must live as long as the probe.
pub struct PodConnection {
    pub probe: Probe,
    pub forward: Forward,
    pub notes: Vec<String>,
}

/// Resolves the password, opens the port-forward and speaks RESP over it. Errors are one line.
pub async fn open(
    cluster: &Cluster,
    pod: &RedisPod,
    password_from: Option<&str>,
    timeouts: Timeouts,
) -> Result<PodConnection, String> {
    if let Some(var) = tls_only(pod) {
        return Err(format!(
            "{}: this Redis serves TLS ({var}): audits through a port-forward speak plain RESP and \
             cannot present its client certificate yet; use `kubectl port-forward` and \
             `--redis-url rediss://127.0.0.1:PORT?insecure=true` if it does not require client certificates",
            label(pod)
        ));
    }
    let mut notes = Vec::new();
    let password = match password::resolve(cluster, pod, password_from).await {
        Ok(p) => p,
        Err(e) => {
            notes.push(format!("password not found ({e}); trying without one"));
            password::Password::none()
        }
    };
    let mut forward = kube_access::forward::open_pod(cluster, pod).await.map_err(|e| e.to_string())?;
    let stream =
        forward.stream().ok_or_else(|| format!("{}: the port-forward gave no stream", label(pod)))?;
    let had_password = password.is_some();
    let target = Target::stream(label(pod)).with_password(password.expose().map(str::to_string));
    let probe = match Probe::from_stream(stream, &target, timeouts).await {
        Ok(p) => p,
        Err(e) => {
            // The port-forward's error channel says why better than a dropped RESP stream does
            // (the kubelet's "connection refused": nothing listens on that port).
            if let Some(why) = forward.error()
                && let Ok(Some(err)) = tokio::time::timeout(Duration::from_millis(500), why).await
            {
                return Err(err.to_string());
            }
            let mut msg = e.to_string();
            if !had_password && matches!(e, redis_probe::ProbeError::Auth { .. }) {
                msg.push_str(
                    " (no password was found in the pod's env or mounted Secrets; pass --password-from secret/NAME:KEY)",
                );
            } else if had_password {
                msg.push_str(&format!(" (password from {})", password.source()));
            }
            return Err(msg);
        }
    };
    if had_password {
        notes.push(format!("password from {}", password.source()));
    }
    Ok(PodConnection { probe, forward, notes })
}

/// The pod named on the command line (`NAME` or `pod/NAME`) in the flags' namespace.
pub async fn find_one(cluster: &Cluster, args: &KubeArgs, name: &str) -> anyhow::Result<RedisPod> {
    let scope = kube_access::Scope::Namespace(cluster.namespace.clone());
    let found = kube_access::find_redis_pods(cluster, &scope, None, &[name.to_string()]).await?;
    if let Some(pod) = found.pods.into_iter().next() {
        return Ok(pod);
    }
    if let Some((_, why)) = found.skipped.into_iter().next() {
        anyhow::bail!("{name}: {why}");
    }
    let _ = args;
    anyhow::bail!("{name}: no such Redis pod in namespace {}", cluster.namespace)
}

/// The boxed future a reconnect returns (see [`redis_probe::keys::scan_resumable`]).
pub type Reopening =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<Probe, redis_probe::ProbeError>> + Send>>;

/// Opens a fresh port-forward and probe to `pod` on each call, for a scan to resume on after
/// a dropped stream. The forwards it opens are kept in `kept` (they must outlive the probes).
pub fn reconnector(
    cluster: &Cluster,
    pod: &RedisPod,
    password_from: Option<&str>,
    timeouts: Timeouts,
    kept: std::sync::Arc<std::sync::Mutex<Vec<Forward>>>,
) -> impl FnMut() -> Reopening + Send + use<> {
    let (cluster, pod, password_from) = (cluster.clone(), pod.clone(), password_from.map(str::to_string));
    move || -> Reopening {
        let (cluster, pod, password_from, kept) =
            (cluster.clone(), pod.clone(), password_from.clone(), kept.clone());
        Box::pin(async move {
            match open(&cluster, &pod, password_from.as_deref(), timeouts).await {
                Ok(c) => {
                    if let Ok(mut k) = kept.lock() {
                        k.push(c.forward);
                    }
                    Ok(c.probe)
                }
                Err(reason) => Err(redis_probe::ProbeError::Connect { target: label(&pod), reason }),
            }
        })
    }
}

/// The env var that says the container serves TLS (bitnami/redis and bitnami/valkey:
/// `REDIS_TLS_ENABLED` / `VALKEY_TLS_ENABLED`, `yes` or `true`), if one does.
fn tls_only(pod: &RedisPod) -> Option<String> {
    pod.env.iter().find_map(|e| {
        let on = e
            .value
            .as_deref()
            .is_some_and(|v| matches!(v.to_ascii_lowercase().as_str(), "yes" | "true" | "1"));
        (on && matches!(e.name.as_str(), "REDIS_TLS_ENABLED" | "VALKEY_TLS_ENABLED"))
            .then(|| format!("{}={}", e.name, e.value.as_deref().unwrap_or_default()))
    })
}

#[cfg(test)]
mod tests {
    fn pod(tls: &str) -> kube_access::RedisPod {
        let spec: k8s_openapi::api::core::v1::Pod = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "r-0", "namespace": "ns"},
            "spec": {"containers": [{"name": "redis", "image": "docker.io/bitnami/redis:7.2",
                "env": [{"name": "REDIS_TLS_ENABLED", "value": tls}], "ports": [{"containerPort": 6379}]}]},
            "status": {"phase": "Running"}
        }))
        .unwrap_or_default();
        kube_access::RedisPod::from_pod(&spec).unwrap_or_else(|| panic!("not a Redis pod"))
    }

    #[test]
    fn bitnami_tls_is_recognised() {
        assert_eq!(super::tls_only(&pod("yes")).as_deref(), Some("REDIS_TLS_ENABLED=yes"));
        assert_eq!(super::tls_only(&pod("no")), None);
    }
}
