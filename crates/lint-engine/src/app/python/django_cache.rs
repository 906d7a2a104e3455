//! Django `CACHES` entries backed by Redis: `"TIMEOUT": None` (keys never expire) and the
//! `MAX_ENTRIES`/`CULL_FREQUENCY` options the Redis backends do not honour.
//!
//! Facts (Django 5.2.19, django-redis 7.0.0):
//! - `BaseCache.__init__` (`django/core/cache/backends/base.py`): `TIMEOUT` defaults to 300 s;
//!   `None` is kept as `None`. The built-in `RedisCache.get_backend_timeout`
//!   (`django/core/cache/backends/redis.py`) returns `None`, and `set()` runs `SET` with
//!   `ex=None`; django-redis `DefaultClient.set` (`django_redis/client/default.py`) sets `px`
//!   only when the timeout is not `None`. Either way the key has no TTL.
//! - `MAX_ENTRIES`/`CULL_FREQUENCY` are read into `_max_entries`/`_cull_frequency` by
//!   `BaseCache` but only the locmem, file and database backends cull. The built-in Redis
//!   backend passes `OPTIONS` on to redis-py's `ConnectionPool.from_url`, so an unknown
//!   option makes every cache call raise `TypeError`; django-redis ignores it.
//! - Cache sessions (`SESSION_ENGINE = "...sessions.backends.cache"`/`cached_db`) always pass
//!   `self.get_expiry_age()` as the timeout (`django/contrib/sessions/backends/cache.py`),
//!   so a `TIMEOUT: None` cache does not make sessions permanent: not reported.

use std::collections::{HashMap, HashSet};

use findings::Finding;
use tree_sitter::Node;

use super::{Lit, block_of, call_name, dict_pairs, keyword_args, literal, path_of};
use crate::app::node::Source;
use crate::app::retention::{self, Retention, Value};

const TIMEOUT_NONE: &str = "django-redis-cache-timeout-none";
const MAX_ENTRIES: &str = "django-redis-cache-max-entries";

/// The two Redis cache backends and what their `TIMEOUT: None` does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Backend {
    /// `django.core.cache.backends.redis.RedisCache` (Django 4.0+).
    BuiltIn,
    /// `django_redis.cache.RedisCache`.
    DjangoRedis,
}

impl Backend {
    fn of(path: &str) -> Option<Self> {
        match path.trim() {
            "django.core.cache.backends.redis.RedisCache" => Some(Backend::BuiltIn),
            "django_redis.cache.RedisCache" => Some(Backend::DjangoRedis),
            _ => None,
        }
    }

    /// The retention row of the backend's TIMEOUT.
    fn timeout(self) -> &'static Retention {
        match self {
            Backend::BuiltIn => &retention::DJANGO_BUILTIN_TIMEOUT,
            Backend::DjangoRedis => &retention::DJANGO_REDIS_TIMEOUT,
        }
    }
}

/// One key of a cache dict: its value and the node to report at.
#[derive(Debug, Clone)]
struct Setting<'t> {
    key: String,
    value: Node<'t>,
    at: Node<'t>,
    block: usize,
}

/// A dict that may be a cache entry, with its keys in source order.
#[derive(Debug, Clone)]
struct Entry<'t> {
    settings: Vec<Setting<'t>>,
    block: usize,
}

#[derive(Default)]
struct Dicts<'t> {
    entries: HashMap<String, Entry<'t>>,
    /// Dict literals already read through an assignment (not read again as anonymous).
    consumed: HashSet<usize>,
    /// Entries replaced from another branch: evaluated as they were.
    retired: Vec<HashMap<String, Entry<'t>>>,
}

