//! kube-rs 5 reads every object of both cluster states into its typed k8s-openapi structs,
//! so the YAML in testdata/kube/ is valid Kubernetes, not just valid JSON.

#![allow(clippy::unwrap_used)]

use std::path::Path;

use k8s_openapi::api::core::v1::{Event, Namespace, Pod, Secret};
use kube::{
    Api, Client, Config,
    api::ListParams,
    config::{KubeConfigOptions, Kubeconfig},
};
use testkit::KubeApiServer;

async fn client(server: &KubeApiServer, dir: &Path) -> Client {
    let path = server.write_kubeconfig(dir).unwrap();
    let kubeconfig = Kubeconfig::read_from(&path).unwrap();
    let config = Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default()).await.unwrap();
    Client::try_from(config).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn kube_rs_decodes_both_cluster_states() {
    for (file, pods_want, with_backend) in [("e2e.yaml", 9, 7), ("demo.yaml", 5, 5)] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/kube").join(file);
        let server = KubeApiServer::start_file(&path).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let client = client(&server, dir.path()).await;

        let version = client.apiserver_version().await.unwrap();
        assert_eq!((version.major.as_str(), version.minor.as_str()), ("1", "33"));
        let pods = Api::<Pod>::all(client.clone()).list(&ListParams::default()).await.unwrap();
        assert_eq!(pods.items.len(), pods_want, "{file}");
        let backends = pods
            .items
            .iter()
            .filter(|p| {
                let ns = p.metadata.namespace.as_deref().unwrap();
                server.backend(ns, p.metadata.name.as_deref().unwrap()).is_some()
            })
            .count();
        assert_eq!(backends, with_backend, "{file}");
        for pod in &pods.items {
            let annotations = pod.metadata.annotations.clone().unwrap_or_default();
            assert!(annotations.keys().all(|k| !k.starts_with("testkit.")), "{annotations:?}");
        }
        let secrets = Api::<Secret>::all(client.clone()).list(&ListParams::default()).await.unwrap();
        assert!(secrets.items.iter().all(|s| s.data.as_ref().is_some_and(|d| !d.is_empty())));
        let events = Api::<Event>::all(client.clone()).list(&ListParams::default()).await.unwrap();
        assert!(!events.items.is_empty());
        let namespaces = Api::<Namespace>::all(client.clone()).list(&ListParams::default()).await.unwrap();
        assert!(namespaces.items.len() >= 6);
        // Paging as kube-rs does it.
        let page = Api::<Pod>::all(client.clone()).list(&ListParams::default().limit(2)).await.unwrap();
        assert_eq!(page.items.len(), 2);
        assert!(page.metadata.continue_.is_some());
        assert!(server.requests().iter().all(|r| r.has_token), "kube-rs sends the bearer token");
    }

    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/kube/e2e.yaml");
    let server = KubeApiServer::start_file(&path).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let client = client(&server, dir.path()).await;
    let secret = Api::<Secret>::namespaced(client.clone(), "cache").get("redis").await.unwrap();
    assert_eq!(secret.data.unwrap()["redis-password"].0, b"Vq7xK2mPz9");
    let bitnami = Api::<Pod>::namespaced(client.clone(), "cache")
        .list(&ListParams::default().labels("app.kubernetes.io/name=redis").fields("status.phase=Running"))
        .await
        .unwrap();
    assert_eq!(bitnami.items.len(), 2);
    match Api::<Pod>::namespaced(client.clone(), "cache").get("nope").await {
        Err(kube::Error::Api(s)) => assert_eq!((s.code, s.reason.as_str()), (404, "NotFound")),
        other => panic!("expected 404, got {other:?}"),
    }
    server.revoke_tokens();
    match Api::<Pod>::namespaced(client, "cache").get("redis-master-0").await {
        Err(kube::Error::Api(s)) => assert_eq!((s.code, s.reason.as_str()), (401, "Unauthorized")),
        other => panic!("expected 401, got {other:?}"),
    }
}
