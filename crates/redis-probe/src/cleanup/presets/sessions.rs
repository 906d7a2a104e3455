//! `sessions`: web sessions stored in Redis by express-session (connect-redis), Django's cache
//! session engines, Flask-Session and Rails. Two uses: cap their TTL to a maximum age
//! ([`expire_selection`] + [`expire_action`]: sessions without a TTL or with a longer one get
//! it; the framework reads them as before until then), or delete the idle ones
//! ([`idle_selection`] + [`idle_action`]: not read or written for a while).
//!
//! Each framework's keys, as its source writes them (patterns spell out the session id's
//! length and alphabet, so a `sess:config` or `session:flags` key is never caught):
//!
//! - express-session 1.19.0 + connect-redis 9.0.0 (`index.js` `generateSessionId`: `uid(24)`,
//!   32 base64url characters; `connect-redis` `dist/connect-redis.cjs`): `sess:<id>` by default
//!   (`prefix`), `SET … EX ttl` with ttl = cookie expiry or 86,400 s; `disableTTL: true` writes
//!   a plain `SET`. `touch()` (every request that does not change the session) EXPIREs it again,
//!   so an active session outlives a cap; an idle one does not. `sess:` is only the default: a
//!   store with its own `prefix` needs [`SessionStores::Only`] with that prefix.
//! - Django 5.2.19 (`django/contrib/sessions/backends/cache.py`, `cached_db.py`, `base.py`;
//!   `django/core/cache/backends/base.py` `default_key_func`): session keys are 32 characters of
//!   `[a-z0-9]`, stored through the cache as `<KEY_PREFIX>:<VERSION>:django.contrib.sessions
//!   .cache<key>` (`:1:…` by default; `…cached_db<key>` for the cached_db engine, whose
//!   database row survives the cache key) with `SET … EX SESSION_COOKIE_AGE` (2 weeks). The
//!   built-in `RedisCache` and django-redis 7.0.0 build the key the same way. The default
//!   prefix here, `*:`, takes any `KEY_PREFIX` and `VERSION`.
//! - Flask-Session 0.8.0 (`src/flask_session/defaults.py`, `base.py`, `redis/redis.py`):
//!   `session:<id>` (`SESSION_KEY_PREFIX`), id `secrets.token_urlsafe(32)` (43 characters) since
//!   0.6, `str(uuid4())` before; always `SET … EX PERMANENT_SESSION_LIFETIME` (31 days).
//! - Rails (actionpack `action_dispatch/middleware/session/cache_store.rb`; rack 2.2
//!   `Rack::Session::SessionId#private_id`; redis-session-store 0.11.6): the cache store writes
//!   `_session_id:2::<sha256 hex>` through `Rails.cache` (TTL `expire_after`, else the cache's
//!   `expires_in`, else none; a `namespace` adds `<ns>:`), and reads the pre-rack-2.0.8 form
//!   `_session_id:<32 hex>` as a fallback. redis-session-store has no default `key_prefix`: its
//!   keys are the bare `2::<sha256 hex>` (README examples use `myapp:session:`); plain `SET`
//!   without `expire_after`/`ttl`.
//!
//! A prefix given with [`SessionStores::Only`] replaces the framework's default text before the
//! session id (Django: the `<KEY_PREFIX>:<VERSION>:` part, e.g. `shop:1:`; Rails: a cache
//! `namespace` with its colon, or redis-session-store's `key_prefix`).
//!
//! Must not: catch keys that are not sessions; every pattern here also requires type string.

use crate::cleanup::{Action, ExpireMode, Selection, glob};

/// The preset's name, as given to `--preset`.
pub const PRESET: &str = "sessions";

/// A web framework whose sessions this preset knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionFramework {
    /// express-session with connect-redis.
    ExpressSession,
    /// Django's `cache` and `cached_db` session engines.
    Django,
    /// Flask-Session with `SESSION_TYPE = "redis"`.
    FlaskSession,
    /// Rails' `:cache_store` session store on `:redis_cache_store`, and redis-session-store.
    Rails,
}