pub(super) fn check<'t>(src: &Source<'_>, nodes: &[Node<'t>], out: &mut Vec<Finding>) {
    let mut d = Dicts::default();
    for &n in nodes {
        match n.kind() {
            "assignment" => d.assignment(src, n),
            "call" if call_name(src, n) == Some("update") => d.update(src, n),
            "dictionary" | "call" if !d.consumed.contains(&n.id()) && is_dict(src, n) => {
                d.register(src, &format!("#{}", n.id()), n, block_of(n), 0);
            }
            _ => {}
        }
    }
    for snapshot in d.retired.iter().chain(std::iter::once(&d.entries)) {
        let mut paths: Vec<&String> = snapshot.keys().collect();
        paths.sort();
        for path in paths {
            evaluate(src, snapshot, path, out);
        }
    }
}

/// A dict literal or a `dict(...)` call.
fn is_dict(src: &Source<'_>, n: Node<'_>) -> bool {
    n.kind() == "dictionary"
        || (n.kind() == "call" && call_name(src, n) == Some("dict") && is_plain_dict_call(src, n))
}

fn is_plain_dict_call(src: &Source<'_>, n: Node<'_>) -> bool {
    n.child_by_field_name("function").is_some_and(|f| f.kind() == "identifier" && src.text_of(f) == "dict")
}

impl<'t> Dicts<'t> {
    fn assignment(&mut self, src: &Source<'_>, a: Node<'t>) {
        let Some((left, right)) = super::sides(a) else {
            return;
        };
        let block = block_of(a);
        if left.kind() == "subscript"
            && let Some(parent) = left.child_by_field_name("value").and_then(|v| path_of(src, v))
            && let Some(key) = left.child_by_field_name("subscript").and_then(|k| super::string_value(src, k))
            && let Some(e) = self.entries.get_mut(&parent)
        {
            e.settings.push(Setting { key, value: right, at: a, block });
        }
        let Some(path) = path_of(src, left) else { return };
        if is_dict(src, right) {
            self.replace(&path, block);
            self.register(src, &path, right, block, 0);
        } else if right.kind() == "identifier" && self.entries.contains_key(src.text_of(right)) {
            self.replace(&path, block);
            self.alias(&path, src.text_of(right));
        } else {
            self.replace(&path, block);
        }
    }

    /// `CACHES["default"].update({"TIMEOUT": None})` or `.update(TIMEOUT=None)`.
    fn update(&mut self, src: &Source<'_>, call: Node<'t>) {
        let Some(target) = call
            .child_by_field_name("function")
            .and_then(|f| f.child_by_field_name("object"))
            .and_then(|o| path_of(src, o))
        else {
            return;
        };
        if !self.entries.contains_key(&target) {
            return;
        }
        let block = block_of(call);
        let mut settings = Vec::new();
        for (kw, key, value) in keyword_args(src, call) {
            settings.push(Setting { key, value, at: kw, block });
        }
        if let Some(args) = call.child_by_field_name("arguments") {
            let mut cursor = args.walk();
            let dicts: Vec<Node<'t>> =
                args.named_children(&mut cursor).filter(|c| c.kind() == "dictionary").collect();
            for dict in dicts {
                self.consumed.insert(dict.id());
                for (pair, key, value) in dict_pairs(src, dict) {
                    settings.push(Setting { key, value, at: pair, block });
                }
            }
        }
        if let Some(e) = self.entries.get_mut(&target) {
            e.settings.extend(settings);
        }
    }

    /// Drops the entries at `path` and below before it is rebound; those bound in another
    /// branch (`if DEBUG: ... else: ...`) are kept aside and still evaluated.
    fn replace(&mut self, path: &str, block: usize) {
        let under: Vec<String> = self.entries.keys().filter(|k| is_under(k, path)).cloned().collect();
        if under.is_empty() {
            return;
        }
        let other_branch = self.entries.get(path).is_some_and(|e| e.block != block);
        let removed: HashMap<String, Entry<'t>> =
            under.into_iter().filter_map(|k| self.entries.remove_entry(&k)).collect();
        if other_branch {
            self.retired.push(removed);
        }
    }

