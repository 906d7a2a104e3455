//! `--apply`: one pipeline per batch carries the batch's writes and the next SCAN, so a batch
//! costs one round trip. Three ways to write, chosen once:
//!
//! - by name only (pattern, date) and delete: `UNLINK k1 .. kn`;
//! - by name only and expire on Redis 7+ / Valkey: `EXPIRE k ttl NX|LT` per key;
//! - otherwise the guard script (`guard.lua`), which re-checks type, TTL, idle time and size
//!   of each key and acts in the same atomic step: nothing changes that no longer matches.
//!
//! In cluster mode multi-key commands must stay in one hash slot, so each key goes alone.

use std::{
    sync::atomic::{AtomicBool, Ordering},
    time::Instant,
};

use redis::Value;
use serde::Serialize;

use super::{
    Action, CleanupError, ExpireMode, Progress, Selection,
    journal::{Journal, State, Work},
    pacer::Pacer,
    scan::{Scanner, error_text, parse_scan},
    server::ServerFacts,
};
use crate::{Probe, ProbeError, keys::Reconnect};

const GUARD: &str = include_str!("guard.lua");
/// One batch in this many also reads MEMORY USAGE of its keys, for the bytes estimate.
const MEASURE_EVERY: u64 = 16;
/// Keys per write command: a bigger batch is several commands in one pipeline, and the server
/// serves other clients between them, so one command never blocks it for long.
pub const WRITE_CHUNK: usize = 1000;

/// What an applied cleanup did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Outcome {
    pub keys_scanned: u64,
    /// Keys deleted or given a TTL.
    pub changed: u64,
    /// Keys that matched by name but, when the write came, no longer matched the rest of the
    /// selection (or already had the TTL): left alone.
    pub no_longer_matching: u64,
    /// Keys gone between SCAN and the write.
    pub gone: u64,
    /// Bytes freed (or to be freed at expiry), from the MEMORY USAGE of the keys changed in
    /// the measured batches.
    pub bytes_estimate: u64,
    pub batches: u64,
    pub duration_secs: f64,
    pub used_memory_before: Option<u64>,
    pub used_memory_after: Option<u64>,
    /// CPU seconds the server spent (all clients) while this ran.
    pub server_cpu_secs: Option<f64>,
    /// Stopped by Ctrl-C after a whole batch; the journal says where to resume.
    pub interrupted: bool,
    pub reconnects: u32,
    /// Resumed from a journal.
    pub resumed: bool,
}

/// Ctrl-C, progress and a way to reconnect.
pub struct Hooks<'a> {
    pub stop: &'a AtomicBool,
    pub progress: &'a mut dyn FnMut(Progress),
    pub reconnect: Option<Reconnect<'a>>,
}

impl std::fmt::Debug for Hooks<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Hooks")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Writer {
    Unlink,
    ExpireOption,
    Guard,
}

