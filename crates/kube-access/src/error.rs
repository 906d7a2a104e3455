//! The one error type of this crate, written for the person at the terminal.
//!
//! Every `Display` is a single line that says what was attempted, against what, and what to do
//! about it. None of them may contain a credential: server messages are copied (they name users
//! and resources, never tokens), URLs are printed without user info, and secret values never
//! reach an error. Raw `kube::Error`s are mapped here, once, by HTTP status code, so that a 403
//! names the verb, resource and namespace that the RBAC in `docs/rbac.md` must grant.

use std::time::Duration;

/// What this crate was doing when the API server answered: the RBAC verb, the resource (with
/// its subresource) and the namespace (`None` = across all namespaces). Errors are mapped
/// against it, so a 403 can say exactly which permission is missing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    /// RBAC verb: `get`, `list`, `create`.
    pub verb: &'static str,
    /// RBAC resource, e.g. `pods`, `secrets`, `events`, `pods/portforward`.
    pub resource: &'static str,
    /// Namespace of the request; `None` for a cluster-wide list.
    pub namespace: Option<String>,
    /// Name of the object, for a `get` (pod or secret name).
    pub name: Option<String>,
}

impl Operation {
    /// A `get` of one named object in a namespace.
    pub fn get(resource: &'static str, namespace: &str, name: &str) -> Self {
        Operation {
            verb: "get",
            resource,
            namespace: Some(namespace.to_owned()),
            name: Some(name.to_owned()),
        }
    }

    /// A `list` in one namespace, or across all of them (`None`).
    pub fn list(resource: &'static str, namespace: Option<&str>) -> Self {
        Operation { verb: "list", resource, namespace: namespace.map(str::to_owned), name: None }
    }

    /// A port-forward to a pod. A WebSocket upgrade is an HTTP GET, so RBAC checks `get`
    /// (and `create` as well since Kubernetes 1.35).
    pub fn portforward(namespace: &str, pod: &str) -> Self {
        Operation {
            verb: "get",
            resource: "pods/portforward",
            namespace: Some(namespace.to_owned()),
            name: Some(pod.to_owned()),
        }
    }
}

