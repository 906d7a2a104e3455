//! The real redis-servers behind pods. A pod annotated `testkit.redis-audit.io/redis-args`
//! (or `replica-of`, or `redis-commands`) gets its own [`RedisServer`]; replicas really
//! replicate from their master over TCP, and the commands put data in before the API
//! server answers its first request.

use std::{
    collections::{BTreeMap, BTreeSet},
    io::{BufRead, BufReader, Write},
    os::unix::net::UnixStream,
    path::Path,
    time::{Duration, Instant},
};

use serde_json::Value;

use super::{KubeServerError, state::words};
use crate::{RedisServer, ServerError};

/// Annotation keys (after the prefix) a pod may carry.
const POD_KEYS: [&str; 4] = ["redis-args", "replica-of", "redis-commands", "ports"];

/// How long a replica may take to finish its first sync with its master.
const SYNC_LIMIT: Duration = Duration::from_secs(15);

/// What a pod's annotations ask for.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct BackendSpec {
    pub(crate) namespace: String,
    pub(crate) pod: String,
    pub(crate) args: Vec<String>,
    /// Pod name of the master, in the same namespace.
    pub(crate) replica_of: Option<String>,
    /// Command lines, each already split into words.
    pub(crate) commands: Vec<Vec<String>>,
    /// Pod ports that reach the server: `testkit.redis-audit.io/ports`, else every
    /// containerPort of the pod, and 6379.
    pub(crate) ports: Vec<u16>,
}

impl BackendSpec {
    pub(crate) fn from_annotations(
        namespace: &str,
        pod: &str,
        object: &Value,
        testkit: &BTreeMap<String, String>,
    ) -> Result<Option<BackendSpec>, KubeServerError> {
        if let Some(k) = testkit.keys().find(|k| !POD_KEYS.contains(&k.as_str())) {
            return Err(KubeServerError::Manifest(format!(
                "unknown annotation {}{k} on pod {namespace}/{pod}",
                super::state::PREFIX
            )));
        }
        let wants_backend =
            ["redis-args", "replica-of", "redis-commands"].iter().any(|k| testkit.contains_key(*k));
        if !wants_backend {
            if testkit.contains_key("ports") {
                return Err(KubeServerError::Manifest(format!(
                    "pod {namespace}/{pod}: `ports` without a backend"
                )));
            }
            return Ok(None);
        }
        let what = |key: &str| format!("pod {namespace}/{pod} annotation {key}");
        let args = words(testkit.get("redis-args").map_or("", String::as_str), &what("redis-args"))?;
        let mut commands = Vec::new();
        for line in testkit.get("redis-commands").map_or("", String::as_str).lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            commands.push(words(line, &what("redis-commands"))?);
        }
        let ports = match testkit.get("ports") {
            Some(list) => list
                .split(',')
                .map(|p| p.trim().parse::<u16>())
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| KubeServerError::Manifest(format!("{}: {e}", what("ports"))))?,
            None => container_ports(object).into_iter().chain([6379]).collect(),
        };
        Ok(Some(BackendSpec {
            namespace: namespace.to_string(),
            pod: pod.to_string(),
            args,
            replica_of: testkit.get("replica-of").map(|s| s.trim().to_string()),
            commands,
            ports,
        }))
    }

    fn key(&self) -> (String, String) {
        (self.namespace.clone(), self.pod.clone())
    }

    fn password(&self) -> Option<&str> {
        arg_value(&self.args, "--requirepass")
    }
}

fn arg_value<'a>(args: &'a [String], name: &str) -> Option<&'a str> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).map(String::as_str)
}

fn container_ports(pod: &Value) -> Vec<u16> {
    let containers = pod.pointer("/spec/containers").and_then(Value::as_array);
    containers
        .into_iter()
        .flatten()
        .filter_map(|c| c.get("ports").and_then(Value::as_array))
        .flatten()
        .filter_map(|p| p.get("containerPort").and_then(Value::as_u64))
        .filter_map(|p| u16::try_from(p).ok())
        .collect()
}

/// A started backend.
#[derive(Debug)]
pub(crate) struct Backend {
    pub(crate) server: RedisServer,
    /// The TCP port of a server that replicas replicate from.
    tcp_port: Option<u16>,
    password: Option<String>,
}

