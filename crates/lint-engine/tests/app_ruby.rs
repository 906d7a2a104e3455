//! Ruby rules over the fixtures in `testdata/app/ruby/`: each expected finding is marked
//! inline (`# expect: rule-a, rule-b`, or `rule(info)` to check the severity) at the end of the
//! flagged line or on a comment-only line just above it. Every finding must be expected and
//! every expectation found. Files named `broken*.rb` must also give a `parse-error`.

use std::{collections::BTreeMap, path::Path};

use lint_engine::app::{Lang, lint_source};
use proptest::prelude::*;

const MARK: &str = "# expect:";

/// line (1-based) -> expected rules.
fn expectations(text: &str) -> BTreeMap<usize, Vec<String>> {
    let mut out: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    let lines: Vec<&str> = text.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let Some(pos) = line.find(MARK) else { continue };
        let rules =
            line[pos + MARK.len()..].split(',').map(|r| r.trim().to_string()).filter(|r| !r.is_empty());
        let target = if line[..pos].trim().is_empty() {
            (i + 1..lines.len()).find(|j| !lines[*j].trim_start().starts_with('#')).unwrap_or(i)
        } else {
            i
        };
        out.entry(target + 1).or_default().extend(rules);
    }
    for v in out.values_mut() {
        v.sort();
    }
    out
}

/// line -> rules found (with the severity where the expectation states one).
fn actual(
    text: &str,
    path: &str,
    expected: &BTreeMap<usize, Vec<String>>,
) -> (BTreeMap<usize, Vec<String>>, usize) {
    let mut out: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    let mut parse_errors = 0;
    for f in lint_source(path, Lang::Ruby, text).findings {
        if f.rule == "parse-error" {
            parse_errors += 1;
            continue;
        }
        let findings::Location::File { span, .. } = &f.location else { continue };
        let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
        let with_sev = format!("{}({})", f.rule, f.severity);
        let wanted = expected.get(&line).is_some_and(|w| w.contains(&with_sev));
        out.entry(line).or_default().push(if wanted { with_sev } else { f.rule.clone() });
    }
    for v in out.values_mut() {
        v.sort();
    }
    (out, parse_errors)
}

