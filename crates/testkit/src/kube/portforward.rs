//! `pods/{name}/portforward` over WebSocket with subprotocol `v4.channel.k8s.io`, as the
//! kubelet serves it (kubernetes/kubelet `pkg/cri/streaming/portforward/websocket.go`):
//! for the i-th requested port, channel 2i carries data and 2i+1 errors; the first message
//! on both is `[channel, port as u16 little-endian]`; later messages are `[channel, bytes…]`.
//! A port that cannot be reached gets one error message and is done; the WebSocket closes
//! when every port is done, when the client closes it, or when the test says so.
//!
//! kubectl's SPDY/3.1 port-forward (and its SPDY-over-WebSocket tunnel) is not spoken here.

use std::sync::{Arc, atomic::Ordering};

use futures_util::{SinkExt, StreamExt};
use hyper::{
    Method, Request, Response, StatusCode,
    body::{Bytes, Incoming},
    header::{self, HeaderMap, HeaderValue},
};
use hyper_util::rt::TokioIo;
use serde_json::Value;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::UnixStream,
    sync::mpsc,
    task::JoinHandle,
};
use tokio_tungstenite::{
    WebSocketStream,
    tungstenite::{Message, handshake::derive_accept_key, protocol::Role},
};

use super::{
    BackendTarget, Shared,
    http::{Body, error},
    state::Resource,
    status,
};

const V4: &str = "v4.channel.k8s.io";
/// kubectl ≥ 1.31 asks for this first (SPDY tunnelled in WebSocket), then falls back to a
/// SPDY POST: both get a 400 here.
const SPDY_TUNNEL: &str = "SPDY/3.1+portforward.k8s.io";
/// kube-rs asks for at most 128 ports; so does the kubelet's `BuildV4Options`.
const MAX_PORTS: usize = 128;
const READ_CHUNK: usize = 32 * 1024;

/// Answers a port-forward request: 101 and a spawned session, or an error response.
pub(crate) fn handle(
    shared: &Arc<Shared>,
    req: &mut Request<Incoming>,
    namespace: &str,
    name: &str,
    params: &[(String, String)],
) -> Response<Body> {
    let Some(pod) = shared.store.get(Resource::Pods, Some(namespace), name) else {
        return error(status::not_found("pods", name));
    };
    let headers = req.headers();
    let protocols = offered_protocols(headers);
    let upgrade = headers.get(header::UPGRADE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let is_websocket = upgrade.eq_ignore_ascii_case("websocket");
    if req.method() == Method::POST
        || upgrade.to_ascii_uppercase().starts_with("SPDY/")
        || (is_websocket && !protocols.iter().any(|p| p == V4))
    {
        let offered = if protocols.iter().any(|p| p == SPDY_TUNNEL) { SPDY_TUNNEL } else { upgrade };
        return error(status::bad_request(format!(
            "the test API server only supports WebSocket port-forward with subprotocol {V4} \
             (as kube-rs speaks it); {offered:?} (kubectl's SPDY port-forward) is not supported"
        )));
    }
    if !is_websocket || !has_token(headers, header::CONNECTION, "upgrade") {
        return error(status::bad_request("unable to upgrade: missing upgrade headers in request".into()));
    }
    let ports = match parse_ports(params) {
        Ok(p) => p,
        Err(e) => return error(status::bad_request(e)),
    };
    if let Some(refusal) = refuse_unplaced(pod, namespace, name) {
        return refusal;
    }
    let Some(key) = headers.get(header::SEC_WEBSOCKET_KEY) else {
        return error(status::bad_request("missing Sec-WebSocket-Key".into()));
    };
    let accept = derive_accept_key(key.as_bytes());
    let Ok(accept) = HeaderValue::from_str(&accept) else {
        return error(status::bad_request("bad Sec-WebSocket-Key".into()));
    };
    let uid = pod.pointer("/metadata/uid").and_then(Value::as_str).unwrap_or("").to_string();
    let session = Session {
        shared: shared.clone(),
        label: format!("{namespace}/{name}"),
        uid,
        ports,
        target: shared.backends.get(&(namespace.to_string(), name.to_string())).cloned(),
    };
    let on_upgrade = hyper::upgrade::on(req);
    shared.portforward_opened.fetch_add(1, Ordering::SeqCst);
    tokio::spawn(async move {
        if let Ok(upgraded) = on_upgrade.await {
            let ws = WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, None).await;
            session.run(ws).await;
        }
    });
    // kube-rs compares Upgrade and Connection as whole values, so exactly these.
    let mut response = Response::new(Body::new(Bytes::new()));
    *response.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    let h = response.headers_mut();
    h.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
    h.insert(header::CONNECTION, HeaderValue::from_static("Upgrade"));
    h.insert(header::SEC_WEBSOCKET_ACCEPT, accept);
    h.insert(header::SEC_WEBSOCKET_PROTOCOL, HeaderValue::from_static(V4));
    response
}

