use serde_json::json;

use super::*;
use crate::test_support::pod;

fn bitnami_master() -> Pod {
    pod(json!({
        "metadata": {
            "name": "cache-redis-master-0", "namespace": "cache", "uid": "u-1",
            "labels": {"app.kubernetes.io/instance": "cache", "app.kubernetes.io/managed-by": "Helm",
                       "app.kubernetes.io/name": "redis", "helm.sh/chart": "redis-23.1.1",
                       "app.kubernetes.io/component": "master"},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "cache-redis-master", "uid": "s", "controller": true}]
        },
        "spec": {
            "nodeName": "node-a",
            "containers": [
                {"name": "redis", "image": "docker.io/bitnami/redis:8.2.1-debian-12-r0",
                 "ports": [{"name": "redis", "containerPort": 6379}],
                 "resources": {"limits": {"memory": "192Mi", "cpu": "150m"}, "requests": {"memory": "128Mi"}},
                 "env": [{"name": "REDIS_PASSWORD_FILE", "value": "/opt/bitnami/redis/secrets/redis-password"}],
                 "volumeMounts": [{"name": "redis-password", "mountPath": "/opt/bitnami/redis/secrets/"},
                                  {"name": "redis-data", "mountPath": "/data"}]},
                {"name": "metrics", "image": "docker.io/bitnami/redis-exporter:1.76.0",
                 "resources": {"limits": {"memory": "64Mi"}}}
            ],
            "volumes": [{"name": "redis-password", "secret": {"secretName": "cache-redis", "items": [{"key": "redis-password", "path": "redis-password"}]}},
                        {"name": "redis-data", "emptyDir": {}}]
        },
        "status": {
            "phase": "Running",
            "podIP": "10.244.1.17",
            "containerStatuses": [
                {"name": "redis", "ready": true, "restartCount": 3, "image": "", "imageID": "",
                 "state": {"running": {"startedAt": "2026-01-02T03:04:05Z"}},
                 "lastState": {"terminated": {"reason": "OOMKilled", "exitCode": 137, "finishedAt": "2026-01-02T03:04:00Z"}}},
                {"name": "metrics", "ready": true, "restartCount": 0, "image": "", "imageID": ""}
            ]
        }
    }))
}

#[test]
fn facts_of_a_bitnami_master() {
    let p = RedisPod::from_pod(&bitnami_master()).unwrap();
    assert_eq!(p.display_name(), "cache/cache-redis-master-0");
    assert_eq!(p.container, "redis");
    assert_eq!(p.port, 6379);
    assert_eq!(p.phase, "Running");
    assert!(p.ready && p.is_running());
    assert_eq!(p.node.as_deref(), Some("node-a"));
    assert_eq!(p.pod_ip.as_deref(), Some("10.244.1.17"));
    assert_eq!(p.memory_limit, Some(192 * 1024 * 1024));
    assert_eq!(p.memory_limit_text.as_deref(), Some("192Mi"));
    assert_eq!(p.memory_request, Some(128 * 1024 * 1024));
    assert_eq!(p.restarts, 3);
    assert!(p.oom_killed);
    assert_eq!(
        p.last_termination,
        Some(Termination {
            reason: "OOMKilled".into(),
            exit_code: 137,
            finished_at: Some("2026-01-02T03:04:00Z".into())
        })
    );
    assert_eq!(p.owner, Some(Owner { kind: "StatefulSet".into(), name: "cache-redis-master".into() }));
    assert_eq!(p.helm_release.as_deref(), Some("cache"));
    assert_eq!(p.helm_chart.as_deref(), Some("redis-23.1.1"));
    assert_eq!(p.role_hint, Some(ReplicationRole::Master));
    assert_eq!(p.flavor, Flavor::Redis);
    assert_eq!(
        p.other_containers,
        vec![ContainerResources {
            name: "metrics".into(),
            kind: ContainerKind::Exporter,
            memory_request: None,
            memory_limit: Some(64 << 20)
        }]
    );
    assert_eq!(
        p.secret_mounts,
        vec![SecretMount {
            mount_path: "/opt/bitnami/redis/secrets/".into(),
            sub_path: None,
            secret_name: "cache-redis".into(),
            items: vec![("redis-password".into(), "redis-password".into())]
        }]
    );
    assert_eq!(p.skipped, None);
    assert_eq!(p.note, None);
}

