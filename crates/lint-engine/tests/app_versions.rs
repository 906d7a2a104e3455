//! Library versions from lockfiles and manifests (`testdata/app/versions/`): each reader on
//! real-looking files, the nearest-lockfile choice in a monorepo, and the findings a version
//! turns into an error, confirms or drops.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use findings::Severity;
use lint_engine::{
    Input,
    app::versions::{self, Ecosystem, Index, LockKind, readers, req::Version},
    config::Config,
    walk,
};
use proptest::prelude::*;

fn dir(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/app/versions").join(rel)
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(dir("readers").join(name)).unwrap()
}

/// `name -> (as written, exact)` for the entries a reader found.
fn entries(e: &readers::Entries) -> Vec<(String, String, bool)> {
    e.iter().map(|(n, p)| (n.clone(), p.written.clone(), p.req.is_exact())).collect()
}

fn has(e: &readers::Entries, name: &str, written: &str, exact: bool) -> bool {
    entries(e).contains(&(name.to_string(), written.to_string(), exact))
}

fn v(s: &str) -> Version {
    Version::parse(s).unwrap()
}

#[test]
fn gemfile_lock_reads_gem_git_and_path_specs_only() {
    let text = fixture("Gemfile.lock");
    let e = readers::gemfile_lock(&text);
    assert!(has(&e, "sidekiq", "7.2.1", true), "{:?}", entries(&e));
    assert!(has(&e, "sidekiq-ext", "0.3.0", true));
    assert!(has(&e, "billing", "1.0.0", true));
    // Platform suffixes are not part of the version; both platforms give the same one.
    assert!(has(&e, "nokogiri", "1.15.4", true));
    // Dependencies of a gem (six spaces in) and CHECKSUMS are not versions of it.
    assert_eq!(e.iter().filter(|(n, _)| n == "sidekiq").count(), 1);
    assert!(!e.iter().any(|(n, _)| n == "racc" || n == "concurrent-ruby"));
    // Ruby pre-releases sort before the release.
    let pro = e.iter().find(|(n, _)| n == "sidekiq-pro").map(|(_, p)| p.req.clone()).unwrap();
    assert!(pro.is_below(&v("7.0.0")));
    // The span points at the version on its spec line.
    let (_, pin) = e.iter().find(|(n, _)| n == "sidekiq").unwrap();
    assert_eq!(&text[pin.span.start..pin.span.end], "7.2.1");
}

#[test]
fn package_lock_v1_v2_v3() {
    let v1 = readers::package_lock(&fixture("package-lock-v1.json"));
    assert!(has(&v1, "connect-redis", "4.0.4", true), "{:?}", entries(&v1));
    assert!(has(&v1, "express-session", "1.17.1", true));
    // A git dependency has no version; nested dependencies are not the app's.
    assert!(!v1.iter().any(|(n, _)| n == "my-lib" || n == "debug"));

    // v2 has both sections: `packages` wins.
    let v2 = readers::package_lock(&fixture("package-lock-v2.json"));
    assert_eq!(entries(&v2), [("connect-redis".to_string(), "6.1.3".to_string(), true)]);

    let text = fixture("package-lock-v3.json");
    let v3 = readers::package_lock(&text);
    assert!(has(&v3, "bullmq", "5.1.1", true), "{:?}", entries(&v3));
    // An alias is recorded under the real package name.
    assert!(has(&v3, "bull", "4.12.0", true));
    assert!(has(&v3, "@acme/redis-utils", "1.2.3", true));
    // Only installed nested, in two versions: the range between them.
    let (_, ioredis) = v3.iter().find(|(n, _)| n == "ioredis").unwrap();
    assert!(!ioredis.req.is_exact());
    assert!(ioredis.req.is_within(&v("4.28.5"), &v("5.3.3")));
    // The root project and workspace links are not dependencies with versions.
    assert!(!v3.iter().any(|(n, _)| n == "queues" || n == "@acme/shared"));
    let (_, bullmq) = v3.iter().find(|(n, _)| n == "bullmq").unwrap();
    assert_eq!(&text[bullmq.span.start..bullmq.span.end], "\"node_modules/bullmq\"");
}

