//! What a Redis is used for: decides which eviction policy is right, for the linter and the
//! live audit alike.

/// The role of a Redis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Cache,
    Queue,
    Sessions,
    /// Several roles at once (e.g. cache and queue in one instance).
    Mixed,
    #[default]
    Unknown,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Cache => "cache",
            Role::Queue => "queue",
            Role::Sessions => "sessions",
            Role::Mixed => "mixed",
            Role::Unknown => "unknown",
        }
    }
}
