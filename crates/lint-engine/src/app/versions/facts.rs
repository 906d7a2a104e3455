//! Version facts: for an app rule, what a known library version changes. One row per fact,
//! each checked against the library's own tags (see the row comments).

use findings::{Finding, Location, Related, Severity};

use super::{Ecosystem, Index, req::Req, req::Version};

/// What a version says about one finding.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Verdict {
    /// Not a problem with this version: dropped, with a note saying why.
    Drop(&'static str),
    /// Still reported, at this severity, with the reason added.
    Severity(Severity, &'static str),
    /// Still reported as is; the version is named in the message.
    Confirm(&'static str),
    /// The range allows versions on both sides of a boundary.
    Unsettled,
}

struct Fact {
    rule: &'static str,
    /// Which findings of the rule the fact is about.
    applies: fn(&Finding) -> bool,
    ecosystem: Ecosystem,
    package: &'static str,
    judge: fn(&Req) -> Verdict,
    /// Added when no version is known or the range does not settle it: the reading used.
    unknown: &'static str,
}

fn v(parts: &[u64]) -> Version {
    Version::new(parts)
}

const FACTS: &[Fact] = &[
    // sidekiq/sidekiq: `Sidekiq.options` exists up to v6.4.2 with no alternative (no `[]`,
    // `merge!`); v6.5.0 .. v6.5.12 keep it but log "`config.options[:key] = value` is
    // deprecated" and add `[]`/`merge!` (lib/sidekiq.rb); v7.0.0 has no `options` method in
    // lib/sidekiq.rb or lib/sidekiq/config.rb: NoMethodError.
    Fact {
        rule: "sidekiq-options-api-removed",
        applies: |_| true,
        ecosystem: Ecosystem::RubyGems,
        package: "sidekiq",
        judge: |r| {
            if r.is_at_least(&v(&[7])) {
                Verdict::Severity(
                    Severity::Error,
                    "this Sidekiq has no `options`: the call raises NoMethodError",
                )
            } else if r.is_within(&v(&[6, 5]), &v(&[7])) {
                Verdict::Confirm(
                    "Sidekiq 6.5 logs a deprecation warning on each call; 7.0 raises NoMethodError",
                )
            } else if r.is_below(&v(&[6, 5])) {
                Verdict::Drop(
                    "before Sidekiq 6.5 `options` is the only API for these settings (`config[:key]` and `merge!` arrived in 6.5)",
                )
            } else {
                Verdict::Unsettled
            }
        },
        unknown: "reported as a warning; before Sidekiq 6.5 `options` is the right API, from 7.0 it raises NoMethodError",
    },
    // tj/connect-redis: `disableTTL` is read in 2.2.0 .. v3.4.2 and v5.1.0 .. v9.0.0
    // (lib/connect-redis.js, index.ts); v4.0.0 .. v5.0.0 have no such option and always
    // `SET ... EX` (lib/connect-redis.js `set`), and before 2.2.0 `set` always used SETEX.
    Fact {
        rule: "connect-redis-ttl-disabled",
        applies: |_| true,
        ecosystem: Ecosystem::Npm,
        package: "connect-redis",
        judge: |r| {
            if r.is_within(&v(&[4]), &v(&[5, 1])) || r.is_below(&v(&[2, 2])) {
                Verdict::Drop(
                    "this connect-redis has no `disableTTL` option and ignores it (absent before 2.2.0 and in v4.0.0 to v5.0.x); sessions are written with a TTL",
                )
            } else if r.is_within(&v(&[2, 2]), &v(&[4])) || r.is_at_least(&v(&[5, 1])) {
                Verdict::Confirm("this connect-redis honours `disableTTL`")
            } else {
                Verdict::Unsettled
            }
        },
        unknown: "read as honoured, as in v3.x and v5.1.0+; v4.0.0 to v5.0.x ignore `disableTTL`",
    },
    // celery/celery: no `result_failure_expires` in celery/app/defaults.py up to v5.6.3 (the
    // newest tag read); an unknown setting is ignored, so `0` there changes nothing.
    Fact {
        rule: "celery-result-expires-disabled",
        applies: |f| {
            f.message.starts_with("result_failure_expires")
                || f.message.starts_with("CELERY_RESULT_FAILURE_EXPIRES")
        },
        ecosystem: Ecosystem::PyPi,
        package: "celery",
        judge: |r| {
            if r.is_below(&v(&[5, 7])) {
                Verdict::Drop("Celery before 5.7 has no `result_failure_expires` setting and ignores it")
            } else if r.is_at_least(&v(&[5, 7])) {
                Verdict::Confirm("this Celery reads `result_failure_expires`")
            } else {
                Verdict::Unsettled
            }
        },
        unknown: "read as Celery 5.7 or later; earlier versions have no `result_failure_expires` and ignore it",
    },
    // spring-projects/spring-boot: `spring.cache.redis.time-to-live` is in CacheProperties.java
    // from v2.0.0.RELEASE; Boot 1.x configures the Redis cache through Spring Data Redis 1.x's
    // RedisCacheManager, whose `defaultExpiration` is 0 (never) and is set only in code
    // (`setDefaultExpiration`, spring-data-redis RedisCacheManager.java @ 1.8.23.RELEASE).
    Fact {
        rule: "spring-cache-redis-without-ttl",
        applies: |_| true,
        ecosystem: Ecosystem::Maven,
        package: "spring-boot",
        judge: |r| {
            if r.is_below(&v(&[2])) {
                Verdict::Confirm(
                    "Spring Boot 1.x has no spring.cache.redis.time-to-live and ignores it; entries still never expire: set `RedisCacheManager.setDefaultExpiration(seconds)` in a CacheManager bean",
                )
            } else if r.is_at_least(&v(&[2])) {
                Verdict::Confirm("this Spring Boot reads spring.cache.redis.time-to-live")
            } else {
                Verdict::Unsettled
            }
        },
        unknown: "read as Spring Boot 2.0 or later, where spring.cache.redis.time-to-live exists; 1.x sets the expiry in code",
    },
];

/// Applies the version facts to `findings` (after every app rule ran, before configuration
/// and suppressions). Returns notes for the findings dropped.
pub fn apply(findings: &mut Vec<Finding>, index: &Index) -> Vec<String> {
    let mut notes = Vec::new();
    findings.retain_mut(|f| {
        let Some(path) = f.location.path().map(str::to_string) else { return true };
        let Some(fact) = FACTS.iter().find(|x| x.rule == f.rule && (x.applies)(f)) else { return true };
        let Some(found) = index.lookup(&path, fact.ecosystem, fact.package) else {
            f.message.push_str(&format!(
                " (no {} version found in {}: {})",
                fact.package,
                fact.ecosystem.files(),
                fact.unknown
            ));
            return true;
        };
        let what = found.describe(fact.package);
        let related = Related {
            location: Location::file(found.path, found.pin.span),
            message: format!("{} {}", fact.package, found.pin.written),
        };
        match (fact.judge)(&found.pin.req) {
            Verdict::Drop(why) => {
                notes.push(format!("{path}: {} not reported: {what}: {why}", f.rule));
                return false;
            }
            Verdict::Severity(severity, why) => {
                f.severity = severity;
                f.message.push_str(&format!(" ({what}: {why})"));
            }
            Verdict::Confirm(why) => f.message.push_str(&format!(" ({what}: {why})")),
            Verdict::Unsettled => {
                f.message.push_str(&format!(" ({what} does not settle it: {})", fact.unknown));
            }
        }
        f.related.push(related);
        true
    });
    notes
}

/// A finding that holds only below some versions of a library: a rule found a setting that an
/// older release ignores (BullMQ before 1.67.0 does not read `{ age, count }`). Reported by
/// [`apply_conditional`] only when the nearest lockfile or manifest puts the library below a
/// clause's version; with no version, or a range across it, nothing is reported.
#[derive(Debug, Clone)]
pub struct Conditional {
    /// The finding; its message is the head, the clauses that hold are appended.
    pub finding: Finding,
    pub ecosystem: Ecosystem,
    pub package: &'static str,
    pub clauses: Vec<Clause>,
}

/// One reason a [`Conditional`] finding holds: below `below`, `text` is true.
#[derive(Debug, Clone)]
pub struct Clause {
    pub below: Version,
    /// `1.67.0`, for messages.
    pub below_text: &'static str,
    pub text: String,
}

/// The conditional findings the versions in `index` confirm, and notes for those a range leaves
/// open.
pub fn apply_conditional(conditional: Vec<Conditional>, index: &Index) -> (Vec<Finding>, Vec<String>) {
    let mut out = Vec::new();
    let mut notes = Vec::new();
    for c in conditional {
        let Some(path) = c.finding.location.path().map(str::to_string) else { continue };
        let Some(found) = index.lookup(&path, c.ecosystem, c.package) else { continue };
        let req = &found.pin.req;
        let what = found.describe(c.package);
        let held: Vec<&str> =
            c.clauses.iter().filter(|cl| req.is_below(&cl.below)).map(|cl| cl.text.as_str()).collect();
        if held.is_empty() {
            let open: Vec<&str> =
                c.clauses.iter().filter(|cl| !req.is_at_least(&cl.below)).map(|cl| cl.below_text).collect();
            if let Some(first) = open.first() {
                notes.push(format!(
                    "{path}: {} not reported: {what} allows versions on both sides of {first}: {}",
                    c.finding.rule,
                    c.clauses.iter().map(|cl| cl.text.as_str()).collect::<Vec<_>>().join("; ")
                ));
            }
            continue;
        }
        let mut f = c.finding;
        f.message.push_str(&held.join("; "));
        f.message.push_str(&format!(" ({what})"));
        f.related.push(Related {
            location: Location::file(found.path, found.pin.span),
            message: format!("{} {}", c.package, found.pin.written),
        });
        out.push(f);
    }
    (out, notes)
}
