//! Rails cache and session stores on Redis that write keys without a TTL.
//!
//! - `:redis_cache_store` sets no expiry unless `expires_in` (aliases `expire_in`,
//!   `expired_in` from Rails 7.1) is given: rails/rails
//!   `activesupport/lib/active_support/cache/redis_cache_store.rb`, `cache.rb` `OPTION_ALIASES`.
//! - `session_store :cache_store` defaults `expire_after` to the cache's `expires_in`:
//!   `actionpack/lib/action_dispatch/middleware/session/cache_store.rb` (5.2 .. 8.x).
//! - redis-session-store writes a plain `SET` without `ttl`/`expire_after` (v0.11.6
//!   `#get_expiry`); redis-actionpack's `:redis_store` likewise without `expire_after`,
//!   `expires_in` or `expire_in` (redis-store `lib/redis/store/ttl.rb`).
//!
//! Options passed through a variable or a `**splat` are unknown and never reported. The cache
//! and session configs are joined only within one file.

use findings::Finding;
use tree_sitter::Node;

use super::{Pair, Value, call_parts, eval, find_pair, key_name, pairs_of};
use crate::app::node::Source;
use crate::app::retention::{self, Retention};

/// Cache options that give every entry a TTL.
const CACHE_EXPIRY_KEYS: &[&str] = &["expires_in", "expire_in", "expired_in"];

/// Redis-backed session stores: store name, the options that set a TTL, whether those may
/// also sit in the nested `redis:` hash, and the gem.
const SESSION_STORES: &[(&str, &[&str], bool, &str)] = &[
    ("redis_session_store", &["expire_after", "ttl"], true, "redis-session-store"),
    ("redis_store", &["expire_after", "expires_in", "expire_in"], false, "redis-actionpack"),
];

/// A store configuration: `:name` plus its options (`None` when they cannot be read).
struct StoreSpec<'t> {
    name_node: Node<'t>,
    name: String,
    options: Option<Vec<Pair<'t>>>,
}

pub(super) fn check(src: &Source<'_>, nodes: &[Node<'_>], out: &mut Vec<Finding>) {
    let mut caches = Vec::new();
    let mut sessions = Vec::new();
    for &n in nodes {
        let Some((kind, spec)) = store_spec(src, n) else { continue };
        match kind {
            StoreKind::Cache => caches.push(spec),
            StoreKind::Session => sessions.push(spec),
        }
    }
    let mut unbounded_cache = false;
    for cache in caches.iter().filter(|c| c.name == "redis_cache_store") {
        let Some(options) = &cache.options else { continue };
        if !has_bound(src, options, CACHE_EXPIRY_KEYS) {
            unbounded_cache = true;
            push_absent(
                src,
                &retention::RAILS_CACHE_EXPIRES_IN,
                "`:redis_cache_store` without `expires_in`",
                cache.name_node,
                out,
            );
        }
    }
    for session in &sessions {
        let Some(options) = &session.options else { continue };
        if session.name == "cache_store" {
            // Only unbounded when this file's own cache store has no expiry either.
            if unbounded_cache && !has_bound(src, options, &["expire_after"]) {
                let row = &retention::RAILS_CACHE_SESSION_EXPIRE_AFTER;
                push_absent(
                    src,
                    row,
                    "`session_store :cache_store` without `expire_after`",
                    session.name_node,
                    out,
                );
            }
            continue;
        }
        let Some((store, keys, nested, gem)) = SESSION_STORES.iter().find(|(s, ..)| *s == session.name)
        else {
            continue;
        };
        let nested_pairs = match find_pair(src, options, &["redis"]) {
            Some(p) if *nested && p.value.kind() == "hash" => match pairs_of(p.value) {
                Some(inner) => inner,
                None => continue,
            },
            // `redis: redis_options`: the TTL may be in there.
            Some(_) if *nested => continue,
            _ => Vec::new(),
        };
        if !has_bound(src, options, keys) && !has_bound(src, &nested_pairs, keys) {
            let keys = keys.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(" or ");
            let written = format!("`:{store}` ({gem}) without {keys}");
            push_absent(src, &retention::RAILS_REDIS_SESSION_EXPIRY, &written, session.name_node, out);
        }
    }
}

