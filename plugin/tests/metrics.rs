//! The Prometheus side, with real parts: `audit -o prometheus` and `serve` against real
//! redis-servers behind the Kubernetes test API server, checked by the real `promtool check
//! metrics`; deploy/prometheus-rules.yaml through `promtool check rules` and `promtool test
//! rules`; the Grafana dashboard against docs/metrics.md.
//!
//! promtool comes with Debian's `prometheus` package (.ci/run installs it). Without it the
//! promtool checks are skipped with a notice, except in CI (`CI` set), where they fail.

#![allow(clippy::unwrap_used)]

mod util;

use std::{
    collections::{BTreeMap, BTreeSet},
    io::{BufRead, BufReader, Read, Write},
    net::TcpStream,
    path::Path,
    process::{Child, Command, Output, Stdio},
    sync::{Arc, Mutex},
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use testkit::{RedisServer, kube::KubeApiServer};
use util::{bin, cluster, repo, stderr, stdout};

/// Passwords of testdata/kube/e2e.yaml: none may appear in any output.
const E2E_PASSWORDS: &[&str] = &["Vq7xK2mPz9", "q-Valk3y-pass", "Hn4tR8wLc2"];

/// `promtool`, or `None` after a skip notice when it is not installed and CI is not set.
fn promtool(test: &str) -> Option<&'static str> {
    let found = Command::new("promtool").arg("--version").output().is_ok_and(|o| o.status.success());
    if found {
        return Some("promtool");
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{test}: promtool is required in CI (Debian package `prometheus`; .ci/run installs it)"
    );
    testkit::skip_notice(test, "promtool not found (apt install prometheus)");
    None
}

/// `promtool check metrics` on `text`: must pass without a single problem.
fn check_metrics(promtool: &str, text: &str) {
    let mut child = Command::new(promtool)
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success(), "promtool check metrics failed:\n{}{}\n---\n{text}", stdout(&o), stderr(&o));
    assert_eq!(format!("{}{}", stdout(&o), stderr(&o)).trim(), "", "promtool found problems");
}

/// Samples of an exposition: `name{labels}` -> value. A series seen twice fails the test.
fn samples(text: &str) -> BTreeMap<String, f64> {
    let mut out = BTreeMap::new();
    for line in text.lines().filter(|l| !l.starts_with('#') && !l.is_empty()) {
        let (series, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("bad line {line:?}"));
        let value: f64 = value.parse().unwrap_or_else(|_| panic!("bad value in {line:?}"));
        assert!(out.insert(series.to_string(), value).is_none(), "series twice: {series}\n{text}");
    }
    out
}

fn value(s: &BTreeMap<String, f64>, series: &str) -> f64 {
    *s.get(series).unwrap_or_else(|| panic!("no series {series}; have:\n{}", keys(s)))
}

fn keys(s: &BTreeMap<String, f64>) -> String {
    s.keys().cloned().collect::<Vec<_>>().join("\n")
}

fn pod(ns: &str, name: &str, container: &str) -> String {
    format!("namespace=\"{ns}\",pod=\"{name}\",container=\"{container}\"")
}

fn now_secs() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs_f64()
}

