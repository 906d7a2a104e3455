//! The GitHub Action (action.yml), its steps run by bash as a runner runs them (see
//! util/action.rs), on the example repository of testdata/examples with the built binary on
//! PATH (`install: path`). The `install: source` build is run by tests/pre_commit.rs, which
//! pays for a release build anyway.

#![allow(clippy::unwrap_used)]

mod util;

use std::{collections::BTreeSet, path::Path};

use util::{
    action::{self, Run},
    repo,
};

fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    action::copy_dir(&repo().join("testdata/examples"), dir.path());
    dir
}

fn path_with_binary() -> String {
    format!("{}:{}", action::bin_dir().display(), std::env::var("PATH").unwrap_or_default())
}

fn run(ws: &Path, with: &[(&str, &str)]) -> Run {
    let mut all = vec![("install", "path")];
    all.extend_from_slice(with);
    action::run(ws, &all, &path_with_binary(), &[])
}

/// (ruleId, level, uri, startLine) of each SARIF result.
fn sarif_results(path: &Path) -> BTreeSet<(String, String, String, u64)> {
    let text = std::fs::read_to_string(path).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["version"], "2.1.0");
    v["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let loc = &r["locations"][0]["physicalLocation"];
            (
                r["ruleId"].as_str().unwrap().to_string(),
                r["level"].as_str().unwrap().to_string(),
                loc["artifactLocation"]["uri"].as_str().unwrap().to_string(),
                loc["region"]["startLine"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn result(rule: &str, level: &str, uri: &str, line: u64) -> (String, String, String, u64) {
    (rule.into(), level.into(), uri.into(), line)
}

#[test]
fn errors_fail_the_step_with_annotations_and_a_complete_sarif() {
    let ws = workspace();
    let run = run(ws.path(), &[("paths", "k8s\nhelm")]);
    assert_eq!((run.code, run.last_step.as_str()), (1, "Lint"), "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("redis-audit: redis-audit 0.1.0 (git "), "{}", run.stdout);
    let commands = run.commands();
    for want in [
        "::error file=helm/shop/values.yaml,line=9,endLine=9,col=3,endColumn=9,title=redis-audit (maxmemory-unset)::",
        "::error file=k8s/rails-cache.yaml,line=14,endLine=14,col=17,endColumn=22,title=redis-audit (maxmemory-unset)::",
        "::error file=k8s/sidekiq-redis.yaml,line=10,endLine=10,col=22,endColumn=33,title=redis-audit (eviction-policy-on-queue)::",
        "::warning file=helm/shop/values.yaml,line=9,endLine=9,col=3,endColumn=9,title=redis-audit (helm-resources-preset)::",
        "::warning file=k8s/sidekiq-redis.yaml,line=9,endLine=9,col=15,endColumn=21,title=redis-audit (maxmemory-headroom-low)::",
        "::warning file=k8s/sidekiq-redis.yaml,line=37,endLine=37,col=23,endColumn=28,title=redis-audit (memory-request-below-limit)::",
    ] {
        assert!(commands.iter().any(|c| c.starts_with(want)), "{want}\n{}", run.stdout);
    }
    assert_eq!(commands.len(), 6, "{}", run.stdout);
    assert_eq!(run.outputs["lint"]["sarif-file"], "redis-audit.sarif");
    assert_eq!(
        sarif_results(&ws.path().join("redis-audit.sarif")),
        BTreeSet::from([
            result("eviction-policy-on-queue", "error", "k8s/sidekiq-redis.yaml", 10),
            result("helm-resources-preset", "warning", "helm/shop/values.yaml", 9),
            result("maxmemory-headroom-low", "warning", "k8s/sidekiq-redis.yaml", 9),
            result("maxmemory-unset", "error", "helm/shop/values.yaml", 9),
            result("maxmemory-unset", "error", "k8s/rails-cache.yaml", 14),
            result("memory-request-below-limit", "warning", "k8s/sidekiq-redis.yaml", 37),
        ])
    );
}

#[test]
fn fail_on_and_config_decide_the_exit_code() {
    let ws = workspace();
    // One error (an evicting policy on a queue) and two warnings.
    let file = ("paths", "k8s/sidekiq-redis.yaml");
    let never = run(ws.path(), &[file, ("fail-on", "never")]);
    assert_eq!(never.code, 0, "{}{}", never.stdout, never.stderr);
    assert_eq!(never.commands().len(), 3, "annotations whatever fail-on says");
    assert_eq!(run(ws.path(), &[file, ("fail-on", "error")]).code, 1);

    // The config input: the error made a warning.
    util::write(ws.path(), "ci/redis-audit.yaml", "severity: {eviction-policy-on-queue: warning}\n");
    let config = ("config", "ci/redis-audit.yaml");
    let error = run(ws.path(), &[file, config, ("fail-on", "error")]);
    assert_eq!(error.code, 0, "{}{}", error.stdout, error.stderr);
    assert!(
        error.commands().iter().any(|c| c.starts_with("::warning file=k8s/sidekiq-redis.yaml,line=10,")),
        "{}",
        error.stdout
    );
    assert!(sarif_results(&ws.path().join("redis-audit.sarif")).contains(&result(
        "eviction-policy-on-queue",
        "warning",
        "k8s/sidekiq-redis.yaml",
        10
    )));
    assert_eq!(run(ws.path(), &[file, config, ("fail-on", "warning")]).code, 1);
}

#[test]
fn baseline_reports_only_new_findings() {
    let ws = workspace();
    let o = util::bin()
        .current_dir(ws.path())
        .args(["lint", "--write-baseline", "redis-audit-baseline.json", "k8s"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", util::stderr(&o));
    let run = run(ws.path(), &[("paths", "k8s helm"), ("baseline", "redis-audit-baseline.json")]);
    assert_eq!(run.code, 1, "helm/ is new: {}{}", run.stdout, run.stderr);
    let commands = run.commands();
    assert_eq!(commands.len(), 2, "{}", run.stdout);
    assert!(commands.iter().all(|c| c.contains("file=helm/shop/values.yaml,")), "{}", run.stdout);
}

#[test]
fn plain_report_and_no_sarif_when_asked() {
    let ws = workspace();
    let run =
        run(ws.path(), &[("paths", "k8s/rails-cache.yaml"), ("annotations", "false"), ("sarif-file", "")]);
    assert_eq!(run.code, 1);
    assert!(run.commands().is_empty(), "{}", run.stdout);
    assert!(run.stdout.contains("error[maxmemory-unset]"), "{}", run.stdout);
    assert!(run.stdout.contains("--> k8s/rails-cache.yaml:14:17"), "{}", run.stdout);
    assert_eq!(run.outputs["lint"]["sarif-file"], "");
    assert!(!ws.path().join("redis-audit.sarif").exists());
}

#[test]
fn sarif_in_a_new_directory_and_a_clean_tree_passes() {
    let ws = workspace();
    let run = run(ws.path(), &[("paths", "redis"), ("sarif-file", "reports/redis.sarif")]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.commands().is_empty());
    assert!(sarif_results(&ws.path().join("reports/redis.sarif")).is_empty());
}

/// A misconfigured input stops the job at "Check inputs" with one `::error` line naming the
/// input and what it may be; nothing is linted and no SARIF is written.
#[test]
fn misconfigured_inputs_give_one_clear_error() {
    let ws = workspace();
    let missing = |what: &str| format!("does not exist in {}", ws.path().display()) + what;
    let cases: Vec<(Vec<(&str, &str)>, String)> = vec![
        (
            vec![("fail-on", "critical")],
            "input fail-on is 'critical'; expected one of: error, warning, info, never".into(),
        ),
        (vec![("fail-on", "Error")], "input fail-on is 'Error'; expected one of: error, warning, info, never".into()),
        (vec![("annotations", "yes")], "input annotations is 'yes'; expected true or false".into()),
        (
            vec![("install", "docker")],
            "input install is 'docker'; expected source (build with cargo) or path (use the redis-audit on PATH)"
                .into(),
        ),
        (vec![("paths", "k8s charts")], format!("input paths: 'charts' {}", missing(""))),
        (vec![("config", ".redis-audit.yml")], format!("input config: file '.redis-audit.yml' {}", missing(""))),
        (
            vec![("baseline", "base.json")],
            format!(
                "input baseline: file 'base.json' {}",
                missing(" (create it with redis-audit lint --write-baseline)")
            ),
        ),
        // A newline cannot forge a second workflow command.
        (
            vec![("fail-on", "x\n::warning::forged")],
            "input fail-on is 'x%0A::warning::forged'; expected one of: error, warning, info, never".into(),
        ),
    ];
    for (with, message) in cases {
        let run = run(ws.path(), &with);
        assert_eq!((run.code, run.last_step.as_str()), (2, "Check inputs"), "{with:?}: {}", run.stdout);
        assert_eq!(run.commands(), [format!("::error title=redis-audit action::{message}")], "{with:?}");
        assert!(!ws.path().join("redis-audit.sarif").exists());
    }
}

#[test]
fn install_without_the_tool_it_needs_says_which() {
    let ws = workspace();
    let empty = tempfile::tempdir().unwrap();
    let path = empty.path().to_str().unwrap();
    let run = action::run(ws.path(), &[("install", "path")], path, &[]);
    assert_eq!(
        (run.code, run.last_step.as_str()),
        (2, "Install redis-audit"),
        "{}{}",
        run.stdout,
        run.stderr
    );
    assert_eq!(
        run.commands(),
        [
            "::error title=redis-audit action::install is path, but there is no redis-audit on PATH; install it in an earlier step or use install: source"
        ]
    );
    let run = action::run(ws.path(), &[], path, &[]);
    assert_eq!((run.code, run.last_step.as_str()), (2, "Install redis-audit"));
    assert_eq!(
        run.commands(),
        [
            "::error title=redis-audit action::install is source, which builds redis-audit with cargo, but cargo is not on PATH; add dtolnay/rust-toolchain@stable before this action"
        ]
    );
}

/// The example workflow uses this action with inputs it declares and uploads the SARIF file
/// it writes.
#[test]
fn example_workflow_uploads_the_sarif_the_action_writes() {
    let text = std::fs::read_to_string(repo().join(".github/workflows/redis-lint-example.yml")).unwrap();
    let wf: serde_json::Value = serde_saphyr::from_str(&text).unwrap();
    assert_eq!(wf["permissions"]["security-events"], "write");
    let inputs = action::load().inputs;
    let steps = wf["jobs"]["redis-lint"]["steps"].as_array().unwrap();
    let lint = steps.iter().find(|s| s["uses"] == "./").expect("a step uses the action");
    let with = lint["with"].as_object().unwrap();
    for k in with.keys() {
        assert!(inputs.contains_key(k), "{k} is not an input");
    }
    let sarif = with.get("sarif-file").and_then(|v| v.as_str()).unwrap_or(&inputs["sarif-file"]);
    let upload = steps
        .iter()
        .find(|s| s["uses"].as_str().is_some_and(|u| u.starts_with("github/codeql-action/upload-sarif@")))
        .expect("an upload-sarif step");
    assert_eq!(upload["with"]["sarif_file"], sarif);
    assert_eq!(upload["if"], "always()", "findings fail the lint step; the report is uploaded anyway");
}
