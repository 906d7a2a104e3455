//! Property tests for the memory unit parsers and formatters: exact round trips through every
//! suffix, no panics on arbitrary text, and rejection of invalid suffixes with a message that
//! names the input. The notations follow `quantity.go` (Kubernetes) and `memtoull()` in Redis'
//! `src/util.c`.

use proptest::prelude::*;

use super::{
    RedisUnitStyle, format_k8s_bytes, format_redis_memory, parse_k8s_quantity, parse_redis_memory,
    redis_style_for_k8s,
};

const K8S_BINARY: [(&str, u32); 6] = [("Ki", 10), ("Mi", 20), ("Gi", 30), ("Ti", 40), ("Pi", 50), ("Ei", 60)];
const K8S_DECIMAL: [(&str, u32); 7] =
    [("", 0), ("k", 3), ("M", 6), ("G", 9), ("T", 12), ("P", 15), ("E", 18)];
const REDIS_STYLES: [RedisUnitStyle; 7] = [
    RedisUnitStyle::Bytes,
    RedisUnitStyle::K,
    RedisUnitStyle::Kb,
    RedisUnitStyle::M,
    RedisUnitStyle::Mb,
    RedisUnitStyle::G,
    RedisUnitStyle::Gb,
];

proptest! {
    #[test]
    fn k8s_binary_suffixes_round_trip(raw in any::<u64>(), i in 0..K8S_BINARY.len()) {
        let (suffix, shift) = K8S_BINARY[i];
        let n = raw >> shift; // n << shift fits in u64
        prop_assert_eq!(parse_k8s_quantity(&format!("{n}{suffix}")), Ok(n << shift));
    }

    #[test]
    fn k8s_decimal_suffixes_and_exponents_round_trip(raw in any::<u64>(), i in 0..K8S_DECIMAL.len()) {
        let (suffix, exp) = K8S_DECIMAL[i];
        let unit = 10u64.pow(exp);
        let n = raw / unit; // n * unit fits in u64
        prop_assert_eq!(parse_k8s_quantity(&format!("{n}{suffix}")), Ok(n * unit));
        prop_assert_eq!(parse_k8s_quantity(&format!("{n}e{exp}")), Ok(n * unit));
        prop_assert_eq!(parse_k8s_quantity(&format!("+{n}E+{exp}")), Ok(n * unit));
    }

    #[test]
    fn k8s_decimal_fractions_are_exact(bytes in any::<u64>()) {
        let decimal = format!("{}.{:03}k", bytes / 1000, bytes % 1000);
        prop_assert_eq!(parse_k8s_quantity(&decimal), Ok(bytes));
        let milli = format!("{bytes}000m");
        prop_assert_eq!(parse_k8s_quantity(&milli), Ok(bytes));
        let scaled = format!("{bytes}0e-1");
        prop_assert_eq!(parse_k8s_quantity(&scaled), Ok(bytes));
    }

    #[test]
    fn k8s_fractions_round_up(n in 0u64..u64::MAX / 1000) {
        prop_assert_eq!(parse_k8s_quantity(&format!("{n}m")), Ok(n.div_ceil(1000)));
        prop_assert_eq!(parse_k8s_quantity(&format!("{n}e-3")), Ok(n.div_ceil(1000)));
        prop_assert_eq!(parse_k8s_quantity(&format!("{n}u")), Ok(n.div_ceil(1_000_000)));
    }

    #[test]
    fn exact_k8s_bytes_format_parses_back(raw in any::<u64>(), shift in 0u32..64) {
        let bytes = raw >> shift << shift;
        let text = format_k8s_bytes(bytes);
        if text.ends_with('i') && !text.contains('.') {
            prop_assert_eq!(parse_k8s_quantity(&text), Ok(bytes));
        }
    }

    #[test]
    fn redis_styles_round_trip(raw in any::<u64>(), i in 0..REDIS_STYLES.len(), upper in any::<bool>()) {
        let style = REDIS_STYLES[i];
        let unit = style.multiplier();
        let bytes = raw / unit * unit;
        let mut text = format_redis_memory(bytes, style);
        if upper {
            text = text.to_uppercase();
        }
        prop_assert_eq!(parse_redis_memory(&text), Ok(bytes));
        if bytes > 0 {
            prop_assert_eq!(RedisUnitStyle::of(&text), Some(style));
        }
    }

    #[test]
    fn redis_formatting_never_exceeds_nor_zeroes_the_target(bytes in any::<u64>(), i in 0..REDIS_STYLES.len()) {
        let written = parse_redis_memory(&format_redis_memory(bytes, REDIS_STYLES[i]));
        let written = written.map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert!(written <= bytes);
        prop_assert_eq!(written == 0, bytes == 0);
    }

    #[test]
    fn parsers_never_panic_on_arbitrary_text(s in any::<String>()) {
        check_no_panic(&s)?;
    }

    #[test]
    fn parsers_never_panic_on_number_like_text(s in "[-+ .0-9a-zA-Z]{0,24}") {
        check_no_panic(&s)?;
    }

    #[test]
    fn k8s_rejects_invalid_suffixes(s in "[0-9]{1,5}(ki|KI|Kb|mi|x|zz|Zi|K|B|iB|GiB| Gi)") {
        let err = parse_k8s_quantity(&s).expect_err("invalid suffix accepted");
        prop_assert!(err.to_string().contains(&s), "{}", err);
    }

    #[test]
    fn redis_rejects_invalid_suffixes(s in "[0-9]{1,5}(ki|KI|kib|mi|Gi|t|tb|x|zz|Zi|e9| gb|\\.5gb)") {
        let err = parse_redis_memory(&s).expect_err("invalid suffix accepted");
        prop_assert!(err.to_string().contains(&s), "{}", err);
    }
}

/// Runs every parser and formatter on `s`; errors must carry the input unchanged.
fn check_no_panic(s: &str) -> Result<(), TestCaseError> {
    for result in [parse_k8s_quantity(s), parse_redis_memory(s)] {
        match result {
            Ok(bytes) => {
                let _ = format_k8s_bytes(bytes);
            }
            Err(err) => {
                prop_assert_eq!(err.input(), s);
                prop_assert!(!err.to_string().contains('\n'));
            }
        }
    }
    let _ = RedisUnitStyle::of(s);
    let _ = redis_style_for_k8s(s);
    Ok(())
}
