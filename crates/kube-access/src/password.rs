//! Finds the password of a Redis pod the way the pod itself gets it, reading Secrets only by
//! GET of the one secret a step points at (never by listing them).
//!
//! Order, first hit wins:
//! 1. `--password-from secret/NAME:KEY` (in the pod's namespace);
//! 2. the Redis container's `REDIS_PASSWORD` / `VALKEY_PASSWORD` env: a literal `value` or a
//!    `valueFrom.secretKeyRef`; then the same name from an `envFrom` secret;
//! 3. `REDIS_PASSWORD_FILE` / `VALKEY_PASSWORD_FILE` pointing into a mounted Secret volume
//!    (bitnami's default, `auth.usePasswordFiles: true`), mapped through `volumeMounts` and
//!    `volumes[].secret.items`;
//! 4. the bitnami chart convention (secret `<release>-redis` or `<release>` when the release name
//!    already contains the chart name; key `redis-password` / `valkey-password`), only when the
//!    pod's labels say it is that chart and `ALLOW_EMPTY_PASSWORD` is not `yes`;
//! 5. none: the caller connects without AUTH.
//!
//! The value is a [`SecretString`], which has no `Display` and whose `Debug` prints `***`.

use std::fmt;
use std::str::FromStr;

use k8s_openapi::api::core::v1::Secret;
use kube::Api;

use crate::client::Cluster;
use crate::error::{KubeError, Operation};
use crate::pod::{RedisPod, SecretMount};

/// A password. Deliberately no `Display`; `Debug` prints `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretString(String);

impl SecretString {
    /// Wraps a secret value.
    pub fn new(value: String) -> Self {
        SecretString(value)
    }

    /// The value, for the one place that sends it (AUTH).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// The password of a pod (if any) and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Password {
    /// The value; `None` means "connect without AUTH".
    pub value: Option<SecretString>,
    /// Where it came from, for messages, e.g. `secret cache/redis key redis-password
    /// (REDIS_PASSWORD env)`; or why there is none.
    pub source: String,
}

impl Password {
    /// No password: connect without AUTH.
    pub fn none() -> Self {
        Password { value: None, source: "no password".to_owned() }
    }

    /// Whether there is a password to send.
    pub fn is_some(&self) -> bool {
        self.value.is_some()
    }

    /// The value, for the one place that sends it (AUTH).
    pub fn expose(&self) -> Option<&str> {
        self.value.as_ref().map(SecretString::expose)
    }

    /// Where it came from (or why there is none), for messages.
    pub fn source(&self) -> &str {
        &self.source
    }
}

/// `--password-from secret/NAME:KEY`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordFrom {
    /// Secret name (in the pod's namespace).
    pub secret: String,
    /// Key in the secret.
    pub key: String,
}

impl FromStr for PasswordFrom {
    type Err = KubeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || KubeError::InvalidArgument(format!("--password-from {s:?}: expected secret/NAME:KEY"));
        let rest = s.strip_prefix("secret/").or_else(|| s.strip_prefix("secrets/")).ok_or_else(bad)?;
        let (secret, key) = rest.split_once(':').ok_or_else(bad)?;
        if secret.is_empty() || key.is_empty() {
            return Err(bad());
        }
        Ok(PasswordFrom { secret: secret.to_owned(), key: key.to_owned() })
    }
}

/// One place the password may be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasswordStep {
    /// A literal env value.
    Literal {
        /// The value.
        value: SecretString,
        /// Where it is written.
        source: String,
    },
    /// A key of a secret in the pod's namespace.
    Secret {
        /// Secret name.
        name: String,
        /// Key.
        key: String,
        /// Why this secret, e.g. `REDIS_PASSWORD env`.
        via: String,
        /// A guess (envFrom, chart convention): a missing secret or key moves on to the next
        /// step instead of failing.
        guess: bool,
        /// Read from a file by the container's scripts (`$(< file)`), which drops trailing
        /// newlines.
        trim_newlines: bool,
    },
}

/// The ordered steps for one pod, and what to say if none gives a password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordPlan {
    /// Steps in order.
    pub steps: Vec<PasswordStep>,
    /// The `source` of [`Password`] when no step gives one.
    pub none_reason: String,
}

