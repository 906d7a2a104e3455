//! `cargo run -p testkit --example fleet -- [--pods 50] [--keys 200] [--one-way 500us]`: a test
//! cluster of N Redis pods behind a latency relay, for `bench/audit-fleet.sh`.
//!
//! The pods are spread over five namespaces in three flavours, as a real fleet mixes them:
//! bitnami/redis with a memory limit and a password from a Secret, the official `redis` image
//! with no limit at all, and valkey with a limit. Each holds `--keys` keys (strings with a TTL,
//! hashes, sets, lists) in a real redis-server, and every namespace also runs two app pods that
//! are not Redis, so discovery has something to skip. A few pods were OOM-killed and have a
//! `BackOff` event.
//!
//! The API server sits behind a [`LatencyRelay`] (`--one-way` each way, 1 ms round trip by
//! default), and the kubeconfig it writes points at the relay: every API request and every
//! port-forward frame pays the round trip, as with a remote cluster. For the shell-loop peer,
//! each pod's redis-server can get a relay of its own with the same delay (what `kubectl exec`
//! would cross), started on demand: an idle `LatencyRelay` polls `accept` every 5 ms, and 50
//! of them take about a fifth of a core, which would slow the audit runs on 2 cores.
//!
//! Prints one line of JSON on stdout: `kubeconfig` (through the relay), `kubeconfig_direct` (no
//! relay), `api_port`, `relay_port`, `one_way_us`, `keys_per_pod`, `started_in_ms`, and per pod
//! `namespace`, `name`, `flavor`, `socket` (the backend's unix socket) and `password` (fake, as
//! the pod's env would give it; `null` when none). Then it answers commands on stdin, one line
//! of JSON each:
//! - `stats`: `{"requests": {"list pods": 1, ...}}`, the API requests served since the last one;
//! - `loop-relays`: starts one relay per backend, `{"relays": [{namespace, name, relay}]}`
//!   with `relay` = `127.0.0.1:PORT`;
//! - `stop-loop-relays`: stops them, `{"stopped": N}`.
//!
//! At EOF, SIGTERM or Ctrl-C it stops everything (relays, API server, redis-servers) and exits.

#![allow(clippy::print_stderr)]

use std::{
    collections::BTreeMap,
    fmt::Write as _,
    io::Write,
    process::ExitCode,
    time::{Duration, Instant},
};

use testkit::{KubeApiServer, LatencyRelay, Upstream};

/// Namespaces of the fleet and the apps whose Redis each runs, `(namespace, apps)`.
const NAMESPACES: &[(&str, &[&str])] = &[
    ("shop", &["cart", "sessions", "catalog", "checkout", "wishlist", "recommendations", "pricing"]),
    ("payments", &["ledger", "fraud", "idempotency", "payouts", "invoices", "tokens", "webhooks"]),
    ("search", &["query-cache", "suggest", "facets", "ranking", "synonyms", "spelling", "trending"]),
    ("jobs", &["sidekiq", "bullmq", "celery", "rq", "scheduler", "mailer", "exports"]),
    ("platform", &["feature-flags", "rate-limit", "geo", "leaderboard", "presence", "locks", "audit"]),
];

/// Kinds of pods, cycled through.
#[derive(Debug, Clone, Copy)]
enum Flavor {
    /// bitnami/redis chart: limit 256Mi, maxmemory 200mb, password from a Secret.
    Bitnami,
    /// `redis:7.2`, no memory limit, no maxmemory.
    Official,
    /// `valkey/valkey:8.1`, limit 128Mi, maxmemory 100mb.
    Valkey,
}

impl Flavor {
    fn name(self) -> &'static str {
        match self {
            Flavor::Bitnami => "bitnami",
            Flavor::Official => "official",
            Flavor::Valkey => "valkey",
        }
    }
}

/// One Redis pod of the fleet.
#[derive(Debug)]
struct FleetPod {
    namespace: &'static str,
    name: String,
    flavor: Flavor,
    password: Option<String>,
}

#[derive(Debug)]
struct Options {
    pods: usize,
    keys: usize,
    one_way: Duration,
}

