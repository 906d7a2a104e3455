//! Retention settings: every rule of the shape "a retention setting must be present and
//! bounded" is a row of one table, not a copy of the same check.
//!
//! A language front end (tree-sitter for Python, Ruby and JS/TS; YAML; `.properties`) finds
//! where a library reads the setting and what was written there, and hands a [`Value`] to the
//! row's [`Retention::judge`]. The row says which values keep data in Redis forever, above what
//! it is kept too long, the library's default, and the fix, so the verdict and its wording are
//! the same whatever the language. What stays in the front end is what the table cannot know:
//! whether the store is Redis at all, and which of several places wins (a cookie expiry over a
//! session TTL, a job's options over its queue's defaults).
//!
//! Each row names the library versions and the upstream file its facts were checked against.

/// A retention setting as the front end read it. Anything it cannot evaluate (a variable, an
/// environment lookup, an expression) is not a `Value`: such settings are never judged.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value {
    /// Not set anywhere the library reads it.
    Absent,
    /// `None` / `nil` / `null`.
    Null,
    Bool(bool),
    /// In the row's [`Unit`]; infinities included (`Float::INFINITY`).
    Number(f64),
}

/// A value that keeps data forever.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Forever {
    Absent,
    Null,
    Zero,
    Negative,
    True,
    False,
    /// Positive infinity.
    Infinite,
}

impl Forever {
    fn matches(self, v: Value) -> bool {
        match (self, v) {
            (Forever::Absent, Value::Absent) | (Forever::Null, Value::Null) => true,
            (Forever::Zero, Value::Number(n)) => n == 0.0,
            (Forever::Negative, Value::Number(n)) => n < 0.0,
            (Forever::Infinite, Value::Number(n)) => n.is_infinite() && n > 0.0,
            (Forever::True, Value::Bool(b)) => b,
            (Forever::False, Value::Bool(b)) => !b,
            _ => false,
        }
    }
}

/// The unit of a setting's number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Seconds,
    Millis,
    /// A count of entries kept.
    Jobs,
    /// Sidekiq retry attempts: data is kept for the whole backoff (`JobRetry#delay_for`).
    SidekiqRetries,
}

impl Unit {
    /// How long (or how much) a value keeps, in words.
    fn describe(self, n: f64) -> String {
        match self {
            Unit::Seconds => human_secs(n),
            Unit::Millis => human_secs(n / 1000.0),
            Unit::Jobs => format!("{n:.0} jobs"),
            Unit::SidekiqRetries => {
                let total = sidekiq_backoff_secs(n);
                let span = if total > 1_000.0 * 365.25 * 86_400.0 {
                    "more than 1,000 years".to_string()
                } else {
                    format!("about {}", human_secs(total))
                };
                format!("{span} of backoff (sum(count**4 + 15) seconds over {n:.0} retries)")
            }
        }
    }
}

/// One retention setting of one library.
#[derive(Debug)]
pub struct Retention {
    /// The rule a finding belongs to.
    pub rule: &'static str,
    /// The library and the versions the facts hold for.
    pub library: &'static str,
    /// The setting as users write it (aliases separated by " / ").
    pub setting: &'static str,
    pub unit: Unit,
    /// The values that keep data forever.
    pub forever: &'static [Forever],
    /// Above this (in `unit`) data is kept far longer than it needs to be.
    pub long_above: Option<f64>,
    /// What the library does when the value keeps data forever.
    pub how: &'static str,
    /// What stays in Redis: a plural noun phrase ("... keys").
    pub keeps: &'static str,
    /// The library's default, in words.
    pub default: &'static str,
    pub fix: &'static str,
    /// Where the facts come from.
    pub source: &'static str,
}

