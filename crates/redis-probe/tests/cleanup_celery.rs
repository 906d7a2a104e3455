//! The `celery-results` preset against real Celery: a worker with `result_expires=None` stores
//! results without TTL; the preset gives them one; Celery's own `AsyncResult` and
//! `GroupResult.restore` read them until they expire and `PENDING` after, and a chord in
//! progress still completes, its state keys untouched.
//!
//! Skipped, with a notice, when the workloads' `.venv` is missing (run its `setup.sh`).
//! Set `WORKLOADS_DIR` to use another copy.

#![allow(clippy::unwrap_used)]

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
    process::Command,
    time::Duration,
};

use redis_probe::{
    Probe, Target, Timeouts,
    cleanup::{self, Pace, presets::celery},
};
use serde_json::Value;
use testkit::RedisServer;

fn python() -> Option<PathBuf> {
    testkit::python("cleanup_celery")
}

/// Runs `tests/pyjobs/celery_results.py args…` against the server on `port`.
fn celery(py: &Path, port: u16, args: &[&str]) -> Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/pyjobs/celery_results.py");
    let out = Command::new(py).arg(script).args(args).env("REDIS_PORT", port.to_string()).output().unwrap();
    assert!(
        out.status.success(),
        "celery_results.py {args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Every key with its PTTL (-1: none).
async fn ttls(probe: &mut Probe) -> BTreeMap<String, i64> {
    let mut all = BTreeMap::new();
    let mut cursor = 0u64;
    loop {
        let (next, keys): (u64, Vec<String>) =
            probe.cmd(redis::cmd("SCAN").arg(cursor).arg("COUNT").arg(1000)).await.unwrap();
        for k in keys {
            let pttl: i64 = probe.cmd(redis::cmd("PTTL").arg(&k)).await.unwrap();
            all.insert(k, pttl);
        }
        cursor = next;
        if cursor == 0 {
            return all;
        }
    }
}

const FAST: Pace = Pace { rate: None, batch: 4 };

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn results_expire_as_celery_would_have_and_chords_still_complete() {
    let Some(py) = python() else { return };
    let (server, port) = RedisServer::start_tcp(&[]).unwrap();
    let ids = celery(&py, port, &["fill"]);
    let ids_file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(ids_file.path(), ids.to_string()).unwrap();
    let ids_path = ids_file.path().to_str().unwrap();
    let mut probe =
        Probe::connect(&Target::parse(&server.url()).unwrap(), Timeouts::default()).await.unwrap();
    let before = ttls(&mut probe).await;

    // 4 results, 2 failures, 3 group members, the chord's finished header task, the saved group.
    let out =
        cleanup::execute(&mut probe, &celery::selection(None), &celery::action(3), &FAST).await.unwrap();
    assert_eq!(out.changed, 11, "{out:?}");
    let again =
        cleanup::execute(&mut probe, &celery::selection(None), &celery::action(3), &FAST).await.unwrap();
    assert_eq!(again.changed, 0, "{again:?}");
    // `global_keyprefix: "myapp"`: Celery writes `myapp_celery-task-meta-<id>`.
    let out = cleanup::execute(&mut probe, &celery::selection(Some("myapp")), &celery::action(3), &FAST)
        .await
        .unwrap();
    assert_eq!(out.changed, 1, "{out:?}");

    // Only result keys changed: broker keys, the queue nobody read yet and the chord's state
    // keep what they had.
    let after = ttls(&mut probe).await;
    let changed: Vec<&String> = before.keys().filter(|k| after.get(*k) != before.get(*k)).collect();
    assert_eq!(changed.len(), 12, "{changed:?}");
    assert!(
        changed.iter().all(|k| k.starts_with("celery-task-meta-")
            || k.starts_with("myapp_celery-task-meta-")
            || **k == format!("celery-taskset-meta-{}", ids["group"].as_str().unwrap())),
        "{changed:?}"
    );
    assert!(before.contains_key("later") && before.keys().any(|k| k.starts_with("_kombu.binding.")));

    // Celery reads everything as before until the TTL runs out.
    let state = celery(&py, port, &["state", ids_path]);
    for (id, t) in state["tasks"].as_object().unwrap() {
        assert!((1..=3).contains(&t["ttl"].as_i64().unwrap()), "{id}: {t}");
        assert!(["SUCCESS", "FAILURE"].contains(&t["state"].as_str().unwrap()), "{id}: {t}");
    }
    assert_eq!(state["tasks"][ids["ok"][3].as_str().unwrap()]["result"], 6);
    assert_eq!(state["group_restored"], true);
    assert!((1..=3).contains(&state["group_ttl"].as_i64().unwrap()), "{state}");
    assert!((1..=3).contains(&state["prefixed_ttl"].as_i64().unwrap()), "{state}");
    assert_eq!(state["chord_ttls"], serde_json::json!({".j": -1, ".d": -1, ".s": -1}));

    // After it, what Celery shows for a result it expired itself: PENDING, no group.
    tokio::time::sleep(Duration::from_millis(3500)).await;
    let state = celery(&py, port, &["state", ids_path]);
    for (id, t) in state["tasks"].as_object().unwrap() {
        assert_eq!(t["state"], "PENDING", "{id}: {t}");
        assert_eq!(t["ttl"], -2, "{id}: {t}");
    }
    assert_eq!(state["group_restored"], false);
    assert_eq!(state["prefixed_ttl"], -2);
    assert_eq!(state["chord_ttls"], serde_json::json!({".j": -1, ".d": -1, ".s": -1}));

    // The chord's header finishes now, and its body runs with both results: 2 + 4.
    let finished = celery(&py, port, &["finish", ids_path]);
    assert_eq!(finished["chord_body"], 6);
    drop(server);
}