/// Plans password resolution from the pod spec alone (pure; no API call).
pub fn password_plan(pod: &RedisPod, from: Option<&PasswordFrom>) -> PasswordPlan {
    let mut steps = Vec::new();
    if let Some(from) = from {
        steps.push(secret_step(&from.secret, &from.key, "--password-from", false, false));
        return PasswordPlan { steps, none_reason: String::new() };
    }
    let names = env_names(pod);
    let mut notes = Vec::new();

    // (b) REDIS_PASSWORD / VALKEY_PASSWORD env.
    for name in names.password {
        let Some(var) = pod.env.iter().find(|v| v.name == name) else { continue };
        if let Some(value) = var.value.as_ref().filter(|v| !v.is_empty()) {
            if value.contains("$(") {
                notes.push(format!("{name} refers to other variables"));
                continue;
            }
            steps.push(PasswordStep::Literal {
                value: SecretString::new(value.clone()),
                source: format!("{name} env of container {}", pod.container),
            });
        } else if let Some(r) = var.value_from.as_ref().and_then(|f| f.secret_key_ref.as_ref()) {
            let optional = r.optional == Some(true);
            steps.push(secret_step(&r.name, &r.key, &format!("{name} env"), optional, false));
        } else if var.value_from.as_ref().is_some_and(|f| f.config_map_key_ref.is_some()) {
            notes.push(format!("{name} comes from a ConfigMap, which this tool does not read"));
        }
    }
    // envFrom: only the flavor's own name, so one secret is not read twice.
    if let Some(name) = names.password.first() {
        for source in &pod.env_from {
            if let Some(secret) = &source.secret_ref {
                let prefix = source.prefix.as_deref().unwrap_or("");
                if let Some(key) = name.strip_prefix(prefix) {
                    let via = format!("envFrom of container {}", pod.container);
                    steps.push(secret_step(&secret.name, key, &via, true, false));
                }
            }
        }
    }

    // (c) REDIS_PASSWORD_FILE / VALKEY_PASSWORD_FILE into a mounted secret.
    for name in names.file {
        let Some(path) = pod.env.iter().find(|v| v.name == name).and_then(|v| v.value.as_deref()) else {
            continue;
        };
        match secret_for_file(path, &pod.secret_mounts) {
            Some((secret, key)) => {
                steps.push(secret_step(&secret, &key, &format!("{name} {path}"), false, true))
            }
            None => notes.push(format!("{name} {path} is not in a mounted Secret")),
        }
    }

    // (d) bitnami chart convention.
    let empty_allowed =
        pod.env.iter().any(|v| v.name == "ALLOW_EMPTY_PASSWORD" && v.value.as_deref() == Some("yes"));
    let convention = chart_convention(pod);
    if empty_allowed {
        notes.push("ALLOW_EMPTY_PASSWORD=yes".to_owned());
    } else if steps.is_empty()
        && let Some((chart, secrets, key)) = &convention
    {
        for secret in secrets {
            steps.push(secret_step(secret, key, &format!("bitnami/{chart} chart convention"), true, false));
        }
    }

    let none_reason = if notes.is_empty() {
        let tried: Vec<String> = steps
            .iter()
            .filter_map(|s| match s {
                PasswordStep::Secret { name, key, .. } => Some(format!("{}/{name} key {key}", pod.namespace)),
                PasswordStep::Literal { .. } => None,
            })
            .collect();
        if tried.is_empty() {
            "no password configured on the pod".to_owned()
        } else {
            format!("no password found (tried secret {})", tried.join(", "))
        }
    } else {
        format!("no password found: {}", notes.join("; "))
    };
    PasswordPlan { steps, none_reason }
}

/// Resolves the password of `pod`: plans the steps, then GETs only the secrets they name.
pub async fn resolve_password(
    cluster: &Cluster,
    pod: &RedisPod,
    from: Option<&PasswordFrom>,
) -> Result<Password, KubeError> {
    let plan = password_plan(pod, from);
    let api: Api<Secret> = Api::namespaced(cluster.client.clone(), &pod.namespace);
    for step in plan.steps {
        match step {
            PasswordStep::Literal { value, source } => return Ok(Password { value: Some(value), source }),
            PasswordStep::Secret { name, key, via, guess, trim_newlines } => {
                let source = format!("secret {}/{name} key {key} ({via})", pod.namespace);
                let found = read_key(cluster, &api, &pod.namespace, &name, &key).await;
                match found {
                    Ok(mut value) => {
                        if trim_newlines {
                            value.truncate(value.trim_end_matches(['\n', '\r']).len());
                        }
                        if value.is_empty() {
                            return Ok(Password { value: None, source: format!("{source} is empty") });
                        }
                        return Ok(Password { value: Some(SecretString::new(value)), source });
                    }
                    Err(KubeError::NotFound { .. } | KubeError::SecretKeyMissing { .. }) if guess => continue,
                    Err(e) => return Err(e),
                }
            }
        }
    }
    Ok(Password { value: None, source: plan.none_reason })
}

/// [`resolve_password`] with `--password-from` as typed on the command line.
pub async fn resolve(
    cluster: &Cluster,
    pod: &RedisPod,
    password_from: Option<&str>,
) -> Result<Password, KubeError> {
    let from = password_from.map(str::parse::<PasswordFrom>).transpose()?;
    resolve_password(cluster, pod, from.as_ref()).await
}