#[test]
fn cluster_audit_as_prometheus_metrics() {
    let c = cluster();
    let before = now_secs().floor();
    let o = c.run(&["-A", "-o", "prometheus"]);
    let after = now_secs().ceil();
    assert_eq!(o.status.code(), Some(1), "findings at error: {}", stderr(&o));
    let text = stdout(&o);
    for pw in E2E_PASSWORDS {
        assert!(!text.contains(pw) && !stderr(&o).contains(pw), "password {pw} printed");
    }
    if let Some(promtool) = promtool("cluster_audit_as_prometheus_metrics") {
        check_metrics(promtool, &text);
    }
    let s = samples(&text);
    let master = pod("cache", "redis-master-0", "redis");
    let sessions = pod("apps", "sessions-redis-0", "redis");
    let valkey = pod("apps", "queue-valkey-0", "valkey");
    let jobs = pod("apps", "jobs-redis-7d9f8c6b5d-x2k4p", "redis");
    let pending = pod("apps", "analytics-redis-0", "redis");
    let locked = pod("locked", "redis-0", "redis");

    // Reached or not: the unreachable pods are there with 0, the others with 1.
    for (p, up) in
        [(&master, 1.0), (&sessions, 1.0), (&valkey, 1.0), (&jobs, 1.0), (&pending, 0.0), (&locked, 0.0)]
    {
        assert_eq!(value(&s, &format!("redis_audit_up{{{p}}}")), up, "{p}");
    }
    assert_eq!(value(&s, "redis_audit_discovery_up"), 1.0);

    // The bitnami master: 256Mi limit, maxmemory 200mb, allkeys-lru, a replica.
    assert_eq!(value(&s, &format!("redis_audit_memory_limit_bytes{{{master}}}")), 268_435_456.0);
    assert_eq!(value(&s, &format!("redis_audit_maxmemory_bytes{{{master}}}")), 209_715_200.0);
    assert_eq!(
        value(&s, &format!("redis_audit_maxmemory_policy_info{{{master},policy=\"allkeys-lru\"}}")),
        1.0
    );
    assert_eq!(value(&s, &format!("redis_audit_keys{{{master}}}")), 6.0);
    assert_eq!(value(&s, &format!("redis_audit_keys_with_ttl{{{master}}}")), 5.0);
    let used = value(&s, &format!("redis_audit_used_memory_bytes{{{master}}}"));
    let rss = value(&s, &format!("redis_audit_rss_bytes{{{master}}}"));
    assert!(used > 0.0 && rss > 0.0, "{used} {rss}");
    assert!(s.contains_key(&format!("redis_audit_fragmentation_ratio{{{master}}}")));
    assert_eq!(value(&s, &format!("redis_audit_evicted_keys_total{{{master}}}")), 0.0);

    // Sessions: 5 Flask sessions, 2 of them without TTL, and one other key without TTL; no
    // memory limit (so no series for it).
    assert_eq!(value(&s, &format!("redis_audit_keys{{{sessions}}}")), 6.0);
    assert_eq!(value(&s, &format!("redis_audit_keys_with_ttl{{{sessions}}}")), 3.0);
    assert_eq!(value(&s, &format!("redis_audit_keys_without_ttl{{{sessions},class=\"sessions\"}}")), 2.0);
    assert_eq!(value(&s, &format!("redis_audit_keys_without_ttl{{{sessions},class=\"other\"}}")), 1.0);
    assert_eq!(value(&s, &format!("redis_audit_keys_without_ttl{{{sessions},class=\"sidekiq\"}}")), 0.0);
    assert!(
        value(&s, &format!("redis_audit_memory_without_ttl_bytes{{{sessions},class=\"sessions\"}}")) > 0.0
    );
    assert_eq!(value(&s, &format!("redis_audit_keyspace_scanned_ratio{{{sessions}}}")), 1.0);
    assert_eq!(value(&s, &format!("redis_audit_role_info{{{sessions},role=\"sessions\"}}")), 1.0);
    assert!(!s.contains_key(&format!("redis_audit_memory_limit_bytes{{{sessions}}}")), "no limit");
    assert_eq!(
        value(
            &s,
            &format!("redis_audit_findings{{{sessions},rule=\"memory-limit-missing\",severity=\"error\"}}")
        ),
        1.0
    );

    // Sidekiq on Valkey: a queue, noeviction, every key without TTL.
    assert_eq!(value(&s, &format!("redis_audit_role_info{{{valkey},role=\"queue\"}}")), 1.0);
    assert_eq!(value(&s, &format!("redis_audit_keys_without_ttl{{{valkey},class=\"sidekiq\"}}")), 6.0);
    assert_eq!(
        value(&s, &format!("redis_audit_maxmemory_policy_info{{{valkey},policy=\"noeviction\"}}")),
        1.0
    );

    // The OOM-killed Deployment pod: 3 restarts, last termination OOMKilled, 5 OOM BackOffs in
    // its events, no maxmemory, BullMQ keys (one lock with a TTL).
    assert_eq!(value(&s, &format!("redis_audit_container_restarts_total{{{jobs}}}")), 3.0);
    assert_eq!(value(&s, &format!("redis_audit_container_oom_killed{{{jobs}}}")), 1.0);
    assert_eq!(value(&s, &format!("redis_audit_container_oom_kills{{{jobs}}}")), 5.0);
    assert_eq!(value(&s, &format!("redis_audit_maxmemory_bytes{{{jobs}}}")), 0.0);
    assert_eq!(value(&s, &format!("redis_audit_keys_without_ttl{{{jobs},class=\"bullmq\"}}")), 5.0);
    assert_eq!(value(&s, &format!("redis_audit_role_info{{{jobs},role=\"queue\"}}")), 1.0);
    assert_eq!(
        value(&s, &format!("redis_audit_findings{{{jobs},rule=\"oom-killed\",severity=\"error\"}}")),
        1.0
    );

    // Not reachable: what Kubernetes knows is still exported, nothing from Redis.
    assert_eq!(value(&s, &format!("redis_audit_container_restarts_total{{{locked}}}")), 0.0);
    assert!(!s.keys().any(|k| k.starts_with("redis_audit_used_memory_bytes{") && k.contains(&locked)));

    // Every audited pod has a duration and a timestamp within the run.
    for p in [&master, &sessions, &valkey, &jobs, &locked] {
        assert!(value(&s, &format!("redis_audit_audit_duration_seconds{{{p}}}")) >= 0.0);
        let t = value(&s, &format!("redis_audit_last_audit_timestamp_seconds{{{p}}}"));
        assert!((before..=after).contains(&t), "{t} not in {before}..{after}");
    }
}

