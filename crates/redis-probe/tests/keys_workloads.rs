//! Ground truth: fill a real redis-server with what Sidekiq, Django, express-session, BullMQ,
//! Celery and RQ really write (`shared/workloads`, SCALE 1, ~30 s), scan it, and compare with
//! `truth.sh` run right after (the truth is time-dependent: TTLs count down, a few keys
//! expire within seconds, so the live truth is used, never the stored JSON).
//!
//! Skipped, with a notice, when the workloads' `.venv` is missing (run its `setup.sh`).
//! Set `WORKLOADS_DIR` to use another copy.

#![allow(clippy::unwrap_used)]

use std::{
    collections::BTreeMap,
    process::{Command, Stdio},
};

use redis_probe::{
    Probe, Target, Timeouts,
    keys::{self, Framework, ScanOptions, pattern_of},
};
use serde_json::Value;
use testkit::RedisServer;

/// Keys of a truth row: count, and how many may differ between the scan and the truth
/// because they expire within a minute.
fn volatile(row: &Value) -> u64 {
    match row["ttl_min_s"].as_u64() {
        Some(t) if t <= 90 => row["with_ttl"].as_u64().unwrap_or(0),
        _ => 0,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scan_matches_the_ground_truth_of_real_framework_data() {
    let dir = testkit::workloads_dir();
    if !dir.join(".venv").is_dir() || !dir.join("node/node_modules").is_dir() {
        testkit::skip_notice(
            "keys_workloads",
            &format!("{} has no .venv / node_modules; run its setup.sh", dir.display()),
        );
        return;
    }
    let (server, port) = RedisServer::start_tcp(&[]).unwrap();
    let populate = Command::new(dir.join("populate.sh"))
        .arg(port.to_string())
        .arg("1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert!(
        populate.status.success(),
        "populate.sh failed:\n{}\n{}",
        String::from_utf8_lossy(&populate.stdout),
        String::from_utf8_lossy(&populate.stderr)
    );

    let target = Target::parse(&format!("redis://127.0.0.1:{port}")).unwrap();
    let mut probe = Probe::connect(&target, Timeouts::default()).await.unwrap();
    let report = keys::scan(&mut probe, &ScanOptions::default(), &mut |_| {}).await.unwrap();
    // The same with the server's own default of 5 samples per key: cheaper, rougher.
    let sampled5 = keys::scan(&mut probe, &ScanOptions { samples: 5, ..ScanOptions::default() }, &mut |_| {})
        .await
        .unwrap();
    let truth = Command::new(dir.join("truth.sh")).arg(port.to_string()).arg("10").output().unwrap();
    assert!(truth.status.success(), "truth.sh failed: {}", String::from_utf8_lossy(&truth.stderr));
    let truth: Value = serde_json::from_slice(&truth.stdout).unwrap();
    drop(server);

    assert_eq!(report.partial, None);
    let mut failures: Vec<String> = Vec::new();

    // Per-db key counts (exact but for keys expiring within the minute) and keys without TTL (exact).
    for (name, t) in truth["dbs"].as_object().unwrap() {
        let db: u32 = name.trim_start_matches("db").parse().unwrap();
        let mine = report.dbs.iter().find(|d| d.db == db).unwrap();
        let rows = t["patterns"].as_array().unwrap();
        let slack: u64 =
            rows.iter().map(volatile).sum::<u64>() + t["vanished_during_scan"].as_u64().unwrap_or(0);
        let want = t["dbsize"].as_u64().unwrap();
        if mine.scanned.keys.abs_diff(want) > slack {
            failures.push(format!("db{db}: {} keys, truth {want} (±{slack} expiring)", mine.scanned.keys));
        }
        let want = t["keys_without_ttl"].as_u64().unwrap();
        if mine.scanned.keys_without_ttl != want {
            failures
                .push(format!("db{db}: {} keys without TTL, truth {want}", mine.scanned.keys_without_ttl));
        }

        // Patterns: the truth rows grouped by our pattern of their sample keys.
        let mut want_by: BTreeMap<String, (u64, u64, u64, Vec<String>, bool)> = BTreeMap::new();
        for row in rows {
            let samples: Vec<String> = row["samples"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| pattern_of(s["key"].as_str().unwrap()))
                .collect();
            assert!(
                samples.windows(2).all(|w| w[0] == w[1]),
                "{}: samples group apart: {samples:?}",
                row["pattern"]
            );
            let e = want_by.entry(samples[0].clone()).or_default();
            e.0 += row["count"].as_u64().unwrap();
            e.1 += row["memory_bytes"].as_u64().unwrap();
            e.2 += volatile(row);
            e.3.extend(row["types"].as_array().unwrap().iter().map(|t| t.as_str().unwrap().to_string()));
            e.4 |= row["count"].as_u64().unwrap() > 0;
        }
        for (pattern, (keys, bytes, slack, types, _)) in &want_by {
            let Some(p) = report.prefixes.iter().find(|p| p.db == db && &p.pattern == pattern) else {
                failures.push(format!("db{db}: pattern {pattern} ({keys} keys) missing"));
                continue;
            };
            if p.keys.abs_diff(*keys) > (*keys / 100).max(*slack) {
                failures.push(format!("db{db} {pattern}: {} keys, truth {keys}", p.keys));
            }
            // The default, SAMPLES 64, measures every collection of up to 64 elements
            // exactly and estimates the bigger ones (the 500,000-element list, the
            // 200,000-member zset, the streams) within 0.3%: 1% for every pattern. The
            // server's own SAMPLES 5 is exact for strings and lists only; hashtable hashes
            // are estimated from 5 fields (EXPECTED.md: BullMQ job hashes vary up to 6x,
            // since 5 sampled fields may or may not include `stacktrace`), so it is held
            // to that factor 6 only.
            let close = |got: u64| {
                (got as f64 - *bytes as f64).abs() <= 0.01 * *bytes as f64 + 2048.0 * *slack as f64
            };
            if !close(p.bytes) {
                failures.push(format!("db{db} {pattern}: {} bytes, truth {bytes}", p.bytes));
            }
            let p5 =
                sampled5.prefixes.iter().find(|p| p.db == db && &p.pattern == pattern).map_or(0, |p| p.bytes);
            let ratio = p5 as f64 / (*bytes).max(1) as f64;
            let exact_types = types.iter().all(|t| t == "string" || t == "list");
            if (exact_types && !close(p5)) || !(1.0 / 6.0..=6.0).contains(&ratio) {
                failures.push(format!("db{db} {pattern}: {p5} bytes with SAMPLES 5, truth {bytes}"));
            }
        }
    }

    // The 10 biggest keys, in order.
    let want: Vec<(u64, String)> = truth["biggest_keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| (k["db"].as_u64().unwrap(), k["key"].as_str().unwrap().to_string()))
        .collect();
    let got: Vec<(u64, String)> = report.top.iter().map(|k| (u64::from(k.db), k.key.clone())).collect();
    if got != want {
        failures.push(format!("top keys differ:\n  got  {got:?}\n  want {want:?}"));
    }

    // Every framework present is detected.
    let found: Vec<Framework> = report.frameworks.iter().map(|f| f.framework).collect();
    let expect = [
        ("sidekiq", Framework::Sidekiq),
        ("bullmq", Framework::BullMq),
        ("celery", Framework::Celery),
        ("rq", Framework::Rq),
        ("express-session", Framework::ExpressSession),
        ("django", Framework::DjangoCache),
        ("django", Framework::DjangoSessions),
        ("django-redis", Framework::DjangoCache),
    ];
    for (name, fw) in expect {
        let in_truth =
            truth["dbs"].as_object().unwrap().values().any(|d| d["by_framework"].get(name).is_some());
        if in_truth && !found.contains(&fw) {
            failures.push(format!("{name} present but {fw:?} not detected"));
        }
    }
    for (fw, truth_name, db) in [(Framework::Rq, "rq", "db0"), (Framework::Celery, "celery", "db0")] {
        let mine = report.frameworks.iter().find(|f| f.framework == fw).map_or(0, |f| f.keys);
        let want = truth["dbs"][db]["by_framework"][truth_name]["keys"].as_u64().unwrap_or(0);
        if mine.abs_diff(want) > 2 {
            failures.push(format!("{fw:?}: {mine} keys, truth {want}"));
        }
    }
    if report.role.role != findings::Role::Mixed {
        failures.push(format!("role {:?}, expected mixed (queues, caches and sessions)", report.role));
    }
    let rules: Vec<&str> = report.retention.iter().map(|r| r.rule).collect();
    for rule in ["big-key", "sessions-without-ttl", "rq-results-kept", "keys-without-ttl"] {
        if !rules.contains(&rule) {
            failures.push(format!("retention rule {rule} not reported: {rules:?}"));
        }
    }
    if rules.contains(&"sidekiq-stats-without-ttl") {
        failures.push("Sidekiq 6.4 daily stats have a TTL; must not be reported".into());
    }
    assert!(failures.is_empty(), "{} mismatches:\n{}", failures.len(), failures.join("\n"));
}
