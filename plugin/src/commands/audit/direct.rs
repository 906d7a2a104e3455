//! `redis-audit audit --redis-url URL`: one server reached directly, as a summary table and
//! findings, or JSON/YAML/SARIF/Prometheus.

use std::{
    io::Write,
    process::ExitCode,
    time::{Duration, Instant, SystemTime},
};

use anyhow::{Context, bail};
use findings::Finding;
use redis_probe::{Probe, Timeouts, checks::CheckContext, keys::KeysReport};
use report::{Format, SourceMap};

use super::server::{self, ScanChoice, ServerAudit, Summary};
use crate::{
    cli::{AuditArgs, AuditFormat, ColorWhen},
    output,
};

/// Everything an audit found, as written by `-o json|yaml`.
#[derive(Debug, serde::Serialize)]
struct AuditReport<'a> {
    schema_version: u32,
    target: &'a str,
    /// Why the keyspace scan stopped early (its figures cover only the keys read), if it did.
    partial: Option<&'a str>,
    summary: &'a Summary,
    findings: &'a [Finding],
    notes: &'a [String],
    keys: Option<&'a KeysReport>,
}

pub fn run(args: &AuditArgs, url: &str, color: ColorWhen) -> anyhow::Result<ExitCode> {
    let target = output::redis_target(url)?;
    let memory_limit = match &args.memory_limit {
        Some(q) => Some((
            findings::units::parse_k8s_quantity(q).with_context(|| "--memory-limit".to_string())?,
            q.clone(),
        )),
        None => None,
    };
    let ctx = CheckContext { memory_limit, no_memory_limit: false, role: server::role(args.role) };
    let timeouts =
        Timeouts { connect: Duration::from_secs(args.connect_timeout.max(1)), ..Timeouts::default() };
    // One server: one thread (see keys.rs).
    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().context("tokio runtime")?;
    let scan = ScanChoice { skip: args.no_keys, limit: args.scan_limit };
    let started = Instant::now();
    let result = runtime.block_on(async {
        let mut probe = Probe::connect(&target, timeouts).await?;
        let mut reconnect = output::url_reconnector(target.clone(), timeouts);
        server::audit(&mut probe, &ctx, scan, Some(&mut reconnect)).await
    });
    let row = |audit: Option<&'_ ServerAudit>, shown: &'_ str, found: &'_ [Finding]| -> String {
        let row = super::prometheus::Row {
            target: super::prometheus::Target::Url(shown),
            audit,
            findings: found,
            memory_limit_bytes: ctx.memory_limit.as_ref().map(|l| l.0),
            container: None,
            duration: started.elapsed(),
            finished_at: SystemTime::now(),
        };
        let mut text = Vec::new();
        // Writing to memory cannot fail.
        let _ = super::prometheus::write(&mut text, &[row], &super::prometheus::RunInfo::default());
        String::from_utf8_lossy(&text).into_owned()
    };
    let audit = match result {
        Ok(audit) => audit,
        Err(e) => {
            if args.output == AuditFormat::Prometheus {
                // The textfile collector still learns that this Redis is down.
                let mut out = output::writer(None)?;
                out.write_all(row(None, &target.to_string(), &[]).as_bytes())?;
                out.flush()?;
            }
            return Err(e.into());
        }
    };
    let metrics = (args.output == AuditFormat::Prometheus)
        .then(|| row(Some(&audit), &audit.snapshot.target, &audit.findings));
    let ServerAudit { snapshot, keys, findings: found, notes, summary } = audit;
    let mut out = output::writer(None)?;
    match args.output {
        AuditFormat::Json | AuditFormat::Yaml => {
            let report = AuditReport {
                schema_version: 1,
                target: &snapshot.target,
                partial: keys.as_ref().and_then(|k| k.partial.as_deref()),
                summary: &summary,
                findings: &found,
                notes: &notes,
                keys: keys.as_ref(),
            };
            // Through a Value, as before: its keys are sorted.
            let value = serde_json::to_value(&report)?;
            output::write_data(&mut out, &value, args.output == AuditFormat::Yaml)?;
        }
        AuditFormat::Sarif => {
            let ctx = server::render_context(false, notes);
            report::render(Format::Sarif, &found, &SourceMap::default(), &ctx, &mut out)?;
        }
        AuditFormat::Prometheus => out.write_all(metrics.unwrap_or_default().as_bytes())?,
        AuditFormat::Table | AuditFormat::Wide => {
            let wide = args.output == AuditFormat::Wide;
            writeln!(out, "{}", summary_table(&snapshot.target, &summary, &found, keys.as_ref(), wide))?;
            writeln!(out)?;
            let ctx = server::render_context(output::use_color(color, false), notes);
            report::render(Format::Pretty, &found, &SourceMap::default(), &ctx, &mut out)?;
        }
    }
    out.flush()?;
    if found.is_empty() && snapshot.info.get("redis_version").is_none() {
        bail!("{}: the server answered INFO without a version; is this a Redis?", snapshot.target);
    }
    Ok(output::exit_code(&found, args.fail_on))
}

fn summary_table(
    target: &str,
    s: &Summary,
    found: &[Finding],
    keys: Option<&KeysReport>,
    wide: bool,
) -> comfy_table::Table {
    let mut header = vec!["TARGET", "ROLE", "LIMIT"];
    header.extend(server::LIVE_HEADER);
    header.extend(["OOM", "FINDINGS"]);
    let mut row = vec![target.to_string(), s.role.to_string(), server::bytes(s.memory_limit_bytes)];
    row.extend(server::live_cells(Some(s)));
    row.push(s.oom_errors.map_or_else(|| "-".into(), |n| n.to_string()));
    row.push(found.len().to_string());
    if wide {
        header.extend(["VERSION", "KEYS", "NO TTL"]);
        row.push(s.version.clone());
        let (keys_total, no_ttl) =
            keys.map_or((None, None), |k| (Some(k.total_keys()), Some(k.keys_without_ttl())));
        row.push(keys_total.map_or_else(|| "-".into(), |n| n.to_string()));
        row.push(no_ttl.map_or_else(|| "-".into(), |n| n.to_string()));
    }
    let mut t = server::table(header);
    t.add_row(row);
    server::finish_table(&mut t);
    t
}
