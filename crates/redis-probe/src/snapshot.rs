//! Everything the live checks read from one server, in one round trip: `INFO all`, one
//! `CONFIG GET` per [`CONFIG_NAMES`] entry, `MEMORY STATS`, `MEMORY DOCTOR` and `ROLE`.
//!
//! Managed Redis often refuses some of these (CONFIG disabled or renamed on ElastiCache and
//! Memorystore, ACL users without `+@admin` or `+memory`), and a plain pipeline fails whole when
//! one command fails, so the pipeline is sent with `ignore_errors()` and each reply is judged
//! alone: a refused read is recorded in [`Snapshot::unavailable`] and the rest goes on. Only
//! INFO is required. Must not write to the server.

use std::collections::BTreeMap;

use redis::Value;
use serde::Serialize;

use crate::{
    config::{CONFIG_NAMES, ServerConfig},
    connect::{Probe, ProbeError},
    info::Info,
};

/// Everything read from one server in a few round trips. Commands that are refused (managed
/// Redis: CONFIG disabled or renamed, ACL NOPERM, MEMORY DOCTOR missing) are recorded in
/// `unavailable` and the rest goes on.
#[derive(Debug, Clone, Serialize)]
pub struct Snapshot {
    /// The target as shown to people ([`Probe::label`], no password).
    pub target: String,
    pub info: Info,
    /// `None` when every CONFIG GET was refused.
    pub config: Option<ServerConfig>,
    /// MEMORY STATS flattened: nested maps become dotted keys (`db.0.overhead.hashtable.main`);
    /// numbers sent as strings in RESP2 (`dataset.percentage`) become JSON numbers.
    pub memory_stats: Option<BTreeMap<String, serde_json::Value>>,
    /// MEMORY DOCTOR's text as the server wrote it.
    pub memory_doctor: Option<String>,
    /// First element of ROLE, normalised: `master`, `replica` or `sentinel` (Redis says
    /// `slave`; the names `primary`/`replica` are accepted too).
    pub role: Option<String>,
    /// What could not be read and why.
    pub unavailable: Vec<Unavailable>,
}

/// A read that failed without failing the snapshot.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Unavailable {
    /// The command, e.g. `CONFIG GET` or `MEMORY STATS`.
    pub what: String,
    /// One line: the server's error, prefixed with an explanation when the server refused it.
    pub reason: String,
}

impl Snapshot {
    /// Reads a snapshot in one pipelined round trip. Fails only when INFO cannot be read or
    /// the connection fails.
    pub async fn read(probe: &mut Probe) -> Result<Snapshot, ProbeError> {
        let mut pipe = redis::pipe();
        pipe.ignore_errors();
        pipe.cmd("INFO").arg("all");
        for name in CONFIG_NAMES {
            pipe.cmd("CONFIG").arg("GET").arg(*name);
        }
        pipe.cmd("MEMORY").arg("STATS").cmd("MEMORY").arg("DOCTOR").cmd("ROLE");
        let replies: Vec<redis::RedisResult<Value>> =
            probe.pipe(&pipe, "INFO, CONFIG GET, MEMORY STATS, MEMORY DOCTOR, ROLE").await?;
        let mut replies = replies.into_iter();
        let mut unavailable = Vec::new();
        let label = probe.label.clone();
        let mut failed = |what: &str, e: Result<redis::RedisError, String>| {
            unavailable.push(Unavailable { what: what.to_string(), reason: reason(&label, what, e) });
        };

        let info = match replies.next().map(|r| r.map(|v| text(&v))) {
            Some(Ok(Some(text))) => Info::parse(&text),
            // Asked again alone so the error is classified as for any command (LOADING, ...).
            _ => Info::parse(&probe.cmd::<String>(redis::cmd("INFO").arg("all")).await?),
        };

        let mut config_pairs = Vec::new();
        let mut config_errors = Vec::new();
        for name in CONFIG_NAMES {
            match replies.next() {
                Some(Ok(v)) => config_pairs.extend(pairs(&v)),
                Some(Err(e)) => config_errors.push((*name, Ok(e))),
                None => config_errors.push((*name, Err("no reply".to_string()))),
            }
        }
        let config = if config_errors.len() == CONFIG_NAMES.len() {
            if let Some((_, e)) = config_errors.into_iter().next() {
                failed("CONFIG GET", e);
            }
            None
        } else {
            for (name, e) in config_errors {
                failed(&format!("CONFIG GET {name}"), e);
            }
            Some(ServerConfig::from_pairs(config_pairs))
        };

        let mut next = |what: &str| match replies.next() {
            Some(Ok(v)) => Some(v),
            Some(Err(e)) => {
                failed(what, Ok(e));
                None
            }
            None => {
                failed(what, Err("no reply".into()));
                None
            }
        };
        let memory_stats = next("MEMORY STATS").map(|v| {
            let mut out = BTreeMap::new();
            flatten("", &v, &mut out, 0);
            out
        });
        let memory_doctor = next("MEMORY DOCTOR").and_then(|v| text(&v));
        let role = next("ROLE").and_then(|v| match v {
            Value::Array(items) => items.first().and_then(text).map(|r| normalise_role(&r)),
            other => text(&other).map(|r| normalise_role(&r)),
        });
        Ok(Snapshot {
            target: probe.label.clone(),
            info,
            config,
            memory_stats,
            memory_doctor,
            role,
            unavailable,
        })
    }
}

