//! Where a Redis is: `redis://`, `rediss://`, `unix://` URLs (or a bare socket path), with
//! optional ACL user, password and db. The password is kept out of every `Display`.

use std::fmt;

/// How to reach the server.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Address {
    Tcp {
        host: String,
        port: u16,
        tls: bool,
    },
    Unix {
        path: String,
    },
    /// A stream the caller opens (a Kubernetes port-forward), shown as `label`
    /// (`pod/cache/redis-master-0`); only [`crate::Probe::from_stream`] can use it.
    Stream {
        label: String,
    },
}

/// A Redis to connect to.
#[derive(Clone, PartialEq, Eq)]
pub struct Target {
    pub address: Address,
    pub username: Option<String>,
    password: Option<String>,
    pub db: u32,
    /// Accept any TLS certificate (`rediss://...?insecure=true`), for self-signed test servers.
    pub tls_insecure: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    #[error("invalid Redis URL `{shown}`: {reason}")]
    Invalid { shown: String, reason: String },
}

impl Target {
    pub fn unix(path: impl Into<String>) -> Self {
        Target {
            address: Address::Unix { path: path.into() },
            username: None,
            password: None,
            db: 0,
            tls_insecure: false,
        }
    }

    /// A server reached through a stream the caller opens, named `label` in every message.
    pub fn stream(label: impl Into<String>) -> Self {
        Target {
            address: Address::Stream { label: label.into() },
            username: None,
            password: None,
            db: 0,
            tls_insecure: false,
        }
    }

    pub fn with_password(mut self, password: Option<String>) -> Self {
        self.password = password;
        self
    }

    pub fn with_db(mut self, db: u32) -> Self {
        self.db = db;
        self
    }

    pub fn password(&self) -> Option<&str> {
        self.password.as_deref()
    }

    /// Parses `redis://[user[:password]@]host[:port][/db]`, `rediss://...`, `unix:///path[?db=N]`
    /// or a bare path to a socket.
    pub fn parse(input: &str) -> Result<Target, TargetError> {
        let invalid =
            |reason: &str| TargetError::Invalid { shown: redact(input), reason: reason.to_string() };
        if input.starts_with('/') || input.starts_with("./") {
            return Ok(Target::unix(input));
        }
        let url = url::Url::parse(input).map_err(|e| invalid(&e.to_string()))?;
        let decode = |s: &str| {
            url::form_urlencoded::parse(format!("x={s}").as_bytes()).next().map(|(_, v)| v.into_owned())
        };
        let username = Some(url.username()).filter(|u| !u.is_empty()).and_then(decode);
        let password = url.password().and_then(decode);
        let query_db = url.query_pairs().find(|(k, _)| k == "db").map(|(_, v)| v.into_owned());
        let tls_insecure = url.query_pairs().any(|(k, v)| k == "insecure" && (v == "true" || v == "1"));
        let parse_db =
            |s: &str| s.parse::<u32>().map_err(|_| invalid(&format!("database `{s}` is not a number")));
        let (address, db) = match url.scheme() {
            "redis" | "rediss" | "valkey" | "valkeys" => {
                let host = url.host_str().filter(|h| !h.is_empty()).ok_or_else(|| invalid("no host"))?;
                let host = host.trim_start_matches('[').trim_end_matches(']').to_string();
                let tls = matches!(url.scheme(), "rediss" | "valkeys");
                let path_db = url.path().trim_start_matches('/');
                let db = match (path_db.is_empty(), query_db) {
                    (false, _) => parse_db(path_db)?,
                    (true, Some(q)) => parse_db(&q)?,
                    (true, None) => 0,
                };
                (Address::Tcp { host, port: url.port().unwrap_or(6379), tls }, db)
            }
            "unix" | "redis+unix" => {
                let path = url.path();
                if path.is_empty() {
                    return Err(invalid("no socket path"));
                }
                (
                    Address::Unix { path: path.to_string() },
                    query_db.as_deref().map(parse_db).transpose()?.unwrap_or(0),
                )
            }
            other => {
                return Err(invalid(&format!(
                    "unsupported scheme `{other}` (use redis://, rediss:// or unix://)"
                )));
            }
        };
        Ok(Target { address, username, password, db, tls_insecure })
    }
}

/// `input` with any password replaced, for error messages about unparsable URLs.
fn redact(input: &str) -> String {
    match (input.find("://"), input.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let creds = &input[scheme_end + 3..at];
            let user = creds.split(':').next().unwrap_or("");
            let shown_user = if creds.contains(':') { format!("{user}:***") } else { "***".to_string() };
            format!("{}{}{}", &input[..scheme_end + 3], shown_user, &input[at..])
        }
        _ => input.to_string(),
    }
}

impl fmt::Display for Target {
    /// The target without its password: safe for output, errors and logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.address {
            Address::Tcp { host, port, tls } => {
                let scheme = if *tls { "rediss" } else { "redis" };
                let host = if host.contains(':') { format!("[{host}]") } else { host.clone() };
                match &self.username {
                    Some(u) => write!(f, "{scheme}://{u}@{host}:{port}")?,
                    None => write!(f, "{scheme}://{host}:{port}")?,
                }
                if self.db != 0 {
                    write!(f, "/{}", self.db)?;
                }
                Ok(())
            }
            Address::Stream { label } => {
                write!(f, "{label}")?;
                if self.db != 0 {
                    write!(f, " db {}", self.db)?;
                }
                Ok(())
            }
            Address::Unix { path } => {
                write!(f, "unix://{path}")?;
                if self.db != 0 {
                    write!(f, "?db={}", self.db)?;
                }
                Ok(())
            }
        }
    }
}

impl fmt::Debug for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Target({self}{})", if self.password.is_some() { ", password: ***" } else { "" })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_never_shows_the_password() {
        let t = Target::parse("redis://app:s3cr%40t@cache.prod:6380/2").unwrap();
        assert_eq!(t.address, Address::Tcp { host: "cache.prod".into(), port: 6380, tls: false });
        assert_eq!((t.username.as_deref(), t.password(), t.db), (Some("app"), Some("s3cr@t"), 2));
        assert_eq!(t.to_string(), "redis://app@cache.prod:6380/2");
        assert!(!format!("{t:?}").contains("s3cr"));
        let t = Target::parse("rediss://:pw@h").unwrap();
        assert_eq!(t.address, Address::Tcp { host: "h".into(), port: 6379, tls: true });
        assert_eq!((t.username.as_deref(), t.password()), (None, Some("pw")));
        let t = Target::parse("unix:///tmp/r.sock?db=3").unwrap();
        assert_eq!((t.address, t.db), (Address::Unix { path: "/tmp/r.sock".into() }, 3));
        assert_eq!(Target::parse("/tmp/r.sock").unwrap().to_string(), "unix:///tmp/r.sock");
        let e = Target::parse("redis://u:topsecret@host/x").unwrap_err().to_string();
        assert!(!e.contains("topsecret"), "{e}");
        let e = Target::parse("http://u:topsecret@host").unwrap_err().to_string();
        assert!(!e.contains("topsecret") && e.contains("unsupported scheme"), "{e}");
        assert_eq!(Target::parse("redis://[::1]:7000").unwrap().to_string(), "redis://[::1]:7000");
    }
}
