//! Client set-up the way kubectl does it: `--kubeconfig`, else the (merged) `KUBECONFIG` list,
//! else `~/.kube/config`, else the in-cluster service account; `--context`; `-n`; and
//! `--request-timeout`.
//!
//! kubectl does not pass its global flags to plugins, so the plugin has to honour them itself.
//! Two differences from kube-rs defaults are deliberate:
//! - files in `KUBECONFIG` that do not exist are skipped, as client-go's loading rules do
//!   (kube-rs's `Kubeconfig::from_env` fails on them);
//! - `--request-timeout` becomes the connect/read/write timeouts of the client used for plain
//!   requests only. Port-forward WebSockets get a second client without a read timeout, or an
//!   idle Redis connection would be cut after that many seconds.

use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use kube::config::{KubeConfigOptions, Kubeconfig, KubeconfigError};
use kube::{Client, Config};

use crate::error::{ErrorContext, KubeError, Operation, chain, one_line};

/// kube-rs's own connect timeout when `--request-timeout` is not given.
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// The kubectl-style flags that pick a cluster.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientOptions {
    /// `--kubeconfig FILE`: this file only, ignoring `KUBECONFIG`.
    pub kubeconfig: Option<PathBuf>,
    /// `--context NAME`: instead of the kubeconfig's current-context.
    pub context: Option<String>,
    /// `-n NS`: instead of the context's namespace.
    pub namespace: Option<String>,
    /// `--request-timeout`: connect, read and write timeout of API requests. `None` or zero
    /// means kubectl's default (no read timeout, kube-rs's 30 s connect timeout).
    pub request_timeout: Option<Duration>,
}

/// A connected (well, configured: nothing is sent until the first request) cluster.
#[derive(Clone)]
pub struct Cluster {
    /// Client for API requests, with the request timeout applied.
    pub client: Client,
    /// `-n`, else the context's namespace, else `default` (in-cluster: the pod's namespace).
    pub namespace: String,
    /// The kubeconfig context in use; `None` in-cluster.
    pub context: Option<String>,
    /// The API server URL, for messages: scheme, host, port and path, never user info.
    pub server: String,
    /// Client without a read timeout, for long-lived port-forward WebSockets.
    pub(crate) stream_client: Client,
    /// The timeout that applies to requests, for "timed out after N s".
    pub(crate) timeout: Duration,
}

impl fmt::Debug for Cluster {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cluster")
            .field("namespace", &self.namespace)
            .field("context", &self.context)
            .field("server", &self.server)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl Cluster {
    /// The error mapper for one operation against this cluster.
    pub(crate) fn errors(&self, op: Operation) -> ErrorContext<'_> {
        ErrorContext { server: &self.server, context: self.context.as_deref(), timeout: self.timeout, op }
    }

    /// Asks the API server for its version (`GET /version`, allowed for everyone): a cheap
    /// check that the server is reachable and accepts the credentials.
    pub async fn server_version(&self) -> Result<String, KubeError> {
        let info = self.client.apiserver_version().await.map_err(|e| {
            self.errors(Operation { verb: "get", resource: "version", namespace: None, name: None }).map(e)
        })?;
        Ok(info.git_version)
    }
}

/// The parts of the process environment that decide where the configuration comes from.
/// Read once by [`connect`]; passed explicitly so tests need not touch the real environment.
#[derive(Debug, Clone, Default)]
pub(crate) struct Environment {
    /// `KUBECONFIG`, as given.
    pub kubeconfig: Option<OsString>,
    /// `$HOME/.kube/config`, if a home directory is known.
    pub default_path: Option<PathBuf>,
    /// Whether `KUBERNETES_SERVICE_HOST` is set (we run inside a pod).
    pub in_cluster: bool,
}

impl Environment {
    fn from_process() -> Self {
        Environment {
            kubeconfig: std::env::var_os("KUBECONFIG"),
            default_path: std::env::home_dir().map(|h| h.join(".kube").join("config")),
            in_cluster: std::env::var_os("KUBERNETES_SERVICE_HOST").is_some_and(|v| !v.is_empty()),
        }
    }
}

