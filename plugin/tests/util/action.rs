//! Runs the composite action in action.yml the way a GitHub runner does: each step's `run:`
//! script in a file executed by `bash --noprofile --norc -eo pipefail FILE` (what `shell: bash`
//! means, docs.github.com "Workflow syntax", `jobs.<job_id>.steps[*].shell`), with the step's
//! `env:` after `${{ inputs.NAME }}` is replaced by the `with:` value or the input's default,
//! `GITHUB_OUTPUT`/`GITHUB_PATH` files whose lines later steps see, and the job stops at the
//! first step that exits non-zero. Only what action.yml uses is supported: an expression
//! elsewhere, an `if:` or another shell fails the test instead of being ignored.

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
    process::Command,
};

use super::repo;

#[derive(Debug)]
pub struct Step {
    pub name: String,
    pub id: Option<String>,
    pub run: String,
    /// (name, value with `${{ }}` still in it).
    pub env: Vec<(String, String)>,
}

#[derive(Debug)]
pub struct Action {
    /// Input name -> default.
    pub inputs: BTreeMap<String, String>,
    pub steps: Vec<Step>,
}

pub fn load() -> Action {
    let text = std::fs::read_to_string(repo().join("action.yml")).unwrap();
    let doc: serde_json::Value = serde_saphyr::from_str(&text).unwrap();
    assert_eq!(doc["runs"]["using"], "composite");
    let inputs = doc["inputs"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(name, spec)| {
            assert!(spec["description"].is_string(), "input {name} has a description");
            (name.clone(), spec["default"].as_str().unwrap_or("").to_string())
        })
        .collect();
    let steps = doc["runs"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let name = s["name"].as_str().unwrap().to_string();
            assert_eq!(s["shell"], "bash", "step {name}: GitHub's bash is what this harness runs");
            assert!(s.get("if").is_none(), "step {name}: `if:` is not emulated");
            let run = s["run"].as_str().unwrap().to_string();
            assert!(!run.contains("${{"), "step {name}: inputs go through env:, never into the script");
            let env = s["env"]
                .as_object()
                .map(|m| m.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string())).collect())
                .unwrap_or_default();
            Step { name, id: s["id"].as_str().map(str::to_string), run, env }
        })
        .collect();
    Action { inputs, steps }
}

impl Action {
    /// `${{ inputs.NAME }}` (any spacing) replaced as GitHub does; other expressions panic.
    fn expand(&self, value: &str, with: &BTreeMap<String, String>) -> String {
        let mut out = String::new();
        let mut rest = value;
        while let Some(start) = rest.find("${{") {
            out.push_str(&rest[..start]);
            let end = rest[start..].find("}}").unwrap() + start;
            let expr = rest[start + 3..end].trim();
            let name =
                expr.strip_prefix("inputs.").unwrap_or_else(|| panic!("unsupported expression {expr}"));
            let default = self.inputs.get(name).unwrap_or_else(|| panic!("undeclared input {name}"));
            out.push_str(with.get(name).unwrap_or(default));
            rest = &rest[end + 2..];
        }
        out.push_str(rest);
        out
    }
}

/// What a run of the action did.
#[derive(Debug)]
pub struct Run {
    /// Exit code of the last step that ran (0 when all passed).
    pub code: i32,
    /// Name of the last step that ran.
    pub last_step: String,
    /// Standard output of every step that ran, in order (the job log).
    pub stdout: String,
    pub stderr: String,
    /// Step id -> outputs written to GITHUB_OUTPUT.
    pub outputs: BTreeMap<String, BTreeMap<String, String>>,
}

impl Run {
    /// The `::error`/`::warning`/`::notice` workflow command lines of the log.
    pub fn commands(&self) -> Vec<&str> {
        self.stdout.lines().filter(|l| l.starts_with("::")).collect()
    }
}

/// Directory of the built `redis-audit` binary, for `PATH`.
pub fn bin_dir() -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_redis-audit")).parent().unwrap().to_path_buf()
}

/// Runs the action in `workspace` (the checked-out repository, also the working directory)
/// with these `with:` inputs and `PATH`. Extra environment (`CARGO_TARGET_DIR`...) from `env`.
pub fn run(workspace: &Path, with: &[(&str, &str)], path: &str, env: &[(&str, &str)]) -> Run {
    let action = load();
    let with: BTreeMap<String, String> = with.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    for k in with.keys() {
        assert!(action.inputs.contains_key(k), "`with: {k}` is not an input of action.yml");
    }
    let runner = tempfile::tempdir().unwrap();
    let temp = runner.path().join("temp");
    std::fs::create_dir_all(&temp).unwrap();
    // Found on the test's PATH: the job's PATH may lack it on purpose.
    let bash = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|d| d.join("bash"))
        .find(|p| p.is_file())
        .expect("bash on PATH");
    let mut path = path.to_string();
    let mut result = Run {
        code: 0,
        last_step: String::new(),
        stdout: String::new(),
        stderr: String::new(),
        outputs: BTreeMap::new(),
    };
    for (i, step) in action.steps.iter().enumerate() {
        let script = runner.path().join(format!("step{i}.sh"));
        std::fs::write(&script, &step.run).unwrap();
        let output_file = runner.path().join(format!("output{i}"));
        let path_file = runner.path().join(format!("path{i}"));
        std::fs::write(&output_file, "").unwrap();
        std::fs::write(&path_file, "").unwrap();
        let mut cmd = Command::new(&bash);
        cmd.args(["--noprofile", "--norc", "-eo", "pipefail"]).arg(&script).current_dir(workspace);
        // The runner's environment, not the test's (a test run may have GITHUB_* set itself).
        for (k, _) in std::env::vars_os() {
            let k = k.to_string_lossy();
            if k.starts_with("GITHUB_") || k.starts_with("INPUT_") || k.starts_with("RUNNER_") {
                cmd.env_remove(&*k);
            }
        }
        super::without_cargo_test_env(&mut cmd);
        cmd.env("PATH", &path)
            .env("CI", "true")
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_WORKSPACE", workspace)
            .env("GITHUB_ACTION_PATH", repo())
            .env("GITHUB_OUTPUT", &output_file)
            .env("GITHUB_PATH", &path_file)
            .env("RUNNER_TEMP", &temp)
            .env("NO_COLOR", "1");
        for (k, v) in env {
            cmd.env(k, v);
        }
        for (k, v) in &step.env {
            cmd.env(k, action.expand(v, &with));
        }
        let out = cmd.output().unwrap();
        result.stdout.push_str(&String::from_utf8_lossy(&out.stdout));
        result.stderr.push_str(&String::from_utf8_lossy(&out.stderr));
        result.last_step = step.name.clone();
        result.code = out.status.code().unwrap_or(-1);
        if let Some(id) = &step.id {
            let text = std::fs::read_to_string(&output_file).unwrap();
            let map = text
                .lines()
                .filter_map(|l| l.split_once('='))
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            result.outputs.insert(id.clone(), map);
        }
        // GITHUB_PATH lines go in front of PATH for the steps after this one.
        for dir in std::fs::read_to_string(&path_file).unwrap().lines().filter(|l| !l.is_empty()) {
            path = format!("{dir}:{path}");
        }
        if result.code != 0 {
            break;
        }
    }
    result
}

/// Copies a directory tree (fixtures into a workspace).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}