/// Everything that can go wrong while talking to Kubernetes. `Display` is one line.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KubeError {
    /// Neither a kubeconfig nor an in-cluster service account was found.
    #[error("no kubeconfig: set KUBECONFIG, pass --kubeconfig, or run inside a pod")]
    NoKubeconfig,

    /// A kubeconfig file exists but cannot be read, parsed or used.
    #[error("cannot use kubeconfig {path}: {reason}")]
    Kubeconfig {
        /// The file (or the `KUBECONFIG` list) that was read.
        path: String,
        /// Why it cannot be used.
        reason: String,
    },

    /// `--context` names a context the kubeconfig does not have.
    #[error("context \"{context}\" not found in the kubeconfig; available contexts: {}", list_or_none(.available))]
    UnknownContext {
        /// The requested context.
        context: String,
        /// The contexts the kubeconfig defines, sorted.
        available: Vec<String>,
    },

    /// The kubeconfig sets no current-context and none was passed.
    #[error("the kubeconfig has no current-context; pass --context (available contexts: {})", list_or_none(.available))]
    NoCurrentContext {
        /// The contexts the kubeconfig defines, sorted.
        available: Vec<String>,
    },

    /// The in-cluster configuration (service account token, CA, env) is incomplete.
    #[error("cannot use the in-cluster service account: {reason}")]
    InCluster {
        /// Why.
        reason: String,
    },

    /// Building the HTTP client failed (TLS material, proxy, auth plugin set-up).
    #[error("cannot set up the Kubernetes client for {server}: {reason}")]
    Client {
        /// API server URL, without credentials.
        server: String,
        /// Why.
        reason: String,
    },

    /// The API server could not be reached at all (DNS, TCP, TLS, timeout).
    #[error("cannot reach the API server at {server}: {reason}{}", timed_out(.timeout))]
    Unreachable {
        /// API server URL, without credentials.
        server: String,
        /// The innermost cause, e.g. "Connection refused (os error 111)".
        reason: String,
        /// Set when the cause is a timeout: the timeout that ran out.
        timeout: Option<Duration>,
    },

    /// An exec or auth-provider credential plugin failed before any request was sent.
    #[error("cannot get credentials for {}: {reason}", who(.context))]
    Auth {
        /// The kubeconfig context (`None` in-cluster).
        context: Option<String>,
        /// What the plugin said.
        reason: String,
    },

    /// 401: the token or certificate was not accepted.
    #[error("the API server rejected the credentials of {} (401 Unauthorized): they may have expired; log in again", who(.context))]
    Unauthorized {
        /// The kubeconfig context (`None` in-cluster).
        context: Option<String>,
    },

    /// 403: RBAC denies the verb on the resource.
    #[error("forbidden: cannot {verb} {resource} {}: {message}; {hint}", in_namespace(.namespace))]
    Forbidden {
        /// RBAC verb the server checked (taken from its message when it says so).
        verb: String,
        /// RBAC resource, e.g. `pods/portforward`.
        resource: String,
        /// Namespace; `None` = across all namespaces.
        namespace: Option<String>,
        /// The server's message.
        message: String,
        /// What to do about it.
        hint: String,
    },

    /// 404 on a named object.
    #[error("{kind} {namespace}/{name} not found")]
    NotFound {
        /// Singular kind for the message: `pod`, `secret`.
        kind: String,
        /// Namespace searched.
        namespace: String,
        /// Name asked for.
        name: String,
    },

    /// A secret exists but lacks the key the password was expected in.
    #[error("secret {namespace}/{name} has no key \"{key}\" (keys: {})", list_or_none(.keys))]
    SecretKeyMissing {
        /// Namespace of the secret.
        namespace: String,
        /// Secret name.
        name: String,
        /// The key asked for.
        key: String,
        /// The keys it has (names only, never values).
        keys: Vec<String>,
    },

    /// A secret value that is not UTF-8 text cannot be used as a Redis password here.
    #[error("secret {namespace}/{name} key \"{key}\" is not UTF-8 text")]
    SecretNotText {
        /// Namespace of the secret.
        namespace: String,
        /// Secret name.
        name: String,
        /// The key.
        key: String,
    },

    /// The pod cannot be port-forwarded to because it is not running.
    #[error("pod {namespace}/{pod} is not running (phase {phase}{}): nothing to connect to", reason_suffix(.reason))]
    PodNotRunning {
        /// Namespace.
        namespace: String,
        /// Pod name.
        pod: String,
        /// `Pending`, `Succeeded`, `Failed`, `Unknown`.
        phase: String,
        /// Why, when known: `Unschedulable`, `CrashLoopBackOff`, ...
        reason: Option<String>,
    },

    /// The port-forward reached the pod, but nothing accepts connections on the port.
    #[error(
        "nothing accepts connections on port {port} in pod {namespace}/{pod}: {message}; is the Redis container listening on another port?"
    )]
    ContainerPortMissing {
        /// Namespace.
        namespace: String,
        /// Pod name.
        pod: String,
        /// The port that was forwarded.
        port: u16,
        /// The error-channel text from the kubelet.
        message: String,
    },

    /// The port-forward could not be set up, or the kubelet reported an error on its error
    /// channel.
    #[error("port-forward to pod {namespace}/{pod} port {port} failed: {message}")]
    PortForward {
        /// Namespace.
        namespace: String,
        /// Pod name.
        pod: String,
        /// The port.
        port: u16,
        /// The error-channel text or upgrade failure.
        message: String,
    },

    /// The port-forward WebSocket went away while in use.
    #[error("port-forward to pod {namespace}/{pod} port {port} dropped: {reason}")]
    PortForwardDropped {
        /// Namespace.
        namespace: String,
        /// Pod name.
        pod: String,
        /// The port.
        port: u16,
        /// What the WebSocket layer said.
        reason: String,
    },

    /// Any other status from the API server (409, 429, 5xx, ...).
    #[error("the API server answered {code} to {verb} {resource} {}: {message}", in_namespace(.namespace))]
    Api {
        /// HTTP status code.
        code: u16,
        /// RBAC verb of the request.
        verb: String,
        /// Resource of the request.
        resource: String,
        /// Namespace; `None` = across all namespaces.
        namespace: Option<String>,
        /// The server's message.
        message: String,
    },

    /// A response that could not be understood, or any other client-side failure.
    #[error("{verb} {resource} {} failed: {reason}", in_namespace(.namespace))]
    Request {
        /// RBAC verb of the request.
        verb: String,
        /// Resource of the request.
        resource: String,
        /// Namespace; `None` = across all namespaces.
        namespace: Option<String>,
        /// Why.
        reason: String,
    },

    /// A bad argument from the command line (`--password-from`, `deploy/x` as a pod name, ...).
    #[error("{0}")]
    InvalidArgument(String),
}

