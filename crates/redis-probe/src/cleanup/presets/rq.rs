//! `rq-results`: give RQ jobs that RQ keeps forever (or longer than asked) a TTL, the way RQ's
//! own `Job.cleanup(ttl)` would have, and move their registry entries along so RQ's registry
//! cleanup drops the ids when the jobs expire.
//!
//! Checked against RQ 3.0.0 (`rq/registry.py`, `rq/job.py`, `rq/results.py`,
//! `rq/worker/base.py`, `rq/defaults.py`):
//!
//! - A finished job is `ZADD rq:finished:<queue>` scored by its expiry time, `now + result_ttl`;
//!   `result_ttl=-1` scores `+inf` (`BaseRegistry.add`), and `Job.cleanup(-1)` sets no TTL on
//!   `rq:job:<id>` (hash) while `Result.save(ttl=-1)` PERSISTs `rq:results:<id>` (a stream,
//!   MAXLEN 10).
//! - A failed (or stopped) job is `ZADD rq:failed:<queue>` scored `now + failure_ttl`
//!   (default `DEFAULT_FAILURE_TTL`, 1 year); `failure_ttl=-1` scores `-1`, not `+inf`
//!   (`FailedJobRegistry.add`). With the default `failure_ttl` (None) `Result.save` gets
//!   `ttl=None` and gives the failure's `rq:results:<id>` no TTL at all: it outlives the job.
//! - `FinishedJobRegistry.cleanup()` / `FailedJobRegistry.cleanup()` are
//!   `ZREMRANGEBYSCORE key 0 now`: `+inf` and negative scores are never dropped. They run from
//!   `registry.count`, `get_job_ids()` and the workers' maintenance (`clean_registries`).
//! - `Job.cleanup(ttl > 0)` EXPIREs `rq:job:<id>`, `rq:job:<id>:dependents` and
//!   `rq:job::<id>:dependencies` (sic, two colons: `Job.dependencies_key`).
//! - Keys use `RQ_KEY_PREFIX` (env, default `rq`): `<prefix>:job:`, `<prefix>:results:`,
//!   `<prefix>:finished:<queue>`, `<prefix>:failed:<queue>`.
//!
//! What runs, per batch of jobs, in one Lua script (atomic): for each job still in the registry
//! with a score of `+inf`, below 0, or later than `now + expire_secs` (server clock), whose
//! hash still says `finished` (or `failed`/`stopped`) with the `ended_at` read when it was
//! chosen: PEXPIRE the job hash, its result stream and its dependents/dependencies keys to
//! `expire_secs` where they have no TTL or a longer one, and `ZADD XX` the registry score to
//! `now + expire_secs`. A registry id whose job hash is gone (deleted by hand) gets the same
//! score, so RQ drops it, and its orphaned result stream the TTL. Jobs in any other state (queued, started, deferred, scheduled: a finished job that was
//! requeued) are left alone and counted as in use. Re-running changes nothing already done:
//! a changed job's score is no longer later than `now + expire_secs`.
//!
//! `TrimParams::retention` picks among those jobs by `ended_at`: `OlderThan` the ones that
//! ended before the cutoff, `KeepNewest` all but the newest N of each registry.
//!
//! Must not: delete anything (RQ and Redis do, at the new expiry), or touch other registries.
//! A job requeued after this (`registry.requeue`) keeps the TTL while queued, as it would
//! with RQ's own `failure_ttl`, until a worker starts it (`prepare_job_execution` PERSISTs).

use std::{cmp::Reverse, collections::BinaryHeap};

use redis::Value;

use crate::{
    Probe, ProbeError,
    cleanup::{
        Pace,
        date::days_from_civil,
        pacer::Pacer,
        trim::{Retention, TrimOutcome, TrimParams, TrimPlan, TrimTarget},
    },
};

