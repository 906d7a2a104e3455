//! The scan loop: one pipelined round trip per batch, with the next SCAN sent before the
//! server has finished the current batch's reads.
//!
//! Per batch the client sends `SCAN <next cursor>` and the pipeline `MEMORY USAGE k` /
//! `TYPE k` / `PTTL k` (/ `OBJECT IDLETIME k`) for the keys the previous SCAN returned, so
//! the following batch is on the wire while the server still works on this one's reads and
//! while the client folds in the replies: the server never waits for the client, and wall
//! time approaches the server's own CPU time (redis-audit-anchors §5.5).
//!
//! The SCANs run in a task of their own ([`scan_chain`]), each sent the moment the previous
//! reply is in, so the chain never waits for the loop that builds pipelines and folds
//! replies. On a keyspace big enough to matter, the reads also go over a second connection
//! (opened with the caller's reconnect function) with up to [`DEPTH_TWO`] read pipelines in
//! flight, so the SCANs no longer queue behind them either: small batches
//! ([`super::batch`]) then keep the server as busy as batches of 1000 did, while other
//! clients wait behind much shorter commands (the server's longest event-loop turns halve,
//! bench/RESULTS.md). With one connection (none offered, or it failed), each SCAN is sent
//! ahead of the previous batch's reads and at most two read pipelines are in flight.
//!
//! Keys deleted or expired between SCAN and the reads answer nil / `none` / -2 and are
//! counted as vanished, never as data. Any failure after the first batch (connection lost,
//! server restarted, timeout) ends the scan with a partial report that says so.

use std::{
    collections::VecDeque,
    sync::{
        Arc,
        atomic::{AtomicU32, AtomicU64, Ordering},
    },
    time::Instant,
};

use redis::{Value, aio::MultiplexedConnection};
use tokio::sync::oneshot;

use super::{
    DEFAULT_COUNT, Progress, ScanOptions,
    aggregate::{Aggregates, KeyRead},
    batch::BatchSize,
    cursor_fraction,
    fingerprints::{Totals, framework_reports},
    report::{DbReport, KeysReport, SampleInfo},
    retention,
    role::guess_role,
    top::TopKey,
    ttl::Ttl,
};
use crate::{Probe, ProbeError};

type Reply<T> = oneshot::Receiver<redis::RedisResult<T>>;
/// A batch's keys and the pending reply to their reads.
type Pending = VecDeque<(u64, Vec<Vec<u8>>, Reply<Vec<Value>>)>;

/// Keyspaces from this size on get a second connection for the reads; below it the scan
/// takes a fraction of a second and a connection (a port-forward stream) is not worth it.
const TWO_CONNECTIONS_FROM: u64 = 50_000;
/// Read pipelines in flight with a read connection of its own: enough that a stall of the
/// client (a descheduled thread) does not leave the server idle.
const DEPTH_TWO: usize = 4;
/// The name the read connection shows in CLIENT LIST.
const READER_NAME: &str = "redis-audit-reads";

/// Scans the keyspace of the server behind `probe` and reports on it.
///
/// `progress` is called after each batch. Errors before the first batch (SCAN refused,
/// connection lost) are returned; later ones give a report with `partial` set. The probe's
/// selected db is restored at the end.
pub async fn scan(
    probe: &mut Probe,
    opts: &ScanOptions,
    progress: &mut dyn FnMut(super::Progress),
) -> Result<KeysReport, ProbeError> {
    scan_resumable(probe, opts, progress, None).await
}

/// What a [`Reconnect`] returns: a new connection to the same server.
pub type ReconnectFuture =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<Probe, ProbeError>> + Send>>;

/// Opens a new connection to the same server, for [`scan_resumable`]: once for the reads of a
/// big keyspace, and once more to resume after a drop.
pub type Reconnect<'a> = &'a mut (dyn FnMut() -> ReconnectFuture + Send);

