//! docs/rules/ is generated from lint-rules/ (the same text `explain` prints and SARIF links
//! to). This test fails when it is stale; `UPDATE_DOCS=1 cargo test -p redis-audit --test docs`
//! regenerates it.

#![allow(clippy::unwrap_used)]

mod util;

use std::collections::BTreeMap;

fn generated() -> BTreeMap<String, String> {
    let catalog = findings::catalog();
    let mut files = BTreeMap::new();
    let mut index = String::from(
        "# Rules\n\nGenerated from `lint-rules/` by `cargo test -p redis-audit --test docs`; do not edit.\n\n| Rule | Severity | Summary |\n| --- | --- | --- |\n",
    );
    for r in catalog.rules() {
        index.push_str(&format!("| [{id}]({id}.md) | {} | {} |\n", r.severity, r.summary, id = r.id));
        files.insert(format!("{}.md", r.id), r.markdown());
    }
    files.insert("README.md".to_string(), index);
    files
}

#[test]
fn rule_docs_are_current() {
    let dir = util::repo().join("docs/rules");
    let want = generated();
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::create_dir_all(&dir).unwrap();
        for e in std::fs::read_dir(&dir).unwrap().flatten() {
            std::fs::remove_file(e.path()).unwrap();
        }
        for (name, text) in &want {
            std::fs::write(dir.join(name), text).unwrap();
        }
        return;
    }
    let mut have = BTreeMap::new();
    for e in std::fs::read_dir(&dir).expect("docs/rules exists (UPDATE_DOCS=1 to create)").flatten() {
        have.insert(e.file_name().to_string_lossy().into_owned(), std::fs::read_to_string(e.path()).unwrap());
    }
    assert!(have == want, "docs/rules is stale: run `UPDATE_DOCS=1 cargo test -p redis-audit --test docs`");
}
