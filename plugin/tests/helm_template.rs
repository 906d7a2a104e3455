//! `helm template ... | redis-audit lint -` on charts rendered from the real bitnami templates
//! (testdata/helm-template/README.md says how each was made and what must be concluded).

#![allow(clippy::unwrap_used)]

mod util;

use util::{bin, repo};

/// (rule, severity, workload) of each finding for one rendered chart on stdin.
fn lint_stdin(fixture: &str) -> Vec<(String, String, String)> {
    let text = std::fs::read_to_string(repo().join("testdata/helm-template").join(fixture)).unwrap();
    let o = bin().args(["lint", "-", "--format", "json"]).write_stdin(text).output().unwrap();
    assert!(matches!(o.status.code(), Some(0 | 1)), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let mut out: Vec<(String, String, String)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let msg = f["message"].as_str().unwrap();
            let workload = msg.split("StatefulSet `").nth(1).and_then(|s| s.split('`').next()).unwrap_or("?");
            (f["rule"].as_str().unwrap().into(), f["severity"].as_str().unwrap().into(), workload.into())
        })
        .collect();
    out.sort();
    out
}

fn t(rule: &str, sev: &str, w: &str) -> (String, String, String) {
    (rule.into(), sev.into(), w.into())
}

#[test]
fn standalone_default_has_no_maxmemory_under_the_nano_limit() {
    assert_eq!(
        lint_stdin("bitnami-redis-standalone-default.yaml"),
        [
            t("maxmemory-unset", "error", "cache-redis-master"),
            t("memory-request-below-limit", "warning", "cache-redis-master")
        ]
    );
}

#[test]
fn replication_reads_included_config_and_extra_flags_in_order() {
    // master: `maxmemory 800mb` from the included redis.conf (78% of 1Gi): fine.
    // replicas: `--maxmemory 900mb` from extraFlags comes after the includes and wins.
    assert_eq!(
        lint_stdin("bitnami-redis-replication-maxmemory.yaml"),
        [t("maxmemory-headroom-low", "warning", "jobs-redis-replicas")]
    );
}

#[test]
fn sentinel_mode_audits_the_data_container_not_sentinel() {
    assert_eq!(
        lint_stdin("bitnami-redis-sentinel.yaml"),
        [
            t("maxmemory-unset", "error", "cache-redis-node"),
            t("memory-request-below-limit", "warning", "cache-redis-node")
        ]
    );
}

#[test]
fn valkey_primary_and_replicas() {
    assert_eq!(
        lint_stdin("bitnami-valkey-default.yaml"),
        [
            t("maxmemory-unset", "error", "sess-valkey-primary"),
            t("maxmemory-unset", "error", "sess-valkey-replicas"),
            t("memory-request-below-limit", "warning", "sess-valkey-primary"),
            t("memory-request-below-limit", "warning", "sess-valkey-replicas"),
        ]
    );
}
