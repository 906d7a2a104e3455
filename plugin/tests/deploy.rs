//! deploy/kubernetes/: every manifest parses as the Kubernetes type it claims, the workloads
//! are hardened and run commands the CLI accepts, our own linter has nothing to say about them,
//! and the ClusterRole grants exactly the requests the in-cluster audit makes against the
//! Kubernetes test API server (pod IPs, a password from a Secret).

#![allow(clippy::unwrap_used)]

mod util;

use std::collections::BTreeSet;

use k8s_openapi::api::{
    apps::v1::Deployment,
    batch::v1::CronJob,
    core::v1::{Namespace, Pod, PodSpec, PodTemplateSpec, Service, ServiceAccount},
    rbac::v1::{ClusterRole, ClusterRoleBinding},
};
use serde_json::Value;
use testkit::{RedisServer, kube::KubeApiServer};
use util::{bin, repo, stderr, stdout};

/// Every document of deploy/kubernetes/*.yaml, in `kubectl apply -f` order (by file name).
fn manifests() -> Vec<(String, Value)> {
    let dir = repo().join("deploy/kubernetes");
    let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    let mut docs = Vec::new();
    for f in files {
        assert_eq!(f.extension().and_then(|e| e.to_str()), Some("yaml"), "{}", f.display());
        let text = std::fs::read_to_string(&f).unwrap();
        let parsed: Vec<Value> =
            serde_saphyr::from_multiple(&text).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        docs.extend(parsed.into_iter().map(|d| (name.clone(), d)));
    }
    docs
}

fn of_kind<T: serde::de::DeserializeOwned>(docs: &[(String, Value)], kind: &str) -> Vec<T> {
    docs.iter()
        .filter(|(_, d)| d["kind"] == kind)
        .map(|(f, d)| serde_json::from_value(d.clone()).unwrap_or_else(|e| panic!("{f}: {kind}: {e}")))
        .collect()
}

fn one<T: serde::de::DeserializeOwned>(docs: &[(String, Value)], kind: &str) -> T {
    let mut all = of_kind::<T>(docs, kind);
    assert_eq!(all.len(), 1, "one {kind}");
    all.remove(0)
}

/// `(verb, resource)` pairs a ClusterRole grants (core group only, as the audit needs).
fn granted(role: &ClusterRole) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for rule in role.rules.as_deref().unwrap_or_default() {
        assert_eq!(rule.api_groups.as_deref(), Some(&[String::new()][..]), "core API group only");
        assert!(rule.resource_names.is_none() && rule.non_resource_urls.is_none());
        for r in rule.resources.as_deref().unwrap_or_default() {
            for v in &rule.verbs {
                assert_ne!(v, "*", "no wildcard verbs");
                out.insert((v.clone(), r.clone()));
            }
        }
    }
    out
}

