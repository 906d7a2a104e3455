//! Sidekiq presets: trim the `dead` and `retry` sorted sets (`sidekiq-dead`, `sidekiq-retry`)
//! and select the old daily `stat:processed:YYYY-MM-DD` / `stat:failed:YYYY-MM-DD` counters
//! (`sidekiq-stats`, deleted by the generic engine). Never touches anything else: not the
//! queues, not `schedule`, not the `stat:processed` / `stat:failed` totals.
//!
//! Checked against Sidekiq's source: Debian `ruby-sidekiq` 6.4.1 (installed here) and
//! github.com/sidekiq/sidekiq at v6.5.12, v7.0.0, v7.3.9, v8.0.0 and v8.1.7 (HEAD, 2026-08-17).
//!
//! - `dead` is scored by the time the job died, float seconds: `DeadSet#kill` runs
//!   `zadd(name, now.to_s, message)` with `now = Time.now.to_f` (`lib/sidekiq/api.rb`, all
//!   versions); `JobRetry#send_to_morgue` calls it (6.4.1) or runs the same ZADD in its own
//!   MULTI (6.5+, `lib/sidekiq/job_retry.rb`). A job whose payload is not JSON goes there too
//!   (`Processor`, `lib/sidekiq/processor.rb`), so members are judged by score, never parsed.
//! - Sidekiq trims `dead` only while adding to it, in the same MULTI:
//!   `ZREMRANGEBYSCORE dead -inf now-dead_timeout_in_seconds` and
//!   `ZREMRANGEBYRANK dead 0 -dead_max_jobs`. Defaults 180 days and 10,000
//!   (`lib/sidekiq.rb` `DEFAULTS` in 6.x, `lib/sidekiq/config.rb` in 7+); the rank trim keeps
//!   `dead_max_jobs - 1` jobs. A set no job dies into is never trimmed.
//! - `retry` is scored by the time of the next attempt (`zadd("retry", retry_at.to_s, payload)`,
//!   `retry_at = Time.now.to_f + delay`), so its score is not the job's age, and the backoff
//!   (`count**4 + 15 + jitter`) gives the jobs failing longest the highest scores. The age is the
//!   payload's `failed_at`, set on the first failure only (`retried_at` on later ones): float
//!   seconds up to 7.x, integer milliseconds since 8.0.0 (`Changes.md` 8.0.0; `now_ms` in
//!   `job_retry.rb`). Sidekiq itself tells them apart by JSON type
//!   (`JobRecord#time_from_timestamp`, `api.rb` v8.1.7): so does [`failed_at_secs`].
//! - The daily counters are `stat:processed:#{nowdate}` / `stat:failed:#{nowdate}`,
//!   `nowdate = Time.now.utc.strftime("%Y-%m-%d")`, each given `EXPIRE ... STATS_TTL` (5 years)
//!   on every flush (`lib/sidekiq/launcher.rb`, all of 6.4.1 to 8.1.7; since 5.2.0). The totals
//!   `stat:processed` / `stat:failed` have no TTL; `Stats::History` reads the daily ones.
//! - redis-namespace (6.x only; support removed in 7.0, `docs/7.0-Upgrade.md`) prefixes every
//!   key with `<namespace>:`.

use std::{
    collections::HashSet,
    hash::{DefaultHasher, Hash, Hasher},
};

use serde::Deserialize;
use serde_json::{Number, Value as Json};

use crate::{
    Probe, ProbeError,
    cleanup::{
        Pace, Selection,
        pacer::Pacer,
        trim::{Retention, TrimOutcome, TrimParams, TrimPlan, TrimTarget},
    },
};

/// Preset name of the `dead` trim.
pub const DEAD_PRESET: &str = "sidekiq-dead";
/// Preset name of the `retry` trim.
pub const RETRY_PRESET: &str = "sidekiq-retry";

