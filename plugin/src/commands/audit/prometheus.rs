//! The audit as Prometheus metrics (text exposition format 0.0.4): written once by
//! `audit -o prometheus` (for node-exporter's textfile collector) and served by `serve` on
//! `/metrics`. One renderer for both, so the names, types and labels cannot drift; each is
//! documented in docs/metrics.md (a test keeps the two in step).
//!
//! Names follow the Prometheus conventions: base units (`_bytes`, `_seconds`), `_total` only
//! on counters, `_info` series of value 1 for text values. Label cardinality is bounded: one
//! set of series per Redis, keyspace figures by a fixed list of prefix classes, findings by
//! rule id (a catalog of a few dozen). Passwords never reach a label: pods are named by
//! namespace/pod/container and `--redis-url` targets by their password-free address.

use std::{
    collections::BTreeMap,
    io::{self, Write},
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use findings::Finding;
use redis_probe::keys::{Framework, KeysReport};

use super::server::ServerAudit;

/// How a series names its Redis.
#[derive(Debug, Clone, Copy)]
pub enum Target<'a> {
    /// `--redis-url`, shown without its password.
    Url(&'a str),
    Pod {
        namespace: &'a str,
        pod: &'a str,
        container: &'a str,
    },
}

/// What Kubernetes says about the pod's Redis container.
#[derive(Debug, Clone, Copy)]
pub struct ContainerState {
    pub restarts: u32,
    /// The last termination was `OOMKilled`.
    pub last_oom_killed: bool,
    /// OOM kills seen: memory events of the pod (kept about an hour by Kubernetes), at least
    /// 1 when the last termination was an OOM kill (the table's OOM KILLS column).
    pub oom_kills: u64,
}

/// One Redis: audited (`audit` is `Some`) or not reached.
#[derive(Debug, Clone, Copy)]
pub struct Row<'a> {
    pub target: Target<'a>,
    pub audit: Option<&'a ServerAudit>,
    /// Pod-level and server findings.
    pub findings: &'a [Finding],
    /// The container's memory limit (`--memory-limit` for a URL); known even when Redis
    /// could not be reached.
    pub memory_limit_bytes: Option<u64>,
    /// Pods only.
    pub container: Option<ContainerState>,
    /// How long its audit took, and when it ended.
    pub duration: Duration,
    pub finished_at: SystemTime,
}

/// Figures of the run itself rather than of one Redis.
#[derive(Debug, Clone, Copy, Default)]
pub struct RunInfo {
    /// Whether listing the pods worked (cluster audits and `serve`; `None` for a URL).
    pub discovery_up: Option<bool>,
    /// `serve`: audit cycles completed since start, and how long the last one took.
    pub cycles_total: Option<u64>,
    pub cycle_duration: Option<Duration>,
}

/// Prefix classes of the keyspace metrics: the frameworks the key fingerprints know, grouped
/// (every session store is `sessions`, every cache is `cache`), then `other` for the rest.
pub const CLASSES: &[&str] =
    &["sidekiq", "bullmq", "celery", "rq", "resque", "laravel_queue", "sessions", "cache", "other"];

