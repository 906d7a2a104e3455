//! A Java `.properties` reader that keeps byte spans, for Spring Boot's
//! `application*.properties`.
//!
//! Follows `java.util.Properties.load(Reader)`: a logical line is a natural line plus its
//! continuations (an odd number of trailing backslashes), with the continuation's leading
//! whitespace dropped; `#` or `!` as the first non-blank character of a natural line starts a
//! comment; the key ends at the first unescaped `=`, `:` or whitespace; then blanks, at most one
//! `=`/`:`, and blanks again; escapes `\t \n \r \f \uXXXX` and `\x` (= `x`). Spring Boot's
//! `OriginTrackedPropertiesLoader` reads the same syntax and adds document separators: a line
//! `#---` or `!---` (Boot 2.4+) starts a new document, counted in [`Entry::doc`].
//!
//! No crate on crates.io reads `.properties` with spans (`java-properties` gives key/value
//! strings only), hence this small reader. It never panics and takes linear time.

use findings::Span;

/// One `key = value` of a properties file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The key with escapes resolved.
    pub key: String,
    /// The key as written.
    pub key_span: Span,
    /// The value with escapes resolved and continuations joined.
    pub value: String,
    /// The value as written (up to the end of its last continuation line, without the newline);
    /// empty at the separator's end for an empty value.
    pub value_span: Span,
    /// Which `#---` document of the file the entry is in (0 for the first).
    pub doc: usize,
}

/// Every entry of `text`, in file order.
pub fn entries(text: &str) -> Vec<Entry> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut doc = 0;
    let mut pos = 0;
    while pos < bytes.len() {
        // Start of a natural line: skip leading blanks (space, tab, form feed).
        let line_start = pos;
        while pos < bytes.len() && matches!(bytes[pos], b' ' | b'\t' | b'\x0c') {
            pos += 1;
        }
        let (line_end, next) = natural_line_end(bytes, pos);
        if pos >= line_end {
            pos = next;
            continue;
        }
        if matches!(bytes[pos], b'#' | b'!') {
            let line = text.get(line_start..line_end).unwrap_or("");
            if matches!(line, "#---" | "!---") {
                doc += 1;
            }
            pos = next;
            continue;
        }
        let (entry, after) = logical_line(text, pos, doc);
        out.push(entry);
        pos = after;
    }
    out
}

/// End of the natural line starting at or before `pos` (exclusive, before `\r`/`\n`), and the
/// start of the next one.
fn natural_line_end(bytes: &[u8], pos: usize) -> (usize, usize) {
    let mut i = pos;
    while i < bytes.len() && !matches!(bytes[i], b'\n' | b'\r') {
        i += 1;
    }
    let next = match bytes.get(i) {
        Some(b'\r') if bytes.get(i + 1) == Some(&b'\n') => i + 2,
        Some(_) => i + 1,
        None => i,
    };
    (i, next)
}

/// Reads the logical line whose key starts at `start`; returns the entry and where the next
/// natural line starts.
fn logical_line(text: &str, start: usize, doc: usize) -> (Entry, usize) {
    let bytes = text.as_bytes();
    let mut chars = Reader { text, pos: start };
    // Key: up to an unescaped separator or blank.
    let mut key = String::new();
    let mut key_end = start;
    let mut value_start = None;
    loop {
        match chars.next_char() {
            Step::End => break,
            Step::LineEnd => break,
            Step::Char(c, escaped) => {
                if !escaped && matches!(c, '=' | ':') {
                    value_start = Some(skip_blanks(&mut chars));
                    break;
                }
                if !escaped && matches!(c, ' ' | '\t' | '\x0c') {
                    // Blanks, then at most one `=` or `:`, then blanks.
                    let mut after = skip_blanks(&mut chars);
                    if let Some(&b) = bytes.get(after)
                        && matches!(b, b'=' | b':')
                    {
                        chars.pos = after + 1;
                        after = skip_blanks(&mut chars);
                    }
                    value_start = Some(after);
                    break;
                }
                key.push(c);
                key_end = chars.pos;
            }
        }
    }
    let key_span = Span::new(start, key_end.max(start));
    let Some(vstart) = value_start else {
        let next = chars.pos;
        let entry =
            Entry { key, key_span, value: String::new(), value_span: Span::new(key_end, key_end), doc };
        return (entry, next);
    };
    chars.pos = vstart;
    let mut value = String::new();
    let mut value_end = vstart;
    loop {
        match chars.next_char() {
            Step::End | Step::LineEnd => break,
            Step::Char(c, _) => {
                value.push(c);
                value_end = chars.pos;
            }
        }
    }
    let next = chars.pos;
    (Entry { key, key_span, value, value_span: Span::new(vstart, value_end.max(vstart)), doc }, next)
}

