//! Turning config lines and flags, in the order Redis applies them, into the effective
//! `maxmemory` and `maxmemory-policy`.

use findings::{Span, units::parse_redis_memory};

use super::{Maxmemory, Policy, Sourced};
use crate::redis_conf::{Directive, Flag};

/// One `name args...` assignment from any config source.
#[derive(Debug, Clone, PartialEq)]
pub struct Assign {
    pub name: String,
    pub args: Vec<String>,
    pub path: String,
    pub span: Span,
    /// Value comes from a shell variable or template, unknowable statically.
    pub dynamic: bool,
}

impl Assign {
    pub fn from_directive(d: &Directive, path: &str) -> Self {
        Assign {
            name: d.name.clone(),
            args: d.args.clone(),
            path: path.to_string(),
            span: d.value_span,
            dynamic: false,
        }
    }

    pub fn from_flag(f: &Flag, path: &str) -> Self {
        Assign {
            name: f.name.clone(),
            args: f.args.clone(),
            path: path.to_string(),
            span: f.span,
            dynamic: f.dynamic,
        }
    }

    pub fn value(&self) -> &str {
        self.args.first().map_or("", String::as_str)
    }
}

/// The Redis default policy and where it comes from.
pub const REDIS_DEFAULT_POLICY: (&str, &str) = ("noeviction", "the Redis default");

/// Effective settings from assignments in application order (later wins).
/// `unresolved` lists config sources that exist but could not be read; when one of them could
/// set a value we did not see set, the value is unknown rather than unset.
pub fn settle(
    assigns: &[Assign],
    unresolved: &[String],
    default_policy: (&'static str, &'static str),
) -> (Maxmemory, Policy) {
    let last = |name: &str| assigns.iter().rev().find(|a| a.name == name);
    let unknown_reason = || unresolved.first().cloned();
    let maxmemory = match last("maxmemory") {
        Some(a) if a.dynamic || a.value().contains('$') || a.value().contains("{{") => {
            Maxmemory::Unknown(format!("maxmemory is set from a variable (`{}`)", a.value()))
        }
        Some(a) => match parse_redis_memory(a.value()) {
            Ok(bytes) => Maxmemory::Set(Sourced {
                value: bytes,
                raw: a.value().to_string(),
                path: a.path.clone(),
                span: a.span,
            }),
            Err(e) => Maxmemory::Unknown(e.to_string()),
        },
        None => unknown_reason().map_or(Maxmemory::Unset, Maxmemory::Unknown),
    };
    let policy = match last("maxmemory-policy") {
        Some(a) if a.dynamic || a.value().contains('$') || a.value().contains("{{") => {
            Policy::Unknown(format!("maxmemory-policy is set from a variable (`{}`)", a.value()))
        }
        Some(a) => Policy::Set(Sourced {
            value: a.value().to_ascii_lowercase(),
            raw: a.value().to_string(),
            path: a.path.clone(),
            span: a.span,
        }),
        None => match unknown_reason() {
            Some(reason) => Policy::Unknown(reason),
            None => Policy::Default { value: default_policy.0, origin: default_policy.1 },
        },
    };
    (maxmemory, policy)
}
