//! End-to-end tests of `redis-audit lint`, `rules` and `explain` on the real binary.

#![allow(clippy::unwrap_used)]

mod util;

use util::{bin, repo, rules_of, stderr, stdout, write};

#[test]
fn example_pretty_output_and_exit_code() {
    let o = bin().current_dir(repo()).args(["lint", "testdata/examples"]).output().unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    insta::assert_snapshot!("example_pretty", stdout(&o));
}

#[test]
fn example_json_sarif_github() {
    let json =
        bin().current_dir(repo()).args(["lint", "testdata/examples", "--format", "json"]).output().unwrap();
    let mut rules = rules_of(&json);
    rules.sort();
    assert_eq!(
        rules,
        [
            "eviction-policy-on-queue",
            "helm-resources-preset",
            "maxmemory-headroom-low",
            "maxmemory-unset",
            "maxmemory-unset",
            "memory-request-below-limit"
        ]
    );
    let sarif =
        bin().current_dir(repo()).args(["lint", "testdata/examples", "-f", "sarif"]).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&sarif.stdout).unwrap();
    let results = v["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 6);
    for r in results {
        let loc = &r["locations"][0]["physicalLocation"];
        assert!(loc["artifactLocation"]["uri"].as_str().unwrap().starts_with("testdata/examples/"));
        assert!(loc["region"]["startLine"].as_u64().unwrap() > 1, "real regions, not line 1");
    }
    let gh = bin().current_dir(repo()).args(["lint", "testdata/examples", "-f", "github"]).output().unwrap();
    let out = stdout(&gh);
    assert!(out.contains("::error file=testdata/examples/k8s/sidekiq-redis.yaml,line=10,"), "{out}");
}

#[test]
fn fail_on_levels() {
    let dir = tempfile::tempdir().unwrap();
    // Only a warning: request below limit.
    write(
        dir.path(),
        "redis.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: redis}\nspec:\n  containers:\n    - name: redis\n      image: redis:7\n      args: [--maxmemory, 400mb]\n      resources: {requests: {memory: 256Mi}, limits: {memory: 512Mi}}\n",
    );
    let run = |fail_on: &str| {
        bin().args(["lint", "--fail-on", fail_on]).arg(dir.path()).output().unwrap().status.code()
    };
    assert_eq!(run("error"), Some(0));
    assert_eq!(run("warning"), Some(1));
    assert_eq!(run("info"), Some(1));
    assert_eq!(run("never"), Some(0));
}

#[test]
fn clean_tree_exits_zero() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "app.conf", "maxmemory 100mb\nmaxmemory-policy noeviction\n");
    write(dir.path(), "notes.txt", "maxmemory 0\n");
    let o = bin().arg("lint").arg(dir.path()).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains("No problems found in 1 file"), "{}", stdout(&o));
}

#[test]
fn usage_and_config_errors_exit_two() {
    let o = bin().args(["lint", "does/not/exist"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("does/not/exist: no such file"), "{}", stderr(&o));
    let o = bin().args(["lint", "--select", "no-such-rule", "."]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("unknown rule id `no-such-rule`"));
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), ".redis-audit.yaml", "ignroe: [x]\n");
    let o = bin().current_dir(dir.path()).args(["lint", "."]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains(".redis-audit.yaml"), "{}", stderr(&o));
    let o = bin().args(["lint", "--format", "xml"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn stdin_helm_template_output() {
    let rendered = "---\n# Source: jobs/templates/sts.yaml\napiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: jobs-redis\nspec:\n  template:\n    spec:\n      containers:\n        - name: redis\n          image: redis:7.2\n          args: [\"--maxmemory\", \"1200mb\", \"--maxmemory-policy\", \"allkeys-lru\"]\n          resources:\n            limits: {memory: 1Gi}\n";
    let o = bin().args(["lint", "-", "--format", "json"]).write_stdin(rendered).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let f = &v["findings"];
    assert_eq!(f[0]["path"], "-");
    let mut rules = rules_of(&o);
    rules.sort();
    assert_eq!(rules, ["eviction-policy-on-queue", "maxmemory-exceeds-limit"]);
}

#[test]
fn config_file_roles_severity_and_ignore() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "k8s/store.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: store}\nspec:\n  template:\n    spec:\n      containers:\n        - name: redis\n          image: bitnami/redis:7.2\n          args: [--maxmemory, 400mb, --maxmemory-policy, allkeys-lru]\n          resources: {requests: {memory: 256Mi}, limits: {memory: 512Mi}}\n",
    );
    let o = bin().current_dir(dir.path()).args(["lint", "--format", "json", "."]).output().unwrap();
    let mut r = rules_of(&o);
    r.sort();
    assert_eq!(r, ["eviction-policy-on-queue", "memory-request-below-limit"], "unknown role gives info");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "eviction-policy-on-queue" && f["severity"] == "info")
    );
    write(dir.path(), ".redis-audit.yaml", "roles: {store: queue}\nignore: [memory-request-below-limit]\n");
    let o = bin().current_dir(dir.path()).args(["lint", "--format", "json", "."]).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let f = v["findings"].as_array().unwrap();
    assert_eq!(f.len(), 1);
    assert_eq!(f[0]["severity"], "error");
    assert!(f[0]["message"].as_str().unwrap().contains(".redis-audit.yaml"));
    write(
        dir.path(),
        ".redis-audit.yaml",
        "roles: {store: queue}\nseverity: {eviction-policy-on-queue: warning}\nexclude: [k8s/**]\n",
    );
    let o = bin().current_dir(dir.path()).args(["lint", "--format", "json", "."]).output().unwrap();
    assert!(rules_of(&o).is_empty(), "excluded path");
}

