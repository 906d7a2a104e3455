//! docs/retention-settings.md is generated from the retention table; `UPDATE_DOCS=1` rewrites it.

use std::path::Path;

#[test]
fn retention_page_is_up_to_date() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/retention-settings.md");
    let want = lint_engine::app::retention::markdown();
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(&path, &want).expect("write docs/retention-settings.md");
        return;
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "docs/retention-settings.md is out of date: run `UPDATE_DOCS=1 cargo test -p lint-engine --test retention_doc`"
    );
}