impl Retention {
    /// The finding's message when `value`, written as `written`, keeps data forever or too
    /// long; `None` when it is bounded. `written` leads the message (`result_ttl=-1`).
    pub fn judge(&self, written: &str, value: Value) -> Option<String> {
        let Retention { library, how, keeps, default, fix, .. } = self;
        if self.forever.iter().any(|f| f.matches(value)) {
            return Some(format!(
                "{written}: {how}, so {keeps} never expire ({library}; default {default}); {fix}"
            ));
        }
        match (value, self.long_above) {
            (Value::Number(n), Some(limit)) if n > limit => Some(format!(
                "{written}: {keeps} stay in Redis for {} ({library}; default {default}); {fix}",
                self.unit.describe(n)
            )),
            _ => None,
        }
    }
}

/// Every row, for the docs and the table's own tests.
pub const TABLE: &[&Retention] = &[
    &DJANGO_REDIS_TIMEOUT,
    &DJANGO_BUILTIN_TIMEOUT,
    &DJANGO_SESSION_COOKIE_AGE,
    &FLASK_SESSION_LIFETIME,
    &FLASK_CACHING_DEFAULT_TIMEOUT,
    &CELERY_RESULT_EXPIRES,
    &CELERY_RESULT_FAILURE_EXPIRES,
    &RQ_RESULT_TTL,
    &RQ_FAILURE_TTL,
    &RQ_FAILURE_TTL_LONG,
    &CONNECT_REDIS_DISABLE_TTL,
    &CONNECT_REDIS_TTL,
    &EXPRESS_SESSION_COOKIE_MAX_AGE,
    &KOA_REDIS_SESSION_TTL,
    &BULLMQ_REMOVE_ON_COMPLETE,
    &BULLMQ_REMOVE_ON_FAIL,
    &SIDEKIQ_DEAD_MAX_JOBS,
    &SIDEKIQ_DEAD_TIMEOUT,
    &SIDEKIQ_RETRY,
    &RAILS_CACHE_EXPIRES_IN,
    &RAILS_CACHE_SESSION_EXPIRE_AFTER,
    &RAILS_REDIS_SESSION_EXPIRY,
    &SPRING_CACHE_TIME_TO_LIVE,
];

/// Sessions living longer than this (90 days) are reported. Persistent "remember me" logins
/// are commonly 14 to 30 days, and 90 days is about the longest that session guidance
/// (OWASP Session Management) and common frameworks use; beyond it the store holds every
/// visitor of the last quarter, bots included.
const LONG_SESSION_SECS: f64 = 90.0 * 86_400.0;

pub const DJANGO_REDIS_TIMEOUT: Retention = Retention {
    setting: "CACHES[...][\"TIMEOUT\"]",
    rule: "django-redis-cache-timeout-none",
    library: "django-redis 4 .. 7.0",
    unit: Unit::Seconds,
    forever: &[Forever::Null],
    long_above: None,
    how: "django-redis writes every key with SET and no PX",
    keeps: "these cache keys",
    default: "300 s",
    fix: "set TIMEOUT to a number of seconds (or leave it out for the 300 s default); without a TTL they pile up until Redis reaches maxmemory",
    source: "jazzband/django-redis django_redis/client/default.py `set` (timeout None: no px)",
};

pub const DJANGO_BUILTIN_TIMEOUT: Retention = Retention {
    setting: "CACHES[...][\"TIMEOUT\"]",
    library: "Django 4.0 .. 5.2",
    how: "Django's RedisCache writes every key with SET and no EX",
    source: "django/django django/core/cache/backends/redis.py `RedisCacheClient.set`, base.py `get_backend_timeout`",
    ..DJANGO_REDIS_TIMEOUT
};

/// Cache session engines pass `get_expiry_age()` (`SESSION_COOKIE_AGE`) as each session's timeout.
pub const DJANGO_SESSION_COOKIE_AGE: Retention = Retention {
    rule: "django-session-cookie-age-long",
    library: "Django 1.5 .. 5.2",
    setting: "SESSION_COOKIE_AGE (with SESSION_ENGINE cache or cached_db on a Redis cache)",
    unit: Unit::Seconds,
    forever: &[],
    long_above: Some(LONG_SESSION_SECS),
    how: "",
    keeps: "sessions (the cache session engine sets each one's TTL to SESSION_COOKIE_AGE)",
    default: "2 weeks",
    fix: "a session needs to outlive its last use by days, not months: lower SESSION_COOKIE_AGE",
    source: "django/django django/contrib/sessions/backends/cache.py `save` (`get_expiry_age()`), conf/global_settings.py @ 5.2.19",
};

