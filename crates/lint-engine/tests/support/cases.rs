//! Fixture cases that span several files: each directory under a fixture root is one project,
//! linted as a whole. `expect: <rule>` marks the line a finding must start on, `expect-next:
//! <rule>` the line after (for formats without trailing comments, like `.properties`); every
//! other line must give none.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

use findings::Location;
use lint_engine::{Input, config::Config};

/// `(path, line, rule)` of a finding or a marker.
pub type Hit = (String, usize, String);

fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let mut entries: Vec<_> =
        std::fs::read_dir(dir).expect("fixture dir").map(|e| e.expect("entry").path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// The inputs of one case directory, with paths relative to the fixture root.
pub fn inputs(root: &Path, case: &Path) -> Vec<Input> {
    let mut paths = Vec::new();
    files(case, &mut paths);
    paths
        .into_iter()
        .map(|p| {
            let rel = p.strip_prefix(root).expect("under root").to_string_lossy().replace('\\', "/");
            let text = std::fs::read_to_string(&p).expect("fixture text");
            Input { path: rel, text: Arc::from(text), explicit: false }
        })
        .collect()
}

fn expected(inputs: &[Input]) -> BTreeSet<Hit> {
    let mut out = BTreeSet::new();
    for input in inputs {
        for (i, line) in input.text.lines().enumerate() {
            for (marker, offset) in [("expect-next:", 2), ("expect:", 1)] {
                if let Some((_, rules)) = line.split_once(marker) {
                    for rule in rules.split(',') {
                        out.insert((input.path.clone(), i + offset, rule.trim().to_string()));
                    }
                    break;
                }
            }
        }
    }
    out
}

fn found(inputs: &[Input]) -> BTreeSet<Hit> {
    lint_engine::lint(inputs, &Config::default())
        .findings
        .into_iter()
        .map(|f| match &f.location {
            Location::File { path, span } => {
                let text =
                    inputs.iter().find(|i| &i.path == path).map(|i| i.text.clone()).expect("known file");
                (path.clone(), text[..span.start].matches('\n').count() + 1, f.rule.clone())
            }
            other => panic!("finding not in a file: {other:?}"),
        })
        .collect()
}

/// Runs every case directory under `root`; returns the failures.
pub fn run_all(root: &Path, min_cases: usize) -> Vec<String> {
    let mut cases: Vec<_> = std::fs::read_dir(root)
        .expect("fixture root")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    assert!(cases.len() >= min_cases, "cases missing: {cases:?}");
    let mut failures = Vec::new();
    for case in cases {
        let inputs = inputs(root, &case);
        let got = found(&inputs);
        let want = expected(&inputs);
        if got != want {
            let missing: Vec<_> = want.difference(&got).collect();
            let extra: Vec<_> = got.difference(&want).collect();
            failures.push(format!("{}: missing {missing:?}, unexpected {extra:?}", case.display()));
        }
    }
    failures
}

/// `(rule, message)` of linting `files` (path, text) together, with the default config.
#[allow(dead_code)] // not every test binary that includes this module calls it
pub fn lint_texts(files: &[(&str, &str)]) -> Vec<(String, String)> {
    let inputs: Vec<Input> = files
        .iter()
        .map(|(p, t)| Input { path: p.to_string(), text: Arc::from(*t), explicit: false })
        .collect();
    lint_engine::lint(&inputs, &Config::default()).findings.into_iter().map(|f| (f.rule, f.message)).collect()
}
