//! `redis-audit keys POD` / `keys --redis-url URL`: scans the keyspace and prints the biggest keys, key
//! patterns, TTL coverage, frameworks, retention problems and reclaimable memory, as tables
//! or JSON/YAML. Exit 0 on success; 2 when the server cannot be reached or the scan was cut
//! short (the partial report is still printed, marked as such).

use std::{
    io::{IsTerminal, Write},
    process::ExitCode,
    time::Duration,
};

use anyhow::Context;
use comfy_table::{CellAlignment, ContentArrangement, Table, presets};
use findings::units::format_k8s_bytes;
use redis_probe::{
    Probe, Timeouts,
    keys::{self, KeysReport, Progress, ScanOptions},
};

use crate::{
    cli::{KeysArgs, KeysFormat},
    kubernetes, output,
};

pub fn run(args: &KeysArgs) -> anyhow::Result<ExitCode> {
    let opts = ScanOptions {
        count: args.count,
        top: args.top,
        sample: args.sample,
        rate: args.rate,
        idle: args.idle,
        dbs: args.db.map(|d| vec![d]),
        pattern: args.pattern.clone(),
        samples: args.samples,
        ..ScanOptions::default()
    };
    let timeouts =
        Timeouts { connect: Duration::from_secs(args.connect_timeout.max(1)), ..Timeouts::default() };
    // One thread: the scan is I/O-bound, and a second busy thread would compete for the CPU
    // with the Redis it reads when both run on one small host (it showed in PING latency).
    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().context("tokio runtime")?;
    let bar = std::io::stderr().is_terminal().then(progress_bar);
    let mut on_progress = |p: Progress| {
        if let Some(bar) = &bar {
            bar.set_position((p.fraction * 1000.0) as u64);
            bar.set_message(format!("db {}: {} of ~{} keys", p.db, p.keys_scanned, p.keys_total));
        }
    };
    let report = runtime.block_on(async {
        tokio::select! {
            r = scan(args, &opts, timeouts, &mut on_progress) => r,
            _ = tokio::signal::ctrl_c() => Err(super::Interrupted.into()),
        }
    });
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let report = report?;
    let mut out = output::writer(None)?;
    match args.output {
        KeysFormat::Json | KeysFormat::Yaml => {
            output::write_data(&mut out, &report, args.output == KeysFormat::Yaml)?
        }
        KeysFormat::Table => write_tables(&mut out, &report, args.prefixes)?,
    }
    out.flush()?;
    if let Some(why) = &report.partial {
        anstream::eprintln!("error: the scan stopped early: {why}");
        return Ok(ExitCode::from(2));
    }
    Ok(ExitCode::SUCCESS)
}

/// Connects (to the URL, or to the pod through a port-forward) and scans; a dropped connection
/// is reopened once and the scan resumes from its last cursor.
async fn scan(
    args: &KeysArgs,
    opts: &ScanOptions,
    timeouts: Timeouts,
    progress: &mut dyn FnMut(Progress),
) -> anyhow::Result<KeysReport> {
    if let Some(url) = &args.redis_url {
        let target = output::redis_target(url)?;
        let mut probe = Probe::connect(&target, timeouts).await?;
        let mut reconnect = output::url_reconnector(target.clone(), timeouts);
        return Ok(keys::scan_resumable(&mut probe, opts, progress, Some(&mut reconnect)).await?);
    }
    let name = args.pod.as_deref().unwrap_or_default();
    let cluster = kubernetes::connect(&args.kube).await?;
    let pod = kubernetes::find_one(&cluster, &args.kube, name).await?;
    let password_from = args.kube.password_from.clone();
    let conn = kubernetes::open(&cluster, &pod, password_from.as_deref(), timeouts)
        .await
        .map_err(anyhow::Error::msg)?;
    let kubernetes::PodConnection { mut probe, forward, notes: _ } = conn;
    let kept = std::sync::Arc::new(std::sync::Mutex::new(vec![forward]));
    let mut reconnect =
        kubernetes::reconnector(&cluster, &pod, password_from.as_deref(), timeouts, kept.clone());
    let report = keys::scan_resumable(&mut probe, opts, progress, Some(&mut reconnect)).await?;
    drop(probe);
    drop(kept);
    Ok(report)
}

