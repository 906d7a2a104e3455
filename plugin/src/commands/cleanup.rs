//! `redis-audit cleanup POD` / `cleanup --redis-url URL`: selects keys (or, with a preset,
//! a framework's set entries), prints the plan, and with `--apply` takes the backup, writes the
//! journal, and deletes or expires in rate-limited batches (`redis_probe::cleanup`).
//!
//! Exit 0: plan printed, or cleanup finished. Exit 2: usage, connection, backup, journal or
//! server error (nothing was changed unless the report says so). Exit 130: Ctrl-C; the current
//! batch finished and the journal says where `--resume` goes on.

use std::{
    io::{IsTerminal, Write},
    path::{Path, PathBuf},
    process::ExitCode,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use anyhow::Context;
use findings::units::format_bytes_short;
use redis_probe::{
    Timeouts,
    cleanup::{
        self, Action, CleanupError, ExpireMode, Hooks, Journal, Outcome, Pace, Plan, Progress, Selection,
        ServerFacts, State, Work,
    },
};
use serde::Serialize;

use super::{
    cleanup_presets::{self, PresetWork},
    one_server::{BackupChoice, Connected, Named, connect},
};
use crate::{
    cli::{CleanupArgs, FixFormat},
    output,
};

/// What the run printed, as `-o json` shows it.
#[derive(Debug, Serialize)]
struct Report<'a> {
    target: &'a str,
    db: u32,
    preset: Option<String>,
    dry_run: bool,
    /// Keys (or set entries) per second; `None`: unlimited.
    rate: Option<u64>,
    /// Key cleanups: the dry run's plan.
    plan: Option<&'a Plan>,
    /// Preset trims: their plan.
    trim_plan: Option<&'a cleanup::trim::TrimPlan>,
    backup: Option<String>,
    journal: Option<String>,
    outcome: Option<&'a Outcome>,
    trim_outcome: Option<&'a cleanup::trim::TrimOutcome>,
    notes: &'a [String],
}

impl<'a> Report<'a> {
    /// A report with nothing planned or done yet.
    fn new(
        target: &'a str,
        db: u32,
        preset: Option<String>,
        dry_run: bool,
        rate: Option<u64>,
        notes: &'a [String],
    ) -> Report<'a> {
        Report {
            target,
            db,
            preset,
            dry_run,
            rate,
            plan: None,
            trim_plan: None,
            backup: None,
            journal: None,
            outcome: None,
            trim_outcome: None,
            notes,
        }
    }
}

pub fn run(args: &CleanupArgs) -> anyhow::Result<ExitCode> {
    let timeouts =
        Timeouts { connect: Duration::from_secs(args.connect_timeout.max(1)), ..Timeouts::default() };
    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().context("tokio runtime")?;
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let writes = args.apply || args.resume.is_some();
    runtime.block_on(async move {
        // First Ctrl-C: finish the batch and write the journal; a second one quits at once.
        // A dry run has nothing to finish.
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                if !writes {
                    std::process::exit(130);
                }
                flag.store(true, Ordering::SeqCst);
                anstream::eprintln!("stopping after this batch (Ctrl-C again to quit now)");
                if tokio::signal::ctrl_c().await.is_ok() {
                    std::process::exit(130);
                }
            }
        });
        clean(args, timeouts, &stop).await
    })
}

/// The work from the flags, or from `--resume`'s journal.
enum Asked {
    Keys { selection: Selection, action: Action },
    Preset(PresetWork),
}

fn usage(msg: impl Into<String>) -> anyhow::Result<ExitCode> {
    anstream::eprintln!("error: {}", msg.into());
    Ok(ExitCode::from(2))
}

