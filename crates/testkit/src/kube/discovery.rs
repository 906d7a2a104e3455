//! `/version`, `/api`, `/apis` and `/api/v1`: legacy (unaggregated) discovery only. kubectl
//! asks for aggregated discovery (`as=APIGroupDiscoveryList`) first and falls back to these
//! when the answer's Content-Type is plain `application/json` (kubernetes/client-go
//! `discovery/discovery_client.go`, `downloadLegacy`).

use serde_json::{Value, json};

/// The Kubernetes version the server claims: the oldest kube 5 supports (k8s-openapi `v1_33`).
/// The gcloud kubectl "dispatcher" runs the kubectl minor version matching it.
pub(crate) fn version() -> Value {
    json!({
        "major": "1",
        "minor": "33",
        "emulationMajor": "1",
        "emulationMinor": "33",
        "minCompatibilityMajor": "1",
        "minCompatibilityMinor": "32",
        "gitVersion": "v1.33.4+testkit",
        "gitCommit": "0000000000000000000000000000000000000000",
        "gitTreeState": "clean",
        "buildDate": "2025-08-12T00:00:00Z",
        "goVersion": "go1.24.5",
        "compiler": "gc",
        "platform": "linux/amd64"
    })
}

pub(crate) fn api_versions(port: u16) -> Value {
    json!({
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": format!("127.0.0.1:{port}")}]
    })
}

pub(crate) fn api_groups() -> Value {
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": []})
}

/// The core/v1 resources served, with the verbs, short names and storage hashes a real
/// server lists (only get and list are implemented; other verbs answer 405).
pub(crate) fn core_v1_resources() -> Value {
    let all_verbs =
        json!(["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]);
    json!({
        "kind": "APIResourceList",
        "groupVersion": "v1",
        "resources": [
            {"name": "events", "singularName": "event", "namespaced": true, "kind": "Event",
             "verbs": all_verbs, "shortNames": ["ev"], "storageVersionHash": "r2yiGXH7wu8="},
            {"name": "namespaces", "singularName": "namespace", "namespaced": false, "kind": "Namespace",
             "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"], "shortNames": ["ns"],
             "storageVersionHash": "Q3oi5N2YM8M="},
            {"name": "pods", "singularName": "pod", "namespaced": true, "kind": "Pod",
             "verbs": all_verbs, "shortNames": ["po"], "categories": ["all"], "storageVersionHash": "xPOwRZ+Yhw8="},
            {"name": "pods/portforward", "singularName": "", "namespaced": true, "kind": "PodPortForwardOptions",
             "verbs": ["create", "get"]},
            {"name": "secrets", "singularName": "secret", "namespaced": true, "kind": "Secret",
             "verbs": all_verbs, "storageVersionHash": "S6u1pOWzb84="}
        ]
    })
}
