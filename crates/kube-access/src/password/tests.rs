use serde_json::json;

use super::*;
use crate::test_support::pod;

fn redis_pod(json: serde_json::Value) -> RedisPod {
    RedisPod::from_pod(&pod(json)).unwrap()
}

fn secret(name: &str, key: &str, via: &str, guess: bool, trim: bool) -> PasswordStep {
    PasswordStep::Secret { name: name.into(), key: key.into(), via: via.into(), guess, trim_newlines: trim }
}

#[test]
fn secret_string_never_prints_its_value() {
    let s = SecretString::new("hunter2".into());
    assert_eq!(format!("{s:?}"), "***");
    let p = Password { value: Some(s), source: "x".into() };
    assert!(!format!("{p:?}").contains("hunter2"));
    let plan = PasswordPlan {
        steps: vec![PasswordStep::Literal { value: SecretString::new("hunter2".into()), source: "s".into() }],
        none_reason: String::new(),
    };
    assert!(!format!("{plan:?}").contains("hunter2"));
}

#[test]
fn password_from_flag() {
    assert_eq!(
        "secret/redis:redis-password".parse::<PasswordFrom>().unwrap(),
        PasswordFrom { secret: "redis".into(), key: "redis-password".into() }
    );
    assert_eq!(
        "secrets/a:b:c".parse::<PasswordFrom>().unwrap(),
        PasswordFrom { secret: "a".into(), key: "b:c".into() }
    );
    for bad in ["redis:key", "secret/redis", "secret/:k", "secret/r:", "configmap/x:y"] {
        let e = bad.parse::<PasswordFrom>().unwrap_err();
        assert!(e.to_string().contains("expected secret/NAME:KEY"), "{bad}: {e}");
    }
}

#[test]
fn flag_wins_over_everything() {
    let p = redis_pod(json!({"metadata": {"name": "r", "namespace": "cache"}, "spec": {"containers": [
        {"name": "redis", "image": "redis", "env": [{"name": "REDIS_PASSWORD", "value": "literal"}]}]}}));
    let from = PasswordFrom { secret: "other".into(), key: "k".into() };
    assert_eq!(
        password_plan(&p, Some(&from)).steps,
        vec![secret("other", "k", "--password-from", false, false)]
    );
}

#[test]
fn literal_env_value() {
    let p = redis_pod(json!({"metadata": {"name": "r", "namespace": "apps"}, "spec": {"containers": [
        {"name": "redis", "image": "redis", "env": [{"name": "REDIS_PASSWORD", "value": "s3cret"}]}]}}));
    let plan = password_plan(&p, None);
    let [PasswordStep::Literal { value, source }] = plan.steps.as_slice() else { panic!("{plan:?}") };
    assert_eq!(value.expose(), "s3cret");
    assert_eq!(source, "REDIS_PASSWORD env of container redis");
}

