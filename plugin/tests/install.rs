//! Real installs, each the way its user runs it:
//! - README's `cargo install --path plugin` (both names, `--version` with the git revision);
//! - the action's `install: source` step (`cargo install --path $GITHUB_ACTION_PATH/plugin`);
//! - the pre-commit hook (`language: rust`: pre-commit runs `cargo install --bins --path .` in
//!   its clone of this repository), with the real pre-commit from PyPI on a sample repository,
//!   through README's `.pre-commit-config.yaml`.
//!
//! They build release binaries. To keep that affordable (CI has 2 cores and no cache) all three
//! share one target directory under the workspace's target/ (dependencies are built once), and
//! the release profile is set to opt-level 0 through cargo's environment
//! (`CARGO_PROFILE_RELEASE_OPT_LEVEL`): the same commands, unoptimised binaries. Measured on
//! 2 cores: 2.5 minutes for the three with an empty target directory, 1 minute after.

#![allow(clippy::unwrap_used)]

mod util;

use std::{
    io::Write,
    path::{Path, PathBuf},
    process::{Command, Output},
    time::Instant,
};

use util::{action, repo};

/// Where the three installs build, under the workspace's target directory.
fn shared_target() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("install-target")
}

/// Cargo's environment for the installs (see the module doc).
fn cargo_env() -> Vec<(&'static str, String)> {
    vec![
        ("CARGO_TARGET_DIR", shared_target().display().to_string()),
        ("CARGO_PROFILE_RELEASE_OPT_LEVEL", "0".into()),
        ("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "256".into()),
        ("CARGO_TERM_COLOR", "never".into()),
    ]
}

fn note(what: &str, since: Instant) {
    let _ = writeln!(std::io::stderr(), "{what}: {:.0} s", since.elapsed().as_secs_f64());
}

/// PATH without the directory of the test's own binaries (the installs must bring theirs).
fn path_without_built_binaries() -> String {
    let built = action::bin_dir();
    let dirs: Vec<PathBuf> = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .filter(|d| *d != built && !d.join("redis-audit").exists())
        .collect();
    std::env::join_paths(dirs).unwrap().into_string().unwrap()
}

fn assert_version(out: &str) {
    let want = format!("redis-audit {} (git ", env!("CARGO_PKG_VERSION"));
    let rev =
        out.strip_prefix(&want).and_then(|r| r.strip_suffix(")\n")).unwrap_or_else(|| panic!("{out:?}"));
    assert!(rev == "unknown" || (rev.len() == 7 && rev.chars().all(|c| c.is_ascii_hexdigit())), "{out:?}");
}

#[test]
fn readme_install_example_installs_both_names() {
    let bash = util::required_tool("bash", "readme_install_example").unwrap();
    let root = tempfile::tempdir().unwrap();
    let bin = root.path().join("bin");
    let started = Instant::now();
    let mut cmd = Command::new(bash);
    util::without_cargo_test_env(&mut cmd);
    let o = cmd
        .args(["--noprofile", "--norc", "-eo", "pipefail", "-c", &util::readme_example("install")])
        .current_dir(repo())
        // Where `cargo install` puts binaries without --root; first on PATH, as ~/.cargo/bin is.
        .env("CARGO_INSTALL_ROOT", root.path())
        .env("PATH", format!("{}:{}", bin.display(), path_without_built_binaries()))
        .envs(cargo_env())
        .output()
        .unwrap();
    note("cargo install --path plugin", started);
    assert!(o.status.success(), "{}", util::stderr(&o));
    assert_version(&util::stdout(&o));
    for name in ["redis-audit", "kubectl-redis_audit"] {
        let v = Command::new(bin.join(name)).arg("--version").output().unwrap();
        assert_version(&util::stdout(&v));
    }
}

#[test]
fn action_builds_from_source() {
    let ws = tempfile::tempdir().unwrap();
    action::copy_dir(&repo().join("testdata/examples"), ws.path());
    let env = cargo_env();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let started = Instant::now();
    let run = action::run(ws.path(), &[("paths", "k8s")], &path_without_built_binaries(), &env);
    note("action install: source", started);
    assert_eq!((run.code, run.last_step.as_str()), (1, "Lint"), "{}{}", run.stdout, run.stderr);
    let built = run.stdout.lines().find(|l| l.contains("/redis-audit/bin/redis-audit: ")).unwrap_or_default();
    assert!(built.ends_with(")") && built.contains(": redis-audit 0.1.0 (git "), "{}", run.stdout);
    assert!(
        run.commands().iter().any(|c| c.starts_with("::error file=k8s/rails-cache.yaml,line=14,")),
        "{}",
        run.stdout
    );
}

/// git with no user or system config. A commit in the sample repository runs the installed
/// hook, so git passes on what pre-commit and cargo need: `PRE_COMMIT_HOME` and [`cargo_env`].
fn git(dir: &Path, args: &[&str]) -> Output {
    let mut cmd = Command::new("git");
    util::without_cargo_test_env(&mut cmd);
    cmd.args(["-c", "user.name=redis-audit tests", "-c", "user.email=tests@redis-audit.invalid"])
        .args(["-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main"])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        // A fixed date: the same tree gives the same commit, and pre-commit reuses its install.
        .env("GIT_AUTHOR_DATE", "2026-01-01T00:00:00Z")
        .env("GIT_COMMITTER_DATE", "2026-01-01T00:00:00Z")
        .env("PRE_COMMIT_HOME", pre_commit_home())
        .envs(cargo_env())
        .output()
        .unwrap()
}

/// pre-commit's cache (clones and installed hooks), kept between runs: the same tree gives the
/// same commit (fixed dates), whose install is reused.
fn pre_commit_home() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("pre-commit-home")
}

