//! redis.conf memory values (`maxmemory 400mb`, `1G`, `1073741824`) as exact byte counts, and
//! byte counts written back in a given redis unit style.
//!
//! Parsing follows `memtoull()` in redis/redis `src/util.c`, which `config.c` uses for every
//! memory setting: a leading `-` is rejected, then ASCII digits, then a unit compared
//! case-insensitively: none or `b` (bytes), `k` (1000), `kb` (1024), `m` (1000²), `mb` (1024²),
//! `g` (1000³), `gb` (1024³). No sign, decimal point or inner space is accepted; there is no
//! `t`/`tb`. Two deliberate differences: Redis silently saturates/wraps values that overflow
//! 64 bits, this parser reports them; and surrounding ASCII whitespace is trimmed.

use super::{Notation, Reason, UnitError};

/// Parses a redis.conf memory value into bytes, as Redis' `memtoull()` does.
///
/// `0` means "no limit" for `maxmemory`; it is returned as 0. As in Redis (glibc
/// `strtoull`), a unit without digits (`mb`) and the empty string are read as 0.
pub fn parse_redis_memory(s: &str) -> Result<u64, UnitError> {
    let err = |reason| UnitError::new(s, Notation::Redis, reason);
    let t = s.trim_matches(|c: char| c.is_ascii_whitespace());
    if t.is_empty() && !s.is_empty() {
        return Err(err(Reason::Syntax)); // Redis would see " " as an unknown unit
    }
    if let Some(rest) = t.strip_prefix('-') {
        let negative = split(rest).is_some_and(|(digits, _)| !digits.is_empty());
        let reason = if negative { Reason::Negative } else { Reason::Syntax };
        return Err(err(reason));
    }
    let (digits, style) = split(t).ok_or_else(|| err(Reason::Syntax))?;
    if digits.len() >= 128 {
        return Err(err(Reason::Syntax)); // memtoull's digit buffer is 128 bytes
    }
    let value = digits.bytes().try_fold(0u64, |acc, b| acc.checked_mul(10)?.checked_add(u64::from(b - b'0')));
    value.and_then(|v| v.checked_mul(style.multiplier())).ok_or_else(|| err(Reason::Overflow))
}

/// Splits trimmed text into its leading ASCII digits and unit style; `None` if the unit is
/// not one Redis knows.
fn split(t: &str) -> Option<(&str, RedisUnitStyle)> {
    let (digits, unit) = t.split_at(t.bytes().take_while(u8::is_ascii_digit).count());
    let style = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => RedisUnitStyle::Bytes,
        "k" => RedisUnitStyle::K,
        "kb" => RedisUnitStyle::Kb,
        "m" => RedisUnitStyle::M,
        "mb" => RedisUnitStyle::Mb,
        "g" => RedisUnitStyle::G,
        "gb" => RedisUnitStyle::Gb,
        _ => return None,
    };
    Some((digits, style))
}

/// How a memory size is written in redis.conf, to recommend a value "in the same unit style
/// as the file".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedisUnitStyle {
    /// A bare number of bytes (or the `b` unit).
    Bytes,
    /// `k`: 1000 bytes.
    K,
    /// `kb`: 1024 bytes.
    Kb,
    /// `m`: 1000² bytes.
    M,
    /// `mb`: 1024² bytes.
    Mb,
    /// `g`: 1000³ bytes.
    G,
    /// `gb`: 1024³ bytes.
    Gb,
}

impl RedisUnitStyle {
    /// The style of an existing redis memory value such as `400mb` or `1G` (any case), or
    /// `None` if `raw` is not a valid redis memory value.
    pub fn of(raw: &str) -> Option<Self> {
        parse_redis_memory(raw).ok()?;
        split(raw.trim_matches(|c: char| c.is_ascii_whitespace())).map(|(_, style)| style)
    }

    /// Bytes per unit.
    pub(super) fn multiplier(self) -> u64 {
        match self {
            RedisUnitStyle::Bytes => 1,
            RedisUnitStyle::K => 1000,
            RedisUnitStyle::Kb => 1 << 10,
            RedisUnitStyle::M => 1_000_000,
            RedisUnitStyle::Mb => 1 << 20,
            RedisUnitStyle::G => 1_000_000_000,
            RedisUnitStyle::Gb => 1 << 30,
        }
    }

    /// The lowercase unit written after the number (empty for bytes).
    fn suffix(self) -> &'static str {
        match self {
            RedisUnitStyle::Bytes => "",
            RedisUnitStyle::K => "k",
            RedisUnitStyle::Kb => "kb",
            RedisUnitStyle::M => "m",
            RedisUnitStyle::Mb => "mb",
            RedisUnitStyle::G => "g",
            RedisUnitStyle::Gb => "gb",
        }
    }

    /// The next smaller unit of the same base (1000 or 1024).
    fn smaller(self) -> Self {
        match self {
            RedisUnitStyle::Gb => RedisUnitStyle::Mb,
            RedisUnitStyle::Mb => RedisUnitStyle::Kb,
            RedisUnitStyle::G => RedisUnitStyle::M,
            RedisUnitStyle::M => RedisUnitStyle::K,
            RedisUnitStyle::Kb | RedisUnitStyle::K | RedisUnitStyle::Bytes => RedisUnitStyle::Bytes,
        }
    }
}

