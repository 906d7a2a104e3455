//! Role inference across a repository: application files that use a Redis (Sidekiq, Django
//! caches, BullMQ...) linked to the manifests and Helm values that deploy it, over the projects
//! in `testdata/app/links/` (each directory is linted as a whole).

#[path = "support/cases.rs"]
#[allow(dead_code)]
mod cases;

use std::path::{Path, PathBuf};

use findings::{Location, Role, Severity};
use lint_engine::{Outcome, config::Config, facts::Instance};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/app/links")
}

fn lint(case: &str) -> Outcome {
    let root = root();
    let inputs = cases::inputs(&root, &root.join(case));
    let config = inputs
        .iter()
        .find(|i| i.path.ends_with(".redis-audit.yaml"))
        .map(|i| Config::parse(&i.text, &i.path).expect("valid config"))
        .unwrap_or_default();
    lint_engine::lint(&inputs, &config)
}

fn instance<'a>(out: &'a Outcome, display: &str) -> &'a Instance {
    out.instances
        .iter()
        .find(|i| i.display.contains(display))
        .unwrap_or_else(|| panic!("no instance `{display}` in {:#?}", out.instances))
}

fn of_rule<'a>(out: &'a Outcome, rule: &str) -> Vec<&'a findings::Finding> {
    out.findings.iter().filter(|f| f.rule == rule).collect()
}

fn eviction(out: &Outcome) -> Vec<&findings::Finding> {
    of_rule(out, "eviction-policy-on-queue")
}

#[test]
fn sidekiq_through_a_configmap_makes_the_bitnami_subchart_a_queue() {
    let out = lint("rails-sidekiq");
    let inst = instance(&out, "`master` role of `sidekiq-redis`");
    assert_eq!(inst.role.role, Role::Queue);
    assert_eq!(
        inst.role.evidence,
        "used by Sidekiq at `rails-sidekiq/app/config/initializers/sidekiq.rb:2` via `REDIS_URL_SIDEKIQ` from `rails-sidekiq/deploy/web.yaml:6`"
    );
    let e = eviction(&out);
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(e[0].severity, Severity::Error);
    assert!(e[0].message.contains("holds queues (used by Sidekiq at"), "{}", e[0].message);
    assert!(e[0].message.contains("`allkeys-lru`"), "{}", e[0].message);
}

#[test]
fn a_django_cache_without_maxmemory_is_one_finding_with_both_places() {
    let out = lint("django-cache");
    let inst = instance(&out, "StatefulSet `cache-redis`");
    assert_eq!(inst.role.role, Role::Cache);
    assert_eq!(inst.role.evidence, "used by Django cache at `django-cache/mysite/settings.py:4`");
    assert_eq!(out.findings.len(), 1, "{:#?}", out.findings);
    let f = &out.findings[0];
    assert_eq!(f.rule, "maxmemory-unset");
    assert_eq!(f.location.path(), Some("django-cache/k8s/cache-redis.yaml"));
    let app = f
        .related
        .iter()
        .find(|r| r.location.path() == Some("django-cache/mysite/settings.py"))
        .unwrap_or_else(|| panic!("no related app location: {:?}", f.related));
    assert_eq!(app.message, "Django cache keeps its entries in this Redis");
    let Location::File { span, .. } = &app.location else { panic!("{app:?}") };
    let text = std::fs::read_to_string(root().join("django-cache/mysite/settings.py")).expect("fixture");
    assert_eq!(&text[span.start..span.end], "\"redis://cache-redis:6379/1\"");
    // The file of the app is among the sources renderers get.
    assert!(out.sources.iter().any(|(p, _)| p == "django-cache/mysite/settings.py"));
}

#[test]
fn a_bullmq_connection_from_a_deployment_env_makes_a_neutral_name_a_queue() {
    let out = lint("bullmq");
    let inst = instance(&out, "StatefulSet `shared-redis`");
    assert_eq!(inst.role.role, Role::Queue);
    assert_eq!(
        inst.role.evidence,
        "used by BullMQ at `bullmq/src/queue.ts:6` via `QUEUE_REDIS_URL` from `bullmq/k8s/redis.yaml:26`"
    );
    let e = eviction(&out);
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(e[0].severity, Severity::Error);
    assert!(e[0].message.contains("`volatile-lru`"), "{}", e[0].message);
}

#[test]
fn an_env_var_set_nowhere_changes_nothing() {
    let out = lint("unlinked");
    let inst = instance(&out, "StatefulSet `shared-redis`");
    assert_eq!(inst.role.role, Role::Unknown);
    let e = eviction(&out);
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(e[0].severity, Severity::Info);
}

#[test]
fn a_queue_shared_with_a_cache_is_a_queue_redis() {
    let out = lint("mixed");
    let inst = instance(&out, "StatefulSet `shared-redis`");
    assert_eq!(inst.role.role, Role::Queue);
    // The nearest `.env` gives `REDIS_URL` (web's own `.env` points elsewhere); both users are
    // named, the queue first.
    assert_eq!(
        inst.role.evidence,
        "used by Sidekiq at `mixed/billing/config/initializers/sidekiq.rb:2` via `REDIS_URL` from `mixed/billing/.env:1`, Rails cache at `mixed/web/config/environments/production.rb:2`"
    );
    let e = eviction(&out);
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(e[0].severity, Severity::Error);
    assert!(e[0].message.contains("holds queues (used by Sidekiq"), "{}", e[0].message);
}

#[test]
fn redis_audit_yaml_roles_win_over_app_uses() {
    let out = lint("override");
    let inst = instance(&out, "StatefulSet `shared-redis`");
    assert_eq!(inst.role.role, Role::Cache);
    assert_eq!(inst.role.evidence, "`.redis-audit.yaml` roles `shared-redis`");
    assert!(eviction(&out).is_empty(), "{:?}", out.findings);
}
