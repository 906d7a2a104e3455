//! PHP sources (tree-sitter-php): Laravel cache writes that never expire and Laravel's
//! `config/cache.php`. This module only reads the tree; which store is Redis is decided across
//! files in [`super::laravel`].

use tree_sitter::Node;

use super::laravel::{CacheConfig, DefaultStore, Fact, ForeverCall, Store};
use super::node::{Source, descendants, span};

/// Words that make a PHP file worth parsing: the cache calls that can write forever and the
/// settings `config/cache.php` holds.
pub const KEYWORDS: &[&str] = &[
    "forever",
    "Forever",
    "sear(",
    "Cache::",
    "cache()",
    "CACHE_STORE",
    "CACHE_DRIVER",
    "'stores'",
    "\"stores\"",
];

/// Reads one PHP file into facts.
pub fn check(src: &Source<'_>, root: Node<'_>, out: &mut Vec<Fact>) {
    let nodes = descendants(root);
    if is_cache_config(src.path)
        && let Some(config) = cache_config(src, root)
    {
        out.push(Fact::Config(config));
    }
    for n in nodes {
        if let Some(call) = forever_call(src, n) {
            out.push(Fact::Forever(call));
        }
    }
}

/// `config/cache.php` of a Laravel project.
pub fn is_cache_config(path: &str) -> bool {
    let p = path.replace('\\', "/");
    p == "config/cache.php" || p.ends_with("/config/cache.php")
}

/// The project root a `config/cache.php` belongs to, with a trailing `/` (empty at the top).
pub fn root_of_config(path: &str) -> String {
    let p = path.replace('\\', "/");
    p.strip_suffix("config/cache.php").unwrap_or("").to_string()
}

/// The value of a plain string literal (`'redis'`, `"redis"` without interpolation).
fn string_value(src: &Source<'_>, n: Node<'_>) -> Option<String> {
    match n.kind() {
        "string" | "encapsed_string" => {
            let mut out = String::new();
            let mut cursor = n.walk();
            for part in n.named_children(&mut cursor) {
                match part.kind() {
                    "string_content" | "string_value" => out.push_str(src.text_of(part)),
                    "escape_sequence" => out.push_str(src.text_of(part).get(1..).unwrap_or("")),
                    _ => return None,
                }
            }
            Some(out)
        }
        _ => None,
    }
}

fn name_of<'a>(src: &Source<'a>, n: Node<'_>) -> &'a str {
    let text = src.text_of(n);
    text.rsplit('\\').next().unwrap_or(text)
}

/// Arguments of a call: `(parameter name if named, value)`; `None` when one is spread (`...$a`).
fn arguments<'t>(src: &Source<'_>, call: Node<'t>) -> Option<Vec<(Option<String>, Node<'t>)>> {
    let args = call.child_by_field_name("arguments")?;
    let mut cursor = args.walk();
    let mut out = Vec::new();
    for a in args.named_children(&mut cursor) {
        if a.kind() != "argument" {
            return None;
        }
        let name = a.child_by_field_name("name").map(|n| src.text_of(n).to_string());
        let mut c2 = a.walk();
        let value = a.named_children(&mut c2).filter(|c| Some(*c) != a.child_by_field_name("name")).last()?;
        if value.kind() == "variadic_unpacking" {
            return None;
        }
        out.push((name, value));
    }
    Some(out)
}

/// The cache store a receiver expression names: `Cache`, `cache()`, `Cache::store('redis')`,
/// `cache()->driver('redis')`, `Cache::tags([...])`. `None` for anything else (a variable, an
/// injected repository): not known, never reported.
fn store_of(src: &Source<'_>, n: Node<'_>, depth: usize) -> Option<Store> {
    if depth > 8 {
        return None;
    }
    match n.kind() {
        // `cache()` with no arguments is the cache manager (default store).
        "function_call_expression" => {
            let f = n.child_by_field_name("function")?;
            let args = arguments(src, n)?;
            (name_of(src, f) == "cache" && args.is_empty()).then_some(Store::Default)
        }
        "scoped_call_expression" | "member_call_expression" | "nullsafe_member_call_expression" => {
            let method = src.text_of(n.child_by_field_name("name")?);
            let inner = if n.kind() == "scoped_call_expression" {
                let scope = n.child_by_field_name("scope")?;
                if name_of(src, scope) != "Cache" {
                    return None;
                }
                Store::Default
            } else {
                store_of(src, n.child_by_field_name("object")?, depth + 1)?
            };
            match method {
                "store" | "driver" => {
                    let args = arguments(src, n)?;
                    match args.as_slice() {
                        [] => Some(Store::Default),
                        [(_, v)] if src.text_of(*v).eq_ignore_ascii_case("null") => Some(Store::Default),
                        [(_, v)] => string_value(src, *v).map(Store::Named),
                        _ => None,
                    }
                }
                "tags" => Some(inner),
                _ => None,
            }
        }
        _ => None,
    }
}

fn is_null(src: &Source<'_>, n: Node<'_>) -> bool {
    n.kind() == "null" || src.text_of(n).eq_ignore_ascii_case("null")
}