/// Skips blanks (and continuations) and returns the position of the next character.
fn skip_blanks(chars: &mut Reader<'_>) -> usize {
    loop {
        let before = chars.pos;
        match chars.next_char() {
            Step::Char(' ' | '\t' | '\x0c', false) => {}
            _ => {
                chars.pos = before;
                return before;
            }
        }
    }
}

enum Step {
    /// A character and whether it was written escaped.
    Char(char, bool),
    /// The logical line ended; `pos` is at the start of the next natural line.
    LineEnd,
    End,
}

/// Characters of one logical line with escapes and continuations resolved.
struct Reader<'a> {
    text: &'a str,
    pos: usize,
}

impl Reader<'_> {
    fn next_char(&mut self) -> Step {
        let Some(c) = self.text.get(self.pos..).and_then(|s| s.chars().next()) else {
            return Step::End;
        };
        match c {
            '\n' => {
                self.pos += 1;
                Step::LineEnd
            }
            '\r' => {
                self.pos += 1;
                if self.text.as_bytes().get(self.pos) == Some(&b'\n') {
                    self.pos += 1;
                }
                Step::LineEnd
            }
            '\\' => {
                self.pos += 1;
                let Some(e) = self.text.get(self.pos..).and_then(|s| s.chars().next()) else {
                    return Step::End;
                };
                self.pos += e.len_utf8();
                match e {
                    '\n' | '\r' => {
                        // Continuation: drop the line break and the next line's leading blanks.
                        if e == '\r' && self.text.as_bytes().get(self.pos) == Some(&b'\n') {
                            self.pos += 1;
                        }
                        while matches!(self.text.as_bytes().get(self.pos), Some(b' ' | b'\t' | b'\x0c')) {
                            self.pos += 1;
                        }
                        self.next_char()
                    }
                    't' => Step::Char('\t', true),
                    'n' => Step::Char('\n', true),
                    'r' => Step::Char('\r', true),
                    'f' => Step::Char('\x0c', true),
                    'u' => {
                        let hex = self
                            .text
                            .get(self.pos..self.pos + 4)
                            .filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()));
                        match hex.and_then(|h| u32::from_str_radix(h, 16).ok()).and_then(char::from_u32) {
                            Some(ch) => {
                                self.pos += 4;
                                Step::Char(ch, true)
                            }
                            // Java throws on a malformed \u escape; keep the `u` and go on.
                            None => Step::Char('u', true),
                        }
                    }
                    other => Step::Char(other, true),
                }
            }
            c => {
                self.pos += c.len_utf8();
                Step::Char(c, false)
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn kv(text: &str) -> Vec<(String, String, &str, &str, usize)> {
        entries(text)
            .into_iter()
            .map(|e| {
                let k = &text[e.key_span.start..e.key_span.end];
                let v = &text[e.value_span.start..e.value_span.end];
                (e.key, e.value, k, v, e.doc)
            })
            .collect()
    }

    #[test]
    fn separators_comments_and_spans() {
        let text = "# c\n! c\n  a=1\nb : two words \nc three\nd\ne=\n\\#f=x\n";
        let got = kv(text);
        let want: Vec<(String, String, &str, &str, usize)> = vec![
            ("a".into(), "1".into(), "a", "1", 0),
            ("b".into(), "two words ".into(), "b", "two words ", 0),
            ("c".into(), "three".into(), "c", "three", 0),
            ("d".into(), "".into(), "d", "", 0),
            ("e".into(), "".into(), "e", "", 0),
            ("#f".into(), "x".into(), "\\#f", "x", 0),
        ];
        assert_eq!(got, want);
    }

    #[test]
    fn continuations_escapes_and_crlf() {
        let text = "spring.cache.type=re\\\n    dis\r\nk\\ ey=\\u0041\\tb\\\\\nlast=\\";
        let got = kv(text);
        assert_eq!(got[0].0, "spring.cache.type");
        assert_eq!(got[0].1, "redis");
        assert_eq!(got[0].3, "re\\\n    dis");
        assert_eq!(got[1].0, "k ey");
        assert_eq!(got[1].1, "A\tb\\");
        assert_eq!(got[2].0, "last");
        assert_eq!(got[2].1, "");
    }

    #[test]
    fn a_comment_is_not_continued_and_documents_are_counted() {
        let text = "# note \\\na=1\n#---\nb=2\n!---\nc=3\n";
        let got = kv(text);
        assert_eq!(
            got.iter().map(|e| (e.0.as_str(), e.4)).collect::<Vec<_>>(),
            [("a", 0), ("b", 1), ("c", 2)]
        );
    }

    #[test]
    fn even_backslashes_do_not_continue() {
        let got = kv("a=x\\\\\nb=y\n");
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].1, "x\\");
    }

    #[test]
    fn bad_unicode_escapes_and_multibyte_text_do_not_panic() {
        for text in ["a=\\u12", "a=\\uZZZZ", "a=\\u00é9", "é=ü\\", "\\", "=", ":", "\\\r", "a\\\r\n"] {
            let _ = entries(text);
        }
    }
}