/// Members shown in a plan.
const SAMPLE: usize = 5;
/// Members of `dead` whose lengths are summed for the bytes estimate (extrapolated beyond).
const LENGTH_SAMPLE: usize = 1000;
/// ZSCAN COUNT of the reads of `retry`.
const READ_COUNT: u32 = 1000;
/// Members per ZREM inside the scripts: Lua's `unpack` fails beyond ~8,000 values.
const ZREM_CHUNK: usize = 500;

/// One batch of `dead` by age, atomic: the score is read and the member removed in one step, so
/// a job added or re-scored meanwhile is judged by its score at that moment.
const DEAD_OLDER_THAN_LUA: &str = r"
local doomed = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
local chunk = tonumber(ARGV[3])
for i = 1, #doomed, chunk do
  redis.call('ZREM', KEYS[1], unpack(doomed, i, math.min(i + chunk - 1, #doomed)))
end
return #doomed
";

/// One batch of `dead` by count: the lowest-ranked (oldest) members beyond the newest
/// ARGV[1], at most ARGV[2] of them, counted at that moment.
const DEAD_KEEP_NEWEST_LUA: &str = r"
local excess = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[1])
if excess <= 0 then return 0 end
return redis.call('ZREMRANGEBYRANK', KEYS[1], 0, math.min(excess, tonumber(ARGV[2])) - 1)
";

/// The key of Sidekiq's set `set` (`dead`, `retry`) under an optional redis-namespace.
pub fn set_key(prefix: Option<&str>, set: &str) -> String {
    match prefix {
        Some(p) if !p.is_empty() => format!("{p}:{set}"),
        _ => set.to_string(),
    }
}

/// Plans the `sidekiq-dead` trim: read-only, one MULTI so the counts agree with each other.
pub async fn plan_dead(probe: &mut Probe, params: &TrimParams) -> Result<TrimPlan, ProbeError> {
    let key = set_key(params.prefix.as_deref(), "dead");
    let mut p = redis::pipe();
    p.atomic().cmd("ZCARD").arg(&key);
    let (total, remove, mut doomed, how) = match params.retention {
        Retention::OlderThan { cutoff_ms } => {
            let max = format!("({}", secs_text(cutoff_ms));
            p.cmd("ZCOUNT").arg(&key).arg("-inf").arg(&max);
            p.cmd("ZRANGEBYSCORE").arg(&key).arg("-inf").arg(&max).arg("LIMIT").arg(0).arg(LENGTH_SAMPLE);
            let (total, remove, doomed): (u64, u64, Vec<Vec<u8>>) = probe.pipe(&p, "ZCARD/ZCOUNT").await?;
            let how = format!(
                "per batch, one Lua script (EVAL): ZRANGEBYSCORE {key} -inf {max} LIMIT 0 <batch>, \
                 then ZREM {key} of those members; until none is left"
            );
            (total, remove, doomed, how)
        }
        Retention::KeepNewest { keep } => {
            p.cmd("ZRANGE").arg(&key).arg(0).arg(LENGTH_SAMPLE - 1);
            let (total, doomed): (u64, Vec<Vec<u8>>) = probe.pipe(&p, "ZCARD/ZRANGE").await?;
            let how = format!(
                "per batch, one Lua script (EVAL): ZREMRANGEBYRANK {key} 0 <n-1>, \
                 n = min(<batch>, ZCARD {key} - {keep}); the newest {keep} by score stay"
            );
            (total, total.saturating_sub(keep), doomed, how)
        }
    };
    doomed.truncate(usize::try_from(remove).unwrap_or(usize::MAX));
    let mut notes = vec![
        "Scored by the time the job died (`DeadSet#kill`, `JobRetry#send_to_morgue`).".to_string(),
        "Sidekiq trims `dead` only when a job dies: ZREMRANGEBYSCORE dead -inf now-dead_timeout_in_seconds \
         (default 180 days) and ZREMRANGEBYRANK dead 0 -dead_max_jobs (default 10,000). A set no job dies \
         into keeps its jobs forever; lower those two settings to make Sidekiq keep it small."
            .to_string(),
        "Jobs removed here cannot be retried from the Web UI; no death handler runs.".to_string(),
    ];
    notes.push(bytes_note(doomed.len(), remove));
    let target = TrimTarget {
        key,
        total,
        remove,
        bytes_estimate: Some(extrapolate(doomed.iter().map(|m| m.len() as u64).sum(), doomed.len(), remove)),
        sample: doomed.iter().take(SAMPLE).map(|m| describe(m)).collect(),
        how,
    };
    Ok(TrimPlan { preset: DEAD_PRESET.into(), params: params.clone(), targets: vec![target], notes })
}

/// Plans the `sidekiq-retry` trim: reads the whole set (ZSCAN) for each job's `failed_at`.
pub async fn plan_retry(probe: &mut Probe, params: &TrimParams) -> Result<TrimPlan, ProbeError> {
    let key = set_key(params.prefix.as_deref(), "retry");
    let total: u64 = probe.cmd(redis::cmd("ZCARD").arg(&key)).await?;
    let read = read_retry(probe, &key).await?;
    let cutoff = retry_cutoff(&params.retention, &read.stamps);
    let doomed: Vec<&(f64, u64)> =
        read.stamps.iter().filter(|(at, _)| cutoff.is_some_and(|c| *at < c)).collect();
    let remove = doomed.len() as u64;
    let which = match params.retention {
        Retention::OlderThan { cutoff_ms } => format!("failed_at before {}", secs_text(cutoff_ms)),
        Retention::KeepNewest { keep } => format!("failed_at before the {keep} newest"),
    };
    let how = format!(
        "ZSCAN {key} COUNT <batch>, reading each job's failed_at; then per batch one \
         ZREM {key} <the exact members with {which}> (a job Sidekiq retried or changed \
         meanwhile is no longer that member and stays)"
    );
    let mut notes = vec![
        "The retry score is the time of the next attempt, not the age: the age is the job's failed_at \
         (its first failure; float seconds up to Sidekiq 7.x, integer milliseconds since 8.0)."
            .to_string(),
        "Jobs removed here are dropped: never retried, not moved to `dead`, no death handler runs."
            .to_string(),
    ];
    if let Retention::KeepNewest { keep } = params.retention {
        notes.push(format!(
            "Newest means the {keep} most recent failed_at (ties at the boundary are all kept); \
             by score it would keep the jobs failing the longest, whose next attempt is latest."
        ));
    }
    if read.undated > 0 {
        notes.push(format!(
            "{} member(s) have no readable failed_at (not a JSON job, or none set): left alone.",
            read.undated
        ));
    }
    let mut oldest = read.oldest;
    oldest.retain(|(at, _)| cutoff.is_some_and(|c| *at < c));
    let target = TrimTarget {
        key,
        total,
        remove,
        bytes_estimate: Some(doomed.iter().map(|(_, len)| len).sum()),
        sample: oldest.into_iter().map(|(_, label)| label).collect(),
        how,
    };
    notes.push("Bytes: the sum of the members' lengths (server overhead not counted).".into());
    Ok(TrimPlan { preset: RETRY_PRESET.into(), params: params.clone(), targets: vec![target], notes })
}

/// Applies a plan of [`plan_dead`] or [`plan_retry`] in batches of `pace` members, each batch
/// atomic on the server and re-checked there (dead: by score; retry: ZREM of the exact member
/// read, so a job changed meanwhile stays). Safe to re-run with the same plan: what is gone
/// stays gone and nothing else matches. `progress` gets the members removed so far.
pub async fn apply(
    probe: &mut Probe,
    plan: &TrimPlan,
    pace: &Pace,
    progress: &mut dyn FnMut(u64),
) -> Result<TrimOutcome, ProbeError> {
    let mut outcome = TrimOutcome::default();
    for target in &plan.targets {
        let done = match plan.preset.as_str() {
            DEAD_PRESET => {
                apply_dead(probe, &target.key, plan.params.retention, pace, progress, &outcome).await?
            }
            RETRY_PRESET => {
                apply_retry(probe, &target.key, plan.params.retention, pace, progress, &outcome).await?
            }
            other => {
                return Err(ProbeError::Command {
                    target: probe.label.clone(),
                    command: "cleanup".into(),
                    reason: format!("`{other}` is not a Sidekiq trim preset"),
                });
            }
        };
        outcome.items += done.items;
        outcome.skipped_in_use += done.skipped_in_use;
        outcome.batches += done.batches;
    }
    Ok(outcome)
}

async fn apply_dead(
    probe: &mut Probe,
    key: &str,
    retention: Retention,
    pace: &Pace,
    progress: &mut dyn FnMut(u64),
    before: &TrimOutcome,
) -> Result<TrimOutcome, ProbeError> {
    let batch = pace.batch_for_rate();
    let mut pacer = Pacer::new(pace.rate);
    let mut out = TrimOutcome::default();
    loop {
        pacer.wait(u64::from(batch)).await;
        let mut eval = redis::cmd("EVAL");
        match retention {
            Retention::OlderThan { cutoff_ms } => eval
                .arg(DEAD_OLDER_THAN_LUA)
                .arg(1)
                .arg(key)
                .arg(secs_text(cutoff_ms))
                .arg(batch)
                .arg(ZREM_CHUNK),
            Retention::KeepNewest { keep } => {
                eval.arg(DEAD_KEEP_NEWEST_LUA).arg(1).arg(key).arg(keep).arg(batch)
            }
        };
        let removed: u64 = probe.cmd(&eval).await?;
        if removed > 0 {
            out.items += removed;
            out.batches += 1;
            progress(before.items + out.items);
        }
        if removed < u64::from(batch) {
            return Ok(out);
        }
    }
}

async fn apply_retry(
    probe: &mut Probe,
    key: &str,
    retention: Retention,
    pace: &Pace,
    progress: &mut dyn FnMut(u64),
    before: &TrimOutcome,
) -> Result<TrimOutcome, ProbeError> {
    let cutoff = match retention {
        Retention::OlderThan { .. } => retry_cutoff(&retention, &[]),
        // The N-th newest failed_at as of now: a resumed run keeps the newest N of that moment.
        Retention::KeepNewest { .. } => retry_cutoff(&retention, &read_retry(probe, key).await?.stamps),
    };
    let mut out = TrimOutcome::default();
    let Some(cutoff) = cutoff else { return Ok(out) };
    let count = pace.batch_for_rate();
    let batch = usize::try_from(count).unwrap_or(usize::MAX);
    let mut pacer = Pacer::new(pace.rate);
    let mut pending: Vec<Vec<u8>> = Vec::new();
    let mut scan = ZScan::new(key, count);
    while let Some(members) = scan.next(probe).await? {
        pending.extend(members.into_iter().filter(|m| failed_at_of(m).is_some_and(|at| at < cutoff)));
        while pending.len() >= batch || (scan.is_done() && !pending.is_empty()) {
            let chunk: Vec<Vec<u8>> = pending.drain(..batch.min(pending.len())).collect();
            pacer.wait(chunk.len() as u64).await;
            let removed: u64 = probe.cmd(redis::cmd("ZREM").arg(key).arg(&chunk)).await?;
            // A member already gone was retried, killed or deleted by Sidekiq meanwhile (or
            // read twice by ZSCAN): it is not ours to count.
            out.skipped_in_use += chunk.len() as u64 - removed;
            out.items += removed;
            out.batches += 1;
            progress(before.items + out.items);
        }
    }
    Ok(out)
}

/// A ZSCAN over one sorted set, yielding members only.
struct ZScan<'k> {
    key: &'k str,
    count: u32,
    cursor: String,
    done: bool,
}

impl<'k> ZScan<'k> {
    fn new(key: &'k str, count: u32) -> Self {
        ZScan { key, count, cursor: "0".into(), done: false }
    }

    fn is_done(&self) -> bool {
        self.done
    }

    async fn next(&mut self, probe: &mut Probe) -> Result<Option<Vec<Vec<u8>>>, ProbeError> {
        if self.done {
            return Ok(None);
        }
        let (cursor, flat): (String, Vec<Vec<u8>>) = probe
            .cmd(redis::cmd("ZSCAN").arg(self.key).arg(&self.cursor).arg("COUNT").arg(self.count))
            .await?;
        self.done = cursor == "0";
        self.cursor = cursor;
        // Member, score, member, score...
        Ok(Some(flat.into_iter().step_by(2).collect()))
    }
}

/// What a read of `retry` found.
#[derive(Debug, Default)]
struct RetryRead {
    /// (failed_at seconds, member length) of each dated member.
    stamps: Vec<(f64, u64)>,
    /// Members without a readable failed_at.
    undated: u64,
    /// The oldest few dated members, oldest first, described.
    oldest: Vec<(f64, String)>,
}

async fn read_retry(probe: &mut Probe, key: &str) -> Result<RetryRead, ProbeError> {
    let mut read = RetryRead::default();
    // ZSCAN may return a member twice when the set is rehashed meanwhile.
    let mut seen: HashSet<u64> = HashSet::new();
    let mut scan = ZScan::new(key, READ_COUNT);
    while let Some(members) = scan.next(probe).await? {
        for m in members {
            let mut h = DefaultHasher::new();
            m.hash(&mut h);
            if !seen.insert(h.finish()) {
                continue;
            }
            let Some(at) = failed_at_of(&m) else {
                read.undated += 1;
                continue;
            };
            read.stamps.push((at, m.len() as u64));
            let pos = read.oldest.partition_point(|(o, _)| *o <= at);
            if pos < SAMPLE {
                read.oldest.insert(pos, (at, describe(&m)));
                read.oldest.truncate(SAMPLE);
            }
        }
    }
    Ok(read)
}

/// Members of `retry` whose failed_at is before this (seconds) go; `None`: none go.
fn retry_cutoff(retention: &Retention, stamps: &[(f64, u64)]) -> Option<f64> {
    match *retention {
        Retention::OlderThan { cutoff_ms } => Some(cutoff_ms as f64 / 1000.0),
        Retention::KeepNewest { keep } => {
            let keep = usize::try_from(keep).unwrap_or(usize::MAX);
            if stamps.len() <= keep {
                return None;
            }
            if keep == 0 {
                return Some(f64::INFINITY);
            }
            let mut at: Vec<f64> = stamps.iter().map(|(a, _)| *a).collect();
            at.sort_unstable_by(|a, b| b.total_cmp(a));
            at.get(keep - 1).copied()
        }
    }
}

/// The fields of a job payload this preset reads; everything else is skipped unparsed.
#[derive(Deserialize)]
struct JobHead {
    class: Option<Json>,
    /// ActiveJob's real class, behind Sidekiq's wrapper class.
    wrapped: Option<Json>,
    jid: Option<Json>,
    failed_at: Option<Json>,
}

fn job_head(member: &[u8]) -> Option<JobHead> {
    serde_json::from_slice(member).ok()
}

fn failed_at_of(member: &[u8]) -> Option<f64> {
    match job_head(member)?.failed_at? {
        Json::Number(n) => failed_at_secs(&n),
        _ => None,
    }
}

/// Seconds since the epoch of a Sidekiq timestamp: a JSON float is seconds (Sidekiq up to
/// 7.x), an integer milliseconds (8.0+), as `JobRecord#time_from_timestamp` reads them.
pub fn failed_at_secs(n: &Number) -> Option<f64> {
    if n.is_f64() { n.as_f64() } else { n.as_f64().map(|ms| ms / 1000.0) }
}

/// `Class jid` of a job payload, else the start of the member.
fn describe(member: &[u8]) -> String {
    let text = |v: Option<Json>| match v {
        Some(Json::String(s)) => Some(s),
        _ => None,
    };
    if let Some(head) = job_head(member) {
        let class = text(head.wrapped).or(text(head.class));
        match (class, text(head.jid)) {
            (Some(c), Some(j)) => return format!("{c} {j}"),
            (Some(c), None) => return c,
            (None, Some(j)) => return format!("? {j}"),
            (None, None) => {}
        }
    }
    let shown = crate::keys::display_key(member);
    match shown.char_indices().nth(60) {
        Some((cut, _)) => format!("{}…", &shown[..cut]),
        None => shown,
    }
}

/// A score bound in seconds from milliseconds, exact (no float rounding): `1700000000.123`.
fn secs_text(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let frac = ms.rem_euclid(1000);
    format!("{secs}.{frac:03}")
}

/// `sum` of `sampled` members' lengths scaled to `total` members.
fn extrapolate(sum: u64, sampled: usize, total: u64) -> u64 {
    match sampled as u64 {
        0 => 0,
        n if n >= total => sum,
        n => (u128::from(sum) * u128::from(total) / u128::from(n)).try_into().unwrap_or(u64::MAX),
    }
}

fn bytes_note(sampled: usize, remove: u64) -> String {
    if sampled as u64 >= remove {
        "Bytes: the sum of the members' lengths (server overhead not counted).".into()
    } else {
        format!(
            "Bytes: the sum of the members' lengths, extrapolated from the {sampled} oldest \
             (server overhead not counted)."
        )
    }
}

/// Glob of the `YYYY-MM-DD` of the daily counters (Redis glob syntax, `SCAN MATCH`).
const DATE_GLOB: &str = "[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]";

/// `sidekiq-stats`: the daily `stat:processed:YYYY-MM-DD` and `stat:failed:YYYY-MM-DD`
/// counters dated more than `older_than_days` before `today` (days since 1970-01-01, UTC as
/// Sidekiq dates them). The totals `stat:processed` / `stat:failed` never match: the patterns
/// need a date.
pub fn stats_selection(older_than_days: u64, today: i64) -> Selection {
    stats_selection_in(None, older_than_days, today)
}

/// [`stats_selection`] under a redis-namespace (`myapp:stat:processed:...`).
pub fn stats_selection_in(prefix: Option<&str>, older_than_days: u64, today: i64) -> Selection {
    let ns = match prefix {
        Some(p) if !p.is_empty() => format!("{}:", crate::cleanup::glob::escape(p)),
        _ => String::new(),
    };
    let days = i64::try_from(older_than_days).unwrap_or(i64::MAX);
    Selection {
        patterns: ["processed", "failed"].iter().map(|s| format!("{ns}stat:{s}:{DATE_GLOB}")).collect(),
        dated_before_day: Some(today.saturating_sub(days)),
        ..Selection::default()
    }
}

/// What to show beside the `sidekiq-stats` plan.
pub fn stats_notes() -> Vec<String> {
    vec![
        "Sidekiq 5.2+ gives each daily counter a 5-year TTL (STATS_TTL), so they go on their own: \
         2 small keys a day. The Web UI's history graph reads them (Stats::History)."
            .into(),
        "The totals stat:processed and stat:failed are never selected.".into(),
    ]
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::cleanup::{date, glob};

    #[test]
    fn keys_follow_redis_namespace() {
        assert_eq!(set_key(None, "dead"), "dead");
        assert_eq!(set_key(Some(""), "retry"), "retry");
        assert_eq!(set_key(Some("myapp"), "dead"), "myapp:dead");
    }

    #[test]
    fn score_bounds_are_exact_seconds() {
        assert_eq!(secs_text(1_700_000_000_123), "1700000000.123");
        assert_eq!(secs_text(5), "0.005");
        assert_eq!(secs_text(-1500), "-2.500");
    }

    #[test]
    fn failed_at_is_seconds_as_a_float_and_milliseconds_as_an_integer() {
        // Sidekiq 6.x/7.x: Time.now.to_f; 8.x: epoch milliseconds.
        let old = br#"{"class":"A","jid":"j1","failed_at":1700000000.25}"#;
        let new = br#"{"class":"A","jid":"j2","failed_at":1700000000250}"#;
        assert_eq!(failed_at_of(old), Some(1_700_000_000.25));
        assert_eq!(failed_at_of(new), Some(1_700_000_000.25));
        // A float that happens to be whole is still seconds: Ruby writes `1700000000.0`.
        assert_eq!(failed_at_of(br#"{"failed_at":1700000000.0}"#), Some(1_700_000_000.0));
        assert_eq!(failed_at_of(br#"{"class":"A","jid":"j3"}"#), None);
        assert_eq!(failed_at_of(br#"{"failed_at":"yesterday"}"#), None);
        assert_eq!(failed_at_of(b"\"just a string\""), None);
        assert_eq!(failed_at_of(b"not json {"), None);
    }

    #[test]
    fn describes_jobs_by_class_and_jid() {
        assert_eq!(describe(br#"{"class":"HardWorker","jid":"abc","args":[1]}"#), "HardWorker abc");
        assert_eq!(
            describe(br#"{"class":"ActiveJob::QueueAdapters::SidekiqAdapter::JobWrapper","wrapped":"SendMail","jid":"x"}"#),
            "SendMail x"
        );
        assert_eq!(describe(b"not json"), "not json");
        let long = "x".repeat(100);
        assert_eq!(describe(long.as_bytes()), format!("{}…", "x".repeat(60)));
        assert_eq!(describe(b"a\nb"), "a\\nb");
    }

    #[test]
    fn keep_newest_cuts_at_the_nth_newest_failed_at() {
        let s = |v: &[f64]| v.iter().map(|a| (*a, 1)).collect::<Vec<_>>();
        let keep = |n| Retention::KeepNewest { keep: n };
        assert_eq!(retry_cutoff(&keep(2), &s(&[1.0, 5.0, 3.0, 4.0])), Some(4.0));
        assert_eq!(retry_cutoff(&keep(4), &s(&[1.0, 5.0, 3.0, 4.0])), None);
        assert_eq!(retry_cutoff(&keep(9), &s(&[])), None);
        assert_eq!(retry_cutoff(&keep(0), &s(&[1.0])), Some(f64::INFINITY));
        assert_eq!(retry_cutoff(&Retention::OlderThan { cutoff_ms: 2500 }, &[]), Some(2.5));
    }

    #[test]
    fn bytes_extrapolate_from_the_sample() {
        assert_eq!(extrapolate(300, 3, 3), 300);
        assert_eq!(extrapolate(1000, 10, 100), 10_000);
        assert_eq!(extrapolate(0, 0, 100), 0);
    }

    #[test]
    fn stats_selection_takes_dated_counters_only() {
        let today = date::days_from_civil(2024, 3, 31).unwrap();
        let sel = stats_selection(30, today);
        assert_eq!(sel.dated_before_day, date::days_from_civil(2024, 3, 1));
        let hit = |key: &str| {
            sel.patterns.iter().any(|p| glob::matches(p.as_bytes(), key.as_bytes()))
                && date::trailing_day(key.as_bytes()).is_some_and(|d| Some(d) < sel.dated_before_day)
        };
        assert!(hit("stat:processed:2024-02-29"));
        assert!(hit("stat:failed:2023-12-31"));
        // 30 days back is kept: Stats::History.new(30) still reads every day it shows.
        assert!(!hit("stat:processed:2024-03-01"));
        assert!(!hit("stat:processed"));
        assert!(!hit("stat:failed"));
        assert!(!hit("stat:processed:2024-02-29:extra"));
        assert!(!hit("myapp:stat:processed:2024-02-29"));
        assert!(!hit("stat:other:2024-02-29"));
        // By name only: the engine deletes with UNLINK, no script needed.
        assert!(!sel.needs_reads());
    }

    #[test]
    fn stats_selection_under_a_namespace() {
        let sel = stats_selection_in(Some("my*app"), 0, 100);
        assert_eq!(sel.patterns[0], format!("my\\*app:stat:processed:{DATE_GLOB}"));
        assert!(glob::matches(sel.patterns[1].as_bytes(), b"my*app:stat:failed:2024-01-01"));
        assert!(!glob::matches(sel.patterns[1].as_bytes(), b"myXapp:stat:failed:2024-01-01"));
        assert!(!glob::matches(sel.patterns[1].as_bytes(), b"stat:failed:2024-01-01"));
    }
}
