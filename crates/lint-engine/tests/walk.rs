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
