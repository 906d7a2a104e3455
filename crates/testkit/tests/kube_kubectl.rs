//! Conformance with the real kubectl: the installed `kubectl` reads the test API server's
//! cluster state (testdata/kube/e2e.yaml) as it would a real cluster's.

#![allow(clippy::unwrap_used)]

use std::{
    io::Write,
    path::{Path, PathBuf},
    process::{Command, Output},
};

use serde_json::Value;
use testkit::KubeApiServer;

fn e2e_yaml() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/kube/e2e.yaml")
}

/// kubectl with its own kubeconfig and discovery cache in a temp dir.
struct Kubectl {
    dir: tempfile::TempDir,
    kubeconfig: PathBuf,
}

impl Kubectl {
    /// `None` (with a notice) when kubectl is not installed.
    #[allow(clippy::print_stderr, reason = "tell why a test did nothing")]
    fn new(server: &KubeApiServer) -> Option<Kubectl> {
        if Command::new("kubectl").args(["version", "--client"]).output().is_err() {
            let _ = writeln!(
                std::io::stderr(),
                "kubectl is not installed: skipping the kubectl conformance test"
            );
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let kubeconfig = server.write_kubeconfig(dir.path()).unwrap();
        Some(Kubectl { dir, kubeconfig })
    }

    fn run(&self, args: &[&str]) -> Output {
        let cache = self.dir.path().join("cache");
        Command::new("kubectl")
            .arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .arg("--cache-dir")
            .arg(&cache)
            .args(args)
            .env_remove("KUBECONFIG")
            .output()
            .unwrap()
    }

    /// Runs and returns stdout, failing the test with stderr when kubectl fails.
    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(out.status.success(), "kubectl {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    }

    fn err(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            !out.status.success(),
            "kubectl {args:?} should fail, printed {}",
            String::from_utf8_lossy(&out.stdout)
        );
        String::from_utf8(out.stderr).unwrap()
    }
}

/// The pods of e2e.yaml as written, keyed `namespace/name`, without the testkit annotations.
fn pods_in_manifest() -> Vec<(String, Value)> {
    let text = std::fs::read_to_string(e2e_yaml()).unwrap();
    let docs: Vec<Value> = serde_saphyr::from_multiple(&text).unwrap();
    docs.into_iter()
        .filter(|d| d["kind"] == "Pod")
        .map(|mut d| {
            if let Some(a) = d["metadata"]["annotations"].as_object_mut() {
                a.retain(|k, _| !k.starts_with("testkit.redis-audit.io/"));
                if a.is_empty() {
                    d["metadata"].as_object_mut().unwrap().remove("annotations");
                }
            }
            (
                format!(
                    "{}/{}",
                    d["metadata"]["namespace"].as_str().unwrap(),
                    d["metadata"]["name"].as_str().unwrap()
                ),
                d,
            )
        })
        .collect()
}

#[test]
fn kubectl_reads_pods_secrets_and_errors() {
    let server = KubeApiServer::start_file(&e2e_yaml()).unwrap();
    let Some(kubectl) = Kubectl::new(&server) else { return };

    // -o json: every pod, with what the manifest says, and no testkit annotation.
    let json = kubectl.ok(&["get", "pods", "-A", "-o", "json"]);
    assert!(!json.contains("testkit.redis-audit.io"), "testkit annotations leaked");
    let list: Value = serde_json::from_str(&json).unwrap();
    let items = list["items"].as_array().unwrap();
    let expected = pods_in_manifest();
    assert_eq!(items.len(), expected.len());
    for (key, want) in &expected {
        let got = items
            .iter()
            .find(|p| {
                format!(
                    "{}/{}",
                    p["metadata"]["namespace"].as_str().unwrap(),
                    p["metadata"]["name"].as_str().unwrap()
                ) == *key
            })
            .unwrap_or_else(|| panic!("{key} missing from kubectl output"));
        assert_eq!(got["kind"], "Pod");
        assert_eq!(got["apiVersion"], "v1");
        for field in ["spec", "status"] {
            assert_eq!(got[field], want[field], "{key} {field}");
        }
        for field in ["labels", "annotations", "ownerReferences", "uid", "creationTimestamp"] {
            assert_eq!(got["metadata"][field], want["metadata"][field], "{key} metadata.{field}");
        }
    }
    let jobs = items.iter().find(|p| p["metadata"]["name"] == "jobs-redis-7d9f8c6b5d-x2k4p").unwrap();
    assert_eq!(jobs["status"]["containerStatuses"][0]["lastState"]["terminated"]["reason"], "OOMKilled");
    let master = items.iter().find(|p| p["metadata"]["name"] == "redis-master-0").unwrap();
    assert_eq!(master["spec"]["containers"][0]["resources"]["limits"]["memory"], "256Mi");
    assert!(master["metadata"]["annotations"]["checksum/configmap"].is_string());

    // kubectl pages with limit=500 and asks for server-side tables; plain lists do.
    let listed = server.requests().into_iter().find(|r| r.path == "/api/v1/pods").unwrap();
    assert!(listed.query.contains("limit=500"), "{listed:?}");
    assert_eq!((listed.verb.as_deref(), listed.status), (Some("list"), 200));

    // Selectors.
    let masters =
        kubectl.ok(&["get", "pods", "-n", "cache", "-l", "app.kubernetes.io/component=master", "-o", "name"]);
    assert_eq!(masters, "pod/redis-master-0\n");
    let running =
        kubectl.ok(&["get", "pods", "-A", "--field-selector", "status.phase=Running", "-o", "name"]);
    assert_eq!(running.lines().count(), expected.len() - 1, "{running}");
    assert!(!running.contains("analytics-redis-0"), "{running}");
    let bitnami = kubectl.ok(&[
        "get",
        "pods",
        "-A",
        "-l",
        "app.kubernetes.io/name=redis,app.kubernetes.io/component notin (node)",
        "-o",
        "name",
    ]);
    assert_eq!(bitnami, "pod/redis-master-0\npod/redis-replicas-0\n");

    // A Secret field, as the plugin reads the password.
    let password =
        kubectl.ok(&["get", "secret", "redis", "-n", "cache", "-o", "jsonpath={.data.redis-password}"]);
    assert_eq!(password, "VnE3eEsybVB6OQ==");

    // Events, with a field selector on the involved object.
    let events = kubectl.ok(&[
        "get",
        "events",
        "-n",
        "apps",
        "--field-selector",
        "involvedObject.name=jobs-redis-7d9f8c6b5d-x2k4p,reason=BackOff",
        "-o",
        "json",
    ]);
    let events: Value = serde_json::from_str(&events).unwrap();
    assert_eq!(events["items"].as_array().unwrap().len(), 1, "{events}");

    // Table output (client-side printing).
    let table = kubectl.ok(&["get", "pods", "-A"]);
    let header = table.lines().next().unwrap();
    assert!(header.starts_with("NAMESPACE") && header.contains("NAME"), "{table}");
    for (key, _) in &expected {
        let name = key.split('/').nth(1).unwrap();
        assert!(table.contains(name), "{name} missing from\n{table}");
    }
    // The kubeconfig's namespace is "default", which has no pods.
    let out = kubectl.run(&["get", "pods"]);
    assert!(out.status.success() && out.stdout.is_empty(), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("No resources found in default namespace."),
        "{out:?}"
    );
    let namespaces = kubectl.ok(&["get", "namespaces", "-o", "name"]);
    for ns in ["apps", "cache", "default", "kube-system", "locked"] {
        assert!(namespaces.contains(&format!("namespace/{ns}\n")), "{namespaces}");
    }

    // A missing object.
    let stderr = kubectl.err(&["get", "pod", "nope", "-n", "cache"]);
    assert!(stderr.contains("NotFound") && stderr.contains(r#"pods "nope" not found"#), "{stderr}");
}

#[test]
fn kubectl_reports_forbidden_then_unauthorized() {
    let server = KubeApiServer::start_file(&e2e_yaml()).unwrap();
    let Some(kubectl) = Kubectl::new(&server) else { return };
    assert_eq!(kubectl.ok(&["get", "pods", "-n", "cache", "-o", "name"]).lines().count(), 2);

    server.forbid(Some("cache"), "secrets", "get");
    let stderr = kubectl.err(&["get", "secret", "redis", "-n", "cache"]);
    assert!(stderr.contains("Forbidden"), "{stderr}");
    assert!(
        stderr.contains(r#"secrets "redis" is forbidden: User "test" cannot get resource "secrets" in API group "" in the namespace "cache""#),
        "{stderr}"
    );
    // Another namespace is still readable.
    assert_eq!(kubectl.ok(&["get", "secret", "ha-redis", "-n", "apps", "-o", "name"]), "secret/ha-redis\n");

    server.revoke_tokens();
    let stderr = kubectl.err(&["get", "pods", "-n", "cache"]);
    assert!(stderr.contains("Unauthorized"), "{stderr}");
    assert!(server.requests().iter().any(|r| r.status == 401));
}
