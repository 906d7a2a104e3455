//! `fix --apply` against servers started from a config file (CONFIG REWRITE persists the
//! change) and with `--backup bgsave`.

#![allow(clippy::unwrap_used)]

mod util;

use std::time::Duration;

use testkit::RedisServer;
use util::{bin, stderr, stdout};

fn apply(url: &str, extra: &[&str]) -> std::process::Output {
    bin()
        .args(["fix", "--redis-url", url, "--memory-limit", "512Mi", "--role", "queue", "--apply"])
        .args(extra)
        .env_remove("REDISCLI_AUTH")
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap()
}

#[test]
fn a_config_file_is_rewritten_so_the_change_survives_a_restart() {
    let s = RedisServer::start_with_config("maxmemory-policy allkeys-lru\n", &[]).unwrap();
    let o = apply(&s.url(), &["--no-backup"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let file = std::fs::read_to_string(s.config_file()).unwrap();
    assert!(file.lines().any(|l| l == "maxmemory 409mb"), "{file}");
    assert!(file.contains("maxmemory-policy noeviction"), "{file}");
}

#[test]
fn without_a_config_file_the_change_is_live_only_and_says_so() {
    let s = RedisServer::start(&[]).unwrap();
    let o = apply(&s.url(), &["--no-backup"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let text = format!("{}{}", stdout(&o), stderr(&o));
    assert!(text.to_lowercase().contains("restart"), "{text}");
    assert_eq!(s.cli(&["CONFIG", "GET", "maxmemory-policy"]).lines().nth(1), Some("noeviction"));
}

#[test]
fn a_bgsave_backup_comes_first() {
    let s = RedisServer::start(&[]).unwrap();
    s.cli(&["SET", "k", "v"]);
    let before: i64 = s.cli(&["LASTSAVE"]).trim().parse().unwrap();
    // LASTSAVE has one-second resolution: the backup waits for a later second itself.
    let o = apply(&s.url(), &["--backup", "bgsave"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let after: i64 = s.cli(&["LASTSAVE"]).trim().parse().unwrap();
    assert!(after > before, "LASTSAVE {before} -> {after}");
    assert_eq!(s.cli(&["CONFIG", "GET", "maxmemory-policy"]).lines().nth(1), Some("noeviction"));
}
