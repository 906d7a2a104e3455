//! `--format sarif`: SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.
//!
//! Hand-written serde structs for the subset we fill in (the OASIS schema in
//! testdata/sarif/ checks them in tests). What GitHub needs and why the choices below
//! (shared/reference/k8s-lint-anchors.md §3.2):
//! - `rules[]` is the whole catalog, so `ruleIndex` is the catalog index; an id missing from the
//!   catalog gets no `ruleIndex` rather than a wrong one.
//! - URIs are relative, `/`-separated and percent-encoded, with `uriBaseId: %SRCROOT%`; GitHub
//!   reads relative URIs as relative to the repository root. `originalUriBaseIds` describes
//!   `%SRCROOT%` without a `uri`: SARIF §3.14.14 allows omitting it so the log stays
//!   deterministic and leaks no home directory, and `file:///` would claim the wrong root.
//! - `results` is always present, `[]` when empty (kube-linter #213 broke uploads by omitting it).
//! - `columnKind` is explicit: columns count code points.

use std::collections::BTreeMap;
use std::io::{self, Write};

use findings::{Finding, Location, Rule, Severity};
use serde::Serialize;

use crate::position::{Positions, STDIN_PATH, TOOL_NAME};
use crate::{RenderContext, SourceMap};

const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const INFORMATION_URI: &str = "https://github.com/redis-audit/redis-audit";
const SRCROOT: &str = "%SRCROOT%";
/// Key of our own stable fingerprint in `partialFingerprints` (GitHub keeps it and adds its own
/// `primaryLocationLineHash`).
const FINGERPRINT_KEY: &str = "redisAudit/v1";
/// GitHub's limit for `shortDescription` and `fullDescription`.
const MAX_DESCRIPTION_CHARS: usize = 1024;

#[derive(Debug, Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool<'a>,
    invocations: [Invocation<'a>; 1],
    original_uri_base_ids: BTreeMap<&'static str, BaseId>,
    column_kind: &'static str,
    results: Vec<SarifResult<'a>>,
}

#[derive(Debug, Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'static str,
    version: &'a str,
    semantic_version: &'a str,
    information_uri: &'static str,
    rules: Vec<Descriptor<'a>>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Descriptor<'a> {
    id: &'a str,
    name: String,
    short_description: Text,
    full_description: Text,
    help: Help,
    help_uri: String,
    default_configuration: Configuration,
    properties: RuleProperties<'a>,
}

#[derive(Debug, Serialize)]
struct Text {
    text: String,
}

#[derive(Debug, Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Debug, Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Debug, Serialize)]
struct RuleProperties<'a> {
    tags: Vec<&'a str>,
    precision: &'static str,
    #[serde(rename = "problem.severity")]
    problem_severity: &'static str,
}

#[derive(Debug, Serialize)]
struct BaseId {
    description: Text,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation<'a> {
    execution_successful: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tool_execution_notifications: Vec<Notification<'a>>,
}

#[derive(Debug, Serialize)]
struct Notification<'a> {
    message: Message<'a>,
    level: &'static str,
}

#[derive(Debug, Serialize)]
struct Message<'a> {
    text: &'a str,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
    level: &'static str,
    message: Message<'a>,
    locations: [SarifLocation<'a>; 1],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<SarifLocation<'a>>,
    partial_fingerprints: BTreeMap<&'static str, &'a str>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifLocation<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    physical_location: Option<PhysicalLocation>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    logical_locations: Vec<LogicalLocation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Message<'a>>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<Text>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    start_column: usize,
    end_line: usize,
    end_column: usize,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct LogicalLocation {
    name: String,
    fully_qualified_name: String,
    kind: &'static str,
}

pub(crate) fn render(
    findings: &[Finding],
    sources: &SourceMap,
    ctx: &RenderContext,
    out: &mut dyn Write,
) -> io::Result<()> {
    let catalog = findings::catalog();
    let mut positions = Positions::new(sources);
    let log = Log {
        schema: SCHEMA_URI,
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: TOOL_NAME,
                    version: &ctx.tool_version,
                    semantic_version: &ctx.tool_version,
                    information_uri: INFORMATION_URI,
                    rules: catalog.rules().iter().map(descriptor).collect(),
                },
            },
            invocations: [Invocation {
                execution_successful: true,
                tool_execution_notifications: ctx
                    .notes
                    .iter()
                    .map(|n| Notification { message: Message { text: n }, level: "note" })
                    .collect(),
            }],
            original_uri_base_ids: BTreeMap::from([(
                SRCROOT,
                BaseId {
                    description: Text {
                        text: "The directory redis-audit ran in (the repository root in CI).".to_string(),
                    },
                },
            )]),
            column_kind: "unicodeCodePoints",
            results: findings.iter().map(|f| result(f, &mut positions)).collect(),
        }],
    };
    serde_json::to_writer_pretty(&mut *out, &log).map_err(io::Error::from)?;
    writeln!(out)
}

fn descriptor(rule: &Rule) -> Descriptor<'_> {
    let help_uri = rule.help_uri();
    // GitHub does not show `helpUri`, so the Markdown help links the page itself.
    let markdown = format!("{}\n[Rule documentation]({help_uri})\n", rule.markdown());
    // The schema wants unique tags.
    let mut tags = vec!["redis"];
    for kind in &rule.applies_to {
        if !tags.contains(&kind.as_str()) {
            tags.push(kind);
        }
    }
    Descriptor {
        id: &rule.id,
        name: camel_case(&rule.id),
        short_description: Text { text: truncate(rule.summary.trim(), MAX_DESCRIPTION_CHARS) },
        full_description: Text { text: truncate(&unwrap_lines(&rule.rationale), MAX_DESCRIPTION_CHARS) },
        help: Help {
            text: format!("{}\n\nFix: {}", unwrap_lines(&rule.rationale), unwrap_lines(&rule.fix)),
            markdown,
        },
        help_uri,
        default_configuration: Configuration { level: level(rule.severity) },
        properties: RuleProperties {
            tags,
            precision: "high",
            problem_severity: match rule.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Info => "recommendation",
            },
        },
    }
}

