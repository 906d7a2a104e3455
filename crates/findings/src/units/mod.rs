//! Memory units: exact conversion of Kubernetes resource quantities and redis.conf memory
//! values into bytes, and formatting of byte counts back into either notation.
//!
//! The container memory limit (`512Mi`, `0.5Gi`, `1e9`, ...) and `maxmemory` (`400mb`, `1G`,
//! ...) are written in two different notations; the rules that compare them need both as exact
//! byte counts. Parsing is integer arithmetic only (no floating point), following upstream:
//!
//! * Kubernetes: `k8s.io/apimachinery/pkg/api/resource/quantity.go` (`ParseQuantity`,
//!   `parseQuantityString`) and `suffix.go`; fractional byte counts round up, as
//!   `Quantity.Value()` does.
//! * Redis: `memtoull()` in `src/util.c` of redis/redis, used by `config.c` for every memory
//!   setting (`maxmemory`, `client-output-buffer-limit`, ...).
//!
//! See [`parse_k8s_quantity`], [`parse_redis_memory`] and the formatting helpers in
//! [`format_redis_memory`], [`redis_style_for_k8s`] and [`format_k8s_bytes`].

use std::fmt;

mod format;
mod k8s_quantity;
#[cfg(test)]
mod proptests;
mod redis_memory;

pub use format::{format_bytes_short, format_k8s_bytes, redis_style_for_k8s};
pub use k8s_quantity::parse_k8s_quantity;
pub use redis_memory::{RedisUnitStyle, format_redis_memory, parse_redis_memory};

/// A memory value that cannot be converted to bytes.
///
/// Its `Display` is a one-line message naming the input (control characters escaped) and what
/// was expected instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {} `{}`: {}", .notation.noun(), Escaped(.input), .notation.explain(.reason))]
pub struct UnitError {
    input: String,
    notation: Notation,
    reason: Reason,
}

impl UnitError {
    /// The text that failed to parse, exactly as it was passed in.
    pub fn input(&self) -> &str {
        &self.input
    }

    fn new(input: &str, notation: Notation, reason: Reason) -> Self {
        UnitError { input: input.to_owned(), notation, reason }
    }
}

/// Which notation an input was being parsed as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Notation {
    Kubernetes,
    Redis,
}

/// Why an input was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reason {
    /// Not of the form the notation allows.
    Syntax,
    /// A negative amount of memory.
    Negative,
    /// More bytes than fit in a `u64`.
    Overflow,
}

impl Notation {
    fn noun(self) -> &'static str {
        match self {
            Notation::Kubernetes => "Kubernetes quantity",
            Notation::Redis => "redis.conf memory value",
        }
    }

    fn explain(self, reason: &Reason) -> &'static str {
        match (self, reason) {
            (Notation::Kubernetes, Reason::Syntax) => {
                "expected a number with an optional suffix (Ki, Mi, Gi, Ti, Pi, Ei, k, M, G, T, \
                 P, E, m, u, n) or exponent (1e9)"
            }
            (Notation::Redis, Reason::Syntax) => {
                "expected digits with an optional unit (b, k, kb, m, mb, g, gb; any case), \
                 without sign, decimal point or inner spaces"
            }
            (_, Reason::Negative) => "a memory size cannot be negative",
            (_, Reason::Overflow) => "more than 18446744073709551615 bytes (does not fit in 64 bits)",
        }
    }
}

/// Displays input text with control characters (newlines, ...) escaped, so that the error
/// message stays on one line.
struct Escaped<'a>(&'a str);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in self.0.chars() {
            if c.is_control() {
                write!(f, "{}", c.escape_default())?;
            } else {
                fmt::Write::write_char(f, c)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_message_is_one_line_and_names_the_input() {
        let err = UnitError::new("1\nGi", Notation::Kubernetes, Reason::Syntax);
        let msg = err.to_string();
        assert!(!msg.contains('\n'), "{msg}");
        assert!(msg.starts_with("invalid Kubernetes quantity `1\\nGi`: expected"), "{msg}");
        assert_eq!(err.input(), "1\nGi");
    }
}