#[test]
fn package_json_ranges_keep_their_bounds() {
    let e = readers::package_json(&fixture("package.json"));
    assert!(has(&e, "connect-redis", "^4.0.0", false), "{:?}", entries(&e));
    let (_, cr) = e.iter().find(|(n, _)| n == "connect-redis").unwrap();
    assert!(cr.req.is_within(&v("4.0.0"), &v("5.0.0")));
    let (_, bullmq) = e.iter().find(|(n, _)| n == "bullmq").unwrap();
    assert!(bullmq.req.is_within(&v("3.0.0"), &v("3.9.0")));
    // `npm:` aliases count for the real package.
    assert!(e.iter().any(|(n, p)| n == "bullmq" && p.req.is_within(&v("1.60.0"), &v("2"))));
    assert!(e.iter().filter(|(n, _)| n == "bullmq").count() == 2);
    assert!(has(&e, "ioredis", "5.3.2", true));
    // `latest`, git URLs and peer dependencies say nothing about what is installed.
    assert!(!e.iter().any(|(n, _)| n == "bull" || n == "my-lib" || n == "redis"));
}

#[test]
fn requirements_with_extras_markers_comments_and_options() {
    let e = readers::requirements(&fixture("requirements.txt"));
    assert!(has(&e, "celery", "==5.3.1", true), "{:?}", entries(&e));
    assert!(has(&e, "rq", ">=1.15,<2.0", false));
    assert!(has(&e, "django-redis", "~= 5.4.0", false));
    assert!(has(&e, "redis", ">=4.5", false));
    assert!(has(&e, "kombu", "==5.3.*", false));
    assert!(has(&e, "flower", "!= 2.0.0", false));
    assert!(has(&e, "requests", "==2.31.0", true));
    let (_, rq) = e.iter().find(|(n, _)| n == "rq").unwrap();
    assert!(rq.req.is_within(&v("1.15"), &v("2")));
    // Options, editable installs and direct references are not version pins.
    assert!(!e.iter().any(|(n, _)| n == "lib" || n == "mylib" || n.starts_with('-')));
    assert_eq!(e.len(), 7);
}

#[test]
fn poetry_and_uv_locks() {
    let poetry = readers::toml_packages(&fixture("poetry.lock"));
    assert_eq!(
        entries(&poetry),
        [
            ("celery".to_string(), "5.3.6".to_string(), true),
            ("django-redis".to_string(), "5.4.0".to_string(), true)
        ]
    );
    let uv = readers::toml_packages(&fixture("uv.lock"));
    assert!(has(&uv, "rq", "1.16.2", true), "{:?}", entries(&uv));
    assert!(has(&uv, "myapp", "0.1.0", true));
    assert_eq!(uv.len(), 2);
}

#[test]
fn pom_and_gradle() {
    let pom = readers::pom(&fixture("pom.xml"));
    assert!(has(&pom, "spring-boot", "3.2.0", true), "{:?}", entries(&pom));
    assert!(has(&pom, "spring-boot-starter-parent", "3.2.0", true));
    // `${property}` from <properties>; an undefined property and commented-out blocks are not read.
    assert!(has(&pom, "jedis", "5.1.0", true));
    assert!(!pom.iter().any(|(n, _)| n == "lettuce-core" || n == "redisson"));

    let gradle = readers::gradle(&fixture("build.gradle"));
    assert!(has(&gradle, "spring-boot", "3.1.5", true), "{:?}", entries(&gradle));
    assert!(has(&gradle, "jedis", "4.4.3", true));
    assert!(!gradle.iter().any(|(n, _)| n == "lettuce-core" || n == "redisson"));

    let kts = readers::gradle(&fixture("build.gradle.kts"));
    assert!(has(&kts, "spring-boot", "2.7.18", true), "{:?}", entries(&kts));
    assert!(has(&kts, "lettuce-core", "6.3.0.RELEASE", true));
    let (_, lettuce) = kts.iter().find(|(n, _)| n == "lettuce-core").unwrap();
    assert!(lettuce.req.is_at_least(&v("6.3.0")));
}

#[test]
fn lockfile_names() {
    assert_eq!(versions::lock_kind("Gemfile.lock"), Some(LockKind::GemfileLock));
    assert_eq!(versions::lock_kind("web/package-lock.json"), Some(LockKind::PackageLock));
    assert_eq!(versions::lock_kind("web/package.json"), Some(LockKind::PackageJson));
    assert_eq!(versions::lock_kind("requirements-dev.txt"), Some(LockKind::Requirements));
    assert_eq!(versions::lock_kind("svc/requirements/prod.txt"), Some(LockKind::Requirements));
    assert_eq!(versions::lock_kind("notes.txt"), None);
    assert_eq!(versions::lock_kind("uv.lock"), Some(LockKind::UvLock));
    assert_eq!(versions::lock_kind("app/build.gradle.kts"), Some(LockKind::Gradle));
    assert_eq!(versions::lock_kind("Gemfile"), None);
}