/// As [`scan`], but with a way to open more connections to the server. A keyspace of
/// [`TWO_CONNECTIONS_FROM`] keys or more (without `--rate`) gets a second connection for the
/// per-key reads (see the module doc). When a connection drops mid-scan (a Kubernetes
/// port-forward closing), the scan reconnects once and goes on from the cursor of the oldest
/// batch not yet read, so no key is counted twice or skipped; a second drop gives a partial
/// report.
pub async fn scan_resumable(
    probe: &mut Probe,
    opts: &ScanOptions,
    progress: &mut dyn FnMut(super::Progress),
    mut reconnect: Option<Reconnect<'_>>,
) -> Result<KeysReport, ProbeError> {
    let label = probe.label.clone();
    // One round trip: the keyspace, cluster mode, and the db selected (CLIENT INFO, 6.2+; an
    // error or an older server means db 0).
    let mut first = redis::pipe();
    first.cmd("INFO").arg("keyspace").cmd("INFO").arg("cluster").cmd("CLIENT").arg("INFO").ignore_errors();
    let replies: Vec<Value> = probe.pipe(&first, "INFO keyspace").await?;
    let text = |v: Option<&Value>| match v {
        Some(Value::BulkString(b)) => Some(String::from_utf8_lossy(b).into_owned()),
        Some(Value::VerbatimString { text, .. }) => Some(text.clone()),
        Some(Value::SimpleString(s)) => Some(s.clone()),
        _ => None,
    };
    let Some(keyspace_text) = text(replies.first()) else {
        // INFO refused or renamed: ask alone so the error says why, as any command's would.
        let _: String = probe.cmd(redis::cmd("INFO").arg("keyspace")).await?;
        return Err(ProbeError::Command {
            target: label,
            command: "INFO keyspace".into(),
            reason: "unexpected reply".into(),
        });
    };
    let keyspace = parse_keyspace(&keyspace_text);
    let cluster = text(replies.get(1)).is_some_and(|t| t.lines().any(|l| l.trim() == "cluster_enabled:1"));
    let home_db = text(replies.get(2))
        .and_then(|info| info.split_whitespace().find_map(|f| f.strip_prefix("db=")?.parse().ok()))
        .unwrap_or(0);
    let mut notes = Vec::new();
    let mut dbs: Vec<u32> = match &opts.dbs {
        Some(d) => d.clone(),
        None => keyspace.iter().map(|(db, _)| *db).collect(),
    };
    let cluster_note = cluster.then(|| {
        "cluster mode: only the keys of this node (db 0) were scanned; scan every master for the whole cluster".to_string()
    });
    if cluster {
        if dbs.iter().any(|d| *d != 0) {
            notes.push("cluster mode has only db 0; other dbs were skipped".into());
        }
        dbs = vec![0];
    }
    let fixed = opts.count.unwrap_or(DEFAULT_COUNT);
    let mut batch = match opts.rate {
        // Keep bursts to ~100 ms of the allowed rate.
        Some(rate) => BatchSize::fixed(fixed.min(u32::try_from(rate / 10).unwrap_or(u32::MAX).max(10))),
        None => BatchSize::fixed(fixed),
    };
    let keys_at_start = |db: u32| keyspace.iter().find(|(d, _)| *d == db).map_or(0, |(_, n)| *n);
    let total_at_start: u64 = dbs.iter().map(|d| keys_at_start(*d)).sum();
    // A rate-limited scan is paced by the limit, not by round trips: one connection does.
    let mut reader: Option<Probe> = None;
    if opts.rate.is_none()
        && opts.sample.map_or(total_at_start, |s| s.min(total_at_start)) >= TWO_CONNECTIONS_FROM
        && let Some(open) = reconnect.as_deref_mut()
    {
        match open_reader(open, None).await {
            Ok(p) => {
                if opts.count.is_none() {
                    batch = BatchSize::adaptive();
                }
                reader = Some(p);
            }
            Err(e) => notes.push(format!(
                "a second connection for the per-key reads could not be opened ({e}); the scan used one, at SCAN COUNT {fixed}"
            )),
        }
    }
    let mut agg = Aggregates::new(opts);
    let mut run = Run {
        con: probe.connection().clone(),
        reader: reader.as_mut().map(|r| r.connection().clone()),
        queued: Arc::new(AtomicU64::new(0)),
        label: label.clone(),
        opts,
        batch,
        started: Instant::now(),
        requested: 0,
        read: 0,
        total_at_start,
        done_before: 0,
        current_keys: 0,
        partial: None,
        errors: Errors::default(),
        sent_in_db: 0,
    };
    let mut selected = home_db;
    let mut resumed = false;
    let mut db_reports = Vec::new();
    let mut top_all: Vec<TopKey> = Vec::new();
    let mut big_all: Vec<TopKey> = Vec::new();
    for (i, db) in dbs.iter().copied().enumerate() {
        if !cluster && db != selected {
            match probe.cmd::<()>(redis::cmd("SELECT").arg(db)).await {
                Ok(()) => selected = db,
                Err(e) if i == 0 => return Err(e),
                Err(e) => {
                    run.partial = Some(e.to_string());
                    break;
                }
            }
        }
        if let Some(r) = reader.as_mut()
            && !cluster
            && let Err(e) = r.select(db).await
        {
            notes.push(format!(
                "the read connection failed ({e}); from db {db} on, the reads shared the SCAN connection"
            ));
            run.one_connection(&mut reader);
        }
        let at_start = keys_at_start(db);
        let budget = opts.sample.filter(|s| *s < total_at_start).map(|s| {
            // Spread the sample over the dbs by size, at least one batch each.
            let share = (u128::from(s) * u128::from(at_start)).div_ceil(u128::from(total_at_start.max(1)));
            u64::try_from(share).unwrap_or(u64::MAX).max(1)
        });
        run.current_keys = at_start;
        let mut outcome = run.db(db, budget, 0, &mut agg, progress).await;
        if let Err(e) = &outcome
            && e.resume_from.is_some()
            && run.read > 0
            && !resumed
            && let Some(again) = reconnect.as_deref_mut()
        {
            resumed = true;
            let cursor = e.resume_from.unwrap_or(0);
            let first = e.to_string();
            match again().await {
                Ok(mut fresh) => {
                    let selected_ok = cluster || fresh.select(db).await.is_ok();
                    if selected_ok {
                        notes.push(format!("{first}; reconnected and resumed db {db} from cursor {cursor}"));
                        run.con = fresh.connection().clone();
                        *probe = fresh;
                        selected = db;
                        if reader.is_some() {
                            // The read connection went down with the other (one port-forward, one
                            // server); open it again, or go on with one.
                            reader = open_reader(again, (!cluster).then_some(db)).await.ok();
                            match reader.as_mut() {
                                Some(r) => run.reader = Some(r.connection().clone()),
                                None => run.one_connection(&mut reader),
                            }
                        }
                        let left = budget.map(|b| b.saturating_sub(run.sent_in_db));
                        outcome = run.db(db, left, cursor, &mut agg, progress).await;
                    }
                }
                Err(e2) => notes.push(format!("{first}; reconnecting failed: {e2}")),
            }
        }
        run.done_before += at_start;
        if let Err(e) = &outcome
            && run.read == 0
            && db_reports.is_empty()
        {
            return Err(e.to_probe_error());
        }
        let (complete, fraction) = match &outcome {
            Ok(o) => (o.complete, o.fraction),
            Err(e) => {
                run.partial = Some(e.to_string());
                (false, 0.0)
            }
        };
        let scanned = agg.dbs.get(&db).copied().unwrap_or_default();
        let fraction_scanned = if complete {
            1.0
        } else if opts.pattern.is_none() && at_start > 0 {
            (scanned.keys as f64 / at_start as f64).min(1.0)
        } else {
            fraction
        };
        let estimated = (!complete && run.partial.is_none() && fraction_scanned > 0.0)
            .then(|| scale(&scanned, fraction_scanned));
        // Finish the db's top candidates while it is still selected.
        let (top, big) = super::finish::finish_db(&mut run, db, &mut agg).await;
        top_all.extend(top);
        big_all.extend(big);
        db_reports.push(DbReport {
            db,
            keys_at_start: at_start,
            scanned,
            complete,
            fraction_scanned,
            estimated,
        });
        if run.partial.is_some() {
            break;
        }
    }
    if selected != home_db && run.partial.is_none() {
        // Give the probe back as it was: later checks read the db the user asked for.
        let _ = probe.cmd::<()>(redis::cmd("SELECT").arg(home_db)).await;
    }
    top_all.sort_by(|a, b| b.bytes.cmp(&a.bytes).then(a.db.cmp(&b.db)).then_with(|| a.key.cmp(&b.key)));
    top_all.truncate(opts.top);
    notes.extend(run.errors.notes());
    if opts.exact_top_max_elements > 0 && opts.top > 0 {
        notes.push(format!(
            "top keys were measured again: exactly (MEMORY USAGE SAMPLES 0) up to {} elements, otherwise with more \
             samples; other sizes are MEMORY USAGE SAMPLES {} estimates",
            opts.exact_top_max_elements,
            opts.effective_samples()
        ));
    }
    if let Some(p) = &opts.pattern {
        notes.push(format!("only keys matching `{p}` were scanned"));
    }
    notes.push("SCAN may return a key twice if the server resizes its hash table during the scan".into());

    agg.fingerprints.settle();
    let mut totals = Totals::default();
    for d in &db_reports {
        totals.merge(&d.scanned);
    }
    let sampled = db_reports.iter().any(|d| d.estimated.is_some());
    let estimated_totals = sampled.then(|| {
        let mut t = Totals::default();
        for d in &db_reports {
            t.merge(d.estimated.as_ref().unwrap_or(&d.scanned));
        }
        t
    });
    let sample = match (opts.sample, sampled) {
        (Some(requested), true) => {
            let expected: u64 = db_reports.iter().map(|d| d.keys_at_start).sum();
            let fraction = if expected > 0 { (totals.keys as f64 / expected as f64).min(1.0) } else { 1.0 };
            Some(SampleInfo {
                requested_keys: requested,
                scanned_keys: totals.keys,
                fraction,
                note: format!(
                    "sampled {:.1}% of the keys; per-db `estimated` totals are the sample divided by the fraction scanned; \
                     top keys, patterns and frameworks cover the sample only",
                    fraction * 100.0
                ),
            })
        }
        _ => None,
    };
    let frameworks = framework_reports(&agg.fingerprints);
    let role = guess_role(&frameworks, &agg.fingerprints, totals.keys);
    let prefixes = agg.prefixes.stats();
    let (retention, reclaimable) =
        retention::assess(&agg.fingerprints, &frameworks, &big_all, &prefixes, totals.bytes);
    let mut partial = run.partial.take();
    if let Some(p) = &mut partial {
        *p = format!("{p}; the figures cover only the keys read before that ({} keys)", totals.keys);
    }
    Ok(KeysReport {
        target: label,
        cluster: cluster_note,
        partial,
        sample,
        dbs: db_reports,
        totals,
        estimated_totals,
        vanished: agg.vanished,
        top: top_all,
        prefixes_capped: agg.prefixes.overflowed(),
        prefixes,
        ttl_histogram: agg.ttl.buckets(),
        frameworks,
        role,
        retention,
        reclaimable,
        notes,
    })
}