/// Flask-Session writes every session with `EX` = `PERMANENT_SESSION_LIFETIME`.
pub const FLASK_SESSION_LIFETIME: Retention = Retention {
    rule: "flask-session-lifetime-long",
    library: "Flask-Session 0.4 .. 0.8",
    setting: "PERMANENT_SESSION_LIFETIME (with SESSION_TYPE = \"redis\")",
    unit: Unit::Seconds,
    forever: &[],
    long_above: Some(LONG_SESSION_SECS),
    how: "",
    keeps: "sessions (Flask-Session sets each one's TTL to PERMANENT_SESSION_LIFETIME, even when SESSION_PERMANENT is False)",
    default: "31 days",
    fix: "a session needs to outlive its last use by days, not months: lower PERMANENT_SESSION_LIFETIME",
    source: "pallets-eco/flask-session src/flask_session/redis/redis.py `_upsert_session` @ 0.8.0, flask_session/sessions.py @ 0.4.1; pallets/flask src/flask/app.py `default_config`",
};

/// cachelib turns a timeout of 0 into -1 and then writes a plain SET.
pub const FLASK_CACHING_DEFAULT_TIMEOUT: Retention = Retention {
    rule: "flask-caching-timeout-zero",
    library: "Flask-Caching 1.10 .. 2.4 on cachelib",
    setting: "CACHE_DEFAULT_TIMEOUT (with a Redis CACHE_TYPE)",
    unit: Unit::Seconds,
    forever: &[Forever::Zero],
    long_above: None,
    how: "0 means \"never expire\" to cachelib's RedisCache (unlike Django, where it expires at once), which then writes a plain SET",
    keeps: "every cached value",
    default: "300 s",
    fix: "set a number of seconds (or remove it for the 300 s default)",
    source: "pallets-eco/cachelib src/cachelib/redis.py `_normalize_timeout`, `set`; pallets-eco/flask-caching src/flask_caching/__init__.py",
};

pub const CELERY_RESULT_EXPIRES: Retention = Retention {
    setting: "result_expires / CELERY_RESULT_EXPIRES / CELERY_TASK_RESULT_EXPIRES",
    rule: "celery-result-expires-disabled",
    library: "Celery 5.x, checked on 5.7",
    unit: Unit::Seconds,
    forever: &[Forever::Null, Forever::Zero],
    long_above: None,
    how: "with the Redis result backend Celery stores task results with plain SET instead of SETEX",
    keeps: "celery-task-meta-* keys",
    default: "1 day",
    fix: "set it to a number of seconds (e.g. 3600) or remove it for the 1-day default",
    source: "celery/celery celery/backends/redis.py `RedisBackend._set` (`if expires:`), celery/app/defaults.py",
};

/// `None` falls back to `result_expires`; only `0` means plain SET.
pub const CELERY_RESULT_FAILURE_EXPIRES: Retention = Retention {
    library: "Celery 5.7+ (earlier versions ignore the setting)",
    setting: "result_failure_expires / CELERY_RESULT_FAILURE_EXPIRES",
    forever: &[Forever::Zero],
    how: "with the Redis result backend Celery stores failed task results with plain SET instead of SETEX",
    keeps: "the failed tasks' celery-task-meta-* keys",
    default: "`result_expires`",
    fix: "set it to a number of seconds, or remove it to use `result_expires`",
    ..CELERY_RESULT_EXPIRES
};

pub const RQ_RESULT_TTL: Retention = Retention {
    setting: "result_ttl / default_result_ttl",
    rule: "rq-result-ttl-negative",
    library: "RQ 1.0 .. 3.0",
    unit: Unit::Seconds,
    forever: &[Forever::Negative],
    long_above: None,
    how: "a negative result TTL makes RQ persist the finished job instead of expiring it",
    keeps: "the job hashes rq:job:<id> and their results",
    default: "500 s",
    fix: "use a positive number of seconds (or 0 to drop results nobody reads)",
    source: "rq/rq rq/job.py `Job.cleanup`, rq/results.py `Result.save`, rq/defaults.py",
};

