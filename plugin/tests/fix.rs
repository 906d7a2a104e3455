//! `redis-audit fix`: dry runs and `--apply` against real redis-servers, and pods of the e2e
//! test cluster (testkit's Kubernetes API server, real redis-servers behind port-forwards).

#![allow(clippy::unwrap_used)]

mod util;

use std::{process::Output, time::Duration};

use testkit::RedisServer;
use util::{bin, cluster, stderr, stdout};

fn fix(url: &str, extra: &[&str]) -> Output {
    bin()
        .args(["fix", "--redis-url", url])
        .args(extra)
        .env_remove("REDISCLI_AUTH")
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap()
}

fn config(s: &RedisServer, name: &str) -> String {
    s.cli(&["CONFIG", "GET", name]).lines().nth(1).unwrap_or_default().to_string()
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}\n{}", stdout(o), stderr(o)))
}

#[test]
fn dry_run_prints_the_plan_and_changes_nothing() {
    let s = RedisServer::start(&[]).unwrap();
    let o = fix(&s.url(), &["--memory-limit", "512Mi", "--role", "queue"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{}", stderr(&o));
    assert!(out.contains("CONFIG SET maxmemory 428867584"), "{out}");
    assert!(!out.contains("CONFIG SET maxmemory-policy"), "noeviction is already the default: {out}");
    assert!(out.contains("maxmemory 409mb"), "redis.conf lines: {out}");
    assert!(out.contains("does not survive a restart"), "{out}");
    assert!(out.contains("Dry run"), "{out}");
    assert_eq!(config(&s, "maxmemory"), "0");

    // JSON, role guessed from keys: a cache role from generic keys with TTLs.
    for i in 0..50 {
        s.cli(&["SET", &format!("page:{i}"), "x", "EX", "3600"]);
    }
    let o = fix(&s.url(), &["--memory-limit", "1Gi", "-o", "json"]);
    let v = json(&o);
    assert_eq!(v["dry_run"], true);
    assert_eq!(v["plan"]["maxmemory"][1], "819mb");
    assert_eq!(v["persist"]["kind"], "redis-conf");
    assert_eq!(config(&s, "maxmemory"), "0");
}

#[test]
fn no_limit_and_no_size_invents_nothing() {
    let s = RedisServer::start(&[]).unwrap();
    let o = fix(&s.url(), &["--role", "queue"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("does not invent one"), "{}", stdout(&o));
    assert!(stdout(&o).contains("Live change: none needed."), "{}", stdout(&o));
}

#[test]
fn apply_needs_a_backup_choice() {
    let s = RedisServer::start(&[]).unwrap();
    let o = fix(&s.url(), &["--memory-limit", "512Mi", "--role", "cache", "--apply"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--backup PATH") && stderr(&o).contains("--no-backup"), "{}", stderr(&o));
    assert_eq!(config(&s, "maxmemory"), "0");
    assert_eq!(config(&s, "maxmemory-policy"), "noeviction");
}

#[test]
fn apply_without_backup_changes_the_server() {
    let s = RedisServer::start(&[]).unwrap();
    let o = fix(&s.url(), &["--memory-limit", "512Mi", "--role", "cache", "--apply", "--no-backup"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{}", stderr(&o));
    assert_eq!(config(&s, "maxmemory"), "428867584");
    assert_eq!(config(&s, "maxmemory-policy"), "allkeys-lfu");
    assert!(out.contains("verified with CONFIG GET"), "{out}");
    assert!(out.contains("without a config file"), "{out}");

    // Again: nothing left to do.
    let o = fix(&s.url(), &["--memory-limit", "512Mi", "--role", "cache", "--apply", "--no-backup"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("nothing to change"), "{}", stdout(&o));
}

#[test]
fn apply_with_a_backup_file_writes_the_rdb_first() {
    let s = RedisServer::start(&[]).unwrap();
    s.cli(&["SET", "k", "v"]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("before-fix.rdb");
    let o = fix(
        &s.url(),
        &[
            "--maxmemory",
            "100mb",
            "--policy",
            "allkeys-lru",
            "--apply",
            "--backup",
            path.to_str().unwrap(),
            "-o",
            "json",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let rdb = std::fs::read(&path).unwrap();
    assert!(rdb.starts_with(b"REDIS"), "not an RDB");
    let v = json(&o);
    assert!(v["backup"].as_str().unwrap().contains("before-fix.rdb"), "{}", v["backup"]);
    assert_eq!(v["applied"]["rewrite"]["status"], "no_config_file");
    assert_eq!(config(&s, "maxmemory"), "104857600");
    assert_eq!(config(&s, "maxmemory-policy"), "allkeys-lru");

    // A backup that cannot be written refuses the change.
    let o = fix(&s.url(), &["--maxmemory", "50mb", "--apply", "--backup", "/nonexistent/dir/x.rdb"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("backup failed, nothing was changed"), "{}", stderr(&o));
    assert_eq!(config(&s, "maxmemory"), "104857600");
}

#[test]
fn config_disabled_prints_the_plan_and_refuses_to_apply() {
    let s = RedisServer::start(&["--rename-command", "CONFIG", ""]).unwrap();
    let o = fix(&s.url(), &["--memory-limit", "256Mi", "--role", "queue", "--apply", "--no-backup"]);
    assert_eq!(o.status.code(), Some(2), "{}{}", stdout(&o), stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("maxmemory 204mb"), "{out}");
    assert!(out.contains("CONFIG is disabled"), "{out}");
    assert!(stderr(&o).contains("cannot apply") && stderr(&o).lines().count() == 1, "{}", stderr(&o));
    // Unchanged (INFO still reads it).
    assert!(s.cli(&["INFO", "memory"]).contains("maxmemory:0"));
}

#[test]
fn a_replica_is_refused_naming_its_master() {
    let (master, port) = RedisServer::start_tcp(&[]).unwrap();
    let port_s = port.to_string();
    let replica = RedisServer::start(&["--replicaof", "127.0.0.1", &port_s]).unwrap();
    let o = fix(&replica.url(), &["--memory-limit", "256Mi", "--role", "queue", "--apply", "--no-backup"]);
    assert_eq!(o.status.code(), Some(2), "{}{}", stdout(&o), stderr(&o));
    let master_addr = format!("127.0.0.1:{port}");
    assert!(stderr(&o).contains("replica") && stderr(&o).contains(&master_addr), "{}", stderr(&o));
    assert_eq!(config(&replica, "maxmemory"), "0");
    drop(master);
}

#[test]
fn a_password_is_never_printed() {
    let s = RedisServer::start(&["--requirepass", "s3cret-pw"]).unwrap();
    let o = bin()
        .args(["fix", "--redis-url", &s.url(), "--memory-limit", "256Mi", "--role", "queue", "-o", "json"])
        .env("REDISCLI_AUTH", "s3cret-pw")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(!stdout(&o).contains("s3cret-pw") && !stderr(&o).contains("s3cret-pw"));
}

#[test]
fn bad_sizes_and_policies_are_usage_errors() {
    let s = RedisServer::start(&[]).unwrap();
    let o = fix(&s.url(), &["--memory-limit", "256Mi", "--maxmemory", "1gb"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("at or above the container memory limit"), "{}", stderr(&o));
    let o = fix(&s.url(), &["--policy", "allkeys_lru"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not a maxmemory-policy"), "{}", stderr(&o));
}

#[test]
fn pods_of_the_e2e_cluster() {
    let c = cluster();
    // bitnami/redis master: a values patch for its release.
    let o = c.run(&["fix", "redis-master-0", "-n", "cache"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{}", stderr(&o));
    assert!(out.contains("commonConfiguration: |-"), "{out}");
    assert!(
        out.contains("helm upgrade redis bitnami/redis -n cache --reuse-values --version 23.1.1"),
        "{out}"
    );
    assert!(!out.contains("Vq7xK2mPz9"), "password printed: {out}");

    // Valkey queue: maxmemory 512mb above its 128Mi limit comes down to 102mb.
    let o = c.run(&["fix", "queue-valkey-0", "-n", "apps", "-o", "json"]);
    let v = json(&o);
    assert_eq!(v["role"], "queue", "{v}");
    assert_eq!(v["plan"]["maxmemory"][1], "102mb");
    assert!(v["plan"]["maxmemory"][0].as_u64().unwrap() < 128 << 20);
    assert_eq!(v["plan"]["config_set"][0], "CONFIG SET maxmemory 106954752");
    assert_eq!(v["persist"]["kind"], "container-args");
    assert!(!stdout(&o).contains("q-Valk3y-pass"));
}

#[test]
fn a_pod_applied_with_a_streamed_backup() {
    let c = cluster();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("queue.rdb");
    let o = c.run(&[
        "fix",
        "queue-valkey-0",
        "-n",
        "apps",
        "--apply",
        "--backup",
        path.to_str().unwrap(),
        "-o",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(std::fs::read(&path).unwrap().starts_with(b"REDIS"));
    let v = json(&o);
    assert_eq!(v["applied"]["set"][0][1], "106954752", "{v}");
}

/// Writes 200k values of mixed sizes and deletes 7 in 8: the survivors pin most of jemalloc's
/// pages, leaving well over 100 MiB of RSS that holds no data.
fn fragment(s: &RedisServer) {
    let script = "for i=1,200000 do redis.call('SET','k'..i, string.rep('x', 100 + (i % 13) * 97)) end \
                  for i=1,200000 do if i % 8 ~= 0 then redis.call('DEL','k'..i) end end return 1";
    assert_eq!(s.cli(&["EVAL", script, "0"]).trim(), "1");
}

/// MEMORY PURGE was called: `cmdstat_memory|purge` on 7.x; on 6.2 only `cmdstat_memory`
/// (every MEMORY subcommand, the snapshot's MEMORY STATS too), so that counts there.
fn purge_called(s: &RedisServer) -> bool {
    s.cli(&["INFO", "commandstats"])
        .lines()
        .any(|l| l.starts_with("cmdstat_memory|purge:") || l.starts_with("cmdstat_memory:"))
}

/// MEMORY PURGE was not called (checkable on 7.x only, where subcommands count apart).
fn purge_not_called(s: &RedisServer) -> bool {
    !s.cli(&["INFO", "commandstats"]).contains("cmdstat_memory|purge:")
}

#[test]
fn purge_dry_run_then_apply_on_a_fragmented_server() {
    let s = RedisServer::start(&[]).unwrap();
    fragment(&s);
    if !s.cli(&["INFO", "memory"]).contains("mem_allocator:jemalloc") {
        // A libc build: MEMORY PURGE would do nothing, so it is not run.
        let v = json(&fix(&s.url(), &["--role", "queue", "--purge", "--apply", "-o", "json"]));
        assert_eq!(v["purge"]["purged"], false, "{v}");
        assert!(v["purge"]["why"][0].as_str().unwrap().contains("does nothing there"), "{v}");
        return;
    }

    // Dry run: the figures now, nothing purged.
    let o = fix(&s.url(), &["--memory-limit", "1Gi", "--role", "queue", "--purge", "-o", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let v = json(&o);
    let p = &v["purge"];
    assert!(p["allocator"].as_str().unwrap().starts_with("jemalloc"), "{p}");
    assert!(p["before"]["rss"].as_u64().unwrap() > 100 << 20, "{p}");
    assert!(p["before"]["frag_ratio"].as_f64().unwrap() > 1.5, "{p}");
    assert!(p["before"]["frag_bytes"].as_i64().unwrap() > 100 << 20, "{p}");
    assert!(p["after"].is_null() && p["purged"] == false && p["defrag_proposal"].is_null(), "{p}");
    assert!(purge_not_called(&s), "a dry run ran MEMORY PURGE");
    let o = fix(&s.url(), &["--role", "queue", "--purge"]);
    assert!(stdout(&o).contains("Would run: MEMORY PURGE"), "{}", stdout(&o));

    // --purge --apply with a config change and no backup choice: refused, nothing run.
    let o = fix(&s.url(), &["--memory-limit", "1Gi", "--role", "queue", "--purge", "--apply"]);
    assert_eq!(o.status.code(), Some(2), "{}{}", stdout(&o), stderr(&o));
    assert!(
        stderr(&o).contains("CONFIG SET maxmemory") && stderr(&o).contains("--no-backup"),
        "{}",
        stderr(&o)
    );
    assert!(purge_not_called(&s));
    assert_eq!(config(&s, "maxmemory"), "0");

    // Nothing else to change (no limit, noeviction for a queue): no backup needed.
    let o = fix(&s.url(), &["--role", "queue", "--purge", "--apply", "-o", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let v = json(&o);
    let p = &v["purge"];
    assert_eq!(p["purged"], true, "{p}");
    assert!(purge_called(&s), "MEMORY PURGE not called");
    let (before, after) = (p["before"]["rss"].as_u64().unwrap(), p["after"]["rss"].as_u64().unwrap());
    // The OS may keep the pages a while: no strict drop, only no growth beyond slack.
    assert!(after <= before + (8 << 20), "RSS {before} -> {after}");
    assert!(p["after"]["frag_ratio"].as_f64().is_some(), "{p}");
    // Every 8th value still pins its page: fragmentation outlives the purge.
    let lines: Vec<&str> =
        p["defrag_proposal"].as_array().unwrap().iter().map(|l| l.as_str().unwrap()).collect();
    assert_eq!(lines[0], "CONFIG SET activedefrag yes", "{p}");
    assert!(lines.contains(&"CONFIG SET active-defrag-cycle-max 25"), "{p}");
    assert!(p["defrag_cost"].as_str().unwrap().contains("main thread"), "{p}");
    // Proposed, not applied.
    assert_eq!(config(&s, "activedefrag"), "no");

    // Table output says the same.
    let o = fix(&s.url(), &["--role", "queue", "--purge", "--apply"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{}", stderr(&o));
    assert!(out.contains("MEMORY PURGE: RSS") && out.contains("Proposed (not applied)"), "{out}");
    assert!(out.contains("CPU cost:"), "{out}");
}

#[test]
fn purge_on_a_fresh_server_has_nothing_to_do() {
    let s = RedisServer::start(&[]).unwrap();
    let o = fix(&s.url(), &["--role", "queue", "--purge", "--apply", "-o", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let v = json(&o);
    let p = &v["purge"];
    assert_eq!(p["purged"], false, "{p}");
    assert!(p["after"].is_null() && p["before"]["rss"].as_u64().is_some(), "{p}");
    let why = p["why"][0].as_str().unwrap();
    assert!(why.contains("nothing to purge") || why.contains("does nothing there"), "{why}");
    assert!(purge_not_called(&s));

    let o = fix(&s.url(), &["--role", "queue", "--purge"]);
    assert!(stdout(&o).contains("Memory purge"), "{}", stdout(&o));
    assert!(!stdout(&o).contains("Would run"), "{}", stdout(&o));
    // Without --purge: no purge object.
    assert!(json(&fix(&s.url(), &["--role", "queue", "-o", "json"]))["purge"].is_null());
}
