//! Password resolution reads only the secret a pod points at; port-forward streams reach the
//! pod's real redis-server; a dropped or refused forward is observed.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::{CLUSTER, Env};
use kube_access::{KubeError, PasswordFrom, RedisPod, Scope, find_redis_pods, forward, resolve_password};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn pods(env: &Env, ns: &str) -> Vec<RedisPod> {
    let cluster = env.cluster().await;
    find_redis_pods(&cluster, &Scope::Namespace(ns.into()), None, &[]).await.unwrap().pods
}

fn find<'a>(pods: &'a [RedisPod], name: &str) -> &'a RedisPod {
    pods.iter().find(|p| p.name == name).unwrap()
}

/// Sends `command` as raw RESP and reads one reply line.
async fn roundtrip<S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin>(
    stream: &mut S,
    command: &[u8],
) -> String {
    stream.write_all(command).await.unwrap();
    let mut reply = Vec::new();
    let mut byte = [0u8; 1];
    while !reply.ends_with(b"\r\n") {
        let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut byte)).await.unwrap().unwrap();
        assert_eq!(n, 1, "EOF after {:?}", String::from_utf8_lossy(&reply));
        reply.push(byte[0]);
    }
    String::from_utf8(reply).unwrap()
}

#[tokio::test]
async fn password_from_secret_key_ref() {
    let env = Env::start(CLUSTER);
    let cluster = env.cluster().await;
    let cache = pods(&env, "cache").await;
    let password = resolve_password(&cluster, find(&cache, "cache-redis-master-0"), None).await.unwrap();
    assert_eq!(password.value.as_ref().unwrap().expose(), "FakePass12");
    assert_eq!(password.source, "secret cache/redis key redis-password (REDIS_PASSWORD env)");
    assert!(!format!("{password:?}").contains("FakePass12"));
    assert_eq!(env.secret_reads(), ["get cache/redis"], "one GET of the one secret, no list");
}

#[tokio::test]
async fn password_from_mounted_secret_file() {
    let env = Env::start(CLUSTER);
    let cluster = env.cluster().await;
    let cache = pods(&env, "cache").await;
    let password = resolve_password(&cluster, find(&cache, "cache-redis-replicas-0"), None).await.unwrap();
    assert_eq!(password.value.as_ref().unwrap().expose(), "FakePass12");
    assert_eq!(
        password.source,
        "secret cache/redis key redis-password (REDIS_PASSWORD_FILE /opt/bitnami/redis/secrets/redis-password)"
    );
}

#[tokio::test]
async fn no_secret_is_read_for_a_pod_without_password_config() {
    let env = Env::start(CLUSTER);
    let cluster = env.cluster().await;
    let apps = pods(&env, "apps").await;
    for pod in &apps {
        let password = resolve_password(&cluster, pod, None).await.unwrap();
        assert!(password.value.is_none(), "{}", pod.name);
        assert_eq!(password.source, "no password configured on the pod");
    }
    assert!(env.secret_reads().is_empty(), "{:?}", env.secret_reads());
}

#[tokio::test]
async fn password_from_flag_and_missing_key() {
    let env = Env::start(CLUSTER);
    let cluster = env.cluster().await;
    let cache = pods(&env, "cache").await;
    let pod = find(&cache, "cache-redis-master-0");
    let from: PasswordFrom = "secret/redis:redis-password".parse().unwrap();
    let password = resolve_password(&cluster, pod, Some(&from)).await.unwrap();
    assert_eq!(password.source, "secret cache/redis key redis-password (--password-from)");

    let from: PasswordFrom = "secret/redis:nope".parse().unwrap();
    let err = resolve_password(&cluster, pod, Some(&from)).await.unwrap_err();
    assert_eq!(err.to_string(), "secret cache/redis has no key \"nope\" (keys: redis-password)");
    let from: PasswordFrom = "secret/ghost:k".parse().unwrap();
    let err = resolve_password(&cluster, pod, Some(&from)).await.unwrap_err();
    assert_eq!(err.to_string(), "secret cache/ghost not found");
}

#[tokio::test]
async fn chart_convention_tries_release_secrets_and_tolerates_their_absence() {
    let yaml = r#"
apiVersion: v1
kind: Secret
metadata: {name: sess-valkey, namespace: s}
stringData: {valkey-password: fromchart}
---
apiVersion: v1
kind: Pod
metadata:
  name: sess-valkey-primary-0
  namespace: s
  labels: {app.kubernetes.io/name: valkey, app.kubernetes.io/instance: sess, helm.sh/chart: valkey-4.0.2}
spec:
  containers: [{name: valkey, image: docker.io/bitnami/valkey:8.1.3}]
---
apiVersion: v1
kind: Pod
metadata:
  name: other-redis-master-0
  namespace: s
  labels: {app.kubernetes.io/name: redis, app.kubernetes.io/instance: other, helm.sh/chart: redis-23.1.1}
spec:
  containers: [{name: redis, image: docker.io/bitnami/redis:8.2.1}]
"#;
    let env = Env::start(yaml);
    let cluster = env.cluster().await;
    let s = pods(&env, "s").await;
    let p = resolve_password(&cluster, find(&s, "sess-valkey-primary-0"), None).await.unwrap();
    assert_eq!(p.value.unwrap().expose(), "fromchart");
    assert_eq!(p.source, "secret s/sess-valkey key valkey-password (bitnami/valkey chart convention)");

    let p = resolve_password(&cluster, find(&s, "other-redis-master-0"), None).await.unwrap();
    assert!(p.value.is_none());
    assert_eq!(
        p.source,
        "no password found (tried secret s/other-redis key redis-password, s/other key redis-password)"
    );
    assert_eq!(env.secret_reads(), ["get s/sess-valkey", "get s/other-redis", "get s/other"]);
}

