//! Connecting: TCP, TLS (rustls), unix socket, or any `AsyncRead + AsyncWrite` stream (a
//! Kubernetes port-forward), each turned into a `redis::aio::MultiplexedConnection`.
//!
//! Errors are one line, name the target without its password and say what to do; the
//! password is scrubbed from any server or library message that might echo it.

use std::{sync::Arc, time::Duration};

use redis::{AsyncConnectionConfig, FromRedisValue, RedisConnectionInfo, Value, aio::MultiplexedConnection};
use tokio::io::{AsyncRead, AsyncWrite};

use crate::target::{Address, Target};

/// Connect and per-command time limits.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    pub connect: Duration,
    pub command: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts { connect: Duration::from_secs(5), command: Duration::from_secs(30) }
    }
}

/// Why talking to a Redis failed. Display is one line, safe to print.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    #[error("{target}: cannot connect: {reason}")]
    Connect { target: String, reason: String },
    #[error("{target}: {reason}")]
    Auth { target: String, reason: String },
    #[error(
        "{target}: Redis is loading its dataset into memory{progress}; try again when loading has finished"
    )]
    Loading { target: String, progress: String },
    #[error("{target}: `{command}` timed out after {secs} s")]
    Timeout { target: String, command: String, secs: u64 },
    #[error("{target}: `{command}` failed: {reason}")]
    Command { target: String, command: String, reason: String },
}

impl ProbeError {
    /// The server refused a command (disabled, renamed, ACL): the caller may degrade.
    pub fn is_refused(&self) -> bool {
        matches!(self, ProbeError::Command { reason, .. } if reason.contains("unknown command") || reason.contains("NOPERM") || reason.contains("no permissions") || reason.contains("disabled"))
    }
}

/// A connection to one Redis.
pub struct Probe {
    con: MultiplexedConnection,
    /// Target as shown to people (no password).
    pub label: String,
    secret: Option<String>,
    timeouts: Timeouts,
}

impl std::fmt::Debug for Probe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Probe({})", self.label)
    }
}

/// The handshake sends nothing that needs a password: AUTH and SELECT are sent by
/// [`Probe::from_stream`] itself, so the server's own error text (WRONGPASS, NOAUTH, "without
/// any password configured") reaches the user instead of the client library's generic one.
fn connection_info() -> RedisConnectionInfo {
    RedisConnectionInfo::default().set_skip_set_lib_name()
}

impl Probe {
    /// Connects to `target` over TCP, TLS or a unix socket.
    pub async fn connect(target: &Target, timeouts: Timeouts) -> Result<Probe, ProbeError> {
        let label = target.to_string();
        let fail = |reason: String| ProbeError::Connect { target: label.clone(), reason };
        let opened = tokio::time::timeout(timeouts.connect, async {
            let stream = open_stream(target).await.map_err(fail)?;
            Probe::from_stream(stream, target, timeouts).await
        })
        .await;
        match opened {
            Ok(r) => r,
            Err(_) => Err(fail(format!(
                "no answer within {} s (a server busy loading its dataset or running a slow command does not answer)",
                timeouts.connect.as_secs()
            ))),
        }
    }