pub const RQ_FAILURE_TTL: Retention = Retention {
    setting: "failure_ttl",
    rule: "rq-failure-ttl-negative",
    how: "a negative failure TTL makes RQ score failed jobs +inf in rq:failed:<queue> and persist them",
    keeps: "failed jobs and their tracebacks",
    default: "1 year",
    fix: "use a positive number of seconds (e.g. 7 days)",
    source: "rq/rq rq/registry.py `FailedJobRegistry.add`, rq/defaults.py `DEFAULT_FAILURE_TTL`",
    ..RQ_RESULT_TTL
};

/// Failed jobs kept beyond RQ's own (already long) default of a year.
pub const RQ_FAILURE_TTL_LONG: Retention = Retention {
    rule: "rq-failure-ttl-long",
    forever: &[],
    long_above: Some(365.0 * 86_400.0),
    how: "",
    keeps: "failed jobs and their tracebacks (in rq:failed:<queue> and rq:job:<id>)",
    fix: "keep failed jobs for as long as someone will look at them (e.g. 7 to 30 days)",
    ..RQ_FAILURE_TTL
};

pub const CONNECT_REDIS_DISABLE_TTL: Retention = Retention {
    setting: "new RedisStore({ disableTTL })",
    rule: "connect-redis-ttl-disabled",
    library: "connect-redis 3.x, 5.1 .. 9",
    unit: Unit::Seconds,
    forever: &[Forever::True],
    long_above: None,
    how: "connect-redis writes sessions with a plain SET",
    keeps: "all sessions, bots included,",
    default: "the cookie expiry, else 1 day",
    fix: "remove `disableTTL` and let the cookie's `maxAge` or `ttl` bound sessions",
    source: "tj/connect-redis index.ts `set` (v7 .. v9), lib/connect-redis.js (v3, v5)",
};

pub const CONNECT_REDIS_TTL: Retention = Retention {
    setting: "new RedisStore({ ttl })",
    rule: "connect-redis-ttl-long",
    library: "connect-redis 3 .. 9",
    forever: &[],
    long_above: Some(LONG_SESSION_SECS),
    how: "",
    keeps: "sessions",
    fix: "a session needs to outlive its last use by days, not months: lower `ttl` (or set the cookie's `maxAge`)",
    source: "tj/connect-redis index.ts `getTTL` (v7 .. v9), lib/connect-redis.js `_getTTL` (v4 .. v6)",
    ..CONNECT_REDIS_DISABLE_TTL
};

/// connect-redis sets each session's TTL from the cookie expiry (express-session `cookie.maxAge`).
pub const EXPRESS_SESSION_COOKIE_MAX_AGE: Retention = Retention {
    setting: "session({ cookie: { maxAge } })",
    unit: Unit::Millis,
    long_above: Some(LONG_SESSION_SECS * 1000.0),
    keeps: "sessions (connect-redis sets each session's TTL from the cookie expiry)",
    fix: "lower the cookie's `maxAge`; a session needs to outlive its last use by days, not months",
    ..CONNECT_REDIS_TTL
};

pub const KOA_REDIS_SESSION_TTL: Retention = Retention {
    rule: "koa-redis-session-without-ttl",
    library: "koa-generic-session 2.x with koa-redis 3.x .. 4.0",
    setting: "session({ store: redisStore(), ttl, cookie: { maxAge } })",
    unit: Unit::Millis,
    forever: &[Forever::Null, Forever::Zero],
    long_above: None,
    how: "koa-generic-session passes no TTL and koa-redis then writes each session with a plain SET",
    keeps: "all sessions, bots included,",
    default: "the cookie's maxAge, one day",
    fix: "set `ttl` (in ms) on the session middleware, or give the cookie a numeric `maxAge`",
    source: "koajs/generic-session src/store.js `set` @ 2.3.1; koajs/koa-redis src/index.js `RedisStore.prototype.set` @ 4.0.1",
};

