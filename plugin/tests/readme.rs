//! README.md's copy-paste examples, run: each fenced block after a `<!-- test: NAME -->`
//! comment is taken verbatim from the README and run here by the tool it is written for
//! (bash, zsh, fish, the action's steps, a shell with `helm` stood in for by the rendered
//! chart of testdata/helm-template/). `install` and `pre-commit` run in tests/install.rs.

#![allow(clippy::unwrap_used)]

mod util;

use std::{
    path::Path,
    process::{Command, Output},
};

use util::{action, repo};

#[test]
fn every_marked_example_has_a_test() {
    let names: Vec<String> = util::readme_examples().into_keys().collect();
    assert_eq!(names, ["bash", "fish", "gate", "install", "monitoring", "pre-commit", "workflow", "zsh"]);
}

#[test]
fn readme_starts_with_the_demo_and_the_test_command() {
    let text = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let first = text.split("```sh\n").nth(1).unwrap().split("```").next().unwrap();
    let commands: Vec<&str> = first.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()).collect();
    assert_eq!(commands, ["cargo run --release -p redis-audit -- demo", "bash .ci/run"]);
}

/// Runs `shell ARGS... FILE`, FILE holding `text`, with the built binaries first on PATH and a
/// throwaway home (rc files and histories stay out).
fn run(shell: &Path, args: &[&str], text: &str, cwd: &Path, env: &[(&str, &str)]) -> Output {
    let home = tempfile::tempdir().unwrap();
    let file = home.path().join("example");
    std::fs::write(&file, text).unwrap();
    let mut cmd = Command::new(shell);
    cmd.args(args)
        .arg(&file)
        .current_dir(cwd)
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path())
        .env("XDG_DATA_HOME", home.path())
        .env("PATH", format!("{}:{}", action::bin_dir().display(), std::env::var("PATH").unwrap_or_default()))
        .env("NO_COLOR", "1");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

#[test]
fn bash_completion_example() {
    let bash = util::required_tool("bash", "bash_completion_example").unwrap();
    let text = util::readme_example("bash") + "complete -p redis-audit kubectl-redis_audit\n";
    let o = run(&bash, &["--noprofile", "--norc"], &text, repo(), &[]);
    assert!(o.status.success() && o.stderr.is_empty(), "{}", util::stderr(&o));
    let registered = util::stdout(&o);
    assert!(
        registered.contains(" redis-audit\n") && registered.contains(" kubectl-redis_audit\n"),
        "{registered}"
    );
}

#[test]
fn zsh_completion_example() {
    let Some(zsh) = util::required_tool("zsh", "zsh_completion_example") else { return };
    // What "after compinit" means in a ~/.zshrc.
    let text = format!(
        "autoload -U compinit && compinit -u -d \"$HOME/.zcompdump\"\n{}print -r -- ${{_comps[redis-audit]}} ${{_comps[kubectl-redis_audit]}}\n",
        util::readme_example("zsh")
    );
    let o = run(&zsh, &["-f"], &text, repo(), &[]);
    assert!(o.status.success() && o.stderr.is_empty(), "{}", util::stderr(&o));
    assert_eq!(util::stdout(&o), "_redis-audit _kubectl-redis_audit\n");
}

#[test]
fn fish_completion_example() {
    let Some(fish) = util::required_tool("fish", "fish_completion_example") else { return };
    let text = util::readme_example("fish")
        + "complete -C 'redis-audit lint --fa'\ncomplete -C 'kubectl-redis_audit ex'\n";
    let o = run(&fish, &["--no-config"], &text, repo(), &[]);
    assert!(o.status.success() && o.stderr.is_empty(), "{}", util::stderr(&o));
    let out = util::stdout(&o);
    assert!(out.starts_with("--fail-on\t"), "{out}");
    assert!(out.contains("\nexplain\t"), "{out}");
}

