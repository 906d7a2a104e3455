//! What kind of input a file is, from its name and a cheap look at its content.

/// Input kinds the linter understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    /// YAML: Kubernetes manifests, Helm values, operator CRs (decided per document).
    Yaml,
    /// `Chart.yaml` of a Helm chart.
    ChartYaml,
    /// A Redis config file.
    RedisConf,
    /// A Helm template (Go templates are not YAML); skipped.
    HelmTemplate,
    /// Application source (Python, Ruby, JavaScript, TypeScript), see [`crate::app`].
    Source(crate::app::Lang),
    /// Application config read for facts: Spring `application*.properties`, `.env` files.
    AppConfig(crate::app::ConfigKind),
    /// A lockfile or manifest read for library versions, see [`crate::app::versions`].
    Lockfile(crate::app::versions::LockKind),
}

/// File-name table: (globs matched against the file name, kind).
const BY_NAME: &[(&[&str], InputKind)] = &[
    (&["Chart.yaml", "Chart.yml", "Chart.lock"], InputKind::ChartYaml),
    (&["*.yaml", "*.yml"], InputKind::Yaml),
    (&["*.conf", "redis.conf*", "valkey.conf*"], InputKind::RedisConf),
];

fn matches(pattern: &str, name: &str) -> bool {
    match (pattern.strip_prefix('*'), pattern.strip_suffix('*')) {
        (Some(ext), _) => name.ends_with(ext),
        (_, Some(prefix)) => name.starts_with(prefix),
        _ => name == pattern,
    }
}

/// Kind by file name alone (cheap pre-filter before reading the file).
pub fn by_name(path: &str) -> Option<InputKind> {
    let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
    BY_NAME
        .iter()
        .find(|(globs, _)| globs.iter().any(|g| matches(g, name)))
        .map(|(_, k)| *k)
        .or_else(|| crate::app::versions::lock_kind(path).map(InputKind::Lockfile))
        .or_else(|| crate::app::lang_of(path).map(InputKind::Source))
        .or_else(|| crate::app::config_kind_of(path).map(InputKind::AppConfig))
}

/// Final kind once the content is known. `None`: not an input we lint.
pub fn classify(path: &str, text: &str) -> Option<InputKind> {
    let kind = by_name(path);
    match kind {
        Some(InputKind::Yaml) if is_helm_template(path, text) => Some(InputKind::HelmTemplate),
        Some(InputKind::RedisConf) => {
            crate::redis_conf::looks_like_redis_conf(text).then_some(InputKind::RedisConf)
        }
        Some(k) => Some(k),
        // stdin and unknown names: sniff.
        None if path == "-" => Some(InputKind::Yaml),
        None => None,
    }
}

fn is_helm_template(path: &str, text: &str) -> bool {
    (path.contains("/templates/") || path.starts_with("templates/")) && text.contains("{{")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        assert_eq!(by_name("charts/x/Chart.yaml"), Some(InputKind::ChartYaml));
        assert_eq!(by_name("a/values-prod.yml"), Some(InputKind::Yaml));
        assert_eq!(by_name("etc/redis.conf"), Some(InputKind::RedisConf));
        assert_eq!(by_name("main.rs"), None);
        assert_eq!(classify("c/templates/sts.yaml", "a: {{ .Values.x }}"), Some(InputKind::HelmTemplate));
        assert_eq!(classify("nginx.conf", "server { listen 80; }"), None);
    }
}