/// Opens the connection the per-key reads go over (named so in CLIENT LIST), on `db`.
async fn open_reader(
    open: &mut (dyn FnMut() -> ReconnectFuture + Send),
    db: Option<u32>,
) -> Result<Probe, ProbeError> {
    let mut p = open().await?;
    if let Some(db) = db {
        p.select(db).await?;
    }
    // CLIENT SETNAME may be refused by an ACL: the name is a courtesy.
    let _ = p.cmd::<()>(redis::cmd("CLIENT").arg("SETNAME").arg(READER_NAME)).await;
    Ok(p)
}

fn scale(t: &Totals, fraction: f64) -> Totals {
    let s = |v: u64| (v as f64 / fraction).round() as u64;
    Totals {
        keys: s(t.keys),
        bytes: s(t.bytes),
        keys_without_ttl: s(t.keys_without_ttl),
        bytes_without_ttl: s(t.bytes_without_ttl),
    }
}

/// `db0:keys=155792,expires=104040,avg_ttl=0` lines.
fn parse_keyspace(text: &str) -> Vec<(u32, u64)> {
    let mut out: Vec<(u32, u64)> = text
        .lines()
        .filter_map(|l| {
            let (name, fields) = l.trim().split_once(':')?;
            let db = name.strip_prefix("db")?.parse().ok()?;
            let keys = fields.split(',').find_map(|f| f.strip_prefix("keys="))?.parse().ok()?;
            Some((db, keys))
        })
        .collect();
    out.sort_unstable();
    out
}

