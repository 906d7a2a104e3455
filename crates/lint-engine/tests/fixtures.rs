//! Fixture cases under `testdata/lint/<kind>/`: each file, and each sub-directory (linted as
//! one tree, for joins across files), is a case. Expected findings are marked inline:
//! `# expect: rule-a, rule-b` at the end of the flagged line, or on a comment-only line just
//! above it; `rule(info)` also checks the severity. Every finding must be expected and every
//! expectation found.

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
    sync::Arc,
};

use lint_engine::{Input, config::Config};

const MARK: &str = "# expect:";

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("readable fixture dir").flatten() {
            let p = e.path();
            if p.is_dir() { stack.push(p) } else { out.push(p) }
        }
    }
    out.sort();
    out
}

/// (file, line) -> expected "rule" or "rule(severity)" entries.
fn expectations(path: &str, text: &str) -> BTreeMap<(String, usize), Vec<String>> {
    let mut out: BTreeMap<(String, usize), Vec<String>> = BTreeMap::new();
    let lines: Vec<&str> = text.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let Some(pos) = line.find(MARK) else { continue };
        let rules =
            line[pos + MARK.len()..].split(',').map(|r| r.trim().to_string()).filter(|r| !r.is_empty());
        let comment_only = line[..pos].trim().is_empty();
        let target = if comment_only {
            (i + 1..lines.len()).find(|j| !lines[*j].trim_start().starts_with('#')).map_or(i, |j| j)
        } else {
            i
        };
        out.entry((path.to_string(), target + 1)).or_default().extend(rules);
    }
    out
}

fn run_case(root: &Path, files: &[PathBuf], config: &Config) -> Result<(), String> {
    let mut inputs = Vec::new();
    let mut expected: BTreeMap<(String, usize), Vec<String>> = BTreeMap::new();
    for f in files {
        let rel = f.strip_prefix(root).unwrap_or(f).to_string_lossy().replace('\\', "/");
        let text = std::fs::read_to_string(f).map_err(|e| format!("{rel}: {e}"))?;
        for (k, v) in expectations(&rel, &text) {
            expected.entry(k).or_default().extend(v);
        }
        inputs.push(Input { path: rel, text: Arc::from(text), explicit: false });
    }
    let outcome = lint_engine::lint(&inputs, config);
    let mut actual: BTreeMap<(String, usize), Vec<String>> = BTreeMap::new();
    for f in &outcome.findings {
        let findings::Location::File { path, span } = &f.location else { continue };
        let text = inputs.iter().find(|i| &i.path == path).map(|i| i.text.clone()).unwrap_or_default();
        let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
        let entry = actual.entry((path.clone(), line)).or_default();
        let wanted = expected.get(&(path.clone(), line));
        let with_sev = format!("{}({})", f.rule, f.severity);
        // Compare with severity only where the fixture states one.
        if wanted.is_some_and(|w| w.contains(&with_sev)) {
            entry.push(with_sev)
        } else {
            entry.push(f.rule.clone())
        }
    }
    for v in expected.values_mut().chain(actual.values_mut()) {
        v.sort();
    }
    if expected == actual {
        return Ok(());
    }
    let mut msg = String::new();
    for (k, v) in &expected {
        if actual.get(k) != Some(v) {
            msg.push_str(&format!("  expected at {}:{}: {v:?}, got {:?}\n", k.0, k.1, actual.get(k)));
        }
    }
    for (k, v) in &actual {
        if !expected.contains_key(k) {
            let detail: Vec<String> = outcome
                .findings
                .iter()
                .filter(|f| f.location.path() == Some(&k.0))
                .map(|f| format!("{}: {}", f.rule, f.message))
                .collect();
            msg.push_str(&format!("  unexpected at {}:{}: {v:?}\n    {}\n", k.0, k.1, detail.join("\n    ")));
        }
    }
    Err(msg)
}

#[test]
fn lint_fixtures() {
    let base = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/lint"));
    let mut failures = Vec::new();
    let mut cases = 0;
    for kind in
        std::fs::read_dir(base).expect("testdata/lint").flatten().map(|e| e.path()).filter(|p| p.is_dir())
    {
        let mut entries: Vec<PathBuf> =
            std::fs::read_dir(&kind).expect("kind dir").flatten().map(|e| e.path()).collect();
        entries.sort();
        for case in entries {
            let (root, files) = if case.is_dir() {
                (case.clone(), files_under(&case))
            } else {
                (kind.clone(), vec![case.clone()])
            };
            let config = match root.join(".redis-audit.yaml") {
                c if case.is_dir() && c.is_file() => Config::load(&c).unwrap_or_else(|e| panic!("{e}")),
                _ => Config::default(),
            };
            let files: Vec<PathBuf> = files
                .into_iter()
                .filter(|f| !f.ends_with(".redis-audit.yaml") && !f.ends_with("README.md"))
                .collect();
            cases += 1;
            if let Err(e) = run_case(&root, &files, &config) {
                failures.push(format!("{}:\n{e}", case.display()));
            }
        }
    }
    assert!(cases >= 5, "fixtures found: {cases}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