/// Runs the cleanup the journal describes, from its cursor, updating it as it goes.
pub async fn apply(
    probe: &mut Probe,
    journal: &mut Journal,
    facts: &ServerFacts,
    hooks: Hooks<'_>,
) -> Result<Outcome, CleanupError> {
    let Work::Keys { selection, action } = journal.work.clone() else {
        return Err(CleanupError::Usage("a trim preset runs through its own module".into()));
    };
    if let Some(master) = facts.replica_of() {
        return Err(CleanupError::Replica { target: probe.label.clone(), master });
    }
    super::check_selection(probe, &selection, facts)?;
    let Hooks { stop, progress, mut reconnect } = hooks;
    let resumed = journal.cursor != 0 || journal.changed != 0;
    journal.state = State::Running;
    if journal.used_memory_before.is_none() {
        journal.used_memory_before = facts.used_memory();
    }
    let writer = match action {
        Action::Delete if !selection.needs_reads() => Writer::Unlink,
        Action::Expire { .. } if !selection.needs_reads() && facts.has_expire_options() => {
            Writer::ExpireOption
        }
        _ => Writer::Guard,
    };
    let cluster = facts.cluster();
    let sha = if writer == Writer::Guard { Some(load_guard(probe).await?) } else { None };
    let started = Instant::now();
    let mut out = Outcome { used_memory_before: journal.used_memory_before, resumed, ..Outcome::default() };
    let mut scanner = Scanner::new(&selection, journal.cursor, journal.pace.batch_for_rate());
    let mut pacer = Pacer::new(journal.pace.rate);
    let ctx = BatchCtx { writer, action, sel: &selection, cluster, sha: sha.as_deref() };
    // `next`: the cursor to SCAN next (`None`: the pass is over); `pending`: keys to write.
    let mut next = Some(journal.cursor);
    let mut pending: Vec<Vec<u8>> = Vec::new();
    let mut batch_no: u64 = 0;
    loop {
        if pending.is_empty() && next.is_none() {
            break;
        }
        if stop.load(Ordering::SeqCst) {
            out.interrupted = true;
            break;
        }
        let measure = !pending.is_empty() && batch_no.is_multiple_of(MEASURE_EVERY);
        let mut p = redis::Pipeline::with_capacity(pending.len() * 2 + 1);
        let writes = ctx.add_writes(&mut p, &pending, measure);
        if let Some(c) = next {
            scanner.cursor = c;
            scanner.add_scan(&mut p);
        }
        p.ignore_errors();
        pacer.wait(pending.len() as u64).await;
        let mut replies: Vec<Value> = match probe.pipe(&p, "UNLINK/SCAN").await {
            Ok(r) => r,
            Err(e) => {
                // The connection dropped (server errors come back as values): reconnect once
                // and redo from the journal's cursor, which is before this batch.
                let Some(r) = reconnect.take() else {
                    return Err(fail(journal, e.into()));
                };
                *probe = match r().await {
                    Ok(p) => p,
                    Err(e2) => return Err(fail(journal, e2.into())),
                };
                out.reconnects += 1;
                if writer == Writer::Guard {
                    // A restarted server has forgotten the script.
                    load_guard(probe).await?;
                }
                next = Some(journal.cursor);
                pending.clear();
                continue;
            }
        };
        let scan_reply = next.is_some().then(|| replies.pop()).flatten();
        if let Err(e) = ctx.tally(probe, &replies, writes, measure, journal, &mut out) {
            return Err(fail(journal, e));
        }
        if !pending.is_empty() {
            batch_no += 1;
            out.batches += 1;
        }
        pending.clear();
        if let Some(v) = scan_reply {
            let sent = scanner.cursor;
            let (c, keys) = match parse_scan(v) {
                Ok(r) => r,
                Err(reason) => {
                    let e =
                        ProbeError::Command { target: probe.label.clone(), command: "SCAN".into(), reason };
                    return Err(fail(journal, e.into()));
                }
            };
            journal.keys_scanned += keys.len() as u64;
            out.keys_scanned += keys.len() as u64;
            pending = keys.into_iter().filter(|k| scanner.name_matches(k)).collect();
            journal.cursor = sent;
            next = (c != 0).then_some(c);
        }
        journal.bytes_estimate = bytes_estimate(journal);
        journal.save_soon()?;
        progress(Progress {
            keys_scanned: journal.keys_scanned,
            keys_matched: journal.changed,
            keys_changed: journal.changed,
            fraction: next.map_or(1.0, crate::keys::cursor_fraction),
        });
    }
    journal.state = if out.interrupted { State::Interrupted } else { State::Done };
    journal.bytes_estimate = bytes_estimate(journal);
    journal.save()?;
    out.changed = journal.changed;
    out.bytes_estimate = journal.bytes_estimate;
    out.duration_secs = started.elapsed().as_secs_f64();
    if let Some(after) = facts_after(probe).await {
        out.used_memory_after = after.used_memory();
        out.server_cpu_secs = match (facts.cpu_secs(), after.cpu_secs()) {
            (Some(a), Some(b)) => Some((b - a).max(0.0)),
            _ => None,
        };
    }
    Ok(out)
}

