//! Laravel cache writes without expiry on a Redis store.
//!
//! Facts (laravel/framework `src/Illuminate/Cache/Repository.php` and `RedisStore.php`, 5.8
//! to 12.x): `RedisStore::forever` writes with `SET` and no expiry (`put` uses `SETEX`);
//! `Repository::rememberForever` and `sear` call `forever`; `put($key, $value, $ttl = null)`,
//! `set` and `add` with no or a `null` TTL call `forever` too, as does `remember` with a `null`
//! TTL. (Before 5.8, `put` without minutes stored nothing; 5.8 was released in 2019.)
//!
//! Which store a call goes to: `Cache::store('name')` names it; otherwise it is the default
//! store, `config/cache.php` `'default'` (usually `env('CACHE_STORE', 'database')` in Laravel
//! 11+, `env('CACHE_DRIVER', 'file')` before), with the variable read from the project's
//! `.env` (then `.env.production`, then `.env.example`: `.env` is usually gitignored). A store
//! is Redis when its `'driver'` is `redis` (or, without `config/cache.php`, when it is named
//! `redis`). When the default store cannot be known, only calls that name a Redis store are
//! reported.

use findings::{Finding, Location, Severity, Span};

pub const RULE: &str = "laravel-cache-forever-on-redis";

/// Which store a cache call writes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Store {
    Default,
    Named(String),
}

/// A cache call that stores without expiry.
#[derive(Debug, Clone)]
pub struct ForeverCall {
    pub path: String,
    pub span: Span,
    /// First line of the call as written.
    pub call: String,
    pub method: String,
    pub store: Store,
}

/// `'default'` of `config/cache.php`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DefaultStore {
    Literal(String),
    Env { var: String, fallback: Option<String> },
    Unknown,
}

/// What `config/cache.php` says.
#[derive(Debug, Clone)]
pub struct CacheConfig {
    /// Project root (the directory holding `config/`), with a trailing `/`.
    pub root: String,
    pub path: String,
    pub default: DefaultStore,
    pub default_span: Span,
    /// `(store name, driver)`; the driver is `None` when not a literal.
    pub stores: Vec<(String, Option<String>)>,
}

/// A cache setting of a `.env` file.
#[derive(Debug, Clone)]
pub struct EnvSetting {
    /// Directory of the `.env` file, with a trailing `/`.
    pub root: String,
    /// `.env`, `.env.production`, `.env.example`.
    pub file: String,
    pub key: String,
    pub value: String,
}

/// What one file tells about Laravel caching.
#[derive(Debug, Clone)]
pub enum Fact {
    Config(CacheConfig),
    Env(EnvSetting),
    Forever(ForeverCall),
}

/// The env file names read, most trusted first.
const ENV_FILES: &[&str] = &[".env", ".env.production", ".env.example"];

/// The cache settings of an env file (`CACHE_STORE`, `CACHE_DRIVER`), if its name is one read.
pub fn env_facts(path: &str, text: &str) -> Vec<Fact> {
    let p = path.replace('\\', "/");
    let (root, file) = p.rsplit_once('/').map_or((String::new(), p.as_str()), |(d, f)| (format!("{d}/"), f));
    if !ENV_FILES.contains(&file) {
        return Vec::new();
    }
    super::dotenv::entries(text)
        .into_iter()
        .filter(|(k, ..)| k == "CACHE_STORE" || k == "CACHE_DRIVER")
        .map(|(key, _, value, _)| {
            Fact::Env(EnvSetting {
                root: root.clone(),
                file: file.to_string(),
                key,
                value: value.trim().to_string(),
            })
        })
        .collect()
}

/// The value of `var` in the env files of `root`, with the file it came from.
fn env_value<'a>(facts: &'a [Fact], root: &str, var: &str) -> Option<(&'a str, &'a str)> {
    ENV_FILES.iter().find_map(|file| {
        facts
            .iter()
            .filter_map(|f| match f {
                Fact::Env(e) if e.root == root && e.file == *file && e.key == var => Some(e),
                _ => None,
            })
            .next_back()
            .map(|e| (e.value.as_str(), e.file.as_str()))
    })
}

/// Whether store `name` is Redis, and why (for the message).
fn is_redis_store(config: Option<&CacheConfig>, name: &str) -> bool {
    match config {
        Some(c) if !c.stores.is_empty() => {
            c.stores.iter().any(|(n, driver)| n == name && driver.as_deref() == Some("redis"))
        }
        _ => name == "redis",
    }
}

/// The default store of the project at `root` and how it was decided; `None` when unknown.
fn default_store(facts: &[Fact], root: &str, config: Option<&CacheConfig>) -> Option<(String, String)> {
    match config.map(|c| &c.default) {
        Some(DefaultStore::Literal(name)) => Some((name.clone(), "config/cache.php".to_string())),
        Some(DefaultStore::Env { var, fallback }) => match env_value(facts, root, var) {
            Some((value, file)) => Some((value.to_string(), format!("{file} {var}"))),
            None => fallback.clone().map(|f| (f, format!("the config/cache.php fallback for {var}"))),
        },
        Some(DefaultStore::Unknown) => None,
        // No config/cache.php seen: the stock config reads CACHE_STORE (11+) or CACHE_DRIVER.
        None => ["CACHE_STORE", "CACHE_DRIVER"].iter().find_map(|var| {
            env_value(facts, root, var).map(|(v, file)| (v.to_string(), format!("{file} {var}")))
        }),
    }
}

/// The deepest project root (a `config/cache.php` or env file directory) above `path`.
fn root_for(facts: &[Fact], path: &str) -> Option<String> {
    let path = path.replace('\\', "/");
    facts
        .iter()
        .filter_map(|f| match f {
            Fact::Config(c) => Some(c.root.as_str()),
            Fact::Env(e) => Some(e.root.as_str()),
            Fact::Forever(_) => None,
        })
        .filter(|root| path.starts_with(root))
        .max_by_key(|root| root.len())
        .map(str::to_string)
}

/// Joins the facts of all files into findings.
pub fn check(facts: &[Fact], out: &mut Vec<Finding>) {
    let severity = findings::catalog().get(RULE).map_or(Severity::Warning, |r| r.severity);
    for f in facts {
        let Fact::Forever(call) = f else { continue };
        let root = root_for(facts, &call.path);
        let config = root.as_deref().and_then(|r| {
            facts.iter().find_map(|f| match f {
                Fact::Config(c) if c.root == r => Some(c),
                _ => None,
            })
        });
        let why = match &call.store {
            Store::Named(name) if is_redis_store(config, name) => format!("the `{name}` store is Redis"),
            Store::Named(_) => continue,
            Store::Default => {
                let Some((name, source)) = root.as_deref().and_then(|r| default_store(facts, r, config))
                else {
                    continue;
                };
                if !is_redis_store(config, &name) {
                    continue;
                }
                format!("the default store is `{name}` ({source})")
            }
        };
        let what = match call.method.as_str() {
            "forever" => "stores the value forever".to_string(),
            "rememberForever" | "sear" => "stores the computed value forever".to_string(),
            m => format!("{m}() without a TTL (or with null) calls forever()"),
        };
        out.push(Finding::new(
            RULE,
            severity,
            format!(
                "{what} and {why}: Laravel's RedisStore::forever writes with SET and no expiry, so \
                 the key stays until it is deleted or evicted; pass a TTL in seconds \
                 (Cache::put($key, $value, 3600), Cache::remember($key, 3600, ...))"
            ),
            Location::file(&call.path, call.span),
            &call.call,
        ));
    }
}