fn parse_args() -> Result<Options, String> {
    let mut opts = Options { pods: 50, keys: 200, one_way: Duration::from_micros(500) };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--pods" => opts.pods = value.parse().map_err(|_| format!("--pods {value}: not a number"))?,
            "--keys" => opts.keys = value.parse().map_err(|_| format!("--keys {value}: not a number"))?,
            "--one-way" => {
                opts.one_way = testkit::parse_delay(&value)
                    .ok_or_else(|| format!("--one-way {value}: use 500us or 1ms"))?
            }
            _ => return Err(format!("unknown flag {flag}")),
        }
    }
    let most = NAMESPACES.iter().map(|(_, apps)| apps.len() * 3).sum::<usize>();
    if opts.pods == 0 || opts.pods > most {
        return Err(format!("--pods must be 1..={most}"));
    }
    Ok(opts)
}

/// The fleet: pod `i` goes to namespace `i % 5`, flavour `i % 3`, app `i / 5` of its namespace
/// (each app name used once per flavour).
fn plan(count: usize) -> Vec<FleetPod> {
    (0..count)
        .map(|i| {
            let (namespace, apps) = NAMESPACES[i % NAMESPACES.len()];
            let nth = i / NAMESPACES.len();
            let app = apps[nth % apps.len()];
            let flavor = [Flavor::Bitnami, Flavor::Official, Flavor::Valkey][i % 3];
            let (name, password) = match flavor {
                Flavor::Bitnami => {
                    (format!("{app}-redis-master-0"), Some(format!("{:x}", mix(i as u64 + 7))))
                }
                Flavor::Official => (format!("{app}-redis-0"), None),
                Flavor::Valkey => (format!("{app}-valkey-0"), None),
            };
            FleetPod { namespace, name, flavor, password }
        })
        .collect()
}

/// A deterministic 64-bit mix (splitmix64), for ids, hashes and fake passwords.
fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// `keys` keys for the `redis-commands` annotation, one command per line, indented for YAML:
/// half strings with a TTL, a fifth hashes (no TTL), a fifth sets, a tenth lists.
fn data_commands(seed: u64, keys: usize) -> String {
    let mut out = String::new();
    for k in 0..keys {
        let id = mix(seed * 100_003 + k as u64);
        let line = match k % 10 {
            0..=4 => format!(
                "SET cache:item:{} '{{\"id\":{},\"name\":\"item-{:x}\",\"price\":{}.{:02}}}' EX {}",
                k,
                id % 100_000,
                id % 0xffff_ffff,
                id % 500,
                id % 100,
                300 + id % 3600
            ),
            5 | 6 => {
                format!("HSET session:{:016x} user_id {} locale de-DE cart {}", id, id % 50_000, id % 9000)
            }
            7 | 8 => format!("SADD tags:{k} espresso moka grinder filter-{}", id % 40),
            _ => format!("RPUSH events:{k} created paid shipped delivered-{}", id % 7),
        };
        let _ = writeln!(out, "      {line}");
    }
    out
}

/// The cluster state: namespaces, Secrets, Redis pods, app pods and a few events.
fn cluster_yaml(pods: &[FleetPod], keys: usize) -> String {
    let mut y = String::new();
    for (ns, _) in NAMESPACES {
        let _ = write!(
            y,
            "---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: {ns}\n  creationTimestamp: \"2026-02-10T09:00:12Z\"\n  labels:\n    team: {ns}\n"
        );
        for app in ["web", "worker"] {
            y.push_str(&app_pod(ns, app));
        }
    }
    for (i, pod) in pods.iter().enumerate() {
        let oom = i % 7 == 3;
        y.push_str(&redis_pod(pod, i, oom, &data_commands(i as u64, keys)));
        if oom {
            let _ = write!(
                y,
                "---\napiVersion: v1\nkind: Event\nmetadata:\n  namespace: {ns}\n  creationTimestamp: \"2026-07-01T07:45:10Z\"\n\
                 involvedObject:\n  apiVersion: v1\n  fieldPath: spec.containers{{{c}}}\n  kind: Pod\n  name: {name}\n  namespace: {ns}\n\
                 reason: BackOff\nmessage: Back-off restarting failed container {c} in pod {name}_{ns}\n\
                 source:\n  component: kubelet\n  host: gke-prod-default-pool-8c1f2d3e-{node}\n\
                 firstTimestamp: \"2026-07-01T07:45:10Z\"\nlastTimestamp: \"2026-07-01T09:41:01Z\"\ncount: 3\ntype: Warning\n",
                ns = pod.namespace,
                name = pod.name,
                c = container_name(pod.flavor),
                node = node(i),
            );
        }
    }
    y
}

fn container_name(flavor: Flavor) -> &'static str {
    match flavor {
        Flavor::Valkey => "valkey",
        Flavor::Bitnami | Flavor::Official => "redis",
    }
}

