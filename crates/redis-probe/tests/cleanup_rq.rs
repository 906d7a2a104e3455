//! The `rq-results` preset against real RQ: jobs run by a real burst worker, planned and
//! expired by the preset, then looked at through RQ's own Python API (`Job.fetch`,
//! `latest_result()`, `FinishedJobRegistry.count`, which runs RQ's registry cleanup).
//!
//! Skipped, with a notice, when the workloads' `.venv` is missing (run its `setup.sh`).
//! Set `WORKLOADS_DIR` to use another copy.

#![allow(clippy::unwrap_used)]

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
    process::Command,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use redis_probe::{
    Probe, Target, Timeouts,
    cleanup::{
        Pace,
        presets::rq,
        trim::{Retention, TrimParams},
    },
};
use serde_json::Value;
use testkit::RedisServer;

fn python() -> Option<PathBuf> {
    testkit::python("cleanup_rq")
}

/// Runs `tests/pyjobs/rq_jobs.py PORT args…`, returning its JSON output (or null).
fn rq_jobs(py: &Path, port: u16, args: &[&str]) -> Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/pyjobs/rq_jobs.py");
    let out = Command::new(py).arg(script).arg(port.to_string()).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "rq_jobs.py {args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if out.stdout.is_empty() { Value::Null } else { serde_json::from_slice(&out.stdout).unwrap() }
}

fn ids<'a>(all: &'a Value, category: &str) -> Vec<&'a str> {
    all[category].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect()
}

fn params(expire_secs: u64, retention: Retention) -> TrimParams {
    TrimParams { retention, prefix: None, queues: Vec::new(), expire_secs: Some(expire_secs) }
}

fn now_ms() -> i64 {
    i64::try_from(SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis()).unwrap()
}

