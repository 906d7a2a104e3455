//! Applying a [`FixPlan`]: `CONFIG SET` each change, `CONFIG GET` to verify, and `CONFIG
//! REWRITE` only when the server was started from a config file (INFO server `config_file`
//! non-empty; without one REWRITE fails with "The server is running without a config file").
//!
//! Refuses a replica: its settings come from whoever manages it, and a read-only replica is
//! not where a fix belongs; the error names the master from INFO replication. The caller takes
//! the backup before calling [`apply`].

use serde::Serialize;

use super::FixPlan;
use crate::{Probe, ProbeError, info::Info};

/// What was changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Applied {
    /// `(parameter, value)` set and read back equal.
    pub set: Vec<(String, String)>,
    pub rewrite: Rewrite,
}

/// Whether the change was persisted to the server's config file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Rewrite {
    /// Nothing was changed, so nothing to persist.
    NotNeeded,
    /// No config file (started with arguments only): live until the next restart.
    NoConfigFile,
    /// `CONFIG REWRITE` wrote this file.
    Rewritten { path: String },
    /// `CONFIG REWRITE` failed (file not writable, read-only mount): live only.
    Failed { path: String, reason: String },
}

/// Why applying failed. Display is one line without the password.
#[derive(Debug, thiserror::Error)]
pub enum FixError {
    #[error(
        "{target} is a replica of {master}: refusing to change a replica; run fix against the master ({master}), or change the replicas through their deployment's config"
    )]
    Replica { target: String, master: String },
    #[error("{target}: CONFIG is disabled or renamed ({reason}): cannot apply; use the values patch instead")]
    ConfigRefused { target: String, reason: String },
    #[error("{target}: after CONFIG SET {name} {wanted}, CONFIG GET says `{got}`")]
    NotVerified { target: String, name: String, wanted: String, got: String },
    #[error(transparent)]
    Probe(#[from] ProbeError),
}

/// `host:port` of the master when INFO replication says this server is a replica.
pub fn replica_of(info: &Info) -> Option<String> {
    let role = info.get("role")?;
    if role != "slave" && role != "replica" {
        return None;
    }
    let host = info.get("master_host").unwrap_or("?");
    let port = info.get("master_port").unwrap_or("?");
    Some(format!("{host}:{port}"))
}

/// Sets, verifies and (where a config file is in use) persists `plan`'s changes.
pub async fn apply(probe: &mut Probe, plan: &FixPlan) -> Result<Applied, FixError> {
    let target = probe.label.clone();
    // Plain INFO (default sections: server, replication, ...): several section names in one
    // call need Redis 7.0.
    let info = Info::parse(&probe.cmd::<String>(&redis::cmd("INFO")).await?);
    if let Some(master) = replica_of(&info) {
        return Err(FixError::Replica { target, master });
    }
    if plan.changes.is_empty() {
        return Ok(Applied { set: Vec::new(), rewrite: Rewrite::NotNeeded });
    }
    let mut set = Vec::new();
    for (name, value) in &plan.changes {
        let r: Result<String, ProbeError> =
            probe.cmd(redis::cmd("CONFIG").arg("SET").arg(name).arg(value)).await;
        match r {
            Ok(_) => {}
            Err(e) if e.is_refused() => {
                return Err(FixError::ConfigRefused { target, reason: first_reason(&e) });
            }
            Err(e) => return Err(e.into()),
        }
        // A flat array in RESP2, a map in RESP3: both convert to a map.
        let got: std::collections::HashMap<String, String> =
            probe.cmd(redis::cmd("CONFIG").arg("GET").arg(name)).await?;
        let got = got.get(name.as_str()).cloned().unwrap_or_default();
        if got != *value {
            return Err(FixError::NotVerified { target, name: name.clone(), wanted: value.clone(), got });
        }
        set.push((name.clone(), value.clone()));
    }
    let config_file = info.get("config_file").unwrap_or("").trim().to_string();
    let rewrite = if config_file.is_empty() {
        Rewrite::NoConfigFile
    } else {
        match probe.cmd::<String>(redis::cmd("CONFIG").arg("REWRITE")).await {
            Ok(_) => Rewrite::Rewritten { path: config_file },
            Err(e) => Rewrite::Failed { path: config_file, reason: first_reason(&e) },
        }
    };
    Ok(Applied { set, rewrite })
}

fn first_reason(e: &ProbeError) -> String {
    match e {
        ProbeError::Command { reason, .. } => reason.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replica_names_its_master() {
        let info = Info::parse("# Replication\r\nrole:slave\r\nmaster_host:10.0.0.5\r\nmaster_port:6380\r\n");
        assert_eq!(replica_of(&info).as_deref(), Some("10.0.0.5:6380"));
        assert_eq!(replica_of(&Info::parse("# Replication\r\nrole:master\r\n")), None);
    }
}