fn node(i: usize) -> &'static str {
    ["4k7q", "9w2z", "b3mx", "q8rt"][i % 4]
}

/// One Redis pod (and, for bitnami, its Secret), as `kubectl get -o yaml` shows them.
fn redis_pod(pod: &FleetPod, i: usize, oom: bool, commands: &str) -> String {
    let (ns, name) = (pod.namespace, &pod.name);
    let owner = name.trim_end_matches("-0");
    let hash = format!("{:09x}", mix(i as u64) % 0xf_ffff_ffff);
    let mut y = String::new();
    let (labels, image, args, container, limits) = match pod.flavor {
        Flavor::Bitnami => {
            let release = owner.trim_end_matches("-redis-master");
            let password = pod.password.as_deref().unwrap_or_default();
            let _ = write!(
                y,
                "---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: {release}-redis\n  namespace: {ns}\n  labels:\n    \
                 app.kubernetes.io/instance: {release}\n    app.kubernetes.io/managed-by: Helm\n    app.kubernetes.io/name: redis\n    \
                 helm.sh/chart: redis-23.1.1\ntype: Opaque\nstringData:\n  redis-password: \"{password}\"\n"
            );
            (
                format!(
                    "    app.kubernetes.io/component: master\n    app.kubernetes.io/instance: {release}\n    \
                     app.kubernetes.io/managed-by: Helm\n    app.kubernetes.io/name: redis\n    app.kubernetes.io/version: 8.2.1\n    \
                     helm.sh/chart: redis-23.1.1\n"
                ),
                "docker.io/bitnami/redis:8.2.1-debian-12-r0",
                format!("--requirepass {password} --maxmemory 200mb --maxmemory-policy allkeys-lru"),
                format!(
                    "    command:\n    - /bin/bash\n    args:\n    - -ec\n    - /opt/bitnami/scripts/start-scripts/start-master.sh\n    \
                     env:\n    - name: REDIS_REPLICATION_MODE\n      value: master\n    - name: ALLOW_EMPTY_PASSWORD\n      value: \"no\"\n    \
                     - name: REDIS_PASSWORD\n      valueFrom:\n        secretKeyRef:\n          key: redis-password\n          name: {release}-redis\n    \
                     - name: REDIS_PORT\n      value: \"6379\"\n"
                ),
                "      limits:\n        memory: 256Mi\n      requests:\n        cpu: 100m\n        memory: 256Mi\n",
            )
        }
        Flavor::Official => (
            format!("    app: {owner}\n"),
            "redis:7.2",
            String::new(),
            String::new(),
            "      requests:\n        cpu: 100m\n        memory: 128Mi\n",
        ),
        Flavor::Valkey => (
            format!("    app: {owner}\n"),
            "valkey/valkey:8.1",
            "--maxmemory 100mb --maxmemory-policy allkeys-lru".to_string(),
            "    command:\n    - valkey-server\n    args:\n    - --maxmemory\n    - 100mb\n    - --maxmemory-policy\n    - allkeys-lru\n"
                .to_string(),
            "      limits:\n        memory: 128Mi\n      requests:\n        cpu: 50m\n        memory: 128Mi\n",
        ),
    };
    let c = container_name(pod.flavor);
    let (restarts, last_state) = if oom {
        (
            2,
            "    lastState:\n      terminated:\n        exitCode: 137\n        finishedAt: \"2026-07-01T09:40:58Z\"\n        \
             reason: OOMKilled\n        startedAt: \"2026-07-01T08:55:31Z\"\n",
        )
    } else {
        (0, "    lastState: {}\n")
    };
    let _ = write!(
        y,
        "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  generateName: {owner}-\n  namespace: {ns}\n  \
         creationTimestamp: \"2026-06-30T08:12:41Z\"\n  labels:\n{labels}    apps.kubernetes.io/pod-index: \"0\"\n    \
         controller-revision-hash: {owner}-{hash}\n    statefulset.kubernetes.io/pod-name: {name}\n  annotations:\n    \
         testkit.redis-audit.io/redis-args: \"{args}\"\n    testkit.redis-audit.io/redis-commands: |\n{commands}  \
         ownerReferences:\n  - apiVersion: apps/v1\n    blockOwnerDeletion: true\n    controller: true\n    kind: StatefulSet\n    \
         name: {owner}\n    uid: {uid}\nspec:\n  containers:\n  - name: {c}\n    image: {image}\n    imagePullPolicy: IfNotPresent\n\
         {container}    ports:\n    - containerPort: 6379\n      name: {c}\n      protocol: TCP\n    resources:\n{limits}    \
         terminationMessagePath: /dev/termination-log\n    terminationMessagePolicy: File\n  dnsPolicy: ClusterFirst\n  \
         hostname: {name}\n  nodeName: gke-prod-default-pool-8c1f2d3e-{node}\n  restartPolicy: Always\n  \
         schedulerName: default-scheduler\n  serviceAccountName: default\n  subdomain: {owner}-headless\n  \
         terminationGracePeriodSeconds: 30\nstatus:\n  conditions:\n  - lastTransitionTime: \"2026-07-01T09:41:13Z\"\n    \
         status: \"True\"\n    type: Ready\n  containerStatuses:\n  - image: {image}\n{last_state}    name: {c}\n    ready: true\n    \
         restartCount: {restarts}\n    started: true\n    state:\n      running:\n        startedAt: \"2026-07-01T09:41:12Z\"\n  \
         hostIP: 10.128.0.{host}\n  phase: Running\n  podIP: 10.48.{host}.{ip}\n  qosClass: Burstable\n  \
         startTime: \"2026-06-30T08:12:44Z\"\n",
        uid = uid(i),
        node = node(i),
        host = 14 + i % 4,
        ip = 10 + i,
    );
    y
}