#[test]
fn redis_url_metrics_name_the_target_without_its_password() {
    let (server, port) = RedisServer::start_tcp(&["--requirepass", "Url-pw-93x"]).unwrap();
    let url = format!("redis://:Url-pw-93x@127.0.0.1:{port}");
    server.cli(&["-a", "Url-pw-93x", "--no-auth-warning", "SET", "k", "v"]);
    let o = bin()
        .args(["audit", "--redis-url", &url, "--memory-limit", "64Mi", "-o", "prometheus"])
        .output()
        .unwrap();
    assert!(o.status.code() == Some(0) || o.status.code() == Some(1), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(!text.contains("Url-pw-93x") && !stderr(&o).contains("Url-pw-93x"), "password printed");
    let s = samples(&text);
    let t = format!("target=\"redis://127.0.0.1:{port}\"");
    assert_eq!(value(&s, &format!("redis_audit_up{{{t}}}")), 1.0);
    assert_eq!(value(&s, &format!("redis_audit_memory_limit_bytes{{{t}}}")), 67_108_864.0);
    assert_eq!(value(&s, &format!("redis_audit_keys{{{t}}}")), 1.0);
    assert_eq!(value(&s, &format!("redis_audit_keys_without_ttl{{{t},class=\"other\"}}")), 1.0);
    assert!(!s.keys().any(|k| k.contains("container")), "no pod, no container series:\n{text}");
    assert!(!text.contains("discovery_up"), "{text}");
    if let Some(promtool) = promtool("redis_url_metrics_name_the_target_without_its_password") {
        check_metrics(promtool, &text);
    }

    // Nothing listens: the target is exported as down, and the exit code says it failed.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed_port = closed.local_addr().unwrap().port();
    drop(closed);
    let url = format!("redis://:Url-pw-93x@127.0.0.1:{closed_port}");
    let o = bin().args(["audit", "--redis-url", &url, "-o", "prometheus"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let s = samples(&stdout(&o));
    assert_eq!(value(&s, &format!("redis_audit_up{{target=\"redis://127.0.0.1:{closed_port}\"}}")), 0.0);
    assert!(!stdout(&o).contains("Url-pw-93x") && !stderr(&o).contains("Url-pw-93x"));
}

/// A running Pod manifest: container `redis` on `port` (named `redis`), pod IP 127.0.0.1.
fn pod_yaml(ns: &str, name: &str, port: u16, annotations: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  namespace: {ns}\n  annotations:\n{annotations}\
         spec:\n  nodeName: node-a\n  containers:\n  - name: redis\n    image: redis:7.2\n    ports:\n    - name: redis\n      containerPort: {port}\n\
         \x20   resources:\n      limits:\n        memory: 128Mi\n\
         status:\n  phase: Running\n  podIP: 127.0.0.1\n  containerStatuses:\n  - name: redis\n    ready: true\n    restartCount: 0\n    image: redis:7.2\n    imageID: \"\"\n---\n"
    )
}

/// `serve` as a child process: its address, and its stderr collected in the background (a
/// full pipe would block it).
struct Serving {
    child: Child,
    addr: String,
    log: Arc<Mutex<Vec<String>>>,
}

impl Serving {
    fn start(kubeconfig: &Path, args: &[&str]) -> Serving {
        let mut child = Command::new(env!("CARGO_BIN_EXE_kubectl-redis_audit"))
            .arg("--kubeconfig")
            .arg(kubeconfig)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(args)
            .env_remove("KUBECONFIG")
            .env_remove("KUBERNETES_SERVICE_HOST")
            .env("NO_COLOR", "1")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let first = lines.next().and_then(Result::ok).unwrap_or_default();
        let addr = first
            .split("http://")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap_or_else(|| panic!("no address in {first:?}"))
            .to_string();
        let log = Arc::new(Mutex::new(vec![first]));
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                sink.lock().unwrap().push(line);
            }
        });
        Serving { child, addr, log }
    }

    fn get(&self, path: &str) -> (u16, String) {
        let mut s = TcpStream::connect(&self.addr).unwrap();
        write!(s, "GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n", self.addr).unwrap();
        let mut raw = String::new();
        s.read_to_string(&mut raw).unwrap();
        let (head, body) = raw.split_once("\r\n\r\n").unwrap_or_else(|| panic!("no header end: {raw:?}"));
        let status = head.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
        (status, body.to_string())
    }

    /// The first snapshot: scrapes until `/metrics` stops answering 503 (the first cycle has
    /// not ended), failing if the process exits meanwhile.
    fn first_snapshot(&mut self) -> String {
        for _ in 0..10_000 {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("serve exited with {status}: {:?}", self.log.lock().unwrap());
            }
            match self.get("/metrics") {
                (200, body) => return body,
                (503, _) => std::thread::sleep(Duration::from_millis(20)),
                (status, body) => panic!("{status}: {body}"),
            }
        }
        panic!("no snapshot after 10,000 scrapes: {:?}", self.log.lock().unwrap())
    }

    /// SIGTERM, as Kubernetes stops a pod: exits 0.
    fn stop(mut self) {
        let pid = self.child.id().to_string();
        let killed = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(killed.success());
        let status = self.child.wait().unwrap();
        assert!(status.success(), "serve exited with {status}: {:?}", self.log.lock().unwrap());
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        // Only if a failed assertion left it running; `stop` has waited for it otherwise.
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// What every snapshot of the two-pod cluster must hold, whole: both pods, the healthy one
/// up with its Redis figures, the other down, and the run's families last. Returns the cycle
/// it came from.
fn check_snapshot(body: &str, ns: &str) -> u64 {
    let s = samples(body);
    let good = pod(ns, "cache-0", "redis");
    let broken = pod(ns, "broken-0", "redis");
    assert_eq!(value(&s, &format!("redis_audit_up{{{good}}}")), 1.0, "{body}");
    assert_eq!(value(&s, &format!("redis_audit_up{{{broken}}}")), 0.0, "{body}");
    assert_eq!(value(&s, &format!("redis_audit_memory_limit_bytes{{{good}}}")), 134_217_728.0);
    assert_eq!(value(&s, &format!("redis_audit_memory_limit_bytes{{{broken}}}")), 134_217_728.0);
    assert_eq!(value(&s, &format!("redis_audit_maxmemory_bytes{{{good}}}")), 104_857_600.0);
    assert_eq!(value(&s, &format!("redis_audit_keys{{{good}}}")), 3.0);
    assert_eq!(value(&s, "redis_audit_discovery_up"), 1.0);
    assert!(!s.keys().any(|k| k.contains(&broken) && k.starts_with("redis_audit_used_memory_bytes")));
    // Written whole: the last family of a rendering ends it.
    let last = body.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("redis_audit_cycle_duration_seconds "),
        "truncated snapshot, ends with {last:?}"
    );
    value(&s, "redis_audit_cycles_total") as u64
}

