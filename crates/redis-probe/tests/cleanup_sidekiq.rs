//! The Sidekiq presets against data written by Sidekiq itself (Debian `ruby-sidekiq`, 6.x):
//! `tests/sidekiq/sidekiq_data.rb` runs Sidekiq's own retry, morgue, poller and stats code
//! under a shifted clock to make old jobs and old daily counters, and afterwards reads
//! everything back through Sidekiq's API (`DeadSet`, `RetrySet`, `Stats`, `Stats::History`)
//! to prove exactly the expected jobs went and what stayed still loads.
//!
//! Skipped, with a notice, when `ruby` cannot load `sidekiq` (install `ruby-sidekiq`). The
//! test on `shared/workloads` data also needs that directory's `.venv` and node modules.

#![allow(clippy::unwrap_used)]

use std::{
    collections::BTreeSet,
    path::PathBuf,
    process::{Command, Stdio},
    time::{SystemTime, UNIX_EPOCH},
};

use redis_probe::{
    Probe, Target, Timeouts,
    cleanup::{
        Action, Pace, date,
        presets::sidekiq::{self, DEAD_PRESET, RETRY_PRESET},
        trim::{Retention, TrimOutcome, TrimParams, TrimPlan},
    },
};
use serde_json::Value;
use testkit::RedisServer;

const DAY_MS: i64 = 24 * 3600 * 1000;

