//! How to make a fix survive a restart: `CONFIG SET` is live only, so the deployment must say
//! the same. Renders, for the chart named by a pod's `helm.sh/chart` label, a values file to
//! pass to `helm upgrade --reuse-values -f`; for a pod without a known chart, the container
//! args; for a server reached by URL, redis.conf lines. Pure text, no Kubernetes types.
//!
//! Values keys (library-defaults.md §9, bitnami/charts HEAD 2026-07-01, DandyDeveloper/charts
//! redis-ha 4.39.0):
//! - bitnami/redis >= 14.0.0 and bitnami/valkey: `commonConfiguration`, rendered as `redis.conf`
//!   (`valkey.conf`) and included by every node, master and replicas, in standalone,
//!   replication and sentinel modes; its chart default is `appendonly yes` + `save ""`, kept in
//!   the patch because Helm replaces a string value whole. bitnami/redis <= 13.x: `configmap`.
//! - bitnami/redis-cluster: `redis.configmap`; bitnami/valkey-cluster: `valkey.configmap`.
//! - redis-ha: `redis.config.maxmemory` / `redis.config.maxmemory-policy` (ignored entirely
//!   when `redis.customConfig` is set).

use serde::Serialize;

/// How the server was deployed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Deployment {
    /// A Helm release: `chart` as in the `helm.sh/chart` label (`redis-23.1.1`).
    Helm { chart: String, release: String, namespace: String },
    /// A pod without a known chart: its container and owner (`StatefulSet/queue-valkey`).
    Manifest { container: String, owner: Option<String> },
    /// A server reached by URL.
    Url,
}

/// What to change so the fix survives a restart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Persist {
    /// `helm-values`, `container-args` or `redis-conf`.
    pub kind: &'static str,
    /// One line: where the text goes.
    pub title: String,
    /// The snippet (YAML or redis.conf lines).
    pub text: String,
    /// The command to run with it, when there is one.
    pub command: Option<String>,
}

/// `redis-23.1.1` -> (`redis`, Some((23, 1, 1))); the version starts after the last `-` that
/// is followed by a digit (`valkey-cluster-3.0.0-rc1` -> `valkey-cluster`, 3.0.0).
pub fn split_chart(label: &str) -> (&str, Option<(u64, u64, u64)>) {
    let Some(i) = label
        .match_indices('-')
        .map(|(i, _)| i)
        .rfind(|&i| label[i + 1..].starts_with(|c: char| c.is_ascii_digit()))
    else {
        return (label, None);
    };
    let mut parts = label[i + 1..].split(['.', '-', '+']).map(|p| p.parse::<u64>().ok());
    let v = match (parts.next().flatten(), parts.next().flatten(), parts.next().flatten()) {
        (Some(a), b, c) => Some((a, b.unwrap_or(0), c.unwrap_or(0))),
        _ => None,
    };
    (&label[..i], v)
}

/// Renders the persistent form of `maxmemory` (redis.conf spelling, `409mb`) and `policy`.
pub fn render(dep: &Deployment, maxmemory: Option<&str>, policy: Option<&str>) -> Option<Persist> {
    if maxmemory.is_none() && policy.is_none() {
        return None;
    }
    let mut conf = Vec::new();
    if let Some(m) = maxmemory {
        conf.push(format!("maxmemory {m}"));
    }
    if let Some(p) = policy {
        conf.push(format!("maxmemory-policy {p}"));
    }
    Some(match dep {
        Deployment::Url => Persist {
            kind: "redis-conf",
            title: "redis.conf (or the server's command line)".into(),
            text: conf.join("\n") + "\n",
            command: None,
        },
        Deployment::Manifest { container, owner } => {
            let mut text = String::new();
            for line in &conf {
                let (k, v) = line.split_once(' ').unwrap_or((line, ""));
                text.push_str(&format!("- --{k}\n- {v}\n"));
            }
            let whose = owner.as_deref().map(|o| format!(" of {o}")).unwrap_or_default();
            Persist {
                kind: "container-args",
                title: format!(
                    "container `{container}`{whose}: add these args (or replace the values already there); with a redis.conf from a ConfigMap, put `{}` in it instead",
                    conf.join("` and `")
                ),
                text,
                command: None,
            }
        }
        Deployment::Helm { chart, release, namespace } => {
            helm(chart, release, namespace, &conf, maxmemory, policy)
        }
    })
}

