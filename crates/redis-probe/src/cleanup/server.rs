//! What a cleanup needs to know about the server before it starts, in one round trip.

use redis::Value;

use crate::{Probe, ProbeError, info::Info};

/// The server's version, role, memory and CPU counters, and its eviction policy.
#[derive(Debug, Clone)]
pub struct ServerFacts {
    pub info: Info,
    /// `maxmemory-policy` (`None`: CONFIG GET refused).
    pub policy: Option<String>,
}

impl ServerFacts {
    pub async fn read(probe: &mut Probe) -> Result<ServerFacts, ProbeError> {
        let mut p = redis::pipe();
        for section in ["server", "replication", "memory", "cpu", "keyspace", "cluster"] {
            p.cmd("INFO").arg(section);
        }
        p.cmd("CONFIG").arg("GET").arg("maxmemory-policy");
        p.ignore_errors();
        let replies: Vec<Value> = probe.pipe(&p, "INFO").await?;
        let mut text = String::new();
        for v in &replies[..replies.len().saturating_sub(1)] {
            match v {
                Value::BulkString(b) => text.push_str(&String::from_utf8_lossy(b)),
                Value::VerbatimString { text: t, .. } => text.push_str(t),
                Value::ServerError(e) => {
                    return Err(ProbeError::Command {
                        target: probe.label.clone(),
                        command: "INFO".into(),
                        reason: format!("{e:?}"),
                    });
                }
                _ => {}
            }
            text.push('\n');
        }
        let policy = match replies.last() {
            Some(Value::Array(kv)) => config_value(kv),
            Some(Value::Map(kv)) => kv.first().and_then(|(_, v)| as_text(v)),
            _ => None,
        };
        Ok(ServerFacts { info: Info::parse(&text), policy })
    }

    /// `host:port` of the master when this server is a replica.
    pub fn replica_of(&self) -> Option<String> {
        crate::fix::replica_of(&self.info)
    }

    pub fn cluster(&self) -> bool {
        self.info.get("cluster_enabled") == Some("1")
    }

    /// `EXPIRE ... NX|LT`: Redis 7.0+, and every Valkey (forked from 7.2).
    pub fn has_expire_options(&self) -> bool {
        self.info.version().is_some_and(|(major, ..)| major >= 7)
    }

    pub fn used_memory(&self) -> Option<u64> {
        self.info.u64("used_memory")
    }

    /// Main-thread and background CPU seconds the server has used since it started.
    pub fn cpu_secs(&self) -> Option<f64> {
        Some(self.info.f64("used_cpu_sys")? + self.info.f64("used_cpu_user")?)
    }

    pub fn lfu(&self) -> bool {
        self.policy.as_deref().is_some_and(|p| p.contains("lfu"))
    }
}

fn config_value(kv: &[Value]) -> Option<String> {
    kv.get(1).and_then(as_text)
}

fn as_text(v: &Value) -> Option<String> {
    match v {
        Value::BulkString(b) => Some(String::from_utf8_lossy(b).into_owned()),
        Value::SimpleString(s) => Some(s.clone()),
        _ => None,
    }
}
