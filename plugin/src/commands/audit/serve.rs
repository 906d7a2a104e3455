//! `redis-audit serve`: the cluster audit on a loop, served as Prometheus metrics.
//!
//! One task audits: every `--interval` it lists the Redis pods and audits them (bounded by
//! `--concurrency`, each within `--pod-timeout`), renders the whole result once and publishes
//! it by swapping one reference-counted buffer in a `watch` channel. The HTTP server only
//! clones that buffer: a scrape never waits for an audit, never sees half a cycle, and a pod
//! that is gone is gone from the next snapshot (no stale series). A pod that cannot be
//! audited is exported with `redis_audit_up 0` beside the others; a cycle whose pod listing
//! fails exports only `redis_audit_discovery_up 0`.
//!
//! Inside a cluster (a client from the pod's service account) or with `--direct` it connects
//! to each pod's IP, so it needs no `pods/portforward` permission (deploy/kubernetes/).
//! Must not: block a scrape on Redis or Kubernetes, or print a password.

use std::{
    collections::BTreeMap,
    convert::Infallible,
    process::ExitCode,
    sync::Arc,
    time::{Duration, Instant},
};

use anyhow::Context;
use http_body_util::Full;
use hyper::{Method, Request, Response, StatusCode, body::Bytes, server::conn::http1, service::service_fn};
use hyper_util::rt::{TokioIo, TokioTimer};
use kube_access::{Cluster, Scope};
use tokio::sync::{Semaphore, watch};

use super::{
    cluster::{self, Audited, Plan, PodFlags},
    prometheus,
    server::ScanChoice,
};
use crate::{
    cli::ServeArgs,
    kubernetes::{self, Route},
};

/// What `/metrics` serves: the last complete snapshot (`None` until the first cycle ends).
type Published = watch::Receiver<Option<Bytes>>;

/// Connections served at once; more wait in the listen backlog.
const MAX_CONNECTIONS: usize = 64;

/// The exposition format's media type.
const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

pub fn run(args: &ServeArgs) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("tokio runtime")?;
    runtime.block_on(serve(args))
}