/// The workflow's action step, run with its `with:` on a repository with `charts/` and
/// `deploy/`; `install: path` stands in for the default build from source (run in install.rs).
#[test]
fn workflow_example() {
    let wf: serde_json::Value = serde_saphyr::from_str(&util::readme_example("workflow")).unwrap();
    assert_eq!(wf["permissions"]["security-events"], "write");
    let steps = wf["jobs"]["redis-lint"]["steps"].as_array().unwrap();
    let lint = steps.iter().find(|s| s["uses"] == "redis-audit/redis-audit@v0").expect("the action step");
    let major = env!("CARGO_PKG_VERSION").split('.').next().unwrap();
    assert_eq!(major, "0", "the README names redis-audit/redis-audit@v{major}");
    let with: Vec<(String, String)> = lint["with"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
        .collect();
    let mut with: Vec<(&str, &str)> = with.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    with.push(("install", "path"));

    let ws = tempfile::tempdir().unwrap();
    action::copy_dir(&repo().join("testdata/examples/helm"), &ws.path().join("charts"));
    action::copy_dir(&repo().join("testdata/examples/k8s"), &ws.path().join("deploy"));
    let path = format!("{}:{}", action::bin_dir().display(), std::env::var("PATH").unwrap_or_default());
    let run = action::run(ws.path(), &with, &path, &[]);
    assert_eq!((run.code, run.last_step.as_str()), (1, "Lint"), "{}{}", run.stdout, run.stderr);
    let commands = run.commands();
    assert!(
        commands.iter().any(|c| c.starts_with("::error file=charts/shop/values.yaml,line=9,")),
        "{}",
        run.stdout
    );
    assert!(
        commands.iter().any(|c| c.starts_with("::error file=deploy/rails-cache.yaml,line=14,")),
        "{}",
        run.stdout
    );

    let upload = steps
        .iter()
        .find(|s| s["uses"].as_str().is_some_and(|u| u.starts_with("github/codeql-action/upload-sarif@")))
        .expect("the upload step");
    assert_eq!(upload["if"], "always()");
    let sarif = ws.path().join(upload["with"]["sarif_file"].as_str().unwrap());
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    assert_eq!(v["runs"][0]["results"].as_array().unwrap().len(), commands.len());
}

/// The pre-commit config names this repository, the current release and a hook it defines
/// (tests/install.rs runs it with the real pre-commit).
#[test]
fn pre_commit_example() {
    let config: serde_json::Value = serde_saphyr::from_str(&util::readme_example("pre-commit")).unwrap();
    let repo_entry = &config["repos"][0];
    assert_eq!(repo_entry["repo"], "https://github.com/redis-audit/redis-audit");
    assert_eq!(repo_entry["rev"], format!("v{}", env!("CARGO_PKG_VERSION")));
    let hooks: serde_json::Value =
        serde_saphyr::from_str(&std::fs::read_to_string(repo().join(".pre-commit-hooks.yaml")).unwrap())
            .unwrap();
    let id = repo_entry["hooks"][0]["id"].as_str().unwrap();
    assert!(hooks.as_array().unwrap().iter().any(|h| h["id"] == id), "{id} is not in .pre-commit-hooks.yaml");
}

/// The gate with `helm` standing in: `template` prints a chart rendered by helm's rules
/// (testdata/helm-template/), `upgrade` says it ran. Errors stop it before the upgrade.
fn gate(rendered: &str) -> Output {
    let bash = util::required_tool("bash", "gate_example").unwrap();
    let fixture = repo().join("testdata/helm-template").join(rendered);
    let stand_in = "helm() {\n  case \"$1\" in\n    template) cat \"$RENDERED\" ;;\n    upgrade) echo \"helm $*\" ;;\n  esac\n}\n";
    let ws = tempfile::tempdir().unwrap();
    std::fs::write(ws.path().join("values-prod.yaml"), "").unwrap();
    run(
        &bash,
        &["--noprofile", "--norc"],
        &(stand_in.to_string() + &util::readme_example("gate")),
        ws.path(),
        &[("RENDERED", fixture.to_str().unwrap())],
    )
}

#[test]
fn gate_example_stops_on_errors() {
    let o = gate("bitnami-redis-standalone-default.yaml");
    assert_eq!(o.status.code(), Some(1), "{}", util::stderr(&o));
    let out = util::stdout(&o);
    assert!(out.contains("error[maxmemory-unset]"), "{out}");
    assert!(!out.contains("helm upgrade"), "{out}");
}

#[test]
fn gate_example_deploys_when_there_are_none() {
    // Only a warning (maxmemory headroom) in this one.
    let o = gate("bitnami-redis-replication-maxmemory.yaml");
    assert_eq!(o.status.code(), Some(0), "{}{}", util::stdout(&o), util::stderr(&o));
    let out = util::stdout(&o);
    assert!(out.contains("warning[maxmemory-headroom-low]"), "{out}");
    assert!(
        out.ends_with("helm upgrade --install cache bitnami/redis --version 23.1.1 -f values-prod.yaml\n"),
        "{out}"
    );
}

/// The monitoring example against the e2e cluster of the test API server (KUBECONFIG), on a
/// free port instead of 9122: `serve` answers with every pod's `redis_audit_up`, and the
/// textfile is written.
#[test]
fn monitoring_example() {
    let bash = util::required_tool("bash", "monitoring_example").unwrap();
    let curl = util::required_tool("curl", "monitoring_example");
    if curl.is_none() {
        return;
    }
    let cluster = util::cluster();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let text = util::readme_example("monitoring").replace("9122", &port.to_string());
    let ws = tempfile::tempdir().unwrap();
    let o = run(
        &bash,
        &["--noprofile", "--norc", "-e"],
        &text,
        ws.path(),
        &[("KUBECONFIG", cluster.kubeconfig.to_str().unwrap())],
    );
    let out = util::stdout(&o);
    assert!(o.status.success(), "{out}{}", util::stderr(&o));
    let up: Vec<&str> = out.lines().filter(|l| l.starts_with("redis_audit_up{")).collect();
    assert!(up.len() >= 3 && up.iter().any(|l| l.ends_with(" 1")), "{out}");
    let prom = std::fs::read_to_string(ws.path().join("redis-audit.prom")).unwrap();
    assert!(
        prom.contains("# TYPE redis_audit_up gauge") && prom.contains("redis_audit_used_memory_bytes{"),
        "{prom}"
    );
}