/// GETs one secret and returns one key as text.
async fn read_key(
    cluster: &Cluster,
    api: &Api<Secret>,
    ns: &str,
    name: &str,
    key: &str,
) -> Result<String, KubeError> {
    let secret =
        api.get(name).await.map_err(|e| cluster.errors(Operation::get("secrets", ns, name)).map(e))?;
    let bytes = secret
        .data
        .as_ref()
        .and_then(|d| d.get(key))
        .map(|b| b.0.clone())
        .or_else(|| secret.string_data.as_ref().and_then(|d| d.get(key)).map(|s| s.clone().into_bytes()));
    let Some(bytes) = bytes else {
        let mut keys: Vec<String> = secret.data.iter().flat_map(|d| d.keys().cloned()).collect();
        keys.extend(secret.string_data.iter().flat_map(|d| d.keys().cloned()));
        keys.sort();
        keys.dedup();
        return Err(KubeError::SecretKeyMissing {
            namespace: ns.to_owned(),
            name: name.to_owned(),
            key: key.to_owned(),
            keys,
        });
    };
    String::from_utf8(bytes).map_err(|_| KubeError::SecretNotText {
        namespace: ns.to_owned(),
        name: name.to_owned(),
        key: key.to_owned(),
    })
}

fn secret_step(name: &str, key: &str, via: &str, guess: bool, trim_newlines: bool) -> PasswordStep {
    PasswordStep::Secret {
        name: name.to_owned(),
        key: key.to_owned(),
        via: via.to_owned(),
        guess,
        trim_newlines,
    }
}

struct EnvNames {
    password: [&'static str; 2],
    file: [&'static str; 2],
}

/// Valkey images use `VALKEY_*`, Redis ones `REDIS_*`; look at the flavor's names first.
fn env_names(pod: &RedisPod) -> EnvNames {
    if pod.flavor == crate::classify::Flavor::Valkey {
        EnvNames {
            password: ["VALKEY_PASSWORD", "REDIS_PASSWORD"],
            file: ["VALKEY_PASSWORD_FILE", "REDIS_PASSWORD_FILE"],
        }
    } else {
        EnvNames {
            password: ["REDIS_PASSWORD", "VALKEY_PASSWORD"],
            file: ["REDIS_PASSWORD_FILE", "VALKEY_PASSWORD_FILE"],
        }
    }
}

/// Maps a file path inside the container to `(secret, key)` through the Secret mounts; the
/// deepest mount wins, as in the container's filesystem.
pub(crate) fn secret_for_file(path: &str, mounts: &[SecretMount]) -> Option<(String, String)> {
    let mut best: Option<(usize, String, String)> = None;
    for m in mounts {
        let mount = m.mount_path.trim_end_matches('/');
        let item = match &m.sub_path {
            // The mount is one file: the item at `subPath`.
            Some(sub) if path == mount => Some(sub.as_str()),
            Some(_) => None,
            None => path.strip_prefix(mount).and_then(|r| r.strip_prefix('/')),
        };
        let Some(item) = item.filter(|i| !i.is_empty()) else { continue };
        let key = if m.items.is_empty() {
            // Every key is a file named after it; keys cannot contain '/'.
            (!item.contains('/')).then(|| item.to_owned())
        } else {
            m.items.iter().find(|(_, p)| p == item).map(|(k, _)| k.clone())
        };
        if let Some(key) = key
            && best.as_ref().is_none_or(|(len, _, _)| mount.len() > *len)
        {
            best = Some((mount.len(), m.secret_name.clone(), key));
        }
    }
    best.map(|(_, s, k)| (s, k))
}

/// `(chart, candidate secret names, key)` when the pod labels say bitnami/redis or
/// bitnami/valkey (and their -cluster charts). The chart's `fullname` is the release name when
/// it already contains the chart name, else `<release>-<chart>`; try that first, then the other.
fn chart_convention(pod: &RedisPod) -> Option<(String, Vec<String>, String)> {
    let release = pod.helm_release.as_deref()?;
    let chart_label = pod.helm_chart.as_deref()?;
    let name = pod.labels.get("app.kubernetes.io/name")?.as_str();
    if !matches!(name, "redis" | "valkey" | "redis-cluster" | "valkey-cluster") {
        return None;
    }
    // `helm.sh/chart: redis-23.1.1`: the chart named by the labels, with a version.
    let chart_version = chart_label.strip_prefix(name)?.strip_prefix('-')?;
    if !chart_version.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let key = if name.starts_with("valkey") { "valkey-password" } else { "redis-password" };
    let long = format!("{release}-{name}");
    let secrets =
        if release.contains(name) { vec![release.to_owned(), long] } else { vec![long, release.to_owned()] };
    Some((name.to_owned(), secrets, key.to_owned()))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
