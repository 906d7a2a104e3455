//! Human output in the style of rustc and ruff, drawn by `annotate-snippets`.
//!
//! Per finding: `error[rule-id]: message`, the source lines with the span underlined, related
//! places in the same file as labelled context, related places elsewhere as `note:` lines, and
//! the rule's fix as `help:`. Then one summary line and the caller's notes. ANSI colour only when
//! the caller says so ([`RenderContext::color`]); this module never looks at the terminal.

use std::io::{self, Write};

use annotate_snippets::{
    AnnotationKind, Element, Group, Level, Origin, Renderer, Snippet, renderer::DecorStyle,
};
use findings::{Finding, Location, Severity};

use crate::position::{Positions, describe_target, display_path, summary_sentence};
use crate::{RenderContext, SourceMap};

pub(crate) fn render(
    findings: &[Finding],
    sources: &SourceMap,
    ctx: &RenderContext,
    out: &mut dyn Write,
) -> io::Result<()> {
    let renderer = if ctx.color { Renderer::styled() } else { Renderer::plain() };
    let renderer = renderer.decor_style(DecorStyle::Ascii);
    let mut positions = Positions::new(sources);
    for finding in findings {
        let group = finding_group(finding, &mut positions);
        writeln!(out, "{}\n", renderer.render(&[group]))?;
    }
    writeln!(out, "{}", summary_sentence(findings, ctx.files_scanned))?;
    for note in &ctx.notes {
        writeln!(out, "note: {note}")?;
    }
    Ok(())
}

fn level(severity: Severity) -> Level<'static> {
    match severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
        Severity::Info => Level::INFO,
    }
}

/// One finding as an annotate-snippets group.
fn finding_group<'a>(finding: &'a Finding, positions: &mut Positions<'a>) -> Group<'a> {
    let title = level(finding.severity).primary_title(finding.message.as_str()).id(&finding.rule);
    let mut elements: Vec<Element<'a>> = Vec::new();
    let mut notes: Vec<String> = Vec::new();

    match &finding.location {
        Location::File { path, span } => {
            match (positions.text(path), positions.region(path, *span)) {
                (Some(text), Some(region)) => {
                    let mut snippet = Snippet::source(text)
                        .path(display_path(path))
                        .annotation(AnnotationKind::Primary.span(region.bytes));
                    // Related places in the same file become labelled context in this snippet;
                    // the others become `note:` lines below it.
                    for related in &finding.related {
                        match &related.location {
                            Location::File { path: rpath, span: rspan } if rpath == path => {
                                if let Some(r) = positions.region(rpath, *rspan) {
                                    snippet = snippet.annotation(
                                        AnnotationKind::Context.span(r.bytes).label(related.message.as_str()),
                                    );
                                }
                            }
                            _ => notes.push(related_note(&related.location, &related.message, positions)),
                        }
                    }
                    elements.push(snippet.into());
                }
                // No text for this path (not read, or not UTF-8): say where, without a snippet.
                _ => {
                    elements.push(Origin::path(display_path(path)).into());
                    notes.extend(
                        finding.related.iter().map(|r| related_note(&r.location, &r.message, positions)),
                    );
                }
            }
        }
        other => {
            elements.push(Origin::path(describe_target(other)).into());
            notes.extend(finding.related.iter().map(|r| related_note(&r.location, &r.message, positions)));
        }
    }

    for note in notes {
        elements.push(Level::NOTE.message(note).into());
    }
    if let Some(rule) = findings::catalog().get(&finding.rule) {
        elements.push(Level::HELP.message(rule.fix.trim_end()).into());
    }
    Group::with_title(title).elements(elements)
}

/// `path:line:col: message` for a related place shown without a snippet.
fn related_note(location: &Location, message: &str, positions: &mut Positions<'_>) -> String {
    let place = match location {
        Location::File { path, span } => match positions.region(path, *span) {
            Some(r) => format!("{}:{}:{}", display_path(path), r.start.line, r.start.column),
            None => display_path(path).to_string(),
        },
        other => describe_target(other),
    };
    format!("{place}: {message}")
}
