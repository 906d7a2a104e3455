//! `redis-server` command lines: exec-form argv and shell scripts.
//!
//! Redis turns its argv into config text (src/server.c `main`): a first argument that does not
//! start with `--` is the config file; each `--name` starts a new line and the following words
//! are its arguments (one argv word may also hold `--maxmemory 400mb`, as Bitnami's
//! `extraFlags` do). Shell scripts (`sh -c "redis-server ..."`, Bitnami's start scripts with
//! `ARGS+=("--maxmemory" "512mb")`) are tokenised loosely: we only need the flags.

use findings::Span;

use super::OffsetMap;

/// A word of a command line with its span in the file.
#[derive(Debug, Clone, PartialEq)]
pub struct Word {
    pub text: String,
    pub span: Span,
    /// Contains a shell expansion (`$VAR`), so its value is not knowable statically.
    pub dynamic: bool,
}

/// One `--name args...` option.
#[derive(Debug, Clone, PartialEq)]
pub struct Flag {
    /// Lower-cased name without the leading `--`.
    pub name: String,
    pub args: Vec<String>,
    /// Span of the value (or of the flag when it has none).
    pub span: Span,
    pub dynamic: bool,
}

/// What a `redis-server` invocation configures.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Invocation {
    pub config_files: Vec<Word>,
    pub flags: Vec<Flag>,
}

const SERVERS: &[&str] = &["redis-server", "valkey-server", "redis-stack-server", "keydb-server"];
const SHELLS: &[&str] = &["sh", "bash", "ash", "dash", "zsh"];

fn basename(s: &str) -> &str {
    s.rsplit('/').next().unwrap_or(s)
}

pub fn is_server_binary(word: &str) -> bool {
    SERVERS.contains(&basename(word))
}

/// Parses the words that follow `redis-server`.
pub fn flags_from_argv(argv: &[Word]) -> Invocation {
    let mut inv = Invocation::default();
    let mut iter = argv.iter().peekable();
    if let Some(first) = iter.peek()
        && !first.text.starts_with("--")
        && first.text != "-"
    {
        inv.config_files.push((*first).clone());
        iter.next();
    }
    for word in iter {
        if let Some(rest) = word.text.strip_prefix("--") {
            let mut parts = rest.split_ascii_whitespace();
            let name = parts.next().unwrap_or("").to_ascii_lowercase();
            let args: Vec<String> = parts.map(str::to_string).collect();
            inv.flags.push(Flag { name, args, span: word.span, dynamic: word.dynamic });
        } else if let Some(last) = inv.flags.last_mut() {
            if last.args.is_empty() {
                last.span = word.span;
            } else {
                last.span = Span::new(last.span.start.min(word.span.start), word.span.end);
            }
            last.args.push(word.text.clone());
            last.dynamic |= word.dynamic;
        }
    }
    inv
}

/// The `redis-server` invocation of a container, from its `command` and `args` words.
/// `None` when the container does not visibly start a Redis server. A container with neither
/// command nor args runs the image's default (`redis-server` with no config).
pub fn redis_server_invocation(
    command: &[Word],
    args: &[Word],
    script_map: impl Fn(&Word) -> OffsetMap,
) -> Option<Invocation> {
    let argv: Vec<Word> = command.iter().chain(args).cloned().collect();
    let Some(first) = argv.first() else { return Some(Invocation::default()) };
    if is_server_binary(&first.text) {
        return Some(flags_from_argv(&argv[1..]));
    }
    // docker-library/redis docker-entrypoint.sh: a first argument that is an option or a
    // `.conf` file gets `redis-server` prepended.
    if command.is_empty() && (first.text.starts_with('-') || first.text.ends_with(".conf")) {
        return Some(flags_from_argv(&argv));
    }
    if SHELLS.contains(&basename(&first.text)) {
        let pos = argv.iter().position(|w| {
            w.text == "-c" || (w.text.starts_with('-') && w.text.ends_with('c') && w.text.len() <= 4)
        })?;
        let script = argv.get(pos + 1)?;
        let map = script_map(script);
        let found = flags_in_script(&script.text, &map);
        return (found.flags.len() + found.config_files.len() > 0 || script_runs_server(&script.text))
            .then_some(found);
    }
    None
}

fn script_runs_server(script: &str) -> bool {
    tokenize(script).iter().any(|t| matches!(t, Token::Word(w) if is_server_binary(&w.text)))
}

/// Flags and config files given to `redis-server` anywhere in a shell script, plus loose
/// `--maxmemory*` words (scripts that build an argument array first).
pub fn flags_in_script(script: &str, map: &OffsetMap) -> Invocation {
    let tokens = tokenize(script);
    let mapped = |w: &Word| Word {
        text: w.text.clone(),
        span: map.span(w.span.start, w.span.end),
        dynamic: w.dynamic,
    };
    let mut inv = Invocation::default();
    let mut i = 0;
    while i < tokens.len() {
        if let Token::Word(w) = &tokens[i] {
            if is_server_binary(&w.text) {
                let mut argv = Vec::new();
                i += 1;
                while let Some(Token::Word(a)) = tokens.get(i) {
                    argv.push(mapped(a));
                    i += 1;
                }
                let found = flags_from_argv(&argv);
                inv.config_files.extend(
                    found
                        .config_files
                        .into_iter()
                        .filter(|w| !w.text.starts_with('$') && !w.text.starts_with('"')),
                );
                inv.flags.extend(found.flags);
                continue;
            }
            if let Some(rest) = w.text.strip_prefix("--")
                && is_loose_flag(rest)
                && !inv.flags.iter().any(|f| {
                    f.span.start <= map.offset(w.span.start) && map.offset(w.span.start) <= f.span.end
                })
            {
                let mut argv = vec![mapped(w)];
                if !rest.contains(' ')
                    && let Some(Token::Word(next)) = tokens.get(i + 1)
                    && !next.text.starts_with("--")
                {
                    argv.push(mapped(next));
                    i += 1;
                }
                inv.flags.extend(flags_from_argv(&argv).flags);
            }
        }
        i += 1;
    }
    inv
}

