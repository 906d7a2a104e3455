//! Which frameworks wrote the keys, from key names and types alone (values are never read),
//! and what the Redis is therefore used for.
//!
//! Key shapes come from the libraries' sources, as summarised in
//! `shared/reference/library-defaults.md` (§ numbers below refer to it):
//! * Sidekiq (§2, `lib/sidekiq/launcher.rb`, `api.rb`): `queues` (set), `queue:<q>` (list),
//!   `schedule`/`retry`/`dead` (zsets), `processes` (set), `stat:processed`/`stat:failed`,
//!   daily `stat:processed:<YYYY-MM-DD>`, and per process `<hostname>:<pid>:<12 hex>` hashes.
//!   The names are generic, so Sidekiq counts as present only with two distinct markers.
//! * BullMQ and Bull (§4.4, `src/classes/queue-keys.ts`): `bull:<queue>:<suffix>` with the
//!   default prefix `bull`; job hashes `bull:<queue>:<id>`, sets `completed`/`failed`.
//! * Celery (§5.1, `celery/backends/base.py`): `celery-task-meta-<id>`,
//!   `celery-taskset-meta-<id>`, `chord-unlock-<id>`; kombu's Redis transport: sets
//!   `_kombu.binding.<queue>`, a list per queue named after it, `unacked*`.
//! * RQ (§5.2, `rq/job.py`, `rq/registry.py`): `rq:job:<id>`, `rq:results:<id>`,
//!   `rq:finished:<q>`, `rq:failed:<q>`...; Resque (§6): namespace `resque:`, `resque:failed`.
//! * Sessions: connect-redis `sess:<sid>` (any `<prefix>sess:`, §4.2), Django's cache session
//!   engine `<prefix>:<version>:django.contrib.sessions.cache<key>` (§3), Rails
//!   `_session_id:<id>` and redis-rack `rack:session:<id>` (§6), Flask-Session `session:<id>`
//!   (§5.3), Spring Session `spring:session:sessions:<id>` (§7).
//! * Caches: Django `:<version>:<key>` (no KEY_PREFIX) or `<prefix>:<version>:<key>` (§3),
//!   Rails fragment caches `views/...` (§6), Flask-Caching `flask_cache_` (§5.4), Laravel
//!   `<app>_database_` / `<app>-database-` Redis prefixes with `queues:<q>` and `*cache*` (§8).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use findings::Role;
use serde::Serialize;

use super::{KeyType, ttl::Ttl};

/// A framework (or library) whose keys were recognised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Framework {
    #[serde(rename = "sidekiq")]
    Sidekiq,
    #[serde(rename = "bullmq")]
    BullMq,
    #[serde(rename = "celery")]
    Celery,
    #[serde(rename = "rq")]
    Rq,
    #[serde(rename = "resque")]
    Resque,
    #[serde(rename = "laravel-queue")]
    LaravelQueue,
    #[serde(rename = "express-session")]
    ExpressSession,
    #[serde(rename = "django-sessions")]
    DjangoSessions,
    #[serde(rename = "rails-sessions")]
    RailsSessions,
    #[serde(rename = "flask-session")]
    FlaskSession,
    #[serde(rename = "spring-session")]
    SpringSession,
    #[serde(rename = "django-cache")]
    DjangoCache,
    #[serde(rename = "rails-cache")]
    RailsCache,
    #[serde(rename = "flask-caching")]
    FlaskCaching,
    #[serde(rename = "laravel-cache")]
    LaravelCache,
}

impl Framework {
    pub fn name(self) -> &'static str {
        match self {
            Framework::Sidekiq => "Sidekiq",
            Framework::BullMq => "BullMQ/Bull",
            Framework::Celery => "Celery",
            Framework::Rq => "RQ",
            Framework::Resque => "Resque",
            Framework::LaravelQueue => "Laravel queue",
            Framework::ExpressSession => "express-session/connect-redis",
            Framework::DjangoSessions => "Django sessions",
            Framework::RailsSessions => "Rails sessions",
            Framework::FlaskSession => "Flask-Session",
            Framework::SpringSession => "Spring Session",
            Framework::DjangoCache => "Django cache",
            Framework::RailsCache => "Rails cache",
            Framework::FlaskCaching => "Flask-Caching",
            Framework::LaravelCache => "Laravel cache",
        }
    }

    pub fn role(self) -> Role {
        use Framework::*;
        match self {
            Sidekiq | BullMq | Celery | Rq | Resque | LaravelQueue => Role::Queue,
            ExpressSession | DjangoSessions | RailsSessions | FlaskSession | SpringSession => Role::Sessions,
            DjangoCache | RailsCache | FlaskCaching | LaravelCache => Role::Cache,
        }
    }

    /// Distinct markers needed before the framework counts as present.
    fn markers_needed(self) -> usize {
        if self == Framework::Sidekiq { 2 } else { 1 }
    }
}

