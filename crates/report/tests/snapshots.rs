//! Every format over one shared finding set, snapshot-tested; SARIF also checked against the
//! official OASIS schema in testdata/sarif/.
//!
//! The set uses `memory-limit-missing` (in the catalog) and `test-only-*` ids (never in it), so
//! the snapshots do not change as rules are added; the parts of SARIF that do depend on the
//! catalog (`rules[]`, `ruleIndex`) are checked by assertions and redacted from the snapshot.

use std::sync::Arc;

use findings::{Finding, Location, Severity, Span};
use report::{Format, RenderContext, SourceMap, render};
use serde_json::Value;

const MANIFEST: &str = "\
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: cache
  annotations: {owner: \"équipe\", tier: cache}
spec:
  template:
    spec:
      containers:
        - name: redis
          image: redis:7.2
          resources:
            requests: {memory: 256Mi}
";

const REDIS_CONF: &str = "\
# Redis — production
bind 0.0.0.0
maxmemory-policy allkeys-lru
appendonly yes
";

const STDIN: &str = "maxmemory 0\n";

fn span_of(text: &str, needle: &str) -> Span {
    let start = text.find(needle).unwrap_or_else(|| panic!("{needle:?} not in fixture"));
    Span::new(start, start + needle.len())
}

fn sources() -> SourceMap {
    let mut map = SourceMap::default();
    map.insert("deploy/redis.yaml", Arc::from(MANIFEST));
    map.insert("redis/redis.conf", Arc::from(REDIS_CONF));
    map.insert("-", Arc::from(STDIN));
    map
}

/// The shared finding set, sorted as the engine sorts it.
fn shared_findings() -> Vec<Finding> {
    let manifest = |needle| Location::file("deploy/redis.yaml", span_of(MANIFEST, needle));
    let conf = |needle| Location::file("redis/redis.conf", span_of(REDIS_CONF, needle));
    let mut all = vec![
        // Multi-line span, a related place in the same file and one in another file.
        Finding::new(
            "memory-limit-missing",
            Severity::Error,
            "container `redis` has a memory request but no memory limit",
            manifest("resources:\n            requests: {memory: 256Mi}"),
            "StatefulSet/cache/redis",
        )
        .with_related(manifest("name: redis"), "container declared here")
        .with_related(conf("maxmemory-policy"), "this redis.conf has no maxmemory either"),
        // Info, with a non-ASCII character before the span on the same line.
        Finding::new(
            "test-only-info",
            Severity::Info,
            "annotation `tier` is not read by any chart",
            manifest("tier: cache"),
            "tier",
        ),
        // `%`, `,`, `:` and a newline in the message (GitHub escaping).
        Finding::new(
            "test-only-warning",
            Severity::Warning,
            "allkeys-lru may evict 100% of keys: queues, sessions\nand locks included",
            conf("allkeys-lru"),
            "maxmemory-policy",
        ),
        // A file whose text was not supplied, with a space in its path (URI encoding).
        Finding::new(
            "test-only-warning",
            Severity::Warning,
            "values file could not be read back",
            Location::file("charts/my chart/values.yaml", Span::new(10, 20)),
            "values",
        ),
        // Standard input.
        Finding::new(
            "test-only-info",
            Severity::Info,
            "maxmemory 0 means no limit",
            Location::file("-", span_of(STDIN, "0")),
            "maxmemory",
        ),
        // A live finding: no file at all.
        Finding::new(
            "memory-limit-missing",
            Severity::Error,
            "pod runs Redis without a memory limit",
            Location::Pod {
                namespace: "prod".into(),
                pod: "redis-0".into(),
                container: Some("redis".into()),
            },
            "prod/redis-0",
        )
        .with_related(
            Location::Key { target: "prod/redis-0".into(), db: 0, key: "bull:jobs:wait".into() },
            "largest key, 12 MB",
        ),
    ];
    all.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    all
}

fn ctx() -> RenderContext {
    RenderContext {
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        color: false,
        files_scanned: 4,
        notes: vec!["skipped dump.rdb: not UTF-8 text".to_string()],
    }
}

fn output(format: Format, findings: &[Finding], ctx: &RenderContext) -> String {
    let mut out = Vec::new();
    render(format, findings, &sources(), ctx, &mut out).unwrap_or_else(|e| panic!("render: {e}"));
    String::from_utf8(out).unwrap_or_else(|e| panic!("not UTF-8: {e}"))
}

/// Snapshot settings: the tool version becomes `[VERSION]`.
fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.add_filter(&regex_escape(env!("CARGO_PKG_VERSION")), "[VERSION]");
    s
}

fn regex_escape(s: &str) -> String {
    s.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_string() } else { format!("\\{c}") }).collect()
}

