//! Kubernetes resource quantities (`512Mi`, `0.5Gi`, `129M`, `1e9`, `512m`) as exact byte counts.
//!
//! Follows `parseQuantityString` / `ParseQuantity` in
//! `k8s.io/apimachinery/pkg/api/resource/quantity.go` and the suffix table in `suffix.go`:
//! an optional sign, digits with at most one decimal point, then either a binary suffix
//! (`Ki` .. `Ei`), a decimal suffix (`n`, `u`, `m`, `k`, `M`, `G`, `T`, `P`, `E`) or a decimal
//! exponent (`e`/`E`, optional sign, integer). Fractions of a byte round up, like
//! `Quantity.Value()`. All arithmetic is on decimal digits and integers; nothing goes through
//! floating point.

use super::{Notation, Reason, UnitError};

/// The parts of a syntactically valid quantity.
struct Parts<'a> {
    negative: bool,
    /// Digits before the decimal point (possibly empty).
    int: &'a str,
    /// Digits after the decimal point (possibly empty).
    frac: &'a str,
    /// Binary scale: the value is multiplied by `2^shift`.
    shift: u32,
    /// Decimal scale from the suffix: the value is multiplied by `10^exp10`.
    exp10: i64,
}

/// Parses a Kubernetes memory quantity into bytes, rounding a fractional byte count up.
///
/// Surrounding whitespace is ignored. Negative quantities (other than zero), values above
/// `u64::MAX` bytes and anything that is not a Kubernetes quantity are errors.
pub fn parse_k8s_quantity(s: &str) -> Result<u64, UnitError> {
    let err = |reason| UnitError::new(s, Notation::Kubernetes, reason);
    let parts = split(s.trim()).ok_or_else(|| err(Reason::Syntax))?;

    // The mantissa as decimal digits (most significant first), times 2^shift.
    let mantissa = parts.int.bytes().chain(parts.frac.bytes()).map(|b| b - b'0');
    let digits = times_pow2(mantissa.collect(), parts.shift);
    let Some(first) = digits.iter().position(|&d| d != 0) else {
        return Ok(0); // "0", "0.0Gi", "-0", "0e99": zero whatever the sign or scale
    };
    if parts.negative {
        return Err(err(Reason::Negative));
    }
    let digits = &digits[first..];
    // The value is `digits * 10^scale`.
    let frac_len = i64::try_from(parts.frac.len()).unwrap_or(i64::MAX);
    let scale = parts.exp10.saturating_sub(frac_len);

    let value = if scale >= 0 {
        let factor = u32::try_from(scale).ok().and_then(|e| 10u64.checked_pow(e));
        factor.and_then(|f| to_u64(digits)?.checked_mul(f))
    } else {
        // The last `below` digits are a fraction of a byte; any non-zero one rounds up.
        let below = usize::try_from(scale.unsigned_abs()).unwrap_or(usize::MAX);
        let (int, frac) = digits.split_at(digits.len().saturating_sub(below));
        let round_up = u64::from(frac.iter().any(|&d| d != 0));
        to_u64(int).and_then(|v| v.checked_add(round_up))
    };
    value.ok_or_else(|| err(Reason::Overflow))
}

/// Splits trimmed text into sign, integer digits, fraction digits and suffix scale.
fn split(t: &str) -> Option<Parts<'_>> {
    let (negative, rest) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let (int, rest) = leading_digits(rest);
    let (frac, suffix) = match rest.strip_prefix('.') {
        Some(after_dot) => leading_digits(after_dot),
        None => ("", rest),
    };
    if int.is_empty() && frac.is_empty() {
        return None; // ".", "Gi", "+": a suffix or sign needs a number
    }
    let (shift, exp10) = suffix_scale(suffix)?;
    Some(Parts { negative, int, frac, shift, exp10 })
}

/// Splits off the leading ASCII digits.
fn leading_digits(s: &str) -> (&str, &str) {
    s.split_at(s.bytes().take_while(u8::is_ascii_digit).count())
}

/// `(binary shift, decimal exponent)` of a suffix, as in `suffix.go`; `None` if invalid.
fn suffix_scale(suffix: &str) -> Option<(u32, i64)> {
    Some(match suffix {
        "" => (0, 0),
        "Ki" => (10, 0),
        "Mi" => (20, 0),
        "Gi" => (30, 0),
        "Ti" => (40, 0),
        "Pi" => (50, 0),
        "Ei" => (60, 0),
        "n" => (0, -9),
        "u" => (0, -6),
        "m" => (0, -3),
        "k" => (0, 3),
        "M" => (0, 6),
        "G" => (0, 9),
        "T" => (0, 12),
        "P" => (0, 15),
        "E" => (0, 18),
        // `e3`, `E-3`, `e+3`: the exponent must fit in an i64 (strconv.ParseInt in Go).
        _ => (0, suffix.strip_prefix(['e', 'E'])?.parse::<i64>().ok()?),
    })
}

