//! `kubectl redis-audit [POD...]`: every Redis and Valkey pod in scope, each through its own
//! port-forward, audited concurrently (bounded by `--concurrency`, each within
//! `--pod-timeout`). A pod that cannot be audited gets a one-line reason and the others go on;
//! the exit code is 2 only when no pod at all could be audited.

use std::{
    io::Write,
    process::ExitCode,
    time::{Duration, Instant, SystemTime},
};

use anyhow::Context;
use findings::{Finding, Location, Role, Severity, units::format_k8s_bytes};
use futures_util::{StreamExt, stream};
use kube_access::{Cluster, RedisPod, Scope};
use redis_probe::{Probe, Timeouts, checks::CheckContext, keys::KeysReport};
use report::{Format, SourceMap};

use super::{
    prometheus,
    server::{self, ScanChoice, ServerAudit, Summary},
};
use crate::{
    cli::{AuditArgs, AuditFormat, ColorWhen},
    kubernetes::{self, Route},
    output,
};

/// The audit of one pod; `error` when it could not be audited (then `audit` is `None`).
#[derive(Debug)]
pub(crate) struct PodOutcome {
    pub pod: RedisPod,
    pub audit: Option<ServerAudit>,
    /// Pod-level and server findings, pointing at the pod.
    pub findings: Vec<Finding>,
    pub oom_kills: u64,
    pub error: Option<String>,
    pub notes: Vec<String>,
    /// How long the audit of this pod took, and when it ended.
    pub duration: Duration,
    pub finished_at: SystemTime,
}

/// What to audit in a cluster and how: the flags of `audit` and `serve` that apply per pod.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    pub scope: Scope,
    pub selector: Option<String>,
    /// Pods named on the command line (none: every Redis pod in scope).
    pub names: Vec<String>,
    pub password_from: Option<String>,
    pub timeouts: Timeouts,
    pub role: Option<Role>,
    pub scan: ScanChoice,
    /// Per pod; the others go on.
    pub pod_timeout: Duration,
    /// Pods audited at the same time.
    pub concurrency: usize,
    pub route: Route,
}

/// The per-pod flags both `audit` and `serve` have (with their own defaults).
pub(crate) struct PodFlags {
    pub role: Option<crate::cli::RoleArg>,
    pub connect_timeout: u64,
    pub pod_timeout: u64,
    pub concurrency: u32,
    pub direct: bool,
}

impl Plan {
    /// The pods `-n`/`-A`/`-l` (and `names`) select on `cluster`, audited as `flags` say.
    pub fn new(
        cluster: &Cluster,
        kube: &crate::cli::KubeArgs,
        names: Vec<String>,
        scan: ScanChoice,
        flags: PodFlags,
    ) -> Plan {
        Plan {
            scope: if kube.all_namespaces { Scope::All } else { Scope::Namespace(cluster.namespace.clone()) },
            selector: kube.selector.clone(),
            names,
            password_from: kube.password_from.clone(),
            timeouts: Timeouts {
                connect: Duration::from_secs(flags.connect_timeout.max(1)),
                ..Timeouts::default()
            },
            role: server::role(flags.role),
            scan,
            pod_timeout: Duration::from_secs(flags.pod_timeout.max(1)),
            concurrency: flags.concurrency as usize,
            route: Route::choose(flags.direct, cluster),
        }
    }
}

/// One pass over the cluster: an outcome per Redis pod (sorted by namespace and name), the
/// pods skipped (Sentinel only) and the named pods that could not be found.
#[derive(Debug)]
pub(crate) struct Audited {
    pub outcomes: Vec<PodOutcome>,
    pub skipped: Vec<(RedisPod, String)>,
    pub missing: Vec<(String, String)>,
}

