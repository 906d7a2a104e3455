//! A throw-away redis-server that also listens on a free TCP port of 127.0.0.1, for clients
//! that only speak TCP (the workload generators, benchmark peers).

use crate::{RedisServer, ServerError};

impl RedisServer {
    /// Starts a server on the unix socket as [`RedisServer::start`] does, plus
    /// `127.0.0.1:<free port>`; returns the port. The port is found by binding port 0 and
    /// closing it, so another process may take it first: then this retries with a new one.
    pub fn start_tcp(extra: &[&str]) -> Result<(RedisServer, u16), ServerError> {
        let mut last = None;
        for _ in 0..5 {
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .map_err(ServerError::TempDir)?
                .port();
            let port_s = port.to_string();
            let mut args = vec!["--port", port_s.as_str(), "--bind", "127.0.0.1"];
            args.extend_from_slice(extra);
            match RedisServer::start(&args) {
                Ok(s) => return Ok((s, port)),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or(ServerError::NotReady(std::time::Duration::ZERO, String::new())))
    }
}
