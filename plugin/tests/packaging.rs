//! Packaging: the two binary names, `--version` with the git revision, and the krew manifest
//! (checked in, and filled for a release by plugin/krew/render.sh). The real `cargo install`
//! runs in tests/install.rs.

#![allow(clippy::unwrap_used)]

mod util;

use std::{io::Write, path::Path, process::Command};

use util::repo;

/// The krew manifest passes krew's own validation rules
/// (kubernetes-sigs/krew: internal/index/validation/validate.go). Returns its version.
fn check_manifest(text: &str) -> String {
    let m: serde_json::Value = serde_saphyr::from_str(text).unwrap();
    assert_eq!(m["apiVersion"], "krew.googlecontainertools.github.com/v1alpha2");
    assert_eq!(m["kind"], "Plugin");
    assert_eq!(m["metadata"]["name"], "redis-audit", "name must match the file name");
    let version = m["spec"]["version"].as_str().unwrap();
    let short = m["spec"]["shortDescription"].as_str().unwrap();
    assert!(!short.is_empty() && !short.contains('\n'));
    assert!(!m["spec"]["description"].as_str().unwrap().trim().is_empty());
    let platforms = m["spec"]["platforms"].as_array().unwrap();
    assert!(platforms.len() >= 4);
    let mut seen = Vec::new();
    for p in platforms {
        let labels = p["selector"]["matchLabels"].as_object().unwrap();
        assert!(labels.keys().all(|k| k == "os" || k == "arch"), "{labels:?}");
        let os = labels["os"].as_str().unwrap();
        seen.push(format!("{os}/{}", labels["arch"].as_str().unwrap()));
        let uri = p["uri"].as_str().unwrap();
        assert!(uri.starts_with("https://") && (uri.ends_with(".tar.gz") || uri.ends_with(".zip")), "{uri}");
        assert!(uri.contains(&format!("/download/{version}/kubectl-redis_audit-{version}-")), "{uri}");
        let sha = p["sha256"].as_str().unwrap();
        assert!(sha.len() == 64 && sha.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        let bin = p["bin"].as_str().unwrap();
        assert_eq!(bin.ends_with(".exe"), os == "windows", "{bin}");
        let files = p["files"].as_array().unwrap();
        assert!(files.iter().any(|f| f["from"] == "LICENSE"), "the LICENSE is extracted");
        assert!(files.iter().any(|f| f["from"] == bin));
    }
    for want in ["linux/amd64", "linux/arm64", "darwin/amd64", "darwin/arm64"] {
        assert!(seen.iter().any(|s| s == want), "{want}");
    }
    assert!(repo().join("LICENSE").is_file());
    version.to_string()
}

fn manifest() -> String {
    std::fs::read_to_string(repo().join("plugin/krew/redis-audit.yaml")).unwrap()
}

#[test]
fn krew_manifest_is_valid_and_follows_the_workspace_version() {
    let version = check_manifest(&manifest());
    assert_eq!(version, format!("v{}", env!("CARGO_PKG_VERSION")), "manifest version follows the crate");
}

fn render(args: &[&str]) -> std::process::Output {
    Command::new("bash").arg(repo().join("plugin/krew/render.sh")).args(args).output().unwrap()
}

fn sha256(path: &Path) -> String {
    let out = Command::new("sha256sum").arg(path).output().unwrap();
    String::from_utf8(out.stdout).unwrap().split_whitespace().next().unwrap().to_string()
}

/// `render.sh 0.2.0 DIR` on one archive per platform (distinct contents): the version, each
/// URI and each sum change, the rest of the manifest does not.
#[test]
fn render_fills_version_uris_and_sums_from_the_archives() {
    let dir = tempfile::tempdir().unwrap();
    let checked_in: serde_json::Value = serde_saphyr::from_str(&manifest()).unwrap();
    let platforms = checked_in["spec"]["platforms"].as_array().unwrap();
    let old = checked_in["spec"]["version"].as_str().unwrap();
    for p in platforms {
        let name = p["uri"].as_str().unwrap().rsplit('/').next().unwrap().replace(old, "v0.2.0");
        std::fs::write(dir.path().join(&name), format!("archive {name}")).unwrap();
    }
    let out = render(&["v0.2.0", dir.path().to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(check_manifest(&text), "v0.2.0");
    assert!(!text.contains(old), "{old} left in\n{text}");
    let mut rendered: serde_json::Value = serde_saphyr::from_str(&text).unwrap();
    let mut sums = Vec::new();
    for p in rendered["spec"]["platforms"].as_array_mut().unwrap() {
        let uri = p["uri"].as_str().unwrap();
        assert!(
            uri.starts_with("https://github.com/redis-audit/redis-audit/releases/download/v0.2.0/"),
            "{uri}"
        );
        let archive = dir.path().join(uri.rsplit('/').next().unwrap());
        assert_eq!(p["sha256"].as_str().unwrap(), sha256(&archive), "{uri}");
        sums.push(p["sha256"].as_str().unwrap().to_string());
        p["uri"] = p["uri"].as_str().unwrap().replace("v0.2.0", old).into();
        p["sha256"] = checked_in["spec"]["platforms"][0]["sha256"].clone();
    }
    sums.sort();
    sums.dedup();
    assert_eq!(sums.len(), platforms.len(), "one sum per archive");
    rendered["spec"]["version"] = old.into();
    assert_eq!(rendered, checked_in, "only version, uri and sha256 change");
}

#[test]
fn render_refuses_a_missing_archive_or_a_bad_version() {
    let dir = tempfile::tempdir().unwrap();
    let out = render(&["0.2.0", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty(), "nothing written");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("kubectl-redis_audit-v0.2.0-x86_64-unknown-linux-musl.tar.gz not found (named by the manifest's uri https://"),
        "{err}"
    );
    let out = render(&["latest", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("'latest' is not a release version (e.g. 0.2.0)"));
    assert_eq!(render(&["0.2.0"]).status.code(), Some(2), "usage");
}

/// The revision `--version` must name: HEAD of this checkout, or `unknown` outside one.
fn expected_rev() -> String {
    Command::new("git")
        .args(["rev-parse", "--short=7", "HEAD"])
        .current_dir(repo())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| "unknown".to_string())
}

/// `cargo install --path plugin` installs both; here, the same two targets as cargo built them.
#[test]
fn both_names_are_the_same_program_with_the_git_revision() {
    let want = format!("redis-audit {} (git {})\n", env!("CARGO_PKG_VERSION"), expected_rev());
    let mut outputs = Vec::new();
    for bin in [env!("CARGO_BIN_EXE_redis-audit"), env!("CARGO_BIN_EXE_kubectl-redis_audit")] {
        let version = Command::new(bin).arg("--version").output().unwrap();
        assert_eq!(String::from_utf8_lossy(&version.stdout), want, "{bin}");
        let lint = Command::new(bin)
            .args(["lint", "--format", "json", "testdata/examples"])
            .current_dir(repo())
            .output()
            .unwrap();
        assert_eq!(lint.status.code(), Some(1), "{bin}: {}", String::from_utf8_lossy(&lint.stderr));
        outputs.push(lint.stdout);
    }
    assert_eq!(outputs[0], outputs[1]);
    // Only the kubectl name shows the kubectl form in help.
    let help =
        |bin: &str| String::from_utf8(Command::new(bin).arg("--help").output().unwrap().stdout).unwrap();
    assert!(help(env!("CARGO_BIN_EXE_kubectl-redis_audit")).contains("Usage: kubectl redis-audit"));
    assert!(help(env!("CARGO_BIN_EXE_redis-audit")).contains("Usage: redis-audit"));
}

/// What `cargo install --path plugin` installs: every bin target of the package.
#[test]
fn the_plugin_package_has_both_binaries() {
    let out = Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--no-deps", "--offline"])
        .current_dir(repo())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let bins = |package: &str| -> Vec<String> {
        let p = v["packages"].as_array().unwrap().iter().find(|p| p["name"] == package).unwrap();
        let mut names: Vec<String> = p["targets"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| t["kind"][0] == "bin")
            .map(|t| t["name"].as_str().unwrap().to_string())
            .collect();
        names.sort();
        names
    };
    assert_eq!(bins("redis-audit"), ["kubectl-redis_audit", "redis-audit"]);
    // What pre-commit's `cargo install --path .` installs (see .pre-commit-hooks.yaml).
    assert_eq!(bins("redis-audit-pre-commit"), ["redis-audit-pre-commit"]);
}

/// The pre-commit hook's `files`/`exclude` (Python regexes, as pre-commit applies them) pass
/// the files `redis-audit lint` reads when it walks a directory, and only those; except, on
/// purpose, `.conf` files not named for Redis, Valkey or Sentinel (a named file is read
/// whatever its name, and a non-Redis .conf as YAML) and dependency directories (never walked).
#[test]
fn pre_commit_files_are_what_the_linter_reads() {
    let Some(python) = util::required_tool("python3", "pre_commit_files_are_what_the_linter_reads") else {
        return;
    };
    let paths = [
        "values.yaml",
        "charts/x/values-prod.yml",
        "charts/x/Chart.yaml",
        "charts/x/Chart.lock",
        "k8s/sts.yaml",
        "redis.conf",
        "conf/redis-6379.conf",
        "valkey.conf",
        "redis.conf.tmpl",
        "sentinel.conf",
        "nginx.conf",
        "etc/supervisord.conf",
        "app/settings.py",
        "config/initializers/sidekiq.rb",
        "lib/tasks/jobs.rake",
        "src/queue.ts",
        "src/App.tsx",
        "index.mjs",
        "a.cjs",
        "a.jsx",
        "a.mts",
        "a.cts",
        "app/Http/Kernel.php",
        "dist/app.min.js",
        "types.d.ts",
        "views/home.blade.php",
        "src/main/resources/application.properties",
        "application-prod.properties",
        "bootstrap.properties",
        "other.properties",
        ".env",
        "api/.env.production",
        "env.txt",
        "Gemfile.lock",
        "package-lock.json",
        "npm-shrinkwrap.json",
        "web/package.json",
        "poetry.lock",
        "uv.lock",
        "pom.xml",
        "build.gradle",
        "build.gradle.kts",
        "requirements.txt",
        "requirements-dev.txt",
        "requirements/base.txt",
        "notes.txt",
        "README.md",
        "src/main.rs",
        "Dockerfile",
        "node_modules/bull/index.js",
        "vendor/bundle/sidekiq.rb",
    ];
    let hooks: serde_json::Value =
        serde_saphyr::from_str(&std::fs::read_to_string(repo().join(".pre-commit-hooks.yaml")).unwrap())
            .unwrap();
    let hook = &hooks[0];
    assert_eq!(hook["id"], "redis-audit-lint");
    assert_eq!(hook["pass_filenames"], true);
    // pre-commit's filter: re.search(files) and not re.search(exclude).
    let script = "import json, re, sys\n\
                  spec = json.load(sys.stdin)\n\
                  files, exclude = re.compile(spec['files']), re.compile(spec['exclude'])\n\
                  print(json.dumps([bool(files.search(p)) and not exclude.search(p) for p in spec['paths']]))\n";
    let spec = serde_json::json!({"files": hook["files"], "exclude": hook["exclude"], "paths": &paths[..]});
    let mut child = Command::new(python)
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(spec.to_string().as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let passed: Vec<bool> = serde_json::from_slice(&out.stdout).unwrap();
    for (path, passed) in paths.iter().zip(passed) {
        let name = path.rsplit('/').next().unwrap();
        let walked = lint_engine::classify::by_name(path).is_some()
            && !path.split('/').any(|d| lint_engine::walk::DEPENDENCY_DIRS.contains(&d));
        let other_conf =
            name.ends_with(".conf") && !["redis", "valkey", "sentinel"].iter().any(|p| name.starts_with(p));
        assert_eq!(passed, walked && !other_conf, "{path}");
    }
}