/// The server's figures once the objects UNLINK handed to the background thread are freed
/// (waiting up to 3 s for `lazyfree_pending_objects` to reach 0); `None` when INFO fails.
pub async fn facts_after(probe: &mut Probe) -> Option<ServerFacts> {
    let deadline = Instant::now() + std::time::Duration::from_secs(3);
    loop {
        let f = ServerFacts::read(probe).await.ok()?;
        if f.info.u64("lazyfree_pending_objects").unwrap_or(0) == 0 || Instant::now() > deadline {
            return Some(f);
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// Records the error in the journal (best effort) and hands it back.
fn fail(journal: &mut Journal, e: CleanupError) -> CleanupError {
    journal.state = State::Failed;
    journal.last_error = Some(e.to_string());
    let _ = journal.save();
    e
}

fn bytes_estimate(j: &Journal) -> u64 {
    if j.sampled_keys == 0 {
        return 0;
    }
    (j.sampled_bytes as f64 / j.sampled_keys as f64 * j.changed as f64).round() as u64
}

async fn load_guard(probe: &mut Probe) -> Result<String, CleanupError> {
    match probe.cmd::<String>(redis::cmd("SCRIPT").arg("LOAD").arg(GUARD)).await {
        Ok(sha) => Ok(sha),
        Err(e) => Err(CleanupError::ScriptingRefused { target: probe.label.clone(), reason: e.to_string() }),
    }
}

struct BatchCtx<'a> {
    writer: Writer,
    action: Action,
    sel: &'a Selection,
    cluster: bool,
    sha: Option<&'a str>,
}

/// How the replies of a batch's writes are laid out.
#[derive(Debug, Clone, Copy)]
struct Writes {
    keys: usize,
    /// Replies before the writes: one MEMORY USAGE per key when measured.
    measured: usize,
    /// Replies of the writes.
    replies: usize,
}

impl BatchCtx<'_> {
    fn add_writes(&self, p: &mut redis::Pipeline, keys: &[Vec<u8>], measure: bool) -> Writes {
        let mut w = Writes { keys: keys.len(), measured: 0, replies: 0 };
        if keys.is_empty() {
            return w;
        }
        if measure && self.writer != Writer::Guard {
            for k in keys {
                p.cmd("MEMORY").arg("USAGE").arg(k.as_slice());
            }
            w.measured = keys.len();
        }
        match self.writer {
            Writer::Unlink if self.cluster => {
                for k in keys {
                    p.cmd("UNLINK").arg(k.as_slice());
                }
                w.replies = keys.len();
            }
            Writer::Unlink => {
                for chunk in keys.chunks(WRITE_CHUNK) {
                    let c = p.cmd("UNLINK");
                    for k in chunk {
                        c.arg(k.as_slice());
                    }
                    w.replies += 1;
                }
            }
            Writer::ExpireOption => {
                let (secs, opt) = match self.action {
                    Action::Expire { secs, mode: ExpireMode::OnlyWithoutTtl } => (secs, "NX"),
                    Action::Expire { secs, mode: ExpireMode::Cap } => (secs, "LT"),
                    Action::Delete => (0, "NX"),
                };
                for k in keys {
                    p.cmd("EXPIRE").arg(k.as_slice()).arg(secs).arg(opt);
                }
                w.replies = keys.len();
            }
            Writer::Guard => {
                let groups: Vec<&[Vec<u8>]> =
                    keys.chunks(if self.cluster { 1 } else { WRITE_CHUNK }).collect();
                for g in &groups {
                    let c = p.cmd("EVALSHA").arg(self.sha.unwrap_or_default()).arg(g.len());
                    for k in *g {
                        c.arg(k.as_slice());
                    }
                    self.guard_args(c, measure);
                }
                w.replies = groups.len();
            }
        }
        w
    }

    fn guard_args(&self, c: &mut redis::Pipeline, measure: bool) {
        let (verb, secs, mode) = match self.action {
            Action::Delete => ("del", 0, "nx"),
            Action::Expire { secs, mode: ExpireMode::OnlyWithoutTtl } => ("expire", secs, "nx"),
            Action::Expire { secs, mode: ExpireMode::Cap } => ("expire", secs, "cap"),
        };
        let types =
            if self.sel.types.is_empty() { String::new() } else { format!(",{},", self.sel.types.join(",")) };
        let signed = |v: Option<u64>| v.map_or(-1, |n| i64::try_from(n).unwrap_or(i64::MAX));
        c.arg(verb)
            .arg(secs)
            .arg(mode)
            .arg(types)
            .arg(if self.sel.no_ttl { "1" } else { "0" })
            .arg(signed(self.sel.idle_over_secs))
            .arg(signed(self.sel.larger_than_bytes))
            .arg(if measure { "1" } else { "0" });
    }

    /// Adds a batch's replies to the journal and the outcome.
    fn tally(
        &self,
        probe: &Probe,
        replies: &[Value],
        w: Writes,
        measure: bool,
        journal: &mut Journal,
        out: &mut Outcome,
    ) -> Result<(), CleanupError> {
        let refused = |reason: String| -> CleanupError {
            if reason.starts_with("READONLY") {
                CleanupError::ReadOnly { target: probe.label.clone(), reason }
            } else if reason.starts_with("NOSCRIPT") {
                CleanupError::ScriptingRefused { target: probe.label.clone(), reason }
            } else {
                CleanupError::Probe(ProbeError::Command {
                    target: probe.label.clone(),
                    command: match self.writer {
                        Writer::Unlink => "UNLINK",
                        Writer::ExpireOption => "EXPIRE",
                        Writer::Guard => "EVALSHA (guard script)",
                    }
                    .into(),
                    reason,
                })
            }
        };
        let int = |v: &Value| match v {
            Value::Int(n) => u64::try_from(*n).unwrap_or(0),
            _ => 0,
        };
        let sizes = replies.get(..w.measured).unwrap_or_default();
        let writes = replies.get(w.measured..w.measured + w.replies).unwrap_or_default();
        if let Some(e) = writes.iter().find_map(error_text) {
            return Err(refused(e));
        }
        match self.writer {
            Writer::Unlink => {
                let deleted: u64 = writes.iter().map(int).sum();
                journal.changed += deleted;
                out.gone += (w.keys as u64).saturating_sub(deleted);
                if measure {
                    journal.sampled_keys += sizes.len() as u64;
                    journal.sampled_bytes += sizes.iter().map(int).sum::<u64>();
                }
            }
            Writer::ExpireOption => {
                for (i, v) in writes.iter().enumerate() {
                    if int(v) == 1 {
                        journal.changed += 1;
                        if measure {
                            journal.sampled_keys += 1;
                            journal.sampled_bytes += sizes.get(i).map_or(0, int);
                        }
                    } else {
                        out.no_longer_matching += 1;
                    }
                }
            }
            Writer::Guard => {
                for v in writes {
                    let Value::Array(parts) = v else { continue };
                    let n = |i: usize| parts.get(i).map_or(0, int);
                    journal.changed += n(0);
                    out.no_longer_matching += n(2);
                    out.gone += n(3);
                    if measure {
                        journal.sampled_keys += n(0);
                        journal.sampled_bytes += n(1);
                    }
                }
            }
        }
        Ok(())
    }
}