/// Per-key command failures, remembered once per command for the notes.
#[derive(Debug, Default)]
struct Errors {
    memory: Option<String>,
    idle: Option<String>,
    other: Option<String>,
}

impl Errors {
    fn notes(&self) -> Vec<String> {
        let mut n = Vec::new();
        if let Some(e) = &self.memory {
            n.push(format!("MEMORY USAGE failed ({e}): those keys count 0 bytes"));
        }
        if let Some(e) = &self.idle {
            n.push(format!("OBJECT IDLETIME failed ({e}): idle times are missing"));
        }
        if let Some(e) = &self.other {
            n.push(format!("some per-key reads failed ({e})"));
        }
        n
    }
}

pub(super) struct Run<'o> {
    /// The SCAN connection (also the only one, when `reader` is `None`).
    pub(super) con: MultiplexedConnection,
    /// The connection the per-key reads go over, when there is a second one.
    reader: Option<MultiplexedConnection>,
    /// Keys sent for reading whose replies have not arrived yet.
    queued: Arc<AtomicU64>,
    label: String,
    pub(super) opts: &'o ScanOptions,
    batch: BatchSize,
    started: Instant,
    /// Keys sent for reading, all dbs (for the rate limit).
    requested: u64,
    /// Keys whose replies were folded in, all dbs.
    read: u64,
    total_at_start: u64,
    /// INFO keys of the dbs already scanned, and of the current one (for progress).
    done_before: u64,
    current_keys: u64,
    pub(super) partial: Option<String>,
    errors: Errors,
    /// Keys sent for reading in the current db (for the sample budget across a resume).
    sent_in_db: u64,
}

