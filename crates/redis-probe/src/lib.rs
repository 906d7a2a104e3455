//! One live Redis over a given stream: typed INFO/CONFIG reads, live checks and a keyspace
//! scanner. Knows nothing of Kubernetes: the plugin hands it a URL or a connected stream (a
//! port-forward). Never changes keys or config: the only command with a side effect is the
//! BGSAVE of [`backup::bgsave_and_wait`], asked for before a cleanup.

pub mod backup;
pub mod checks;
pub mod config;
pub mod connect;
pub mod info;
pub mod keys;
pub mod snapshot;
pub mod target;

pub use connect::{Probe, ProbeError, Timeouts};
pub use target::{Target, TargetError};
