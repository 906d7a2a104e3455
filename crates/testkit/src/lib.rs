//! For tests and benches only: real servers, never mocks.
//!
//! [`RedisServer`] starts the `redis-server` found on `PATH` (or `$REDIS_SERVER_BIN`, e.g. a
//! valkey-server) on a unix socket in a private temp dir, with persistence off, waits until it
//! answers PING and kills it by pid when dropped. Never a fixed TCP port: a shared machine may
//! run other Redis servers.
//!
//! [`KubeApiServer`] is a Kubernetes API server for tests and `redis-audit demo`: pods,
//! secrets and events from YAML, served to kubectl and kube-rs, with WebSocket port-forward
//! to a real redis-server per pod (see the [`kube`] module).

#![allow(clippy::print_stderr)]

pub mod kube;
mod redis_server;
mod relay;
mod tcp;
mod workloads;

pub use kube::{KubeApiServer, KubeServerError, LoggedRequest};
pub use redis_server::{RedisServer, ServerError};
pub use relay::{LatencyRelay, Upstream, parse_delay};
pub use workloads::{python, skip_notice, workloads_dir};