#[test]
fn ruby_fixtures() {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/app/ruby"));
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("testdata/app/ruby")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(files.len() >= 5, "fixtures found: {}", files.len());
    let mut failures = Vec::new();
    for file in files {
        let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let text = std::fs::read_to_string(&file).expect("readable fixture");
        let expected = expectations(&text);
        let (got, parse_errors) = actual(&text, &format!("config/{name}"), &expected);
        if got != expected {
            failures.push(format!("{name}:\n  expected {expected:?}\n  got      {got:?}"));
        }
        if (parse_errors > 0) != name.starts_with("broken") {
            failures.push(format!("{name}: {parse_errors} parse-error findings"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn rules_of(text: &str) -> Vec<(String, String)> {
    lint_source("config/initializers/x.rb", Lang::Ruby, text)
        .findings
        .into_iter()
        .map(|f| (f.rule, f.message))
        .collect()
}

#[test]
fn files_without_keywords_are_not_parsed() {
    // Broken Ruby, but no keyword: no parse, so no parse-error either.
    let r = lint_source("app/models/user.rb", Lang::Ruby, "class User < ApplicationRecord\n  def (\nend\n");
    assert!(r.findings.is_empty(), "{:?}", r.findings);
    assert!(r.notes.is_empty());
}

#[test]
fn messages_state_the_numbers() {
    let found = rules_of("class J\n  sidekiq_options retry: 30\nend\n");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].1.contains("51.7 days"), "{}", found[0].1);
    assert!(found[0].1.contains("20.4 days"), "{}", found[0].1);

    let found = rules_of("Sidekiq.configure_server { |c| c[:dead_timeout] = 60 }\n");
    assert!(found[0].1.contains("`dead_timeout_in_seconds`"), "{}", found[0].1);

    let found = rules_of("Sidekiq.configure_server { |c| c[:dead_timeout_in_seconds] = 3.years }\n");
    assert_eq!(found[0].0, "sidekiq-dead-limit-raised");
    assert!(found[0].1.contains("3.0 years") && found[0].1.contains("180.0 days"), "{}", found[0].1);

    let found = rules_of("Sidekiq.options[:concurrency] = 5\n");
    assert_eq!(found[0].0, "sidekiq-options-api-removed");
    assert!(found[0].1.contains("removed in Sidekiq 7.0"), "{}", found[0].1);
}

#[test]
fn findings_point_at_the_key_or_value() {
    let text = "Sidekiq.configure_server do |config|\n  config[:dead_timeout] = 60\nend\n";
    let r = lint_source("s.rb", Lang::Ruby, text);
    let findings::Location::File { span, .. } = &r.findings[0].location else { panic!("file location") };
    assert_eq!(&text[span.start..span.end], ":dead_timeout");
}

#[test]
fn shadowed_block_parameter_is_not_sidekiq_config() {
    let text = "Sidekiq.configure_server do |config|\n  other.each do |config|\n    config[:dead_timeout] = 1\n  end\nend\n";
    assert!(rules_of(text).is_empty());
}

const PIECES: &[&str] = &[
    "Sidekiq.configure_server do |config|\n",
    "config[:dead_timeout] = ",
    "config.options[:dead_max_jobs] = ",
    "Sidekiq.options = {",
    "config.merge!(",
    "sidekiq_options retry: ",
    "config.cache_store = :redis_cache_store, {",
    "config.session_store :redis_session_store, redis: {",
    "config.session_store :cache_store",
    "ActiveSupport::Cache::RedisCacheStore.new(",
    "expires_in: ",
    "1_000_000",
    "2**128",
    "-0x_",
    "nil",
    "Float::INFINITY",
    "30.days",
    "(((",
    "}",
    ")",
    "end\n",
    "\n",
    ", ",
    "\"\u{e9}",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_text_never_panics(prefix in prop::sample::select(PIECES), body in ".{0,200}") {
        let text = format!("Sidekiq sidekiq_options redis_cache_store session_store\n{prefix}{body}");
        let _ = lint_source("config/initializers/x.rb", Lang::Ruby, &text);
    }

    #[test]
    fn pieces_in_any_order_never_panic(parts in prop::collection::vec(prop::sample::select(PIECES), 0..40)) {
        let text = parts.concat();
        let r = lint_source("config/initializers/x.rb", Lang::Ruby, &text);
        for f in r.findings {
            if let findings::Location::File { span, .. } = f.location {
                prop_assert!(span.start <= span.end && span.end <= text.len());
            }
        }
    }
}

/// `config/sidekiq.yml` (`testdata/app/ruby/sidekiq_yml/`): the same `# expect:` marks, linted
/// through the engine as YAML under the name Sidekiq's CLI looks for.
#[test]
fn sidekiq_yml_fixtures() {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/app/ruby/sidekiq_yml"));
    let mut files: Vec<_> =
        std::fs::read_dir(dir).expect("testdata/app/ruby/sidekiq_yml").flatten().map(|e| e.path()).collect();
    files.sort();
    assert!(files.len() >= 2, "fixtures found: {}", files.len());
    let mut failures = Vec::new();
    for file in files {
        let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let text = std::fs::read_to_string(&file).expect("readable fixture");
        let expected = expectations(&text);
        let mut got: BTreeMap<usize, Vec<String>> = BTreeMap::new();
        for f in sidekiq_yml("config/sidekiq.yml", &text) {
            let findings::Location::File { span, .. } = &f.location else { continue };
            let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
            got.entry(line).or_default().push(f.rule.clone());
        }
        if got != expected {
            failures.push(format!("{name}:\n  expected {expected:?}\n  got      {got:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn sidekiq_yml(path: &str, text: &str) -> Vec<findings::Finding> {
    let inputs =
        [lint_engine::Input { path: path.to_string(), text: std::sync::Arc::from(text), explicit: false }];
    lint_engine::lint(&inputs, &lint_engine::config::Config::default()).findings
}

#[test]
fn sidekiq_yml_keys_with_or_without_colon_and_spans() {
    for key in [":dead_timeout", "dead_timeout"] {
        let text = format!("---\n{key}: 60\n");
        let found = sidekiq_yml("config/sidekiq.yml", &text);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].rule, "sidekiq-option-unknown");
        assert!(found[0].message.contains("`dead_timeout_in_seconds`"), "{}", found[0].message);
        let findings::Location::File { span, .. } = &found[0].location else { panic!("file location") };
        assert_eq!(&text[span.start..span.end], key);
    }
    let text = ":dead_timeout_in_seconds: 94_608_000\n";
    let found = sidekiq_yml("sidekiq.yaml", text);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].message.contains("3.0 years"), "{}", found[0].message);
    let findings::Location::File { span, .. } = &found[0].location else { panic!("file location") };
    assert_eq!(&text[span.start..span.end], "94_608_000");
    // Null is not "no limit"; an empty value points at its key.
    let text = ":dead_max_jobs:\n";
    let found = sidekiq_yml("config/sidekiq.yml", text);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].message.contains("nil"), "{}", found[0].message);
    // Other YAML files are not Sidekiq's, nor are nested maps below an environment.
    assert!(sidekiq_yml("config/other.yml", ":dead_timeout: 60\n").is_empty());
    assert!(sidekiq_yml("config/sidekiq.yml", "production:\n  nested:\n    dead_timeout: 60\n").is_empty());
    // Octal-looking, `+.inf`, trailing underscores: not what they seem to Psych, not judged.
    for v in ["0777777", "+.inf", "500000_", "1_000_"] {
        assert!(
            sidekiq_yml("config/sidekiq.yml", &format!(":max_retries: {v}\n:dead_max_jobs: {v}\n"))
                .is_empty(),
            "{v}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn sidekiq_yml_never_panics(body in ".{0,200}") {
        let text = format!(":dead_max_jobs: {body}\nproduction:\n  :max_retries: {body}\n");
        for f in sidekiq_yml("config/sidekiq.yml", &text) {
            if let findings::Location::File { span, .. } = f.location {
                prop_assert!(span.start <= span.end && span.end <= text.len());
            }
        }
    }
}