#[test]
fn secret_key_ref_env() {
    let p = redis_pod(json!({"metadata": {"name": "r", "namespace": "cache"}, "spec": {"containers": [
        {"name": "redis", "image": "docker.io/bitnami/redis:8.2.1",
         "env": [{"name": "REDIS_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "redis", "key": "redis-password"}}}]}]}}));
    assert_eq!(
        password_plan(&p, None).steps,
        vec![secret("redis", "redis-password", "REDIS_PASSWORD env", false, false)]
    );
}

#[test]
fn valkey_env_names_come_first_for_valkey() {
    let p = redis_pod(json!({"metadata": {"name": "v", "namespace": "s"}, "spec": {"containers": [
        {"name": "valkey", "image": "valkey/valkey:8",
         "env": [{"name": "REDIS_PASSWORD", "value": "old"},
                 {"name": "VALKEY_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "vk", "key": "pw"}}}]}]}}));
    let plan = password_plan(&p, None);
    assert_eq!(plan.steps[0], secret("vk", "pw", "VALKEY_PASSWORD env", false, false));
}

#[test]
fn bitnami_password_file_maps_through_the_mounted_secret() {
    // As rendered by bitnami/redis 23.1.1 (testdata/helm-template), trailing slash included.
    let p = redis_pod(json!({
        "metadata": {"name": "cache-redis-master-0", "namespace": "cache",
            "labels": {"app.kubernetes.io/instance": "cache", "app.kubernetes.io/name": "redis", "helm.sh/chart": "redis-23.1.1"}},
        "spec": {"containers": [{"name": "redis", "image": "docker.io/bitnami/redis:8.2.1-debian-12-r0",
            "env": [{"name": "ALLOW_EMPTY_PASSWORD", "value": "no"},
                    {"name": "REDIS_PASSWORD_FILE", "value": "/opt/bitnami/redis/secrets/redis-password"}],
            "volumeMounts": [{"name": "redis-password", "mountPath": "/opt/bitnami/redis/secrets/"}]}],
          "volumes": [{"name": "redis-password", "secret": {"secretName": "cache-redis", "items": [{"key": "redis-password", "path": "redis-password"}]}}]}}));
    assert_eq!(
        password_plan(&p, None).steps,
        vec![secret(
            "cache-redis",
            "redis-password",
            "REDIS_PASSWORD_FILE /opt/bitnami/redis/secrets/redis-password",
            false,
            true
        )]
    );
}

#[test]
fn bitnami_valkey_password_file() {
    let p = redis_pod(json!({
        "metadata": {"name": "sess-valkey-primary-0", "namespace": "default",
            "labels": {"app.kubernetes.io/instance": "sess", "app.kubernetes.io/name": "valkey", "helm.sh/chart": "valkey-4.0.2"}},
        "spec": {"containers": [{"name": "valkey", "image": "docker.io/bitnami/valkey:8.1.3-debian-12-r3",
            "env": [{"name": "VALKEY_PASSWORD_FILE", "value": "/opt/bitnami/valkey/secrets/valkey-password"}],
            "volumeMounts": [{"name": "valkey-password", "mountPath": "/opt/bitnami/valkey/secrets/"}]}],
          "volumes": [{"name": "valkey-password", "secret": {"secretName": "sess-valkey", "items": [{"key": "valkey-password", "path": "valkey-password"}]}}]}}));
    assert_eq!(
        password_plan(&p, None).steps,
        vec![secret(
            "sess-valkey",
            "valkey-password",
            "VALKEY_PASSWORD_FILE /opt/bitnami/valkey/secrets/valkey-password",
            false,
            true
        )]
    );
}

#[test]
fn file_mapping_cases() {
    let m = |mount: &str, sub: Option<&str>, secret: &str, items: &[(&str, &str)]| SecretMount {
        mount_path: mount.into(),
        sub_path: sub.map(Into::into),
        secret_name: secret.into(),
        items: items.iter().map(|(k, p)| ((*k).into(), (*p).into())).collect(),
    };
    let mounts = vec![
        m("/etc/secrets", None, "all-keys", &[]),
        m("/etc/secrets/redis", None, "deeper", &[("pw", "auth/password")]),
        m("/run/pass", Some("password"), "single", &[]),
        m("/run/mapped", Some("p.txt"), "mapped", &[("redis-pass", "p.txt")]),
    ];
    assert_eq!(
        secret_for_file("/etc/secrets/password", &mounts),
        Some(("all-keys".into(), "password".into()))
    );
    assert_eq!(
        secret_for_file("/etc/secrets/redis/auth/password", &mounts),
        Some(("deeper".into(), "pw".into()))
    );
    assert_eq!(secret_for_file("/run/pass", &mounts), Some(("single".into(), "password".into())));
    assert_eq!(secret_for_file("/run/mapped", &mounts), Some(("mapped".into(), "redis-pass".into())));
    assert_eq!(secret_for_file("/etc/secretsX/password", &mounts), None, "component boundary");
    assert_eq!(secret_for_file("/etc/secrets/redis/other", &mounts), None, "items restrict the files");
    assert_eq!(secret_for_file("/data/pw", &mounts), None);
}

#[test]
fn file_outside_secret_mounts_is_explained() {
    let p = redis_pod(
        json!({"metadata": {"name": "r", "namespace": "a"}, "spec": {"containers": [{"name": "redis", "image": "redis",
        "env": [{"name": "REDIS_PASSWORD_FILE", "value": "/data/pw"}]}]}}),
    );
    let plan = password_plan(&p, None);
    assert!(plan.steps.is_empty());
    assert_eq!(
        plan.none_reason,
        "no password found: REDIS_PASSWORD_FILE /data/pw is not in a mounted Secret"
    );
}

#[test]
fn env_from_secret_is_a_guess() {
    let p = redis_pod(
        json!({"metadata": {"name": "r", "namespace": "a"}, "spec": {"containers": [{"name": "redis", "image": "redis",
        "envFrom": [{"secretRef": {"name": "app-env"}}, {"prefix": "CACHE_", "secretRef": {"name": "x"}}]}]}}),
    );
    assert_eq!(
        password_plan(&p, None).steps,
        vec![secret("app-env", "REDIS_PASSWORD", "envFrom of container redis", true, false)]
    );
}

#[test]
fn chart_convention_only_with_chart_labels() {
    let labelled = |release: &str, name: &str, chart: &str, env: serde_json::Value| {
        redis_pod(json!({"metadata": {"name": "p", "namespace": "ns", "labels": {
            "app.kubernetes.io/instance": release, "app.kubernetes.io/name": name, "helm.sh/chart": chart}},
            "spec": {"containers": [{"name": "redis", "image": "docker.io/bitnami/redis:7", "env": env}]}}))
    };
    let p = labelled("cache", "redis", "redis-23.1.1", json!([]));
    assert_eq!(
        password_plan(&p, None).steps,
        vec![
            secret("cache-redis", "redis-password", "bitnami/redis chart convention", true, false),
            secret("cache", "redis-password", "bitnami/redis chart convention", true, false)
        ]
    );
    let p = labelled("my-redis", "redis", "redis-23.1.1", json!([]));
    let PasswordStep::Secret { name, .. } = &password_plan(&p, None).steps[0] else { panic!() };
    assert_eq!(name, "my-redis", "fullname is the release when it contains the chart name");

    let p = labelled("sess", "valkey", "valkey-4.0.2", json!([]));
    let PasswordStep::Secret { name, key, .. } = &password_plan(&p, None).steps[0] else { panic!() };
    assert_eq!((name.as_str(), key.as_str()), ("sess-valkey", "valkey-password"));

    let p =
        labelled("cache", "redis", "redis-23.1.1", json!([{"name": "ALLOW_EMPTY_PASSWORD", "value": "yes"}]));
    let plan = password_plan(&p, None);
    assert!(plan.steps.is_empty());
    assert_eq!(plan.none_reason, "no password found: ALLOW_EMPTY_PASSWORD=yes");

    let p = labelled("cache", "redis", "mycorp-cache-1.0", json!([]));
    assert!(password_plan(&p, None).steps.is_empty(), "another chart that happens to use the name label");
}

#[test]
fn plain_pod_reads_no_secret() {
    let p = redis_pod(json!({"metadata": {"name": "r", "namespace": "apps", "labels": {"app": "redis"}},
        "spec": {"containers": [{"name": "redis", "image": "redis:7"}]}}));
    let plan = password_plan(&p, None);
    assert!(plan.steps.is_empty());
    assert_eq!(plan.none_reason, "no password configured on the pod");
}