struct DbOutcome {
    complete: bool,
    fraction: f64,
}

/// A failure of a request sent from a spawned task; `Display` is one line without secrets
/// (these commands carry no password, and the probe's label has none).
#[derive(Debug)]
pub(super) struct LinkError {
    label: String,
    what: &'static str,
    reason: String,
    /// The SCAN cursor to go on from after reconnecting: that of the oldest batch whose
    /// replies were not folded in (`None`: not a dropped connection).
    resume_from: Option<u64>,
}

impl std::fmt::Display for LinkError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: `{}` failed: {}", self.label, self.what, self.reason)
    }
}

impl LinkError {
    fn to_probe_error(&self) -> ProbeError {
        if self.reason.contains("connection")
            || self.reason.contains("broken pipe")
            || self.reason.contains("reset")
        {
            ProbeError::Connect { target: self.label.clone(), reason: self.reason.clone() }
        } else {
            ProbeError::Command {
                target: self.label.clone(),
                command: self.what.to_string(),
                reason: self.reason.clone(),
            }
        }
    }
}

pub(super) fn describe(e: &redis::RedisError) -> String {
    if e.is_timeout() {
        "timed out".into()
    } else if e.is_connection_dropped() || e.is_io_error() || e.is_unrecoverable_error() {
        format!("connection lost ({e}); the server may have restarted")
    } else {
        e.to_string()
    }
}

/// A lost connection (worth one reconnect), as opposed to a refused command.
fn dropped(e: &LinkError) -> bool {
    e.reason.contains("connection lost") || e.reason.contains("connection task ended")
}

/// A SCAN's reply: the cursor it was sent with, the one it returned, and its keys.
struct ChainBatch {
    input: u64,
    cursor: u64,
    keys: Vec<Vec<u8>>,
}

/// Sends SCAN after SCAN from `start`, each as soon as the previous reply is in (before that
/// reply's batch is handed on), with the COUNT `count` holds at the time; ends after the last
/// batch (cursor 0), when the receiver is gone, or with the first failure (whose
/// `resume_from` is the cursor the failed SCAN was sent with).
async fn scan_chain(
    con: MultiplexedConnection,
    label: String,
    pattern: Option<String>,
    count: Arc<AtomicU32>,
    start: u64,
    tx: tokio::sync::mpsc::Sender<Result<ChainBatch, LinkError>>,
) {
    let scan = |input: u64| {
        let mut cmd = redis::cmd("SCAN");
        cmd.arg(input);
        if let Some(p) = &pattern {
            cmd.arg("MATCH").arg(p);
        }
        cmd.arg("COUNT").arg(count.load(Ordering::Relaxed).max(1));
        let (mut con, label) = (con.clone(), label.clone());
        async move {
            let fail = |reason: String| LinkError { label, what: "SCAN", reason, resume_from: Some(input) };
            match cmd.query_async::<Value>(&mut con).await {
                Ok(reply) => match parse_scan(reply) {
                    Some((cursor, keys)) => Ok(ChainBatch { input, cursor, keys }),
                    None => Err(fail("unexpected reply shape".into())),
                },
                Err(e) => Err(fail(describe(&e))),
            }
        }
    };
    let mut reply = scan(start).await;
    loop {
        let next = match &reply {
            Ok(b) if b.cursor != 0 => b.cursor,
            _ => {
                let _ = tx.send(reply).await;
                return;
            }
        };
        // join! polls the SCAN first, so it is on the wire before the batch reaches the loop
        // that sends its reads (on one connection, SCAN must precede them).
        let (following, handed) = tokio::join!(scan(next), tx.send(reply));
        if handed.is_err() {
            return;
        }
        reply = following;
    }
}

