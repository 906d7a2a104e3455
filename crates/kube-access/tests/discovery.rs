//! Discovery, pod facts and events against the test API server.

#![allow(clippy::unwrap_used)]

mod common;

use common::{CLUSTER, Env};
use kube_access::{
    ClientOptions, Flavor, KubeError, Owner, ReplicationRole, Scope, connect, find_redis_pods, oom_events,
};

fn names(found: &kube_access::Discovery) -> Vec<String> {
    found.pods.iter().map(|p| p.display_name()).collect()
}

#[tokio::test]
async fn connects_with_a_written_kubeconfig_and_context() {
    let env = Env::start(CLUSTER);
    let opts = ClientOptions { context: Some("test".into()), ..env.options() };
    let cluster = connect(&opts).await.unwrap();
    assert_eq!(cluster.context.as_deref(), Some("test"));
    assert_eq!(cluster.namespace, "default");
    assert_eq!(cluster.server, env.server.url());
    assert!(!cluster.server_version().await.unwrap().is_empty());

    let opts = ClientOptions { namespace: Some("apps".into()), ..opts };
    assert_eq!(connect(&opts).await.unwrap().namespace, "apps");
}

#[tokio::test]
async fn unknown_context_lists_the_available_ones() {
    let env = Env::start(CLUSTER);
    let opts = ClientOptions { context: Some("prod".into()), ..env.options() };
    let err = connect(&opts).await.unwrap_err();
    assert_eq!(err.to_string(), "context \"prod\" not found in the kubeconfig; available contexts: test");
}

#[tokio::test]
async fn lists_redis_pods_in_one_namespace() {
    let env = Env::start(CLUSTER);
    let cluster = env.cluster().await;
    let found = find_redis_pods(&cluster, &Scope::Namespace("apps".into()), None, &[]).await.unwrap();
    assert_eq!(
        names(&found),
        [
            "apps/jobs-redis-6d8f7b9c5-x7k2p",
            "apps/pending-redis",
            "apps/plain-redis",
            "apps/sessions-valkey-0"
        ],
        "the app pod that only mentions REDIS_URL is not Redis; the Sentinel is skipped"
    );
    assert_eq!(found.skipped.len(), 1);
    let (sentinel, why) = &found.skipped[0];
    assert_eq!(sentinel.name, "redis-sentinel-0");
    assert!(why.contains("Sentinel"), "{why}");
    assert_eq!(sentinel.skipped.as_deref(), Some(why.as_str()));
    assert!(found.errors.is_empty());

    let list = env.calls().into_iter().find(|(_, r, _, _)| r == "pods").unwrap();
    assert_eq!((list.0.as_str(), list.2.as_deref()), ("list", Some("apps")));
}

#[tokio::test]
async fn lists_across_all_namespaces_and_by_selector() {
    let env = Env::start(CLUSTER);
    let cluster = env.cluster().await;
    let all = find_redis_pods(&cluster, &Scope::All, None, &[]).await.unwrap();
    assert_eq!((all.pods.len(), all.skipped.len()), (6, 1));
    assert_eq!(
        names(&all)[..2],
        ["apps/jobs-redis-6d8f7b9c5-x7k2p".to_owned(), "apps/pending-redis".to_owned()]
    );
    assert!(names(&all).contains(&"cache/cache-redis-master-0".to_owned()));

    let sel = find_redis_pods(&cluster, &Scope::All, Some("app.kubernetes.io/component=master"), &[])
        .await
        .unwrap();
    assert_eq!(names(&sel), ["cache/cache-redis-master-0"]);
    let req =
        env.server.requests().into_iter().rev().find(|r| r.resource.as_deref() == Some("pods")).unwrap();
    assert!(req.query.contains("labelSelector=app.kubernetes.io%2Fcomponent%3Dmaster"), "{}", req.query);
    assert_eq!(req.namespace, None);
}