/// Keys that retention rules and cleanups look at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Part {
    Plain,
    SidekiqQueue,
    SidekiqStatDaily,
    SidekiqDead,
    SidekiqRetry,
    SidekiqSchedule,
    BullJob,
    BullCompleted,
    BullFailed,
    CeleryResult,
    KombuQueue,
    RqJob,
    RqResult,
    RqFinished,
    RqFailed,
    ResqueFailed,
    Session,
}

impl Part {
    /// Collections whose element count the report needs (fetched once at the end).
    pub fn is_structure(self) -> bool {
        use Part::*;
        matches!(
            self,
            SidekiqQueue
                | SidekiqDead
                | SidekiqRetry
                | SidekiqSchedule
                | BullCompleted
                | BullFailed
                | KombuQueue
                | RqFinished
                | RqFailed
                | ResqueFailed
        )
    }
}

/// What a key name says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit<'a> {
    pub framework: Framework,
    pub part: Part,
    /// Evidence named in the report, e.g. "`dead` zset".
    pub marker: &'static str,
    /// BullMQ queue name, kombu queue name, or Django KEY_PREFIX (tentative Django keys).
    pub queue: Option<&'a str>,
}

fn hit(framework: Framework, part: Part, marker: &'static str) -> Option<Hit<'static>> {
    Some(Hit { framework, part, marker, queue: None })
}

fn is_hex(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|c| c.is_ascii_hexdigit())
}

fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit())
}

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