/// Where the configuration comes from.
#[derive(Debug)]
pub(crate) enum Source {
    /// A kubeconfig (one file or a merged list) and how to name it in messages.
    Kubeconfig(Box<Kubeconfig>, String),
    /// The pod's service account.
    InCluster,
}

/// Finds and reads the kubeconfig like kubectl: an explicit file must exist; files listed in
/// `KUBECONFIG` that do not exist are skipped and the others merged (first value wins).
pub(crate) fn locate(opts: &ClientOptions, env: &Environment) -> Result<Source, KubeError> {
    if let Some(path) = &opts.kubeconfig {
        return read_one(path).map(|k| Source::Kubeconfig(Box::new(k), path.display().to_string()));
    }
    if let Some(list) = env.kubeconfig.as_ref().filter(|v| !v.is_empty()) {
        let paths: Vec<PathBuf> =
            std::env::split_paths(list).filter(|p| !p.as_os_str().is_empty() && p.exists()).collect();
        if !paths.is_empty() {
            let name = paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(":");
            let mut merged = Kubeconfig::default();
            for path in &paths {
                let next = read_one(path)?;
                merged = merged.merge(next).map_err(|e| kubeconfig_error(&name, &e))?;
            }
            return Ok(Source::Kubeconfig(Box::new(merged), name));
        }
    }
    if let Some(path) = env.default_path.as_ref().filter(|p| p.exists()) {
        return read_one(path).map(|k| Source::Kubeconfig(Box::new(k), path.display().to_string()));
    }
    if env.in_cluster {
        return Ok(Source::InCluster);
    }
    Err(KubeError::NoKubeconfig)
}

fn read_one(path: &Path) -> Result<Kubeconfig, KubeError> {
    Kubeconfig::read_from(path).map_err(|e| kubeconfig_error(&path.display().to_string(), &e))
}

fn kubeconfig_error(path: &str, err: &KubeconfigError) -> KubeError {
    let reason = match err {
        // The YAML error quotes the offending lines, which may hold a token or a key: keep
        // only where it is.
        KubeconfigError::Parse(_) => match yaml_location(&err.to_string()) {
            Some((line, column)) => format!("invalid YAML at line {line}, column {column}"),
            None => "invalid YAML".to_owned(),
        },
        _ => one_line(&chain(err)),
    };
    KubeError::Kubeconfig { path: path.to_owned(), reason }
}

/// `(line, column)` from a YAML error message ("... line 6 column 3 ...").
fn yaml_location(message: &str) -> Option<(u64, u64)> {
    let number_after = |text: &str, word: &str| -> Option<(u64, usize)> {
        let start = text.find(word)? + word.len();
        let digits: String = text[start..].chars().take_while(char::is_ascii_digit).collect();
        Some((digits.parse().ok()?, start + digits.len()))
    };
    let (line, end) = number_after(message, "line ")?;
    let (column, _) = number_after(&message[end..], "column ")?;
    Some((line, column))
}

/// Checks `--context` (or the current-context) against the kubeconfig before kube-rs does, so
/// an unknown name gets one line listing the ones that exist.
pub(crate) fn pick_context(kubeconfig: &Kubeconfig, wanted: Option<&str>) -> Result<String, KubeError> {
    let mut available: Vec<String> = kubeconfig.contexts.iter().map(|c| c.name.clone()).collect();
    available.sort();
    available.dedup();
    let name = match wanted.or(kubeconfig.current_context.as_deref().filter(|c| !c.is_empty())) {
        Some(name) => name,
        None => return Err(KubeError::NoCurrentContext { available }),
    };
    if kubeconfig.contexts.iter().any(|c| c.name == name && c.context.is_some()) {
        Ok(name.to_owned())
    } else {
        Err(KubeError::UnknownContext { context: name.to_owned(), available })
    }
}

