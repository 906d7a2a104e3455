//! Every request kube-access makes is granted by `RBAC_RULES`, so docs/rbac.md (built from
//! it) is enough to run the tool.

#![allow(clippy::unwrap_used)]

mod common;

use common::{CLUSTER, Env};
use kube_access::{
    RBAC_PERMISSIONS, RBAC_RULES, Scope, find_redis_pods, forward, oom_events, resolve_password,
};

#[tokio::test]
async fn every_request_is_covered_by_the_documented_rules() {
    let env = Env::start(CLUSTER);
    let cluster = env.cluster().await;
    let all = find_redis_pods(&cluster, &Scope::All, None, &[]).await.unwrap();
    find_redis_pods(&cluster, &Scope::Namespace("cache".into()), None, &["cache-redis-master-0".into()])
        .await
        .unwrap();
    for pod in &all.pods {
        oom_events(&cluster, pod).await.unwrap();
        resolve_password(&cluster, pod, None).await.unwrap();
    }
    let mut fwd = forward::open(&cluster, "apps", "plain-redis", 6379).await.unwrap();
    drop(fwd.stream());
    fwd.finish().await.unwrap();

    let calls = env.calls();
    for needed in [
        ("list", "pods"),
        ("get", "pods"),
        ("list", "events"),
        ("get", "secrets"),
        ("get", "pods/portforward"),
    ] {
        assert!(
            calls.iter().any(|(v, r, _, _)| (v.as_str(), r.as_str()) == needed),
            "flow did not exercise {needed:?}"
        );
    }
    for (verb, resource, _, _) in &calls {
        assert!(
            RBAC_PERMISSIONS.contains(&(verb.as_str(), resource.as_str())),
            "{verb} {resource} is not in RBAC_PERMISSIONS"
        );
    }
    for (verb, resource) in RBAC_PERMISSIONS {
        assert!(
            RBAC_RULES.contains(&format!("resources: [\"{resource}\"]")),
            "{resource} missing from RBAC_RULES"
        );
        assert!(RBAC_RULES.contains(&format!("\"{verb}\"")), "{verb} missing from RBAC_RULES");
    }
    assert!(!calls.iter().any(|(v, r, _, _)| v == "list" && r == "secrets"), "secrets are never listed");
}