async fn clean(args: &CleanupArgs, timeouts: Timeouts, stop: &AtomicBool) -> anyhow::Result<ExitCode> {
    let resumed = match &args.resume {
        Some(path) => match Journal::load(path) {
            Ok(j) => Some(j),
            Err(e) => return usage(e.to_string()),
        },
        None => None,
    };
    let asked = match &resumed {
        Some(j) => {
            if !args.patterns.is_empty() || args.preset.is_some() || args.delete || args.expire.is_some() {
                return usage("--resume takes the selection and action from the journal; do not repeat them");
            }
            if j.state == State::Done {
                anstream::eprintln!(
                    "{}: this cleanup already finished ({} changed); nothing to resume",
                    args.resume.as_deref().map(Path::display).map(|d| d.to_string()).unwrap_or_default(),
                    j.changed
                );
                return Ok(ExitCode::SUCCESS);
            }
            match &j.work {
                Work::Keys { selection, action } => {
                    Asked::Keys { selection: selection.clone(), action: *action }
                }
                Work::Trim { preset, params } => match PresetWork::resume(preset, params) {
                    Some(w) => Asked::Preset(w),
                    None => return usage(format!("the journal names an unknown preset `{preset}`")),
                },
            }
        }
        None => match asked_from_flags(args) {
            Ok(a) => a,
            Err(msg) => return usage(msg),
        },
    };
    let backup = match BackupChoice::from_args(args.backup.as_deref(), args.no_backup) {
        Some(b) => b,
        None if args.apply => {
            return usage(
                "--apply changes data: choose a backup first, --backup PATH (stream an RDB snapshot to a local file), --backup bgsave (the server saves its own RDB), or --no-backup",
            );
        }
        None => BackupChoice::None,
    };
    let named = Named {
        pod: args.pod.as_deref(),
        redis_url: args.redis_url.as_deref(),
        kube: &args.kube,
        memory_limit: None,
    };
    let mut c = connect(named, timeouts).await?;
    let db = match (&resumed, args.db) {
        (Some(j), _) => Some(j.db),
        (None, d) => d,
    };
    if let Some(db) = db {
        c.probe.select(db).await?;
    }
    if let Some(j) = &resumed
        && j.target != c.target
    {
        return usage(format!(
            "the journal is for {}, not {}: name the same server to resume",
            j.target, c.target
        ));
    }
    let facts = ServerFacts::read(&mut c.probe).await?;
    let batch = args.batch.unwrap_or(if args.rate == 0 {
        cleanup::DEFAULT_BATCH_UNLIMITED
    } else {
        cleanup::DEFAULT_BATCH
    });
    let pace = Pace { rate: (args.rate > 0).then_some(args.rate), batch };
    let pace = resumed.as_ref().map_or(pace, |j| j.pace);
    let db = db.unwrap_or(0);
    let mut notes = std::mem::take(&mut c.notes);
    if !args.apply && resumed.is_none() {
        return dry_run(args, &mut c, &asked, &pace, &facts, db, &mut notes).await;
    }
    // Refusals before the backup: nothing is asked of the server that cannot be used.
    if let Some(master) = facts.replica_of() {
        return usage(CleanupError::Replica { target: c.target.clone(), master }.to_string());
    }
    let preset_name = match &asked {
        Asked::Preset(w) => Some(w.name().to_string()),
        Asked::Keys { .. } => {
            resumed.as_ref().and_then(|j| j.preset.clone()).or(args.preset.map(preset_name))
        }
    };
    let mut journal = match resumed {
        Some(j) => j,
        None => {
            let work = match &asked {
                Asked::Keys { selection, action } => {
                    Work::Keys { selection: selection.clone(), action: *action }
                }
                Asked::Preset(w) => w.work(),
            };
            let path = args.journal.clone().unwrap_or_else(default_journal_path);
            match Journal::new(&c.target, db, preset_name.clone(), work, pace).create(&path) {
                Ok(j) => j,
                Err(e) => return usage(format!("{e}; nothing was changed")),
            }
        }
    };
    let journal_path = journal.path().map(|p| p.display().to_string());
    let backup_done = match c.take_backup(&backup, timeouts).await {
        Ok(b) => b,
        Err(why) => {
            let _ = std::fs::remove_file(journal.path().unwrap_or(Path::new("")));
            return usage(format!("backup failed, nothing was changed: {why}"));
        }
    };
    if let Some(b) = &backup_done {
        anstream::eprintln!("backup: {b}");
    }
    if let Some(p) = &journal_path {
        anstream::eprintln!("journal: {p} (resume with --resume {p})");
    }
    match asked {
        Asked::Keys { .. } => {
            let kept = Arc::new(std::sync::Mutex::new(Vec::new()));
            let mut reconnect = c.reconnector(timeouts, kept.clone());
            let db_select = db;
            let mut reopen = move || -> crate::kubernetes::Reopening {
                let fut = reconnect();
                Box::pin(async move {
                    let mut p = fut.await?;
                    if db_select != 0 {
                        p.select(db_select).await?;
                    }
                    Ok(p)
                })
            };
            let bar = std::io::stderr().is_terminal().then(super::keys::progress_bar);
            let mut on_progress = |p: Progress| {
                if let Some(bar) = &bar {
                    bar.set_position((p.fraction * 1000.0) as u64);
                    bar.set_message(format!("{} keys changed of {} scanned", p.keys_changed, p.keys_scanned));
                }
            };
            let hooks = Hooks { stop, progress: &mut on_progress, reconnect: Some(&mut reopen) };
            let result = cleanup::apply(&mut c.probe, &mut journal, &facts, hooks).await;
            if let Some(bar) = bar {
                bar.finish_and_clear();
            }
            let outcome = match result {
                Ok(o) => o,
                Err(e) => {
                    anstream::eprintln!("error: {e}");
                    if let Some(p) = &journal_path {
                        anstream::eprintln!(
                            "{} keys were changed before it stopped; resume with --resume {p}",
                            journal.changed
                        );
                    }
                    return Ok(ExitCode::from(2));
                }
            };
            let report = Report {
                backup: backup_done,
                journal: journal_path.clone(),
                outcome: Some(&outcome),
                ..Report::new(&c.target, db, preset_name, false, journal.pace.rate, &notes)
            };
            print(args.output, &report)?;
            if outcome.interrupted {
                anstream::eprintln!(
                    "interrupted after a whole batch: resume with --resume {}",
                    journal_path.unwrap_or_default()
                );
                return Ok(ExitCode::from(130));
            }
            Ok(ExitCode::SUCCESS)
        }
        Asked::Preset(work) => {
            let result = tokio::select! {
                r = work.plan_and_apply(&mut c.probe, &pace, &mut journal) => r,
                _ = wait_for(stop) => Err(cleanup_presets::Stopped.into()),
            };
            match result {
                Ok((plan, outcome)) => {
                    journal.state = State::Done;
                    journal.save()?;
                    let report = Report {
                        trim_plan: Some(&plan),
                        backup: backup_done,
                        journal: journal_path,
                        trim_outcome: Some(&outcome),
                        ..Report::new(&c.target, db, preset_name, false, journal.pace.rate, &notes)
                    };
                    print(args.output, &report)?;
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    let interrupted = e.is::<cleanup_presets::Stopped>();
                    journal.state = if interrupted { State::Interrupted } else { State::Failed };
                    journal.last_error = (!interrupted).then(|| e.to_string());
                    let _ = journal.save();
                    notes.push(format!(
                        "each batch is one atomic step on the server: resuming redoes only what is left (--resume {})",
                        journal_path.unwrap_or_default()
                    ));
                    for n in &notes {
                        anstream::eprintln!("note: {n}");
                    }
                    if interrupted {
                        anstream::eprintln!("interrupted");
                        return Ok(ExitCode::from(130));
                    }
                    anstream::eprintln!("error: {e}");
                    Ok(ExitCode::from(2))
                }
            }
        }
    }
}

