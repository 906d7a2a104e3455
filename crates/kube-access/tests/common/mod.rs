//! Shared set-up: a test API server from inline YAML and a [`Cluster`] connected to it with a
//! written kubeconfig, as a user would have.

#![allow(dead_code, clippy::unwrap_used)]

use std::path::PathBuf;

use kube_access::{ClientOptions, Cluster, connect};
use testkit::KubeApiServer;

/// A running test API server, its kubeconfig, and the temp dir that holds it.
pub struct Env {
    pub server: KubeApiServer,
    pub kubeconfig: PathBuf,
    _dir: tempfile::TempDir,
}

impl Env {
    pub fn start(yaml: &str) -> Env {
        let server = KubeApiServer::start(yaml).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let kubeconfig = server.write_kubeconfig(dir.path()).unwrap();
        Env { server, kubeconfig, _dir: dir }
    }

    pub fn options(&self) -> ClientOptions {
        ClientOptions { kubeconfig: Some(self.kubeconfig.clone()), ..Default::default() }
    }

    pub async fn cluster(&self) -> Cluster {
        connect(&self.options()).await.unwrap()
    }

    /// `(verb, resource, namespace, name)` of every request so far, discovery left out.
    pub fn calls(&self) -> Vec<(String, String, Option<String>, Option<String>)> {
        self.server
            .requests()
            .into_iter()
            .filter_map(|r| Some((r.verb?, r.resource?, r.namespace, r.name)))
            .collect()
    }

    pub fn secret_reads(&self) -> Vec<String> {
        self.calls()
            .into_iter()
            .filter(|(_, resource, _, _)| resource == "secrets")
            .map(|(verb, _, ns, name)| {
                format!("{verb} {}/{}", ns.unwrap_or_default(), name.unwrap_or_default())
            })
            .collect()
    }
}

/// The cluster most tests use:
/// - `cache`: a bitnami-style master (password from Secret `redis` via secretKeyRef, real
///   redis-server with that password) and replica (password from a mounted secret file);
/// - `apps`: a plain redis without limits or password (real backend), a valkey over its
///   limit, a Deployment pod that was OOMKilled (with an OOMKilling event), a Sentinel-only
///   pod, a Pending pod, and an app pod that only mentions REDIS_URL.
pub const CLUSTER: &str = r#"
apiVersion: v1
kind: Secret
metadata: {name: redis, namespace: cache}
stringData: {redis-password: FakePass12}
---
apiVersion: v1
kind: Pod
metadata:
  name: cache-redis-master-0
  namespace: cache
  labels: {app.kubernetes.io/name: redis, app.kubernetes.io/instance: cache, app.kubernetes.io/managed-by: Helm,
           helm.sh/chart: redis-23.1.1, app.kubernetes.io/component: master}
  annotations:
    testkit.redis-audit.io/redis-args: "--requirepass FakePass12"
  ownerReferences: [{apiVersion: apps/v1, kind: StatefulSet, name: cache-redis-master, uid: s1, controller: true}]
spec:
  nodeName: node-a
  containers:
  - name: redis
    image: docker.io/bitnami/redis:8.2.1-debian-12-r0
    ports: [{name: redis, containerPort: 6379}]
    env:
    - name: REDIS_PASSWORD
      valueFrom: {secretKeyRef: {name: redis, key: redis-password}}
    resources: {limits: {memory: 192Mi}, requests: {memory: 128Mi}}
  - name: metrics
    image: docker.io/bitnami/redis-exporter:1.76.0
    ports: [{name: metrics, containerPort: 9121}]
status:
  phase: Running
  containerStatuses:
  - {name: redis, ready: true, restartCount: 0, image: "", imageID: "", state: {running: {}}}
---
apiVersion: v1
kind: Pod
metadata:
  name: cache-redis-replicas-0
  namespace: cache
  labels: {app.kubernetes.io/name: redis, app.kubernetes.io/instance: cache, app.kubernetes.io/managed-by: Helm,
           helm.sh/chart: redis-23.1.1, app.kubernetes.io/component: replica}
