//! Calendar days without a date crate: days since 1970-01-01 from a `YYYY-MM-DD` suffix (the
//! proleptic Gregorian algorithm of Howard Hinnant's `days_from_civil`).

/// Days since 1970-01-01 of a valid `YYYY-MM-DD`.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> Option<i64> {
    if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
        return None;
    }
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

/// `YYYY-MM-DD` of a day number.
pub fn civil_from_days(z: i64) -> String {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// The day of a key ending in `YYYY-MM-DD` (Sidekiq's `stat:processed:2024-01-31`).
pub fn trailing_day(key: &[u8]) -> Option<i64> {
    let tail = key.get(key.len().checked_sub(10)?..)?;
    let text = std::str::from_utf8(tail).ok()?;
    let (y, rest) = text.split_once('-')?;
    let (m, d) = rest.split_once('-')?;
    if y.len() != 4 || m.len() != 2 || d.len() != 2 || !text.bytes().all(|b| b.is_ascii_digit() || b == b'-')
    {
        return None;
    }
    days_from_civil(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
}

/// Today's day number from unix seconds.
pub fn day_of_unix(secs: i64) -> i64 {
    secs.div_euclid(86_400)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_invalid_dates() {
        assert_eq!(days_from_civil(1970, 1, 1), Some(0));
        assert_eq!(days_from_civil(2024, 2, 29), Some(19_782));
        assert_eq!(civil_from_days(19_782), "2024-02-29");
        assert_eq!(days_from_civil(2023, 2, 29), None);
        assert_eq!(days_from_civil(2023, 13, 1), None);
        for z in [-1000, 0, 59, 11_016, 20_000, 60_000] {
            let s = civil_from_days(z);
            let k = format!("stat:processed:{s}");
            assert_eq!(trailing_day(k.as_bytes()), Some(z), "{s}");
        }
    }

    #[test]
    fn only_a_trailing_date_counts() {
        assert_eq!(trailing_day(b"stat:processed"), None);
        assert_eq!(trailing_day(b"stat:processed:2024-01-3x"), None);
        assert_eq!(trailing_day(b"x2024-01-31").map(civil_from_days).as_deref(), Some("2024-01-31"));
        assert_eq!(trailing_day(b"2024-1-031"), None);
        assert_eq!(trailing_day(b""), None);
    }
}
