//! A throw-away redis-server.

use std::{
    io::{Read, Write},
    os::unix::net::UnixStream,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("cannot start `{bin}`: {source} (install the Debian package redis-server)")]
    Spawn {
        bin: String,
        #[source]
        source: std::io::Error,
    },
    #[error("redis-server did not answer PING within {0:?}; its log:\n{1}")]
    NotReady(Duration, String),
    #[error("redis-server exited at start ({0}); its log:\n{1}")]
    Exited(String, String),
    #[error("temp dir or RDB copy: {0}")]
    TempDir(#[source] std::io::Error),
}

/// A running redis-server on a unix socket; stopped when dropped.
#[derive(Debug)]
pub struct RedisServer {
    child: Child,
    dir: tempfile::TempDir,
    socket: PathBuf,
}

impl RedisServer {
    /// Starts a server with default settings plus `extra` config arguments
    /// (e.g. `["--maxmemory", "100mb"]`).
    pub fn start(extra: &[&str]) -> Result<RedisServer, ServerError> {
        Self::spawn(None, None, extra)
    }

    /// Starts a server from a config file holding `config` (written to `redis.conf` in its
    /// temp dir, see [`RedisServer::config_file`]), plus `extra` arguments: for CONFIG REWRITE.
    pub fn start_with_config(config: &str, extra: &[&str]) -> Result<RedisServer, ServerError> {
        Self::spawn(None, Some(config), extra)
    }

    /// The config file of a server started with [`RedisServer::start_with_config`].
    pub fn config_file(&self) -> PathBuf {
        self.dir.path().join("redis.conf")
    }

    /// Starts a server that loads `rdb` (see [`RedisServer::save_rdb`]) slowly, `delay_us`
    /// microseconds per key, answering `-LOADING` meanwhile: returns as soon as it does.
    /// Redis 7.0+ and Valkey (6.2 has no `loading-process-events-interval-bytes`).
    pub fn start_loading(rdb: &Path, delay_us: u32) -> Result<RedisServer, ServerError> {
        let delay = delay_us.to_string();
        // Events are served only every `loading-process-events-interval-bytes` of the file
        // (2 MB by default): a small file would load without a single answer.
        let extra = ["--key-load-delay", &delay, "--loading-process-events-interval-bytes", "1024"];
        Self::spawn(Some(rdb), None, &extra)
    }

    /// `SAVE`s the dataset and returns the path of the RDB file written.
    pub fn save_rdb(&self) -> PathBuf {
        self.cli(&["SAVE"]);
        self.dir.path().join("dump.rdb")
    }

    fn spawn(rdb: Option<&Path>, config: Option<&str>, extra: &[&str]) -> Result<RedisServer, ServerError> {
        let bin = std::env::var("REDIS_SERVER_BIN").unwrap_or_else(|_| "redis-server".to_string());
        let dir = tempfile::tempdir().map_err(ServerError::TempDir)?;
        let socket = dir.path().join("redis.sock");
        let log = dir.path().join("redis.log");
        if let Some(rdb) = rdb {
            std::fs::copy(rdb, dir.path().join("dump.rdb")).map_err(ServerError::TempDir)?;
        }
        let mut cmd = Command::new(&bin);
        if let Some(text) = config {
            // The config file must be the first argument.
            let path = dir.path().join("redis.conf");
            std::fs::write(&path, text).map_err(ServerError::TempDir)?;
            cmd.arg(path);
        }
        cmd.arg("--port")
            .arg("0")
            .arg("--unixsocket")
            .arg(&socket)
            .arg("--unixsocketperm")
            .arg("700")
            .arg("--save")
            .arg("")
            .arg("--appendonly")
            .arg("no")
            .arg("--dir")
            .arg(dir.path())
            .arg("--logfile")
            .arg(&log)
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let child = cmd.spawn().map_err(|source| ServerError::Spawn { bin: bin.clone(), source })?;
        let mut server = RedisServer { child, dir, socket };
        server.wait_ready(Duration::from_secs(10), rdb.is_some())?;
        Ok(server)
    }

    fn wait_ready(&mut self, limit: Duration, loading_is_ready: bool) -> Result<(), ServerError> {
        let start = Instant::now();
        while start.elapsed() < limit {
            // A server that exited (a bad argument, a port taken) will never answer.
            if let Ok(Some(status)) = self.child.try_wait() {
                let log = std::fs::read_to_string(self.dir.path().join("redis.log")).unwrap_or_default();
                return Err(ServerError::Exited(status.to_string(), log));
            }
            if let Ok(mut s) = UnixStream::connect(&self.socket) {
                let _ = s.set_read_timeout(Some(Duration::from_millis(500)));
                let mut buf = [0u8; 64];
                // +PONG, or -NOAUTH with requirepass: the server is up. -LOADING: wait.
                if s.write_all(b"PING\r\n").is_ok()
                    && let Ok(n) = s.read(&mut buf)
                    && (buf[..n].starts_with(b"+PONG")
                        || buf[..n].starts_with(b"-NOAUTH")
                        || loading_is_ready && buf[..n].starts_with(b"-LOADING"))
                {
                    return Ok(());
                }
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let log = std::fs::read_to_string(self.dir.path().join("redis.log")).unwrap_or_default();
        Err(ServerError::NotReady(limit, log))
    }

    /// Path of the unix socket.
    pub fn socket(&self) -> &Path {
        &self.socket
    }

    /// `unix://` URL of the server.
    pub fn url(&self) -> String {
        format!("unix://{}", self.socket.display())
    }

    /// Runs a command with the installed `redis-cli` (for test set-up), returning its stdout.
    pub fn cli(&self, args: &[&str]) -> String {
        let out = Command::new("redis-cli").arg("-s").arg(&self.socket).args(args).output();
        match out {
            Ok(o) => String::from_utf8_lossy(&o.stdout).into_owned(),
            Err(e) => panic!("redis-cli: {e}"),
        }
    }

    /// Creates `n` string keys `prefix:<i>` in db `db` in one server-side loop (fast, any Redis
    /// version), each with a TTL of `ttl_secs` when it is over 0.
    pub fn fill(&self, db: u32, prefix: &str, n: u32, ttl_secs: u32) {
        let script = "for i=1,tonumber(ARGV[2]) do \
                      if tonumber(ARGV[3]) > 0 then redis.call('SET', ARGV[1]..i, 'v'..i, 'EX', ARGV[3]) \
                      else redis.call('SET', ARGV[1]..i, 'v'..i) end end return 1";
        let (db, key_prefix, n, ttl) =
            (db.to_string(), format!("{prefix}:"), n.to_string(), ttl_secs.to_string());
        let out = self.cli(&["-n", &db, "EVAL", script, "0", &key_prefix, &n, &ttl]);
        assert_eq!(out.trim(), "1", "fill {prefix}: {out}");
    }

    /// Process id, e.g. to restart or kill it in a test.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