pub(crate) fn progress_bar() -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(1000);
    bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{spinner} [{bar:30}] {percent:>3}% {msg} ({elapsed}, about {eta} left)",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

fn table(header: &[&str], right: &[usize]) -> Table {
    let mut t = Table::new();
    t.load_style(presets::NOTHING);
    t.set_content_arrangement(ContentArrangement::Dynamic);
    // Fixed width unless a terminal says otherwise: the same output in CI logs and pipes.
    let width = std::io::stdout()
        .is_terminal()
        .then(|| std::env::var("COLUMNS").ok()?.parse::<u16>().ok())
        .flatten()
        .unwrap_or(120);
    t.set_width(width);
    t.set_header(header.to_vec());
    for i in right {
        if let Some(c) = t.column_mut(*i) {
            c.set_cell_alignment(CellAlignment::Right);
        }
    }
    t
}

fn pct(part: u64, whole: u64) -> String {
    if whole == 0 { "-".into() } else { format!("{:.0}%", part as f64 * 100.0 / whole as f64) }
}

fn ttl(secs: Option<u64>) -> String {
    match secs {
        None => "none".into(),
        Some(s) if s >= 86_400 => format!("{}d", s / 86_400),
        Some(s) if s >= 3_600 => format!("{}h", s / 3_600),
        Some(s) if s >= 60 => format!("{}m", s / 60),
        Some(s) => format!("{s}s"),
    }
}

