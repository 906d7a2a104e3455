//! The cleanup engine against real redis-servers: the dry run changes nothing and predicts
//! what `apply` does; each way of writing (UNLINK, EXPIRE NX/LT, the guard script); keys that
//! change between the plan and the write; replicas and LFU refused; Ctrl-C and a journal
//! resumed; a dropped connection mid-batch.

#![allow(clippy::unwrap_used)]

use std::{
    sync::atomic::{AtomicBool, Ordering},
    time::Duration,
};

use redis_probe::{
    Probe, Target, Timeouts,
    cleanup::{
        self, Action, CleanupError, ExpireMode, Hooks, Journal, Pace, Progress, Selection, ServerFacts,
        State, Work,
    },
};
use testkit::RedisServer;

async fn probe(url: &str) -> Probe {
    Probe::connect(&Target::parse(url).unwrap(), Timeouts::default()).await.unwrap()
}

fn count(server: &RedisServer, pattern: &str) -> usize {
    let script = "local c, n = '0', 0 repeat local r = redis.call('SCAN', c, 'MATCH', ARGV[1], 'COUNT', 1000) \
                  c = r[1] n = n + #r[2] until c == '0' return n";
    server.cli(&["EVAL", script, "0", pattern]).trim().parse().unwrap()
}

fn by_pattern(p: &[&str]) -> Selection {
    Selection { patterns: p.iter().map(|s| s.to_string()).collect(), ..Selection::default() }
}

const FAST: Pace = Pace { rate: None, batch: 500 };