/// Scrapes from `threads` threads at once until each has seen the cycle counter move on
/// `cycles` times (so scrapes overlapped audits and snapshot swaps), checking every body.
fn scrape_concurrently(serving: &Serving, ns: &str, threads: usize, cycles: u64) -> u64 {
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut seen = BTreeSet::new();
                    let mut scrapes = 0u64;
                    while seen.len() as u64 <= cycles {
                        let (status, body) = serving.get("/metrics");
                        assert_eq!(status, 200, "{body}");
                        seen.insert(check_snapshot(&body, ns));
                        scrapes += 1;
                        assert!(scrapes < 100_000, "the cycle counter did not move: {seen:?}");
                    }
                    scrapes
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum()
    })
}

#[test]
fn serve_through_port_forwards_with_one_pod_unreachable() {
    let ns = "shop";
    let backend = "    testkit.redis-audit.io/redis-args: \"--maxmemory 100mb --maxmemory-policy allkeys-lru\"\n\
                   \x20   testkit.redis-audit.io/redis-commands: |\n      SET a 1\n      SET b 2 EX 600\n      HSET sess:x f v\n";
    // broken-0 has no redis-server behind it: its port-forward answers "connection refused".
    let yaml = format!(
        "{}{}",
        pod_yaml(ns, "cache-0", 6379, backend),
        pod_yaml(ns, "broken-0", 6379, "    x: \"1\"\n")
    );
    let server = KubeApiServer::start(&yaml).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = server.write_kubeconfig(dir.path()).unwrap();
    let mut serving = Serving::start(&kubeconfig, &["-n", ns, "--interval", "20ms", "--keys-sample", "100"]);

    let first = serving.first_snapshot();
    check_snapshot(&first, ns);
    if let Some(promtool) = promtool("serve_through_port_forwards_with_one_pod_unreachable") {
        check_metrics(promtool, &first);
    }
    let s = samples(&first);
    let good = pod(ns, "cache-0", "redis");
    assert_eq!(
        value(&s, &format!("redis_audit_maxmemory_policy_info{{{good},policy=\"allkeys-lru\"}}")),
        1.0
    );
    assert_eq!(value(&s, &format!("redis_audit_keys_with_ttl{{{good}}}")), 1.0);
    assert_eq!(value(&s, &format!("redis_audit_keys_without_ttl{{{good},class=\"other\"}}")), 2.0);

    let scrapes = scrape_concurrently(&serving, ns, 8, 3);
    assert!(scrapes >= 8 * 4);
    let (status, body) = serving.get("/healthz");
    assert_eq!((status, body.as_str()), (200, "ok\n"));
    assert_eq!(serving.get("/nope").0, 404);
    assert!(server.portforward_opened() > 0, "reached through port-forwards");

    // The reason is logged when it appears or changes, not every cycle.
    let log = serving.log.lock().unwrap().clone();
    let reasons: Vec<&str> =
        log.iter().filter_map(|l| l.split_once("pod/shop/broken-0: ").map(|(_, why)| why)).collect();
    assert!(!reasons.is_empty(), "{log:?}");
    assert!(reasons.windows(2).all(|w| w[0] != w[1]), "the same reason logged twice in a row: {log:?}");
    assert!(log.iter().any(|l| l.contains("2 Redis pods, 1 not audited")), "{log:?}");
    serving.stop();
}