pub fn run(args: &AuditArgs, color: ColorWhen) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("tokio runtime")?;
    let (cluster, Audited { outcomes, skipped, missing }) = runtime.block_on(async {
        tokio::select! {
            r = audit_cluster(args) => r,
            _ = tokio::signal::ctrl_c() => Err(super::super::Interrupted.into()),
        }
    })?;
    let mut all: Vec<Finding> = outcomes.iter().flat_map(|o| o.findings.iter().cloned()).collect();
    server::sort(&mut all);
    let mut out = output::writer(None)?;
    match args.output {
        AuditFormat::Json | AuditFormat::Yaml => {
            let value = json_report(&cluster, &outcomes, &skipped, &missing, &all);
            output::write_data(&mut out, &value, args.output == AuditFormat::Yaml)?;
        }
        AuditFormat::Sarif => {
            let ctx = server::render_context(false, notes(&outcomes, &skipped));
            report::render(Format::Sarif, &all, &SourceMap::default(), &ctx, &mut out)?;
        }
        AuditFormat::Prometheus => {
            let run = prometheus::RunInfo { discovery_up: Some(true), ..prometheus::RunInfo::default() };
            prometheus::write(&mut out, &prometheus_rows(&outcomes), &run)?;
        }
        AuditFormat::Table | AuditFormat::Wide => {
            if outcomes.is_empty() && missing.is_empty() {
                writeln!(out, "No Redis or Valkey pods found {}.", scope_words(args, &cluster))?;
            } else if outcomes.is_empty() {
                // Only named pods, none found: the error lines below say why.
            } else {
                writeln!(out, "{}", table(&outcomes, args.output == AuditFormat::Wide))?;
            }
            for (name, why) in &missing {
                writeln!(out, "error: {name}: {why}")?;
            }
            for o in outcomes.iter().filter(|o| o.error.is_some()) {
                writeln!(
                    out,
                    "error: {}: {}",
                    kubernetes::label(&o.pod),
                    o.error.as_deref().unwrap_or_default()
                )?;
            }
            writeln!(out)?;
            let ctx = server::render_context(output::use_color(color, false), notes(&outcomes, &skipped));
            report::render(Format::Pretty, &all, &SourceMap::default(), &ctx, &mut out)?;
        }
    }
    out.flush()?;
    let tried = outcomes.len() + missing.len();
    if tried > 0 && outcomes.iter().all(|o| o.audit.is_none()) {
        let first = missing
            .first()
            .map(|(name, why)| format!("{name}: {why}"))
            .or_else(|| outcomes.iter().find_map(|o| o.error.clone()))
            .unwrap_or_default();
        anyhow::bail!("no pod could be audited ({tried} tried); first error: {first}");
    }
    Ok(output::exit_code(&all, args.fail_on))
}

async fn audit_cluster(args: &AuditArgs) -> anyhow::Result<(Cluster, Audited)> {
    let cluster = kubernetes::connect(&args.kube).await?;
    let flags = PodFlags {
        role: args.role,
        connect_timeout: args.connect_timeout,
        pod_timeout: args.pod_timeout,
        concurrency: args.concurrency,
        direct: args.direct,
    };
    let scan = ScanChoice { skip: args.no_keys, limit: args.scan_limit };
    let plan = Plan::new(&cluster, &args.kube, args.pods.clone(), scan, flags);
    let audited = audit_pods(&cluster, &plan).await?;
    Ok((cluster, audited))
}

/// Finds the Redis pods of `plan` and audits them concurrently (at most `plan.concurrency` at
/// a time, each within `plan.pod_timeout`). Fails only when the pods cannot be listed.
pub(crate) async fn audit_pods(cluster: &Cluster, plan: &Plan) -> Result<Audited, kube_access::KubeError> {
    let found =
        kube_access::find_redis_pods(cluster, &plan.scope, plan.selector.as_deref(), &plan.names).await?;
    let limit = plan.pod_timeout;
    let mut outcomes: Vec<PodOutcome> = stream::iter(found.pods)
        .map(|pod| async move {
            let label = kubernetes::label(&pod);
            let started = Instant::now();
            let mut outcome = match tokio::time::timeout(limit, audit_pod(cluster, pod.clone(), plan)).await {
                Ok(o) => o,
                Err(_) => {
                    failed(pod, format!("{label}: no result within --pod-timeout {} s", limit.as_secs()))
                }
            };
            outcome.duration = started.elapsed();
            outcome.finished_at = SystemTime::now();
            outcome
        })
        .buffer_unordered(plan.concurrency.max(1))
        .collect()
        .await;
    outcomes.sort_by(|a, b| (&a.pod.namespace, &a.pod.name).cmp(&(&b.pod.namespace, &b.pod.name)));
    let missing = found.errors.into_iter().map(|e| (e.name, e.error.to_string())).collect();
    Ok(Audited { outcomes, skipped: found.skipped, missing })
}