fn class_of(f: Framework) -> &'static str {
    use Framework::*;
    match f {
        Sidekiq => "sidekiq",
        BullMq => "bullmq",
        Celery => "celery",
        Rq => "rq",
        Resque => "resque",
        LaravelQueue => "laravel_queue",
        ExpressSession | DjangoSessions | RailsSessions | FlaskSession | SpringSession => "sessions",
        DjangoCache | RailsCache | FlaskCaching | LaravelCache => "cache",
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Value {
    Int(u64),
    Signed(i64),
    Float(f64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Gauge,
    Counter,
}

type Labels = Vec<(&'static str, String)>;
type Samples = Vec<(Labels, Value)>;

/// One metric family: name, type, help, and its samples for one Redis.
struct Family {
    name: &'static str,
    kind: Kind,
    help: &'static str,
    samples: fn(&Row<'_>) -> Samples,
}

fn one(v: Option<Value>) -> Samples {
    v.map(|v| vec![(Vec::new(), v)]).unwrap_or_default()
}

fn int(v: Option<u64>) -> Samples {
    one(v.map(Value::Int))
}

fn info(label: &'static str, v: Option<&str>) -> Samples {
    v.map(|v| vec![(vec![(label, v.to_string())], Value::Int(1))]).unwrap_or_default()
}

/// Every per-Redis family, in output order. docs/metrics.md lists the same names.
const FAMILIES: &[Family] = &[
    Family {
        name: "redis_audit_up",
        kind: Kind::Gauge,
        help: "1 when the Redis was reached and audited, 0 when it could not be (see the audit's error).",
        samples: |r| int(Some(u64::from(r.audit.is_some()))),
    },
    Family {
        name: "redis_audit_server_info",
        kind: Kind::Gauge,
        help: "Always 1: the server (redis or valkey), its version and replication role (INFO).",
        samples: |r| {
            let Some(a) = r.audit else { return Vec::new() };
            let info = &a.snapshot.info;
            let version = a.summary.version.split_once(' ').map_or(a.summary.version.as_str(), |(_, v)| v);
            let labels = vec![
                ("server", info.server_name().to_string()),
                ("version", version.to_string()),
                ("replication_role", a.summary.replication_role.clone().unwrap_or_default()),
            ];
            vec![(labels, Value::Int(1))]
        },
    },
    Family {
        name: "redis_audit_role_info",
        kind: Kind::Gauge,
        help: "Always 1: what the Redis is used for (cache, queue, sessions, mixed, unknown), from --role or its keys.",
        samples: |r| info("role", r.audit.map(|a| a.summary.role)),
    },
    Family {
        name: "redis_audit_maxmemory_policy_info",
        kind: Kind::Gauge,
        help: "Always 1: the live maxmemory-policy.",
        samples: |r| info("policy", r.audit.and_then(|a| a.summary.maxmemory_policy.as_deref())),
    },
    Family {
        name: "redis_audit_memory_limit_bytes",
        kind: Kind::Gauge,
        help: "Memory limit of the Redis container (absent: no limit).",
        samples: |r| int(r.memory_limit_bytes),
    },
    Family {
        name: "redis_audit_maxmemory_bytes",
        kind: Kind::Gauge,
        help: "Live maxmemory (0: unset, Redis grows until the container is OOM-killed).",
        samples: |r| int(r.audit.and_then(|a| a.summary.maxmemory_bytes)),
    },
    Family {
        name: "redis_audit_used_memory_bytes",
        kind: Kind::Gauge,
        help: "Memory Redis has allocated (INFO used_memory).",
        samples: |r| int(r.audit.and_then(|a| a.summary.used_memory_bytes)),
    },
    Family {
        name: "redis_audit_rss_bytes",
        kind: Kind::Gauge,
        help: "Resident set size of the Redis process (INFO used_memory_rss).",
        samples: |r| int(r.audit.and_then(|a| a.summary.used_memory_rss_bytes)),
    },
    Family {
        name: "redis_audit_fragmentation_ratio",
        kind: Kind::Gauge,
        help: "RSS over used memory (INFO mem_fragmentation_ratio).",
        samples: |r| one(r.audit.and_then(|a| a.summary.fragmentation_ratio).map(Value::Float)),
    },
    Family {
        name: "redis_audit_fragmentation_bytes",
        kind: Kind::Gauge,
        help: "RSS minus used memory (INFO mem_fragmentation_bytes; negative when part is swapped out).",
        samples: |r| one(r.audit.and_then(fragmentation_bytes).map(Value::Signed)),
    },
    Family {
        name: "redis_audit_evicted_keys_total",
        kind: Kind::Counter,
        help: "Keys evicted because of maxmemory since the server started (INFO evicted_keys).",
        samples: |r| int(r.audit.map(|a| a.summary.evicted_keys)),
    },
    Family {
        name: "redis_audit_oom_rejected_commands_total",
        kind: Kind::Counter,
        help: "Commands refused with -OOM since the server started (INFO errorstat_OOM; Redis 6.2+).",
        samples: |r| int(r.audit.and_then(|a| a.summary.oom_errors)),
    },
    Family {
        name: "redis_audit_container_restarts_total",
        kind: Kind::Counter,
        help: "Restarts of the Redis container (pod status restartCount).",
        samples: |r| int(r.container.map(|c| u64::from(c.restarts))),
    },
    Family {
        name: "redis_audit_container_oom_killed",
        kind: Kind::Gauge,
        help: "1 when the last termination of the Redis container was OOMKilled, else 0.",
        samples: |r| int(r.container.map(|c| u64::from(c.last_oom_killed))),
    },
    Family {
        name: "redis_audit_container_oom_kills",
        kind: Kind::Gauge,
        help: "OOM kills seen in the pod's memory events (kept about an hour), at least 1 when the last termination was OOMKilled.",
        samples: |r| int(r.container.map(|c| c.oom_kills)),
    },
    Family {
        name: "redis_audit_keys",
        kind: Kind::Gauge,
        help: "Keys in every db (INFO keyspace).",
        samples: |r| int(r.audit.map(|a| a.snapshot.info.keyspace().iter().map(|d| d.keys).sum())),
    },
    Family {
        name: "redis_audit_keys_with_ttl",
        kind: Kind::Gauge,
        help: "Keys with a TTL in every db (INFO keyspace expires).",
        samples: |r| int(r.audit.map(|a| a.snapshot.info.keyspace().iter().map(|d| d.expires).sum())),
    },
    Family {
        name: "redis_audit_keyspace_scanned_ratio",
        kind: Kind::Gauge,
        help: "Share of the keys the keyspace scan read (1: all); the class figures are extrapolated from it.",
        samples: |r| one(r.audit.and_then(|a| a.keys.as_ref()).map(|k| Value::Float(scanned_ratio(k)))),
    },
    Family {
        name: "redis_audit_keys_without_ttl",
        kind: Kind::Gauge,
        help: "Keys without a TTL by prefix class, from the keyspace scan (extrapolated when sampled).",
        samples: |r| classes(r, |c| c.0),
    },
    Family {
        name: "redis_audit_memory_without_ttl_bytes",
        kind: Kind::Gauge,
        help: "Memory of the keys without a TTL by prefix class (MEMORY USAGE; extrapolated when sampled).",
        samples: |r| classes(r, |c| c.1),
    },
    Family {
        name: "redis_audit_findings",
        kind: Kind::Gauge,
        help: "Findings of the audit by rule and severity (absent: none).",
        samples: |r| {
            let mut counts: BTreeMap<(&str, &str), u64> = BTreeMap::new();
            for f in r.findings {
                *counts.entry((f.rule.as_str(), f.severity.as_str())).or_default() += 1;
            }
            counts
                .into_iter()
                .map(|((rule, sev), n)| {
                    (vec![("rule", rule.to_string()), ("severity", sev.to_string())], Value::Int(n))
                })
                .collect()
        },
    },
    Family {
        name: "redis_audit_audit_duration_seconds",
        kind: Kind::Gauge,
        help: "How long the audit of this Redis took (connect, INFO, keyspace sample, checks).",
        samples: |r| one(Some(Value::Float(round_ms(r.duration.as_secs_f64())))),
    },
    Family {
        name: "redis_audit_last_audit_timestamp_seconds",
        kind: Kind::Gauge,
        help: "When the audit of this Redis ended (Unix time).",
        samples: |r| {
            let t = r.finished_at.duration_since(UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64());
            one(Some(Value::Float(round_ms(t))))
        },
    },
];

/// The families of [`RunInfo`], in output order.
const RUN_FAMILIES: [(&str, Kind, &str); 3] = [
    (
        "redis_audit_discovery_up",
        Kind::Gauge,
        "1 when the Redis pods could be listed, 0 when the Kubernetes API refused or failed (then no Redis is exported).",
    ),
    ("redis_audit_cycles_total", Kind::Counter, "Audit cycles `serve` has completed since it started."),
    (
        "redis_audit_cycle_duration_seconds",
        Kind::Gauge,
        "How long the last audit cycle of `serve` took (discovery and every pod).",
    ),
];

/// Writes every family for `rows` (sorted as given), then the run's own figures. Families
/// without a sample are left out.
pub fn write(out: &mut dyn Write, rows: &[Row<'_>], run: &RunInfo) -> io::Result<()> {
    for family in FAMILIES {
        let per_row: Vec<(String, Samples)> =
            rows.iter().map(|r| (target_labels(r.target), (family.samples)(r))).collect();
        if per_row.iter().all(|(_, s)| s.is_empty()) {
            continue;
        }
        header(out, family.name, family.kind, family.help)?;
        for (target, samples) in per_row {
            for (extra, value) in samples {
                sample(out, family.name, &target, &extra, value)?;
            }
        }
    }
    let values = [
        run.discovery_up.map(|up| Value::Int(u64::from(up))),
        run.cycles_total.map(Value::Int),
        run.cycle_duration.map(|d| Value::Float(round_ms(d.as_secs_f64()))),
    ];
    for ((name, kind, help), value) in RUN_FAMILIES.iter().zip(values) {
        if let Some(v) = value {
            header(out, name, *kind, help)?;
            sample(out, name, "", &[], v)?;
        }
    }
    Ok(())
}

/// Every family [`write`] can produce, with its type (docs/metrics.md lists the same).
#[cfg(test)]
fn metric_names() -> Vec<(&'static str, Kind)> {
    let mut names: Vec<(&'static str, Kind)> = FAMILIES.iter().map(|f| (f.name, f.kind)).collect();
    names.extend(RUN_FAMILIES.iter().map(|(n, k, _)| (*n, *k)));
    names
}

fn header(out: &mut dyn Write, name: &str, kind: Kind, help: &str) -> io::Result<()> {
    let kind = match kind {
        Kind::Gauge => "gauge",
        Kind::Counter => "counter",
    };
    writeln!(out, "# HELP {name} {}", help.replace('\\', "\\\\").replace('\n', "\\n"))?;
    writeln!(out, "# TYPE {name} {kind}")
}

fn sample(
    out: &mut dyn Write,
    name: &str,
    target: &str,
    extra: &[(&str, String)],
    v: Value,
) -> io::Result<()> {
    let mut labels = target.to_string();
    for (k, val) in extra {
        if !labels.is_empty() {
            labels.push(',');
        }
        labels.push_str(&format!("{k}=\"{}\"", escape(val)));
    }
    let value = match v {
        Value::Int(n) => n.to_string(),
        Value::Signed(n) => n.to_string(),
        Value::Float(f) => float(f),
    };
    if labels.is_empty() {
        writeln!(out, "{name} {value}")
    } else {
        writeln!(out, "{name}{{{labels}}} {value}")
    }
}

fn target_labels(target: Target<'_>) -> String {
    let pairs: Vec<(&str, &str)> = match target {
        Target::Url(t) => vec![("target", t)],
        Target::Pod { namespace, pod, container } => {
            vec![("namespace", namespace), ("pod", pod), ("container", container)]
        }
    };
    pairs.iter().map(|(k, v)| format!("{k}=\"{}\"", escape(v))).collect::<Vec<_>>().join(",")
}

/// Label values escape backslash, double quote and line feed (exposition format 0.0.4).
fn escape(v: &str) -> String {
    v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

/// Go's float syntax as Prometheus parses it: `NaN`, `+Inf`, `-Inf`, else decimal.
fn float(f: f64) -> String {
    if f.is_nan() {
        "NaN".into()
    } else if f.is_infinite() {
        if f > 0.0 { "+Inf".into() } else { "-Inf".into() }
    } else {
        format!("{f}")
    }
}

/// Milliseconds are precision enough for durations and timestamps.
fn round_ms(secs: f64) -> f64 {
    (secs * 1000.0).round() / 1000.0
}

/// INFO `mem_fragmentation_bytes` (Redis 7.0+), else RSS minus used memory.
fn fragmentation_bytes(a: &ServerAudit) -> Option<i64> {
    a.snapshot.info.get("mem_fragmentation_bytes").and_then(|v| v.parse::<i64>().ok()).or_else(|| {
        let rss = i64::try_from(a.summary.used_memory_rss_bytes?).ok()?;
        let used = i64::try_from(a.summary.used_memory_bytes?).ok()?;
        Some(rss - used)
    })
}

/// Keys read over keys present (1 when every db was scanned to the end).
fn scanned_ratio(k: &KeysReport) -> f64 {
    if k.dbs.iter().all(|d| d.complete) {
        return 1.0;
    }
    let present: u64 = k.dbs.iter().map(|d| d.keys_at_start).sum();
    if present == 0 { 1.0 } else { (k.totals.keys as f64 / present as f64).min(1.0) }
}

/// `(keys without TTL, their bytes)` per [`CLASSES`] entry, scaled up when the scan sampled.
/// `other` is the rest, so the classes add up to the (estimated) total.
pub fn keyspace_classes(k: &KeysReport) -> Vec<(&'static str, (u64, u64))> {
    let estimated = k.estimated_totals.unwrap_or(k.totals);
    let scale = |scanned: u64, total_scanned: u64, total_estimated: u64| -> u64 {
        if total_scanned == 0 {
            return 0;
        }
        (scanned as f64 * total_estimated as f64 / total_scanned as f64).round() as u64
    };
    let mut per_class: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
    for f in &k.frameworks {
        let e = per_class.entry(class_of(f.framework)).or_default();
        e.0 += scale(f.keys_without_ttl, k.totals.keys, estimated.keys);
        e.1 += scale(f.bytes_without_ttl, k.totals.bytes, estimated.bytes);
    }
    let named_keys: u64 = per_class.values().map(|v| v.0).sum();
    let named_bytes: u64 = per_class.values().map(|v| v.1).sum();
    per_class.insert(
        "other",
        (
            estimated.keys_without_ttl.saturating_sub(named_keys),
            estimated.bytes_without_ttl.saturating_sub(named_bytes),
        ),
    );
    CLASSES.iter().map(|c| (*c, per_class.get(c).copied().unwrap_or_default())).collect()
}

fn classes(r: &Row<'_>, pick: fn((u64, u64)) -> u64) -> Samples {
    let Some(k) = r.audit.and_then(|a| a.keys.as_ref()) else { return Vec::new() };
    keyspace_classes(k)
        .into_iter()
        .map(|(c, v)| (vec![("class", c.to_string())], Value::Int(pick(v))))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(rows: &[Row<'_>], run: &RunInfo) -> String {
        let mut out = Vec::new();
        write(&mut out, rows, run).unwrap_or_else(|e| panic!("{e}"));
        String::from_utf8(out).unwrap_or_else(|e| panic!("{e}"))
    }

    fn row<'a>(target: Target<'a>, findings: &'a [Finding]) -> Row<'a> {
        Row {
            target,
            audit: None,
            findings,
            memory_limit_bytes: Some(268_435_456),
            container: Some(ContainerState { restarts: 3, last_oom_killed: true, oom_kills: 5 }),
            duration: Duration::from_millis(1500),
            finished_at: UNIX_EPOCH + Duration::from_secs(1_700_000_000),
        }
    }

    #[test]
    fn an_unreached_pod_keeps_its_kubernetes_figures_and_labels_are_escaped() {
        let found = [Finding::new(
            "oom-killed",
            findings::Severity::Error,
            "x".to_string(),
            findings::Location::Pod { namespace: "ns".into(), pod: "p".into(), container: None },
            "x",
        )];
        let rows = [row(Target::Pod { namespace: "ns", pod: "a\"b\\c", container: "redis" }, &found)];
        let text = render(&rows, &RunInfo { discovery_up: Some(true), ..RunInfo::default() });
        let l = r#"namespace="ns",pod="a\"b\\c",container="redis""#;
        for line in [
            format!("redis_audit_up{{{l}}} 0"),
            format!("redis_audit_memory_limit_bytes{{{l}}} 268435456"),
            format!("redis_audit_container_restarts_total{{{l}}} 3"),
            format!("redis_audit_container_oom_killed{{{l}}} 1"),
            format!("redis_audit_container_oom_kills{{{l}}} 5"),
            format!("redis_audit_findings{{{l},rule=\"oom-killed\",severity=\"error\"}} 1"),
            format!("redis_audit_audit_duration_seconds{{{l}}} 1.5"),
            format!("redis_audit_last_audit_timestamp_seconds{{{l}}} 1700000000"),
            "redis_audit_discovery_up 1".to_string(),
        ] {
            assert!(text.lines().any(|x| x == line), "{line}\n{text}");
        }
        // Nothing read from Redis: those families are left out entirely.
        assert!(!text.contains("redis_audit_maxmemory_bytes"), "{text}");
        assert!(!text.contains("redis_audit_cycles_total"), "{text}");
        assert!(text.contains("# TYPE redis_audit_container_restarts_total counter\n"), "{text}");
    }

    #[test]
    fn a_url_target_has_one_label_and_no_container_series() {
        let rows =
            [Row { container: None, memory_limit_bytes: None, ..row(Target::Url("redis://h:6379"), &[]) }];
        let text = render(&rows, &RunInfo::default());
        assert!(text.contains("redis_audit_up{target=\"redis://h:6379\"} 0\n"), "{text}");
        assert!(!text.contains("container"), "{text}");
        assert!(!text.contains("discovery"), "{text}");
    }

    #[test]
    fn floats_in_prometheus_syntax() {
        assert_eq!(float(f64::NAN), "NaN");
        assert_eq!(float(f64::INFINITY), "+Inf");
        assert_eq!(float(f64::NEG_INFINITY), "-Inf");
        assert_eq!(float(1.25), "1.25");
        assert_eq!(float(3.0), "3");
    }

    #[test]
    fn every_family_is_named_once_and_documented_with_its_type() {
        let names = metric_names();
        let mut sorted: Vec<&str> = names.iter().map(|(n, _)| *n).collect();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), names.len());
        // docs/metrics.md: rows `| `name` | type | ...`.
        let doc = include_str!("../../../../docs/metrics.md");
        let documented: Vec<(String, String)> = doc
            .lines()
            .filter_map(|l| {
                let mut cells = l.strip_prefix("| `redis_audit_")?.split('|');
                let name = format!("redis_audit_{}", cells.next()?.trim().trim_end_matches('`'));
                Some((name, cells.next()?.trim().to_string()))
            })
            .collect();
        let produced: Vec<(String, String)> = names
            .iter()
            .map(|(n, k)| (n.to_string(), if *k == Kind::Counter { "counter" } else { "gauge" }.to_string()))
            .collect();
        assert_eq!(
            documented, produced,
            "docs/metrics.md lists the metrics in output order, with their types"
        );
        for (name, kind) in &names {
            assert!(name.starts_with("redis_audit_"), "{name}");
            assert_eq!(name.ends_with("_total"), *kind == Kind::Counter, "{name}: `_total` on counters only");
        }
    }
}