pub const BULLMQ_REMOVE_ON_COMPLETE: Retention = Retention {
    setting: "removeOnComplete (defaultJobOptions, add(), Worker)",
    rule: "bullmq-job-removal-unset",
    library: "BullMQ 1.x .. 5.x, Bull 3.x .. 4.x",
    unit: Unit::Jobs,
    forever: &[Forever::Absent, Forever::False],
    long_above: None,
    how: "BullMQ moves each finished job to a sorted set and keeps its hash",
    keeps: "completed jobs",
    default: "kept forever",
    fix: "set `removeOnComplete` (e.g. `{ age: 86400, count: 1000 }`) in defaultJobOptions",
    source: "taskforcesh/bullmq src/classes/job.ts `moveToFinished`, redis-queue-backend.js `getKeepJobs`",
};

pub const BULLMQ_REMOVE_ON_FAIL: Retention = Retention {
    setting: "removeOnFail (defaultJobOptions, add(), Worker)",
    keeps: "failed jobs",
    fix: "set `removeOnFail` (e.g. `{ age: 604800 }`) in defaultJobOptions",
    ..BULLMQ_REMOVE_ON_COMPLETE
};

pub const SIDEKIQ_DEAD_MAX_JOBS: Retention = Retention {
    setting: "dead_max_jobs",
    rule: "sidekiq-dead-limit-raised",
    library: "Sidekiq 6.x .. 8.x",
    unit: Unit::Jobs,
    forever: &[Forever::Infinite],
    long_above: Some(100_000.0),
    how: "Float::INFINITY turns this dead-set limit off",
    keeps: "dead jobs with their payloads and errors",
    default: "10000 jobs",
    fix: "keep the default, or a limit sized to what someone will really look at",
    source: "sidekiq/sidekiq lib/sidekiq/config.rb `DEFAULTS` (7.0 .. 8.1.7), lib/sidekiq.rb (6.x), lib/sidekiq/api.rb `DeadSet#kill`",
};

pub const SIDEKIQ_DEAD_TIMEOUT: Retention = Retention {
    setting: "dead_timeout_in_seconds",
    unit: Unit::Seconds,
    long_above: Some(365.0 * 86_400.0),
    default: "180.0 days",
    ..SIDEKIQ_DEAD_MAX_JOBS
};

pub const SIDEKIQ_RETRY: Retention = Retention {
    setting: "sidekiq_options retry: / max_retries",
    rule: "sidekiq-retry-count-high",
    library: "Sidekiq 6.x .. 8.x",
    unit: Unit::SidekiqRetries,
    forever: &[],
    long_above: Some(25.0),
    how: "",
    keeps: "failing jobs (in the `retry` set)",
    default: "25 retries, about 20.4 days",
    fix: "keep retries near the default and handle permanent failures in the job",
    source: "sidekiq/sidekiq lib/sidekiq/job_retry.rb `delay_for`, `DEFAULT_MAX_RETRY_ATTEMPTS`",
};

pub const RAILS_CACHE_EXPIRES_IN: Retention = Retention {
    setting: "config.cache_store = :redis_cache_store, expires_in:",
    rule: "rails-cache-store-without-expiry",
    library: "Rails 5.2 .. 8.1",
    unit: Unit::Seconds,
    forever: &[Forever::Absent],
    long_above: None,
    how: "Rails writes cache entries with no TTL",
    keeps: "these cache entries",
    default: "no expiry",
    fix: "set `expires_in:` on the store, or give this Redis to the cache alone with an allkeys-* eviction policy",
    source: "rails/rails activesupport/lib/active_support/cache/redis_cache_store.rb `write_serialized_entry`",
};