/// The Prometheus rows of a pass, in its order (`audit -o prometheus` and `serve`).
pub(crate) fn prometheus_rows(outcomes: &[PodOutcome]) -> Vec<prometheus::Row<'_>> {
    outcomes
        .iter()
        .map(|o| prometheus::Row {
            target: prometheus::Target::Pod {
                namespace: &o.pod.namespace,
                pod: &o.pod.name,
                container: &o.pod.container,
            },
            audit: o.audit.as_ref(),
            findings: &o.findings,
            memory_limit_bytes: o.pod.memory_limit,
            container: Some(prometheus::ContainerState {
                restarts: o.pod.restarts,
                last_oom_killed: o.pod.oom_killed,
                oom_kills: o.oom_kills,
            }),
            duration: o.duration,
            finished_at: o.finished_at,
        })
        .collect()
}

fn failed(pod: RedisPod, error: String) -> PodOutcome {
    let oom_kills = u64::from(pod.oom_killed);
    failed_after(pod, error, oom_kills, Vec::new())
}

/// A pod not audited, with what was learnt before that (OOM events, password notes).
fn failed_after(pod: RedisPod, error: String, oom_kills: u64, notes: Vec<String>) -> PodOutcome {
    let findings = pod_findings(&pod, oom_kills);
    PodOutcome {
        findings,
        oom_kills,
        pod,
        audit: None,
        error: Some(error),
        notes,
        duration: Duration::ZERO,
        finished_at: SystemTime::now(),
    }
}

async fn audit_pod(cluster: &Cluster, pod: RedisPod, plan: &Plan) -> PodOutcome {
    let password_from = plan.password_from.as_deref();
    let timeouts = plan.timeouts;
    let mut notes = Vec::new();
    let oom_kills = match kube_access::oom_events(cluster, &pod).await {
        Ok(events) => {
            let from_events: u64 = events.iter().map(|e| u64::from(e.count.max(1))).sum();
            from_events.max(u64::from(pod.oom_killed))
        }
        Err(e) => {
            notes.push(format!("events not read: {e}"));
            u64::from(pod.oom_killed)
        }
    };
    if !pod.is_running() {
        let error = format!("pod is {}, not Running: not audited", pod.phase);
        return failed_after(pod, error, oom_kills, notes);
    }
    let ctx = CheckContext {
        memory_limit: pod
            .memory_limit
            .map(|b| (b, pod.memory_limit_text.clone().unwrap_or_else(|| format_k8s_bytes(b)))),
        no_memory_limit: pod.memory_limit.is_none(),
        role: plan.role,
    };
    let result = match plan.route {
        Route::PortForward => {
            let conn = match kubernetes::open(cluster, &pod, password_from, timeouts).await {
                Ok(c) => c,
                Err(e) => return failed_after(pod, e, oom_kills, notes),
            };
            let kubernetes::PodConnection { mut probe, forward, notes: conn_notes } = conn;
            notes.extend(conn_notes);
            let kept = std::sync::Arc::new(std::sync::Mutex::new(vec![forward]));
            let mut reconnect = kubernetes::reconnector(cluster, &pod, password_from, timeouts, kept.clone());
            let result = server::audit(&mut probe, &ctx, plan.scan, Some(&mut reconnect)).await;
            drop(probe);
            drop(kept);
            result
        }
        Route::PodIp => {
            let mut probe: Probe = match kubernetes::open_direct(cluster, &pod, password_from, timeouts).await
            {
                Ok((probe, conn_notes)) => {
                    notes.extend(conn_notes);
                    probe
                }
                Err(e) => return failed_after(pod, e, oom_kills, notes),
            };
            let mut reconnect = kubernetes::direct_reconnector(cluster, &pod, password_from, timeouts);
            server::audit(&mut probe, &ctx, plan.scan, Some(&mut reconnect)).await
        }
    };
    match result {
        Ok(audit) => {
            let mut findings = pod_findings(&pod, oom_kills);
            findings.extend(audit.findings.iter().cloned().map(|f| at_pod(f, &pod)));
            server::sort(&mut findings);
            notes.extend(audit.notes.iter().cloned());
            PodOutcome {
                pod,
                audit: Some(audit),
                findings,
                oom_kills,
                error: None,
                notes,
                duration: Duration::ZERO,
                finished_at: SystemTime::now(),
            }
        }
        Err(e) => failed_after(pod, e.to_string(), oom_kills, notes),
    }
}

