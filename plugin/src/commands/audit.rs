//! `redis-audit audit --redis-url URL`: server checks plus a keyspace scan, as a summary table
//! and findings, or JSON/YAML/SARIF.

use std::{io::Write, process::ExitCode, time::Duration};

use anyhow::{Context, bail};
use findings::{Finding, Role, units::format_k8s_bytes};
use redis_probe::{
    Probe, Timeouts,
    checks::{self, CheckContext, LiveFacts},
    keys::{self, KeysReport, ScanOptions},
    snapshot::Snapshot,
};
use report::{Format, RenderContext, SourceMap};

use crate::{
    cli::{AuditArgs, AuditFormat, ColorWhen, RoleArg},
    output,
};

/// Everything an audit found, as written by `-o json|yaml`.
#[derive(Debug, serde::Serialize)]
struct AuditReport<'a> {
    schema_version: u32,
    target: &'a str,
    /// Why the keyspace scan stopped early (its figures cover only the keys read), if it did.
    partial: Option<&'a str>,
    summary: Summary,
    findings: &'a [Finding],
    notes: &'a [String],
    keys: Option<&'a KeysReport>,
}

#[derive(Debug, serde::Serialize)]
struct Summary {
    version: String,
    role: &'static str,
    memory_limit_bytes: Option<u64>,
    maxmemory_bytes: Option<u64>,
    maxmemory_policy: Option<String>,
    used_memory_bytes: Option<u64>,
    used_memory_rss_bytes: Option<u64>,
    fragmentation_ratio: Option<f64>,
    evicted_keys: u64,
    oom_errors: Option<u64>,
}

fn role(arg: Option<RoleArg>) -> Option<Role> {
    arg.map(|r| match r {
        RoleArg::Cache => Role::Cache,
        RoleArg::Queue => Role::Queue,
        RoleArg::Sessions => Role::Sessions,
        RoleArg::Mixed => Role::Mixed,
    })
}