impl KubeError {
    /// The RBAC verb and resource a 403 was about (`("get", "secrets")`), so the caller can
    /// say which permission is missing or print the matching rule from [`crate::RBAC_RULES`].
    pub fn verb_and_resource(&self) -> Option<(&str, &str)> {
        match self {
            KubeError::Forbidden { verb, resource, .. } => Some((verb, resource)),
            _ => None,
        }
    }

    /// The namespace a 403 was about; `Some(None)` means "across all namespaces".
    pub fn forbidden_namespace(&self) -> Option<Option<&str>> {
        match self {
            KubeError::Forbidden { namespace, .. } => Some(namespace.as_deref()),
            _ => None,
        }
    }

    /// True for a 403.
    pub fn is_forbidden(&self) -> bool {
        matches!(self, KubeError::Forbidden { .. })
    }

    /// True for a 404 on a named object.
    pub fn is_not_found(&self) -> bool {
        matches!(self, KubeError::NotFound { .. })
    }

    /// True when the API server was never reached or refused the credentials: no point in
    /// trying the next pod.
    pub fn is_fatal_for_run(&self) -> bool {
        matches!(
            self,
            KubeError::NoKubeconfig
                | KubeError::Kubeconfig { .. }
                | KubeError::UnknownContext { .. }
                | KubeError::NoCurrentContext { .. }
                | KubeError::InCluster { .. }
                | KubeError::Client { .. }
                | KubeError::Unreachable { .. }
                | KubeError::Auth { .. }
                | KubeError::Unauthorized { .. }
        )
    }
}

/// Where an error happened: the cluster it was talking to and what it was doing. Built by
/// [`crate::Cluster`] for each call.
#[derive(Debug, Clone)]
pub(crate) struct ErrorContext<'a> {
    pub server: &'a str,
    pub context: Option<&'a str>,
    /// The timeout that applies to this request, for "timed out after N s".
    pub timeout: Duration,
    pub op: Operation,
}

impl ErrorContext<'_> {
    /// Maps a kube-rs error to a [`KubeError`] by status code and cause.
    pub(crate) fn map(&self, err: kube::Error) -> KubeError {
        match err {
            kube::Error::Api(status) => self.map_status(status.code, &status.message),
            kube::Error::Auth(e) => {
                KubeError::Auth { context: self.context.map(str::to_owned), reason: one_line(&chain(&e)) }
            }
            kube::Error::HyperError(e) => self.unreachable(&e),
            kube::Error::Service(e) => self.unreachable(e.as_ref()),
            kube::Error::RustlsTls(e) => {
                KubeError::Client { server: self.server.to_owned(), reason: one_line(&chain(&e)) }
            }
            kube::Error::UpgradeConnection(e) => self.port_forward_failure(one_line(&chain(&e))),
            other => KubeError::Request {
                verb: self.op.verb.to_owned(),
                resource: self.op.resource.to_owned(),
                namespace: self.op.namespace.clone(),
                reason: one_line(&chain(&other)),
            },
        }
    }

    /// Maps an HTTP status (from a `Status` body or a bare response) to a [`KubeError`].
    pub(crate) fn map_status(&self, code: u16, message: &str) -> KubeError {
        let message = one_line(message);
        match code {
            401 => KubeError::Unauthorized { context: self.context.map(str::to_owned) },
            403 => {
                // The server says which verb it checked ("... cannot create resource
                // \"pods/portforward\" ..."); that is the one to grant, e.g. `create` on 1.35+.
                let verb = verb_in_message(&message).unwrap_or(self.op.verb).to_owned();
                KubeError::Forbidden {
                    verb,
                    resource: self.op.resource.to_owned(),
                    namespace: self.op.namespace.clone(),
                    hint: forbidden_hint(self.op.resource).to_owned(),
                    message,
                }
            }
            404 if self.op.name.is_some() => KubeError::NotFound {
                kind: singular(self.op.resource).to_owned(),
                namespace: self.op.namespace.clone().unwrap_or_default(),
                name: self.op.name.clone().unwrap_or_default(),
            },
            _ => KubeError::Api {
                code,
                verb: self.op.verb.to_owned(),
                resource: self.op.resource.to_owned(),
                namespace: self.op.namespace.clone(),
                message,
            },
        }
    }

    fn unreachable(&self, err: &(dyn std::error::Error + 'static)) -> KubeError {
        let timed_out = is_timeout(err);
        KubeError::Unreachable {
            server: self.server.to_owned(),
            reason: one_line(&innermost(err)),
            timeout: timed_out.then_some(self.timeout),
        }
    }

    fn port_forward_failure(&self, message: String) -> KubeError {
        KubeError::PortForward {
            namespace: self.op.namespace.clone().unwrap_or_default(),
            pod: self.op.name.clone().unwrap_or_default(),
            port: 0,
            message,
        }
    }
}