/// A store whose expiry option is absent, judged by its retention row.
fn push_absent(src: &Source<'_>, row: &Retention, written: &str, at: Node<'_>, out: &mut Vec<Finding>) {
    if let Some(message) = row.judge(written, retention::Value::Absent) {
        out.push(src.finding(row.rule, at, message));
    }
}

/// Whether one of `keys` is set to something other than `nil` (a variable or ENV counts).
fn has_bound(src: &Source<'_>, pairs: &[Pair<'_>], keys: &[&str]) -> bool {
    pairs.iter().any(|p| {
        key_name(src, p.key).is_some_and(|k| keys.contains(&k)) && eval(src, p.value) != Some(Value::Nil)
    })
}

enum StoreKind {
    Cache,
    Session,
}

/// `x.cache_store = :name, {...}`, `x.session_store :name, ...`,
/// `ActiveSupport::Cache::RedisCacheStore.new(...)`, `ActiveSupport::Cache.lookup_store(:name, ...)`.
fn store_spec<'t>(src: &Source<'_>, n: Node<'t>) -> Option<(StoreKind, StoreSpec<'t>)> {
    let kind_of = |method: &str| match method {
        "cache_store" | "lookup_store" => Some(StoreKind::Cache),
        "session_store" => Some(StoreKind::Session),
        _ => None,
    };
    match n.kind() {
        "assignment" => {
            let left = n.child_by_field_name("left")?;
            let (_, method) = call_parts(src, left)?;
            let kind = kind_of(method)?;
            let right = n.child_by_field_name("right")?;
            let spec = match right.kind() {
                "simple_symbol" => symbol_spec(src, right, Some(Vec::new()))?,
                "right_assignment_list" | "array" => list_spec(src, right)?,
                _ => return None,
            };
            Some((kind, spec))
        }
        "call" => {
            let (receiver, method) = call_parts(src, n)?;
            let arguments = n.child_by_field_name("arguments")?;
            if method == "new" && receiver.is_some_and(|r| src.text_of(r).ends_with("RedisCacheStore")) {
                let spec = StoreSpec {
                    name_node: n,
                    name: "redis_cache_store".to_string(),
                    options: options_of(arguments, None),
                };
                return Some((StoreKind::Cache, spec));
            }
            Some((kind_of(method)?, list_spec(src, arguments)?))
        }
        _ => None,
    }
}

/// `:name, {opts}` or `:name, key: v` as a list whose first element is the store symbol.
fn list_spec<'t>(src: &Source<'_>, list: Node<'t>) -> Option<StoreSpec<'t>> {
    let mut cursor = list.walk();
    let first = list.named_children(&mut cursor).find(|c| c.kind() != "comment")?;
    if first.kind() != "simple_symbol" {
        return None;
    }
    symbol_spec(src, first, options_of(list, Some(first)))
}

fn symbol_spec<'t>(src: &Source<'_>, sym: Node<'t>, options: Option<Vec<Pair<'t>>>) -> Option<StoreSpec<'t>> {
    Some(StoreSpec { name_node: sym, name: key_name(src, sym)?.to_string(), options })
}

/// The option pairs of a list, skipping `skip` (the store symbol); `None` when any element is
/// not a literal hash or pair (a variable, a splat, a method call).
fn options_of<'t>(list: Node<'t>, skip: Option<Node<'t>>) -> Option<Vec<Pair<'t>>> {
    let mut out = Vec::new();
    let mut cursor = list.walk();
    for child in list.named_children(&mut cursor) {
        if skip.is_some_and(|s| s.id() == child.id()) || child.kind() == "comment" {
            continue;
        }
        match child.kind() {
            "pair" => out.extend(Pair::of(child)),
            "hash" => out.extend(pairs_of(child)?),
            _ => return None,
        }
    }
    Some(out)
}
