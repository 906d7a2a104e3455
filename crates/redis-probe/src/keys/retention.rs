//! Framework retention problems and big keys, as data: the live checks turn each
//! [`RetentionIssue`] into a finding (rule ids name the bad pattern and are listed in
//! [`RULES`]); [`Reclaim`] estimates what each suggested cleanup would free.
//!
//! Thresholds follow the libraries' own defaults (`shared/reference/library-defaults.md`):
//! Sidekiq prunes `dead` to 10,000 jobs / 180 days (§2, `lib/sidekiq/config.rb`), so more
//! than that means the caps were raised; `retry` has no cap at all. Sidekiq's daily
//! `stat:*` keys expire after 5 years since 5.2.0 (§2, §10), so only daily keys *without*
//! TTL are reported (Sidekiq older than 5.2). BullMQ keeps completed and failed jobs forever
//! unless `removeOnComplete`/`removeOnFail` is set (§4.4). Celery's `result_expires` defaults
//! to one day and `None`/`0` means plain `SET` (§5.1). RQ keeps results with `result_ttl=-1`
//! forever, and RQ 3.0 leaves failed jobs' `rq:results:*` streams without TTL (§5.2).
//! Sessions of every framework here are written with a TTL by default, so a session key
//! without TTL comes from an explicit setting (`disableTTL: true`, no `expire_after`...).

use findings::units::format_k8s_bytes;
use serde::Serialize;

use super::{
    fingerprints::{Fingerprints, Framework, FrameworkReport, Part, classify},
    prefix::{OTHER, PrefixStats},
    top::TopKey,
};

/// Every rule id emitted, with its meaning (for the catalog).
pub const RULES: &[(&str, &str)] = &[
    (
        "sidekiq-dead-set-large",
        "Sidekiq's `dead` zset holds more than 10,000 jobs (the default dead_max_jobs) or more than 32 MiB.",
    ),
    (
        "sidekiq-retry-set-large",
        "Sidekiq's `retry` zset holds more than 10,000 jobs or more than 32 MiB; it has no cap and jobs stay up to ~21 days.",
    ),
    (
        "sidekiq-stats-without-ttl",
        "Daily `stat:processed:<date>`/`stat:failed:<date>` keys without TTL: Sidekiq older than 5.2.0, two keys a day forever.",
    ),
    (
        "bullmq-jobs-kept",
        "A BullMQ/Bull `completed` or `failed` zset holds 1,000 jobs or more: removeOnComplete/removeOnFail is not limiting it.",
    ),
    ("celery-results-without-ttl", "`celery-task-meta-*` results without TTL: result_expires is None or 0."),
    (
        "rq-results-kept",
        "`rq:results:*` streams without TTL: result_ttl=-1, or failed jobs' results kept forever (RQ 3.0).",
    ),
    (
        "rq-registry-large",
        "An RQ `rq:finished:<q>` or `rq:failed:<q>` registry holds 10,000 entries or more.",
    ),
    ("resque-failed-jobs-kept", "`resque:failed` holds 10,000 failed jobs or more; Resque never trims it."),
    (
        "sessions-without-ttl",
        "Session keys without TTL (express-session/connect-redis, Django, Rails, Flask-Session, Spring Session).",
    ),
    ("big-key", "A key above 10 MiB (MEMORY USAGE) or a collection with more than 1,000,000 elements."),
    (
        "keys-without-ttl",
        "A key pattern of no known framework holding at least 5% of the scanned memory (or 1 GiB) in 100+ keys without TTL.",
    ),
];

pub const DEAD_MAX_JOBS: u64 = 10_000;
const ZSET_BYTES_LARGE: u64 = 32 << 20;
pub const BULL_KEPT_JOBS: u64 = 1_000;
const REGISTRY_LARGE: u64 = 10_000;
pub const BIG_KEY_BYTES: u64 = 10 << 20;
pub const BIG_KEY_ELEMENTS: u64 = 1_000_000;
const NO_TTL_MIN_KEYS: u64 = 100;
const NO_TTL_SHARE: f64 = 0.05;
const NO_TTL_BYTES: u64 = 1 << 30;
const MAX_NO_TTL_ISSUES: usize = 10;

/// A retention problem found in the keyspace.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RetentionIssue {
    /// Rule id, named for the bad pattern (see [`RULES`]).
    pub rule: &'static str,
    /// Framework name, or `""` for keys of no known framework.
    pub framework: String,
    pub db: u32,
    /// One line, with sizes.
    pub message: String,
    pub keys: u64,
    pub bytes: u64,
    pub example_key: Option<String>,
}

