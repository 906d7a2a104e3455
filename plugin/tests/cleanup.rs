//! `redis-audit cleanup`: dry runs, `--apply` with each backup choice, refusals, a corrupt or
//! foreign journal, Ctrl-C and `--resume`, presets, and pods of the e2e test cluster.

#![allow(clippy::unwrap_used)]

mod util;

use std::{
    path::Path,
    process::{Output, Stdio},
    time::Duration,
};

use testkit::RedisServer;
use util::{bin, cluster, stderr, stdout};

fn cleanup(dir: &Path, url: &str, extra: &[&str]) -> Output {
    bin()
        .current_dir(dir)
        .args(["cleanup", "--redis-url", url])
        .args(extra)
        .env_remove("REDISCLI_AUTH")
        .timeout(Duration::from_secs(120))
        .output()
        .unwrap()
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}\n{}", stdout(o), stderr(o)))
}

fn dbsize(s: &RedisServer) -> u64 {
    s.cli(&["DBSIZE"]).trim().parse().unwrap()
}

#[test]
fn the_dry_run_prints_the_plan_and_changes_nothing() {
    let s = RedisServer::start(&[]).unwrap();
    s.fill(0, "cache", 2_000, 0);
    s.fill(0, "sess", 100, 600);
    let dir = tempfile::tempdir().unwrap();
    let o = cleanup(dir.path(), &s.url(), &["--pattern", "cache:*", "--delete"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{}", stderr(&o));
    assert!(out.contains("Cleanup plan (dry run)"), "{out}");
    assert!(out.contains("keys to change   2000"), "{out}");
    assert!(out.contains("about 0.1 s at --rate 20000"), "{out}");
    assert!(out.contains("cache:"), "sample keys: {out}");
    assert!(out.contains("Nothing was changed"), "{out}");
    assert_eq!(dbsize(&s), 2_100);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "a dry run writes no journal");

    let o =
        cleanup(dir.path(), &s.url(), &["--pattern", "sess:*", "--no-ttl", "--expire", "1d", "-o", "json"]);
    let v = json(&o);
    assert_eq!(v["dry_run"], true);
    assert_eq!(v["plan"]["keys_matched"], 0, "{v}");
}

#[test]
fn refusals_come_before_any_change() {
    let s = RedisServer::start(&["--maxmemory-policy", "allkeys-lfu"]).unwrap();
    s.fill(0, "k", 100, 0);
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&[&str], &str); 6] = [
        (&["--pattern", "*", "--delete"], "add --all"),
        (&["--delete"], "no selection"),
        (&["--pattern", "k:*"], "--delete or --expire"),
        (&["--pattern", "k:*", "--delete", "--apply"], "choose a backup first"),
        (
            &["--pattern", "k:*", "--idle-over", "7d", "--delete"],
            "does not track under maxmemory-policy allkeys-lfu",
        ),
        (
            &["--pattern", "k:*", "--delete", "--apply", "--backup", "/proc/nope/backup.rdb"],
            "backup failed, nothing was changed",
        ),
    ];
    for (args, says) in cases {
        let o = cleanup(dir.path(), &s.url(), args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}{}", stdout(&o), stderr(&o));
        assert!(stderr(&o).contains(says), "{args:?}: {}", stderr(&o));
        assert_eq!(stderr(&o).trim().lines().count(), 1, "one line: {}", stderr(&o));
        assert_eq!(dbsize(&s), 100, "{args:?}");
    }
    // A failed backup leaves no journal behind either.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    // `*` with --all is fine.
    let o = cleanup(dir.path(), &s.url(), &["--pattern", "*", "--all", "--delete"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn apply_with_a_streamed_backup_deletes_and_reports() {
    let s = RedisServer::start(&[]).unwrap();
    s.fill(0, "gone", 5_000, 0);
    s.fill(0, "keep", 500, 0);
    let dir = tempfile::tempdir().unwrap();
    let rdb = dir.path().join("before.rdb");
    let journal = dir.path().join("j.json");
    let o = cleanup(
        dir.path(),
        &s.url(),
        &[
            "--pattern",
            "gone:*",
            "--delete",
            "--apply",
            "--backup",
            rdb.to_str().unwrap(),
            "--journal",
            journal.to_str().unwrap(),
            "--rate",
            "0",
            "-o",
            "json",
        ],
    );
    let v = json(&o);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(v["outcome"]["changed"], 5_000, "{v}");
    assert!(v["outcome"]["bytes_estimate"].as_u64().unwrap() > 5_000 * 16);
    assert!(v["outcome"]["used_memory_after"].as_u64() < v["outcome"]["used_memory_before"].as_u64());
    assert!(v["backup"].as_str().unwrap().contains("RDB snapshot written to"), "{v}");
    assert!(std::fs::read(&rdb).unwrap().starts_with(b"REDIS"));
    assert_eq!(dbsize(&s), 500);
    let j: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&journal).unwrap()).unwrap();
    assert_eq!(j["state"], "done");
    assert_eq!(j["changed"], 5_000);
    // Resuming a finished journal does nothing.
    let o = cleanup(dir.path(), &s.url(), &["--resume", journal.to_str().unwrap(), "--apply", "--no-backup"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stderr(&o).contains("already finished"), "{}", stderr(&o));
}

#[test]
fn bad_journals_are_named_and_change_nothing() {
    let s = RedisServer::start(&[]).unwrap();
    let other = RedisServer::start(&[]).unwrap();
    s.fill(0, "k", 50, 0);
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{\"truncated\": ").unwrap();
    let o = cleanup(dir.path(), &s.url(), &["--resume", bad.to_str().unwrap(), "--apply", "--no-backup"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not a redis-audit cleanup journal"), "{}", stderr(&o));
    // A journal of another server.
    let j = dir.path().join("other.json");
    let o = cleanup(
        dir.path(),
        &other.url(),
        &["--pattern", "x:*", "--delete", "--apply", "--no-backup", "--journal", j.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let mut text = std::fs::read_to_string(&j).unwrap();
    text = text.replace("\"done\"", "\"interrupted\"").replace("x:*", "k:*");
    std::fs::write(&j, text).unwrap();
    let o = cleanup(dir.path(), &s.url(), &["--resume", j.to_str().unwrap(), "--apply", "--no-backup"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("the journal is for"), "{}", stderr(&o));
    assert_eq!(dbsize(&s), 50);
    // An existing journal path is not overwritten.
    let o = cleanup(
        dir.path(),
        &s.url(),
        &["--pattern", "k:*", "--delete", "--apply", "--no-backup", "--journal", j.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("already exists"), "{}", stderr(&o));
    assert_eq!(dbsize(&s), 50);
}

#[test]
fn ctrl_c_finishes_the_batch_writes_the_journal_and_resume_completes() {
    let s = RedisServer::start(&[]).unwrap();
    s.fill(0, "gone", 20_000, 0);
    s.fill(0, "keep", 1_000, 0);
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("j.json");
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_kubectl-redis_audit"))
        .current_dir(dir.path())
        .args([
            "cleanup",
            "--redis-url",
            &s.url(),
            "--pattern",
            "gone:*",
            "--delete",
            "--apply",
            "--no-backup",
        ])
        .args(["--rate", "5000", "--batch", "100", "--journal", journal.to_str().unwrap(), "-o", "json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1_200));
    let pid = child.id().to_string();
    assert!(std::process::Command::new("kill").args(["-INT", &pid]).status().unwrap().success());
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(130), "{}{}", stdout(&o), stderr(&o));
    assert!(stderr(&o).contains("--resume"), "{}", stderr(&o));
    let v = json(&o);
    assert_eq!(v["outcome"]["interrupted"], true);
    let first = v["outcome"]["changed"].as_u64().unwrap();
    let left = dbsize(&s) - 1_000;
    assert!(first > 0 && left > 0, "{first} {left}");
    assert_eq!(first + left, 20_000, "the whole batch in flight was finished and counted");

    let o = cleanup(
        dir.path(),
        &s.url(),
        &["--resume", journal.to_str().unwrap(), "--apply", "--no-backup", "-o", "json"],
    );
    let v = json(&o);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(v["outcome"]["changed"], 20_000, "counted once over both runs: {v}");
    assert_eq!(dbsize(&s), 1_000);
}

#[test]
fn a_preset_through_the_command_line() {
    let s = RedisServer::start(&[]).unwrap();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    for (i, age_days) in [1u64, 2, 40, 50, 60].iter().enumerate() {
        let member = format!(
            r#"{{"class":"HardJob","jid":"j{i}","args":[],"failed_at":{}}}"#,
            now - age_days * 86_400
        );
        s.cli(&["ZADD", "dead", &(now - age_days * 86_400).to_string(), &member]);
    }
    let dir = tempfile::tempdir().unwrap();
    let o = cleanup(dir.path(), &s.url(), &["--preset", "sidekiq-dead", "--older-than", "30d"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{}", stderr(&o));
    assert!(out.contains("dead"), "{out}");
    assert!(out.contains("total: 3 entries"), "{out}");
    assert_eq!(s.cli(&["ZCARD", "dead"]).trim(), "5");
    let o = cleanup(
        dir.path(),
        &s.url(),
        &["--preset", "sidekiq-dead", "--older-than", "30d", "--apply", "--no-backup", "-o", "json"],
    );
    let v = json(&o);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(v["trim_outcome"]["items"], 3, "{v}");
    assert_eq!(s.cli(&["ZCARD", "dead"]).trim(), "2");
    // Presets check their own flags.
    let o = cleanup(dir.path(), &s.url(), &["--preset", "sidekiq-dead"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--older-than DURATION or --keep N"), "{}", stderr(&o));
}

#[test]
fn pods_of_the_e2e_cluster() {
    let c = cluster();
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("j.json");
    // The replica is refused and the master named; nothing runs.
    let o = c.run(&[
        "cleanup",
        "redis-replicas-0",
        "-n",
        "cache",
        "--pattern",
        "cache:*",
        "--delete",
        "--apply",
        "--no-backup",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}{}", stdout(&o), stderr(&o));
    assert!(stderr(&o).contains("read-only replica of"), "{}", stderr(&o));
    // The master: dry run, then apply with BGSAVE, through port-forwards.
    let o = c.run(&["cleanup", "redis-master-0", "-n", "cache", "--pattern", "cache:product:*", "--delete"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{}", stderr(&o));
    assert!(out.contains("keys to change   3"), "{out}");
    let o = c.run(&[
        "cleanup",
        "redis-master-0",
        "-n",
        "cache",
        "--pattern",
        "cache:product:*",
        "--delete",
        "--apply",
        "--backup",
        "bgsave",
        "--journal",
        journal.to_str().unwrap(),
        "-o",
        "json",
    ]);
    let v = json(&o);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(v["outcome"]["changed"], 3, "{v}");
    assert!(v["backup"].as_str().unwrap().contains("BGSAVE"), "{v}");
    assert!(!stdout(&o).contains("Vq7xK2mPz9") && !stderr(&o).contains("Vq7xK2mPz9"), "password printed");
}
