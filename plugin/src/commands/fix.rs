//! `redis-audit fix POD` / `fix --redis-url URL`: recommends maxmemory (about 80% of the
//! container memory limit, or `--maxmemory`) and a maxmemory-policy for the role, and prints
//! the CONFIG SET commands plus what makes them survive a restart (Helm values, container args
//! or redis.conf lines). A dry run unless `--apply`, which needs `--backup PATH|bgsave` or
//! `--no-backup`, takes the backup first (a failed backup changes nothing), then sets, verifies
//! and, where the server has a config file, rewrites it. `--purge` adds RSS and fragmentation,
//! and with `--apply` runs MEMORY PURGE where it helps (`redis_probe::fix::purge`).
//!
//! Exit 0: plan printed, or applied. Exit 2: usage, connection, backup or apply error; CONFIG
//! disabled or a replica with `--apply` (the plan is still printed).

use std::{io::Write, process::ExitCode, time::Duration};

use anyhow::Context;
use findings::{Role, units::format_k8s_bytes};
use redis_probe::{
    Probe, Timeouts,
    fix::{
        self, Applied, Current, FixPlan, Overrides, Purge, Rewrite,
        persist::{self, Persist},
    },
    keys::{self, ScanOptions},
    snapshot::Snapshot,
};
use serde::Serialize;

use super::one_server::{BackupChoice, Connected, Named, connect};
use crate::{
    cli::{FixArgs, FixFormat, RoleArg},
    output,
};

/// Keys read to guess the role when `--role` is not given.
const ROLE_SAMPLE_KEYS: u64 = 100_000;
const RESTART_NOTE: &str = "CONFIG SET changes the running server only: it does not survive a restart (or a failover to a replica that was not changed). Make the deployment say the same, as above.";

/// The whole report, as `-o json` prints it.
#[derive(Debug, Serialize)]
struct Report {
    target: String,
    role: Role,
    role_source: String,
    memory_limit: Option<String>,
    config_available: bool,
    /// `host:port` of the master when this server is a replica.
    replica_of: Option<String>,
    plan: FixPlan,
    persist: Option<Persist>,
    restart_note: &'static str,
    dry_run: bool,
    backup: Option<String>,
    applied: Option<Applied>,
    /// With `--purge`: figures before, after `MEMORY PURGE` (with `--apply`), proposal.
    purge: Option<Purge>,
    notes: Vec<String>,
}

pub fn run(args: &FixArgs) -> anyhow::Result<ExitCode> {
    let backup = match BackupChoice::from_args(args.backup.as_deref(), args.no_backup) {
        Some(b) => b,
        // MEMORY PURGE changes no data, so `--purge --apply` alone needs no backup; whether
        // anything else would change is known only after planning (checked in fix_one).
        None if args.apply && !args.purge => {
            anstream::eprintln!(
                "error: --apply changes the server's config: choose a backup first, --backup PATH (stream an RDB snapshot to a local file), --backup bgsave (the server saves its own RDB), or --no-backup"
            );
            return Ok(ExitCode::from(2));
        }
        None => BackupChoice::None,
    };
    let timeouts =
        Timeouts { connect: Duration::from_secs(args.connect_timeout.max(1)), ..Timeouts::default() };
    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().context("tokio runtime")?;
    runtime.block_on(async {
        tokio::select! {
            r = fix_one(args, backup, timeouts) => r,
            _ = tokio::signal::ctrl_c() => Err(super::Interrupted.into()),
        }
    })
}