#[test]
fn pretty() {
    let text = output(Format::Pretty, &shared_findings(), &ctx());
    settings().bind(|| insta::assert_snapshot!(text));
}

#[test]
fn pretty_color_only_when_asked() {
    let plain = output(Format::Pretty, &shared_findings(), &ctx());
    assert!(!plain.contains('\u{1b}'));
    let colored = output(Format::Pretty, &shared_findings(), &RenderContext { color: true, ..ctx() });
    assert!(colored.contains('\u{1b}'));
}

#[test]
fn pretty_empty() {
    let ctx = RenderContext { notes: Vec::new(), ..ctx() };
    assert_eq!(output(Format::Pretty, &[], &ctx), "No problems found in 4 files.\n");
}

#[test]
fn json() {
    let text = output(Format::Json, &shared_findings(), &ctx());
    let parsed: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("json: {e}"));
    assert_eq!(parsed["schema_version"], 1);
    settings().bind(|| insta::assert_snapshot!(text));
}

#[test]
fn github() {
    let text = output(Format::Github, &shared_findings(), &ctx());
    let warning = text.lines().find(|l| l.contains("allkeys-lru")).unwrap_or_default();
    assert!(
        warning.ends_with("::allkeys-lru may evict 100%25 of keys: queues, sessions%0Aand locks included")
    );
    assert!(warning.contains("title=redis-audit (test-only-warning)"));
    settings().bind(|| insta::assert_snapshot!(text));
}

#[test]
fn github_caps_annotations_per_type() {
    let conf = Location::file("redis/redis.conf", span_of(REDIS_CONF, "bind"));
    let errors: Vec<Finding> = (0..25)
        .map(|i| {
            Finding::new(
                "memory-limit-missing",
                Severity::Error,
                format!("problem {i}"),
                conf.clone(),
                &i.to_string(),
            )
        })
        .collect();
    let text = output(Format::Github, &errors, &ctx());
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.iter().filter(|l| l.starts_with("::error ")).count(), 10);
    assert!(lines[9].ends_with("::problem 9"), "errors keep their order: {}", lines[9]);
    assert_eq!(
        lines[10],
        "::notice title=redis-audit::redis-audit: 15 more findings not shown as annotations \
         (GitHub shows at most 10 per type per step); see the full list with --format pretty or sarif."
    );
    assert_eq!(lines[11], "redis-audit: Found 25 problems (25 errors) in 4 files.");
    assert!(lines.iter().filter(|l| l.starts_with("::notice")).count() <= 10);

    // With something hidden, one notice slot is kept for the summary.
    let mut mixed = errors;
    mixed.extend((0..12).map(|i| {
        Finding::new("test-only-info", Severity::Info, format!("info {i}"), conf.clone(), &i.to_string())
    }));
    let text = output(Format::Github, &mixed, &ctx());
    assert_eq!(text.lines().filter(|l| l.starts_with("::notice")).count(), 10);
    assert!(text.contains("::redis-audit: 18 more findings"));
}

/// SARIF output, after checking what depends on the catalog (`rules[]`, `ruleIndex`).
fn sarif_checked(findings: &[Finding]) -> (String, Value) {
    let text = output(Format::Sarif, findings, &ctx());
    let log: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("sarif: {e}"));
    let catalog = findings::catalog();
    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().cloned().unwrap_or_default();
    assert_eq!(rules.len(), catalog.rules().len(), "rules[] is the whole catalog");
    for (rule, descriptor) in catalog.rules().iter().zip(&rules) {
        assert_eq!(descriptor["id"], rule.id.as_str());
    }
    for result in run["results"].as_array().into_iter().flatten() {
        let id = result["ruleId"].as_str().unwrap_or_default();
        match catalog.index_of(id) {
            Some(i) => {
                assert_eq!(result["ruleIndex"], i);
                assert_eq!(rules[i]["id"], id);
            }
            None => assert!(result.get("ruleIndex").is_none(), "{id}: no index when not in catalog"),
        }
    }
    (text, log)
}

