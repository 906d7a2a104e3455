use serde_json::json;

use super::*;
use crate::test_support::{container, pod};

fn kind_of(json: serde_json::Value) -> (ContainerKind, Option<Evidence>) {
    classify_container(&container(json))
}

#[test]
fn images_behind_registries_tags_and_digests() {
    let data = [
        "redis",
        "redis:7.2-alpine",
        "docker.io/library/redis:7",
        "docker.io/redis",
        "valkey/valkey:8.1",
        "ghcr.io/valkey-io/valkey:8",
        "docker.io/bitnami/redis:8.2.1-debian-12-r0",
        "docker.io/bitnami/valkey:8.1.3-debian-12-r3",
        "bitnami/redis-cluster:7.2",
        "redis/redis-stack-server:7.4.0-v1",
        "redis/redis-stack:latest",
        "redislabs/redisearch:2.8",
        "redislabs/rejson",
        "public.ecr.aws/docker/library/redis:7",
        "public.ecr.aws/bitnami/redis:7.2",
        "quay.io/opstree/redis:v7.0.15",
        "myregistry.local:5000/mirror/bitnami/redis:7.2@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        "localhost/redis",
        "REDIS:7",
        "redis@sha256:abc",
    ];
    for image in data {
        assert_eq!(
            kind_of(json!({"name": "x", "image": image})),
            (ContainerKind::Data, Some(Evidence::Image)),
            "{image}"
        );
    }
    let not_data = [
        "nginx:1.27",
        "myapp/redis-client:1",
        "redislabs/operator:7",
        "redis/redisinsight:2",
        "rediscommander/redis-commander",
        "haproxy:2.9",
        "quay.io/opstree/redis-operator:v0.21",
        "busybox",
        "",
    ];
    for image in not_data {
        assert_eq!(kind_of(json!({"name": "x", "image": image})), (ContainerKind::Other, None), "{image}");
    }
}

#[test]
fn sentinels_by_image_name_port_and_command() {
    let sentinels = [
        json!({"name": "sentinel", "image": "docker.io/bitnami/redis-sentinel:8.2.1-debian-12-r0",
               "ports": [{"name": "redis-sentinel", "containerPort": 26379}]}),
        json!({"name": "x", "image": "quay.io/opstree/redis-sentinel:v7"}),
        json!({"name": "redis-sentinel", "image": "redis:7"}),
        json!({"name": "s", "image": "redis:7", "command": ["redis-sentinel", "/etc/sentinel.conf"]}),
        json!({"name": "s", "image": "redis:7", "command": ["/usr/local/bin/redis-server"], "args": ["/data/sentinel.conf", "--sentinel"]}),
        json!({"name": "s", "image": "redis:7", "command": ["sh", "-c", "exec redis-server /conf/s.conf --sentinel"]}),
        json!({"name": "s", "image": "mycorp/ha:1", "ports": [{"containerPort": 26379}]}),
    ];
    for c in sentinels {
        assert_eq!(kind_of(c.clone()).0, ContainerKind::Sentinel, "{c}");
    }
}

#[test]
fn exporters_are_not_data() {
    let exporters = [
        json!({"name": "metrics", "image": "docker.io/bitnami/redis-exporter:1.76.0",
               "ports": [{"name": "metrics", "containerPort": 9121}]}),
        json!({"name": "exporter", "image": "oliver006/redis_exporter:v1.62.0"}),
        json!({"name": "m", "image": "mycorp/m:1", "ports": [{"containerPort": 9121}]}),
        // Exporters often set REDIS_ADDR=redis://localhost:6379; env is not evidence, and the
        // image decides even with a redis-ish name.
        json!({"name": "redis-exporter", "image": "oliver006/redis_exporter",
               "env": [{"name": "REDIS_ADDR", "value": "redis://localhost:6379"}]}),
    ];
    for c in exporters {
        assert_eq!(kind_of(c.clone()).0, ContainerKind::Exporter, "{c}");
    }
}

#[test]
fn ports_and_names_when_the_image_is_custom() {
    assert_eq!(
        kind_of(json!({"name": "db", "image": "mycorp/cache:3", "ports": [{"containerPort": 6379}]})),
        (ContainerKind::Data, Some(Evidence::Port))
    );
    assert_eq!(
        kind_of(
            json!({"name": "db", "image": "mycorp/cache:3", "ports": [{"name": "tcp-redis", "containerPort": 7000}]})
        ),
        (ContainerKind::Data, Some(Evidence::Port))
    );
    assert_eq!(
        kind_of(json!({"name": "redis", "image": "mycorp/cache:3"})),
        (ContainerKind::Data, Some(Evidence::Name))
    );
    // haproxy in front of redis-ha listens on 6379 and is not Redis.
    assert_eq!(
        kind_of(
            json!({"name": "haproxy", "image": "haproxy:2.9", "ports": [{"name": "redis", "containerPort": 6379}]})
        ),
        (ContainerKind::Other, None)
    );
}

