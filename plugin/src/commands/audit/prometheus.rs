//! `-o prometheus`: the audit as Prometheus text exposition (format 0.0.4), e.g. for
//! node-exporter's textfile collector or a CronJob pushing to a Pushgateway. One series per
//! audited Redis, labelled by pod (or by target for `--redis-url`).

use std::io::{self, Write};

use findings::{Finding, Severity};

use super::server::Summary;

/// How a series names its Redis.
#[derive(Debug, Clone, Copy)]
pub enum Target<'a> {
    Url(&'a str),
    Pod { namespace: &'a str, pod: &'a str },
}

/// One audited (or unreachable: `None`) Redis and its findings.
pub type Row<'a> = (Target<'a>, Option<&'a Summary>, &'a [Finding]);

type Value = fn(&Summary) -> Option<f64>;

const GAUGES: &[(&str, &str, Value)] = &[
    ("memory_limit_bytes", "Memory limit of the Redis container (absent: no limit).", |s| {
        s.memory_limit_bytes.map(|v| v as f64)
    }),
    ("maxmemory_bytes", "Live maxmemory (0: no limit).", |s| s.maxmemory_bytes.map(|v| v as f64)),
    ("used_memory_bytes", "INFO used_memory.", |s| s.used_memory_bytes.map(|v| v as f64)),
    ("used_memory_rss_bytes", "INFO used_memory_rss.", |s| s.used_memory_rss_bytes.map(|v| v as f64)),
    ("fragmentation_ratio", "INFO mem_fragmentation_ratio.", |s| s.fragmentation_ratio),
    ("evicted_keys", "INFO evicted_keys since the server started.", |s| Some(s.evicted_keys as f64)),
    ("oom_rejected_commands", "Commands rejected with OOM (errorstat_OOM) since the server started.", |s| {
        s.oom_errors.map(|v| v as f64)
    }),
    ("keys", "Keys counted by the keyspace scan.", |s| s.keys.map(|v| v as f64)),
    ("keys_without_ttl", "Keys without a TTL, from the keyspace scan.", |s| {
        s.keys_without_ttl.map(|v| v as f64)
    }),
];

pub fn write(out: &mut dyn Write, rows: &[Row<'_>]) -> io::Result<()> {
    writeln!(out, "# HELP redis_audit_up 1 when the Redis was audited, 0 when it could not be reached.")?;
    writeln!(out, "# TYPE redis_audit_up gauge")?;
    for (target, summary, _) in rows {
        writeln!(out, "redis_audit_up{{{}}} {}", labels(*target, &[]), u8::from(summary.is_some()))?;
    }
    for (name, help, value) in GAUGES {
        writeln!(out, "# HELP redis_audit_{name} {help}")?;
        writeln!(out, "# TYPE redis_audit_{name} gauge")?;
        for (target, summary, _) in rows {
            if let Some(v) = summary.and_then(value) {
                writeln!(out, "redis_audit_{name}{{{}}} {}", labels(*target, &[]), number(v))?;
            }
        }
    }
    writeln!(out, "# HELP redis_audit_findings Findings of the audit by severity.")?;
    writeln!(out, "# TYPE redis_audit_findings gauge")?;
    for (target, _, found) in rows {
        for severity in [Severity::Error, Severity::Warning, Severity::Info] {
            let n = found.iter().filter(|f| f.severity == severity).count();
            writeln!(
                out,
                "redis_audit_findings{{{}}} {n}",
                labels(*target, &[("severity", severity.as_str())])
            )?;
        }
    }
    Ok(())
}

fn labels(target: Target<'_>, extra: &[(&str, &str)]) -> String {
    let mut pairs: Vec<(&str, &str)> = match target {
        Target::Url(t) => vec![("target", t)],
        Target::Pod { namespace, pod } => vec![("namespace", namespace), ("pod", pod)],
    };
    pairs.extend_from_slice(extra);
    pairs.iter().map(|(k, v)| format!("{k}=\"{}\"", escape(v))).collect::<Vec<_>>().join(",")
}

/// Label values escape backslash, double quote and line feed (exposition format 0.0.4).
fn escape(v: &str) -> String {
    v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 { format!("{}", v as i64) } else { format!("{v}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_escaped_and_missing_values_omitted() {
        let summary = Summary {
            version: "7.2.4".into(),
            role: "cache",
            memory_limit_bytes: None,
            maxmemory_bytes: Some(0),
            maxmemory_policy: None,
            used_memory_bytes: Some(1_048_576),
            used_memory_rss_bytes: None,
            fragmentation_ratio: Some(1.25),
            evicted_keys: 3,
            oom_errors: None,
            replication_role: None,
            keys: None,
            keys_without_ttl: None,
        };
        let mut out = Vec::new();
        let rows: Vec<Row<'_>> = vec![
            (Target::Pod { namespace: "ns", pod: "a\"b" }, Some(&summary), &[]),
            (Target::Url("unix:///x"), None, &[]),
        ];
        write(&mut out, &rows).unwrap_or_default();
        let text = String::from_utf8(out).unwrap_or_default();
        assert!(text.contains("redis_audit_up{namespace=\"ns\",pod=\"a\\\"b\"} 1"), "{text}");
        assert!(text.contains("redis_audit_up{target=\"unix:///x\"} 0"), "{text}");
        assert!(text.contains("redis_audit_maxmemory_bytes{namespace=\"ns\",pod=\"a\\\"b\"} 0"), "{text}");
        assert!(
            text.contains("redis_audit_fragmentation_ratio{namespace=\"ns\",pod=\"a\\\"b\"} 1.25"),
            "{text}"
        );
        assert!(!text.contains("redis_audit_memory_limit_bytes{"), "{text}");
        assert!(text.contains("redis_audit_findings{target=\"unix:///x\",severity=\"error\"} 0"), "{text}");
    }
}
