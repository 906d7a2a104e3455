//! A `.env` reader that keeps byte spans.
//!
//! The syntax is the common subset of vlucas/phpdotenv (Laravel), python-dotenv and dotenv
//! (Node): `KEY=value`, optional `export ` before the key, blanks around `=`, `#` comments on
//! their own line or after an unquoted value (preceded by a blank), single quotes (literal, may
//! span lines), double quotes (`\"`, `\\`, `\n`, `\t` escapes, may span lines). `${VAR}`
//! interpolation is left as written: a value that uses it is not a literal a rule can trust.
//! Lines that are not assignments are skipped. Never panics; linear time.

use findings::Span;

/// One `KEY=value`: `(key, key span, value, value span)`. A quoted value's span is inside
/// the quotes.
pub type EnvEntry = (String, Span, String, Span);

/// Every assignment of `text`, in file order (a later one for the same key wins when loaded).
pub fn entries(text: &str) -> Vec<EnvEntry> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < bytes.len() {
        let line_end = memchr_newline(bytes, pos);
        let mut i = skip_blanks(bytes, pos, line_end);
        if bytes[i..line_end].starts_with(b"export ") || bytes[i..line_end].starts_with(b"export\t") {
            i = skip_blanks(bytes, i + 6, line_end);
        }
        let key_start = i;
        while i < line_end && is_key_byte(bytes[i]) {
            i += 1;
        }
        let key_end = i;
        i = skip_blanks(bytes, i, line_end);
        let is_assignment = key_end > key_start
            && !bytes[key_start].is_ascii_digit()
            && bytes.get(i) == Some(&b'=')
            && i < line_end;
        if !is_assignment {
            pos = (line_end + 1).min(bytes.len());
            continue;
        }
        let key = text.get(key_start..key_end).unwrap_or("").to_string();
        let v = skip_blanks(bytes, i + 1, line_end);
        let (value, span, next) = match bytes.get(v) {
            Some(&q @ (b'\'' | b'"')) if v < line_end => quoted(text, v, q).unwrap_or_else(|| {
                // An unterminated quote: take the rest of the line as written.
                let end = trim_end(bytes, v, line_end);
                (text.get(v..end).unwrap_or("").to_string(), Span::new(v, end), line_end + 1)
            }),
            _ => {
                let end = unquoted_end(bytes, v, line_end);
                (text.get(v..end).unwrap_or("").to_string(), Span::new(v, end), line_end + 1)
            }
        };
        out.push((key, Span::new(key_start, key_end), value, span));
        pos = next.min(bytes.len()).max(pos + 1);
    }
    out
}

fn is_key_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-')
}

fn memchr_newline(bytes: &[u8], from: usize) -> usize {
    bytes[from..].iter().position(|&b| b == b'\n').map_or(bytes.len(), |i| from + i)
}

fn skip_blanks(bytes: &[u8], mut i: usize, end: usize) -> usize {
    while i < end && matches!(bytes[i], b' ' | b'\t') {
        i += 1;
    }
    i
}

fn trim_end(bytes: &[u8], start: usize, mut end: usize) -> usize {
    while end > start && matches!(bytes[end - 1], b' ' | b'\t' | b'\r') {
        end -= 1;
    }
    end
}

/// End of an unquoted value: before ` #` (a comment) or the line end, trailing blanks trimmed.
fn unquoted_end(bytes: &[u8], start: usize, line_end: usize) -> usize {
    let mut end = line_end;
    for i in start..line_end {
        if bytes[i] == b'#' && (i == start || matches!(bytes[i - 1], b' ' | b'\t')) {
            end = i;
            break;
        }
    }
    trim_end(bytes, start, end)
}

/// A quoted value starting at the quote `open`: `(value, span inside the quotes, next line
/// start)`, or `None` when the quote is never closed.
fn quoted(text: &str, open: usize, quote: u8) -> Option<(String, Span, usize)> {
    let bytes = text.as_bytes();
    let start = open + 1;
    let mut value = String::new();
    let mut i = start;
    while i < bytes.len() {
        let b = bytes[i];
        if b == quote {
            let next = memchr_newline(bytes, i) + 1;
            return Some((value, Span::new(start, i), next));
        }
        if quote == b'"' && b == b'\\' && i + 1 < bytes.len() {
            let e = bytes[i + 1];
            let resolved = match e {
                b'n' => Some('\n'),
                b't' => Some('\t'),
                b'r' => Some('\r'),
                b'"' => Some('"'),
                b'\\' => Some('\\'),
                _ => None,
            };
            if let Some(c) = resolved {
                value.push(c);
                i += 2;
                continue;
            }
        }
        let ch = text.get(i..).and_then(|s| s.chars().next())?;
        value.push(ch);
        i += ch.len_utf8();
    }
    None
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn kv(text: &str) -> Vec<(String, String, String, String)> {
        entries(text)
            .into_iter()
            .map(|(k, ks, v, vs)| {
                let kr = text[ks.start..ks.end].to_string();
                let vr = text[vs.start..vs.end].to_string();
                (k, v, kr, vr)
            })
            .collect()
    }

    #[test]
    fn plain_export_quotes_and_comments() {
        let text = "# comment\nAPP_NAME=Laravel\nexport CACHE_STORE = redis # the store\n\
                    Q='a # b'\nD=\"x\\\"y\\n\" # c\nEMPTY=\nURL=http://h/#frag\n  \nnot a line\n";
        let got = kv(text);
        let want = [
            ("APP_NAME", "Laravel", "APP_NAME", "Laravel"),
            ("CACHE_STORE", "redis", "CACHE_STORE", "redis"),
            ("Q", "a # b", "Q", "a # b"),
            ("D", "x\"y\n", "D", "x\\\"y\\n"),
            ("EMPTY", "", "EMPTY", ""),
            ("URL", "http://h/#frag", "URL", "http://h/#frag"),
        ];
        assert_eq!(got.len(), want.len(), "{got:?}");
        for (g, w) in got.iter().zip(want) {
            assert_eq!((g.0.as_str(), g.1.as_str(), g.2.as_str(), g.3.as_str()), w);
        }
    }

    #[test]
    fn multiline_quotes_crlf_and_unterminated() {
        let text = "K=\"line1\nline2\"\r\nA=b\r\nBAD='open\nC=d\n";
        let got = kv(text);
        assert_eq!(got[0].1, "line1\nline2");
        assert_eq!(got[1].1, "b");
        assert_eq!(got[2].1, "'open");
        assert_eq!(got[3].0, "C");
    }

    #[test]
    fn odd_input_does_not_panic() {
        for text in
            ["=", "export", "export =", "A=\"\\", "A='", "A=\"é", "1A=b", "A\u{0}=b", "é=1", "A=\"x\"é"]
        {
            let _ = entries(text);
        }
    }
}
