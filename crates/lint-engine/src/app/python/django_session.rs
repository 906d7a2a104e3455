//! Django sessions kept in a Redis cache for months: `SESSION_COOKIE_AGE` far above its
//! default with a cache session engine.
//!
//! Facts (Django 5.2.19; the same since 1.5, when `SESSION_CACHE_ALIAS` arrived):
//! - `SESSION_ENGINE` `django.contrib.sessions.backends.cache` and `cached_db` store each session
//!   with `self._cache.set(key, data, self.get_expiry_age())`
//!   (`django/contrib/sessions/backends/cache.py`, `cached_db.py`); `get_expiry_age()` is
//!   `SESSION_COOKIE_AGE` (default 1209600 s, two weeks, `conf/global_settings.py`) unless the
//!   view called `set_expiry()`, and `SESSION_EXPIRE_AT_BROWSER_CLOSE` does not change it.
//! - So the cache's `TIMEOUT` never applies to sessions (not reported, see
//!   [`super::django_cache`]), and the session's lifetime in Redis is `SESSION_COOKIE_AGE`.
//! - `SESSION_CACHE_ALIAS` (default `"default"`) names the `CACHES` entry used.
//!
//! Reported only when this file sets the engine and the age, and its `CACHES` literal puts that
//! alias on a Redis backend: settings split across modules cannot be joined here.

use findings::Finding;
use tree_sitter::Node;

use super::{Constants, Lit, dict_pairs, literal, string_value};
use crate::app::node::Source;
use crate::app::retention::{self, Value};

const CACHE_ENGINES: &[&str] =
    &["django.contrib.sessions.backends.cache", "django.contrib.sessions.backends.cached_db"];

const REDIS_BACKENDS: &[&str] =
    &["django.core.cache.backends.redis.RedisCache", "django_redis.cache.RedisCache"];

pub(super) fn check(src: &Source<'_>, root: Node<'_>, consts: &Constants, out: &mut Vec<Finding>) {
    // Module-level assignments only, the last one winning (settings modules are flat).
    let mut engine = None;
    let mut alias = "default".to_string();
    let mut age: Option<(Node<'_>, Node<'_>)> = None;
    let mut caches = None;
    let mut cursor = root.walk();
    for stmt in root.named_children(&mut cursor) {
        let Some(a) =
            stmt.named_child(0).filter(|a| stmt.kind() == "expression_statement" && a.kind() == "assignment")
        else {
            continue;
        };
        let Some((left, right)) = super::sides(a) else {
            continue;
        };
        if left.kind() != "identifier" {
            continue;
        }
        match src.text_of(left) {
            "SESSION_ENGINE" => engine = Some(literal(src, right, Some(consts))),
            "SESSION_CACHE_ALIAS" => match literal(src, right, Some(consts)) {
                Lit::Str(s) => alias = s,
                _ => return,
            },
            "SESSION_COOKIE_AGE" => age = Some((a, right)),
            "CACHES" => caches = Some(right),
            _ => {}
        }
    }
    let Some(Lit::Str(engine)) = engine else { return };
    if !CACHE_ENGINES.contains(&engine.trim()) {
        return;
    }
    let Some((at, value)) = age else { return };
    let Some(caches) = caches.filter(|c| c.kind() == "dictionary") else { return };
    let on_redis = dict_pairs(src, caches).into_iter().any(|(_, name, entry)| {
        name == alias
            && entry.kind() == "dictionary"
            && dict_pairs(src, entry).into_iter().any(|(_, key, v)| {
                key == "BACKEND" && string_value(src, v).is_some_and(|b| REDIS_BACKENDS.contains(&b.trim()))
            })
    });
    if !on_redis {
        return;
    }
    let seconds = match literal(src, value, Some(consts)) {
        Lit::Int(n) => n as f64,
        Lit::Float(f) => f,
        _ => return,
    };
    let row = &retention::DJANGO_SESSION_COOKIE_AGE;
    let written = format!("SESSION_COOKIE_AGE = {}", src.text_of(value));
    if let Some(message) = row.judge(&written, Value::Number(seconds)) {
        out.push(src.finding(row.rule, at, message));
    }
}
