//! 401, 403 and unreachable-server messages: one line, naming what to fix, no credentials.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::{CLUSTER, Env};
use kube_access::{ClientOptions, KubeError, Scope, connect, find_redis_pods, forward, resolve_password};

#[tokio::test]
async fn revoked_credentials_give_401_naming_the_context() {
    let env = Env::start(CLUSTER);
    let cluster = env.cluster().await;
    env.server.revoke_tokens();
    let err = find_redis_pods(&cluster, &Scope::Namespace("apps".into()), None, &[]).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "the API server rejected the credentials of context test (401 Unauthorized): they may have expired; log in again"
    );
    assert!(err.is_fatal_for_run());
    assert!(!err.to_string().contains(&env.server.token()));
}

#[tokio::test]
async fn forbidden_list_names_verb_resource_and_namespace() {
    let env = Env::start(CLUSTER);
    env.server.forbid(Some("apps"), "pods", "list");
    let cluster = env.cluster().await;
    let err = find_redis_pods(&cluster, &Scope::Namespace("apps".into()), None, &[]).await.unwrap_err();
    assert_eq!(err.verb_and_resource(), Some(("list", "pods")));
    let text = err.to_string();
    assert!(text.starts_with("forbidden: cannot list pods in namespace apps: "), "{text}");
    assert!(text.ends_with("the RBAC the tool needs is in docs/rbac.md"), "{text}");
    assert!(!text.contains('\n'));

    // RBAC only grants: no list in one namespace means no list across all of them either.
    let err = find_redis_pods(&cluster, &Scope::All, None, &[]).await.unwrap_err();
    assert!(err.to_string().starts_with("forbidden: cannot list pods across all namespaces: "), "{err}");
}

#[tokio::test]
async fn forbidden_port_forward_names_the_verb() {
    let env = Env::start(CLUSTER);
    env.server.forbid(Some("apps"), "pods/portforward", "get");
    let cluster = env.cluster().await;
    let err = forward::open(&cluster, "apps", "plain-redis", 6379).await.unwrap_err();
    assert_eq!(err.verb_and_resource(), Some(("get", "pods/portforward")));
    let text = err.to_string();
    assert!(text.starts_with("forbidden: cannot get pods/portforward in namespace apps: "), "{text}");
    assert!(text.contains("create"), "mentions the 1.35 create check: {text}");

    env.server.forbid(Some("cache"), "pods/portforward", "create");
    let err = forward::open(&cluster, "cache", "cache-redis-master-0", 6379).await.unwrap_err();
    assert_eq!(err.verb_and_resource(), Some(("create", "pods/portforward")), "{err}");
}

#[tokio::test]
async fn forbidden_secret_suggests_password_from() {
    let env = Env::start(CLUSTER);
    env.server.forbid(Some("cache"), "secrets", "get");
    let cluster = env.cluster().await;
    let found = find_redis_pods(&cluster, &Scope::Namespace("cache".into()), None, &[]).await.unwrap();
    let master = found.pods.iter().find(|p| p.name == "cache-redis-master-0").unwrap();
    let err = resolve_password(&cluster, master, None).await.unwrap_err();
    assert_eq!(err.verb_and_resource(), Some(("get", "secrets")));
    let text = err.to_string();
    assert!(text.starts_with("forbidden: cannot get secrets in namespace cache: "), "{text}");
    assert!(text.contains("--password-from") && text.contains("REDISCLI_AUTH"), "{text}");
}

#[tokio::test]
async fn unreachable_server_is_one_line() {
    // A port nothing listens on: bind, note the port, close.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config");
    std::fs::write(
        &path,
        format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: gone\nclusters:\n- name: gone\n  cluster:\n    server: http://127.0.0.1:{port}\ncontexts:\n- name: gone\n  context: {{cluster: gone, user: u}}\nusers:\n- name: u\n  user: {{token: abc}}\n"
        ),
    )
    .unwrap();
    let opts = ClientOptions {
        kubeconfig: Some(path),
        request_timeout: Some(Duration::from_secs(2)),
        ..Default::default()
    };
    let cluster = connect(&opts).await.unwrap();
    let err = find_redis_pods(&cluster, &Scope::All, None, &[]).await.unwrap_err();
    assert!(matches!(err, KubeError::Unreachable { .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.starts_with(&format!("cannot reach the API server at http://127.0.0.1:{port}: ")), "{text}");
    assert!(text.to_lowercase().contains("refused"), "{text}");
    assert!(!text.contains('\n'));
}
