//! The vocabulary shared by the linter, the live audit and the renderers: findings, severities,
//! locations, memory units and the rule catalog embedded from `lint-rules/`.
//!
//! This crate does no I/O: everything it knows is compiled in.

pub mod catalog;
mod finding;
mod fingerprint;
mod role;
mod severity;
pub mod units;

pub use catalog::{Catalog, Example, Rule, Scope, catalog};
pub use finding::{Finding, Location, Related, Span};
pub use fingerprint::fingerprint;
pub use role::Role;
pub use severity::{Severity, SeverityParseError};