/// The preset's name, as given to `--preset`.
pub const PRESET: &str = "rq-results";
/// RQ's `RQ_KEY_PREFIX` default (`rq/defaults.py`).
pub const DEFAULT_PREFIX: &str = "rq";
/// TTL given when the caller names none: a week, long enough to look at a result or a failure
/// after the fact (RQ's own defaults are 500 s for results and a year for failures).
pub const DEFAULT_EXPIRE_SECS: u64 = 7 * 86_400;

/// Registry members read per round trip while planning.
const READ_BATCH: usize = 1000;
/// Job ids shown per registry.
const SAMPLE_IDS: usize = 5;
/// Jobs whose MEMORY USAGE is measured per registry, to estimate the bytes that will go.
const MEASURED_JOBS: usize = 16;

/// KEYS: the registry, then per job its hash, result stream, dependents set and dependencies
/// set. ARGV: expire_secs, the two statuses the registry holds, then per job its id and the
/// `ended_at` it had when chosen (empty: the hash was gone). Returns {changed, in_use}.
const EXPIRE_LUA: &str = r#"
if redis.replicate_commands then pcall(redis.replicate_commands) end
local reg = KEYS[1]
local secs = tonumber(ARGV[1])
local ms = secs * 1000
local limit = tonumber(redis.call('TIME')[1]) + secs
local changed, in_use = 0, 0
for i = 1, (#ARGV - 3) / 2 do
  local id, ended = ARGV[2 + 2 * i], ARGV[3 + 2 * i]
  local k = 1 + 4 * (i - 1)
  local score = redis.call('ZSCORE', reg, id)
  -- ZSCORE spells infinities 'inf' / '-inf'.
  if score and (score == 'inf' or score == '-inf' or tonumber(score) < 0 or tonumber(score) > limit) then
    local f = redis.call('HMGET', KEYS[k + 1], 'status', 'ended_at')
    local ok
    if not f[1] and redis.call('EXISTS', KEYS[k + 1]) == 0 then
      -- A stale id: its result stream and dependents keys are orphans.
      ok = ended == ''
    else
      ok = (f[1] == ARGV[2] or f[1] == ARGV[3]) and (f[2] or '') == ended and ended ~= ''
    end
    if ok then
      for j = 1, 4 do
        local t = redis.call('PTTL', KEYS[k + j])
        if t == -1 or t > ms then redis.call('PEXPIRE', KEYS[k + j], ms) end
      end
      redis.call('ZADD', reg, 'XX', limit, id)
      changed = changed + 1
    else
      in_use = in_use + 1
    end
  end
end
return {changed, in_use}
"#;

/// One of the two registries this preset changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Registry {
    Finished,
    Failed,
}

impl Registry {
    /// The key segment: `<prefix>:finished:<queue>`.
    fn segment(self) -> &'static str {
        match self {
            Registry::Finished => "finished",
            Registry::Failed => "failed",
        }
    }

    /// The job statuses its members have (`JobStatus`): a stopped job goes to the failed
    /// registry too (`Worker.handle_job_failure`).
    fn statuses(self) -> [&'static str; 2] {
        match self {
            Registry::Finished => ["finished", "finished"],
            Registry::Failed => ["failed", "stopped"],
        }
    }

    fn of_key(prefix: &str, key: &str) -> Option<Registry> {
        let rest = key.strip_prefix(prefix)?.strip_prefix(':')?;
        [Registry::Finished, Registry::Failed].into_iter().find(|r| {
            rest.strip_prefix(r.segment()).and_then(|q| q.strip_prefix(':')).is_some_and(|q| !q.is_empty())
        })
    }
}

/// Key names of one RQ deployment.
#[derive(Debug, Clone)]
struct Keys {
    prefix: String,
}

impl Keys {
    fn job(&self, id: &str) -> String {
        format!("{}:job:{id}", self.prefix)
    }

    fn results(&self, id: &str) -> String {
        format!("{}:results:{id}", self.prefix)
    }

    fn dependents(&self, id: &str) -> String {
        format!("{}:job:{id}:dependents", self.prefix)
    }

