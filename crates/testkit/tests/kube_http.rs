//! The test API server at the HTTP level: exact upgrade headers and port-forward frames,
//! discovery, authentication, selectors, pagination, Status errors, and start-up errors.

#![allow(clippy::unwrap_used)]

use std::{
    io::{Read, Write},
    net::TcpStream,
    path::{Path, PathBuf},
    time::Duration,
};

use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use testkit::{KubeApiServer, KubeServerError};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio_tungstenite::{
    WebSocketStream,
    tungstenite::{Message, protocol::Role},
};

fn e2e_yaml() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/kube/e2e.yaml")
}

/// A response: status, headers (lower-case names), body.
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

/// One request over a fresh connection; `extra` are header lines ending in `\r\n`.
fn request(server: &KubeApiServer, method: &str, target: &str, extra: &str) -> Answer {
    let mut conn = TcpStream::connect(("127.0.0.1", server.port())).unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let close = if extra.contains("Connection:") { "" } else { "Connection: close\r\n" };
    let head = format!("{method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n{close}{extra}\r\n");
    conn.write_all(head.as_bytes()).unwrap();
    let mut raw = Vec::new();
    let mut buf = [0u8; 4096];
    // Read the head; a 101 keeps the connection open, anything else is read to the end.
    while !raw.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = conn.read(&mut buf).unwrap();
        assert!(n > 0, "connection closed before the response head");
        raw.extend_from_slice(&buf[..n]);
    }
    // The body has a Content-Length; a 101 has none (and keeps the connection open).
    let head_len = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    let head = String::from_utf8_lossy(&raw[..head_len]).to_ascii_lowercase();
    let length: usize =
        head.lines().find_map(|l| l.strip_prefix("content-length:")).map_or(0, |v| v.trim().parse().unwrap());
    while raw.len() < head_len + length {
        let n = conn.read(&mut buf).unwrap();
        assert!(n > 0, "connection closed before the body ended");
        raw.extend_from_slice(&buf[..n]);
    }
    // After a 101 the first port-forward frames (binary) may follow the head.
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    let mut lines = head.lines();
    let status = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Answer { status, headers, body: body.to_string() }
}

fn get(server: &KubeApiServer, target: &str) -> Answer {
    request(server, "GET", target, &format!("Authorization: Bearer {}\r\n", server.token()))
}

