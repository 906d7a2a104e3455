//! `redis-audit audit`: the Redis and Valkey pods of a cluster through port-forwards, or one
//! server with `--redis-url`.

mod cluster;
mod direct;
mod prometheus;
pub mod server;

use std::process::ExitCode;

use crate::cli::{AuditArgs, ColorWhen};

pub fn run(args: &AuditArgs, color: ColorWhen) -> anyhow::Result<ExitCode> {
    match &args.redis_url {
        Some(url) => direct::run(args, url, color),
        None => cluster::run(args, color),
    }
}
