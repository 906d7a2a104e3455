//! The RBAC the tool needs, as one ClusterRole, for `docs/rbac.md` and `redis-audit rbac`.
//!
//! Kept next to the code that makes the requests so the two change together; the integration
//! tests check every request this crate makes is covered by a rule here.

/// A ClusterRole (YAML) granting exactly what kube-access uses, with the reason for each rule.
/// Bind it with a RoleBinding per namespace to keep the tool out of other namespaces, or with
/// a ClusterRoleBinding for `-A`.
pub const RBAC_RULES: &str = r#"apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: redis-audit
rules:
  # Discovery: list pods in a namespace (or across all with -A), get pods named on the
  # command line. Pods carry the image, ports, memory limits, restarts and OOMKilled status.
  - apiGroups: [""]
    resources: ["pods"]
    verbs: ["get", "list"]
  # OOM evidence: the pod's events (OOMKilling, Evicted for memory). Optional: without it
  # the audit still reads the container's last termination from the pod.
  - apiGroups: [""]
    resources: ["events"]
    verbs: ["list"]
  # Password discovery only: GET of the one Secret a pod's REDIS_PASSWORD / VALKEY_PASSWORD
  # env or password file points at (or --password-from names). Secrets are never listed.
  # Leave this out and pass --password-from with another identity's help, or REDISCLI_AUTH.
  - apiGroups: [""]
    resources: ["secrets"]
    verbs: ["get"]
  # Connecting to Redis: the port-forward subresource. A WebSocket port-forward (what this
  # tool speaks) is an HTTP GET, so it is authorized as `get`; kubectl's SPDY port-forward is
  # a POST, authorized as `create`. Since Kubernetes 1.35 the
  # AuthorizePodWebsocketUpgradeCreatePermission gate (on by default) also checks `create`
  # for WebSocket upgrades, so grant both.
  - apiGroups: [""]
    resources: ["pods/portforward"]
    verbs: ["get", "create"]
"#;

/// `(verb, resource)` pairs granted by [`RBAC_RULES`], for checking a 403 against it.
pub const RBAC_PERMISSIONS: &[(&str, &str)] = &[
    ("get", "pods"),
    ("list", "pods"),
    ("list", "events"),
    ("get", "secrets"),
    ("get", "pods/portforward"),
    ("create", "pods/portforward"),
];
