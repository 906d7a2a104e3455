//! `kubectl redis-audit` end to end: the binary against the project's Kubernetes test API
//! server (testkit, held to the real kubectl by its own conformance tests) whose pods are
//! backed by real redis-servers, reached through WebSocket port-forwards.

#![allow(clippy::unwrap_used)]

mod util;

use std::{process::Output, time::Duration};

use testkit::kube::KubeApiServer;
use util::{Cluster, bin, cluster, stderr, stdout};

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}\n{}", stdout(o), stderr(o)))
}

fn pod<'a>(v: &'a serde_json::Value, ns: &str, name: &str) -> &'a serde_json::Value {
    v["pods"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["namespace"] == ns && p["pod"] == name)
        .unwrap_or_else(|| panic!("{ns}/{name} not in {}", v["pods"]))
}

fn rules(p: &serde_json::Value) -> Vec<String> {
    p["findings"].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap().to_string()).collect()
}

#[test]
fn every_namespace_one_row_per_pod_with_reasons() {
    let c = cluster();
    let o = c.run(&["-A", "-o", "json", "--no-keys"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let v = json(&o);

    let master = pod(&v, "cache", "redis-master-0");
    assert_eq!(master["status"], "audited", "{master}");
    assert_eq!(master["summary"]["replication_role"], "master");
    assert!(master["kubernetes"]["memory_limit_bytes"].as_u64().is_some());
    assert!(master["notes"].to_string().contains("password from"), "{}", master["notes"]);
    let replica = pod(&v, "cache", "redis-replicas-0");
    assert_eq!(replica["summary"]["replication_role"], "slave", "{replica}");

    let no_limit = pod(&v, "apps", "sessions-redis-0");
    assert!(rules(no_limit).contains(&"memory-limit-missing".to_string()), "{no_limit}");
    let valkey = pod(&v, "apps", "queue-valkey-0");
    assert!(rules(valkey).contains(&"maxmemory-exceeds-limit".to_string()), "{valkey}");
    let oom = v["pods"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["pod"].as_str().unwrap().starts_with("jobs-redis-"))
        .unwrap();
    assert!(rules(oom).contains(&"oom-killed".to_string()), "{oom}");
    assert!(oom["kubernetes"]["oom_kills"].as_u64().unwrap() >= 1);

    let locked = pod(&v, "locked", "redis-0");
    assert_eq!(locked["status"], "failed");
    let why = locked["error"].as_str().unwrap();
    assert!(why.contains("pods/portforward") && why.contains("forbidden"), "{why}");
    assert!(!why.contains('\n'));

    // Redis + Sentinel in one pod (bitnami sentinel mode): the data container is audited on
    // its own port, never the sentinel beside it.
    let ha = pod(&v, "apps", "ha-redis-node-0");
    assert_eq!(ha["container"], "redis", "{ha}");
    assert_eq!(ha["status"], "audited", "{ha}");
}

#[test]
fn table_and_prometheus_outputs() {
    let c = cluster();
    let o = c.run(&["-A", "--no-keys"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let text = stdout(&o);
    let header = text.lines().next().unwrap();
    for col in [
        "NAMESPACE",
        "POD",
        "ROLE",
        "LIMIT",
        "MAXMEMORY",
        "POLICY",
        "USED",
        "RSS",
        "FRAG",
        "EVICTED",
        "OOM KILLS",
        "FINDINGS",
    ] {
        assert!(header.contains(col), "{col}: {header}");
    }
    assert!(text.contains("error: pod/locked/redis-0:"), "{text}");
    assert!(text.contains("redis-master-0"), "{text}");

    let o = c.run(&["-A", "--no-keys", "-o", "prometheus"]);
    let text = stdout(&o);
    assert!(
        text.contains("redis_audit_up{namespace=\"cache\",pod=\"redis-master-0\",container=\"redis\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("redis_audit_up{namespace=\"locked\",pod=\"redis-0\",container=\"redis\"} 0"),
        "{text}"
    );
    assert!(text.contains("# TYPE redis_audit_memory_limit_bytes gauge"), "{text}");
}

#[test]
fn namespace_selector_and_named_pods() {
    let c = cluster();
    let o = c.run(&["-n", "cache", "-l", "app.kubernetes.io/component=master", "-o", "json", "--no-keys"]);
    let v = json(&o);
    let names: Vec<&str> = v["pods"].as_array().unwrap().iter().map(|p| p["pod"].as_str().unwrap()).collect();
    assert_eq!(names, ["redis-master-0"], "{}", stderr(&o));
    let o = c.run(&["audit", "pod/redis-replicas-0", "-n", "cache", "-o", "json", "--no-keys"]);
    let v = json(&o);
    assert_eq!(v["pods"].as_array().unwrap().len(), 1, "{}", stderr(&o));
}

#[test]
fn credentials_and_connection_errors_are_one_line() {
    let c = cluster();
    let o = c.run(&["--context", "nope", "-A"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("nope") && err.contains("test"), "names the known contexts: {err}");

    c.server.revoke_tokens();
    let o = c.run(&["-A"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("401") && !err.contains(&c.server.token()), "{err}");

    let home = tempfile::tempdir().unwrap();
    let o = bin()
        .args(["-A"])
        .env("HOME", home.path())
        .env("KUBECONFIG", home.path().join("missing"))
        .env_remove("KUBERNETES_SERVICE_HOST")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("kubeconfig"), "{}", stderr(&o));

    // An API server that does not answer: one line naming the address.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let config = home.path().join("config");
    std::fs::write(
        &config,
        format!(
            "apiVersion: v1\nkind: Config\nclusters: [{{name: c, cluster: {{server: 'http://127.0.0.1:{port}'}}}}]\n\
             users: [{{name: u, user: {{token: abc}}}}]\ncontexts: [{{name: x, context: {{cluster: c, user: u}}}}]\n\
             current-context: x\n"
        ),
    )
    .unwrap();
    let o = bin()
        .args(["-A", "--request-timeout", "2s", "--kubeconfig", config.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains(&format!("127.0.0.1:{port}")) && !err.contains("abc"), "{err}");
}

/// Runs the binary against a master holding 300,000 more keys and drops every port-forward
/// 700 ms in, while its keyspace scan runs.
fn run_with_a_dropped_forward(args: &[&str]) -> Output {
    let c = cluster();
    let backend = c.server.backend("cache", "redis-master-0").unwrap();
    let script = "for i=1,300000 do redis.call('SET', 'user:'..i..':profile', i) end return 1";
    backend.cli(&["-a", &password(&c), "--no-auth-warning", "EVAL", script, "0"]);
    std::thread::scope(|s| {
        let run = s.spawn(|| c.run(args));
        std::thread::sleep(Duration::from_millis(700));
        c.server.drop_portforwards();
        run.join().unwrap()
    })
}

#[test]
fn keys_of_a_pod_resume_after_a_dropped_port_forward() {
    let o = run_with_a_dropped_forward(&["keys", "redis-master-0", "-n", "cache", "-o", "json"]);
    let v = json(&o);
    assert_eq!(v["partial"], serde_json::Value::Null, "{}", stderr(&o));
    let total = v["totals"]["keys"].as_u64().unwrap();
    assert!(total >= 300_000, "{total}");
    assert!(v["notes"].to_string().contains("resumed"), "the drop must hit the scan: {}", v["notes"]);
}

#[test]
fn an_audit_resumes_its_scan_after_a_dropped_port_forward() {
    let o = run_with_a_dropped_forward(&["redis-master-0", "-n", "cache", "-o", "json"]);
    let v = json(&o);
    let master = pod(&v, "cache", "redis-master-0");
    assert_eq!(master["status"], "audited", "{}", stderr(&o));
    assert!(master["keys"]["totals"]["keys"].as_u64().unwrap() >= 300_000);
    assert!(master["keys"]["notes"].to_string().contains("resumed"), "{}", master["keys"]["notes"]);
}

fn password(c: &Cluster) -> String {
    let o = std::process::Command::new("kubectl")
        .args(["--kubeconfig", c.kubeconfig.to_str().unwrap(), "get", "secret", "redis", "-n", "cache"])
        .args(["-o", "jsonpath={.data.redis-password}"])
        .output()
        .unwrap();
    let b64 = String::from_utf8_lossy(&o.stdout).trim().to_string();
    decode_base64(&b64)
}

fn decode_base64(s: &str) -> String {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut bits = 0u32;
    let mut n = 0;
    let mut out = Vec::new();
    for c in s.bytes().filter(|c| *c != b'=') {
        let v = alphabet.iter().position(|a| *a == c).unwrap() as u32;
        bits = (bits << 6) | v;
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
            bits &= (1 << n) - 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// Golden output. Figures that depend on the allocator and the Redis build (used memory,
/// RSS, fragmentation, MEMORY DOCTOR's advice) are masked; the rest is exact.
#[test]
fn golden_table_and_json() {
    let c = cluster();
    let o = c.run(&["-A", "--no-keys", "--color", "never"]);
    let table = stdout(&o);
    let filters = vec![
        (r"\d+(\.\d+)?(Ki|Mi|Gi|B)\b", "[mem]"),
        (r"\b\d+\.\d\d\b", "[ratio]"),
        (r"(?m)^(warning|info)\[(memory-doctor-report|fragmentation-high)\].*\n(.*\n)*?\n", ""),
        (r"Found \d+ problems \(\d+ errors, \d+ warnings?, \d+ info\)", "Found [n] problems"),
        (r"(?m)^note: .*MEMORY DOCTOR.*\n", ""),
        (r" +", " "),
    ];
    insta::with_settings!({filters => filters}, {
        insta::assert_snapshot!("cluster_table", table);
    });

    let v = json(&c.run(&["-A", "--no-keys", "-o", "json"]));
    let stable: Vec<serde_json::Value> = v["pods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let mut findings: Vec<String> = p["findings"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|f| {
                    !matches!(f["rule"].as_str(), Some("memory-doctor-report" | "fragmentation-high"))
                })
                .map(|f| format!("{} {}", f["severity"].as_str().unwrap(), f["rule"].as_str().unwrap()))
                .collect();
            findings.sort();
            serde_json::json!({
                "pod": format!("{}/{}", p["namespace"].as_str().unwrap(), p["pod"].as_str().unwrap()),
                "container": p["container"],
                "status": p["status"],
                "error": p["error"],
                "kubernetes": p["kubernetes"],
                "role": p["summary"]["role"],
                "replication_role": p["summary"]["replication_role"],
                "maxmemory_bytes": p["summary"]["maxmemory_bytes"],
                "maxmemory_policy": p["summary"]["maxmemory_policy"],
                "findings": findings,
            })
        })
        .collect();
    insta::assert_json_snapshot!("cluster_json", stable);
}

#[test]
fn a_named_pod_that_does_not_exist() {
    let c = cluster();
    let o = c.run(&["nope-0", "redis-master-0", "-n", "cache", "-o", "json", "--no-keys"]);
    let v = json(&o);
    assert_eq!(v["not_found"][0]["pod"], "nope-0", "{v}");
    assert!(v["not_found"][0]["error"].as_str().unwrap().contains("not found"), "{v}");
    assert_eq!(pod(&v, "cache", "redis-master-0")["status"], "audited");
    // Only missing pods: nothing could be audited, exit 2 with the reason.
    let o = c.run(&["nope-0", "-n", "cache"]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(stderr(&o).contains("nope-0"), "{}", stderr(&o));
}

#[test]
fn a_running_pod_with_nothing_listening_gets_the_port_forward_reason() {
    let state = r#"
apiVersion: v1
kind: Pod
metadata: {name: cache-0, namespace: default, uid: 1f0e4c2a-0000-4000-8000-000000000001}
spec:
  nodeName: node-1
  containers:
    - name: redis
      image: redis:7.2
      ports: [{name: redis, containerPort: 6379}]
      resources: {limits: {memory: 256Mi}}
status:
  phase: Running
  containerStatuses:
    - {name: redis, ready: true, restartCount: 0, image: redis:7.2, imageID: "", state: {running: {}}}
"#;
    let server = KubeApiServer::start(state).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = server.write_kubeconfig(dir.path()).unwrap();
    let o = bin()
        .arg("--kubeconfig")
        .arg(&kubeconfig)
        .args(["-o", "json"])
        .env_remove("KUBECONFIG")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "nothing could be audited: {}", stdout(&o));
    let err = stderr(&o);
    assert!(err.contains("6379") && err.contains("refused"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}