async fn wait_for(stop: &AtomicBool) {
    while !stop.load(Ordering::SeqCst) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn dry_run(
    args: &CleanupArgs,
    c: &mut Connected,
    asked: &Asked,
    pace: &Pace,
    facts: &ServerFacts,
    db: u32,
    notes: &mut Vec<String>,
) -> anyhow::Result<ExitCode> {
    let mut report = Report::new(&c.target, db, args.preset.map(preset_name), true, pace.rate, &[]);
    let plan_holder;
    let trim_holder;
    match asked {
        Asked::Keys { selection, action } => {
            let bar = std::io::stderr().is_terminal().then(super::keys::progress_bar);
            let mut on_progress = |p: Progress| {
                if let Some(bar) = &bar {
                    bar.set_position((p.fraction * 1000.0) as u64);
                    bar.set_message(format!("{} of {} keys match", p.keys_matched, p.keys_scanned));
                }
            };
            let result = cleanup::plan(&mut c.probe, selection, action, pace, facts, &mut on_progress).await;
            if let Some(bar) = bar {
                bar.finish_and_clear();
            }
            match result {
                Ok(p) => plan_holder = p,
                Err(e) => return usage(e.to_string()),
            }
            notes.extend(plan_holder.notes.iter().cloned());
            report.plan = Some(&plan_holder);
        }
        Asked::Preset(work) => {
            match work.plan(&mut c.probe).await {
                Ok(p) => trim_holder = p,
                Err(e) => return usage(e.to_string()),
            }
            notes.extend(trim_holder.notes.iter().cloned());
            report.trim_plan = Some(&trim_holder);
        }
    }
    if let Some(master) = facts.replica_of() {
        notes.push(format!(
            "this server is a replica of {master}: --apply refuses it; run against the master"
        ));
    }
    report.notes = notes;
    print(args.output, &report)?;
    Ok(ExitCode::SUCCESS)
}

fn preset_name(p: crate::cli::PresetArg) -> String {
    use clap::ValueEnum;
    p.to_possible_value().map(|v| v.get_name().to_string()).unwrap_or_default()
}

/// The selection and action the flags ask for; the error is the one-line usage message.
fn asked_from_flags(args: &CleanupArgs) -> Result<Asked, String> {
    if let Some(preset) = args.preset {
        return cleanup_presets::from_flags(preset, args).map(|p| match p {
            cleanup_presets::FromFlags::Keys { selection, action } => Asked::Keys { selection, action },
            cleanup_presets::FromFlags::Trim(w) => Asked::Preset(w),
        });
    }
    if args.trim {
        return Err("--trim is for presets (--preset sidekiq-dead, bullmq-completed, ...)".into());
    }
    let action = match (args.delete, args.expire) {
        (true, _) => Action::Delete,
        (false, Some(d)) => Action::Expire { secs: d.as_secs().max(1), mode: ExpireMode::OnlyWithoutTtl },
        (false, None) => {
            return Err("choose what to do with the keys: --delete or --expire DURATION".into());
        }
    };
    let selection = Selection {
        patterns: args.patterns.clone(),
        types: args.types.clone(),
        no_ttl: args.no_ttl,
        idle_over_secs: args.idle_over.map(|d| d.as_secs()),
        larger_than_bytes: args.larger_than,
        dated_before_day: None,
    };
    if selection.is_everything() && !args.all {
        return Err(if selection.patterns.is_empty() {
            "no selection: give --pattern GLOB (or --type, --no-ttl, --idle-over, --larger-than); to select every key, add --all".into()
        } else {
            "the pattern `*` selects every key: add --all if that is meant".into()
        });
    }
    Ok(Asked::Keys { selection, action })
}

fn default_journal_path() -> PathBuf {
    let secs = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    PathBuf::from(format!("redis-audit-cleanup-{secs}.journal.json"))
}

fn print(format: FixFormat, r: &Report<'_>) -> anyhow::Result<()> {
    let mut out = output::writer(None)?;
    match format {
        FixFormat::Json => output::write_data(&mut out, r, false)?,
        FixFormat::Table => write_text(&mut out, r)?,
    }
    out.flush()?;
    Ok(())
}

fn action_words(a: &Action) -> String {
    match a {
        Action::Delete => "delete (UNLINK)".into(),
        Action::Expire { secs, mode: ExpireMode::OnlyWithoutTtl } => {
            format!("expire in {} where no TTL is set", human_secs(*secs))
        }
        Action::Expire { secs, mode: ExpireMode::Cap } => {
            format!("expire in {} where no TTL or a longer one is set", human_secs(*secs))
        }
    }
}

fn human_secs(s: u64) -> String {
    match s {
        s if s >= 86_400 && s % 86_400 == 0 => format!("{}d", s / 86_400),
        s if s >= 3_600 && s % 3_600 == 0 => format!("{}h", s / 3_600),
        s if s >= 60 && s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

fn selection_words(s: &Selection) -> String {
    let mut parts = Vec::new();
    if s.patterns.is_empty() {
        parts.push("every key".to_string());
    } else {
        parts.push(format!("keys matching {}", s.patterns.join(" or ")));
    }
    if !s.types.is_empty() {
        parts.push(format!("of type {}", s.types.join("/")));
    }
    if s.no_ttl {
        parts.push("without a TTL".into());
    }
    if let Some(i) = s.idle_over_secs {
        parts.push(format!("idle for {} or more", human_secs(i)));
    }
    if let Some(b) = s.larger_than_bytes {
        parts.push(format!("larger than {}", format_bytes_short(b)));
    }
    if let Some(d) = s.dated_before_day {
        parts.push(format!("dated before {}", cleanup::date::civil_from_days(d)));
    }
    parts.join(", ")
}

fn write_text(out: &mut dyn Write, r: &Report<'_>) -> anyhow::Result<()> {
    let title = if r.dry_run { "Cleanup plan (dry run)" } else { "Cleanup" };
    writeln!(
        out,
        "{title} for {} db {}{}",
        r.target,
        r.db,
        r.preset.as_ref().map(|p| format!(", preset {p}")).unwrap_or_default()
    )?;
    if let Some(p) = r.plan {
        writeln!(out, "select: {}", selection_words(&p.selection))?;
        writeln!(out, "action: {}", action_words(&p.action))?;
        writeln!(out)?;
        writeln!(out, "keys scanned     {}", p.keys_scanned)?;
        writeln!(out, "keys matched     {}", p.keys_matched)?;
        writeln!(out, "keys to change   {}", p.keys_to_change)?;
        writeln!(
            out,
            "memory           {} (MEMORY USAGE of the keys to change)",
            format_bytes_short(p.bytes)
        )?;
        let eta = match p.eta_secs {
            Some(s) => format!("about {} at --rate {}", human_duration(s), p.pace.rate.unwrap_or(0)),
            None => "as fast as the server answers (--rate 0)".into(),
        };
        writeln!(out, "time to apply    {eta}")?;
        if !p.by_type.is_empty() {
            writeln!(out)?;
            writeln!(out, "{:<8} {:>10} {:>10}", "TYPE", "KEYS", "MEMORY")?;
            for (t, tally) in &p.by_type {
                writeln!(out, "{:<8} {:>10} {:>10}", t, tally.keys, format_bytes_short(tally.bytes))?;
            }
        }
        if !p.sample.is_empty() {
            writeln!(out)?;
            writeln!(out, "sample of the keys to change:")?;
            writeln!(out, "  {:<48} {:<7} {:>9} {:>10} {:>9}", "KEY", "TYPE", "MEMORY", "TTL", "IDLE")?;
            for k in &p.sample {
                writeln!(
                    out,
                    "  {:<48} {:<7} {:>9} {:>10} {:>9}",
                    truncate(&k.key, 48),
                    k.type_name,
                    format_bytes_short(k.bytes),
                    k.ttl_secs.map_or_else(|| "none".into(), |t| human_secs(t.max(0) as u64)),
                    k.idle_secs.map_or_else(|| "-".into(), human_secs)
                )?;
            }
        }
    }
    if let Some(t) = r.trim_plan {
        writeln!(out)?;
        writeln!(out, "{:<40} {:>9} {:>9} {:>10}  HOW", "SET", "ENTRIES", "REMOVE", "MEMORY")?;
        for target in &t.targets {
            writeln!(
                out,
                "{:<40} {:>9} {:>9} {:>10}  {}",
                truncate(&target.key, 40),
                target.total,
                target.remove,
                target.bytes_estimate.map_or_else(|| "-".into(), format_bytes_short),
                target.how
            )?;
            if !target.sample.is_empty() && r.dry_run {
                writeln!(out, "  e.g. {}", target.sample.join(", "))?;
            }
        }
        if t.targets.is_empty() {
            writeln!(out, "(no sets of this framework found)")?;
        }
        let eta = match r.rate {
            Some(rate) if rate > 0 => {
                format!(", about {} at --rate {rate}", human_duration(t.items() as f64 / rate as f64))
            }
            _ => String::new(),
        };
        writeln!(out, "total: {} entries, about {}{eta}", t.items(), format_bytes_short(t.bytes_estimate()))?;
    }
    if let Some(o) = r.outcome {
        writeln!(out)?;
        writeln!(out, "keys scanned       {}", o.keys_scanned)?;
        writeln!(out, "keys changed       {}", o.changed)?;
        if o.no_longer_matching > 0 {
            writeln!(
                out,
                "left alone         {} (no longer matched when written, or already had the TTL)",
                o.no_longer_matching
            )?;
        }
        if o.gone > 0 {
            writeln!(out, "already gone       {}", o.gone)?;
        }
        writeln!(
            out,
            "memory freed       about {} (estimate from MEMORY USAGE)",
            format_bytes_short(o.bytes_estimate)
        )?;
        if let (Some(b), Some(a)) = (o.used_memory_before, o.used_memory_after) {
            writeln!(out, "used_memory        {} -> {}", format_bytes_short(b), format_bytes_short(a))?;
        }
        writeln!(out, "duration           {}", human_duration(o.duration_secs))?;
        if let Some(cpu) = o.server_cpu_secs {
            writeln!(out, "server CPU         {cpu:.2} s")?;
        }
        if o.reconnects > 0 {
            writeln!(out, "reconnects         {}", o.reconnects)?;
        }
    }
    if let Some(o) = r.trim_outcome {
        writeln!(out)?;
        writeln!(out, "entries removed    {}", o.items)?;
        writeln!(out, "keys deleted       {}", o.keys_deleted)?;
        if o.skipped_in_use > 0 {
            writeln!(out, "left alone         {} (in use by the framework)", o.skipped_in_use)?;
        }
    }
    if let Some(b) = &r.backup {
        writeln!(out, "backup             {b}")?;
    }
    for n in r.notes {
        writeln!(out, "note: {n}")?;
    }
    if r.dry_run {
        writeln!(out)?;
        writeln!(
            out,
            "Nothing was changed. To apply: add --apply and --backup PATH|bgsave (or --no-backup)."
        )?;
    }
    Ok(())
}

fn human_duration(secs: f64) -> String {
    if secs < 60.0 {
        format!("{secs:.1} s")
    } else if secs < 3_600.0 {
        format!("{:.0} min {:.0} s", (secs / 60.0).floor(), secs % 60.0)
    } else {
        format!("{:.1} h", secs / 3_600.0)
    }
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
    t.push('…');
    t
}