async fn serve(args: &ServeArgs) -> anyhow::Result<ExitCode> {
    let cluster = kubernetes::connect(&args.kube).await?;
    let flags = PodFlags {
        role: args.role,
        connect_timeout: args.connect_timeout,
        pod_timeout: args.pod_timeout,
        concurrency: args.concurrency,
        direct: args.direct,
    };
    let scan = ScanChoice { skip: args.keys_sample == 0, limit: args.keys_sample };
    let plan = Plan::new(&cluster, &args.kube, Vec::new(), scan, flags);
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let local = listener.local_addr().context("listening address")?;
    let how = match plan.route {
        Route::PodIp => "pod IPs",
        Route::PortForward => "port-forwards",
    };
    anstream::eprintln!(
        "redis-audit serve: listening on http://{local} (/metrics, /healthz); auditing the Redis pods {} every {} through {how}",
        scope_words(&plan),
        humanize(args.interval),
    );
    let (publish, published) = watch::channel(None);
    let mut http = tokio::spawn(http_loop(listener, published));
    tokio::select! {
        () = audit_loop(&cluster, &plan, args.interval, publish) => Ok(ExitCode::SUCCESS),
        r = &mut http => match r {
            Ok(Err(e)) => Err(anyhow::Error::new(e).context("HTTP server")),
            _ => anyhow::bail!("the HTTP server stopped"),
        },
        () = shutdown_signal() => {
            http.abort();
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Audits every `interval` (from start to start; a cycle that takes longer is followed at
/// once by the next) and publishes each cycle's complete rendering. Never returns.
async fn audit_loop(
    cluster: &Cluster,
    plan: &Plan,
    interval: Duration,
    publish: watch::Sender<Option<Bytes>>,
) {
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut cycles: u64 = 0;
    let mut reported: BTreeMap<String, String> = BTreeMap::new();
    loop {
        ticker.tick().await;
        let started = Instant::now();
        let result = cluster::audit_pods(cluster, plan).await;
        cycles += 1;
        let run = |up: bool| prometheus::RunInfo {
            discovery_up: Some(up),
            cycles_total: Some(cycles),
            cycle_duration: Some(started.elapsed()),
        };
        let mut text = Vec::new();
        // Rendering into memory cannot fail.
        let _ = match &result {
            Ok(audited) => {
                prometheus::write(&mut text, &cluster::prometheus_rows(&audited.outcomes), &run(true))
            }
            Err(_) => prometheus::write(&mut text, &[], &run(false)),
        };
        publish.send_replace(Some(Bytes::from(text)));
        log_cycle(cycles, started.elapsed(), &result, &mut reported);
    }
}

/// One line per cycle on stderr, and a pod's error only when it first appears or changes
/// (a pod that stays unreachable does not fill the log).
fn log_cycle(
    cycle: u64,
    took: Duration,
    result: &Result<Audited, kube_access::KubeError>,
    reported: &mut BTreeMap<String, String>,
) {
    let audited = match result {
        Ok(a) => a,
        Err(e) => {
            anstream::eprintln!("cycle {cycle}: cannot list the Redis pods: {e}");
            return;
        }
    };
    let mut now: BTreeMap<String, String> = BTreeMap::new();
    for o in &audited.outcomes {
        if let Some(error) = &o.error {
            now.insert(kubernetes::label(&o.pod), error.clone());
        }
    }
    for (pod, error) in &now {
        if reported.get(pod) != Some(error) {
            anstream::eprintln!("cycle {cycle}: {pod}: {error}");
        }
    }
    for pod in reported.keys().filter(|p| !now.contains_key(*p)) {
        anstream::eprintln!("cycle {cycle}: {pod}: audited again");
    }
    *reported = now;
    let failed = audited.outcomes.iter().filter(|o| o.audit.is_none()).count();
    anstream::eprintln!(
        "cycle {cycle}: {} Redis pods, {failed} not audited, {:.1} s",
        audited.outcomes.len(),
        took.as_secs_f64()
    );
}

async fn http_loop(listener: tokio::net::TcpListener, published: Published) -> std::io::Result<()> {
    let permits = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    loop {
        let Ok(permit) = permits.clone().acquire_owned().await else { return Ok(()) };
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            // Out of file descriptors, most likely: wait instead of spinning.
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let published = published.clone();
        tokio::spawn(async move {
            let _permit = permit;
            let service = service_fn(move |req| {
                let response = respond(&req, &published);
                async move { Ok::<_, Infallible>(response) }
            });
            let _ = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(Duration::from_secs(10))
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

/// Answers from the published snapshot alone: never waits for an audit.
fn respond<B>(req: &Request<B>, published: &Published) -> Response<Full<Bytes>> {
    let text = |status: StatusCode, body: &'static str| {
        let mut r = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
        *r.status_mut() = status;
        r.headers_mut().insert(
            hyper::header::CONTENT_TYPE,
            hyper::header::HeaderValue::from_static("text/plain; charset=utf-8"),
        );
        r
    };
    if req.method() != Method::GET && req.method() != Method::HEAD {
        let mut r = text(StatusCode::METHOD_NOT_ALLOWED, "GET or HEAD\n");
        r.headers_mut().insert(hyper::header::ALLOW, hyper::header::HeaderValue::from_static("GET, HEAD"));
        return r;
    }
    let head = req.method() == Method::HEAD;
    let mut response = match req.uri().path() {
        "/metrics" => {
            // Clone the reference and release the channel's lock at once.
            let snapshot = published.borrow().clone();
            match snapshot {
                Some(body) => {
                    let mut r = Response::new(Full::new(body));
                    r.headers_mut().insert(
                        hyper::header::CONTENT_TYPE,
                        hyper::header::HeaderValue::from_static(CONTENT_TYPE),
                    );
                    r
                }
                None => text(StatusCode::SERVICE_UNAVAILABLE, "the first audit cycle has not finished yet\n"),
            }
        }
        "/healthz" => text(StatusCode::OK, "ok\n"),
        "/" => text(StatusCode::OK, "redis-audit serve: /metrics (Prometheus), /healthz\n"),
        _ => text(StatusCode::NOT_FOUND, "not found: try /metrics\n"),
    };
    if head {
        *response.body_mut() = Full::new(Bytes::new());
    }
    response
}

/// Ctrl-C, or SIGTERM (what Kubernetes sends to stop a pod).
async fn shutdown_signal() {
    #[cfg(unix)]
    if let Ok(mut term) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
        return;
    }
    let _ = tokio::signal::ctrl_c().await;
}

fn scope_words(plan: &Plan) -> String {
    let mut s = match &plan.scope {
        Scope::All => "of every namespace".to_string(),
        Scope::Namespace(ns) => format!("of namespace {ns}"),
    };
    if let Some(sel) = &plan.selector {
        s.push_str(&format!(" matching {sel}"));
    }
    s
}

fn humanize(d: Duration) -> String {
    if d.subsec_millis() == 0 { format!("{} s", d.as_secs()) } else { format!("{} ms", d.as_millis()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(path: &str, method: Method) -> Request<()> {
        Request::builder().method(method).uri(path).body(()).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn metrics_wait_for_the_first_cycle_then_serve_the_snapshot() {
        let (publish, published) = watch::channel(None);
        let r = respond(&get("/metrics", Method::GET), &published);
        assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
        publish.send_replace(Some(Bytes::from_static(b"redis_audit_discovery_up 1\n")));
        let r = respond(&get("/metrics", Method::GET), &published);
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.headers()[hyper::header::CONTENT_TYPE], CONTENT_TYPE);
        assert_eq!(respond(&get("/healthz", Method::GET), &published).status(), StatusCode::OK);
        assert_eq!(respond(&get("/nope", Method::GET), &published).status(), StatusCode::NOT_FOUND);
        assert_eq!(
            respond(&get("/metrics", Method::POST), &published).status(),
            StatusCode::METHOD_NOT_ALLOWED
        );
    }

    #[test]
    fn intervals_read_as_people_write_them() {
        assert_eq!(humanize(Duration::from_secs(60)), "60 s");
        assert_eq!(humanize(Duration::from_millis(250)), "250 ms");
    }
}