pub const RAILS_CACHE_SESSION_EXPIRE_AFTER: Retention = Retention {
    setting: "config.session_store :cache_store, expire_after:",
    rule: "rails-session-store-without-expiry",
    how: "the session store uses the cache's `expires_in`, which is unset here",
    keeps: "sessions",
    fix: "set `expire_after:` on the session store",
    source: "rails/rails actionpack/lib/action_dispatch/middleware/session/cache_store.rb `write_session`",
    ..RAILS_CACHE_EXPIRES_IN
};

/// redis-session-store and redis-actionpack: the option names differ per gem, the words do not.
pub const RAILS_REDIS_SESSION_EXPIRY: Retention = Retention {
    setting: ":redis_session_store expire_after / ttl; :redis_store expire_after / expires_in",
    library: "redis-session-store 0.11, redis-actionpack 5.x .. 6.x",
    how: "the store writes sessions with a plain SET",
    keeps: "all sessions, bots included,",
    fix: "set the expiry option on the session store (e.g. `expire_after: 2.weeks`)",
    source: "roidrage/redis-session-store v0.11.6 lib/redis-session-store.rb `get_expiry`; redis-store/redis-store lib/redis/store/ttl.rb",
    ..RAILS_CACHE_SESSION_EXPIRE_AFTER
};

pub const SPRING_CACHE_TIME_TO_LIVE: Retention = Retention {
    setting: "spring.cache.redis.time-to-live",
    rule: "spring-cache-redis-without-ttl",
    library: "Spring Boot 2.x .. 4.x",
    unit: Unit::Seconds,
    forever: &[Forever::Absent, Forever::Zero, Forever::Negative],
    long_above: None,
    how: "Spring Data Redis writes cache entries with a TTL only when it is positive, otherwise with plain SET",
    keeps: "cache entries",
    default: "no expiry",
    fix: "set spring.cache.redis.time-to-live to a positive duration (e.g. 10m)",
    source: "spring-projects/spring-data-redis DefaultRedisCacheWriter `shouldExpireWithin`; spring-boot RedisCacheConfiguration",
};

/// The table as a Markdown page (docs/retention-settings.md).
pub fn markdown() -> String {
    let mut md = String::from(
        "# Retention settings\n\n\
         Generated from `crates/lint-engine/src/app/retention.rs`: every rule of the shape \"a retention \
         setting must be present and bounded\" is a row of this one table. A value in *kept forever* \
         is reported; so is a number above *too long*. Settings read from a variable or the \
         environment are never judged.\n\n\
         | Rule | Library | Setting | Kept forever | Too long | Default | Source |\n\
         |---|---|---|---|---|---|---|\n",
    );
    for row in TABLE {
        let forever: Vec<String> = row.forever.iter().map(|f| format!("{f:?}").to_lowercase()).collect();
        let long = row.long_above.map_or_else(|| "-".to_string(), |n| format!("> {}", row.unit.describe(n)));
        md.push_str(&format!(
            "| [{rule}](rules/{rule}.md) | {} | `{}` | {} | {long} | {} | {} |\n",
            row.library,
            row.setting,
            if forever.is_empty() { "-".to_string() } else { forever.join(", ") },
            row.default,
            row.source.replace('|', "\\|"),
            rule = row.rule,
        ));
    }
    md
}

/// Sum over count = 0 .. n-1 of count**4 + 15, in seconds (Sidekiq's backoff without jitter).
pub fn sidekiq_backoff_secs(n: f64) -> f64 {
    let m = n - 1.0;
    let fourth_powers = m * (m + 1.0) * (2.0 * m + 1.0) * (3.0 * m * m + 3.0 * m - 1.0) / 30.0;
    fourth_powers + 15.0 * n
}