/// A Deployment pod of an app that uses Redis but is not Redis (`REDIS_URL`, port 8080).
fn app_pod(ns: &str, app: &str) -> String {
    format!(
        "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: {ns}-{app}-7d9f8c6b5-x2k9p\n  namespace: {ns}\n  labels:\n    \
         app: {ns}-{app}\n    pod-template-hash: 7d9f8c6b5\nspec:\n  containers:\n  - name: {app}\n    \
         image: ghcr.io/example/{ns}-{app}:2.14.0\n    env:\n    - name: REDIS_URL\n      value: redis://cart-redis-master:6379/0\n    \
         ports:\n    - containerPort: 8080\n      name: http\n    resources:\n      limits:\n        memory: 512Mi\n  \
         nodeName: gke-prod-default-pool-8c1f2d3e-4k7q\nstatus:\n  phase: Running\n  containerStatuses:\n  - name: {app}\n    \
         image: ghcr.io/example/{ns}-{app}:2.14.0\n    ready: true\n    restartCount: 0\n    state:\n      running:\n        \
         startedAt: \"2026-07-01T09:41:12Z\"\n"
    )
}

fn uid(i: usize) -> String {
    let h = format!("{:032x}", u128::from(mix(i as u64 + 1000)) << 64 | u128::from(mix(i as u64 + 2000)));
    format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

/// The running fleet, and what stdin commands change.
#[derive(Debug)]
struct Fleet {
    server: KubeApiServer,
    pods: Vec<FleetPod>,
    one_way: Duration,
    /// Relays to each backend for the shell loop, while `loop-relays` is on.
    loop_relays: Vec<LatencyRelay>,
    /// API requests counted at the previous `stats`.
    counted: BTreeMap<String, usize>,
}

impl Fleet {
    /// API requests served so far, counted by `verb resource` (`discovery` for the rest).
    fn request_counts(&self) -> BTreeMap<String, usize> {
        let mut by_kind = BTreeMap::new();
        for r in self.server.requests() {
            let kind = match (&r.verb, &r.resource) {
                (Some(v), Some(res)) => format!("{v} {res}"),
                _ => "discovery".to_string(),
            };
            *by_kind.entry(kind).or_default() += 1;
        }
        by_kind
    }

    /// The answer to one stdin command, as one line of JSON.
    fn answer(&mut self, command: &str) -> serde_json::Value {
        match command {
            "stats" => {
                let now = self.request_counts();
                let delta: BTreeMap<&String, usize> = now
                    .iter()
                    .map(|(k, n)| (k, n - self.counted.get(k).copied().unwrap_or(0)))
                    .filter(|(_, n)| *n > 0)
                    .collect();
                let answer = serde_json::json!({ "requests": delta });
                self.counted = now;
                answer
            }
            "loop-relays" => {
                self.loop_relays.clear();
                let mut listed = Vec::new();
                for pod in &self.pods {
                    let Some(backend) = self.server.backend(pod.namespace, &pod.name) else {
                        return serde_json::json!({ "error": format!("{}/{} has no backend", pod.namespace, pod.name) });
                    };
                    let upstream = Upstream::Unix(backend.socket().to_path_buf());
                    match LatencyRelay::start(upstream, self.one_way) {
                        Ok(relay) => {
                            listed.push(serde_json::json!({
                                "namespace": pod.namespace,
                                "name": pod.name,
                                "relay": format!("127.0.0.1:{}", relay.port()),
                            }));
                            self.loop_relays.push(relay);
                        }
                        Err(e) => return serde_json::json!({ "error": format!("relay: {e}") }),
                    }
                }
                serde_json::json!({ "relays": listed })
            }
            "stop-loop-relays" => {
                let stopped = self.loop_relays.len();
                self.loop_relays.clear();
                serde_json::json!({ "stopped": stopped })
            }
            other => serde_json::json!({ "error": format!("unknown command `{other}`") }),
        }
    }
}

/// Answers stdin commands until EOF, SIGTERM or Ctrl-C.
fn serve_stdin(fleet: &mut Fleet) -> std::io::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
        std::thread::spawn(move || {
            for line in std::io::stdin().lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        loop {
            tokio::select! {
                line = rx.recv() => match line {
                    None => break,
                    Some(l) if l.trim().is_empty() => {}
                    Some(l) => {
                        let answer = fleet.answer(l.trim());
                        let mut out = std::io::stdout().lock();
                        writeln!(out, "{answer}")?;
                        out.flush()?;
                    }
                },
                _ = term.recv() => break,
                _ = tokio::signal::ctrl_c() => break,
            }
        }
        Ok(())
    })
}

