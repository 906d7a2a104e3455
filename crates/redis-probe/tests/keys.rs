//! The keyspace scanner against real redis-servers: exact counts, odd keys, keys changing
//! under the scan, a 1M-element key, sampling, rate limits, cluster mode and lost servers.

#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use redis_probe::{
    Probe, Target, Timeouts,
    keys::{self, KeysReport, ScanOptions},
};
use testkit::RedisServer;

async fn probe(server: &RedisServer) -> Probe {
    Probe::connect(&Target::parse(&server.url()).unwrap(), Timeouts::default()).await.unwrap()
}

async fn run(p: &mut Probe, opts: &ScanOptions) -> KeysReport {
    keys::scan(p, opts, &mut |_| {}).await.unwrap()
}

fn prefix<'a>(r: &'a KeysReport, db: u32, pattern: &str) -> &'a keys::PrefixStats {
    r.prefixes
        .iter()
        .find(|p| p.db == db && p.pattern == pattern)
        .unwrap_or_else(|| panic!("no {pattern} in {:#?}", r.prefixes))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_keys_in_two_dbs_are_counted_exactly() {
    let server = RedisServer::start(&[]).unwrap();
    server.fill(0, "user", 7000, 0);
    server.fill(0, "cache", 3000, 3600);
    server.fill(3, "other", 500, 0);
    let target = Target::parse(&format!("{}?db=3", server.url())).unwrap();
    let mut p = Probe::connect(&target, Timeouts::default()).await.unwrap();
    let mut calls = 0;
    let r = keys::scan(&mut p, &ScanOptions::default(), &mut |_| calls += 1).await.unwrap();
    assert!(calls > 0);
    assert_eq!(r.partial, None);
    assert_eq!(
        r.dbs.iter().map(|d| (d.db, d.scanned.keys, d.complete)).collect::<Vec<_>>(),
        [(0, 10000, true), (3, 500, true)]
    );
    assert_eq!(r.totals.keys, 10500);
    assert_eq!(r.totals.keys_without_ttl, 7500);
    assert_eq!(prefix(&r, 0, "user:*").keys, 7000);
    assert_eq!(prefix(&r, 0, "cache:*").keys_without_ttl, 0);
    assert_eq!(prefix(&r, 0, "cache:*").ttl_coverage, 1.0);
    assert_eq!(r.top.len(), 10);
    assert!(r.top.windows(2).all(|w| w[0].bytes >= w[1].bytes));
    let buckets: u64 = r.ttl_histogram.iter().map(|b| b.keys).sum();
    assert_eq!(buckets, 10500);
    assert_eq!(r.ttl_histogram[2].keys, 3000, "{:?}", r.ttl_histogram);
    assert!(r.sample.is_none() && r.estimated_totals.is_none());
    // The probe is given back on the db it was connected to.
    let _: () = p.cmd(redis::cmd("SET").arg("mine").arg("x")).await.unwrap();
    assert_eq!(server.cli(&["-n", "3", "GET", "mine"]).trim(), "x");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_server_gives_an_empty_report() {
    let server = RedisServer::start(&[]).unwrap();
    let mut p = probe(&server).await;
    let r = run(&mut p, &ScanOptions::default()).await;
    assert!(r.dbs.is_empty() && r.top.is_empty() && r.prefixes.is_empty());
    assert_eq!(r.role.role, findings::Role::Unknown);
    // An explicitly asked db that is empty is reported with zero keys.
    let r = run(&mut p, &ScanOptions { dbs: Some(vec![5]), ..ScanOptions::default() }).await;
    assert_eq!(r.dbs.len(), 1);
    assert_eq!(r.dbs[0].scanned.keys, 0);
    assert!(r.dbs[0].complete);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binary_keys_are_escaped_not_lost() {
    let server = RedisServer::start(&[]).unwrap();
    let mut p = probe(&server).await;
    for k in [&b"bin:\xff\xfe\x00"[..], b"line\nbreak", b"caf\xc3\xa9:1", b"back\\slash"] {
        let _: () = p.cmd(redis::cmd("SET").arg(k).arg("v")).await.unwrap();
    }
    let r = run(&mut p, &ScanOptions::default()).await;
    assert_eq!(r.totals.keys, 4);
    let mut shown: Vec<&str> = r.top.iter().map(|t| t.key.as_str()).collect();
    shown.sort();
    assert_eq!(shown, ["back\\\\slash", "bin:\\xff\\xfe\\u{0}", "café:1", "line\\nbreak"]);
    assert!(r.prefixes.iter().any(|p| p.pattern == "bin:*"), "{:?}", r.prefixes);
    assert!(serde_json::to_string(&r).is_ok());
}

/// Every `MEMORY USAGE` the server logged, as (key, SAMPLES argument).
fn memory_usage_calls(server: &RedisServer) -> Vec<(String, Option<String>)> {
    let log: Vec<serde_json::Value> =
        serde_json::from_str(&server.cli(&["--json", "SLOWLOG", "GET", "100000"])).unwrap();
    log.iter()
        .filter_map(|e| {
            let args: Vec<&str> = e[3].as_array()?.iter().filter_map(|a| a.as_str()).collect();
            if !args.first()?.eq_ignore_ascii_case("MEMORY") {
                return None;
            }
            Some((args.get(2)?.to_string(), args.get(4).map(|s| s.to_string())))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_million_element_hash_is_sized_without_blocking_redis() {
    let server =
        RedisServer::start(&["--slowlog-log-slower-than", "0", "--slowlog-max-len", "100000"]).unwrap();
    let out = server.cli(&[
        "EVAL",
        "for i=1,1000001 do redis.call('HSET', KEYS[1], 'field:'..i, 'value:'..i) end return 1",
        "1",
        "user:index:email_to_id",
    ]);
    assert_eq!(out.trim(), "1");
    // Just under and just over the exact limit (2,000 elements), for a hash and a zset.
    for (key, n) in [("mid:hash:exact", 2000), ("mid:hash:sampled", 2001)] {
        let lua = format!("for i=1,{n} do redis.call('HSET', KEYS[1], 'f'..i, 'v'..i) end return 1");
        assert_eq!(server.cli(&["EVAL", &lua, "1", key]).trim(), "1");
    }
    for (key, n) in [("mid:zset:exact", 2000), ("mid:zset:sampled", 2001)] {
        let lua = format!("for i=1,{n} do redis.call('ZADD', KEYS[1], i, 'member:'..i) end return 1");
        assert_eq!(server.cli(&["EVAL", &lua, "1", key]).trim(), "1");
    }
    server.fill(0, "small", 100, 0);
    server.cli(&["SLOWLOG", "RESET"]);
    let mut p = probe(&server).await;
    let r = run(&mut p, &ScanOptions::default()).await;
    // MEMORY USAGE ... SAMPLES 0 on this key takes ~0.5 s, and 4096 samples up to ~3 ms: the
    // top keys are measured again with 512 samples for hashes, SAMPLES 0 only up to 2,000.
    let calls = memory_usage_calls(&server);
    let again = |key: &str| -> Vec<Option<&str>> {
        calls
            .iter()
            .filter(|(k, s)| k == key && s.as_deref() != Some("64"))
            .map(|(_, s)| s.as_deref())
            .collect()
    };
    assert_eq!(again("user:index:email_to_id"), [Some("512")], "{calls:?}");
    assert_eq!(again("mid:hash:exact"), [Some("0")]);
    assert_eq!(again("mid:hash:sampled"), [Some("512")]);
    assert_eq!(again("mid:zset:exact"), [Some("0")]);
    assert_eq!(again("mid:zset:sampled"), [Some("4096")]);
    let big = &r.top[0];
    assert_eq!(big.key, "user:index:email_to_id");
    assert_eq!(big.elements, Some(1_000_001));
    assert!(!big.bytes_exact);
    assert!(big.bytes > 30 << 20, "{big:?}");
    let exact = |key: &str| r.top.iter().find(|t| t.key == key).map(|t| t.bytes_exact);
    assert_eq!(exact("mid:hash:exact"), Some(true));
    assert_eq!(exact("mid:hash:sampled"), Some(false));
    assert_eq!(exact("mid:zset:exact"), Some(true));
    // 4096 samples cover all 2,001 members: exact too.
    assert_eq!(exact("mid:zset:sampled"), Some(true));
    let issue = r.retention.iter().find(|i| i.rule == "big-key").unwrap();
    assert_eq!(issue.example_key.as_deref(), Some("user:index:email_to_id"));
    assert!(issue.message.contains("1000001 elements"), "{}", issue.message);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sample_stops_early_and_extrapolates() {
    let server = RedisServer::start(&[]).unwrap();
    server.fill(0, "a", 10000, 0);
    server.fill(0, "b", 10000, 3600);
    let mut p = probe(&server).await;
    let r =
        run(&mut p, &ScanOptions { sample: Some(5000), count: Some(500), ..ScanOptions::default() }).await;
    assert_eq!(r.totals.keys, 5000);
    let s = r.sample.as_ref().unwrap();
    assert_eq!(s.scanned_keys, 5000);
    assert!((s.fraction - 0.25).abs() < 1e-9, "{s:?}");
    assert!(s.note.contains("25.0%"), "{}", s.note);
    let est = r.dbs[0].estimated.unwrap();
    assert_eq!(est.keys, 20000);
    // SCAN order is hash order, unrelated to the names: the TTL share extrapolates well.
    assert!((9000..=11000).contains(&est.keys_without_ttl), "{est:?}");
    assert!(!r.dbs[0].complete);
    // A sample larger than the keyspace is a full scan.
    let r = run(&mut p, &ScanOptions { sample: Some(1_000_000), ..ScanOptions::default() }).await;
    assert!(r.sample.is_none() && r.dbs[0].complete && r.totals.keys == 20000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rate_limit_holds() {
    let server = RedisServer::start(&[]).unwrap();
    server.fill(0, "k", 6000, 0);
    let mut p = probe(&server).await;
    let t = Instant::now();
    let r = run(&mut p, &ScanOptions { rate: Some(10_000), ..ScanOptions::default() }).await;
    assert_eq!(r.totals.keys, 6000);
    // Batches of at most 1000 keys (rate/10), the last one due at (6000 - batch) / 10000 s.
    assert!(t.elapsed() >= Duration::from_millis(450), "{:?}", t.elapsed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn match_pattern_and_idle_times() {
    let server = RedisServer::start(&[]).unwrap();
    server.fill(0, "x", 300, 0);
    server.fill(0, "y", 300, 0);
    let mut p = probe(&server).await;
    let r =
        run(&mut p, &ScanOptions { pattern: Some("x:*".into()), idle: true, ..ScanOptions::default() }).await;
    assert_eq!(r.totals.keys, 300);
    assert!(r.top.iter().all(|t| t.idle_secs.is_some()));
    assert!(r.notes.iter().any(|n| n.contains("x:*")));
    // Under an LFU policy OBJECT IDLETIME fails per key: said once, not fatal.
    server.cli(&["CONFIG", "SET", "maxmemory-policy", "allkeys-lfu"]);
    let r = run(&mut p, &ScanOptions { idle: true, ..ScanOptions::default() }).await;
    assert_eq!(r.totals.keys, 600);
    assert!(r.notes.iter().any(|n| n.contains("OBJECT IDLETIME failed")), "{:?}", r.notes);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_deleted_or_changing_type_during_the_scan() {
    let server = RedisServer::start(&[]).unwrap();
    server.fill(0, "keep", 5000, 0);
    server.fill(0, "gone", 30000, 0);
    server.fill(0, "flip", 2000, 0);
    let mut p = probe(&server).await;
    let mut churn = probe(&server).await;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stop2 = stop.clone();
    let churner = tokio::spawn(async move {
        let mut i = 0u32;
        while !stop2.load(std::sync::atomic::Ordering::Relaxed) && i < 30000 {
            let mut pipe = redis::pipe();
            for j in i..i + 200 {
                pipe.cmd("UNLINK").arg(format!("gone:{}", j + 1)).ignore();
                let flip = format!("flip:{}", j % 2000 + 1);
                pipe.cmd("DEL").arg(&flip).ignore();
                if j % 2 == 0 {
                    pipe.cmd("RPUSH").arg(&flip).arg("a").ignore();
                } else {
                    pipe.cmd("SET").arg(&flip).arg("b").ignore();
                }
            }
            let _: () = churn.pipe(&pipe, "churn").await.unwrap();
            i += 200;
        }
    });
    let r =
        run(&mut p, &ScanOptions { count: Some(100), rate: Some(40_000), ..ScanOptions::default() }).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    churner.await.unwrap();
    assert_eq!(r.partial, None);
    // Keys present for the whole scan are all found, exactly once here (no rehash).
    assert_eq!(prefix(&r, 0, "keep:*").keys, 5000);
    let gone = r.prefixes.iter().find(|p| p.pattern == "gone:*").map_or(0, |p| p.keys);
    assert!(gone < 30000, "deleted keys still counted: {gone}");
    let flip = prefix(&r, 0, "flip:*");
    assert!(flip.keys <= 2000 + 200, "{flip:?}");
    assert_eq!(r.totals.keys_without_ttl, r.totals.keys);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_mid_scan_gives_a_partial_report() {
    let server = RedisServer::start(&[]).unwrap();
    server.fill(0, "k", 100_000, 0);
    let mut p = probe(&server).await;
    let pid = server.pid();
    let killer = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(400));
        let _ = std::process::Command::new("kill").arg("-9").arg(pid.to_string()).status();
    });
    let r = keys::scan(&mut p, &ScanOptions { rate: Some(50_000), ..ScanOptions::default() }, &mut |_| {})
        .await
        .unwrap();
    killer.join().unwrap();
    let why = r.partial.as_deref().unwrap();
    assert!(why.contains("cover only the keys read"), "{why}");
    assert!(r.totals.keys > 0 && r.totals.keys < 100_000, "{}", r.totals.keys);
    assert!(!r.dbs[0].complete);
    assert!(r.dbs[0].estimated.is_none(), "a partial scan is never extrapolated");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_server_before_the_scan_is_an_error() {
    let server = RedisServer::start(&[]).unwrap();
    let mut p = probe(&server).await;
    drop(server);
    let e = keys::scan(&mut p, &ScanOptions::default(), &mut |_| {}).await.unwrap_err();
    assert!(!e.to_string().contains('\n'), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_mode_scans_this_node_and_says_so() {
    let server = RedisServer::start(&["--cluster-enabled", "yes"]).unwrap();
    let slots: Vec<String> = (0..16384).map(|s| s.to_string()).collect();
    let mut args = vec!["CLUSTER", "ADDSLOTS"];
    args.extend(slots.iter().map(String::as_str));
    assert_eq!(server.cli(&args).trim(), "OK");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !server.cli(&["CLUSTER", "INFO"]).contains("cluster_state:ok") {
        assert!(Instant::now() < deadline, "cluster never became ok");
        std::thread::sleep(Duration::from_millis(50));
    }
    server.fill(0, "{tag}k", 100, 0);
    let mut p = probe(&server).await;
    let r = run(&mut p, &ScanOptions { dbs: Some(vec![0, 1]), ..ScanOptions::default() }).await;
    assert_eq!(r.totals.keys, 100);
    assert!(r.cluster.as_deref().unwrap().contains("only the keys of this node"));
    assert_eq!(r.dbs.len(), 1);
}

/// A scan through a relay that cuts its connections (as a dropped port-forward does) after
/// `cut_after`, `cuts` times; reconnecting through the relay again when asked.
async fn scan_with_cuts(cuts: usize) -> KeysReport {
    let server = RedisServer::start(&[]).unwrap();
    server.fill(0, "k", 60_000, 0);
    server.fill(3, "other", 5_000, 0);
    // 10 ms per round trip: 65 batches take about 0.7 s.
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
        for _ in 0..cuts {
            std::thread::sleep(Duration::from_millis(250));
            cutter.drop_connections();
        }
    });
    let mut reconnect = move || -> std::pin::Pin<Box<dyn std::future::Future<Output = _> + Send>> {
        let target = target.clone();
        Box::pin(async move { Probe::connect(&target, Timeouts::default()).await })
    };
    let r = keys::scan_resumable(&mut p, &ScanOptions::default(), &mut |_| {}, Some(&mut reconnect))
        .await
        .unwrap();
    cutting.join().unwrap();
    r
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_connection_resumes_from_the_last_cursor_once() {
    let r = scan_with_cuts(1).await;
    assert_eq!(r.partial, None, "{:?}", r.notes);
    // Every key exactly once: resuming from the oldest unread batch's cursor neither skips
    // nor double-counts (no writes, so SCAN's guarantee is exact).
    let counts: Vec<(u32, u64)> = r.dbs.iter().map(|d| (d.db, d.scanned.keys)).collect();
    assert_eq!(counts, [(0, 60_000), (3, 5_000)]);
    assert!(r.notes.iter().any(|n| n.contains("reconnected and resumed")), "{:?}", r.notes);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_drop_gives_a_partial_report() {
    let r = scan_with_cuts(2).await;
    let why = r.partial.as_deref().unwrap_or_else(|| panic!("not partial: {:?}", r.notes));
    assert!(why.contains("connection lost"), "{why}");
    assert!(r.totals.keys < 65_000, "{}", r.totals.keys);
}

/// A reconnect function for `target` that counts its calls and fails when `fail` is set.
fn counting_reconnect(
    target: Target,
    calls: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    fail: bool,
) -> impl FnMut() -> keys::ReconnectFuture + Send {
    move || {
        calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let target = target.clone();
        Box::pin(async move {
            if fail {
                return Err(redis_probe::ProbeError::Connect {
                    target: target.to_string(),
                    reason: "max number of clients reached".into(),
                });
            }
            Probe::connect(&target, Timeouts::default()).await
        })
    }
}

/// CLIENT LIST of the server behind `socket` (from threads that cannot borrow the server).
fn client_list(socket: &std::path::Path) -> String {
    let out = std::process::Command::new("redis-cli").arg("-s").arg(socket).args(["CLIENT", "LIST"]).output();
    out.map(|o| String::from_utf8_lossy(&o.stdout).into_owned()).unwrap_or_default()
}

/// Polls CLIENT LIST until `until` is set; returns whether the read connection was seen.
fn watch_for_reader(
    server: &RedisServer,
    until: std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> std::thread::JoinHandle<bool> {
    let socket = server.socket().to_path_buf();
    std::thread::spawn(move || {
        let mut seen = false;
        while !until.load(std::sync::atomic::Ordering::SeqCst) {
            seen |= client_list(&socket).contains("name=redis-audit-reads");
            std::thread::sleep(Duration::from_millis(5));
        }
        seen
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_big_keyspace_is_read_over_a_second_connection_and_counted_exactly() {
    let server = RedisServer::start(&[]).unwrap();
    server.fill(0, "user", 60_000, 0);
    server.fill(0, "cache", 20_000, 3600);
    server.fill(2, "other", 5_000, 0);
    let target = Target::parse(&format!("{}?db=2", server.url())).unwrap();
    let mut p = Probe::connect(&target, Timeouts::default()).await.unwrap();
    let calls = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut reconnect = counting_reconnect(target.clone(), calls.clone(), false);
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let watcher = watch_for_reader(&server, done.clone());
    let r = keys::scan_resumable(&mut p, &ScanOptions::default(), &mut |_| {}, Some(&mut reconnect))
        .await
        .unwrap();
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    assert!(watcher.join().unwrap(), "no redis-audit-reads connection in CLIENT LIST during the scan");
    assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 1);
    assert_eq!(r.partial, None, "{:?}", r.notes);
    assert_eq!(
        r.dbs.iter().map(|d| (d.db, d.scanned.keys, d.complete)).collect::<Vec<_>>(),
        [(0, 80_000, true), (2, 5_000, true)]
    );
    assert_eq!(r.totals.keys_without_ttl, 65_000);
    assert_eq!(prefix(&r, 0, "cache:*").ttl_coverage, 1.0);
    assert_eq!(r.vanished, 0);
    // The probe is given back on its db, and the read connection is closed with the scan.
    let _: () = p.cmd(redis::cmd("SET").arg("mine").arg("x")).await.unwrap();
    assert_eq!(server.cli(&["-n", "2", "GET", "mine"]).trim(), "x");
    let deadline = Instant::now() + Duration::from_secs(5);
    while server.cli(&["CLIENT", "LIST"]).contains("name=redis-audit-reads") {
        assert!(Instant::now() < deadline, "the read connection outlived the scan");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_second_connection_one_does_and_says_so() {
    let server = RedisServer::start(&[]).unwrap();
    server.fill(0, "k", 55_000, 0);
    let target = Target::parse(&server.url()).unwrap();
    let mut p = probe(&server).await;
    // The second connection refused (a full maxclients): one connection, the fixed batch.
    let calls = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut refused = counting_reconnect(target.clone(), calls.clone(), true);
    let r =
        keys::scan_resumable(&mut p, &ScanOptions::default(), &mut |_| {}, Some(&mut refused)).await.unwrap();
    assert_eq!(r.partial, None);
    assert_eq!(r.totals.keys, 55_000);
    let note =
        r.notes.iter().find(|n| n.contains("second connection")).unwrap_or_else(|| panic!("{:?}", r.notes));
    assert!(note.contains("max number of clients") && note.contains("COUNT 1000"), "{note}");
    // A rate-limited scan, or a sample under the threshold, never opens one.
    for opts in [
        ScanOptions { rate: Some(1_000_000), ..ScanOptions::default() },
        ScanOptions { sample: Some(2_000), ..ScanOptions::default() },
    ] {
        let calls = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let mut reconnect = counting_reconnect(target.clone(), calls.clone(), false);
        let r = keys::scan_resumable(&mut p, &opts, &mut |_| {}, Some(&mut reconnect)).await.unwrap();
        assert_eq!(r.partial, None);
        assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 0, "{opts:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_read_connection_is_reopened_and_the_scan_resumes() {
    let server = RedisServer::start(&[]).unwrap();
    server.fill(0, "k", 150_000, 0);
    let target = Target::parse(&server.url()).unwrap();
    let mut p = probe(&server).await;
    let socket = server.socket().to_path_buf();
    // Kill the read connection (only it) as soon as it shows up.
    let killer = std::thread::spawn(move || {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            let list = client_list(&socket);
            if let Some(id) = list
                .lines()
                .find(|l| l.contains("name=redis-audit-reads"))
                .and_then(|l| l.split_whitespace().find_map(|f| f.strip_prefix("id=")))
            {
                std::thread::sleep(Duration::from_millis(100));
                let _ = std::process::Command::new("redis-cli")
                    .arg("-s")
                    .arg(&socket)
                    .args(["CLIENT", "KILL", "ID", id])
                    .output();
                return true;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        false
    });
    let calls = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut reconnect = counting_reconnect(target, calls.clone(), false);
    // Small fixed batches keep the scan going long enough to be cut.
    let opts = ScanOptions { count: Some(100), ..ScanOptions::default() };
    let r = keys::scan_resumable(&mut p, &opts, &mut |_| {}, Some(&mut reconnect)).await.unwrap();
    assert!(killer.join().unwrap(), "the read connection never showed up");
    assert_eq!(r.partial, None, "{:?}", r.notes);
    assert!(r.notes.iter().any(|n| n.contains("reconnected and resumed")), "{:?}", r.notes);
    // Opened for the reads, then twice again to resume (SCAN and reads).
    assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 3);
    assert_eq!(r.totals.keys, 150_000, "each key exactly once");
}
