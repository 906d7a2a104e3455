//! Byte offset to 1-based line and column.

/// A 1-based position. `column` counts Unicode code points (SARIF `columnKind:
/// unicodeCodePoints`); `byte_column` counts UTF-8 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineCol {
    pub line: usize,
    pub column: usize,
    pub byte_column: usize,
}

/// Start offsets of each line of a text.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.bytes().enumerate().filter(|(_, b)| *b == b'\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    /// Position of `offset` in `text` (the same text the index was built from). Offsets past the
    /// end clamp to the end; offsets inside a UTF-8 sequence count as the char they are in.
    pub fn line_col(&self, text: &str, offset: usize) -> LineCol {
        let offset = offset.min(text.len());
        let line = match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let start = self.starts.get(line).copied().unwrap_or(0);
        let prefix = text.get(start..offset).map_or_else(
            || String::from_utf8_lossy(&text.as_bytes()[start..offset]).chars().count(),
            |s| s.chars().count(),
        );
        LineCol { line: line + 1, column: prefix + 1, byte_column: offset - start + 1 }
    }

    /// Byte range of the 1-based `line`, without its line break.
    pub fn line_range(&self, text: &str, line: usize) -> std::ops::Range<usize> {
        let start = self.starts.get(line.saturating_sub(1)).copied().unwrap_or(text.len());
        let mut end = self.starts.get(line).map_or(text.len(), |n| n.saturating_sub(1));
        if end > start && text.as_bytes().get(end - 1) == Some(&b'\r') {
            end -= 1;
        }
        start..end.max(start)
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions() {
        let t = "ab\nçd\n";
        let ix = LineIndex::new(t);
        assert_eq!(ix.line_col(t, 0), LineCol { line: 1, column: 1, byte_column: 1 });
        assert_eq!(ix.line_col(t, 3), LineCol { line: 2, column: 1, byte_column: 1 });
        assert_eq!(ix.line_col(t, 5), LineCol { line: 2, column: 2, byte_column: 3 });
        assert_eq!(ix.line_col(t, 99).line, 3);
        assert_eq!(&t[ix.line_range(t, 2)], "çd");
    }
}
