//! Port-forward with kube-rs 5 (`Api::<Pod>::portforward`) through the test API server to the
//! real redis-servers behind the pods of testdata/kube/e2e.yaml.

#![allow(clippy::unwrap_used)]

use std::{
    path::{Path, PathBuf},
    time::Duration,
};

use k8s_openapi::api::core::v1::Pod;
use kube::{
    Api, Client, Config,
    config::{KubeConfigOptions, Kubeconfig},
};
use testkit::KubeApiServer;
use tokio::{
    io::{AsyncRead, AsyncReadExt, AsyncWriteExt},
    time::timeout,
};

const MASTER_PASSWORD: &str = "Vq7xK2mPz9";

fn e2e_yaml() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/kube/e2e.yaml")
}

/// A kube-rs client built from the kubeconfig the server writes, as the plugin builds one.
async fn client(server: &KubeApiServer, dir: &Path) -> Client {
    let path = server.write_kubeconfig(dir).unwrap();
    let kubeconfig = Kubeconfig::read_from(&path).unwrap();
    let config = Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default()).await.unwrap();
    assert_eq!(config.default_namespace, "default");
    Client::try_from(config).unwrap()
}

/// Reads until `want` bytes arrived (or fails after 5 s).
async fn read_exactly(stream: &mut (impl AsyncRead + Unpin), want: usize) -> Vec<u8> {
    let mut buf = vec![0; want];
    timeout(Duration::from_secs(5), stream.read_exact(&mut buf)).await.unwrap().unwrap();
    buf
}

/// Reads one RESP bulk-string reply.
async fn read_bulk(stream: &mut (impl AsyncRead + Unpin)) -> String {
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n") {
        head.extend(read_exactly(stream, 1).await);
    }
    let head = String::from_utf8(head).unwrap();
    let len: usize =
        head.trim_start_matches('$').trim().parse().unwrap_or_else(|_| panic!("not a bulk reply: {head:?}"));
    let body = read_exactly(stream, len + 2).await;
    String::from_utf8_lossy(&body[..len]).into_owned()
}

