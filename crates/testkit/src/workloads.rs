//! The shared workloads (`../shared/workloads`): scripts that fill a Redis with data written by
//! the real frameworks. Tests that need them skip, with a notice, where they are not set up.

use std::{io::Write, path::PathBuf};

/// `$WORKLOADS_DIR`, else `shared/workloads` beside the repository.
pub fn workloads_dir() -> PathBuf {
    std::env::var_os("WORKLOADS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/workloads"))
}

/// Says on stderr that `test` was skipped and why. Straight to stderr: the test harness
/// captures `eprintln!` of passing tests.
pub fn skip_notice(test: &str, why: &str) {
    let _ = writeln!(std::io::stderr(), "SKIPPED {test}: {why}");
}

/// The workloads' Python (with Celery, RQ, Django), or `None` after a skip notice for `test`.
pub fn python(test: &str) -> Option<PathBuf> {
    let dir = workloads_dir();
    let py = dir.join(".venv/bin/python");
    if py.is_file() {
        return Some(py);
    }
    skip_notice(test, &format!("{} has no .venv; run its setup.sh", dir.display()));
    None
}