/// `(registry key, jobs to change)` of a plan.
fn removals(plan: &redis_probe::cleanup::trim::TrimPlan) -> BTreeMap<String, u64> {
    plan.targets.iter().map(|t| (t.key.clone(), t.remove)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kept_forever_jobs_expire_and_rq_drops_their_ids() {
    let Some(py) = python() else { return };
    let (server, port) = RedisServer::start_tcp(&[]).unwrap();
    let all = rq_jobs(&py, port, &["fill"]);
    let ids_file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(ids_file.path(), all.to_string()).unwrap();
    let ids_path = ids_file.path().to_str().unwrap();
    let mut probe =
        Probe::connect(&Target::parse(&server.url()).unwrap(), Timeouts::default()).await.unwrap();
    let everything = Retention::OlderThan { cutoff_ms: now_ms() + 60_000 };

    // With an hour: jobs kept forever (result_ttl=-1 scores +inf, failure_ttl=-1 scores -1)
    // or longer (a day, the failures' default year); not the ones with RQ's 500 s.
    let plan = rq::plan(&mut probe, &params(3600, everything)).await.unwrap();
    let want = BTreeMap::from([("rq:failed:default".to_string(), 4), ("rq:finished:default".to_string(), 6)]);
    assert_eq!(removals(&plan), want);
    let finished = plan.targets.iter().find(|t| t.key == "rq:finished:default").unwrap();
    assert_eq!(finished.total, 8);
    assert!(finished.bytes_estimate.unwrap() > 0);
    assert!(ids(&all, "forever").contains(&finished.sample[0].as_str()), "{:?}", finished.sample);
    // Keeping the newest 2 of each, by when they ended.
    let plan = rq::plan(&mut probe, &params(3600, Retention::KeepNewest { keep: 2 })).await.unwrap();
    let want = BTreeMap::from([("rq:failed:default".to_string(), 2), ("rq:finished:default".to_string(), 4)]);
    assert_eq!(removals(&plan), want);
    // Jobs that ended before an hour ago: none.
    let plan =
        rq::plan(&mut probe, &params(3600, TrimParams::older_than(Duration::from_secs(3600), now_ms())))
            .await
            .unwrap();
    assert!(plan.targets.is_empty(), "{:?}", plan.targets);

    // With 2 s every finished and failed job is kept longer than asked.
    let plan = rq::plan(&mut probe, &params(2, everything)).await.unwrap();
    let want = BTreeMap::from([("rq:failed:default".to_string(), 4), ("rq:finished:default".to_string(), 8)]);
    assert_eq!(removals(&plan), want);

    // Between the plan and the apply RQ moves two on: one requeued from the registry, one
    // id reused by a new job (still listed in the registry, now queued). And someone deletes
    // a job hash by hand: its registry id (+inf) and result stream would stay forever.
    let forever = ids(&all, "forever");
    let (requeued, reused, deleted) = (forever[0], forever[1], forever[4]);
    rq_jobs(&py, port, &["requeue", requeued]);
    rq_jobs(&py, port, &["reenqueue", reused]);
    let _: u64 = probe.cmd(redis::cmd("DEL").arg(format!("rq:job:{deleted}"))).await.unwrap();

    let pace = Pace { rate: Some(1000), batch: 2 };
    let mut seen = Vec::new();
    let out = rq::apply(&mut probe, &plan, &pace, &mut |n| seen.push(n)).await.unwrap();
    assert_eq!(out.items, 10, "{out:?}");
    assert_eq!(out.skipped_in_use, 1, "{out:?}");
    assert!(out.batches >= 5, "{out:?}");
    assert_eq!(seen.last(), Some(&10));
    // Idempotent: a second run (a resumed journal) finds nothing left to do.
    let again = rq::apply(&mut probe, &plan, &pace, &mut |_| {}).await.unwrap();
    assert_eq!((again.items, again.skipped_in_use), (0, 1), "{again:?}");
    assert!(rq::plan(&mut probe, &params(2, everything)).await.unwrap().targets.is_empty());

    // Before the expiry RQ still reads every job and its result; TTLs are set.
    let state = rq_jobs(&py, port, &["state", ids_path]);
    let jobs = state["jobs"].as_object().unwrap();
    let changed = |id: &str| id != requeued && id != reused;
    for (id, j) in jobs {
        let category = j["category"].as_str().unwrap();
        let terminal =
            ["forever", "ttl_500", "ttl_1d", "failed_default", "failed_forever"].contains(&category);
        assert_eq!(j["exists"].as_bool().unwrap(), id != deleted, "{id}: {j}");
        if id == deleted {
            continue;
        }
        if terminal && changed(id) {
            for ttl in ["job_ttl", "results_ttl"] {
                assert!((1..=2).contains(&j[ttl].as_i64().unwrap()), "{id} {ttl}: {j}");
            }
            let score =
                if category.starts_with("failed") { &j["failed_score"] } else { &j["finished_score"] };
            assert!(score.as_f64().unwrap() > 0.0, "{id}: {j}");
            let result = if category.starts_with("failed") { "FAILED" } else { "SUCCESSFUL" };
            assert_eq!(j["result_type"], result, "{id}: {j}");
        } else {
            // Queued, scheduled, deferred, and the two RQ moved on: untouched.
            assert_eq!(j["job_ttl"], -1, "{id}: {j}");
        }
    }
    assert_eq!(jobs[forever[2]]["return_value"], 3);
    assert_eq!(jobs[requeued]["status"], "queued");
    assert_eq!(jobs[reused]["status"], "queued");
    assert_eq!(jobs[reused]["finished_score"], "inf");
    let counts = |s: &Value| {
        [
            "finished_count",
            "failed_count",
            "scheduled_count",
            "deferred_count",
            "queued_low",
            "queued_default",
        ]
        .map(|k| s[k].as_u64().unwrap())
    };
    assert_eq!(counts(&state), [7, 4, 2, 1, 5, 1]);
    let stale: f64 = probe.cmd(redis::cmd("ZSCORE").arg("rq:finished:default").arg(deleted)).await.unwrap();
    assert!(stale.is_finite(), "{stale}");
    let orphan: i64 = probe.cmd(redis::cmd("TTL").arg(format!("rq:results:{deleted}"))).await.unwrap();
    assert!((1..=2).contains(&orphan), "{orphan}");

    // After it the jobs are gone and RQ's own registry cleanup (run by `.count`) drops their
    // ids; other states are as they were.
    tokio::time::sleep(Duration::from_millis(3200)).await;
    let state = rq_jobs(&py, port, &["state", ids_path]);
    for (id, j) in state["jobs"].as_object().unwrap() {
        let category = j["category"].as_str().unwrap();
        let terminal =
            ["forever", "ttl_500", "ttl_1d", "failed_default", "failed_forever"].contains(&category);
        assert_eq!(j["exists"].as_bool().unwrap(), !(terminal && changed(id)), "{id}: {j}");
    }
    assert_eq!(counts(&state), [1, 0, 2, 1, 5, 1]);
    assert_eq!(state["finished_ids"], serde_json::json!([reused]));
    let results: u64 =
        probe.cmd(redis::cmd("EXISTS").arg(format!("rq:results:{}", forever[2]))).await.unwrap();
    assert_eq!(results, 0);
    drop(server);
}