/// Builds a [`Cluster`] from kubectl-style options. Sends no request: the first API call shows
/// whether the server is reachable and the credentials are good.
pub async fn connect(opts: &ClientOptions) -> Result<Cluster, KubeError> {
    connect_with(opts, &Environment::from_process()).await
}

pub(crate) async fn connect_with(opts: &ClientOptions, env: &Environment) -> Result<Cluster, KubeError> {
    let (config, context) = match locate(opts, env)? {
        Source::Kubeconfig(kubeconfig, name) => {
            let context = pick_context(&kubeconfig, opts.context.as_deref())?;
            let options = KubeConfigOptions { context: Some(context.clone()), cluster: None, user: None };
            let config = Config::from_custom_kubeconfig(*kubeconfig, &options)
                .await
                .map_err(|e| kubeconfig_error(&name, &e))?;
            (config, Some(context))
        }
        Source::InCluster => {
            if let Some(context) = &opts.context {
                return Err(KubeError::UnknownContext { context: context.clone(), available: Vec::new() });
            }
            let config =
                Config::incluster().map_err(|e| KubeError::InCluster { reason: one_line(&chain(&e)) })?;
            (config, None)
        }
    };
    build(config, context, opts)
}

/// Applies `-n` and `--request-timeout`, and builds the two clients.
fn build(mut config: Config, context: Option<String>, opts: &ClientOptions) -> Result<Cluster, KubeError> {
    let server = display_url(&config);
    if let Some(ns) = opts.namespace.as_ref().filter(|ns| !ns.is_empty()) {
        config.default_namespace = ns.clone();
    }
    let namespace = config.default_namespace.clone();
    let timeout = opts.request_timeout.filter(|t| !t.is_zero());

    // Port-forward streams: a connect timeout only; an idle Redis connection is normal.
    let mut stream_config = config.clone();
    stream_config.read_timeout = None;
    if let Some(t) = timeout {
        stream_config.connect_timeout = Some(t);
        config.connect_timeout = Some(t);
        config.read_timeout = Some(t);
        config.write_timeout = Some(t);
        // Count the read timeout from when the request is written, not from when a pooled
        // connection went idle (kube-rs's advice for read_timeout).
        config.reset_reader_on_write = true;
    }
    let client_error =
        |e: kube::Error| KubeError::Client { server: server.clone(), reason: one_line(&chain(&e)) };
    let client = Client::try_from(config).map_err(client_error)?;
    let stream_client = Client::try_from(stream_config).map_err(client_error)?;
    Ok(Cluster {
        client,
        namespace,
        context,
        server,
        stream_client,
        timeout: timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT),
    })
}