/// What the real API server answers for a pod that is not running:
/// - not scheduled (no `spec.nodeName`): 400 `pod <name> does not have a host assigned`,
///   from `PortForwardLocation` in kubernetes/kubernetes `pkg/registry/core/pod/strategy.go`;
/// - scheduled but not Running: the kubelet answers 500 with the plain-text body
///   `pod not found ("<name>_<namespace>")` (`GetPortForward` in `pkg/kubelet/kubelet_pods.go`,
///   written by `streaming.WriteError`), and the API server's upgrade-aware proxy passes that
///   response through unchanged; kubectl shows it as `unable to upgrade connection: pod not found (...)`.
fn refuse_unplaced(pod: &Value, namespace: &str, name: &str) -> Option<Response<Body>> {
    let node = pod.pointer("/spec/nodeName").and_then(Value::as_str).unwrap_or("");
    if node.is_empty() {
        return Some(error(status::bad_request(format!("pod {name} does not have a host assigned"))));
    }
    let phase = pod.pointer("/status/phase").and_then(Value::as_str).unwrap_or("");
    if phase != "Running" {
        let mut response =
            Response::new(Body::new(Bytes::from(format!("pod not found (\"{name}_{namespace}\")"))));
        *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
        return Some(response);
    }
    None
}

/// All `Sec-WebSocket-Protocol` values, whether sent as one CSV header (kube-rs) or several.
fn offered_protocols(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all(header::SEC_WEBSOCKET_PROTOCOL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect()
}

fn has_token(headers: &HeaderMap, name: header::HeaderName, token: &str) -> bool {
    headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim().eq_ignore_ascii_case(token))
}

/// `ports` may repeat and each may be a comma-joined list (kube-rs sends `ports=80%2C1234`).
fn parse_ports(params: &[(String, String)]) -> Result<Vec<u16>, String> {
    let mut ports = Vec::new();
    for (_, value) in params.iter().filter(|(k, _)| k == "ports") {
        for p in value.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let port: u16 = p.parse().map_err(|_| format!("unable to parse {p:?} as a port"))?;
            if port == 0 {
                return Err(format!("port {p:?} must be > 0"));
            }
            ports.push(port);
        }
    }
    if ports.is_empty() {
        return Err("query parameter \"ports\" is required".into());
    }
    if ports.len() > MAX_PORTS {
        return Err(format!("at most {MAX_PORTS} ports may be forwarded at once"));
    }
    Ok(ports)
}

/// One accepted port-forward.
struct Session {
    shared: Arc<Shared>,
    label: String,
    uid: String,
    ports: Vec<u16>,
    target: Option<BackendTarget>,
}

enum Event {
    /// A frame read from the pod, channel byte included.
    Data(Vec<u8>),
    /// The pod side of port i closed.
    Closed(usize),
}