fn has_sidekiq() -> bool {
    let ok = Command::new("ruby")
        .args(["-e", "require 'sidekiq'"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        testkit::skip_notice("cleanup_sidekiq", "ruby cannot load sidekiq (apt install ruby-sidekiq)");
    }
    ok
}

fn now_ms() -> i64 {
    i64::try_from(SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis()).unwrap()
}

/// Runs the Ruby helper against the server on `port`; its stdout as JSON (`null` if empty).
fn ruby(port: u16, args: &[&str]) -> Value {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/sidekiq/sidekiq_data.rb");
    let out = Command::new("ruby")
        .arg(&script)
        .args(args)
        .env("REDIS_URL", format!("redis://127.0.0.1:{port}/0"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "sidekiq_data.rb {args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    if text.trim().is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap() }
}

struct Env {
    _server: RedisServer,
    port: u16,
    probe: Probe,
    now_ms: i64,
}

impl Env {
    async fn start() -> Env {
        let (server, port) = RedisServer::start_tcp(&[]).unwrap();
        let target = Target::parse(&format!("redis://127.0.0.1:{port}")).unwrap();
        let probe = Probe::connect(&target, Timeouts::default()).await.unwrap();
        Env { _server: server, port, probe, now_ms: now_ms() }
    }

    /// Seeds jobs (see `seed` in the Ruby helper): returns the jids by group.
    fn seed(&self) -> Seeded {
        let now = format!("{}.{:03}", self.now_ms / 1000, self.now_ms % 1000);
        Seeded(ruby(self.port, &["seed", &now]))
    }

    fn check(&self, days: u32) -> Value {
        ruby(self.port, &["check", &days.to_string()])
    }

    fn params(&self, retention: Retention, prefix: Option<&str>) -> TrimParams {
        TrimParams { retention, prefix: prefix.map(str::to_string), queues: vec![], expire_secs: None }
    }

    fn older_than_days(&self, days: i64) -> Retention {
        Retention::OlderThan { cutoff_ms: self.now_ms - days * DAY_MS }
    }

    async fn plan(&mut self, preset: &str, params: &TrimParams) -> TrimPlan {
        match preset {
            DEAD_PRESET => sidekiq::plan_dead(&mut self.probe, params).await.unwrap(),
            _ => sidekiq::plan_retry(&mut self.probe, params).await.unwrap(),
        }
    }

    /// Applies `plan` in batches of `batch`, checking progress reports the running total.
    async fn apply(&mut self, plan: &TrimPlan, batch: u32) -> TrimOutcome {
        let mut seen = Vec::new();
        let pace = Pace { rate: Some(10_000), batch };
        let out = sidekiq::apply(&mut self.probe, plan, &pace, &mut |n| seen.push(n)).await.unwrap();
        assert!(seen.windows(2).all(|w| w[0] < w[1]), "progress {seen:?}");
        assert_eq!(seen.last().copied().unwrap_or(0), out.items);
        out
    }

    async fn redis(&mut self, args: &[&str]) -> redis::Value {
        let mut cmd = redis::cmd(args[0]);
        for a in &args[1..] {
            cmd.arg(*a);
        }
        self.probe.cmd(&cmd).await.unwrap()
    }
}

struct Seeded(Value);

impl Seeded {
    fn jids(&self, groups: &[&str]) -> BTreeSet<String> {
        groups
            .iter()
            .flat_map(|g| self.0[*g].as_array().unwrap().iter().map(|j| j.as_str().unwrap().to_string()))
            .collect()
    }

    fn nth(&self, group: &str, range: std::ops::Range<usize>) -> BTreeSet<String> {
        self.0[group].as_array().unwrap()[range].iter().map(|j| j.as_str().unwrap().to_string()).collect()
    }
}

/// Jids of a set as Sidekiq's API lists them, and the members it cannot read as jobs.
fn listed(check: &Value, set: &str) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut jids = BTreeSet::new();
    let mut others = BTreeSet::new();
    for e in check[set].as_array().unwrap() {
        match e["jid"].as_str() {
            Some(j) => jids.insert(j.to_string()),
            None => others.insert(e["value"].as_str().unwrap().to_string()),
        };
    }
    (jids, others)
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dead_older_than_removes_the_jobs_that_died_before_the_cutoff_only() {
    if !has_sidekiq() {
        return;
    }
    let mut env = Env::start().await;
    let seeded = env.seed();
    let params = env.params(env.older_than_days(30), None);
    let plan = env.plan(DEAD_PRESET, &params).await;
    let t = &plan.targets[0];
    assert_eq!((t.key.as_str(), t.total, t.remove), ("dead", 16, 11), "{plan:#?}");
    // Oldest first: the jobs that died 100 days ago.
    assert_eq!(t.sample.len(), 5);
    let oldest = seeded.jids(&["dead_100d"]);
    for s in &t.sample {
        let (class, jid) = s.split_once(' ').unwrap();
        assert_eq!(class, "DoomedImportWorker");
        assert!(oldest.contains(jid), "{s}");
    }
    assert!(t.bytes_estimate.unwrap() > 11 * 100, "{plan:#?}");
    assert!(t.how.contains("ZRANGEBYSCORE dead -inf ("), "{}", t.how);
    assert!(plan.notes.iter().any(|n| n.contains("dead_max_jobs") && n.contains("10,000")));

    // A job dies between the plan and the apply: it is new, so it stays.
    let died_now = ruby(env.port, &["kill-now"]).as_str().unwrap().to_string();
    let out = env.apply(&plan, 4).await;
    assert_eq!(out, TrimOutcome { items: 11, keys_deleted: 0, skipped_in_use: 0, batches: 3 });

    let check = env.check(1);
    assert_eq!(check["dead_size"], 6);
    let (jids, others) = listed(&check, "dead");
    let mut want = seeded.jids(&["dead_1d"]);
    want.insert(died_now);
    assert_eq!(jids, want);
    assert!(others.is_empty(), "{others:?}");
    // The retry set is not touched.
    assert_eq!(check["retry_size"], 12);

    // Resuming (re-running) changes nothing more.
    assert_eq!(env.apply(&plan, 4).await, TrimOutcome::default());
    assert_eq!(env.plan(DEAD_PRESET, &params).await.targets[0].remove, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_older_than_goes_by_failed_at_not_by_the_next_attempt_score() {
    if !has_sidekiq() {
        return;
    }
    let mut env = Env::start().await;
    let seeded = env.seed();
    let params = env.params(env.older_than_days(30), None);
    let plan = env.plan(RETRY_PRESET, &params).await;
    let t = &plan.targets[0];
    assert_eq!((t.key.as_str(), t.total, t.remove), ("retry", 12, 6), "{plan:#?}");
    let old = seeded.jids(&["retry_60d_refailed", "retry_45d"]);
    assert_eq!(t.sample.len(), 5);
    for s in &t.sample {
        let (class, jid) = s.split_once(' ').unwrap();
        assert_eq!(class, "FlakyPaymentWorker");
        assert!(old.contains(jid), "{s}");
    }
    assert!(plan.notes.iter().any(|n| n.starts_with("2 member(s) have no readable failed_at")), "{plan:#?}");

    let out = env.apply(&plan, 4).await;
    assert_eq!(out, TrimOutcome { items: 6, keys_deleted: 0, skipped_in_use: 0, batches: 2 });
    let check = env.check(1);
    assert_eq!(check["retry_size"], 6);
    let (jids, others) = listed(&check, "retry");
    // The jobs that failed a day ago stay although their next attempt is the earliest; the
    // ones failing for 60 days go although theirs is the latest.
    assert_eq!(jids, seeded.jids(&["retry_1d"]));
    assert_eq!(others, set(&["\"just a string\"", "not json {"]));
    assert_eq!(check["dead_size"], 16);

    assert_eq!(env.apply(&plan, 4).await, TrimOutcome::default());
    assert_eq!(env.plan(RETRY_PRESET, &params).await.targets[0].remove, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keep_newest_keeps_the_latest_deaths_and_the_latest_failures() {
    if !has_sidekiq() {
        return;
    }
    let mut env = Env::start().await;
    let seeded = env.seed();

    let keep3 = env.params(Retention::KeepNewest { keep: 3 }, None);
    let plan = env.plan(DEAD_PRESET, &keep3).await;
    assert_eq!((plan.targets[0].total, plan.targets[0].remove), (16, 13));
    assert_eq!(env.apply(&plan, 5).await.items, 13);
    let (jids, _) = listed(&env.check(1), "dead");
    assert_eq!(jids, seeded.nth("dead_1d", 2..5));
    assert_eq!(env.apply(&plan, 5).await, TrimOutcome::default());

    // More to keep than there are: nothing goes.
    let keep100 = env.params(Retention::KeepNewest { keep: 100 }, None);
    for preset in [DEAD_PRESET, RETRY_PRESET] {
        let plan = env.plan(preset, &keep100).await;
        assert_eq!(plan.targets[0].remove, 0, "{plan:#?}");
        assert!(plan.targets[0].sample.is_empty());
        assert_eq!(env.apply(&plan, 5).await, TrimOutcome::default());
    }

    // Retry: the newest by failed_at; members without one are never counted nor removed.
    let keep2 = env.params(Retention::KeepNewest { keep: 2 }, None);
    let plan = env.plan(RETRY_PRESET, &keep2).await;
    assert_eq!((plan.targets[0].total, plan.targets[0].remove), (12, 8), "{plan:#?}");
    assert_eq!(env.apply(&plan, 3).await.items, 8);
    let check = env.check(1);
    let (jids, others) = listed(&check, "retry");
    assert_eq!(jids, seeded.nth("retry_1d", 2..4));
    assert_eq!(others.len(), 2);
    assert_eq!(env.apply(&plan, 3).await, TrimOutcome::default());

    let keep0 = env.params(Retention::KeepNewest { keep: 0 }, None);
    let plan = env.plan(RETRY_PRESET, &keep0).await;
    assert_eq!(plan.targets[0].remove, 2);
    assert_eq!(env.apply(&plan, 3).await.items, 2);
    let check = env.check(1);
    assert_eq!(check["retry_size"], 2);
    assert_eq!(check["dead_size"], 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_sets_nothing_old_and_a_namespace() {
    if !has_sidekiq() {
        return;
    }
    let mut env = Env::start().await;
    let older30 = env.params(env.older_than_days(30), None);
    for preset in [DEAD_PRESET, RETRY_PRESET] {
        let plan = env.plan(preset, &older30).await;
        let t = &plan.targets[0];
        assert_eq!((t.total, t.remove, t.sample.len(), t.bytes_estimate), (0, 0, 0, Some(0)));
        assert_eq!(env.apply(&plan, 10).await, TrimOutcome::default());
    }

    env.seed();
    // Nothing is a year old.
    let older365 = env.params(env.older_than_days(365), None);
    for preset in [DEAD_PRESET, RETRY_PRESET] {
        let plan = env.plan(preset, &older365).await;
        assert_eq!(plan.targets[0].remove, 0);
        assert_eq!(env.apply(&plan, 10).await, TrimOutcome::default());
    }

    // redis-namespace stores Sidekiq's keys as `<namespace>:<key>`.
    env.redis(&["RENAME", "dead", "myapp:dead"]).await;
    env.redis(&["RENAME", "retry", "myapp:retry"]).await;
    let plan = env.plan(DEAD_PRESET, &older30).await;
    assert_eq!(plan.targets[0].total, 0, "the un-namespaced set is gone");
    let ns = env.params(env.older_than_days(30), Some("myapp"));
    let dead = env.plan(DEAD_PRESET, &ns).await;
    let retry = env.plan(RETRY_PRESET, &ns).await;
    assert_eq!((dead.targets[0].key.as_str(), dead.targets[0].remove), ("myapp:dead", 11));
    assert_eq!((retry.targets[0].key.as_str(), retry.targets[0].remove), ("myapp:retry", 6));
    assert_eq!(env.apply(&dead, 1000).await.items, 11);
    assert_eq!(env.apply(&retry, 1000).await.items, 6);
    env.redis(&["RENAME", "myapp:dead", "dead"]).await;
    env.redis(&["RENAME", "myapp:retry", "retry"]).await;
    let check = env.check(1);
    assert_eq!((check["dead_size"].as_u64(), check["retry_size"].as_u64()), (Some(5), Some(6)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stats_keeps_the_last_days_the_history_shows_and_the_totals() {
    if !has_sidekiq() {
        return;
    }
    let mut env = Env::start().await;
    let now = format!("{}", env.now_ms / 1000);
    ruby(env.port, &["stats", &now, "100"]);
    let today = date::day_of_unix(env.now_ms / 1000);
    let before = env.check(100);
    assert_eq!(before["processed"], 100 * 100 + 4950);

    // A daily counter of a namespaced app, an old one of this app: the namespaced preset
    // takes only the former.
    let old_day = date::civil_from_days(today - 200);
    let ns_old = format!("myapp:stat:processed:{old_day}");
    let ns_new = format!("myapp:stat:processed:{}", date::civil_from_days(today));
    env.redis(&["SET", &ns_old, "7"]).await;
    env.redis(&["SET", &ns_new, "7"]).await;
    let plain_old = format!("stat:failed:{old_day}");
    env.redis(&["SET", &plain_old, "7"]).await;
    let pace = Pace { rate: None, batch: 1000 };
    let sel = sidekiq::stats_selection_in(Some("myapp"), 30, today);
    let out = redis_probe::cleanup::execute(&mut env.probe, &sel, &Action::Delete, &pace).await.unwrap();
    assert_eq!(out.changed, 1);
    assert_eq!(env.redis(&["EXISTS", &ns_old, &ns_new, &plain_old]).await, redis::Value::Int(2));
    env.redis(&["DEL", &ns_new]).await;

    // Days 31..=99 back (and the one added above) go; days 0..=30 stay.
    let sel = sidekiq::stats_selection(30, today);
    let out = redis_probe::cleanup::execute(&mut env.probe, &sel, &Action::Delete, &pace).await.unwrap();
    assert_eq!(out.changed, 2 * 69 + 1);

    let after = env.check(100);
    assert_eq!(after["processed"], before["processed"]);
    assert_eq!(after["failed"], before["failed"]);
    for d in 0..100 {
        let day = date::civil_from_days(today - d);
        let (processed, failed) = if d <= 30 { (100 + d, d) } else { (0, 0) };
        assert_eq!(after["history_processed"][&day], processed, "{day}");
        assert_eq!(after["history_failed"][&day], failed, "{day}");
    }
    // Sidekiq's own 5-year TTL is left as it was.
    let ttl = env.redis(&["TTL", &format!("stat:processed:{}", date::civil_from_days(today))]).await;
    assert!(matches!(ttl, redis::Value::Int(t) if t > 4 * 365 * 24 * 3600), "{ttl:?}");
    assert_eq!(env.redis(&["DBSIZE"]).await, redis::Value::Int(2 + 2 * 31));
}

/// Sets too big for one reply (ZSCAN pages, hashtable encoding) and batches over the scripts'
/// ZREM chunk, with failed_at in both Sidekiq formats; read back by Sidekiq.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_sets_in_pages_at_the_given_rate() {
    if !has_sidekiq() {
        return;
    }
    let mut env = Env::start().await;
    let now_s = env.now_ms / 1000;
    let mut p = redis::pipe();
    for i in 0..3000i64 {
        let died = if i < 2000 { now_s - 40 * 86_400 + i } else { now_s - 86_400 + i };
        let job = format!(r#"{{"class":"BulkWorker","jid":"d{i:05}","args":[{i}],"retry":0}}"#);
        p.cmd("ZADD").arg("dead").arg(died).arg(job).ignore();
        // Sidekiq <= 7 wrote failed_at as float seconds, 8.x as integer milliseconds.
        let failed_ms = if i % 3 == 0 { env.now_ms - 40 * DAY_MS } else { env.now_ms - DAY_MS } + i;
        let failed_at = if i % 2 == 0 {
            format!("{}.{:03}", failed_ms / 1000, failed_ms % 1000)
        } else {
            failed_ms.to_string()
        };
        let job = format!(
            r#"{{"class":"BulkWorker","jid":"r{i:05}","args":[{i}],"retry":true,"retry_count":0,"failed_at":{failed_at}}}"#
        );
        p.cmd("ZADD").arg("retry").arg(now_s + 30 + i).arg(job).ignore();
    }
    let () = env.probe.pipe(&p, "ZADD").await.unwrap();

    let params = env.params(env.older_than_days(30), None);
    let plan = env.plan(DEAD_PRESET, &params).await;
    assert_eq!((plan.targets[0].total, plan.targets[0].remove), (3000, 2000));
    let started = std::time::Instant::now();
    let pace = Pace { rate: Some(4000), batch: 1200 };
    let out = sidekiq::apply(&mut env.probe, &plan, &pace, &mut |_| {}).await.unwrap();
    assert_eq!((out.items, out.batches), (2000, 5), "400 a batch: a tenth of a second at 4,000/s");
    assert!(started.elapsed().as_secs_f64() > 0.35, "{:?}", started.elapsed());

    // Batches above the script's ZREM chunk of 500.
    let keep = env.params(Retention::KeepNewest { keep: 10 }, None);
    let plan = env.plan(DEAD_PRESET, &keep).await;
    let out = env.apply(&plan, 700).await;
    assert_eq!((out.items, out.batches), (990, 2));

    let plan = env.plan(RETRY_PRESET, &params).await;
    assert_eq!((plan.targets[0].total, plan.targets[0].remove), (3000, 1000), "{plan:#?}");
    assert!(plan.targets[0].sample.iter().all(|s| s.starts_with("BulkWorker r")));
    let out = env.apply(&plan, 700).await;
    assert_eq!((out.items, out.skipped_in_use), (1000, 0));

    let check = env.check(1);
    assert_eq!((check["dead_size"].as_u64(), check["retry_size"].as_u64()), (Some(10), Some(2000)));
    let (jids, _) = listed(&check, "retry");
    assert!(jids.iter().all(|j| j[1..].parse::<u32>().unwrap() % 3 != 0));
    let (jids, _) = listed(&check, "dead");
    assert_eq!(jids, (2990..3000).map(|i| format!("d{i:05}")).collect());
}

/// Data from a real Sidekiq server run (`shared/workloads`, step `sidekiq`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workload_dead_and_retry_sets_written_by_a_sidekiq_server() {
    let dir = testkit::workloads_dir();
    if !dir.join(".venv").is_dir() || !dir.join("node/node_modules").is_dir() || !has_sidekiq() {
        testkit::skip_notice(
            "cleanup_sidekiq workload",
            &format!("{} has no .venv / node_modules; run its setup.sh", dir.display()),
        );
        return;
    }
    let mut env = Env::start().await;
    let populate = Command::new(dir.join("populate.sh"))
        .arg(env.port.to_string())
        .arg("1")
        .env("STEPS", "sidekiq")
        .output()
        .unwrap();
    assert!(
        populate.status.success(),
        "populate.sh failed:\n{}\n{}",
        String::from_utf8_lossy(&populate.stdout),
        String::from_utf8_lossy(&populate.stderr)
    );
    let before = env.check(1);
    let (dead_before, retry_before) =
        (before["dead_size"].as_u64().unwrap(), before["retry_size"].as_u64().unwrap());
    assert!(dead_before > 5 && retry_before > 0, "{before}");

    let keep5 = env.params(Retention::KeepNewest { keep: 5 }, None);
    let plan = env.plan(DEAD_PRESET, &keep5).await;
    assert_eq!(plan.targets[0].remove, dead_before - 5);
    assert!(plan.targets[0].sample.iter().all(|s| s.starts_with("DoomedImportWorker ")), "{plan:#?}");
    assert_eq!(env.apply(&plan, 7).await.items, dead_before - 5);

    // Every job in `retry` failed before an hour from now.
    let params = env.params(Retention::OlderThan { cutoff_ms: env.now_ms + 3600 * 1000 }, None);
    let plan = env.plan(RETRY_PRESET, &params).await;
    assert_eq!(plan.targets[0].remove, retry_before);
    assert_eq!(env.apply(&plan, 7).await.items, retry_before);

    let after = env.check(1);
    assert_eq!((after["dead_size"].as_u64(), after["retry_size"].as_u64()), (Some(5), Some(0)));
    let newest: BTreeSet<String> = {
        let mut dead: Vec<(f64, String)> = before["dead"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (e["score"].as_f64().unwrap(), e["jid"].as_str().unwrap().to_string()))
            .collect();
        dead.sort_by(|a, b| b.0.total_cmp(&a.0));
        dead.into_iter().take(5).map(|(_, j)| j).collect()
    };
    assert_eq!(listed(&after, "dead").0, newest);
    assert_eq!(after["processed"], before["processed"]);
}
