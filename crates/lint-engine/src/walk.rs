//! Finding and reading input files: gitignore-aware, parallel, bounded.
//!
//! Files that cannot be linted (binary, not UTF-8, too large, unreadable) are skipped with a
//! note; the run goes on and loses nothing else.

use std::{
    path::{Path, PathBuf},
    sync::{Arc, Mutex},
};

use ignore::{WalkBuilder, WalkState};

use crate::{Input, classify, config::Config};

/// Files larger than this are skipped (config files are small; large YAML is generated data).
pub const MAX_FILE_BYTES: u64 = 4 << 20;
/// Lockfiles of large applications exceed [`MAX_FILE_BYTES`] (a package-lock.json of 10 MiB
/// is common) and are only scanned for versions: they get a larger limit.
pub const MAX_LOCKFILE_BYTES: u64 = 64 << 20;

fn max_bytes(shown: &str) -> u64 {
    if crate::app::versions::lock_kind(shown).is_some() { MAX_LOCKFILE_BYTES } else { MAX_FILE_BYTES }
}

/// Directories of installed dependencies, never walked (a file in one can still be named on
/// the command line): other people's code and test data, as ruff and eslint skip them.
pub const DEPENDENCY_DIRS: &[&str] =
    &["node_modules", "bower_components", "site-packages", "__pycache__", "venv", "vendor"];

/// Reads every lintable file under `paths`. Explicitly named files are read whatever their
/// name; files found while walking directories must have a known name (`*.yaml`, `*.conf`...).
pub fn collect(paths: &[PathBuf], config: &Config) -> (Vec<Input>, Vec<String>) {
    let inputs = Mutex::new(Vec::new());
    let notes = Mutex::new(Vec::new());
    for root in paths {
        if root.is_file() {
            read_one(root, true, &inputs, &notes);
            continue;
        }
        if !root.exists() {
            push(&notes, format!("{}: no such file or directory", root.display()));
            continue;
        }
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get()).min(8);
        WalkBuilder::new(root)
            // Hidden entries are skipped below, except `.env` files (Laravel's cache store).
            .hidden(false)
            .require_git(false)
            .follow_links(false)
            .threads(threads)
            .add_custom_ignore_filename(".redis-auditignore")
            .build_parallel()
            .run(|| {
                Box::new(|entry| {
                    let entry = match entry {
                        Ok(e) => e,
                        Err(e) => {
                            push(&notes, format!("skipped: {e}"));
                            return WalkState::Continue;
                        }
                    };
                    let path = entry.path();
                    let shown = display(path);
                    let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
                    let is_hidden = entry.file_name().to_string_lossy().starts_with('.');
                    if is_hidden && entry.depth() > 0 {
                        let is_env = !is_dir
                            && crate::app::config_kind_of(&shown) == Some(crate::app::ConfigKind::DotEnv);
                        if !is_env {
                            return if is_dir { WalkState::Skip } else { WalkState::Continue };
                        }
                    }
                    if is_dir && entry.depth() > 0 && DEPENDENCY_DIRS.iter().any(|d| entry.file_name() == *d)
                    {
                        return WalkState::Skip;
                    }
                    if config.is_excluded(&shown) {
                        return if entry.file_type().is_some_and(|t| t.is_dir()) {
                            WalkState::Skip
                        } else {
                            WalkState::Continue
                        };
                    }
                    if entry.file_type().is_some_and(|t| t.is_file()) && classify::by_name(&shown).is_some() {
                        read_one(path, false, &inputs, &notes);
                    }
                    WalkState::Continue
                })
            });
    }
    let mut inputs = inputs.into_inner().unwrap_or_else(|e| e.into_inner());
    inputs.sort_by(|a: &Input, b: &Input| a.path.cmp(&b.path));
    inputs.dedup_by(|a, b| a.path == b.path);
    let mut notes = notes.into_inner().unwrap_or_else(|e| e.into_inner());
    notes.sort();
    (inputs, notes)
}

fn push(notes: &Mutex<Vec<String>>, note: String) {
    if let Ok(mut n) = notes.lock() {
        n.push(note);
    }
}

/// Path as shown in findings: relative as given, `/`-separated, without a leading `./`.
pub fn display(path: &Path) -> String {
    let s = path.to_string_lossy().replace('\\', "/");
    s.strip_prefix("./").map(str::to_string).unwrap_or(s)
}

fn read_one(path: &Path, explicit: bool, inputs: &Mutex<Vec<Input>>, notes: &Mutex<Vec<String>>) {
    let shown = display(path);
    match std::fs::metadata(path) {
        Ok(m) if m.len() > max_bytes(&shown) => {
            push(notes, format!("{shown}: skipped, larger than {} MiB", max_bytes(&shown) >> 20));
            return;
        }
        Err(e) => {
            push(notes, format!("{shown}: skipped, cannot read: {e}"));
            return;
        }
        Ok(_) => {}
    }
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            push(notes, format!("{shown}: skipped, cannot read: {e}"));
            return;
        }
    };
    if let Some(text) = decode(&shown, bytes, notes)
        && let Ok(mut v) = inputs.lock()
    {
        v.push(Input { path: shown, text, explicit });
    }
}

/// The text of a file ([`crate::text::decode`]), with a note when it was converted or
/// repaired, or a note saying why it is skipped.
pub fn decode(shown: &str, bytes: Vec<u8>, notes: &Mutex<Vec<String>>) -> Option<Arc<str>> {
    match crate::text::decode(bytes) {
        crate::text::Decoded::Text(text, note) => {
            if let Some(note) = note {
                push(notes, format!("{shown}: {note}"));
            }
            Some(Arc::from(text))
        }
        crate::text::Decoded::Skipped(why) => {
            push(notes, format!("{shown}: skipped, {why}"));
            None
        }
    }
}