/// Multiplies a big-endian decimal digit vector by `2^shift` (`shift <= 60`).
fn times_pow2(digits: Vec<u8>, shift: u32) -> Vec<u8> {
    if shift == 0 {
        return digits;
    }
    let factor = 1u128 << shift;
    let mut out = Vec::with_capacity(digits.len() + 20);
    let mut carry = 0u128;
    for &d in digits.iter().rev() {
        let cur = u128::from(d) * factor + carry;
        out.push((cur % 10) as u8);
        carry = cur / 10;
    }
    while carry > 0 {
        out.push((carry % 10) as u8);
        carry /= 10;
    }
    out.reverse();
    out
}

/// The integer written by `digits`, or `None` if it exceeds `u64::MAX`.
fn to_u64(digits: &[u8]) -> Option<u64> {
    digits.iter().try_fold(0u64, |acc, &d| acc.checked_mul(10)?.checked_add(u64::from(d)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXPECTED: &str = "expected a number with an optional suffix (Ki, Mi, Gi, Ti, Pi, Ei, k, \
                            M, G, T, P, E, m, u, n) or exponent (1e9)";

    #[test]
    fn parses_every_form() {
        let table: &[(&str, u64)] = &[
            // plain bytes, signs, leading zeros, whitespace
            ("0", 0),
            ("000", 0),
            ("-0", 0),
            ("+0.0Gi", 0),
            ("128974848", 128_974_848),
            ("+128974848", 128_974_848),
            ("007", 7),
            ("  1Gi\n", 1 << 30),
            ("\t512Mi ", 512 << 20),
            ("18446744073709551615", u64::MAX),
            // binary suffixes
            ("1Ki", 1024),
            ("512Mi", 536_870_912),
            ("1Gi", 1_073_741_824),
            ("1Ti", 1 << 40),
            ("1Pi", 1 << 50),
            ("1Ei", 1 << 60),
            ("15Ei", 15 << 60),
            // decimal suffixes
            ("1k", 1000),
            ("129M", 129_000_000),
            ("1G", 1_000_000_000),
            ("2T", 2_000_000_000_000),
            ("3P", 3_000_000_000_000_000),
            ("1E", 1_000_000_000_000_000_000),
            ("18E", 18_000_000_000_000_000_000),
            // decimals
            ("0.5Gi", 536_870_912),
            ("1.5Mi", 1_572_864),
            ("1.25Ki", 1280),
            (".5Gi", 1 << 29),
            ("5.", 5),
            ("5.Mi", 5 << 20),
            ("2.5G", 2_500_000_000),
            ("1.000Mi", 1 << 20),
            // sub-byte suffixes and fractions round up
            ("512m", 1),
            ("1000m", 1),
            ("1001m", 2),
            ("0m", 0),
            ("128974848000m", 128_974_848),
            ("5u", 1),
            ("5n", 1),
            ("0.5", 1),
            ("0.1", 1),
            (".5", 1),
            ("1.5", 2),
            ("0.001Ki", 2),
            ("1.0000000001Gi", 1_073_741_825),
            ("0.000000000000000000000000000001", 1),
            // exponents
            ("1e9", 1_000_000_000),
            ("1E3", 1000),
            ("129e6", 129_000_000),
            ("1e+3", 1000),
            ("1.5e3", 1500),
            ("1.e3", 1000),
            ("5e-3", 1),
            ("12e-1", 2),
            ("10e-1", 1),
            ("1e0", 1),
            ("1e19", 10_000_000_000_000_000_000),
            ("0e99", 0),
            ("1e-99999", 1),
            ("99999999999999999999999e-5", 1_000_000_000_000_000_000),
        ];
        for &(input, want) in table {
            assert_eq!(parse_k8s_quantity(input), Ok(want), "input {input:?}");
        }
    }

    #[test]
    fn rejects_invalid_forms_with_clear_messages() {
        // Tokens without inner spaces, then the ones that need them.
        let tokens = "12Zi 1K 1Kb 1mi 1MI 1gi 1b 1B 1GiB 1Gib 1Ki5 1.2.3 1..2 . + - +-1 --1 Gi Mi k \
                      e3 1e 1e+ 1e3.5 1ee3 1e9Mi 1,5Gi 0x10 ½ １Gi 1e99999999999999999999 -1Zi";
        let spaced = ["", "   ", "1 Gi", "1 000", "1\nGi"];
        let syntax = tokens.split_whitespace().chain(spaced);
        for input in syntax {
            let err = parse_k8s_quantity(input).expect_err(input);
            assert_eq!(err.input(), input);
            let shown = input.replace('\n', "\\n");
            assert_eq!(err.to_string(), format!("invalid Kubernetes quantity `{shown}`: {EXPECTED}"));
        }
        for input in ["-1", "-1Gi", "-0.5", "-1e-9"] {
            let err = parse_k8s_quantity(input).expect_err(input);
            let want = format!("invalid Kubernetes quantity `{input}`: a memory size cannot be negative");
            assert_eq!(err.to_string(), want);
        }
        for input in ["16Ei", "19E", "1e20", "18446744073709551616", "18446744073709551615.5", "1e9999"] {
            let err = parse_k8s_quantity(input).expect_err(input);
            assert!(err.to_string().contains("does not fit in 64 bits"), "{err}");
            assert!(err.to_string().contains(input), "{err}");
        }
    }
}
