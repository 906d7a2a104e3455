//! `redis-audit demo`: the real audit against the bundled test cluster, and nothing left
//! running afterwards, also when interrupted.

#![allow(clippy::unwrap_used)]

mod util;

use std::{process::Stdio, time::Duration};

use util::{bin, stderr, stdout};

/// redis-server processes whose environment carries `tag` (children inherit it).
fn tagged_servers(tag: &str) -> Vec<u32> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else { continue };
        let comm = std::fs::read_to_string(entry.path().join("comm")).unwrap_or_default();
        let env = std::fs::read(entry.path().join("environ")).unwrap_or_default();
        if comm.trim() == "redis-server" && String::from_utf8_lossy(&env).contains(tag) {
            found.push(pid);
        }
    }
    found
}

#[test]
fn demo_audits_the_bundled_cluster_and_stops_everything() {
    let tag = format!("REDIS_AUDIT_TEST_TAG=demo-{}", std::process::id());
    let (k, v) = tag.split_once('=').unwrap();
    let o = bin().args(["demo", "-o", "json"]).env(k, v).output().unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let report: serde_json::Value =
        serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(&o)));
    let pods = report["pods"].as_array().unwrap();
    assert!(pods.len() >= 4, "{report}");
    assert!(pods.iter().all(|p| p["status"] == "audited"), "{report}");
    let rules: Vec<&str> =
        report["findings"].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap()).collect();
    for want in ["memory-limit-missing", "maxmemory-exceeds-limit", "oom-killed", "eviction-policy-on-queue"]
    {
        assert!(rules.contains(&want), "{want} not in {rules:?}");
    }
    assert!(tagged_servers(&tag).is_empty(), "redis-servers left running");
}

#[test]
fn ctrl_c_stops_the_demo_servers() {
    let tag = format!("REDIS_AUDIT_TEST_TAG=interrupt-{}", std::process::id());
    let (k, v) = tag.split_once('=').unwrap();
    // Interrupted as soon as its servers are up: during start-up or the audit, either way.
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_kubectl-redis_audit"))
        .args(["demo", "-o", "json"])
        .env(k, v)
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the servers are up, then interrupt.
    let mut waited = Duration::ZERO;
    while tagged_servers(&tag).is_empty() && waited < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(20));
        waited += Duration::from_millis(20);
    }
    let _ = std::process::Command::new("kill").args(["-INT", &child.id().to_string()]).status();
    let status = child.wait().unwrap();
    assert!(matches!(status.code(), Some(0 | 1 | 130)), "{status:?}");
    assert!(tagged_servers(&tag).is_empty(), "redis-servers left running after Ctrl-C");
}
