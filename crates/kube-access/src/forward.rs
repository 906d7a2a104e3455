//! A byte stream to a port inside a pod, through the API server's port-forward WebSocket
//! (`v4.channel.k8s.io`, via kube-rs's `Api::<Pod>::portforward`). No local port is bound.
//!
//! The stream is a tokio `DuplexStream` pumped by a background task. When the WebSocket goes
//! away (API server restart, network drop, `kubectl drain`), reads return EOF and writes fail;
//! [`Forward::finish`] then says why. The kubelet reports problems with the target port (nothing
//! listening, pod gone) as text on the port's error channel: [`Forward::error`] resolves with it.
//!
//! One forward = one WebSocket = one TCP connection in the pod; open one per Redis connection.

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use k8s_openapi::api::core::v1::Pod;
use kube::Api;
use kube::api::Portforwarder;
use tokio::io::DuplexStream;

use crate::client::Cluster;
use crate::error::{KubeError, Operation, chain, one_line};
use crate::pod::RedisPod;

type ErrorText = Pin<Box<dyn Future<Output = Option<String>> + Send>>;

/// An open port-forward to one port of one pod.
pub struct Forward {
    namespace: String,
    pod: String,
    port: u16,
    stream: Option<DuplexStream>,
    error: Option<ErrorText>,
    forwarder: Portforwarder,
}

impl fmt::Debug for Forward {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Forward")
            .field("namespace", &self.namespace)
            .field("pod", &self.pod)
            .field("port", &self.port)
            .field("stream_taken", &self.stream.is_none())
            .finish_non_exhaustive()
    }
}

/// Opens a port-forward to `port` of pod `namespace/pod`. Needs `get` (and since Kubernetes
/// 1.35 also `create`) on `pods/portforward`.
pub async fn open(cluster: &Cluster, namespace: &str, pod: &str, port: u16) -> Result<Forward, KubeError> {
    let api: Api<Pod> = Api::namespaced(cluster.stream_client.clone(), namespace);
    let mut forwarder = api.portforward(pod, &[port]).await.map_err(|e| {
        let mut err = cluster.errors(Operation::portforward(namespace, pod)).map(e);
        if let KubeError::PortForward { port: p, .. } = &mut err {
            *p = port;
        }
        err
    })?;
    let stream = forwarder.take_stream(port);
    let error = forwarder.take_error(port).map(|f| Box::pin(f) as ErrorText);
    Ok(Forward { namespace: namespace.to_owned(), pod: pod.to_owned(), port, stream, error, forwarder })
}

/// Opens a port-forward to a discovered pod's Redis port, refusing pods that are not running
/// (the API server would only say "unable to upgrade connection").
pub async fn open_pod(cluster: &Cluster, pod: &RedisPod) -> Result<Forward, KubeError> {
    if !pod.is_running() {
        return Err(KubeError::PodNotRunning {
            namespace: pod.namespace.clone(),
            pod: pod.name.clone(),
            phase: pod.phase.clone(),
            reason: pod.status_reason.clone(),
        });
    }
    open(cluster, &pod.namespace, &pod.name, pod.port).await
}

impl Forward {
    /// The byte stream to the pod's port (`AsyncRead + AsyncWrite + Unpin + Send + 'static`).
    /// Returned once; `None` afterwards. EOF on read means the forward ended.
    pub fn stream(&mut self) -> Option<DuplexStream> {
        self.stream.take()
    }

    /// Resolves when the port becomes unusable: `Some` with the kubelet's error-channel text as
    /// a [`KubeError`] (nothing listening, pod gone), `None` when the forward closed without
    /// one. Returned once.
    pub fn error(&mut self) -> Option<impl Future<Output = Option<KubeError>> + Send + 'static + use<>> {
        let text = self.error.take()?;
        let (namespace, pod, port) = (self.namespace.clone(), self.pod.clone(), self.port);
        Some(async move { text.await.map(|t| error_channel(&namespace, &pod, port, &t)) })
    }

    /// Waits for the forward to end and says how. Drop the stream first: the forward stays open
    /// while it exists. A WebSocket that broke off gives [`KubeError::PortForwardDropped`].
    pub async fn finish(self) -> Result<(), KubeError> {
        let Forward { namespace, pod, port, stream, error, forwarder } = self;
        drop(stream);
        drop(error);
        forwarder.join().await.map_err(|e| {
            // kube-rs does not export its port-forward error type; its text is stable
            // ("failed to receive a WebSocket message: ..."), and the WebSocket variants are
            // the ones that mean the connection went away.
            let text = one_line(&chain(&e));
            if text.contains("after closing") {
                // The server's Close arrived while our side was still open.
                let reason = "the API server closed the WebSocket".to_owned();
                KubeError::PortForwardDropped { namespace, pod, port, reason }
            } else if text.contains("WebSocket message") {
                KubeError::PortForwardDropped { namespace, pod, port, reason: text }
            } else {
                KubeError::PortForward { namespace, pod, port, message: text }
            }
        })
    }

    /// Stops the background task at once; the stream then reads EOF.
    pub fn abort(&self) {
        self.forwarder.abort();
    }

    /// `namespace/pod:port`, for messages.
    pub fn target(&self) -> String {
        format!("{}/{}:{}", self.namespace, self.pod, self.port)
    }
}

/// Maps error-channel text to an error. The kubelet's text is `error forwarding port 6379 to
/// pod <id>, uid <uid>: ...`; "connection refused" means nothing listens on that port.
pub(crate) fn error_channel(namespace: &str, pod: &str, port: u16, text: &str) -> KubeError {
    let message = one_line(text);
    if message.to_ascii_lowercase().contains("connection refused") {
        KubeError::ContainerPortMissing {
            namespace: namespace.to_owned(),
            pod: pod.to_owned(),
            port,
            message,
        }
    } else {
        KubeError::PortForward { namespace: namespace.to_owned(), pod: pod.to_owned(), port, message }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_channel_text() {
        let e = error_channel(
            "apps",
            "r",
            6379,
            "error forwarding port 6379 to pod abc, uid : exit status 1: 2026/01/01 socat[1] E connect(5, AF=2 127.0.0.1:6379, 16): Connection refused\n",
        );
        assert!(matches!(e, KubeError::ContainerPortMissing { port: 6379, .. }));
        let text = e.to_string();
        assert!(
            text.starts_with("nothing accepts connections on port 6379 in pod apps/r: error forwarding port"),
            "{text}"
        );
        assert!(!text.contains('\n'));

        let e = error_channel("apps", "r", 6379, "pod not found");
        assert_eq!(e.to_string(), "port-forward to pod apps/r port 6379 failed: pod not found");
    }
}
