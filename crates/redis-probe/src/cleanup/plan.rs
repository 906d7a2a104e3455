//! The dry run: one SCAN pass that reads each candidate (TYPE, PTTL, MEMORY USAGE, and
//! OBJECT IDLETIME when asked) in the same pipeline as the next SCAN, so a batch costs one
//! round trip; nothing is written.

use std::{collections::BTreeMap, time::Instant};

use redis::Value;
use serde::Serialize;

use super::{
    Action, CleanupError, ExpireMode, Pace, Progress, Selection,
    pacer::Pacer,
    scan::{Scanner, error_text, parse_scan},
    server::ServerFacts,
};
use crate::{Probe, ProbeError, keys::display_key};

/// Keys shown in the plan.
pub const SAMPLE_KEYS: usize = 10;

/// What `--apply` would do, from a full read-only pass.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub selection: Selection,
    pub action: Action,
    pub pace: Pace,
    pub keys_scanned: u64,
    /// Keys whose name matched (each one is sent to the server when applying: what `--rate`
    /// paces).
    pub keys_by_name: u64,
    /// Keys matching the selection.
    pub keys_matched: u64,
    /// Of those, keys the action would change (an expire leaves keys that already have a TTL
    /// that is short enough).
    pub keys_to_change: u64,
    /// MEMORY USAGE of the keys to change (the server's estimate).
    pub bytes: u64,
    /// Per type: keys to change and their bytes.
    pub by_type: BTreeMap<String, TypeTally>,
    pub sample: Vec<SampleKey>,
    /// Time the writes take at `pace.rate`, which paces every key matched by name (`None`:
    /// unlimited rate).
    pub eta_secs: Option<f64>,
    /// Duration of this dry run.
    pub scan_secs: f64,
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TypeTally {
    pub keys: u64,
    pub bytes: u64,
}

/// One key the action would change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SampleKey {
    pub key: String,
    #[serde(rename = "type")]
    pub type_name: String,
    /// Seconds left; `None`: no TTL.
    pub ttl_secs: Option<i64>,
    pub bytes: u64,
    pub idle_secs: Option<u64>,
}

/// What one read says of one key.
struct Read {
    type_name: String,
    pttl: i64,
    bytes: u64,
    idle: Option<u64>,
}

/// The dry run. `progress` is called after each batch.
pub async fn plan(
    probe: &mut Probe,
    sel: &Selection,
    action: &Action,
    pace: &Pace,
    facts: &ServerFacts,
    progress: &mut dyn FnMut(Progress),
) -> Result<Plan, CleanupError> {
    super::check_selection(probe, sel, facts)?;
    let started = Instant::now();
    let idle = sel.idle_over_secs.is_some();
    let stride = if idle { 4 } else { 3 };
    let mut scanner = Scanner::new(sel, 0, pace.batch_for_rate());
    let mut pacer = Pacer::new(pace.rate);
    let mut plan = Plan {
        selection: sel.clone(),
        action: *action,
        pace: *pace,
        keys_scanned: 0,
        keys_by_name: 0,
        keys_matched: 0,
        keys_to_change: 0,
        bytes: 0,
        by_type: BTreeMap::new(),
        sample: Vec::new(),
        eta_secs: None,
        scan_secs: 0.0,
        notes: Vec::new(),
    };
    let types = sel.types.clone();
    let mut pending: Vec<Vec<u8>> = Vec::new();
    let mut first = true;
    loop {
        let mut p = redis::Pipeline::with_capacity(pending.len() * stride + 1);
        for k in &pending {
            p.cmd("TYPE").arg(k.as_slice());
            p.cmd("PTTL").arg(k.as_slice());
            p.cmd("MEMORY").arg("USAGE").arg(k.as_slice());
            if idle {
                p.cmd("OBJECT").arg("IDLETIME").arg(k.as_slice());
            }
        }
        let more = first || scanner.cursor != 0;
        if more {
            scanner.add_scan(&mut p);
        }
        if pending.is_empty() && !more {
            break;
        }
        p.ignore_errors();
        pacer.wait(pending.len() as u64).await;
        let mut replies: Vec<Value> = probe.pipe(&p, "SCAN").await?;
        let scan_reply = more.then(|| replies.pop()).flatten();
        for (key, r) in pending.iter().zip(replies.chunks(stride)) {
            let Some(read) = read_of(probe, r)? else { continue };
            if !read_matches(sel, &types, &read) {
                continue;
            }
            plan.keys_matched += 1;
            if !changes(action, read.pttl) {
                continue;
            }
            plan.keys_to_change += 1;
            plan.bytes += read.bytes;
            let t = plan.by_type.entry(read.type_name.clone()).or_default();
            t.keys += 1;
            t.bytes += read.bytes;
            if plan.sample.len() < SAMPLE_KEYS {
                plan.sample.push(SampleKey {
                    key: display_key(key),
                    type_name: read.type_name,
                    ttl_secs: (read.pttl >= 0).then_some(read.pttl / 1000),
                    bytes: read.bytes,
                    idle_secs: read.idle,
                });
            }
        }
        pending.clear();
        if let Some(v) = scan_reply {
            let (next, keys) = parse_scan(v).map_err(|reason| ProbeError::Command {
                target: probe.label.clone(),
                command: "SCAN".into(),
                reason,
            })?;
            plan.keys_scanned += keys.len() as u64;
            pending = keys.into_iter().filter(|k| scanner.name_matches(k)).collect();
            plan.keys_by_name += pending.len() as u64;
            scanner.cursor = next;
            first = false;
        }
        progress(Progress {
            keys_scanned: plan.keys_scanned,
            keys_matched: plan.keys_matched,
            keys_changed: 0,
            fraction: crate::keys::cursor_fraction(scanner.cursor),
        });
    }
    plan.eta_secs = pace.eta(plan.keys_by_name).map(|d| d.as_secs_f64());
    plan.scan_secs = started.elapsed().as_secs_f64();
    if facts.cluster() {
        plan.notes
            .push("cluster mode: only this node's keys were scanned; run the cleanup on every master".into());
    }
    Ok(plan)
}

