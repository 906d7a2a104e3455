//! `cleanup --preset NAME`: the flags of each preset turned into a key selection (Celery,
//! sessions, Sidekiq's daily stats) or a framework trim (Sidekiq's dead and retry sets, BullMQ's
//! completed and failed jobs, RQ's kept results), planned and applied by
//! `redis_probe::cleanup::presets`.

use std::time::{SystemTime, UNIX_EPOCH};

use redis_probe::{
    Probe, ProbeError,
    cleanup::{
        Action, Journal, Pace, Selection, Work, date,
        presets::{bullmq, celery, rq, sessions, sidekiq},
        trim::{Retention, TrimOutcome, TrimParams, TrimPlan},
    },
};

use crate::cli::{CleanupArgs, PresetArg};

/// Ctrl-C during a trim: the batch in flight is one atomic script, so stopping between two
/// is safe, and a resume redoes only what is left.
#[derive(Debug, thiserror::Error)]
#[error("interrupted")]
pub struct Stopped;

/// What a preset's flags amount to.
pub enum FromFlags {
    Keys { selection: Selection, action: Action },
    Trim(PresetWork),
}

/// A trim preset with its parameters (the cutoff fixed when asked, so a resume removes the
/// same entries).
#[derive(Debug, Clone)]
pub struct PresetWork {
    name: &'static str,
    params: TrimParams,
}

const TRIMS: [&str; 5] =
    [sidekiq::DEAD_PRESET, sidekiq::RETRY_PRESET, "bullmq-completed", "bullmq-failed", rq::PRESET];

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

fn retention(args: &CleanupArgs, name: &str) -> Result<Retention, String> {
    match (args.older_than, args.keep) {
        (Some(age), _) => Ok(TrimParams::older_than(age, now_ms())),
        (None, Some(keep)) => Ok(Retention::KeepNewest { keep }),
        (None, None) => Err(format!("--preset {name}: say what goes, --older-than DURATION or --keep N")),
    }
}

pub fn from_flags(preset: PresetArg, args: &CleanupArgs) -> Result<FromFlags, String> {
    let prefix = args.prefix.as_deref();
    let trim = |name: &'static str, retention: Retention, expire_secs: Option<u64>| {
        Ok(FromFlags::Trim(PresetWork {
            name,
            params: TrimParams {
                retention,
                prefix: args.prefix.clone(),
                queues: args.queues.clone(),
                expire_secs,
            },
        }))
    };
    let no_key_flags = |name: &str| -> Result<(), String> {
        if args.delete || args.expire.is_some() || args.idle_over.is_some() {
            return Err(format!(
                "--preset {name} trims the framework's own sets: --delete, --expire and --idle-over do not apply (use --older-than or --keep)"
            ));
        }
        Ok(())
    };
    match preset {
        PresetArg::SidekiqDead => {
            no_key_flags(sidekiq::DEAD_PRESET)?;
            trim(sidekiq::DEAD_PRESET, retention(args, sidekiq::DEAD_PRESET)?, None)
        }
        PresetArg::SidekiqRetry => {
            no_key_flags(sidekiq::RETRY_PRESET)?;
            trim(sidekiq::RETRY_PRESET, retention(args, sidekiq::RETRY_PRESET)?, None)
        }
        PresetArg::BullmqCompleted => {
            no_key_flags("bullmq-completed")?;
            trim("bullmq-completed", retention(args, "bullmq-completed")?, None)
        }
        PresetArg::BullmqFailed => {
            no_key_flags("bullmq-failed")?;
            trim("bullmq-failed", retention(args, "bullmq-failed")?, None)
        }
        PresetArg::RqResults => {
            if args.delete || args.keep.is_some() || args.idle_over.is_some() {
                return Err(
                    "--preset rq-results gives kept results a TTL: use --expire DURATION (and --older-than)"
                        .into(),
                );
            }
            let retention = match args.older_than {
                Some(age) => TrimParams::older_than(age, now_ms()),
                None => Retention::OlderThan { cutoff_ms: now_ms() },
            };
            trim(rq::PRESET, retention, args.expire.map(|d| d.as_secs().max(1)))
        }
        PresetArg::SidekiqStats => {
            if args.expire.is_some() || args.keep.is_some() || args.idle_over.is_some() {
                return Err(
                    "--preset sidekiq-stats deletes daily counters older than --older-than DURATION".into()
                );
            }
            let age =
                args.older_than.ok_or("--preset sidekiq-stats: give --older-than DURATION (e.g. 90d)")?;
            let today = date::day_of_unix(now_ms() / 1000);
            let selection = sidekiq::stats_selection_in(prefix, age.as_secs() / 86_400, today);
            Ok(FromFlags::Keys { selection, action: Action::Delete })
        }
        PresetArg::CeleryResults => {
            if args.keep.is_some() || args.older_than.is_some() || args.idle_over.is_some() {
                return Err("--preset celery-results gives results without a TTL one: use --expire DURATION (default 1d, Celery's own result_expires) or --delete".into());
            }
            let selection = celery::selection(prefix);
            let action = if args.delete {
                Action::Delete
            } else {
                celery::action(args.expire.map_or(celery::DEFAULT_EXPIRE_SECS, |d| d.as_secs().max(1)))
            };
            Ok(FromFlags::Keys { selection, action })
        }
        PresetArg::Sessions => {
            if args.keep.is_some() || args.older_than.is_some() {
                return Err("--preset sessions: use --expire DURATION (cap every session's TTL), or --delete --idle-over DURATION".into());
            }
            let stores = match (&args.framework, &args.prefix) {
                (None, None) => sessions::SessionStores::All,
                (None, Some(_)) => {
                    return Err("--preset sessions --prefix P: say whose sessions with --framework express|django|flask|rails".into());
                }
                (Some(name), prefix) => match sessions::SessionFramework::parse(name) {
                    Some(framework) => sessions::SessionStores::Only { framework, prefix: prefix.clone() },
                    None => {
                        return Err(format!("--framework {name}: not one of express, django, flask, rails"));
                    }
                },
            };
            match (args.delete, args.expire, args.idle_over) {
                (true, None, Some(idle)) => Ok(FromFlags::Keys {
                    selection: sessions::idle_selection(&stores, idle.as_secs()),
                    action: sessions::idle_action(),
                }),
                (false, Some(ttl), None) => Ok(FromFlags::Keys {
                    selection: sessions::expire_selection(&stores),
                    action: sessions::expire_action(ttl.as_secs().max(1)),
                }),
                _ => Err("--preset sessions: use --expire DURATION (cap every session's TTL), or --delete --idle-over DURATION (remove sessions nobody used for that long)".into()),
            }
        }
    }
}

