//! Auditing one Redis, however it was reached (a URL or a Kubernetes port-forward): the
//! snapshot, the keyspace scan, the checks, and the summary every output shows.

use findings::{Finding, Role};
use redis_probe::{
    Probe, ProbeError,
    checks::{self, CheckContext, LiveFacts},
    keys::{self, KeysReport, ScanOptions},
    snapshot::Snapshot,
};

/// What the caller asked of the keyspace scan.
#[derive(Debug, Clone, Copy)]
pub struct ScanChoice {
    /// Skip the scan.
    pub skip: bool,
    /// At most this many keys, extrapolated (0: all).
    pub limit: u64,
}

/// The audit of one server.
#[derive(Debug)]
pub struct ServerAudit {
    pub snapshot: Snapshot,
    pub keys: Option<KeysReport>,
    pub findings: Vec<Finding>,
    pub notes: Vec<String>,
    pub summary: Summary,
}

/// The figures of the summary table, the JSON `summary` and the Prometheus metrics.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Summary {
    pub version: String,
    pub role: &'static str,
    pub memory_limit_bytes: Option<u64>,
    pub maxmemory_bytes: Option<u64>,
    pub maxmemory_policy: Option<String>,
    pub used_memory_bytes: Option<u64>,
    pub used_memory_rss_bytes: Option<u64>,
    pub fragmentation_ratio: Option<f64>,
    pub evicted_keys: u64,
    pub oom_errors: Option<u64>,
    /// `master` or `slave`/`replica`, from ROLE / INFO replication.
    pub replication_role: Option<String>,
    pub keys: Option<u64>,
    pub keys_without_ttl: Option<u64>,
}

/// Reads the server behind `probe`, scans its keys unless told not to (resuming once on a new
/// connection from `reconnect` if the stream drops), and runs the checks.
pub async fn audit(
    probe: &mut Probe,
    ctx: &CheckContext,
    scan: ScanChoice,
    reconnect: Option<keys::Reconnect<'_>>,
) -> Result<ServerAudit, ProbeError> {
    let snapshot = Snapshot::read(probe).await?;
    let keys = if scan.skip {
        None
    } else {
        let opts = ScanOptions { sample: (scan.limit > 0).then_some(scan.limit), ..ScanOptions::default() };
        Some(keys::scan_resumable(probe, &opts, &mut |_| {}, reconnect).await?)
    };
    Ok(assess(snapshot, keys, ctx))
}

/// The checks and the summary of what was read.
pub fn assess(snapshot: Snapshot, keys: Option<KeysReport>, ctx: &CheckContext) -> ServerAudit {
    let facts = LiveFacts::extract(&snapshot, keys.as_ref(), ctx);
    let mut found = checks::run(&facts);
    if let Some(k) = &keys {
        found.extend(checks::keyspace_findings(k, &snapshot.target));
    }
    sort(&mut found);
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
        replication_role: snapshot.info.get("role").map(str::to_string),
        keys: keys.as_ref().map(KeysReport::total_keys),
        keys_without_ttl: keys.as_ref().map(KeysReport::keys_without_ttl),
    };
    ServerAudit { snapshot, keys, findings: found, notes, summary }
}

/// Most severe first, then by rule id: the order every output uses.
pub fn sort(found: &mut [Finding]) {
    found.sort_by(|a, b| b.severity.cmp(&a.severity).then_with(|| a.rule.cmp(&b.rule)));
}

pub fn role(arg: Option<crate::cli::RoleArg>) -> Option<Role> {
    use crate::cli::RoleArg;
    arg.map(|r| match r {
        RoleArg::Cache => Role::Cache,
        RoleArg::Queue => Role::Queue,
        RoleArg::Sessions => Role::Sessions,
        RoleArg::Mixed => Role::Mixed,
    })
}

/// The live columns both summary tables show (one server, or one row per pod).
pub const LIVE_HEADER: [&str; 6] = ["MAXMEMORY", "POLICY", "USED", "RSS", "FRAG", "EVICTED"];

/// The [`LIVE_HEADER`] cells of a summary; dashes when the server could not be read.
pub fn live_cells(s: Option<&Summary>) -> Vec<String> {
    let dash = || "-".to_string();
    let Some(s) = s else { return vec![dash(); LIVE_HEADER.len()] };
    vec![
        match s.maxmemory_bytes {
            Some(0) => "0 (none)".to_string(),
            other => bytes(other),
        },
        s.maxmemory_policy.clone().unwrap_or_else(dash),
        bytes(s.used_memory_bytes),
        bytes(s.used_memory_rss_bytes),
        s.fragmentation_ratio.map_or_else(dash, |r| format!("{r:.2}")),
        s.evicted_keys.to_string(),
    ]
}

/// A size cell, `-` when unknown.
pub fn bytes(v: Option<u64>) -> String {
    v.map_or_else(|| "-".into(), findings::units::format_bytes_short)
}

/// A table in kubectl's tabwriter look: no borders, upper-case headers, no leading space and
/// three spaces between columns. Call [`finish_table`] once the rows are in.
pub fn table(header: Vec<&str>) -> comfy_table::Table {
    let mut t = comfy_table::Table::new();
    t.load_style(comfy_table::presets::NOTHING);
    t.set_header(header);
    t
}

pub fn finish_table(t: &mut comfy_table::Table) {
    let last = t.column_count().saturating_sub(1);
    for (i, column) in t.column_iter_mut().enumerate() {
        column.set_padding((0, if i == last { 0 } else { 3 }));
    }
}

/// How findings of a live audit are rendered (no files were scanned).
pub fn render_context(color: bool, notes: Vec<String>) -> report::RenderContext {
    report::RenderContext { tool_version: env!("CARGO_PKG_VERSION").into(), color, files_scanned: 0, notes }
}
