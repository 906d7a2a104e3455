//! Celery with a Redis result backend and `result_expires` set to `None` or `0`.
//!
//! Facts (Celery 5.7.0):
//! - `result_expires` defaults to `timedelta(days=1)`; the old names `CELERY_TASK_RESULT_EXPIRES`
//!   and (Django namespace) `CELERY_RESULT_EXPIRES` map to it (`celery/app/defaults.py`).
//! - `RedisBackend._set` (`celery/backends/redis.py`) runs `SETEX` only `if expires:`, so
//!   `None` and `0` (and `timedelta(0)`, turned into 0 seconds by `prepare_expires`) store
//!   results with plain `SET`: `celery-task-meta-*` keys never expire.
//! - `result_failure_expires` (new in 5.7) applies to failed results; `None` falls back to
//!   `result_expires`, but `0` again means plain `SET`.
//! - `Celery(..., backend=None, result_expires=None)`: the constructor's `__autoset` skips
//!   `None` values (`celery/app/base.py`), so `None` there keeps the 1-day default.
//! - Backends `redis`, `rediss`, `redis+socket` and `sentinel` are the Redis backend
//!   (`celery/app/backends.py` `BACKEND_ALIASES`, `by_url`).
//!
//! Only reported when the same file sets a Redis result backend: `rpc://`, `db+...` and
//! `django-db` keep results elsewhere, and a backend not seen cannot be judged.

use findings::Finding;
use tree_sitter::Node;

use super::{
    Constants, Lit, block_of, call_name, dict_pairs, keyword_args, literal, path_of, seconds_of, string_value,
};
use crate::app::node::Source;
use crate::app::retention::{self, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Key {
    Backend,
    Expires,
    FailureExpires,
}

fn key_of(name: &str) -> Option<Key> {
    match name {
        "result_backend" | "CELERY_RESULT_BACKEND" => Some(Key::Backend),
        "result_expires" | "CELERY_RESULT_EXPIRES" | "CELERY_TASK_RESULT_EXPIRES" => Some(Key::Expires),
        "result_failure_expires" | "CELERY_RESULT_FAILURE_EXPIRES" => Some(Key::FailureExpires),
        _ => None,
    }
}

#[derive(Debug)]
struct Setting<'t> {
    key: Key,
    name: String,
    /// The app the setting belongs to (`app` for `app.conf.x`), empty for a settings module.
    owner: String,
    value: Node<'t>,
    at: Node<'t>,
    block: usize,
}

pub(super) fn check<'t>(src: &Source<'_>, nodes: &[Node<'t>], consts: &Constants, out: &mut Vec<Finding>) {
    let mut settings: Vec<Setting<'t>> = Vec::new();
    let mut push = |name: String, owner: String, value: Node<'t>, at: Node<'t>| {
        if let Some(key) = key_of(&name) {
            settings.push(Setting { key, name, owner, value, at, block: block_of(at) });
        }
    };
    for &n in nodes {
        match n.kind() {
            "assignment" => {
                let Some((left, right)) = super::sides(n) else {
                    continue;
                };
                if let Some(name) = assigned_name(src, left) {
                    let target =
                        left.child_by_field_name("object").or_else(|| left.child_by_field_name("value"));
                    push(name, owner_of(src, target), right, n);
                }
            }
            "call" => match call_name(src, n) {
                Some("Celery") => {
                    let owner = n
                        .parent()
                        .filter(|p| p.kind() == "assignment")
                        .and_then(|a| a.child_by_field_name("left"))
                        .and_then(|l| path_of(src, l))
                        .unwrap_or_default();
                    for (kw, name, value) in keyword_args(src, n) {
                        // `__autoset` ignores None: `Celery(backend=None)` sets nothing.
                        if literal(src, value, Some(consts)) == Lit::None {
                            continue;
                        }
                        let name = if name == "backend" { "result_backend".to_string() } else { name };
                        push(name, owner.clone(), value, kw);
                    }
                }
                Some("update" | "dict") => {
                    let owner = owner_of(
                        src,
                        n.child_by_field_name("function").and_then(|f| f.child_by_field_name("object")),
                    );
                    for (kw, name, value) in keyword_args(src, n) {
                        push(name, owner.clone(), value, kw);
                    }
                }
                _ => {}
            },
            "dictionary" => {
                // `app.conf.update({...})`: the dict belongs to the app being updated.
                let call = n.parent().and_then(|args| args.parent()).filter(|c| c.kind() == "call");
                let owner = owner_of(
                    src,
                    call.and_then(|c| c.child_by_field_name("function"))
                        .and_then(|f| f.child_by_field_name("object")),
                );
                for (pair, name, value) in dict_pairs(src, n) {
                    push(name, owner.clone(), value, pair);
                }
            }
            _ => {}
        }
    }
    let live: Vec<&Setting<'t>> = settings
        .iter()
        .enumerate()
        .filter(|(i, s)| {
            !settings[i + 1..].iter().any(|l| l.name == s.name && l.owner == s.owner && l.block == s.block)
        })
        .map(|(_, s)| s)
        .collect();
    // An app's own backend decides; settings of an owner with none (a settings module read by
    // `config_from_object`) go with any backend in the file.
    let has_redis = |owner: &str| {
        let own: Vec<&&Setting<'t>> =
            live.iter().filter(|s| s.key == Key::Backend && s.owner == owner).collect();
        let candidates: Vec<&&Setting<'t>> =
            if own.is_empty() { live.iter().filter(|s| s.key == Key::Backend).collect() } else { own };
        candidates.iter().any(|s| is_redis_backend(src, s.value, consts))
    };
    for s in live.iter().filter(|s| has_redis(&s.owner)) {
        let row = match s.key {
            Key::Backend => continue,
            Key::Expires => &retention::CELERY_RESULT_EXPIRES,
            Key::FailureExpires => &retention::CELERY_RESULT_FAILURE_EXPIRES,
        };
        let Some(value) = expires_value(src, s.value, consts) else { continue };
        if let Some(message) = row.judge(&format!("{} = {}", s.name, src.text_of(s.value)), value) {
            out.push(src.finding(row.rule, s.at, message));
        }
    }
}