impl Session {
    async fn run(self, ws: WebSocketStream<TokioIo<hyper::upgrade::Upgraded>>) {
        let (mut sink, mut stream) = ws.split();
        let mut drops = self.shared.drop_signal.subscribe();
        for (i, port) in self.ports.iter().enumerate() {
            let [lo, hi] = port.to_le_bytes();
            for ch in [2 * i, 2 * i + 1] {
                let _ = sink.feed(Message::Binary(Bytes::from(vec![channel(ch), lo, hi]))).await;
            }
        }
        if sink.flush().await.is_err() {
            return;
        }
        let (events_tx, mut events) = mpsc::channel::<Event>(64);
        let mut writers: Vec<Option<mpsc::UnboundedSender<Bytes>>> = Vec::new();
        let mut tasks: Vec<JoinHandle<()>> = Vec::new();
        for (i, &port) in self.ports.iter().enumerate() {
            match self.dial(port).await {
                Ok(conn) => {
                    let (mut reader, mut writer) = conn.into_split();
                    let (to_pod, mut from_client) = mpsc::unbounded_channel::<Bytes>();
                    let tx = events_tx.clone();
                    tasks.push(tokio::spawn(async move {
                        let mut buf = vec![0u8; 1 + READ_CHUNK];
                        buf[0] = channel(2 * i);
                        while let Ok(n) = reader.read(&mut buf[1..]).await {
                            if n == 0 || tx.send(Event::Data(buf[..=n].to_vec())).await.is_err() {
                                break;
                            }
                        }
                        let _ = tx.send(Event::Closed(i)).await;
                    }));
                    tasks.push(tokio::spawn(async move {
                        while let Some(bytes) = from_client.recv().await {
                            if writer.write_all(&bytes).await.is_err() {
                                break;
                            }
                        }
                    }));
                    writers.push(Some(to_pod));
                }
                Err(message) => {
                    let mut frame = vec![channel(2 * i + 1)];
                    frame.extend_from_slice(message.as_bytes());
                    let _ = sink.send(Message::Binary(Bytes::from(frame))).await;
                    writers.push(None);
                }
            }
        }
        drop(events_tx);
        let mut open = writers.iter().filter(|w| w.is_some()).count();
        let mut relayed: u64 = 0;
        while open > 0 {
            tokio::select! {
                message = stream.next() => match message {
                    Some(Ok(Message::Binary(data))) if data.len() > 1 => {
                        let ch = usize::from(data[0]);
                        if ch % 2 == 0
                            && let Some(Some(to_pod)) = writers.get(ch / 2)
                        {
                            let _ = to_pod.send(data.slice(1..));
                        }
                    }
                    Some(Ok(Message::Close(_)) | Err(_)) | None => break,
                    Some(Ok(_)) => {}
                },
                event = events.recv() => match event {
                    Some(Event::Data(mut frame)) => {
                        let limit = self.shared.drop_after.load(Ordering::SeqCst);
                        let allowed = limit.saturating_sub(relayed);
                        let payload = (frame.len() - 1) as u64;
                        if payload > allowed {
                            frame.truncate(1 + usize::try_from(allowed).unwrap_or(usize::MAX));
                        }
                        relayed += (frame.len() - 1) as u64;
                        if frame.len() > 1 {
                            let sent = tokio::select! {
                                r = sink.send(Message::Binary(Bytes::from(frame))) => r.is_ok(),
                                _ = drops.changed() => false,
                            };
                            if !sent {
                                break;
                            }
                        }
                        if limit != u64::MAX && relayed >= limit {
                            break;
                        }
                    }
                    Some(Event::Closed(i)) => {
                        if let Some(w) = writers.get_mut(i) {
                            *w = None;
                        }
                        open -= 1;
                    }
                    None => break,
                },
                _ = drops.changed() => break,
            }
        }
        for task in &tasks {
            task.abort();
        }
        let close = async {
            let _ = sink.send(Message::Close(None)).await;
            let _ = sink.close().await;
        };
        let _ = tokio::time::timeout(std::time::Duration::from_secs(1), close).await;
    }

    /// Connects to the backend for `port`, or says why not in the kubelet's words (the
    /// brief's form of `error forwarding port %d to pod %s, uid %v: %v` with `<ns>/<name>`
    /// as the pod; a CRI kubelet names the sandbox there and containerd words the dial
    /// error differently).
    async fn dial(&self, port: u16) -> Result<UnixStream, String> {
        let refused = || {
            format!(
                "error forwarding port {port} to pod {}, uid {}: dial tcp 127.0.0.1:{port}: connect: connection refused",
                self.label, self.uid
            )
        };
        let target = self.target.as_ref().filter(|t| t.ports.contains(&port)).ok_or_else(refused)?;
        UnixStream::connect(&target.socket).await.map_err(|_| refused())
    }
}

/// Channel ids fit in a byte: at most 128 ports, so at most 255.
fn channel(ch: usize) -> u8 {
    u8::try_from(ch).unwrap_or(u8::MAX)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn ports_from_repeated_and_joined_params() {
        let p = |q: &[(&str, &str)]| {
            let owned: Vec<(String, String)> =
                q.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
            parse_ports(&owned)
        };
        assert_eq!(p(&[("ports", "80,1234"), ("ports", "6379")]).unwrap(), vec![80, 1234, 6379]);
        assert!(p(&[]).is_err());
        assert!(p(&[("ports", "0")]).is_err());
        assert!(p(&[("ports", "x")]).is_err());
        assert!(p(&[("ports", "70000")]).is_err());
    }
}