/// Snapshot settings for SARIF: the catalog-dependent parts, checked by `sarif_checked`, are
/// redacted so that adding a rule does not change these snapshots.
fn sarif_settings() -> insta::Settings {
    let mut s = settings();
    // `rules` is the last field of `driver`, whose fields are indented by 10 spaces.
    s.add_filter(
        r#"(?s)"rules": \[\n.*?\n {10}\]"#,
        r#""rules": "[the whole catalog, checked by the test]""#,
    );
    s.add_filter(r#""ruleIndex": \d+"#, r#""ruleIndex": "[catalog index]""#);
    s
}

#[test]
fn sarif() {
    let (text, _) = sarif_checked(&shared_findings());
    sarif_settings().bind(|| insta::assert_snapshot!(text));
}

#[test]
fn sarif_empty() {
    let (text, log) = sarif_checked(&[]);
    assert_eq!(log["runs"][0]["results"], Value::Array(Vec::new()));
    sarif_settings().bind(|| insta::assert_snapshot!(text));
}

#[test]
fn sarif_rule_descriptor() {
    let text = output(Format::Sarif, &[], &ctx());
    let log: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("sarif: {e}"));
    let rules = log["runs"][0]["tool"]["driver"]["rules"].as_array().cloned().unwrap_or_default();
    let rule = rules.iter().find(|r| r["id"] == "memory-limit-missing").cloned().unwrap_or_default();
    assert_eq!(rule["name"], "MemoryLimitMissing");
    assert_eq!(rule["defaultConfiguration"]["level"], "error");
    assert_eq!(rule["properties"]["problem.severity"], "error");
    assert_eq!(rule["properties"]["tags"][0], "redis");
    assert!(rule["help"]["markdown"].as_str().unwrap_or_default().contains("# memory-limit-missing"));
    for r in &rules {
        for field in ["shortDescription", "fullDescription"] {
            assert!(r[field]["text"].as_str().unwrap_or_default().chars().count() <= 1024);
        }
    }
}

#[test]
fn sarif_is_valid_against_the_official_schema() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/sarif/sarif-schema-2.1.0.json");
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}")))
            .unwrap_or_else(|e| panic!("{path}: {e}"));
    assert!(schema["id"].as_str().unwrap_or_default().contains("2.1.0"));
    // As published (draft-04), and again as draft-07 with format checks on, because draft-04
    // knows no `uri-reference` format and would not check `artifactLocation.uri`.
    let as_published = jsonschema::validator_for(&schema).unwrap_or_else(|e| panic!("schema: {e}"));
    let strict = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .should_validate_formats(true)
        .build(&schema)
        .unwrap_or_else(|e| panic!("schema: {e}"));
    for findings in [shared_findings(), Vec::new()] {
        let text = output(Format::Sarif, &findings, &ctx());
        let log: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("sarif: {e}"));
        for validator in [&as_published, &strict] {
            let errors: Vec<String> =
                validator.iter_errors(&log).map(|e| format!("{} at {}", e, e.instance_path())).collect();
            assert!(errors.is_empty(), "SARIF does not match the schema:\n{}", errors.join("\n"));
        }
    }
}

#[test]
fn schema_rejects_a_broken_log() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/sarif/sarif-schema-2.1.0.json");
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap_or_default()).unwrap_or_default();
    let validator = jsonschema::validator_for(&schema).unwrap_or_else(|e| panic!("schema: {e}"));
    let text = output(Format::Sarif, &shared_findings(), &ctx());
    let mut log: Value = serde_json::from_str(&text).unwrap_or_default();
    log["runs"][0]["results"][0]["level"] = "fatal".into();
    assert!(!validator.is_valid(&log), "the schema check must be able to fail");
}

#[test]
fn odd_spans_and_texts_do_not_panic() {
    let mut map = SourceMap::default();
    map.insert("crlf.conf", Arc::from("a 1\r\nmaxmemory 1gb\r\n"));
    map.insert("empty.yaml", Arc::from(""));
    map.insert("multi.yaml", Arc::from("é€😀\n"));
    let f = |path: &str, start, end| {
        Finding::new("test-only-info", Severity::Info, "m", Location::file(path, Span { start, end }), "x")
    };
    let findings = vec![
        f("crlf.conf", 5, 20),
        f("crlf.conf", 19, 19),
        f("crlf.conf", 7, 3),
        f("empty.yaml", 0, 0),
        f("empty.yaml", 5, 9),
        f("multi.yaml", 1, 4),
        f("multi.yaml", 100, 200),
    ];
    for format in [Format::Pretty, Format::Json, Format::Sarif, Format::Github] {
        let mut out = Vec::new();
        render(format, &findings, &map, &ctx(), &mut out).unwrap_or_else(|e| panic!("{format:?}: {e}"));
        assert!(!out.is_empty());
    }
    let mut out = Vec::new();
    render(Format::Json, &findings[..1], &map, &ctx(), &mut out).unwrap_or_else(|e| panic!("{e}"));
    let log: Value = serde_json::from_slice(&out).unwrap_or_default();
    // The whole of line 2 with its `\r\n`: ends on line 2, the line break not counted.
    assert_eq!(log["findings"][0]["start"], serde_json::json!({"line": 2, "column": 1}));
    assert_eq!(log["findings"][0]["end"], serde_json::json!({"line": 2, "column": 14}));
}
