//! Bad input gets a clear note or finding and loses nothing else.

#![allow(clippy::unwrap_used)]

mod util;

use util::{bin, rule_lines, rules_of, stdout, write};

const GOOD_POD_NO_MAXMEMORY: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: r}\nspec:\n  containers:\n    - name: redis\n      image: redis:7\n      resources: {limits: {memory: 1Gi}}\n";

#[test]
fn invalid_yaml_is_a_finding_with_line_and_other_documents_still_linted() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "multi.yaml", &format!("a: 1\nb: [unclosed\n---\n{GOOD_POD_NO_MAXMEMORY}"));
    write(dir.path(), "other.yaml", GOOD_POD_NO_MAXMEMORY);
    let o = bin().args(["lint", "--format", "json"]).arg(dir.path()).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    let found = rule_lines(&o);
    assert!(
        found.contains(&("parse-error".to_string(), 2)) || found.contains(&("parse-error".to_string(), 3)),
        "{found:?}"
    );
    assert_eq!(found.iter().filter(|(r, _)| r == "maxmemory-unset").count(), 2, "{found:?}");
}

#[test]
fn binary_and_oversized_files_are_skipped_and_legacy_encodings_read_with_a_note() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("blob.yaml"), b"\x00\x01\x02binary").unwrap();
    std::fs::write(dir.path().join("latin1.yaml"), b"name: caf\xe9\n").unwrap();
    let big = "# padding\n".repeat(500_000);
    write(dir.path(), "huge.yaml", &big);
    write(dir.path(), "pod.yaml", GOOD_POD_NO_MAXMEMORY);
    let o = bin().args(["lint"]).arg(dir.path()).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(out.contains("blob.yaml: skipped, binary file"), "{out}");
    assert!(out.contains("latin1.yaml: 1 byte is not UTF-8"), "read, not skipped: {out}");
    assert!(out.contains("huge.yaml: skipped, larger than"), "{out}");
    assert!(out.contains("maxmemory-unset"), "the good file is still linted: {out}");
}

#[cfg(unix)]
#[test]
fn symlink_loops_do_not_hang() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a/pod.yaml", GOOD_POD_NO_MAXMEMORY);
    std::os::unix::fs::symlink(dir.path(), dir.path().join("a/loop")).unwrap();
    std::os::unix::fs::symlink(dir.path().join("a/pod.yaml"), dir.path().join("a/link.yaml")).unwrap();
    let o = bin()
        .args(["lint", "--format", "json"])
        .arg(dir.path())
        .timeout(std::time::Duration::from_secs(30))
        .output()
        .unwrap();
    assert_eq!(rules_of(&o), ["maxmemory-unset"]);
}

#[test]
fn alias_bombs_and_deep_nesting_are_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..60 {
        let p = i - 1;
        bomb.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    bomb.push_str("redis:\n  <<: *a59\n");
    write(dir.path(), "bomb.yaml", &bomb);
    write(dir.path(), "deep.yaml", &format!("{}{}\n", "[".repeat(200_000), "]".repeat(200_000)));
    write(
        dir.path(),
        "deepmap.yaml",
        &(0..1000).map(|i| format!("{}k:\n", " ".repeat(i))).collect::<String>(),
    );
    let o = bin()
        .args(["lint", "--format", "json"])
        .arg(dir.path())
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    assert!(o.status.code() == Some(0) || o.status.code() == Some(1), "{o:?}");
    let r = rules_of(&o);
    assert!(r.iter().all(|r| r == "parse-error"), "{r:?}");
    assert!(r.len() >= 2, "deep documents are reported: {r:?}");
}

#[test]
fn malformed_quantity_is_a_parse_error_not_a_missing_limit() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "pod.yaml", &GOOD_POD_NO_MAXMEMORY.replace("1Gi", "1 Gi"));
    let o = bin().args(["lint", "--format", "json"]).arg(dir.path()).output().unwrap();
    assert_eq!(rules_of(&o), ["parse-error"]);
    assert!(stdout(&o).contains("invalid Kubernetes quantity"));
}

/// `redis-audit lint ... | head` ends quietly whatever the format: a closed pipe is not an error.
#[test]
fn a_reader_that_stops_early_is_not_an_error() {
    let dir = tempfile::tempdir().unwrap();
    // Enough findings to fill the pipe's buffer several times over.
    for i in 0..400 {
        write(dir.path(), &format!("pod{i}.yaml"), GOOD_POD_NO_MAXMEMORY);
    }
    let exe = bin().get_program().to_owned();
    for format in ["pretty", "json", "sarif", "github"] {
        let o = std::process::Command::new("bash")
            .arg("-c")
            .arg(r#""$0" lint --format "$1" "$2" | head -c 10 >/dev/null; exit "${PIPESTATUS[0]}""#)
            .arg(&exe)
            .arg(format)
            .arg(dir.path())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!err.contains("error"), "{format}: {err}");
        // 0 when the pipe closed first, 1 (findings) when the whole report fitted in the pipe.
        assert!(matches!(o.status.code(), Some(0 | 1)), "{format}: {:?} {err}", o.status);
    }
}

/// A `.conf` named on the command line that is not Redis's is left with a note, not read as
/// YAML (a false parse error) nor as a redis.conf without maxmemory.
#[test]
fn a_named_conf_that_is_not_redis_is_skipped_with_a_note() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "supervisord.conf", "[program:web]\ncommand=/usr/bin/web --port 80\n");
    write(dir.path(), "redis.conf", "maxmemory-policy allkeys-lru\n");
    let o =
        bin().args(["lint", "--format", "json"]).arg(dir.path().join("supervisord.conf")).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(rules_of(&o).is_empty(), "{}", stdout(&o));
    let o = bin().args(["lint"]).arg(dir.path().join("supervisord.conf")).output().unwrap();
    assert!(stdout(&o).contains("supervisord.conf: skipped, no Redis directive found"), "{}", stdout(&o));
    let o = bin().args(["lint", "--format", "json"]).arg(dir.path().join("redis.conf")).output().unwrap();
    assert_eq!(rules_of(&o), ["maxmemory-unset"]);
}
