//! Helpers to run the real binary in a temporary directory.

#![allow(dead_code, clippy::unwrap_used)]

use std::{path::Path, process::Output};

use assert_cmd::Command;

pub mod action;

pub fn bin() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kubectl-redis_audit"));
    cmd.env("NO_COLOR", "1").env_remove("CLICOLOR_FORCE");
    cmd
}

/// Path of the repository root (for testdata/).
pub fn repo() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

pub fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Rule ids of a `--format json` run.
pub fn rules_of(o: &Output) -> Vec<String> {
    let v: serde_json::Value =
        serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("json: {e}\n{}", stdout(o)));
    v["findings"].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap().to_string()).collect()
}

/// (rule, line) of a `--format json` run.
pub fn rule_lines(o: &Output) -> Vec<(String, u64)> {
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["rule"].as_str().unwrap().to_string(), f["start"]["line"].as_u64().unwrap_or(0)))
        .collect()
}

/// The e2e test cluster (testdata/kube/e2e.yaml) on the test API server, with a kubeconfig.
pub struct Cluster {
    pub server: testkit::kube::KubeApiServer,
    _dir: tempfile::TempDir,
    pub kubeconfig: std::path::PathBuf,
}

pub fn cluster() -> Cluster {
    let server = testkit::kube::KubeApiServer::start_file(&repo().join("testdata/kube/e2e.yaml")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = server.write_kubeconfig(dir.path()).unwrap();
    Cluster { server, _dir: dir, kubeconfig }
}

impl Cluster {
    /// The binary with `--kubeconfig` of this cluster and no password from the environment.
    pub fn run(&self, args: &[&str]) -> Output {
        bin()
            .arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .args(args)
            .env_remove("KUBECONFIG")
            .env_remove("REDISCLI_AUTH")
            .timeout(std::time::Duration::from_secs(120))
            .output()
            .unwrap()
    }
}

/// `name` on PATH, for a test that needs it. Missing: a failure under CI (where .ci/run
/// installs it), else a skip notice and `None`.
pub fn required_tool(name: &str, test: &str) -> Option<std::path::PathBuf> {
    let found = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|d| d.join(name))
        .find(|p| p.is_file());
    if found.is_none() {
        assert!(std::env::var_os("CI").is_none(), "{test}: `{name}` is not on PATH (.ci/run installs it)");
        testkit::skip_notice(test, &format!("`{name}` is not on PATH"));
    }
    found
}

/// `<!-- test: NAME -->` -> the body of the fenced block right after it.
pub fn readme_examples() -> std::collections::BTreeMap<String, String> {
    let text = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let mut out = std::collections::BTreeMap::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let Some(name) = line.strip_prefix("<!-- test: ").and_then(|l| l.strip_suffix(" -->")) else {
            continue;
        };
        let fence = lines.next().unwrap_or_default();
        assert!(fence.starts_with("```"), "`{name}` is followed by a fenced block, not {fence:?}");
        let body: Vec<&str> = lines.by_ref().take_while(|l| *l != "```").collect();
        assert!(out.insert(name.to_string(), body.join("\n") + "\n").is_none(), "two examples named {name}");
    }
    out
}

pub fn readme_example(name: &str) -> String {
    readme_examples().remove(name).unwrap_or_else(|| panic!("README.md has no `<!-- test: {name} -->` block"))
}

/// Removes what `cargo test` sets for a test (`CARGO_MANIFEST_DIR`, `CARGO_PKG_*`,
/// `CARGO_TARGET_TMPDIR`...) from a command's environment. A cargo started with them compares
/// them with the values crates were built with (`env!` dependencies) and rebuilds everything.
pub fn without_cargo_test_env(cmd: &mut std::process::Command) {
    for (k, _) in std::env::vars_os() {
        let k = k.to_string_lossy();
        if k.starts_with("CARGO_") && k != "CARGO_HOME" {
            cmd.env_remove(&*k);
        }
    }
}
