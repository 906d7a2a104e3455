//! Inline suppressions: `# redis-audit: ignore[rule-id] reason` on the flagged line or on a
//! comment line just above it. Several ids may be listed: `ignore[rule-a, rule-b]`.

use findings::{Finding, Location};

const MARKER: &str = "redis-audit: ignore[";

/// Rule ids suppressed by a comment on `line` (comments only: the marker must follow `#`).
fn ids_on(line: &str) -> Vec<&str> {
    let Some(hash) = line.find('#') else { return Vec::new() };
    let comment = &line[hash + 1..];
    let Some(pos) = comment.find(MARKER) else { return Vec::new() };
    let rest = &comment[pos + MARKER.len()..];
    let Some(end) = rest.find(']') else { return Vec::new() };
    rest[..end].split(',').map(str::trim).filter(|s| !s.is_empty()).collect()
}

/// Whether `finding` is suppressed by a comment in `text` (the file it points into).
pub fn is_suppressed(finding: &Finding, text: &str) -> bool {
    let Location::File { span, .. } = &finding.location else { return false };
    let start = span.start.min(text.len());
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let line = &text[line_start..line_end];
    if ids_on(line).contains(&finding.rule.as_str()) {
        return true;
    }
    // Comment-only lines directly above.
    let mut above = text[..line_start.saturating_sub(1)].rsplit('\n');
    for prev in above.by_ref() {
        let trimmed = prev.trim_start();
        if !trimmed.starts_with('#') {
            break;
        }
        if ids_on(trimmed).contains(&finding.rule.as_str()) {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use findings::{Severity, Span};

    fn finding(rule: &str, text: &str, at: &str) -> Finding {
        let start = text.find(at).unwrap_or(0);
        Finding::new(rule, Severity::Error, "m", Location::file("f", Span::new(start, start + at.len())), "i")
    }

    #[test]
    fn same_line_and_above() {
        let text = "a: 1 # redis-audit: ignore[rule-a] known\n# redis-audit: ignore[rule-b, rule-c] why\n# more\nb: 2\nc: 3\n";
        assert!(is_suppressed(&finding("rule-a", text, "a: 1"), text));
        assert!(is_suppressed(&finding("rule-c", text, "b: 2"), text));
        assert!(!is_suppressed(&finding("rule-c", text, "c: 3"), text));
        assert!(!is_suppressed(&finding("rule-x", text, "a: 1"), text));
        let no_comment = "x: \"redis-audit: ignore[rule-a]\"\n";
        assert!(!is_suppressed(&finding("rule-a", no_comment, "x"), no_comment));
    }
}