/// Server findings point at the pod's Redis container instead of the stream label.
fn at_pod(mut f: Finding, pod: &RedisPod) -> Finding {
    if let Location::Server { .. } = f.location {
        f.location = pod_location(pod);
    }
    f
}

fn pod_location(pod: &RedisPod) -> Location {
    Location::Pod {
        namespace: pod.namespace.clone(),
        pod: pod.name.clone(),
        container: Some(pod.container.clone()),
    }
}

/// What the pod spec and status say, whether or not Redis could be reached.
fn pod_findings(pod: &RedisPod, oom_kills: u64) -> Vec<Finding> {
    let mut out = Vec::new();
    let severity = |id: &str| findings::catalog().get(id).map_or(Severity::Error, |r| r.severity);
    if pod.memory_limit.is_none() {
        let msg = format!(
            "container `{}` has no memory limit: Redis can take memory from every pod on node {} until the kernel OOM-kills something",
            pod.container,
            pod.node.as_deref().unwrap_or("(unscheduled)")
        );
        out.push(Finding::new(
            "memory-limit-missing",
            severity("memory-limit-missing"),
            msg,
            pod_location(pod),
            &pod.container,
        ));
    }
    if oom_kills > 0 || pod.oom_killed {
        let when = pod
            .last_termination
            .as_ref()
            .filter(|t| t.reason == "OOMKilled")
            .and_then(|t| t.finished_at.clone())
            .map(|t| format!(", last at {t}"))
            .unwrap_or_default();
        let limit = pod.memory_limit_text.as_deref().map(|l| format!(" (limit {l})")).unwrap_or_default();
        let msg = format!(
            "container `{}` was OOM-killed{limit}: {} OOM kill(s) seen, {} restart(s){when}",
            pod.container,
            oom_kills.max(1),
            pod.restarts
        );
        out.push(Finding::new("oom-killed", severity("oom-killed"), msg, pod_location(pod), &pod.container));
    }
    out
}

fn notes(outcomes: &[PodOutcome], skipped: &[(RedisPod, String)]) -> Vec<String> {
    let mut notes: Vec<String> = outcomes
        .iter()
        .flat_map(|o| o.notes.iter().map(move |n| format!("{}: {n}", kubernetes::label(&o.pod))))
        .collect();
    notes.extend(skipped.iter().map(|(p, why)| format!("{}: skipped: {why}", kubernetes::label(p))));
    notes
}

fn scope_words(args: &AuditArgs, cluster: &Cluster) -> String {
    let mut s = if args.kube.all_namespaces {
        "in any namespace".to_string()
    } else {
        format!("in namespace {}", cluster.namespace)
    };
    if let Some(sel) = &args.kube.selector {
        s.push_str(&format!(" matching {sel}"));
    }
    s
}