/// Starts every backend: masters first, each replica once its master runs, waiting for each
/// replica's first sync, then runs each server's commands. Servers of one wave start in
/// parallel. On error, the servers already started are stopped (dropped).
pub(crate) fn start_all(
    specs: &[BackendSpec],
) -> Result<BTreeMap<(String, String), Backend>, KubeServerError> {
    let names: BTreeSet<(String, String)> = specs.iter().map(BackendSpec::key).collect();
    let mut masters = BTreeSet::new();
    for s in specs {
        if let Some(m) = &s.replica_of {
            let key = (s.namespace.clone(), m.clone());
            if !names.contains(&key) {
                return Err(KubeServerError::Manifest(format!(
                    "pod {}/{}: replica-of {m}, which is not a pod with a backend in that namespace",
                    s.namespace, s.pod
                )));
            }
            masters.insert(key);
        }
    }
    let mut started: BTreeMap<(String, String), Backend> = BTreeMap::new();
    let mut pending: Vec<&BackendSpec> = specs.iter().collect();
    while !pending.is_empty() {
        let (ready, rest): (Vec<&BackendSpec>, Vec<&BackendSpec>) = pending.into_iter().partition(|s| {
            s.replica_of.as_ref().is_none_or(|m| started.contains_key(&(s.namespace.clone(), m.clone())))
        });
        if ready.is_empty() {
            return Err(KubeServerError::Manifest("replica-of annotations form a cycle".into()));
        }
        let plans: Vec<(&BackendSpec, Vec<String>, bool)> = ready
            .iter()
            .map(|s| {
                let master =
                    s.replica_of.as_ref().and_then(|m| started.get(&(s.namespace.clone(), m.clone())));
                let tcp = masters.contains(&s.key());
                (*s, server_args(s, master, tcp), tcp)
            })
            .collect();
        let results: Vec<Result<Backend, KubeServerError>> = std::thread::scope(|scope| {
            let handles: Vec<_> =
                plans.iter().map(|(s, args, tcp)| scope.spawn(move || start_one(s, args, *tcp))).collect();
            handles
                .into_iter()
                .zip(&plans)
                .map(|(h, (s, _, _))| {
                    h.join().unwrap_or_else(|_| {
                        Err(backend_error(
                            s,
                            ServerError::NotReady(Duration::ZERO, "the starting thread panicked".into()),
                        ))
                    })
                })
                .collect()
        });
        let mut wave = Vec::new();
        for (result, (spec, _, _)) in results.into_iter().zip(&plans) {
            started.insert(spec.key(), result?);
            wave.push(*spec);
        }
        for spec in wave {
            if let Some(backend) = started.get(&spec.key()) {
                if spec.replica_of.is_some() {
                    wait_for_sync(spec, backend)?;
                }
                run_commands(spec, backend)?;
            }
        }
        pending = rest;
    }
    Ok(started)
}

/// The annotation's args plus what replication needs: `--replicaof` the master's TCP port,
/// `--masterauth` from the master's `--requirepass`, and no 5 s wait before a diskless full
/// sync on masters (Redis 7 defaults `repl-diskless-sync-delay` to 5).
fn server_args(spec: &BackendSpec, master: Option<&Backend>, has_replicas: bool) -> Vec<String> {
    let mut args = spec.args.clone();
    if let Some(m) = master {
        if let Some(port) = m.tcp_port {
            args.extend(["--replicaof".into(), "127.0.0.1".into(), port.to_string()]);
        }
        if let Some(pw) = &m.password
            && arg_value(&args, "--masterauth").is_none()
        {
            args.extend(["--masterauth".into(), pw.clone()]);
        }
    }
    if has_replicas && arg_value(&args, "--repl-diskless-sync-delay").is_none() {
        args.extend(["--repl-diskless-sync-delay".into(), "0".into()]);
    }
    args
}

fn start_one(spec: &BackendSpec, args: &[String], tcp: bool) -> Result<Backend, KubeServerError> {
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let (server, tcp_port) = if tcp {
        RedisServer::start_tcp(&refs).map(|(s, p)| (s, Some(p)))
    } else {
        RedisServer::start(&refs).map(|s| (s, None))
    }
    .map_err(|e| backend_error(spec, e))?;
    Ok(Backend { server, tcp_port, password: spec.password().map(str::to_string) })
}

