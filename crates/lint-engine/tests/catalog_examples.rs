//! Runs every example of every catalog rule: each `bad` must give that rule and nothing else,
//! each `good` must give no finding at all.

use std::sync::Arc;

use lint_engine::{Input, config::Config};

fn lint(file: &str, text: &str, config: Option<&str>) -> Vec<(String, String)> {
    let config = match config {
        Some(c) => Config::parse(c, "example config").unwrap_or_else(|e| panic!("{e}")),
        None => Config::default(),
    };
    let inputs = [Input { path: file.to_string(), text: Arc::from(text), explicit: false }];
    lint_engine::lint(&inputs, &config).findings.into_iter().map(|f| (f.rule, f.message)).collect()
}

#[test]
fn every_example_behaves() {
    let mut failures = Vec::new();
    for rule in findings::catalog().rules() {
        for (i, ex) in rule.examples.iter().enumerate() {
            let bad = lint(&ex.file, &ex.bad, ex.config.as_deref());
            if bad.is_empty() || bad.iter().any(|(r, _)| *r != rule.id) {
                failures.push(format!("{} example {i} ({}) bad gave {bad:#?}", rule.id, ex.file));
            }
            let good = lint(&ex.file, &ex.good, ex.config.as_deref());
            if !good.is_empty() {
                failures.push(format!("{} example {i} ({}) good gave {good:#?}", rule.id, ex.file));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