#[test]
fn quantities_in_every_form() {
    for (text, bytes) in [
        ("512Mi", 512u64 << 20),
        ("0.5Gi", 512 << 20),
        ("500M", 500_000_000),
        ("1e9", 1_000_000_000),
        ("1Gi", 1 << 30),
    ] {
        let p = pod(json!({"metadata": {"name": "r"}, "spec": {"containers": [
            {"name": "redis", "image": "redis", "resources": {"limits": {"memory": text}}}]}}));
        let facts = RedisPod::from_pod(&p).unwrap();
        assert_eq!(facts.memory_limit, Some(bytes), "{text}");
        assert_eq!(facts.memory_limit_text.as_deref(), Some(text));
    }
}

#[test]
fn no_limit_no_status() {
    let p = pod(
        json!({"metadata": {"name": "r", "namespace": "apps"}, "spec": {"containers": [{"name": "redis", "image": "redis:7"}]}}),
    );
    let facts = RedisPod::from_pod(&p).unwrap();
    assert_eq!(facts.memory_limit, None);
    assert_eq!(facts.memory_limit_text, None);
    assert_eq!(facts.phase, "Unknown");
    assert!(!facts.ready);
    assert_eq!(facts.restarts, 0);
    assert!(!facts.oom_killed);
    assert_eq!(facts.pod_ip, None);
    assert_eq!(facts.owner, None);
    assert_eq!(facts.helm_release, None);
}