#[test]
fn pod_with_redis_sentinel_and_metrics() {
    let p = pod(json!({
        "metadata": {"name": "cache-redis-node-0", "labels": {"app.kubernetes.io/name": "redis", "app.kubernetes.io/component": "node"}},
        "spec": {"containers": [
            {"name": "redis", "image": "docker.io/bitnami/redis:8.2.1-debian-12-r0", "ports": [{"name": "redis", "containerPort": 6379}],
             "env": [{"name": "REDIS_SENTINEL_PORT", "value": "26379"}]},
            {"name": "sentinel", "image": "docker.io/bitnami/redis-sentinel:8.2.1-debian-12-r0", "ports": [{"name": "redis-sentinel", "containerPort": 26379}]},
            {"name": "metrics", "image": "docker.io/bitnami/redis-exporter:1.76.0", "ports": [{"name": "metrics", "containerPort": 9121}]}
        ]}
    }));
    let c = classify_pod(&p);
    assert_eq!(c.kinds, vec![ContainerKind::Data, ContainerKind::Sentinel, ContainerKind::Exporter]);
    assert_eq!(c.data, Some((0, Evidence::Image)));
    assert!(!c.is_sentinel_only());
}

#[test]
fn metrics_first_does_not_win() {
    let p = pod(json!({
        "metadata": {"name": "p"},
        "spec": {"containers": [
            {"name": "metrics", "image": "oliver006/redis_exporter"},
            {"name": "cache", "image": "mycorp/cache:1", "ports": [{"containerPort": 6379}]},
            {"name": "redis", "image": "redis:7"}
        ]}
    }));
    // Image evidence beats port evidence even when it comes later.
    assert_eq!(classify_pod(&p).data, Some((2, Evidence::Image)));
}

#[test]
fn sentinel_only_pod_is_recognised() {
    let p = pod(json!({
        "metadata": {"name": "sentinel-0", "labels": {"app": "redis"}},
        "spec": {"containers": [{"name": "sentinel", "image": "redis:7", "command": ["redis-sentinel", "/etc/s.conf"], "ports": [{"containerPort": 26379}]}]}
    }));
    let c = classify_pod(&p);
    assert_eq!(c.data, None, "labels must not turn a Sentinel into a data node");
    assert!(c.is_sentinel_only());
    assert!(c.is_redis());
}

#[test]
fn app_pod_mentioning_redis_in_env_is_not_redis() {
    let p = pod(json!({
        "metadata": {"name": "web-7d9f8c6b5-abcde", "labels": {"app": "web"}},
        "spec": {"containers": [{"name": "web", "image": "mycorp/web:1.2", "ports": [{"containerPort": 8080}],
            "env": [{"name": "REDIS_URL", "value": "redis://redis:6379/0"}, {"name": "REDIS_PASSWORD", "value": "x"}],
            "command": ["bundle", "exec", "sidekiq"]}]}
    }));
    let c = classify_pod(&p);
    assert_eq!(c.data, None);
    assert!(!c.is_redis());
}

#[test]
fn init_containers_are_ignored() {
    let p = pod(json!({
        "metadata": {"name": "web"},
        "spec": {
            "initContainers": [{"name": "wait-for-redis", "image": "redis:7", "command": ["redis-cli", "-h", "redis", "ping"]}],
            "containers": [{"name": "web", "image": "mycorp/web:1"}]
        }
    }));
    assert!(!classify_pod(&p).is_redis());
}

#[test]
fn labels_pick_a_custom_container_but_not_a_proxy() {
    let p = pod(json!({
        "metadata": {"name": "r", "labels": {"app.kubernetes.io/name": "redis"}},
        "spec": {"containers": [{"name": "kv", "image": "mycorp/kv:1"}]}
    }));
    assert_eq!(classify_pod(&p).data, Some((0, Evidence::Labels)));

    let p = pod(json!({
        "metadata": {"name": "redis-ha-haproxy-0", "labels": {"app": "redis-ha"}},
        "spec": {"containers": [{"name": "haproxy", "image": "haproxy:2.9", "ports": [{"name": "redis", "containerPort": 6379}]}]}
    }));
    assert!(!classify_pod(&p).is_redis());

    let p = pod(json!({
        "metadata": {"name": "r", "labels": {"app": "redis-ui"}},
        "spec": {"containers": [{"name": "kv", "image": "mycorp/kv:1"}]}
    }));
    assert!(!classify_pod(&p).is_redis());
}