fn helm(
    chart_label: &str,
    release: &str,
    namespace: &str,
    conf: &[String],
    maxmemory: Option<&str>,
    policy: Option<&str>,
) -> Persist {
    let (name, version) = split_chart(chart_label);
    let shown = version.map_or_else(|| chart_label.to_string(), |(a, b, c)| format!("{name} {a}.{b}.{c}"));
    let command = |repo: &str| {
        let pin = version.map(|(a, b, c)| format!(" --version {a}.{b}.{c}")).unwrap_or_default();
        Some(format!(
            "helm upgrade {release} {repo}/{name} -n {namespace} --reuse-values{pin} -f fix-values.yaml"
        ))
    };
    let block = |key: &str, defaults: &[&str]| {
        let mut text = format!("{key}: |-\n");
        for line in defaults.iter().map(|s| s.to_string()).chain(conf.iter().cloned()) {
            text.push_str(&format!("  {line}\n"));
        }
        text
    };
    let bitnami_title = |key: &str| {
        format!(
            "values for release `{release}` (chart {shown}, bitnami): `{key}` is replaced whole, so keep any lines you already have in it"
        )
    };
    match name {
        "redis" if version.is_some_and(|v| v < (14, 0, 0)) => Persist {
            kind: "helm-values",
            title: bitnami_title("configmap"),
            text: block("configmap", &[]),
            command: command("bitnami"),
        },
        "redis" | "valkey" => Persist {
            kind: "helm-values",
            title: bitnami_title("commonConfiguration"),
            text: block("commonConfiguration", &["appendonly yes", "save \"\""]),
            command: command("bitnami"),
        },
        "redis-cluster" | "valkey-cluster" => {
            let key = if name == "redis-cluster" { "redis" } else { "valkey" };
            let mut text = format!("{key}:\n  configmap: |-\n");
            for line in conf {
                text.push_str(&format!("    {line}\n"));
            }
            Persist {
                kind: "helm-values",
                title: bitnami_title(&format!("{key}.configmap")),
                text,
                command: command("bitnami"),
            }
        }
        "redis-ha" => {
            let mut text = "redis:\n  config:\n".to_string();
            if let Some(m) = maxmemory {
                text.push_str(&format!("    maxmemory: \"{m}\"\n"));
            }
            if let Some(p) = policy {
                text.push_str(&format!("    maxmemory-policy: \"{p}\"\n"));
            }
            Persist {
                kind: "helm-values",
                title: format!(
                    "values for release `{release}` (chart {shown}, dandydeveloper/redis-ha); if `redis.customConfig` is set, `redis.config` is ignored: put `{}` in customConfig instead",
                    conf.join("` and `")
                ),
                text,
                command: command("dandydeveloper"),
            }
        }
        _ => Persist {
            kind: "helm-values",
            title: format!(
                "release `{release}` uses chart {shown}, whose values layout is not known here: set these redis.conf lines through its values"
            ),
            text: conf.join("\n") + "\n",
            command: None,
        },
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn helm(chart: &str) -> Persist {
        let dep = Deployment::Helm { chart: chart.into(), release: "cache".into(), namespace: "ns".into() };
        render(&dep, Some("204mb"), Some("noeviction")).unwrap()
    }

    #[test]
    fn chart_labels() {
        assert_eq!(split_chart("redis-23.1.1"), ("redis", Some((23, 1, 1))));
        assert_eq!(split_chart("redis-ha-4.39.0"), ("redis-ha", Some((4, 39, 0))));
        assert_eq!(split_chart("valkey-cluster-3.0.0-rc1"), ("valkey-cluster", Some((3, 0, 0))));
        assert_eq!(split_chart("mychart"), ("mychart", None));
    }

    #[test]
    fn bitnami_redis_and_valkey() {
        let p = helm("redis-23.1.1");
        assert_eq!(
            p.text,
            "commonConfiguration: |-\n  appendonly yes\n  save \"\"\n  maxmemory 204mb\n  maxmemory-policy noeviction\n"
        );
        assert_eq!(
            p.command.as_deref(),
            Some("helm upgrade cache bitnami/redis -n ns --reuse-values --version 23.1.1 -f fix-values.yaml")
        );
        assert!(helm("valkey-4.0.2").command.unwrap().contains("bitnami/valkey"));
        assert!(helm("redis-13.0.2").text.starts_with("configmap: |-\n  maxmemory 204mb\n"));
        assert!(helm("redis-cluster-13.0.5").text.starts_with("redis:\n  configmap: |-\n"));
    }

    #[test]
    fn redis_ha() {
        let p = helm("redis-ha-4.39.0");
        assert_eq!(
            p.text,
            "redis:\n  config:\n    maxmemory: \"204mb\"\n    maxmemory-policy: \"noeviction\"\n"
        );
        assert!(p.command.unwrap().contains("dandydeveloper/redis-ha"));
    }

    #[test]
    fn manifest_and_url() {
        let dep = Deployment::Manifest { container: "valkey".into(), owner: Some("StatefulSet/q".into()) };
        let p = render(&dep, Some("102mb"), None).unwrap();
        assert_eq!(p.text, "- --maxmemory\n- 102mb\n");
        assert!(p.title.contains("StatefulSet/q"));
        let p = render(&Deployment::Url, Some("1gb"), Some("allkeys-lfu")).unwrap();
        assert_eq!(p.text, "maxmemory 1gb\nmaxmemory-policy allkeys-lfu\n");
        assert_eq!(render(&Deployment::Url, None, None), None);
    }
}