/// kubectl-style: no borders, upper-case headers, one row per pod.
fn table(outcomes: &[PodOutcome], wide: bool) -> comfy_table::Table {
    let mut header = vec!["NAMESPACE", "POD", "ROLE", "LIMIT"];
    header.extend(server::LIVE_HEADER);
    header.extend(["OOM KILLS", "FINDINGS"]);
    if wide {
        header.extend(["CONTAINER", "VERSION", "REPLICATION", "KEYS", "NO TTL", "OWNER"]);
    }
    let mut t = server::table(header);
    for o in outcomes {
        let s: Option<&Summary> = o.audit.as_ref().map(|a| &a.summary);
        let dash = || "-".to_string();
        let mut row = vec![
            o.pod.namespace.clone(),
            o.pod.name.clone(),
            s.map_or_else(dash, |s| s.role.to_string()),
            o.pod.memory_limit_text.clone().unwrap_or_else(|| "none".into()),
        ];
        row.extend(server::live_cells(s));
        row.push(o.oom_kills.to_string());
        row.push(if o.error.is_some() { "error".into() } else { o.findings.len().to_string() });
        if wide {
            row.push(o.pod.container.clone());
            row.push(s.map_or_else(dash, |s| s.version.clone()));
            row.push(s.and_then(|s| s.replication_role.clone()).unwrap_or_else(dash));
            row.push(s.and_then(|s| s.keys).map_or_else(dash, |n| n.to_string()));
            row.push(s.and_then(|s| s.keys_without_ttl).map_or_else(dash, |n| n.to_string()));
            row.push(o.pod.owner.as_ref().map_or_else(dash, |w| format!("{}/{}", w.kind, w.name)));
        }
        t.add_row(row);
    }
    server::finish_table(&mut t);
    t
}

/// `-o json|yaml`: one entry per pod, then every finding.
fn json_report(
    cluster: &Cluster,
    outcomes: &[PodOutcome],
    skipped: &[(RedisPod, String)],
    missing: &[(String, String)],
    all: &[Finding],
) -> serde_json::Value {
    let pods: Vec<serde_json::Value> = outcomes
        .iter()
        .map(|o| {
            let keys: Option<&KeysReport> = o.audit.as_ref().and_then(|a| a.keys.as_ref());
            let status = match (&o.error, keys.and_then(|k| k.partial.as_ref())) {
                (Some(_), _) => "failed",
                (None, Some(_)) => "partial",
                (None, None) => "audited",
            };
            serde_json::json!({
                "namespace": o.pod.namespace,
                "pod": o.pod.name,
                "container": o.pod.container,
                "status": status,
                "error": o.error,
                "kubernetes": {
                    "image": o.pod.image,
                    "phase": o.pod.phase,
                    "node": o.pod.node,
                    "memory_request_bytes": o.pod.memory_request,
                    "memory_limit_bytes": o.pod.memory_limit,
                    "memory_limit": o.pod.memory_limit_text,
                    "restarts": o.pod.restarts,
                    "oom_kills": o.oom_kills,
                    "last_termination": o.pod.last_termination.as_ref().map(|t| serde_json::json!({
                        "reason": t.reason, "exit_code": t.exit_code, "finished_at": t.finished_at,
                    })),
                    "owner": o.pod.owner.as_ref().map(|w| serde_json::json!({"kind": w.kind, "name": w.name})),
                    "helm_release": o.pod.helm_release,
                    "other_containers": o.pod.other_containers.iter().map(|c| serde_json::json!({
                        "name": c.name,
                        "kind": format!("{:?}", c.kind).to_lowercase(),
                        "memory_request_bytes": c.memory_request,
                        "memory_limit_bytes": c.memory_limit,
                    })).collect::<Vec<_>>(),
                },
                "summary": o.audit.as_ref().map(|a| &a.summary),
                "partial": keys.and_then(|k| k.partial.as_ref()),
                "findings": o.findings,
                "notes": o.notes,
                "keys": keys,
            })
        })
        .collect();
    let skipped: Vec<serde_json::Value> = skipped
        .iter()
        .map(|(p, why)| serde_json::json!({"namespace": p.namespace, "pod": p.name, "reason": why}))
        .collect();
    serde_json::json!({
        "schema_version": 1,
        "context": cluster.context,
        "pods": pods,
        "skipped": skipped,
        "not_found": missing.iter().map(|(name, why)| serde_json::json!({"pod": name, "error": why})).collect::<Vec<_>>(),
        "findings": all,
    })
}