#[test]
fn serve_connects_to_pod_ips_directly() {
    let ns = "direct";
    let (redis, port) = RedisServer::start_tcp(&["--maxmemory", "100mb"]).unwrap();
    redis.cli(&["SET", "a", "1"]);
    redis.cli(&["SET", "b", "2", "EX", "600"]);
    redis.cli(&["SET", "c", "3"]);
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed_port = closed.local_addr().unwrap().port();
    drop(closed);
    // No testkit backends: only the pod IP and port lead to Redis.
    let yaml = format!(
        "{}{}",
        pod_yaml(ns, "cache-0", port, "    x: \"1\"\n"),
        pod_yaml(ns, "broken-0", closed_port, "    x: \"1\"\n")
    );
    let server = KubeApiServer::start(&yaml).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = server.write_kubeconfig(dir.path()).unwrap();
    let mut serving =
        Serving::start(&kubeconfig, &["-n", ns, "--direct", "--interval", "20ms", "--keys-sample", "0"]);
    let first = serving.first_snapshot();
    check_snapshot(&first, ns);
    assert!(!first.contains("redis_audit_keys_without_ttl"), "--keys-sample 0: no scan");
    assert!(
        first.contains(&format!(
            "redis_audit_role_info{{{},role=\"unknown\"}} 1",
            pod(ns, "cache-0", "redis")
        ))
    );
    if let Some(promtool) = promtool("serve_connects_to_pod_ips_directly") {
        check_metrics(promtool, &first);
    }
    scrape_concurrently(&serving, ns, 4, 2);
    assert_eq!(server.portforward_opened(), 0, "no port-forward when connecting directly");
    let log = serving.log.lock().unwrap().clone();
    assert!(log[0].contains("through pod IPs"), "{log:?}");
    assert!(
        log.iter()
            .any(|l| l.contains("pod/direct/broken-0:") && l.contains(&format!("127.0.0.1:{closed_port}"))),
        "{log:?}"
    );
    serving.stop();
}