fn backend_error(spec: &BackendSpec, source: ServerError) -> KubeServerError {
    KubeServerError::Backend {
        namespace: spec.namespace.clone(),
        pod: spec.pod.clone(),
        source: Box::new(source),
    }
}

fn command_error(spec: &BackendSpec, command: &[String], reply: String) -> KubeServerError {
    KubeServerError::Command {
        namespace: spec.namespace.clone(),
        pod: spec.pod.clone(),
        command: command.join(" "),
        reply,
    }
}

fn run_commands(spec: &BackendSpec, backend: &Backend) -> Result<(), KubeServerError> {
    if spec.commands.is_empty() {
        return Ok(());
    }
    let mut conn =
        Conn::open(backend).map_err(|e| command_error(spec, &["(connect)".into()], e.to_string()))?;
    for command in &spec.commands {
        match conn.call(command) {
            Ok(Reply::Error(e)) => return Err(command_error(spec, command, e)),
            Ok(_) => {}
            Err(e) => return Err(command_error(spec, command, e.to_string())),
        }
    }
    Ok(())
}

fn wait_for_sync(spec: &BackendSpec, backend: &Backend) -> Result<(), KubeServerError> {
    let start = Instant::now();
    let info = ["INFO".to_string(), "replication".to_string()];
    while start.elapsed() < SYNC_LIMIT {
        if let Ok(mut conn) = Conn::open(backend)
            && let Ok(Reply::Bulk(Some(text))) = conn.call(&info)
            && String::from_utf8_lossy(&text).contains("master_link_status:up")
        {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Err(KubeServerError::Replication {
        namespace: spec.namespace.clone(),
        pod: spec.pod.clone(),
        waited: SYNC_LIMIT,
    })
}

/// A RESP2 reply.
#[derive(Debug)]
enum Reply {
    Simple,
    Error(String),
    Int,
    Bulk(Option<Vec<u8>>),
    Array,
}

/// A blocking RESP connection over the server's unix socket, authenticated when needed.
struct Conn {
    reader: BufReader<UnixStream>,
    writer: UnixStream,
}

impl Conn {
    fn open(backend: &Backend) -> std::io::Result<Conn> {
        let stream = connect(backend.server.socket())?;
        let mut conn = Conn { reader: BufReader::new(stream.try_clone()?), writer: stream };
        if let Some(pw) = &backend.password
            && let Reply::Error(e) = conn.call(&["AUTH".into(), pw.clone()])?
        {
            return Err(std::io::Error::other(format!("AUTH: {e}")));
        }
        Ok(conn)
    }

    fn call(&mut self, args: &[String]) -> std::io::Result<Reply> {
        let mut out = format!("*{}\r\n", args.len()).into_bytes();
        for a in args {
            out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
            out.extend_from_slice(a.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        self.writer.write_all(&out)?;
        read_reply(&mut self.reader)
    }
}

fn connect(socket: &Path) -> std::io::Result<UnixStream> {
    let stream = UnixStream::connect(socket)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    stream.set_write_timeout(Some(Duration::from_secs(10)))?;
    Ok(stream)
}

fn read_reply(r: &mut impl BufRead) -> std::io::Result<Reply> {
    let mut line = String::new();
    if r.read_line(&mut line)? == 0 {
        return Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "connection closed"));
    }
    let line = line.trim_end_matches(['\r', '\n']);
    let bad = || std::io::Error::new(std::io::ErrorKind::InvalidData, format!("bad reply line {line:?}"));
    let (kind, rest) = line.split_at_checked(1).ok_or_else(bad)?;
    match kind {
        "+" => Ok(Reply::Simple),
        "-" => Ok(Reply::Error(rest.to_string())),
        ":" => Ok(Reply::Int),
        "$" => {
            let len: i64 = rest.parse().map_err(|_| bad())?;
            if len < 0 {
                return Ok(Reply::Bulk(None));
            }
            let mut buf = vec![0; usize::try_from(len).map_err(|_| bad())? + 2];
            r.read_exact(&mut buf)?;
            buf.truncate(buf.len() - 2);
            Ok(Reply::Bulk(Some(buf)))
        }
        "*" => {
            let len: i64 = rest.parse().map_err(|_| bad())?;
            for _ in 0..len.max(0) {
                read_reply(r)?;
            }
            Ok(Reply::Array)
        }
        _ => Err(bad()),
    }
}
