//! Mapping offsets in a config text to offsets in the file that holds it.
//!
//! A redis.conf inside a YAML literal block (`redis.conf: |`) has its indentation removed by
//! YAML; to point at `maxmemory` inside a ConfigMap we map each content line back to its source
//! line. Scalars we cannot map line by line point at the whole scalar.

use findings::Span;

#[derive(Debug, Clone, Default)]
pub struct OffsetMap {
    /// (content offset, file offset) at the start of each mapped line, ascending.
    lines: Vec<(usize, usize)>,
    /// Content maps to this whole span (for scalars we cannot map exactly).
    whole: Option<Span>,
}

impl OffsetMap {
    /// Content offsets are file offsets (a plain redis.conf).
    pub fn identity() -> Self {
        OffsetMap { lines: vec![(0, 0)], whole: None }
    }

    /// Everything maps to `span`.
    pub fn whole(span: Span) -> Self {
        OffsetMap { lines: Vec::new(), whole: Some(span) }
    }

    /// Offsets shifted by `base` (single-line plain or quoted scalars without escapes).
    pub fn shifted(base: usize) -> Self {
        OffsetMap { lines: vec![(0, base)], whole: None }
    }

    /// Map for a literal block scalar whose decoded `content` came from `file[span]`.
    /// Falls back to [`Self::whole`] when the lines do not line up.
    pub fn literal_block(file: &str, span: Span, content: &str) -> Self {
        let Some(raw) = span.slice(file) else { return Self::whole(span) };
        // granit's span starts at the first content character; other parsers include the
        // header line (`|`, `|-`, `|2+` and any comment), which is skipped here.
        let skip = if raw.starts_with(['|', '>']) {
            match raw.find('\n') {
                Some(nl) => nl + 1,
                None => return Self::whole(span),
            }
        } else {
            0
        };
        let mut src_pos = span.start + skip;
        let src_body = &raw[skip..];
        let mut lines = Vec::new();
        let mut content_pos = 0;
        let mut src_lines = src_body.split_inclusive('\n');
        for c_line in content.split_inclusive('\n') {
            let Some(s_line) = src_lines.next() else { return Self::whole(span) };
            let c_text = c_line.trim_end_matches(['\n', '\r']);
            let s_text = s_line.trim_end_matches(['\n', '\r']);
            if c_text.is_empty() {
                lines.push((content_pos, src_pos));
            } else if let Some(indent) = s_text.strip_suffix(c_text).map(str::len) {
                lines.push((content_pos, src_pos + indent));
            } else {
                return Self::whole(span);
            }
            content_pos += c_line.len();
            src_pos += s_line.len();
        }
        OffsetMap { lines, whole: None }
    }

    pub fn offset(&self, content_offset: usize) -> usize {
        if let Some(w) = self.whole {
            return w.start;
        }
        let i = match self.lines.binary_search_by(|(c, _)| c.cmp(&content_offset)) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        match self.lines.get(i) {
            Some((c, f)) => f + (content_offset - c.min(&content_offset)),
            None => content_offset,
        }
    }

    pub fn span(&self, start: usize, end: usize) -> Span {
        match self.whole {
            Some(w) => w,
            None => Span::new(self.offset(start), self.offset(end)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_block_lines_map_back() {
        let file = "data:\n  redis.conf: |\n    appendonly yes\n\n    maxmemory 1gb\nx: 1\n";
        let start = file.find("appendonly").unwrap_or(0);
        let end = file.find("x: 1").unwrap_or(0);
        let content = "appendonly yes\n\nmaxmemory 1gb\n";
        let map = OffsetMap::literal_block(file, Span::new(start, end), content);
        let at = content.find("1gb").unwrap_or(0);
        let span = map.span(at, at + 3);
        assert_eq!(span.slice(file), Some("1gb"));
        // With the header line included in the span.
        let map = OffsetMap::literal_block(file, Span::new(file.find('|').unwrap_or(0), end), content);
        assert_eq!(map.span(at, at + 3).slice(file), Some("1gb"));
    }

    #[test]
    fn granit_block_span_maps_back() {
        let file = "data:\n  redis.conf: |\n    appendonly yes\n    maxmemory 1gb\nx: 1\n";
        let y = crate::yaml::parse(file);
        let d = &y.docs[0];
        let v = d.root().and_then(|r| d.path(r, &["data", "redis.conf"])).expect("value");
        let content = d.str(v).unwrap_or_default();
        let map = OffsetMap::literal_block(file, d.span(v), content);
        let at = content.find("1gb").unwrap_or(0);
        assert_eq!(map.span(at, at + 3).slice(file), Some("1gb"));
    }
}