    /// `Job.dependencies_key`: RQ puts a second colon after `job:`.
    fn dependencies(&self, id: &str) -> String {
        format!("{}:job::{id}:dependencies", self.prefix)
    }
}

/// A registry member the rule reaches by its score, with what its job hash said.
#[derive(Debug, Clone)]
struct Candidate {
    id: String,
    /// `None`: the job hash is gone.
    status: Option<String>,
    /// `ended_at` as stored (empty when missing), compared again by the script.
    ended_raw: String,
    ended_ms: Option<i64>,
}

/// Which candidates the retention lets go.
#[derive(Debug, Clone, Copy)]
enum Filter {
    EndedBefore(i64),
    /// Keep the newest: everything that ended before this time goes; `None`: nothing goes.
    KeepFrom(Option<i64>),
}

impl Filter {
    fn lets_go(self, c: &Candidate) -> bool {
        // A job hash that is gone leaves only a stale id: it always goes.
        if c.status.is_none() {
            return true;
        }
        match (self, c.ended_ms) {
            (Filter::EndedBefore(cutoff), Some(t)) => t < cutoff,
            (Filter::KeepFrom(Some(from)), Some(t)) => t < from,
            _ => false,
        }
    }
}

fn is_terminal(reg: Registry, c: &Candidate) -> bool {
    match &c.status {
        None => true,
        Some(s) => reg.statuses().contains(&s.as_str()),
    }
}

/// Plans the preset: read-only.
pub async fn plan(probe: &mut Probe, params: &TrimParams) -> Result<TrimPlan, ProbeError> {
    let keys = Keys { prefix: params.prefix.clone().unwrap_or_else(|| DEFAULT_PREFIX.to_string()) };
    let secs = params.expire_secs.unwrap_or(DEFAULT_EXPIRE_SECS).max(1);
    let mut targets = Vec::new();
    for (reg, key) in registries(probe, &keys.prefix, &params.queues).await? {
        let total: u64 = probe.cmd(redis::cmd("ZCARD").arg(&key)).await?;
        let filter = filter_for(probe, &keys, reg, &key, secs, params.retention).await?;
        let mut remove = 0u64;
        let mut sample = Vec::new();
        let mut measured = Vec::new();
        for_each_candidate(probe, &keys, &key, secs, &mut |batch| {
            for c in batch.iter().filter(|c| is_terminal(reg, c) && filter.lets_go(c)) {
                remove += 1;
                if sample.len() < SAMPLE_IDS {
                    sample.push(if c.status.is_some() {
                        c.id.clone()
                    } else {
                        format!("{} (job gone)", c.id)
                    });
                }
                if measured.len() < MEASURED_JOBS && c.status.is_some() {
                    measured.push(c.id.clone());
                }
            }
        })
        .await?;
        if remove == 0 {
            continue;
        }
        let bytes_estimate = measure(probe, &keys, &measured).await.map(|avg| avg * remove);
        targets.push(TrimTarget {
            how: format!(
                "per job, atomically per batch: if still {} and kept longer than {secs} s, PEXPIRE \
                 {} and {} (and its dependents keys) to {secs} s, ZADD XX {key} <now+{secs}> <id>",
                reg.statuses()[0],
                keys.job("<id>"),
                keys.results("<id>"),
            ),
            key,
            total,
            remove,
            bytes_estimate,
            sample,
        });
    }
    let mut notes = vec![format!(
        "RQ scores finished and failed jobs by their expiry time (+inf for result_ttl=-1, -1 for \
             failure_ttl=-1) and its registry cleanup removes only ids scored between 0 and now; \
             here each job gets a TTL of {secs} s and the same score, so RQ drops the id when the \
             job expires."
    )];
    if targets.iter().any(|t| Registry::of_key(&keys.prefix, &t.key) == Some(Registry::Failed)) {
        notes.push(
            "RQ gives the result stream of a job that failed with the default failure_ttl no TTL \
             (Result.save(ttl=None)), so it outlives the job hash; it is expired with its job."
                .to_string(),
        );
    }
    if params.expire_secs.is_none() {
        notes.push(format!("no expiry given: {DEFAULT_EXPIRE_SECS} s (7 days)"));
    }
    Ok(TrimPlan { preset: PRESET.to_string(), params: params.clone(), targets, notes })
}

