//! `celery-results`: give Celery task and group results that never expire the TTL Celery would
//! have given them, `result_expires` (1 day by default), and only where they have none.
//!
//! Checked against Celery 5.7.0 (`celery/backends/base.py`, `celery/backends/redis.py`,
//! `celery/app/defaults.py`):
//!
//! - Task results are strings `celery-task-meta-<task id>`, saved group results (`GroupResult
//!   .save()`) strings `celery-taskset-meta-<group id>` (`BaseKeyValueStoreBackend
//!   .task_keyprefix` / `group_keyprefix`).
//! - `RedisBackend._set` writes `SETEX` with `result_expires`, or plain `SET` when it is `None`
//!   or 0: those keys never expire. Failures use `result_failure_expires` (new in 5.7, defaults
//!   to `result_expires`).
//! - `result_backend_transport_options={"global_keyprefix": "x"}` prefixes every result key;
//!   Celery appends `_` unless the prefix already ends in one of `:_-.`
//!   (`_add_global_keyprefix`).
//! - A missing result key reads as state `PENDING`, result `None` (`_get_task_meta_for`): an
//!   expired result looks exactly like one Celery expired itself.
//!
//! Not selected: the Redis backend's chord state, `celery-taskset-meta-<group id>.j`, `.t`,
//! `.s`, `.d`, `.c` (`on_chord_part_return`). Celery refreshes their TTL on every header task
//! that returns and deletes them when the chord completes; with `result_expires=None` they have
//! none, and a TTL given once by us would make a chord whose header runs longer than the TTL
//! lose its size (`.s`) and never call its body. The group pattern therefore requires the
//! second-to-last character not to be `.` (default group ids are UUIDs). `chord-unlock-<id>`
//! keys are written only by backends that count chords with INCR (`implements_incr`, e.g.
//! memcached), never by the Redis backend; they are not selected either.
//!
//! Must not: select broker keys (the queue lists, `_kombu.binding.*`, `unacked`), which share
//! the database when broker and backend use the same URL.

use crate::cleanup::{Action, ExpireMode, Selection};

/// The preset's name, as given to `--preset`.
pub const PRESET: &str = "celery-results";
/// Celery's own `result_expires` default (`celery/app/defaults.py`: `timedelta(days=1)`).
pub const DEFAULT_EXPIRE_SECS: u64 = 86_400;

/// Task result keys (`BaseKeyValueStoreBackend.task_keyprefix`).
const TASK_KEYPREFIX: &str = "celery-task-meta-";
/// Saved group result keys (`group_keyprefix`); chord state keys add `.j`, `.t`, … to them.
const GROUP_KEYPREFIX: &str = "celery-taskset-meta-";

/// The text Celery puts before its key prefixes for a `global_keyprefix`: the prefix itself,
/// plus `_` unless it ends in `:`, `_`, `-` or `.`.
pub fn key_prefix(global_keyprefix: Option<&str>) -> String {
    match global_keyprefix {
        Some(p) if !p.is_empty() => {
            if p.ends_with([':', '_', '-', '.']) {
                p.to_string()
            } else {
                format!("{p}_")
            }
        }
        _ => String::new(),
    }
}

/// Task and saved group results without a TTL, of the backend with this `global_keyprefix`.
pub fn selection(global_keyprefix: Option<&str>) -> Selection {
    let prefix = crate::cleanup::glob::escape(&key_prefix(global_keyprefix));
    Selection {
        patterns: vec![
            format!("{prefix}{TASK_KEYPREFIX}*"),
            // Not `<group id>.j` and its siblings: the chord state (see the module doc).
            format!("{prefix}{GROUP_KEYPREFIX}*[^.]?"),
        ],
        types: vec!["string".to_string()],
        no_ttl: true,
        ..Selection::default()
    }
}

/// Give each selected result `expire_secs` ([`DEFAULT_EXPIRE_SECS`], Celery's default, unless
/// the caller says otherwise); a key that got a TTL in the meantime keeps its own.
pub fn action(expire_secs: u64) -> Action {
    Action::Expire { secs: expire_secs, mode: ExpireMode::OnlyWithoutTtl }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cleanup::glob::matches;

    fn selected(sel: &Selection, key: &str) -> bool {
        sel.patterns.iter().any(|p| matches(p.as_bytes(), key.as_bytes()))
    }

    #[test]
    fn global_keyprefix_is_joined_as_celery_does() {
        assert_eq!(key_prefix(None), "");
        assert_eq!(key_prefix(Some("")), "");
        assert_eq!(key_prefix(Some("myapp")), "myapp_");
        for p in ["myapp:", "myapp_", "myapp-", "myapp."] {
            assert_eq!(key_prefix(Some(p)), p);
        }
    }

    #[test]
    fn results_are_selected_and_chord_state_is_not() {
        let gid = "9f1c2a8e-4b7d-4e61-a0b3-5c2d7e9f1a40";
        let sel = selection(None);
        assert!(sel.no_ttl);
        assert!(selected(&sel, &format!("celery-task-meta-{gid}")));
        assert!(selected(&sel, &format!("celery-taskset-meta-{gid}")));
        for suffix in [".j", ".t", ".s", ".d", ".c"] {
            assert!(!selected(&sel, &format!("celery-taskset-meta-{gid}{suffix}")), "{suffix}");
        }
        for other in [
            format!("chord-unlock-{gid}"),
            "celery".to_string(),
            "_kombu.binding.celery".to_string(),
            "unacked".to_string(),
            format!("myapp_celery-task-meta-{gid}"),
        ] {
            assert!(!selected(&sel, &other), "{other}");
        }
        let sel = selection(Some("my*app"));
        assert!(selected(&sel, &format!("my*app_celery-task-meta-{gid}")));
        assert!(!selected(&sel, &format!("myXapp_celery-task-meta-{gid}")));
        assert!(!selected(&sel, &format!("celery-task-meta-{gid}")));
    }

    #[test]
    fn escapes_glob_characters() {
        assert_eq!(crate::cleanup::glob::escape("a*b?[c]\\"), "a\\*b\\?\\[c\\]\\\\");
    }

    #[test]
    fn expires_only_keys_without_a_ttl() {
        assert_eq!(
            action(DEFAULT_EXPIRE_SECS),
            Action::Expire { secs: 86_400, mode: ExpireMode::OnlyWithoutTtl }
        );
    }
}