fn run(opts: &Options) -> Result<(), String> {
    let started = Instant::now();
    let pods = plan(opts.pods);
    let server = KubeApiServer::start(&cluster_yaml(&pods, opts.keys)).map_err(|e| format!("{e}"))?;
    let api_addr = std::net::SocketAddr::from(([127, 0, 0, 1], server.port()));
    let api_relay =
        LatencyRelay::start(Upstream::Tcp(api_addr), opts.one_way).map_err(|e| format!("relay: {e}"))?;
    let dir = tempfile::tempdir().map_err(|e| format!("temp dir: {e}"))?;
    let direct = server.write_kubeconfig(dir.path()).map_err(|e| format!("kubeconfig: {e}"))?;
    let direct_path = dir.path().join("kubeconfig-direct");
    std::fs::rename(&direct, &direct_path).map_err(|e| format!("kubeconfig: {e}"))?;
    let text = std::fs::read_to_string(&direct_path).map_err(|e| format!("kubeconfig: {e}"))?;
    let relayed = text.replace(
        &format!("server: {}", server.url()),
        &format!("server: http://127.0.0.1:{}", api_relay.port()),
    );
    let kubeconfig = dir.path().join("kubeconfig");
    std::fs::write(&kubeconfig, relayed).map_err(|e| format!("kubeconfig: {e}"))?;

    let listed: Vec<serde_json::Value> = pods
        .iter()
        .map(|pod| {
            serde_json::json!({
                "namespace": pod.namespace,
                "name": pod.name,
                "flavor": pod.flavor.name(),
                "socket": server.backend(pod.namespace, &pod.name).map(testkit::RedisServer::socket),
                "password": pod.password,
            })
        })
        .collect();
    let line = serde_json::json!({
        "kubeconfig": kubeconfig,
        "kubeconfig_direct": direct_path,
        "api_port": server.port(),
        "relay_port": api_relay.port(),
        "one_way_us": opts.one_way.as_micros() as u64,
        "keys_per_pod": opts.keys,
        "started_in_ms": started.elapsed().as_millis() as u64,
        "pods": listed,
    });
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}").and_then(|()| out.flush()).map_err(|e| format!("stdout: {e}"))?;
    drop(out);

    let mut fleet =
        Fleet { server, pods, one_way: opts.one_way, loop_relays: Vec::new(), counted: BTreeMap::new() };
    serve_stdin(&mut fleet).map_err(|e| format!("stdin: {e}"))?;
    let total: Vec<String> = fleet.request_counts().iter().map(|(k, n)| format!("{k}={n}")).collect();
    eprintln!("fleet: API requests served in all: {}", total.join(", "));
    // Relays first, then the API server, whose drop stops the redis-servers last.
    fleet.loop_relays.clear();
    drop(api_relay);
    drop(fleet);
    Ok(())
}

fn main() -> ExitCode {
    let opts = match parse_args() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("fleet: {e}\nusage: fleet [--pods 50] [--keys 200] [--one-way 500us]");
            return ExitCode::from(2);
        }
    };
    match run(&opts) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("fleet: {e}");
            ExitCode::from(1)
        }
    }
}