#[derive(Debug)]
enum Token {
    Word(Word),
    Op,
}

/// Flags picked up anywhere in a script, not only right after `redis-server`: scripts often
/// build an argument array first (`ARGS+=("--include" "/etc/redis.conf")`).
fn is_loose_flag(rest: &str) -> bool {
    let name = rest.split_ascii_whitespace().next().unwrap_or("").to_ascii_lowercase();
    name.starts_with("maxmemory") || name == "include"
}

/// A loose POSIX-shell lexer: words (quotes removed, `$` noted) and control operators.
fn tokenize(script: &str) -> Vec<Token> {
    let bytes = script.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'\n' || b == b';' || b == b'&' || b == b'|' || b == b'(' || b == b')' {
            out.push(Token::Op);
            i += 1;
            continue;
        }
        if b.is_ascii_whitespace() || b == b'\\' && bytes.get(i + 1) == Some(&b'\n') {
            i += if b == b'\\' { 2 } else { 1 };
            continue;
        }
        if b == b'#' {
            while i < bytes.len() && bytes[i] != b'\n' {
                i += 1;
            }
            continue;
        }
        let start = i;
        let mut text = Vec::new();
        let mut dynamic = false;
        while i < bytes.len() {
            let c = bytes[i];
            match c {
                b'\'' => {
                    i += 1;
                    while i < bytes.len() && bytes[i] != b'\'' {
                        text.push(bytes[i]);
                        i += 1;
                    }
                    i += 1;
                }
                b'"' => {
                    i += 1;
                    while i < bytes.len() && bytes[i] != b'"' {
                        if bytes[i] == b'\\' && i + 1 < bytes.len() {
                            i += 1;
                        } else if bytes[i] == b'$' || bytes[i] == b'`' {
                            dynamic = true;
                        }
                        text.push(bytes[i]);
                        i += 1;
                    }
                    i += 1;
                }
                b'\\' if i + 1 < bytes.len() => {
                    text.push(bytes[i + 1]);
                    i += 2;
                }
                b'$' | b'`' => {
                    dynamic = true;
                    text.push(c);
                    i += 1;
                }
                _ if c.is_ascii_whitespace() || matches!(c, b';' | b'&' | b'|' | b'(' | b')') => break,
                _ => {
                    text.push(c);
                    i += 1;
                }
            }
        }
        let end = i.min(bytes.len());
        out.push(Token::Word(Word {
            text: String::from_utf8_lossy(&text).into_owned(),
            span: Span::new(start, end),
            dynamic,
        }));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(ws: &[&str]) -> Vec<Word> {
        ws.iter()
            .enumerate()
            .map(|(i, w)| Word {
                text: w.to_string(),
                span: Span::new(i * 10, i * 10 + w.len()),
                dynamic: false,
            })
            .collect()
    }

    #[test]
    fn exec_form() {
        let inv = redis_server_invocation(
            &words(&["redis-server"]),
            &words(&["/etc/redis.conf", "--maxmemory", "400mb", "--maxmemory-policy allkeys-lru"]),
            |_| OffsetMap::identity(),
        )
        .unwrap_or_default();
        assert_eq!(inv.config_files.len(), 1);
        assert_eq!(inv.flags[0].name, "maxmemory");
        assert_eq!(inv.flags[0].args, vec!["400mb"]);
        assert_eq!(inv.flags[1].args, vec!["allkeys-lru"]);
        let entry = redis_server_invocation(&[], &words(&["--maxmemory", "1gb"]), |_| OffsetMap::identity())
            .unwrap_or_default();
        assert_eq!(entry.flags[0].args, vec!["1gb"]);
        assert!(redis_server_invocation(&words(&["nginx"]), &[], |_| OffsetMap::identity()).is_none());
    }

    #[test]
    fn shell_scripts() {
        let script = "set -e\nexec redis-server /conf/redis.conf --maxmemory \"$MAXMEM\" --maxmemory-policy noeviction && echo";
        let inv = flags_in_script(script, &OffsetMap::identity());
        assert_eq!(inv.config_files[0].text, "/conf/redis.conf");
        assert!(inv.flags[0].dynamic);
        assert_eq!(inv.flags[1].args, vec!["noeviction"]);
        let bitnami = "ARGS=(\"--port\" \"${REDIS_PORT}\")\nARGS+=(\"--maxmemory 512mb\")\nexec redis-server \"${ARGS[@]}\"\n";
        let inv = flags_in_script(bitnami, &OffsetMap::identity());
        assert_eq!(
            inv.flags.iter().find(|f| f.name == "maxmemory").map(|f| f.args.clone()),
            Some(vec!["512mb".to_string()])
        );
    }
}