fn names(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["metadata"]["name"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn discovery_auth_lists_and_errors() {
    let server = KubeApiServer::start_file(&e2e_yaml()).unwrap();
    assert_eq!(server.url(), format!("http://127.0.0.1:{}", server.port()));

    // Aggregated discovery is asked for, plain JSON comes back, so kubectl falls back.
    let aggregated =
        "Accept: application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json\r\n";
    let api = request(&server, "GET", "/api", aggregated);
    assert_eq!((api.status, api.header("content-type")), (200, Some("application/json")));
    assert_eq!(api.json()["kind"], "APIVersions");
    assert_eq!(get(&server, "/apis").json()["kind"], "APIGroupList");
    assert_eq!(get(&server, "/version").json()["gitVersion"], "v1.33.4+testkit");
    let v1 = get(&server, "/api/v1").json();
    let pods = v1["resources"].as_array().unwrap().iter().find(|r| r["name"] == "pods").unwrap();
    assert_eq!((pods["namespaced"].as_bool(), pods["kind"].as_str()), (Some(true), Some("Pod")));
    assert_eq!(pods["shortNames"][0], "po");
    assert!(v1["resources"].as_array().unwrap().iter().any(|r| r["name"] == "pods/portforward"));

    // A wrong token is refused; none at all is user "test" (kubectl sends none over http).
    let bad = request(&server, "GET", "/api/v1/pods", "Authorization: Bearer nope\r\n");
    assert_eq!((bad.status, bad.json()["reason"].as_str()), (401, Some("Unauthorized")));
    assert_eq!(request(&server, "GET", "/api/v1/namespaces/cache/pods", "").status, 200);

    // Lists: items in etcd key order, without their own kind; pagination by limit/continue.
    let all = get(&server, "/api/v1/pods");
    let all = all.json();
    assert_eq!((all["kind"].as_str(), all["apiVersion"].as_str()), (Some("PodList"), Some("v1")));
    assert!(all["items"][0].get("kind").is_none());
    assert!(all["metadata"]["resourceVersion"].is_string());
    let mut paged = Vec::new();
    let mut target = "/api/v1/pods?limit=4".to_string();
    loop {
        let page = get(&server, &target).json();
        paged.extend(names(&page));
        match page["metadata"]["continue"].as_str() {
            Some(token) => {
                assert!(page["metadata"]["remainingItemCount"].as_u64().unwrap() > 0);
                target = format!("/api/v1/pods?limit=4&continue={token}");
            }
            None => break,
        }
    }
    assert_eq!(paged, names(&all));
    assert_eq!(paged.len(), 9);
    assert_eq!(get(&server, "/api/v1/pods?continue=garbage!").status, 400);

    // Selectors.
    let by_label = |sel: &str| names(&get(&server, &format!("/api/v1/pods?labelSelector={sel}")).json());
    assert_eq!(by_label("app.kubernetes.io%2Fcomponent%3Dmaster"), ["redis-master-0"]);
    assert_eq!(by_label("app+in+(sessions-redis,queue-valkey)"), ["queue-valkey-0", "sessions-redis-0"]);
    assert_eq!(by_label("app.kubernetes.io%2Fname%3Dredis,app.kubernetes.io%2Fcomponent!%3Dmaster").len(), 2);
    assert_eq!(by_label("!app,!app.kubernetes.io%2Fname").len(), 0);
    assert_eq!(by_label("pod-template-hash").len(), 2);
    let by_field = |sel: &str| names(&get(&server, &format!("/api/v1/pods?fieldSelector={sel}")).json());
    assert_eq!(by_field("spec.nodeName%3D"), ["analytics-redis-0"]);
    assert_eq!(by_field("status.phase!%3DRunning,metadata.namespace%3Dapps"), ["analytics-redis-0"]);
    let events = get(&server, "/api/v1/events?fieldSelector=involvedObject.kind%3DNode").json();
    assert_eq!(events["items"][0]["reason"], "OOMKilling");
    let bad_field = get(&server, "/api/v1/pods?fieldSelector=spec.foo%3Dx");
    assert_eq!(
        (bad_field.status, bad_field.json()["message"].as_str()),
        (400, Some("field label not supported: spec.foo"))
    );
    assert_eq!(get(&server, "/api/v1/pods?labelSelector=a+in+(x").status, 400);

    // Objects and Status errors.
    let secret = get(&server, "/api/v1/namespaces/cache/secrets/redis").json();
    assert_eq!(
        (secret["kind"].as_str(), secret["data"]["redis-password"].as_str()),
        (Some("Secret"), Some("VnE3eEsybVB6OQ=="))
    );
    let ns = get(&server, "/api/v1/namespaces/locked").json();
    assert!(ns["metadata"].get("annotations").is_none(), "{ns}");
    assert_eq!(ns["metadata"]["labels"]["kubernetes.io/metadata.name"], "locked");
    let missing = get(&server, "/api/v1/namespaces/cache/pods/nope");
    assert_eq!(missing.status, 404);
    let status = missing.json();
    assert_eq!(
        (status["kind"].as_str(), status["status"].as_str(), status["reason"].as_str()),
        (Some("Status"), Some("Failure"), Some("NotFound"))
    );
    assert_eq!(
        (status["code"].as_u64(), status["details"]["name"].as_str(), status["details"]["kind"].as_str()),
        (Some(404), Some("nope"), Some("pods"))
    );
    assert_eq!(get(&server, "/apis/apps/v1/deployments").status, 404);
    assert_eq!(get(&server, "/api/v1/pods?watch=1").status, 405);
    assert_eq!(request(&server, "DELETE", "/api/v1/namespaces/cache/pods/redis-master-0", "").status, 405);

    // forbid(): a namespaced rule denies the namespace and the cluster scope, not other namespaces.
    server.forbid(Some("cache"), "pods", "list");
    let denied = get(&server, "/api/v1/namespaces/cache/pods").json();
    assert_eq!(
        denied["message"],
        r#"pods is forbidden: User "test" cannot list resource "pods" in API group "" in the namespace "cache""#
    );
    let denied = get(&server, "/api/v1/pods").json();
    assert_eq!(
        denied["message"],
        r#"pods is forbidden: User "test" cannot list resource "pods" in API group "" at the cluster scope"#
    );
    assert_eq!((denied["code"].as_u64(), denied["details"]["kind"].as_str()), (Some(403), Some("pods")));
    assert_eq!(get(&server, "/api/v1/namespaces/apps/pods").status, 200);
    assert_eq!(get(&server, "/api/v1/namespaces/cache/pods/redis-master-0").status, 200);

    let log = server.requests();
    let last = log.last().unwrap();
    assert_eq!(
        (last.resource.as_deref(), last.verb.as_deref(), last.namespace.as_deref()),
        (Some("pods"), Some("get"), Some("cache"))
    );
    assert_eq!((last.name.as_deref(), last.status, last.has_token), (Some("redis-master-0"), 200, true));

    server.revoke_tokens();
    assert_eq!(get(&server, "/version").status, 401);
    assert_eq!(request(&server, "GET", "/version", "").status, 401);
}

#[tokio::test(flavor = "multi_thread")]
async fn websocket_handshake_and_frames_are_exact() {
    let server = KubeApiServer::start_file(&e2e_yaml()).unwrap();
    let stream = tokio::net::TcpStream::connect(("127.0.0.1", server.port())).await.unwrap();
    let mut stream = BufReader::new(stream);
    // kube-rs's request: `?&ports=`, comma-joined and encoded; one CSV protocol header.
    let head = format!(
        "GET /api/v1/namespaces/apps/pods/sessions-redis-0/portforward?&ports=80%2C6379 HTTP/1.1\r\n\
         Host: 127.0.0.1\r\nAuthorization: Bearer {}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\
         Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
         Sec-WebSocket-Protocol: v5.channel.k8s.io, v4.channel.k8s.io\r\n\r\n",
        server.token()
    );
    stream.get_mut().write_all(head.as_bytes()).await.unwrap();
    let mut lines = Vec::new();
    loop {
        let mut line = String::new();
        stream.read_line(&mut line).await.unwrap();
        if line == "\r\n" {
            break;
        }
        lines.push(line.trim_end().to_string());
    }
    assert_eq!(lines[0], "HTTP/1.1 101 Switching Protocols");
    // kube-rs compares whole values: `Connection: Upgrade, keep-alive` would fail.
    for (name, value) in [
        ("upgrade", "websocket"),
        ("connection", "Upgrade"),
        ("sec-websocket-accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="),
        ("sec-websocket-protocol", "v4.channel.k8s.io"),
    ] {
        let found: Vec<&str> = lines
            .iter()
            .filter_map(|l| l.split_once(": "))
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
            .collect();
        assert_eq!(found, [value], "{name} in {lines:?}");
    }
    // The first frames may already sit in the buffer: keep reading through it.
    let mut ws = WebSocketStream::from_raw_socket(stream, Role::Client, None).await;
    let mut next = async || match ws.next().await {
        Some(Ok(Message::Binary(b))) => b.to_vec(),
        other => panic!("expected a binary frame, got {other:?}"),
    };
    // The port on both channels of each port, little-endian.
    assert_eq!(next().await, [0, 80, 0]);
    assert_eq!(next().await, [1, 80, 0]);
    assert_eq!(next().await, [2, 0xeb, 0x18]);
    assert_eq!(next().await, [3, 0xeb, 0x18]);
    // Port 80 is not the pod's: the kubelet's refusal on its error channel.
    let error = next().await;
    assert_eq!(error[0], 1);
    let text = String::from_utf8_lossy(&error[1..]).into_owned();
    assert!(
        text.starts_with("error forwarding port 80 to pod apps/sessions-redis-0, uid 4d2e8b1f-"),
        "{text}"
    );
    assert!(text.ends_with("dial tcp 127.0.0.1:80: connect: connection refused"), "{text}");
    // Port 6379 is bridged.
    ws.send(Message::Binary([b"\x02".as_slice(), b"PING\r\n"].concat().into())).await.unwrap();
    match ws.next().await {
        Some(Ok(Message::Binary(b))) => assert_eq!(&b[..], b"\x02+PONG\r\n"),
        other => panic!("{other:?}"),
    }
    ws.close(None).await.unwrap();
    assert_eq!(server.portforward_opened(), 1);
}

#[test]
fn spdy_and_bad_port_forward_requests_get_400() {
    let server = KubeApiServer::start_file(&e2e_yaml()).unwrap();
    let path = "/api/v1/namespaces/cache/pods/redis-master-0/portforward?ports=6379";
    // kubectl's fallback: a SPDY/3.1 upgrade by POST.
    let spdy = request(
        &server,
        "POST",
        path,
        "Connection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: portforward.k8s.io\r\n",
    );
    assert_eq!(spdy.status, 400);
    assert!(
        spdy.json()["message"].as_str().unwrap().contains("only supports WebSocket port-forward"),
        "{}",
        spdy.body
    );
    // kubectl's first try: SPDY tunnelled over WebSocket.
    let tunnel = request(
        &server,
        "GET",
        path,
        "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: SPDY/3.1+portforward.k8s.io\r\n",
    );
    assert_eq!((tunnel.status, tunnel.json()["reason"].as_str()), (400, Some("BadRequest")));
    assert!(tunnel.body.contains("SPDY/3.1+portforward.k8s.io"), "{}", tunnel.body);
    // Not an upgrade at all, and bad ports.
    assert_eq!(request(&server, "GET", path, "").status, 400);
    let ws = "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\
              Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: v4.channel.k8s.io\r\n";
    let no_ports = request(&server, "GET", "/api/v1/namespaces/cache/pods/redis-master-0/portforward", ws);
    assert_eq!(no_ports.status, 400);
    assert_eq!(
        request(&server, "GET", "/api/v1/namespaces/cache/pods/redis-master-0/portforward?ports=x", ws)
            .status,
        400
    );
    // Several protocol headers are fine too.
    let split = ws.replace(
        "Sec-WebSocket-Protocol: v4.channel.k8s.io\r\n",
        "Sec-WebSocket-Protocol: v5.channel.k8s.io\r\nSec-WebSocket-Protocol: v4.channel.k8s.io\r\n",
    );
    assert_eq!(request(&server, "GET", path, &split).status, 101);
    assert_eq!(server.portforward_opened(), 1);
}

#[test]
fn a_scheduled_pod_that_is_not_running_answers_like_the_kubelet() {
    let yaml = r#"
apiVersion: v1
kind: Pod
metadata: {name: done-redis-0, namespace: batch}
spec:
  nodeName: worker-1
  containers: [{name: redis, image: "redis:7.2", ports: [{containerPort: 6379}]}]
status: {phase: Failed}
"#;
    let server = KubeApiServer::start(yaml).unwrap();
    let ws = "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\
              Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: v4.channel.k8s.io\r\n";
    let answer =
        request(&server, "GET", "/api/v1/namespaces/batch/pods/done-redis-0/portforward?ports=6379", ws);
    assert_eq!(answer.status, 500);
    assert_eq!(answer.body, r#"pod not found ("done-redis-0_batch")"#);
    assert!(server.backend("batch", "done-redis-0").is_none());
}

#[test]
fn start_errors_are_one_line_and_backends_stop_on_drop() {
    let one_line = |e: KubeServerError| {
        let text = e.to_string();
        assert!(!text.contains('\n'), "{text}");
        text
    };
    assert!(one_line(KubeApiServer::start("kind: [unclosed").unwrap_err()).starts_with("invalid YAML"));
    let orphan = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: r\n  annotations:\n    testkit.redis-audit.io/replica-of: nope\n";
    assert!(one_line(KubeApiServer::start(orphan).unwrap_err()).contains("replica-of nope"));
    let bad_cmd = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: r\n  annotations:\n    testkit.redis-audit.io/redis-commands: NOSUCHCOMMAND x\n";
    let text = one_line(KubeApiServer::start(bad_cmd).unwrap_err());
    assert!(text.starts_with("pod default/r: `NOSUCHCOMMAND x` failed: ERR unknown command"), "{text}");
    let missing = KubeApiServer::start_file(Path::new("/nonexistent/state.yaml")).unwrap_err();
    assert!(one_line(missing).starts_with("cannot read /nonexistent/state.yaml"));

    let server = KubeApiServer::start_file(&e2e_yaml()).unwrap();
    let pids: Vec<u32> = [("cache", "redis-master-0"), ("cache", "redis-replicas-0"), ("locked", "redis-0")]
        .iter()
        .map(|(ns, pod)| server.backend(ns, pod).unwrap().pid())
        .collect();
    assert!(server.backend("apps", "analytics-redis-0").is_none());
    assert!(server.backend("apps", "storefront-api-6c8d9f7b5-k9m2x").is_none());
    let port = server.port();
    drop(server);
    for pid in pids {
        assert!(!Path::new(&format!("/proc/{pid}")).exists(), "redis-server {pid} still runs");
    }
    assert!(TcpStream::connect(("127.0.0.1", port)).is_err(), "the API server still listens");
}

#[test]
fn the_server_can_move_between_threads() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<KubeApiServer>();
}

#[test]
fn demo_state_starts() {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/kube/demo.yaml");
    let server = KubeApiServer::start_file(&demo).unwrap();
    let pods = get(&server, "/api/v1/pods").json();
    let count = pods["items"].as_array().unwrap().len();
    assert!((4..=6).contains(&count), "{count} pods");
    for pod in pods["items"].as_array().unwrap() {
        let (ns, name) =
            (pod["metadata"]["namespace"].as_str().unwrap(), pod["metadata"]["name"].as_str().unwrap());
        assert!(server.backend(ns, name).is_some(), "{ns}/{name} has no backend");
    }
}

#[test]
fn a_redis_server_that_exits_at_start_fails_fast() {
    // "exited at start" (not "did not answer PING within 10s"): it did not wait for a dead server.
    let e = testkit::RedisServer::start(&["--no-such-option", "x"]).unwrap_err();
    assert!(e.to_string().contains("exited at start"), "{e}");
}
