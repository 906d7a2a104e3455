//! Redis glob matching, byte for byte as `SCAN MATCH` and `KEYS` do it (redis/redis
//! `src/util.c` `stringmatchlen`): `*`, `?`, `[abc]`, `[^a-z]`, `\x` escapes. Used when
//! several `--pattern`s share one SCAN pass, which takes one MATCH only.

/// Whether `key` matches the Redis glob `pattern`.
pub fn matches(pattern: &[u8], key: &[u8]) -> bool {
    match_from(pattern, key, 0)
}

/// Escapes glob metacharacters so a literal prefix matches itself only.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Deep `*` nesting is cut off as Redis does (it gives up after 1000 levels).
const MAX_NESTING: u32 = 1000;

fn match_from(mut p: &[u8], mut s: &[u8], nesting: u32) -> bool {
    if nesting > MAX_NESTING {
        return false;
    }
    while let Some(&c) = p.first() {
        match c {
            b'*' => {
                while p.len() > 1 && p[1] == b'*' {
                    p = &p[1..];
                }
                if p.len() == 1 {
                    return true;
                }
                for start in 0..=s.len() {
                    if match_from(&p[1..], &s[start..], nesting + 1) {
                        return true;
                    }
                }
                return false;
            }
            b'?' => {
                if s.is_empty() {
                    return false;
                }
                s = &s[1..];
            }
            b'[' => {
                let Some(&ch) = s.first() else { return false };
                p = &p[1..];
                let not = p.first() == Some(&b'^');
                if not {
                    p = &p[1..];
                }
                let mut hit = false;
                loop {
                    match p {
                        [] => {
                            // Unterminated class: Redis treats the end as the closing bracket.
                            break;
                        }
                        [b'\\', esc, ..] => {
                            if *esc == ch {
                                hit = true;
                            }
                            p = &p[2..];
                        }
                        [b']', ..] => break,
                        [lo, b'-', hi, ..] => {
                            let (a, b) = if lo <= hi { (*lo, *hi) } else { (*hi, *lo) };
                            if (a..=b).contains(&ch) {
                                hit = true;
                            }
                            p = &p[3..];
                        }
                        [x, ..] => {
                            if *x == ch {
                                hit = true;
                            }
                            p = &p[1..];
                        }
                    }
                }
                if not {
                    hit = !hit;
                }
                if !hit {
                    return false;
                }
                s = &s[1..];
                if p.is_empty() {
                    // Unterminated class at the end of the pattern.
                    return s.is_empty();
                }
            }
            b'\\' if p.len() >= 2 => {
                if s.first() != Some(&p[1]) {
                    return false;
                }
                p = &p[1..];
                s = &s[1..];
            }
            _ => {
                if s.first() != Some(&c) {
                    return false;
                }
                s = &s[1..];
            }
        }
        p = &p[1..];
    }
    s.is_empty()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::matches;

    fn m(p: &str, s: &str) -> bool {
        matches(p.as_bytes(), s.as_bytes())
    }

    #[test]
    fn redis_glob_semantics() {
        assert!(m("*", ""));
        assert!(m("sess:*", "sess:abc"));
        assert!(!m("sess:*", "xsess:abc"));
        assert!(m("h?llo", "hello"));
        assert!(!m("h?llo", "hllo"));
        assert!(m("h[ae]llo", "hallo"));
        assert!(!m("h[ae]llo", "hillo"));
        assert!(m("h[^e]llo", "hallo"));
        assert!(!m("h[^e]llo", "hello"));
        assert!(m("h[a-b]llo", "hbllo"));
        assert!(m("h[b-a]llo", "hallo"));
        assert!(m("a\\*b", "a*b"));
        assert!(!m("a\\*b", "axb"));
        assert!(m("*:*:*", "a:b:c"));
        assert!(!m("*:*:*", "a:b"));
        assert!(m("celery-task-meta-*", "celery-task-meta-1f2e"));
        assert!(m("[\\]]", "]"));
        assert!(m("**a", "bba"));
    }
}