/// Recognises one key (given as display text) of type `t`.
pub fn classify(key: &str, t: KeyType) -> Option<Hit<'_>> {
    use Framework::*;
    use KeyType as T;
    // Exact Sidekiq names first: cheap and common on queue Redis.
    match (key, t) {
        ("queues", T::Set) => return hit(Sidekiq, Part::Plain, "`queues` set"),
        ("processes", T::Set) => return hit(Sidekiq, Part::Plain, "`processes` set"),
        ("stat:processed" | "stat:failed", T::String) => {
            return hit(Sidekiq, Part::Plain, "`stat:processed` counters");
        }
        ("dead", T::Zset) => return hit(Sidekiq, Part::SidekiqDead, "`dead` zset"),
        ("retry", T::Zset) => return hit(Sidekiq, Part::SidekiqRetry, "`retry` zset"),
        ("schedule", T::Zset) => return hit(Sidekiq, Part::SidekiqSchedule, "`schedule` zset"),
        ("celery", T::List) => {
            return Some(Hit {
                framework: Celery,
                part: Part::KombuQueue,
                marker: "kombu queue list",
                queue: Some("celery"),
            });
        }
        ("unacked" | "unacked_index" | "unacked_mutex", _) => {
            return hit(Celery, Part::Plain, "kombu `unacked` keys");
        }
        _ => {}
    }
    if let Some(rest) = key.strip_prefix("stat:processed:").or_else(|| key.strip_prefix("stat:failed:"))
        && is_date(rest)
        && t == T::String
    {
        return hit(Sidekiq, Part::SidekiqStatDaily, "daily `stat:*` keys");
    }
    if let Some(q) = key.strip_prefix("queue:")
        && t == T::List
        && !q.contains(':')
    {
        return hit(Sidekiq, Part::SidekiqQueue, "`queue:*` lists");
    }
    if let Some(rest) = key.strip_prefix("bull:") {
        let (queue, suffix) = rest.split_once(':').unwrap_or((rest, ""));
        let (part, marker) = match (suffix, t) {
            ("completed", T::Zset) => (Part::BullCompleted, "`completed` sets"),
            ("failed", T::Zset) => (Part::BullFailed, "`failed` sets"),
            ("meta", T::Hash) => (Part::Plain, "`bull:<queue>:meta` hashes"),
            (s, T::Hash) if is_digits(s) => (Part::BullJob, "job hashes"),
            _ => (Part::Plain, "queue keys"),
        };
        return Some(Hit { framework: BullMq, part, marker, queue: Some(queue) });
    }
    if key.starts_with("celery-task-meta-") {
        return hit(Celery, Part::CeleryResult, "`celery-task-meta-*` results");
    }
    if key.starts_with("celery-taskset-meta-") || key.starts_with("chord-unlock-") {
        return hit(Celery, Part::Plain, "group results");
    }
    if let Some(rest) = key.strip_prefix("_kombu.") {
        let queue = rest.strip_prefix("binding.");
        return Some(Hit { framework: Celery, part: Part::Plain, marker: "`_kombu.binding.*` sets", queue });
    }
    if let Some(rest) = key.strip_prefix("rq:") {
        let (part, marker) = match (rest.split_once(':').map_or(rest, |(a, _)| a), t) {
            ("job", T::Hash) if rest.matches(':').count() == 1 => (Part::RqJob, "`rq:job:*` hashes"),
            ("results", _) => (Part::RqResult, "`rq:results:*` streams"),
            ("finished", T::Zset) => (Part::RqFinished, "registries"),
            ("failed", T::Zset) => (Part::RqFailed, "registries"),
            _ => (Part::Plain, "`rq:*` keys"),
        };
        return hit(Rq, part, marker);
    }
    if let Some(rest) = key.strip_prefix("resque:") {
        let part = if rest == "failed" && t == T::List { Part::ResqueFailed } else { Part::Plain };
        return hit(Resque, part, "`resque:*` keys");
    }
    if key.starts_with("_session_id:") || key.starts_with("rack:session:") {
        return hit(RailsSessions, Part::Session, "`_session_id:*` keys");
    }
    if let Some(rest) = key.strip_prefix("spring:session:") {
        let part = if rest.starts_with("sessions:") && !rest.starts_with("sessions:expires:") {
            Part::Session
        } else {
            Part::Plain
        };
        return hit(SpringSession, part, "`spring:session:*` keys");
    }
    if key.starts_with("session:") && t == T::String {
        return hit(FlaskSession, Part::Session, "`session:<id>` strings");
    }
    if key.starts_with("flask_cache_") {
        return hit(FlaskCaching, Part::Plain, "`flask_cache_*` keys");
    }
    if key.starts_with("views/") {
        return hit(RailsCache, Part::Plain, "`views/*` fragments");
    }
    if key.starts_with("horizon:") {
        return hit(LaravelQueue, Part::Plain, "`horizon:*` keys");
    }
    if let Some(h) = classify_laravel(key) {
        return Some(h);
    }
    // `<prefix>:<version>:<key>` (Django's default KEY_FUNCTION).
    let mut segs = key.splitn(3, ':');
    if let (Some(prefix), Some(version), Some(rest)) = (segs.next(), segs.next(), segs.next())
        && is_digits(version)
    {
        if rest.starts_with("django.contrib.sessions.cache") {
            return hit(DjangoSessions, Part::Session, "`django.contrib.sessions.cache*` keys");
        }
        if prefix.is_empty() {
            return hit(DjangoCache, Part::Plain, "`:<version>:<key>` keys");
        }
        if version.len() <= 2 && !prefix.contains(['/', ' ']) {
            // Tentative: decided by [`Fingerprints`] once it has seen the whole prefix.
            return Some(Hit {
                framework: DjangoCache,
                part: Part::Plain,
                marker: "`<KEY_PREFIX>:<version>:<key>` keys",
                queue: Some(prefix),
            });
        }
    }
    // connect-redis: `sess:<sid>` and any `<prefix>sess:<sid>`.
    if t == T::String
        && let Some((head, sid)) = key.rsplit_once(':')
        && !sid.is_empty()
        && (head == "sess" || head.ends_with(":sess"))
    {
        return hit(ExpressSession, Part::Session, "`sess:<sid>` strings");
    }
    // Sidekiq process identity `<hostname>:<pid>:<12 hex>` (a heartbeat hash) and its `:work`.
    if matches!(t, T::Hash) {
        let base = key.strip_suffix(":work").unwrap_or(key);
        let mut it = base.rsplitn(3, ':');
        if let (Some(nonce), Some(pid), Some(host)) = (it.next(), it.next(), it.next())
            && is_hex(nonce, 12)
            && is_digits(pid)
            && !host.is_empty()
        {
            return hit(Sidekiq, Part::Plain, "process heartbeats");
        }
    }
    None
}