/// Applies a plan: per registry of the plan, batches of `pace.batch` jobs, one Lua script
/// each, at most `pace.rate` registry members read per second. `progress` gets the number of
/// jobs changed so far. Safe to re-run with the same plan (a journal resume).
pub async fn apply(
    probe: &mut Probe,
    plan: &TrimPlan,
    pace: &Pace,
    progress: &mut dyn FnMut(u64),
) -> Result<TrimOutcome, ProbeError> {
    let keys = Keys { prefix: plan.params.prefix.clone().unwrap_or_else(|| DEFAULT_PREFIX.to_string()) };
    let secs = plan.params.expire_secs.unwrap_or(DEFAULT_EXPIRE_SECS).max(1);
    let batch = usize::try_from(pace.batch.max(1)).unwrap_or(READ_BATCH);
    let mut pacer = Pacer::new(pace.rate);
    let mut out = TrimOutcome::default();
    for target in &plan.targets {
        let Some(reg) = Registry::of_key(&keys.prefix, &target.key) else { continue };
        let filter = filter_for(probe, &keys, reg, &target.key, secs, plan.params.retention).await?;
        for range in [Range::Above, Range::Negative] {
            // Members examined and left in place (not chosen, or refused by the script) stay
            // ahead in the range's order, so the next page starts after them. Changed ones leave
            // the range: their new score, now + secs, is not above the next page's bound.
            let mut kept: usize = 0;
            loop {
                let (page, now) = read_page(probe, &keys, &target.key, range, kept, batch, secs).await?;
                let due: Vec<Candidate> =
                    page.into_iter().filter(|(_, s)| is_due(*s, now, secs)).map(|(c, _)| c).collect();
                if due.is_empty() {
                    break;
                }
                pacer.wait(due.len() as u64).await;
                // A member whose job RQ has moved on (re-enqueued under the same id) is in use.
                let (terminal, moved_on): (Vec<Candidate>, Vec<Candidate>) =
                    due.into_iter().partition(|c| is_terminal(reg, c));
                out.skipped_in_use += moved_on.len() as u64;
                let (chosen, passed): (Vec<Candidate>, Vec<Candidate>) =
                    terminal.into_iter().partition(|c| filter.lets_go(c));
                kept += moved_on.len() + passed.len();
                if chosen.is_empty() {
                    continue;
                }
                let (changed, in_use) = expire_batch(probe, &keys, reg, &target.key, secs, &chosen).await?;
                kept += chosen.len().saturating_sub(usize::try_from(changed).unwrap_or(chosen.len()));
                out.items += changed;
                out.skipped_in_use += in_use;
                out.batches += 1;
                progress(out.items);
            }
        }
    }
    Ok(out)
}

/// The two score ranges of jobs kept too long: `(now+secs, +inf]`, read from the top, and
/// `[-inf, 0)` (`failure_ttl=-1`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Range {
    Above,
    Negative,
}

/// Whether a member scored `score` is still kept longer than `secs` from `now`.
fn is_due(score: f64, now: i64, secs: u64) -> bool {
    score < 0.0 || score > (now as f64 + secs as f64)
}

