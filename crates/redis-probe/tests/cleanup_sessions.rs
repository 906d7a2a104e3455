//! The `sessions` preset against real session stores: express-session + connect-redis over
//! HTTP (the default `sess:` store and a `legacyapp:sess:` one with `disableTTL`) and Django's
//! cache session engine through its middleware. Capping the TTL leaves every session readable
//! through its framework's own store until the cap, and gone after; deleting idle sessions takes
//! only those the framework has not read. Other keys are never touched.
//!
//! Skipped, with a notice, when the workloads' `.venv` or `node/node_modules` is missing (run
//! its `setup.sh`). Set `WORKLOADS_DIR` to use another copy.

#![allow(clippy::unwrap_used)]

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
    process::Command,
    time::Duration,
};

use redis_probe::{
    Probe, Target, Timeouts,
    cleanup::{
        self, Pace,
        presets::sessions::{self, SessionFramework, SessionStores},
    },
};
use serde_json::Value;
use testkit::RedisServer;

struct Frameworks {
    python: PathBuf,
    node_path: PathBuf,
}

fn frameworks(test: &str) -> Option<Frameworks> {
    let dir = testkit::workloads_dir();
    let f = Frameworks { python: dir.join(".venv/bin/python"), node_path: dir.join("node/node_modules") };
    if f.python.is_file() && f.node_path.join("connect-redis").is_dir() {
        return Some(f);
    }
    testkit::skip_notice(test, &format!("{} has no .venv / node_modules; run its setup.sh", dir.display()));
    None
}

fn run(mut cmd: Command) -> Value {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sessions").join(name)
}

impl Frameworks {
    fn express(&self, port: u16, args: &[&str]) -> Value {
        let mut cmd = Command::new("node");
        cmd.arg(script("express_sessions.js"))
            .arg(port.to_string())
            .args(args)
            .env("NODE_PATH", &self.node_path);
        run(cmd)
    }

    fn django(&self, port: u16, args: &[&str]) -> Value {
        let mut cmd = Command::new(&self.python);
        cmd.arg(script("django_sessions.py")).arg(port.to_string()).args(args);
        run(cmd)
    }

    /// Each session's data as the framework reads it (null: gone).
    fn express_get(&self, port: u16, prefix: &str, sids: &[String]) -> BTreeMap<String, Value> {
        let args: Vec<&str> = ["get", prefix].into_iter().chain(sids.iter().map(String::as_str)).collect();
        serde_json::from_value(self.express(port, &args)).unwrap()
    }

    fn django_get(&self, port: u16, keys: &[String]) -> BTreeMap<String, Value> {
        let args: Vec<&str> = ["get"].into_iter().chain(keys.iter().map(String::as_str)).collect();
        serde_json::from_value(self.django(port, &args)).unwrap()
    }
}

fn strings(v: &Value) -> Vec<String> {
    serde_json::from_value(v.clone()).unwrap()
}

/// Keys that look like sessions but are not: no framework writes them so.
const LOOKALIKES: [&str; 4] = ["sess:counter", "session:config", "legacyapp:sess:meta", "_session_id:x"];

async fn pttl(probe: &mut Probe, key: &str) -> i64 {
    probe.cmd(redis::cmd("PTTL").arg(key)).await.unwrap()
}