    /// Speaks RESP over an already connected stream (e.g. a Kubernetes port-forward), then
    /// authenticates and selects the db of `target` (whose address is only used as a label).
    pub async fn from_stream<S>(stream: S, target: &Target, timeouts: Timeouts) -> Result<Probe, ProbeError>
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let label = target.to_string();
        let secret = target.password().map(str::to_string);
        let config = AsyncConnectionConfig::new().set_response_timeout(Some(timeouts.command));
        let (con, driver) = MultiplexedConnection::new_with_config(&connection_info(), stream, config)
            .await
            .map_err(|e| classify(&label, "HELLO", &e, secret.as_deref(), timeouts))?;
        tokio::spawn(driver);
        let mut probe = Probe { con, label, secret, timeouts };
        // One round trip (what matters through a port-forward): AUTH, SELECT, PING (which says
        // whether a password we were not given is wanted, or the server is loading) and
        // CLIENT SETNAME; each reply is checked in order so the first failure is the one named.
        let mut hello = redis::pipe();
        let mut steps: Vec<&str> = Vec::new();
        if let Some(password) = target.password() {
            let auth = hello.cmd("AUTH");
            if let Some(user) = &target.username {
                auth.arg(user);
            }
            auth.arg(password);
            steps.push("AUTH");
        }
        if target.db != 0 {
            hello.cmd("SELECT").arg(target.db);
            steps.push("SELECT");
        }
        hello.cmd("PING");
        steps.push("PING");
        hello.cmd("CLIENT").arg("SETNAME").arg("redis-audit");
        hello.ignore_errors();
        let replies: Vec<Value> = probe.pipe(&hello, "AUTH/PING").await?;
        for (step, reply) in steps.iter().zip(replies) {
            if let Value::ServerError(e) = reply {
                let err = classify(
                    &probe.label,
                    step,
                    &redis::RedisError::from(e),
                    probe.secret.as_deref(),
                    timeouts,
                );
                if let ProbeError::Loading { target, .. } = err {
                    let progress = loading_progress(&mut probe).await;
                    return Err(ProbeError::Loading { target, progress });
                }
                return Err(err);
            }
        }
        Ok(probe)
    }

    /// Runs one command, mapping errors to [`ProbeError`] with the command's name.
    pub async fn cmd<T: FromRedisValue>(&mut self, cmd: &redis::Cmd) -> Result<T, ProbeError> {
        let name = command_name(cmd);
        cmd.query_async(&mut self.con)
            .await
            .map_err(|e| classify(&self.label, &name, &e, self.secret.as_deref(), self.timeouts))
    }

    /// Runs a pipeline in one round trip.
    pub async fn pipe<T: FromRedisValue>(
        &mut self,
        pipe: &redis::Pipeline,
        what: &str,
    ) -> Result<T, ProbeError> {
        pipe.query_async(&mut self.con)
            .await
            .map_err(|e| classify(&self.label, what, &e, self.secret.as_deref(), self.timeouts))
    }

    /// Switches to database `db`.
    pub async fn select(&mut self, db: u32) -> Result<(), ProbeError> {
        self.cmd::<()>(redis::cmd("SELECT").arg(db)).await
    }

    /// The underlying connection, for callers that build their own pipelines.
    pub fn connection(&mut self) -> &mut MultiplexedConnection {
        &mut self.con
    }
}

/// A byte stream to a server, whichever way it was opened.
pub(crate) trait ServerStream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> ServerStream for T {}

/// Opens a raw stream to `target` (TCP, TLS or unix socket), without speaking to Redis: shared
/// by [`Probe::connect`] and the RDB backup, which needs a connection of its own. The error is
/// the reason only, for the caller to wrap with the target.
pub(crate) async fn open_stream(target: &Target) -> Result<Box<dyn ServerStream>, String> {
    match &target.address {
        Address::Stream { .. } => Err("reached through a stream: use Probe::from_stream".into()),
        Address::Unix { path } => {
            #[cfg(unix)]
            {
                let s = tokio::net::UnixStream::connect(path).await.map_err(|e| e.to_string())?;
                Ok(Box::new(s))
            }
            #[cfg(not(unix))]
            {
                let _ = path;
                Err("unix sockets are not supported on this platform".into())
            }
        }
        Address::Tcp { host, port, tls } => {
            let tcp =
                tokio::net::TcpStream::connect((host.as_str(), *port)).await.map_err(|e| e.to_string())?;
            let _ = tcp.set_nodelay(true);
            if *tls {
                Ok(Box::new(tls_connect(tcp, host, target.tls_insecure).await?))
            } else {
                Ok(Box::new(tcp))
            }
        }
    }
}

/// ` (37% done, about 12 s left)` from INFO persistence, which a loading server answers;
/// empty when it does not say.
async fn loading_progress(probe: &mut Probe) -> String {
    let Ok(text) = probe.cmd::<String>(redis::cmd("INFO").arg("persistence")).await else {
        return String::new();
    };
    let field = |name: &str| {
        text.lines().find_map(|l| l.trim().strip_prefix(name)?.strip_prefix(':')).map(str::to_string)
    };
    let percent = field("loading_loaded_perc").and_then(|p| p.parse::<f64>().ok());
    let eta = field("loading_eta_seconds").and_then(|s| s.parse::<u64>().ok());
    match (percent, eta) {
        (Some(p), Some(s)) => format!(" ({p:.0}% done, about {s} s left)"),
        (Some(p), None) => format!(" ({p:.0}% done)"),
        _ => String::new(),
    }
}