/// Laravel prefixes every Redis key with `REDIS_PREFIX` (`<app>_database_`, `<app>-database-`
/// since 11), queues live in `queues:<name>` and the cache under its own `CACHE_PREFIX`.
fn classify_laravel(key: &str) -> Option<Hit<'static>> {
    // A byte scan: this runs for every key no other rule took, and `str::find` with a
    // string pattern sets up a searcher per call.
    let at = key.as_bytes().windows(10).position(|w| w == b"_database_" || w == b"-database-")? + 10;
    let (app, rest) = key.split_at(at);
    if app.contains(':') {
        return None;
    }
    if rest.starts_with("queues:") {
        return hit(Framework::LaravelQueue, Part::Plain, "`<app>_database_queues:*`");
    }
    if rest.contains("_cache") || rest.contains("-cache-") {
        return hit(Framework::LaravelCache, Part::Plain, "`<app>_database_<app>_cache*` keys");
    }
    None
}

/// Key and byte totals.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct Totals {
    pub keys: u64,
    pub bytes: u64,
    pub keys_without_ttl: u64,
    pub bytes_without_ttl: u64,
}

impl Totals {
    pub fn add(&mut self, keys: u64, bytes: i64, ttl: Ttl) {
        self.keys += keys;
        self.bytes = self.bytes.saturating_add_signed(bytes);
        if ttl.is_persistent() {
            self.keys_without_ttl += keys;
            self.bytes_without_ttl = self.bytes_without_ttl.saturating_add_signed(bytes);
        }
    }

    pub fn merge(&mut self, o: &Totals) {
        self.keys += o.keys;
        self.bytes += o.bytes;
        self.keys_without_ttl += o.keys_without_ttl;
        self.bytes_without_ttl += o.bytes_without_ttl;
    }
}

/// A collection whose size the retention rules need.
#[derive(Debug, Clone)]
pub struct StructureKey {
    pub db: u32,
    pub key: Vec<u8>,
    pub display: String,
    pub ktype: KeyType,
    pub framework: Framework,
    pub part: Part,
    pub queue: Option<String>,
    pub bytes: u64,
    pub ttl: Ttl,
    pub elements: Option<u64>,
}

#[derive(Debug, Default, Clone)]
pub struct FrameworkAcc {
    pub dbs: BTreeSet<u32>,
    pub totals: Totals,
    /// Marker → (keys, example key).
    pub markers: BTreeMap<&'static str, (u64, String)>,
    /// Per part and db: totals and an example key without TTL.
    pub parts: BTreeMap<(Part, u32), (Totals, Option<String>)>,
}

/// BullMQ numbers per queue.
#[derive(Debug, Default, Clone)]
pub struct BullQueue {
    pub job_hashes: u64,
    pub job_bytes: u64,
}

const MAX_STRUCTURE_KEYS: usize = 4096;
const MAX_TENTATIVE: usize = 1024;

/// Everything the scan learnt about frameworks; bounded in size.
#[derive(Debug, Default)]
pub struct Fingerprints {
    pub frameworks: BTreeMap<Framework, FrameworkAcc>,
    pub structure: Vec<StructureKey>,
    pub bull_queues: BTreeMap<(u32, String), BullQueue>,
    /// Kombu queues named by `_kombu.binding.<queue>` sets, and unclaimed lists with no `:`.
    kombu_bound: BTreeSet<(u32, String)>,
    bare_lists: BTreeMap<(u32, String), (Totals, Option<u64>)>,
    /// `<prefix>:<small number>:...` keys per (db, prefix), and how many keys of that prefix
    /// had a bigger number in second place (then it is an id, not a Django version).
    tentative_django: HashMap<(u32, String), (FrameworkAcc, u64)>,
    /// Generic keys (no framework) with a TTL: weak evidence of a cache.
    pub generic: Totals,
    pub generic_with_ttl: u64,
}

/// One key as the fingerprinting sees it.
#[derive(Debug, Clone, Copy)]
pub struct Seen<'a> {
    pub db: u32,
    pub raw: &'a [u8],
    pub display: &'a str,
    pub ktype: KeyType,
    pub ttl: Ttl,
    /// 1 for a new key, 0 for a byte correction of a key already counted.
    pub keys: u64,
    pub bytes: i64,
}