    /// Reads a dict literal (or `dict(...)`) bound to `path`, and the dicts nested in it.
    fn register(&mut self, src: &Source<'_>, path: &str, dict: Node<'t>, block: usize, depth: usize) {
        self.consumed.insert(dict.id());
        if depth > super::MAX_DEPTH {
            return;
        }
        let items = if dict.kind() == "dictionary" { dict_pairs(src, dict) } else { keyword_args(src, dict) };
        let mut settings = Vec::new();
        for (at, key, value) in items {
            let sub = format!("{path}[{key}]");
            if is_dict(src, value) {
                self.register(src, &sub, value, block, depth + 1);
            } else if value.kind() == "identifier" && self.entries.contains_key(src.text_of(value)) {
                self.alias(&sub, src.text_of(value));
            }
            settings.push(Setting { key, value, at, block });
        }
        self.entries.insert(path.to_string(), Entry { settings, block });
    }

    /// `CACHES = {"default": REDIS}`: the entry (and its nested dicts) seen under a new path.
    fn alias(&mut self, path: &str, from: &str) {
        let copies: Vec<(String, Entry<'t>)> = self
            .entries
            .iter()
            .filter(|(k, _)| is_under(k, from))
            .map(|(k, e)| (format!("{path}{}", &k[from.len()..]), e.clone()))
            .collect();
        self.entries.extend(copies);
    }
}

/// Whether `key` is `path` or a path below it.
fn is_under(key: &str, path: &str) -> bool {
    key.strip_prefix(path)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('[') || rest.starts_with('.'))
}

/// The settings of `key` still in force: a later one in the same block overrides an earlier one.
fn live<'a, 't>(settings: &'a [Setting<'t>], key: &'a str) -> impl Iterator<Item = &'a Setting<'t>> {
    settings.iter().enumerate().filter_map(move |(i, s)| {
        let overridden = settings[i + 1..].iter().any(|later| later.key == key && later.block == s.block);
        (s.key == key && !overridden).then_some(s)
    })
}

fn evaluate(src: &Source<'_>, entries: &HashMap<String, Entry<'_>>, path: &str, out: &mut Vec<Finding>) {
    let Some(entry) = entries.get(path) else { return };
    let backend = live(&entry.settings, "BACKEND").find_map(|s| match literal(src, s.value, None) {
        Lit::Str(b) => Backend::of(&b),
        _ => None,
    });
    let Some(backend) = backend else { return };
    let mut timeout_none = false;
    for s in live(&entry.settings, "TIMEOUT").filter(|s| literal(src, s.value, None) == Lit::None) {
        timeout_none = true;
        if let Some(message) = backend.timeout().judge("\"TIMEOUT\": None", Value::Null) {
            out.push(src.finding(TIMEOUT_NONE, s.at, message));
        }
    }
    let Some(options) = entries.get(&format!("{path}[OPTIONS]")) else { return };
    for key in ["MAX_ENTRIES", "CULL_FREQUENCY"] {
        for s in live(&options.settings, key) {
            let message = match backend {
                Backend::BuiltIn => format!(
                    "OPTIONS {key} does not bound Django's RedisCache: the built-in Redis backend \
                     (Django 4.0 .. 5.2) passes OPTIONS to redis-py's connection pool, which rejects \
                     it with a TypeError on the first cache call; remove it and bound the cache with \
                     TIMEOUT and Redis maxmemory"
                ),
                Backend::DjangoRedis if timeout_none => format!(
                    "OPTIONS {key} is ignored by django-redis (7.0; only Django's locmem, file and \
                     database caches cull), so with TIMEOUT None nothing bounds these keys; set \
                     TIMEOUT and rely on Redis maxmemory with an allkeys-* policy"
                ),
                Backend::DjangoRedis => continue,
            };
            out.push(src.finding(MAX_ENTRIES, s.at, message));
        }
    }
}