/// The command's name for messages: its first word, plus the subcommand of container
/// commands (`CONFIG GET`). Never other arguments: `AUTH` carries the password.
fn command_name(cmd: &redis::Cmd) -> String {
    const CONTAINERS: &[&str] =
        &["CONFIG", "MEMORY", "CLIENT", "OBJECT", "CLUSTER", "LATENCY", "COMMAND", "XINFO"];
    let mut words = cmd.args_iter().filter_map(|a| match a {
        redis::Arg::Simple(b) => Some(String::from_utf8_lossy(b).to_ascii_uppercase()),
        _ => None,
    });
    let first = words.next().unwrap_or_default();
    match words.next() {
        Some(sub) if CONTAINERS.contains(&first.as_str()) => format!("{first} {sub}"),
        _ => first,
    }
}

/// One-line, password-free explanation of a redis error.
fn classify(
    label: &str,
    command: &str,
    e: &redis::RedisError,
    secret: Option<&str>,
    timeouts: Timeouts,
) -> ProbeError {
    let scrub = |s: String| match secret {
        Some(p) if !p.is_empty() => s.replace(p, "***"),
        _ => s,
    };
    let target = label.to_string();
    let text = scrub(e.to_string());
    let code = e.code().unwrap_or("");
    if e.is_timeout() {
        return ProbeError::Timeout {
            target,
            command: command.to_string(),
            secs: timeouts.command.as_secs(),
        };
    }
    match code {
        "NOAUTH" => ProbeError::Auth {
            target,
            reason: "the server requires a password: put it in the URL (redis://:PASSWORD@host) or set REDISCLI_AUTH".into(),
        },
        "LOADING" => ProbeError::Loading { target, progress: String::new() },
        _ if code == "WRONGPASS" || text.contains("WRONGPASS") || text.contains("invalid username-password") => {
            ProbeError::Auth { target, reason: "authentication failed: wrong user name or password".into() }
        }
        _ if text.contains("without any password configured") => ProbeError::Auth {
            target,
            reason: "a password was given but the server has none configured; drop it from the URL".into(),
        },
        _ if e.kind() == redis::ErrorKind::AuthenticationFailed => {
            ProbeError::Auth { target, reason: format!("authentication failed: {text}") }
        }
        _ if e.is_io_error() || e.is_connection_refusal() => ProbeError::Connect { target, reason: text },
        _ => ProbeError::Command { target, command: command.to_string(), reason: text },
    }
}

async fn tls_connect(
    tcp: tokio::net::TcpStream,
    host: &str,
    insecure: bool,
) -> Result<tokio_rustls::client::TlsStream<tokio::net::TcpStream>, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?;
    let config = if insecure {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAny(provider)))
            .with_no_client_auth()
    } else {
        let roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
        builder.with_root_certificates(roots).with_no_client_auth()
    };
    let name = rustls::pki_types::ServerName::try_from(host.to_string())
        .map_err(|e| format!("TLS server name `{host}`: {e}"))?;
    tokio_rustls::TlsConnector::from(Arc::new(config)).connect(name, tcp).await.map_err(|e| {
        format!(
            "TLS handshake failed ({e}); is the server speaking TLS (rediss://) or plain text (redis://)?"
        )
    })
}

/// Accepts any server certificate (`?insecure=true`): for self-signed test servers only.
#[derive(Debug)]
struct AcceptAny(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for AcceptAny {
    fn verify_server_cert(
        &self,
        _: &rustls::pki_types::CertificateDer<'_>,
        _: &[rustls::pki_types::CertificateDer<'_>],
        _: &rustls::pki_types::ServerName<'_>,
        _: &[u8],
        _: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn command_names_never_carry_arguments() {
        assert_eq!(super::command_name(redis::cmd("AUTH").arg("admin").arg("hunter")), "AUTH");
        assert_eq!(super::command_name(redis::cmd("config").arg("get").arg("maxmemory")), "CONFIG GET");
        assert_eq!(super::command_name(redis::cmd("GET").arg("secretkey")), "GET");
    }
}