/// One key's reads; `None` when it vanished between SCAN and the read.
fn read_of(probe: &Probe, r: &[Value]) -> Result<Option<Read>, CleanupError> {
    let text = |v: &Value| match v {
        Value::SimpleString(s) => Some(s.clone()),
        Value::BulkString(b) => Some(String::from_utf8_lossy(b).into_owned()),
        _ => None,
    };
    let int = |v: Option<&Value>| match v {
        Some(Value::Int(n)) => Some(*n),
        _ => None,
    };
    if let Some(e) = r.iter().find_map(error_text) {
        if e.contains("LFU") {
            return Err(CleanupError::IdleUnderLfu {
                target: probe.label.clone(),
                policy: "an LFU policy".into(),
            });
        }
        return Err(CleanupError::Probe(ProbeError::Command {
            target: probe.label.clone(),
            command: "TYPE/PTTL/MEMORY USAGE".into(),
            reason: e,
        }));
    }
    let type_name = r.first().and_then(text).unwrap_or_default();
    if type_name == "none" || type_name.is_empty() {
        return Ok(None);
    }
    let pttl = int(r.get(1)).unwrap_or(-1);
    if pttl == -2 {
        return Ok(None);
    }
    Ok(Some(Read {
        type_name,
        pttl,
        bytes: int(r.get(2)).and_then(|b| u64::try_from(b).ok()).unwrap_or(0),
        idle: int(r.get(3)).and_then(|b| u64::try_from(b).ok()),
    }))
}

fn read_matches(sel: &Selection, types: &[String], r: &Read) -> bool {
    (types.is_empty() || types.contains(&r.type_name))
        && (!sel.no_ttl || r.pttl == -1)
        && sel.idle_over_secs.is_none_or(|min| r.idle.is_some_and(|i| i >= min))
        && sel.larger_than_bytes.is_none_or(|min| r.bytes > min)
}

/// Whether the action changes a key with this PTTL (`-1`: none), as the guard script decides.
pub(crate) fn changes(action: &Action, pttl: i64) -> bool {
    match action {
        Action::Delete => true,
        Action::Expire { mode: ExpireMode::OnlyWithoutTtl, .. } => pttl == -1,
        Action::Expire { secs, mode: ExpireMode::Cap } => {
            pttl == -1 || pttl > i64::try_from(secs.saturating_mul(1000)).unwrap_or(i64::MAX)
        }
    }
}
