//! A Kubernetes test API server that the real kubectl and kube-rs accept.
//!
//! [`KubeApiServer::start`] loads a cluster state from YAML manifests (Namespaces, Pods,
//! Secrets, Events), starts a real redis-server for each pod that asks for one, and serves
//! plain HTTP/1.1 on `127.0.0.1:<free port>` from its own thread and tokio runtime, so it
//! works from sync tests, `#[tokio::test]`s and inside another runtime alike. It serves
//! discovery, get and list (label and field selectors, `limit`/`continue`), real-looking
//! `Status` errors (404, 401, 403 with the API server's wording), and WebSocket
//! `v4.channel.k8s.io` port-forward bridged to the pod's redis-server.
//!
//! It is read-only: no create, update, delete or watch. The annotations it reads are
//! described in `testdata/kube/README.md`.

mod authz;
mod backends;
mod discovery;
mod encoding;
mod http;
mod portforward;
mod selectors;
mod state;
mod status;

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
    sync::{
        Arc, Mutex, MutexGuard,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    thread::JoinHandle,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use hyper::{server::conn::http1, service::service_fn};
use hyper_util::rt::TokioIo;
use tokio::sync::{oneshot, watch};

use crate::{RedisServer, ServerError};
use authz::Forbid;

/// Why the test API server could not start.
#[derive(Debug, thiserror::Error)]
pub enum KubeServerError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("invalid YAML: {0}")]
    Yaml(String),
    #[error("invalid cluster state: {0}")]
    Manifest(String),
    #[error("cannot start redis-server for pod {namespace}/{pod}")]
    Backend {
        namespace: String,
        pod: String,
        #[source]
        source: Box<ServerError>,
    },
    #[error("pod {namespace}/{pod}: `{command}` failed: {reply}")]
    Command { namespace: String, pod: String, command: String, reply: String },
    #[error("replica {namespace}/{pod} did not sync with its master within {waited:?}")]
    Replication { namespace: String, pod: String, waited: Duration },
    #[error("cannot start the test API server: {0}")]
    Start(#[source] std::io::Error),
}

/// One request as the server saw it, for assertions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedRequest {
    pub method: String,
    pub path: String,
    /// The raw query string, `""` when there is none.
    pub query: String,
    /// As RBAC names it: `pods`, `secrets`, `pods/portforward` …; `None` for discovery.
    pub resource: Option<String>,
    /// `get`, `list`, `watch`, `create` …; `None` for discovery.
    pub verb: Option<String>,
    pub namespace: Option<String>,
    pub name: Option<String>,
    /// HTTP status answered (101 for an accepted port-forward).
    pub status: u16,
    /// Whether the request carried `Authorization: Bearer <the right token>` (kube-rs sends
    /// it; kubectl sends no credentials to an `http://` server).
    pub has_token: bool,
}

/// Where a pod's port-forwards go.
#[derive(Debug, Clone)]
struct BackendTarget {
    socket: PathBuf,
    ports: Vec<u16>,
}

/// State shared by the server thread and the handle.
#[derive(Debug)]
struct Shared {
    store: state::Store,
    port: u16,
    token: String,
    revoked: AtomicBool,
    forbids: Mutex<Vec<Forbid>>,
    log: Mutex<Vec<LoggedRequest>>,
    portforward_opened: AtomicU64,
    /// Bumped to close every open port-forward.
    drop_signal: watch::Sender<u64>,
    /// Bytes relayed pod->client after which a port-forward closes; `u64::MAX`: never.
    drop_after: AtomicU64,
    backends: BTreeMap<(String, String), BackendTarget>,
}

/// Locks, and keeps going if a panicking thread poisoned the lock: the data are plain lists.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Shared {
    /// Every request is refused after [`KubeApiServer::revoke_tokens`]; before, a request
    /// with a wrong token or another scheme is refused, and one with no `Authorization` at all
    /// is served as user "test": kubectl (client-go) never sends credentials to an `http://`
    /// server (tools/clientcmd/client_config.go: "only try to read the auth information if we
    /// are secure"), and this server speaks plain HTTP. kube-rs does send the token.
    fn is_authenticated(&self, authorization: Option<&str>) -> bool {
        if self.revoked.load(Ordering::SeqCst) {
            return false;
        }
        match authorization {
            None => true,
            Some(a) => a.strip_prefix("Bearer ").is_some_and(|t| t.trim() == self.token),
        }
    }

    fn forbidden(&self) -> Vec<Forbid> {
        lock(&self.forbids).clone()
    }

    fn log(&self, request: LoggedRequest) {
        lock(&self.log).push(request);
    }
}

/// A running test API server. Dropping it stops the server thread, which closes every
/// connection and port-forward, then every redis-server it started.
#[derive(Debug)]
pub struct KubeApiServer {
    shared: Arc<Shared>,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
    backends: BTreeMap<(String, String), backends::Backend>,
}

