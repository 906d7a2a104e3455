//! Typed reads over real INFO and CONFIG GET outputs of Redis 6.2-8.2 and Valkey 7.2-9.1,
//! captured after the same workload (see testdata/redis-info/README.md), plus a property test
//! that `Info::parse` never panics.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use redis_probe::{
    config::ServerConfig,
    info::{CommandStat, DbStat, Info},
};

fn captures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/redis-info")
}

/// What differs between the captures; everything else follows from the shared workload.
struct Expect {
    dir: &'static str,
    server: &'static str,
    version: (u32, u32, u32),
    used_memory: u64,
    fragmentation_ratio: f64,
    /// `errorstat_ERR`: redis-cli 7.0's `COMMAND DOCS` fails on 6.2, adding two.
    err_errors: u64,
    avg_ttl_ms: (u64, u64),
    /// Redis 7.0 split container commands into `config|set`; 6.2 counts `config`.
    config_set_stat: &'static str,
    lazyfree_default: bool,
}

const EXPECT: &[Expect] = &[
    Expect {
        dir: "redis-6.2",
        server: "redis",
        version: (6, 2, 14),
        used_memory: 952_808,
        fragmentation_ratio: 4.72,
        err_errors: 3,
        avg_ttl_ms: (3_599_489, 599_489),
        config_set_stat: "config",
        lazyfree_default: false,
    },
    Expect {
        dir: "redis-7.0",
        server: "redis",
        version: (7, 0, 15),
        used_memory: 1_176_712,
        fragmentation_ratio: 6.45,
        err_errors: 1,
        avg_ttl_ms: (3_599_489, 599_489),
        config_set_stat: "config|set",
        lazyfree_default: false,
    },
    Expect {
        dir: "redis-7.2",
        server: "redis",
        version: (7, 2, 4),
        used_memory: 1_164_840,
        fragmentation_ratio: 6.21,
        err_errors: 1,
        avg_ttl_ms: (3_599_489, 599_489),
        config_set_stat: "config|set",
        lazyfree_default: false,
    },
    Expect {
        dir: "redis-7.4",
        server: "redis",
        version: (7, 4, 1),
        used_memory: 1_245_544,
        fragmentation_ratio: 6.63,
        err_errors: 1,
        avg_ttl_ms: (3_599_874, 599_875),
        config_set_stat: "config|set",
        lazyfree_default: false,
    },
    Expect {
        dir: "redis-8.2",
        server: "redis",
        version: (8, 2, 3),
        used_memory: 954_968,
        fragmentation_ratio: 7.97,
        err_errors: 1,
        avg_ttl_ms: (3_599_872, 599_873),
        config_set_stat: "config|set",
        lazyfree_default: false,
    },
    Expect {
        dir: "valkey-7.2",
        server: "valkey",
        version: (7, 2, 7),
        used_memory: 1_179_584,
        fragmentation_ratio: 5.77,
        err_errors: 1,
        avg_ttl_ms: (3_599_489, 599_489),
        config_set_stat: "config|set",
        lazyfree_default: false,
    },
    Expect {
        dir: "valkey-8.1",
        server: "valkey",
        version: (8, 1, 8),
        used_memory: 1_236_848,
        fragmentation_ratio: 4.81,
        err_errors: 1,
        avg_ttl_ms: (3_599_878, 599_879),
        config_set_stat: "config|set",
        lazyfree_default: true,
    },
    Expect {
        dir: "valkey-9.1",
        server: "valkey",
        version: (9, 1, 2),
        used_memory: 1_275_384,
        fragmentation_ratio: 5.52,
        err_errors: 1,
        avg_ttl_ms: (3_599_855, 599_856),
        config_set_stat: "config|set",
        lazyfree_default: true,
    },
];

fn read_info(dir: &str) -> Info {
    Info::parse(&std::fs::read_to_string(captures_dir().join(dir).join("info.txt")).unwrap())
}

/// `redis-cli CONFIG GET '*'` output (not a TTY): name and value on alternate lines.
fn read_config(dir: &str) -> ServerConfig {
    let text = std::fs::read_to_string(captures_dir().join(dir).join("config.txt")).unwrap();
    let lines: Vec<&str> = text.strip_suffix('\n').unwrap_or(&text).split('\n').collect();
    assert_eq!(lines.len() % 2, 0, "{dir}/config.txt has an odd number of lines");
    ServerConfig::from_pairs(lines.chunks(2).map(|p| (p[0].to_string(), p[1].to_string())).collect())
}

#[test]
fn every_capture_has_expectations() {
    let mut dirs: Vec<String> = std::fs::read_dir(captures_dir())
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    dirs.sort();
    let expected: Vec<&str> = EXPECT.iter().map(|e| e.dir).collect();
    assert_eq!(dirs, expected);
    for dir in dirs {
        // redis-cli writes the reply as the server sent it, so the CRLF path is exercised.
        let raw = std::fs::read_to_string(captures_dir().join(&dir).join("info.txt")).unwrap();
        assert!(raw.starts_with("# Server\r\n"), "{dir}");
    }
}