/// Reads every lockfile and manifest under `root` into an index, with paths as the walk shows them.
fn index_of(inputs: &[Input]) -> Index {
    let mut index = Index::default();
    for i in inputs {
        if let Some(kind) = versions::lock_kind(&i.path) {
            index.add(versions::read(&i.path, kind, &i.text));
        }
    }
    index
}

fn monorepo() -> (Vec<Input>, String) {
    let root = dir("monorepo");
    let (inputs, notes) = walk::collect(std::slice::from_ref(&root), &Config::default());
    assert!(notes.is_empty(), "{notes:?}");
    (inputs, walk::display(&root))
}

#[test]
fn nearest_lockfile_decides_in_a_monorepo() {
    let (inputs, root) = monorepo();
    let index = index_of(&inputs);
    let at = |source: &str, eco: Ecosystem, pkg: &str| {
        index.lookup(&format!("{root}/{source}"), eco, pkg).map(|f| {
            (f.path.strip_prefix(&format!("{root}/")).unwrap_or(f.path).to_string(), f.pin.written.clone())
        })
    };
    let gem = Ecosystem::RubyGems;
    assert_eq!(
        at("config/initializers/sidekiq.rb", gem, "sidekiq"),
        Some(("Gemfile.lock".into(), "6.5.12".into()))
    );
    assert_eq!(
        at("services/billing/config/initializers/sidekiq.rb", gem, "sidekiq"),
        Some(("services/billing/Gemfile.lock".into(), "7.2.1".into()))
    );
    assert_eq!(
        at("services/legacy/config/sidekiq.rb", gem, "sidekiq"),
        Some(("services/legacy/Gemfile.lock".into(), "6.4.1".into()))
    );
    // No Gemfile.lock of its own: the root's.
    assert_eq!(
        at("services/reports/sidekiq.rb", gem, "sidekiq"),
        Some(("Gemfile.lock".into(), "6.5.12".into()))
    );
    // A lockfile beside a manifest: the lockfile's exact version.
    assert_eq!(
        at("api/server.js", Ecosystem::Npm, "connect-redis"),
        Some(("api/package-lock.json".into(), "6.1.3".into()))
    );
    assert_eq!(
        at("web/server.js", Ecosystem::Npm, "connect-redis"),
        Some(("web/package.json".into(), "^4.0.0".into()))
    );
    // A sibling's files never apply.
    assert_eq!(at("server.js", Ecosystem::Npm, "connect-redis"), None);
    // `requirements/base.txt` covers the directory holding `requirements/`.
    assert_eq!(
        at("worker/app/celery_app.py", Ecosystem::PyPi, "Celery"),
        Some(("worker/requirements/base.txt".into(), "==5.6.2".into()))
    );
}

#[test]
fn a_manifest_range_the_lockfile_does_not_satisfy_wins() {
    let mut index = Index::default();
    index.add(versions::read(
        "package-lock.json",
        LockKind::PackageLock,
        r#"{"lockfileVersion":3,"packages":{"node_modules/connect-redis":{"version":"7.1.0"}}}"#,
    ));
    index.add(versions::read(
        "svc/package.json",
        LockKind::PackageJson,
        r#"{"dependencies":{"connect-redis":"^4.0.0"}}"#,
    ));
    index.add(versions::read(
        "ok/package.json",
        LockKind::PackageJson,
        r#"{"dependencies":{"connect-redis":"^7.0.0"}}"#,
    ));
    let found = |p: &str| index.lookup(p, Ecosystem::Npm, "connect-redis").map(|f| f.pin.written.clone());
    assert_eq!(found("svc/server.js").as_deref(), Some("^4.0.0"));
    assert_eq!(found("ok/server.js").as_deref(), Some("7.1.0"));
    assert_eq!(found("server.js").as_deref(), Some("7.1.0"));
}

