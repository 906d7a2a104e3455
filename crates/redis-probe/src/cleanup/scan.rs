//! The SCAN side of a cleanup: one MATCH on the server when there is one pattern, the others
//! (several patterns, a date in the name) checked here, byte for byte as Redis globs.

use redis::Value;

use super::{Selection, date, glob};

/// Where a SCAN pass is, and how it filters names.
#[derive(Debug, Clone)]
pub(crate) struct Scanner {
    pub cursor: u64,
    /// `MATCH` argument (one pattern).
    server_match: Option<Vec<u8>>,
    /// Patterns checked here (two or more).
    globs: Vec<Vec<u8>>,
    dated_before_day: Option<i64>,
    pub count: u32,
}

impl Scanner {
    pub fn new(sel: &Selection, cursor: u64, count: u32) -> Scanner {
        let patterns: Vec<Vec<u8>> =
            sel.patterns.iter().filter(|p| p.as_str() != "*").map(|p| p.as_bytes().to_vec()).collect();
        let any_star = sel.patterns.iter().any(|p| p == "*");
        let (server_match, globs) = match (any_star, patterns.len()) {
            (true, _) | (false, 0) => (None, Vec::new()),
            (false, 1) => (patterns.into_iter().next(), Vec::new()),
            (false, _) => (None, patterns),
        };
        Scanner { cursor, server_match, globs, dated_before_day: sel.dated_before_day, count: count.max(1) }
    }

    /// Adds `SCAN cursor [MATCH p] COUNT n` to `pipe`.
    pub fn add_scan(&self, pipe: &mut redis::Pipeline) {
        let c = pipe.cmd("SCAN").arg(self.cursor);
        if let Some(m) = &self.server_match {
            c.arg("MATCH").arg(m.as_slice());
        }
        c.arg("COUNT").arg(self.count);
    }

    /// Whether a key returned by SCAN passes the name filters kept here.
    pub fn name_matches(&self, key: &[u8]) -> bool {
        if !self.globs.is_empty() && !self.globs.iter().any(|g| glob::matches(g, key)) {
            return false;
        }
        match self.dated_before_day {
            Some(before) => date::trailing_day(key).is_some_and(|d| d < before),
            None => true,
        }
    }
}

/// The `[cursor, [keys...]]` reply of SCAN.
pub(crate) fn parse_scan(v: Value) -> Result<(u64, Vec<Vec<u8>>), String> {
    let Value::Array(mut parts) = v else {
        return Err(match v {
            Value::ServerError(e) => format!("{e:?}"),
            other => format!("unexpected SCAN reply {other:?}"),
        });
    };
    if parts.len() != 2 {
        return Err("unexpected SCAN reply".into());
    }
    let keys = parts.pop();
    let cursor = match parts.pop() {
        Some(Value::BulkString(b)) => std::str::from_utf8(&b).ok().and_then(|s| s.parse().ok()),
        Some(Value::Int(n)) => u64::try_from(n).ok(),
        _ => None,
    }
    .ok_or("SCAN returned no cursor")?;
    let keys = match keys {
        Some(Value::Array(items)) => items
            .into_iter()
            .filter_map(|k| match k {
                Value::BulkString(b) => Some(b),
                Value::SimpleString(s) => Some(s.into_bytes()),
                _ => None,
            })
            .collect(),
        _ => return Err("SCAN returned no key list".into()),
    };
    Ok((cursor, keys))
}

/// A server error reply as one line.
pub(crate) fn error_text(v: &Value) -> Option<String> {
    match v {
        Value::ServerError(e) => {
            Some(format!("{} {}", e.code(), e.details().unwrap_or_default()).trim().to_string())
        }
        _ => None,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn one_pattern_goes_to_the_server_several_are_checked_here() {
        let one = Selection { patterns: vec!["sess:*".into()], ..Selection::default() };
        let s = Scanner::new(&one, 0, 100);
        assert_eq!(s.server_match.as_deref(), Some(&b"sess:*"[..]));
        assert!(s.name_matches(b"anything"));
        let two = Selection { patterns: vec!["a:*".into(), "b:*".into()], ..Selection::default() };
        let s = Scanner::new(&two, 0, 100);
        assert!(s.server_match.is_none());
        assert!(s.name_matches(b"a:1") && s.name_matches(b"b:1") && !s.name_matches(b"c:1"));
        let dated = Selection {
            patterns: vec!["stat:processed:*".into()],
            dated_before_day: date::days_from_civil(2024, 1, 10),
            ..Selection::default()
        };
        let s = Scanner::new(&dated, 0, 100);
        assert!(s.name_matches(b"stat:processed:2024-01-09"));
        assert!(!s.name_matches(b"stat:processed:2024-01-10"));
        assert!(!s.name_matches(b"stat:processed"));
    }

    #[test]
    fn scan_replies_parse() {
        let v = Value::Array(vec![
            Value::BulkString(b"17".to_vec()),
            Value::Array(vec![Value::BulkString(b"k".to_vec())]),
        ]);
        assert_eq!(parse_scan(v), Ok((17, vec![b"k".to_vec()])));
        assert!(parse_scan(Value::Nil).is_err());
        assert!(parse_scan(Value::Array(vec![Value::Nil, Value::Nil])).is_err());
    }
}