/// This working tree (tracked files and new ones not ignored, as they are now) committed in a
/// repository of its own for pre-commit to clone; returns the commit.
fn hook_repository(dest: &Path) -> String {
    let files = git(repo(), &["ls-files", "-z", "--cached", "--others", "--exclude-standard"]);
    assert!(files.status.success(), "a git checkout: {}", util::stderr(&files));
    for name in files.stdout.split(|b| *b == 0).filter(|n| !n.is_empty()) {
        let name = std::str::from_utf8(name).unwrap();
        let from = repo().join(name);
        if from.is_file() {
            let to = dest.join(name);
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            std::fs::copy(&from, &to).unwrap();
        }
    }
    for args in
        [&["init", "-q"][..], &["add", "-A"], &["commit", "-q", "--no-verify", "-m", "hook repository"]]
    {
        let o = git(dest, args);
        assert!(o.status.success(), "git {args:?}: {}", util::stderr(&o));
    }
    util::stdout(&git(dest, &["rev-parse", "HEAD"])).trim().to_string()
}

/// The pre-commit of .ci/run's venv, `$PRE_COMMIT`, or the one on PATH.
fn pre_commit() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("PRE_COMMIT") {
        return Some(p.into());
    }
    let venv = repo().join("target/ci-precommit-venv/bin/pre-commit");
    if venv.is_file() {
        return Some(venv);
    }
    util::required_tool("pre-commit", "pre_commit_hook")
}

const BAD_VALUES: &str = "redis:\n  architecture: standalone\n  master:\n    persistence:\n      size: 8Gi\n";
const FIXED_VALUES: &str = "redis:\n  architecture: standalone\n  commonConfiguration: |-\n    maxmemory 800mb\n    maxmemory-policy noeviction\n  master:\n    resources:\n      requests: {memory: 1Gi}\n      limits: {memory: 1Gi}\n";

#[test]
fn pre_commit_hook_blocks_a_commit_until_it_is_fixed() {
    let Some(pre_commit) = pre_commit() else { return };
    let hook_repo = tempfile::tempdir().unwrap();
    let rev = hook_repository(hook_repo.path());

    // A user's repository: a chart's values without maxmemory, and files the hook must not
    // pass to the linter (a non-Redis .conf and a Markdown file, both invalid as YAML).
    let sample = tempfile::tempdir().unwrap();
    let s = sample.path();
    util::write(
        s,
        "chart/Chart.yaml",
        &std::fs::read_to_string(repo().join("testdata/examples/helm/shop/Chart.yaml")).unwrap(),
    );
    util::write(s, "chart/values.yaml", BAD_VALUES);
    util::write(s, "supervisord.conf", "[program:web]\ncommand=/bin/web\n");
    util::write(s, "docs/notes.md", "x: [\n  a: b: c\n");
    let config = util::readme_example("pre-commit");
    assert!(config.contains("https://github.com/redis-audit/redis-audit") && config.contains("v0.1.0"));
    let config = config
        .replace("https://github.com/redis-audit/redis-audit", hook_repo.path().to_str().unwrap())
        .replace(&format!("v{}", env!("CARGO_PKG_VERSION")), &rev);
    util::write(s, ".pre-commit-config.yaml", &config);
    assert!(git(s, &["init", "-q"]).status.success());

    let home = pre_commit_home();
    let pc = |args: &[&str]| {
        let mut cmd = Command::new(&pre_commit);
        util::without_cargo_test_env(&mut cmd);
        cmd.args(args)
            .current_dir(s)
            .env("PRE_COMMIT_HOME", &home)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .envs(cargo_env())
            .output()
            .unwrap()
    };
    let log = || std::fs::read_to_string(home.join("pre-commit.log")).unwrap_or_default();
    let installed = pc(&["install"]);
    assert!(installed.status.success(), "{}", util::stderr(&installed));

    // The commit runs the hook (building it the first time) and is refused.
    assert!(git(s, &["add", "-A"]).status.success());
    let started = Instant::now();
    let refused = git(s, &["-c", "color.ui=never", "commit", "-m", "chart"]);
    note("pre-commit hook install and first run", started);
    let out = util::stdout(&refused) + &util::stderr(&refused);
    assert_eq!(refused.status.code(), Some(1), "{out}\n{}", log());
    assert!(
        out.contains("redis-audit lint")
            && out.contains("Failed")
            && out.contains("- hook id: redis-audit-lint"),
        "{out}"
    );
    assert!(out.contains("error[maxmemory-unset]") && out.contains("--> chart/values.yaml:"), "{out}");
    // Exactly the files the linter reads: .pre-commit-config.yaml, Chart.yaml, values.yaml.
    assert!(out.contains("(1 error, 1 warning) in 3 files."), "{out}");
    assert!(!out.contains("supervisord.conf") && !out.contains("notes.md"), "{out}");
    assert!(!git(s, &["rev-parse", "-q", "--verify", "HEAD"]).status.success(), "nothing committed");

    // Fixed: the commit goes through, and a run over every file passes.
    util::write(s, "chart/values.yaml", FIXED_VALUES);
    assert!(git(s, &["add", "-A"]).status.success());
    let committed = git(s, &["commit", "-m", "chart"]);
    let out = util::stdout(&committed) + &util::stderr(&committed);
    assert!(committed.status.success(), "{out}\n{}", log());
    assert!(out.contains("redis-audit lint") && out.contains("Passed"), "{out}");
    let all = pc(&["run", "--all-files", "--color", "never"]);
    assert!(all.status.success(), "{}{}", util::stdout(&all), util::stderr(&all));
}