impl SessionFramework {
    pub const ALL: [SessionFramework; 4] = [
        SessionFramework::ExpressSession,
        SessionFramework::Django,
        SessionFramework::FlaskSession,
        SessionFramework::Rails,
    ];

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            SessionFramework::ExpressSession => "express",
            SessionFramework::Django => "django",
            SessionFramework::FlaskSession => "flask",
            SessionFramework::Rails => "rails",
        }
    }

    /// From a command-line name (also `express-session`, `connect-redis`, `flask-session`).
    pub fn parse(name: &str) -> Option<SessionFramework> {
        match name.to_ascii_lowercase().as_str() {
            "express" | "express-session" | "connect-redis" => Some(SessionFramework::ExpressSession),
            "django" => Some(SessionFramework::Django),
            "flask" | "flask-session" => Some(SessionFramework::FlaskSession),
            "rails" => Some(SessionFramework::Rails),
            _ => None,
        }
    }

    /// The text stored before the session id by default (a glob for Django).
    pub fn default_prefix(self) -> &'static str {
        match self {
            SessionFramework::ExpressSession => "sess:",
            SessionFramework::Django => "*:",
            SessionFramework::FlaskSession => "session:",
            SessionFramework::Rails => "",
        }
    }

    /// Glob patterns of its session keys; `prefix` (taken literally) replaces the default.
    pub fn patterns(self, prefix: Option<&str>) -> Vec<String> {
        let p = prefix.map_or_else(|| self.default_prefix().to_string(), glob::escape);
        let base64url = |n| run("[-_A-Za-z0-9]", n);
        let hex = |n| run("[0-9a-f]", n);
        match self {
            SessionFramework::ExpressSession => vec![format!("{p}{}", base64url(32))],
            SessionFramework::Django => {
                let key = run("[a-z0-9]", 32);
                vec![
                    format!("{p}django.contrib.sessions.cache{key}"),
                    format!("{p}django.contrib.sessions.cached_db{key}"),
                ]
            }
            SessionFramework::FlaskSession => vec![
                format!("{p}{}", base64url(43)),
                format!("{p}{}-{}-{}-{}-{}", hex(8), hex(4), hex(4), hex(4), hex(12)),
            ],
            SessionFramework::Rails => vec![
                format!("{p}_session_id:2::{}", hex(64)),
                format!("{p}_session_id:{}", hex(32)),
                format!("{p}2::{}", hex(64)),
            ],
        }
    }
}

/// `class` repeated `n` times: one character each.
fn run(class: &str, n: usize) -> String {
    class.repeat(n)
}

/// Whose sessions: every framework with its default key prefix, or one, optionally with the
/// key prefix its app configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionStores {
    All,
    Only { framework: SessionFramework, prefix: Option<String> },
}

impl SessionStores {
    pub fn patterns(&self) -> Vec<String> {
        match self {
            SessionStores::All => SessionFramework::ALL.iter().flat_map(|f| f.patterns(None)).collect(),
            SessionStores::Only { framework, prefix } => framework.patterns(prefix.as_deref()),
        }
    }
}

/// Sessions to cap, with or without a TTL: use with [`expire_action`].
pub fn expire_selection(stores: &SessionStores) -> Selection {
    Selection { patterns: stores.patterns(), types: vec!["string".to_string()], ..Selection::default() }
}

/// Sessions without a TTL or with one longer than `max_age_secs` get `max_age_secs`.
pub fn expire_action(max_age_secs: u64) -> Action {
    Action::Expire { secs: max_age_secs, mode: ExpireMode::Cap }
}

/// Sessions not read or written for `idle_over_secs` (OBJECT IDLETIME): use with
/// [`idle_action`]. A framework reading a session (a request with its cookie) resets it.
pub fn idle_selection(stores: &SessionStores, idle_over_secs: u64) -> Selection {
    Selection { idle_over_secs: Some(idle_over_secs), ..expire_selection(stores) }
}

