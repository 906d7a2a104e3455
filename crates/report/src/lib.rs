//! Renderers: turn findings (byte spans) into text for people and machines.
//!
//! Every renderer writes to `impl Write`; line and column are computed here, once, from the
//! source text through [`LineIndex`]. Renderers never decide exit codes or filter findings.

mod line_index;
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
