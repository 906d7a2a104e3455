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

/// How an audit reaches a pod's Redis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// Through the API server's port-forward WebSocket (from outside the cluster; needs
    /// `pods/portforward`).
    PortForward,
    /// Straight to the pod IP and Redis port: from inside the cluster, where pod IPs are
    /// routable. Needs no `pods/portforward`, only the network path (a NetworkPolicy may close it).
    PodIp,
}

impl Route {
    /// `--direct`, or a client configured from the pod's service account (no kubeconfig
    /// context): then this process runs inside the cluster it audits.
    pub fn choose(direct: bool, cluster: &Cluster) -> Route {
        if direct || cluster.context.is_none() { Route::PodIp } else { Route::PortForward }
    }
}

/// Resolves the password, opens the port-forward and speaks RESP over it. Errors are one line.
pub async fn open(
    cluster: &Cluster,
    pod: &RedisPod,
    password_from: Option<&str>,
    timeouts: Timeouts,
) -> Result<PodConnection, String> {
    refuse_tls(pod, "audits through a port-forward speak plain RESP")?;
    let (password, mut notes) = pod_password(cluster, pod, password_from).await;
    let mut forward = kube_access::forward::open_pod(cluster, pod).await.map_err(|e| e.to_string())?;
    let stream =
        forward.stream().ok_or_else(|| format!("{}: the port-forward gave no stream", label(pod)))?;
    let probe = match handshake(stream, pod, &password, timeouts).await {
        Ok(p) => p,
        Err(msg) => {
            // The port-forward's error channel says why better than a dropped RESP stream does
            // (the kubelet's "connection refused": nothing listens on that port).
            if let Some(why) = forward.error()
                && let Ok(Some(err)) = tokio::time::timeout(Duration::from_millis(500), why).await
            {
                return Err(err.to_string());
            }
            return Err(msg);
        }
    };
    if password.is_some() {
        notes.push(format!("password from {}", password.source()));
    }
    Ok(PodConnection { probe, forward, notes })
}

/// Resolves the password and connects to the pod IP and Redis port over TCP ([`Route::PodIp`]).
/// Returns the probe and what was learnt on the way; errors are one line.
pub async fn open_direct(
    cluster: &Cluster,
    pod: &RedisPod,
    password_from: Option<&str>,
    timeouts: Timeouts,
) -> Result<(Probe, Vec<String>), String> {
    refuse_tls(pod, "audits speak plain RESP")?;
    if !pod.is_running() {
        return Err(format!("{}: pod is {}, not Running", label(pod), pod.phase));
    }
    let ip: std::net::IpAddr = pod
        .pod_ip
        .as_deref()
        .ok_or_else(|| format!("{}: the pod has no IP yet (status.podIP is empty)", label(pod)))?
        .parse()
        .map_err(|_| {
            format!(
                "{}: status.podIP `{}` is not an IP address",
                label(pod),
                pod.pod_ip.as_deref().unwrap_or_default()
            )
        })?;
    let address = std::net::SocketAddr::new(ip, pod.port);
    let (password, mut notes) = pod_password(cluster, pod, password_from).await;
    let stream = match tokio::time::timeout(timeouts.connect, tokio::net::TcpStream::connect(address)).await {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => return Err(format!("{}: cannot connect to {address}: {e}", label(pod))),
        Err(_) => {
            return Err(format!(
                "{}: no TCP connection to {address} within {} s (a NetworkPolicy may block it)",
                label(pod),
                timeouts.connect.as_secs()
            ));
        }
    };
    let _ = stream.set_nodelay(true);
    let probe = handshake(stream, pod, &password, timeouts).await?;
    if password.is_some() {
        notes.push(format!("password from {}", password.source()));
    }
    Ok((probe, notes))
}

/// The pod's password (none, with a note saying why, when it cannot be found).
async fn pod_password(
    cluster: &Cluster,
    pod: &RedisPod,
    password_from: Option<&str>,
) -> (password::Password, Vec<String>) {
    match password::resolve(cluster, pod, password_from).await {
        Ok(p) => (p, Vec::new()),
        Err(e) => (password::Password::none(), vec![format!("password not found ({e}); trying without one")]),
    }
}

/// Speaks RESP over `stream` to the Redis of `pod`; a failure is one line that says where the
/// password came from (never the password).
async fn handshake<S>(
    stream: S,
    pod: &RedisPod,
    password: &password::Password,
    timeouts: Timeouts,
) -> Result<Probe, String>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let target = Target::stream(label(pod)).with_password(password.expose().map(str::to_string));
    Probe::from_stream(stream, &target, timeouts).await.map_err(|e| {
        let mut msg = e.to_string();
        if !password.is_some() && matches!(e, redis_probe::ProbeError::Auth { .. }) {
            msg.push_str(
                " (no password was found in the pod's env or mounted Secrets; pass --password-from secret/NAME:KEY)",
            );
        } else if password.is_some() {
            msg.push_str(&format!(" (password from {})", password.source()));
        }
        msg
    })
}

/// A TLS-only Redis cannot be audited over plain RESP yet: one line saying so.
fn refuse_tls(pod: &RedisPod, why: &str) -> Result<(), String> {
    match tls_only(pod) {
        Some(var) => Err(format!(
            "{}: this Redis serves TLS ({var}): {why} and cannot present its client certificate yet; \
             use `kubectl port-forward` and `--redis-url rediss://127.0.0.1:PORT?insecure=true` if it \
             does not require client certificates",
            label(pod)
        )),
        None => Ok(()),
    }
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
pub use redis_probe::keys::ReconnectFuture as Reopening;

/// Opens a fresh port-forward and probe to `pod` on each call, for a scan's read connection
/// and for it to resume on after a dropped stream. The forwards it opens are kept in `kept` (they must outlive the probes).
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

/// [`reconnector`] for [`Route::PodIp`]: a fresh TCP connection to the pod IP on each call.
pub fn direct_reconnector(
    cluster: &Cluster,
    pod: &RedisPod,
    password_from: Option<&str>,
    timeouts: Timeouts,
) -> impl FnMut() -> Reopening + Send + use<> {
    let (cluster, pod, password_from) = (cluster.clone(), pod.clone(), password_from.map(str::to_string));
    move || -> Reopening {
        let (cluster, pod, password_from) = (cluster.clone(), pod.clone(), password_from.clone());
        Box::pin(async move {
            match open_direct(&cluster, &pod, password_from.as_deref(), timeouts).await {
                Ok((probe, _)) => Ok(probe),
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