#[tokio::test]
async fn named_pods_by_name_and_pod_slash_name() {
    let env = Env::start(CLUSTER);
    let cluster = env.cluster().await;
    let args = ["plain-redis".to_owned(), "pod/web-5c9d8f7b6-q2w3e".to_owned(), "pods/ghost".to_owned()];
    let found = find_redis_pods(&cluster, &Scope::Namespace("apps".into()), None, &args).await.unwrap();
    assert_eq!(names(&found), ["apps/plain-redis", "apps/web-5c9d8f7b6-q2w3e"]);
    assert_eq!(found.pods[0].note, None);
    let note = found.pods[1].note.as_deref().unwrap();
    assert!(note.contains("no container looks like Redis"), "{note}");
    assert_eq!(found.errors.len(), 1);
    assert_eq!(found.errors[0].name, "pods/ghost");
    assert_eq!(found.errors[0].error.to_string(), "pod apps/ghost not found");

    let gets: Vec<_> = env.calls().into_iter().filter(|(v, r, _, _)| v == "get" && r == "pods").collect();
    assert_eq!(gets.len(), 3, "each named pod is one GET, nothing is listed");

    let err = find_redis_pods(&cluster, &Scope::All, None, &args).await.unwrap_err();
    assert!(matches!(err, KubeError::InvalidArgument(_)));
    let err = find_redis_pods(&cluster, &Scope::Namespace("apps".into()), None, &["deploy/jobs".to_owned()])
        .await
        .unwrap_err();
    assert!(err.to_string().contains("only pods can be named"), "{err}");
}

#[tokio::test]
async fn limits_owner_role_and_oom_evidence() {
    let env = Env::start(CLUSTER);
    let cluster = env.cluster().await;
    let found = find_redis_pods(&cluster, &Scope::All, None, &[]).await.unwrap();
    let pod = |name: &str| found.pods.iter().find(|p| p.name == name).unwrap();

    let master = pod("cache-redis-master-0");
    assert_eq!(master.memory_limit, Some(192 << 20));
    assert_eq!(master.memory_limit_text.as_deref(), Some("192Mi"));
    assert_eq!(master.memory_request, Some(128 << 20));
    assert_eq!(master.role_hint, Some(ReplicationRole::Master));
    assert_eq!(master.helm_release.as_deref(), Some("cache"));
    assert_eq!(master.owner, Some(Owner { kind: "StatefulSet".into(), name: "cache-redis-master".into() }));
    assert_eq!(master.other_containers.len(), 1);
    assert_eq!(master.port, 6379);
    assert!(master.ready);
    assert_eq!(pod("cache-redis-replicas-0").role_hint, Some(ReplicationRole::Replica));

    let plain = pod("plain-redis");
    assert_eq!((plain.memory_limit, plain.memory_request), (None, None));
    assert!(!plain.oom_killed);

    let valkey = pod("sessions-valkey-0");
    assert_eq!(valkey.flavor, Flavor::Valkey);
    assert_eq!(valkey.memory_limit, Some(256 << 20));

    let jobs = pod("jobs-redis-6d8f7b9c5-x7k2p");
    assert!(jobs.oom_killed);
    assert_eq!(jobs.restarts, 4);
    assert_eq!(jobs.last_termination.as_ref().unwrap().exit_code, 137);
    assert_eq!(jobs.owner, Some(Owner { kind: "Deployment".into(), name: "jobs-redis".into() }));
    let events = oom_events(&cluster, jobs).await.unwrap();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].reason, "OOMKilling");
    assert_eq!(events[0].count, 2);
    assert!(events[0].message.contains("Killed process 4242"));
    let req =
        env.server.requests().into_iter().rev().find(|r| r.resource.as_deref() == Some("events")).unwrap();
    assert_eq!(req.verb.as_deref(), Some("list"));
    assert!(req.query.contains("fieldSelector="), "{}", req.query);

    let pending = pod("pending-redis");
    assert_eq!(pending.phase, "Pending");
    assert!(!pending.is_running());
    assert!(oom_events(&cluster, pending).await.unwrap().is_empty());
}

#[tokio::test]
async fn lists_page_by_page() {
    // 501 Redis pods: more than one page of 500.
    let mut yaml = String::new();
    for i in 0..501 {
        yaml.push_str(&format!(
            "---\napiVersion: v1\nkind: Pod\nmetadata: {{name: r{i:03}, namespace: big}}\nspec: {{containers: [{{name: redis, image: redis}}]}}\n"
        ));
    }
    let env = Env::start(&yaml);
    let cluster = env.cluster().await;
    let found = find_redis_pods(&cluster, &Scope::Namespace("big".into()), None, &[]).await.unwrap();
    assert_eq!(found.pods.len(), 501);
    let lists = env.server.requests().into_iter().filter(|r| r.verb.as_deref() == Some("list")).count();
    assert_eq!(lists, 2);
}
