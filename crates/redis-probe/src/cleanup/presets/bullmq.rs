//! `bullmq-completed` and `bullmq-failed`: remove old jobs from a BullMQ queue's `completed` or
//! `failed` zset the way BullMQ's own `Queue.clean(grace, limit, 'completed' | 'failed')` does.
//!
//! Checked against BullMQ 6.7.0 (the installed package) and taskforcesh/bullmq at 352d3c72
//! (2026-08-21), whose Lua files below are identical:
//! - `src/classes/queue.ts#clean` → `RedisQueueBackend.cleanJobsByState` →
//!   `src/commands/cleanJobsInSet-3.lua`: for `completed`/`failed` it runs
//!   `includes/cleanSet.lua` with `rangeEnd = timestamp` (`Date.now() - grace`): the ids of
//!   `ZRANGEBYSCORE <set> 0 <timestamp> LIMIT 0 <limit>`, each removed with
//!   `removeJob(id, hard = true, "<prefix>:<queue>:", removeDedupKey = true)`, then
//!   `ZREM <set> <ids>` and `XADD <prefix>:<queue>:events * event cleaned count <n>`.
//! - The zset score is `finishedOn` in unix ms: `moveToFinished-14.lua` runs
//!   `ZADD <set> <timestamp> <id>` and `HSET <job> finishedOn <timestamp>` together.
//! - `includes/removeJob.lua` per job: `removeParentDependencyKey` (if the job's `parentKey`
//!   still exists: `SREM <parent>:dependencies <job key>`; when that was the parent's last
//!   pending child and the parent is in `waiting-children`, a parent of the same queue is
//!   deleted too, one of another queue is moved to `wait`), then
//!   `removeDeduplicationKeyIfNeededOnRemoval` (`DEL <prefix>:<queue>:de:<deid>` and `dn:<deid>`
//!   when the dedup key still holds this job's id), then `removeJobKeys.lua`:
//!   `DEL <job> <job>:logs <job>:dependencies <job>:processed <job>:failed <job>:unsuccessful`.
//!
//! The batch script ([`BATCH_LUA`]) holds those functions copied from BullMQ (MIT), changed only
//! to count the keys they delete. Two deliberate differences: a job whose `<job>:lock` exists
//! is skipped (BullMQ's `cleanSet` does not look: `moveToFinished` deletes the lock, so one
//! found on a finished job means a worker still claims it), and a batch with nothing removed
//! adds no `cleaned` event, so a re-run writes nothing.
//!
//! Queues are the ones given, or every `<prefix>:<queue>:completed` (or `:failed`) zset found
//! by SCAN: the `meta` hash is written by `Queue` only (not by a `Worker` or `FlowProducer`
//! alone, nor with `skipMetasUpdate`), so it is not required. Queue names cannot contain `:`
//! since BullMQ 5.12.12 (`queue-base.ts`); older queues that do are still found, as everything
//! between the prefix and the set name.

use std::time::{Duration, Instant};

use redis::Value;

use crate::{
    Probe, ProbeError,
    cleanup::{
        Pace,
        trim::{Retention, TrimOutcome, TrimParams, TrimPlan, TrimTarget},
    },
};

/// BullMQ's default key prefix (`QueueKeys`).
pub const DEFAULT_PREFIX: &str = "bull";
/// Job ids shown per queue.
const SAMPLE_IDS: usize = 5;
/// Jobs measured with MEMORY USAGE per queue for the bytes estimate.
const SIZE_SAMPLE: usize = 16;
const SCAN_COUNT: u32 = 1000;

/// Which finished set of a queue is trimmed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Completed,
    Failed,
}

impl State {
    /// The set's name after the queue (`completed`, `failed`).
    pub fn set_name(self) -> &'static str {
        match self {
            State::Completed => "completed",
            State::Failed => "failed",
        }
    }

    /// The preset's name (`bullmq-completed`, `bullmq-failed`).
    pub fn preset(self) -> &'static str {
        match self {
            State::Completed => "bullmq-completed",
            State::Failed => "bullmq-failed",
        }
    }
}

/// One batch, atomic. KEYS: the finished set, the queue's events stream. ARGV: job key prefix
/// (`bull:<queue>:`), highest score that may go (a ZRANGEBYSCORE bound), keep (`-1`: none),
/// jobs to remove at most, ids to look at at most (the batch plus the locked ids found by the
/// previous batch, which stay at the front), the last id that may go (`""`: by score only).
/// Returns `{removed, keys deleted, locked, done}`.
const BATCH_LUA: &str = r#"
local rcall = redis.call
local deletedKeys = 0