#[test]
fn inline_suppression_comment() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "redis.conf",
        "# redis-audit: ignore[maxmemory-unset] sized by the VM, not a container\nappendonly yes\n",
    );
    let o = bin().args(["lint", "--format", "json"]).arg(dir.path()).output().unwrap();
    assert!(rules_of(&o).is_empty(), "{}", stdout(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v["notes"].to_string().contains("suppressed"), "{v}");
}

#[test]
fn baseline_survives_line_shifts() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = "apiVersion: v1\nkind: Pod\nmetadata: {name: cache}\nspec:\n  containers:\n    - name: redis\n      image: redis:7\n      resources: {limits: {memory: 1Gi}}\n";
    write(dir.path(), "pod.yaml", manifest);
    let base = dir.path().join("baseline.json");
    let o = bin().args(["lint", "--write-baseline"]).arg(&base).arg(dir.path()).output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    assert!(std::fs::read_to_string(&base).unwrap().contains("maxmemory-unset"));
    write(dir.path(), "pod.yaml", &format!("# a comment\n# another\n{manifest}"));
    let o =
        bin().args(["lint", "--format", "json", "--baseline"]).arg(&base).arg(dir.path()).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(rules_of(&o).is_empty());
    // A new problem is still reported.
    write(dir.path(), "pod2.yaml", &manifest.replace("cache", "cache2"));
    let o =
        bin().args(["lint", "--format", "json", "--baseline"]).arg(&base).arg(dir.path()).output().unwrap();
    assert_eq!(rules_of(&o), ["maxmemory-unset"]);
}

#[test]
fn rules_and_explain() {
    let o = bin().arg("rules").output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    for r in findings::catalog().rules() {
        assert!(stdout(&o).contains(&r.id));
    }
    let o = bin().args(["explain", "maxmemory-unset"]).output().unwrap();
    assert!(stdout(&o).starts_with("# maxmemory-unset"));
    assert!(stdout(&o).contains("## Sources"));
    let o = bin().args(["explain", "nope"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn output_file_and_color() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.sarif");
    let o = bin()
        .current_dir(repo())
        .args(["lint", "testdata/examples", "-f", "sarif", "-o"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(o.stdout.is_empty());
    assert!(std::fs::read_to_string(&out).unwrap().contains("\"version\": \"2.1.0\""));
    let o =
        bin().current_dir(repo()).args(["lint", "testdata/examples", "--color", "always"]).output().unwrap();
    assert!(stdout(&o).contains('\u{1b}'), "colour when forced");
    let o = bin().current_dir(repo()).args(["lint", "testdata/examples"]).output().unwrap();
    assert!(!stdout(&o).contains('\u{1b}'), "no colour when not a terminal / NO_COLOR");
}

#[test]
fn helm_templates_are_skipped_with_a_note() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "chart/templates/sts.yaml",
        "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: {{ .Release.Name }}\n",
    );
    let o = bin().args(["lint", "--format", "json"]).arg(dir.path()).output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    assert!(rules_of(&o).is_empty(), "a template is not a parse error");
    assert!(stdout(&o).contains("1 Helm template files were not linted"), "{}", stdout(&o));
}
