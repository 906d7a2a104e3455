//! Verified backups, taken before any destructive `--apply` (DESIGN.md, "Safety rules"):
//!
//! - [`stream_rdb`] / [`stream_rdb_to`]: an RDB snapshot streamed to a local file through the
//!   replication handshake, as `redis-cli --rdb` does; the file appears at its path only once
//!   it is complete, fsynced and checked (magic, version, length, trailing EOF opcode).
//! - [`bgsave_and_wait`]: BGSAVE on the server, verified by LASTSAVE advancing and
//!   `rdb_last_bgsave_status:ok`.
//!
//! A failed backup is an error the caller must treat as "do not clean up". Nothing here
//! deletes or changes keys, and errors are one line without the password.

mod bgsave;
mod rdb_file;
mod rdb_stream;

use std::{path::PathBuf, time::Duration};

pub use bgsave::bgsave_and_wait;
pub use rdb_stream::{stream_rdb, stream_rdb_to};

use crate::ProbeError;

/// An RDB snapshot written to a local file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RdbBackup {
    pub path: PathBuf,
    /// Size of the file written (the RDB payload, without any diskless EOF mark).
    pub bytes: u64,
    /// From the header (`REDIS0011` is 11).
    pub rdb_version: u32,
    /// The server streamed it without a file of its own (`repl-diskless-sync yes`): the length
    /// was not known beforehand and completeness comes from the 40-byte end mark.
    pub diskless: bool,
    pub duration: Duration,
}

/// A BGSAVE that finished and succeeded on the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BgsaveBackup {
    /// LASTSAVE after our save (unix seconds).
    pub lastsave: i64,
    /// Size of the RDB file on the server. No Redis (up to 7.x) or Valkey (up to 8.1) reports it
    /// in INFO, so this is `None` for now; the file stays on the server's disk.
    pub rdb_bytes: Option<u64>,
    /// Whether a save already running when we asked had to finish before ours could start.
    pub waited_for_running_save: bool,
    pub duration: Duration,
}

/// Why a backup failed. Display is one line, names the target (never its password) and, for
/// streamed backups, says that nothing was left at the output path.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{target}: cannot connect for the RDB backup: {reason}")]
    Connect { target: String, reason: String },
    #[error("{target}: {reason}")]
    Auth { target: String, reason: String },
    #[error("{target}: the server refused `{command}` for the RDB backup: {reason}")]
    Refused { target: String, command: String, reason: String },
    #[error("{target}: RDB stream {reason}; no backup written to {path}")]
    Stream { target: String, path: String, reason: String },
    #[error(
        "{target}: RDB stream stalled: nothing received for {secs} s {stage}; no backup written to {path}"
    )]
    Timeout { target: String, path: String, stage: String, secs: u64 },
    #[error("{target}: the RDB received is not valid: {reason}; no backup written to {path}")]
    Invalid { target: String, path: String, reason: String },
    #[error("{target}: cannot write the backup to {path}: {reason}")]
    Write { target: String, path: String, reason: String },
    #[error("{target}: BGSAVE failed: {reason}")]
    Bgsave { target: String, reason: String },
    #[error(
        "{target}: BGSAVE did not finish within {secs:.1} s (the server goes on saving, but no backup is verified)"
    )]
    BgsaveTimeout { target: String, secs: f64 },
    #[error(transparent)]
    Probe(#[from] ProbeError),
}

/// A server message made safe to show: one line, the password replaced.
fn one_line(text: &str, secret: Option<&str>) -> String {
    let text = match secret {
        Some(p) if !p.is_empty() => text.replace(p, "***"),
        _ => text.to_string(),
    };
    text.split(['\r', '\n']).map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    #[test]
    fn server_text_is_one_line_without_the_password() {
        assert_eq!(super::one_line("ERR bad\r\nhunter2 here\n", Some("hunter2")), "ERR bad *** here");
        assert_eq!(super::one_line("plain", None), "plain");
    }
}