spec:
  nodeName: node-b
  containers:
  - name: redis
    image: docker.io/bitnami/redis:8.2.1-debian-12-r0
    ports: [{name: redis, containerPort: 6379}]
    env:
    - {name: REDIS_PASSWORD_FILE, value: /opt/bitnami/redis/secrets/redis-password}
    volumeMounts:
    - {name: redis-password, mountPath: /opt/bitnami/redis/secrets/}
    resources: {limits: {memory: 1Gi}}
  volumes:
  - name: redis-password
    secret:
      secretName: redis
      items: [{key: redis-password, path: redis-password}]
status: {phase: Running}
---
apiVersion: v1
kind: Pod
metadata:
  name: plain-redis
  namespace: apps
  labels: {app: redis}
  annotations:
    testkit.redis-audit.io/redis-args: ""
spec:
  nodeName: node-a
  containers:
  - {name: redis, image: "redis:7.2", ports: [{containerPort: 6379}]}
status:
  phase: Running
  containerStatuses:
  - {name: redis, ready: true, restartCount: 0, image: "", imageID: ""}
---
apiVersion: v1
kind: Pod
metadata:
  name: sessions-valkey-0
  namespace: apps
  labels: {app.kubernetes.io/name: valkey}
spec:
  nodeName: node-a
  containers:
  - name: valkey
    image: valkey/valkey:8.1
    resources: {limits: {memory: 256Mi}}
status: {phase: Running}
---
apiVersion: v1
kind: Pod
metadata:
  name: jobs-redis-6d8f7b9c5-x7k2p
  namespace: apps
  labels: {app: redis, pod-template-hash: 6d8f7b9c5}
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: jobs-redis-6d8f7b9c5, uid: r1, controller: true}]
spec:
  nodeName: node-b
  containers:
  - name: redis
    image: redis:7.2-alpine
    resources: {limits: {memory: 512Mi}, requests: {memory: 512Mi}}
status:
  phase: Running
  containerStatuses:
  - name: redis
    ready: true
    restartCount: 4
    image: ""
    imageID: ""
    state: {running: {startedAt: "2026-01-02T03:05:00Z"}}
    lastState: {terminated: {reason: OOMKilled, exitCode: 137, finishedAt: "2026-01-02T03:04:00Z"}}
---
apiVersion: v1
kind: Event
metadata: {name: jobs-redis-6d8f7b9c5-x7k2p.oom, namespace: apps}
involvedObject: {kind: Pod, name: jobs-redis-6d8f7b9c5-x7k2p, namespace: apps}
reason: OOMKilling
message: "Memory cgroup out of memory: Killed process 4242 (redis-server)"
count: 2
lastTimestamp: "2026-01-02T03:04:00Z"
---
apiVersion: v1
kind: Event
metadata: {name: jobs-redis-6d8f7b9c5-x7k2p.pulled, namespace: apps}
involvedObject: {kind: Pod, name: jobs-redis-6d8f7b9c5-x7k2p, namespace: apps}
reason: Pulled
message: "Container image \"redis:7.2-alpine\" already present on machine"
---
apiVersion: v1
kind: Event
metadata: {name: plain-redis.oom, namespace: apps}
involvedObject: {kind: Pod, name: plain-redis, namespace: apps}
reason: OOMKilling
message: "another pod's event"
---
apiVersion: v1
kind: Pod
metadata:
  name: redis-sentinel-0
  namespace: apps
spec:
  nodeName: node-a
  containers:
  - name: sentinel
    image: redis:7.2
    command: [redis-sentinel, /etc/redis/sentinel.conf]
    ports: [{containerPort: 26379}]
status: {phase: Running}
---
apiVersion: v1
kind: Pod
metadata:
  name: pending-redis
  namespace: apps
  labels: {app: redis}
spec:
  containers:
  - {name: redis, image: redis:7.2}
status:
  phase: Pending
  conditions: [{type: PodScheduled, status: "False", reason: Unschedulable}]
---
apiVersion: v1
kind: Pod
metadata:
  name: web-5c9d8f7b6-q2w3e
  namespace: apps
  labels: {app: web}
spec:
  nodeName: node-a
  containers:
  - name: web
    image: mycorp/web:1.4
    ports: [{containerPort: 8080}]
    env: [{name: REDIS_URL, value: "redis://plain-redis:6379/0"}]
status: {phase: Running}
"#;