#[test]
fn alert_rules_pass_promtool_check_and_their_unit_tests() {
    let Some(promtool) = promtool("alert_rules_pass_promtool_check_and_their_unit_tests") else { return };
    let deploy = repo().join("deploy");
    let run = |args: &[&str]| -> Output {
        Command::new(promtool).args(args).current_dir(&deploy).output().unwrap()
    };
    let o = run(&["check", "rules", "prometheus-rules.yaml"]);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("SUCCESS: 10 rules found"), "{}", stdout(&o));
    let o = run(&["test", "rules", "prometheus-rules.test.yaml"]);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("SUCCESS"), "{}", stdout(&o));
}

/// Metric names documented in docs/metrics.md.
fn documented_metrics() -> BTreeSet<String> {
    let doc = std::fs::read_to_string(repo().join("docs/metrics.md")).unwrap();
    doc.lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split('`').next())
        .filter(|n| n.starts_with("redis_audit_"))
        .map(str::to_string)
        .collect()
}

/// `redis_audit_*` names in a PromQL expression (recording rules, `redis_audit:...`, aside).
fn metrics_in(expr: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = expr;
    while let Some(i) = rest.find("redis_audit_") {
        let name: String = rest[i..]
            .chars()
            .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_')
            .collect();
        rest = &rest[i + name.len()..];
        out.push(name);
    }
    out
}

fn exprs(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, v) in m {
                match (k.as_str(), v) {
                    ("expr", serde_json::Value::String(e)) => out.push(e.clone()),
                    _ => exprs(v, out),
                }
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|v| exprs(v, out)),
        _ => {}
    }
}

#[test]
fn dashboard_and_rules_query_only_documented_metrics() {
    let documented = documented_metrics();
    assert_eq!(documented.len(), 26, "{documented:?}");

    let dashboard: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(repo().join("deploy/grafana-dashboard.json")).unwrap())
            .unwrap();
    let mut queries = Vec::new();
    exprs(&dashboard["panels"], &mut queries);
    assert!(queries.len() >= 20, "{queries:?}");
    let mut used = BTreeSet::new();
    for q in &queries {
        for m in metrics_in(q) {
            assert!(documented.contains(&m), "dashboard queries {m}, not in docs/metrics.md: {q}");
            used.insert(m);
        }
    }
    // The dashboard shows every per-Redis figure (the cycle counter is for alerts only).
    let unshown: Vec<&String> = documented.difference(&used).collect();
    assert_eq!(unshown, ["redis_audit_cycles_total", "redis_audit_discovery_up"], "not on the dashboard");

    let rules = std::fs::read_to_string(repo().join("deploy/prometheus-rules.yaml")).unwrap();
    for m in metrics_in(&rules) {
        assert!(documented.contains(&m), "prometheus-rules.yaml uses {m}, not in docs/metrics.md");
    }

    // Every dashboard query is valid PromQL: promtool parses them as recording rules.
    let Some(promtool) = promtool("dashboard_and_rules_query_only_documented_metrics") else { return };
    let mut file = String::from("groups:\n  - name: dashboard\n    rules:\n");
    for (i, q) in queries.iter().enumerate() {
        let q = q.replace("$namespace", ".*").replace("$pod", ".*");
        file.push_str(&format!(
            "      - record: dashboard:query{i}\n        expr: {}\n",
            serde_json::to_string(&q).unwrap()
        ));
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("dashboard-rules.yaml"), file).unwrap();
    let o = Command::new(promtool)
        .args(["check", "rules", "dashboard-rules.yaml"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
}
