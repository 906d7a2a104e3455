//! `redis-audit audit`: the Redis and Valkey pods of a cluster through port-forwards (or pod
//! IPs inside the cluster), or one server with `--redis-url`; and `serve`, the same audit on a
//! loop behind a Prometheus `/metrics` endpoint.

mod cluster;
mod direct;
mod prometheus;
pub mod serve;
pub mod server;

use std::process::ExitCode;

use crate::cli::{AuditArgs, ColorWhen};

pub fn run(args: &AuditArgs, color: ColorWhen) -> anyhow::Result<ExitCode> {
    match &args.redis_url {
        Some(url) => direct::run(args, url, color),
        None => cluster::run(args, color),
    }
}