/// The app a `conf` expression belongs to: `app` for `app.conf`, empty otherwise.
fn owner_of(src: &Source<'_>, object: Option<Node<'_>>) -> String {
    let path = object.and_then(|o| path_of(src, o)).unwrap_or_default();
    path.strip_suffix(".conf").map(str::to_string).unwrap_or_default()
}

/// The setting name an assignment target names: `result_expires = ...`,
/// `app.conf.result_expires = ...`, `app.conf["result_expires"] = ...`.
fn assigned_name(src: &Source<'_>, left: Node<'_>) -> Option<String> {
    match left.kind() {
        "identifier" => Some(src.text_of(left).to_string()),
        "attribute" => {
            let name = src.text_of(left.child_by_field_name("attribute")?);
            let object = path_of(src, left.child_by_field_name("object")?).unwrap_or_default();
            // `self.result_expires` in an unrelated class is not Celery's setting.
            (object.ends_with("conf") || name.starts_with("CELERY_")).then(|| name.to_string())
        }
        "subscript" => string_value(src, left.child_by_field_name("subscript")?),
        _ => None,
    }
}

/// Whether a result backend value selects Celery's Redis backend. A literal URL is read by
/// scheme; an expression (`os.environ["REDIS_URL"]`, an f-string) counts when it names Redis.
fn is_redis_backend(src: &Source<'_>, value: Node<'_>, consts: &Constants) -> bool {
    match literal(src, value, Some(consts)) {
        Lit::Str(s) => {
            let s = s.trim().to_ascii_lowercase();
            let scheme = s.split_once("://").map_or(s.as_str(), |(scheme, _)| scheme);
            let backend = scheme.split('+').next().unwrap_or(scheme);
            matches!(backend, "redis" | "rediss" | "sentinel") || s.starts_with("celery.backends.redis")
        }
        Lit::Unknown => {
            let text = src.text_of(value).to_ascii_lowercase();
            text.contains("redis")
                && !["rpc://", "db+", "django-db", "cache+", "mongodb", "amqp"]
                    .iter()
                    .any(|o| text.contains(o))
        }
        _ => false,
    }
}

/// An expiry as the table reads it: `None`, or seconds of a number or a `timedelta` (a string is
/// not Celery's number: `"0"` is truthy and goes to SETEX).
fn expires_value(src: &Source<'_>, value: Node<'_>, consts: &Constants) -> Option<Value> {
    match literal(src, value, Some(consts)) {
        Lit::None => Some(Value::Null),
        _ => seconds_of(src, value, consts).map(Value::Number),
    }
}