/// One page of a range, from `offset`, with each job's status and `ended_at`, and the server's
/// time (seconds) when it was read.
async fn read_page(
    probe: &mut Probe,
    keys: &Keys,
    registry: &str,
    range: Range,
    offset: usize,
    count: usize,
    secs: u64,
) -> Result<(Vec<(Candidate, f64)>, i64), ProbeError> {
    let now = server_time(probe).await?;
    let mut cmd = match range {
        Range::Above => {
            let mut c = redis::cmd("ZREVRANGEBYSCORE");
            c.arg(registry).arg("+inf").arg(format!("({}", now.saturating_add_unsigned(secs)));
            c
        }
        Range::Negative => {
            let mut c = redis::cmd("ZRANGEBYSCORE");
            c.arg(registry).arg("-inf").arg("(0");
            c
        }
    };
    cmd.arg("WITHSCORES").arg("LIMIT").arg(offset).arg(count);
    let reply: Value = probe.cmd(&cmd).await?;
    let members = scored_members(reply);
    if members.is_empty() {
        return Ok((Vec::new(), now));
    }
    let mut pipe = redis::pipe();
    for (id, _) in &members {
        pipe.cmd("HMGET").arg(keys.job(id)).arg("status").arg("ended_at");
    }
    let fields: Vec<Vec<Option<String>>> = probe.pipe(&pipe, "HMGET").await?;
    let page = members
        .into_iter()
        .zip(fields)
        .map(|((id, score), f)| {
            let mut f = f.into_iter();
            let status = f.next().flatten();
            let ended_raw = f.next().flatten().unwrap_or_default();
            let ended_ms = parse_rq_time(&ended_raw);
            (Candidate { id, status, ended_raw, ended_ms }, score)
        })
        .collect();
    Ok((page, now))
}

/// Calls `f` with every page of jobs kept longer than `secs` (read-only).
async fn for_each_candidate(
    probe: &mut Probe,
    keys: &Keys,
    registry: &str,
    secs: u64,
    f: &mut dyn FnMut(&[Candidate]),
) -> Result<(), ProbeError> {
    for range in [Range::Above, Range::Negative] {
        let mut offset = 0;
        let mut now = None;
        loop {
            let (page, t) = read_page(probe, keys, registry, range, offset, READ_BATCH, secs).await?;
            // One cutoff for the whole pass, so pages line up.
            let now = *now.get_or_insert(t);
            let due: Vec<Candidate> =
                page.iter().filter(|(_, s)| is_due(*s, now, secs)).map(|(c, _)| c.clone()).collect();
            f(&due);
            if page.len() < READ_BATCH {
                break;
            }
            offset += page.len();
        }
    }
    Ok(())
}

/// The retention as a filter; for `KeepNewest`, the `ended_at` of the newest job kept, found
/// by one read-only pass.
async fn filter_for(
    probe: &mut Probe,
    keys: &Keys,
    reg: Registry,
    registry: &str,
    secs: u64,
    retention: Retention,
) -> Result<Filter, ProbeError> {
    let keep = match retention {
        Retention::OlderThan { cutoff_ms } => return Ok(Filter::EndedBefore(cutoff_ms)),
        Retention::KeepNewest { keep } => keep,
    };
    let cap = usize::try_from(keep).unwrap_or(usize::MAX);
    // The `keep` newest end times, smallest on top; and whether any job falls outside them.
    let mut newest: BinaryHeap<Reverse<i64>> = BinaryHeap::new();
    let mut more = false;
    for_each_candidate(probe, keys, registry, secs, &mut |batch| {
        for t in batch.iter().filter(|c| c.status.is_some() && is_terminal(reg, c)).filter_map(|c| c.ended_ms)
        {
            if newest.len() < cap {
                newest.push(Reverse(t));
            } else {
                more = true;
                if newest.peek().is_some_and(|Reverse(min)| t > *min) {
                    newest.pop();
                    newest.push(Reverse(t));
                }
            }
        }
    })
    .await?;
    if !more {
        return Ok(Filter::KeepFrom(None));
    }
    Ok(Filter::KeepFrom(newest.peek().map(|Reverse(t)| *t).or(Some(i64::MAX))))
}