/// Sends the reads pipeline for `keys` keys on the read connection from a task of its own,
/// and hands the reply back when it arrives.
fn launch_reads(run: &Run<'_>, reads: redis::Pipeline, keys: u64) -> Reply<Vec<Value>> {
    let (tx, rx) = oneshot::channel();
    let mut con = run.reader.as_ref().unwrap_or(&run.con).clone();
    let queued = run.queued.clone();
    queued.fetch_add(keys, Ordering::Relaxed);
    tokio::spawn(async move {
        let reply = reads.query_async::<Vec<Value>>(&mut con).await;
        queued.fetch_sub(keys, Ordering::Relaxed);
        let _ = tx.send(reply);
    });
    rx
}

impl Run<'_> {
    /// Goes on without the read connection: reads share the SCAN connection again, at the
    /// fixed batch size (small batches only pay off with two connections).
    fn one_connection(&mut self, reader: &mut Option<Probe>) {
        *reader = None;
        self.reader = None;
        if self.batch.is_adaptive() {
            self.batch = BatchSize::fixed(DEFAULT_COUNT);
        }
    }

    /// Read pipelines kept in flight.
    fn depth(&self) -> usize {
        if self.reader.is_some() { DEPTH_TWO } else { 1 }
    }

    pub(super) fn fail(&self, what: &'static str, reason: String) -> LinkError {
        LinkError { label: self.label.clone(), what, reason, resume_from: None }
    }

    fn reads(&self, keys: &[Vec<u8>]) -> redis::Pipeline {
        let mut p = redis::Pipeline::with_capacity(keys.len() * if self.opts.idle { 4 } else { 3 });
        // Never SAMPLES 0 here: it is O(elements) (467 ms on a 1M-field hash).
        let samples = self.opts.effective_samples();
        for k in keys {
            p.cmd("MEMORY").arg("USAGE").arg(k).arg("SAMPLES").arg(samples);
            p.cmd("TYPE").arg(k);
            p.cmd("PTTL").arg(k);
            if self.opts.idle {
                p.cmd("OBJECT").arg("IDLETIME").arg(k);
            }
        }
        p.ignore_errors();
        p
    }

    /// Waits until sending more keys keeps within `--rate`.
    async fn pace(&self) {
        let Some(rate) = self.opts.rate.filter(|r| *r > 0) else { return };
        let due = std::time::Duration::from_secs_f64(self.requested as f64 / rate as f64);
        let elapsed = self.started.elapsed();
        if due > elapsed {
            tokio::time::sleep(due - elapsed).await;
        }
    }

    /// Keys the whole scan expects to read: the sample, or INFO keyspace at the start.
    fn expected(&self) -> u64 {
        self.opts.sample.map_or(self.total_at_start, |s| s.min(self.total_at_start))
    }

    /// Overall progress: keys read over the sample size when sampling; otherwise the dbs
    /// done plus the current db's reversed-bits cursor, weighted by their INFO key counts.
    fn fraction(&self, cursor_done: f64) -> f64 {
        if self.opts.sample.is_some_and(|s| s < self.total_at_start) || self.total_at_start == 0 {
            let expected = self.expected().max(1);
            return (self.read as f64 / expected as f64).min(1.0);
        }
        let done = self.done_before as f64 + cursor_done * self.current_keys as f64;
        (done / self.total_at_start as f64).min(1.0)
    }

    async fn db(
        &mut self,
        db: u32,
        budget: Option<u64>,
        start: u64,
        agg: &mut Aggregates,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<DbOutcome, LinkError> {
        // The SCANs run in a task of their own, each sent as soon as the previous reply is in,
        // so the chain never waits for this loop (building pipelines, folding replies). The
        // channel's bound keeps it at most a few batches ahead.
        let (tx, mut batches) = tokio::sync::mpsc::channel(2);
        // The COUNT the chain sends next: `self.batch` as it adapts.
        let count = Arc::new(AtomicU32::new(self.batch.get()));
        let chain = tokio::spawn(scan_chain(
            self.con.clone(),
            self.label.clone(),
            self.opts.pattern.clone(),
            count.clone(),
            start,
            tx,
        ));
        // Per pending batch the cursor of the SCAN that returned its keys: where to resume if
        // the connection drops.
        let mut pending: Pending = VecDeque::new();
        if start == 0 {
            self.sent_in_db = 0;
        }
        let mut sent_here: u64 = 0;
        let mut fraction = 0.0;
        let mut complete = false;
        let mut result = Ok(());
        loop {
            let (next, waited) = match batches.try_recv() {
                Ok(b) => (Some(b), false),
                Err(_) => (batches.recv().await, true),
            };
            // The chain always hands on its last batch or its failure before it ends.
            let Some(next) = next else {
                result = Err(self.fail("SCAN", "the connection task ended".into()));
                break;
            };
            let ChainBatch { input, cursor, mut keys } = match next {
                Ok(b) => b,
                Err(mut err) => {
                    if dropped(&err) {
                        err.resume_from =
                            Some(pending.front().map_or(err.resume_from.unwrap_or(start), |p| p.0));
                        let unread = pending.iter().map(|p| p.1.len() as u64).sum::<u64>();
                        self.sent_in_db = self.sent_in_db.saturating_sub(unread);
                    } else {
                        err.resume_from = None;
                    }
                    result = Err(err);
                    break;
                }
            };
            let mut stop = cursor == 0;
            let mut truncated = false;
            if let Some(b) = budget {
                let left = usize::try_from(b.saturating_sub(sent_here)).unwrap_or(usize::MAX);
                if keys.len() >= left {
                    truncated = keys.len() > left;
                    keys.truncate(left);
                    stop = true;
                }
            }
            complete = cursor == 0 && !truncated;
            fraction = cursor_fraction(cursor);
            self.pace().await;
            self.batch.observe(self.queued.load(Ordering::Relaxed), waited);
            count.store(self.batch.get(), Ordering::Relaxed);
            if !keys.is_empty() {
                let rx = launch_reads(self, self.reads(&keys), keys.len() as u64);
                sent_here += keys.len() as u64;
                self.sent_in_db += keys.len() as u64;
                self.requested += keys.len() as u64;
                pending.push_back((input, keys, rx));
            }
            // Fold in the older batches while the server works on the newer ones.
            while pending.len() > self.depth() || (stop && !pending.is_empty()) {
                let Some((input, keys, rx)) = pending.pop_front() else { break };
                if let Err(mut e) = self.fold(db, &keys, rx, agg).await {
                    e.resume_from = dropped(&e).then_some(input);
                    let unread = keys.len() as u64 + pending.iter().map(|p| p.1.len() as u64).sum::<u64>();
                    self.sent_in_db = self.sent_in_db.saturating_sub(unread);
                    result = Err(e);
                    break;
                }
                progress(Progress {
                    db,
                    keys_scanned: self.read,
                    keys_total: self.expected(),
                    fraction: self.fraction(fraction),
                });
            }
            if result.is_err() || stop {
                break;
            }
        }
        chain.abort();
        result.map(|()| DbOutcome { complete, fraction })
    }

    async fn fold(
        &mut self,
        db: u32,
        keys: &[Vec<u8>],
        rx: Reply<Vec<Value>>,
        agg: &mut Aggregates,
    ) -> Result<(), LinkError> {
        let values = match rx.await {
            Ok(Ok(v)) => v,
            Ok(Err(e)) => return Err(self.fail("MEMORY USAGE/TYPE/PTTL", describe(&e))),
            Err(_) => return Err(self.fail("MEMORY USAGE/TYPE/PTTL", "the connection task ended".into())),
        };
        let stride = if self.opts.idle { 4 } else { 3 };
        if values.len() != keys.len() * stride {
            return Err(self.fail(
                "MEMORY USAGE/TYPE/PTTL",
                format!("{} replies for {} keys", values.len(), keys.len()),
            ));
        }
        self.read += keys.len() as u64;
        fold_values(db, keys, &values, stride, agg, &mut self.errors);
        Ok(())
    }
}

