//! The real kubectl finds the binary as a plugin and runs it (no cluster needed for lint).

#![allow(clippy::unwrap_used)]

mod util;

use std::process::Command;

use util::repo;

#[test]
fn kubectl_lists_and_runs_the_plugin() {
    let kubectl = which("kubectl").expect("kubectl must be installed for this test (.ci/run checks it)");
    let dir = tempfile::tempdir().unwrap();
    let plugin = dir.path().join("kubectl-redis_audit");
    std::fs::copy(env!("CARGO_BIN_EXE_kubectl-redis_audit"), &plugin).unwrap();
    let path = format!("{}:{}", dir.path().display(), std::env::var("PATH").unwrap_or_default());
    let home = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        Command::new(&kubectl)
            .args(args)
            .current_dir(repo())
            .env("PATH", &path)
            .env("HOME", home.path())
            .env("KUBECONFIG", home.path().join("none"))
            .env("NO_COLOR", "1")
            .output()
            .unwrap()
    };
    let list = run(&["plugin", "list"]);
    let listed = String::from_utf8_lossy(&list.stdout);
    assert!(
        listed.contains(&plugin.display().to_string()),
        "kubectl plugin list: {listed}\n{}",
        String::from_utf8_lossy(&list.stderr)
    );

    let lint = run(&["redis-audit", "lint", "testdata/examples"]);
    assert_eq!(lint.status.code(), Some(1), "{}", String::from_utf8_lossy(&lint.stderr));
    assert!(String::from_utf8_lossy(&lint.stdout).contains("error[maxmemory-unset]"));

    let version = run(&["redis-audit", "--version"]);
    assert!(
        String::from_utf8_lossy(&version.stdout).contains(env!("CARGO_PKG_VERSION")),
        "{}",
        String::from_utf8_lossy(&version.stderr)
    );

    let help = run(&["redis-audit", "--help"]);
    assert!(
        String::from_utf8_lossy(&help.stdout).contains("kubectl redis-audit"),
        "help names the kubectl form"
    );
}

fn which(name: &str) -> Option<std::path::PathBuf> {
    std::env::var_os("PATH")
        .and_then(|p| std::env::split_paths(&p).map(|d| d.join(name)).find(|c| c.is_file()))
}

/// kubectl ≥ 1.26 completes plugin arguments through `kubectl_complete-<plugin>` on PATH.
#[test]
fn kubectl_completes_the_plugin_through_the_helper() {
    let kubectl = which("kubectl").expect("kubectl must be installed for this test (.ci/run checks it)");
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(env!("CARGO_BIN_EXE_kubectl-redis_audit"), dir.path().join("kubectl-redis_audit")).unwrap();
    std::fs::copy(
        repo().join("plugin/completion/kubectl_complete-redis_audit"),
        dir.path().join("kubectl_complete-redis_audit"),
    )
    .unwrap();
    let path = format!("{}:{}", dir.path().display(), std::env::var("PATH").unwrap_or_default());
    let home = tempfile::tempdir().unwrap();
    let complete = |words: &[&str]| {
        let o = Command::new(&kubectl)
            .arg("__complete")
            .arg("redis-audit")
            .args(words)
            .env("PATH", &path)
            .env("HOME", home.path())
            .env("KUBECONFIG", home.path().join("none"))
            .output()
            .unwrap();
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let subcommands = complete(&[""]);
    for want in ["lint", "audit", "keys", "rules"] {
        assert!(subcommands.lines().any(|l| l.starts_with(want)), "{want} missing: {subcommands}");
    }
    assert!(!subcommands.contains("__complete"), "{subcommands}");
    let flags = complete(&["audit", "--con"]);
    assert!(flags.lines().any(|l| l.starts_with("--context")), "{flags}");
    assert!(flags.lines().any(|l| l.starts_with("--concurrency")), "{flags}");
    let formats = complete(&["audit", "-o", ""]);
    for want in ["table", "wide", "json", "yaml", "sarif", "prometheus"] {
        assert!(formats.lines().any(|l| l == want), "{want} missing: {formats}");
    }
    // The directive line: no file completion.
    assert!(formats.trim_end().ends_with(":4"), "{formats}");

    // Contexts come from the kubeconfig.
    let config = home.path().join("config");
    std::fs::write(
        &config,
        "apiVersion: v1\nkind: Config\ncontexts:\n- name: prod-eu\n  context: {cluster: c, user: u}\n\
         - name: staging\n  context: {cluster: c, user: u}\nclusters: [{name: c, cluster: {server: 'http://127.0.0.1:1'}}]\n\
         users: [{name: u, user: {}}]\ncurrent-context: staging\n",
    )
    .unwrap();
    let contexts = complete(&["--kubeconfig", config.to_str().unwrap(), "--context", "pro"]);
    assert_eq!(contexts.lines().next(), Some("prod-eu"), "{contexts}");
}

#[test]
fn completion_scripts_for_every_shell() {
    for shell in ["bash", "zsh", "fish"] {
        let o = util::bin().args(["completion", shell]).output().unwrap();
        assert!(o.status.success(), "{shell}");
        let text = String::from_utf8_lossy(&o.stdout);
        assert!(text.contains("kubectl-redis_audit") && text.contains("redis-audit"), "{shell}");
    }
}
