//! `redis-audit audit --redis-url` against a real redis-server.

#![allow(clippy::unwrap_used)]

mod util;

use std::time::Duration;

use testkit::{LatencyRelay, RedisServer, Upstream};
use util::{bin, stderr, stdout};

fn audit_json(url: &str, extra: &[&str]) -> (Option<i32>, serde_json::Value) {
    let o = bin()
        .args(["audit", "--redis-url", url, "-o", "json"])
        .args(extra)
        .env_remove("REDISCLI_AUTH")
        .output()
        .unwrap();
    let v = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}{}", stdout(&o), stderr(&o)));
    (o.status.code(), v)
}

fn rules(v: &serde_json::Value) -> Vec<(String, String)> {
    let mut r: Vec<(String, String)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["rule"].as_str().unwrap().to_string(), f["severity"].as_str().unwrap().to_string()))
        .collect();
    r.sort();
    r
}

#[test]
fn healthy_server_against_a_limit() {
    let s = RedisServer::start(&[
        "--maxmemory",
        "400mb",
        "--lazyfree-lazy-eviction",
        "yes",
        "--lazyfree-lazy-expire",
        "yes",
        "--lazyfree-lazy-server-del",
        "yes",
        "--lazyfree-lazy-user-del",
        "yes",
        "--lazyfree-lazy-user-flush",
        "yes",
    ])
    .unwrap();
    let (code, v) = audit_json(&s.url(), &["--memory-limit", "512Mi"]);
    assert_eq!(code, Some(0), "{v}");
    assert!(rules(&v).is_empty(), "{:?}", rules(&v));
    assert_eq!(v["summary"]["maxmemory_bytes"], 400 * 1024 * 1024);
    assert_eq!(v["summary"]["memory_limit_bytes"], 512 * 1024 * 1024);
}

#[test]
fn unbounded_server_with_a_limit_fails() {
    let s = RedisServer::start(&[]).unwrap();
    let (code, v) = audit_json(&s.url(), &["--memory-limit", "512Mi"]);
    assert_eq!(code, Some(1));
    assert!(rules(&v).contains(&("maxmemory-unset".into(), "error".into())), "{:?}", rules(&v));
    let (code, v) = audit_json(&s.url(), &["--memory-limit", "512Mi", "--fail-on", "never"]);
    assert_eq!(code, Some(0));
    assert!(!rules(&v).is_empty());
}

#[test]
fn queue_role_from_keys_and_from_the_flag() {
    let s = RedisServer::start(&["--maxmemory", "300mb", "--maxmemory-policy", "allkeys-lru"]).unwrap();
    // Sidekiq's keys: queues, the processes set and stats.
    for k in ["queue:default", "queue:mailers"] {
        s.cli(&["RPUSH", k, "{\"class\":\"HardJob\",\"jid\":\"abc\"}"]);
    }
    s.cli(&["SADD", "queues", "default", "mailers"]);
    s.cli(&["SADD", "processes", "host:1:abc"]);
    s.cli(&["SET", "stat:processed", "10"]);
    let (_, v) = audit_json(&s.url(), &[]);
    let r = rules(&v);
    assert!(
        r.contains(&("eviction-policy-on-queue".into(), "error".into())),
        "role from Sidekiq keys: {r:?} {}",
        v["summary"]
    );
    let empty = RedisServer::start(&["--maxmemory", "300mb", "--maxmemory-policy", "volatile-lru"]).unwrap();
    let (_, v) = audit_json(&empty.url(), &["--role", "queue"]);
    assert!(rules(&v).contains(&("eviction-policy-on-queue".into(), "error".into())), "{:?}", rules(&v));
}

#[test]
fn dangerous_commands_and_oom_errors() {
    let s = RedisServer::start(&["--maxmemory", "1mb"]).unwrap();
    s.cli(&["KEYS", "*"]);
    let value = "x".repeat(100_000);
    for i in 0..30 {
        s.cli(&["SET", &format!("k{i}"), &value]);
    }
    let (_, v) = audit_json(&s.url(), &["--no-keys"]);
    let r: Vec<String> = rules(&v).into_iter().map(|(id, _)| id).collect();
    assert!(r.contains(&"dangerous-commands-used".into()), "{r:?}");
    assert!(r.contains(&"writes-rejected-oom".into()), "{r:?}");
    assert!(v["keys"].is_null());
}

