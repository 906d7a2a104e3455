//! Laravel cache writes without expiry over the projects in `testdata/app/laravel/` (each
//! directory is linted as a whole, see `support/cases.rs`), plus the `.env` reader and the PHP
//! front end on arbitrary input.

#[path = "support/cases.rs"]
mod cases;

use std::path::Path;

use lint_engine::app::{Lang, dotenv, lint_source};
use proptest::prelude::*;

fn root() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/app/laravel")
}

#[test]
fn fixtures_give_exactly_the_expected_findings() {
    let failures = cases::run_all(&root(), 6);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `(rule, message)` of linting `files` (path, text) together.
fn lint(files: &[(&str, &str)]) -> Vec<(String, String)> {
    cases::lint_texts(files)
}

#[test]
fn messages_name_the_store_and_where_it_came_from() {
    let m = lint(&[
        ("shop/.env", "CACHE_STORE=redis\n"),
        ("shop/app/A.php", "<?php\nCache::rememberForever('k', fn () => 1);\n"),
    ]);
    assert_eq!(m.len(), 1, "{m:?}");
    assert!(m[0].1.contains("the default store is `redis` (.env CACHE_STORE)"), "{m:?}");
    assert!(
        m[0].1.contains("SET and no expiry") && m[0].1.contains("Cache::put($key, $value, 3600)"),
        "{m:?}"
    );
}

#[test]
fn another_projects_env_does_not_count() {
    let m = lint(&[("a/.env", "CACHE_STORE=redis\n"), ("b/app/A.php", "<?php\nCache::forever('k', 1);\n")]);
    assert!(m.is_empty(), "{m:?}");
}

#[test]
fn a_php_syntax_error_is_an_info_and_the_rest_still_runs() {
    let m = lint(&[("app/A.php", "<?php\nCache::store('redis')->forever('k', 1);\nfunction (\n")]);
    let rules: Vec<&str> = m.iter().map(|(r, _)| r.as_str()).collect();
    assert!(rules.contains(&"laravel-cache-forever-on-redis") && rules.contains(&"parse-error"), "{m:?}");
}

#[test]
fn dotenv_entries_have_spans() {
    let text = "export CACHE_STORE='redis' # c\n";
    let e = dotenv::entries(text);
    assert_eq!(e.len(), 1);
    let (k, ks, v, vs) = &e[0];
    assert_eq!(
        (k.as_str(), &text[ks.start..ks.end], v.as_str(), &text[vs.start..vs.end]),
        ("CACHE_STORE", "CACHE_STORE", "redis", "redis")
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn dotenv_reader_never_panics_and_spans_are_valid(text in any::<String>()) {
        for (_, ks, _, vs) in dotenv::entries(&text) {
            prop_assert!(text.get(ks.start..ks.end).is_some());
            prop_assert!(text.get(vs.start..vs.end).is_some());
        }
    }

    #[test]
    fn dotenv_fragments_never_panic(
        parts in prop::collection::vec(
            prop::sample::select(vec!["A", "=", " ", "'", "\"", "\\", "\n", "\r", "#", "export ", "é", "CACHE_STORE", "redis"]),
            0..40,
        )
    ) {
        let text = parts.concat();
        for (_, ks, _, vs) in dotenv::entries(&text) {
            prop_assert!(text.get(ks.start..ks.end).is_some());
            prop_assert!(text.get(vs.start..vs.end).is_some());
        }
        let _ = lint(&[(".env", &text), ("app/A.php", "<?php Cache::forever('k', 1);")]);
    }

    #[test]
    fn php_front_end_never_panics(text in any::<String>()) {
        let _ = lint_source("app/A.php", Lang::Php, &format!("<?php Cache::forever {text}"));
        let _ = lint_source("config/cache.php", Lang::Php, &format!("<?php return ['default' => {text}"));
    }

    #[test]
    fn php_fragments_never_panic(
        parts in prop::collection::vec(
            prop::sample::select(vec![
                "<?php ", "Cache::", "forever", "store", "(", ")", "'redis'", ",", "->", "[", "]", "=>",
                "null", "...", "$x", "put", "env", "return", ";", "'default'", "'stores'", "'driver'",
                "cache()", "tags", "key:", "ttl:", "\"", "é",
            ]),
            0..60,
        )
    ) {
        let text = parts.concat();
        let _ = lint(&[("config/cache.php", &text), ("app/A.php", &text), (".env", "CACHE_STORE=redis")]);
    }
}