#[test]
fn versions_change_findings_end_to_end() {
    let (inputs, root) = monorepo();
    let outcome = lint_engine::lint(&inputs, &Config::default());
    let rel = |p: &str| p.strip_prefix(&format!("{root}/")).unwrap_or(p).to_string();
    let found: Vec<(String, String, Severity, String)> = outcome
        .findings
        .iter()
        .map(|f| (rel(f.location.path().unwrap_or("")), f.rule.clone(), f.severity, f.message.clone()))
        .collect();
    let one = |path: &str, rule: &str| {
        let hits: Vec<_> = found.iter().filter(|(p, r, ..)| p == path && r == rule).collect();
        assert!(hits.len() <= 1, "{hits:?}");
        hits.first().map(|(_, _, s, m)| (*s, m.clone()))
    };
    let api_removed = "sidekiq-options-api-removed";

    // Sidekiq 7.2.1: the API is gone, an error naming the version and the file.
    let (sev, msg) = one("services/billing/config/initializers/sidekiq.rb", api_removed).unwrap();
    assert_eq!(sev, Severity::Error);
    assert!(msg.contains("sidekiq 7.2.1 in ") && msg.contains("services/billing/Gemfile.lock"), "{msg}");
    assert!(msg.contains("NoMethodError"), "{msg}");
    let f = outcome
        .findings
        .iter()
        .find(|f| f.rule == api_removed && f.location.path().is_some_and(|p| p.contains("billing")))
        .unwrap();
    assert!(f.related.iter().any(|r| r.location.path().is_some_and(|p| p.ends_with("billing/Gemfile.lock"))));
    // 6.5.12: still the deprecation warning.
    for path in ["config/initializers/sidekiq.rb", "services/reports/sidekiq.rb"] {
        let (sev, msg) = one(path, api_removed).unwrap();
        assert_eq!(sev, Severity::Warning);
        assert!(msg.contains("sidekiq 6.5.12 in "), "{msg}");
    }
    // 6.4.1: `options` is the right API there; dropped with a note.
    assert_eq!(one("services/legacy/config/sidekiq.rb", api_removed), None);
    assert!(
        outcome.notes.iter().any(|n| n.contains("services/legacy/config/sidekiq.rb")
            && n.contains("sidekiq 6.4.1")
            && n.contains("not reported")),
        "{:?}",
        outcome.notes
    );

    // connect-redis ^4.0.0 (no lockfile): every allowed version ignores disableTTL.
    assert_eq!(one("web/server.js", "connect-redis-ttl-disabled"), None);
    assert!(outcome.notes.iter().any(|n| n.contains("web/server.js") && n.contains("(a range)")));
    // 6.1.3 from the lockfile: honoured, reported.
    let (_, msg) = one("api/server.js", "connect-redis-ttl-disabled").unwrap();
    assert!(msg.contains("connect-redis 6.1.3 in ") && msg.contains("api/package-lock.json"), "{msg}");
    // `>=4.0.0` straddles the boundary: reported, and the message says so.
    let (_, msg) = one("sessions/server.js", "connect-redis-ttl-disabled").unwrap();
    assert!(msg.contains("does not settle it"), "{msg}");

    // Celery 5.6.2 has no result_failure_expires: that finding goes, result_expires stays.
    let celery: Vec<_> = found
        .iter()
        .filter(|(p, r, ..)| p == "worker/app/celery_app.py" && r == "celery-result-expires-disabled")
        .collect();
    assert_eq!(celery.len(), 1, "{celery:?}");
    assert!(celery[0].3.starts_with("result_expires"));
    // Celery 5.7.1: both stay.
    let celery: Vec<_> = found
        .iter()
        .filter(|(p, r, ..)| p == "poetry_app/tasks.py" && r == "celery-result-expires-disabled")
        .collect();
    assert_eq!(celery.len(), 2, "{celery:?}");
    assert!(celery.iter().any(|c| c.3.contains("celery 5.7.1 in ")));
}

#[test]
fn without_a_version_the_message_says_which_reading_was_used() {
    let input = |path: &str, text: &str| Input { path: path.into(), text: text.into(), explicit: false };
    let outcome = lint_engine::lint(
        &[
            input(
                "config/initializers/sidekiq.rb",
                "Sidekiq.configure_server do |config|\n  config.options[:queues] = []\nend\n",
            ),
            input(
                "server.js",
                "const RedisStore = require(\"connect-redis\")(session);\nnew RedisStore({ client, disableTTL: true });\n",
            ),
        ],
        &Config::default(),
    );
    let msg = |rule: &str| {
        outcome.findings.iter().find(|f| f.rule == rule).map(|f| (f.severity, f.message.clone()))
    };
    let (sev, m) = msg("sidekiq-options-api-removed").unwrap();
    assert_eq!(sev, Severity::Warning);
    assert!(m.contains("no sidekiq version found in a Gemfile.lock"), "{m}");
    let (_, m) = msg("connect-redis-ttl-disabled").unwrap();
    assert!(m.contains("no connect-redis version found"), "{m}");
}