#[test]
fn replicaset_owner_is_reported_as_its_deployment() {
    let with_hash = pod(json!({"metadata": {"name": "cache-7d9f8c6b5-x2k4p",
        "labels": {"pod-template-hash": "7d9f8c6b5"},
        "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "cache-7d9f8c6b5", "uid": "r", "controller": true}]}}));
    assert_eq!(owner(&with_hash), Some(Owner { kind: "Deployment".into(), name: "cache".into() }));

    let without_label = pod(json!({"metadata": {"name": "my-cache-5b8f9c7d4d-abcde",
        "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "my-cache-5b8f9c7d4d", "uid": "r", "controller": true}]}}));
    assert_eq!(owner(&without_label), Some(Owner { kind: "Deployment".into(), name: "my-cache".into() }));

    let bare_rs = pod(json!({"metadata": {"name": "x",
        "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "standalone", "uid": "r"}]}}));
    assert_eq!(owner(&bare_rs), Some(Owner { kind: "ReplicaSet".into(), name: "standalone".into() }));

    let sts = pod(json!({"metadata": {"name": "x", "ownerReferences": [
        {"apiVersion": "v1", "kind": "Node", "name": "n", "uid": "1"},
        {"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "redis", "uid": "2", "controller": true}]}}));
    assert_eq!(owner(&sts), Some(Owner { kind: "StatefulSet".into(), name: "redis".into() }));
}

#[test]
fn role_hints_from_labels() {
    let l = |k: &str, v: &str| -> BTreeMap<String, String> { [(k.to_owned(), v.to_owned())].into() };
    assert_eq!(role_hint(&l("app.kubernetes.io/component", "master")), Some(ReplicationRole::Master));
    assert_eq!(role_hint(&l("app.kubernetes.io/component", "primary")), Some(ReplicationRole::Master));
    assert_eq!(role_hint(&l("app.kubernetes.io/component", "replica")), Some(ReplicationRole::Replica));
    assert_eq!(
        role_hint(&l("app.kubernetes.io/component", "node")),
        None,
        "sentinel mode decides at run time"
    );
    assert_eq!(role_hint(&l("redis-role", "slave")), Some(ReplicationRole::Replica));
    assert_eq!(role_hint(&l("role", "leader")), Some(ReplicationRole::Master));
    assert_eq!(role_hint(&l("redisfailovers-role", "master")), Some(ReplicationRole::Master));
    assert_eq!(role_hint(&l("tier", "master")), None);
}

#[test]
fn helm_release_needs_a_helm_label() {
    let l = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    };
    assert_eq!(
        helm_release(&l(&[("app.kubernetes.io/instance", "cache"), ("helm.sh/chart", "redis-23.1.1")]))
            .as_deref(),
        Some("cache")
    );
    assert_eq!(helm_release(&l(&[("release", "old"), ("heritage", "Tiller")])).as_deref(), Some("old"));
    assert_eq!(
        helm_release(&l(&[("app.kubernetes.io/instance", "x")])),
        None,
        "instance alone is not Helm (kustomize, Argo)"
    );
}

#[test]
fn sentinel_only_pod_is_skipped_with_a_reason() {
    let p = pod(json!({"metadata": {"name": "sentinel-0", "namespace": "apps"},
        "spec": {"containers": [{"name": "sentinel", "image": "redis:7", "command": ["redis-sentinel", "/c/s.conf"], "ports": [{"containerPort": 26379}]}]},
        "status": {"phase": "Running"}}));
    let facts = RedisPod::from_pod(&p).unwrap();
    assert_eq!(facts.container, "sentinel");
    assert_eq!(facts.port, 26379);
    assert!(facts.skipped.as_deref().unwrap().contains("Sentinel"));
}

#[test]
fn non_redis_pods_are_dropped_when_listing_and_noted_when_named() {
    let p = pod(json!({"metadata": {"name": "web", "namespace": "apps"},
        "spec": {"containers": [{"name": "web", "image": "mycorp/web:1", "env": [{"name": "REDIS_URL", "value": "redis://r:6379"}]}]}}));
    assert_eq!(RedisPod::from_pod(&p), None);
    let named = RedisPod::from_named_pod(&p).unwrap();
    assert_eq!(named.container, "web");
    assert_eq!(named.port, 6379);
    assert!(named.note.as_deref().unwrap().contains("no container looks like Redis"));
    assert_eq!(named.skipped, None);
}

#[test]
fn pending_pod_reason() {
    let p = pod(
        json!({"metadata": {"name": "r"}, "spec": {"containers": [{"name": "redis", "image": "redis"}]},
        "status": {"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable"}]}}),
    );
    let facts = RedisPod::from_pod(&p).unwrap();
    assert_eq!(facts.phase, "Pending");
    assert_eq!(facts.status_reason.as_deref(), Some("Unschedulable"));

    let p = pod(
        json!({"metadata": {"name": "r"}, "spec": {"containers": [{"name": "redis", "image": "redis"}]},
        "status": {"phase": "Running", "containerStatuses": [{"name": "redis", "ready": false, "restartCount": 7, "image": "", "imageID": "",
            "state": {"waiting": {"reason": "CrashLoopBackOff"}},
            "lastState": {"terminated": {"reason": "OOMKilled", "exitCode": 137}}}]}}),
    );
    let facts = RedisPod::from_pod(&p).unwrap();
    assert_eq!(facts.status_reason.as_deref(), Some("CrashLoopBackOff"));
    assert!(facts.oom_killed);
    assert_eq!(facts.restarts, 7);
}

#[test]
fn projected_and_sub_path_secret_mounts() {
    let p = pod(json!({"metadata": {"name": "r"}, "spec": {
        "containers": [{"name": "redis", "image": "redis", "volumeMounts": [
            {"name": "creds", "mountPath": "/etc/redis/pass", "subPath": "password"},
            {"name": "proj", "mountPath": "/run/secrets/redis"}]}],
        "volumes": [
            {"name": "creds", "secret": {"secretName": "redis-auth"}},
            {"name": "proj", "projected": {"sources": [{"secret": {"name": "redis-acl", "items": [{"key": "pw", "path": "default.pw"}]}}]}}]}}));
    let facts = RedisPod::from_pod(&p).unwrap();
    assert_eq!(facts.secret_mounts.len(), 2);
    assert_eq!(facts.secret_mounts[0].sub_path.as_deref(), Some("password"));
    assert_eq!(facts.secret_mounts[1].secret_name, "redis-acl");
    assert_eq!(facts.secret_mounts[1].items, vec![("pw".to_owned(), "default.pw".to_owned())]);
}

#[test]
fn debug_hides_env_values() {
    let p =
        pod(json!({"metadata": {"name": "r"}, "spec": {"containers": [{"name": "redis", "image": "redis",
        "env": [{"name": "REDIS_PASSWORD", "value": "hunter2"}]}]}}));
    let facts = RedisPod::from_pod(&p).unwrap();
    assert_eq!(facts.env[0].value.as_deref(), Some("hunter2"));
    let debug = format!("{facts:?}");
    assert!(debug.contains("REDIS_PASSWORD") && !debug.contains("hunter2"), "{debug}");
}