/// The advice that follows a 403, by resource.
fn forbidden_hint(resource: &str) -> &'static str {
    match resource {
        "secrets" => {
            "the RBAC the tool needs is in docs/rbac.md; if only some secrets may be read (resourceNames), name that one with --password-from secret/NAME:KEY, or give the password in REDISCLI_AUTH"
        }
        "pods/portforward" => {
            "the RBAC the tool needs is in docs/rbac.md (a WebSocket port-forward needs get, and since Kubernetes 1.35 also create, on pods/portforward)"
        }
        _ => "the RBAC the tool needs is in docs/rbac.md",
    }
}

/// `pods` -> `pod`, `pods/portforward` -> `pod`, `secrets` -> `secret`.
fn singular(resource: &str) -> &str {
    let base = resource.split('/').next().unwrap_or(resource);
    base.strip_suffix('s').unwrap_or(base)
}

/// Picks the verb out of a Kubernetes RBAC denial: `User "x" cannot get resource "pods" ...`.
fn verb_in_message(message: &str) -> Option<&'static str> {
    const VERBS: [&str; 8] =
        ["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"];
    let rest = &message[message.find(" cannot ")? + " cannot ".len()..];
    let word = rest.split_whitespace().next()?;
    VERBS.iter().copied().find(|v| *v == word)
}

/// True if any cause in the chain is a timeout.
fn is_timeout(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = cur {
        if let Some(io) = e.downcast_ref::<std::io::Error>()
            && io.kind() == std::io::ErrorKind::TimedOut
        {
            return true;
        }
        if e.to_string().to_ascii_lowercase().contains("timed out") {
            return true;
        }
        cur = e.source();
    }
    false
}

/// The deepest cause's message: "Connection refused (os error 111)" rather than
/// "client error (Connect)".
fn innermost(err: &(dyn std::error::Error + 'static)) -> String {
    let mut last = err.to_string();
    let mut cur = err.source();
    while let Some(e) = cur {
        let text = e.to_string();
        if !text.is_empty() {
            last = text;
        }
        cur = e.source();
    }
    last
}

/// `outer: inner: innermost`, skipping causes whose text the outer message already contains.
pub(crate) fn chain(err: &dyn std::error::Error) -> String {
    let mut out = err.to_string();
    let mut cur = err.source();
    while let Some(e) = cur {
        let text = e.to_string();
        if !text.is_empty() && !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        cur = e.source();
    }
    out
}

/// Collapses whitespace (newlines included) so a message stays on one line.
pub(crate) fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn list_or_none(items: &[String]) -> String {
    if items.is_empty() { "none".to_owned() } else { items.join(", ") }
}

fn timed_out(timeout: &Option<Duration>) -> String {
    match timeout {
        Some(t) => format!(" (timed out after {} s)", t.as_secs_f64()),
        None => String::new(),
    }
}

fn who(context: &Option<String>) -> String {
    match context {
        Some(c) => format!("context {c}"),
        None => "the in-cluster service account".to_owned(),
    }
}

fn in_namespace(namespace: &Option<String>) -> String {
    match namespace {
        Some(ns) => format!("in namespace {ns}"),
        None => "across all namespaces".to_owned(),
    }
}

fn reason_suffix(reason: &Option<String>) -> String {
    match reason {
        Some(r) => format!(": {r}"),
        None => String::new(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
