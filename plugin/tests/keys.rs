//! `kubectl-redis_audit keys` end to end against a real redis-server.

#![allow(clippy::unwrap_used)]

mod util;

use testkit::RedisServer;
use util::{bin, stderr, stdout};

fn server_with_data() -> RedisServer {
    let s = RedisServer::start(&[]).unwrap();
    let script = "for i=1,300 do redis.call('SET', 'sess:' .. string.format('%032d', i), 'x') end \
                  for i=1,200 do redis.call('SET', 'cache:item:' .. i, 'y', 'EX', 600) end \
                  redis.call('SET', 'blob:big', string.rep('z', 12 * 1024 * 1024)) return 1";
    assert_eq!(s.cli(&["EVAL", script, "0"]).trim(), "1");
    s
}

#[test]
fn json_report_with_sessions_without_ttl_and_a_big_key() {
    let s = server_with_data();
    let out = bin().args(["keys", "--redis-url", &s.url(), "-o", "json", "--top", "3"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["totals"]["keys"], 501);
    assert_eq!(v["totals"]["keys_without_ttl"], 301);
    assert_eq!(v["top"].as_array().unwrap().len(), 3);
    assert_eq!(v["top"][0]["key"], "blob:big");
    let rules: Vec<&str> =
        v["retention"].as_array().unwrap().iter().map(|r| r["rule"].as_str().unwrap()).collect();
    assert!(rules.contains(&"big-key") && rules.contains(&"sessions-without-ttl"), "{rules:?}");
    assert_eq!(v["frameworks"][0]["framework"], "express-session");
    assert_eq!(v["reclaimable"][0]["cleanup"], "sessions");
}

#[test]
fn yaml_report_parses() {
    let s = server_with_data();
    let out =
        bin().args(["keys", "--redis-url", &s.url(), "-o", "yaml", "--pattern", "cache:*"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_saphyr::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["totals"]["keys"], 200);
    assert_eq!(v["prefixes"][0]["pattern"], "cache:item:*");
}

#[test]
fn table_report_has_every_section_and_a_fixed_width() {
    let s = server_with_data();
    let out = bin().args(["keys", "--redis-url", &s.url(), "--db", "0", "--count", "50"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    for section in [
        "Biggest keys",
        "Key patterns by memory",
        "TTL histogram",
        "Frameworks",
        "Role: mixed",
        "Retention problems",
        "Reclaimable",
    ] {
        assert!(text.contains(section), "no {section} in\n{text}");
    }
    assert!(text.lines().all(|l| l.chars().count() <= 120), "{text}");
    // No progress bar when stderr is not a terminal.
    assert!(stderr(&out).is_empty(), "{}", stderr(&out));
}

#[test]
fn sampling_is_stated() {
    let s = server_with_data();
    let out =
        bin().args(["keys", "--redis-url", &s.url(), "--sample", "100", "-o", "json"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["totals"]["keys"], 100);
    assert!(v["sample"]["note"].as_str().unwrap().contains("sampled"));
    assert_eq!(v["dbs"][0]["estimated"]["keys"], 501);
}

#[test]
fn connection_and_usage_errors_exit_2_with_one_line() {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    drop(l);
    let out =
        bin().args(["keys", "--redis-url", &format!("redis://:hunter2@127.0.0.1:{port}")]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("cannot connect") && !err.contains("hunter2"), "{err}");
    assert!(stdout(&out).is_empty());
    let s = RedisServer::start(&["--requirepass", "right"]).unwrap();
    let out = bin().args(["keys", "--redis-url", &s.url()]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("requires a password"), "{}", stderr(&out));
    let out = bin()
        .env("REDISCLI_AUTH", "right")
        .args(["keys", "--redis-url", &s.url(), "-o", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let out = bin().args(["keys", "--redis-url", &s.url(), "--count", "0"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}