/// Idle sessions are deleted: their users sign in again, as after an expiry.
pub fn idle_action() -> Action {
    Action::Delete
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cleanup::glob::matches;

    fn caught(stores: &SessionStores, key: &str) -> bool {
        stores.patterns().iter().any(|p| matches(p.as_bytes(), key.as_bytes()))
    }

    // Ids as each framework makes them.
    const EXPRESS_ID: &str = "Xk3_-9aZq0WbQy7LmNpR2sTuVwXyZ01a";
    const DJANGO_KEY: &str = "q8w7e6r5t4y3u2i1o0pasdfghjklzxcv";
    const FLASK_ID: &str = "mD1a-Zq8_Uu0K6oRRg3sCQk3Yx0P7pZq3nN0s1t2u3v";
    const FLASK_UUID: &str = "6fa459ea-ee8a-3ca4-894e-db77e160355e";
    const SHA: &str = "0b6a3f6e2c1d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7";

    #[test]
    fn every_framework_s_default_keys_are_caught() {
        assert_eq!(EXPRESS_ID.len(), 32);
        assert_eq!(FLASK_ID.len(), 43);
        assert_eq!(SHA.len(), 64);
        let all = SessionStores::All;
        for key in [
            format!("sess:{EXPRESS_ID}"),
            format!(":1:django.contrib.sessions.cache{DJANGO_KEY}"),
            format!("shop:2:django.contrib.sessions.cached_db{DJANGO_KEY}"),
            format!("session:{FLASK_ID}"),
            format!("session:{FLASK_UUID}"),
            format!("_session_id:2::{SHA}"),
            format!("_session_id:{}", &SHA[..32]),
            format!("2::{SHA}"),
        ] {
            assert!(caught(&all, &key), "{key}");
        }
    }

    #[test]
    fn lookalikes_are_not() {
        let all = SessionStores::All;
        for key in [
            "sess:counter".to_string(),
            format!("sess:{EXPRESS_ID}x"),
            format!("sess:{}", &EXPRESS_ID[1..]),
            format!("legacyapp:sess:{EXPRESS_ID}"),
            "session:config".to_string(),
            format!("session:{FLASK_ID}:meta"),
            ":1:django.contrib.sessions.cache".to_string(),
            format!(":1:django.contrib.sessions.cache{}", DJANGO_KEY.to_uppercase()),
            ":1:product_detail:1".to_string(),
            "_session_id:abc".to_string(),
            format!("3::{SHA}"),
            format!("celery-task-meta-{FLASK_UUID}"),
        ] {
            assert!(!caught(&all, &key), "{key}");
        }
    }

    #[test]
    fn one_framework_with_its_own_prefix() {
        let legacy = SessionStores::Only {
            framework: SessionFramework::ExpressSession,
            prefix: Some("legacyapp:sess:".into()),
        };
        assert!(caught(&legacy, &format!("legacyapp:sess:{EXPRESS_ID}")));
        assert!(!caught(&legacy, &format!("sess:{EXPRESS_ID}")));
        let django =
            SessionStores::Only { framework: SessionFramework::Django, prefix: Some("shop:1:".into()) };
        assert!(caught(&django, &format!("shop:1:django.contrib.sessions.cache{DJANGO_KEY}")));
        assert!(!caught(&django, &format!(":1:django.contrib.sessions.cache{DJANGO_KEY}")));
        let rails =
            SessionStores::Only { framework: SessionFramework::Rails, prefix: Some("myapp:session:".into()) };
        assert!(caught(&rails, &format!("myapp:session:2::{SHA}")));
        let flask = SessionStores::Only { framework: SessionFramework::FlaskSession, prefix: None };
        assert!(!caught(&flask, &format!("sess:{EXPRESS_ID}")));
        // A prefix is literal text, not a glob.
        let star =
            SessionStores::Only { framework: SessionFramework::FlaskSession, prefix: Some("*".into()) };
        assert!(!caught(&star, &format!("session:{FLASK_ID}")));
    }

    #[test]
    fn names_round_trip() {
        for f in SessionFramework::ALL {
            assert_eq!(SessionFramework::parse(f.name()), Some(f));
        }
        assert_eq!(SessionFramework::parse("connect-redis"), Some(SessionFramework::ExpressSession));
        assert_eq!(SessionFramework::parse("spring"), None);
    }

    #[test]
    fn the_two_modes() {
        let sel = expire_selection(&SessionStores::All);
        assert_eq!(
            (sel.types.as_slice(), sel.no_ttl, sel.idle_over_secs),
            (&["string".to_string()][..], false, None)
        );
        assert_eq!(expire_action(3600), Action::Expire { secs: 3600, mode: ExpireMode::Cap });
        let sel = idle_selection(&SessionStores::All, 600);
        assert_eq!(sel.idle_over_secs, Some(600));
        assert_eq!(idle_action(), Action::Delete);
    }
}