/// A cache call that stores without expiry, with the store it goes to.
fn forever_call(src: &Source<'_>, n: Node<'_>) -> Option<ForeverCall> {
    if !matches!(
        n.kind(),
        "scoped_call_expression" | "member_call_expression" | "nullsafe_member_call_expression"
    ) {
        return None;
    }
    let method = src.text_of(n.child_by_field_name("name")?);
    if !matches!(method, "forever" | "rememberForever" | "sear" | "put" | "set" | "add" | "remember") {
        return None;
    }
    let store = if n.kind() == "scoped_call_expression" {
        let scope = n.child_by_field_name("scope")?;
        (name_of(src, scope) == "Cache").then_some(Store::Default)?
    } else {
        store_of(src, n.child_by_field_name("object")?, 0)?
    };
    let args = arguments(src, n)?;
    let named = |p: &str| args.iter().find(|(name, _)| name.as_deref() == Some(p)).map(|(_, v)| *v);
    let forever = match method {
        "forever" | "rememberForever" | "sear" => true,
        // `put($key, $value, $ttl = null)`: no TTL or `null` calls `forever()`. An array first
        // argument is `putMany($values, $ttl)`, whose second argument is the TTL.
        "put" | "set" | "add" => {
            let first_is_array = args.first().is_some_and(|(_, v)| v.kind() == "array_creation_expression");
            let ttl =
                named("ttl").or_else(|| args.get(2).filter(|(name, _)| name.is_none()).map(|(_, v)| *v));
            !first_is_array && args.len() >= 2 && ttl.is_none_or(|t| is_null(src, t))
        }
        // `remember($key, $ttl, $callback)` with a `null` TTL is `put(..., null)`.
        "remember" => {
            let ttl =
                named("ttl").or_else(|| args.get(1).filter(|(name, _)| name.is_none()).map(|(_, v)| *v));
            ttl.is_some_and(|t| is_null(src, t))
        }
        _ => false,
    };
    if !forever {
        return None;
    }
    Some(ForeverCall {
        path: src.path.to_string(),
        span: span(n),
        call: src.text_of(n).lines().next().unwrap_or("").to_string(),
        method: method.to_string(),
        store,
    })
}

/// `'default'` and the `'stores'` drivers of a `return [...]` in `config/cache.php`.
fn cache_config(src: &Source<'_>, root: Node<'_>) -> Option<CacheConfig> {
    let array = descendants(root).into_iter().filter(|n| n.kind() == "return_statement").find_map(|r| {
        let mut c = r.walk();
        r.named_children(&mut c).find(|x| x.kind() == "array_creation_expression")
    })?;
    let mut config = CacheConfig {
        root: root_of_config(src.path),
        path: src.path.to_string(),
        default: DefaultStore::Unknown,
        default_span: span(array),
        stores: Vec::new(),
    };
    for (key, value) in pairs(src, array) {
        match key.as_str() {
            "default" => {
                config.default = default_store(src, value);
                config.default_span = span(value);
            }
            "stores" if value.kind() == "array_creation_expression" => {
                for (name, store) in pairs(src, value) {
                    let driver = pairs(src, store)
                        .into_iter()
                        .find(|(k, _)| k == "driver")
                        .and_then(|(_, v)| string_value(src, v).or_else(|| env_fallback(src, v)));
                    config.stores.push((name, driver));
                }
            }
            _ => {}
        }
    }
    Some(config)
}

/// `'key' => value` pairs with a string key.
fn pairs<'t>(src: &Source<'_>, array: Node<'t>) -> Vec<(String, Node<'t>)> {
    let mut cursor = array.walk();
    let elements: Vec<Node<'t>> =
        array.named_children(&mut cursor).filter(|e| e.kind() == "array_element_initializer").collect();
    elements
        .into_iter()
        .filter_map(|e| {
            let mut c = e.walk();
            let parts: Vec<Node<'t>> = e.named_children(&mut c).collect();
            match parts.as_slice() {
                [k, v] => Some((string_value(src, *k)?, *v)),
                _ => None,
            }
        })
        .collect()
}

/// `'redis'`, `env('CACHE_STORE', 'database')`, `env('CACHE_DRIVER')`.
fn default_store(src: &Source<'_>, value: Node<'_>) -> DefaultStore {
    if let Some(s) = string_value(src, value) {
        return DefaultStore::Literal(s);
    }
    if value.kind() == "function_call_expression"
        && let Some(f) = value.child_by_field_name("function")
        && name_of(src, f) == "env"
        && let Some(args) = arguments(src, value)
        && let Some((_, var)) = args.first()
        && let Some(var) = string_value(src, *var)
    {
        let fallback = args.get(1).and_then(|(_, v)| string_value(src, *v));
        return DefaultStore::Env { var, fallback };
    }
    DefaultStore::Unknown
}

/// The fallback of `env('X', 'redis')` (a store's driver read from the environment).
fn env_fallback(src: &Source<'_>, value: Node<'_>) -> Option<String> {
    match default_store(src, value) {
        DefaultStore::Env { fallback, .. } => fallback,
        _ => None,
    }
}