/// Folds the replies of one batch (`stride` replies per key) into the aggregates. A key
/// that vanished in between (MEMORY USAGE nil, TYPE `none`, PTTL -2) is counted as such.
fn fold_values(
    db: u32,
    keys: &[Vec<u8>],
    values: &[Value],
    stride: usize,
    agg: &mut Aggregates,
    errors: &mut Errors,
) {
    for (key, v) in keys.iter().zip(values.chunks_exact(stride)) {
        let bytes = match &v[0] {
            Value::Int(n) => Some(u64::try_from(*n).unwrap_or(0)),
            Value::Nil => None,
            Value::ServerError(e) => {
                errors.memory.get_or_insert_with(|| e.to_string());
                Some(0)
            }
            _ => Some(0),
        };
        let type_name = match &v[1] {
            Value::SimpleString(s) => s.as_str(),
            Value::BulkString(b) => std::str::from_utf8(b).unwrap_or("other"),
            Value::ServerError(e) => {
                errors.other.get_or_insert_with(|| e.to_string());
                "none"
            }
            _ => "none",
        };
        let ttl = match &v[2] {
            Value::Int(n) => Ttl::from_pttl(*n),
            _ => None,
        };
        let (Some(bytes), Some(ttl)) = (bytes, ttl) else {
            agg.vanished += 1;
            continue;
        };
        if type_name == "none" {
            agg.vanished += 1;
            continue;
        }
        let idle_secs = match v.get(3) {
            Some(Value::Int(n)) => u64::try_from(*n).ok(),
            Some(Value::ServerError(e)) => {
                errors.idle.get_or_insert_with(|| e.to_string());
                None
            }
            _ => None,
        };
        agg.add(db, KeyRead { key, type_name, bytes, ttl, idle_secs });
    }
}