fn write_tables(out: &mut dyn Write, r: &KeysReport, max_prefixes: usize) -> anyhow::Result<()> {
    let b = format_k8s_bytes;
    writeln!(out, "Keyspace of {}", r.target)?;
    if let Some(c) = &r.cluster {
        writeln!(out, "{}", wrap(&format!("note: {c}"), 120))?;
    }
    if let Some(p) = &r.partial {
        writeln!(out, "{}", wrap(&format!("PARTIAL: {p}"), 120))?;
    }
    if let Some(s) = &r.sample {
        writeln!(out, "{}", wrap(&format!("sample: {}", s.note), 120))?;
    }
    writeln!(out)?;

    let mut t = table(
        &[
            "DB",
            "KEYS",
            "MEMORY",
            "NO TTL KEYS",
            "NO TTL MEMORY",
            "SCANNED",
            "ESTIMATED KEYS",
            "ESTIMATED MEMORY",
        ],
        &[1, 2, 3, 4, 5, 6, 7],
    );
    for d in &r.dbs {
        t.add_row(vec![
            d.db.to_string(),
            d.scanned.keys.to_string(),
            b(d.scanned.bytes),
            format!("{} ({})", d.scanned.keys_without_ttl, pct(d.scanned.keys_without_ttl, d.scanned.keys)),
            format!(
                "{} ({})",
                b(d.scanned.bytes_without_ttl),
                pct(d.scanned.bytes_without_ttl, d.scanned.bytes)
            ),
            format!("{:.1}%", d.fraction_scanned * 100.0),
            d.estimated.map_or_else(|| "-".into(), |e| e.keys.to_string()),
            d.estimated.map_or_else(|| "-".into(), |e| b(e.bytes)),
        ]);
    }
    writeln!(out, "{t}\n")?;

    if !r.top.is_empty() {
        let mut t = table(&["#", "DB", "KEY", "TYPE", "MEMORY", "ELEMENTS", "TTL", "IDLE"], &[0, 1, 4, 5]);
        for (i, k) in r.top.iter().enumerate() {
            t.add_row(vec![
                (i + 1).to_string(),
                k.db.to_string(),
                k.key.clone(),
                k.type_name.clone(),
                format!("{}{}", b(k.bytes), if k.bytes_exact { "" } else { "~" }),
                k.elements.map_or_else(|| "-".into(), |e| e.to_string()),
                ttl(k.ttl_secs),
                k.idle_secs.map_or_else(|| "-".into(), |s| ttl(Some(s))),
            ]);
        }
        writeln!(out, "Biggest keys (~: MEMORY USAGE estimate from sampled elements)\n{t}\n")?;
    }

    if !r.prefixes.is_empty() {
        let mut t = table(
            &[
                "DB",
                "PATTERN",
                "KEYS",
                "MEMORY",
                "SHARE",
                "NO TTL KEYS",
                "NO TTL MEMORY",
                "TTL COVERAGE",
                "TYPES",
            ],
            &[0, 2, 3, 4, 5, 6, 7],
        );
        for p in r.prefixes.iter().take(max_prefixes) {
            t.add_row(vec![
                p.db.to_string(),
                p.pattern.clone(),
                p.keys.to_string(),
                b(p.bytes),
                pct(p.bytes, r.totals.bytes),
                p.keys_without_ttl.to_string(),
                b(p.bytes_without_ttl),
                format!("{:.0}%", p.ttl_coverage * 100.0),
                p.types.join(","),
            ]);
        }
        let more = r.prefixes.len().saturating_sub(max_prefixes);
        let tail = if more > 0 { format!(" ({more} more in -o json)") } else { String::new() };
        writeln!(out, "Key patterns by memory{tail}\n{t}\n")?;
    }

    let mut t = table(&["TTL", "KEYS", "MEMORY"], &[1, 2]);
    for h in &r.ttl_histogram {
        t.add_row(vec![h.bucket.to_string(), h.keys.to_string(), b(h.bytes)]);
    }
    writeln!(out, "TTL histogram\n{t}\n")?;

    if !r.frameworks.is_empty() {
        let mut t =
            table(&["FRAMEWORK", "ROLE", "DBS", "KEYS", "MEMORY", "NO TTL KEYS", "EVIDENCE"], &[3, 4, 5]);
        for f in &r.frameworks {
            let mut evidence = f.evidence.join("; ");
            for fact in &f.facts {
                evidence.push_str("; ");
                evidence.push_str(fact);
            }
            t.add_row(vec![
                f.name.to_string(),
                f.role.as_str().to_string(),
                f.dbs.iter().map(u32::to_string).collect::<Vec<_>>().join(","),
                f.keys.to_string(),
                b(f.bytes),
                f.keys_without_ttl.to_string(),
                evidence,
            ]);
        }
        writeln!(out, "Frameworks\n{t}\n")?;
    }
    let role = format!(
        "Role: {} (confidence {:.0}%): {}",
        r.role.role.as_str(),
        r.role.confidence * 100.0,
        r.role.evidence
    );
    writeln!(out, "{}\n", wrap(&role, 120))?;

    if !r.retention.is_empty() {
        let mut t = table(&["RULE", "DB", "KEYS", "MEMORY", "PROBLEM"], &[1, 2, 3]);
        for i in &r.retention {
            t.add_row(vec![
                i.rule.to_string(),
                i.db.to_string(),
                i.keys.to_string(),
                b(i.bytes),
                i.message.clone(),
            ]);
        }
        writeln!(out, "Retention problems\n{t}\n")?;
    }
    if !r.reclaimable.is_empty() {
        let mut t = table(&["CLEANUP", "DB", "KEYS", "MEMORY", "WHAT"], &[1, 2, 3]);
        for c in &r.reclaimable {
            t.add_row(vec![
                c.cleanup.clone(),
                c.db.to_string(),
                c.keys.to_string(),
                b(c.bytes),
                c.note.clone(),
            ]);
        }
        writeln!(out, "Reclaimable by cleanup (estimates)\n{t}\n")?;
    }
    let summary = format!(
        "{} keys, {} scanned{}{}",
        r.totals.keys,
        b(r.totals.bytes),
        if r.vanished > 0 {
            format!("; {} keys vanished during the scan", r.vanished)
        } else {
            String::new()
        },
        if r.prefixes_capped { "; pattern table full, later patterns are under (other)" } else { "" }
    );
    writeln!(out, "{}", wrap(&summary, 120))?;
    for n in &r.notes {
        writeln!(out, "{}", wrap(&format!("note: {n}"), 120))?;
    }
    Ok(())
}

/// Word-wraps free text to `width` columns, continuation lines indented by two spaces.
fn wrap(text: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = 0;
    for word in text.split(' ') {
        let len = word.chars().count();
        if line > 0 && line + 1 + len > width {
            out.push_str("\n  ");
            line = 2;
        } else if line > 0 {
            out.push(' ');
            line += 1;
        }
        out.push_str(word);
        line += len;
    }
    out
}