impl Fingerprints {
    pub fn observe(&mut self, s: Seen<'_>) {
        let Some(h) = classify(s.display, s.ktype) else {
            self.observe_generic(s);
            return;
        };
        if h.framework == Framework::DjangoCache
            && let Some(prefix) = h.queue
        {
            let k = (s.db, prefix.to_string());
            if self.tentative_django.len() < MAX_TENTATIVE || self.tentative_django.contains_key(&k) {
                let entry = self.tentative_django.entry(k).or_default();
                Self::account(&mut entry.0, &h, s);
            } else {
                self.observe_generic(s);
            }
            return;
        }
        if (h.part == Part::KombuQueue || h.framework == Framework::Celery)
            && let Some(q) = h.queue
            && self.kombu_bound.len() < MAX_TENTATIVE
        {
            self.kombu_bound.insert((s.db, q.to_string()));
        }
        if h.framework == Framework::BullMq
            && h.part == Part::BullJob
            && let Some(q) = h.queue
        {
            let k = (s.db, q.to_string());
            if self.bull_queues.len() < MAX_TENTATIVE || self.bull_queues.contains_key(&k) {
                let bq = self.bull_queues.entry(k).or_default();
                bq.job_hashes += s.keys;
                bq.job_bytes = bq.job_bytes.saturating_add_signed(s.bytes);
            }
        }
        if h.part.is_structure() {
            self.note_structure(&h, s);
        }
        let acc = self.frameworks.entry(h.framework).or_default();
        Self::account(acc, &h, s);
    }

    fn observe_generic(&mut self, s: Seen<'_>) {
        // A list with a plain name may be a kombu queue (named after the queue); decided at the end.
        if s.ktype == KeyType::List && !s.display.contains(':') {
            let k = (s.db, s.display.to_string());
            if self.bare_lists.len() < MAX_TENTATIVE || self.bare_lists.contains_key(&k) {
                self.bare_lists.entry(k).or_default().0.add(s.keys, s.bytes, s.ttl);
                return;
            }
        }
        self.generic.add(s.keys, s.bytes, s.ttl);
        if !s.ttl.is_persistent() {
            self.generic_with_ttl += s.keys;
        }
    }

    fn account(acc: &mut FrameworkAcc, h: &Hit<'_>, s: Seen<'_>) {
        acc.dbs.insert(s.db);
        acc.totals.add(s.keys, s.bytes, s.ttl);
        let m = acc.markers.entry(h.marker).or_insert_with(|| (0, s.display.to_string()));
        m.0 += s.keys;
        if h.part != Part::Plain {
            let p = acc.parts.entry((h.part, s.db)).or_default();
            p.0.add(s.keys, s.bytes, s.ttl);
            if p.1.is_none() && s.ttl.is_persistent() {
                p.1 = Some(s.display.to_string());
            }
        }
    }

    fn note_structure(&mut self, h: &Hit<'_>, s: Seen<'_>) {
        if let Some(k) = self.structure.iter_mut().find(|k| k.db == s.db && k.key == s.raw) {
            k.bytes = k.bytes.saturating_add_signed(s.bytes);
            return;
        }
        if s.keys == 0 || self.structure.len() >= MAX_STRUCTURE_KEYS {
            return;
        }
        self.structure.push(StructureKey {
            db: s.db,
            key: s.raw.to_vec(),
            display: s.display.to_string(),
            ktype: s.ktype,
            framework: h.framework,
            part: h.part,
            queue: h.queue.map(str::to_string),
            bytes: s.bytes.max(0).unsigned_abs(),
            ttl: s.ttl,
            elements: None,
        });
    }

