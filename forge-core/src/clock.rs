//! Times are stored as BIGINT unix milliseconds on both engines, because
//! neither engine's native timestamp type decodes through sqlx's `Any` driver.

use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds since the unix epoch, now.
pub fn now_ms() -> i64 {
    let elapsed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("the system clock is set after 1970");
    i64::try_from(elapsed.as_millis())
        .expect("milliseconds since 1970 fit in an i64 until the year 292 million")
}

/// Formats unix milliseconds as an RFC 3339 UTC timestamp (the API's format),
/// e.g. `2026-11-28T20:51:16Z`.
pub fn rfc3339(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (Howard
/// Hinnant's algorithm).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// The day count since 1970-01-01 of a proleptic Gregorian date, the inverse
/// of [`civil_from_days`] (Howard Hinnant's algorithm).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = year - i64::from(month <= 2);
    let era = year.div_euclid(400);
    let yoe = year.rem_euclid(400);
    let month = i64::from(month);
    let mp = if month > 2 { month - 3 } else { month + 9 };
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Parses an RFC 3339 timestamp (`2026-11-28T20:51:16Z`, with optional
/// fractions of a second and a `Z` or `±HH:MM` offset) into unix
/// milliseconds. `None` for anything else, including impossible dates.
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    fn number(s: &str) -> Option<i64> {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        s.parse().ok()
    }
    let text = text.trim();
    if !text.is_ascii() || text.len() < 20 {
        return None;
    }
    let (date, rest) = text.split_at(10);
    let bytes = date.as_bytes();
    if bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let year = number(&date[0..4])?;
    let month = u32::try_from(number(&date[5..7])?).ok()?;
    let day = u32::try_from(number(&date[8..10])?).ok()?;
    let rest = rest.strip_prefix(['T', 't', ' '])?;
    if rest.len() < 9 || rest.as_bytes()[2] != b':' || rest.as_bytes()[5] != b':' {
        return None;
    }
    let (hour, minute, second) = (
        number(&rest[0..2])?,
        number(&rest[3..5])?,
        number(&rest[6..8])?,
    );
    let mut rest = &rest[8..];
    let mut millis = 0;
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        let kept: String = fraction[..digits]
            .chars()
            .chain("00".chars())
            .take(3)
            .collect();
        millis = number(&kept)?;
        rest = &fraction[digits..];
    }
    let offset_minutes = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            if rest.len() != 6 || rest.as_bytes()[3] != b':' {
                return None;
            }
            let (h, m) = (number(&rest[1..3])?, number(&rest[4..6])?);
            if h > 23 || m > 59 {
                return None;
            }
            sign * (h * 60 + m)
        }
    };
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        _ => return None,
    };
    // A leap second (:60) is read as the last second of its minute.
    if day == 0 || day > days_in_month || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second.min(59) - offset_minutes * 60;
    Some(seconds * 1000 + millis)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400_000), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_795_899_076_999), "2026-11-28T20:51:16Z");
        assert_eq!(rfc3339(-1000), "1969-12-31T23:59:59Z");
    }

    #[test]
    fn days_and_dates_round_trip() {
        for days in [-800_000, -1, 0, 1, 10_956, 11_016, 20_785, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days, "{y}-{m}-{d}");
        }
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
    }

    #[test]
    fn parses_rfc3339() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_rfc3339("2026-11-28T20:51:16Z"),
            Some(1_795_899_076_000)
        );
        assert_eq!(
            parse_rfc3339("2026-11-28T20:51:16.999Z"),
            Some(1_795_899_076_999)
        );
        assert_eq!(
            parse_rfc3339("2026-11-28T20:51:16.9Z"),
            Some(1_795_899_076_900)
        );
        assert_eq!(
            parse_rfc3339("2026-11-28T21:51:16+01:00"),
            Some(1_795_899_076_000)
        );
        assert_eq!(
            parse_rfc3339("2026-11-28T15:21:16-05:30"),
            Some(1_795_899_076_000)
        );
        assert_eq!(parse_rfc3339("2000-02-29T00:00:00Z"), Some(951_782_400_000));
        assert_eq!(parse_rfc3339("1969-12-31T23:59:59Z"), Some(-1000));
        for ms in [0, 951_782_400_000, 1_795_899_076_000, -1000] {
            assert_eq!(parse_rfc3339(&rfc3339(ms)), Some(ms));
        }
        for bad in [
            "",
            "2026-11-28",
            "2026-11-28T20:51:16",
            "2026-11-28T20:51Z",
            "2026-13-01T00:00:00Z",
            "2026-02-29T00:00:00Z",
            "1900-02-29T00:00:00Z",
            "2026-04-31T00:00:00Z",
            "2026-11-28T24:00:00Z",
            "2026-11-28T20:61:00Z",
            "2026-11-28T20:51:16+0100",
            "2026-11-28T20:51:16+25:00",
            "2026-11-28T20:51:16.Z",
            "+026-11-28T20:51:16Z",
            "2026-11-28T20:51:16Zjunk",
            "2026-11-28T20:51:16€",
            "２０２６-11-28T20:51:16Z",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad:?}");
        }
    }
}
