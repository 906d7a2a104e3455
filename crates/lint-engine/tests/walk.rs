//! Which files a directory walk reads.

#![allow(clippy::unwrap_used)]

use std::path::Path;

use lint_engine::{config::Config, walk};

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, text).unwrap();
}

/// The files a walk of `root` reads, relative to it, sorted.
fn walked(root: &Path) -> Vec<String> {
    let (inputs, _) = walk::collect(&[root.to_path_buf()], &Config::default());
    let mut read: Vec<String> = inputs
        .iter()
        .map(|i| {
            i.path.strip_prefix(&walk::display(root)).unwrap_or(&i.path).trim_start_matches('/').to_string()
        })
        .collect();
    read.sort();
    read
}

#[test]
fn dependency_directories_are_not_walked_but_named_files_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for rel in [
        "deploy/redis.yaml",
        "node_modules/some-chart/values.yaml",
        "web/node_modules/bullmq/index.js",
        "vendor/k8s.io/api/testdata/pod.yaml",
        "py/lib/python3.11/site-packages/celery/app.py",
        "app/settings.py",
        "app/server.js",
    ] {
        write(root, rel, "x: 1\n");
    }
    let read = walked(root);
    assert_eq!(read, ["app/server.js", "app/settings.py", "deploy/redis.yaml"]);
    // Named explicitly, a file in one is read.
    let named = root.join("node_modules/some-chart/values.yaml");
    let (inputs, _) = walk::collect(&[named], &Config::default());
    assert_eq!(inputs.len(), 1);
}

#[test]
fn hidden_entries_are_skipped_except_env_files() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for rel in [
        "shop/.env",
        "shop/.env.example",
        "shop/.hidden.yaml",
        "shop/.git/config.yaml",
        "shop/.github/workflows/ci.yml",
        "shop/config/cache.php",
        "shop/src/main/resources/application.properties",
        "shop/gradle.properties",
    ] {
        write(root, rel, "CACHE_STORE=redis\n");
    }
    // A gitignored `.env` stays unread, like any ignored file.
    std::fs::write(root.join("shop/.gitignore"), ".env.example\n").unwrap();
    let read = walked(root);
    assert_eq!(
        read,
        ["shop/.env", "shop/config/cache.php", "shop/src/main/resources/application.properties"]
    );
}

#[test]
fn files_in_legacy_or_mixed_encodings_are_linted_at_the_same_lines() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let bytes: [(&str, Vec<u8>); 4] = [
        // Latin-1 comment before the finding: one `?` per byte keeps the line and column.
        (
            "app/settings.py",
            b"# r\xe9glages\nCACHES = {'default': {'BACKEND': 'django_redis.cache.RedisCache', 'TIMEOUT': None}}\n"
                .to_vec(),
        ),
        ("redis/redis.conf", b"# \xe9t\xe9\nmaxmemory-policy allkeys-lur\n".to_vec()),
        // A values file saved as UTF-16 by a Windows editor.
        (
            "chart/values.yaml",
            [0xFF, 0xFE]
                .into_iter()
                .chain("# caf\u{e9}\nredis:\n  commonConfiguration: |-\n    maxmemory-policy allkeys-lur\n".encode_utf16().flat_map(u16::to_le_bytes))
                .collect(),
        ),
        ("bin/values.yaml", b"\x7fELF\x02\x01\x01\x00\x00\x00".to_vec()),
    ];
    for (rel, b) in &bytes {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, b).unwrap();
    }
    let (inputs, notes) = walk::collect(&[root.to_path_buf()], &Config::default());
    let note_for = |rel: &str| notes.iter().find(|n| n.contains(rel)).cloned().unwrap_or_default();
    assert!(note_for("app/settings.py").contains("1 byte is not UTF-8"), "{notes:?}");
    assert!(note_for("redis/redis.conf").contains("2 bytes are not UTF-8"), "{notes:?}");
    assert!(note_for("chart/values.yaml").contains("UTF-16LE"), "{notes:?}");
    assert!(note_for("bin/values.yaml").contains("skipped, binary"), "{notes:?}");
    let outcome = lint_engine::lint(&inputs, &Config::default());
    let mut got: Vec<(String, String, usize)> = outcome
        .findings
        .iter()
        .filter(|f| matches!(f.rule.as_str(), "django-redis-cache-timeout-none" | "maxmemory-policy-invalid"))
        .map(|f| {
            let path = f.location.path().unwrap_or("").to_string();
            let input = inputs.iter().find(|i| i.path == path).unwrap();
            let start = match &f.location {
                findings::Location::File { span, .. } => span.start,
                _ => 0,
            };
            let line = input.text[..start].matches('\n').count() + 1;
            (path.rsplit('/').take(2).collect::<Vec<_>>().join("<"), f.rule.clone(), line)
        })
        .collect();
    got.sort();
    let want = [
        ("redis.conf<redis", "maxmemory-policy-invalid", 2),
        ("settings.py<app", "django-redis-cache-timeout-none", 2),
        ("values.yaml<chart", "maxmemory-policy-invalid", 4),
    ];
    let want: Vec<(String, String, usize)> =
        want.iter().map(|(p, r, l)| (p.to_string(), r.to_string(), *l)).collect();
    assert_eq!(got, want, "{:#?}", outcome.findings);
}