impl KubeApiServer {
    /// Serves the cluster state in `yaml` (multi-document manifests: Namespace, Pod, Secret,
    /// Event; `kind: List` too; other kinds are skipped) on `http://127.0.0.1:<free port>`,
    /// starting a real redis-server per pod that asks for one. Returns once every
    /// redis-server answers, every replica has synced and every `redis-commands` ran: about
    /// 0.1 s for the 5 backends of demo.yaml, 0.2 s for the 7 of e2e.yaml (servers of one
    /// replication level start in parallel). Blocking: from async code, call it where blocking
    /// is allowed (e.g. `spawn_blocking`) if the runtime must not stall for that long.
    pub fn start(yaml: &str) -> Result<KubeApiServer, KubeServerError> {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        let loaded = state::load(yaml, &state::rfc3339(now))?;
        let backends = backends::start_all(&loaded.backends)?;
        let targets = loaded
            .backends
            .iter()
            .filter_map(|spec| {
                let key = (spec.namespace.clone(), spec.pod.clone());
                let backend = backends.get(&key)?;
                Some((
                    key,
                    BackendTarget {
                        socket: backend.server.socket().to_path_buf(),
                        ports: spec.ports.clone(),
                    },
                ))
            })
            .collect();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(KubeServerError::Start)?;
        listener.set_nonblocking(true).map_err(KubeServerError::Start)?;
        let port = listener.local_addr().map_err(KubeServerError::Start)?.port();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(KubeServerError::Start)?;
        let (drop_signal, _) = watch::channel(0u64);
        let shared = Arc::new(Shared {
            store: loaded.store,
            port,
            token: new_token(port),
            revoked: AtomicBool::new(false),
            forbids: Mutex::new(loaded.forbids),
            log: Mutex::new(Vec::new()),
            portforward_opened: AtomicU64::new(0),
            drop_signal,
            drop_after: AtomicU64::new(u64::MAX),
            backends: targets,
        });
        let (shutdown, shutdown_rx) = oneshot::channel();
        let thread_shared = shared.clone();
        let thread = std::thread::Builder::new()
            .name(format!("kube-api-{port}"))
            .spawn(move || runtime.block_on(accept_loop(listener, thread_shared, shutdown_rx)))
            .map_err(KubeServerError::Start)?;
        Ok(KubeApiServer { shared, shutdown: Some(shutdown), thread: Some(thread), backends })
    }

    /// [`KubeApiServer::start`] with the manifests in a file.
    pub fn start_file(path: &Path) -> Result<KubeApiServer, KubeServerError> {
        let yaml = std::fs::read_to_string(path)
            .map_err(|source| KubeServerError::Read { path: path.to_path_buf(), source })?;
        Self::start(&yaml)
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.shared.port)
    }

    pub fn port(&self) -> u16 {
        self.shared.port
    }

    /// The bearer token every request must carry.
    pub fn token(&self) -> String {
        self.shared.token.clone()
    }

    /// Writes a kubeconfig (cluster "test", user "test" with the bearer token, context
    /// "test" as current-context, namespace "default") into `dir` and returns its path.
    pub fn write_kubeconfig(&self, dir: &Path) -> std::io::Result<PathBuf> {
        let path = dir.join("kubeconfig");
        let text = format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: test\n  cluster:\n    server: {}\n\
             users:\n- name: test\n  user:\n    token: {}\n\
             contexts:\n- name: test\n  context:\n    cluster: test\n    user: test\n    namespace: default\n\
             current-context: test\npreferences: {{}}\n",
            self.url(),
            self.shared.token
        );
        std::fs::write(&path, text)?;
        Ok(path)
    }

    /// From now on every request gets 401 (as with expired credentials).
    pub fn revoke_tokens(&self) {
        self.shared.revoked.store(true, Ordering::SeqCst);
    }

    /// Answers 403 for `verb` on `resource` (`pods`, `secrets`, `events`, `namespaces`,
    /// `pods/portforward`) in `namespace` (`None`: all). As with RBAC, which only grants, a
    /// rule for one namespace also denies the same verb at the cluster scope
    /// (`GET /api/v1/pods`).
    pub fn forbid(&self, namespace: Option<&str>, resource: &str, verb: &str) {
        lock(&self.shared.forbids).push(Forbid {
            namespace: namespace.map(str::to_string),
            resource: resource.to_string(),
            verb: verb.to_string(),
        });
    }

    /// Closes every open port-forward WebSocket now.
    pub fn drop_portforwards(&self) {
        self.shared.drop_signal.send_modify(|generation| *generation += 1);
    }

    /// After this many bytes relayed pod->client on any one port-forward, close that
    /// WebSocket (`None`: never). Applies to open port-forwards too.
    pub fn drop_portforwards_after(&self, bytes: Option<u64>) {
        self.shared.drop_after.store(bytes.unwrap_or(u64::MAX), Ordering::SeqCst);
    }

    /// The real redis-server behind a pod, if the pod has one.
    pub fn backend(&self, namespace: &str, pod: &str) -> Option<&RedisServer> {
        self.backends.get(&(namespace.to_string(), pod.to_string())).map(|b| &b.server)
    }

    /// Every request served so far, in order.
    pub fn requests(&self) -> Vec<LoggedRequest> {
        lock(&self.shared.log).clone()
    }

    /// How many port-forward upgrades were accepted.
    pub fn portforward_opened(&self) -> u64 {
        self.shared.portforward_opened.load(Ordering::SeqCst)
    }
}

impl Drop for KubeApiServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        // The backends (redis-servers) are dropped after this, so after the server stopped.
    }
}

/// Accepts until shut down. Returning drops the runtime, which cancels every connection
/// task and port-forward session.
async fn accept_loop(
    listener: std::net::TcpListener,
    shared: Arc<Shared>,
    mut shutdown: oneshot::Receiver<()>,
) {
    let Ok(listener) = tokio::net::TcpListener::from_std(listener) else { return };
    loop {
        tokio::select! {
            _ = &mut shutdown => return,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else {
                    // Out of file descriptors, most likely: wait instead of spinning.
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                };
                let _ = stream.set_nodelay(true);
                let shared = shared.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |req| http::serve(shared.clone(), req));
                    let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service).with_upgrades().await;
                });
            }
        }
    }
}

/// A token that differs per server, so a kubeconfig of one server fails against another.
fn new_token(port: u16) -> String {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let seed = format!("{nanos}/{port}/{}", std::process::id());
    let uid = state::uid_for("token", &seed, "test");
    format!("testkit-{}", uid.replace('-', ""))
}
