//! Python rules over the fixtures in `testdata/app/python/`: each `# expect: <rule>[, <rule>]`
//! comment marks the line a finding must start on; every other line must give none.

use std::collections::BTreeSet;
use std::path::Path;

use findings::Location;
use lint_engine::app::{Lang, lint_source};
use proptest::prelude::*;

fn fixtures_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/app/python")
}

/// `(line, rule)` of each finding (1-based line of its start).
fn found(path: &str, text: &str) -> BTreeSet<(usize, String)> {
    lint_source(path, Lang::Python, text)
        .findings
        .into_iter()
        .map(|f| {
            let start = match f.location {
                Location::File { span, .. } => span.start,
                other => panic!("{path}: finding not in the file: {other:?}"),
            };
            (text[..start].matches('\n').count() + 1, f.rule)
        })
        .collect()
}

/// `(line, rule)` of each `# expect:` marker.
fn expected(text: &str) -> BTreeSet<(usize, String)> {
    let mut out = BTreeSet::new();
    for (i, line) in text.lines().enumerate() {
        if let Some((_, rules)) = line.split_once("# expect:") {
            for rule in rules.split(',') {
                out.insert((i + 1, rule.trim().to_string()));
            }
        }
    }
    out
}

#[test]
fn fixtures_give_exactly_the_expected_findings() {
    let mut paths: Vec<_> = std::fs::read_dir(fixtures_dir())
        .expect("testdata/app/python")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "py"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 8, "fixtures missing: {paths:?}");
    let mut failures = Vec::new();
    for p in paths {
        let text = std::fs::read_to_string(&p).expect("fixture");
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("?").to_string();
        let got = found(&name, &text);
        let want = expected(&text);
        if got != want {
            let missing: Vec<_> = want.difference(&got).collect();
            let extra: Vec<_> = got.difference(&want).collect();
            failures.push(format!("{name}: missing {missing:?}, unexpected {extra:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn messages(text: &str) -> Vec<(String, String)> {
    lint_source("settings.py", Lang::Python, text).findings.into_iter().map(|f| (f.rule, f.message)).collect()
}

#[test]
fn messages_say_what_happens_the_version_and_the_fix() {
    let m = messages("CACHES = {'default': {'BACKEND': 'django_redis.cache.RedisCache', 'TIMEOUT': None}}\n");
    assert_eq!(m.len(), 1, "{m:?}");
    assert!(m[0].1.contains("never expire") && m[0].1.contains("django-redis 4 .. 7.0"), "{m:?}");
    assert!(m[0].1.contains("set TIMEOUT to a number of seconds"), "{m:?}");

    let m = messages("result_backend = 'redis://r/1'\nresult_expires = 0\n");
    assert_eq!(m.len(), 1, "{m:?}");
    assert!(m[0].1.starts_with("result_expires = 0:") && m[0].1.contains("checked on 5.7"), "{m:?}");
    assert!(m[0].1.contains("never expire") && m[0].1.contains("1-day default"), "{m:?}");

    let m = messages("q.enqueue(f, result_ttl=-1)\n");
    assert_eq!(m.len(), 1, "{m:?}");
    assert!(m[0].1.starts_with("result_ttl=-1:") && m[0].1.contains("RQ 1.0 .. 3.0"), "{m:?}");
    assert!(m[0].1.contains("never expire") && m[0].1.contains("positive"), "{m:?}");

    let m = messages(
        "CACHES = {'default': {'BACKEND': 'django.core.cache.backends.redis.RedisCache', 'OPTIONS': {'CULL_FREQUENCY': 2}}}\n",
    );
    assert_eq!(m.len(), 1, "{m:?}");
    assert_eq!(m[0].0, "django-redis-cache-max-entries");
    assert!(m[0].1.contains("TypeError"), "{m:?}");
}

#[test]
fn findings_point_at_the_setting() {
    let text = "CACHES = {'default': {'BACKEND': 'django_redis.cache.RedisCache', 'TIMEOUT': None}}\n";
    let r = lint_source("settings.py", Lang::Python, text);
    let Location::File { span, .. } = &r.findings[0].location else { panic!("not a file location") };
    assert_eq!(&text[span.start..span.end], "'TIMEOUT': None");

    let text = "q.enqueue(f, result_ttl=-1)\n";
    let r = lint_source("tasks.py", Lang::Python, text);
    let Location::File { span, .. } = &r.findings[0].location else { panic!("not a file location") };
    assert_eq!(&text[span.start..span.end], "result_ttl=-1");
}

#[test]
fn files_without_keywords_are_not_parsed() {
    assert!(!lint_engine::app::worth_parsing(Lang::Python, "import os\n\ndef main():\n    return 1\n"));
    assert!(lint_engine::app::worth_parsing(
        Lang::Python,
        "CACHES = {'default': {'BACKEND': 'django_redis.cache.RedisCache'}}"
    ));
    assert!(lint_engine::app::worth_parsing(Lang::Python, "CELERY_TASK_RESULT_EXPIRES = None"));
    assert!(lint_engine::app::worth_parsing(Lang::Python, "Worker(qs, default_result_ttl=-1)"));
}

/// Fragments that steer random text into the parser and the rules.
const PIECES: &[&str] = &[
    "CACHES = {",
    "'default': {",
    "\"BACKEND\": \"django_redis.cache.RedisCache\",",
    "'BACKEND': 'django.core.cache.backends.redis.RedisCache',",
    "\"TIMEOUT\": None,",
    "'OPTIONS': {'MAX_ENTRIES': 10},",
    "}",
    "}}\n",
    "CACHES['default']['TIMEOUT'] = None\n",
    "X.update(TIMEOUT=None)\n",
    "dict(BACKEND='django_redis.cache.RedisCache', TIMEOUT=None)",
    "app = Celery('p', backend='redis://r/1', result_expires=0)\n",
    "app.conf.update(result_expires=None)\n",
    "app.conf['result_expires'] = timedelta(seconds=0)\n",
    "result_backend = f'redis://{h}'\n",
    "q.enqueue(f, result_ttl=-1, failure_ttl='-9223372036854775808')\n",
    "@job('q', result_ttl=-0x10)\n",
    "Worker(default_result_ttl=--1)\n",
    "X = -9223372036854775808\n",
    "if a:\n    ",
    "else:\n    ",
    "def f(:\n",
    "\"\"\"",
    "'",
    "(",
    "\\",
    "\n",
    "é",
    "\u{0}",
];

fn assemble(pieces: &[(usize, String)]) -> String {
    pieces.iter().map(|(i, junk)| format!("{}{junk}", PIECES[i % PIECES.len()])).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_text_never_panics(pieces in prop::collection::vec((any::<usize>(), "\\PC{0,6}"), 0..40)) {
        let text = assemble(&pieces);
        let r = lint_source("settings.py", Lang::Python, &text);
        for f in r.findings {
            if let Location::File { span, .. } = f.location {
                prop_assert!(span.start <= span.end && span.end <= text.len());
            }
        }
    }

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let text = format!("result_ttl RedisCache {}", String::from_utf8_lossy(&bytes));
        let _ = lint_source("tasks.py", Lang::Python, &text);
    }
}

#[test]
fn deep_nesting_does_not_overflow_the_stack() {
    let deep = [
        format!("q.enqueue(f, result_ttl={}1)\n", "-".repeat(50_000)),
        format!("x = {}result_ttl\n", "(".repeat(20_000)),
        format!("x = {}result_ttl{}\n", "[".repeat(20_000), ")".repeat(20_000)),
        format!("q.enqueue(f, result_ttl={}-1{})\n", "(".repeat(20_000), ")".repeat(20_000)),
        format!("a{}['TIMEOUT'] = None  # RedisCache\n", ".b".repeat(50_000)),
        format!(
            "CACHES = {}'BACKEND': 'django_redis.cache.RedisCache', 'TIMEOUT': None{}\n",
            "{'x': ".repeat(5_000),
            "}".repeat(5_000)
        ),
    ];
    for text in deep {
        let _ = lint_source("settings.py", Lang::Python, &text);
    }
}