fn result<'a>(f: &'a Finding, positions: &mut Positions<'_>) -> SarifResult<'a> {
    SarifResult {
        rule_id: &f.rule,
        rule_index: findings::catalog().index_of(&f.rule),
        level: level(f.severity),
        message: Message { text: &f.message },
        locations: [location(&f.location, positions)],
        related_locations: f
            .related
            .iter()
            .enumerate()
            .map(|(i, r)| SarifLocation {
                id: Some(i + 1),
                message: Some(Message { text: &r.message }),
                ..location(&r.location, positions)
            })
            .collect(),
        partial_fingerprints: BTreeMap::from([(FINGERPRINT_KEY, f.fingerprint.as_str())]),
    }
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// A file region, or for live findings a logical location (SARIF has no pod or key kind, so
/// both are `resource`s named by their full path).
fn location<'a>(location: &Location, positions: &mut Positions<'_>) -> SarifLocation<'a> {
    let (physical, logical) = match location {
        Location::File { path, span } => {
            let region = positions.region(path, *span).map(|r| Region {
                start_line: r.start.line,
                start_column: r.start.column,
                end_line: r.end.line,
                end_column: r.end.column,
            });
            (Some(PhysicalLocation { artifact_location: artifact(path), region }), Vec::new())
        }
        Location::Pod { namespace, pod, container } => {
            let mut fqn = format!("{namespace}/{pod}");
            if let Some(c) = container {
                fqn.push('/');
                fqn.push_str(c);
            }
            let name = container.clone().unwrap_or_else(|| pod.clone());
            (None, vec![LogicalLocation { name, fully_qualified_name: fqn, kind: "resource" }])
        }
        Location::Key { target, db, key } => {
            let fqn = format!("{target}/{db}/{key}");
            (None, vec![LogicalLocation { name: key.clone(), fully_qualified_name: fqn, kind: "resource" }])
        }
        Location::Server { target } => (
            None,
            vec![LogicalLocation {
                name: target.clone(),
                fully_qualified_name: target.clone(),
                kind: "resource",
            }],
        ),
    };
    SarifLocation { id: None, physical_location: physical, logical_locations: logical, message: None }
}

/// The artifact for a path as the user gave it.
fn artifact(path: &str) -> ArtifactLocation {
    if path == STDIN_PATH {
        // Standard input has no file; a bare relative reference keeps the log valid and is not
        // claimed to be under the source root.
        return ArtifactLocation {
            uri: "stdin".to_string(),
            uri_base_id: None,
            description: Some(Text { text: "standard input".to_string() }),
        };
    }
    let path = path.replace('\\', "/");
    let bytes = path.as_bytes();
    let is_drive = bytes.len() > 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' && bytes[2] == b'/';
    if path.starts_with('/') || is_drive {
        // Absolute: a file URI; GitHub makes it relative to the checkout.
        let (prefix, rest) = if is_drive { path.split_at(2) } else { ("", path.as_str()) };
        let slash = if is_drive { "/" } else { "" };
        return ArtifactLocation {
            uri: format!("file://{slash}{prefix}{}", encode_path(rest)),
            uri_base_id: None,
            description: None,
        };
    }
    let relative = path.trim_start_matches("./");
    ArtifactLocation { uri: encode_path(relative), uri_base_id: Some(SRCROOT), description: None }
}

/// Percent-encodes everything but RFC 3986 unreserved characters and `/`. Encoding `:` as well
/// keeps a first segment such as `a:b.yaml` from reading as a URI scheme.
fn encode_path(path: &str) -> String {
    let mut uri = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            uri.push(char::from(b));
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    uri
}

/// `memory-limit-missing` -> `MemoryLimitMissing`.
fn camel_case(id: &str) -> String {
    id.split('-')
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map(|c| c.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
        })
        .collect()
}

/// Joins the hard-wrapped lines of a YAML block into paragraphs (plain-text viewers wrap
/// themselves); blank lines still separate paragraphs.
fn unwrap_lines(text: &str) -> String {
    text.trim()
        .split("\n\n")
        .map(|para| para.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// At most `max` characters, ending in `…` when cut.
fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris() {
        assert_eq!(artifact("deploy/redis values.yaml").uri, "deploy/redis%20values.yaml");
        assert_eq!(artifact("./a:b#c%.yaml").uri, "a%3Ab%23c%25.yaml");
        assert_eq!(artifact("charts\\ü.yaml").uri, "charts/%C3%BC.yaml");
        assert_eq!(artifact("/srv/x y.conf").uri, "file:///srv/x%20y.conf");
        assert_eq!(artifact("C:\\r\\a.conf").uri, "file:///C:/r/a.conf");
        assert!(artifact("/abs").uri_base_id.is_none());
        assert_eq!(artifact("-").uri, "stdin");
    }

    #[test]
    fn names_and_truncation() {
        assert_eq!(camel_case("memory-limit-missing"), "MemoryLimitMissing");
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("abc", 4), "abc");
        assert_eq!(unwrap_lines("a\nb  c\n\nd\n"), "a b c\n\nd");
    }
}