#[test]
fn manifests_parse_and_fit_together() {
    let docs = manifests();
    let kinds: Vec<&str> = docs.iter().map(|(_, d)| d["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "Namespace",
            "ServiceAccount",
            "ClusterRole",
            "ClusterRoleBinding",
            "Deployment",
            "Service",
            "CronJob"
        ]
    );
    let ns: Namespace = one(&docs, "Namespace");
    let ns_name = ns.metadata.name.clone().unwrap();
    assert_eq!(ns.metadata.labels.as_ref().unwrap()["pod-security.kubernetes.io/enforce"], "restricted");
    let sa: ServiceAccount = one(&docs, "ServiceAccount");
    let role: ClusterRole = one(&docs, "ClusterRole");
    let binding: ClusterRoleBinding = one(&docs, "ClusterRoleBinding");
    assert_eq!(binding.role_ref.kind, "ClusterRole");
    assert_eq!(Some(&binding.role_ref.name), role.metadata.name.as_ref());
    let subject = &binding.subjects.as_ref().unwrap()[0];
    assert_eq!((subject.kind.as_str(), Some(&subject.name)), ("ServiceAccount", sa.metadata.name.as_ref()));
    assert_eq!(subject.namespace.as_ref(), Some(&ns_name));
    // docs/rbac.md's role for workstations is also called `redis-audit`: this one must not
    // replace it, and never needs a port-forward.
    assert_ne!(role.metadata.name.as_deref(), Some("redis-audit"));
    assert!(!granted(&role).iter().any(|(_, r)| r == "pods/portforward"));

    let deployment: Deployment = one(&docs, "Deployment");
    let cronjob: CronJob = one(&docs, "CronJob");
    let serve = deployment.spec.as_ref().unwrap().template.clone();
    let report = cronjob.spec.as_ref().unwrap().job_template.spec.as_ref().unwrap().template.clone();
    for (what, template) in [("Deployment", &serve), ("CronJob", &report)] {
        hardened(what, template, sa.metadata.name.as_deref().unwrap());
    }
    for namespace in [&sa.metadata.namespace, &deployment.metadata.namespace, &cronjob.metadata.namespace] {
        assert_eq!(namespace.as_ref(), Some(&ns_name));
    }

    // Prometheus scrapes the port `serve` listens on, and the Service leads to it.
    let annotations = serve.metadata.as_ref().unwrap().annotations.clone().unwrap();
    assert_eq!(annotations["prometheus.io/scrape"], "true");
    assert_eq!(annotations["prometheus.io/path"], "/metrics");
    let container = &serve.spec.as_ref().unwrap().containers[0];
    let port = container.ports.as_ref().unwrap()[0].clone();
    assert_eq!(annotations["prometheus.io/port"], port.container_port.to_string());
    let args = container.args.clone().unwrap();
    let listen = args.iter().position(|a| a == "--listen").map(|i| args[i + 1].clone()).unwrap();
    assert!(listen.ends_with(&format!(":{}", port.container_port)), "{listen}");
    let service: Service = one(&docs, "Service");
    let spec = service.spec.unwrap();
    assert_eq!(spec.selector.as_ref(), serve.metadata.as_ref().unwrap().labels.as_ref());
    assert_eq!(
        serde_json::to_value(&spec.ports.unwrap()[0].target_port).unwrap(),
        serde_json::to_value(port.name.unwrap()).unwrap()
    );

    // The report job does not fail on findings (it would be retried and look broken).
    let job_args = report.spec.as_ref().unwrap().containers[0].args.clone().unwrap();
    assert!(job_args.windows(2).any(|w| w == ["--fail-on", "never"]), "{job_args:?}");
}

/// Pod Security "restricted", the service account, a memory limit, the image of this version,
/// arguments the CLI accepts, and nothing that looks like Redis to our own discovery.
fn hardened(what: &str, template: &PodTemplateSpec, service_account: &str) {
    let spec: &PodSpec = template.spec.as_ref().unwrap();
    assert_eq!(spec.service_account_name.as_deref(), Some(service_account), "{what}");
    let pod_sc = spec.security_context.as_ref().unwrap();
    assert_eq!(pod_sc.run_as_non_root, Some(true), "{what}");
    assert_eq!(pod_sc.seccomp_profile.as_ref().map(|p| p.type_.as_str()), Some("RuntimeDefault"), "{what}");
    assert!(pod_sc.run_as_user.is_some_and(|u| u > 0), "{what}");
    for c in &spec.containers {
        let sc = c.security_context.as_ref().unwrap();
        assert_eq!(sc.read_only_root_filesystem, Some(true), "{what}");
        assert_eq!(sc.allow_privilege_escalation, Some(false), "{what}");
        assert_eq!(sc.privileged, None, "{what}");
        assert_eq!(
            sc.capabilities.as_ref().and_then(|c| c.drop.clone()),
            Some(vec!["ALL".to_string()]),
            "{what}"
        );
        assert!(sc.capabilities.as_ref().unwrap().add.is_none(), "{what}");
        assert!(c.resources.as_ref().unwrap().limits.as_ref().unwrap().contains_key("memory"), "{what}");
        let image = c.image.clone().unwrap();
        assert!(image.ends_with(&format!(":{}", env!("CARGO_PKG_VERSION"))), "{what}: {image}");
        assert_eq!(c.command.as_deref(), Some(&["redis-audit".to_string()][..]), "{what}");
        // clap parses (and validates) every argument before it gets to --help.
        let args = c.args.clone().unwrap();
        let o = bin().args(&args).arg("--help").output().unwrap();
        assert!(o.status.success(), "{what}: {args:?}: {}", stderr(&o));
    }
    let pod: Pod = serde_json::from_value(serde_json::json!({
        "metadata": template.metadata.clone().unwrap(),
        "spec": spec,
        "status": {"phase": "Running"}
    }))
    .unwrap();
    assert!(kube_access::RedisPod::from_pod(&pod).is_none(), "{what} would audit itself");
}

