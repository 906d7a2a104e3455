//! redis.conf text and `redis-server` command lines, with spans.
//!
//! Redis reads its config as lines of `directive arg...` (src/config.c `loadServerConfigFromString`
//! splits each line with `sdssplitargs`, skips lines starting with `#`, and lower-cases the
//! directive); later lines override earlier ones. Command-line `--name value` pairs are turned
//! into the same lines and appended after the config file (src/server.c `main`), so they win.

mod argv;
mod offsets;

pub use argv::{
    Flag, Invocation, Word, flags_from_argv, flags_in_script, is_server_binary, redis_server_invocation,
};
pub use offsets::OffsetMap;

use findings::Span;

/// One config line.
#[derive(Debug, Clone, PartialEq)]
pub struct Directive {
    /// Lower-cased directive name.
    pub name: String,
    pub args: Vec<String>,
    /// Span of the whole line (in the file, after offset mapping).
    pub span: Span,
    /// Span of the arguments (the value), or of the line when there are none.
    pub value_span: Span,
}

impl Directive {
    /// The value as Redis would read a single-argument directive.
    pub fn value(&self) -> Option<&str> {
        self.args.first().map(String::as_str)
    }
}

/// Directives of `text`. Offsets are mapped to file offsets through `map`. Malformed lines
/// (unbalanced quotes) are skipped: Redis would refuse to start, which is not this linter's
/// concern.
pub fn parse(text: &str, map: &OffsetMap) -> Vec<Directive> {
    let mut out = Vec::new();
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        let start = line_start;
        line_start += line.len();
        let trimmed_start = line.len() - line.trim_start().len();
        let body = line.trim();
        if body.is_empty() || body.starts_with('#') {
            continue;
        }
        let Some(words) = split_args(body) else { continue };
        let Some((name, _)) = words.first() else { continue };
        let name = name.to_ascii_lowercase();
        let base = start + trimmed_start;
        let line_span = map.span(base, base + body.len());
        let value_span = match (words.get(1), words.last()) {
            (Some((_, first)), Some((_, last))) => map.span(base + first.start, base + last.end),
            _ => line_span,
        };
        let args = words.iter().skip(1).map(|(w, _)| w.clone()).collect();
        out.push(Directive { name, args, span: line_span, value_span });
    }
    out
}

/// Splits a line like Redis' `sdssplitargs`: whitespace-separated words, `"..."` with
/// backslash escapes, `'...'` literal. Returns the words and their byte ranges in `line`.
/// `None` when quotes are unbalanced.
pub fn split_args(line: &str) -> Option<Vec<(String, Span)>> {
    let bytes = line.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= bytes.len() {
            break;
        }
        let start = i;
        let mut word = Vec::new();
        match bytes[i] {
            b'"' => {
                i += 1;
                loop {
                    match bytes.get(i)? {
                        b'\\' => {
                            let next = *bytes.get(i + 1)?;
                            word.push(match next {
                                b'n' => b'\n',
                                b't' => b'\t',
                                b'r' => b'\r',
                                other => other,
                            });
                            i += 2;
                        }
                        b'"' => {
                            i += 1;
                            break;
                        }
                        b => {
                            word.push(*b);
                            i += 1;
                        }
                    }
                }
            }
            b'\'' => {
                i += 1;
                loop {
                    match bytes.get(i)? {
                        b'\'' => {
                            i += 1;
                            break;
                        }
                        b => {
                            word.push(*b);
                            i += 1;
                        }
                    }
                }
            }
            _ => {
                while i < bytes.len() && !bytes[i].is_ascii_whitespace() {
                    word.push(bytes[i]);
                    i += 1;
                }
            }
        }
        out.push((String::from_utf8_lossy(&word).into_owned(), Span::new(start, i)));
    }
    Some(out)
}

/// Whether `text` looks like a Redis config (used to recognise config files and ConfigMap
/// keys by content, not only by name).
pub fn looks_like_redis_conf(text: &str) -> bool {
    const DIRECTIVES: &[&str] = &[
        "maxmemory",
        "maxmemory-policy",
        "appendonly",
        "save",
        "bind",
        "port",
        "requirepass",
        "masterauth",
        "replicaof",
        "slaveof",
        "dir",
        "dbfilename",
        "appendfsync",
        "protected-mode",
        "tcp-keepalive",
        "databases",
        "loglevel",
        "include",
        "lazyfree-lazy-eviction",
        "io-threads",
        "cluster-enabled",
        "rename-command",
        "aclfile",
        "timeout",
        "maxclients",
        "repl-backlog-size",
        "hz",
        "activedefrag",
        "notify-keyspace-events",
        "replica-read-only",
    ];
    let mut hits = 0;
    for line in text.lines().take(400) {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let first = line.split_ascii_whitespace().next().unwrap_or("").to_ascii_lowercase();
        if first == "sentinel" {
            return false;
        }
        if DIRECTIVES.contains(&first.as_str()) {
            hits += 1;
        } else if first.contains(':')
            || first.contains('=')
            || first.starts_with('{')
            || first.starts_with('<')
        {
            return false;
        }
    }
    hits > 0
}

/// Whether `text` is a Sentinel config rather than a data-node config.
pub fn is_sentinel_conf(text: &str) -> bool {
    text.lines().any(|l| l.trim_start().to_ascii_lowercase().starts_with("sentinel monitor"))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn parses_lines_quotes_and_spans() {
        let src = "# c\n  maxmemory 400mb\nsave \"\"\nMAXMEMORY-POLICY 'allkeys-lru'\nbad \"x\n";
        let d = parse(src, &OffsetMap::identity());
        assert_eq!(d.len(), 3);
        assert_eq!(d[0].name, "maxmemory");
        assert_eq!(d[0].value_span.slice(src), Some("400mb"));
        assert_eq!(d[1].args, vec![String::new()]);
        assert_eq!(d[2].name, "maxmemory-policy");
        assert_eq!(d[2].value(), Some("allkeys-lru"));
    }

    #[test]
    fn recognises_conf_by_content() {
        assert!(looks_like_redis_conf("appendonly yes\nsave \"\"\n"));
        assert!(!looks_like_redis_conf("sentinel monitor m 1.2.3.4 6379 2\nport 26379\n"));
        assert!(!looks_like_redis_conf("server {\n listen 80;\n}\n"));
        assert!(!looks_like_redis_conf("key: value\n"));
    }
}
