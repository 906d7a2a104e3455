//! Flask apps whose Redis data outlives its purpose: Flask-Session with a session lifetime of
//! months, and Flask-Caching with a default timeout of 0 (which there means "never expire").
//!
//! Facts:
//! - Flask-Session 0.4.1 .. 0.8.0 (pallets-eco/flask-session `src/flask_session/redis/redis.py`
//!   `_upsert_session`, 0.4.1 `sessions.py`): every session is written with
//!   `SET ... EX total_seconds(app.permanent_session_lifetime)`, even with
//!   `SESSION_PERMANENT = False`; Flask's `PERMANENT_SESSION_LIFETIME` defaults to 31 days
//!   (pallets/flask `src/flask/app.py` `default_config`) and may be seconds or a `timedelta`.
//! - Flask-Caching 1.10 .. 2.4 on cachelib (pallets-eco/cachelib `src/cachelib/redis.py`
//!   `_normalize_timeout`): a timeout of 0 becomes -1 and `set` then writes a plain `SET`, so
//!   `CACHE_DEFAULT_TIMEOUT = 0` makes every cached value permanent (the opposite of Django,
//!   where 0 expires at once); `None` means the 300 s default.
//!
//! Settings are read from module and class-body assignments (config modules and classes),
//! `app.config["X"] = v`, `app.config.update(X=v)` / `update({...})` and
//! `Cache(config={...})`. A rule runs only when the same file selects Redis (`SESSION_TYPE`
//! `"redis"`, `CACHE_TYPE` naming a Redis backend): a setting whose backend is elsewhere
//! cannot be judged.

use findings::Finding;
use tree_sitter::Node;

use super::{Constants, Lit, call_name, dict_pairs, keyword_args, literal, seconds_of, string_value};
use crate::app::node::Source;
use crate::app::retention::{self, Value};

/// One `NAME = value` seen for a Flask setting, and the node to report at.
struct Setting<'t> {
    name: String,
    value: Node<'t>,
    at: Node<'t>,
}

const NAMES: &[&str] = &["SESSION_TYPE", "PERMANENT_SESSION_LIFETIME", "CACHE_TYPE", "CACHE_DEFAULT_TIMEOUT"];

pub(super) fn check<'t>(src: &Source<'_>, nodes: &[Node<'t>], consts: &Constants, out: &mut Vec<Finding>) {
    let settings = collect(src, nodes);
    let text_of = |name: &str| -> Vec<String> {
        settings
            .iter()
            .filter(|s| s.name == name)
            .filter_map(|s| match literal(src, s.value, Some(consts)) {
                Lit::Str(v) => Some(v),
                _ => None,
            })
            .collect()
    };
    let session_on_redis = text_of("SESSION_TYPE").iter().any(|t| t.trim().eq_ignore_ascii_case("redis"));
    let cache_on_redis = text_of("CACHE_TYPE").iter().any(|t| is_redis_cache_type(t));
    for s in &settings {
        let (row, on_redis) = match s.name.as_str() {
            "PERMANENT_SESSION_LIFETIME" => (&retention::FLASK_SESSION_LIFETIME, session_on_redis),
            "CACHE_DEFAULT_TIMEOUT" => (&retention::FLASK_CACHING_DEFAULT_TIMEOUT, cache_on_redis),
            _ => continue,
        };
        if !on_redis {
            continue;
        }
        let Some(seconds) = seconds_of(src, s.value, consts) else { continue };
        let written = format!("{} = {}", s.name, src.text_of(s.value));
        if let Some(message) = row.judge(&written, Value::Number(seconds)) {
            out.push(src.finding(row.rule, s.at, message));
        }
    }
}

/// Flask-Caching's Redis backends: `RedisCache`, `RedisSentinelCache`, `RedisClusterCache`,
/// dotted (`flask_caching.backends.RedisCache`) or the old lowercase `redis`.
fn is_redis_cache_type(t: &str) -> bool {
    let last = t.trim().rsplit('.').next().unwrap_or("");
    last.starts_with("Redis") || matches!(last, "redis" | "redissentinel" | "rediscluster")
}

fn collect<'t>(src: &Source<'_>, nodes: &[Node<'t>]) -> Vec<Setting<'t>> {
    let mut out = Vec::new();
    let mut push = |name: Option<String>, value: Node<'t>, at: Node<'t>| {
        if let Some(name) = name.filter(|n| NAMES.contains(&n.as_str())) {
            out.push(Setting { name, value, at });
        }
    };
    for &n in nodes {
        match n.kind() {
            "assignment" => {
                let Some((left, right)) = super::sides(n) else {
                    continue;
                };
                match left.kind() {
                    // `NAME = v` at module level or in a config class body.
                    "identifier" if at_module_or_class(n) => {
                        push(Some(src.text_of(left).to_string()), right, n)
                    }
                    // `app.config["NAME"] = v`
                    "subscript" if is_config(src, left.child_by_field_name("value")) => push(
                        left.child_by_field_name("subscript").and_then(|k| string_value(src, k)),
                        right,
                        n,
                    ),
                    _ => {}
                }
            }
            // `app.config.update(NAME=v)` / `update({...})`, `Cache(app, config={...})`.
            "call" => match call_name(src, n) {
                Some("update")
                    if is_config(
                        src,
                        n.child_by_field_name("function").and_then(|f| f.child_by_field_name("object")),
                    ) =>
                {
                    for (kw, name, value) in keyword_args(src, n) {
                        push(Some(name), value, kw);
                    }
                    for dict in dict_args(n) {
                        for (pair, name, value) in dict_pairs(src, dict) {
                            push(Some(name), value, pair);
                        }
                    }
                }
                Some("Cache") => {
                    for (_, name, value) in keyword_args(src, n) {
                        if name == "config" && value.kind() == "dictionary" {
                            for (pair, key, v) in dict_pairs(src, value) {
                                push(Some(key), v, pair);
                            }
                        }
                    }
                }
                _ => {}
            },
            _ => {}
        }
    }
    out
}

/// Whether an assignment sits at module level or directly in a class body (not in a function).
fn at_module_or_class(n: Node<'_>) -> bool {
    let Some(stmt) = n.parent() else { return false };
    matches!(
        stmt.parent().map(|b| (b.kind(), b.parent().map(|c| c.kind()))),
        Some(("module", _) | ("block", Some("class_definition")))
    )
}

/// `x.config` (Flask's config object).
fn is_config(src: &Source<'_>, n: Option<Node<'_>>) -> bool {
    n.is_some_and(|n| n.kind() == "attribute" && src.text_of(n).ends_with(".config"))
}

fn dict_args<'t>(call: Node<'t>) -> Vec<Node<'t>> {
    let Some(args) = call.child_by_field_name("arguments") else { return Vec::new() };
    let mut cursor = args.walk();
    args.named_children(&mut cursor).filter(|a| a.kind() == "dictionary").collect()
}