/// Runs the script over one batch: (jobs changed, jobs refused because RQ moved them on).
async fn expire_batch(
    probe: &mut Probe,
    keys: &Keys,
    reg: Registry,
    registry: &str,
    secs: u64,
    jobs: &[Candidate],
) -> Result<(u64, u64), ProbeError> {
    let mut cmd = redis::cmd("EVAL");
    cmd.arg(EXPIRE_LUA).arg(1 + 4 * jobs.len()).arg(registry);
    for c in jobs {
        cmd.arg(keys.job(&c.id))
            .arg(keys.results(&c.id))
            .arg(keys.dependents(&c.id))
            .arg(keys.dependencies(&c.id));
    }
    let [first, second] = reg.statuses();
    cmd.arg(secs).arg(first).arg(second);
    for c in jobs {
        // A job whose hash was gone when read is sent with an empty `ended_at`.
        cmd.arg(&c.id).arg(if c.status.is_some() { c.ended_raw.as_str() } else { "" });
    }
    let (changed, in_use): (u64, u64) = probe.cmd(&cmd).await?;
    Ok((changed, in_use))
}

/// Registries of the queues asked for, or of every queue found by one SCAN.
async fn registries(
    probe: &mut Probe,
    prefix: &str,
    queues: &[String],
) -> Result<Vec<(Registry, String)>, ProbeError> {
    let mut found: Vec<(Registry, String)> = Vec::new();
    if queues.is_empty() {
        // One pass for both: `<prefix>:f[ai]*` covers `finished:` and `failed:`.
        let pattern = format!("{}:f[ai]*", crate::cleanup::glob::escape(prefix));
        let mut cursor: u64 = 0;
        loop {
            let (next, batch): (u64, Vec<String>) = probe
                .cmd(redis::cmd("SCAN").arg(cursor).arg("MATCH").arg(&pattern).arg("COUNT").arg(READ_BATCH))
                .await?;
            found.extend(batch.into_iter().filter_map(|k| Registry::of_key(prefix, &k).map(|r| (r, k))));
            cursor = next;
            if cursor == 0 {
                break;
            }
        }
    } else {
        for q in queues {
            for r in [Registry::Finished, Registry::Failed] {
                found.push((r, format!("{prefix}:{}:{q}", r.segment())));
            }
        }
    }
    found.sort_by(|a, b| a.1.cmp(&b.1));
    found.dedup();
    // Only sorted sets: a queue name could collide with some other key.
    let mut pipe = redis::pipe();
    for (_, k) in &found {
        pipe.cmd("TYPE").arg(k);
    }
    let types: Vec<String> = if found.is_empty() { Vec::new() } else { probe.pipe(&pipe, "TYPE").await? };
    Ok(found.into_iter().zip(types).filter(|(_, t)| t == "zset").map(|(f, _)| f).collect())
}

/// Average MEMORY USAGE of a job (hash and result stream); `None` when refused or nothing to
/// measure.
async fn measure(probe: &mut Probe, keys: &Keys, ids: &[String]) -> Option<u64> {
    if ids.is_empty() {
        return None;
    }
    let mut pipe = redis::pipe();
    for id in ids {
        pipe.cmd("MEMORY").arg("USAGE").arg(keys.job(id));
        pipe.cmd("MEMORY").arg("USAGE").arg(keys.results(id));
    }
    let sizes: Vec<Option<u64>> = probe.pipe(&pipe, "MEMORY USAGE").await.ok()?;
    Some(sizes.into_iter().flatten().sum::<u64>() / ids.len() as u64)
}

async fn server_time(probe: &mut Probe) -> Result<i64, ProbeError> {
    let (secs, _micros): (i64, i64) = probe.cmd(&redis::cmd("TIME")).await?;
    Ok(secs)
}

/// `ZRANGEBYSCORE … WITHSCORES`: flat `[member, score, …]` (RESP2) or pairs (RESP3); scores
/// may be `inf` / `-inf`. Members that are not text are skipped (RQ ids are text).
fn scored_members(reply: Value) -> Vec<(String, f64)> {
    let Value::Array(items) = reply else { return Vec::new() };
    let text = |v: &Value| match v {
        Value::BulkString(b) => String::from_utf8(b.clone()).ok(),
        Value::SimpleString(s) => Some(s.clone()),
        _ => None,
    };
    let score = |v: &Value| match v {
        Value::Double(d) => Some(*d),
        other => text(other).and_then(|s| s.parse::<f64>().ok()),
    };
    if items.iter().all(|i| matches!(i, Value::Array(_))) {
        return items
            .iter()
            .filter_map(|pair| match pair {
                Value::Array(p) if p.len() == 2 => Some((text(&p[0])?, score(&p[1])?)),
                _ => None,
            })
            .collect();
    }
    items.chunks(2).filter_map(|p| Some((text(p.first()?)?, score(p.get(1)?)?))).collect()
}