#[test]
fn redis_port_prefers_named_ports() {
    let c = container(
        json!({"name": "r", "ports": [{"name": "metrics", "containerPort": 9121}, {"name": "redis", "containerPort": 7000}]}),
    );
    assert_eq!(redis_port(&c), 7000);
    let c = container(json!({"name": "r", "ports": [{"containerPort": 8080}, {"containerPort": 6379}]}));
    assert_eq!(redis_port(&c), 6379);
    let c = container(json!({"name": "r", "ports": [{"containerPort": 7777}]}));
    assert_eq!(redis_port(&c), 7777);
    let c = container(json!({"name": "r"}));
    assert_eq!(redis_port(&c), 6379);
    let c = container(json!({"name": "r", "ports": [{"containerPort": 70000}]}));
    assert_eq!(redis_port(&c), 6379, "an out-of-range port is ignored");
}

#[test]
fn flavors() {
    let f = |image: &str| flavor(&container(json!({"name": "x", "image": image})), None);
    assert_eq!(f("valkey/valkey:8"), Flavor::Valkey);
    assert_eq!(f("docker.io/bitnami/valkey:8.1.3"), Flavor::Valkey);
    assert_eq!(f("redis/redis-stack-server:7.4"), Flavor::RedisStack);
    assert_eq!(f("redislabs/redisearch:2"), Flavor::RedisStack);
    assert_eq!(f("redis:7"), Flavor::Redis);
    let labels: BTreeMap<String, String> =
        [("app.kubernetes.io/name".to_owned(), "valkey".to_owned())].into();
    assert_eq!(
        flavor(&container(json!({"name": "db", "image": "mycorp/kv"})), Some(&labels)),
        Flavor::Valkey
    );
}

#[test]
fn helm_template_fixtures_classify_as_documented() {
    // The pod templates of the rendered bitnami charts in testdata/helm-template.
    let sentinel_mode = pod(json!({
        "metadata": {"name": "cache-redis-node-0", "labels": {"app.kubernetes.io/name": "redis", "app.kubernetes.io/instance": "cache", "helm.sh/chart": "redis-23.1.1", "app.kubernetes.io/component": "node"}},
        "spec": {"containers": [
            {"name": "redis", "image": "docker.io/bitnami/redis:8.2.1-debian-12-r0", "command": ["/bin/bash"], "args": ["-ec", "/opt/bitnami/scripts/start-scripts/start-node.sh"], "ports": [{"name": "redis", "containerPort": 6379}]},
            {"name": "sentinel", "image": "docker.io/bitnami/redis-sentinel:8.2.1-debian-12-r0", "command": ["/bin/bash", "-ec"], "args": ["/opt/bitnami/scripts/start-scripts/start-sentinel.sh"], "ports": [{"name": "redis-sentinel", "containerPort": 26379}]}
        ]}
    }));
    let c = classify_pod(&sentinel_mode);
    assert_eq!(c.data, Some((0, Evidence::Image)));
    assert_eq!(c.kinds[1], ContainerKind::Sentinel);

    let valkey = pod(json!({
        "metadata": {"name": "sess-valkey-primary-0", "labels": {"app.kubernetes.io/name": "valkey"}},
        "spec": {"containers": [{"name": "valkey", "image": "docker.io/bitnami/valkey:8.1.3-debian-12-r3", "ports": [{"name": "redis", "containerPort": 6379}]}]}
    }));
    assert_eq!(classify_pod(&valkey).data, Some((0, Evidence::Image)));
}

#[test]
fn image_name_parsing() {
    let i = ImageName::parse("myregistry.local:5000/mirror/bitnami/redis:7.2@sha256:abc");
    assert_eq!(i.components, vec!["mirror", "bitnami", "redis"]);
    assert_eq!(i.namespace(), Some("bitnami"));
    let i = ImageName::parse("localhost:5000/redis");
    assert_eq!(i.components, vec!["redis"]);
    let i = ImageName::parse("docker.io/library/redis:7");
    assert_eq!(i.components, vec!["redis"]);
    assert_eq!(i.namespace(), None);
}