    /// Settles what could only be decided after the whole scan: Django KEY_PREFIXes and kombu
    /// queue lists. Call once, before [`Fingerprints::present`].
    pub fn settle(&mut self) {
        for ((db, prefix), (acc, _)) in std::mem::take(&mut self.tentative_django) {
            // Django needs several keys under one prefix, all with a small version number.
            // `user:<id>:...` keys with ids 1..99 would otherwise pass, so require 20 keys.
            let is_django = acc.totals.keys >= 20 && !prefix.is_empty();
            if is_django {
                let entry = self.frameworks.entry(Framework::DjangoCache).or_default();
                entry.dbs.insert(db);
                entry.totals.merge(&acc.totals);
                let m =
                    entry.markers.entry("`<KEY_PREFIX>:<version>:<key>` keys").or_insert((0, String::new()));
                m.0 += acc.totals.keys;
                if m.1.is_empty() {
                    m.1 = acc.markers.values().next().map(|v| v.1.clone()).unwrap_or_default();
                }
            } else {
                self.generic.merge(&acc.totals);
                self.generic_with_ttl += acc.totals.keys - acc.totals.keys_without_ttl;
            }
        }
        for ((db, name), (t, _)) in std::mem::take(&mut self.bare_lists) {
            if self.kombu_bound.contains(&(db, name.clone())) {
                let entry = self.frameworks.entry(Framework::Celery).or_default();
                entry.dbs.insert(db);
                entry.totals.merge(&t);
                let m = entry.markers.entry("kombu queue list").or_insert((0, name.clone()));
                m.0 += t.keys;
            } else {
                self.generic.merge(&t);
                self.generic_with_ttl += t.keys - t.keys_without_ttl;
            }
        }
    }

    /// Frameworks with enough evidence, in a fixed order.
    pub fn present(&self) -> impl Iterator<Item = (Framework, &FrameworkAcc)> {
        self.frameworks.iter().filter(|(f, a)| a.markers.len() >= f.markers_needed()).map(|(f, a)| (*f, a))
    }

    /// Keys of frameworks that did not reach their evidence threshold count as generic.
    pub fn unconfirmed(&self) -> Totals {
        let mut t = Totals::default();
        for (f, a) in &self.frameworks {
            if a.markers.len() < f.markers_needed() {
                t.merge(&a.totals);
            }
        }
        t
    }
}

/// A framework in the report.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FrameworkReport {
    pub framework: Framework,
    pub name: &'static str,
    pub role: Role,
    pub dbs: Vec<u32>,
    pub keys: u64,
    pub bytes: u64,
    pub keys_without_ttl: u64,
    pub bytes_without_ttl: u64,
    /// Key shapes seen, with counts and an example key.
    pub evidence: Vec<String>,
    /// Plain facts worth knowing that are not problems (e.g. Sidekiq's daily stats TTL).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub facts: Vec<String>,
}