/// `[cursor, [key, ...]]`.
fn parse_scan(v: Value) -> Option<(u64, Vec<Vec<u8>>)> {
    let Value::Array(mut parts) = v else { return None };
    if parts.len() != 2 {
        return None;
    }
    let keys = parts.pop()?;
    let cursor = match parts.pop()? {
        Value::BulkString(b) => std::str::from_utf8(&b).ok()?.parse().ok()?,
        Value::SimpleString(s) => s.parse().ok()?,
        Value::Int(n) => u64::try_from(n).ok()?,
        _ => return None,
    };
    let Value::Array(items) = keys else { return None };
    let keys = items
        .into_iter()
        .filter_map(|k| match k {
            Value::BulkString(b) => Some(b),
            Value::SimpleString(s) => Some(s.into_bytes()),
            _ => None,
        })
        .collect();
    Some((cursor, keys))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyspace_lines() {
        let t = "# Keyspace\r\ndb0:keys=155792,expires=104040,avg_ttl=0\r\ndb1:keys=1300,expires=1100,avg_ttl=1\r\n";
        assert_eq!(parse_keyspace(t), [(0, 155792), (1, 1300)]);
        assert_eq!(parse_keyspace("garbage\ndbx:keys=1"), []);
    }

    #[test]
    fn vanished_and_changed_keys() {
        let mut agg = Aggregates::new(&ScanOptions::default());
        let mut errors = Errors::default();
        let keys: Vec<Vec<u8>> = ["gone-mem", "gone-type", "gone-ttl", "kept", "odd"]
            .iter()
            .map(|k| k.as_bytes().to_vec())
            .collect();
        let s = |t: &str| Value::SimpleString(t.into());
        let values = vec![
            Value::Nil,
            s("none"),
            Value::Int(-2),
            Value::Int(50),
            s("none"),
            Value::Int(-1),
            Value::Int(50),
            s("string"),
            Value::Int(-2),
            Value::Int(70),
            s("hash"),
            Value::Int(-1),
            Value::Int(-5),
            Value::Nil,
            Value::Int(10),
        ];
        fold_values(0, &keys, &values, 3, &mut agg, &mut errors);
        assert_eq!(agg.vanished, 4);
        assert_eq!(agg.dbs[&0].keys, 1);
        assert_eq!(agg.dbs[&0].bytes, 70);
        assert_eq!(agg.dbs[&0].keys_without_ttl, 1);
    }

    #[test]
    fn scan_replies() {
        let v = Value::Array(vec![
            Value::BulkString(b"17".to_vec()),
            Value::Array(vec![Value::BulkString(b"k".to_vec())]),
        ]);
        assert_eq!(parse_scan(v), Some((17, vec![b"k".to_vec()])));
        assert_eq!(parse_scan(Value::Nil), None);
        assert_eq!(parse_scan(Value::Array(vec![Value::Nil])), None);
    }
}
