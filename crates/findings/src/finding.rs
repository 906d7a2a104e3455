//! A finding and where it points.

use crate::Severity;

/// A byte range in a file. Line and column are computed only when rendering.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, serde::Serialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end: end.max(start) }
    }

    /// The slice of `text` this span covers, if it is in bounds and on char boundaries.
    pub fn slice(self, text: &str) -> Option<&str> {
        text.get(self.start..self.end)
    }
}

/// Where a finding points.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Location {
    /// A byte range in a scanned file. `path` is as the user gave it (relative, `/`-separated);
    /// `-` stands for standard input.
    File { path: String, span: Span },
    /// A container of a live pod.
    Pod { namespace: String, pod: String, container: Option<String> },
    /// A key in a live Redis.
    Key { target: String, db: u32, key: String },
    /// A live Redis server reached directly (a URL or socket, password removed).
    Server { target: String },
}

impl Location {
    pub fn file(path: impl Into<String>, span: Span) -> Self {
        Location::File { path: path.into(), span }
    }

    pub fn path(&self) -> Option<&str> {
        match self {
            Location::File { path, .. } => Some(path),
            _ => None,
        }
    }
}

/// A second place that explains a finding (e.g. the limit a `maxmemory` is compared with).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Related {
    pub location: Location,
    pub message: String,
}

/// One problem found by a rule.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Finding {
    /// Rule id from the catalog, e.g. `maxmemory-unset`.
    pub rule: String,
    pub severity: Severity,
    pub message: String,
    pub location: Location,
    /// Other places that explain the finding.
    pub related: Vec<Related>,
    /// Stable identity of the finding that survives line shifts (see [`crate::fingerprint`]).
    pub fingerprint: String,
}

impl Finding {
    /// A finding whose identity is `rule` + file + `identity`, the latter naming the thing
    /// flagged (e.g. `StatefulSet/cache/redis` or `master.resources`), never a line number.
    pub fn new(
        rule: &str,
        severity: Severity,
        message: impl Into<String>,
        location: Location,
        identity: &str,
    ) -> Self {
        let where_ = match &location {
            Location::File { path, .. } => path.clone(),
            Location::Pod { namespace, pod, container } => {
                format!("{namespace}/{pod}/{}", container.as_deref().unwrap_or(""))
            }
            Location::Key { target, db, key } => format!("{target}/{db}/{key}"),
            Location::Server { target } => target.clone(),
        };
        Finding {
            rule: rule.to_string(),
            severity,
            message: message.into(),
            fingerprint: crate::fingerprint(&[rule, &where_, identity]),
            location,
            related: Vec::new(),
        }
    }

    pub fn with_related(mut self, location: Location, message: impl Into<String>) -> Self {
        self.related.push(Related { location, message: message.into() });
        self
    }

    /// Sort key: path, start offset, rule id.
    pub fn sort_key(&self) -> (&Location, &str) {
        (&self.location, &self.rule)
    }
}