/// Frameworks present, for the report.
pub fn framework_reports(fp: &Fingerprints) -> Vec<FrameworkReport> {
    fp.present()
        .map(|(f, a)| {
            let evidence = a
                .markers
                .iter()
                .map(|(m, (n, ex))| format!("{m}: {n} key{} (e.g. `{ex}`)", if *n == 1 { "" } else { "s" }))
                .collect();
            let mut facts = Vec::new();
            if f == Framework::Sidekiq {
                let daily: Totals = a
                    .parts
                    .iter()
                    .filter(|((p, _), _)| *p == Part::SidekiqStatDaily)
                    .fold(Totals::default(), |mut t, (_, (x, _))| {
                        t.merge(x);
                        t
                    });
                if daily.keys > 0 {
                    facts.push(format!(
                        "{} daily stat keys (stat:processed:<date>, stat:failed:<date>), {} with a TTL: Sidekiq 5.2.0+ \
                         expires them after 5 years (STATS_TTL), two tiny strings a day; not a leak",
                        daily.keys,
                        daily.keys - daily.keys_without_ttl
                    ));
                }
            }
            FrameworkReport {
                framework: f,
                name: f.name(),
                role: f.role(),
                dbs: a.dbs.iter().copied().collect(),
                keys: a.totals.keys,
                bytes: a.totals.bytes,
                keys_without_ttl: a.totals.keys_without_ttl,
                bytes_without_ttl: a.totals.bytes_without_ttl,
                evidence,
                facts,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use KeyType as T;

    fn fw(key: &str, t: KeyType) -> Option<(Framework, Part)> {
        classify(key, t).map(|h| (h.framework, h.part))
    }

    #[test]
    fn workload_keys_are_recognised() {
        use Framework::*;
        assert_eq!(fw("dead", T::Zset), Some((Sidekiq, Part::SidekiqDead)));
        assert_eq!(fw("dead", T::String), None);
        assert_eq!(fw("stat:processed:2026-11-22", T::String), Some((Sidekiq, Part::SidekiqStatDaily)));
        assert_eq!(fw("vm:22167:74c832c3f9f1", T::Hash), Some((Sidekiq, Part::Plain)));
        assert_eq!(fw("queue:mailers", T::List), Some((Sidekiq, Part::SidekiqQueue)));
        assert_eq!(fw("bull:emails:123", T::Hash), Some((BullMq, Part::BullJob)));
        assert_eq!(fw("bull:emails:completed", T::Zset), Some((BullMq, Part::BullCompleted)));
        assert_eq!(
            fw("celery-task-meta-0b5c8f4e-3c1e-4f5e-9a43-1f2d3c4b5a69", T::String),
            Some((Celery, Part::CeleryResult))
        );
        assert_eq!(fw("_kombu.binding.reports", T::Set), Some((Celery, Part::Plain)));
        assert_eq!(fw("rq:job:0b5c8f4e-3c1e-4f5e-9a43-1f2d3c4b5a69", T::Hash), Some((Rq, Part::RqJob)));
        assert_eq!(
            fw("rq:results:0b5c8f4e-3c1e-4f5e-9a43-1f2d3c4b5a69", T::Stream),
            Some((Rq, Part::RqResult))
        );
        assert_eq!(fw("rq:finished:default", T::Zset), Some((Rq, Part::RqFinished)));
        assert_eq!(
            fw("sess:Xk2_b-9QzR1mWcP0aLsTfV3nYd8eHj4u", T::String),
            Some((ExpressSession, Part::Session))
        );
        assert_eq!(
            fw("legacyapp:sess:Xk2_b-9QzR1mWcP0aLsTfV3nYd8eHj4u", T::String),
            Some((ExpressSession, Part::Session))
        );
        assert_eq!(
            fw(":1:django.contrib.sessions.cache00dvx7k2", T::String),
            Some((DjangoSessions, Part::Session))
        );
        assert_eq!(fw(":1:product_detail:12", T::String), Some((DjangoCache, Part::Plain)));
        assert_eq!(fw("_session_id:2::abc", T::String), Some((RailsSessions, Part::Session)));
        assert_eq!(fw("spring:session:sessions:0b5c8f4e", T::Hash), Some((SpringSession, Part::Session)));
        assert_eq!(
            fw("spring:session:sessions:expires:0b5c8f4e", T::String),
            Some((SpringSession, Part::Plain))
        );
        assert_eq!(fw("laravel_database_queues:default", T::List), Some((LaravelQueue, Part::Plain)));
        assert_eq!(fw("laravel_database_laravel_cache_:k", T::String), Some((LaravelCache, Part::Plain)));
        assert_eq!(fw("cache:product:1", T::String), None);
        assert_eq!(fw("legacy:blob:1", T::String), None);
    }

    fn seen<'a>(display: &'a str, t: KeyType, ttl: Ttl) -> Seen<'a> {
        Seen { db: 0, raw: display.as_bytes(), display, ktype: t, ttl, keys: 1, bytes: 100 }
    }

    #[test]
    fn sidekiq_needs_two_markers_and_django_prefixes_need_many_keys() {
        let mut fp = Fingerprints::default();
        fp.observe(seen("retry", T::Zset, Ttl::Persistent));
        fp.settle();
        assert_eq!(fp.present().count(), 0);
        let mut fp = Fingerprints::default();
        fp.observe(seen("retry", T::Zset, Ttl::Persistent));
        fp.observe(seen("queues", T::Set, Ttl::Persistent));
        for i in 0..30 {
            fp.observe(seen(&format!("shop:1:cart:{i}"), T::String, Ttl::Expires(1000)));
        }
        fp.observe(seen("user:1:profile", T::String, Ttl::Persistent));
        fp.settle();
        let present: Vec<Framework> = fp.present().map(|(f, _)| f).collect();
        assert_eq!(present, [Framework::Sidekiq, Framework::DjangoCache]);
        assert_eq!(fp.frameworks[&Framework::DjangoCache].totals.keys, 30);
        assert_eq!(fp.generic.keys, 1);
    }

    #[test]
    fn kombu_queue_lists_are_claimed_by_their_binding() {
        let mut fp = Fingerprints::default();
        fp.observe(seen("reports", T::List, Ttl::Persistent));
        fp.observe(seen("other", T::List, Ttl::Persistent));
        fp.observe(seen("_kombu.binding.reports", T::Set, Ttl::Persistent));
        fp.settle();
        assert_eq!(fp.frameworks[&Framework::Celery].totals.keys, 2);
        assert_eq!(fp.generic.keys, 1);
    }
}
