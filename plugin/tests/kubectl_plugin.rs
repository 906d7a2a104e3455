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
