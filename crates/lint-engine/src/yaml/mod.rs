//! Span-aware YAML: granit-parser events folded into a small arena tree per document.
//!
//! Why not serde: a linter needs byte spans of keys and values, comments (inline suppressions),
//! duplicate keys and merge keys as written. Aliases are kept as references to the anchored node,
//! never expanded, so an alias bomb costs nothing; every walk over the tree is bounded.

mod tree;

pub use tree::{Comment, Doc, NodeId, NodeKind, ParseError, YamlFile, parse};