/// Memory a suggested cleanup would free (an estimate where job hashes are involved).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Reclaim {
    /// Cleanup preset: `sidekiq-dead`, `bullmq-completed`, `bullmq-failed`, `celery-results`,
    /// `rq-results`, `sessions`.
    pub cleanup: String,
    pub db: u32,
    pub keys: u64,
    pub bytes: u64,
    pub note: String,
}

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Everything to report from the fingerprints, the big-key candidates and the patterns.
pub fn assess(
    fp: &Fingerprints,
    frameworks: &[FrameworkReport],
    big: &[TopKey],
    prefixes: &[PrefixStats],
    total_bytes: u64,
) -> (Vec<RetentionIssue>, Vec<Reclaim>) {
    let present = |f: Framework| frameworks.iter().any(|r| r.framework == f);
    let mut issues = Vec::new();
    let mut reclaim: Vec<Reclaim> = Vec::new();
    let mut add_reclaim = |cleanup: &str, db: u32, keys: u64, bytes: u64, note: String| {
        if keys == 0 {
            return;
        }
        if let Some(r) = reclaim.iter_mut().find(|r| r.cleanup == cleanup && r.db == db) {
            r.keys += keys;
            r.bytes += bytes;
        } else {
            reclaim.push(Reclaim { cleanup: cleanup.into(), db, keys, bytes, note });
        }
    };

    for s in &fp.structure {
        if !present(s.framework) {
            continue;
        }
        let n = s.elements.unwrap_or(0);
        let size = format_k8s_bytes(s.bytes);
        let fw = s.framework.name().to_string();
        let issue = |rule: &'static str, message: String| RetentionIssue {
            rule,
            framework: fw.clone(),
            db: s.db,
            message,
            keys: 1,
            bytes: s.bytes,
            example_key: Some(s.display.clone()),
        };
        match s.part {
            Part::SidekiqDead => {
                if n > DEAD_MAX_JOBS || s.bytes >= ZSET_BYTES_LARGE {
                    issues.push(issue("sidekiq-dead-set-large", format!(
                        "Sidekiq's `dead` set holds {n} jobs ({size}); Sidekiq keeps at most 10000 dead jobs for 180 days by default \
                         (dead_max_jobs, dead_timeout_in_seconds), so the limits were raised or the set is not being pruned"
                    )));
                }
                add_reclaim(
                    "sidekiq-dead",
                    s.db,
                    1,
                    s.bytes,
                    format!("{} in `dead`", plural(n, "job", "jobs")),
                );
            }
            Part::SidekiqRetry if n > DEAD_MAX_JOBS || s.bytes >= ZSET_BYTES_LARGE => {
                issues.push(issue("sidekiq-retry-set-large", format!(
                    "Sidekiq's `retry` set holds {n} jobs ({size}); it has no cap, and with the default 25 retries a failing job \
                     stays about 21 days: fix the failing jobs or lower retry / max_retries"
                )));
            }
            Part::BullCompleted | Part::BullFailed => {
                let which = if s.part == Part::BullCompleted { "completed" } else { "failed" };
                let queue = s.queue.clone().unwrap_or_default();
                let jobs = fp.bull_queues.get(&(s.db, queue.clone()));
                let avg = jobs.filter(|j| j.job_hashes > 0).map_or(0, |j| j.job_bytes / j.job_hashes);
                let job_bytes = jobs.map_or(0, |j| (avg.saturating_mul(n)).min(j.job_bytes));
                let job_keys = jobs.map_or(0, |j| n.min(j.job_hashes));
                if n >= BULL_KEPT_JOBS {
                    let option = if which == "completed" { "removeOnComplete" } else { "removeOnFail" };
                    let mut i = issue(
                        "bullmq-jobs-kept",
                        format!(
                            "BullMQ queue `{queue}` keeps {n} {which} jobs (about {} with their job hashes): without {option} \
                         BullMQ keeps them forever; set {option} to {{ age, count }}",
                            format_k8s_bytes(s.bytes + job_bytes)
                        ),
                    );
                    i.keys = 1 + job_keys;
                    i.bytes = s.bytes + job_bytes;
                    issues.push(i);
                }
                add_reclaim(
                    &format!("bullmq-{which}"),
                    s.db,
                    1 + job_keys,
                    s.bytes + job_bytes,
                    format!(
                        "{which} sets and their job hashes (job hash bytes estimated from the queue's average)"
                    ),
                );
            }
            Part::RqFinished | Part::RqFailed if n >= REGISTRY_LARGE => {
                issues.push(issue("rq-registry-large", format!(
                    "RQ registry `{}` holds {n} job ids ({size}); RQ prunes registries only during worker maintenance",
                    s.display
                )));
            }
            Part::ResqueFailed if n >= REGISTRY_LARGE => {
                issues.push(issue("resque-failed-jobs-kept", format!(
                    "`resque:failed` holds {n} failed jobs ({size}); Resque's default failure backend never trims it"
                )));
            }
            _ => {}
        }
    }

    for f in frameworks {
        let Some(acc) = fp.frameworks.get(&f.framework) else { continue };
        for ((part, db), (t, example)) in &acc.parts {
            if t.keys_without_ttl == 0 {
                continue;
            }
            let n = t.keys_without_ttl;
            let size = format_k8s_bytes(t.bytes_without_ttl);
            let mut push = |rule: &'static str, message: String| {
                issues.push(RetentionIssue {
                    rule,
                    framework: f.name.to_string(),
                    db: *db,
                    message,
                    keys: n,
                    bytes: t.bytes_without_ttl,
                    example_key: example.clone(),
                })
            };
            match part {
                Part::SidekiqStatDaily => push(
                    "sidekiq-stats-without-ttl",
                    format!(
                        "{} daily Sidekiq stat keys have no TTL ({size}): Sidekiq before 5.2.0 never expired them (5.2.0+ sets a \
                     5-year TTL); upgrade Sidekiq, or expire the old `stat:*:<date>` keys",
                        n
                    ),
                ),
                Part::CeleryResult => {
                    push(
                        "celery-results-without-ttl",
                        format!(
                            "{n} Celery results `celery-task-meta-*` have no TTL ({size}): result_expires is None or 0; the default is one day"
                        ),
                    );
                    add_reclaim("celery-results", *db, n, t.bytes_without_ttl, "results without TTL".into());
                }
                Part::RqResult => {
                    push(
                        "rq-results-kept",
                        format!(
                            "{n} RQ result streams `rq:results:*` have no TTL ({size}): jobs enqueued with result_ttl=-1, or failed \
                         jobs' results, which RQ 3.0 keeps forever"
                        ),
                    );
                    add_reclaim(
                        "rq-results",
                        *db,
                        n,
                        t.bytes_without_ttl,
                        "result streams without TTL".into(),
                    );
                }
                Part::Session => {
                    push(
                        "sessions-without-ttl",
                        format!(
                            "{n} {} session keys have no TTL ({size}): they are kept forever (e.g. connect-redis disableTTL, no \
                         expire_after); sessions should expire",
                            f.name
                        ),
                    );
                    add_reclaim("sessions", *db, n, t.bytes_without_ttl, "session keys without TTL".into());
                }
                _ => {}
            }
        }
    }

    for k in big {
        // For strings the count is STRLEN, bytes rather than elements.
        let is_string = k.type_name == "string";
        let too_many = !is_string && k.elements.is_some_and(|e| e > BIG_KEY_ELEMENTS);
        if k.bytes <= BIG_KEY_BYTES && !too_many {
            continue;
        }
        let elements = match k.elements {
            Some(e) if is_string => format!(", {e} bytes long"),
            Some(e) => format!(", {e} elements"),
            None => String::new(),
        };
        issues.push(RetentionIssue {
            rule: "big-key",
            framework: String::new(),
            db: k.db,
            message: format!(
                "{} `{}` uses {}{elements}: reading or deleting it blocks Redis (use UNLINK, and split it)",
                k.type_name,
                k.key,
                format_k8s_bytes(k.bytes)
            ),
            keys: 1,
            bytes: k.bytes,
            example_key: Some(k.key.clone()),
        });
    }

    let mut no_ttl = 0;
    for p in prefixes {
        if no_ttl >= MAX_NO_TTL_ISSUES {
            break;
        }
        let big_share = total_bytes > 0 && p.bytes_without_ttl as f64 >= NO_TTL_SHARE * total_bytes as f64;
        if p.pattern == OTHER
            || p.keys_without_ttl < NO_TTL_MIN_KEYS
            || !(big_share || p.bytes_without_ttl >= NO_TTL_BYTES)
        {
            continue;
        }
        let kt = p.types.first().map_or(super::KeyType::Other, |t| super::KeyType::parse(t));
        if classify(&p.example_key, kt).is_some() {
            continue;
        }
        no_ttl += 1;
        let share =
            if total_bytes > 0 { p.bytes_without_ttl as f64 * 100.0 / total_bytes as f64 } else { 0.0 };
        issues.push(RetentionIssue {
            rule: "keys-without-ttl",
            framework: String::new(),
            db: p.db,
            message: format!(
                "{} keys `{}` have no TTL and hold {} ({share:.0}% of the memory scanned): nothing removes them unless the \
                 application deletes them",
                p.keys_without_ttl,
                p.pattern,
                format_k8s_bytes(p.bytes_without_ttl)
            ),
            keys: p.keys_without_ttl,
            bytes: p.bytes_without_ttl,
            example_key: Some(p.example_key.clone()),
        });
    }
    issues.sort_by(|a, b| a.rule.cmp(b.rule).then(a.db.cmp(&b.db)).then(b.bytes.cmp(&a.bytes)));
    reclaim
        .sort_by(|a, b| b.bytes.cmp(&a.bytes).then_with(|| a.cleanup.cmp(&b.cleanup)).then(a.db.cmp(&b.db)));
    (issues, reclaim)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{
        KeyType,
        fingerprints::{Seen, framework_reports},
        ttl::Ttl,
    };

    fn observe(fp: &mut Fingerprints, key: &str, t: KeyType, ttl: Ttl, bytes: i64) {
        fp.observe(Seen { db: 0, raw: key.as_bytes(), display: key, ktype: t, ttl, keys: 1, bytes });
    }

    #[test]
    fn sidekiq_dead_set_and_stats() {
        let mut fp = Fingerprints::default();
        observe(&mut fp, "dead", KeyType::Zset, Ttl::Persistent, 40 << 20);
        observe(&mut fp, "queues", KeyType::Set, Ttl::Persistent, 100);
        observe(&mut fp, "stat:processed:2017-01-01", KeyType::String, Ttl::Persistent, 56);
        observe(&mut fp, "stat:processed:2026-11-22", KeyType::String, Ttl::Expires(157_000_000_000), 56);
        for s in &mut fp.structure {
            s.elements = Some(12_000);
        }
        fp.settle();
        let fw = framework_reports(&fp);
        let (issues, reclaim) = assess(&fp, &fw, &[], &[], 1 << 30);
        let rules: Vec<&str> = issues.iter().map(|i| i.rule).collect();
        assert_eq!(rules, ["sidekiq-dead-set-large", "sidekiq-stats-without-ttl"]);
        assert_eq!(issues[1].keys, 1);
        assert_eq!(issues[1].example_key.as_deref(), Some("stat:processed:2017-01-01"));
        assert!(issues[0].message.contains("12000 jobs"), "{}", issues[0].message);
        assert_eq!(reclaim[0].cleanup, "sidekiq-dead");
        assert!(fw[0].facts[0].contains("2 daily stat keys"), "{:?}", fw[0].facts);
    }

    #[test]
    fn sessions_results_and_big_keys() {
        let mut fp = Fingerprints::default();
        observe(&mut fp, "sess:abc", KeyType::String, Ttl::Persistent, 200);
        observe(&mut fp, "sess:def", KeyType::String, Ttl::Expires(1000), 200);
        observe(&mut fp, "celery-task-meta-1", KeyType::String, Ttl::Persistent, 300);
        fp.settle();
        let fw = framework_reports(&fp);
        let big = TopKey {
            key: "blob".into(),
            db: 0,
            type_name: "string".into(),
            bytes: 11 << 20,
            bytes_exact: true,
            ttl_secs: None,
            elements: Some(11 << 20),
            idle_secs: None,
        };
        let small = TopKey { key: "small".into(), bytes: 1 << 20, elements: Some(10), ..big.clone() };
        let (issues, reclaim) = assess(&fp, &fw, &[big, small], &[], 100 << 20);
        let rules: Vec<&str> = issues.iter().map(|i| i.rule).collect();
        assert_eq!(rules, ["big-key", "celery-results-without-ttl", "sessions-without-ttl"]);
        assert_eq!(issues[2].keys, 1);
        let cleanups: Vec<&str> = reclaim.iter().map(|r| r.cleanup.as_str()).collect();
        assert_eq!(cleanups, ["celery-results", "sessions"]);
    }
}
