//! `bullmq-completed` / `bullmq-failed` against real BullMQ data (`tests/bullmq/scenario.js`
//! run with the workloads' `node_modules`): the same jobs in two queues, BullMQ's own
//! `queue.clean` on one and ours on the other, then both compared key by key and read back
//! through BullMQ; plus the edge cases (nothing to remove, keep more than there is, custom
//! prefixes, a locked job, a lost script cache, jobs finishing during a keep-newest trim).
//!
//! Skipped, with a notice, when `node_modules` is missing (run the workloads' `setup.sh`). Set
//! `WORKLOADS_DIR` to use another copy.

#![allow(clippy::unwrap_used)]

use std::{
    collections::{BTreeMap, BTreeSet},
    io::{BufRead, BufReader},
    path::PathBuf,
    process::{Child, ChildStdout, Command, Stdio},
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use redis_probe::{
    Probe, Target, Timeouts,
    cleanup::{
        Pace,
        presets::bullmq::{self, State},
        trim::{Retention, TrimOutcome, TrimParams, TrimPlan},
    },
};
use serde_json::Value;
use testkit::RedisServer;

fn node_modules() -> PathBuf {
    testkit::workloads_dir().join("node/node_modules")
}

/// Whether to skip, saying why on stderr.
fn skip(test: &str) -> bool {
    let dir = node_modules();
    let node = Command::new("node").arg("--version").output().is_ok_and(|o| o.status.success());
    if node && dir.join("bullmq").is_dir() {
        return false;
    }
    testkit::skip_notice(
        test,
        &format!("no `node`, or no bullmq in {}; run the workloads' setup.sh", dir.display()),
    );
    true
}

/// `node scenario.js CMD PORT ARGS...` for `args` = `[CMD, ARGS...]`.
fn node_command(port: u16, args: &[&str]) -> Command {
    let mut c = Command::new("node");
    c.arg(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/bullmq/scenario.js"))
        .arg(args[0])
        .arg(port.to_string())
        .args(&args[1..])
        .env("NODE_PATH", node_modules());
    c
}

/// Runs a scenario command to its end; its stdout.
fn node(port: u16, args: &[&str]) -> String {
    let out = node_command(port, args).output().unwrap();
    assert!(
        out.status.success(),
        "scenario.js {args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn node_json(port: u16, args: &[&str]) -> Value {
    serde_json::from_str(node(port, args).trim()).unwrap()
}

/// A scenario command left running (workers holding jobs); killed if the test fails first.
struct Running {
    child: Child,
    lines: BufReader<ChildStdout>,
}

impl Running {
    fn start(port: u16, args: &[&str]) -> Running {
        let mut child = node_command(port, args).stdout(Stdio::piped()).spawn().unwrap();
        let lines = BufReader::new(child.stdout.take().unwrap());
        Running { child, lines }
    }

    /// The rest of the first line that starts with `word`.
    fn wait_for(&mut self, word: &str) -> String {
        let mut line = String::new();
        loop {
            line.clear();
            assert!(self.lines.read_line(&mut line).unwrap() > 0, "scenario.js ended before {word}");
            if let Some(rest) = line.trim().strip_prefix(word) {
                return rest.trim().to_string();
            }
        }
    }

    fn finish(mut self) {
        assert!(self.child.wait().unwrap().success());
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

async fn probe(port: u16) -> Probe {
    let target = Target::parse(&format!("redis://127.0.0.1:{port}")).unwrap();
    Probe::connect(&target, Timeouts::default()).await.unwrap()
}

fn params(retention: Retention, prefix: Option<&str>, queues: &[&str]) -> TrimParams {
    TrimParams {
        retention,
        prefix: prefix.map(str::to_string),
        queues: queues.iter().map(|q| q.to_string()).collect(),
        expire_secs: None,
    }
}

async fn apply(probe: &mut Probe, plan: &TrimPlan, pace: Pace) -> TrimOutcome {
    let mut last = 0;
    let out = bullmq::apply(probe, plan, &pace, &mut |n| {
        assert!(n >= last, "progress goes forward");
        last = n;
    })
    .await
    .unwrap();
    assert_eq!(last, out.items);
    out
}

const FAST: Pace = Pace { rate: None, batch: 3 };

async fn keys(probe: &mut Probe, pattern: &str) -> BTreeSet<String> {
    let mut cursor = 0u64;
    let mut all = BTreeSet::new();
    loop {
        let (next, batch): (u64, Vec<String>) = probe
            .cmd(redis::cmd("SCAN").arg(cursor).arg("MATCH").arg(pattern).arg("COUNT").arg(1000))
            .await
            .unwrap();
        all.extend(batch);
        cursor = next;
        if cursor == 0 {
            return all;
        }
    }
}

/// Every key with its DUMP, except what workers touch on their own (locks, stalled-check).
async fn snapshot(probe: &mut Probe) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for k in keys(probe, "*").await {
        if k.ends_with(":lock") || k.ends_with(":stalled-check") {
            continue;
        }
        let dump: Vec<u8> = probe.cmd(redis::cmd("DUMP").arg(&k)).await.unwrap();
        out.insert(k, dump);
    }
    out
}

/// A queue's keys by name after `<prefix>:<queue>:`, each with a comparable content: members
/// of sets and lists, field names of hashes, string values (timestamps and stream entries
/// differ between two runs).
async fn queue_shape(probe: &mut Probe, base: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for k in keys(probe, &format!("{base}*")).await {
        let name = k.strip_prefix(base).unwrap().to_string();
        if name == "stalled-check" {
            continue;
        }
        let kind: String = probe.cmd(redis::cmd("TYPE").arg(&k)).await.unwrap();
        let content = match kind.as_str() {
            "zset" => format!(
                "{:?}",
                probe.cmd::<Vec<String>>(redis::cmd("ZRANGE").arg(&k).arg(0).arg(-1)).await.unwrap()
            ),
            "list" => format!(
                "{:?}",
                probe.cmd::<Vec<String>>(redis::cmd("LRANGE").arg(&k).arg(0).arg(-1)).await.unwrap()
            ),
            "set" => {
                format!("{:?}", probe.cmd::<BTreeSet<String>>(redis::cmd("SMEMBERS").arg(&k)).await.unwrap())
            }
            "hash" => {
                format!("{:?}", probe.cmd::<BTreeSet<String>>(redis::cmd("HKEYS").arg(&k)).await.unwrap())
            }
            "string" => probe.cmd::<String>(redis::cmd("GET").arg(&k)).await.unwrap(),
            other => other.to_string(),
        };
        out.insert(name, format!("{kind} {content}"));
    }
    out
}

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as i64
}

fn ids(v: &Value) -> Vec<String> {
    v.as_array().unwrap().iter().map(|x| x.as_str().unwrap().to_string()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn removes_what_bullmq_clean_removes_and_leaves_active_jobs_alone() {
    if skip("cleanup_bullmq") {
        return;
    }
    let (_server, port) = RedisServer::start_tcp(&[]).unwrap();
    // `mail` and `twin` get the same jobs: 8 completed and 4 failed before the cutoff (among
    // them a deduplicated job, a parent with two children, two failed children whose parents
    // wait for them), 3 and 2 after it, then a slow job each that a worker holds active.
    let mut pair = Running::start(port, &["pair", "bull", "mail", "twin"]);
    let ready: Value = serde_json::from_str(&pair.wait_for("READY")).unwrap();
    let cutoff_ms = ready["cutoff"].as_i64().unwrap();
    let slow = ready["slow"]["mail"].as_str().unwrap().to_string();
    let mut p = probe(port).await;

    // Discovery: both queues; `mail-parents` has no completed set.
    let found =
        bullmq::plan(&mut p, State::Completed, &params(Retention::OlderThan { cutoff_ms }, None, &[]))
            .await
            .unwrap();
    let found: Vec<&str> = found.targets.iter().map(|t| t.key.as_str()).collect();
    assert_eq!(found, ["bull:mail:completed", "bull:twin:completed"]);

    let completed =
        bullmq::plan(&mut p, State::Completed, &params(Retention::OlderThan { cutoff_ms }, None, &["mail"]))
            .await
            .unwrap();
    assert_eq!(completed.preset, "bullmq-completed");
    let [t] = completed.targets.as_slice() else { panic!("{completed:?}") };
    assert_eq!((t.key.as_str(), t.total, t.remove), ("bull:mail:completed", 11, 8));
    assert_eq!(t.sample, ["1 (email)", "2 (email)", "3 (email)", "4 (email)", "5 (dedup)"]);
    assert!(t.bytes_estimate.unwrap() > 8 * 100, "{t:?}");
    assert!(t.how.contains("bull:mail:<id>:lock"), "{}", t.how);

    let failed =
        bullmq::plan(&mut p, State::Failed, &params(Retention::KeepNewest { keep: 2 }, None, &["mail"]))
            .await
            .unwrap();
    let [t] = failed.targets.as_slice() else { panic!("{failed:?}") };
    assert_eq!((t.key.as_str(), t.total, t.remove), ("bull:mail:failed", 6, 4));
    assert_eq!(t.sample, ["6 (email)", "7 (email)", "cB1 (child)", "cC1 (child)"]);

    // BullMQ's own clean on the twin, ours on `mail`, both while the slow jobs are active.
    let theirs_completed =
        ids(&node_json(port, &["clean", "bull", "twin", "completed", &cutoff_ms.to_string()]));
    let theirs_failed = ids(&node_json(port, &["clean-keep", "bull", "twin", "failed", "2"]));
    assert_eq!(theirs_completed, ["1", "2", "3", "4", "5", "cA1", "cA2", "pA"]);
    assert_eq!(theirs_failed, ["6", "7", "cB1", "cC1"]);

    let out = apply(&mut p, &completed, FAST).await;
    // 8 hashes and logs, pA's :processed, the dedup key `de:d1` still naming job 5.
    assert_eq!(out, TrimOutcome { items: 8, keys_deleted: 18, skipped_in_use: 0, batches: 3 });
    let out = apply(&mut p, &failed, FAST).await;
    // 4 hashes and logs, and parent pB, whose last pending child was cB1 (BullMQ deletes a
    // parent of the same queue; pC, in another queue, moves to its `wait`).
    assert_eq!(out, TrimOutcome { items: 4, keys_deleted: 9, skipped_in_use: 0, batches: 2 });

    // The active job is untouched.
    let lock: i64 = p.cmd(redis::cmd("EXISTS").arg(format!("bull:mail:{slow}:lock"))).await.unwrap();
    let active: Vec<String> =
        p.cmd(redis::cmd("LRANGE").arg("bull:mail:active").arg(0).arg(-1)).await.unwrap();
    assert_eq!((lock, active), (1, vec![slow.clone()]));

    // Resume: the same plans again change nothing.
    let before = snapshot(&mut p).await;
    for plan in [&completed, &failed] {
        let out = apply(&mut p, plan, FAST).await;
        assert_eq!((out.items, out.keys_deleted, out.skipped_in_use), (0, 0, 0));
    }
    assert_eq!(snapshot(&mut p).await, before);

    // Let the slow jobs complete.
    let _: () = p.cmd(redis::cmd("SET").arg("bull:redis-audit-test:release").arg(1)).await.unwrap();
    pair.wait_for("DONE");
    pair.finish();

    // Key by key, what is left equals what BullMQ's clean left.
    for (ours, theirs) in [("bull:mail:", "bull:twin:"), ("bull:mail-parents:", "bull:twin-parents:")] {
        let ours_shape = queue_shape(&mut p, ours).await;
        let theirs_shape = queue_shape(&mut p, theirs).await;
        assert_eq!(ours_shape, theirs_shape, "{ours} vs {theirs}");
    }

    // And BullMQ reads it back.
    let mut gone: Vec<&str> = theirs_completed.iter().chain(&theirs_failed).map(String::as_str).collect();
    gone.push("pB");
    let check = node_json(port, &[&["check", "bull", "mail"], gone.as_slice()].concat());
    let counts = &check["counts"];
    assert_eq!(
        (counts["completed"].as_u64(), counts["failed"].as_u64(), counts["waiting-children"].as_u64()),
        (Some(4), Some(2), Some(0)),
        "{check}"
    );
    assert_eq!(counts["active"].as_u64(), Some(0), "{check}");
    for id in &gone {
        assert_eq!(check["jobs"][id]["exists"], Value::Bool(false), "job {id}: {check}");
    }
    for id in ids(&check["completed"]).iter().chain(&ids(&check["failed"])) {
        assert_eq!(check["jobs"][id]["logs"].as_u64(), Some(2), "job {id}: {check}");
    }
    assert_eq!(check["jobs"][slow.as_str()]["state"], "completed", "{check}");
    let parents = node_json(port, &["check", "bull", "mail-parents", "pC"]);
    assert_eq!(parents["jobs"]["pC"]["state"], "waiting", "{parents}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edge_cases() {
    if skip("cleanup_bullmq") {
        return;
    }
    let (server, port) = RedisServer::start_tcp(&[]).unwrap();
    node(port, &["simple", "bull", "edge", "6", "2"]);
    node(port, &["simple", "{app}", "edge", "3", "0"]);
    node(port, &["simple", "app:jobs", "q", "3", "0"]);
    node(port, &["simple", "bull", "ties", "6", "0"]);
    let mut p = probe(port).await;

    // BullMQ refuses queue names with `:` (since 5.12.12); a prefix may have them.
    let colon = node_json(port, &["colon"]);
    assert_eq!(colon["error"], "Queue name cannot contain :");

    // Nothing to remove, and keep more than there is: no writes at all.
    let before = snapshot(&mut p).await;
    for (which, retention) in [
        (State::Completed, Retention::OlderThan { cutoff_ms: 1 }),
        (State::Failed, Retention::OlderThan { cutoff_ms: 1 }),
        (State::Completed, Retention::KeepNewest { keep: 1000 }),
        (State::Failed, Retention::KeepNewest { keep: 2 }),
    ] {
        let plan = bullmq::plan(&mut p, which, &params(retention, None, &["edge"])).await.unwrap();
        let [t] = plan.targets.as_slice() else { panic!("{plan:?}") };
        assert_eq!((t.remove, t.sample.len(), t.bytes_estimate), (0, 0, Some(0)), "{plan:?}");
        let out = apply(&mut p, &plan, FAST).await;
        assert_eq!((out.items, out.keys_deleted), (0, 0));
    }
    assert_eq!(snapshot(&mut p).await, before);

    // A queue asked for that has no such set.
    let plan =
        bullmq::plan(&mut p, State::Completed, &params(Retention::KeepNewest { keep: 0 }, None, &["nope"]))
            .await
            .unwrap();
    assert!(plan.targets.is_empty());
    assert!(plan.notes.iter().any(|n| n.contains("`nope`")), "{:?}", plan.notes);

    // Custom prefixes: a hash tag, and one with a `:` in it.
    let plan = bullmq::plan(
        &mut p,
        State::Completed,
        &params(Retention::KeepNewest { keep: 1 }, Some("{app}"), &[]),
    )
    .await
    .unwrap();
    assert_eq!(
        plan.targets.iter().map(|t| (t.key.as_str(), t.remove)).collect::<Vec<_>>(),
        [("{app}:edge:completed", 2)]
    );
    assert_eq!(apply(&mut p, &plan, FAST).await.items, 2);
    let check = node_json(port, &["check", "{app}", "edge"]);
    assert_eq!(check["completed"], serde_json::json!(["3"]), "{check}");
    assert_eq!(check["jobs"]["3"]["logs"], 2);
    let plan = bullmq::plan(
        &mut p,
        State::Completed,
        &params(Retention::OlderThan { cutoff_ms: now_ms() }, Some("app:jobs"), &[]),
    )
    .await
    .unwrap();
    assert_eq!(
        plan.targets.iter().map(|t| (t.key.as_str(), t.remove)).collect::<Vec<_>>(),
        [("app:jobs:q:completed", 3)]
    );
    // The default prefix does not see them; a shorter one sees queue `jobs:q`, same keys.
    let default =
        bullmq::plan(&mut p, State::Completed, &params(Retention::KeepNewest { keep: 0 }, None, &[]))
            .await
            .unwrap();
    assert_eq!(
        default.targets.iter().map(|t| t.key.as_str()).collect::<Vec<_>>(),
        ["bull:edge:completed", "bull:ties:completed"]
    );
    let short =
        bullmq::plan(&mut p, State::Completed, &params(Retention::KeepNewest { keep: 0 }, Some("app"), &[]))
            .await
            .unwrap();
    assert_eq!(short.targets.iter().map(|t| t.key.as_str()).collect::<Vec<_>>(), ["app:jobs:q:completed"]);
    assert_eq!(
        apply(&mut p, &plan, FAST).await,
        TrimOutcome { items: 3, keys_deleted: 6, skipped_in_use: 0, batches: 1 }
    );
    assert!(keys(&mut p, "app:jobs:q:[0-9]*").await.is_empty());

    // A locked job is skipped, then removed once its lock is gone.
    let oldest: Vec<String> =
        p.cmd(redis::cmd("ZRANGE").arg("bull:edge:completed").arg(0).arg(0)).await.unwrap();
    let lock = format!("bull:edge:{}:lock", oldest[0]);
    let _: () = p.cmd(redis::cmd("SET").arg(&lock).arg("token").arg("PX").arg(60_000)).await.unwrap();
    let keep2 =
        bullmq::plan(&mut p, State::Completed, &params(Retention::KeepNewest { keep: 2 }, None, &["edge"]))
            .await
            .unwrap();
    assert_eq!(keep2.targets[0].remove, 4);
    let small = Pace { rate: None, batch: 2 };
    let out = apply(&mut p, &keep2, small).await;
    assert_eq!((out.items, out.keys_deleted, out.skipped_in_use), (3, 6, 1));
    let left: Vec<String> =
        p.cmd(redis::cmd("ZRANGE").arg("bull:edge:completed").arg(0).arg(-1)).await.unwrap();
    assert_eq!(left, [oldest[0].as_str(), "5", "6"]);
    let job_keys: i64 = p
        .cmd(
            redis::cmd("EXISTS")
                .arg(format!("bull:edge:{}", oldest[0]))
                .arg(format!("bull:edge:{}:logs", oldest[0])),
        )
        .await
        .unwrap();
    assert_eq!(job_keys, 2);
    let out = apply(&mut p, &keep2, small).await;
    assert_eq!((out.items, out.skipped_in_use), (0, 1));
    let _: () = p.cmd(redis::cmd("DEL").arg(&lock)).await.unwrap();
    let out = apply(&mut p, &keep2, small).await;
    assert_eq!((out.items, out.keys_deleted, out.skipped_in_use), (1, 2, 0));

    // The script cache is flushed between two batches: EVAL takes over.
    let failed =
        bullmq::plan(&mut p, State::Failed, &params(Retention::KeepNewest { keep: 0 }, None, &["edge"]))
            .await
            .unwrap();
    let mut other = probe(port).await;
    let flush = async {
        tokio::time::sleep(Duration::from_millis(150)).await;
        let _: () = other.cmd(redis::cmd("SCRIPT").arg("FLUSH")).await.unwrap();
    };
    let slow = Pace { rate: Some(2), batch: 1 };
    let evals = || {
        // (EVAL calls, failed EVALSHA calls); BullMQ's own client EVALs too.
        let stats = server.cli(&["INFO", "commandstats"]);
        let field = |cmd: &str, name: &str| -> u64 {
            let line = stats.lines().find(|l| l.starts_with(&format!("cmdstat_{cmd}:"))).unwrap_or("");
            let v = line.split(',').find_map(|kv| kv.split_once('=').filter(|(k, _)| k.ends_with(name)));
            v.map_or(0, |(_, v)| v.parse().unwrap())
        };
        (field("eval", "calls"), field("evalsha", "failed_calls"))
    };
    let before = evals();
    let (out, ()) = tokio::join!(apply(&mut p, &failed, slow), flush);
    assert_eq!((out.items, out.batches), (2, 2));
    assert_eq!(evals(), (before.0 + 1, before.1 + 1));
    assert_eq!(p.cmd::<u64>(redis::cmd("ZCARD").arg("bull:edge:failed")).await.unwrap(), 0);

    // Jobs that finished in the same millisecond share a score: keep-newest goes by the set's
    // order, and a job finishing during the apply pushes none of them out.
    let ties: Vec<String> =
        p.cmd(redis::cmd("ZRANGE").arg("bull:ties:completed").arg(0).arg(-1)).await.unwrap();
    let same = 1_700_000_000_000i64;
    for id in &ties {
        let _: () =
            p.cmd(redis::cmd("ZADD").arg("bull:ties:completed").arg("XX").arg(same).arg(id)).await.unwrap();
    }
    let ordered: Vec<String> =
        p.cmd(redis::cmd("ZRANGE").arg("bull:ties:completed").arg(0).arg(-1)).await.unwrap();
    let keep2 =
        bullmq::plan(&mut p, State::Completed, &params(Retention::KeepNewest { keep: 2 }, None, &["ties"]))
            .await
            .unwrap();
    assert_eq!(keep2.targets[0].remove, 4);
    let mut added = false;
    let out = bullmq::apply(&mut p, &keep2, &Pace { rate: None, batch: 1 }, &mut |_| {
        if !added {
            // A job finishing now (a bare id is enough for the selection).
            server.cli(&["ZADD", "bull:ties:completed", &(same + 1000).to_string(), "new"]);
            added = true;
        }
    })
    .await
    .unwrap();
    assert_eq!(out.items, 4);
    let left: Vec<String> =
        p.cmd(redis::cmd("ZRANGE").arg("bull:ties:completed").arg(0).arg(-1)).await.unwrap();
    assert_eq!(left, [ordered[4].as_str(), ordered[5].as_str(), "new"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keep_newest_is_not_pushed_by_jobs_finishing_meanwhile() {
    if skip("cleanup_bullmq") {
        return;
    }
    let (_server, port) = RedisServer::start_tcp(&[]).unwrap();
    node(port, &["simple", "bull", "busy", "30", "0"]);
    let mut churn = Running::start(port, &["churn", "bull", "busy", "2500"]);
    churn.wait_for("STARTED");
    let mut p = probe(port).await;
    let plan =
        bullmq::plan(&mut p, State::Completed, &params(Retention::KeepNewest { keep: 5 }, None, &["busy"]))
            .await
            .unwrap();
    let before: Vec<(String, i64)> = p
        .cmd(redis::cmd("ZRANGE").arg("bull:busy:completed").arg(0).arg(-1).arg("WITHSCORES"))
        .await
        .unwrap();
    // About 25 jobs at 40 a second: some 30 more finish meanwhile.
    let mut first_batch_ms = None;
    let out = bullmq::apply(&mut p, &plan, &Pace { rate: Some(40), batch: 2 }, &mut |_| {
        first_batch_ms.get_or_insert_with(now_ms);
    })
    .await
    .unwrap();
    let after: Vec<(String, i64)> = p
        .cmd(redis::cmd("ZRANGE").arg("bull:busy:completed").arg(0).arg(-1).arg("WITHSCORES"))
        .await
        .unwrap();
    churn.wait_for("DONE");
    churn.finish();

    let after_ids: BTreeSet<&str> = after.iter().map(|(id, _)| id.as_str()).collect();
    let removed: Vec<&str> =
        before.iter().map(|(id, _)| id.as_str()).filter(|id| !after_ids.contains(id)).collect();
    assert_eq!(removed.len() as u64, out.items);
    // The oldest went, nothing newer than a survivor.
    let oldest: Vec<&str> = before.iter().take(removed.len()).map(|(id, _)| id.as_str()).collect();
    assert_eq!(removed, oldest);
    // At least what was planned; beyond that only jobs that finished before the apply fixed
    // its boundary (during its first batch), not the ones finishing while it ran.
    let newer = before.len() as u64 - 5;
    let started_late = after
        .iter()
        .filter(|(id, score)| !before.iter().any(|(b, _)| b == id) && *score <= first_batch_ms.unwrap())
        .count() as u64;
    assert!(
        out.items >= newer && out.items <= newer + started_late,
        "{out:?}, planned {newer} (+{started_late}); first batch at {first_batch_ms:?}\nbefore {before:?}\nafter {after:?}"
    );
    let finished_meanwhile = after.len() as u64 - (before.len() as u64 - out.items);
    assert!(finished_meanwhile > 5, "the churn was too slow to test anything: {finished_meanwhile}");
    assert!(plan.targets[0].remove <= newer);
}