/// One line explaining why `what` failed; says so when the server refused it, which on
/// managed Redis is expected rather than a fault.
fn reason(label: &str, what: &str, e: Result<redis::RedisError, String>) -> String {
    let text = match e {
        // The server's own words (`NOPERM this user has no permissions ...`), as redis-cli
        // shows them; the library's Display renames the code (`NoPerm:`).
        Ok(e) => match (e.code(), e.detail()) {
            (Some(code), Some(detail)) => format!("{code} {detail}"),
            _ => e.to_string(),
        },
        Err(s) => s,
    };
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let err = ProbeError::Command { target: label.to_string(), command: what.to_string(), reason: text };
    match err {
        ProbeError::Command { ref reason, .. } if err.is_refused() => {
            format!("refused by the server (disabled, renamed or not allowed for this user): {reason}")
        }
        ProbeError::Command { reason, .. } => reason,
        other => other.to_string(),
    }
}

fn normalise_role(role: &str) -> String {
    match role.to_ascii_lowercase().as_str() {
        "master" | "primary" => "master".to_string(),
        "slave" | "replica" => "replica".to_string(),
        other => other.to_string(),
    }
}

/// A scalar reply as text.
fn text(v: &Value) -> Option<String> {
    match v {
        Value::BulkString(b) => Some(String::from_utf8_lossy(b).into_owned()),
        Value::SimpleString(s) => Some(s.clone()),
        Value::VerbatimString { text, .. } => Some(text.clone()),
        Value::Okay => Some("OK".to_string()),
        Value::Int(i) => Some(i.to_string()),
        Value::Double(d) => Some(d.to_string()),
        Value::Boolean(b) => Some(b.to_string()),
        Value::Attribute { data, .. } => text(data),
        _ => None,
    }
}

/// Name/value pairs from a flat RESP2 array (`[k1, v1, k2, v2]`) or a RESP3 map; `None` for
/// other shapes.
fn pair_values(v: &Value) -> Option<Vec<(&Value, &Value)>> {
    match v {
        Value::Array(items) if items.len() % 2 == 0 => {
            Some(items.chunks_exact(2).map(|kv| (&kv[0], &kv[1])).collect())
        }
        Value::Map(kv) => Some(kv.iter().map(|(k, v)| (k, v)).collect()),
        Value::Attribute { data, .. } => pair_values(data),
        _ => None,
    }
}

/// Text pairs of a CONFIG GET reply; entries that are not text are skipped.
fn pairs(v: &Value) -> Vec<(String, String)> {
    pair_values(v).unwrap_or_default().into_iter().filter_map(|(k, v)| Some((text(k)?, text(v)?))).collect()
}

/// Nesting deeper than MEMORY STATS uses (two levels) is kept as a JSON string of the reply.
const MAX_DEPTH: usize = 4;

/// Flattens a MEMORY STATS reply into dotted keys.
fn flatten(prefix: &str, v: &Value, out: &mut BTreeMap<String, serde_json::Value>, depth: usize) {
    let key = |k: &str| if prefix.is_empty() { k.to_string() } else { format!("{prefix}.{k}") };
    match (pair_values(v), v) {
        (Some(kv), Value::Array(_) | Value::Map(_) | Value::Attribute { .. }) if depth < MAX_DEPTH => {
            for (k, val) in kv {
                if let Some(k) = text(k) {
                    flatten(&key(&k), val, out, depth + 1);
                }
            }
        }
        _ if !prefix.is_empty() => {
            out.insert(prefix.to_string(), json(v));
        }
        _ => {}
    }
}

/// A scalar as JSON; numeric text becomes a number.
fn json(v: &Value) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        Value::Nil => J::Null,
        Value::Int(i) => J::from(*i),
        Value::Boolean(b) => J::Bool(*b),
        Value::Double(d) => serde_json::Number::from_f64(*d).map_or(J::Null, J::Number),
        Value::Array(items) | Value::Set(items) => J::Array(items.iter().map(json).collect()),
        other => match text(other) {
            Some(t) => t
                .parse::<i64>()
                .map(J::from)
                .ok()
                .or_else(|| t.parse::<u64>().ok().map(J::from))
                .or_else(|| t.parse::<f64>().ok().and_then(serde_json::Number::from_f64).map(J::Number))
                .unwrap_or(J::String(t)),
            None => J::String(format!("{other:?}")),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bulk(s: &str) -> Value {
        Value::BulkString(s.as_bytes().to_vec())
    }

    #[test]
    fn memory_stats_flatten_nested_dbs() {
        let reply = Value::Array(vec![
            bulk("peak.allocated"),
            Value::Int(100),
            bulk("db.0"),
            Value::Array(vec![bulk("overhead.hashtable.main"), Value::Int(96)]),
            bulk("dataset.percentage"),
            bulk("97.5"),
            bulk("allocator-fragmentation.ratio"),
            Value::Double(1.25),
            bulk("note"),
            bulk("text"),
        ]);
        let mut out = BTreeMap::new();
        flatten("", &reply, &mut out, 0);
        assert_eq!(out["peak.allocated"], serde_json::json!(100));
        assert_eq!(out["db.0.overhead.hashtable.main"], serde_json::json!(96));
        assert_eq!(out["dataset.percentage"], serde_json::json!(97.5));
        assert_eq!(out["allocator-fragmentation.ratio"], serde_json::json!(1.25));
        assert_eq!(out["note"], serde_json::json!("text"));
    }

    #[test]
    fn config_pairs_from_resp2_and_resp3() {
        let flat = Value::Array(vec![bulk("maxmemory"), bulk("0")]);
        let map = Value::Map(vec![(bulk("maxmemory-policy"), bulk("noeviction"))]);
        assert_eq!(pairs(&flat), [("maxmemory".to_string(), "0".to_string())]);
        assert_eq!(pairs(&map), [("maxmemory-policy".to_string(), "noeviction".to_string())]);
        assert!(pairs(&Value::Array(vec![bulk("odd")])).is_empty());
        assert_eq!(normalise_role("slave"), "replica");
    }
}
