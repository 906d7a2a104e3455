//! Renderers: turn findings (byte spans) into text for people and machines.
//!
//! Every renderer writes to `impl Write`; line and column are computed here, once, from the
//! source text through [`LineIndex`]. Renderers never decide exit codes or filter findings.

mod github;
mod json;
mod line_index;
mod position;
mod pretty;
mod sarif;
mod sources;

pub use line_index::{LineCol, LineIndex};
pub use sources::SourceMap;

/// Output formats of `redis-audit lint`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Pretty,
    Json,
    Sarif,
    Github,
}

/// What a renderer needs besides the findings.
#[derive(Debug, Clone)]
pub struct RenderContext {
    /// Tool version printed in SARIF/JSON.
    pub tool_version: String,
    /// Whether the pretty renderer may emit ANSI colour (decided by the caller: TTY, NO_COLOR).
    pub color: bool,
    /// Files that were looked at.
    pub files_scanned: usize,
    /// Notes about inputs that were skipped (binary, too large, not UTF-8...).
    pub notes: Vec<String>,
}

/// Writes `findings` (already filtered and sorted by the caller) to `out` in `format`.
///
/// `sources` holds the text of the files the findings point into; a finding whose file is
/// missing from it is still rendered, just without line, column or snippet.
pub fn render(
    format: Format,
    findings: &[findings::Finding],
    sources: &SourceMap,
    ctx: &RenderContext,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    match format {
        Format::Pretty => pretty::render(findings, sources, ctx, out),
        Format::Json => json::render(findings, sources, ctx, out),
        Format::Sarif => sarif::render(findings, sources, ctx, out),
        Format::Github => github::render(findings, sources, ctx, out),
    }
}