/// A duration in the largest unit that reads well.
pub fn human_secs(secs: f64) -> String {
    let days = secs / 86_400.0;
    if days >= 730.0 {
        format!("{:.1} years", days / 365.25)
    } else if days >= 2.0 {
        format!("{days:.1} days")
    } else if secs >= 3_600.0 {
        format!("{:.1} hours", secs / 3_600.0)
    } else {
        format!("{secs:.0} s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_names_a_catalog_rule_and_a_source() {
        let catalog = findings::catalog();
        for row in TABLE {
            assert!(catalog.get(row.rule).is_some(), "{} is not in lint-rules/", row.rule);
            assert!(!row.source.is_empty() && !row.library.is_empty(), "{}", row.rule);
            assert!(
                !row.forever.is_empty() || row.long_above.is_some(),
                "{}: a row must say which values it reports",
                row.rule
            );
        }
    }

    #[test]
    fn forever_values() {
        let m = RQ_RESULT_TTL.judge("result_ttl=-1", Value::Number(-1.0));
        assert!(m.as_deref().is_some_and(|m| m.starts_with("result_ttl=-1: ") && m.contains("never expire")));
        assert_eq!(RQ_RESULT_TTL.judge("result_ttl=0", Value::Number(0.0)), None);
        assert!(CELERY_RESULT_EXPIRES.judge("result_expires = None", Value::Null).is_some());
        assert!(CELERY_RESULT_EXPIRES.judge("result_expires = 0", Value::Number(0.0)).is_some());
        // None falls back to result_expires.
        assert_eq!(CELERY_RESULT_FAILURE_EXPIRES.judge("x", Value::Null), None);
        assert!(SPRING_CACHE_TIME_TO_LIVE.judge("x", Value::Absent).is_some());
        assert!(CONNECT_REDIS_DISABLE_TTL.judge("x", Value::Bool(true)).is_some());
        assert_eq!(CONNECT_REDIS_DISABLE_TTL.judge("x", Value::Bool(false)), None);
        assert!(SIDEKIQ_DEAD_MAX_JOBS.judge("x", Value::Number(f64::INFINITY)).is_some());
        assert_eq!(DJANGO_REDIS_TIMEOUT.judge("x", Value::Number(0.0)), None);
    }

    #[test]
    fn long_values() {
        let m =
            SIDEKIQ_DEAD_TIMEOUT.judge("`dead_timeout_in_seconds` = 94608000", Value::Number(94_608_000.0));
        assert!(m.as_deref().is_some_and(|m| m.contains("3.0 years") && m.contains("180.0 days")), "{m:?}");
        assert_eq!(SIDEKIQ_DEAD_TIMEOUT.judge("x", Value::Number(365.0 * 86_400.0)), None);
        let m = SIDEKIQ_RETRY.judge("`retry` = 30", Value::Number(30.0));
        assert!(m.as_deref().is_some_and(|m| m.contains("51.7 days") && m.contains("20.4 days")), "{m:?}");
        assert_eq!(SIDEKIQ_RETRY.judge("x", Value::Number(25.0)), None);
        let m = EXPRESS_SESSION_COOKIE_MAX_AGE.judge("x", Value::Number(365.0 * 86_400_000.0));
        assert!(m.as_deref().is_some_and(|m| m.contains("365.0 days")), "{m:?}");
        // Milliseconds: 30 days of maxAge is within the bound.
        assert_eq!(EXPRESS_SESSION_COOKIE_MAX_AGE.judge("x", Value::Number(30.0 * 86_400_000.0)), None);
        assert_eq!(CONNECT_REDIS_TTL.judge("x", Value::Number(30.0 * 86_400.0)), None);
    }

    #[test]
    fn human_durations() {
        assert_eq!(human_secs(1_763_395.0), "20.4 days");
        assert_eq!(human_secs(3.0 * 365.25 * 86_400.0), "3.0 years");
        assert_eq!(human_secs(7_200.0), "2.0 hours");
        assert_eq!(human_secs(500.0), "500 s");
    }

    #[test]
    fn backoff_matches_sidekiq() {
        // 1_763_020 s of count**4 plus 25 * 15 s (job_retry.rb: "about 3 weeks").
        assert_eq!(sidekiq_backoff_secs(25.0), 1_763_395.0);
        assert_eq!(sidekiq_backoff_secs(1.0), 15.0);
        assert_eq!(sidekiq_backoff_secs(30.0), 4_464_449.0);
    }
}