#[test]
fn spring_boot_1_is_told_where_its_expiry_is_set() {
    let input = |path: &str, text: &str| Input { path: path.into(), text: text.into(), explicit: false };
    let pom = |boot: &str| {
        format!(
            "<project><parent><groupId>org.springframework.boot</groupId>\
             <artifactId>spring-boot-starter-parent</artifactId><version>{boot}</version></parent></project>\n"
        )
    };
    let props = "spring.cache.type=redis\n";
    let outcome = lint_engine::lint(
        &[
            input("legacy/pom.xml", &pom("1.5.22.RELEASE")),
            input("legacy/src/main/resources/application.properties", props),
            input("modern/pom.xml", &pom("3.3.4")),
            input("modern/src/main/resources/application.properties", props),
            input("unknown/src/main/resources/application.properties", props),
        ],
        &Config::default(),
    );
    let msg = |dir: &str| {
        let hits: Vec<&str> = outcome
            .findings
            .iter()
            .filter(|f| f.rule == "spring-cache-redis-without-ttl")
            .filter(|f| f.location.path().is_some_and(|p| p.starts_with(dir)))
            .map(|f| f.message.as_str())
            .collect();
        assert_eq!(hits.len(), 1, "{dir}: {hits:?}");
        hits[0].to_string()
    };
    let m = msg("legacy/");
    assert!(m.contains("spring-boot 1.5.22.RELEASE") && m.contains("setDefaultExpiration"), "{m}");
    let m = msg("modern/");
    assert!(m.contains("reads spring.cache.redis.time-to-live"), "{m}");
    let m = msg("unknown/");
    assert!(m.contains("no spring-boot version found in a pom.xml or build.gradle"), "{m}");
}

const PIECES: &[&str] = &[
    "GEM\n",
    "  specs:\n",
    "    sidekiq (7.2.1)\n",
    "      rack (>= 2)\n",
    "    x (1.0-",
    ")\n",
    "PLATFORMS\n",
    "{",
    "}",
    "[",
    "]",
    "\"packages\":",
    "\"node_modules/",
    "\"version\":",
    "\"dependencies\":",
    "\"^7.1.0\"",
    "\"npm:bullmq@",
    ":",
    ",",
    "\"",
    "celery[redis]==5.3.1",
    " ; ",
    " # ",
    "~=",
    ">=",
    "<",
    "!=",
    ".*",
    "[[package]]\n",
    "name = \"",
    "version = \"",
    "<parent>",
    "</parent>",
    "<version>",
    "</version>",
    "<artifactId>",
    "</artifactId>",
    "<properties>",
    "</properties>",
    "${",
    "<!--",
    "-->",
    "id '",
    "' version '",
    "'g:a:",
    "\n",
    " ",
    "é",
    "\u{feff}",
    "\\",
    "||",
    " - ",
    "^",
    "~",
    "x",
    "*",
    "0",
    "99999999999999999999",
];

fn arbitrary_text() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::collection::vec(prop::sample::select(PIECES), 0..60).prop_map(|v| v.concat()),
        any::<String>(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn readers_never_panic(text in arbitrary_text()) {
        for kind in [
            LockKind::GemfileLock, LockKind::PackageLock, LockKind::PackageJson, LockKind::Requirements,
            LockKind::PoetryLock, LockKind::UvLock, LockKind::Pom, LockKind::Gradle,
        ] {
            let file = versions::read("dir/lock", kind, &text);
            for (_, pin) in &file.packages {
                prop_assert!(pin.span.start <= pin.span.end && pin.span.end <= text.len());
            }
        }
        let _ = versions::req::npm_range(&text);
        let _ = versions::req::pep440(&text);
        let _ = Version::parse(&text);
    }
}

/// Lints in-memory files; returns the findings of `rule` as (message, related paths) and the notes.
fn lint_files(files: &[(&str, &str)], rule: &str) -> (Vec<(String, Vec<String>)>, Vec<String>) {
    let inputs: Vec<Input> = files
        .iter()
        .map(|(p, t)| Input { path: p.to_string(), text: std::sync::Arc::from(*t), explicit: false })
        .collect();
    let outcome = lint_engine::lint(&inputs, &Config::default());
    let found = outcome
        .findings
        .into_iter()
        .filter(|f| f.rule == rule)
        .map(|f| {
            let related = f.related.iter().filter_map(|r| r.location.path().map(str::to_string)).collect();
            (f.message, related)
        })
        .collect();
    (found, outcome.notes)
}

