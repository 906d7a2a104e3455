//! `--format json`: a stable, documented schema (docs/output-json.md), version 1.
//!
//! The structs below *are* the schema: field order is declaration order, every key is always
//! present (`null` when not applicable), and within `schema_version` 1 fields are only ever
//! added. Do not reuse `findings::Finding`'s own serde form here: that type may change freely.

use std::io::{self, Write};

use findings::{Finding, Location, Span};
use serde::Serialize;

use crate::position::{Counts, Positions, TOOL_NAME};
use crate::{RenderContext, SourceMap};

/// Bumped only for an incompatible change (a field removed, renamed or retyped).
const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Serialize)]
struct Output<'a> {
    schema_version: u32,
    tool: Tool<'a>,
    summary: Summary,
    findings: Vec<JsonFinding<'a>>,
    notes: &'a [String],
}

#[derive(Debug, Serialize)]
struct Tool<'a> {
    name: &'static str,
    version: &'a str,
}

#[derive(Debug, Serialize)]
struct Summary {
    files_scanned: usize,
    findings: usize,
    by_severity: BySeverity,
}

#[derive(Debug, Serialize)]
struct BySeverity {
    error: usize,
    warning: usize,
    info: usize,
}

#[derive(Debug, Serialize)]
struct JsonFinding<'a> {
    rule: &'a str,
    severity: &'static str,
    message: &'a str,
    #[serde(flatten)]
    place: Place<'a>,
    fingerprint: &'a str,
    help_uri: Option<String>,
    related: Vec<JsonRelated<'a>>,
}

#[derive(Debug, Serialize)]
struct JsonRelated<'a> {
    #[serde(flatten)]
    place: Place<'a>,
    message: &'a str,
}

/// Where something is: a file region (`path`, `start`, `end`) or a live `target`.
#[derive(Debug, Serialize)]
struct Place<'a> {
    path: Option<&'a str>,
    start: Option<Position>,
    end: Option<Position>,
    target: Option<Target<'a>>,
}

/// 1-based line and column; the column counts Unicode code points.
#[derive(Debug, Serialize)]
struct Position {
    line: usize,
    column: usize,
}

#[derive(Debug, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
enum Target<'a> {
    Pod { namespace: &'a str, pod: &'a str, container: Option<&'a str> },
    Key { target: &'a str, db: u32, key: &'a str },
    Server { target: &'a str },
}

pub(crate) fn render(
    findings: &[Finding],
    sources: &SourceMap,
    ctx: &RenderContext,
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut positions = Positions::new(sources);
    let counts = Counts::of(findings);
    let output = Output {
        schema_version: SCHEMA_VERSION,
        tool: Tool { name: TOOL_NAME, version: &ctx.tool_version },
        summary: Summary {
            files_scanned: ctx.files_scanned,
            findings: findings.len(),
            by_severity: BySeverity { error: counts.error, warning: counts.warning, info: counts.info },
        },
        findings: findings.iter().map(|f| finding(f, &mut positions)).collect(),
        notes: &ctx.notes,
    };
    serde_json::to_writer_pretty(&mut *out, &output).map_err(io::Error::from)?;
    writeln!(out)
}

fn finding<'a>(f: &'a Finding, positions: &mut Positions<'_>) -> JsonFinding<'a> {
    JsonFinding {
        rule: &f.rule,
        severity: f.severity.as_str(),
        message: &f.message,
        place: place(&f.location, positions),
        fingerprint: &f.fingerprint,
        help_uri: findings::catalog().get(&f.rule).map(|r| r.help_uri()),
        related: f
            .related
            .iter()
            .map(|r| JsonRelated { place: place(&r.location, positions), message: &r.message })
            .collect(),
    }
}

fn place<'a>(location: &'a Location, positions: &mut Positions<'_>) -> Place<'a> {
    match location {
        Location::File { path, span } => {
            let (start, end) = file_positions(path, *span, positions);
            Place { path: Some(path), start, end, target: None }
        }
        Location::Pod { namespace, pod, container } => Place {
            path: None,
            start: None,
            end: None,
            target: Some(Target::Pod { namespace, pod, container: container.as_deref() }),
        },
        Location::Key { target, db, key } => {
            Place { path: None, start: None, end: None, target: Some(Target::Key { target, db: *db, key }) }
        }
        Location::Server { target } => {
            Place { path: None, start: None, end: None, target: Some(Target::Server { target }) }
        }
    }
}

/// `start`/`end` of a span, both `None` when the file's text was not available.
fn file_positions(
    path: &str,
    span: Span,
    positions: &mut Positions<'_>,
) -> (Option<Position>, Option<Position>) {
    match positions.region(path, span) {
        Some(r) => (
            Some(Position { line: r.start.line, column: r.start.column }),
            Some(Position { line: r.end.line, column: r.end.column }),
        ),
        None => (None, None),
    }
}