#[test]
fn our_linter_finds_nothing_in_deploy() {
    let o =
        bin().current_dir(repo()).args(["lint", "deploy/kubernetes", "--format", "json"]).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert_eq!(util::rules_of(&o), Vec::<String>::new());
}

#[test]
fn cluster_role_grants_exactly_what_the_in_cluster_audit_uses() {
    let (redis, port) = RedisServer::start_tcp(&["--requirepass", "Rbac-pw-51"]).unwrap();
    let _ = redis.cli(&["-a", "Rbac-pw-51", "--no-auth-warning", "SET", "k", "v"]);
    // A pod reached by IP, whose password is in a Secret (env secretKeyRef), with an event.
    let yaml = format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: redis-auth\n  namespace: pw\nstringData:\n  password: Rbac-pw-51\n---\n\
         apiVersion: v1\nkind: Pod\nmetadata:\n  name: secure-0\n  namespace: pw\nspec:\n  nodeName: node-a\n  containers:\n\
         \x20 - name: redis\n    image: redis:7.2\n    env:\n    - name: REDIS_PASSWORD\n      valueFrom:\n        secretKeyRef:\n          name: redis-auth\n          key: password\n\
         \x20   ports:\n    - name: redis\n      containerPort: {port}\n    resources:\n      limits:\n        memory: 64Mi\n\
         status:\n  phase: Running\n  podIP: 127.0.0.1\n  containerStatuses:\n  - name: redis\n    ready: true\n    restartCount: 0\n    image: redis:7.2\n    imageID: \"\"\n"
    );
    let server = KubeApiServer::start(&yaml).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = server.write_kubeconfig(dir.path()).unwrap();
    // The CronJob's command, connecting as in the cluster (--direct).
    let o = bin()
        .arg("--kubeconfig")
        .arg(&kubeconfig)
        .args(["audit", "-A", "--direct", "-o", "prometheus", "--fail-on", "never"])
        .env_remove("KUBECONFIG")
        .env_remove("REDISCLI_AUTH")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("redis_audit_up{namespace=\"pw\",pod=\"secure-0\",container=\"redis\"} 1"),
        "audited with the Secret's password: {}",
        stdout(&o)
    );
    assert!(!stdout(&o).contains("Rbac-pw-51") && !stderr(&o).contains("Rbac-pw-51"));

    let used: BTreeSet<(String, String)> =
        server.requests().into_iter().filter_map(|r| Some((r.verb?, r.resource?))).collect();
    let role: ClusterRole = one(&manifests(), "ClusterRole");
    assert_eq!(used, granted(&role), "deploy/kubernetes/10-rbac.yaml must grant exactly what is used");
}

/// The Dockerfile builds the image the manifests run: the tag's version is the workspace's,
/// the binary they call is the one it installs on PATH, and it runs as their user.
#[test]
fn dockerfile_builds_what_the_manifests_run() {
    let dockerfile = std::fs::read_to_string(repo().join("Dockerfile")).unwrap();
    let docs = manifests();
    let deployment: Deployment = one(&docs, "Deployment");
    let cron: CronJob = one(&docs, "CronJob");
    let cron_pod = cron.spec.unwrap().job_template.spec.unwrap().template;
    for (what, template) in [("Deployment", deployment.spec.unwrap().template), ("CronJob", cron_pod)] {
        let spec = template.spec.unwrap();
        let c = &spec.containers[0];
        let image = c.image.clone().unwrap();
        assert_eq!(image, format!("ghcr.io/redis-audit/redis-audit:{}", env!("CARGO_PKG_VERSION")), "{what}");
        assert_eq!(c.command.as_deref(), Some(&["redis-audit".to_string()][..]), "{what}");
        let user = spec.security_context.and_then(|s| s.run_as_user).unwrap();
        assert!(dockerfile.contains(&format!("USER {user}:{user}")), "{what}: user {user}");
    }
    assert!(dockerfile.contains("--bin redis-audit"), "builds the redis-audit binary");
    assert!(dockerfile.contains("/usr/local/bin/redis-audit"), "installs it on PATH");
}