/// True once the stream reports end of file or an error (the port-forward closed).
async fn is_closed(stream: &mut (impl AsyncRead + Unpin)) -> bool {
    let mut buf = [0u8; 64];
    loop {
        match timeout(Duration::from_secs(5), stream.read(&mut buf)).await {
            Ok(Ok(0) | Err(_)) => return true,
            Ok(Ok(_)) => continue,
            Err(_) => return false,
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn master_and_replica_answer_through_port_forward() {
    let server = KubeApiServer::start_file(&e2e_yaml()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let pods: Api<Pod> = Api::namespaced(client(&server, dir.path()).await, "cache");

    let mut pf = pods.portforward("redis-master-0", &[6379]).await.unwrap();
    let mut stream = pf.take_stream(6379).unwrap();
    stream.write_all(format!("AUTH {MASTER_PASSWORD}\r\nPING\r\n").as_bytes()).await.unwrap();
    assert_eq!(read_exactly(&mut stream, 12).await, b"+OK\r\n+PONG\r\n");
    stream.write_all(b"CONFIG GET maxmemory-policy\r\n").await.unwrap();
    let want = b"*2\r\n$16\r\nmaxmemory-policy\r\n$11\r\nallkeys-lru\r\n";
    assert_eq!(read_exactly(&mut stream, want.len()).await, want);
    drop(stream);
    pf.join().await.unwrap();

    let mut pf = pods.portforward("redis-replicas-0", &[6379]).await.unwrap();
    let mut stream = pf.take_stream(6379).unwrap();
    stream.write_all(format!("AUTH {MASTER_PASSWORD}\r\nINFO replication\r\n").as_bytes()).await.unwrap();
    assert_eq!(read_exactly(&mut stream, 5).await, b"+OK\r\n");
    let info = read_bulk(&mut stream).await;
    assert!(info.contains("role:slave") && info.contains("master_link_status:up"), "{info}");
    // The master's data reached the replica.
    stream.write_all(b"EXISTS cache:category:coffee\r\n").await.unwrap();
    assert_eq!(read_exactly(&mut stream, 4).await, b":1\r\n");
    drop(stream);
    pf.join().await.unwrap();

    assert_eq!(server.portforward_opened(), 2);
    let forwards: Vec<_> =
        server.requests().into_iter().filter(|r| r.resource.as_deref() == Some("pods/portforward")).collect();
    assert_eq!(forwards.len(), 2);
    for r in &forwards {
        assert_eq!((r.method.as_str(), r.verb.as_deref(), r.status), ("GET", Some("get"), 101));
        assert!(r.query.contains("ports=6379") && r.has_token, "{r:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn forbidden_pending_and_backendless_pods() {
    let server = KubeApiServer::start_file(&e2e_yaml()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let client = client(&server, dir.path()).await;

    // The `locked` namespace's annotation withholds pods/portforward.
    let locked: Api<Pod> = Api::namespaced(client.clone(), "locked");
    assert!(locked.get("redis-0").await.is_ok());
    match locked.portforward("redis-0", &[6379]).await {
        Err(kube::Error::Api(s)) => {
            assert_eq!((s.code, s.reason.as_str()), (403, "Forbidden"));
            assert_eq!(
                s.message,
                r#"pods "redis-0" is forbidden: User "test" cannot get resource "pods/portforward" in API group "" in the namespace "locked""#
            );
        }
        other => panic!("expected 403, got {:?}", other.map(|_| ())),
    }

    // forbid() at run time, and `create` alone is enough to deny (Kubernetes 1.35+).
    let cache: Api<Pod> = Api::namespaced(client.clone(), "cache");
    server.forbid(Some("cache"), "pods/portforward", "create");
    match cache.portforward("redis-master-0", &[6379]).await {
        Err(kube::Error::Api(s)) => {
            assert_eq!(s.code, 403);
            assert!(s.message.contains("cannot create resource \"pods/portforward\""), "{}", s.message);
        }
        other => panic!("expected 403, got {:?}", other.map(|_| ())),
    }

    let apps: Api<Pod> = Api::namespaced(client.clone(), "apps");
    // Unscheduled: what PortForwardLocation answers.
    match apps.portforward("analytics-redis-0", &[6379]).await {
        Err(kube::Error::Api(s)) => {
            assert_eq!((s.code, s.reason.as_str()), (400, "BadRequest"));
            assert_eq!(s.message, "pod analytics-redis-0 does not have a host assigned");
        }
        other => panic!("expected 400, got {:?}", other.map(|_| ())),
    }
    // No such pod.
    match apps.portforward("nope", &[6379]).await {
        Err(kube::Error::Api(s)) => {
            assert_eq!((s.code, s.message.as_str()), (404, r#"pods "nope" not found"#))
        }
        other => panic!("expected 404, got {:?}", other.map(|_| ())),
    }

    // Running, but nothing listens: the kubelet's error on the error channel, then close.
    let mut pf = apps.portforward("storefront-api-6c8d9f7b5-k9m2x", &[6379]).await.unwrap();
    let error = timeout(Duration::from_secs(5), pf.take_error(6379).unwrap()).await.unwrap();
    assert_eq!(
        error.as_deref(),
        Some(
            "error forwarding port 6379 to pod apps/storefront-api-6c8d9f7b5-k9m2x, uid 9b2d4f6a-0c8e-4a13-b5d7-f1e3a5c7b9d2: \
             dial tcp 127.0.0.1:6379: connect: connection refused"
        )
    );
    let mut stream = pf.take_stream(6379).unwrap();
    assert!(is_closed(&mut stream).await);

    // Two ports at once: the redis container's is bridged, the sentinel's is refused.
    let mut pf = apps.portforward("ha-redis-node-0", &[6379, 26379]).await.unwrap();
    let sentinel_error =
        timeout(Duration::from_secs(5), pf.take_error(26379).unwrap()).await.unwrap().unwrap();
    assert!(
        sentinel_error.starts_with("error forwarding port 26379 to pod apps/ha-redis-node-0"),
        "{sentinel_error}"
    );
    let mut stream = pf.take_stream(6379).unwrap();
    stream.write_all(b"AUTH Hn4tR8wLc2\r\nGET feature:checkout-v2\r\n").await.unwrap();
    let want = b"+OK\r\n$2\r\non\r\n";
    assert_eq!(read_exactly(&mut stream, want.len()).await, want);
    drop(stream);
    pf.abort();
}

#[tokio::test(flavor = "multi_thread")]
async fn port_forwards_close_when_told() {
    let server = KubeApiServer::start_file(&e2e_yaml()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let apps: Api<Pod> = Api::namespaced(client(&server, dir.path()).await, "apps");

    // After 10 bytes pod->client: one whole +PONG (7 bytes), then 3 more, then the end.
    server.drop_portforwards_after(Some(10));
    let mut pf = apps.portforward("sessions-redis-0", &[6379]).await.unwrap();
    let mut stream = pf.take_stream(6379).unwrap();
    stream.write_all(b"PING\r\n").await.unwrap();
    assert_eq!(read_exactly(&mut stream, 7).await, b"+PONG\r\n");
    stream.write_all(b"PING\r\n").await.unwrap();
    assert_eq!(read_exactly(&mut stream, 3).await, b"+PO");
    assert!(is_closed(&mut stream).await);
    pf.abort();

    // drop_portforwards() closes what is open now; new ones work again.
    server.drop_portforwards_after(None);
    let mut pf = apps.portforward("sessions-redis-0", &[6379]).await.unwrap();
    let mut stream = pf.take_stream(6379).unwrap();
    stream.write_all(b"PING\r\n").await.unwrap();
    assert_eq!(read_exactly(&mut stream, 7).await, b"+PONG\r\n");
    server.drop_portforwards();
    assert!(is_closed(&mut stream).await);
    pf.abort();

    let mut pf = apps.portforward("sessions-redis-0", &[6379]).await.unwrap();
    let mut stream = pf.take_stream(6379).unwrap();
    stream.write_all(b"DBSIZE\r\n").await.unwrap();
    assert_eq!(read_exactly(&mut stream, 4).await, b":6\r\n");
    drop(stream);
    pf.join().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn twenty_concurrent_port_forwards() {
    let server = KubeApiServer::start_file(&e2e_yaml()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let pods: Api<Pod> = Api::namespaced(client(&server, dir.path()).await, "cache");
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..20 {
        let pods = pods.clone();
        tasks.spawn(async move {
            let mut pf = pods.portforward("redis-master-0", &[6379]).await.unwrap();
            let mut stream = pf.take_stream(6379).unwrap();
            let value = format!("v{i:02}");
            let cmd = format!("AUTH {MASTER_PASSWORD}\r\nSET pf:{i} {value}\r\nGET pf:{i}\r\n");
            stream.write_all(cmd.as_bytes()).await.unwrap();
            let want = format!("+OK\r\n+OK\r\n$3\r\n{value}\r\n");
            assert_eq!(read_exactly(&mut stream, want.len()).await, want.as_bytes());
            drop(stream);
            pf.join().await.unwrap();
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.unwrap();
    }
    assert_eq!(server.portforward_opened(), 20);
    let dbsize = server.backend("cache", "redis-master-0").unwrap().cli(&[
        "-a",
        MASTER_PASSWORD,
        "--no-auth-warning",
        "DBSIZE",
    ]);
    assert_eq!(dbsize.trim(), "26");
}