/// Formats `bytes` for redis.conf in `style`, rounding down to a whole number of units so that
/// a recommendation never exceeds its target: `format_redis_memory(429496729, Mb) == "409mb"`.
///
/// A non-zero size smaller than one unit is written in the next smaller unit of the same base
/// instead (`format_redis_memory(838860, Mb) == "819kb"`), because `0mb` would mean "no limit"
/// to Redis.
pub fn format_redis_memory(bytes: u64, style: RedisUnitStyle) -> String {
    let mut style = style;
    while bytes > 0 && bytes < style.multiplier() {
        style = style.smaller();
    }
    format!("{}{}", bytes / style.multiplier(), style.suffix())
}

#[cfg(test)]
mod tests {
    use super::RedisUnitStyle::{Bytes, G, Gb, K, Kb, M, Mb};
    use super::*;

    const EXPECTED: &str = "expected digits with an optional unit (b, k, kb, m, mb, g, gb; any \
                            case), without sign, decimal point or inner spaces";

    #[test]
    fn parses_every_form() {
        let table: &[(&str, u64)] = &[
            ("0", 0),
            ("1", 1),
            ("1073741824", 1 << 30),
            ("007mb", 7 << 20),
            ("1b", 1),
            ("1B", 1),
            ("1k", 1000),
            ("1K", 1000),
            ("1kb", 1024),
            ("1KB", 1024),
            ("1kB", 1024),
            ("1Kb", 1024),
            ("1m", 1_000_000),
            ("1M", 1_000_000),
            ("100mb", 100 << 20),
            ("100MB", 100 << 20),
            ("1g", 1_000_000_000),
            ("1G", 1_000_000_000),
            ("1gb", 1 << 30),
            ("1GB", 1 << 30),
            ("2Gb", 2 << 30),
            (" 1gb\t", 1 << 30),
            ("18446744073709551615", u64::MAX),
            ("18446744073709551615b", u64::MAX),
            ("17179869183gb", ((1 << 34) - 1) << 30),
            // glibc strtoull("") is 0 without error, so Redis reads these as 0 (no limit)
            ("", 0),
            ("mb", 0),
            ("GB", 0),
            ("b", 0),
        ];
        for &(input, want) in table {
            assert_eq!(parse_redis_memory(input), Ok(want), "input {input:?}");
        }
    }

    #[test]
    fn rejects_invalid_forms_with_clear_messages() {
        let long_zeros = "0".repeat(128);
        let syntax = [
            "1.5gb",
            "1 gb",
            "1kib",
            "1KiB",
            "1mib",
            "1Gi",
            "1t",
            "1tb",
            "1TB",
            "+1",
            "+1gb",
            "1e9",
            "0x10",
            "1gbb",
            "1bb",
            "gb1",
            "1g b",
            "½",
            "１",
            " ",
            "\n",
            "-",
            "-x",
            "--1",
            &long_zeros,
        ];
        for input in syntax {
            let err = parse_redis_memory(input).expect_err(input);
            assert_eq!(err.input(), input);
            let shown = input.replace('\n', "\\n");
            assert_eq!(err.to_string(), format!("invalid redis.conf memory value `{shown}`: {EXPECTED}"));
        }
        for input in ["-1", "-1gb", "-0"] {
            let err = parse_redis_memory(input).expect_err(input);
            let want = format!("invalid redis.conf memory value `{input}`: a memory size cannot be negative");
            assert_eq!(err.to_string(), want);
        }
        for input in ["18446744073709551616", "17179869184gb", "99999999999999999999999mb"] {
            let err = parse_redis_memory(input).expect_err(input);
            assert!(err.to_string().contains("does not fit in 64 bits"), "{err}");
            assert!(err.to_string().contains(input), "{err}");
        }
    }

    #[test]
    fn style_of_existing_values() {
        let table = [
            ("400mb", Some(Mb)),
            ("400MB", Some(Mb)),
            ("1G", Some(G)),
            ("1gb", Some(Gb)),
            ("10k", Some(K)),
            ("10Kb", Some(Kb)),
            ("5m", Some(M)),
            ("1073741824", Some(Bytes)),
            ("100b", Some(Bytes)),
            (" 2gb ", Some(Gb)),
            ("1.5gb", None),
            ("1Gi", None),
            ("-1mb", None),
        ];
        for (raw, want) in table {
            assert_eq!(RedisUnitStyle::of(raw), want, "raw {raw:?}");
        }
    }

    #[test]
    fn formats_rounding_down_in_the_requested_style() {
        let table = [
            (429_496_729, Mb, "409mb"),
            (429_496_729, M, "429m"),
            (429_496_729, Kb, "419430kb"),
            (429_496_729, Bytes, "429496729"),
            (1 << 30, Gb, "1gb"),
            ((1 << 31) - 1, Gb, "1gb"),
            (1_000_000_000, G, "1g"),
            (858_993_459, Mb, "819mb"),
            (0, Mb, "0mb"),
            (838_860, Mb, "819kb"),
            (838_860, G, "838k"),
            (500, Gb, "500"),
            (1, K, "1"),
        ];
        for (bytes, style, want) in table {
            assert_eq!(format_redis_memory(bytes, style), want, "{bytes} as {style:?}");
        }
    }
}