-- BullMQ 6.7.0, src/commands/includes/*.lua (MIT, Taskforce.sh Inc.), as written there except
-- where marked "redis-audit" (DEL results are summed).
local getJobIdFromKey = function (jobKey)
  return string.match(jobKey, ".*:(.*)")
end

local getJobKeyPrefix = function (jobKey, jobId)
  return string.sub(jobKey, 0, #jobKey - #jobId)
end

local function addBaseMarkerIfNeeded(markerKey, isPausedOrMaxed)
  if not isPausedOrMaxed then
    rcall("ZADD", markerKey, 0, "0")
  end
end

local function addJobInTargetList(targetKey, markerKey, pushCmd, isPausedOrMaxed, jobId)
  rcall(pushCmd, targetKey, jobId)
  addBaseMarkerIfNeeded(markerKey, isPausedOrMaxed)
end

local function isQueuePausedOrMaxed(queueMetaKey, activeKey)
  local queueAttributes = rcall("HMGET", queueMetaKey, "paused", "concurrency")
  if queueAttributes[1] then
    return true
  else
    if queueAttributes[2] then
      local activeCount = rcall("LLEN", activeKey)
      return activeCount >= tonumber(queueAttributes[2])
    end
  end
  return false
end

local function removeJobKeys(jobKey)
  -- redis-audit: counted
  local n = rcall("DEL", jobKey, jobKey .. ':logs', jobKey .. ':dependencies',
    jobKey .. ':processed', jobKey .. ':failed', jobKey .. ':unsuccessful')
  deletedKeys = deletedKeys + n
  return n
end

local function _moveParentToWait(parentPrefix, parentId, emitEvent)
  local isPausedOrMaxed =
    isQueuePausedOrMaxed(parentPrefix .. "meta", parentPrefix .. "active")
  addJobInTargetList(parentPrefix .. "wait", parentPrefix .. "marker", "RPUSH", isPausedOrMaxed, parentId)
  if emitEvent then
    local parentEventStream = parentPrefix .. "events"
    rcall("XADD", parentEventStream, "*", "event", "waiting", "jobId", parentId, "prev", "waiting-children")
  end
end

local function removeParentDependencyKey(jobKey, hard, parentKey, baseKey, debounceId)
  if parentKey then
    local parentDependenciesKey = parentKey .. ":dependencies"
    local result = rcall("SREM", parentDependenciesKey, jobKey)
    if result > 0 then
      local pendingDependencies = rcall("SCARD", parentDependenciesKey)
      if pendingDependencies == 0 then
        local parentId = getJobIdFromKey(parentKey)
        local parentPrefix = getJobKeyPrefix(parentKey, parentId)
        local numRemovedElements = rcall("ZREM", parentPrefix .. "waiting-children", parentId)
        if numRemovedElements == 1 then
          if hard then
            if parentPrefix == baseKey then
              removeParentDependencyKey(parentKey, hard, nil, baseKey, nil)
              removeJobKeys(parentKey)
              if debounceId then
                -- redis-audit: counted
                deletedKeys = deletedKeys + rcall("DEL", parentPrefix .. "de:" .. debounceId)
              end
            else
              _moveParentToWait(parentPrefix, parentId)
            end
          else
            _moveParentToWait(parentPrefix, parentId, true)
          end
        end
      end
      return true
    end
  else
    local parentAttributes = rcall("HMGET", jobKey, "parentKey", "deid")
    local missedParentKey = parentAttributes[1]
    if( (type(missedParentKey) == "string") and missedParentKey ~= ""
      and (rcall("EXISTS", missedParentKey) == 1)) then
      local parentDependenciesKey = missedParentKey .. ":dependencies"
      local result = rcall("SREM", parentDependenciesKey, jobKey)
      if result > 0 then
        local pendingDependencies = rcall("SCARD", parentDependenciesKey)
        if pendingDependencies == 0 then
          local parentId = getJobIdFromKey(missedParentKey)
          local parentPrefix = getJobKeyPrefix(missedParentKey, parentId)
          local numRemovedElements = rcall("ZREM", parentPrefix .. "waiting-children", parentId)
          if numRemovedElements == 1 then
            if hard then
              if parentPrefix == baseKey then
                removeParentDependencyKey(missedParentKey, hard, nil, baseKey, nil)
                removeJobKeys(missedParentKey)
                if parentAttributes[2] then
                  -- redis-audit: counted
                  deletedKeys = deletedKeys + rcall("DEL", parentPrefix .. "de:" .. parentAttributes[2])
                end
              else
                _moveParentToWait(parentPrefix, parentId)
              end
            else
              _moveParentToWait(parentPrefix, parentId, true)
            end
          end
        end
        return true
      end
    end
  end
  return false
end

local function removeDeduplicationKeyIfNeededOnRemoval(prefixKey, jobId, deduplicationId)
  if deduplicationId then
    local deduplicationKey = prefixKey .. "de:" .. deduplicationId
    local currentJobId = rcall('GET', deduplicationKey)
    if currentJobId and currentJobId == jobId then
      -- redis-audit: counted
      deletedKeys = deletedKeys + rcall("DEL", deduplicationKey)
      deletedKeys = deletedKeys + rcall("DEL", prefixKey .. "dn:" .. deduplicationId)
      return 1
    end
  end
end

local function removeJob(jobId, hard, baseKey, shouldRemoveDeduplicationKey)
  local jobKey = baseKey .. jobId
  removeParentDependencyKey(jobKey, hard, nil, baseKey)
  if shouldRemoveDeduplicationKey then
    local deduplicationId = rcall("HGET", jobKey, "deid")
    removeDeduplicationKeyIfNeededOnRemoval(baseKey, jobId, deduplicationId)
  end
  removeJobKeys(jobKey)
end

local function batches(n, batchSize)
  local i = 0
  return function()
    local from = i * batchSize + 1
    i = i + 1
    if (from <= n) then
      local to = math.min(from + batchSize - 1, n)
      return from, to
    end
  end
end
-- End of BullMQ's functions.

local setKey, eventsKey = KEYS[1], KEYS[2]
local prefix, maxScore = ARGV[1], ARGV[2]
local keep, batch, window = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local lastId = ARGV[6]

-- The newest `keep` are counted now, inside the batch, so jobs BullMQ adds or removes
-- meanwhile never make this reach into them.
local limit, capped = window, false
if keep >= 0 then
  local removable = rcall("ZCARD", setKey) - keep
  if removable < limit then limit, capped = removable, true end
end
-- Up to the last job that goes, by rank: jobs finishing in the same millisecond share its
-- score and only the set's order tells them apart. Once it is gone, strictly older only.
local rank = nil
if lastId ~= "" then
  rank = rcall("ZRANK", setKey, lastId)
  if rank and rank + 1 < limit then limit, capped = rank + 1, true end
end
-- One id more than looked at says whether another batch is needed.
local ids = {}
if limit > 0 then
  if rank then
    ids = rcall("ZRANGE", setKey, 0, limit)
  else
    ids = rcall("ZRANGEBYSCORE", setKey, "-inf", maxScore, "LIMIT", 0, limit + 1)
  end
end
local n = math.min(#ids, limit)

local removed, locked, visited = {}, 0, 0
for i = 1, n do
  if #removed >= batch then break end
  local id = ids[i]
  visited = visited + 1
  if rcall("EXISTS", prefix .. id .. ":lock") == 1 then
    locked = locked + 1
  else
    removeJob(id, true, prefix, true)
    removed[#removed + 1] = id
  end
end
if #removed > 0 then
  for from, to in batches(#removed, 7000) do
    rcall("ZREM", setKey, unpack(removed, from, to))
  end
  -- As cleanJobsInSet-3.lua; pcall: a failed event must not fail a batch already done.
  redis.pcall("XADD", eventsKey, "*", "event", "cleaned", "count", #removed)
end
local done = 0
if visited == n and (capped or #ids <= limit) then done = 1 end
return {#removed, deletedKeys, locked, done}
"#;

/// Reads what a trim of `which` would remove: per queue, the set's size, how many jobs go, a
/// few of their ids and an estimate of the bytes freed. Read-only.
pub async fn plan(probe: &mut Probe, which: State, params: &TrimParams) -> Result<TrimPlan, ProbeError> {
    let prefix = params.prefix.as_deref().unwrap_or(DEFAULT_PREFIX);
    let set = which.set_name();
    let mut notes = Vec::new();
    let queues =
        if params.queues.is_empty() { discover(probe, prefix, set).await? } else { params.queues.clone() };
    let mut targets = Vec::new();
    let mut without_meta = Vec::new();
    for queue in queues {
        let base = format!("{prefix}:{queue}:");
        let key = format!("{base}{set}");
        let mut p = redis::pipe();
        p.cmd("TYPE").arg(&key);
        p.cmd("ZCARD").arg(&key);
        p.cmd("HGET").arg(format!("{base}meta")).arg("version");
        match params.retention {
            Retention::OlderThan { cutoff_ms } => {
                p.cmd("ZCOUNT").arg(&key).arg("-inf").arg(cutoff_ms);
                p.cmd("ZRANGEBYSCORE")
                    .arg(&key)
                    .arg("-inf")
                    .arg(cutoff_ms)
                    .arg("LIMIT")
                    .arg(0)
                    .arg(SIZE_SAMPLE);
            }
            Retention::KeepNewest { .. } => {
                // The oldest go first; the count (total - keep) is worked out below and cuts
                // this sample to the jobs that go.
                p.cmd("ZCARD").arg(&key);
                p.cmd("ZRANGE").arg(&key).arg(0).arg(SIZE_SAMPLE - 1);
            }
        }
        let (kind, total, version, count, ids): (String, u64, Option<String>, u64, Vec<String>) =
            probe.pipe(&p, "BullMQ plan").await?;
        if kind != "zset" {
            if !params.queues.is_empty() {
                let what = if kind == "none" { "does not exist".to_string() } else { format!("is a {kind}") };
                notes.push(format!("Queue `{queue}`: no {set} jobs (`{key}` {what})."));
            }
            continue;
        }
        if !version.as_deref().is_some_and(|v| v.starts_with("bullmq")) {
            without_meta.push(queue.clone());
        }
        let remove = match params.retention {
            Retention::OlderThan { .. } => count,
            Retention::KeepNewest { keep } => total.saturating_sub(keep),
        };
        let (sample, bytes_estimate) = sample_jobs(probe, &base, &ids, remove).await?;
        let how = format!(
            "per job, as BullMQ's clean: DEL {base}<id> and its :logs, :dependencies, :processed, :failed, \
             :unsuccessful, its dedup key {base}de:<deid> if it still names the job, and its entry in its \
             parent's :dependencies (a parent left with no pending child is deleted, or moved to `wait` in \
             another queue); ZREM {key} <id>; skipped while {base}<id>:lock exists"
        );
        targets.push(TrimTarget { key, total, remove, bytes_estimate, sample, how });
    }
    notes.push(format!(
        "BullMQ enforces removeOnComplete/removeOnFail only when another job of the queue finishes; a \
         {set} job's score is its finishedOn (unix ms)."
    ));
    if targets.iter().any(|t| t.bytes_estimate.is_some()) {
        notes.push(format!(
            "Bytes: MEMORY USAGE of up to {SIZE_SAMPLE} of the jobs that go (hash and logs) per queue, \
             extrapolated."
        ));
    }
    if let Retention::KeepNewest { .. } = params.retention {
        notes.push(
            "The newest jobs are counted again in each batch, and no job newer than the last one to go when \
             the apply starts is removed: jobs finishing meanwhile neither push planned ones out nor get removed."
                .into(),
        );
    }
    if !without_meta.is_empty() {
        notes.push(format!(
            "No BullMQ version in `<prefix>:<queue>:meta` for {}: written by Bull (legacy, same key layout) or \
             only by workers.",
            without_meta.join(", ")
        ));
    }
    Ok(TrimPlan { preset: which.preset().into(), params: params.clone(), targets, notes })
}

/// Queues with a `<prefix>:<queue>:<set>` zset, sorted.
async fn discover(probe: &mut Probe, prefix: &str, set: &str) -> Result<Vec<String>, ProbeError> {
    let pattern = format!("{}:*:{set}", glob_escape(prefix));
    let mut cursor: u64 = 0;
    let mut keys: Vec<String> = Vec::new();
    loop {
        let (next, batch): (u64, Vec<Vec<u8>>) = probe
            .cmd(redis::cmd("SCAN").arg(cursor).arg("MATCH").arg(&pattern).arg("COUNT").arg(SCAN_COUNT))
            .await?;
        // BullMQ writes its keys as UTF-8 strings.
        keys.extend(batch.into_iter().filter_map(|k| String::from_utf8(k).ok()));
        cursor = next;
        if cursor == 0 {
            break;
        }
    }
    keys.sort();
    keys.dedup();
    // A job's `:failed` hash (children that failed) matches `*:failed` too: keep zsets only.
    let mut p = redis::pipe();
    for k in &keys {
        p.cmd("TYPE").arg(k);
    }
    let kinds: Vec<String> = if keys.is_empty() { Vec::new() } else { probe.pipe(&p, "TYPE").await? };
    let head = format!("{prefix}:");
    let tail = format!(":{set}");
    Ok(keys
        .iter()
        .zip(kinds)
        .filter(|(_, kind)| kind == "zset")
        .filter_map(|(k, _)| k.strip_prefix(&head)?.strip_suffix(&tail).map(str::to_string))
        .filter(|q| !q.is_empty())
        .collect())
}

/// `id (name)` of the first few jobs that go, and their extrapolated size (`None` when MEMORY
/// USAGE is refused).
async fn sample_jobs(
    probe: &mut Probe,
    base: &str,
    ids: &[String],
    remove: u64,
) -> Result<(Vec<String>, Option<u64>), ProbeError> {
    let ids = &ids[..ids.len().min(usize::try_from(remove).unwrap_or(usize::MAX))];
    if ids.is_empty() {
        return Ok((Vec::new(), Some(0).filter(|_| remove == 0)));
    }
    let mut p = redis::pipe();
    for id in ids {
        p.cmd("HGET").arg(format!("{base}{id}")).arg("name");
        p.cmd("MEMORY").arg("USAGE").arg(format!("{base}{id}"));
        p.cmd("MEMORY").arg("USAGE").arg(format!("{base}{id}:logs"));
    }
    p.ignore_errors();
    let replies: Vec<Value> = probe.pipe(&p, "BullMQ sample").await?;
    let mut sample = Vec::new();
    let mut bytes = Some(0u64);
    for (id, r) in ids.iter().zip(replies.chunks(3)) {
        if sample.len() < SAMPLE_IDS {
            sample.push(match r.first().and_then(text) {
                Some(name) => format!("{id} ({name})"),
                None => id.clone(),
            });
        }
        for v in r.iter().skip(1) {
            bytes = match v {
                Value::ServerError(_) => None,
                v => bytes.map(|b| b + int(v).unwrap_or(0)),
            };
        }
    }
    let estimate = bytes.map(|b| {
        let per_job = b as f64 / ids.len() as f64;
        (per_job * remove as f64).round() as u64
    });
    Ok((sample, estimate))
}

/// Removes what `plan` listed, in batches of `pace.batch` jobs at no more than `pace.rate` jobs
/// a second, each batch one atomic script. `progress` gets the jobs removed so far after each
/// batch. Re-running with the same plan removes nothing more (unless, for `KeepNewest`, more
/// jobs have finished since).
pub async fn apply(
    probe: &mut Probe,
    plan: &TrimPlan,
    pace: &Pace,
    progress: &mut dyn FnMut(u64),
) -> Result<TrimOutcome, ProbeError> {
    let rate = pace.rate.filter(|r| *r > 0);
    // Never more than a second's worth in one batch, so the rate holds within a second.
    let batch = u64::from(pace.batch.max(1)).min(rate.unwrap_or(u64::MAX));
    let script = Script::load(probe).await;
    let started = Instant::now();
    let mut out = TrimOutcome::default();
    for target in &plan.targets {
        // Not a set this preset plans: nothing to do.
        let Some(base) = job_key_prefix(&target.key) else {
            continue;
        };
        let keep = match plan.params.retention {
            Retention::OlderThan { .. } => -1,
            Retention::KeepNewest { keep } => i64::try_from(keep).unwrap_or(i64::MAX),
        };
        // KeepNewest is fixed when the apply starts: the newest job that goes then is the last
        // that may go, so jobs finishing meanwhile push no more out.
        let (max_score, last_id) = match plan.params.retention {
            Retention::OlderThan { cutoff_ms } => (cutoff_ms.to_string(), String::new()),
            Retention::KeepNewest { .. } => {
                let edge: Vec<Value> = probe
                    .cmd(redis::cmd("ZREVRANGE").arg(&target.key).arg(keep).arg(keep).arg("WITHSCORES"))
                    .await?;
                match (edge.first().and_then(text), edge.get(1).and_then(score)) {
                    (Some(id), Some(s)) => (format!("({s}"), id),
                    _ => continue,
                }
            }
        };
        let events = format!("{base}events");
        let mut window = batch;
        loop {
            if let Some(rate) = rate {
                let due = Duration::from_secs_f64(out.items as f64 / rate as f64);
                if let Some(wait) = due.checked_sub(started.elapsed()) {
                    tokio::time::sleep(wait).await;
                }
            }
            let args = [
                base.to_string(),
                max_score.clone(),
                keep.to_string(),
                batch.to_string(),
                window.to_string(),
                last_id.clone(),
            ];
            let reply = script.run(probe, &[&target.key, &events], &args).await?;
            let [removed, keys, locked, done] = reply;
            out.items += removed;
            out.keys_deleted += keys;
            out.batches += 1;
            progress(out.items);
            if done == 1 {
                out.skipped_in_use += locked;
                break;
            }
            window = batch + locked;
        }
    }
    Ok(out)
}

/// `bull:<queue>:` from `bull:<queue>:completed` (or `:failed`).
fn job_key_prefix(set_key: &str) -> Option<&str> {
    [State::Completed, State::Failed].iter().find_map(|s| {
        let base = set_key.strip_suffix(s.set_name())?;
        base.ends_with(':').then_some(base)
    })
}

/// [`BATCH_LUA`] by EVALSHA, loaded once; EVAL when the server lost it (restart, failover,
/// SCRIPT FLUSH) or SCRIPT LOAD is not allowed.
struct Script {
    sha: Option<String>,
}

impl Script {
    async fn load(probe: &mut Probe) -> Script {
        let sha = probe.cmd::<String>(redis::cmd("SCRIPT").arg("LOAD").arg(BATCH_LUA)).await.ok();
        Script { sha }
    }

    async fn run(&self, probe: &mut Probe, keys: &[&str], args: &[String]) -> Result<[u64; 4], ProbeError> {
        let call = |name: &str, body: &str| {
            let mut c = redis::cmd(name);
            c.arg(body).arg(keys.len()).arg(keys).arg(args);
            c
        };
        let reply: Vec<i64> = match &self.sha {
            Some(sha) => match probe.cmd(&call("EVALSHA", sha)).await {
                // redis-rs shows the server's NOSCRIPT as `NoScript: ...`.
                Err(ProbeError::Command { reason, .. })
                    if reason.to_ascii_lowercase().contains("noscript") =>
                {
                    // EVAL caches the script again: later batches hit the same sha.
                    probe.cmd(&call("EVAL", BATCH_LUA)).await?
                }
                r => r?,
            },
            None => probe.cmd(&call("EVAL", BATCH_LUA)).await?,
        };
        let n = |i: usize| reply.get(i).and_then(|v| u64::try_from(*v).ok()).unwrap_or(0);
        Ok([n(0), n(1), n(2), n(3)])
    }
}

/// A prefix as a literal in a SCAN MATCH pattern.
fn glob_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::BulkString(b) => Some(String::from_utf8_lossy(b).into_owned()),
        Value::SimpleString(s) => Some(s.clone()),
        _ => None,
    }
}

fn int(v: &Value) -> Option<u64> {
    match v {
        Value::Int(i) => u64::try_from(*i).ok(),
        _ => None,
    }
}

/// A zset score as a ZRANGEBYSCORE bound.
fn score(v: &Value) -> Option<String> {
    match v {
        Value::Double(d) => Some(d.to_string()),
        v => text(v),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_key_prefix_strips_the_set_name() {
        assert_eq!(job_key_prefix("bull:mail:completed"), Some("bull:mail:"));
        assert_eq!(job_key_prefix("app:jobs:q:failed"), Some("app:jobs:q:"));
        assert_eq!(job_key_prefix("bull:mail:wait"), None);
        assert_eq!(job_key_prefix("bullcompleted"), None);
    }

    #[test]
    fn prefixes_are_literal_in_scan_patterns() {
        assert_eq!(glob_escape("{app}"), "{app}");
        assert_eq!(glob_escape("a*b?[c]\\"), "a\\*b\\?\\[c\\]\\\\");
    }
}