/// `scheme://host:port/path` without user info or query, for messages.
pub(crate) fn display_url(config: &Config) -> String {
    let uri = &config.cluster_url;
    let scheme = uri.scheme_str().unwrap_or("https");
    let host = uri.host().unwrap_or("");
    let port = uri.port_u16().map(|p| format!(":{p}")).unwrap_or_default();
    let path = uri.path().trim_end_matches('/');
    format!("{scheme}://{host}{port}{path}")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, body: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, body).unwrap();
        path
    }

    fn kubeconfig(context: &str, server: &str, namespace: Option<&str>) -> String {
        let ns = namespace.map(|n| format!("\n    namespace: {n}")).unwrap_or_default();
        format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: {context}\nclusters:\n- name: {context}\n  cluster:\n    server: {server}\ncontexts:\n- name: {context}\n  context:\n    cluster: {context}\n    user: {context}{ns}\nusers:\n- name: {context}\n  user:\n    token: secret-token-{context}\n"
        )
    }

    fn temp_dir(tag: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("kube-access-client-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn nothing_found_is_one_line() {
        let err = locate(&ClientOptions::default(), &Environment::default()).unwrap_err();
        assert_eq!(err.to_string(), "no kubeconfig: set KUBECONFIG, pass --kubeconfig, or run inside a pod");
    }

    #[test]
    fn in_cluster_when_no_kubeconfig_and_service_host_set() {
        let env = Environment {
            in_cluster: true,
            default_path: Some("/nonexistent/x".into()),
            ..Default::default()
        };
        assert!(matches!(locate(&ClientOptions::default(), &env), Ok(Source::InCluster)));
    }

    #[test]
    fn kubeconfig_list_skips_missing_files_and_merges() {
        let dir = temp_dir("merge");
        let a = write(&dir, "a", &kubeconfig("alpha", "https://a:6443", None));
        let b = write(&dir, "b", &kubeconfig("beta", "https://b:6443", Some("team")));
        let list = std::env::join_paths([dir.join("missing"), a, b]).unwrap();
        let env = Environment { kubeconfig: Some(list), ..Default::default() };
        let Ok(Source::Kubeconfig(k, _)) = locate(&ClientOptions::default(), &env) else {
            panic!("not found")
        };
        assert_eq!(k.current_context.as_deref(), Some("alpha"), "first file wins");
        assert_eq!(pick_context(&k, Some("beta")).unwrap(), "beta");
        let err = pick_context(&k, Some("gamma")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "context \"gamma\" not found in the kubeconfig; available contexts: alpha, beta"
        );
    }

    #[test]
    fn a_broken_kubeconfig_does_not_echo_its_content() {
        let dir = temp_dir("broken");
        let body =
            "apiVersion: v1\nusers:\n- name: u\n  user:\n    token: sekrit-token-123\n  : [\ncontexts: {{\n";
        let path = write(&dir, "config", body);
        let opts = ClientOptions { kubeconfig: Some(path), ..Default::default() };
        let text = locate(&opts, &Environment::default()).unwrap_err().to_string();
        assert!(text.starts_with("cannot use kubeconfig "), "{text}");
        assert!(text.ends_with("/config: invalid YAML at line 6, column 3"), "{text}");
        assert!(!text.contains("sekrit"), "{text}");
        assert!(!text.contains('\n'), "{text}");
    }

    #[test]
    fn explicit_kubeconfig_must_exist() {
        let opts = ClientOptions { kubeconfig: Some("/nonexistent/kubeconfig".into()), ..Default::default() };
        let err = locate(&opts, &Environment { in_cluster: true, ..Default::default() }).unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("cannot use kubeconfig /nonexistent/kubeconfig: "), "{text}");
        assert!(!text.contains('\n'));
    }

    #[tokio::test]
    async fn namespace_flag_then_context_then_default() {
        let dir = temp_dir("ns");
        let path =
            write(&dir, "config", &kubeconfig("dev", "https://user:pw@dev.example:6443/", Some("team")));
        let env = Environment::default();
        let opts = ClientOptions { kubeconfig: Some(path.clone()), ..Default::default() };
        let cluster = connect_with(&opts, &env).await.unwrap();
        assert_eq!(cluster.namespace, "team");
        assert_eq!(cluster.context.as_deref(), Some("dev"));
        assert_eq!(cluster.server, "https://dev.example:6443", "no user info in messages");
        assert!(!format!("{cluster:?}").contains("secret-token"));

        let opts = ClientOptions { namespace: Some("other".into()), ..opts };
        assert_eq!(connect_with(&opts, &env).await.unwrap().namespace, "other");

        let path = write(&dir, "config2", &kubeconfig("dev", "https://dev.example:6443", None));
        let opts = ClientOptions { kubeconfig: Some(path), ..Default::default() };
        assert_eq!(connect_with(&opts, &env).await.unwrap().namespace, "default");
    }

    #[tokio::test]
    async fn url_for_messages_drops_credentials_and_query() {
        let dir = temp_dir("url");
        let path =
            write(&dir, "config", &kubeconfig("c", "https://admin:hunter2@10.0.0.1:6443/k8s/?token=x", None));
        let opts = ClientOptions { kubeconfig: Some(path), ..Default::default() };
        let cluster = connect_with(&opts, &Environment::default()).await.unwrap();
        assert_eq!(cluster.server, "https://10.0.0.1:6443/k8s");
    }
}