/// RQ's `utcformat` (`%Y-%m-%dT%H:%M:%S.%fZ`, or without fraction from older jobs) as unix
/// milliseconds.
fn parse_rq_time(s: &str) -> Option<i64> {
    let s = s.strip_suffix('Z')?;
    let (date, time) = s.split_once('T')?;
    let mut d = date.splitn(3, '-');
    let (y, m, day) = (d.next()?.parse().ok()?, d.next()?.parse().ok()?, d.next()?.parse().ok()?);
    let days = days_from_civil(y, m, day)?;
    let (hms, frac) = time.split_once('.').unwrap_or((time, ""));
    let mut t = hms.splitn(3, ':');
    let (h, min, sec): (i64, i64, i64) =
        (t.next()?.parse().ok()?, t.next()?.parse().ok()?, t.next()?.parse().ok()?);
    if !(0..24).contains(&h) || !(0..60).contains(&min) || !(0..61).contains(&sec) {
        return None;
    }
    let millis = if frac.is_empty() {
        0
    } else {
        let digits: String = frac.chars().take(3).collect();
        if !frac.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        format!("{digits:0<3}").parse::<i64>().ok()?
    };
    Some(((days * 86_400 + h * 3600 + min * 60 + sec) * 1000) + millis)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rq_timestamps() {
        assert_eq!(parse_rq_time("1970-01-01T00:00:01.250000Z"), Some(1250));
        assert_eq!(parse_rq_time("2026-11-23T16:08:34.705199Z"), Some(1_795_450_114_705));
        assert_eq!(parse_rq_time("2026-11-23T16:08:34Z"), Some(1_795_450_114_000));
        assert_eq!(parse_rq_time(""), None);
        assert_eq!(parse_rq_time("2026-11-23 16:08:34"), None);
        assert_eq!(parse_rq_time("2026-02-30T00:00:00Z"), None);
    }

    #[test]
    fn finds_registries_by_key() {
        assert_eq!(Registry::of_key("rq", "rq:finished:default"), Some(Registry::Finished));
        assert_eq!(Registry::of_key("rq", "rq:failed:a:b"), Some(Registry::Failed));
        assert_eq!(Registry::of_key("rq", "rq:finished:"), None);
        assert_eq!(Registry::of_key("rq", "rq:fail:x"), None);
        assert_eq!(Registry::of_key("rq", "rqx:failed:x"), None);
        assert_eq!(Registry::of_key("my{rq}", "my{rq}:failed:x"), Some(Registry::Failed));
    }

    #[test]
    fn due_means_forever_or_longer_than_asked() {
        assert!(is_due(f64::INFINITY, 100, 10));
        assert!(is_due(-1.0, 100, 10));
        assert!(is_due(111.0, 100, 10));
        assert!(!is_due(110.0, 100, 10));
        assert!(!is_due(0.0, 100, 10));
    }

    #[test]
    fn reads_scores_in_both_protocols() {
        let b = |s: &str| Value::BulkString(s.as_bytes().to_vec());
        let flat = Value::Array(vec![b("a"), b("-1"), b("b"), b("inf")]);
        assert_eq!(scored_members(flat), vec![("a".into(), -1.0), ("b".into(), f64::INFINITY)]);
        let pairs = Value::Array(vec![Value::Array(vec![b("c"), Value::Double(5.0)])]);
        assert_eq!(scored_members(pairs), vec![("c".into(), 5.0)]);
    }
}
