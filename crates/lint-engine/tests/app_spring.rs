//! Spring Boot cache TTL over the projects in `testdata/app/spring/` (each directory is linted
//! as a whole, see `support/cases.rs`), plus the `.properties` reader on arbitrary input.

#[path = "support/cases.rs"]
mod cases;

use std::path::Path;

use lint_engine::app::properties;
use proptest::prelude::*;

fn root() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/app/spring")
}

#[test]
fn fixtures_give_exactly_the_expected_findings() {
    let failures = cases::run_all(&root(), 10);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `(rule, message)` of linting `files` (path, text) together.
fn lint(files: &[(&str, &str)]) -> Vec<(String, String)> {
    cases::lint_texts(files)
}

#[test]
fn messages_say_what_happens_and_the_fix() {
    let m = lint(&[("application.properties", "spring.cache.type=redis\n")]);
    assert_eq!(m.len(), 1, "{m:?}");
    assert!(m[0].1.contains("never expire") && m[0].1.contains("spring.cache.redis.time-to-live"), "{m:?}");
    let m =
        lint(&[("application.properties", "spring.cache.type=redis\nspring.cache.redis.time-to-live=0\n")]);
    assert!(
        m[0].1.starts_with("spring.cache.redis.time-to-live is 0:") && m[0].1.contains("plain SET"),
        "{m:?}"
    );
}

#[test]
fn a_properties_ttl_bounds_a_yaml_profile_of_the_same_directory() {
    let m = lint(&[
        ("res/application.yml", "spring:\n  cache:\n    type: redis\n"),
        ("res/application-prod.properties", "spring.cache.redis.time-to-live=10m\n"),
    ]);
    assert!(m.is_empty(), "{m:?}");
}

#[test]
fn other_files_are_not_spring_config() {
    // `values.yaml` and `gradle.properties` are not Boot config files.
    let m = lint(&[
        ("values.yaml", "spring:\n  cache:\n    type: redis\n"),
        ("gradle.properties", "spring.cache.type=redis\n"),
    ]);
    assert!(m.iter().all(|(r, _)| r != "spring-cache-redis-without-ttl"), "{m:?}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

    #[test]
    fn properties_reader_never_panics_and_spans_are_valid(text in any::<String>()) {
        for e in properties::entries(&text) {
            prop_assert!(text.get(e.key_span.start..e.key_span.end).is_some());
            prop_assert!(text.get(e.value_span.start..e.value_span.end).is_some());
        }
    }

    #[test]
    fn properties_fragments_never_panic(
        parts in prop::collection::vec(
            prop::sample::select(vec!["a", "=", ":", " ", "\\", "\n", "\r", "#", "!", "\\u00", "41", "é", "---", "\t"]),
            0..40,
        )
    ) {
        let text = parts.concat();
        for e in properties::entries(&text) {
            prop_assert!(text.get(e.key_span.start..e.key_span.end).is_some());
            prop_assert!(text.get(e.value_span.start..e.value_span.end).is_some());
        }
        let _ = lint(&[("application.properties", &text)]);
    }
}
