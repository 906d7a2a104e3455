//! The journal of an applied cleanup: what it was asked to do, where its SCAN is, and what it
//! has changed. Written before the first change (so an unwritable path stops the cleanup
//! before it starts), then at most every [`SAVE_EVERY`] and at the end, each time to a temp
//! file renamed over the old one, so a crash leaves the previous journal whole.
//!
//! `cursor` is the SCAN cursor to continue from: every key returned before it has been acted
//! on. A batch whose reply was lost is redone on resume; UNLINK and EXPIRE NX/LT change nothing
//! the second time, so nothing is repeated or skipped (only its count may be missing).

use std::{
    path::{Path, PathBuf},
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use serde::{Deserialize, Serialize};

use super::{Action, Pace, Selection, trim::TrimParams};

/// The `format` field: a file without it is not ours.
pub const FORMAT: &str = "redis-audit cleanup journal";
pub const VERSION: u32 = 1;
/// How often the journal is rewritten while running.
pub const SAVE_EVERY: Duration = Duration::from_millis(200);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Running,
    Interrupted,
    Failed,
    Done,
}

/// What is being done: a key selection, or a framework trim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Work {
    Keys { selection: Selection, action: Action },
    Trim { preset: String, params: TrimParams },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Journal {
    pub format: String,
    pub version: u32,
    /// The server, as shown to people (never with its password).
    pub target: String,
    pub db: u32,
    /// The preset name, when the cleanup came from one.
    pub preset: Option<String>,
    pub work: Work,
    pub pace: Pace,
    pub cursor: u64,
    pub state: State,
    pub keys_scanned: u64,
    /// Keys (or set members) changed.
    pub changed: u64,
    pub bytes_estimate: u64,
    /// Keys whose MEMORY USAGE was read, and their bytes: the base of `bytes_estimate`.
    pub sampled_keys: u64,
    pub sampled_bytes: u64,
    pub used_memory_before: Option<u64>,
    pub started_unix: u64,
    pub updated_unix: u64,
    pub last_error: Option<String>,
    #[serde(skip)]
    path: Option<PathBuf>,
    #[serde(skip)]
    last_save: Option<Instant>,
}

/// Why a journal cannot be used. One line, names the file.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("journal {path}: {reason}")]
    Io { path: String, reason: String },
    #[error("journal {path} is not a redis-audit cleanup journal ({reason})")]
    Foreign { path: String, reason: String },
    #[error("journal {path} already exists: resume it with --resume {path}, or choose another --journal")]
    Exists { path: String },
}

fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

impl Journal {
    /// A new journal in memory; [`Journal::create`] gives it a file.
    pub fn new(target: &str, db: u32, preset: Option<String>, work: Work, pace: Pace) -> Journal {
        let now = unix_now();
        Journal {
            format: FORMAT.into(),
            version: VERSION,
            target: target.into(),
            db,
            preset,
            work,
            pace,
            cursor: 0,
            state: State::Running,
            keys_scanned: 0,
            changed: 0,
            bytes_estimate: 0,
            sampled_keys: 0,
            sampled_bytes: 0,
            used_memory_before: None,
            started_unix: now,
            updated_unix: now,
            last_error: None,
            path: None,
            last_save: None,
        }
    }

    /// Writes the journal to `path`, which must not exist yet.
    pub fn create(mut self, path: &Path) -> Result<Journal, JournalError> {
        if path.exists() {
            return Err(JournalError::Exists { path: path.display().to_string() });
        }
        self.path = Some(path.to_path_buf());
        self.save()?;
        Ok(self)
    }

    /// Reads a journal to resume it.
    pub fn load(path: &Path) -> Result<Journal, JournalError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|e| JournalError::Io { path: shown.clone(), reason: e.to_string() })?;
        let probe: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| JournalError::Foreign { path: shown.clone(), reason: format!("not JSON: {e}") })?;
        if probe.get("format").and_then(|f| f.as_str()) != Some(FORMAT) {
            return Err(JournalError::Foreign { path: shown, reason: "no `format` field of ours".into() });
        }
        if probe.get("version").and_then(|v| v.as_u64()) != Some(u64::from(VERSION)) {
            return Err(JournalError::Foreign {
                path: shown,
                reason: format!("version {} (this build reads {VERSION})", probe["version"]),
            });
        }
        let mut j: Journal = serde_json::from_value(probe)
            .map_err(|e| JournalError::Foreign { path: shown, reason: format!("damaged: {e}") })?;
        j.path = Some(path.to_path_buf());
        Ok(j)
    }

    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Writes the journal now (no-op without a file).
    pub fn save(&mut self) -> Result<(), JournalError> {
        let Some(path) = self.path.clone() else { return Ok(()) };
        self.updated_unix = unix_now();
        let shown = path.display().to_string();
        let io = |e: std::io::Error| JournalError::Io { path: shown.clone(), reason: e.to_string() };
        let text = serde_json::to_string_pretty(self)
            .map_err(|e| JournalError::Io { path: shown.clone(), reason: e.to_string() })?;
        let mut tmp = path.clone().into_os_string();
        tmp.push(".tmp");
        let tmp = PathBuf::from(tmp);
        std::fs::write(&tmp, text + "\n").map_err(io)?;
        std::fs::rename(&tmp, &path).map_err(io)?;
        self.last_save = Some(Instant::now());
        Ok(())
    }

    /// Writes the journal when the last write is older than [`SAVE_EVERY`].
    pub fn save_soon(&mut self) -> Result<(), JournalError> {
        if self.last_save.is_none_or(|t| t.elapsed() >= SAVE_EVERY) { self.save() } else { Ok(()) }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn sample() -> Journal {
        let sel = Selection { patterns: vec!["cache:*".into()], ..Selection::default() };
        Journal::new(
            "redis://h:6379",
            0,
            None,
            Work::Keys { selection: sel, action: Action::Delete },
            Pace::default(),
        )
    }

    #[test]
    fn round_trips_and_refuses_to_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.json");
        let mut j = sample().create(&path).unwrap();
        j.cursor = u64::MAX - 3;
        j.changed = 42;
        j.save().unwrap();
        let back = Journal::load(&path).unwrap();
        assert_eq!(back.cursor, u64::MAX - 3);
        assert_eq!(back.changed, 42);
        assert_eq!(back.work, j.work);
        assert!(matches!(sample().create(&path), Err(JournalError::Exists { .. })));
    }

    #[test]
    fn foreign_and_damaged_files_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.json");
        std::fs::write(&p, "not json").unwrap();
        assert!(Journal::load(&p).unwrap_err().to_string().contains("not JSON"));
        std::fs::write(&p, r#"{"a": 1}"#).unwrap();
        assert!(Journal::load(&p).unwrap_err().to_string().contains("is not a redis-audit cleanup journal"));
        std::fs::write(&p, format!(r#"{{"format": "{FORMAT}", "version": 1, "cursor": "x"}}"#)).unwrap();
        assert!(Journal::load(&p).unwrap_err().to_string().contains("damaged"));
        std::fs::write(&p, format!(r#"{{"format": "{FORMAT}", "version": 9}}"#)).unwrap();
        assert!(Journal::load(&p).unwrap_err().to_string().contains("version 9"));
        let missing = dir.path().join("missing.json");
        assert!(Journal::load(&missing).unwrap_err().to_string().starts_with("journal "));
    }

    #[test]
    fn an_unwritable_path_fails_before_anything_runs() {
        let err = sample().create(Path::new("/proc/redis-audit/j.json")).unwrap_err();
        assert!(err.to_string().contains("/proc/redis-audit/j.json"), "{err}");
    }
}
