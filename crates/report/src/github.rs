//! `--format github`: GitHub Actions workflow commands, which become annotations in the run log
//! and on a pull request's "Files changed" tab. Works without code scanning (private repos
//! without Advanced Security).
//!
//! Syntax and escaping follow actions/toolkit `packages/core/src/command.ts`; the limits are
//! GitHub's (actions/toolkit `docs/problem-matchers.md`): at most 10 annotations of each type
//! (error, warning, notice) per step, and extras are dropped without a word. So errors come first,
//! at most 10 of each type are emitted, and anything left out is counted in a closing notice.

use std::io::{self, Write};

use findings::{Finding, Location, Severity};

use crate::position::{Positions, STDIN_PATH, TOOL_NAME, describe_target, summary_sentence};
use crate::{RenderContext, SourceMap};

/// Annotations GitHub shows per type per step.
const MAX_PER_TYPE: usize = 10;

pub(crate) fn render(
    findings: &[Finding],
    sources: &SourceMap,
    ctx: &RenderContext,
    out: &mut dyn Write,
) -> io::Result<()> {
    let of = |s: Severity| findings.iter().filter(move |f| f.severity == s);
    let overflow = Severity::ALL.iter().any(|s| of(*s).count() > MAX_PER_TYPE);
    // The "N more" message is itself a notice. A plain log line would be safe from the cap but
    // seen only by whoever opens the raw log; a notice also shows on the run summary and the PR.
    // To keep the cap from swallowing it, one notice slot is kept free whenever anything is
    // left out (so at most 9 info findings become annotations then).
    let notice_cap = if overflow { MAX_PER_TYPE - 1 } else { MAX_PER_TYPE };

    let mut positions = Positions::new(sources);
    let mut shown = 0;
    for severity in Severity::ALL {
        let cap = if severity == Severity::Info { notice_cap } else { MAX_PER_TYPE };
        for finding in of(severity).take(cap) {
            writeln!(out, "{}", command(finding, &mut positions))?;
            shown += 1;
        }
    }

    let hidden = findings.len() - shown;
    if hidden > 0 {
        let text = format!(
            "{TOOL_NAME}: {hidden} more finding{} not shown as annotations (GitHub shows at most \
             {MAX_PER_TYPE} per type per step); see the full list with --format pretty or sarif.",
            if hidden == 1 { "" } else { "s" },
        );
        writeln!(out, "::notice title={}::{}", escape_property(TOOL_NAME), escape_data(&text))?;
    }
    // Plain lines: shown in the log only, never counted as annotations.
    writeln!(out, "{TOOL_NAME}: {}", summary_sentence(findings, ctx.files_scanned))?;
    for note in &ctx.notes {
        writeln!(out, "{TOOL_NAME}: note: {}", note.replace(['\r', '\n'], " "))?;
    }
    Ok(())
}

/// One `::error file=…,line=…::message` line (without the line break).
fn command(finding: &Finding, positions: &mut Positions<'_>) -> String {
    let kind = match finding.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    };
    let mut props: Vec<(&str, String)> = Vec::new();
    let mut message = finding.message.clone();
    match &finding.location {
        // Standard input is no file in the repository; name the place in the message instead.
        Location::File { path, span } if path == STDIN_PATH => {
            if let Some(r) = positions.region(path, *span) {
                message = format!("<stdin>:{}:{}: {message}", r.start.line, r.start.column);
            }
        }
        Location::File { path, span } => {
            props.push(("file", path.replace('\\', "/")));
            if let Some(r) = positions.region(path, *span) {
                props.push(("line", r.start.line.to_string()));
                props.push(("endLine", r.end.line.to_string()));
                // GitHub rejects columns on a multi-line annotation: "startColumn ... cannot be
                // sent when startLine and endLine are different values" (actions/toolkit
                // packages/core/src/core.ts, AnnotationProperties).
                if r.start.line == r.end.line {
                    props.push(("col", r.start.column.to_string()));
                    props.push(("endColumn", r.end.column.to_string()));
                }
            }
        }
        other => message = format!("{}: {message}", describe_target(other)),
    }
    props.push(("title", format!("{TOOL_NAME} ({})", finding.rule)));
    let props: Vec<String> = props.iter().map(|(k, v)| format!("{k}={}", escape_property(v))).collect();
    format!("::{kind} {}::{}", props.join(","), escape_data(&message))
}

/// Escapes a command's message (`escapeData` in actions/toolkit `packages/core/src/command.ts`).
fn escape_data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escapes a property value (`escapeProperty` in the same file): also `:` and `,`, which
/// separate properties.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(escape_data("50%\r\nx: a,b"), "50%25%0D%0Ax: a,b");
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    }
}