impl PresetWork {
    pub fn name(&self) -> &'static str {
        self.name
    }

    pub fn work(&self) -> Work {
        Work::Trim { preset: self.name.to_string(), params: self.params.clone() }
    }

    pub fn resume(name: &str, params: &TrimParams) -> Option<PresetWork> {
        let name = TRIMS.into_iter().find(|t| *t == name)?;
        Some(PresetWork { name, params: params.clone() })
    }

    pub async fn plan(&self, probe: &mut Probe) -> Result<TrimPlan, ProbeError> {
        match self.name {
            sidekiq::DEAD_PRESET => sidekiq::plan_dead(probe, &self.params).await,
            sidekiq::RETRY_PRESET => sidekiq::plan_retry(probe, &self.params).await,
            "bullmq-completed" => bullmq::plan(probe, bullmq::State::Completed, &self.params).await,
            "bullmq-failed" => bullmq::plan(probe, bullmq::State::Failed, &self.params).await,
            _ => rq::plan(probe, &self.params).await,
        }
    }

    /// Plans again (the same fixed cutoff) and applies, recording progress in the journal.
    pub async fn plan_and_apply(
        &self,
        probe: &mut Probe,
        pace: &Pace,
        journal: &mut Journal,
    ) -> anyhow::Result<(TrimPlan, TrimOutcome)> {
        let plan = self.plan(probe).await?;
        // A resumed run counts from zero: what earlier runs removed stays in the total.
        let before = journal.changed;
        let mut progress = |done: u64| {
            journal.changed = before + done;
            let _ = journal.save_soon();
        };
        let outcome = match self.name {
            sidekiq::DEAD_PRESET | sidekiq::RETRY_PRESET => {
                sidekiq::apply(probe, &plan, pace, &mut progress).await?
            }
            "bullmq-completed" | "bullmq-failed" => bullmq::apply(probe, &plan, pace, &mut progress).await?,
            _ => rq::apply(probe, &plan, pace, &mut progress).await?,
        };
        journal.changed = before + outcome.items;
        Ok((plan, outcome))
    }
}