pub fn run(args: &AuditArgs, color: ColorWhen) -> anyhow::Result<ExitCode> {
    let target = output::redis_target(&args.redis_url)?;
    let memory_limit = match &args.memory_limit {
        Some(q) => Some((
            findings::units::parse_k8s_quantity(q).with_context(|| "--memory-limit".to_string())?,
            q.clone(),
        )),
        None => None,
    };
    let ctx = CheckContext { memory_limit, role: role(args.role) };
    let timeouts =
        Timeouts { connect: Duration::from_secs(args.connect_timeout.max(1)), ..Timeouts::default() };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("tokio runtime")?;
    let (snapshot, keys) = runtime.block_on(async {
        let mut probe = Probe::connect(&target, timeouts).await?;
        let snapshot = Snapshot::read(&mut probe).await?;
        let keys = if args.no_keys {
            None
        } else {
            let opts = ScanOptions {
                sample: (args.scan_limit > 0).then_some(args.scan_limit),
                ..ScanOptions::default()
            };
            Some(keys::scan(&mut probe, &opts, &mut |_| {}).await?)
        };
        Ok::<_, redis_probe::ProbeError>((snapshot, keys))
    })?;
    let facts = LiveFacts::extract(&snapshot, keys.as_ref(), &ctx);
    let mut found = checks::run(&facts);
    if let Some(k) = &keys {
        found.extend(checks::keyspace_findings(k, &snapshot.target));
    }
    found.sort_by(|a, b| b.severity.cmp(&a.severity).then_with(|| a.rule.cmp(&b.rule)));
    let mut notes = facts.unavailable.clone();
    if facts
        .memory_doctor
        .as_deref()
        .is_some_and(|d| !d.contains("\n * ") && !d.trim_start().starts_with("* "))
    {
        notes.push("MEMORY DOCTOR found no memory problems".into());
    }
    if let Some(partial) = keys.as_ref().and_then(|k| k.partial.as_deref()) {
        notes.push(format!("keyspace scan is partial: {partial}"));
    }
    let summary = Summary {
        version: facts.version.clone(),
        role: facts.role.as_str(),
        memory_limit_bytes: facts.memory_limit.as_ref().map(|l| l.0),
        maxmemory_bytes: facts.maxmemory,
        maxmemory_policy: facts.policy.clone(),
        used_memory_bytes: facts.used_memory,
        used_memory_rss_bytes: facts.used_memory_rss,
        fragmentation_ratio: facts.fragmentation_ratio,
        evicted_keys: facts.evicted_keys,
        oom_errors: facts.oom_errors,
    };
    let mut out = output::writer(None)?;
    match args.output {
        AuditFormat::Json | AuditFormat::Yaml => {
            let report = AuditReport {
                schema_version: 1,
                target: &snapshot.target,
                partial: keys.as_ref().and_then(|k| k.partial.as_deref()),
                summary,
                findings: &found,
                notes: &notes,
                keys: keys.as_ref(),
            };
            let value = serde_json::to_value(&report)?;
            if args.output == AuditFormat::Json {
                serde_json::to_writer_pretty(&mut out, &value)?;
                writeln!(out)?;
            } else {
                out.write_all(serde_saphyr::to_string(&value).context("YAML output")?.as_bytes())?;
            }
        }
        AuditFormat::Sarif => {
            let ctx = RenderContext {
                tool_version: env!("CARGO_PKG_VERSION").into(),
                color: false,
                files_scanned: 0,
                notes,
            };
            report::render(Format::Sarif, &found, &SourceMap::default(), &ctx, &mut out)?;
        }
        AuditFormat::Table | AuditFormat::Wide => {
            let wide = args.output == AuditFormat::Wide;
            writeln!(out, "{}", summary_table(&snapshot.target, &summary, &found, keys.as_ref(), wide))?;
            writeln!(out)?;
            let ctx = RenderContext {
                tool_version: env!("CARGO_PKG_VERSION").into(),
                color: output::use_color(color, false),
                files_scanned: 0,
                notes,
            };
            report::render(Format::Pretty, &found, &SourceMap::default(), &ctx, &mut out)?;
        }
    }
    out.flush()?;
    if found.is_empty() && snapshot.info.get("redis_version").is_none() {
        bail!("{}: the server answered INFO without a version; is this a Redis?", snapshot.target);
    }
    Ok(output::exit_code(&found, args.fail_on))
}

fn bytes(v: Option<u64>) -> String {
    v.map_or_else(|| "-".into(), format_k8s_bytes)
}

fn summary_table(
    target: &str,
    s: &Summary,
    found: &[Finding],
    keys: Option<&KeysReport>,
    wide: bool,
) -> comfy_table::Table {
    let mut t = comfy_table::Table::new();
    t.load_style(comfy_table::presets::NOTHING);
    let mut header = vec![
        "TARGET",
        "ROLE",
        "LIMIT",
        "MAXMEMORY",
        "POLICY",
        "USED",
        "RSS",
        "FRAG",
        "EVICTED",
        "OOM",
        "FINDINGS",
    ];
    let maxmemory = match s.maxmemory_bytes {
        Some(0) => "0 (none)".to_string(),
        other => bytes(other),
    };
    let mut row = vec![
        target.to_string(),
        s.role.to_string(),
        bytes(s.memory_limit_bytes),
        maxmemory,
        s.maxmemory_policy.clone().unwrap_or_else(|| "-".into()),
        bytes(s.used_memory_bytes),
        bytes(s.used_memory_rss_bytes),
        s.fragmentation_ratio.map_or_else(|| "-".into(), |r| format!("{r:.2}")),
        s.evicted_keys.to_string(),
        s.oom_errors.map_or_else(|| "-".into(), |n| n.to_string()),
        found.len().to_string(),
    ];
    if wide {
        header.extend(["VERSION", "KEYS", "NO TTL"]);
        row.push(s.version.clone());
        let (keys_total, no_ttl) =
            keys.map_or((None, None), |k| (Some(k.total_keys()), Some(k.keys_without_ttl())));
        row.push(keys_total.map_or_else(|| "-".into(), |n| n.to_string()));
        row.push(no_ttl.map_or_else(|| "-".into(), |n| n.to_string()));
    }
    t.set_header(header);
    t.add_row(row);
    t
}
