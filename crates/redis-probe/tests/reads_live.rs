//! `Snapshot::read` against a real redis-server (testkit; `$REDIS_SERVER_BIN` picks another,
//! e.g. a valkey-server): a full read, CONFIG disabled by `rename-command`, and an ACL user
//! without the `memory` command.

#![allow(clippy::unwrap_used)]

use redis_probe::{Probe, Target, Timeouts, snapshot::Snapshot};
use testkit::RedisServer;

async fn connect(server: &RedisServer, user: Option<(&str, &str)>) -> Probe {
    let mut target = Target::parse(&server.url()).unwrap();
    if let Some((name, password)) = user {
        target = target.with_password(Some(password.to_string()));
        target.username = Some(name.to_string());
    }
    Probe::connect(&target, Timeouts::default()).await.unwrap()
}

#[tokio::test]
async fn reads_everything_from_a_fresh_server() {
    let server = RedisServer::start(&["--maxmemory", "100mb", "--maxmemory-policy", "allkeys-lru"]).unwrap();
    server.cli(&["SET", "k", "v"]);
    server.cli(&["-n", "2", "SET", "t", "v", "EX", "100"]);
    let mut probe = connect(&server, None).await;
    let before = server.cli(&["INFO", "commandstats"]);
    let snap = Snapshot::read(&mut probe).await.unwrap();

    assert!(snap.unavailable.is_empty(), "{:?}", snap.unavailable);
    assert_eq!(snap.target, probe.label);
    assert!(snap.info.version().is_some_and(|v| v >= (6, 2, 0)), "{:?}", snap.info.version());
    assert_eq!(snap.info.u64("maxmemory"), Some(100 * 1024 * 1024));
    let dbs: Vec<_> = snap.info.keyspace().iter().map(|d| (d.db, d.keys, d.expires)).collect();
    assert_eq!(dbs, [(0, 1, 0), (2, 1, 1)]);

    let config = snap.config.as_ref().unwrap();
    assert_eq!(config.maxmemory(), Some(100 * 1024 * 1024));
    assert_eq!(config.policy(), Some("allkeys-lru"));
    assert_eq!(config.save(), Some(""));
    assert_eq!(config.appendonly(), Some(false));
    assert_eq!(config.lazyfree().len(), 5);
    assert!(config.client_output_buffer_limit().is_some_and(|v| v.starts_with("normal ")));

    let stats = snap.memory_stats.as_ref().unwrap();
    assert!(stats["peak.allocated"].as_u64().is_some_and(|b| b > 0), "{stats:?}");
    assert!(stats.contains_key("db.0.overhead.hashtable.main"), "{stats:?}");
    assert!(stats.contains_key("db.2.overhead.hashtable.expires"), "{stats:?}");
    assert!(!snap.memory_doctor.as_deref().unwrap_or("").is_empty());
    assert_eq!(snap.role.as_deref(), Some("master"));

    // One pipeline: CONFIG GET once per name, no retries (6.2 counts subcommands as `config`).
    let calls = |text: &str| {
        let stats = redis_probe::info::Info::parse(text).commandstats();
        stats.get("config|get").or_else(|| stats.get("config")).map_or(0, |s| s.calls)
    };
    let after = server.cli(&["INFO", "commandstats"]);
    assert_eq!(calls(&after) - calls(&before), redis_probe::config::CONFIG_NAMES.len() as u64);
    assert!(serde_json::to_string(&snap).unwrap().contains("\"maxmemory-policy\":\"allkeys-lru\""));
}

#[tokio::test]
async fn config_disabled_degrades_instead_of_failing() {
    let server = RedisServer::start(&["--maxmemory", "64mb", "--rename-command", "CONFIG", ""]).unwrap();
    let mut probe = connect(&server, None).await;
    let snap = Snapshot::read(&mut probe).await.unwrap();

    assert!(snap.config.is_none());
    let config: Vec<_> = snap.unavailable.iter().filter(|u| u.what.starts_with("CONFIG")).collect();
    assert_eq!(config.len(), 1, "{:?}", snap.unavailable);
    assert_eq!(config[0].what, "CONFIG GET");
    let reason = &config[0].reason;
    assert!(reason.starts_with("refused by the server") && reason.contains("CONFIG"), "{reason}");
    assert!(!reason.contains('\n'), "{reason}");
    // INFO memory still has what the checks need.
    assert_eq!(snap.info.u64("maxmemory"), Some(64 * 1024 * 1024));
    assert!(snap.memory_stats.is_some() && snap.memory_doctor.is_some() && snap.role.is_some());
}

#[tokio::test]
async fn acl_user_without_memory_command() {
    let server = RedisServer::start(&[]).unwrap();
    let ok = server.cli(&["ACL", "SETUSER", "auditor", "on", ">auditor-pw", "~*", "+@all", "-memory"]);
    assert_eq!(ok.trim(), "OK");
    let mut probe = connect(&server, Some(("auditor", "auditor-pw"))).await;
    let snap = Snapshot::read(&mut probe).await.unwrap();

    assert!(snap.config.is_some());
    assert!(snap.memory_stats.is_none() && snap.memory_doctor.is_none());
    let what: Vec<&str> = snap.unavailable.iter().map(|u| u.what.as_str()).collect();
    assert_eq!(what, ["MEMORY STATS", "MEMORY DOCTOR"]);
    for u in &snap.unavailable {
        assert!(u.reason.starts_with("refused by the server") && u.reason.contains("NOPERM "), "{u:?}");
        assert!(!u.reason.contains("auditor-pw"), "{u:?}");
    }
    assert_eq!(snap.role.as_deref(), Some("master"));
}

#[tokio::test]
async fn info_refused_is_an_error() {
    let server = RedisServer::start(&[]).unwrap();
    let ok = server.cli(&["ACL", "SETUSER", "noinfo", "on", ">noinfo-pw", "~*", "+@all", "-info"]);
    assert_eq!(ok.trim(), "OK");
    let mut probe = connect(&server, Some(("noinfo", "noinfo-pw"))).await;
    let e = Snapshot::read(&mut probe).await.unwrap_err();
    assert!(e.is_refused(), "{e}");
    let e = e.to_string();
    assert!(e.contains("`INFO` failed") && !e.contains('\n') && !e.contains("noinfo-pw"), "{e}");
}