#[test]
fn config_disabled_degrades_and_says_so() {
    let s = RedisServer::start(&["--rename-command", "CONFIG", "\"\""]).unwrap();
    let (code, v) = audit_json(&s.url(), &["--no-keys"]);
    assert!(matches!(code, Some(0 | 1)));
    let notes = v["notes"].to_string();
    assert!(notes.contains("CONFIG"), "{notes}");
    // maxmemory still comes from INFO memory.
    assert_eq!(v["summary"]["maxmemory_bytes"], 0);
}

#[test]
fn connection_errors_exit_two_without_the_password() {
    let s = RedisServer::start(&["--requirepass", "s3cret-pass"]).unwrap();
    let url = s.url();
    let o = bin().args(["audit", "--redis-url", &url]).env_remove("REDISCLI_AUTH").output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("requires a password"), "{}", stderr(&o));
    let o =
        bin().args(["audit", "--redis-url", &url]).env("REDISCLI_AUTH", "wrong-pass-value").output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(!stderr(&o).contains("wrong-pass-value") && stderr(&o).lines().count() == 1, "{}", stderr(&o));
    let o = bin()
        .args(["audit", "--redis-url", &url, "--no-keys"])
        .env("REDISCLI_AUTH", "s3cret-pass")
        .output()
        .unwrap();
    assert!(matches!(o.status.code(), Some(0 | 1)), "{}", stderr(&o));
    assert!(!stdout(&o).contains("s3cret-pass"));
    let o = bin().args(["audit", "--redis-url", "redis://127.0.0.1:1"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    let o = bin().args(["audit", "--redis-url", "redis://h", "--memory-limit", "lots"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--memory-limit"), "{}", stderr(&o));
}

#[test]
fn table_yaml_and_sarif_outputs() {
    let s = RedisServer::start(&[]).unwrap();
    let o = bin()
        .args(["audit", "--redis-url", &s.url(), "-o", "wide", "--memory-limit", "1Gi"])
        .output()
        .unwrap();
    let out = stdout(&o);
    assert!(
        out.contains("MAXMEMORY") && out.contains("VERSION") && out.contains("error[maxmemory-unset]"),
        "{out}"
    );
    let o = bin().args(["audit", "--redis-url", &s.url(), "-o", "yaml"]).output().unwrap();
    assert!(stdout(&o).contains("schema_version: 1"), "{}", stdout(&o));
    let o = bin().args(["audit", "--redis-url", &s.url(), "-o", "sarif"]).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["version"], "2.1.0");
    assert!(!v["runs"][0]["results"].as_array().unwrap().is_empty());
}

#[test]
fn a_server_still_loading_its_dataset_is_one_line_with_progress() {
    let source = RedisServer::start(&[]).unwrap();
    source.cli(&["EVAL", "for i = 1, 20000 do redis.call('SET', 'key:' .. i, i) end", "0"]);
    // 20,000 keys at 2 ms each: 40 s of loading, far longer than the test.
    let loading = RedisServer::start_loading(&source.save_rdb(), 2000).unwrap();
    for command in ["audit", "keys"] {
        let o = bin().args([command, "--redis-url", &loading.url()]).output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{command}: {}", stdout(&o));
        let err = stderr(&o);
        assert_eq!(err.trim().lines().count(), 1, "{command}: {err}");
        assert!(err.contains("loading its dataset") && err.contains("% done"), "{command}: {err}");
    }
}

#[test]
fn a_server_killed_mid_scan_gives_a_partial_audit() {
    let s = RedisServer::start(&[]).unwrap();
    s.cli(&["EVAL", "for i = 1, 200000 do redis.call('SET', 'key:' .. i, i) end", "0"]);
    // 20 ms per round trip: 200 SCAN batches take about 4 s; the server dies after 1.5 s.
    let relay =
        LatencyRelay::start(Upstream::Unix(s.socket().to_path_buf()), Duration::from_millis(10)).unwrap();
    let pid = s.pid();
    let killer = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(1500));
        let _ = std::process::Command::new("kill").arg("-9").arg(pid.to_string()).status();
    });
    let (code, v) = audit_json(&relay.url(), &[]);
    killer.join().unwrap();
    assert!(matches!(code, Some(0 | 1)), "{v}");
    let partial = v["partial"].as_str().unwrap_or_else(|| panic!("not partial: {v}"));
    assert!(partial.contains("cover only the keys read"), "{partial}");
    let read = v["keys"]["totals"]["keys"].as_u64().unwrap();
    assert!(read > 0 && read < 200_000, "{read}");
    let notes = v["notes"].to_string();
    assert!(notes.contains("keyspace scan is partial"), "{notes}");
    // Nothing is extrapolated from a scan that stopped on an error.
    assert!(v["keys"]["estimated_totals"].is_null(), "{}", v["keys"]["estimated_totals"]);
}