fn bullmq_lock(version: &str) -> String {
    format!(r#"{{"lockfileVersion":3,"packages":{{"node_modules/bullmq":{{"version":"{version}"}}}}}}"#)
}

const BULLMQ_OBJECTS: &str = r#"import { Queue } from "bullmq";
export const q = new Queue("mail", {
  defaultJobOptions: { removeOnComplete: { age: 3600 }, removeOnFail: { count: 100 } },
});
"#;

const BULLMQ_WORKER_ONLY: &str = r#"import { Queue, Worker } from "bullmq";
export const q = new Queue("mail", { connection });
new Worker("mail", handler, { removeOnComplete: { count: 10 }, removeOnFail: { count: 10 } });
"#;

#[test]
fn bullmq_keep_jobs_objects_hold_only_from_1_67() {
    const RULE: &str = "bullmq-job-removal-unset";
    let old = bullmq_lock("1.66.1");
    let (found, _) = lint_files(&[("svc/package-lock.json", &old), ("svc/queue.ts", BULLMQ_OBJECTS)], RULE);
    assert_eq!(found.len(), 1, "{found:?}");
    let (message, related) = &found[0];
    assert!(message.contains("1.67.0") && message.contains("removeOnComplete"), "{message}");
    assert!(message.contains("removeOnFail"), "{message}");
    assert!(message.contains("bullmq 1.66.1 in svc/package-lock.json"), "{message}");
    assert_eq!(related, &["svc/package-lock.json".to_string()]);

    // From 1.67.0 the objects bound the sets; with no version, nothing is said (precision first).
    for lock in ["1.67.0", "5.1.1"] {
        let l = bullmq_lock(lock);
        let (found, _) = lint_files(&[("package-lock.json", &l), ("queue.ts", BULLMQ_OBJECTS)], RULE);
        assert!(found.is_empty(), "{lock}: {found:?}");
    }
    let (found, notes) = lint_files(&[("queue.ts", BULLMQ_OBJECTS)], RULE);
    assert!(found.is_empty() && notes.is_empty(), "{found:?} {notes:?}");

    // A range across the boundary: not reported, with a note naming it.
    let manifest = r#"{"dependencies":{"bullmq":"^1.60.0"}}"#;
    let (found, notes) = lint_files(&[("package.json", manifest), ("queue.ts", BULLMQ_OBJECTS)], RULE);
    assert!(found.is_empty(), "{found:?}");
    assert!(notes.iter().any(|n| n.contains("^1.60.0") && n.contains("1.67.0")), "{notes:?}");

    // Another service's lockfile does not apply.
    let (found, _) = lint_files(&[("other/package-lock.json", &old), ("svc/queue.ts", BULLMQ_OBJECTS)], RULE);
    assert!(found.is_empty(), "{found:?}");
}

#[test]
fn bullmq_worker_removal_options_hold_only_from_3_9() {
    const RULE: &str = "bullmq-job-removal-unset";
    let l = bullmq_lock("3.8.0");
    let (found, _) = lint_files(&[("package-lock.json", &l), ("queue.ts", BULLMQ_WORKER_ONLY)], RULE);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].0.contains("Worker") && found[0].0.contains("3.9.0"), "{}", found[0].0);
    assert!(found[0].0.contains("bullmq 3.8.0 in package-lock.json"), "{}", found[0].0);
    for lock in ["3.9.0", "5.1.1"] {
        let l = bullmq_lock(lock);
        let (found, _) = lint_files(&[("package-lock.json", &l), ("queue.ts", BULLMQ_WORKER_ONLY)], RULE);
        assert!(found.is_empty(), "{lock}: {found:?}");
    }
    // An exact pin in package.json decides too; a certain finding stays as it was.
    let manifest = r#"{"dependencies":{"bullmq":"3.2.0"}}"#;
    let (found, _) = lint_files(&[("package.json", manifest), ("queue.ts", BULLMQ_WORKER_ONLY)], RULE);
    assert_eq!(found.len(), 1, "{found:?}");
    let unset = "import { Queue } from \"bullmq\";\nconst q = new Queue(\"a\");\n";
    let l = bullmq_lock("5.1.1");
    let (found, _) = lint_files(&[("package-lock.json", &l), ("queue.ts", unset)], RULE);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(!found[0].0.contains("bullmq 5.1.1"), "{}", found[0].0);
}
