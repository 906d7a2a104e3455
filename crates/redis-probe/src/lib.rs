//! One live Redis over a given stream: typed INFO/CONFIG reads, live checks and a keyspace
//! scanner. Knows nothing of Kubernetes: the plugin hands it a URL or a connected stream (a
//! port-forward). Never changes keys; the commands with a side effect are the BGSAVE of
//! [`backup::bgsave_and_wait`], asked for before a cleanup or fix, and the `CONFIG SET` /
//! `CONFIG REWRITE` of [`fix::apply`], run only for `fix --apply`.

pub mod backup;
pub mod checks;
pub mod cleanup;
pub mod config;
pub mod connect;
pub mod fix;
pub mod info;
pub mod keys;
pub mod snapshot;
pub mod target;

pub use connect::{Probe, ProbeError, Timeouts};
pub use target::{Target, TargetError};
