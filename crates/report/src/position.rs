//! Byte spans to 1-based line/column regions, shared by every renderer, plus the small facts all
//! formats agree on (tool name, how a non-file target is named, severity counts).
//!
//! It must not format anything format-specific: each renderer decides how to print a region.

use std::collections::BTreeMap;

use findings::{Finding, Location, Severity, Span};

use crate::{LineCol, LineIndex, SourceMap};

/// Name of the tool in JSON, SARIF and GitHub annotations.
pub(crate) const TOOL_NAME: &str = "redis-audit";

/// The path that stands for standard input (`redis-audit lint -`).
pub(crate) const STDIN_PATH: &str = "-";

/// A resolved span: 1-based lines and code-point columns, `end` exclusive; `bytes` is the span
/// clamped to the text and to char boundaries (what the pretty renderer underlines).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Region {
    pub start: LineCol,
    pub end: LineCol,
    pub bytes: std::ops::Range<usize>,
}

/// Resolves spans against the source map, building each file's line index once.
#[derive(Debug)]
pub(crate) struct Positions<'a> {
    sources: &'a SourceMap,
    indexes: BTreeMap<String, LineIndex>,
}

impl<'a> Positions<'a> {
    pub fn new(sources: &'a SourceMap) -> Self {
        Positions { sources, indexes: BTreeMap::new() }
    }

    /// The text of `path`, if the caller supplied it.
    pub fn text(&self, path: &str) -> Option<&'a str> {
        self.sources.get(path)
    }

    /// Region of `span` in `path`, or `None` when the source text is missing.
    ///
    /// A non-empty span that ends just after a line break (a whole line, say) is reported as
    /// ending at the end of that line instead of column 1 of the next one: same characters for a
    /// reader, and GitHub only shows an alert in a PR when *every* line it names is in the diff.
    pub fn region(&mut self, path: &str, span: Span) -> Option<Region> {
        let text = self.sources.get(path)?;
        let index = self.index(path, text);
        // A span starting at the very end of a file that ends with a line break points at the end
        // of the last line rather than at a line that does not exist.
        let mut start = floor_char_boundary(text, span.start.min(span.end));
        if let Some(stripped) = text.strip_suffix('\n').filter(|_| start == text.len()) {
            start = stripped.strip_suffix('\r').unwrap_or(stripped).len();
        }
        let mut end = ceil_char_boundary(text, span.start.max(span.end)).max(start);
        let start_lc = index.line_col(text, start);
        let mut end_lc = index.line_col(text, end);
        if end > start && end_lc.column == 1 && end_lc.line > start_lc.line {
            let line = index.line_range(text, end_lc.line - 1);
            end = line.end.max(start);
            end_lc = index.line_col(text, end);
        }
        Some(Region { start: start_lc, end: end_lc, bytes: start..end })
    }

    fn index(&mut self, path: &str, text: &str) -> &LineIndex {
        self.indexes.entry(path.to_string()).or_insert_with(|| LineIndex::new(text))
    }
}

fn floor_char_boundary(text: &str, offset: usize) -> usize {
    let mut i = offset.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_char_boundary(text: &str, offset: usize) -> usize {
    let mut i = offset.min(text.len());
    while !text.is_char_boundary(i) {
        i += 1;
    }
    i
}

/// How a live target is named for people: `namespace/pod (container c)` or `target db N key "k"`.
pub(crate) fn describe_target(location: &Location) -> String {
    match location {
        Location::File { path, .. } => display_path(path).to_string(),
        Location::Pod { namespace, pod, container: Some(c) } => {
            format!("{namespace}/{pod} (container {c})")
        }
        Location::Pod { namespace, pod, container: None } => format!("{namespace}/{pod}"),
        Location::Key { target, db, key } => format!("{target} db {db} key {key:?}"),
        Location::Server { target } => target.clone(),
    }
}

/// A path as shown to people: `<stdin>` for `-`.
pub(crate) fn display_path(path: &str) -> &str {
    if path == STDIN_PATH { "<stdin>" } else { path }
}

/// Number of findings per severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Counts {
    pub error: usize,
    pub warning: usize,
    pub info: usize,
}

impl Counts {
    pub fn of(findings: &[Finding]) -> Self {
        let mut c = Counts::default();
        for f in findings {
            match f.severity {
                Severity::Error => c.error += 1,
                Severity::Warning => c.warning += 1,
                Severity::Info => c.info += 1,
            }
        }
        c
    }

    /// `2 errors, 1 warning` (zero counts left out).
    pub fn breakdown(&self) -> String {
        let parts = [
            (self.error, "error", "errors"),
            (self.warning, "warning", "warnings"),
            (self.info, "info", "info"),
        ];
        parts
            .iter()
            .filter(|(n, ..)| *n > 0)
            .map(|(n, one, many)| format!("{n} {}", if *n == 1 { one } else { many }))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// `Found 3 problems (2 errors, 1 warning) in 12 files.` or `No problems found in 1 file.`
/// With `files_scanned` 0 (a live audit) the file count is left out.
pub(crate) fn summary_sentence(findings: &[Finding], files_scanned: usize) -> String {
    let files = match files_scanned {
        0 => String::new(),
        n => format!(" in {}", plural(n, "file", "files")),
    };
    if findings.is_empty() {
        return format!("No problems found{files}.");
    }
    let problems = plural(findings.len(), "problem", "problems");
    format!("Found {problems} ({}){files}.", Counts::of(findings).breakdown())
}

pub(crate) fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn map(text: &str) -> SourceMap {
        let mut m = SourceMap::default();
        m.insert("f", Arc::from(text));
        m
    }

    #[test]
    fn whole_line_span_ends_on_its_line() {
        let m = map("ab\ncd\n");
        let mut p = Positions::new(&m);
        let r = p.region("f", Span::new(0, 3)).unwrap_or_else(|| panic!("region"));
        assert_eq!((r.start.line, r.start.column, r.end.line, r.end.column), (1, 1, 1, 3));
    }

    #[test]
    fn spans_are_clamped_to_char_boundaries() {
        let m = map("é=1\n");
        let mut p = Positions::new(&m);
        let r = p.region("f", Span { start: 1, end: 99 }).unwrap_or_else(|| panic!("region"));
        // Starts at the char the offset is in; the trailing line break is not counted.
        assert_eq!(r.bytes, 0..4);
        assert_eq!((r.end.line, r.end.column), (1, 4));
        assert!(p.region("missing", Span::new(0, 1)).is_none());
    }

    #[test]
    fn end_of_file_is_the_end_of_the_last_line() {
        let m = map("a\r\nbc\r\n");
        let mut p = Positions::new(&m);
        let r = p.region("f", Span::new(7, 7)).unwrap_or_else(|| panic!("region"));
        assert_eq!((r.start.line, r.start.column, r.end.line, r.end.column), (2, 3, 2, 3));
    }

    #[test]
    fn summary_wording() {
        assert_eq!(summary_sentence(&[], 1), "No problems found in 1 file.");
    }
}