#[tokio::test]
async fn port_forward_answers_ping() {
    let env = Env::start(CLUSTER);
    let cluster = env.cluster().await;
    let apps = pods(&env, "apps").await;
    let mut fwd = forward::open_pod(&cluster, find(&apps, "plain-redis")).await.unwrap();
    let mut stream = fwd.stream().unwrap();
    assert!(fwd.stream().is_none(), "taken once");
    assert_eq!(roundtrip(&mut stream, b"*1\r\n$4\r\nPING\r\n").await, "+PONG\r\n");
    assert_eq!(roundtrip(&mut stream, b"PING hello\r\n").await, "$5\r\n");
    drop(stream);
    tokio::time::timeout(Duration::from_secs(5), fwd.finish()).await.unwrap().unwrap();
    let pf = env
        .server
        .requests()
        .into_iter()
        .find(|r| r.resource.as_deref() == Some("pods/portforward"))
        .unwrap();
    assert_eq!((pf.status, pf.query.contains("ports=6379")), (101, true), "{pf:?}");
}

#[tokio::test]
async fn port_forward_with_auth_from_the_secret() {
    let env = Env::start(CLUSTER);
    let cluster = env.cluster().await;
    let cache = pods(&env, "cache").await;
    let master = find(&cache, "cache-redis-master-0");
    let password = resolve_password(&cluster, master, None).await.unwrap();
    let mut fwd = forward::open_pod(&cluster, master).await.unwrap();
    let mut stream = fwd.stream().unwrap();
    assert!(roundtrip(&mut stream, b"*1\r\n$4\r\nPING\r\n").await.starts_with("-NOAUTH"));
    let pw = password.value.unwrap();
    let auth = format!("*2\r\n$4\r\nAUTH\r\n${}\r\n{}\r\n", pw.expose().len(), pw.expose());
    assert_eq!(roundtrip(&mut stream, auth.as_bytes()).await, "+OK\r\n");
    assert_eq!(roundtrip(&mut stream, b"*1\r\n$4\r\nPING\r\n").await, "+PONG\r\n");
}

#[tokio::test]
async fn pending_pod_is_not_forwarded() {
    let env = Env::start(CLUSTER);
    let cluster = env.cluster().await;
    let apps = pods(&env, "apps").await;
    let err = forward::open_pod(&cluster, find(&apps, "pending-redis")).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "pod apps/pending-redis is not running (phase Pending: Unschedulable): nothing to connect to"
    );
    // Asking anyway: the API server refuses the upgrade; the message says so on one line.
    let err = forward::open(&cluster, "apps", "pending-redis", 6379).await.unwrap_err();
    assert!(!err.to_string().contains('\n'), "{err}");
    assert!(err.to_string().contains("pending-redis"), "{err}");
}

#[tokio::test]
async fn refused_port_comes_back_on_the_error_channel() {
    let env = Env::start(CLUSTER);
    let cluster = env.cluster().await;
    // sessions-valkey-0 has no backend: nothing listens.
    let mut fwd = forward::open(&cluster, "apps", "sessions-valkey-0", 6379).await.unwrap();
    let error = fwd.error().unwrap();
    let err = tokio::time::timeout(Duration::from_secs(5), error).await.unwrap().unwrap();
    assert!(matches!(err, KubeError::ContainerPortMissing { port: 6379, .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.starts_with("nothing accepts connections on port 6379 in pod apps/sessions-valkey-0: error forwarding port 6379"), "{text}");
}

#[tokio::test]
async fn dropped_port_forward_is_observed() {
    let env = Env::start(CLUSTER);
    let cluster = env.cluster().await;
    let apps = pods(&env, "apps").await;
    let mut fwd = forward::open_pod(&cluster, find(&apps, "plain-redis")).await.unwrap();
    let mut stream = fwd.stream().unwrap();
    assert_eq!(roundtrip(&mut stream, b"*1\r\n$4\r\nPING\r\n").await, "+PONG\r\n");
    env.server.drop_portforwards();
    let mut buf = [0u8; 64];
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf)).await.unwrap();
    assert!(matches!(read, Ok(0) | Err(_)), "EOF or error after the drop: {read:?}");
    drop(stream);
    let err = tokio::time::timeout(Duration::from_secs(5), fwd.finish()).await.unwrap().unwrap_err();
    assert_eq!(
        err.to_string(),
        "port-forward to pod apps/plain-redis port 6379 dropped: the API server closed the WebSocket"
    );
}

#[tokio::test]
async fn request_timeout_does_not_cut_an_idle_port_forward() {
    let env = Env::start(CLUSTER);
    let opts =
        kube_access::ClientOptions { request_timeout: Some(Duration::from_millis(500)), ..env.options() };
    let cluster = kube_access::connect(&opts).await.unwrap();
    let mut fwd = forward::open(&cluster, "apps", "plain-redis", 6379).await.unwrap();
    let mut stream = fwd.stream().unwrap();
    assert_eq!(roundtrip(&mut stream, b"*1\r\n$4\r\nPING\r\n").await, "+PONG\r\n");
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(roundtrip(&mut stream, b"*1\r\n$4\r\nPING\r\n").await, "+PONG\r\n");
    // Plain requests still work with the timeout.
    assert_eq!(
        find_redis_pods(&cluster, &Scope::Namespace("apps".into()), None, &[]).await.unwrap().pods.len(),
        4
    );
}