async fn fix_one(args: &FixArgs, backup: BackupChoice, timeouts: Timeouts) -> anyhow::Result<ExitCode> {
    let named = Named {
        pod: args.pod.as_deref(),
        redis_url: args.redis_url.as_deref(),
        kube: &args.kube,
        memory_limit: args.memory_limit.as_deref(),
    };
    let mut c = connect(named, timeouts).await?;
    let snapshot = Snapshot::read(&mut c.probe).await?;
    let config_refused = snapshot.config.is_none().then(|| {
        snapshot
            .unavailable
            .iter()
            .find(|u| u.what.starts_with("CONFIG"))
            .map_or_else(|| "CONFIG GET refused".to_string(), |u| u.reason.clone())
    });
    let current = Current {
        maxmemory_bytes: snapshot.config.as_ref().and_then(|c| c.maxmemory()),
        policy: snapshot.config.as_ref().and_then(|c| c.policy()).map(str::to_string),
        version: snapshot.info.version(),
    };
    let (role, role_source) = match args.role {
        Some(r) => (role_of(r), "--role".to_string()),
        None => guess_role(&mut c.probe, &mut c.notes).await,
    };
    let overrides = Overrides { maxmemory: args.maxmemory.clone(), policy: args.policy.clone() };
    let plan = match fix::plan(&current, c.limit.as_ref(), role, &overrides) {
        Ok(p) => p,
        Err(e) => {
            anstream::eprintln!("error: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    let persist = persist::render(
        &c.deployment,
        plan.maxmemory.as_ref().map(|(_, t)| t.as_str()),
        plan.policy.as_deref(),
    );
    // `--purge --apply` without a backup choice: allowed only when the config stays as it is.
    let backup_chosen = args.backup.is_some() || args.no_backup;
    if args.apply && !backup_chosen && !plan.unchanged {
        anstream::eprintln!(
            "error: --apply would also change the server's config ({}): choose a backup first, --backup PATH, --backup bgsave or --no-backup (--purge --apply alone needs none, MEMORY PURGE changes no data); nothing was changed",
            plan.config_set.join("; ")
        );
        return Ok(ExitCode::from(2));
    }
    let replica_of = fix::replica_of(&snapshot.info);
    if let Some(m) = &replica_of {
        c.notes.push(format!(
            "this server is a replica of {m}: fix the master; --apply refuses a replica (its settings belong to its deployment)"
        ));
    }
    if let Some(why) = &config_refused {
        c.notes.push(format!(
            "CONFIG is disabled or refused here ({why}): the current values are unknown and --apply cannot run; use the values patch"
        ));
    }
    let mut report = Report {
        target: c.target.clone(),
        role,
        role_source,
        memory_limit: c.limit.as_ref().map(|l| l.raw.clone()),
        config_available: config_refused.is_none(),
        replica_of: replica_of.clone(),
        plan,
        persist,
        restart_note: RESTART_NOTE,
        dry_run: !args.apply,
        backup: None,
        applied: None,
        purge: (args.purge && !args.apply).then(|| fix::purge::assess(&snapshot.info)),
        notes: std::mem::take(&mut c.notes),
    };

    if !args.apply {
        print(args.output, &report)?;
        return Ok(ExitCode::SUCCESS);
    }
    // Refusals come before the backup: nothing is asked of the server that cannot be used.
    let refusal = if let Some(why) = &config_refused {
        Some(format!(
            "{}: cannot apply: CONFIG is disabled or renamed on this server ({why}); apply the values patch instead",
            c.target
        ))
    } else {
        replica_of.as_ref().map(|m| {
            format!(
                "{} is a read-only replica of {m}: refusing to change it; run fix against the master ({m})",
                c.target
            )
        })
    };
    if let Some(why) = refusal {
        print(args.output, &report)?;
        anstream::eprintln!("error: {why}");
        return Ok(ExitCode::from(2));
    }
    if report.plan.unchanged {
        report.applied = Some(Applied { set: Vec::new(), rewrite: Rewrite::NotNeeded });
        return finish_purge(args, &mut c, report).await;
    }
    match c.take_backup(&backup, timeouts).await {
        Ok(done) => report.backup = done,
        Err(why) => {
            print(args.output, &report)?;
            anstream::eprintln!("error: backup failed, nothing was changed: {why}");
            return Ok(ExitCode::from(2));
        }
    }
    match fix::apply(&mut c.probe, &report.plan).await {
        Ok(applied) => {
            report.applied = Some(applied);
            finish_purge(args, &mut c, report).await
        }
        Err(e) => {
            print(args.output, &report)?;
            anstream::eprintln!("error: {e}");
            Ok(ExitCode::from(2))
        }
    }
}

/// After the config is applied (or nothing needed applying): `--purge` runs, then the report.
async fn finish_purge(args: &FixArgs, c: &mut Connected, mut report: Report) -> anyhow::Result<ExitCode> {
    if !args.purge {
        print(args.output, &report)?;
        return Ok(ExitCode::SUCCESS);
    }
    match fix::purge::purge(&mut c.probe).await {
        Ok(p) => {
            report.purge = Some(p);
            print(args.output, &report)?;
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            print(args.output, &report)?;
            anstream::eprintln!("error: MEMORY PURGE: {e}");
            Ok(ExitCode::from(2))
        }
    }
}

fn role_of(r: RoleArg) -> Role {
    match r {
        RoleArg::Cache => Role::Cache,
        RoleArg::Queue => Role::Queue,
        RoleArg::Sessions => Role::Sessions,
        RoleArg::Mixed => Role::Mixed,
    }
}

/// The role from a sampled key scan (at most [`ROLE_SAMPLE_KEYS`] keys).
async fn guess_role(probe: &mut Probe, notes: &mut Vec<String>) -> (Role, String) {
    let opts = ScanOptions { sample: Some(ROLE_SAMPLE_KEYS), top: 1, ..ScanOptions::default() };
    match keys::scan(probe, &opts, &mut |_| {}).await {
        Ok(r) => {
            (r.role.role, format!("keys ({:.0}% confidence: {})", r.role.confidence * 100.0, r.role.evidence))
        }
        Err(e) => {
            notes.push(format!("the key scan for the role failed ({e}); pass --role"));
            (Role::Unknown, "none".to_string())
        }
    }
}

fn print(format: FixFormat, r: &Report) -> anyhow::Result<()> {
    let mut out = output::writer(None)?;
    match format {
        FixFormat::Json => output::write_data(&mut out, r, false)?,
        FixFormat::Table => write_text(&mut out, r)?,
    }
    out.flush()?;
    Ok(())
}

fn current_maxmemory(r: &Report) -> String {
    match r.plan.current_maxmemory_bytes {
        None => "unknown".into(),
        Some(0) => "0 (no limit)".into(),
        Some(b) => format!("{} ({b} bytes)", format_k8s_bytes(b)),
    }
}

fn write_text(out: &mut dyn Write, r: &Report) -> anyhow::Result<()> {
    let p = &r.plan;
    writeln!(out, "Fix for {}", r.target)?;
    writeln!(
        out,
        "role: {} (from {}); memory limit: {}",
        r.role.as_str(),
        r.role_source,
        r.memory_limit.as_deref().unwrap_or("unknown")
    )?;
    writeln!(out)?;
    let recommended_max = p.maxmemory.as_ref().map_or_else(
        || "- (needs a memory limit or --maxmemory)".to_string(),
        |(b, t)| format!("{t} ({b} bytes)"),
    );
    writeln!(out, "{:<18} {:<28} RECOMMENDED", "SETTING", "CURRENT")?;
    writeln!(out, "{:<18} {:<28} {}", "maxmemory", current_maxmemory(r), recommended_max)?;
    writeln!(
        out,
        "{:<18} {:<28} {}",
        "maxmemory-policy",
        p.current_policy.as_deref().unwrap_or("unknown"),
        p.policy.as_deref().unwrap_or("-")
    )?;
    writeln!(out)?;
    writeln!(out, "Why:")?;
    for w in &p.why {
        writeln!(out, "  - {w}")?;
    }
    writeln!(out)?;
    if p.unchanged {
        writeln!(out, "Live change: none needed.")?;
    } else {
        writeln!(out, "Live change (redis-cli):")?;
        for line in &p.config_set {
            writeln!(out, "  {line}")?;
        }
    }
    writeln!(out)?;
    if let Some(persist) = &r.persist {
        writeln!(out, "To survive a restart: {}", persist.title)?;
        for line in persist.text.lines() {
            writeln!(out, "  {line}")?;
        }
        if let Some(cmd) = &persist.command {
            writeln!(out, "then (with the values above in fix-values.yaml):\n  {cmd}")?;
        }
        writeln!(out)?;
    }
    if let Some(purge) = &r.purge {
        write_purge(out, purge, r.dry_run)?;
    }
    writeln!(out, "note: {}", r.restart_note)?;
    for n in &r.notes {
        writeln!(out, "note: {n}")?;
    }
    writeln!(out)?;
    if let Some(b) = &r.backup {
        writeln!(out, "Backup: {b}")?;
    }
    match &r.applied {
        None if r.dry_run => writeln!(
            out,
            "Dry run: nothing was changed. To apply: --apply with --backup PATH, --backup bgsave or --no-backup."
        )?,
        None => writeln!(out, "Not applied.")?,
        Some(a) if a.set.is_empty() => writeln!(out, "Applied: nothing to change.")?,
        Some(a) => {
            let set: Vec<String> = a.set.iter().map(|(k, v)| format!("{k} {v}")).collect();
            writeln!(out, "Applied and verified with CONFIG GET: {}", set.join(", "))?;
            let persisted = match &a.rewrite {
                Rewrite::NotNeeded => String::new(),
                Rewrite::NoConfigFile => "The server runs without a config file (CONFIG REWRITE skipped): the change is live until the next restart; update the deployment as above.".into(),
                Rewrite::Rewritten { path } => format!("CONFIG REWRITE wrote {path}; a deployment that regenerates it (Helm, ConfigMap) still needs the change above."),
                Rewrite::Failed { path, reason } => format!("CONFIG REWRITE of {path} failed ({reason}): the change is live but not persisted; update the deployment as above."),
            };
            if !persisted.is_empty() {
                writeln!(out, "{persisted}")?;
            }
        }
    }
    Ok(())
}

fn write_purge(out: &mut dyn Write, p: &Purge, dry_run: bool) -> anyhow::Result<()> {
    writeln!(out, "Memory purge (allocator {}):", p.allocator)?;
    for w in &p.why {
        writeln!(out, "  - {w}")?;
    }
    if dry_run && p.would_purge() {
        writeln!(out, "  Would run: MEMORY PURGE")?;
    }
    if let Some(lines) = &p.defrag_proposal {
        writeln!(out, "  Proposed (not applied):")?;
        for line in lines {
            writeln!(out, "    {line}")?;
        }
    }
    if let Some(cost) = p.defrag_cost {
        writeln!(out, "  CPU cost: {cost}")?;
    }
    writeln!(out)?;
    Ok(())
}