async fn dry_run(p: &mut Probe, sel: &Selection, action: &Action) -> cleanup::Plan {
    let facts = ServerFacts::read(p).await.unwrap();
    cleanup::plan(p, sel, action, &FAST, &facts, &mut |_| {}).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dry_run_changes_nothing_and_predicts_the_delete() {
    let server = RedisServer::start(&[]).unwrap();
    server.fill(0, "cache", 3_000, 0);
    server.fill(0, "keep", 1_000, 0);
    let mut p = probe(&server.url()).await;
    let sel = by_pattern(&["cache:*"]);
    let plan = dry_run(&mut p, &sel, &Action::Delete).await;
    assert_eq!((plan.keys_scanned, plan.keys_matched, plan.keys_to_change), (3_000, 3_000, 3_000));
    assert!(plan.bytes > 3_000 * 16, "{}", plan.bytes);
    assert_eq!(plan.by_type["string"].keys, 3_000);
    assert_eq!(plan.sample.len(), cleanup::SAMPLE_KEYS);
    assert!(plan.sample.iter().all(|k| k.key.starts_with("cache:") && k.ttl_secs.is_none()));
    assert_eq!(count(&server, "cache:*"), 3_000);

    let out = cleanup::execute(&mut p, &sel, &Action::Delete, &FAST).await.unwrap();
    assert_eq!(out.changed, 3_000);
    assert_eq!(count(&server, "cache:*"), 0);
    assert_eq!(count(&server, "keep:*"), 1_000);
    // The estimate comes from the measured batches; every key here is the same size.
    let per_key = plan.bytes as f64 / 3_000.0;
    assert!(
        (out.bytes_estimate as f64 - plan.bytes as f64).abs() < per_key * 300.0,
        "{out:?} vs {}",
        plan.bytes
    );
    assert!(out.server_cpu_secs.is_none() || out.server_cpu_secs.unwrap() >= 0.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_patterns_share_one_pass_and_a_miss_is_not_an_error() {
    let server = RedisServer::start(&[]).unwrap();
    server.fill(0, "a", 700, 0);
    server.fill(0, "b", 300, 0);
    server.fill(0, "c", 200, 0);
    let mut p = probe(&server.url()).await;
    let sel = by_pattern(&["a:*", "b:1*"]);
    let plan = dry_run(&mut p, &sel, &Action::Delete).await;
    assert_eq!(plan.keys_scanned, 1_200);
    // b:1, b:10..b:19, b:100..b:199
    assert_eq!(plan.keys_to_change, 700 + 111);
    let out = cleanup::execute(&mut p, &sel, &Action::Delete, &FAST).await.unwrap();
    assert_eq!(out.changed, 811);
    assert_eq!(count(&server, "b:*"), 189);
    let none = cleanup::execute(&mut p, &by_pattern(&["nothing:*"]), &Action::Delete, &FAST).await.unwrap();
    assert_eq!((none.changed, none.batches), (0, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expire_gives_a_ttl_only_where_none_exists() {
    let server = RedisServer::start(&[]).unwrap();
    server.fill(0, "s", 500, 0);
    server.fill(0, "s:ttl", 200, 100);
    let mut p = probe(&server.url()).await;
    let action = Action::Expire { secs: 3_600, mode: ExpireMode::OnlyWithoutTtl };
    let sel = by_pattern(&["s:*"]);
    let plan = dry_run(&mut p, &sel, &action).await;
    assert_eq!((plan.keys_matched, plan.keys_to_change), (700, 500));
    let out = cleanup::execute(&mut p, &sel, &action, &FAST).await.unwrap();
    assert_eq!(out.changed, 500);
    assert_eq!(out.no_longer_matching, 200);
    // The keys that had a TTL keep it.
    let ttl: i64 = server.cli(&["TTL", "s:ttl:7"]).trim().parse().unwrap();
    assert!((1..=100).contains(&ttl), "{ttl}");
    let ttl: i64 = server.cli(&["TTL", "s:7"]).trim().parse().unwrap();
    assert!((3_590..=3_600).contains(&ttl), "{ttl}");
    // Again: nothing left to do.
    let again = cleanup::execute(&mut p, &sel, &action, &FAST).await.unwrap();
    assert_eq!(again.changed, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cap_lowers_long_ttls_and_sets_missing_ones() {
    let server = RedisServer::start(&[]).unwrap();
    server.fill(0, "sess:none", 100, 0);
    server.fill(0, "sess:long", 100, 86_400);
    server.fill(0, "sess:short", 100, 60);
    let mut p = probe(&server.url()).await;
    let action = Action::Expire { secs: 3_600, mode: ExpireMode::Cap };
    let sel = by_pattern(&["sess:*"]);
    assert_eq!(dry_run(&mut p, &sel, &action).await.keys_to_change, 200);
    let out = cleanup::execute(&mut p, &sel, &action, &FAST).await.unwrap();
    assert_eq!(out.changed, 200);
    for (key, lo, hi) in
        [("sess:none:1", 3_590, 3_600), ("sess:long:1", 3_590, 3_600), ("sess:short:1", 1, 60)]
    {
        let ttl: i64 = server.cli(&["TTL", key]).trim().parse().unwrap();
        assert!((lo..=hi).contains(&ttl), "{key} {ttl}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filters_are_rechecked_at_write_time() {
    let server = RedisServer::start(&[]).unwrap();
    server.fill(0, "k", 400, 0);
    server.fill(0, "k:ttl", 100, 1_000);
    for i in 0..50 {
        server.cli(&["HSET", &format!("k:hash:{i}"), "f", "v"]);
    }
    let mut p = probe(&server.url()).await;
    let sel = Selection { types: vec!["string".into()], no_ttl: true, ..by_pattern(&["k:*"]) };
    let plan = dry_run(&mut p, &sel, &Action::Delete).await;
    assert_eq!(plan.keys_to_change, 400);
    // Between the dry run and the write: one key becomes a hash, one gets a TTL, one vanishes.
    server.cli(&["DEL", "k:1"]);
    server.cli(&["HSET", "k:1", "f", "v"]);
    server.cli(&["EXPIRE", "k:2", "1000"]);
    server.cli(&["DEL", "k:3"]);
    let out = cleanup::execute(&mut p, &sel, &Action::Delete, &FAST).await.unwrap();
    assert_eq!(out.changed, 397);
    assert_eq!(server.cli(&["TYPE", "k:1"]).trim(), "hash");
    assert_eq!(server.cli(&["EXISTS", "k:2"]).trim(), "1");
    assert_eq!(count(&server, "k:ttl:*"), 100);
    assert_eq!(count(&server, "k:hash:*"), 50);

    server.cli(&["SET", "k:big", &"x".repeat(10_000)]);
    let big = Selection { larger_than_bytes: Some(5_000), ..by_pattern(&["k:*"]) };
    assert_eq!(dry_run(&mut p, &big, &Action::Delete).await.keys_to_change, 1);
    assert_eq!(cleanup::execute(&mut p, &big, &Action::Delete, &FAST).await.unwrap().changed, 1);
    assert_eq!(server.cli(&["EXISTS", "k:big"]).trim(), "0");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_time_selects_old_keys_and_is_refused_under_lfu() {
    let server = RedisServer::start(&[]).unwrap();
    server.fill(0, "old", 50, 0);
    server.cli(&["DEBUG", "SLEEP", "0"]);
    let mut p = probe(&server.url()).await;
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    server.fill(0, "new", 50, 0);
    let sel = Selection { idle_over_secs: Some(2), ..by_pattern(&["*"]) };
    let plan = dry_run(&mut p, &sel, &Action::Delete).await;
    assert_eq!(plan.keys_to_change, 50);
    assert!(plan.sample.iter().all(|k| k.key.starts_with("old:") && k.idle_secs.unwrap() >= 2));
    let out = cleanup::execute(&mut p, &sel, &Action::Delete, &FAST).await.unwrap();
    assert_eq!(out.changed, 50);
    assert_eq!(count(&server, "new:*"), 50);

    server.cli(&["CONFIG", "SET", "maxmemory-policy", "allkeys-lfu"]);
    let facts = ServerFacts::read(&mut p).await.unwrap();
    let err = cleanup::plan(&mut p, &sel, &Action::Delete, &FAST, &facts, &mut |_| {}).await.unwrap_err();
    assert!(matches!(err, CleanupError::IdleUnderLfu { .. }), "{err}");
    assert!(err.to_string().contains("allkeys-lfu"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_is_refused_and_named_with_its_master() {
    let (master, port) = RedisServer::start_tcp(&[]).unwrap();
    master.fill(0, "k", 10, 0);
    let replica = RedisServer::start(&["--replicaof", "127.0.0.1", &port.to_string()]).unwrap();
    let mut p = probe(&replica.url()).await;
    let err = cleanup::execute(&mut p, &by_pattern(&["k:*"]), &Action::Delete, &FAST).await.unwrap_err();
    assert!(matches!(err, CleanupError::Replica { .. }), "{err}");
    assert!(err.to_string().contains(&format!("127.0.0.1:{port}")), "{err}");
    assert_eq!(count(&master, "k:*"), 10);
}

/// Runs a journaled cleanup, stopping it (as Ctrl-C does) after `stop_after` batches.
async fn journaled(p: &mut Probe, journal: &mut Journal, stop_after: Option<u64>) -> cleanup::Outcome {
    let facts = ServerFacts::read(p).await.unwrap();
    let stop = AtomicBool::new(false);
    let mut batches = 0;
    let mut progress = |_: Progress| {
        batches += 1;
        if stop_after.is_some_and(|n| batches >= n) {
            stop.store(true, Ordering::SeqCst);
        }
    };
    cleanup::apply(p, journal, &facts, Hooks { stop: &stop, progress: &mut progress, reconnect: None })
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_writes_the_journal_and_resume_finishes_the_work_once() {
    let server = RedisServer::start(&[]).unwrap();
    server.fill(0, "gone", 20_000, 0);
    server.fill(0, "keep", 5_000, 0);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cleanup.journal");
    let mut p = probe(&server.url()).await;
    let work = Work::Keys { selection: by_pattern(&["gone:*"]), action: Action::Delete };
    let mut journal = Journal::new(&p.label, 0, None, work, FAST).create(&path).unwrap();
    let first = journaled(&mut p, &mut journal, Some(10)).await;
    assert!(first.interrupted);
    let on_disk = Journal::load(&path).unwrap();
    assert_eq!(on_disk.state, State::Interrupted);
    assert_eq!(on_disk.changed, first.changed);
    let left = count(&server, "gone:*") as u64;
    assert_eq!(left + first.changed, 20_000);
    assert!(left > 0);

    let mut resumed = Journal::load(&path).unwrap();
    let second = journaled(&mut p, &mut resumed, None).await;
    assert!(second.resumed && !second.interrupted);
    assert_eq!(count(&server, "gone:*"), 0);
    assert_eq!(count(&server, "keep:*"), 5_000);
    // Every key counted exactly once over the two runs.
    assert_eq!(second.changed, 20_000);
    assert_eq!(Journal::load(&path).unwrap().state, State::Done);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_connection_mid_batch_resumes_without_skipping() {
    let server = RedisServer::start(&[]).unwrap();
    server.fill(0, "gone", 60_000, 0);
    server.fill(0, "keep", 2_000, 0);
    let relay = std::sync::Arc::new(
        testkit::LatencyRelay::start(
            testkit::Upstream::Unix(server.socket().to_path_buf()),
            Duration::from_millis(5),
        )
        .unwrap(),
    );
    let target = Target::parse(&relay.url()).unwrap();
    let mut p = Probe::connect(&target, Timeouts::default()).await.unwrap();
    let cutter = relay.clone();
    let cutting = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        cutter.drop_connections();
    });
    let mut reconnect = move || -> std::pin::Pin<Box<dyn std::future::Future<Output = _> + Send>> {
        let target = target.clone();
        Box::pin(async move { Probe::connect(&target, Timeouts::default()).await })
    };
    let facts = ServerFacts::read(&mut p).await.unwrap();
    let sel = Selection { types: vec!["string".into()], ..by_pattern(&["gone:*"]) };
    let mut journal =
        Journal::new(&p.label, 0, None, Work::Keys { selection: sel, action: Action::Delete }, FAST);
    let stop = AtomicBool::new(false);
    let out = cleanup::apply(
        &mut p,
        &mut journal,
        &facts,
        Hooks { stop: &stop, progress: &mut |_| {}, reconnect: Some(&mut reconnect) },
    )
    .await
    .unwrap();
    cutting.join().unwrap();
    assert_eq!(out.reconnects, 1);
    assert_eq!(count(&server, "gone:*"), 0);
    assert_eq!(count(&server, "keep:*"), 2_000);
    // A batch whose reply was lost is redone; its keys are then gone and counted as such.
    assert!(out.changed <= 60_000 && out.changed + 500 >= 60_000, "{out:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn big_batches_go_in_commands_of_a_thousand_keys() {
    let server = RedisServer::start(&[]).unwrap();
    server.fill(0, "a", 12_000, 0);
    server.fill(0, "b", 12_000, 0);
    let mut p = probe(&server.url()).await;
    let big = Pace { rate: None, batch: 5_000 };
    let out = cleanup::execute(&mut p, &by_pattern(&["a:*"]), &Action::Delete, &big).await.unwrap();
    assert_eq!(out.changed, 12_000);
    // The guard script too (a type filter), in chunks.
    let sel = Selection { types: vec!["string".into()], ..by_pattern(&["b:*"]) };
    let out = cleanup::execute(&mut p, &sel, &Action::Delete, &big).await.unwrap();
    assert_eq!(out.changed, 12_000);
    assert_eq!(count(&server, "*"), 0);
    // No single command carried more than a thousand keys.
    let stats = server.cli(&["INFO", "commandstats"]);
    let unlink = stats.lines().find(|l| l.starts_with("cmdstat_unlink:")).unwrap();
    let calls: u64 = unlink.split(['=', ',']).nth(1).unwrap().parse().unwrap();
    assert!(calls >= 12, "{unlink}");
}