const FAST: Pace = Pace { rate: None, batch: 3 };

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn capped_sessions_stay_readable_until_the_cap() {
    let Some(fw) = frameworks("cleanup_sessions") else { return };
    let (server, port) = RedisServer::start_tcp(&[]).unwrap();
    let express = fw.express(port, &["fill", "4", "3"]);
    let (default_sids, legacy_sids) = (strings(&express["default"]), strings(&express["legacy"]));
    let django_keys = strings(&fw.django(port, &["fill", "4"]));
    for k in LOOKALIKES {
        server.cli(&["SET", k, "v"]);
    }
    let mut probe =
        Probe::connect(&Target::parse(&server.url()).unwrap(), Timeouts::default()).await.unwrap();
    let cache_ttl = pttl(&mut probe, ":1:product_detail:1").await;

    // Every framework's default keys: connect-redis's 1 day and Django's 2 weeks, capped.
    let all = sessions::expire_selection(&SessionStores::All);
    let out = cleanup::execute(&mut probe, &all, &sessions::expire_action(3), &FAST).await.unwrap();
    assert_eq!(out.changed, 8, "{out:?}");
    // A store with its own prefix (and no TTL at all) is named with it.
    let legacy = SessionStores::Only {
        framework: SessionFramework::ExpressSession,
        prefix: Some("legacyapp:sess:".to_string()),
    };
    let sel = sessions::expire_selection(&legacy);
    let out = cleanup::execute(&mut probe, &sel, &sessions::expire_action(3), &FAST).await.unwrap();
    assert_eq!(out.changed, 3, "{out:?}");
    // Already within the cap: nothing more to do.
    let out = cleanup::execute(&mut probe, &all, &sessions::expire_action(3), &FAST).await.unwrap();
    assert_eq!(out.changed, 0, "{out:?}");

    let session_keys: Vec<String> = default_sids
        .iter()
        .map(|s| format!("sess:{s}"))
        .chain(legacy_sids.iter().map(|s| format!("legacyapp:sess:{s}")))
        .chain(django_keys.iter().map(|k| format!(":1:django.contrib.sessions.cache{k}")))
        .collect();
    for k in &session_keys {
        assert!((1..=3000).contains(&pttl(&mut probe, k).await), "{k}");
    }
    for k in LOOKALIKES.iter().chain(&[":1:site_config"]) {
        assert_eq!(pttl(&mut probe, k).await, -1, "{k}");
    }
    assert!(pttl(&mut probe, ":1:product_detail:1").await <= cache_ttl);

    // The frameworks read every session until the cap...
    let read = fw.express_get(port, "sess:", &default_sids);
    assert!(read.values().all(|s| s["userId"].is_number()), "{read:?}");
    let read = fw.express_get(port, "legacyapp:sess:", &legacy_sids);
    assert!(read.values().all(|s| s["userId"].is_number()), "{read:?}");
    let read = fw.django_get(port, &django_keys);
    assert!(read.values().all(|s| s["user_id"].is_number()), "{read:?}");

    // ...and none after it; the other keys are still there.
    tokio::time::sleep(Duration::from_millis(3500)).await;
    assert!(fw.express_get(port, "sess:", &default_sids).values().all(Value::is_null));
    assert!(fw.express_get(port, "legacyapp:sess:", &legacy_sids).values().all(Value::is_null));
    assert!(fw.django_get(port, &django_keys).values().all(Value::is_null));
    for k in LOOKALIKES.iter().chain(&[":1:site_config", ":1:product_detail:1"]) {
        let exists: u64 = probe.cmd(redis::cmd("EXISTS").arg(k)).await.unwrap();
        assert_eq!(exists, 1, "{k}");
    }
    drop(server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_sessions_go_and_the_ones_in_use_stay() {
    let Some(fw) = frameworks("cleanup_sessions") else { return };
    let (server, port) = RedisServer::start_tcp(&[]).unwrap();
    let default_sids = strings(&fw.express(port, &["fill", "4", "0"])["default"]);
    let django_keys = strings(&fw.django(port, &["fill", "4"]));
    for k in LOOKALIKES {
        server.cli(&["SET", k, "v"]);
    }
    // Everything idles; then the frameworks read half of the sessions (a request each).
    tokio::time::sleep(Duration::from_millis(3200)).await;
    let (used_sids, idle_sids) = default_sids.split_at(2);
    let (used_keys, idle_keys) = django_keys.split_at(2);
    fw.express_get(port, "sess:", used_sids);
    fw.django_get(port, used_keys);

    let mut probe =
        Probe::connect(&Target::parse(&server.url()).unwrap(), Timeouts::default()).await.unwrap();
    let sel = sessions::idle_selection(&SessionStores::All, 2);
    let out = cleanup::execute(&mut probe, &sel, &sessions::idle_action(), &FAST).await.unwrap();
    assert_eq!(out.changed, 4, "{out:?}");

    let read = fw.express_get(port, "sess:", &default_sids);
    assert!(used_sids.iter().all(|s| read[s]["userId"].is_number()), "{read:?}");
    assert!(idle_sids.iter().all(|s| read[s].is_null()), "{read:?}");
    let read = fw.django_get(port, &django_keys);
    assert!(used_keys.iter().all(|k| read[k]["user_id"].is_number()), "{read:?}");
    assert!(idle_keys.iter().all(|k| read[k].is_null()), "{read:?}");
    // Idle as long, but not sessions.
    for k in LOOKALIKES.iter().chain(&[":1:site_config", ":1:product_detail:1"]) {
        let exists: u64 = probe.cmd(redis::cmd("EXISTS").arg(k)).await.unwrap();
        assert_eq!(exists, 1, "{k}");
    }
    drop(server);
}
