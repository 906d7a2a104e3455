//! Finding the Redis pods to audit: list (one namespace or all, with an optional label
//! selector) and keep the pods [`crate::classify`] recognises, or GET the pods named on the
//! command line.
//!
//! Listing pages through results 500 at a time, like kubectl's `--chunk-size`. A named pod is
//! returned even if it does not look like Redis (the user asked for it), with a note; a
//! missing one is a per-pod error, not a failure of the whole run.

use k8s_openapi::api::core::v1::Pod;
use kube::Api;
use kube::api::ListParams;

use crate::client::Cluster;
use crate::error::{KubeError, Operation};
use crate::pod::RedisPod;

/// kubectl's default `--chunk-size`.
const PAGE_SIZE: u32 = 500;

/// Where to look.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// One namespace (`-n`, or the context's).
    Namespace(String),
    /// Every namespace (`-A`).
    All,
}

impl Scope {
    fn namespace(&self) -> Option<&str> {
        match self {
            Scope::Namespace(ns) => Some(ns),
            Scope::All => None,
        }
    }
}

/// A pod named on the command line that could not be looked at.
#[derive(Debug)]
pub struct NamedPodError {
    /// The name as given (`pod/x` or `x`).
    pub name: String,
    /// Why (usually not found).
    pub error: KubeError,
}

/// What discovery found.
#[derive(Debug, Default)]
pub struct Discovery {
    /// The pods to audit, sorted by namespace and name; a named pod that does not look like
    /// Redis is here too, with its `note` set.
    pub pods: Vec<RedisPod>,
    /// Pods recognised but not audited (Sentinel-only), with the reason (also in
    /// `RedisPod::skipped`).
    pub skipped: Vec<(RedisPod, String)>,
    /// Named pods that could not be read.
    pub errors: Vec<NamedPodError>,
}

impl Discovery {
    /// Sorts, and moves the pods with `skipped` set out of `pods`.
    fn from_pods(mut pods: Vec<RedisPod>, errors: Vec<NamedPodError>) -> Self {
        pods.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
        let (skipped, pods): (Vec<RedisPod>, Vec<RedisPod>) =
            pods.into_iter().partition(|p| p.skipped.is_some());
        let skipped = skipped
            .into_iter()
            .map(|p| {
                let why = p.skipped.clone().unwrap_or_default();
                (p, why)
            })
            .collect();
        Discovery { pods, skipped, errors }
    }
}

/// `POD`, `pod/POD`, `pods/POD` or `po/POD` -> `POD`. Other kinds are a usage error.
pub fn parse_pod_name(arg: &str) -> Result<&str, KubeError> {
    let name = match arg.split_once('/') {
        None => arg,
        Some(("pod" | "pods" | "po", name)) => name,
        Some((kind, _)) => {
            return Err(KubeError::InvalidArgument(format!(
                "{arg}: only pods can be named (POD or pod/POD), not {kind}; use -l to select by label"
            )));
        }
    };
    if name.is_empty() || name.contains('/') {
        return Err(KubeError::InvalidArgument(format!("{arg}: not a pod name")));
    }
    Ok(name)
}

/// Finds Redis pods: the named ones (GET each in the scope's namespace), else all pods of the
/// scope matching `selector` that look like Redis.
pub async fn find_redis_pods(
    cluster: &Cluster,
    scope: &Scope,
    selector: Option<&str>,
    names: &[String],
) -> Result<Discovery, KubeError> {
    if names.is_empty() {
        return list(cluster, scope, selector).await;
    }
    // kubectl refuses both combinations too.
    let Scope::Namespace(ns) = scope else {
        return Err(KubeError::InvalidArgument(
            "a pod cannot be named across all namespaces (-A); name it with -n NAMESPACE".to_owned(),
        ));
    };
    if selector.is_some_and(|s| !s.is_empty()) {
        return Err(KubeError::InvalidArgument("name pods or select them with -l, not both".to_owned()));
    }
    let parsed: Vec<(&String, &str)> =
        names.iter().map(|n| parse_pod_name(n).map(|p| (n, p))).collect::<Result<_, _>>()?;
    get_named(cluster, ns, &parsed).await
}

async fn list(cluster: &Cluster, scope: &Scope, selector: Option<&str>) -> Result<Discovery, KubeError> {
    let api: Api<Pod> = match scope {
        Scope::Namespace(ns) => Api::namespaced(cluster.client.clone(), ns),
        Scope::All => Api::all(cluster.client.clone()),
    };
    let errors = cluster.errors(Operation::list("pods", scope.namespace()));
    let mut params = ListParams::default().limit(PAGE_SIZE);
    if let Some(sel) = selector.filter(|s| !s.is_empty()) {
        params = params.labels(sel);
    }
    let mut pods = Vec::new();
    loop {
        let page = api.list(&params).await.map_err(|e| errors.map(e))?;
        pods.extend(page.items.iter().filter_map(RedisPod::from_pod));
        match page.metadata.continue_.filter(|c| !c.is_empty()) {
            Some(token) => params = params.continue_token(&token),
            None => break,
        }
    }
    Ok(Discovery::from_pods(pods, Vec::new()))
}

async fn get_named(cluster: &Cluster, ns: &str, names: &[(&String, &str)]) -> Result<Discovery, KubeError> {
    let api: Api<Pod> = Api::namespaced(cluster.client.clone(), ns);
    let (mut pods, mut errors) = (Vec::<RedisPod>::new(), Vec::new());
    for (arg, name) in names {
        if pods.iter().any(|p| p.name == *name) {
            continue;
        }
        match api.get(name).await {
            Ok(pod) => match RedisPod::from_named_pod(&pod) {
                Some(p) => pods.push(p),
                None => errors.push(NamedPodError {
                    name: (*arg).clone(),
                    error: KubeError::InvalidArgument(format!("pod {ns}/{name} has no containers")),
                }),
            },
            Err(e) => {
                let error = cluster.errors(Operation::get("pods", ns, name)).map(e);
                // Only "this pod" problems are per pod; no access or no server ends the run.
                if error.is_forbidden() || error.is_fatal_for_run() {
                    return Err(error);
                }
                errors.push(NamedPodError { name: (*arg).clone(), error });
            }
        }
    }
    Ok(Discovery::from_pods(pods, errors))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn pod_names() {
        assert_eq!(parse_pod_name("redis-0").unwrap(), "redis-0");
        assert_eq!(parse_pod_name("pod/redis-0").unwrap(), "redis-0");
        assert_eq!(parse_pod_name("pods/redis-0").unwrap(), "redis-0");
        assert_eq!(parse_pod_name("po/redis-0").unwrap(), "redis-0");
        let e = parse_pod_name("deploy/redis").unwrap_err();
        assert_eq!(
            e.to_string(),
            "deploy/redis: only pods can be named (POD or pod/POD), not deploy; use -l to select by label"
        );
        assert!(parse_pod_name("pod/").is_err());
        assert!(parse_pod_name("pod/a/b").is_err());
    }
}