#[test]
fn info_typed_values_per_version() {
    for e in EXPECT {
        let info = read_info(e.dir);
        let dir = e.dir;
        assert_eq!(info.server_name(), e.server, "{dir}");
        assert_eq!(info.version(), Some(e.version), "{dir}");
        if e.server == "valkey" {
            assert_eq!(info.get("redis_version"), Some("7.2.4"), "{dir}: compatibility version");
        }
        assert_eq!(info.u64("used_memory"), Some(e.used_memory), "{dir}");
        assert!(info.u64("used_memory_rss").is_some_and(|rss| rss > e.used_memory), "{dir}");
        assert_eq!(info.u64("maxmemory"), Some(104_857_600), "{dir}");
        assert_eq!(info.get("maxmemory_policy"), Some("allkeys-lru"), "{dir}");
        assert_eq!(info.f64("mem_fragmentation_ratio"), Some(e.fragmentation_ratio), "{dir}");
        assert_eq!(info.u64("evicted_keys"), Some(50), "{dir}");
        assert_eq!(info.get("rdb_last_bgsave_status"), Some("err"), "{dir}");
        assert_eq!(info.get("aof_last_bgrewrite_status"), Some("ok"), "{dir}");
        assert_eq!(info.u64("aof_last_rewrite_time_sec"), None, "{dir}: -1 is not a u64");
        assert_eq!(info.get("role"), Some("master"), "{dir}");
        assert_eq!(
            info.section("memory").and_then(|m| m.get("maxmemory_human")).map(String::as_str),
            Some("100.00M")
        );

        let stats = info.commandstats();
        assert_eq!(stats.get("keys").map(|s| s.calls), Some(1), "{dir}");
        let set = CommandStat { rejected_calls: 4, failed_calls: 0, ..stats["set"].clone() };
        assert_eq!((stats["set"].calls, &stats["set"]), (150, &set), "{dir}");
        assert_eq!(stats.get(e.config_set_stat).map(|s| s.calls), Some(5), "{dir}");
        assert!(!stats.contains_key("flushall"), "{dir}");

        let errors = info.errorstats();
        assert_eq!(errors.get("OOM"), Some(&4), "{dir}");
        assert_eq!(errors.get("WRONGTYPE"), Some(&1), "{dir}");
        assert_eq!(errors.get("ERR"), Some(&e.err_errors), "{dir}");

        assert_eq!(
            info.keyspace(),
            [
                DbStat { db: 0, keys: 100, expires: 40, avg_ttl_ms: e.avg_ttl_ms.0 },
                DbStat { db: 3, keys: 10, expires: 10, avg_ttl_ms: e.avg_ttl_ms.1 },
            ],
            "{dir}"
        );
    }
}

#[test]
fn config_typed_values_per_version() {
    for e in EXPECT {
        let c = read_config(e.dir);
        let dir = e.dir;
        assert!(c.len() > 100, "{dir}: CONFIG GET * has {} entries", c.len());
        assert_eq!(c.maxmemory(), Some(104_857_600), "{dir}");
        assert_eq!(c.policy(), Some("allkeys-lru"), "{dir}");
        assert_eq!(c.maxmemory_samples(), Some(5), "{dir}");
        assert_eq!(
            (c.save(), c.appendonly(), c.cluster_enabled()),
            (Some(""), Some(false), Some(false)),
            "{dir}"
        );
        assert_eq!(
            c.client_output_buffer_limit(),
            Some("normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"),
            "{dir}"
        );
        let lazyfree = c.lazyfree();
        assert_eq!(lazyfree.len(), 5, "{dir}");
        assert!(lazyfree.iter().all(|(_, on)| *on == e.lazyfree_default), "{dir}: {lazyfree:?}");
        // maxmemory-clients is new in Redis 7.0.
        let expected_clients = if e.version < (7, 0, 0) { None } else { Some("0") };
        assert_eq!(c.maxmemory_clients(), expected_clients, "{dir}");
        // INFO and CONFIG agree.
        let info = read_info(e.dir);
        assert_eq!(info.u64("maxmemory"), c.maxmemory(), "{dir}");
    }
}

#[test]
fn info_serializes_as_sections() {
    let info = read_info("redis-7.0");
    let json = serde_json::to_value(&info).unwrap();
    assert_eq!(json["memory"]["maxmemory_policy"], "allkeys-lru");
    assert_eq!(json["keyspace"]["db3"], "keys=10,expires=10,avg_ttl=599489");
}

fn info_like_text() -> impl Strategy<Value = String> {
    let line = prop_oneof![
        "# [A-Za-z]{0,12}",
        "[a-z_]{1,20}:[0-9.\\-]{0,12}",
        "cmdstat_[a-z|]{0,10}:(calls|usec|rejected_calls|failed_calls)=[0-9]{0,25}(,[a-z_]{0,6}=[0-9x.]{0,4}){0,4}",
        "errorstat_[A-Z]{0,6}:count=[0-9\\-]{0,22}",
        "db[0-9]{0,12}(_distrib)?:keys=[0-9]{0,22},expires=[0-9]{0,3},avg_ttl=[0-9\\-]{0,5}",
        "(redis|valkey)_version:[0-9.a-z\\-]{0,14}",
        "server_name:[a-z]{0,7}",
        ".{0,40}",
    ];
    (proptest::collection::vec(line, 0..40), prop_oneof!["\n", "\r\n", "\r"])
        .prop_map(|(lines, eol)| lines.join(&eol))
}

fn exercise(info: &Info) {
    let _ = (info.get("used_memory"), info.u64("used_memory"), info.f64("mem_fragmentation_ratio"));
    let _ = (info.version(), info.server_name(), info.section("memory"));
    let _ = (info.commandstats(), info.errorstats(), info.keyspace());
    let _ = serde_json::to_string(info);
}

proptest! {
    #[test]
    fn parse_never_panics_on_arbitrary_text(text in any::<String>()) {
        exercise(&Info::parse(&text));
    }

    #[test]
    fn parse_never_panics_on_info_like_text(text in info_like_text()) {
        exercise(&Info::parse(&text));
    }
}
