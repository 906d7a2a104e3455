//! Formatting byte counts derived from a Kubernetes memory limit: the redis unit style to
//! recommend a `maxmemory` in, and human-readable binary sizes (`192Mi`, `409.6Mi`) for
//! finding messages.
//!
//! Suffix meanings follow `suffix.go` in `k8s.io/apimachinery/pkg/api/resource` and Redis'
//! `memtoull()` in `src/util.c`.

use super::{RedisUnitStyle, parse_k8s_quantity};

/// Binary suffixes from largest to smallest, with their power of two.
const BINARY: [(&str, u32); 6] = [("Ei", 60), ("Pi", 50), ("Ti", 40), ("Gi", 30), ("Mi", 20), ("Ki", 10)];

const MIB: u64 = 1 << 20;

/// The redis unit style for a value derived from a Kubernetes limit written as `raw`.
///
/// Binary Kubernetes suffixes (`Ki` .. `Ei`) map to the 1024-based redis units, everything
/// else (decimal suffixes, exponents, plain bytes, unparseable text) to the 1000-based ones.
/// The megabyte level is used unless the limit is below 1 MiB: `512Mi` and `1Gi` give `Mb`
/// (80% of 1Gi is `819mb`), `500M`, `1G` and `1e9` give `M`, `512Ki` gives `Kb`.
pub fn redis_style_for_k8s(raw: &str) -> RedisUnitStyle {
    let trimmed = raw.trim();
    let binary = BINARY.iter().any(|(suffix, _)| trimmed.ends_with(suffix));
    let small = parse_k8s_quantity(trimmed).is_ok_and(|bytes| bytes < MIB);
    match (binary, small) {
        (true, false) => RedisUnitStyle::Mb,
        (true, true) => RedisUnitStyle::Kb,
        (false, false) => RedisUnitStyle::M,
        (false, true) => RedisUnitStyle::K,
    }
}

/// A size for a table column, like `kubectl top`: the largest binary unit not above the value,
/// one decimal place rounded to nearest, without a trailing `.0` (`12476416` -> `11.9Mi`,
/// `209715200` -> `200Mi`, `991408` -> `968.2Ki`); under 1 KiB in bytes (`512B`).
pub fn format_bytes_short(bytes: u64) -> String {
    match tenths_of_largest_unit(bytes) {
        None => format!("{bytes}B"),
        Some((tenths, suffix)) if tenths.is_multiple_of(10) => format!("{}{suffix}", tenths / 10),
        Some((tenths, suffix)) => format!("{}.{}{suffix}", tenths / 10, tenths % 10),
    }
}

/// A human-readable binary size for messages.
///
/// Uses the largest binary unit that divides `bytes` exactly (`201326592` -> `192Mi`,
/// `1073741824` -> `1Gi`). Otherwise sizes below 1 MiB are written in bytes (`1500` ->
/// `1500B`) and larger ones with one decimal place, rounded to nearest, of the largest unit
/// not above the value (`429496729` -> `409.6Mi`); a value that rounds up to 1024 of a unit
/// is written in the next unit (`1.0Gi`). Zero is `0B`.
pub fn format_k8s_bytes(bytes: u64) -> String {
    if bytes == 0 {
        return "0B".to_owned();
    }
    if let Some((suffix, shift)) = BINARY.iter().find(|(_, shift)| bytes.trailing_zeros() >= *shift) {
        return format!("{}{suffix}", bytes >> shift);
    }
    match tenths_of_largest_unit(bytes) {
        Some((tenths, suffix)) if bytes >= MIB => format!("{}.{}{suffix}", tenths / 10, tenths % 10),
        _ => format!("{bytes}B"),
    }
}

/// `bytes` in tenths of the largest binary unit not above it, rounded to nearest; a value
/// that rounds up to 1024 of a unit (1023.96Mi) is given in the next unit (1.0Gi). `None`
/// under 1 KiB.
fn tenths_of_largest_unit(bytes: u64) -> Option<(u128, &'static str)> {
    let mut index = BINARY.iter().position(|(_, shift)| bytes >> shift > 0)?;
    loop {
        let (suffix, shift) = BINARY[index];
        let unit = 1u128 << shift;
        let tenths = (u128::from(bytes) * 10 + unit / 2) / unit;
        if tenths >= 10240 && index > 0 {
            index -= 1;
            continue;
        }
        return Some((tenths, suffix));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::units::format_redis_memory;

    #[test]
    fn style_for_k8s_limits() {
        let table = [
            ("512Mi", RedisUnitStyle::Mb),
            ("1Gi", RedisUnitStyle::Mb),
            ("0.5Gi", RedisUnitStyle::Mb),
            ("2Ti", RedisUnitStyle::Mb),
            (" 1Mi ", RedisUnitStyle::Mb),
            ("512Ki", RedisUnitStyle::Kb),
            ("1G", RedisUnitStyle::M),
            ("500M", RedisUnitStyle::M),
            ("1e9", RedisUnitStyle::M),
            ("128974848", RedisUnitStyle::M),
            ("1048576", RedisUnitStyle::M),
            ("1048575", RedisUnitStyle::K),
            ("900k", RedisUnitStyle::K),
            ("not a quantity", RedisUnitStyle::M),
        ];
        for (raw, want) in table {
            assert_eq!(redis_style_for_k8s(raw), want, "raw {raw:?}");
        }
        let limit = parse_k8s_quantity("1Gi").expect("valid quantity");
        assert_eq!(format_redis_memory(limit / 5 * 4, redis_style_for_k8s("1Gi")), "819mb");
        let limit = parse_k8s_quantity("1G").expect("valid quantity");
        assert_eq!(format_redis_memory(limit / 5 * 4, redis_style_for_k8s("1G")), "800m");
    }

    #[test]
    fn human_readable_binary_sizes() {
        let table = [
            (0, "0B"),
            (1, "1B"),
            (1500, "1500B"),
            (1024, "1Ki"),
            (1536, "1536B"),
            (1_048_575, "1048575B"),
            (201_326_592, "192Mi"),
            (1_073_741_824, "1Gi"),
            (3 << 29, "1536Mi"),
            (1 << 60, "1Ei"),
            (15 << 60, "15Ei"),
            (429_496_729, "409.6Mi"),
            (1_048_577, "1.0Mi"),
            ((1 << 30) - 1, "1.0Gi"),
            (u64::MAX, "16.0Ei"),
        ];
        for (bytes, want) in table {
            assert_eq!(format_k8s_bytes(bytes), want, "{bytes}");
        }
    }
}

#[cfg(test)]
mod short_tests {
    use super::format_bytes_short as f;

    #[test]
    fn table_sizes() {
        assert_eq!(f(0), "0B");
        assert_eq!(f(512), "512B");
        assert_eq!(f(1024), "1Ki");
        assert_eq!(f(991_408), "968.2Ki");
        assert_eq!(f(12_476_416), "11.9Mi");
        assert_eq!(f(200 * 1024 * 1024), "200Mi");
        assert_eq!(f(1024 * 1024 * 1024 - 1), "1Gi");
        assert_eq!(f(u64::MAX), "16Ei");
    }
}
